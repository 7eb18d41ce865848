/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * format.h - one maillog reader for Postfix, Sendmail and Exim.
 *
 * Reading a line is two steps, so that the first can run on any thread
 * and the second in input order (sentinel-report parses on two threads):
 *
 * maillog_header() splits a line into header and message: syslog_parse()
 * (syslog.h), or for Exim (format auto or exim) a line of Exim's own
 * mainlog file, which has no syslog header (exim_header(), exim.h).
 * maillog_parse() recognises the message: with format auto by its
 * program, Postfix's (syslog_names) to postfix_parse(), Sendmail's to
 * sendmail_parse(), Exim's to exim_parse(); a forced format reads only
 * its own programs, the others are FOREIGN.  Both are pure: all state is
 * the caller's line and record (and syslog_parse()'s per-thread caches).
 *
 * maillog_feed() then hands the records of one parsed line, in input
 * order, to a callback (emit) that gives each to msg_table_record()
 * (messages.h) and counts it.  Postfix records pass unchanged; the
 * others become what the message table expects of Postfix:
 *
 *   A QUEUED record that carries its client (CLIENT_IP or SASL_USERNAME:
 *   Exim's "<=", Sendmail's from=; Postfix's qmgr line never does) is
 *   emitted as two records, a CLIENT copy of it and then itself: the
 *   CLIENT gives the message its identity (sasl:USER, else client:IP),
 *   the QUEUED accepts it, exactly as smtpd's client= and qmgr's from=
 *   lines do.  The record stays one per line from the parsers (and in
 *   --explain), the table and its callers stay as they were.
 *
 *   A QUEUED record without client or login that names a local user
 *   (LOCAL_USER: Exim's U= of an arrival without H=) is emitted after a
 *   PICKUP copy of it with that user's uid, as pickup's uid= line does:
 *   the identity is uid:N.  The name is resolved with getpwnam_r() on this
 *   host (USER_CACHE answers, found or not, kept USER_CACHE_TTL seconds):
 *   Exim logs the login of the caller's uid, looked up when it took the
 *   message.  When this host has no such user, a name that is a number
 *   (Exim's unknown_login = $caller_uid) is that uid; any other, or a name
 *   outside the login name set (letters, digits, . _ - @, a final $, no
 *   leading -), gives the message no identity (counted, logged hourly):
 *   a guess (another host's uid, or one made-up form) would count one
 *   user's mail under another's name.  Nothing is emitted for a local
 *   submission that names no one (Sendmail's MSP).
 *
 *   Exim's own mail from <> about a message (an arrival with R=ORIG from
 *   the Exim user: mta_bounce, exim.h) is a bounce, a delay warning or a
 *   DSN that Exim made: it is emitted after a NOTIFY copy of it, ORIG's
 *   "sender KIND notification: ID" as Postfix's bounce daemon logs it, so
 *   that the table links ID to ORIG's identity as it links Postfix's.
 *   Exim logs no kind, nor an own line for a delay warning: the kind is
 *   read from ORIG's deliveries in the table so far: any bounced or
 *   expired, non-delivery; else any deferred, delay; else any sent,
 *   delivery status (a DSN of success); none known, non-delivery.  A
 *   notification about a notification (a bounce of a bounce, sent to an
 *   errors_to or freeze_tell address) goes to the postmaster.  Limit: a
 *   delay warning after a bounce of the same message, or a DSN of success
 *   in the delivery run that bounced, reads as non-delivery: Exim's
 *   bounce of a run is logged after its DSN, its delay warning after its
 *   bounce, and the counts cannot tell the runs apart; an autoreply of a
 *   transport run as the Exim user is a notification too.
 *
 *   A LOGIN record (Sendmail's AUTH=server, no queue id) is remembered as
 *   the session of its program and pid; a later Sendmail QUEUED record of
 *   that program and pid from the same client IP, within SESSION_MAX_AGE
 *   seconds of log time, takes its login name and method: Sendmail logs
 *   the login once per connection, the from= line once per message.
 *   The LOGIN record is emitted too (the message table ignores it).
 *
 *   A Sendmail DELIVERY names every recipient delivered together: it is
 *   emitted once per recipient, as Postfix logs them.  When a message's
 *   sent, bounced and expired deliveries reach its nrcpts, a REMOVED
 *   record is emitted after them: Sendmail logs no removal, and the table
 *   releases and expires a message only after one.
 *
 * emit must record each record in the table given to maillog_feed_new()
 * (if any) before it returns: the feed reads the table back.  Records
 * built by the feed point into the line, static text or the feed's own
 * session table; they are valid during the emit call only.
 *
 * The sessions are the pending logins of the message table's snapshot
 * (messages.h): maillog_feed_new(t) lends them to t, so a stop between a
 * session's AUTH=server line and its from= line keeps the login, and
 * maillog_feed_free() takes them back (call it before msg_table_free(t)).
 *
 * Bounds: FEED_SESSIONS sessions, in sets of 4 by pid; a new one replaces
 * the oldest of its set (counted).  USER_CACHE login names.  Limits: a
 * session is joined by pid and client IP, so a pid reused by a later
 * connection from the same IP within SESSION_MAX_AGE would lend it the
 * login (Sendmail does not log the end of a session); messages sent over
 * a second connection of one process are not joined.  A login name is
 * resolved where the log is read: sentinel-report on another host's log
 * counts a user under the uid that name has here, if it has one.  A
 * lookup runs in the caller's thread: with a remote passwd source (LDAP,
 * sssd) a miss may block it as long as that source's timeout.
 */
#ifndef SENTINEL_MAILLOG_FORMAT_H
#define SENTINEL_MAILLOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"

#define FEED_SESSIONS 1024
#define SESSION_MAX_AGE 3600
#define USER_CACHE 64
#define USER_CACHE_TTL 300

enum maillog_format { MAILLOG_AUTO, MAILLOG_POSTFIX, MAILLOG_SENDMAIL, MAILLOG_EXIM };

/* "auto", "postfix", "sendmail" or "exim"; false for anything else. */
bool maillog_format_parse(const char *name, enum maillog_format *out);
const char *maillog_format_name(enum maillog_format f);

int maillog_header(struct syslog_line *out, const char *line, size_t len, time_t ref,
		   enum maillog_format f);
enum postfix_kind maillog_parse(struct postfix_record *r, enum maillog_format f,
				const struct syslog_line *sl, const char *const *syslog_names);

typedef void maillog_emit_fn(const struct syslog_line *sl, const struct postfix_record *r,
			     void *arg);

struct maillog_feed_stats {
	uint64_t sessions;		/* LOGIN records remembered */
	uint64_t session_evictions;	/* sessions replaced before they aged */
	uint64_t joined;		/* messages that took a session's login */
	uint64_t removals;		/* REMOVED records made for Sendmail */
	uint64_t local_uids;		/* local submissions given uid:N */
	uint64_t unknown_users;		/* local submissions left without identity */
	uint64_t user_lookups;		/* getpwnam_r() calls (cache misses) */
	uint64_t notifications;		/* NOTIFY records made for Exim */
};

struct maillog_feed;

/* t may be NULL: then no REMOVED record is made. */
struct maillog_feed *maillog_feed_new(struct msg_table *t);
void maillog_feed_free(struct maillog_feed *f);
void maillog_feed(struct maillog_feed *f, const struct syslog_line *sl,
		  const struct postfix_record *r, maillog_emit_fn *emit, void *arg);
void maillog_feed_stats(const struct maillog_feed *f, struct maillog_feed_stats *out);

#endif
