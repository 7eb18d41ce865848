// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_sockkill.c - a session cut finds a containerised smtpd: the pid
 * the container's log names, in the container's PID namespace, is
 * translated to the process here (sockkill_host_pid(): ns/pid and the
 * NSpid line of status), and only then checked to be Postfix's smtpd.
 *
 * The /proc is a tree of the test's own, as the kernel shows one: ns/pid
 * a link "pid:[INODE]", status with its NSpid line (the pid in each
 * namespace from the reader's down to the process's own), comm, exe.
 * The container's smtpd is pid 100 inside and 5001 here; this host has a
 * pid 100 of its own, and another container has a pid 100 too.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockkill.h"
#include "testutil.h"

#define HOST_NS 4026531836U
#define CONTAINER_NS 4026532178U
#define OTHER_NS 4026532999U

static char proc[256];

/* PROC/PID: ns/pid in namespace ns, NSpid as given, comm and exe. */
static void process(const char *pid, unsigned ns, const char *nspid, const char *comm,
		    const char *exe)
{
	char path[PATH_MAX], text[256];

	snprintf(path, sizeof(path), "%s/%s", proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/ns", proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/ns/pid", proc, pid);
	snprintf(text, sizeof(text), "pid:[%u]", ns);
	assert_int_equal(symlink(text, path), 0);
	snprintf(path, sizeof(path), "%s/%s/ns/net", proc, pid);
	write_file(path, "");
	snprintf(path, sizeof(path), "%s/%s/status", proc, pid);
	snprintf(text, sizeof(text), "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\n"
		 "Tgid:\t%s\nNgid:\t0\nPid:\t%s\nPPid:\t1\nNSpid:\t%s\nNSpgid:\t%s\n",
		 comm, pid, pid, nspid, nspid);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/%s/comm", proc, pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/%s/exe", proc, pid);
	assert_int_equal(symlink(exe, path), 0);
	snprintf(path, sizeof(path), "%s/%s/fd", proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	char path[PATH_MAX];

	(void)state;
	scratch_dir(proc, sizeof(proc), "proc");
	snprintf(path, sizeof(path), "%s/self", proc);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/self/ns", proc);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/self/ns/pid", proc);
	assert_int_equal(symlink("pid:[4026531836]", path), 0);
	process("100", HOST_NS, "100", "bash", "/usr/bin/bash");
	process("5001", CONTAINER_NS, "5001\t100", "smtpd", "/usr/lib/postfix/sbin/smtpd");
	process("5002", OTHER_NS, "5002\t100", "smtpd", "/usr/lib/postfix/sbin/smtpd");
	process("5003", CONTAINER_NS, "5003\t1000", "smtpd", "/tmp/smtpd");
	/* a namespace nested in the container's: its innermost pid is 7 */
	process("5004", OTHER_NS + 1, "5004\t101\t7", "smtpd", "/usr/lib/postfix/sbin/smtpd");
	snprintf(path, sizeof(path), "%s/sys", proc);
	assert_int_equal(mkdir(path, 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(proc);
	return 0;
}

static void test_a_container_pid_is_the_process_of_its_namespace(void **state)
{
	char why[256] = "";

	(void)state;
	assert_int_equal(sockkill_host_pid(proc, CONTAINER_NS, 100, why, sizeof(why)), 5001);
	assert_int_equal(sockkill_host_pid(proc, CONTAINER_NS, 1000, why, sizeof(why)), 5003);
	assert_int_equal(sockkill_host_pid(proc, OTHER_NS, 100, why, sizeof(why)), 5002);
	/* the innermost pid only: 101 is 5004's pid in the container's namespace,
	 * but its own namespace is another */
	assert_int_equal(sockkill_host_pid(proc, CONTAINER_NS, 101, why, sizeof(why)), 0);
	assert_int_equal(sockkill_host_pid(proc, OTHER_NS + 1, 7, why, sizeof(why)), 5004);
	/* no such pid there: none, not the host's pid of that number */
	assert_int_equal(sockkill_host_pid(proc, CONTAINER_NS, 4242, why, sizeof(why)), 0);
}

static void test_own_namespace_pids_are_taken_as_they_are(void **state)
{
	char why[256] = "";

	(void)state;
	assert_int_equal(sockkill_host_pid(proc, 0, 100, why, sizeof(why)), 100);
	assert_int_equal(sockkill_host_pid(proc, HOST_NS, 100, why, sizeof(why)), 100);
}

static void test_an_unreadable_proc_is_an_error(void **state)
{
	char why[256] = "", none[PATH_MAX];

	(void)state;
	snprintf(none, sizeof(none), "%s/none", proc);
	assert_int_equal(sockkill_host_pid(none, CONTAINER_NS, 100, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "none"));
}

static void test_a_cut_checks_the_translated_pid_to_be_postfixs_smtpd(void **state)
{
	struct action_session s = { .pid = 100, .client_ip = "192.0.2.7" };
	struct sockkill_where w = { proc, CONTAINER_NS };
	struct sockkill_stats st;
	char why[256] = "";

	(void)state;
	/* the container's smtpd: found, checked, nothing open to cut */
	assert_int_equal(sockkill(&s, 1, "/usr/lib/postfix/sbin", &w, &st, why, sizeof(why)), 0);
	assert_int_equal(st.translated, 1);
	assert_int_equal(st.not_smtpd, 0);
	assert_int_equal(st.destroyed, 0);
	/* an "smtpd" of the container that is not in daemon_directory */
	s.pid = 1000;
	assert_int_equal(sockkill(&s, 1, "/usr/lib/postfix/sbin", &w, &st, why, sizeof(why)), 0);
	assert_int_equal(st.not_smtpd, 1);
	/* a pid the container does not have: left alone */
	s.pid = 4242;
	assert_int_equal(sockkill(&s, 1, "/usr/lib/postfix/sbin", &w, &st, why, sizeof(why)), 0);
	assert_int_equal(st.not_smtpd, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_container_pid_is_the_process_of_its_namespace),
		cmocka_unit_test(test_own_namespace_pids_are_taken_as_they_are),
		cmocka_unit_test(test_an_unreadable_proc_is_an_error),
		cmocka_unit_test(test_a_cut_checks_the_translated_pid_to_be_postfixs_smtpd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
