/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * correlate.h - join kernel flows to the deliveries of the maillog.
 *
 * The kernel sees `smtp` pid P connect to address A port 25 (a flow
 * event, established, sent when the connection closes); the maillog says `postfix/smtp[P]: QID:
 * to=<..>, relay=host[A]:25, ...` and the message table knows QID's
 * identity.  correlator_flow() keeps each established flow pending under
 * (pid namespace, pid, address, port); correlator_delivery() takes the
 * oldest pending flow of its (pid namespace, pid, relay address, port)
 * and attributes it to the delivery's identity.
 *
 * PID namespaces: a log line names its writer by the pid its own
 * namespace gives it (Postfix in a container logs the container's pids),
 * and the kernel reports each flow with the caller's pid in the caller's
 * own (innermost) namespace and that namespace's inode number (struct
 * flow_event: ns_tgid, pidns).  The rule: the pids of the maillog are
 * those of one namespace, pidns given to correlator_new() ([maillog]
 * pid_namespace: sentineld's own by default, or the container's); a
 * flow is matched by its namespace-local pid, and only by a maillog of
 * its namespace.  A container that restarts has a new namespace:
 * correlator_set_pidns() (sentineld follows it, croot.h).  A flow of any other namespace is never claimed (it is
 * unattributed when its window ends): the same number there is another
 * process.  A delivery that finds none waits for its flow
 * (below), unless it logged conn_use=: a reused connection, whose flow
 * the first delivery on it claimed.  A flow that no delivery claims within CORRELATE_WINDOW
 * seconds is unattributed: a process talking SMTP without the MTA, or a
 * delivery the maillog does not show.  Failed flows are not pending: no
 * delivery line names them (their share is connect_results{failed}).
 *
 * The flow event comes when the connection is closed (the sensor settles
 * a flow's outcome at close: see bpf/sentinel.bpf.c), so the delivery
 * line usually comes first: a delivery on a new connection (no conn_use=)
 * that finds no pending flow waits up to CORRELATE_WINDOW seconds, and
 * the flow that arrives for its (pid, address, port) in that time is
 * attributed to it at once (the oldest waiting delivery of the key first).
 * Postfix keeps a connection for at most smtp_connection_reuse_time_limit
 * (300 s): one reused longer goes unattributed.  A delivery on a reused
 * connection never waits: it made no new flow.  A flow still comes first
 * when the log line is written after the close (a deferral after the
 * server hung up).
 *
 * Bounds: at most max_keys (pid, address, port) keys pending; a flow that
 * finds the table full is unattributed at once and counted as overflow.
 * At most CORRELATE_EARLY deliveries wait (the oldest replaced), found by
 * key in a hash.
 */
#ifndef SENTINEL_CORRELATE_H
#define SENTINEL_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "counters.h"
#include "maillog/syslog.h"
#include "series.h"

#define CORRELATE_WINDOW 300	/* seconds a flow or a delivery waits */
#define CORRELATE_EARLY 4096	/* deliveries waiting for their flow */

struct flow_event;
struct correlator;

/* pidns: the inode number of the PID namespace whose pids the maillog's
 * lines carry (stat -L /proc/PID/ns/pid of a process in it). */
struct correlator *correlator_new(struct counters *counters, size_t max_keys, uint32_t pidns);
void correlator_free(struct correlator *k);
/* The maillog's PID namespace from now on (its container restarted): a
 * delivery logged after this claims the flows of pidns; what waits under
 * the old one expires as usual. */
void correlator_set_pidns(struct correlator *k, uint32_t pidns);

/* The identity of the delivery that was waiting for this flow (valid until
 * the next call), or NULL: the flow waits for its delivery. */
const char *correlator_flow(struct correlator *k, const struct flow_event *e);
/* A delivery by pid (of the maillog's namespace) to relay_ip (text, as logged) and port; identity may
 * be "" when the message's sender is unknown; reused: it logged conn_use=.
 * Returns 1 if it claimed a flow. */
int correlator_delivery(struct correlator *k, long pid, struct slice relay_ip,
			long relay_port, const char *identity, bool reused);
/* Unattribute what waited longer than the window. */
void correlator_expire(struct correlator *k);
/* The same at CLOCK_MONOTONIC second now (tests move the clock). */
void correlator_expire_at(struct correlator *k, time_t now);

#endif
