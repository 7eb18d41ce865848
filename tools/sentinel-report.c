// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sentinel-report - offline maillog forensics: who sent what.
 *
 *	sentinel-report [--format F] [--local-domains D,...] [--since T]
 *	                [--until T] [--json | --explain] FILE...
 *	sentinel-report [...] --journal[=DIR]
 *
 * Reads Postfix, Sendmail and Exim maillogs (maillog/format.h; plain or
 * gzip, through zlib; "-" is stdin) in the order given, or a systemd
 * journal (the system's, or a directory or file; an entry whose writer is
 * not the MTA's is forged: counted, shown by --explain, never used), follows every
 * message through the message table (maillog/messages.h) and prints, per
 * identity, messages accepted, recipients, deliveries by status, distinct
 * client IPs, messages with a foreign sender domain, first and last seen,
 * the bounce notifications Postfix made about its messages (linked by
 * the message table: a bounce storm is its account's, not <>'s) and the
 * messages cleanup refused (header/body checks, milters);
 * then authentication failures per client IP with the login names tried;
 * then line counts.
 * --json prints the same as one JSON document, --explain one JSON object
 * per input line.  The manual page (sentinel-report.1) is the reference
 * for options, output and the JSON schema.
 *
 * Memory is bounded by the tables, not by the input: the message table
 * (MAX_MESSAGES), identities (MAX_IDENTITIES, the rest folded into
 * "_other"), (identity, client IP) pairs (MAX_PAIRS, beyond which IP
 * counts are lower bounds, flagged) and auth-failure client IPs
 * (MAX_AUTH_IPS, the rest counted as dropped).  Every log value printed
 * in text form went through slice_copy() (valid UTF-8, bounded) and is
 * then escaped: control characters, C1 controls, bidirectional overrides
 * and backslashes, so no log byte can drive the terminal.
 *
 * This file: options, the tables and their aggregation, --explain;
 * report_input.c reads and parses (two threads), report_output.c prints.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "hash.h"
#include "log.h"
#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "report.h"
#include "report_input.h"
#include "text.h"

static const char usage_text[] =
	"usage: sentinel-report [--format F] [--local-domains D,...] [--since T]\n"
	"                       [--until T] [--json | --explain] FILE...\n"
	"       sentinel-report [OPTION...] [--root ROOT] --journal[=DIR]\n"
	"\n"
	"  -f, --format F            log format: auto (default), postfix, sendmail\n"
	"                            or exim\n"
	"  -l, --local-domains D,... sender domains that are local\n"
	"  -s, --since T             count events at or after T\n"
	"  -u, --until T             count events before T\n"
	"  -j, --json                one JSON document instead of text\n"
	"  -e, --explain             one JSON object per input line\n"
	"  -J, --journal[=DIR]       read the systemd journal (or the journal\n"
	"                            directory or file DIR) instead of files\n"
	"  -r, --root ROOT           the journal's Postfix runs in a container whose\n"
	"                            root is ROOT (/proc/PID/root or a directory):\n"
	"                            its writers as it names them; --journal alone\n"
	"                            then reads ROOT/var/log/journal\n"
	"  -h, --help                this text\n"
	"  -V, --version             print the version\n"
	"\n"
	"T is @EPOCH, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] with an optional Z or\n"
	"+HH:MM zone (local time without one).  FILE may be - for stdin and may\n"
	"be gzip-compressed; give rotated files oldest first.\n";

/* ---- options ------------------------------------------------------------- */

/* --root ROOT: only with --journal, a directory (a container's root); with
 * --journal and no DIR, the journal is the container's (ROOT/var/log/journal,
 * into dir).  false (said why) otherwise. */
static bool check_root(const char *root, const char **journal, char *dir, size_t cap)
{
	struct stat st;

	if (!*journal) {
		log_warnx("--root %s: only with --journal (a file names itself)", root);
		return false;
	}
	if (root[0] != '/' || stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_warnx("--root %s: not the absolute path of a directory (a container's root: "
			  "/proc/PID/root or its directory)", root);
		return false;
	}
	if (!**journal) {
		if (snprintf(dir, cap, "%s/var/log/journal", root) >= (int)cap) {
			log_warnx("--root %s: too long", root);
			return false;
		}
		*journal = dir;
	}
	return true;
}

/* @EPOCH, YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM[:SS][Z|+HH:MM|-HH:MM] */
static bool parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, zh, zm;
	char sep;
	const char *z;
	long long v;
	time_t t;

	if (!s)
		return false;
	if (s[0] == '@') {
		char *end;

		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || *end)
			return false;
		*out = (time_t)v;
		return true;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return false;
	z = s + n;
	if (*z == 'T' || *z == ' ') {
		if (sscanf(z, "%c%2d:%2d%n", &sep, &h, &mi, &n) != 3 || n != 6)
			return false;
		z += n;
		if (*z == ':') {
			if (sscanf(z, ":%2d%n", &sec, &n) != 1 || n != 3)
				return false;
			z += n;
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    h < 0 || mi < 0 || sec < 0)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (*z == '\0') {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else if (strcmp(z, "Z") == 0) {
		t = timegm(&tm);
	} else if ((z[0] == '+' || z[0] == '-') &&
		   sscanf(z + 1, "%2d:%2d%n", &zh, &zm, &n) == 2 && n == 5 && !z[6]) {
		t = timegm(&tm) - (time_t)(z[0] == '+' ? 1 : -1) * ((time_t)zh * 3600 + (time_t)zm * 60);
	} else {
		return false;
	}
	*out = t;
	return t != (time_t)-1;
}

static bool split_domains(struct report *r, char *list)
{
	size_t n = 0;
	char *save = NULL;

	for (char *d = strtok_r(list, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		while (*d == ' ')
			d++;
		if (!*d)
			continue;
		if (n == MAX_LOCAL_DOMAINS)
			return false;
		r->local_domains[n++] = d;
	}
	r->local_domains[n] = NULL;
	return true;
}

/* ---- tables ---------------------------------------------------------------- */

/* hash_bytes() (bytes.h) is seeded per run (hash.h's seed): log text cannot aim
 * at one slot. */

/* An array of n items of size bytes grows before item n when n is 0 or a
 * power of two: the caller calls this for every n. */
static void *grow(void *v, size_t n, size_t size)
{
	if (n & (n - 1))
		return v;
	v = reallocarray(v, 2 * (n + 1), size);
	if (!v)
		fatalx("out of memory growing a table to %zu items", 2 * (n + 1));
	return v;
}

/* Double the index (8 slots at first) until n + 1 items fit. */
static __attribute__((noinline)) void index_grow(struct index *x, size_t n)
{
	size_t slots = x->slot ? x->mask + 1 : 0, ns = slots ? slots : 8;
	struct slot *old = x->slot;

	while ((n + 1) * 2 > ns)
		ns *= 2;
	x->slot = xcalloc(ns, sizeof(*x->slot));
	x->mask = ns - 1;
	for (size_t i = 0; i < slots; i++) {
		size_t j = old[i].hash & x->mask;

		if (!old[i].item)
			continue;
		while (x->slot[j].item)
			j = (j + 1) & x->mask;
		x->slot[j] = old[i];
	}
	free(old);
}

/* Make room for one more item, n items being in the index. */
static inline void index_reserve(struct index *x, size_t n)
{
	if (!x->slot || (n + 1) * 2 > x->mask + 1)
		index_grow(x, n);
}

/* The first slot of hash h's probe sequence; walk with index_next(). */
static struct slot *index_first(const struct index *x, uint32_t h)
{
	return &x->slot[h & x->mask];
}

static struct slot *index_next(const struct index *x, const struct slot *s)
{
	return &x->slot[(size_t)(s - x->slot + 1) & x->mask];
}

/* ---- aggregation per identity -------------------------------------------- */

static bool in_range(const struct report *r, time_t t)
{
	return (!r->have_since || t >= r->since) && (!r->have_until || t < r->until);
}

void chart_rescale(struct ident *id, unsigned shift)
{
	while (id->shift < shift) {
		for (size_t i = 0; i < CHART_BUCKETS / 2; i++)
			id->chart[i] = id->chart[2 * i] + id->chart[2 * i + 1];
		memset(&id->chart[CHART_BUCKETS / 2], 0,
		       sizeof(id->chart[0]) * (CHART_BUCKETS - CHART_BUCKETS / 2));
		id->shift++;
	}
}

static void chart_add(struct report *r, struct ident *id, time_t t)
{
	time_t off;

	if (!r->chart_started) {
		r->chart_started = true;
		r->chart_start = t - t % 60;
	}
	off = (t > r->chart_start ? t - r->chart_start : 0) / 60;	/* minutes */
	while (off >> r->chart_shift >= CHART_BUCKETS)
		r->chart_shift++;
	chart_rescale(id, r->chart_shift);
	id->chart[off >> r->chart_shift]++;
}

static struct ident *ident_get(struct report *r, const char *name)
{
	size_t len = strlen(name);
	uint32_t h = hash_bytes(r->seed, name, len);
	struct slot *s;
	struct ident *id;

	index_reserve(&r->ident_ix, r->nidents);
	for (s = index_first(&r->ident_ix, h); s->item; s = index_next(&r->ident_ix, s)) {
		id = r->idents[s->item - 1];
		if (s->hash == h && equal_bytes(id->name, name, len + 1))
			return id;
	}
	if (r->nidents >= MAX_IDENTITIES) {
		if (!r->other) {
			r->other = xcalloc(1, sizeof(*r->other));
			snprintf(r->other->name, sizeof(r->other->name), "_other");
			r->other->idx = UINT32_MAX;
		}
		return r->other;
	}
	id = xcalloc(1, sizeof(*id));
	snprintf(id->name, sizeof(id->name), "%s", name);
	id->idx = r->nidents++;
	id->shift = r->chart_shift;
	r->idents = grow(r->idents, id->idx, sizeof(void *));
	r->idents[id->idx] = id;
	s->hash = h;
	s->item = r->nidents;
	return id;
}

static void seen_at(struct ident *id, time_t t)
{
	if (!id->first || t < id->first)
		id->first = t;
	if (t > id->last)
		id->last = t;
}

/* The number of a client IP in r->ips, adding it unless add is false;
 * UINT32_MAX when it is not there. */
static uint32_t ip_number(struct report *r, const char *ip, size_t len, bool add)
{
	uint32_t h = hash_bytes(r->seed, ip, len);
	struct slot *s;

	index_reserve(&r->ips_ix, r->nips);
	for (s = index_first(&r->ips_ix, h); s->item; s = index_next(&r->ips_ix, s))
		if (s->hash == h && equal_bytes(r->ips[s->item - 1], ip, len + 1))
			return s->item - 1;
	if (!add)
		return UINT32_MAX;
	r->ips = grow(r->ips, r->nips, sizeof(*r->ips));
	memcpy(r->ips[r->nips], ip, len + 1);
	s->hash = h;
	s->item = ++r->nips;
	return r->nips - 1;
}

/*
 * Give id a bitmap of every IP number there is when that costs at most 4
 * bytes per IP it has (a busy login used from most of the addresses seen:
 * the bitmap is a cache line where the index was a few kilobytes, a miss
 * per accepted message).  Checked each time its count doubles from 32 on,
 * so the bitmaps stay under 4 bytes a pair in all.
 */
static void densify(struct report *r, struct ident *id)
{
	uint32_t words = (r->nips + 63) / 64;
	uint64_t *bits;

	if (id->ips < 32 || (id->ips & (id->ips - 1)) || (size_t)words * 8 > 4 * id->ips ||
	    words * 64 <= id->nipbits)
		return;
	bits = xcalloc(words, sizeof(*bits));
	if (id->ipbits)
		memcpy(bits, id->ipbits, id->nipbits / 8);
	for (size_t i = 0; id->ipset.slot && i <= id->ipset.mask; i++) {
		uint32_t n = id->ipset.slot[i].item - 1;

		if (id->ipset.slot[i].item)
			bits[n / 64] |= 1ULL << (n % 64);
	}
	free(id->ipbits);
	free(id->ipset.slot);
	id->ipset.slot = NULL;
	id->nipset = 0;
	id->ipbits = bits;
	id->nipbits = words * 64;
}

/* Count ip for id once.  Each identity keeps the numbers of its IPs, so
 * that a lookup touches its own bitmap or small index, not a table of all
 * pairs. */
static void count_ip(struct report *r, struct ident *id, const char *ip)
{
	size_t len;
	uint32_t n, h = 0;
	struct slot *s = NULL;

	if (!ip[0] || id->idx == UINT32_MAX)
		return;
	len = strnlen(ip, POSTFIX_IP_MAX - 1);
	n = ip_number(r, ip, len, r->npairs < MAX_PAIRS);
	if (n == UINT32_MAX) {		/* a new IP, so a new pair: no room */
		r->pairs_full = true;
		return;
	}
	if (n < id->nipbits) {
		if (id->ipbits[n / 64] & (1ULL << (n % 64)))
			return;
	} else {
		h = (uint32_t)(((n ^ r->seed) * 0x9e3779b97f4a7c15ULL) >> 32);
		index_reserve(&id->ipset, id->nipset);
		for (s = index_first(&id->ipset, h); s->item; s = index_next(&id->ipset, s))
			if (s->item == n + 1)
				return;
	}
	if (r->npairs >= MAX_PAIRS) {
		r->pairs_full = true;
		return;
	}
	if (s) {
		s->hash = h;
		s->item = n + 1;
		id->nipset++;
	} else {
		id->ipbits[n / 64] |= 1ULL << (n % 64);
	}
	r->npairs++;
	id->ips++;
	densify(r, id);
}

static void on_accepted(const struct message *m, void *arg)
{
	struct report *r = arg;
	struct ident *id;

	if (!in_range(r, m->accepted_at))
		return;
	id = ident_get(r, m->identity);
	id->messages++;
	if (m->nrcpt > 0)
		id->rcpts += (unsigned long)m->nrcpt;
	if (!m->sender_local)
		id->foreign++;
	count_ip(r, id, m->client_ip);
	seen_at(id, m->accepted_at);
	chart_add(r, id, m->accepted_at);
}

static void on_delivery(const struct message *m, enum msg_status s, time_t t, void *arg)
{
	struct report *r = arg;
	struct ident *id;

	if (m->notify || !in_range(r, t))
		return;		/* a notification's: counted once, in on_notified */
	id = ident_get(r, m->identity);
	id->deliveries[s]++;
	seen_at(id, t);
}

static void on_notified(const struct message *m, void *arg)
{
	struct report *r = arg;
	struct ident *id;

	if (!in_range(r, m->first) || (unsigned)m->notify >= MSG_NNOTIFY)
		return;
	id = ident_get(r, m->identity);
	id->notified[m->notify]++;
	seen_at(id, m->first);
}

/* A message cleanup refused (header/body checks, a milter): never queued. */
static void on_refused(const struct message *m, time_t t, void *arg)
{
	struct report *r = arg;
	struct ident *id;

	if (!in_range(r, t))
		return;
	id = ident_get(r, m->identity);
	id->refused++;
	count_ip(r, id, m->client_ip);
	seen_at(id, t);
}

static void on_auth_failed(struct report *r, const struct syslog_line *sl,
			   const struct postfix_record *rec)
{
	char ip[POSTFIX_IP_MAX], name[POSTFIX_TEXT_MAX];
	struct authfail *a = NULL;
	struct slot *s;
	size_t len;
	uint32_t h;

	if (!in_range(r, sl->time))
		return;
	slice_copy(ip, sizeof(ip), postfix_get(rec, POSTFIX_F_CLIENT_IP));
	len = strlen(ip);
	h = hash_bytes(r->seed, ip, len);
	index_reserve(&r->auth_ix, r->nauth);
	for (s = index_first(&r->auth_ix, h); s->item; s = index_next(&r->auth_ix, s))
		if (s->hash == h && equal_bytes(r->auth[s->item - 1]->ip, ip, len + 1)) {
			a = r->auth[s->item - 1];
			break;
		}
	if (!a) {
		if (r->nauth >= MAX_AUTH_IPS) {
			r->auth_dropped++;
			return;
		}
		a = xcalloc(1, sizeof(*a));
		memcpy(a->ip, ip, sizeof(ip));
		r->auth = grow(r->auth, r->nauth, sizeof(void *));
		r->auth[r->nauth++] = a;
		s->hash = h;
		s->item = (uint32_t)r->nauth;
	}
	a->count++;
	if (!postfix_has(rec, POSTFIX_F_SASL_USERNAME))
		return;
	slice_copy(name, sizeof(name), postfix_get(rec, POSTFIX_F_SASL_USERNAME));
	for (int i = 0; i < a->nnames; i++)
		if (strcmp(a->names[i], name) == 0)
			return;
	if (a->nnames < MAX_AUTH_NAMES)
		a->names[a->nnames++] = xstrdup(name);
	else
		a->more = true;
}

/* ---- --explain ------------------------------------------------------------ */

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, json_string(v));
}

static void set_field(json_t *o, const char *key, const struct postfix_record *rec,
		      enum postfix_field f)
{
	char buf[POSTFIX_ADDR_MAX + POSTFIX_HOST_MAX];

	if (!postfix_has(rec, f))
		return;
	slice_copy(buf, sizeof(buf), postfix_get(rec, f));
	set_str(o, key, buf);
}

/* A journal entry's trusted fields: who wrote it (journal.h). */
static void explain_writer(json_t *o, const struct journal_entry *e)
{
	json_t *w = json_object();
	char buf[PATH_MAX];

	if (e->uid >= 0)
		json_object_set_new(w, "uid", json_integer(e->uid));
	if (e->gid >= 0)
		json_object_set_new(w, "gid", json_integer(e->gid));
	if (e->tpid >= 0)
		json_object_set_new(w, "pid", json_integer(e->tpid));
	if (e->comm.n) {
		slice_copy(buf, sizeof(buf), e->comm);
		set_str(w, "comm", buf);
	}
	if (e->exe.n) {
		slice_copy(buf, sizeof(buf), e->exe);
		set_str(w, "exe", buf);
	}
	if (e->unit.n) {
		slice_copy(buf, sizeof(buf), e->unit);
		set_str(w, "unit", buf);
	}
	json_object_set_new(o, "writer", w);
}

static void explain(struct report *r, const char *line, size_t len, int src,
		    const struct syslog_line *sl, const struct postfix_record *rec,
		    const struct journal_entry *e, const char *forged_why)
{
	static char buf[3 * LINE_MAX_LEN + 4];
	static const struct { const char *key; enum postfix_field f; } fields[] = {
		{ "queue_id", POSTFIX_F_QID }, { "client_host", POSTFIX_F_CLIENT_HOST },
		{ "client_ip", POSTFIX_F_CLIENT_IP }, { "sasl_method", POSTFIX_F_SASL_METHOD },
		{ "sasl_username", POSTFIX_F_SASL_USERNAME },
		{ "sasl_sender", POSTFIX_F_SASL_SENDER }, { "message_id", POSTFIX_F_MESSAGE_ID },
		{ "from", POSTFIX_F_FROM }, { "to", POSTFIX_F_TO }, { "orig_to", POSTFIX_F_ORIG_TO },
		{ "relay_host", POSTFIX_F_RELAY_HOST }, { "relay_ip", POSTFIX_F_RELAY_IP },
		{ "dsn", POSTFIX_F_DSN }, { "status", POSTFIX_F_STATUS },
		{ "text", POSTFIX_F_TEXT }, { "stage", POSTFIX_F_STAGE },
		{ "proto", POSTFIX_F_PROTO }, { "helo", POSTFIX_F_HELO },
		{ "local_user", POSTFIX_F_LOCAL_USER }, { "tls", POSTFIX_F_TLS },
		{ "delay", POSTFIX_F_DELAY }, { "delays", POSTFIX_F_DELAYS },
		{ "notification_queue_id", POSTFIX_F_NEW_QID },
		{ "notification", POSTFIX_F_NOTIFY }, { "notification_to", POSTFIX_F_NOTIFY_TO },
		{ "action", POSTFIX_F_ACTION }, { "class", POSTFIX_F_CLASS },
		{ "content", POSTFIX_F_CONTENT },
		{ "orig_queue_id", POSTFIX_F_ORIG_QID },
	};
	static const struct { const char *key; size_t off; } numbers[] = {
	/* each a long (the array's size is negative otherwise) */
#define N(k) { #k, offsetof(struct postfix_record, k) + 0 * sizeof(char[ \
		sizeof(((struct postfix_record *)NULL)->k) == sizeof(long) ? 1 : -1]) }
		N(relay_port), N(client_port), N(conn_use), N(count), N(nrcpt), N(size),
		N(uid),
#undef N
	};
	json_t *o = json_object();
	char tbuf[32];

	utf8_sanitize_len(buf, sizeof(buf), line, len);
	set_str(o, "line", buf);
	if (e)
		explain_writer(o, e);
	if (forged_why) {
		set_str(o, "kind", "forged");
		set_str(o, "forged", forged_why);
		set_str(o, "time", iso(sl->time, tbuf, sizeof(tbuf)));
		slice_copy(buf, SYSLOG_PROG_MAX, sl->program);
		set_str(o, "program", buf);
	} else if (src == SYSLOG_OK) {
		enum postfix_kind k = rec->kind;

		set_str(o, "kind", k == POSTFIX_FOREIGN ? "ignored" : postfix_kind_name(k));
		set_str(o, "time", iso(sl->time, tbuf, sizeof(tbuf)));
		slice_copy(buf, SYSLOG_HOST_MAX, sl->host);
		set_str(o, "host", buf);
		slice_copy(buf, SYSLOG_PROG_MAX, sl->program);
		set_str(o, "program", buf);
		if (sl->pid >= 0)
			json_object_set_new(o, "pid", json_integer(sl->pid));
		if (k > POSTFIX_IGNORED) {
			const struct message *m;
			char inst[MSG_INSTANCE_MAX], qid[POSTFIX_QID_MAX];

			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
				set_field(o, fields[i].key, rec, fields[i].f);
			for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
				long v = *(const long *)((const char *)rec + numbers[i].off);

				if (v >= 0)	/* -1: not in the line */
					json_object_set_new(o, numbers[i].key, json_integer(v));
			}
			if (rec->truncated)
				json_object_set_new(o, "truncated", json_true());
			msg_instance(inst, sizeof(inst), sl->program);
			slice_copy(qid, sizeof(qid), postfix_get(rec, POSTFIX_F_QID));
			m = postfix_has(rec, POSTFIX_F_QID) ? msg_table_find(r->msgs, inst, qid) :
							     NULL;
			if (m && m->identity[0])
				set_str(o, "identity", m->identity);
			if (m && m->notify)	/* a line of the notification itself */
				set_str(o, "notification_of", m->orig_qid);
		} else if (k == POSTFIX_IGNORED) {
			/* a line of a message this parser does not read: its
			 * queue id, checked before the rest, still finds it */
			set_field(o, "queue_id", rec, POSTFIX_F_QID);
		}
	} else {
		set_str(o, "kind", "unparsed");
	}
	json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(o);
}

/* ---- applying the input ----------------------------------------------- */

/* One record of a line, as maillog_feed() hands them on. */
static void on_record(const struct syslog_line *sl, const struct postfix_record *rec,
		      void *arg)
{
	struct report *r = arg;

	if (rec->kind == POSTFIX_AUTH_FAILED)
		on_auth_failed(r, sl, rec);
	else
		msg_table_record(r->msgs, sl, rec);
}

/* The record kinds the tables act on: maillog_feed() and msg_table_record()
 * ignore the others, whose lines matter only by their time (expiry). */
#define KEPT_KINDS ((1u << POSTFIX_CLIENT) | (1u << POSTFIX_PICKUP) | \
		    (1u << POSTFIX_QUEUED) | (1u << POSTFIX_DELIVERY) | \
		    (1u << POSTFIX_REMOVED) | (1u << POSTFIX_AUTH_FAILED) | \
		    (1u << POSTFIX_LOGIN) | (1u << POSTFIX_NOTIFY) | \
		    (1u << POSTFIX_CONTENT_CHECK) | (1u << POSTFIX_MILTER_REJECT) | \
		    (1u << POSTFIX_ACTION))

static void apply_line(const struct input_line *l, void *arg)
{
	struct report *r = arg;
	const struct syslog_line *sl = &l->sl;
	const struct postfix_record *rec = &l->rec;

	if (l->src == SYSLOG_OK && rec->kind > POSTFIX_IGNORED && !l->forged) {
		if (sl->time != r->last_expire) {
			msg_table_expire(r->msgs, sl->time);
			r->last_expire = sl->time;
		}
		if (!l->time_only)
			maillog_feed(r->feed, sl, rec, on_record, r);
	}
	if (r->explain)
		explain(r, l->line, l->len, l->src, sl, rec, l->entry,
			l->forged ? l->forged_why : NULL);
}

/* Read, parse and apply every file in order; 1 when one could not be read. */
static int read_files(struct report *r, char *const *files, int nfiles, const char *journal,
		      const char *root)
{
	struct input_config cfg = {
		.files = files, .nfiles = nfiles, .journal = journal, .root = root,
		.format = r->format,
		.every_line = r->explain, .keep = KEPT_KINDS,
		.apply = apply_line, .arg = r,
	};

	return input_run(&cfg, &r->counts);
}

static void report_free(struct report *r)
{
	for (uint32_t i = 0; i < r->nidents; i++) {
		free(r->idents[i]->ipset.slot);
		free(r->idents[i]->ipbits);
		free(r->idents[i]);
	}
	free(r->idents);
	free(r->ident_ix.slot);
	free(r->other);
	free(r->ips);
	free(r->ips_ix.slot);
	for (size_t i = 0; i < r->nauth; i++) {
		for (int j = 0; j < r->auth[i]->nnames; j++)
			free(r->auth[i]->names[j]);
		free(r->auth[i]);
	}
	free(r->auth);
	free(r->auth_ix.slot);
	maillog_feed_free(r->feed);
	msg_table_free(r->msgs);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "local-domains", required_argument, NULL, 'l' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "explain", no_argument, NULL, 'e' },
		{ "journal", optional_argument, NULL, 'J' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct report rep;
	struct report *r = &rep;
	struct msg_config mc = { MAX_MESSAGES, 300, (time_t)6 * 86400, r->local_domains };
	struct msg_callbacks cb = { on_accepted, on_delivery, r, on_notified, on_refused };
	const char *journal = NULL, *root = NULL;
	char journal_dir[PATH_MAX];
	int opt, status = 0;

	log_init("sentinel-report", LOG_LEVEL_WARN);
	while ((opt = getopt_long(argc, argv, "f:l:s:u:jehVJ::r:", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!maillog_format_parse(optarg, &r->format)) {
				log_warnx("format %s: not one of auto, postfix, sendmail, exim",
					  optarg);
				return 2;
			}
			break;
		case 'l':
			if (!split_domains(r, optarg)) {
				log_warnx("more than %d local domains", MAX_LOCAL_DOMAINS);
				return 2;
			}
			break;
		case 's':
		case 'u':
			if (!parse_time(optarg, opt == 's' ? &r->since : &r->until)) {
				log_warnx("%s: not a time (@EPOCH, YYYY-MM-DD[THH:MM[:SS]][Z])",
					  optarg);
				return 2;
			}
			*(opt == 's' ? &r->have_since : &r->have_until) = true;
			break;
		case 'j':
			r->json = true;
			break;
		case 'e':
			r->explain = true;
			break;
		case 'J':
			journal = optarg ? optarg : "";
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("sentinel-report %s\n", SENTINEL_VERSION);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if ((optind >= argc) == !journal || (r->json && r->explain)) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (root && !check_root(root, &journal, journal_dir, sizeof(journal_dir)))
		return 2;
	r->seed = hash_seed();		/* hash.h: the one per-process seed */
	r->msgs = msg_table_new(&mc, &cb);
	r->feed = maillog_feed_new(r->msgs);
	status = read_files(r, argv + optind, argc - optind, journal, root);
	msg_table_flush(r->msgs);
	if (r->json)
		print_json(r);
	else if (!r->explain)
		print_text(r);
	report_free(r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_warn("stdout");
		return 1;
	}
	return status;
}
