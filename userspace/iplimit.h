/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iplimit.h - how many incidents one client address may open: a token
 * bucket per address, in a bounded table (internal to detect.c).
 *
 * Each address starts with burst tokens and earns burst more per period
 * seconds (one every period / burst), never holding more than burst; an
 * incident that a login from the address would open takes one, and with
 * none left it does not open (the caller counts it).  So one client, with
 * forged or real logins under a thousand names, opens at most burst
 * incidents at once and burst per period after that.
 *
 * Keys are client addresses, the attacker's text (IPv6 gives him plenty):
 * seeded hash (hash.h), at most max addresses.  A full table evicts the
 * least recently used address, counted; an evicted address starts again
 * with a full bucket, which is why iplimit_expire() first drops buckets
 * that have refilled (they hold nothing a fresh one would not).  Times are
 * the detector's clock in seconds; a clock that goes back earns nothing.
 */
#ifndef SENTINEL_IPLIMIT_H
#define SENTINEL_IPLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iplimit;

/* burst 0: no limit (iplimit_take always true). */
struct iplimit *iplimit_new(size_t max, unsigned burst, double period);
void iplimit_free(struct iplimit *t);
/* One token of ip at now; false when it has none. */
bool iplimit_take(struct iplimit *t, const char *ip, double now);
/* Drop the addresses whose bucket is full again at now. */
void iplimit_expire(struct iplimit *t, double now);
size_t iplimit_count(const struct iplimit *t);
uint64_t iplimit_evictions(const struct iplimit *t);

#endif
