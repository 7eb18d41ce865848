/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * binfile.h - a binary state file: written through a buffer, closed by a
 * CRC-32, replaced atomically.
 *
 * The writer and the checksum of the binary state files: the detector's
 * histories (history.c) and the maillog's message table
 * (messages_state.c); each keeps its own format and integer encoding.
 * binfile_open() starts a state_writer (state.h: a temporary file, fsync,
 * rename over the old one), binfile_put() appends bytes through a buffer
 * of BINFILE_BUF (a larger piece goes straight to the file), keeping the
 * CRC-32 (zlib's) and the size of all so far, and binfile_commit() appends
 * that CRC, BINFILE_CRC bytes little-endian, and puts the file in place.
 * binfile_crc_ok() is the readers' check of the trailer.
 */
#ifndef SENTINEL_BINFILE_H
#define SENTINEL_BINFILE_H

#include <stdbool.h>
#include <stddef.h>

#define BINFILE_BUF ((size_t)64 * 1024)
#define BINFILE_CRC 4			/* the trailer's bytes */

struct binfile;

/* A new dir/name in the making; NULL with the reason logged. */
struct binfile *binfile_open(const char *dir, const char *name);
void binfile_put(struct binfile *f, const void *data, size_t len);
/* A variable's bytes as they are in memory. */
#define BINFILE_PUT(f, v) binfile_put((f), &(v), sizeof(v))
/* The bytes put so far (the trailer not counted). */
size_t binfile_size(const struct binfile *f);
/* The trailer, then state_writer_commit(); frees f.  0, or -1 with errno
 * set and the reason logged (the old file stays). */
int binfile_commit(struct binfile *f);

/* Whether data's last BINFILE_CRC bytes are the CRC of those before them
 * (false when len is shorter). */
bool binfile_crc_ok(const void *data, size_t len);

#endif
