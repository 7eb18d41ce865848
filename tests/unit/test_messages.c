// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_messages.c - the in-flight message table on real Postfix 3.x lines
 * (Debian format), fed through syslog_parse() and postfix_parse() as the
 * engine does: identities, acceptance counted once, deliveries by status,
 * content-filter hand-offs, local sender domains, expiry and the bound.
 * Callbacks record what a per-identity aggregator would see.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"

#define REF ((time_t)1795748400)	/* 2026-11-27T03:00:00Z */

struct seen {
	char accepted[16][MSG_IDENTITY_MAX];
	int naccepted;
	char delivered[16][MSG_IDENTITY_MAX];
	enum msg_status status[16];
	int ndelivered;
	long nrcpt[16];
	bool local[16];
	enum msg_notify dnotify[16];	/* of each delivery's message */
	char notified[16][MSG_IDENTITY_MAX];
	char notified_about[16][POSTFIX_QID_MAX];
	enum msg_notify notify[16];
	int nnotified;
	char refused[16][MSG_IDENTITY_MAX];
	int nrefused;
};

static struct seen seen;
static struct msg_table *tab;

static void on_accepted(const struct message *m, void *arg)
{
	struct seen *s = arg;

	assert_true(s->naccepted < 16);
	snprintf(s->accepted[s->naccepted], MSG_IDENTITY_MAX, "%s", m->identity);
	s->nrcpt[s->naccepted] = m->nrcpt;
	s->local[s->naccepted++] = m->sender_local;
}

static void on_delivery(const struct message *m, enum msg_status st, time_t t, void *arg)
{
	struct seen *s = arg;

	(void)t;
	assert_true(s->ndelivered < 16);
	snprintf(s->delivered[s->ndelivered], MSG_IDENTITY_MAX, "%s", m->identity);
	s->dnotify[s->ndelivered] = m->notify;
	s->status[s->ndelivered++] = st;
}

static void on_notified(const struct message *m, void *arg)
{
	struct seen *s = arg;

	assert_true(s->nnotified < 16);
	snprintf(s->notified[s->nnotified], MSG_IDENTITY_MAX, "%s", m->identity);
	snprintf(s->notified_about[s->nnotified], POSTFIX_QID_MAX, "%s", m->orig_qid);
	s->notify[s->nnotified++] = m->notify;
}

static void on_refused(const struct message *m, time_t t, void *arg)
{
	struct seen *s = arg;

	(void)t;
	assert_true(s->nrefused < 16);
	snprintf(s->refused[s->nrefused++], MSG_IDENTITY_MAX, "%s", m->identity);
}

static const char *const local_domains[] = { "example.org", "Corp.Example", NULL };

static struct msg_table *new_table(size_t max, time_t grace, time_t max_age)
{
	struct msg_config cfg = { max, grace, max_age, local_domains };
	struct msg_callbacks cb = { on_accepted, on_delivery, &seen, on_notified, on_refused };

	return msg_table_new(&cfg, &cb);
}

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&seen, 0, sizeof(seen));
	tab = new_table(100, 60, 86400);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	msg_table_free(tab);
	tab = NULL;
	return 0;
}

static void feed(const char *line)
{
	struct syslog_line sl;
	struct postfix_record rec;

	assert_int_equal(syslog_parse(&sl, line, strlen(line), REF), SYSLOG_OK);
	assert_true(postfix_parse(&rec, sl.program, sl.msg, NULL) > POSTFIX_IGNORED);
	msg_table_record(tab, &sl, &rec);
}

static const struct message *msg(const char *instance, const char *qid)
{
	return msg_table_find(tab, instance, qid);
}

#include "postfix_lines.h"

/* ---- identities ------------------------------------------------------------ */

static void test_sasl_client_then_qmgr_accepts_one_message_for_the_login(void **state)
{
	const struct message *m;

	(void)state;
	feed(SUBMIT);
	assert_int_equal(seen.naccepted, 0);	/* not before qmgr from= */
	feed(QUEUED);
	assert_int_equal(seen.naccepted, 1);
	assert_string_equal(seen.accepted[0], "sasl:alice@example.org");
	assert_int_equal(seen.nrcpt[0], 2);
	assert_true(seen.local[0]);
	m = msg("postfix", "4F3A21C0B2");
	assert_non_null(m);
	assert_string_equal(m->client_ip, "203.0.113.7");
	assert_string_equal(m->sender, "alice@example.org");
	assert_int_equal(m->size, 1843);
}

static void test_unauthenticated_client_is_identified_by_ip(void **state)
{
	(void)state;
	feed("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 5A1B2C3D4E: "
	     "client=mail.example.net[2001:db8::25]");
	feed("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 5A1B2C3D4E: "
	     "from=<news@example.net>, size=900, nrcpt=1 (queue active)");
	assert_int_equal(seen.naccepted, 1);
	assert_string_equal(seen.accepted[0], "client:2001:db8::25");
	assert_false(seen.local[0]);
}

static void test_pickup_is_identified_by_uid(void **state)
{
	(void)state;
	feed("Nov 27 02:05:13 mx1 postfix/pickup[5555]: 4F3A21C0B2: uid=1000 from=<www-data>");
	feed("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
	     "from=<www-data@mx1.example.org>, size=500, nrcpt=1 (queue active)");
	assert_int_equal(seen.naccepted, 1);
	assert_string_equal(seen.accepted[0], "uid:1000");
	assert_false(seen.local[0]);	/* mx1.example.org is not example.org */
}

static void test_forged_sasl_username_in_sender_is_not_an_identity(void **state)
{
	(void)state;
	feed("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 5A1B2C3D4E: "
	     "client=unknown[198.51.100.9]");
	feed("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 5A1B2C3D4E: "
	     "from=<\"x, sasl_username=ceo\"@evil.example>, size=900, nrcpt=1 (queue active)");
	assert_int_equal(seen.naccepted, 1);
	assert_string_equal(seen.accepted[0], "client:198.51.100.9");
	assert_false(seen.local[0]);
}

static void test_instances_keep_their_own_queue_ids(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed("Nov 27 02:05:13 mx1 postfix-out/qmgr[1112]: 4F3A21C0B2: "
	     "from=<x@example.net>, size=1, nrcpt=1 (queue active)");
	assert_int_equal(seen.naccepted, 0);	/* another instance's message */
	assert_null(msg("postfix-out", "4F3A21C0B2"));
	feed(QUEUED);
	assert_int_equal(seen.naccepted, 1);
}

/* A syslog name that is not plain ASCII (syslog_name = pöstfix): the key is
 * made through the sanitising copy, not straight from the line, and is the
 * same for every record of the message. */
static void test_instance_not_plain_ascii_keys_the_same_message(void **state)
{
	static const char *const names[] = { "p\xc3\xb6stfix", NULL };
	static const char *const lines[] = {
		"Nov 27 02:05:13 mx1 p\xc3\xb6stfix/smtpd[2201]: 4F3A21C0B2: "
		"client=unknown[198.51.100.7], sasl_method=LOGIN, sasl_username=eve",
		"Nov 27 02:05:13 mx1 p\xc3\xb6stfix/qmgr[1111]: 4F3A21C0B2: "
		"from=<eve@example.net>, size=1, nrcpt=1 (queue active)",
	};
	struct syslog_line sl;
	struct postfix_record rec;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(syslog_parse(&sl, lines[i], strlen(lines[i]), REF), SYSLOG_OK);
		assert_true(postfix_parse(&rec, sl.program, sl.msg, names) > POSTFIX_IGNORED);
		msg_table_record(tab, &sl, &rec);
	}
	assert_int_equal(seen.naccepted, 1);
	assert_string_equal(seen.accepted[0], "sasl:eve");
	assert_non_null(msg("p\xc3\xb6stfix", "4F3A21C0B2"));
	assert_null(msg("postfix", "4F3A21C0B2"));
}

/* ---- acceptance and deliveries --------------------------------------------- */

static void test_qmgr_retry_of_a_deferred_message_is_not_counted_again(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(DEFERRED);
	feed("Nov 27 02:35:44 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
	     "from=<alice@example.org>, size=1843, nrcpt=1 (queue active)");
	feed(SENT);
	assert_int_equal(seen.naccepted, 1);
	assert_int_equal(seen.ndelivered, 2);
	assert_int_equal(seen.status[0], MSG_DEFERRED);
	assert_int_equal(seen.status[1], MSG_SENT);
	assert_string_equal(seen.delivered[1], "sasl:alice@example.org");
	assert_int_equal(msg("postfix", "4F3A21C0B2")->deliveries[MSG_SENT], 1);
}

static void test_bounced_delivery_is_counted_by_status(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed("Nov 27 02:05:14 mx1 postfix/smtp[3334]: 4F3A21C0B2: to=<c@example.net>, "
	     "relay=mx.example.net[198.51.100.5]:25, conn_use=2, delay=0.5, "
	     "delays=0/0/0/0.5, dsn=5.1.1, status=bounced (host said: 550 5.1.1 no such user)");
	assert_int_equal(seen.ndelivered, 1);
	assert_int_equal(seen.status[0], MSG_BOUNCED);
}

static void test_lines_for_unknown_queue_ids_are_counted_not_tracked(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(QUEUED);
	feed(SENT);
	msg_table_stats(tab, &st);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.unknown, 2);
	assert_int_equal(seen.naccepted + seen.ndelivered, 0);
}

/* ---- content filter -------------------------------------------------------- */


static void test_amavis_reinjection_keeps_the_identity_and_counts_once(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(REINJECT_CLIENT);
	feed(REINJECT_QUEUED);
	feed(HANDOFF);
	feed(REINJECT_SENT);
	assert_int_equal(seen.naccepted, 1);
	assert_string_equal(seen.accepted[0], "sasl:alice@example.org");
	assert_int_equal(seen.ndelivered, 1);	/* the hand-off is not outbound */
	assert_string_equal(seen.delivered[0], "sasl:alice@example.org");
	assert_string_equal(msg("postfix", "7B8C9D0E1F")->identity, "sasl:alice@example.org");
	msg_table_stats(tab, &st);
	assert_int_equal(st.handoffs, 1);
	assert_int_equal(st.links, 1);
}

static void test_reinjected_delivery_before_the_handoff_line_waits_for_the_link(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(REINJECT_CLIENT);
	feed(REINJECT_QUEUED);
	feed(REINJECT_SENT);
	assert_int_equal(seen.ndelivered, 0);	/* held: whose is it? */
	feed(HANDOFF);
	assert_int_equal(seen.naccepted, 1);
	assert_int_equal(seen.ndelivered, 1);
	assert_string_equal(seen.delivered[0], "sasl:alice@example.org");
}

static void test_handoff_line_before_the_reinjected_client_line_links_it(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(HANDOFF);
	feed(REINJECT_CLIENT);
	feed(REINJECT_QUEUED);
	feed(REINJECT_SENT);
	assert_int_equal(seen.naccepted, 1);
	assert_int_equal(seen.ndelivered, 1);
	assert_string_equal(seen.delivered[0], "sasl:alice@example.org");
}

static void test_unlinked_loopback_message_counts_for_its_client_at_flush(void **state)
{
	(void)state;
	feed(REINJECT_CLIENT);
	feed(REINJECT_QUEUED);
	feed(REINJECT_SENT);
	assert_int_equal(seen.naccepted, 0);
	msg_table_flush(tab);
	assert_int_equal(seen.naccepted, 1);
	assert_string_equal(seen.accepted[0], "client:127.0.0.1");
	assert_int_equal(seen.ndelivered, 1);
	msg_table_flush(tab);			/* reported once */
	assert_int_equal(seen.naccepted, 1);
}

static void test_delivery_to_loopback_port_25_is_outbound(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed("Nov 27 02:05:14 mx1 postfix/smtp[3335]: 4F3A21C0B2: to=<bob@example.net>, "
	     "relay=127.0.0.1[127.0.0.1]:25, delay=0.9, delays=0.1/0/0.1/0.7, dsn=2.0.0, "
	     "status=sent (250 2.0.0 Ok: queued as 7B8C9D0E1F)");
	assert_int_equal(seen.ndelivered, 1);
	assert_null(msg("postfix", "7B8C9D0E1F"));
}

/* ---- sender domains --------------------------------------------------------- */

static void test_local_domains_are_case_insensitive_and_null_sender_is_local(void **state)
{
	(void)state;
	assert_true(msg_sender_local("a@EXAMPLE.org", local_domains));
	assert_true(msg_sender_local("a@corp.example", local_domains));
	assert_true(msg_sender_local("", local_domains));
	assert_false(msg_sender_local("a@example.org.evil.example", local_domains));
	assert_false(msg_sender_local("\"a@example.org\"@evil.example", local_domains));
	assert_false(msg_sender_local("a@example.net", NULL));
}

/* ---- bounds and expiry ------------------------------------------------------- */

static void test_removed_message_expires_after_the_grace(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(REMOVED);		/* 02:15:44 */
	msg_table_expire(tab, REF - 2656 + 59);
	assert_non_null(msg("postfix", "4F3A21C0B2"));
	msg_table_expire(tab, REF - 2656 + 60);
	assert_null(msg("postfix", "4F3A21C0B2"));
	msg_table_stats(tab, &st);
	assert_int_equal(st.expired_removed, 1);
	assert_int_equal(st.size, 0);
}

static void test_message_never_removed_expires_at_max_age(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);		/* 02:05:13 */
	msg_table_expire(tab, REF - 3287 + 86399);
	assert_non_null(msg("postfix", "4F3A21C0B2"));
	msg_table_expire(tab, REF - 3287 + 86400);
	assert_null(msg("postfix", "4F3A21C0B2"));
	msg_table_stats(tab, &st);
	assert_int_equal(st.expired_age, 1);
}

static void test_full_table_evicts_the_oldest_and_counts_it(void **state)
{
	char line[256];
	struct msg_stats st;

	(void)state;
	msg_table_free(tab);
	tab = new_table(3, 60, 86400);
	for (int i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "Nov 27 02:05:13 mx1 postfix/smtpd[1]: "
			 "%010X: client=unknown[192.0.2.%d]", i + 1, i + 1);
		feed(line);
	}
	msg_table_stats(tab, &st);
	assert_int_equal(st.size, 3);
	assert_int_equal(st.evictions, 2);
	assert_null(msg("postfix", "0000000001"));
	assert_null(msg("postfix", "0000000002"));
	assert_non_null(msg("postfix", "0000000005"));
}

/* Thousands of queue ids coming and going (evicted, expired after their
 * removed line) leave exactly the live ones findable. */
static void test_churn_keeps_every_live_message_findable(void **state)
{
	enum { N = 3000, MAX = 700 };
	static bool live[N];
	char line[256], qid[16];
	struct msg_stats st;
	size_t nlive = 0;
	int oldest = 0;

	(void)state;
	msg_table_free(tab);
	tab = new_table(MAX, 0, 86400);
	memset(live, 0, sizeof(live));
	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "Nov 27 02:05:13 mx1 postfix/smtpd[1]: "
			 "%010X: client=unknown[192.0.2.1]", (unsigned)i * 2654435761u);
		feed(line);
		if (nlive == MAX) {	/* the oldest live one was evicted */
			while (!live[oldest])
				oldest++;
			live[oldest] = false;
			nlive--;
		}
		live[i] = true;
		nlive++;
		if (i % 3 == 1 && live[i - 1]) {
			snprintf(line, sizeof(line), "Nov 27 02:05:13 mx1 postfix/qmgr[2]: "
				 "%010X: removed", (unsigned)(i - 1) * 2654435761u);
			feed(line);
			msg_table_expire(tab, REF - 3287);	/* grace 0 */
			live[i - 1] = false;
			nlive--;
		}
	}
	for (int i = 0; i < N; i++) {
		snprintf(qid, sizeof(qid), "%010X", (unsigned)i * 2654435761u);
		if (live[i])
			assert_non_null(msg("postfix", qid));
		else
			assert_null(msg("postfix", qid));
	}
	msg_table_stats(tab, &st);
	assert_int_equal(st.size, nlive);
	assert_true(st.evictions > 0 && st.expired_removed > 0);
}

/* An entry reused after a message left carries nothing of it. */
static void test_a_new_message_starts_clean_after_an_old_one_left(void **state)
{
	const struct message *m;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(SENT);
	feed(REMOVED);
	msg_table_expire(tab, REF);
	assert_null(msg("postfix", "4F3A21C0B2"));
	feed("Nov 27 02:55:00 mx1 postfix/smtpd[1]: 0A0B0C0D0E: client=unknown[192.0.2.9]");
	m = msg("postfix", "0A0B0C0D0E");
	assert_non_null(m);
	assert_string_equal(m->identity, "client:192.0.2.9");
	assert_string_equal(m->sender, "");
	assert_false(m->has_sender || m->accepted || m->removed);
	assert_int_equal(m->nrcpt, -1);
	assert_int_equal(m->deliveries[MSG_SENT], 0);
	assert_int_equal(m->accepted_at, 0);
}

/* A queue id's identity is never reassigned: a second client= for it is
 * forged (issue #9: framing someone else's queued message). */
static void test_a_second_client_line_for_a_queue_id_in_flight_is_forged_and_ignored(void **state)
{
	const struct message *m;
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed("Nov 27 02:05:14 mx1 postfix/smtpd[666]: 4F3A21C0B2: "
	     "client=unknown[192.0.2.66], sasl_method=PLAIN, sasl_username=mallory");
	feed("Nov 27 02:05:14 mx1 postfix/pickup[667]: 4F3A21C0B2: uid=1000 from=<x>");
	m = msg("postfix", "4F3A21C0B2");
	assert_non_null(m);
	assert_string_equal(m->identity, "sasl:alice@example.org");
	assert_string_equal(m->client_ip, "203.0.113.7");
	assert_true(m->accepted);
	msg_table_stats(tab, &st);
	assert_int_equal(st.forged, 2);
	assert_int_equal(seen.naccepted, 1);
	/* the same line read again (after a restart) is no forgery */
	feed(SUBMIT);
	msg_table_stats(tab, &st);
	assert_int_equal(st.forged, 2);
	assert_string_equal(msg("postfix", "4F3A21C0B2")->identity, "sasl:alice@example.org");
	/* after its removed line, a queue id may start a new message */
	feed(REMOVED);
	feed("Nov 27 02:06:00 mx1 postfix/smtpd[668]: 4F3A21C0B2: client=unknown[192.0.2.9]");
	assert_string_equal(msg("postfix", "4F3A21C0B2")->identity, "client:192.0.2.9");
	msg_table_stats(tab, &st);
	assert_int_equal(st.forged, 2);
}

static void test_queued_lists_the_identitys_messages_not_removed_newest_first(void **state)
{
	char qids[4][POSTFIX_QID_MAX];

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed("Nov 27 02:05:15 mx1 postfix/submission/smtpd[4242]: 5A1B2C3D4E: "
	     "client=unknown[203.0.113.7], sasl_method=PLAIN, sasl_username=alice@example.org");
	feed("Nov 27 02:05:15 mx1 postfix/smtpd[4243]: 6B1B2C3D4E: "
	     "client=unknown[203.0.113.8], sasl_method=PLAIN, sasl_username=mallory@example.org");
	feed("Nov 27 02:05:16 mx1 postfix/submission/smtpd[4242]: 7C1B2C3D4E: "
	     "client=unknown[203.0.113.7], sasl_method=PLAIN, sasl_username=alice@example.org");
	feed(REMOVED);
	assert_int_equal(msg_table_queued(tab, "sasl:alice@example.org", qids, 4), 2);
	assert_string_equal(qids[0], "7C1B2C3D4E");
	assert_string_equal(qids[1], "5A1B2C3D4E");
	assert_int_equal(msg_table_queued(tab, "sasl:alice@example.org", qids, 1), 1);
	assert_string_equal(qids[0], "7C1B2C3D4E");
	assert_int_equal(msg_table_queued(tab, "sasl:nobody", qids, 4), 0);
}

/* ---- bounce notifications ------------------------------------------------- */

static void test_non_delivery_notification_takes_the_identity_of_the_message_it_reports(void **state)
{
	const struct message *m;
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(BOUNCED);
	feed(NOTIFY);
	feed(NOTIFY_QUEUED);
	feed(NOTIFY_SENT);
	/* the notification is reported once, as alice's, never accepted as her mail */
	assert_int_equal(seen.nnotified, 1);
	assert_string_equal(seen.notified[0], "sasl:alice@example.org");
	assert_string_equal(seen.notified_about[0], "4F3A21C0B2");
	assert_int_equal(seen.notify[0], MSG_NOTIFY_FAILURE);
	assert_int_equal(seen.naccepted, 1);
	assert_int_equal(seen.ndelivered, 2);
	assert_int_equal(seen.status[0], MSG_BOUNCED);
	assert_int_equal(seen.dnotify[0], MSG_NOTIFY_NONE);
	assert_string_equal(seen.delivered[1], "sasl:alice@example.org");
	assert_int_equal(seen.status[1], MSG_SENT);
	assert_int_equal(seen.dnotify[1], MSG_NOTIFY_FAILURE);
	m = msg("postfix", "8E2B1A0C3D");
	assert_non_null(m);
	assert_string_equal(m->orig_qid, "4F3A21C0B2");
	assert_string_equal(m->client_ip, "203.0.113.7");
	assert_true(m->has_sender && m->sender[0] == '\0');
	msg_table_stats(tab, &st);
	assert_int_equal(st.notifications, 1);
	assert_int_equal(st.unknown, 0);
	assert_int_equal(msg_table_changes(tab) > 0, true);
	assert_string_equal(msg_notify_name(MSG_NOTIFY_FAILURE), "non_delivery");
}

static void test_notification_is_not_among_the_identitys_queued_messages(void **state)
{
	char qids[4][POSTFIX_QID_MAX];

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(BOUNCED);
	feed(NOTIFY);
	feed(NOTIFY_QUEUED);
	feed(REMOVED);
	/* the original left the queue; the notification in it is not alice's to hold */
	assert_int_equal(msg_table_queued(tab, "sasl:alice@example.org", qids, 4), 0);
}

static void test_notification_kinds_delay_delivery_status_and_postmaster(void **state)
{
	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed("Nov 27 06:05:13 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
	     "sender delay notification: 1A2B3C4D5E");
	feed("Nov 27 06:05:14 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
	     "sender delivery status notification: 2A2B3C4D5E");
	/* the delay notice bounces: its postmaster notification is alice's too */
	feed("Nov 27 06:05:20 mx1 postfix/bounce[5555]: 1A2B3C4D5E: "
	     "postmaster non-delivery notification: 3A2B3C4D5E");
	assert_int_equal(seen.nnotified, 3);
	assert_int_equal(seen.notify[0], MSG_NOTIFY_DELAY);
	assert_int_equal(seen.notify[1], MSG_NOTIFY_SUCCESS);
	assert_int_equal(seen.notify[2], MSG_NOTIFY_POSTMASTER);
	assert_string_equal(seen.notified[2], "sasl:alice@example.org");
	assert_string_equal(seen.notified_about[2], "1A2B3C4D5E");
}

static void test_notification_about_an_unknown_message_links_nothing(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(NOTIFY);
	feed(NOTIFY_QUEUED);
	feed(NOTIFY_SENT);
	assert_int_equal(seen.nnotified, 0);
	assert_int_equal(seen.ndelivered, 0);
	assert_null(msg("postfix", "8E2B1A0C3D"));
	msg_table_stats(tab, &st);
	assert_int_equal(st.notify_unknown, 1);
}

static void test_notify_naming_another_identitys_message_is_forged_and_a_repeat_is_ignored(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 5A1B2C3D4E: "
	     "client=unknown[192.0.2.9], sasl_method=PLAIN, sasl_username=bob");
	/* logger-written: would make bob's message alice's bounce */
	feed("Nov 27 02:05:14 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
	     "sender non-delivery notification: 5A1B2C3D4E");
	assert_string_equal(msg("postfix", "5A1B2C3D4E")->identity, "sasl:bob");
	assert_int_equal(msg("postfix", "5A1B2C3D4E")->notify, MSG_NOTIFY_NONE);
	feed(NOTIFY);
	feed(NOTIFY);		/* read again after a restart */
	assert_int_equal(seen.nnotified, 1);
	msg_table_stats(tab, &st);
	assert_int_equal(st.forged, 1);
	assert_int_equal(st.notifications, 1);
}

static void test_notification_through_a_content_filter_keeps_its_mark(void **state)
{
	const struct message *m;

	(void)state;
	feed(SUBMIT);
	feed(QUEUED);
	feed(NOTIFY);
	feed(NOTIFY_QUEUED);
	feed("Nov 27 02:05:15 mx1 postfix/smtp[3335]: 8E2B1A0C3D: to=<alice@example.org>, "
	     "relay=127.0.0.1[127.0.0.1]:10024, delay=0.9, delays=0.1/0/0.1/0.7, dsn=2.0.0, "
	     "status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: "
	     "queued as 6C7D8E9F0A)");
	feed("Nov 27 02:05:16 mx1 postfix/smtpd[7777]: 6C7D8E9F0A: client=localhost[127.0.0.1]");
	feed("Nov 27 02:05:16 mx1 postfix/qmgr[1111]: 6C7D8E9F0A: from=<>, size=4000, "
	     "nrcpt=1 (queue active)");
	feed("Nov 27 02:05:17 mx1 postfix/local[6666]: 6C7D8E9F0A: to=<alice@example.org>, "
	     "relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to "
	     "mailbox)");
	m = msg("postfix", "6C7D8E9F0A");
	assert_non_null(m);
	assert_int_equal(m->notify, MSG_NOTIFY_FAILURE);
	assert_string_equal(m->orig_qid, "4F3A21C0B2");
	assert_int_equal(seen.naccepted, 1);
	assert_int_equal(seen.ndelivered, 1);
	assert_string_equal(seen.delivered[0], "sasl:alice@example.org");
	assert_int_equal(seen.dnotify[0], MSG_NOTIFY_FAILURE);
}

/* ---- cleanup's refusals ------------------------------------------------------ */

#define CLEANUP "Nov 27 02:05:14 mx1 postfix/cleanup[2345]: 4F3A21C0B2: "
#define TAIL " from unknown[203.0.113.7]; from=<alice@example.org> to=<b@example.net> " \
	"proto=ESMTP helo=<pc>"

static void test_header_checks_reject_refuses_the_message_once(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);
	feed(CLEANUP "reject: header Subject: buy now" TAIL ": 5.7.1 Spam");
	assert_true(msg("postfix", "4F3A21C0B2")->removed);
	assert_int_equal(seen.nrefused, 1);
	assert_string_equal(seen.refused[0], "sasl:alice@example.org");
	assert_int_equal(seen.naccepted, 0);
	/* read again, and 3.10's removed line after it: nothing more */
	feed(CLEANUP "reject: header Subject: buy now" TAIL ": 5.7.1 Spam");
	feed(CLEANUP "removed (canceled)");
	assert_int_equal(seen.nrefused, 1);
	msg_table_stats(tab, &st);
	assert_int_equal(st.refused, 1);
	/* gone after the grace, not at max_age */
	msg_table_expire(tab, REF - 3286 + 59);
	assert_non_null(msg("postfix", "4F3A21C0B2"));
	msg_table_expire(tab, REF - 3286 + 60);
	assert_null(msg("postfix", "4F3A21C0B2"));
}

static void test_milter_reject_and_discard_of_cleanup_refuse_the_message(void **state)
{
	static const char *const refusals[] = {
		CLEANUP "milter-reject: END-OF-MESSAGE from unknown[203.0.113.7]: 4.7.1 try "
			"later; from=<alice@example.org> to=<b@example.net> proto=ESMTP helo=<pc>",
		CLEANUP "milter-discard: END-OF-MESSAGE from unknown[203.0.113.7]: milter "
			"triggers DISCARD action; from=<alice@example.org> to=<b@example.net> "
			"proto=ESMTP helo=<pc>",
		CLEANUP "discard: body click here" TAIL,
		CLEANUP "milter-body-reject: body click here" TAIL ": 5.7.1 no",
		CLEANUP "milter-header-discard: header Subject: x" TAIL ": ",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		msg_table_free(tab);
		memset(&seen, 0, sizeof(seen));
		tab = new_table(100, 60, 86400);
		feed(SUBMIT);
		feed(refusals[i]);
		if (seen.nrefused != 1 || !msg("postfix", "4F3A21C0B2")->removed)
			fail_msg("not a refusal: %s", refusals[i]);
	}
}

/* The other actions let the message go on; smtpd's "QID: reject: RCPT"
 * refuses one recipient of it. */
static void test_other_actions_and_a_recipient_reject_are_not_refusals(void **state)
{
	struct msg_stats st;

	(void)state;
	feed(SUBMIT);
	feed(CLEANUP "warning: header Subject: buy now" TAIL);
	feed(CLEANUP "hold: header Subject: buy now" TAIL ": held");
	feed(CLEANUP "redirect: header Subject: buy now" TAIL ": abuse@example.org");
	feed(CLEANUP "milter-hold: END-OF-MESSAGE from unknown[203.0.113.7]: milter triggers "
		     "HOLD action; from=<alice@example.org> to=<b@example.net> proto=ESMTP "
		     "helo=<pc>");
	feed("Nov 27 02:05:14 mx1 postfix/submission/smtpd[4242]: 4F3A21C0B2: reject: RCPT "
	     "from unknown[203.0.113.7]: 550 5.1.1 <x@example.net>: Recipient address "
	     "rejected: User unknown; from=<alice@example.org> to=<x@example.net> "
	     "proto=ESMTP helo=<pc>");
	assert_false(msg("postfix", "4F3A21C0B2")->removed);
	assert_int_equal(seen.nrefused, 0);
	msg_table_stats(tab, &st);
	assert_int_equal(st.refused, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_sasl_client_then_qmgr_accepts_one_message_for_the_login),
		T(test_queued_lists_the_identitys_messages_not_removed_newest_first),
		T(test_unauthenticated_client_is_identified_by_ip),
		T(test_pickup_is_identified_by_uid),
		T(test_forged_sasl_username_in_sender_is_not_an_identity),
		T(test_instances_keep_their_own_queue_ids),
		T(test_instance_not_plain_ascii_keys_the_same_message),
		T(test_qmgr_retry_of_a_deferred_message_is_not_counted_again),
		T(test_bounced_delivery_is_counted_by_status),
		T(test_lines_for_unknown_queue_ids_are_counted_not_tracked),
		T(test_amavis_reinjection_keeps_the_identity_and_counts_once),
		T(test_reinjected_delivery_before_the_handoff_line_waits_for_the_link),
		T(test_handoff_line_before_the_reinjected_client_line_links_it),
		T(test_unlinked_loopback_message_counts_for_its_client_at_flush),
		T(test_delivery_to_loopback_port_25_is_outbound),
		T(test_local_domains_are_case_insensitive_and_null_sender_is_local),
		T(test_removed_message_expires_after_the_grace),
		T(test_message_never_removed_expires_at_max_age),
		T(test_full_table_evicts_the_oldest_and_counts_it),
		T(test_churn_keeps_every_live_message_findable),
		T(test_a_new_message_starts_clean_after_an_old_one_left),
		T(test_a_second_client_line_for_a_queue_id_in_flight_is_forged_and_ignored),
		T(test_non_delivery_notification_takes_the_identity_of_the_message_it_reports),
		T(test_notification_is_not_among_the_identitys_queued_messages),
		T(test_notification_kinds_delay_delivery_status_and_postmaster),
		T(test_notification_about_an_unknown_message_links_nothing),
		T(test_notify_naming_another_identitys_message_is_forged_and_a_repeat_is_ignored),
		T(test_notification_through_a_content_filter_keeps_its_mark),
		T(test_header_checks_reject_refuses_the_message_once),
		T(test_milter_reject_and_discard_of_cleanup_refuse_the_message),
		T(test_other_actions_and_a_recipient_reject_are_not_refusals),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
