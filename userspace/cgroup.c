// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cgroup.c - cgroup2 mount discovery and id-to-path resolution.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash_free.h"
#include "cgroup.h"
#include "log.h"

#ifndef FILEID_KERNFS
#define FILEID_KERNFS 0xfe
#endif

int cgroup_find_mount(const char *path, char *buf, size_t len)
{
	struct mntent ent, *m;
	char scratch[4096];
	size_t best = 0;
	FILE *f = setmntent("/proc/mounts", "re");

	if (!f)
		return -1;
	while ((m = getmntent_r(f, &ent, scratch, sizeof(scratch)))) {
		size_t n = strlen(m->mnt_dir);

		if (strcmp(m->mnt_type, "cgroup2") != 0)
			continue;
		if (path) {
			/* the longest mount that is path or a parent of it */
			if (strncmp(path, m->mnt_dir, n) != 0 ||
			    (path[n] != '/' && path[n] != '\0' && strcmp(m->mnt_dir, "/") != 0))
				continue;
			if (n <= best)
				continue;
		} else if (best) {
			continue;
		}
		if (n >= len)
			continue;
		strcpy(buf, m->mnt_dir);
		best = n;
	}
	endmntent(f);
	return best ? 0 : -1;
}

uint64_t cgroup_id_of(const char *dir)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh.handle_bytes = sizeof(uint64_t) };
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0) < 0)
		return 0;
	return h.id;
}

struct cg_entry {
	UT_hash_handle hh;
	uint64_t id;
	char path[];
};

struct cgroup_cache {
	char *mount;
	size_t mount_len;
	int mount_fd;
	unsigned max, count;
	struct cg_entry *head;
};

struct cgroup_cache *cgroup_cache_new(const char *mount, unsigned max)
{
	struct cgroup_cache *c = xcalloc(1, sizeof(*c));

	c->mount = xstrdup(mount);
	c->mount_len = strlen(mount);
	c->max = max;
	c->mount_fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->mount_fd < 0)
		log_warn("open %s", mount);
	return c;
}

static void cache_clear(struct cgroup_cache *c)
{
	HASH_FREE_ALL(c->head, free);
	c->count = 0;
}

void cgroup_cache_free(struct cgroup_cache *c)
{
	if (!c)
		return;
	cache_clear(c);
	if (c->mount_fd >= 0)
		close(c->mount_fd);
	free(c->mount);
	free(c);
}

static int resolve(struct cgroup_cache *c, uint64_t id, char *out, size_t len)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh.handle_bytes = sizeof(uint64_t), .fh.handle_type = FILEID_KERNFS, .id = id };
	char link[64], target[4096];
	ssize_t n;
	int fd;

	if (c->mount_fd < 0)
		return -1;
	fd = open_by_handle_at(c->mount_fd, &h.fh, O_RDONLY | O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	if (strncmp(target, c->mount, c->mount_len) != 0)
		return -1;	/* outside our view of the tree */
	snprintf(out, len, "%s", target[c->mount_len] ? target + c->mount_len : "/");
	return 0;
}

const char *cgroup_path(struct cgroup_cache *c, uint64_t id)
{
	char path[4096];
	struct cg_entry *e;
	size_t n;

	HASH_FIND(hh, c->head, &id, sizeof(id), e);
	if (e)
		return e->path;
	if (resolve(c, id, path, sizeof(path)) < 0)
		snprintf(path, sizeof(path), "id:%" PRIu64, id);
	if (c->count >= c->max)
		cache_clear(c);	/* rare: far more cgroups than series */
	n = strlen(path) + 1;
	e = xmalloc(sizeof(*e) + n);
	e->id = id;
	memcpy(e->path, path, n);
	HASH_ADD(hh, c->head, id, sizeof(e->id), e);
	c->count++;
	return e->path;
}
