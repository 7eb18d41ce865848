// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * actions_state.c - state_dir/actions.state and state_dir/audit.log.
 *
 * actions.state is one JSON object, replaced atomically (state_write())
 * after every change:
 *   {"version":1, "next_id":N, "held":N,
 *    "locks":[{"login":"bob","incident":"...","time":EPOCH,"map":true}, ...],
 *    "requests":[{"id":N, "kind":"respond", "identity":"sasl:bob", "steps":
 *      ["hold","lock",...], "cur":I, "phase":P, "qids":[...], ...}, ...],
 *    "cooldowns":[{"identity":"sasl:bob","at":EPOCH}, ...]}
 * A request keeps what its resumption needs: its steps, the current one and
 * its phase, the hold queue seen before a hold ALL, what quarantine copied
 * so far.  A lock or unlock resumes from the start of its step (the map is
 * edited again: idempotent), a release from its listing of the hold queue.
 * The file is bounded by the request bounds (ACTIONS_MAX_QUEUE requests,
 * ACTIONS_MAX_QIDS_TOTAL queue ids, ACTIONS_JSON_MAX of incident JSON each);
 * a state that cannot be read makes actions_new() fail rather than act on
 * a guess.
 *
 * The cooldowns are the last response to each identity, in
 * wall-clock time (CLOCK_REALTIME, as merged() keeps them), so that a
 * restart within `cooldown` of a response merges the next incident as a
 * running sentineld would.  Only those still running are saved (at most
 * ACTIONS_COOLDOWN_SLOTS); those that ran out while sentineld was stopped
 * are dropped on load, against the cooldown configured then, and one dated
 * in the future (the clock was set back) counts from the load.  They are
 * optional, so the version stays 1: a file written before they were kept
 * loads without any, and an older sentineld reads a newer file and only
 * forgets them (where a version bump would make it refuse to start).
 *
 * audit.log gets one JSON line per event, appended with O_APPEND (the file
 * is opened for each line, so that it can be rotated by renaming):
 *   {"time":"2026-11-27T07:31:10.123Z", "action":"hold", "result":"ok",
 *    "identity":"sasl:bob", "incident":"...", "request":"respond",
 *    "manual":false, "count":2, "duration":0.012, "detail":"...",
 *    "commands":[{"argv":[...], "queue_ids":[...], "exit":0, "signal":0,
 *                 "timed_out":false, "stderr":"...", "duration":0.011}]}
 * plus "hook" (action_hook, lock_hook) and "for" (the step an action_hook
 * ran after).  Strings are made valid UTF-8 first (stderr may be anything).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions_int.h"
#include "log.h"
#include "sockkill.h"
#include "state.h"
#include "text.h"

#define STATE_FILE "actions.state"
#define STATE_VERSION 1
#define STATE_VERSION_MIN 1
#define AUDIT_FILE "audit.log"

static json_t *jstr(const char *s)
{
	size_t cap = strlen(s) * 3 + 1;
	char *b = xmalloc(cap);
	json_t *j;

	utf8_sanitize(b, cap, s);
	j = json_string(b);
	free(b);
	return j ? j : json_string("");
}

/* Seconds to the microsecond: the audit log need not print 17 digits. */
static double usec(double s)
{
	return (double)(long long)(s * 1e6 + 0.5) / 1e6;
}

static json_t *qids_json(const struct qid_list *l)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(arr, json_string(l->v[i]));
	return arr;
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v ? v : json_null());
}

/* An inexact login's exact bytes: hex, since a JSON string cannot hold
 * bytes that are not UTF-8. */
static json_t *login_json(const struct request *r)
{
	char hex[2 * ACTIONS_RAW_LOGIN_MAX + 1];

	hex_encode(hex, r->login.bytes, r->login.len);
	return json_string(hex);
}

static int login_from(const json_t *v, struct request *r)
{
	char bytes[ACTIONS_RAW_LOGIN_MAX];
	long n;

	if (!v)
		return 0;
	n = json_is_string(v) ? hex_decode(bytes, sizeof(bytes), json_string_value(v)) : -1;
	return n > 0 && request_set_login(r, bytes, (size_t)n) ? 0 : -1;
}

static json_t *request_json(const struct request *r)
{
	json_t *o = json_object(), *steps = json_array(), *sess = json_array();
	enum step cur = r->cur < r->nsteps ? r->steps[r->cur] : STEP_COUNT;

	for (size_t i = 0; i < r->nsteps; i++)
		json_array_append_new(steps, json_string(step_name(r->steps[i])));
	for (size_t i = 0; i < r->nsessions; i++)
		json_array_append_new(sess, json_pack("{s:I, s:s}", "pid",
						      (json_int_t)r->sessions[i].pid, "ip",
						      r->sessions[i].client_ip));
	set(o, "id", json_integer((json_int_t)r->id));
	set(o, "kind", json_string(actions_request_name(r->kind)));
	set(o, "identity", jstr(r->identity));
	set(o, "incident", json_string(r->incident));
	set(o, "qdir", json_string(r->qdir));
	set(o, "all", json_boolean(r->all));
	set(o, "manual", json_boolean(r->manual));
	set(o, "observe", json_boolean(r->observe));
	set(o, "untrusted", json_boolean(r->untrusted));
	set(o, "confirmed", json_boolean(r->confirmed));
	set(o, "started", json_boolean(r->started));
	set(o, "json", jstr(r->json));
	set(o, "qids", qids_json(&r->qids));
	set(o, "sessions", sess);
	if (r->login.len)
		set(o, "login_hex", login_json(r));
	set(o, "login_why", jstr(r->login_why));
	set(o, "steps", steps);
	set(o, "cur", json_integer((json_int_t)r->cur));
	set(o, "phase", json_integer(r->phase));
	set(o, "attempts", json_integer(r->attempts));
	set(o, "hook_due", json_boolean(r->hook_due));
	set(o, "hook_for", json_string(action_kind_name(r->hook_for)));
	set(o, "hook_result", json_string(action_result_name(r->hook_result)));
	set(o, "preheld_known", json_boolean(r->preheld_known));
	set(o, "preheld_overflow", json_boolean(r->preheld_overflow));
	set(o, "preheld", qids_json(&r->preheld));
	if (cur == STEP_QUARANTINE) {	/* a release's list is made again */
		set(o, "todo", qids_json(&r->todo));
		set(o, "work", qids_json(&r->work));
		set(o, "qi", json_integer((json_int_t)r->qi));
		set(o, "gone", json_integer((json_int_t)r->gone));
	}
	return o;
}

static bool cooldown_running(const struct actions *a, const struct cooldown *c, double now)
{
	return c->identity[0] && now - c->at < a->cfg.cooldown;
}

static json_t *cooldowns_json(const struct actions *a)
{
	json_t *arr = json_array();
	double now = actions_realtime();

	for (size_t i = 0; i < ACTIONS_COOLDOWN_SLOTS; i++)
		if (cooldown_running(a, &a->cooldown[i], now))
			json_array_append_new(arr, json_pack("{s:o, s:f}", "identity",
							     jstr(a->cooldown[i].identity),
							     "at", a->cooldown[i].at));
	return arr;
}

int actions_save(struct actions *a)
{
	json_t *root = json_object(), *locks = json_array(), *reqs = json_array();
	char *text;
	int rc;

	for (size_t i = 0; i < a->nlocks; i++)
		json_array_append_new(locks, json_pack("{s:o, s:s, s:f, s:b}",
						       "login", jstr(a->locks[i].login),
						       "incident", a->locks[i].incident,
						       "time", a->locks[i].time,
						       "map", a->locks[i].in_map));
	for (const struct request *r = a->head; r; r = r->next)
		json_array_append_new(reqs, request_json(r));
	set(root, "version", json_integer(STATE_VERSION));
	set(root, "next_id", json_integer((json_int_t)a->next_id));
	set(root, "held", json_integer((json_int_t)a->held));
	set(root, "locks", locks);
	set(root, "requests", reqs);
	set(root, "cooldowns", cooldowns_json(a));
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!text) {
		log_warnx("actions: cannot serialise the state");
		return -1;
	}
	rc = state_write(a->cfg.state_dir, STATE_FILE, text, strlen(text));
	free(text);
	return rc;
}

static int by_name(const char *name, const char *(*fn)(int), int n)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(fn(i), name) == 0)
			return i;
	return -1;
}

static const char *kind_name_int(int i)
{
	return action_kind_name((enum action_kind)i);
}

static const char *result_name_int(int i)
{
	return action_result_name((enum action_result)i);
}

static int qids_from(const json_t *arr, struct qid_list *l, size_t max)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > max)
		return -1;
	json_array_foreach(arr, i, v) {
		const char *q = json_string_value(v);

		if (!q || !qid_valid(q))
			return -1;
		qid_list_add(l, q);
	}
	return 0;
}

/* A string member into dst (cap bytes): -1 when missing or too long. */
static int copy_str(const json_t *o, const char *key, char *dst, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || strlen(s) >= cap)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static size_t get_size(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (size_t)v : 0;
}

static struct request *request_from(const json_t *o)
{
	struct request *r = xcalloc(1, sizeof(*r));
	const json_t *steps = json_object_get(o, "steps"), *sess = json_object_get(o, "sessions");
	const char *json = json_string_value(json_object_get(o, "json"));
	int kind = actions_request_kind(json_string_value(json_object_get(o, "kind")));
	int hook_for = by_name(json_string_value(json_object_get(o, "hook_for")), kind_name_int,
			       ACTION_COUNT);
	int hook_result = by_name(json_string_value(json_object_get(o, "hook_result")),
				  result_name_int, RESULT_COUNT);
	size_t i;
	json_t *v;

	if (kind < 0 || hook_for < 0 || hook_result < 0 || !json ||
	    copy_str(o, "identity", r->identity, sizeof(r->identity)) < 0 ||
	    copy_str(o, "incident", r->incident, sizeof(r->incident)) < 0 ||
	    copy_str(o, "qdir", r->qdir, sizeof(r->qdir)) < 0 || strchr(r->qdir, '/') ||
	    r->qdir[0] == '.' || !json_is_array(steps) || json_array_size(steps) > REQ_MAX_STEPS ||
	    !json_is_array(sess) || json_array_size(sess) > ACTIONS_MAX_SESSIONS)
		goto bad;
	r->id = (uint64_t)get_size(o, "id");
	r->kind = (enum request_kind)kind;
	r->json = xstrdup(json);
	r->all = json_is_true(json_object_get(o, "all"));
	r->manual = json_is_true(json_object_get(o, "manual"));
	r->observe = json_is_true(json_object_get(o, "observe"));
	r->untrusted = json_is_true(json_object_get(o, "untrusted"));
	r->confirmed = json_is_true(json_object_get(o, "confirmed"));
	r->started = json_is_true(json_object_get(o, "started"));
	r->hook_due = json_is_true(json_object_get(o, "hook_due"));
	r->hook_for = (enum action_kind)hook_for;
	r->hook_result = (enum action_result)hook_result;
	r->preheld_known = json_is_true(json_object_get(o, "preheld_known"));
	r->preheld_overflow = json_is_true(json_object_get(o, "preheld_overflow"));
	json_array_foreach(steps, i, v) {
		int s = step_by_name(json_string_value(v) ? json_string_value(v) : "");

		if (s < 0)
			goto bad;
		r->steps[r->nsteps++] = (enum step)s;
	}
	if (json_array_size(sess)) {
		r->sessions = xcalloc(json_array_size(sess), sizeof(*r->sessions));
		json_array_foreach(sess, i, v) {
			struct action_session *s = &r->sessions[r->nsessions++];
			unsigned char addr[16];

			s->pid = (long)json_integer_value(json_object_get(v, "pid"));
			if (copy_str(v, "ip", s->client_ip, sizeof(s->client_ip)) < 0 ||
			    sockkill_parse_ip(s->client_ip, addr) < 0 || s->pid <= 1)
				goto bad;
		}
	}
	if (login_from(json_object_get(o, "login_hex"), r) < 0 ||
	    (json_object_get(o, "login_why") &&	/* not in older files */
	     copy_str(o, "login_why", r->login_why, sizeof(r->login_why)) < 0) ||
	    qids_from(json_object_get(o, "qids"), &r->qids, ACTIONS_MAX_QIDS) < 0 ||
	    qids_from(json_object_get(o, "preheld"), &r->preheld, ACTIONS_MAX_QIDS) < 0)
		goto bad;
	r->cur = get_size(o, "cur");
	r->phase = (unsigned)get_size(o, "phase");
	r->attempts = (unsigned)get_size(o, "attempts");
	if (r->cur > r->nsteps)
		goto bad;
	if (r->cur < r->nsteps && r->steps[r->cur] == STEP_QUARANTINE) {
		const json_t *work = json_object_get(o, "work");
		const json_t *todo = json_object_get(o, "todo");

		if ((work && qids_from(work, &r->work, ACTIONS_MAX_QIDS) < 0) ||
		    (todo && qids_from(todo, &r->todo, ACTIONS_MAX_QIDS) < 0))
			goto bad;
		r->qi = get_size(o, "qi");
		r->gone = get_size(o, "gone");
		if (r->qi > r->todo.n)
			r->qi = r->todo.n;
		if (r->phase == 1 && !r->todo.n)
			r->phase = 0;	/* list the hold queue again */
	} else {
		r->phase = 0;	/* start the step again (see the top) */
	}
	return r;
bad:
	request_free(r);
	return NULL;
}

/* The saved cooldowns that have not run out (absent in older files). */
static int cooldowns_from(struct actions *a, const json_t *arr)
{
	double now = actions_realtime();
	size_t i, n = 0;
	json_t *v;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > ACTIONS_COOLDOWN_SLOTS)
		return -1;
	json_array_foreach(arr, i, v) {
		struct cooldown *c = &a->cooldown[n];
		const json_t *at = json_object_get(v, "at");

		if (copy_str(v, "identity", c->identity, sizeof(c->identity)) < 0 ||
		    !c->identity[0] || !json_is_number(at))
			return -1;
		c->at = json_number_value(at);
		if (c->at > now)
			c->at = now;
		if (cooldown_running(a, c, now))
			n++;
	}
	for (i = n; i < ACTIONS_COOLDOWN_SLOTS; i++)
		memset(&a->cooldown[i], 0, sizeof(a->cooldown[i]));
	return 0;
}

int actions_load(struct actions *a)
{
	json_int_t version;
	char *buf = xmalloc(ACTIONS_STATE_MAX);
	ssize_t n = state_read(a->cfg.state_dir, STATE_FILE, buf, ACTIONS_STATE_MAX);
	const json_t *locks, *reqs;
	json_error_t jerr;
	json_t *root, *v;
	size_t i;

	if (n < 0) {
		free(buf);
		if (errno == ENOENT)
			return 0;
		log_err("cannot read %s/%s", a->cfg.state_dir, STATE_FILE);
		return -1;
	}
	root = json_loadb(buf, (size_t)n, 0, &jerr);
	free(buf);
	version = json_integer_value(json_object_get(root, "version"));
	if (!root || version < STATE_VERSION_MIN || version > STATE_VERSION) {
		log_errx("%s/%s: not a state this version can read: %s", a->cfg.state_dir,
			 STATE_FILE, root ? "version" : jerr.text);
		json_decref(root);
		return -1;
	}
	a->next_id = (uint64_t)get_size(root, "next_id");
	a->held = (uint64_t)get_size(root, "held");
	locks = json_object_get(root, "locks");
	reqs = json_object_get(root, "requests");
	json_array_foreach(locks, i, v) {
		const char *login = json_string_value(json_object_get(v, "login"));
		const char *inc = json_string_value(json_object_get(v, "incident"));

		if (!login || !inc || lock_add(a, login, inc, json_is_true(json_object_get(v, "map"))) < 0)
			goto bad;
		lock_find(a, login)->time = json_real_value(json_object_get(v, "time"));
	}
	json_array_foreach(reqs, i, v) {
		struct request *r = request_from(v);

		if (!r || a->nqueued >= ACTIONS_MAX_QUEUE)
			goto bad;
		if (r->id >= a->next_id)
			a->next_id = r->id + 1;
		if (a->tail)
			a->tail->next = r;
		else
			a->head = r;
		a->tail = r;
		a->nqueued++;
		a->total_qids += r->qids.n;
	}
	if (cooldowns_from(a, json_object_get(root, "cooldowns")) < 0)
		goto bad;
	json_decref(root);
	if (a->next_id == 0)
		a->next_id = 1;
	if (a->nqueued)
		log_info("actions: %zu unfinished requests to resume", a->nqueued);
	return 0;
bad:
	log_errx("%s/%s: a bad lock, request or cooldown", a->cfg.state_dir, STATE_FILE);
	json_decref(root);
	return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

json_t *audit_command(const struct cmd *c, const struct run_result *res)
{
	json_t *o = json_object(), *argv = json_array();
	bool exact = true;

	for (size_t i = 0; i < c->argc; i++) {
		json_t *v = json_string(c->argv[i]);	/* NULL: not UTF-8 */

		exact = exact && v;
		json_array_append_new(argv, v ? v : jstr(c->argv[i]));
	}
	set(o, "argv", argv);
	if (c->enter > 0)	/* in the container's namespaces, by this host pid */
		set(o, "container_pid", json_integer(c->enter));
	if (!exact) {	/* an inexact login's bytes as logged, for lock_hook */
		json_t *hex = json_array();

		for (size_t i = 0; i < c->argc; i++) {
			size_t n = strlen(c->argv[i]);
			char *h = xmalloc(2 * n + 1);

			hex_encode(h, c->argv[i], n);
			json_array_append_new(hex, json_string(h));
			free(h);
		}
		set(o, "argv_hex", hex);
	}
	if (c->in && c->argc && ends_with(c->argv[0], "/postsuper")) {
		json_t *ids = json_array();
		const char *p = c->in, *end = c->in + c->in_len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

			json_array_append_new(ids, json_stringn(p, len));
			p += len + 1;
		}
		set(o, "queue_ids", ids);
	} else if (c->in) {
		set(o, "stdin_bytes", json_integer((json_int_t)c->in_len));
	}
	if (c->out_path[0])
		set(o, "stdout", jstr(c->out_path));
	set(o, "exit", json_integer(res->exit_status));
	set(o, "signal", json_integer(res->signal));
	set(o, "timed_out", json_boolean(res->timed_out));
	if (res->spawn_failed)
		set(o, "spawn_failed", json_true());
	set(o, "stderr", jstr(res->err));
	set(o, "duration", json_real(usec(res->elapsed)));
	return o;
}

void actions_audit(struct actions *a, const struct request *r, const struct action_event *ev,
		   const char *hook)
{
	static struct ratelimit rl;
	char path[PATH_MAX + 16], ts[64];
	time_t sec = (time_t)ev->at;
	json_t *o = json_object();
	struct tm tm;
	char *line;
	size_t len;
	int fd;

	gmtime_r(&sec, &tm);
	len = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + len, sizeof(ts) - len, ".%03dZ", (int)((ev->at - (double)sec) * 1000));
	set(o, "time", json_string(ts));
	set(o, "action", json_string(action_kind_name(ev->kind)));
	set(o, "result", json_string(action_result_name(ev->result)));
	set(o, "identity", jstr(r->identity));
	set(o, "incident", json_string(r->incident));
	set(o, "request", json_string(actions_request_name(r->kind)));
	set(o, "manual", json_boolean(r->manual));
	set(o, "count", json_integer((json_int_t)ev->count));
	set(o, "duration", json_real(usec(ev->duration)));
	set(o, "detail", jstr(ev->detail));
	if (hook) {
		set(o, "hook", json_string(hook));
		if (strcmp(hook, "action_hook") == 0)
			set(o, "for", json_string(action_kind_name(r->hook_for)));
	}
	set(o, "commands", r->cmds ? json_incref(r->cmds) : json_array());
	if (r->cmds_omitted)
		set(o, "commands_omitted", json_integer((json_int_t)r->cmds_omitted));
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return;
	len = strlen(line);
	line = realloc(line, len + 2);
	if (!line)
		fatalx("out of memory");
	line[len++] = '\n';
	snprintf(path, sizeof(path), "%s/%s", a->cfg.state_dir, AUDIT_FILE);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len) {
		if (log_ratelimited(&rl, 60))
			log_warn("cannot append to %s", path);
	}
	if (fd >= 0)
		close(fd);
	free(line);
}
