// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sockkill.c - SOCK_DESTROY the sockets of given smtpd sessions (sockkill.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sockkill.h"

struct target {
	unsigned long inode;
	unsigned long netns;		/* the smtpd's network namespace (inode) */
	long pid;			/* the smtpd, as PROC names it */
	unsigned char addr[16];		/* the session's client, v4-mapped */
};

struct found {
	struct inet_diag_sockid id;
	unsigned char family;
};

struct scan {
	unsigned long netns;		/* the targets of this namespace only */
	const struct target *t;
	size_t nt;
	struct found *f;
	size_t nf, capf;
};

static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int sockkill_parse_ip(const char *text, unsigned char addr[16])
{
	struct in_addr a4;

	if (strncasecmp(text, "IPv6:", 5) == 0)
		text += 5;
	if (inet_pton(AF_INET, text, &a4) == 1) {
		memcpy(addr, v4mapped, 12);
		memcpy(addr + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, text, addr) == 1 ? 0 : -1;
}

enum pid_kind { PID_SMTPD, PID_OTHER, PID_UNREADABLE };

/* A pid that is gone is no error; one that is there but cannot be read is. */
static enum pid_kind unreadable(const char *path, char *why, size_t cap)
{
	if (errno == ENOENT || errno == ESRCH)
		return PID_OTHER;
	snprintf(why, cap, "%s: %s", path, strerror(errno));
	return PID_UNREADABLE;
}

/* Whether pid is Postfix's smtpd: comm "smtpd" and /proc/PID/exe
 * daemon_dir/smtpd (a binary replaced by an upgrade reads "... (deleted)"). */
static enum pid_kind pid_kind(const char *proc, long pid, const char *daemon_dir, char *why,
			      size_t cap)
{
	char path[PATH_MAX], comm[32] = "", exe[PATH_MAX], want[PATH_MAX + 16];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%ld/comm", proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return unreadable(path, why, cap);
	n = read(fd, comm, sizeof(comm) - 1);
	if (n < 0) {
		enum pid_kind k = unreadable(path, why, cap);

		close(fd);
		return k;
	}
	close(fd);
	if (n != 6 || memcmp(comm, "smtpd\n", 6) != 0)
		return PID_OTHER;
	if (!daemon_dir || !daemon_dir[0]) {
		snprintf(why, cap, "Postfix's daemon_directory is unknown: pid %ld cannot be "
			 "checked to be its smtpd", pid);
		return PID_UNREADABLE;
	}
	snprintf(path, sizeof(path), "%s/%ld/exe", proc, pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return unreadable(path, why, cap);
	exe[n] = '\0';
	snprintf(want, sizeof(want), "%s/smtpd", daemon_dir);
	if (strcmp(exe, want) == 0)
		return PID_SMTPD;
	snprintf(want, sizeof(want), "%s/smtpd (deleted)", daemon_dir);
	return strcmp(exe, want) == 0 ? PID_SMTPD : PID_OTHER;
}

/* Append the socket inodes of pid to t[*nt], each with addr. */
static enum pid_kind pid_sockets(const char *proc, long pid, const unsigned char addr[16],
				 struct target *t, size_t *nt, char *why, size_t cap)
{
	char path[PATH_MAX], link[64];
	unsigned long netns;
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%ld/ns/net", proc, pid);
	if (stat(path, &st) < 0)
		return unreadable(path, why, cap);
	netns = (unsigned long)st.st_ino;
	snprintf(path, sizeof(path), "%s/%ld/fd", proc, pid);
	d = opendir(path);
	if (!d)
		return unreadable(path, why, cap);
	while ((de = readdir(d)) != NULL) {
		ssize_t n;
		unsigned long ino;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n < 0 && errno != ENOENT) {	/* ENOENT: closed meanwhile */
			enum pid_kind k;

			snprintf(path, sizeof(path), "%s/%ld/fd/%.16s", proc, pid, de->d_name);
			k = unreadable(path, why, cap);
			closedir(d);
			return k;
		}
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			continue;
		if (*nt >= SOCKKILL_MAX_INODES)
			break;
		t[*nt].inode = ino;
		t[*nt].netns = netns;
		t[*nt].pid = pid;
		memcpy(t[*nt].addr, addr, 16);
		(*nt)++;
	}
	closedir(d);
	return PID_SMTPD;
}

static bool same_peer(const struct inet_diag_msg *m, const unsigned char want[16])
{
	unsigned char got[16];

	if (m->idiag_family == AF_INET) {
		memcpy(got, v4mapped, 12);
		memcpy(got + 12, &m->id.idiag_dst[0], 4);
	} else {
		memcpy(got, m->id.idiag_dst, 16);
	}
	return memcmp(got, want, 16) == 0;
}

static int on_sock(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct scan *s = data;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m)) || m->idiag_inode == 0)
		return MNL_CB_OK;
	for (size_t i = 0; i < s->nt; i++) {
		if (s->t[i].netns != s->netns || s->t[i].inode != m->idiag_inode ||
		    !same_peer(m, s->t[i].addr))
			continue;
		if (s->nf == s->capf) {
			s->capf = s->capf ? 2 * s->capf : 8;
			s->f = realloc(s->f, s->capf * sizeof(*s->f));
			if (!s->f)
				fatalx("out of memory");
		}
		s->f[s->nf].id = m->id;
		s->f[s->nf].family = m->idiag_family;
		s->nf++;
		break;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *put_req(char *buf, uint16_t type, uint16_t flags, uint32_t seq,
				unsigned char family, const struct inet_diag_sockid *id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~(1U << TCP_LISTEN | 1U << TCP_TIME_WAIT);
	if (id)
		req->id = *id;
	return nlh;
}

static int dump(struct mnl_socket *nl, unsigned char family, uint32_t seq, struct scan *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = put_req(buf, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP,
				       seq, family, NULL);
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, on_sock, s);

		if (r == MNL_CB_ERROR)
			return -1;
		if (r == MNL_CB_STOP)
			return 0;
	}
	return n < 0 ? -1 : 0;
}

static int destroy(struct mnl_socket *nl, const struct found *f, uint32_t seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = put_req(buf, SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, seq,
				       f->family, &f->id);
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -1;
	return mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) == MNL_CB_ERROR ? -1 : 0;
}

/* The inode of PROC/PID/ns/NAME from its link, "NAME:[INODE]" (a test's
 * tree has links of its own); 0 when unreadable. */
static unsigned long ns_inode(const char *proc, const char *pid, const char *name)
{
	char path[PATH_MAX], link[64], want[16];
	unsigned long ino = 0;
	ssize_t n;
	int len;

	snprintf(path, sizeof(path), "%s/%s/ns/%s", proc, pid, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	snprintf(want, sizeof(want), "%s:[%%lu]%%n", name);
	len = 0;
	if (sscanf(link, want, &ino, &len) != 1 || len != n)
		return 0;
	return ino;
}

/* The last pid of the NSpid line of PROC/PID/status: the pid in the
 * process's own namespace; -1 when there is none. */
static long innermost_pid(const char *proc, const char *pid)
{
	char path[PATH_MAX], buf[4096], *line, *end;
	long last = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/status", proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	line = strstr(buf, "\nNSpid:");
	if (!line)
		return -1;
	line += 7;
	end = strchr(line, '\n');
	if (end)
		*end = '\0';
	for (char *tok = strtok(line, " \t"); tok; tok = strtok(NULL, " \t")) {
		char *e;
		long v = strtol(tok, &e, 10);

		if (*e || v <= 0)
			return -1;
		last = v;
	}
	return last;
}

long sockkill_host_pid(const char *proc, uint32_t pidns, long nspid, char *why, size_t cap)
{
	struct dirent *de;
	long found = 0;
	DIR *d;

	if (pidns == 0 || pidns == ns_inode(proc, "self", "pid"))
		return nspid;
	d = opendir(proc);
	if (!d) {
		snprintf(why, cap, "%s: %s", proc, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && !found) {
		char *e;
		long pid = strtol(de->d_name, &e, 10);

		if (*e || pid <= 0 || ns_inode(proc, de->d_name, "pid") != pidns)
			continue;
		if (innermost_pid(proc, de->d_name) == nspid)
			found = pid;
	}
	closedir(d);
	return found;
}

/* A sock_diag socket in network namespace netns: pid's, entered for the
 * socket's creation only (a netlink socket stays in the namespace it was
 * made in); needs CAP_SYS_ADMIN and setns(2) allowed. */
static struct mnl_socket *diag_socket(const char *proc, long pid, unsigned long netns,
				      unsigned long self_netns, char *err, size_t cap)
{
	char path[PATH_MAX];
	struct mnl_socket *nl;
	int fd = -1, self = -1, saved;

	if (netns != self_netns) {
		snprintf(path, sizeof(path), "%s/%ld/ns/net", proc, pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || self < 0 || setns(fd, CLONE_NEWNET) < 0) {
			snprintf(err, cap, "entering the network namespace net:[%lu] of pid %ld: %s",
				 netns, pid, strerror(errno));
			if (fd >= 0)
				close(fd);
			if (self >= 0)
				close(self);
			return NULL;
		}
	}
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		saved = errno;
		mnl_socket_close(nl);
		nl = NULL;
		errno = saved;
	}
	saved = errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0)
			fatal("back to sentineld's network namespace");
		close(self);
		close(fd);
	}
	if (!nl)
		snprintf(err, cap, "netlink sock_diag in net:[%lu]: %s", netns, strerror(saved));
	return nl;
}

/* Dump the sockets of netns, destroy those of the targets there. */
static int cut_in(const char *proc, struct scan *sc, unsigned long self_netns, uint32_t seq,
		  struct sockkill_stats *st, char *err, size_t cap)
{
	struct mnl_socket *nl = NULL;
	int rc = -1, failed_errno = 0;
	size_t matched;
	long pid = 0;

	for (size_t i = 0; i < sc->nt && !pid; i++)
		if (sc->t[i].netns == sc->netns)
			pid = sc->t[i].pid;
	nl = diag_socket(proc, pid, sc->netns, self_netns, err, cap);
	if (!nl)
		return -1;
	sc->nf = 0;
	if (dump(nl, AF_INET, seq, sc) < 0 || dump(nl, AF_INET6, seq + 1, sc) < 0) {
		snprintf(err, cap, "sock_diag dump: %s", strerror(errno));
		goto out;
	}
	matched = sc->nf;
	st->matched += matched;
	for (size_t i = 0; i < sc->nf; i++) {
		if (destroy(nl, &sc->f[i], seq + 2 + (uint32_t)i) == 0)
			st->destroyed++;
		else if (errno != ENOENT)	/* ENOENT: closed meanwhile */
			failed_errno = errno;
	}
	if (failed_errno) {
		snprintf(err, cap, "SOCK_DESTROY: %s (%zu of %zu destroyed)", strerror(failed_errno),
			 st->destroyed, st->matched);
		goto out;
	}
	rc = 0;
out:
	mnl_socket_close(nl);
	return rc;
}

int sockkill(const struct action_session *s, size_t n, const char *daemon_dir,
	     const struct sockkill_where *w, struct sockkill_stats *st, char *err, size_t cap)
{
	char why[PATH_MAX + 128] = "";
	const char *proc = w && w->proc ? w->proc : "/proc";
	struct target *t = xcalloc(SOCKKILL_MAX_INODES, sizeof(*t));
	struct scan sc = { .t = t };
	uint32_t seq = (uint32_t)time(NULL);
	unsigned long self_netns = 0;
	struct stat self;
	int rc = -1;
	size_t nt = 0;

	memset(st, 0, sizeof(*st));
	if (stat("/proc/self/ns/net", &self) == 0)
		self_netns = (unsigned long)self.st_ino;
	for (size_t i = 0; i < n; i++) {
		unsigned char addr[16];
		enum pid_kind k;
		long pid;

		if (sockkill_parse_ip(s[i].client_ip, addr) < 0 || s[i].pid <= 1) {
			st->not_smtpd++;
			continue;
		}
		/* the log's pid, in the log's namespace: the process here */
		pid = sockkill_host_pid(proc, w ? w->pidns : 0, s[i].pid, why, sizeof(why));
		if (pid < 0) {
			st->unreadable++;
			continue;
		}
		if (pid != s[i].pid)
			st->translated++;
		if (pid == 0) {
			st->not_smtpd++;
			continue;
		}
		k = pid_kind(proc, pid, daemon_dir, why, sizeof(why));
		if (k == PID_SMTPD)
			k = pid_sockets(proc, pid, addr, t, &nt, why, sizeof(why));
		if (k == PID_OTHER)
			st->not_smtpd++;
		else if (k == PID_UNREADABLE)
			st->unreadable++;
	}
	sc.nt = nt;
	/* one dump per network namespace the sessions' smtpds are in */
	for (size_t i = 0; i < nt; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = t[j].netns == t[i].netns;
		if (seen)
			continue;
		sc.netns = t[i].netns;
		if (cut_in(proc, &sc, self_netns, seq, st, err, cap) < 0)
			goto out;
		seq += 2 + (uint32_t)sc.nf;
	}
	rc = 0;
out:
	if (rc == 0 && st->unreadable) {
		snprintf(err, cap, "%zu session(s) could not be checked: %s (%zu sockets destroyed)",
			 st->unreadable, why, st->destroyed);
		rc = -1;
	}
	free(sc.f);
	free(t);
	return rc;
}
