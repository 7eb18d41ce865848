// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_output.c - sentinelctl's text output: escaped values, tables, and
 * the human form of each command's reply (ctl_output.h).
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_output.h"
#include "text.h"

void *must(void *p)
{
	if (!p) {
		fputs("sentinelctl: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

const json_t *member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return v ? v : json_null();
}

/* ---- text: escaped, measured, joined ------------------------------------- */

char *esc(const char *s)
{
	size_t cap = TEXT_ESCAPE_MAX(strlen(s));
	char *out = must(malloc(cap));

	text_escape(out, cap, s);
	return out;
}

char *printf_dup(const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		must(NULL);
	return s;
}

/* Columns on a terminal: code points (the text is escaped: no controls). */
size_t display_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The prefix of s that is at most cols columns wide, in bytes. */
size_t display_clip(const char *s, size_t cols)
{
	size_t i = 0, n = 0;

	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == cols)
			break;
	}
	return i;
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = must(realloc(b->s, b->cap));
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_pad(struct sbuf *b, size_t n)
{
	while (n--)
		sb_add(b, " ", 1);
}

static char *sb_take(struct sbuf *b)
{
	if (!b->s)
		sb_add(b, "", 0);
	return b->s;
}

static char *fmt_number(double x)
{
	if (fabs(x) < 1e15 && x == floor(x))
		return printf_dup("%.0f", x);
	return printf_dup("%.2f", x);
}

/* Any JSON value as escaped text: strings as they are, arrays of scalars
 * joined with ", ", anything else as compact JSON. */
char *fmt_value(const json_t *v)
{
	struct sbuf b = { 0 };
	size_t i;
	json_t *item;
	char *s, *e;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return esc(json_string_value(v));
	case JSON_INTEGER:
		return printf_dup("%lld", (long long)json_integer_value(v));
	case JSON_REAL:
		return fmt_number(json_real_value(v));
	case JSON_TRUE:
		return printf_dup("yes");
	case JSON_FALSE:
		return printf_dup("no");
	case JSON_NULL:
		return printf_dup("-");
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return printf_dup("-");
		json_array_foreach(v, i, item) {
			if (json_is_array(item) || json_is_object(item))
				break;
			s = fmt_value(item);
			if (i)
				sb_puts(&b, ", ");
			sb_puts(&b, s);
			free(s);
		}
		if (i == json_array_size(v))
			return sb_take(&b);
		free(b.s);
		break;
	case JSON_OBJECT:
		break;
	}
	s = must(json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII));
	e = esc(s);
	free(s);
	return e;
}

char *fmt_fixed(const json_t *v, double scale, int decimals, const char *unit)
{
	if (!json_is_number(v))
		return fmt_value(v);
	return printf_dup("%.*f%s", decimals, scale * json_number_value(v), unit);
}

/* An epoch (seconds) as UTC; a string as it is; "-" for nothing. */
static char *fmt_time(const json_t *v)
{
	char buf[32];
	struct tm tm;
	time_t t;

	if (json_is_string(v))
		return esc(json_string_value(v));
	if (!json_is_number(v))
		return printf_dup("-");
	t = (time_t)json_number_value(v);
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return fmt_value(v);
	return printf_dup("%s", buf);
}

static char *fmt_duration(const json_t *v)
{
	long long s;

	if (!json_is_number(v))
		return fmt_value(v);
	s = (long long)json_number_value(v);
	if (s >= 86400)
		return printf_dup("%lldd %02lldh %02lldm", s / 86400, s % 86400 / 3600,
				  s % 3600 / 60);
	if (s >= 3600)
		return printf_dup("%lldh %02lldm %02llds", s / 3600, s % 3600 / 60, s % 60);
	if (s >= 60)
		return printf_dup("%lldm %02llds", s / 60, s % 60);
	return printf_dup("%llds", s);
}

/* "key value, key value" for an object's members. */
static char *fmt_members(const json_t *obj)
{
	struct sbuf b = { 0 };
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return fmt_value(obj);
	json_object_foreach((json_t *)obj, key, v) {
		char *k = esc(key), *s = fmt_value(v);

		if (b.len)
			sb_puts(&b, ", ");
		sb_puts(&b, k);
		sb_puts(&b, " ");
		sb_puts(&b, s);
		free(k);
		free(s);
	}
	return b.s ? b.s : printf_dup("-");
}

/* ---- tables ----------------------------------------------------------------- */


void table_add(struct table *t, char *cell)
{
	t->cells = must(realloc(t->cells, (t->ncells + 1) * sizeof(*t->cells)));
	t->cells[t->ncells++] = cell;
}

size_t table_rows(const struct table *t)
{
	return t->ncells / t->ncols;
}

size_t *table_widths(const struct table *t, size_t nrows)
{
	size_t *w = must(calloc(t->ncols, sizeof(*w)));

	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = display_width(t->head[c]);
		for (size_t r = 0; r < nrows; r++) {
			size_t x = display_width(t->cells[r * t->ncols + c]);

			w[c] = x > w[c] ? x : w[c];
		}
	}
	return w;
}

char *table_line(const struct table *t, size_t r, const size_t *w)
{
	struct sbuf b = { 0 };

	for (size_t c = 0; c < t->ncols; c++) {
		const char *cell = r == SIZE_MAX ? t->head[c] : t->cells[r * t->ncols + c];
		size_t cw = display_width(cell);
		bool right = t->right & (1u << c);

		if (c)
			sb_puts(&b, "  ");
		if (right)
			sb_pad(&b, w[c] - cw);
		sb_puts(&b, cell);
		if (!right && c + 1 < t->ncols)
			sb_pad(&b, w[c] - cw);
	}
	return sb_take(&b);
}

void table_print(const struct table *t, const char *indent)
{
	size_t n = table_rows(t), *w = table_widths(t, n);

	for (size_t r = 0; r <= n; r++) {
		char *line = table_line(t, r == 0 ? SIZE_MAX : r - 1, w);

		printf("%s%s\n", indent, line);
		free(line);
	}
	free(w);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->ncells = 0;
}

/* ---- the commands' output ----------------------------------------------------- */

static void kv(const char *key, char *value)
{
	printf("%-15s %s\n", key, value);
	free(value);
}

/* Every member of o not named in known (NULL-ended) as a kv() line: what a
 * newer daemon adds is still shown. */
static void kv_others(const json_t *o, const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		bool skip = false;

		for (const char *const *p = known; *p && !skip; p++)
			skip = strcmp(key, *p) == 0;
		if (!skip) {
			char *k = esc(key);

			kv(k, fmt_value(v));
			free(k);
		}
	}
}

int print_status(const json_t *r)
{
	static const char *const known[] = {
		"ok", "version", "mode", "trust", "uptime", "maillog", "flows", "incidents_open",
		"incident_bounds", "allowed", "locked", "held_messages", NULL,
	};
	const json_t *trust = json_object_get(r, "trust");
	const json_t *allowed = json_object_get(r, "allowed"), *a;
	size_t i;
	const json_t *flows = member(r, "flows");
	const json_t *locked = json_object_get(r, "locked");
	double att = json_number_value(json_object_get(flows, "attributed"));
	double unatt = json_number_value(json_object_get(flows, "unattributed"));

	kv("version", fmt_value(member(r, "version")));
	kv("mode", fmt_value(member(r, "mode")));
	if (json_is_object(trust)) {
		const char *mode = json_string_value(json_object_get(r, "mode"));
		bool acting = json_is_true(json_object_get(trust, "acting"));
		char *src = fmt_value(member(trust, "maillog")), *why = fmt_value(member(trust, "why"));

		kv("trust", printf_dup("%s%s: %s", src,
				       !mode || strcmp(mode, "enforce") != 0 ? "" :
				       acting ? " (enforce mode acts)" :
				       " (enforce mode reports, does not act: see trust_syslog_file)",
				       why));
		free(src);
		free(why);
	}
	kv("uptime", fmt_duration(member(r, "uptime")));
	kv("maillog", fmt_members(member(r, "maillog")));
	if (att + unatt > 0) {
		char *m = fmt_members(flows);

		kv("flows", printf_dup("%s (%.0f%% attributed)", m, 100 * att / (att + unatt)));
		free(m);
	} else {
		kv("flows", fmt_members(flows));
	}
	kv("incidents open", fmt_value(member(r, "incidents_open")));
	if (json_object_get(r, "incident_bounds"))
		kv("incident bounds", fmt_members(member(r, "incident_bounds")));
	if (!json_array_size(allowed))
		kv("allowed", printf_dup("none"));
	json_array_foreach(allowed, i, a) {
		char *who = fmt_value(member(a, "identity")), *until = fmt_time(member(a, "until"));

		kv(i ? "" : "allowed", printf_dup("%s until %s", who, until));
		free(who);
		free(until);
	}
	kv("locked", json_array_size(locked) ? fmt_value(locked) : printf_dup("none"));
	kv("held messages", fmt_value(member(r, "held_messages")));
	kv_others(r, known);
	return 0;
}

/* The names of the signals that fired: an object of name: {...} (those
 * with "fired":false left out), or an array of names or of {"name":...}. */
static char *fmt_signals(const json_t *sig)
{
	struct sbuf b = { 0 };
	const char *key;
	size_t i;
	json_t *v;

	if (json_is_object(sig)) {
		json_object_foreach((json_t *)sig, key, v) {
			if (json_is_false(json_object_get(v, "fired")))
				continue;
			if (b.len)
				sb_puts(&b, ",");
			sb_puts(&b, key);
		}
	} else if (json_is_array(sig)) {
		json_array_foreach(sig, i, v) {
			const char *name = json_is_string(v) ? json_string_value(v) :
					   json_string_value(json_object_get(v, "name"));

			if (!name)
				continue;
			if (b.len)
				sb_puts(&b, ",");
			sb_puts(&b, name);
		}
	}
	if (!b.s)
		return printf_dup("-");
	key = esc(b.s);
	free(b.s);
	return (char *)key;
}

int print_incidents(const json_t *r)
{
	static const char *const head[] = {
		"ID", "STATE", "IDENTITY", "SCORE", "SIGNALS", "FIRST SEEN",
	};
	struct table t = { .ncols = 6, .head = head, .right = 1u << 3 };
	const json_t *list = json_object_get(r, "incidents");
	size_t i;
	json_t *inc;

	if (json_array_size(list) == 0) {
		puts("no incidents");
		return 0;
	}
	json_array_foreach(list, i, inc) {
		const json_t *score = member(inc, "score");

		table_add(&t, fmt_value(member(inc, "id")));
		if (json_is_string(json_object_get(inc, "resolution"))) {
			char *st = fmt_value(member(inc, "state"));
			char *how = fmt_value(member(inc, "resolution"));

			table_add(&t, printf_dup("%s (%s)", st, how));
			free(st);
			free(how);
		} else {
			table_add(&t, fmt_value(member(inc, "state")));
		}
		table_add(&t, fmt_value(member(inc, "identity")));
		table_add(&t, fmt_fixed(score, 1, 2, ""));
		table_add(&t, fmt_signals(json_object_get(inc, "signals")));
		table_add(&t, fmt_time(json_object_get(inc, "first_seen")));
	}
	table_print(&t, "");
	table_free(&t);
	return 0;
}

int print_show(const json_t *r)
{
	static const struct { const char *key, *label; bool time; } fields[] = {
		{ "id", "incident", false }, { "identity", "identity", false },
		{ "state", "state", false }, { "score", "score", false },
		{ "first_seen", "first seen", true }, { "opened", "opened", true },
		{ "updated", "updated", true }, { "messages", "messages", false },
		{ "recipients", "recipients", false }, { "foreign", "foreign", false },
		{ "rcpt_domains", "rcpt domains", false },
	};
	static const char *const known[] = {
		"id", "identity", "state", "score", "first_seen", "opened", "updated",
		"messages", "recipients", "foreign", "rcpt_domains", "signals", "client_ips",
		"qids", "shares", "lines", "login", NULL,
	};
	static const char *const head[] = { "SIGNAL", "VALUE", "THRESHOLD", "SPAN" };
	static const char *const shead[] = { "IDENTITY", "FLOWS", "SHARE" };
	const json_t *inc = json_object_get(r, "incident");
	const json_t *sig, *lines, *shares, *login;
	struct table t = { .ncols = 4, .head = head, .right = 0xe };
	struct table st = { .ncols = 3, .head = shead, .right = 0x6 };
	const char *key;
	size_t i;
	json_t *v;

	if (!json_is_object(inc)) {
		fputs("sentinelctl: the reply has no incident\n", stderr);
		return 1;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const json_t *f = json_object_get(inc, fields[i].key);

		if (!f)
			continue;
		if (fields[i].time)
			kv(fields[i].label, fmt_time(f));
		else if (strcmp(fields[i].key, "score") == 0)
			kv(fields[i].label, fmt_fixed(f, 1, 2, ""));
		else
			kv(fields[i].label, fmt_value(f));
	}
	kv_others(inc, known);
	login = json_object_get(inc, "login");
	if (json_is_object(login)) {	/* a login that is not the account's exact name */
		char *why = fmt_value(member(login, "why")), *text;
		char *then = json_is_true(json_object_get(login, "exact_bytes_known"))
				     ? fmt_value(member(login, "as_logged_hex"))
				     : fmt_value(member(login, "unknown_why"));

		if (asprintf(&text, "not exact, not locked by map key: %s; %s: %s", why,
			     json_is_true(json_object_get(login, "exact_bytes_known"))
				     ? "lock_hook gets its bytes (hex)"
				     : "lock_hook does not run and no mail is held", then) < 0)
			text = NULL;
		free(why);
		free(then);
		if (text)
			kv("login", text);
	}
	if (json_object_get(inc, "client_ips"))
		kv("client ips", fmt_value(json_object_get(inc, "client_ips")));
	if (json_object_get(inc, "qids"))
		kv("queue ids", fmt_value(json_object_get(inc, "qids")));

	sig = json_object_get(inc, "signals");
	if (json_is_object(sig) && json_object_size(sig)) {
		json_object_foreach((json_t *)sig, key, v) {
			const json_t *span = member(v, "span");

			if (json_is_false(json_object_get(v, "fired")))
				continue;
			table_add(&t, esc(key));
			table_add(&t, fmt_value(member(v, "value")));
			table_add(&t, fmt_value(member(v, "threshold")));
			table_add(&t, fmt_fixed(span, 1, 0, "s"));
		}
		puts("\nsignals");
		table_print(&t, "  ");
		table_free(&t);
	} else if (sig) {
		kv("signals", fmt_value(sig));
	}

	/* flow_spike: whose flows they were */
	shares = json_object_get(inc, "shares");
	if (json_array_size(shares)) {
		json_array_foreach(shares, i, v) {
			const json_t *share = member(v, "share");

			table_add(&st, fmt_value(member(v, "identity")));
			table_add(&st, fmt_value(member(v, "flows")));
			table_add(&st, fmt_fixed(share, 100, 0, "%"));
		}
		puts("\nflows by identity");
		table_print(&st, "  ");
		table_free(&st);
	}

	lines = json_object_get(inc, "lines");
	if (json_array_size(lines)) {
		puts("\nevidence");
		json_array_foreach(lines, i, v) {
			char *s = fmt_value(v);

			printf("  %s\n", s);
			free(s);
		}
	}
	return 0;
}

int print_close(const json_t *r)
{
	char *id = fmt_value(member(r, "incident"));
	char *identity = fmt_value(member(r, "identity"));
	char *how = fmt_value(member(r, "resolution"));

	printf("incident %s (%s): %s\n", id, identity, how);
	if (json_object_get(r, "allowed_until")) {
		char *until = fmt_time(member(r, "allowed_until"));

		printf("%s opens no incident until %s\n", identity, until);
		free(until);
	}
	free(id);
	free(identity);
	free(how);
	return 0;
}

int print_action(const json_t *r)
{
	char *action = fmt_value(member(r, "action"));
	char *identity = fmt_value(member(r, "identity"));

	printf("%s %s: %s\n", action, identity,
	       json_is_false(json_object_get(r, "queued")) ? "not queued" : "queued");
	free(action);
	free(identity);
	return 0;
}

/* "reloaded", then each changed key as "  [section] key: 'old' -> 'new'". */
int print_reload(const json_t *r)
{
	const json_t *changes = json_object_get(r, "changes"), *v;
	size_t i;

	puts("reloaded");
	json_array_foreach(changes, i, v) {
		char *s = fmt_value(v);

		printf("  %s\n", s);
		free(s);
	}
	return 0;
}
