/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * messages.h - the table of in-flight messages: who sent each queue id.
 *
 * msg_table_record() takes one parsed Postfix record (postfix.h) with its
 * syslog header and follows the message it belongs to, keyed by
 * (instance, queue id); the instance is the program's first component
 * ("postfix" of "postfix/submission/smtpd", "postfix-out" of
 * "postfix-out/smtp"), so two instances may use the same queue id.
 *
 *   smtpd  QID: client=H[IP], sasl_username=U    identity "sasl:U"
 *   smtpd  QID: client=H[IP]                     identity "client:IP"
 *   pickup QID: uid=N from=<S>                   identity "uid:N"
 *   qmgr   QID: from=<S>, size=, nrcpt=           the message is accepted
 *   smtp/local/... QID: to=<R>, ..., status=S     a delivery
 *   qmgr/postsuper QID: removed                   expires after the grace
 *   cleanup QID: (reject|discard): header ...,     refused: removed now
 *     milter-reject: ..., milter-discard: ...
 *   bounce QID: ... notification: NEWQID           NEWQID a notification about QID
 *
 * A queue id's identity, once seen, is never reassigned: a client= or
 * pickup record for a queue id in the table and not removed that names
 * another identity (client address or SASL login) is counted as forged
 * and ignored (Postfix logs one per message; `logger` can write any).
 * One that names the same identity (a line read again after a restart)
 * is ignored.  A queue id used again after its removed line is a new
 * message.
 *
 * A message is accepted once, at its first qmgr from= line after the line
 * that gave its identity; qmgr logs from= again for each retry of a
 * deferred message, and those do not count again.  Callbacks report each
 * acceptance and each delivery with the message, so that a caller can
 * aggregate per identity.
 *
 * Content filters: a delivery to 127.0.0.1 or ::1 on a port other than 25
 * (amavis on 10024, ...) is a hand-off, not an outbound delivery: it is
 * never reported as one.  When its status text ends in "queued as NEWQID"
 * the message NEWQID of the same instance is the same mail re-injected: it
 * takes the original's identity and is not accepted again.  Because the
 * re-injected copy's smtpd and qmgr lines come before the hand-off line,
 * a message from a loopback client without SASL is held: its acceptance
 * and deliveries are reported only when it is linked (under the original
 * identity, without an acceptance), or when it leaves the table unlinked
 * (as "client:127.0.0.1"), or at msg_table_flush().
 *
 * Bounce notifications: a NOTIFY record (the bounce daemon's "QID: sender
 * non-delivery notification: NEWQID") of a message QID in the table with
 * an identity makes NEWQID, a message from <> that Postfix created, a
 * notification about QID: it takes QID's identity and client address,
 * with notify (which kind, or MSG_NOTIFY_POSTMASTER for any copy to the
 * postmaster: a bounce of a bounce) and orig_qid set.  It is not mail its
 * identity sent: it is never accepted (no `accepted` callback, not in
 * msg_table_queued()); the `notified` callback reports it once, when the
 * link is made, and its deliveries go to `delivery` with notify set.  A
 * notification about a notification (a double bounce to the postmaster)
 * has the same identity.  The link is made once: a NOTIFY naming a queue
 * id in the table and not removed is a line read again when that message
 * is already the same notification, else counted as forged and ignored;
 * a NOTIFY about a queue id not in the table, or without an identity,
 * links nothing (counted in notify_unknown).  A notification handed to a
 * content filter passes its mark to the re-injected copy.  Limit: a
 * notification about a message still held (a loopback copy not linked
 * yet) takes the identity the message has then.
 *
 * Refusals: cleanup's reject or discard of a message (header_checks,
 * body_checks, milter_header_checks: CONTENT_CHECK with action reject,
 * discard, milter-header-reject, ...; a milter's MILTER_REJECT or
 * milter-discard ACTION), temporary (4.x.x) or not, removes its queue
 * file: the message will never be queued nor delivered, and before 3.10
 * no "removed" line follows.  It is marked removed then (it expires after
 * the grace), counted in refused, and reported once to `refused` when it
 * has an identity, is not held and is not a notification; a refusal of a
 * message already removed is a line read again and ignored.  smtpd's
 * "QID: reject:" refuses a recipient, not the message: it is not one.
 *
 * Sender domains: the envelope sender (qmgr from=) is local when it has
 * no '@', is the null sender <>, or its domain equals one of local_domains
 * (ASCII case-insensitive).
 *
 * Bounds: at most max_messages entries; a new message when full evicts the
 * oldest (counted in evictions).  msg_table_expire(now) drops a message
 * grace seconds after its removed line, and any message max_age seconds
 * after it was first seen; both by log time, both counted.  Every string
 * kept is a bounded, UTF-8-clean copy (slice_copy()).  Limits: a hand-off
 * links only within one instance; expiry by age walks in first-seen order
 * and stops at the first young entry, so lines far out of time order
 * expire late.
 *
 * Snapshots (messages_state.c): msg_table_save() writes the whole table
 * (every field, first-seen and removed order) with a text of the caller's
 * (the engine's maillog positions) and a generation number to one state
 * file, atomically; msg_table_load() reads it back into an empty table
 * without reporting anything, or refuses the whole file, with one log line,
 * if any of it is damaged or out of bounds: the file is read as hostile
 * input.  A file holds at most max_bytes: past that the oldest messages
 * are left out of it (counted in the save's omitted).
 *
 * Pending logins: a login that a session logs on a line of its own, before
 * its messages (Sendmail's AUTH=server), waits in the maillog feed
 * (format.h) until a message of that session takes it.  It is state of the
 * same snapshot: the feed lends the table its login slots with
 * msg_table_logins() and counts their changes with msg_table_touch(), so
 * that msg_table_changes() moves, msg_table_save() writes them with the
 * messages, msg_table_load() gives them back (through restore, which
 * places each one) and msg_table_discard() empties the slots.  A snapshot
 * holds at most MSG_LOGINS_MAX of them.
 */
#ifndef SENTINEL_MAILLOG_MESSAGES_H
#define SENTINEL_MAILLOG_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maillog/postfix.h"
#include "maillog/syslog.h"

#define MSG_INSTANCE_MAX SYSLOG_PROG_MAX
#define MSG_IDENTITY_MAX (8 + POSTFIX_TEXT_MAX)	/* "sasl:" + login name */

enum msg_status { MSG_SENT, MSG_DEFERRED, MSG_BOUNCED, MSG_EXPIRED, MSG_NSTATUS };

/* What a message from Postfix's bounce daemon is (see above); NONE: mail. */
enum msg_notify {
	MSG_NOTIFY_NONE,
	MSG_NOTIFY_FAILURE,		/* sender non-delivery notification */
	MSG_NOTIFY_DELAY,		/* sender delay notification */
	MSG_NOTIFY_SUCCESS,		/* sender delivery status notification */
	MSG_NOTIFY_POSTMASTER,		/* postmaster non-delivery or delay */
	MSG_NNOTIFY
};

/* A new field goes into the snapshot too (messages_state.c, its version). */
struct message {
	char instance[MSG_INSTANCE_MAX];
	char qid[POSTFIX_QID_MAX];
	char identity[MSG_IDENTITY_MAX];	/* "" while unknown */
	char client_ip[POSTFIX_IP_MAX];
	char sender[POSTFIX_ADDR_MAX];
	char orig_qid[POSTFIX_QID_MAX];	/* a notification's message; else "" */
	bool has_sender, sender_local;
	bool accepted;			/* its first qmgr from= was seen */
	bool held;			/* loopback client, not linked yet */
	bool reinjected;		/* linked from a content filter hand-off */
	bool removed;
	enum msg_notify notify;		/* a bounce notification about orig_qid */
	long nrcpt, size;		/* -1 until qmgr logs them */
	unsigned long deliveries[MSG_NSTATUS];
	time_t first, last;		/* log time of its first and latest line */
	time_t accepted_at, removed_at;
};

#define MSG_LOGINS_MAX 4096

/* A pending login (see above); also in the snapshot (messages_state.c). */
struct msg_login {
	char instance[MSG_INSTANCE_MAX];	/* msg_instance() of its program */
	long pid;			/* of the session's process; 0: empty slot */
	time_t at;			/* log time of its line */
	char ip[POSTFIX_IP_MAX];	/* the session's client */
	char user[POSTFIX_TEXT_MAX];	/* not empty */
	char method[POSTFIX_WORD_MAX];	/* "" when not logged */
};

struct msg_logins {
	struct msg_login *slots;	/* nslots, the lender's own array */
	size_t nslots;
	/* Keep l, read from a snapshot, in a slot of the lender's choice. */
	void (*restore)(const struct msg_login *l, void *arg);
	void *arg;
};

struct msg_callbacks {
	/* m was accepted at m->accepted_at; m->identity is not empty. */
	void (*accepted)(const struct message *m, void *arg);
	/* One delivery of m (not a hand-off), logged at t; m->notify says
	 * whether m is a notification rather than its identity's mail. */
	void (*delivery)(const struct message *m, enum msg_status status, time_t t,
			 void *arg);
	void *arg;
	/* m is a new notification (m->notify) about m->orig_qid, logged at
	 * m->first; m->identity is not empty.  May be NULL. */
	void (*notified)(const struct message *m, void *arg);
	/* cleanup refused m (see above) at t; m->identity is not empty.  May
	 * be NULL. */
	void (*refused)(const struct message *m, time_t t, void *arg);
};

struct msg_config {
	size_t max_messages;		/* hard bound, > 0 */
	time_t grace;			/* kept this long after removed */
	time_t max_age;			/* dropped this long after first seen */
	const char *const *local_domains;	/* NULL-terminated, or NULL */
};

struct msg_stats {
	size_t size;			/* messages in the table */
	uint64_t evictions;		/* dropped because the table was full */
	uint64_t expired_removed;	/* dropped grace after removed */
	uint64_t expired_age;		/* dropped at max_age */
	uint64_t handoffs;		/* deliveries to a content filter */
	uint64_t links;			/* hand-offs that named a re-injected queue id */
	uint64_t unknown;		/* records for a queue id not in the table */
	uint64_t forged;		/* a second client= naming another identity */
	uint64_t notifications;		/* notifications linked to their message */
	uint64_t notify_unknown;	/* NOTIFY about a message not in the table */
	uint64_t refused;		/* messages cleanup refused (see above) */
};

struct msg_table;

struct msg_table *msg_table_new(const struct msg_config *cfg, const struct msg_callbacks *cb);
/* Frees without reporting held messages: call msg_table_flush() first. */
void msg_table_free(struct msg_table *t);

/* Feed one record of kind CLIENT, PICKUP, QUEUED, DELIVERY, REMOVED, NOTIFY or a
 * refusal (others are ignored), with the syslog header it came from. */
void msg_table_record(struct msg_table *t, const struct syslog_line *sl,
		      const struct postfix_record *r);
/* Drop what expired by log time now. */
void msg_table_expire(struct msg_table *t, time_t now);
/* Report every held message as it stands (end of input). */
void msg_table_flush(struct msg_table *t);

const struct message *msg_table_find(const struct msg_table *t, const char *instance,
				     const char *qid);
void msg_table_stats(const struct msg_table *t, struct msg_stats *out);
/* The queue ids of identity's messages not removed yet (any instance),
 * newest first, at most cap; how many.  Notifications about its mail are
 * not its messages: never among them. */
size_t msg_table_queued(const struct msg_table *t, const char *identity,
			char (*qids)[POSTFIX_QID_MAX], size_t cap);

/* A number that changes whenever the table does: a snapshot saved when it
 * had this value is still the table. */
uint64_t msg_table_changes(const struct msg_table *t);
/* Forget every message, reporting none (not even held ones), and every
 * pending login. */
void msg_table_discard(struct msg_table *t);

/* The pending logins to carry in snapshots (copied; NULL: none). */
void msg_table_logins(struct msg_table *t, const struct msg_logins *l);
/* The pending logins changed. */
void msg_table_touch(struct msg_table *t);

struct msg_save_stats {
	size_t saved;			/* messages in the file */
	size_t omitted;			/* left out: past max_bytes */
	size_t logins;			/* pending logins in the file */
	size_t logins_omitted;		/* left out: past max_bytes or the bound */
	size_t bytes;			/* the file's size */
};

/* Replace dir/name with the table, generation and positions (any text
 * without a NUL); at most max_bytes.  Numbers the entries (hence not
 * const).  0, or -1 with the reason logged (the old file stays). */
int msg_table_save(struct msg_table *t, const char *dir, const char *name, size_t max_bytes,
		   uint64_t generation, const char *positions, struct msg_save_stats *st);
/* Fill the empty table t from dir/name, and its pending logins (those in
 * the slots before are forgotten): 0 with *generation and *positions
 * (malloc'd, NUL-terminated) set; -1 with errno ENOENT when there is no
 * file, else (reason logged) EINVAL when the file is refused, t left empty
 * and without pending logins. */
int msg_table_load(struct msg_table *t, const char *dir, const char *name, size_t max_bytes,
		   uint64_t *generation, char **positions);

/* "postfix" of "postfix/smtpd", bounded copy into dst. */
void msg_instance(char *dst, size_t cap, struct slice program);
/* True when the sender's domain is local (see above). */
bool msg_sender_local(const char *sender, const char *const *local_domains);
const char *msg_status_name(enum msg_status s);
/* "non_delivery", "delay", "delivery_status", "postmaster" (a metric label
 * value and a JSON key); "" for NONE. */
const char *msg_notify_name(enum msg_notify n);

#endif
