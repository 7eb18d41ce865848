/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sensor.h - the kernel flow sensor: load, attach, read.
 *
 * sensor_open() loads the BPF programs, fills the watched-port map and
 * attaches cgroup/connect4, cgroup/connect6 and cgroup/sock_release
 * to the cgroup v2
 * root (bpf_link: detached when the links are destroyed or the process
 * dies).  The counts live in per-CPU kernel maps; sensor_poll() folds their
 * deltas into the flow series table.  Flow events arrive in per-CPU queues
 * in an mmapped array (see struct flow_event_slot) that sensor_drain()
 * reads on the daemon's timer, and on a wakeup that the kernel sends
 * through a small ring buffer only when a queue is half full.
 */
#ifndef SENTINEL_SENSOR_H
#define SENTINEL_SENSOR_H

#include "config.h"
#include "counters.h"
#include "series.h"

struct flow_event;
struct sensor;

typedef void (*sensor_flow_fn)(const struct flow_event *e, void *arg);

/* NULL with the cause logged. */
struct sensor *sensor_open(const struct config *cfg, struct counters *counters,
			   struct series_table *flows);
void sensor_close(struct sensor *s);

/* Where flow events go (later: the correlator).  Optional. */
void sensor_on_flow(struct sensor *s, sensor_flow_fn fn, void *arg);

/* fd that becomes readable when the kernel forces a wakeup. */
int sensor_event_fd(const struct sensor *s);
/* Consume pending flow events. */
void sensor_drain(struct sensor *s);
/* Read the counter maps and statistics into the series and counters. */
void sensor_poll(struct sensor *s);

#endif
