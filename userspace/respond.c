// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * respond.c - incidents in, action requests out (see respond.h).
 *
 * Nothing here runs a command or touches the queue: every effect is an
 * action_request handed to actions_submit().  The control commands live
 * in respond_cmd.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <utlist.h>

#include "actions.h"
#include "croot.h"
#include "detect.h"
#include "hash_free.h"
#include "log.h"
#include "maillog/messages.h"
#include "metrics.h"
#include "postconf.h"
#include "respond.h"
#include "respond_priv.h"
#include "state.h"
#include "text.h"

#define INCIDENT_STATE "incidents.state"
#define ALLOW_STATE "allowances.state"

double respond_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- sessions and pending holds per identity ------------------------------ */

static void who_free(struct who *w)
{
	free(w->pending);
	for (size_t i = 0; i < w->nlogins; i++)
		free((char *)w->logins[i].bytes);
	free(w);
}

static struct who *who_get(struct respond *r, const char *identity, bool create)
{
	struct who *w;

	HASH_FIND_STR(r->who, identity, w);
	/* The order of activity is a list of its own (utlist), so that an
	 * identity active again moves to its end without being hashed again. */
	if (w && create && w->newer) {
		DL_DELETE2(r->who_oldest, w, older, newer);
		DL_APPEND2(r->who_oldest, w, older, newer);
	}
	if (w || !create)
		return w;
	if (HASH_COUNT(r->who) >= RESPOND_MAX_IDENTITIES) {
		/* the least recently active, passing over a few with an open
		 * incident */
		struct who *old = r->who_oldest;

		for (int i = 0; i < 64 && old->newer && detect_open_for(r->det, old->identity);
		     i++)
			old = old->newer;
		if (detect_open_for(r->det, old->identity))
			old = r->who_oldest;
		/* the analyzer does not know utlist's invariant: a head that is
		 * not alone has a next */
		DL_DELETE2(r->who_oldest, old, older, newer);	// NOLINT(clang-analyzer-core.NullDereference)
		HASH_DEL(r->who, old);
		who_free(old);
		r->who_evictions++;
	}
	w = xcalloc(1, sizeof(*w));
	snprintf(w->identity, sizeof(w->identity), "%s", identity);
	/* the analyzer loses track of uthash freeing its table when the last
	 * entry is deleted above, and of it starting a new one here */
	HASH_ADD_STR(r->who, identity, w);	// NOLINT(clang-analyzer-unix.Malloc)
	DL_APPEND2(r->who_oldest, w, older, newer);
	return w;
}

static void remember_session(struct respond *r, const char *identity, const char *ip, long pid)
{
	struct who *w = who_get(r, identity, true);

	for (size_t i = 0; i < w->nsessions; i++)
		if (w->sessions[i].pid == pid && strcmp(w->sessions[i].client_ip, ip) == 0)
			return;
	if (w->nsessions < RESPOND_SESSIONS) {
		w->nsessions++;
	}
	/* most recent first */
	memmove(&w->sessions[1], &w->sessions[0], (w->nsessions - 1) * sizeof(w->sessions[0]));
	w->sessions[0].pid = pid;
	snprintf(w->sessions[0].client_ip, sizeof(w->sessions[0].client_ip), "%s", ip);
}

/* A form of w's inexact login as logged, kept once (at most
 * ACTIONS_RAW_LOGINS, each up to ACTIONS_RAW_LOGIN_MAX bytes, no NUL). */
static void remember_login(struct who *w, const char *raw, size_t len)
{
	for (size_t i = 0; i < w->nlogins; i++)
		if (w->logins[i].len == len && memcmp(w->logins[i].bytes, raw, len) == 0)
			return;
	if (w->nlogins < ACTIONS_RAW_LOGINS &&
	    action_login_copy(&w->logins[w->nlogins], raw, len))
		w->nlogins++;
	else
		w->logins_incomplete = true;
}

/* An inexact login's exact bytes, when respond knows them for sure: one
 * form seen and kept, without '?'.  Else NULL, and why. */
static const struct action_login *exact_form(const struct who *w, const char **why)
{
	if (!w || (!w->nlogins && !w->logins_incomplete))
		*why = "no login of it was seen since sentineld started (or it was forgotten: "
		       "the table of identities was full)";
	else if (w->nlogins != 1 || w->logins_incomplete)
		*why = "its bytes are not known for sure: logins that differ only in bytes the "
		       "maillog's copy cut or replaced share this identity, or one was over "
		       "1024 bytes";
	else if (memchr(w->logins[0].bytes, '?', w->logins[0].len))
		*why = "Postfix logged '?' for bytes it does not print: another account may have "
		       "exactly that name, so neither its name nor its mail is acted on";
	else
		return &w->logins[0];
	return NULL;
}

/* The incident's "login" object (NULL for an exact one); full: with the
 * forms' bytes (show, the incident log, the hooks), else without. */
static json_t *login_json(struct respond *r, const char *identity, bool full)
{
	const char *why = strncmp(identity, "sasl:", 5) == 0 ? actions_login_inexact(identity)
							       : NULL;
	const struct who *w = why ? who_get(r, identity, false) : NULL;
	const char *unknown = NULL;
	json_t *o;

	if (!why)
		return NULL;
	o = json_pack("{s:b, s:s, s:b, s:I, s:b}", "exact", 0, "why", why, "locked_by_map", 0,
		      "forms", (json_int_t)(w ? w->nlogins : 0), "exact_bytes_known",
		      exact_form(w, &unknown) != NULL);
	if (o && unknown)
		json_object_set_new(o, "unknown_why", json_string(unknown));
	if (o && full) {
		json_t *hex = json_array();

		for (size_t i = 0; w && i < w->nlogins; i++) {
			char h[2 * ACTIONS_RAW_LOGIN_MAX + 1];

			hex_encode(h, w->logins[i].bytes, w->logins[i].len);
			json_array_append_new(hex, json_string(h));
		}
		json_object_set_new(o, "as_logged_hex", hex);
	}
	return o;
}

char *respond_incident_json(struct respond *r, const struct incident *inc, bool full)
{
	return incident_json_with(inc, "login", login_json(r, inc->identity, full));
}

static bool was_cut(const struct who *w, const char *ip, long pid)
{
	for (size_t i = 0; i < w->ncut && i < RESPOND_SESSIONS; i++)
		if (w->cut[i].pid == pid && strcmp(w->cut[i].client_ip, ip) == 0)
			return true;
	return false;
}

static void mark_cut(struct who *w, const struct action_session *s)
{
	w->cut[w->ncut++ % RESPOND_SESSIONS] = *s;
}

/* ---- the incident log and saved state ------------------------------------ */

/* The incident log, opened again when the file at its path is not the one
 * held (renamed by logrotate, or removed): one stat per incident line, so
 * no signal is needed.  If it cannot be opened, the old file gets the line. */
static int incident_log_fd(struct respond *r)
{
	struct stat at, held;
	int fd;

	if (r->log_fd >= 0 && stat(r->cfg->incident_log, &at) == 0 &&
	    fstat(r->log_fd, &held) == 0 && at.st_dev == held.st_dev && at.st_ino == held.st_ino)
		return r->log_fd;
	fd = open(r->cfg->incident_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		log_warn("incident log %s", r->cfg->incident_log);
		return r->log_fd;
	}
	if (r->log_fd >= 0)
		close(r->log_fd);
	r->log_fd = fd;
	return fd;
}

void respond_log_incident(struct respond *r, const struct incident *inc, const char *event)
{
	char *json = respond_incident_json(r, inc, true);
	char *line;
	int n;

	if (!json)
		return;
	n = asprintf(&line, "{\"event\":\"%s\",\"incident\":%s}\n", event, json);
	free(json);
	if (n < 0)
		return;
	if (incident_log_fd(r) < 0 || write(r->log_fd, line, (size_t)n) != n)
		log_warnx("incident log %s: cannot append: %s", r->cfg->incident_log,
			  r->log_fd < 0 ? "not open" : strerror(errno));
	free(line);
}

/* The incidents not resolved, one JSON object per line, in the order they
 * opened (restored in that order, so eviction still takes the oldest).
 * When they do not all fit in STATE_MAX_FILE the oldest are left out, said
 * at most once a minute: the newest is the one a restart must not lose. */
static void save_incidents(struct respond *r)
{
	const struct incident *list[DETECT_MAX_OPEN];
	size_t n = detect_incidents(r->det, list, DETECT_MAX_OPEN), len = 0, total = 0;
	size_t first = n, omitted = 0;
	char **json = xcalloc(n ? n : 1, sizeof(*json));
	char *text = xmalloc(STATE_MAX_FILE);

	for (size_t i = 0; i < n; i++)
		if (list[i]->state != INCIDENT_RESOLVED)
			json[i] = incident_json(list[i]);
	/* from the newest back, as many as fit */
	for (; first > 0; first--) {
		size_t jl = json[first - 1] ? strlen(json[first - 1]) + 1 : 0;

		if (total + jl >= STATE_MAX_FILE)
			break;
		total += jl;
	}
	for (size_t i = 0; i < n; i++) {
		if (!json[i])
			continue;
		if (i < first) {
			omitted++;
		} else {
			size_t jl = strlen(json[i]);

			memcpy(text + len, json[i], jl);
			len += jl;
			text[len++] = '\n';
		}
		free(json[i]);
	}
	free(json);
	if (omitted && log_ratelimited(&r->rl_save, 60))
		log_warnx("%s: the %zu oldest open incident(s) do not fit in %d bytes: not saved",
			  INCIDENT_STATE, omitted, STATE_MAX_FILE);
	state_write(r->cfg->state_dir, INCIDENT_STATE, text, len);
	free(text);
	r->dirty = false;
}

static void restore_incidents(struct respond *r)
{
	char *text = xmalloc(STATE_MAX_FILE);
	ssize_t n = state_read(r->cfg->state_dir, INCIDENT_STATE, text, STATE_MAX_FILE);
	size_t restored = 0;

	if (n < 0) {
		if (errno != ENOENT)
			log_warn("reading %s/%s", r->cfg->state_dir, INCIDENT_STATE);
		free(text);
		return;
	}
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (detect_restore(r->det, line) == 0)
			restored++;
		else
			log_warnx("%s: an incident could not be restored", INCIDENT_STATE);
	}
	if (restored)
		log_info("restored %zu open incident(s)", restored);
	free(text);
}

/* The runtime allow-list (sentinelctl dismiss --allow), one JSON object a
 * line: {"identity":"sasl:bob","until":EPOCH}. */
void respond_save_allowances(struct respond *r)
{
	struct detect_allowance *list = xcalloc(DETECT_MAX_ALLOWED, sizeof(*list));
	size_t n = detect_allowances(r->det, list, DETECT_MAX_ALLOWED), len = 0;
	char *text = xmalloc(STATE_MAX_FILE);

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:f}", "identity", list[i].identity, "until",
				      list[i].until);
		char *line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		size_t l = line ? strlen(line) : 0;

		if (line && len + l + 2 < STATE_MAX_FILE) {
			memcpy(text + len, line, l);
			len += l;
			text[len++] = '\n';
		}
		free(line);
		json_decref(o);
	}
	if (state_write(r->cfg->state_dir, ALLOW_STATE, text, len) < 0)
		log_warn("writing %s/%s", r->cfg->state_dir, ALLOW_STATE);
	free(text);
	free(list);
}

static void restore_allowances(struct respond *r)
{
	char *text = xmalloc(STATE_MAX_FILE);
	ssize_t n = state_read(r->cfg->state_dir, ALLOW_STATE, text, STATE_MAX_FILE);
	double now = respond_now();

	if (n < 0) {
		if (errno != ENOENT)
			log_warn("reading %s/%s", r->cfg->state_dir, ALLOW_STATE);
		free(text);
		return;
	}
	for (char *line = text, *nl; *line; line = nl + 1) {
		json_t *o;
		const char *id;
		double until;

		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		o = json_loads(line, 0, NULL);
		id = json_string_value(json_object_get(o, "identity"));
		until = json_number_value(json_object_get(o, "until"));
		if (!id || until <= now || detect_allow(r->det, id, until) < 0)
			log_info("%s: an allowance was not restored (expired or bad)", ALLOW_STATE);
		json_decref(o);
	}
	free(text);
}

/* ---- incidents to requests ----------------------------------------------- */

/* A request about identity with its queued messages and its sessions. */
int respond_request(struct respond *r, enum request_kind kind, const char *identity,
		    bool all, bool manual, const struct incident *inc, char *err, size_t cap)
{
	static char qids[ACTIONS_MAX_QIDS][POSTFIX_QID_MAX];
	struct action_session sessions[RESPOND_SESSIONS];
	struct action_request req = { .kind = kind, .all = all, .manual = manual };
	struct who *w = who_get(r, identity, false);
	char *json = inc ? respond_incident_json(r, inc, true) : NULL;
	int rc;

	snprintf(req.identity, sizeof(req.identity), "%s", identity);
	if (inc)
		snprintf(req.incident, sizeof(req.incident), "%s", inc->id);
	req.incident_json = json;
	/* a RESPOND that holds the whole queue still quarantines, and does not
	 * release, the identity's own messages */
	if (r->messages && (!all || kind == REQ_RESPOND) && kind != REQ_LOCK &&
	    kind != REQ_UNLOCK) {
		req.nqids = msg_table_queued(r->messages, identity, qids, ACTIONS_MAX_QIDS);
		req.qids = (const char (*)[POSTFIX_QID_MAX])qids;
	}
	if (w && (kind == REQ_RESPOND || kind == REQ_LOCK)) {
		memcpy(sessions, w->sessions, w->nsessions * sizeof(sessions[0]));
		req.sessions = sessions;
		req.nsessions = w->nsessions;
		for (size_t i = 0; i < w->nsessions; i++)
			if (!was_cut(w, sessions[i].client_ip, sessions[i].pid))
				mark_cut(w, &sessions[i]);
	}
	if (kind == REQ_RESPOND || kind == REQ_LOCK || kind == REQ_UNLOCK)
		req.login = exact_form(w, &req.login_why);
	rc = actions_submit(r->act, &req, err, cap);
	free(json);
	return rc;
}

/* smtp_sentinel_incidents_total{signal} is the detector's own count. */
static void count_signals(struct respond *r)
{
	struct detect_stats ds;

	detect_stats(r->det, &ds);
	memcpy(r->counters->incidents, ds.fired, sizeof(r->counters->incidents));
}

/* An incident of logins alone (BRUTEFORCE, FANOUT, no message in its
 * identity's 10 min span): a password in the wrong hands, not yet used to
 * send.  There is nothing to hold: it is locked, not responded to (with
 * hold_scope = all a RESPOND would hold and release the whole queue). */
static bool login_only(const struct incident *inc)
{
	for (unsigned s = 0; s < SIG_COUNT; s++)
		if (inc->signals[s].fired && s != SIG_BRUTEFORCE && s != SIG_FANOUT)
			return false;
	return inc->messages == 0;
}

/* One automatic lock of a login-only incident, from a budget of
 * RESPOND_LOGIN_LOCKS per RESPOND_LOGIN_LOCK_PERIOD (wall clock). */
static bool login_lock_budget(struct respond *r)
{
	double now = respond_now(), per = (double)RESPOND_LOGIN_LOCK_PERIOD / RESPOND_LOGIN_LOCKS;

	if (!r->lock_budget_at) {
		r->lock_budget = RESPOND_LOGIN_LOCKS;
	} else if (now > r->lock_budget_at) {
		r->lock_budget += (now - r->lock_budget_at) / per;
		if (r->lock_budget > RESPOND_LOGIN_LOCKS)
			r->lock_budget = RESPOND_LOGIN_LOCKS;
	}
	r->lock_budget_at = now;
	if (r->lock_budget < 1)
		return false;
	r->lock_budget -= 1;
	return true;
}

/* The playbook for an incident: RESPOND (or LOCK, login-only), then ACTED
 * in enforce mode, OBSERVED in observe mode; a state change is logged. */
static void act(struct respond *r, const struct incident *inc)
{
	bool enforce = actions_acting(r->act), lock = login_only(inc);
	char err[256], id[DETECT_ID_MAX];

	/* client:IP (inbound or relayed mail) and processes are reported only */
	if (!actions_account(r->act, inc->identity))
		return;
	if (lock && enforce && !login_lock_budget(r)) {
		r->counters->login_locks_deferred++;
		if (log_ratelimited(&r->rl_budget, 60))
			log_warnx("incident %s: %d automatic locks of logins in %d s spent: not "
				  "locked until it sends (counted)", inc->id, RESPOND_LOGIN_LOCKS,
				  RESPOND_LOGIN_LOCK_PERIOD);
		return;
	}
	/* in observe mode the engine records each step as "observed" */
	if (respond_request(r, lock ? REQ_LOCK : REQ_RESPOND, inc->identity,
			    !lock && r->cfg->actions.hold_all, false, inc, err, sizeof(err)) < 0) {
		r->counters->actions_refused++;
		log_warnx("incident %s: no action: %s", inc->id, err);
		return;
	}
	snprintf(id, sizeof(id), "%s", inc->id);
	detect_set_state(r->det, id, enforce ? INCIDENT_ACTED : INCIDENT_OBSERVED);
	inc = detect_find(r->det, id);
	if (inc)
		respond_log_incident(r, inc, incident_state_name(inc->state));
}

static void on_opened(const struct incident *inc, void *arg)
{
	struct respond *r = arg;
	char sigs[256] = "";

	count_signals(r);
	for (int s = 0; s < SIG_COUNT; s++)
		if (inc->signals[s].fired)
			snprintf(sigs + strlen(sigs), sizeof(sigs) - strlen(sigs), "%s%s",
				 sigs[0] ? "," : "", detect_signal_name((enum detect_signal)s));
	metrics_observe_latency(r->counters, inc->opened - inc->first_seen);
	respond_log_incident(r, inc, "opened");
	log_warnx("incident %s: %s: %s (score %.1f, %.3f s after its first message)",
		  inc->id, inc->identity, sigs, inc->score, inc->opened - inc->first_seen);
	r->dirty = true;
	act(r, inc);
}

static void on_updated(const struct incident *inc, void *arg)
{
	struct respond *r = arg;

	count_signals(r);
	r->dirty = true;
	/* a login-only incident whose lock waited for the budget: it sends */
	if (inc->state == INCIDENT_OPEN && actions_acting(r->act) && !login_only(inc))
		act(r, inc);
}

/* Expired or evicted by the detector: logged with how it ended. */
static void on_closed(const struct incident *inc, void *arg)
{
	struct respond *r = arg;
	char who[4 * MSG_IDENTITY_MAX];

	respond_log_incident(r, inc, incident_end_name(inc->end));
	text_escape(who, sizeof(who), inc->identity);
	log_info("incident %s: %s: %s", inc->id, who, incident_end_name(inc->end));
	r->dirty = true;
}

static void on_action(const struct action_event *ev, void *arg)
{
	struct respond *r = arg;
	struct actions_stats st;

	if (ev->result == RESULT_RETRY)
		log_warnx("%s %s: %s; will retry", action_kind_name(ev->kind), ev->identity,
			  ev->detail ? ev->detail : "failed");
	else
		log_info("%s %s: %s%s%s (%.3f s)", action_kind_name(ev->kind), ev->identity,
			 action_result_name(ev->result), ev->detail ? ": " : "",
			 ev->detail ? ev->detail : "", ev->duration);
	actions_stats(r->act, &st);
	memcpy(r->counters->actions, st.results, sizeof(r->counters->actions));
	r->counters->actions_refused = st.refused;
	r->counters->actions_unconfirmed = st.unconfirmed;
	r->counters->locked_accounts = st.locked;
	r->counters->held_messages = st.held;
	if (ev->kind == ACTION_LOCK && ev->result == RESULT_OK && ev->incident[0]) {
		const struct incident *inc = detect_find(r->det, ev->incident);

		if (inc)
			log_info("incident %s: %s locked %.3f s after its first message",
				 inc->id, inc->identity, ev->at - inc->first_seen);
	}
}

/* ---- maillog events ------------------------------------------------------ */

static void on_accepted(const struct message *m, double t, const char *line, size_t len,
			void *arg)
{
	struct respond *r = arg;
	struct detect_message dm = { m->identity, m, t, line, len };
	const struct incident *inc;

	detect_message(r->det, &dm);
	if (!actions_acting(r->act) || !actions_account(r->act, m->identity))
		return;
	/* still arriving from an identity being acted on: hold it too */
	inc = detect_open_for(r->det, m->identity);
	if (inc && inc->state == INCIDENT_ACTED) {
		struct who *w = who_get(r, m->identity, true);

		if (w->npending < ACTIONS_MAX_QIDS) {
			if (!w->pending)
				w->pending = xcalloc(ACTIONS_MAX_QIDS, sizeof(*w->pending));
			snprintf(w->pending[w->npending++], POSTFIX_QID_MAX, "%s", m->qid);
			snprintf(w->incident, sizeof(w->incident), "%s", inc->id);
			r->npending_who++;
		}
	}
}

static void on_delivery(const struct message *m, enum msg_status status, const char *rcpt,
			double t, void *arg)
{
	struct respond *r = arg;

	if (m->notify)		/* a bounce of the identity's mail, not its mail */
		detect_notification(r->det, m->identity, m->notify, status, t);
	else
		detect_delivery(r->det, m->identity, m->qid, status, rcpt[0] ? rcpt : NULL, t);
}

/* A login of an identity whose lock is done or under way: a session that
 * started before the map changed keeps the old map; cut it too. */
static void cut_late_session(struct respond *r, struct who *w, const char *ip, long pid)
{
	const struct incident *inc = detect_open_for(r->det, w->identity);
	struct action_request req = { .kind = REQ_LOCK };
	struct action_session s = { .pid = pid };
	char err[256];

	if (!actions_acting(r->act) || !actions_account(r->act, w->identity) || !inc ||
	    inc->state != INCIDENT_ACTED || was_cut(w, ip, pid))
		return;
	snprintf(s.client_ip, sizeof(s.client_ip), "%s", ip);
	mark_cut(w, &s);
	snprintf(req.identity, sizeof(req.identity), "%s", w->identity);
	snprintf(req.incident, sizeof(req.incident), "%s", inc->id);
	req.sessions = &s;
	req.nsessions = 1;
	req.cut_only = true;	/* the lock and its hook ran with the incident */
	if (actions_submit(r->act, &req, err, sizeof(err)) < 0)
		log_warnx("cutting a late session of %s: %s", w->identity, err);
}

static void on_login(const struct maillog_login *l, void *arg)
{
	struct respond *r = arg;

	/* first: the incident this login opens locks it */
	if (actions_login_inexact(l->identity))
		remember_login(who_get(r, l->identity, true), l->raw, l->raw_len);
	detect_login(r->det, l->identity, l->client_ip, l->t);
	if (l->smtpd_pid > 0) {
		remember_session(r, l->identity, l->client_ip, l->smtpd_pid);
		cut_late_session(r, who_get(r, l->identity, true), l->client_ip, l->smtpd_pid);
	}
}

static void on_auth_failure(const char *client_ip, const char *username, double t, void *arg)
{
	detect_auth_failure(((struct respond *)arg)->det, client_ip, username, t);
}

static void on_flow_claimed(const char *identity, double t, void *arg)
{
	detect_flow_claimed(((struct respond *)arg)->det, identity, t);
}

struct maillog_events respond_maillog_events(struct respond *r)
{
	struct maillog_events ev = { on_accepted, on_delivery, on_login, on_auth_failure,
				     on_flow_claimed, r };

	return ev;
}

void respond_set_messages(struct respond *r, const struct msg_table *messages)
{
	r->messages = messages;
}

void respond_set_trust(struct respond *r, bool trusted, const char *why)
{
	const struct actions_config *c = &r->cfg->actions;

	snprintf(r->trust_why, sizeof(r->trust_why), "%s", why ? why : "");
	r->trusted = trusted;
	actions_set_trust(r->act, trusted);
	if (!c->enforce)
		log_info("maillog %s: %s", trusted ? "trusted" : "untrusted", r->trust_why);
	else if (trusted)
		log_info("enforce mode acts: %s", r->trust_why);
	else if (c->trust_syslog_file)
		log_warnx("enforce mode acts on an untrusted maillog (trust_syslog_file = yes): "
			  "%s; a forged line can lock an account or delete mail", r->trust_why);
	else
		log_warnx("enforce mode reports but does not act (no lock, hold, quarantine or "
			  "delete; result \"untrusted\"): %s; see trust_syslog_file",
			  r->trust_why);
}

void respond_flow(struct respond *r, double t, const char *claimed)
{
	detect_flow(r->det, NULL, t);
	if (claimed && claimed[0])
		detect_flow_claimed(r->det, claimed, t);
}

/* Holds (and the spam policy) for what arrived since the last call. */
void respond_drain(struct respond *r)
{
	actions_tick(r->act);
	if (!r->npending_who)
		return;
	for (struct who *w = r->who_oldest; w; w = w->newer) {
		struct action_request req = { .kind = REQ_HOLD };
		char err[256];

		if (!w->npending)
			continue;
		snprintf(req.identity, sizeof(req.identity), "%s", w->identity);
		snprintf(req.incident, sizeof(req.incident), "%s", w->incident);
		req.qids = (const char (*)[POSTFIX_QID_MAX])w->pending;
		req.nqids = w->npending;
		if (actions_submit(r->act, &req, err, sizeof(err)) == 0) {
			req.kind = REQ_QUARANTINE;
			if (actions_submit(r->act, &req, err, sizeof(err)) < 0)
				log_warnx("quarantine of %zu late message(s) of %s: %s",
					  w->npending, w->identity, err);
		} else {
			log_warnx("hold of %zu late message(s) of %s: %s", w->npending,
				  w->identity, err);
		}
		w->npending = 0;
	}
	r->npending_who = 0;
}

void respond_tick(struct respond *r)
{
	struct detect_stats ds;
	struct actions_stats as;

	detect_tick(r->det, respond_now());
	detect_stats(r->det, &ds);
	r->counters->incidents_dropped = ds.incidents_dropped;
	r->counters->incidents_evicted = ds.incidents_evicted;
	r->counters->incidents_expired = ds.incidents_expired;
	r->counters->incidents_ratelimited = ds.incidents_ratelimited;
	r->counters->incident_rate_ips = ds.rate_ips;
	r->counters->incident_rate_ips_evicted = ds.rate_ips_evicted;
	r->counters->allowances = ds.allowed;
	r->counters->incidents_open = ds.open;
	r->counters->detect_identities = ds.identities;
	r->counters->detect_evictions = ds.evictions;
	r->counters->detect_histories = ds.histories;
	r->counters->detect_history_evictions = ds.history_evictions;
	r->counters->learned_domains = ds.learned_domains;
	r->counters->candidate_domains = ds.candidate_domains;
	r->counters->domain_evictions = ds.domain_evictions;
	r->counters->respond_identities = HASH_COUNT(r->who);
	r->counters->respond_identity_evictions = r->who_evictions;
	actions_stats(r->act, &as);
	memcpy(r->counters->actions, as.results, sizeof(r->counters->actions));
	r->counters->actions_refused = as.refused;
	r->counters->actions_unconfirmed = as.unconfirmed;
	r->counters->locked_accounts = as.locked;
	r->counters->held_messages = as.held;
	if (r->dirty)
		save_incidents(r);
}

/* ---- life ---------------------------------------------------------------- */

/* The actions' view of the maillog's MTA: in a container or not. */
static void actions_container(struct actions_config *c, const struct config *cfg)
{
	c->maillog_pidns = cfg->maillog_pidns;
	memcpy(c->maillog_root, cfg->maillog_root, sizeof(c->maillog_root));
}

/* Postfix's daemon_directory (where smtpd is), for the session cut: a
 * container's (pc is then its postconf) as the container names it
 * (/proc/PID/exe of its smtpd read from the host names it so too). */
static void daemon_directory(struct actions_config *c, const struct postconf *pc)
{
	const char *why = "", *dir = postconf_get(pc, POSTCONF_DAEMON_DIRECTORY, &why);
	const char *root = c->maillog_root;
	char in[PATH_MAX];

	if (!dir || dir[0] != '/' ||
	    snprintf(c->postfix_daemon_dir, sizeof(c->postfix_daemon_dir), "%s", dir) >=
	    (int)sizeof(c->postfix_daemon_dir)) {
		log_warnx("Postfix's daemon_directory is unknown (%s): a session cut cannot check "
			  "that a pid is Postfix's smtpd, and fails",
			  !dir ? why : !dir[0] ? "empty" : "not an absolute path");
		c->postfix_daemon_dir[0] = '\0';
		return;
	}
	if (!croot_is_host(root) && croot_realpath(root, c->postfix_daemon_dir, in,
						  sizeof(in)) == 0)
		memcpy(c->postfix_daemon_dir, in, sizeof(in));
}

int respond_reconfigure(struct respond *r, const struct config *cfg, const struct postconf *pc)
{
	const struct actions_config *was = &r->cfg->actions, *c = &cfg->actions;
	struct actions_config acfg = *c;
	char why[sizeof(r->trust_why)];

	actions_container(&acfg, cfg);
	daemon_directory(&acfg, pc);
	if (actions_reconfigure(r->act, &acfg) < 0)
		return -1;
	detect_reconfigure(r->det, &cfg->detect);
	r->cfg = cfg;
	/* the maillog's trust stays; what enforce mode makes of it may not */
	if (was->enforce != c->enforce || was->trust_syslog_file != c->trust_syslog_file) {
		memcpy(why, r->trust_why, sizeof(why));
		respond_set_trust(r, r->trusted, why);
	}
	return 0;
}

void respond_on_reload(struct respond *r, int (*fn)(char *msg, size_t cap, void *arg),
		       void *arg)
{
	r->reload = fn;
	r->reload_arg = arg;
}

struct respond *respond_new(const struct config *cfg, const struct postconf *pc,
			    struct counters *counters,
			    struct runner *runner, const struct series_table *flows,
			    const char *version)
{
	struct respond *r = xcalloc(1, sizeof(*r));
	struct detect_callbacks dcb = { on_opened, on_updated, r, on_closed };
	struct actions_callbacks acb = { on_action, r };
	struct actions_config acfg;

	r->cfg = cfg;
	r->counters = counters;
	r->flows = flows;
	r->version = version;
	r->started = respond_now();
	r->log_fd = -1;
	if (state_init(cfg->state_dir) < 0)
		goto fail;
	if (incident_log_fd(r) < 0)
		goto fail;	/* logged */
	r->det = detect_new(&cfg->detect, &dcb);
	acfg = cfg->actions;
	actions_container(&acfg, cfg);
	daemon_directory(&acfg, pc);
	r->act = actions_new(&acfg, runner, &acb);
	if (!r->det || !r->act)
		goto fail;
	restore_incidents(r);
	snprintf(r->trust_why, sizeof(r->trust_why), "no maillog is read");
	restore_allowances(r);
	log_info("detection on, actions in %s mode%s", cfg->actions.enforce ? "enforce" : "observe",
		 cfg->actions.enforce ? "" : " (nothing is touched)");
	return r;
fail:
	respond_free(r);
	return NULL;
}

void respond_free(struct respond *r)
{
	if (!r)
		return;
	if (r->det && r->dirty)
		save_incidents(r);
	HASH_FREE_ALL(r->who, who_free);
	respond_top_free(r);
	actions_free(r->act);
	detect_free(r->det);
	if (r->log_fd >= 0)
		close(r->log_fd);
	free(r);
}
