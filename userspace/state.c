// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - atomic replacement of small state files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

int state_write(const char *dir, const char *name, const char *data, size_t len)
{
	char tmp[4096], final[4096];
	int fd, dfd, saved;

	if ((size_t)snprintf(final, sizeof(final), "%s/%s", dir, name) >= sizeof(final) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		log_err("state file %s/%s", dir, name);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		goto fail;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, final) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	/* the rename itself must reach the disk */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	log_err("cannot write state file %s", final);
	return -1;
}

ssize_t state_read(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[4096];
	size_t n = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap - 1) {
		char extra;

		if (read(fd, &extra, 1) == 1) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}
