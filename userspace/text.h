/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * text.h - small text helpers for attacker-controlled strings.
 *
 * utf8_seq_len() validates one UTF-8 sequence (no overlongs, no surrogates,
 * nothing above U+10FFFF).  utf8_sanitize() copies a string replacing every
 * byte that does not start a valid sequence by U+FFFD, so that two different
 * byte strings that would print the same are made equal before they are
 * used as keys.  utf8_sanitize_len() does the same for a byte string that
 * is not NUL-terminated (a slice of a log line).
 *
 * text_escape() makes any string safe to print on a terminal (sentinelctl):
 * nothing in it can move the cursor, retitle the window or reorder text.
 */
#ifndef SENTINEL_TEXT_H
#define SENTINEL_TEXT_H

#include <stddef.h>

#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Length (1..4) of the valid UTF-8 sequence at s, or 0.  s is NUL-terminated. */
size_t utf8_seq_len(const unsigned char *s);

/* Copy src into dst (cap bytes, NUL-terminated, truncated on a sequence
 * boundary).  Returns dst. */
char *utf8_sanitize(char *dst, size_t cap, const char *src);

/* Like utf8_sanitize() for exactly len bytes of src, which need no NUL
 * terminator; a NUL byte in src is replaced like an invalid byte.
 * Returns how many bytes of src were copied: len unless dst was too small
 * (or cap is 0). */
size_t utf8_sanitize_len(char *dst, size_t cap, const char *src, size_t len);

/* Copy src into dst (cap bytes, NUL-terminated) with control characters
 * and DEL as \xNN, a byte that does not start valid UTF-8 as \xNN, C1
 * controls, U+061C, U+200E/F, U+2028/9, U+202A..E and U+2066..9
 * (bidirectional and line-breaking formatting) as \uNNNN, and a backslash
 * as \\; the rest as it is.  Stops before an escape or a sequence that
 * would not fit: 4 x strlen(src) + 1 bytes always hold all of it.
 * Returns strlen(dst). */
#define TEXT_ESCAPE_MAX(n) (4 * (n) + 1)
size_t text_escape(char *dst, size_t cap, const char *src);

/* len bytes of src as lower-case hex into dst (2 x len + 1 bytes). */
void hex_encode(char *dst, const void *src, size_t len);
/* The bytes of a hex string (either case, even length) into dst (cap
 * bytes); their count, or -1 when hex is not that or does not fit. */
long hex_decode(void *dst, size_t cap, const char *hex);

#endif
