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
 *
 * Top mode (series_table_new_top) keeps the max heaviest tuples instead of
 * the first ones.  Each exact series has a score, the weights counted into
 * it by series_get_scored() decaying by half every SERIES_TOP_HALF_LIFE
 * seconds.  A tuple without a series is counted in the one series whose
 * labels are all "_other", and tracked in a bounded candidate table
 * (Space-Saving: max(64, max/4) entries; when full, the weakest candidate
 * is replaced and its score is inherited as the newcomer's possible error).
 * A candidate whose sure score (score minus error) is over SERIES_TOP_FACTOR
 * times the weakest series' and at least SERIES_TOP_MIN_SCORE (decayed)
 * takes its place: the weakest series' values are added to "_other" and it
 * is freed (an eviction), and the candidate gets a new series starting at
 * zero, its earlier counts being in "_other" already.  So no value ever goes
 * backwards and the sum over all series is exact; a series that disappears
 * moves its counts to "_other" in one step.
 *
 * Scores use forward decay: a weight w at time t is stored as
 * w * 2^((t - t0) / half-life) for a table-wide t0, so stored scores compare
 * directly at any time and only change when counted into.  The weakest
 * series and the weakest candidate are the roots of two min-heaps: a count
 * costs O(log n), never a scan.  t0 moves forward (every score rescaled,
 * O(n)) once every 32 half-lives of the caller's clock.
 */
#ifndef SENTINEL_SERIES_H
#define SENTINEL_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIES_MAX_LABELS 6
#define SERIES_MAX_VALUES 11
#define SERIES_OTHER "_other"

#define SERIES_TOP_HALF_LIFE 600.0	/* seconds for a score to halve */
#define SERIES_TOP_FACTOR 2.0		/* a candidate beats a series by this */
#define SERIES_TOP_MIN_SCORE 10.0	/* ... and has at least this score */
#define SERIES_TOP_MIN_CANDIDATES 64

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
/* Top mode: at most max exact series, the heaviest; the rest in the one
 * series whose labels are all "_other". */
struct series_table *series_table_new_top(unsigned nlabels, const char *const *label_names,
					  unsigned max);
void series_table_free(struct series_table *t);

/* The series for these label values, created or folded as needed.
 * *folded is set when the result is not the exact tuple.  Never NULL.
 * On a top-mode table, the same as series_get_scored() with weight 0. */
struct series *series_get(struct series_table *t, const char *const *labels, bool *folded);

/* Top mode: the series to count into, weight added to the tuple's score at
 * now (seconds of a clock that does not go back, e.g. CLOCK_MONOTONIC; only
 * read when weight > 0).  Weight 0 looks the tuple up without scoring it
 * or making it a candidate.  The series pointer is valid until the next
 * get on the table: a promotion frees the weakest series.  On a table made
 * by series_table_new(), the same as series_get(). */
struct series *series_get_scored(struct series_table *t, const char *const *labels,
				 double weight, double now, bool *folded);

unsigned series_count(const struct series_table *t);
/* Gets answered with a folded series. */
uint64_t series_overflow(const struct series_table *t);
/* Top mode: series evicted for a heavier tuple; candidates replaced in a
 * full candidate table; candidates now. */
uint64_t series_evictions(const struct series_table *t);
uint64_t series_candidate_replacements(const struct series_table *t);
unsigned series_candidates(const struct series_table *t);
unsigned series_nlabels(const struct series_table *t);
const char *series_label_name(const struct series_table *t, unsigned i);

/* Visit every series in order of creation. */
void series_foreach(const struct series_table *t,
		    void (*fn)(const struct series *s, void *arg), void *arg);

#endif
