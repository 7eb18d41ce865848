// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_sendmail.c - sendmail_parse() and the in-order feed (format.h) on
 * real Sendmail lines and hostile ones.
 *
 * Real lines, quoted unchanged, come from public projects' fixtures:
 *   [grok]     augieschwer/grok-patterns, test-sendmail.rb (sonic.net,
 *              sendmail 8.14)
 *   [f2b]      fail2ban/fail2ban, fail2ban/tests/files/logs/sendmail-auth
 *              and sendmail-reject
 *   [fluent]   yudai09/fluent-plugin-sendmail, README.md
 *   [ebs]      a public blog post configuring sendmail 8.14.4 on RHEL 6
 *              (MSP submission relayed through the local MTA)
 * Hostile lines are written here.  The tests run with TZ=UTC.
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

#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/sendmail.h"
#include "maillog/syslog.h"
#include "testutil.h"
#include "text.h"

static enum postfix_kind parse(const char *line)
{
	return parse_fmt(line, MAILLOG_SENDMAIL);
}

/* ---- records -------------------------------------------------------------- */

static void test_auth_server_gives_login_with_client_and_name(void **state)
{
	(void)state;
	/* [grok] */
	assert_int_equal(parse("Dec  6 14:06:28 a.mail.sonic.net sm-mta[9661]: AUTH=server, "
			       "relay=c-50-131-108-189.hsd1.ca.comcast.net [50.131.108.189], "
			       "authid=augie@sonic.net, mech=LOGIN, bits=0"), POSTFIX_LOGIN);
	assert_field(POSTFIX_F_CLIENT_HOST, "c-50-131-108-189.hsd1.ca.comcast.net");
	assert_field(POSTFIX_F_CLIENT_IP, "50.131.108.189");
	assert_field(POSTFIX_F_SASL_USERNAME, "augie@sonic.net");
	assert_field(POSTFIX_F_SASL_METHOD, "LOGIN");
	assert_false(postfix_has(&rec, POSTFIX_F_QID));
	assert_int_equal(sl.pid, 9661);
}

static void test_auth_server_relay_forms(void **state)
{
	(void)state;
	/* [grok]: no host name; a name that may be forged */
	assert_int_equal(parse("Dec  6 12:02:33 a.mail.sonic.net sm-mta[19515]: AUTH=server, "
			       "relay=[67.59.198.131], authid=augie, mech=PLAIN, bits=0"),
			 POSTFIX_LOGIN);
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_HOST));
	assert_field(POSTFIX_F_CLIENT_IP, "67.59.198.131");
	assert_int_equal(parse("Dec  6 14:06:32 a.mail.sonic.net sm-mta[9738]: AUTH=server, "
			       "relay=173-228-127-4.dsl.dynamic.sonic.net [173.228.127.4] (may be "
			       "forged), authid=augie, mech=PLAIN, bits=0"), POSTFIX_LOGIN);
	assert_field(POSTFIX_F_CLIENT_HOST, "173-228-127-4.dsl.dynamic.sonic.net");
	assert_field(POSTFIX_F_CLIENT_IP, "173.228.127.4");
	/* an IPv6 client: Sendmail's prefix is dropped */
	assert_int_equal(parse("Jun  4 11:41:12 mx sm-mta[47019]: AUTH=server, "
			       "relay=[IPv6:2001:db8::bb], authid=whatever, mech=LOGIN, bits=0"),
			 POSTFIX_LOGIN);
	assert_field(POSTFIX_F_CLIENT_IP, "2001:db8::bb");
}

static void test_from_line_gives_queued_with_client(void **state)
{
	(void)state;
	/* [grok] */
	assert_int_equal(parse("Nov  7 13:52:47 b.mx.sonic.net sm-mta[29841]: qA7LqlqC029841: "
			       "from=<augie@corp.sonic.net>, size=1391, class=0, nrcpts=1, "
			       "msgid=<509AD829.8000902@corp.sonic.net>, proto=ESMTP, daemon=MTA, "
			       "relay=a.mail.sonic.net [64.142.16.245]"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_QID, "qA7LqlqC029841");
	assert_field(POSTFIX_F_FROM, "augie@corp.sonic.net");
	assert_int_equal(rec.size, 1391);
	assert_int_equal(rec.nrcpt, 1);
	assert_field(POSTFIX_F_MESSAGE_ID, "509AD829.8000902@corp.sonic.net");
	assert_field(POSTFIX_F_PROTO, "ESMTP");
	assert_field(POSTFIX_F_CLIENT_HOST, "a.mail.sonic.net");
	assert_field(POSTFIX_F_CLIENT_IP, "64.142.16.245");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
}

static void test_from_line_of_local_submission_has_no_client(void **state)
{
	(void)state;
	/* [ebs]: the MSP; no proto, no daemon, relay=user@localhost */
	assert_int_equal(parse("Jun 18 17:34:38 dev sendmail[4201]: r5I9YcUV004201: from=root, "
			       "size=7516, class=0, nrcpts=1, "
			       "msgid=<201306180934.r5I9YcUV004201@dev.egolife.com>, "
			       "relay=root@localhost"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_FROM, "root");
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_IP));
	assert_false(postfix_has(&rec, POSTFIX_F_PROTO));
	assert_field(POSTFIX_F_MESSAGE_ID, "201306180934.r5I9YcUV004201@dev.egolife.com");
}

static void test_from_line_without_recipients_is_ignored(void **state)
{
	(void)state;
	assert_int_equal(parse("Feb 18 16:29:31 mydomain sm-mta[1591]: u1IJTVKB001591: "
			       "from=<www-data@mydomain.com>, size=129, class=0, nrcpts=0, "
			       "proto=ESMTP, daemon=MTA-v4, relay=localhost [127.0.0.1]"),
			 POSTFIX_IGNORED);
}

static void test_from_null_sender_with_pri_and_bodytype(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx sendmail[1]: n2HBj1UK006954: from=<>, "
			       "size=2172, class=-60, pri=32172, nrcpts=1, msgid=<x@y>, "
			       "bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=[192.0.2.7]"),
			 POSTFIX_QUEUED);
	assert_true(postfix_has(&rec, POSTFIX_F_FROM));
	assert_field(POSTFIX_F_FROM, "");
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.7");
	assert_field(POSTFIX_F_MESSAGE_ID, "x@y");
}

static void test_to_line_sent_gives_relay_dsn_and_status(void **state)
{
	(void)state;
	/* [grok] */
	assert_int_equal(parse("Nov  7 13:52:47 b.mx.sonic.net sm-mta[29846]: qA7LqlqC029841: "
			       "to=<augie@corp.sonic.net>, delay=00:00:00, xdelay=00:00:00, "
			       "mailer=esmtp, pri=121391, relay=lds.sonic.net. [69.12.221.231], "
			       "dsn=2.0.0, stat=Sent (qA7Lqlbm023338 Message accepted for "
			       "delivery)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_TO, "augie@corp.sonic.net");
	assert_int_equal(rec.nrcpt, 1);
	assert_field(POSTFIX_F_RELAY_HOST, "lds.sonic.net.");
	assert_field(POSTFIX_F_RELAY_IP, "69.12.221.231");
	assert_field(POSTFIX_F_DSN, "2.0.0");
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_field(POSTFIX_F_TEXT, "Sent (qA7Lqlbm023338 Message accepted for delivery)");
	assert_int_equal(sl.pid, 29846);
}

static void test_to_line_deferred_and_bounced(void **state)
{
	(void)state;
	/* [grok]: relay without an address */
	assert_int_equal(parse("Nov 12 14:40:08 b.mail.sonic.net sm-mta[17605]: qACMe8E2017601: "
			       "to=<augie@corp.sonic.net>, delay=00:00:00, xdelay=00:00:00, "
			       "mailer=esmtp, pri=127125, relay=mta6.am0.yahoodns.net., "
			       "dsn=4.0.0, stat=Deferred"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "deferred");
	assert_field(POSTFIX_F_RELAY_HOST, "mta6.am0.yahoodns.net.");
	assert_false(postfix_has(&rec, POSTFIX_F_RELAY_IP));
	/* [fluent] */
	assert_int_equal(parse("Apr  2 00:15:25 mta001 sendmail[12566]: u31FFPtp032300: "
			       "to=<deferred1@example.com>, delay=00:00:15, xdelay=00:00:15, "
			       "mailer=esmtp, pri=34527, relay=[93.184.216.34] [93.184.216.34], "
			       "dsn=4.3.5, stat=Deferred: 451 4.3.5 Server configuration problem"),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "deferred");
	assert_field(POSTFIX_F_RELAY_HOST, "[93.184.216.34]");
	assert_field(POSTFIX_F_RELAY_IP, "93.184.216.34");
	/* [grok]: no dsn, a permanent failure */
	assert_int_equal(parse("Nov 12 16:12:42 b.mail.sonic.net sm-mta[13756]: qAD0Cg5c013756: "
			       "to=<augie@corp.sonic.net>, delay=00:00:00, pri=30747, stat=Mail "
			       "Rejected: high volume mailings not allowed. Contact "
			       "support@sonic.net for more information."), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "bounced");
	/* a local mailer's unknown user, dsn 5.1.1 */
	assert_int_equal(parse("Oct 25 13:43:06 localhost sm-mta[7087]: v9PDh53r007087: "
			       "to=postmaster, delay=00:00:00, mailer=local, pri=30000, "
			       "dsn=5.1.1, stat=User unknown"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "bounced");
	assert_field(POSTFIX_F_TO, "postmaster");
}

static void test_to_line_with_ctladdr_of_local_submission(void **state)
{
	(void)state;
	/* [ebs] */
	assert_int_equal(parse("Jun 18 17:34:39 dev sendmail[4201]: r5I9YcUV004201: "
			       "to=me@egolife.com, ctladdr=root (0/0), delay=00:00:01, "
			       "xdelay=00:00:01, mailer=relay, pri=37516, relay=[127.0.0.1] "
			       "[127.0.0.1], dsn=2.0.0, stat=Sent (r5I9YcOE004202 Message accepted "
			       "for delivery)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_TO, "me@egolife.com");
	assert_field(POSTFIX_F_RELAY_IP, "127.0.0.1");
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_int_equal(parse("Jun 18 17:34:39 dev sendmail[4204]: r5I9YcOE004202: "
			       "to=<me@egolife.com>, ctladdr=<root@dev.egolife.com> (0/0), "
			       "delay=00:00:01, xdelay=00:00:00, mailer=esmtp, pri=127772, "
			       "relay=smtp.egolife.com. [172.29.88.10], dsn=2.0.0, stat=Sent "
			       "(Message queued)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_IP, "172.29.88.10");
}

static void test_to_line_lists_recipients_delivered_together(void **state)
{
	struct slice list, r;

	(void)state;
	/* [grok] */
	assert_int_equal(parse("Nov 13 14:52:10 a.mail.sonic.net sm-mta[16961]: qADMh0cd016570: "
			       "to=<augie@corp.sonic.net>,<augie@sonic.net>,<augie@schwer.us>, "
			       "delay=00:09:09, xdelay=00:00:09, mailer=esmtp, pri=4437228, "
			       "relay=ign-com.mail.eo.outlook.com. [216.32.180.22], dsn=2.0.0, "
			       "stat=Sent (<00b601cdc1f0$4d506a80$e7f13f80$@com> "
			       "[InternalId=14475985] Queued mail for delivery)"), POSTFIX_DELIVERY);
	assert_int_equal(rec.nrcpt, 3);
	list = postfix_get(&rec, POSTFIX_F_TO);
	assert_true(sendmail_next_rcpt(&list, &r));
	assert_int_equal(r.n, strlen("augie@corp.sonic.net"));
	assert_memory_equal(r.p, "augie@corp.sonic.net", r.n);
	assert_true(sendmail_next_rcpt(&list, &r));
	assert_memory_equal(r.p, "augie@sonic.net", r.n);
	assert_true(sendmail_next_rcpt(&list, &r));
	assert_memory_equal(r.p, "augie@schwer.us", r.n);
	assert_false(sendmail_next_rcpt(&list, &r));
}

static void test_to_line_queued_is_not_a_delivery(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[3]: qA7LqlqC029841: to=<a@b.example>, "
			       "delay=00:00:00, mailer=esmtp, pri=30000, stat=queued"),
			 POSTFIX_IGNORED);
}

static void test_auth_failure_gives_client_and_attempted_user(void **state)
{
	(void)state;
	/* [f2b]: sendmail 8.16.1 with AUTH_FAIL_LOG_USER */
	assert_int_equal(parse("Feb 25 04:02:27 relay1 sendmail[16664]: 06I02CNi016764: AUTH "
			       "failure (LOGIN): authentication failure (-13) SASL(-13): "
			       "authentication failure: checkpass failed, user=user@example.com, "
			       "relay=example.com [192.0.2.3] (may be forged)"),
			 POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_METHOD, "LOGIN");
	assert_field(POSTFIX_F_SASL_USERNAME, "user@example.com");
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.3");
	assert_field(POSTFIX_F_CLIENT_HOST, "example.com");
	assert_field(POSTFIX_F_TEXT, "authentication failure (-13) SASL(-13): authentication "
		     "failure: checkpass failed");
	/* [f2b]: user not found, no host name */
	assert_int_equal(parse("May 24 01:58:40 server sm-mta[65696]: 14NNwaRl065696: AUTH "
			       "failure (DIGEST-MD5): user not found (-20) SASL(-13): user not "
			       "found: unable to canonify user and get auxprops, user=scanner, "
			       "relay=[192.0.2.5]"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_USERNAME, "scanner");
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.5");
	/* older versions name no user */
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[5]: AUTH failure (PLAIN): "
			       "authentication failure (-13) SASL(-13): authentication failure: "
			       "Password verification failed, relay=[198.51.100.4]"),
			 POSTFIX_AUTH_FAILED);
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	assert_field(POSTFIX_F_CLIENT_IP, "198.51.100.4");
}

/* rscheck(): a check_* ruleset's reject, with the client, the reply's dsn,
 * and the address it refused */
static void test_ruleset_reject_gives_client_stage_and_reply(void **state)
{
	(void)state;
	/* [f2b] sendmail-reject */
	assert_int_equal(parse("Feb 23 21:36:14 petermurray sm-mta[22248]: s1NLaDQT022248: "
			       "ruleset=check_rcpt, arg1=<dautareuk2@hotmail.it>, "
			       "relay=int0.client.access.azadnet.net [80.253.155.119] (may be "
			       "forged), reject=550 5.7.1 <dautareuk2@hotmail.it>... Relaying denied"),
			 POSTFIX_REJECT);
	assert_field(POSTFIX_F_QID, "s1NLaDQT022248");
	assert_field(POSTFIX_F_CLIENT_HOST, "int0.client.access.azadnet.net");
	assert_field(POSTFIX_F_CLIENT_IP, "80.253.155.119");
	assert_field(POSTFIX_F_STAGE, "RCPT");
	assert_field(POSTFIX_F_TO, "dautareuk2@hotmail.it");
	assert_field(POSTFIX_F_DSN, "5.7.1");
	assert_field(POSTFIX_F_TEXT, "550 5.7.1 <dautareuk2@hotmail.it>... Relaying denied");
	/* [grok]: before a queue id exists */
	assert_int_equal(parse("Dec  6 14:24:52 a.mail.sonic.net sm-mta[28606]: ruleset=check_relay, "
			       "arg1=c-76-102-185-118.hsd1.ca.comcast.net, arg2=76.102.185.118, "
			       "relay=c-76-102-185-118.hsd1.ca.comcast.net [76.102.185.118], "
			       "reject=421 4.3.2 Connection rate limit exceeded."), POSTFIX_REJECT);
	assert_field(POSTFIX_F_QID, "");
	assert_field(POSTFIX_F_CLIENT_IP, "76.102.185.118");
	assert_field(POSTFIX_F_STAGE, "CONNECT");
	assert_field(POSTFIX_F_DSN, "4.3.2");
	/* a relay= and a reject= forged in the refused address stay in it */
	assert_int_equal(parse("Feb 23 21:36:14 mx sm-mta[1]: s1NLaDQT022248: ruleset=check_mail, "
			       "arg1=<x, relay=[10.0.0.1], reject=250@evil.example>, "
			       "relay=[192.0.2.66], reject=553 5.1.8 <x, relay=[10.0.0.1], "
			       "reject=250@evil.example>... Domain of sender address does not exist"),
			 POSTFIX_REJECT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.66");
	assert_field(POSTFIX_F_FROM, "x, relay=[10.0.0.1], reject=250@evil.example");
	assert_field(POSTFIX_F_DSN, "5.1.8");
	assert_int_equal(parse("Feb 23 21:36:14 mx sm-mta[1]: s1NLaDQT022248: ruleset=check_rcpt, "
			       "arg1=<a@b>, relay=nowhere, reject=550 no"), POSTFIX_UNPARSED);
	/* check_relay's arg2 is the client's address: a relay of another is not */
	assert_int_equal(parse("Feb 24 01:46:44 mx sm-mta[1]: ruleset=check_relay, "
			       "arg1=h.example, arg2=192.0.2.77, relay=h.example [10.9.9.9], "
			       "reject=550 5.7.1 no"), POSTFIX_UNPARSED);
	assert_field(POSTFIX_F_STAGE, "");
	assert_int_equal(parse("Feb 24 01:46:44 mx sm-mta[1]: ruleset=check_relay, "
			       "arg1=h example, arg2=10.9.9.9, relay=h.example [10.9.9.9], "
			       "reject=550 5.7.1 no"), POSTFIX_UNPARSED);
}

/* srvrsmtp.c's lines about a client */
static void test_client_events_give_the_client(void **state)
{
	(void)state;
	/* [f2b] sendmail-auth, sendmail-reject */
	assert_int_equal(parse("Feb 24 12:10:15 kismet sm-acceptingconnections[32053]: "
			       "s1OHA28u032053: 211-75-6-133.HINET-IP.hinet.net [211.75.6.133]: "
			       "possible SMTP attack: command=AUTH, count=6"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_HOST, "211-75-6-133.HINET-IP.hinet.net");
	assert_field(POSTFIX_F_CLIENT_IP, "211.75.6.133");
	assert_field(POSTFIX_F_STATUS, "possible SMTP attack");
	assert_field(POSTFIX_F_STAGE, "AUTH");
	assert_int_equal(rec.count, 6);
	assert_int_equal(parse("Mar  7 15:04:37 s192-168-0-1 sm-mta[18624]: v27K4Vj8018624: "
			       "some-host-24.example.org [192.0.2.195] (may be forged) did not issue "
			       "MAIL/EXPN/VRFY/ETRN during connection to MSP-v4"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.195");
	assert_field(POSTFIX_F_STATUS, "did not issue MAIL");
	assert_field(POSTFIX_F_TEXT, "MSP-v4");
	assert_int_equal(parse("Mar 29 22:51:46 server sm-mta[50438]: 06QDQnNf050438: example.com "
			       "[IPv6:2001:DB8::1] did not issue MAIL/EXPN/VRFY/ETRN during "
			       "connection to IPv6"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "2001:DB8::1");
	assert_int_equal(parse("Feb 27 10:53:06 batman sm-mta[44307]: s1R9r60D044307: rejecting "
			       "commands from  [209.15.212.253] due to pre-greeting traffic after 0 "
			       "seconds"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "209.15.212.253");
	assert_field(POSTFIX_F_CLIENT_HOST, "");
	assert_field(POSTFIX_F_STATUS, "pre-greeting traffic");
	assert_int_equal(parse("Feb 22 14:02:44 batman sm-mta[4030]: s1MD2hsd004030: "
			       "rrcs-24-73-201-194.se.biz.rr.com [24.73.201.194]: VRFY root "
			       "[rejected]"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "24.73.201.194");
	assert_field(POSTFIX_F_STATUS, "VRFY");
	assert_field(POSTFIX_F_TEXT, "root");
	assert_int_equal(parse("Jul 31 13:03:43 alarmpi sm-mta[24291]: 56VFYCxS024291: lost input "
			       "channel from mail.aqicn.org [139.162.120.196] to MTA-v4 after rcpt"),
			 POSTFIX_LOST);
	assert_field(POSTFIX_F_CLIENT_IP, "139.162.120.196");
	assert_field(POSTFIX_F_STATUS, "lost input channel");
	assert_field(POSTFIX_F_STAGE, "rcpt");
	/* the client's text cannot make itself the client */
	assert_int_equal(parse("Feb 22 14:02:44 batman sm-mta[4030]: s1MD2hsd004030: [192.0.2.9]: "
			       "VRFY x [10.0.0.1]: y [rejected]"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.9");
}

static void test_other_sendmail_lines_are_ignored(void **state)
{
	static const char *const lines[] = {
		/* [grok] */
		"Nov  7 13:52:47 b.mx.sonic.net sm-mta[29841]: qA7LqlqC029841: Milter add: header: "
		"X-Sonic-SB-IP-RBLs: IP RBLs sorbs-spam.",
		"Dec  6 11:56:09 b.mail.sonic.net sm-mta[10180]: STARTTLS=server, "
		"relay=173-8-135-25-SFBA.hfc.comcastbusiness.net [173.8.135.25], "
		"version=TLSv1/SSLv3, verify=NO, cipher=AES128-SHA, bits=128/128",
		/* a ruleset's outcome other than reject= */
		"Dec  6 14:24:52 a.mail.sonic.net sm-mta[28606]: s1OHA28u032053: ruleset=check_rcpt, "
		"arg1=<a@example.org>, relay=[192.0.2.7], discard",
		"Dec  6 14:24:52 a.mail.sonic.net sm-mta[28606]: s1OHA28u032053: [192.0.2.7]: "
		"HELP me [rejected]",
		/* [fluent] */
		"Apr  2 00:15:25 mta001 sendmail[32302]: u31FFPtp032300: done; delay=00:00:00, "
		"ntries=2",
		"Sep 14 11:59:35 ubuntu-server sm-mta[7425]: l8E3xVpO007423: l8E3xZpO007425: DSN: "
		"User unknown",
		"Nov 30 10:35:10 a.spam.sonic.net sendmail[20393]: STARTTLS=client, "
		"relay=gmail-smtp-in.l.google.com., version=TLSv1/SSLv3, verify=OK, cipher=RC4-SHA, "
		"bits=128/128",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(parse(lines[i]), POSTFIX_IGNORED);
}

static void test_programs_and_formats(void **state)
{
	static const char line[] = "Nov 27 02:05:13 mx %s[7]: qA7LqlqC029841: from=<a@b.example>, "
				   "size=1, class=0, nrcpts=1, relay=[192.0.2.1]";
	static const char *const ours[] = { "sendmail", "sendmail-in", "sm-mta", "sm-msp-queue" };
	static const char *const others[] = { "postfix/smtpd", "exim", "sm-notify", "sendmailx" };
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		snprintf(buf, sizeof(buf), line, ours[i]);
		assert_int_equal(parse(buf), POSTFIX_QUEUED);
		assert_int_equal(parse_fmt(buf, MAILLOG_AUTO), POSTFIX_QUEUED);
		/* a forced other format does not read it */
		assert_int_equal(parse_fmt(buf, MAILLOG_POSTFIX), POSTFIX_FOREIGN);
		assert_int_equal(parse_fmt(buf, MAILLOG_EXIM), POSTFIX_FOREIGN);
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		snprintf(buf, sizeof(buf), line, others[i]);
		assert_int_equal(parse(buf), POSTFIX_FOREIGN);
	}
}

/* ---- hostile lines -------------------------------------------------------- */

static void test_authid_inside_a_sender_is_not_a_login(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[8]: qA7LqlqC029841: "
			       "from=<\"x, authid=ceo\"@evil.example>, size=10, class=0, nrcpts=1, "
			       "proto=ESMTP, daemon=MTA, relay=[203.0.113.9]"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_FROM, "\"x, authid=ceo\"@evil.example");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.9");
	/* a quoted "> ," does not end the address either */
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[8]: qA7LqlqC029841: "
			       "from=<\"a>, size=1, relay=[6.6.6.6]\"@evil.example>, size=10, "
			       "class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=[203.0.113.9]"),
			 POSTFIX_QUEUED);
	assert_int_equal(rec.size, 10);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.9");
}

static void test_relay_injected_in_message_id_is_not_the_client(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[8]: qA7LqlqC029841: from=<a@evil.example>, "
			       "size=10, class=0, nrcpts=1, msgid=<x>, proto=ESMTP, daemon=MTA, "
			       "relay=trusted [10.0.0.1], y=<z>, proto=ESMTP, daemon=MTA, "
			       "relay=evil.example [203.0.113.9]"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.9");
	assert_field(POSTFIX_F_CLIENT_HOST, "evil.example");
	/* the message-id is whatever lies before Sendmail's own words */
	assert_field(POSTFIX_F_MESSAGE_ID, "x>, proto=ESMTP, daemon=MTA, relay=trusted "
		     "[10.0.0.1], y=<z");
}

static void test_fields_injected_in_recipients_stay_in_the_address(void **state)
{
	struct slice list, r;

	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[9]: qA7LqlqC029841: "
			       "to=<\"x, relay=[6.6.6.6], stat=Sent\"@victim.example>,"
			       "<b@victim.example>, delay=00:00:01, mailer=esmtp, pri=1, "
			       "relay=mx.victim.example. [192.0.2.25], dsn=5.0.0, stat=Service "
			       "unavailable"), POSTFIX_DELIVERY);
	assert_int_equal(rec.nrcpt, 2);
	assert_field(POSTFIX_F_RELAY_IP, "192.0.2.25");
	assert_field(POSTFIX_F_STATUS, "bounced");
	list = postfix_get(&rec, POSTFIX_F_TO);
	assert_true(sendmail_next_rcpt(&list, &r));
	assert_int_equal(r.n, strlen("\"x, relay=[6.6.6.6], stat=Sent\"@victim.example"));
	/* a recipient's ", stat=Sent" in a ctladdr does not make it sent */
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[9]: qA7LqlqC029841: to=<a@b.example>, "
			       "ctladdr=<\"q, stat=Sent\"@evil.example> (1000/1000), "
			       "delay=00:00:01, mailer=esmtp, pri=1, dsn=4.0.0, stat=Deferred: x"),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "deferred");
}

static void test_relay_injected_in_failed_login_name_is_not_the_client(void **state)
{
	(void)state;
	/* [f2b]: "injection attempt on user name" */
	assert_int_equal(parse("Feb 25 04:02:28 relay1 sendmail[16665]: 06I02CNi016765: AUTH "
			       "failure (LOGIN): authentication failure (-13) SASL(-13): "
			       "authentication failure: checkpass failed, user=criminal, "
			       "relay=[192.0.2.100], relay=[192.0.2.4] (may be forged)"),
			 POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.4");
	assert_field(POSTFIX_F_SASL_USERNAME, "criminal, relay=[192.0.2.100]");
}

static void test_malformed_records_are_unparsed(void **state)
{
	static const char *const lines[] = {
		/* cut before the relay, before stat=, in the address */
		"Nov 27 02:05:13 mx sm-mta[1]: qA7LqlqC029841: from=<a@b.example>, size=1, class=0, "
		"nrcpts=1",
		"Nov 27 02:05:13 mx sm-mta[1]: qA7LqlqC029841: to=<a@b.example>, delay=00:00:01, "
		"mailer=esmtp, pri=1, dsn=2.0.0",
		"Nov 27 02:05:13 mx sm-mta[1]: qA7LqlqC029841: to=<\"a@b.example, stat=Sent",
		"Nov 27 02:05:13 mx sm-mta[1]: qA7LqlqC029841: from=<a@b.example, size=1",
		/* a relay whose [...] is no address */
		"Nov 27 02:05:13 mx sm-mta[1]: qA7LqlqC029841: from=<a@b.example>, size=1, class=0, "
		"nrcpts=1, relay=evil [ceo]",
		"Nov 27 02:05:13 mx sm-mta[1]: AUTH=server, relay=[not an ip], authid=ceo, mech=PLAIN, "
		"bits=0",
		/* an ident holding ", " */
		"Nov 27 02:05:13 mx sm-mta[1]: AUTH=server, relay=x, y@h [192.0.2.1], authid=ceo, "
		"mech=PLAIN, bits=0",
		"Nov 27 02:05:13 mx sm-mta[1]: AUTH=server, relay=[192.0.2.1], authid=ceo",
		/* a to= list element that is not key=value */
		"Apr  2 00:15:25 mta001 sendmail[32302]: u31FFPtp032300: "
		"to=<sent1@example.com>,<sent2@example.com>, 00:00:00, xdelay=00:00:00, "
		"mailer=esmtp, pri=245938, relay=[93.184.216.34] [93.184.216.34], dsn=2.0.0, "
		"stat=Sent (ok:  Message 40279894 accepted)",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(parse(lines[i]), POSTFIX_UNPARSED);
}

static void test_nul_byte_in_message_is_unparsed(void **state)
{
	static const char line[] = "Nov 27 02:05:13 mx sm-mta[1]: AUTH=server, relay=[192.0.2.1], "
				   "authid=ce\0o, mech=PLAIN, bits=0";

	(void)state;
	assert_int_equal(maillog_header(&sl, line, sizeof(line) - 1, REF, MAILLOG_SENDMAIL),
			 SYSLOG_OK);
	assert_int_equal(maillog_parse(&rec, MAILLOG_SENDMAIL, &sl, NULL), POSTFIX_UNPARSED);
}

static void test_invalid_utf8_login_is_kept_raw_and_replaced_when_copied(void **state)
{
	char buf[POSTFIX_TEXT_MAX];

	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx sm-mta[1]: AUTH=server, relay=[192.0.2.1], "
			       "authid=ce\xff\xc0o, mech=PLAIN, bits=0"), POSTFIX_LOGIN);
	assert_field(POSTFIX_F_SASL_USERNAME, "ce\xff\xc0o");
	assert_true(slice_copy(buf, sizeof(buf), postfix_get(&rec, POSTFIX_F_SASL_USERNAME)));
	assert_string_equal(buf, "ce" UTF8_REPLACEMENT UTF8_REPLACEMENT "o");
}

static void test_64k_login_name_is_truncated_and_flagged(void **state)
{
	size_t n = 65536;
	char *line = malloc(n + 128), buf[POSTFIX_TEXT_MAX];
	int len = snprintf(line, 128, "Nov 27 02:05:13 mx sm-mta[1]: AUTH=server, "
			   "relay=[192.0.2.1], authid=");

	(void)state;
	memset(line + len, 'a', n);
	strcpy(line + len + n, ", mech=PLAIN, bits=0");
	assert_int_equal(parse(line), POSTFIX_LOGIN);
	assert_true(rec.truncated);
	assert_int_equal(postfix_get(&rec, POSTFIX_F_SASL_USERNAME).n, n);
	assert_false(slice_copy(buf, sizeof(buf), postfix_get(&rec, POSTFIX_F_SASL_USERNAME)));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	free(line);
}

/* ---- the feed: sessions, recipients, removal --------------------------------- */

static void test_login_of_a_session_gives_its_messages_the_sasl_identity(void **state)
{
	static const char *const lines[] = {
		"Nov 27 02:05:10 mx sm-mta[4242]: AUTH=server, relay=x.example [198.51.100.7], "
		"authid=alice, mech=LOGIN, bits=0",
		"Nov 27 02:05:11 mx sm-mta[4242]: qARA5BxA004242: from=<spam@forged.example>, "
		"size=900, class=0, nrcpts=1, msgid=<m1@x>, proto=ESMTP, daemon=MTA, "
		"relay=x.example [198.51.100.7]",
		"Nov 27 02:05:12 mx sm-mta[4242]: qARA5CxB004242: from=<spam@forged.example>, "
		"size=900, class=0, nrcpts=1, msgid=<m2@x>, proto=ESMTP, daemon=MTA, "
		"relay=x.example [198.51.100.7]",
		/* another process, another client: no login */
		"Nov 27 02:05:13 mx sm-mta[5151]: qARA5DxC005151: from=<b@c.example>, size=1, "
		"class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=[203.0.113.5]",
	};
	struct maillog_feed_stats st = feed_lines(lines, 4, 60);

	(void)state;
	assert_int_equal(seen.accepted, 3);
	assert_string_equal(seen.identity[0], "sasl:alice");
	assert_string_equal(seen.identity[1], "sasl:alice");
	assert_string_equal(seen.identity[2], "client:203.0.113.5");
	assert_int_equal(st.joined, 2);
	assert_int_equal(seen.clients, 3);
}

static void test_session_is_not_lent_to_another_client_or_after_an_hour(void **state)
{
	static const char *const lines[] = {
		"Nov 27 01:00:00 mx sm-mta[4242]: AUTH=server, relay=[198.51.100.7], authid=alice, "
		"mech=LOGIN, bits=0",
		/* the pid now serves another client */
		"Nov 27 01:00:05 mx sm-mta[4242]: qARA5BxA004242: from=<a@b.example>, size=1, "
		"class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=[203.0.113.66]",
		"Nov 27 01:00:06 mx sm-mta[4243]: AUTH=server, relay=[198.51.100.7], authid=bob, "
		"mech=LOGIN, bits=0",
		/* more than an hour later */
		"Nov 27 02:05:11 mx sm-mta[4243]: qARA5CxB004243: from=<a@b.example>, size=1, "
		"class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=[198.51.100.7]",
	};

	(void)state;
	feed_lines(lines, 4, 60);
	assert_int_equal(seen.accepted, 2);
	assert_string_equal(seen.identity[0], "client:203.0.113.66");
	assert_string_equal(seen.identity[1], "client:198.51.100.7");
}

static void test_each_recipient_is_a_delivery_and_the_last_removes(void **state)
{
	/* [fluent], with the README's cut sent1/sent2 line left out: nrcpts=3 */
	static const char *const lines[] = {
		"Apr  2 00:15:25 mta001 sendmail[32300]: u31FFPtp032300: "
		"from=<grandeur09@gmail.com>, size=5938, class=0, nrcpts=3, "
		"msgid=<201604011515.u31FFIAj012911@gmail.com>, proto=ESMTP, daemon=MTA, "
		"relay=[64.233.187.27]",
		"Apr  2 00:15:25 mta001 sendmail[12566]: u31FFPtp032300: to=<deferred1@example.com>, "
		"delay=00:00:15, xdelay=00:00:15, mailer=esmtp, pri=34527, relay=[93.184.216.34] "
		"[93.184.216.34], dsn=4.3.5, stat=Deferred: 451 4.3.5 Server configuration problem",
		"Apr  2 00:15:26 mta001 sendmail[32302]: u31FFPtp032300: "
		"to=<sent3@example2.com>,<sent4@example2.com>, delay=00:00:00, xdelay=00:00:00, "
		"mailer=esmtp, pri=245938, relay=[93.184.216.34] [93.184.216.34], dsn=2.0.0, "
		"stat=Sent (ok:  Message 40279895 accepted)",
		"Apr  2 00:18:50 mta001 sendmail[32302]: u31FFPtp032300: to=<deferred1@example.com>, "
		"delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=245938, relay=[93.184.216.34] "
		"[93.184.216.34], dsn=2.0.0, stat=Sent (ok:  Message 40279894 accepted)",
	};
	struct maillog_feed_stats st = feed_lines(lines, 4, 60);

	(void)state;
	assert_int_equal(seen.accepted, 1);
	assert_string_equal(seen.identity[0], "client:64.233.187.27");
	assert_int_equal(seen.deferred, 1);
	assert_int_equal(seen.sent, 3);
	assert_int_equal(seen.removed, 1);
	assert_int_equal(st.removals, 1);
}

static void test_local_submission_counts_under_the_loopback_client(void **state)
{
	/* [ebs]: the MSP's own message has no client; the MTA's copy comes
	 * from 127.0.0.1 and is reported when it leaves the table */
	static const char *const lines[] = {
		"Jun 18 17:34:38 dev sendmail[4201]: r5I9YcUV004201: from=root, size=7516, class=0, "
		"nrcpts=1, msgid=<201306180934.r5I9YcUV004201@dev.egolife.com>, relay=root@localhost",
		"Jun 18 17:34:38 dev sendmail[4202]: r5I9YcOE004202: from=<root@dev.egolife.com>, "
		"size=7772, class=0, nrcpts=1, msgid=<201306180934.r5I9YcUV004201@dev.egolife.com>, "
		"proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]",
		"Jun 18 17:34:39 dev sendmail[4201]: r5I9YcUV004201: to=me@egolife.com, ctladdr=root "
		"(0/0), delay=00:00:01, xdelay=00:00:01, mailer=relay, pri=37516, relay=[127.0.0.1] "
		"[127.0.0.1], dsn=2.0.0, stat=Sent (r5I9YcOE004202 Message accepted for delivery)",
		"Jun 18 17:34:39 dev sendmail[4204]: r5I9YcOE004202: to=<me@egolife.com>, "
		"ctladdr=<root@dev.egolife.com> (0/0), delay=00:00:01, xdelay=00:00:00, "
		"mailer=esmtp, pri=127772, relay=smtp.egolife.com. [172.29.88.10], dsn=2.0.0, "
		"stat=Sent (Message queued)",
	};

	(void)state;
	feed_lines(lines, 4, 60);
	assert_int_equal(seen.accepted, 1);
	assert_string_equal(seen.identity[0], "client:127.0.0.1");
	assert_int_equal(seen.sent, 1);
	assert_int_equal(seen.removed, 1);
}

static void test_forged_authid_in_sender_gives_no_sasl_identity(void **state)
{
	static const char *const lines[] = {
		"Nov 27 02:05:11 mx sm-mta[77]: qARA5BxA000077: from=<\"x, authid=ceo\"@evil>, "
		"size=900, class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=[203.0.113.9]",
	};

	(void)state;
	feed_lines(lines, 1, 60);
	assert_int_equal(seen.accepted, 1);
	assert_string_equal(seen.identity[0], "client:203.0.113.9");
}

/* Only the session table is under test: the records go nowhere. */
static void no_record(const struct syslog_line *l, const struct postfix_record *r, void *arg)
{
	(void)l;
	(void)r;
	(void)arg;
}

static void test_sessions_are_bounded(void **state)
{
	char line[256];
	struct maillog_feed_stats st;
	struct maillog_feed *f = maillog_feed_new(NULL);

	(void)state;
	for (int i = 1; i <= 3 * FEED_SESSIONS; i++) {
		snprintf(line, sizeof(line), "Nov 27 02:05:13 mx sm-mta[%d]: AUTH=server, "
			 "relay=[192.0.2.1], authid=u%d, mech=PLAIN, bits=0", i, i);
		assert_int_equal(parse(line), POSTFIX_LOGIN);
		maillog_feed(f, &sl, &rec, no_record, NULL);
	}
	maillog_feed_stats(f, &st);
	assert_int_equal(st.sessions, 3 * FEED_SESSIONS);
	assert_true(st.session_evictions >= (uint64_t)2 * FEED_SESSIONS);
	maillog_feed_free(f);
}

/* ---- a stop between a session's login and its message --------------------- */

static const char restart_auth[] =
	"Nov 27 02:05:10 mx sm-mta[4242]: AUTH=server, relay=x.example [198.51.100.7], "
	"authid=alice@example.org, mech=PLAIN, bits=256";
static const char restart_from[] =
	"Nov 27 02:05:14 mx sm-mta[4242]: qARA5ExA004242: from=<alice@example.org>, size=900, "
	"class=0, nrcpts=1, msgid=<m1@x.example>, proto=ESMTPA, daemon=MTA, "
	"relay=x.example [198.51.100.7]";

static struct msg_table *table;

static struct msg_table *restart_table(struct maillog_feed **f)
{
	*f = feed_open(60);
	return feed_table;
}

static void feed_line(struct maillog_feed *f, const char *line)
{
	assert_true(parse(line) > POSTFIX_IGNORED);
	feed_record(f);
}

/* The from= line after a restart, into a table loaded from dir (or a new
 * one when dir is NULL): the identity it gets. */
static const char *from_after_restart(const char *dir)
{
	static char identity[MSG_IDENTITY_MAX];
	struct maillog_feed *f;
	uint64_t generation;
	char *positions = NULL;

	memset(&seen, 0, sizeof(seen));
	table = restart_table(&f);
	if (dir) {
		assert_int_equal(msg_table_load(table, dir, "maillog.messages", (size_t)1 << 20,
						&generation, &positions), 0);
		assert_int_equal(generation, 7);
		free(positions);
	}
	feed_line(f, restart_from);
	msg_table_flush(table);
	assert_int_equal(seen.accepted, 1);
	snprintf(identity, sizeof(identity), "%s", seen.identity[0]);
	maillog_feed_free(f);
	msg_table_free(table);
	return identity;
}

static void test_login_pending_at_a_stop_gives_the_identity_after_the_restart(void **state)
{
	struct msg_save_stats st;
	struct maillog_feed *f;
	char dir[64];
	uint64_t before;

	(void)state;
	scratch_dir(dir, sizeof(dir), "sendmail-restart");
	memset(&seen, 0, sizeof(seen));
	table = restart_table(&f);
	before = msg_table_changes(table);
	feed_line(f, restart_auth);
	/* the table changed: the daemon's next save writes the login */
	assert_true(msg_table_changes(table) != before);
	assert_int_equal(msg_table_save(table, dir, "maillog.messages", (size_t)1 << 20, 7,
					"positions\n", &st), 0);
	assert_int_equal(st.saved, 0);
	assert_int_equal(st.logins, 1);
	assert_int_equal(st.logins_omitted, 0);
	maillog_feed_free(f);
	msg_table_free(table);

	assert_string_equal(from_after_restart(dir), "sasl:alice@example.org");
	/* the control: without the snapshot the login is lost */
	assert_string_equal(from_after_restart(NULL), "client:198.51.100.7");
	scratch_remove(dir);
}

static void test_login_restored_is_still_not_lent_to_another_client(void **state)
{
	static const char other[] =
		"Nov 27 02:05:14 mx sm-mta[4242]: qARA5DxZ004242: from=<b@c.example>, size=9, "
		"class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=[203.0.113.66]";
	struct msg_save_stats st;
	struct maillog_feed *f;
	uint64_t generation;
	char dir[64], *positions;

	(void)state;
	scratch_dir(dir, sizeof(dir), "sendmail-restart");
	memset(&seen, 0, sizeof(seen));
	table = restart_table(&f);
	feed_line(f, restart_auth);
	assert_int_equal(msg_table_save(table, dir, "maillog.messages", (size_t)1 << 20, 7,
					"positions\n", &st), 0);
	maillog_feed_free(f);
	msg_table_free(table);

	table = restart_table(&f);
	assert_int_equal(msg_table_load(table, dir, "maillog.messages", (size_t)1 << 20,
					&generation, &positions), 0);
	free(positions);
	feed_line(f, other);
	feed_line(f, restart_from);	/* the pid moved on: the login with it */
	msg_table_flush(table);
	assert_int_equal(seen.accepted, 2);
	assert_string_equal(seen.identity[0], "client:203.0.113.66");
	assert_string_equal(seen.identity[1], "client:198.51.100.7");
	maillog_feed_free(f);
	msg_table_free(table);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_server_gives_login_with_client_and_name),
		cmocka_unit_test(test_ruleset_reject_gives_client_stage_and_reply),
		cmocka_unit_test(test_client_events_give_the_client),
		cmocka_unit_test(test_auth_server_relay_forms),
		cmocka_unit_test(test_from_line_gives_queued_with_client),
		cmocka_unit_test(test_from_line_of_local_submission_has_no_client),
		cmocka_unit_test(test_from_line_without_recipients_is_ignored),
		cmocka_unit_test(test_from_null_sender_with_pri_and_bodytype),
		cmocka_unit_test(test_to_line_sent_gives_relay_dsn_and_status),
		cmocka_unit_test(test_to_line_deferred_and_bounced),
		cmocka_unit_test(test_to_line_with_ctladdr_of_local_submission),
		cmocka_unit_test(test_to_line_lists_recipients_delivered_together),
		cmocka_unit_test(test_to_line_queued_is_not_a_delivery),
		cmocka_unit_test(test_auth_failure_gives_client_and_attempted_user),
		cmocka_unit_test(test_other_sendmail_lines_are_ignored),
		cmocka_unit_test(test_programs_and_formats),
		cmocka_unit_test(test_authid_inside_a_sender_is_not_a_login),
		cmocka_unit_test(test_relay_injected_in_message_id_is_not_the_client),
		cmocka_unit_test(test_fields_injected_in_recipients_stay_in_the_address),
		cmocka_unit_test(test_relay_injected_in_failed_login_name_is_not_the_client),
		cmocka_unit_test(test_malformed_records_are_unparsed),
		cmocka_unit_test(test_nul_byte_in_message_is_unparsed),
		cmocka_unit_test(test_invalid_utf8_login_is_kept_raw_and_replaced_when_copied),
		cmocka_unit_test(test_64k_login_name_is_truncated_and_flagged),
		cmocka_unit_test(test_login_of_a_session_gives_its_messages_the_sasl_identity),
		cmocka_unit_test(test_session_is_not_lent_to_another_client_or_after_an_hour),
		cmocka_unit_test(test_each_recipient_is_a_delivery_and_the_last_removes),
		cmocka_unit_test(test_local_submission_counts_under_the_loopback_client),
		cmocka_unit_test(test_forged_authid_in_sender_gives_no_sasl_identity),
		cmocka_unit_test(test_sessions_are_bounded),
		cmocka_unit_test(test_login_pending_at_a_stop_gives_the_identity_after_the_restart),
		cmocka_unit_test(test_login_restored_is_still_not_lent_to_another_client),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
