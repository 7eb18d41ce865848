// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tail.c - rotation-proof log following (see tail.h).
 *
 * A tail has up to two open sources: `cur`, the file now at the path, and
 * `old`, a rotated file still being drained.  Each source keeps its own
 * partial line, its read position and `done`, the offset just after its
 * last complete line: that is what a restart resumes from.
 *
 * inotify only wakes us up; correctness comes from comparing, on every
 * poll, the inode at the path with the one we hold (rotation) and the size
 * of the file with our position (truncation).  The directory is watched,
 * not the file, so a file that does not exist yet or is renamed away is
 * still seen.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "maillog/tail.h"

struct source {
	int fd;
	dev_t dev;
	ino_t ino;
	off_t pos;		/* next byte to read */
	off_t done;		/* after the last complete line */
	size_t plen;		/* bytes of the partial line in buf */
	bool skipping;		/* inside an over-long line */
	time_t last_growth;
	char *buf;		/* TAIL_MAX_LINE */
};

struct tail {
	char *path;
	char *dir;
	int ifd;
	struct source cur, old;
	char *chunk;		/* TAIL_CHUNK */
	tail_line_fn fn;
	void *arg;
	struct tail_stats stats;
};

static void source_init(struct source *s)
{
	s->fd = -1;
	s->pos = s->done = 0;
	s->plen = 0;
	s->skipping = false;
	s->dev = 0;
	s->ino = 0;
	s->last_growth = 0;
}

static void source_close(struct source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	source_init(s);
}

/* Open path (or adopt fd) as source s at offset off. */
static int source_adopt(struct tail *t, struct source *s, int fd, off_t off)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	source_init(s);
	s->fd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (off > st.st_size) {
		/* shrank while we were away: copytruncate */
		t->stats.truncations++;
		off = 0;
	}
	s->pos = s->done = off;
	s->last_growth = time(NULL);
	return 0;
}

static void deliver(struct tail *t, const char *line, size_t len)
{
	t->stats.lines++;
	t->stats.bytes += len + 1;
	t->fn(line, len, t->arg);
}

/* Split a chunk read at file offset base into lines. */
static void consume(struct tail *t, struct source *s, const char *data, size_t n, off_t base)
{
	const char *p = data;

	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		if (!s->skipping && s->plen + take > TAIL_MAX_LINE) {
			s->skipping = true;
			s->plen = 0;
			t->stats.long_lines++;
		}
		if (!nl) {
			if (!s->skipping) {
				memcpy(s->buf + s->plen, p, take);
				s->plen += take;
			}
			return;
		}
		if (!s->skipping) {
			if (s->plen == 0) {
				deliver(t, p, take);	/* whole line in the chunk: no copy */
			} else {
				memcpy(s->buf + s->plen, p, take);
				deliver(t, s->buf, s->plen + take);
			}
		}
		s->skipping = false;
		s->plen = 0;
		p = nl + 1;
		n -= take + 1;
		s->done = base + (off_t)(p - data);
	}
}

/* Read s to its end.  Returns whether anything was read. */
static bool drain(struct tail *t, struct source *s)
{
	bool grew = false;

	if (s->fd < 0)
		return false;
	for (;;) {
		ssize_t n = pread(s->fd, t->chunk, TAIL_CHUNK, s->pos);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			t->stats.read_errors++;
			log_warn("reading %s", t->path);
			return grew;
		}
		if (n == 0)
			return grew;
		grew = true;
		consume(t, s, t->chunk, (size_t)n, s->pos);
		s->pos += n;
	}
}

/* The rotated file is done: what is left without a newline is a line too. */
static void finish_old(struct tail *t)
{
	struct source *s = &t->old;

	drain(t, s);
	if (s->plen > 0 && !s->skipping)
		deliver(t, s->buf, s->plen);
	source_close(s);
}

static void check_truncation(struct tail *t)
{
	struct stat st;

	if (t->cur.fd < 0 || fstat(t->cur.fd, &st) < 0 || st.st_size >= t->cur.pos)
		return;
	t->stats.truncations++;
	t->cur.pos = t->cur.done = 0;
	t->cur.plen = 0;
	t->cur.skipping = false;
}

static int open_path(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

/* A new file at the path: the one we had becomes `old`. */
static void rotate(struct tail *t, int fd)
{
	drain(t, &t->cur);
	if (t->old.fd >= 0)
		finish_old(t);
	{
		char *spare = t->old.buf;	/* old is closed: its buffer is free */

		t->old = t->cur;
		source_init(&t->cur);
		t->cur.buf = spare;
	}
	t->old.last_growth = time(NULL);
	t->stats.rotations++;
	if (source_adopt(t, &t->cur, fd, 0) < 0)
		log_warn("fstat %s", t->path);
}

void tail_poll(struct tail *t)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct stat st;
	time_t now = time(NULL);

	/* The events only woke us: what changed is found out below. */
	while (t->ifd >= 0 && read(t->ifd, ev, sizeof(ev)) > 0)
		;

	if (t->old.fd >= 0) {
		if (drain(t, &t->old))
			t->old.last_growth = now;
		else if (now - t->old.last_growth >= TAIL_DRAIN_GRACE)
			finish_old(t);
	}
	check_truncation(t);
	drain(t, &t->cur);

	if (stat(t->path, &st) < 0)
		return;		/* renamed away, not re-created yet: keep reading what we have */
	if (t->cur.fd >= 0 && st.st_dev == t->cur.dev && st.st_ino == t->cur.ino)
		return;
	{
		int fd = open_path(t->path);

		if (fd < 0)
			return;
		if (t->cur.fd < 0) {
			if (source_adopt(t, &t->cur, fd, 0) < 0)
				return;
			log_info("%s appeared: reading it from its start", t->path);
		} else {
			rotate(t, fd);
		}
	}
	drain(t, &t->cur);
}

/* The file in dir whose device and inode are these, opened; or -1. */
static int find_rotated(const char *dir, uint64_t dev, uint64_t ino)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int fd = -1;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if ((uint64_t)de->d_ino != ino)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		break;
	}
	closedir(d);
	return fd;
}

/* Resume one saved position: at the path it is `cur`; rotated away, it is
 * found by inode and drained as `old`. */
static void resume_pos(struct tail *t, const struct tail_pos *p)
{
	struct stat st;
	int fd;

	if (!p->ino)
		return;
	if (t->cur.fd < 0 && stat(t->path, &st) == 0 && (uint64_t)st.st_dev == p->dev &&
	    (uint64_t)st.st_ino == p->ino) {
		fd = open_path(t->path);
		if (fd >= 0)
			source_adopt(t, &t->cur, fd, (off_t)p->offset);
		return;
	}
	fd = find_rotated(t->dir, p->dev, p->ino);
	if (fd < 0) {
		log_warnx("%s: the file of the saved position (inode %llu) is gone; "
			  "what was written to it after offset %llu is not read",
			  t->path, (unsigned long long)p->ino, (unsigned long long)p->offset);
		return;
	}
	if (t->old.fd >= 0)
		finish_old(t);	/* rotated twice while we were away: oldest first */
	if (source_adopt(t, &t->old, fd, (off_t)p->offset) == 0)
		log_info("%s: resuming in the rotated file (inode %llu) at offset %llu",
			 t->path, (unsigned long long)p->ino, (unsigned long long)p->offset);
}

static void start(struct tail *t, enum tail_start how, const struct tail_state *resume)
{
	struct stat st;
	int fd;

	if (resume && (resume->cur.ino || resume->old.ino)) {
		resume_pos(t, &resume->old);
		resume_pos(t, &resume->cur);
		if (t->cur.fd < 0 && (fd = open_path(t->path)) >= 0)
			source_adopt(t, &t->cur, fd, 0);	/* new since we stopped */
		return;
	}
	fd = open_path(t->path);
	if (fd < 0)
		return;		/* appears later: read from its start */
	if (source_adopt(t, &t->cur, fd, 0) < 0 || how == TAIL_START_BEGINNING)
		return;
	if (fstat(t->cur.fd, &st) == 0 && st.st_size > 0) {
		char last = '\n';

		t->cur.pos = t->cur.done = st.st_size;
		/* mid-line at the end: skip that line's rest when it comes */
		if (pread(t->cur.fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			t->cur.skipping = true;
	}
}

struct tail *tail_open(const char *path, enum tail_start how,
		       const struct tail_state *resume, tail_line_fn fn, void *arg)
{
	struct tail *t = xcalloc(1, sizeof(*t));
	char *copy = xstrdup(path);

	t->path = xstrdup(path);
	t->dir = xstrdup(dirname(copy));
	free(copy);
	t->fn = fn;
	t->arg = arg;
	t->chunk = xmalloc(TAIL_CHUNK);
	source_init(&t->cur);
	source_init(&t->old);
	t->cur.buf = xmalloc(TAIL_MAX_LINE);
	t->old.buf = xmalloc(TAIL_MAX_LINE);

	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd < 0) {
		log_err("inotify_init1 for %s", path);
		tail_close(t);
		return NULL;
	}
	if (inotify_add_watch(t->ifd, t->dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO |
			      IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB) < 0)
		log_warn("cannot watch %s for %s; falling back to polling", t->dir, path);
	start(t, how, resume);
	if (t->cur.fd < 0 && t->old.fd < 0 && access(t->path, R_OK) < 0)
		log_warn("%s cannot be read: nothing is read from it until it appears "
			 "(does [maillog] path name the file your syslog daemon or Postfix's "
			 "maillog_file writes?)", t->path);
	return t;
}

void tail_close(struct tail *t)
{
	if (!t)
		return;
	if (t->ifd >= 0)
		close(t->ifd);
	if (t->cur.fd >= 0)
		close(t->cur.fd);
	if (t->old.fd >= 0)
		close(t->old.fd);
	free(t->cur.buf);
	free(t->old.buf);
	free(t->chunk);
	free(t->path);
	free(t->dir);
	free(t);
}

int tail_fd(const struct tail *t)
{
	return t->ifd;
}

static void get_pos(const struct source *s, struct tail_pos *p)
{
	p->dev = s->fd >= 0 ? (uint64_t)s->dev : 0;
	p->ino = s->fd >= 0 ? (uint64_t)s->ino : 0;
	p->offset = s->fd >= 0 ? (uint64_t)s->done : 0;
}

void tail_get_state(const struct tail *t, struct tail_state *out)
{
	get_pos(&t->cur, &out->cur);
	get_pos(&t->old, &out->old);
}

const struct tail_stats *tail_get_stats(const struct tail *t)
{
	return &t->stats;
}

const char *tail_path(const struct tail *t)
{
	return t->path;
}
