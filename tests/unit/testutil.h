/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testutil.h - what several unit tests need alike, linked into every one
 * (tests/unit/testutil.c).  Each helper fails the running test through a
 * cmocka assertion rather than returning an error.
 *
 * Scratch files: scratch_dir() makes a fresh /tmp/sentinel-NAME-XXXXXX,
 * scratch_remove() removes it and all below it; write_file() replaces a
 * file's contents, read_file() returns one whole (a static buffer of
 * 64 KiB, overwritten by the next call; NULL when it cannot be opened),
 * assert_same_file() fails unless two files (of at most 1 MiB) hold the
 * same bytes.
 *
 * Processes: first_child() is the pid of parent's first child, waited
 * for up to 2 s (unshare --fork's: the process in the new namespaces);
 * 0 when none came.
 *
 * Maillog lines: the parser tests keep the last line and record in sl and
 * rec; parse_fmt() fills both from a line with a header of format f,
 * assert_slice() and assert_field() compare raw bytes (an absent field is
 * the empty slice), setup_tz() is the group setup that runs them in UTC.
 * Postfix's own parser alone: parse_postfix() (syslog_parse() and
 * postfix_parse() with the default syslog name), and CHECK_ROWS() over a
 * table of struct postfix_row: each line's kind and every field it must
 * give and no other (a field the row does not name must be absent).
 *
 * The feed (format.h) with a message table: feed_lines() parses each line
 * (any format), feeds what it parsed into a fresh table of 64 messages
 * (removed ones kept grace seconds), expiring as the log's clock goes, and
 * returns the feed's statistics; seen has what the table reported
 * (acceptances, deliveries, notifications and their deliveries).
 */
#ifndef SENTINEL_TESTUTIL_H
#define SENTINEL_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "text.h"

void scratch_dir(char *dir, size_t size, const char *name);
void scratch_remove(const char *dir);
void write_file(const char *path, const char *text);
pid_t first_child(pid_t parent);
char *read_file(const char *path);
void assert_same_file(const char *a, const char *b);

/* 2026-11-27T03:00:00Z: the reading time of the parser tests' lines */
#define REF ((time_t)1795748400)

extern struct syslog_line sl;
extern struct postfix_record rec;

int setup_tz(void **state);
enum postfix_kind parse_fmt(const char *line, enum maillog_format f);
void assert_slice(struct slice s, const char *want);
void assert_field(enum postfix_field f, const char *want);

/* One line, its kind, its fields (NULL: must be absent) and its numbers
 * as "relay_port=25 conn_use=3" (a number not named must be -1). */
struct postfix_row {
	const char *line;
	enum postfix_kind kind;
	const char *f[POSTFIX_F_COUNT];
	const char *numbers;
};

enum postfix_kind parse_postfix(const char *line);
void check_postfix_rows(const struct postfix_row *rows, size_t n);
#define CHECK_ROWS(rows) check_postfix_rows((rows), sizeof(rows) / sizeof((rows)[0]))

struct feed_seen {
	int accepted, sent, deferred, bounced, removed, clients;
	char identity[8][MSG_IDENTITY_MAX];	/* of the first 8 accepted */
	size_t in_flight;			/* the table's size at the end */
	int notified;				/* notifications linked */
	struct {
		char identity[MSG_IDENTITY_MAX], about[POSTFIX_QID_MAX];
		enum msg_notify kind;
	} notice[8];				/* the first 8 of them */
	int notice_status[MSG_NSTATUS];		/* their deliveries (also above) */
};

extern struct feed_seen seen;
extern struct msg_table *feed_table;

/* A fresh feed_table (seen cleared) and its feed; feed_record() feeds it
 * the last line parsed (sl, rec). */
struct maillog_feed *feed_open(long grace);
void feed_record(struct maillog_feed *f);
struct maillog_feed_stats feed_lines(const char *const *lines, size_t n, long grace);

#endif
