// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * detect.c - per-identity windows, signals and incidents (see detect.h).
 *
 * This file is the signals and the events; what fired becomes an
 * incident in detect_incidents.c; the per-identity state and its table
 * are ident.c, the rings window.c, what is kept of each
 * identity for weeks (domains, volume) history.c, the learned sender
 * domains domains.c, failed logins failures.c, incidents and their JSON
 * incident.c.  Each event costs one hash lookup
 * for the identity, the sums of at most 60 one-second and 60 ten-second
 * buckets, and one lookup for its open incident; FLOW_SPIKE, only while
 * the global flows are over the limit, walks every identity once a tick.
 *
 * Log times are clamped to [0, 4e9] (seconds then fit in 32 bits); the
 * detector's clock is the latest log time, except that a step back of more
 * than WIN_REWIND seconds is believed (see window.h).
 */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect.h"
#include "detect_int.h"
#include "domains.h"
#include "failures.h"
#include "history.h"
#include "ident.h"
#include "incident.h"
#include "iplimit.h"
#include "log.h"
#include "text.h"
#include "window.h"

void detect_config_defaults(struct detect_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_messages_per_minute = 60;
	cfg->max_recipients_per_minute = 300;
	cfg->spike_factor = 10;
	cfg->spike_floor = 6;
	cfg->spike_min = 20;
	cfg->spike_learn = 10;
	cfg->foreign_ratio = 0.8;
	cfg->foreign_min = 5;
	cfg->max_client_ips = 5;
	cfg->bounce_ratio = 0.5;
	cfg->bounce_min = 20;
	cfg->bruteforce_failures = 5;
	cfg->max_flows_per_minute = 3000;
	cfg->max_new_domains = 20;
	cfg->volume_factor = 4;
	cfg->volume_floor = 10;
	cfg->volume_learn = 60;
	cfg->max_identities = 10000;
	cfg->incident_expiry = 3600;
	cfg->max_incidents_per_ip = 10;
	cfg->max_histories = 20000;
	cfg->domains = DETECT_DOMAINS_LIST;
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void save_history(struct detector *d)
{
	if (!d->cfg.state_dir[0] || !d->hist_dirty)
		return;
	if (history_save(d->hist, d->learned, d->cfg.state_dir) == 0)
		d->hist_dirty = false;
	d->hist_saved = monotonic();
}

/* cfg, with what 0 means filled in and the lists bounded. */
static void settle(struct detect_config *c, const struct detect_config *cfg)
{
	struct detect_config defaults;

	*c = *cfg;
	detect_config_defaults(&defaults);
	if (!c->spike_min)
		c->spike_min = defaults.spike_min;
	if (!c->spike_learn)
		c->spike_learn = defaults.spike_learn;
	if (!c->incident_expiry)		/* a bound, never off */
		c->incident_expiry = defaults.incident_expiry;
	if (c->nallow > DETECT_MAX_ALLOW)
		c->nallow = DETECT_MAX_ALLOW;
	if (c->noverrides > DETECT_MAX_OVERRIDES)
		c->noverrides = DETECT_MAX_OVERRIDES;
	for (size_t i = 0; i < c->nallow; i++)
		c->allow[i][DETECT_PATTERN_MAX - 1] = '\0';
	for (size_t i = 0; i < c->noverrides; i++)
		c->overrides[i].identity[MSG_IDENTITY_MAX - 1] = '\0';
}

struct detector *detect_new(const struct detect_config *cfg, const struct detect_callbacks *cb)
{
	struct detector *d = xcalloc(1, sizeof(*d));

	settle(&d->cfg, cfg);
	if (cb)
		d->cb = *cb;
	d->cfg.state_dir[sizeof(d->cfg.state_dir) - 1] = '\0';
	d->idents = ident_table_new(d->cfg.max_identities);
	d->hist = history_new(d->cfg.max_histories);
	d->learned = domains_new();
	if (d->cfg.state_dir[0])
		history_load(d->hist, d->learned, d->cfg.state_dir);
	d->hist_saved = monotonic();
	d->failures = failures_new();
	d->store = incident_store_new();
	d->pending = xcalloc(DETECT_MAX_OPEN, sizeof(*d->pending));
	d->rate = iplimit_new(DETECT_MAX_RATE_IPS, d->cfg.max_incidents_per_ip, DETECT_IP_PERIOD);
	d->allowances = xcalloc(DETECT_MAX_ALLOWED, sizeof(*d->allowances));
	window_init(&d->flows);
	window_init(&d->unclaimed);
	window_init(&d->claimed);
	return d;
}

void detect_free(struct detector *d)
{
	if (!d)
		return;
	save_history(d);
	ident_table_free(d->idents);
	history_free(d->hist);
	domains_free(d->learned);
	failures_free(d->failures);
	incident_store_free(d->store);
	iplimit_free(d->rate);
	free(d->allowances);
	free(d->pending);
	free(d);
}

bool detect_allowed(const struct detector *d, const char *identity)
{
	for (size_t i = 0; i < d->cfg.nallow; i++)
		if (d->cfg.allow[i][0] && fnmatch(d->cfg.allow[i], identity, 0) == 0)
			return true;
	return false;
}

/* The log time to use for an event at t, and the detector's clock. */
static double log_time(struct detector *d, double t)
{
	if (!isfinite(t))
		t = d->now;
	t = t < 0 ? 0 : t > TIME_MAX ? TIME_MAX : t;
	if (!d->started || t > d->now || t < d->now - WIN_REWIND)
		d->now = t;
	d->started = true;
	return t;
}

/* t is a clamped log time, >= 0: truncation is floor (no libm) */
static int64_t seconds(double t)
{
	return (int64_t)t;
}

static uint32_t micros(double t)
{
	double us = (t - (double)seconds(t)) * 1e6;

	return us < 0 ? 0 : us > 999999 ? 999999 : (uint32_t)us;
}

static void set_limits(const struct detector *d, struct ident *w)
{
	const struct detect_config *c = &d->cfg;

	w->limit = c->max_messages_per_minute;
	w->rcpt_limit = c->max_recipients_per_minute;
	for (size_t i = 0; i < c->noverrides; i++) {
		const struct detect_override *o = &c->overrides[i];
		uint64_t scaled;

		if (strcmp(o->identity, w->key) != 0)
			continue;
		w->overridden = true;
		w->limit = o->messages_per_minute;
		if (o->recipients_per_minute) {
			w->rcpt_limit = o->recipients_per_minute;
		} else if (c->max_messages_per_minute) {
			scaled = (uint64_t)o->messages_per_minute * c->max_recipients_per_minute /
				 c->max_messages_per_minute;
			w->rcpt_limit = scaled > UINT32_MAX ? UINT32_MAX : (unsigned)scaled;
		}
		return;
	}
}

void detect_reconfigure(struct detector *d, const struct detect_config *cfg)
{
	struct detect_config was = d->cfg;

	settle(&d->cfg, cfg);
	/* the tables' sizes, the buckets' burst, where the histories are kept
	 * and how sender domains are judged were fixed by detect_new() */
	d->cfg.max_identities = was.max_identities;
	d->cfg.max_incidents_per_ip = was.max_incidents_per_ip;
	d->cfg.max_histories = was.max_histories;
	d->cfg.domains = was.domains;
	memcpy(d->cfg.state_dir, was.state_dir, sizeof(d->cfg.state_dir));
	/* what each identity took from the config when it was first seen */
	for (struct ident *w = ident_oldest(d->idents); w; w = w->lru_next) {
		w->allowed = detect_allowed(d, w->key);
		w->overridden = false;
		set_limits(d, w);
	}
}

/* The entry of identity, moved to sec; NULL for an empty identity. */
static struct ident *touch(struct detector *d, const char *identity, int64_t sec)
{
	char key[MSG_IDENTITY_MAX];
	struct ident *w;
	bool created;

	utf8_sanitize(key, sizeof(key), identity ? identity : "");
	if (!key[0])
		return NULL;
	w = ident_get(d->idents, key, d->cfg.spike_floor, &created);
	if (created) {
		w->allowed = detect_allowed(d, w->key);
		w->client = strncmp(w->key, "client:", 7) == 0;
		set_limits(d, w);
	}
	ident_advance(w, sec, incident_store_open_identity(d->store, w->key) != NULL);
	return w;
}

static void note_ip(struct detector *d, struct ident *w, const char *ip, int64_t sec)
{
	char clean[IDENT_IP_MAX];

	utf8_sanitize(clean, sizeof(clean), ip);
	if (clean[0] && ident_note_ip(w, clean, sec))
		d->st.distinct_full++;
}

static void detect_fire(struct incident_signal *sig, double value, double threshold,
			unsigned span)
{
	/* of two ways to fire, keep the one furthest over its threshold */
	if (sig->fired && value / threshold <= sig->value / sig->threshold)
		return;
	sig->fired = true;
	sig->value = value;
	sig->threshold = threshold;
	sig->span = span;
}

static bool over_limit(const struct ident *w, const struct win_totals *t10,
		       const struct win_totals *t60)
{
	return w->limit && (t60->c[WC_MESSAGES] > w->limit ||
			    t10->c[WC_MESSAGES] > w->limit / 2.0);
}

/* VOLUME: the 10 min span against the identity's usual busiest 10 min. */
static void check_volume(const struct detector *d, const struct ident *w,
			 const struct history *h, uint32_t m600, struct incident_signal *sig)
{
	const struct detect_config *c = &d->cfg;
	uint32_t since = history_since(d->hist), now = (uint32_t)w->win.head;
	double base, threshold;

	if (c->volume_factor <= 0 || w->overridden || w->client || !h || !since ||
	    now < since || now - since < (uint64_t)c->volume_learn * 60)
		return;
	base = history_peak(h, now);
	if (base < c->volume_floor)
		base = c->volume_floor;
	threshold = c->volume_factor * (base > 0 ? base : 1);
	if (m600 > threshold)
		detect_fire(sig, m600, threshold, WIN_SPAN_MAX);
}

/* The signals of w at its latest second; true when one fired. */
bool detect_check(const struct detector *d, const struct ident *w, const struct history *h,
		  struct incident_signal sig[SIG_COUNT])
{
	const struct detect_config *c = &d->cfg;
	int64_t now = w->win.head;
	struct win_totals t10, t60, t600;
	uint32_t m10, m60;
	bool any = false;

	window_sum(&w->win, now, 10, &t10);
	window_sum(&w->win, now, 60, &t60);
	window_sum(&w->win, now, WIN_SPAN_MAX, &t600);
	m10 = t10.c[WC_MESSAGES];
	m60 = t60.c[WC_MESSAGES];
	if (w->limit && m60 > w->limit)
		detect_fire(&sig[SIG_RATE], m60, w->limit, 60);
	if (w->limit && m10 > w->limit / 2.0)
		detect_fire(&sig[SIG_RATE], m10, w->limit / 2.0, 10);
	if (w->rcpt_limit && t60.c[WC_RECIPIENTS] > w->rcpt_limit)
		detect_fire(&sig[SIG_RECIPIENTS], t60.c[WC_RECIPIENTS], w->rcpt_limit, 60);
	if (w->client)
		goto out;	/* the fixed caps only: see detect.h */
	if (c->max_new_domains && t600.c[WC_NEW_DOMAINS] > c->max_new_domains)
		detect_fire(&sig[SIG_NEW_DOMAINS], t600.c[WC_NEW_DOMAINS], c->max_new_domains,
		     WIN_SPAN_MAX);
	check_volume(d, w, h, t600.c[WC_MESSAGES], &sig[SIG_VOLUME]);
	if (!w->overridden && c->spike_factor > 0 && m10 >= c->spike_min &&
	    w->history >= (uint64_t)c->spike_learn * 60) {
		double base = w->baseline > c->spike_floor ? w->baseline : c->spike_floor;
		double threshold = c->spike_factor * (base > 0 ? base : 1);

		if (m10 * 6.0 > threshold)
			detect_fire(&sig[SIG_SPIKE], m10 * 6.0, threshold, 10);
	}
	if (c->foreign_ratio > 0 && m60 && m60 >= c->foreign_min &&
	    (double)t60.c[WC_FOREIGN] / m60 >= c->foreign_ratio)
		detect_fire(&sig[SIG_FOREIGN], (double)t60.c[WC_FOREIGN] / m60, c->foreign_ratio, 60);
	if (c->max_client_ips && strncmp(w->key, "sasl:", 5) == 0) {
		unsigned ips = distinct_count(&w->ips, (uint32_t)now, WIN_SPAN_MAX);

		if (ips > c->max_client_ips)
			detect_fire(&sig[SIG_FANOUT], ips, c->max_client_ips, WIN_SPAN_MAX);
	}
	if (c->bounce_ratio > 0) {
		uint32_t bad = t600.c[WC_DEFERRED] + t600.c[WC_BOUNCED];
		uint32_t all = bad + t600.c[WC_SENT];

		if (all && all >= c->bounce_min && (double)bad / all >= c->bounce_ratio)
			detect_fire(&sig[SIG_BOUNCES], (double)bad / all, c->bounce_ratio, WIN_SPAN_MAX);
	}
out:
	for (unsigned i = 0; i < SIG_COUNT; i++)
		any |= sig[i].fired;
	return any;
}

/* Inbound mail: a message of a client: identity (no SASL, no local uid)
 * whose envelope sender is not in one of our own domains (Postfix's or
 * listed: sender_local with an '@'; the null sender of a remote bounce is
 * inbound too).  It is other people's mail: no signal counts it. */
static bool inbound(const char *identity, const struct message *msg)
{
	return strncmp(identity, "client:", 7) == 0 &&
	       !(msg->has_sender && msg->sender_local && strchr(msg->sender, '@'));
}

/* Whether msg's sender is foreign to w (see "Sender domains" in detect.h);
 * before this message is learned. */
static bool sender_foreign(const struct detector *d, const struct ident *w,
			   const struct history *h, const struct message *msg, const char *dom,
			   uint32_t sec)
{
	if (w->client || !msg->has_sender || msg->sender_local)
		return false;
	switch (d->cfg.domains) {
	case DETECT_DOMAINS_LIST:
		return true;
	case DETECT_DOMAINS_AUTO:
		return history_sender_foreign(d->hist, d->learned, h, w->key, dom, sec,
					      WIN_SPAN_MAX);
	default:
		return false;
	}
}

/* Learn from a message: the volume, and an account's sender domains. */
static void learn_message(struct detector *d, const struct ident *w, struct history *h,
			  const char *dom, uint32_t sec)
{
	history_message(h, sec, incident_store_open_identity(d->store, w->key) != NULL);
	if (!w->client)
		history_learn_sender(d->hist, d->learned, h, w->key, dom, sec);
	d->hist_dirty = true;
}

void detect_message(struct detector *d, const struct detect_message *m)
{
	const struct message *msg = m ? m->msg : NULL;
	struct evidence ev = { 0 };
	char qid[IDENT_QID_MAX];
	struct ident *w;
	int64_t sec;
	double t;

	if (!msg)
		return;
	if (inbound(m->identity, msg))
		return;
	t = log_time(d, m->t);
	sec = seconds(t);
	w = touch(d, m->identity, sec);
	if (!w)
		return;
	window_add(&w->win, sec, micros(t), WC_MESSAGES, 1);
	if (msg->nrcpt > 0)
		window_add(&w->win, sec, 0, WC_RECIPIENTS,
			   msg->nrcpt > UINT16_MAX ? UINT16_MAX : (uint32_t)msg->nrcpt);
	{
		struct history *h = history_get(d->hist, w->key, (uint32_t)sec);
		char dom[DOMAINS_NAME_MAX] = "";

		if (msg->has_sender)
			domains_of_address(msg->sender, dom, sizeof(dom));
		if (!history_since(d->hist) || (uint32_t)sec < history_since(d->hist))
			history_set_since(d->hist, (uint32_t)sec);
		if (sender_foreign(d, w, h, msg, dom, (uint32_t)sec))
			window_add(&w->win, sec, 0, WC_FOREIGN, 1);
		learn_message(d, w, h, dom, (uint32_t)sec);
	}
	ident_count_message(w, sec);
	if (msg->client_ip[0])
		note_ip(d, w, msg->client_ip, sec);
	snprintf(qid, sizeof(qid), "%s/%s", msg->instance, msg->qid);
	ident_note_qid(w, qid);
	ev.qid = qid;
	ev.ip = msg->client_ip;
	ev.line = m->line;
	ev.line_len = m->line ? m->line_len : 0;
	detect_evaluate(d, w, t, &ev, NULL);
}

/* A delivery of w's message qid to dom: a domain new to w counts the
 * message once for NEW_DOMAINS. */
static void note_rcpt_domain(struct detector *d, struct ident *w, const char *qid,
			     const char *dom, int64_t sec)
{
	struct history *h = history_get(d->hist, w->key, (uint32_t)sec);
	uint32_t key = qid && qid[0] ? ident_hash(qid) : 0;

	if (!history_rcpt(h, history_hash(d->hist, dom), (uint32_t)sec))
		return;
	d->hist_dirty = true;
	if (key) {
		for (unsigned i = 0; i < IDENT_NEWDOM_RING; i++)
			if (w->newdom[i] == key)
				return;
		w->newdom[w->newdom_next] = key;
		w->newdom_next = (uint8_t)((w->newdom_next + 1) % IDENT_NEWDOM_RING);
	}
	window_add(&w->win, sec, 0, WC_NEW_DOMAINS, 1);
}

void detect_delivery(struct detector *d, const char *identity, const char *qid,
		     enum msg_status status, const char *rcpt_domain, double t)
{
	static const enum win_counter counter[MSG_NSTATUS] = {
		[MSG_SENT] = WC_SENT, [MSG_DEFERRED] = WC_DEFERRED,
		[MSG_BOUNCED] = WC_BOUNCED, [MSG_EXPIRED] = WC_BOUNCED,
	};
	struct ident *w;
	int64_t sec;

	if ((unsigned)status >= MSG_NSTATUS)
		return;
	t = log_time(d, t);
	sec = seconds(t);
	w = touch(d, identity, sec);
	if (!w)
		return;
	window_add(&w->win, sec, 0, counter[status], 1);
	if (rcpt_domain) {
		const char *at = strrchr(rcpt_domain, '@');
		char dom[POSTFIX_ADDR_MAX];

		utf8_sanitize(dom, sizeof(dom), at ? at + 1 : rcpt_domain);
		for (char *p = dom; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (dom[0] && distinct_add(&w->domains, ident_hash(dom), (uint32_t)sec))
			d->st.distinct_full++;
		if (dom[0] && !w->client)
			note_rcpt_domain(d, w, qid, dom, sec);
	}
	detect_evaluate(d, w, t, NULL, NULL);
}

void detect_notification(struct detector *d, const char *identity, enum msg_notify kind,
			 enum msg_status status, double t)
{
	struct ident *w;
	int64_t sec;

	/* the bounce it reports counted already: a notification that reaches
	 * its sender is no new failure, one that bounces or waits (a forged
	 * sender: backscatter) is */
	if ((kind != MSG_NOTIFY_FAILURE && kind != MSG_NOTIFY_DELAY) ||
	    (status != MSG_BOUNCED && status != MSG_DEFERRED))
		return;
	t = log_time(d, t);
	sec = seconds(t);
	w = touch(d, identity, sec);
	if (!w)
		return;
	window_add(&w->win, sec, 0, status == MSG_DEFERRED ? WC_DEFERRED : WC_BOUNCED, 1);
	detect_evaluate(d, w, t, NULL, NULL);
}

static uint32_t login_hash(const char *name)
{
	char clean[MSG_IDENTITY_MAX];

	utf8_sanitize(clean, sizeof(clean), name ? name : "");
	return clean[0] ? ident_hash(clean) : 0;
}

void detect_auth_failure(struct detector *d, const char *client_ip, const char *username,
			 double t)
{
	char ip[IDENT_IP_MAX];

	utf8_sanitize(ip, sizeof(ip), client_ip ? client_ip : "");
	if (!ip[0])
		return;
	t = log_time(d, t);
	failures_add(d->failures, ip, login_hash(username), (uint32_t)seconds(t));
}

void detect_login(struct detector *d, const char *identity, const char *client_ip, double t)
{
	struct incident_signal brute;
	struct evidence ev = { 0 };
	char ip[IDENT_IP_MAX];
	struct ident *w;
	int64_t sec;
	bool fired = false;

	t = log_time(d, t);
	sec = seconds(t);
	w = touch(d, identity, sec);
	if (!w)
		return;
	utf8_sanitize(ip, sizeof(ip), client_ip ? client_ip : "");
	if (ip[0]) {
		const char *user = strncmp(w->key, "sasl:", 5) == 0 ? w->key + 5 : w->key;

		unsigned need = d->cfg.bruteforce_failures, n;

		note_ip(d, w, ip, sec);
		need = need < DETECT_FAIL_RING ? need : DETECT_FAIL_RING;
		n = failures_check(d->failures, ip, login_hash(user), (uint32_t)sec, need,
				   WIN_SPAN_MAX);
		if (n) {
			memset(&brute, 0, sizeof(brute));
			detect_fire(&brute, n, need, WIN_SPAN_MAX);
			fired = true;
		}
		ev.ip = ip;
	}
	d->opening_ip = ip[0] ? ip : NULL;
	detect_evaluate(d, w, t, &ev, fired ? &brute : NULL);
	d->opening_ip = NULL;
}

void detect_flow(struct detector *d, const char *identity, double t)
{
	struct ident *w;
	int64_t sec;

	t = log_time(d, t);
	sec = seconds(t);
	window_add(&d->flows, sec, 0, WC_FLOWS, 1);
	if (!identity || !identity[0]) {
		window_add(&d->unclaimed, sec, 0, WC_FLOWS, 1);
		return;
	}
	w = touch(d, identity, sec);
	if (w)
		window_add(&w->win, sec, 0, WC_FLOWS, 1);
}

void detect_flow_claimed(struct detector *d, const char *identity, double t)
{
	struct ident *w;
	int64_t sec;

	if (!identity || !identity[0])
		return;
	t = log_time(d, t);
	sec = seconds(t);
	window_add(&d->claimed, sec, 0, WC_FLOWS, 1);
	w = touch(d, identity, sec);
	if (w)
		window_add(&w->win, sec, 0, WC_FLOWS, 1);
}

/* Keep the busiest DETECT_SAMPLES by flows, busiest first. */
static void add_share(struct incident_share *shares, size_t *n, const char *identity,
		      uint64_t flows)
{
	size_t i;

	if (!flows)
		return;
	for (i = *n; i > 0 && shares[i - 1].flows < flows; i--)
		;
	if (i >= DETECT_SAMPLES)
		return;
	if (*n < DETECT_SAMPLES)
		(*n)++;
	memmove(&shares[i + 1], &shares[i], (*n - 1 - i) * sizeof(shares[0]));
	utf8_sanitize(shares[i].identity, sizeof(shares[i].identity), identity);
	shares[i].flows = flows;
}

/* FLOW_SPIKE: many flows, and no identity over its limit to explain them. */
static void flow_spike(struct detector *d, double now, int64_t sec)
{
	uint32_t limit = d->cfg.max_flows_per_minute, all, explained = 0;
	struct incident_share shares[DETECT_SAMPLES];
	struct incident_signal sig[SIG_COUNT];
	struct incident_node *n;
	struct incident *inc;
	struct win_totals t10, t60;
	struct ident *w;
	size_t nshares = 0;

	if (!limit)
		return;
	window_sum(&d->flows, sec, 10, &t10);
	all = t10.c[WC_FLOWS];
	if (all * 6.0 <= limit || detect_allowed(d, GLOBAL_IDENTITY))
		return;
	for (w = ident_oldest(d->idents); w; w = w->lru_next) {
		window_sum(&w->win, sec, 10, &t10);
		if (w->allowed || w->overridden) {
			explained += t10.c[WC_FLOWS];
		} else {
			window_sum(&w->win, sec, 60, &t60);
			if (over_limit(w, &t10, &t60))
				return;		/* its own incident speaks for it */
		}
		add_share(shares, &nshares, w->key, t10.c[WC_FLOWS]);
	}
	{
		struct win_totals claimed;

		window_sum(&d->unclaimed, sec, 10, &t10);
		window_sum(&d->claimed, sec, 10, &claimed);
		add_share(shares, &nshares, UNATTRIBUTED,
			  t10.c[WC_FLOWS] > claimed.c[WC_FLOWS] ?
			  t10.c[WC_FLOWS] - claimed.c[WC_FLOWS] : 0);
	}
	for (size_t i = 0; i < nshares; i++)
		shares[i].share = (double)shares[i].flows / all;
	explained = explained < all ? explained : all;
	if ((all - explained) * 6.0 <= limit)
		return;
	memset(sig, 0, sizeof(sig));
	detect_fire(&sig[SIG_FLOW_SPIKE], (all - explained) * 6.0, limit, 10);
	n = incident_store_open_identity(d->store, GLOBAL_IDENTITY);
	inc = n ? &n->inc : detect_draft(d, GLOBAL_IDENTITY, now, sig);
	memcpy(inc->shares, shares, nshares * sizeof(shares[0]));
	inc->nshares = nshares;
	if (n) {
		if (detect_merge(d, n, sig, now))
			detect_notify(d, n, now);
		return;
	}
	inc->first_seen = window_first(&d->flows, sec, 10, WC_FLOWS);
	if (inc->first_seen < 0)
		inc->first_seen = now;
	detect_open_draft(d, now);
}

void detect_tick(struct detector *d, double now)
{
	struct ident *w;
	int64_t sec;

	now = log_time(d, now);
	sec = seconds(now);
	window_advance(&d->flows, sec);
	window_advance(&d->unclaimed, sec);
	window_advance(&d->claimed, sec);
	flow_spike(d, now, sec);
	detect_flush_updates(d, now);
	detect_expire_incidents(d, now);
	detect_expire_allowances(d);
	iplimit_expire(d->rate, now);
	while ((w = ident_oldest(d->idents)) && w->win.head + DETECT_IDLE < sec)
		ident_remove(d->idents, w);
	failures_expire(d->failures, sec);
	if (monotonic() - d->hist_saved >= DETECT_SAVE_INTERVAL)
		save_history(d);
}

double detect_now(const struct detector *d)
{
	return d->now;
}

static int by_rate(const void *a, const void *b)
{
	const struct detect_rate *x = a, *y = b;

	if (x->messages_60s != y->messages_60s)
		return x->messages_60s < y->messages_60s ? 1 : -1;
	if (x->messages_10s != y->messages_10s)
		return x->messages_10s < y->messages_10s ? 1 : -1;
	if (x->recipients_60s != y->recipients_60s)
		return x->recipients_60s < y->recipients_60s ? 1 : -1;
	return strcmp(x->identity, y->identity);
}

size_t detect_top(const struct detector *d, struct detect_rate *out, size_t cap)
{
	int64_t now = seconds(d->now);
	struct detect_rate *all;
	const struct ident *w;
	size_t n = 0;

	if (!cap || !ident_count(d->idents))
		return 0;
	all = xcalloc(ident_count(d->idents), sizeof(*all));
	for (w = ident_oldest(d->idents); w; w = w->lru_next) {
		struct win_totals t10, t60;
		struct detect_rate *r = &all[n];

		window_sum(&w->win, now, 10, &t10);
		window_sum(&w->win, now, 60, &t60);
		r->identity = w->key;
		r->messages_10s = t10.c[WC_MESSAGES];
		r->messages_60s = t60.c[WC_MESSAGES];
		r->recipients_60s = t60.c[WC_RECIPIENTS];
		r->deliveries_60s = t60.c[WC_SENT] + t60.c[WC_DEFERRED] + t60.c[WC_BOUNCED];
		r->flows_60s = t60.c[WC_FLOWS];
		if (r->messages_60s || r->recipients_60s || r->deliveries_60s || r->flows_60s)
			n++;
	}
	qsort(all, n, sizeof(*all), by_rate);
	if (n > cap)
		n = cap;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

void detect_stats(const struct detector *d, struct detect_stats *out)
{
	*out = d->st;
	out->identities = ident_count(d->idents);
	out->evictions = ident_evictions(d->idents);
	out->failures_evicted = failures_evictions(d->failures);
	out->open = incident_store_nopen(d->store);
	out->rate_ips = iplimit_count(d->rate);
	out->rate_ips_evicted = iplimit_evictions(d->rate);
	out->allowed = d->nallowances;
	{
		struct domains_stats ds;

		domains_stats(d->learned, &ds);
		out->histories = history_count(d->hist);
		out->history_evictions = history_evictions(d->hist);
		out->learned_domains = ds.learned;
		out->candidate_domains = ds.candidates;
		out->domain_evictions = ds.evictions;
	}
}
