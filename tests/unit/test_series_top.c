// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_series_top.c - the series table in top mode, as the identity metrics
 * use it: the max heaviest identities have a series, the rest count in
 * identity="_other"; a candidate twice as heavy as the weakest series (and
 * with at least SERIES_TOP_MIN_SCORE) takes its place, the evicted values
 * moving to "_other".  Time is the test's: scores halve every
 * SERIES_TOP_HALF_LIFE seconds of the clock passed in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "series.h"

#define MAX 10
#define HALF_LIFE SERIES_TOP_HALF_LIFE
#define V_MESSAGES 0
#define V_SENT 1

static const char *const names[1] = { "identity" };

/* The state the invariants are checked against after every step. */
struct run {
	struct series_table *t;
	uint64_t sent;		/* messages counted, all series together */
	uint64_t other;		/* "_other" at the last check */
};

static void run_init(struct run *r, unsigned max)
{
	r->t = series_table_new_top(1, names, max);
	r->sent = 0;
	r->other = 0;
}

/* A message of identity at now: the series it counts in. */
static struct series *message(struct run *r, const char *identity, double now, bool *folded)
{
	const char *labels[1] = { identity };
	struct series *s = series_get_scored(r->t, labels, 1, now, folded);

	s->values[V_MESSAGES]++;
	r->sent++;
	return s;
}

static struct series *nth_message(struct run *r, const char *fmt, unsigned n, double now,
				  bool *folded)
{
	char id[64];

	snprintf(id, sizeof(id), fmt, n);
	return message(r, id, now, folded);
}

/* messages of identity at now, count of them */
static void messages(struct run *r, const char *identity, unsigned count, double now)
{
	bool folded;

	for (unsigned i = 0; i < count; i++)
		message(r, identity, now, &folded);
}

struct sums {
	uint64_t messages, other;
	const struct series *other_series;
	const char *order[2 * MAX];
	unsigned n;
};

static void sum_series(const struct series *s, void *arg)
{
	struct sums *sum = arg;

	sum->messages += s->values[V_MESSAGES];
	if (strcmp(s->labels[0], SERIES_OTHER) == 0) {
		sum->other = s->values[V_MESSAGES];
		sum->other_series = s;
	}
	if (sum->n < 2 * MAX)
		sum->order[sum->n] = s->labels[0];
	sum->n++;
}

/* Counter semantics: the series add up to what was counted, "_other" never
 * went down, and the table holds at most max exact series and "_other". */
static void check(struct run *r, unsigned max)
{
	struct sums sum = { 0 };

	series_foreach(r->t, sum_series, &sum);
	assert_int_equal(sum.messages, r->sent);
	assert_true(sum.other >= r->other);
	r->other = sum.other;
	assert_int_equal(sum.n, series_count(r->t));
	assert_true(series_count(r->t) <= max + 1);
}

/* The series of identity if it has one of its own, else NULL. */
static const struct series *find(struct series_table *t, const char *identity)
{
	const char *labels[1] = { identity };
	bool folded;
	const struct series *s = series_get(t, labels, &folded);

	return folded ? NULL : s;
}

static uint64_t other_messages(struct series_table *t)
{
	const struct series *s = find(t, SERIES_OTHER);

	return s ? s->values[V_MESSAGES] : 0;
}

/* MAX identities light0..light9, lightN with N + 1 messages at now: light0
 * is the weakest. */
static void fill_light(struct run *r, double now)
{
	for (unsigned i = 0; i < MAX; i++) {
		char id[32];

		snprintf(id, sizeof(id), "sasl:light%u", i);
		messages(r, id, i + 1, now);
	}
	assert_int_equal(series_count(r->t), MAX);
	check(r, MAX);
}

/* ---- below the bound ------------------------------------------------------ */

static void test_identities_get_their_own_series_up_to_max(void **state)
{
	struct run r;
	bool folded = true;

	(void)state;
	run_init(&r, MAX);
	for (unsigned i = 0; i < MAX; i++) {
		struct series *s = nth_message(&r, "sasl:user%u", i, 0, &folded);

		assert_false(folded);
		assert_int_equal(s->values[V_MESSAGES], 1);
	}
	assert_int_equal(series_count(r.t), MAX);
	assert_int_equal(series_overflow(r.t), 0);
	assert_int_equal(series_candidates(r.t), 0);
	check(&r, MAX);
	series_table_free(r.t);
}

static void test_identity_past_max_counts_in_other_and_becomes_candidate(void **state)
{
	struct run r;
	struct series *s;
	bool folded = false;

	(void)state;
	run_init(&r, MAX);
	fill_light(&r, 0);
	s = message(&r, "sasl:late", 0, &folded);
	assert_true(folded);
	assert_string_equal(s->labels[0], SERIES_OTHER);
	assert_int_equal(s->values[V_MESSAGES], 1);
	assert_int_equal(series_overflow(r.t), 1);
	assert_int_equal(series_candidates(r.t), 1);
	assert_int_equal(series_evictions(r.t), 0);
	check(&r, MAX);
	series_table_free(r.t);
}

static void test_delivery_lookup_of_identity_without_series_does_not_score_it(void **state)
{
	const char *labels[1] = { "sasl:late" };
	struct run r;
	struct series *s;
	bool folded = false;

	(void)state;
	run_init(&r, MAX);
	fill_light(&r, 0);
	for (unsigned i = 0; i < 100; i++) {
		s = series_get(r.t, labels, &folded);
		assert_true(folded);
		assert_string_equal(s->labels[0], SERIES_OTHER);
	}
	assert_int_equal(series_candidates(r.t), 0);
	assert_int_equal(series_overflow(r.t), 100);
	assert_null(find(r.t, "sasl:late"));
	series_table_free(r.t);
}

/* ---- promotion ---------------------------------------------------------------- */

static void test_heavy_identity_after_table_full_evicts_the_weakest_series(void **state)
{
	struct run r;
	const struct series *heavy;
	bool folded;

	(void)state;
	run_init(&r, MAX);
	fill_light(&r, 0);
	for (unsigned i = 0; i < 100; i++) {
		message(&r, "sasl:spammer", 0, &folded);
		check(&r, MAX);		/* after every message, not only at the end */
	}
	heavy = find(r.t, "sasl:spammer");
	assert_non_null(heavy);
	assert_null(find(r.t, "sasl:light0"));
	for (unsigned i = 1; i < MAX; i++) {
		char id[32];

		snprintf(id, sizeof(id), "sasl:light%u", i);
		assert_non_null(find(r.t, id));
	}
	assert_int_equal(series_evictions(r.t), 1);
	assert_int_equal(series_count(r.t), MAX + 1);
	/* SERIES_TOP_MIN_SCORE messages made it a series: the first 9 went to
	 * "_other", with light0's one message when it was evicted */
	assert_int_equal(heavy->values[V_MESSAGES], 100 - (unsigned)SERIES_TOP_MIN_SCORE + 1);
	assert_int_equal(other_messages(r.t), (unsigned)SERIES_TOP_MIN_SCORE - 1 + 1);
	assert_int_equal(series_candidates(r.t), 0);
	series_table_free(r.t);
}

static void test_evicted_series_values_move_to_other_whole(void **state)
{
	struct run r;
	const struct series *light0;
	uint64_t before;
	bool folded;

	(void)state;
	run_init(&r, MAX);
	fill_light(&r, 0);
	light0 = find(r.t, "sasl:light0");
	/* deliveries count in the series, not in its score */
	for (unsigned i = 0; i < 7; i++) {
		const char *labels[1] = { "sasl:light0" };

		series_get(r.t, labels, &folded)->values[V_SENT]++;
	}
	assert_int_equal(light0->values[V_SENT], 7);
	messages(&r, "sasl:spammer", (unsigned)SERIES_TOP_MIN_SCORE - 1, 0);
	before = other_messages(r.t);
	messages(&r, "sasl:spammer", 1, 0);	/* the promotion */
	assert_int_equal(series_evictions(r.t), 1);
	assert_int_equal(other_messages(r.t), before + 1);
	assert_int_equal(find(r.t, SERIES_OTHER)->values[V_SENT], 7);
	check(&r, MAX);
	series_table_free(r.t);
}

static void test_promoted_identity_comes_last_and_the_order_of_the_rest_holds(void **state)
{
	struct run r;
	struct sums sum = { 0 };

	(void)state;
	run_init(&r, MAX);
	fill_light(&r, 0);
	messages(&r, "sasl:spammer", 50, 0);
	series_foreach(r.t, sum_series, &sum);
	assert_int_equal(sum.n, MAX + 1);
	for (unsigned i = 1; i < MAX; i++) {
		char id[32];

		snprintf(id, sizeof(id), "sasl:light%u", i);
		assert_string_equal(sum.order[i - 1], id);
	}
	assert_string_equal(sum.order[MAX - 1], SERIES_OTHER);
	assert_string_equal(sum.order[MAX], "sasl:spammer");
	series_table_free(r.t);
}

static void test_candidate_below_min_score_is_not_promoted_over_idle_series(void **state)
{
	struct run r;

	(void)state;
	run_init(&r, MAX);
	fill_light(&r, 0);
	/* the lights are idle for a day: their scores are about 0, yet a few
	 * messages are not enough to take a series */
	messages(&r, "sasl:few", (unsigned)SERIES_TOP_MIN_SCORE - 1, 86400);
	assert_int_equal(series_evictions(r.t), 0);
	assert_null(find(r.t, "sasl:few"));
	messages(&r, "sasl:few", 1, 86400);
	assert_int_equal(series_evictions(r.t), 1);
	assert_non_null(find(r.t, "sasl:few"));
	check(&r, MAX);
	series_table_free(r.t);
}

/* ---- hysteresis and the candidate bound ---------------------------------------- */

/* MAX identities heavyN with 50 + N messages at now. */
static void fill_heavy(struct run *r, double now)
{
	for (unsigned i = 0; i < MAX; i++) {
		char id[32];

		snprintf(id, sizeof(id), "sasl:heavy%u", i);
		messages(r, id, 50 + i, now);
	}
	check(r, MAX);
}

static void test_flood_of_one_shot_identities_evicts_no_heavy_series(void **state)
{
	const unsigned flood = 20000;
	struct run r;
	bool folded;

	(void)state;
	run_init(&r, MAX);
	fill_heavy(&r, 0);
	for (unsigned i = 0; i < flood; i++) {
		nth_message(&r, "client:10.0.%u", i, (double)i / 100, &folded);
		assert_true(folded);
		assert_true(series_candidates(r.t) <= SERIES_TOP_MIN_CANDIDATES);
	}
	check(&r, MAX);
	assert_int_equal(series_evictions(r.t), 0);
	assert_int_equal(series_candidates(r.t), SERIES_TOP_MIN_CANDIDATES);
	assert_int_equal(series_candidate_replacements(r.t), flood - SERIES_TOP_MIN_CANDIDATES);
	assert_int_equal(other_messages(r.t), flood);
	for (unsigned i = 0; i < MAX; i++) {
		char id[32];

		snprintf(id, sizeof(id), "sasl:heavy%u", i);
		assert_non_null(find(r.t, id));
		assert_int_equal(find(r.t, id)->values[V_MESSAGES], 50 + i);
	}
	series_table_free(r.t);
}

static void test_candidate_not_twice_as_heavy_as_weakest_series_waits(void **state)
{
	struct run r;

	(void)state;
	run_init(&r, MAX);
	fill_heavy(&r, 0);	/* weakest: heavy0, 50 */
	messages(&r, "sasl:rival", 100, 0);
	assert_int_equal(series_evictions(r.t), 0);
	assert_null(find(r.t, "sasl:rival"));
	messages(&r, "sasl:rival", 1, 0);	/* 101 > 2 x 50 */
	assert_int_equal(series_evictions(r.t), 1);
	assert_non_null(find(r.t, "sasl:rival"));
	assert_null(find(r.t, "sasl:heavy0"));
	check(&r, MAX);
	series_table_free(r.t);
}

static void test_heavy_identity_among_a_flood_still_gets_a_series(void **state)
{
	struct run r;
	bool folded;

	(void)state;
	run_init(&r, MAX);
	fill_light(&r, 0);
	/* one spam message for every ten new one-shot identities: the
	 * one-shots replace each other in the candidate table, the spammer
	 * (more frequent than 1 in SERIES_TOP_MIN_CANDIDATES) stays */
	for (unsigned i = 0; i < 500 && !find(r.t, "sasl:spammer"); i++) {
		for (unsigned j = 0; j < 10; j++)
			nth_message(&r, "client:10.1.%u", 10 * i + j, i, &folded);
		message(&r, "sasl:spammer", i, &folded);
		check(&r, MAX);
	}
	assert_non_null(find(r.t, "sasl:spammer"));
	assert_int_equal(series_evictions(r.t), 1);
	assert_null(find(r.t, "sasl:light0"));
	assert_true(series_candidate_replacements(r.t) > 0);
	assert_true(series_candidates(r.t) <= SERIES_TOP_MIN_CANDIDATES);
	series_table_free(r.t);
}

static void test_candidate_table_is_a_quarter_of_a_large_max(void **state)
{
	struct run r;
	bool folded;

	(void)state;
	run_init(&r, 1000);
	for (unsigned i = 0; i < 1000; i++)
		nth_message(&r, "uid:%u", i, 0, &folded);
	for (unsigned i = 0; i < 600; i++)
		nth_message(&r, "client:%u", i, 0, &folded);
	assert_int_equal(series_candidates(r.t), 250);
	assert_int_equal(series_candidate_replacements(r.t), 350);
	check(&r, 1000);
	series_table_free(r.t);
}

/* ---- decay ------------------------------------------------------------------------ */

static void test_decay_lets_new_heavy_identity_evict_formerly_heavy_one(void **state)
{
	struct run r;
	double later = 10 * HALF_LIFE;	/* the heavies' 50 weigh 0.05 */

	(void)state;
	run_init(&r, MAX);
	fill_heavy(&r, 0);
	messages(&r, "sasl:early", 20, 0);	/* then, 20 is not twice 50 */
	assert_int_equal(series_evictions(r.t), 0);
	assert_null(find(r.t, "sasl:early"));
	messages(&r, "sasl:late", 20, later);
	check(&r, MAX);
	assert_int_equal(series_evictions(r.t), 1);
	assert_non_null(find(r.t, "sasl:late"));
	assert_null(find(r.t, "sasl:heavy0"));
	assert_non_null(find(r.t, "sasl:heavy1"));
	series_table_free(r.t);
}

static void test_recent_messages_keep_a_series_against_an_equal_burst(void **state)
{
	struct run r;

	(void)state;
	run_init(&r, MAX);
	fill_heavy(&r, 0);
	/* heavy0..8 keep sending; heavy9 falls silent */
	for (unsigned i = 0; i < MAX - 1; i++) {
		char id[32];

		snprintf(id, sizeof(id), "sasl:heavy%u", i);
		messages(&r, id, 50, 3 * HALF_LIFE);
	}
	messages(&r, "sasl:burst", 30, 3 * HALF_LIFE);	/* 30 > 2 x 59/8 */
	assert_int_equal(series_evictions(r.t), 1);
	assert_null(find(r.t, "sasl:heavy9"));
	assert_non_null(find(r.t, "sasl:burst"));
	check(&r, MAX);
	series_table_free(r.t);
}

static void test_scores_stay_finite_over_a_long_run_and_a_clock_jump(void **state)
{
	struct run r;
	double now = 0;
	bool folded;

	(void)state;
	run_init(&r, MAX);
	fill_heavy(&r, 0);
	/* 200 half-lives in steps, the heavies sending all along: t0 moves
	 * several times and the order of the scores holds */
	for (unsigned step = 1; step <= 200; step++) {
		now = step * HALF_LIFE;
		for (unsigned i = 0; i < MAX; i++)
			nth_message(&r, "sasl:heavy%u", i, now, &folded);
		messages(&r, "sasl:bystander", 1, now);
	}
	check(&r, MAX);
	assert_int_equal(series_evictions(r.t), 0);
	/* then a silence of 30 years: any new heavy identity takes a series,
	 * and stays ahead of a newcomer with one message */
	now += 1e9;
	messages(&r, "sasl:after", (unsigned)SERIES_TOP_MIN_SCORE, now);
	assert_non_null(find(r.t, "sasl:after"));
	messages(&r, "sasl:one", 1, now + 1);
	assert_non_null(find(r.t, "sasl:after"));
	assert_int_equal(series_evictions(r.t), 1);
	check(&r, MAX);
	series_table_free(r.t);
}

/* ---- the "_other" tuple and the table made by series_table_new ---------------------- */

static void test_identity_named_other_is_the_other_series(void **state)
{
	struct run r;
	struct series *s;
	bool folded = true;

	(void)state;
	run_init(&r, MAX);
	s = message(&r, SERIES_OTHER, 0, &folded);
	assert_false(folded);
	assert_string_equal(s->labels[0], SERIES_OTHER);
	for (unsigned i = 0; i < MAX; i++) {	/* "_other" takes none of the MAX */
		nth_message(&r, "uid:%u", i, 0, &folded);
		assert_false(folded);
	}
	assert_int_equal(series_count(r.t), MAX + 1);
	s = message(&r, SERIES_OTHER, 0, &folded);
	assert_false(folded);
	assert_int_equal(s->values[V_MESSAGES], 2);
	assert_int_equal(series_overflow(r.t), 0);
	assert_int_equal(series_candidates(r.t), 0);
	assert_int_equal(series_evictions(r.t), 0);
	check(&r, MAX);
	series_table_free(r.t);
}

static void test_scored_get_on_a_plain_table_is_series_get(void **state)
{
	struct series_table *t = series_table_new(1, names, 2, 0, 0);
	const char *a[1] = { "a" }, *b[1] = { "b" }, *c[1] = { "c" };
	struct series *s = NULL;
	bool folded;

	(void)state;
	series_get_scored(t, a, 1, 0, &folded);
	series_get_scored(t, b, 1, 0, &folded);
	for (unsigned i = 0; i < 100; i++)
		s = series_get_scored(t, c, 1, 0, &folded);
	assert_true(folded);
	assert_non_null(s);
	assert_string_equal(s->labels[0], SERIES_OTHER);
	assert_int_equal(series_evictions(t), 0);
	assert_int_equal(series_candidates(t), 0);
	series_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identities_get_their_own_series_up_to_max),
		cmocka_unit_test(test_identity_past_max_counts_in_other_and_becomes_candidate),
		cmocka_unit_test(test_delivery_lookup_of_identity_without_series_does_not_score_it),
		cmocka_unit_test(test_heavy_identity_after_table_full_evicts_the_weakest_series),
		cmocka_unit_test(test_evicted_series_values_move_to_other_whole),
		cmocka_unit_test(test_promoted_identity_comes_last_and_the_order_of_the_rest_holds),
		cmocka_unit_test(test_candidate_below_min_score_is_not_promoted_over_idle_series),
		cmocka_unit_test(test_flood_of_one_shot_identities_evicts_no_heavy_series),
		cmocka_unit_test(test_candidate_not_twice_as_heavy_as_weakest_series_waits),
		cmocka_unit_test(test_heavy_identity_among_a_flood_still_gets_a_series),
		cmocka_unit_test(test_candidate_table_is_a_quarter_of_a_large_max),
		cmocka_unit_test(test_decay_lets_new_heavy_identity_evict_formerly_heavy_one),
		cmocka_unit_test(test_recent_messages_keep_a_series_against_an_equal_burst),
		cmocka_unit_test(test_scores_stay_finite_over_a_long_run_and_a_clock_jump),
		cmocka_unit_test(test_identity_named_other_is_the_other_series),
		cmocka_unit_test(test_scored_get_on_a_plain_table_is_series_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
