/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup.h - the cgroup v2 tree: where it is mounted, and id -> path.
 *
 * cgroup_find_mount() reads /proc/mounts: /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones.  cgroup_path() turns the 64-bit id
 * that bpf_get_current_cgroup_id() returns into the path relative to the
 * mount ("/system.slice/postfix.service"), with open_by_handle_at(): the id
 * is the cgroup's kernfs file handle.  Results are cached (bounded); a cgroup
 * removed before it was ever resolved is named "id:<n>".
 */
#ifndef SENTINEL_CGROUP_H
#define SENTINEL_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Mount point of the cgroup2 file system containing path (or the first one
 * when path is NULL), into buf.  0, or -1 if there is none. */
int cgroup_find_mount(const char *path, char *buf, size_t len);

struct cgroup_cache;

struct cgroup_cache *cgroup_cache_new(const char *mount, unsigned max);
void cgroup_cache_free(struct cgroup_cache *c);
/* Never NULL; valid until the cache is freed or reset (copy it). */
const char *cgroup_path(struct cgroup_cache *c, uint64_t id);
/* The id of a cgroup directory, or 0. */
uint64_t cgroup_id_of(const char *dir);

#endif
