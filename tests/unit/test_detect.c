// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_detect.c - the detector: who is flagged, how fast, and who is not;
 * the incident's JSON; the bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>	/* NAN, INFINITY */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "window.h"

#define T0 1764228300.0

/* |x|, without libm in the link */
static double near0(double x)
{
	return x < 0 ? -x : x;
}		/* 2025-11-27T07:25:00Z */

static int opened, updated, nclosed;
static struct incident last;	/* the latest incident called back */
static struct incident last_closed;

static void on_opened(const struct incident *inc, void *arg)
{
	(void)arg;
	opened++;
	last = *inc;
}

static void on_updated(const struct incident *inc, void *arg)
{
	(void)arg;
	updated++;
	last = *inc;
}

static struct detect_config config(void)
{
	struct detect_config c;

	detect_config_defaults(&c);
	return c;
}

static void on_closed(const struct incident *inc, void *arg)
{
	(void)arg;
	nclosed++;
	last_closed = *inc;
}

static struct detector *fresh(const struct detect_config *c)
{
	struct detect_callbacks cb = { on_opened, on_updated, NULL, on_closed };

	opened = updated = nclosed = 0;
	memset(&last, 0, sizeof(last));
	memset(&last_closed, 0, sizeof(last_closed));
	return detect_new(c, &cb);
}

static struct detector *fresh_default(void)
{
	struct detect_config c = config();

	return fresh(&c);
}

/* One accepted message of identity at t: sender local or foreign. */
static void message(struct detector *d, const char *identity, double t, bool foreign,
		    long nrcpt, const char *ip)
{
	static unsigned seq;
	struct message msg;
	struct detect_message m;
	char line[640];

	memset(&msg, 0, sizeof(msg));
	snprintf(msg.instance, sizeof(msg.instance), "postfix");
	snprintf(msg.qid, sizeof(msg.qid), "4Q%08X", ++seq);
	snprintf(msg.identity, sizeof(msg.identity), "%s", identity);
	snprintf(msg.client_ip, sizeof(msg.client_ip), "%s", ip);
	snprintf(msg.sender, sizeof(msg.sender), foreign ? "x@spam.example" : "a@example.org");
	msg.has_sender = true;
	msg.sender_local = !foreign;
	msg.accepted = true;
	msg.nrcpt = nrcpt;
	snprintf(line, sizeof(line),
		 "Nov 27 07:25:01 mx postfix/qmgr[7]: %s: from=<%s>, size=900, nrcpt=%ld (queue active)",
		 msg.qid, msg.sender, nrcpt);
	m.identity = identity;
	m.msg = &msg;
	m.t = t;
	m.line = line;
	m.line_len = strlen(line);
	detect_message(d, &m);
}

static void tick_to(struct detector *d, double *clock, double t)
{
	for (; *clock <= t; *clock += 1)
		detect_tick(d, *clock);
}

/* Behaviour: who is flagged, and who is not */

static void test_legit_user_at_30_per_minute_for_10_minutes_never_fires(void **state)
{
	struct detector *d = fresh_default();
	double clock = T0;

	(void)state;
	for (int i = 0; i < 300; i++) {
		double t = T0 + i * 2.0;

		detect_login(d, "sasl:alice", "198.51.100.7", t);
		message(d, "sasl:alice", t + 0.01, false, 2, "198.51.100.7");
		detect_delivery(d, "sasl:alice", NULL, MSG_SENT, "bob@example.net", t + 0.3);
		detect_delivery(d, "sasl:alice", NULL, MSG_SENT, "carol@example.com", t + 0.4);
		detect_flow(d, "sasl:alice", t + 0.2);
		tick_to(d, &clock, t);
	}
	assert_int_equal(opened, 0);
	assert_null(detect_open_for(d, "sasl:alice"));
	detect_free(d);
}

static void test_spammer_at_10_per_second_fires_within_one_second(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc = NULL;
	int i;

	(void)state;
	for (i = 0; i < 100 && !inc; i++) {
		message(d, "sasl:bob", T0 + 0.123456 + i * 0.1, true, 1, "203.0.113.9");
		inc = detect_open_for(d, "sasl:bob");
	}
	assert_non_null(inc);
	assert_int_equal(opened, 1);
	assert_true(inc->signals[SIG_FOREIGN].fired || inc->signals[SIG_RATE].fired);
	/* fired by the message at i - 1: log time from the first one */
	assert_true((i - 1) * 0.1 < 1.0);
	assert_true(near0(inc->first_seen - (T0 + 0.123456)) < 1e-5);
	assert_string_equal(inc->identity, "sasl:bob");
	assert_int_equal(inc->state, INCIDENT_OPEN);
	/* the queue ids of the messages up to it (half the samples: room is
	 * left for what follows), and the line that opened it */
	assert_int_equal(inc->nqids, 4);
	assert_true(strcmp(inc->qids[0], inc->qids[3]) < 0);	/* oldest first */
	assert_int_equal(inc->nlines, 1);
	assert_non_null(strstr(inc->lines[0], "from=<x@spam.example>"));
	assert_string_equal(inc->client_ips[0], "203.0.113.9");
	detect_free(d);
}

static void test_burst_of_local_sender_mail_fires_rate_on_the_10s_span(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc = NULL;
	int i;

	(void)state;
	for (i = 0; i < 100 && !inc; i++) {
		message(d, "sasl:carol", T0 + i * 0.1, false, 1, "203.0.113.9");
		inc = detect_open_for(d, "sasl:carol");
	}
	assert_non_null(inc);
	assert_int_equal(i, 31);	/* 31 > 60 / 2 in 10 s */
	assert_true(inc->signals[SIG_RATE].fired);
	assert_int_equal(inc->signals[SIG_RATE].span, 10);
	assert_true(inc->signals[SIG_RATE].value == 31);
	assert_false(inc->signals[SIG_FOREIGN].fired);
	detect_free(d);
}

static void test_rate_over_the_minute_limit_fires_on_the_60s_span(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc = NULL;
	int i;

	(void)state;
	/* 61 messages a second apart: never 31 in 10 s */
	for (i = 0; i < 61; i++)
		message(d, "sasl:dave", T0 + i * 0.98, false, 1, "192.0.2.1");
	inc = detect_open_for(d, "sasl:dave");
	assert_non_null(inc);
	assert_int_equal(inc->signals[SIG_RATE].span, 60);
	assert_true(inc->signals[SIG_RATE].value == 61);
	assert_true(inc->signals[SIG_RATE].threshold == 60);
	detect_free(d);
}

static void test_recipients_over_limit_fire(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;

	(void)state;
	message(d, "sasl:erin", T0, false, 200, "192.0.2.1");
	assert_null(detect_open_for(d, "sasl:erin"));
	message(d, "sasl:erin", T0 + 5, false, 200, "192.0.2.1");
	inc = detect_open_for(d, "sasl:erin");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_RECIPIENTS].fired);
	assert_true(inc->signals[SIG_RECIPIENTS].value == 400);
	assert_int_equal(inc->recipients, 400);
	detect_free(d);
}

static void test_override_lets_newsletter_send_3000_per_minute(void **state)
{
	struct detect_config c = config();
	struct detector *d;
	double clock = T0;

	(void)state;
	snprintf(c.overrides[0].identity, sizeof(c.overrides[0].identity), "sasl:newsletter");
	c.overrides[0].messages_per_minute = 5000;
	c.noverrides = 1;
	d = fresh(&c);
	for (int i = 0; i < 3000 * 2; i++) {	/* two minutes at 50/s */
		double t = T0 + i * 0.02;

		message(d, "sasl:newsletter", t, false, 1, "192.0.2.10");
		detect_flow(d, "sasl:newsletter", t + 0.01);
		detect_delivery(d, "sasl:newsletter", NULL, i % 20 ? MSG_SENT : MSG_BOUNCED,
				"someone@example.net", t + 0.01);
		tick_to(d, &clock, t);
	}
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_allowlisted_pattern_never_fires(void **state)
{
	struct detect_config c = config();
	struct detector *d;

	(void)state;
	snprintf(c.allow[0], sizeof(c.allow[0]), "uid:*");
	c.nallow = 1;
	d = fresh(&c);
	assert_true(detect_allowed(d, "uid:33"));
	assert_false(detect_allowed(d, "sasl:uid:33"));
	for (int i = 0; i < 1000; i++)
		message(d, "uid:33", T0 + i * 0.01, true, 50, "");
	assert_int_equal(opened, 0);
	assert_null(detect_open_for(d, "uid:33"));
	detect_free(d);
}

static void test_foreign_ratio_fires_at_foreign_min_messages(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;

	(void)state;
	for (int i = 0; i < 4; i++)
		message(d, "sasl:frank", T0 + i * 5, true, 1, "192.0.2.1");
	assert_null(detect_open_for(d, "sasl:frank"));
	message(d, "sasl:frank", T0 + 20, true, 1, "192.0.2.1");
	inc = detect_open_for(d, "sasl:frank");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_FOREIGN].fired);
	assert_true(inc->signals[SIG_FOREIGN].value == 1.0);
	assert_true(inc->signals[SIG_FOREIGN].threshold == 0.8);
	assert_int_equal(inc->foreign, 5);
	detect_free(d);
}

static void test_occasional_foreign_sender_does_not_fire(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 40; i++)
		message(d, "sasl:gina", T0 + i * 1.5, i % 4 == 0, 1, "192.0.2.1");
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_fanout_fires_past_max_client_ips(void **state)
{
	struct detector *d = fresh_default();
	char ip[32];
	const struct incident *inc;

	(void)state;
	for (int i = 1; i <= 5; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		detect_login(d, "sasl:hank", ip, T0 + i * 60);
	}
	assert_null(detect_open_for(d, "sasl:hank"));
	detect_login(d, "sasl:hank", "2001:db8::6", T0 + 360);
	inc = detect_open_for(d, "sasl:hank");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_FANOUT].fired);
	assert_true(inc->signals[SIG_FANOUT].value == 6);
	assert_int_equal(inc->nclient_ips, 6);
	assert_string_equal(inc->client_ips[0], "2001:db8::6");
	detect_free(d);
}

static void test_fanout_forgets_addresses_older_than_10_minutes(void **state)
{
	struct detector *d = fresh_default();
	char ip[32];

	(void)state;
	for (int i = 1; i <= 20; i++) {	/* a roaming phone: a new address every 3 min */
		snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		detect_login(d, "sasl:ivy", ip, T0 + i * 180);
	}
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_bounces_fire_at_ratio_after_bounce_min(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;

	(void)state;
	for (int i = 0; i < 19; i++)
		detect_delivery(d, "sasl:jack", NULL, i % 2 ? MSG_SENT : MSG_BOUNCED, "x@example.net",
				T0 + i * 10);
	assert_null(detect_open_for(d, "sasl:jack"));
	detect_delivery(d, "sasl:jack", NULL, MSG_DEFERRED, "y@example.net", T0 + 200);
	inc = detect_open_for(d, "sasl:jack");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_BOUNCES].fired);
	assert_true(inc->signals[SIG_BOUNCES].value >= 0.5);
	assert_int_equal(inc->signals[SIG_BOUNCES].span, 600);
	assert_int_equal(inc->rcpt_domains, 1);
	detect_free(d);
}

static void test_bruteforce_then_success_fires(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;

	(void)state;
	for (int i = 0; i < 5; i++)
		detect_auth_failure(d, "198.51.100.66", "kim", T0 + i * 10);
	detect_login(d, "sasl:kim", "198.51.100.66", T0 + 60);
	inc = detect_open_for(d, "sasl:kim");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_BRUTEFORCE].fired);
	assert_true(inc->signals[SIG_BRUTEFORCE].value == 5);
	assert_string_equal(inc->client_ips[0], "198.51.100.66");
	detect_free(d);
}

static void test_failures_that_name_no_login_count_as_bruteforce(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 5; i++)
		detect_auth_failure(d, "198.51.100.66", NULL, T0 + i);
	detect_login(d, "sasl:kim", "198.51.100.66", T0 + 60);
	assert_non_null(detect_open_for(d, "sasl:kim"));
	detect_free(d);
}

static void test_password_spray_then_success_fires(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "e" };
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 5; i++)
		detect_auth_failure(d, "198.51.100.66", names[i], T0 + i);
	detect_login(d, "sasl:zoe", "198.51.100.66", T0 + 10);
	assert_non_null(detect_open_for(d, "sasl:zoe"));
	detect_free(d);
}

static void test_stale_password_of_a_colleague_behind_nat_does_not_flag(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 30; i++)
		detect_auth_failure(d, "192.0.2.200", "printer", T0 + i * 10);
	detect_login(d, "sasl:liz", "192.0.2.200", T0 + 301);
	assert_null(detect_open_for(d, "sasl:liz"));
	detect_free(d);
}

static void test_failures_older_than_10_minutes_are_forgotten(void **state)
{
	struct detector *d = fresh_default();
	double clock = T0;

	(void)state;
	for (int i = 0; i < 5; i++)
		detect_auth_failure(d, "198.51.100.66", "kim", T0 + i);
	tick_to(d, &clock, T0 + 700);
	detect_login(d, "sasl:kim", "198.51.100.66", T0 + 700);
	assert_null(detect_open_for(d, "sasl:kim"));
	detect_free(d);
}

/* A quiet sender: one message a minute for `minutes`. */
static void quiet(struct detector *d, const char *identity, int minutes)
{
	for (int i = 0; i < minutes; i++)
		message(d, identity, T0 + i * 60, false, 1, "192.0.2.1");
}

/* 25 messages in 10 s: 150/min, under the RATE 10 s bound (30). */
static void burst(struct detector *d, const char *identity, double at, int n)
{
	for (int i = 0; i < n; i++)
		message(d, identity, at + i * 0.35, false, 1, "192.0.2.1");
}

static void test_spike_needs_learned_history(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	quiet(d, "sasl:mia", 5);		/* half the learning time */
	burst(d, "sasl:mia", T0 + 5 * 60, 25);
	assert_null(detect_open_for(d, "sasl:mia"));
	detect_free(d);
}

static void test_spike_fires_against_learned_baseline(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;

	(void)state;
	quiet(d, "sasl:ned", 15);
	burst(d, "sasl:ned", T0 + 15 * 60, 25);
	inc = detect_open_for(d, "sasl:ned");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_SPIKE].fired);
	assert_false(inc->signals[SIG_RATE].fired);
	assert_true(inc->signals[SIG_SPIKE].threshold == 60);	/* 10 x the floor */
	assert_true(inc->signals[SIG_SPIKE].value >= 20 * 6);
	detect_free(d);
}

static void test_spike_needs_a_minimum_absolute_count(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	quiet(d, "sasl:oli", 15);
	burst(d, "sasl:oli", T0 + 15 * 60, 15);	/* 90/min, but only 15 */
	assert_null(detect_open_for(d, "sasl:oli"));
	detect_free(d);
}

static void test_unset_spike_keys_take_the_safe_defaults(void **state)
{
	struct detect_config c = config();
	struct detector *d;

	(void)state;
	c.spike_min = 0;	/* a config file that does not know the keys */
	c.spike_learn = 0;
	d = fresh(&c);
	burst(d, "sasl:pia", T0, 12);		/* 72/min from a new identity */
	assert_null(detect_open_for(d, "sasl:pia"));
	detect_free(d);
}

static void test_global_flow_spike_is_attributed_by_share(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;

	(void)state;
	for (int i = 0; i < 400; i++)
		detect_flow(d, NULL, T0 + i * 0.02);
	for (int i = 0; i < 200; i++)
		detect_flow(d, "sasl:pat", T0 + i * 0.04);
	detect_tick(d, T0 + 8);
	inc = detect_open_for(d, "flows:global");
	assert_non_null(inc);
	assert_int_equal(opened, 1);
	assert_true(inc->signals[SIG_FLOW_SPIKE].fired);
	assert_true(inc->signals[SIG_FLOW_SPIKE].value == 600 * 6);
	assert_int_equal(inc->nshares, 2);
	assert_string_equal(inc->shares[0].identity, "unattributed");
	assert_int_equal(inc->shares[0].flows, 400);
	assert_true(near0(inc->shares[1].share - 1.0 / 3) < 1e-9);
	assert_string_equal(inc->shares[1].identity, "sasl:pat");
	assert_null(detect_open_for(d, "sasl:pat"));
	detect_free(d);
}

/* The daemon gives every flow at its connect, before a delivery line
 * claims it: a claim moves the flow from "unattributed" to the identity. */
static void test_claimed_flows_move_from_unattributed_to_their_identity(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;

	(void)state;
	for (int i = 0; i < 600; i++)
		detect_flow(d, NULL, T0 + i * 0.01);
	for (int i = 0; i < 450; i++)
		detect_flow_claimed(d, "sasl:pat", T0 + 1 + i * 0.01);
	detect_tick(d, T0 + 8);
	inc = detect_open_for(d, "flows:global");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_FLOW_SPIKE].value == 600 * 6);
	assert_int_equal(inc->nshares, 2);
	assert_string_equal(inc->shares[0].identity, "sasl:pat");
	assert_int_equal(inc->shares[0].flows, 450);
	assert_string_equal(inc->shares[1].identity, "unattributed");
	assert_int_equal(inc->shares[1].flows, 150);
	detect_free(d);
}

static void test_flow_spike_is_not_raised_when_an_identity_is_over_its_limit(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 600; i++) {
		message(d, "sasl:quinn", T0 + i * 0.015, false, 1, "192.0.2.1");
		detect_flow(d, "sasl:quinn", T0 + i * 0.015);
	}
	detect_tick(d, T0 + 9);
	assert_non_null(detect_open_for(d, "sasl:quinn"));
	assert_null(detect_open_for(d, "flows:global"));
	detect_free(d);
}

/* Boundaries: each threshold at exactly its value, then one more.  The
 * comparison is in detect.h: "> limit" stays quiet at the limit, ">= ratio"
 * fires at it. */

static void test_rate_boundary_60_in_a_minute_is_quiet_61_fires(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 60; i++)	/* 0.98 s apart: at most 11 in 10 s */
		message(d, "sasl:b_rate", T0 + i * 0.98, false, 1, "192.0.2.1");
	assert_null(detect_open_for(d, "sasl:b_rate"));
	message(d, "sasl:b_rate", T0 + 59.5, false, 1, "192.0.2.1");
	assert_non_null(detect_open_for(d, "sasl:b_rate"));
	assert_true(detect_open_for(d, "sasl:b_rate")->signals[SIG_RATE].value == 61);
	detect_free(d);
}

static void test_rate_boundary_30_in_10_seconds_is_quiet_31_fires(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 30; i++)
		message(d, "sasl:b_burst", T0 + i * 0.3, false, 1, "192.0.2.1");
	assert_null(detect_open_for(d, "sasl:b_burst"));
	message(d, "sasl:b_burst", T0 + 9.5, false, 1, "192.0.2.1");
	assert_non_null(detect_open_for(d, "sasl:b_burst"));
	assert_int_equal(detect_open_for(d, "sasl:b_burst")->signals[SIG_RATE].span, 10);
	detect_free(d);
}

static void test_recipients_boundary_300_is_quiet_301_fires(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	message(d, "sasl:b_rcpt", T0, false, 150, "192.0.2.1");
	message(d, "sasl:b_rcpt", T0 + 20, false, 150, "192.0.2.1");
	assert_null(detect_open_for(d, "sasl:b_rcpt"));
	message(d, "sasl:b_rcpt", T0 + 40, false, 1, "192.0.2.1");
	assert_non_null(detect_open_for(d, "sasl:b_rcpt"));
	assert_true(detect_open_for(d, "sasl:b_rcpt")->signals[SIG_RECIPIENTS].value == 301);
	detect_free(d);
}

static void test_foreign_boundary_ratio_at_0_8_fires_below_is_quiet(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	/* 3 of 5 foreign (0.6), then 4 of 6 (0.67): quiet */
	message(d, "sasl:b_frgn", T0, false, 1, "192.0.2.1");
	message(d, "sasl:b_frgn", T0 + 1, false, 1, "192.0.2.1");
	for (int i = 0; i < 4; i++) {
		message(d, "sasl:b_frgn", T0 + 2 + i, true, 1, "192.0.2.1");
		assert_null(detect_open_for(d, "sasl:b_frgn"));
	}
	/* one local, then foreign ones: 4 of 5 = 0.8 exactly fires */
	message(d, "sasl:b_frgn2", T0, false, 1, "192.0.2.1");
	for (int i = 0; i < 3; i++)
		message(d, "sasl:b_frgn2", T0 + 1 + i, true, 1, "192.0.2.1");
	assert_null(detect_open_for(d, "sasl:b_frgn2"));	/* 3 of 4: under foreign_min */
	message(d, "sasl:b_frgn2", T0 + 4, true, 1, "192.0.2.1");
	assert_non_null(detect_open_for(d, "sasl:b_frgn2"));
	assert_true(detect_open_for(d, "sasl:b_frgn2")->signals[SIG_FOREIGN].value == 0.8);
	detect_free(d);
}

static void test_fanout_boundary_5_addresses_quiet_6_fire(void **state)
{
	struct detector *d = fresh_default();
	char ip[32];

	(void)state;
	for (int i = 1; i <= 5; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		detect_login(d, "sasl:b_fan", ip, T0 + i);
	}
	detect_login(d, "sasl:b_fan", "203.0.113.1", T0 + 10);	/* again: not new */
	assert_null(detect_open_for(d, "sasl:b_fan"));
	detect_login(d, "sasl:b_fan", "203.0.113.6", T0 + 11);
	assert_non_null(detect_open_for(d, "sasl:b_fan"));
	detect_free(d);
}

static void test_bounces_boundary_half_of_20_fires_9_of_20_is_quiet(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	/* 9 bad of 20 (0.45): quiet */
	for (int i = 0; i < 20; i++)
		detect_delivery(d, "sasl:b_bnc", NULL, i < 9 ? MSG_BOUNCED : MSG_SENT,
				"x@example.net", T0 + i);
	assert_null(detect_open_for(d, "sasl:b_bnc"));
	/* 10 bad of 19: over the ratio, under bounce_min */
	for (int i = 0; i < 10; i++)
		detect_delivery(d, "sasl:b_bnc2", NULL, MSG_BOUNCED, "x@example.net", T0 + i);
	for (int i = 0; i < 9; i++)
		detect_delivery(d, "sasl:b_bnc2", NULL, MSG_SENT, "x@example.net", T0 + 10 + i);
	assert_null(detect_open_for(d, "sasl:b_bnc2"));
	/* the 20th: 10 of 20 = 0.5 exactly */
	detect_delivery(d, "sasl:b_bnc2", NULL, MSG_SENT, "x@example.net", T0 + 19);
	assert_non_null(detect_open_for(d, "sasl:b_bnc2"));
	assert_true(detect_open_for(d, "sasl:b_bnc2")->signals[SIG_BOUNCES].value == 0.5);
	detect_free(d);
}

static void test_bruteforce_boundary_4_failures_quiet_5_fire(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 4; i++)
		detect_auth_failure(d, "198.51.100.7", "b_bf", T0 + i);
	detect_login(d, "sasl:b_bf", "198.51.100.7", T0 + 10);
	assert_null(detect_open_for(d, "sasl:b_bf"));
	for (int i = 0; i < 5; i++)
		detect_auth_failure(d, "198.51.100.8", "b_bf2", T0 + i);
	detect_login(d, "sasl:b_bf2", "198.51.100.8", T0 + 10);
	assert_non_null(detect_open_for(d, "sasl:b_bf2"));
	detect_free(d);
}

static void test_spike_boundary_19_in_10_seconds_quiet_20_fire(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	quiet(d, "sasl:b_spk", 15);
	burst(d, "sasl:b_spk", T0 + 15 * 60, 19);	/* 114/min > 60, but 19 < spike_min */
	assert_null(detect_open_for(d, "sasl:b_spk"));
	message(d, "sasl:b_spk", T0 + 15 * 60 + 19 * 0.35, false, 1, "192.0.2.1");
	assert_non_null(detect_open_for(d, "sasl:b_spk"));
	assert_true(detect_open_for(d, "sasl:b_spk")->signals[SIG_SPIKE].fired);
	detect_free(d);
}

static void test_spike_boundary_at_factor_times_baseline_is_quiet(void **state)
{
	struct detect_config c = config();
	struct detector *d;

	(void)state;
	c.spike_min = 5;		/* so the factor decides: 60/min = 10 in 10 s */
	c.max_messages_per_minute = 1000;
	d = fresh(&c);
	quiet(d, "sasl:b_spf", 15);
	burst(d, "sasl:b_spf", T0 + 15 * 60, 10);	/* exactly 10 x the floor of 6 */
	assert_null(detect_open_for(d, "sasl:b_spf"));
	message(d, "sasl:b_spf", T0 + 15 * 60 + 3.6, false, 1, "192.0.2.1");
	assert_non_null(detect_open_for(d, "sasl:b_spf"));
	detect_free(d);
}

static void test_flow_spike_boundary_500_in_10_seconds_quiet_501_fire(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 500; i++)
		detect_flow(d, NULL, T0 + i * 0.01);
	detect_tick(d, T0 + 6);
	assert_null(detect_open_for(d, "flows:global"));	/* 500 x 6 = 3000 */
	detect_flow(d, NULL, T0 + 6.5);
	detect_tick(d, T0 + 7);
	assert_non_null(detect_open_for(d, "flows:global"));
	detect_free(d);
}

static void test_flow_spike_boundary_counts_only_undeclared_flows(void **state)
{
	struct detect_config c = config();
	struct detector *d;

	(void)state;
	snprintf(c.allow[0], sizeof(c.allow[0]), "sasl:newsletter");
	c.nallow = 1;
	d = fresh(&c);
	for (int i = 0; i < 100; i++)		/* declared volume */
		detect_flow(d, "sasl:newsletter", T0 + i * 0.01);
	for (int i = 0; i < 500; i++)
		detect_flow(d, NULL, T0 + i * 0.01);
	detect_tick(d, T0 + 6);
	assert_null(detect_open_for(d, "flows:global"));	/* (600 - 100) x 6 = 3000 */
	detect_flow(d, NULL, T0 + 6.5);
	detect_tick(d, T0 + 7);
	assert_non_null(detect_open_for(d, "flows:global"));
	detect_free(d);
}

/* Incidents: updates, states, JSON */

static void test_later_signal_updates_the_open_incident(void **state)
{
	struct detector *d = fresh_default();
	struct detect_stats st;
	const struct incident *inc;
	char id[DETECT_ID_MAX];

	(void)state;
	for (int i = 0; i < 5; i++)
		message(d, "sasl:rob", T0 + i * 0.1, true, 1, "192.0.2.1");
	inc = detect_open_for(d, "sasl:rob");
	assert_non_null(inc);
	snprintf(id, sizeof(id), "%s", inc->id);
	assert_false(inc->signals[SIG_RATE].fired);
	for (int i = 5; i < 40; i++)
		message(d, "sasl:rob", T0 + i * 0.1, true, 1, "192.0.2.1");
	assert_int_equal(opened, 1);
	assert_int_equal(updated, 1);
	assert_string_equal(last.id, id);
	assert_true(last.signals[SIG_RATE].fired && last.signals[SIG_FOREIGN].fired);
	assert_true(last.score > 2);
	detect_stats(d, &st);
	assert_int_equal(st.fired[SIG_RATE], 1);
	assert_int_equal(st.fired[SIG_FOREIGN], 1);
	assert_int_equal(st.open, 1);
	/* new evidence is called back from tick, once a second at most */
	detect_tick(d, T0 + 5);
	assert_int_equal(updated, 2);
	assert_int_equal(last.messages, 40);
	detect_tick(d, T0 + 5.5);
	assert_int_equal(updated, 2);
	detect_free(d);
}

static void test_resolved_incident_is_kept_and_identity_may_open_again(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc, *list[4];
	char id[DETECT_ID_MAX];

	(void)state;
	for (int i = 0; i < 5; i++)
		message(d, "sasl:sam", T0 + i * 0.1, true, 1, "192.0.2.1");
	inc = detect_open_for(d, "sasl:sam");
	assert_non_null(inc);
	snprintf(id, sizeof(id), "%s", inc->id);
	detect_set_state(d, id, INCIDENT_ACTED);
	assert_int_equal(detect_find(d, id)->state, INCIDENT_ACTED);
	detect_set_state(d, id, INCIDENT_RESOLVED);
	assert_null(detect_open_for(d, "sasl:sam"));
	inc = detect_find(d, id);
	assert_non_null(inc);
	assert_int_equal(inc->state, INCIDENT_RESOLVED);
	message(d, "sasl:sam", T0 + 1, true, 1, "192.0.2.1");
	inc = detect_open_for(d, "sasl:sam");
	assert_non_null(inc);
	assert_string_not_equal(inc->id, id);
	assert_int_equal(detect_incidents(d, list, 4), 2);
	assert_ptr_equal(list[0], inc);
	assert_string_equal(list[1]->id, id);
	detect_free(d);
}

static void test_incident_json_round_trips_through_restore(void **state)
{
	struct detector *d = fresh_default(), *e;
	const struct incident *inc, *back;
	char *json, *again;

	(void)state;
	for (int i = 0; i < 40; i++)
		message(d, "sasl:tom", T0 + 0.5 + i * 0.1, true, 3, "203.0.113.9");
	detect_login(d, "sasl:tom", "203.0.113.10", T0 + 4.5);
	inc = detect_open_for(d, "sasl:tom");
	assert_non_null(inc);
	json = incident_json(inc);
	assert_non_null(json);
	e = fresh_default();
	assert_int_equal(detect_restore(e, json), 0);
	assert_int_equal(detect_restore(e, json), -1);	/* the same id twice */
	back = detect_open_for(e, "sasl:tom");
	assert_non_null(back);
	assert_ptr_equal(detect_find(e, inc->id), back);
	assert_true(back->first_seen == inc->first_seen);
	assert_true(back->score == inc->score);
	assert_int_equal(back->nqids, inc->nqids);
	assert_int_equal(back->nlines, inc->nlines);
	assert_string_equal(back->lines[0], inc->lines[0]);
	again = incident_json(back);
	assert_string_equal(again, json);
	assert_int_equal(detect_restore(e, "{\"id\":\"x\"}"), -1);
	assert_int_equal(detect_restore(e, "not json"), -1);
	free(json);
	free(again);
	detect_free(e);
	detect_free(d);
}

static void test_resolved_incident_restores_into_the_ring(void **state)
{
	struct detector *d = fresh_default();
	const char *json = "{\"id\":\"20251127T072501-0001\",\"identity\":\"sasl:u\","
			   "\"state\":\"resolved\",\"signals\":{\"rate\":{\"value\":100,"
			   "\"threshold\":60,\"span\":60}}}";
	const struct incident *inc;

	(void)state;
	assert_int_equal(detect_restore(d, json), 0);
	assert_null(detect_open_for(d, "sasl:u"));
	inc = detect_find(d, "20251127T072501-0001");
	assert_non_null(inc);
	assert_int_equal(inc->state, INCIDENT_RESOLVED);
	assert_true(inc->signals[SIG_RATE].fired && inc->signals[SIG_RATE].value == 100);
	detect_free(d);
}

static void test_hostile_identity_and_lines_produce_valid_json(void **state)
{
	static const char evil[] = "sasl:ev\"il\\\n\x01\xff\xfe\xc0\xaf}";
	struct detector *d = fresh_default();
	struct detect_message m;
	struct message msg;
	const struct incident *inc;
	json_t *o;
	char *json;
	/* quotes, newline, a NUL, overlong and truncated UTF-8 */
	static const char line[] = "from=<\"a\nb\"@x>\0\xff\xe2\x82 \xf0\x9f\x92\xa9 end\n";

	(void)state;
	memset(&msg, 0, sizeof(msg));
	snprintf(msg.instance, sizeof(msg.instance), "postfix");
	snprintf(msg.qid, sizeof(msg.qid), "ABC\xff");
	snprintf(msg.client_ip, sizeof(msg.client_ip), "\xff\"1.2.3.4");
	msg.has_sender = true;
	msg.nrcpt = 1;
	m.identity = evil;
	m.msg = &msg;
	m.line = line;
	m.line_len = sizeof(line) - 1;
	for (int i = 0; i < 5; i++) {
		m.t = T0 + i;
		detect_message(d, &m);
	}
	inc = detect_open_for(d, evil);
	assert_non_null(inc);
	json = incident_json(inc);
	assert_non_null(json);
	assert_null(strchr(json, '\n'));
	o = json_loads(json, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "identity")),
			    "sasl:ev\"il\\\n\x01\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd}");
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(o, "lines"), 0)),
			       "\xf0\x9f\x92\xa9 end"));
	json_decref(o);
	free(json);
	detect_free(d);
}

/* Bounds */

static void test_eviction_at_max_identities_is_counted(void **state)
{
	struct detect_config c = config();
	struct detect_stats st;
	struct detector *d;
	char id[32];

	(void)state;
	c.max_identities = 3;
	d = fresh(&c);
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "sasl:user%d", i);
		message(d, id, T0 + i, false, 1, "192.0.2.1");
	}
	message(d, "sasl:user2", T0 + 6, false, 1, "192.0.2.1");	/* now most recent */
	message(d, "sasl:user9", T0 + 7, false, 1, "192.0.2.1");
	detect_stats(d, &st);
	assert_int_equal(st.identities, 3);
	assert_int_equal(st.evictions, 3);
	{
		struct detect_rate top[8];
		size_t n = detect_top(d, top, 8);

		assert_int_equal(n, 3);
		for (size_t i = 0; i < n; i++)
			assert_string_not_equal(top[i].identity, "sasl:user3");
	}
	detect_free(d);
}

/* n incidents of sasl:u0.. sasl:u(n-1), opened in that order by foreign mail. */
static void open_many(struct detector *d, int from, int n)
{
	char id[32];

	for (int u = from; u < from + n; u++) {
		snprintf(id, sizeof(id), "sasl:u%d", u);
		for (int i = 0; i < 5; i++)
			message(d, id, T0 + u * 0.001 + i * 0.1, true, 1, "192.0.2.1");
	}
}

static void set_state_of(struct detector *d, const char *identity, enum incident_state s)
{
	const struct incident *inc = detect_open_for(d, identity);

	assert_non_null(inc);
	detect_set_state(d, inc->id, s);
}

static void test_a_full_table_evicts_the_oldest_unacted_incident_for_a_new_one(void **state)
{
	struct detector *d = fresh_default();
	struct detect_stats st;
	const struct incident *gone;

	(void)state;
	open_many(d, 0, DETECT_MAX_OPEN);
	set_state_of(d, "sasl:u0", INCIDENT_ACTED);
	set_state_of(d, "sasl:u1", INCIDENT_ACTED);
	set_state_of(d, "sasl:u2", INCIDENT_OBSERVED);	/* observed: not acted */
	open_many(d, DETECT_MAX_OPEN, 2);
	detect_stats(d, &st);
	assert_int_equal(opened, DETECT_MAX_OPEN + 2);
	assert_int_equal(st.open, DETECT_MAX_OPEN);
	assert_int_equal(st.incidents_evicted, 2);
	assert_int_equal(st.incidents_dropped, 0);
	/* the new ones are open; the acted ones stay; u2 and u3 went */
	assert_non_null(detect_open_for(d, "sasl:u1024"));
	assert_non_null(detect_open_for(d, "sasl:u1025"));
	assert_non_null(detect_open_for(d, "sasl:u0"));
	assert_non_null(detect_open_for(d, "sasl:u1"));
	assert_null(detect_open_for(d, "sasl:u2"));
	assert_null(detect_open_for(d, "sasl:u3"));
	assert_non_null(detect_open_for(d, "sasl:u4"));
	assert_int_equal(nclosed, 2);
	assert_string_equal(last_closed.identity, "sasl:u3");
	assert_int_equal(last_closed.state, INCIDENT_RESOLVED);
	assert_int_equal(last_closed.end, END_EVICTED);
	gone = detect_find(d, last_closed.id);
	assert_non_null(gone);
	assert_int_equal(gone->end, END_EVICTED);
	detect_free(d);
}

static void test_when_every_open_incident_is_acted_the_oldest_is_evicted(void **state)
{
	struct detector *d = fresh_default();
	char id[32];

	(void)state;
	open_many(d, 0, DETECT_MAX_OPEN);
	for (int u = 0; u < DETECT_MAX_OPEN; u++) {
		snprintf(id, sizeof(id), "sasl:u%d", u);
		set_state_of(d, id, INCIDENT_ACTED);
	}
	open_many(d, DETECT_MAX_OPEN, 1);
	assert_non_null(detect_open_for(d, "sasl:u1024"));
	assert_null(detect_open_for(d, "sasl:u0"));
	assert_non_null(detect_open_for(d, "sasl:u1"));
	assert_int_equal(last_closed.end, END_EVICTED);
	assert_string_equal(last_closed.identity, "sasl:u0");
	detect_free(d);
}

static void test_restoring_more_than_the_bound_is_counted(void **state)
{
	struct detector *d = fresh_default(), *e = fresh_default();
	const struct incident *list[DETECT_MAX_OPEN + 1];
	struct detect_stats st;
	char *json;
	size_t n;

	(void)state;
	open_many(d, 0, DETECT_MAX_OPEN);
	n = detect_incidents(d, list, DETECT_MAX_OPEN);
	for (size_t i = 0; i < n; i++) {
		json = incident_json(list[i]);
		assert_int_equal(detect_restore(e, json), 0);
		free(json);
	}
	open_many(d, DETECT_MAX_OPEN, 1);
	json = incident_json(detect_open_for(d, "sasl:u1024"));
	assert_int_equal(detect_restore(e, json), -1);
	free(json);
	detect_stats(e, &st);
	assert_int_equal(st.incidents_dropped, 1);
	detect_free(e);
	detect_free(d);
}

/* Life cycle: expiry, the runtime allow-list */

static void test_a_quiet_incident_expires_at_incident_expiry_not_a_second_before(void **state)
{
	struct detect_config c = config();
	struct detector *d;
	const struct incident *inc;
	char id[DETECT_ID_MAX], *json;
	double quiet_since;

	(void)state;
	c.incident_expiry = 600;
	d = fresh(&c);
	for (int i = 0; i < 5; i++)
		message(d, "sasl:quiet", T0 + i * 0.1, true, 1, "192.0.2.1");
	inc = detect_open_for(d, "sasl:quiet");
	assert_non_null(inc);
	snprintf(id, sizeof(id), "%s", inc->id);
	quiet_since = inc->updated;
	assert_true(quiet_since == T0 + 0.4);
	detect_set_state(d, id, INCIDENT_ACTED);	/* acted ones expire too */
	detect_tick(d, quiet_since + 599);
	assert_non_null(detect_open_for(d, "sasl:quiet"));
	assert_int_equal(nclosed, 0);
	detect_tick(d, quiet_since + 600);
	assert_null(detect_open_for(d, "sasl:quiet"));
	assert_int_equal(nclosed, 1);
	assert_string_equal(last_closed.id, id);
	assert_int_equal(last_closed.end, END_EXPIRED);
	inc = detect_find(d, id);
	assert_non_null(inc);
	assert_int_equal(inc->state, INCIDENT_RESOLVED);
	json = incident_json(inc);
	assert_non_null(strstr(json, "\"state\":\"resolved\",\"resolution\":\"expired\""));
	free(json);
	{
		struct detect_stats st;

		detect_stats(d, &st);
		assert_int_equal(st.incidents_expired, 1);
		assert_int_equal(st.open, 0);
	}
	detect_free(d);
}

static void test_an_event_of_its_identity_keeps_an_incident_from_expiring(void **state)
{
	struct detect_config c = config();
	struct detector *d;

	(void)state;
	c.incident_expiry = 600;
	d = fresh(&c);
	for (int i = 0; i < 5; i++)
		message(d, "sasl:busy", T0 + i * 0.1, true, 1, "192.0.2.1");
	detect_delivery(d, "sasl:busy", NULL, MSG_SENT, "x@example.net", T0 + 300);
	detect_tick(d, T0 + 600.4);
	assert_non_null(detect_open_for(d, "sasl:busy"));
	detect_tick(d, T0 + 900);
	assert_null(detect_open_for(d, "sasl:busy"));
	detect_free(d);
}

static void test_an_unset_expiry_takes_the_default_never_none(void **state)
{
	struct detect_config c = config();
	struct detector *d;

	(void)state;
	assert_int_equal(c.incident_expiry, 3600);
	c.incident_expiry = 0;
	d = fresh(&c);
	for (int i = 0; i < 5; i++)
		message(d, "sasl:q", T0 + i * 0.1, true, 1, "192.0.2.1");
	detect_tick(d, T0 + 0.4 + 3599);
	assert_non_null(detect_open_for(d, "sasl:q"));
	detect_tick(d, T0 + 0.4 + 3600);
	assert_null(detect_open_for(d, "sasl:q"));
	detect_free(d);
}

static void test_resolve_by_hand_says_how(void **state)
{
	struct detector *d = fresh_default();
	const struct incident *inc;
	char id[DETECT_ID_MAX];

	(void)state;
	for (int i = 0; i < 5; i++)
		message(d, "sasl:fp", T0 + i * 0.1, true, 1, "192.0.2.1");
	inc = detect_open_for(d, "sasl:fp");
	snprintf(id, sizeof(id), "%s", inc->id);
	assert_int_equal(detect_resolve(d, id, END_NONE), -1);
	assert_int_equal(detect_resolve(d, id, END_DISMISSED), 0);
	assert_int_equal(detect_resolve(d, id, END_RESOLVED), -1);	/* not open */
	assert_int_equal(detect_find(d, id)->end, END_DISMISSED);
	assert_int_equal(nclosed, 0);		/* by hand: no callback */
	{
		char *json = incident_json(detect_find(d, id));
		struct detector *e = fresh_default();

		assert_int_equal(detect_restore(e, json), 0);
		assert_int_equal(detect_find(e, id)->end, END_DISMISSED);
		free(json);
		detect_free(e);
	}
	detect_free(d);
}

static void test_an_allowance_keeps_an_identity_quiet_until_its_time(void **state)
{
	struct detector *d = fresh_default();
	struct detect_allowance list[4];
	struct detect_stats st;

	(void)state;
	message(d, "sasl:news", T0, true, 1, "192.0.2.1");
	assert_int_equal(detect_allow(d, "sasl:news", T0 + 100), 0);
	assert_int_equal(detect_allowances(d, list, 4), 1);
	assert_string_equal(list[0].identity, "sasl:news");
	for (int i = 0; i < 10; i++)
		message(d, "sasl:news", T0 + 99 + i * 0.09, true, 1, "192.0.2.1");
	assert_null(detect_open_for(d, "sasl:news"));	/* 10 foreign in a minute */
	detect_tick(d, T0 + 99.9);
	detect_stats(d, &st);
	assert_int_equal(st.allowed, 1);
	message(d, "sasl:news", T0 + 100, true, 1, "192.0.2.1");
	assert_non_null(detect_open_for(d, "sasl:news"));
	detect_tick(d, T0 + 100);
	detect_stats(d, &st);
	assert_int_equal(st.allowed, 0);
	assert_int_equal(detect_allowances(d, list, 4), 0);
	detect_free(d);
}

static void test_the_allow_list_is_bounded(void **state)
{
	struct detector *d = fresh_default();
	char id[32];

	(void)state;
	for (int i = 0; i < DETECT_MAX_ALLOWED; i++) {
		snprintf(id, sizeof(id), "sasl:a%d", i);
		assert_int_equal(detect_allow(d, id, T0 + 100), 0);
	}
	assert_int_equal(detect_allow(d, "sasl:one-more", T0 + 100), -1);
	assert_int_equal(detect_allow(d, "sasl:a7", T0 + 200), 0);	/* a new time */
	assert_int_equal(detect_allow(d, "", T0 + 200), -1);
	detect_free(d);
}

/* Per-client incident rate */

/* Five failed logins naming nobody from ip, then a login of each of n
 * names from it, all at t. */
static void logins_after_failures(struct detector *d, const char *ip, int from, int n, double t)
{
	char id[32];

	for (int i = 0; i < 5; i++)
		detect_auth_failure(d, ip, NULL, t - 10 + i);
	for (int u = from; u < from + n; u++) {
		snprintf(id, sizeof(id), "sasl:v%d", u);
		detect_login(d, id, ip, t);
	}
}

static void test_one_client_opens_max_incidents_per_ip_and_not_one_more(void **state)
{
	struct detect_config c = config();
	struct detect_stats st;
	struct detector *d;

	(void)state;
	assert_int_equal(c.max_incidents_per_ip, 10);
	d = fresh(&c);
	logins_after_failures(d, "203.0.113.50", 0, 10, T0);
	assert_int_equal(opened, 10);
	logins_after_failures(d, "203.0.113.50", 10, 1, T0);
	assert_int_equal(opened, 10);
	assert_null(detect_open_for(d, "sasl:v10"));
	detect_stats(d, &st);
	assert_int_equal(st.incidents_ratelimited, 1);
	assert_int_equal(st.rate_ips, 1);
	/* another client is not held back by this one */
	logins_after_failures(d, "203.0.113.51", 100, 1, T0);
	assert_int_equal(opened, 11);
	/* one token per DETECT_IP_PERIOD / 10 s: not before */
	detect_login(d, "sasl:v10", "203.0.113.50", T0 + DETECT_IP_PERIOD / 10.0 - 1);
	assert_null(detect_open_for(d, "sasl:v10"));
	detect_login(d, "sasl:v10", "203.0.113.50", T0 + DETECT_IP_PERIOD / 10.0);
	assert_non_null(detect_open_for(d, "sasl:v10"));
	detect_free(d);
}

static void test_incidents_opened_by_messages_take_no_client_token(void **state)
{
	struct detector *d = fresh_default();
	char id[32];

	(void)state;
	/* a webmail front end: every account's mail comes from one address */
	for (int u = 0; u < 20; u++) {
		snprintf(id, sizeof(id), "sasl:w%d", u);
		for (int i = 0; i < 5; i++)
			message(d, id, T0 + u * 0.01 + i * 0.1, true, 1, "10.0.0.5");
	}
	assert_int_equal(opened, 20);
	detect_free(d);
}

static void test_a_flood_of_single_failures_does_not_evict_an_attackers_five(void **state)
{
	struct detector *d = fresh_default();
	char ip[48];

	(void)state;
	for (int i = 0; i < 5; i++)
		detect_auth_failure(d, "198.51.100.66", "kim", T0 + i);
	for (int i = 0; i < DETECT_MAX_FAILURES * 2; i++) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		detect_auth_failure(d, ip, "x", T0 + 5 + i * 0.001);
	}
	detect_login(d, "sasl:kim", "198.51.100.66", T0 + 30);
	assert_non_null(detect_open_for(d, "sasl:kim"));
	detect_free(d);
}

static void test_failed_login_table_is_bounded_and_counted(void **state)
{
	struct detector *d = fresh_default();
	struct detect_stats st;
	char ip[48];

	(void)state;
	for (int i = 0; i < DETECT_MAX_FAILURES + 10; i++) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		detect_auth_failure(d, ip, "x", T0 + i * 0.001);
	}
	detect_stats(d, &st);
	assert_int_equal(st.failures_evicted, 10);
	detect_free(d);
}

/* Time */

static void test_out_of_order_lines_count_in_their_own_second(void **state)
{
	struct detector *d = fresh_default();
	struct detect_rate top[1];

	(void)state;
	message(d, "sasl:uma", T0 + 100, false, 1, "192.0.2.1");
	message(d, "sasl:uma", T0 + 95, false, 1, "192.0.2.1");	/* 5 s late */
	message(d, "sasl:uma", T0 + 30, false, 1, "192.0.2.1");	/* only the 10 min span */
	assert_int_equal(detect_top(d, top, 1), 1);
	assert_int_equal(top[0].messages_10s, 2);
	assert_int_equal(top[0].messages_60s, 2);
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_time_going_backwards_does_not_crash_or_corrupt_buckets(void **state)
{
	struct detector *d = fresh_default();
	struct detect_rate top[2];

	(void)state;
	for (int i = 0; i < 20; i++)
		message(d, "sasl:vic", T0 + i, false, 1, "192.0.2.1");
	/* a far future line, then the clock steps back an hour (summer time) */
	message(d, "sasl:vic", T0 + 1e8, false, 1, "192.0.2.1");
	message(d, "sasl:vic", T0 - 3600, false, 1, "192.0.2.1");
	message(d, "sasl:vic", NAN, false, 1, "192.0.2.1");
	message(d, "sasl:vic", -INFINITY, false, 1, "192.0.2.1");
	message(d, "sasl:vic", 1e300, false, 1, "192.0.2.1");
	detect_tick(d, NAN);
	detect_tick(d, -5);
	detect_login(d, "sasl:vic", "192.0.2.1", -1e300);
	detect_delivery(d, "sasl:vic", NULL, (enum msg_status)99, NULL, T0);
	detect_flow(d, "", INFINITY);
	message(d, "sasl:vic", T0 - 3599, false, 1, "192.0.2.1");
	message(d, "sasl:vic", T0 - 3598, false, 1, "192.0.2.1");
	detect_tick(d, T0 - 3598);
	assert_int_equal(detect_top(d, top, 2), 1);
	assert_int_equal(top[0].messages_60s, 2);	/* the restarted window */
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_ten_minute_span_keeps_what_the_minute_span_forgot(void **state)
{
	struct window w;
	struct win_totals t;

	(void)state;
	window_init(&w);
	window_add(&w, 1000, 250000, WC_MESSAGES, 1);
	window_add(&w, 1030, 0, WC_MESSAGES, 1);
	window_add(&w, 1500, 0, WC_MESSAGES, 1);
	window_sum(&w, 1500, 60, &t);
	assert_int_equal(t.c[WC_MESSAGES], 1);
	window_sum(&w, 1500, 600, &t);
	assert_int_equal(t.c[WC_MESSAGES], 3);
	assert_true(window_first(&w, 1500, 600, WC_MESSAGES) == 1000);
	window_sum(&w, 1640, 600, &t);	/* read later than the head */
	assert_int_equal(t.c[WC_MESSAGES], 1);
	for (int i = 0; i < 70000; i++)
		window_add(&w, 1500, 0, WC_RECIPIENTS, 1);
	window_sum(&w, 1500, 10, &t);
	assert_int_equal(t.c[WC_RECIPIENTS], UINT16_MAX);	/* saturates */
}

static void test_first_message_of_a_span_is_kept_to_the_microsecond(void **state)
{
	struct window w;

	(void)state;
	window_init(&w);
	window_add(&w, 1000, 250000, WC_MESSAGES, 1);
	window_add(&w, 1000, 100, WC_MESSAGES, 1);	/* logged later, happened first */
	window_add(&w, 1003, 5, WC_MESSAGES, 1);
	assert_true(near0(window_first(&w, 1003, 60, WC_MESSAGES) - 1000.0001) < 1e-9);
	assert_true(near0(window_first(&w, 1003, 600, WC_MESSAGES) - 1000.0001) < 1e-9);
	assert_true(near0(window_first(&w, 1003, 2, WC_MESSAGES) - 1003.000005) < 1e-9);
	assert_true(window_first(&w, 1003, 60, WC_FLOWS) < 0);
}

/* The ring totals (read for whole spans) always equal their buckets. */
static void test_running_totals_match_the_buckets_under_random_time(void **state)
{
	uint64_t x = 88172645463325252ULL;	/* xorshift, fixed seed */
	int64_t t = 100000;
	struct window w;

	(void)state;
	window_init(&w);
	for (int i = 0; i < 200000; i++) {
		uint32_t want[WC_N] = { 0 }, tens[WC_N] = { 0 };

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* mostly forward, sometimes late, rarely a jump either way */
		t += (int64_t)(x % 7) - 2;
		if (x % 1000 == 0)
			t += (x & 1) ? 700 : -900;
		window_add(&w, t - (int64_t)((x >> 8) % 90), 0, (enum win_counter)((x >> 20) % WC_N),
			   (uint32_t)((x >> 32) % 5000));
		if (i % 997)
			continue;
		for (unsigned s = 0; s < WIN_SECONDS; s++)
			for (unsigned c = 0; c < WC_N; c++)
				want[c] += w.sec[s][c];
		for (unsigned s = 0; s < WIN_TENS; s++)
			for (unsigned c = 0; c < WC_N; c++)
				tens[c] += w.tens[s][c];
		assert_memory_equal(want, w.sec_total, sizeof(want));
		assert_memory_equal(tens, w.tens_total, sizeof(tens));
	}
}

/* ---- bounce storms: notifications count for the account ------------------ */

static double rate_of(struct detector *d, const char *identity, unsigned *deliveries)
{
	struct detect_rate top[8];
	size_t n = detect_top(d, top, 8);

	for (size_t i = 0; i < n; i++)
		if (strcmp(top[i].identity, identity) == 0) {
			*deliveries = top[i].deliveries_60s;
			return top[i].messages_60s;
		}
	*deliveries = 0;
	return -1;
}

static void test_notification_deliveries_count_as_the_accounts_bounces(void **state)
{
	struct detector *d = fresh_default();
	unsigned deliveries;

	(void)state;
	for (int i = 0; i < 12; i++)
		detect_delivery(d, "sasl:mallory", NULL, MSG_SENT, "x@example.net", T0 + i);
	/* notifications that reach their senders: the bounces counted already */
	for (int i = 0; i < 30; i++)
		detect_notification(d, "sasl:mallory", MSG_NOTIFY_FAILURE, MSG_SENT, T0 + 12 + i / 3.0);
	assert_null(detect_open_for(d, "sasl:mallory"));
	/* notifications to forged senders that bounce or wait: backscatter */
	for (int i = 0; i < 11; i++)
		detect_notification(d, "sasl:mallory", MSG_NOTIFY_FAILURE, MSG_BOUNCED, T0 + 25 + i);
	assert_null(detect_open_for(d, "sasl:mallory"));	/* 11 of 23 */
	detect_notification(d, "sasl:mallory", MSG_NOTIFY_DELAY, MSG_DEFERRED, T0 + 40);
	assert_non_null(detect_open_for(d, "sasl:mallory"));	/* 12 of 24 */
	assert_true(detect_open_for(d, "sasl:mallory")->signals[SIG_BOUNCES].fired);
	/* not messages of the account's own */
	assert_true(rate_of(d, "sasl:mallory", &deliveries) == 0);
	assert_int_equal(deliveries, 24);
	detect_free(d);
}

static void test_dsn_success_and_postmaster_copies_are_no_bounces(void **state)
{
	struct detector *d = fresh_default();

	(void)state;
	for (int i = 0; i < 12; i++)
		detect_delivery(d, "sasl:dsn", NULL, MSG_SENT, "x@example.net", T0 + i);
	for (int i = 0; i < 30; i++) {
		detect_notification(d, "sasl:dsn", MSG_NOTIFY_SUCCESS, MSG_SENT, T0 + 20 + i);
		detect_notification(d, "sasl:dsn", MSG_NOTIFY_POSTMASTER, MSG_BOUNCED, T0 + 20 + i);
		detect_notification(d, "sasl:dsn", MSG_NOTIFY_NONE, MSG_BOUNCED, T0 + 20 + i);
	}
	assert_null(detect_open_for(d, "sasl:dsn"));
	detect_free(d);
}

/* What respond.c does with the message table's reports. */
static void storm_accepted(const struct message *m, void *arg)
{
	struct detect_message dm = { m->identity, m, (double)m->accepted_at, NULL, 0 };

	detect_message(arg, &dm);
}

static void storm_delivery(const struct message *m, enum msg_status s, time_t t, void *arg)
{
	if (m->notify)
		detect_notification(arg, m->identity, m->notify, s, (double)t);
	else
		detect_delivery(arg, m->identity, m->qid, s, NULL, (double)t);
}

static void storm_line(struct msg_table *t, int sec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void storm_line(struct msg_table *t, int sec, const char *fmt, ...)
{
	char line[512];
	struct syslog_line l;
	struct postfix_record r;
	va_list ap;
	int n = snprintf(line, sizeof(line), "2025-11-27T07:25:%02d+00:00 mx1 ", sec);

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	assert_int_equal(syslog_parse(&l, line, strlen(line), (time_t)T0), SYSLOG_OK);
	assert_true(postfix_parse(&r, l.program, l.msg, NULL) > POSTFIX_IGNORED);
	msg_table_record(t, &l, &r);
}

/* Ten spams to dead addresses from a forged sender: ten bounced deliveries
 * alone are under bounce_min; the ten notifications back to the forged
 * sender, bouncing too, are the account's as well, and name it. */
static void test_bounce_storm_through_the_message_table_names_the_account(void **state)
{
	struct detector *d = fresh_default();
	static const char *const ours[] = { "forged.example", NULL };
	const struct msg_config mc = { .max_messages = 64, .grace = 60, .max_age = 86400,
				       .local_domains = ours };
	struct msg_callbacks cb = { storm_accepted, storm_delivery, d, NULL, NULL };
	struct msg_table *t = msg_table_new(&mc, &cb);
	const struct incident *inc;

	(void)state;
	for (int i = 0; i < 10; i++) {
		storm_line(t, i, "postfix/submission/smtpd[100]: A1B2C3D4%02d: client=unknown"
			   "[203.0.113.66], sasl_method=LOGIN, sasl_username=mallory", i);
		storm_line(t, i, "postfix/qmgr[7]: A1B2C3D4%02d: from=<ceo@forged.example>, "
			   "size=900, nrcpt=1 (queue active)", i);
		storm_line(t, i, "postfix/smtp[200]: A1B2C3D4%02d: to=<x%d@dead.example>, "
			   "relay=mx.dead.example[198.51.100.9]:25, delay=0.2, delays=0/0/0.1/0.1, "
			   "dsn=5.1.1, status=bounced (host mx.dead.example[198.51.100.9] said: 550 "
			   "5.1.1 no such user (in reply to RCPT TO command))", i, i);
		storm_line(t, i, "postfix/bounce[300]: A1B2C3D4%02d: sender non-delivery "
			   "notification: B1B2C3D4%02d", i, i);
		storm_line(t, i, "postfix/qmgr[7]: B1B2C3D4%02d: from=<>, size=2900, nrcpt=1 "
			   "(queue active)", i);
		inc = detect_open_for(d, "sasl:mallory");
		if (i == 9)	/* 19 of 19, under bounce_min */
			assert_true(!inc || !inc->signals[SIG_BOUNCES].fired);
		storm_line(t, i, "postfix/smtp[201]: B1B2C3D4%02d: to=<ceo@forged.example>, "
			   "relay=mx.forged.example[192.0.2.25]:25, delay=0.2, delays=0/0/0.1/0.1, "
			   "dsn=5.1.1, status=bounced (host mx.forged.example[192.0.2.25] said: 550 "
			   "5.1.1 no such user (in reply to RCPT TO command))", i);
	}
	inc = detect_open_for(d, "sasl:mallory");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_BOUNCES].fired);
	assert_int_equal(inc->messages, 10);		/* the spams, not their bounces */
	assert_null(detect_open_for(d, ""));
	msg_table_free(t);
	detect_free(d);
}

static void storm_emit(const struct syslog_line *l, const struct postfix_record *r, void *arg)
{
	msg_table_record(arg, l, r);
}

/* One Exim mainlog line (UTC) through the feed, as the engine reads it. */
static void exim_line(struct maillog_feed *f, struct msg_table *t, int sec, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void exim_line(struct maillog_feed *f, struct msg_table *t, int sec, const char *fmt, ...)
{
	char line[512];
	struct syslog_line l;
	struct postfix_record r;
	va_list ap;
	int n = snprintf(line, sizeof(line), "2025-11-27 07:25:%02d +0000 ", sec);

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	assert_int_equal(maillog_header(&l, line, strlen(line), (time_t)T0, MAILLOG_EXIM),
			 SYSLOG_OK);
	assert_true(maillog_parse(&r, MAILLOG_EXIM, &l, NULL) > POSTFIX_IGNORED);
	maillog_feed(f, &l, &r, storm_emit, t);
}

/* The same storm on Exim: its bounce is an arrival from <> with R= naming
 * the spam, from the Exim user; it counts for the account all the same. */
static void test_exim_bounce_storm_through_the_feed_names_the_account(void **state)
{
	struct detector *d = fresh_default();
	static const char *const ours[] = { "forged.example", NULL };
	const struct msg_config mc = { .max_messages = 64, .grace = 60, .max_age = 86400,
				       .local_domains = ours };
	struct msg_callbacks cb = { storm_accepted, storm_delivery, d, NULL, NULL };
	struct msg_table *t = msg_table_new(&mc, &cb);
	struct maillog_feed *f = maillog_feed_new(t);
	const struct incident *inc;

	(void)state;
	for (int i = 0; i < 10; i++) {
		exim_line(f, t, i, "1abcDE-0001%02d-AB <= ceo@forged.example H=(pc) "
			  "[203.0.113.66]:41000 P=esmtpsa A=dovecot_plain:mallory S=900", i);
		exim_line(f, t, i, "1abcDE-0001%02d-AB ** x%d@dead.example R=dnslookup "
			  "T=remote_smtp H=mx.dead.example [198.51.100.9]: SMTP error from remote "
			  "mail server after RCPT TO:<x%d@dead.example>: 550 5.1.1 no such user",
			  i, i, i);
		exim_line(f, t, i, "1abcDF-0001%02d-AB <= <> R=1abcDE-0001%02d-AB U=Debian-exim "
			  "P=local S=2900", i, i);
		exim_line(f, t, i, "1abcDE-0001%02d-AB Completed", i);
		inc = detect_open_for(d, "sasl:mallory");
		if (i == 9)	/* 19 of 19, under bounce_min */
			assert_true(!inc || !inc->signals[SIG_BOUNCES].fired);
		exim_line(f, t, i, "1abcDF-0001%02d-AB ** ceo@forged.example R=dnslookup "
			  "T=remote_smtp H=mx.forged.example [192.0.2.25]: SMTP error from remote "
			  "mail server after RCPT TO:<ceo@forged.example>: 550 5.1.1 no such user", i);
	}
	inc = detect_open_for(d, "sasl:mallory");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_BOUNCES].fired);
	assert_int_equal(inc->messages, 10);		/* the spams, not their bounces */
	assert_null(detect_open_for(d, ""));
	maillog_feed_free(f);
	msg_table_free(t);
	detect_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legit_user_at_30_per_minute_for_10_minutes_never_fires),
		cmocka_unit_test(test_spammer_at_10_per_second_fires_within_one_second),
		cmocka_unit_test(test_burst_of_local_sender_mail_fires_rate_on_the_10s_span),
		cmocka_unit_test(test_rate_over_the_minute_limit_fires_on_the_60s_span),
		cmocka_unit_test(test_recipients_over_limit_fire),
		cmocka_unit_test(test_override_lets_newsletter_send_3000_per_minute),
		cmocka_unit_test(test_allowlisted_pattern_never_fires),
		cmocka_unit_test(test_foreign_ratio_fires_at_foreign_min_messages),
		cmocka_unit_test(test_occasional_foreign_sender_does_not_fire),
		cmocka_unit_test(test_fanout_fires_past_max_client_ips),
		cmocka_unit_test(test_fanout_forgets_addresses_older_than_10_minutes),
		cmocka_unit_test(test_bounces_fire_at_ratio_after_bounce_min),
		cmocka_unit_test(test_bruteforce_then_success_fires),
		cmocka_unit_test(test_failures_that_name_no_login_count_as_bruteforce),
		cmocka_unit_test(test_password_spray_then_success_fires),
		cmocka_unit_test(test_stale_password_of_a_colleague_behind_nat_does_not_flag),
		cmocka_unit_test(test_failures_older_than_10_minutes_are_forgotten),
		cmocka_unit_test(test_spike_needs_learned_history),
		cmocka_unit_test(test_spike_fires_against_learned_baseline),
		cmocka_unit_test(test_spike_needs_a_minimum_absolute_count),
		cmocka_unit_test(test_unset_spike_keys_take_the_safe_defaults),
		cmocka_unit_test(test_global_flow_spike_is_attributed_by_share),
		cmocka_unit_test(test_claimed_flows_move_from_unattributed_to_their_identity),
		cmocka_unit_test(test_flow_spike_is_not_raised_when_an_identity_is_over_its_limit),
		cmocka_unit_test(test_rate_boundary_60_in_a_minute_is_quiet_61_fires),
		cmocka_unit_test(test_rate_boundary_30_in_10_seconds_is_quiet_31_fires),
		cmocka_unit_test(test_recipients_boundary_300_is_quiet_301_fires),
		cmocka_unit_test(test_foreign_boundary_ratio_at_0_8_fires_below_is_quiet),
		cmocka_unit_test(test_fanout_boundary_5_addresses_quiet_6_fire),
		cmocka_unit_test(test_bounces_boundary_half_of_20_fires_9_of_20_is_quiet),
		cmocka_unit_test(test_notification_deliveries_count_as_the_accounts_bounces),
		cmocka_unit_test(test_dsn_success_and_postmaster_copies_are_no_bounces),
		cmocka_unit_test(test_bounce_storm_through_the_message_table_names_the_account),
		cmocka_unit_test(test_exim_bounce_storm_through_the_feed_names_the_account),
		cmocka_unit_test(test_bruteforce_boundary_4_failures_quiet_5_fire),
		cmocka_unit_test(test_spike_boundary_19_in_10_seconds_quiet_20_fire),
		cmocka_unit_test(test_spike_boundary_at_factor_times_baseline_is_quiet),
		cmocka_unit_test(test_flow_spike_boundary_500_in_10_seconds_quiet_501_fire),
		cmocka_unit_test(test_flow_spike_boundary_counts_only_undeclared_flows),
		cmocka_unit_test(test_later_signal_updates_the_open_incident),
		cmocka_unit_test(test_resolved_incident_is_kept_and_identity_may_open_again),
		cmocka_unit_test(test_incident_json_round_trips_through_restore),
		cmocka_unit_test(test_resolved_incident_restores_into_the_ring),
		cmocka_unit_test(test_hostile_identity_and_lines_produce_valid_json),
		cmocka_unit_test(test_eviction_at_max_identities_is_counted),
		cmocka_unit_test(test_a_full_table_evicts_the_oldest_unacted_incident_for_a_new_one),
		cmocka_unit_test(test_when_every_open_incident_is_acted_the_oldest_is_evicted),
		cmocka_unit_test(test_restoring_more_than_the_bound_is_counted),
		cmocka_unit_test(test_a_quiet_incident_expires_at_incident_expiry_not_a_second_before),
		cmocka_unit_test(test_an_event_of_its_identity_keeps_an_incident_from_expiring),
		cmocka_unit_test(test_an_unset_expiry_takes_the_default_never_none),
		cmocka_unit_test(test_resolve_by_hand_says_how),
		cmocka_unit_test(test_an_allowance_keeps_an_identity_quiet_until_its_time),
		cmocka_unit_test(test_the_allow_list_is_bounded),
		cmocka_unit_test(test_one_client_opens_max_incidents_per_ip_and_not_one_more),
		cmocka_unit_test(test_incidents_opened_by_messages_take_no_client_token),
		cmocka_unit_test(test_a_flood_of_single_failures_does_not_evict_an_attackers_five),
		cmocka_unit_test(test_failed_login_table_is_bounded_and_counted),
		cmocka_unit_test(test_out_of_order_lines_count_in_their_own_second),
		cmocka_unit_test(test_time_going_backwards_does_not_crash_or_corrupt_buckets),
		cmocka_unit_test(test_ten_minute_span_keeps_what_the_minute_span_forgot),
		cmocka_unit_test(test_first_message_of_a_span_is_kept_to_the_microsecond),
		cmocka_unit_test(test_running_totals_match_the_buckets_under_random_time),
	};

	return cmocka_run_group_tests_name("detect", tests, NULL, NULL);
}
