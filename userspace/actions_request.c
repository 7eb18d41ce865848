// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * actions_request.c - a request from the outside, checked and planned.
 *
 * Everything in struct action_request comes from code that reads attacker
 * text, so nothing is trusted: the identity is printable UTF-8 and does not
 * start with '-' (it is a hook's argument), the incident id is
 * [A-Za-z0-9._:-] and does not start with '.' or '-' (it names a
 * quarantine directory), queue ids are letters and digits only (they are
 * file names and postsuper's stdin), sessions have a pid and an address.
 * The steps of a request are fixed when it is queued (plan()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions_int.h"
#include "log.h"
#include "sockkill.h"
#include "text.h"

/* Postfix queue ids: short (hex) or long (base 52 and digits). */
bool qid_valid(const char *qid)
{
	size_t n = 0;

	for (; qid[n]; n++)
		if (!((qid[n] >= '0' && qid[n] <= '9') || (qid[n] >= 'A' && qid[n] <= 'Z') ||
		      (qid[n] >= 'a' && qid[n] <= 'z')))
			return false;
	return n > 0 && n < POSTFIX_QID_MAX;
}

void qid_list_add(struct qid_list *l, const char *qid)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			fatalx("out of memory");
	}
	snprintf(l->v[l->n++], sizeof(*l->v), "%s", qid);
}

void qid_list_free(struct qid_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool qid_list_has(const struct qid_list *l, const char *qid)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], qid) == 0)
			return true;
	return false;
}

void request_free(struct request *r)
{
	if (!r)
		return;
	free(r->json);
	free(r->sessions);
	free((char *)r->login.bytes);
	qid_list_free(&r->qids);
	qid_list_free(&r->preheld);
	qid_list_free(&r->work);
	qid_list_free(&r->todo);
	json_decref(r->cmds);
	free(r);
}

static bool utf8_valid(const char *s)
{
	while (*s) {
		size_t n = utf8_seq_len((const unsigned char *)s);

		if (n == 0)
			return false;
		s += n;
	}
	return true;
}

/* A NUL-terminated field of at most cap bytes, printable UTF-8. */
static bool text_ok(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return utf8_valid(s);
}

bool incident_ok(const char *s)
{
	if (!memchr(s, '\0', ACTIONS_INCIDENT_MAX) || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= 'a' && *s <= 'z') || *s == '.' || *s == '_' || *s == '-' || *s == ':'))
			return false;
	return true;
}

const char *request_check(const struct actions *a, const struct action_request *q)
{
	unsigned char addr[16];

	if ((unsigned)q->kind > REQ_QUARANTINE)
		return "unknown request kind";
	if (!text_ok(q->identity, sizeof(q->identity)) || !q->identity[0] || q->identity[0] == '-')
		return "bad identity";
	if (!incident_ok(q->incident))
		return "bad incident id";
	if ((q->kind == REQ_LOCK || q->kind == REQ_UNLOCK) && strncmp(q->identity, "sasl:", 5) != 0)
		return "only a sasl: identity can be locked";
	if (!q->manual && !actions_account(a, q->identity))
		return "not an account: only sasl: identities (and uid: with act_on_uid = yes) "
		       "are acted on";
	if (q->nqids > ACTIONS_MAX_QIDS || (q->nqids && !q->qids))
		return "too many queue ids";
	for (size_t i = 0; i < q->nqids; i++)
		if (!memchr(q->qids[i], '\0', POSTFIX_QID_MAX) || !qid_valid(q->qids[i]))
			return "bad queue id";
	if (q->nsessions > ACTIONS_MAX_SESSIONS || (q->nsessions && !q->sessions))
		return "too many sessions";
	for (size_t i = 0; i < q->nsessions; i++)
		if (q->sessions[i].pid <= 1 ||
		    !memchr(q->sessions[i].client_ip, '\0', sizeof(q->sessions[i].client_ip)) ||
		    sockkill_parse_ip(q->sessions[i].client_ip, addr) < 0)
			return "bad session";
	if (a->total_qids + q->nqids > ACTIONS_MAX_QIDS_TOTAL)
		return "too many queue ids waiting";
	return NULL;
}

static const char *const request_names[] = {
	[REQ_RESPOND] = "respond", [REQ_LOCK] = "lock", [REQ_UNLOCK] = "unlock",
	[REQ_HOLD] = "hold", [REQ_RELEASE] = "release", [REQ_QUARANTINE] = "quarantine",
};

const char *actions_request_name(enum request_kind k)
{
	return (unsigned)k <= REQ_QUARANTINE ? request_names[k] : "unknown";
}

int actions_request_kind(const char *name)
{
	for (int i = 0; i <= REQ_QUARANTINE; i++)
		if (strcmp(request_names[i], name) == 0)
			return i;
	return -1;
}

static void add_step(struct request *r, enum step s)
{
	r->steps[r->nsteps++] = s;
}

static void plan(const struct actions *a, struct request *r)
{
	switch (r->kind) {
	case REQ_RESPOND:
		/* hold_scope = all freezes the queue first, until the lock;
		 * an identity's hold lists the queue (postqueue -j: seconds
		 * when a spam run has filled it), so the lock, which stops the
		 * spam, and the cut come first, and the hold right after (its
		 * listing waits out the lock's reload: actions_queue.c) */
		if (r->all)
			add_step(r, STEP_HOLD);
		add_step(r, STEP_LOCK);
		if (r->nsessions)
			add_step(r, STEP_CUT);
		if (a->cfg.lock_hook[0])
			add_step(r, STEP_LOCK_HOOK);
		if (!r->all)
			add_step(r, STEP_HOLD);
		if (a->cfg.spam == SPAM_QUARANTINE)
			add_step(r, STEP_QUARANTINE);
		else if (a->cfg.spam == SPAM_DELETE)
			add_step(r, STEP_DELETE);
		if (r->all)
			add_step(r, STEP_RELEASE);
		break;
	case REQ_LOCK:
		add_step(r, STEP_LOCK);
		if (r->nsessions)
			add_step(r, STEP_CUT);
		if (a->cfg.lock_hook[0])
			add_step(r, STEP_LOCK_HOOK);
		break;
	case REQ_UNLOCK:
		add_step(r, STEP_UNLOCK);
		if (a->cfg.lock_hook[0])
			add_step(r, STEP_UNLOCK_HOOK);
		break;
	case REQ_HOLD:
		add_step(r, STEP_HOLD);
		break;
	case REQ_RELEASE:
		add_step(r, STEP_RELEASE);
		break;
	case REQ_QUARANTINE:
		add_step(r, STEP_QUARANTINE);
		break;
	}
}

static int cmp_qid(const void *x, const void *y)
{
	return strcmp(x, y);
}

void request_add_qids(struct qid_list *l, const char (*qids)[POSTFIX_QID_MAX], size_t n)
{
	for (size_t i = 0; i < n && l->n < ACTIONS_MAX_QIDS; i++)
		qid_list_add(l, qids[i]);
	if (l->n > 1) {	/* once each */
		size_t w = 1;

		qsort(l->v, l->n, sizeof(*l->v), cmp_qid);
		for (size_t i = 1; i < l->n; i++)
			if (strcmp(l->v[i], l->v[w - 1]) != 0)
				memmove(l->v[w++], l->v[i], sizeof(*l->v));
		l->n = w;
	}
}

static char *fallback_json(const struct request *r)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:b}", "identity", r->identity, "incident",
			      r->incident, "request", actions_request_name(r->kind),
			      "manual", r->manual);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s ? s : xstrdup("{}");
}

struct request *request_new(struct actions *a, const struct action_request *q)
{
	struct request *r = xcalloc(1, sizeof(*r));

	r->id = a->next_id++;
	r->kind = q->kind;
	snprintf(r->identity, sizeof(r->identity), "%s", q->identity);
	snprintf(r->incident, sizeof(r->incident), "%s", q->incident);
	r->manual = q->manual;
	r->observe = !a->cfg.enforce && !q->manual;
	r->untrusted = a->cfg.enforce && !q->manual && !actions_acting(a);
	r->all = q->kind == REQ_RESPOND ? a->cfg.hold_all : q->all;
	if (r->incident[0]) {
		snprintf(r->qdir, sizeof(r->qdir), "%s", r->incident);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		char ts[32];

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
		snprintf(r->qdir, sizeof(r->qdir), "manual-%s-%llu", ts, (unsigned long long)r->id);
	}
	if (q->incident_json && strlen(q->incident_json) <= ACTIONS_JSON_MAX &&
	    utf8_valid(q->incident_json))
		r->json = xstrdup(q->incident_json);
	else
		r->json = fallback_json(r);
	request_add_qids(&r->qids, q->qids, q->nqids);
	if (q->nsessions) {
		r->sessions = xcalloc(q->nsessions, sizeof(*r->sessions));
		memcpy(r->sessions, q->sessions, q->nsessions * sizeof(*r->sessions));
		r->nsessions = q->nsessions;
	}
	if (q->login)
		request_set_login(r, q->login->bytes, q->login->len);
	snprintf(r->login_why, sizeof(r->login_why), "%s",
		 q->login_why ? q->login_why : "its bytes as logged are not known");
	if (q->cut_only)
		add_step(r, STEP_CUT);
	else
		plan(a, r);
	return r;
}

bool request_set_login(struct request *r, const char *bytes, size_t len)
{
	return !r->login.len && action_login_copy(&r->login, bytes, len);
}

