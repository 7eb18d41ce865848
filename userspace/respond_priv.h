/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * respond_priv.h - what respond.c and its control commands (respond_cmd.c)
 * share.  Not for other modules.
 */
#ifndef SENTINEL_RESPOND_PRIV_H
#define SENTINEL_RESPOND_PRIV_H

#include <stdbool.h>

#include "actions.h"
#include "detect.h"
#include "hash.h"
#include "log.h"
#include "respond.h"

/* What respond remembers of an identity: its recent smtpd sessions, and
 * the queue ids accepted from it since the last drain while it is being
 * acted on. */
struct who {
	char identity[MSG_IDENTITY_MAX];
	struct action_session sessions[RESPOND_SESSIONS];	/* newest first */
	size_t nsessions;
	/* sessions a lock has cut, or been asked to (a ring) */
	struct action_session cut[RESPOND_SESSIONS];
	size_t ncut;
	char (*pending)[POSTFIX_QID_MAX];	/* ACTIONS_MAX_QIDS, allocated on use */
	size_t npending;
	char incident[DETECT_ID_MAX];
	/* an inexact login (actions_login_inexact()): its distinct forms as
	 * logged, bytes allocated; incomplete: a form was not kept (over
	 * ACTIONS_RAW_LOGINS of them, too long, a NUL) */
	struct action_login logins[ACTIONS_RAW_LOGINS];
	size_t nlogins;
	bool logins_incomplete;
	struct who *older, *newer;	/* the order of activity (respond.c, utlist) */
	UT_hash_handle hh;
};

struct respond {
	const struct config *cfg;
	struct counters *counters;
	const struct series_table *flows;
	const char *version;
	double started;
	struct detector *det;
	struct actions *act;
	const struct msg_table *messages;
	struct who *who;		/* by identity */
	struct who *who_oldest;	/* least recently active first (utlist: its
				 * older is the newest) */
	uint64_t who_evictions;
	size_t npending_who;
	int log_fd;			/* the incident log, O_APPEND; incident_log_fd() */
	bool dirty;			/* incidents changed since the last save */
	bool trusted;			/* respond_set_trust() */
	char trust_why[PATH_MAX + 256];
	/* automatic locks of login-only incidents: a token bucket */
	double lock_budget, lock_budget_at;
	struct ratelimit rl_budget, rl_save;
	/* `top`: the flow counts of the previous call, for rates */
	struct top_prev *top_prev;
	double top_at;
	/* `reload`: the daemon's, respond_on_reload() */
	int (*reload)(char *msg, size_t cap, void *arg);
	void *reload_arg;
};

double respond_now(void);
int respond_request(struct respond *r, enum request_kind kind, const char *identity,
		    bool all, bool manual, const struct incident *inc, char *err, size_t cap);
void respond_top_free(struct respond *r);
/* incident_json() with what respond knows of its login: for an inexact
 * one, "login":{"exact":false, "why", "locked_by_map":false, "forms":N,
 * "exact_bytes_known":B, ["unknown_why",] ["as_logged_hex":[...]: full]};
 * malloc'd, or NULL. */
char *respond_incident_json(struct respond *r, const struct incident *inc, bool full);
/* One line {"event":EVENT,"incident":{...}} appended to the incident log. */
void respond_log_incident(struct respond *r, const struct incident *inc, const char *event);
/* The runtime allow-list into state_dir/allowances.state. */
void respond_save_allowances(struct respond *r);

#endif
