// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - atomic replacement of state files (see state.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

int state_init(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0750) == 0) {
		if (chmod(dir, 0750) < 0)	/* whatever the umask */
			log_warn("chmod %s", dir);
	} else if (errno != EEXIST) {
		log_err("cannot create state directory %s", dir);
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		log_err("state directory %s", dir);
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct state_writer {
	int fd;
	int err;		/* errno of the first failed write, 0 */
	char dir[4096], tmp[4096], final[4096];
};

struct state_writer *state_writer_open(const char *dir, const char *name)
{
	struct state_writer *w = xcalloc(1, sizeof(*w));

	if ((size_t)snprintf(w->final, sizeof(w->final), "%s/%s", dir, name) >= sizeof(w->final) ||
	    (size_t)snprintf(w->tmp, sizeof(w->tmp), "%s/.%s.tmp", dir, name) >= sizeof(w->tmp) ||
	    (size_t)snprintf(w->dir, sizeof(w->dir), "%s", dir) >= sizeof(w->dir)) {
		errno = ENAMETOOLONG;
		log_err("state file %s/%s", dir, name);
		free(w);
		return NULL;
	}
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (w->fd < 0) {
		log_err("cannot write state file %s", w->final);
		free(w);
		return NULL;
	}
	return w;
}

void state_writer_put(struct state_writer *w, const void *data, size_t len)
{
	if (w->err == 0 && write_all(w->fd, data, len) < 0)
		w->err = errno ? errno : EIO;
}

void state_writer_abort(struct state_writer *w)
{
	int saved = errno;

	if (!w)
		return;
	close(w->fd);
	unlink(w->tmp);
	free(w);
	errno = saved;
}

int state_writer_commit(struct state_writer *w)
{
	int dfd;

	if (w->err == 0 && fsync(w->fd) < 0)
		w->err = errno;
	if (close(w->fd) < 0 && w->err == 0)
		w->err = errno;
	w->fd = -1;
	if (w->err == 0 && rename(w->tmp, w->final) < 0)
		w->err = errno;
	if (w->err) {
		int err = w->err;

		unlink(w->tmp);
		errno = err;
		log_err("cannot write state file %s", w->final);
		free(w);
		errno = err;
		return -1;
	}
	/* the rename itself must reach the disk */
	dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(w);
	return 0;
}

int state_write(const char *dir, const char *name, const char *data, size_t len)
{
	struct state_writer *w = state_writer_open(dir, name);

	if (!w)
		return -1;
	state_writer_put(w, data, len);
	return state_writer_commit(w);
}

ssize_t state_read_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap - 1) {
		char extra;

		if (read(fd, &extra, 1) == 1) {
			errno = EFBIG;
			return -1;
		}
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

ssize_t state_read(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[4096];
	ssize_t n;
	int fd, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = state_read_fd(fd, buf, cap);
	saved = errno;
	close(fd);
	errno = saved;
	return n;
}
