/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * postfix_int.h - what the Postfix grammar's files share (not an interface).
 *
 *   postfix.c         the record kinds, the dispatch by service
 *   postfix_reject.c  the reject-tail grammar: reject:, milter-reject:,
 *                     smtpd's other access actions
 *   postfix_event.c   the records about a peer: SMTP_ERROR and EVENT
 *
 *   namaddr(c, r, h, i)  HOST[IP] into fields h and i
 *   client(c, r)         a client's HOST[IP][:PORT] or postscreen's [IP]:PORT
 *   elem_name(c)         NAME= of a list element (lower case, digits, _ -)
 *   skip_elem(c, sep)    an element NAME=VALUE this parser does not know
 *   p_reject(..)         STAGE from CLIENT: REPLY; TAIL (after "reject: ")
 *   p_action(..)         smtpd's ACTION: STAGE from ...; IGNORED otherwise
 *   p_proxy(..)          smtpd's proxy-(accept|reject): STAGE: ...; IGNORED
 *                        otherwise
 *   p_cleanup_action(..) cleanup's header/body check actions (CONTENT_CHECK),
 *                        milter-reject:, milter-hold:, milter-discard:,
 *                        3.10's removed (REASON); IGNORED otherwise
 *   p_smtp_error(..)     the smtp client's trouble after "QID: "
 *   p_smtp_peer(..)      its lines about a server without a queue id
 *   p_smtpd_event(..), p_smtpd_warning(..) (after "warning: "),
 *   p_postscreen_event(..), p_dnsblog(..), p_anvil(..)
 *                        EVENT; all IGNORED (nothing consumed) otherwise
 *
 * namaddr() and client() are inline: they run on most lines (a call
 * costs about 10 M instructions per 32 MB of log).
 */
#ifndef SENTINEL_MAILLOG_POSTFIX_INT_H
#define SENTINEL_MAILLOG_POSTFIX_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "maillog/cursor.h"
#include "maillog/postfix.h"

/* HOST[IP] into the given fields; a host holds no '[' (Postfix checks it). */
static inline __attribute__((always_inline)) bool namaddr(struct cur *c,
							struct postfix_record *r,
							enum postfix_field host,
							enum postfix_field ip)
{
	const char *h, *a;
	size_t hn, an;

	if (!upto2(c, '[', ' ', &h, &hn) || !lit(c, "[") ||
	    !upto2(c, ']', ' ', &a, &an) || !lit(c, "]"))
		return false;
	cur_set(r, host, h, hn);
	cur_set(r, ip, a, an);
	return true;
}

/* A client's HOST[IP][:PORT] (smtpd_client_port_logging); postscreen
 * writes [IP]:PORT, without a host. */
static inline __attribute__((always_inline)) bool client(struct cur *c,
						       struct postfix_record *r)
{
	if (has(c, "[")) {
		const char *a;
		size_t an;

		c->p++;
		if (!upto2(c, ']', ' ', &a, &an) || !lit(c, "]"))
			return false;
		cur_set(r, POSTFIX_F_CLIENT_IP, a, an);
	} else if (!namaddr(c, r, POSTFIX_F_CLIENT_HOST, POSTFIX_F_CLIENT_IP)) {
		return false;
	}
	if (has(c, ":") && c->end - c->p > 1 && c->p[1] >= '0' && c->p[1] <= '9') {
		c->p++;
		return number(c, &r->client_port);
	}
	return true;
}

/* Lower-case letters, digits, '_' and '-' up to '=': an element's name,
 * consumed with its '='.  false (nothing consumed) for anything else. */
static inline bool elem_name(struct cur *c)
{
	const char *p = c->p;

	while (p < c->end && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			      *p == '_' || *p == '-'))
		p++;
	if (p == c->p || p >= c->end || *p != '=')
		return false;
	c->p = p + 1;
	return true;
}

/* An element this parser does not know, NAME=VALUE, skipped: VALUE in
 * <...> ends as angle() says (then at sep or the end), else at sep (a
 * ", " list: plain()) or the end. */
static inline bool skip_elem(struct cur *c, char sep)
{
	const char *v;
	size_t n;

	if (!elem_name(c))
		return false;
	if (has(c, "<"))
		return angle(c, sep, &v, &n);
	if (sep == ',') {
		plain(c, &v, &n);
		return true;
	}
	c->p = find1(c->p, c->end, sep);
	return true;
}

enum postfix_kind p_reject(struct cur *c, struct postfix_record *r, enum postfix_kind kind,
			   bool commas);
enum postfix_kind p_action(struct cur *c, struct postfix_record *r);
enum postfix_kind p_proxy(struct cur *c, struct postfix_record *r);
enum postfix_kind p_cleanup_action(struct cur *c, struct postfix_record *r);
enum postfix_kind p_smtp_error(struct cur *c, struct postfix_record *r);
enum postfix_kind p_smtp_peer(struct cur *c, struct postfix_record *r);
enum postfix_kind p_smtpd_event(struct cur *c, struct postfix_record *r);
enum postfix_kind p_smtpd_warning(struct cur *c, struct postfix_record *r);
enum postfix_kind p_postscreen_event(struct cur *c, struct postfix_record *r);
enum postfix_kind p_dnsblog(struct cur *c, struct postfix_record *r);
enum postfix_kind p_anvil(struct cur *c, struct postfix_record *r);

#endif
