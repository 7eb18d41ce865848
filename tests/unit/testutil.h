/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testutil.h - what several unit tests need alike, linked into every one
 * (tests/unit/testutil.c).  Each helper fails the running test through a
 * cmocka assertion rather than returning an error.
 *
 * Scratch files: scratch_dir() makes a fresh /tmp/sentinel-NAME-XXXXXX,
 * scratch_remove() removes it and all below it; write_file() replaces a
 * file's contents, read_file() returns one whole (a static buffer of
 * 64 KiB, overwritten by the next call; NULL when it cannot be opened).
 *
 * Maillog lines: the parser tests keep the last line and record in sl and
 * rec; parse_fmt() fills both from a line with a header of format f,
 * assert_slice() and assert_field() compare raw bytes (an absent field is
 * the empty slice), setup_tz() is the group setup that runs them in UTC.
 */
#ifndef SENTINEL_TESTUTIL_H
#define SENTINEL_TESTUTIL_H

#include <stddef.h>

#include "maillog/format.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "text.h"

void scratch_dir(char *dir, size_t size, const char *name);
void scratch_remove(const char *dir);
void write_file(const char *path, const char *text);
char *read_file(const char *path);

/* 2026-11-27T03:00:00Z: the reading time of the parser tests' lines */
#define REF ((time_t)1795748400)

extern struct syslog_line sl;
extern struct postfix_record rec;

int setup_tz(void **state);
enum postfix_kind parse_fmt(const char *line, enum maillog_format f);
void assert_slice(struct slice s, const char *want);
void assert_field(enum postfix_field f, const char *want);

#endif
