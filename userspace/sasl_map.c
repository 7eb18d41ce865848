// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sasl_map.c - edit and install the check_sasl_access map (see sasl_map.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "croot.h"
#include "log.h"
#include "sasl_map.h"

static const struct {
	const char *type, *suffix;
} map_types[] = {
	{ "hash", ".db" }, { "btree", ".db" }, { "cdb", ".cdb" }, { "lmdb", ".lmdb" },
};

int sasl_map_init(struct sasl_map *m, const char *spec)
{
	const char *colon = strchr(spec, ':');
	const char *path = spec, *suffix = NULL;
	size_t tlen = 4;

	memset(m, 0, sizeof(*m));
	memcpy(m->type, "hash", 5);
	if (colon && spec[0] != '/') {
		tlen = (size_t)(colon - spec);
		path = colon + 1;
		if (tlen >= sizeof(m->type))
			goto bad_type;
		memcpy(m->type, spec, tlen);
		m->type[tlen] = '\0';
	}
	for (size_t i = 0; i < sizeof(map_types) / sizeof(map_types[0]); i++)
		if (strcmp(m->type, map_types[i].type) == 0)
			suffix = map_types[i].suffix;
	if (!suffix)
		goto bad_type;
	if (path[0] != '/' || strlen(path) + sizeof(".sentinel-new") > sizeof(m->path)) {
		log_warnx("sasl_access_map: %s: not an absolute path", spec);
		return -1;
	}
	snprintf(m->path, sizeof(m->path), "%s", path);
	snprintf(m->tmp, sizeof(m->tmp), "%s.sentinel-new", path);
	snprintf(m->db, sizeof(m->db), "%s%s", m->path, suffix);
	snprintf(m->tmp_db, sizeof(m->tmp_db), "%s%s", m->tmp, suffix);
	return sasl_map_root(m, "", NULL, 0);
bad_type:
	log_warnx("sasl_access_map: %s: the type must be hash, btree, cdb or lmdb", spec);
	return -1;
}

int sasl_map_root(struct sasl_map *m, const char *root, char *err, size_t cap)
{
	char dir[PATH_MAX], hdir[PATH_MAX];
	const char *base = strrchr(m->path, '/') + 1, *suffix = m->db + strlen(m->path);
	size_t dn = (size_t)(base - m->path);

	if (croot_is_host(root)) {
		m->root[0] = '\0';
		memcpy(m->h_path, m->path, sizeof(m->h_path));
		memcpy(m->h_tmp, m->tmp, sizeof(m->h_tmp));
		memcpy(m->h_db, m->db, sizeof(m->h_db));
		memcpy(m->h_tmp_db, m->tmp_db, sizeof(m->h_tmp_db));
		return 0;
	}
	memcpy(dir, m->path, dn);
	dir[dn > 1 ? dn - 1 : 1] = '\0';	/* "/etc/postfix", or "/" */
	if (strlen(root) >= sizeof(m->root) ||
	    croot_host_path(root, dir, hdir, sizeof(hdir)) < 0 ||
	    strlen(hdir) + strlen(base) + sizeof(".sentinel-new") + 8 > sizeof(m->h_path)) {
		snprintf(err, cap, "%s in the container at %s: %s", dir, root, strerror(errno));
		return -1;
	}
	/* the lengths are checked above */
	if (snprintf(m->root, sizeof(m->root), "%s", root) < 0 ||
	    snprintf(m->h_path, sizeof(m->h_path), "%s/%s", hdir, base) < 0 ||
	    snprintf(m->h_tmp, sizeof(m->h_tmp), "%s.sentinel-new", m->h_path) < 0 ||
	    snprintf(m->h_db, sizeof(m->h_db), "%s%s", m->h_path, suffix) < 0 ||
	    snprintf(m->h_tmp_db, sizeof(m->h_tmp_db), "%s%s", m->h_tmp, suffix) < 0)
		return -1;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The line [p, end) is an entry of ours: its key (length *klen at p) and
 * the incident of its "(INCIDENT)" in *inc, *ilen (0 when absent). */
static bool ours(const char *p, const char *end, size_t *klen, const char **inc, size_t *ilen)
{
	const char *k = p, *v;
	size_t mlen = strlen(SASL_MAP_MARK);

	while (p < end && !is_space(*p))
		p++;
	*klen = (size_t)(p - k);
	if (*klen == 0 || k[0] == '#')
		return false;
	while (p < end && is_space(*p))
		p++;
	v = p;
	if ((size_t)(end - v) < mlen || memcmp(v, SASL_MAP_MARK, mlen) != 0)
		return false;
	v += mlen;
	*inc = NULL;
	*ilen = 0;
	if (v + 1 < end && v[0] == ' ' && v[1] == '(') {
		const char *close = memchr(v + 2, ')', (size_t)(end - v - 2));

		if (close) {
			*inc = v + 2;
			*ilen = (size_t)(close - *inc);
		}
	}
	return true;
}

static bool is_entry(const char *p, const char *end)
{
	return p < end && !is_space(*p) && *p != '#' && *p != '\n' && *p != '\r';
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

char *sasl_map_edit(const char *text, size_t len, const char *key, const char *incident,
		    size_t *out_len)
{
	size_t klen = strlen(key), cap = len + klen + 128 + (incident ? strlen(incident) : 0);
	char *out = xmalloc(cap + 1);
	const char *p = text, *end = text + len;
	bool inserted = incident == NULL, skipping = false;
	size_t n = 0;

	while (p < end) {
		const char *e = line_end(p, end), *inc;
		size_t lk, li;

		if (skipping && p < e && is_space(*p)) {
			p = e;	/* a continuation of an entry of ours */
			continue;
		}
		skipping = false;
		if (!inserted && is_entry(p, e)) {
			n += (size_t)snprintf(out + n, cap + 1 - n, "%s %s (%s)\n", key,
					      SASL_MAP_MARK, incident);
			inserted = true;
		}
		if (ours(p, e, &lk, &inc, &li) && lk == klen && strncasecmp(p, key, klen) == 0) {
			skipping = true;
			p = e;
			continue;
		}
		memcpy(out + n, p, (size_t)(e - p));
		n += (size_t)(e - p);
		p = e;
	}
	if (!inserted) {
		if (n > 0 && out[n - 1] != '\n')
			out[n++] = '\n';
		n += (size_t)snprintf(out + n, cap + 1 - n, "%s %s (%s)\n", key, SASL_MAP_MARK,
				      incident);
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

void sasl_map_ours(const char *text, size_t len, sasl_map_entry_fn fn, void *arg)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *e = line_end(p, end), *inc;
		size_t lk, li;
		char key[512], incident[128];

		if (ours(p, e, &lk, &inc, &li) && lk < sizeof(key)) {
			memcpy(key, p, lk);
			key[lk] = '\0';
			if (li >= sizeof(incident))
				li = 0;
			if (li)
				memcpy(incident, inc, li);
			incident[li] = '\0';
			fn(key, incident, arg);
		}
		p = e;
	}
}

int sasl_map_read(const struct sasl_map *m, char **text, size_t *len)
{
	int fd = croot_open(m->root, m->path, O_RDONLY);
	size_t n = 0, cap = 4096;
	char *buf;

	if (fd < 0 && errno != ENOENT)
		return -1;
	buf = xmalloc(cap + 1);
	while (fd >= 0) {
		ssize_t r;

		if (n == cap) {
			if (cap >= SASL_MAP_MAX) {
				free(buf);
				close(fd);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				fatalx("out of memory");
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* stat(2) of the source, a symlink followed in the map's root. */
static int source_stat(const struct sasl_map *m, struct stat *st)
{
	int fd, rc;

	if (!m->root[0])
		return stat(m->path, st);
	fd = croot_open(m->root, m->path, O_PATH);
	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	close(fd);
	return rc;
}

int sasl_map_prepare(const struct sasl_map *m, const char *key, const char *incident,
		     char *err, size_t cap)
{
	char *text, *edited;
	size_t len, elen;
	struct stat st;
	int fd;

	if (sasl_map_read(m, &text, &len) < 0) {
		snprintf(err, cap, "read %s: %s", m->path, strerror(errno));
		return -1;
	}
	edited = sasl_map_edit(text, len, key, incident, &elen);
	free(text);
	unlink(m->h_tmp);
	unlink(m->h_tmp_db);
	fd = open(m->h_tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	/* postmap builds the database as the source's owner; a new map is
	 * 0644 whatever the umask (smtpd reads it as the postfix user) */
	if (source_stat(m, &st) == 0) {
		if (fchown(fd, st.st_uid, st.st_gid) < 0 || fchmod(fd, st.st_mode & 07777) < 0)
			goto fail;
	} else if (fchmod(fd, 0644) < 0) {
		goto fail;
	}
	if (write_all(fd, edited, elen) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	free(edited);
	return 0;
fail:
	snprintf(err, cap, "write %s: %s", m->tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(m->h_tmp);
	free(edited);
	return -1;
}

static void sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int sasl_map_install(const struct sasl_map *m, char *err, size_t cap)
{
	struct stat old, new;

	if (stat(m->h_tmp_db, &new) < 0) {
		snprintf(err, cap, "postmap made no %s: %s", m->tmp_db, strerror(errno));
		return -1;
	}
	if (stat(m->h_db, &old) == 0 && new.st_mtime <= old.st_mtime) {
		struct timespec t[2] = {
			{ .tv_nsec = UTIME_OMIT },
			{ .tv_sec = old.st_mtime + 1, .tv_nsec = 0 },
		};

		if (utimensat(AT_FDCWD, m->h_tmp_db, t, 0) < 0)
			log_warn("utimensat %s", m->h_tmp_db);
	}
	if (rename(m->h_tmp_db, m->h_db) < 0) {
		snprintf(err, cap, "rename %s: %s", m->tmp_db, strerror(errno));
		return -1;
	}
	if (rename(m->h_tmp, m->h_path) < 0) {
		snprintf(err, cap, "rename %s: %s", m->tmp, strerror(errno));
		return -1;
	}
	sync_dir(m->h_path);
	return 0;
}
