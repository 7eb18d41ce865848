// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * incident.c - open incidents by id and identity, the ring of resolved
 * ones, ids, and the incident as one JSON object (jansson).
 *
 * Every string of an incident is made valid UTF-8 when it is copied in
 * and again when it is written out, so that jansson never refuses one
 * (it would drop the whole object): the log lines and the login name are
 * the attacker's text.  jansson escapes quotes and control characters.
 * Non-finite numbers are written as 0 (JSON has no NaN).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "incident.h"
#include "log.h"
#include "text.h"

struct incident_store {
	struct incident_node *by_id, *by_identity;
	size_t nopen;
	struct incident *resolved;	/* ring of DETECT_RESOLVED_MAX */
	size_t nresolved, next;		/* next: slot of the next one in */
	unsigned seq;
};

static const char *const signal_names[SIG_COUNT] = {
	[SIG_RATE] = "rate",
	[SIG_RECIPIENTS] = "recipients",
	[SIG_SPIKE] = "spike",
	[SIG_FOREIGN] = "foreign",
	[SIG_FANOUT] = "fanout",
	[SIG_BOUNCES] = "bounces",
	[SIG_BRUTEFORCE] = "bruteforce",
	[SIG_FLOW_SPIKE] = "flow_spike",
	[SIG_NEW_DOMAINS] = "new_domains",
	[SIG_VOLUME] = "volume",
};

static const char *const state_names[] = {
	[INCIDENT_OPEN] = "open",
	[INCIDENT_ACTED] = "acted",
	[INCIDENT_OBSERVED] = "observed",
	[INCIDENT_RESOLVED] = "resolved",
};

static const char *const end_names[END_COUNT] = {
	[END_NONE] = "none",
	[END_RESOLVED] = "resolved",
	[END_DISMISSED] = "dismissed",
	[END_UNLOCKED] = "unlocked",
	[END_EXPIRED] = "expired",
	[END_EVICTED] = "evicted",
};

const char *detect_signal_name(enum detect_signal s)
{
	return (unsigned)s < SIG_COUNT ? signal_names[s] : "unknown";
}

const char *incident_state_name(enum incident_state s)
{
	return (unsigned)s <= INCIDENT_RESOLVED ? state_names[s] : "unknown";
}

const char *incident_end_name(enum incident_end e)
{
	return (unsigned)e < END_COUNT ? end_names[e] : "unknown";
}

struct incident_store *incident_store_new(void)
{
	struct incident_store *s = xcalloc(1, sizeof(*s));

	s->resolved = xcalloc(DETECT_RESOLVED_MAX, sizeof(*s->resolved));
	return s;
}

void incident_store_free(struct incident_store *s)
{
	struct incident_node *n, *next;

	if (!s)
		return;
	n = s->by_id;
	/* the tables; the items keep their links */
	HASH_CLEAR(hh_identity, s->by_identity);
	HASH_CLEAR(hh_id, s->by_id);
	for (; n; n = next) {
		next = n->hh_id.next;
		free(n);
	}
	free(s->resolved);
	free(s);
}

struct incident_node *incident_store_open_id(const struct incident_store *s, const char *id)
{
	struct incident_node *n;

	HASH_FIND(hh_id, s->by_id, id, strlen(id), n);
	return n;
}

struct incident_node *incident_store_open_identity(const struct incident_store *s,
						   const char *identity)
{
	struct incident_node *n;

	HASH_FIND(hh_identity, s->by_identity, identity, strlen(identity), n);
	return n;
}

const struct incident *incident_store_find(const struct incident_store *s, const char *id)
{
	const struct incident_node *n = incident_store_open_id(s, id);

	if (n)
		return &n->inc;
	for (size_t i = 0; i < s->nresolved; i++)
		if (strcmp(s->resolved[i].id, id) == 0)
			return &s->resolved[i];
	return NULL;
}

size_t incident_store_nopen(const struct incident_store *s)
{
	return s->nopen;
}

struct incident_node *incident_store_first(const struct incident_store *s)
{
	return s->by_id;
}

struct incident_node *incident_store_next(const struct incident_node *n)
{
	return n->hh_id.next;
}

struct incident_node *incident_store_add(struct incident_store *s, const struct incident *inc)
{
	struct incident_node *n;

	if (s->nopen >= DETECT_MAX_OPEN || !inc->id[0] || !inc->identity[0] ||
	    incident_store_find(s, inc->id) || incident_store_open_identity(s, inc->identity))
		return NULL;
	n = xcalloc(1, sizeof(*n));
	n->inc = *inc;
	HASH_ADD_KEYPTR(hh_id, s->by_id, n->inc.id, strlen(n->inc.id), n);
	HASH_ADD_KEYPTR(hh_identity, s->by_identity, n->inc.identity,
			strlen(n->inc.identity), n);
	s->nopen++;
	return n;
}

static struct incident *push_resolved(struct incident_store *s, const struct incident *inc)
{
	struct incident *slot = &s->resolved[s->next];

	*slot = *inc;
	slot->state = INCIDENT_RESOLVED;
	if (slot->end == END_NONE || (unsigned)slot->end >= END_COUNT)
		slot->end = END_RESOLVED;
	s->next = (s->next + 1) % DETECT_RESOLVED_MAX;
	if (s->nresolved < DETECT_RESOLVED_MAX)
		s->nresolved++;
	return slot;
}

const struct incident *incident_store_resolve(struct incident_store *s, struct incident_node *n,
					      enum incident_end how)
{
	const struct incident *done;

	HASH_DELETE(hh_id, s->by_id, n);
	HASH_DELETE(hh_identity, s->by_identity, n);
	s->nopen--;
	n->inc.end = how;
	done = push_resolved(s, &n->inc);
	free(n);
	return done;
}

struct incident_node *incident_store_victim(const struct incident_store *s)
{
	for (struct incident_node *n = s->by_id; n; n = n->hh_id.next)
		if (n->inc.state != INCIDENT_ACTED)
			return n;
	return s->by_id;
}

bool incident_store_add_resolved(struct incident_store *s, const struct incident *inc)
{
	if (!inc->id[0] || incident_store_find(s, inc->id))
		return false;
	push_resolved(s, inc);
	return true;
}

size_t incident_store_list(const struct incident_store *s, const struct incident **out,
			   size_t cap)
{
	size_t k = 0;

	for (const struct incident_node *n = s->by_id; n && k < cap; n = n->hh_id.next)
		out[k++] = &n->inc;
	for (size_t i = 0; i < s->nresolved && k < cap; i++) {
		size_t slot = (s->next + DETECT_RESOLVED_MAX - 1 - i) % DETECT_RESOLVED_MAX;

		out[k++] = &s->resolved[slot];
	}
	return k;
}

void incident_store_new_id(struct incident_store *s, char *id)
{
	struct timespec ts;
	struct tm tm;
	char stamp[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)ts.tv_sec);
	/* a restart within the second may have restored the same stamp */
	for (unsigned tries = 0; tries < 10000; tries++) {
		s->seq = (s->seq + 1) % 10000;
		snprintf(id, DETECT_ID_MAX, "%s-%04u", stamp, s->seq);
		if (!incident_store_find(s, id))
			return;
	}
}

/* s, cut to len bytes, equals the stored entry e */
static bool same_entry(const char *e, const char *s, size_t len)
{
	return memcmp(e, s, len) == 0 && e[len] == '\0';
}

void recent_front(char *base, size_t stride, size_t *n, const char *s)
{
	size_t i, len = strlen(s);

	if (len >= stride)
		len = stride - 1;
	if (*n && same_entry(base, s, len))
		return;		/* already first: the common case */
	for (i = 1; i < *n; i++)
		if (same_entry(base + i * stride, s, len))
			break;
	if (i >= *n) {
		if (*n < DETECT_SAMPLES)
			(*n)++;
		i = *n - 1;
	}
	memmove(base + stride, base, i * stride);
	memcpy(base, s, len);
	base[len] = '\0';
}

void incident_add_evidence(struct incident *inc, const struct evidence *ev)
{
	if (!ev)
		return;
	if (ev->qid && ev->qid[0] && inc->nqids < DETECT_SAMPLES) {
		size_t i;

		for (i = 0; i < inc->nqids; i++)
			if (strcmp(inc->qids[i], ev->qid) == 0)
				break;
		if (i == inc->nqids)
			utf8_sanitize(inc->qids[inc->nqids++], sizeof(inc->qids[0]), ev->qid);
	}
	if (ev->line && inc->nlines < DETECT_SAMPLES) {
		size_t len = ev->line_len;

		while (len && (ev->line[len - 1] == '\n' || ev->line[len - 1] == '\r'))
			len--;
		utf8_sanitize_len(inc->lines[inc->nlines++], sizeof(inc->lines[0]),
				  ev->line, len);
	}
	if (ev->ip && ev->ip[0]) {
		char clean[sizeof(inc->client_ips[0])];

		utf8_sanitize(clean, sizeof(clean), ev->ip);
		recent_front(inc->client_ips[0], sizeof(inc->client_ips[0]), &inc->nclient_ips,
			     clean);
	}
}

double incident_score(const struct incident *inc)
{
	double score = 0;

	for (unsigned i = 0; i < SIG_COUNT; i++)
		if (inc->signals[i].fired && inc->signals[i].threshold > 0)
			score += inc->signals[i].value / inc->signals[i].threshold;
	return score;
}

/* JSON out.  Each helper returns a new reference or NULL; json_object_set_new
 * and json_array_append_new take NULL as an error, which we accumulate. */

static json_t *jstr(const char *s)
{
	char buf[3 * DETECT_SAMPLE_LINE_MAX + 1];

	utf8_sanitize(buf, sizeof(buf), s);
	return json_string(buf);
}

static json_t *jreal(double v)
{
	return json_real(isfinite(v) ? v : 0.0);
}

static json_t *juint(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *jstrings(const char *base, size_t stride, size_t n, int *err)
{
	json_t *a = json_array();

	if (!a) {
		*err = -1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		*err |= json_array_append_new(a, jstr(base + i * stride));
	return a;
}

static json_t *jsignals(const struct incident *inc, int *err)
{
	json_t *o = json_object();

	if (!o) {
		*err = -1;
		return NULL;
	}
	for (unsigned i = 0; i < SIG_COUNT; i++) {
		const struct incident_signal *g = &inc->signals[i];
		json_t *v;

		if (!g->fired)
			continue;
		v = json_object();
		if (v) {
			*err |= json_object_set_new(v, "value", jreal(g->value));
			*err |= json_object_set_new(v, "threshold", jreal(g->threshold));
			*err |= json_object_set_new(v, "span", json_integer(g->span));
		}
		*err |= json_object_set_new(o, signal_names[i], v);
	}
	return o;
}

static json_t *jshares(const struct incident *inc, int *err)
{
	json_t *a = json_array();

	if (!a) {
		*err = -1;
		return NULL;
	}
	for (size_t i = 0; i < inc->nshares && i < DETECT_SAMPLES; i++) {
		json_t *v = json_object();

		if (v) {
			*err |= json_object_set_new(v, "identity", jstr(inc->shares[i].identity));
			*err |= json_object_set_new(v, "flows", juint(inc->shares[i].flows));
			*err |= json_object_set_new(v, "share", jreal(inc->shares[i].share));
		}
		*err |= json_array_append_new(a, v);
	}
	return a;
}

static size_t bounded(size_t n)
{
	return n < DETECT_SAMPLES ? n : DETECT_SAMPLES;
}

char *incident_json(const struct incident *inc)
{
	return incident_json_with(inc, NULL, NULL);
}

char *incident_json_with(const struct incident *inc, const char *key, json_t *value)
{
	json_t *o = json_object();
	char *out = NULL;
	int err = 0;

	if (!o) {
		json_decref(value);
		return NULL;
	}
	err |= json_object_set_new(o, "id", jstr(inc->id));
	err |= json_object_set_new(o, "identity", jstr(inc->identity));
	err |= json_object_set_new(o, "state", json_string(incident_state_name(inc->state)));
	if (inc->state == INCIDENT_RESOLVED && inc->end != END_NONE)
		err |= json_object_set_new(o, "resolution",
					   json_string(incident_end_name(inc->end)));
	err |= json_object_set_new(o, "score", jreal(inc->score));
	err |= json_object_set_new(o, "first_seen", jreal(inc->first_seen));
	err |= json_object_set_new(o, "opened", jreal(inc->opened));
	err |= json_object_set_new(o, "updated", jreal(inc->updated));
	err |= json_object_set_new(o, "signals", jsignals(inc, &err));
	err |= json_object_set_new(o, "messages", juint(inc->messages));
	err |= json_object_set_new(o, "recipients", juint(inc->recipients));
	err |= json_object_set_new(o, "foreign", juint(inc->foreign));
	err |= json_object_set_new(o, "rcpt_domains", juint(inc->rcpt_domains));
	err |= json_object_set_new(o, "client_ips",
				   jstrings(inc->client_ips[0], sizeof(inc->client_ips[0]),
					    bounded(inc->nclient_ips), &err));
	err |= json_object_set_new(o, "qids",
				   jstrings(inc->qids[0], sizeof(inc->qids[0]),
					    bounded(inc->nqids), &err));
	err |= json_object_set_new(o, "lines",
				   jstrings(inc->lines[0], sizeof(inc->lines[0]),
					    bounded(inc->nlines), &err));
	if (inc->nshares)
		err |= json_object_set_new(o, "shares", jshares(inc, &err));
	if (key && value)
		err |= json_object_set_new(o, key, value);
	else
		json_decref(value);
	if (!err)
		out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}

/* JSON in. */

static int get_string(const json_t *o, const char *key, char *dst, size_t cap, bool required)
{
	const json_t *v = json_object_get(o, key);

	if (!v)
		return required ? -1 : 0;
	if (!json_is_string(v))
		return -1;
	utf8_sanitize(dst, cap, json_string_value(v));
	return required && !dst[0] ? -1 : 0;
}

static double get_number(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	double x = json_is_number(v) ? json_number_value(v) : 0.0;

	return isfinite(x) ? x : 0.0;
}

static uint64_t get_count(const json_t *o, const char *key)
{
	double x = get_number(o, key);

	return x > 0 ? (x < 1.8e19 ? (uint64_t)x : UINT64_MAX) : 0;
}

static size_t get_strings(const json_t *o, const char *key, char *base, size_t stride)
{
	const json_t *a = json_object_get(o, key), *v;
	size_t i, n = 0;

	if (!json_is_array(a))
		return 0;
	json_array_foreach(a, i, v) {
		if (n >= DETECT_SAMPLES)
			break;
		if (json_is_string(v))
			utf8_sanitize(base + n++ * stride, stride, json_string_value(v));
	}
	return n;
}

static void get_signals(const json_t *o, struct incident *inc)
{
	const json_t *sigs = json_object_get(o, "signals");

	if (!json_is_object(sigs))
		return;
	for (unsigned i = 0; i < SIG_COUNT; i++) {
		const json_t *v = json_object_get(sigs, signal_names[i]);
		double span;

		if (!json_is_object(v))
			continue;
		inc->signals[i].fired = true;
		inc->signals[i].value = get_number(v, "value");
		inc->signals[i].threshold = get_number(v, "threshold");
		span = get_number(v, "span");
		inc->signals[i].span = span > 0 && span < 1e9 ? (unsigned)span : 0;
	}
}

static void get_shares(const json_t *o, struct incident *inc)
{
	const json_t *a = json_object_get(o, "shares"), *v;
	size_t i;

	if (!json_is_array(a))
		return;
	json_array_foreach(a, i, v) {
		struct incident_share *sh;

		if (inc->nshares >= DETECT_SAMPLES)
			break;
		if (!json_is_object(v))
			continue;
		sh = &inc->shares[inc->nshares];
		if (get_string(v, "identity", sh->identity, sizeof(sh->identity), true) < 0)
			continue;
		sh->flows = get_count(v, "flows");
		sh->share = get_number(v, "share");
		inc->nshares++;
	}
}

int incident_parse(const char *json, struct incident *out)
{
	json_t *o = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	char state[16], end[16] = "";
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o))
		goto out;
	if (get_string(o, "id", out->id, sizeof(out->id), true) < 0 ||
	    get_string(o, "identity", out->identity, sizeof(out->identity), true) < 0 ||
	    get_string(o, "state", state, sizeof(state), true) < 0)
		goto out;
	if (strcmp(state, "open") == 0)
		out->state = INCIDENT_OPEN;
	else if (strcmp(state, "acted") == 0)
		out->state = INCIDENT_ACTED;
	else if (strcmp(state, "observed") == 0)
		out->state = INCIDENT_OBSERVED;
	else if (strcmp(state, "resolved") == 0)
		out->state = INCIDENT_RESOLVED;
	else
		goto out;
	if (out->state == INCIDENT_RESOLVED) {
		out->end = END_RESOLVED;	/* written before resolutions were */
		if (get_string(o, "resolution", end, sizeof(end), false) < 0)
			goto out;
		for (unsigned i = END_RESOLVED; i < END_COUNT; i++)
			if (strcmp(end, end_names[i]) == 0)
				out->end = (enum incident_end)i;
	}
	get_signals(o, out);
	out->score = get_number(o, "score");
	out->first_seen = get_number(o, "first_seen");
	out->opened = get_number(o, "opened");
	out->updated = get_number(o, "updated");
	out->messages = get_count(o, "messages");
	out->recipients = get_count(o, "recipients");
	out->foreign = get_count(o, "foreign");
	out->rcpt_domains = get_count(o, "rcpt_domains");
	out->nclient_ips = get_strings(o, "client_ips", out->client_ips[0],
				       sizeof(out->client_ips[0]));
	out->nqids = get_strings(o, "qids", out->qids[0], sizeof(out->qids[0]));
	out->nlines = get_strings(o, "lines", out->lines[0], sizeof(out->lines[0]));
	get_shares(o, out);
	rc = 0;
out:
	json_decref(o);
	return rc;
}
