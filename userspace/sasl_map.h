/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sasl_map.h - our entries in the check_sasl_access map, and only ours.
 *
 * The map source is the admin's file too.  sasl_map_edit() returns its
 * text with every entry of ours for KEY removed and, for a lock, one entry
 *     KEY REJECT 5.7.1 account locked by smtp-sentinel (INCIDENT)
 * inserted before the first entry of the file, so that it wins over an
 * admin's entry for the same key (postmap keeps the first of duplicate
 * keys, with a warning).  Every other line is kept byte for byte and in
 * order: comments, blank lines, the admin's entries and their
 * continuation lines.  An entry of ours is a line whose key equals KEY
 * ASCII-case-insensitively (postmap folds keys to lower case) and whose
 * value starts with SASL_MAP_MARK; lines after it that start with
 * whitespace continue it and go with it.
 *
 * Installing a change: sasl_map_prepare() writes the edited text into a
 * temporary source next to the map (MAP.sentinel-new, with the owner and
 * mode of MAP), then the caller runs `postmap TYPE:TMP`, then
 * sasl_map_install() renames TMP's database over MAP's, then TMP over MAP
 * (the database first: it is what smtpd reads; a crash in between leaves
 * a source without the change, which the retried step redoes).
 *
 * Postfix and whole-second mtimes: an smtpd notices a changed table
 * between two clients, when the open database file's mtime differs from
 * the one it opened or the file has no link left.  The rename leaves the
 * old file with no link, so even two changes within one second are seen;
 * sasl_map_install() also moves the new database's mtime one second past
 * the old one's when they fall in the same second, for a reader that
 * compares mtimes by path, and the caller's `postfix reload` makes every
 * idle smtpd exit.  A session already in progress keeps the old table
 * until it ends: that is what the session cut is for.
 *
 * A containerised Postfix's map (sasl_map_root(): [maillog] root): its
 * paths are the container's names, which `postmap` run in the container
 * is given; sentineld reaches the files from the host through the root,
 * its directory resolved inside the container (croot.h: an absolute
 * symlink points into the container), the source read with croot_open().
 *
 * Supported types: hash, btree (.db), cdb (.cdb), lmdb (.lmdb); a path
 * without "type:" is hash.  The source may be at most SASL_MAP_MAX bytes.
 */
#ifndef SENTINEL_SASL_MAP_H
#define SENTINEL_SASL_MAP_H

#include <limits.h>
#include <stddef.h>

#define SASL_MAP_MARK "REJECT 5.7.1 account locked by smtp-sentinel"
#define SASL_MAP_MAX (16 << 20)

struct sasl_map {
	char type[16];
	char path[PATH_MAX];		/* the source */
	char tmp[PATH_MAX];		/* the temporary source */
	char db[PATH_MAX + 8];		/* path + suffix */
	char tmp_db[PATH_MAX + 8];
	/* the same files as this host reaches them (sasl_map_root()) */
	char root[PATH_MAX];		/* "" : the host's */
	char h_path[PATH_MAX], h_tmp[PATH_MAX];
	char h_db[PATH_MAX + 8], h_tmp_db[PATH_MAX + 8];
};

/* "hash:/etc/postfix/sasl_access" or a plain absolute path.  0, or -1. */
int sasl_map_init(struct sasl_map *m, const char *spec);
/* The map is the container's at root (croot.h; "" or "/": the host's,
 * as after sasl_map_init()): the host's names of its files are made
 * again, its directory resolved in the container now.  0, or -1 with the
 * reason in err. */
int sasl_map_root(struct sasl_map *m, const char *root, char *err, size_t cap);

/* text (len bytes) with KEY's entries of ours removed and, when incident
 * is not NULL, KEY's entry added.  malloc'd, NUL-terminated, length in
 * *out_len. */
char *sasl_map_edit(const char *text, size_t len, const char *key, const char *incident,
		    size_t *out_len);

/* Each entry of ours: its key and incident (bounded copies). */
typedef void (*sasl_map_entry_fn)(const char *key, const char *incident, void *arg);
void sasl_map_ours(const char *text, size_t len, sasl_map_entry_fn fn, void *arg);

/* The source, malloc'd and NUL-terminated (a missing file is empty).
 * 0, or -1 with errno. */
int sasl_map_read(const struct sasl_map *m, char **text, size_t *len);

/* 0, or -1 with the reason in err. */
int sasl_map_prepare(const struct sasl_map *m, const char *key, const char *incident,
		     char *err, size_t cap);
int sasl_map_install(const struct sasl_map *m, char *err, size_t cap);

#endif
