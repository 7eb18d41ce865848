/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - what survives a restart, written atomically.
 *
 * Each piece of state is one file in [daemon] state_dir, most of them
 * small text.  state_write() replaces a file so that a crash at any moment
 * leaves either the old or the new content, never a mix: write a temporary
 * file in the same directory, fsync it, rename it over the old one, fsync
 * the directory.  A file too large to build in memory first (the maillog's
 * message table) is streamed the same way: state_writer_open(), any number
 * of state_writer_put() (each a write(2): put large pieces), then
 * state_writer_commit() or state_writer_abort(); state_write() is those
 * three calls.  state_read() returns the whole file.  This is the first
 * backend of the decision store that ARCHITECTURE.md plans (a Redis one
 * may follow); keep callers to these calls.
 */
#ifndef SENTINEL_STATE_H
#define SENTINEL_STATE_H

#include <stddef.h>
#include <sys/types.h>

#define STATE_MAX_FILE (1 << 20)	/* for the files built in memory */

struct state_writer;

/* Create dir (mode 0750) if needed.  0, or -1 with the reason logged. */
int state_init(const char *dir);

/* 0, or -1 with errno set and the reason logged. */
int state_write(const char *dir, const char *name, const char *data, size_t len);

/* NULL with the reason logged. */
struct state_writer *state_writer_open(const char *dir, const char *name);
/* A failed write is kept for state_writer_commit() to report. */
void state_writer_put(struct state_writer *w, const void *data, size_t len);
/* fsync, rename over dir/name, fsync dir; frees w.  0, or -1 with errno
 * set and the reason logged (the old file stays). */
int state_writer_commit(struct state_writer *w);
/* Drop the temporary file, keep the old one; frees w (NULL is fine). */
void state_writer_abort(struct state_writer *w);

/* Bytes read into buf (at most cap - 1, NUL-terminated); -1 with errno set
 * (ENOENT: never written; EFBIG: larger than cap - 1). */
ssize_t state_read(const char *dir, const char *name, char *buf, size_t cap);
/* The same from an open fd (left open), from its offset to its end. */
ssize_t state_read_fd(int fd, char *buf, size_t cap);

#endif
