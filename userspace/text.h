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

#endif
