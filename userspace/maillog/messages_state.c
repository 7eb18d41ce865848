// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * messages_state.c - the message table's snapshot file (see messages.h).
 *
 * Format, version 3: the text line "smtp-sentinel message table 3\n", then
 * binary.  Every integer is a LEB128 varint; a signed one is zigzag-coded
 * first (0, -1, 1, -2 ... as 0, 1, 2, 3 ...):
 *
 *   generation         varint
 *   positions          varint length, then its bytes
 *   pending logins     varint count, then each (messages.h):
 *     instance         varint length and its bytes, as the strings below
 *     pid              varint
 *     at               signed
 *     ip user method   strings
 *   records            newest first, each:
 *     flags            RECORD (always set: a 0 ends the records), HAS_SENDER,
 *                      ACCEPTED, HELD, REINJECTED, REMOVED, and SAME_INSTANCE,
 *                      SAME_IDENTITY, SAME_CLIENT, SAME_SENDER, NOTIFICATION
 *     instance qid identity client_ip sender
 *                      each a varint length and its bytes, but for those
 *                      flagged the SAME as in the record before
 *     notify orig_qid  only when NOTIFICATION: a varint (enum msg_notify, not
 *                      NONE) and a string
 *     nrcpt size       signed
 *     deliveries       4 varints: sent, deferred, bounced, expired
 *     first            signed, minus the record before's first (or 0)
 *     last             signed, minus first
 *     accepted_at      signed, minus first; only when ACCEPTED
 *     removed_at       signed, minus first; only when REMOVED
 *   0                  the end of the records
 *   removed list       varint count, then the number of each one's record
 *                      (0: the newest), in the order of the removed lines
 *   crc32              4 bytes, little-endian (zlib's), of all before it
 *                      (binfile.h: the writer's buffer, checksum and
 *                      atomic replace)
 *
 * Version 2 (before bounce notifications were linked) is the same without
 * the NOTIFICATION flag: it loads, every message mail.  Version 1 (before the
 * pending logins were kept) is version 2 without them: it loads, with no
 * pending login.  The writer writes version 3 only, which an older reader
 * refuses (a downgrade restores no table).
 *
 * Newest first, so that when the table would pass max_bytes the writer
 * stops, and what is left out is the oldest: the nearest to expiry, and
 * the likeliest to have left the queue already.  A message takes about 85
 * bytes, 30 in a burst from one identity, whose instance, identity, client
 * and sender SAME leaves out (100000 messages: 8 MB, saved in 50-90 ms).
 * sender_local is not kept: a load computes it again with the current
 * local_domains.
 *
 * A load checks everything before the table sees it, and refuses the whole
 * file at the first fault: header and version, checksum (a damaged disk
 * block), every length against its field's buffer, every string valid
 * UTF-8 without NUL (as the table's own copies are), an instance without
 * '/', no queue id twice, times within +-2^40 s, nrcpt and size >= -1, at
 * most DELIVERIES_MAX deliveries of each status (a held message reports
 * them one by one when released), no unknown flag, no more records than
 * the table holds, a removed list naming each REMOVED record once, nothing
 * left over; at most MSG_LOGINS_MAX pending logins, each with a pid in
 * 1..2^31-1, an address for ip and a user.  The writer leaves out a message
 * or login that would fail them (none seen: the values are the parsers'
 * bounded copies), so that one forged line cannot make every later
 * snapshot unloadable.  The pending logins go before the messages: they
 * are few (a slot each of the feed's FEED_SESSIONS, about 80 bytes), and
 * the writer's byte bound then leaves out messages, not logins.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binfile.h"
#include "log.h"
#include "maillog/cursor.h"
#include "maillog/messages.h"
#include "maillog/messages_int.h"
#include "state.h"
#include "text.h"

#define MAGIC "smtp-sentinel message table "
#define VERSION 3
#define VERSION_MIN 1				/* still loaded: no pending logins */
#define VERSION_NOTIFY 3			/* the first with F_NOTIFICATION */
#define PID_LIMIT 0x7fffffffL
#define TIME_LIMIT ((int64_t)1 << 40)		/* +-34800 years around 1970 */
#define DELIVERIES_MAX ((uint64_t)1 << 20)	/* of one status, per message */
#define VARINT_MAX 10
#define ORD_VARINT_MAX 5			/* a record number < 2^32 */
#define ORD_NONE UINT32_MAX

enum {
	F_RECORD = 1 << 0,
	F_HAS_SENDER = 1 << 1,
	F_ACCEPTED = 1 << 2,
	F_HELD = 1 << 3,
	F_REINJECTED = 1 << 4,
	F_REMOVED = 1 << 5,
	F_SAME_INSTANCE = 1 << 6,
	F_SAME_IDENTITY = 1 << 7,
	F_SAME_CLIENT = 1 << 8,
	F_SAME_SENDER = 1 << 9,
	F_NOTIFICATION = 1 << 10,
	F_ALL = (1 << 11) - 1,
};

/* Every string full, and 18 numbers of 10 bytes. */
#define RECORD_MAX (MSG_INSTANCE_MAX + 2 * POSTFIX_QID_MAX + MSG_IDENTITY_MAX + \
		    POSTFIX_IP_MAX + POSTFIX_ADDR_MAX + 18 * VARINT_MAX)
#define LOGIN_MAX (MSG_INSTANCE_MAX + POSTFIX_IP_MAX + POSTFIX_TEXT_MAX + POSTFIX_WORD_MAX + \
		   6 * VARINT_MAX)

static bool utf8_ok(const char *s)
{
	while (*s) {
		size_t n = (unsigned char)*s < 0x80 ? 1 : utf8_seq_len((const unsigned char *)s);

		if (n == 0)
			return false;
		s += n;
	}
	return true;
}

static bool time_ok(int64_t v)
{
	return v >= -TIME_LIMIT && v <= TIME_LIMIT && (int64_t)(time_t)v == v;
}

/* What a load refuses in a message, NULL if nothing: the one test that
 * both the writer and the reader apply. */
static const char *message_fault(const struct message *m)
{
	if (strchr(m->instance, '/'))
		return "an instance with a '/'";
	if (!utf8_ok(m->instance) || !utf8_ok(m->qid) || !utf8_ok(m->identity) ||
	    !utf8_ok(m->client_ip) || !utf8_ok(m->sender) || !utf8_ok(m->orig_qid))
		return "a string that is not UTF-8";
	if ((unsigned)m->notify >= MSG_NNOTIFY)
		return "an unknown notification";
	if (!m->notify != !m->orig_qid[0])
		return "a notification without its message";
	if (!time_ok(m->first) || !time_ok(m->last) || !time_ok(m->accepted_at) ||
	    !time_ok(m->removed_at))
		return "a time out of range";
	if (m->nrcpt < -1 || m->size < -1)
		return "a negative count";
	for (int s = 0; s < MSG_NSTATUS; s++)
		if (m->deliveries[s] > DELIVERIES_MAX)
			return "too many deliveries";
	return NULL;
}

/* The same test for a pending login. */
static const char *login_fault(const struct msg_login *l)
{
	if (l->pid <= 0 || l->pid > PID_LIMIT)
		return "a pid out of range";
	if (strchr(l->instance, '/'))
		return "an instance with a '/'";
	if (!utf8_ok(l->instance) || !utf8_ok(l->user) || !utf8_ok(l->method))
		return "a string that is not UTF-8";
	if (!l->user[0])
		return "a login without a user";
	if (!ip_text(l->ip, strlen(l->ip)))
		return "a login whose client is not an address";
	if (!time_ok(l->at))
		return "a time out of range";
	return NULL;
}

/* ---- writing ---- */

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static size_t put_string(unsigned char *p, const char *s)
{
	size_t len = strlen(s), n = put_varint(p, len);

	memcpy(p + n, s, len);	// NOLINT(bugprone-not-null-terminated-result): length first
	return n + len;
}

/* m as a record after prev (NULL: the first) into rec[RECORD_MAX]. */
static size_t encode(unsigned char *rec, const struct message *m, const struct message *prev)
{
	uint64_t flags = F_RECORD;
	size_t n;

	flags |= m->has_sender ? F_HAS_SENDER : 0;
	flags |= m->accepted ? F_ACCEPTED : 0;
	flags |= m->held ? F_HELD : 0;
	flags |= m->reinjected ? F_REINJECTED : 0;
	flags |= m->removed ? F_REMOVED : 0;
	flags |= m->notify ? F_NOTIFICATION : 0;
	if (prev) {
		flags |= strcmp(m->instance, prev->instance) == 0 ? F_SAME_INSTANCE : 0;
		flags |= strcmp(m->identity, prev->identity) == 0 ? F_SAME_IDENTITY : 0;
		flags |= strcmp(m->client_ip, prev->client_ip) == 0 ? F_SAME_CLIENT : 0;
		flags |= strcmp(m->sender, prev->sender) == 0 ? F_SAME_SENDER : 0;
	}
	n = put_varint(rec, flags);
	if (!(flags & F_SAME_INSTANCE))
		n += put_string(rec + n, m->instance);
	n += put_string(rec + n, m->qid);
	if (!(flags & F_SAME_IDENTITY))
		n += put_string(rec + n, m->identity);
	if (!(flags & F_SAME_CLIENT))
		n += put_string(rec + n, m->client_ip);
	if (!(flags & F_SAME_SENDER))
		n += put_string(rec + n, m->sender);
	if (flags & F_NOTIFICATION) {
		n += put_varint(rec + n, (uint64_t)m->notify);
		n += put_string(rec + n, m->orig_qid);
	}
	n += put_varint(rec + n, zigzag(m->nrcpt));
	n += put_varint(rec + n, zigzag(m->size));
	for (int s = 0; s < MSG_NSTATUS; s++)
		n += put_varint(rec + n, m->deliveries[s]);
	n += put_varint(rec + n, zigzag((int64_t)m->first - (prev ? (int64_t)prev->first : 0)));
	n += put_varint(rec + n, zigzag((int64_t)m->last - (int64_t)m->first));
	if (m->accepted)
		n += put_varint(rec + n, zigzag((int64_t)m->accepted_at - (int64_t)m->first));
	if (m->removed)
		n += put_varint(rec + n, zigzag((int64_t)m->removed_at - (int64_t)m->first));
	return n;
}

/* l into rec[LOGIN_MAX]. */
static size_t encode_login(unsigned char *rec, const struct msg_login *l)
{
	size_t n = put_string(rec, l->instance);

	n += put_varint(rec + n, (uint64_t)l->pid);
	n += put_varint(rec + n, zigzag((int64_t)l->at));
	n += put_string(rec + n, l->ip);
	n += put_string(rec + n, l->user);
	n += put_string(rec + n, l->method);
	return n;
}

static void out_varint(struct binfile *f, uint64_t v)
{
	unsigned char b[VARINT_MAX];
	size_t n = put_varint(b, v);

	binfile_put(f, b, n);
}

/* The pending logins, as many as fit with the end of an empty table after
 * them: counted, then written (the same ones: the first count that pass
 * login_fault()). */
static void put_logins(struct binfile *f, const struct msg_logins *ls, size_t max_bytes,
		       struct msg_save_stats *st)
{
	unsigned char rec[LOGIN_MAX];
	size_t total = binfile_size(f) + VARINT_MAX + 1 + 1 + BINFILE_CRC, count = 0, n, i;
	bool full = false;

	for (i = 0; i < ls->nslots; i++) {
		const struct msg_login *l = &ls->slots[i];

		if (!l->pid)
			continue;
		if (login_fault(l)) {
			st->logins_omitted++;
			continue;
		}
		n = encode_login(rec, l);
		if (full || count == MSG_LOGINS_MAX || total + n > max_bytes) {
			full = true;
			st->logins_omitted++;
			continue;
		}
		total += n;
		count++;
	}
	out_varint(f, count);
	for (i = 0; i < ls->nslots && st->logins < count; i++) {
		const struct msg_login *l = &ls->slots[i];

		if (!l->pid || login_fault(l))
			continue;
		binfile_put(f, rec, encode_login(rec, l));
		st->logins++;
	}
}

int msg_table_save(struct msg_table *t, const char *dir, const char *name, size_t max_bytes,
		   uint64_t generation, const char *positions, struct msg_save_stats *st)
{
	char head[64];
	unsigned char rec[RECORD_MAX];
	size_t plen = strlen(positions), hlen, nrec = 0, nremoved = 0, n;
	const struct message *prev = NULL;
	bool full = false;
	struct binfile *f;

	memset(st, 0, sizeof(*st));
	hlen = (size_t)snprintf(head, sizeof(head), MAGIC "%d\n", VERSION);
	if (hlen + VARINT_MAX + VARINT_MAX + plen + 1 + 1 + 1 + BINFILE_CRC > max_bytes) {
		errno = EFBIG;
		log_errx("message table %s/%s: %zu bytes of positions pass its bound of %zu",
			 dir, name, plen, max_bytes);
		return -1;
	}
	f = binfile_open(dir, name);
	if (!f)
		return -1;
	binfile_put(f, head, hlen);
	out_varint(f, generation);
	out_varint(f, plen);
	binfile_put(f, positions, plen);
	put_logins(f, &t->logins, max_bytes, st);
	for (struct entry *e = t->tail; e; e = e->prev) {
		size_t removed = e->m.removed;

		e->ord = ORD_NONE;
		if (full || message_fault(&e->m)) {
			st->omitted++;
			continue;
		}
		n = encode(rec, &e->m, prev);
		/* room for it, the end, the removed list with it, the checksum */
		if (nrec == ORD_NONE || binfile_size(f) + n + 1 + ORD_VARINT_MAX +
		    ORD_VARINT_MAX * (nremoved + removed) + BINFILE_CRC > max_bytes) {
			full = true;
			st->omitted++;
			continue;
		}
		binfile_put(f, rec, n);
		e->ord = (uint32_t)nrec++;
		nremoved += removed;
		prev = &e->m;
	}
	out_varint(f, 0);
	out_varint(f, nremoved);
	for (const struct entry *e = t->rhead; e; e = e->rnext)
		if (e->ord != ORD_NONE)
			out_varint(f, e->ord);
	st->saved = nrec;
	st->bytes = binfile_size(f) + BINFILE_CRC;
	return binfile_commit(f);
}

/* ---- reading ---- */

struct in {
	const unsigned char *start, *p, *end;
	char why[128];			/* the first fault */
};

static void PRINTFLIKE(2, 3) fault(struct in *in, const char *fmt, ...)
{
	va_list ap;

	if (!in->why[0]) {
		va_start(ap, fmt);
		vsnprintf(in->why, sizeof(in->why), fmt, ap);
		va_end(ap);
	}
}

/* fault(), then false (a macro: the analyzer does not follow varargs) */
#define FAIL(in, ...) (fault(in, __VA_ARGS__), false)

static bool get_varint(struct in *in, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		unsigned char b;

		if (in->p >= in->end)
			return FAIL(in, "cut short");
		b = *in->p++;
		if (shift == 63 && b > 1)
			return FAIL(in, "a number past 64 bits");
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return true;
		}
	}
	return FAIL(in, "a number past 64 bits");
}

static bool get_signed(struct in *in, int64_t *v)
{
	uint64_t u;

	if (!get_varint(in, &u))
		return false;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return true;
}

/* base + a delta read, both kept within TIME_LIMIT (no overflow). */
static bool get_time(struct in *in, int64_t base, time_t *out)
{
	int64_t d;

	if (!get_signed(in, &d))
		return false;
	if (d < -2 * TIME_LIMIT || d > 2 * TIME_LIMIT || !time_ok(base + d))
		return FAIL(in, "a time out of range");
	*out = (time_t)(base + d);
	return true;
}

static bool get_count(struct in *in, long *out)
{
	int64_t v;

	if (!get_signed(in, &v))
		return false;
	if (v < -1 || (int64_t)(long)v != v)
		return FAIL(in, "a count out of range");
	*out = (long)v;
	return true;
}

/* A string of what, into dst[cap]: shorter than cap, without NUL. */
static bool get_string(struct in *in, char *dst, size_t cap, const char *what)
{
	uint64_t len;

	if (!get_varint(in, &len))
		return false;
	if (len >= cap)
		return FAIL(in, "%s longer than %zu bytes", what, cap - 1);
	if (len > (uint64_t)(in->end - in->p))
		return FAIL(in, "cut short");
	memcpy(dst, in->p, (size_t)len);
	dst[len] = '\0';
	if (memchr(dst, '\0', (size_t)len))
		return FAIL(in, "%s with a NUL byte", what);
	in->p += len;
	return true;
}

/* A string field: the one in the record before (same), or its own. */
static bool get_field(struct in *in, char *dst, size_t cap, const char *what, const char *same)
{
	if (same) {
		memcpy(dst, same, cap);
		return true;
	}
	return get_string(in, dst, cap, what);
}

/* The pending logins (version 2) into a new array *out of *n. */
static bool parse_logins(struct in *in, struct msg_login **out, size_t *n)
{
	struct msg_login *ls;
	uint64_t count, pid;
	const char *why;
	int64_t at;

	*out = NULL;
	*n = 0;
	if (!get_varint(in, &count))
		return false;
	if (count > MSG_LOGINS_MAX)
		return FAIL(in, "%llu pending logins, more than %d", (unsigned long long)count,
			    MSG_LOGINS_MAX);
	if (count == 0)
		return true;
	ls = xcalloc((size_t)count, sizeof(*ls));
	for (size_t i = 0; i < count; i++) {
		struct msg_login *l = &ls[i];

		if (!get_string(in, l->instance, sizeof(l->instance), "an instance") ||
		    !get_varint(in, &pid) || !get_signed(in, &at))
			goto fail;
		if (pid == 0 || pid > PID_LIMIT || !time_ok(at)) {
			fault(in, "a pending login's %s out of range", pid == 0 || pid > PID_LIMIT ?
			      "pid" : "time");
			goto fail;
		}
		l->pid = (long)pid;
		l->at = (time_t)at;
		if (!get_string(in, l->ip, sizeof(l->ip), "a client address") ||
		    !get_string(in, l->user, sizeof(l->user), "a login name") ||
		    !get_string(in, l->method, sizeof(l->method), "a login method"))
			goto fail;
		why = login_fault(l);
		if (why) {
			fault(in, "%s", why);
			goto fail;
		}
	}
	*out = ls;
	*n = (size_t)count;
	return true;
fail:
	free(ls);
	return false;
}

/* Give the table's lender the logins read, in place of its own. */
static void restore_logins(struct msg_table *t, const struct msg_login *ls, size_t n)
{
	const struct msg_logins *lent = &t->logins;

	for (size_t i = 0; i < lent->nslots; i++)
		lent->slots[i].pid = 0;
	for (size_t i = 0; i < n && lent->restore; i++)
		lent->restore(&ls[i], lent->arg);
}

/* One record after prev (NULL: the first) into m; false at the end (0). */
static bool get_record(struct in *in, struct message *m, const struct message *prev,
		       const struct msg_table *t, unsigned version, bool *end)
{
	static const struct message none;
	const struct message *from = prev ? prev : &none;
	uint64_t flags, d;
	uint64_t all = version >= VERSION_NOTIFY ? F_ALL : F_ALL & ~(uint64_t)F_NOTIFICATION;
	const char *why;

	*end = false;
	if (!get_varint(in, &flags))
		return false;
	if (flags == 0) {
		*end = true;
		return false;
	}
	if (!(flags & F_RECORD) || (flags & ~all))
		return FAIL(in, "unknown flags %#llx", (unsigned long long)flags);
	if (!prev && (flags & (F_SAME_INSTANCE | F_SAME_IDENTITY | F_SAME_CLIENT | F_SAME_SENDER)))
		return FAIL(in, "the first record refers to one before it");
	memset(m, 0, sizeof(*m));
	m->has_sender = flags & F_HAS_SENDER;
	m->accepted = flags & F_ACCEPTED;
	m->held = flags & F_HELD;
	m->reinjected = flags & F_REINJECTED;
	m->removed = flags & F_REMOVED;
	if (!get_field(in, m->instance, sizeof(m->instance), "an instance",
		       flags & F_SAME_INSTANCE ? from->instance : NULL) ||
	    !get_field(in, m->qid, sizeof(m->qid), "a queue id", NULL) ||
	    !get_field(in, m->identity, sizeof(m->identity), "an identity",
		       flags & F_SAME_IDENTITY ? from->identity : NULL) ||
	    !get_field(in, m->client_ip, sizeof(m->client_ip), "a client address",
		       flags & F_SAME_CLIENT ? from->client_ip : NULL) ||
	    !get_field(in, m->sender, sizeof(m->sender), "a sender",
		       flags & F_SAME_SENDER ? from->sender : NULL))
		return false;
	if (flags & F_NOTIFICATION) {
		if (!get_varint(in, &d))
			return false;
		if (d == MSG_NOTIFY_NONE || d >= MSG_NNOTIFY)
			return FAIL(in, "an unknown notification %llu", (unsigned long long)d);
		m->notify = (enum msg_notify)d;
		if (!get_string(in, m->orig_qid, sizeof(m->orig_qid), "a queue id"))
			return false;
	}
	if (!get_count(in, &m->nrcpt) || !get_count(in, &m->size))
		return false;
	for (int s = 0; s < MSG_NSTATUS; s++) {
		if (!get_varint(in, &d))
			return false;
		if (d > DELIVERIES_MAX)
			return FAIL(in, "too many deliveries");
		m->deliveries[s] = (unsigned long)d;
	}
	if (!get_time(in, from->first, &m->first) || !get_time(in, m->first, &m->last) ||
	    (m->accepted && !get_time(in, m->first, &m->accepted_at)) ||
	    (m->removed && !get_time(in, m->first, &m->removed_at)))
		return false;
	why = message_fault(m);
	if (why)
		return FAIL(in, "%s", why);
	m->sender_local = m->has_sender && msg_sender_local(m->sender, t->cfg.local_domains);
	return true;
}

/* The records and the removed list into the empty table t. */
static bool parse(struct msg_table *t, struct in *in, unsigned version)
{
	struct entry **by_ord = NULL, *e;
	const struct message *prev = NULL;
	struct message m;
	size_t n = 0, cap = 0, nremoved = 0;
	uint64_t count, ord;
	bool end;

	while (get_record(in, &m, prev, t, version, &end)) {
		if (n >= t->cfg.max_messages) {
			fault(in, "more messages than the table holds (%zu)", t->cfg.max_messages);
			goto fail;
		}
		if (msg_entry_find(t, m.instance, m.qid)) {
			fault(in, "a queue id twice");
			goto fail;
		}
		if (n == cap) {
			struct entry **more;

			cap = 2 * (cap + 512);
			more = realloc(by_ord, cap * sizeof(struct entry *));
			if (!more)
				fatal("realloc");
			by_ord = more;
		}
		e = msg_entry_insert(t, m.instance, m.qid, m.first);
		e->m = m;
		by_ord[n++] = e;
		nremoved += m.removed;
		prev = &e->m;
	}
	if (!end || !get_varint(in, &count))
		goto fail;
	if (count != nremoved) {
		fault(in, "a removed list of %llu for %zu removed messages",
		      (unsigned long long)count, nremoved);
		goto fail;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (!get_varint(in, &ord))
			goto fail;
		if (ord >= n || !by_ord[ord]->m.removed) {
			fault(in, "a removed list naming a message not removed");
			goto fail;
		}
		e = by_ord[ord];
		if (e->rprev || t->rhead == e) {
			fault(in, "a removed list naming a message twice");
			goto fail;
		}
		msg_entry_link_removed(t, e);
	}
	if (in->p != in->end) {
		fault(in, "bytes after the removed list");
		goto fail;
	}
	/* records come newest first: the first-seen list is the reverse */
	for (e = t->head; e; e = e->prev) {
		struct entry *next = e->next;

		e->next = e->prev;
		e->prev = next;
	}
	e = t->head;
	t->head = t->tail;
	t->tail = e;
	free(by_ord);
	return true;
fail:
	free(by_ord);
	return false;
}

/* The header line and checksum, then the generation and positions. */
static bool parse_head(struct in *in, unsigned *version_out, uint64_t *generation,
		       char **positions)
{
	const size_t mlen = sizeof(MAGIC) - 1;
	uint64_t plen;
	unsigned version = 0;
	const unsigned char *p;

	if ((size_t)(in->end - in->p) < mlen || memcmp(in->p, MAGIC, mlen) != 0)
		return FAIL(in, "not a message table file");
	for (p = in->p + mlen; p < in->end && *p >= '0' && *p <= '9' && version < 100000; p++)
		version = version * 10 + (unsigned)(*p - '0');
	if (p == in->p + mlen || p >= in->end || *p != '\n')
		return FAIL(in, "not a message table file");
	if (version < VERSION_MIN || version > VERSION)
		return FAIL(in, "version %u, not %d to %d", version, VERSION_MIN, VERSION);
	*version_out = version;
	in->p = p + 1;
	if ((size_t)(in->end - in->p) < BINFILE_CRC)
		return FAIL(in, "cut short");
	if (!binfile_crc_ok(in->start, (size_t)(in->end - in->start)))
		return FAIL(in, "checksum mismatch: a damaged file");
	in->end -= BINFILE_CRC;
	if (!get_varint(in, generation) || !get_varint(in, &plen))
		return false;
	if (plen > (uint64_t)(in->end - in->p))
		return FAIL(in, "cut short");
	if (memchr(in->p, '\0', (size_t)plen))
		return FAIL(in, "positions with a NUL byte");
	*positions = xmalloc((size_t)plen + 1);
	memcpy(*positions, in->p, (size_t)plen);
	(*positions)[plen] = '\0';
	in->p += plen;
	return true;
}

int msg_table_load(struct msg_table *t, const char *dir, const char *name, size_t max_bytes,
		   uint64_t *generation, char **positions)
{
	struct in in = { 0 };
	struct msg_login *logins = NULL;
	size_t nlogins = 0;
	unsigned version = 0;
	ssize_t n;
	char *buf;

	*positions = NULL;
	if (t->count != 0) {
		log_warnx("message table %s/%s: not loaded into a table in use", dir, name);
		errno = EINVAL;
		return -1;
	}
	buf = xmalloc(max_bytes + 1);
	n = state_read(dir, name, buf, max_bytes + 1);
	if (n < 0) {
		int err = errno;

		if (err == EFBIG)
			log_warnx("message table %s/%s is larger than its bound of %zu bytes; "
				  "not restored", dir, name, max_bytes);
		else if (err != ENOENT)
			log_warn("message table %s/%s: not restored", dir, name);
		free(buf);
		errno = err == ENOENT ? ENOENT : EINVAL;
		return -1;
	}
	in.start = in.p = (const unsigned char *)buf;
	in.end = in.start + n;
	if (parse_head(&in, &version, generation, positions) &&
	    (version < 2 || parse_logins(&in, &logins, &nlogins)) && parse(t, &in, version)) {
		restore_logins(t, logins, nlogins);
		free(logins);
		free(buf);
		return 0;
	}
	free(logins);
	log_warnx("message table %s/%s refused, not restored: %s (byte %zu)", dir, name,
		  in.why[0] ? in.why : "?", (size_t)(in.p - in.start));
	msg_table_discard(t);
	free(*positions);
	*positions = NULL;
	free(buf);
	errno = EINVAL;
	return -1;
}
