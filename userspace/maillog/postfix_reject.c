// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postfix_reject.c - the reject-tail grammar of Postfix and cleanup's
 * header/body check actions (see postfix.h).
 *
 * smtpd's and postscreen's "reject:", smtpd's and cleanup's
 * "milter-reject:" and smtpd's other access actions ("hold:",
 * "discard:", ...) share one shape: STAGE from CLIENT: REPLY; TAIL, with
 * TAIL the envelope as smtpd_whatsup() writes it ([from=<S>] [to=<R>]
 * [proto=P] [helo=<H>] [sasl_*]; postscreen: ", "-separated).  REPLY may
 * quote the attacker's address, "; " included, so the tail starts at the
 * first "; " after which the rest parses as a whole tail, known elements
 * in their order, each once (postfix.h says why a forged one fails).
 * cleanup's checks put the sender's header or body line first and the
 * tail after it: that tail is looked for from the right (check_rest()).
 *
 *   p_reject(c, r, kind, commas)  after "reject: " or "milter-reject: "
 *   p_action(c, r)                after "QID: " or "NOQUEUE: ": an action
 *                                 of smtpd_check.c's log_whatsup()
 *   p_proxy(c, r)                 smtpd's proxy-accept:, proxy-reject:
 *   p_cleanup_action(c, r)        cleanup's other "QID: " lines: its
 *                                 checks' actions, milter-reject:,
 *                                 milter-hold:, milter-discard:,
 *                                 removed (REASON)
 *
 * Limits: at most POSTFIX_REJECT_TRIES "; " of REPLY are tried, and
 * CHECK_TRIES "ORIGIN;" of a check's line, each in time linear in the
 * line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "maillog/cursor.h"
#include "maillog/postfix.h"
#include "maillog/postfix_int.h"

/* "; " separators tried as the start of a reject line's envelope tail */
#define POSTFIX_REJECT_TRIES 8

/* The envelope tail of a reject line, found before it is kept. */
enum { T_FROM, T_TO, T_PROTO, T_HELO, T_SASL_METHOD, T_SASL_USERNAME, T_SASL_SENDER,
       T_COUNT };

struct tail {
	struct slice v[T_COUNT];
	unsigned has;			/* 1u << T_* */
};

static const enum postfix_field tail_field[T_COUNT] = {
	[T_FROM] = POSTFIX_F_FROM, [T_TO] = POSTFIX_F_TO, [T_PROTO] = POSTFIX_F_PROTO,
	[T_HELO] = POSTFIX_F_HELO, [T_SASL_METHOD] = POSTFIX_F_SASL_METHOD,
	[T_SASL_USERNAME] = POSTFIX_F_SASL_USERNAME, [T_SASL_SENDER] = POSTFIX_F_SASL_SENDER,
};

/* The name of a known tail element, consumed with its '=': T_*, or -1. */
static int tail_name(struct cur *c)
{
	if (lit(c, "from="))
		return T_FROM;
	if (lit(c, "to="))
		return T_TO;
	if (lit(c, "proto="))
		return T_PROTO;
	if (lit(c, "helo="))
		return T_HELO;
	if (lit(c, "sasl_method="))
		return T_SASL_METHOD;
	if (lit(c, "sasl_username="))
		return T_SASL_USERNAME;
	if (lit(c, "sasl_sender="))
		return T_SASL_SENDER;
	return -1;
}

/* 3.10's unbracketed sasl_username=U (it may hold spaces) runs to the end
 * or to a last element " sasl_sender=S" (xtext: no space).  Whatever an
 * address before it forged is followed by Postfix's own "> proto=...",
 * so the caller refuses a value holding '<' or '>'. */
static void tail_username(struct cur *c, struct slice *v)
{
	const char *p = c->end;

	while (p > c->p && p[-1] != ' ')
		p--;
	v->p = c->p;
	if (p - 1 > c->p && (size_t)(c->end - p) > 12 && same_n(p, "sasl_sender=", 12))
		c->p = p - 1;
	else
		c->p = c->end;
	v->n = (size_t)(c->p - v->p);
}

/*
 * [from=<S>] [to=<R>] [proto=P] [helo=<H>] [sasl_method=M]
 * [sasl_username=U|<U>] [sasl_sender=S] to the end, in this order, each
 * at most once, elements of other names anywhere; space separated, or
 * ", " for postscreen.  At least one known element (Postfix always has a
 * proto).  The HELO name holds no space and no '>' (smtpd neuters them).
 */
static bool reject_tail(struct cur *c, struct tail *t, bool commas)
{
	char sep = commas ? ',' : ' ';
	int next = 0;

	for (bool first = true; !done(c); first = false) {
		struct slice *v;
		int i;

		if (!first && !(commas ? lit(c, ", ") : lit(c, " ")))
			return false;
		i = tail_name(c);
		if (i < 0) {
			if (!skip_elem(c, sep))
				return false;
			continue;
		}
		if (i < next)
			return false;
		next = i + 1;
		v = &t->v[i];
		switch (i) {
		case T_FROM:
		case T_TO:
			if (!angle(c, sep, &v->p, &v->n))
				return false;
			break;
		case T_HELO:
			if (!angle(c, sep, &v->p, &v->n) || memchr(v->p, ' ', v->n))
				return false;
			break;
		case T_SASL_USERNAME:
			if (has(c, "<")) {
				if (!angle(c, sep, &v->p, &v->n))
					return false;
			} else {
				/* '<' or '>' in it: text of an address before
				 * Postfix's own proto=, not a login */
				tail_username(c, v);
				if (!v->n || find2(v->p, v->p + v->n, '<', '>') < v->p + v->n)
					return false;
			}
			break;
		default:
			if (!upto(c, sep, &v->p, &v->n))
				return false;
			break;
		}
		t->has |= 1u << i;
	}
	return t->has != 0;
}

/* The DSN X.Y.Z of a reply "NNN X.Y.Z text" (smtpd_check_reject()) or of a
 * text "X.Y.Z text" (a milter's in cleanup, dsn_prepend()) into DSN. */
static void reply_dsn(struct postfix_record *r, struct slice s)
{
	struct cur c = { s.p, s.p + s.n };
	const char *d;
	long v;

	if (c.end - c.p > 4 && (*c.p == '4' || *c.p == '5' || *c.p == '2') &&
	    c.p[1] >= '0' && c.p[1] <= '9' && c.p[2] >= '0' && c.p[2] <= '9' && c.p[3] == ' ')
		c.p += 4;
	d = c.p;
	if (done(&c) || (*c.p != '4' && *c.p != '5' && *c.p != '2') || !number(&c, &v) ||
	    c.p - d != 1 || !lit(&c, ".") || !number(&c, &v) || !lit(&c, ".") ||
	    !number(&c, &v) || !(done(&c) || *c.p == ' ') || c.p - d > 9)
		return;
	cur_set(r, POSTFIX_F_DSN, d, (size_t)(c.p - d));
}

/* REPLY; TAIL to the end: the reply into TEXT (its DSN into DSN), the
 * tail's fields.  REPLY may quote an attacker's address holding "; ": the
 * tail starts at the first "; " after which the rest parses as a whole
 * tail.  Each try is linear in the line, so the number of tries is
 * bounded. */
static enum postfix_kind reply_tail(struct cur *c, struct postfix_record *r,
				    enum postfix_kind kind, bool commas)
{
	const char *p;
	int tries = 0;

	for (p = c->p; (p = memchr(p, ';', (size_t)(c->end - p))) != NULL; p++) {
		struct tail t;
		struct cur tc;

		if (p + 1 >= c->end)
			break;
		if (p[1] != ' ')
			continue;
		if (++tries > POSTFIX_REJECT_TRIES)
			break;
		tc.p = p + 2;
		tc.end = c->end;
		t.has = 0;
		if (!reject_tail(&tc, &t, commas))
			continue;
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(p - c->p));
		reply_dsn(r, r->f[POSTFIX_F_TEXT]);
		for (int i = 0; i < T_COUNT; i++)
			if (t.has & (1u << i))
				cur_set(r, tail_field[i], t.v[i].p, t.v[i].n);
		return kind;
	}
	if (commas && tries == 0) {	/* postscreen's "too many connections" */
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
		return kind;
	}
	return POSTFIX_UNPARSED;
}

/* STAGE from CLIENT: REPLY; TAIL of reject: and milter-reject: */
enum postfix_kind p_reject(struct cur *c, struct postfix_record *r,
				  enum postfix_kind kind, bool commas)
{
	const char *v;
	size_t n;

	if (!upto(c, ' ', &v, &n) || !lit(c, " from "))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_STAGE, v, n);
	if (!client(c, r) || !lit(c, ": "))
		return POSTFIX_UNPARSED;
	return reply_tail(c, r, kind, commas);
}

/* smtpd.c's before-queue filter's verdict: proxy-(accept|reject): STAGE:
 * REPLY;TAIL (no client; smtpd_whatsup()'s tail starts with its space),
 * as ACTION.  IGNORED (nothing consumed) for another text. */
enum postfix_kind p_proxy(struct cur *c, struct postfix_record *r)
{
	const char *a = c->p, *v;
	size_t n;

	if (!lit(c, "proxy-accept: ") && !lit(c, "proxy-reject: "))
		return POSTFIX_IGNORED;
	cur_set(r, POSTFIX_F_ACTION, a, (size_t)(c->p - 2 - a));
	if (!upto2(c, ':', ' ', &v, &n) || !lit(c, ": "))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_STAGE, v, n);
	return reply_tail(c, r, POSTFIX_ACTION, false);
}

/* smtpd's other access actions, as log_whatsup() and check_milter_reply()
 * write them: "ACTION: STAGE from ..." with the reject's grammar;
 * reject_warning is a reject of warn_if_reject.  The action into ACTION.
 * IGNORED (nothing consumed) for another text. */
enum postfix_kind p_action(struct cur *c, struct postfix_record *r)
{
	static const struct { const char *s; size_t n; } act[] = {
#define A(x) { x ": ", sizeof(x ": ") - 1 }
		A("hold"), A("discard"), A("filter"), A("redirect"), A("warn"), A("info"),
		A("bcc"), A("delay"), A("hangup"), A("milter-hold"), A("milter-discard"),
		A("reject_warning"),
#undef A
	};

	for (size_t i = 0; i < sizeof(act) / sizeof(act[0]); i++) {
		if ((size_t)(c->end - c->p) <= act[i].n || memcmp(c->p, act[i].s, act[i].n) != 0)
			continue;
		cur_set(r, POSTFIX_F_ACTION, c->p, act[i].n - 2);
		c->p += act[i].n;
		return p_reject(c, r, POSTFIX_ACTION, false);
	}
	return POSTFIX_IGNORED;
}

/*
 * cleanup's header/body checks: cleanup_act_log() of cleanup_message.c
 * and cleanup_milter_hbc_log() of cleanup_milter.c write
 *
 *   ACTION: CLASS CONTENT from ORIGIN;[ from=<S>][ to=<R>][ proto=P]
 *     [ helo=<H>][: TEXT]
 *
 * CONTENT is the header or body line (%.200s; %.60s for milter-* before
 * Postfix 3.8), ORIGIN is HOST[IP][:PORT], "local" or "unknown".  CONTENT
 * is the sender's and may forge all that follows it, so the separator is
 * looked for from the right: the last "ORIGIN;" after which the rest
 * parses as a tail (a forged one in CONTENT comes before Postfix's own),
 * preferring one that leaves CONTENT at most CHECK_CONTENT_MAX bytes
 * (one further right, in TEXT, would not).
 */
#define CHECK_CONTENT_MAX 200
#define CHECK_TRIES 8

#define W(x) { x, sizeof(x) - 1 }
static const struct word { const char *s; size_t n; } check_action[] = {
	W("reject"), W("warning"), W("info"), W("filter"), W("pass"), W("discard"),
	W("hold"), W("delay"), W("prepend"), W("replace"), W("redirect"), W("bcc"),
	W("strip"),
}, check_class[] = { W("header"), W("body"), W("content"), W("mime-error") };
#undef W

/* One of the words at the cursor followed by `follow`, both consumed. */
static bool word_then(struct cur *c, const struct word *w, size_t nw, char follow)
{
	for (size_t i = 0; i < nw; i++)
		if ((size_t)(c->end - c->p) > w[i].n && memcmp(c->p, w[i].s, w[i].n) == 0 &&
		    c->p[w[i].n] == follow) {
			c->p += w[i].n + 1;
			return true;
		}
	return false;
}

/* What a try of a separator found. */
struct check {
	struct tail t;
	struct slice host, ip, text;
	long port;
	const char *from;		/* the " from " before ORIGIN */
};

/* [start, p) ends in " from ORIGIN": fill k's origin and from, or false. */
static bool check_origin(const char *start, const char *p, struct check *k)
{
	const char *q = p, *e;

	k->host.n = k->ip.n = 0;
	k->port = -1;
	if (q - start >= 11 && memcmp(q - 11, " from local", 11) == 0) {
		k->from = q - 11;
		return true;
	}
	if (q - start >= 13 && memcmp(q - 13, " from unknown", 13) == 0) {
		k->from = q - 13;
		return true;
	}
	while (q > start && q[-1] >= '0' && q[-1] <= '9' && p - q < 6)
		q--;
	if (q < p) {				/* HOST[IP]:PORT */
		struct cur pc = { q, p };

		if (q - start < 2 || q[-1] != ':' || q[-2] != ']' || !number(&pc, &k->port))
			return false;
		q--;
	}
	if (q == start || q[-1] != ']')
		return false;
	e = --q;
	while (q > start && q[-1] != '[' && q[-1] != ' ' && e - q < POSTFIX_IP_MAX)
		q--;
	if (q == e || q == start || q[-1] != '[')
		return false;
	k->ip.p = q;
	k->ip.n = (size_t)(e - q);
	e = --q;
	while (q > start && q[-1] != ' ' && q[-1] != '[' && e - q < POSTFIX_HOST_MAX)
		q--;
	if (q == e || q - start < 6 || memcmp(q - 6, " from ", 6) != 0)
		return false;
	k->host.p = q;
	k->host.n = (size_t)(e - q);
	k->from = q - 6;
	return true;
}

/* [ from=<S>][ to=<R>][ proto=P][ helo=<H>][: TEXT] to the end: known
 * elements in this order, each once, others skipped. */
static bool check_tail(struct cur *c, struct check *k)
{
	int next = 0;

	k->t.has = 0;
	k->text.n = 0;
	k->text.p = NULL;
	while (lit(c, " ")) {
		struct slice *v;
		int i = tail_name(c);

		if (i < 0) {
			if (!skip_elem(c, ' '))
				return false;
			continue;
		}
		if (i < next || i > T_HELO)
			return false;
		next = i + 1;
		v = &k->t.v[i];
		if (i == T_PROTO ? !upto2(c, ' ', ':', &v->p, &v->n) :
				   !angle2(c, ' ', ':', &v->p, &v->n))
			return false;
		if (i == T_HELO && memchr(v->p, ' ', v->n))
			return false;
		k->t.has |= 1u << i;
	}
	if (done(c))
		return true;
	if (!lit(c, ":") || (!done(c) && !lit(c, " ")))
		return false;
	if (!done(c)) {
		k->text.p = c->p;
		k->text.n = (size_t)(c->end - c->p);
	}
	c->p = c->end;
	return true;
}

/* CONTENT from ORIGIN; TAIL, the cursor after "CLASS ". */
static enum postfix_kind check_rest(struct cur *c, struct postfix_record *r)
{
	const char *start = c->p, *p = c->end;
	struct check k, fallback;
	bool found = false, have_fallback = false, exhausted = false;
	int tries = 0;

	while (p > start && (p = memrchr(start, ';', (size_t)(p - start))) != NULL) {
		struct cur tc = { p + 1, c->end };

		if (!check_origin(start, p, &k))
			continue;
		if (++tries > CHECK_TRIES) {
			exhausted = true;
			break;
		}
		if (!check_tail(&tc, &k))
			continue;
		if (k.from - start <= CHECK_CONTENT_MAX) {
			found = true;
			break;
		}
		if (!have_fallback) {	/* a line whose transport escaped bytes */
			fallback = k;
			have_fallback = true;
		}
	}
	if (!found && !have_fallback && exhausted) {
		/* More origins than a line of Postfix's has, and none of the
		 * last ones followed by a tail: the sender wrote them (in its
		 * envelope address or the header).  Still cleanup's check of
		 * this queue id (a refusal stays counted), with nothing taken
		 * from a tail that cannot be told from the forged ones. */
		cur_set(r, POSTFIX_F_CONTENT, start, (size_t)(c->end - start));
		c->p = c->end;
		return POSTFIX_CONTENT_CHECK;
	}
	if (!found && !have_fallback)
		return POSTFIX_UNPARSED;
	if (!found)
		k = fallback;
	cur_set(r, POSTFIX_F_CONTENT, start, (size_t)(k.from - start));
	if (k.host.n) {
		cur_set(r, POSTFIX_F_CLIENT_HOST, k.host.p, k.host.n);
		cur_set(r, POSTFIX_F_CLIENT_IP, k.ip.p, k.ip.n);
		r->client_port = k.port;
	}
	for (int i = 0; i < T_COUNT; i++)
		if (k.t.has & (1u << i))
			cur_set(r, tail_field[i], k.t.v[i].p, k.t.v[i].n);
	if (k.text.p) {
		struct slice a = postfix_get(r, POSTFIX_F_ACTION);

		cur_set(r, POSTFIX_F_TEXT, k.text.p, k.text.n);
		if (a.n >= 6 && memcmp(a.p + a.n - 6, "reject", 6) == 0)
			reply_dsn(r, k.text);
	}
	c->p = c->end;
	return POSTFIX_CONTENT_CHECK;
}

enum postfix_kind p_cleanup_action(struct cur *c, struct postfix_record *r)
{
	const char *act = c->p, *cls, *v;
	size_t wn = 0;

	if (lit(c, "milter-reject: "))
		return p_reject(c, r, POSTFIX_MILTER_REJECT, false);
	if (lit(c, "removed (")) {	/* 3.10's cleanup_flush(): canceled, discarded */
		if (!upto(c, ')', &v, &wn) || !lit(c, ")") || !done(c))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_STATUS, v, wn);
		return POSTFIX_REMOVED;
	}

	if (lit(c, "milter-")) {		/* milter-(header|body)-ACTION */
		if (lit(c, "header-"))
			wn = 6;
		else if (lit(c, "body-"))
			wn = 4;
		else {				/* milter-hold:, milter-discard: */
			c->p = act;
			return p_action(c, r);
		}
	}
	if (!word_then(c, check_action, sizeof(check_action) / sizeof(check_action[0]), ':') ||
	    !lit(c, " ")) {
		c->p = act;
		return POSTFIX_IGNORED;
	}
	cls = c->p;
	if (wn ? !(has_n(c, act + 7, wn) && (size_t)(c->end - c->p) > wn && c->p[wn] == ' ' &&
		   (c->p += wn + 1)) :
		 !word_then(c, check_class, sizeof(check_class) / sizeof(check_class[0]), ' ')) {
		c->p = act;
		return POSTFIX_IGNORED;
	}
	cur_set(r, POSTFIX_F_ACTION, act, (size_t)(cls - 2 - act));
	cur_set(r, POSTFIX_F_CLASS, cls, (size_t)(c->p - 1 - cls));
	return check_rest(c, r);
}
