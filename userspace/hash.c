// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hash.c - the per-process seed of hash.h.
 */
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

uint64_t hash_seed_value;

void hash_seed_init(void)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
		struct timespec ts;

		/* early boot, no entropy yet: not secret, but not fixed */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec) * 0x9e3779b97f4a7c15ULL ^
		       (uint64_t)getpid() ^ (uint64_t)(uintptr_t)&seed;
	}
	hash_seed_value = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

void hash_seed_set(uint64_t seed)
{
	hash_seed_value = seed;
}
