/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run.h - the one way to run an external command: fork/execve, no shell.
 *
 * A command is an argv whose argv[0] is an absolute path: nothing from a
 * log line ever reaches a shell, and PATH is not consulted.  The child
 * gets /dev/null or the given bytes on stdin, a minimal environment
 * (PATH=/usr/sbin:/usr/bin:/sbin:/bin, LANG=C), its own process group,
 * umask 022, and no descriptors but 0, 1 and 2.  Its stdout is captured
 * (the first RUN_OUT_MAX bytes, the rest counted and dropped) or written
 * to a file created with O_EXCL and mode 0600; its stderr is captured (the
 * last RUN_ERR_MAX bytes).  A command that outlives its timeout is killed
 * (SIGTERM, then SIGKILL a second later, the whole process group).
 *
 * Asynchronous use, inside the daemon's epoll loop: a runner owns an epoll
 * fd of its own (runner_fd) holding each child's pidfd and pipes; the
 * daemon watches that fd and calls runner_dispatch() when it is readable,
 * and runner_tick() from its timer for the timeouts.  The done callback
 * runs from runner_dispatch()/runner_tick() once the child is reaped and
 * its pipes are drained.  At most RUN_MAX_CHILDREN run at once; run_start()
 * beyond that fails (the caller queues or retries).
 *
 * A command may run in the namespaces of another process (struct
 * run_spec's enter: the host pid of a process of a container), as
 * `nsenter -t PID -a -r` runs it: the child joins each of that process's
 * namespaces that is not ours (user, then as its root; mount, PID,
 * network, UTS, IPC, cgroup; not time), takes its root directory (a
 * chroot(2) only when it is not its mount namespace's root), and
 * cuts its capability bounding set to that process's and empties its
 * ambient and inheritable sets (the container's programs never run with
 * a capability its own processes lack: that takes CAP_SETPCAP when there
 * is one to drop), and
 * forks once more when it joined a PID namespace (that is entered by a
 * new process): the program runs in the grandchild, the child waits for
 * it and exits as it did, so that the exit status, the timeout's kill of
 * the process group and the captured output are as for any command.  That
 * needs CAP_SYS_ADMIN and CAP_SYS_CHROOT (setns(2) of a mount namespace
 * asks for both), and setns(2) allowed for those namespace types.  A failure to enter is a spawn
 * failure ("setns: ...", "chroot: ...").
 *
 * run_sync() runs one command to completion (tools, tests).
 */
#ifndef SENTINEL_RUN_H
#define SENTINEL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RUN_OUT_MAX 65536
#define RUN_ERR_MAX 2048
#define RUN_MAX_CHILDREN 16

struct run_spec {
	const char *const *argv;	/* argv[0] absolute; NULL-terminated */
	const char *stdin_data;		/* NULL: /dev/null */
	size_t stdin_len;
	const char *stdout_path;	/* NULL: capture into out */
	double timeout;			/* seconds, > 0 */
	pid_t enter;			/* > 0: run in the namespaces of this
					 * process (see above); 0: here */
};

struct run_result {
	int exit_status;		/* 0..255, or -1 when killed by a signal */
	int signal;			/* the signal, or 0 */
	bool timed_out;
	bool spawn_failed;		/* fork/exec failed: err says why */
	double elapsed;			/* seconds */
	char out[RUN_OUT_MAX];
	size_t out_len;
	size_t out_dropped;
	char err[RUN_ERR_MAX];		/* NUL-terminated, the stderr tail */
};

/* True when the command ran and exited 0. */
static inline bool run_ok(const struct run_result *r)
{
	return !r->spawn_failed && !r->timed_out && r->signal == 0 && r->exit_status == 0;
}

typedef void (*run_done_fn)(const struct run_result *r, void *arg);

struct runner;

struct runner *runner_new(void);
/* Kills and reaps what still runs; their callbacks do not run. */
void runner_free(struct runner *rn);
/* The callbacks of the commands started with this arg will not run (the
 * commands go on; they are reaped as usual): for a caller freed before
 * the runner. */
void runner_detach(struct runner *rn, const void *arg);
int runner_fd(const struct runner *rn);
void runner_dispatch(struct runner *rn);
void runner_tick(struct runner *rn);
size_t runner_running(const struct runner *rn);

/* 0, or -1 with errno (EAGAIN: RUN_MAX_CHILDREN running; the reason is
 * logged).  The spec's strings are copied. */
int run_start(struct runner *rn, const struct run_spec *spec, run_done_fn done, void *arg);

/* 0 when the command was started (see res for how it ended), -1 if not. */
int run_sync(const struct run_spec *spec, struct run_result *res);

/* Tests: where this kernel's last capability is read (once, at the first
 * command that enters a process's namespaces; NULL: /proc's), and forget
 * what was read. */
void run_test_cap_last_cap(const char *path);

/* One line for a log or an audit record: "exit 1: <stderr tail>",
 * "killed by SIGKILL", "timed out after 10.0 s", ... */
void run_describe(const struct run_result *r, char *buf, size_t cap);

#endif
