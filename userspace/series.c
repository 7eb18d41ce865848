// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * series.c - bounded labelled series, hashed with uthash.
 *
 * The hash key is the label values joined with NUL bytes; label values
 * cannot contain NUL (they are C strings), so the join is unambiguous.
 * Values are made valid UTF-8 first (invalid bytes become U+FFFD, as the
 * exposition would print them): "x\xff" and "x\xfe" are one series, not
 * two that Prometheus would see as duplicates.
 */
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "hash_free.h"
#include "log.h"
#include "series.h"
#include "text.h"

struct series_priv {
	UT_hash_handle hh;
	struct series pub;
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
};

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

void series_table_free(struct series_table *t)
{
	if (!t)
		return;
	HASH_FREE_ALL(t->head, free);
	free(t);
}

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

static struct series *find(struct series_table *t, const char *const *labels,
			   unsigned limit)
{
	char key[4096];
	struct series_priv *p;
	size_t n = join(t, labels, key, sizeof(key));
	char *cur;

	if (n == 0)
		return NULL;	/* absurdly long labels: caller folds */
	HASH_FIND(hh, t->head, key, n, p);
	if (p)
		return &p->pub;
	if (t->count >= limit)
		return NULL;
	p = xcalloc(1, sizeof(*p) + n);
	p->keylen = n;
	memcpy(p->key, key, n);
	p->pub.priv = p;
	cur = p->key;
	for (unsigned i = 0; i < t->nlabels; i++) {
		p->pub.labels[i] = cur;
		cur += strlen(cur) + 1;
	}
	HASH_ADD(hh, t->head, key[0], p->keylen, p);
	t->count++;
	return &p->pub;
}

struct series *series_get(struct series_table *t, const char *const *labels, bool *folded)
{
	const char *fold[SERIES_MAX_LABELS];
	struct series *s;

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
