// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * testutil.c - the unit tests' shared helpers; see testutil.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

struct syslog_line sl;
struct postfix_record rec;

void scratch_dir(char *dir, size_t size, const char *name)
{
	int n = snprintf(dir, size, "/tmp/sentinel-%s-XXXXXX", name);

	assert_true(n > 0 && (size_t)n < size);
	assert_non_null(mkdtemp(dir));
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

void scratch_remove(const char *dir)
{
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

pid_t first_child(pid_t parent)
{
	char path[64], buf[64];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	for (int i = 0; i < 100 && !pid; i++) {
		f = fopen(path, "re");
		if (f) {
			if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (!pid)
			usleep(20000);
	}
	return pid;
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

char *read_file(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The whole file (at most cap bytes) into buf: its size. */
static size_t read_bytes(const char *path, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		fail_msg("%s: cannot be opened", path);
	n = fread(buf, 1, cap, f);
	assert_true(feof(f));
	fclose(f);
	return n;
}

void assert_same_file(const char *a, const char *b)
{
	enum { CAP = 1 << 20 };
	unsigned char *x = malloc(CAP), *y = malloc(CAP);
	size_t nx, ny;

	assert_true(x && y);
	nx = read_bytes(a, x, CAP);
	ny = read_bytes(b, y, CAP);
	assert_int_equal(nx, ny);
	assert_memory_equal(x, y, nx);
	free(x);
	free(y);
}

int setup_tz(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

enum postfix_kind parse_fmt(const char *line, enum maillog_format f)
{
	memset(&sl, 0xa5, sizeof(sl));
	assert_int_equal(maillog_header(&sl, line, strlen(line), REF, f), SYSLOG_OK);
	return maillog_parse(&rec, f, &sl, NULL);
}

void assert_slice(struct slice s, const char *want)
{
	assert_int_equal(s.n, strlen(want));
	if (s.n)
		assert_memory_equal(s.p, want, s.n);
}

void assert_field(enum postfix_field f, const char *want)
{
	assert_slice(postfix_get(&rec, f), want);
}

enum postfix_kind parse_postfix(const char *line)
{
	assert_int_equal(syslog_parse(&sl, line, strlen(line), REF), SYSLOG_OK);
	return postfix_parse(&rec, sl.program, sl.msg, NULL);
}

/* The number a row names, or -1. */
static long number(const struct postfix_row *w, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = w->numbers; p && *p; p += strcspn(p, " "), p += *p == ' ')
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

static void check_row(const struct postfix_row *w)
{
	enum postfix_kind k = parse_postfix(w->line);

	if (k != w->kind)
		fail_msg("%s: kind %s, want %s", w->line, postfix_kind_name(k),
			 postfix_kind_name(w->kind));
	for (int f = 0; f < POSTFIX_F_COUNT; f++) {
		struct slice got = postfix_get(&rec, (enum postfix_field)f);

		if (!w->f[f]) {
			if (postfix_has(&rec, (enum postfix_field)f))
				fail_msg("%s: field %d is \"%.*s\", want absent", w->line, f,
					 (int)got.n, got.p);
			continue;
		}
		if (!postfix_has(&rec, (enum postfix_field)f) || got.n != strlen(w->f[f]) ||
		    memcmp(got.p, w->f[f], got.n) != 0)
			fail_msg("%s: field %d is %s\"%.*s\", want \"%s\"", w->line, f,
				 postfix_has(&rec, (enum postfix_field)f) ? "" : "absent ",
				 (int)got.n, got.p, w->f[f]);
	}
	assert_int_equal(rec.relay_port, number(w, "relay_port"));
	assert_int_equal(rec.client_port, number(w, "client_port"));
	assert_int_equal(rec.conn_use, number(w, "conn_use"));
	assert_int_equal(rec.size, number(w, "size"));
	assert_int_equal(rec.nrcpt, number(w, "nrcpt"));
	assert_int_equal(rec.count, number(w, "count"));
	assert_false(rec.truncated);
}

void check_postfix_rows(const struct postfix_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(&rows[i]);
}

struct feed_seen seen;
struct msg_table *feed_table;

static void feed_accepted(const struct message *m, void *arg)
{
	(void)arg;
	if (seen.accepted < 8)
		snprintf(seen.identity[seen.accepted], MSG_IDENTITY_MAX, "%s", m->identity);
	seen.accepted++;
}

static void feed_delivery(const struct message *m, enum msg_status s, time_t t, void *arg)
{
	(void)t;
	(void)arg;
	seen.sent += s == MSG_SENT;
	seen.deferred += s == MSG_DEFERRED;
	seen.bounced += s == MSG_BOUNCED;
	if (m->notify)
		seen.notice_status[s]++;
}

static void feed_notified(const struct message *m, void *arg)
{
	(void)arg;
	if (seen.notified < 8) {
		snprintf(seen.notice[seen.notified].identity, MSG_IDENTITY_MAX, "%s", m->identity);
		snprintf(seen.notice[seen.notified].about, POSTFIX_QID_MAX, "%s", m->orig_qid);
		seen.notice[seen.notified].kind = m->notify;
	}
	seen.notified++;
}

static void feed_emit(const struct syslog_line *l, const struct postfix_record *r, void *arg)
{
	(void)arg;
	seen.removed += r->kind == POSTFIX_REMOVED;
	seen.clients += r->kind == POSTFIX_CLIENT;
	msg_table_record(feed_table, l, r);
}

struct maillog_feed *feed_open(long grace)
{
	const struct msg_config cfg = { .max_messages = 64, .grace = grace, .max_age = 86400 };
	const struct msg_callbacks cb = { feed_accepted, feed_delivery, NULL, feed_notified, NULL };

	memset(&seen, 0, sizeof(seen));
	feed_table = msg_table_new(&cfg, &cb);
	return maillog_feed_new(feed_table);
}

void feed_record(struct maillog_feed *f)
{
	maillog_feed(f, &sl, &rec, feed_emit, NULL);
}

struct maillog_feed_stats feed_lines(const char *const *lines, size_t n, long grace)
{
	struct maillog_feed *f = feed_open(grace);
	struct maillog_feed_stats st;
	struct msg_stats ms;

	for (size_t i = 0; i < n; i++) {
		enum postfix_kind k = parse_fmt(lines[i], MAILLOG_AUTO);

		if (k > POSTFIX_IGNORED) {
			msg_table_expire(feed_table, sl.time);
			feed_record(f);
		}
	}
	msg_table_expire(feed_table, sl.time + 1);
	msg_table_stats(feed_table, &ms);
	seen.in_flight = ms.size;
	msg_table_flush(feed_table);
	maillog_feed_stats(f, &st);
	maillog_feed_free(f);
	msg_table_free(feed_table);
	return st;
}
