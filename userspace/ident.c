// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ident.c - the detector's per-identity state and its bounded table.
 *
 * uthash with hash.h's per-run seed (keys are login names the attacker picks),
 * and a doubly linked list in order of activity for eviction and expiry.
 */
#include <stdlib.h>
#include <string.h>
#include <utlist.h>

#include "hash.h"
#include "ident.h"
#include "incident.h"
#include "log.h"
#include "text.h"

struct ident_table {
	struct ident *hash, *lru;
	size_t n, max;
	uint64_t evictions;
};

uint32_t ident_hash(const char *s)
{
	return hash_text(s);
}

struct ident_table *ident_table_new(size_t max)
{
	struct ident_table *t = xcalloc(1, sizeof(*t));

	t->max = max ? max : 1;
	return t;
}

void ident_remove(struct ident_table *t, struct ident *w)
{
	HASH_DELETE(hh, t->hash, w);
	DL_DELETE2(t->lru, w, lru_prev, lru_next);
	t->n--;
	distinct_free(&w->ips);
	distinct_free(&w->domains);
	free(w->recent);
	free(w);
}

void ident_table_free(struct ident_table *t)
{
	struct ident *w, *next;

	if (!t)
		return;
	HASH_CLEAR(hh, t->hash);	/* the table; the items keep their links */
	for (w = t->lru; w; w = next) {
		next = w->lru_next;
		distinct_free(&w->ips);
		distinct_free(&w->domains);
		free(w->recent);
		free(w);
	}
	free(t);
}

struct ident *ident_get(struct ident_table *t, const char *key, double start, bool *created)
{
	size_t len = strlen(key);
	struct ident *w;

	*created = false;
	HASH_FIND(hh, t->hash, key, len, w);
	if (w) {
		DL_DELETE2(t->lru, w, lru_prev, lru_next);
		DL_APPEND2(t->lru, w, lru_prev, lru_next);
		return w;
	}
	if (t->n >= t->max) {
		ident_remove(t, t->lru);
		t->evictions++;
	}
	w = xcalloc(1, sizeof(*w) + len + 1);
	memcpy(w->key, key, len + 1);
	window_init(&w->win);
	w->baseline = start;
	w->minute = WIN_EMPTY;
	HASH_ADD(hh, t->hash, key[0], len, w);
	DL_APPEND2(t->lru, w, lru_prev, lru_next);
	t->n++;
	*created = true;
	return w;
}

size_t ident_count(const struct ident_table *t)
{
	return t->n;
}

uint64_t ident_evictions(const struct ident_table *t)
{
	return t->evictions;
}

struct ident *ident_oldest(const struct ident_table *t)
{
	return t->lru;
}

/* x to the power n by squaring (no libm in the link). */
static double power(double x, uint64_t n)
{
	double r = 1;

	for (; n; n >>= 1, x *= x)
		if (n & 1)
			r *= x;
	return r;
}

/* Fold the minutes that ended into the baseline. */
static void learn(struct ident *w, int64_t sec, bool restarted, bool frozen)
{
	const double a = DETECT_EWMA_ALPHA;
	int64_t m = win_div(sec, 60), idle;

	if (w->minute == WIN_EMPTY || restarted) {
		w->minute = m;
		w->minute_msgs = 0;
		return;
	}
	if (m <= w->minute)
		return;
	if (!frozen) {
		idle = m - w->minute - 1;
		w->baseline = a * w->minute_msgs + (1 - a) * w->baseline;
		if (idle > 0)
			w->baseline *= power(1 - a, (uint64_t)idle);
	}
	w->minute = m;
	w->minute_msgs = 0;
}

void ident_advance(struct ident *w, int64_t sec, bool frozen)
{
	int64_t old = w->win.head;
	bool restarted = window_advance(&w->win, sec);

	if (restarted) {
		distinct_clear(&w->ips);
		distinct_clear(&w->domains);
	} else if (old != WIN_EMPTY && w->win.head > old) {
		int64_t h = (int64_t)w->history + (w->win.head - old);

		w->history = h > UINT32_MAX ? UINT32_MAX : (uint32_t)h;
	}
	learn(w, sec, restarted, frozen);
}

void ident_count_message(struct ident *w, int64_t sec)
{
	/* a line late across a minute's end is not learned */
	if (win_div(sec, 60) == w->minute && w->minute_msgs < UINT32_MAX)
		w->minute_msgs++;
}

static struct ident_recent *recent_of(struct ident *w)
{
	if (!w->recent)
		w->recent = xcalloc(1, sizeof(*w->recent));
	return w->recent;
}

bool ident_note_ip(struct ident *w, const char *ip, int64_t sec)
{
	struct ident_recent *r = recent_of(w);

	recent_front(r->ips[0], IDENT_IP_MAX, &r->nips, ip);
	return distinct_add(&w->ips, ident_hash(ip), (uint32_t)sec);
}

void ident_note_qid(struct ident *w, const char *qid)
{
	struct ident_recent *r = recent_of(w);
	size_t len = strlen(qid);

	if (len >= IDENT_QID_MAX)
		len = IDENT_QID_MAX - 1;
	memcpy(r->qids[r->qnext], qid, len);
	r->qids[r->qnext][len] = '\0';
	r->qnext = (r->qnext + 1) % IDENT_QIDS;
	if (r->nqids < IDENT_QIDS)
		r->nqids++;
}

void ident_evidence(const struct ident *w, struct incident *inc)
{
	const struct ident_recent *r = w->recent;

	if (!r)
		return;
	/* oldest first: when the ring is full it starts at qnext */
	for (unsigned i = 0; i < r->nqids && inc->nqids < DETECT_SAMPLES; i++) {
		unsigned slot = (r->qnext + IDENT_QIDS - r->nqids + i) % IDENT_QIDS;

		utf8_sanitize(inc->qids[inc->nqids++], sizeof(inc->qids[0]), r->qids[slot]);
	}
	for (size_t i = 0; i < r->nips && inc->nclient_ips < DETECT_SAMPLES; i++)
		utf8_sanitize(inc->client_ips[inc->nclient_ips++], sizeof(inc->client_ips[0]),
			      r->ips[i]);
}
