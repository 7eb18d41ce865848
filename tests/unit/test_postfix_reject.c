// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_postfix_reject.c - postfix_parse() on the reject-tail grammar
 * (postfix_reject.c): smtpd's and postscreen's reject:, smtpd's and
 * cleanup's milter-reject:, smtpd's other access actions, one table row
 * per line as in test_postfix.c.  The lines are written as the Postfix
 * sources write them (src/smtpd/smtpd_check.c log_whatsup(),
 * src/smtpd/smtpd.c, src/cleanup/cleanup_milter.c,
 * src/postscreen/postscreen_smtpd.c) or copied from real logs published
 * with the projects that parse them.  Then the tolerance of fields the
 * parser does not know, and forged tails.  The tests run in UTC.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "maillog/postfix.h"
#include "testutil.h"

#define H "Nov 27 02:05:13 mx1 "

/* ---- smtpd, postscreen: reject and the other actions ------------------------ */

static void test_reject_lines_of_every_stage(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/smtpd[8738]: NOQUEUE: reject: RCPT from "
		  "1-2-3-4-example.com[1.2.3.4]: 554 5.7.1 <smtp@example.com>: Relay "
		  "access denied; from=<john@example.com> to=<smtp@example.org> "
		  "proto=SMTP helo=<198.51.100.17>", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd",
			 [POSTFIX_F_CLIENT_HOST] = "1-2-3-4-example.com",
			 [POSTFIX_F_CLIENT_IP] = "1.2.3.4", [POSTFIX_F_STAGE] = "RCPT",
			[POSTFIX_F_DSN] = "5.7.1",
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
			[POSTFIX_F_DSN] = "5.5.2",
			 [POSTFIX_F_TEXT] = "504 5.5.2 <User>: Helo command rejected: need "
					    "fully-qualified hostname",
			 [POSTFIX_F_PROTO] = "SMTP", [POSTFIX_F_HELO] = "User" }, NULL },
		/* MAIL stage: no recipient yet; the null sender */
		{ H "postfix/smtpd[12]: NOQUEUE: reject: MAIL from unknown[203.0.113.7]: "
		  "450 4.1.8 <>: Sender address rejected: Domain not found; from=<> "
		  "proto=ESMTP helo=<evil.test>", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_STAGE] = "MAIL",
			[POSTFIX_F_DSN] = "4.1.8",
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
			[POSTFIX_F_DSN] = "5.5.3",
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
			[POSTFIX_F_DSN] = "4.7.1",
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
			[POSTFIX_F_DSN] = "5.7.1",
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
			[POSTFIX_F_DSN] = "5.7.1",
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
	static const struct postfix_row rows[] = {
		/* cleanup at the end of the message (a real line) */
		{ H "postfix/cleanup[4499]: CADB76676A3: milter-reject: END-OF-MESSAGE from "
		  "zgz2.honeyanda.com[185.237.96.123]: 5.7.1 Blocked by SpamAssassin; "
		  "from=<winona@honeyanda.com> to=<user@xyz.com.au> proto=ESMTP "
		  "helo=<zgz2.honeyanda.com>", POSTFIX_MILTER_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "CADB76676A3",
			 [POSTFIX_F_CLIENT_HOST] = "zgz2.honeyanda.com",
			 [POSTFIX_F_CLIENT_IP] = "185.237.96.123",
			 [POSTFIX_F_STAGE] = "END-OF-MESSAGE",
			[POSTFIX_F_DSN] = "5.7.1",
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
			[POSTFIX_F_DSN] = "5.7.1",
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
			[POSTFIX_F_DSN] = "5.7.1",
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
			[POSTFIX_F_DSN] = "5.7.1",
			 [POSTFIX_F_TEXT] = "5.7.1 rejected by DMARC policy for partner.example",
			 [POSTFIX_F_FROM] = "a@partner.example", [POSTFIX_F_TO] = "u@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "x.test" }, NULL },
	};

	(void)state;
	CHECK_ROWS(rows);
}

static void test_other_smtpd_actions_and_postscreen_sessions(void **state)
{
	static const struct postfix_row rows[] = {
		/* warn_if_reject (smtpd_check.c): the reject it would have made */
		{ H "postfix/smtpd[1]: NOQUEUE: reject_warning: RCPT from "
		  "example.com[93.184.216.34]: 553 5.7.1 <sender@example.com>: Sender address "
		  "rejected: not owned by user ph123; from=<sender@example.com> "
		  "to=<recipient@example.com> proto=ESMTP helo=<example.com>", POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "example.com",
			 [POSTFIX_F_CLIENT_IP] = "93.184.216.34",
			 [POSTFIX_F_ACTION] = "reject_warning", [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_DSN] = "5.7.1",
			 [POSTFIX_F_TEXT] = "553 5.7.1 <sender@example.com>: Sender address "
					    "rejected: not owned by user ph123",
			 [POSTFIX_F_FROM] = "sender@example.com",
			 [POSTFIX_F_TO] = "recipient@example.com", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "example.com" }, NULL },
		/* smtpd.c's before-queue filter verdict: "proxy-%s: %s: %s;%s" */
		{ H "postfix/smtpd[1]: proxy-accept: END-OF-MESSAGE: 250 2.0.0 from "
		  "MTA(smtp:[127.0.0.1]:10013): 250 2.0.0 Ok: queued as DF66E940333; "
		  "from=<user1@test.example.com> to=<user2@example2.com> proto=ESMTP "
		  "helo=<[127.0.0.1]> sasl_username=<user1>", POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_ACTION] = "proxy-accept",
			 [POSTFIX_F_STAGE] = "END-OF-MESSAGE", [POSTFIX_F_DSN] = "2.0.0",
			 [POSTFIX_F_TEXT] = "250 2.0.0 from MTA(smtp:[127.0.0.1]:10013): 250 "
					    "2.0.0 Ok: queued as DF66E940333",
			 [POSTFIX_F_FROM] = "user1@test.example.com",
			 [POSTFIX_F_TO] = "user2@example2.com", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "[127.0.0.1]", [POSTFIX_F_SASL_USERNAME] = "user1" },
		  NULL },
		{ H "postfix/smtpd[1]: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject, contact "
		  "postmaster@example.com, id=31619-02 - spam; from=<> to=<user2@example2.com> "
		  "proto=SMTP helo=<17.33.12.53>", POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_ACTION] = "proxy-reject",
			 [POSTFIX_F_STAGE] = "END-OF-MESSAGE", [POSTFIX_F_DSN] = "5.7.0",
			 [POSTFIX_F_TEXT] = "554 5.7.0 Reject, contact postmaster@example.com, "
					    "id=31619-02 - spam",
			 [POSTFIX_F_FROM] = "", [POSTFIX_F_TO] = "user2@example2.com",
			 [POSTFIX_F_PROTO] = "SMTP", [POSTFIX_F_HELO] = "17.33.12.53" }, NULL },
		/* postscreen's after-the-test reject: a DSN, the ", " tail */
		{ H "postfix/postscreen[3412]: NOQUEUE: reject: RCPT from [192.0.2.66]:51514: "
		  "550 5.5.1 Protocol error; from=<a@evil.test>, to=<u@example.org>, "
		  "proto=ESMTP, helo=<evil.test>", POSTFIX_REJECT,
		  .f = { [POSTFIX_F_SERVICE] = "postscreen", [POSTFIX_F_CLIENT_IP] = "192.0.2.66",
			 [POSTFIX_F_STAGE] = "RCPT", [POSTFIX_F_DSN] = "5.5.1",
			 [POSTFIX_F_TEXT] = "550 5.5.1 Protocol error",
			 [POSTFIX_F_FROM] = "a@evil.test", [POSTFIX_F_TO] = "u@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "evil.test" },
		  "client_port=51514" },
		{ H "postfix/smtpd[12]: 4F3A21C0B2: hold: RCPT from unknown[203.0.113.7]: "
		  "<s@evil.test>: Sender address triggers HOLD action; from=<s@evil.test> "
		  "to=<u@example.org> proto=ESMTP helo=<evil.test>", POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7", [POSTFIX_F_ACTION] = "hold",
			 [POSTFIX_F_STAGE] = "RCPT",
			 [POSTFIX_F_TEXT] = "<s@evil.test>: Sender address triggers HOLD action",
			 [POSTFIX_F_FROM] = "s@evil.test", [POSTFIX_F_TO] = "u@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "evil.test" }, NULL },
		{ H "postfix/smtpd[12]: NOQUEUE: milter-discard: CONNECT from "
		  "unknown[203.0.113.7]: milter triggers DISCARD action; proto=SMTP",
		  POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "smtpd", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "203.0.113.7",
			 [POSTFIX_F_ACTION] = "milter-discard", [POSTFIX_F_STAGE] = "CONNECT",
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
	assert_int_equal(parse_postfix(H "postfix/smtpd[12]: NOQUEUE: reject: CONNECT from "
			       "unknown[192.0.2.66]: too many connections"), POSTFIX_UNPARSED);
}

static void test_reject_tail_tolerates_unknown_fields_and_keeps_order(void **state)
{
	(void)state;
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 <x@example.com>: Relay access "
			       "denied; x_id=7 from=<a@evil.test> to=<x@example.com> "
			       "x_addr=<\"q to=<y>\"@e> proto=ESMTP helo=<evil.test> x_new=1"),
			 POSTFIX_REJECT);
	assert_field(POSTFIX_F_FROM, "a@evil.test");
	assert_field(POSTFIX_F_TO, "x@example.com");
	assert_field(POSTFIX_F_HELO, "evil.test");
	/* twice, or out of order: not a tail */
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 no; from=<a@evil.test> "
			       "proto=ESMTP to=<x@example.com> helo=<evil.test>"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 no; proto=ESMTP "
			       "helo=<evil.test> sasl_method=PLAIN sasl_method=LOGIN"),
			 POSTFIX_UNPARSED);
}

/* A recipient that carries a whole forged tail with a login: Postfix's own
 * proto= and helo= follow it, out of order, so no login is taken. */
static void test_login_forged_in_a_rejected_recipient_is_not_taken(void **state)
{
	(void)state;
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 <x>: Relay access denied; "
			       "from=<a@evil.test> to=<x> proto=ESMTP helo=<h> "
			       "sasl_method=PLAIN sasl_username=ceo> proto=ESMTP helo=<evil>"),
			 POSTFIX_UNPARSED);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
			       "unknown[203.0.113.7]: 554 5.7.1 <x>: Relay access denied; "
			       "from=<a@evil.test> to=<\"x> sasl_username=<ceo\"@e> "
			       "proto=ESMTP helo=<evil>"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_TO, "\"x> sasl_username=<ceo\"@e");
	assert_field(POSTFIX_F_SASL_USERNAME, "");
	/* smtpd neuters ' ' in a HELO name: one with a space is not Postfix's */
	assert_int_equal(parse_postfix(H "postfix/smtpd[1]: NOQUEUE: milter-reject: RCPT from "
			       "unknown[203.0.113.7]: 550 5.7.1 no; from=<a@evil.test> "
			       "proto=ESMTP helo=<a b> sasl_username=<ceo>"), POSTFIX_UNPARSED);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

/* ---- cleanup: header_checks, body_checks, milter_header_checks --------------- */

/* cleanup_act_log() (cleanup_message.c, the same in 3.7 and 3.10):
 * "QID: ACTION: CLASS %.200s from ORIGIN;[ from=<S>][ to=<R>][ proto=P]
 * [ helo=<H>][: TEXT]", ORIGIN smtpd's HOST[IP][:PORT] or "local" for
 * pickup; a reject's TEXT is dsn_prepend("5.7.1", ...). */
static void test_cleanup_header_and_body_check_actions(void **state)
{
	static const struct postfix_row rows[] = {
		{ H "postfix/cleanup[2345]: 4F3A21C0B2: reject: header Subject: buy now from "
		  "unknown[192.0.2.1]; from=<a@b.example> to=<c@d.example> proto=ESMTP "
		  "helo=<x.example>: 5.7.1 Spam", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "reject", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "Subject: buy now",
			 [POSTFIX_F_CLIENT_HOST] = "unknown", [POSTFIX_F_CLIENT_IP] = "192.0.2.1",
			 [POSTFIX_F_FROM] = "a@b.example", [POSTFIX_F_TO] = "c@d.example",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "x.example",
			 [POSTFIX_F_TEXT] = "5.7.1 Spam", [POSTFIX_F_DSN] = "5.7.1" }, NULL },
		/* smtpd_client_port_logging; a temporary reject (4.x.x) */
		{ H "postfix/cleanup[2345]: 4F3A21C0B2: reject: body <a href=\"http://x.test/\">"
		  "click</a> from mail.example.net[198.51.100.23]:52314; from=<> "
		  "to=<u@example.org> proto=ESMTP helo=<mail.example.net>: 4.7.1 try later",
		  POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "reject", [POSTFIX_F_CLASS] = "body",
			 [POSTFIX_F_CONTENT] = "<a href=\"http://x.test/\">click</a>",
			 [POSTFIX_F_CLIENT_HOST] = "mail.example.net",
			 [POSTFIX_F_CLIENT_IP] = "198.51.100.23", [POSTFIX_F_FROM] = "",
			 [POSTFIX_F_TO] = "u@example.org", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "mail.example.net",
			 [POSTFIX_F_TEXT] = "4.7.1 try later", [POSTFIX_F_DSN] = "4.7.1" },
		  "client_port=52314" },
		/* real lines (crowdsec hub, postfix-logs test data): WARN without text */
		{ H "postfix/cleanup[1019]: D8B07E3DB6: warning: header Subject: "
		  "https://drive.google.com/file/d/0B8wxcvprDYVdlVsdf1kzOVkdisarmed/"
		  "view?usp=sharing from o1678917x173.outbound-mail.sendgrid.net"
		  "[167.89.17.173]; from=<bounces+2320708-7653-frank.test=hsdjasdd.co.uk@"
		  "sendgrid.net> to=<frank.test@hsdjasdd.co.uk> proto=ESMTP "
		  "helo=<o1678917x173.outbound-mail.sendgrid.net>", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "D8B07E3DB6",
			 [POSTFIX_F_ACTION] = "warning", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "Subject: https://drive.google.com/file/d/"
					       "0B8wxcvprDYVdlVsdf1kzOVkdisarmed/view?usp=sharing",
			 [POSTFIX_F_CLIENT_HOST] = "o1678917x173.outbound-mail.sendgrid.net",
			 [POSTFIX_F_CLIENT_IP] = "167.89.17.173",
			 [POSTFIX_F_FROM] = "bounces+2320708-7653-frank.test=hsdjasdd.co.uk@"
					    "sendgrid.net",
			 [POSTFIX_F_TO] = "frank.test@hsdjasdd.co.uk", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "o1678917x173.outbound-mail.sendgrid.net" }, NULL },
		/* pickup: "from local", no proto, no helo */
		{ H "postfix/cleanup[1020]: D95341E50350: info: header Subject: "
		  "=?utf-8?Q?Gr=C3=BC=C3=9Fe?= =?utf-8?Q?_=E2=80=92?= test from local; "
		  "from=<from@example.com> to=<to@example.com>", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "D95341E50350",
			 [POSTFIX_F_ACTION] = "info", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?= "
					       "=?utf-8?Q?_=E2=80=92?= test",
			 [POSTFIX_F_FROM] = "from@example.com", [POSTFIX_F_TO] = "to@example.com" },
		  NULL },
		/* a folded header: printable() made its line break "?"; "; " of a
		 * header parameter inside */
		{ H "postfix/cleanup[1021]: 413E164734: info: header Content-Disposition: "
		  "attachment;? filename=\"a; b.pdf\" from localhost[127.0.0.1]; "
		  "from=<from@example.com> to=<to@example.com> proto=ESMTP "
		  "helo=<localhost.localdomain>", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "413E164734",
			 [POSTFIX_F_ACTION] = "info", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "Content-Disposition: attachment;? "
					       "filename=\"a; b.pdf\"",
			 [POSTFIX_F_CLIENT_HOST] = "localhost", [POSTFIX_F_CLIENT_IP] = "127.0.0.1",
			 [POSTFIX_F_FROM] = "from@example.com", [POSTFIX_F_TO] = "to@example.com",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "localhost.localdomain" },
		  NULL },
		/* PREPEND's text is the header it adds; a long queue id */
		{ H "postfix/cleanup[1022]: 48rT2v1hQrz1J0N: prepend: header X-Spam-Status: Yes, "
		  "score=45.1 required=10.0 tests=ADVANCE_FE from mx2.example.org[192.0.2.41]; "
		  "from=<SRS0=1sN3=5P=example.org=noreply@srs.example.org> "
		  "to=<recipient@example.net> proto=ESMTP helo=<mx2.example.org>: "
		  "X-Spam-Status: Yes", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "48rT2v1hQrz1J0N",
			 [POSTFIX_F_ACTION] = "prepend", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "X-Spam-Status: Yes, score=45.1 required=10.0 "
					       "tests=ADVANCE_FE",
			 [POSTFIX_F_CLIENT_HOST] = "mx2.example.org",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.41",
			 [POSTFIX_F_FROM] = "SRS0=1sN3=5P=example.org=noreply@srs.example.org",
			 [POSTFIX_F_TO] = "recipient@example.net", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "mx2.example.org",
			 [POSTFIX_F_TEXT] = "X-Spam-Status: Yes" }, NULL },
		{ H "postfix/cleanup[77]: 4F3A21C0B2: hold: header X-Mailer: PHPMailer 5.2 from "
		  "local; from=<www-data@web1.example.org> to=<x@example.net>: held for review",
		  POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "hold", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "X-Mailer: PHPMailer 5.2",
			 [POSTFIX_F_FROM] = "www-data@web1.example.org",
			 [POSTFIX_F_TO] = "x@example.net", [POSTFIX_F_TEXT] = "held for review" },
		  NULL },
		{ H "postfix/cleanup[77]: 4F3A21C0B2: discard: body Click here to claim your prize "
		  "from unknown[192.0.2.1]; from=<a@b.example> to=<c@d.example> proto=ESMTP "
		  "helo=<x.example>", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "discard", [POSTFIX_F_CLASS] = "body",
			 [POSTFIX_F_CONTENT] = "Click here to claim your prize",
			 [POSTFIX_F_CLIENT_HOST] = "unknown", [POSTFIX_F_CLIENT_IP] = "192.0.2.1",
			 [POSTFIX_F_FROM] = "a@b.example", [POSTFIX_F_TO] = "c@d.example",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "x.example" }, NULL },
		{ H "postfix/cleanup[77]: 4F3A21C0B2: redirect: header To: list@example.org from "
		  "unknown[2001:db8::7]; from=<a@b.example> to=<list@example.org> proto=ESMTP "
		  "helo=<x.example>: moderator@example.org", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "redirect", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "To: list@example.org",
			 [POSTFIX_F_CLIENT_HOST] = "unknown", [POSTFIX_F_CLIENT_IP] = "2001:db8::7",
			 [POSTFIX_F_FROM] = "a@b.example", [POSTFIX_F_TO] = "list@example.org",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "x.example",
			 [POSTFIX_F_TEXT] = "moderator@example.org" }, NULL },
		/* cleanup_reject_chars: the context "content"; an empty body line */
		{ H "postfix/cleanup[77]: 4F3A21C0B2: reject: content  from local; from=<a@b> "
		  "to=<c@d>: 5.7.1 disallowed character", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "reject", [POSTFIX_F_CLASS] = "content",
			 [POSTFIX_F_CONTENT] = "", [POSTFIX_F_FROM] = "a@b", [POSTFIX_F_TO] = "c@d",
			 [POSTFIX_F_TEXT] = "5.7.1 disallowed character",
			 [POSTFIX_F_DSN] = "5.7.1" }, NULL },
		/* cleanup_mime_error_callback(): no proto, helo or text */
		{ H "postfix/cleanup[77]: 4F3A21C0B2: reject: mime-error improper use of 8-bit "
		  "data in message header: Subject: caf?? from unknown[192.0.2.1]; "
		  "from=<a@b.example> to=<c@d.example>", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "reject", [POSTFIX_F_CLASS] = "mime-error",
			 [POSTFIX_F_CONTENT] = "improper use of 8-bit data in message header: "
					       "Subject: caf??",
			 [POSTFIX_F_CLIENT_HOST] = "unknown", [POSTFIX_F_CLIENT_IP] = "192.0.2.1",
			 [POSTFIX_F_FROM] = "a@b.example", [POSTFIX_F_TO] = "c@d.example" }, NULL },
	};

	static const struct postfix_row removed[] = {
		/* 3.10's cleanup_flush() after a reject (or a client gone) or a discard */
		{ H "postfix/cleanup[77]: 4F3A21C0B2: removed (canceled)", POSTFIX_REMOVED,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_STATUS] = "canceled" }, NULL },
		{ H "postfix/cleanup[77]: 4F3A21C0B2: removed (discarded)", POSTFIX_REMOVED,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_STATUS] = "discarded" }, NULL },
	};

	(void)state;
	CHECK_ROWS(rows);
	CHECK_ROWS(removed);
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: removed (canceled) x"),
			 POSTFIX_UNPARSED);
	/* an action without its tail, or a class cleanup does not log */
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: reject: header "
				       "Subject: x"), POSTFIX_UNPARSED);
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: reject: envelope "
				       "x from local; from=<a@b>"), POSTFIX_IGNORED);
	/* a tail out of order is not Postfix's */
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: hold: header "
				       "Subject: x from local; to=<c@d> from=<a@b>"),
			 POSTFIX_UNPARSED);
}

/* cleanup_milter.c: milter_header_checks' "milter-WHERE-ACTION: WHERE
 * %.200s from HOST[IP];..." (%.60s before 3.8; ": " even with no text),
 * and the milters' own milter-hold and milter-discard. */
static void test_cleanup_milter_actions(void **state)
{
	static const struct postfix_row rows[] = {
		/* a real line (crowdsec hub, postfix-logs test data) */
		{ H "postfix/cleanup[1016]: 4104E3D: milter-header-redirect: header "
		  "X-Spam-Status: Yes, score=39.3 required=5.0 tests=ADVANCE_FE from "
		  "061238241086.static.ctinets.com[61.238.241.86]; from=<wumt5@cchfdc.com> "
		  "to=<voorzitter@example.com> proto=ESMTP helo=<ecsolved.com>: "
		  "tom@example.com", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4104E3D",
			 [POSTFIX_F_ACTION] = "milter-header-redirect",
			 [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "X-Spam-Status: Yes, score=39.3 required=5.0 "
					       "tests=ADVANCE_FE",
			 [POSTFIX_F_CLIENT_HOST] = "061238241086.static.ctinets.com",
			 [POSTFIX_F_CLIENT_IP] = "61.238.241.86",
			 [POSTFIX_F_FROM] = "wumt5@cchfdc.com",
			 [POSTFIX_F_TO] = "voorzitter@example.com", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "ecsolved.com", [POSTFIX_F_TEXT] = "tom@example.com" },
		  NULL },
		/* local submission: cleanup's ersatz client localhost[127.0.0.1];
		 * DISCARD without text still writes ": " */
		{ H "postfix/cleanup[77]: 4F3A21C0B2: milter-body-discard: body Buy cheap pills "
		  "from localhost[127.0.0.1]; from=<www-data@web1.example.org> "
		  "to=<x@example.net>: ", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "milter-body-discard", [POSTFIX_F_CLASS] = "body",
			 [POSTFIX_F_CONTENT] = "Buy cheap pills",
			 [POSTFIX_F_CLIENT_HOST] = "localhost", [POSTFIX_F_CLIENT_IP] = "127.0.0.1",
			 [POSTFIX_F_FROM] = "www-data@web1.example.org",
			 [POSTFIX_F_TO] = "x@example.net" }, NULL },
		{ H "postfix/cleanup[77]: 4F3A21C0B2: milter-header-reject: header Subject: "
		  "0123456789012345678901234567890123456789012345678 from unknown[192.0.2.1]; "
		  "from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<x.example>: 5.7.1 "
		  "Spam", POSTFIX_CONTENT_CHECK,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "milter-header-reject", [POSTFIX_F_CLASS] = "header",
			 [POSTFIX_F_CONTENT] = "Subject: "
					       "0123456789012345678901234567890123456789012345678",
			 [POSTFIX_F_CLIENT_HOST] = "unknown", [POSTFIX_F_CLIENT_IP] = "192.0.2.1",
			 [POSTFIX_F_FROM] = "a@b.example", [POSTFIX_F_TO] = "c@d.example",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "x.example",
			 [POSTFIX_F_TEXT] = "5.7.1 Spam", [POSTFIX_F_DSN] = "5.7.1" }, NULL },
		/* cleanup_milter_apply(): the reject grammar, as smtpd's actions */
		{ H "postfix/cleanup[77]: 4F3A21C0B2: milter-hold: END-OF-MESSAGE from "
		  "localhost[127.0.0.1]: milter triggers HOLD action; from=<a@b> to=<c@d> "
		  "proto=ESMTP helo=<h>", POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "milter-hold", [POSTFIX_F_STAGE] = "END-OF-MESSAGE",
			 [POSTFIX_F_CLIENT_HOST] = "localhost", [POSTFIX_F_CLIENT_IP] = "127.0.0.1",
			 [POSTFIX_F_TEXT] = "milter triggers HOLD action", [POSTFIX_F_FROM] = "a@b",
			 [POSTFIX_F_TO] = "c@d", [POSTFIX_F_PROTO] = "ESMTP",
			 [POSTFIX_F_HELO] = "h" }, NULL },
		{ H "postfix/cleanup[1]: 4F3A21C0B2: milter-discard: END-OF-MESSAGE from "
		  "unknown[192.0.2.1]: milter triggers DISCARD action; from=<a@b> to=<c@d> "
		  "proto=ESMTP helo=<h>", POSTFIX_ACTION,
		  .f = { [POSTFIX_F_SERVICE] = "cleanup", [POSTFIX_F_QID] = "4F3A21C0B2",
			 [POSTFIX_F_ACTION] = "milter-discard",
			 [POSTFIX_F_STAGE] = "END-OF-MESSAGE", [POSTFIX_F_CLIENT_HOST] = "unknown",
			 [POSTFIX_F_CLIENT_IP] = "192.0.2.1",
			 [POSTFIX_F_TEXT] = "milter triggers DISCARD action",
			 [POSTFIX_F_FROM] = "a@b", [POSTFIX_F_TO] = "c@d",
			 [POSTFIX_F_PROTO] = "ESMTP", [POSTFIX_F_HELO] = "h" }, NULL },
	};

	(void)state;
	CHECK_ROWS(rows);
	/* WHERE of the action and the class are the same word */
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: milter-header-hold: "
				       "body x from local; from=<a@b>"), POSTFIX_IGNORED);
}

/* The header or body is the sender's: a whole forged tail in it, with its
 * own origin and from=, comes before Postfix's, so the last one is taken. */
static void test_cleanup_forged_tail_in_a_subject_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: reject: header "
				       "Subject: hi from ceo.bank.example[198.51.100.1]; "
				       "from=<ceo@bank.example> to=<x@y.example> proto=ESMTP "
				       "helo=<bank.example>: 2.0.0 fine from unknown[192.0.2.1]; "
				       "from=<spammer@evil.example> to=<c@d.example> proto=ESMTP "
				       "helo=<evil.example>: 5.7.1 Spam"),
			 POSTFIX_CONTENT_CHECK);
	assert_field(POSTFIX_F_FROM, "spammer@evil.example");
	assert_field(POSTFIX_F_TO, "c@d.example");
	assert_field(POSTFIX_F_HELO, "evil.example");
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.1");
	assert_field(POSTFIX_F_TEXT, "5.7.1 Spam");
	assert_field(POSTFIX_F_CONTENT, "Subject: hi from ceo.bank.example[198.51.100.1]; "
					"from=<ceo@bank.example> to=<x@y.example> proto=ESMTP "
					"helo=<bank.example>: 2.0.0 fine");
	/* from local too */
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: warning: header "
				       "Subject: a from local; from=<ceo@bank.example> from local; "
				       "from=<www-data@web1.example.org> to=<x@example.net>"),
			 POSTFIX_CONTENT_CHECK);
	assert_field(POSTFIX_F_FROM, "www-data@web1.example.org");
	assert_field(POSTFIX_F_CLIENT_IP, "");
}

/* More forged origins than the parser tries, in the envelope sender
 * (a quoted local part may hold them): still the check of that queue id,
 * a refusal counted, with no client or envelope taken from any tail. */
static void test_cleanup_too_many_forged_origins_keep_the_queue_id(void **state)
{
	char line[2048], sender[1024] = "a";

	(void)state;
	for (int i = 0; i < 9; i++)
		strcat(sender, " from b.example[198.51.100.1];");
	snprintf(line, sizeof(line), H "postfix/cleanup[1]: 4F3A21C0B2: reject: header Subject: x "
		 "from unknown[192.0.2.1]; from=<%s@x.example> to=<c@d.example> proto=ESMTP "
		 "helo=<evil.example>: 5.7.1 Spam", sender);
	assert_int_equal(parse_postfix(line), POSTFIX_CONTENT_CHECK);
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
	assert_field(POSTFIX_F_ACTION, "reject");
	assert_field(POSTFIX_F_CLIENT_IP, "");
	assert_field(POSTFIX_F_FROM, "");
	assert_field(POSTFIX_F_TEXT, "");
	assert_field(POSTFIX_F_CONTENT, strstr(line, "Subject: x from unknown[192.0.2.1]; "));
}

/* A reject text that repeats the header ($1 of a regexp table) comes
 * after Postfix's tail: a forged tail there would be the last, but it
 * leaves more than the 200 bytes cleanup logs of a header before it. */
static void test_cleanup_forged_tail_in_the_text_past_200_bytes_is_not_taken(void **state)
{
	char line[1024];
	static const char subject[] = "Subject: "
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	static const char forged[] = " from b.example[198.51.100.1]; from=<ceo@bank.example> "
				     "to=<x@y.example> proto=ESMTP helo=<bank.example>";

	(void)state;
	snprintf(line, sizeof(line), H "postfix/cleanup[1]: 4F3A21C0B2: reject: header %s "
		 "from unknown[192.0.2.1]; from=<spammer@evil.example> to=<c@d.example> "
		 "proto=ESMTP helo=<evil.example>: 5.7.1 no %s%s", subject, subject, forged);
	assert_int_equal(parse_postfix(line), POSTFIX_CONTENT_CHECK);
	assert_field(POSTFIX_F_FROM, "spammer@evil.example");
	assert_field(POSTFIX_F_CONTENT, subject);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject_lines_of_every_stage),
		cmocka_unit_test(test_milter_reject_of_smtpd_and_cleanup),
		cmocka_unit_test(test_other_smtpd_actions_and_postscreen_sessions),
		cmocka_unit_test(test_reject_tail_tolerates_unknown_fields_and_keeps_order),
		cmocka_unit_test(test_login_forged_in_a_rejected_recipient_is_not_taken),
		cmocka_unit_test(test_cleanup_header_and_body_check_actions),
		cmocka_unit_test(test_cleanup_milter_actions),
		cmocka_unit_test(test_cleanup_forged_tail_in_a_subject_changes_nothing),
		cmocka_unit_test(test_cleanup_forged_tail_in_the_text_past_200_bytes_is_not_taken),
		cmocka_unit_test(test_cleanup_too_many_forged_origins_keep_the_queue_id),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
