/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * actions_int.h - what the action engine's files share (not an interface).
 *
 *   actions.c        the queue, the step sequence, retries, events, hooks'
 *                    place in the sequence, locks, the public API
 *   actions_request.c  requests: checked, planned, freed
 *   actions_steps.c  each step: the commands it runs and what their
 *                    results mean
 *   actions_queue.c  the queue as postqueue lists it, and whether a queued
 *                    message is the identity's (its envelope, by postcat)
 *   actions_state.c  actions.state (save, load) and audit.log
 *
 * A request is a list of steps run in order, one command at a time.  A
 * step is a small state machine: step_advance() is called with NULL to
 * start (or restart) its current phase, then with the result of each
 * command it asked for, and says RUN (a->cmd holds the next command),
 * DONE (with a result), FAIL (retry the phase after a backoff) or WAIT
 * (start the phase again at a->retry_at, which it set: no failure, no
 * event; a queue listing right after our postfix reload, actions_queue.c).
 */
#ifndef SENTINEL_ACTIONS_INT_H
#define SENTINEL_ACTIONS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "actions.h"
#include "croot.h"
#include "log.h"
#include "sasl_map.h"

#define ACTIONS_INCIDENT_MAX 48
#define ACTIONS_JSON_MAX ((size_t)64 * 1024)	/* incident JSON kept for the hooks */
#define ACTIONS_MAX_QIDS_TOTAL 16384	/* in all the waiting requests */
#define ACTIONS_STATE_MAX (32 << 20)
#define REQ_MAX_STEPS 8
#define CMD_MAX_ARGS 8
#define AUDIT_MAX_CMDS 32		/* commands listed per audit line */

typedef char action_qid[POSTFIX_QID_MAX];

struct qid_list {
	action_qid *v;
	size_t n, cap;
};

enum step {
	STEP_HOLD, STEP_LOCK, STEP_CUT, STEP_LOCK_HOOK, STEP_QUARANTINE, STEP_DELETE,
	STEP_RELEASE, STEP_UNLOCK, STEP_UNLOCK_HOOK, STEP_COUNT
};

struct request {
	struct request *next;
	uint64_t id;
	enum request_kind kind;
	char identity[MSG_IDENTITY_MAX];
	char incident[ACTIONS_INCIDENT_MAX];
	char qdir[64];			/* quarantine_dir/qdir/QID */
	bool all, manual, observe, started;
	bool untrusted;			/* enforce mode, untrusted maillog: as observe */
	bool confirmed;			/* qids: only those whose queue file names
					 * the identity (actions_queue.c) */
	char *json;			/* for the hooks' stdin, never NULL */
	struct qid_list qids;
	struct action_session *sessions;
	size_t nsessions;
	struct action_login login;	/* an inexact login's exact bytes
					 * (allocated), len 0 when not known */
	char login_why[256];		/* then why not */
	enum step steps[REQ_MAX_STEPS];
	size_t nsteps, cur;
	/* progress of the current step, persisted */
	unsigned phase, attempts;
	bool hook_due;			/* action_hook for the step just done */
	enum action_kind hook_for;
	enum action_result hook_result;
	struct qid_list preheld;	/* hold ALL: on hold before we held */
	bool preheld_known, preheld_overflow;
	struct qid_list todo;		/* quarantine: the qids on hold */
	struct qid_list work;		/* quarantine: copied; release: ours */
	size_t qi, gone;
	size_t held_count;		/* hold ALL, while its qids are confirmed */
	size_t unconfirmed;		/* quarantine: copies that were not its */
	/* this attempt, not persisted */
	double t0;
	unsigned relists;		/* postqueue -j run again after a reload */
	json_t *cmds;
	size_t cmds_omitted;
};

struct lock {
	char login[ACTIONS_LOGIN_MAX];
	char incident[ACTIONS_INCIDENT_MAX];
	double time;
	bool in_map;			/* else a lock_hook's only */
	bool seen;			/* found in the map at start */
};

struct cmd {
	const char *argv[CMD_MAX_ARGS + 1];
	char store[CMD_MAX_ARGS][PATH_MAX];
	size_t argc;
	char *in;			/* owned */
	size_t in_len;
	char out_path[PATH_MAX];	/* "" : capture */
	bool postfix;			/* a Postfix program (cmd_postfix()): runs
					 * in the container's namespaces */
	pid_t enter;			/* the process whose it ran in, 0 none */
};

struct cooldown {
	char identity[MSG_IDENTITY_MAX];
	double at;
};

#define ACTIONS_COOLDOWN_SLOTS 256

struct actions {
	struct actions_config cfg;
	struct runner *rn;
	struct actions_callbacks cb;
	struct actions_stats st;
	bool have_map;
	struct sasl_map map;
	struct request *head, *tail;
	size_t nqueued, total_qids;
	uint64_t next_id;
	struct lock *locks;		/* sorted by login */
	size_t nlocks;
	struct cooldown cooldown[ACTIONS_COOLDOWN_SLOTS];
	bool running, pumping, pending;
	double retry_at;		/* CLOCK_MONOTONIC; 0: none */
	double reloaded_at;		/* our last postfix reload ended (CLOCK_MONOTONIC); 0: none */
	struct run_result *pending_res;	/* a command that could not start */
	struct cmd cmd;
	uint64_t held;
	bool trusted;			/* actions_set_trust() */
	struct croot_proc croot;	/* the container's Postfix, croot_find() */
	struct croot_pidns pidns;	/* maillog_pidns, followed (croot.h) */
};

enum step_status { STEP_RUN, STEP_DONE, STEP_FAIL, STEP_WAIT };

struct outcome {
	enum action_result result;
	size_t count;
	char detail[512];
};

/* actions_steps.c */
enum step_status step_advance(struct actions *a, struct request *r, const struct run_result *res,
			      struct outcome *o);
/* A failed command: retried (FAIL) with its description as the detail. */
enum step_status step_failed(struct outcome *o, const char *what, const struct run_result *res);

/* actions_queue.c */
#define RELEASE_MAX (1 << 20)

/* Phases of the confirmation of queue ids (queue_confirm()), apart from a step's own. */
enum { PHASE_CONFIRM_LIST = 100, PHASE_CONFIRM_CAT };

/* A listing that fails within RELOAD_SETTLE seconds of the end of our
 * postfix reload is listed again after RELIST_FIRST seconds (doubling, at
 * most RELIST_MAX times); see queue_snapshot_failed(). */
#define RELOAD_SETTLE 5.0
#define RELIST_FIRST 0.1
#define RELIST_MAX 5

/* postqueue -j into state_dir/.postqueue-ID.json: the command in a->cmd. */
enum step_status queue_snapshot_start(struct actions *a, struct request *r);
/* postqueue -j failed (res): WAIT when it began right after our postfix
 * reload (showq is being restarted: it is run again soon), else FAIL with
 * the command's description as the detail. */
enum step_status queue_snapshot_failed(struct actions *a, struct request *r,
				       const struct run_result *res, struct outcome *o);
/* The hold queue of the snapshot (every queue when r->phase is a confirm
 * phase) into out, minus the sorted lists not1 and not2 (either may be
 * NULL); *overflow when it has more than max. */
int queue_snapshot_read(struct actions *a, struct request *r, struct qid_list *out, size_t max,
			bool *overflow, const struct qid_list *not1, const struct qid_list *not2);
/* qsort() and bsearch() order of queue ids; whether sorted l has qid. */
int qid_cmp(const void *x, const void *y);
bool qid_sorted_has(const struct qid_list *l, const char *qid);
/* The envelope of the file at path (a quarantined copy) names identity. */
bool queue_file_names(const char *path, const struct request *r);
/* Keep of r->qids the ones whose queue file is the identity's (see
 * actions_queue.c); *finished when it is over. */
enum step_status queue_confirm(struct actions *a, struct request *r,
			       const struct run_result *res, struct outcome *o, bool *finished);
enum action_kind step_kind(enum step s);
/* Whether step s works on the queue (hold, quarantine, delete, release). */
bool step_on_queue(enum step s);
const char *step_name(enum step s);
int step_by_name(const char *name);

/* actions.c */
/* snprintf without the truncation warning: the callers' bounds are checked
 * at actions_new() (paths) or truncation is harmless (details). */
void sfmt(char *buf, size_t cap, const char *fmt, ...) PRINTFLIKE(3, 4);
double actions_mono(void);
double actions_realtime(void);
struct lock *lock_find(const struct actions *a, const char *login);
int lock_add(struct actions *a, const char *login, const char *incident, bool in_map);
void lock_remove(struct actions *a, const char *login);
void cmd_reset(struct cmd *c);
void cmd_arg(struct cmd *c, const char *s);
/* An argument of len bytes, none of them NUL, fewer than PATH_MAX. */
void cmd_arg_bytes(struct cmd *c, const char *bytes, size_t len);
/* bin_dir/prog [-c config_dir]: a Postfix program, run in the
 * container's namespaces when [maillog] root names one. */
void cmd_postfix(struct actions *a, struct cmd *c, const char *prog);
/* The pid whose namespaces the Postfix commands enter: 0 on the host
 * ([maillog] root empty), else croot_find()'s; -1 with why. */
pid_t actions_postfix_pid(struct actions *a, char *why, size_t cap);
/* Points the access map at the container's files (sasl_map_root()), or the
 * host's.  0, or -1 with why. */
int actions_map_root(struct actions *a, char *why, size_t cap);
/* The PID namespace of the sessions' smtpd pids for a cut: maillog_pidns,
 * or, when that was the container's init's at start-up, the init's now (a
 * restarted container has a new one). */
uint32_t actions_cut_pidns(struct actions *a);
void actions_free_nosave(struct actions *a);

/* actions_request.c */
bool qid_valid(const char *qid);
void qid_list_add(struct qid_list *l, const char *qid);
void qid_list_free(struct qid_list *l);
bool qid_list_has(const struct qid_list *l, const char *qid);
bool incident_ok(const char *s);
/* NULL when the request may be queued, else why not. */
const char *request_check(const struct actions *a, const struct action_request *q);
struct request *request_new(struct actions *a, const struct action_request *q);
/* Keep a copy of an inexact login's exact bytes unless r has them already,
 * or they are empty, too long or hold a NUL; false then. */
bool request_set_login(struct request *r, const char *bytes, size_t len);
/* actions_login_inexact() of r's identity; for a request made by hand (the
 * operator typed the login) a '?' is a '?'.  In actions.c. */
const char *request_login_inexact(const struct request *r);
void request_free(struct request *r);
/* Add (at most ACTIONS_MAX_QIDS in all), each once; the list is sorted. */
void request_add_qids(struct qid_list *l, const char (*qids)[POSTFIX_QID_MAX], size_t n);
const char *actions_request_name(enum request_kind k);
int actions_request_kind(const char *name);

/* actions_state.c */
int actions_save(struct actions *a);
int actions_load(struct actions *a);
void actions_audit(struct actions *a, const struct request *r, const struct action_event *ev,
		   const char *hook);
json_t *audit_command(const struct cmd *c, const struct run_result *res);

#endif
