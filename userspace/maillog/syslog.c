// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syslog.c - syslog header parser for maillog lines (see syslog.h).
 *
 * A cursor (p, end) walks the line; every read checks p < end first, so
 * the line needs no terminator and a NUL is just a byte that no rule of
 * the header grammar accepts.  Host and program are checked a word at a
 * time (a byte class table for the tail), and not at all when they equal
 * bytes that passed the check before; the timestamp usually costs two
 * word compares against the previous line's.  The per-thread caches hold
 * copies of checked text only, never pointers into a caller's line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "text.h"
#include "maillog/syslog.h"

#define TS3164_LEN 15		/* "Nov 27 02:05:13" */

enum { C_CTRL = 1, C_PROG_END = 2, C_SPACE = 4 };

/* NUL, control bytes and DEL never appear in a header field; ' ' ends the
 * host, ' ', '[' and ':' end the program name. */
static const unsigned char cls[256] = {
	[0x00 ... 0x1f] = C_CTRL, [0x7f] = C_CTRL,
	[' '] = C_PROG_END | C_SPACE, ['['] = C_PROG_END, [':'] = C_PROG_END,
};

struct cur {
	const char *p;
	const char *end;
};

/*
 * Per-thread RFC 3164 conversion cache.  ref_*: the broken-down ref of the
 * last call.  sec_*: the last timestamp text and its time, valid for the
 * ref month it was computed under.  hour_*: the time of the start of the
 * last clock hour seen, when that hour has no UTC offset change in it
 * (then every second of it is base + offset).  host_*: the last host
 * name that passed field(), when short, with the space after it: the
 * same bytes again need no check.  prog[]: the same for program names,
 * a few of them, each with the ' ', '[' or ':' that ended it.
 */
struct ts_cache {
	bool ref_ok;
	time_t ref;
	int ref_year, ref_mon;
	bool sec_ok;
	char sec_text[TS3164_LEN];
	int sec_ref_year, sec_ref_mon;
	time_t sec_time;
	bool hour_ok;
	int hour_year, hour_mon, hour_mday, hour_hour;
	time_t hour_base;
	size_t host_n;			/* last host and its ' ', 0: none */
	char host_text[16];
	struct {			/* programs seen, by their first bytes */
		size_t n;		/* with the byte after it, 0: none */
		char text[32];
	} prog[64];
};

static _Thread_local struct ts_cache tsc;

static int syslog_parse_pri(struct syslog_line *out, const char *line, size_t len,
			    time_t ref);

/* Bytes of x below 0x21 (control or space) or equal to 0x7f, same rule. */
static inline uint64_t ctrl_or_space(uint64_t x)
{
	return ((x - BYTES_ONES * 0x21) & ~x & BYTES_HIGHS) | zero_bytes(x ^ (BYTES_ONES * 0x7f));
}

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

/* Days since 1970-01-01 of a proleptic Gregorian date (mon 1..12). */
static long days_from_civil(long y, int mon, int mday)
{
	long era, yoe, doy, doe;

	y -= mon <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static time_t local_mktime(const struct tm *tm, int min, int sec)
{
	struct tm t = *tm;

	t.tm_min = min;
	t.tm_sec = sec;
	t.tm_isdst = -1;
	return mktime(&t);
}

/* Local time of a valid tm, through the hour cache. */
static bool convert_local(const struct tm *tm, time_t *out)
{
	time_t t, end;

	if (!(tsc.hour_ok && tsc.hour_year == tm->tm_year && tsc.hour_mon == tm->tm_mon &&
	      tsc.hour_mday == tm->tm_mday && tsc.hour_hour == tm->tm_hour)) {
		tsc.hour_ok = false;
		t = local_mktime(tm, 0, 0);
		end = local_mktime(tm, 59, 59);
		if (t != (time_t)-1 && end - t == 3599) {
			tsc.hour_ok = true;
			tsc.hour_year = tm->tm_year;
			tsc.hour_mon = tm->tm_mon;
			tsc.hour_mday = tm->tm_mday;
			tsc.hour_hour = tm->tm_hour;
			tsc.hour_base = t;
		}
	}
	if (tsc.hour_ok) {
		*out = tsc.hour_base + tm->tm_min * 60L + tm->tm_sec;
		return true;
	}
	t = local_mktime(tm, tm->tm_min, tm->tm_sec);	/* an offset change */
	*out = t;
	return t != (time_t)-1;
}

/* The 15 bytes at c->p, not the cached timestamp: read and convert. */
static __attribute__((noinline)) bool ts_rfc3164_new(struct cur *c, struct syslog_line *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct cur t = { c->p, c->p + TS3164_LEN };
	struct tm tm = { 0 };
	int mon = -1, v, len = TS3164_LEN;
	time_t tt;

	for (int i = 0; i < 12; i++)
		if (memcmp(t.p, months + 3 * (size_t)i, 3) == 0)
			mon = i;
	if (mon < 0)
		return false;
	t.p += 3;
	if (!eat(&t, ' '))
		return false;
	if (eat(&t, ' ')) {
		if (!digits(&t, 1, &tm.tm_mday))
			return false;
	} else if (t.p + 1 < t.end && t.p[1] == ' ') {
		/* "Aug 3 15:30:49": a day without its pad, as a line copied
		 * from a web page has it (HTML folds the two spaces) */
		if (!digits(&t, 1, &tm.tm_mday))
			return false;
		len = TS3164_LEN - 1;
	} else if (!digits(&t, 2, &tm.tm_mday)) {
		return false;
	}
	if (!eat(&t, ' ') || !digits(&t, 2, &tm.tm_hour) || !eat(&t, ':') ||
	    !digits(&t, 2, &tm.tm_min) || !eat(&t, ':') || !digits(&t, 2, &v))
		return false;
	tm.tm_sec = v;
	tm.tm_mon = mon;
	tm.tm_year = tsc.ref_year;
	if (mon > tsc.ref_mon + 1)
		tm.tm_year--;			/* December read in January */
	else if (mon == 0 && tsc.ref_mon == 11)
		tm.tm_year++;			/* January read on Dec 31 */
	if (!valid_tm(&tm))
		return false;			/* also Feb 29 in a common year */
	if (!convert_local(&tm, &tt))
		return false;
	if (len == TS3164_LEN) {		/* the cache compares 15 bytes */
		memcpy(tsc.sec_text, c->p, TS3164_LEN);
		tsc.sec_ref_year = tsc.ref_year;
		tsc.sec_ref_mon = tsc.ref_mon;
		tsc.sec_time = tt;
		tsc.sec_ok = true;
	}
	c->p += len;
	out->time = tt;
	out->usec = 0;
	return true;
}

/* "Nov 27 02:05:13" or "Nov  7 02:05:13", local time, year from ref. */
static bool ts_rfc3164(struct cur *c, time_t ref, struct syslog_line *out)
{
	if (c->end - c->p < TS3164_LEN)
		return false;
	if (!tsc.ref_ok || tsc.ref != ref) {
		struct tm rtm;

		if (!localtime_r(&ref, &rtm))
			return false;
		tsc.ref_ok = true;
		tsc.ref = ref;
		tsc.ref_year = rtm.tm_year;
		tsc.ref_mon = rtm.tm_mon;
	}
	/* two overlapping words: bytes 0-7 and 7-14 */
	if (tsc.sec_ok && load8(c->p) == load8(tsc.sec_text) &&
	    load8(c->p + TS3164_LEN - 8) == load8(tsc.sec_text + TS3164_LEN - 8) &&
	    tsc.sec_ref_year == tsc.ref_year && tsc.sec_ref_mon == tsc.ref_mon) {
		c->p += TS3164_LEN;
		out->time = tsc.sec_time;
		out->usec = 0;
		return true;
	}
	return ts_rfc3164_new(c, out);
}

/* "2026-11-27T02:05:13[.frac](Z|+hh:mm|+hhmm)" */
static bool ts_rfc3339(struct cur *c, struct syslog_line *out)
{
	struct tm tm = { 0 };
	int y, oh = 0, om = 0, sign = 0;
	long usec = 0;

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
	out->time = days_from_civil(y, tm.tm_mon + 1, tm.tm_mday) * 86400L +
		    tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec -
		    sign * (oh * 3600L + om * 60L);
	out->usec = usec;
	return true;
}

/* Bytes up to the first byte of class `stop`: at least one, fewer than
 * max, no control byte, and the stop byte present. */
static bool field(struct cur *c, unsigned char stop, size_t max, struct slice *s)
{
	const char *p = c->p;

	/* a word at a time; the lowest flagged byte is a stop or a control */
	while (c->end - p >= 8) {
		uint64_t v = load8(p), m = ctrl_or_space(v);

		if (stop & C_PROG_END)
			m |= zero_bytes(v ^ (BYTES_ONES * '[')) | zero_bytes(v ^ (BYTES_ONES * ':'));
		if (m) {
			p += __builtin_ctzll(m) >> 3;
			goto found;
		}
		p += 8;
		if ((size_t)(p - c->p) >= max)
			return false;
	}
	while (p < c->end && !(cls[(unsigned char)*p] & (stop | C_CTRL)))
		p++;
	if (p == c->end)
		return false;
found:
	if (!(cls[(unsigned char)*p] & stop) || p == c->p || (size_t)(p - c->p) >= max)
		return false;
	s->p = c->p;
	s->n = (size_t)(p - c->p);
	c->p = p;
	return true;
}

/* The n (1..16) bytes at p equal those at text (16 bytes, padded). */
static bool same16(const char *p, const char *end, const char *text, size_t n)
{
	uint64_t lo, hi;

	if (end - p < 16)
		return (size_t)(end - p) >= n && memcmp(p, text, n) == 0;
	lo = load8(p) ^ load8(text);
	hi = load8(p + 8) ^ load8(text + 8);
	if (n < 8)
		return (lo & ((1ULL << (8 * n)) - 1)) == 0;
	return lo == 0 && (n == 8 || (hi & (~0ULL >> (8 * (16 - n)))) == 0);
}

/* The n (1..32) bytes at p equal those at text (32 bytes, padded). */
static bool same32(const char *p, const char *end, const char *text, size_t n)
{
	uint64_t diff = 0;
	size_t i;

	if (end - p < 32)
		return (size_t)(end - p) >= n && memcmp(p, text, n) == 0;
	for (i = 0; i + 8 <= n; i += 8)
		diff |= load8(p + i) ^ load8(text + i);
	if (i < n)
		diff |= (load8(p + i) ^ load8(text + i)) & ((1ULL << (8 * (n - i))) - 1);
	return diff == 0;
}

/* Bytes of x that may end a program name: control, ' ', '[' or ':'. */
static inline uint64_t prog_stops(uint64_t x)
{
	return ctrl_or_space(x) | zero_bytes(x ^ (BYTES_ONES * '[')) |
	       zero_bytes(x ^ (BYTES_ONES * ':'));
}

/* The cache slot of the program at p: a hash of its first 16 bytes, but
 * only of those before the first one that may end it, so that the pid
 * after a short name ("postfix/qmgr[1234]") does not choose the slot. */
static unsigned prog_slot(const char *p, const char *end)
{
	uint64_t a, b, m, h;

	if (end - p < 16)
		return 0;
	a = load8(p);
	b = load8(p + 8);
	if ((m = prog_stops(a)) != 0) {
		a &= ((m & -m) >> 7) - 1;	/* the bytes below the lowest stop */
		b = 0;
	} else if ((m = prog_stops(b)) != 0) {
		b &= ((m & -m) >> 7) - 1;
	}
	h = a ^ (b * 0x9e3779b97f4a7c15ULL);
	return (unsigned)((h * 0x9e3779b97f4a7c15ULL) >> 58);
}

/* Bytes of x (each XOR '0') that are not a decimal digit: exact per byte. */
static inline uint64_t non_digits(uint64_t x)
{
	return (((x & (BYTES_ONES * 0x7f)) + BYTES_ONES * (0x80 - 10)) | x) & BYTES_HIGHS;
}

/* The n (1..7) digits at the bottom of x (each XOR '0', first digit in the
 * lowest byte) as a number. */
static inline long digits_value(uint64_t x, unsigned n)
{
	x <<= 8 * (8 - n);		/* leading zero digits below */
	x = ((x & (BYTES_ONES * 0x0f)) * (1 + (10 << 8))) >> 8;
	x = ((x & 0x00ff00ff00ff00ffULL) * (1 + (100 << 16))) >> 16;
	x = ((x & 0x0000ffff0000ffffULL) * (1 + (10000ULL << 32))) >> 32;
	return (long)x;
}

/* ---- <PRI> and RFC 5424: lines as relays and collectors write them --- */

/* One RFC 5424 header field: 1..max bytes of PRINTUSASCII (33..126) up to
 * a space, or the NILVALUE "-" (an empty slice).  A space must follow. */
static bool field5424(struct cur *c, size_t max, struct slice *s)
{
	const char *p = c->p;

	while (p < c->end && (unsigned char)*p > ' ' && (unsigned char)*p < 0x7f &&
	       (size_t)(p - c->p) <= max)
		p++;
	if (p == c->p || (size_t)(p - c->p) > max || p == c->end || *p != ' ')
		return false;
	s->p = c->p;
	s->n = p - c->p == 1 && *c->p == '-' ? 0 : (size_t)(p - c->p);
	c->p = p + 1;
	return true;
}

/* SD-NAME: 1..32 PRINTUSASCII except '=', ' ', ']' and '"'. */
static bool sd_name(struct cur *c)
{
	const char *p = c->p;

	while (c->p < c->end && (unsigned char)*c->p > ' ' && (unsigned char)*c->p < 0x7f &&
	       *c->p != '=' && *c->p != ']' && *c->p != '"' && c->p - p <= SYSLOG_SD_NAME_MAX)
		c->p++;
	return c->p > p && c->p - p <= SYSLOG_SD_NAME_MAX;
}

/* STRUCTURED-DATA: "-" or one or more [SD-ID *(SP NAME="VALUE")], where
 * a VALUE escapes '"', '\' and ']' with '\'.  Skipped, not kept. */
static bool structured_data(struct cur *c)
{
	if (eat(c, '-'))
		return true;
	if (!at(c, '['))
		return false;
	while (eat(c, '[')) {
		if (!sd_name(c))
			return false;
		while (eat(c, ' ')) {
			if (!sd_name(c) || !eat(c, '=') || !eat(c, '"'))
				return false;
			while (c->p < c->end && *c->p != '"') {
				if (*c->p == '\\' && c->end - c->p >= 2)
					c->p++;
				if ((unsigned char)*c->p < ' ' || *c->p == 0x7f)
					return false;	/* as anywhere in a header */
				c->p++;
			}
			if (!eat(c, '"'))
				return false;
		}
		if (!eat(c, ']'))
			return false;
	}
	return true;
}

/* "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD[ [BOM]MSG]" after PRI */
static int rfc5424(struct syslog_line *out, struct cur *c, time_t ref)
{
	struct slice procid, msgid;

	if (!eat(c, '1') || !eat(c, ' '))
		return SYSLOG_UNPARSED;		/* VERSION 1 only */
	if (eat(c, '-')) {
		out->time = ref;		/* NILVALUE: when it was read */
		out->usec = 0;
	} else if (!is_digit(c) || !ts_rfc3339(c, out)) {
		return SYSLOG_UNPARSED;
	}
	if (!eat(c, ' ') || !field5424(c, SYSLOG_HOST_MAX - 1, &out->host) ||
	    !field5424(c, SYSLOG_APP_MAX, &out->program) ||
	    !field5424(c, SYSLOG_PROCID_MAX, &procid) ||
	    !field5424(c, SYSLOG_MSGID_MAX, &msgid) || !structured_data(c))
		return SYSLOG_UNPARSED;
	out->pid = -1;
	if (procid.n > 0) {			/* a number is a pid */
		long pid = 0;
		size_t i;

		for (i = 0; i < procid.n && procid.p[i] >= '0' && procid.p[i] <= '9'; i++)
			if ((pid = pid * 10 + (procid.p[i] - '0')) > 0x7fffffffL)
				return SYSLOG_UNPARSED;	/* as a [pid] too big */
		if (i == procid.n)
			out->pid = pid;
	}
	if (c->p < c->end && !eat(c, ' '))
		return SYSLOG_UNPARSED;
	if (c->end - c->p >= 3 && memcmp(c->p, "\xef\xbb\xbf", 3) == 0)
		c->p += 3;			/* the BOM of a UTF-8 MSG */
	eat(c, ' ');	/* rsyslog's SyslogProtocol23Format: "- -  MSG" */
	out->msg.p = c->p;
	out->msg.n = (size_t)(c->end - c->p);
	return SYSLOG_OK;
}

/* "<PRI>" (0..191, no leading zero), then RFC 5424 or any form that
 * syslog_parse() reads without it. */
static __attribute__((noinline, cold)) int syslog_parse_pri(struct syslog_line *out,
							    const char *line, size_t len,
							    time_t ref)
{
	struct cur c = { line + 1, line + len };
	int pri = 0, n = 0;

	while (is_digit(&c) && n < 3) {
		pri = pri * 10 + (*c.p++ - '0');
		n++;
	}
	if (n == 0 || (n > 1 && line[1] == '0') || pri > 191 || !eat(&c, '>'))
		return SYSLOG_UNPARSED;
	/* VERSION: 1..3 digits, not 0-led, and a space (a year has a '-') */
	for (n = 0; n < 3 && c.p + n < c.end && c.p[n] >= '0' && c.p[n] <= '9'; n++)
		;
	if (n > 0 && c.p[0] != '0' && c.p + n < c.end && c.p[n] == ' ')
		return rfc5424(out, &c, ref);
	if (at(&c, '<'))
		return SYSLOG_UNPARSED;		/* one PRI only */
	return syslog_parse(out, c.p, (size_t)(c.end - c.p), ref);
}

int syslog_parse(struct syslog_line *out, const char *line, size_t len, time_t ref)
{
	struct cur c;
	unsigned slot;
	bool ok;

	if (!line)
		return SYSLOG_UNPARSED;
	c.p = line;
	c.end = line + len;
	ok = is_digit(&c) ? ts_rfc3339(&c, out) : ts_rfc3164(&c, ref, out);
	if (!ok)	/* "<PRI>..." fails both: tried only then */
		return len && line[0] == '<' ? syslog_parse_pri(out, line, len, ref) :
					       SYSLOG_UNPARSED;
	if (!eat(&c, ' '))
		return SYSLOG_UNPARSED;
	if (tsc.host_n && same16(c.p, c.end, tsc.host_text, tsc.host_n)) {
		out->host.p = c.p;
		out->host.n = tsc.host_n - 1;
		c.p += tsc.host_n;
	} else {
		if (!field(&c, C_SPACE, SYSLOG_HOST_MAX, &out->host) || !eat(&c, ' '))
			return SYSLOG_UNPARSED;
		tsc.host_n = 0;
		if (out->host.n < sizeof(tsc.host_text)) {
			memset(tsc.host_text, 0, sizeof(tsc.host_text));
			memcpy(tsc.host_text, out->host.p, out->host.n + 1);
			tsc.host_n = out->host.n + 1;
		}
	}
	slot = prog_slot(c.p, c.end);
	if (tsc.prog[slot].n && same32(c.p, c.end, tsc.prog[slot].text, tsc.prog[slot].n)) {
		out->program.p = c.p;
		out->program.n = tsc.prog[slot].n - 1;
		c.p += out->program.n;
	} else {
		if (!field(&c, C_PROG_END, SYSLOG_PROG_MAX, &out->program))
			return SYSLOG_UNPARSED;
		tsc.prog[slot].n = 0;
		if (out->program.n < sizeof(tsc.prog[slot].text)) {
			memset(tsc.prog[slot].text, 0, sizeof(tsc.prog[slot].text));
			memcpy(tsc.prog[slot].text, out->program.p, out->program.n + 1);
			tsc.prog[slot].n = out->program.n + 1;
		}
	}
	out->pid = -1;
	if (eat(&c, '[')) {
		const char *start = c.p;
		const char *lim = c.end - c.p > 11 ? c.p + 11 : c.end;
		long pid = 0;
		unsigned d;

		/* up to 7 digits a word at a time, the usual pid */
		if (c.end - c.p >= 8) {
			uint64_t x = load8(c.p) ^ (BYTES_ONES * '0'), m = non_digits(x);
			unsigned n = m ? (unsigned)__builtin_ctzll(m) >> 3 : 8;

			if (n > 0 && n < 8) {
				pid = digits_value(x, n);
				c.p += n;
			}
		}
		/* else at most 11 digits, then the overflow check once */
		while (c.p < lim && (d = (unsigned)(unsigned char)*c.p - '0') < 10) {
			pid = pid * 10 + d;
			c.p++;
		}
		if (c.p == start || pid > 0x7fffffffL || !eat(&c, ']'))
			return SYSLOG_UNPARSED;
		out->pid = pid;
	}
	if (!eat(&c, ':') || !eat(&c, ' '))
		return SYSLOG_UNPARSED;
	out->msg.p = c.p;
	out->msg.n = (size_t)(c.end - c.p);
	return SYSLOG_OK;
}

bool syslog_civil_time(const struct tm *tm, bool local, long east, time_t *out)
{
	if (tm->tm_hour < 0 || tm->tm_min < 0 || tm->tm_sec < 0 || !valid_tm(tm))
		return false;
	if (local)
		return convert_local(tm, out);
	*out = days_from_civil(tm->tm_year + 1900L, tm->tm_mon + 1, tm->tm_mday) * 86400L +
	       tm->tm_hour * 3600L + tm->tm_min * 60L + tm->tm_sec - east;
	return true;
}

bool slice_copy_n(char *dst, size_t cap, struct slice v, size_t *len)
{
	bool whole;

	*len = 0;
	if (cap == 0)
		return v.n == 0;
	if (v.n < cap && v.p && plain_ascii(v.p, v.n)) {	/* nearly every value */
		copy_bytes(dst, v.p, v.n);
		dst[v.n] = '\0';
		*len = v.n;
		return true;
	}
	whole = utf8_sanitize_len(dst, cap, v.p ? v.p : "", v.n) == v.n;
	*len = strlen(dst);
	return whole;
}

bool slice_copy(char *dst, size_t cap, struct slice v)
{
	size_t len;

	return slice_copy_n(dst, cap, v, &len);
}
