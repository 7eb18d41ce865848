// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_journal.c - the maillog from the systemd journal: journal.c's
 * reader, matches and writer check, and the engine (engine.h) with
 * [maillog] source = journal: genuine Postfix entries used, forged ones
 * counted and never used, and the cursor kept across a restart.
 *
 * The journals are real journal files, written by systemd-journal-remote
 * from an export stream in which the test sets the trusted fields itself
 * (_UID, _COMM, _EXE, ...), as journald would from the kernel: no journald
 * runs.  Entries of a Postfix daemon carry _UID of mail_owner and _EXE in
 * daemon_directory as journal_writers_init() takes them when Postfix's
 * parameters are unknown (Debian's), which is also what a Postfix with an
 * almost empty main.cf says (engine_open_auto()).
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
#include "croot.h"
#include "counters.h"
#include "log.h"
#include "maillog/engine.h"
#include "maillog/journal.h"
#include "maillog/messages.h"
#include "metrics.h"
#include "postconf.h"
#include "run.h"
#include "series.h"
#include "testutil.h"
#include "text.h"

#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"
#define BOOT_ID "5d1f0e6a7c2b4e8f9a0b1c2d3e4f5a6b"
#define T0 1795745113000000ULL	/* 2026-11-27T02:05:13Z, microseconds */

static char dir[256];
static struct journal_writers writers;
static char export[1 << 16];
static size_t export_len;
static unsigned long long seq;

/* ---- journals -------------------------------------------------------------- */

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(export + export_len, sizeof(export) - export_len, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(export) - export_len);
	export_len += (size_t)n;
}

/* The head of an entry: time, boot, and the identifier of a syslog line. */
static void head(const char *program, long pid)
{
	seq++;
	add("__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n_BOOT_ID=%s\n"
	    "_HOSTNAME=mx1\nSYSLOG_FACILITY=2\nSYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%ld\n",
	    T0 + seq * 1000, 1000000 + seq, BOOT_ID, program, pid);
}

/* An entry written by the Postfix daemon of program (postfix/SERVICE). */
static void genuine(const char *program, long pid, const char *msg)
{
	const char *service = strrchr(program, '/') + 1;

	head(program, pid);
	add("_UID=%u\n_GID=%u\n_PID=%ld\n_COMM=%s\n_EXE=%s/%s\n"
	    "_SYSTEMD_UNIT=postfix@-.service\nMESSAGE=%s\n\n",
	    (unsigned)writers.mail_owner, (unsigned)writers.mail_owner, pid, service,
	    writers.daemon_dir, service, msg);
}

/* The same text, written by an ordinary user with logger(1). */
static void forged(const char *program, long pid, const char *msg)
{
	head(program, pid);
	add("_UID=1000\n_GID=1000\n_PID=4242\n_COMM=logger\n_EXE=/usr/bin/logger\n"
	    "_SYSTEMD_UNIT=session-3.scope\nMESSAGE=%s\n\n", msg);
}

/* Append the entries added since the last flush to dir/test.journal. */
static void flush(void)
{
	char out[512];
	const char *argv[] = { JOURNAL_REMOTE, "-o", out, "-", NULL };
	struct run_spec spec = { .argv = argv, .stdin_data = export, .stdin_len = export_len,
				 .timeout = 30 };
	struct run_result *res = malloc(sizeof(*res));

	assert_non_null(res);
	snprintf(out, sizeof(out), "%s/journal/test.journal", dir);
	assert_int_equal(run_sync(&spec, res), 0);
	if (!run_ok(res))
		fail_msg("%s: %s", JOURNAL_REMOTE, res->err);
	free(res);
	export_len = 0;
}

static int setup(void **state)
{
	char err[512], path[300];

	(void)state;
	if (access(JOURNAL_REMOTE, X_OK) != 0) {
		print_message("no %s (Debian: systemd-journal-remote)\n", JOURNAL_REMOTE);
		return -1;
	}
	scratch_dir(dir, sizeof(dir), "journal");
	snprintf(path, sizeof(path), "%s/journal", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	journal_writers_init(&writers, NULL, "", NULL, err, sizeof(err));
	if (!writers.has_mail_owner)
		writers.mail_owner = 102;	/* no postfix user here: any non-root uid */
	export_len = 0;
	seq = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(dir);
	return 0;
}

/* ---- the reader -------------------------------------------------------------- */

struct got {
	int n;
	char program[8][64], msg[8][256], exe[8][256];
	long pid[8], uid[8];
	bool trusted[8];
};

static void collect(const struct journal_entry *e, void *arg)
{
	struct got *g = arg;
	char why[512];

	if (g->n >= 8)
		return;
	snprintf(g->program[g->n], 64, "%.*s", (int)e->program.n, e->program.p);
	snprintf(g->msg[g->n], 256, "%.*s", (int)e->msg.n, e->msg.p);
	snprintf(g->exe[g->n], 256, "%.*s", (int)e->exe.n, e->exe.p);
	g->pid[g->n] = e->pid;
	g->uid[g->n] = e->uid;
	g->trusted[g->n] = journal_writer_check(&writers, e, why, sizeof(why));
	g->n++;
}

static struct journal *open_dir(const char *const *match, const char *cursor)
{
	char where[300], err[512];
	struct journal *j;

	snprintf(where, sizeof(where), "%s/journal", dir);
	j = journal_open(where, match, JOURNAL_START_BEGINNING, cursor, err, sizeof(err));
	if (!j)
		fail_msg("journal_open: %s", err);
	return j;
}

static void test_reader_hands_on_entries_with_their_trusted_fields(void **state)
{
	struct got g = { 0 };
	struct journal *j;

	(void)state;
	genuine("postfix/smtpd", 2201, "connect from unknown[203.0.113.7]");
	forged("postfix/smtpd", 2201, "4F3A21C0B2: client=x[1.2.3.4], sasl_username=victim");
	flush();
	j = open_dir(NULL, NULL);
	assert_int_equal(journal_read(j, collect, &g), 2);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.program[0], "postfix/smtpd");
	assert_int_equal(g.pid[0], 2201);
	assert_string_equal(g.msg[0], "connect from unknown[203.0.113.7]");
	assert_int_equal(g.uid[0], (long)writers.mail_owner);
	assert_true(g.trusted[0]);
	assert_int_equal(g.uid[1], 1000);
	assert_string_equal(g.exe[1], "/usr/bin/logger");
	assert_false(g.trusted[1]);
	/* nothing new: nothing handed on */
	assert_int_equal(journal_read(j, collect, &g), 0);
	journal_close(j);
}

static void test_prefix_match_keeps_postfix_names_and_units_only(void **state)
{
	static const char *const match[] = { "_SYSTEMD_UNIT=postfix@-.service",
					     "SYSLOG_IDENTIFIER=postfix*", NULL };
	struct got g = { 0 };
	struct journal *j;

	(void)state;
	head("sshd", 77);
	add("_UID=0\n_COMM=sshd\nMESSAGE=Accepted password for root\n\n");
	forged("postfix/qmgr", 880, "4F3A21C0B2: from=<a@b>, size=1, nrcpt=1 (queue active)");
	head("dovecot", 78);
	add("_UID=0\n_SYSTEMD_UNIT=postfix@-.service\nMESSAGE=in the unit\n\n");
	flush();
	j = open_dir(match, NULL);
	journal_read(j, collect, &g);
	journal_close(j);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.program[0], "postfix/qmgr");
	assert_string_equal(g.program[1], "dovecot");
}

static void test_exact_matches_go_to_sd_journal(void **state)
{
	static const char *const match[] = { "SYSLOG_IDENTIFIER=postfix/qmgr", NULL };
	struct got g = { 0 };
	struct journal *j;

	(void)state;
	genuine("postfix/smtpd", 1, "connect from x[1.2.3.4]");
	genuine("postfix/qmgr", 2, "4F3A21C0B2: removed");
	flush();
	j = open_dir(match, NULL);
	journal_read(j, collect, &g);
	journal_close(j);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], "4F3A21C0B2: removed");
}

static void test_match_terms_are_checked(void **state)
{
	char err[256];

	(void)state;
	assert_true(journal_match_valid("SYSLOG_IDENTIFIER=postfix*", err, sizeof(err)));
	assert_true(journal_match_valid("_SYSTEMD_UNIT=postfix@-.service", err, sizeof(err)));
	assert_false(journal_match_valid("syslog_identifier=postfix", err, sizeof(err)));
	assert_false(journal_match_valid("SYSLOG_IDENTIFIER=", err, sizeof(err)));
	assert_false(journal_match_valid("SYSLOG_IDENTIFIER=*", err, sizeof(err)));
	assert_false(journal_match_valid("SYSLOG_IDENTIFIER=post*fix", err, sizeof(err)));
	assert_false(journal_match_valid("postfix", err, sizeof(err)));
}

/* ---- who wrote it ------------------------------------------------------------ */

static struct journal_entry entry(long uid, const char *comm, const char *exe)
{
	static char exebuf[PATH_MAX + 32];
	struct journal_entry e = { .program = { "postfix/smtpd", 13 }, .uid = uid, .pid = 9 };

	if (comm)
		e.comm = (struct slice){ comm, strlen(comm) };
	if (exe) {
		snprintf(exebuf, sizeof(exebuf), "%s", exe);
		e.exe = (struct slice){ exebuf, strlen(exebuf) };
	}
	return e;
}

static void test_writer_check_wants_uid_and_program_of_postfix(void **state)
{
	char why[PATH_MAX + 256], exe[PATH_MAX + 16], deleted[PATH_MAX + 32], sub[PATH_MAX + 32];
	struct journal_entry e;

	(void)state;
	snprintf(exe, sizeof(exe), "%s/smtpd", writers.daemon_dir);
	snprintf(deleted, sizeof(deleted), "%s (deleted)", exe);
	snprintf(sub, sizeof(sub), "%s/x/smtpd", writers.daemon_dir);

	e = entry((long)writers.mail_owner, "smtpd", exe);
	assert_true(journal_writer_check(&writers, &e, why, sizeof(why)));
	e = entry(0, "master", deleted);		/* upgraded under it */
	assert_true(journal_writer_check(&writers, &e, why, sizeof(why)));
	e = entry((long)writers.mail_owner, "smtpd", NULL);	/* _EXE unread */
	assert_true(journal_writer_check(&writers, &e, why, sizeof(why)));
	e = entry((long)writers.mail_owner, NULL, NULL);	/* gone: _UID alone */
	assert_true(journal_writer_check(&writers, &e, why, sizeof(why)));

	snprintf(exe, sizeof(exe), "%s/postsuper", writers.command_dir);
	e = entry(0, "postsuper", exe);			/* root's postsuper -d */
	assert_true(journal_writer_check(&writers, &e, why, sizeof(why)));
	e = entry((long)writers.mail_owner, "postsuper", exe);	/* but only root's */
	assert_false(journal_writer_check(&writers, &e, why, sizeof(why)));
	snprintf(exe, sizeof(exe), "%s/smtpd", writers.daemon_dir);
	e = entry(1000, "smtpd", exe);			/* any other uid */
	assert_false(journal_writer_check(&writers, &e, why, sizeof(why)));
	assert_non_null(strstr(why, "_UID 1000"));
	e = entry(-1, "smtpd", exe);			/* no _UID at all */
	assert_false(journal_writer_check(&writers, &e, why, sizeof(why)));
	e = entry(0, "logger", "/usr/bin/logger");	/* root, not Postfix */
	assert_false(journal_writer_check(&writers, &e, why, sizeof(why)));
	e = entry(0, "logger", NULL);
	assert_false(journal_writer_check(&writers, &e, why, sizeof(why)));
	e = entry(0, "smtpd", sub);			/* below, not in it */
	assert_false(journal_writer_check(&writers, &e, why, sizeof(why)));
}

/* A container's Postfix ([maillog] root): its journal names the
 * container's uids and paths.  The container here: postfix is uid 4100
 * (not this host's), daemon_directory /usr/lib/postfix/sbin a link to
 * /opt/pf/sbin inside it, and no qmgr there (this host may have one). */
static void container_root(char *root, size_t cap)
{
	static const char *const dirs[] = { "etc", "etc/postfix", "usr", "usr/lib",
					    "usr/lib/postfix", "opt", "opt/pf", "opt/pf/sbin" };
	char path[PATH_MAX];

	snprintf(root, cap, "%s/container", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	write_file(path, "root:x:0:0:root:/root:/bin/bash\n"
		   "postfix:x:4100:4100:Postfix MTA:/var/spool/postfix:/usr/sbin/nologin\n");
	snprintf(path, sizeof(path), "%s/etc/postfix/main.cf", root);
	write_file(path, "compatibility_level = 3.6\nmail_owner = postfix\n"
		   "daemon_directory = /usr/lib/postfix/sbin\ncommand_directory = /usr/sbin\n");
	snprintf(path, sizeof(path), "%s/etc/postfix/master.cf", root);
	write_file(path, "");
	snprintf(path, sizeof(path), "%s/usr/lib/postfix/sbin", root);
	assert_int_equal(symlink("/opt/pf/sbin", path), 0);
	snprintf(path, sizeof(path), "%s/opt/pf/sbin/smtpd", root);
	write_file(path, "");
}

static void test_writer_check_of_a_container_takes_its_users_and_paths(void **state)
{
	char why[PATH_MAX + 256], err[512], root[512], host_exe[PATH_MAX];
	struct journal_writers w;
	struct journal_entry e;

	(void)state;
	char conf[PATH_MAX];
	struct postconf pc;

	if (access("/usr/sbin/postconf", X_OK) != 0)
		skip();
	container_root(root, sizeof(root));
	assert_int_equal(croot_host_path(root, "/etc/postfix", conf, sizeof(conf)), 0);
	assert_int_equal(postconf_read(&pc, "/usr/sbin", conf), 0);
	journal_writers_init(&w, &pc, root, NULL, err, sizeof(err));
	postconf_free(&pc);
	assert_true(w.has_mail_owner);
	assert_int_equal(w.mail_owner, 4100);
	assert_string_equal(w.daemon_dir, "/opt/pf/sbin");	/* resolved in the container */

	e = entry(4100, "smtpd", "/opt/pf/sbin/smtpd");
	assert_true(journal_writer_check(&w, &e, why, sizeof(why)));
	e = entry(0, "smtpd", "/opt/pf/sbin/smtpd");
	assert_true(journal_writer_check(&w, &e, why, sizeof(why)));
	e = entry(4100, "smtpd", NULL);		/* _EXE unread: _COMM in the container's */
	assert_true(journal_writer_check(&w, &e, why, sizeof(why)));

	e = entry(4101, "smtpd", "/opt/pf/sbin/smtpd");	/* not the container's postfix */
	assert_false(journal_writer_check(&w, &e, why, sizeof(why)));
	assert_non_null(strstr(why, "_UID 4101"));
	e = entry(4100, "logger", "/usr/bin/logger");	/* postfix's uid, not its program */
	assert_false(journal_writer_check(&w, &e, why, sizeof(why)));
	snprintf(host_exe, sizeof(host_exe), "%s/opt/pf/sbin/smtpd", root);
	e = entry(4100, "smtpd", host_exe);		/* the host's name is not the writer's */
	assert_false(journal_writer_check(&w, &e, why, sizeof(why)));
	e = entry(4100, "qmgr", NULL);			/* no qmgr in the container */
	assert_false(journal_writer_check(&w, &e, why, sizeof(why)));
	assert_non_null(strstr(why, "_COMM qmgr"));
}

/* ---- the entry as a line ------------------------------------------------------- */

static void test_line_has_the_header_the_parsers_read(void **state)
{
	struct journal_entry e = { .time = 1795745113, .usec = 42, .host = { "mx1", 3 },
				   .program = { "postfix/smtpd", 13 }, .pid = 2201,
				   .msg = { "connect from x[1.2.3.4]", 23 } };
	struct syslog_line l;
	char buf[512];
	size_t len;

	(void)state;
	assert_true(journal_line(&e, buf, sizeof(buf), &len, &l));
	assert_string_equal(buf, "2026-11-27T02:05:13.000042+00:00 mx1 postfix/smtpd[2201]: "
			    "connect from x[1.2.3.4]");
	assert_int_equal(len, strlen(buf));
	assert_slice(l.program, "postfix/smtpd");
	assert_slice(l.host, "mx1");
	assert_slice(l.msg, "connect from x[1.2.3.4]");
	assert_int_equal(l.pid, 2201);
	assert_int_equal(l.time, 1795745113);
	/* and it reads back the same as a file line */
	assert_int_equal(syslog_parse(&sl, buf, len, 1795745113), SYSLOG_OK);
	assert_slice(sl.program, "postfix/smtpd");
	assert_int_equal(sl.usec, 42);

	e.program = (struct slice){ "postfix/smtpd[1]: x", 19 };
	assert_false(journal_line(&e, buf, sizeof(buf), &len, &l));
	e.program = (struct slice){ "postfix/smtpd", 13 };
	e.msg = (struct slice){ "a\nMar  1 mx1 postfix/smtpd[1]: b", 32 };
	assert_false(journal_line(&e, buf, sizeof(buf), &len, &l));
	e.msg = (struct slice){ "a\0b", 3 };
	assert_false(journal_line(&e, buf, sizeof(buf), &len, &l));
}

/* ---- the engine -------------------------------------------------------------- */

struct engine {
	struct config cfg;
	struct counters c;
	struct series_table *ids;
	struct maillog *m;
	int logins, failures;
	char identity[8][MSG_IDENTITY_MAX];
	char raw[8][512];		/* the login as logged */
	size_t raw_len[8];
};

static void on_login(const struct maillog_login *l, void *arg)
{
	struct engine *en = arg;

	if (en->logins < 8) {
		snprintf(en->identity[en->logins], MSG_IDENTITY_MAX, "%s", l->identity);
		assert_true(l->raw_len <= sizeof(en->raw[0]));
		memcpy(en->raw[en->logins], l->raw, l->raw_len);
		en->raw_len[en->logins] = l->raw_len;
	}
	en->logins++;
}

static void on_failure(const char *ip, const char *user, double t, void *arg)
{
	struct engine *en = arg;

	(void)ip, (void)user, (void)t;
	en->failures++;
}

static void engine_open(struct engine *en)
{
	struct maillog_events ev = { .login = on_login, .auth_failure = on_failure, .arg = en };

	config_defaults(&en->cfg);
	en->cfg.maillog_source = MAILLOG_SOURCE_JOURNAL;
	snprintf(en->cfg.journal_dir, sizeof(en->cfg.journal_dir), "%s/journal", dir);
	snprintf(en->cfg.state_dir, sizeof(en->cfg.state_dir), "%s/state", dir);
	en->cfg.maillog_from_beginning = true;
	if (!en->ids)
		en->ids = series_table_new_top(1, identity_label_names, 100);
	en->m = maillog_open(&en->cfg, NULL, &en->c, en->ids, NULL, &ev);
	assert_non_null(en->m);
}

static void engine_close(struct engine *en)
{
	maillog_close(en->m);
	en->m = NULL;
}

static void engine_free(struct engine *en)
{
	if (en->m)
		engine_close(en);
	series_table_free(en->ids);
}

static void test_engine_uses_genuine_entries(void **state)
{
	struct engine en = { 0 };
	const char *why;

	(void)state;
	genuine("postfix/submission/smtpd", 2201,
		"4F3A21C0B2: client=unknown[203.0.113.7], sasl_method=LOGIN, sasl_username=alice");
	genuine("postfix/qmgr", 880, "4F3A21C0B2: from=<alice@example.org>, size=900, "
		"nrcpt=1 (queue active)");
	genuine("postfix/smtpd", 2202, "warning: unknown[198.51.100.4]: SASL LOGIN "
		"authentication failed: UGFzc3dvcmQ6, sasl_username=admin");
	flush();
	engine_open(&en);
	assert_int_equal(maillog_trust(en.m, &why), MAILLOG_TRUSTED);
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_parsed, 3);
	assert_int_equal(en.c.maillog_forged, 0);
	assert_int_equal(en.c.sasl_logins, 1);
	assert_int_equal(en.logins, 1);
	assert_string_equal(en.identity[0], "sasl:alice");
	assert_int_equal(en.failures, 1);
	assert_non_null(msg_table_find(maillog_messages(en.m), "postfix", "4F3A21C0B2"));
	engine_free(&en);
}

/* The identity is a bounded, UTF-8-clean copy; the login event also has
 * the login's bytes exactly as logged, for lock_hook. */
static void test_engine_reports_a_login_as_logged(void **state)
{
	struct engine en = { 0 };
	char line[600], login[301];

	(void)state;
	memset(login, 'l', 300);
	login[300] = '\0';
	snprintf(line, sizeof(line), "4F3A21C0B3: client=unknown[203.0.113.7], "
		 "sasl_method=PLAIN, sasl_username=%s", login);
	genuine("postfix/submission/smtpd", 2201, line);
	genuine("postfix/submission/smtpd", 2201, "4F3A21C0B4: client=unknown[203.0.113.7], "
		"sasl_method=PLAIN, sasl_username=b\xff" "b");
	flush();
	engine_open(&en);
	maillog_poll(en.m);
	assert_int_equal(en.logins, 2);
	assert_int_equal(strlen(en.identity[0]), 5 + POSTFIX_TEXT_MAX - 1);	/* cut */
	assert_int_equal(en.raw_len[0], 300);
	assert_memory_equal(en.raw[0], login, 300);
	assert_string_equal(en.identity[1], "sasl:b" UTF8_REPLACEMENT "b");
	assert_int_equal(en.raw_len[1], 3);
	assert_memory_equal(en.raw[1], "b\xff" "b", 3);
	engine_free(&en);
}

static void test_engine_counts_forged_entries_and_never_uses_them(void **state)
{
	static const char fail[] = "warning: unknown[198.51.100.9]: SASL LOGIN authentication "
				   "failed: UGFzc3dvcmQ6, sasl_username=victim";
	struct engine en = { 0 };
	const struct message *msg;

	(void)state;
	/* the framing attempt: five failures, then a login as the victim */
	for (int i = 0; i < 5; i++)
		forged("postfix/smtpd", 3001, fail);
	forged("postfix/smtpd", 3001, "5A1B2C3D4E: client=unknown[198.51.100.9], "
	       "sasl_method=LOGIN, sasl_username=victim");
	/* and a genuine message that a forged client= line tries to take over */
	genuine("postfix/smtpd", 2201, "6B1B2C3D4E: client=unknown[203.0.113.7], "
		"sasl_method=LOGIN, sasl_username=alice");
	forged("postfix/smtpd", 2201, "6B1B2C3D4E: client=unknown[198.51.100.9], "
	       "sasl_method=LOGIN, sasl_username=victim");
	flush();
	engine_open(&en);
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_forged, 7);
	assert_int_equal(en.c.maillog_parsed, 1);
	assert_int_equal(en.c.sasl_auth_failures, 0);
	assert_int_equal(en.failures, 0);
	assert_int_equal(en.c.sasl_logins, 1);
	assert_int_equal(en.logins, 1);
	assert_string_equal(en.identity[0], "sasl:alice");
	assert_null(msg_table_find(maillog_messages(en.m), "postfix", "5A1B2C3D4E"));
	msg = msg_table_find(maillog_messages(en.m), "postfix", "6B1B2C3D4E");
	assert_non_null(msg);
	assert_string_equal(msg->identity, "sasl:alice");
	engine_free(&en);
}

static void test_engine_resumes_from_the_saved_cursor(void **state)
{
	struct engine en = { 0 };

	(void)state;
	genuine("postfix/submission/smtpd", 2201,
		"7C1B2C3D4E: client=unknown[203.0.113.7], sasl_method=LOGIN, sasl_username=alice");
	genuine("postfix/qmgr", 880, "7C1B2C3D4E: from=<alice@example.org>, size=900, "
		"nrcpt=1 (queue active)");
	flush();
	engine_open(&en);
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_parsed, 2);
	engine_close(&en);		/* saves the cursor with the table */

	/* written while stopped: read once, after the restart */
	genuine("postfix/smtp", 3001, "7C1B2C3D4E: to=<bob@example.net>, relay=mx.example.net"
		"[198.51.100.5]:25, delay=1.2, delays=0.1/0.01/0.5/0.59, dsn=2.0.0, "
		"status=sent (250 2.0.0 Ok)");
	genuine("postfix/submission/smtpd", 2203,
		"8D1B2C3D4E: client=unknown[203.0.113.8], sasl_method=LOGIN, sasl_username=bob");
	flush();
	memset(&en.c, 0, sizeof(en.c));
	en.logins = 0;
	engine_open(&en);
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_parsed, 2);	/* not 4, not 0 */
	assert_int_equal(en.logins, 1);
	assert_string_equal(en.identity[0], "sasl:bob");
	/* the message accepted before the stop kept its identity */
	assert_string_equal(msg_table_find(maillog_messages(en.m), "postfix",
					   "7C1B2C3D4E")->identity, "sasl:alice");
	/* live: an entry appended now is read by the next poll, once */
	genuine("postfix/qmgr", 880, "7C1B2C3D4E: removed");
	flush();
	maillog_poll(en.m);
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_parsed, 3);
	engine_close(&en);
	/* and a restart with nothing new reads nothing */
	memset(&en.c, 0, sizeof(en.c));
	engine_open(&en);
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_parsed + en.c.maillog_ignored, 0);
	engine_free(&en);
}

static void test_engine_start_end_skips_what_was_there(void **state)
{
	struct engine en = { 0 };

	(void)state;
	genuine("postfix/smtpd", 2201, "9E1B2C3D4E: client=unknown[203.0.113.7], "
		"sasl_method=LOGIN, sasl_username=alice");
	flush();
	config_defaults(&en.cfg);
	en.cfg.maillog_source = MAILLOG_SOURCE_JOURNAL;
	snprintf(en.cfg.journal_dir, sizeof(en.cfg.journal_dir), "%s/journal", dir);
	snprintf(en.cfg.state_dir, sizeof(en.cfg.state_dir), "%s/state", dir);
	en.ids = series_table_new_top(1, identity_label_names, 100);
	en.m = maillog_open(&en.cfg, NULL, &en.c, en.ids, NULL, NULL);	/* start = end */
	assert_non_null(en.m);
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_parsed, 0);
	genuine("postfix/smtpd", 2202, "AF1B2C3D4E: client=unknown[203.0.113.7], "
		"sasl_method=LOGIN, sasl_username=carol");
	flush();
	maillog_poll(en.m);
	assert_int_equal(en.c.maillog_parsed, 1);
	engine_free(&en);
}

/* ---- source = auto ------------------------------------------------------------- */

/* Open with source = auto, Postfix's main.cf holding main_cf, [maillog]
 * path DIR/mail.log (created when file_exists). */
static void engine_open_auto(struct engine *en, const char *main_cf, bool file_exists)
{
	char path[PATH_MAX + 16];
	struct postconf pc;

	config_defaults(&en->cfg);
	snprintf(en->cfg.journal_dir, sizeof(en->cfg.journal_dir), "%s/journal", dir);
	snprintf(en->cfg.state_dir, sizeof(en->cfg.state_dir), "%s/state", dir);
	snprintf(en->cfg.actions.postfix_config_dir, sizeof(en->cfg.actions.postfix_config_dir),
		 "%s/etc", dir);
	mkdir(en->cfg.actions.postfix_config_dir, 0755);
	snprintf(path, sizeof(path), "%s/main.cf", en->cfg.actions.postfix_config_dir);
	write_file(path, main_cf);
	snprintf(path, sizeof(path), "%s/master.cf", en->cfg.actions.postfix_config_dir);
	write_file(path, "");
	snprintf(en->cfg.maillog_paths[0], sizeof(en->cfg.maillog_paths[0]), "%s/mail.log", dir);
	en->cfg.nmaillog_paths = 1;
	if (file_exists)
		write_file(en->cfg.maillog_paths[0], "");
	en->ids = series_table_new_top(1, identity_label_names, 100);
	assert_int_equal(postconf_read(&pc, en->cfg.actions.postfix_bin_dir,
				       en->cfg.actions.postfix_config_dir), 0);
	en->m = maillog_open(&en->cfg, &pc, &en->c, en->ids, NULL, NULL);
	postconf_free(&pc);
	assert_non_null(en->m);
}

static void test_auto_prefers_the_journal_postfix_logs_to(void **state)
{
	struct engine en = { 0 };
	const char *why;

	(void)state;
	forged("postfix/smtpd", 1, "connect from x[1.2.3.4]");
	genuine("postfix/qmgr", 880, "4F3A21C0B2: removed");
	flush();
	engine_open_auto(&en, "", true);
	assert_int_equal(maillog_source(en.m, &why), MAILLOG_SOURCE_JOURNAL);
	assert_non_null(strstr(why, "Postfix logs to"));
	assert_int_equal(maillog_trust(en.m, NULL), MAILLOG_TRUSTED);
	engine_free(&en);
}

static void test_auto_is_not_drawn_to_a_journal_of_forged_entries(void **state)
{
	struct engine en = { 0 };
	const char *why;

	(void)state;
	forged("postfix/smtpd", 1, "4F3A21C0B2: client=x[1.2.3.4], sasl_username=victim");
	flush();
	engine_open_auto(&en, "", true);
	assert_int_equal(maillog_source(en.m, &why), MAILLOG_SOURCE_FILE);
	assert_int_equal(maillog_trust(en.m, NULL), MAILLOG_UNTRUSTED);
	engine_free(&en);
}

static void test_auto_takes_the_journal_when_no_file_will_come(void **state)
{
	struct engine en = { 0 };
	const char *why;

	(void)state;
	engine_open_auto(&en, "", false);	/* an empty journal, no mail.log */
	assert_int_equal(maillog_source(en.m, &why), MAILLOG_SOURCE_JOURNAL);
	assert_non_null(strstr(why, "does not exist"));
	engine_free(&en);
}

static void test_auto_takes_postfix_maillog_file_over_the_journal(void **state)
{
	struct engine en = { 0 };
	char cf[PATH_MAX + 32], log[PATH_MAX];
	const char *why;

	(void)state;
	if (geteuid() != 0)
		skip();		/* a trusted maillog_file is root's */
	genuine("postfix/qmgr", 880, "4F3A21C0B2: removed");	/* from before */
	flush();
	snprintf(log, sizeof(log), "%s/postfix.log", dir);
	write_file(log, "");
	assert_int_equal(chmod(log, 0600), 0);
	snprintf(cf, sizeof(cf), "maillog_file = %s\n", log);
	engine_open_auto(&en, cf, true);
	assert_int_equal(maillog_source(en.m, &why), MAILLOG_SOURCE_FILE);
	assert_non_null(strstr(why, "maillog_file"));
	assert_int_equal(maillog_trust(en.m, NULL), MAILLOG_TRUSTED);
	engine_free(&en);
}

static void test_maillog_file_is_untrusted_where_postlog_is_setgid(void **state)
{
	struct engine en = { 0 };
	char cf[2 * PATH_MAX + 64], log[PATH_MAX], bin[PATH_MAX], postlog[PATH_MAX + 16];
	const char *why;

	(void)state;
	if (geteuid() != 0)
		skip();		/* a trusted maillog_file is root's */
	snprintf(log, sizeof(log), "%s/postfix.log", dir);
	write_file(log, "");
	assert_int_equal(chmod(log, 0600), 0);
	/* postlog installed as upstream does: set-group-id postdrop, 2755 */
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	assert_int_equal(mkdir(bin, 0755), 0);
	snprintf(postlog, sizeof(postlog), "%s/postlog", bin);
	write_file(postlog, "");
	assert_int_equal(chmod(postlog, 02755), 0);
	snprintf(cf, sizeof(cf), "maillog_file = %s\ncommand_directory = %s\n", log, bin);
	engine_open_auto(&en, cf, true);
	assert_int_equal(maillog_source(en.m, &why), MAILLOG_SOURCE_FILE);
	assert_non_null(strstr(why, "set-group-id"));
	assert_int_equal(maillog_trust(en.m, &why), MAILLOG_UNTRUSTED);
	engine_free(&en);

	/* the same file, postlog not set-group-id (Debian's 0755): trusted */
	assert_int_equal(chmod(postlog, 0755), 0);
	memset(&en, 0, sizeof(en));
	engine_open_auto(&en, cf, true);
	assert_int_equal(maillog_trust(en.m, &why), MAILLOG_TRUSTED);
	assert_non_null(strstr(why, "maillog_file"));
	engine_free(&en);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reader_hands_on_entries_with_their_trusted_fields,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefix_match_keeps_postfix_names_and_units_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_matches_go_to_sd_journal, setup,
						teardown),
		cmocka_unit_test(test_match_terms_are_checked),
		cmocka_unit_test_setup_teardown(test_writer_check_wants_uid_and_program_of_postfix,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_writer_check_of_a_container_takes_its_users_and_paths, setup, teardown),
		cmocka_unit_test(test_line_has_the_header_the_parsers_read),
		cmocka_unit_test_setup_teardown(test_engine_uses_genuine_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_reports_a_login_as_logged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_engine_counts_forged_entries_and_never_uses_them,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_resumes_from_the_saved_cursor, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_engine_start_end_skips_what_was_there, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_auto_prefers_the_journal_postfix_logs_to, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_auto_is_not_drawn_to_a_journal_of_forged_entries,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_takes_the_journal_when_no_file_will_come,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_takes_postfix_maillog_file_over_the_journal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_maillog_file_is_untrusted_where_postlog_is_setgid,
						setup, teardown),
	};

	setenv("TZ", "UTC", 1);
	log_init("test_journal", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
