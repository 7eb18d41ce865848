// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exim_event.c - Exim's lines about an SMTP client (exim.h, exim_int.h).
 *
 * CLIENT is host_and_ident()'s HOST[ I=[IP]:PORT][ U=IDENT][ Ci=ID]
 * (exim_client()), HOST "[name ][(helo) ][IP][:port]"; the client's
 * fields are CLIENT_HOST, HELO, CLIENT_IP and client_port.  As smtp_in.c,
 * verify.c and host.c write them (Exim 4.9x; older forms where said):
 *
 *   H=CLIENT[ X=..][ CV=..][ DN=".."][ SNI=..][ F=<S>[ A=M[:U]]]
 *     [ SPF[=..]][ DMARC[=..]] [temporarily ]rejected WHAT[: TEXT]  REJECT
 *     (also U=IDENT instead of H=CLIENT: a local SMTP session, no
 *     client; F=S unbracketed before 4.7x).  STAGE is WHAT's first word
 *     ("RCPT", "MAIL", "DATA", "after DATA", "connect", ...); after RCPT
 *     or MAIL a <ADDRESS> followed by ':' or the end is TO or FROM (the
 *     sender's own F=<S> first) and TEXT what follows ": "; else TEXT
 *     is all of WHAT[: TEXT].  A=M[:U] is SASL_METHOD and SASL_USERNAME.
 *   H=CLIENT sender verify (fail|defer) for <S>[: TEXT]         EVENT
 *   SMTP (protocol|syntax) error in "CMD" H=CLIENT TEXT          EVENT
 *   SMTP protocol synchronization error (...): rejected connection
 *     from H=CLIENT input="..."                                   EVENT
 *   SMTP protocol synchronization error (...): rejected "CMD"
 *     H=CLIENT next input="..."                                   EVENT
 *   SMTP call from CLIENT dropped: TEXT                           EVENT
 *   no MAIL in [TFO[*] ]SMTP connection from CLIENT D=TEXT        EVENT
 *   SMTP connection[ Ci=ID] from CLIENT[ D=T] closed TEXT         EVENT
 *   SMTP connection from CLIENT (TCP/IP connection count = N)     CONNECT
 *   no host name found for IP address IP                          EVENT
 *   no IP address found for host NAME (during SMTP connection
 *     from CLIENT)                                                EVENT
 *
 * EVENT's STATUS says which ("sender verify fail", "SMTP protocol
 * error", "synchronization error", "dropped", "no MAIL", "closed", "no
 * host name found", "no IP address found"), TEXT the rest as Exim wrote
 * it, FROM the sender a verification failed for.  Any of them may follow
 * a message id ("ID H=... rejected after DATA: ..."): QID.
 *
 * Structure: the client comes first, or after fixed text, and is read
 * field by field (exim_client()); what the client wrote (a command, its
 * argument in WHAT, the TEXT) comes after it and is never searched for
 * fields.  The exception is CMD, which Exim 4.97 and earlier wrote
 * between quotes it did not escape: every " H=" after the opening quote
 * is tried, and the client is taken only when exactly one parses;
 * otherwise, or when there are more than EXIM_ANCHOR_TRIES of them (the
 * real one could be among those not tried), the line is an EVENT
 * without one.  A rejection's quoted SNI (4.94 and earlier, its quotes
 * not escaped either) is taken only when the rejection does not parse
 * from a later '"' followed by a space too; else the line is UNPARSED.
 * Other lines are IGNORED (fields but QID reset, c unmoved).
 */
#include <stdbool.h>
#include <string.h>

#include "maillog/exim_int.h"

/* " H=" positions tried after a command the client wrote */
#define EXIM_ANCHOR_TRIES 8

static void set(struct postfix_record *r, enum postfix_field f, const char *s)
{
	cur_set(r, f, s, strlen(s));
}

/* One word: up to a space or the end; at least one byte. */
static bool token(struct cur *c, const char **v, size_t *n)
{
	return upto(c, ' ', v, n);
}

static void rest(struct cur *c, struct postfix_record *r, enum postfix_field f)
{
	if (!done(c))
		cur_set(r, f, c->p, (size_t)(c->end - c->p));
	c->p = c->end;
}

static enum postfix_kind p_reject(struct cur *c, struct postfix_record *r);

/* The fields of a rejection after its SNI, up to "rejected". */
static bool reject_sender(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (lit(c, " F=")) {
		if (has(c, "<") ? !angle(c, ' ', &v, &n) : !token(c, &v, &n))
			return false;
		cur_set(r, POSTFIX_F_FROM, v, n);
		if (lit(c, " A=")) {
			if (!token(c, &v, &n))
				return false;
			exim_auth(r, v, n);
		}
	}
	if ((lit(c, " SPF=") && !token(c, &v, &n)) || (lit(c, " DMARC=") && !token(c, &v, &n)))
		return false;
	return true;
}

/* A rejection's fields from u (an SNI's possible end, exim_sni_ends_here()):
 * the rejection parses. */
static bool reject_parses(struct cur *u, struct postfix_record *t)
{
	return reject_sender(u, t) && p_reject(u, t) == POSTFIX_REJECT;
}

/* The fields a rejection has between its client and "rejected". */
static bool reject_fields(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (lit(c, " X=") && !token(c, &v, &n))
		return false;
	if (lit(c, " CV=") && !token(c, &v, &n))
		return false;
	if (lit(c, " DN=\"") && !exim_quoted(c))
		return false;
	if (lit(c, " SNI=") &&
	    (!token(c, &v, &n) ||
	     (v[0] == '"' && (n < 2 || v[n - 1] != '"' ||
			      !exim_sni_ends_here(c, r, reject_parses)))))
		return false;
	return reject_sender(c, r);
}

/* [temporarily ]rejected WHAT[: TEXT], after the fields */
static enum postfix_kind p_reject(struct cur *c, struct postfix_record *r)
{
	const char *v, *what;
	size_t n;

	if (!lit(c, " rejected ") && !lit(c, " temporarily rejected "))
		return POSTFIX_IGNORED;		/* an ACL's warn or logwrite */
	what = c->p;
	if (!upto2(c, ' ', ':', &v, &n))
		return POSTFIX_UNPARSED;
	if (n == 5 && memcmp(v, "after", 5) == 0 && lit(c, " ")) {
		upto2(c, ' ', ':', &v, &n);
		n = (size_t)(c->p - what);
		v = what;
	}
	cur_set(r, POSTFIX_F_STAGE, v, n);
	if (((n == 4 && memcmp(v, "RCPT", 4) == 0) || (n == 4 && memcmp(v, "MAIL", 4) == 0)) &&
	    lit(c, " ") && angle(c, ':', &v, &n)) {
		if (what[0] == 'R')
			cur_set(r, POSTFIX_F_TO, v, n);
		else if (!postfix_has(r, POSTFIX_F_FROM))
			cur_set(r, POSTFIX_F_FROM, v, n);
		if (lit(c, ": "))
			rest(c, r, POSTFIX_F_TEXT);
		return done(c) ? POSTFIX_REJECT : POSTFIX_UNPARSED;
	}
	c->p = what;
	rest(c, r, POSTFIX_F_TEXT);
	return POSTFIX_REJECT;
}

/* H=CLIENT sender verify (fail|defer) for <S>[: TEXT] (after CLIENT) */
static enum postfix_kind p_verify(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (lit(c, " sender verify fail for "))
		set(r, POSTFIX_F_STATUS, "sender verify fail");
	else if (lit(c, " sender verify defer for "))
		set(r, POSTFIX_F_STATUS, "sender verify defer");
	else
		return POSTFIX_UNPARSED;
	if (!angle(c, ':', &v, &n))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_FROM, v, n);
	if (lit(c, ": "))
		rest(c, r, POSTFIX_F_TEXT);
	return done(c) ? POSTFIX_EVENT : POSTFIX_UNPARSED;
}

/* H=CLIENT ... or U=IDENT ...: a rejection or a failed verification */
static enum postfix_kind p_host_line(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (lit(c, "U=")) {
		/* no host: a local SMTP session (exim -bs) */
		if (!upto2(c, ' ', ':', &v, &n))
			return POSTFIX_UNPARSED;
		if (has(c, " Ci=")) {
			c->p++;
			if (!exim_conn_id(c))
				return POSTFIX_UNPARSED;
		}
	} else if (!lit(c, "H=") || !exim_client(c, r)) {
		return POSTFIX_UNPARSED;
	}
	if (has(c, " sender verify "))
		return p_verify(c, r);
	if (!reject_fields(c, r))
		return POSTFIX_UNPARSED;
	return p_reject(c, r);
}

/* CLIENT at c, then exactly the text lit (n bytes) */
static bool client_then(struct cur *c, struct postfix_record *r, const char *lit_, size_t n)
{
	if (!exim_client(c, r) || !has_n(c, lit_, n))
		return false;
	c->p += n;
	return true;
}

/* "CMD" H=CLIENT then `after` (n bytes): c at the opening quote.  The
 * client only when one " H=" after it parses (see the top). */
static void quoted_then_client(struct cur *c, struct postfix_record *r, const char *after,
			       size_t n)
{
	struct postfix_record t;
	const char *p, *found = NULL;
	int tries = 0, hits = 0;

	for (p = c->p + 1; (p = memmem(p, (size_t)(c->end - p), "\" H=", 4)) != NULL;
	     p++, tries++) {
		struct cur u = { p + 4, c->end };

		if (tries == EXIM_ANCHOR_TRIES)
			return;		/* the real one may be among those not tried */
		cur_reset(&t);
		if (client_then(&u, &t, after, n) && hits++ == 0)
			found = p;
	}
	if (hits == 1) {
		struct cur u = { found + 4, c->end };

		client_then(&u, r, after, n);
		*c = u;
	}
}

/* "SMTP ..." lines */
static enum postfix_kind p_smtp(struct cur *c, struct postfix_record *r)
{
	static const char sync[] = "SMTP protocol synchronization error (";

	if (has(c, "SMTP protocol error in \"") || has(c, "SMTP syntax error in \"")) {
		bool protocol = c->p[5] == 'p';

		set(r, POSTFIX_F_STATUS, protocol ? "SMTP protocol error" : "SMTP syntax error");
		c->p += protocol ? 23 : 21;	/* at the quote */
		quoted_then_client(c, r, " ", 1);
		if (postfix_has(r, POSTFIX_F_CLIENT_IP))
			rest(c, r, POSTFIX_F_TEXT);
		return POSTFIX_EVENT;
	}
	if (has(c, sync)) {
		static const char conn[] = "): rejected connection from H=",
				  cmd[] = "): rejected \"";
		const char *p = memmem(c->p, (size_t)(c->end - c->p), "): rejected ", 12);

		if (!p)
			return POSTFIX_UNPARSED;
		set(r, POSTFIX_F_STATUS, "synchronization error");
		c->p = p;
		if (lit(c, conn)) {
			if (!client_then(c, r, " input=", 7))
				return POSTFIX_UNPARSED;
		} else if (has(c, cmd)) {
			c->p += sizeof(cmd) - 2;
			quoted_then_client(c, r, " next input=", 12);
		}
		c->p = c->end;
		return POSTFIX_EVENT;
	}
	if (lit(c, "SMTP call from ")) {
		if (!client_then(c, r, " dropped: ", 10))
			return POSTFIX_IGNORED;		/* a local session's ident */
		set(r, POSTFIX_F_STATUS, "dropped");
		rest(c, r, POSTFIX_F_TEXT);
		return POSTFIX_EVENT;
	}
	if (lit(c, "SMTP connection ")) {
		if (has(c, "Ci=")) {
			if (!exim_conn_id(c) || !lit(c, " "))
				return POSTFIX_UNPARSED;
		}
		if (!lit(c, "from ") || !exim_client(c, r))
			return POSTFIX_IGNORED;		/* (via inetd), NULL, ... */
		if (lit(c, " (TCP/IP connection count = ")) {
			if (!number(c, &r->count) || !lit(c, ")") || !done(c))
				return POSTFIX_UNPARSED;
			return POSTFIX_CONNECT;
		}
		if (lit(c, " D=")) {
			const char *v;
			size_t n;

			if (!token(c, &v, &n))
				return POSTFIX_UNPARSED;
		}
		if (!lit(c, " closed "))
			return POSTFIX_IGNORED;		/* lost, refused, ... */
		set(r, POSTFIX_F_STATUS, "closed");
		rest(c, r, POSTFIX_F_TEXT);
		return POSTFIX_EVENT;
	}
	return POSTFIX_IGNORED;
}

static enum postfix_kind p_no(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (lit(c, "no MAIL in ")) {
		if (!lit(c, "TFO* "))
			lit(c, "TFO ");
		if (!lit(c, "SMTP connection from ") || !client_then(c, r, " D=", 3))
			return POSTFIX_IGNORED;		/* a local session's ident */
		set(r, POSTFIX_F_STATUS, "no MAIL");
		c->p -= 2;
		rest(c, r, POSTFIX_F_TEXT);
		return POSTFIX_EVENT;
	}
	if (lit(c, "no host name found for IP address ")) {
		if (!token(c, &v, &n) || !done(c) || !ip_text(v, n))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_CLIENT_IP, v, n);
		set(r, POSTFIX_F_STATUS, "no host name found");
		return POSTFIX_EVENT;
	}
	if (lit(c, "no IP address found for host ")) {
		if (!token(c, &v, &n))
			return POSTFIX_UNPARSED;
		set(r, POSTFIX_F_STATUS, "no IP address found");
		cur_set(r, POSTFIX_F_TEXT, v, n);
		if (done(c))
			return POSTFIX_EVENT;		/* not during a connection */
		if (!lit(c, " (during SMTP connection from ") || !client_then(c, r, ")", 1) ||
		    !done(c))
			return POSTFIX_UNPARSED;
		return POSTFIX_EVENT;
	}
	return POSTFIX_IGNORED;
}

enum postfix_kind exim_p_client_event(struct cur *c, struct postfix_record *r)
{
	struct cur start = *c;
	enum postfix_kind k = POSTFIX_IGNORED;

	if (has(c, "H=") || has(c, "U="))
		k = p_host_line(c, r);
	else if (has(c, "SMTP "))
		k = p_smtp(c, r);
	else if (has(c, "no "))
		k = p_no(c, r);
	if (k == POSTFIX_IGNORED) {
		*c = start;
		r->present &= 1u << POSTFIX_F_QID;
		r->client_port = r->count = -1;
	}
	return k;
}
