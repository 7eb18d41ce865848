// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_syslog.c - syslog_parse() on lines that start with "<PRI>": RFC
 * 3164 and RFC 3339 lines as relays and collectors keep them, and RFC
 * 5424 lines (syslog.h), then the whole reader (maillog_header() and
 * maillog_parse(), format.h) on Postfix, Exim and Sendmail lines so
 * written.  Hostile lines: bad PRI, structured data with escapes or cut,
 * fields missing, overlong or holding bytes no header may hold.
 *
 * Sources: [rfc5424] the examples of RFC 5424 section 6.5; [rsyslog]
 * rsyslog's RSYSLOG_SyslogProtocol23Format as rsyslog issue #160 shows
 * it ("- - -  test123": MSG keeps the space after the 3164 tag).  The
 * other lines are the Postfix, Exim and Sendmail lines of test_maillog.c,
 * test_exim.c and test_sendmail.c under these headers.  TZ=UTC.
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
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "testutil.h"

/* REF (testutil.h) is an hour after the lines below */
#define T_NOV27_020513 ((time_t)1795745113)

static int split(const char *line)
{
	memset(&sl, 0xa5, sizeof(sl));
	return syslog_parse(&sl, line, strlen(line), REF);
}

/* ---- <PRI> before the forms read without it ----------------------------- */

static void test_pri_before_an_rfc3164_line_is_read_past(void **state)
{
	(void)state;
	assert_int_equal(split("<22>Nov 27 02:05:13 mx1 postfix/smtpd[12345]: connect from "
			       "unknown[192.0.2.1]"), SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_slice(sl.host, "mx1");
	assert_slice(sl.program, "postfix/smtpd");
	assert_int_equal(sl.pid, 12345);
	assert_slice(sl.msg, "connect from unknown[192.0.2.1]");
	/* the lowest and the highest PRI, a one-digit day */
	assert_int_equal(split("<0>Nov  7 02:05:13 mx1 postfix/qmgr[1]: x"), SYSLOG_OK);
	assert_int_equal(split("<191>Nov 27 02:05:13 mx1 postfix/qmgr[1]: x"), SYSLOG_OK);
	/* the same line without PRI after it: the caches are not fooled */
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: y"), SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_slice(sl.msg, "y");
}

static void test_pri_before_an_rfc3339_line_is_read_past(void **state)
{
	(void)state;
	assert_int_equal(split("<22>2026-11-27T02:05:13.123456+00:00 mx1 postfix/smtpd[7]: x"),
			 SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 123456);
	assert_int_equal(sl.pid, 7);
	assert_slice(sl.msg, "x");
}

static void test_bad_pri_is_unparsed(void **state)
{
	static const char *const lines[] = {
		"<999>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",	/* above 191 */
		"<192>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<01>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",	/* leading zero */
		"<00>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<1234>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<-1>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<2a>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<22 Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<22><22>Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",	/* one PRI only */
		"<22> Nov 27 02:05:13 mx1 postfix/smtpd[1]: x",
		"<22>", "<", "<22>1", "<22>1 ",
		"<22>2 2026-11-27T02:05:13Z mx1 postfix/smtpd 1 - - x",	/* VERSION 2 */
		"<22>01 2026-11-27T02:05:13Z mx1 postfix/smtpd 1 - - x",
		"<22>1000 2026-11-27T02:05:13Z mx1 postfix/smtpd 1 - - x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(split(lines[i]), SYSLOG_UNPARSED);
}

/* ---- RFC 5424 --------------------------------------------------------------- */

static void test_rfc5424_line_splits_into_time_host_program_pid_message(void **state)
{
	(void)state;
	assert_int_equal(split("<22>1 2026-11-27T02:05:13.123456+00:00 mx1 postfix/smtpd 12345 "
			       "- - connect from unknown[192.0.2.1]"), SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 123456);
	assert_slice(sl.host, "mx1");
	assert_slice(sl.program, "postfix/smtpd");
	assert_int_equal(sl.pid, 12345);
	assert_slice(sl.msg, "connect from unknown[192.0.2.1]");
	/* [rsyslog]: the space after the 3164 tag stays in MSG: one is dropped */
	assert_int_equal(split("<13>1 2014-11-21T19:02:19.219331-06:00 host1 user1 - - -  "
			       "test123"), SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1416618139);
	assert_slice(sl.program, "user1");
	assert_int_equal(sl.pid, -1);
	assert_slice(sl.msg, "test123");
}

static void test_rfc5424_examples_of_the_rfc(void **state)
{
	(void)state;
	/* [rfc5424] example 1: no PROCID, a MSGID, a BOM */
	assert_int_equal(split("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 "
			       "- \xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8"),
			 SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1065910455);
	assert_int_equal(sl.usec, 3000);
	assert_slice(sl.host, "mymachine.example.com");
	assert_slice(sl.program, "su");
	assert_int_equal(sl.pid, -1);
	assert_slice(sl.msg, "'su root' failed for lonvick on /dev/pts/8");
	/* [rfc5424] example 2: an IP as host, microseconds, an offset */
	assert_int_equal(split("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
			       "%% It's time to make the do-nuts."), SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1061727255);
	assert_int_equal(sl.usec, 3);
	assert_int_equal(sl.pid, 8710);
	assert_slice(sl.msg, "%% It's time to make the do-nuts.");
	/* [rfc5424] example 3: structured data, then a message */
	assert_int_equal(split("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
			       "ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
			       "eventID=\"1011\"] \xef\xbb\xbf" "An application event log entry..."),
			 SYSLOG_OK);
	assert_slice(sl.program, "evntslog");
	assert_slice(sl.msg, "An application event log entry...");
	/* [rfc5424] example 4: two elements, no message */
	assert_int_equal(split("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
			       "ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
			       "eventID=\"1011\"][examplePriority@32473 class=\"high\"]"),
			 SYSLOG_OK);
	assert_slice(sl.msg, "");
}

static void test_rfc5424_nilvalues_are_absent_fields(void **state)
{
	(void)state;
	assert_int_equal(split("<22>1 - - - - - - x"), SYSLOG_OK);
	assert_int_equal(sl.time, REF);			/* no time: when read */
	assert_int_equal(sl.usec, 0);
	assert_slice(sl.host, "");
	assert_slice(sl.program, "");
	assert_int_equal(sl.pid, -1);
	assert_slice(sl.msg, "x");
	assert_int_equal(split("<22>1 - - - - - -"), SYSLOG_OK);
	assert_slice(sl.msg, "");
	/* a PROCID that is not a number is no pid; one too big is refused */
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd 12a - - x"),
			 SYSLOG_OK);
	assert_int_equal(sl.pid, -1);
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd 2147483647 - - x"),
			 SYSLOG_OK);
	assert_int_equal(sl.pid, 2147483647);
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd 2147483648 - - x"),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd "
			       "99999999999999999999999 - - x"), SYSLOG_UNPARSED);
}

static void test_rfc5424_structured_data_escapes_do_not_end_it(void **state)
{
	(void)state;
	/* an escaped ']' and '"' inside a value, and a forged header after
	 * them: the message is what follows the element's own ']' */
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd 1 - "
			       "[x@1 a=\"\\] mx1 evil 66 - - \" b=\"q\\\"] c=\\\"\" d=\"\\\\\"] "
			       "connect from unknown[192.0.2.1]"), SYSLOG_OK);
	assert_slice(sl.program, "postfix/smtpd");
	assert_int_equal(sl.pid, 1);
	assert_slice(sl.msg, "connect from unknown[192.0.2.1]");
	/* a backslash before another byte is that backslash */
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 p 1 - [x@1 a=\"C:\\dir\"] m"),
			 SYSLOG_OK);
	assert_slice(sl.msg, "m");
	/* ']' unescaped inside a quoted value is still the value's */
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 p 1 - [x@1 a=\"]\"] m"),
			 SYSLOG_OK);
	assert_slice(sl.msg, "m");
}

static void test_rfc5424_bad_structured_data_is_unparsed(void **state)
{
	char line[512];
	static const char *const sds[] = {
		"[x@1 a=\"b]",			/* value not closed */
		"[x@1 a=\"b\\\"]",		/* its quote escaped */
		"[x@1 a=\"b\\",			/* a backslash at the end */
		"[x@1 a=\"b\"",			/* element not closed */
		"[x@1 a=b]",			/* value not quoted */
		"[x@1 a]", "[x@1 =\"b\"]", "[ a=\"b\"]", "[]", "[x@1 a=\"b\"]]",
		"[x@1  a=\"b\"]",		/* two spaces */
		"[x@1 a=\"b\"] [y@1]x",		/* after a space: MSG, fine */
		"[x@1 a=\"b\"]x",		/* no space before MSG */
		"[x\"1]", "[x=1]",
		"[x@1 a=\"b\x01\"]",		/* a control byte */
		"[123456789012345678901234567890123]",	/* SD-ID of 33 */
		"[x@1 123456789012345678901234567890123=\"b\"]",
		"--", "x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(sds) / sizeof(sds[0]); i++) {
		snprintf(line, sizeof(line), "<22>1 2026-11-27T02:05:13Z mx1 p 1 - %s m", sds[i]);
		/* "[y@1]x" after a space is a message; all others are bad */
		assert_int_equal(split(line), i == 11 ? SYSLOG_OK : SYSLOG_UNPARSED);
	}
	assert_int_equal(split("<22>1 2026-11-27T02:05:13Z mx1 p 1 - "
			       "[12345678901234567890123456789012 "
			       "12345678901234567890123456789012=\"\"] m"), SYSLOG_OK);
}

static void test_rfc5424_missing_fields_are_unparsed(void **state)
{
	static const char *const lines[] = {
		"<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd 1 -",	/* no SD */
		"<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd 1",
		"<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd",
		"<22>1 2026-11-27T02:05:13Z mx1",
		"<22>1 2026-11-27T02:05:13Z",
		"<22>1 2026-11-27T02:05:13Z  mx1 postfix/smtpd 1 - - x",	/* empty field */
		"<22>1  2026-11-27T02:05:13Z mx1 postfix/smtpd 1 - - x",
		"<22>1 2026-11-27T02:05:13 mx1 postfix/smtpd 1 - - x",	/* no zone */
		"<22>1 2026-11-31T02:05:13Z mx1 postfix/smtpd 1 - - x",
		"<22>1 Nov 27 02:05:13 mx1 postfix/smtpd 1 - - x",
		"<22>1 2026-11-27T02:05:13Z mx1 postfix/smtpd[1]: x",	/* a 3164 tag */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(split(lines[i]), SYSLOG_UNPARSED);
}

/* Each field at RFC 5424's bound and one byte over it. */
static void test_rfc5424_overlong_fields_are_refused(void **state)
{
	static const struct {
		size_t max;
		const char *fmt;	/* %s: the field */
	} f[] = {
		{ SYSLOG_HOST_MAX - 1, "<22>1 2026-11-27T02:05:13Z %s p 1 - - m" },
		{ SYSLOG_APP_MAX, "<22>1 2026-11-27T02:05:13Z h %s 1 - - m" },
		{ SYSLOG_PROCID_MAX, "<22>1 2026-11-27T02:05:13Z h p %s - - m" },
		{ SYSLOG_MSGID_MAX, "<22>1 2026-11-27T02:05:13Z h p 1 %s - m" },
	};
	char field[512], line[1024];

	(void)state;
	assert_int_equal(SYSLOG_HOST_MAX - 1, 255);
	assert_int_equal(SYSLOG_APP_MAX, 48);
	assert_int_equal(SYSLOG_PROCID_MAX, 128);
	assert_int_equal(SYSLOG_MSGID_MAX, 32);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		memset(field, 'a', f[i].max + 1);
		field[f[i].max] = '\0';
		snprintf(line, sizeof(line), f[i].fmt, field);
		assert_int_equal(split(line), SYSLOG_OK);
		assert_slice(sl.msg, "m");
		field[f[i].max] = 'a';
		field[f[i].max + 1] = '\0';
		snprintf(line, sizeof(line), f[i].fmt, field);
		assert_int_equal(split(line), SYSLOG_UNPARSED);
	}
}

static void test_rfc5424_header_bytes_outside_printusascii_are_unparsed(void **state)
{
	static const char nul[] = "<22>1 2026-11-27T02:05:13Z m\0x p 1 - - m";
	static const char *const lines[] = {
		"<22>1 2026-11-27T02:05:13Z mx\x01 p 1 - - m",
		"<22>1 2026-11-27T02:05:13Z mx p\x7f 1 - - m",
		"<22>1 2026-11-27T02:05:13Z mx p\xc3\xa9 1 - - m",
		"<22>1 2026-11-27T02:05:13Z mx p 1\t - - m",
		"<22>1 2026-11-27T02:05:13Z mx p 1 \xff - m",
	};

	(void)state;
	memset(&sl, 0, sizeof(sl));
	assert_int_equal(syslog_parse(&sl, nul, sizeof(nul) - 1, REF), SYSLOG_UNPARSED);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(split(lines[i]), SYSLOG_UNPARSED);
	/* the message is not examined: any byte, a NUL included */
	assert_int_equal(syslog_parse(&sl, "<22>1 - h p 1 - - a\0\xff", 21, REF), SYSLOG_OK);
	assert_int_equal(sl.msg.n, 3);
}

/* A line cut anywhere before the end of an element of its structured
 * data is refused; cut there, it is a line with an empty message.  Each
 * cut in a buffer of its own length, so that ASan sees a read past it. */
static void test_rfc5424_line_cut_anywhere_in_the_header_is_unparsed(void **state)
{
	static const char line[] = "<22>1 2026-11-27T02:05:13.5Z mx1 postfix/smtpd 12 ID1 "
				   "[a@1 b=\"c\\\"d\"][e@2] msg";
	size_t full = sizeof(line) - 1, sd_end = strlen(line) - 4;
	size_t first_end = (size_t)(strstr(line, "][e@2]") + 1 - line);

	(void)state;
	for (size_t n = 0; n <= full; n++) {
		char *copy = malloc(n ? n : 1);
		int rc;

		memcpy(copy, line, n);
		rc = syslog_parse(&sl, copy, n, REF);
		free(copy);
		assert_int_equal(rc, n >= sd_end || n == first_end ? SYSLOG_OK : SYSLOG_UNPARSED);
	}
	assert_int_equal(syslog_parse(&sl, line, full, REF), SYSLOG_OK);
	assert_slice(sl.msg, "msg");
}

/* ---- the whole reader: every MTA, every reader format ----------------- */

static void test_postfix_lines_under_pri_and_rfc5424_parse_as_without(void **state)
{
	static const char *const lines[] = {
		"<22>Nov 27 02:05:13 mx1 postfix/smtpd[1234]: 4Fz9Xk0QvNz2xFb: "
		"client=unknown[192.0.2.7], sasl_method=PLAIN, sasl_username=alice",
		"<22>2026-11-27T02:05:13.000001+00:00 mx1 postfix/smtpd[1234]: 4Fz9Xk0QvNz2xFb: "
		"client=unknown[192.0.2.7], sasl_method=PLAIN, sasl_username=alice",
		"<22>1 2026-11-27T02:05:13.000001+00:00 mx1 postfix/smtpd 1234 - - "
		"4Fz9Xk0QvNz2xFb: client=unknown[192.0.2.7], sasl_method=PLAIN, "
		"sasl_username=alice",
		"<22>1 2026-11-27T02:05:13.000001+00:00 mx1 postfix/smtpd 1234 - -  "
		"4Fz9Xk0QvNz2xFb: client=unknown[192.0.2.7], sasl_method=PLAIN, "
		"sasl_username=alice",
		"<22>1 2026-11-27T02:05:13.000001+00:00 mx1 postfix/smtpd 1234 - "
		"[meta sequenceId=\"7\"] 4Fz9Xk0QvNz2xFb: client=unknown[192.0.2.7], "
		"sasl_method=PLAIN, sasl_username=alice",
	};
	static const enum maillog_format fmts[] = { MAILLOG_AUTO, MAILLOG_POSTFIX };

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		for (size_t j = 0; j < sizeof(fmts) / sizeof(fmts[0]); j++) {
			assert_int_equal(parse_fmt(lines[i], fmts[j]), POSTFIX_CLIENT);
			assert_int_equal(sl.time, T_NOV27_020513);
			assert_int_equal(sl.pid, 1234);
			assert_field(POSTFIX_F_QID, "4Fz9Xk0QvNz2xFb");
			assert_field(POSTFIX_F_CLIENT_IP, "192.0.2.7");
			assert_field(POSTFIX_F_SASL_USERNAME, "alice");
		}
	/* a Postfix line with no program is no Postfix line */
	assert_int_equal(parse_fmt("<22>1 2026-11-27T02:05:13Z mx1 - 1234 - - 4Fz9Xk0QvNz2xFb: "
				   "client=unknown[192.0.2.7]", MAILLOG_AUTO), POSTFIX_FOREIGN);
}

static void test_exim_and_sendmail_lines_under_rfc5424(void **state)
{
	(void)state;
	assert_int_equal(parse_fmt("<22>1 2026-11-27T02:05:13Z mx exim 30416 - - 2026-11-27 "
				   "02:05:13 login authenticator failed for (x) [203.0.113.4]:4000 "
				   "I=[192.0.2.1]:587 Ci=30416: 535 Incorrect authentication data "
				   "(set_id=bob)", MAILLOG_AUTO), POSTFIX_AUTH_FAILED);
	assert_int_equal(sl.pid, 30416);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.4");
	assert_field(POSTFIX_F_SASL_USERNAME, "bob");
	assert_int_equal(parse_fmt("<22>Nov 27 02:05:13 mx exim4[1234]: 1vXyZa-000abc-Ab Completed",
				   MAILLOG_EXIM), POSTFIX_REMOVED);
	assert_int_equal(parse_fmt("<22>1 2026-11-27T02:05:13Z a.mail.sonic.net sm-mta 9661 - - "
				   "AUTH=server, relay=c-50-131-108-189.hsd1.ca.comcast.net "
				   "[50.131.108.189], authid=augie@sonic.net, mech=LOGIN, bits=0",
				   MAILLOG_AUTO), POSTFIX_LOGIN);
	assert_int_equal(sl.pid, 9661);
	assert_field(POSTFIX_F_SASL_USERNAME, "augie@sonic.net");
	assert_int_equal(parse_fmt("<22>Dec  6 14:06:28 a.mail.sonic.net sm-mta[9661]: AUTH=server, "
				   "relay=[50.131.108.189], authid=augie, mech=LOGIN, bits=0",
				   MAILLOG_SENDMAIL), POSTFIX_LOGIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pri_before_an_rfc3164_line_is_read_past),
		cmocka_unit_test(test_pri_before_an_rfc3339_line_is_read_past),
		cmocka_unit_test(test_bad_pri_is_unparsed),
		cmocka_unit_test(test_rfc5424_line_splits_into_time_host_program_pid_message),
		cmocka_unit_test(test_rfc5424_examples_of_the_rfc),
		cmocka_unit_test(test_rfc5424_nilvalues_are_absent_fields),
		cmocka_unit_test(test_rfc5424_structured_data_escapes_do_not_end_it),
		cmocka_unit_test(test_rfc5424_bad_structured_data_is_unparsed),
		cmocka_unit_test(test_rfc5424_missing_fields_are_unparsed),
		cmocka_unit_test(test_rfc5424_overlong_fields_are_refused),
		cmocka_unit_test(test_rfc5424_header_bytes_outside_printusascii_are_unparsed),
		cmocka_unit_test(test_rfc5424_line_cut_anywhere_in_the_header_is_unparsed),
		cmocka_unit_test(test_postfix_lines_under_pri_and_rfc5424_parse_as_without),
		cmocka_unit_test(test_exim_and_sendmail_lines_under_rfc5424),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
