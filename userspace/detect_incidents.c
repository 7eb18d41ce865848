// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * detect_incidents.c - the detector's incidents (see detect.h, detect_int.h).
 *
 * What an event made fire becomes an incident here: detect_evaluate()
 * drafts one for an identity without an open incident (the scratch
 * incident, with its first_seen, counts and evidence) and opens it,
 * unless an allowance or the client address's incident budget says no,
 * evicting the oldest when DETECT_MAX_OPEN are open; or it merges the
 * signals into the open one, which is notified at once when a signal is
 * new, else at most once a second by detect_flush_updates().  Incidents
 * without an event for incident_expiry seconds are expired at the tick.
 * The control commands on incidents (find, set state, resolve, allow,
 * restore) are here too.  The store and its bounds are incident.c's.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "detect.h"
#include "detect_int.h"
#include "text.h"

static void set_counts(struct incident *inc, const struct ident *w)
{
	struct win_totals t;

	window_sum(&w->win, w->win.head, WIN_SPAN_MAX, &t);
	inc->messages = t.c[WC_MESSAGES];
	inc->recipients = t.c[WC_RECIPIENTS];
	inc->foreign = t.c[WC_FOREIGN];
	inc->rcpt_domains = distinct_count(&w->domains, (uint32_t)w->win.head, WIN_SPAN_MAX);
}

/* When the burst began: the first message of the shortest span of a
 * message signal that fired; else the event's own time. */
static double first_seen(const struct ident *w, const struct incident_signal *sig, double t)
{
	static const enum detect_signal by_messages[] = {
		SIG_RATE, SIG_RECIPIENTS, SIG_SPIKE, SIG_FOREIGN, SIG_BOUNCES,
		SIG_NEW_DOMAINS, SIG_VOLUME,
	};
	unsigned span = 0;
	double f;

	for (size_t i = 0; i < sizeof(by_messages) / sizeof(by_messages[0]); i++) {
		const struct incident_signal *g = &sig[by_messages[i]];

		if (g->fired && (!span || g->span < span))
			span = g->span;
	}
	if (!span)
		return t;
	f = window_first(&w->win, w->win.head, span, WC_MESSAGES);
	return f >= 0 && f <= t ? f : t;
}

/* The scratch incident for identity, with the signals that fired. */
struct incident *detect_draft(struct detector *d, const char *identity, double t,
			      const struct incident_signal *sig)
{
	struct incident *inc = &d->scratch;
	struct timespec ts;

	memset(inc, 0, sizeof(*inc));
	incident_store_new_id(d->store, inc->id);
	utf8_sanitize(inc->identity, sizeof(inc->identity), identity);
	inc->state = INCIDENT_OPEN;
	memcpy(inc->signals, sig, sizeof(inc->signals));
	clock_gettime(CLOCK_REALTIME, &ts);
	inc->opened = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	inc->first_seen = t;
	inc->updated = t;
	return inc;
}

static bool allowed_until_later(const struct detector *d, const char *identity)
{
	for (size_t i = 0; i < d->nallowances; i++)
		if (strcmp(d->allowances[i].identity, identity) == 0)
			return d->allowances[i].until > d->now;
	return false;
}

static void closed(struct detector *d, const struct incident *inc)
{
	if (d->cb.closed)
		d->cb.closed(inc, d->cb.arg);
}

/* Room for one more: the oldest un-acted incident goes (detect.h). */
static void evict(struct detector *d)
{
	struct incident_node *victim = incident_store_victim(d->store);

	if (!victim)
		return;
	if (log_ratelimited(&d->rl_full, 60))
		log_warnx("detect: %d incidents open: evicting the oldest %s one for a new one "
			  "(counted)", DETECT_MAX_OPEN,
			  victim->inc.state == INCIDENT_ACTED ? "acted" : "un-acted");
	d->st.incidents_evicted++;
	closed(d, incident_store_resolve(d->store, victim, END_EVICTED));
}

void detect_open_draft(struct detector *d, double t)
{
	struct incident_node *n;

	if (allowed_until_later(d, d->scratch.identity))
		return;
	if (d->opening_ip && !iplimit_take(d->rate, d->opening_ip, t)) {
		char ip[4 * IDENT_IP_MAX];

		d->st.incidents_ratelimited++;
		text_escape(ip, sizeof(ip), d->opening_ip);
		if (log_ratelimited(&d->rl_rate, 60))
			log_warnx("detect: client %s opened %u incidents in %d s: no more from it "
				  "for now (counted)", ip, d->cfg.max_incidents_per_ip,
				  DETECT_IP_PERIOD);
		return;
	}
	d->scratch.score = incident_score(&d->scratch);
	if (incident_store_nopen(d->store) >= DETECT_MAX_OPEN)
		evict(d);
	n = incident_store_add(d->store, &d->scratch);
	if (!n) {
		d->st.incidents_dropped++;
		return;
	}
	for (unsigned i = 0; i < SIG_COUNT; i++)
		if (n->inc.signals[i].fired)
			d->st.fired[i]++;
	n->notified = t;
	if (d->cb.opened)
		d->cb.opened(&n->inc, d->cb.arg);
}

/* Merge what fired into an open incident; true when a signal is new. */
bool detect_merge(struct detector *d, struct incident_node *n,
		  const struct incident_signal *sig, double t)
{
	struct incident *inc = &n->inc;
	bool news = false;

	for (unsigned i = 0; i < SIG_COUNT; i++) {
		struct incident_signal *g = &inc->signals[i];

		if (!sig[i].fired)
			continue;
		if (!g->fired) {
			news = true;
			d->st.fired[i]++;
			*g = sig[i];
		} else if (g->threshold <= 0 ||
			   sig[i].value / sig[i].threshold > g->value / g->threshold) {
			*g = sig[i];
		}
	}
	inc->score = incident_score(inc);
	if (t > inc->updated || t < inc->updated - WIN_REWIND)
		inc->updated = t;
	n->dirty = true;
	return news;
}

void detect_notify(struct detector *d, struct incident_node *n, double t)
{
	n->dirty = false;
	n->notified = t;
	if (d->cb.updated)
		d->cb.updated(&n->inc, d->cb.arg);
}

void detect_evaluate(struct detector *d, struct ident *w, double t, const struct evidence *ev,
		     const struct incident_signal *brute)
{
	struct incident_signal sig[SIG_COUNT];
	struct incident_node *n = incident_store_open_identity(d->store, w->key);
	struct incident *inc;
	bool any;

	if (w->allowed && !n)
		return;
	memset(sig, 0, sizeof(sig));
	if (brute)
		sig[SIG_BRUTEFORCE] = *brute;
	any = detect_check(d, w, w->client ? NULL : history_get(d->hist, w->key, (uint32_t)w->win.head),
		    sig);
	if (n) {
		set_counts(&n->inc, w);
		incident_add_evidence(&n->inc, ev);
		if (detect_merge(d, n, sig, t))
			detect_notify(d, n, t);
		return;
	}
	if (!any)
		return;
	inc = detect_draft(d, w->key, t, sig);
	inc->first_seen = first_seen(w, sig, t);
	set_counts(inc, w);
	ident_evidence(w, inc);
	incident_add_evidence(inc, ev);
	detect_open_draft(d, t);
}

/* `updated` for incidents with new evidence, at most once a second each.
 * Ids first: a callback may resolve its incident. */
void detect_flush_updates(struct detector *d, double now)
{
	size_t k = 0;

	for (struct incident_node *n = incident_store_first(d->store); n && k < DETECT_MAX_OPEN;
	     n = incident_store_next(n))
		if (n->dirty && (now - n->notified >= 1 || now < n->notified))
			memcpy(d->pending[k++], n->inc.id, DETECT_ID_MAX);
	for (size_t i = 0; i < k; i++) {
		struct incident_node *n = incident_store_open_id(d->store, d->pending[i]);

		if (n && n->dirty)
			detect_notify(d, n, now);
	}
}

/* Resolve the incidents without an event for incident_expiry seconds,
 * acted ones too (a lock stays: expiry only closes the incident). */
void detect_expire_incidents(struct detector *d, double now)
{
	double quiet = d->cfg.incident_expiry;
	size_t k = 0;

	for (struct incident_node *n = incident_store_first(d->store); n && k < DETECT_MAX_OPEN;
	     n = incident_store_next(n))
		if (now - n->inc.updated >= quiet)
			memcpy(d->pending[k++], n->inc.id, DETECT_ID_MAX);
	for (size_t i = 0; i < k; i++) {
		struct incident_node *n = incident_store_open_id(d->store, d->pending[i]);

		if (!n)
			continue;
		d->st.incidents_expired++;
		closed(d, incident_store_resolve(d->store, n, END_EXPIRED));
	}
}

void detect_expire_allowances(struct detector *d)
{
	size_t k = 0;

	for (size_t i = 0; i < d->nallowances; i++)
		if (d->allowances[i].until > d->now)
			d->allowances[k++] = d->allowances[i];
	d->nallowances = k;
}

const struct incident *detect_find(const struct detector *d, const char *id)
{
	return id ? incident_store_find(d->store, id) : NULL;
}

const struct incident *detect_open_for(const struct detector *d, const char *identity)
{
	char key[MSG_IDENTITY_MAX];
	const struct incident_node *n;

	utf8_sanitize(key, sizeof(key), identity ? identity : "");
	n = incident_store_open_identity(d->store, key);
	return n ? &n->inc : NULL;
}

size_t detect_incidents(const struct detector *d, const struct incident **out, size_t cap)
{
	return incident_store_list(d->store, out, cap);
}

void detect_set_state(struct detector *d, const char *id, enum incident_state s)
{
	struct incident_node *n = id ? incident_store_open_id(d->store, id) : NULL;

	if (!n || (unsigned)s > INCIDENT_RESOLVED)
		return;
	if (d->started && d->now > n->inc.updated)
		n->inc.updated = d->now;
	if (s == INCIDENT_RESOLVED)
		incident_store_resolve(d->store, n, END_RESOLVED);
	else
		n->inc.state = s;
}

int detect_resolve(struct detector *d, const char *id, enum incident_end how)
{
	struct incident_node *n = id ? incident_store_open_id(d->store, id) : NULL;

	if (!n || how == END_NONE || (unsigned)how >= END_COUNT)
		return -1;
	if (d->started && d->now > n->inc.updated)
		n->inc.updated = d->now;
	incident_store_resolve(d->store, n, how);
	return 0;
}

int detect_allow(struct detector *d, const char *identity, double until)
{
	char key[MSG_IDENTITY_MAX];
	size_t i;

	utf8_sanitize(key, sizeof(key), identity ? identity : "");
	if (!key[0] || !isfinite(until))
		return -1;
	for (i = 0; i < d->nallowances; i++)
		if (strcmp(d->allowances[i].identity, key) == 0)
			break;
	if (i == d->nallowances) {
		if (d->nallowances >= DETECT_MAX_ALLOWED)
			return -1;
		d->nallowances++;
		memcpy(d->allowances[i].identity, key, sizeof(key));
	}
	d->allowances[i].until = until;
	return 0;
}

size_t detect_allowances(const struct detector *d, struct detect_allowance *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < d->nallowances && k < cap; i++)
		if (d->allowances[i].until > d->now)
			out[k++] = d->allowances[i];
	return k;
}

int detect_restore(struct detector *d, const char *json)
{
	struct incident *inc = &d->scratch;
	struct incident_node *n;

	if (!json || incident_parse(json, inc) < 0)
		return -1;
	if (inc->state == INCIDENT_RESOLVED)
		return incident_store_add_resolved(d->store, inc) ? 0 : -1;
	if (incident_store_nopen(d->store) >= DETECT_MAX_OPEN)
		d->st.incidents_dropped++;
	n = incident_store_add(d->store, inc);
	if (!n)
		return -1;
	n->notified = inc->updated;
	return 0;
}
