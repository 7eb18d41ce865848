/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * series.h - a bounded table of labelled counter series.
 *
 * A series is one tuple of label values (e.g. cgroup, comm, uid, port) with
 * a few counters.  The table never holds more than max series of exact
 * label values.  Beyond that a new tuple is folded: first into the tuple
 * with its fold label (e.g. comm) set to "_other", while that fits in a small
 * reserve; then into the tuple with every label "_other" except those in
 * keep_mask (e.g. port).  Each fold is counted in overflow, so the bound is
 * visible, and counts are never lost: they land in a coarser series.
 *
 * Series are keyed by their label values, so two sources that render the
 * same labels share one series and Prometheus never sees a duplicate.
 * Iteration (series_foreach) is in order of creation: scrapes are stable.
 */
#ifndef SENTINEL_SERIES_H
#define SENTINEL_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIES_MAX_LABELS 6
#define SERIES_MAX_VALUES 6
#define SERIES_OTHER "_other"

struct series {
	const char *labels[SERIES_MAX_LABELS];	/* point into key */
	uint64_t values[SERIES_MAX_VALUES];
	struct series_priv *priv;
};

struct series_table;

/* label_names: nlabels names; fold_label: index of the first label to fold;
 * keep_mask: bit i set keeps label i at the last level of folding. */
struct series_table *series_table_new(unsigned nlabels, const char *const *label_names,
				      unsigned max, unsigned fold_label,
				      unsigned keep_mask);
void series_table_free(struct series_table *t);

/* The series for these label values, created or folded as needed.
 * *folded is set when the result is not the exact tuple.  Never NULL. */
struct series *series_get(struct series_table *t, const char *const *labels, bool *folded);

unsigned series_count(const struct series_table *t);
uint64_t series_overflow(const struct series_table *t);
unsigned series_nlabels(const struct series_table *t);
const char *series_label_name(const struct series_table *t, unsigned i);

/* Visit every series in order of creation. */
void series_foreach(const struct series_table *t,
		    void (*fn)(const struct series *s, void *arg), void *arg);

#endif
