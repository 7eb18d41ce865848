// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * actions.c - the action engine: requests, their steps, retries, events
 * (see actions.h; the steps themselves are in actions_steps.c and
 * actions_queue.c, the saved state and the audit log in actions_state.c).
 *
 * Requests run one at a time, one command at a time: two requests never
 * race on the map or the queue.  Those that decide who may send (RESPOND,
 * LOCK, UNLOCK) go ahead of the others that wait (hold, quarantine,
 * release batches), in the order they came among themselves, so a LOCK
 * followed by an UNLOCK of the same login ends unlocked; and the running
 * request, when it is one of those others or a response that has locked
 * already, steps aside for them before its next command (or its next
 * try), to start that phase again after them (yields()): a new
 * incident's lock never waits behind the quarantine of an old one, nor a
 * second account's lock behind the first one's hold, only for the command
 * running when it came.  A
 * HOLD or QUARANTINE of an identity's queue ids joins one of the same kind
 * for the same identity that has not started, so a flood of late messages
 * makes one request, not one per batch.  The cost of the one-at-a-time
 * order is that a slow command (bounded by the timeout) delays the
 * requests behind it.
 *
 * Events: every step's outcome (and every retry) is counted, appended to
 * the audit log and passed to the callback, which may run from
 * actions_submit(), actions_tick() or runner_dispatch().  A callback that
 * submits a request has it queued, not run within the callback.
 *
 * After a restart, the saved unfinished requests resume at the first
 * actions_tick(), each at the phase of its step that was saved: every
 * step is idempotent, so a command that ran before the crash and runs
 * again does no harm.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "actions_int.h"
#include "log.h"
#include "state.h"
#include "text.h"

#define START_RETRY 0.2		/* the runner is full: try again soon */

static const char *const kind_names[ACTION_COUNT] = {
	[ACTION_HOLD] = "hold", [ACTION_LOCK] = "lock", [ACTION_CUT] = "cut",
	[ACTION_QUARANTINE] = "quarantine", [ACTION_DELETE] = "delete",
	[ACTION_RELEASE] = "release", [ACTION_UNLOCK] = "unlock", [ACTION_HOOK] = "hook",
};

static const char *const result_names[RESULT_COUNT] = {
	[RESULT_OK] = "ok", [RESULT_FAILED] = "failed", [RESULT_RETRY] = "retry",
	[RESULT_OBSERVED] = "observed", [RESULT_SKIPPED] = "skipped",
	[RESULT_UNTRUSTED] = "untrusted",
};

const char *action_kind_name(enum action_kind k)
{
	return (unsigned)k < ACTION_COUNT ? kind_names[k] : "unknown";
}

const char *action_result_name(enum action_result r)
{
	return (unsigned)r < RESULT_COUNT ? result_names[r] : "unknown";
}

bool action_login_copy(struct action_login *dst, const char *bytes, size_t len)
{
	char *copy;

	if (len == 0 || len > ACTIONS_RAW_LOGIN_MAX || memchr(bytes, '\0', len))
		return false;
	copy = xmalloc(len);
	memcpy(copy, bytes, len);
	dst->bytes = copy;
	dst->len = len;
	return true;
}

const char *actions_login(const char *identity)
{
	const char *login;
	size_t n = 0;

	if (!identity || strncmp(identity, "sasl:", 5) != 0)
		return NULL;
	login = identity + 5;
	for (const unsigned char *p = (const unsigned char *)login; *p; p++, n++)
		if (*p <= ' ' || *p == 0x7f || *p == '#')
			return NULL;
	return n > 0 && n < ACTIONS_LOGIN_MAX ? login : NULL;
}

/* marks: a '?' makes it inexact (a login from the maillog) */
static const char *login_inexact(const char *identity, bool marks)
{
	const char *login = identity + 5;

	if (strlen(login) + 4 >= POSTFIX_TEXT_MAX)
		return "the login is as long as the maillog keeps (over 251 bytes): it may "
		       "have been cut";
	if (strstr(login, UTF8_REPLACEMENT))
		return "the login has U+FFFD: bytes that were not UTF-8 may have been replaced";
	if (marks && strchr(login, '?'))
		return "the login has '?': Postfix logs '?' for each byte it does not print, so "
		       "the account's name may differ";
	return NULL;
}

const char *actions_login_inexact(const char *identity)
{
	return login_inexact(identity, true);
}

const char *request_login_inexact(const struct request *r)
{
	return login_inexact(r->identity, !r->manual);
}

void sfmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

double actions_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double actions_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Locks, sorted by login, compared as postmap folds keys. */
static int cmp_lock(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct lock *)elem)->login);
}

struct lock *lock_find(const struct actions *a, const char *login)
{
	return a->nlocks ? bsearch(login, a->locks, a->nlocks, sizeof(*a->locks), cmp_lock) : NULL;
}

int lock_add(struct actions *a, const char *login, const char *incident, bool in_map)
{
	struct lock *l = lock_find(a, login);
	size_t i = 0;

	if (!l) {
		if (a->nlocks >= ACTIONS_MAX_LOCKS || strlen(login) >= ACTIONS_LOGIN_MAX)
			return -1;
		if (!a->locks)
			a->locks = xcalloc(ACTIONS_MAX_LOCKS, sizeof(*a->locks));
		while (i < a->nlocks && strcasecmp(a->locks[i].login, login) < 0)
			i++;
		memmove(&a->locks[i + 1], &a->locks[i], (a->nlocks - i) * sizeof(*a->locks));
		a->nlocks++;
		l = &a->locks[i];
		memset(l, 0, sizeof(*l));
		snprintf(l->login, sizeof(l->login), "%s", login);
	}
	snprintf(l->incident, sizeof(l->incident), "%s", incident);
	l->time = actions_realtime();
	l->in_map = in_map;
	return 0;
}

void lock_remove(struct actions *a, const char *login)
{
	struct lock *l = lock_find(a, login);

	if (!l)
		return;
	memmove(l, l + 1, (size_t)(&a->locks[a->nlocks] - (l + 1)) * sizeof(*l));
	a->nlocks--;
}

void cmd_reset(struct cmd *c)
{
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	c->argc = 0;
	c->argv[0] = NULL;
	c->out_path[0] = '\0';
	c->postfix = false;
	c->enter = 0;
}

void cmd_arg(struct cmd *c, const char *s)
{
	if (c->argc >= CMD_MAX_ARGS)
		fatalx("actions: too many arguments for %s", c->argv[0]);
	snprintf(c->store[c->argc], sizeof(c->store[0]), "%s", s);
	c->argv[c->argc] = c->store[c->argc];
	c->argv[++c->argc] = NULL;
}

void cmd_arg_bytes(struct cmd *c, const char *bytes, size_t len)
{
	if (c->argc >= CMD_MAX_ARGS)
		fatalx("actions: too many arguments for %s", c->argv[0]);
	if (len >= sizeof(c->store[0]) || memchr(bytes, '\0', len))
		fatalx("actions: an argument of %s does not fit", c->argv[0]);
	memcpy(c->store[c->argc], bytes, len);
	c->store[c->argc][len] = '\0';
	c->argv[c->argc] = c->store[c->argc];
	c->argv[++c->argc] = NULL;
}

pid_t actions_postfix_pid(struct actions *a, char *why, size_t cap)
{
	return croot_find("/proc", a->cfg.maillog_root, &a->croot, why, cap);
}

int actions_map_root(struct actions *a, char *why, size_t cap)
{
	char root[64];
	pid_t pid = actions_postfix_pid(a, why, cap);

	if (pid < 0)
		return -1;
	if (pid > 0)
		snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	return sasl_map_root(&a->map, pid > 0 ? root : "", why, cap);
}

uint32_t actions_cut_pidns(struct actions *a)
{
	uint32_t was = a->pidns.now,
		 now = croot_pidns_get(&a->pidns, "/proc", a->cfg.maillog_root, &a->croot);

	if (now != was)
		log_info("actions: the container's PID namespace is now pid:[%u] (was pid:[%u]): "
			 "its sessions are cut there", (unsigned)now, (unsigned)was);
	return now;
}

void cmd_postfix(struct actions *a, struct cmd *c, const char *prog)
{
	char path[PATH_MAX];

	sfmt(path, sizeof(path), "%s/%s", a->cfg.postfix_bin_dir, prog);
	cmd_arg(c, path);
	c->postfix = true;
	if (a->cfg.postfix_config_dir[0]) {
		cmd_arg(c, "-c");
		cmd_arg(c, a->cfg.postfix_config_dir);
	}
}

static void emit(struct actions *a, struct request *r, enum action_kind kind,
		 const struct outcome *o, const char *hook)
{
	struct action_event ev = {
		.kind = kind, .result = o->result, .identity = r->identity,
		.incident = r->incident, .at = actions_realtime(),
		.duration = r->t0 > 0 ? actions_mono() - r->t0 : 0,
		.detail = o->detail, .count = o->count,
	};

	a->st.results[kind][o->result]++;
	if (o->result == RESULT_FAILED || o->result == RESULT_RETRY)
		log_warnx("action %s %s for %s%s%s: %s", hook ? hook : action_kind_name(kind),
			  action_result_name(o->result), r->identity,
			  r->incident[0] ? ", incident " : "", r->incident, o->detail);
	else
		log_info("action %s %s for %s%s%s: %s", hook ? hook : action_kind_name(kind),
			 action_result_name(o->result), r->identity,
			 r->incident[0] ? ", incident " : "", r->incident, o->detail);
	actions_audit(a, r, &ev, hook);
	if (a->cb.done)
		a->cb.done(&ev, a->cb.arg);
	json_decref(r->cmds);
	r->cmds = NULL;
	r->cmds_omitted = 0;
}

static void record_cmd(struct actions *a, struct request *r, const struct run_result *res)
{
	if (!r->cmds)
		r->cmds = json_array();
	if (json_array_size(r->cmds) < AUDIT_MAX_CMDS)
		json_array_append_new(r->cmds, audit_command(&a->cmd, res));
	else
		r->cmds_omitted++;
}

static void on_cmd_done(const struct run_result *res, void *arg);
static void pump(struct actions *a);

static void start_cmd(struct actions *a)
{
	struct run_spec spec = {
		.argv = a->cmd.argv, .stdin_data = a->cmd.in, .stdin_len = a->cmd.in_len,
		.stdout_path = a->cmd.out_path[0] ? a->cmd.out_path : NULL,
		.timeout = a->cfg.timeout,
	};
	char why[RUN_ERR_MAX];

	/* the container's Postfix, wherever it runs now: its namespaces */
	if (a->cmd.postfix && (spec.enter = actions_postfix_pid(a, why, sizeof(why))) < 0) {
		a->pending_res = xcalloc(1, sizeof(*a->pending_res));
		a->pending_res->spawn_failed = true;
		a->pending_res->exit_status = -1;
		snprintf(a->pending_res->err, sizeof(a->pending_res->err), "%s", why);
		a->pending = true;
		return;
	}
	a->cmd.enter = spec.enter;
	if (run_start(a->rn, &spec, on_cmd_done, a) == 0) {
		a->running = true;
		return;
	}
	if (errno == EAGAIN) {	/* the phase restarts with the same command */
		a->retry_at = actions_mono() + START_RETRY;
		return;
	}
	a->pending_res = xcalloc(1, sizeof(*a->pending_res));
	a->pending_res->spawn_failed = true;
	a->pending_res->exit_status = -1;
	snprintf(a->pending_res->err, sizeof(a->pending_res->err), "%s", strerror(errno));
	a->pending = true;
}

static bool urgent(const struct request *r)
{
	return r->kind == REQ_RESPOND || r->kind == REQ_LOCK || r->kind == REQ_UNLOCK;
}

/*
 * Whether the running head r steps aside, before its next command, for an
 * urgent request that waits right behind it: r is not urgent (a late
 * hold, a quarantine, a release batch), or is a response that has locked
 * already (only its queue steps are left).  A lock then waits for the one
 * command running when it came, not for a quarantine of thousands of
 * messages.  r's step starts its phase again when its turn comes back, as
 * after a retry (each phase can: actions_int.h).
 */
static bool yields(const struct request *r)
{
	const struct request *n = r->next;

	if (!n || n->started || !urgent(n))
		return false;
	if (!urgent(r))
		return true;
	if (r->kind != REQ_RESPOND)
		return false;
	for (size_t i = r->cur; i < r->nsteps; i++)
		if (!step_on_queue(r->steps[i]))
			return false;
	return true;
}

/* The head goes behind the urgent requests waiting after it and those
 * that stepped aside before it (in the order they came). */
static void step_aside(struct actions *a)
{
	struct request *r = a->head, *after = r->next;

	while (after->next && ((urgent(after->next) && !after->next->started) ||
			       (after->next->started && after->next->id < r->id)))
		after = after->next;
	a->head = r->next;
	r->next = after->next;
	after->next = r;
	if (a->tail == after)
		a->tail = r;
	log_info("action: the %s request of %s steps aside for the %s of %s",
		 actions_request_name(r->kind), r->identity, actions_request_name(a->head->kind),
		 a->head->identity);
}

static double backoff(unsigned attempt)
{
	return attempt >= 7 ? 64 : (double)(1U << (attempt - 1));
}

/* Drive the head request's current step with a command's result (or NULL
 * to start its phase). */
static void advance(struct actions *a, struct request *r, const struct run_result *res)
{
	struct outcome o = { .result = RESULT_OK };
	bool hook = r->hook_due;
	enum step s = r->cur < r->nsteps ? r->steps[r->cur] : STEP_COUNT;
	enum action_kind kind = hook ? ACTION_HOOK : step_kind(s);
	const char *hook_name = hook ? "action_hook" :
		(s == STEP_LOCK_HOOK || s == STEP_UNLOCK_HOOK) ? "lock_hook" : NULL;

	if (r->t0 == 0)
		r->t0 = actions_mono();
	switch (step_advance(a, r, res, &o)) {
	case STEP_RUN:
		if (yields(r)) {	/* the phase again when its turn comes back */
			step_aside(a);
			actions_save(a);
			return;
		}
		start_cmd(a);
		return;
	case STEP_WAIT:		/* the phase again at a->retry_at: no event */
		return;
	case STEP_FAIL:
		if (r->attempts < a->cfg.retries) {
			r->attempts++;
			o.result = RESULT_RETRY;
			emit(a, r, kind, &o, hook_name);
			a->retry_at = actions_mono() + backoff(r->attempts);
			r->t0 = 0;
			actions_save(a);
			return;
		}
		o.result = RESULT_FAILED;
		break;
	case STEP_DONE:
		break;
	}
	if (r->relists) {
		size_t n = strlen(o.detail);

		sfmt(o.detail + n, sizeof(o.detail) - n, "; postqueue -j run again %u time%s "
		     "after postfix reload", r->relists, r->relists > 1 ? "s" : "");
		r->relists = 0;
	}
	emit(a, r, kind, &o, hook_name);
	r->t0 = 0;
	r->attempts = 0;
	r->phase = 0;
	if (hook) {
		r->hook_due = false;
	} else {
		if (!r->observe && !r->untrusted && a->cfg.action_hook[0] &&
		    kind != ACTION_HOOK) {
			r->hook_due = true;
			r->hook_for = kind;
			r->hook_result = o.result;
		}
		r->cur++;
		r->qi = 0;
		r->gone = 0;
		r->unconfirmed = 0;
		r->work.n = 0;
		r->todo.n = 0;
	}
	actions_save(a);
}

static void on_cmd_done(const struct run_result *res, void *arg)
{
	struct actions *a = arg;
	bool outer = !a->pumping;

	/* the event callback may submit: its pump() must wait for ours */
	a->running = false;
	a->pumping = true;
	record_cmd(a, a->head, res);
	advance(a, a->head, res);
	a->pumping = !outer;
	if (outer)
		pump(a);
}

static void pop(struct actions *a)
{
	struct request *r = a->head;

	a->head = r->next;
	if (!a->head)
		a->tail = NULL;
	a->nqueued--;
	a->total_qids -= r->qids.n;
	request_free(r);
}

static void pump(struct actions *a)
{
	if (a->pumping)
		return;
	a->pumping = true;
	while (a->head && !a->running) {
		struct request *r = a->head;

		if (a->pending) {
			struct run_result *res = a->pending_res;

			a->pending = false;
			a->pending_res = NULL;
			record_cmd(a, r, res);
			advance(a, r, res);
			free(res);
			continue;
		}
		if (a->retry_at > 0) {
			if (actions_mono() < a->retry_at) {
				if (!yields(r))
					break;
				a->retry_at = 0;	/* its wait ends now */
				step_aside(a);
				actions_save(a);
				continue;
			}
			a->retry_at = 0;
		}
		if (!r->hook_due && r->cur >= r->nsteps) {
			pop(a);
			actions_save(a);
			continue;
		}
		r->started = true;
		advance(a, r, NULL);
	}
	a->pumping = false;
}

static void enqueue(struct actions *a, struct request *r)
{
	struct request *after = NULL;

	if (urgent(r)) {
		struct request *q = a->head;

		/* after the running head and the urgent ones waiting, ahead
		 * of the others (those that stepped aside too) */
		if (q && q->started) {
			after = q;
			q = q->next;
		}
		for (; q && urgent(q) && !q->started; q = q->next)
			after = q;
		if (after && after != a->tail) {
			r->next = after->next;
			after->next = r;
			goto counted;
		}
		if (!after && a->head) {
			r->next = a->head;
			a->head = r;
			goto counted;
		}
	}
	if (a->tail)
		a->tail->next = r;
	else
		a->head = r;
	a->tail = r;
counted:
	a->nqueued++;
	a->total_qids += r->qids.n;
}

/* A HOLD or QUARANTINE joins a waiting one of the same identity. */
static bool joined(struct actions *a, const struct action_request *q)
{
	if ((q->kind != REQ_HOLD && q->kind != REQ_QUARANTINE) || q->all || q->manual)
		return false;
	for (struct request *r = a->head; r; r = r->next)
		if (!r->started && r->kind == q->kind && !r->all && !r->manual &&
		    strcmp(r->identity, q->identity) == 0 && strcmp(r->incident, q->incident) == 0) {
			a->total_qids -= r->qids.n;
			request_add_qids(&r->qids, q->qids, q->nqids);
			a->total_qids += r->qids.n;
			return true;
		}
	return false;
}

/* A RESPOND within the cooldown of the last one for its identity: its
 * queue ids join a RESPOND that has not started, or are held. */
static bool merged(struct actions *a, const struct action_request *q)
{
	double now = actions_realtime();
	struct cooldown *slot = &a->cooldown[0];
	struct action_request hold;

	for (size_t i = 0; i < ACTIONS_COOLDOWN_SLOTS; i++) {
		struct cooldown *c = &a->cooldown[i];

		if (strcmp(c->identity, q->identity) == 0) {
			slot = c;
			break;
		}
		if (c->at < slot->at)
			slot = c;	/* else the oldest is replaced */
	}
	if (strcmp(slot->identity, q->identity) != 0 || now - slot->at >= a->cfg.cooldown) {
		snprintf(slot->identity, sizeof(slot->identity), "%s", q->identity);
		slot->at = now;
		return false;
	}
	for (struct request *r = a->head; r; r = r->next)
		if (!r->started && r->kind == REQ_RESPOND && strcmp(r->identity, q->identity) == 0) {
			a->total_qids -= r->qids.n;
			request_add_qids(&r->qids, q->qids, q->nqids);
			a->total_qids += r->qids.n;
			log_info("action: incident %s merged into the waiting response for %s",
				 q->incident, q->identity);
			return true;
		}
	if (q->nqids > 0) {
		hold = *q;
		hold.kind = REQ_HOLD;
		hold.all = false;
		hold.nsessions = 0;
		enqueue(a, request_new(a, &hold));
	}
	log_info("action: incident %s for %s within the cooldown: %zu queue ids held, "
		 "nothing else done", q->incident, q->identity, q->nqids);
	return true;
}

int actions_submit(struct actions *a, const struct action_request *req, char *err, size_t cap)
{
	const char *why = request_check(a, req);
	bool join = !why && joined(a, req);

	if (!why && !join && a->nqueued >= ACTIONS_MAX_QUEUE)
		why = "request queue full";
	if (why) {
		a->st.refused++;
		snprintf(err, cap, "%s", why);
		log_warnx("action request refused: %s", why);
		return -1;
	}
	if (join)
		;	/* added to a waiting request */
	else if (req->kind != REQ_RESPOND || req->manual || !merged(a, req))
		enqueue(a, request_new(a, req));
	actions_save(a);
	pump(a);
	return 0;
}

void actions_tick(struct actions *a)
{
	pump(a);
}

void actions_set_trust(struct actions *a, bool trusted)
{
	a->trusted = trusted;
}

bool actions_acting(const struct actions *a)
{
	return a->cfg.enforce && (a->trusted || a->cfg.trust_syslog_file);
}

bool actions_account(const struct actions *a, const char *identity)
{
	if (strncmp(identity, "sasl:", 5) == 0)
		return identity[5] != '\0';
	return a->cfg.act_on_uid && strncmp(identity, "uid:", 4) == 0 && identity[4] != '\0';
}

bool actions_locked(const struct actions *a, const char *identity)
{
	return identity && strncmp(identity, "sasl:", 5) == 0 && lock_find(a, identity + 5);
}

size_t actions_locks(const struct actions *a, const char **logins, size_t cap)
{
	size_t n = a->nlocks < cap ? a->nlocks : cap;

	for (size_t i = 0; i < n; i++)
		logins[i] = a->locks[i].login;
	return n;
}

void actions_stats(const struct actions *a, struct actions_stats *out)
{
	*out = a->st;
	out->locked = a->nlocks;
	out->held = a->held;
	out->queued = a->nqueued;
}

/* The map is the truth of what is locked: entries of ours found there are
 * locks, map locks not found there were lifted by hand. */
static void map_entry(const char *key, const char *incident, void *arg)
{
	struct actions *a = arg;
	char login[ACTIONS_LOGIN_MAX], inc[ACTIONS_INCIDENT_MAX];
	struct lock *l;

	utf8_sanitize(login, sizeof(login), key);
	utf8_sanitize(inc, sizeof(inc), incident);
	if (!lock_find(a, login) && lock_add(a, login, incident_ok(inc) ? inc : "", true) < 0)
		return;
	l = lock_find(a, login);
	l->in_map = true;
	l->seen = true;
}

static void reconcile(struct actions *a)
{
	char *text, why[256];
	size_t len, w = 0;

	if (actions_map_root(a, why, sizeof(why)) < 0) {
		log_warnx("cannot read %s in the container: %s: the saved locks stand", a->map.path,
			  why);
		return;
	}
	if (sasl_map_read(&a->map, &text, &len) < 0) {
		log_warn("cannot read %s: the saved locks stand", a->map.path);
		return;
	}
	sasl_map_ours(text, len, map_entry, a);
	free(text);
	for (size_t i = 0; i < a->nlocks; i++) {
		struct lock *l = &a->locks[i];

		if (l->in_map && !l->seen) {
			log_info("%s is no longer in %s: unlocked by hand", l->login, a->map.path);
			continue;
		}
		a->locks[w++] = *l;
	}
	a->nlocks = w;
}

/* cfg with the defaults of what is unset; -1 with the reason logged. */
static int settle(struct actions_config *c, const struct actions_config *cfg)
{
	*c = *cfg;
	if (!c->postfix_bin_dir[0])
		snprintf(c->postfix_bin_dir, sizeof(c->postfix_bin_dir), "/usr/sbin");
	if (!(c->timeout > 0))
		c->timeout = 30;
	if (c->retries > 10)
		c->retries = 10;
	if (!(c->cooldown >= 0))
		c->cooldown = 0;
	if (strlen(c->state_dir) >= PATH_MAX - 64 || strlen(c->quarantine_dir) >= PATH_MAX - 128) {
		log_errx("actions: state_dir or quarantine_dir is too long");
		return -1;
	}
	if (!c->quarantine_dir[0])
		snprintf(c->quarantine_dir, sizeof(c->quarantine_dir), "%.*s/quarantine",
			 (int)(sizeof(c->quarantine_dir) - 12), c->state_dir);
	if ((c->lock_hook[0] && c->lock_hook[0] != '/') ||
	    (c->action_hook[0] && c->action_hook[0] != '/') || c->postfix_bin_dir[0] != '/' ||
	    c->quarantine_dir[0] != '/') {
		log_errx("actions: hooks, postfix_bin_dir and quarantine_dir must be absolute paths");
		return -1;
	}
	return 0;
}

int actions_reconfigure(struct actions *a, const struct actions_config *cfg)
{
	struct actions_config c;

	if (settle(&c, cfg) < 0)
		return -1;
	/* where the state and the locks are: read at start-up */
	memcpy(c.state_dir, a->cfg.state_dir, sizeof(c.state_dir));
	memcpy(c.sasl_access_map, a->cfg.sasl_access_map, sizeof(c.sasl_access_map));
	a->cfg = c;
	return 0;
}

struct actions *actions_new(const struct actions_config *cfg, struct runner *rn,
			    const struct actions_callbacks *cb)
{
	struct actions *a = xcalloc(1, sizeof(*a));
	struct actions_config *c = &a->cfg;

	a->rn = rn;
	if (cb)
		a->cb = *cb;
	a->next_id = 1;
	if (settle(c, cfg) < 0)
		goto fail;
	if (!c->state_dir[0] || state_init(c->state_dir) < 0) {
		log_errx("actions: no usable state directory");
		goto fail;
	}
	if (c->sasl_access_map[0]) {
		if (sasl_map_init(&a->map, c->sasl_access_map) < 0)
			goto fail;
		a->have_map = true;
	}
	if (actions_load(a) < 0)
		goto fail;
	if (a->have_map)
		reconcile(a);
	/* [maillog] pid_namespace, followed when it is the container's init's */
	croot_pidns_init(&a->pidns, c->maillog_pidns, "/proc", c->maillog_root, &a->croot);
	return a;
fail:
	actions_free_nosave(a);
	return NULL;
}

void actions_free_nosave(struct actions *a)
{
	if (!a)
		return;
	if (a->rn)
		runner_detach(a->rn, a);
	while (a->head)
		pop(a);
	cmd_reset(&a->cmd);
	free(a->pending_res);
	free(a->locks);
	free(a);
}

void actions_free(struct actions *a)
{
	if (!a)
		return;
	actions_save(a);
	actions_free_nosave(a);
}
