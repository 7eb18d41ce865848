/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * window.h - one identity's counters in time buckets, and distinct sets.
 *
 * A window keeps WC_N small counters in two rings: WIN_SECONDS one-second
 * buckets (read over the 10 s and 1 min spans) and WIN_TENS ten-second
 * buckets (the 10 min span).  Time is log time in whole seconds; the ring
 * heads only move forward.  An event older than a ring's reach is dropped
 * by that ring alone (an event 2 minutes old still counts in the 10 min
 * span); an event more than WIN_REWIND seconds older than the head is a
 * clock that stepped back (a log replay, local time at the end of summer
 * time): the window restarts empty at that time rather than going blind
 * until the clock catches up.  Counters saturate at UINT16_MAX per bucket;
 * sums are 32-bit.  Each ring keeps the running total of its slots, so a
 * read of a whole ring (the 1 min and 10 min spans at the head) is a copy,
 * not a sum.
 *
 * The first message of each second is kept to the microsecond, so that
 * an incident can say when the burst that fired it began.
 *
 * A distinct set counts distinct 32-bit hashes (client addresses,
 * recipient domains) with the last second each was seen, at most
 * DETECT_DISTINCT of them; when full the least recently seen is replaced,
 * so a count saturates at the bound.  It grows from a few entries as
 * needed: most identities use one address.
 */
#ifndef SENTINEL_WINDOW_H
#define SENTINEL_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define WIN_SECONDS 60
#define WIN_TENS 60
#define WIN_SPAN_MAX 600		/* WIN_TENS x 10 */
#define WIN_REWIND 600
#define WIN_EMPTY INT64_MIN

enum win_counter {
	WC_MESSAGES,
	WC_RECIPIENTS,
	WC_FOREIGN,
	WC_FLOWS,
	WC_SENT,
	WC_DEFERRED,
	WC_BOUNCED,		/* bounced or expired */
	WC_NEW_DOMAINS,		/* messages to a recipient domain new to the identity */
	WC_N
};

struct window {
	int64_t head;				/* latest second; WIN_EMPTY */
	uint16_t sec[WIN_SECONDS][WC_N];
	uint32_t first_us[WIN_SECONDS];		/* UINT32_MAX: no message */
	uint16_t tens[WIN_TENS][WC_N];
	uint32_t sec_total[WC_N], tens_total[WC_N];	/* of the whole ring */
};

struct win_totals {
	uint32_t c[WC_N];
};

void window_init(struct window *w);
/* Move the head to sec if it is later; true when the window restarted
 * (the clock stepped back more than WIN_REWIND). */
bool window_advance(struct window *w, int64_t sec);
/* Count n of c at second sec (us: its microseconds, for messages). */
void window_add(struct window *w, int64_t sec, uint32_t us, enum win_counter c, uint32_t n);
/* Totals over the span seconds ending at now (span <= WIN_SECONDS reads the
 * one-second ring, longer spans the ten-second ring). */
void window_sum(const struct window *w, int64_t now, unsigned span, struct win_totals *out);
/* Log time of the first count of c in the span ending at now, -1 if none
 * (to the microsecond for messages, else to the second). */
double window_first(const struct window *w, int64_t now, unsigned span, enum win_counter c);

struct distinct_entry {
	uint32_t hash;
	uint32_t last;		/* second last seen */
};

struct distinct {
	struct distinct_entry *e;
	uint16_t n, cap;
};

/* True when the set was full and an entry was replaced. */
bool distinct_add(struct distinct *s, uint32_t hash, uint32_t sec);
/* Entries seen in the span seconds ending at now. */
unsigned distinct_count(const struct distinct *s, uint32_t now, unsigned span);
void distinct_clear(struct distinct *s);
void distinct_free(struct distinct *s);

/* Floor division and modulo for possibly negative times. */
static inline int64_t win_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static inline unsigned win_mod(int64_t a, unsigned b)
{
	int64_t m = a % (int64_t)b;

	return (unsigned)(m < 0 ? m + b : m);
}

#endif
