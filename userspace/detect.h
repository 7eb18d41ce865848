/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * detect.h - per-identity windows, signals, incidents.
 *
 * The maillog engine and the correlator feed the detector what happened,
 * by log time: a message accepted from an identity (detect_message), a
 * delivery (detect_delivery), a SASL login (detect_login) and a failed one
 * (detect_auth_failure), a watched-port flow with the identity it was
 * attributed to, or none (detect_flow).  Each identity has a window of
 * per-second buckets read over three spans (10 s, 1 min, 10 min) and a
 * learned baseline (EWMA of its messages per minute, starting from a
 * floor).  After each event the identity's signals are evaluated; when
 * one fires and the identity has no open incident and is not allowlisted,
 * an incident opens and the `opened` callback runs.  Later signals of the
 * same identity are added to its open incident (`updated`).
 *
 * Signals (enum detect_signal) and the numbers behind them:
 *   RATE        messages in the last 60 s > the identity's limit
 *               (max_messages_per_minute, or its override); and the 10 s
 *               span over limit/2, so a burst is seen within a second
 *   RECIPIENTS  recipients (sum of nrcpt) in 60 s > max_recipients_per_minute
 *   SPIKE       messages in 10 s, scaled to a minute, > spike_factor x the
 *               baseline (the baseline never below spike_floor)
 *   FOREIGN     at least foreign_min messages in 60 s and a share >=
 *               foreign_ratio of them with a foreign sender domain
 *   FANOUT      distinct client IPs of a sasl: identity in 10 min > max_client_ips
 *   BOUNCES     at least bounce_min deliveries in 10 min and a share >=
 *               bounce_ratio of them bounced or deferred
 *   BRUTEFORCE  a login from a client IP that had >= bruteforce_failures
 *               failed logins in the 10 min before it
 *   FLOW_SPIKE  (global) watched-port flows of the last 10 s, scaled to a
 *               minute, > max_flows_per_minute while no identity is over
 *               its limit; the incident's identity is "flows:global" and
 *               its evidence names the identities by share of the flows
 *
 * Identities matching an allow_identities pattern (fnmatch(3), e.g.
 * "sasl:newsletter", "uid:*") never open an incident; overrides give one
 * identity (exact match) its own messages-per-minute limit.
 *
 * Bounds: at most max_identities windows (the least recently active is
 * evicted, counted), at most DETECT_MAX_OPEN open incidents (a new one
 * when full is counted and dropped, never silently), DETECT_SAMPLES sample
 * queue ids and lines per incident, DETECT_DISTINCT distinct values per
 * distinct-count set.  Every string is a bounded copy.
 */
#ifndef SENTINEL_DETECT_H
#define SENTINEL_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maillog/messages.h"

#define DETECT_MAX_OPEN 1024
#define DETECT_SAMPLES 8
#define DETECT_SAMPLE_LINE_MAX 512
#define DETECT_DISTINCT 64
#define DETECT_ID_MAX 40
#define DETECT_MAX_OVERRIDES 64
#define DETECT_MAX_ALLOW 64
#define DETECT_PATTERN_MAX 256

enum detect_signal {
	SIG_RATE,
	SIG_RECIPIENTS,
	SIG_SPIKE,
	SIG_FOREIGN,
	SIG_FANOUT,
	SIG_BOUNCES,
	SIG_BRUTEFORCE,
	SIG_FLOW_SPIKE,
	SIG_COUNT
};

struct detect_override {
	char identity[MSG_IDENTITY_MAX];
	unsigned messages_per_minute;
};

struct detect_config {
	unsigned max_messages_per_minute;	/* 60 */
	unsigned max_recipients_per_minute;	/* 300 */
	double spike_factor;			/* 10 */
	unsigned spike_floor;			/* 6 messages/minute */
	double foreign_ratio;			/* 0.8 */
	unsigned foreign_min;			/* 5 */
	unsigned max_client_ips;		/* 5 */
	double bounce_ratio;			/* 0.5 */
	unsigned bounce_min;			/* 20 */
	unsigned bruteforce_failures;		/* 5 */
	unsigned max_flows_per_minute;		/* 3000 */
	size_t max_identities;			/* 10000 */
	char allow[DETECT_MAX_ALLOW][DETECT_PATTERN_MAX];
	size_t nallow;
	struct detect_override overrides[DETECT_MAX_OVERRIDES];
	size_t noverrides;
};

enum incident_state { INCIDENT_OPEN, INCIDENT_ACTED, INCIDENT_RESOLVED };

struct incident_signal {
	bool fired;
	double value;		/* what was measured */
	double threshold;	/* what it was measured against */
	unsigned span;		/* seconds the value covers */
};

struct incident {
	char id[DETECT_ID_MAX];		/* "20261127T072501-0001": sortable, unique */
	char identity[MSG_IDENTITY_MAX];
	enum incident_state state;
	double score;			/* sum over fired signals of value/threshold */
	struct incident_signal signals[SIG_COUNT];
	/* log time (with microseconds) of the first message of the window
	 * that made it fire: the latency histogram starts here */
	double first_seen;
	double opened;			/* wall clock, CLOCK_REALTIME */
	double updated;
	uint64_t messages, recipients, foreign;	/* in the identity's 10 min span */
	char client_ips[DETECT_SAMPLES][64];	/* distinct, most recent first */
	size_t nclient_ips;
	/* sample queue ids (instance/qid) of the identity's recent messages */
	char qids[DETECT_SAMPLES][MSG_INSTANCE_MAX + POSTFIX_QID_MAX + 1];
	size_t nqids;
	char lines[DETECT_SAMPLES][DETECT_SAMPLE_LINE_MAX];
	size_t nlines;
};

/* What the maillog engine knows of one accepted message. */
struct detect_message {
	const char *identity;		/* not empty */
	const struct message *msg;	/* instance, qid, sender, nrcpt, client_ip */
	double t;			/* log time, seconds with fraction */
	const char *line;		/* the log line that accepted it, may be NULL */
	size_t line_len;
};

struct detect_callbacks {
	void (*opened)(const struct incident *inc, void *arg);
	void (*updated)(const struct incident *inc, void *arg);
	void *arg;
};

struct detect_stats {
	uint64_t identities;		/* gauge: windows kept */
	uint64_t evictions;		/* windows dropped: table full */
	uint64_t incidents_dropped;	/* open-incident table full */
	uint64_t open;			/* gauge */
	uint64_t fired[SIG_COUNT];	/* incidents opened or updated per signal */
};

struct detector;

struct detector *detect_new(const struct detect_config *cfg, const struct detect_callbacks *cb);
void detect_free(struct detector *d);

void detect_message(struct detector *d, const struct detect_message *m);
void detect_delivery(struct detector *d, const char *identity, enum msg_status status,
		     double t);
void detect_login(struct detector *d, const char *identity, const char *client_ip, double t);
void detect_auth_failure(struct detector *d, const char *client_ip, const char *username,
			 double t);
/* identity NULL or "": a flow no delivery has claimed (yet). */
void detect_flow(struct detector *d, const char *identity, double t);
/* Once a second: the global flow spike, baselines, expiry. */
void detect_tick(struct detector *d, double now);

/* Incidents, open and recent (a bounded ring of resolved ones too). */
const struct incident *detect_find(const struct detector *d, const char *id);
/* The open incident of an identity, or NULL. */
const struct incident *detect_open_for(const struct detector *d, const char *identity);
size_t detect_incidents(const struct detector *d, const struct incident **out, size_t cap);
void detect_set_state(struct detector *d, const char *id, enum incident_state s);
/* Re-open from persisted state at start-up (the JSON written by
 * incident_json()); returns 0 or -1. */
int detect_restore(struct detector *d, const char *json);

/* Per-identity rates for `sentinelctl top`: messages in the last 10 s and
 * 60 s, busiest first. */
struct detect_rate {
	const char *identity;
	unsigned messages_10s, messages_60s, recipients_60s, deliveries_60s;
};
size_t detect_top(const struct detector *d, struct detect_rate *out, size_t cap);

void detect_stats(const struct detector *d, struct detect_stats *out);
bool detect_allowed(const struct detector *d, const char *identity);

const char *detect_signal_name(enum detect_signal s);
const char *incident_state_name(enum incident_state s);
/* One JSON object, no newline, malloc'd (jansson); NULL on allocation failure. */
char *incident_json(const struct incident *inc);

#endif
