// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_postfix.c - postfix_parse() on the lines of current Postfix
 * releases (3.7 to 3.11), one table row per line: its kind and every
 * field it must give, and no other (a field the row does not name must be
 * absent).  The lines are written as the Postfix sources write them
 * (src/global/log_adhoc.c for deliveries, src/smtpd/smtpd_check.c
 * log_whatsup() and src/smtpd/smtpd.c for rejects, src/cleanup/
 * cleanup_milter.c, src/qmgr/qmgr_active.c, src/smtp/smtp_trouble.c and
 * smtp_proto.c, src/postsuper/postsuper.c, src/postscreen/
 * postscreen_smtpd.c) or copied from real logs published with the
 * projects that parse them.  Then the tolerance of fields the parser does
 * not know, in every position, and hostile lines.  The tests run in UTC.
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

/* One line, its kind, its fields (NULL: must be absent) and its numbers
 * as "relay_port=25 conn_use=3" (a number not named must be -1). */
struct row {
	const char *line;
	enum postfix_kind kind;
	const char *f[POSTFIX_F_COUNT];
	const char *numbers;
};

static enum postfix_kind parse(const char *line)
{
	assert_int_equal(syslog_parse(&sl, line, strlen(line), REF), SYSLOG_OK);
	return postfix_parse(&rec, sl.program, sl.msg, NULL);
}

/* The number a row names, or -1. */
static long number(const struct row *w, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = w->numbers; p && *p; p += strcspn(p, " "), p += *p == ' ')
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

static void check_row(const struct row *w)
{
	enum postfix_kind k = parse(w->line);

	if (k != w->kind)
		fail_msg("%s: kind %s, want %s", w->line, postfix_kind_name(k),
			 postfix_kind_name(w->kind));
	for (int f = 0; f < POSTFIX_F_COUNT; f++) {
		struct slice got = postfix_get(&rec, (enum postfix_field)f);

		if (!w->f[f]) {
			if (postfix_has(&rec, (enum postfix_field)f))
				fail_msg("%s: field %d is \"%.*s\", want absent", w->line, f,
					 (int)got.n, got.p);
			continue;
		}
		if (!postfix_has(&rec, (enum postfix_field)f) || got.n != strlen(w->f[f]) ||
		    memcmp(got.p, w->f[f], got.n) != 0)
			fail_msg("%s: field %d is %s\"%.*s\", want \"%s\"", w->line, f,
				 postfix_has(&rec, (enum postfix_field)f) ? "" : "absent ",
				 (int)got.n, got.p, w->f[f]);
	}
	assert_int_equal(rec.relay_port, number(w, "relay_port"));
	assert_int_equal(rec.client_port, number(w, "client_port"));
	assert_int_equal(rec.conn_use, number(w, "conn_use"));
	assert_int_equal(rec.size, number(w, "size"));
	assert_int_equal(rec.nrcpt, number(w, "nrcpt"));
	assert_int_equal(rec.count, number(w, "count"));
	assert_false(rec.truncated);
}

static void check_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(&rows[i]);
}

#define CHECK_ROWS(rows) check_rows((rows), sizeof(rows) / sizeof((rows)[0]))

/* ---- deliveries (log_adhoc.c) --------------------------------------------- */

static void test_delivery_with_tls_feature_status_is_a_delivery(void **state)
{
	static const struct row rows[] = {
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
	static const struct row rows[] = {
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
			if (parse(line) != POSTFIX_DELIVERY)
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
		if (parse(unparsed[i]) != POSTFIX_UNPARSED)
			fail_msg("not UNPARSED: %s", unparsed[i]);
	/* a known name inside an unknown element's value is that value */
	assert_int_equal(parse(H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, "
			       "note=relay=evil[6.6.6.6]:25, relay=mx[1.2.3.4]:25, delay=1, "
			       "delays=0/0/0/1, dsn=2.0.0, status=sent (ok)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_HOST, "mx");
	assert_field(POSTFIX_F_RELAY_IP, "1.2.3.4");
}

static void test_forged_fields_in_quoted_addresses_stay_in_the_address(void **state)
{
	(void)state;
	assert_int_equal(parse(H "postfix/smtp[1]: 4F3A21C0B2: "
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
	assert_int_equal(parse(H "postfix/smtp[1]: 4F3A21C0B2: to=<a@b>, "
			       "x=<\"z, relay=ok[192.0.2.9]:25, status=sent\"@e>, "
			       "relay=mx[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=5.0.0, "
			       "status=bounced (no)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_IP, "1.2.3.4");
	assert_field(POSTFIX_F_STATUS, "bounced");
}

/* ---- smtpd ---------------------------------------------------------------- */

static void test_client_with_port_and_unknown_field(void **state)
{
	static const struct row rows[] = {
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
	assert_int_equal(parse(H "postfix/smtpd[1]: 4F3A21C0B2: client=unknown[203.0.113.7], "
			       "sasl_method=PLAIN, sasl_username=alice, x=1, sasl_username=ceo"),
			 POSTFIX_UNPARSED);
}

static void test_reject_lines_of_every_stage(void **state)
{
	static const struct row rows[] = {
		{ H "postfix/smtpd[8738]: NOQUEUE: reject: RCPT from "
		  "1-2-3-4-example.com[1.2.3.4]: 554 5.7.1 <smtp@example.com>: Relay "
		  "access denied; from=<john@example.com> to=<smtp@example.org> "
		  "proto=SMTP helo=<198.51.100.17>", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd",
			 [POSTFIX_F_CLIENT_HOST] = "1-2-3-4-example.com",
			 [POSTFIX_F_CLIENT_IP] = "1.2.3.4", [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_TEXT] = "554 5.7.1 <smtp@example.com>: Relay access denied",
			 [POSTFIX_F_FROM] = "john@example.com", [POSTFIX_F_TO] = "smtp@example.org",
			 [POSTFIX_F_PROTO] = "SMTP", [POSTFIX_F_HELO] = "198.51.100.17" },
		  NULL },
		{ H "postfix/smtpd[3462]: NOQUEUE: reject: EHLO from "
		  "s271272.static.corbina.ru[78.107.251.238]: 504 5.5.2 <User>: Helo "
		  "command rejected: need fully-qualified hostname; proto=SMTP helo=<User>",
		  POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd",
			 [POSTFIX_F_CLIENT_HOST] = "s271272.static.corbina.ru",
			 [POSTFIX_F_CLIENT_IP] = "78.107.251.238", [POSTFIX_F_STAGE] = "EHLO",
			 [POSTFIX_F_TEXT] = "504 5.5.2 <User>: Helo command rejected: need "
					    "fully-qualified hostname",
			 [POSTFIX_F_PROTO] = "SMTP", [POSTFIX_F_HELO] = "User" }, NULL },
		/* MAIL stage: no recipient yet; the null sender */
		{ H "postfix/smtpd[12]: NOQUEUE: reject: MAIL from unknown[203.0.113.7]: "
		  "450 4.1.8 <>: Sender address rejected: Domain not found; from=<> "
		  "proto=ESMTP helo=<evil.test>", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_STAGE] = "MAIL",
			 [POSTFIX_F_TEXT] = "450 4.1.8 <>: Sender address rejected: Domain not "
					    "found",
			 [POSTFIX_F_FROM] = "", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "evil.test" }, NULL },
		/* after the queue id is assigned, with the client's port */
		{ H "postfix/smtpd[12]: 4F3A21C0B2: reject: DATA from "
		  "unknown[2001:db8::7]:40112: 550 5.5.3 <DATA>: Data command rejected: "
		  "Multi-recipient bounce; from=<> to=<a@example.org> proto=ESMTP "
		  "helo=<[2001:db8::7]>", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "2001:db8::7", [POSTFIX_F_STAGE] = "DATA",
			 [POSTFIX_F_TEXT] = "550 5.5.3 <DATA>: Data command rejected: "
					    "Multi-recipient bounce",
			 [POSTFIX_F_FROM] = "", [POSTFIX_F_TO] = "a@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "[2001:db8::7]" },
		  "client_port=40112" },
		/* Postfix 3.10: log_whatsup() adds the SASL login of the session */
		{ H "postfix/submission/smtpd[4242]: NOQUEUE: reject: RCPT from "
		  "unknown[203.0.113.7]: 450 4.7.1 <x@example.com>: Recipient address "
		  "rejected: rate limit; from=<alice@example.org> to=<x@example.com> "
		  "proto=ESMTP helo=<pc.example> sasl_method=PLAIN "
		  "sasl_username=alice@example.org sasl_sender=bob@example.org",
		  POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_TEXT] = "450 4.7.1 <x@example.com>: Recipient address "
					    "rejected: rate limit",
			 [POSTFIX_F_FROM] = "alice@example.org", [POSTFIX_F_TO] = "x@example.com",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "pc.example",
			 [POSTFIX_F_SASL_METHOD] = "PLAIN",
			 [POSTFIX_F_SASL_USERNAME] = "alice@example.org",
			 [POSTFIX_F_SASL_SENDER] = "bob@example.org" }, NULL },
		/* a login name with a space (it is last but for sasl_sender) */
		{ H "postfix/smtpd[4242]: NOQUEUE: reject: RCPT from unknown[203.0.113.7]: "
		  "554 5.7.1 <x@example.com>: Sender address rejected: locked; "
		  "from=<a@example.org> to=<x@example.com> proto=ESMTP helo=<pc> "
		  "sasl_method=LOGIN sasl_username=Alice Smith", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_TEXT] = "554 5.7.1 <x@example.com>: Sender address "
					    "rejected: locked",
			 [POSTFIX_F_FROM] = "a@example.org", [POSTFIX_F_TO] = "x@example.com",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "pc",
			 [POSTFIX_F_SASL_METHOD] = "LOGIN",
			 [POSTFIX_F_SASL_USERNAME] = "Alice Smith" }, NULL },
		/* postscreen: [IP]:PORT, a ", "-separated tail */
		{ H "postfix/postscreen[3412]: NOQUEUE: reject: RCPT from "
		  "[192.0.2.66]:51514: 550 5.7.1 Service unavailable; client "
		  "[192.0.2.66] blocked using zen.spamhaus.org; from=<s@evil.test>, "
		  "to=<u@example.org>, proto=ESMTP, helo=<evil.test>", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.66", [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_TEXT] = "550 5.7.1 Service unavailable; client "
					    "[192.0.2.66] blocked using zen.spamhaus.org",
			 [POSTFIX_F_FROM] = "s@evil.test", [POSTFIX_F_TO] = "u@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "evil.test" },
		  "client_port=51514" },
	};

	(void)state;
	CHECK_ROWS(rows);
}

static void test_milter_reject_of_smtpd_and_cleanup(void **state)
{
	static const struct row rows[] = {
		/* cleanup at the end of the message (a real line) */
		{ H "postfix/cleanup[4499]: CADB76676A3: milter-reject: END-OF-MESSAGE from "
		  "zgz2.honeyanda.com[185.237.96.123]: 5.7.1 Blocked by SpamAssassin; "
		  "from=<winona@honeyanda.com> to=<user@xyz.com.au> proto=ESMTP "
		  "helo=<zgz2.honeyanda.com>", POSTFIX_MILTER_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "CADB76676A3",
			 [POSTFIX_F_CLIENT_HOST] = "zgz2.honeyanda.com",
			 [POSTFIX_F_CLIENT_IP] = "185.237.96.123",
			 [POSTFIX_F_STAGE] = "END-OF-MESSAGE",
			 [POSTFIX_F_TEXT] = "5.7.1 Blocked by SpamAssassin",
			 [POSTFIX_F_FROM] = "winona@honeyanda.com",
			 [POSTFIX_F_TO] = "user@xyz.com.au", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "zgz2.honeyanda.com" }, NULL },
		{ H "postfix/cleanup[19158]: 0A618260345: milter-reject: END-OF-MESSAGE from "
		  "unknown[192.168.5.100]: 5.7.1 Blocked by ClamAV - FOUND VIRUS: "
		  "Eicar-Test-Signature; from=<nuxwin@domain.tld> to=<nuxwin@domain.tld> "
		  "proto=ESMTP helo=<[192.168.5.100]>", POSTFIX_MILTER_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "0A618260345",
			 [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "192.168.5.100",
			 [POSTFIX_F_STAGE] = "END-OF-MESSAGE",
			 [POSTFIX_F_TEXT] = "5.7.1 Blocked by ClamAV - FOUND VIRUS: "
					    "Eicar-Test-Signature",
			 [POSTFIX_F_FROM] = "nuxwin@domain.tld",
			 [POSTFIX_F_TO] = "nuxwin@domain.tld", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "[192.168.5.100]" }, NULL },
		/* smtpd before the queue id, with the session's login (smtpd_whatsup) */
		{ H "postfix/submission/smtpd[4242]: NOQUEUE: milter-reject: RCPT from "
		  "unknown[203.0.113.7]: 550 5.7.1 Command rejected; from=<a@example.org> "
		  "to=<x@example.com> proto=ESMTP helo=<pc> sasl_username=<alice>",
		  POSTFIX_MILTER_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_TEXT] = "550 5.7.1 Command rejected",
			 [POSTFIX_F_FROM] = "a@example.org", [POSTFIX_F_TO] = "x@example.com",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "pc",
			 [POSTFIX_F_SASL_USERNAME] = "alice" }, NULL },
		/* smtpd at the end of the message: a queue id */
		{ H "postfix/smtpd[99]: 54A41263BE1: milter-reject: END-OF-MESSAGE from "
		  "x.test[203.0.113.5]: 5.7.1 rejected by DMARC policy for "
		  "partner.example; from=<a@partner.example> to=<u@example.org> "
		  "proto=ESMTP helo=<x.test>", POSTFIX_MILTER_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_QID] = "54A41263BE1",
			 [POSTFIX_F_CLIENT_HOST] = "x.test",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.5",
			 [POSTFIX_F_STAGE] = "END-OF-MESSAGE",
			 [POSTFIX_F_TEXT] = "5.7.1 rejected by DMARC policy for partner.example",
			 [POSTFIX_F_FROM] = "a@partner.example", [POSTFIX_F_TO] = "u@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "x.test" }, NULL },
	};

	(void)state;
	CHECK_ROWS(rows);
	/* milter-hold and milter-discard are other actions */
	assert_int_equal(parse(H "postfix/cleanup[1]: 4F3A21C0B2: milter-discard: "
			       "END-OF-MESSAGE from unknown[192.0.2.1]: milter triggers DISCARD "
			       "action; from=<a@b> to=<c@d> proto=ESMTP helo=<h>"),
			 POSTFIX_IGNORED);
}

static void test_other_smtpd_actions_and_postscreen_sessions(void **state)
{
	static const struct row rows[] = {
		{ H "postfix/smtpd[12]: 4F3A21C0B2: hold: RCPT from unknown[203.0.113.7]: "
		  "<s@evil.test>: Sender address triggers HOLD action; from=<s@evil.test> "
		  "to=<u@example.org> proto=ESMTP helo=<evil.test>", POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_STATUS] = "hold",
			 [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_TEXT] = "<s@evil.test>: Sender address triggers HOLD action",
			 [POSTFIX_F_FROM] = "s@evil.test", [POSTFIX_F_TO] = "u@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "evil.test" }, NULL },
		{ H "postfix/smtpd[12]: NOQUEUE: milter-discard: CONNECT from "
		  "unknown[203.0.113.7]: milter triggers DISCARD action; proto=SMTP",
		  POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7",
			 [POSTFIX_F_STATUS] = "milter-discard", [POSTFIX_F_STAGE] = "CONNECT",
			 [POSTFIX_F_TEXT] = "milter triggers DISCARD action",
			 [POSTFIX_F_PROTO] = "SMTP" }, NULL },
		{ H "postfix/postscreen[3412]: CONNECT from [192.0.2.66]:51514 to "
		  "[198.51.100.1]:25", POSTFIX_CONNECT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.66" }, "client_port=51514" },
		{ H "postfix/postscreen[3412]: DISCONNECT [2001:db8::66]:51514",
		  POSTFIX_DISCONNECT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen",
			 [POSTFIX_F_CLIENT_IP] = "2001:db8::66" }, "client_port=51514" },
		{ H "postfix/postscreen[3412]: NOQUEUE: reject: CONNECT from "
		  "[192.0.2.66]:51514: too many connections", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.66", [POSTFIX_F_STAGE] = "CONNECT",
			 [POSTFIX_F_TEXT] = "too many connections" }, "client_port=51514" },
	};

	(void)state;
	CHECK_ROWS(rows);
	/* smtpd's reject without its tail is not a reject */
	assert_int_equal(parse(H "postfix/smtpd[12]: NOQUEUE: reject: CONNECT from "
			       "unknown[192.0.2.66]: too many connections"), POSTFIX_UNPARSED);
}

static void test_reject_tail_tolerates_unknown_fields_and_keeps_order(void **state)
{
	(void)state;
	assert_int_equal(parse(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 <x@example.com>: Relay access "
			       "denied; x_id=7 from=<a@evil.test> to=<x@example.com> "
			       "x_addr=<\"q to=<y>\"@e> proto=ESMTP helo=<evil.test> x_new=1"),
			 POSTFIX_REJECT);
	assert_field(POSTFIX_F_FROM, "a@evil.test");
	assert_field(POSTFIX_F_TO, "x@example.com");
	assert_field(POSTFIX_F_HELO, "evil.test");
	/* twice, or out of order: not a tail */
	assert_int_equal(parse(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 no; from=<a@evil.test> "
			       "proto=ESMTP to=<x@example.com> helo=<evil.test>"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 no; proto=ESMTP "
			       "helo=<evil.test> sasl_method=PLAIN sasl_method=LOGIN"),
			 POSTFIX_UNPARSED);
}

/* A recipient that carries a whole forged tail with a login: Postfix's own
 * proto= and helo= follow it, out of order, so no login is taken. */
static void test_login_forged_in_a_rejected_recipient_is_not_taken(void **state)
{
	(void)state;
	assert_int_equal(parse(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 <x>: Relay access denied; "
			       "from=<a@evil.test> to=<x> proto=ESMTP helo=<h> "
			       "sasl_method=PLAIN sasl_username=ceo> proto=ESMTP helo=<evil>"),
			 POSTFIX_UNPARSED);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
	assert_int_equal(parse(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 <x>: Relay access denied; "
			       "from=<a@evil.test> to=<\"x> sasl_username=<ceo\"@e> "
			       "proto=ESMTP helo=<evil>"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_TO, "\"x> sasl_username=<ceo\"@e");
	assert_field(POSTFIX_F_SASL_USERNAME, "");
	/* smtpd neuters ' ' in a HELO name: one with a space is not Postfix's */
	assert_int_equal(parse(H "postfix/smtpd[1]: NOQUEUE: milter-reject: RCPT from "
			       "unknown[203.0.113.7]: 550 5.7.1 no; from=<a@evil.test> "
			       "proto=ESMTP helo=<a b> sasl_username=<ceo>"), POSTFIX_UNPARSED);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

static void test_end_of_session_lines(void **state)
{
	static const struct row rows[] = {
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
	assert_int_equal(parse(H "postfix/smtpd[1]: lost connection after AUTH from "
			       "unknown[203.0.113.7] now"), POSTFIX_UNPARSED);
	assert_int_equal(parse(H "postfix/smtpd[1]: disconnect from unknown"), POSTFIX_UNPARSED);
	assert_int_equal(parse(H "postfix/smtpd[1]: lost connection with x[192.0.2.1]"),
			 POSTFIX_IGNORED);
}

static void test_tls_connection_lines(void **state)
{
	static const struct row rows[] = {
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
	assert_int_equal(parse(H "postfix/smtpd[1]: Anonymous TLS connection established "
			       "from x[192.0.2.1]"), POSTFIX_UNPARSED);
	/* a queue id that starts like a trust word is still a queue id */
	assert_int_equal(parse(H "postfix/smtp[1]: ABCDE12345: to=<a@b>, relay=none, "
			       "delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (x)"),
			 POSTFIX_DELIVERY);
}

/* ---- qmgr, smtp, postsuper ------------------------------------------------ */

static void test_qmgr_expired_and_tolerant_queue_active(void **state)
{
	static const struct row rows[] = {
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
	assert_int_equal(parse(H "postfix/qmgr[1111]: 4F3A21C0B2: from=<a@b>, "
			       "status=expired, returned to sender now"), POSTFIX_UNPARSED);
}

static void test_smtp_client_errors_that_name_a_queue_id(void **state)
{
	static const struct row rows[] = {
		{ H "postfix/smtp[3333]: 4F3A21C0B2: host mx.example.net[198.51.100.5] "
		  "refused to talk to me: 554 5.7.1 Service unavailable; Client host "
		  "[203.0.113.1] blocked", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "198.51.100.5",
			 [POSTFIX_F_TEXT] = "host mx.example.net[198.51.100.5] refused to talk "
					    "to me: 554 5.7.1 Service unavailable; Client host "
					    "[203.0.113.1] blocked" }, NULL },
		{ H "postfix/smtp[3333]: 4F3A21C0B2: host mx.example.net[198.51.100.5] said: "
		  "450 4.7.1 Try again later (in reply to RCPT TO command)",
		  POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "198.51.100.5",
			 [POSTFIX_F_TEXT] = "host mx.example.net[198.51.100.5] said: 450 4.7.1 "
					    "Try again later (in reply to RCPT TO command)" },
		  NULL },
		{ H "postfix/smtp[3333]: 4F3A21C0B2: lost connection with "
		  "mx.example.net[2001:db8::5] while receiving the initial server greeting",
		  POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "smtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx.example.net",
			 [POSTFIX_F_RELAY_IP] = "2001:db8::5",
			 [POSTFIX_F_TEXT] = "lost connection with mx.example.net[2001:db8::5] "
					    "while receiving the initial server greeting" },
		  NULL },
		{ H "postfix/lmtp[3333]: 4F3A21C0B2: conversation with "
		  "mx1.example.org[private/dovecot-lmtp] timed out while sending end of "
		  "data -- message may be sent more than once", POSTFIX_SMTP_ERROR,
		  .f = { [POSTFIX_F_SERVICE] = "lmtp", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_RELAY_HOST] = "mx1.example.org",
			 [POSTFIX_F_RELAY_IP] = "private/dovecot-lmtp",
			 [POSTFIX_F_TEXT] = "conversation with mx1.example.org"
					    "[private/dovecot-lmtp] timed out while sending end "
					    "of data -- message may be sent more than once" },
		  NULL },
	};
	static const char *const ignored[] = {
		/* no queue id: smtp_connect.c logs the reason alone */
		H "postfix/smtp[3333]: connect to mx.example.net[198.51.100.5]:25: "
		"Connection refused",
		H "postfix/smtp[3333]: 4F3A21C0B2: enabling PIX workarounds: disable_esmtp "
		"delay_dotcrlf for mx.example.net[198.51.100.5]:25",
		H "postfix/smtp[3333]: 4F3A21C0B2: host mx.example.net[198.51.100.5] "
		"greeted me with my own hostname mx1.example.org",
		H "postfix/smtp[3333]: 4F3A21C0B2: lost connection with x[192.0.2.1] while ",
		/* not a delivery agent */
		H "postfix/smtpd[3333]: 4F3A21C0B2: host x[192.0.2.1] said: 250 ok",
	};

	(void)state;
	CHECK_ROWS(rows);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (parse(ignored[i]) != POSTFIX_IGNORED)
			fail_msg("not IGNORED: %s", ignored[i]);
		assert_field(POSTFIX_F_RELAY_IP, "");
	}
}

static void test_postsuper_lines(void **state)
{
	static const struct row rows[] = {
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
	assert_int_equal(parse(H "postfix/postsuper[6666]: Deleted: many messages"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse(H "postfix/postsuper[6666]: 4F3A21C0B2: requeued twice"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse(H "postfix/qmgr[1]: Deleted: 3 messages"), POSTFIX_IGNORED);
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
		cmocka_unit_test(test_reject_lines_of_every_stage),
		cmocka_unit_test(test_milter_reject_of_smtpd_and_cleanup),
		cmocka_unit_test(test_other_smtpd_actions_and_postscreen_sessions),
		cmocka_unit_test(test_reject_tail_tolerates_unknown_fields_and_keeps_order),
		cmocka_unit_test(test_login_forged_in_a_rejected_recipient_is_not_taken),
		cmocka_unit_test(test_end_of_session_lines),
		cmocka_unit_test(test_tls_connection_lines),
		cmocka_unit_test(test_qmgr_expired_and_tolerant_queue_active),
		cmocka_unit_test(test_smtp_client_errors_that_name_a_queue_id),
		cmocka_unit_test(test_postsuper_lines),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
