// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report_output.c - sentinel-report's output: the text tables and chart,
 * and the JSON document (the schema is in sentinel-report.1).
 *
 * Every log value printed in text form went through slice_copy() (valid
 * UTF-8, bounded) and is escaped here: control characters, C1 controls,
 * bidirectional overrides and backslashes, so no log byte can drive the
 * terminal.  JSON output is ASCII with \u escapes (JSON_ENSURE_ASCII).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "report.h"

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

	printf("%8s %8s %8s %8s %8s %8s %6s %8s  %-20s  %-20s  %s\n", "messages", "rcpts",
	       "sent", "deferred", "bounced", "notices", "ips", "foreign", "first", "last",
	       "identity");
	for (size_t i = 0; i < n; i++) {
		const struct ident *id = ids[i];

		printf("%8lu %8lu %8lu %8lu %8lu %8lu %5lu%s %8lu  %-20s  %-20s  ", id->messages,
		       id->rcpts, id->deliveries[MSG_SENT], id->deliveries[MSG_DEFERRED],
		       id->deliveries[MSG_BOUNCED],
		       id->notified[MSG_NOTIFY_FAILURE] + id->notified[MSG_NOTIFY_DELAY], id->ips,
		       r->pairs_full && id->idx != UINT32_MAX ? "+" : " ", id->foreign,
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

static json_t *jtime(time_t t)
{
	char buf[32];

	return t ? json_string(iso(t, buf, sizeof(buf))) : json_null();
}

void print_json(struct report *r)
{
	size_t n, na;
	struct ident **ids = sorted_idents(r, &n);
	struct authfail **au = sorted_auth(r, &na);
	json_t *root = json_object(), *jid = json_array(), *jau = json_array();
	json_t *series = json_array(), *chart = json_object(), *lines = json_object();
	json_t *table = json_object();
	struct msg_stats ms;

	for (size_t i = 0; i < n; i++) {
		const struct ident *id = ids[i];
		json_t *d = json_object(), *nt = json_object();

		for (int s = 0; s < MSG_NSTATUS; s++)
			json_object_set_new(d, msg_status_name((enum msg_status)s),
					    json_integer((json_int_t)id->deliveries[s]));
		for (int k = MSG_NOTIFY_FAILURE; k < MSG_NNOTIFY; k++)
			json_object_set_new(nt, msg_notify_name((enum msg_notify)k),
					    json_integer((json_int_t)id->notified[k]));
		json_array_append_new(jid, json_pack(
			"{s:s, s:I, s:I, s:o, s:o, s:I, s:b, s:I, s:o, s:o}",
			"identity", id->name, "messages", (json_int_t)id->messages,
			"recipients", (json_int_t)id->rcpts, "deliveries", d, "notifications", nt,
			"client_ips", (json_int_t)id->ips,
			"client_ips_exact", !r->pairs_full && id->idx != UINT32_MAX,
			"foreign_sender", (json_int_t)id->foreign,
			"first_seen", jtime(id->first), "last_seen", jtime(id->last)));
	}
	for (size_t i = 0; i < n && i < CHART_TOP && ids[i]->messages; i++) {
		json_t *c = json_array();

		for (int j = 0; j < CHART_BUCKETS; j++)
			json_array_append_new(c, json_integer(ids[i]->chart[j]));
		json_array_append_new(series, json_pack("{s:s, s:o}", "identity", ids[i]->name,
							"counts", c));
	}
	json_object_set_new(chart, "start", r->chart_started ? jtime(r->chart_start) : json_null());
	json_object_set_new(chart, "bucket_seconds",
			    json_integer((json_int_t)60 << r->chart_shift));
	json_object_set_new(chart, "series", series);
	for (size_t i = 0; i < na; i++) {
		json_t *names = json_array();

		for (int j = 0; j < au[i]->nnames; j++)
			json_array_append_new(names, json_string(au[i]->names[j]));
		json_array_append_new(jau, json_pack("{s:s, s:I, s:o, s:b}", "client_ip",
			au[i]->ip, "failures", (json_int_t)au[i]->count, "usernames", names,
			"usernames_truncated", au[i]->more));
	}
	json_object_set_new(lines, "read", json_integer((json_int_t)r->counts.lines));
	json_object_set_new(lines, "parsed", json_integer((json_int_t)r->counts.parsed));
	json_object_set_new(lines, "ignored", json_integer((json_int_t)r->counts.ignored));
	json_object_set_new(lines, "unparsed", json_integer((json_int_t)r->counts.unparsed));
	json_object_set_new(lines, "too_long", json_integer((json_int_t)r->counts.long_lines));
	json_object_set_new(lines, "forged", json_integer((json_int_t)r->counts.forged));
	msg_table_stats(r->msgs, &ms);
	json_object_set_new(table, "max", json_integer(MAX_MESSAGES));
	json_object_set_new(table, "in_flight", json_integer((json_int_t)ms.size));
	json_object_set_new(table, "evictions", json_integer((json_int_t)ms.evictions));
	json_object_set_new(table, "handoffs", json_integer((json_int_t)ms.handoffs));
	json_object_set_new(table, "unknown_queue_ids", json_integer((json_int_t)ms.unknown));
	json_object_set_new(table, "notifications_linked",
			    json_integer((json_int_t)ms.notifications));
	json_object_set_new(table, "notifications_unlinked",
			    json_integer((json_int_t)ms.notify_unknown));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "identities", jid);
	json_object_set_new(root, "chart", chart);
	json_object_set_new(root, "auth_failures", jau);
	json_object_set_new(root, "auth_failure_ips_dropped",
			    json_integer((json_int_t)r->auth_dropped));
	json_object_set_new(root, "lines", lines);
	json_object_set_new(root, "messages", table);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(root);
	free(ids);
	free(au);
}
