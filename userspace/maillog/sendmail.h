/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sendmail.h - recognise Sendmail maillog records by their grammar.
 *
 * sendmail_parse() takes the program name and message text of one syslog
 * line (slices, see syslog.h) and fills one struct postfix_record
 * (postfix.h) with the kinds and fields of Postfix's records, so that the
 * message table (messages.h) and every consumer read both alike.  It
 * accepts a record only from a program named sendmail or sendmail-*,
 * sm-mta, sm-msp-queue or sm-acceptingconnections (FreeBSD logs the
 * daemon under its process title).  Kinds, with the fields they set:
 *
 *   AUTH=server, relay=R, authid=U, mech=M, bits=N              LOGIN
 *        CLIENT_HOST, CLIENT_IP (of R), SASL_USERNAME U, SASL_METHOD M
 *   QID: from=S, size=N, class=N, [pri=N, ]nrcpts=N[, msgid=ID]
 *        [, bodytype=B][, proto=P][, daemon=D], relay=R         QUEUED
 *        FROM S (without <>; present and empty: the null sender), size,
 *        nrcpt, CLIENT_HOST and CLIENT_IP (of R), MESSAGE_ID, PROTO
 *   QID: to=A[,A...], [ctladdr=C, ]delay=T, ..., [relay=R, ]
 *        [dsn=X.Y.Z, ]stat=TEXT                                 DELIVERY
 *        TO (the list; one address without <>), nrcpt (addresses in
 *        TO), RELAY_HOST, RELAY_IP, DSN, STATUS (sent, deferred or
 *        bounced), TEXT
 *   [QID: ]AUTH failure (M): TEXT[, user=U], relay=R            AUTH_FAILED
 *        CLIENT_HOST, CLIENT_IP, SASL_METHOD M, SASL_USERNAME U, TEXT
 *   [QID: ]ruleset=NAME, arg1=A[, arg2=B], relay=R, reject=TEXT REJECT
 *        CLIENT_HOST, CLIENT_IP, TEXT, DSN (of TEXT's "NNN X.Y.Z"), STAGE
 *        RCPT and TO A (check_rcpt), MAIL and FROM A (check_mail),
 *        CONNECT (check_relay)
 *   QID: R: possible SMTP attack: command=CMD, count=N,
 *   QID: R did not issue MAIL/EXPN/VRFY/ETRN during connection to D,
 *   QID: R: (EXPN|VRFY) ARG [rejected],
 *   QID: rejecting commands from HOST [IP] due to pre-greeting traffic
 *        after N seconds                                        EVENT
 *        CLIENT_HOST, CLIENT_IP, STATUS (what, as static text: "possible
 *        SMTP attack" with STAGE CMD and count N, "did not issue MAIL"
 *        with TEXT D, "EXPN" with TEXT ARG, "pre-greeting traffic")
 *   QID: lost input channel from R to D after CMD               LOST
 *        CLIENT_HOST, CLIENT_IP, STATUS "lost input channel", STAGE CMD
 *
 * Other lines of a Sendmail program are IGNORED, lines whose shape is
 * wrong for their kind UNPARSED, lines of other programs FOREIGN.
 *
 * The AUTH=server line has no queue id (Sendmail logs it with NOQID): it
 * belongs to the SMTP session, which one process serves, so format.h
 * joins it by pid to the from= lines of that process; until then it is a
 * pending login, which the message table's snapshot keeps across a
 * restart (messages.h).  A from= line whose
 * relay names no address (relay=user@localhost: a local submission
 * through the MSP) has no client; one with nrcpts=0 (every recipient
 * refused, logged at RSET or QUIT) is IGNORED.  STATUS is static text:
 * stat=Sent... is sent, stat=Deferred... deferred, stat=queued (no
 * attempt yet) IGNORED, any other stat by its dsn's class (2 sent, 4
 * deferred, 5 bounced) and without a dsn bounced ("User unknown").  A to=
 * list names several recipients delivered together: sendmail_next_rcpt()
 * walks it.
 *
 * A relay R is "[ident@]host [IP][ (may be forged)]", "[IP]" or a bare
 * name; IP is its last [...], which must be an address; Sendmail's
 * "IPv6:" prefix is dropped, as Postfix writes none.
 *
 * Structure, not substrings: a from=, to= or ctladdr= address in <...>
 * ends as postfix.h says, so <"x, authid=ceo"@evil> stays one address;
 * the msgid= value (the sender's Message-ID, up to 100 bytes of anything)
 * is followed only by Sendmail's own words, so the from= line's client is
 * the relay after its last ", relay=".  The login name of an AUTH failure
 * runs from the first ", user=" to the last ", relay=" (evidence only:
 * the SASL text before it may repeat the name).  A ruleset's A (the
 * client's address, in <...> as above) comes before R, which holds no
 * ", ", and the reply after it, so R is the first element after A; a name
 * A (check_relay's, from DNS) holds no space, and check_relay's arg2 must
 * be R's address.  An
 * event's R ends at the first ": " or at Sendmail's own words after it.
 * A message holding a NUL
 * byte is UNPARSED.  Zero copy, bounds and truncation as in postfix.h.
 *
 * Limits: the ident part of a relay (RFC 1413, off by default) is written
 * by the client; one holding ", " makes its AUTH=server line UNPARSED.
 */
#ifndef SENTINEL_MAILLOG_SENDMAIL_H
#define SENTINEL_MAILLOG_SENDMAIL_H

#include <stdbool.h>

#include "maillog/postfix.h"
#include "maillog/syslog.h"

bool sendmail_program(struct slice program);

enum postfix_kind sendmail_parse(struct postfix_record *r, struct slice program,
				 struct slice msg);

/* The next recipient of a DELIVERY's TO list into *rcpt (without <>),
 * advancing *list; false at its end or when the list is malformed. */
bool sendmail_next_rcpt(struct slice *list, struct slice *rcpt);

#endif
