/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tail.h - follow a log file across rotation, line by line, losing nothing.
 *
 * A tail reads one path (e.g. /var/log/mail.log) and hands every complete
 * line to a callback, without its newline; a partial last line waits for
 * its newline.  tail_poll() does the work: call it when tail_fd() (an
 * inotify descriptor watching the file's directory) is readable, and on a
 * periodic timer as a safety net.  It copes with:
 *
 *  - the file not existing yet (it is opened when it appears, from offset 0);
 *  - rename rotation (logrotate `create`, postfix logrotate): the renamed
 *    file is drained to its end, and kept open for TAIL_DRAIN_GRACE seconds
 *    after it last grew, because the writer may append to it until it
 *    reopens its log; the new file is read from offset 0 meanwhile;
 *  - copytruncate: the file shrank below our offset, so we start again at 0
 *    (lines the writer added between our last read and the truncation were
 *    copied away by logrotate, not to us: that is inherent to copytruncate);
 *  - lines longer than TAIL_MAX_LINE: skipped to the next newline and
 *    counted, never delivered in pieces.
 *
 * Restart: tail_get_state() gives (device, inode, offset) just after the
 * last delivered line of the file at the path and, while one drains, of the
 * rotated file; the caller persists it.  tail_open() with that state
 * resumes each where it stopped: a file still at the path there, a file
 * rotated away meanwhile by its inode in the same directory (read to its
 * end first), and a file at the path that is new to us from offset 0.  So
 * a restart neither loses nor repeats a line, rotation or not.  Without a
 * state, `start` chooses the beginning or the end of the file found.
 *
 * Bounds: one line buffer of TAIL_MAX_LINE bytes; reads of TAIL_CHUNK bytes.
 * The callback must not call back into the tail.
 */
#ifndef SENTINEL_MAILLOG_TAIL_H
#define SENTINEL_MAILLOG_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TAIL_MAX_LINE ((size_t)64 * 1024)
#define TAIL_CHUNK ((size_t)64 * 1024)
#define TAIL_DRAIN_GRACE 10	/* seconds an idle rotated file stays open */

enum tail_start { TAIL_START_END, TAIL_START_BEGINNING };

struct tail_pos {
	uint64_t dev;
	uint64_t ino;		/* 0: none */
	uint64_t offset;	/* after the last delivered line */
};

struct tail_state {
	struct tail_pos cur;	/* the file at the path */
	struct tail_pos old;	/* a rotated file still draining */
};

struct tail_stats {
	uint64_t lines;
	uint64_t bytes;
	uint64_t long_lines;	/* longer than TAIL_MAX_LINE: skipped */
	uint64_t rotations;	/* a new file at the path */
	uint64_t truncations;	/* copytruncate */
	uint64_t read_errors;
};

typedef void (*tail_line_fn)(const char *line, size_t len, void *arg);

struct tail;

/* resume may be NULL.  Never fails for a missing file: it waits for it.
 * NULL only when inotify cannot be set up (errno set, reason logged). */
struct tail *tail_open(const char *path, enum tail_start start,
		       const struct tail_state *resume, tail_line_fn fn, void *arg);
void tail_close(struct tail *t);

int tail_fd(const struct tail *t);
void tail_poll(struct tail *t);

void tail_get_state(const struct tail *t, struct tail_state *out);
const struct tail_stats *tail_get_stats(const struct tail *t);
const char *tail_path(const struct tail *t);

#endif
