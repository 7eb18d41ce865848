// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * respond_cmd.c - the control socket's commands (control.h has the replies).
 *
 * A USER is a login ("bob", "bob@example.org") or an identity
 * ("sasl:bob", "uid:1000", "client:192.0.2.7"); a bare login means sasl:.
 * lock and unlock need a sasl: identity; allowlisted identities are never
 * locked, not even by hand (take them off the list first).
 *
 * resolve and dismiss close an open incident by its id (dismiss: a false
 * alarm; --allow DURATION also keeps its identity from opening another
 * until then, at most RESPOND_ALLOW_MAX, saved across restarts); neither
 * lifts a lock (unlock does, and resolves the identity's incident).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hash_free.h"
#include "log.h"
#include "metrics.h"
#include "respond_priv.h"

/* `top`: each flow series' attempts at the previous call. */
struct top_prev {
	char key[512];
	uint64_t attempts;
	UT_hash_handle hh;
};

#define TOP_MAX 50

static json_t *error(const char *fmt, ...) PRINTFLIKE(1, 2);

static json_t *error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", buf);
}

static json_t *incident_object(struct respond *r, const struct incident *inc, bool full)
{
	char *text = respond_incident_json(r, inc, full);
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	return o ? o : json_null();
}

/* The runtime allow-list: [{"identity":..., "until":EPOCH}, ...]. */
static json_t *allowed_list(const struct respond *r)
{
	struct detect_allowance *list = xcalloc(DETECT_MAX_ALLOWED, sizeof(*list));
	size_t n = detect_allowances(r->det, list, DETECT_MAX_ALLOWED);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:f}", "identity", list[i].identity,
						   "until", list[i].until));
	free(list);
	return a;
}

static json_t *cmd_status(struct respond *r)
{
	const struct counters *c = r->counters;
	const char *locks[64];
	size_t n = actions_locks(r->act, locks, 64);
	json_t *locked = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(locked, json_string(locks[i]));
	return json_pack("{s:b, s:s, s:s, s:{s:s, s:s, s:b, s:b}, s:f, "
			 "s:{s:I, s:I, s:I, s:I, s:I, s:I}, "
			 "s:{s:I, s:I, s:I}, s:I, s:{s:I, s:I, s:I, s:I}, s:o, s:o, s:I, s:I}",
			 "ok", 1, "version", r->version,
			 "mode", r->cfg->actions.enforce ? "enforce" : "observe",
			 "trust",
			 "maillog", r->trusted ? "trusted" : "untrusted",
			 "why", r->trust_why,
			 "trust_syslog_file", r->cfg->actions.trust_syslog_file,
			 "acting", actions_acting(r->act),
			 "uptime", respond_now() - r->started,
			 "maillog",
			 "lines", (json_int_t)c->maillog_parsed + (json_int_t)c->maillog_ignored +
					  (json_int_t)c->maillog_unparsed,
			 "parsed", (json_int_t)c->maillog_parsed,
			 "unparsed", (json_int_t)c->maillog_unparsed,
			 "sasl_logins", (json_int_t)c->sasl_logins,
			 "sasl_auth_failures", (json_int_t)c->sasl_auth_failures,
			 "forged", (json_int_t)c->maillog_forged,
			 "flows",
			 "events", (json_int_t)c->flow_events,
			 "attributed", (json_int_t)c->flows_attributed,
			 "unattributed", (json_int_t)c->flows_unattributed,
			 "incidents_open", (json_int_t)c->incidents_open,
			 "incident_bounds",
			 "evicted", (json_int_t)c->incidents_evicted,
			 "expired", (json_int_t)c->incidents_expired,
			 "ratelimited", (json_int_t)c->incidents_ratelimited,
			 "locks_deferred", (json_int_t)c->login_locks_deferred,
			 "allowed", allowed_list(r),
			 "locked", locked,
			 "held_messages", (json_int_t)c->held_messages,
			 "unconfirmed_messages", (json_int_t)c->actions_unconfirmed);
}

static json_t *cmd_incidents(struct respond *r)
{
	const struct incident *list[DETECT_MAX_OPEN];
	size_t n = detect_incidents(r->det, list, DETECT_MAX_OPEN);
	json_t *arr = json_array();

	/* newest first: ids sort by time */
	for (size_t i = n; i-- > 0;)
		json_array_append_new(arr, incident_object(r, list[i], false));
	return json_pack("{s:b, s:o}", "ok", 1, "incidents", arr);
}

static json_t *cmd_show(struct respond *r, json_t *req)
{
	const char *id = json_string_value(json_object_get(req, "id"));
	const struct incident *inc = id ? detect_find(r->det, id) : NULL;

	if (!id)
		return error("show needs an incident id");
	if (!inc)
		return error("no incident %s", id);
	return json_pack("{s:b, s:o}", "ok", 1, "incident", incident_object(r, inc, true));
}

/* "bob" -> "sasl:bob"; identities pass as they are.  NULL if unusable. */
static const char *identity_of(const char *user, char *buf, size_t cap)
{
	if (!user || !user[0])
		return NULL;
	if (strncmp(user, "sasl:", 5) == 0 || strncmp(user, "uid:", 4) == 0 ||
	    strncmp(user, "client:", 7) == 0)
		snprintf(buf, cap, "%s", user);
	else if ((size_t)snprintf(buf, cap, "sasl:%s", user) >= cap)
		return NULL;
	return buf;
}

static json_t *cmd_act(struct respond *r, json_t *req, const char *cmd)
{
	static const struct { const char *name; enum request_kind kind; } kinds[] = {
		{ "lock", REQ_LOCK }, { "unlock", REQ_UNLOCK },
		{ "hold", REQ_HOLD }, { "release", REQ_RELEASE },
	};
	bool all = json_is_true(json_object_get(req, "all"));
	const char *user = json_string_value(json_object_get(req, "user"));
	char buf[MSG_IDENTITY_MAX], err[256];
	const char *identity = all ? "all" : identity_of(user, buf, sizeof(buf));
	const struct incident *inc = NULL;
	enum request_kind kind = REQ_HOLD;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(cmd, kinds[i].name) == 0)
			kind = kinds[i].kind;
	if (all && kind != REQ_HOLD && kind != REQ_RELEASE)
		return error("%s needs a user, not --all", cmd);
	if (!identity)
		return error("%s needs a user (a login or sasl:LOGIN) or --all", cmd);
	if (kind == REQ_LOCK || kind == REQ_UNLOCK) {
		if (!actions_login(identity))
			return error("cannot lock %s: not a sasl: login that can be a map key",
				     identity);
		if (kind == REQ_LOCK && detect_allowed(r->det, identity))
			return error("%s is in allow_identities: not locked", identity);
	}
	if (!all)
		inc = detect_open_for(r->det, identity);
	if (respond_request(r, kind, identity, all, true, inc, err, sizeof(err)) < 0) {
		r->counters->actions_refused++;
		return error("%s", err);
	}
	if (kind == REQ_UNLOCK && inc) {
		char id[DETECT_ID_MAX];

		snprintf(id, sizeof(id), "%s", inc->id);
		detect_resolve(r->det, id, END_UNLOCKED);
		inc = detect_find(r->det, id);
		if (inc)
			respond_log_incident(r, inc, "unlocked");
		r->dirty = true;
	}
	return json_pack("{s:b, s:b, s:s, s:s}", "ok", 1, "queued", 1, "action", cmd,
			 "identity", identity);
}

/* resolve ID; dismiss ID [allow: DURATION] */
static json_t *cmd_close(struct respond *r, json_t *req, const char *cmd)
{
	const char *id = json_string_value(json_object_get(req, "id"));
	const json_t *allow = json_object_get(req, "allow");
	bool dismiss = strcmp(cmd, "dismiss") == 0;
	char identity[MSG_IDENTITY_MAX], err[256], key[DETECT_ID_MAX];
	const struct incident *inc;
	double ttl = 0, until = 0;
	json_t *reply;

	if (!id)
		return error("%s needs an incident id", cmd);
	if (allow && !dismiss)
		return error("--allow is for dismiss");
	if (allow && (!json_is_string(allow) ||
		      config_parse_duration(json_string_value(allow), 1, RESPOND_ALLOW_MAX, &ttl,
					    err, sizeof(err)) < 0))
		return error("--allow: %s", json_is_string(allow) ? err : "not a duration");
	inc = detect_find(r->det, id);
	if (!inc)
		return error("no incident %s", id);
	if (inc->state == INCIDENT_RESOLVED)
		return error("incident %s is already resolved (%s)", inc->id,
			     incident_end_name(inc->end));
	snprintf(identity, sizeof(identity), "%s", inc->identity);
	snprintf(key, sizeof(key), "%s", inc->id);
	if (allow) {
		until = respond_now() + ttl;
		if (detect_allow(r->det, identity, until) < 0)
			return error("the allow-list is full (%d identities)", DETECT_MAX_ALLOWED);
		respond_save_allowances(r);
	}
	detect_resolve(r->det, key, dismiss ? END_DISMISSED : END_RESOLVED);
	inc = detect_find(r->det, key);
	if (inc)
		respond_log_incident(r, inc, incident_end_name(inc->end));
	r->dirty = true;
	reply = json_pack("{s:b, s:s, s:s, s:s, s:s}", "ok", 1, "action", cmd, "incident", key,
			  "identity", identity, "resolution", dismiss ? "dismissed" : "resolved");
	if (reply && allow)
		json_object_set_new(reply, "allowed_until", json_real(until));
	return reply;
}

struct top_walk {
	struct respond *r;
	json_t *arr;
	double dt;
	struct top_prev *next;		/* the snapshot being built */
};

static void top_series(const struct series *s, void *arg)
{
	struct top_walk *w = arg;
	struct top_prev *p, *old;
	uint64_t now = s->values[FLOW_VALUE_ATTEMPTS];
	double rate;

	p = xcalloc(1, sizeof(*p));
	snprintf(p->key, sizeof(p->key), "%s\x1f%s\x1f%s\x1f%s", s->labels[FLOW_LABEL_CGROUP],
		 s->labels[FLOW_LABEL_COMM], s->labels[FLOW_LABEL_UID],
		 s->labels[FLOW_LABEL_PORT]);
	p->attempts = now;
	HASH_FIND_STR(w->r->top_prev, p->key, old);
	rate = old && w->dt > 0 ? (double)(now - old->attempts) / w->dt : 0;
	HASH_ADD_STR(w->next, key, p);
	json_array_append_new(w->arr,
			      json_pack("{s:s, s:s, s:s, s:s, s:I, s:f}",
					"comm", s->labels[FLOW_LABEL_COMM],
					"cgroup", s->labels[FLOW_LABEL_CGROUP],
					"uid", s->labels[FLOW_LABEL_UID],
					"port", s->labels[FLOW_LABEL_PORT],
					"attempts", (json_int_t)now, "flows_per_s", rate));
}

struct proc_row {
	double rate;
	json_t *o;
};

static int by_rate(const void *a, const void *b)
{
	double x = ((const struct proc_row *)a)->rate, y = ((const struct proc_row *)b)->rate;

	return (x < y) - (x > y);
}

static json_t *cmd_top(struct respond *r)
{
	struct detect_rate rates[TOP_MAX];
	size_t n = detect_top(r->det, rates, TOP_MAX);
	json_t *ids = json_array(), *procs = json_array(), *sorted = json_array();
	double now = respond_now();
	struct top_walk w = { r, procs, r->top_at ? now - r->top_at : 0, NULL };
	struct proc_row *rows;
	size_t np;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(ids, json_pack("{s:s, s:I, s:I, s:I, s:I}",
						     "identity", rates[i].identity,
						     "messages_10s", (json_int_t)rates[i].messages_10s,
						     "messages_60s", (json_int_t)rates[i].messages_60s,
						     "recipients_60s",
						     (json_int_t)rates[i].recipients_60s,
						     "deliveries_60s",
						     (json_int_t)rates[i].deliveries_60s));
	if (r->flows)
		series_foreach(r->flows, top_series, &w);
	respond_top_free(r);
	r->top_prev = w.next;
	r->top_at = now;
	np = json_array_size(procs);
	rows = xcalloc(np ? np : 1, sizeof(struct proc_row));
	for (size_t i = 0; i < np; i++) {
		rows[i].o = json_array_get(procs, i);
		rows[i].rate = json_real_value(json_object_get(rows[i].o, "flows_per_s"));
	}
	qsort(rows, np, sizeof(struct proc_row), by_rate);
	for (size_t i = 0; i < np && i < TOP_MAX; i++)
		json_array_append(sorted, rows[i].o);
	free(rows);
	json_decref(procs);
	return json_pack("{s:b, s:o, s:o}", "ok", 1, "identities", ids, "processes", sorted);
}

/* The daemon's reload: "ok" with the changes, one a line, or its refusal. */
static json_t *cmd_reload(struct respond *r)
{
	char msg[4096] = "";
	json_t *changes;

	if (!r->reload)
		return error("reload is not available");
	if (r->reload(msg, sizeof(msg), r->reload_arg) < 0)
		return error("%s", msg);
	changes = json_array();
	for (char *line = msg, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		json_array_append_new(changes, json_string(line));
		if (!nl)
			break;
	}
	return json_pack("{s:b, s:o}", "ok", 1, "changes", changes);
}

json_t *respond_command(json_t *request, const struct control_peer *peer, void *arg)
{
	struct respond *r = arg;
	const char *cmd = json_string_value(json_object_get(request, "cmd"));

	if (!cmd)
		return error("no command");
	if (strcmp(cmd, "status") == 0)
		return cmd_status(r);
	if (strcmp(cmd, "incidents") == 0)
		return cmd_incidents(r);
	if (strcmp(cmd, "show") == 0)
		return cmd_show(r, request);
	if (strcmp(cmd, "top") == 0)
		return cmd_top(r);
	if (strcmp(cmd, "resolve") == 0 || strcmp(cmd, "dismiss") == 0) {
		log_info("control: uid %u pid %d: %s", (unsigned)peer->uid, (int)peer->pid, cmd);
		return cmd_close(r, request, cmd);
	}
	if (strcmp(cmd, "reload") == 0) {
		log_info("control: uid %u pid %d: %s", (unsigned)peer->uid, (int)peer->pid, cmd);
		return cmd_reload(r);
	}
	if (strcmp(cmd, "lock") == 0 || strcmp(cmd, "unlock") == 0 ||
	    strcmp(cmd, "hold") == 0 || strcmp(cmd, "release") == 0) {
		log_info("control: uid %u pid %d: %s", (unsigned)peer->uid, (int)peer->pid, cmd);
		return cmd_act(r, request, cmd);
	}
	return error("unknown command %s", cmd);
}

void respond_top_free(struct respond *r)
{
	HASH_FREE_ALL(r->top_prev, free);
}
