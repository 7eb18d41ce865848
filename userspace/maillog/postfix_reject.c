// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postfix_reject.c - the reject-tail grammar of Postfix (see postfix.h).
 *
 * smtpd's and postscreen's "reject:", smtpd's and cleanup's
 * "milter-reject:" and smtpd's other access actions ("hold:",
 * "discard:", ...) share one shape: STAGE from CLIENT: REPLY; TAIL, with
 * TAIL the envelope as smtpd_whatsup() writes it ([from=<S>] [to=<R>]
 * [proto=P] [helo=<H>] [sasl_*]; postscreen: ", "-separated).  REPLY may
 * quote the attacker's address, "; " included, so the tail starts at the
 * first "; " after which the rest parses as a whole tail, known elements
 * in their order, each once (postfix.h says why a forged one fails).
 *
 *   p_reject(c, r, kind, commas)  after "reject: " or "milter-reject: "
 *   p_action(c, r)                after "QID: " or "NOQUEUE: ": an action
 *                                 of smtpd_check.c's log_whatsup()
 *
 * Limits: at most POSTFIX_REJECT_TRIES "; " of REPLY are tried, each in
 * time linear in the line.
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

/* STAGE from CLIENT: REPLY; TAIL of reject: and milter-reject: */
enum postfix_kind p_reject(struct cur *c, struct postfix_record *r,
				  enum postfix_kind kind, bool commas)
{
	const char *v, *p;
	size_t n;
	int tries = 0;

	if (!upto(c, ' ', &v, &n) || !lit(c, " from "))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_STAGE, v, n);
	if (!client(c, r) || !lit(c, ": "))
		return POSTFIX_UNPARSED;
	/* REPLY may quote an attacker's address holding "; ": the tail starts
	 * at the first "; " after which the rest parses as a whole tail.  Each
	 * try is linear in the line, so the number of tries is bounded. */
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

/* smtpd's other access actions, as log_whatsup() and check_milter_reply()
 * write them: "ACTION: STAGE from ..." with the reject's grammar; the
 * action into STATUS.  IGNORED (nothing consumed) for another text. */
enum postfix_kind p_action(struct cur *c, struct postfix_record *r)
{
	static const struct { const char *s; size_t n; } act[] = {
#define A(x) { x ": ", sizeof(x ": ") - 1 }
		A("hold"), A("discard"), A("filter"), A("redirect"), A("warn"), A("info"),
		A("bcc"), A("delay"), A("hangup"), A("milter-hold"), A("milter-discard"),
#undef A
	};

	for (size_t i = 0; i < sizeof(act) / sizeof(act[0]); i++) {
		if ((size_t)(c->end - c->p) <= act[i].n || memcmp(c->p, act[i].s, act[i].n) != 0)
			continue;
		cur_set(r, POSTFIX_F_STATUS, c->p, act[i].n - 2);
		c->p += act[i].n;
		return p_reject(c, r, POSTFIX_ACTION, false);
	}
	return POSTFIX_IGNORED;
}
