// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_postconf.c - Postfix's parameters in one postconf(1) call
 * (postconf.h): every value read by name from one call, a name this
 * Postfix does not know and a failing postconf leave values unknown with
 * the reason, the real postconf on a scratch main.cf; and sentineld's
 * start-up modules (its own domains, respond, the maillog engine) share
 * that one read: a stub postconf counts its calls.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
#include "domains.h"
#include "maillog/engine.h"
#include "metrics.h"
#include "postconf.h"
#include "respond.h"
#include "run.h"
#include "series.h"
#include "testutil.h"

#define REAL_POSTCONF "/usr/sbin/postconf"

static char dir[64];

static char *path(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* dir/bin/postconf: a shell script that appends a line to dir/calls,
 * its arguments to dir/args, then runs body. */
static void stub(const char *body)
{
	char text[4096];

	snprintf(text, sizeof(text), "#!/bin/sh\necho call >> '%s'\nprintf '%%s\\n' \"$@\" > '%s'\n"
		 "%s\n", path("calls"), path("args"), body);
	write_file(path("bin/postconf"), text);
	assert_int_equal(chmod(path("bin/postconf"), 0755), 0);
}

static int calls(void)
{
	const char *text = read_file(path("calls"));
	int n = 0;

	for (const char *p = text; p && (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

static int setup(void **state)
{
	(void)state;
	scratch_dir(dir, sizeof(dir), "postconf");
	assert_int_equal(mkdir(path("bin"), 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(dir);
	return 0;
}

static void test_every_parameter_is_read_by_name_in_one_call(void **state)
{
	struct postconf pc;
	char want[4096] = "-c\n/etc/postfix-out\n-x\n--\n";
	const char *why = NULL;

	(void)state;
	/* postconf's order is the one asked; any order is read by name */
	stub("cat <<'EOF'\n"
	     "mydestination = mail.example.org, localhost\n"
	     "mail_owner = postfix\n"
	     "maillog_file =\n"
	     "daemon_directory = /usr/lib/postfix/sbin\n"
	     "mydomain = example.org\n"
	     "command_directory = /usr/sbin\n"
	     "queue_directory = /var/spool/postfix\n"
	     "virtual_alias_domains = hash:/etc/postfix/virtual = x\n"
	     "virtual_mailbox_domains =\n"
	     "relay_domains = $mydestination\n"
	     "EOF");
	assert_int_equal(postconf_read(&pc, path("bin"), "/etc/postfix-out"), 0);
	assert_int_equal(calls(), 1);
	for (int i = 0; i < POSTCONF_NPARAMS; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\n", postconf_names[i]);
	assert_string_equal(read_file(path("args")), want);
	assert_string_equal(pc.err, "");
	assert_string_equal(postconf_get(&pc, POSTCONF_MAIL_OWNER, &why), "postfix");
	assert_string_equal(postconf_get(&pc, POSTCONF_DAEMON_DIRECTORY, &why),
			    "/usr/lib/postfix/sbin");
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDESTINATION, &why),
			    "mail.example.org, localhost");
	assert_string_equal(postconf_get(&pc, POSTCONF_MAILLOG_FILE, &why), "");
	assert_string_equal(postconf_get(&pc, POSTCONF_VIRTUAL_ALIAS_DOMAINS, &why),
			    "hash:/etc/postfix/virtual = x");
	assert_string_equal(postconf_get(&pc, POSTCONF_RELAY_DOMAINS, &why), "$mydestination");
	assert_null(why);
	postconf_free(&pc);

	/* no config_dir: Postfix's default, no -c */
	assert_int_equal(postconf_read(&pc, path("bin"), ""), 0);
	assert_int_equal(strncmp(read_file(path("args")), "-x\n--\nmail_owner\n", 17), 0);
	postconf_free(&pc);
}

/* Postfix 3.3 has no maillog_file: postconf leaves it out, warns, exits 0. */
static void test_a_name_this_postfix_does_not_know_is_unknown_and_the_rest_read(void **state)
{
	struct postconf pc;
	const char *why = NULL;

	(void)state;
	stub("echo 'postconf: warning: maillog_file: unknown parameter' >&2\n"
	     "echo 'mail_owner = postfix'\n"
	     "echo 'relay_domains = example.net'\n"
	     "echo 'not a line of postconf'\n"
	     "echo 'mail_owner = second'");
	assert_int_equal(postconf_read(&pc, path("bin"), ""), 0);
	assert_null(postconf_get(&pc, POSTCONF_MAILLOG_FILE, &why));
	assert_string_equal(why, "not a parameter of this Postfix");
	assert_string_equal(postconf_get(&pc, POSTCONF_MAIL_OWNER, NULL), "postfix");
	assert_string_equal(postconf_get(&pc, POSTCONF_RELAY_DOMAINS, NULL), "example.net");
	postconf_free(&pc);
}

static void test_a_failing_postconf_leaves_every_value_unknown_with_the_reason(void **state)
{
	struct postconf pc;
	const char *why = NULL;

	(void)state;
	stub("echo 'mail_owner = postfix'\n"
	     "echo 'postconf: fatal: open /etc/postfix/main.cf: No such file or directory' >&2\n"
	     "exit 1");
	assert_int_equal(postconf_read(&pc, path("bin"), ""), -1);
	assert_non_null(strstr(pc.err, "exit 1"));
	assert_non_null(strstr(pc.err, "main.cf: No such file or directory"));
	for (int i = 0; i < POSTCONF_NPARAMS; i++)
		assert_null(postconf_get(&pc, (enum postconf_param)i, &why));
	assert_string_equal(why, "postconf failed");
	postconf_free(&pc);

	/* no postconf at all: said too */
	assert_int_equal(postconf_read(&pc, path("nowhere"), ""), -1);
	assert_non_null(strstr(pc.err, "nowhere/postconf"));
	postconf_free(&pc);
	assert_null(postconf_get(NULL, POSTCONF_MAIL_OWNER, &why));
	assert_string_equal(why, "Postfix's parameters not read");
}

/* The real thing: $name expanded, and without a main.cf a failure. */
static void test_real_postconf_expands_and_fails_without_main_cf(void **state)
{
	struct postconf pc;

	(void)state;
	if (access(REAL_POSTCONF, X_OK) != 0)
		skip();		/* Debian: postfix (scripts/deps.sh installs it) */
	assert_int_equal(mkdir(path("etc"), 0755), 0);
	write_file(path("etc/main.cf"), "mydomain = example.org\n"
		   "mydestination = $mydomain, localhost\nmail_owner = postfix\n");
	write_file(path("etc/master.cf"), "");
	assert_int_equal(postconf_read(&pc, "/usr/sbin", path("etc")), 0);
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDESTINATION, NULL),
			    "example.org, localhost");
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDOMAIN, NULL), "example.org");
	assert_string_equal(postconf_get(&pc, POSTCONF_MAIL_OWNER, NULL), "postfix");
	assert_non_null(postconf_get(&pc, POSTCONF_DAEMON_DIRECTORY, NULL));
	postconf_free(&pc);

	assert_int_equal(postconf_read(&pc, "/usr/sbin", path("none")), -1);
	assert_non_null(strstr(pc.err, "main.cf"));
	postconf_free(&pc);
}

/*
 * sentineld's start-up: Postfix's parameters read once, then its own
 * domains, respond (daemon_directory) and the maillog engine (maillog_file,
 * the postlog checks, the journal's writers) take them from that read;
 * a reload reads them once more.
 */
static void test_startup_runs_postconf_once(void **state)
{
	static struct counters counters;
	char text[4096], err[256], body[2048], note[256], (*found)[DOMAINS_NAME_MAX];
	struct series_table *ids = series_table_new_top(1, identity_label_names, 100);
	struct runner *rn = runner_new();
	struct postconf pc, again;
	struct config cfg;
	struct respond *r;
	struct maillog *m;
	const char *why;
	size_t n = 0;

	(void)state;
	assert_int_equal(mkdir(path("journal"), 0755), 0);
	write_file(path("postfix.log"), "");
	assert_int_equal(chmod(path("postfix.log"), 0600), 0);
	snprintf(body, sizeof(body), "cat <<'EOF'\nmail_owner = root\n"
		 "daemon_directory = /usr/lib/postfix/sbin\ncommand_directory = %s\n"
		 "queue_directory = %s\nmaillog_file = %s\nmydomain = example.org\n"
		 "mydestination = example.org, localhost\nvirtual_alias_domains =\n"
		 "virtual_mailbox_domains =\nrelay_domains =\nEOF", path("bin"), path("queue"),
		 path("postfix.log"));
	stub(body);
	snprintf(text, sizeof(text), "[daemon]\nstate_dir = %s\n[maillog]\nsource = auto\n"
		 "path = %s\njournal_dir = %s\nlocal_domains = auto\n[control]\nsocket = none\n"
		 "[actions]\npostfix_bin_dir = %s\nsasl_access_map =\n", path("state"),
		 path("mail.log"), path("journal"), path("bin"));
	config_defaults(&cfg);
	assert_int_equal(config_load_string(&cfg, "test", text, err, sizeof(err)), 0);

	assert_int_equal(postconf_read(&pc, cfg.actions.postfix_bin_dir,
				       cfg.actions.postfix_config_dir), 0);
	found = xcalloc(CONFIG_MAX_LOCAL_DOMAINS, DOMAINS_NAME_MAX);
	assert_int_equal(domains_from_postfix(&pc, found, CONFIG_MAX_LOCAL_DOMAINS, &n, note,
					      sizeof(note), err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(found[0], "example.org");
	free(found);
	r = respond_new(&cfg, &pc, &counters, rn, NULL, "test");
	assert_non_null(r);
	m = maillog_open(&cfg, &pc, &counters, ids, NULL, NULL);
	assert_non_null(m);
	/* the engine took Postfix's maillog_file from the one read */
	assert_int_equal(maillog_source(m, &why), MAILLOG_SOURCE_FILE);
	assert_non_null(strstr(why, path("postfix.log")));
	assert_int_equal(calls(), 1);

	/* a reload put in force: once more */
	assert_int_equal(postconf_read(&again, cfg.actions.postfix_bin_dir,
				       cfg.actions.postfix_config_dir), 0);
	assert_int_equal(respond_reconfigure(r, &cfg, &again), 0);
	assert_int_equal(calls(), 2);

	maillog_close(m);
	respond_free(r);
	postconf_free(&again);
	postconf_free(&pc);
	runner_free(rn);
	series_table_free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_parameter_is_read_by_name_in_one_call,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_name_this_postfix_does_not_know_is_unknown_and_the_rest_read, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_a_failing_postconf_leaves_every_value_unknown_with_the_reason, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_real_postconf_expands_and_fails_without_main_cf,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_startup_runs_postconf_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
