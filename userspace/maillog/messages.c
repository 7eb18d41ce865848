// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * messages.c - the table of in-flight messages (see messages.h).
 *
 * Entries are keyed by "INSTANCE/QID" (neither holds a '/': the instance
 * is the program's first component, a queue id is alphanumeric) in an
 * open-addressing index (linear probing, at most half full, deletion by
 * backward shift, so no tombstones pile up under churn).  They also sit
 * on a list in insertion order, which is first-seen order: eviction and
 * expiry by age take from its head.  Removed messages also sit on a FIFO
 * list in the order of their removed lines, for expiry after the grace.
 *
 * Speed (sentinel-report feeds it a million messages a minute of CPU): no
 * printf on the per-line path, values that are printable ASCII (nearly
 * all) are copied without going through the UTF-8 sanitiser, dropped
 * entries are kept on a free list for the next insert (never more of them
 * than the table once held), and a record's key is built and hashed (a
 * word at a time) once, for its lookup and its insert alike.
 * (uthash, used before, lets chains grow to ten entries of a kilobyte
 * each: a cache miss per step.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"

/* Keys are short; a queue id is chosen by Postfix, but a forged log line
 * can name any: seeded (hash.h). */
static inline uint32_t key_hash(const void *key, size_t n)
{
	return hash_key(key, n);
}

#include "log.h"
#include "maillog/messages.h"
#include "maillog/messages_int.h"

/* slice_copy() (which copies plain ASCII that fits without the sanitiser). */
static bool copy_value(char *dst, size_t cap, struct slice v)
{
	return slice_copy(dst, cap, v);
}

/* snprintf(dst, cap, "%s", src) without printf; returns the length. */
static size_t copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

/* The length of program's first component, its instance. */
static size_t instance_len(struct slice program)
{
	size_t n = 0;

	while (n < program.n && program.p[n] != '/')	/* a short name */
		n++;
	return n;
}

/* msg_instance(), and the length of the copy. */
static size_t instance_of(char *dst, size_t cap, struct slice program)
{
	size_t n;

	program.n = instance_len(program);
	slice_copy_n(dst, cap, program, &n);
	return n;
}

void msg_instance(char *dst, size_t cap, struct slice program)
{
	instance_of(dst, cap, program);
}

bool msg_sender_local(const char *sender, const char *const *local_domains)
{
	const char *at = strrchr(sender, '@');

	if (!at)
		return true;		/* <> or a bare local name */
	for (const char *const *d = local_domains; d && *d; d++)
		if (strcasecmp(at + 1, *d) == 0)
			return true;
	return false;
}

const char *msg_status_name(enum msg_status s)
{
	static const char *const names[] = {
		[MSG_SENT] = "sent", [MSG_DEFERRED] = "deferred",
		[MSG_BOUNCED] = "bounced", [MSG_EXPIRED] = "expired",
	};

	return (unsigned)s < MSG_NSTATUS ? names[s] : "?";
}

const char *msg_notify_name(enum msg_notify n)
{
	static const char *const names[] = {
		[MSG_NOTIFY_NONE] = "", [MSG_NOTIFY_FAILURE] = "non_delivery",
		[MSG_NOTIFY_DELAY] = "delay", [MSG_NOTIFY_SUCCESS] = "delivery_status",
		[MSG_NOTIFY_POSTMASTER] = "postmaster",
	};

	return (unsigned)n < MSG_NNOTIFY ? names[n] : "?";
}

static bool status_of(struct slice s, enum msg_status *out)
{
	enum msg_status st;

	switch (s.n) {
	case 4:
		st = MSG_SENT;
		break;
	case 8:
		st = MSG_DEFERRED;
		break;
	case 7:
		st = s.p[0] == 'b' ? MSG_BOUNCED : MSG_EXPIRED;
		break;
	default:
		return false;
	}
	if (!equal_short(s.p, msg_status_name(st), s.n))
		return false;
	*out = st;
	return true;
}

static bool loopback(struct slice ip)
{
	return (ip.n > 4 && memcmp(ip.p, "127.", 4) == 0) || slice_eq(ip, "::1") ||
	       slice_eq(ip, "IPv6:::1");
}

struct msg_table *msg_table_new(const struct msg_config *cfg, const struct msg_callbacks *cb)
{
	struct msg_table *t = xcalloc(1, sizeof(*t));

	t->cfg = *cfg;
	if (t->cfg.max_messages == 0)
		t->cfg.max_messages = 1;
	if (cb)
		t->cb = *cb;
	t->mask = 63;
	t->slot = xcalloc(t->mask + 1, sizeof(*t->slot));
	return t;
}

static struct slot *slot_of(const struct msg_table *t, const struct entry *e)
{
	size_t i = e->hash & t->mask;

	while (t->slot[i].e != e)
		i = (i + 1) & t->mask;
	return &t->slot[i];
}

/* Delete slot s by moving later entries of its run back into the gap. */
static void index_del(struct msg_table *t, struct slot *s)
{
	size_t i = (size_t)(s - t->slot), j = i, home;

	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->slot[j].e)
			break;
		home = t->slot[j].hash & t->mask;
		/* the entry at j may fill i if its home is not in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i].e = NULL;
}

static void index_add(struct msg_table *t, struct entry *e)
{
	size_t i;

	if ((t->count + 1) * 2 > t->mask + 1) {
		struct slot *old = t->slot;
		size_t n = t->mask + 1;

		t->mask = 2 * n - 1;
		t->slot = xcalloc(2 * n, sizeof(*t->slot));
		for (size_t k = 0; k < n; k++) {
			if (!old[k].e)
				continue;
			for (i = old[k].hash & t->mask; t->slot[i].e; i = (i + 1) & t->mask)
				;
			t->slot[i] = old[k];
		}
		free(old);
	}
	for (i = e->hash & t->mask; t->slot[i].e; i = (i + 1) & t->mask)
		;
	t->slot[i].hash = e->hash;
	t->slot[i].e = e;
	t->count++;
	t->changes++;
	e->prev = t->tail;
	e->next = NULL;
	if (t->tail)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
}

/* Report what a held message would have reported, under its identity now. */
static void release(struct msg_table *t, struct entry *e)
{
	struct message *m = &e->m;

	if (!m->held)
		return;
	m->held = false;
	t->changes++;
	if (!m->identity[0])
		return;
	if (m->accepted && !m->reinjected && !m->notify && t->cb.accepted)
		t->cb.accepted(m, t->cb.arg);
	for (int s = 0; s < MSG_NSTATUS && t->cb.delivery; s++)
		for (unsigned long i = 0; i < m->deliveries[s]; i++)
			t->cb.delivery(m, (enum msg_status)s, m->last, t->cb.arg);
}

static void unlink_removed(struct msg_table *t, struct entry *e)
{
	if (!e->m.removed)
		return;
	if (e->rprev)
		e->rprev->rnext = e->rnext;
	else
		t->rhead = e->rnext;
	if (e->rnext)
		e->rnext->rprev = e->rprev;
	else
		t->rtail = e->rprev;
	e->rprev = e->rnext = NULL;
}

static void drop(struct msg_table *t, struct entry *e)
{
	t->changes++;
	release(t, e);
	unlink_removed(t, e);
	index_del(t, slot_of(t, e));
	t->count--;
	if (e->prev)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->tail = e->prev;
	e->rnext = t->spare;
	t->spare = e;
}

void msg_table_free(struct msg_table *t)
{
	struct entry *e, *next;

	if (!t)
		return;
	for (e = t->head; e; e = next) {
		next = e->next;
		free(e);
	}
	for (e = t->spare; e; e = next) {
		next = e->rnext;
		free(e);
	}
	free(t->slot);
	free(t);
}

/* A message's key "INSTANCE/QID" (it always fits) and its hash, made once
 * per record: a record's lookup and its insert share it. */
struct key {
	char s[KEY_MAX];
	size_t n;
	uint32_t hash;
};

static void make_key(struct key *k, const char *instance, size_t in, const char *qid,
		     size_t qn)
{
	copy_bytes(k->s, instance, in);
	k->s[in] = '/';
	copy_bytes(k->s + in + 1, qid, qn + 1);
	k->n = in + 1 + qn;
	k->hash = key_hash(k->s, k->n);
}

/* make_key() of a record's program and queue id read straight from the
 * line: when both are plain ASCII that fits, which is what slice_copy_n()
 * would copy as it is (nearly every line); false otherwise, and then the
 * caller copies them.  *in: the instance's length. */
static bool record_key(struct key *k, size_t *in, struct slice program, struct slice qid)
{
	size_t n = instance_len(program);

	if (!program.p || !qid.p || qid.n == 0 || n >= MSG_INSTANCE_MAX ||
	    qid.n >= POSTFIX_QID_MAX || !plain_ascii(program.p, n) || !plain_ascii(qid.p, qid.n))
		return false;
	copy_bytes(k->s, program.p, n);
	k->s[n] = '/';
	copy_bytes(k->s + n + 1, qid.p, qid.n);
	k->s[n + 1 + qid.n] = '\0';
	k->n = n + 1 + qid.n;
	k->hash = key_hash(k->s, k->n);
	*in = n;
	return true;
}

static struct entry *find_key(const struct msg_table *t, const struct key *k)
{
	for (size_t i = k->hash & t->mask; t->slot[i].e; i = (i + 1) & t->mask) {
		struct entry *e = t->slot[i].e;

		if (t->slot[i].hash == k->hash && e->keylen == k->n &&
		    equal_bytes(e->key, k->s, k->n))
			return e;
	}
	return NULL;
}

static struct entry *find(const struct msg_table *t, const char *instance, const char *qid)
{
	struct key k;

	make_key(&k, instance, strnlen(instance, MSG_INSTANCE_MAX - 1), qid,
		 strnlen(qid, POSTFIX_QID_MAX - 1));
	return find_key(t, &k);
}

const struct message *msg_table_find(const struct msg_table *t, const char *instance,
				     const char *qid)
{
	struct entry *e = find(t, instance, qid);

	return e ? &e->m : NULL;
}

/* What xcalloc() would give, without writing the kilobyte of strings: an
 * empty string is as good as a zeroed buffer to every reader. */
#define END_OF(type, field) (offsetof(type, field) + sizeof(((type *)NULL)->field))
_Static_assert(offsetof(struct message, instance) == 0 &&
	       END_OF(struct message, instance) == offsetof(struct message, qid) &&
	       END_OF(struct message, qid) == offsetof(struct message, identity) &&
	       END_OF(struct message, identity) == offsetof(struct message, client_ip) &&
	       END_OF(struct message, client_ip) == offsetof(struct message, sender) &&
	       END_OF(struct message, sender) == offsetof(struct message, orig_qid) &&
	       END_OF(struct message, orig_qid) == offsetof(struct message, has_sender),
	       "struct message starts with its strings, then the rest");

static void clear(struct entry *e)
{
	struct message *m = &e->m;

	m->instance[0] = m->qid[0] = m->identity[0] = m->client_ip[0] = m->sender[0] = '\0';
	m->orig_qid[0] = '\0';
	memset(&m->has_sender, 0, sizeof(*m) - offsetof(struct message, has_sender));
	e->key[0] = '\0';
	e->keylen = 0;
	e->hash = 0;
	e->prev = e->next = e->rprev = e->rnext = NULL;
}

/* A new entry for key k, whose instance is its first in bytes. */
/* The next insert takes e and writes these lines of it, long out of the
 * cache (it was dropped a while ago): ask for them now. */
static void prefetch_spare(const struct entry *e)
{
	__builtin_prefetch(&e->m.instance, 1);
	__builtin_prefetch(&e->m.identity, 1);
	__builtin_prefetch(&e->m.client_ip, 1);
	__builtin_prefetch(&e->m.sender, 1);
	__builtin_prefetch(&e->m.orig_qid, 1);
	__builtin_prefetch(&e->m.has_sender, 1);
	__builtin_prefetch(&e->key, 1);
	__builtin_prefetch(&e->rnext, 1);
}

static struct entry *insert_key(struct msg_table *t, const struct key *k, size_t in,
				time_t now)
{
	struct entry *e;

	if (t->count >= t->cfg.max_messages) {
		drop(t, t->head);
		t->stats.evictions++;
	}
	if (t->spare) {
		e = t->spare;
		t->spare = e->rnext;
		clear(e);
		if (t->spare)
			prefetch_spare(t->spare);
	} else {
		e = xcalloc(1, sizeof(*e));
	}
	copy_bytes(e->m.instance, k->s, in);
	e->m.instance[in] = '\0';
	copy_bytes(e->m.qid, k->s + in + 1, k->n - in);	/* with its NUL */
	e->m.nrcpt = e->m.size = -1;
	e->m.first = e->m.last = now;
	copy_bytes(e->key, k->s, k->n + 1);
	e->keylen = k->n;
	e->hash = k->hash;
	index_add(t, e);
	return e;
}

static struct entry *insert(struct msg_table *t, const char *instance, const char *qid,
			    time_t now)
{
	struct key k;
	size_t in = strnlen(instance, MSG_INSTANCE_MAX - 1);

	make_key(&k, instance, in, qid, strnlen(qid, POSTFIX_QID_MAX - 1));
	return insert_key(t, &k, in, now);
}

/* The queue id named at the end of a hand-off's reply: "... queued as QID". */
static bool queued_as(struct slice text, char *qid, size_t cap)
{
	static const char pat[] = "queued as ";
	const size_t pn = sizeof(pat) - 1;
	size_t i, n = 0;

	if (text.n < pn)
		return false;
	for (i = text.n - pn + 1; i-- > 0;)
		if (memcmp(text.p + i, pat, pn) == 0)
			break;
	if (i == (size_t)-1)
		return false;
	i += pn;
	while (i + n < text.n && ((text.p[i + n] >= '0' && text.p[i + n] <= '9') ||
				  (text.p[i + n] >= 'A' && text.p[i + n] <= 'Z') ||
				  (text.p[i + n] >= 'a' && text.p[i + n] <= 'z')))
		n++;
	if (n == 0 || n >= cap)
		return false;
	memcpy(qid, text.p + i, n);
	qid[n] = '\0';
	return true;
}

/* orig handed its mail to a content filter, which re-injected it as qid. */
static void link_handoff(struct msg_table *t, const struct message *orig, const char *qid,
			 time_t now)
{
	char identity[MSG_IDENTITY_MAX], ip[POSTFIX_IP_MAX], orig_qid[POSTFIX_QID_MAX];
	enum msg_notify notify = orig->notify;
	struct entry *e = find(t, orig->instance, qid);

	if (e == NULL) {
		/* Copy first: inserting may evict orig itself. */
		memcpy(identity, orig->identity, sizeof(identity));
		memcpy(ip, orig->client_ip, sizeof(ip));
		memcpy(orig_qid, orig->orig_qid, sizeof(orig_qid));
		e = insert(t, orig->instance, qid, now);
		memcpy(e->m.identity, identity, sizeof(identity));
		memcpy(e->m.client_ip, ip, sizeof(ip));
		memcpy(e->m.orig_qid, orig_qid, sizeof(orig_qid));
		e->m.notify = notify;
		e->m.reinjected = true;
		t->stats.links++;
		return;
	}
	if (!e->m.held)
		return;		/* a message of its own, not a loopback copy */
	memcpy(e->m.identity, orig->identity, sizeof(e->m.identity));
	memcpy(e->m.orig_qid, orig->orig_qid, sizeof(e->m.orig_qid));
	e->m.notify = notify;
	e->m.reinjected = true;
	t->stats.links++;
	release(t, e);
}

static void on_client(struct msg_table *t, const struct key *k, size_t in,
		      const struct syslog_line *sl, const struct postfix_record *r)
{
	struct entry *e = find_key(t, k);
	struct slice ip = postfix_get(r, POSTFIX_F_CLIENT_IP);
	char id[MSG_IDENTITY_MAX], client_ip[POSTFIX_IP_MAX];
	bool client = false;
	size_t n, ipn;

	if (e && e->m.reinjected && !e->m.accepted) {
		/* announced by its hand-off: keeps the original identity */
		copy_value(e->m.client_ip, sizeof(e->m.client_ip), ip);
		e->m.last = sl->time;
		return;
	}
	slice_copy_n(client_ip, sizeof(client_ip), ip, &ipn);
	/* "sasl:" + POSTFIX_TEXT_MAX and "client:" + POSTFIX_IP_MAX fit */
	if (r->kind == POSTFIX_PICKUP) {
		snprintf(id, sizeof(id), "uid:%ld", r->uid);
	} else if (postfix_has(r, POSTFIX_F_SASL_USERNAME)) {
		n = sizeof("sasl:") - 1;
		memcpy(id, "sasl:", n);
		copy_value(id + n, POSTFIX_TEXT_MAX, postfix_get(r, POSTFIX_F_SASL_USERNAME));
	} else {
		n = sizeof("client:") - 1;
		memcpy(id, "client:", n);
		memcpy(id + n, client_ip, ipn + 1);
		client = true;
	}
	if (e && !e->m.removed) {
		/* never reassigned (messages.h); the same again is a line read again */
		if (strcmp(e->m.identity, id) != 0 || strcmp(e->m.client_ip, client_ip) != 0)
			t->stats.forged++;
		return;
	}
	if (e)
		drop(t, e);	/* a queue id used again: a new message */
	e = insert_key(t, k, in, sl->time);
	memcpy(e->m.client_ip, client_ip, ipn + 1);
	copy_str(e->m.identity, sizeof(e->m.identity), id);
	e->m.held = client && loopback(ip);
}

static void on_queued(struct msg_table *t, struct entry *e, const struct syslog_line *sl,
		      const struct postfix_record *r)
{
	struct message *m = &e->m;

	copy_value(m->sender, sizeof(m->sender), postfix_get(r, POSTFIX_F_FROM));
	m->has_sender = true;
	m->sender_local = msg_sender_local(m->sender, t->cfg.local_domains);
	m->nrcpt = r->nrcpt;
	m->size = r->size;
	if (m->accepted)
		return;		/* a retry of a deferred message */
	m->accepted = true;
	m->accepted_at = sl->time;
	if (!m->held && !m->reinjected && !m->notify && m->identity[0] && t->cb.accepted)
		t->cb.accepted(m, t->cb.arg);
}

static void on_delivery(struct msg_table *t, struct entry *e, const struct syslog_line *sl,
			const struct postfix_record *r)
{
	struct message *m = &e->m;
	enum msg_status s;
	char qid[POSTFIX_QID_MAX];

	if (!status_of(postfix_get(r, POSTFIX_F_STATUS), &s))
		return;
	if (loopback(postfix_get(r, POSTFIX_F_RELAY_IP)) && r->relay_port > 0 &&
	    r->relay_port != 25) {
		t->stats.handoffs++;
		if (s == MSG_SENT && queued_as(postfix_get(r, POSTFIX_F_TEXT), qid, sizeof(qid)))
			link_handoff(t, m, qid, sl->time);
		return;
	}
	m->deliveries[s]++;
	if (!m->held && m->identity[0] && t->cb.delivery)
		t->cb.delivery(m, s, sl->time, t->cb.arg);
}

static enum msg_notify notify_of(const struct postfix_record *r)
{
	struct slice kind = postfix_get(r, POSTFIX_F_NOTIFY);

	if (slice_eq(postfix_get(r, POSTFIX_F_NOTIFY_TO), "postmaster"))
		return MSG_NOTIFY_POSTMASTER;
	if (slice_eq(kind, "delay"))
		return MSG_NOTIFY_DELAY;
	if (slice_eq(kind, "delivery status"))
		return MSG_NOTIFY_SUCCESS;
	return MSG_NOTIFY_FAILURE;
}

/* The bounce daemon made NEW_QID, a notification about k's message. */
static void on_notify(struct msg_table *t, const struct key *k, const char *instance,
		      const struct syslog_line *sl, const struct postfix_record *r)
{
	char qid[POSTFIX_QID_MAX], identity[MSG_IDENTITY_MAX], ip[POSTFIX_IP_MAX];
	char orig_qid[POSTFIX_QID_MAX];
	struct entry *orig = find_key(t, k), *e;

	if (!slice_copy(qid, sizeof(qid), postfix_get(r, POSTFIX_F_NEW_QID)) || !qid[0])
		return;
	if (!orig || !orig->m.identity[0]) {
		t->stats.notify_unknown++;
		return;
	}
	t->changes++;
	orig->m.last = sl->time;
	e = find(t, instance, qid);
	if (e && !e->m.removed) {
		/* never reassigned (messages.h); the same again is a line read again */
		if (!e->m.notify || strcmp(e->m.identity, orig->m.identity) != 0 ||
		    strcmp(e->m.orig_qid, orig->m.qid) != 0)
			t->stats.forged++;
		return;
	}
	/* Copy first: dropping or inserting may evict orig itself. */
	memcpy(identity, orig->m.identity, sizeof(identity));
	memcpy(ip, orig->m.client_ip, sizeof(ip));
	memcpy(orig_qid, orig->m.qid, sizeof(orig_qid));
	if (e)
		drop(t, e);	/* a queue id used again: a new message */
	e = insert(t, instance, qid, sl->time);
	memcpy(e->m.identity, identity, sizeof(identity));
	memcpy(e->m.client_ip, ip, sizeof(ip));
	memcpy(e->m.orig_qid, orig_qid, sizeof(orig_qid));
	e->m.notify = notify_of(r);
	t->stats.notifications++;
	if (t->cb.notified)
		t->cb.notified(&e->m, t->cb.arg);
}

/* The word s, whole, or at the end of a after a '-'. */
static bool word_is(struct slice a, const char *s, bool suffix)
{
	size_t n = strlen(s);

	if (a.n == n)
		return memcmp(a.p, s, n) == 0;
	return suffix && a.n > n && a.p[a.n - n - 1] == '-' && memcmp(a.p + a.n - n, s, n) == 0;
}

/* cleanup refusing its message (messages.h): its queue file is gone. */
static bool refusal(const struct postfix_record *r)
{
	struct slice a = postfix_get(r, POSTFIX_F_ACTION);

	if (!word_is(postfix_get(r, POSTFIX_F_SERVICE), "cleanup", false))
		return false;
	switch (r->kind) {
	case POSTFIX_MILTER_REJECT:
		return true;
	case POSTFIX_ACTION:
		return word_is(a, "milter-discard", false);
	case POSTFIX_CONTENT_CHECK:
		return word_is(a, "reject", true) || word_is(a, "discard", true);
	default:
		return false;
	}
}

static void on_refused(struct msg_table *t, struct entry *e, const struct syslog_line *sl)
{
	struct message *m = &e->m;

	if (m->removed)
		return;
	m->removed = true;
	m->removed_at = sl->time;
	msg_entry_link_removed(t, e);
	t->stats.refused++;
	if (!m->held && !m->notify && m->identity[0] && t->cb.refused)
		t->cb.refused(m, sl->time, t->cb.arg);
}

void msg_table_record(struct msg_table *t, const struct syslog_line *sl,
		      const struct postfix_record *r)
{
	char instance[MSG_INSTANCE_MAX], qid[POSTFIX_QID_MAX];
	struct entry *e;
	struct key k;
	size_t in, qn;

	switch (r->kind) {
	case POSTFIX_CLIENT:
	case POSTFIX_PICKUP:
	case POSTFIX_QUEUED:
	case POSTFIX_DELIVERY:
	case POSTFIX_REMOVED:
	case POSTFIX_NOTIFY:
		break;
	case POSTFIX_CONTENT_CHECK:
	case POSTFIX_MILTER_REJECT:
	case POSTFIX_ACTION:
		if (refusal(r))
			break;
		return;
	default:
		return;
	}
	if (!postfix_has(r, POSTFIX_F_QID))
		return;
	if (!record_key(&k, &in, sl->program, postfix_get(r, POSTFIX_F_QID))) {
		if (!slice_copy_n(qid, sizeof(qid), postfix_get(r, POSTFIX_F_QID), &qn))
			return;
		in = instance_of(instance, sizeof(instance), sl->program);
		make_key(&k, instance, in, qid, qn);
	}
	if (r->kind == POSTFIX_CLIENT || r->kind == POSTFIX_PICKUP) {
		on_client(t, &k, in, sl, r);
		return;
	}
	if (r->kind == POSTFIX_NOTIFY) {
		copy_bytes(instance, k.s, in);
		instance[in] = '\0';
		on_notify(t, &k, instance, sl, r);
		return;
	}
	e = find_key(t, &k);
	if (!e) {
		t->stats.unknown++;
		return;
	}
	t->changes++;
	e->m.last = sl->time;
	if (r->kind == POSTFIX_QUEUED) {
		on_queued(t, e, sl, r);
	} else if (r->kind == POSTFIX_DELIVERY) {
		on_delivery(t, e, sl, r);
	} else if (r->kind != POSTFIX_REMOVED) {
		on_refused(t, e, sl);
	} else if (!e->m.removed) {
		e->m.removed = true;
		e->m.removed_at = sl->time;
		msg_entry_link_removed(t, e);
	}
}

void msg_table_expire(struct msg_table *t, time_t now)
{
	while (t->rhead && now - t->rhead->m.removed_at >= t->cfg.grace) {
		drop(t, t->rhead);
		t->stats.expired_removed++;
	}
	while (t->head && now - t->head->m.first >= t->cfg.max_age) {
		drop(t, t->head);
		t->stats.expired_age++;
	}
}

void msg_table_flush(struct msg_table *t)
{
	for (struct entry *e = t->head; e; e = e->next)
		release(t, e);
}

void msg_table_stats(const struct msg_table *t, struct msg_stats *out)
{
	*out = t->stats;
	out->size = t->count;
}

size_t msg_table_queued(const struct msg_table *t, const char *identity,
			char (*qids)[POSTFIX_QID_MAX], size_t cap)
{
	size_t n = 0;

	/* newest first: past cap, the oldest are the likeliest gone already */
	for (const struct entry *e = t->tail; e && n < cap; e = e->prev)
		if (!e->m.removed && !e->m.notify && strcmp(e->m.identity, identity) == 0)
			copy_str(qids[n++], POSTFIX_QID_MAX, e->m.qid);
	return n;
}

uint64_t msg_table_changes(const struct msg_table *t)
{
	return t->changes;
}

void msg_table_discard(struct msg_table *t)
{
	struct entry *e, *next;

	for (e = t->head; e; e = next) {
		next = e->next;
		free(e);
	}
	memset(t->slot, 0, (t->mask + 1) * sizeof(*t->slot));
	t->count = 0;
	t->head = t->tail = t->rhead = t->rtail = NULL;
	for (size_t i = 0; i < t->logins.nslots; i++)
		t->logins.slots[i].pid = 0;
	t->changes++;
}

void msg_table_logins(struct msg_table *t, const struct msg_logins *l)
{
	if (l && l->slots && l->nslots)
		t->logins = *l;
	else
		memset(&t->logins, 0, sizeof(t->logins));
}

void msg_table_touch(struct msg_table *t)
{
	t->changes++;
}

/* ---- for messages_state.c ---- */

struct entry *msg_entry_insert(struct msg_table *t, const char *instance, const char *qid,
			       time_t now)
{
	return insert(t, instance, qid, now);
}

struct entry *msg_entry_find(const struct msg_table *t, const char *instance, const char *qid)
{
	return find(t, instance, qid);
}

void msg_entry_link_removed(struct msg_table *t, struct entry *e)
{
	e->rnext = NULL;
	e->rprev = t->rtail;
	if (t->rtail)
		t->rtail->rnext = e;
	else
		t->rhead = e;
	t->rtail = e;
}
