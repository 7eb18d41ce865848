// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * binfile.c - buffered, checksummed, atomic binary state files (see
 * binfile.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "binfile.h"
#include "log.h"
#include "state.h"

struct binfile {
	struct state_writer *w;
	uLong crc;
	size_t n, total;
	unsigned char buf[BINFILE_BUF];
};

/* The CRC of more bytes: zlib takes at most a uInt at a time. */
static uLong crc_more(uLong crc, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i += BINFILE_BUF) {
		size_t k = len - i < BINFILE_BUF ? len - i : BINFILE_BUF;

		crc = crc32(crc, p + i, (uInt)k);
	}
	return crc;
}

struct binfile *binfile_open(const char *dir, const char *name)
{
	struct binfile *f = xcalloc(1, sizeof(*f));

	f->w = state_writer_open(dir, name);
	if (!f->w) {
		free(f);
		return NULL;
	}
	f->crc = crc32(0L, Z_NULL, 0);
	return f;
}

static void flush(struct binfile *f)
{
	f->crc = crc_more(f->crc, f->buf, f->n);
	state_writer_put(f->w, f->buf, f->n);
	f->n = 0;
}

void binfile_put(struct binfile *f, const void *data, size_t len)
{
	if (len == 0)
		return;
	if (f->n + len > sizeof(f->buf))
		flush(f);
	f->total += len;
	if (len > sizeof(f->buf)) {
		f->crc = crc_more(f->crc, data, len);
		state_writer_put(f->w, data, len);
		return;
	}
	memcpy(f->buf + f->n, data, len);
	f->n += len;
}

size_t binfile_size(const struct binfile *f)
{
	return f->total;
}

int binfile_commit(struct binfile *f)
{
	unsigned char crc[BINFILE_CRC];
	int rc;

	flush(f);
	for (int i = 0; i < BINFILE_CRC; i++)
		crc[i] = (unsigned char)(f->crc >> (8 * i));
	state_writer_put(f->w, crc, sizeof(crc));
	rc = state_writer_commit(f->w);
	free(f);
	return rc;
}

bool binfile_crc_ok(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t want = 0;

	if (len < BINFILE_CRC)
		return false;
	len -= BINFILE_CRC;
	for (int i = 0; i < BINFILE_CRC; i++)
		want |= (uint32_t)p[len + (size_t)i] << (8 * i);
	return (uint32_t)crc_more(crc32(0L, Z_NULL, 0), p, len) == want;
}
