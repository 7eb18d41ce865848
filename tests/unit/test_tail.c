// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_tail.c - following a log file: partial lines, rename rotation with a
 * late writer, copytruncate, a file that appears later, over-long lines,
 * and restarts that neither lose nor repeat a line.
 *
 * Each test writes real files in a fresh directory under /tmp and drives
 * tail_poll() by hand; one test checks that inotify wakes us up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maillog/tail.h"
#include "testutil.h"

static char dir[64];
static char path[128];

/* Every line delivered, joined with '\n' (a NUL inside a line becomes '0'). */
static char got[1 << 20];
static size_t got_len;
static unsigned got_lines;

static void collect(const char *line, size_t len, void *arg)
{
	(void)arg;
	assert_true(got_len + len + 1 < sizeof(got));
	for (size_t i = 0; i < len; i++)
		got[got_len++] = line[i] ? line[i] : '0';
	got[got_len++] = '\n';
	got[got_len] = '\0';
	got_lines++;
}

static int setup(void **state)
{
	(void)state;
	scratch_dir(dir, sizeof(dir), "tail");
	snprintf(path, sizeof(path), "%s/mail.log", dir);
	got_len = 0;
	got_lines = 0;
	got[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(dir);
	return 0;
}

/* Append text to a file (created if needed) through a fresh descriptor. */
static void append(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_reads_existing_lines_from_the_beginning(void **state)
{
	struct tail *t;

	(void)state;
	append(path, "one\ntwo\n");
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	assert_non_null(t);
	tail_poll(t);
	assert_string_equal(got, "one\ntwo\n");
	assert_int_equal(tail_get_stats(t)->lines, 2);
	tail_close(t);
}

static void test_start_end_skips_what_is_there_and_reads_what_comes(void **state)
{
	struct tail *t;

	(void)state;
	append(path, "old\nhalf a li");
	t = tail_open(path, TAIL_START_END, NULL, collect, NULL);
	tail_poll(t);
	assert_int_equal(got_lines, 0);
	append(path, "ne\nnew\n");
	tail_poll(t);
	/* the rest of the line cut at start-up is not a line of its own */
	assert_string_equal(got, "new\n");
	tail_close(t);
}

static void test_partial_line_waits_for_its_newline(void **state)
{
	struct tail *t;

	(void)state;
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	append(path, "Nov 27 02:05:13 mx postfix/smtpd[1]: conn");
	tail_poll(t);
	assert_int_equal(got_lines, 0);
	append(path, "ect from a[192.0.2.1]\n");
	tail_poll(t);
	assert_string_equal(got, "Nov 27 02:05:13 mx postfix/smtpd[1]: connect from a[192.0.2.1]\n");
	tail_close(t);
}

static void test_file_created_later_is_read_from_its_start(void **state)
{
	struct tail *t;

	(void)state;
	t = tail_open(path, TAIL_START_END, NULL, collect, NULL);
	assert_non_null(t);
	tail_poll(t);
	append(path, "first\n");
	tail_poll(t);
	assert_string_equal(got, "first\n");
	tail_close(t);
}

static void test_rename_rotation_with_a_late_writer_loses_nothing(void **state)
{
	char rotated[160];
	struct tail *t;
	int writer;

	(void)state;
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	writer = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_int_equal(write(writer, "a\nb\n", 4), 4);
	tail_poll(t);
	/* logrotate renames and creates; the syslog daemon has not reopened yet */
	assert_int_equal(rename(path, rotated), 0);
	append(path, "");
	assert_int_equal(write(writer, "c\nd-par", 7), 7);
	tail_poll(t);
	assert_int_equal(write(writer, "t\n", 2), 2);
	close(writer);		/* now it reopens */
	append(path, "e\n");
	tail_poll(t);
	assert_string_equal(got, "a\nb\nc\nd-part\ne\n");
	assert_int_equal(tail_get_stats(t)->rotations, 1);
	tail_close(t);
}

static void test_copytruncate_starts_again_at_zero(void **state)
{
	struct tail *t;

	(void)state;
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	append(path, "before-1\nbefore-2\n");
	tail_poll(t);
	assert_int_equal(truncate(path, 0), 0);
	append(path, "after\n");
	tail_poll(t);
	assert_string_equal(got, "before-1\nbefore-2\nafter\n");
	assert_int_equal(tail_get_stats(t)->truncations, 1);
	tail_close(t);
}

static void test_overlong_line_is_skipped_and_counted(void **state)
{
	static char big[TAIL_MAX_LINE + 100];
	struct tail *t;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	append(path, "short\n");
	append(path, big);
	tail_poll(t);
	append(path, "\nnext\n");
	tail_poll(t);
	assert_string_equal(got, "short\nnext\n");
	assert_int_equal(tail_get_stats(t)->long_lines, 1);
	tail_close(t);
}

static void test_nul_bytes_stay_inside_their_line(void **state)
{
	struct tail *t;
	int fd;

	(void)state;
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "a\0b\nc\n", 6), 6);
	close(fd);
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	tail_poll(t);
	assert_string_equal(got, "a0b\nc\n");
	tail_close(t);
}

static void test_restart_resumes_after_the_last_line(void **state)
{
	struct tail_state st;
	struct tail *t;

	(void)state;
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	append(path, "1\n2\n3-partial");
	tail_poll(t);
	tail_get_state(t, &st);
	tail_close(t);
	assert_int_equal(st.cur.offset, 4);	/* after "2\n": the partial is re-read */
	append(path, "\n4\n");
	/* even start=end resumes from the state, not from the end */
	t = tail_open(path, TAIL_START_END, &st, collect, NULL);
	tail_poll(t);
	assert_string_equal(got, "1\n2\n3-partial\n4\n");
	tail_close(t);
}

static void test_restart_after_rotation_while_stopped_reads_old_rest_then_new(void **state)
{
	char rotated[160];
	struct tail_state st;
	struct tail *t;

	(void)state;
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	append(path, "a\n");
	tail_poll(t);
	tail_get_state(t, &st);
	tail_close(t);
	/* while we are stopped: more lines, rotation, lines in the new file */
	append(path, "b\n");
	assert_int_equal(rename(path, rotated), 0);
	append(path, "c\n");
	t = tail_open(path, TAIL_START_END, &st, collect, NULL);
	tail_poll(t);
	assert_string_equal(got, "a\nb\nc\n");
	tail_close(t);
}

static void test_restart_while_a_rotated_file_drains_repeats_nothing(void **state)
{
	char rotated[160];
	struct tail_state st;
	struct tail *t;
	int writer;

	(void)state;
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	writer = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_int_equal(write(writer, "a\n", 2), 2);
	tail_poll(t);
	assert_int_equal(rename(path, rotated), 0);
	append(path, "new-1\n");
	tail_poll(t);		/* old drains (grace), new read */
	tail_get_state(t, &st);
	assert_true(st.old.ino != 0);
	tail_close(t);
	/* the late writer adds to the old file while we are stopped */
	assert_int_equal(write(writer, "b\n", 2), 2);
	close(writer);
	append(path, "new-2\n");
	t = tail_open(path, TAIL_START_END, &st, collect, NULL);
	tail_poll(t);
	assert_string_equal(got, "a\nnew-1\nb\nnew-2\n");
	tail_close(t);
}

static void test_inotify_wakes_up_on_append(void **state)
{
	struct pollfd pfd;
	struct tail *t;

	(void)state;
	append(path, "");
	t = tail_open(path, TAIL_START_BEGINNING, NULL, collect, NULL);
	pfd.fd = tail_fd(t);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	append(path, "wake\n");
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	tail_poll(t);
	assert_string_equal(got, "wake\n");
	assert_int_equal(poll(&pfd, 1, 0), 0);	/* events consumed */
	tail_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_reads_existing_lines_from_the_beginning),
		T(test_start_end_skips_what_is_there_and_reads_what_comes),
		T(test_partial_line_waits_for_its_newline),
		T(test_file_created_later_is_read_from_its_start),
		T(test_rename_rotation_with_a_late_writer_loses_nothing),
		T(test_copytruncate_starts_again_at_zero),
		T(test_overlong_line_is_skipped_and_counted),
		T(test_nul_bytes_stay_inside_their_line),
		T(test_restart_resumes_after_the_last_line),
		T(test_restart_after_rotation_while_stopped_reads_old_rest_then_new),
		T(test_restart_while_a_rotated_file_drains_repeats_nothing),
		T(test_inotify_wakes_up_on_append),
#undef T
	};

	return cmocka_run_group_tests_name("tail", tests, NULL, NULL);
}
