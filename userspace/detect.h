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
 * Life cycle: an incident opens OPEN; whoever acts on it marks it ACTED
 * (enforce mode: its account was locked or its mail held) or OBSERVED
 * (observe mode: decided, nothing touched); it ends RESOLVED, with how
 * (enum incident_end): resolved or dismissed by hand (detect_resolve()),
 * unlocked (the admin's unlock), expired (no event of its identity for
 * incident_expiry seconds of log time, at detect_tick: acted ones too;
 * expiry never lifts a lock), or evicted (the open table was full when
 * a new one opened).  The detector calls `closed` for the two it decides
 * itself (expired, evicted), with the incident as it ended.
 *
 * Opening needs room and a token.  When DETECT_MAX_OPEN are open, the
 * oldest one not ACTED is evicted for the new one, and when every one is
 * ACTED the oldest of those (its lock stays; the new incident is the
 * news): a flood of incidents can push out old ones but never keeps a new
 * one out.  An incident opened by a login (BRUTEFORCE, FANOUT) takes a
 * token of the login's client address (iplimit.h: max_incidents_per_ip
 * per DETECT_IP_PERIOD, a burst of as many); without one it does not open
 * (counted) and the identity's next event tries again.  Incidents opened
 * by messages take none: a webmail or NAT address carries many accounts'
 * mail, and each spamming account must be caught.  An identity on the
 * runtime allow-list (detect_allow(): `sentinelctl dismiss --allow`,
 * until a time) opens none until then.
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
 *               foreign_ratio of them with a foreign sender domain (see
 *               "Sender domains" below); never for a client: identity
 *   FANOUT      distinct client IPs of a sasl: identity in 10 min > max_client_ips
 *   BOUNCES     at least bounce_min deliveries in 10 min and a share >=
 *               bounce_ratio of them bounced or deferred (or expired).
 *               A bounce storm counts for the account whose mail caused
 *               it: every delivery attempt of a non-delivery or delay
 *               notification about the identity's messages (from <>,
 *               linked by the bounce daemon's line, messages.h) is one
 *               of its bounced (sent, bounced, expired) or deferred
 *               deliveries: the bounce reaching the sender, or failing
 *               to (a forged sender: a double bounce).  DSN success
 *               notifications and postmaster copies count for nothing,
 *               and no notification counts as a message, a recipient
 *               domain or a sent delivery of the identity
 *   BRUTEFORCE  a login from a client IP that had >= bruteforce_failures
 *               failed logins in the 10 min before it, either for the same
 *               login name (or a failure that named none) or for as many
 *               distinct login names (a spray): one device with a stale
 *               password behind an office NAT does not flag its colleagues
 *               (bruteforce_failures is capped at DETECT_FAIL_RING)
 *   NEW_DOMAINS messages in 10 min that reached a recipient domain the
 *               identity never wrote to before (its history, history.h:
 *               kept for weeks and across restarts) > max_new_domains;
 *               a message to 40 new domains counts once
 *   VOLUME      messages in 10 min > volume_factor x the identity's usual
 *               busiest 10 minutes (history.h: learned per hour, decaying
 *               over days), never below volume_floor; once detection has
 *               run volume_learn minutes (an identity not seen in that
 *               time is known to send nothing); not for an identity with
 *               an override
 *   FLOW_SPIKE  (global) watched-port flows of the last 10 s, scaled to a
 *               minute, > max_flows_per_minute while no identity is over
 *               its limit; the incident's identity is "flows:global" and
 *               its evidence names the identities by share of the flows
 *               (shares[], "unattributed" for flows no delivery claimed).
 *               Flows of allowlisted or overridden identities are declared
 *               volume: they are not part of the spike
 *
 * client:IP identities (no SASL, no local uid: inbound mail, or a host
 * relaying without authentication): a message whose envelope sender is
 * not in one of our own domains (sender_local, with an '@': Postfix's or
 * the listed ones; not the learned ones, not <>) is inbound mail and
 * counts for nothing; the others (a host relaying our own domains' mail
 * without authentication) are measured against the fixed caps only
 * (RATE, RECIPIENTS), never FOREIGN, SPIKE, VOLUME, NEW_DOMAINS or
 * BOUNCES.  Limit: a host relaying forged foreign senders without
 * authentication is not flagged by these signals (Postfix's relay
 * restrictions, and FLOW_SPIKE, remain).
 *
 * Sender domains (local_domains): DETECT_DOMAINS_LIST trusts the message
 * table's sender_local (the listed domains, <>, a bare name);
 * DETECT_DOMAINS_NONE never calls a sender foreign; DETECT_DOMAINS_AUTO
 * ([maillog] local_domains = auto) calls a sender domain foreign to an
 * identity only when it is none of: sender_local (Postfix's own domains,
 * read at start-up), a domain learned from the traffic (domains.h: used
 * by several accounts), the domain of the identity's login
 * (sasl:bob@example.org), a sender domain the identity used more than
 * WIN_SPAN_MAX seconds before; and only when the identity's own domain is
 * known at all (its login has one, or it used a sender domain that long
 * before): a first-time sender with a domain nobody else uses is unknown,
 * not foreign.
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
 * Histories (history.h) are loaded from state_dir/detect.history by
 * detect_new() and written back every DETECT_SAVE_INTERVAL seconds (of
 * the monotonic clock) when they changed, and by detect_free(); no
 * state_dir: not kept.
 *
 * Bounds: at most max_identities windows (the least recently active is
 * evicted, counted), at most DETECT_MAX_OPEN open incidents (the oldest
 * un-acted evicted for a new one, counted), DETECT_MAX_RATE_IPS client
 * addresses with incident tokens, DETECT_MAX_ALLOWED runtime allowances,
 * DETECT_SAMPLES sample queue ids and lines per incident, DETECT_DISTINCT
 * distinct values per distinct-count set, DETECT_MAX_FAILURES client IPs
 * with failed logins and the last DETECT_FAIL_RING failures of each (a
 * full table evicts, of its DETECT_FAIL_VICTIMS least recently failing
 * addresses, the one with the fewest failures, counted: a flood of one
 * failure per address does not push out an attacker's five),
 * DETECT_RESOLVED_MAX resolved incidents (the oldest forgotten).  An
 * identity idle for DETECT_IDLE seconds of log time is
 * dropped at detect_tick.  Every string is a bounded, UTF-8-clean copy.
 * Incident evidence: the queue ids of the identity's last DETECT_SAMPLES / 2
 * messages before it opened and of those after, its recent client IPs,
 * and the log lines from the one that opened it on.
 */
#ifndef SENTINEL_DETECT_H
#define SENTINEL_DETECT_H

#include <limits.h>
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
#define DETECT_FAIL_VICTIMS 8
#define DETECT_IDLE 86400
#define DETECT_MAX_RATE_IPS 4096	/* client addresses with incident tokens */
#define DETECT_IP_PERIOD 3600		/* max_incidents_per_ip per this many s */
#define DETECT_MAX_ALLOWED 256		/* runtime allowances (dismiss --allow) */
#define DETECT_EWMA_ALPHA 0.05		/* per minute: ~20 min memory */
#define DETECT_SAVE_INTERVAL 300	/* seconds between history saves */

enum detect_signal {
	SIG_RATE,
	SIG_RECIPIENTS,
	SIG_SPIKE,
	SIG_FOREIGN,
	SIG_FANOUT,
	SIG_BOUNCES,
	SIG_BRUTEFORCE,
	SIG_FLOW_SPIKE,
	SIG_NEW_DOMAINS,
	SIG_VOLUME,
	SIG_COUNT
};

struct detect_override {
	char identity[MSG_IDENTITY_MAX];
	unsigned messages_per_minute;
	unsigned recipients_per_minute;	/* 0: scaled (see RECIPIENTS) */
};

enum detect_domains {
	DETECT_DOMAINS_LIST,		/* sender_local decides */
	DETECT_DOMAINS_NONE,		/* no sender is foreign */
	DETECT_DOMAINS_AUTO,		/* Postfix's, learned, the identity's own */
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
	unsigned max_new_domains;		/* 20 messages in 10 min */
	double volume_factor;			/* 4 */
	unsigned volume_floor;			/* 10 messages in 10 min */
	unsigned volume_learn;			/* 60 minutes */
	size_t max_identities;			/* 10000 */
	unsigned incident_expiry;		/* 3600 s without an event */
	unsigned max_incidents_per_ip;		/* 10 per DETECT_IP_PERIOD; 0: none */
	size_t max_histories;			/* 20000 */
	enum detect_domains domains;		/* LIST */
	char state_dir[PATH_MAX];		/* "": histories not kept */
	char allow[DETECT_MAX_ALLOW][DETECT_PATTERN_MAX];
	size_t nallow;
	struct detect_override overrides[DETECT_MAX_OVERRIDES];
	size_t noverrides;
};

enum incident_state { INCIDENT_OPEN, INCIDENT_ACTED, INCIDENT_OBSERVED, INCIDENT_RESOLVED };

/* How a RESOLVED incident ended (END_NONE while it is not). */
enum incident_end {
	END_NONE,
	END_RESOLVED,		/* sentinelctl resolve */
	END_DISMISSED,		/* sentinelctl dismiss: a false alarm */
	END_UNLOCKED,		/* sentinelctl unlock */
	END_EXPIRED,		/* quiet for incident_expiry */
	END_EVICTED,		/* the open table was full */
	END_COUNT
};

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
	enum incident_end end;		/* RESOLVED: how; JSON "resolution" */
	double score;			/* sum over fired signals of value/threshold */
	struct incident_signal signals[SIG_COUNT];
	/* log time (with microseconds) of the first message of the window
	 * that made it fire (the shortest span of a message signal that
	 * fired; for BRUTEFORCE or FANOUT alone, the login's time; for
	 * FLOW_SPIKE the first second with flows): the latency histogram
	 * starts here */
	double first_seen;
	double opened;			/* wall clock, CLOCK_REALTIME */
	double updated;			/* log time of the latest event or change */
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
	/* Expired or evicted (inc->end says which); may be NULL.  It must
	 * not resolve other incidents. */
	void (*closed)(const struct incident *inc, void *arg);
};

struct detect_stats {
	uint64_t identities;		/* gauge: windows kept */
	uint64_t evictions;		/* windows dropped: table full */
	uint64_t incidents_dropped;	/* not opened: restored beyond the bound */
	uint64_t incidents_evicted;	/* resolved to make room for a new one */
	uint64_t incidents_expired;
	uint64_t incidents_ratelimited;	/* not opened: the client address had no token */
	uint64_t rate_ips;		/* gauge: addresses with tokens kept */
	uint64_t rate_ips_evicted;	/* that table full */
	uint64_t allowed;		/* gauge: runtime allowances */
	uint64_t open;			/* gauge */
	uint64_t fired[SIG_COUNT];	/* incidents opened or updated per signal */
	uint64_t failures_evicted;	/* failed-login table full */
	uint64_t distinct_full;		/* distinct sets that replaced an entry */
	uint64_t histories;		/* gauge: identities' histories kept */
	uint64_t history_evictions;	/* histories dropped: table full */
	uint64_t learned_domains;	/* gauge: sender domains learned */
	uint64_t candidate_domains;	/* gauge: used by too few accounts yet */
	uint64_t domain_evictions;	/* learned or candidate dropped: list full */
};

struct detector;

void detect_config_defaults(struct detect_config *cfg);
struct detector *detect_new(const struct detect_config *cfg, const struct detect_callbacks *cb);
void detect_free(struct detector *d);
/* A reload: new thresholds, allow-list and overrides for the next event;
 * the windows, baselines, failed logins and incidents stay as they are
 * (an open incident keeps the numbers it was opened on).  max_identities,
 * max_incidents_per_ip and max_histories stay (they sized the tables), and
 * so do state_dir and domains. */
void detect_reconfigure(struct detector *d, const struct detect_config *cfg);

void detect_message(struct detector *d, const struct detect_message *m);
/* rcpt_domain: the recipient's domain, or its address (the part after the
 * last '@' is used); NULL when unknown.  qid: the message's queue id, so
 * that a message to many new domains counts once for NEW_DOMAINS; NULL:
 * each new domain counts. */
void detect_delivery(struct detector *d, const char *identity, const char *qid,
		     enum msg_status status, const char *rcpt_domain, double t);
/* A delivery of a bounce notification about identity's mail (messages.h:
 * kind is its notify): see BOUNCES.  A DSN success or a postmaster copy
 * counts for nothing. */
void detect_notification(struct detector *d, const char *identity, enum msg_notify kind,
			 enum msg_status status, double t);
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
/* OPEN, ACTED or OBSERVED; RESOLVED is detect_resolve(END_RESOLVED). */
void detect_set_state(struct detector *d, const char *id, enum incident_state s);
/* Resolve an open incident by hand (how: END_RESOLVED, END_DISMISSED,
 * END_UNLOCKED); 0, or -1 when id is not open.  Calls nothing back; the
 * resolved copy is detect_find(id) after. */
int detect_resolve(struct detector *d, const char *id, enum incident_end how);
/* The identity opens no incident while the detector's clock is before
 * until (a later call replaces the time); 0, or -1 when DETECT_MAX_ALLOWED
 * others are allowed.  Expired allowances are dropped at detect_tick. */
int detect_allow(struct detector *d, const char *identity, double until);
struct detect_allowance {
	char identity[MSG_IDENTITY_MAX];
	double until;
};
size_t detect_allowances(const struct detector *d, struct detect_allowance *out, size_t cap);
/* The detector's clock: the latest log time (0 before any event). */
double detect_now(const struct detector *d);
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
const char *incident_end_name(enum incident_end e);
/* One JSON object, no newline, malloc'd (jansson); NULL on allocation failure. */
char *incident_json(const struct incident *inc);
/* The same with member key = value (a jansson value, taken; both may be
 * NULL): what the caller knows of the incident and the detector does not. */
struct json_t;
char *incident_json_with(const struct incident *inc, const char *key, struct json_t *value);

#endif
