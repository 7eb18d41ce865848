// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * actions_steps.c - each step of the runbook: its commands, and what their
 * results mean (see actions_int.h for the protocol, actions.h for the
 * steps).
 *
 * Counts come from postsuper's own summary on stderr ("postsuper: Placed
 * on hold: 3 messages"), the number of queue ids given when it is missing.
 *
 * hold_scope = all: "what this request held" is known by difference.
 * Before `postsuper -h ALL` the hold queue is listed (postqueue -j into a
 * file in state_dir); the release step lists it again and releases only
 * what was not on hold before and is not one of the identity's messages,
 * so that an admin's own holds and the spam stay held.
 *
 * Quarantine: postcat -q QID writes quarantine_dir/ID/.QID.tmp, renamed
 * to QID when postcat succeeded; a QID file already there counts as copied
 * (a resumed step).  Only copied messages are deleted; a message postcat
 * cannot read is not in the queue any more (delivered before the hold, or
 * deleted), is counted as gone and never retried.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions_int.h"
#include "log.h"
#include "sockkill.h"

static const char *const step_names[STEP_COUNT] = {
	[STEP_HOLD] = "hold", [STEP_LOCK] = "lock", [STEP_CUT] = "cut",
	[STEP_LOCK_HOOK] = "lock_hook", [STEP_QUARANTINE] = "quarantine",
	[STEP_DELETE] = "delete", [STEP_RELEASE] = "release", [STEP_UNLOCK] = "unlock",
	[STEP_UNLOCK_HOOK] = "unlock_hook",
};

const char *step_name(enum step s)
{
	return s < STEP_COUNT ? step_names[s] : "?";
}

int step_by_name(const char *name)
{
	for (int i = 0; i < STEP_COUNT; i++)
		if (strcmp(step_names[i], name) == 0)
			return i;
	return -1;
}

enum action_kind step_kind(enum step s)
{
	static const enum action_kind kinds[STEP_COUNT] = {
		[STEP_HOLD] = ACTION_HOLD, [STEP_LOCK] = ACTION_LOCK, [STEP_CUT] = ACTION_CUT,
		[STEP_LOCK_HOOK] = ACTION_HOOK, [STEP_QUARANTINE] = ACTION_QUARANTINE,
		[STEP_DELETE] = ACTION_DELETE, [STEP_RELEASE] = ACTION_RELEASE,
		[STEP_UNLOCK] = ACTION_UNLOCK, [STEP_UNLOCK_HOOK] = ACTION_HOOK,
	};

	return s < STEP_COUNT ? kinds[s] : ACTION_HOOK;
}

/* The result of a step that is decided, not done. */
static enum action_result dry(const struct request *r)
{
	return r->observe ? RESULT_OBSERVED : RESULT_UNTRUSTED;
}

static enum step_status done(struct outcome *o, enum action_result result, size_t count,
			     const char *fmt, ...) PRINTFLIKE(4, 5);

static enum step_status done(struct outcome *o, enum action_result result, size_t count,
			     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
	o->result = result;
	o->count = count;
	return STEP_DONE;
}

/* A failed command: retried (FAIL) with its description as the detail. */
enum step_status step_failed(struct outcome *o, const char *what, const struct run_result *res)
{
	char d[sizeof(o->detail)];

	run_describe(res, d, sizeof(d));
	sfmt(o->detail, sizeof(o->detail), "%s: %s", what, d);
	return STEP_FAIL;
}

static void qids_stdin(struct cmd *c, const struct qid_list *l)
{
	size_t n = 0;

	c->in = xmalloc(l->n * POSTFIX_QID_MAX + 1);
	for (size_t i = 0; i < l->n; i++) {
		size_t len = strlen(l->v[i]);

		memcpy(c->in + n, l->v[i], len);
		n += len;
		c->in[n++] = '\n';
	}
	c->in_len = n;
}

/* "postsuper: LABEL: N message(s)", the last one on stderr. */
static size_t postsuper_count(const struct run_result *res, const char *label, size_t fallback)
{
	char pat[64];
	const char *p = res->err, *hit = NULL;

	snprintf(pat, sizeof(pat), "postsuper: %s: ", label);
	while ((p = strstr(p, pat)) != NULL) {
		hit = p + strlen(pat);
		p = hit;
	}
	return hit ? strtoul(hit, NULL, 10) : fallback;
}

static void held_sub(struct actions *a, size_t n)
{
	a->held -= n < a->held ? n : a->held;
}

static bool has_step(const struct request *r, enum step s)
{
	for (size_t i = 0; i < r->nsteps; i++)
		if (r->steps[i] == s)
			return true;
	return false;
}

static size_t unconfirmed(const struct request *r)
{
	return r->unconfirmed;
}

/*
 * Phases: 0 lists the hold queue first (hold ALL with a release to come),
 * 1 holds; the identity's queue ids are confirmed (queue_confirm()) before the
 * hold of those ids, after a hold ALL (for the quarantine and release).
 */
static enum step_status hold(struct actions *a, struct request *r, const struct run_result *res,
			     struct outcome *o)
{
	bool snapshot = r->all && has_step(r, STEP_RELEASE), finished;
	enum step_status st;

	if (r->observe || r->untrusted)
		return done(o, dry(r), r->all ? 0 : r->qids.n, "%s",
			    r->all ? "postsuper -h ALL" : "postsuper -h - (the identity's queue ids)");
	if (!r->all && r->qids.n == 0)
		return done(o, RESULT_SKIPPED, 0, "no queued message");
	if (r->phase == PHASE_CONFIRM_LIST || r->phase == PHASE_CONFIRM_CAT ||
	    (!r->all && !r->confirmed)) {
		st = queue_confirm(a, r, res, o, &finished);
		if (!finished)
			return st;
		if (r->all)
			return done(o, RESULT_OK, r->held_count,
				    "%zu placed on hold (the whole queue); of the identity's, %zu "
				    "confirmed by their queue file, %zu not (never quarantined), "
				    "%zu not queued any more%s", r->held_count, r->qids.n,
				    unconfirmed(r), r->gone,
				    snapshot && !r->preheld_known ?
				    "; postqueue -j failed, so the release will not know what was "
				    "held before" : "");
		if (r->qids.n == 0)
			return done(o, RESULT_SKIPPED, 0,
				    "nothing held: of the identity's queue ids, %zu not confirmed by "
				    "their queue file, %zu not queued any more", unconfirmed(r),
				    r->gone);
		r->phase = 1;
		res = NULL;
	}
	if (r->phase == 0) {
		if (snapshot && !r->preheld_known) {
			/* Not retried: holding matters more than a precise
			 * release, which then fails and says so. */
			if (!res)
				return queue_snapshot_start(a, r);
			if (!run_ok(res) &&
			    queue_snapshot_failed(a, r, res, o) == STEP_WAIT)
				return STEP_WAIT;
			if (run_ok(res) &&
			    queue_snapshot_read(a, r, &r->preheld, ACTIONS_MAX_QIDS, &r->preheld_overflow,
					  NULL, NULL) == 0) {
				qsort(r->preheld.v, r->preheld.n, sizeof(*r->preheld.v), qid_cmp);
				r->preheld_known = true;
			}
		}
		r->phase = 1;
		res = NULL;
	}
	if (!res) {
		cmd_reset(&a->cmd);
		cmd_postfix(a, &a->cmd, "postsuper");
		cmd_arg(&a->cmd, "-h");
		if (r->all) {
			cmd_arg(&a->cmd, "ALL");
		} else {
			cmd_arg(&a->cmd, "-");
			qids_stdin(&a->cmd, &r->qids);
		}
		return STEP_RUN;
	}
	if (!run_ok(res))
		return step_failed(o, "postsuper -h", res);
	o->count = postsuper_count(res, "Placed on hold", r->all ? 0 : r->qids.n);
	a->held += o->count;
	if (r->all && r->qids.n > 0 && !r->confirmed) {
		r->held_count = o->count;
		st = queue_confirm(a, r, NULL, o, &finished);
		return st;
	}
	if (r->all)
		return done(o, RESULT_OK, o->count, "%zu placed on hold (the whole queue)%s",
			    o->count, snapshot && !r->preheld_known ?
			    "; postqueue -j failed, so the release will not know what was held "
			    "before" : "");
	return done(o, RESULT_OK, o->count,
		    "%zu placed on hold (the identity's queue ids confirmed by their queue file); "
		    "%zu not confirmed, left alone; %zu not queued any more", o->count,
		    unconfirmed(r), r->gone);
}

bool step_on_queue(enum step s)
{
	return s == STEP_HOLD || s == STEP_QUARANTINE || s == STEP_DELETE || s == STEP_RELEASE;
}

/* Whether q's map step will write the map (the tests of map_change()). */
static bool writes_map(const struct actions *a, const struct request *q)
{
	const char *login = actions_login(q->identity);
	bool lock = has_step(q, STEP_LOCK);
	const struct lock *l;

	if (q->started || q->observe || q->untrusted || !a->have_map || !login ||
	    (!lock && !has_step(q, STEP_UNLOCK)))
		return false;
	if (!lock)
		return true;
	if (request_login_inexact(q))
		return false;
	l = lock_find(a, login);
	if (l && l->in_map && !q->manual)
		return false;
	return l || a->nlocks < ACTIONS_MAX_LOCKS;
}

static enum step_status map_change(struct actions *a, struct request *r,
				   const struct run_result *res, struct outcome *o, bool lock)
{
	const char *login = actions_login(r->identity);
	const char *what = lock ? "lock" : "unlock";
	char err[256], arg[PATH_MAX + 32];

	if (strncmp(r->identity, "sasl:", 5) != 0)
		return done(o, RESULT_SKIPPED, 0, "not a sasl: identity");
	if (!login)
		return done(o, lock ? RESULT_FAILED : RESULT_SKIPPED, 0,
			    "the login cannot be a map key (whitespace, control characters, '#', "
			    "or over %d bytes)", ACTIONS_LOGIN_MAX - 1);
	/* a key that is not the login would lock someone else, or no one */
	if (lock && request_login_inexact(r))
		return done(o, RESULT_FAILED, 0, "not locked by map key: %s",
			    request_login_inexact(r));
	if (r->observe || r->untrusted)
		return done(o, dry(r), 1, "%s %s in %s", what, login,
			    a->have_map ? a->map.path : "(no sasl_access_map)");
	if (!a->have_map) {
		/* a lock_hook's lock: lifted when the hook's unlock succeeds */
		if (!lock && !a->cfg.lock_hook[0])
			lock_remove(a, login);
		return done(o, RESULT_SKIPPED, 0, "no sasl_access_map");
	}
	if (r->phase == 0) {
		if (!res) {
			const struct lock *l = lock ? lock_find(a, login) : NULL;

			/* a session that outlived the lock: only its cut is new */
			if (l && l->in_map && !r->manual)
				return done(o, RESULT_SKIPPED, 0, "%s is locked already", login);
			if (lock && !l && a->nlocks >= ACTIONS_MAX_LOCKS)
				return done(o, RESULT_FAILED, 0, "%d logins locked already",
					    ACTIONS_MAX_LOCKS);
			/* the container's map, wherever its root is now */
			if (actions_map_root(a, err, sizeof(err)) < 0) {
				snprintf(o->detail, sizeof(o->detail), "%s", err);
				return STEP_FAIL;
			}
			if (sasl_map_prepare(&a->map, login,
					     lock ? (r->incident[0] ? r->incident : "manual") : NULL,
					     err, sizeof(err)) < 0) {
				snprintf(o->detail, sizeof(o->detail), "%s", err);
				return STEP_FAIL;
			}
			cmd_reset(&a->cmd);
			cmd_postfix(a, &a->cmd, "postmap");
			sfmt(arg, sizeof(arg), "%s:%s", a->map.type, a->map.tmp);
			cmd_arg(&a->cmd, arg);
			return STEP_RUN;
		}
		if (!run_ok(res)) {
			unlink(a->map.tmp);
			unlink(a->map.tmp_db);
			return step_failed(o, "postmap", res);
		}
		if (sasl_map_install(&a->map, err, sizeof(err)) < 0) {
			snprintf(o->detail, sizeof(o->detail), "%s", err);
			return STEP_FAIL;
		}
		if (lock)
			lock_add(a, login, r->incident, true);
		else
			lock_remove(a, login);
		/* a flood of locks makes one reload: the next request's, when
		 * it changes the map too (it runs next: urgent ones go first,
		 * and a response's hold steps aside for it: actions.c) */
		if (r->next && writes_map(a, r->next))
			return done(o, RESULT_OK, 1, "%s %s in %s; postfix reload: with the next "
				    "map change", what, login, a->map.path);
		r->phase = 1;
		res = NULL;
	}
	if (!res) {
		cmd_reset(&a->cmd);
		cmd_postfix(a, &a->cmd, "postfix");
		cmd_arg(&a->cmd, "reload");
		return STEP_RUN;
	}
	/* the master may be replacing showq now, even if the reload failed
	 * after its signal: a listing that fails soon is run again
	 * (actions_queue.c) */
	if (!res->spawn_failed)
		a->reloaded_at = actions_mono();
	if (!run_ok(res))
		return step_failed(o, "the map is in place, but postfix reload", res);
	return done(o, RESULT_OK, 1, "%s %s in %s; postfix reload: exit 0", what, login,
		    a->map.path);
}

static enum step_status cut(struct actions *a, struct request *r, struct outcome *o)
{
	struct sockkill_where w = { NULL, 0 };
	struct sockkill_stats st;
	char err[256];

	if (r->nsessions == 0)
		return done(o, RESULT_SKIPPED, 0, "no live session known");
	if (r->observe || r->untrusted)
		return done(o, dry(r), r->nsessions, "SOCK_DESTROY the sockets of %zu sessions",
			    r->nsessions);
	w.pidns = actions_cut_pidns(a);
	if (sockkill(r->sessions, r->nsessions, a->cfg.postfix_daemon_dir, &w, &st, err,
		     sizeof(err)) < 0) {
		snprintf(o->detail, sizeof(o->detail), "%s", err);
		return STEP_FAIL;
	}
	return done(o, RESULT_OK, st.destroyed,
		    "%zu sockets destroyed (%zu sessions, %zu of them no smtpd any more)",
		    st.destroyed, r->nsessions, st.not_smtpd);
}

static void hook_cmd(struct actions *a, struct request *r, const char *path)
{
	cmd_reset(&a->cmd);
	cmd_arg(&a->cmd, path);
	a->cmd.in_len = strlen(r->json);
	a->cmd.in = xmalloc(a->cmd.in_len + 1);
	memcpy(a->cmd.in, r->json, a->cmd.in_len + 1);
}

static enum step_status lock_hook(struct actions *a, struct request *r,
				  const struct run_result *res, struct outcome *o, bool lock)
{
	const char *login = r->identity + 5, *inexact;
	struct action_login arg = { login, strlen(login) };

	if (strncmp(r->identity, "sasl:", 5) != 0)
		return done(o, RESULT_SKIPPED, 0, "not a sasl: identity");
	if (!a->cfg.lock_hook[0])
		return done(o, RESULT_SKIPPED, 0, "no lock_hook");
	if (!*login)
		return done(o, RESULT_SKIPPED, 0, "empty login");
	/* the identity is a cleaned-up copy: the hook gets the login's exact
	 * bytes, or does not run: a name that may be another account's is
	 * never handed on */
	inexact = request_login_inexact(r);
	if (inexact && !r->login.len)
		return done(o, RESULT_FAILED, 0, "not run: %s, and %s", inexact, r->login_why);
	if (inexact)
		arg = r->login;
	for (size_t j = 0; j < arg.len; j++)
		if ((unsigned char)arg.bytes[j] < 0x20 || arg.bytes[j] == 0x7f)
			return done(o, RESULT_SKIPPED, 0, "the login has control characters");
	/* once per lock: a LOCK not made by hand after the lock is a late
	 * session's cut (respond.c), and the hook ran with the lock */
	if (lock && r->kind == REQ_LOCK && !r->manual && lock_find(a, login))
		return done(o, RESULT_SKIPPED, 0, "%s is locked already: lock_hook ran then",
			    login);
	if (r->observe || r->untrusted)
		return done(o, dry(r), 1, "lock_hook %s", lock ? "lock" : "unlock");
	if (!res) {
		hook_cmd(a, r, a->cfg.lock_hook);
		cmd_arg(&a->cmd, lock ? "lock" : "unlock");
		cmd_arg(&a->cmd, "--");	/* a login "--help" is not an option */
		cmd_arg_bytes(&a->cmd, arg.bytes, arg.len);
		return STEP_RUN;
	}
	if (!run_ok(res))
		return step_failed(o, "lock_hook", res);
	if (!a->have_map) {	/* then the hook is the lock */
		if (lock)
			lock_add(a, login, r->incident, false);
		else
			lock_remove(a, login);
	}
	return done(o, RESULT_OK, 1, "lock_hook %s: exit 0", lock ? "lock" : "unlock");
}

static enum step_status action_hook(struct actions *a, struct request *r,
				    const struct run_result *res, struct outcome *o)
{
	if (!res) {
		hook_cmd(a, r, a->cfg.action_hook);
		cmd_arg(&a->cmd, action_kind_name(r->hook_for));
		cmd_arg(&a->cmd, action_result_name(r->hook_result));
		cmd_arg(&a->cmd, r->identity);
		cmd_arg(&a->cmd, r->incident);
		return STEP_RUN;
	}
	if (!run_ok(res))
		return step_failed(o, "action_hook", res);
	return done(o, RESULT_OK, 1, "action_hook %s %s: exit 0", action_kind_name(r->hook_for),
		    action_result_name(r->hook_result));
}

static enum step_status postsuper_list(struct actions *a, const struct qid_list *l,
				       const char *flag)
{
	cmd_reset(&a->cmd);
	cmd_postfix(a, &a->cmd, "postsuper");
	cmd_arg(&a->cmd, flag);
	cmd_arg(&a->cmd, "-");
	qids_stdin(&a->cmd, l);
	return STEP_RUN;
}

/*
 * Phases: 0 lists the hold queue (postqueue -j), 1 copies each of the
 * request's messages that is on hold with postcat (postcat waits a second
 * for a queue file that is not there, so messages already delivered are
 * left out first), 2 deletes the copied ones.
 */
static enum step_status quarantine(struct actions *a, struct request *r,
				   const struct run_result *res, struct outcome *o)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 64], final[PATH_MAX + 64];
	struct stat st;

	if (r->qids.n == 0)
		return done(o, RESULT_SKIPPED, 0, "no queued message");
	if (r->observe || r->untrusted)
		return done(o, dry(r), r->qids.n, "postcat into %s/%s, then postsuper -d",
			    a->cfg.quarantine_dir, r->qdir);
	sfmt(dir, sizeof(dir), "%s/%s", a->cfg.quarantine_dir, r->qdir);
	if (r->phase == 0) {
		struct qid_list held = { 0 };
		bool overflow;

		if (!res)
			return queue_snapshot_start(a, r);
		if (!run_ok(res))
			return queue_snapshot_failed(a, r, res, o);
		if (queue_snapshot_read(a, r, &held, (size_t)ACTIONS_MAX_QIDS * 4, &overflow, NULL, NULL) < 0) {
			sfmt(o->detail, sizeof(o->detail), "postqueue -j output: %s",
			     strerror(errno));
			return STEP_FAIL;
		}
		if (held.n)
			qsort(held.v, held.n, sizeof(*held.v), qid_cmp);
		r->todo.n = 0;
		for (size_t i = 0; i < r->qids.n; i++)
			if (overflow || qid_sorted_has(&held, r->qids.v[i]))
				qid_list_add(&r->todo, r->qids.v[i]);
			else
				r->gone++;
		qid_list_free(&held);
		if (r->todo.n == 0)
			return done(o, RESULT_SKIPPED, 0, "none of the %zu messages is on hold",
				    r->qids.n);
		if ((mkdir(a->cfg.quarantine_dir, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
			sfmt(o->detail, sizeof(o->detail), "mkdir %s: %s", dir, strerror(errno));
			return STEP_FAIL;
		}
		r->qi = 0;
		r->phase = 1;
		res = NULL;
	}
	if (r->phase == 1) {
		if (res) {	/* postcat of todo[qi] */
			sfmt(tmp, sizeof(tmp), "%s/.%s.tmp", dir, r->todo.v[r->qi]);
			sfmt(final, sizeof(final), "%s/%s", dir, r->todo.v[r->qi]);
			if (run_ok(res) && stat(tmp, &st) == 0 && st.st_size > 0 &&
			    !queue_file_names(tmp, r)) {
				unlink(tmp);	/* not the identity's: never deleted */
				a->st.unconfirmed++;
				r->unconfirmed++;
			} else if (run_ok(res) && stat(tmp, &st) == 0 && st.st_size > 0 &&
				   rename(tmp, final) == 0) {
				qid_list_add(&r->work, r->todo.v[r->qi]);
			} else {
				unlink(tmp);
				r->gone++;
			}
			r->qi++;
		}
		while (r->qi < r->todo.n) {
			const char *qid = r->todo.v[r->qi];

			sfmt(final, sizeof(final), "%s/%s", dir, qid);
			if (lstat(final, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
			    queue_file_names(final, r)) {
				if (!qid_list_has(&r->work, qid))
					qid_list_add(&r->work, qid);
				r->qi++;
				continue;
			}
			cmd_reset(&a->cmd);
			cmd_postfix(a, &a->cmd, "postcat");
			cmd_arg(&a->cmd, "-q");
			cmd_arg(&a->cmd, qid);
			sfmt(a->cmd.out_path, sizeof(a->cmd.out_path), "%s/.%s.tmp", dir, qid);
			unlink(a->cmd.out_path);
			return STEP_RUN;
		}
		if (r->work.n == 0)
			return done(o, RESULT_SKIPPED, 0, "none of the %zu messages could be copied "
				    "(%zu not confirmed by their queue file)", r->todo.n,
				    r->unconfirmed);
		r->phase = 2;
		res = NULL;
	}
	if (!res)
		return postsuper_list(a, &r->work, "-d");
	if (!run_ok(res))
		return step_failed(o, "postsuper -d", res);
	o->count = postsuper_count(res, "Deleted", r->work.n);
	held_sub(a, o->count);
	return done(o, RESULT_OK, o->count,
		    "%zu copied to %s and deleted; %zu not on hold any more; %zu not confirmed "
		    "by their queue file, left alone", r->work.n, dir, r->gone, r->unconfirmed);
}

static enum step_status delete(struct actions *a, struct request *r, const struct run_result *res,
			       struct outcome *o)
{
	if (r->qids.n == 0)
		return done(o, RESULT_SKIPPED, 0, "no queued message");
	if (r->observe || r->untrusted)
		return done(o, dry(r), r->qids.n, "postsuper -d -");
	if (!r->confirmed)
		return done(o, RESULT_FAILED, 0, "the queue ids were not confirmed by their queue "
			    "files (the hold failed): nothing deleted");
	if (!res)
		return postsuper_list(a, &r->qids, "-d");
	if (!run_ok(res))
		return step_failed(o, "postsuper -d", res);
	o->count = postsuper_count(res, "Deleted", r->qids.n);
	held_sub(a, o->count);
	return done(o, RESULT_OK, o->count, "%zu deleted", o->count);
}

/* A RESPOND's release after its hold ALL: what it held, not the rest. */
static enum step_status release_ours(struct actions *a, struct request *r,
				     const struct run_result *res, struct outcome *o)
{
	if (!r->preheld_known)
		return done(o, RESULT_FAILED, 0, "the hold queue before the hold is unknown: "
			    "release by hand (postsuper -H)");
	if (r->preheld_overflow)
		return done(o, RESULT_FAILED, 0, "over %d messages were on hold before the hold: "
			    "release by hand (postsuper -H)", ACTIONS_MAX_QIDS);
	if (r->phase == 0) {
		struct qid_list mine = { 0 };
		bool overflow;
		int rc;

		if (!res)
			return queue_snapshot_start(a, r);
		if (!run_ok(res))
			return queue_snapshot_failed(a, r, res, o);
		for (size_t i = 0; i < r->qids.n; i++)
			qid_list_add(&mine, r->qids.v[i]);
		if (mine.n)
			qsort(mine.v, mine.n, sizeof(*mine.v), qid_cmp);
		r->work.n = 0;
		rc = queue_snapshot_read(a, r, &r->work, RELEASE_MAX, &overflow, &r->preheld, &mine);
		qid_list_free(&mine);
		if (rc < 0) {
			snprintf(o->detail, sizeof(o->detail), "postqueue -j output: %s",
				 strerror(errno));
			return STEP_FAIL;
		}
		if (r->work.n == 0)
			return done(o, RESULT_OK, 0, "nothing of ours left on hold");
		r->phase = 1;
		res = NULL;
	}
	if (!res)
		return postsuper_list(a, &r->work, "-H");
	if (!run_ok(res))
		return step_failed(o, "postsuper -H", res);
	o->count = postsuper_count(res, "Released from hold", r->work.n);
	held_sub(a, o->count);
	return done(o, RESULT_OK, o->count, "released what this request held, "
		    "not the %zu messages of the identity nor the %zu on hold before",
		    r->qids.n, r->preheld.n);
}

static enum step_status release(struct actions *a, struct request *r, const struct run_result *res,
				struct outcome *o)
{
	if (r->observe || r->untrusted)
		return done(o, dry(r), r->all ? 0 : r->qids.n, "postsuper -H");
	if (r->kind == REQ_RESPOND)
		return release_ours(a, r, res, o);
	if (!r->all && r->qids.n == 0)
		return done(o, RESULT_SKIPPED, 0, "no queued message");
	if (!res) {
		if (!r->all)
			return postsuper_list(a, &r->qids, "-H");
		cmd_reset(&a->cmd);
		cmd_postfix(a, &a->cmd, "postsuper");
		cmd_arg(&a->cmd, "-H");
		cmd_arg(&a->cmd, "ALL");
		return STEP_RUN;
	}
	if (!run_ok(res))
		return step_failed(o, "postsuper -H", res);
	o->count = postsuper_count(res, "Released from hold", r->all ? 0 : r->qids.n);
	held_sub(a, o->count);
	return done(o, RESULT_OK, o->count, "%zu released (%s)", o->count,
		    r->all ? "the whole queue" : "the given queue ids");
}

enum step_status step_advance(struct actions *a, struct request *r, const struct run_result *res,
			      struct outcome *o)
{
	if (r->hook_due)
		return action_hook(a, r, res, o);
	if (r->cur >= r->nsteps)
		return done(o, RESULT_FAILED, 0, "no step");
	switch (r->steps[r->cur]) {
	case STEP_HOLD:
		return hold(a, r, res, o);
	case STEP_LOCK:
		return map_change(a, r, res, o, true);
	case STEP_UNLOCK:
		return map_change(a, r, res, o, false);
	case STEP_CUT:
		return cut(a, r, o);
	case STEP_LOCK_HOOK:
		return lock_hook(a, r, res, o, true);
	case STEP_UNLOCK_HOOK:
		return lock_hook(a, r, res, o, false);
	case STEP_QUARANTINE:
		return quarantine(a, r, res, o);
	case STEP_DELETE:
		return delete(a, r, res, o);
	case STEP_RELEASE:
		return release(a, r, res, o);
	case STEP_COUNT:
		break;
	}
	return done(o, RESULT_FAILED, 0, "unknown step");
}
