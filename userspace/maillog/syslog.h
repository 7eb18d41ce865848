/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syslog.h - split one maillog line into its syslog header and message.
 *
 * syslog_parse() reads one line (line, len: not NUL-terminated, may hold
 * NUL bytes and invalid UTF-8) of the form
 *
 *	TIMESTAMP SP HOSTNAME SP PROGRAM[PID]: SP MESSAGE
 *
 * where "[PID]" is optional and TIMESTAMP is one of
 *
 *	Nov 27 02:05:13                    RFC 3164 (day may be " 7", or "7"
 *	                                   as a web page's copy has it); local
 *	                                   time of this process (TZ), year from
 *	                                   the caller's reference time
 *	2026-11-27T02:05:13.123456+00:00   RFC 3339 (rsyslog high precision,
 *	2026-11-27T02:05:13Z               Postfix maillog_file), fraction of
 *	2026-11-27T02:05:13+0000           1-9 digits optional; journald
 *	                                   short-iso zone without a colon
 *
 * Either may follow a "<PRI>" (0 to 191, no leading zero), as relays and
 * log collectors that write what they receive keep it.  A line that
 * starts with "<PRI>VERSION " is RFC 5424 (VERSION 1 only):
 *
 *	<22>1 2026-11-27T02:05:13.123456+00:00 mx1 postfix/smtpd 1234 - - MSG
 *	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA[ MSG]
 *
 * each field PRINTUSASCII (33..126) within RFC 5424's bound (HOSTNAME
 * 255, APP-NAME SYSLOG_APP_MAX, PROCID SYSLOG_PROCID_MAX, MSGID
 * SYSLOG_MSGID_MAX bytes: longer is refused), or the NILVALUE "-": no
 * host, no program, no pid; a TIMESTAMP "-" is the time the line is read
 * (ref).  APP-NAME is the program, a PROCID of digits the pid (another
 * PROCID: -1).  STRUCTURED-DATA, "-" or elements [ID NAME="VALUE" ...]
 * (names up to SYSLOG_SD_NAME_MAX bytes; '"', '\' and ']' escaped by a
 * backslash in a VALUE, no control byte), is checked and skipped.  MSG
 * loses a UTF-8 BOM and one leading space (rsyslog's
 * RSYSLOG_SyslogProtocol23Format writes "- -  MSG").  The PRI is
 * checked, not kept.  These forms cost the RFC 3164 and RFC 3339 lines
 * nothing: they are tried only when those fail on a line starting '<'.
 *
 * An RFC 3164 line carries no year: it gets the year that puts it nearest
 * before `ref`: a line more than one month ahead of ref belongs to the
 * previous year (December read in January), a January line read in late
 * December to the next one (a clock slightly ahead at new year).
 *
 * Zero copy: on success host, program and msg are slices of the caller's
 * line, valid as long as the line is; nothing is copied or sanitised.  A
 * caller that keeps a value copies it with slice_copy(), which bounds it
 * and replaces invalid UTF-8.  Anything that does not match the grammar (a
 * NUL or control byte in the header, a hostname of SYSLOG_HOST_MAX bytes or
 * more, a program of SYSLOG_PROG_MAX or more: refused, not cut; an
 * impossible date) returns SYSLOG_UNPARSED and leaves *out unspecified.
 * The message is not examined at all.
 *
 * Speed: RFC 3164 conversions are cached per thread, by the whole
 * timestamp and by clock hour (mktime() only for a new hour, twice, and
 * per second in an hour that holds a UTC offset change); the cache
 * assumes TZ does not change while the process runs.  RFC 3339 is pure
 * arithmetic.  A host name (up to 15 bytes) equal to the previous line's
 * is not scanned again, nor is a program (up to 31 bytes) among a few
 * recent ones; host and program are otherwise checked a word at a time.  A foreign line costs this header parse and one compare in
 * postfix_parse().
 */
#ifndef SENTINEL_MAILLOG_SYSLOG_H
#define SENTINEL_MAILLOG_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#define SYSLOG_HOST_MAX 256	/* a host of this many bytes is refused */
#define SYSLOG_PROG_MAX 64
/* RFC 5424's bounds: longer is refused */
#define SYSLOG_APP_MAX 48	/* APP-NAME */
#define SYSLOG_PROCID_MAX 128
#define SYSLOG_MSGID_MAX 32
#define SYSLOG_SD_NAME_MAX 32	/* SD-ID, PARAM-NAME */

/* Bytes of somebody else's buffer: not NUL-terminated, n may be 0. */
struct slice {
	const char *p;
	size_t n;
};

enum syslog_rc { SYSLOG_OK = 0, SYSLOG_UNPARSED = -1 };

struct syslog_line {
	time_t time;			/* UTC */
	long usec;			/* 0..999999 */
	struct slice host;
	struct slice program;		/* "postfix/submission/smtpd" */
	long pid;			/* -1 when the line has none */
	struct slice msg;
};

int syslog_parse(struct syslog_line *out, const char *line, size_t len, time_t ref);

/* The time of a date (tm_year, tm_mon 0-11, tm_mday, tm_hour, tm_min,
 * tm_sec; other members ignored): local time (TZ, through the same
 * per-thread hour cache as RFC 3164 lines) when local, else UTC plus
 * `east` seconds.  False for an impossible date.  For log formats with
 * their own header, such as Exim's mainlog (exim.h). */
bool syslog_civil_time(const struct tm *tm, bool local, long east, time_t *out);

static inline bool slice_eq(struct slice s, const char *str)
{
	size_t n = strlen(str);

	return s.n == n && (n == 0 || memcmp(s.p, str, n) == 0);
}

/* Copy v into dst (cap bytes, always NUL-terminated when cap > 0) with
 * every byte that does not start a valid UTF-8 sequence, and every NUL,
 * replaced by U+FFFD; cut on a character boundary.  Returns false when v
 * did not fit whole. */
bool slice_copy(char *dst, size_t cap, struct slice v);
/* slice_copy(), and *len = strlen(dst) (cap > 0), for free when v was
 * plain ASCII that fit, as nearly every value is. */
bool slice_copy_n(char *dst, size_t cap, struct slice v, size_t *len);

#endif
