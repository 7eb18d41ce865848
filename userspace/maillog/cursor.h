/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cursor.h - the reading primitives of the maillog record parsers.
 *
 * A cursor (p, end) walks a message that is not NUL-terminated; no
 * function reads at or past end.  Each one either consumes what it
 * recognises and returns true, or returns false; after false the cursor
 * may have moved only where said.  Shared by postfix.c, sendmail.c and
 * exim.c, so that the three grammars read values the same way.
 *
 *   lit(c, "x")        the literal at the cursor, consumed
 *   has(c, "x")        the literal at the cursor, not consumed
 *   upto(c, ch, ..)    one or more bytes up to ch or the end
 *   upto2(c, a, b, ..) one or more bytes up to a or b or the end
 *   number(c, &v)      decimal digits (at most 12)
 *   plain(c, ..)       one element of a ", " list: up to ", " or the end
 *   angle(c, f, ..)    "<...>": ends at the first '>' outside a "quoted"
 *                      part that is followed by f or by the end (f '\0':
 *                      only the end); a backslash in quotes escapes
 *   angle2(c, a, b, ..) the same, a '>' followed by a or b or the end
 *   find1(p, end, a)   the first a in [p, end), or end
 *   find2(p, end, a, b) the first a or b in [p, end), or end
 *   quoted_end(p, end) the closing '"' of the quotes opening at p, or end
 *   ip_text(p, n)      an IPv4 or IPv6 address's text
 *   cur_open(c, msg)   a cursor over a message (NULL reads as empty)
 *   cur_set(r, f, ..)  store field f of a record (flags a long value)
 */
#ifndef SENTINEL_MAILLOG_CURSOR_H
#define SENTINEL_MAILLOG_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "maillog/postfix.h"

struct cur {
	const char *p;
	const char *end;
};

static inline bool done(const struct cur *c)
{
	return c->p >= c->end;
}

static inline uint32_t cur_load4(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t cur_load2(const char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The n bytes at p equal those of the constant s: a few (overlapping)
 * word compares, the words of s folded into the code.  GCC otherwise
 * calls memcmp() for most sizes that are not a power of two. */
static inline __attribute__((always_inline)) bool same_n(const char *p, const char *s,
							 size_t n)
{
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			if (load8(p + i) != load8(s + i))
				return false;
		return load8(p + (n - 8)) == load8(s + (n - 8));
	}
	if (n >= 4)
		return cur_load4(p) == cur_load4(s) && cur_load4(p + (n - 4)) == cur_load4(s + (n - 4));
	if (n >= 2)
		return cur_load2(p) == cur_load2(s) && p[n - 1] == s[n - 1];
	return n == 0 || *p == *s;
}

/* Literal of n bytes at the cursor; lit() takes a string constant, so
 * that the compiler turns the compare into a few loads. */
static inline __attribute__((always_inline)) bool has_n(const struct cur *c,
							const char *s, size_t n)
{
	return (size_t)(c->end - c->p) >= n && same_n(c->p, s, n);
}

static inline __attribute__((always_inline)) bool lit_n(struct cur *c, const char *s,
							size_t n)
{
	if (!has_n(c, s, n))
		return false;
	c->p += n;
	return true;
}

#define has(c, s) has_n((c), (s), sizeof(s) - 1)
#define lit(c, s) lit_n((c), (s), sizeof(s) - 1)

/* The first a or b in [p, end), or end. */
static inline const char *find2(const char *p, const char *end, char a, char b)
{
	uint64_t wa = BYTES_ONES * (unsigned char)a, wb = BYTES_ONES * (unsigned char)b;

	while (end - p >= 8) {
		uint64_t v = load8(p), m = zero_bytes(v ^ wa) | zero_bytes(v ^ wb);

		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
	while (p < end && *p != a && *p != b)
		p++;
	return p;
}

/* The first a in [p, end), or end: inline, the values are short. */
static inline const char *find1(const char *p, const char *end, char a)
{
	uint64_t wa = BYTES_ONES * (unsigned char)a;

	while (end - p >= 8) {
		uint64_t m = zero_bytes(load8(p) ^ wa);

		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
	while (p < end && *p != a)
		p++;
	return p;
}

/* p at an opening '"': its closing '"', or end when there is none.  A
 * backslash inside escapes the next byte. */
static inline const char *quoted_end(const char *p, const char *end)
{
	for (p++; (p = find2(p, end, '"', '\\')) < end && *p == '\\'; p++)
		if (p + 1 < end)
			p++;
	return p;
}

/* Bytes up to the first `stop` or the end; at least one. */
static inline bool upto(struct cur *c, char stop, const char **v, size_t *n)
{
	const char *p = find1(c->p, c->end, stop);

	if (p == c->p)
		return false;
	*v = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return true;
}

/* Bytes up to the first `a` or `b` or the end; at least one. */
static inline bool upto2(struct cur *c, char a, char b, const char **v, size_t *n)
{
	const char *p = find2(c->p, c->end, a, b);

	if (p == c->p)
		return false;
	*v = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return true;
}

static inline bool number(struct cur *c, long *v)
{
	long x = 0;

	if (done(c) || *c->p < '0' || *c->p > '9')
		return false;
	while (!done(c) && *c->p >= '0' && *c->p <= '9') {
		if (x > 100000000000L)
			return false;
		x = x * 10 + (*c->p++ - '0');
	}
	*v = x;
	return true;
}

/* Plain value of a ", "-list element: up to ", " or the end. */
static inline bool plain(struct cur *c, const char **v, size_t *n)
{
	const char *p = c->p;

	for (;;) {
		p = find1(p, c->end, ',');
		if (p == c->end || (p + 1 < c->end && p[1] == ' '))
			break;
		p++;
	}
	*v = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return *n > 0;
}

/*
 * "<...>" value: it ends at the first '>' outside a "quoted" part that is
 * followed by `a` or `b` or by the end of the text.  The value excludes
 * the brackets and may be empty (the null sender).  a and b '\0': the
 * value is the last thing in the text.  Inside quotes a backslash escapes
 * the next byte.
 */
static inline bool angle2(struct cur *c, char a, char b, const char **v, size_t *n)
{
	const char *p, *end = c->end;

	if (done(c) || *c->p != '<')
		return false;
	for (p = c->p + 1; (p = find2(p, end, '>', '"')) < end; p++) {
		if (*p == '"') {
			for (p++; (p = find2(p, end, '"', '\\')) < end && *p == '\\'; p++)
				if (p + 1 < end)
					p++;
			if (p >= end)
				return false;
			continue;			/* p++ steps past the '"' */
		}
		if (p + 1 == end || (a && p[1] == a) || (b && p[1] == b)) {
			*v = c->p + 1;
			*n = (size_t)(p - (c->p + 1));
			c->p = p + 1;
			return true;
		}
	}
	return false;
}

/* angle2() with one follower: the '>' followed by `follow` or the end. */
static inline bool angle(struct cur *c, char follow, const char **v, size_t *n)
{
	return angle2(c, follow, follow, v, n);
}

/* An address as the MTAs print it: IPv4 or IPv6 text, nothing else
 * (no "IPv6:" prefix, no zone), shorter than POSTFIX_IP_MAX. */
static inline bool ip_text(const char *p, size_t n)
{
	bool sep = false;

	if (n == 0 || n >= POSTFIX_IP_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (ch == '.' || ch == ':')
			sep = true;
		else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
			   (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return sep;
}

/* A cursor over msg; a NULL message reads as the empty one. */
static inline void cur_open(struct cur *c, struct slice msg)
{
	c->p = msg.p ? msg.p : "";
	c->end = msg.p ? msg.p + msg.n : c->p;
}

/* Store field f of r: a slice of the message (or of static text). */
static inline void cur_set(struct postfix_record *r, enum postfix_field f, const char *v,
			   size_t n)
{
	r->f[f].p = v;
	r->f[f].n = n;
	r->present |= 1u << f;
	if (n >= postfix_field_max(f))
		r->truncated = true;
}

/* The record's reset, as postfix_parse() does it: a few stores. */
static inline void cur_reset(struct postfix_record *r)
{
	r->present = 0;
	r->long_qid = false;
	r->truncated = false;
	r->conn_reused = false;
	r->mta_bounce = false;
	r->relay_port = r->size = r->nrcpt = r->uid = -1;
	r->client_port = r->conn_use = r->count = -1;
}

#endif
