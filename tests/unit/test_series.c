// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_series.c - the bounded series table: exact series up to max, then a
 * first-level fold (fold label "_other") into a reserve of max/8 (at least
 * 16), then the last-level fold keeping only keep_mask labels.
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

/* The flow layout: fold comm first, keep port at the last level. */
enum { L_CGROUP, L_COMM, L_UID, L_PORT, NL };
static const char *const names[NL] = { "cgroup", "comm", "uid", "port" };

static struct series_table *new_table(unsigned max)
{
	return series_table_new(NL, names, max, L_COMM, 1U << L_PORT);
}

/* Get the series of (cgroup, comm, uid, port). */
static struct series *get(struct series_table *t, const char *cg, const char *comm,
			  const char *uid, const char *port, bool *folded)
{
	const char *labels[NL] = { cg, comm, uid, port };

	return series_get(t, labels, folded);
}

/* Get the series of a tuple numbered n: distinct n give distinct tuples
 * that differ in every foldable label, so their first-level folds differ too. */
static struct series *get_nth(struct series_table *t, unsigned n, bool *folded)
{
	char cg[32], comm[32], uid[16];

	snprintf(cg, sizeof(cg), "/cg/%u", n);
	snprintf(comm, sizeof(comm), "comm%u", n);
	snprintf(uid, sizeof(uid), "%u", 1000 + n);
	return get(t, cg, comm, uid, "25", folded);
}

static void fill_exact(struct series_table *t, unsigned max)
{
	bool folded;

	for (unsigned i = 0; i < max; i++) {
		get_nth(t, i, &folded);
		assert_false(folded);
	}
	assert_int_equal(series_count(t), max);
}

static void assert_labels(const struct series *s, const char *cg, const char *comm,
			  const char *uid, const char *port)
{
	assert_string_equal(s->labels[L_CGROUP], cg);
	assert_string_equal(s->labels[L_COMM], comm);
	assert_string_equal(s->labels[L_UID], uid);
	assert_string_equal(s->labels[L_PORT], port);
}

/* ---- exact series ------------------------------------------------------- */

static void test_get_creates_exact_series_up_to_max(void **state)
{
	struct series_table *t = new_table(10);
	struct series *seen[10];
	bool folded = true;

	(void)state;
	for (unsigned i = 0; i < 10; i++) {
		char cg[32], comm[32], uid[16];

		seen[i] = get_nth(t, i, &folded);
		assert_false(folded);
		snprintf(cg, sizeof(cg), "/cg/%u", i);
		snprintf(comm, sizeof(comm), "comm%u", i);
		snprintf(uid, sizeof(uid), "%u", 1000 + i);
		assert_labels(seen[i], cg, comm, uid, "25");
		for (unsigned j = 0; j < i; j++)
			assert_ptr_not_equal(seen[i], seen[j]);
	}
	assert_int_equal(series_count(t), 10);
	assert_int_equal(series_overflow(t), 0);
	series_table_free(t);
}

static void test_get_of_same_tuple_returns_same_series(void **state)
{
	struct series_table *t = new_table(10);
	struct series *a, *b;
	bool folded;

	(void)state;
	a = get(t, "/cg", "postfix", "0", "25", &folded);
	a->values[0] = 7;
	b = get(t, "/cg", "postfix", "0", "25", &folded);
	assert_false(folded);
	assert_ptr_equal(a, b);
	assert_int_equal(b->values[0], 7);
	assert_int_equal(series_count(t), 1);
	series_table_free(t);
}

static void test_tuples_differing_in_one_label_are_distinct_series(void **state)
{
	struct series_table *t = new_table(10);
	struct series *a, *b;
	bool folded;

	(void)state;
	a = get(t, "/cg", "postfix", "0", "25", &folded);
	b = get(t, "/cg", "postfix", "0", "587", &folded);
	assert_ptr_not_equal(a, b);
	assert_int_equal(series_count(t), 2);
	series_table_free(t);
}

static void test_new_series_starts_with_zero_values(void **state)
{
	struct series_table *t = new_table(10);
	struct series *s;
	bool folded;

	(void)state;
	s = get(t, "/cg", "postfix", "0", "25", &folded);
	for (unsigned v = 0; v < SERIES_MAX_VALUES; v++)
		assert_int_equal(s->values[v], 0);
	series_table_free(t);
}

static void test_label_values_are_copied_so_caller_buffers_can_be_reused(void **state)
{
	struct series_table *t = new_table(10);
	char cg[32], comm[32], uid[16], port[8];
	const char *labels[NL] = { cg, comm, uid, port };
	struct series *s, *s2;
	bool folded;

	(void)state;
	strcpy(cg, "/system.slice/a");
	strcpy(comm, "sendmail");
	strcpy(uid, "1000");
	strcpy(port, "25");
	s = series_get(t, labels, &folded);
	/* the caller reuses its buffers for the next key */
	strcpy(cg, "/system.slice/b");
	strcpy(comm, "curl");
	strcpy(uid, "0");
	strcpy(port, "587");
	assert_labels(s, "/system.slice/a", "sendmail", "1000", "25");
	s2 = series_get(t, labels, &folded);
	assert_ptr_not_equal(s, s2);
	assert_labels(s2, "/system.slice/b", "curl", "0", "587");
	assert_labels(s, "/system.slice/a", "sendmail", "1000", "25");
	series_table_free(t);
}

static void test_table_reports_its_label_names(void **state)
{
	struct series_table *t = new_table(10);

	(void)state;
	assert_int_equal(series_nlabels(t), NL);
	for (unsigned i = 0; i < NL; i++)
		assert_string_equal(series_label_name(t, i), names[i]);
	series_table_free(t);
}

/* ---- first-level fold --------------------------------------------------- */

static void test_tuple_beyond_max_folds_fold_label_to_other(void **state)
{
	struct series_table *t = new_table(10);
	struct series *s;
	bool folded = false;

	(void)state;
	fill_exact(t, 10);
	s = get(t, "/cg/new", "newcomm", "4242", "587", &folded);
	assert_true(folded);
	assert_labels(s, "/cg/new", SERIES_OTHER, "4242", "587");
	assert_int_equal(series_overflow(t), 1);
	assert_int_equal(series_count(t), 11);
	series_table_free(t);
}

static void test_tuples_folding_to_same_other_tuple_share_one_series(void **state)
{
	struct series_table *t = new_table(10);
	struct series *a, *b;
	bool folded_a, folded_b;

	(void)state;
	fill_exact(t, 10);
	a = get(t, "/cg/new", "curl", "4242", "25", &folded_a);
	b = get(t, "/cg/new", "python3", "4242", "25", &folded_b);
	assert_true(folded_a);
	assert_true(folded_b);
	assert_ptr_equal(a, b);
	assert_int_equal(series_count(t), 11);
	series_table_free(t);
}

static void test_every_folded_get_counts_in_overflow(void **state)
{
	struct series_table *t = new_table(10);
	bool folded;

	(void)state;
	fill_exact(t, 10);
	get(t, "/cg/new", "curl", "4242", "25", &folded);
	get(t, "/cg/new", "python3", "4242", "25", &folded);
	get(t, "/cg/other", "nc", "1", "25", &folded);
	assert_int_equal(series_overflow(t), 3);
	series_table_free(t);
}

static void test_exact_series_still_returned_exactly_after_table_full(void **state)
{
	struct series_table *t = new_table(10);
	struct series *first, *again;
	bool folded;

	(void)state;
	first = get_nth(t, 0, &folded);
	fill_exact(t, 10);	/* tuple 0 again, then 1..9 */
	get_nth(t, 100, &folded);
	assert_true(folded);
	again = get_nth(t, 0, &folded);
	assert_false(folded);
	assert_ptr_equal(again, first);
	assert_labels(again, "/cg/0", "comm0", "1000", "25");
	assert_int_equal(series_overflow(t), 1);
	series_table_free(t);
}

/* ---- last-level fold ---------------------------------------------------- */

static void test_reserve_of_small_table_is_16_first_level_folds(void **state)
{
	struct series_table *t = new_table(10);	/* 10 / 8 < 16 */
	struct series *s;
	bool folded;

	(void)state;
	fill_exact(t, 10);
	for (unsigned i = 0; i < 16; i++) {
		char cg[32];

		s = get_nth(t, 100 + i, &folded);
		assert_true(folded);
		snprintf(cg, sizeof(cg), "/cg/%u", 100 + i);
		assert_string_equal(s->labels[L_CGROUP], cg);
		assert_string_equal(s->labels[L_COMM], SERIES_OTHER);
	}
	assert_int_equal(series_count(t), 26);
	s = get_nth(t, 200, &folded);
	assert_true(folded);
	assert_labels(s, SERIES_OTHER, SERIES_OTHER, SERIES_OTHER, "25");
	series_table_free(t);
}

static void test_reserve_of_large_table_is_max_over_8(void **state)
{
	struct series_table *t = new_table(256);	/* 256 / 8 = 32 */
	struct series *s;
	bool folded;

	(void)state;
	fill_exact(t, 256);
	for (unsigned i = 0; i < 32; i++) {
		s = get_nth(t, 1000 + i, &folded);
		assert_true(folded);
		assert_string_not_equal(s->labels[L_CGROUP], SERIES_OTHER);
		assert_string_equal(s->labels[L_COMM], SERIES_OTHER);
	}
	s = get_nth(t, 2000, &folded);
	assert_true(folded);
	assert_labels(s, SERIES_OTHER, SERIES_OTHER, SERIES_OTHER, "25");
	series_table_free(t);
}

static void test_last_level_fold_keeps_kept_labels_distinct(void **state)
{
	struct series_table *t = new_table(10);
	struct series *s25, *s587, *again;
	bool folded;

	(void)state;
	fill_exact(t, 10);
	for (unsigned i = 0; i < 16; i++)
		get_nth(t, 100 + i, &folded);
	s25 = get(t, "/cg/x", "x", "1", "25", &folded);
	s587 = get(t, "/cg/y", "y", "2", "587", &folded);
	again = get(t, "/cg/z", "z", "3", "25", &folded);
	assert_true(folded);
	assert_labels(s25, SERIES_OTHER, SERIES_OTHER, SERIES_OTHER, "25");
	assert_labels(s587, SERIES_OTHER, SERIES_OTHER, SERIES_OTHER, "587");
	assert_ptr_equal(again, s25);
	assert_int_equal(series_count(t), 28);	/* past max + reserve */
	assert_int_equal(series_overflow(t), 16 + 3);
	series_table_free(t);
}

static void test_existing_first_level_fold_still_used_after_reserve_full(void **state)
{
	struct series_table *t = new_table(10);
	struct series *first, *again;
	bool folded;

	(void)state;
	fill_exact(t, 10);
	first = get(t, "/cg/100", "a", "7", "25", &folded);
	for (unsigned i = 1; i < 16; i++)
		get_nth(t, 100 + i, &folded);
	again = get(t, "/cg/100", "b", "7", "25", &folded);
	assert_true(folded);
	assert_ptr_equal(again, first);
	assert_labels(again, "/cg/100", SERIES_OTHER, "7", "25");
	series_table_free(t);
}

/* ---- iteration ---------------------------------------------------------- */

struct visit {
	const struct series *seen[16];
	unsigned n;
};

static void collect(const struct series *s, void *arg)
{
	struct visit *v = arg;

	assert_true(v->n < 16);
	v->seen[v->n++] = s;
}

static void test_foreach_visits_series_in_creation_order(void **state)
{
	static const char *const comms[] = { "zeta", "alpha", "mid", "beta", "omega" };
	struct series_table *t = new_table(10);
	struct series *made[5];
	struct visit v = { .n = 0 };
	bool folded;

	(void)state;
	for (unsigned i = 0; i < 5; i++)
		made[i] = get(t, "/cg", comms[i], "0", "25", &folded);
	get(t, "/cg", "alpha", "0", "25", &folded);	/* a lookup creates nothing */
	series_foreach(t, collect, &v);
	assert_int_equal(v.n, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_ptr_equal(v.seen[i], made[i]);
	series_table_free(t);
}

static void test_foreach_visits_folded_series_after_exact_ones(void **state)
{
	struct series_table *t = new_table(10);
	struct visit v = { .n = 0 };
	struct series *other;
	bool folded;

	(void)state;
	fill_exact(t, 10);
	other = get_nth(t, 100, &folded);
	series_foreach(t, collect, &v);
	assert_int_equal(v.n, 11);
	assert_ptr_equal(v.seen[10], other);
	assert_string_equal(v.seen[0]->labels[L_COMM], "comm0");
	assert_string_equal(v.seen[9]->labels[L_COMM], "comm9");
	series_table_free(t);
}

static void test_foreach_on_empty_table_visits_nothing(void **state)
{
	struct series_table *t = new_table(10);
	struct visit v = { .n = 0 };

	(void)state;
	series_foreach(t, collect, &v);
	assert_int_equal(v.n, 0);
	assert_int_equal(series_count(t), 0);
	series_table_free(t);
}

static void test_labels_that_print_alike_share_one_series(void **state)
{
	struct series_table *t = new_table(10);
	struct series *a, *b, *c;
	bool folded;

	(void)state;
	/* invalid bytes render as U+FFFD: these three would be duplicates */
	a = get(t, "/", "x\xff", "0", "25", &folded);
	b = get(t, "/", "x\xfe", "0", "25", &folded);
	c = get(t, "/", "x\xef\xbf\xbd", "0", "25", &folded);
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, c);
	assert_int_equal(series_count(t), 1);
	assert_string_equal(a->labels[L_COMM], "x\xef\xbf\xbd");
	series_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_creates_exact_series_up_to_max),
		cmocka_unit_test(test_get_of_same_tuple_returns_same_series),
		cmocka_unit_test(test_tuples_differing_in_one_label_are_distinct_series),
		cmocka_unit_test(test_new_series_starts_with_zero_values),
		cmocka_unit_test(test_label_values_are_copied_so_caller_buffers_can_be_reused),
		cmocka_unit_test(test_table_reports_its_label_names),
		cmocka_unit_test(test_tuple_beyond_max_folds_fold_label_to_other),
		cmocka_unit_test(test_tuples_folding_to_same_other_tuple_share_one_series),
		cmocka_unit_test(test_every_folded_get_counts_in_overflow),
		cmocka_unit_test(test_exact_series_still_returned_exactly_after_table_full),
		cmocka_unit_test(test_reserve_of_small_table_is_16_first_level_folds),
		cmocka_unit_test(test_reserve_of_large_table_is_max_over_8),
		cmocka_unit_test(test_last_level_fold_keeps_kept_labels_distinct),
		cmocka_unit_test(test_existing_first_level_fold_still_used_after_reserve_full),
		cmocka_unit_test(test_foreach_visits_series_in_creation_order),
		cmocka_unit_test(test_foreach_visits_folded_series_after_exact_ones),
		cmocka_unit_test(test_foreach_on_empty_table_visits_nothing),
		cmocka_unit_test(test_labels_that_print_alike_share_one_series),
	};

	return cmocka_run_group_tests_name("series", tests, NULL, NULL);
}
