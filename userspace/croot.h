/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * croot.h - a container's files, read from the host through its root.
 *
 * A containerised Postfix ([maillog] root: /proc/PID/root of a process
 * in the container, or the directory of its root) names its users, its
 * daemon_directory and its programs as the container sees them: _UID and
 * _EXE in the container's journal are the container's uid and path (its
 * journald reads the writer's credentials and /proc/PID/exe in the
 * container's namespaces), and so is /proc/PID/exe of its smtpd read from
 * the host (the kernel names a file of another mount namespace from that
 * namespace's root).  These helpers read through the root as the
 * container would: a path is resolved with openat2(RESOLVE_IN_ROOT), so
 * that an absolute symlink in the container points into the container,
 * never at the host's file; a user is looked up in the container's
 * etc/passwd (fgetpwent_r: getpwnam_r reads the host's databases).
 * root "" (or "/") is the host's: plain open(2), realpath(3), getpwnam_r.
 *
 * The container's processes: croot_find() names the host pid of a
 * process of the container, whose namespaces the actions' Postfix
 * commands enter (run.h, run_spec's enter), as an admin's shell in the
 * container has them (machinectl shell, docker exec): a process whose
 * /proc/PID/root is the container's root (the same file: device and
 * inode), first choice the container's init (pid 1 of its own PID
 * namespace, the outermost such; its mount namespace is the container's),
 * else a Postfix master (comm "master": a container without a PID
 * namespace of its own), else the lowest pid with that root.  Not the
 * master first: a master started by systemd runs in its unit's mount
 * namespace, and Debian 13's postfix.service has ProtectSystem=full
 * (/etc read-only there: postmap could not write the access map).  It
 * looks each time it is called, one pass over /proc unless the process it
 * found last is still there and still as good, so that a container that
 * restarted (a new init, new namespaces, a new /proc/PID/root) is
 * followed without a restart of sentineld.  The root's identity is read
 * at each call when root is a directory (one that is mounted anew is
 * followed); when root is /proc/PID/root, the one read first stands (once
 * that process ended, PID may be another's, a host process's, whose root
 * would be taken for the container's).
 *
 * The container's PID namespace ([maillog] pid_namespace: whose pids its
 * log carries), followed across its restarts: croot_pidns_init() at
 * start-up; when the configured namespace is then that of the
 * container's init (croot_find() found an init: not its master, in a
 * container without a PID namespace of its own), croot_pidns_get() gives
 * the namespace of its init at each call (a restarted container has a new
 * init in a new one), else the configured one, fixed (sentineld's own, or
 * one the operator chose that is not the init's: a Postfix in a namespace
 * nested below it).  While no init of the container runs, the last one
 * found stands: the namespace of another process with its root (a
 * process of the host chrooted into it) is never taken.
 *
 * Limits: files only (a container's NSS modules, LDAP users, are not
 * consulted); a user database of at most CROOT_PASSWD_MAX bytes a line; a
 * container restarted on another root file system (a new overlay) is
 * followed only when root names its directory, not /proc/PID/root.
 */
#ifndef SENTINEL_CROOT_H
#define SENTINEL_CROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CROOT_PASSWD_MAX 4096

/* What croot_find() keeps between calls. */
struct croot_proc {
	bool known;			/* dev and ino of the root were read */
	dev_t dev;
	ino_t ino;
	pid_t pid;			/* the process found last, 0 none */
	int rank;			/* its rank (croot.c) */
};

/* Where openat2(2) is refused (ENOSYS: systemd's RestrictSUIDSGID=), a
 * path is resolved one component at a time, to the same rules; tests
 * force that with croot_test_without_openat2(true). */
void croot_test_without_openat2(bool on);

/* Whether root is the host's ("" or "/"). */
bool croot_is_host(const char *root);
/* Open path (absolute, the container's view) under root; flags of open(2)
 * (O_CLOEXEC added).  fd, or -1 with errno. */
int croot_open(const char *root, const char *path, int flags);
/* path with every symlink resolved under root, as the container names it,
 * in out.  0, or -1 with errno. */
int croot_realpath(const char *root, const char *path, char *out, size_t cap);
/* path resolved under root, as the host reaches it: ROOT + the
 * container's name of it (where sentineld writes the access map's
 * source).  0, or -1 with errno. */
int croot_host_path(const char *root, const char *path, char *out, size_t cap);
/* The uid of user name in root's user database.  1 found, 0 no such
 * user, -1 unreadable (err says why; an etc/passwd that is no regular
 * file, a FIFO the container left there, is refused without waiting). */
int croot_user_uid(const char *root, const char *name, uid_t *uid, char *err,
		   size_t errcap);

/* The host pid (under proc: "/proc", or a test's tree) of the container's
 * init, else of its Postfix master, else of its lowest process (see
 * above).  0 when root is the host's; -1 with the reason in why when no
 * process of it runs. */
pid_t croot_find(const char *proc, const char *root, struct croot_proc *cp, char *why,
		 size_t cap);

/* What croot_pidns_get() keeps. */
struct croot_pidns {
	uint32_t want;			/* configured: 0 none (sentineld's own) */
	uint32_t now;			/* in force: want, or the container's now */
	bool follows;			/* want was its init's at the start */
};

/* f for the configured namespace want (inode number; 0 none) of the
 * container at root (its process found with croot_find() under proc, cp
 * kept between calls). */
void croot_pidns_init(struct croot_pidns *f, uint32_t want, const char *proc, const char *root,
		      struct croot_proc *cp);
/* The namespace in force now (f->now): looked up again when it follows. */
uint32_t croot_pidns_get(struct croot_pidns *f, const char *proc, const char *root,
			 struct croot_proc *cp);

#endif
