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
 *
 * Every test runs twice: with openat2(2), and with the resolution one
 * component at a time that replaces it where it is refused.
 *
 * croot_find() runs on a /proc of the test's: numbered directories with a
 * root symlink (to the container's root or elsewhere) and a comm file.
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
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* proc/PID with a root link to target, a comm, and a status whose NSpid
 * line is nspid ("" none). */
static void fake_proc(const char *proc, int pid, const char *target, const char *comm,
		      const char *nspid)
{
	char path[PATH_MAX], status[256];

	snprintf(path, sizeof(path), "%s/%d", proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%d/root", proc, pid);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/%d/comm", proc, pid);
	write_file(path, comm);
	snprintf(path, sizeof(path), "%s/%d/status", proc, pid);
	snprintf(status, sizeof(status), "Name:\t%sPid:\t%d\nNSpid:\t%s\nNSpgid:\t1\n", comm, pid,
		 nspid);
	write_file(path, status);
}

static void gone(const char *proc, int pid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d", proc, pid);
	scratch_remove(path);
}

/* Its init's namespaces, not its master's: a master started by systemd
 * runs in its unit's mount namespace (Debian 13: /etc read-only). */
static void test_find_prefers_the_containers_init(void **state)
{
	struct croot_proc cp = { 0 };
	char proc[256], why[256] = "";

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 1, "/", "systemd\n", "1");		/* the host's */
	fake_proc(proc, 7, "/", "master\n", "7");		/* the host's Postfix */
	fake_proc(proc, 20, root, "systemd\n", "20\t1");	/* the container's init */
	fake_proc(proc, 35, root, "master\n", "35\t310");
	fake_proc(proc, 36, root, "qmgr\n", "36\t312");
	/* a service's own PID namespace inside the container: not the init */
	fake_proc(proc, 50, root, "sh\n", "50\t400\t1");
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 20);
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 20);
	scratch_remove(proc);
}

/* No PID namespace of its own (a chroot): its master, else its lowest. */
static void test_find_without_an_init_takes_the_master(void **state)
{
	struct croot_proc cp = { 0 };
	char proc[256], why[256] = "";

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 7, "/", "master\n", "7");
	fake_proc(proc, 20, root, "sh\n", "20");
	fake_proc(proc, 35, root, "master\n", "35");
	fake_proc(proc, 36, root, "qmgr\n", "36");
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 35);
	/* Postfix stopped: the lowest process of the container */
	gone(proc, 35);
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 20);
	/* it starts again: the master is better than the one found before */
	fake_proc(proc, 90, root, "master\n", "90");
	gone(proc, 36);
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 20);
	gone(proc, 20);
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 90);
	scratch_remove(proc);
}

static void test_find_follows_a_restart_of_the_container(void **state)
{
	struct croot_proc cp = { 0 };
	char proc[256], why[256] = "";

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 20, root, "systemd\n", "20\t1");
	fake_proc(proc, 35, root, "master\n", "35\t300");
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 20);
	gone(proc, 20);
	gone(proc, 35);
	fake_proc(proc, 400, root, "systemd\n", "400\t1");
	fake_proc(proc, 512, root, "master\n", "512\t290");
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), 400);
	scratch_remove(proc);
}

static void test_find_without_a_process_of_the_container_says_why(void **state)
{
	struct croot_proc cp = { 0 };
	char proc[256], why[256] = "";

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 7, "/", "master\n", "7");
	assert_int_equal(croot_find(proc, root, &cp, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no process of the container"));
	/* the host's root: no container, no search */
	assert_int_equal(croot_find(proc, "", &cp, why, sizeof(why)), 0);
	assert_int_equal(croot_find(proc, "/", &cp, why, sizeof(why)), 0);
	scratch_remove(proc);
}

/* root = /proc/PID/root of a process that ended: the root it named last
 * is still the container's. */
static void test_find_remembers_a_root_that_is_gone(void **state)
{
	struct croot_proc cp = { 0 };
	char proc[256], link[PATH_MAX], why[256] = "";

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 35, root, "systemd\n", "35\t1");
	snprintf(link, sizeof(link), "%s/rootlink", proc);
	assert_int_equal(symlink(root, link), 0);
	assert_int_equal(croot_find(proc, link, &cp, why, sizeof(why)), 35);
	unlink(link);
	gone(proc, 35);
	fake_proc(proc, 77, root, "systemd\n", "77\t1");
	assert_int_equal(croot_find(proc, link, &cp, why, sizeof(why)), 77);
	/* never known: an error */
	memset(&cp, 0, sizeof(cp));
	assert_int_equal(croot_find(proc, link, &cp, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "rootlink"));
	scratch_remove(proc);
}

/* root = /proc/PID/root: the root it named first stays the container's.
 * Once PID's process ended its pid may be another's, a host process's
 * (here: the process leaves the container's root for the host's, as a
 * reused pid would name it), whose root is not the container's: neither
 * it, nor the host's init, is taken for the container's process. */
static void test_a_proc_root_keeps_the_root_it_named_first(void **state)
{
	struct croot_proc cp = { 0 };
	char link_path[64], why[256] = "", c = 0;
	int go[2], done[2];
	bool ok[2];
	pid_t pid, found[2];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int host = open("/", O_PATH | O_DIRECTORY);

		if (host < 0 || chroot(root) < 0 || chdir("/") < 0 || write(done[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1 || fchdir(host) < 0 || chroot(".") < 0 ||
		    write(done[1], "h", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	/* the checks after the child is gone: a failed one ends the test */
	snprintf(link_path, sizeof(link_path), "/proc/%d/root", (int)pid);
	ok[0] = read(done[0], &c, 1) == 1;
	found[0] = croot_find("/proc", link_path, &cp, why, sizeof(why));
	ok[1] = write(go[1], "g", 1) == 1 && read(done[0], &c, 1) == 1;
	found[1] = croot_find("/proc", link_path, &cp, why, sizeof(why));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	assert_true(ok[0] && ok[1]);
	assert_int_equal(found[0], pid);
	assert_int_equal(found[1], -1);
	assert_non_null(strstr(why, "no process of the container"));
}

/* proc/PID/ns/pid: a file of its own (an inode of its own, as each
 * namespace has); its inode number. */
static uint32_t fake_pidns(const char *proc, int pid)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%d/ns", proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%d/ns/pid", proc, pid);
	write_file(path, "");
	assert_int_equal(stat(path, &st), 0);
	return (uint32_t)st.st_ino;
}

/* The configured namespace is the container's init's: a restart (a new
 * init, a new namespace) is followed; while none runs, the last stands. */
static void test_pidns_of_the_init_follows_a_restart(void **state)
{
	struct croot_proc cp = { 0 };
	struct croot_pidns f;
	char proc[256], keep[PATH_MAX], link_path[PATH_MAX];
	uint32_t first, second;

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 20, root, "systemd\n", "20\t1");
	first = fake_pidns(proc, 20);
	croot_pidns_init(&f, first, proc, root, &cp);
	assert_true(f.follows);
	assert_int_equal(croot_pidns_get(&f, proc, root, &cp), first);
	/* its inode stays taken, as a namespace's does while it is named */
	snprintf(keep, sizeof(keep), "%s/20/ns/pid", proc);
	snprintf(link_path, sizeof(link_path), "%s/kept", proc);
	assert_int_equal(link(keep, link_path), 0);
	gone(proc, 20);
	assert_int_equal(croot_pidns_get(&f, proc, root, &cp), first);
	fake_proc(proc, 400, root, "systemd\n", "400\t1");
	second = fake_pidns(proc, 400);
	assert_true(second != first);
	assert_int_equal(croot_pidns_get(&f, proc, root, &cp), second);
	assert_int_equal(f.now, second);
	scratch_remove(proc);
}

/* Not the init's (a Postfix in a namespace nested below it), none
 * configured, or no container: fixed. */
static void test_pidns_that_is_not_the_inits_stays_fixed(void **state)
{
	struct croot_proc cp = { 0 };
	struct croot_pidns f;
	char proc[256];
	uint32_t init;

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 20, root, "systemd\n", "20\t1");
	init = fake_pidns(proc, 20);
	croot_pidns_init(&f, init + 1000, proc, root, &cp);
	assert_false(f.follows);
	gone(proc, 20);
	fake_proc(proc, 400, root, "systemd\n", "400\t1");
	fake_pidns(proc, 400);
	assert_int_equal(croot_pidns_get(&f, proc, root, &cp), init + 1000);
	croot_pidns_init(&f, 0, proc, root, &cp);
	assert_false(f.follows);
	assert_int_equal(croot_pidns_get(&f, proc, root, &cp), 0);
	croot_pidns_init(&f, init, proc, "", &cp);
	assert_false(f.follows);
	assert_int_equal(croot_pidns_get(&f, proc, "", &cp), init);
	scratch_remove(proc);
}

/* The namespace followed is an init's: in a container without a PID
 * namespace of its own (its master found: the configured namespace is
 * the host's), a namespace that one of its processes makes, whose pid 1
 * it is, is not taken for the container's; nor, while the container's
 * init is gone, that of a process of the host whose root is the
 * container's (a chroot into it). */
static void test_pidns_follows_only_an_init(void **state)
{
	struct croot_proc cp = { 0 };
	struct croot_pidns f;
	char proc[256], keep[PATH_MAX], link_path[PATH_MAX];
	uint32_t host, init;

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 35, root, "master\n", "35");
	host = fake_pidns(proc, 35);
	croot_pidns_init(&f, host, proc, root, &cp);
	assert_false(f.follows);
	gone(proc, 35);
	fake_proc(proc, 60, root, "sh\n", "60\t1");
	fake_pidns(proc, 60);
	assert_int_equal(croot_pidns_get(&f, proc, root, &cp), host);
	scratch_remove(proc);

	memset(&cp, 0, sizeof(cp));
	scratch_dir(proc, sizeof(proc), "proc");
	fake_proc(proc, 20, root, "systemd\n", "20\t1");
	init = fake_pidns(proc, 20);
	croot_pidns_init(&f, init, proc, root, &cp);
	assert_true(f.follows);
	snprintf(keep, sizeof(keep), "%s/20/ns/pid", proc);
	snprintf(link_path, sizeof(link_path), "%s/kept", proc);
	assert_int_equal(link(keep, link_path), 0);
	gone(proc, 20);
	fake_proc(proc, 70, root, "sh\n", "70");
	fake_pidns(proc, 70);
	assert_int_equal(croot_pidns_get(&f, proc, root, &cp), init);
	scratch_remove(proc);
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
		cmocka_unit_test(test_find_prefers_the_containers_init),
		cmocka_unit_test(test_find_without_an_init_takes_the_master),
		cmocka_unit_test(test_find_follows_a_restart_of_the_container),
		cmocka_unit_test(test_find_without_a_process_of_the_container_says_why),
		cmocka_unit_test(test_find_remembers_a_root_that_is_gone),
		cmocka_unit_test(test_pidns_of_the_init_follows_a_restart),
		cmocka_unit_test(test_pidns_that_is_not_the_inits_stays_fixed),
		cmocka_unit_test(test_a_proc_root_keeps_the_root_it_named_first),
		cmocka_unit_test(test_pidns_follows_only_an_init),
	};

	int failed = cmocka_run_group_tests(tests, setup, teardown);

	/* again, resolving one component at a time (openat2 refused) */
	croot_test_without_openat2(true);
	return failed + cmocka_run_group_tests(tests, setup, teardown);
}
