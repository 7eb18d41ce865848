// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * correlate.c - pending flows by (pid namespace, pid, address, port), with uthash.
 *
 * A key keeps how many of its flows are pending and when the newest came:
 * a Postfix smtp process makes one connection at a time, so per key the
 * pending flows are few, and expiring a key's flows together when its
 * newest is older than the window loses nothing that matters.
 */
#include <arpa/inet.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate.h"
#include "hash_free.h"
#include "log.h"
#include "maillog/messages.h"
#include "sentinel.h"

#define AF_INET_ 2
#define AF_INET6_ 10

struct pend_key {
	__u32 pidns;			/* the namespace pid is of */
	__u32 pid;
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

struct pending {
	UT_hash_handle hh;
	struct pend_key key;
	unsigned long count;
	time_t newest;
	struct pending *spare;	/* next on the free list */
};

/* A delivery logged before its flow event arrived, in the list of its key
 * (oldest first) and in the ring of all of them (oldest replaced). */
struct early {
	struct early *next;		/* the next newer of its key */
	struct early_key *owner;	/* NULL: free */
	time_t at;
	char identity[MSG_IDENTITY_MAX];
};

/* The deliveries that wait for a flow of one key.  Entries join at the
 * tail and always leave from the head: a flow claims its key's oldest, and
 * the ring replaces the oldest of all, which is the oldest of its key. */
struct early_key {
	UT_hash_handle hh;
	struct pend_key key;
	struct early *first, *last;
	struct early_key *spare;	/* next on the free list */
};

/* Entries taken off the table go to a free list for reuse, never to
 * free(): the table's size is bounded anyway. */
struct correlator {
	struct counters *counters;
	__u32 pidns;			/* the maillog's pid namespace */
	struct pending *head;
	struct pending *spare;
	size_t nkeys, max_keys;
	struct early early[CORRELATE_EARLY];
	size_t next_early;		/* the ring's next slot */
	struct early_key *early_keys, *early_spare;
	char claimed[MSG_IDENTITY_MAX];	/* correlator_flow()'s answer */
};

static void forget(struct correlator *k, struct pending *p)
{
	HASH_DEL(k->head, p);
	p->spare = k->spare;
	k->spare = p;
	k->nkeys--;
}

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct correlator *correlator_new(struct counters *counters, size_t max_keys, uint32_t pidns)
{
	struct correlator *k = xcalloc(1, sizeof(*k));

	k->counters = counters;
	k->pidns = pidns;
	k->max_keys = max_keys;
	return k;
}

void correlator_set_pidns(struct correlator *k, uint32_t pidns)
{
	k->pidns = pidns;
}

void correlator_free(struct correlator *k)
{
	struct pending *p, *next;

	if (!k)
		return;
	HASH_FREE_ALL(k->head, free);
	for (p = k->spare; p; p = next) {
		next = p->spare;
		free(p);
	}
	HASH_FREE_ALL(k->early_keys, free);
	for (struct early_key *ek = k->early_spare, *enext; ek; ek = enext) {
		enext = ek->spare;
		free(ek);
	}
	free(k);
}

static void refresh_gauge(struct correlator *k)
{
	uint64_t n = 0;

	for (struct pending *p = k->head; p; p = p->hh.next)
		n += p->count;
	k->counters->flows_pending = n;
}

/* Take the oldest delivery off its key's list (and the key, once empty). */
static void early_shift(struct correlator *k, struct early_key *ek)
{
	struct early *d = ek->first;

	ek->first = d->next;
	d->next = NULL;
	d->owner = NULL;
	if (!ek->first) {
		HASH_DEL(k->early_keys, ek);
		ek->spare = k->early_spare;
		k->early_spare = ek;
	}
}

static void early_add(struct correlator *k, const struct pend_key *key, const char *identity,
		      time_t now)
{
	struct early *d = &k->early[k->next_early++ % CORRELATE_EARLY];
	struct early_key *ek;

	if (d->owner)		/* the oldest of all: replaced */
		early_shift(k, d->owner);
	HASH_FIND(hh, k->early_keys, key, sizeof(*key), ek);
	if (!ek) {
		if (k->early_spare) {
			ek = k->early_spare;
			k->early_spare = ek->spare;
			memset(ek, 0, sizeof(*ek));
		} else {
			ek = xcalloc(1, sizeof(*ek));
		}
		ek->key = *key;
		HASH_ADD(hh, k->early_keys, key, sizeof(ek->key), ek);
	}
	d->owner = ek;
	d->at = now;
	snprintf(d->identity, sizeof(d->identity), "%s", identity);
	if (ek->first)
		ek->last->next = d;
	else
		ek->first = d;
	ek->last = d;
}

/* Claim the oldest delivery that waits for this key: its identity is
 * copied to k->claimed.  0 if none waits. */
static int early_claim(struct correlator *k, const struct pend_key *key)
{
	struct early_key *ek;

	HASH_FIND(hh, k->early_keys, key, sizeof(*key), ek);
	if (!ek)
		return 0;
	memcpy(k->claimed, ek->first->identity, sizeof(k->claimed));
	early_shift(k, ek);
	return 1;
}

/* Forget the deliveries that waited longer than the window. */
static void early_expire(struct correlator *k, time_t now)
{
	struct early_key *ek, *next;

	for (ek = k->early_keys; ek; ek = next) {
		next = ek->hh.next;
		/* the last shift puts ek on the free list, first NULL */
		while (ek->first && now - ek->first->at >= CORRELATE_WINDOW)
			early_shift(k, ek);
	}
}

const char *correlator_flow(struct correlator *k, const struct flow_event *e)
{
	struct pend_key key;
	struct pending *p;

	if (e->outcome != FLOW_ESTABLISHED)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.pidns = e->pidns;
	key.pid = e->ns_tgid;
	key.family = e->family;
	key.port = e->dport;
	memcpy(key.addr, e->daddr, e->family == AF_INET_ ? 4 : 16);
	if (early_claim(k, &key)) {
		/* its delivery was logged first */
		if (k->claimed[0])
			k->counters->flows_attributed++;
		else
			k->counters->flows_unattributed++;
		return k->claimed;
	}
	HASH_FIND(hh, k->head, &key, sizeof(key), p);
	if (!p) {
		if (k->nkeys >= k->max_keys) {
			k->counters->flows_pending_overflow++;
			k->counters->flows_unattributed++;
			return NULL;
		}
		if (k->spare) {
			p = k->spare;
			k->spare = p->spare;
			memset(p, 0, sizeof(*p));
		} else {
			p = xcalloc(1, sizeof(*p));
		}
		p->key = key;
		HASH_ADD(hh, k->head, key, sizeof(p->key), p);
		k->nkeys++;
	}
	p->count++;
	p->newest = mono_now();
	k->counters->flows_pending++;
	return NULL;
}

/* The binary form of a relay address as Postfix logs it ("192.0.2.1",
 * "2001:db8::1", possibly "IPv6:2001:db8::1"). */
static int relay_addr(struct slice ip, struct pend_key *key)
{
	char buf[64];

	if (ip.n >= sizeof(buf))
		return -1;
	memcpy(buf, ip.p, ip.n);
	buf[ip.n] = '\0';
	if (inet_pton(AF_INET, buf, key->addr) == 1) {
		key->family = AF_INET_;
		return 0;
	}
	if (inet_pton(AF_INET6, strncmp(buf, "IPv6:", 5) == 0 ? buf + 5 : buf, key->addr) == 1) {
		key->family = AF_INET6_;
		return 0;
	}
	return -1;
}

int correlator_delivery(struct correlator *k, long pid, struct slice relay_ip,
			long relay_port, const char *identity, bool reused)
{
	struct pend_key key;
	struct pending *p;

	if (pid <= 0 || pid > UINT32_MAX || relay_port <= 0 || relay_port > 65535)
		return 0;
	memset(&key, 0, sizeof(key));
	if (relay_addr(relay_ip, &key) < 0)
		return 0;
	key.pidns = k->pidns;
	key.pid = (__u32)pid;
	key.port = (__u16)relay_port;
	HASH_FIND(hh, k->head, &key, sizeof(key), p);
	if (!p) {
		/* a reused connection, or one from before we started, or one
		 * whose flow event has not come yet */
		if (!reused)
			early_add(k, &key, identity, mono_now());
		return 0;
	}
	if (--p->count == 0)
		forget(k, p);
	k->counters->flows_pending--;
	if (identity[0])
		k->counters->flows_attributed++;
	else
		k->counters->flows_unattributed++;	/* its message predates us */
	return 1;
}

void correlator_expire(struct correlator *k)
{
	correlator_expire_at(k, mono_now());
}

void correlator_expire_at(struct correlator *k, time_t now)
{
	struct pending *p, *next;

	for (p = k->head; p; p = next) {
		next = p->hh.next;
		if (now - p->newest < CORRELATE_WINDOW)
			continue;
		k->counters->flows_unattributed += p->count;
		forget(k, p);
	}
	early_expire(k, now);
	refresh_gauge(k);
}
