// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sendmail.c - Sendmail record recogniser (see sendmail.h).
 *
 * Rules over a cursor as in postfix.c.  Sendmail writes its lines as a
 * ", "-separated list of key=value elements in a fixed order; two values
 * may hold anything (the message-id, the stat text), and each is followed
 * only by Sendmail's own words or by nothing, so a rule that must step
 * over one anchors on what follows it (the last ", relay=") instead.
 */
#include <stdbool.h>
#include <string.h>

#include "maillog/cursor.h"
#include "maillog/sendmail.h"

#define IS(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

bool sendmail_program(struct slice prog)
{
	if (prog.n >= 8 && memcmp(prog.p, "sendmail", 8) == 0)
		return prog.n == 8 || prog.p[8] == '-';
	return IS(prog, "sm-mta") || IS(prog, "sm-msp-queue") ||
	       IS(prog, "sm-acceptingconnections");
}

/* The last occurrence of key (n bytes) in [p, end), or NULL. */
static const char *last_of(const char *p, const char *end, const char *key, size_t n)
{
	const char *q;

	if ((size_t)(end - p) < n)
		return NULL;
	for (q = end - n; q >= p; q--)
		if (*q == *key && memcmp(q, key, n) == 0)
			return q;
	return NULL;
}

/*
 * R: "[ident@]host [IP][ (may be forged)]", "[IP]" or a bare name, into
 * the given fields (IP only when R ends in one); false when R is empty or
 * its last [...] is not an address.
 */
static bool relay(struct postfix_record *r, const char *v, size_t n,
		  enum postfix_field host, enum postfix_field ip)
{
	static const char forged[] = " (may be forged)";
	const size_t fn = sizeof(forged) - 1;
	const char *lb, *a;
	size_t an;

	if (n > fn && memcmp(v + n - fn, forged, fn) == 0)
		n -= fn;
	if (n == 0)
		return false;
	if (v[n - 1] != ']') {
		cur_set(r, host, v, n);
		return true;
	}
	lb = memrchr(v, '[', n);
	if (!lb)
		return false;
	a = lb + 1;
	an = (size_t)(v + n - 1 - a);
	if (an > 5 && memcmp(a, "IPv6:", 5) == 0) {
		a += 5;
		an -= 5;
	}
	if (!ip_text(a, an))
		return false;
	if (lb > v) {
		if (lb - v < 2 || lb[-1] != ' ')
			return false;
		cur_set(r, host, v, (size_t)(lb - 1 - v));
	}
	cur_set(r, ip, a, an);
	return true;
}

/* "QID: ": 8 to 31 letters and digits (12 to 15 in practice). */
static bool qid(struct cur *c, struct postfix_record *r)
{
	const char *p = c->p;

	while (p < c->end && p - c->p < POSTFIX_QID_MAX &&
	       ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		p++;
	if (p - c->p < 8 || p - c->p >= POSTFIX_QID_MAX || c->end - p < 2 || p[0] != ':' ||
	    p[1] != ' ')
		return false;
	cur_set(r, POSTFIX_F_QID, c->p, (size_t)(p - c->p));
	c->p = p + 2;
	return true;
}

/* AUTH=server, relay=R, authid=U, mech=M, bits=N[/N] (after "relay="):
 * R holds no ", "; U runs to the last ", mech=". */
static enum postfix_kind p_login(struct cur *c, struct postfix_record *r)
{
	const char *v, *mech;
	size_t n;
	long bits;

	if (!plain(c, &v, &n) || !relay(r, v, n, POSTFIX_F_CLIENT_HOST, POSTFIX_F_CLIENT_IP) ||
	    !postfix_has(r, POSTFIX_F_CLIENT_IP) || !lit(c, ", authid="))
		return POSTFIX_UNPARSED;
	mech = last_of(c->p, c->end, ", mech=", 7);
	if (!mech || mech == c->p)
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_SASL_USERNAME, c->p, (size_t)(mech - c->p));
	c->p = mech + 7;
	if (!upto(c, ',', &v, &n) || !lit(c, ", bits=") || !number(c, &bits) ||
	    (lit(c, "/") && !number(c, &bits)) || !done(c))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_SASL_METHOD, v, n);
	return POSTFIX_LOGIN;
}

/* AUTH failure (M): TEXT[, user=U], relay=R (after "AUTH failure (") */
static enum postfix_kind p_auth_failed(struct cur *c, struct postfix_record *r)
{
	const char *v, *rel, *user;
	size_t n;

	if (!upto2(c, ')', ' ', &v, &n) || !lit(c, "): "))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_SASL_METHOD, v, n);
	rel = last_of(c->p, c->end, ", relay=", 8);
	if (!rel)
		return POSTFIX_UNPARSED;
	v = rel + 8;
	if (!relay(r, v, (size_t)(c->end - v), POSTFIX_F_CLIENT_HOST, POSTFIX_F_CLIENT_IP) ||
	    !postfix_has(r, POSTFIX_F_CLIENT_IP))
		return POSTFIX_UNPARSED;
	user = memmem(c->p, (size_t)(rel - c->p), ", user=", 7);
	if (user) {
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(user - c->p));
		cur_set(r, POSTFIX_F_SASL_USERNAME, user + 7, (size_t)(rel - user - 7));
	} else {
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(rel - c->p));
	}
	return POSTFIX_AUTH_FAILED;
}

/* One of Sendmail's own elements before `end`, last in [p, *end): when the
 * text ends with ", KEY=WORD", its WORD; *end moves to its ", ". */
static bool own_word(const char *p, const char **end, const char *key, size_t kn,
		     struct slice *word)
{
	const char *sep = last_of(p, *end, ", ", 2);

	if (!sep || (size_t)(*end - sep) <= 2 + kn || memcmp(sep + 2, key, kn) != 0)
		return false;
	word->p = sep + 2 + kn;
	word->n = (size_t)(*end - word->p);
	*end = sep;
	return true;
}

/* from=S, size=N, class=N, [pri=N, ]nrcpts=N ...,  relay=R (after "from=") */
static enum postfix_kind p_from(struct cur *c, struct postfix_record *r)
{
	const char *v, *rel, *mid;
	struct slice w;
	size_t n;
	long x;

	if (has(c, "<") ? !angle(c, ',', &v, &n) : !plain(c, &v, &n))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_FROM, v, n);
	if (!lit(c, ", size=") || !number(c, &r->size) || !lit(c, ", class="))
		return POSTFIX_UNPARSED;
	lit(c, "-");
	if (!number(c, &x) || (lit(c, ", pri=") && !number(c, &x)) ||
	    !lit(c, ", nrcpts=") || !number(c, &r->nrcpt))
		return POSTFIX_UNPARSED;
	rel = last_of(c->p, c->end, ", relay=", 8);
	if (!rel)
		return POSTFIX_UNPARSED;
	v = rel + 8;
	if (!relay(r, v, (size_t)(c->end - v), POSTFIX_F_CLIENT_HOST, POSTFIX_F_CLIENT_IP))
		return POSTFIX_UNPARSED;
	/* between nrcpts= and relay=: [msgid=ID][, bodytype=B][, proto=P][, daemon=D],
	 * read from their end, where only Sendmail writes */
	mid = rel;
	own_word(c->p, &mid, "daemon=", 7, &w);
	if (own_word(c->p, &mid, "proto=", 6, &w))
		cur_set(r, POSTFIX_F_PROTO, w.p, w.n);
	own_word(c->p, &mid, "bodytype=", 9, &w);
	if (mid != c->p) {
		if (!lit(c, ", msgid="))
			return POSTFIX_UNPARSED;
		v = c->p;
		n = (size_t)(mid - v);
		if (n >= 2 && v[0] == '<' && v[n - 1] == '>') {
			v++;
			n -= 2;
		}
		cur_set(r, POSTFIX_F_MESSAGE_ID, v, n);
	}
	return r->nrcpt == 0 ? POSTFIX_IGNORED : POSTFIX_QUEUED;
}

/* The end of the to= list element at p: its ',' (outside "quotes" and
 * <...>) or end; NULL when quotes or brackets do not balance. */
static const char *rcpt_end(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '"') {
			p = quoted_end(p, end);
			if (p >= end)
				return NULL;
		} else if (*p == '<') {
			depth++;
		} else if (*p == '>') {
			if (--depth < 0)
				return NULL;
		} else if (*p == ',' && depth == 0) {
			return p;
		}
	}
	return depth == 0 ? end : NULL;
}

static struct slice unbracket(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>')
		return (struct slice){ p + 1, n - 2 };
	return (struct slice){ p, n };
}

bool sendmail_next_rcpt(struct slice *list, struct slice *rcpt)
{
	const char *end = list->p + list->n, *e;

	if (list->n == 0 || !(e = rcpt_end(list->p, end)) || e == list->p)
		return false;
	*rcpt = unbracket(list->p, (size_t)(e - list->p));
	list->n = e < end ? (size_t)(end - e - 1) : 0;
	list->p = e < end ? e + 1 : end;
	return true;
}

/* The delivery status of a stat text with its dsn; NULL: not a delivery. */
static const char *status_of(struct slice stat, struct slice dsn)
{
	if (stat.n >= 4 && memcmp(stat.p, "Sent", 4) == 0 &&
	    (stat.n == 4 || stat.p[4] == ' ' || stat.p[4] == '('))
		return "sent";
	if (stat.n >= 8 && memcmp(stat.p, "Deferred", 8) == 0)
		return "deferred";
	if (IS(stat, "queued"))
		return NULL;
	if (dsn.n && dsn.p[0] == '2')
		return "sent";
	if (dsn.n && dsn.p[0] == '4')
		return "deferred";
	return "bounced";
}

/* ctladdr=<A> (uid/gid) | name (uid/gid) | <A> | name (after "ctladdr=") */
static bool ctladdr(struct cur *c)
{
	const char *v;
	size_t n;

	if (has(c, "<") ? !(angle(c, ' ', &v, &n) || angle(c, ',', &v, &n)) :
			  !upto2(c, ' ', ',', &v, &n))
		return false;
	if (lit(c, " (") && (!upto2(c, ')', ',', &v, &n) || !lit(c, ")")))
		return false;
	return true;
}

/* to=A[,A...], then key=value elements, stat= last (after "to=") */
static enum postfix_kind p_to(struct cur *c, struct postfix_record *r)
{
	struct slice dsn = { "", 0 }, stat = { NULL, 0 }, first = { NULL, 0 };
	const char *start = c->p, *e, *v, *st;
	size_t n;
	int count = 0;

	/* the list ends at the first ", " outside its addresses */
	for (;;) {
		e = rcpt_end(c->p, c->end);
		if (!e || e == c->p || e == c->end)
			return POSTFIX_UNPARSED;
		if (count++ == 0)
			first = unbracket(c->p, (size_t)(e - c->p));
		c->p = e;
		if (has(c, ", "))
			break;
		c->p++;
	}
	if (count == 1)
		cur_set(r, POSTFIX_F_TO, first.p, first.n);
	else
		cur_set(r, POSTFIX_F_TO, start, (size_t)(c->p - start));
	r->nrcpt = count;
	while (lit(c, ", ")) {
		if (lit(c, "stat=")) {
			stat.p = c->p;
			stat.n = (size_t)(c->end - c->p);
			c->p = c->end;
			break;
		}
		if (lit(c, "ctladdr=")) {
			if (!ctladdr(c))
				return POSTFIX_UNPARSED;
			continue;
		}
		if (lit(c, "relay=")) {
			if (!plain(c, &v, &n) || !relay(r, v, n, POSTFIX_F_RELAY_HOST,
							 POSTFIX_F_RELAY_IP))
				return POSTFIX_UNPARSED;
			continue;
		}
		if (lit(c, "dsn=")) {
			if (!plain(c, &dsn.p, &dsn.n))
				return POSTFIX_UNPARSED;
			cur_set(r, POSTFIX_F_DSN, dsn.p, dsn.n);
			continue;
		}
		/* delay=, xdelay=, mailer=, pri= and what later versions add */
		for (v = c->p; v < c->end && ((*v >= 'a' && *v <= 'z') || *v == '_'); v++)
			;
		if (v == c->p || v == c->end || *v != '=')
			return POSTFIX_UNPARSED;
		c->p = v + 1;
		if (!plain(c, &v, &n))
			return POSTFIX_UNPARSED;
	}
	if (!stat.p || stat.n == 0 || !done(c))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_TEXT, stat.p, stat.n);
	st = status_of(stat, dsn);
	if (!st)
		return POSTFIX_IGNORED;
	cur_set(r, POSTFIX_F_STATUS, st, strlen(st));
	return POSTFIX_DELIVERY;
}

/* The DSN X.Y.Z after a reply's code "NNN " at the start of t, or 0. */
static size_t reply_dsn(const char *t, size_t n, const char **dsn)
{
	size_t i, dots = 0;

	if (n < 10 || t[0] < '2' || t[0] > '5' || t[3] != ' ' || t[4] != t[0])
		return 0;
	for (i = 5; i < n && t[i] != ' '; i++) {
		if (t[i] == '.' && t[i - 1] != '.')
			dots++;
		else if (t[i] < '0' || t[i] > '9')
			return 0;
	}
	if (dots != 2 || t[i - 1] == '.')
		return 0;
	*dsn = t + 4;
	return i - 4;
}

/* ruleset=NAME, arg1=A[, arg2=B], relay=R, reject=TEXT: a check_* ruleset
 * refused A (rscheck()); IGNORED for its other outcomes (discard,
 * quarantine).  A is the client's (an address, or a name), R Sendmail's
 * (it holds no ", "), TEXT the reply, which may quote A. */
static enum postfix_kind p_ruleset(struct cur *c, struct postfix_record *r)
{
	const char *v, *name, *rel, *dsn;
	size_t n, nn;
	struct slice a, arg2 = { NULL, 0 };
	bool named;

	if (!upto2(c, ',', ' ', &name, &nn) || !lit(c, ", arg1="))
		return POSTFIX_UNPARSED;
	named = !has(c, "<");
	if (!(named ? plain(c, &a.p, &a.n) : angle(c, ',', &a.p, &a.n)))
		return POSTFIX_UNPARSED;
	/* a name (check_relay's, from the client's PTR: the resolver escapes
	 * a space) holds no space, nor can it forge Sendmail's "HOST [IP]" */
	if (named && memchr(a.p, ' ', a.n))
		return POSTFIX_UNPARSED;
	if (lit(c, ", arg2=") && !plain(c, &arg2.p, &arg2.n))
		return POSTFIX_UNPARSED;
	if (!lit(c, ", relay="))
		return POSTFIX_UNPARSED;
	rel = c->p;
	if (!plain(c, &v, &n) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	if (!lit(c, "reject=") || done(c)) {
		r->present &= 1u << POSTFIX_F_QID;
		return POSTFIX_IGNORED;
	}
	if (!relay(r, rel, n, POSTFIX_F_CLIENT_HOST, POSTFIX_F_CLIENT_IP) ||
	    !postfix_has(r, POSTFIX_F_CLIENT_IP))
		return POSTFIX_UNPARSED;
	/* check_relay's arg2 is the client's address: R must end in it */
	if (arg2.p) {
		struct slice ip = postfix_get(r, POSTFIX_F_CLIENT_IP);

		if (ip.n != arg2.n || memcmp(ip.p, arg2.p, ip.n) != 0)
			return POSTFIX_UNPARSED;
	}
	if (nn == 10 && memcmp(name, "check_rcpt", 10) == 0) {
		cur_set(r, POSTFIX_F_STAGE, "RCPT", 4);
		a = unbracket(a.p, a.n);
		cur_set(r, POSTFIX_F_TO, a.p, a.n);
	} else if (nn == 10 && memcmp(name, "check_mail", 10) == 0) {
		cur_set(r, POSTFIX_F_STAGE, "MAIL", 4);
		a = unbracket(a.p, a.n);
		cur_set(r, POSTFIX_F_FROM, a.p, a.n);
	} else if (nn == 11 && memcmp(name, "check_relay", 11) == 0) {
		cur_set(r, POSTFIX_F_STAGE, "CONNECT", 7);
	}
	cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
	if ((n = reply_dsn(c->p, (size_t)(c->end - c->p), &dsn)) != 0)
		cur_set(r, POSTFIX_F_DSN, dsn, n);
	return POSTFIX_REJECT;
}

/* Sendmail's client R ("host [IP][ (may be forged)]", "[IP]") up to the
 * first `sep` after it: into the client fields, c past sep. */
static bool client_upto(struct cur *c, struct postfix_record *r, const char *sep,
			size_t n)
{
	const char *p = memmem(c->p, (size_t)(c->end - c->p), sep, n);

	if (!p || !relay(r, c->p, (size_t)(p - c->p), POSTFIX_F_CLIENT_HOST,
			 POSTFIX_F_CLIENT_IP) || !postfix_has(r, POSTFIX_F_CLIENT_IP))
		return false;
	c->p = p + n;
	return true;
}

/*
 * srvrsmtp.c's lines about a client (R as above), EVENT unless said:
 *   R: possible SMTP attack: command=CMD, count=N
 *   R did not issue MAIL/EXPN/VRFY/ETRN during connection to DAEMON
 *   R: (EXPN|VRFY|expn|vrfy) ARG [rejected]
 *   lost input channel from R to DAEMON after CMD               LOST
 *   rejecting commands from HOST [IP] due to pre-greeting traffic after
 *     N seconds
 * IGNORED (fields reset) for another text.
 */
static enum postfix_kind p_client_event(struct cur *c, struct postfix_record *r)
{
	static const char attack[] = ": possible SMTP attack: command=",
		idle[] = " did not issue MAIL/EXPN/VRFY/ETRN during connection to ",
		greet[] = " due to pre-greeting traffic after ", rej[] = " [rejected]";
	const char *start = c->p, *v;
	size_t n;

	if (lit(c, "lost input channel from ")) {
		if (!client_upto(c, r, " to ", 4) || !upto(c, ' ', &v, &n) ||
		    !lit(c, " after ") || done(c))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_STATUS, "lost input channel", 18);
		cur_set(r, POSTFIX_F_STAGE, c->p, (size_t)(c->end - c->p));
		return POSTFIX_LOST;
	}
	if (lit(c, "rejecting commands from ")) {
		lit(c, " ");		/* no host name: "from  [IP]" */
		if (!client_upto(c, r, greet, sizeof(greet) - 1))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_STATUS, "pre-greeting traffic", 20);
		return POSTFIX_EVENT;
	}
	if (memmem(c->p, (size_t)(c->end - c->p), attack, sizeof(attack) - 1)) {
		if (!client_upto(c, r, attack, sizeof(attack) - 1) || !upto(c, ',', &v, &n) ||
		    !lit(c, ", count=") || !number(c, &r->count) || !done(c))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_STATUS, "possible SMTP attack", 20);
		cur_set(r, POSTFIX_F_STAGE, v, n);
		return POSTFIX_EVENT;
	}
	if (memmem(c->p, (size_t)(c->end - c->p), idle, sizeof(idle) - 1)) {
		if (!client_upto(c, r, idle, sizeof(idle) - 1) || done(c))
			return POSTFIX_UNPARSED;
		cur_set(r, POSTFIX_F_STATUS, "did not issue MAIL", 18);
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
		return POSTFIX_EVENT;
	}
	n = (size_t)(c->end - c->p);
	if (n > sizeof(rej) - 1 && memcmp(c->end - (sizeof(rej) - 1), rej, sizeof(rej) - 1) == 0 &&
	    client_upto(c, r, ": ", 2)) {
		if (!(lit(c, "EXPN ") || lit(c, "VRFY ") || lit(c, "expn ") || lit(c, "vrfy ")))
			goto other;
		cur_set(r, POSTFIX_F_STATUS, c->p - 5, 4);
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - (sizeof(rej) - 1) - c->p));
		return POSTFIX_EVENT;
	}
other:
	c->p = start;
	r->present &= 1u << POSTFIX_F_QID;
	return POSTFIX_IGNORED;
}

static enum postfix_kind parse(struct postfix_record *r, struct slice program, struct cur *c)
{
	if (!program.p || !sendmail_program(program))
		return POSTFIX_FOREIGN;
	if (memchr(c->p, '\0', (size_t)(c->end - c->p)))
		return POSTFIX_UNPARSED;
	if (!qid(c, r))
		lit(c, "NOQUEUE: ");
	if (lit(c, "AUTH=server, relay="))
		return p_login(c, r);
	if (lit(c, "AUTH failure ("))
		return p_auth_failed(c, r);
	if (lit(c, "ruleset="))
		return p_ruleset(c, r);
	if (!postfix_has(r, POSTFIX_F_QID))
		return POSTFIX_IGNORED;
	if (lit(c, "from="))
		return p_from(c, r);
	if (lit(c, "to="))
		return p_to(c, r);
	return p_client_event(c, r);
}

enum postfix_kind sendmail_parse(struct postfix_record *r, struct slice program,
				 struct slice msg)
{
	struct cur c;

	cur_open(&c, msg);
	cur_reset(r);
	r->kind = parse(r, program, &c);
	return r->kind;
}
