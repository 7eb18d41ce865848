// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_postfix.c - postfix_parse() on the lines of current Postfix
 * releases (3.7 to 3.11), one table row per line: its kind and every
 * field it must give, and no other (a field the row does not name must be
 * absent).  The lines are written as the Postfix sources write them
 * (src/global/log_adhoc.c for deliveries, src/smtpd/smtpd.c,
 * src/qmgr/qmgr_active.c, src/smtp/smtp_trouble.c and smtp_proto.c,
 * src/postsuper/postsuper.c) or copied from real logs published with the
 * projects that parse them.  Then the tolerance of fields the parser does
 * not know, in every position, and hostile lines.  The rejects and the
 * other actions are test_postfix_reject.c.  The tests run in UTC.
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

#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "testutil.h"

#define H "Nov 27 02:05:13 mx1 "

/* ---- deliveries (log_adhoc.c) --------------------------------------------- */

static void test_delivery_with_tls_feature_status_is_a_delivery(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/smtp[3333]: 4F3A21C0B2: to=<a@b>, relay=mx[1.2.3.4]:25, "
		  "delay=0.5, delays=0.1/0/0.2/0.2, tls=dane/requiretls, dsn=2.0.0, "
		  "status=sent (250 ok)", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_TO] = "a@b", [POSTFIX_F_RELAY_HOST] = "mx",
			 [POSTFIX_F_RELAY_IP] = "1.2.3.4", [POSTFIX_F_DELAY] = "0.5",
			 [POSTFIX_F_DELAYS] = "0.1/0/0.2/0.2",
			 [POSTFIX_F_TLS] = "dane/requiretls", [POSTFIX_F_DSN] = "2.0.0",
			 [POSTFIX_F_STATUS] = "sent", [POSTFIX_F_TEXT] = "250 ok" },
		  "relay_port=25" },
		/* a downgrade, a violation, and conn_use before the delays */
		{ H "postfix/smtp[3334]: 4Nx3Wk0Jz5z9vQp: to=<bob@example.net>, "
		  "relay=mx.example.net[2001:db8::25]:25, conn_use=3, delay=1.1, "
		  "delays=0.04/0/0.6/0.46, tls=may:none/!requiretls:nostarttls, "
		  "dsn=4.7.10, status=deferred (TLS is required, but was not offered "
		  "by host mx.example.net[2001:db8::25])", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4Nx3Wk0Jz5z9vQp",
			 [POSTFIX_F_TO] = "bob@example.net",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "2001:db8::25", [POSTFIX_F_DELAY] = "1.1",
			 [POSTFIX_F_DELAYS] = "0.04/0/0.6/0.46",
			 [POSTFIX_F_TLS] = "may:none/!requiretls:nostarttls",
			 [POSTFIX_F_DSN] = "4.7.10", [POSTFIX_F_STATUS] = "deferred",
			 [POSTFIX_F_TEXT] = "TLS is required, but was not offered by host "
					    "mx.example.net[2001:db8::25]" },
		  "relay_port=25 conn_use=3" },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_true(rec.conn_reused);
}

static void test_local_virtual_lmtp_and_pipe_deliveries(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/local[4444]: 9C1D2E3F4A: to=<root@mx1.example.org>, "
		  "orig_to=<postmaster@example.org>, relay=local, delay=0.02, "
		  "delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to command: "
		  "/usr/bin/procmail -a \"$EXTENSION\")", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "local", [POSTFIX_F_QID] = "9C1D2E3F4A",
			 [POSTFIX_F_TO] = "root@mx1.example.org",
			 [POSTFIX_F_ORIG_TO] = "postmaster@example.org",
			 [POSTFIX_F_RELAY_HOST] = "local", [POSTFIX_F_DELAY] = "0.02",
			 [POSTFIX_F_DELAYS] = "0.01/0/0/0.01", [POSTFIX_F_DSN] = "2.0.0",
			 [POSTFIX_F_STATUS] = "sent",
			 [POSTFIX_F_TEXT] = "delivered to command: /usr/bin/procmail -a "
					    "\"$EXTENSION\"" }, NULL },
		{ H "postfix/virtual[4445]: 9C1D2E3F4A: to=<u@example.org>, relay=virtual, "
		  "delay=0.11, delays=0.09/0.01/0/0.01, dsn=2.0.0, status=sent "
		  "(delivered to maildir)", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "virtual", [POSTFIX_F_QID] = "9C1D2E3F4A",
			 [POSTFIX_F_TO] = "u@example.org", [POSTFIX_F_RELAY_HOST] = "virtual",
			 [POSTFIX_F_DELAY] = "0.11", [POSTFIX_F_DELAYS] = "0.09/0.01/0/0.01",
			 [POSTFIX_F_DSN] = "2.0.0", [POSTFIX_F_STATUS] = "sent",
			 [POSTFIX_F_TEXT] = "delivered to maildir" }, NULL },
		/* Dovecot LMTP over a unix socket: HOST[PATH], no port */
		{ H "postfix/lmtp[4446]: 9C1D2E3F4A: to=<u@example.org>, "
		  "relay=mx1.example.org[private/dovecot-lmtp], delay=0.06, "
		  "delays=0.02/0.01/0.01/0.02, dsn=2.0.0, status=sent (250 2.0.0 "
		  "<u@example.org> 0Hx1Ny5hW2WPLwAAfKDSwQ Saved)", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "lmtp", [POSTFIX_F_QID] = "9C1D2E3F4A",
			 [POSTFIX_F_TO] = "u@example.org",
			 [POSTFIX_F_RELAY_HOST] = "mx1.example.org",
			 [POSTFIX_F_RELAY_IP] = "private/dovecot-lmtp",
			 [POSTFIX_F_DELAY] = "0.06", [POSTFIX_F_DELAYS] = "0.02/0.01/0.01/0.02",
			 [POSTFIX_F_DSN] = "2.0.0", [POSTFIX_F_STATUS] = "sent",
			 [POSTFIX_F_TEXT] = "250 2.0.0 <u@example.org> 0Hx1Ny5hW2WPLwAAfKDSwQ "
					    "Saved" }, NULL },
		/* LMTP over TCP (docker-mailserver, mailcow) */
		{ H "postfix/lmtp[145]: 54A41263BE1: to=<u@example.org>, "
		  "orig_to=<alias@example.org>, relay=mail-dovecot[172.20.0.16]:24, "
		  "delay=1.2, delays=1/0.01/0.1/0.09, dsn=2.0.0, status=sent (250 2.0.0 "
		  "Saved)", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "lmtp", [POSTFIX_F_QID] = "54A41263BE1",
			 [POSTFIX_F_TO] = "u@example.org", [POSTFIX_F_ORIG_TO] = "alias@example.org",
			 [POSTFIX_F_RELAY_HOST] = "mail-dovecot",
			 [POSTFIX_F_RELAY_IP] = "172.20.0.16", [POSTFIX_F_DELAY] = "1.2",
			 [POSTFIX_F_DELAYS] = "1/0.01/0.1/0.09", [POSTFIX_F_DSN] = "2.0.0",
			 [POSTFIX_F_STATUS] = "sent", [POSTFIX_F_TEXT] = "250 2.0.0 Saved" },
		  "relay_port=24" },
		/* pipe(8) to Dovecot's LDA: relay= is the master.cf service */
		{ H "postfix/pipe[4447]: 9C1D2E3F4A: to=<u@example.org>, relay=dovecot, "
		  "delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (delivered via "
		  "dovecot service)", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "pipe", [POSTFIX_F_QID] = "9C1D2E3F4A",
			 [POSTFIX_F_TO] = "u@example.org", [POSTFIX_F_RELAY_HOST] = "dovecot",
			 [POSTFIX_F_DELAY] = "0.1", [POSTFIX_F_DELAYS] = "0.05/0/0/0.05",
			 [POSTFIX_F_DSN] = "2.0.0", [POSTFIX_F_STATUS] = "sent",
			 [POSTFIX_F_TEXT] = "delivered via dovecot service" }, NULL },
		/* the queue manager defers and bounces without an agent */
		{ H "postfix/qmgr[1111]: 9C1D2E3F4A: to=<x@example.com>, relay=none, "
		  "delay=4.1, delays=4.1/0/0/0, dsn=4.3.2, status=deferred (delivery "
		  "temporarily suspended: connect to mx[192.0.2.1]:25: Connection "
		  "refused)", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "qmgr", [POSTFIX_F_QID] = "9C1D2E3F4A",
			 [POSTFIX_F_TO] = "x@example.com", [POSTFIX_F_RELAY_HOST] = "none",
			 [POSTFIX_F_DELAY] = "4.1", [POSTFIX_F_DELAYS] = "4.1/0/0/0",
			 [POSTFIX_F_DSN] = "4.3.2", [POSTFIX_F_STATUS] = "deferred",
			 [POSTFIX_F_TEXT] = "delivery temporarily suspended: connect to "
					    "mx[192.0.2.1]:25: Connection refused" }, NULL },
		{ H "postfix/error[4448]: 9C1D2E3F4A: to=<x@example.com>, relay=none, "
		  "delay=0.03, delays=0.01/0.01/0/0.01, dsn=5.0.0, status=bounced (User "
		  "unknown)", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "error", [POSTFIX_F_QID] = "9C1D2E3F4A",
			 [POSTFIX_F_TO] = "x@example.com", [POSTFIX_F_RELAY_HOST] = "none",
			 [POSTFIX_F_DELAY] = "0.03", [POSTFIX_F_DELAYS] = "0.01/0.01/0/0.01",
			 [POSTFIX_F_DSN] = "5.0.0", [POSTFIX_F_STATUS] = "bounced",
			 [POSTFIX_F_TEXT] = "User unknown" }, NULL },
	};

	(void)state;
	CHECK_ROWS(rows);
}

/* The same delivery with an unknown element in each place a list element
 * can stand, in the three value forms: a word, a <...> value, an empty. */
static void test_unknown_field_is_skipped_anywhere_in_a_delivery(void **state)
{
	static const char *const elems[] = {
		"to=<a@b>", "orig_to=<c@d>", "relay=mx[1.2.3.4]:25", "conn_use=2",
		"delay=0.5", "delays=0.1/0/0.2/0.2", "tls=may", "dsn=2.0.0",
	};
	static const char *const unknown[] = {
		"x_new=1", "x-addr=<\"q, status=bounced\"@e>", "x_empty=",
		"queue_time=12.5/3",
	};
	const size_t n = sizeof(elems) / sizeof(elems[0]);

	(void)state;
	for (size_t u = 0; u < sizeof(unknown) / sizeof(unknown[0]); u++)
		for (size_t at = 1; at <= n; at++) {
			char line[512];
			int len = snprintf(line, sizeof(line), H "postfix/smtp[1]: 4F3A21C0B2: ");

			for (size_t i = 0; i <= n; i++) {
				if (i == at)
					len += snprintf(line + len, sizeof(line) - (size_t)len,
							"%s, ", unknown[u]);
				if (i < n)
					len += snprintf(line + len, sizeof(line) - (size_t)len,
							"%s, ", elems[i]);
			}
			snprintf(line + len, sizeof(line) - (size_t)len, "status=sent (250 ok)");
			if (parse_postfix(line) != POSTFIX_DELIVERY)
				fail_msg("not a delivery: %s", line);
			assert_field(POSTFIX_F_TO, "a@b");
			assert_field(POSTFIX_F_ORIG_TO, "c@d");
			assert_field(POSTFIX_F_RELAY_IP, "1.2.3.4");
			assert_int_equal(rec.relay_port, 25);
			assert_int_equal(rec.conn_use, 2);
			assert_field(POSTFIX_F_DELAYS, "0.1/0/0.2/0.2");
			assert_field(POSTFIX_F_TLS, "may");
			assert_field(POSTFIX_F_DSN, "2.0.0");
			assert_field(POSTFIX_F_STATUS, "sent");
			assert_field(POSTFIX_F_TEXT, "250 ok");
		}
}

static void test_known_field_counts_only_once_in_order_and_at_an_element_start(void **state)
{
	static const char *const unparsed[] = {
		/* twice */
		H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, relay=mx[1.2.3.4]:25, delay=1, "
		"delays=0/0/0/1, dsn=2.0.0, dsn=5.0.0, status=sent (ok)",
		H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, relay=mx[1.2.3.4]:25, "
		"relay=evil[6.6.6.6]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)",
		/* out of order: a relay after the delays */
		H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, delay=1, relay=mx[1.2.3.4]:25, "
		"delays=0/0/0/1, dsn=2.0.0, status=sent (ok)",
		/* no relay: a name that ends in "relay" is not relay */
		H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, xrelay=mx[1.2.3.4]:25, delay=1, "
		"delays=0/0/0/1, dsn=2.0.0, status=sent (ok)",
		/* an element that is not NAME=VALUE */
		H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, relay=mx[1.2.3.4]:25, hello, "
		"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)",
		H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, relay=mx[1.2.3.4]:25, Dsn=2.0.0, "
		"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)",
		/* a conn_use that is not a number */
		H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, relay=mx[1.2.3.4]:25, conn_use=x, "
		"delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(unparsed) / sizeof(unparsed[0]); i++)
		if (parse_postfix(unparsed[i]) != POSTFIX_UNPARSED)
			fail_msg("not UNPARSED: %s", unparsed[i]);
	/* a known name inside an unknown element's value is that value */
	assert_int_equal(parse_postfix(H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, "
			       "note=relay=evil[6.6.6.6]:25, relay=mx[1.2.3.4]:25, delay=1, "
			       "delays=0/0/0/1, dsn=2.0.0, status=sent (ok)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_HOST, "mx");
	assert_field(POSTFIX_F_RELAY_IP, "1.2.3.4");
}

static void test_forged_fields_in_quoted_addresses_stay_in_the_address(void **state)
{
	(void)state;
	assert_int_equal(parse_postfix(H "postfix/smtp[1]: 4F3A21C0B2: "
			       "to=<\"x, status=sent\"@evil.test>, "
			       "orig_to=<\"y>, relay=ok[192.0.2.9]:25, tls=dane\"@evil.test>, "
			       "relay=mx.evil.test[203.0.113.9]:25, delay=1, delays=0/0/0/1, "
			       "tls=none, dsn=5.1.1, status=bounced (550 no such user)"),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_TO, "\"x, status=sent\"@evil.test");
	assert_field(POSTFIX_F_ORIG_TO, "\"y>, relay=ok[192.0.2.9]:25, tls=dane\"@evil.test");
	assert_field(POSTFIX_F_RELAY_IP, "203.0.113.9");
	assert_field(POSTFIX_F_TLS, "none");
	assert_field(POSTFIX_F_STATUS, "bounced");
	/* in an unknown element's <...> value too */
	assert_int_equal(parse_postfix(H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, "
			       "x=<\"z, relay=ok[192.0.2.9]:25, status=sent\"@e>, "
			       "relay=mx[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=5.0.0, "
			       "status=bounced (no)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_IP, "1.2.3.4");
	assert_field(POSTFIX_F_STATUS, "bounced");
}

/* ---- smtpd ---------------------------------------------------------------- */

static void test_client_with_port_and_unknown_field(void **state)
{
	static const struct postfix_row rows[] = {
		/* smtpd_client_port_logging = yes */
		{ H "postfix/smtpd[12345]: connect from mail.example.net[198.51.100.23]:52314",
		  POSTFIX_CONNECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd",
			 [POSTFIX_F_CLIENT_HOST] = "mail.example.net",
			 [POSTFIX_F_CLIENT_IP] = "198.51.100.23" },
		  "client_port=52314" },
		{ H "postfix/submission/smtpd[4242]: 4F3A21C0B2: "
		  "client=unknown[203.0.113.7]:40022, x_future=1, sasl_method=PLAIN, "
		  "sasl_username=alice@example.org, orig_queue_id=ABCDE12345, "
		  "orig_client=x[192.0.2.1]", POSTFIX_CLIENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7",
			 [POSTFIX_F_SASL_METHOD] = "PLAIN",
			 [POSTFIX_F_SASL_USERNAME] = "alice@example.org" },
		  "client_port=40022" },
	};

	(void)state;
	CHECK_ROWS(rows);
	/* a known name after an unknown one still counts only once */
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: 4F3A21C0B2: client=unknown[203.0.113.7], "
			       "sasl_method=PLAIN, sasl_username=alice, x=1, sasl_username=ceo"),
			 POSTFIX_UNPARSED);
}

static void test_end_of_session_lines(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/smtpd[12345]: disconnect from unknown[203.0.113.7] ehlo=1 "
		  "auth=0/1 quit=1 commands=2/3", POSTFIX_DISCONNECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7",
			 [POSTFIX_F_TEXT] = "ehlo=1 auth=0/1 quit=1 commands=2/3" }, NULL },
		/* before Postfix 3.10: no queue id */
		{ H "postfix/submission/smtpd[4242]: lost connection after AUTH from "
		  "unknown[203.0.113.7]", POSTFIX_LOST,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7",
			 [POSTFIX_F_STATUS] = "lost connection", [POSTFIX_F_STAGE] = "AUTH" },
		  NULL },
		/* Postfix 3.10: NOQUEUE or the queue id first */
		{ H "postfix/smtpd[12345]: NOQUEUE: too many errors after RCPT from "
		  "unknown[203.0.113.7]:4711", POSTFIX_LOST,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7",
			 [POSTFIX_F_STATUS] = "too many errors", [POSTFIX_F_STAGE] = "RCPT" },
		  "client_port=4711" },
		{ H "postfix/smtpd[12345]: 4F3A21C0B2: timeout after DATA (8192 bytes) from "
		  "mail.example.net[198.51.100.23]", POSTFIX_LOST,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_CLIENT_HOST] = "mail.example.net",
			 [POSTFIX_F_CLIENT_IP] = "198.51.100.23", [POSTFIX_F_STATUS] = "timeout",
			 [POSTFIX_F_STAGE] = "DATA" }, "size=8192" },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: lost connection after AUTH from "
			       "unknown[203.0.113.7] now"), POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: disconnect from unknown"), POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: lost connection with x[192.0.2.1]"),
			 POSTFIX_IGNORED);
}

static void test_tls_connection_lines(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/smtpd[12345]: Anonymous TLS connection established from "
		  "mail.example.net[198.51.100.23]: TLSv1.3 with cipher "
		  "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
		  "server-signature RSA-PSS (2048 bits) server-digest SHA256",
		  POSTFIX_TLS_CONNECTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd",
			 [POSTFIX_F_CLIENT_HOST] = "mail.example.net",
			 [POSTFIX_F_CLIENT_IP] = "198.51.100.23",
			 [POSTFIX_F_STATUS] = "Anonymous",
			 [POSTFIX_F_TEXT] = "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
					    "(256/256 bits) key-exchange X25519 server-signature "
					    "RSA-PSS (2048 bits) server-digest SHA256" }, NULL },
		{ H "postfix/smtp[3333]: Verified TLS connection established to "
		  "mx.example.net[2001:db8::25]:25: TLSv1.2 with cipher "
		  "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)", POSTFIX_TLS_CONNECTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "2001:db8::25", [POSTFIX_F_STATUS] = "Verified",
			 [POSTFIX_F_TEXT] = "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 "
					    "(256/256 bits)" }, "relay_port=25" },
		/* with the SNI name the client asked for (3.8+) */
		{ H "postfix/tlsproxy[777]: Untrusted TLS connection reused from "
		  "[192.0.2.7]:4711 to mx1.example.org: TLSv1.3 with cipher "
		  "TLS_AES_128_GCM_SHA256 (128/128 bits)", POSTFIX_TLS_CONNECTION,
		  .f = { [POSTFIX_F_SERVICE] = "tlsproxy", [POSTFIX_F_CLIENT_IP] = "192.0.2.7",
			 [POSTFIX_F_STATUS] = "Untrusted",
			 [POSTFIX_F_TEXT] = "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 "
					    "(128/128 bits)" }, "client_port=4711" },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: Anonymous TLS connection established "
			       "from x[192.0.2.1]"), POSTFIX_UNPARSED);
	/* a queue id that starts like a trust word is still a queue id */
	assert_int_equal(parse_postfix(H "postfix/smtp[1]: ABCDE12345: to=<a@b>, relay=none, "
			       "delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (x)"),
			 POSTFIX_DELIVERY);
}

/* ---- qmgr, smtp, postsuper ------------------------------------------------ */

static void test_qmgr_expired_and_tolerant_queue_active(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/qmgr[1111]: 4F3A21C0B2: from=<alice@example.org>, "
		  "status=expired, returned to sender", POSTFIX_EXPIRED,
		  .f = { [POSTFIX_F_SERVICE] = "qmgr", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_FROM] = "alice@example.org", [POSTFIX_F_STATUS] = "expired" },
		  NULL },
		{ H "postfix/qmgr[1111]: 4F3A21C0B2: from=<>, status=force-expired, "
		  "returned to sender", POSTFIX_EXPIRED,
		  .f = { [POSTFIX_F_SERVICE] = "qmgr", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_FROM] = "", [POSTFIX_F_STATUS] = "force-expired" },
		  NULL },
		{ H "postfix/qmgr[1111]: 4F3A21C0B2: from=<alice@example.org>, x_prio=3, "
		  "size=1843, x_more=<\"a, nrcpt=9\"@b>, nrcpt=2 (queue active)",
		  POSTFIX_QUEUED,
		  .f = { [POSTFIX_F_SERVICE] = "qmgr", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_FROM] = "alice@example.org" },
		  "size=1843 nrcpt=2" },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_int_equal(parse_postfix(H "postfix/qmgr[1111]: 4F3A21C0B2: from=<a@b>, "
			       "status=expired, returned to sender now"), POSTFIX_UNPARSED);
}

static void test_smtp_client_errors_that_name_a_queue_id(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/smtp[3333]: 4F3A21C0B2: host mx.example.net[198.51.100.5] "
		  "refused to talk to me: 554 5.7.1 Service unavailable; Client host "
		  "[203.0.113.1] blocked", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "198.51.100.5",
			 [POSTFIX_F_STATUS] = "refused to talk to me",
			 [POSTFIX_F_TEXT] = "554 5.7.1 Service unavailable; Client host "
					    "[203.0.113.1] blocked" }, NULL },
		{ H "postfix/smtp[3333]: 4F3A21C0B2: host mx.example.net[198.51.100.5] said: "
		  "450 4.7.1 Try again later (in reply to RCPT TO command)",
		  POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "198.51.100.5",
			 [POSTFIX_F_STATUS] = "said", [POSTFIX_F_STAGE] = "RCPT TO",
			 [POSTFIX_F_TEXT] = "450 4.7.1 Try again later" },
		  NULL },
		/* the reply may hold "(in reply to": the last one is Postfix's */
		{ H "postfix/smtp[3333]: 4F3A21C0B2: host mx.example.net[198.51.100.5] said: "
		  "550 5.7.1 no (in reply to X command) (in reply to end of DATA command)",
		  POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "198.51.100.5",
			 [POSTFIX_F_STATUS] = "said", [POSTFIX_F_STAGE] = "end of DATA",
			 [POSTFIX_F_TEXT] = "550 5.7.1 no (in reply to X command)" },
		  NULL },
		/* smtp_sasl_glue.c: our client's login at the server failed */
		{ H "postfix/smtp[3333]: D0F29603B4: SASL authentication failed; server "
		  "xyz.example.com[192.0.2.4] said: 535 5.7.8 Error: authentication failed: "
		  "authentication failure", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "D0F29603B4",
			 [POSTFIX_F_RELAY_HOST] = "xyz.example.com",
			 [POSTFIX_F_RELAY_IP] = "192.0.2.4",
			 [POSTFIX_F_STATUS] = "SASL authentication failed",
			 [POSTFIX_F_TEXT] = "535 5.7.8 Error: authentication failed: "
					    "authentication failure" }, NULL },
		{ H "postfix/smtp[3333]: 4F3A21C0B2: lost connection with "
		  "mx.example.net[2001:db8::5] while receiving the initial server greeting",
		  POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "2001:db8::5",
			 [POSTFIX_F_STATUS] = "lost connection",
			 [POSTFIX_F_TEXT] = "receiving the initial server greeting" },
		  NULL },
		{ H "postfix/lmtp[3333]: 4F3A21C0B2: conversation with "
		  "mx1.example.org[private/dovecot-lmtp] timed out while sending end of "
		  "data -- message may be sent more than once", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "lmtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx1.example.org",
			 [POSTFIX_F_RELAY_IP] = "private/dovecot-lmtp",
			 [POSTFIX_F_STATUS] = "timed out",
			 [POSTFIX_F_TEXT] = "sending end of data -- message may be sent more "
					    "than once" },
		  NULL },
		{ H "postfix/smtp[3333]: D0F29603B4: SASL authentication failed; cannot "
		  "authenticate to server xyz.example.com[192.0.2.4]: no mechanism available",
		  POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "D0F29603B4",
			 [POSTFIX_F_RELAY_HOST] = "xyz.example.com",
			 [POSTFIX_F_RELAY_IP] = "192.0.2.4",
			 [POSTFIX_F_STATUS] = "SASL authentication failed",
			 [POSTFIX_F_TEXT] = "no mechanism available" }, NULL },
		/* smtp_proto.c: not trouble, an event of the delivery */
		{ H "postfix/smtp[3333]: 4F3A21C0B2: enabling PIX workarounds: disable_esmtp "
		  "delay_dotcrlf for mx.example.net[198.51.100.5]:25", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "198.51.100.5",
			 [POSTFIX_F_STATUS] = "PIX workarounds",
			 [POSTFIX_F_TEXT] = "disable_esmtp delay_dotcrlf" }, "relay_port=25" },
	};
	static const char *const ignored[] = {
		H "postfix/smtp[3333]: 4F3A21C0B2: host mx.example.net[198.51.100.5] "
		"greeted me with my own hostname mx1.example.org",
		H "postfix/smtp[3333]: 4F3A21C0B2: lost connection with x[192.0.2.1] while ",
		/* not a delivery agent */
		H "postfix/smtpd[3333]: 4F3A21C0B2: host x[192.0.2.1] said: 250 ok",
	};

	(void)state;
	CHECK_ROWS(rows);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (parse_postfix(ignored[i]) != POSTFIX_IGNORED)
			fail_msg("not IGNORED: %s", ignored[i]);
		assert_field(POSTFIX_F_RELAY_IP, "");
	}
}

static void test_postsuper_lines(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/postsuper[6666]: 4F3A21C0B2: requeued", POSTFIX_REQUEUED,
		  .f = { [POSTFIX_F_SERVICE] = "postsuper", [POSTFIX_F_QID] = "4F3A21C0B2" },
		  NULL },
		{ H "postfix/postsuper[6666]: 4F3A21C0B2: expired", POSTFIX_EXPIRED,
		  .f = { [POSTFIX_F_SERVICE] = "postsuper", [POSTFIX_F_QID] = "4F3A21C0B2" },
		  NULL },
		{ H "postfix/postsuper[6666]: Deleted: 3 messages", POSTFIX_SUMMARY,
		  .f = { [POSTFIX_F_SERVICE] = "postsuper", [POSTFIX_F_STATUS] = "Deleted" },
		  "count=3" },
		{ H "postfix/postsuper[6666]: Requeued: 1 message", POSTFIX_SUMMARY,
		  .f = { [POSTFIX_F_SERVICE] = "postsuper", [POSTFIX_F_STATUS] = "Requeued" },
		  "count=1" },
		{ H "postfix/postsuper[6666]: Placed on hold: 2 messages", POSTFIX_SUMMARY,
		  .f = { [POSTFIX_F_SERVICE] = "postsuper",
			 [POSTFIX_F_STATUS] = "Placed on hold" }, "count=2" },
		{ H "postfix/postsuper[6666]: Released from hold: 12 messages",
		  POSTFIX_SUMMARY,
		  .f = { [POSTFIX_F_SERVICE] = "postsuper",
			 [POSTFIX_F_STATUS] = "Released from hold" }, "count=12" },
		{ H "postfix/postsuper[6666]: Force-expired: 0 messages", POSTFIX_SUMMARY,
		  .f = { [POSTFIX_F_SERVICE] = "postsuper",
			 [POSTFIX_F_STATUS] = "Force-expired" }, "count=0" },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_int_equal(parse_postfix(H "postfix/postsuper[6666]: Deleted: many messages"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/postsuper[6666]: 4F3A21C0B2: requeued twice"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/qmgr[1]: Deleted: 3 messages"), POSTFIX_IGNORED);
}

/* ---- a client's or a server's events without a message -------------------- */

static void test_smtp_client_errors_without_a_queue_id(void **state)
{
	static const struct postfix_row rows[] = {
		/* smtp_connect.c: the reason of each address tried */
		{ H "postfix/smtp[3333]: connect to mx.example.net[198.51.100.5]:25: "
		  "Connection refused", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "198.51.100.5", [POSTFIX_F_STATUS] = "connect to",
			 [POSTFIX_F_TEXT] = "Connection refused" }, "relay_port=25" },
		{ H "postfix/smtp[3333]: connect to aspmx.l.google.com[2a00:1450:400b:c02::1a]:25: "
		  "Network is unreachable", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_RELAY_HOST] = "aspmx.l.google.com",
			 [POSTFIX_F_RELAY_IP] = "2a00:1450:400b:c02::1a",
			 [POSTFIX_F_STATUS] = "connect to",
			 [POSTFIX_F_TEXT] = "Network is unreachable" }, "relay_port=25" },
		/* lmtp to a UNIX socket: no port */
		{ H "postfix/lmtp[3333]: connect to mail.example.org[private/dovecot-lmtp]: "
		  "No such file or directory", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "lmtp", [POSTFIX_F_RELAY_HOST] = "mail.example.org",
			 [POSTFIX_F_RELAY_IP] = "private/dovecot-lmtp",
			 [POSTFIX_F_STATUS] = "connect to",
			 [POSTFIX_F_TEXT] = "No such file or directory" }, NULL },
		/* tls_client.c, tls_verify.c */
		{ H "postfix/smtp[3333]: SSL_connect error to mail.example.org[192.0.2.2]:25: "
		  "lost connection", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_RELAY_HOST] = "mail.example.org",
			 [POSTFIX_F_RELAY_IP] = "192.0.2.2",
			 [POSTFIX_F_STATUS] = "SSL_connect error",
			 [POSTFIX_F_TEXT] = "lost connection" }, "relay_port=25" },
		{ H "postfix/smtp[3333]: certificate verification failed for "
		  "mail.example.com[192.0.2.15]:25: self-signed certificate", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_RELAY_HOST] = "mail.example.com",
			 [POSTFIX_F_RELAY_IP] = "192.0.2.15",
			 [POSTFIX_F_STATUS] = "certificate verification failed",
			 [POSTFIX_F_TEXT] = "self-signed certificate" }, "relay_port=25" },
	};

	(void)state;
	CHECK_ROWS(rows);
	/* a shape that is not the client's: no field kept */
	assert_int_equal(parse_postfix(H "postfix/smtp[1]: connect to x[192.0.2.1]:25 refused"),
			 POSTFIX_IGNORED);
	assert_field(POSTFIX_F_RELAY_IP, "");
	assert_int_equal(rec.relay_port, -1);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: connect to x[192.0.2.1]:25: refused"),
			 POSTFIX_IGNORED);
}

static void test_smtpd_events_about_a_client(void **state)
{
	static const struct postfix_row rows[] = {
		/* smtpd.c: the client's own text after the client */
		{ H "postfix/smtpd[1]: improper command pipelining after EHLO from "
		  "unknown[2001:db8::7]: MAIL FROM:<>\\nRCPT TO:<a@b>\\n", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "2001:db8::7",
			 [POSTFIX_F_STATUS] = "improper command pipelining",
			 [POSTFIX_F_STAGE] = "EHLO",
			 [POSTFIX_F_TEXT] = "MAIL FROM:<>\\nRCPT TO:<a@b>\\n" }, NULL },
		{ H "postfix/smtpd[1]: improper command pipelining after RSET from "
		  "host.example.net[192.0.2.17]", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "host.example.net",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.17",
			 [POSTFIX_F_STATUS] = "improper command pipelining",
			 [POSTFIX_F_STAGE] = "RSET" }, NULL },
		{ H "postfix/smtpd[1]: bare <LF> received after CONNECT from example.net[192.0.2.4]",
		  POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "example.net",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.4",
			 [POSTFIX_F_STATUS] = "bare <LF> received", [POSTFIX_F_STAGE] = "CONNECT" },
		  NULL },
		/* tls_server.c */
		{ H "postfix/smtpd[1]: SSL_accept error from unknown[192.0.2.7]: lost connection",
		  POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.7",
			 [POSTFIX_F_STATUS] = "SSL_accept error",
			 [POSTFIX_F_TEXT] = "lost connection" }, NULL },
		{ H "postfix/submission/smtpd[1]: warning: non-SMTP command from "
		  "unknown[192.0.2.1]: GET / HTTP/1.1", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.1",
			 [POSTFIX_F_STATUS] = "non-SMTP command",
			 [POSTFIX_F_TEXT] = "GET / HTTP/1.1" }, NULL },
		/* smtpd_peer.c */
		{ H "postfix/smtpd[1]: warning: hostname bad.example.com does not resolve to "
		  "address 192.0.2.44: Name or service not known", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "bad.example.com",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.44",
			 [POSTFIX_F_STATUS] = "hostname does not resolve",
			 [POSTFIX_F_TEXT] = "Name or service not known" }, NULL },
		{ H "postfix/smtpd[1]: warning: hostname bad.example.com does not resolve to "
		  "address 2001:db8::44", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "bad.example.com",
			 [POSTFIX_F_CLIENT_IP] = "2001:db8::44",
			 [POSTFIX_F_STATUS] = "hostname does not resolve" }, NULL },
		/* smtpd.c's anvil limits */
		{ H "postfix/smtpd[1]: warning: Connection rate limit exceeded: 31 from "
		  "spamhost.example.org[192.0.2.123] for service smtpd", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd",
			 [POSTFIX_F_CLIENT_HOST] = "spamhost.example.org",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.123",
			 [POSTFIX_F_STATUS] = "limit exceeded",
			 [POSTFIX_F_TEXT] = "Connection rate" }, "count=31" },
		{ H "postfix/smtpd[1]: warning: Message delivery request rate limit exceeded: "
		  "334 from spam.example.com[192.0.2.227]:4711 for service submission",
		  POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd",
			 [POSTFIX_F_CLIENT_HOST] = "spam.example.com",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.227",
			 [POSTFIX_F_STATUS] = "limit exceeded",
			 [POSTFIX_F_TEXT] = "Message delivery request rate" },
		  "count=334 client_port=4711" },
		{ H "postfix/smtpd[1]: warning: Illegal address syntax from "
		  "evil.example[192.0.2.9] in MAIL command: <a b@c>", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "evil.example",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.9",
			 [POSTFIX_F_STATUS] = "Illegal address syntax", [POSTFIX_F_STAGE] = "MAIL",
			 [POSTFIX_F_TEXT] = "<a b@c>" }, NULL },
		/* before Postfix 2.3 */
		{ H "postfix/smtpd[1]: warning: 192.0.2.10: hostname host.example verification "
		  "failed: Name or service not known", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "host.example",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.10",
			 [POSTFIX_F_STATUS] = "hostname verification failed",
			 [POSTFIX_F_TEXT] = "Name or service not known" }, NULL },
		{ H "postfix/smtpd[1]: warning: 2001:db8::10: address not listed for hostname "
		  "host.example", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "host.example",
			 [POSTFIX_F_CLIENT_IP] = "2001:db8::10",
			 [POSTFIX_F_STATUS] = "address not listed" }, NULL },
		/* smtpd_client_port_logging = yes */
		{ H "postfix/smtpd[1]: warning: unknown[192.0.2.237]:55729: SASL LOGIN "
		  "authentication failed: authentication failure", POSTFIX_AUTH_FAILED,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.237", [POSTFIX_F_SASL_METHOD] = "LOGIN",
			 [POSTFIX_F_TEXT] = "authentication failure" }, "client_port=55729" },
	};
	static const char *const ignored[] = {
		H "postfix/smtpd[1]: warning: hostname x does not resolve",
		H "postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN whatever",
		H "postfix/smtpd[1]: warning: 192.0.2.1: sasl_username=ceo",
		H "postfix/smtpd[1]: warning: TLS library problem: error:0A000126",
	};

	(void)state;
	CHECK_ROWS(rows);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (parse_postfix(ignored[i]) != POSTFIX_IGNORED)
			fail_msg("not IGNORED: %s", ignored[i]);
		assert_field(POSTFIX_F_CLIENT_IP, "");
		assert_field(POSTFIX_F_SASL_METHOD, "");
	}
	/* another limit's warning, and a client's text is not the client */
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: warning: Command time limit exceeded: "
			       "\"/usr/bin/x\""), POSTFIX_IGNORED);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: warning: Connection rate limit exceeded: "
			       "3 from x[192.0.2.1] for service"), POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: warning: hostname x does not resolve "
			       "to address not-an-ip"), POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: improper command pipelining before EHLO"),
			 POSTFIX_UNPARSED);
}

static void test_postscreen_verdicts_and_tlsproxy_sessions(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/postscreen[1]: PASS NEW [2001:db8::23a]:36051", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "2001:db8::23a",
			 [POSTFIX_F_STATUS] = "PASS NEW" }, "client_port=36051" },
		{ H "postfix/postscreen[1]: PREGREET 14 after 0.08 from [192.0.2.2]:59415: "
		  "EHLO ylmf-pc\\r\\n", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.2",
			 [POSTFIX_F_STATUS] = "PREGREET", [POSTFIX_F_TEXT] = "EHLO ylmf-pc\\r\\n" },
		  "client_port=59415" },
		{ H "postfix/postscreen[1]: DNSBL rank 3 for [192.0.2.149]:1038", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.149",
			 [POSTFIX_F_STATUS] = "DNSBL" }, "client_port=1038" },
		{ H "postfix/postscreen[1]: HANGUP after 16 from [192.0.2.3]:48119 in tests after "
		  "SMTP handshake", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.3",
			 [POSTFIX_F_STATUS] = "HANGUP",
			 [POSTFIX_F_TEXT] = "in tests after SMTP handshake" }, "client_port=48119" },
		{ H "postfix/postscreen[1]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT",
		  POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.77",
			 [POSTFIX_F_STATUS] = "COMMAND TIME LIMIT", [POSTFIX_F_STAGE] = "CONNECT" },
		  "client_port=3608" },
		{ H "postfix/postscreen[1]: NON-SMTP COMMAND from [192.0.2.51]:45284 after CONNECT: "
		  "GET http://example.com/ HTTP/1.1", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.51",
			 [POSTFIX_F_STATUS] = "NON-SMTP COMMAND", [POSTFIX_F_STAGE] = "CONNECT",
			 [POSTFIX_F_TEXT] = "GET http://example.com/ HTTP/1.1" }, "client_port=45284" },
		{ H "postfix/postscreen[1]: BARE NEWLINE from [192.0.2.4]:42606 after .",
		  POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.4",
			 [POSTFIX_F_STATUS] = "BARE NEWLINE", [POSTFIX_F_STAGE] = "." },
		  "client_port=42606" },
		{ H "postfix/postscreen[1]: ALLOWLIST VETO [192.0.2.86]:53024", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.86",
			 [POSTFIX_F_STATUS] = "ALLOWLIST VETO" }, "client_port=53024" },
		/* tlsproxy.c */
		{ H "postfix/tlsproxy[1]: CONNECT from [192.0.2.142]:51637", POSTFIX_CONNECT,
		  .f = { [POSTFIX_F_SERVICE] = "tlsproxy", [POSTFIX_F_CLIENT_IP] = "192.0.2.142" },
		  "client_port=51637" },
		{ H "postfix/tlsproxy[1]: DISCONNECT [192.0.2.142]:51637", POSTFIX_DISCONNECT,
		  .f = { [POSTFIX_F_SERVICE] = "tlsproxy", [POSTFIX_F_CLIENT_IP] = "192.0.2.142" },
		  "client_port=51637" },
		/* dnsblog.c */
		{ H "postfix/dnsblog[1]: addr 192.0.2.86 listed by domain psbl.example as 127.0.0.2",
		  POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "dnsblog", [POSTFIX_F_CLIENT_IP] = "192.0.2.86",
			 [POSTFIX_F_STATUS] = "listed",
			 [POSTFIX_F_TEXT] = "listed by domain psbl.example as 127.0.0.2" }, NULL },
	};
	static const char *const ignored[] = {
		/* text of the client's before the client: not a verdict */
		H "postfix/postscreen[1]: PASS NEW <x> [192.0.2.1]:25",
		H "postfix/postscreen[1]: cache btree:/var/lib/postfix/psc_cache full cleanup: "
		"retained=1 dropped=0 entries",
		H "postfix/postscreen[1]: warning: dnsbl_reply_map: [192.0.2.1]",
		H "postfix/dnsblog[1]: addr x listed by domain y as z",
	};

	(void)state;
	CHECK_ROWS(rows);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (parse_postfix(ignored[i]) != POSTFIX_IGNORED)
			fail_msg("not IGNORED: %s", ignored[i]);
	assert_int_equal(parse_postfix(H "postfix/tlsproxy[1]: CONNECT from [192.0.2.1]:1 now"),
			 POSTFIX_UNPARSED);
}

/* anvil.c: the service name may hold ':' (an inet service), and so may the
 * client's address (IPv6) */
static void test_anvil_statistics_name_the_client(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/anvil[1]: statistics: max connection rate 2/60s for "
		  "(submission:192.0.2.8) at Dec  7 13:28:01", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "anvil", [POSTFIX_F_CLIENT_IP] = "192.0.2.8",
			 [POSTFIX_F_STATUS] = "max connection rate" }, "count=2" },
		{ H "postfix/anvil[1]: statistics: max connection count 1 for "
		  "(smtpd:2001:db8:0:1::3) at Oct 26 17:46:59", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "anvil", [POSTFIX_F_CLIENT_IP] = "2001:db8:0:1::3",
			 [POSTFIX_F_STATUS] = "max connection count" }, "count=1" },
		{ H "postfix/anvil[1]: statistics: max message rate 7/60s for "
		  "(127.0.0.1:2525:127.0.0.1) at Oct 26 19:46:00", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "anvil", [POSTFIX_F_CLIENT_IP] = "127.0.0.1",
			 [POSTFIX_F_STATUS] = "max message rate" }, "count=7" },
		{ H "postfix/anvil[1]: statistics: max connection rate 1/7d for (smtp:unknown) "
		  "at Sep  7 07:14:19", POSTFIX_EVENT,
		  .f = { [POSTFIX_F_SERVICE] = "anvil", [POSTFIX_F_CLIENT_IP] = "unknown",
			 [POSTFIX_F_STATUS] = "max connection rate" }, "count=1" },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_int_equal(parse_postfix(H "postfix/anvil[1]: statistics: max cache size 1 at "
			       "Dec  7 13:26:48"), POSTFIX_IGNORED);
	assert_int_equal(parse_postfix(H "postfix/anvil[1]: statistics: max connection rate 2/60s for "
			       "(submission) at Dec  7 13:28:01"), POSTFIX_UNPARSED);
}

/* pickup.c logs the maildrop queue id of mail requeued with postsuper -r */
static void test_pickup_of_requeued_mail_with_orig_id(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/pickup[5555]: 4F3A21C0B2: uid=0 from=<root> orig_id=1A2B3C4D5E",
		  POSTFIX_PICKUP,
		  .f = { [POSTFIX_F_SERVICE] = "pickup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_FROM] = "root" }, NULL },
		{ H "postfix/pickup[5555]: 4F3A21C0B2: uid=1000 from=<a> b@example.org>",
		  POSTFIX_PICKUP,
		  .f = { [POSTFIX_F_SERVICE] = "pickup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_FROM] = "a> b@example.org" }, NULL },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_int_equal(rec.uid, 1000);
	assert_int_equal(parse_postfix(H "postfix/pickup[5555]: 4F3A21C0B2: uid=0 from=<root> junk"),
			 POSTFIX_UNPARSED);
}

/* smtpd_proxy_filter: the client is logged before the queue file exists */
static void test_client_before_a_proxy_filter_has_no_queue_id(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/submission/smtpd[4242]: NOQUEUE: client=unknown[203.0.113.7]:4711, "
		  "sasl_method=PLAIN, sasl_username=alice@example.org", POSTFIX_CLIENT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_SASL_METHOD] = "PLAIN",
			 [POSTFIX_F_SASL_USERNAME] = "alice@example.org" }, "client_port=4711" },
	};

	(void)state;
	CHECK_ROWS(rows);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: NOQUEUE: client=unknown"),
			 POSTFIX_UNPARSED);
}

/* a warning about a message keeps its queue id, and nothing else */
static void test_warning_about_a_queue_id_keeps_only_the_id(void **state)
{
	(void)state;
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: warning: 9BECF3F19D: "
				       "sender_canonical_maps map lookup problem for "
				       "sender@example.com -- message not accepted, try again later"),
			 POSTFIX_IGNORED);
	assert_field(POSTFIX_F_QID, "9BECF3F19D");
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: warning: 4F3A21C0B2: queue file "
				       "size limit exceeded"), POSTFIX_IGNORED);
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
	assert_field(POSTFIX_F_STATUS, "");
	assert_field(POSTFIX_F_TEXT, "");
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: warning: TLS library problem: x"),
			 POSTFIX_IGNORED);
	assert_field(POSTFIX_F_QID, "");
}

/* local(8) of old releases wrote to= and orig_to= without <> */
static void test_delivery_with_unbracketed_addresses(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/local[1]: 2A22C263F6: to=user@host.example.com, orig_to=root@localhost, "
		  "relay=local, delay=0.07, delays=0.04/0/0/0.03, dsn=2.0.0, status=sent "
		  "(delivered to command: procmail -a \"$EXTENSION\")", POSTFIX_DELIVERY,
		  .f = { [POSTFIX_F_SERVICE] = "local", [POSTFIX_F_QID] = "2A22C263F6",
			 [POSTFIX_F_TO] = "user@host.example.com",
			 [POSTFIX_F_ORIG_TO] = "root@localhost", [POSTFIX_F_RELAY_HOST] = "local",
			 [POSTFIX_F_DELAY] = "0.07", [POSTFIX_F_DELAYS] = "0.04/0/0/0.03",
			 [POSTFIX_F_DSN] = "2.0.0", [POSTFIX_F_STATUS] = "sent",
			 [POSTFIX_F_TEXT] = "delivered to command: procmail -a \"$EXTENSION\"" },
		  NULL },
	};

	(void)state;
	CHECK_ROWS(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivery_with_tls_feature_status_is_a_delivery),
		cmocka_unit_test(test_local_virtual_lmtp_and_pipe_deliveries),
		cmocka_unit_test(test_unknown_field_is_skipped_anywhere_in_a_delivery),
		cmocka_unit_test(test_known_field_counts_only_once_in_order_and_at_an_element_start),
		cmocka_unit_test(test_forged_fields_in_quoted_addresses_stay_in_the_address),
		cmocka_unit_test(test_client_with_port_and_unknown_field),
		cmocka_unit_test(test_end_of_session_lines),
		cmocka_unit_test(test_tls_connection_lines),
		cmocka_unit_test(test_qmgr_expired_and_tolerant_queue_active),
		cmocka_unit_test(test_smtp_client_errors_that_name_a_queue_id),
		cmocka_unit_test(test_postsuper_lines),
		cmocka_unit_test(test_smtp_client_errors_without_a_queue_id),
		cmocka_unit_test(test_smtpd_events_about_a_client),
		cmocka_unit_test(test_postscreen_verdicts_and_tlsproxy_sessions),
		cmocka_unit_test(test_anvil_statistics_name_the_client),
		cmocka_unit_test(test_delivery_with_unbracketed_addresses),
		cmocka_unit_test(test_warning_about_a_queue_id_keeps_only_the_id),
		cmocka_unit_test(test_client_before_a_proxy_filter_has_no_queue_id),
		cmocka_unit_test(test_pickup_of_requeued_mail_with_orig_id),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
