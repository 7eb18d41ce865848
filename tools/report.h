/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - sentinel-report's tables, shared by its aggregation
 * (sentinel-report.c) and its output (report_output.c).
 *
 * The bounds below are the report's: see sentinel-report.c's header for
 * what happens past each.
 */
#ifndef SENTINEL_REPORT_H
#define SENTINEL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "report_input.h"

#define MAX_MESSAGES 100000
#define MAX_IDENTITIES 50000
#define MAX_PAIRS 200000
#define MAX_AUTH_IPS 20000
#define MAX_AUTH_NAMES 8
#define MAX_LOCAL_DOMAINS 64
#define CHART_BUCKETS 60
#define CHART_TOP 5
#define TEXT_TOP_AUTH 50

/*
 * The items of a table sit in an array in insertion order; an index finds
 * them: open addressing, linear probing, at most half full, each slot the
 * item's hash and its number + 1 (0: empty), so a lookup usually touches
 * one slot and one item.  uthash chains up to ten items a bucket, each a
 * cache miss, which was most of the time spent per accepted message.
 */
struct slot {
	uint32_t hash, item;
};

struct index {
	struct slot *slot;
	size_t mask;			/* slots - 1, slots a power of two */
};

/* What every accepted message updates comes first, the name and the
 * chart after it: a lookup and an update touch three cache lines. */
struct ident {
	uint32_t idx;
	unsigned shift;			/* chart bucket = 60 << shift seconds */
	unsigned long messages, rcpts, foreign, ips;
	unsigned long deliveries[MSG_NSTATUS];
	time_t first, last;
	/* its client IPs, by their numbers in r->ips: one bit each below
	 * nipbits (see densify()), the others in ipset */
	uint64_t *ipbits;
	uint32_t nipbits, nipset;
	struct index ipset;
	/* bounce notifications about its messages, by enum msg_notify */
	unsigned long notified[MSG_NNOTIFY];
	unsigned long refused;		/* messages cleanup refused */
	char name[MSG_IDENTITY_MAX];
	uint32_t chart[CHART_BUCKETS];
};

struct authfail {
	char ip[POSTFIX_IP_MAX];
	unsigned long count;
	char *names[MAX_AUTH_NAMES];
	int nnames;
	bool more;			/* other names were tried */
};

struct report {
	bool json, explain;
	enum maillog_format format;	/* --format */
	bool have_since, have_until;
	time_t since, until;
	const char *local_domains[MAX_LOCAL_DOMAINS + 1];
	struct msg_table *msgs;
	struct maillog_feed *feed;	/* parsed records to msgs, in order */
	time_t last_expire;
	uint64_t seed;			/* of the index hashes */
	struct ident **idents, *other;
	uint32_t nidents;
	struct index ident_ix;
	char (*ips)[POSTFIX_IP_MAX];	/* client IPs of the pairs, each once */
	uint32_t nips;
	struct index ips_ix;
	size_t npairs;			/* (identity, client IP) pairs */
	bool pairs_full;
	struct authfail **auth;
	size_t nauth;
	struct index auth_ix;
	unsigned long auth_dropped;
	bool chart_started;
	time_t chart_start;
	unsigned chart_shift;
	struct input_counts counts;
};

/* Bring id's chart to the report's bucket size (sentinel-report.c). */
void chart_rescale(struct ident *id, unsigned shift);

/* "2026-11-27T02:05:13Z" into buf (report_output.c). */
const char *iso(time_t t, char *buf, size_t cap);
/* The report on stdout, as text or as one JSON document. */
void print_text(struct report *r);
void print_json(struct report *r);

#endif
