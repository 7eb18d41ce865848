// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * croot.c - a container's files, read from the host through its root
 * (see croot.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "croot.h"

bool croot_is_host(const char *root)
{
	return !root || !root[0] || strcmp(root, "/") == 0;
}

static bool no_openat2;

void croot_test_without_openat2(bool on)
{
	no_openat2 = on;
}

static bool same_file(int fd, const struct stat *st)
{
	struct stat now;

	return fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/* What openat2(RESOLVE_IN_ROOT) does, one component at a time: where
 * openat2 is refused (ENOSYS: systemd's RestrictSUIDSGID= cannot inspect
 * its flags, so its filter refuses it).  ".." stops at the root, an
 * absolute symlink starts again at the root, at most 40 symlinks. */
static int walk_in(int rootfd, const char *path, int flags)
{
	char rest[2 * PATH_MAX], link[PATH_MAX], tmp[2 * PATH_MAX];
	struct stat root_st, st;
	int cur, links = 0, fd, saved;

	if (fstat(rootfd, &root_st) < 0 || strlen(path) >= sizeof(rest))
		return -1;
	snprintf(rest, sizeof(rest), "%s", path);
	cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	while (cur >= 0) {
		char *p = rest, *comp, *slash;
		bool last;

		if (*p == '/') {	/* absolute: from the root */
			close(cur);
			cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (cur < 0)
				return -1;
		}
		while (*p == '/')
			p++;
		if (!*p) {	/* the path ends here: cur itself */
			fd = openat(cur, ".", flags | O_CLOEXEC);
			saved = errno;
			close(cur);
			errno = saved;
			return fd;
		}
		comp = p;
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		last = !slash || !slash[1 + strspn(slash + 1, "/")];
		if (strcmp(comp, ".") == 0 || (strcmp(comp, "..") == 0 && same_file(cur, &root_st))) {
			fd = -2;	/* stay */
		} else if (strcmp(comp, "..") == 0) {
			fd = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		} else if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(cur, comp, link, sizeof(link) - 1);

			if (n < 0 || ++links > 40) {
				saved = n < 0 ? errno : ELOOP;
				close(cur);
				errno = saved;
				return -1;
			}
			link[n] = '\0';
			/* the link, then what followed it; relative: from cur */
			snprintf(tmp, sizeof(tmp), "%s%s%s", link, slash ? "/" : "",
				 slash ? slash + 1 : "");
			memcpy(rest, tmp, sizeof(rest));
			continue;
		} else {
			fd = openat(cur, comp, (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW |
				    O_CLOEXEC);
			if (last) {
				saved = errno;
				close(cur);
				errno = saved;
				return fd;
			}
		}
		if (fd == -1) {
			saved = errno;
			close(cur);
			errno = saved;
			return -1;
		}
		if (fd >= 0) {
			close(cur);
			cur = fd;
		}
		if (!slash) {	/* ".", ".." last: cur itself */
			rest[0] = '\0';
			continue;
		}
		memmove(rest, slash + 1, strlen(slash + 1) + 1);
	}
	return -1;
}

static int open_in(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = no_openat2 ? -1 : (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd < 0 && (no_openat2 || errno == ENOSYS))
		return walk_in(dirfd, path, flags);
	return fd;
}

int croot_open(const char *root, const char *path, int flags)
{
	int rootfd, fd, saved;

	if (croot_is_host(root))
		return open(path, flags | O_CLOEXEC);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	fd = open_in(rootfd, path, flags);
	saved = errno;
	close(rootfd);
	errno = saved;
	return fd;
}

static ssize_t fd_path(int fd, char *out, size_t cap)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, cap - 1);
	if (n < 0)
		return -1;
	if ((size_t)n >= cap - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[n] = '\0';
	return n;
}

/* The kernel names an open file from the reader's root when it can reach
 * it (a container's root that is a directory of the host), else from the
 * root of the file's mount namespace (/proc/PID/root of a container with
 * its own): either way the root's own name is the prefix to take off. */
int croot_realpath(const char *root, const char *path, char *out, size_t cap)
{
	char rp[PATH_MAX], full[PATH_MAX];
	int rootfd, fd, rc = -1;
	size_t rn;

	if (croot_is_host(root)) {
		if (!realpath(path, full))
			return -1;
		goto copy;
	}
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	fd = open_in(rootfd, path, O_PATH);
	if (fd >= 0 && fd_path(rootfd, rp, sizeof(rp)) >= 0 &&
	    fd_path(fd, full, sizeof(full)) >= 0)
		rc = 0;
	if (fd >= 0)
		close(fd);
	close(rootfd);
	if (rc < 0)
		return -1;
	rn = strcmp(rp, "/") == 0 ? 0 : strlen(rp);
	if (strncmp(full, rp, rn) != 0 || (full[rn] != '/' && full[rn] != '\0')) {
		errno = EXDEV;		/* not below the root: a file of another mount */
		return -1;
	}
	memmove(full, full + rn, strlen(full + rn) + 1);
	if (!full[0])
		snprintf(full, sizeof(full), "/");
copy:
	if (strlen(full) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, full, strlen(full) + 1);
	return 0;
}

int croot_host_path(const char *root, const char *path, char *out, size_t cap)
{
	char in[PATH_MAX];

	if (croot_realpath(root, path, in, sizeof(in)) < 0)
		return -1;
	if (croot_is_host(root))
		return snprintf(out, cap, "%s", in) < (int)cap ? 0 : (errno = ENAMETOOLONG, -1);
	if (snprintf(out, cap, "%s%s", root, strcmp(in, "/") == 0 ? "" : in) >= (int)cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int croot_user_uid(const char *root, const char *name, uid_t *uid, char *err,
		   size_t errcap)
{
	char buf[CROOT_PASSWD_MAX];
	struct passwd pw, *res = NULL;
	struct stat st;
	int fd, e, found = 0;
	FILE *f;

	if (croot_is_host(root)) {
		e = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
		if (e == 0 && res)
			*uid = pw.pw_uid;
		else if (e != 0)
			snprintf(err, errcap, "getpwnam %s: %s", name, strerror(e));
		return e == 0 ? res != NULL : -1;
	}
	/* O_NONBLOCK: a FIFO there (the container's choice) would make the
	 * open wait for a writer; only a regular file is read */
	fd = croot_open(root, "/etc/passwd", O_RDONLY | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		snprintf(err, errcap, "%s/etc/passwd: not a regular file", root);
		close(fd);
		return -1;
	}
	f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		snprintf(err, errcap, "%s/etc/passwd: %s", root, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* fgetpwent_r skips no bad line: ERANGE is a line over the buffer,
	 * anything else the end */
	while ((e = fgetpwent_r(f, &pw, buf, sizeof(buf), &res)) == 0 && res) {
		if (strcmp(pw.pw_name, name) == 0) {
			*uid = pw.pw_uid;
			found = 1;
			break;
		}
	}
	if (!found && e == ERANGE) {
		snprintf(err, errcap, "%s/etc/passwd: a line over %d bytes", root,
			 CROOT_PASSWD_MAX);
		found = -1;
	}
	fclose(f);
	return found;
}

#define RANK_INIT 3

/* How good proc/PID is for entering the container (croot.h): 0 not of
 * it, 1 of it, 2 a master of it, RANK_INIT and up its init (the fewer PID
 * namespaces, the higher); -1 gone. */
static int proc_rank(const char *proc, const char *pid, const struct croot_proc *cp)
{
	char path[PATH_MAX], buf[4096];
	struct stat st;
	ssize_t n;
	int fd, depth = 0;
	const char *ns;

	snprintf(path, sizeof(path), "%s/%s/root", proc, pid);
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ESRCH ? -1 : 0;
	if (st.st_dev != cp->dev || st.st_ino != cp->ino)
		return 0;
	/* "NSpid:\t412\t1": pid 1 of its innermost PID namespace */
	snprintf(path, sizeof(path), "%s/%s/status", proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	ns = strstr(buf, "\nNSpid:");
	if (ns) {
		const char *end = strchr(ns + 1, '\n'), *last = NULL;

		for (const char *p = ns + 7; *p && (!end || p < end); p++)
			if ((*p == '\t' || *p == ' ') && p[1] >= '0' && p[1] <= '9') {
				depth++;
				last = p + 1;
			}
		if (last && depth < 32 && strtol(last, NULL, 10) == 1 &&
		    (last[1] == '\n' || last[1] == '\0'))
			return RANK_INIT + (32 - depth);
	}
	snprintf(path, sizeof(path), "%s/%s/comm", proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, 32);
	if (fd >= 0)
		close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	return n == 6 && memcmp(buf, "master", 6) == 0 ? 2 : 1;
}

/* Whether root is a link of /proc (/proc/PID/root), not a directory. */
static bool proc_link(const char *root)
{
	int fd = open(root, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	bool is = fd >= 0 && fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;

	if (fd >= 0)
		close(fd);
	return is;
}

pid_t croot_find(const char *proc, const char *root, struct croot_proc *cp, char *why,
		 size_t cap)
{
	pid_t best = 0;
	int best_rank = 0;
	struct stat st;
	struct dirent *de;
	char pid[24];
	DIR *d;

	if (croot_is_host(root))
		return 0;
	/* /proc/PID/root names the root it named first: once PID's process
	 * ended, its pid may be another's (a host process's, whose root is
	 * the host's, and then so would be the init found) */
	if (cp->known && proc_link(root)) {
		/* as read first */
	} else if (stat(root, &st) == 0) {
		cp->known = true;
		cp->dev = st.st_dev;
		cp->ino = st.st_ino;
	} else if (!cp->known) {
		snprintf(why, cap, "%s: %s", root, strerror(errno));
		return -1;
	}
	if (cp->pid > 0) {
		snprintf(pid, sizeof(pid), "%d", (int)cp->pid);
		if (proc_rank(proc, pid, cp) == cp->rank)
			return cp->pid;
	}
	cp->pid = 0;
	d = opendir(proc);
	if (!d) {
		snprintf(why, cap, "%s: %s", proc, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *end;
		long p = strtol(de->d_name, &end, 10);
		int r;

		if (*end || p <= 0 || p > INT_MAX)
			continue;
		r = proc_rank(proc, de->d_name, cp);
		if (r > best_rank || (r > 0 && r == best_rank && p < best)) {
			best = (pid_t)p;
			best_rank = r;
		}
	}
	closedir(d);
	if (!best) {
		snprintf(why, cap, "no process of the container at %s runs (none has that root)",
			 root);
		return -1;
	}
	cp->pid = best;
	cp->rank = best_rank;
	return best;
}

/* The PID namespace (inode number) of the container's init now; 0
 * unknown, or no init of it runs: the process found then is in another
 * namespace than the container's (its master in the host's, a process
 * of the host chrooted into it), or one that a process of it made. */
static uint32_t proc_pidns(const char *proc, const char *root, struct croot_proc *cp)
{
	char why[256], path[PATH_MAX];
	pid_t pid = croot_find(proc, root, cp, why, sizeof(why));
	struct stat st;

	if (pid <= 0 || cp->rank < RANK_INIT)
		return 0;
	snprintf(path, sizeof(path), "%s/%d/ns/pid", proc, (int)pid);
	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

void croot_pidns_init(struct croot_pidns *f, uint32_t want, const char *proc, const char *root,
		      struct croot_proc *cp)
{
	f->want = f->now = want;
	f->follows = want && !croot_is_host(root) && proc_pidns(proc, root, cp) == want;
}

uint32_t croot_pidns_get(struct croot_pidns *f, const char *proc, const char *root,
			 struct croot_proc *cp)
{
	uint32_t now = f->follows ? proc_pidns(proc, root, cp) : 0;

	if (now)
		f->now = now;
	return f->now;
}
