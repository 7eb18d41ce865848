// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * history.c - per-identity domains and volume, kept for weeks and across
 * restarts (see history.h).
 *
 * The file (HIST_FILE in the state directory), all numbers little-endian:
 *	"SSDH" version(u32)=1 seed(u64) since(u32)
 *	nlearned(u32), each: len(u8) name(len bytes) last(u32)
 *	nhist(u32), each: key(u64) last(u32) peak(f32) hour(u32) hour_peak(u32)
 *	    block(u32) block_msgs(u32) nsender(u8) nrcpt(u16)
 *	    nsender x { hash(u32) first(u32) last(u32) }
 *	    nrcpt x { hash(u32) last(u32) }
 *	crc32(u32) of all before it (binfile.h)
 * Histories are written least recently active first, so a load keeps the
 * order of eviction.  The uthash key is the seeded 64-bit hash itself.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>
#include <utlist.h>

#include "binfile.h"
#include "bytes.h"
#include "history.h"
#include "log.h"
#include "state.h"

#define MAGIC "SSDH"
#define VERSION 1
#define HOUR 3600
#define BLOCK 600
#define FILE_MAX ((size_t)64 << 20)

struct sender_entry {
	uint32_t hash, first, last;
};

struct rcpt_entry {
	uint32_t hash, last;
};

struct history {
	UT_hash_handle hh;
	struct history *prev, *next;	/* least recently active first */
	uint64_t key;
	uint32_t last;			/* second last active */
	float peak;			/* busiest 10 minutes, decayed to hour */
	uint32_t hour, hour_peak;	/* the hour being counted, its busiest block */
	uint32_t block, block_msgs;	/* the 10 minutes being counted */
	struct sender_entry sender[HIST_SENDER_DOMAINS];
	uint8_t nsender;
	uint16_t nrcpt, caprcpt;
	struct rcpt_entry *rcpt;
};

struct history_table {
	struct history *hash, *lru;
	size_t n, max;
	uint64_t evictions;
	uint64_t seed;
	uint32_t since;
};

struct history_table *history_new(size_t max)
{
	struct history_table *t = xcalloc(1, sizeof(*t));

	while (!t->seed)
		if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
			t->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^
				  (uint64_t)getpid() ^ (uint64_t)(uintptr_t)t;
	t->max = max ? max : 1;
	return t;
}

static void hist_drop(struct history_table *t, struct history *h)
{
	HASH_DELETE(hh, t->hash, h);
	DL_DELETE(t->lru, h);
	t->n--;
	free(h->rcpt);
	free(h);
}

static void free_all(struct history_table *t)
{
	struct history *h = t->lru;

	HASH_CLEAR(hh, t->hash);	/* the table; the entries are on the list */
	while (h) {
		struct history *next = h->next;

		free(h->rcpt);
		free(h);
		h = next;
	}
	t->lru = NULL;
	t->n = 0;
}

void history_free(struct history_table *t)
{
	if (!t)
		return;
	free_all(t);
	free(t);
}

uint64_t history_seed(const struct history_table *t)
{
	return t->seed;
}

uint64_t history_key(const struct history_table *t, const char *identity)
{
	size_t n = strlen(identity);
	uint64_t lo = hash_bytes(t->seed, identity, n);
	uint64_t hi = hash_bytes(t->seed ^ 0x5bd1e9955bd1e995ULL, identity, n);

	return hi << 32 | lo;
}

uint32_t history_hash(const struct history_table *t, const char *domain)
{
	uint32_t h = hash_bytes(t->seed ^ 0xc2b2ae3d27d4eb4fULL, domain, strlen(domain));

	return h ? h : 1;
}

static struct history *find_key(const struct history_table *t, uint64_t key)
{
	struct history *h;

	HASH_FIND(hh, t->hash, &key, sizeof(key), h);
	return h;
}

static struct history *add_key(struct history_table *t, uint64_t key)
{
	struct history *h;

	if (t->n >= t->max) {
		hist_drop(t, t->lru);
		t->evictions++;
	}
	h = xcalloc(1, sizeof(*h));
	h->key = key;
	HASH_ADD(hh, t->hash, key, sizeof(h->key), h);
	DL_APPEND(t->lru, h);
	t->n++;
	return h;
}

struct history *history_get(struct history_table *t, const char *identity, uint32_t sec)
{
	uint64_t key = history_key(t, identity);
	struct history *h = find_key(t, key);

	if (h) {
		DL_DELETE(t->lru, h);
		DL_APPEND(t->lru, h);
	} else {
		h = add_key(t, key);
	}
	if (sec > h->last)
		h->last = sec;
	return h;
}

size_t history_count(const struct history_table *t)
{
	return t->n;
}

uint64_t history_evictions(const struct history_table *t)
{
	return t->evictions;
}

bool history_rcpt(struct history *h, uint32_t domain, uint32_t sec)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < h->nrcpt; i++) {
		if (h->rcpt[i].hash == domain) {
			if (sec > h->rcpt[i].last)
				h->rcpt[i].last = sec;
			return false;
		}
		if (h->rcpt[i].last < h->rcpt[oldest].last)
			oldest = i;
	}
	if (h->nrcpt == h->caprcpt && h->caprcpt < HIST_RCPT_DOMAINS) {
		unsigned cap = h->caprcpt ? h->caprcpt * 2U : 8U;
		struct rcpt_entry *e;

		cap = cap < HIST_RCPT_DOMAINS ? cap : HIST_RCPT_DOMAINS;
		e = xcalloc(cap, sizeof(*e));
		if (h->nrcpt)
			memcpy(e, h->rcpt, h->nrcpt * sizeof(*e));
		free(h->rcpt);
		h->rcpt = e;
		h->caprcpt = (uint16_t)cap;
	}
	if (h->nrcpt < h->caprcpt)
		oldest = h->nrcpt++;
	h->rcpt[oldest].hash = domain;
	h->rcpt[oldest].last = sec;
	return true;
}

void history_sender(struct history *h, uint32_t domain, uint32_t sec)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < h->nsender; i++) {
		struct sender_entry *e = &h->sender[i];

		if (e->hash == domain) {
			if (sec > e->last)
				e->last = sec;
			if (sec < e->first)
				e->first = sec;
			return;
		}
		if (e->last < h->sender[oldest].last)
			oldest = i;
	}
	if (h->nsender < HIST_SENDER_DOMAINS)
		oldest = h->nsender++;
	h->sender[oldest] = (struct sender_entry){ domain, sec, sec };
}

bool history_sender_own(const struct history *h, uint32_t domain, uint32_t sec, unsigned span)
{
	for (unsigned i = 0; i < h->nsender; i++)
		if (h->sender[i].hash == domain)
			return (uint64_t)h->sender[i].first + span <= sec;
	return false;
}

bool history_sender_known(const struct history *h, uint32_t sec, unsigned span)
{
	for (unsigned i = 0; i < h->nsender; i++)
		if ((uint64_t)h->sender[i].first + span <= sec)
			return true;
	return false;
}

/* The domain of a sasl: identity's login (sasl:bob@example.org), or NULL. */
static const char *login_domain(const char *identity)
{
	const char *at;

	if (strncmp(identity, "sasl:", 5) != 0)
		return NULL;
	at = strrchr(identity + 5, '@');
	return at && at[1] ? at + 1 : NULL;
}

/* dom equals base or is a subdomain of it (ASCII case-insensitive). */
static bool within(const char *dom, const char *base)
{
	size_t n = strlen(dom), b = strlen(base);

	return n >= b && strcasecmp(dom + n - b, base) == 0 &&
	       (n == b || dom[n - b - 1] == '.');
}

bool history_sender_foreign(const struct history_table *t, const struct domains *learned,
			    const struct history *h, const char *identity, const char *dom,
			    uint32_t sec, unsigned span)
{
	const char *own = login_domain(identity);

	if (!dom[0] || domains_learned(learned, dom) || (own && within(dom, own)) ||
	    history_sender_own(h, history_hash(t, dom), sec, span))
		return false;
	return own || history_sender_known(h, sec, span);
}

void history_learn_sender(struct history_table *t, struct domains *learned, struct history *h,
			  const char *identity, const char *dom, uint32_t sec)
{
	const char *own = login_domain(identity);
	uint32_t who = (uint32_t)h->key;

	if (dom[0]) {
		history_sender(h, history_hash(t, dom), sec);
		if (domains_use(learned, dom, who, sec))
			log_debug("detect: sender domain %s learned: used by %d accounts", dom,
				  DOMAINS_LEARN_IDENTITIES);
	}
	if (own && (!dom[0] || strcasecmp(own, dom) != 0)) {
		char clean[DOMAINS_NAME_MAX];

		if (!domains_of_address(identity, clean, sizeof(clean)))
			return;
		if (domains_use(learned, clean, who, sec))
			log_debug("detect: sender domain %s learned: used by %d accounts", clean,
				  DOMAINS_LEARN_IDENTITIES);
	}
}

/* peak as of the start of hour */
static double decayed(const struct history *h, uint32_t hour)
{
	return hour > h->hour ? h->peak * pow(HIST_PEAK_DECAY, hour - h->hour) : h->peak;
}

/* Move h's counts to second sec: fold the blocks and hours that ended. */
static void advance(struct history *h, uint32_t sec, bool frozen)
{
	uint32_t block = sec / BLOCK, hour = sec / HOUR;

	/* a block that ends while an incident is open is not learned */
	if (block > h->block) {
		if (!frozen && h->block_msgs > h->hour_peak)
			h->hour_peak = h->block_msgs;
		h->block = block;
		h->block_msgs = 0;
	}
	if (hour > h->hour) {
		double p = decayed(h, hour);

		if (h->hour_peak > p)
			p = h->hour_peak;
		h->peak = (float)p;
		h->hour = hour;
		h->hour_peak = 0;
	}
}

void history_message(struct history *h, uint32_t sec, bool frozen)
{
	advance(h, sec, frozen);
	if (sec / BLOCK == h->block && h->block_msgs < UINT32_MAX && !frozen)
		h->block_msgs++;
}

double history_peak(const struct history *h, uint32_t sec)
{
	return decayed(h, sec / HOUR);
}

uint32_t history_since(const struct history_table *t)
{
	return t->since;
}

void history_set_since(struct history_table *t, uint32_t sec)
{
	t->since = sec;
}

/* ---- the file ------------------------------------------------------------ */

static void put_learned(const char *domain, uint32_t last, void *arg)
{
	struct binfile *f = arg;
	uint8_t len = (uint8_t)strlen(domain);	/* < DOMAINS_NAME_MAX */

	BINFILE_PUT(f, len);
	binfile_put(f, domain, len);
	BINFILE_PUT(f, last);
}

static void count_learned(const char *domain, uint32_t last, void *arg)
{
	(void)domain;
	(void)last;
	(*(uint32_t *)arg)++;
}

int history_save(const struct history_table *t, const struct domains *learned,
		 const char *dir)
{
	struct binfile *f = binfile_open(dir, HIST_FILE);
	uint32_t version = VERSION, n = 0;

	if (!f)
		return -1;
	binfile_put(f, MAGIC, 4);
	BINFILE_PUT(f, version);
	BINFILE_PUT(f, t->seed);
	BINFILE_PUT(f, t->since);
	if (learned)
		domains_each_learned(learned, count_learned, &n);
	BINFILE_PUT(f, n);
	if (learned)
		domains_each_learned(learned, put_learned, f);
	n = (uint32_t)t->n;
	BINFILE_PUT(f, n);
	for (const struct history *h = t->lru; h; h = h->next) {
		BINFILE_PUT(f, h->key);
		BINFILE_PUT(f, h->last);
		BINFILE_PUT(f, h->peak);
		BINFILE_PUT(f, h->hour);
		BINFILE_PUT(f, h->hour_peak);
		BINFILE_PUT(f, h->block);
		BINFILE_PUT(f, h->block_msgs);
		BINFILE_PUT(f, h->nsender);
		BINFILE_PUT(f, h->nrcpt);
		binfile_put(f, h->sender, h->nsender * sizeof(h->sender[0]));
		binfile_put(f, h->rcpt, h->nrcpt * sizeof(h->rcpt[0]));
	}
	return binfile_commit(f);
}

struct in {
	const unsigned char *p, *end;
	bool bad;
};

static void get(struct in *in, void *dst, size_t n)
{
	if (n == 0)
		return;
	if (in->bad || (size_t)(in->end - in->p) < n) {
		in->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, in->p, n);
	in->p += n;
}

#define GET(in, v) get((in), &(v), sizeof(v))

static const char *load_histories(struct history_table *t, struct in *in)
{
	uint32_t n;

	GET(in, n);
	if (n > t->max)
		return "more histories than max_identities";
	for (uint32_t i = 0; i < n && !in->bad; i++) {
		struct history h;
		struct history *e;

		memset(&h, 0, sizeof(h));
		GET(in, h.key);
		GET(in, h.last);
		GET(in, h.peak);
		GET(in, h.hour);
		GET(in, h.hour_peak);
		GET(in, h.block);
		GET(in, h.block_msgs);
		GET(in, h.nsender);
		GET(in, h.nrcpt);
		if (in->bad)
			break;
		if (h.nsender > HIST_SENDER_DOMAINS || h.nrcpt > HIST_RCPT_DOMAINS)
			return "a set larger than its bound";
		if (!isfinite(h.peak) || h.peak < 0 || h.peak > 1e9)
			return "a volume out of range";
		if (find_key(t, h.key))
			return "an identity twice";
		e = add_key(t, h.key);
		e->last = h.last;
		e->peak = h.peak;
		e->hour = h.hour;
		e->hour_peak = h.hour_peak;
		e->block = h.block;
		e->block_msgs = h.block_msgs;
		e->nsender = h.nsender;
		get(in, e->sender, h.nsender * sizeof(e->sender[0]));
		if (h.nrcpt) {
			e->rcpt = xcalloc(h.nrcpt, sizeof(*e->rcpt));
			e->nrcpt = e->caprcpt = h.nrcpt;
			get(in, e->rcpt, h.nrcpt * sizeof(e->rcpt[0]));
		}
	}
	return in->bad ? "truncated" : NULL;
}

int history_load(struct history_table *t, struct domains *learned, const char *dir)
{
	char *buf = NULL, name[DOMAINS_NAME_MAX];
	const unsigned char *names;
	uint64_t seed = t->seed;
	const char *why = NULL;
	struct in in = { 0 };
	uint32_t version, n;
	ssize_t len;
	char magic[4];

	buf = xmalloc(FILE_MAX);
	len = state_read(dir, HIST_FILE, buf, FILE_MAX);
	if (len < 0) {
		int e = errno;

		free(buf);
		if (e == ENOENT)
			return 0;
		log_warnx("%s/%s: %s; the histories start empty", dir, HIST_FILE, strerror(e));
		return -1;
	}
	if (!binfile_crc_ok(buf, (size_t)len)) {
		why = "bad CRC";
		goto bad;
	}
	in.p = (const unsigned char *)buf;
	in.end = in.p + len - BINFILE_CRC;
	get(&in, magic, 4);
	GET(&in, version);
	if (in.bad || memcmp(magic, MAGIC, 4) != 0 || version != VERSION) {
		why = "not a history file of this version";
		goto bad;
	}
	GET(&in, t->seed);
	GET(&in, t->since);
	GET(&in, n);
	if (n > DOMAINS_MAX) {
		why = "more learned domains than DOMAINS_MAX";
		goto bad;
	}
	names = in.p;
	for (uint32_t i = 0; i < n && !in.bad; i++) {
		uint8_t nlen;
		uint32_t last;

		GET(&in, nlen);
		get(&in, name, nlen);
		name[nlen] = '\0';
		GET(&in, last);
		if (strlen(name) != nlen || !domains_learnable(name)) {
			why = "a learned domain that is not a domain name";
			goto bad;
		}
	}
	why = load_histories(t, &in);
	if (!why && in.p != in.end)
		why = "trailing bytes";
	if (why)
		goto bad;
	/* all of it is good: the learned domains again, into the table, the
	 * least recently used first (the file has the most recent first, and
	 * each one added is the newest) */
	if (learned && n) {
		const unsigned char **at = xcalloc(n, sizeof(*at));

		in.p = names;
		for (uint32_t i = 0; i < n; i++) {
			uint8_t nlen;
			uint32_t last;

			at[i] = in.p;
			GET(&in, nlen);
			get(&in, name, nlen);
			GET(&in, last);
		}
		for (uint32_t i = n; i-- > 0;) {
			uint8_t nlen;
			uint32_t last;

			in.p = at[i];
			GET(&in, nlen);
			get(&in, name, nlen);
			name[nlen] = '\0';
			GET(&in, last);
			domains_add_learned(learned, name, last);
		}
		free(at);
	}
	free(buf);
	log_info("%s/%s: %zu identities' histories, %u learned sender domains", dir, HIST_FILE,
		 t->n, n);
	return 0;
bad:
	log_warnx("%s/%s: %s; refused whole, the histories start empty", dir, HIST_FILE, why);
	free_all(t);
	t->since = 0;
	t->seed = seed;
	free(buf);
	return -1;
}
