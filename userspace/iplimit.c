// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iplimit.c - token buckets per client address (see iplimit.h).
 *
 * uthash keeps insertion order: a use re-inserts its address at the end,
 * so the head is the least recently used, the one to evict.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "hash_free.h"
#include "iplimit.h"
#include "log.h"

#define IPLIMIT_KEY_MAX 64

struct bucket {
	UT_hash_handle hh;
	double tokens, last;
	char ip[IPLIMIT_KEY_MAX];
};

struct iplimit {
	struct bucket *hash;
	size_t n, max;
	unsigned burst;
	double per_token;		/* seconds to earn one */
	uint64_t evictions;
};

struct iplimit *iplimit_new(size_t max, unsigned burst, double period)
{
	struct iplimit *t = xcalloc(1, sizeof(*t));

	t->max = max ? max : 1;
	t->burst = burst;
	t->per_token = burst && period > 0 ? period / burst : 0;
	return t;
}

void iplimit_free(struct iplimit *t)
{
	if (!t)
		return;
	HASH_FREE_ALL(t->hash, free);
	free(t);
}

static void drop(struct iplimit *t, struct bucket *b)
{
	HASH_DELETE(hh, t->hash, b);
	t->n--;
	free(b);
}

/* The tokens of b at now (the clock never earns going back). */
static double refill(const struct iplimit *t, struct bucket *b, double now)
{
	if (now > b->last) {
		b->tokens += t->per_token > 0 ? (now - b->last) / t->per_token : t->burst;
		if (b->tokens > t->burst)
			b->tokens = t->burst;
	}
	b->last = now;
	return b->tokens;
}

bool iplimit_take(struct iplimit *t, const char *ip, double now)
{
	size_t len = strnlen(ip, IPLIMIT_KEY_MAX - 1);
	struct bucket *b;

	if (!t->burst)
		return true;
	HASH_FIND(hh, t->hash, ip, len, b);
	if (b) {
		HASH_DELETE(hh, t->hash, b);
		refill(t, b, now);
	} else {
		if (t->n >= t->max) {
			drop(t, t->hash);
			t->evictions++;
		}
		b = xcalloc(1, sizeof(*b));
		memcpy(b->ip, ip, len);
		b->tokens = t->burst;
		b->last = now;
		t->n++;
	}
	HASH_ADD(hh, t->hash, ip[0], len, b);
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

void iplimit_expire(struct iplimit *t, double now)
{
	struct bucket *b, *next;

	for (b = t->hash; b; b = next) {
		next = b->hh.next;
		if (refill(t, b, now) >= t->burst)
			drop(t, b);
	}
}

size_t iplimit_count(const struct iplimit *t)
{
	return t->n;
}

uint64_t iplimit_evictions(const struct iplimit *t)
{
	return t->evictions;
}
