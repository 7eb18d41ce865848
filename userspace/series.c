// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * series.c - bounded labelled series, hashed with uthash.
 *
 * The hash key is the label values joined with NUL bytes; label values
 * cannot contain NUL (they are C strings), so the join is unambiguous.
 * Values are made valid UTF-8 first (invalid bytes become U+FFFD, as the
 * exposition would print them): "x\xff" and "x\xfe" are one series, not
 * two that Prometheus would see as duplicates.
 *
 * Top mode (series.h): a series and a candidate each carry a struct rank,
 * their stored score and their place in a min-heap (an array of rank
 * pointers, weakest at 0).  Scores only grow while stored, so a count is a
 * sift down; an eviction or a replacement removes the root.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash_free.h"
#include "log.h"
#include "series.h"
#include "text.h"

#define KEY_MAX 4096
#define NOT_IN_HEAP UINT32_MAX
#define RENORMALIZE_AFTER 32.0	/* half-lives between two moves of t0 */

/* A member of a heap: its stored score and its index there. */
struct rank {
	double score;
	unsigned at;
};

struct heap {
	struct rank **v;
	unsigned n, cap;
};

#define RANK_OWNER(type, r) ((type *)(void *)((char *)(r) - offsetof(type, rank)))

struct series_priv {
	UT_hash_handle hh;
	struct series pub;
	struct rank rank;	/* top mode, exact series only */
	size_t keylen;
	char key[];
};

/* A tuple without a series, in top mode. */
struct candidate {
	UT_hash_handle hh;
	struct rank rank;	/* score: its own weight, plus error */
	double error;		/* inherited from the candidate it replaced */
	size_t keylen;
	char key[];
};

struct series_table {
	unsigned nlabels;
	const char *const *label_names;
	unsigned max;		/* exact tuples */
	unsigned reserve;	/* extra room for first-level folds */
	unsigned fold_label;
	unsigned keep_mask;
	unsigned count;
	uint64_t overflow;
	struct series_priv *head;
	/* top mode */
	bool top;
	struct heap weakest;		/* exact series */
	struct candidate *candidates;
	struct heap weakest_candidate;
	unsigned max_candidates;
	bool has_t0;
	double t0;			/* the caller's clock where 2^0 is stored */
	uint64_t evictions, replacements;
	size_t other_keylen;
	char other_key[SERIES_MAX_LABELS * sizeof(SERIES_OTHER) + 1];
};

static size_t join(const struct series_table *t, const char *const *labels,
		   char *buf, size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < t->nlabels; i++) {
		size_t l;

		if (n >= cap)
			return 0;
		utf8_sanitize(buf + n, cap - n, labels[i]);
		l = strlen(buf + n) + 1;
		if (n + l >= cap)
			return 0;	/* truncated: too long to be a label */
		n += l;
	}
	return n;
}

struct series_table *series_table_new(unsigned nlabels, const char *const *label_names,
				      unsigned max, unsigned fold_label,
				      unsigned keep_mask)
{
	struct series_table *t = xcalloc(1, sizeof(*t));

	if (nlabels == 0 || nlabels > SERIES_MAX_LABELS || fold_label >= nlabels)
		fatalx("series_table_new: bad label layout");
	t->nlabels = nlabels;
	t->label_names = label_names;
	t->max = max;
	t->reserve = max / 8 > 16 ? max / 8 : 16;
	t->fold_label = fold_label;
	t->keep_mask = keep_mask;
	return t;
}

struct series_table *series_table_new_top(unsigned nlabels, const char *const *label_names,
					  unsigned max)
{
	const char *other[SERIES_MAX_LABELS];
	struct series_table *t = series_table_new(nlabels, label_names, max, 0, 0);

	t->top = true;
	t->max_candidates = max / 4 > SERIES_TOP_MIN_CANDIDATES ? max / 4 :
			    SERIES_TOP_MIN_CANDIDATES;
	for (unsigned i = 0; i < nlabels; i++)
		other[i] = SERIES_OTHER;
	t->other_keylen = join(t, other, t->other_key, sizeof(t->other_key));
	return t;
}

void series_table_free(struct series_table *t)
{
	if (!t)
		return;
	HASH_FREE_ALL(t->head, free);
	HASH_FREE_ALL(t->candidates, free);
	free(t->weakest.v);
	free(t->weakest_candidate.v);
	free(t);
}

/* ---- min-heaps of ranks -------------------------------------------------- */

static void heap_set(struct heap *h, unsigned i, struct rank *r)
{
	h->v[i] = r;
	r->at = i;
}

static void sift_up(struct heap *h, unsigned i)
{
	struct rank *r = h->v[i];

	while (i > 0 && h->v[(i - 1) / 2]->score > r->score) {
		heap_set(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, r);
}

static void sift_down(struct heap *h, unsigned i)
{
	struct rank *r = h->v[i];

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->score < h->v[c]->score)
			c++;
		if (h->v[c]->score >= r->score)
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, r);
}

static void heap_push(struct heap *h, struct rank *r)
{
	if (h->n == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 64;
		struct rank **v = realloc(h->v, cap * sizeof(struct rank *));

		if (!v)
			fatalx("out of memory growing a series heap");
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = r;
	sift_up(h, h->n - 1);
}

static void heap_remove(struct heap *h, struct rank *r)
{
	unsigned i = r->at;
	struct rank *last = h->v[--h->n];

	r->at = NOT_IN_HEAP;
	if (i == h->n)
		return;
	heap_set(h, i, last);
	sift_up(h, i);
	sift_down(h, last->at);
}

/* ---- scores ---------------------------------------------------------------- */

/* Half-lives from t0 to now; none if now is before it. */
static double age(const struct series_table *t, double now)
{
	double e = (now - t->t0) / SERIES_TOP_HALF_LIFE;

	return e > 0 ? e : 0;
}

/* Move t0 to now: every stored score times 2^-age.  Order is kept, so are
 * the heaps. */
static void renormalize(struct series_table *t, double now)
{
	double f = 1 / exp2(age(t, now));

	for (unsigned i = 0; i < t->weakest.n; i++)
		t->weakest.v[i]->score *= f;
	for (unsigned i = 0; i < t->weakest_candidate.n; i++) {
		struct candidate *c = RANK_OWNER(struct candidate, t->weakest_candidate.v[i]);

		c->rank.score *= f;
		c->error *= f;
	}
	t->t0 = now;
}

/* weight at now, as stored */
static double stored(struct series_table *t, double weight, double now)
{
	if (!t->has_t0) {
		t->has_t0 = true;
		t->t0 = now;
	}
	if (age(t, now) > RENORMALIZE_AFTER)
		renormalize(t, now);
	return weight * exp2(age(t, now));
}

/* a stored score, decayed to now */
static double decayed(const struct series_table *t, double score, double now)
{
	return score / exp2(age(t, now));
}

/* A new series of the joined key, last in the order of creation. */
static struct series_priv *add(struct series_table *t, const char *key, size_t n)
{
	struct series_priv *p = xcalloc(1, sizeof(*p) + n);
	char *cur;

	p->keylen = n;
	memcpy(p->key, key, n);
	p->pub.priv = p;
	p->rank.at = NOT_IN_HEAP;
	cur = p->key;
	for (unsigned i = 0; i < t->nlabels; i++) {
		p->pub.labels[i] = cur;
		cur += strlen(cur) + 1;
	}
	HASH_ADD(hh, t->head, key[0], p->keylen, p);
	t->count++;
	return p;
}

static struct series *find(struct series_table *t, const char *const *labels,
			   unsigned limit)
{
	char key[KEY_MAX];
	struct series_priv *p;
	size_t n = join(t, labels, key, sizeof(key));

	if (n == 0)
		return NULL;	/* absurdly long labels: caller folds */
	HASH_FIND(hh, t->head, key, n, p);
	if (p)
		return &p->pub;
	if (t->count >= limit)
		return NULL;
	return &add(t, key, n)->pub;
}

/* ---- top mode ------------------------------------------------------------ */

static struct series_priv *other_series(struct series_table *t)
{
	struct series_priv *p;

	HASH_FIND(hh, t->head, t->other_key, t->other_keylen, p);
	return p ? p : add(t, t->other_key, t->other_keylen);
}

/* Count weight (stored) into the candidate of key, replacing the weakest
 * candidate when the table is full. */
static struct candidate *count_candidate(struct series_table *t, const char *key, size_t n,
					 double weight)
{
	struct candidate *c;
	double floor = 0;

	HASH_FIND(hh, t->candidates, key, n, c);
	if (c) {
		c->rank.score += weight;
		sift_down(&t->weakest_candidate, c->rank.at);
		return c;
	}
	if (t->weakest_candidate.n >= t->max_candidates) {
		struct candidate *w = RANK_OWNER(struct candidate, t->weakest_candidate.v[0]);

		floor = w->rank.score;
		heap_remove(&t->weakest_candidate, &w->rank);
		HASH_DEL(t->candidates, w);
		free(w);
		t->replacements++;
	}
	c = xcalloc(1, sizeof(*c) + n);
	c->keylen = n;
	memcpy(c->key, key, n);
	c->rank.score = floor + weight;
	c->error = floor;
	HASH_ADD(hh, t->candidates, key[0], c->keylen, c);
	heap_push(&t->weakest_candidate, &c->rank);
	return c;
}

/* The weakest series' values go to "_other", and it goes. */
static void evict_weakest(struct series_table *t)
{
	struct series_priv *w = RANK_OWNER(struct series_priv, t->weakest.v[0]);
	struct series_priv *o = other_series(t);

	for (unsigned i = 0; i < SERIES_MAX_VALUES; i++)
		o->pub.values[i] += w->pub.values[i];
	heap_remove(&t->weakest, &w->rank);
	HASH_DEL(t->head, w);
	free(w);
	t->count--;
	t->evictions++;
}

/* c's series if it now beats the weakest series, else NULL. */
static struct series_priv *promote(struct series_table *t, struct candidate *c, double now)
{
	double sure = c->rank.score - c->error;
	struct series_priv *p;

	if (t->weakest.n == 0 || !(sure > SERIES_TOP_FACTOR * t->weakest.v[0]->score) ||
	    decayed(t, sure, now) < SERIES_TOP_MIN_SCORE)
		return NULL;
	evict_weakest(t);
	p = add(t, c->key, c->keylen);
	p->rank.score = sure;
	heap_push(&t->weakest, &p->rank);
	heap_remove(&t->weakest_candidate, &c->rank);
	HASH_DEL(t->candidates, c);
	free(c);
	return p;
}

static struct series *get_top(struct series_table *t, const char *const *labels,
			      double weight, double now, bool *folded)
{
	char key[KEY_MAX];
	struct series_priv *p;
	size_t n = join(t, labels, key, sizeof(key));
	double w = weight > 0 ? stored(t, weight, now) : 0;

	*folded = false;
	if (n == t->other_keylen && memcmp(key, t->other_key, n) == 0)
		return &other_series(t)->pub;
	if (n > 0) {
		HASH_FIND(hh, t->head, key, n, p);
		if (p) {
			p->rank.score += w;
			sift_down(&t->weakest, p->rank.at);
			return &p->pub;
		}
		if (t->weakest.n < t->max) {
			p = add(t, key, n);
			p->rank.score = w;
			heap_push(&t->weakest, &p->rank);
			return &p->pub;
		}
		if (w > 0 && t->max > 0) {
			p = promote(t, count_candidate(t, key, n, w), now);
			if (p)
				return &p->pub;
		}
	}
	*folded = true;
	t->overflow++;
	return &other_series(t)->pub;
}

/* ---- lookups ----------------------------------------------------------------- */

struct series *series_get_scored(struct series_table *t, const char *const *labels,
				 double weight, double now, bool *folded)
{
	if (t->top)
		return get_top(t, labels, weight, now, folded);
	return series_get(t, labels, folded);
}

struct series *series_get(struct series_table *t, const char *const *labels, bool *folded)
{
	const char *fold[SERIES_MAX_LABELS];
	struct series *s;

	if (t->top)
		return get_top(t, labels, 0, 0, folded);
	*folded = false;
	s = find(t, labels, t->max);
	if (s)
		return s;
	*folded = true;
	t->overflow++;
	memcpy(fold, labels, t->nlabels * sizeof(*fold));
	fold[t->fold_label] = SERIES_OTHER;
	s = find(t, fold, t->max + t->reserve);
	if (s)
		return s;
	for (unsigned i = 0; i < t->nlabels; i++)
		if (!(t->keep_mask & (1U << i)))
			fold[i] = SERIES_OTHER;
	/* The last level is bounded by the kept labels' values (e.g. ports),
	 * which the caller bounds: allow it past the limits. */
	s = find(t, fold, UINT32_MAX);
	if (!s)
		fatalx("series_get: kept labels too long");
	return s;
}

unsigned series_count(const struct series_table *t)
{
	return t->count;
}

uint64_t series_overflow(const struct series_table *t)
{
	return t->overflow;
}

uint64_t series_evictions(const struct series_table *t)
{
	return t->evictions;
}

uint64_t series_candidate_replacements(const struct series_table *t)
{
	return t->replacements;
}

unsigned series_candidates(const struct series_table *t)
{
	return t->weakest_candidate.n;
}

unsigned series_nlabels(const struct series_table *t)
{
	return t->nlabels;
}

const char *series_label_name(const struct series_table *t, unsigned i)
{
	return t->label_names[i];
}

void series_foreach(const struct series_table *t,
		    void (*fn)(const struct series *s, void *arg), void *arg)
{
	const struct series_priv *p;

	for (p = t->head; p; p = p->hh.next)
		fn(&p->pub, arg);
}
