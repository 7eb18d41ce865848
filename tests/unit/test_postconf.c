// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_postconf.c - Postfix's parameters in one postconf(1) call
 * (postconf.h): every value read by name from one call, a name this
 * Postfix does not know and a failing postconf leave values unknown with
 * the reason, the real postconf on a scratch main.cf; and sentineld's
 * start-up modules (its own domains, respond, the maillog engine) share
 * that one read: a stub postconf counts its calls.
 *
 * A container's Postfix (postconf_read_root()): its own postconf, run in
 * its namespaces, reads its main.cf, whose absolute link names a path
 * that the host has too (with other values: they must not leak in); with
 * no postconf to run there, or no process of it (a plain directory), its
 * main.cf is read inside its root and expanded here, and no postconf of
 * the host runs; each value the reader gives is the real postconf's.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
#include "domains.h"
#include "log.h"
#include "maillog/engine.h"
#include "metrics.h"
#include "postconf.h"
#include "respond.h"
#include "run.h"
#include "series.h"
#include "testutil.h"

#define REAL_POSTCONF "/usr/sbin/postconf"
#define STR_(x) #x
#define STR(x) STR_(x)

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

/* A container at root: a process in a mount and PID namespace of its
 * own, chrooted to root with this host's /usr bound in (its programs,
 * postconf among them), sleeping.  Its host pid, 0 when it did not start;
 * *unshare: the process to kill. */
static pid_t container(const char *croot, pid_t *unshare)
{
	char script[PATH_MAX * 8], comm_path[64];
	pid_t inner;

	snprintf(script, sizeof(script),
		 "mkdir -p %s/usr && mount --bind /usr %s/usr && ln -s usr/bin %s/bin && "
		 "ln -s usr/lib %s/lib && { [ ! -d /usr/lib64 ] || ln -s usr/lib64 %s/lib64; } && "
		 "exec /usr/sbin/chroot %s /bin/sleep 60", croot, croot, croot, croot, croot, croot);
	*unshare = fork();
	assert_true(*unshare >= 0);
	if (*unshare == 0) {
		execl("/usr/bin/unshare", "unshare", "--mount", "--propagation", "private", "--pid",
		      "--fork", "/bin/sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	inner = first_child(*unshare);
	if (inner <= 0)
		return 0;
	snprintf(comm_path, sizeof(comm_path), "/proc/%d/comm", (int)inner);
	for (int i = 0; i < 100; i++) {	/* until sh has exec'd sleep in the chroot */
		const char *comm = read_file(comm_path);

		if (comm && strcmp(comm, "sleep\n") == 0)
			return inner;
		usleep(20000);
	}
	return 0;
}

static void container_stop(pid_t unshare, pid_t inner)
{
	int st;

	kill(inner, SIGKILL);
	kill(unshare, SIGKILL);
	waitpid(unshare, &st, 0);
}

/* root/etc/postfix/main.cf is an absolute link to dir/shared.cf: inside
 * the container that is root/dir/shared.cf (inside), on the host
 * dir/shared.cf (host: what must not leak in). */
static void linked_main_cf(const char *croot, const char *inside, const char *host)
{
	char p[PATH_MAX * 2], target[PATH_MAX];

	snprintf(p, sizeof(p), "mkdir -p %s/etc/postfix %s%s", croot, croot, dir);
	assert_int_equal(system(p), 0);
	snprintf(target, sizeof(target), "%s/shared.cf", dir);
	snprintf(p, sizeof(p), "%s%s", croot, target);
	write_file(p, inside);
	write_file(target, host);
	snprintf(p, sizeof(p), "%s/etc/postfix/main.cf", croot);
	assert_int_equal(symlink(target, p), 0);
	snprintf(p, sizeof(p), "%s/etc/postfix/master.cf", croot);
	write_file(p, "");
}

static void test_a_containers_postconf_runs_in_it_and_reads_its_own_main_cf(void **state)
{
	char procroot[64];
	pid_t unshare, inner;
	struct postconf pc;
	const char *why = NULL;

	(void)state;
	if (geteuid() != 0 || access("/usr/bin/unshare", X_OK) != 0 ||
	    access(REAL_POSTCONF, X_OK) != 0)
		skip();
	linked_main_cf(path("root"), "mydomain = inside.example\nmail_owner = ctrowner\n"
		       "mydestination = $mydomain, localhost\n",
		       "mydomain = leak.example\nmail_owner = leakowner\n");
	inner = container(path("root"), &unshare);
	assert_true(inner > 0);

	assert_int_equal(postconf_read_root(&pc, path("root"), "/usr/sbin", ""), 0);
	assert_false(pc.main_cf);
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDOMAIN, NULL), "inside.example");
	assert_string_equal(postconf_get(&pc, POSTCONF_MAIL_OWNER, NULL), "ctrowner");
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDESTINATION, NULL),
			    "inside.example, localhost");
	/* a default compiled into its Postfix: postconf said it */
	assert_non_null(postconf_get(&pc, POSTCONF_DAEMON_DIRECTORY, NULL));
	assert_non_null(strstr(pc.source, "in the namespaces of its pid"));
	postconf_free(&pc);

	/* root named as /proc/PID/root of its process: the same */
	snprintf(procroot, sizeof(procroot), "/proc/%d/root", (int)inner);
	assert_int_equal(postconf_read_root(&pc, procroot, "/usr/sbin", ""), 0);
	assert_false(pc.main_cf);
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDOMAIN, NULL), "inside.example");
	postconf_free(&pc);

	/* no postconf where the container has its programs: its main.cf,
	 * read inside its root (the link stays in it), nothing more */
	assert_int_equal(postconf_read_root(&pc, path("root"), "/nonexistent", ""), 0);
	assert_true(pc.main_cf);
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDOMAIN, NULL), "inside.example");
	assert_string_equal(postconf_get(&pc, POSTCONF_MAIL_OWNER, NULL), "ctrowner");
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDESTINATION, NULL),
			    "inside.example, localhost");
	assert_null(postconf_get(&pc, POSTCONF_DAEMON_DIRECTORY, &why));
	assert_non_null(strstr(why, "main.cf does not set it"));
	postconf_free(&pc);
	container_stop(unshare, inner);
}

/* Postfix's syntax, as postconf -x reads it; then what this reader
 * leaves unknown, and what the real postconf refuses (a loop, an
 * unbalanced bracket). */
#define AGREED_MAIN_CF \
	"mydomain = old.example\n" \
	"mydomain = example.org\n" \
	"myhostname = mail.$mydomain\n" \
	"mydestination = $myhostname, localhost.${mydomain},   \n" \
	"\tlocalhost\n" \
	"# a comment in a continued value ends nothing\n" \
	"\n" \
	"    $(mydomain)\n" \
	"relay_domains = ${mydomain?{yes}:{no}} $$literal ${mydomain:empty}${mydomain?set}" \
	" ${mydomain:{e}}\n" \
	"mail_owner=   postfix   \n" \
	"command_directory = ${unset_here:x}\n" \
	"virtual_mailbox_domains = ${{$mydomain} == {example.org}?{a}:{b}}\n"
#define TRICKY_MAIN_CF AGREED_MAIN_CF \
	"virtual_alias_domains = $virtual_alias_maps\n" \
	"maillog_file = ${mydomain\n" \
	"queue_directory = $loop1/x\n" \
	"loop1 = $loop2\n" \
	"loop2 = $loop1\n"

/* No process of the container (a plain directory: a mounted image): its
 * main.cf through its root, the link inside it, expanded here; no
 * postconf runs at all. */
static void test_a_plain_directory_root_has_its_main_cf_read_inside_it(void **state)
{
	struct postconf pc;
	const char *why = NULL;
	struct {
		enum postconf_param p;
		const char *want;	/* NULL: unknown, why containing because */
		const char *because;
	} rows[] = {
		{ POSTCONF_MYDOMAIN, "example.org", NULL },
		{ POSTCONF_MYDESTINATION, "mail.example.org, localhost.example.org, localhost "
		  "example.org", NULL },
		{ POSTCONF_RELAY_DOMAINS, "yes $literal set", NULL },	/* trimmed */
		{ POSTCONF_MAIL_OWNER, "postfix", NULL },
		{ POSTCONF_DAEMON_DIRECTORY, NULL, "main.cf does not set it" },
		{ POSTCONF_COMMAND_DIRECTORY, NULL, "names a parameter that main.cf does not set" },
		{ POSTCONF_VIRTUAL_ALIAS_DOMAINS, NULL, "names a parameter that main.cf does not set" },
		{ POSTCONF_VIRTUAL_MAILBOX_DOMAINS, NULL, "does not evaluate" },
		{ POSTCONF_MAILLOG_FILE, NULL, "unbalanced" },
		{ POSTCONF_QUEUE_DIRECTORY, NULL, "loop" },
	};

	(void)state;
	stub("echo 'mydomain = from.a.postconf'");
	linked_main_cf(path("root"), TRICKY_MAIN_CF, "mydomain = leak.example\n");
	assert_int_equal(postconf_read_root(&pc, path("root"), path("bin"), ""), 0);
	assert_int_equal(calls(), 0);
	assert_true(pc.main_cf);
	assert_non_null(strstr(pc.source, "root/etc/postfix/main.cf"));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *v = postconf_get(&pc, rows[i].p, &why);

		if (rows[i].want) {
			assert_non_null(v);
			assert_string_equal(v, rows[i].want);
		} else {
			assert_null(v);
			assert_non_null(strstr(why, rows[i].because));
		}
	}
	postconf_free(&pc);

	/* config_dir names another directory, as the container does */
	assert_int_equal(mkdir(path("root/etc/postfix-out"), 0755), 0);
	write_file(path("root/etc/postfix-out/main.cf"), "mydomain = out.example\n");
	assert_int_equal(postconf_read_root(&pc, path("root"), path("bin"), "/etc/postfix-out"), 0);
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDOMAIN, NULL), "out.example");
	postconf_free(&pc);
	assert_int_equal(calls(), 0);
}

/* What the reader gives is what the real postconf -x gives. */
static void test_the_main_cf_reader_agrees_with_the_real_postconf(void **state)
{
	struct postconf mine, real;
	int n = 0;

	(void)state;
	if (access(REAL_POSTCONF, X_OK) != 0)
		skip();
	assert_int_equal(mkdir(path("root"), 0755), 0);
	assert_int_equal(mkdir(path("root/etc"), 0755), 0);
	assert_int_equal(mkdir(path("root/etc/postfix"), 0755), 0);
	write_file(path("root/etc/postfix/main.cf"), AGREED_MAIN_CF);
	write_file(path("root/etc/postfix/master.cf"), "");
	assert_int_equal(postconf_read_root(&mine, path("root"), "/nonexistent", ""), 0);
	assert_true(mine.main_cf);
	assert_int_equal(postconf_read(&real, "/usr/sbin", path("root/etc/postfix")), 0);
	for (int i = 0; i < POSTCONF_NPARAMS; i++) {
		const char *v = postconf_get(&mine, (enum postconf_param)i, NULL);

		if (v) {
			assert_string_equal(v, postconf_get(&real, (enum postconf_param)i, NULL));
			n++;
		}
	}
	assert_int_equal(n, 4);	/* mydomain, mydestination, relay_domains, mail_owner */
	postconf_free(&mine);
	postconf_free(&real);
}

/* A main.cf that is no regular file, or none: refused (a FIFO without
 * waiting for a writer), every value unknown with the reason. */
static void test_a_main_cf_that_is_no_file_is_refused(void **state)
{
	struct postconf pc;
	const char *why = NULL;
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(mkdir(path("root"), 0755), 0);
	assert_int_equal(postconf_read_root(&pc, path("root"), "/nonexistent", ""), -1);
	assert_non_null(strstr(pc.err, "main.cf: No such file or directory"));
	assert_null(postconf_get(&pc, POSTCONF_MYDOMAIN, &why));
	postconf_free(&pc);
	assert_int_equal(mkdir(path("root/etc"), 0755), 0);
	assert_int_equal(mkdir(path("root/etc/postfix"), 0755), 0);
	assert_int_equal(mkfifo(path("root/etc/postfix/main.cf"), 0644), 0);
	assert_int_equal(postconf_read_root(&pc, path("root"), "/nonexistent", ""), -1);
	assert_non_null(strstr(pc.err, "not a regular file"));
	assert_true(time(NULL) - t0 < 3);
	postconf_free(&pc);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* root/etc/postfix/main.cf is text (a plain directory: no process). */
static void plain_main_cf(const char *text)
{
	assert_int_equal(mkdir(path("root"), 0755), 0);
	assert_int_equal(mkdir(path("root/etc"), 0755), 0);
	assert_int_equal(mkdir(path("root/etc/postfix"), 0755), 0);
	write_file(path("root/etc/postfix/main.cf"), text);
}

/* References that multiply ("billion laughs": each level names the next
 * four times, the last is empty, so no value grows over its bound) are
 * refused in bounded time, as a loop is; the other values are read. */
static void test_references_that_multiply_are_refused_in_bounded_time(void **state)
{
	char *text = xmalloc(65536);
	size_t len = 0;
	struct postconf pc;
	const char *why = NULL;
	double t0;

	(void)state;
	for (int i = 0; i < 60; i++)
		len += (size_t)snprintf(text + len, 65536 - len, "x%d = $x%d$x%d$x%d$x%d\n"
					"y%d = ${y%d?{a}}${y%d:{}}\n", i, i + 1, i + 1, i + 1,
					i + 1, i, i + 1, i + 1);
	snprintf(text + len, 65536 - len, "x60 =\ny60 =\nmydomain = $x0\nrelay_domains = $y0\n"
		 "mail_owner = postfix\n");
	plain_main_cf(text);
	free(text);
	t0 = mono();
	assert_int_equal(postconf_read_root(&pc, path("root"), "/nonexistent", ""), 0);
	assert_true(mono() - t0 < 2.0);
	assert_null(postconf_get(&pc, POSTCONF_MYDOMAIN, &why));
	assert_non_null(strstr(why, "expansion takes over"));
	assert_null(postconf_get(&pc, POSTCONF_RELAY_DOMAINS, &why));
	assert_non_null(strstr(why, "expansion takes over"));
	assert_string_equal(postconf_get(&pc, POSTCONF_MAIL_OWNER, NULL), "postfix");
	postconf_free(&pc);
}

/* A hostile main.cf at its size bound (1 MiB: one value of 500 000
 * references to an empty setting that the others, 4000 of them, follow)
 * is read in well under a second. */
static void test_a_main_cf_at_its_size_bound_is_read_fast(void **state)
{
	char *text = xmalloc(POSTCONF_MAIN_CF_MAX + 1);
	size_t len = 0;
	struct postconf pc;
	const char *why = NULL;
	double t0;

	(void)state;
	len += (size_t)snprintf(text, POSTCONF_MAIN_CF_MAX, "e =\n");
	for (int i = 0; i < 4000; i++)
		len += (size_t)snprintf(text + len, POSTCONF_MAIN_CF_MAX - len, "pad%d = v\n", i);
	len += (size_t)snprintf(text + len, POSTCONF_MAIN_CF_MAX - len, "mydomain = ");
	while (len + 3 < POSTCONF_MAIN_CF_MAX)
		len += (size_t)snprintf(text + len, POSTCONF_MAIN_CF_MAX + 1 - len, "$e");
	text[len++] = '\n';
	text[len] = '\0';
	plain_main_cf(text);
	free(text);
	t0 = mono();
	assert_int_equal(postconf_read_root(&pc, path("root"), "/nonexistent", ""), 0);
	assert_true(mono() - t0 < 1.0);
	assert_string_equal(postconf_get(&pc, POSTCONF_MYDOMAIN, &why), "");
	postconf_free(&pc);
}

/* More settings than the reader keeps: refused, not read in part (the
 * last setting of a name, past the bound, would be lost and an earlier
 * one taken for it). */
static void test_a_main_cf_over_the_settings_bound_is_refused(void **state)
{
	char *text = xmalloc(POSTCONF_MAIN_CF_MAX);
	size_t len = 0;
	struct postconf pc;
	const char *why = NULL;

	(void)state;
	len += (size_t)snprintf(text, POSTCONF_MAIN_CF_MAX, "mydomain = first.example\n");
	for (int i = 0; i < POSTCONF_MAIN_CF_SETTINGS; i++)
		len += (size_t)snprintf(text + len, POSTCONF_MAIN_CF_MAX - len, "pad%d = v\n", i);
	snprintf(text + len, POSTCONF_MAIN_CF_MAX - len, "mydomain = last.example\n");
	plain_main_cf(text);
	free(text);
	assert_int_equal(postconf_read_root(&pc, path("root"), "/nonexistent", ""), -1);
	assert_non_null(strstr(pc.err, "over " STR(POSTCONF_MAIN_CF_SETTINGS) " settings"));
	assert_null(postconf_get(&pc, POSTCONF_MYDOMAIN, &why));
	postconf_free(&pc);
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
		cmocka_unit_test_setup_teardown(
			test_a_containers_postconf_runs_in_it_and_reads_its_own_main_cf, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_a_plain_directory_root_has_its_main_cf_read_inside_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_main_cf_reader_agrees_with_the_real_postconf,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_main_cf_that_is_no_file_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_references_that_multiply_are_refused_in_bounded_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_main_cf_at_its_size_bound_is_read_fast, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_main_cf_over_the_settings_bound_is_refused,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
