// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * control.c - the control socket: framing, limits and credentials.
 *
 * The listening socket and every connection sit in an epoll fd of our own
 * (control_fd()), so the daemon's loop watches one fd, as it does for
 * libmicrohttpd and the runner.  Level-triggered: control_dispatch() does
 * what is ready and returns; a connection gets at most DISPATCH_READS
 * reads per call, so one client cannot starve the loop.
 *
 * A connection has a fixed input buffer of one line and at most one reply
 * waiting: while a reply is not fully written the connection is watched
 * for EPOLLOUT only, and its buffered requests wait.  So memory is bounded
 * by CONTROL_MAX_CLIENTS x (CONTROL_LINE_MAX + CONTROL_REPLY_MAX).
 *
 * Credentials: SO_PEERCRED at accept.  Allowed: uid 0, the daemon's
 * effective uid, or a process whose primary or supplementary groups hold
 * the socket file's group (stat()ed at each accept, so a chgrp takes
 * effect at once).  Supplementary groups come from SO_PEERGROUPS (Linux
 * 4.13: the groups at connect(), no race), else /proc/PID/status.  The
 * kernel already requires write permission on the socket file to connect;
 * this check holds even when the file's mode or directory is loosened.
 *
 * The socket file is unlinked at close only if it is still the one we
 * bound (same device and inode): a second daemon that replaced it after
 * ours died keeps its socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

#define LISTENER UINT32_MAX
#define DISPATCH_EVENTS 16
#define DISPATCH_READS 16
#define GROUPS_INLINE 64

struct conn {
	int fd;				/* -1: a free slot */
	struct control_peer peer;
	double active;			/* CLOCK_MONOTONIC of the last progress */
	bool eof;			/* the peer shut down its side */
	bool closing;			/* close once the output is written */
	uint32_t watched;		/* the epoll events registered */
	size_t inlen;
	char *out;			/* one reply line, or NULL */
	size_t outlen, outoff;
	char in[CONTROL_LINE_MAX + 1];	/* a line and its "\n" */
};

struct control {
	int epfd, lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	gid_t gid;			/* the socket file's group, as last seen */
	uid_t uid;			/* ours */
	double idle;
	control_handler handler;
	void *arg;
	struct control_stats stats;
	struct conn conns[CONTROL_MAX_CLIENTS];
};

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the socket file ------------------------------------------------------ */

/* The directory of path, created 0750 if missing (an existing one is the
 * administrator's: its mode is left alone). */
static int make_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) == 0) {
		/* mkdir applies the umask: say 0750 whatever it was */
		if (chmod(dir, 0750) < 0) {
			log_warn("control socket: chmod %s", dir);
			return -1;
		}
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	log_warn("control socket: cannot create %s", dir);
	return -1;
}

/* 0 when path is free (absent, or a socket nobody listens on: removed),
 * -1 with the reason logged otherwise. */
static int claim_path(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("control socket: %s", sa->sun_path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control socket: %s exists and is not a socket; not touching it",
			  sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("control socket: socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		log_warnx("control socket: %s is live: another sentineld is running",
			  sa->sun_path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		log_warn("control socket: cannot tell whether %s is live", sa->sun_path);
		return -1;
	}
	log_info("control socket: replacing stale %s", sa->sun_path);
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		log_warn("control socket: unlink %s", sa->sun_path);
		return -1;
	}
	return 0;
}

static int listen_on(struct control *c, const struct sockaddr_un *sa)
{
	struct stat st;
	mode_t old;
	int rc;

	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		log_warn("control socket: socket");
		return -1;
	}
	/* Never a moment with looser permissions than 0660. */
	old = umask(0117);
	rc = bind(c->lfd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc < 0) {
		log_warn("control socket: bind %s", sa->sun_path);
		return -1;
	}
	if (chmod(sa->sun_path, 0660) < 0 || stat(sa->sun_path, &st) < 0) {
		log_warn("control socket: %s", sa->sun_path);
		unlink(sa->sun_path);
		return -1;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->gid = st.st_gid;
	if (listen(c->lfd, CONTROL_MAX_CLIENTS) < 0) {
		log_warn("control socket: listen %s", sa->sun_path);
		unlink(sa->sun_path);
		return -1;
	}
	return 0;
}

struct control *control_open(const char *path, control_handler handler, void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LISTENER };
	struct control *c;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("control socket: path %s: empty or longer than %zu bytes",
			  path ? path : "(null)", sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (make_dir(path) < 0 || claim_path(&sa) < 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->handler = handler;
	c->arg = arg;
	c->uid = geteuid();
	c->idle = CONTROL_IDLE;
	c->lfd = -1;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->conns[i].fd = -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		log_warn("control socket: epoll_create1");
		free(c);
		return NULL;
	}
	if (listen_on(c, &sa) < 0) {
		control_close(c);
		return NULL;
	}
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev) < 0) {
		log_warn("control socket: epoll_ctl");
		control_close(c);
		return NULL;
	}
	log_info("control socket on %s", path);
	return c;
}

/* ---- connections ---------------------------------------------------------- */

static void conn_close(struct control *c, struct conn *k)
{
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
	close(k->fd);
	free(k->out);
	k->out = NULL;
	k->outlen = k->outoff = k->inlen = 0;
	k->eof = k->closing = false;
	k->watched = 0;
	k->fd = -1;
	c->stats.clients--;
}

void control_close(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->conns[i].fd >= 0)
			conn_close(c, &c->conns[i]);
	if (c->lfd >= 0) {
		close(c->lfd);
		if (c->ino && stat(c->path, &st) == 0 && st.st_dev == c->dev &&
		    st.st_ino == c->ino)
			unlink(c->path);
	}
	if (c->epfd >= 0)
		close(c->epfd);
	free(c);
}

int control_fd(const struct control *c)
{
	return c->epfd;
}

void control_set_idle(struct control *c, double seconds)
{
	c->idle = seconds;
}

void control_stats(const struct control *c, struct control_stats *out)
{
	*out = c->stats;
}

/* Best effort, for a refusal right after accept: a fresh socket's buffer
 * takes a short line. */
static void refuse(int fd, const char *line)
{
	ssize_t n = send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)n;
	close(fd);
}

static bool in_groups(const gid_t *g, size_t n, gid_t want)
{
	for (size_t i = 0; i < n; i++)
		if (g[i] == want)
			return true;
	return false;
}

/* The "Groups:" line of /proc/PID/status. */
static bool proc_in_group(pid_t pid, gid_t want)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)g == want) {
				found = true;
				break;
			}
		}
		break;
	}
	fclose(f);
	return found;
}

static bool peer_in_group(int fd, const struct ucred *uc, gid_t want)
{
	gid_t inline_groups[GROUPS_INLINE], *g = inline_groups;
	socklen_t len = sizeof(inline_groups);
	bool found;

	if (uc->gid == want)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) < 0) {
		if (errno == ENOPROTOOPT)
			return proc_in_group(uc->pid, want);
		if (errno != ERANGE)
			return false;
		g = malloc(len);	/* len is now the size needed */
		if (!g || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) < 0) {
			free(g);
			return false;
		}
	}
	found = in_groups(g, len / sizeof(gid_t), want);
	if (g != inline_groups)
		free(g);
	return found;
}

static bool peer_allowed(struct control *c, int fd, const struct ucred *uc)
{
	struct stat st;

	if (uc->uid == 0 || uc->uid == c->uid)
		return true;
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		c->gid = st.st_gid;
	return peer_in_group(fd, uc, c->gid);
}

static void accept_one(struct control *c, int fd)
{
	static struct ratelimit rl_peer, rl_full;
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *k = NULL;
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		log_warn("control socket: SO_PEERCRED");
		close(fd);
		return;
	}
	if (!peer_allowed(c, fd, &uc)) {
		c->stats.refused_peer++;
		if (log_ratelimited(&rl_peer, 10))
			log_warnx("control socket: refused pid %d uid %u gid %u: not root, "
				  "not uid %u, not in the socket's group %u", (int)uc.pid,
				  (unsigned)uc.uid, (unsigned)uc.gid, (unsigned)c->uid,
				  (unsigned)c->gid);
		refuse(fd, "{\"ok\":false,\"error\":\"permission denied\"}\n");
		return;
	}
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS && !k; i++)
		if (c->conns[i].fd < 0)
			k = &c->conns[i];
	if (!k) {
		c->stats.refused_full++;
		if (log_ratelimited(&rl_full, 10))
			log_warnx("control socket: %d connections: refusing more",
				  CONTROL_MAX_CLIENTS);
		refuse(fd, "{\"ok\":false,\"error\":\"too many connections\"}\n");
		return;
	}
	ev.data.u32 = (uint32_t)(k - c->conns);
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("control socket: epoll_ctl");
		close(fd);
		return;
	}
	k->fd = fd;
	k->watched = EPOLLIN;
	k->peer.pid = uc.pid;
	k->peer.uid = uc.uid;
	k->peer.gid = uc.gid;
	k->active = monotonic();
	c->stats.accepted++;
	c->stats.clients++;
}

static void accept_all(struct control *c)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED) {
				static struct ratelimit rl;

				if (log_ratelimited(&rl, 10))
					log_warn("control socket: accept");
			}
			return;
		}
		accept_one(c, fd);
	}
}

/* Write what is pending; false when the connection broke. */
static bool conn_flush(struct conn *k)
{
	while (k->outoff < k->outlen) {
		ssize_t n = send(k->fd, k->out + k->outoff, k->outlen - k->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		k->outoff += (size_t)n;
		k->active = monotonic();
	}
	free(k->out);
	k->out = NULL;
	k->outlen = k->outoff = 0;
	return true;
}

/* s (from json_dumps, no newline) becomes the reply line waiting. */
static void queue_line(struct conn *k, char *s)
{
	size_t n = strlen(s);

	k->out = xmalloc(n + 1);
	memcpy(k->out, s, n);
	k->out[n++] = '\n';
	k->outlen = n;
	k->outoff = 0;
	free(s);
}

static void queue_error(struct conn *k, const char *error)
{
	json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", error);
	char *s = r ? json_dumps(r, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(r);
	if (!s)
		s = xstrdup("{\"ok\":false,\"error\":\"internal error\"}");
	queue_line(k, s);
}

/* The handler's reply, checked and framed. */
static void queue_reply(struct conn *k, json_t *reply)
{
	static struct ratelimit rl;
	char *s;
	size_t n;

	if (!reply) {
		queue_error(k, "internal error");
		return;
	}
	if (!json_is_object(reply) || !json_is_boolean(json_object_get(reply, "ok"))) {
		if (log_ratelimited(&rl, 10))
			log_warnx("control socket: the handler's reply has no \"ok\"");
		queue_error(k, "internal error");
		return;
	}
	s = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!s) {
		queue_error(k, "internal error");
		return;
	}
	n = strlen(s);
	if (n + 1 > CONTROL_REPLY_MAX) {
		if (log_ratelimited(&rl, 10))
			log_warnx("control socket: a reply of %zu bytes is over the limit of %d",
				  n + 1, CONTROL_REPLY_MAX);
		free(s);
		queue_error(k, "reply too large");
		return;
	}
	queue_line(k, s);
}

static void handle_line(struct control *c, struct conn *k, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req, *cmd, *reply;
	char why[64];

	if (len && line[len - 1] == '\r')
		len--;
	req = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		/* jerr.text quotes the input: the position is enough */
		c->stats.bad_requests++;
		snprintf(why, sizeof(why), "request is not JSON (at byte %d)", jerr.position);
		queue_error(k, why);
		return;
	}
	cmd = json_object_get(req, "cmd");	/* NULL for a non-object too */
	if (!json_is_object(req) || !json_is_string(cmd)) {
		c->stats.bad_requests++;
		queue_error(k, !json_is_object(req) ? "request is not a JSON object" :
			       cmd ? "\"cmd\" is not a string" : "request has no \"cmd\"");
		json_decref(req);
		return;
	}
	c->stats.requests++;
	reply = c->handler(req, &k->peer, c->arg);
	queue_reply(k, reply);
	json_decref(reply);
	json_decref(req);
}

/* Answer the complete lines buffered, while no reply is waiting. */
static void conn_input(struct control *c, struct conn *k)
{
	while (!k->out && !k->closing) {
		char *nl = memchr(k->in, '\n', k->inlen);
		size_t len;

		if (!nl) {
			if (k->inlen == sizeof(k->in)) {
				c->stats.too_long++;
				queue_error(k, "request line too long");
				k->closing = true;
				k->inlen = 0;
			} else if (k->eof && k->inlen) {
				handle_line(c, k, k->in, k->inlen);
				k->inlen = 0;
			}
			return;
		}
		len = (size_t)(nl - k->in);
		handle_line(c, k, k->in, len);
		k->inlen -= len + 1;
		memmove(k->in, nl + 1, k->inlen);
	}
}

/* Read, answer and write until the socket would block; false when the
 * connection is to be closed. */
static bool conn_run(struct control *c, struct conn *k)
{
	for (int reads = 0;;) {
		ssize_t n;

		conn_input(c, k);
		if (k->out) {
			if (!conn_flush(k))
				return false;
			if (k->out)
				return true;	/* wait for EPOLLOUT */
			continue;	/* written: answer the next buffered request */
		}
		if (k->closing || k->eof)
			return false;	/* all there was is answered */
		if (reads++ == DISPATCH_READS)
			return true;	/* level-triggered: back next call */
		n = recv(k->fd, k->in + k->inlen, sizeof(k->in) - k->inlen, MSG_DONTWAIT);
		if (n > 0) {
			k->inlen += (size_t)n;
			k->active = monotonic();
		} else if (n == 0) {
			k->eof = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return true;
		} else if (errno != EINTR) {
			return false;
		}
	}
}

static void conn_event(struct control *c, struct conn *k)
{
	struct epoll_event ev;
	uint32_t want;

	if (!conn_run(c, k)) {
		conn_close(c, k);
		return;
	}
	want = k->out ? EPOLLOUT : k->eof ? 0 : EPOLLIN;
	if (want == k->watched)
		return;
	ev.events = want;
	ev.data.u32 = (uint32_t)(k - c->conns);
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, k->fd, &ev) < 0) {
		log_warn("control socket: epoll_ctl");
		conn_close(c, k);
		return;
	}
	k->watched = want;
}

void control_dispatch(struct control *c)
{
	struct epoll_event evs[DISPATCH_EVENTS];
	int n = epoll_wait(c->epfd, evs, DISPATCH_EVENTS, 0);

	for (int i = 0; i < n; i++) {
		uint32_t slot = evs[i].data.u32;

		if (slot == LISTENER)
			accept_all(c);
		else if (slot < CONTROL_MAX_CLIENTS && c->conns[slot].fd >= 0)
			conn_event(c, &c->conns[slot]);
	}
}

void control_tick(struct control *c)
{
	double now = monotonic();

	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct conn *k = &c->conns[i];

		if (k->fd >= 0 && now - k->active > c->idle) {
			c->stats.idle_closed++;
			conn_close(c, k);
		}
	}
}
