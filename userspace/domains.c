// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * domains.c - Postfix's own domains, and the sender domains learned from
 * the traffic (see domains.h).
 *
 * The learned table is one uthash (seeded) over both lists; each entry
 * keeps the hashes of the first DOMAINS_LEARN_IDENTITIES distinct
 * identities that used it, and sits on the candidate or the learned list
 * in order of use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utlist.h>

#include "domains.h"
#include "hash.h"	/* the keys are sender text: hash.h's per-process seed */
#include "log.h"
#include "postconf.h"
#include "text.h"

static const enum postconf_param domain_params[] = {
	POSTCONF_MYDOMAIN, POSTCONF_MYDESTINATION, POSTCONF_VIRTUAL_ALIAS_DOMAINS,
	POSTCONF_VIRTUAL_MAILBOX_DOMAINS, POSTCONF_RELAY_DOMAINS,
};

struct domain {
	UT_hash_handle hh;
	struct domain *prev, *next;	/* on its list, least recent first */
	uint32_t who[DOMAINS_LEARN_IDENTITIES];
	unsigned nwho;
	uint32_t last;
	bool learned;
	char name[];
};

struct domains {
	struct domain *hash;
	struct domain *candidates, *learned;
	size_t ncandidates, nlearned;
	uint64_t evictions;
};

/* A DNS name as Postfix lists it: letters, digits, '-', '.', '_'. */
static bool domain_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < DOMAINS_NAME_MAX && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static void note_skip(char *note, size_t cap, const char *item)
{
	size_t len = strlen(note);

	if (len + 1 >= cap)
		return;
	snprintf(note + len, cap - len, "%s%s", len ? ", " : "", item);
}

/* Add the names of one parameter's value. */
static void add_items(char *value, char (*out)[DOMAINS_NAME_MAX], size_t cap, size_t *n,
		      char *note, size_t notecap)
{
	char *save = NULL;

	for (char *item = strtok_r(value, ", \t", &save); item;
	     item = strtok_r(NULL, ", \t", &save)) {
		bool dup = false;

		if (item[0] == '/' || strchr(item, ':') || !domain_name(item)) {
			note_skip(note, notecap, item);
			continue;
		}
		lower(item);
		for (size_t i = 0; i < *n && !dup; i++)
			dup = strcmp(out[i], item) == 0;
		if (dup)
			continue;
		if (*n == cap) {
			note_skip(note, notecap, item);
			continue;
		}
		strcpy(out[(*n)++], item);
	}
}

int domains_from_postfix(const struct postconf *pc, char (*out)[DOMAINS_NAME_MAX], size_t cap,
			 size_t *n, char *note, size_t notecap, char *err, size_t errcap)
{
	int rc = 0;

	*n = 0;
	if (notecap)
		note[0] = '\0';
	if (errcap)
		err[0] = '\0';
	for (size_t i = 0; i < sizeof(domain_params) / sizeof(domain_params[0]); i++) {
		const char *why = "", *v = postconf_get(pc, domain_params[i], &why);
		char *value;

		if (!v) {
			if (rc == 0 && errcap)
				snprintf(err, errcap, "%s: %s", postconf_names[domain_params[i]], why);
			rc = -1;
			continue;
		}
		value = xstrdup(v);	/* cut in place */
		add_items(value, out, cap, n, note, notecap);
		free(value);
	}
	return rc;
}

bool domains_of_address(const char *addr, char *out, size_t cap)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	if (!at || !at[1] || cap == 0)
		return false;
	utf8_sanitize(out, cap, at + 1);
	lower(out);
	return out[0] != '\0';
}

struct domains *domains_new(void)
{
	return xcalloc(1, sizeof(struct domains));
}

/* Drop the least recent entry of a list (its head). */
static void drop_oldest(struct domains *t, struct domain **list, size_t *n)
{
	struct domain *e = *list;

	HASH_DELETE(hh, t->hash, e);
	DL_DELETE(*list, e);
	(*n)--;
	free(e);
	t->evictions++;
}

static void free_list(struct domain *e)
{
	while (e) {
		struct domain *next = e->next;

		free(e);
		e = next;
	}
}

void domains_free(struct domains *t)
{
	if (!t)
		return;
	HASH_CLEAR(hh, t->hash);	/* the table; the entries are on the lists */
	free_list(t->candidates);
	free_list(t->learned);
	free(t);
}

static struct domain *find(const struct domains *t, const char *domain)
{
	struct domain *e;

	HASH_FIND(hh, t->hash, domain, strlen(domain), e);
	return e;
}

/* A new entry on the candidate or learned list, evicting that list's
 * least recent when it is full. */
static struct domain *make(struct domains *t, const char *domain, bool learned)
{
	size_t len = strlen(domain);
	struct domain *e;

	if (learned && t->nlearned >= DOMAINS_MAX)
		drop_oldest(t, &t->learned, &t->nlearned);
	else if (!learned && t->ncandidates >= DOMAINS_MAX)
		drop_oldest(t, &t->candidates, &t->ncandidates);
	e = xcalloc(1, sizeof(*e) + len + 1);
	memcpy(e->name, domain, len + 1);
	e->learned = learned;
	HASH_ADD(hh, t->hash, name[0], len, e);
	if (learned) {
		DL_APPEND(t->learned, e);
		t->nlearned++;
	} else {
		DL_APPEND(t->candidates, e);
		t->ncandidates++;
	}
	return e;
}

/* A candidate to the learned list, evicting its least recent if full. */
static void promote(struct domains *t, struct domain *e)
{
	if (t->nlearned >= DOMAINS_MAX)
		drop_oldest(t, &t->learned, &t->nlearned);
	/* the analyzer cannot see utlist's invariant (a head with a prev
	 * other than itself has a next) */
	DL_DELETE(t->candidates, e);	// NOLINT(clang-analyzer-core.NullDereference)
	t->ncandidates--;
	e->learned = true;
	DL_APPEND(t->learned, e);
	t->nlearned++;
}

static void touch(struct domains *t, struct domain *e, uint32_t sec)
{
	if (sec > e->last)
		e->last = sec;
	if (e->learned) {
		DL_DELETE(t->learned, e);
		DL_APPEND(t->learned, e);
	} else {
		DL_DELETE(t->candidates, e);
		DL_APPEND(t->candidates, e);
	}
}

/* What may be learned (and so saved, and printed): a lower-case DNS name. */
bool domains_learnable(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < DOMAINS_NAME_MAX && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-_") == n;
}

bool domains_use(struct domains *t, const char *domain, uint32_t who, uint32_t sec)
{
	struct domain *e;

	if (!domains_learnable(domain))
		return false;
	e = find(t, domain);
	if (!e)
		e = make(t, domain, false);
	touch(t, e, sec);
	if (e->learned)
		return false;
	for (unsigned i = 0; i < e->nwho; i++)
		if (e->who[i] == who)
			return false;
	e->who[e->nwho++] = who;
	if (e->nwho < DOMAINS_LEARN_IDENTITIES)
		return false;
	promote(t, e);
	return true;
}

bool domains_learned(const struct domains *t, const char *domain)
{
	const struct domain *e = find(t, domain);

	return e && e->learned;
}

void domains_add_learned(struct domains *t, const char *domain, uint32_t sec)
{
	struct domain *e = find(t, domain);

	if (!domains_learnable(domain) || (e && e->learned))
		return;
	if (e)
		promote(t, e);
	else
		e = make(t, domain, true);
	if (sec > e->last)
		e->last = sec;
}

void domains_each_learned(const struct domains *t,
			  void (*fn)(const char *domain, uint32_t last, void *arg), void *arg)
{
	for (const struct domain *e = t->learned ? t->learned->prev : NULL; e;
	     e = e == t->learned ? NULL : e->prev)
		fn(e->name, e->last, arg);
}

void domains_stats(const struct domains *t, struct domains_stats *out)
{
	out->candidates = t->ncandidates;
	out->learned = t->nlearned;
	out->evictions = t->evictions;
}
