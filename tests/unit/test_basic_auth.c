// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_basic_auth.c - the password file of /metrics (basic_auth.h) and the
 * files of [metrics] as httpd_check() reads them: good passwords pass,
 * wrong ones and unknown users do not, a verified password is remembered
 * (it no longer costs a bcrypt check), checks beyond the budget are
 * refused as busy, every malformed line is refused with NAME:LINE, and a
 * key others may read, a file others may write or a missing file are
 * refused at start.  The hashes are real `htpasswd -nbB -C 5` output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic_auth.h"
#include "config.h"
#include "httpd.h"
#include "testutil.h"

#define NAME "metrics.passwd"
/* htpasswd -nbB -C 5 prometheus 's3cret pass'; alice 'wonderland' */
#define PROM "prometheus:$2y$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y"
#define ALICE "alice:$2y$05$5DeD1xmN661EBAvoM39ZbuVoEbha8HcagfH3EU/OlH92ca3AX86ye"

static char err[CONFIG_ERR_LEN];

static struct basic_auth *parse(const char *text)
{
	memset(err, 0, sizeof(err));
	return basic_auth_parse(NAME, text, err, sizeof(err));
}

static void assert_refused(const char *text, const char *want)
{
	struct basic_auth *a = parse(text);

	if (a || strcmp(err, want) != 0) {
		print_error("text \"%s\": want \"%s\", got \"%s\"\n", text, want,
			    a ? "accepted" : err);
		basic_auth_free(a);
		fail();
	}
}

/* ---- the password file -------------------------------------------------- */

static void test_two_users_with_comments_blanks_and_crlf_are_read(void **state)
{
	struct basic_auth *a = parse("# made by htpasswd -B\n\n" PROM "\r\n" ALICE);

	(void)state;
	assert_non_null(a);
	assert_int_equal(basic_auth_users(a), 2);
	assert_int_equal(basic_auth_check(a, "prometheus", "s3cret pass"), BASIC_AUTH_OK);
	assert_int_equal(basic_auth_check(a, "alice", "wonderland"), BASIC_AUTH_OK);
	basic_auth_free(a);
}

static void test_wrong_password_is_denied(void **state)
{
	struct basic_auth *a = parse(PROM "\n" ALICE "\n");

	(void)state;
	assert_int_equal(basic_auth_check(a, "prometheus", "s3cret pas"), BASIC_AUTH_DENIED);
	assert_int_equal(basic_auth_check(a, "prometheus", ""), BASIC_AUTH_DENIED);
	/* another user's password is not this user's */
	assert_int_equal(basic_auth_check(a, "prometheus", "wonderland"), BASIC_AUTH_DENIED);
	basic_auth_free(a);
}

static void test_unknown_user_is_denied_even_with_a_known_password(void **state)
{
	struct basic_auth *a = parse(PROM "\n");

	(void)state;
	assert_int_equal(basic_auth_check(a, "root", "s3cret pass"), BASIC_AUTH_DENIED);
	assert_int_equal(basic_auth_check(a, "Prometheus", "s3cret pass"), BASIC_AUTH_DENIED);
	assert_int_equal(basic_auth_check(a, "", ""), BASIC_AUTH_DENIED);
	basic_auth_free(a);
}

static void test_2b_and_2a_prefixes_are_bcrypt_too(void **state)
{
	struct basic_auth *a =
		parse("b:$2b$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y\n"
		      "a:$2a$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y\n");

	(void)state;
	assert_non_null(a);
	assert_int_equal(basic_auth_check(a, "b", "s3cret pass"), BASIC_AUTH_OK);
	assert_int_equal(basic_auth_check(a, "a", "s3cret pass"), BASIC_AUTH_OK);
	basic_auth_free(a);
}

/* Burst 4: ten good checks in a row pass only if nine came from memory. */
static void test_a_verified_password_is_remembered_not_rechecked(void **state)
{
	struct basic_auth *a = parse(PROM "\n");

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(basic_auth_check(a, "prometheus", "s3cret pass"), BASIC_AUTH_OK);
	/* what is remembered is that password, nothing else */
	assert_int_equal(basic_auth_check(a, "prometheus", "s3cret pasS"), BASIC_AUTH_DENIED);
	basic_auth_free(a);
}

static void test_checks_over_the_budget_are_busy_but_remembered_ones_pass(void **state)
{
	struct basic_auth *a = parse(PROM "\n" ALICE "\n");
	int i;

	(void)state;
	assert_int_equal(basic_auth_check(a, "alice", "wonderland"), BASIC_AUTH_OK);
	for (i = 1; i < BASIC_AUTH_CHECKS_BURST; i++)
		assert_int_equal(basic_auth_check(a, "prometheus", "guess"), BASIC_AUTH_DENIED);
	assert_int_equal(basic_auth_check(a, "prometheus", "guess"), BASIC_AUTH_BUSY);
	assert_int_equal(basic_auth_check(a, "nobody", "guess"), BASIC_AUTH_BUSY);
	/* the scraper that already proved itself is not locked out by a guesser */
	assert_int_equal(basic_auth_check(a, "alice", "wonderland"), BASIC_AUTH_OK);
	basic_auth_free(a);
}

static void test_malformed_lines_are_refused_with_file_and_line(void **state)
{
	char long_line[BASIC_AUTH_MAX_LINE + 8];
	char many[(BASIC_AUTH_MAX_USERS + 1) * 80];
	size_t n = 0;

	(void)state;
	assert_refused(PROM "\nalice\n", NAME ":2: not user:hash");
	assert_refused(":$2y$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y\n",
		       NAME ":1: empty user name");
	assert_refused("al ice:$2y$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y\n",
		       NAME ":1: blank or control character in the user name");
	assert_refused("# comment\nalice:$apr1$OXLg6x5J$MvVbOvD1GJbcXgpc0Y2yP/\n",
		       NAME ":2: not a bcrypt hash (make one with htpasswd -B)");
	assert_refused("alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n",
		       NAME ":1: not a bcrypt hash (make one with htpasswd -B)");
	assert_refused("alice:wonderland\n", NAME ":1: not a bcrypt hash (make one with htpasswd -B)");
	assert_refused("alice:$2y$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8\n",
		       NAME ":1: malformed bcrypt hash");
	assert_refused("alice:$2y$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y \n",
		       NAME ":1: malformed bcrypt hash");
	assert_refused("alice:$2y$13$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y\n",
		       NAME ":1: bcrypt cost 13 is not in 4..12");
	assert_refused(PROM "\n" ALICE "\n" PROM "\n", NAME ":3: user listed twice");
	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	assert_refused(long_line, NAME ":1: line longer than 512 bytes");
	assert_refused("", NAME ": no users");
	assert_refused("# nobody yet\n\n", NAME ": no users");
	for (int i = 0; i <= BASIC_AUTH_MAX_USERS; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
				      "u%d:$2y$05$mY80VNMLENSPg762zPtHbewlUOGhOipFJLidIxQLD8BQUZEen4.8y\n", i);
	assert_refused(many, NAME ":65: more than 64 users");
}

/* ---- the files of [metrics], as read at start ----------------------------- */

static struct config cfg;	/* large (PATH_MAX): keep it off the stack */
static char dir[64];

static int setup_dir(void **state)
{
	(void)state;
	scratch_dir(dir, sizeof(dir), "auth");
	config_defaults(&cfg);
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	scratch_remove(dir);
	return 0;
}

static void put(char *path, size_t cap, const char *name, const char *text, mode_t mode)
{
	snprintf(path, cap, "%s/%s", dir, name);
	write_file(path, text);
	assert_int_equal(chmod(path, mode), 0);
}

static void assert_check_fails(const char *want)
{
	memset(err, 0, sizeof(err));
	assert_int_equal(httpd_check(&cfg, err, sizeof(err)), -1);
	if (strcmp(err, want) != 0) {
		print_error("want \"%s\", got \"%s\"\n", want, err);
		fail();
	}
}

static void test_password_file_problems_are_refused_at_start(void **state)
{
	static char want[2 * PATH_MAX + 256];

	(void)state;
	put(cfg.basic_auth_file, sizeof(cfg.basic_auth_file), "passwd", PROM "\n", 0640);
	assert_int_equal(httpd_check(&cfg, err, sizeof(err)), 0);
	put(cfg.basic_auth_file, sizeof(cfg.basic_auth_file), "passwd", PROM "\nbob\n", 0640);
	snprintf(want, sizeof(want), "%s:2: not user:hash", cfg.basic_auth_file);
	assert_check_fails(want);
	put(cfg.basic_auth_file, sizeof(cfg.basic_auth_file), "passwd", PROM "\n", 0646);
	snprintf(want, sizeof(want),
		 "basic_auth_file %s: mode 0646 lets others write it: chmod o-rwx it",
		 cfg.basic_auth_file);
	assert_check_fails(want);
	snprintf(cfg.basic_auth_file, sizeof(cfg.basic_auth_file), "%s/none", dir);
	snprintf(want, sizeof(want), "basic_auth_file %s: No such file or directory",
		 cfg.basic_auth_file);
	assert_check_fails(want);
	cfg.basic_auth_file[0] = '\0';
}

static void test_a_key_others_can_read_or_a_missing_key_is_refused(void **state)
{
	static char want[2 * PATH_MAX + 256];

	(void)state;
	/* the modes are checked before the PEM is: the text does not matter */
	put(cfg.tls_cert, sizeof(cfg.tls_cert), "cert.pem", "not yet a cert\n", 0644);
	put(cfg.tls_key, sizeof(cfg.tls_key), "key.pem", "not yet a key\n", 0644);
	snprintf(want, sizeof(want), "tls_key %s: mode 0644 lets others read it: chmod o-rwx it",
		 cfg.tls_key);
	assert_check_fails(want);
	assert_int_equal(chmod(cfg.tls_key, 0640), 0);
	/* then GnuTLS reads the pair: garbage is refused, naming both files */
	assert_int_equal(httpd_check(&cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "tls_cert %s, tls_key %s: ", cfg.tls_cert, cfg.tls_key);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s/missing.pem", dir);
	snprintf(want, sizeof(want), "tls_key %s: No such file or directory", cfg.tls_key);
	assert_check_fails(want);
	cfg.tls_cert[0] = cfg.tls_key[0] = '\0';
}

static void test_config_needs_cert_and_key_together_and_absolute_paths(void **state)
{
	static struct config c;

	(void)state;
	memset(err, 0, sizeof(err));
	assert_int_equal(config_load_string(&c, "t.conf", "[metrics]\ntls_cert = /etc/c.pem\n",
					    err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf: [metrics] tls_cert without tls_key: TLS needs both");
	assert_int_equal(config_load_string(&c, "t.conf", "[metrics]\ntls_key = /etc/k.pem\n",
					    err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf: [metrics] tls_key without tls_cert: TLS needs both");
	assert_int_equal(config_load_string(&c, "t.conf", "[metrics]\nbasic_auth_file = pw\n",
					    err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:2: basic_auth_file: 'pw' is not an absolute path");
	assert_int_equal(config_load_string(&c, "t.conf",
					    "[metrics]\ntls_cert = /c\ntls_key = /k\n"
					    "basic_auth_file = /p\n", err, sizeof(err)), 0);
	assert_string_equal(c.tls_cert, "/c");
	assert_string_equal(c.tls_key, "/k");
	assert_string_equal(c.basic_auth_file, "/p");
	/* the default: plain HTTP, no authentication, no file read */
	config_defaults(&c);
	assert_string_equal(c.tls_cert, "");
	assert_string_equal(c.basic_auth_file, "");
	assert_int_equal(httpd_check(&c, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_users_with_comments_blanks_and_crlf_are_read),
		cmocka_unit_test(test_wrong_password_is_denied),
		cmocka_unit_test(test_unknown_user_is_denied_even_with_a_known_password),
		cmocka_unit_test(test_2b_and_2a_prefixes_are_bcrypt_too),
		cmocka_unit_test(test_a_verified_password_is_remembered_not_rechecked),
		cmocka_unit_test(test_checks_over_the_budget_are_busy_but_remembered_ones_pass),
		cmocka_unit_test(test_malformed_lines_are_refused_with_file_and_line),
		cmocka_unit_test_setup_teardown(test_password_file_problems_are_refused_at_start,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_a_key_others_can_read_or_a_missing_key_is_refused,
						setup_dir, teardown_dir),
		cmocka_unit_test(test_config_needs_cert_and_key_together_and_absolute_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
