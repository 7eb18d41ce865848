// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_respond_cmd.c - the incident life cycle through the control
 * commands (respond_command(), as sentinelctl sends them): resolve,
 * dismiss with and without an allowance, unlock, what each leaves in the
 * incident log and the saved state; and what respond submits for a flood
 * of incidents of logins alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "config.h"
#include "counters.h"
#include "postconf.h"
#include "respond.h"
#include "run.h"
#include "text.h"
#include "testutil.h"

static char base[64];
static struct config cfg;
static struct counters counters;
static struct runner *rn;
static struct respond *r;
static struct maillog_events ev;
static const struct control_peer peer = { .pid = 1, .uid = 0, .gid = 0 };
static double t0;
static const char *extra = "";	/* more of [actions] for start() */

static char *path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, name);
	return buf[i];
}

/* The daemon warns once per incident: quiet for the floods, and back. */
static int saved_stderr = -1;

static void quiet(bool on)
{
	if (on && saved_stderr < 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		fflush(stderr);
		saved_stderr = dup(2);
		assert_true(null >= 0 && saved_stderr >= 0);
		dup2(null, 2);
		close(null);
	} else if (!on && saved_stderr >= 0) {
		fflush(stderr);
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

/* A daemon's respond on the scratch directory, in mode (observe, enforce),
 * on a trusted maillog; Postfix's commands are stubs that succeed. */
static void start(const char *mode)
{
	char text[2048], err[256];
	struct postconf pc;
	static const char *const bins[] = { "postsuper", "postmap", "postfix", "postcat",
					    "postqueue" };

	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		char p[300];

		snprintf(p, sizeof(p), "bin/%s", bins[i]);
		write_file(path(p), "#!/bin/sh\nexit 0\n");
		assert_int_equal(chmod(path(p), 0755), 0);
	}
	write_file(path("bin/postmap"), "#!/bin/sh\ntouch \"${1#*:}.db\"\n");
	write_file(path("bin/postconf"), "#!/bin/sh\necho daemon_directory = /usr/lib/postfix/sbin\n");
	assert_int_equal(chmod(path("bin/postconf"), 0755), 0);
	/* spam() forges foreign senders for first-time logins: a list of our
	 * domains calls them foreign (auto knows no own domain for them yet) */
	snprintf(text, sizeof(text),
		 "[daemon]\nstate_dir = %s\n[maillog]\nlocal_domains = example.org\n"
		 "[actions]\nmode = %s\npostfix_bin_dir = %s\n"
		 "sasl_access_map = %s\nquarantine_dir = %s\n%s",
		 path("state"), mode, path("bin"), path("sasl_access"), path("quarantine"), extra);
	config_defaults(&cfg);
	assert_int_equal(config_load_string(&cfg, "test", text, err, sizeof(err)), 0);
	memset(&counters, 0, sizeof(counters));
	assert_int_equal(postconf_read(&pc, path("bin"), ""), 0);
	r = respond_new(&cfg, &pc, &counters, rn, NULL, "test");
	postconf_free(&pc);
	assert_non_null(r);
	respond_set_trust(r, true, "the test's own maillog");
	ev = respond_maillog_events(r);
}

static void stop(void)
{
	respond_free(r);
	r = NULL;
}

static int setup(void **state)
{
	(void)state;
	scratch_dir(base, sizeof(base), "respond");
	assert_int_equal(mkdir(path("bin"), 0755), 0);
	rn = runner_new();
	t0 = (double)time(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	quiet(false);
	stop();
	extra = "";
	runner_free(rn);
	scratch_remove(base);
	return 0;
}

static json_t *command(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The reply to a request written as JSON text. */
static json_t *command(const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	json_t *req, *reply;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	req = json_loads(text, 0, NULL);
	assert_non_null(req);
	reply = respond_command(req, &peer, r);
	json_decref(req);
	assert_non_null(reply);
	return reply;
}

static void expect_error(json_t *reply, const char *prefix)
{
	const char *e = json_string_value(json_object_get(reply, "error"));

	assert_true(json_is_false(json_object_get(reply, "ok")));
	assert_non_null(e);
	if (strncmp(e, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\", expected \"%s...\"", e, prefix);
	json_decref(reply);
}

/* Five failed logins from ip, then a login of sasl:login from it: a
 * bruteforce incident of logins alone. */
static void bruteforce(const char *login, const char *ip, double t)
{
	char id[128];
	struct maillog_login l = { id, ip, 4242, t, login, strlen(login) };

	for (int i = 0; i < 5; i++)
		ev.auth_failure(ip, NULL, t - 5 + i, ev.arg);
	snprintf(id, sizeof(id), "sasl:%s", login);
	ev.login(&l, ev.arg);
}

/* The id of identity's open (not resolved) incident, "" if none; its
 * state in *state. */
static const char *open_incident(const char *identity, const char **state)
{
	static char id[64], st[32];
	json_t *reply = command("{\"cmd\":\"incidents\"}"), *inc;
	size_t i;

	id[0] = st[0] = '\0';
	json_array_foreach(json_object_get(reply, "incidents"), i, inc) {
		const char *s = json_string_value(json_object_get(inc, "state"));

		if (strcmp(json_string_value(json_object_get(inc, "identity")), identity) != 0 ||
		    strcmp(s, "resolved") == 0)
			continue;
		snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(inc, "id")));
		snprintf(st, sizeof(st), "%s", s);
		break;
	}
	json_decref(reply);
	if (state)
		*state = st;
	return id;
}

/* The state of incident id, by `show`. */
static const char *state_of(const char *id)
{
	static char st[32];
	json_t *reply = command("{\"cmd\":\"show\",\"id\":\"%s\"}", id);

	snprintf(st, sizeof(st), "%s",
		 json_string_value(json_object_get(json_object_get(reply, "incident"), "state")));
	json_decref(reply);
	return st;
}

/* The number of incident log lines with this event and identity. */
static int logged(const char *event, const char *identity)
{
	FILE *f = fopen(path("state/incidents.log"), "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		const char *e = json_string_value(json_object_get(o, "event"));
		const char *who = json_string_value(json_object_get(json_object_get(o, "incident"),
								    "identity"));

		n += e && who && strcmp(e, event) == 0 && strcmp(who, identity) == 0;
		json_decref(o);
	}
	free(line);
	fclose(f);
	return n;
}

static void test_resolve_closes_an_open_incident_and_logs_it(void **state)
{
	const char *st = NULL;
	char id[64];
	json_t *reply;

	(void)state;
	start("observe");
	bruteforce("kim", "198.51.100.66", t0);
	snprintf(id, sizeof(id), "%s", open_incident("sasl:kim", &st));
	assert_true(id[0]);
	assert_string_equal(st, "observed");
	assert_int_equal(logged("observed", "sasl:kim"), 1);
	reply = command("{\"cmd\":\"resolve\",\"id\":\"%s\"}", id);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_string_equal(json_string_value(json_object_get(reply, "resolution")), "resolved");
	json_decref(reply);
	assert_string_equal(state_of(id), "resolved");
	assert_string_equal(open_incident("sasl:kim", NULL), "");
	assert_int_equal(logged("resolved", "sasl:kim"), 1);
	expect_error(command("{\"cmd\":\"resolve\",\"id\":\"%s\"}", id), "incident ");
	expect_error(command("{\"cmd\":\"resolve\",\"id\":\"19700101T000000-0001\"}"),
		     "no incident 19700101T000000-0001");
	expect_error(command("{\"cmd\":\"resolve\"}"), "resolve needs an incident id");
	expect_error(command("{\"cmd\":\"resolve\",\"id\":\"%s\",\"allow\":\"1h\"}", id),
		     "--allow is for dismiss");
	/* the identity may open a new one */
	bruteforce("kim", "198.51.100.66", t0 + 1);
	assert_string_not_equal(open_incident("sasl:kim", &st), "");
	assert_string_not_equal(open_incident("sasl:kim", &st), id);
	assert_string_equal(st, "observed");
}

static void test_dismiss_with_an_allowance_keeps_the_identity_quiet_across_a_restart(void **state)
{
	char id[64];
	json_t *reply, *allowed;

	(void)state;
	start("observe");
	bruteforce("newsletter", "192.0.2.10", t0);
	snprintf(id, sizeof(id), "%s", open_incident("sasl:newsletter", NULL));
	assert_true(id[0]);
	expect_error(command("{\"cmd\":\"dismiss\",\"id\":\"%s\",\"allow\":\"soon\"}", id),
		     "--allow: 'soon' is not a duration");
	expect_error(command("{\"cmd\":\"dismiss\",\"id\":\"%s\",\"allow\":\"31d\"}", id),
		     "--allow: '31d' is not a duration");
	reply = command("{\"cmd\":\"dismiss\",\"id\":\"%s\",\"allow\":\"2h\"}", id);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_string_equal(json_string_value(json_object_get(reply, "resolution")), "dismissed");
	assert_true(json_real_value(json_object_get(reply, "allowed_until")) >= t0 + 7200);
	json_decref(reply);
	assert_int_equal(logged("dismissed", "sasl:newsletter"), 1);

	/* it opens nothing now */
	bruteforce("newsletter", "192.0.2.10", t0 + 2);
	assert_string_equal(open_incident("sasl:newsletter", NULL), "");
	assert_string_equal(state_of(id), "resolved");

	/* status lists the allowance, and so does the metric's gauge */
	reply = command("{\"cmd\":\"status\"}");
	allowed = json_object_get(reply, "allowed");
	assert_int_equal(json_array_size(allowed), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(allowed, 0),
							       "identity")), "sasl:newsletter");
	json_decref(reply);
	respond_tick(r);
	assert_int_equal(counters.allowances, 1);

	/* and after a restart */
	stop();
	start("observe");
	reply = command("{\"cmd\":\"status\"}");
	assert_int_equal(json_array_size(json_object_get(reply, "allowed")), 1);
	json_decref(reply);
	bruteforce("newsletter", "192.0.2.10", t0 + 3);
	assert_string_equal(open_incident("sasl:newsletter", NULL), "");
}

static void test_dismiss_without_an_allowance_lets_the_identity_open_again(void **state)
{
	const char *st = NULL;
	char id[64];
	json_t *reply;

	(void)state;
	start("observe");
	bruteforce("bob", "192.0.2.11", t0);
	snprintf(id, sizeof(id), "%s", open_incident("sasl:bob", NULL));
	reply = command("{\"cmd\":\"dismiss\",\"id\":\"%s\"}", id);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_null(json_object_get(reply, "allowed_until"));
	json_decref(reply);
	reply = command("{\"cmd\":\"status\"}");
	assert_int_equal(json_array_size(json_object_get(reply, "allowed")), 0);
	json_decref(reply);
	bruteforce("bob", "192.0.2.11", t0 + 1);
	assert_string_not_equal(open_incident("sasl:bob", &st), "");
	assert_string_not_equal(open_incident("sasl:bob", &st), id);
	assert_string_equal(st, "observed");
}

static void test_unlock_resolves_the_incident_as_unlocked(void **state)
{
	json_t *reply;
	char id[64];

	(void)state;
	start("observe");
	bruteforce("eve", "192.0.2.12", t0);
	snprintf(id, sizeof(id), "%s", open_incident("sasl:eve", NULL));
	assert_true(id[0]);
	reply = command("{\"cmd\":\"unlock\",\"user\":\"eve\"}");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	assert_string_equal(state_of(id), "resolved");
	assert_int_equal(logged("unlocked", "sasl:eve"), 1);
}

static void test_a_quiet_incident_expires_into_the_log_and_out_of_the_saved_state(void **state)
{
	char id[64];

	(void)state;
	start("observe");
	/* log time more than incident_expiry (1 h) before the clock */
	bruteforce("old", "192.0.2.13", t0 - 3700);
	snprintf(id, sizeof(id), "%s", open_incident("sasl:old", NULL));
	assert_true(id[0]);
	respond_tick(r);
	assert_string_equal(open_incident("sasl:old", NULL), "");
	assert_string_equal(state_of(id), "resolved");
	assert_int_equal(logged("expired", "sasl:old"), 1);
	assert_int_equal(counters.incidents_expired, 1);
	assert_null(strstr(read_file(path("state/incidents.state")), id));
}

static void test_a_full_table_evicts_into_the_log(void **state)
{
	char login[32], ip[48];

	(void)state;
	start("observe");
	quiet(true);
	for (int k = 0; k < DETECT_MAX_OPEN + 1; k++) {
		snprintf(login, sizeof(login), "x%d", k);
		snprintf(ip, sizeof(ip), "2001:db8:3::%x", k);
		bruteforce(login, ip, t0);
	}
	quiet(false);
	assert_int_equal(logged("evicted", "sasl:x0"), 1);
	assert_int_equal(logged("evicted", "sasl:x1"), 0);
	assert_string_not_equal(open_incident("sasl:x1024", NULL), "");
	respond_tick(r);
	assert_int_equal(counters.incidents_evicted, 1);
	assert_int_equal(counters.incidents_open, DETECT_MAX_OPEN);
	/* restarted with a full table, a new incident still opens */
	stop();
	start("observe");
	respond_tick(r);
	assert_int_equal(counters.incidents_open, DETECT_MAX_OPEN);
	bruteforce("new", "192.0.2.14", t0 + 1);
	assert_string_not_equal(open_incident("sasl:new", NULL), "");
	assert_int_equal(logged("evicted", "sasl:x1"), 1);
}

/* An accepted message of identity with a foreign sender. */
static int pad;		/* dots after spam()'s line, to make its incident big */

static void spam(const char *identity, int i, double t)
{
	struct message m;
	char line[1024];

	memset(&m, 0, sizeof(m));
	snprintf(m.instance, sizeof(m.instance), "postfix");
	snprintf(m.qid, sizeof(m.qid), "5A%08X", (unsigned)i);
	snprintf(m.identity, sizeof(m.identity), "%s", identity);
	snprintf(m.client_ip, sizeof(m.client_ip), "203.0.113.99");
	snprintf(m.sender, sizeof(m.sender), "ceo@bank%d.example", i);
	m.has_sender = true;
	m.accepted = true;
	m.nrcpt = 5;
	snprintf(line, sizeof(line), "postfix/qmgr[1]: %s: from=<%s>, size=900, nrcpt=5 "
		 "(queue active) %.*s", m.qid, m.sender, pad, "................................"
		 "................................................................................"
		 "................................................................................"
		 "................................................................................");
	ev.accepted(&m, t, line, strlen(line), ev.arg);
}

static void test_a_restart_keeps_the_newest_incidents_when_not_all_fit(void **state)
{
	char who[32];
	long size;
	FILE *f;

	(void)state;
	start("observe");
	pad = 300;
	quiet(true);
	for (int u = 0; u < DETECT_MAX_OPEN; u++) {
		snprintf(who, sizeof(who), "sasl:big%d", u);
		for (int k = 0; k < 12; k++)	/* the last 8 are the incident's lines */
			spam(who, u * 12 + k, t0 + u * 0.001 + k * 0.01);
	}
	quiet(false);
	pad = 0;
	respond_tick(r);	/* saves */
	f = fopen(path("state/incidents.state"), "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_true(size > 0 && size < 1 << 20);
	stop();
	start("observe");
	assert_string_equal(open_incident("sasl:big0", NULL), "");
	assert_string_not_equal(open_incident("sasl:big1023", NULL), "");
	assert_string_not_equal(open_incident("sasl:big1000", NULL), "");
}

static void test_a_flood_of_login_incidents_locks_at_most_the_budget_and_a_spammer_still_acts(
	void **state)
{
	const char *st = NULL;
	char login[32], ip[48];
	int acted = 0, open = 0;
	json_t *reply, *inc;
	size_t i;

	(void)state;
	start("enforce");
	quiet(true);
	/* 100 stolen-looking logins from 100 addresses (one incident each:
	 * the per-address limit does not stop them, the lock budget does) */
	for (int k = 0; k < 100; k++) {
		snprintf(login, sizeof(login), "flood%d", k);
		snprintf(ip, sizeof(ip), "2001:db8::%x", k);
		bruteforce(login, ip, t0);
	}
	quiet(false);
	reply = command("{\"cmd\":\"incidents\"}");
	json_array_foreach(json_object_get(reply, "incidents"), i, inc) {
		const char *s = json_string_value(json_object_get(inc, "state"));

		acted += strcmp(s, "acted") == 0;
		open += strcmp(s, "open") == 0;
	}
	json_decref(reply);
	assert_int_equal(acted, RESPOND_LOGIN_LOCKS);
	assert_int_equal(open, 100 - RESPOND_LOGIN_LOCKS);
	assert_int_equal(counters.login_locks_deferred, 100 - RESPOND_LOGIN_LOCKS);
	assert_int_equal(counters.actions_refused, 0);
	/* one address, 15 names: 10 incidents, 5 refused, in the metrics */
	for (int k = 0; k < 15; k++) {
		snprintf(login, sizeof(login), "nat%d", k);
		bruteforce(login, "198.51.100.200", t0);
	}
	respond_tick(r);
	assert_int_equal(counters.incidents_ratelimited, 5);
	/* a spammer after the flood is acted on at once */
	for (int k = 0; k < 10; k++)
		spam("sasl:mallory", k, t0 + 1 + k * 0.1);
	open_incident("sasl:mallory", &st);
	assert_string_equal(st, "acted");
	/* and a deferred login incident that starts to send, too */
	for (int k = 0; k < 10; k++)
		spam("sasl:flood99", 100 + k, t0 + 2 + k * 0.1);
	open_incident("sasl:flood99", &st);
	assert_string_equal(st, "acted");
}

/* A lock_hook that keeps each run's arguments in lock-hook.args.N. */
static void lock_hook_config(void)
{
	static char conf[400];
	char hook[300];

	snprintf(hook, sizeof(hook), "%s", path("lock-hook"));
	write_file(hook, "#!/bin/sh\nn=$(ls \"$0\".args.* 2>/dev/null | wc -l)\n"
			 "printf '%s|' \"$@\" > \"$0.tmp\"\nmv \"$0.tmp\" \"$0.args.$n\"\n");
	assert_int_equal(chmod(hook, 0755), 0);
	snprintf(conf, sizeof(conf), "lock_hook = %s\n", hook);
	extra = conf;
}

/* Five failures from ip, then the login l: a bruteforce incident. */
static void bruteforce_as_logged(struct maillog_login *l)
{
	for (int i = 0; i < 5; i++)
		ev.auth_failure(l->client_ip, NULL, l->t - 5 + i, ev.arg);
	ev.login(l, ev.arg);
}

/* The "login" object of the incident id, by `show` (a new reference). */
static json_t *login_of(const char *id)
{
	json_t *reply = command("{\"cmd\":\"show\",\"id\":\"%s\"}", id);
	json_t *login = json_incref(json_object_get(json_object_get(reply, "incident"), "login"));

	json_decref(reply);
	assert_non_null(login);
	return login;
}

/* Run respond's actions until none waits (or 5 s). */
static void run_actions(void)
{
	struct timespec ts;
	double end;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (double)ts.tv_sec + 5;
	do {
		struct epoll_event e;

		respond_tick(r);
		epoll_wait(runner_fd(rn), &e, 1, 20);
		runner_dispatch(rn);
		runner_tick(rn);
		clock_gettime(CLOCK_MONOTONIC, &ts);
	} while ((runner_running(rn) || (double)ts.tv_sec < end - 4.5) && (double)ts.tv_sec < end);
}

/* A login whose bytes are not UTF-8 is made an identity with U+FFFD: that
 * copy is never a map key.  The incident says why, with the login as
 * logged in hex, and lock_hook gets those bytes, once per lock (a late
 * session is cut, nothing more), for the unlock too. */
static void test_an_inexact_login_goes_to_lock_hook_as_logged(void **state)
{
	static const char raw[] = "b\xff" "b";
	const char *identity = "sasl:b" UTF8_REPLACEMENT "b", *st = NULL;
	struct maillog_login l = { identity, "192.0.2.9", 4242, t0, raw, 3 };
	char id[64], *text;
	json_t *login, *reply;

	(void)state;
	lock_hook_config();
	start("enforce");
	bruteforce_as_logged(&l);
	snprintf(id, sizeof(id), "%s", open_incident(identity, &st));
	assert_string_equal(st, "acted");
	login = login_of(id);
	assert_true(json_is_false(json_object_get(login, "exact")));
	assert_true(json_is_false(json_object_get(login, "locked_by_map")));
	assert_non_null(strstr(json_string_value(json_object_get(login, "why")), "U+FFFD"));
	assert_true(json_is_true(json_object_get(login, "exact_bytes_known")));
	assert_int_equal(json_array_size(json_object_get(login, "as_logged_hex")), 1);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(login, "as_logged_hex"), 0)), "62ff62");
	json_decref(login);
	/* the list of incidents leaves the bytes out (its reply is bounded) */
	reply = command("{\"cmd\":\"incidents\"}");
	assert_null(json_object_get(json_object_get(json_array_get(
		json_object_get(reply, "incidents"), 0), "login"), "as_logged_hex"));
	json_decref(reply);
	run_actions();
	text = read_file(path("lock-hook.args.0"));
	assert_non_null(text);
	assert_string_equal(text, "lock|--|b\xff" "b|");
	/* no key in the map: it would lock another account, or none */
	text = read_file(path("sasl_access"));
	assert_null(text && strstr(text, "REJECT") ? text : NULL);
	text = read_file(path("state/incidents.log"));
	assert_non_null(text);
	assert_non_null(strstr(text, "\"locked_by_map\":false"));
	/* a late session of the locked login: cut, no second lock or hook */
	l.smtpd_pid = 4343;
	l.t = t0 + 1;
	ev.login(&l, ev.arg);
	run_actions();
	assert_null(read_file(path("lock-hook.args.1")));
	/* unlocked by hand: the hook gets the bytes as logged again */
	reply = command("{\"cmd\":\"unlock\",\"user\":\"b\\ufffdb\"}");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	run_actions();
	text = read_file(path("lock-hook.args.1"));
	assert_non_null(text);
	assert_string_equal(text, "unlock|--|b\xff" "b|");
}

/* When the exact bytes are not known for sure, nothing is handed on and no
 * mail is confirmed as the identity's: two logins that share the cleaned-up
 * identity, or one that Postfix logged with '?'. */
static void test_an_ambiguous_login_is_never_handed_on(void **state)
{
	const char *shared = "sasl:c" UTF8_REPLACEMENT "c", *marked = "sasl:d?d", *st = NULL;
	struct maillog_login one = { shared, "192.0.2.10", 4242, t0 - 20, "c\xfe" "c", 3 };
	struct maillog_login two = { shared, "192.0.2.10", 4243, t0, "c\xff" "c", 3 };
	struct maillog_login q = { marked, "192.0.2.11", 4244, t0, "d?d", 3 };
	char id[64];
	json_t *login;

	(void)state;
	lock_hook_config();
	start("enforce");
	ev.login(&one, ev.arg);
	bruteforce_as_logged(&two);
	snprintf(id, sizeof(id), "%s", open_incident(shared, &st));
	assert_string_equal(st, "acted");
	login = login_of(id);
	assert_int_equal(json_integer_value(json_object_get(login, "forms")), 2);
	assert_true(json_is_false(json_object_get(login, "exact_bytes_known")));
	assert_non_null(strstr(json_string_value(json_object_get(login, "unknown_why")),
			       "share this identity"));
	json_decref(login);
	bruteforce_as_logged(&q);
	snprintf(id, sizeof(id), "%s", open_incident(marked, &st));
	assert_string_equal(st, "acted");
	login = login_of(id);
	assert_true(json_is_false(json_object_get(login, "exact_bytes_known")));
	assert_non_null(strstr(json_string_value(json_object_get(login, "unknown_why")),
			       "exactly that name"));
	json_decref(login);
	run_actions();
	assert_null(read_file(path("lock-hook.args.0")));
}

/* The table of what respond remembers per identity (sessions, login forms)
 * is full at RESPOND_MAX_IDENTITIES and then forgets the least recently
 * active one: an identity that logs in again is the most recent, and a
 * full table of others evicts one of them, not it. */
static void test_an_identity_active_again_outlives_a_full_table_of_others(void **state)
{
	const char *shared = "sasl:c" UTF8_REPLACEMENT "c", *st = NULL;
	struct maillog_login one = { shared, "192.0.2.10", 4242, t0 - 40, "c\xfe" "c", 3 };
	struct maillog_login two = { shared, "192.0.2.10", 4243, t0, "c\xff" "c", 3 };
	char id[64], other[64];
	json_t *login;

	(void)state;
	start("enforce");
	ev.login(&one, ev.arg);
	for (int i = 0; i < RESPOND_MAX_IDENTITIES; i++) {
		struct maillog_login l = { other, "192.0.2.20", 5000 + i, t0 - 30, other, 0 };

		if (i == RESPOND_MAX_IDENTITIES / 2) {
			one.t = t0 - 20;
			ev.login(&one, ev.arg);		/* active again */
		}
		snprintf(other, sizeof(other), "sasl:user%d", i);
		l.raw_len = strlen(other);
		ev.login(&l, ev.arg);
	}
	/* one more than fit: one forgotten, and the metrics say so */
	respond_tick(r);
	assert_int_equal(counters.respond_identities, RESPOND_MAX_IDENTITIES);
	assert_int_equal(counters.respond_identity_evictions, 1);
	/* the first form is still known: two forms, so not handed on */
	bruteforce_as_logged(&two);
	snprintf(id, sizeof(id), "%s", open_incident(shared, &st));
	assert_string_equal(st, "acted");
	login = login_of(id);
	assert_int_equal(json_integer_value(json_object_get(login, "forms")), 2);
	assert_true(json_is_false(json_object_get(login, "exact_bytes_known")));
	json_decref(login);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_resolve_closes_an_open_incident_and_logs_it),
		T(test_dismiss_with_an_allowance_keeps_the_identity_quiet_across_a_restart),
		T(test_dismiss_without_an_allowance_lets_the_identity_open_again),
		T(test_unlock_resolves_the_incident_as_unlocked),
		T(test_a_quiet_incident_expires_into_the_log_and_out_of_the_saved_state),
		T(test_a_full_table_evicts_into_the_log),
		T(test_a_restart_keeps_the_newest_incidents_when_not_all_fit),
		T(test_a_flood_of_login_incidents_locks_at_most_the_budget_and_a_spammer_still_acts),
		T(test_an_inexact_login_goes_to_lock_hook_as_logged),
		T(test_an_ambiguous_login_is_never_handed_on),
		T(test_an_identity_active_again_outlives_a_full_table_of_others),
	};

	log_init("test_respond_cmd", LOG_LEVEL_WARN);
	return cmocka_run_group_tests_name("respond_cmd", tests, NULL, NULL);
}
