/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hash.h - the one hash of every table keyed by text an attacker writes
 * (login names, client addresses, queue ids, identities, process names).
 *
 * Include this instead of <uthash.h>: it includes uthash and replaces its
 * default (Jenkins, unseeded: anyone can compute keys that all land in
 * one bucket and make every lookup a walk of the whole table) with
 * bytes.h's hash_bytes() under a per-process seed from getrandom(2), so
 * where each key lands differs from run to run and cannot be aimed at.
 * Works in whatever order the headers come: uthash expands HASH_FUNCTION
 * where a table is used, and the definition here is the last one.
 *
 * hash_seed() is the seed (made at its first call, never 0); tables that
 * are not uthash (distinct sets, open addressing) hash with
 * hash_text()/hash_key() so they share it.  hash_seed_set() is for tests
 * (two seeds, two bucket orders) and is called before any table exists.
 */
#ifndef SENTINEL_HASH_H
#define SENTINEL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"

extern uint64_t hash_seed_value;
/* Fills hash_seed_value (getrandom, else time, pid and an address). */
void hash_seed_init(void);

static inline uint64_t hash_seed(void)
{
	if (__builtin_expect(!hash_seed_value, 0))
		hash_seed_init();
	return hash_seed_value;
}

/* Tests only: 0 makes the next hash_seed() draw a new random seed. */
void hash_seed_set(uint64_t seed);

static inline uint32_t hash_key(const void *key, size_t n)
{
	return hash_bytes(hash_seed(), key, n);
}

/* A seeded hash of a string, never 0 (0 means "none" to callers). */
static inline uint32_t hash_text(const char *s)
{
	uint32_t h = hash_key(s, strlen(s));

	return h ? h : 1;
}

#include <uthash.h>
#undef HASH_FUNCTION
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = hash_key((keyptr), (size_t)(keylen)))

#endif
