/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * messages_int.h - what the message table's files share (not an interface).
 *
 *   messages.c        the table: index, lists, records, expiry
 *   messages_state.c  its snapshot file: save, load
 */
#ifndef SENTINEL_MAILLOG_MESSAGES_INT_H
#define SENTINEL_MAILLOG_MESSAGES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "maillog/messages.h"

#define KEY_MAX (MSG_INSTANCE_MAX + POSTFIX_QID_MAX)

struct entry {
	struct message m;
	char key[KEY_MAX];
	size_t keylen;
	uint32_t hash;
	uint32_t ord;			/* scratch of msg_table_save() */
	struct entry *prev, *next;	/* first-seen order */
	struct entry *rprev, *rnext;	/* removed list */
};

struct slot {
	uint32_t hash;
	struct entry *e;		/* NULL: empty */
};

struct msg_table {
	struct msg_config cfg;
	struct msg_callbacks cb;
	struct slot *slot;
	size_t mask;			/* slots - 1, a power of two */
	size_t count;
	struct entry *head, *tail;
	struct entry *rhead, *rtail;
	struct entry *spare;		/* dropped entries, linked by rnext */
	uint64_t changes;		/* msg_table_changes() */
	struct msg_logins logins;	/* slots NULL: none lent */
	struct msg_stats stats;
};

/* A new message (instance, qid) first seen at now, newest in first-seen
 * order; the oldest is evicted when the table is full.  The key must not
 * be in the table. */
struct entry *msg_entry_insert(struct msg_table *t, const char *instance, const char *qid,
			       time_t now);
struct entry *msg_entry_find(const struct msg_table *t, const char *instance, const char *qid);
/* Append e (its m.removed set) to the removed list. */
void msg_entry_link_removed(struct msg_table *t, struct entry *e);

#endif
