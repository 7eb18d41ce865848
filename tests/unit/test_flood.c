// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_flood.c - a flood of Postfix lines, real in form (forged or not),
 * through the maillog engine into the detector, cannot keep a real
 * incident that starts after it from opening: 5000 failed logins from
 * 5000 addresses, 5000 logins under 5000 names from one address, 1100
 * break-ins from 1100 addresses; then a spammer, and a real break-in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "counters.h"
#include "detect.h"
#include "maillog/engine.h"
#include "metrics.h"
#include "series.h"
#include "testutil.h"

static struct detector *det;
static FILE *maillog_file;
static time_t t0;
static unsigned qseq;

static void on_accepted(const struct message *m, double t, const char *line, size_t len,
			void *arg)
{
	struct detect_message dm = { m->identity, m, t, line, len };

	(void)arg;
	detect_message(det, &dm);
}

static void on_delivery(const struct message *m, enum msg_status status, const char *rcpt,
			double t, void *arg)
{
	(void)arg;
	detect_delivery(det, m->identity, m->qid, status, rcpt[0] ? rcpt : NULL, t);
}

static void on_login(const struct maillog_login *l, void *arg)
{
	(void)arg;
	detect_login(det, l->identity, l->client_ip, l->t);
}

static void on_failure(const char *ip, const char *user, double t, void *arg)
{
	(void)arg;
	detect_auth_failure(det, ip, user, t);
}

/* One line at t0 + dt, in the syslog form Postfix's lines have. */
static void line(double dt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line(double dt, const char *fmt, ...)
{
	time_t t = t0 + (time_t)dt;
	struct tm tm;
	char stamp[32];
	va_list ap;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	fprintf(maillog_file, "%s mx1 ", stamp);
	va_start(ap, fmt);
	vfprintf(maillog_file, fmt, ap);
	va_end(ap);
	fputc('\n', maillog_file);
}

static void failure(double dt, const char *ip)
{
	line(dt, "postfix/submission/smtpd[%u]: warning: unknown[%s]: SASL LOGIN authentication "
	     "failed: UGFzc3dvcmQ6", 2000u, ip);
}

/* A login: smtpd's client= line of a new queue id. */
static unsigned login(double dt, const char *user, const char *ip)
{
	unsigned q = ++qseq;

	line(dt, "postfix/submission/smtpd[%u]: 4F%08X: client=unknown[%s], sasl_method=PLAIN, "
	     "sasl_username=%s", 3000u, q, ip, user);
	return q;
}

/* A message sent by user: its login, then qmgr's from= of a foreign sender. */
static void spam(double dt, const char *user, const char *ip, int i)
{
	unsigned q = login(dt, user, ip);

	line(dt, "postfix/qmgr[1111]: 4F%08X: from=<ceo@bank%d.example>, size=1843, nrcpt=5 "
	     "(queue active)", q, i);
}

static void test_a_flood_does_not_keep_a_spammer_or_a_break_in_after_it_from_opening(void **s)
{
	struct detect_callbacks cb = { NULL, NULL, NULL, NULL };
	struct detect_config dc;
	struct maillog_events ev = { on_accepted, on_delivery, on_login, on_failure, NULL, NULL };
	struct series_table *ids = series_table_new_top(1, identity_label_names, 1000);
	struct counters counters;
	struct detect_stats st;
	struct config cfg;
	struct maillog *m;
	char dir[64], path[128], text[512], err[256], ip[64], user[64];
	uint64_t before = UINT64_MAX;

	(void)s;
	scratch_dir(dir, sizeof(dir), "flood");
	snprintf(path, sizeof(path), "%s/maillog", dir);
	maillog_file = fopen(path, "w");
	assert_non_null(maillog_file);
	t0 = time(NULL) - 1800;

	/* 5000 failed logins, one from each of 5000 addresses */
	for (int i = 0; i < 5000; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:1::%x", i);
		failure(i * 0.01, ip);
	}
	/* one address: 5 failures naming nobody, then 5000 names log in */
	for (int i = 0; i < 5; i++)
		failure(60, "198.51.100.200");
	for (int i = 0; i < 5000; i++) {
		snprintf(user, sizeof(user), "nobody%d@lab.test", i);
		login(61, user, "198.51.100.200");
	}
	/* 1100 addresses, each 5 failures and a login: 1100 incidents */
	for (int i = 0; i < 1100; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:2::%x", i);
		snprintf(user, sizeof(user), "victim%d@lab.test", i);
		for (int k = 0; k < 5; k++)
			failure(120, ip);
		login(121, user, ip);
	}
	/* after the flood: a spammer, and a real break-in */
	for (int i = 0; i < 10; i++)
		spam(300 + i * 0.2, "mallory@lab.test", "203.0.113.9", i);
	for (int k = 0; k < 5; k++)
		failure(310, "192.0.2.77");
	login(311, "carol@lab.test", "192.0.2.77");
	fclose(maillog_file);

	snprintf(text, sizeof(text), "[maillog]\npath = %s\nstart = beginning\nformat = postfix\n"
		 "[daemon]\nstate_dir = %s/state\n", path, dir);
	config_defaults(&cfg);
	assert_int_equal(config_load_string(&cfg, "test", text, err, sizeof(err)), 0);
	dc = cfg.detect;
	det = detect_new(&dc, &cb);
	memset(&counters, 0, sizeof(counters));
	m = maillog_open(&cfg, NULL, &counters, ids, NULL, &ev);
	assert_non_null(m);
	for (int i = 0; i < 10000 && counters.maillog_parsed != before; i++) {
		before = counters.maillog_parsed;
		maillog_poll(m);
	}
	assert_int_equal(counters.sasl_auth_failures, 5000 + 5 + 1100 * 5 + 5);

	detect_stats(det, &st);
	/* the one address opened its 10; 1100 + 10 opened in a table of 1024 */
	assert_int_equal(st.incidents_ratelimited, 5000 - 10);
	assert_true(st.open <= DETECT_MAX_OPEN);
	assert_int_equal(st.incidents_evicted, 10 + 1100 + 2 - DETECT_MAX_OPEN);
	assert_int_equal(st.incidents_dropped, 0);
	assert_non_null(detect_open_for(det, "sasl:mallory@lab.test"));
	assert_true(detect_open_for(det, "sasl:mallory@lab.test")->signals[SIG_FOREIGN].fired);
	assert_non_null(detect_open_for(det, "sasl:carol@lab.test"));
	assert_true(detect_open_for(det, "sasl:carol@lab.test")->signals[SIG_BRUTEFORCE].fired);

	maillog_close(m);
	detect_free(det);
	series_table_free(ids);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_flood_does_not_keep_a_spammer_or_a_break_in_after_it_from_opening),
	};

	log_init("test_flood", LOG_LEVEL_WARN);
	return cmocka_run_group_tests_name("flood", tests, NULL, NULL);
}
