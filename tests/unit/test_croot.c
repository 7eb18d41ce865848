// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_croot.c - a container's files read from the host (croot.h): paths
 * resolved under the container's root, as the container names them, and
 * users looked up in the container's etc/passwd, not the host's.
 *
 * The container is a scratch directory with an etc/passwd of its own
 * (postfix is uid 100 there, as in Debian 13's container; not this
 * host's) and a daemon_directory reached through an absolute symlink,
 * which must resolve inside the root, never on the host.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "croot.h"
#include "testutil.h"

static char root[256];

static void mk(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	char path[PATH_MAX];

	(void)state;
	scratch_dir(root, sizeof(root), "croot");
	mk("etc");
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	write_file(path, "root:x:0:0:root:/root:/bin/bash\n"
		   "postfix2:x:4711:4711::/nonexistent:/usr/sbin/nologin\n"
		   "postfix:x:100:101:Postfix MTA:/var/spool/postfix:/usr/sbin/nologin\n"
		   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	/* /usr/lib/postfix/sbin -> /opt/pf/sbin: absolute, the container's */
	mk("usr");
	mk("usr/lib");
	mk("usr/lib/postfix");
	mk("opt");
	mk("opt/pf");
	mk("opt/pf/sbin");
	snprintf(path, sizeof(path), "%s/usr/lib/postfix/sbin", root);
	assert_int_equal(symlink("/opt/pf/sbin", path), 0);
	snprintf(path, sizeof(path), "%s/opt/pf/sbin/smtpd", root);
	write_file(path, "");
	/* a link that climbs out: it stays in the root */
	snprintf(path, sizeof(path), "%s/escape", root);
	assert_int_equal(symlink("../../../../../../../etc", path), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(root);
	return 0;
}

static void test_user_is_looked_up_in_the_containers_passwd(void **state)
{
	char err[512] = "";
	uid_t uid = 0;

	(void)state;
	assert_int_equal(croot_user_uid(root, "postfix", &uid, err, sizeof(err)), 1);
	assert_int_equal(uid, 100);
	assert_int_equal(croot_user_uid(root, "nobody", &uid, err, sizeof(err)), 1);
	assert_int_equal(uid, 65534);
	/* a name is whole: no prefix of another's */
	assert_int_equal(croot_user_uid(root, "postfi", &uid, err, sizeof(err)), 0);
	assert_int_equal(croot_user_uid(root, "daemon", &uid, err, sizeof(err)), 0);
}

static void test_a_root_without_passwd_is_an_error_not_no_user(void **state)
{
	char err[512] = "", empty[PATH_MAX];
	uid_t uid = 0;

	(void)state;
	snprintf(empty, sizeof(empty), "%s/opt", root);
	assert_int_equal(croot_user_uid(empty, "postfix", &uid, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "etc/passwd"));
}

static void test_a_passwd_symlink_is_read_inside_the_root(void **state)
{
	char path[PATH_MAX], target[PATH_MAX], err[512] = "";
	uid_t uid = 0;

	(void)state;
	/* etc/passwd -> /srv/passwd: the container's /srv, not the host's */
	mk("srv");
	snprintf(target, sizeof(target), "%s/srv/passwd", root);
	write_file(target, "postfix:x:222:222::/:/bin/false\n");
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	snprintf(target, sizeof(target), "%s/etc/passwd.real", root);
	assert_int_equal(rename(path, target), 0);
	assert_int_equal(symlink("/srv/passwd", path), 0);
	assert_int_equal(croot_user_uid(root, "postfix", &uid, err, sizeof(err)), 1);
	assert_int_equal(uid, 222);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(target, path), 0);
}

/* A container's etc/passwd that is a FIFO (or a device) is refused at
 * once: opened without O_NONBLOCK, the open would wait for a writer that
 * the container chooses never to be, and the reader (sentineld's one
 * event loop, sentinel-report --root) with it. */
static void test_a_passwd_that_is_no_regular_file_is_refused_without_waiting(void **state)
{
	char path[PATH_MAX], saved[PATH_MAX], err[512] = "";
	uid_t uid = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	snprintf(saved, sizeof(saved), "%s/etc/passwd.real", root);
	assert_int_equal(rename(path, saved), 0);
	assert_int_equal(mkfifo(path, 0644), 0);
	alarm(10);		/* a hang fails the test: SIGALRM ends it */
	assert_int_equal(croot_user_uid(root, "postfix", &uid, err, sizeof(err)), -1);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(saved, path), 0);
}

static void test_host_root_uses_the_hosts_database(void **state)
{
	char err[512] = "";
	uid_t uid = 1;

	(void)state;
	assert_true(croot_is_host(""));
	assert_true(croot_is_host("/"));
	assert_false(croot_is_host(root));
	assert_int_equal(croot_user_uid("", "root", &uid, err, sizeof(err)), 1);
	assert_int_equal(uid, 0);
}

static void test_realpath_resolves_symlinks_under_the_root(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(croot_realpath(root, "/usr/lib/postfix/sbin", out, sizeof(out)), 0);
	assert_string_equal(out, "/opt/pf/sbin");
	assert_int_equal(croot_realpath(root, "/usr/lib/postfix/sbin/../sbin/smtpd", out,
					sizeof(out)), 0);
	assert_string_equal(out, "/opt/pf/sbin/smtpd");
	assert_int_equal(croot_realpath(root, "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	/* ".." at the root stays at the root: the container's /etc */
	assert_int_equal(croot_realpath(root, "/escape", out, sizeof(out)), 0);
	assert_string_equal(out, "/etc");
	assert_int_equal(croot_realpath(root, "/no/such", out, sizeof(out)), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_host_path_is_root_and_the_containers_name(void **state)
{
	char out[PATH_MAX], want[PATH_MAX];

	(void)state;
	assert_int_equal(croot_host_path(root, "/usr/lib/postfix/sbin", out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/opt/pf/sbin", root);
	assert_string_equal(out, want);
}

static void test_open_stays_in_the_root(void **state)
{
	struct stat st;
	char buf[512];
	ssize_t n;
	int fd;

	(void)state;
	fd = croot_open(root, "/usr/lib/postfix/sbin/smtpd", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
	/* a link climbing out ends in the container's /etc, not the host's */
	fd = croot_open(root, "/escape/passwd", O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "postfix:x:100:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_is_looked_up_in_the_containers_passwd),
		cmocka_unit_test(test_a_root_without_passwd_is_an_error_not_no_user),
		cmocka_unit_test(test_a_passwd_symlink_is_read_inside_the_root),
		cmocka_unit_test(test_a_passwd_that_is_no_regular_file_is_refused_without_waiting),
		cmocka_unit_test(test_host_root_uses_the_hosts_database),
		cmocka_unit_test(test_realpath_resolves_symlinks_under_the_root),
		cmocka_unit_test(test_host_path_is_root_and_the_containers_name),
		cmocka_unit_test(test_open_stays_in_the_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
