/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * postconf.h - read Postfix's own configuration through postconf(1), once.
 *
 * postconf_read() runs `BIN_DIR/postconf [-c CONFIG_DIR] -x -- NAME...`
 * once, with run_sync() (run.h: an argv, no shell, a timeout), for every
 * Postfix parameter sentineld uses (enum postconf_param), and keeps the
 * values with `$name` references expanded (-x) as Postfix itself reads
 * them.  sentineld reads them at start-up and again on reload, and hands
 * the struct to the modules that need a value:
 * which log Postfix writes (maillog_file, the postlog checks), who writes
 * its journal entries (mail_owner, daemon_directory, command_directory),
 * where its smtpd is (daemon_directory), which domains are its own
 * (mydomain, mydestination, ...).  Each falls back to its default when a
 * value is unknown.
 *
 * A Postfix in a container ([maillog] root, sentinel-report --root):
 * postconf_read_root() runs the container's own postconf (BIN_DIR and
 * CONFIG_DIR as the container names them) in the namespaces of its
 * process that croot_find() names (its init), with that process's
 * capability bounding set (run.h, run_spec's enter): its main.cf, its
 * links, its compiled-in defaults, never the host's.  When it cannot run
 * there (no process of the container runs: a mounted image, a stopped
 * container; entering is refused; the container has no postconf at
 * BIN_DIR), main.cf alone is read, opened inside the root (croot_open():
 * a link in it points into the container, never at the host's file), and
 * expanded here as postconf -x would (postconf.c says how): only the
 * parameters it sets, from the settings it has; a parameter it does not
 * set, or whose value names one it does not set, stays unknown (its
 * default is compiled into the container's Postfix).  That is logged as a
 * warning.  No host postconf ever reads the container's files: it would
 * follow their links on the host.
 *
 * One call, because each forks postconf (5-20 ms), and a failing one (no
 * main.cf) takes about a second: Postfix's fatal errors sleep.  The output
 * is read as `NAME = VALUE` lines, not values alone (-h): postconf leaves
 * a name it does not know (maillog_file before Postfix 3.4) out of its
 * output, warns on stderr and still exits 0, so values alone could no
 * longer be told apart; by name, each is found or missing.
 *
 * Limits: POSTCONF_TIMEOUT seconds; postconf's output must fit in
 * RUN_OUT_MAX bytes, or nothing is taken.  Without postconf: a main.cf of
 * at most POSTCONF_MAIN_CF_MAX bytes with at most POSTCONF_MAIN_CF_SETTINGS
 * settings (more: none is read), values of at most POSTCONF_VALUE_MAX
 * bytes expanded, references at most POSTCONF_EXPAND_DEPTH deep, and at
 * most POSTCONF_EXPAND_WORK bytes scanned to expand one value (references
 * that multiply, a = $b$b$b$b, b = $c$c$c$c, ..., would take exponential
 * time): a value over a bound is unknown, with the reason.
 */
#ifndef SENTINEL_POSTCONF_H
#define SENTINEL_POSTCONF_H

#include <limits.h>
#include <stdbool.h>

#include "run.h"

#define POSTCONF_TIMEOUT 10.0
#define POSTCONF_MAIN_CF_MAX (1 << 20)
#define POSTCONF_MAIN_CF_SETTINGS 4096
#define POSTCONF_VALUE_MAX 8192
#define POSTCONF_EXPAND_DEPTH 100
#define POSTCONF_EXPAND_WORK 4194304

enum postconf_param {
	POSTCONF_MAIL_OWNER,
	POSTCONF_DAEMON_DIRECTORY,
	POSTCONF_COMMAND_DIRECTORY,
	POSTCONF_QUEUE_DIRECTORY,
	POSTCONF_MAILLOG_FILE,
	POSTCONF_MYDOMAIN,
	POSTCONF_MYDESTINATION,
	POSTCONF_VIRTUAL_ALIAS_DOMAINS,
	POSTCONF_VIRTUAL_MAILBOX_DOMAINS,
	POSTCONF_RELAY_DOMAINS,
	POSTCONF_NPARAMS
};

/* The names, as postconf(1) knows them, indexed by enum postconf_param. */
extern const char *const postconf_names[POSTCONF_NPARAMS];

struct postconf {
	char *text;				/* postconf's output: the values point into it */
	const char *value[POSTCONF_NPARAMS];	/* NULL: unknown */
	const char *why[POSTCONF_NPARAMS];	/* main.cf: why a value is unknown */
	bool main_cf;				/* read from main.cf, without postconf */
	char source[2 * PATH_MAX + 64];		/* a container's: its postconf, or main.cf */
	char err[PATH_MAX + RUN_ERR_MAX + 128];	/* why postconf failed; "" when it ran */
};

/* 0, or -1 with the reason in pc->err, logged (once: the users of a value
 * only say what its default is), and every value unknown.  config_dir ""
 * is Postfix's default (/etc/postfix).  Free with postconf_free(). */
int postconf_read(struct postconf *pc, const char *bin_dir, const char *config_dir);

/* The same for the Postfix of the container at root ("" or "/": this
 * host's, postconf_read()): its own postconf in its namespaces, else its
 * main.cf read inside root (see above; said in a warning and in
 * pc->source).  bin_dir and config_dir as the container names them. */
int postconf_read_root(struct postconf *pc, const char *root, const char *bin_dir,
		       const char *config_dir);

/* p's value (may be ""), or NULL with the reason in *why when it is
 * unknown: postconf failed (pc->err says why), this Postfix has no such
 * parameter, main.cf (read without postconf) does not give it, or pc is
 * NULL (not read). */
const char *postconf_get(const struct postconf *pc, enum postconf_param p, const char **why);

void postconf_free(struct postconf *pc);

#endif
