// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_maillog.c - syslog_parse() and postfix_parse() on real Postfix 3.x
 * lines in Debian's format, every timestamp format, and hostile lines
 * (injected field names, foreign programs, NUL bytes, bad UTF-8, 64 KiB
 * lines, cut lines).  Values are slices of the line: assert_slice() and
 * assert_field() compare their raw bytes, kept() the bounded, sanitised
 * copy a caller stores.  The tests run with TZ=UTC.
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

#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "testutil.h"

/* REF (testutil.h) is an hour after the lines below */
#define T_NOV27_020513 ((time_t)1795745113)

/* ---- helpers ------------------------------------------------------------ */

static int split(const char *line, time_t ref)
{
	memset(&sl, 0xa5, sizeof(sl));
	return syslog_parse(&sl, line, strlen(line), ref);
}

/* Whole pipeline: the line must have a syslog header. */
static enum postfix_kind parse_names(const char *line, const char *const *names)
{
	assert_int_equal(split(line, REF), SYSLOG_OK);
	return postfix_parse(&rec, sl.program, sl.msg, names);
}

static enum postfix_kind parse(const char *line)
{
	return parse_names(line, NULL);
}

static struct slice S(const char *s)
{
	return (struct slice){ s, strlen(s) };
}

/* The value a caller keeps: field f copied into a buffer of its bound. */
static const char *kept(enum postfix_field f, bool *whole)
{
	static char buf[1024];
	size_t cap = postfix_field_max(f);

	assert_true(cap > 0 && cap <= sizeof(buf));
	*whole = slice_copy(buf, cap, postfix_get(&rec, f));
	return buf;
}

static void assert_msg(const char *want)
{
	assert_slice(sl.msg, want);
}

/* ---- syslog header -------------------------------------------------------- */

static void test_rfc3164_line_splits_into_time_host_program_pid_message(void **state)
{
	(void)state;
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: connect from "
			       "unknown[203.0.113.7]", REF), SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 0);
	assert_slice(sl.host, "mx1");
	assert_slice(sl.program, "postfix/smtpd");
	assert_int_equal(sl.pid, 12345);
	assert_msg("connect from unknown[203.0.113.7]");
}

static void test_rfc3164_space_padded_day_is_read(void **state)
{
	(void)state;
	assert_int_equal(split("Nov  7 02:05:13 mx1 postfix/qmgr[7]: x", REF), SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1794017113);	/* 2026-11-07T02:05:13Z */
}

/* a line copied from a web page: HTML folded the pad of the day */
static void test_rfc3164_day_without_its_pad_is_read(void **state)
{
	(void)state;
	assert_int_equal(split("Nov 7 02:05:13 mx1 postfix/qmgr[7]: x", REF), SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1794017113);	/* 2026-11-07T02:05:13Z */
	assert_slice(sl.host, "mx1");
	assert_msg("x");
	/* and the padded line after it is read from the start again */
	assert_int_equal(split("Nov  7 02:05:13 mx1 postfix/qmgr[7]: y", REF), SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1794017113);
	assert_msg("y");
	assert_int_equal(split("Nov 7 02:05:13mx1 postfix/qmgr[7]: x", REF), SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 77 02:05:13 mx1 postfix/qmgr[7]: x", REF), SYSLOG_UNPARSED);
}

static void test_rfc3164_december_line_read_in_january_is_previous_year(void **state)
{
	(void)state;
	/* read on 2026-01-02T00:00:00Z */
	assert_int_equal(split("Dec 31 23:59:59 mx1 postfix/qmgr[7]: x", 1767312000),
			 SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1767225599);	/* 2025-12-31T23:59:59Z */
}

static void test_rfc3164_january_line_read_on_december_31_is_next_year(void **state)
{
	(void)state;
	/* read on 2026-12-31T23:00:00Z, the writer's clock a little ahead */
	assert_int_equal(split("Jan  1 00:00:05 mx1 postfix/qmgr[7]: x", 1798758000),
			 SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1798761605);	/* 2027-01-01T00:00:05Z */
}

static void test_rfc3164_same_text_under_another_reference_year_is_not_cached(void **state)
{
	static const char line[] = "Dec 31 23:59:59 mx1 postfix/qmgr[7]: x";

	(void)state;
	assert_int_equal(split(line, 1767312000), SYSLOG_OK);	/* read 2026-01-02 */
	assert_int_equal(sl.time, (time_t)1767225599);		/* 2025-12-31 */
	assert_int_equal(split(line, 1798758000), SYSLOG_OK);	/* read 2026-12-31 */
	assert_int_equal(sl.time, (time_t)1798761599);		/* 2026-12-31 */
	assert_int_equal(split(line, 1767312000), SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1767225599);
}

static void test_rfc3164_seconds_of_one_hour_convert_like_their_own_timestamps(void **state)
{
	static const char *const lines[] = {
		"Nov 27 02:05:13 mx1 p: x", "Nov 27 02:05:14 mx1 p: x",
		"Nov 27 02:59:59 mx1 p: x", "Nov 27 02:00:00 mx1 p: x",
		"Nov 27 03:00:00 mx1 p: x", "Nov 27 02:05:13 mx1 p: x",
		"Nov 27 02:05:60 mx1 p: x",	/* a leap second: 02:06:00 */
	};
	static const time_t want[] = {
		T_NOV27_020513, T_NOV27_020513 + 1, T_NOV27_020513 + 3286,
		T_NOV27_020513 - 313, T_NOV27_020513 + 3287, T_NOV27_020513,
		T_NOV27_020513 + 47,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(split(lines[i], REF), SYSLOG_OK);
		assert_int_equal(sl.time, want[i]);
	}
	/* an impossible time next to a cached one is still refused */
	assert_int_equal(split("Nov 27 02:61:13 mx1 p: x", REF), SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 31 02:05:13 mx1 p: x", REF), SYSLOG_UNPARSED);
}

static void test_rfc3164_february_29_is_refused_in_a_common_year(void **state)
{
	(void)state;
	assert_int_equal(split("Feb 29 12:00:00 mx1 postfix/qmgr[7]: x", REF),
			 SYSLOG_UNPARSED);
	/* and accepted in a leap year: 2024-03-01 as reference */
	assert_int_equal(split("Feb 29 12:00:00 mx1 postfix/qmgr[7]: x", 1709251200),
			 SYSLOG_OK);
	assert_int_equal(sl.time, (time_t)1709208000);
}

static void test_rfc3339_with_microseconds_and_colon_zone(void **state)
{
	(void)state;
	assert_int_equal(split("2026-11-27T02:05:13.123456+00:00 mx1 postfix/smtpd[12345]: "
			       "x", 0), SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 123456);
	assert_slice(sl.host, "mx1");
	assert_slice(sl.program, "postfix/smtpd");
	assert_int_equal(sl.pid, 12345);
	assert_msg("x");
}

static void test_rfc3339_with_z_and_no_fraction(void **state)
{
	(void)state;
	assert_int_equal(split("2026-11-27T02:05:13Z mx1 postfix/smtpd[1]: x", 0), SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 0);
}

static void test_journald_short_iso_zone_without_colon(void **state)
{
	(void)state;
	assert_int_equal(split("2026-11-27T02:05:13+0000 mx1 postfix/smtpd[1]: x", 0),
			 SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 0);
}

static void test_rfc3339_offset_is_converted_to_utc(void **state)
{
	(void)state;
	assert_int_equal(split("2026-11-27T07:35:13.5+05:30 mx1 postfix/smtpd[1]: x", 0),
			 SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 500000);
	assert_int_equal(split("2026-11-26T21:05:13.000000001-05:00 mx1 postfix/smtpd[1]: x",
			       0), SYSLOG_OK);
	assert_int_equal(sl.time, T_NOV27_020513);
	assert_int_equal(sl.usec, 0);
}

static void test_rfc3339_impossible_date_is_unparsed(void **state)
{
	(void)state;
	assert_int_equal(split("2026-13-27T02:05:13Z mx1 postfix/smtpd[1]: x", 0),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("2026-11-31T02:05:13Z mx1 postfix/smtpd[1]: x", 0),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("2026-11-27T02:05:13 mx1 postfix/smtpd[1]: x", 0),
			 SYSLOG_UNPARSED);	/* no zone */
}

static void test_host_of_the_previous_line_is_not_taken_for_a_longer_one(void **state)
{
	(void)state;
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/qmgr[7]: x", REF), SYSLOG_OK);
	assert_slice(sl.host, "mx1");
	assert_int_equal(split("Nov 27 02:05:13 mx10 postfix/qmgr[7]: x", REF), SYSLOG_OK);
	assert_slice(sl.host, "mx10");
	assert_int_equal(split("Nov 27 02:05:13 mx1\x7f postfix/qmgr[7]: x", REF),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mail.relay-1.example.org postfix/qmgr[7]: x",
			       REF), SYSLOG_OK);
	assert_slice(sl.host, "mail.relay-1.example.org");
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/qmgr[7]: x", REF), SYSLOG_OK);
	assert_slice(sl.host, "mx1");
}

static void test_program_with_submission_service_name_is_kept_whole(void **state)
{
	(void)state;
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/submission/smtpd[99]: x", REF),
			 SYSLOG_OK);
	assert_slice(sl.program, "postfix/submission/smtpd");
	assert_int_equal(sl.pid, 99);
}

static void test_program_without_pid_has_pid_minus_1(void **state)
{
	(void)state;
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/postsuper: Placed on hold: 3 "
			       "messages", REF), SYSLOG_OK);
	assert_slice(sl.program, "postfix/postsuper");
	assert_int_equal(sl.pid, -1);
	assert_msg("Placed on hold: 3 messages");
}

static void test_empty_line_is_unparsed(void **state)
{
	(void)state;
	assert_int_equal(syslog_parse(&sl, "", 0, REF), SYSLOG_UNPARSED);
}

static void test_line_cut_anywhere_in_the_header_is_unparsed(void **state)
{
	static const char line[] = "2026-11-27T02:05:13.123456+00:00 mx1 postfix/smtpd[12345]: ";
	size_t full = strlen(line);

	(void)state;
	for (size_t n = 0; n < full; n++) {
		char *copy = malloc(n ? n : 1);	/* exact size: ASan sees overreads */

		memcpy(copy, line, n);
		assert_int_equal(syslog_parse(&sl, copy, n, 0), SYSLOG_UNPARSED);
		free(copy);
	}
	assert_int_equal(syslog_parse(&sl, line, full, 0), SYSLOG_OK);
	assert_int_equal(sl.msg.n, 0);
}

static void test_line_is_read_only_up_to_len(void **state)
{
	static const char buf[] = "Nov 27 02:05:13 mx1 postfix/smtpd[1]: connect fromXXXX";

	(void)state;
	assert_int_equal(syslog_parse(&sl, buf, strlen(buf) - 4, REF), SYSLOG_OK);
	assert_msg("connect from");
}

static void test_nul_byte_in_header_is_unparsed(void **state)
{
	static const char line[] = "Nov 27 02:05:13 mx\0001 postfix/smtpd[1]: x";

	(void)state;
	assert_int_equal(syslog_parse(&sl, line, sizeof(line) - 1, REF), SYSLOG_UNPARSED);
}

static void test_nul_byte_in_message_is_kept_by_syslog_and_unparsed_by_postfix(void **state)
{
	static const char line[] = "Nov 27 02:05:13 mx1 postfix/smtpd[1]: 4F3A21C0B2: "
				   "client=unknown[203.0.113.7], sasl_method=LOGIN, "
				   "sasl_username=alice\0ceo";

	(void)state;
	assert_int_equal(syslog_parse(&sl, line, sizeof(line) - 1, REF), SYSLOG_OK);
	assert_int_equal(sl.msg.n, strlen(sl.msg.p) + 4);
	assert_int_equal(postfix_parse(&rec, sl.program, sl.msg, NULL),
			 POSTFIX_UNPARSED);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

static void test_non_timestamp_garbage_is_unparsed(void **state)
{
	(void)state;
	assert_int_equal(split("hello world", REF), SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mx1", REF), SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[12x]: x", REF),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[1] x", REF),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[]: x", REF),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[2147483648]: x", REF),
			 SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[123456789012345678901]: x",
			       REF), SYSLOG_UNPARSED);
	assert_int_equal(split("Nov 27 02:05:13 mx1 postfix/smtpd[2147483647]: x", REF),
			 SYSLOG_OK);
	assert_int_equal(sl.pid, 2147483647);
}

static void test_64k_line_of_garbage_is_unparsed(void **state)
{
	size_t n = 65536;
	char *line = malloc(n);

	(void)state;
	memset(line, 'A', n);
	assert_int_equal(syslog_parse(&sl, line, n, REF), SYSLOG_UNPARSED);
	memcpy(line, "Nov 27 02:05:13 ", 16);	/* then a 64 KiB hostname */
	assert_int_equal(syslog_parse(&sl, line, n, REF), SYSLOG_UNPARSED);
	free(line);
}

/* ---- postfix records ------------------------------------------------------ */

static void test_smtpd_connect_gives_client_host_and_ip(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: connect from "
			       "mail.example.net[198.51.100.23]"), POSTFIX_CONNECT);
	assert_field(POSTFIX_F_SERVICE, "smtpd");
	assert_field(POSTFIX_F_QID, "");
	assert_field(POSTFIX_F_CLIENT_HOST, "mail.example.net");
	assert_field(POSTFIX_F_CLIENT_IP, "198.51.100.23");
	assert_false(rec.truncated);
}

static void test_smtpd_client_with_sasl_login_gives_identity(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 4F3A21C0B2: "
			       "client=unknown[203.0.113.7], sasl_method=LOGIN, "
			       "sasl_username=alice"), POSTFIX_CLIENT);
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
	assert_false(rec.long_qid);
	assert_field(POSTFIX_F_CLIENT_HOST, "unknown");
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.7");
	assert_field(POSTFIX_F_SASL_METHOD, "LOGIN");
	assert_field(POSTFIX_F_SASL_USERNAME, "alice");
	assert_field(POSTFIX_F_SASL_SENDER, "");
}

static void test_smtpd_client_without_sasl_has_no_identity(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 4F3A21C0B2: "
			       "client=mail.example.net[2001:db8::25]"), POSTFIX_CLIENT);
	assert_field(POSTFIX_F_CLIENT_HOST, "mail.example.net");
	assert_field(POSTFIX_F_CLIENT_IP, "2001:db8::25");
	assert_field(POSTFIX_F_SASL_METHOD, "");
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

static void test_smtpd_client_with_sasl_sender_and_long_queue_id(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/submission/smtpd[4242]: "
			       "4Nx3Wk0Jz5z9vQp: client=unknown[203.0.113.7], "
			       "sasl_method=PLAIN, sasl_username=bob@example.org, "
			       "sasl_sender=carol@example.org"), POSTFIX_CLIENT);
	assert_field(POSTFIX_F_SERVICE, "smtpd");
	assert_field(POSTFIX_F_QID, "4Nx3Wk0Jz5z9vQp");
	assert_true(rec.long_qid);
	assert_field(POSTFIX_F_SASL_METHOD, "PLAIN");
	assert_field(POSTFIX_F_SASL_USERNAME, "bob@example.org");
	assert_field(POSTFIX_F_SASL_SENDER, "carol@example.org");
}

static void test_smtpd_sasl_login_failure_gives_attempted_user(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: warning: "
			       "unknown[203.0.113.7]: SASL LOGIN authentication failed: "
			       "UGFzc3dvcmQ6, sasl_username=alice"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_CLIENT_HOST, "unknown");
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.7");
	assert_field(POSTFIX_F_SASL_METHOD, "LOGIN");
	assert_field(POSTFIX_F_TEXT, "UGFzc3dvcmQ6");
	assert_field(POSTFIX_F_SASL_USERNAME, "alice");
}

static void test_smtpd_sasl_plain_failure_without_user(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: warning: "
			       "unknown[203.0.113.7]: SASL PLAIN authentication failed: "
			       "authentication failure"), POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_METHOD, "PLAIN");
	assert_field(POSTFIX_F_TEXT, "authentication failure");
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

static void test_smtpd_other_warning_is_ignored(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: warning: "
			       "dict_ldap_connect: Unable to bind to server ldap://ldap.test "
			       "with dn sasl_username=ceo: -1"), POSTFIX_IGNORED);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

static void test_cleanup_message_id(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/cleanup[2222]: 4F3A21C0B2: "
			       "message-id=<20261127020513.4F3A21C0B2@mx1.example.org>"),
			 POSTFIX_MESSAGE_ID);
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
	assert_field(POSTFIX_F_MESSAGE_ID, "20261127020513.4F3A21C0B2@mx1.example.org");
}

static void test_qmgr_queue_active_gives_sender_size_and_nrcpt(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
			       "from=<alice@example.org>, size=1843, nrcpt=3 (queue active)"),
			 POSTFIX_QUEUED);
	assert_field(POSTFIX_F_SERVICE, "qmgr");
	assert_field(POSTFIX_F_FROM, "alice@example.org");
	assert_int_equal(rec.size, 1843);
	assert_int_equal(rec.nrcpt, 3);
}

static void test_qmgr_null_sender_is_empty(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
			       "from=<>, size=2900, nrcpt=1 (queue active)"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_FROM, "");
	assert_int_equal(rec.size, 2900);
	assert_int_equal(rec.nrcpt, 1);
}

static void test_qmgr_removed(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: removed"),
			 POSTFIX_REMOVED);
	assert_field(POSTFIX_F_SERVICE, "qmgr");
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
}

static void test_qmgr_expired_is_not_an_arrival(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
			       "from=<alice@example.org>, status=expired, returned to sender"),
			 POSTFIX_EXPIRED);
	assert_field(POSTFIX_F_FROM, "alice@example.org");
	assert_field(POSTFIX_F_STATUS, "expired");
	assert_int_equal(rec.size, -1);
}

static void test_smtp_delivery_sent_gives_relay_and_status(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:14 mx1 postfix/smtp[3333]: 4F3A21C0B2: "
			       "to=<bob@example.net>, relay=mx.example.net[198.51.100.5]:25, "
			       "delay=1.2, delays=0.1/0.01/0.5/0.59, dsn=2.0.0, status=sent "
			       "(250 2.0.0 Ok: queued as 9C1D2E3F4A)"), POSTFIX_DELIVERY);
	assert_int_equal(sl.pid, 3333);
	assert_field(POSTFIX_F_SERVICE, "smtp");
	assert_field(POSTFIX_F_TO, "bob@example.net");
	assert_field(POSTFIX_F_ORIG_TO, "");
	assert_field(POSTFIX_F_RELAY_HOST, "mx.example.net");
	assert_field(POSTFIX_F_RELAY_IP, "198.51.100.5");
	assert_int_equal(rec.relay_port, 25);
	assert_field(POSTFIX_F_DSN, "2.0.0");
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_field(POSTFIX_F_TEXT, "250 2.0.0 Ok: queued as 9C1D2E3F4A");
}

static void test_smtp_delivery_deferred_with_conn_use(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:14 mx1 postfix-out/smtp[3334]: 4F3A21C0B2: "
			       "to=<bob@example.net>, relay=none, delay=30, "
			       "delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to "
			       "mx.example.net[198.51.100.5]:25: Connection timed out)"),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_RELAY_HOST, "none");
	assert_field(POSTFIX_F_RELAY_IP, "");
	assert_int_equal(rec.relay_port, -1);
	assert_field(POSTFIX_F_STATUS, "deferred");
	assert_field(POSTFIX_F_TEXT, "connect to mx.example.net[198.51.100.5]:25: "
			    "Connection timed out");
	assert_int_equal(parse("Nov 27 02:05:14 mx1 postfix/smtp[3334]: 4F3A21C0B2: "
			       "to=<c@example.net>, relay=mx.example.net[198.51.100.5]:25, "
			       "conn_use=2, delay=0.5, delays=0/0/0/0.5, dsn=5.1.1, "
			       "status=bounced (host said: 550 5.1.1 no such user)"),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_STATUS, "bounced");
	assert_field(POSTFIX_F_DSN, "5.1.1");
}

static void test_local_delivery_with_orig_to(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:14 mx1 postfix/local[4444]: 4F3A21C0B2: "
			       "to=<root@mx1.example.org>, orig_to=<postmaster>, relay=local, "
			       "delay=0.02, delays=0.01/0/0/0.01, dsn=2.0.0, status=sent "
			       "(delivered to mailbox)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_SERVICE, "local");
	assert_field(POSTFIX_F_TO, "root@mx1.example.org");
	assert_field(POSTFIX_F_ORIG_TO, "postmaster");
	assert_field(POSTFIX_F_RELAY_HOST, "local");
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_field(POSTFIX_F_TEXT, "delivered to mailbox");
}

static void test_pickup_gives_uid_and_sender(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/pickup[5555]: 4F3A21C0B2: "
			       "uid=1000 from=<www-data>"), POSTFIX_PICKUP);
	assert_int_equal(rec.uid, 1000);
	assert_field(POSTFIX_F_FROM, "www-data");
}

static void test_noqueue_reject_gives_stage_client_reply_and_envelope(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: NOQUEUE: reject: "
			       "RCPT from unknown[203.0.113.7]: 554 5.7.1 <x@example.com>: "
			       "Relay access denied; from=<spam@evil.test> to=<x@example.com> "
			       "proto=ESMTP helo=<evil.test>"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_QID, "");
	assert_field(POSTFIX_F_STAGE, "RCPT");
	assert_field(POSTFIX_F_CLIENT_HOST, "unknown");
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.7");
	assert_field(POSTFIX_F_TEXT, "554 5.7.1 <x@example.com>: Relay access denied");
	assert_field(POSTFIX_F_FROM, "spam@evil.test");
	assert_field(POSTFIX_F_TO, "x@example.com");
	assert_field(POSTFIX_F_PROTO, "ESMTP");
	assert_field(POSTFIX_F_HELO, "evil.test");
}

static void test_noqueue_reject_at_connect_has_only_proto(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: NOQUEUE: reject: "
			       "CONNECT from unknown[203.0.113.7]: 554 5.7.1 Service "
			       "unavailable; Client host [203.0.113.7] blocked using "
			       "zen.spamhaus.org; proto=SMTP"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_STAGE, "CONNECT");
	assert_field(POSTFIX_F_TEXT, "554 5.7.1 Service unavailable; Client host "
			    "[203.0.113.7] blocked using zen.spamhaus.org");
	assert_field(POSTFIX_F_FROM, "");
	assert_field(POSTFIX_F_TO, "");
	assert_field(POSTFIX_F_PROTO, "SMTP");
	assert_field(POSTFIX_F_HELO, "");
}

/* (every form: test_postfix_reject.c) */
static void test_cleanup_header_checks_reject_is_a_content_check(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/cleanup[2222]: 4F3A21C0B2: "
			       "reject: header Subject: win from unknown[203.0.113.7]; "
			       "from=<a@evil.test> to=<b@example.org> proto=ESMTP "
			       "helo=<evil.test>: 5.7.1 spam"), POSTFIX_CONTENT_CHECK);
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
	assert_field(POSTFIX_F_ACTION, "reject");
	assert_field(POSTFIX_F_CONTENT, "Subject: win");
	assert_field(POSTFIX_F_FROM, "a@evil.test");
}

static void test_postsuper_placed_on_hold(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:06:00 mx1 postfix/postsuper[6666]: 4F3A21C0B2: "
			       "placed on hold"), POSTFIX_HOLD);
	assert_field(POSTFIX_F_SERVICE, "postsuper");
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
}

static void test_postsuper_released_from_hold(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:06:00 mx1 postfix/postsuper[6666]: 4F3A21C0B2: "
			       "released from hold"), POSTFIX_RELEASE);
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
}

static void test_postsuper_removed(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:06:00 mx1 postfix/postsuper[6666]: 4F3A21C0B2: "
			       "removed"), POSTFIX_REMOVED);
	assert_field(POSTFIX_F_SERVICE, "postsuper");
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
}

static void test_postsuper_summary_has_no_queue_id(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:06:00 mx1 postfix/postsuper[6666]: "
			       "Placed on hold: 3 messages"), POSTFIX_SUMMARY);
	assert_field(POSTFIX_F_QID, "");
	assert_field(POSTFIX_F_STATUS, "Placed on hold");
	assert_int_equal(rec.count, 3);
}

/* ---- bounce notifications (bounce_notify_service.c and its kin) ---------- */

static void test_bounce_sender_non_delivery_notification_names_both_queue_ids(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
			       "sender non-delivery notification: 8E2B1A0C3D"), POSTFIX_NOTIFY);
	assert_field(POSTFIX_F_SERVICE, "bounce");
	assert_field(POSTFIX_F_QID, "4F3A21C0B2");
	assert_field(POSTFIX_F_NEW_QID, "8E2B1A0C3D");
	assert_field(POSTFIX_F_NOTIFY, "non-delivery");
	assert_field(POSTFIX_F_NOTIFY_TO, "sender");
	assert_string_equal(postfix_kind_name(POSTFIX_NOTIFY), "notify");
}

static void test_bounce_delay_and_delivery_status_notifications_with_long_queue_ids(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 06:05:15 mx1 postfix/bounce[5555]: 4Nx3Wk0Jz5z9vQp: "
			       "sender delay notification: 4Nx3Wk1Lz5z9vRt"), POSTFIX_NOTIFY);
	assert_field(POSTFIX_F_QID, "4Nx3Wk0Jz5z9vQp");
	assert_field(POSTFIX_F_NEW_QID, "4Nx3Wk1Lz5z9vRt");
	assert_field(POSTFIX_F_NOTIFY, "delay");
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix-out/bounce[5555]: 4F3A21C0B2: "
			       "sender delivery status notification: 9A0B1C2D3E"), POSTFIX_NOTIFY);
	assert_field(POSTFIX_F_NOTIFY, "delivery status");
	assert_field(POSTFIX_F_NOTIFY_TO, "sender");
	assert_field(POSTFIX_F_NEW_QID, "9A0B1C2D3E");
}

static void test_bounce_postmaster_copy_is_a_notification_to_postmaster(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/bounce[5555]: 8E2B1A0C3D: "
			       "postmaster non-delivery notification: 1F2E3D4C5B"), POSTFIX_NOTIFY);
	assert_field(POSTFIX_F_QID, "8E2B1A0C3D");
	assert_field(POSTFIX_F_NOTIFY_TO, "postmaster");
	assert_field(POSTFIX_F_NEW_QID, "1F2E3D4C5B");
}

static void test_bounce_lines_that_name_no_notification_are_not_one(void **state)
{
	(void)state;
	/* bounce_trace_service.c: no notification created */
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/bounce[5555]: 4F3A21C0B2: not "
			       "sending trace/success notification for double-bounce message"),
			 POSTFIX_IGNORED);
	/* the new queue id is the whole rest of the line, a queue id */
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
			       "sender non-delivery notification: 8E2B1A0C3D extra"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
			       "sender non-delivery notification: 8e2b1a0c3d"), POSTFIX_UNPARSED);
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
			       "sender non-delivery notification: "), POSTFIX_UNPARSED);
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/bounce[5555]: 4F3A21C0B2: "
			       "sender non-delivery notification: 8E2B1A0C3D8E2B1A0C3D8E2B1A0C3D8E2B"),
			 POSTFIX_UNPARSED);
	/* only the bounce daemon creates them: the same text from smtp is not one */
	assert_int_equal(parse("Nov 27 02:05:15 mx1 postfix/smtp[5555]: 4F3A21C0B2: "
			       "sender non-delivery notification: 8E2B1A0C3D"), POSTFIX_IGNORED);
	assert_false(postfix_has(&rec, POSTFIX_F_NEW_QID));
}

static void test_caller_syslog_names_replace_the_default(void **state)
{
	static const char *const names[] = { "mta", NULL };
	static const char line[] = "Nov 27 02:05:13 mx1 mta-in/smtpd[1]: connect from "
				   "unknown[203.0.113.7]";

	(void)state;
	assert_int_equal(parse_names(line, names), POSTFIX_CONNECT);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.7");
	assert_int_equal(parse_names("Nov 27 02:05:13 mx1 postfix/smtpd[1]: connect from "
				     "unknown[203.0.113.7]", names), POSTFIX_FOREIGN);
}

/* ---- hostile lines -------------------------------------------------------- */

static void test_sasl_username_inside_sender_address_is_not_an_identity(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
			       "from=<\"x, sasl_username=ceo\"@evil.test>, size=1843, "
			       "nrcpt=1 (queue active)"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_FROM, "\"x, sasl_username=ceo\"@evil.test");
	assert_field(POSTFIX_F_SASL_USERNAME, "");
	assert_int_equal(rec.size, 1843);
	assert_int_equal(rec.nrcpt, 1);
}

static void test_quoted_gt_comma_in_sender_does_not_end_the_address(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
			       "from=<\"x>, size=1, nrcpt=999 (queue active)\"@evil.test>, "
			       "size=1843, nrcpt=2 (queue active)"), POSTFIX_QUEUED);
	assert_field(POSTFIX_F_FROM, "\"x>, size=1, nrcpt=999 (queue active)\"@evil.test");
	assert_int_equal(rec.size, 1843);
	assert_int_equal(rec.nrcpt, 2);
}

static void test_injected_recipient_fields_stay_in_the_to_address(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:14 mx1 postfix/smtp[3333]: 4F3A21C0B2: "
			       "to=<\"a, relay=x[192.0.2.1]:25, status=sent\"@evil.test>, "
			       "relay=mx.evil.test[203.0.113.9]:25, delay=1, delays=0/0/0/1, "
			       "dsn=5.0.0, status=bounced (550 no)"), POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_TO, "\"a, relay=x[192.0.2.1]:25, status=sent\"@evil.test");
	assert_field(POSTFIX_F_RELAY_IP, "203.0.113.9");
	assert_field(POSTFIX_F_STATUS, "bounced");
}

static void test_sasl_username_injected_in_helo_of_reject_is_not_an_identity(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: NOQUEUE: reject: "
			       "RCPT from unknown[203.0.113.7]: 554 5.7.1 <x@example.com>: "
			       "Relay access denied; from=<a@evil.test> to=<x@example.com> "
			       "proto=ESMTP helo=<x,sasl_username=ceo>"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_HELO, "x,sasl_username=ceo");
	assert_field(POSTFIX_F_SASL_USERNAME, "");
	assert_field(POSTFIX_F_FROM, "a@evil.test");
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.7");
}

static void test_semicolon_in_rejected_recipient_stays_in_the_reply(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: NOQUEUE: reject: "
			       "RCPT from unknown[203.0.113.7]: 554 5.7.1 "
			       "<\"x; from=<ceo@example.org> to=<y>\"@example.com>: Relay "
			       "access denied; from=<a@evil.test> "
			       "to=<\"x; from=<ceo@example.org> to=<y>\"@example.com> "
			       "proto=ESMTP helo=<evil.test>"), POSTFIX_REJECT);
	assert_field(POSTFIX_F_TEXT, "554 5.7.1 <\"x; from=<ceo@example.org> to=<y>\""
			    "@example.com>: Relay access denied");
	assert_field(POSTFIX_F_FROM, "a@evil.test");
	assert_field(POSTFIX_F_TO, "\"x; from=<ceo@example.org> to=<y>\"@example.com");
	assert_field(POSTFIX_F_HELO, "evil.test");
}

static void test_duplicate_sasl_username_in_client_line_is_unparsed(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 4F3A21C0B2: "
			       "client=unknown[203.0.113.7], sasl_method=LOGIN, "
			       "sasl_username=alice, sasl_username=ceo"), POSTFIX_UNPARSED);
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 4F3A21C0B2: "
			       "client=unknown[203.0.113.7], sasl_sender=x, "
			       "sasl_username=ceo"), POSTFIX_UNPARSED);
}

static void test_failed_login_name_holding_a_field_name_is_kept_whole(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: warning: "
			       "unknown[203.0.113.7]: SASL LOGIN authentication failed: "
			       "UGFzc3dvcmQ6, sasl_username=x, sasl_username=ceo"),
			 POSTFIX_AUTH_FAILED);
	assert_field(POSTFIX_F_SASL_USERNAME, "x, sasl_username=ceo");
	assert_field(POSTFIX_F_TEXT, "UGFzc3dvcmQ6");
}

static void test_postfix_text_from_another_program_is_foreign(void **state)
{
	static const char msg[] = "4F3A21C0B2: client=unknown[203.0.113.7], "
				  "sasl_method=LOGIN, sasl_username=ceo";

	(void)state;
	/* logger -t myapp 'postfix/smtpd[1]: 4F3A21C0B2: client=...' */
	assert_int_equal(parse("Nov 27 02:05:13 mx1 myapp: postfix/smtpd[1]: 4F3A21C0B2: "
			       "client=unknown[203.0.113.7], sasl_method=LOGIN, "
			       "sasl_username=ceo"), POSTFIX_FOREIGN);
	assert_slice(sl.program, "myapp");
	assert_field(POSTFIX_F_SASL_USERNAME, "");
	assert_int_equal(postfix_parse(&rec, S("postfixevil/smtpd"), S(msg), NULL),
			 POSTFIX_FOREIGN);
	assert_int_equal(postfix_parse(&rec, S("postfix"), S(msg), NULL),
			 POSTFIX_FOREIGN);
	assert_int_equal(postfix_parse(&rec, S("myapp/postfix/smtpd"), S(msg), NULL),
			 POSTFIX_FOREIGN);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

static void test_client_field_on_wrong_service_is_ignored(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/cleanup[2222]: 4F3A21C0B2: "
			       "client=unknown[203.0.113.7], sasl_method=LOGIN, "
			       "sasl_username=ceo"), POSTFIX_IGNORED);
	assert_field(POSTFIX_F_SASL_USERNAME, "");
}

static void test_malformed_known_records_are_unparsed(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
			       "from=<alice@example.org, size=1843, nrcpt=3 (queue active)"),
			 POSTFIX_UNPARSED);
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[1]: 4F3A21C0B2: "
			       "client=unknown"), POSTFIX_UNPARSED);
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[1]: connect from "
			       "unknown[203.0.113.7] extra"), POSTFIX_UNPARSED);
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: "
			       "removed now"), POSTFIX_UNPARSED);
}

static void test_not_a_queue_id_is_ignored(void **state)
{
	(void)state;
	/* lowercase hex and vowels are in neither queue id alphabet */
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4f3a21c0b2: removed"),
			 POSTFIX_IGNORED);
	assert_field(POSTFIX_F_QID, "");
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/qmgr[1111]: ABC: removed"),
			 POSTFIX_IGNORED);
}

static void test_invalid_utf8_in_login_name_is_replaced_when_kept(void **state)
{
	bool whole;

	(void)state;
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 4F3A21C0B2: "
			       "client=unknown[203.0.113.7], sasl_method=LOGIN, "
			       "sasl_username=al\xffice\xc3"), POSTFIX_CLIENT);
	assert_field(POSTFIX_F_SASL_USERNAME, "al\xffice\xc3");	/* raw */
	assert_string_equal(kept(POSTFIX_F_SASL_USERNAME, &whole),
			    "al" "\xef\xbf\xbd" "ice" "\xef\xbf\xbd");
	assert_true(whole);
	assert_false(rec.truncated);
	assert_int_equal(parse("Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 4F3A21C0B2: "
			       "client=unknown[203.0.113.7], sasl_method=LOGIN, "
			       "sasl_username=j\xc3\xb6rg"), POSTFIX_CLIENT);
	assert_string_equal(kept(POSTFIX_F_SASL_USERNAME, &whole), "j\xc3\xb6rg");
	assert_true(whole);
}

static void test_64k_login_name_is_truncated_and_flagged(void **state)
{
	static const char head[] = "Nov 27 02:05:13 mx1 postfix/smtpd[12345]: 4F3A21C0B2: "
				   "client=unknown[203.0.113.7], sasl_method=LOGIN, "
				   "sasl_username=";
	size_t n = 65536, h = strlen(head);
	char *line = malloc(n);
	const char *value;
	bool whole;

	(void)state;
	memcpy(line, head, h);
	for (size_t i = h; i < n; i += 2)
		memcpy(line + i, "\xc3\xa9", 2);	/* U+00E9, two bytes each */
	assert_int_equal(syslog_parse(&sl, line, n, REF), SYSLOG_OK);
	assert_int_equal(sl.msg.n, n - (size_t)(strstr(head, "4F3A") - head));
	assert_int_equal(postfix_parse(&rec, sl.program, sl.msg, NULL),
			 POSTFIX_CLIENT);
	assert_true(rec.truncated);
	/* the record keeps it whole; the kept copy is cut on a character
	 * boundary: 127 whole characters */
	assert_int_equal(postfix_get(&rec, POSTFIX_F_SASL_USERNAME).n,
			 n - (size_t)(strstr(head, "sasl_username=") - head) - 14);
	value = kept(POSTFIX_F_SASL_USERNAME, &whole);
	assert_false(whole);
	assert_int_equal(strlen(value), POSTFIX_TEXT_MAX - 2);
	assert_memory_equal(value, "\xc3\xa9\xc3\xa9", 4);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.7");
	free(line);
}

/* A line cut before its status word is never a delivery; no prefix makes
 * the parser read past len (each copy is malloc'd to its exact size). */
static void test_line_cut_before_status_is_not_a_delivery(void **state)
{
	static const char msg[] = "4F3A21C0B2: to=<\"a\\\"b, c\"@x>, orig_to=<y>, "
				  "relay=mx[198.51.100.5]:25, delay=1, delays=0/0/0/1, "
				  "dsn=2.0.0, status=sent (ok)";
	size_t full = strlen(msg), status = (size_t)(strstr(msg, "status=") - msg) + 7;

	(void)state;
	for (size_t n = 0; n < full; n++) {
		char *copy = malloc(n ? n : 1);
		enum postfix_kind kind;

		memcpy(copy, msg, n);
		kind = postfix_parse(&rec, S("postfix/smtp"), (struct slice){ copy, n }, NULL);
		free(copy);
		if (n <= status)
			assert_int_equal(kind, n < strlen("4F3A21C0B2: to=") ?
						 POSTFIX_IGNORED : POSTFIX_UNPARSED);
	}
	assert_int_equal(postfix_parse(&rec, S("postfix/smtp"), S(msg), NULL),
			 POSTFIX_DELIVERY);
	assert_field(POSTFIX_F_TO, "\"a\\\"b, c\"@x");
	assert_field(POSTFIX_F_STATUS, "sent");
	assert_field(POSTFIX_F_TEXT, "ok");
}

static void test_reject_with_thousands_of_tail_starts_is_unparsed(void **state)
{
	static const char head[] = "Nov 27 02:05:13 mx1 postfix/smtpd[12345]: NOQUEUE: "
				   "reject: RCPT from unknown[203.0.113.7]: 554 5.7.1 <";
	size_t n = 65536, h = strlen(head);
	char *line = malloc(n);

	(void)state;
	memcpy(line, head, h);
	memset(line + h, ' ', n - h);
	/* each "; from=<" starts a tail whose address runs to the end */
	for (size_t i = h; i + 8 <= n; i += 8)
		memcpy(line + i, "; from=<", 8);
	assert_int_equal(syslog_parse(&sl, line, n, REF), SYSLOG_OK);
	assert_int_equal(postfix_parse(&rec, sl.program, sl.msg, NULL),
			 POSTFIX_UNPARSED);
	assert_field(POSTFIX_F_CLIENT_IP, "203.0.113.7");
	free(line);
}

static void test_kept_copy_replaces_nul_and_reports_a_cut(void **state)
{
	char buf[8];

	(void)state;
	assert_true(slice_copy(buf, sizeof(buf), (struct slice){ "a\0b", 3 }));
	assert_string_equal(buf, "a" "\xef\xbf\xbd" "b");
	assert_false(slice_copy(buf, sizeof(buf), S("abcdefgh")));
	assert_string_equal(buf, "abcdefg");
	assert_false(slice_copy(buf, 4, S("ab\xff")));	/* U+FFFD does not fit */
	assert_string_equal(buf, "ab");
	assert_true(slice_copy(buf, sizeof(buf), (struct slice){ NULL, 0 }));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3164_line_splits_into_time_host_program_pid_message),
		cmocka_unit_test(test_rfc3164_space_padded_day_is_read),
		cmocka_unit_test(test_rfc3164_day_without_its_pad_is_read),
		cmocka_unit_test(test_rfc3164_december_line_read_in_january_is_previous_year),
		cmocka_unit_test(test_rfc3164_january_line_read_on_december_31_is_next_year),
		cmocka_unit_test(test_rfc3164_same_text_under_another_reference_year_is_not_cached),
		cmocka_unit_test(test_rfc3164_seconds_of_one_hour_convert_like_their_own_timestamps),
		cmocka_unit_test(test_rfc3164_february_29_is_refused_in_a_common_year),
		cmocka_unit_test(test_rfc3339_with_microseconds_and_colon_zone),
		cmocka_unit_test(test_rfc3339_with_z_and_no_fraction),
		cmocka_unit_test(test_journald_short_iso_zone_without_colon),
		cmocka_unit_test(test_rfc3339_offset_is_converted_to_utc),
		cmocka_unit_test(test_rfc3339_impossible_date_is_unparsed),
		cmocka_unit_test(test_host_of_the_previous_line_is_not_taken_for_a_longer_one),
		cmocka_unit_test(test_program_with_submission_service_name_is_kept_whole),
		cmocka_unit_test(test_program_without_pid_has_pid_minus_1),
		cmocka_unit_test(test_empty_line_is_unparsed),
		cmocka_unit_test(test_line_cut_anywhere_in_the_header_is_unparsed),
		cmocka_unit_test(test_line_is_read_only_up_to_len),
		cmocka_unit_test(test_nul_byte_in_header_is_unparsed),
		cmocka_unit_test(test_nul_byte_in_message_is_kept_by_syslog_and_unparsed_by_postfix),
		cmocka_unit_test(test_non_timestamp_garbage_is_unparsed),
		cmocka_unit_test(test_64k_line_of_garbage_is_unparsed),
		cmocka_unit_test(test_smtpd_connect_gives_client_host_and_ip),
		cmocka_unit_test(test_smtpd_client_with_sasl_login_gives_identity),
		cmocka_unit_test(test_smtpd_client_without_sasl_has_no_identity),
		cmocka_unit_test(test_smtpd_client_with_sasl_sender_and_long_queue_id),
		cmocka_unit_test(test_smtpd_sasl_login_failure_gives_attempted_user),
		cmocka_unit_test(test_smtpd_sasl_plain_failure_without_user),
		cmocka_unit_test(test_smtpd_other_warning_is_ignored),
		cmocka_unit_test(test_cleanup_message_id),
		cmocka_unit_test(test_qmgr_queue_active_gives_sender_size_and_nrcpt),
		cmocka_unit_test(test_qmgr_null_sender_is_empty),
		cmocka_unit_test(test_qmgr_removed),
		cmocka_unit_test(test_qmgr_expired_is_not_an_arrival),
		cmocka_unit_test(test_smtp_delivery_sent_gives_relay_and_status),
		cmocka_unit_test(test_smtp_delivery_deferred_with_conn_use),
		cmocka_unit_test(test_local_delivery_with_orig_to),
		cmocka_unit_test(test_pickup_gives_uid_and_sender),
		cmocka_unit_test(test_noqueue_reject_gives_stage_client_reply_and_envelope),
		cmocka_unit_test(test_noqueue_reject_at_connect_has_only_proto),
		cmocka_unit_test(test_cleanup_header_checks_reject_is_a_content_check),
		cmocka_unit_test(test_postsuper_placed_on_hold),
		cmocka_unit_test(test_postsuper_released_from_hold),
		cmocka_unit_test(test_postsuper_removed),
		cmocka_unit_test(test_postsuper_summary_has_no_queue_id),
		cmocka_unit_test(test_bounce_sender_non_delivery_notification_names_both_queue_ids),
		cmocka_unit_test(test_bounce_delay_and_delivery_status_notifications_with_long_queue_ids),
		cmocka_unit_test(test_bounce_postmaster_copy_is_a_notification_to_postmaster),
		cmocka_unit_test(test_bounce_lines_that_name_no_notification_are_not_one),
		cmocka_unit_test(test_caller_syslog_names_replace_the_default),
		cmocka_unit_test(test_sasl_username_inside_sender_address_is_not_an_identity),
		cmocka_unit_test(test_quoted_gt_comma_in_sender_does_not_end_the_address),
		cmocka_unit_test(test_injected_recipient_fields_stay_in_the_to_address),
		cmocka_unit_test(test_sasl_username_injected_in_helo_of_reject_is_not_an_identity),
		cmocka_unit_test(test_semicolon_in_rejected_recipient_stays_in_the_reply),
		cmocka_unit_test(test_duplicate_sasl_username_in_client_line_is_unparsed),
		cmocka_unit_test(test_failed_login_name_holding_a_field_name_is_kept_whole),
		cmocka_unit_test(test_postfix_text_from_another_program_is_foreign),
		cmocka_unit_test(test_client_field_on_wrong_service_is_ignored),
		cmocka_unit_test(test_malformed_known_records_are_unparsed),
		cmocka_unit_test(test_not_a_queue_id_is_ignored),
		cmocka_unit_test(test_invalid_utf8_in_login_name_is_replaced_when_kept),
		cmocka_unit_test(test_64k_login_name_is_truncated_and_flagged),
		cmocka_unit_test(test_line_cut_before_status_is_not_a_delivery),
		cmocka_unit_test(test_reject_with_thousands_of_tail_starts_is_unparsed),
		cmocka_unit_test(test_kept_copy_replaces_nul_and_reports_a_cut),
	};

	return cmocka_run_group_tests(tests, setup_tz, NULL);
}
