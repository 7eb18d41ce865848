// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_hash.c - hash.h: every uthash table keyed by attacker text hashes
 * with the per-process seed, two processes draw two seeds, and two seeds
 * put the same keys in different buckets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hash.h"	/* includes uthash.h with the seeded HASH_FUNCTION */
#include "hash_free.h"

struct item {
	char key[32];
	UT_hash_handle hh;
};

#define NKEYS 64

/* The bucket of each of NKEYS keys "sasl:userN" in a table of them. */
static void bucket_order(unsigned *bucket)
{
	struct item *head = NULL, *it;

	for (int i = 0; i < NKEYS; i++) {
		it = calloc(1, sizeof(*it));
		assert_non_null(it);
		snprintf(it->key, sizeof(it->key), "sasl:user%d", i);
		HASH_ADD_STR(head, key, it);
	}
	for (int i = 0; i < NKEYS; i++) {
		char key[32];

		snprintf(key, sizeof(key), "sasl:user%d", i);
		HASH_FIND_STR(head, key, it);
		assert_non_null(it);
		bucket[i] = it->hh.hashv & (head->hh.tbl->num_buckets - 1);
	}
	HASH_FREE_ALL(head, free);
}

static void test_uthash_tables_use_the_seeded_hash(void **state)
{
	struct item *head = NULL, it = { .key = "sasl:victim@example.org" };
	size_t n = strlen(it.key);

	(void)state;
	HASH_ADD_STR(head, key, &it);
	assert_int_equal(it.hh.hashv, hash_bytes(hash_seed(), it.key, n));
	HASH_CLEAR(hh, head);
}

static void test_another_seed_gives_another_bucket_order(void **state)
{
	unsigned a[NKEYS], b[NKEYS], again[NKEYS];
	uint64_t saved = hash_seed();

	(void)state;
	hash_seed_set(0x1234567890abcdefULL);
	bucket_order(a);
	bucket_order(again);
	hash_seed_set(0xfedcba0987654321ULL);
	bucket_order(b);
	hash_seed_set(saved);
	assert_memory_equal(a, again, sizeof(a));	/* one seed: one order */
	assert_memory_not_equal(a, b, sizeof(a));
}

/* The seed each of two processes draws for itself. */
static uint64_t seed_of_a_child(void)
{
	uint64_t seed = 0;
	int fd[2], status;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hash_seed_set(0);
		seed = hash_seed();
		_exit(write(fd[1], &seed, sizeof(seed)) == sizeof(seed) ? 0 : 1);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], &seed, sizeof(seed)), sizeof(seed));
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return seed;
}

static void test_two_processes_draw_two_seeds(void **state)
{
	uint64_t a = seed_of_a_child(), b = seed_of_a_child();

	(void)state;
	assert_true(a != 0 && b != 0);
	assert_true(a != b);
}

static void test_hash_text_is_never_zero_and_follows_the_seed(void **state)
{
	uint64_t saved = hash_seed();
	uint32_t x, y;

	(void)state;
	hash_seed_set(1);
	x = hash_text("example.org");
	hash_seed_set(2);
	y = hash_text("example.org");
	hash_seed_set(saved);
	assert_true(x && y);
	assert_true(x != y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uthash_tables_use_the_seeded_hash),
		cmocka_unit_test(test_another_seed_gives_another_bucket_order),
		cmocka_unit_test(test_two_processes_draw_two_seeds),
		cmocka_unit_test(test_hash_text_is_never_zero_and_follows_the_seed),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
