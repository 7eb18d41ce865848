/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * detect_int.h - what the detector's files share (not an interface).
 *
 *   detect.c            the detector, its configuration and its events
 *   detect_incidents.c  what fired becomes an incident: open, merge,
 *                       notify, expire; the incident commands
 *
 * The events call detect_evaluate() after each change to an identity;
 * detect_tick() flushes the updates and expires incidents and allowances.
 */
#ifndef SENTINEL_DETECT_INT_H
#define SENTINEL_DETECT_INT_H

#include <stdbool.h>

#include "detect.h"
#include "history.h"
#include "ident.h"
#include "incident.h"
#include "iplimit.h"
#include "log.h"
#include "window.h"

#define TIME_MAX 4e9
#define GLOBAL_IDENTITY "flows:global"
#define UNATTRIBUTED "unattributed"

struct detector {
	struct detect_config cfg;
	struct detect_callbacks cb;
	struct ident_table *idents;
	struct failures_table *failures;
	struct incident_store *store;
	struct history_table *hist;	/* per identity, for weeks (history.h) */
	struct domains *learned;	/* sender domains of several accounts */
	bool hist_dirty;
	double hist_saved;		/* CLOCK_MONOTONIC of the last save */
	struct window flows, unclaimed;	/* global, WC_FLOWS */
	struct window claimed;		/* unclaimed flows claimed since */
	double now;
	bool started;
	struct detect_stats st;
	struct ratelimit rl_full, rl_rate;
	struct incident scratch;	/* a draft, too big for the stack */
	char (*pending)[DETECT_ID_MAX];	/* ids to call back at tick */
	struct iplimit *rate;		/* incident tokens per client address */
	const char *opening_ip;		/* the address that pays for an incident
					 * the current event opens (logins), or NULL */
	struct detect_allowance *allowances;	/* DETECT_MAX_ALLOWED */
	size_t nallowances;
};

/* detect.c: the signals of w (h: its history, or NULL); whether any fired. */
bool detect_check(const struct detector *d, const struct ident *w, const struct history *h,
		  struct incident_signal sig[SIG_COUNT]);

/* detect_incidents.c */
struct incident *detect_draft(struct detector *d, const char *identity, double t,
			      const struct incident_signal *sig);
void detect_open_draft(struct detector *d, double t);
bool detect_merge(struct detector *d, struct incident_node *n,
		  const struct incident_signal *sig, double t);
void detect_notify(struct detector *d, struct incident_node *n, double t);
void detect_evaluate(struct detector *d, struct ident *w, double t, const struct evidence *ev,
		     const struct incident_signal *brute);
void detect_flush_updates(struct detector *d, double now);
void detect_expire_incidents(struct detector *d, double now);
void detect_expire_allowances(struct detector *d);

#endif
