/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * history.h - what the detector remembers of each identity for weeks,
 * across restarts: the recipient domains it wrote to, the sender domains
 * it used, and its usual volume (internal to detect.c).
 *
 * Windows (window.h) forget an identity idle for a day; a history is kept
 * while the table has room.  Per identity, keyed by a 64-bit seeded hash
 * of its name (no login name is written to disk):
 *   - recipient domains: a set of 32-bit seeded hashes with the second
 *     each was last written to, at most HIST_RCPT_DOMAINS (the least
 *     recently used replaced): history_rcpt() tells whether a domain is
 *     new to the identity and remembers it;
 *   - sender domains: at most HIST_SENDER_DOMAINS, with the second each
 *     was first and last used: history_sender_own() tells whether the
 *     identity used a domain before the span ending now;
 *   - volume: the messages of each clock-aligned 10 minutes; when an
 *     hour ends, its busiest 10 minutes are folded into peak, a maximum
 *     that decays by HIST_PEAK_DECAY an hour (a half-life of about six
 *     days), so a weekly burst is still known next week.
 * With local_domains = auto, history_sender_foreign() decides from these
 * and the learned domains (domains.h) whether a sender domain is foreign
 * to an identity, and history_learn_sender() learns from an account's
 * message.
 *
 * The table holds at most max histories, the least recently active
 * replaced (counted).  A recipient set costs 8 bytes a domain, allocated
 * as it grows: at most about 2.2 KiB an identity.
 *
 * history_save() writes the whole table, the hash seed, the second
 * detection began (the volume baseline is learned from then) and the
 * learned sender domains (domains.h) to one state file, atomically
 * (state.h), binary, with a CRC-32; history_load() reads it back into an
 * empty table or refuses the whole file, with one log line, if any of it
 * is damaged or out of bounds (read as hostile input).
 */
#ifndef SENTINEL_HISTORY_H
#define SENTINEL_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domains.h"

#define HIST_RCPT_DOMAINS 256
#define HIST_SENDER_DOMAINS 8
#define HIST_PEAK_DECAY 0.995		/* per hour */
#define HIST_FILE "detect.history"

struct history;
struct history_table;

struct history_table *history_new(size_t max);
void history_free(struct history_table *t);
uint64_t history_seed(const struct history_table *t);
/* The seeded hashes of identities and of domains. */
uint64_t history_key(const struct history_table *t, const char *identity);
uint32_t history_hash(const struct history_table *t, const char *domain);

/* The history of identity (made the most recent), created if need be. */
struct history *history_get(struct history_table *t, const char *identity, uint32_t sec);
size_t history_count(const struct history_table *t);
uint64_t history_evictions(const struct history_table *t);

/* True when domain (history_hash) is new to h; either way it is known
 * from now on, last written at sec. */
bool history_rcpt(struct history *h, uint32_t domain, uint32_t sec);
/* Remember that h used sender domain at sec. */
void history_sender(struct history *h, uint32_t domain, uint32_t sec);
/* True when h used domain at or before sec - span. */
bool history_sender_own(const struct history *h, uint32_t domain, uint32_t sec, unsigned span);
/* True when h used any sender domain at or before sec - span. */
bool history_sender_known(const struct history *h, uint32_t sec, unsigned span);

/* local_domains = auto: whether sender domain dom (domains_of_address(),
 * "" for none) is foreign to identity, whose history is h, at sec: it is
 * none of a learned domain, the domain of the identity's login or below
 * it (sasl:bob@example.org), a sender domain h used at or before sec -
 * span; and the identity's own domain is known (its login has one, or h
 * used a sender domain that long before). */
bool history_sender_foreign(const struct history_table *t, const struct domains *learned,
			    const struct history *h, const char *identity, const char *dom,
			    uint32_t sec, unsigned span);
/* An account's message from dom ("" for none) at sec: h remembers the
 * domain, and the learned table counts it, and the login's domain, as
 * used by this identity. */
void history_learn_sender(struct history_table *t, struct domains *learned, struct history *h,
			  const char *identity, const char *dom, uint32_t sec);

/* A message of h at sec: the volume counts (frozen: not learned, an open
 * incident).  The caller's clock may step back: older seconds are ignored. */
void history_message(struct history *h, uint32_t sec, bool frozen);
/* The usual busiest 10 minutes of h as of sec (completed hours only). */
double history_peak(const struct history *h, uint32_t sec);

/* Detection began at this second (0: not yet). */
uint32_t history_since(const struct history_table *t);
void history_set_since(struct history_table *t, uint32_t sec);

/* 0, or -1 with the reason logged. */
int history_save(const struct history_table *t, const struct domains *learned,
		 const char *dir);
/* 0 (also when there is no file: ENOENT), or -1 with the reason logged;
 * t must be empty. */
int history_load(struct history_table *t, struct domains *learned, const char *dir);

#endif
