/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - what survives a restart, written atomically.
 *
 * Each piece of state is one small text file in [daemon] state_dir.
 * state_write() replaces a file so that a crash at any moment leaves
 * either the old or the new content, never a mix: write a temporary file in
 * the same directory, fsync it, rename it over the old one, fsync the
 * directory.  state_read() returns the whole file.  This is the first
 * backend of the decision store that ARCHITECTURE.md plans (a Redis one
 * may follow); keep callers to these two calls.
 */
#ifndef SENTINEL_STATE_H
#define SENTINEL_STATE_H

#include <stddef.h>
#include <sys/types.h>

#define STATE_MAX_FILE (1 << 20)

/* Create dir (mode 0750) if needed.  0, or -1 with the reason logged. */
int state_init(const char *dir);

/* 0, or -1 with errno set and the reason logged. */
int state_write(const char *dir, const char *name, const char *data, size_t len);

/* Bytes read into buf (at most cap - 1, NUL-terminated); -1 with errno set
 * (ENOENT: never written; EFBIG: larger than cap - 1). */
ssize_t state_read(const char *dir, const char *name, char *buf, size_t cap);

#endif
