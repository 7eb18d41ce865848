/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * domains.h - which sender domains are this relay's own: Postfix's, and
 * those learned from the traffic ([maillog] local_domains = auto).
 *
 * domains_from_postfix() takes Postfix's mydomain, mydestination,
 * virtual_alias_domains, virtual_mailbox_domains and relay_domains (as
 * postconf(1) read them, postconf.h: `$name` references expanded), splits
 * each on commas and blanks, and keeps the domain names.  It skips, and names in its note,
 * what it does not read: table references (`hash:/etc/postfix/vdomains`,
 * any `type:name`) and `/file/name` patterns; their domains are learned
 * from the traffic instead.  A name is kept once, lower case; at most cap.
 *
 * The learned table: a sender domain used by DOMAINS_LEARN_IDENTITIES
 * distinct accounts (sasl:, uid:; never client:, whose remote senders are
 * inbound mail) is learned, and from then on it is local for every
 * identity; only a DNS name can be (domains_learnable()).  Candidates (used by fewer) and learned domains are two lists,
 * each of at most DOMAINS_MAX, least recently used evicted (counted): a
 * flood of random sender domains replaces candidates, never a learned
 * domain.  Keys are sender text: the hash is hash.h's, seeded per process.
 * What is learned is saved with the identities' histories (history.h).
 */
#ifndef SENTINEL_DOMAINS_H
#define SENTINEL_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "postconf.h"

#define DOMAINS_NAME_MAX 256
#define DOMAINS_LEARN_IDENTITIES 3
#define DOMAINS_MAX 4096

/* 0 with *n names in out, or -1 when a parameter is unknown (err says
 * which and why; *n is what the others gave).  note: the items skipped,
 * "" if none. */
int domains_from_postfix(const struct postconf *pc, char (*out)[DOMAINS_NAME_MAX], size_t cap,
			 size_t *n, char *note, size_t notecap, char *err, size_t errcap);

/* The domain of an address (after the last '@'), lower case, UTF-8 clean;
 * false for an address without one (<>, a bare local name). */
bool domains_of_address(const char *addr, char *out, size_t cap);

struct domains;

struct domains_stats {
	uint64_t candidates, learned;	/* gauges */
	uint64_t evictions;		/* candidates or learned dropped: list full */
};

/* A lower-case DNS name (letters, digits, '.', '-', '_'; not an address
 * literal, not raw UTF-8): the only names learned, saved and printed. */
bool domains_learnable(const char *s);

struct domains *domains_new(void);
void domains_free(struct domains *t);
/* domain (from domains_of_address) used by the identity whose hash is who
 * at second sec; true when this use made it learned. */
bool domains_use(struct domains *t, const char *domain, uint32_t who, uint32_t sec);
bool domains_learned(const struct domains *t, const char *domain);
/* A learned domain read back from a saved state. */
void domains_add_learned(struct domains *t, const char *domain, uint32_t sec);
/* The learned domains, most recently used first. */
void domains_each_learned(const struct domains *t,
			  void (*fn)(const char *domain, uint32_t last, void *arg), void *arg);
void domains_stats(const struct domains *t, struct domains_stats *out);

#endif
