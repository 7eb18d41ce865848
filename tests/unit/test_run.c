// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_run.c - the command runner, with real commands.
 *
 * Entering a container's namespaces (run_spec's enter) is tried, as root,
 * on a process that unshare(1) put in a mount and PID namespace of its
 * own: the command must run there, as a process of that PID namespace,
 * and end as it ended, with no capability that process lacks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "run.h"
#include "testutil.h"

static struct run_result res;

static int enter_run(pid_t enter, const char *const *argv)
{
	struct run_spec spec = { .argv = argv, .timeout = 10, .enter = enter };

	return run_sync(&spec, &res);
}

#define ENTER(pid, ...) enter_run(pid, (const char *const[]){ __VA_ARGS__, NULL })

static int sync_run(double timeout, const char *in, size_t in_len, const char *out_path,
		    const char *const *argv)
{
	struct run_spec spec = {
		.argv = argv, .stdin_data = in, .stdin_len = in_len,
		.stdout_path = out_path, .timeout = timeout,
	};

	return run_sync(&spec, &res);
}

/* RUN(timeout, stdin, stdin_len, stdout_path, argv...) */
#define RUN(t, in, len, path, ...) sync_run(t, in, len, path, (const char *const[]){ __VA_ARGS__, NULL })

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_true_exits_0(void **state)
{
	(void)state;
	assert_int_equal(RUN(5, NULL, 0, NULL, "/bin/true"), 0);
	assert_true(run_ok(&res));
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(res.signal, 0);
	assert_false(res.timed_out);
	assert_int_equal(res.out_len, 0);
}

static void test_false_exits_1_and_is_not_ok(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(RUN(5, NULL, 0, NULL, "/bin/false"), 0);
	assert_false(run_ok(&res));
	assert_int_equal(res.exit_status, 1);
	run_describe(&res, d, sizeof(d));
	assert_string_equal(d, "exit 1");
}

static void test_stderr_tail_and_exit_status(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(RUN(5, NULL, 0, NULL, "/bin/sh", "-c", "echo x >&2; exit 3"), 0);
	assert_int_equal(res.exit_status, 3);
	assert_string_equal(res.err, "x\n");
	run_describe(&res, d, sizeof(d));
	assert_string_equal(d, "exit 3: x");
}

static void test_stderr_keeps_the_last_bytes(void **state)
{
	size_t n;

	(void)state;
	/* 10000 bytes of 'a' then "END\n": the tail ends with END */
	assert_int_equal(RUN(5, NULL, 0, NULL, "/bin/sh", "-c",
				  "head -c 10000 /dev/zero | tr '\\0' a >&2; echo END >&2"), 0);
	n = strlen(res.err);
	assert_int_equal(n, RUN_ERR_MAX - 1);
	assert_string_equal(res.err + n - 4, "END\n");
	assert_int_equal(res.err[0], 'a');
}

static void test_cat_echoes_stdin(void **state)
{
	(void)state;
	assert_int_equal(RUN(5, "hello\nworld\n", 12, NULL, "/bin/cat"), 0);
	assert_true(run_ok(&res));
	assert_int_equal(res.out_len, 12);
	assert_memory_equal(res.out, "hello\nworld\n", 12);
}

static void test_large_stdin_and_stdout_beyond_the_cap(void **state)
{
	size_t n = 3 * RUN_OUT_MAX + 123;
	char *in = malloc(n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	/* more than a pipe buffer each way: both sides must not block */
	assert_int_equal(RUN(10, in, n, NULL, "/bin/cat"), 0);
	assert_true(run_ok(&res));
	assert_int_equal(res.out_len, RUN_OUT_MAX);
	assert_int_equal(res.out_dropped, n - RUN_OUT_MAX);
	assert_memory_equal(res.out, in, RUN_OUT_MAX);
	free(in);
}

static void test_stdin_to_a_child_that_does_not_read_raises_no_sigpipe(void **state)
{
	size_t n = 1 << 20;
	char *in = calloc(1, n);

	(void)state;
	/* a SIGPIPE would kill this test program */
	assert_int_equal(RUN(10, in, n, NULL, "/bin/true"), 0);
	assert_true(run_ok(&res));
	free(in);
}

static void test_timeout_sends_sigterm_even_when_the_caller_blocks_it(void **state)
{
	sigset_t set, old;
	double t0 = now();

	(void)state;
	/* a daemon with a signalfd blocks these: the child must not inherit that */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	assert_int_equal(RUN(0.3, NULL, 0, NULL, "/bin/sleep", "10"), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(res.timed_out);
	assert_false(run_ok(&res));
	assert_int_equal(res.signal, SIGTERM);
	assert_int_equal(res.exit_status, -1);
	assert_true(now() - t0 < 1.0);
	assert_true(res.elapsed >= 0.3);
}

static void test_sigterm_ignored_means_sigkill_a_second_later(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(RUN(0.2, NULL, 0, NULL, "/bin/sh", "-c",
				  "trap '' TERM; sleep 10"), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.signal, SIGKILL);
	assert_true(res.elapsed >= 1.2 && res.elapsed < 2.5);
	run_describe(&res, d, sizeof(d));
	assert_true(strncmp(d, "timed out after ", 16) == 0);
}

static void test_missing_binary_is_a_spawn_failure(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(RUN(5, NULL, 0, NULL, "/nonexistent/postsuper"), 0);
	assert_true(res.spawn_failed);
	assert_false(run_ok(&res));
	assert_non_null(strstr(res.err, "No such file or directory"));
	run_describe(&res, d, sizeof(d));
	assert_string_equal(d, "not started: execve: No such file or directory");
}

static void test_relative_argv0_is_refused(void **state)
{
	(void)state;
	assert_int_equal(RUN(5, NULL, 0, NULL, "true"), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(res.spawn_failed);
}

static void test_stdout_path_is_created_0600(void **state)
{
	char dir[64], file[96];
	struct stat st;

	(void)state;
	scratch_dir(dir, sizeof(dir), "run");
	snprintf(file, sizeof(file), "%s/out", dir);
	assert_int_equal(RUN(5, NULL, 0, file, "/bin/echo", "quarantined"), 0);
	assert_true(run_ok(&res));
	assert_int_equal(res.out_len, 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(read_file(file), "quarantined\n");
	scratch_remove(dir);
}

static void test_stdout_path_refuses_an_existing_file(void **state)
{
	char dir[64], file[96], link[96];

	(void)state;
	scratch_dir(dir, sizeof(dir), "run");
	snprintf(file, sizeof(file), "%s/out", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	write_file(file, "evidence\n");
	assert_int_equal(RUN(5, NULL, 0, file, "/bin/echo", "overwritten"), -1);
	assert_int_equal(errno, EEXIST);
	assert_true(res.spawn_failed);
	assert_string_equal(read_file(file), "evidence\n");
	/* nor a symlink to a file that does not exist yet */
	assert_int_equal(symlink("/tmp/sentinel-run-never-created", link), 0);
	assert_int_equal(RUN(5, NULL, 0, link, "/bin/echo", "x"), -1);
	assert_int_equal(access("/tmp/sentinel-run-never-created", F_OK), -1);
	scratch_remove(dir);
}

static bool gone(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'Z';	/* a zombie holds nothing */
}

static void test_timeout_kills_a_grandchild_holding_the_pipe(void **state)
{
	double t0 = now();
	pid_t grandchild;

	(void)state;
	/* the child exits at once; its background sleep keeps stdout open */
	assert_int_equal(RUN(0.5, NULL, 0, NULL, "/bin/sh", "-c",
				  "sleep 30 & echo $!; exit 0"), 0);
	assert_true(now() - t0 < 3.0);
	assert_true(res.timed_out);
	assert_int_equal(res.exit_status, 0);	/* the child itself exited */
	res.out[res.out_len] = '\0';
	grandchild = (pid_t)atoi(res.out);
	assert_true(grandchild > 1);
	for (int i = 0; i < 40 && !gone(grandchild); i++)
		usleep(50000);
	assert_true(gone(grandchild));
}

static void test_minimal_environment(void **state)
{
	(void)state;
	setenv("SENTINEL_SECRET", "must-not-leak", 1);
	assert_int_equal(RUN(5, NULL, 0, NULL, "/usr/bin/env"), 0);
	res.out[res.out_len] = '\0';
	assert_string_equal(res.out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLANG=C\n");
	unsetenv("SENTINEL_SECRET");
}

static void test_no_descriptor_but_0_1_2_reaches_the_child(void **state)
{
	int null = open("/dev/null", O_RDONLY);
	int fd = fcntl(null, F_DUPFD, 50);	/* no FD_CLOEXEC: would leak */
	char script[128];

	(void)state;
	close(null);
	assert_true(fd >= 50);
	snprintf(script, sizeof(script), "[ -e /proc/self/fd/%d ] && exit 1; exit 0", fd);
	assert_int_equal(RUN(5, NULL, 0, NULL, "/bin/sh", "-c", script), 0);
	assert_int_equal(res.exit_status, 0);
	close(fd);
}

static void test_own_process_group(void **state)
{
	(void)state;
	/* dash: $$ is the shell; its pgid field in /proc/self/stat is field 5 */
	assert_int_equal(RUN(5, NULL, 0, NULL, "/bin/sh", "-c",
				  "read -r l < /proc/$$/stat; set -- $l; [ \"$5\" = \"$$\" ]"), 0);
	assert_int_equal(res.exit_status, 0);
}

struct async_ctx {
	int done;
	int status[RUN_MAX_CHILDREN + 1];
};

static void async_done(const struct run_result *r, void *arg)
{
	struct async_ctx *a = arg;

	a->status[a->done++] = r->exit_status;
}

static void test_async_children_and_the_limit(void **state)
{
	struct runner *rn = runner_new();
	struct async_ctx a = { 0 };
	const char *quick[] = { "/bin/sh", "-c", "exit 7", NULL };
	const char *slow[] = { "/bin/sleep", "5", NULL };
	struct run_spec q = { .argv = quick, .timeout = 5 };
	struct run_spec s = { .argv = slow, .timeout = 5 };
	double t0 = now();

	(void)state;
	assert_non_null(rn);
	assert_int_equal(run_start(rn, &q, async_done, &a), 0);
	for (int i = 1; i < RUN_MAX_CHILDREN; i++)
		assert_int_equal(run_start(rn, &s, async_done, &a), 0);
	assert_int_equal(runner_running(rn), RUN_MAX_CHILDREN);
	assert_int_equal(run_start(rn, &s, async_done, &a), -1);
	assert_int_equal(errno, EAGAIN);
	while (a.done == 0 && now() - t0 < 3) {
		struct epoll_event ev;

		epoll_wait(runner_fd(rn), &ev, 1, 100);
		runner_dispatch(rn);
		runner_tick(rn);
	}
	assert_int_equal(a.done, 1);
	assert_int_equal(a.status[0], 7);
	assert_int_equal(runner_running(rn), RUN_MAX_CHILDREN - 1);
	/* a slot is free again */
	assert_int_equal(run_start(rn, &q, async_done, &a), 0);
	runner_detach(rn, &a);
	while (runner_running(rn) == RUN_MAX_CHILDREN && now() - t0 < 3) {
		struct epoll_event ev;

		epoll_wait(runner_fd(rn), &ev, 1, 100);
		runner_dispatch(rn);
	}
	assert_int_equal(a.done, 1);	/* detached: no callback */
	runner_free(rn);		/* kills the sleeps; no callback */
	assert_int_equal(a.done, 1);
	assert_true(now() - t0 < 3);
}

static void test_enter_a_pid_that_is_gone_is_a_spawn_failure(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(ENTER(0x3ffffff0, "/bin/true"), -1);
	assert_true(res.spawn_failed);
	run_describe(&res, d, sizeof(d));
	assert_non_null(strstr(d, "No such process"));
}

/* This kernel's last capability is read once, at the first command that
 * enters a process (here its own: no namespace to join, the bounding set
 * cut to its own), not again for each: a file that is gone after the
 * first command does not stop the next. */
static void test_enter_reads_the_last_capability_once(void **state)
{
	char dir[256], path[PATH_MAX], *text;

	(void)state;
	if (geteuid() != 0)
		skip();
	text = read_file("/proc/sys/kernel/cap_last_cap");
	assert_non_null(text);
	scratch_dir(dir, sizeof(dir), "caplast");
	snprintf(path, sizeof(path), "%s/cap_last_cap", dir);
	write_file(path, text);
	run_test_cap_last_cap(path);
	assert_int_equal(ENTER(getpid(), "/bin/true"), 0);
	assert_true(run_ok(&res));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ENTER(getpid(), "/bin/true"), 0);
	assert_true(run_ok(&res));
	/* unread (forgotten), and no file: no command enters */
	run_test_cap_last_cap(path);
	assert_int_equal(ENTER(getpid(), "/bin/true"), -1);
	assert_true(res.spawn_failed);
	run_test_cap_last_cap(NULL);
	assert_int_equal(ENTER(getpid(), "/bin/true"), 0);
	scratch_remove(dir);
}

static void ns_link(pid_t pid, const char *ns, char *out, size_t cap)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	n = readlink(path, out, cap - 1);
	assert_true(n > 0);
	out[n] = '\0';
}

static void test_enter_runs_the_command_in_the_processs_namespaces(void **state)
{
	char want_pid[64], want_mnt[64], own[64], expect[256], d[256];
	pid_t unshare, inner;
	int st;

	(void)state;
	if (geteuid() != 0 || access("/usr/bin/unshare", X_OK) != 0)
		skip();
	unshare = fork();
	assert_true(unshare >= 0);
	if (unshare == 0) {
		execl("/usr/bin/unshare", "unshare", "--pid", "--mount", "--fork", "/bin/sleep",
		      "30", (char *)NULL);
		_exit(127);
	}
	inner = first_child(unshare);
	assert_true(inner > 0);
	ns_link(inner, "pid", want_pid, sizeof(want_pid));
	ns_link(inner, "mnt", want_mnt, sizeof(want_mnt));
	ns_link(getpid(), "pid", own, sizeof(own));
	assert_string_not_equal(want_pid, own);
	/* $$ is its pid in that namespace (sleep is 1 there); /proc is the
	 * host's mount, so /proc/self names it by its host pid */
	assert_int_equal(ENTER(inner, "/bin/sh", "-c",
			       "echo $$; readlink /proc/self/ns/pid /proc/self/ns/mnt"), 0);
	assert_true(run_ok(&res));
	snprintf(expect, sizeof(expect), "2\n%s\n%s\n", want_pid, want_mnt);
	res.out[res.out_len] = '\0';
	assert_string_equal(res.out, expect);
	/* it ends as the command ended: an exit status, a signal */
	assert_int_equal(ENTER(inner, "/bin/sh", "-c", "echo out; echo err >&2; exit 3"), 0);
	assert_int_equal(res.exit_status, 3);
	assert_int_equal(res.out_len, 4);
	assert_non_null(strstr(res.err, "err"));
	assert_int_equal(ENTER(inner, "/bin/sh", "-c", "kill -TERM $$"), 0);
	assert_int_equal(res.signal, SIGTERM);
	assert_int_equal(ENTER(inner, "/nonexistent/postsuper"), 0);
	run_describe(&res, d, sizeof(d));
	assert_string_equal(d, "not started: execve: No such file or directory");
	kill(unshare, SIGKILL);
	kill(inner, SIGKILL);
	waitpid(unshare, &st, 0);
}

/* The CapBnd and CapEff lines of /proc/PID/status (or of the text s). */
static void cap_lines(const char *s, char *bnd, char *eff, size_t cap)
{
	const char *b = strstr(s, "CapBnd:"), *e = strstr(s, "CapEff:");

	assert_non_null(b);
	assert_non_null(e);
	snprintf(bnd, cap, "%.*s", (int)strcspn(b, "\n"), b);
	snprintf(eff, cap, "%.*s", (int)strcspn(e, "\n"), e);
}

/* A container whose processes were denied capabilities (docker drops
 * CAP_SYS_ADMIN and CAP_DAC_READ_SEARCH, among others): its programs,
 * which sentineld runs as uid 0, get no more than its own processes. */
static void enter_without_a_capability(bool inheritable)
{
	char path[64], status[4096], want_bnd[128], want_eff[128], bnd[128], eff[128];
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2], was[2];
	pid_t unshare, inner;
	FILE *f;
	size_t n;
	int st;

	if (geteuid() != 0 || access("/usr/bin/unshare", X_OK) != 0 ||
	    access("/usr/bin/setpriv", X_OK) != 0)
		skip();
	unshare = fork();
	assert_true(unshare >= 0);
	if (unshare == 0) {
		execl("/usr/bin/unshare", "unshare", "--pid", "--mount", "--fork",
		      "/usr/bin/setpriv", "--bounding-set=-sys_admin,-dac_read_search,-sys_module",
		      "/bin/sleep", "30", (char *)NULL);
		_exit(127);
	}
	inner = first_child(unshare);
	assert_true(inner > 0);
	/* setpriv has exec'd sleep once the bounding set is cut */
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)inner);
		f = fopen(path, "re");
		assert_non_null(f);
		n = fread(status, 1, sizeof(status) - 1, f);
		fclose(f);
		status[n] = '\0';
		if (strstr(status, "Name:\tsleep"))
			break;
		usleep(20000);
	}
	cap_lines(status, want_bnd, want_eff, sizeof(want_bnd));
	assert_string_not_equal(want_bnd, "CapBnd:\t000001ffffffffff");
	if (inheritable) {
		/* CAP_SYS_ADMIN in our inheritable set (a unit's
		 * AmbientCapabilities= puts it there): uid 0's execve() adds
		 * that set to what the bounding set lets through */
		assert_int_equal(syscall(SYS_capget, &hdr, was), 0);
		memcpy(caps, was, sizeof(caps));
		caps[0].inheritable |= 1U << CAP_SYS_ADMIN;
		caps[0].inheritable |= 1U << CAP_DAC_READ_SEARCH;
		assert_int_equal(syscall(SYS_capset, &hdr, caps), 0);
	}
	st = ENTER(inner, "/bin/cat", "/proc/self/status");
	if (inheritable)
		assert_int_equal(syscall(SYS_capset, &hdr, was), 0);
	assert_int_equal(st, 0);
	assert_true(run_ok(&res));
	res.out[res.out_len] = '\0';
	cap_lines(res.out, bnd, eff, sizeof(bnd));
	assert_string_equal(bnd, want_bnd);
	/* uid 0's execve() took the bounding set: no CAP_SYS_ADMIN (21), no
	 * CAP_DAC_READ_SEARCH (2) */
	assert_string_equal(eff + strlen("CapEff:\t"), want_bnd + strlen("CapBnd:\t"));
	kill(unshare, SIGKILL);
	kill(inner, SIGKILL);
	waitpid(unshare, &st, 0);
}

static void test_enter_gives_the_command_no_capability_the_process_lacks(void **state)
{
	(void)state;
	enter_without_a_capability(false);
}

/* Nor one that sentineld has in its inheritable set. */
static void test_enter_gives_no_capability_from_our_inheritable_set(void **state)
{
	(void)state;
	enter_without_a_capability(true);
}

/* A process chrooted below its mount namespace's root: the command
 * takes its root too (the container's files, not the host's). */
static void test_enter_takes_the_processs_root(void **state)
{
	char dir[256], path[PATH_MAX + 64], script[PATH_MAX * 2];
	pid_t unshare, inner;
	int st;

	(void)state;
	if (geteuid() != 0 || access("/usr/bin/unshare", X_OK) != 0)
		skip();
	scratch_dir(dir, sizeof(dir), "chroot");
	snprintf(path, sizeof(path), "%s/marker", dir);
	write_file(path, "inside the chroot\n");
	/* a root of its own: /usr bound in, the merged-/usr links */
	snprintf(script, sizeof(script),
		 "mkdir %s/usr && mount --bind /usr %s/usr && ln -s usr/bin %s/bin && "
		 "ln -s usr/lib %s/lib && { [ ! -d /usr/lib64 ] || ln -s usr/lib64 %s/lib64; } && "
		 "exec /usr/sbin/chroot %s /bin/sleep 30", dir, dir, dir, dir, dir, dir);
	unshare = fork();
	assert_true(unshare >= 0);
	if (unshare == 0) {
		execl("/usr/bin/unshare", "unshare", "--mount", "--propagation", "private",
		      "--pid", "--fork", "/bin/sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	inner = first_child(unshare);
	assert_true(inner > 0);
	for (int i = 0; i < 100; i++) {	/* until sh has exec'd sleep in the chroot */
		char comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)inner);
		f = fopen(path, "re");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strcmp(comm, "sleep\n") == 0)
			break;
		usleep(20000);
	}
	assert_int_equal(ENTER(inner, "/bin/sh", "-c", "cat /marker"), 0);
	assert_true(run_ok(&res));
	res.out[res.out_len] = '\0';
	assert_string_equal(res.out, "inside the chroot\n");
	kill(unshare, SIGKILL);
	kill(inner, SIGKILL);
	waitpid(unshare, &st, 0);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_true_exits_0),
		cmocka_unit_test(test_false_exits_1_and_is_not_ok),
		cmocka_unit_test(test_stderr_tail_and_exit_status),
		cmocka_unit_test(test_stderr_keeps_the_last_bytes),
		cmocka_unit_test(test_cat_echoes_stdin),
		cmocka_unit_test(test_large_stdin_and_stdout_beyond_the_cap),
		cmocka_unit_test(test_stdin_to_a_child_that_does_not_read_raises_no_sigpipe),
		cmocka_unit_test(test_timeout_sends_sigterm_even_when_the_caller_blocks_it),
		cmocka_unit_test(test_sigterm_ignored_means_sigkill_a_second_later),
		cmocka_unit_test(test_missing_binary_is_a_spawn_failure),
		cmocka_unit_test(test_relative_argv0_is_refused),
		cmocka_unit_test(test_stdout_path_is_created_0600),
		cmocka_unit_test(test_stdout_path_refuses_an_existing_file),
		cmocka_unit_test(test_timeout_kills_a_grandchild_holding_the_pipe),
		cmocka_unit_test(test_minimal_environment),
		cmocka_unit_test(test_no_descriptor_but_0_1_2_reaches_the_child),
		cmocka_unit_test(test_own_process_group),
		cmocka_unit_test(test_async_children_and_the_limit),
		cmocka_unit_test(test_enter_a_pid_that_is_gone_is_a_spawn_failure),
		cmocka_unit_test(test_enter_reads_the_last_capability_once),
		cmocka_unit_test(test_enter_runs_the_command_in_the_processs_namespaces),
		cmocka_unit_test(test_enter_takes_the_processs_root),
		cmocka_unit_test(test_enter_gives_the_command_no_capability_the_process_lacks),
		cmocka_unit_test(test_enter_gives_no_capability_from_our_inheritable_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
