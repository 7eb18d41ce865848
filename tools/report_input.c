// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report_input.c - sentinel-report's two-thread input (see report_input.h).
 *
 * The reader reads each file with gzread() into one of NCHUNKS chunk
 * buffers in turn, READ_BUF bytes a read, the partial last line copied to
 * the head of the next buffer, and marks which bytes are whole lines:
 * a search from each end, not a scan.  Either thread parses a chunk that
 * is read (the oldest first) when it has nothing better to do: it splits
 * the lines, parses each, counts them, and writes the lines the caller
 * keeps as compact items into the chunk's item list.  The main thread
 * applies parsed chunks strictly in input order; only then is a chunk's
 * buffer, into which the items point, reused.
 *
 * A plain regular file is not read but mapped (mmap): a chunk's lines
 * point into the mapping, in the same windows of READ_BUF bytes the reads
 * would have filled, so what is a line, and a too-long one, does not
 * change; the kernel copies nothing, and the pages of each chunk are
 * dropped from the mapping once it is applied (MADV_DONTNEED), so that
 * the resident set stays that of the buffers.  A file that shrinks while
 * mapped (copytruncate) would raise SIGBUS: the handler maps zeros over
 * the rest of that mapping, which is then read as unparsed bytes, and the
 * file is reported as truncated while read.  Gzip files and stdin are
 * read with gzread().
 *
 * Why items: a line's whole header and record are about 450 bytes, most
 * of them absent fields, and were written on one core and read on the
 * other for every line.  An item holds the fields present only, and the
 * lines the tables ignore are not written at all (only a time, when it
 * changes): the applying thread reads a short sequential list, and asks
 * for the line bytes of the next few items before it needs them.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "report_input.h"

#define READ_BUF (1 << 20)
#define NCHUNKS 6
#define PREFETCH_AHEAD 512	/* bytes of items: about four */

/* One line handed on: its header, then its record's present fields in
 * field order (f[]).  size is a multiple of 8, so items stay aligned. */
struct item {
	uint32_t size;			/* bytes, fields included */
	uint32_t msg_n;			/* the message ends the line */
	const char *line;
	size_t len;
	int src;
	enum postfix_kind kind;
	unsigned int present;
	bool time_only, long_qid, truncated, mta_bounce;
	time_t time;
	long usec, pid;
	struct slice host, program;
	long relay_port, msg_size, nrcpt, uid, client_port, conn_use, count;
	struct slice f[];
};

enum chunk_state { CH_FREE, CH_READ, CH_PARSING, CH_PARSED };

struct chunk {
	char *buf;			/* READ_BUF bytes */
	char *drop;			/* mapped pages done with once applied */
	size_t drop_len;
	int unmap;			/* the last chunk of mapping maps[unmap - 1] */
	const char *lines;		/* whole lines; only at the end of input */
	size_t n;			/* may the last one lack its '\n' */
	bool too_long;			/* a too-long line follows them */
	time_t ref;
	char *items;			/* struct item after struct item */
	size_t used, cap;
	struct input_counts counts;
	enum chunk_state state;
};

struct pipeline {
	const struct input_config *cfg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk ch[NCHUNKS];
	uint64_t next_read, next_apply;	/* chunk sequence numbers */
	bool done;			/* the reader has listed its last chunk */
	int status;			/* 1 when a file could not be read */
};

/* ---- mapped files ----------------------------------------------------------- */

#define MAX_MAPS 4		/* files mapped at once: a few chunks apart */

/* Mappings in use (base set once mapped), for the SIGBUS handler. */
static struct {
	bool used;			/* with maps_mu */
	char *_Atomic base;
	_Atomic size_t len;
	atomic_bool shrunk;
	const char *path;
} maps[MAX_MAPS];
static pthread_mutex_t maps_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t maps_cv = PTHREAD_COND_INITIALIZER;
static size_t page_size;

/* A read past the end of a mapped file that shrank: zeros over the rest of
 * its mapping, and the read goes on.  Any other SIGBUS is not ours. */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	const char *a = si->si_addr;

	(void)uc;
	for (int i = 0; i < MAX_MAPS; i++) {
		char *b = atomic_load(&maps[i].base), *pg;
		size_t n = atomic_load(&maps[i].len);

		if (!b || a < b || a >= b + n)
			continue;
		pg = b + ((size_t)(a - b) & ~(page_size - 1));	/* b is page-aligned */
		if (mmap(pg, (size_t)(b + n - pg), PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
			atomic_store(&maps[i].shrunk, true);
			return;
		}
	}
	signal(sig, SIG_DFL);		/* the fault again, fatal */
}

/* A free slot for a mapping (waits while every slot is in use). */
static int map_slot(void)
{
	int i;

	pthread_mutex_lock(&maps_mu);
	for (;;) {
		for (i = 0; i < MAX_MAPS && maps[i].used; i++)
			;
		if (i < MAX_MAPS)
			break;
		pthread_cond_wait(&maps_cv, &maps_mu);
	}
	maps[i].used = true;
	pthread_mutex_unlock(&maps_mu);
	return i;
}

/* After a chunk is applied: give back the pages it is done with, and the
 * mapping when it was its last chunk. */
static void chunk_release(struct chunk *c)
{
	if (c->drop_len)
		madvise(c->drop, c->drop_len, MADV_DONTNEED);
	c->drop_len = 0;
	if (c->unmap) {
		int i = c->unmap - 1;

		munmap(atomic_load(&maps[i].base), atomic_load(&maps[i].len));
		if (atomic_load(&maps[i].shrunk))
			log_warnx("%s: shrank while read: the rest read as zeros, unparsed",
				  maps[i].path);
		atomic_store(&maps[i].shrunk, false);
		pthread_mutex_lock(&maps_mu);
		atomic_store(&maps[i].base, NULL);
		atomic_store(&maps[i].len, 0);
		maps[i].used = false;
		pthread_cond_broadcast(&maps_cv);
		pthread_mutex_unlock(&maps_mu);
		c->unmap = 0;
	}
}

static struct item *item_new(struct chunk *c, unsigned int present)
{
	size_t size = sizeof(struct item);
	struct item *it;

	for (unsigned int m = present; m; m &= m - 1)
		size += sizeof(struct slice);

	if (c->cap - c->used < size) {
		c->cap = c->cap ? 2 * c->cap : (size_t)256 << 10;
		c->items = realloc(c->items, c->cap);
		if (!c->items)
			fatalx("out of memory for %zu bytes of lines", c->cap);
	}
	it = (struct item *)(c->items + c->used);
	c->used += size;
	it->size = (uint32_t)size;
	it->present = present;
	return it;
}

static void keep(struct chunk *c, const char *line, size_t len, int src, bool time_only,
		 const struct syslog_line *sl, const struct postfix_record *rec)
{
	unsigned int present = src == SYSLOG_OK && !time_only ? rec->present : 0;
	struct item *it = item_new(c, present);
	size_t i = 0;

	it->line = line;
	it->len = len;
	it->src = src;
	it->kind = src == SYSLOG_OK ? rec->kind : POSTFIX_UNPARSED;
	it->time_only = time_only;
	if (src != SYSLOG_OK)
		return;
	it->time = sl->time;
	it->usec = sl->usec;
	it->pid = sl->pid;
	it->host = sl->host;
	it->program = sl->program;
	it->msg_n = (uint32_t)sl->msg.n;
	it->long_qid = rec->long_qid;
	it->truncated = rec->truncated;
	it->mta_bounce = rec->mta_bounce;
	it->relay_port = rec->relay_port;
	it->msg_size = rec->size;
	it->nrcpt = rec->nrcpt;
	it->uid = rec->uid;
	it->client_port = rec->client_port;
	it->conn_use = rec->conn_use;
	it->count = rec->count;
	for (unsigned int m = present; m; m &= m - 1)
		it->f[i++] = rec->f[__builtin_ctz(m)];
}

/* An item back into a line, writing only what it carries. */
static void unpack(const struct item *it, struct input_line *l)
{
	size_t i = 0;

	l->line = it->line;
	l->len = it->len;
	l->src = it->src;
	l->time_only = it->time_only;
	l->rec.kind = it->kind;
	l->rec.present = it->present;
	if (it->src != SYSLOG_OK)
		return;
	l->sl.time = it->time;
	l->sl.usec = it->usec;
	l->sl.pid = it->pid;
	l->sl.host = it->host;
	l->sl.program = it->program;
	l->sl.msg.p = it->line + it->len - it->msg_n;
	l->sl.msg.n = it->msg_n;
	l->rec.long_qid = it->long_qid;
	l->rec.truncated = it->truncated;
	l->rec.mta_bounce = it->mta_bounce;
	l->rec.relay_port = it->relay_port;
	l->rec.size = it->msg_size;
	l->rec.nrcpt = it->nrcpt;
	l->rec.uid = it->uid;
	l->rec.client_port = it->client_port;
	l->rec.conn_use = it->conn_use;
	l->rec.count = it->count;
	for (unsigned int m = it->present; m; m &= m - 1)
		l->rec.f[__builtin_ctz(m)] = it->f[i++];
}

static void parse_chunk(const struct input_config *cfg, struct chunk *c)
{
	const char *p = c->lines, *end = c->lines + c->n;
	struct input_counts *k = &c->counts;
	struct syslog_line sl;
	struct postfix_record rec;
	bool timed = false;		/* a parsed line before, at time last */
	time_t last = 0;

	memset(k, 0, sizeof(*k));
	c->used = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		int src = maillog_header(&sl, p, len, c->ref, cfg->format);
		enum postfix_kind kind = POSTFIX_UNPARSED;
		bool parsed = false;

		k->lines++;
		if (src == SYSLOG_OK)
			kind = maillog_parse(&rec, cfg->format, &sl, NULL);
		if (kind == POSTFIX_UNPARSED) {
			k->unparsed++;
		} else if (kind == POSTFIX_FOREIGN || kind == POSTFIX_IGNORED) {
			k->ignored++;
		} else {
			k->parsed++;
			parsed = true;
		}
		if (cfg->every_line || (parsed && (cfg->keep & (1u << kind))))
			keep(c, p, len, src, false, &sl, &rec);
		else if (parsed && (!timed || sl.time != last))
			keep(c, p, len, src, true, &sl, &rec);
		if (parsed) {
			timed = true;
			last = sl.time;
		}
		p += len + 1;
	}
	if (c->too_long) {
		k->lines++;
		k->unparsed++;
		k->long_lines++;
	}
}

/* With p->mu held: claim the oldest chunk read and not yet parsed, or NULL. */
static struct chunk *claim(struct pipeline *p)
{
	for (uint64_t s = p->next_apply; s < p->next_read; s++) {
		struct chunk *c = &p->ch[s % NCHUNKS];

		if (c->state == CH_READ) {
			c->state = CH_PARSING;
			return c;
		}
	}
	return NULL;
}

/* With p->mu held: parse the oldest waiting chunk, without the lock while
 * parsing; false when none waits. */
static bool parse_one(struct pipeline *p)
{
	struct chunk *c = claim(p);

	if (!c)
		return false;
	pthread_mutex_unlock(&p->mu);
	parse_chunk(p->cfg, c);
	pthread_mutex_lock(&p->mu);
	c->state = CH_PARSED;
	pthread_cond_broadcast(&p->cv);
	return true;
}

/* Reader: wait for a free chunk, parsing while waiting when there is work. */
static struct chunk *next_free(struct pipeline *p)
{
	struct chunk *c;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		c = &p->ch[p->next_read % NCHUNKS];
		if (c->state == CH_FREE)
			break;
		if (!parse_one(p))
			pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	c->lines = c->buf;
	c->n = 0;
	c->too_long = false;
	return c;
}

/* Reader: hand a read chunk on.  It reads on while a chunk is free, so
 * that the main thread finds chunks to parse whenever it would wait. */
static void publish(struct pipeline *p, struct chunk *c)
{
	pthread_mutex_lock(&p->mu);
	c->state = CH_READ;
	p->next_read++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Map a plain regular file of size bytes (fd open on it) and hand on its
 * chunks: the windows and lines read_file() would have read.  false when
 * it cannot be mapped (nothing handed on: read it instead). */
/* The whole lines of buf[0..have) into c (c->lines, c->n); returns where
 * the rest (a line not ended yet) starts.  *skipping: inside a line longer
 * than LINE_MAX_LEN, which the first newline ends; a rest longer than that
 * starts one (c->too_long). */
static size_t cut_lines(struct chunk *c, char *buf, size_t have, bool *skipping)
{
	size_t start = 0;
	char *nl;

	if (*skipping) {
		nl = memchr(buf, '\n', have);
		start = nl ? (size_t)(nl - buf) + 1 : have;
		*skipping = !nl;
	}
	if (!*skipping) {
		nl = memrchr(buf + start, '\n', have - start);
		c->lines = buf + start;
		if (nl) {
			c->n = (size_t)(nl - c->lines) + 1;
			start += c->n;
		}
		if (have - start > LINE_MAX_LEN) {
			c->too_long = true;
			*skipping = true;
			start = have;
		}
	}
	return start;
}

static bool map_file(struct pipeline *p, const char *path, int fd, size_t size, time_t ref)
{
	int slot = map_slot();
	size_t len = (size + page_size - 1) & ~(page_size - 1);
	char *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	size_t pos = 0, have = 0;	/* bytes mapped into windows, carried */
	bool skipping = false;		/* inside a line longer than LINE_MAX_LEN */
	char *done = base;		/* pages before it are given back */

	if (base == MAP_FAILED) {
		pthread_mutex_lock(&maps_mu);
		maps[slot].used = false;
		pthread_cond_broadcast(&maps_cv);
		pthread_mutex_unlock(&maps_mu);
		return false;
	}
	maps[slot].path = path;
	atomic_store(&maps[slot].len, len);
	atomic_store(&maps[slot].base, base);
	madvise(base, size, MADV_SEQUENTIAL);
	for (;;) {
		struct chunk *c = next_free(p);
		char *buf = base + pos - have, *upto;
		size_t n = size - pos < READ_BUF - have ? size - pos : READ_BUF - have;
		size_t start;

		c->ref = ref;
		if (n == 0) {
			c->lines = buf;
			c->n = have;		/* a last line without newline */
			c->unmap = slot + 1;
			publish(p, c);
			break;
		}
#ifdef MADV_POPULATE_READ
		/* the page faults here, on the reading thread, in one go */
		madvise(base + ((pos) & ~(page_size - 1)), ((pos + n + page_size - 1) &
			~(page_size - 1)) - (pos & ~(page_size - 1)), MADV_POPULATE_READ);
#endif
		pos += n;
		have += n;
		start = cut_lines(c, buf, have, &skipping);
		have -= start;
		/* the next chunk starts at pos - have: the pages before it */
		upto = base + ((pos - have) & ~(page_size - 1));
		c->drop = done;
		c->drop_len = (size_t)(upto - done);
		done = upto;
		publish(p, c);
	}
	return true;
}

/* Read one file, plain or gzip; -1 (reported) if it could not be read. */
static int read_file(struct pipeline *p, const char *path)
{
	size_t have = 0;
	bool skipping = false;		/* inside a line longer than LINE_MAX_LEN */
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	time_t ref = time(NULL);
	struct stat st;
	unsigned char magic[2];
	const char *tail = NULL;
	gzFile f;
	int rc = 0;

	if (fd < 0) {
		log_warn("%s", is_stdin ? "stdin" : path);
		return -1;
	}
	/* RFC 3164 years: nearest before the file's last change. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		ref = st.st_mtime;
		/* a plain file (not gzip) is mapped, not read */
		if (!is_stdin && st.st_size > 0 &&
		    (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) &&
		    map_file(p, path, fd, (size_t)st.st_size, ref)) {
			close(fd);
			return 0;
		}
	}
	f = gzdopen(fd, "rb");
	if (!f) {
		log_warn("%s", is_stdin ? "stdin" : path);
		close(fd);
		return -1;
	}
	gzbuffer(f, 1 << 17);
	for (;;) {
		struct chunk *c = next_free(p);
		char *buf = c->buf;
		size_t start;
		int n;

		/* the partial line: its chunk is not reused before this one */
		if (have)
			memcpy(buf, tail, have);
		c->ref = ref;
		n = gzread(f, buf + have, (unsigned)(READ_BUF - have));
		if (n < 0) {
			int err;
			const char *msg = gzerror(f, &err);

			log_warnx("%s: %s", is_stdin ? "stdin" : path,
				  err == Z_ERRNO ? strerror(errno) : msg);
			rc = -1;
			publish(p, c);
			break;
		}
		if (n == 0) {
			c->n = have;		/* a last line without newline */
			publish(p, c);
			break;
		}
		have += (size_t)n;
		start = cut_lines(c, buf, have, &skipping);
		tail = buf + start;
		have -= start;
		publish(p, c);
	}
	gzclose(f);
	return rc;
}

static void *reader(void *arg)
{
	struct pipeline *p = arg;

	for (int i = 0; i < p->cfg->nfiles; i++)
		if (read_file(p, p->cfg->files[i]) < 0)
			p->status = 1;
	pthread_mutex_lock(&p->mu);
	p->done = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Ask for the bytes the tables will read of the item at off: its line's
 * header and its fields, which the other core read and parsed, or which
 * left the cache since; a miss each otherwise.  Its size. */
static size_t prefetch(const struct chunk *c, size_t off)
{
	const struct item *it = (const struct item *)(c->items + off);
	size_t nf = (it->size - sizeof(struct item)) / sizeof(struct slice);

	__builtin_prefetch(it->line);
	for (size_t i = 0; i < nf; i++)
		__builtin_prefetch(it->f[i].p);
	return it->size;
}

static void apply_chunk(const struct input_config *cfg, const struct chunk *c,
			struct input_counts *counts)
{
	struct input_line l = { .entry = NULL, .forged = false };	/* files: no entry */
	size_t ahead = 0;		/* items before it are prefetched */

	for (size_t off = 0; off < c->used;) {
		const struct item *it = (const struct item *)(c->items + off);

		for (; ahead < c->used && ahead <= off + PREFETCH_AHEAD; ahead += prefetch(c, ahead))
			;
		unpack(it, &l);
		cfg->apply(&l, cfg->arg);
		off += it->size;
	}
	counts->lines += c->counts.lines;
	counts->parsed += c->counts.parsed;
	counts->ignored += c->counts.ignored;
	counts->unparsed += c->counts.unparsed;
	counts->long_lines += c->counts.long_lines;
}

/* ---- a journal ------------------------------------------------------------- */

struct jctx {
	const struct input_config *cfg;
	struct input_counts *counts;
	struct journal_writers writers;
	bool timed;			/* a parsed entry before, at time last */
	time_t last;
	char line[JOURNAL_MSG_MAX + SYSLOG_HOST_MAX + SYSLOG_PROG_MAX + 64];
	char why[PATH_MAX + 128];
};

static void on_entry(const struct journal_entry *e, void *arg)
{
	struct jctx *x = arg;
	const struct input_config *cfg = x->cfg;
	struct input_line l;
	enum postfix_kind kind;
	bool parsed;

	memset(&l, 0, sizeof(l));
	l.entry = e;
	x->counts->lines++;
	if (!journal_line(e, x->line, sizeof(x->line), &l.len, &l.sl)) {
		int n = snprintf(x->line, sizeof(x->line), "%.*s[%ld]: %.*s", (int)e->program.n,
				 e->program.p ? e->program.p : "", e->pid, (int)e->msg.n,
				 e->msg.p ? e->msg.p : "");

		x->counts->unparsed++;
		l.line = x->line;
		l.len = n < 0 ? 0 : (size_t)n >= sizeof(x->line) ? sizeof(x->line) - 1 : (size_t)n;
		l.src = SYSLOG_UNPARSED;
		if (cfg->every_line)
			cfg->apply(&l, cfg->arg);
		return;
	}
	l.line = x->line;
	l.src = SYSLOG_OK;
	kind = maillog_parse(&l.rec, cfg->format, &l.sl, NULL);
	parsed = kind != POSTFIX_UNPARSED && kind != POSTFIX_FOREIGN && kind != POSTFIX_IGNORED;
	if (kind == POSTFIX_UNPARSED)
		x->counts->unparsed++;
	else if (!parsed)
		x->counts->ignored++;
	else if (!journal_writer_check(&x->writers, e, x->why, sizeof(x->why))) {
		x->counts->forged++;
		l.forged = true;
		l.forged_why = x->why;
		parsed = false;
	} else {
		x->counts->parsed++;
	}
	if (cfg->every_line || l.forged || (parsed && (cfg->keep & (1u << kind)))) {
		cfg->apply(&l, cfg->arg);
	} else if (parsed && (!x->timed || l.sl.time != x->last)) {
		l.time_only = true;
		cfg->apply(&l, cfg->arg);
	}
	if (parsed) {
		x->timed = true;
		x->last = l.sl.time;
	}
}

static int run_journal(const struct input_config *cfg, struct input_counts *counts)
{
	struct jctx *x = xcalloc(1, sizeof(*x));
	const char *root = cfg->root ? cfg->root : "";
	char err[PATH_MAX + 512];
	struct postconf pc;
	struct journal *j;
	const struct journal_stats *st;

	x->cfg = cfg;
	x->counts = counts;
	postconf_read_root(&pc, root, "/usr/sbin", "");
	if (journal_writers_init(&x->writers, &pc, root, NULL, err, sizeof(err)) < 0)
		log_warnx("who writes Postfix's entries: %s", err);
	postconf_free(&pc);
	j = journal_open(cfg->journal, NULL, JOURNAL_START_BEGINNING, NULL, err, sizeof(err));
	if (!j) {
		log_warnx("%s", err);
		free(x);
		return 1;
	}
	journal_read(j, on_entry, x);
	st = journal_get_stats(j);
	counts->lines += st->long_entries;
	counts->unparsed += st->long_entries;
	counts->long_lines += st->long_entries;
	journal_close(j);
	free(x);
	return 0;
}

int input_run(const struct input_config *cfg, struct input_counts *counts)
{
	static struct pipeline pl;
	struct pipeline *p = &pl;
	pthread_t tid;
	int status;

	memset(counts, 0, sizeof(*counts));
	if (cfg->journal)
		return run_journal(cfg, counts);
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	{
		struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, NULL);
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < NCHUNKS; i++)
		p->ch[i].buf = xmalloc(READ_BUF);
	if (pthread_create(&tid, NULL, reader, p) != 0)
		fatalx("cannot start the reader thread");
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct chunk *c = &p->ch[p->next_apply % NCHUNKS];

		if (p->next_apply < p->next_read && c->state == CH_PARSED) {
			pthread_mutex_unlock(&p->mu);
			apply_chunk(cfg, c, counts);
			chunk_release(c);
			pthread_mutex_lock(&p->mu);
			c->state = CH_FREE;
			p->next_apply++;
			pthread_cond_broadcast(&p->cv);
			continue;
		}
		if (p->done && p->next_apply == p->next_read)
			break;
		if (!parse_one(p))
			pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	pthread_join(tid, NULL);
	status = p->status;
	for (int i = 0; i < NCHUNKS; i++) {
		free(p->ch[i].buf);
		free(p->ch[i].items);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	return status;
}
