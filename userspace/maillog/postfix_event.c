// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postfix_event.c - the Postfix records about a peer rather than a message
 * (see postfix.h): the smtp/lmtp client's trouble with a server
 * (SMTP_ERROR), and EVENT: smtpd's info lines and warnings about a client,
 * postscreen's verdicts, dnsblog's listings, anvil's statistics, the smtp
 * client's PIX workarounds.  Rules over a cursor as in postfix.c, with its
 * helpers (postfix_int.h).  These lines are rare: postfix.c tries them
 * after its hot rules (client=, to=, ...) and a queue id's test, and they
 * live here, out of parse()'s way.
 */
#include <stdbool.h>
#include <string.h>

#include "maillog/cursor.h"
#include "maillog/postfix.h"
#include "maillog/postfix_int.h"

/* STATUS is the static text s (what happened), TEXT the rest of c. */
static void happened(struct cur *c, struct postfix_record *r, const char *s)
{
	cur_set(r, POSTFIX_F_STATUS, s, strlen(s));
	cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
}

/* A server's reply to the end: TEXT, without smtp_trouble.c's
 * " (in reply to STAGE command)", whose STAGE goes to STAGE. */
static void reply(struct cur *c, struct postfix_record *r)
{
	static const char in[] = " (in reply to ", cmd[] = " command)";
	const char *p = c->end - (sizeof(cmd) - 1), *t = c->p;

	cur_set(r, POSTFIX_F_TEXT, t, (size_t)(c->end - t));
	if (p - t < (long)(sizeof(in) - 1) || memcmp(p, cmd, sizeof(cmd) - 1) != 0)
		return;
	/* the reply is the server's: its last " (in reply to " is Postfix's */
	for (const char *q = p - (sizeof(in) - 1); q >= t; q--) {
		if (memcmp(q, in, sizeof(in) - 1) != 0)
			continue;
		cur_set(r, POSTFIX_F_TEXT, t, (size_t)(q - t));
		cur_set(r, POSTFIX_F_STAGE, q + sizeof(in) - 1, (size_t)(p - q - (sizeof(in) - 1)));
		return;
	}
}

/* smtp_proto.c: enabling PIX workarounds: WHAT for HOST[IP]:PORT, an
 * EVENT (STATUS "PIX workarounds", TEXT WHAT) of the queue id's delivery */
static enum postfix_kind p_pix(struct cur *c, struct postfix_record *r)
{
	const char *what = c->p, *p;

	p = memmem(c->p, (size_t)(c->end - c->p), " for ", 5);
	if (!p || p == what)
		return POSTFIX_UNPARSED;
	c->p = p + 5;
	if (!namaddr(c, r, POSTFIX_F_RELAY_HOST, POSTFIX_F_RELAY_IP) ||
	    (lit(c, ":") && !number(c, &r->relay_port)) || !done(c))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_STATUS, "PIX workarounds", sizeof("PIX workarounds") - 1);
	cur_set(r, POSTFIX_F_TEXT, what, (size_t)(p - what));
	return POSTFIX_EVENT;
}

/* The smtp/lmtp client's trouble with a server, as smtp_trouble.c,
 * smtp_proto.c and smtp_sasl_glue.c word it after "QID: ": host HOST[IP]
 * (refused to talk to me|said): .., lost connection with HOST[IP] while
 * .., conversation with HOST[IP] timed out while .., SASL authentication
 * failed; (server HOST[IP] said|cannot authenticate to server HOST[IP]): ..
 * (smtp_sasl_glue.c); enabling PIX workarounds: an EVENT. */
enum postfix_kind p_smtp_error(struct cur *c, struct postfix_record *r)
{
	static const struct { const char *pre, *post, *what; bool reply; } form[] = {
		{ "host ", " said: ", "said", true },
		{ "host ", " refused to talk to me: ", "refused to talk to me", true },
		{ "SASL authentication failed; server ", " said: ",
		  "SASL authentication failed", true },
		{ "SASL authentication failed; cannot authenticate to server ", ": ",
		  "SASL authentication failed", false },
		{ "lost connection with ", " while ", "lost connection", false },
		{ "conversation with ", " timed out while ", "timed out", false },
	};
	const char *start = c->p;

	if (lit(c, "enabling PIX workarounds: "))
		return p_pix(c, r);
	for (size_t i = 0; i < sizeof(form) / sizeof(form[0]); i++) {
		if (lit_n(c, form[i].pre, strlen(form[i].pre)) &&
		    namaddr(c, r, POSTFIX_F_RELAY_HOST, POSTFIX_F_RELAY_IP) &&
		    lit_n(c, form[i].post, strlen(form[i].post)) && !done(c)) {
			happened(c, r, form[i].what);
			if (form[i].reply)
				reply(c, r);
			return POSTFIX_SMTP_ERROR;
		}
		c->p = start;
		r->present &= ~(1u << POSTFIX_F_RELAY_HOST | 1u << POSTFIX_F_RELAY_IP);
	}
	return POSTFIX_IGNORED;
}

/* The smtp client's lines about a server without a queue id
 * (smtp_connect.c, tls_client.c, tls_verify.c): connect to
 * HOST[IP][:PORT]: TEXT, SSL_connect error to .., [server ]certificate
 * verification failed for ..; IGNORED (nothing consumed) otherwise. */
enum postfix_kind p_smtp_peer(struct cur *c, struct postfix_record *r)
{
	static const struct { const char *s, *what; } pre[] = {
		{ "connect to ", "connect to" },
		{ "SSL_connect error to ", "SSL_connect error" },
		{ "certificate verification failed for ", "certificate verification failed" },
		{ "server certificate verification failed for ",
		  "certificate verification failed" },
	};
	const char *start = c->p;

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		if (!lit_n(c, pre[i].s, strlen(pre[i].s)))
			continue;
		if (!namaddr(c, r, POSTFIX_F_RELAY_HOST, POSTFIX_F_RELAY_IP) ||
		    (c->end - c->p > 1 && c->p[0] == ':' && c->p[1] != ' ' &&
		     (++c->p, !number(c, &r->relay_port))) || !lit(c, ": ") || done(c)) {
			r->present &= ~(1u << POSTFIX_F_RELAY_HOST | 1u << POSTFIX_F_RELAY_IP);
			r->relay_port = -1;
			c->p = start;
			return POSTFIX_IGNORED;
		}
		happened(c, r, pre[i].what);
		return POSTFIX_SMTP_ERROR;
	}
	return POSTFIX_IGNORED;
}

/* ---- EVENT: what happened to a peer, without a message ---------------- */


/* The rest of an event after its client: [: TEXT] to the end ("CLIENT:"
 * alone too: a client's empty text). */
static enum postfix_kind event_text(struct cur *c, struct postfix_record *r)
{
	if (lit(c, ":")) {
		lit(c, " ");
		if (!done(c))
			cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
		return POSTFIX_EVENT;
	}
	return done(c) ? POSTFIX_EVENT : POSTFIX_UNPARSED;
}

/* smtpd's info lines about a client: (improper command pipelining|bare
 * <LF> received) after STAGE from CLIENT[: TEXT] (smtpd.c), SSL_accept
 * error from CLIENT: TEXT (tls_server.c); IGNORED (nothing consumed) for
 * another text. */
enum postfix_kind p_smtpd_event(struct cur *c, struct postfix_record *r)
{
	const char *what = c->p, *v;
	size_t n;

	if (lit(c, "SSL_accept error from ")) {
		cur_set(r, POSTFIX_F_STATUS, what, sizeof("SSL_accept error") - 1);
		return client(c, r) ? event_text(c, r) : POSTFIX_UNPARSED;
	}
	if (!lit(c, "improper command pipelining") && !lit(c, "bare <LF> received"))
		return POSTFIX_IGNORED;
	cur_set(r, POSTFIX_F_STATUS, what, (size_t)(c->p - what));
	if (!lit(c, " after ") || !upto(c, ' ', &v, &n) || !lit(c, " from ") || !client(c, r))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_STAGE, v, n);
	return event_text(c, r);
}

/* smtpd's warnings about a client, after "warning: ": non-SMTP command
 * from CLIENT: TEXT; hostname HOST does not resolve to address IP[: TEXT]
 * (smtpd_peer.c, and its older forms); Illegal address syntax from CLIENT
 * in STAGE command: TEXT; WHAT limit exceeded: N from CLIENT for service S (the
 * anvil limits of smtpd.c, WHAT Postfix's own words: TEXT, STATUS "limit
 * exceeded", count N).  IGNORED (nothing consumed) for another text. */
enum postfix_kind p_smtpd_warning(struct cur *c, struct postfix_record *r)
{
	static const char limit[] = " limit exceeded";
	const char *start = c->p, *v, *p;
	size_t n;

	if (lit(c, "non-SMTP command from ")) {
		cur_set(r, POSTFIX_F_STATUS, start, sizeof("non-SMTP command") - 1);
		return client(c, r) ? event_text(c, r) : POSTFIX_UNPARSED;
	}
	if (lit(c, "hostname ")) {
		if (!upto(c, ' ', &v, &n) || !lit(c, " does not resolve to address ")) {
			c->p = start;
			return POSTFIX_IGNORED;
		}
		cur_set(r, POSTFIX_F_STATUS, "hostname does not resolve",
		    sizeof("hostname does not resolve") - 1);
		cur_set(r, POSTFIX_F_CLIENT_HOST, v, n);
		/* an IPv6 address holds ':', the reason follows ": " */
		p = memmem(c->p, (size_t)(c->end - c->p), ": ", 2);
		v = c->p;
		n = (size_t)((p ? p : c->end) - v);
		if (!ip_text(v, n))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_CLIENT_IP, v, n);
		c->p = v + n;
		return event_text(c, r);
	}
	if (lit(c, "Illegal address syntax from ")) {
		cur_set(r, POSTFIX_F_STATUS, start, sizeof("Illegal address syntax") - 1);
		if (!client(c, r) || !lit(c, " in ") || !upto(c, ' ', &v, &n) ||
		    !lit(c, " command"))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_STAGE, v, n);
		return event_text(c, r);
	}
	/* before Postfix 2.3 (smtpd_peer.c): IP: hostname HOST verification
	 * failed: TEXT, IP: address not listed for hostname HOST */
	if ((p = memmem(c->p, (size_t)(c->end - c->p), ": ", 2)) && ip_text(c->p, (size_t)(p - c->p))) {
		const char *ip = c->p;

		c->p = p + 2;
		if (lit(c, "hostname ")) {
			if (!upto(c, ' ', &v, &n) || !lit(c, " verification failed"))
				return POSTFIX_UNPARSED;
			cur_set(r, POSTFIX_F_STATUS, "hostname verification failed",
			    sizeof("hostname verification failed") - 1);
		} else if (lit(c, "address not listed for hostname ")) {
			if (!upto(c, ' ', &v, &n))
				return POSTFIX_UNPARSED;
			cur_set(r, POSTFIX_F_STATUS, "address not listed", sizeof("address not listed") - 1);
		} else {
			c->p = start;
			return POSTFIX_IGNORED;
		}
		cur_set(r, POSTFIX_F_CLIENT_IP, ip, (size_t)(p - ip));
		cur_set(r, POSTFIX_F_CLIENT_HOST, v, n);
		return event_text(c, r);
	}
	/* "Connection rate limit exceeded: 31 from HOST[IP] for service smtpd" */
	for (p = c->p; p < c->end && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				      *p == ' '); p++)
		;
	if ((size_t)(p - c->p) <= sizeof(limit) - 1 || p >= c->end || *p != ':' ||
	    memcmp(p - (sizeof(limit) - 1), limit, sizeof(limit) - 1) != 0)
		return POSTFIX_IGNORED;
	/* STATUS fits a WORD, TEXT says which limit ("Connection rate") */
	cur_set(r, POSTFIX_F_STATUS, p - (sizeof(limit) - 2), sizeof(limit) - 2);
	cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(p - c->p) - (sizeof(limit) - 1));
	c->p = p;
	if (!lit(c, ": ") || !number(c, &r->count) || !lit(c, " from "))
		return POSTFIX_IGNORED;		/* another limit's warning */
	if (!client(c, r) || !lit(c, " for service ") || done(c))
		return POSTFIX_UNPARSED;
	return POSTFIX_EVENT;
}

/* postscreen's verdicts on a client (postscreen_*.c): VERDICT, capital
 * words ("PASS NEW", "PREGREET", "COMMAND TIME LIMIT", "DNSBL"), then
 * Postfix's own lower-case words and numbers (" 6 after 1.2 from ",
 * " rank 3 for "), the client [IP]:PORT, [ after STAGE][: TEXT| TEXT].
 * IGNORED for another text. */
enum postfix_kind p_postscreen_event(struct cur *c, struct postfix_record *r)
{
	const char *p = c->p, *v;
	size_t n;

	while (p < c->end && ((*p >= 'A' && *p <= 'Z') || *p == '-' ||
			      (*p == ' ' && p + 1 < c->end && p[1] >= 'A' && p[1] <= 'Z')))
		p++;
	if (p == c->p || p >= c->end || *p != ' ')
		return POSTFIX_IGNORED;
	cur_set(r, POSTFIX_F_STATUS, c->p, (size_t)(p - c->p));
	while (p < c->end && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			      *p == '.' || *p == ' '))
		p++;
	if (p >= c->end || *p != '[')
		return POSTFIX_IGNORED;
	c->p = p;
	if (!client(c, r))
		return POSTFIX_UNPARSED;
	if (lit(c, " after ")) {
		if (!upto2(c, ':', ' ', &v, &n))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_STAGE, v, n);
	}
	if (lit(c, " ") && !done(c)) {		/* HANGUP's "in tests after ..." */
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
		return POSTFIX_EVENT;
	}
	return event_text(c, r);
}

/* dnsblog: addr IP listed by domain D as A (dnsblog.c): STATUS "listed",
 * TEXT the rest */
enum postfix_kind p_dnsblog(struct cur *c, struct postfix_record *r)
{
	const char *v, *w;
	size_t n;

	if (!lit(c, "addr ") || !upto(c, ' ', &v, &n) || !ip_text(v, n) || !lit(c, " "))
		return POSTFIX_IGNORED;
	w = c->p;
	if (!lit(c, "listed by "))
		return POSTFIX_IGNORED;
	cur_set(r, POSTFIX_F_CLIENT_IP, v, n);
	cur_set(r, POSTFIX_F_STATUS, w, sizeof("listed") - 1);
	cur_set(r, POSTFIX_F_TEXT, w, (size_t)(c->end - w));
	return POSTFIX_EVENT;
}

/* anvil's statistics of a client (anvil.c): statistics: max WHAT (rate
 * N/Ts|count N) for (SERVICE:ADDR) at TIME.  STATUS "max WHAT rate",
 * count N, CLIENT_IP ADDR: after the last ':' when that holds a '.' or is
 * "unknown" (SERVICE may be "127.0.0.1:2525"), else after the first (an
 * IPv6 address).  IGNORED for another text (max cache size). */
enum postfix_kind p_anvil(struct cur *c, struct postfix_record *r)
{
	const char *what, *id, *a, *v;
	size_t n, idn;

	if (!lit(c, "statistics: "))
		return POSTFIX_IGNORED;
	what = c->p;
	if (!lit(c, "max ") || !upto(c, ' ', &v, &n) || !lit(c, " ") ||
	    (!lit(c, "rate ") && !lit(c, "count ")))
		return POSTFIX_IGNORED;		/* max cache size, ... */
	cur_set(r, POSTFIX_F_STATUS, what, (size_t)(c->p - 1 - what));
	if (!number(c, &r->count) || (lit(c, "/") && !upto(c, ' ', &v, &n)) ||
	    !lit(c, " for (") || !upto(c, ')', &id, &idn) || !lit(c, ") at ") || done(c))
		return POSTFIX_UNPARSED;
	for (a = id + idn; a > id && a[-1] != ':'; a--)
		;
	if (a == id)
		return POSTFIX_UNPARSED;
	n = (size_t)(id + idn - a);
	if (!memchr(a, '.', n) && !(n == 7 && same_n(a, "unknown", 7)))
		a = (const char *)memchr(id, ':', idn) + 1;	/* IPv6 */
	cur_set(r, POSTFIX_F_CLIENT_IP, a, (size_t)(id + idn - a));
	return POSTFIX_EVENT;
}
