// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_signals.c - the detector's defaults that need no hand-written
 * domain list: local_domains = auto (what is foreign to whom), inbound
 * mail, new recipient domains, volume against the learned baseline, and
 * the histories kept across restarts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "domains.h"
#include "history.h"
#include "testutil.h"

#define T0 1795737600.0		/* 2026-11-27T00:00:00Z, an hour boundary */

static int opened;

static void on_opened(const struct incident *inc, void *arg)
{
	(void)inc;
	(void)arg;
	opened++;
}

/* The shipped defaults: local_domains = auto, no state directory. */
static struct detector *fresh_auto(const char *state_dir)
{
	struct detect_callbacks cb = { on_opened, NULL, NULL, NULL };
	struct detect_config c;

	detect_config_defaults(&c);
	c.domains = DETECT_DOMAINS_AUTO;
	if (state_dir)
		snprintf(c.state_dir, sizeof(c.state_dir), "%s", state_dir);
	opened = 0;
	return detect_new(&c, &cb);
}

/* A message of identity at t from sender; local: the message table found
 * the sender in Postfix's or the listed domains. */
static void send_from(struct detector *d, const char *identity, double t, const char *sender,
		      bool local, const char *rcpt)
{
	static unsigned seq;
	struct message msg;
	struct detect_message m = { identity, &msg, t, NULL, 0 };

	memset(&msg, 0, sizeof(msg));
	snprintf(msg.instance, sizeof(msg.instance), "postfix");
	snprintf(msg.qid, sizeof(msg.qid), "5Q%08X", ++seq);
	snprintf(msg.identity, sizeof(msg.identity), "%s", identity);
	snprintf(msg.sender, sizeof(msg.sender), "%s", sender);
	msg.has_sender = true;
	msg.sender_local = local;
	msg.accepted = true;
	msg.nrcpt = 1;
	detect_message(d, &m);
	if (rcpt)
		detect_delivery(d, identity, msg.qid, MSG_SENT, rcpt, t + 0.2);
}

static bool flagged(const struct detector *d, const char *identity, enum detect_signal s)
{
	const struct incident *inc = detect_open_for(d, identity);

	return inc && inc->signals[s].fired;
}

/* local_domains = auto: foreign to whom */

static void test_foreign_senders_of_a_login_with_a_domain_fire(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	for (int i = 0; i < 4; i++)
		send_from(d, "sasl:bob@example.org", T0 + i, "bob@Example.ORG", false, NULL);
	for (int i = 0; i < 5; i++)
		send_from(d, "sasl:bob@example.org", T0 + 70 + i, "pay@bank.example", false, NULL);
	assert_true(flagged(d, "sasl:bob@example.org", SIG_FOREIGN));
	detect_free(d);
}

static void test_the_login_domain_and_its_subdomains_are_own(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	for (int i = 0; i < 30; i++)
		send_from(d, "sasl:bob@example.org", T0 + i, i % 2 ? "bob@example.org" :
			  "bob@mail.example.org", false, NULL);
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_a_first_time_sender_without_a_known_domain_is_not_foreign(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	/* a login with no domain, a sender domain nobody else uses: unknown */
	for (int i = 0; i < 20; i++)
		send_from(d, "sasl:u1234", T0 + i * 2, "ann@small-customer.example", false, NULL);
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_an_identity_with_an_older_own_domain_is_foreign_elsewhere(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	send_from(d, "sasl:u77", T0, "ann@small-customer.example", false, NULL);
	/* 10 min later its own domain is known: a forged one is foreign */
	for (int i = 0; i < 5; i++)
		send_from(d, "sasl:u77", T0 + 600 + i, "ann@small-customer.example", false, NULL);
	assert_int_equal(opened, 0);
	for (int i = 0; i < 20; i++)
		send_from(d, "sasl:u77", T0 + 610 + i, "x@forged.example", false, NULL);
	assert_true(flagged(d, "sasl:u77", SIG_FOREIGN));
	detect_free(d);
}

static void test_own_domain_is_learned_only_after_the_window(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	send_from(d, "sasl:u78", T0, "ann@small-customer.example", false, NULL);
	/* a forged domain first used 595..599 s before is not own yet */
	send_from(d, "sasl:u78", T0 + 10, "x@forged.example", false, NULL);
	for (int i = 0; i < 5; i++)
		send_from(d, "sasl:u78", T0 + 605 + i, "x@forged.example", false, NULL);
	assert_true(flagged(d, "sasl:u78", SIG_FOREIGN));
	/* 600 s after its first use it is: another identity, same story, quiet */
	send_from(d, "sasl:u79", T0, "ann@small-customer.example", false, NULL);
	send_from(d, "sasl:u79", T0 + 10, "x@forged.example", false, NULL);
	for (int i = 0; i < 5; i++)	/* exactly 600 s after */
		send_from(d, "sasl:u79", T0 + 610, "x@forged.example", false, NULL);
	assert_null(detect_open_for(d, "sasl:u79"));
	detect_free(d);
}

static void test_a_domain_used_by_three_accounts_is_learned_for_all(void **state)
{
	struct detector *d = fresh_auto(NULL);
	struct detect_stats st;

	(void)state;
	send_from(d, "sasl:a@corp.example", T0, "a@shared.example", false, NULL);
	send_from(d, "sasl:b@corp.example", T0, "b@shared.example", false, NULL);
	detect_stats(d, &st);
	assert_int_equal(st.learned_domains, 0);	/* two accounts each */
	send_from(d, "sasl:c@corp.example", T0, "c@shared.example", false, NULL);
	detect_stats(d, &st);
	assert_int_equal(st.learned_domains, 2);	/* corp.example, shared.example */
	for (int i = 0; i < 10; i++)
		send_from(d, "sasl:d@corp.example", T0 + 1 + i, "d@shared.example", false, NULL);
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_only_dns_names_are_learned_and_saved(void **state)
{
	char dir[128], id[32];
	struct detector *d;
	struct detect_stats st;

	(void)state;
	scratch_dir(dir, sizeof(dir), "signals");
	d = fresh_auto(dir);
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "sasl:a%d", i);
		send_from(d, id, T0 + i, "x@[192.0.2.1]", false, NULL);
		send_from(d, id, T0 + i, "x@evil\x1b[31m.example", false, NULL);
		send_from(d, id, T0 + i, "x@Fine.Example", false, NULL);
	}
	detect_stats(d, &st);
	assert_int_equal(st.learned_domains, 1);	/* fine.example only */
	detect_free(d);
	d = fresh_auto(dir);		/* and the file it saved is read back */
	detect_stats(d, &st);
	assert_int_equal(st.learned_domains, 1);
	assert_int_equal(st.histories, 3);
	detect_free(d);
	scratch_remove(dir);
}

static void test_inbound_accounts_never_teach_a_domain(void **state)
{
	struct detector *d = fresh_auto(NULL);
	struct detect_stats st;
	char id[32];

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "client:203.0.113.%d", i);
		send_from(d, id, T0 + i, "x@gmail.example", false, NULL);
	}
	detect_stats(d, &st);
	assert_int_equal(st.learned_domains, 0);
	assert_int_equal(st.candidate_domains, 0);
	detect_free(d);
}

static void test_an_explicit_empty_list_never_calls_a_sender_foreign(void **state)
{
	struct detect_callbacks cb = { on_opened, NULL, NULL, NULL };
	struct detect_config c;
	struct detector *d;

	(void)state;
	detect_config_defaults(&c);
	c.domains = DETECT_DOMAINS_NONE;
	opened = 0;
	d = detect_new(&c, &cb);
	for (int i = 0; i < 20; i++)
		send_from(d, "sasl:bob@example.org", T0 + i * 2, "x@forged.example", false, NULL);
	assert_int_equal(opened, 0);
	detect_free(d);
}

/* Inbound mail */

static void test_inbound_mail_from_remote_senders_raises_nothing(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	/* 200 messages in 40 s from one MTA, remote senders, a bounce among them */
	for (int i = 0; i < 200; i++)
		send_from(d, "client:198.51.100.25", T0 + i * 0.2, i == 7 ? "" :
			  "news@list.example", false, "user@relayed.example");
	assert_int_equal(opened, 0);
	assert_null(detect_open_for(d, "client:198.51.100.25"));
	detect_free(d);
}

static void test_a_host_relaying_our_domain_without_auth_meets_the_rate_cap(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	for (int i = 0; i < 31; i++)
		send_from(d, "client:10.0.0.5", T0 + i * 0.2, "www@example.org", true, NULL);
	assert_true(flagged(d, "client:10.0.0.5", SIG_RATE));
	assert_false(flagged(d, "client:10.0.0.5", SIG_FOREIGN));
	detect_free(d);
}

static void test_inbound_deferred_by_a_down_primary_raises_nothing(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	/* a backup MX: inbound for a relayed domain, and our own domain's
	 * notices relayed by a host without authentication, all deferred */
	for (int i = 0; i < 50; i++) {
		char q[16];

		send_from(d, "client:198.51.100.25", T0 + i * 2, "news@list.example", false, NULL);
		send_from(d, "client:10.0.0.5", T0 + i * 2 + 1, "cron@example.org", true, NULL);
		snprintf(q, sizeof(q), "7Q%08X", i);
		detect_delivery(d, "client:198.51.100.25", q, MSG_DEFERRED, "u@relayed.example",
				T0 + i * 2 + 0.5);
		detect_delivery(d, "client:10.0.0.5", q, i % 2 ? MSG_BOUNCED : MSG_DEFERRED,
				"u@relayed.example", T0 + i * 2 + 1.5);
	}
	assert_int_equal(opened, 0);
	detect_free(d);
}

/* New recipient domains */

static void test_own_address_spray_to_new_domains_fires_within_a_minute(void **state)
{
	struct detector *d = fresh_auto(NULL);
	char rcpt[64];
	int i;

	(void)state;
	/* a day of ordinary mail first: its own history */
	for (i = 0; i < 40; i++) {
		snprintf(rcpt, sizeof(rcpt), "c%d@partner%d.example", i, i % 8);
		send_from(d, "sasl:eve@example.org", T0 + i * 900, "eve@example.org", true, rcpt);
	}
	assert_int_equal(opened, 0);
	/* then 45 a minute, each to a domain it never wrote to */
	for (i = 0; i < 45 * 3 && !detect_open_for(d, "sasl:eve@example.org"); i++) {
		snprintf(rcpt, sizeof(rcpt), "info@victim%d.example", i);
		send_from(d, "sasl:eve@example.org", T0 + 40 * 900 + i * 60.0 / 45,
			  "eve@example.org", true, rcpt);
	}
	assert_true(flagged(d, "sasl:eve@example.org", SIG_NEW_DOMAINS));
	assert_int_equal(i, 21);		/* 21 > max_new_domains, in 27 s */
	detect_free(d);
}

static void test_new_domains_boundary_20_quiet_21_fire(void **state)
{
	struct detector *d = fresh_auto(NULL);
	char rcpt[64];

	(void)state;
	for (int i = 0; i < 20; i++) {
		snprintf(rcpt, sizeof(rcpt), "info@n%d.example", i);
		send_from(d, "sasl:nd", T0 + i * 20, "nd@example.org", true, rcpt);
	}
	assert_null(detect_open_for(d, "sasl:nd"));
	send_from(d, "sasl:nd", T0 + 500, "nd@example.org", true, "info@n20.example");
	assert_true(flagged(d, "sasl:nd", SIG_NEW_DOMAINS));
	assert_true(detect_open_for(d, "sasl:nd")->signals[SIG_NEW_DOMAINS].value == 21);
	detect_free(d);
}

static void test_domains_written_to_before_are_not_new(void **state)
{
	struct detector *d = fresh_auto(NULL);
	char rcpt[64];

	(void)state;
	for (int i = 0; i < 30; i++) {	/* an hour apart: no signal */
		snprintf(rcpt, sizeof(rcpt), "a@p%d.example", i);
		send_from(d, "sasl:kim", T0 + i * 3600, "kim@example.org", true, rcpt);
	}
	for (int i = 0; i < 30; i++) {	/* the same 30 domains in 10 min */
		snprintf(rcpt, sizeof(rcpt), "b@P%d.EXAMPLE", i);
		send_from(d, "sasl:kim", T0 + 31 * 3600 + i * 15, "kim@example.org", true, rcpt);
	}
	assert_int_equal(opened, 0);
	detect_free(d);
}

static void test_one_message_to_many_new_domains_counts_once(void **state)
{
	struct detector *d = fresh_auto(NULL);
	struct message msg;
	struct detect_message m = { "sasl:lea", &msg, T0, NULL, 0 };
	char rcpt[64];

	(void)state;
	memset(&msg, 0, sizeof(msg));
	snprintf(msg.qid, sizeof(msg.qid), "6A1B2C3D4E");
	snprintf(msg.sender, sizeof(msg.sender), "lea@example.org");
	msg.has_sender = msg.sender_local = msg.accepted = true;
	msg.nrcpt = 60;
	detect_message(d, &m);
	for (int i = 0; i < 60; i++) {	/* the season's greetings, Bcc */
		snprintf(rcpt, sizeof(rcpt), "friend@f%d.example", i);
		detect_delivery(d, "sasl:lea", msg.qid, MSG_SENT, rcpt, T0 + 1 + i * 0.1);
	}
	assert_int_equal(opened, 0);
	detect_free(d);
}

/* Volume against the learned baseline */

static void test_volume_boundary_40_in_10_minutes_quiet_41_fire(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	send_from(d, "sasl:other", T0, "o@example.org", true, NULL);	/* detection starts */
	for (int i = 0; i < 40; i++)	/* 14 s apart: never a RATE */
		send_from(d, "sasl:vol", T0 + 3600 + i * 14, "v@example.org", true, NULL);
	assert_null(detect_open_for(d, "sasl:vol"));
	send_from(d, "sasl:vol", T0 + 3600 + 40 * 14, "v@example.org", true, NULL);
	assert_true(flagged(d, "sasl:vol", SIG_VOLUME));
	assert_true(detect_open_for(d, "sasl:vol")->signals[SIG_VOLUME].threshold == 40);
	detect_free(d);
}

static void test_volume_waits_for_volume_learn(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	send_from(d, "sasl:other", T0, "o@example.org", true, NULL);
	for (int i = 0; i < 50; i++)	/* in the first hour: who is heavy is not known */
		send_from(d, "sasl:vol", T0 + 2900 + i * 14, "v@example.org", true, NULL);
	assert_false(flagged(d, "sasl:vol", SIG_VOLUME));
	detect_free(d);
}

static void test_volume_threshold_follows_the_usual_busiest_10_minutes(void **state)
{
	struct detector *d = fresh_auto(NULL);

	(void)state;
	/* hour 0: 30 in 10 min, its usual peak */
	for (int i = 0; i < 30; i++)
		send_from(d, "sasl:heavy", T0 + i * 19, "h@example.org", true, NULL);
	/* hour 2: 100 in 10 min is within 4 x 30 ... */
	for (int i = 0; i < 100; i++)
		send_from(d, "sasl:heavy", T0 + 7200 + i * 5.9, "h@example.org", true, NULL);
	assert_false(flagged(d, "sasl:heavy", SIG_VOLUME));
	/* ... 121 is not */
	for (int i = 100; i < 121; i++)
		send_from(d, "sasl:heavy", T0 + 7200 + 590 + (i - 100) * 0.4, "h@example.org",
			  true, NULL);
	assert_true(flagged(d, "sasl:heavy", SIG_VOLUME));
	detect_free(d);
}

static void test_a_burst_under_an_open_incident_is_not_learned(void **state)
{
	struct detector *d = fresh_auto(NULL);
	const struct incident *inc;

	(void)state;
	send_from(d, "sasl:other", T0, "o@example.org", true, NULL);
	for (int i = 0; i < 60; i++)	/* hour 1: the spam run, flagged */
		send_from(d, "sasl:frz", T0 + 3600 + i * 9, "f@example.org", true, NULL);
	inc = detect_open_for(d, "sasl:frz");
	assert_non_null(inc);
	assert_true(inc->signals[SIG_VOLUME].fired);
	/* the admin resolves it in hour 2; hour 3 must not think 60 usual */
	send_from(d, "sasl:frz", T0 + 2 * 3600, "f@example.org", true, NULL);
	detect_set_state(d, inc->id, INCIDENT_RESOLVED);
	for (int i = 0; i < 41; i++)
		send_from(d, "sasl:frz", T0 + 3 * 3600 + i * 14, "f@example.org", true, NULL);
	assert_true(flagged(d, "sasl:frz", SIG_VOLUME));
	detect_free(d);
}

/* Histories across restarts */

static void test_histories_survive_a_restart(void **state)
{
	char dir[128], rcpt[64];
	struct detector *d;
	struct detect_stats st;

	(void)state;
	scratch_dir(dir, sizeof(dir), "signals");
	d = fresh_auto(dir);
	for (int i = 0; i < 30; i++) {
		snprintf(rcpt, sizeof(rcpt), "a@p%d.example", i);
		send_from(d, "sasl:kim", T0 + i * 3600, "kim@example.org", true, rcpt);
	}
	send_from(d, "sasl:x@corp.example", T0, "x@corp.example", false, NULL);
	send_from(d, "sasl:y@corp.example", T0, "y@corp.example", false, NULL);
	send_from(d, "sasl:z@corp.example", T0, "z@corp.example", false, NULL);
	detect_free(d);		/* saves */

	d = fresh_auto(dir);
	detect_stats(d, &st);
	assert_int_equal(st.histories, 4);
	assert_int_equal(st.learned_domains, 1);
	for (int i = 0; i < 30; i++) {	/* known domains: not new after the restart */
		snprintf(rcpt, sizeof(rcpt), "b@p%d.example", i);
		send_from(d, "sasl:kim", T0 + 31 * 3600 + i * 15, "kim@example.org", true, rcpt);
	}
	assert_int_equal(opened, 0);
	detect_free(d);
	scratch_remove(dir);
}

static void test_a_damaged_history_file_is_refused_whole(void **state)
{
	char dir[128], path[256];
	struct detector *d;
	struct detect_stats st;
	FILE *f;

	(void)state;
	scratch_dir(dir, sizeof(dir), "signals");
	d = fresh_auto(dir);
	send_from(d, "sasl:kim", T0, "kim@example.org", true, "a@p.example");
	detect_free(d);
	snprintf(path, sizeof(path), "%s/%s", dir, HIST_FILE);
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, 30, SEEK_SET);
	fputc('X', f);		/* a flipped byte: the CRC no longer matches */
	fclose(f);
	d = fresh_auto(dir);
	detect_stats(d, &st);
	assert_int_equal(st.histories, 0);
	detect_free(d);
	scratch_remove(dir);
}

/*
 * tests/data/state/detect.history was written by history.c's own writer,
 * before binfile.c: sasl:kim@example.org (3 recipient
 * domains, 7 messages), sasl:x@ and sasl:y@corp.example, uid:1000, and
 * corp.example learned from the three of them.  It loads, and saving it
 * again writes the same bytes: the format is the same.
 */
#define HT0 1795745113u		/* the fixture's first second */
static void test_a_history_file_of_the_previous_writer_loads_and_saves_the_same_bytes(
	void **state)
{
	struct history_table *t = history_new(100);
	struct domains *learned = domains_new();
	struct domains_stats ds;
	struct history *h;
	char dir[128], path[256];

	(void)state;
	assert_int_equal(history_load(t, learned, "tests/data/state"), 0);
	assert_int_equal(history_count(t), 4);
	assert_int_equal(history_since(t), HT0 - 86400);
	domains_stats(learned, &ds);
	assert_int_equal(ds.learned, 1);
	assert_true(domains_learned(learned, "corp.example"));
	h = history_get(t, "sasl:kim@example.org", HT0);	/* the seed was loaded too */
	assert_false(history_rcpt(h, history_hash(t, "p2.example"), HT0 + 4 * 3600));
	assert_true(history_sender_own(h, history_hash(t, "example.org"), HT0, 0));
	assert_int_equal(history_count(t), 4);
	history_free(t);
	domains_free(learned);

	t = history_new(100);
	learned = domains_new();
	assert_int_equal(history_load(t, learned, "tests/data/state"), 0);
	scratch_dir(dir, sizeof(dir), "signals");
	assert_int_equal(history_save(t, learned, dir), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, HIST_FILE);
	assert_same_file(path, "tests/data/state/" HIST_FILE);
	scratch_remove(dir);
	history_free(t);
	domains_free(learned);
}

static void note_learned(const char *domain, uint32_t last, void *arg)
{
	(void)last;
	strcat(arg, domain);
	strcat(arg, " ");
}

/* Learned domains keep their order of use across a save and a load (the
 * least recently used is the one a full table evicts). */
static void test_learned_domains_keep_their_order_across_a_restart(void **state)
{
	struct history_table *t = history_new(100);
	struct domains *learned = domains_new();
	char dir[128], order[256] = "";

	(void)state;
	domains_add_learned(learned, "old.example", HT0);
	domains_add_learned(learned, "mid.example", HT0 + 10);
	domains_add_learned(learned, "new.example", HT0 + 20);
	domains_each_learned(learned, note_learned, order);
	assert_string_equal(order, "new.example mid.example old.example ");
	scratch_dir(dir, sizeof(dir), "signals");
	assert_int_equal(history_save(t, learned, dir), 0);
	history_free(t);
	domains_free(learned);
	t = history_new(100);
	learned = domains_new();
	assert_int_equal(history_load(t, learned, dir), 0);
	order[0] = '\0';
	domains_each_learned(learned, note_learned, order);
	assert_string_equal(order, "new.example mid.example old.example ");
	scratch_remove(dir);
	history_free(t);
	domains_free(learned);
}

static void test_history_table_is_bounded_and_counted(void **state)
{
	struct detect_callbacks cb = { on_opened, NULL, NULL, NULL };
	struct detect_config c;
	struct detector *d;
	struct detect_stats st;
	char id[32];

	(void)state;
	detect_config_defaults(&c);
	c.domains = DETECT_DOMAINS_AUTO;
	c.max_histories = 16;
	d = detect_new(&c, &cb);
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "sasl:h%d", i);
		send_from(d, id, T0 + i, "h@example.org", true, NULL);
	}
	detect_stats(d, &st);
	assert_int_equal(st.histories, 16);
	assert_int_equal(st.history_evictions, 24);
	detect_free(d);
}

static void test_postfix_domain_items_keep_names_and_skip_tables(void **state)
{
	char out[4][DOMAINS_NAME_MAX], note[256], err[256], dom[64];
	struct postconf pc = { 0 };
	size_t n = 0;

	(void)state;
	/* Postfix's parameters not read: unknown, and said why */
	assert_int_equal(domains_from_postfix(NULL, out, 4, &n, note, sizeof(note), err,
					      sizeof(err)), -1);
	assert_int_equal(n, 0);
	assert_true(err[0] != '\0');
	/* as postconf -x gives them; relay_domains unknown to this Postfix */
	pc.value[POSTCONF_MYDOMAIN] = "Example.ORG";
	pc.value[POSTCONF_MYDESTINATION] = "mail.example.org, localhost example.org";
	pc.value[POSTCONF_VIRTUAL_ALIAS_DOMAINS] = "hash:/etc/postfix/vdomains,/etc/postfix/d";
	pc.value[POSTCONF_VIRTUAL_MAILBOX_DOMAINS] = "";
	assert_int_equal(domains_from_postfix(&pc, out, 4, &n, note, sizeof(note), err,
					      sizeof(err)), -1);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "example.org");
	assert_string_equal(out[1], "mail.example.org");
	assert_string_equal(out[2], "localhost");
	assert_string_equal(note, "hash:/etc/postfix/vdomains, /etc/postfix/d");
	assert_non_null(strstr(err, "relay_domains"));
	pc.value[POSTCONF_RELAY_DOMAINS] = "relay.example.net, more.example.net";
	assert_int_equal(domains_from_postfix(&pc, out, 4, &n, note, sizeof(note), err,
					      sizeof(err)), 0);
	assert_int_equal(n, 4);		/* at most cap: the rest named in the note */
	assert_string_equal(out[3], "relay.example.net");
	assert_non_null(strstr(note, "more.example.net"));
	assert_true(domains_of_address("Bob@Mail.Example.ORG", dom, sizeof(dom)));
	assert_string_equal(dom, "mail.example.org");
	assert_false(domains_of_address("postmaster", dom, sizeof(dom)));
	assert_false(domains_of_address("", dom, sizeof(dom)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreign_senders_of_a_login_with_a_domain_fire),
		cmocka_unit_test(test_the_login_domain_and_its_subdomains_are_own),
		cmocka_unit_test(test_a_first_time_sender_without_a_known_domain_is_not_foreign),
		cmocka_unit_test(test_an_identity_with_an_older_own_domain_is_foreign_elsewhere),
		cmocka_unit_test(test_own_domain_is_learned_only_after_the_window),
		cmocka_unit_test(test_a_domain_used_by_three_accounts_is_learned_for_all),
		cmocka_unit_test(test_only_dns_names_are_learned_and_saved),
		cmocka_unit_test(test_inbound_accounts_never_teach_a_domain),
		cmocka_unit_test(test_an_explicit_empty_list_never_calls_a_sender_foreign),
		cmocka_unit_test(test_inbound_mail_from_remote_senders_raises_nothing),
		cmocka_unit_test(test_a_host_relaying_our_domain_without_auth_meets_the_rate_cap),
		cmocka_unit_test(test_inbound_deferred_by_a_down_primary_raises_nothing),
		cmocka_unit_test(test_own_address_spray_to_new_domains_fires_within_a_minute),
		cmocka_unit_test(test_new_domains_boundary_20_quiet_21_fire),
		cmocka_unit_test(test_domains_written_to_before_are_not_new),
		cmocka_unit_test(test_one_message_to_many_new_domains_counts_once),
		cmocka_unit_test(test_volume_boundary_40_in_10_minutes_quiet_41_fire),
		cmocka_unit_test(test_volume_waits_for_volume_learn),
		cmocka_unit_test(test_volume_threshold_follows_the_usual_busiest_10_minutes),
		cmocka_unit_test(test_a_burst_under_an_open_incident_is_not_learned),
		cmocka_unit_test(test_histories_survive_a_restart),
		cmocka_unit_test(test_a_damaged_history_file_is_refused_whole),
		cmocka_unit_test(test_learned_domains_keep_their_order_across_a_restart),
		cmocka_unit_test(test_history_table_is_bounded_and_counted),
		cmocka_unit_test(
			test_a_history_file_of_the_previous_writer_loads_and_saves_the_same_bytes),
		cmocka_unit_test(test_postfix_domain_items_keep_names_and_skip_tables),
	};

	return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
