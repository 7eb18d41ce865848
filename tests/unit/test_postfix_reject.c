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
	assert_int_equal(parse_postfix(H "postfix/cleanup[1]: 4F3A21C0B2: milter-discard: "
			       "END-OF-MESSAGE from unknown[192.0.2.1]: milter triggers DISCARD "
			       "action; from=<a@b> to=<c@d> proto=ESMTP helo=<h>"),
			 POSTFIX_IGNORED);
}

static void test_other_smtpd_actions_and_postscreen_sessions(void **state)
{
	static const struct postfix_row rows[] = {
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject_lines_of_every_stage),
		cmocka_unit_test(test_milter_reject_of_smtpd_and_cleanup),
		cmocka_unit_test(test_other_smtpd_actions_and_postscreen_sessions),
		cmocka_unit_test(test_reject_tail_tolerates_unknown_fields_and_keeps_order),
		cmocka_unit_test(test_login_forged_in_a_rejected_recipient_is_not_taken),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
