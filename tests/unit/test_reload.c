// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reload.c - a reload (SIGHUP, `sentinelctl reload`): config_reload()
 * puts a changed file in force or refuses it whole (a key read only at
 * start-up, a bad file with FILE:LINE), and respond_reconfigure() /
 * detect_reconfigure() apply new thresholds, allow-lists and modes to the
 * next event without losing the windows or incidents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
#include "detect.h"
#include "respond.h"
#include "run.h"
#include "testutil.h"

#define T0 1764228300.0

/* large (PATH_MAX arrays): off the stack */
static struct config live, next;
static char dir[256], path[512], msg[4096];

static int setup(void **state)
{
	(void)state;
	scratch_dir(dir, sizeof(dir), "reload");
	snprintf(path, sizeof(path), "%s/sentinel.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(dir);
	return 0;
}

/* live from text, then the file rewritten to text2 and reloaded into next */
static int reload(const char *text, const char *text2)
{
	char err[CONFIG_ERR_LEN];

	write_file(path, text);
	assert_int_equal(config_load(&live, path, err, sizeof(err)), 0);
	write_file(path, text2);
	memset(msg, 0, sizeof(msg));
	return config_reload(&live, &next, path, msg, sizeof(msg));
}

#define BASE "[maillog]\npath = none\n[control]\nsocket = none\n"

/* ---- config_reload ---------------------------------------------------------- */

static void test_changed_thresholds_are_put_in_force_and_listed_key_by_key(void **state)
{
	(void)state;
	assert_int_equal(reload(BASE "[detect]\nmax_messages_per_minute = 60\n",
				BASE "[detect]\nmax_messages_per_minute = 5\n"
				"allow_identities = sasl:newsletter\n[actions]\nmode = enforce\n"),
			 1);
	assert_string_equal(msg, "[detect] max_messages_per_minute: '60' -> '5'\n"
			    "[detect] allow_identities: '' -> 'sasl:newsletter'\n"
			    "[actions] mode: 'observe' -> 'enforce'");
	assert_int_equal(next.detect.max_messages_per_minute, 5);
	assert_int_equal(next.detect.nallow, 1);
	assert_true(next.actions.enforce);
	/* the configuration in force is untouched */
	assert_int_equal(live.detect.max_messages_per_minute, 60);
	assert_false(live.actions.enforce);
}

static void test_a_key_read_at_start_up_refuses_the_whole_file(void **state)
{
	char want[1024];

	(void)state;
	assert_int_equal(reload(BASE "[metrics]\nlisten = 127.0.0.1:9725\n",
				BASE "[metrics]\nlisten = 127.0.0.1:9726\n"
				"[detect]\nmax_messages_per_minute = 5\n"),
			 -1);
	snprintf(want, sizeof(want), "%s: [metrics] listen cannot change at run time "
		 "(restart sentineld to apply it)", path);
	assert_string_equal(msg, want);
	assert_int_equal(live.detect.max_messages_per_minute, 60);

	assert_int_equal(reload(BASE, BASE "[sensor]\nports = 25,587\n[daemon]\n"
				"state_dir = /srv/sentinel\n"), -1);
	snprintf(want, sizeof(want), "%s: [sensor] ports, [daemon] state_dir cannot change at "
		 "run time (restart sentineld to apply them)", path);
	assert_string_equal(msg, want);
}

static void test_a_bad_file_is_refused_with_its_file_and_line(void **state)
{
	char want[1024];

	(void)state;
	assert_int_equal(reload(BASE, BASE "[detect]\nmax_messages_per_minute = lots\n"), -1);
	snprintf(want, sizeof(want), "%s:6: max_messages_per_minute: 'lots' is not a number",
		 path);
	assert_memory_equal(msg, want, strlen(want));

	assert_int_equal(reload(BASE, BASE "[detect\n"), -1);
	snprintf(want, sizeof(want), "%s:5: syntax error", path);
	assert_memory_equal(msg, want, strlen(want));
}

static void test_values_that_mean_the_same_are_no_change(void **state)
{
	(void)state;
	/* spacing of a list, a default written out, a key given twice */
	assert_int_equal(reload(BASE "[sensor]\nports = 25,587\n",
				BASE "[sensor]\nports = 25, 587\n[detect]\nspike_factor = 10\n"
				"max_messages_per_minute = 9\nmax_messages_per_minute = 60\n"),
			 0);
	assert_string_equal(msg, "no change");
	/* but a different order is a different list: refused, ports are fixed */
	assert_int_equal(reload(BASE "[sensor]\nports = 25,587\n", BASE "[sensor]\nports = 587\n"),
			 -1);
}

/* ---- the detector ----------------------------------------------------------- */

static int opened;

static void on_opened(const struct incident *inc, void *arg)
{
	(void)inc;
	(void)arg;
	opened++;
}

static void message(struct detector *d, const char *identity, double t)
{
	static unsigned seq;
	struct message m = { .has_sender = true, .sender_local = true, .accepted = true,
			     .nrcpt = 1 };
	struct detect_message dm = { identity, &m, t, NULL, 0 };

	snprintf(m.instance, sizeof(m.instance), "postfix");
	snprintf(m.qid, sizeof(m.qid), "4R%08X", ++seq);
	snprintf(m.identity, sizeof(m.identity), "%s", identity);
	snprintf(m.sender, sizeof(m.sender), "a@example.org");
	detect_message(d, &dm);
}

static void test_detector_applies_a_lower_limit_to_the_window_it_kept(void **state)
{
	struct detect_callbacks cb = { .opened = on_opened };
	struct detect_config c;
	struct detector *d;
	const struct incident *inc;

	(void)state;
	detect_config_defaults(&c);
	opened = 0;
	d = detect_new(&c, &cb);
	for (int i = 0; i < 10; i++)
		message(d, "sasl:bob", T0 + i * 5.0);	/* 10 in 50 s: under 60/min */
	message(d, "sasl:newsletter", T0);	/* seen before it is allowed */
	assert_int_equal(opened, 0);
	c.max_messages_per_minute = 5;
	snprintf(c.allow[0], sizeof(c.allow[0]), "sasl:newsletter");
	c.nallow = 1;
	detect_reconfigure(d, &c);
	message(d, "sasl:bob", T0 + 51);
	assert_int_equal(opened, 1);
	inc = detect_open_for(d, "sasl:bob");
	assert_non_null(inc);
	/* the 10 messages before the reload still count */
	assert_true(inc->signals[SIG_RATE].fired);
	assert_true(inc->signals[SIG_RATE].value >= 11);
	assert_true(inc->signals[SIG_RATE].threshold == 5);
	/* the new allow-list too, for an identity seen before it */
	for (int i = 0; i < 100; i++)
		message(d, "sasl:newsletter", T0 + 52 + i * 0.1);
	assert_int_equal(opened, 1);
	assert_true(detect_allowed(d, "sasl:newsletter"));
	detect_free(d);
}

/* ---- respond: the daemon's path --------------------------------------------- */

static void accepted(const struct maillog_events *ev, const char *identity, double t)
{
	static unsigned seq;
	struct message m = { .has_sender = true, .sender_local = true, .accepted = true,
			     .nrcpt = 1 };

	snprintf(m.instance, sizeof(m.instance), "postfix");
	snprintf(m.qid, sizeof(m.qid), "4S%08X", ++seq);
	snprintf(m.identity, sizeof(m.identity), "%s", identity);
	snprintf(m.sender, sizeof(m.sender), "a@example.org");
	ev->accepted(&m, t, NULL, 0, ev->arg);
}

static json_t *command(struct respond *r, const char *cmd)
{
	struct control_peer peer = { 0 };
	json_t *req = json_pack("{s:s}", "cmd", cmd);
	json_t *reply = respond_command(req, &peer, r);

	json_decref(req);
	return reply;
}

static void test_respond_takes_the_new_thresholds_and_mode_for_the_next_message(void **state)
{
	static struct counters counters;
	struct runner *rn = runner_new();
	struct respond *r;
	struct maillog_events ev;
	json_t *reply;
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), BASE "[daemon]\nstate_dir = %s\n"
		 "[actions]\nsasl_access_map =\n", dir);
	assert_int_equal(reload(text, text), 0);
	r = respond_new(&live, NULL, &counters, rn, NULL, "test");
	assert_non_null(r);
	ev = respond_maillog_events(r);
	for (int i = 0; i < 10; i++)
		accepted(&ev, "sasl:bob", T0 + i * 5.0);
	assert_int_equal(counters.incidents[SIG_RATE], 0);

	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 "[detect]\nmax_messages_per_minute = 5\n");
	write_file(path, text);
	assert_int_equal(config_reload(&live, &next, path, msg, sizeof(msg)), 1);
	assert_int_equal(respond_reconfigure(r, &next, NULL), 0);
	accepted(&ev, "sasl:bob", T0 + 51);
	assert_int_equal(counters.incidents[SIG_RATE], 1);

	/* the mode, in status */
	reply = command(r, "status");
	assert_string_equal(json_string_value(json_object_get(reply, "mode")), "observe");
	json_decref(reply);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "[actions]\nmode = enforce\n");
	write_file(path, text);
	assert_int_equal(config_reload(&next, &live, path, msg, sizeof(msg)), 1);
	assert_string_equal(msg, "[actions] mode: 'observe' -> 'enforce'");
	assert_int_equal(respond_reconfigure(r, &live, NULL), 0);
	reply = command(r, "status");
	assert_string_equal(json_string_value(json_object_get(reply, "mode")), "enforce");
	json_decref(reply);

	/* without the daemon's hook, `reload` says so */
	reply = command(r, "reload");
	assert_false(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	respond_free(r);
	runner_free(rn);
}

static int daemon_reload(char *out, size_t cap, void *arg)
{
	(void)arg;
	snprintf(out, cap, "[detect] spike_min: '20' -> '30'\n[actions] retries: '3' -> '1'");
	return 0;
}

static void test_reload_command_returns_the_changes_one_a_line(void **state)
{
	static struct counters counters;
	struct runner *rn = runner_new();
	struct respond *r;
	json_t *reply, *changes;
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), BASE "[daemon]\nstate_dir = %s\n"
		 "[actions]\nsasl_access_map =\n", dir);
	assert_int_equal(reload(text, text), 0);
	r = respond_new(&live, NULL, &counters, rn, NULL, "test");
	assert_non_null(r);
	respond_on_reload(r, daemon_reload, NULL);
	reply = command(r, "reload");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	changes = json_object_get(reply, "changes");
	assert_int_equal(json_array_size(changes), 2);
	assert_string_equal(json_string_value(json_array_get(changes, 1)),
			    "[actions] retries: '3' -> '1'");
	json_decref(reply);
	respond_free(r);
	runner_free(rn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changed_thresholds_are_put_in_force_and_listed_key_by_key),
		cmocka_unit_test(test_a_key_read_at_start_up_refuses_the_whole_file),
		cmocka_unit_test(test_a_bad_file_is_refused_with_its_file_and_line),
		cmocka_unit_test(test_values_that_mean_the_same_are_no_change),
		cmocka_unit_test(test_detector_applies_a_lower_limit_to_the_window_it_kept),
		cmocka_unit_test(test_respond_takes_the_new_thresholds_and_mode_for_the_next_message),
		cmocka_unit_test(test_reload_command_returns_the_changes_one_a_line),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
