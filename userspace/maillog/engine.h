/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.h - the maillog box of sentineld: tail, parse, count.
 *
 * maillog_open() chooses the source ([maillog] source, see
 * maillog_source() below): files, with a tail (tail.h) for each [maillog]
 * path, or the systemd journal (journal.h), resuming from the positions
 * or the cursor saved in [daemon] state_dir/maillog.state, else from
 * `start`.  A journal entry becomes the line a file would hold
 * (journal_line()) and goes the same way, once its writer is found to be
 * Postfix's (else it is counted as forged and dropped).
 * Each line is split by maillog_header() and recognised by
 * maillog_parse() in the [maillog] format (format.h: Postfix records only
 * from syslog_names programs, Sendmail, Exim), handed on in order by
 * maillog_feed(), and counted: parsed, ignored, unparsed (never fatal),
 * forged (journal records of another writer), SASL logins and failures.
 *
 * State: the positions or the cursor (maillog.state) and the in-flight message table as
 * of those positions (maillog.messages) are one snapshot, saved atomically
 * by maillog_save(), which the daemon calls every second, and at exit.
 * The positions are written when they moved, the table only when it
 * changed and at most every 5 seconds (positions wait for it meanwhile).
 * At start-up both are restored when maillog.state names that table and
 * every [maillog] path resumes; otherwise no table is (engine_state.c says why).
 * So a restart neither loses nor repeats a line, and a message accepted
 * before it is delivered after it under its identity; after a crash, the
 * lines since the last snapshot (at most 5 seconds) are read again onto
 * the table as it was then, and what they count is counted again.
 *
 * Records of messages go to the in-flight message table (messages.h): each
 * accepted message and each delivery is counted under its sender identity
 * in the identity series table, and each delivery is offered to the
 * correlator, which joins it to the kernel flow that carried it.
 *
 * What the detector needs is reported through struct maillog_events, by
 * log time in seconds with the line's fraction: each accepted message
 * with the line that accepted it, each delivery, each SASL login (a
 * client record with a SASL user: one per message, with the pid of the
 * smtpd that serves the session) and each failed login.
 */
#ifndef SENTINEL_MAILLOG_ENGINE_H
#define SENTINEL_MAILLOG_ENGINE_H

#include <stddef.h>

#include "config.h"
#include "correlate.h"
#include "maillog/messages.h"
#include "counters.h"
#include "postconf.h"
#include "series.h"

struct maillog;
struct msg_table;

/* A SASL login (a client record with a SASL user). */
struct maillog_login {
	const char *identity;		/* "sasl:LOGIN": a bounded, UTF-8-clean copy */
	const char *client_ip;
	long smtpd_pid;
	double t;
	/* the login's bytes exactly as the log line has them (not cut, not
	 * made UTF-8, not terminated): for lock_hook when the identity is
	 * not the exact login (actions_login_inexact()) */
	const char *raw;
	size_t raw_len;
};

struct maillog_events {
	void (*accepted)(const struct message *m, double t, const char *line, size_t len,
			 void *arg);
	/* rcpt: the recipient address as logged (to=), "" when none */
	void (*delivery)(const struct message *m, enum msg_status status, const char *rcpt,
			 double t, void *arg);
	void (*login)(const struct maillog_login *l, void *arg);
	void (*auth_failure)(const char *client_ip, const char *username, double t, void *arg);
	/* a delivery of identity claimed a kernel flow (correlate.h) */
	void (*flow_claimed)(const char *identity, double t, void *arg);
	void *arg;
};

/* NULL with the reason logged (inotify or the state directory failed).
 * pc: Postfix's parameters (maillog_file, the postlog checks, the journal's
 * writers), read at start-up; NULL or a failed read: unknown, the defaults
 * apply.  ev may be NULL; its members may be NULL. */
struct maillog *maillog_open(const struct config *cfg, const struct postconf *pc,
			     struct counters *counters, struct series_table *identities,
			     struct correlator *correlator, const struct maillog_events *ev);
/*
 * Trust (ARCHITECTURE.md): whether what this maillog reads may drive
 * destructive actions.  A file is trusted only when it is Postfix's own
 * maillog_file (postconf(1) of [actions] postfix_config_dir names it) and
 * it is owned by root and writable by no one else; any other file (a
 * syslog file: `logger` writes there for any local user) is untrusted.
 * Decided at maillog_open(); why is a sentence for the start-up log and
 * `sentinelctl status`, valid while m is.
 */
enum maillog_trust { MAILLOG_UNTRUSTED = 0, MAILLOG_TRUSTED = 1 };

enum maillog_trust maillog_trust(const struct maillog *m, const char **why);

/*
 * Source ([maillog] source): the journal (journal.h; trusted, entry by
 * entry: a record whose writer is not Postfix's is counted as forged and
 * never used) or files.  With `auto`, maillog_open() takes, in order: the
 * journal when Postfix logs there (no maillog_file, and a genuine Postfix
 * entry in it; or none yet while no configured file exists either),
 * Postfix's own maillog_file when it is trusted, else [maillog] path.
 * why: the reason, for the start-up log and `sentinelctl status`.
 */
enum maillog_source maillog_source(const struct maillog *m, const char **why);

/* The in-flight message table (for the queue ids of an identity). */
const struct msg_table *maillog_messages(const struct maillog *m);
/* Saves the positions and the message table, then frees. */
void maillog_close(struct maillog *m);

size_t maillog_nfds(const struct maillog *m);
int maillog_fd(const struct maillog *m, size_t i);
/* Read what is new in every file. */
void maillog_poll(struct maillog *m);
/* Persist the positions if they moved since the last save, with the
 * message table if it changed (see above). */
void maillog_save(struct maillog *m);

#endif
