// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run.c - fork/execve with a pidfd and non-blocking pipes in an epoll set.
 *
 * Each child has a slot: its pidfd, the parent's ends of its stdin, stdout
 * and stderr pipes, and the result being filled.  Every fd is registered in
 * the runner's epoll fd with (generation, slot, which fd) as its data, so
 * an event left over from a finished child is recognised and dropped.
 *
 * A child is done when it has exited and its stdout and stderr are at EOF.
 * Its exit is noticed on the pidfd and read with WNOWAIT: the child stays
 * a zombie until the end, so that its pid, which is also its process group
 * id, cannot be reused while the group may still be signalled.  A
 * grandchild that keeps a pipe open is waited for until the timeout kills
 * the group; a grandchild that escaped the group (setsid) and still holds
 * a pipe a second after the SIGKILL is given up on: the pipes are closed.
 *
 * An execve() failure is reported by the child through a close-on-exec
 * pipe (the stage that failed and its errno), read once the child has
 * exited: spawn_failed.
 *
 * Entering a container (run_spec's enter): the parent opens a pidfd of
 * the process and its /proc/PID/root before the fork, and checks that the
 * pidfd's process is still alive after both (so the root is that
 * process's, not a reused pid's).  The child joins those of its
 * namespaces that are not ours with one setns(2) on the pidfd, takes the
 * root with fchdir + chroot when it is not the root the mount namespace
 * gave (a chroot inside it), sets up its descriptors as usual, then, when
 * it joined a PID namespace, forks: the grandchild (a process of that
 * namespace) execs, the child waits for it and exits with its status, or
 * kills itself with the signal that killed it.  Both are in the process
 * group the timeout signals.  Before that, the child's capability
 * bounding set is cut to the process's (read from /proc/PID/status by the
 * parent; this kernel's last capability is read once, at the first such
 * command), its ambient and inheritable sets cleared: the container's
 * program, run as uid 0, would otherwise get every capability sentineld
 * has, some that the container was denied.
 *
 * Writing stdin to a child that exited without reading it must not kill
 * the daemon: SIGPIPE is blocked around the write, and a SIGPIPE that the
 * write raised is consumed.  The daemon must not set SIGCHLD to SIG_IGN
 * (children would be reaped behind our back).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "run.h"

#define KILL_GRACE 1.0		/* SIGTERM to SIGKILL, and SIGKILL to giving up */
#define READ_BUDGET ((size_t)256 * 1024)	/* per fd per dispatch: fairness */

enum { FD_PID, FD_IN, FD_OUT, FD_ERR };
enum { LIVE, TERM_SENT, KILL_SENT };
/* What failed in the child, reported with its errno. */
enum { STAGE_EXEC, STAGE_SETNS, STAGE_CHROOT, STAGE_FORK, STAGE_CAPS, STAGE_COUNT };
static const char *const stage_names[STAGE_COUNT] = {
	[STAGE_EXEC] = "execve", [STAGE_SETNS] = "setns", [STAGE_CHROOT] = "chroot",
	[STAGE_FORK] = "fork",
	[STAGE_CAPS] = "capability bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP)",
};

struct spawn_err {
	int stage, err;
};

/* The namespaces a child joins (run_spec's enter); pidfd -1: none.
 * capbnd: the process's capability bounding set, which the child's is cut
 * to; last_cap: the highest capability this kernel knows. */
struct ns_enter {
	int pidfd, rootfd, flags;
	uint64_t capbnd;
	int last_cap;
};

struct child {
	bool used;
	uint32_t gen;
	pid_t pid;
	int pidfd, in, out, err, exec_err;	/* parent's ends, -1 when closed */
	bool exited;
	int wcode, wstatus;		/* siginfo si_code, si_status */
	int phase;
	double start, deadline, next;	/* next: the SIGKILL, or giving up */
	char *in_buf;
	size_t in_len, in_off;
	char err_ring[RUN_ERR_MAX - 1];
	size_t err_total;
	run_done_fn done;
	void *arg;
	struct run_result *res;
};

struct runner {
	int epfd;
	uint32_t gen;
	size_t running;
	struct child c[RUN_MAX_CHILDREN];
};

static const char *const child_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t tag(const struct runner *rn, const struct child *c, int which)
{
	return (uint64_t)c->gen << 16 | (uint64_t)(c - rn->c) << 8 | (uint64_t)which;
}

static void close_fd(struct runner *rn, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(rn->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* Close a child's descriptors and empty its slot (its result is the
 * caller's). */
static void release_slot(struct runner *rn, struct child *c)
{
	close_fd(rn, &c->pidfd);
	close_fd(rn, &c->in);
	close_fd(rn, &c->out);
	close_fd(rn, &c->err);
	close(c->exec_err);
	free(c->in_buf);
	memset(c, 0, sizeof(*c));
}

static int watch(struct runner *rn, struct child *c, int fd, int which, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag(rn, c, which) };

	return epoll_ctl(rn->epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct runner *runner_new(void)
{
	struct runner *rn = xcalloc(1, sizeof(*rn));

	rn->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rn->epfd < 0) {
		log_warn("runner: epoll_create1");
		free(rn);
		return NULL;
	}
	return rn;
}

int runner_fd(const struct runner *rn)
{
	return rn->epfd;
}

size_t runner_running(const struct runner *rn)
{
	return rn->running;
}

/* The child of a child that entered a PID namespace: wait for the
 * grandchild and end as it did. */
static void __attribute__((noreturn)) relay(pid_t pid)
{
	int st;

	for (int fd = 0; fd <= 3; fd++)
		close(fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	kill(getpid(), WTERMSIG(st));	/* the dispositions are the defaults */
	_exit(128 + WTERMSIG(st));
}

/* In the child, between fork and execve: only async-signal-safe calls. */
static void __attribute__((noreturn)) child_exec(const struct run_spec *spec, int fds[3],
						 int exec_err, const struct ns_enter *ns)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct spawn_err e = { STAGE_EXEC, 0 };
	struct stat want, now;
	sigset_t none;

	setpgid(0, 0);
	umask(022);	/* a map postmap writes must be readable by smtpd */
	/* The daemon blocks the signals it reads through a signalfd, and may
	 * ignore some: a child starts clean. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	if (ns->pidfd >= 0) {
		e.stage = STAGE_SETNS;
		if (ns->flags && setns(ns->pidfd, ns->flags) < 0)
			goto fail;
		/* the container's root, as its user namespace's root */
		if ((ns->flags & CLONE_NEWUSER) &&
		    (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			goto fail;
		/* setns(CLONE_NEWNS) made the namespace's root ours: a chroot
		 * only for a process whose root is a directory below it */
		e.stage = STAGE_CHROOT;
		if (fstat(ns->rootfd, &want) < 0 || stat("/", &now) < 0)
			goto fail;
		if ((want.st_dev != now.st_dev || want.st_ino != now.st_ino) &&
		    (fchdir(ns->rootfd) < 0 || chroot(".") < 0))
			goto fail;
		if (chdir("/") < 0)
			goto fail;
		/* the container's programs get no capability its own processes
		 * lack: theirs would be the host's (a CAP_SYS_ADMIN or
		 * CAP_DAC_READ_SEARCH that the container was not given is a way
		 * out of it); a uid 0 process's execve() takes the bounding set */
		e.stage = STAGE_CAPS;
		for (int cap = 0; cap <= ns->last_cap && cap < 64; cap++)
			if (!(ns->capbnd & (1ULL << cap)) && prctl(PR_CAPBSET_READ, cap) == 1 &&
			    prctl(PR_CAPBSET_DROP, cap) < 0)
				goto fail;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
			goto fail;
		/* and its inheritable set emptied: uid 0's execve() adds it to
		 * what the bounding set lets through (a unit's
		 * AmbientCapabilities= puts capabilities there) */
		{
			struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
			struct __user_cap_data_struct caps[2];

			if (syscall(SYS_capget, &hdr, caps) < 0)
				goto fail;
			caps[0].inheritable = caps[1].inheritable = 0;
			if (syscall(SYS_capset, &hdr, caps) < 0)
				goto fail;
		}
		e.stage = STAGE_EXEC;
	}
	/* Move every source out of 0..2 before dup2 onto 0..2, so that one
	 * dup2 cannot clobber another's source. */
	for (int i = 0; i < 3; i++)
		if (fds[i] < 3 && (fds[i] = fcntl(fds[i], F_DUPFD, 3)) < 0)
			goto fail;
	if (exec_err < 3 && (exec_err = fcntl(exec_err, F_DUPFD_CLOEXEC, 3)) < 0)
		goto fail;
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	if (exec_err != 3) {
		if (dup3(exec_err, 3, O_CLOEXEC) < 0)
			goto fail;
		exec_err = 3;
	}
	close_range(4, ~0U, 0);
	if (ns->pidfd >= 0 && (ns->flags & CLONE_NEWPID)) {
		pid_t pid = fork();

		if (pid < 0) {
			e.stage = STAGE_FORK;
			goto fail;
		}
		if (pid > 0)
			relay(pid);
	}
	execve(spec->argv[0], (char *const *)spec->argv, (char *const *)child_env);
fail:
	e.err = errno;
	if (write(exec_err, &e, sizeof(e)) < 0)
		e.err = 0;	/* nothing more to do: the exit status says 127 */
	_exit(127);
}

static bool same_ns(pid_t pid, const char *name)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	if (stat(path, &a) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The namespaces a command joins when they are not ours (setns(2) of
 * one's own user namespace is an error; of the others, a privilege that
 * systemd's RestrictNamespaces= may refuse for nothing).  Not the time
 * namespace. */
static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
	{ "net", CLONE_NEWNET }, { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
	{ "cgroup", CLONE_NEWCGROUP },
};

#define CAP_LAST_CAP_PATH "/proc/sys/kernel/cap_last_cap"

static const char *cap_last_cap_path = CAP_LAST_CAP_PATH;
static int cap_last = -1;	/* -1: not read yet */

void run_test_cap_last_cap(const char *path)
{
	cap_last_cap_path = path ? path : CAP_LAST_CAP_PATH;
	cap_last = -1;
}

/* This kernel's last capability, read once (it is fixed at boot); -1
 * while it could not be read (tried again next time). */
static int last_cap(void)
{
	int last = -1;
	FILE *f;

	if (cap_last >= 0)
		return cap_last;
	f = fopen(cap_last_cap_path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &last) == 1 && last >= 0)
		cap_last = last;
	fclose(f);
	return cap_last;
}

/* pid's capability bounding set (CapBnd of /proc/PID/status) and this
 * kernel's last capability; false when either cannot be read. */
static bool cap_bounds(pid_t pid, uint64_t *bnd, int *last)
{
	char path[64], line[256];
	unsigned long long v;
	bool found = false;
	FILE *f;

	*last = last_cap();
	if (*last < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapBnd: %llx", &v) == 1) {
			*bnd = v;
			found = true;
		}
	fclose(f);
	return found;
}

/* ns for entering pid's namespaces; 0, or -1 with errno (logged). */
static int ns_open(pid_t pid, struct ns_enter *ns)
{
	char root[64];
	int saved;

	/* The pidfd first: what /proc/PID says after it is that process's
	 * as long as it is still alive at the end (its pid not reused). */
	ns->rootfd = -1;
	ns->pidfd = pidfd_open(pid, 0);
	if (ns->pidfd >= 0 && !cap_bounds(pid, &ns->capbnd, &ns->last_cap)) {
		log_warnx("run: cannot read the capabilities of pid %d: not entering it", (int)pid);
		close(ns->pidfd);
		ns->pidfd = -1;
		errno = ESRCH;
		return -1;
	}
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	ns->flags = 0;
	for (size_t i = 0; ns->pidfd >= 0 && i < sizeof(ns_types) / sizeof(ns_types[0]); i++)
		if (!same_ns(pid, ns_types[i].name))
			ns->flags |= ns_types[i].flag;
	ns->rootfd = ns->pidfd < 0 ? -1 : open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns->rootfd >= 0 && pidfd_send_signal(ns->pidfd, 0, NULL, 0) == 0)
		return 0;
	saved = ns->rootfd >= 0 ? ESRCH : errno;
	log_warnx("run: cannot enter the namespaces of pid %d: %s", (int)pid, strerror(saved));
	if (ns->pidfd >= 0)
		close(ns->pidfd);
	if (ns->rootfd >= 0)
		close(ns->rootfd);
	ns->pidfd = ns->rootfd = -1;
	errno = saved;
	return -1;
}

static void ns_close(struct ns_enter *ns)
{
	if (ns->pidfd >= 0)
		close(ns->pidfd);
	if (ns->rootfd >= 0)
		close(ns->rootfd);
}

static struct child *free_slot(struct runner *rn)
{
	for (size_t i = 0; i < RUN_MAX_CHILDREN; i++)
		if (!rn->c[i].used)
			return &rn->c[i];
	return NULL;
}

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int run_start(struct runner *rn, const struct run_spec *spec, run_done_fn done, void *arg)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, xe[2] = { -1, -1 };
	struct ns_enter ns = { -1, -1, 0, 0, 0 };
	int child_fds[3], saved;
	struct child *c;
	pid_t pid;

	if (!spec || !spec->argv || !spec->argv[0] || spec->argv[0][0] != '/' ||
	    !(spec->timeout > 0) || (spec->stdin_len && !spec->stdin_data)) {
		log_warnx("run: refusing a command without an absolute argv[0] or a timeout");
		errno = EINVAL;
		return -1;
	}
	c = free_slot(rn);
	if (!c) {
		log_warnx("run: %d commands running already, not starting %s",
			  RUN_MAX_CHILDREN, spec->argv[0]);
		errno = EAGAIN;
		return -1;
	}
	if (spec->enter > 0 && ns_open(spec->enter, &ns) < 0)
		return -1;
	if (spec->stdout_path) {
		out[1] = open(spec->stdout_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			      0600);
		if (out[1] < 0) {
			log_warn("run: %s: cannot create %s", spec->argv[0], spec->stdout_path);
			saved = errno;
			ns_close(&ns);
			errno = saved;
			return -1;
		}
	} else if (pipe2(out, O_CLOEXEC) < 0) {
		goto fail;
	}
	if (spec->stdin_data) {
		if (pipe2(in, O_CLOEXEC) < 0)
			goto fail;
	} else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		goto fail;
	}
	if (pipe2(err, O_CLOEXEC) < 0 || pipe2(xe, O_CLOEXEC) < 0)
		goto fail;
	if ((in[1] >= 0 && nonblock(in[1]) < 0) || (out[0] >= 0 && nonblock(out[0]) < 0) ||
	    nonblock(err[0]) < 0 || nonblock(xe[0]) < 0)
		goto fail;

	child_fds[0] = in[0];
	child_fds[1] = out[1];
	child_fds[2] = err[1];
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child_exec(spec, child_fds, xe[1], &ns);
	/* Also here, so that the group exists before run_start returns. */
	setpgid(pid, pid);
	ns_close(&ns);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(xe[1]);

	memset(c, 0, sizeof(*c));
	c->used = true;
	c->gen = ++rn->gen & 0xffffffffu;
	c->pid = pid;
	c->in = in[1];
	c->out = out[0];
	c->err = err[0];
	c->exec_err = xe[0];
	c->done = done;
	c->arg = arg;
	c->start = now_mono();
	c->deadline = c->start + spec->timeout;
	c->res = xcalloc(1, sizeof(*c->res));
	c->pidfd = pidfd_open(pid, 0);
	if (c->pidfd < 0 || watch(rn, c, c->pidfd, FD_PID, EPOLLIN) < 0 ||
	    (c->out >= 0 && watch(rn, c, c->out, FD_OUT, EPOLLIN) < 0) ||
	    watch(rn, c, c->err, FD_ERR, EPOLLIN) < 0)
		goto fail_child;
	if (c->in >= 0) {
		if (spec->stdin_len == 0) {
			close_fd(rn, &c->in);
		} else {
			c->in_buf = xmalloc(spec->stdin_len);
			memcpy(c->in_buf, spec->stdin_data, spec->stdin_len);
			c->in_len = spec->stdin_len;
			if (watch(rn, c, c->in, FD_IN, EPOLLOUT) < 0)
				goto fail_child;
		}
	}
	rn->running++;
	return 0;

fail_child:
	saved = errno;
	log_warn("run: cannot watch %s (pid %d)", spec->argv[0], (int)pid);
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free(c->res);
	release_slot(rn, c);
	errno = saved;
	return -1;
fail:
	saved = errno;
	log_warn("run: cannot start %s", spec->argv[0]);
	ns_close(&ns);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
		if (xe[i] >= 0)
			close(xe[i]);
	}
	errno = saved;
	return -1;
}

/* A write that cannot raise SIGPIPE in the daemon (the child may be gone). */
static ssize_t write_nosigpipe(int fd, const char *p, size_t n)
{
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t w;
	int saved;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	w = write(fd, p, n);
	saved = errno;
	if (w < 0 && saved == EPIPE && !was_pending) {
		static const struct timespec zero;

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return w;
}

static void feed_stdin(struct runner *rn, struct child *c)
{
	while (c->in >= 0 && c->in_off < c->in_len) {
		ssize_t w = write_nosigpipe(c->in, c->in_buf + c->in_off, c->in_len - c->in_off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			break;	/* EPIPE: the child does not read; not our error */
		}
		c->in_off += (size_t)w;
	}
	close_fd(rn, &c->in);
	free(c->in_buf);
	c->in_buf = NULL;
}

static void keep_err(struct child *c, const char *p, size_t n)
{
	const size_t cap = sizeof(c->err_ring);

	for (size_t i = 0; i < n; i++)
		c->err_ring[(c->err_total + i) % cap] = p[i];
	c->err_total += n;
}

/* Read what waits on stdout or stderr; EOF closes the fd. */
static void drain(struct runner *rn, struct child *c, int *fd, bool is_out)
{
	struct run_result *r = c->res;
	char scratch[4096];
	size_t budget = READ_BUDGET;

	while (*fd >= 0 && budget > 0) {
		char *dst = scratch;
		size_t room = sizeof(scratch);
		ssize_t n;

		if (is_out && r->out_len < RUN_OUT_MAX) {
			dst = r->out + r->out_len;
			room = RUN_OUT_MAX - r->out_len;
		}
		n = read(*fd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(rn, fd);
			return;
		}
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if (!is_out)
			keep_err(c, scratch, (size_t)n);
		else if (dst == scratch)
			r->out_dropped += (size_t)n;
		else
			r->out_len += (size_t)n;
	}
}

/* Has it exited?  Read without reaping (see the top of the file). */
static void check_exit(struct runner *rn, struct child *c)
{
	siginfo_t si;

	if (c->exited)
		return;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == ECHILD) {	/* reaped behind our back: SIGCHLD ignored? */
			c->exited = true;
			c->wcode = CLD_KILLED;
			c->wstatus = 0;
		}
	} else if (si.si_pid != 0) {
		c->exited = true;
		c->wcode = si.si_code;
		c->wstatus = si.si_status;
	}
	if (c->exited)
		epoll_ctl(rn->epfd, EPOLL_CTL_DEL, c->pidfd, NULL);	/* stays readable */
}

static void finish(struct runner *rn, struct child *c)
{
	struct run_result *r = c->res;
	const size_t cap = sizeof(c->err_ring);
	size_t n = c->err_total < cap ? c->err_total : cap;
	size_t from = c->err_total < cap ? 0 : c->err_total % cap;
	run_done_fn done = c->done;
	void *arg = c->arg;
	struct spawn_err e;
	siginfo_t si;

	waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG);	/* reap */
	for (size_t i = 0; i < n; i++) {
		char ch = c->err_ring[(from + i) % cap];

		r->err[i] = ch ? ch : ' ';
	}
	r->err[n] = '\0';
	if (c->wcode == CLD_EXITED) {
		r->exit_status = c->wstatus;
	} else {
		r->exit_status = -1;
		r->signal = c->wstatus;
	}
	if (read(c->exec_err, &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		r->spawn_failed = true;
		snprintf(r->err, sizeof(r->err), "%s: %s",
			 (unsigned)e.stage < STAGE_COUNT ? stage_names[e.stage] : "?",
			 strerror(e.err));
	}
	r->elapsed = now_mono() - c->start;
	release_slot(rn, c);	/* before the callback runs */
	rn->running--;
	if (done)
		done(r, arg);
	free(r);
}

static void maybe_finish(struct runner *rn, struct child *c)
{
	if (c->used && c->exited && c->out < 0 && c->err < 0)
		finish(rn, c);
}

void runner_dispatch(struct runner *rn)
{
	struct epoll_event ev[32];
	int n = epoll_wait(rn->epfd, ev, 32, 0);

	for (int i = 0; i < n; i++) {
		uint64_t t = ev[i].data.u64;
		size_t slot = (size_t)(t >> 8 & 0xff);
		struct child *c;

		if (slot >= RUN_MAX_CHILDREN)
			continue;
		c = &rn->c[slot];
		if (!c->used || c->gen != (uint32_t)(t >> 16))
			continue;	/* a finished child's leftover event */
		switch ((int)(t & 0xff)) {
		case FD_PID:
			check_exit(rn, c);
			break;
		case FD_IN:
			feed_stdin(rn, c);
			break;
		case FD_OUT:
			drain(rn, c, &c->out, true);
			break;
		case FD_ERR:
			drain(rn, c, &c->err, false);
			break;
		}
		maybe_finish(rn, c);
	}
}

void runner_tick(struct runner *rn)
{
	double now = now_mono();

	for (size_t i = 0; i < RUN_MAX_CHILDREN; i++) {
		struct child *c = &rn->c[i];

		if (!c->used)
			continue;
		check_exit(rn, c);
		if (c->phase == LIVE && now >= c->deadline) {
			c->res->timed_out = true;
			kill(-c->pid, SIGTERM);
			c->phase = TERM_SENT;
			c->next = now + KILL_GRACE;
		} else if (c->phase == TERM_SENT && now >= c->next) {
			kill(-c->pid, SIGKILL);
			c->phase = KILL_SENT;
			c->next = now + KILL_GRACE;
		} else if (c->phase == KILL_SENT && now >= c->next && c->exited) {
			/* a grandchild outside the group holds a pipe: give up */
			close_fd(rn, &c->out);
			close_fd(rn, &c->err);
		}
		maybe_finish(rn, c);
	}
}

void runner_detach(struct runner *rn, const void *arg)
{
	for (size_t i = 0; i < RUN_MAX_CHILDREN; i++)
		if (rn->c[i].used && rn->c[i].arg == arg)
			rn->c[i].done = NULL;
}

void runner_free(struct runner *rn)
{
	if (!rn)
		return;
	for (size_t i = 0; i < RUN_MAX_CHILDREN; i++) {
		struct child *c = &rn->c[i];
		siginfo_t si;

		if (!c->used)
			continue;
		kill(-c->pid, SIGKILL);
		while (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED) < 0 && errno == EINTR)
			;
		close(c->pidfd);
		if (c->in >= 0)
			close(c->in);
		if (c->out >= 0)
			close(c->out);
		if (c->err >= 0)
			close(c->err);
		close(c->exec_err);
		free(c->in_buf);
		free(c->res);
	}
	close(rn->epfd);
	free(rn);
}

struct sync_ctx {
	struct run_result *res;
	bool done;
};

static void sync_done(const struct run_result *r, void *arg)
{
	struct sync_ctx *s = arg;

	memcpy(s->res, r, sizeof(*r));
	s->done = true;
}

int run_sync(const struct run_spec *spec, struct run_result *res)
{
	struct sync_ctx s = { .res = res };
	struct runner *rn = runner_new();
	int saved;

	memset(res, 0, sizeof(*res));
	if (!rn || run_start(rn, spec, sync_done, &s) < 0) {
		saved = errno;
		res->spawn_failed = true;
		res->exit_status = -1;
		snprintf(res->err, sizeof(res->err), "%s", strerror(saved));
		runner_free(rn);
		errno = saved;
		return -1;
	}
	while (!s.done) {
		struct epoll_event ev;

		/* 50 ms: the timeouts are checked at least that often */
		if (epoll_wait(runner_fd(rn), &ev, 1, 50) < 0 && errno != EINTR)
			break;
		runner_dispatch(rn);
		runner_tick(rn);
	}
	runner_free(rn);
	return s.done ? 0 : -1;
}

void run_describe(const struct run_result *r, char *buf, size_t cap)
{
	char tail[RUN_ERR_MAX];
	size_t n = 0;
	int len;

	if (cap == 0)
		return;
	/* the stderr tail on one line: newlines and controls become spaces */
	for (const char *p = r->err; *p && n < sizeof(tail) - 1; p++) {
		unsigned char ch = (unsigned char)*p;

		tail[n++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	while (n > 0 && tail[n - 1] == ' ')
		n--;
	tail[n] = '\0';

	if (r->spawn_failed)
		len = snprintf(buf, cap, "not started: %s", tail);
	else if (r->timed_out)
		len = snprintf(buf, cap, "timed out after %.1f s%s%s", r->elapsed,
			       n ? ": " : "", tail);
	else if (r->signal)
		len = snprintf(buf, cap, "killed by SIG%s%s%s",
			       sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "?",
			       n ? ": " : "", tail);
	else
		len = snprintf(buf, cap, "exit %d%s%s", r->exit_status, n ? ": " : "", tail);
	(void)len;
}
