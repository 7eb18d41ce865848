/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bytes.h - word-at-a-time helpers for scanning and hashing byte strings.
 *
 * load8() reads 8 unaligned bytes; zero_bytes() marks the bytes of a word
 * that are 0 (exact up to the lowest one: scans use the lowest); a byte
 * equal to c is a zero byte of x ^ (BYTES_ONES * c).  hash_bytes() hashes
 * a key 8 bytes at a time with a caller's seed (seed it per run where log
 * text chooses the keys, so no one can aim at one slot).  Little-endian
 * only, which the build checks.
 */
#ifndef SENTINEL_BYTES_H
#define SENTINEL_BYTES_H

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

#endif
