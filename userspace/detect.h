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
 * same identity are added to its open incident (`updated`: at once for a
 * signal that had not fired, else at most once a second from detect_tick
 * for new evidence and numbers).  Callbacks may call detect_set_state()
 * on the incident they are given (its pointer is not valid after it is
 * resolved); detect_set_state() itself calls nothing back.
 *
 * Signals (enum detect_signal) and the numbers behind them:
 *   RATE        messages in the last 60 s > the identity's limit
 *               (max_messages_per_minute, or its override); and the 10 s
 *               span over limit/2, so a burst is seen within a second
 *   RECIPIENTS  recipients (sum of nrcpt) in 60 s > max_recipients_per_minute,
 *               or the override's recipients_per_minute (0: scaled from its
 *               messages_per_minute by max_recipients / max_messages)
 *   SPIKE       messages in 10 s, scaled to a minute, > spike_factor x the
 *               baseline (the baseline never below spike_floor), and at
 *               least spike_min messages in the 10 s, once the identity has
 *               spike_learn minutes of history; not for an identity with an
 *               override (its volume is declared, not learned).  The
 *               baseline is learned per minute of log time (EWMA, alpha
 *               DETECT_EWMA_ALPHA; idle minutes count as zero) and frozen
 *               while the identity has an open incident
 *   FOREIGN     at least foreign_min messages in 60 s and a share >=
 *               foreign_ratio of them with a foreign sender domain
 *   FANOUT      distinct client IPs of a sasl: identity in 10 min > max_client_ips
 *   BOUNCES     at least bounce_min deliveries in 10 min and a share >=
 *               bounce_ratio of them bounced or deferred
 *   BRUTEFORCE  a login from a client IP that had >= bruteforce_failures
 *               failed logins in the 10 min before it, either for the same
 *               login name (or a failure that named none) or for as many
 *               distinct login names (a spray): one device with a stale
 *               password behind an office NAT does not flag its colleagues
 *               (bruteforce_failures is capped at DETECT_FAIL_RING)
 *   FLOW_SPIKE  (global) watched-port flows of the last 10 s, scaled to a
 *               minute, > max_flows_per_minute while no identity is over
 *               its limit; the incident's identity is "flows:global" and
 *               its evidence names the identities by share of the flows
 *               (shares[], "unattributed" for flows no delivery claimed).
 *               Flows of allowlisted or overridden identities are declared
 *               volume: they are not part of the spike
 *
 * A limit or ratio of 0 disables its signal, except spike_min and
 * spike_learn, where 0 means the default (a config that does not set them
 * must not make SPIKE fire on a handful of messages from a new identity).
 * detect_config_defaults() fills in the defaults named below.
 *
 * Identities matching an allow_identities pattern (fnmatch(3), e.g.
 * "sasl:newsletter", "uid:*") never open an incident; overrides give one
 * identity (exact match) its own messages-per-minute limit.
 *
 * Bounds: at most max_identities windows (the least recently active is
 * evicted, counted), at most DETECT_MAX_OPEN open incidents (a new one
 * when full is counted and dropped, never silently), DETECT_SAMPLES sample
 * queue ids and lines per incident, DETECT_DISTINCT distinct values per
 * distinct-count set, DETECT_MAX_FAILURES client IPs with failed logins
 * (the least recent evicted, counted) and the last DETECT_FAIL_RING
 * failures of each, DETECT_RESOLVED_MAX resolved incidents (the oldest
 * forgotten).  An identity idle for DETECT_IDLE seconds of log time is
 * dropped at detect_tick.  Every string is a bounded, UTF-8-clean copy.
 * Incident evidence: the queue ids of the identity's last DETECT_SAMPLES / 2
 * messages before it opened and of those after, its recent client IPs,
 * and the log lines from the one that opened it on.
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
#define DETECT_RESOLVED_MAX 256		/* resolved incidents kept for show */
#define DETECT_MAX_FAILURES 4096	/* client IPs with failed logins */
#define DETECT_FAIL_RING 32
#define DETECT_IDLE 86400
#define DETECT_EWMA_ALPHA 0.05		/* per minute: ~20 min memory */

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
	unsigned recipients_per_minute;	/* 0: scaled (see RECIPIENTS) */
};

struct detect_config {
	unsigned max_messages_per_minute;	/* 60 */
	unsigned max_recipients_per_minute;	/* 300 */
	double spike_factor;			/* 10 */
	unsigned spike_floor;			/* 6 messages/minute */
	unsigned spike_min;			/* 20 messages in 10 s */
	unsigned spike_learn;			/* 10 minutes */
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
	 * that made it fire (the shortest span of a message signal that
	 * fired; for BRUTEFORCE or FANOUT alone, the login's time; for
	 * FLOW_SPIKE the first second with flows): the latency histogram
	 * starts here */
	double first_seen;
	double opened;			/* wall clock, CLOCK_REALTIME */
	double updated;			/* log time of the latest change */
	uint64_t messages, recipients, foreign;	/* in the identity's 10 min span */
	uint64_t rcpt_domains;		/* distinct, in the 10 min span */
	char client_ips[DETECT_SAMPLES][64];	/* distinct, most recent first */
	size_t nclient_ips;
	/* sample queue ids (instance/qid) of the identity's recent messages */
	char qids[DETECT_SAMPLES][MSG_INSTANCE_MAX + POSTFIX_QID_MAX + 1];
	size_t nqids;
	char lines[DETECT_SAMPLES][DETECT_SAMPLE_LINE_MAX];
	size_t nlines;
	/* FLOW_SPIKE: who made the flows of the 10 s span, busiest first */
	struct incident_share {
		char identity[MSG_IDENTITY_MAX];	/* or "unattributed" */
		uint64_t flows;
		double share;
	} shares[DETECT_SAMPLES];
	size_t nshares;
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
	uint64_t failures_evicted;	/* failed-login table full */
	uint64_t distinct_full;		/* distinct sets that replaced an entry */
};

struct detector;

void detect_config_defaults(struct detect_config *cfg);
struct detector *detect_new(const struct detect_config *cfg, const struct detect_callbacks *cb);
void detect_free(struct detector *d);

void detect_message(struct detector *d, const struct detect_message *m);
/* rcpt_domain: the recipient's domain, or its address (the part after the
 * last '@' is used); NULL when unknown. */
void detect_delivery(struct detector *d, const char *identity, enum msg_status status,
		     const char *rcpt_domain, double t);
void detect_login(struct detector *d, const char *identity, const char *client_ip, double t);
void detect_auth_failure(struct detector *d, const char *client_ip, const char *username,
			 double t);
/* identity NULL or "": a flow no delivery has claimed (yet).  Every time
 * given to the detector is on the log's clock: a kernel flow's time must be
 * CLOCK_REALTIME (a live log's time), not CLOCK_MONOTONIC. */
void detect_flow(struct detector *d, const char *identity, double t);
/* A flow given as unclaimed (identity NULL) was claimed since by a delivery
 * of identity: it counts for identity now, and no longer as unattributed. */
void detect_flow_claimed(struct detector *d, const char *identity, double t);
/* Once a second: the global flow spike, `updated` for new evidence,
 * expiry of idle identities and old failed logins.  now: the latest log
 * time, or the wall clock when the log is live and quiet. */
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
	unsigned messages_10s, messages_60s, recipients_60s, deliveries_60s, flows_60s;
};
/* identity points into the detector: valid until its next call. */
size_t detect_top(const struct detector *d, struct detect_rate *out, size_t cap);

void detect_stats(const struct detector *d, struct detect_stats *out);
bool detect_allowed(const struct detector *d, const char *identity);

const char *detect_signal_name(enum detect_signal s);
const char *incident_state_name(enum incident_state s);
/* One JSON object, no newline, malloc'd (jansson); NULL on allocation failure. */
char *incident_json(const struct incident *inc);

#endif
