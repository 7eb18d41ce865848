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
 * One call, because each forks postconf (5-20 ms), and a failing one (no
 * main.cf) takes about a second: Postfix's fatal errors sleep.  The output
 * is read as `NAME = VALUE` lines, not values alone (-h): postconf leaves
 * a name it does not know (maillog_file before Postfix 3.4) out of its
 * output, warns on stderr and still exits 0, so values alone could no
 * longer be told apart; by name, each is found or missing.
 *
 * Limits: POSTCONF_TIMEOUT seconds; postconf's output must fit in
 * RUN_OUT_MAX bytes, or nothing is taken.
 */
#ifndef SENTINEL_POSTCONF_H
#define SENTINEL_POSTCONF_H

#include <limits.h>

#include "run.h"

#define POSTCONF_TIMEOUT 10.0

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
	char err[PATH_MAX + RUN_ERR_MAX + 128];	/* why postconf failed; "" when it ran */
};

/* 0, or -1 with the reason in pc->err, logged (once: the users of a value
 * only say what its default is), and every value unknown.  config_dir ""
 * is Postfix's default (/etc/postfix).  Free with postconf_free(). */
int postconf_read(struct postconf *pc, const char *bin_dir, const char *config_dir);

/* p's value (may be ""), or NULL with the reason in *why when it is
 * unknown: postconf failed (pc->err says why), this Postfix has no such
 * parameter, or pc is NULL (not read). */
const char *postconf_get(const struct postconf *pc, enum postconf_param p, const char **why);

void postconf_free(struct postconf *pc);

#endif
