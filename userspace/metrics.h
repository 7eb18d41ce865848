/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics.h - Prometheus text exposition (format 0.0.4) from a table.
 *
 * Every metric is described once in metrics.c: name, type, help, and where
 * its samples come from (a field of struct counters, or a series table with
 * one or more of its values).  metrics_render() walks the table.  Label
 * values are escaped per the format (backslash, double quote, newline) and
 * invalid UTF-8 is replaced by U+FFFD, so a process named `a"b\` or with a
 * newline in its comm cannot break the output.
 */
#ifndef SENTINEL_METRICS_H
#define SENTINEL_METRICS_H

#include <stddef.h>

#include "counters.h"
#include "log.h"
#include "series.h"

/* A growing output buffer. */
struct expo {
	char *buf;
	size_t len;
	size_t cap;
};

void expo_init(struct expo *e);
void expo_free(struct expo *e);
void expo_put(struct expo *e, const char *s, size_t n);
void expo_puts(struct expo *e, const char *s);
void expo_printf(struct expo *e, const char *fmt, ...) PRINTFLIKE(2, 3);
/* Append s as the body of a quoted label value. */
void expo_label_value(struct expo *e, const char *s);

enum metric_table_id { TABLE_FLOWS, TABLE_IDENTITIES, TABLE_MAX };

struct metrics_sources {
	const struct counters *counters;
	const struct series_table *tables[TABLE_MAX];
	const char *version;
};

/* Count one detection latency into the histogram of c. */
void metrics_observe_latency(struct counters *c, double seconds);

/* The whole exposition; the caller frees e->buf (expo_free). */
void metrics_render(const struct metrics_sources *src, struct expo *e);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Label names of the flow table, in order; used by the sensor. */
extern const char *const flow_label_names[];
enum { FLOW_LABEL_CGROUP, FLOW_LABEL_COMM, FLOW_LABEL_UID, FLOW_LABEL_PORT, FLOW_NLABELS };
enum { FLOW_VALUE_ATTEMPTS, FLOW_VALUE_ESTABLISHED, FLOW_VALUE_FAILED };

/* The identity table: one label, a message count, deliveries by status
 * (in enum msg_status order after ID_VALUE_SENT), bounce notifications
 * by kind (in enum msg_notify order, from MSG_NOTIFY_FAILURE, after
 * ID_VALUE_NOTIFY_FAILURE), and messages cleanup refused. */
extern const char *const identity_label_names[];
enum { ID_VALUE_MESSAGES, ID_VALUE_SENT, ID_VALUE_DEFERRED, ID_VALUE_BOUNCED,
       ID_VALUE_EXPIRED, ID_VALUE_FOREIGN, ID_VALUE_NOTIFY_FAILURE, ID_VALUE_NOTIFY_DELAY,
       ID_VALUE_NOTIFY_SUCCESS, ID_VALUE_NOTIFY_POSTMASTER, ID_VALUE_REFUSED };

#endif
