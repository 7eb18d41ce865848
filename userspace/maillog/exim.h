/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exim.h - recognise Exim main log records by their grammar.
 *
 * exim_parse() takes the program name and message text of one line and
 * fills one struct postfix_record (postfix.h) with the kinds and fields
 * of Postfix's records, so that the message table (messages.h) and every
 * consumer read both alike.  It accepts a record only from a program
 * named exim or exim4: through syslog (log_file_path = syslog, ident
 * exim), or a line of the mainlog file itself, whose header
 * exim_header() reads (and a syslog line whose time is written as
 * Exim's: "YYYY-MM-DD HH:MM:SS HOST exim[PID]: ", host, program and pid
 * from that tag).  Kinds, with the fields they set:
 *
 *   ID <= S [R=ID] [DS] [H=HOST] [I=..] [TFO*] [U=..] [Ci=..] [P=P]
 *        [L[*|.][-]] [SPF[=..]] [X=..] [CV=..] [DN=".."] [SNI=..]
 *        [A=AUTH[:USER[:..]]] [PRDR] [PRX=..] [K] S=N ...      QUEUED
 *        FROM S (<> is present and empty), size, CLIENT_HOST, HELO,
 *        CLIENT_IP (of H=), LOCAL_USER (of U=, without H= only), PROTO P,
 *        SASL_METHOD AUTH, SASL_USERNAME USER, ORIG_QID (of R=)
 *   ID => A ... / ID -> A ... / ID >> A ...                   DELIVERY sent
 *   ID == A ...                                                DELIVERY deferred
 *   ID ** A ...                                                DELIVERY bounced
 *        TO, ORIG_TO (<..> after it), RELAY_HOST, RELAY_IP, relay_port
 *        (of H= after R= and T=), STATUS, TEXT (a sent one's C="..."
 *        reply, the others' text after ": ")
 *   ID Completed                                               REMOVED
 *   AUTH authenticator failed for [H=]HOST[ I=..][ U=..][ Ci=..]: TEXT
 *        [ (set_id=USER)..]                                    AUTH_FAILED
 *        SASL_METHOD AUTH, CLIENT_HOST, HELO, CLIENT_IP, client_port,
 *        SASL_USERNAME USER, TEXT
 *   ID F=S[ H=..[ ...up to L and SPF as an arrival's]] [temporarily ]
 *        rejected by local_scan(): TEXT                         REJECT
 *   rejections, failed sender verifications, protocol errors, dropped
 *   and closed connections, sessions without MAIL, DNS lookups of a
 *   client ([ID ]H=HOST ... rejected WHAT: TEXT, SMTP ..., no ...):
 *   REJECT, CONNECT or EVENT, as exim_event.c lists them
 *
 * where ID is a message id (6-6-2 characters, or 6-11-4 since Exim 4.97)
 * and HOST is "[name ][(helo) ][IP][:port]".  Ci= is the connection id of
 * log_selector +connection_id (Exim 4.97+): Exim writes it where it
 * describes the client (an arrival, a failed login, a rejection, the
 * SMTP connection lines), never on a delivery (=> -> >> == **: those
 * name the server, not the client); it is read and not kept.  HOST's
 * port is client_port.  An arrival is Exim's only
 * record of a message's client, so its QUEUED record carries the client
 * too; format.h turns it into the CLIENT and QUEUED pair the message table
 * expects.  A local submission (no H=; P=local, local-esmtp, ...) has no
 * client: its U= is the login name of the caller's uid, which Exim looked
 * up when it took the message (or its unknown_login, or a trusted
 * caller's -oMt), and format.h resolves it to the identity uid:N.  After
 * H=, U= is the client's RFC 1413 ident, which the client writes: it is
 * not kept.  Mail that Exim makes about a message ID it delivers (a
 * bounce, a delay warning, a DSN: all written by a child Exim run with
 * -EID, from <>, as "NEWID <= <> R=ID U=Debian-exim P=local S=N"; a Sieve
 * notify from its owner's address) names ID in R=; it is marked
 * mta_bounce when its U= is the Exim user or root (root, Debian-exim,
 * exim, mail or mailnull: exim_user as Debian, Fedora, FreeBSD and Gentoo
 * build it) and gets no identity of its own: format.h links one from <>
 * to ID's identity as a notification, as Postfix's bounces are.  Any
 * caller may run Exim with -EID and -f <>: from another user the arrival
 * is that user's mail (uid:N), R= or not.  R= must be a message id, else
 * the line is UNPARSED.  Other lines of Exim are IGNORED, lines
 * whose shape is wrong for their kind UNPARSED, other programs FOREIGN.
 * Before the message id a syslog line may hold Exim's own timestamp, a
 * "[pid]" and a "[n/m]" part marker of a line split for syslog: a first
 * part is read, later parts are IGNORED.
 *
 * Structure, not substrings: an arrival is read field by field up to S=,
 * each field in its place in Exim's order and at most once, else the line
 * is UNPARSED; what follows S= (id=, T="subject", for ...) is written by
 * the sender and never read.  The sender is an address as Exim keeps it:
 * a quoted local part keeps its quotes (a backslash escapes), so
 * <= "x A=plain:ceo"@evil.test is one sender, and the HELO in H= holds
 * no space, '(' or ')'.  Exim refuses such a HELO unless
 * helo_accept_junk_hosts says otherwise; for those hosts a HELO such as
 * "a) [IP] P=esmtpa A=plain:USER S=1 x" reads as that client IP and
 * login (arrivals, failed logins, rejections alike): the HELO's end
 * cannot be told from the text, so their lines are not evidence.  In
 * a delivery, the recipient's local part is logged unquoted and may hold
 * anything, so the relay is taken from the one " R=WORD[ T=WORD]..." from
 * which the fields parse; when several do, none is (the kind and status
 * never depend on it).  The failed login name runs from the first
 * " (set_id=" to the last ')' that ends the text or precedes ": ".  A
 * message holding a NUL byte is UNPARSED.  Zero copy, bounds and
 * truncation as in postfix.h.
 *
 * Limits: with the non-default log selector tls_peerdn or an ident
 * (RFC 1413) lookup, a client's certificate DN or ident is written
 * before A= and could hold text that reads as fields.  The SNI name
 * (tls_sni) is one word: Exim 4.95+ escapes its spaces; 4.94 and earlier
 * quote it without escaping a '"' in it, so a quoted one is taken only
 * when it is one word and the fields do not parse from any later '"'
 * followed by a space (where a client's SNI holding `" ` would have it
 * end): else the line is UNPARSED.  Exim's received_recipients are not
 * read: nrcpt is -1.
 */
#ifndef SENTINEL_MAILLOG_EXIM_H
#define SENTINEL_MAILLOG_EXIM_H

#include <stdbool.h>
#include <stddef.h>

#include "maillog/postfix.h"
#include "maillog/syslog.h"

bool exim_program(struct slice program);

/* A mainlog line: "YYYY-MM-DD HH:MM:SS[.fff][ +hhmm] [[pid] ]MESSAGE",
 * local time unless the zone is given.  Fills out as syslog_parse() does,
 * with an empty host and the program "exim" (or HOST, exim or exim4 and
 * PID of a "HOST exim[PID]: " after the time); SYSLOG_UNPARSED
 * otherwise. */
int exim_header(struct syslog_line *out, const char *line, size_t len);

enum postfix_kind exim_parse(struct postfix_record *r, struct slice program,
			     struct slice msg);

#endif
