// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_actions.c - the action engine without Postfix: the map editor, the
 * sequence, observe mode, hooks, retries, timeouts, the state file.
 *
 * What Postfix does with our commands is tested against a real Postfix in
 * tests/integration/test_actions.sh.  Here, fake postsuper scripts only
 * inject failures (exit 1, a hang); hooks are real scripts, as an admin's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "log.h"
#include "run.h"
#include "sasl_map.h"
#include "sockkill.h"
#include "testutil.h"

#define MAX_EVENTS 64

static char base[64];

/*
 * The fixture of the engine tests: setup() makes the runner, a test fills
 * c with config() and starts a = actions_new(&c, rn, ...), submit() sends
 * q (err holds the refusal), teardown() frees what is left.
 */
static struct actions_config c;
static struct action_request q;
static struct runner *rn;
static struct actions *a;
static char err[128];

static struct {
	enum action_kind kind;
	enum action_result result;
	size_t count;
	double t;
	char detail[512];
} events[MAX_EVENTS];
static size_t nevents;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_event(const struct action_event *ev, void *arg)
{
	(void)arg;
	if (nevents == MAX_EVENTS)
		return;
	events[nevents].kind = ev->kind;
	events[nevents].result = ev->result;
	events[nevents].count = ev->count;
	events[nevents].t = now();
	snprintf(events[nevents].detail, sizeof(events[0].detail), "%s", ev->detail);
	nevents++;
}

static const struct actions_callbacks callbacks = { .done = on_event };

static char *path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, name);
	return buf[i];
}

static void script(const char *name, const char *body)
{
	char text[4096];

	assert_true((size_t)snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body) < sizeof(text));
	write_file(path(name), text);
	assert_int_equal(chmod(path(name), 0755), 0);
}

/*
 * A fake queue: base/queue/QID is the envelope that the fake postcat
 * prints (a message that is not there: postcat's fatal error, exit 1), and
 * the fake postqueue -j lists every one of them as active.
 */
static void fake_queue(void)
{
	char body[1024];

	assert_int_equal(mkdir(path("queue"), 0755), 0);
	snprintf(body, sizeof(body),
		 "for q; do :; done\n"
		 "[ -f '%s'/\"$q\" ] || { echo \"postcat: fatal: open queue file $q\" >&2; exit 1; }\n"
		 "cat '%s'/\"$q\"", path("queue"), path("queue"));
	script("bin/postcat", body);
	snprintf(body, sizeof(body),
		 "for f in '%s'/*; do [ -f \"$f\" ] || continue; "
		 "n=$(sed -n '1s,^[*]* ENVELOPE RECORDS \\([a-z]*\\)/.*,\\1,p' \"$f\"); "
		 "echo \"{\\\"queue_name\\\":\\\"$n\\\",\\\"queue_id\\\":\\\"${f##*/}\\\"}\"; done",
		 path("queue"));
	script("bin/postqueue", body);
}

/* A message in queue (active, hold) whose queue file names login (NULL:
 * a local submission). */
static void queued_in(const char *queue, const char *qid, const char *login)
{
	char name[64], text[1024];

	snprintf(name, sizeof(name), "queue/%s", qid);
	snprintf(text, sizeof(text),
		 "*** ENVELOPE RECORDS %s/%s ***\n"
		 "named_attribute: rewrite_context=%s\n%s%s%s"
		 "sender: someone@example.org\n"
		 "*** MESSAGE CONTENTS active/%s ***\n"
		 "Subject: hi\n\nnamed_attribute: sasl_username=forged-in-the-body\n"
		 "*** MESSAGE FILE END active/%s ***\n",
		 queue, qid, login ? "remote" : "local",
		 login ? "named_attribute: sasl_username=" : "",
		 login ? login : "", login ? "\nnamed_attribute: client_address=192.0.2.7\n" : "",
		 qid, qid);
	write_file(path(name), text);
}

static void queued_msg(const char *qid, const char *login)
{
	queued_in("active", qid, login);
}

/* The engine, told that the maillog is trusted. */
static struct actions *trusted_new(const struct actions_callbacks *cb)
{
	struct actions *e = actions_new(&c, rn, cb);

	if (e)
		actions_set_trust(e, true);
	return e;
}

static int setup(void **state)
{
	(void)state;
	scratch_dir(base, sizeof(base), "actions");
	assert_int_equal(mkdir(path("bin"), 0755), 0);
	fake_queue();
	nevents = 0;
	rn = runner_new();
	a = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	actions_free(a);	/* a hanging command is left to the runner */
	runner_free(rn);
	scratch_remove(base);
	return 0;
}

static void config(bool enforce)
{
	memset(&c, 0, sizeof(c));
	c.enforce = enforce;
	c.spam = SPAM_QUARANTINE;
	snprintf(c.state_dir, sizeof(c.state_dir), "%s", path("state"));
	snprintf(c.postfix_bin_dir, sizeof(c.postfix_bin_dir), "%s", path("bin"));
	c.timeout = 5;
	c.retries = 0;
	c.act_on_uid = true;
}

/* A hook script in the scratch directory, named in c's field (PATH_MAX). */
static void hook(char *field, const char *name, const char *body)
{
	script(name, body);
	snprintf(field, PATH_MAX, "%s", path(name));
}

/* Run the loop until the queue is empty (or max seconds). */
static void drive(double max)
{
	double end = now() + max;
	struct actions_stats st;

	for (;;) {
		struct epoll_event ev;

		actions_tick(a);
		actions_stats(a, &st);
		if (st.queued == 0 || now() > end)
			break;
		epoll_wait(runner_fd(rn), &ev, 1, 20);
		runner_dispatch(rn);
		runner_tick(rn);
	}
	assert_int_equal(st.queued, 0);
}

static void request(enum request_kind kind, const char *identity, const char *incident)
{
	memset(&q, 0, sizeof(q));
	q.kind = kind;
	snprintf(q.identity, sizeof(q.identity), "%s", identity);
	snprintf(q.incident, sizeof(q.incident), "%s", incident);
}

static int submit(void)
{
	return actions_submit(a, &q, err, sizeof(err));
}

/* request() with n queue ids, submitted: submit()'s result */
static int submit_qids(enum request_kind kind, const char *identity, const char *incident,
		       const char (*qids)[POSTFIX_QID_MAX], size_t n)
{
	request(kind, identity, incident);
	q.qids = qids;
	q.nqids = n;
	return submit();
}

static void expect(size_t i, enum action_kind kind, enum action_result result)
{
	assert_true(i < nevents);
	if (events[i].kind != kind || events[i].result != result)
		fail_msg("event %zu: %s %s (%s), expected %s %s", i,
			 action_kind_name(events[i].kind), action_result_name(events[i].result),
			 events[i].detail, action_kind_name(kind), action_result_name(result));
}

static const char qids2[2][POSTFIX_QID_MAX] = { "4F1B2C3D4E", "ABCDEF0123" };

static void test_login_must_be_a_map_key(void **state)
{
	char longest[300] = "sasl:";

	(void)state;
	assert_string_equal(actions_login("sasl:alice@example.com"), "alice@example.com");
	assert_string_equal(actions_login("sasl:J\xc3\xa9r\xc3\xb4me"), "J\xc3\xa9r\xc3\xb4me");
	assert_null(actions_login("sasl:al ice"));
	assert_null(actions_login("sasl:al\tice"));
	assert_null(actions_login("sasl:al\x01ice"));
	assert_null(actions_login("sasl:alice#x"));
	assert_null(actions_login("sasl:"));
	assert_null(actions_login("client:192.0.2.7"));
	assert_null(actions_login(NULL));
	memset(longest + 5, 'a', 255);
	assert_non_null(actions_login(longest));
	longest[5 + 255] = 'a';
	assert_null(actions_login(longest));
}

static void test_map_lock_goes_before_the_first_entry_and_unlock_restores(void **state)
{
	const char *admin = "# admin's header\n\nadmin@x REJECT no\n  continued\nbob OK\n";
	size_t n, m;
	char *locked, *unlocked;

	(void)state;
	locked = sasl_map_edit(admin, strlen(admin), "alice", "inc-1", &n);
	assert_string_equal(locked, "# admin's header\n\n"
			    "alice " SASL_MAP_MARK " (inc-1)\n"
			    "admin@x REJECT no\n  continued\nbob OK\n");
	assert_int_equal(n, strlen(locked));
	unlocked = sasl_map_edit(locked, n, "ALICE", NULL, &m);
	assert_string_equal(unlocked, admin);
	free(locked);
	free(unlocked);
}

static void test_map_unlock_removes_only_our_entry_and_its_continuation(void **state)
{
	const char *text = "alice " SASL_MAP_MARK " (old)\n   continued\n"
			   "alice REJECT the admin's own\n"
			   "alice2 " SASL_MAP_MARK " (x)\n";
	size_t n;
	char *out = sasl_map_edit(text, strlen(text), "alice", NULL, &n);

	(void)state;
	assert_string_equal(out, "alice REJECT the admin's own\nalice2 " SASL_MAP_MARK " (x)\n");
	free(out);
}

static void test_map_lock_twice_keeps_one_entry(void **state)
{
	size_t n, m;
	char *once = sasl_map_edit("# c", 3, "bob", "i1", &n);
	char *twice = sasl_map_edit(once, n, "bob", "i2", &m);

	(void)state;
	assert_string_equal(once, "# c\nbob " SASL_MAP_MARK " (i1)\n");
	assert_string_equal(twice, "# c\nbob " SASL_MAP_MARK " (i2)\n");
	free(once);
	free(twice);
}

struct seen {
	char keys[4][64], incidents[4][64];
	int n;
};

static void on_entry(const char *key, const char *incident, void *arg)
{
	struct seen *s = arg;

	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	snprintf(s->incidents[s->n], sizeof(s->incidents[0]), "%s", incident);
	s->n++;
}

static void test_map_ours_lists_our_entries_only(void **state)
{
	const char *text = "# alice " SASL_MAP_MARK " (no)\nalice " SASL_MAP_MARK " (i-1)\n"
			   "bob REJECT mine\ncarol " SASL_MAP_MARK " (manual)\n";
	struct seen s = { 0 };

	(void)state;
	sasl_map_ours(text, strlen(text), on_entry, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.keys[0], "alice");
	assert_string_equal(s.incidents[0], "i-1");
	assert_string_equal(s.keys[1], "carol");
	assert_string_equal(s.incidents[1], "manual");
}

static void test_client_addresses_parse_v4_mapped(void **state)
{
	unsigned char x[16], y[16];

	(void)state;
	assert_int_equal(sockkill_parse_ip("192.0.2.7", x), 0);
	assert_int_equal(sockkill_parse_ip("::ffff:192.0.2.7", y), 0);
	assert_memory_equal(x, y, 16);
	assert_int_equal(sockkill_parse_ip("IPv6:2001:db8::1", x), 0);
	assert_int_equal(sockkill_parse_ip("2001:db8::1", y), 0);
	assert_memory_equal(x, y, 16);
	assert_int_equal(sockkill_parse_ip("unknown", x), -1);
	assert_int_equal(sockkill_parse_ip("192.0.2.7]", x), -1);
}

static void test_observe_mode_records_every_step_and_runs_nothing(void **state)
{
	struct action_session s = { .pid = 4242, .client_ip = "192.0.2.7" };
	struct stat st;
	char *audit;
	size_t lines = 0;

	(void)state;
	config(false);
	c.hold_all = true;
	/* everything that would leave a trace if it ran */
	snprintf(c.postfix_bin_dir, sizeof(c.postfix_bin_dir), "%s", path("no-such-bin"));
	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	snprintf(c.quarantine_dir, sizeof(c.quarantine_dir), "%s", path("quarantine"));
	hook(c.lock_hook, "hook", "touch \"$0.ran\"");
	snprintf(c.action_hook, sizeof(c.action_hook), "%s", path("hook"));
	a = trusted_new(&callbacks);
	assert_non_null(a);
	request(REQ_RESPOND, "sasl:alice@example.com", "inc-1");
	q.qids = qids2;
	q.nqids = 2;
	q.sessions = &s;
	q.nsessions = 1;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_int_equal(nevents, 6);
	expect(0, ACTION_HOLD, RESULT_OBSERVED);
	expect(1, ACTION_LOCK, RESULT_OBSERVED);
	expect(2, ACTION_CUT, RESULT_OBSERVED);
	expect(3, ACTION_HOOK, RESULT_OBSERVED);	/* lock_hook */
	expect(4, ACTION_QUARANTINE, RESULT_OBSERVED);
	expect(5, ACTION_RELEASE, RESULT_OBSERVED);
	assert_int_equal(events[4].count, 2);
	assert_false(actions_locked(a, "sasl:alice@example.com"));
	assert_int_equal(stat(path("hook.ran"), &st), -1);
	assert_int_equal(stat(path("sasl_access"), &st), -1);
	assert_int_equal(stat(path("quarantine"), &st), -1);
	audit = read_file(path("state/audit.log"));
	assert_non_null(audit);
	for (char *p = audit; (p = strstr(p, "\"result\":\"observed\"")) != NULL; p++)
		lines++;
	assert_int_equal(lines, 6);
}

static void test_manual_request_acts_in_observe_mode_and_retries_with_backoff(void **state)
{
	char *audit;

	(void)state;
	config(false);
	c.retries = 2;
	script("bin/postsuper", "echo 'postsuper: fatal: queue is broken' >&2; exit 1");
	queued_msg(qids2[0], "bob");
	queued_msg(qids2[1], "bob");
	a = trusted_new(&callbacks);
	assert_non_null(a);
	request(REQ_HOLD, "sasl:bob", "");
	q.manual = true;
	q.qids = qids2;
	q.nqids = 2;
	assert_int_equal(submit(), 0);
	drive(10);
	assert_int_equal(nevents, 3);
	expect(0, ACTION_HOLD, RESULT_RETRY);
	expect(1, ACTION_HOLD, RESULT_RETRY);
	expect(2, ACTION_HOLD, RESULT_FAILED);
	assert_true(events[1].t - events[0].t >= 0.95);	/* backoff 1 s */
	assert_true(events[2].t - events[1].t >= 1.95);	/* then 2 s */
	assert_non_null(strstr(events[2].detail, "exit 1: postsuper: fatal: queue is broken"));
	audit = read_file(path("state/audit.log"));
	assert_non_null(strstr(audit, "\"queue_ids\":[\"4F1B2C3D4E\",\"ABCDEF0123\"]"));
	assert_non_null(strstr(audit, "\"exit\":1"));
}

static void test_a_hung_command_times_out_and_fails(void **state)
{
	double t0 = now();

	(void)state;
	config(true);
	c.timeout = 0.3;
	script("bin/postsuper", "exec sleep 30");
	queued_msg(qids2[0], "bob");
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_HOLD, "sasl:bob", "", qids2, 1), 0);
	drive(5);
	assert_int_equal(nevents, 1);
	expect(0, ACTION_HOLD, RESULT_FAILED);
	assert_non_null(strstr(events[0].detail, "timed out"));
	assert_true(now() - t0 < 2);
}

static void test_failed_hold_does_not_prevent_the_lock(void **state)
{
	char *out;

	(void)state;
	config(true);
	script("bin/postsuper", "exit 1");
	hook(c.lock_hook, "lock-hook", "echo \"$@\" > \"$0.args\"; cat > \"$0.stdin\"");
	c.spam = SPAM_KEEP;
	queued_msg(qids2[0], "alice@example.com");
	queued_msg(qids2[1], "alice@example.com");
	a = trusted_new(&callbacks);
	request(REQ_RESPOND, "sasl:alice@example.com", "inc-7");
	q.incident_json = "{\"id\":\"inc-7\"}";
	q.qids = qids2;
	q.nqids = 2;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_int_equal(nevents, 3);
	expect(0, ACTION_LOCK, RESULT_SKIPPED);	/* no sasl_access_map */
	expect(1, ACTION_HOOK, RESULT_OK);
	expect(2, ACTION_HOLD, RESULT_FAILED);
	out = read_file(path("lock-hook.args"));
	assert_string_equal(out, "lock -- alice@example.com\n");
	out = read_file(path("lock-hook.stdin"));
	assert_string_equal(out, "{\"id\":\"inc-7\"}");
	/* without a map, the hook is the lock */
	assert_true(actions_locked(a, "sasl:alice@example.com"));
}

static void test_action_hook_runs_after_every_step(void **state)
{
	char *out;

	(void)state;
	config(true);
	hook(c.action_hook, "action-hook",
	     "echo \"$# $@\" >> \"$0.log\"; cat >> \"$0.log\"; echo >> \"$0.log\"");
	a = trusted_new(&callbacks);
	/* no queue ids: the hold is skipped, runs no command, and is reported */
	request(REQ_HOLD, "sasl:carol", "inc-9");
	q.incident_json = "{\"id\":\"inc-9\"}";
	assert_int_equal(submit(), 0);
	drive(5);
	assert_int_equal(nevents, 2);
	expect(0, ACTION_HOLD, RESULT_SKIPPED);
	expect(1, ACTION_HOOK, RESULT_OK);
	out = read_file(path("action-hook.log"));
	assert_string_equal(out, "4 hold skipped sasl:carol inc-9\n{\"id\":\"inc-9\"}\n");
}

static struct actions *resubmit_to;

static void on_event_submit(const struct action_event *ev, void *arg)
{
	struct action_request judy = { .kind = REQ_HOLD, .identity = "sasl:judy",
				       .incident = "inc-10" };
	char why[128];

	on_event(ev, arg);
	if (ev->kind == ACTION_HOOK && resubmit_to) {
		assert_int_equal(actions_submit(resubmit_to, &judy, why, sizeof(why)), 0);
		resubmit_to = NULL;
	}
}

static void test_a_callback_may_submit_a_request(void **state)
{
	const struct actions_callbacks cb = { .done = on_event_submit };

	(void)state;
	config(true);
	hook(c.action_hook, "action-hook", "exit 0");
	a = trusted_new(&cb);
	resubmit_to = a;
	request(REQ_HOLD, "sasl:ivan", "inc-9");
	assert_int_equal(submit(), 0);
	drive(5);
	assert_int_equal(nevents, 4);
	expect(0, ACTION_HOLD, RESULT_SKIPPED);
	expect(1, ACTION_HOOK, RESULT_OK);	/* its callback submits judy's */
	expect(2, ACTION_HOLD, RESULT_SKIPPED);
	expect(3, ACTION_HOOK, RESULT_OK);
}

static void test_login_that_is_no_map_key_fails_the_lock_but_runs_lock_hook(void **state)
{
	struct stat st;

	(void)state;
	config(true);
	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	hook(c.lock_hook, "lock-hook", "echo \"$3\" > \"$0.login\"");
	a = trusted_new(&callbacks);
	request(REQ_LOCK, "sasl:mallory #REJECT", "");
	q.manual = true;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_int_equal(nevents, 2);
	expect(0, ACTION_LOCK, RESULT_FAILED);
	assert_non_null(strstr(events[0].detail, "cannot be a map key"));
	expect(1, ACTION_HOOK, RESULT_OK);
	assert_string_equal(read_file(path("lock-hook.login")), "mallory #REJECT\n");
	assert_int_equal(stat(path("sasl_access"), &st), -1);
}

static void test_cooldown_merges_a_second_response_into_a_hold(void **state)
{
	static const char other[1][POSTFIX_QID_MAX] = { "B0B0B0B0B0" };

	(void)state;
	config(false);
	c.cooldown = 60;
	c.spam = SPAM_KEEP;
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:dave", "inc-1", qids2, 2), 0);
	drive(5);
	assert_int_equal(nevents, 2);	/* lock, hold */
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:dave", "inc-2", other, 1), 0);
	drive(5);
	assert_int_equal(nevents, 3);	/* only the new queue id's hold */
	expect(2, ACTION_HOLD, RESULT_OBSERVED);
	assert_int_equal(events[2].count, 1);
	request(REQ_RESPOND, "sasl:erin", "inc-3");
	assert_int_equal(submit(), 0);
	drive(5);
	assert_int_equal(nevents, 5);	/* another identity: all of it */
}

static void test_bad_requests_and_a_full_queue_are_refused(void **state)
{
	static char bad[1][POSTFIX_QID_MAX] = { "../../etc" };
	struct action_session s = { .pid = 4242, .client_ip = "not-an-ip" };
	struct actions_stats st;

	(void)state;
	config(true);
	script("bin/postsuper", "exec sleep 30");
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_HOLD, "sasl:bob", "",
				     (const char (*)[POSTFIX_QID_MAX])bad, 1), -1);
	assert_string_equal(err, "bad queue id");
	request(REQ_QUARANTINE, "sasl:bob", "../x");
	assert_int_equal(submit(), -1);
	assert_string_equal(err, "bad incident id");
	request(REQ_LOCK, "client:192.0.2.7", "");
	assert_int_equal(submit(), -1);
	request(REQ_LOCK, "sasl:bob", "");
	q.sessions = &s;
	q.nsessions = 1;
	assert_int_equal(submit(), -1);
	assert_string_equal(err, "bad session");
	request(REQ_HOLD, "sasl:bo\nb", "");
	assert_int_equal(submit(), -1);
	/* the first hold hangs; the queue fills behind it (holds of one
	 * identity would join: each is another's) */
	for (int i = 0; i < ACTIONS_MAX_QUEUE; i++) {
		char who[32];

		snprintf(who, sizeof(who), "sasl:bob%d", i);
		assert_int_equal(submit_qids(REQ_HOLD, who, "", qids2, 1), 0);
	}
	assert_int_equal(submit_qids(REQ_HOLD, "sasl:carol", "", qids2, 1), -1);
	assert_string_equal(err, "request queue full");
	/* a hold of an identity that already waits joins it: not refused */
	assert_int_equal(submit_qids(REQ_HOLD, "sasl:bob7", "", qids2, 1), 0);
	actions_stats(a, &st);
	assert_int_equal(st.refused, 6);
	assert_int_equal(st.queued, ACTIONS_MAX_QUEUE);
	assert_int_equal(runner_running(rn), 1);
}

static void test_locks_survive_a_restart_and_unlock_lifts_them(void **state)
{
	const char *logins[4];

	(void)state;
	config(true);
	hook(c.lock_hook, "lock-hook", "exit 0");
	a = trusted_new(&callbacks);
	request(REQ_LOCK, "sasl:frank", "");
	assert_int_equal(submit(), 0);
	drive(5);
	actions_free(a);
	a = trusted_new(&callbacks);
	assert_true(actions_locked(a, "sasl:frank"));
	assert_true(actions_locked(a, "sasl:FRANK"));	/* keys fold as in postmap */
	assert_false(actions_locked(a, "sasl:grace"));
	assert_int_equal(actions_locks(a, logins, 4), 1);
	assert_string_equal(logins[0], "frank");
	request(REQ_UNLOCK, "sasl:frank", "");
	assert_int_equal(submit(), 0);
	drive(5);
	assert_false(actions_locked(a, "sasl:frank"));
	actions_free(a);
	a = trusted_new(&callbacks);
	assert_false(actions_locked(a, "sasl:frank"));
}

static void test_an_unfinished_step_resumes_after_a_restart(void **state)
{
	(void)state;
	config(true);
	hook(c.lock_hook, "lock-hook", "sleep 0.3; echo \"$@\" >> \"$0.log\"");
	a = trusted_new(&callbacks);
	request(REQ_LOCK, "sasl:heidi", "inc-5");
	assert_int_equal(submit(), 0);
	assert_int_equal(runner_running(rn), 1);	/* the hook runs: crash now */
	actions_free(a);
	runner_free(rn);
	rn = runner_new();
	a = trusted_new(&callbacks);
	assert_null(read_file(path("lock-hook.log")));
	nevents = 0;
	drive(5);
	assert_int_equal(nevents, 1);
	expect(0, ACTION_HOOK, RESULT_OK);
	assert_string_equal(read_file(path("lock-hook.log")), "lock -- heidi\n");
	assert_true(actions_locked(a, "sasl:heidi"));
}

/* The last audit line of the hook named (its "hook"), or NULL. */
static json_t *audit_entry(const char *hook_name)
{
	FILE *f = fopen(path("state/audit.log"), "r");
	char line[16384];
	json_t *found = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *h = json_string_value(json_object_get(j, "hook"));

		if (h && strcmp(h, hook_name) == 0) {
			json_decref(found);
			found = j;
		} else {
			json_decref(j);
		}
	}
	fclose(f);
	return found;
}

static void test_audit_lines_are_json_with_the_commands(void **state)
{
	json_t *j, *cmd;
	FILE *f;
	char line[8192];

	(void)state;
	config(true);
	script("bin/postsuper", "echo 'postsuper: fatal: no' >&2; exit 75");
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_RELEASE, "sasl:ivan", "inc-8", qids2, 2), 0);
	drive(5);
	f = fopen(path("state/audit.log"), "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	j = json_loads(line, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "action")), "release");
	assert_string_equal(json_string_value(json_object_get(j, "result")), "failed");
	assert_string_equal(json_string_value(json_object_get(j, "identity")), "sasl:ivan");
	assert_string_equal(json_string_value(json_object_get(j, "incident")), "inc-8");
	assert_non_null(json_string_value(json_object_get(j, "time")));
	assert_true(json_is_real(json_object_get(j, "duration")));
	cmd = json_array_get(json_object_get(j, "commands"), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(cmd, "argv"), 1)),
			    "-H");
	assert_int_equal(json_integer_value(json_object_get(cmd, "exit")), 75);
	assert_string_equal(json_string_value(json_object_get(cmd, "stderr")),
			    "postsuper: fatal: no\n");
	json_decref(j);
}

/*
 * The order in which requests run, seen in order.log: every fake postsuper
 * and the lock_hook (without a map, the lock) append their line to it.  The
 * first request's command is running until drive() dispatches it, so the
 * others submitted meanwhile wait.
 */
static void order_fixture(enum spam_policy spam)
{
	char body[512];

	config(true);
	c.spam = spam;
	snprintf(body, sizeof(body), "echo \"postsuper $1 $2 $(tr '\\n' ' ')\" >> '%s'",
		 path("order.log"));
	script("bin/postsuper", body);
	snprintf(body, sizeof(body), "echo \"$1 $3\" >> '%s'", path("order.log"));
	hook(c.lock_hook, "lock-hook", body);
	queued_msg("4F1B2C3D4E", "amy");
	queued_msg("ABCDEF0123", "bob");
	queued_msg("B0B0B0B0B0", "bob");
	queued_msg("C0C0C0C0C0", "amy");
	a = trusted_new(&callbacks);
	assert_non_null(a);
}

static void hold(const char *identity, const char *incident, const char (*qids)[POSTFIX_QID_MAX],
		 size_t n)
{
	assert_int_equal(submit_qids(REQ_HOLD, identity, incident, qids, n), 0);
}

static size_t queued(void)
{
	struct actions_stats st;

	actions_stats(a, &st);
	return st.queued;
}

static const char qids4[4][POSTFIX_QID_MAX] = { "4F1B2C3D4E", "ABCDEF0123", "B0B0B0B0B0",
						"C0C0C0C0C0" };

static void test_a_lock_goes_ahead_of_the_holds_the_running_one_at_its_next_command(void **state)
{
	(void)state;
	order_fixture(SPAM_QUARANTINE);
	hold("sasl:amy", "inc-1", &qids4[0], 1);	/* runs: postqueue -j */
	hold("sasl:bob", "inc-2", &qids4[1], 1);	/* waits */
	request(REQ_LOCK, "sasl:carl", "inc-3");
	assert_int_equal(submit(), 0);
	assert_int_equal(queued(), 3);
	drive(5);
	/* amy's listing is not cut short, but her hold steps aside before
	 * its next command, and starts that phase again after the lock */
	assert_string_equal(read_file(path("order.log")),
			    "lock carl\n"
			    "postsuper -h - 4F1B2C3D4E \n"
			    "postsuper -h - ABCDEF0123 \n");
	assert_true(actions_locked(a, "sasl:carl"));
}

static void test_a_response_goes_ahead_of_the_holds_of_one_that_has_locked(void **state)
{
	(void)state;
	order_fixture(SPAM_KEEP);
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:amy", "inc-1",
				     &qids4[0], 1), 0);	/* runs: lock, then hold */
	hold("sasl:bob", "inc-2", &qids4[1], 1);	/* waits */
	queued_msg("B0B0B0B0B0", "carl");
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:carl", "inc-3", &qids4[2], 1), 0);
	drive(5);
	/* amy's response has locked: its hold steps aside for carl's
	 * response, and comes before the hold that was waiting */
	assert_string_equal(read_file(path("order.log")),
			    "lock amy\n"
			    "lock carl\n"
			    "postsuper -h - B0B0B0B0B0 \n"
			    "postsuper -h - 4F1B2C3D4E \n"
			    "postsuper -h - ABCDEF0123 \n");
}

static void test_two_responses_lock_both_with_one_reload_before_either_holds(void **state)
{
	char body[512];

	(void)state;
	order_fixture(SPAM_KEEP);
	actions_free(a);
	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	script("bin/postmap", "touch \"${1#*:}.db\"");
	snprintf(body, sizeof(body), "echo \"$1\" >> '%s'", path("order.log"));
	script("bin/postfix", body);
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:amy", "inc-1", &qids4[0], 1), 0);
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:bob", "inc-2", &qids4[1], 1), 0);
	drive(10);
	/* amy's lock leaves its reload to bob's, which comes before her
	 * hold: her hold steps aside for his response */
	assert_string_equal(read_file(path("order.log")),
			    "lock amy\n"
			    "reload\n"
			    "lock bob\n"
			    "postsuper -h - ABCDEF0123 \n"
			    "postsuper -h - 4F1B2C3D4E \n");
}

static void run_for(double dt);

static void test_a_lock_does_not_wait_for_the_backoff_of_a_hold(void **state)
{
	double t;

	(void)state;
	config(true);
	c.retries = 1;
	script("bin/postsuper", "echo 'postsuper: fatal: queue is broken' >&2; exit 1");
	hook(c.lock_hook, "lock-hook", "exit 0");
	queued_msg(qids2[0], "amy");
	a = trusted_new(&callbacks);
	hold("sasl:amy", "inc-1", &qids2[0], 1);
	run_for(0.5);		/* its postsuper failed: 1 s before it tries again */
	assert_int_equal(nevents, 1);
	expect(0, ACTION_HOLD, RESULT_RETRY);
	request(REQ_LOCK, "sasl:carl", "inc-2");
	t = now();
	assert_int_equal(submit(), 0);
	drive(5);
	expect(1, ACTION_LOCK, RESULT_SKIPPED);	/* no map: the hook is the lock */
	expect(2, ACTION_HOOK, RESULT_OK);
	assert_true(events[2].t - t < 0.4);
	expect(3, ACTION_HOLD, RESULT_FAILED);
	assert_true(actions_locked(a, "sasl:carl"));
}

static void test_late_holds_of_one_identity_and_incident_join_into_one(void **state)
{
	(void)state;
	order_fixture(SPAM_QUARANTINE);
	hold("sasl:amy", "inc-1", &qids4[0], 1);	/* runs */
	hold("sasl:amy", "inc-1", &qids4[3], 1);	/* the running one takes no more */
	hold("sasl:bob", "inc-2", &qids4[2], 1);
	hold("sasl:bob", "inc-2", &qids4[1], 2);	/* joins: B0B0... once */
	hold("sasl:amy", "inc-4", &qids4[3], 1);	/* another incident: its own */
	assert_int_equal(queued(), 4);
	drive(5);
	assert_string_equal(read_file(path("order.log")),
			    "postsuper -h - 4F1B2C3D4E \n"
			    "postsuper -h - C0C0C0C0C0 \n"
			    "postsuper -h - ABCDEF0123 B0B0B0B0B0 \n"
			    "postsuper -h - C0C0C0C0C0 \n");
}

static void test_an_unlock_does_not_overtake_the_lock_before_it(void **state)
{
	(void)state;
	order_fixture(SPAM_QUARANTINE);
	hold("sasl:amy", "inc-1", &qids4[0], 1);	/* runs */
	hold("sasl:bob", "inc-2", &qids4[1], 1);	/* waits */
	request(REQ_LOCK, "sasl:carl", "inc-3");
	assert_int_equal(submit(), 0);
	request(REQ_UNLOCK, "sasl:carl", "");
	q.manual = true;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_string_equal(read_file(path("order.log")),
			    "lock carl\n"
			    "unlock carl\n"
			    "postsuper -h - 4F1B2C3D4E \n"
			    "postsuper -h - ABCDEF0123 \n");
	assert_false(actions_locked(a, "sasl:carl"));
}

/* A response to dave, then the engine stops (its state saved). */
static void respond_to_dave_and_stop(void)
{
	config(false);
	c.cooldown = 300;
	c.spam = SPAM_KEEP;
	a = trusted_new(&callbacks);
	assert_non_null(a);
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:dave", "inc-1", qids4, 2), 0);
	drive(5);
	assert_int_equal(nevents, 2);	/* lock, hold */
	actions_free(a);
	a = NULL;
	nevents = 0;
}

static void respond_to_dave_again(void)
{
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:dave", "inc-2", &qids4[2], 1), 0);
	drive(5);
}

static void test_the_cooldown_survives_a_restart(void **state)
{
	(void)state;
	respond_to_dave_and_stop();
	a = trusted_new(&callbacks);
	assert_non_null(a);
	respond_to_dave_again();
	assert_int_equal(nevents, 1);	/* merged: the new queue id's hold only */
	expect(0, ACTION_HOLD, RESULT_OBSERVED);
	assert_int_equal(events[0].count, 1);
}

/* Move the one saved cooldown back by `by` seconds, as time passing would. */
static void age_cooldowns(double by)
{
	json_t *root = json_load_file(path("state/actions.state"), 0, NULL);
	json_t *v = json_array_get(json_object_get(root, "cooldowns"), 0);
	char *text;

	assert_int_equal(json_array_size(json_object_get(root, "cooldowns")), 1);
	json_object_set_new(v, "at", json_real(json_number_value(json_object_get(v, "at")) - by));
	text = json_dumps(root, JSON_COMPACT);
	write_file(path("state/actions.state"), text);
	free(text);
	json_decref(root);
}

static void test_a_cooldown_that_ran_out_while_stopped_is_dropped(void **state)
{
	json_t *root;

	(void)state;
	respond_to_dave_and_stop();
	age_cooldowns(299);
	a = trusted_new(&callbacks);
	actions_free(a);	/* still running: saved again */
	age_cooldowns(2);
	a = trusted_new(&callbacks);
	actions_free(a);	/* ran out: dropped */
	root = json_load_file(path("state/actions.state"), 0, NULL);
	assert_int_equal(json_array_size(json_object_get(root, "cooldowns")), 0);
	json_decref(root);
	a = trusted_new(&callbacks);
	respond_to_dave_again();
	assert_int_equal(nevents, 2);	/* a response again: lock, hold */
	expect(0, ACTION_LOCK, RESULT_OBSERVED);
	expect(1, ACTION_HOLD, RESULT_OBSERVED);
}

static void test_a_state_without_cooldowns_loads(void **state)
{
	(void)state;
	config(false);
	c.cooldown = 300;
	c.spam = SPAM_KEEP;
	assert_int_equal(mkdir(path("state"), 0750), 0);
	write_file(path("state/actions.state"),
		   "{\"version\":1,\"next_id\":7,\"held\":0,\"locks\":[{\"login\":\"frank\","
		   "\"incident\":\"inc-0\",\"time\":1800000000.0,\"map\":false}],\"requests\":[]}");
	a = trusted_new(&callbacks);
	assert_non_null(a);
	assert_true(actions_locked(a, "sasl:frank"));
	respond_to_dave_again();
	assert_int_equal(nevents, 2);	/* no cooldown known: lock, hold */
	actions_free(a);
	a = NULL;
	write_file(path("state/actions.state"), "{\"version\":2,\"requests\":[]}");
	assert_null(actions_new(&c, rn, &callbacks));	/* a later version */
	write_file(path("state/actions.state"),
		   "{\"version\":1,\"requests\":[],\"cooldowns\":[{\"identity\":\"sasl:x\"}]}");
	assert_null(actions_new(&c, rn, &callbacks));	/* a cooldown without its time */
}

/* A saved request's login_hex is read as hostile input: anything but
 * hex of 1..ACTIONS_RAW_LOGIN_MAX bytes without a NUL refuses the file. */
static void test_a_saved_login_hex_must_be_bytes_of_a_login(void **state)
{
	static const char *const bad[] = { "zz", "626", "", "620062", NULL };
	static const struct action_login exact = { "b\xff" "b", 3 };
	char *saved, *text;
	json_t *root;

	(void)state;
	config(true);
	hook(c.lock_hook, "lock-hook", "sleep 5");
	a = trusted_new(&callbacks);
	request(REQ_LOCK, "sasl:b" UTF8_REPLACEMENT "b", "inc-1");
	q.login = &exact;
	assert_int_equal(submit(), 0);
	actions_free(a);	/* saved with the request waiting */
	a = NULL;
	saved = strdup(read_file(path("state/actions.state")));
	assert_non_null(strstr(saved, "\"login_hex\":\"62ff62\""));
	for (size_t i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
		char *big = NULL;
		const char *hex = i < sizeof(bad) / sizeof(bad[0]) - 1 ? bad[i] : NULL;

		if (i == sizeof(bad) / sizeof(bad[0]) - 1) {	/* one byte too many */
			big = malloc(2 * ACTIONS_RAW_LOGIN_MAX + 3);
			assert_non_null(big);
			memset(big, '6', 2 * ACTIONS_RAW_LOGIN_MAX + 2);
			big[2 * ACTIONS_RAW_LOGIN_MAX + 2] = '\0';
			hex = big;
		} else if (!hex) {
			break;
		}
		root = json_loads(saved, 0, NULL);
		assert_non_null(root);
		json_object_set_new(json_array_get(json_object_get(root, "requests"), 0),
				    "login_hex", json_string(hex));
		text = json_dumps(root, JSON_COMPACT);
		write_file(path("state/actions.state"), text);
		free(text);
		json_decref(root);
		free(big);
		assert_null(actions_new(&c, rn, &callbacks));
	}
	write_file(path("state/actions.state"), saved);
	free(saved);
	a = trusted_new(&callbacks);
	assert_non_null(a);
}

static void test_a_bad_state_file_stops_the_start(void **state)
{
	(void)state;
	config(true);
	assert_int_equal(mkdir(path("state"), 0750), 0);
	write_file(path("state/actions.state"),
		   "{\"version\":1,\"requests\":[{\"kind\":\"respond\"}]}");
	assert_null(actions_new(&c, rn, &callbacks));
}

/* ---- what may be acted on, and when (issue #9) ---------------------------- */

static const char qids3[3][POSTFIX_QID_MAX] = { "A1A1A1A1A1", "B2B2B2B2B2", "C3C3C3C3C3" };

static void test_untrusted_maillog_records_every_step_and_runs_nothing(void **state)
{
	struct action_session s = { .pid = 4242, .client_ip = "192.0.2.7" };
	struct stat st;
	struct actions_stats as;

	(void)state;
	config(true);
	c.hold_all = true;
	snprintf(c.postfix_bin_dir, sizeof(c.postfix_bin_dir), "%s", path("no-such-bin"));
	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	snprintf(c.quarantine_dir, sizeof(c.quarantine_dir), "%s", path("quarantine"));
	hook(c.lock_hook, "hook", "touch \"$0.ran\"");
	snprintf(c.action_hook, sizeof(c.action_hook), "%s", path("hook"));
	a = actions_new(&c, rn, &callbacks);	/* never told the maillog is trusted */
	assert_non_null(a);
	assert_false(actions_acting(a));
	request(REQ_RESPOND, "sasl:victim", "inc-1");
	q.qids = qids2;
	q.nqids = 2;
	q.sessions = &s;
	q.nsessions = 1;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_int_equal(nevents, 6);
	for (size_t i = 0; i < nevents; i++)
		assert_int_equal(events[i].result, RESULT_UNTRUSTED);
	assert_false(actions_locked(a, "sasl:victim"));
	assert_int_equal(stat(path("hook.ran"), &st), -1);
	assert_int_equal(stat(path("sasl_access"), &st), -1);
	assert_int_equal(stat(path("quarantine"), &st), -1);
	actions_stats(a, &as);
	assert_int_equal(as.results[ACTION_LOCK][RESULT_UNTRUSTED], 1);
	assert_string_equal(action_result_name(RESULT_UNTRUSTED), "untrusted");
	/* the admin's own lock is not from the log: it acts */
	request(REQ_LOCK, "sasl:victim", "");
	q.manual = true;
	assert_int_equal(submit(), 0);
	drive(5);
	expect(6, ACTION_LOCK, RESULT_FAILED);		/* it ran: there is no postmap here */
	assert_int_equal(stat(path("hook.ran"), &st), 0);
}

static void test_trust_syslog_file_makes_an_untrusted_maillog_act(void **state)
{
	(void)state;
	config(true);
	c.trust_syslog_file = true;
	hook(c.lock_hook, "lock-hook", "exit 0");
	a = actions_new(&c, rn, &callbacks);
	assert_true(actions_acting(a));
	request(REQ_LOCK, "sasl:bob", "inc-1");
	assert_int_equal(submit(), 0);
	drive(5);
	expect(1, ACTION_HOOK, RESULT_OK);
	assert_true(actions_locked(a, "sasl:bob"));
}

static void test_only_accounts_are_acted_on_unless_by_hand(void **state)
{
	(void)state;
	config(true);
	c.act_on_uid = false;
	a = trusted_new(&callbacks);
	for (int k = REQ_RESPOND; k <= REQ_QUARANTINE; k++) {
		assert_int_equal(submit_qids((enum request_kind)k, "client:192.0.2.7", "inc-1",
					     qids2, 2), -1);
		if (k != REQ_LOCK && k != REQ_UNLOCK)
			assert_non_null(strstr(err, "not an account"));
		request((enum request_kind)k, "uid:1000", "inc-1");
		assert_int_equal(submit(), -1);
	}
	assert_false(actions_account(a, "client:192.0.2.7"));
	assert_false(actions_account(a, "uid:1000"));
	assert_false(actions_account(a, "cgroup:/system.slice/x"));
	assert_false(actions_account(a, "sasl:"));
	assert_true(actions_account(a, "sasl:bob@example.org"));
	/* an admin may still hold an address's mail by hand */
	request(REQ_HOLD, "client:192.0.2.7", "");
	q.manual = true;
	assert_int_equal(submit(), 0);
	drive(5);
	actions_free(a);
	c.act_on_uid = true;
	a = trusted_new(&callbacks);
	assert_true(actions_account(a, "uid:1000"));
	request(REQ_HOLD, "uid:1000", "inc-2");
	assert_int_equal(submit(), 0);
	drive(5);
}

/* postsuper that logs what it is asked and does it to the fake queue. */
static void fake_postsuper(void)
{
	char body[2048];

	snprintf(body, sizeof(body),
		 "Q='%s'; in=$(cat | tr '\\n' ' '); echo \"postsuper $1 $2 $in\" >> '%s'\n"
		 "case \"$1 $2\" in\n"
		 "'-h ALL') for f in \"$Q\"/*; do sed -i '1s,RECORDS [a-z]*/,RECORDS hold/,' \"$f\"; done;;\n"
		 "'-h -') for q in $in; do sed -i '1s,RECORDS [a-z]*/,RECORDS hold/,' \"$Q/$q\"; done;;\n"
		 "'-H -') for q in $in; do sed -i '1s,RECORDS [a-z]*/,RECORDS active/,' \"$Q/$q\"; done;;\n"
		 "'-d -') for q in $in; do rm -f \"$Q/$q\"; done;;\n"
		 "esac",
		 path("queue"), path("postsuper.log"));
	script("bin/postsuper", body);
}

static void test_a_message_is_held_and_deleted_only_if_its_queue_file_names_the_login(void **state)
{
	struct actions_stats st;
	struct stat sb;
	static const char four[4][POSTFIX_QID_MAX] = { "A1A1A1A1A1", "B2B2B2B2B2", "C3C3C3C3C3",
						       "D4D4D4D4D4" };

	(void)state;
	config(true);
	c.spam = SPAM_DELETE;
	fake_postsuper();
	queued_msg("A1A1A1A1A1", "alice");	/* framed: someone else's */
	queued_msg("B2B2B2B2B2", "mallory");	/* the spammer's own */
	queued_msg("C3C3C3C3C3", NULL);		/* a local submission */
	/* D4D4D4D4D4: delivered already */
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:mallory", "inc-1", four, 4), 0);
	drive(5);
	expect(0, ACTION_LOCK, RESULT_SKIPPED);	/* no sasl_access_map */
	expect(1, ACTION_HOLD, RESULT_OK);
	assert_int_equal(events[1].count, 1);
	expect(2, ACTION_DELETE, RESULT_OK);
	assert_string_equal(read_file(path("postsuper.log")),
			    "postsuper -h - B2B2B2B2B2 \n"
			    "postsuper -d - B2B2B2B2B2 \n");
	assert_int_equal(stat(path("queue/A1A1A1A1A1"), &sb), 0);
	assert_int_equal(stat(path("queue/C3C3C3C3C3"), &sb), 0);
	assert_int_equal(stat(path("queue/B2B2B2B2B2"), &sb), -1);
	actions_stats(a, &st);
	assert_int_equal(st.unconfirmed, 2);
}

static void test_quarantine_copies_and_deletes_only_the_identitys_messages(void **state)
{
	struct stat sb;
	struct actions_stats st;

	(void)state;
	config(true);
	snprintf(c.quarantine_dir, sizeof(c.quarantine_dir), "%s", path("quarantine"));
	fake_postsuper();
	queued_in("hold", "A1A1A1A1A1", "alice");
	queued_in("hold", "B2B2B2B2B2", "mallory");
	queued_in("hold", "C3C3C3C3C3", "mallory2");	/* a login that starts the same */
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_QUARANTINE, "sasl:mallory", "inc-1", qids3, 3), 0);
	drive(5);
	expect(0, ACTION_QUARANTINE, RESULT_OK);
	assert_string_equal(read_file(path("postsuper.log")), "postsuper -d - B2B2B2B2B2 \n");
	assert_int_equal(stat(path("quarantine/inc-1/B2B2B2B2B2"), &sb), 0);
	assert_int_equal(stat(path("quarantine/inc-1/A1A1A1A1A1"), &sb), -1);
	assert_int_equal(stat(path("queue/A1A1A1A1A1"), &sb), 0);
	assert_int_equal(stat(path("queue/C3C3C3C3C3"), &sb), 0);
	actions_stats(a, &st);
	assert_int_equal(st.unconfirmed, 2);
}

static void test_spam_keep_with_hold_all_releases_everyone_but_the_spammer(void **state)
{
	(void)state;
	config(true);
	c.hold_all = true;
	c.spam = SPAM_KEEP;
	fake_postsuper();
	queued_in("hold", "A1A1A1A1A1", "admin-held");	/* on hold before: stays */
	queued_msg("B2B2B2B2B2", "mallory");		/* the spam: stays held */
	queued_msg("C3C3C3C3C3", "alice");		/* framed onto mallory: released */
	queued_msg("D4D4D4D4D4", "bob");		/* everyone else: released */
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_RESPOND, "sasl:mallory", "inc-1",
				     (const char (*)[POSTFIX_QID_MAX])"B2B2B2B2B2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
		 "C3C3C3C3C3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 2), 0);
	drive(5);
	expect(0, ACTION_HOLD, RESULT_OK);
	expect(2, ACTION_RELEASE, RESULT_OK);
	assert_string_equal(read_file(path("postsuper.log")),
			    "postsuper -h ALL \n"
			    "postsuper -H - C3C3C3C3C3 D4D4D4D4D4 \n");
}

static void test_lock_hook_runs_once_per_lock_with_the_login_after_double_dash(void **state)
{
	struct action_session s = { .pid = 4242, .client_ip = "192.0.2.7" };

	(void)state;
	config(true);
	c.spam = SPAM_KEEP;
	hook(c.lock_hook, "lock-hook", "echo \"$@\" >> \"$0.log\"");
	a = trusted_new(&callbacks);
	request(REQ_RESPOND, "sasl:--help", "inc-1");
	assert_int_equal(submit(), 0);
	drive(5);
	/* a late session of the locked login: cut, no second hook */
	request(REQ_LOCK, "sasl:--help", "inc-1");
	q.sessions = &s;
	q.nsessions = 1;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_string_equal(read_file(path("lock-hook.log")), "lock -- --help\n");
}

static void test_an_inexact_login_is_never_a_map_key_but_lock_hook_runs(void **state)
{
	static const struct action_login exact = { "b\xff" "b", 3 };
	char longest[MSG_IDENTITY_MAX] = "sasl:";
	struct stat st;
	json_t *j;

	(void)state;
	assert_null(actions_login_inexact("sasl:bob@example.org"));
	assert_non_null(actions_login_inexact("sasl:b\xef\xbf\xbd" "b"));
	/* Postfix logs '?' for a byte it does not print (printable(3)) */
	assert_non_null(strstr(actions_login_inexact("sasl:b?b"), "'?'"));
	memset(longest + 5, 'a', POSTFIX_TEXT_MAX - 1);	/* as long as a copy gets */
	assert_non_null(actions_login_inexact(longest));
	longest[5 + POSTFIX_TEXT_MAX - 4] = '\0';	/* a 4-byte character short */
	assert_non_null(actions_login_inexact(longest));
	longest[5 + POSTFIX_TEXT_MAX - 5] = '\0';
	assert_null(actions_login_inexact(longest));
	config(true);
	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	/* the hook sleeps: a crash while it runs restarts the step */
	hook(c.lock_hook, "lock-hook", "sleep 0.3; printf '%s|' \"$@\" > \"$0.args\"");
	a = trusted_new(&callbacks);
	request(REQ_RESPOND, "sasl:b\xef\xbf\xbd" "b", "inc-1");
	q.login = &exact;
	assert_int_equal(submit(), 0);
	while (runner_running(rn) == 0) {	/* to the hook */
		actions_tick(a);
		runner_tick(rn);
	}
	actions_free(a);
	runner_free(rn);
	rn = runner_new();
	assert_null(read_file(path("lock-hook.args")));
	a = trusted_new(&callbacks);
	nevents = 0;
	drive(5);
	assert_int_equal(stat(path("sasl_access"), &st), -1);
	/* the login's exact bytes, after a restart too */
	assert_string_equal(read_file(path("lock-hook.args")), "lock|--|b\xff" "b|");
	/* the audit line has them as hex: JSON strings cannot */
	j = audit_entry("lock_hook");
	assert_non_null(j);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_array_get(json_object_get(j, "commands"), 0), "argv_hex"), 3)), "62ff62");
	json_decref(j);
	actions_free(a);
	a = NULL;
	unlink(path("lock-hook.args"));
	/* with no exact bytes known: no hook, and why */
	config(true);
	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	hook(c.lock_hook, "lock-hook", "printf '%s|' \"$@\" > \"$0.args\"");
	a = trusted_new(&callbacks);
	nevents = 0;
	request(REQ_LOCK, "sasl:c?c", "inc-2");
	q.login_why = "two logins share it";
	assert_int_equal(submit(), 0);
	drive(5);
	expect(0, ACTION_LOCK, RESULT_FAILED);
	assert_non_null(strstr(events[0].detail, "not locked by map key"));
	expect(1, ACTION_HOOK, RESULT_FAILED);
	assert_non_null(strstr(events[1].detail, "not run"));
	assert_non_null(strstr(events[1].detail, "two logins share it"));
	assert_null(read_file(path("lock-hook.args")));
	/* exact bytes with a control character: not handed on */
	nevents = 0;
	request(REQ_LOCK, "sasl:d" UTF8_REPLACEMENT "d", "inc-3");
	q.login = &(const struct action_login){ "d\x01" "d", 3 };
	assert_int_equal(submit(), 0);
	drive(5);
	expect(1, ACTION_HOOK, RESULT_SKIPPED);
	assert_null(read_file(path("lock-hook.args")));
	/* by hand, a '?' is a '?': the operator typed it */
	script("bin/postmap", "touch \"${1#*:}.db\"");
	script("bin/postfix", "exit 0");
	nevents = 0;
	request(REQ_LOCK, "sasl:e?e", "");
	q.manual = true;
	assert_int_equal(submit(), 0);
	drive(5);
	expect(0, ACTION_LOCK, RESULT_OK);
	assert_non_null(strstr(read_file(path("sasl_access")), "e?e " SASL_MAP_MARK));
	assert_string_equal(read_file(path("lock-hook.args")), "lock|--|e?e|");
}

/* Without a map the hook is the lock: an unlock whose hook fails keeps it. */
static void test_a_failed_unlock_hook_keeps_the_hooks_lock(void **state)
{
	(void)state;
	config(true);
	hook(c.lock_hook, "lock-hook", "[ \"$1\" = lock ]");
	a = trusted_new(&callbacks);
	request(REQ_LOCK, "sasl:frank", "inc-1");
	assert_int_equal(submit(), 0);
	drive(5);
	assert_true(actions_locked(a, "sasl:frank"));
	request(REQ_UNLOCK, "sasl:frank", "");
	q.manual = true;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_true(actions_locked(a, "sasl:frank"));
	hook(c.lock_hook, "lock-hook", "exit 0");
	actions_free(a);
	a = trusted_new(&callbacks);
	request(REQ_UNLOCK, "sasl:frank", "");
	q.manual = true;
	assert_int_equal(submit(), 0);
	drive(5);
	assert_false(actions_locked(a, "sasl:frank"));
}

static void test_envelope_confirmation_reads_the_envelope_only(void **state)
{
	const char *env = "*** ENVELOPE RECORDS active/X ***\n"
			  "named_attribute: sasl_username=bob@example.org\n"
			  "named_attribute: client_address=192.0.2.7\n"
			  "*** MESSAGE CONTENTS active/X ***\n"
			  "named_attribute: sasl_username=mallory\n";
	const char *local = "*** ENVELOPE RECORDS active/Y ***\n"
			    "named_attribute: rewrite_context=local\nsender: root\n";

	const char *odd = "*** ENVELOPE RECORDS active/Z ***\n"
			  "named_attribute: sasl_username=b\xff" "b\n";
	const struct action_login bytes = { "b\xff" "b", 3 }, other = { "b\xfe" "b", 3 };

	(void)state;
#define NAMES(text, identity) actions_envelope_names(text, strlen(text), identity, NULL)
	assert_true(NAMES(env, "sasl:bob@example.org"));
	assert_false(NAMES(env, "sasl:bob"));
	assert_false(NAMES(env, "sasl:mallory"));
	assert_false(NAMES(env, "uid:0"));
	assert_false(NAMES(env, "client:192.0.2.7"));
	assert_true(NAMES(local, "uid:0"));
	assert_false(NAMES(local, "sasl:root"));
	assert_false(NAMES(local, "cgroup:/x"));
	/* an inexact login: by its exact bytes only */
	assert_false(NAMES(odd, "sasl:b" UTF8_REPLACEMENT "b"));
	assert_true(actions_envelope_names(odd, strlen(odd), "sasl:b" UTF8_REPLACEMENT "b",
					   &bytes));
	assert_false(actions_envelope_names(odd, strlen(odd), "sasl:b" UTF8_REPLACEMENT "b",
					    &other));
#undef NAMES
}

static void test_map_keys_with_a_domain_part(void **state)
{
	size_t n;
	char *out = sasl_map_edit("", 0, "bob@example.org", "inc-1", &n);

	(void)state;
	assert_string_equal(actions_login("sasl:bob@example.org"), "bob@example.org");
	assert_string_equal(out, "bob@example.org " SASL_MAP_MARK " (inc-1)\n");
	free(out);
}

/* A process whose comm is "smtpd": a copy of sleep(1) named so, in dir. */
static pid_t fake_smtpd(const char *dir)
{
	char exe[256], cmd[600];
	pid_t pid;

	snprintf(exe, sizeof(exe), "%s/smtpd", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep '%s'", exe);
	assert_int_equal(system(cmd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(exe, "smtpd", "30", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {	/* until exec is done */
		char path[64], comm[16] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strcmp(comm, "smtpd\n") == 0)
			break;
		usleep(10000);
	}
	return pid;
}

static void test_a_cut_needs_postfixs_smtpd_and_fails_when_it_cannot_check(void **state)
{
	struct action_session s = { .client_ip = "192.0.2.7" };
	struct sockkill_stats st;
	char why[256];
	pid_t pid;

	(void)state;
	assert_int_equal(mkdir(path("sbin"), 0755), 0);
	pid = fake_smtpd(path("sbin"));
	s.pid = pid;
	/* Postfix's own smtpd (daemon_directory): looked at, nothing to cut */
	assert_int_equal(sockkill(&s, 1, path("sbin"), NULL, &st, why, sizeof(why)), 0);
	assert_int_equal(st.not_smtpd, 0);
	assert_int_equal(st.destroyed, 0);
	/* an "smtpd" that is not Postfix's: left alone */
	assert_int_equal(sockkill(&s, 1, "/usr/lib/postfix/sbin", NULL, &st, why, sizeof(why)), 0);
	assert_int_equal(st.not_smtpd, 1);
	/* it cannot be checked: the cut fails, never "ok" */
	assert_int_equal(sockkill(&s, 1, "", NULL, &st, why, sizeof(why)), -1);
	assert_int_equal(st.unreadable, 1);
	assert_non_null(strstr(why, "daemon_directory"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* a pid that is gone: nothing to do, no error */
	assert_int_equal(sockkill(&s, 1, path("sbin"), NULL, &st, why, sizeof(why)), 0);
	assert_int_equal(st.not_smtpd, 1);
}

static void test_a_flood_of_locks_makes_one_postfix_reload(void **state)
{
	char body[512], *map;

	(void)state;
	config(true);
	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	script("bin/postmap", "touch \"${1#*:}.db\"");
	snprintf(body, sizeof(body), "echo \"$@\" >> '%s'", path("postfix.log"));
	script("bin/postfix", body);
	a = trusted_new(&callbacks);
	for (int i = 0; i < 5; i++) {
		char who[64], inc[32];

		snprintf(who, sizeof(who), "sasl:user%d@example.org", i);
		snprintf(inc, sizeof(inc), "inc-%d", i);
		request(REQ_LOCK, who, inc);
		assert_int_equal(submit(), 0);
	}
	drive(10);
	assert_int_equal(nevents, 5);
	for (size_t i = 0; i < 5; i++)
		expect(i, ACTION_LOCK, RESULT_OK);
	assert_non_null(strstr(events[0].detail, "with the next map change"));
	assert_string_equal(read_file(path("postfix.log")), "reload\n");
	map = read_file(path("sasl_access"));
	for (int i = 0; i < 5; i++) {
		char key[128];

		snprintf(key, sizeof(key), "user%d@example.org " SASL_MAP_MARK, i);
		assert_non_null(strstr(map, key));
	}
	/* alone, a lock reloads at once */
	request(REQ_LOCK, "sasl:bob@example.org", "inc-9");
	assert_int_equal(submit(), 0);
	drive(5);
	assert_string_equal(read_file(path("postfix.log")), "reload\nreload\n");
}

/*
 * A Postfix whose master goes on restarting its services after `postfix
 * reload` has returned: the fake reload leaves base/reloading behind for
 * `secs` seconds (a background process, as the master works on after the
 * signal), and while it is there the fake postqueue fails as Postfix 3.10's
 * did in CI.  The map is sasl_access.
 */
static void reloading_postfix(const char *secs)
{
	char body[1024];

	snprintf(c.sasl_access_map, sizeof(c.sasl_access_map), "%s", path("sasl_access"));
	script("bin/postmap", "touch \"${1#*:}.db\"");
	snprintf(body, sizeof(body),
		 "[ \"$1\" = reload ] || exit 0\n: > '%s'\n"
		 "(sleep %s; rm -f '%s') < /dev/null > /dev/null 2>&1 &",
		 path("reloading"), secs, path("reloading"));
	script("bin/postfix", body);
	assert_int_equal(rename(path("bin/postqueue"), path("bin/postqueue-list")), 0);
	snprintf(body, sizeof(body),
		 "if [ -e '%s' ]; then\n"
		 "  echo 'postqueue: fatal: malformed showq server response' >&2; exit 69\n"
		 "fi\nexec '%s' \"$@\"", path("reloading"), path("bin/postqueue-list"));
	script("bin/postqueue", body);
}

/* A late hold of a login right behind its lock: what failed in CI. */
static void lock_then_hold(const char *login)
{
	char who[128];

	snprintf(who, sizeof(who), "sasl:%s", login);
	queued_msg(qids2[0], login);
	queued_msg(qids2[1], login);
	a = trusted_new(&callbacks);
	request(REQ_LOCK, who, "inc-1");
	assert_int_equal(submit(), 0);
	assert_int_equal(submit_qids(REQ_HOLD, who, "inc-1", qids2, 2), 0);
}

static void test_a_queue_listing_right_after_a_reload_waits_for_showq(void **state)
{
	char *audit;

	(void)state;
	config(true);
	reloading_postfix("0.5");
	fake_postsuper();
	lock_then_hold("alice@example.com");
	drive(10);
	/* no retry, no failure: the listing is made again until showq answers */
	assert_int_equal(nevents, 2);
	expect(0, ACTION_LOCK, RESULT_OK);
	expect(1, ACTION_HOLD, RESULT_OK);
	assert_int_equal(events[1].count, 2);
	assert_non_null(strstr(events[1].detail, "postqueue -j run again"));
	assert_string_equal(read_file(path("postsuper.log")),
			    "postsuper -h - 4F1B2C3D4E ABCDEF0123 \n");
	/* each failed listing is in the hold's audit line */
	audit = read_file(path("state/audit.log"));
	assert_non_null(strstr(audit, "malformed showq server response"));
}

static void test_a_queue_listing_that_keeps_failing_after_a_reload_fails_the_step(void **state)
{
	double t0 = now();

	(void)state;
	config(true);
	reloading_postfix("0");
	script("bin/postqueue",
	       "echo 'postqueue: fatal: malformed showq server response' >&2; exit 69");
	fake_postsuper();
	lock_then_hold("alice@example.com");
	drive(10);
	assert_int_equal(nevents, 2);
	expect(0, ACTION_LOCK, RESULT_OK);
	expect(1, ACTION_HOLD, RESULT_FAILED);
	assert_non_null(strstr(events[1].detail,
			       "postqueue -j: exit 69: postqueue: fatal: malformed showq server "
			       "response"));
	assert_non_null(strstr(events[1].detail, "run again 5 times after postfix reload"));
	/* listed again after 0.1, 0.2, 0.4, 0.8 and 1.6 s, then reported */
	assert_true(events[1].t - t0 >= 3.0);
	assert_true(events[1].t - t0 < 6.0);
	assert_null(read_file(path("postsuper.log")));
}

static void test_a_queue_listing_that_fails_with_no_reload_fails_at_once(void **state)
{
	double t0 = now();

	(void)state;
	config(true);
	script("bin/postqueue",
	       "echo 'postqueue: fatal: malformed showq server response' >&2; exit 69");
	queued_msg(qids2[0], "bob");
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_HOLD, "sasl:bob", "inc-1", qids2, 1), 0);
	drive(5);
	assert_int_equal(nevents, 1);
	expect(0, ACTION_HOLD, RESULT_FAILED);
	assert_null(strstr(events[0].detail, "run again"));
	assert_true(events[0].t - t0 < 1.0);
}

/* Run the loop for about dt seconds, whatever is queued. */
static void run_for(double dt)
{
	double end = now() + dt;

	while (now() < end) {
		struct epoll_event ev;

		actions_tick(a);
		epoll_wait(runner_fd(rn), &ev, 1, 10);
		runner_dispatch(rn);
		runner_tick(rn);
	}
}

static void test_a_confirmation_cut_short_by_a_restart_starts_again(void **state)
{
	char body[1024];

	(void)state;
	config(true);
	fake_postsuper();
	queued_msg("A1A1A1A1A1", "bob");
	queued_msg("B2B2B2B2B2", "bob");
	snprintf(body, sizeof(body), "sleep 0.5; for q; do :; done; cat '%s'/\"$q\"",
		 path("queue"));
	script("bin/postcat", body);
	a = trusted_new(&callbacks);
	assert_int_equal(submit_qids(REQ_HOLD, "sasl:bob", "inc-1", qids3, 2), 0);
	run_for(0.25);		/* postqueue -j is done, the first postcat runs */
	assert_int_equal(runner_running(rn), 1);
	request(REQ_HOLD, "sasl:carol", "inc-2");	/* saves the state, mid-step */
	assert_int_equal(submit(), 0);
	actions_free(a);	/* crash */
	runner_free(rn);
	rn = runner_new();
	a = trusted_new(&callbacks);
	drive(10);
	expect(0, ACTION_HOLD, RESULT_OK);
	assert_int_equal(events[0].count, 2);
	expect(1, ACTION_HOLD, RESULT_SKIPPED);	/* carol's: no queue id */
	assert_string_equal(read_file(path("postsuper.log")), "postsuper -h - A1A1A1A1A1 B2B2B2B2B2 \n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_must_be_a_map_key),
		cmocka_unit_test(test_map_lock_goes_before_the_first_entry_and_unlock_restores),
		cmocka_unit_test(test_map_unlock_removes_only_our_entry_and_its_continuation),
		cmocka_unit_test(test_map_lock_twice_keeps_one_entry),
		cmocka_unit_test(test_map_ours_lists_our_entries_only),
		cmocka_unit_test(test_client_addresses_parse_v4_mapped),
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		T(test_observe_mode_records_every_step_and_runs_nothing),
		T(test_manual_request_acts_in_observe_mode_and_retries_with_backoff),
		T(test_a_hung_command_times_out_and_fails),
		T(test_failed_hold_does_not_prevent_the_lock),
		T(test_action_hook_runs_after_every_step),
		T(test_a_callback_may_submit_a_request),
		T(test_login_that_is_no_map_key_fails_the_lock_but_runs_lock_hook),
		T(test_cooldown_merges_a_second_response_into_a_hold),
		T(test_bad_requests_and_a_full_queue_are_refused),
		T(test_locks_survive_a_restart_and_unlock_lifts_them),
		T(test_an_unfinished_step_resumes_after_a_restart),
		T(test_audit_lines_are_json_with_the_commands),
		T(test_a_lock_goes_ahead_of_the_holds_the_running_one_at_its_next_command),
		T(test_a_response_goes_ahead_of_the_holds_of_one_that_has_locked),
		T(test_two_responses_lock_both_with_one_reload_before_either_holds),
		T(test_a_lock_does_not_wait_for_the_backoff_of_a_hold),
		T(test_late_holds_of_one_identity_and_incident_join_into_one),
		T(test_an_unlock_does_not_overtake_the_lock_before_it),
		T(test_the_cooldown_survives_a_restart),
		T(test_a_cooldown_that_ran_out_while_stopped_is_dropped),
		T(test_a_state_without_cooldowns_loads),
		T(test_a_bad_state_file_stops_the_start),
		T(test_untrusted_maillog_records_every_step_and_runs_nothing),
		T(test_trust_syslog_file_makes_an_untrusted_maillog_act),
		T(test_only_accounts_are_acted_on_unless_by_hand),
		T(test_a_message_is_held_and_deleted_only_if_its_queue_file_names_the_login),
		T(test_quarantine_copies_and_deletes_only_the_identitys_messages),
		T(test_spam_keep_with_hold_all_releases_everyone_but_the_spammer),
		T(test_lock_hook_runs_once_per_lock_with_the_login_after_double_dash),
		T(test_an_inexact_login_is_never_a_map_key_but_lock_hook_runs),
		T(test_a_failed_unlock_hook_keeps_the_hooks_lock),
		T(test_a_saved_login_hex_must_be_bytes_of_a_login),
		cmocka_unit_test(test_envelope_confirmation_reads_the_envelope_only),
		cmocka_unit_test(test_map_keys_with_a_domain_part),
		T(test_a_cut_needs_postfixs_smtpd_and_fails_when_it_cannot_check),
		T(test_a_flood_of_locks_makes_one_postfix_reload),
		T(test_a_confirmation_cut_short_by_a_restart_starts_again),
		T(test_a_queue_listing_right_after_a_reload_waits_for_showq),
		T(test_a_queue_listing_that_keeps_failing_after_a_reload_fails_the_step),
		T(test_a_queue_listing_that_fails_with_no_reload_fails_at_once),
#undef T
	};

	log_init("test_actions", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
