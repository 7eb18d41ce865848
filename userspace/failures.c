// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * failures.c - a bounded table of failed logins per client address.
 *
 * Keyed by address text the attacker chooses (IPv6 gives him plenty):
 * seeded hash, bounded size, eviction of the least recently failing, or
 * rather of the one with the fewest failures among the DETECT_FAIL_VICTIMS
 * least recently failing: a flood of one failure from each of thousands
 * of addresses then pushes out its own entries before an attacker's five.
 * uthash keeps its items in insertion order: a failure re-inserts its
 * address at the end, so the head is the least recently failing.
 * Dropped entries wait on a spare list for reuse (as in correlate.c):
 * the table never holds more than DETECT_MAX_FAILURES allocations.
 */
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "failures.h"
#include "hash.h"
#include "ident.h"
#include "log.h"
#include "window.h"

struct failures {
	UT_hash_handle hh;
	struct failures *spare;
	uint32_t sec[DETECT_FAIL_RING];
	uint32_t user[DETECT_FAIL_RING];
	uint32_t latest;
	unsigned n, next;
	char ip[IDENT_IP_MAX];
};

struct failures_table {
	struct failures *hash, *spare;
	size_t n;
	uint64_t evictions;
};

struct failures_table *failures_new(void)
{
	return xcalloc(1, sizeof(struct failures_table));
}

static void drop(struct failures_table *t, struct failures *f)
{
	HASH_DELETE(hh, t->hash, f);
	t->n--;
	f->spare = t->spare;
	t->spare = f;
}

void failures_free(struct failures_table *t)
{
	struct failures *f, *next;

	if (!t)
		return;
	f = t->hash;
	HASH_CLEAR(hh, t->hash);	/* the table; the items keep their links */
	for (; f; f = next) {
		next = f->hh.next;
		free(f);
	}
	for (f = t->spare; f; f = next) {
		next = f->spare;
		free(f);
	}
	free(t);
}

/* Of the DETECT_FAIL_VICTIMS least recently failing, the one with the
 * fewest failures (the least recent of those). */
static struct failures *victim(const struct failures_table *t)
{
	struct failures *v = t->hash, *f = t->hash;

	for (unsigned i = 0; f && i < DETECT_FAIL_VICTIMS; i++, f = f->hh.next)
		if (f->n < v->n)
			v = f;
	return v;
}

void failures_add(struct failures_table *t, const char *ip, uint32_t user, uint32_t sec)
{
	size_t len = strlen(ip);
	struct failures *f;

	if (len >= IDENT_IP_MAX)
		len = IDENT_IP_MAX - 1;
	HASH_FIND(hh, t->hash, ip, len, f);
	if (f) {
		HASH_DELETE(hh, t->hash, f);
	} else {
		if (t->n >= DETECT_MAX_FAILURES) {
			drop(t, victim(t));
			t->evictions++;
		}
		if (t->spare) {
			f = t->spare;
			t->spare = f->spare;
			memset(f, 0, sizeof(*f));
		} else {
			f = xcalloc(1, sizeof(*f));
		}
		memcpy(f->ip, ip, len);
		t->n++;
	}
	HASH_ADD(hh, t->hash, ip[0], len, f);
	f->sec[f->next] = sec;
	f->user[f->next] = user;
	f->next = (f->next + 1) % DETECT_FAIL_RING;
	if (f->n < DETECT_FAIL_RING)
		f->n++;
	if (sec > f->latest)
		f->latest = sec;
}

unsigned failures_check(const struct failures_table *t, const char *ip, uint32_t user,
			uint32_t sec, unsigned need, unsigned span)
{
	unsigned same = 0, nnames = 0;
	uint32_t names[DETECT_FAIL_RING];
	const struct failures *f;
	size_t len = strlen(ip);

	if (len >= IDENT_IP_MAX)
		len = IDENT_IP_MAX - 1;
	HASH_FIND(hh, t->hash, ip, len, f);
	if (!f || !need)
		return 0;
	for (unsigned i = 0; i < f->n; i++) {
		unsigned k;

		if (f->sec[i] > sec || sec - f->sec[i] >= span)
			continue;
		if (!f->user[i] || f->user[i] == user)
			same++;
		if (!f->user[i])
			continue;
		for (k = 0; k < nnames && names[k] != f->user[i]; k++)
			;
		if (k == nnames)
			names[nnames++] = f->user[i];
	}
	if (same < need && nnames < need)
		return 0;
	return same > nnames ? same : nnames;
}

void failures_expire(struct failures_table *t, int64_t now)
{
	while (t->hash && (int64_t)t->hash->latest + WIN_SPAN_MAX < now)
		drop(t, t->hash);
}

uint64_t failures_evictions(const struct failures_table *t)
{
	return t->evictions;
}
