// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_state.c - state files are replaced whole and read back exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "state.h"
#include "testutil.h"

static char base[64];
static char dir[96];

static int setup(void **state)
{
	(void)state;
	scratch_dir(base, sizeof(base), "state");
	snprintf(dir, sizeof(dir), "%s/state", base);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(base);
	return 0;
}

static unsigned entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(dp);
	return n;
}

static void test_init_creates_the_directory_0750(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(state_init(dir), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(state_init(dir), 0);	/* again: fine */
}

static void test_written_file_reads_back_exactly(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(state_init(dir), 0);
	assert_int_equal(state_write(dir, "x", "a\0b", 3), 0);
	assert_int_equal(state_read(dir, "x", buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "a\0b", 3);
}

static void test_rewrite_replaces_whole_and_leaves_no_temporary(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(state_init(dir), 0);
	assert_int_equal(state_write(dir, "x", "long content\n", 13), 0);
	assert_int_equal(state_write(dir, "x", "short\n", 6), 0);
	assert_int_equal(state_read(dir, "x", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "short\n");
	assert_int_equal(entries(dir), 1);
}

static void test_missing_file_is_enoent(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(state_init(dir), 0);
	assert_int_equal(state_read(dir, "never", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_file_larger_than_the_buffer_is_efbig(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(state_init(dir), 0);
	assert_int_equal(state_write(dir, "x", "12345", 5), 0);
	assert_int_equal(state_read(dir, "x", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(state_write(dir, "x", "123", 3), 0);
	assert_int_equal(state_read(dir, "x", buf, sizeof(buf)), 3);	/* exactly fits */
}

static void test_write_into_missing_directory_fails_cleanly(void **state)
{
	(void)state;
	assert_int_equal(state_write(dir, "x", "a", 1), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_streamed_pieces_replace_the_file_whole(void **state)
{
	struct state_writer *w;
	char buf[64];

	(void)state;
	assert_int_equal(state_init(dir), 0);
	assert_int_equal(state_write(dir, "x", "old content\n", 12), 0);
	w = state_writer_open(dir, "x");
	assert_non_null(w);
	state_writer_put(w, "new ", 4);
	assert_int_equal(state_read(dir, "x", buf, sizeof(buf)), 12);	/* not yet */
	state_writer_put(w, "content", 7);
	state_writer_put(w, "", 0);
	assert_int_equal(state_writer_commit(w), 0);
	assert_int_equal(state_read(dir, "x", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "new content");
	assert_int_equal(entries(dir), 1);
}

static void test_aborted_stream_keeps_the_old_file_and_no_temporary(void **state)
{
	struct state_writer *w;
	char buf[64];

	(void)state;
	assert_int_equal(state_init(dir), 0);
	assert_int_equal(state_write(dir, "x", "old", 3), 0);
	w = state_writer_open(dir, "x");
	assert_non_null(w);
	state_writer_put(w, "half of it", 10);
	state_writer_abort(w);
	assert_int_equal(state_read(dir, "x", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "old");
	assert_int_equal(entries(dir), 1);
	state_writer_abort(NULL);
}

static void test_stream_into_missing_directory_fails_cleanly(void **state)
{
	(void)state;
	assert_null(state_writer_open(dir, "x"));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_init_creates_the_directory_0750),
		T(test_written_file_reads_back_exactly),
		T(test_rewrite_replaces_whole_and_leaves_no_temporary),
		T(test_missing_file_is_enoent),
		T(test_file_larger_than_the_buffer_is_efbig),
		T(test_write_into_missing_directory_fails_cleanly),
		T(test_streamed_pieces_replace_the_file_whole),
		T(test_aborted_stream_keeps_the_old_file_and_no_temporary),
		T(test_stream_into_missing_directory_fails_cleanly),
#undef T
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
