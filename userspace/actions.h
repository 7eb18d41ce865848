/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * actions.h - the action engine: the runbook's steps, as code.
 *
 * The parts of sentineld that read attacker text decide; this module acts,
 * and only through struct action_request.  Splitting it into a privileged
 * process later is a move of this file, not a rewrite.
 *
 * A RESPOND request (an incident, in enforce mode) runs, in order:
 *   1. lock        the login goes into the check_sasl_access map
 *                  (sasl_access_map, "LOGIN REJECT ..."), the map is rebuilt
 *                  on a temporary file with postmap and renamed into place,
 *                  then postfix reload (left to the next request when it
 *                  changes the map too: it runs next, before our hold,
 *                  which steps aside for it; a flood of locks makes one
 *                  reload); the identity's live SMTP sessions
 *                  (the sockets of the smtpd pids that logged it in, to its
 *                  client address) are destroyed with SOCK_DESTROY, as
 *                  `ss -K` does, never by killing smtpd, and only when
 *                  the pid is Postfix's smtpd (sockkill.h); then lock_hook
 *                  ("lock -- LOGIN", incident JSON on stdin) when
 *                  configured, once per lock
 *   2. hold        postsuper -h - with the identity's queued queue ids on
 *                  stdin, or postsuper -h ALL (hold_scope = all); the
 *                  identity's queue ids are first confirmed (after a hold
 *                  ALL: then): postqueue -j, then postcat -e -q QID of
 *                  each still queued, and only those whose envelope names
 *                  the identity (actions_envelope_names()) are kept for
 *                  this and the later steps; the others are counted
 *                  (unconfirmed) and never held, copied or deleted.
 *                  The lock comes first because it is what stops the
 *                  spam, while the hold lists the queue (seconds when a
 *                  spam run has filled it: 2-11 s at 100-1000 messages/s
 *                  in detect_bench); its listing follows the lock's
 *                  postfix reload, which it waits for (see Failures).
 *                  With hold_scope = all the hold ALL comes before the
 *                  lock instead, to freeze the queue until it
 *   3. quarantine  spam = quarantine: postcat -q QID into
 *                  quarantine_dir/ID/QID, then postsuper -d - with those
 *                  that were copied and whose copy's envelope names the
 *                  identity; delete: postsuper -d - at once (the
 *                  confirmed ones);
 *                  keep: they stay held.  Only the identity's messages:
 *                  other mail is never deleted
 *   4. release     hold_scope = all: postsuper -H - with what this request
 *                  held, so the rest of the queue flows again: the hold
 *                  queue is listed (postqueue -j) before the hold and
 *                  again now; what was on hold before (an admin's holds)
 *                  and the identity's own messages stay held
 * and action_hook runs after every step (argv: ACTION RESULT IDENTITY
 * INCIDENT; the incident JSON on stdin).  LOCK, UNLOCK, HOLD, RELEASE and
 * QUARANTINE requests (sentinelctl, and "hold what else arrives from a
 * locked identity") run one step.  A login that cannot be a map key
 * (whitespace, control characters, '#', over 255 bytes), or may not be
 * the exact login (actions_login_inexact()), is not written: the lock is
 * reported failed with the reason and lock_hook still runs.
 *
 * What may be acted on: requests not made by hand only for accounts
 * (actions_account(): sasl:, uid: with act_on_uid; never client:IP), and
 * in enforce mode only while the maillog is trusted (actions_set_trust())
 * or trust_syslog_file is set; otherwise each step is recorded with
 * result "untrusted" and nothing runs.
 *
 * observe mode: each step is recorded (audit log, metrics, callback) with
 * result "observed" and nothing runs.  Manual requests (sentinelctl) act
 * in both modes.
 *
 * Failures: a failed command is retried with backoff (1, 2, 4 s; at most
 * `retries` times), then the step is reported failed and the sequence goes
 * on with the next step (a failed lock must not prevent the hold, nor a
 * failed hold ALL the lock).  But a queue listing (postqueue -j) that
 * fails within 5 s of our own postfix reload is not a failure yet: the
 * master may still be restarting showq, so it is run again inside the
 * step after 0.1, 0.2, 0.4, 0.8 and 1.6 s (no retry event; every run in
 * the step's audit line); one that still fails then is the step's failure
 * as above.  Each step is idempotent (holding a held message, locking a
 * locked login).
 * Cooldown: a RESPOND for an identity within `cooldown` seconds of the
 * last one is merged into it (its queue ids are held), not run again; the
 * time of the last one is wall-clock time and is saved, so neither a
 * restart nor a reboot within the cooldown makes it act again.
 *
 * State: the locks (login, incident, time), the cooldowns (identity, time
 * of the last response) and the steps not finished are
 * persisted atomically in state_dir/actions.state after every change, and
 * a restart resumes unfinished steps (at the first actions_tick()).  With
 * a map, its entries of ours are the locks: one removed by hand is no
 * longer locked after a restart.  Every step, with the command, its
 * exit status, stderr tail and duration, is appended as one JSON line to
 * state_dir/audit.log.
 *
 * Bounds: at most ACTIONS_MAX_QUEUE requests waiting (beyond: refused,
 * counted), ACTIONS_MAX_QIDS queue ids per request, ACTIONS_MAX_LOCKS locks.
 *
 * A containerised Postfix ([maillog] root, maillog_root): each Postfix
 * command (postqueue, postcat, postsuper, postmap, postfix) runs as the
 * container's program in the namespaces of the container's init
 * (croot_find(), looked for again before each command: a restarted
 * container is followed; run.h's enter), and the access map's source is
 * read and written through the container's root (sasl_map_root()).  The
 * hooks, the quarantine copies and the queue listings are this host's.
 *
 * Requests run one at a time, in order, one command at a time; RESPOND,
 * LOCK and UNLOCK go first, and a running hold, quarantine or release (or
 * a response that has locked) steps aside for them before its next
 * command, to start its phase again after them.  The done
 * callback runs from actions_submit(), actions_tick() or runner_dispatch();
 * a request it submits is queued.  A manual QUARANTINE quarantines whatever
 * the spam policy.
 */
#ifndef SENTINEL_ACTIONS_H
#define SENTINEL_ACTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maillog/messages.h"
#include "run.h"

#define ACTIONS_MAX_QUEUE 256
#define ACTIONS_MAX_QIDS 4096
#define ACTIONS_MAX_SESSIONS 64
#define ACTIONS_MAX_LOCKS 4096
#define ACTIONS_LOGIN_MAX 256

enum action_kind {
	ACTION_HOLD,
	ACTION_LOCK,
	ACTION_CUT,		/* destroy live sessions */
	ACTION_QUARANTINE,
	ACTION_DELETE,
	ACTION_RELEASE,
	ACTION_UNLOCK,
	ACTION_HOOK,		/* action_hook / lock_hook themselves */
	ACTION_COUNT
};

enum action_result {
	RESULT_OK,
	RESULT_FAILED,		/* after the retries */
	RESULT_RETRY,		/* failed, will retry */
	RESULT_OBSERVED,	/* observe mode: decided, not done */
	RESULT_SKIPPED,		/* nothing to do (no queue ids, not a sasl: identity...) */
	RESULT_UNTRUSTED,	/* enforce mode, but the maillog is untrusted: not done */
	RESULT_COUNT
};

enum request_kind { REQ_RESPOND, REQ_LOCK, REQ_UNLOCK, REQ_HOLD, REQ_RELEASE, REQ_QUARANTINE };
enum spam_policy { SPAM_QUARANTINE, SPAM_DELETE, SPAM_KEEP };

struct action_session {
	long pid;			/* the smtpd that logged the identity in */
	char client_ip[POSTFIX_IP_MAX];
};

/* A login's bytes as the maillog has them (struct maillog_login's raw),
 * when the identity is not the exact login.  Not terminated; never a NUL
 * among them. */
#define ACTIONS_RAW_LOGIN_MAX 1024	/* longer ones are not kept */
#define ACTIONS_RAW_LOGINS 4		/* distinct ones kept per identity */
struct action_login {
	const char *bytes;
	size_t len;
};

/* *dst = a copy of the len bytes (allocated: free dst->bytes), unless
 * they are empty, over ACTIONS_RAW_LOGIN_MAX or hold a NUL: false then. */
bool action_login_copy(struct action_login *dst, const char *bytes, size_t len);

struct action_request {
	enum request_kind kind;
	char identity[MSG_IDENTITY_MAX];	/* "sasl:LOGIN", ... */
	bool all;			/* HOLD/RELEASE the whole queue */
	bool manual;			/* from sentinelctl: acts in observe mode too */
	char incident[48];		/* incident id, "" when manual */
	const char *incident_json;	/* for the hooks; may be NULL */
	const char (*qids)[POSTFIX_QID_MAX];	/* the identity's queued queue ids */
	size_t nqids;
	const struct action_session *sessions;
	size_t nsessions;
	/* an inexact login (actions_login_inexact()): its exact bytes when
	 * they are known for sure (respond.c: one form seen, kept whole, no
	 * '?'), what lock_hook gets and a queue file's sasl_username must
	 * equal; else NULL, and login_why says why not */
	const struct action_login *login;
	const char *login_why;
	bool cut_only;			/* LOCK: only cut the sessions (a late
					 * session of a login locked already) */
};

struct actions_config {
	bool enforce;			/* mode = enforce */
	bool hold_all;			/* hold_scope = all */
	enum spam_policy spam;
	char sasl_access_map[PATH_MAX];	/* "" : no map */
	char lock_hook[PATH_MAX];	/* "" : none */
	char action_hook[PATH_MAX];
	char quarantine_dir[PATH_MAX];
	char postfix_config_dir[PATH_MAX];	/* "" : Postfix's default */
	char postfix_bin_dir[PATH_MAX];	/* where postsuper, postmap, postcat, postfix are */
	char state_dir[PATH_MAX];
	double timeout;			/* per command, seconds */
	unsigned retries;
	double cooldown;		/* seconds */
	bool trust_syslog_file;		/* act on an untrusted maillog too */
	bool act_on_uid;		/* uid: identities are accounts */
	char postfix_daemon_dir[PATH_MAX];	/* "" : a session cut checks no exe */
	/* the MTA's container ([maillog] root, pid_namespace): a session's
	 * smtpd pid is of maillog_pidns (0: sentineld's own), its
	 * daemon_directory that of the root ("": the host's); the Postfix
	 * commands run in the container, the map is its file */
	uint32_t maillog_pidns;
	char maillog_root[PATH_MAX];
};

/* What happened, for metrics, incidents and sentinelctl. */
struct action_event {
	enum action_kind kind;
	enum action_result result;
	const char *identity;
	const char *incident;		/* "" when manual */
	double at;			/* CLOCK_REALTIME */
	double duration;		/* of the command(s), seconds */
	const char *detail;		/* run_describe() text or a reason */
	size_t count;			/* queue ids held/quarantined/..., sockets cut */
};

struct actions_callbacks {
	void (*done)(const struct action_event *ev, void *arg);
	void *arg;
};

struct actions_stats {
	uint64_t results[ACTION_COUNT][RESULT_COUNT];
	uint64_t refused;		/* queue full, bad request */
	uint64_t unconfirmed;		/* messages not touched: the queue file did not
					 * name the identity's login */
	uint64_t locked;		/* gauge: logins in the map */
	uint64_t held;			/* gauge: messages held by us, not released or deleted */
	uint64_t queued;		/* gauge: requests waiting or running */
};

struct actions;

/* NULL with the reason logged (state directory, a bad saved state). */
struct actions *actions_new(const struct actions_config *cfg, struct runner *rn,
			    const struct actions_callbacks *cb);
/* A reload: the settings of cfg for the next request and the next step of
 * the one running (mode, hooks, hold_scope, spam, timeout, retries,
 * cooldown, trust_syslog_file, act_on_uid, quarantine_dir,
 * postfix_bin_dir); state_dir and sasl_access_map stay (read at
 * start-up).  -1, nothing changed, with the reason logged. */
int actions_reconfigure(struct actions *a, const struct actions_config *cfg);
/* Saves the state, then frees; running commands are left to runner_free(). */
void actions_free(struct actions *a);

/* 0 when queued, -1 when refused (reason in err). */
int actions_submit(struct actions *a, const struct action_request *req, char *err, size_t cap);
/* Retries whose backoff ran out; call every 100 ms or so. */
void actions_tick(struct actions *a);

/*
 * Trust (ARCHITECTURE.md): whether the maillog that the requests come from
 * may drive destructive actions.  Until told, it may not.  In enforce mode
 * with an untrusted maillog (and trust_syslog_file = no) every step of a
 * request that is not manual is recorded with result "untrusted" and
 * nothing runs, as in observe mode; manual requests (sentinelctl) act.
 */
void actions_set_trust(struct actions *a, bool trusted);
/* Enforce mode, and the maillog trusted or trust_syslog_file = yes. */
bool actions_acting(const struct actions *a);
/* Whether identity is an account that a request not made by hand may act
 * on: "sasl:LOGIN", and "uid:N" when act_on_uid; never "client:IP". */
bool actions_account(const struct actions *a, const char *identity);

bool actions_locked(const struct actions *a, const char *identity);
/* Locked logins, for sentinelctl status: at most cap. */
size_t actions_locks(const struct actions *a, const char **logins, size_t cap);
void actions_stats(const struct actions *a, struct actions_stats *out);

const char *action_kind_name(enum action_kind k);
const char *action_result_name(enum action_result r);

/* The login of a "sasl:LOGIN" identity if it can be a map key, else NULL. */
const char *actions_login(const char *identity);
/* NULL when the login of a "sasl:LOGIN" identity from the maillog is the
 * account's exact name, else why it may not be: the maillog's copy cut it
 * (it is within 4 bytes of the identity's bound), replaced bytes that were
 * not UTF-8 by U+FFFD (it has one), or Postfix logged '?' for bytes it
 * does not print (msg_output(3) runs printable(3) on every line: it has a
 * '?').  Such a login is never a map key. */
const char *actions_login_inexact(const char *identity);
/* Whether postcat's output (len bytes) shows a queue file of identity's:
 * for "sasl:LOGIN", the envelope's sasl_username equals login (NULL: the
 * identity's own LOGIN) byte for byte (actions_queue.c). */
bool actions_envelope_names(const char *text, size_t len, const char *identity,
			    const struct action_login *login);

#endif
