// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * text.c - UTF-8 validation, sanitising and escaping.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

size_t utf8_seq_len(const unsigned char *s)
{
	/* Each test reads a byte only after the previous one was a valid
	 * continuation, so the NUL terminator stops us. */
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0;	/* overlong, or a surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;	/* overlong, or above U+10FFFF */
		return 4;
	}
	return 0;
}

char *utf8_sanitize(char *dst, size_t cap, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t n = 0;

	if (cap == 0)
		return dst;
	while (*p) {
		size_t len = utf8_seq_len(p);
		const char *from = len ? (const char *)p : UTF8_REPLACEMENT;
		size_t out = len ? len : 3;

		if (n + out >= cap)
			break;
		memcpy(dst + n, from, out);
		n += out;
		p += len ? len : 1;
	}
	dst[n] = '\0';
	return dst;
}

size_t utf8_sanitize_len(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i = 0, n = 0;

	if (cap == 0)
		return 0;
	while (i < len) {
		unsigned char ch = (unsigned char)src[i];
		unsigned char seq[5] = { 0 };
		size_t k, slen;

		if (ch >= 0x20 && ch < 0x80) {		/* the common case */
			if (n + 1 >= cap)
				break;
			dst[n++] = (char)ch;
			i++;
			continue;
		}
		k = len - i < 4 ? len - i : 4;
		memcpy(seq, src + i, k);		/* NUL-padded for utf8_seq_len */
		slen = ch ? utf8_seq_len(seq) : 0;
		if (n + (slen ? slen : 3) >= cap)
			break;
		memcpy(dst + n, slen ? src + i : UTF8_REPLACEMENT, slen ? slen : 3);
		n += slen ? slen : 3;
		i += slen ? slen : 1;
	}
	dst[n] = '\0';
	return i;
}

/* Code points a terminal acts on although they are valid and not C0. */
static bool cp_must_escape(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||		/* C1 controls */
	       cp == 0x061c ||				/* arabic letter mark */
	       cp == 0x200e || cp == 0x200f ||		/* LRM, RLM */
	       cp == 0x2028 || cp == 0x2029 ||		/* line, paragraph separator */
	       (cp >= 0x202a && cp <= 0x202e) ||	/* embeddings, overrides */
	       (cp >= 0x2066 && cp <= 0x2069);		/* isolates */
}

size_t text_escape(char *dst, size_t cap, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t n = 0;

	if (cap == 0)
		return 0;
	while (*p) {
		size_t len = utf8_seq_len(p), out = len;
		const char *from = (const char *)p;
		char esc[8];
		unsigned cp = 0;

		if (len == 2)
			cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
		else if (len == 3)
			cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
		if (len == 0 || *p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			from = esc;
			out = 4;
			len = 1;
		} else if (*p == '\\') {
			from = "\\\\";
			out = 2;
		} else if (cp_must_escape(cp)) {
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
			from = esc;
			out = 6;
		}
		if (n + out >= cap)
			break;
		memcpy(dst + n, from, out);
		n += out;
		p += len;
	}
	dst[n] = '\0';
	return n;
}

void hex_encode(char *dst, const void *src, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = src;

	for (size_t i = 0; i < len; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 15];
	}
	dst[2 * len] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long hex_decode(void *dst, size_t cap, const char *hex)
{
	size_t n = strlen(hex);
	unsigned char *out = dst;

	if (n % 2 || n / 2 > cap || n / 2 > (size_t)LONG_MAX)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}
