/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bytes.h - word-at-a-time helpers for scanning and hashing byte strings.
 *
 * load8() reads 8 unaligned bytes, store8() writes them.  copy_bytes()
 * and equal_bytes() are memcpy() and memcmp() == 0 without a library call
 * up to 32 bytes: GCC calls one for any size it does not know, and the
 * tables copy and compare short keys millions of times.  zero_bytes()
 * marks the bytes of a word that are 0 (exact up to the lowest one: scans
 * use the lowest); a byte equal to c is a zero byte of x ^ (BYTES_ONES * c).
 * hash_bytes() hashes a key 8 bytes at a time with a caller's seed (seed
 * it per run where log text chooses the keys, so no one can aim at one
 * slot).  Little-endian only, which the build checks.
 */
#ifndef SENTINEL_BYTES_H
#define SENTINEL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the word-at-a-time scans assume a little-endian CPU"
#endif

#define BYTES_ONES 0x0101010101010101ULL
#define BYTES_HIGHS 0x8080808080808080ULL

static inline uint64_t load8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void store8(char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* memcpy() of n bytes, n at most 32, without the library call GCC makes
 * for a size it does not know: overlapping word moves. */
static inline void copy_short(char *dst, const char *src, size_t n)
{
	uint32_t a, b;
	uint16_t c, d;

	if (n >= 16) {
		uint64_t w0 = load8(src), w1 = load8(src + 8);
		uint64_t w2 = load8(src + n - 16), w3 = load8(src + n - 8);

		store8(dst, w0);
		store8(dst + 8, w1);
		store8(dst + n - 16, w2);
		store8(dst + n - 8, w3);
	} else if (n >= 8) {
		uint64_t w0 = load8(src), w1 = load8(src + n - 8);

		store8(dst, w0);
		store8(dst + n - 8, w1);
	} else if (n >= 4) {
		memcpy(&a, src, 4);
		memcpy(&b, src + n - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + n - 4, &b, 4);
	} else if (n >= 2) {
		memcpy(&c, src, 2);
		memcpy(&d, src + n - 2, 2);
		memcpy(dst, &c, 2);
		memcpy(dst + n - 2, &d, 2);
	} else if (n) {
		dst[0] = src[0];
	}
}

/* memcmp(a, b, n) == 0 for n at most 32, the same way. */
static inline bool equal_short(const char *a, const char *b, size_t n)
{
	uint32_t a0, a1, b0, b1;

	if (n >= 16)
		return ((load8(a) ^ load8(b)) | (load8(a + 8) ^ load8(b + 8)) |
			(load8(a + n - 16) ^ load8(b + n - 16)) |
			(load8(a + n - 8) ^ load8(b + n - 8))) == 0;
	if (n >= 8)
		return ((load8(a) ^ load8(b)) | (load8(a + n - 8) ^ load8(b + n - 8))) == 0;
	if (n >= 4) {
		memcpy(&a0, a, 4);
		memcpy(&b0, b, 4);
		memcpy(&a1, a + n - 4, 4);
		memcpy(&b1, b + n - 4, 4);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Either of the above for any n: the call only for long values. */
static inline void copy_bytes(char *dst, const char *src, size_t n)
{
	if (n <= 32)
		copy_short(dst, src, n);
	else
		memcpy(dst, src, n);
}

static inline bool equal_bytes(const char *a, const char *b, size_t n)
{
	return n <= 32 ? equal_short(a, b, n) : memcmp(a, b, n) == 0;
}

/* High bit of each byte of x that is 0; exact up to the lowest one. */
static inline uint64_t zero_bytes(uint64_t x)
{
	return (x - BYTES_ONES) & ~x & BYTES_HIGHS;
}

/* The last n (1..7) bytes of a key of total bytes, zero-extended, as
 * memcpy() into a zeroed word would give them: without a call. */
static inline uint64_t hash_tail(const unsigned char *p, size_t n, size_t total)
{
	uint32_t lo, hi;

	if (total >= 8)			/* the word that ends the key, shifted */
		return load8((const char *)p + n - 8) >> (8 * (8 - n));
	if (n >= 4) {			/* two halves, overlapping */
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		return lo | (uint64_t)hi << (8 * (n - 4));
	}
	return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
}

static inline uint32_t hash_bytes(uint64_t seed, const void *key, size_t n)
{
	const unsigned char *p = key;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL), w;
	size_t total = n;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n) {
		w = hash_tail(p, n, total);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* No byte of [p, p + n) is NUL or above 0x7f: the sanitiser would copy
 * them as they are.  Words, overlapping at the end; a short value is two
 * overlapping halves, padded with 0x01 (neither NUL nor high). */
static inline bool plain_ascii(const char *p, size_t n)
{
	uint64_t x, bad = 0;
	uint32_t w;
	uint16_t h;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			x = load8(p + i);
			bad |= zero_bytes(x) | x;
		}
		x = load8(p + n - 8);
	} else if (n >= 4) {
		memcpy(&w, p, 4);
		x = w;
		memcpy(&w, p + n - 4, 4);
		x |= (uint64_t)w << 32;
	} else if (n >= 2) {
		memcpy(&h, p, 2);
		x = h | 0x0101010100000000ULL;
		memcpy(&h, p + n - 2, 2);
		x |= (uint64_t)h << 16;
	} else {
		x = n ? (unsigned char)p[0] | 0x0101010101010100ULL : BYTES_ONES;
	}
	bad |= zero_bytes(x) | x;
	return !(bad & BYTES_HIGHS);
}

#endif
