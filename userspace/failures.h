/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * failures.h - failed SASL logins per client address, for BRUTEFORCE
 * (internal to detect.c).
 *
 * Each client address keeps its last DETECT_FAIL_RING failures: the log
 * second and a hash of the login name it tried (0 when the log line named
 * none).  failures_check() asks whether a login of one name from that
 * address at a time was preceded, within span seconds, by need failures
 * for that name or unnamed ones, or by need distinct names (a spray).
 * At most DETECT_MAX_FAILURES addresses; when full, the one with the
 * fewest failures of the DETECT_FAIL_VICTIMS least recently failing is
 * evicted (counted).  failures_expire() drops the addresses
 * whose latest failure is older than WIN_SPAN_MAX seconds.
 */
#ifndef SENTINEL_FAILURES_H
#define SENTINEL_FAILURES_H

#include <stdint.h>

struct failures_table;

struct failures_table *failures_new(void);
void failures_free(struct failures_table *t);
/* ip: UTF-8 clean, not empty; user: a hash from ident_hash(), 0 unknown. */
void failures_add(struct failures_table *t, const char *ip, uint32_t user, uint32_t sec);
/* How many failures back the login (the larger of the two counts) when it
 * reaches need, else 0. */
unsigned failures_check(const struct failures_table *t, const char *ip, uint32_t user,
			uint32_t sec, unsigned need, unsigned span);
void failures_expire(struct failures_table *t, int64_t now);
uint64_t failures_evictions(const struct failures_table *t);

#endif
