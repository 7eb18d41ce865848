// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report_output.c - sentinel-report's output: the text tables and chart,
 * and the JSON document (the schema is in sentinel-report.1).
 *
 * Every log value printed in text form went through slice_copy() (valid
 * UTF-8, bounded) and is escaped here: control characters, C1 controls,
 * bidirectional overrides and backslashes, so no log byte can drive the
 * terminal.  The JSON document is ASCII with \u escapes, written as it is
 * produced (see print_json()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "report.h"
#include "text.h"

/* ---- text output: nothing from the log reaches the terminal raw ------------ */

/* s is valid UTF-8 (slice_copy); escape what a terminal would act on. */
static void put_safe(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\x%02x", *p++);
		} else if (*p == '\\') {
			fputs("\\\\", out);
			p++;
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {	/* C1 */
			fprintf(out, "\\u%04x", p[1]);
			p += 2;
		} else if (p[0] == 0xe2 && ((p[1] == 0x80 && ((p[2] >= 0x8e && p[2] <= 0x8f) ||
				(p[2] >= 0xaa && p[2] <= 0xae))) ||
				(p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {	/* bidi */
			fprintf(out, "\\u%04x", 0x2000 + ((p[1] & 0x3f) << 6) + (p[2] & 0x3f));
			p += 3;
		} else {
			fputc(*p++, out);
		}
	}
}

const char *iso(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "@%lld", (long long)t);
	return buf;
}

/* ---- output ----------------------------------------------------------- */

static int by_messages(const void *a, const void *b)
{
	const struct ident *x = *(const struct ident *const *)a;
	const struct ident *y = *(const struct ident *const *)b;

	if (x->messages != y->messages)
		return x->messages < y->messages ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int by_failures(const void *a, const void *b)
{
	const struct authfail *x = *(const struct authfail *const *)a;
	const struct authfail *y = *(const struct authfail *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->ip, y->ip);
}

static struct ident **sorted_idents(struct report *r, size_t *n)
{
	struct ident **v = xcalloc(r->nidents + 2, sizeof(void *));
	size_t k = 0;

	for (uint32_t i = 0; i < r->nidents; i++) {
		chart_rescale(r->idents[i], r->chart_shift);
		v[k++] = r->idents[i];
	}
	if (r->other) {
		chart_rescale(r->other, r->chart_shift);
		v[k++] = r->other;
	}
	qsort(v, k, sizeof(void *), by_messages);
	*n = k;
	return v;
}

static struct authfail **sorted_auth(struct report *r, size_t *n)
{
	struct authfail **v = xcalloc(r->nauth + 1, sizeof(void *));
	size_t k = 0;

	for (size_t i = 0; i < r->nauth; i++)
		v[k++] = r->auth[i];
	qsort(v, k, sizeof(void *), by_failures);
	*n = k;
	return v;
}

static void print_chart(const struct report *r, struct ident *const *ids, size_t n)
{
	static const char ramp[] = " .:-=+*#%@";
	uint32_t max = 0;
	size_t top = n < CHART_TOP ? n : CHART_TOP;
	int last = 0;
	char a[32], b[32];

	for (size_t i = 0; i < top; i++)
		for (int j = 0; j < CHART_BUCKETS; j++)
			if (ids[i]->chart[j]) {
				max = ids[i]->chart[j] > max ? ids[i]->chart[j] : max;
				last = j > last ? j : last;
			}
	if (!max)
		return;
	printf("\nmessages per %u min from %s to %s (peak %u; ' ' none, '@' peak)\n",
	       1u << r->chart_shift, iso(r->chart_start, a, sizeof(a)),
	       iso(r->chart_start + ((time_t)(last + 1) * 60 << r->chart_shift), b, sizeof(b)),
	       max);
	for (size_t i = 0; i < top; i++) {
		uint32_t peak = 0;

		if (!ids[i]->messages)
			break;
		putchar('|');
		for (int j = 0; j <= last; j++) {
			uint32_t c = ids[i]->chart[j];

			peak = c > peak ? c : peak;
			putchar(c == 0 ? ' ' :
				ramp[1 + (int)((uint64_t)c * (sizeof(ramp) - 3) / max)]);
		}
		printf("| %6u  ", peak);
		put_safe(stdout, ids[i]->name);
		putchar('\n');
	}
}

void print_text(struct report *r)
{
	size_t n, na;
	struct ident **ids = sorted_idents(r, &n);
	struct authfail **au = sorted_auth(r, &na);
	struct msg_stats ms;
	char a[32], b[32];

	printf("%8s %8s %8s %8s %8s %8s %6s %8s %8s  %-20s  %-20s  %s\n", "messages", "rcpts",
	       "sent", "deferred", "bounced", "notices", "ips", "foreign", "refused", "first",
	       "last", "identity");
	for (size_t i = 0; i < n; i++) {
		const struct ident *id = ids[i];

		printf("%8lu %8lu %8lu %8lu %8lu %8lu %5lu%s %8lu %8lu  %-20s  %-20s  ",
		       id->messages, id->rcpts, id->deliveries[MSG_SENT],
		       id->deliveries[MSG_DEFERRED], id->deliveries[MSG_BOUNCED],
		       id->notified[MSG_NOTIFY_FAILURE] + id->notified[MSG_NOTIFY_DELAY], id->ips,
		       r->pairs_full && id->idx != UINT32_MAX ? "+" : " ", id->foreign, id->refused,
		       id->first ? iso(id->first, a, sizeof(a)) : "-",
		       id->last ? iso(id->last, b, sizeof(b)) : "-");
		put_safe(stdout, id->name);
		putchar('\n');
	}
	if (n == 0)
		printf("(no identities)\n");
	print_chart(r, ids, n);
	printf("\nauth failures by client ip\n%8s  %-39s  %s\n", "failures", "client_ip",
	       "usernames tried");
	for (size_t i = 0; i < na && i < TEXT_TOP_AUTH; i++) {
		printf("%8lu  ", au[i]->count);
		put_safe(stdout, au[i]->ip);
		printf("%*s  ", (int)(39 - (strlen(au[i]->ip) < 39 ? strlen(au[i]->ip) : 39)), "");
		for (int j = 0; j < au[i]->nnames; j++) {
			fputs(j ? ", " : "", stdout);
			put_safe(stdout, au[i]->names[j]);
		}
		printf("%s\n", au[i]->more ? ", ..." : "");
	}
	if (na > TEXT_TOP_AUTH)
		printf("(%zu more client ips: see --json)\n", na - TEXT_TOP_AUTH);
	if (na == 0)
		printf("(none)\n");
	msg_table_stats(r->msgs, &ms);
	printf("\nlines read %llu, parsed %llu, ignored %llu, unparsed %llu (too long %llu)",
	       r->counts.lines, r->counts.parsed, r->counts.ignored, r->counts.unparsed,
	       r->counts.long_lines);
	if (r->counts.forged)
		printf(", forged %llu (not used)", r->counts.forged);
	putchar('\n');
	printf("messages in flight at the end %zu, evicted %llu; identities over the "
	       "bound %s; auth failure ips dropped %lu\n", ms.size,
	       (unsigned long long)ms.evictions, r->other ? "folded into _other" : "none",
	       r->auth_dropped);
	free(ids);
	free(au);
}

/* ---- JSON, written as it is produced ---------------------------------------
 *
 * The document is written to stdout as it is walked, never held whole: in
 * the layout jansson's json_dumpf() gives with JSON_INDENT(2) |
 * JSON_ENSURE_ASCII (members in order, two spaces a level, ": " after a
 * key, empty containers as {} and []), so the output is what building one
 * jansson document printed, byte for byte, but for DEL.  Strings are
 * printable ASCII: '"', '\\' and control characters escaped (\b \f \n \r
 * \t, else \u00XX), DEL as \u007F (jansson wrote it raw), every code
 * point above U+007F as \uXXXX (a surrogate pair above U+FFFF); a
 * byte that does not start a valid UTF-8 sequence is written as \uFFFD,
 * so that no log byte can break the document (jansson refused such a
 * string, which dropped its whole member).
 */

#define JW_DEPTH 8
#define JW_BUF 65536

struct jw {
	FILE *out;
	int depth;
	bool nonempty[JW_DEPTH];	/* the container at each level has a member */
	size_t n;			/* bytes in buf */
	char buf[JW_BUF];
};

static void jw_flush(struct jw *w)
{
	fwrite(w->buf, 1, w->n, w->out);
	w->n = 0;
}

/* Room for n more bytes (n at most JW_BUF). */
static char *jw_room(struct jw *w, size_t n)
{
	if (JW_BUF - w->n < n)
		jw_flush(w);
	return w->buf + w->n;
}

static void jw_put(struct jw *w, const char *s, size_t n)
{
	memcpy(jw_room(w, n), s, n);
	w->n += n;
}

static void jw_putc(struct jw *w, char c)
{
	*jw_room(w, 1) = c;
	w->n++;
}

static void jw_puts(struct jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

static void jw_uint(struct jw *w, unsigned long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	jw_put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void jw_indent(struct jw *w, int depth)
{
	static const char spaces[] = "\n                ";	/* 2 x (JW_DEPTH - 1) */

	jw_put(w, spaces, 1 + 2 * (size_t)depth);
}

/* Before a member or an element of the open container. */
static void jw_next(struct jw *w)
{
	if (w->depth == 0)
		return;
	if (w->nonempty[w->depth])
		jw_putc(w, ',');
	w->nonempty[w->depth] = true;
	jw_indent(w, w->depth);
}

static void jw_hex4(struct jw *w, unsigned v)
{
	static const char hex[] = "0123456789ABCDEF";
	char *p = jw_room(w, 6);

	p[0] = '\\';
	p[1] = 'u';
	for (int i = 0; i < 4; i++)
		p[2 + i] = hex[(v >> (12 - 4 * i)) & 0xf];
	w->n += 6;
}

static void jw_string(struct jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	jw_putc(w, '"');
	while (*p) {
		const unsigned char *q = p;
		size_t len;
		unsigned cp;

		while (*q >= 0x20 && *q < 0x7f && *q != '"' && *q != '\\')
			q++;
		if (q > p) {
			jw_put(w, (const char *)p, (size_t)(q - p));
			p = q;
			continue;
		}
		len = utf8_seq_len(p);
		switch (len) {
		case 1:
			cp = *p;
			break;
		case 2:
			cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
			break;
		case 3:
			cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
			break;
		case 4:
			cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) |
			     ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
			break;
		default:			/* not UTF-8: one byte, replaced */
			cp = 0xfffd;
			len = 1;
			break;
		}
		p += len;
		switch (cp) {
		case '"': jw_puts(w, "\\\""); break;
		case '\\': jw_puts(w, "\\\\"); break;
		case '\b': jw_puts(w, "\\b"); break;
		case '\f': jw_puts(w, "\\f"); break;
		case '\n': jw_puts(w, "\\n"); break;
		case '\r': jw_puts(w, "\\r"); break;
		case '\t': jw_puts(w, "\\t"); break;
		default:
			if (cp >= 0x10000) {
				cp -= 0x10000;
				jw_hex4(w, 0xd800 | (cp >> 10));
				jw_hex4(w, 0xdc00 | (cp & 0x3ff));
			} else {
				jw_hex4(w, cp);
			}
			break;
		}
	}
	jw_putc(w, '"');
}

/* Open an object or array ('{' or '['), as the next element or as the
 * value of the key just written (key set: no separator before it). */
static void jw_open(struct jw *w, char c, bool key)
{
	if (!key)
		jw_next(w);
	jw_putc(w, c);
	if (w->depth + 1 >= JW_DEPTH)
		fatalx("JSON nested deeper than %d", JW_DEPTH - 1);
	w->nonempty[++w->depth] = false;
}

static void jw_close(struct jw *w, char c)
{
	if (w->nonempty[w->depth])
		jw_indent(w, w->depth - 1);
	w->depth--;
	jw_putc(w, c);
}

static void jw_key(struct jw *w, const char *k)
{
	jw_next(w);
	jw_string(w, k);
	jw_put(w, ": ", 2);
}

static void jw_key_str(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_string(w, v);
}

static void jw_key_uint(struct jw *w, const char *k, unsigned long long v)
{
	jw_key(w, k);
	jw_uint(w, v);
}

static void jw_key_bool(struct jw *w, const char *k, bool v)
{
	jw_key(w, k);
	jw_puts(w, v ? "true" : "false");
}

/* A time as ISO 8601, null when unset. */
static void jw_key_time(struct jw *w, const char *k, bool set, time_t t)
{
	char buf[32];

	jw_key(w, k);
	if (set)
		jw_string(w, iso(t, buf, sizeof(buf)));
	else
		jw_puts(w, "null");
}

void print_json(struct report *r)
{
	size_t n, na;
	struct ident **ids = sorted_idents(r, &n);
	struct authfail **au = sorted_auth(r, &na);
	static struct jw w;
	struct msg_stats ms;

	w.out = stdout;
	jw_open(&w, '{', false);
	jw_key_uint(&w, "version", 1);
	jw_key(&w, "identities");
	jw_open(&w, '[', true);
	for (size_t i = 0; i < n; i++) {
		const struct ident *id = ids[i];

		jw_open(&w, '{', false);
		jw_key_str(&w, "identity", id->name);
		jw_key_uint(&w, "messages", (unsigned long long)id->messages);
		jw_key_uint(&w, "recipients", (unsigned long long)id->rcpts);
		jw_key(&w, "deliveries");
		jw_open(&w, '{', true);
		for (int s = 0; s < MSG_NSTATUS; s++)
			jw_key_uint(&w, msg_status_name((enum msg_status)s),
				   (unsigned long long)id->deliveries[s]);
		jw_close(&w, '}');
		jw_key(&w, "notifications");
		jw_open(&w, '{', true);
		for (int k = MSG_NOTIFY_FAILURE; k < MSG_NNOTIFY; k++)
			jw_key_uint(&w, msg_notify_name((enum msg_notify)k),
				   (unsigned long long)id->notified[k]);
		jw_close(&w, '}');
		jw_key_uint(&w, "client_ips", (unsigned long long)id->ips);
		jw_key_bool(&w, "client_ips_exact", !r->pairs_full && id->idx != UINT32_MAX);
		jw_key_uint(&w, "foreign_sender", (unsigned long long)id->foreign);
		jw_key_uint(&w, "refused", (unsigned long long)id->refused);
		jw_key_time(&w, "first_seen", id->first != 0, id->first);
		jw_key_time(&w, "last_seen", id->last != 0, id->last);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_key(&w, "chart");
	jw_open(&w, '{', true);
	jw_key_time(&w, "start", r->chart_started && r->chart_start != 0, r->chart_start);
	jw_key_uint(&w, "bucket_seconds", 60ULL << r->chart_shift);
	jw_key(&w, "series");
	jw_open(&w, '[', true);
	for (size_t i = 0; i < n && i < CHART_TOP && ids[i]->messages; i++) {
		jw_open(&w, '{', false);
		jw_key_str(&w, "identity", ids[i]->name);
		jw_key(&w, "counts");
		jw_open(&w, '[', true);
		for (int j = 0; j < CHART_BUCKETS; j++) {
			jw_next(&w);
			jw_uint(&w, ids[i]->chart[j]);
		}
		jw_close(&w, ']');
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_key(&w, "auth_failures");
	jw_open(&w, '[', true);
	for (size_t i = 0; i < na; i++) {
		jw_open(&w, '{', false);
		jw_key_str(&w, "client_ip", au[i]->ip);
		jw_key_uint(&w, "failures", (unsigned long long)au[i]->count);
		jw_key(&w, "usernames");
		jw_open(&w, '[', true);
		for (int j = 0; j < au[i]->nnames; j++) {
			jw_next(&w);
			jw_string(&w, au[i]->names[j]);
		}
		jw_close(&w, ']');
		jw_key_bool(&w, "usernames_truncated", au[i]->more);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_key_uint(&w, "auth_failure_ips_dropped", (unsigned long long)r->auth_dropped);
	jw_key(&w, "lines");
	jw_open(&w, '{', true);
	jw_key_uint(&w, "read", (unsigned long long)r->counts.lines);
	jw_key_uint(&w, "parsed", (unsigned long long)r->counts.parsed);
	jw_key_uint(&w, "ignored", (unsigned long long)r->counts.ignored);
	jw_key_uint(&w, "unparsed", (unsigned long long)r->counts.unparsed);
	jw_key_uint(&w, "too_long", (unsigned long long)r->counts.long_lines);
	jw_key_uint(&w, "forged", (unsigned long long)r->counts.forged);
	jw_close(&w, '}');
	msg_table_stats(r->msgs, &ms);
	jw_key(&w, "messages");
	jw_open(&w, '{', true);
	jw_key_uint(&w, "max", MAX_MESSAGES);
	jw_key_uint(&w, "in_flight", (unsigned long long)ms.size);
	jw_key_uint(&w, "evictions", (unsigned long long)ms.evictions);
	jw_key_uint(&w, "handoffs", (unsigned long long)ms.handoffs);
	jw_key_uint(&w, "unknown_queue_ids", (unsigned long long)ms.unknown);
	jw_key_uint(&w, "notifications_linked", (unsigned long long)ms.notifications);
	jw_key_uint(&w, "notifications_unlinked", (unsigned long long)ms.notify_unknown);
	jw_key_uint(&w, "refused", (unsigned long long)ms.refused);
	jw_close(&w, '}');
	jw_close(&w, '}');
	jw_putc(&w, '\n');
	jw_flush(&w);
	free(ids);
	free(au);
}
