// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syslog.c - syslog header parser for maillog lines (see syslog.h).
 *
 * A cursor (p, end) walks the line; every read checks p < end first, so
 * the line needs no terminator and a NUL is just a byte that no rule of
 * the header grammar accepts.
 */
#include <stdbool.h>
#include <string.h>

#include "maillog/syslog.h"

struct cur {
	const char *p;
	const char *end;
};

static bool at(const struct cur *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

static bool eat(struct cur *c, char ch)
{
	if (!at(c, ch))
		return false;
	c->p++;
	return true;
}

static bool is_digit(const struct cur *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* Exactly n digits into *v. */
static bool digits(struct cur *c, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(c))
			return false;
		*v = *v * 10 + (*c->p++ - '0');
	}
	return true;
}

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(long y, int mon)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mon == 1 && leap(y) ? 29 : d[mon];
}

static bool valid_tm(const struct tm *tm)
{
	return tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 &&
	       tm->tm_mday <= mdays(tm->tm_year + 1900L, tm->tm_mon) &&
	       tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 60;
}

/* "Nov 27 02:05:13" or "Nov  7 02:05:13", local time, year from ref. */
static bool ts_rfc3164(struct cur *c, time_t ref, struct syslog_line *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm = { 0 }, rtm;
	int mon = -1, v;
	time_t t;

	if (c->end - c->p < 3)
		return false;
	for (int i = 0; i < 12; i++)
		if (memcmp(c->p, months + 3 * (size_t)i, 3) == 0)
			mon = i;
	if (mon < 0)
		return false;
	c->p += 3;
	if (!eat(c, ' '))
		return false;
	if (eat(c, ' ')) {
		if (!digits(c, 1, &tm.tm_mday))
			return false;
	} else if (!digits(c, 2, &tm.tm_mday)) {
		return false;
	}
	if (!eat(c, ' ') || !digits(c, 2, &tm.tm_hour) || !eat(c, ':') ||
	    !digits(c, 2, &tm.tm_min) || !eat(c, ':') || !digits(c, 2, &v))
		return false;
	tm.tm_sec = v;
	tm.tm_mon = mon;
	if (!localtime_r(&ref, &rtm))
		return false;
	tm.tm_year = rtm.tm_year;
	if (mon > rtm.tm_mon + 1)
		tm.tm_year--;			/* December read in January */
	else if (mon == 0 && rtm.tm_mon == 11)
		tm.tm_year++;			/* January read on Dec 31 */
	if (!valid_tm(&tm))
		return false;			/* also Feb 29 in a common year */
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	out->time = t;
	out->usec = 0;
	return true;
}

/* "2026-11-27T02:05:13[.frac](Z|+hh:mm|+hhmm)" */
static bool ts_rfc3339(struct cur *c, struct syslog_line *out)
{
	struct tm tm = { 0 };
	int y, oh = 0, om = 0, sign = 0;
	long usec = 0;
	time_t t;

	if (!digits(c, 4, &y) || !eat(c, '-') || !digits(c, 2, &tm.tm_mon) ||
	    !eat(c, '-') || !digits(c, 2, &tm.tm_mday) || !eat(c, 'T') ||
	    !digits(c, 2, &tm.tm_hour) || !eat(c, ':') || !digits(c, 2, &tm.tm_min) ||
	    !eat(c, ':') || !digits(c, 2, &tm.tm_sec))
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon--;
	if (eat(c, '.')) {
		int n = 0;

		while (is_digit(c) && n < 9) {
			if (n < 6)
				usec = usec * 10 + (*c->p - '0');
			c->p++;
			n++;
		}
		if (n == 0 || is_digit(c))
			return false;
		for (; n < 6; n++)
			usec *= 10;
	}
	if (eat(c, 'Z')) {
		sign = 0;
	} else if (at(c, '+') || at(c, '-')) {
		sign = *c->p++ == '-' ? -1 : 1;
		if (!digits(c, 2, &oh))
			return false;
		eat(c, ':');
		if (!digits(c, 2, &om) || oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	if (!valid_tm(&tm))
		return false;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	out->time = t - sign * (oh * 3600L + om * 60L);
	out->usec = usec;
	return true;
}

/* Copy bytes up to (not including) a byte in stop into dst; false if the
 * span is empty, too long, or holds a control byte or NUL. */
static bool span(struct cur *c, const char *stop, char *dst, size_t cap)
{
	size_t n = 0;

	while (c->p < c->end && !strchr(stop, *c->p)) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch < 0x20 || ch == 0x7f || n + 1 >= cap)
			return false;
		dst[n++] = (char)ch;
		c->p++;
	}
	dst[n] = '\0';
	return n > 0 && c->p < c->end;
}

int syslog_parse(struct syslog_line *out, const char *line, size_t len, time_t ref)
{
	struct cur c;
	bool ok;

	if (!line)
		return SYSLOG_UNPARSED;
	c.p = line;
	c.end = line + len;
	ok = is_digit(&c) ? ts_rfc3339(&c, out) : ts_rfc3164(&c, ref, out);
	if (!ok || !eat(&c, ' '))
		return SYSLOG_UNPARSED;
	/* strchr() also stops at the NUL byte: a NUL is refused as a control. */
	if (!span(&c, " ", out->host, sizeof(out->host)) || !eat(&c, ' '))
		return SYSLOG_UNPARSED;
	if (!span(&c, " [:", out->program, sizeof(out->program)))
		return SYSLOG_UNPARSED;
	out->pid = -1;
	if (eat(&c, '[')) {
		long pid = 0;

		if (!is_digit(&c))
			return SYSLOG_UNPARSED;
		while (is_digit(&c)) {
			pid = pid * 10 + (*c.p++ - '0');
			if (pid > 0x7fffffffL)
				return SYSLOG_UNPARSED;
		}
		if (!eat(&c, ']'))
			return SYSLOG_UNPARSED;
		out->pid = pid;
	}
	if (!eat(&c, ':') || !eat(&c, ' '))
		return SYSLOG_UNPARSED;
	out->msg = c.p;
	out->msg_len = (size_t)(c.end - c.p);
	return SYSLOG_OK;
}
