// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * messages.c - the table of in-flight messages (see messages.h).
 *
 * One uthash table keyed by "INSTANCE/QID" (neither holds a '/': the
 * instance is the program's first component, a queue id is alphanumeric).
 * uthash keeps insertion order, which is first-seen order: eviction and
 * expiry by age take from its head.  Removed messages also sit on a FIFO
 * list in the order of their removed lines, for expiry after the grace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uthash.h>

#include "log.h"
#include "maillog/messages.h"

#define KEY_MAX (MSG_INSTANCE_MAX + POSTFIX_QID_MAX)

struct entry {
	struct message m;
	char key[KEY_MAX];
	struct entry *rprev, *rnext;	/* removed list */
	UT_hash_handle hh;
};

struct msg_table {
	struct msg_config cfg;
	struct msg_callbacks cb;
	struct entry *head;
	struct entry *rhead, *rtail;
	struct msg_stats stats;
};

void msg_instance(char *dst, size_t cap, struct slice program)
{
	const char *slash = program.n ? memchr(program.p, '/', program.n) : NULL;

	if (slash)
		program.n = (size_t)(slash - program.p);
	slice_copy(dst, cap, program);
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

static bool status_of(struct slice s, enum msg_status *out)
{
	for (int i = 0; i < MSG_NSTATUS; i++)
		if (slice_eq(s, msg_status_name((enum msg_status)i))) {
			*out = (enum msg_status)i;
			return true;
		}
	return false;
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
	return t;
}

/* Report what a held message would have reported, under its identity now. */
static void release(struct msg_table *t, struct entry *e)
{
	struct message *m = &e->m;

	if (!m->held)
		return;
	m->held = false;
	if (!m->identity[0])
		return;
	if (m->accepted && !m->reinjected && t->cb.accepted)
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
	release(t, e);
	unlink_removed(t, e);
	HASH_DEL(t->head, e);
	free(e);
}

void msg_table_free(struct msg_table *t)
{
	struct entry *e, *next;

	if (!t)
		return;
	e = t->head;
	HASH_CLEAR(hh, t->head);	/* the table; the items keep their links */
	for (; e; e = next) {
		next = e->hh.next;
		free(e);
	}
	free(t);
}

static size_t make_key(char *key, const char *instance, const char *qid)
{
	int n = snprintf(key, KEY_MAX, "%s/%s", instance, qid);

	return n < 0 ? 0 : (size_t)n >= KEY_MAX ? KEY_MAX - 1 : (size_t)n;
}

static struct entry *find(const struct msg_table *t, const char *instance, const char *qid)
{
	char key[KEY_MAX];
	size_t n = make_key(key, instance, qid);
	struct entry *e;

	HASH_FIND(hh, t->head, key, n, e);
	return e;
}

const struct message *msg_table_find(const struct msg_table *t, const char *instance,
				     const char *qid)
{
	struct entry *e = find(t, instance, qid);

	return e ? &e->m : NULL;
}

static struct entry *insert(struct msg_table *t, const char *instance, const char *qid,
			    time_t now)
{
	struct entry *e;
	size_t n;

	if (HASH_COUNT(t->head) >= t->cfg.max_messages) {
		drop(t, t->head);
		t->stats.evictions++;
	}
	e = xcalloc(1, sizeof(*e));
	snprintf(e->m.instance, sizeof(e->m.instance), "%s", instance);
	snprintf(e->m.qid, sizeof(e->m.qid), "%s", qid);
	e->m.nrcpt = e->m.size = -1;
	e->m.first = e->m.last = now;
	n = make_key(e->key, instance, qid);
	HASH_ADD(hh, t->head, key[0], n, e);
	return e;
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
	char identity[MSG_IDENTITY_MAX], ip[POSTFIX_IP_MAX];
	struct entry *e = find(t, orig->instance, qid);

	if (e == NULL) {
		/* Copy first: inserting may evict orig itself. */
		memcpy(identity, orig->identity, sizeof(identity));
		memcpy(ip, orig->client_ip, sizeof(ip));
		e = insert(t, orig->instance, qid, now);
		memcpy(e->m.identity, identity, sizeof(identity));
		memcpy(e->m.client_ip, ip, sizeof(ip));
		e->m.reinjected = true;
		t->stats.links++;
		return;
	}
	if (!e->m.held)
		return;		/* a message of its own, not a loopback copy */
	memcpy(e->m.identity, orig->identity, sizeof(e->m.identity));
	e->m.reinjected = true;
	t->stats.links++;
	release(t, e);
}

static void on_client(struct msg_table *t, const char *instance, const char *qid,
		      const struct syslog_line *sl, const struct postfix_record *r)
{
	struct entry *e = find(t, instance, qid);
	struct slice ip = postfix_get(r, POSTFIX_F_CLIENT_IP);
	char user[POSTFIX_TEXT_MAX];

	if (e && e->m.reinjected && !e->m.accepted) {
		/* announced by its hand-off: keeps the original identity */
		slice_copy(e->m.client_ip, sizeof(e->m.client_ip), ip);
		e->m.last = sl->time;
		return;
	}
	if (e)
		drop(t, e);	/* a queue id used again: a new message */
	e = insert(t, instance, qid, sl->time);
	slice_copy(e->m.client_ip, sizeof(e->m.client_ip), ip);
	if (r->kind == POSTFIX_PICKUP) {
		snprintf(e->m.identity, sizeof(e->m.identity), "uid:%ld", r->uid);
	} else if (postfix_has(r, POSTFIX_F_SASL_USERNAME)) {
		slice_copy(user, sizeof(user), postfix_get(r, POSTFIX_F_SASL_USERNAME));
		snprintf(e->m.identity, sizeof(e->m.identity), "sasl:%s", user);
	} else {
		snprintf(e->m.identity, sizeof(e->m.identity), "client:%s", e->m.client_ip);
		e->m.held = loopback(ip);
	}
}

static void on_queued(struct msg_table *t, struct entry *e, const struct syslog_line *sl,
		      const struct postfix_record *r)
{
	struct message *m = &e->m;

	slice_copy(m->sender, sizeof(m->sender), postfix_get(r, POSTFIX_F_FROM));
	m->has_sender = true;
	m->sender_local = msg_sender_local(m->sender, t->cfg.local_domains);
	m->nrcpt = r->nrcpt;
	m->size = r->size;
	if (m->accepted)
		return;		/* a retry of a deferred message */
	m->accepted = true;
	m->accepted_at = sl->time;
	if (!m->held && !m->reinjected && m->identity[0] && t->cb.accepted)
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

void msg_table_record(struct msg_table *t, const struct syslog_line *sl,
		      const struct postfix_record *r)
{
	char instance[MSG_INSTANCE_MAX], qid[POSTFIX_QID_MAX];
	struct entry *e;

	switch (r->kind) {
	case POSTFIX_CLIENT:
	case POSTFIX_PICKUP:
	case POSTFIX_QUEUED:
	case POSTFIX_DELIVERY:
	case POSTFIX_REMOVED:
		break;
	default:
		return;
	}
	if (!postfix_has(r, POSTFIX_F_QID) ||
	    !slice_copy(qid, sizeof(qid), postfix_get(r, POSTFIX_F_QID)))
		return;
	msg_instance(instance, sizeof(instance), sl->program);
	if (r->kind == POSTFIX_CLIENT || r->kind == POSTFIX_PICKUP) {
		on_client(t, instance, qid, sl, r);
		return;
	}
	e = find(t, instance, qid);
	if (!e) {
		t->stats.unknown++;
		return;
	}
	e->m.last = sl->time;
	if (r->kind == POSTFIX_QUEUED) {
		on_queued(t, e, sl, r);
	} else if (r->kind == POSTFIX_DELIVERY) {
		on_delivery(t, e, sl, r);
	} else if (!e->m.removed) {
		e->m.removed = true;
		e->m.removed_at = sl->time;
		e->rprev = t->rtail;
		if (t->rtail)
			t->rtail->rnext = e;
		else
			t->rhead = e;
		t->rtail = e;
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
	for (struct entry *e = t->head; e; e = e->hh.next)
		release(t, e);
}

void msg_table_stats(const struct msg_table *t, struct msg_stats *out)
{
	*out = t->stats;
	out->size = HASH_COUNT(t->head);
}
