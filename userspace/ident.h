/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ident.h - what the detector keeps per identity, in a bounded table
 * (internal to detect.c).
 *
 * Per identity: its window (window.h), the distinct client addresses and
 * recipient domains of the 10 min span, its learned baseline, its limits
 * (set by the detector when the entry is created) and a little evidence
 * from before any incident (the queue ids of its last messages and its
 * recent client addresses).  The evidence is allocated at the first
 * message or login, so identities seen only in flows do not pay for it.
 *
 * Baseline: messages per minute, an EWMA (DETECT_EWMA_ALPHA) folded in
 * when a minute of the identity's log time ends; minutes without messages
 * fold in as zero; it starts at the floor given to ident_get().  A caller
 * freezes it (an open incident) by passing frozen to ident_advance().
 * history counts the seconds of log time the identity has been seen.
 *
 * The table holds at most max entries; a new one when full evicts the
 * least recently active (counted).  Keys are the attacker's text (login
 * names): the hash is seeded per run (hash.h, also for ident_hash()).
 */
#ifndef SENTINEL_IDENT_H
#define SENTINEL_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "hash.h"
#include "window.h"

#define IDENT_QID_MAX (MSG_INSTANCE_MAX + POSTFIX_QID_MAX + 1)
#define IDENT_IP_MAX 64
#define IDENT_QIDS (DETECT_SAMPLES / 2)	/* the rest is room for those after */
#define IDENT_NEWDOM_RING 8		/* messages that counted a new domain */

struct ident_recent {
	char qids[IDENT_QIDS][IDENT_QID_MAX];	/* ring: oldest at qnext when full */
	char ips[DETECT_SAMPLES][IDENT_IP_MAX];		/* most recent first */
	unsigned nqids, qnext;
	size_t nips;
};

struct ident {
	UT_hash_handle hh;			/* seeded: hash.h */
	struct ident *lru_prev, *lru_next;	/* least recently active first */
	struct window win;
	struct distinct ips, domains;
	struct ident_recent *recent;
	double baseline;		/* messages per minute */
	int64_t minute;			/* the minute minute_msgs counts */
	uint32_t minute_msgs;
	uint32_t history;		/* seconds of log time seen */
	unsigned limit, rcpt_limit;	/* messages, recipients per minute; 0: none */
	/* the last messages (hashed queue ids) that reached a new recipient
	 * domain: a message to many counts once */
	uint32_t newdom[IDENT_NEWDOM_RING];
	uint8_t newdom_next;
	bool allowed, overridden;
	bool client;			/* client:IP, inbound or unauthenticated */
	char key[];
};

struct ident_table;

/* A seeded hash of a string, never 0 (hash.h's hash_text()). */
uint32_t ident_hash(const char *s);

struct ident_table *ident_table_new(size_t max);
void ident_table_free(struct ident_table *t);
/* The entry of key (UTF-8 clean, not empty), made the most recent;
 * *created tells a new one (baseline at start, limits unset). */
struct ident *ident_get(struct ident_table *t, const char *key, double start, bool *created);
size_t ident_count(const struct ident_table *t);
uint64_t ident_evictions(const struct ident_table *t);
/* Least recently active first; follow lru_next. */
struct ident *ident_oldest(const struct ident_table *t);
void ident_remove(struct ident_table *t, struct ident *w);

/* Move w to second sec: window, distinct sets (emptied when the window
 * restarts), history and baseline. */
void ident_advance(struct ident *w, int64_t sec, bool frozen);
/* A message at sec for the baseline (after ident_advance). */
void ident_count_message(struct ident *w, int64_t sec);
/* True when the distinct set was full and replaced an entry. */
bool ident_note_ip(struct ident *w, const char *ip, int64_t sec);
void ident_note_qid(struct ident *w, const char *qid);

/* Into a new incident: the queue ids of the last IDENT_QIDS messages and
 * the recent client IPs. */
void ident_evidence(const struct ident *w, struct incident *inc);

#endif
