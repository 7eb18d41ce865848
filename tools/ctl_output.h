/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_output.h - sentinelctl's text output.
 *
 * Every string a reply carries may come from a log line: esc() (text.h's
 * text_escape()) is applied to each before it reaches a cell or a line,
 * so the functions returning text return it escaped, malloc'd, and the
 * caller frees it.  Widths count code points (escaped text has no control
 * characters; East Asian wide characters count as one column).
 *
 * A reply field that is missing or of an unexpected type is printed as
 * "-" or as compact JSON, never trusted: the daemon's side may be newer.
 * The print_* functions take a reply with "ok":true and print its human
 * form on stdout; they return the exit status.
 */
#ifndef SENTINELCTL_OUTPUT_H
#define SENTINELCTL_OUTPUT_H

#include <jansson.h>
#include <stddef.h>

/* p, or exit 1 with "out of memory". */
void *must(void *p);
/* The member, or JSON null when there is none. */
const json_t *member(const json_t *obj, const char *key);
char *esc(const char *s);
char *printf_dup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t display_width(const char *s);
/* The bytes of the prefix of s that is at most cols columns wide. */
size_t display_clip(const char *s, size_t cols);
/* Any value: strings escaped, numbers, arrays of scalars joined with ", ",
 * the rest as compact JSON. */
char *fmt_value(const json_t *v);
/* A number times scale with that many decimals and the unit after it
 * ("%" of a share: 100, 0, "%"); anything else as fmt_value(). */
char *fmt_fixed(const json_t *v, double scale, int decimals, const char *unit);

struct table {
	size_t ncols, ncells;
	const char *const *head;
	unsigned right;			/* bit i: column i is right-aligned */
	char **cells;			/* escaped, row after row */
};

/* Takes cell (malloc'd, escaped). */
void table_add(struct table *t, char *cell);
size_t table_rows(const struct table *t);
/* Each column's width over the header and the first nrows rows; malloc'd. */
size_t *table_widths(const struct table *t, size_t nrows);
/* Row r (SIZE_MAX: the header) padded to the widths w; malloc'd. */
char *table_line(const struct table *t, size_t r, const size_t *w);
void table_print(const struct table *t, const char *indent);
void table_free(struct table *t);

int print_status(const json_t *reply);
int print_incidents(const json_t *reply);
int print_show(const json_t *reply);
int print_action(const json_t *reply);
int print_close(const json_t *reply);
int print_reload(const json_t *reply);

#endif
