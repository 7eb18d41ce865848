/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * incident.h - the detector's incidents: the open ones, a ring of
 * resolved ones, ids, and the JSON form (internal to detect.c).
 *
 * Open (or acted) incidents are found by id and by identity, at most
 * DETECT_MAX_OPEN of them, kept in the order they opened.  Resolving one
 * copies it into a ring of the last DETECT_RESOLVED_MAX resolved ones,
 * with how it ended, and frees its identity to open another.  When the
 * table is full, incident_store_victim() names the one to evict: the
 * oldest not ACTED, else the oldest.  Ids are the wall-clock second in
 * UTC and a sequence number, "20261127T072501-0001", never one already
 * held.  incident_parse() reads back what incident_json() writes.
 */
#ifndef SENTINEL_INCIDENT_H
#define SENTINEL_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "detect.h"
#include "hash.h"

struct incident_node {
	struct incident inc;
	UT_hash_handle hh_id, hh_identity;
	bool dirty;		/* changed since `updated` was last called */
	double notified;	/* log time of the last callback */
};

struct incident_store;

struct incident_store *incident_store_new(void);
void incident_store_free(struct incident_store *s);

struct incident_node *incident_store_open_id(const struct incident_store *s, const char *id);
struct incident_node *incident_store_open_identity(const struct incident_store *s,
						   const char *identity);
/* Open or resolved, NULL if neither. */
const struct incident *incident_store_find(const struct incident_store *s, const char *id);
size_t incident_store_nopen(const struct incident_store *s);
/* Open ones in the order they opened. */
struct incident_node *incident_store_first(const struct incident_store *s);
struct incident_node *incident_store_next(const struct incident_node *n);

/* A copy of inc, unless DETECT_MAX_OPEN are open or its id or identity is
 * already open (NULL). */
struct incident_node *incident_store_add(struct incident_store *s, const struct incident *inc);
/* Sets RESOLVED and how, moves n into the ring and frees it; returns the
 * copy in the ring (valid until DETECT_RESOLVED_MAX more are resolved). */
const struct incident *incident_store_resolve(struct incident_store *s, struct incident_node *n,
					      enum incident_end how);
/* The oldest open incident not ACTED, else the oldest; NULL when none. */
struct incident_node *incident_store_victim(const struct incident_store *s);
/* Into the ring directly (restored at start-up); false if its id is held. */
bool incident_store_add_resolved(struct incident_store *s, const struct incident *inc);
/* Open ones first, then resolved ones newest first. */
size_t incident_store_list(const struct incident_store *s, const struct incident **out,
			   size_t cap);
/* A new id into id[DETECT_ID_MAX]. */
void incident_store_new_id(struct incident_store *s, char *id);

/* What one event adds to an incident: a queue id (once), a log line
 * (from the first on, up to DETECT_SAMPLES), a client address (first in
 * the most-recent-first list).  Members may be NULL. */
struct evidence {
	const char *qid, *ip, *line;
	size_t line_len;
};

void incident_add_evidence(struct incident *inc, const struct evidence *ev);
/* Put s first in a most-recent-first list of distinct strings of stride
 * bytes, at most DETECT_SAMPLES. */
void recent_front(char *base, size_t stride, size_t *n, const char *s);

/* 0, or -1 when json is not an incident. */
int incident_parse(const char *json, struct incident *out);
double incident_score(const struct incident *inc);

#endif
