/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * respond.h - the playbook: from what the maillog says to incidents, and
 * from incidents to action requests.
 *
 * respond owns the detector (detect.h) and the action engine (actions.h).
 * The maillog engine reports messages, deliveries and logins through
 * respond_maillog_events(); each goes to the detector, and each login
 * also into a bounded table of the identity's recent smtpd sessions
 * (smtpd pid, client address) so a lock can cut them.
 *
 * When an incident opens it is appended as one JSON line to the incident
 * log, counted per signal, and its detection latency (log time of its
 * first offending message to now) goes into the histogram.  Only an
 * account's incident (actions_account(): never client:IP) makes a request;
 * it is marked acted only when the engine acts (enforce mode and a trusted
 * maillog, respond_set_trust(), or trust_syslog_file).  In enforce
 * mode a RESPOND request follows, carrying the identity's queued queue
 * ids (from the message table) and its sessions; in observe mode the same
 * request is made, and the engine records each step as "observed".  While an identity's
 * incident is acted on, each message still accepted from it (a session
 * that outlived the lock, a message queued in between) is held and
 * quarantined too, in batches per respond_drain() call.  Every change of
 * an incident's state is appended to the log again; the open incidents
 * are saved in state_dir/incidents.state and restored at start-up.
 *
 * respond_command() is the control socket's handler (control.h): status,
 * incidents, show, lock, unlock, hold, release, top, reload (the daemon's
 * own, given by respond_on_reload()).  The admin's
 * commands act in observe mode too.  `unlock` resolves the identity's
 * incident.
 */
#ifndef SENTINEL_RESPOND_H
#define SENTINEL_RESPOND_H

#include <jansson.h>

#include "config.h"
#include "control.h"
#include "counters.h"
#include "maillog/engine.h"
#include "postconf.h"
#include "run.h"
#include "series.h"

#define RESPOND_MAX_IDENTITIES 4096	/* with sessions remembered */
#define RESPOND_SESSIONS 8		/* per identity, most recent */
/* Automatic locks of login-only incidents (enforce mode): a burst of
 * RESPOND_LOGIN_LOCKS, then as many per RESPOND_LOGIN_LOCK_PERIOD s */
#define RESPOND_LOGIN_LOCKS 10
#define RESPOND_LOGIN_LOCK_PERIOD 3600
#define RESPOND_ALLOW_MAX (30 * 86400)	/* dismiss --allow: at most 30 days */

struct respond;

/* NULL with the reason logged.  pc: Postfix's parameters (daemon_directory,
 * for the session cut), or NULL: unknown.  flows (may be NULL) is the flow
 * series table, for `top`. */
struct respond *respond_new(const struct config *cfg, const struct postconf *pc,
			    struct counters *counters,
			    struct runner *runner, const struct series_table *flows,
			    const char *version);
void respond_free(struct respond *r);

struct maillog_events respond_maillog_events(struct respond *r);
void respond_set_messages(struct respond *r, const struct msg_table *messages);
/* The maillog's trust level (maillog_trust()) and why, for the actions,
 * the start-up log and status.  Until called: untrusted. */
void respond_set_trust(struct respond *r, bool trusted, const char *why);

/* A watched-port flow was established; claimed: the identity of the
 * delivery that was logged before it, or NULL (not known yet). */
void respond_flow(struct respond *r, double t, const char *claimed);
/* Every 100 ms: batched holds, action retries. */
void respond_drain(struct respond *r);
/* Once a second: detector tick, gauges, saved state. */
void respond_tick(struct respond *r);

/*
 * A reload (cfg outlives r, or the next reload): the detector's and the
 * action engine's settings, the incident log's path, what enforce mode
 * says of the maillog's trust, and Postfix's daemon_directory from pc (the
 * daemon reads Postfix's parameters again on a reload).  -1, nothing
 * changed, with the reason logged.
 */
int respond_reconfigure(struct respond *r, const struct config *cfg, const struct postconf *pc);
/* What `reload` calls: 0 with what changed in msg, or -1 with why not. */
void respond_on_reload(struct respond *r, int (*fn)(char *msg, size_t cap, void *arg),
		       void *arg);

json_t *respond_command(json_t *request, const struct control_peer *peer, void *arg);

#endif
