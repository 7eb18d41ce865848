/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * counters.h - the daemon's scalar counters and gauges, in one struct.
 *
 * Each module updates its own fields from the one event loop; the metric
 * table (metrics.c) names each field once by offsetof.  Counters only grow.
 */
#ifndef SENTINEL_COUNTERS_H
#define SENTINEL_COUNTERS_H

#include <stdint.h>

#include "actions.h"
#include "detect.h"

/* Upper bounds of smtp_sentinel_detection_latency_seconds (metrics.c). */
#define LATENCY_BUCKETS 10

struct counters {
	/* sensor: kernel statistics, cumulative since the programs were loaded */
	uint64_t flow_events;		/* received by userspace */
	uint64_t flow_events_dropped;	/* ring buffer full */
	uint64_t kernel_keys_full;	/* counter map full: folded per port */
	uint64_t flows_untracked;	/* not stashed: outcome unknown */
	uint64_t outcomes_unmatched;	/* outcome seen, its connect not */
	uint64_t kernel_keys;		/* gauge: entries in the counter map */
	uint64_t series_overflow;	/* keys folded into "_other" series */
	uint64_t flow_series;		/* gauge */
	uint64_t scrapes;

	/* reload (SIGHUP, sentinelctl reload) */
	uint64_t config_reloads_ok;	/* put in force (or no change) */
	uint64_t config_reloads_refused;	/* a bad file, or a key fixed at start-up */
	uint64_t config_last_reload_ok;	/* gauge: 1 until a reload is refused */

	/* maillog */
	uint64_t maillog_parsed;	/* lines that are records we use */
	uint64_t maillog_ignored;	/* well-formed, of no interest */
	uint64_t maillog_unparsed;	/* not understood: counted, skipped */
	uint64_t maillog_forged;	/* journal records of another writer, second client= lines: never used */
	uint64_t maillog_long_lines;	/* over the tailer's bound: skipped */
	uint64_t maillog_rotations;
	uint64_t maillog_truncations;
	uint64_t maillog_last_line_time;	/* gauge: log time of the last line, 0: none */
	uint64_t sasl_logins;		/* smtpd client= with sasl_username */
	uint64_t sasl_auth_failures;	/* SASL ... authentication failed */

	/* messages and identities */
	uint64_t messages_in_flight;	/* gauge: the message table's size */
	uint64_t message_evictions;	/* dropped because the table was full */
	uint64_t login_session_evictions;	/* Sendmail logins dropped: table full */
	uint64_t local_unidentified;	/* local submissions of no user here */
	uint64_t notifications_unlinked;	/* NOTIFY about no message known */
	uint64_t message_snapshot_bytes;	/* gauge: the last saved table's file */
	uint64_t message_snapshot_omitted;	/* gauge: messages it left out (bound) */
	uint64_t identity_series;	/* gauge */
	uint64_t identity_overflow;	/* counts made in "_other": no series */
	uint64_t identity_evictions;	/* series given to a heavier identity */
	uint64_t identity_candidate_replacements;	/* candidate table full */

	/* correlation of flows with deliveries */
	uint64_t flows_attributed;
	uint64_t flows_unattributed;
	uint64_t flows_pending;		/* gauge */
	uint64_t flows_pending_overflow;

	/* detection and actions */
	uint64_t incidents[SIG_COUNT];		/* by signal that fired */
	uint64_t incidents_dropped;		/* not restored: table full */
	uint64_t incidents_evicted;		/* resolved for a new one: table full */
	uint64_t incidents_expired;		/* quiet for incident_expiry */
	uint64_t incidents_ratelimited;		/* not opened: client address over its rate */
	uint64_t incident_rate_ips;		/* gauge: addresses with incident tokens */
	uint64_t incident_rate_ips_evicted;	/* that table full */
	uint64_t login_locks_deferred;		/* login-only incidents over the lock budget */
	uint64_t allowances;			/* gauge: runtime allow-list (dismiss --allow) */
	uint64_t incidents_open;		/* gauge */
	uint64_t actions[ACTION_COUNT][RESULT_COUNT];
	uint64_t actions_refused;		/* request queue full or bad */
	uint64_t actions_unconfirmed;		/* messages whose queue file did not
						 * confirm the identity: untouched */
	uint64_t locked_accounts;		/* gauge */
	uint64_t held_messages;			/* gauge */
	uint64_t detect_identities;		/* gauge */
	uint64_t detect_evictions;
	uint64_t detect_histories;		/* gauge */
	uint64_t detect_history_evictions;
	uint64_t learned_domains;		/* gauge */
	uint64_t candidate_domains;		/* gauge */
	uint64_t domain_evictions;
	uint64_t respond_identities;		/* gauge: respond's who table */
	uint64_t respond_identity_evictions;
	/* first offending message's log time to incident (cumulative buckets
	 * are made at render time) */
	uint64_t latency_buckets[LATENCY_BUCKETS + 1];	/* last: +Inf */
	uint64_t latency_count;
	double latency_sum;
};

#endif
