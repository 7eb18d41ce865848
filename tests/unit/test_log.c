// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_log.c - under systemd a warning reaches the journal as a warning:
 * each line carries sd-daemon's "<N>" priority when stderr is the journal
 * stream (JOURNAL_STREAM names its device and inode) or when forced, and
 * never otherwise.  stderr is pointed at a temporary file for each test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct capture {
	char path[64];
	int saved;
	char text[4096];
};

/* stderr goes to a fresh file; JOURNAL_STREAM names it if journal is set. */
static void capture_start(struct capture *c, bool journal)
{
	struct stat st;
	char env[64];
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/test_log.XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	if (journal) {
		snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
		setenv("JOURNAL_STREAM", env, 1);
	} else {
		/* another file's stream, as a child of a journald service has */
		snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
			 (uintmax_t)st.st_ino + 1);
		setenv("JOURNAL_STREAM", env, 1);
	}
	log_init("/usr/sbin/sentineld", LOG_LEVEL_DEBUG);
}

static const char *capture_end(struct capture *c)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	f = fopen(c->path, "r");
	assert_non_null(f);
	n = fread(c->text, 1, sizeof(c->text) - 1, f);
	c->text[n] = '\0';
	fclose(f);
	unlink(c->path);
	unsetenv("JOURNAL_STREAM");
	return c->text;
}

static void test_on_the_journal_stream_each_line_carries_its_priority(void **state)
{
	struct capture c = { .saved = -1 };

	(void)state;
	capture_start(&c, true);
	assert_true(log_stderr_is_journal());
	log_warnx("maillog %s does not exist", "/var/log/mail.log");
	log_errx("cannot attach");
	log_info("ready");
	log_debug("tick");
	assert_string_equal(capture_end(&c),
			    "<4>warning: maillog /var/log/mail.log does not exist\n"
			    "<3>error: cannot attach\n"
			    "<6>ready\n"
			    "<7>debug: tick\n");
}

static void test_another_stream_or_none_gets_plain_lines(void **state)
{
	struct capture c = { .saved = -1 };

	(void)state;
	capture_start(&c, false);
	assert_false(log_stderr_is_journal());
	log_warnx("plain");
	assert_string_equal(capture_end(&c), "sentineld: warning: plain\n");

	capture_start(&c, false);
	unsetenv("JOURNAL_STREAM");
	log_init("sentineld", LOG_LEVEL_INFO);
	assert_false(log_stderr_is_journal());
	log_info("plain");
	assert_string_equal(capture_end(&c), "sentineld: plain\n");
}

static void test_a_malformed_journal_stream_is_not_the_journal(void **state)
{
	struct capture c = { .saved = -1 };

	(void)state;
	capture_start(&c, true);
	setenv("JOURNAL_STREAM", "12:34x", 1);
	assert_false(log_stderr_is_journal());
	setenv("JOURNAL_STREAM", "", 1);
	assert_false(log_stderr_is_journal());
	capture_end(&c);
}

static void test_the_prefix_can_be_forced_on_and_off(void **state)
{
	struct capture c = { .saved = -1 };

	(void)state;
	capture_start(&c, false);
	log_set_prefix(true);
	log_warnx("forced");
	log_set_prefix(false);
	log_warnx("not");
	assert_string_equal(capture_end(&c),
			    "<4>sentineld: warning: forced\nsentineld: warning: not\n");
}

/* A line without its own prefix would reach the journal at the default priority. */
static void test_each_line_of_a_message_carries_the_priority(void **state)
{
	struct capture c = { .saved = -1 };

	(void)state;
	capture_start(&c, true);
	log_warnx("login %s refused", "bob\n<3>forged");
	errno = ENOENT;
	log_warn("two\nlines");
	assert_string_equal(capture_end(&c),
			    "<4>warning: login bob\n<4>warning: <3>forged refused\n"
			    "<4>warning: two\n<4>warning: lines: No such file or directory\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_the_journal_stream_each_line_carries_its_priority),
		cmocka_unit_test(test_another_stream_or_none_gets_plain_lines),
		cmocka_unit_test(test_a_malformed_journal_stream_is_not_the_journal),
		cmocka_unit_test(test_the_prefix_can_be_forced_on_and_off),
		cmocka_unit_test(test_each_line_of_a_message_carries_the_priority),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
