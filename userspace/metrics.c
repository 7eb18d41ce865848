// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics.c - the metric table and the exposition encoder that walks it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "text.h"

const char *const flow_label_names[] = { "cgroup", "comm", "uid", "port" };
const char *const identity_label_names[] = { "identity" };

enum metric_type { COUNTER, GAUGE, HISTOGRAM };

/* One value of a series rendered as a sample, with an optional extra label. */
struct series_value {
	unsigned idx;
	const char *extra;		/* value of the descriptor's extra label */
};

struct metric_desc {
	const char *name;
	enum metric_type type;
	const char *help;
	/* source: exactly one of these */
	size_t counter;			/* offsetof(struct counters, field) + 1 */
	struct {			/* counters told apart by one label */
		const char *label;
		struct {
			const char *value;
			size_t counter;
		} values[4];
	} labelled;
	bool build_info;
	struct {			/* a uint64_t [n1][n2] of struct counters */
		size_t counter;		/* FIELD() of element [0][0] */
		const char *label1, *label2;	/* label2 NULL: one dimension */
		const char *(*name1)(int), *(*name2)(int);
		int n1, n2;
	} grid;
	bool latency;			/* the detection latency histogram */
	struct {
		enum metric_table_id table;
		const char *extra_label;	/* or NULL */
		struct series_value values[SERIES_MAX_VALUES];
		unsigned nvalues;
	} series;
};

#define FIELD(f) (offsetof(struct counters, f) + 1)

/* Label value names of the grids, by index. */
static const char *signal_name(int i)
{
	return detect_signal_name((enum detect_signal)i);
}

static const char *kind_name(int i)
{
	return action_kind_name((enum action_kind)i);
}

static const char *result_name(int i)
{
	return action_result_name((enum action_result)i);
}

static const double latency_bounds[LATENCY_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60
};

void metrics_observe_latency(struct counters *c, double seconds)
{
	size_t i = 0;

	if (!(seconds >= 0))
		seconds = 0;	/* a log clock ahead of ours, or NaN */
	while (i < LATENCY_BUCKETS && seconds > latency_bounds[i])
		i++;
	c->latency_buckets[i]++;
	c->latency_count++;
	c->latency_sum += seconds;
}

static const struct metric_desc metric_table[] = {
	{ "smtp_sentinel_connect_attempts_total", COUNTER,
	  "connect() calls to a watched port, by caller.",
	  .series = { TABLE_FLOWS, NULL, { { FLOW_VALUE_ATTEMPTS, NULL } }, 1 } },
	{ "smtp_sentinel_connect_results_total", COUNTER,
	  "Outcomes of connect() to a watched port, counted when the socket is closed: "
	  "established (the peer's SYN-ACK came), or failed (refused, timed out, "
	  "unreachable, abandoned).",
	  .series = { TABLE_FLOWS, "result",
		      { { FLOW_VALUE_ESTABLISHED, "established" },
			{ FLOW_VALUE_FAILED, "failed" } }, 2 } },
	{ "smtp_sentinel_flow_events_total", COUNTER,
	  "Flow events received from the kernel ring buffer.",
	  .counter = FIELD(flow_events) },
	{ "smtp_sentinel_flow_events_dropped_total", COUNTER,
	  "Flow events lost because the ring buffer was full (counts are not lost).",
	  .counter = FIELD(flow_events_dropped) },
	{ "smtp_sentinel_series_overflow_total", COUNTER,
	  "New label sets folded into \"_other\" series because max_series was reached.",
	  .counter = FIELD(series_overflow) },
	{ "smtp_sentinel_flow_series", GAUGE,
	  "Series of the connect metrics currently exported.",
	  .counter = FIELD(flow_series) },
	{ "smtp_sentinel_kernel_flow_keys", GAUGE,
	  "Entries in the kernel counter map.",
	  .counter = FIELD(kernel_keys) },
	{ "smtp_sentinel_kernel_flow_keys_full_total", COUNTER,
	  "connect() calls counted per port only because the kernel counter map was full.",
	  .counter = FIELD(kernel_keys_full) },
	{ "smtp_sentinel_flows_untracked_total", COUNTER,
	  "Watched connect() calls whose outcome cannot be counted (no free stash slot).",
	  .counter = FIELD(flows_untracked) },
	{ "smtp_sentinel_flow_outcomes_unmatched_total", COUNTER,
	  "Closes of established watched connections whose connect() was not stashed "
	  "(made before sentineld started, or untracked).",
	  .counter = FIELD(outcomes_unmatched) },
	{ "smtp_sentinel_scrapes_total", COUNTER,
	  "Scrapes of this endpoint.",
	  .counter = FIELD(scrapes) },
	{ "smtp_sentinel_config_reloads_total", COUNTER,
	  "Reloads of the configuration file (SIGHUP, sentinelctl reload): put in force "
	  "(or nothing changed), or refused (a bad file, or a key read only at start-up: "
	  "the configuration in force stays).",
	  .labelled = { "result", { { "ok", FIELD(config_reloads_ok) },
				    { "refused", FIELD(config_reloads_refused) } } } },
	{ "smtp_sentinel_config_last_reload_successful", GAUGE,
	  "1 when the last reload was put in force (or none was asked), 0 when it was "
	  "refused: the file on disk is not the configuration in force.",
	  .counter = FIELD(config_last_reload_ok) },
	{ "smtp_sentinel_maillog_lines_total", COUNTER,
	  "Maillog lines read: records used, well-formed lines of no interest, "
	  "lines not understood (counted and skipped), and records refused as forged, "
	  "never used: journal entries that look like the MTA's but were not written by "
	  "it, and a second client= for a queue id in flight.",
	  .labelled = { "result", { { "parsed", FIELD(maillog_parsed) },
				    { "ignored", FIELD(maillog_ignored) },
				    { "unparsed", FIELD(maillog_unparsed) },
				    { "forged", FIELD(maillog_forged) } } } },
	{ "smtp_sentinel_maillog_long_lines_total", COUNTER,
	  "Maillog lines longer than 64 KiB, skipped.",
	  .counter = FIELD(maillog_long_lines) },
	{ "smtp_sentinel_maillog_rotations_total", COUNTER,
	  "Maillog files replaced at their path (rename rotation).",
	  .counter = FIELD(maillog_rotations) },
	{ "smtp_sentinel_maillog_truncations_total", COUNTER,
	  "Maillog files truncated under us (copytruncate).",
	  .counter = FIELD(maillog_truncations) },
	{ "smtp_sentinel_maillog_last_line_timestamp_seconds", GAUGE,
	  "Log time (Unix seconds) of the last maillog line read whose header was understood; "
	  "0 until the first line since start.  time() minus this is the maillog's silence.",
	  .counter = FIELD(maillog_last_line_time) },
	{ "smtp_sentinel_sasl_logins_total", COUNTER,
	  "Messages accepted from SMTP AUTH clients (smtpd client= with sasl_username).",
	  .counter = FIELD(sasl_logins) },
	{ "smtp_sentinel_sasl_auth_failures_total", COUNTER,
	  "Failed SMTP AUTH attempts (SASL authentication failed).",
	  .counter = FIELD(sasl_auth_failures) },
	{ "smtp_sentinel_messages_total", COUNTER,
	  "Messages accepted (first qmgr from= of a queue id), by sender identity: "
	  "sasl:USER, uid:N or client:IP.  The max_series identities sending the most "
	  "(messages, decaying by half every 10 minutes) have a series, the rest count in "
	  "identity=\"_other\"; an evicted identity's counts move there.",
	  .series = { TABLE_IDENTITIES, NULL, { { ID_VALUE_MESSAGES, NULL } }, 1 } },
	{ "smtp_sentinel_deliveries_total", COUNTER,
	  "Delivery attempts logged for messages, by sender identity and status "
	  "(content-filter hand-offs excluded).",
	  .series = { TABLE_IDENTITIES, "status",
		      { { ID_VALUE_SENT, "sent" }, { ID_VALUE_DEFERRED, "deferred" },
			{ ID_VALUE_BOUNCED, "bounced" }, { ID_VALUE_EXPIRED, "expired" } },
		      4 } },
	{ "smtp_sentinel_foreign_sender_messages_total", COUNTER,
	  "Messages accepted whose envelope sender's domain is not in [maillog] "
	  "local_domains, by sender identity: the runbook's forged from=<> check.",
	  .series = { TABLE_IDENTITIES, NULL, { { ID_VALUE_FOREIGN, NULL } }, 1 } },
	{ "smtp_sentinel_bounce_notifications_total", COUNTER,
	  "Notifications Postfix's bounce daemon created about the identity's messages "
	  "(QID: sender non-delivery notification: NEWQID, ...), by kind: non_delivery, "
	  "delay, delivery_status (a DSN success), postmaster (a copy, or a bounce of a "
	  "bounce).  Their deliveries are not in smtp_sentinel_deliveries_total.",
	  .series = { TABLE_IDENTITIES, "kind",
		      { { ID_VALUE_NOTIFY_FAILURE, "non_delivery" },
			{ ID_VALUE_NOTIFY_DELAY, "delay" },
			{ ID_VALUE_NOTIFY_SUCCESS, "delivery_status" },
			{ ID_VALUE_NOTIFY_POSTMASTER, "postmaster" } },
		      4 } },
	{ "smtp_sentinel_messages_refused_total", COUNTER,
	  "Messages cleanup refused, by sender identity: a reject or discard of "
	  "header_checks, body_checks or milter_header_checks, or a milter's reject or "
	  "discard at the end of the message (never queued, not in "
	  "smtp_sentinel_messages_total).",
	  .series = { TABLE_IDENTITIES, NULL, { { ID_VALUE_REFUSED, NULL } }, 1 } },
	{ "smtp_sentinel_bounce_notifications_unlinked_total", COUNTER,
	  "Bounce notifications about a queue id not in the message table (or without an "
	  "identity): attributed to no one.",
	  .counter = FIELD(notifications_unlinked) },
	{ "smtp_sentinel_identity_series", GAUGE,
	  "Identities exported in the per-identity metrics.",
	  .counter = FIELD(identity_series) },
	{ "smtp_sentinel_identity_overflow_total", COUNTER,
	  "Messages and deliveries counted in identity=\"_other\" because their identity "
	  "has no series (max_series reached).",
	  .counter = FIELD(identity_overflow) },
	{ "smtp_sentinel_identity_evictions_total", COUNTER,
	  "Identity series evicted, their counts added to identity=\"_other\", for an "
	  "identity sending over twice as many messages (decayed).",
	  .counter = FIELD(identity_evictions) },
	{ "smtp_sentinel_identity_candidate_replacements_total", COUNTER,
	  "Identities without a series dropped from the bounded table of candidates for "
	  "one (max(64, max_series/4)) to track a new one.",
	  .counter = FIELD(identity_candidate_replacements) },
	{ "smtp_sentinel_messages_in_flight", GAUGE,
	  "Messages in the in-flight message table.",
	  .counter = FIELD(messages_in_flight) },
	{ "smtp_sentinel_message_evictions_total", COUNTER,
	  "Messages dropped from the in-flight table because it was full.",
	  .counter = FIELD(message_evictions) },
	{ "smtp_sentinel_login_session_evictions_total", COUNTER,
	  "Sendmail logins (AUTH=server) dropped from the per-process table before their "
	  "message's from= line because it was full: those messages count under client:IP.",
	  .counter = FIELD(login_session_evictions) },
	{ "smtp_sentinel_local_submissions_unidentified_total", COUNTER,
	  "Exim local submissions whose U= login is not a user of this host: no identity.",
	  .counter = FIELD(local_unidentified) },
	{ "smtp_sentinel_message_snapshot_bytes", GAUGE,
	  "Size of the last saved snapshot of the in-flight message table (maillog.messages).",
	  .counter = FIELD(message_snapshot_bytes) },
	{ "smtp_sentinel_message_snapshot_omitted", GAUGE,
	  "Oldest in-flight messages left out of the last snapshot: the table passed its "
	  "16 MiB bound.  They are not restored after a restart.",
	  .counter = FIELD(message_snapshot_omitted) },
	{ "smtp_sentinel_flows_attributed_total", COUNTER,
	  "Established watched-port flows joined to a logged delivery of a known identity "
	  "(same pid, relay address and port).",
	  .counter = FIELD(flows_attributed) },
	{ "smtp_sentinel_flows_unattributed_total", COUNTER,
	  "Established watched-port flows no delivery claimed within the window, or whose "
	  "message's identity is unknown.",
	  .counter = FIELD(flows_unattributed) },
	{ "smtp_sentinel_flows_pending", GAUGE,
	  "Established flows waiting for their delivery line.",
	  .counter = FIELD(flows_pending) },
	{ "smtp_sentinel_flows_pending_overflow_total", COUNTER,
	  "Flows unattributed at once because the pending table was full.",
	  .counter = FIELD(flows_pending_overflow) },
	{ "smtp_sentinel_incidents_total", COUNTER,
	  "Incidents opened or updated, by signal that fired.",
	  .grid = { FIELD(incidents), "signal", NULL, signal_name, NULL, SIG_COUNT, 1 } },
	{ "smtp_sentinel_incidents_dropped_total", COUNTER,
	  "Incidents not restored at start-up because the open-incident table was full "
	  "(a new incident evicts an old one instead).",
	  .counter = FIELD(incidents_dropped) },
	{ "smtp_sentinel_incidents_evicted_total", COUNTER,
	  "Open incidents resolved as evicted to make room for a new one (the oldest not "
	  "acted on first).",
	  .counter = FIELD(incidents_evicted) },
	{ "smtp_sentinel_incidents_expired_total", COUNTER,
	  "Open incidents resolved as expired: no event of their identity for "
	  "incident_expiry seconds.",
	  .counter = FIELD(incidents_expired) },
	{ "smtp_sentinel_incidents_ratelimited_total", COUNTER,
	  "Incidents a login would have opened, not opened: its client address had opened "
	  "max_incidents_per_ip already.",
	  .counter = FIELD(incidents_ratelimited) },
	{ "smtp_sentinel_incident_rate_addresses", GAUGE,
	  "Client addresses whose incident rate is tracked (bounded).",
	  .counter = FIELD(incident_rate_ips) },
	{ "smtp_sentinel_incident_rate_evictions_total", COUNTER,
	  "Client addresses dropped from the incident rate table because it was full.",
	  .counter = FIELD(incident_rate_ips_evicted) },
	{ "smtp_sentinel_login_locks_deferred_total", COUNTER,
	  "Incidents of logins alone not locked at once: the automatic lock budget was spent "
	  "(they are acted on when the identity sends).",
	  .counter = FIELD(login_locks_deferred) },
	{ "smtp_sentinel_allowed_identities", GAUGE,
	  "Identities on the runtime allow-list (sentinelctl dismiss --allow), not expired.",
	  .counter = FIELD(allowances) },
	{ "smtp_sentinel_incidents_open", GAUGE,
	  "Incidents open or acted on, not resolved.",
	  .counter = FIELD(incidents_open) },
	{ "smtp_sentinel_detection_latency_seconds", HISTOGRAM,
	  "From the log time of an incident's first offending message to the incident.",
	  .latency = true },
	{ "smtp_sentinel_detect_identities", GAUGE,
	  "Identities whose windows the detector keeps.",
	  .counter = FIELD(detect_identities) },
	{ "smtp_sentinel_detect_evictions_total", COUNTER,
	  "Identity windows dropped because max_identities was reached.",
	  .counter = FIELD(detect_evictions) },
	{ "smtp_sentinel_detect_histories", GAUGE,
	  "Identities whose history (recipient and sender domains, usual volume) the detector "
	  "keeps, at most max_histories.",
	  .counter = FIELD(detect_histories) },
	{ "smtp_sentinel_detect_history_evictions_total", COUNTER,
	  "Identity histories dropped because max_histories was reached.",
	  .counter = FIELD(detect_history_evictions) },
	{ "smtp_sentinel_detect_learned_domains", GAUGE,
	  "Sender domains learned as local: used by several accounts (at most 4096).",
	  .counter = FIELD(learned_domains) },
	{ "smtp_sentinel_detect_candidate_domains", GAUGE,
	  "Sender domains used by too few accounts yet to be learned (at most 4096).",
	  .counter = FIELD(candidate_domains) },
	{ "smtp_sentinel_detect_domain_evictions_total", COUNTER,
	  "Learned or candidate sender domains dropped because their list was full.",
	  .counter = FIELD(domain_evictions) },
	{ "smtp_sentinel_respond_identities", GAUGE,
	  "Identities whose recent sessions and logged login forms the responder keeps for "
	  "its actions, at most 4096.",
	  .counter = FIELD(respond_identities) },
	{ "smtp_sentinel_respond_identity_evictions_total", COUNTER,
	  "Identities the responder forgot, the least recently active first, because it kept "
	  "4096.",
	  .counter = FIELD(respond_identity_evictions) },
	{ "smtp_sentinel_actions_total", COUNTER,
	  "Action steps by action and result (observed: decided in observe mode, not run; "
	  "untrusted: decided in enforce mode from an untrusted maillog, not run).",
	  .grid = { FIELD(actions), "action", "result", kind_name, result_name,
		    ACTION_COUNT, RESULT_COUNT } },
	{ "smtp_sentinel_action_messages_unconfirmed_total", COUNTER,
	  "Queued messages an action left alone because their queue file (postcat) does "
	  "not name the identity's SASL login.",
	  .counter = FIELD(actions_unconfirmed) },
	{ "smtp_sentinel_actions_refused_total", COUNTER,
	  "Action requests refused (queue full, bad request).",
	  .counter = FIELD(actions_refused) },
	{ "smtp_sentinel_locked_accounts", GAUGE,
	  "SASL logins locked by sentineld (in the check_sasl_access map).",
	  .counter = FIELD(locked_accounts) },
	{ "smtp_sentinel_held_messages", GAUGE,
	  "Messages held by sentineld, not yet released or deleted.",
	  .counter = FIELD(held_messages) },
	{ "smtp_sentinel_build_info", GAUGE,
	  "Build information; the value is always 1.",
	  .build_info = true },
};

void expo_init(struct expo *e)
{
	e->cap = 4096;
	e->len = 0;
	e->buf = xmalloc(e->cap);
	e->buf[0] = '\0';
}

void expo_free(struct expo *e)
{
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
}

static void reserve(struct expo *e, size_t n)
{
	char *nb;

	if (e->len + n + 1 <= e->cap)
		return;
	while (e->len + n + 1 > e->cap)
		e->cap *= 2;
	nb = realloc(e->buf, e->cap);
	if (!nb)
		fatalx("out of memory rendering metrics");
	e->buf = nb;
}

void expo_put(struct expo *e, const char *s, size_t n)
{
	reserve(e, n);
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

void expo_puts(struct expo *e, const char *s)
{
	expo_put(e, s, strlen(s));
}

void expo_printf(struct expo *e, const char *fmt, ...)
{
	va_list ap, again;
	int n;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0) {
		reserve(e, (size_t)n);
		vsnprintf(e->buf + e->len, (size_t)n + 1, fmt, again);
		e->len += (size_t)n;
	}
	va_end(again);
	va_end(ap);
}

void expo_label_value(struct expo *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n;

		switch (*p) {
		case '\\':
			expo_put(e, "\\\\", 2);
			p++;
			continue;
		case '"':
			expo_put(e, "\\\"", 2);
			p++;
			continue;
		case '\n':
			expo_put(e, "\\n", 2);
			p++;
			continue;
		}
		n = utf8_seq_len(p);
		if (n == 0) {
			expo_put(e, UTF8_REPLACEMENT, 3);
			p++;
			continue;
		}
		expo_put(e, (const char *)p, n);
		p += n;
	}
}

static void render_header(struct expo *e, const struct metric_desc *d)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };

	expo_printf(e, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name,
		    types[d->type]);
}

struct series_render {
	struct expo *e;
	const struct metric_desc *d;
	const struct series_table *t;
};

static void render_series(const struct series *s, void *arg)
{
	const struct series_render *r = arg;
	const struct metric_desc *d = r->d;
	unsigned nl = series_nlabels(r->t);

	for (unsigned v = 0; v < d->series.nvalues; v++) {
		expo_puts(r->e, d->name);
		for (unsigned i = 0; i < nl; i++) {
			expo_printf(r->e, "%c%s=\"", i ? ',' : '{', series_label_name(r->t, i));
			expo_label_value(r->e, s->labels[i]);
			expo_puts(r->e, "\"");
		}
		if (d->series.extra_label)
			expo_printf(r->e, ",%s=\"%s\"", d->series.extra_label,
				    d->series.values[v].extra);
		expo_printf(r->e, "} %llu\n",
			    (unsigned long long)s->values[d->series.values[v].idx]);
	}
}

static uint64_t counter_at(const struct counters *c, size_t field)
{
	return *(const uint64_t *)((const char *)c + field - 1);
}

static void render_grid(struct expo *e, const struct metric_desc *d, const struct counters *c)
{
	for (int i = 0; i < d->grid.n1; i++)
		for (int j = 0; j < d->grid.n2; j++) {
			size_t at = d->grid.counter + ((size_t)i * (size_t)d->grid.n2 + (size_t)j) *
				    sizeof(uint64_t);

			expo_printf(e, "%s{%s=\"%s\"", d->name, d->grid.label1, d->grid.name1(i));
			if (d->grid.label2)
				expo_printf(e, ",%s=\"%s\"", d->grid.label2, d->grid.name2(j));
			expo_printf(e, "} %llu\n", (unsigned long long)counter_at(c, at));
		}
}

static void render_latency(struct expo *e, const struct metric_desc *d, const struct counters *c)
{
	uint64_t cumulative = 0;

	for (size_t i = 0; i < LATENCY_BUCKETS; i++) {
		cumulative += c->latency_buckets[i];
		expo_printf(e, "%s_bucket{le=\"%g\"} %llu\n", d->name, latency_bounds[i],
			    (unsigned long long)cumulative);
	}
	expo_printf(e, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", d->name,
		    (unsigned long long)c->latency_count, d->name, c->latency_sum, d->name,
		    (unsigned long long)c->latency_count);
}

void metrics_render(const struct metrics_sources *src, struct expo *e)
{
	for (size_t i = 0; i < sizeof(metric_table) / sizeof(metric_table[0]); i++) {
		const struct metric_desc *d = &metric_table[i];

		render_header(e, d);
		if (d->counter) {
			expo_printf(e, "%s %llu\n", d->name,
				    (unsigned long long)counter_at(src->counters, d->counter));
		} else if (d->labelled.label) {
			for (unsigned v = 0; v < 4 && d->labelled.values[v].value; v++)
				expo_printf(e, "%s{%s=\"%s\"} %llu\n", d->name, d->labelled.label,
					    d->labelled.values[v].value,
					    (unsigned long long)counter_at(src->counters,
									   d->labelled.values[v].counter));
		} else if (d->grid.counter) {
			render_grid(e, d, src->counters);
		} else if (d->latency) {
			render_latency(e, d, src->counters);
		} else if (d->build_info) {
			expo_printf(e, "%s{version=\"", d->name);
			expo_label_value(e, src->version);
			expo_puts(e, "\"} 1\n");
		} else if (src->tables[d->series.table]) {
			struct series_render r = { e, d, src->tables[d->series.table] };

			series_foreach(r.t, render_series, &r);
		}
	}
}
