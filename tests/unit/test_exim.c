// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_exim.c - exim_header(), exim_parse() and the in-order feed
 * (format.h) on real Exim main log lines and hostile ones.
 *
 * Real lines, quoted unchanged unless said, come from public fixtures:
 *   [exim]     Exim/exim, test/log/3400 (Exim's own test suite, 6-11-4
 *              message ids; its masked S=sss is written S=1234)
 *   [f2b]      fail2ban/fail2ban, fail2ban/tests/files/logs/exim
 *   [filebeat] lbausch/filebeat-exim4, the exim4 ingest pipeline tests
 *              (log_timezone: "+0100" after the time)
 *   [checker]  auth_checker.pl's sample log line (Ivo Truxa)
 * Lines marked [deb12] are written as Debian 12's Exim 4.96 logs them with
 * its default log_selector (6-6-2 message ids; id= is the Message-ID that
 * Exim adds to a local submission).  Hostile lines are written here.  The
 * tests run with TZ=UTC; the login names they look up are root and
 * www-data (Debian's uid 33, read from this host's passwd all the same).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maillog/exim.h"
#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "testutil.h"
#include "text.h"

static enum postfix_kind parse(const char *line)
{
	return parse_fmt(line, MAILLOG_EXIM);
}

/* ---- the mainlog header ------------------------------------------------- */

static void test_mainlog_line_has_time_program_and_message(void **state)
{
	static const char line[] = "2026-11-27 02:05:13 1vXyZa-000abc-Ab Completed";

	(void)state;
	assert_int_equal(exim_header(&sl, line, strlen(line)), SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1795745113);
	assert_int_equal(sl.usec, 0);
	assert_slice(sl.host, "");
	assert_slice(sl.program, "exim");
	assert_int_equal(sl.pid, -1);
	assert_slice(sl.msg, "1vXyZa-000abc-Ab Completed");
}

static void test_mainlog_pid_fraction_and_zone(void **state)
{
	static const char pid[] = "2013-06-10 18:33:32 [10099] H=(yakult.com.tw) x";
	static const char frac[] = "2026-11-27 02:05:13.250 1vXyZa-000abc-Ab Completed";
	static const char zone[] = "2021-05-04 13:37:00 +0100 1gpXfR-0040X2-94 Completed";

	(void)state;
	assert_int_equal(exim_header(&sl, pid, strlen(pid)), SYSLOG_OK);	/* [f2b] */
	assert_int_equal(sl.pid, 10099);
	assert_slice(sl.msg, "H=(yakult.com.tw) x");
	assert_int_equal(exim_header(&sl, frac, strlen(frac)), SYSLOG_OK);
	assert_int_equal(sl.usec, 250000);
	assert_int_equal(exim_header(&sl, zone, strlen(zone)), SYSLOG_OK);	/* [filebeat] */
	assert_int_equal(sl.time, (time_t)1620131820);	/* 12:37:00Z */
	assert_slice(sl.msg, "1gpXfR-0040X2-94 Completed");
}

static void test_mainlog_header_refuses_what_is_not_one(void **state)
{
	static const char *const lines[] = {
		"", "2026-11-27", "2026-11-27 02:05:13", "2026-02-30 02:05:13 x",
		"2026-11-27T02:05:13 x", "2026-11-27 25:05:13 x", "2026-11-27 02:05:13.x y",
		"Nov 27 02:05:13 x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(exim_header(&sl, lines[i], strlen(lines[i])), SYSLOG_UNPARSED);
}

static void test_mainlog_lines_need_format_auto_or_exim(void **state)
{
	static const char line[] = "2026-11-27 02:05:13 1vXyZa-000abc-Ab Completed";

	(void)state;
	assert_int_equal(parse_fmt(line, MAILLOG_AUTO), POSTFIX_REMOVED);
	assert_int_equal(maillog_header(&sl, line, strlen(line), REF, MAILLOG_POSTFIX),
			 SYSLOG_UNPARSED);
	assert_int_equal(maillog_header(&sl, line, strlen(line), REF, MAILLOG_SENDMAIL),
			 SYSLOG_UNPARSED);
}

/* ---- records -------------------------------------------------------------- */

static void test_authenticated_arrival_gives_client_and_login(void **state)
{
	(void)state;
	/* [checker] */
	assert_int_equal(parse("2014-02-11 07:03:11 1WD6R5-000DJZ-Lc <= usernm@domain.com "
			       "H=host.remote.com (HeloName) [99.111.22.33] P=esmtpsa "
			       "X=TLSv1:AES128-SHA:128 A=dovecot_login:usernm S=3328 "
			       "id=001201cf26ee$f1c31680$d5494380$@cz"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_QID, "1WD6R5-000DJZ-Lc");
	assert_field(POSTFIX_F_FROM, "usernm@domain.com");
	assert_field(POSTFIX_F_CLIENT_HOST, "host.remote.com");
	assert_field(POSTFIX_F_HELO, "HeloName");
	assert_field(POSTFIX_F_CLIENT_IP, "99.111.22.33");
	assert_field(POSTFIX_F_PROTO, "esmtpsa");
	assert_field(POSTFIX_F_SASL_METHOD, "dovecot_login");
	assert_field(POSTFIX_F_SASL_USERNAME, "usernm");
	assert_int_equal(rec.size, 3328);
	assert_int_equal(rec.nrcpt, -1);
}

static void test_arrival_forms_of_exim_versions(void **state)
{
	(void)state;
	/* [exim]: 6-11-4 ids, an ident, A= with a login */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmbC-000000005vi-0000 <= "
			       "userx@cus.cam.ac.uk H=(test.host) [10.0.0.1] U=CALLER P=esmtpa "
			       "A=login:userx S=1234"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_QID, "10HmbC-000000005vi-0000");
	assert_field(POSTFIX_F_SASL_USERNAME, "userx");
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_HOST));
	/* [exim]: authenticated, but no server_set_id: no login name */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaZ-000000005vi-0000 <= "
			       "userx@cus.cam.ac.uk H=(testclient.ex) [10.0.0.3] U=CALLER "
			       "P=esmtpa A=mylogin S=1234"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SASL_METHOD, "mylogin");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	/* [filebeat]: a port, a subject and recipients after S= */
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1fnjiM-00A4Jp-Mv <= mail@senderhost.tld "
			       "H=(123.123.123.123) [124.124.124.124]:1337 P=esmtpa "
			       "A=dovecot_login:mail@otherhost.tld S=7757 T=\"Re: [foo]\" for "
			       "mail@recipient.tld"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_CLIENT_IP, "124.124.124.124");
	assert_field(POSTFIX_F_HELO, "123.123.123.123");
	assert_field(POSTFIX_F_SASL_USERNAME, "mail@otherhost.tld");
	/* [filebeat]: TLS fields, CHUNKING, a DKIM= after S= */
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1gon8g-0001rZ-K0 <= mail@senderhost.tld "
			       "H=mail.remotehost.tld [123.123.123.123] P=esmtpsa "
			       "X=TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no A=fixed_cram:foo K "
			       "S=10258521 DKIM=remotehost.tld id=foobar@mail.remotehost.tld"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SASL_USERNAME, "foo");
	assert_int_equal(rec.size, 10258521);
}

static void test_unauthenticated_and_local_arrivals(void **state)
{
	(void)state;
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= bounce@example.com "
			       "H=mx.example.net [192.0.2.4]:41000 I=[198.51.100.1]:25 P=esmtps "
			       "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=1024 "
			       "id=x@example.com"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.4");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	/* [filebeat]: a local submission names no client */
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1fnm7Z-00DoYa-KK <= localuser@host.tld "
			       "U=localuser P=local S=1512 T=\"Cron <localuser@host> /usr/bin/wget "
			       "http://foo.tld --output-document=/h\" for recipient@remotehost.tld"),
			 POSTFIX_QUEUED);
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_IP));
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	/* a bounce: the null sender and R= */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZb-000abc-Ab <= <> R=1vXyZa-000abc-Ab "
			       "U=Debian-exim P=local S=2210"), POSTFIX_QUEUED);
	assert_true(postfix_has(&rec, POSTFIX_F_FROM));
	assert_field(POSTFIX_F_FROM, "");
	assert_field(POSTFIX_F_ORIG_QID, "1vXyZa-000abc-Ab");
	assert_true(rec.mta_bounce);
	/* [exim] test/log/0224, a 6-11-4 id; EXIMUSER is no Exim user's name */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaY-000000005vi-0000 <= <> "
			       "R=10HmaX-000000005vi-0000 U=EXIMUSER P=local S=1234"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_ORIG_QID, "10HmaX-000000005vi-0000");
	assert_false(rec.mta_bounce);
	/* R= is a message id, or the line is not Exim's */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZb-000abc-Ab <= <> R=1vXyZa-000abc "
			       "U=Debian-exim P=local S=2210"), POSTFIX_UNPARSED);
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZb-000abc-Ab <= <> R=1vXyZa-000abc-Abc "
			       "U=Debian-exim P=local S=2210"), POSTFIX_UNPARSED);
	/* IPv6 */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZc-000abc-Ab <= a@b.example "
			       "H=(w) [2001:db8::25]:50000 P=esmtpa A=plain:bob S=9"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_CLIENT_IP, "2001:db8::25");
}

static void test_deliveries_give_status_recipient_and_relay(void **state)
{
	(void)state;
	/* [filebeat]: F= before R=, DN and C= after the relay */
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1gmL1D-0004RA-NF => mail@remotehost.tld "
			       "F=<mail@senderhost.tld> R=dnslookup T=remote_smtp "
			       "H=mail.remotehost.tld [123.123.123.123] "
			       "X=TLSv1.2:ECDHE-RSA-AES128-GCM-SHA256:128 CV=yes "
			       "DN=\"/C=DE/O=foo/ST=bar/L=baz/CN=mail.remotehost.tld\" C=\"250 "
			       "Requested mail action okay, completed: id=1MCJaS-1gviwC0ZZS-009SFU\""),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_field(POSTFIX_F_TO, "mail@remotehost.tld");
	assert_field(POSTFIX_F_RELAY_HOST, "mail.remotehost.tld");
	assert_field(POSTFIX_F_RELAY_IP, "123.123.123.123");
	assert_int_equal(rec.relay_port, -1);
	assert_field(POSTFIX_F_TEXT, "250 Requested mail action okay, completed: "
		     "id=1MCJaS-1gviwC0ZZS-009SFU");
	/* [exim]: a local delivery, the original address in <> */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 => userx "
			       "<userx@test.ex> R=localuser T=appendfile"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_TO, "userx");
	assert_field(POSTFIX_F_ORIG_TO, "userx@test.ex");
	assert_false(postfix_has(&rec, POSTFIX_F_RELAY_IP));
	/* [filebeat]: "->", two spaces, a quoted original, SRS= */
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1gtTXl-009NOy-Ft ->  foo@bar.tld "
			       "<\" foo.bar\"@baz.tld> R=dkim_lookuphost T=dkim_remote_smtp "
			       "H=mail.host.tld [123.123.123.123] CV=yes A=fixed_cram K C=\"250 OK\""),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_field(POSTFIX_F_RELAY_IP, "123.123.123.123");
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1hEsVV-006q9f-M2 => mail@host.tld "
			       "<foo@otherhost.tld> SRS=<SRS0=MQyYEB=SO=otherhost.tld=foo@otherhost.tld> "
			       "R=tls_lookuphost T=tls_remote_smtp H=mail.remotehost.tld "
			       "[123.123.123.123]:25 CV=yes"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_TO, "mail@host.tld");
	assert_field(POSTFIX_F_ORIG_TO, "foo@otherhost.tld");
	assert_int_equal(rec.relay_port, 25);
	/* [filebeat]: deferred and bounced */
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1h43YE-0005F1-ND == mail@host.tld "
			       "R=dnslookup T=remote_smtp defer (-53): retry time not reached for "
			       "any host for 'host.tld'"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "deferred");
	assert_field(POSTFIX_F_TEXT, "retry time not reached for any host for 'host.tld'");
	assert_int_equal(parse("2021-05-04 13:37:00 +0100 1gpXfR-0040X2-94 ** mail@host.tld "
			       "R=virtual_aliases: No Such User Here"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "bounced");
	assert_field(POSTFIX_F_TO, "mail@host.tld");
	assert_field(POSTFIX_F_TEXT, "No Such User Here");
	/* no router at all */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab ** x@nowhere.example: "
			       "Unrouteable address"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "bounced");
	assert_false(postfix_has(&rec, POSTFIX_F_TO));
}

static void test_completed_removes_and_others_are_ignored(void **state)
{
	static const char *const ignored[] = {
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab *> x@y.example R=r T=t",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab Frozen",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab Completedly",
		"1999-03-02 09:44:33 exim x.yz daemon started: pid=pppp, no queue runs, listening "
		"for SMTP on port PORT_D",
		/* [f2b]: an ACL's own logwrite; SA-Exim's (a local_scan plugin) */
		"2022-04-03 21:53:54 H=[192.0.2.101]:62839 dropped by 'connect' ACL: Country is banned",
		"2013-12-29 15:34:12 1VxHRO-000NiI-Ly SA: Action: silently tossed message: "
		"score=31.0 required=5.0 trigger=30.0 (scanned in 6/6 secs | Message-Id: x). From "
		"<a@b> (host=x [188.76.45.72]) for c@d",
		/* [exim] a local SMTP session names no host; an ACL's warning */
		"2017-07-30 18:51:05.712 SMTP connection from root D=1.5s closed by QUIT",
		"1999-03-02 09:44:33 no MAIL in SMTP connection from CALLER D=0s C=EXPN,QUIT",
		"1999-03-02 09:44:33 H=(test) [56.56.56.56] U=CALLER Warning: ACL 'warn' statement "
		"skipped (in ACL acl_56_56_56 at line 204 of TESTSUITE/test-config): condition "
		"test deferred: invalid \"condition\" value \"rhubarb\"",
	};

	(void)state;
	/* [exim] */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 Completed"),
			 POSTFIX_REMOVED);
	assert_field(POSTFIX_F_QID, "10HmaX-000000005vi-0000");
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab Completed QT=2s"),
			 POSTFIX_REMOVED);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		assert_int_equal(parse(ignored[i]), POSTFIX_IGNORED);
}

static void test_authenticator_failures_give_client_and_login_tried(void **state)
{
	(void)state;
	/* [f2b]: host name and an IP literal as HELO */
	assert_int_equal(parse("2013-01-04 17:03:46 login authenticator failed for "
			       "rrcs-24-106-174-74.se.biz.rr.com ([192.168.2.33]) [24.106.174.74]: "
			       "535 Incorrect authentication data (set_id=brian)"),
			 POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_METHOD, "login");
	assert_field(POSTFIX_F_CLIENT_HOST, "rrcs-24-106-174-74.se.biz.rr.com");
	assert_field(POSTFIX_F_HELO, "[192.168.2.33]");
	assert_field(POSTFIX_F_CLIENT_IP, "24.106.174.74");
	assert_field(POSTFIX_F_SASL_USERNAME, "brian");
	assert_field(POSTFIX_F_TEXT, "535 Incorrect authentication data (set_id=brian)");
	/* [f2b]: no set_id */
	assert_int_equal(parse("2013-06-12 13:18:11 login authenticator failed for "
			       "(USER-KVI9FGS9KP) [101.66.165.86]: 535 Incorrect authentication "
			       "data"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "101.66.165.86");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	/* [f2b]: port and interface */
	assert_int_equal(parse("2014-12-02 03:00:23 auth_plain authenticator failed for (rom182) "
			       "[193.254.202.35]:41556 I=[10.0.0.1]:25: 535 Incorrect "
			       "authentication data (set_id=webmaster)"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "193.254.202.35");
	assert_field(POSTFIX_F_SASL_USERNAME, "webmaster");
	/* [f2b] */
	assert_int_equal(parse("2014-01-12 02:07:48 dovecot_login authenticator failed for "
			       "h1832461.stratoserver.net (User) [85.214.85.40]: 535 Incorrect "
			       "authentication data (set_id=scanner)"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_METHOD, "dovecot_login");
	assert_field(POSTFIX_F_SASL_USERNAME, "scanner");
	/* [exim]: an ident, and text after the set_id */
	assert_int_equal(parse("1999-03-02 09:44:33 defer authenticator failed for (test.host) "
			       "[10.0.0.1] U=CALLER: 435 Unable to authenticate at present "
			       "(set_id=userx): account suspended"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "10.0.0.1");
	assert_field(POSTFIX_F_SASL_USERNAME, "userx");
}

static void test_syslog_lines_and_split_parts(void **state)
{
	(void)state;
	/* through syslog: Exim's own timestamp before the record */
	assert_int_equal(parse_fmt("Nov 27 02:05:13 mx exim[1234]: 2026-11-27 02:05:13 "
				   "1vXyZa-000abc-Ab <= a@b.example H=(w) [192.0.2.9] P=esmtpa "
				   "A=plain:carol S=10", MAILLOG_AUTO), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SASL_USERNAME, "carol");
	assert_int_equal(sl.pid, 1234);
	/* syslog_timestamp = false */
	assert_int_equal(parse_fmt("Nov 27 02:05:13 mx exim4[1234]: 1vXyZa-000abc-Ab Completed",
				   MAILLOG_AUTO), POSTFIX_REMOVED);
	/* a long line split for syslog: the first part is read, the others not */
	assert_int_equal(parse_fmt("Nov 27 02:05:13 mx exim[1]: [1\\2] 2026-11-27 02:05:13 "
				   "fixed_login authenticator failed for (User) [80.82.70.210]: 435 "
				   "Unable to authenticate at present (set_id=abuse@example.net): "
				   "error in perl_startup code", MAILLOG_EXIM), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "80.82.70.210");
	assert_int_equal(parse_fmt("Nov 27 02:05:13 mx exim[1]: [2\\2] (you may need to install "
				   "the Crypt::PasswdMD5 module)", MAILLOG_EXIM), POSTFIX_IGNORED);
	/* other programs are not Exim's */
	assert_int_equal(parse_fmt("Nov 27 02:05:13 mx eximstats[1]: 1vXyZa-000abc-Ab Completed",
				   MAILLOG_EXIM), POSTFIX_FOREIGN);
	assert_int_equal(parse_fmt("Nov 27 02:05:13 mx exim[1]: 1vXyZa-000abc-Ab Completed",
				   MAILLOG_POSTFIX), POSTFIX_FOREIGN);
}

/* log_selector +connection_id (Exim 4.97+): Ci= where Exim describes the
 * client (receive.c add_host_info_for_log(): after U=, before P=;
 * host.c host_and_ident(): after I= and U=).  [exim] lines are from
 * test/log/0230, 0552 and 0900 with the masks filled in (V4NET and
 * ip4.ip4.ip4.ip4 written 192.0.2.x, S=sss as S=1234, pNNNN kept). */
static void test_connection_id_is_read_where_exim_writes_it(void **state)
{
	(void)state;
	/* [exim] 0230: an ident, then Ci=, then P= */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= x@y.x "
			       "H=(test) [192.0.2.7]:1111 U=root Ci=p1234 P=smtp S=1234"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.7");
	assert_field(POSTFIX_F_PROTO, "smtp");
	assert_int_equal(rec.size, 1234);
	/* [exim] 0230: I= then Ci= */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmbC-000000005vi-0000 <= x@y.x "
			       "H=localhost (myhost.test.ex) [127.0.0.1]:1116 I=[127.0.0.1]:1225 "
			       "Ci=p1243 P=esmtp S=1234"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_CLIENT_HOST, "localhost");
	assert_field(POSTFIX_F_HELO, "myhost.test.ex");
	/* [exim] 0552: a local submission: its login still names the uid */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= "
			       "CALLER@myhost.test.ex U=CALLER Ci=p1234 P=local S=1234 for "
			       "userx1@test.ex userx2@test.ex"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_LOCAL_USER, "CALLER");
	assert_field(POSTFIX_F_PROTO, "local");
	/* as a 4.97+ daemon writes it: a pid, TLS and an authenticated login */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-0000000Abcd-Ab12 <= alice@example.org "
			       "H=(laptop) [198.51.100.7]:50312 I=[192.0.2.1]:587 Ci=30416 "
			       "P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no "
			       "A=dovecot_plain:alice@example.org S=2048 id=x@laptop"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SASL_METHOD, "dovecot_plain");
	assert_field(POSTFIX_F_SASL_USERNAME, "alice@example.org");
	assert_field(POSTFIX_F_CLIENT_IP, "198.51.100.7");
	/* the same without Ci= */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-0000000Abcd-Ab12 <= alice@example.org "
			       "H=(laptop) [198.51.100.7]:50312 I=[192.0.2.1]:587 "
			       "P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no "
			       "A=dovecot_plain:alice@example.org S=2048 id=x@laptop"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SASL_USERNAME, "alice@example.org");
	/* a failed login: host_and_ident() ends in Ci= before ": " ([f2b]) */
	assert_int_equal(parse("2024-03-21 19:26:06 dovecot_login authenticator failed for "
			       "(User) [194.169.175.1]:21298 I=[22.33.44.55]:465 Ci=30416: 535 "
			       "Incorrect authentication data (set_id=uaf589@example.com)"),
			 POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_METHOD, "dovecot_login");
	assert_field(POSTFIX_F_CLIENT_IP, "194.169.175.1");
	assert_field(POSTFIX_F_SASL_USERNAME, "uaf589@example.com");
	assert_field(POSTFIX_F_TEXT, "535 Incorrect authentication data "
		     "(set_id=uaf589@example.com)");
	/* [exim] test/log/3400's line with Ci= as 4.97+ adds it after U= */
	assert_int_equal(parse("1999-03-02 09:44:33 plain authenticator failed for "
			       "H=(test.host) [10.0.0.1] U=CALLER Ci=p1234: 535 Incorrect "
			       "authentication data (set_id=eserx)"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "10.0.0.1");
	assert_field(POSTFIX_F_SASL_USERNAME, "eserx");
	/* and without */
	assert_int_equal(parse("1999-03-02 09:44:33 plain authenticator failed for "
			       "H=(test.host) [10.0.0.1] U=CALLER: 535 Incorrect "
			       "authentication data (set_id=eserx)"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_USERNAME, "eserx");
	/* through syslog, with the split marker and Exim's timestamp */
	assert_int_equal(parse_fmt("Nov 27 02:05:13 mx exim[30416]: 2026-11-27 02:05:13 "
				   "login authenticator failed for (x) [203.0.113.4]:4000 "
				   "Ci=30416: 535 Incorrect authentication data (set_id=bob)",
				   MAILLOG_AUTO), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.4");
	assert_field(POSTFIX_F_SASL_USERNAME, "bob");
	/* deliveries never carry it (deliver.c: the server's fields) and parse
	 * as before on a 4.97+ log ([exim] 0230) */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmbB-000000005vi-0000 => x@test.ex "
			       "R=to_server T=remote H=127.0.0.1 [127.0.0.1] I=[127.0.0.1] "
			       "C=\"250 OK id=10HmbC-000000005vi-0000\""), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_IP, "127.0.0.1");
	assert_field(POSTFIX_F_TEXT, "250 OK id=10HmbC-000000005vi-0000");
}

static void test_connection_id_out_of_place_or_malformed_is_unparsed(void **state)
{
	static const char *const lines[] = {
		/* after P= (Exim writes it before), twice, empty, not a word */
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] P=esmtp Ci=1 S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] Ci=1 Ci=2 P=esmtp "
		"S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] Ci= P=esmtp S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] Ci=1;x P=esmtp S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
		"Ci=123456789012345678901 P=esmtp S=1",
		/* a failed login: Ci= before U=, or text where the id goes */
		"2026-11-27 02:05:13 plain authenticator failed for (h) [192.0.2.1] Ci=1 U=x: "
		"535 no",
		"2026-11-27 02:05:13 plain authenticator failed for (h) [192.0.2.1] Ci=1 x: 535 no",
		"2026-11-27 02:05:13 plain authenticator failed for (h) [192.0.2.1] x=1: 535 no",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(parse(lines[i]), POSTFIX_UNPARSED);
}

/* receive.c: pipelining "L" with "*" or "." and "-"; spf logging; SNI
 * unquoted since 4.95. */
static void test_arrival_flags_of_current_exims(void **state)
{
	static const char *const l_forms[] = { "L", "L-", "L*", "L*-", "L.", "L.-" };
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(l_forms) / sizeof(l_forms[0]); i++) {
		snprintf(line, sizeof(line), "1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= "
			 "a@test.ex H=(testclient) [127.0.0.1] P=esmtpa %s A=plain:al S=1234 "
			 "for a@test.ex", l_forms[i]);
		assert_int_equal(parse(line), POSTFIX_QUEUED);
		assert_field(POSTFIX_F_SASL_USERNAME, "al");
	}
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= a@test.ex "
			       "H=(testclient) [127.0.0.1] P=esmtp L*+ S=1234"), POSTFIX_UNPARSED);
	/* [exim] test/log/1113: SNI= unquoted */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmaY-000000005vi-0000 <= "
			       "CALLER@myhost.test.ex H=the.local.host.name (myhost.test.ex) "
			       "[192.0.2.9] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 SNI=fred "
			       "S=1234 id=E10HmaX-000000005vi-0000@myhost.test.ex"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.9");
	/* 4.94 and earlier quoted it; one word either way */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtps X=TLS1.2:x:256 SNI=\"mx.example.org\" S=1"), POSTFIX_QUEUED);
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtps X=TLS1.2:x:256 SNI=\"x A=plain:ceo\" S=1"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtps X=TLS1.2:x:256 SNI=\" S=1"), POSTFIX_UNPARSED);
	/* 4.94's quotes are not escaped: a client's SNI a" A=plain:ceo S=1 x="
	 * closes early and forges a login; Exim's own quote after it closes
	 * too, so the SNI's end is ambiguous and the line UNPARSED */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtps X=TLS1.2:x:256 SNI=\"a\" A=plain:ceo S=1 x=\"\" S=77 "
			       "id=1@b"), POSTFIX_UNPARSED);
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtps X=TLS1.2:x:256 SNI=\"a\" A=plain:ceo S=1 x=\"\" "
			       "A=plain:al S=77 id=1@b"), POSTFIX_UNPARSED);
	/* a quote in what follows S= (id=, T="...") is not a place the SNI
	 * could end: the fields from there do not parse */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtps X=TLS1.2:x:256 SNI=\"mx.example.org\" A=plain:al S=1 "
			       "id=1@b T=\"hello\" from <a@b>"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SASL_USERNAME, "al");
	/* spf / spf_verbose selectors, after L */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "Ci=77 P=esmtp L SPF S=1"), POSTFIX_QUEUED);
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtp SPF=softfail X=TLS1.3:x:256 S=1"), POSTFIX_QUEUED);
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "SPF=softfail P=esmtp S=1"), POSTFIX_UNPARSED);
}

/* ---- lines about a client (exim_event.c) ------------------------------ */

static void test_rejections_give_client_sender_recipient_and_text(void **state)
{
	(void)state;
	/* [exim] test/log/0014 */
	assert_int_equal(parse("1999-03-02 09:44:33 H=(test) [10.0.0.2] U=CALLER "
			       "F=<jules@box3.plc.example> rejected RCPT <userx@test.ex>: Sender "
			       "verify failed"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_HELO, "test");
	assert_field(POSTFIX_F_CLIENT_IP, "10.0.0.2");
	assert_field(POSTFIX_F_FROM, "jules@box3.plc.example");
	assert_field(POSTFIX_F_STAGE, "RCPT");
	assert_field(POSTFIX_F_TO, "userx@test.ex");
	assert_field(POSTFIX_F_TEXT, "Sender verify failed");
	assert_false(postfix_has(&rec, POSTFIX_F_QID));
	/* [f2b]: 4.97's Ci=, TLS fields, an unquoted SNI */
	assert_int_equal(parse("2024-03-21 09:18:51 H=m05.horp.tld [9.12.1.21]:43030 "
			       "I=[194.169.175.2]:25 Ci=7326 CV=no SNI=mail.leone.tld "
			       "F=<user@example.tld> rejected RCPT <locus@leone.tld>: relay not "
			       "permitted"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_CLIENT_HOST, "m05.horp.tld");
	assert_field(POSTFIX_F_CLIENT_IP, "9.12.1.21");
	assert_int_equal(rec.client_port, 43030);
	assert_field(POSTFIX_F_TO, "locus@leone.tld");
	/* [f2b]: an older Exim's unbracketed F=, a recipient as the client
	 * wrote it: all of WHAT is the text */
	assert_int_equal(parse("2013-06-10 18:33:32 [10099] H=(yakult.com.tw) "
			       "[202.132.70.178]:3755 I=[1.2.3.4]:25 "
			       "F=menacedsj04@listserv.eurasia.org rejected RCPT dir@ml3.ru: relay "
			       "not permitted"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_FROM, "menacedsj04@listserv.eurasia.org");
	assert_field(POSTFIX_F_CLIENT_IP, "202.132.70.178");
	assert_false(postfix_has(&rec, POSTFIX_F_TO));
	assert_field(POSTFIX_F_TEXT, "RCPT dir@ml3.ru: relay not permitted");
	/* [exim] test/log/0014: a local SMTP session, no client */
	assert_int_equal(parse("1999-03-02 09:44:33 U=CALLER F=<x@y> rejected RCPT <a@b>"),
			 POSTFIX_REJECT);
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_IP));
	assert_field(POSTFIX_F_TO, "a@b");
	/* an authenticated session's refusal names its login (smtp_in.c
	 * sender_info: F=<S> A=M:U) */
	assert_int_equal(parse("2026-11-27 02:05:13 H=(laptop) [198.51.100.7]:50312 "
			       "I=[192.0.2.1]:587 Ci=30416 X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
			       "CV=no F=<alice@example.org> A=dovecot_plain:alice temporarily "
			       "rejected RCPT <x@example.com>: rate limited"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_SASL_METHOD, "dovecot_plain");
	assert_field(POSTFIX_F_SASL_USERNAME, "alice");
	assert_field(POSTFIX_F_TEXT, "rate limited");
	/* after DATA, with the message id */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab H=(h) [192.0.2.1] "
			       "F=<a@b.example> rejected after DATA: spam"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_QID, "1vXyZa-000abc-Ab");
	assert_field(POSTFIX_F_STAGE, "after DATA");
	assert_field(POSTFIX_F_TEXT, "after DATA: spam");
	/* [f2b]: local_scan()'s refusal: F= first, then an arrival's fields */
	assert_int_equal(parse("2013-06-09 10:21:28 [14127] 1UlasQ-0003fr-45 "
			       "F=mcorporation4@aol.com H=(mail38.fssprus.ru) [46.254.240.82]:43671 "
			       "I=[1.2.3.4]:25 P=esmtp rejected by local_scan(): Rejected"),
			 POSTFIX_REJECT);
	assert_field(POSTFIX_F_QID, "1UlasQ-0003fr-45");
	assert_field(POSTFIX_F_FROM, "mcorporation4@aol.com");
	assert_field(POSTFIX_F_CLIENT_IP, "46.254.240.82");
	assert_field(POSTFIX_F_STAGE, "local_scan");
	assert_field(POSTFIX_F_TEXT, "Rejected");
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab F=<> H=(h) [192.0.2.1] "
			       "Ci=12 P=esmtp temporarily rejected by local_scan(): later"),
			 POSTFIX_REJECT);
	assert_true(postfix_has(&rec, POSTFIX_F_FROM));
	assert_field(POSTFIX_F_FROM, "");
}

static void test_rejection_fields_forged_by_the_client_are_not_taken(void **state)
{
	(void)state;
	/* a quoted local part holding a login and a rejection */
	assert_int_equal(parse("2026-11-27 02:05:13 H=(h) [192.0.2.1] "
			       "F=<\"x> A=plain:ceo rejected RCPT <v@w>\"@evil.test> rejected RCPT "
			       "<a@b>: no"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_FROM, "\"x> A=plain:ceo rejected RCPT <v@w>\"@evil.test");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	assert_field(POSTFIX_F_TO, "a@b");
	/* the client's RCPT argument: text after the first "<..>:" */
	assert_int_equal(parse("2026-11-27 02:05:13 H=(h) [192.0.2.1] F=<a@b> rejected RCPT "
			       "<a@b>: x> H=(h) [6.6.6.6]: no"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.1");
	assert_field(POSTFIX_F_TEXT, "x> H=(h) [6.6.6.6]: no");
	/* an SNI holding fields, a HELO holding a space, a bad address */
	assert_int_equal(parse("2026-11-27 02:05:13 H=(h) [192.0.2.1] SNI=\"x A=plain:ceo\" "
			       "F=<a@b> rejected RCPT <c@d>"), POSTFIX_UNPARSED);
	assert_int_equal(parse("2026-11-27 02:05:13 H=(h A=plain:ceo) [192.0.2.1] F=<a@b> "
			       "rejected RCPT <c@d>"), POSTFIX_UNPARSED);
	assert_int_equal(parse("2026-11-27 02:05:13 H=(h) [ceo] F=<a@b> rejected RCPT <c@d>"),
			 POSTFIX_UNPARSED);
	/* 4.94's quoted SNI closing early (a" F=<x@y> A=plain:ceo rejected
	 * RCPT <v@x>: z): Exim's quote after it closes it too: ambiguous */
	assert_int_equal(parse("2026-11-27 02:05:13 H=(h) [192.0.2.1] X=TLS1.2:x:256 SNI=\"a\" "
			       "F=<x@y> A=plain:ceo rejected RCPT <v@x>: z\" F=<s@d> rejected RCPT "
			       "<r@d>: relay not permitted"), POSTFIX_UNPARSED);
	assert_int_equal(parse("2026-11-27 02:05:13 H=(h) [192.0.2.1] X=TLS1.2:x:256 "
			       "SNI=\"mx.example.org\" F=<s@d> rejected RCPT <r@d>: relay not "
			       "permitted"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_TO, "r@d");
}

static void test_events_about_a_client(void **state)
{
	(void)state;
	/* [f2b] */
	assert_int_equal(parse("2013-06-07 02:02:09 H=treeladders.kiev.ua [91.232.21.92] sender "
			       "verify fail for <mailer@treeladders.kiev.ua>: all relevant MX records "
			       "point to non-existent hosts"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_STATUS, "sender verify fail");
	assert_field(POSTFIX_F_CLIENT_IP, "91.232.21.92");
	assert_field(POSTFIX_F_FROM, "mailer@treeladders.kiev.ua");
	assert_field(POSTFIX_F_TEXT, "all relevant MX records point to non-existent hosts");
	/* [f2b] */
	assert_int_equal(parse("2016-03-19 18:40:44 [26221] SMTP protocol error in \"AUTH LOGIN "
			       "aW5mb0BtYW5iYXQub3Jn\" H=([127.0.0.1]) [92.45.204.170]:14243 "
			       "I=[172.89.0.6]:587 AUTH command used when not advertised"),
			 POSTFIX_EVENT);
	assert_field(POSTFIX_F_STATUS, "SMTP protocol error");
	assert_field(POSTFIX_F_CLIENT_IP, "92.45.204.170");
	assert_field(POSTFIX_F_TEXT, "AUTH command used when not advertised");
	/* [f2b] */
	assert_int_equal(parse("2013-06-02 06:54:20 [13314] SMTP protocol synchronization error "
			       "(input sent without waiting for greeting): rejected connection from "
			       "H=[211.148.195.192]:25936 I=[1.2.3.4]:25 input=\"GET / "
			       "HTTP/1.1\\r\\n\\r\\n\""), POSTFIX_EVENT);
	assert_field(POSTFIX_F_STATUS, "synchronization error");
	assert_field(POSTFIX_F_CLIENT_IP, "211.148.195.192");
	assert_int_equal(parse("2013-06-02 09:05:48 [18505] SMTP protocol synchronization error "
			       "(next input sent too soon: pipelining was not advertised): rejected "
			       "\"RSET\" H=ba77.mx83.fr [82.96.160.77]:58302 I=[1.2.3.4]:25 next "
			       "input=\"QUIT\\r\\n\""), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "82.96.160.77");
	/* [f2b] */
	assert_int_equal(parse("2013-06-02 09:22:05 [19591] SMTP call from "
			       "pc012-6201.spo.scu.edu.tw [163.14.21.161]:3767 I=[1.2.3.4]:25 "
			       "dropped: too many nonmail commands (last was \"RSET\")"),
			 POSTFIX_EVENT);
	assert_field(POSTFIX_F_STATUS, "dropped");
	assert_field(POSTFIX_F_CLIENT_IP, "163.14.21.161");
	assert_field(POSTFIX_F_TEXT, "too many nonmail commands (last was \"RSET\")");
	/* [f2b]: 4.97's Ci= after the interface */
	assert_int_equal(parse("2016-04-01 11:08:00 no MAIL in SMTP connection from (User) "
			       "[192.0.2.29]:20042 I=[192.0.2.1]:25 Ci=8001 D=0.349s "
			       "C=EHLO,AUTH,QUIT"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_STATUS, "no MAIL");
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.29");
	assert_field(POSTFIX_F_TEXT, "D=0.349s C=EHLO,AUTH,QUIT");
	/* [f2b]: a message id before it */
	assert_int_equal(parse("2016-03-21 04:07:49 [25874] 1ahr79-0006jK-G9 SMTP connection "
			       "from (voyeur.webair.com) [174.137.147.204]:44884 I=[172.89.0.6]:25 "
			       "closed by DROP in ACL"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_QID, "1ahr79-0006jK-G9");
	assert_field(POSTFIX_F_STATUS, "closed");
	assert_field(POSTFIX_F_TEXT, "by DROP in ACL");
	assert_field(POSTFIX_F_CLIENT_IP, "174.137.147.204");
	/* [exim] test/log/0230: Ci= before "from" here, and the connection */
	assert_int_equal(parse("1999-03-02 09:44:33 SMTP connection Ci=p1239 from (test) "
			       "[192.0.2.7]:1113 I=[192.0.2.8]:1225 D=3s closed by QUIT"),
			 POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.7");
	assert_int_equal(parse("1999-03-02 09:44:33 SMTP connection from [127.0.0.1]:1114 "
			       "I=[127.0.0.1]:1225 Ci=p1240 (TCP/IP connection count = 1)"),
			 POSTFIX_CONNECT);
	assert_field(POSTFIX_F_CLIENT_IP, "127.0.0.1");
	assert_int_equal(rec.client_port, 1114);
	assert_int_equal(rec.count, 1);
	/* [f2b]: host.c's lookups */
	assert_int_equal(parse("2017-12-03 08:32:00 no host name found for IP address "
			       "192.0.2.8"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.8");
	assert_int_equal(parse("2022-04-03 21:53:53 no IP address found for host "
			       "hos-t.example.tld (during SMTP connection from [63.85.123.6]:49390 "
			       "I=[31.130.202.17]:25)"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_STATUS, "no IP address found");
	assert_field(POSTFIX_F_CLIENT_IP, "63.85.123.6");
	assert_field(POSTFIX_F_TEXT, "hos-t.example.tld");
}

static void test_client_forged_in_a_command_is_not_taken(void **state)
{
	(void)state;
	/* [f2b]: before 4.98 the command's quotes were not escaped; the forged
	 * client is not followed by a space, the real one is */
	assert_int_equal(parse("2017-11-28 14:14:32 SMTP protocol error in \"aUtH lOgIn\" "
			       "H=(test) [8.8.8.8]\" H=(roxzgj) [192.0.2.6] AUTH command used when "
			       "not advertised"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.6");
	/* two that parse: neither is taken */
	assert_int_equal(parse("2017-11-28 14:14:32 SMTP protocol error in \"x\" H=(a) "
			       "[6.6.6.6] y\" H=(b) [192.0.2.7] AUTH command used when not "
			       "advertised"), POSTFIX_EVENT);
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_IP));
	assert_false(postfix_has(&rec, POSTFIX_F_TEXT));
	/* one forged that parses, then enough that do not to push the real
	 * client past the positions tried: none is taken */
	assert_int_equal(parse("2017-11-28 14:14:32 SMTP protocol error in \"x\" H=(a) "
			       "[6.6.6.6] \" H=( \" H=( \" H=( \" H=( \" H=( \" H=( \" H=(\" "
			       "H=(b) [192.0.2.7] AUTH command used when not advertised"),
			 POSTFIX_EVENT);
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_IP));
	assert_int_equal(parse("2013-06-02 09:05:48 SMTP protocol synchronization error (next "
			       "input sent too soon: pipelining was not advertised): rejected "
			       "\"x\" H=(a) [6.6.6.6] next input=\" H=( \" H=( \" H=( \" H=( "
			       "\" H=( \" H=( \" H=(\" H=(b) [192.0.2.7] next input=\"QUIT\""),
			 POSTFIX_EVENT);
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_IP));
	/* a client forged after the real one is text */
	assert_int_equal(parse("2026-11-27 02:05:13 SMTP call from (h) [192.0.2.9] dropped: too "
			       "many syntax or protocol errors (last command was \"x\" H=(e) "
			       "[6.6.6.6] \", C=EHLO)"), POSTFIX_EVENT);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.9");
}

/* A syslog line whose timestamp is written as Exim's ([f2b]: an rsyslog
 * template): the host, program and pid are the syslog tag's. */
static void test_syslog_tag_after_an_exim_timestamp(void **state)
{
	static const char line[] = "2019-10-22 03:39:17 mx1.fqdn.local exim[29786]: "
				   "dovecot_login authenticator failed for (User) [192.0.2.37]: 535 "
				   "Incorrect authentication data (set_id=test@domain.com)";

	(void)state;
	assert_int_equal(exim_header(&sl, line, strlen(line)), SYSLOG_OK);
	assert_slice(sl.host, "mx1.fqdn.local");
	assert_slice(sl.program, "exim");
	assert_int_equal(sl.pid, 29786);
	assert_int_equal(parse(line), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.37");
	assert_field(POSTFIX_F_SASL_USERNAME, "test@domain.com");
	/* [f2b]: Exim's [pid] after the tag */
	assert_int_equal(parse("2016-04-01 11:08:00 info exim4[8003]: [8003] SMTP protocol error "
			       "in \"AUTH LOGIN\" H=(User) [192.0.2.29]:4816 I=[192.0.2.1]:25 "
			       "Ci=8003 LOGIN authentication mechanism not supported"),
			 POSTFIX_EVENT);
	assert_slice(sl.program, "exim4");
	assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.29");
	/* another program's tag is no tag: the whole is Exim's message */
	assert_int_equal(parse("2019-10-22 03:39:17 mx1 postfix[1]: x"), POSTFIX_IGNORED);
	assert_slice(sl.program, "exim");
	assert_slice(sl.msg, "mx1 postfix[1]: x");
	/* nor is one in Exim's own line: a client's PTR name holding a space
	 * and a forged arrival */
	assert_int_equal(parse("2026-11-27 02:05:13 H=x exim[1]: 1vXyZa-000abc-Ab <= a@b H=(h) "
			       "[192.0.2.1] P=esmtpa A=plain:ceo S=1 (h) [203.0.113.9] F=<a@b> "
			       "rejected RCPT <c@d>"), POSTFIX_UNPARSED);
	assert_slice(sl.host, "");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
}

/* ---- hostile lines -------------------------------------------------------- */

static void test_login_inside_a_quoted_sender_is_not_an_identity(void **state)
{
	(void)state;
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= \"x A=plain:ceo\"@evil.test "
			       "H=(evil) [203.0.113.9] P=esmtp S=100"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_FROM, "\"x A=plain:ceo\"@evil.test");
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.9");
	/* an escaped quote does not end the quoted part */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= \"x\\\" A=plain:ceo "
			       "S=1\"@evil.test H=(evil) [203.0.113.9] P=esmtp S=100"),
			 POSTFIX_QUEUED);
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	assert_int_equal(rec.size, 100);
}

static void test_fields_after_the_size_are_never_read(void **state)
{
	(void)state;
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@evil.test H=(evil) "
			       "[203.0.113.9] P=esmtp S=100 id=x A=plain:ceo "
			       "T=\"H=(x) [10.0.0.1] A=plain:ceo\" for a@b"), POSTFIX_QUEUED);
	assert_false(postfix_has(&rec, POSTFIX_F_SASL_USERNAME));
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.9");
}

static void test_misplaced_or_repeated_fields_are_unparsed(void **state)
{
	static const char *const lines[] = {
		/* A= before P=, twice, after an unknown field */
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] A=plain:ceo P=esmtpa "
		"S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] P=esmtpa A=plain:x "
		"A=plain:ceo S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] Q=x A=plain:ceo S=1",
		/* an unquoted space in the sender reads as a field out of order */
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= x P=esmtpa A=plain:ceo S=1@evil.test "
		"H=(h) [192.0.2.1] P=esmtp S=100",
		/* a HELO holding a space, a ')' or no address after it */
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h A=plain:ceo) [192.0.2.1] P=esmtp "
		"S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h)) [192.0.2.1] P=esmtp S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [ceo] P=esmtp S=1",
		/* no size, an unbalanced quote, nothing after the flag */
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] P=esmtpa A=plain:ceo",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= \"a@b H=(h) [192.0.2.1] P=esmtp S=1",
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab => ",
		/* an authenticator failure without an address */
		"2026-11-27 02:05:13 plain authenticator failed for (h) x: 535 nope",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(parse(lines[i]), POSTFIX_UNPARSED);
}

static void test_relay_forged_in_a_recipient_is_not_taken(void **state)
{
	(void)state;
	/* Exim logs a delivered local part unquoted: the forged routing fields
	 * parse too, so the relay is ambiguous and left out; the status stays */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab => a R=x T=y H=evil "
			       "[6.6.6.6] z@victim.example R=dnslookup T=remote_smtp "
			       "H=mx.victim.example [192.0.2.25]"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_false(postfix_has(&rec, POSTFIX_F_RELAY_IP));
	/* one that cannot parse is skipped */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab => a R=x H=evil "
			       "[6.6.6.6]@victim.example R=dnslookup T=remote_smtp "
			       "H=mx.victim.example [192.0.2.25]"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_IP, "192.0.2.25");
	assert_field(POSTFIX_F_TO, "a R=x H=evil [6.6.6.6]@victim.example");
	/* one forged that parses, then enough that do not to push the real
	 * fields past the positions tried: ambiguous all the same */
	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab => a R=x H=evil [6.6.6.6] "
			       "R=( R=( R=( R=( R=( R=( R=(@victim.example R=dnslookup "
			       "T=remote_smtp H=mx.victim.example [192.0.2.25]"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_false(postfix_has(&rec, POSTFIX_F_RELAY_IP));
}

static void test_set_id_holding_fields_is_evidence_only(void **state)
{
	(void)state;
	assert_int_equal(parse("2026-11-27 02:05:13 plain authenticator failed for (h) "
			       "[203.0.113.5]:2525: 535 Incorrect authentication data "
			       "(set_id=[192.0.2.1]:25 U=x (set_id=ceo)"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.5");
	assert_field(POSTFIX_F_SASL_USERNAME, "[192.0.2.1]:25 U=x (set_id=ceo");
}

static void test_nul_invalid_utf8_and_64k_values(void **state)
{
	static const char nul[] = "2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
				  "P=esmtpa A=plain:ce\0o S=1";
	char buf[POSTFIX_TEXT_MAX];
	size_t n = 65536;
	char *line = malloc(n + 256);
	int len;

	(void)state;
	assert_int_equal(maillog_header(&sl, nul, sizeof(nul) - 1, REF, MAILLOG_EXIM), SYSLOG_OK);
	assert_int_equal(maillog_parse(&rec, MAILLOG_EXIM, &sl, NULL), POSTFIX_UNPARSED);

	assert_int_equal(parse("2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) [192.0.2.1] "
			       "P=esmtpa A=plain:ce\xed\xa0\x80o S=1"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SASL_USERNAME, "ce\xed\xa0\x80o");
	assert_true(slice_copy(buf, sizeof(buf), postfix_get(&rec, POSTFIX_F_SASL_USERNAME)));
	assert_string_equal(buf, "ce" UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT "o");

	len = snprintf(line, 256, "2026-11-27 02:05:13 1vXyZa-000abc-Ab <= a@b H=(h) "
		       "[192.0.2.1] P=esmtpa A=plain:");
	memset(line + len, 'u', n);
	strcpy(line + len + n, " S=1");
	assert_int_equal(parse(line), POSTFIX_QUEUED);
	assert_true(rec.truncated);
	assert_int_equal(postfix_get(&rec, POSTFIX_F_SASL_USERNAME).n, n);
	free(line);
}

static void test_local_arrival_names_its_login_by_structure(void **state)
{
	(void)state;
	/* [deb12]: a cron job's mail, and one through exim -bs */
	assert_int_equal(parse("2026-11-27 10:00:00 1abcDE-000123-AB <= alice@example.com "
			       "U=alice P=local S=123 id=E1abcDE-000123-AB@mx.example.com"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_LOCAL_USER, "alice");
	assert_false(postfix_has(&rec, POSTFIX_F_CLIENT_IP));
	assert_int_equal(parse("2026-11-27 10:00:01 1abcDF-000124-AB <= bob@mx.example.com "
			       "U=bob P=local-esmtp S=456 id=20261127100001.GA1@mx.example.com"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_LOCAL_USER, "bob");
	/* after H=, U= is the client's ident: not a local user */
	assert_int_equal(parse("1999-03-02 09:44:33 10HmbC-000000005vi-0000 <= "
			       "userx@cus.cam.ac.uk H=(test.host) [10.0.0.1] U=CALLER P=esmtpa "
			       "A=login:userx S=1234"), POSTFIX_QUEUED);
	assert_false(postfix_has(&rec, POSTFIX_F_LOCAL_USER));
	/* U= in the sender, quoted or not, is the sender */
	assert_int_equal(parse("2026-11-27 10:00:02 1abcDG-000125-AB <= U=root@evil.test "
			       "U=www-data P=local S=1"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_FROM, "U=root@evil.test");
	assert_field(POSTFIX_F_LOCAL_USER, "www-data");
	assert_int_equal(parse("2026-11-27 10:00:02 1abcDG-000125-AB <= \"x U=root P=local\""
			       "@evil.test U=www-data P=local S=1"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_LOCAL_USER, "www-data");
	/* after S= (id=, the subject) nothing is read */
	assert_int_equal(parse("2026-11-27 10:00:03 1abcDH-000126-AB <= alice@example.com "
			       "P=local S=1 id=U=root@evil.test T=\"U=root\" for x@example.net"),
			 POSTFIX_QUEUED);
	assert_false(postfix_has(&rec, POSTFIX_F_LOCAL_USER));
}

static void test_misplaced_repeated_or_empty_login_is_unparsed(void **state)
{
	static const char *const lines[] = {
		"2026-11-27 10:00:04 1abcDI-000127-AB <= a@example.com P=local U=root S=1",
		"2026-11-27 10:00:04 1abcDI-000127-AB <= a@example.com U=alice U=root P=local S=1",
		"2026-11-27 10:00:04 1abcDI-000127-AB <= a@example.com U= P=local S=1",
		"2026-11-27 10:00:04 1abcDI-000127-AB <= a@example.com U=root H=[192.0.2.1] "
		"P=esmtp S=1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(parse(lines[i]), POSTFIX_UNPARSED);
}

/* ---- the feed: one arrival line, two records ---------------------------------- */

static void test_arrival_line_gives_identity_and_acceptance(void **state)
{
	/* [exim] with S=sss as S=1234, then a message of another client */
	static const char *const lines[] = {
		"1999-03-02 09:44:33 10HmbC-000000005vi-0000 <= userx@cus.cam.ac.uk H=(test.host) "
		"[10.0.0.1] U=CALLER P=esmtpa A=login:userx S=1234",
		"1999-03-02 09:44:33 10HmbC-000000005vi-0000 => userx <userx@test.ex> R=localuser "
		"T=appendfile",
		"1999-03-02 09:44:33 10HmbC-000000005vi-0000 Completed",
		"1999-03-02 09:44:34 10HmbD-000000005vi-0000 <= x@y H=(testing.testing) [10.0.0.5] "
		"U=CALLER P=esmtp S=1234",
		"1999-03-02 09:44:34 10HmbD-000000005vi-0000 == x@remote.example R=dnslookup "
		"T=remote_smtp defer (-44) H=mx.remote.example [192.0.2.25]: SMTP error from remote "
		"mail server after RCPT TO:<x@remote.example>: 451 4.7.1 Greylisted",
		"1999-03-02 09:44:35 10HmbD-000000005vi-0000 ** x@remote.example R=dnslookup "
		"T=remote_smtp H=mx.remote.example [192.0.2.25]: SMTP error from remote mail server "
		"after RCPT TO:<x@remote.example>: 550 5.1.1 User unknown",
		/* a local submission of a user this host does not have: no identity */
		"1999-03-02 09:44:36 10HmbE-000000005vi-0000 <= localuser@host.tld "
		"U=nosuchuser-zq7 P=local S=1512",
	};

	(void)state;
	feed_lines(lines, sizeof(lines) / sizeof(lines[0]), 0);
	assert_int_equal(seen.clients, 2);
	assert_int_equal(seen.accepted, 2);
	assert_string_equal(seen.identity[0], "sasl:userx");
	assert_string_equal(seen.identity[1], "client:10.0.0.5");
	assert_int_equal(seen.sent, 1);
	assert_int_equal(seen.deferred, 1);
	assert_int_equal(seen.bounced, 1);
	/* Completed removed the first; the second waits for its own */
	assert_int_equal(seen.in_flight, 1);
}

static void test_forged_login_in_sender_or_subject_gives_client_identity(void **state)
{
	static const char *const lines[] = {
		"2026-11-27 02:05:13 1vXyZa-000abc-Ab <= \"x A=plain:ceo\"@evil.test H=(evil) "
		"[203.0.113.9] P=esmtp S=100 T=\"A=dovecot_plain:ceo\"",
	};

	(void)state;
	feed_lines(lines, 1, 0);
	assert_int_equal(seen.accepted, 1);
	assert_string_equal(seen.identity[0], "client:203.0.113.9");
}

/* "uid:N" of a user of this host. */
static const char *uid_of(const char *name)
{
	static char id[32];
	const struct passwd *pw = getpwnam(name);

	assert_non_null(pw);
	snprintf(id, sizeof(id), "uid:%lu", (unsigned long)pw->pw_uid);
	return id;
}

static void test_local_submission_counts_under_the_uid_of_its_login(void **state)
{
	static const char *const lines[] = {
		/* [deb12] */
		"2026-11-27 10:00:00 1abcDE-000123-AB <= root@mx.example.com U=root P=local "
		"S=805 id=E1abcDE-000123-AB@mx.example.com",
		"2026-11-27 10:00:00 1abcDE-000123-AB => root <root@mx.example.com> "
		"R=local_user T=mail_spool",
		"2026-11-27 10:00:00 1abcDE-000123-AB Completed",
		/* a web script's mail through sendmail(1), U= forged in its sender */
		"2026-11-27 10:00:01 1abcDF-000124-AB <= U=root@evil.test U=www-data P=local "
		"S=2210 id=E1abcDF-000124-AB@mx.example.com T=\"U=root\"",
		"2026-11-27 10:00:02 1abcDF-000124-AB => victim@example.net R=dnslookup "
		"T=remote_smtp H=mx.example.net [198.51.100.25] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
		"CV=yes C=\"250 2.0.0 Ok: queued as 4F3A21C0B2\"",
		/* SMTP from a client with an ident, and SMTP AUTH: as before */
		"2026-11-27 10:00:03 1abcDG-000125-AB <= a@b.example H=(w) [203.0.113.9]:41000 "
		"U=root P=esmtp S=100",
		"2026-11-27 10:00:04 1abcDH-000126-AB <= c@d.example H=(w) [203.0.113.10]:41001 "
		"P=esmtpsa A=dovecot_plain:carol S=100",
	};
	struct maillog_feed_stats st;
	char www[32];

	(void)state;
	snprintf(www, sizeof(www), "%s", uid_of("www-data"));
	st = feed_lines(lines, sizeof(lines) / sizeof(lines[0]), 0);
	assert_int_equal(seen.accepted, 4);
	assert_string_equal(seen.identity[0], "uid:0");
	assert_string_equal(seen.identity[1], www);
	assert_string_equal(seen.identity[2], "client:203.0.113.9");
	assert_string_equal(seen.identity[3], "sasl:carol");
	assert_int_equal(seen.sent, 2);
	assert_int_equal(st.local_uids, 2);
	assert_int_equal(st.unknown_users, 0);
}

/* Exim's own bounce names the Exim user in U=, as Postfix's bounce daemon
 * names nobody: the MTA's mail is no local user's. */
static void test_exims_own_bounce_has_no_identity(void **state)
{
	static const char *const lines[] = {
		"2026-11-27 10:00:00 1abcDE-000123-AB <= <> R=1abcDD-000122-AB U=root P=local "
		"S=2210",
		/* a local user's own null-sender mail still counts under its uid */
		"2026-11-27 10:00:01 1abcDF-000124-AB <= <> U=root P=local S=100",
	};
	struct maillog_feed_stats st;

	(void)state;
	st = feed_lines(lines, sizeof(lines) / sizeof(lines[0]), 0);
	assert_int_equal(seen.accepted, 1);
	assert_string_equal(seen.identity[0], "uid:0");
	assert_int_equal(st.local_uids, 1);
}

/* [deb12] A stolen account's spam to a dead address: Exim bounces it to
 * the forged sender, where the bounce fails too (and is frozen). */
static const char *const exim_storm[] = {
	"2026-11-27 10:00:00 1abcDE-000123-AB <= ceo@forged.example H=(pc) "
	"[203.0.113.66]:41000 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no "
	"A=dovecot_plain:mallory S=2201 id=1@forged.example",
	"2026-11-27 10:00:01 1abcDE-000123-AB ** x@dead.example R=dnslookup T=remote_smtp "
	"H=mx.dead.example [198.51.100.9] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP "
	"error from remote mail server after RCPT TO:<x@dead.example>: 550 5.1.1 no such user",
	"2026-11-27 10:00:01 1abcDF-000124-AB <= <> R=1abcDE-000123-AB U=Debian-exim P=local "
	"S=3520 T=\"Mail delivery failed: returning message to sender\" for ceo@forged.example",
	"2026-11-27 10:00:01 1abcDE-000123-AB Completed",
	"2026-11-27 10:00:02 1abcDF-000124-AB ** ceo@forged.example R=dnslookup T=remote_smtp "
	"H=mx.forged.example [192.0.2.25]: SMTP error from remote mail server after RCPT "
	"TO:<ceo@forged.example>: 550 5.1.1 no such user",
	"2026-11-27 10:00:02 1abcDF-000124-AB Frozen (delivery error message)",
};

static void test_exims_bounce_is_a_notification_of_the_account_whose_mail_bounced(void **state)
{
	struct maillog_feed_stats st;

	(void)state;
	st = feed_lines(exim_storm, sizeof(exim_storm) / sizeof(exim_storm[0]), 0);
	/* mallory's one message, and a notification about it in her name */
	assert_int_equal(seen.accepted, 1);
	assert_string_equal(seen.identity[0], "sasl:mallory");
	assert_int_equal(st.notifications, 1);
	assert_int_equal(seen.notified, 1);
	assert_string_equal(seen.notice[0].identity, "sasl:mallory");
	assert_string_equal(seen.notice[0].about, "1abcDE-000123-AB");
	assert_int_equal(seen.notice[0].kind, MSG_NOTIFY_FAILURE);
	/* the bounce's own failure is reported as a notification's */
	assert_int_equal(seen.bounced, 2);
	assert_int_equal(seen.notice_status[MSG_BOUNCED], 1);
}

static void test_exims_notification_kind_follows_the_messages_deliveries(void **state)
{
	static const char *const lines[] = {
		/* [exim] test/log/0224 (U=root for CALLER): a delay warning after
		 * deferrals only */
		"1999-03-02 09:44:33 10HmaZ-000000005vi-0000 <= CALLER@test.ex U=root P=local "
		"S=1234",
		"1999-03-02 09:44:33 10HmaZ-000000005vi-0000 == defer@test.ex <userxy@test.ex> "
		"R=alias defer (-1): not just yet",
		"1999-03-02 09:44:33 10HmbA-000000005vi-0000 <= <> R=10HmaZ-000000005vi-0000 "
		"U=root P=local S=1234",
		/* a DSN of success (NOTIFY=SUCCESS) after a delivery */
		"2026-11-27 10:00:00 1abcDE-000123-AB <= a@example.com H=(pc) [203.0.113.5] "
		"P=esmtpa A=plain:alice S=100",
		"2026-11-27 10:00:01 1abcDE-000123-AB => b@example.net R=dnslookup T=remote_smtp "
		"H=mx.example.net [198.51.100.25] C=\"250 2.0.0 Ok\"",
		"2026-11-27 10:00:01 1abcDF-000124-AB <= <> R=1abcDE-000123-AB U=Debian-exim "
		"P=local S=1990",
		/* the DSN bounces, frozen: freeze_tell mails the postmaster about it */
		"2026-11-27 10:00:02 1abcDF-000124-AB ** a@example.com R=dnslookup "
		"T=remote_smtp H=mx.example.com [192.0.2.7]: SMTP error from remote mail server "
		"after RCPT TO:<a@example.com>: 550 5.1.1 gone",
		"2026-11-27 10:00:02 1abcDG-000125-AB <= <> R=1abcDF-000124-AB U=Debian-exim "
		"P=local S=900",
	};
	struct maillog_feed_stats st;

	(void)state;
	st = feed_lines(lines, sizeof(lines) / sizeof(lines[0]), 0);
	assert_int_equal(st.notifications, 3);
	assert_int_equal(seen.notified, 3);
	assert_int_equal(seen.notice[0].kind, MSG_NOTIFY_DELAY);
	assert_string_equal(seen.notice[0].identity, "uid:0");
	assert_string_equal(seen.notice[0].about, "10HmaZ-000000005vi-0000");
	assert_int_equal(seen.notice[1].kind, MSG_NOTIFY_SUCCESS);
	assert_string_equal(seen.notice[1].identity, "sasl:alice");
	assert_int_equal(seen.notice[2].kind, MSG_NOTIFY_POSTMASTER);
	assert_string_equal(seen.notice[2].identity, "sasl:alice");
	assert_string_equal(seen.notice[2].about, "1abcDF-000124-AB");
	assert_int_equal(seen.accepted, 2);	/* root's and alice's, no notification */
}

/* -E<id> and -f <> are open to every local user: a user's own null-sender
 * mail naming another's message is still that user's, never a notification
 * charged to the other account; Exim's mail from an address is no bounce. */
static void test_null_sender_mail_naming_a_message_from_a_user_is_the_users(void **state)
{
	const char *const lines[] = {
		exim_storm[0],
		"2026-11-27 10:00:01 1abcDF-000124-AB <= <> R=1abcDE-000123-AB U=www-data "
		"P=local S=2210",
		"2026-11-27 10:00:02 1abcDF-000124-AB ** x@dead.example R=dnslookup "
		"T=remote_smtp H=mx.dead.example [198.51.100.9]: SMTP error from remote mail "
		"server after RCPT TO:<x@dead.example>: 550 5.1.1 no such user",
		/* a Sieve notify, from its owner's address */
		"2026-11-27 10:00:03 1abcDG-000125-AB <= owner@example.com R=1abcDE-000123-AB "
		"U=Debian-exim P=local S=700",
	};
	struct maillog_feed_stats st;
	char www[32];

	(void)state;
	snprintf(www, sizeof(www), "%s", uid_of("www-data"));
	st = feed_lines(lines, sizeof(lines) / sizeof(lines[0]), 0);
	assert_int_equal(st.notifications, 0);
	assert_int_equal(seen.notified, 0);
	assert_int_equal(seen.accepted, 2);
	assert_string_equal(seen.identity[0], "sasl:mallory");
	assert_string_equal(seen.identity[1], www);
	assert_int_equal(seen.notice_status[MSG_BOUNCED], 0);
}

static void test_local_submission_of_no_user_here_has_no_identity(void **state)
{
	char overlong[400], line[600];
	const char *lines[] = {
		"2026-11-27 10:00:00 1abcDE-000123-AB <= x@mx.example.com U=nosuchuser-zq7 "
		"P=local S=1",
		/* not a login name: never asked */
		"2026-11-27 10:00:00 1abcDF-000123-AB <= x@mx.example.com U=-root P=local S=1",
		"2026-11-27 10:00:00 1abcDG-000123-AB <= x@mx.example.com U=ro;ot P=local S=1",
		"2026-11-27 10:00:00 1abcDH-000123-AB <= x@mx.example.com U=r\xc3\xb6ot P=local S=1",
		line,
		/* a number that is no name here: Exim's unknown_login = $caller_uid */
		"2026-11-27 10:00:00 1abcDI-000123-AB <= x@mx.example.com U=4242 P=local S=1",
		"2026-11-27 10:00:00 1abcDJ-000123-AB <= x@mx.example.com U=04242 P=local S=1",
		"2026-11-27 10:00:00 1abcDK-000123-AB <= x@mx.example.com U=4294967295 P=local S=1",
	};
	struct maillog_feed_stats st;

	(void)state;
	assert_null(getpwnam("nosuchuser-zq7"));
	assert_null(getpwnam("4242"));
	memset(overlong, 'a', sizeof(overlong) - 1);
	overlong[sizeof(overlong) - 1] = '\0';
	snprintf(line, sizeof(line), "2026-11-27 10:00:00 1abcDL-000123-AB <= x@mx.example.com "
		 "U=%s P=local S=1", overlong);
	st = feed_lines(lines, sizeof(lines) / sizeof(lines[0]), 0);
	assert_int_equal(seen.accepted, 1);
	assert_string_equal(seen.identity[0], "uid:4242");
	assert_int_equal(st.local_uids, 1);
	assert_int_equal(st.unknown_users, 7);
	assert_int_equal(st.user_lookups, 4);	/* the names of the login name set */
}

static void test_login_names_are_looked_up_once_and_kept_bounded(void **state)
{
	enum { N = 10 + USER_CACHE + 1 };
	static char text[N][128];
	const char *lines[N];
	struct maillog_feed_stats st;
	int i = 0;

	(void)state;
	for (; i < 10; i++)
		snprintf(text[i], sizeof(text[i]), "2026-11-27 10:00:%02d 1abcD%c-000123-AB <= "
			 "root@mx.example.com U=root P=local S=1", i, 'A' + i);
	for (; i < 10 + USER_CACHE; i++)	/* root is the oldest name, then gone */
		snprintf(text[i], sizeof(text[i]), "2026-11-27 10:01:00 1abc%02d-000123-AB <= "
			 "x@mx.example.com U=nosuchuser-%d P=local S=1", i, i);
	snprintf(text[i], sizeof(text[i]), "2026-11-27 10:02:00 1abcZZ-000123-AB <= "
		 "root@mx.example.com U=root P=local S=1");
	for (i = 0; i < N; i++)
		lines[i] = text[i];
	st = feed_lines(lines, N, 0);
	assert_int_equal(st.local_uids, 11);
	assert_int_equal(st.unknown_users, USER_CACHE);
	assert_int_equal(st.user_lookups, 1 + USER_CACHE + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mainlog_line_has_time_program_and_message),
		cmocka_unit_test(test_mainlog_pid_fraction_and_zone),
		cmocka_unit_test(test_mainlog_header_refuses_what_is_not_one),
		cmocka_unit_test(test_mainlog_lines_need_format_auto_or_exim),
		cmocka_unit_test(test_authenticated_arrival_gives_client_and_login),
		cmocka_unit_test(test_arrival_forms_of_exim_versions),
		cmocka_unit_test(test_unauthenticated_and_local_arrivals),
		cmocka_unit_test(test_deliveries_give_status_recipient_and_relay),
		cmocka_unit_test(test_completed_removes_and_others_are_ignored),
		cmocka_unit_test(test_authenticator_failures_give_client_and_login_tried),
		cmocka_unit_test(test_syslog_lines_and_split_parts),
		cmocka_unit_test(test_connection_id_is_read_where_exim_writes_it),
		cmocka_unit_test(test_connection_id_out_of_place_or_malformed_is_unparsed),
		cmocka_unit_test(test_arrival_flags_of_current_exims),
		cmocka_unit_test(test_rejections_give_client_sender_recipient_and_text),
		cmocka_unit_test(test_rejection_fields_forged_by_the_client_are_not_taken),
		cmocka_unit_test(test_events_about_a_client),
		cmocka_unit_test(test_client_forged_in_a_command_is_not_taken),
		cmocka_unit_test(test_syslog_tag_after_an_exim_timestamp),
		cmocka_unit_test(test_login_inside_a_quoted_sender_is_not_an_identity),
		cmocka_unit_test(test_fields_after_the_size_are_never_read),
		cmocka_unit_test(test_misplaced_or_repeated_fields_are_unparsed),
		cmocka_unit_test(test_relay_forged_in_a_recipient_is_not_taken),
		cmocka_unit_test(test_set_id_holding_fields_is_evidence_only),
		cmocka_unit_test(test_nul_invalid_utf8_and_64k_values),
		cmocka_unit_test(test_local_arrival_names_its_login_by_structure),
		cmocka_unit_test(test_misplaced_repeated_or_empty_login_is_unparsed),
		cmocka_unit_test(test_arrival_line_gives_identity_and_acceptance),
		cmocka_unit_test(test_forged_login_in_sender_or_subject_gives_client_identity),
		cmocka_unit_test(test_local_submission_counts_under_the_uid_of_its_login),
		cmocka_unit_test(test_exims_own_bounce_has_no_identity),
		cmocka_unit_test(test_exims_bounce_is_a_notification_of_the_account_whose_mail_bounced),
		cmocka_unit_test(test_exims_notification_kind_follows_the_messages_deliveries),
		cmocka_unit_test(test_null_sender_mail_naming_a_message_from_a_user_is_the_users),
		cmocka_unit_test(test_local_submission_of_no_user_here_has_no_identity),
		cmocka_unit_test(test_login_names_are_looked_up_once_and_kept_bounded),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
