// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * window.c - per-second and per-ten-seconds rings of small counters, and
 * bounded distinct sets.
 *
 * A ring slot holds the second (or ten seconds) s with s mod length equal
 * to its index, for s in (head - length, head]; moving the head forward
 * clears the slots it passes, at most one lap.
 */
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "log.h"
#include "window.h"

void window_init(struct window *w)
{
	memset(w, 0, sizeof(*w));
	w->head = WIN_EMPTY;
	memset(w->first_us, 0xff, sizeof(w->first_us));
}

static void clear_slot(uint16_t slot[WC_N], uint32_t total[WC_N])
{
	for (unsigned c = 0; c < WC_N; c++)
		total[c] -= slot[c];
	memset(slot, 0, WC_N * sizeof(slot[0]));
}

static void clear_sec(struct window *w, int64_t s)
{
	unsigned i = win_mod(s, WIN_SECONDS);

	clear_slot(w->sec[i], w->sec_total);
	w->first_us[i] = UINT32_MAX;
}

bool window_advance(struct window *w, int64_t sec)
{
	int64_t old = w->head, t, from, to;

	if (old != WIN_EMPTY && sec <= old) {
		if (old - sec <= WIN_REWIND)
			return false;
		window_init(w);
		w->head = sec;
		return true;
	}
	if (old == WIN_EMPTY || sec - old >= WIN_SPAN_MAX) {
		window_init(w);
		w->head = sec;
		return false;
	}
	from = old + 1 > sec - WIN_SECONDS + 1 ? old + 1 : sec - WIN_SECONDS + 1;
	for (t = from; t <= sec; t++)
		clear_sec(w, t);
	from = win_div(old, 10) + 1;
	to = win_div(sec, 10);
	if (from < to - WIN_TENS + 1)
		from = to - WIN_TENS + 1;
	for (t = from; t <= to; t++)
		clear_slot(w->tens[win_mod(t, WIN_TENS)], w->tens_total);
	w->head = sec;
	return false;
}

/* Add n to a slot's counter and its ring's total, saturating the slot. */
static void sat_add(uint16_t *c, uint32_t *total, uint32_t n)
{
	uint32_t room = UINT16_MAX - *c;

	n = n < room ? n : room;
	*c = (uint16_t)(*c + n);
	*total += n;
}

void window_add(struct window *w, int64_t sec, uint32_t us, enum win_counter c, uint32_t n)
{
	window_advance(w, sec);
	if (sec > w->head - WIN_SECONDS) {
		unsigned i = win_mod(sec, WIN_SECONDS);

		sat_add(&w->sec[i][c], &w->sec_total[c], n);
		if (c == WC_MESSAGES && us < w->first_us[i])
			w->first_us[i] = us;
	}
	if (win_div(sec, 10) > win_div(w->head, 10) - WIN_TENS)
		sat_add(&w->tens[win_mod(win_div(sec, 10), WIN_TENS)][c], &w->tens_total[c], n);
}

/* The seconds [lo, hi] of the span ending at now that the ring still holds. */
static bool sec_range(const struct window *w, int64_t now, unsigned span,
		      int64_t *lo, int64_t *hi)
{
	if (w->head == WIN_EMPTY || span == 0)
		return false;
	*hi = now < w->head ? now : w->head;
	*lo = now - (int64_t)span + 1;
	if (*lo < w->head - WIN_SECONDS + 1)
		*lo = w->head - WIN_SECONDS + 1;
	return *lo <= *hi;
}

static bool tens_range(const struct window *w, int64_t now, unsigned span,
		       int64_t *lo, int64_t *hi)
{
	int64_t head = win_div(w->head, 10), n = (span + 9) / 10;

	if (w->head == WIN_EMPTY || span == 0)
		return false;
	*hi = win_div(now, 10);
	if (*hi > head)
		*hi = head;
	*lo = win_div(now, 10) - n + 1;
	if (*lo < head - WIN_TENS + 1)
		*lo = head - WIN_TENS + 1;
	return *lo <= *hi;
}

/* Sum the n slots of ring from index i on, wrapping at len: one counter
 * at a time over at most two straight runs, so the sum stays in a
 * register (an array of sums went through memory on every add). */
static void add_slots(const uint16_t (*ring)[WC_N], unsigned len, unsigned i, int64_t n,
		      struct win_totals *out)
{
	unsigned end1 = n < (int64_t)(len - i) ? i + (unsigned)n : len;
	unsigned end2 = (unsigned)(n - (end1 - i));

	for (unsigned c = 0; c < WC_N; c++) {
		uint32_t sum = 0;

		for (unsigned j = i; j < end1; j++)
			sum += ring[j][c];
		for (unsigned j = 0; j < end2; j++)
			sum += ring[j][c];
		out->c[c] = sum;
	}
}

void window_sum(const struct window *w, int64_t now, unsigned span, struct win_totals *out)
{
	int64_t lo, hi;

	memset(out, 0, sizeof(*out));
	if (span <= WIN_SECONDS) {
		if (!sec_range(w, now, span, &lo, &hi))
			return;
		if (hi - lo + 1 == WIN_SECONDS)
			memcpy(out->c, w->sec_total, sizeof(out->c));
		else
			add_slots(w->sec, WIN_SECONDS, win_mod(lo, WIN_SECONDS), hi - lo + 1, out);
		return;
	}
	if (!tens_range(w, now, span, &lo, &hi))
		return;
	if (hi - lo + 1 == WIN_TENS)
		memcpy(out->c, w->tens_total, sizeof(out->c));
	else
		add_slots(w->tens, WIN_TENS, win_mod(lo, WIN_TENS), hi - lo + 1, out);
}

/* First second in [lo, hi] of the one-second ring with a count of c. */
static double first_in_secs(const struct window *w, int64_t lo, int64_t hi,
			    enum win_counter c)
{
	for (int64_t s = lo; s <= hi; s++) {
		unsigned i = win_mod(s, WIN_SECONDS);

		if (!w->sec[i][c])
			continue;
		if (c == WC_MESSAGES && w->first_us[i] != UINT32_MAX)
			return (double)s + w->first_us[i] / 1e6;
		return (double)s;
	}
	return -1;
}

double window_first(const struct window *w, int64_t now, unsigned span, enum win_counter c)
{
	int64_t lo, hi, slo, shi;

	if (span <= WIN_SECONDS)
		return sec_range(w, now, span, &lo, &hi) ? first_in_secs(w, lo, hi, c) : -1;
	if (!tens_range(w, now, span, &lo, &hi))
		return -1;
	for (int64_t d = lo; d <= hi; d++) {
		double t;

		if (!w->tens[win_mod(d, WIN_TENS)][c])
			continue;
		/* to the microsecond when the one-second ring still has it */
		if (sec_range(w, d * 10 + 9, 10, &slo, &shi)) {
			t = first_in_secs(w, slo, shi, c);
			if (t >= 0)
				return t;
		}
		return (double)(d * 10);
	}
	return -1;
}

bool distinct_add(struct distinct *s, uint32_t hash, uint32_t sec)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < s->n; i++) {
		if (s->e[i].hash == hash) {
			if (sec > s->e[i].last)
				s->e[i].last = sec;
			return false;
		}
		if (s->e[i].last < s->e[oldest].last)
			oldest = i;
	}
	if (s->n == s->cap && s->cap < DETECT_DISTINCT) {
		unsigned cap = s->cap ? s->cap * 2U : 4U;
		struct distinct_entry *e;

		if (cap > DETECT_DISTINCT)
			cap = DETECT_DISTINCT;
		e = xcalloc(cap, sizeof(*e));
		if (s->n)
			memcpy(e, s->e, s->n * sizeof(*e));
		free(s->e);
		s->e = e;
		s->cap = (uint16_t)cap;
	}
	if (s->n < s->cap) {
		s->e[s->n].hash = hash;
		s->e[s->n].last = sec;
		s->n++;
		return false;
	}
	s->e[oldest].hash = hash;
	s->e[oldest].last = sec;
	return true;
}

unsigned distinct_count(const struct distinct *s, uint32_t now, unsigned span)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n; i++)
		if (s->e[i].last <= now && now - s->e[i].last < span)
			n++;
	return n;
}

void distinct_clear(struct distinct *s)
{
	s->n = 0;
}

void distinct_free(struct distinct *s)
{
	free(s->e);
	s->e = NULL;
	s->n = s->cap = 0;
}
