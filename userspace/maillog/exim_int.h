/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exim_int.h - what the Exim grammar's files share (not an interface).
 *
 *   exim.c        the mainlog header, the message records (arrivals,
 *                 deliveries, Completed), failed logins, the dispatch
 *   exim_event.c  the lines about an SMTP client without a message of
 *                 its own: rejections (REJECT), connections (CONNECT) and
 *                 the rest (EVENT)
 *
 *   exim_hostinfo(c, r)   "[name ][(helo) ][IP][:port]" into CLIENT_HOST,
 *                         HELO, CLIENT_IP and client_port
 *   exim_bracket_ip(..)   "[IP]" with an optional ":port"
 *   exim_conn_id(c)       "Ci=ID" (log_selector +connection_id)
 *   exim_client(c, r)     host_and_ident()'s HOST[ I=[IP]:PORT][ U=IDENT]
 *                         [ Ci=ID]: the client, its interface, its ident
 *                         (RFC 1413, the client's own word: not kept)
 *   exim_quoted(c)        the rest of a "..." value whose quote was read
 *   exim_auth(r, v, n)    A='s AUTHENTICATOR[:ID[:AUTH-SENDER]] into
 *                         SASL_METHOD and SASL_USERNAME
 *   exim_sni_ends_here(c, r, parses)
 *                         c after a quoted SNI (4.94 and earlier: its
 *                         quotes not escaped) whose token ends in '"':
 *                         true when parses() fails from every later '"'
 *                         followed by a space, where a client's SNI
 *                         holding `" ` would end (at most
 *                         EXIM_SNI_TRIES of them; more: false)
 *   exim_p_client_event(c, r)
 *                         the lines of exim_event.c; IGNORED otherwise,
 *                         with c unmoved and every field but QID reset
 */
#ifndef SENTINEL_MAILLOG_EXIM_INT_H
#define SENTINEL_MAILLOG_EXIM_INT_H

#include <stdbool.h>

#include "maillog/cursor.h"
#include "maillog/postfix.h"

#define EXIM_SNI_TRIES 8

bool exim_hostinfo(struct cur *c, struct postfix_record *r);
bool exim_bracket_ip(struct cur *c, struct slice *ip, long *port);
bool exim_conn_id(struct cur *c);
bool exim_client(struct cur *c, struct postfix_record *r);
bool exim_quoted(struct cur *c);
void exim_auth(struct postfix_record *r, const char *v, size_t n);
bool exim_sni_ends_here(const struct cur *c, const struct postfix_record *r,
			bool (*parses)(struct cur *u, struct postfix_record *t));
enum postfix_kind exim_p_client_event(struct cur *c, struct postfix_record *r);

#endif
