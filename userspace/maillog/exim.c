// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exim.c - Exim record recogniser (see exim.h).
 *
 * Rules over a cursor as in postfix.c.  Exim writes a record as its
 * message id, a flag ("<=", "=>", ...) and space-separated KEY=value
 * fields in a fixed order; a value is one word, except a few quoted ones,
 * the HELO in parentheses and the addresses.  Where the text the sender
 * chose cannot be delimited (an unquoted local part, a subject), the rule
 * stops before it or anchors on the fields after it.
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "maillog/cursor.h"
#include "maillog/exim.h"
#include "maillog/exim_int.h"

/* " R=" positions tried as the start of a delivery's routing fields */
#define EXIM_ROUTE_TRIES 8
/* bytes of a Ci= connection id: a pid is at most 10 */
#define EXIM_CI_MAX 20

#define IS(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

bool exim_program(struct slice prog)
{
	return IS(prog, "exim") || IS(prog, "exim4");
}

static bool digits(struct cur *c, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (done(c) || *c->p < '0' || *c->p > '9')
			return false;
		*v = *v * 10 + (*c->p++ - '0');
	}
	return true;
}

/* YYYY-MM-DD HH:MM:SS[.fff] */
static bool timestamp(struct cur *c, struct tm *tm, long *usec)
{
	int y, v;

	*tm = (struct tm){ 0 };
	*usec = 0;
	if (!digits(c, 4, &y) || !lit(c, "-") || !digits(c, 2, &tm->tm_mon) || !lit(c, "-") ||
	    !digits(c, 2, &tm->tm_mday) || !lit(c, " ") || !digits(c, 2, &tm->tm_hour) ||
	    !lit(c, ":") || !digits(c, 2, &tm->tm_min) || !lit(c, ":") || !digits(c, 2, &v))
		return false;
	tm->tm_year = y - 1900;
	tm->tm_mon--;
	tm->tm_sec = v;
	if (lit(c, ".")) {
		int n = 0;

		while (!done(c) && *c->p >= '0' && *c->p <= '9' && n < 6) {
			*usec = *usec * 10 + (*c->p++ - '0');
			n++;
		}
		if (n == 0)
			return false;
		for (; n < 6; n++)
			*usec *= 10;
	}
	return true;
}

/* " +hhmm" or " -hhmm" (log_timezone), followed by a space */
static bool zone(struct cur *c, long *east)
{
	struct cur t = *c;
	int hh, mm, sign;

	if (!lit(&t, " ") || done(&t) || (*t.p != '+' && *t.p != '-'))
		return false;
	sign = *t.p++ == '-' ? -1 : 1;
	if (!digits(&t, 2, &hh) || !digits(&t, 2, &mm) || !has(&t, " ") || hh > 23 || mm > 59)
		return false;
	*east = sign * (hh * 3600L + mm * 60L);
	*c = t;
	return true;
}

/* "[pid] " */
static bool pid(struct cur *c, long *v)
{
	struct cur t = *c;

	if (!lit(&t, "[") || !number(&t, v) || *v > 0x7fffffffL || !lit(&t, "] "))
		return false;
	*c = t;
	return true;
}

/* "HOST exim[PID]: " or "HOST exim4[PID]: ": a syslog line whose time
 * is written as Exim's own (an rsyslog template's); HOST a host name or
 * an address, so that no line of Exim's reads so (a client's PTR name
 * holding a space comes after "H="). */
static bool syslog_tag(struct cur *c, struct syslog_line *out)
{
	struct cur t = *c;
	const char *h, *prog;
	size_t hn, pn;
	long v;

	if (!upto(&t, ' ', &h, &hn) || hn >= SYSLOG_HOST_MAX || !lit(&t, " "))
		return false;
	prog = t.p;
	if (!lit(&t, "exim[") && !lit(&t, "exim4["))
		return false;
	for (size_t i = 0; i < hn; i++)	/* a host name or address, never "H=.." */
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= 'a' && h[i] <= 'z') || h[i] == '.' || h[i] == '-' || h[i] == '_' ||
		      h[i] == ':'))
			return false;
	pn = (size_t)(t.p - 1 - prog);
	if (!number(&t, &v) || v > 0x7fffffffL || !lit(&t, "]: "))
		return false;
	out->program = (struct slice){ prog, pn };
	out->host = (struct slice){ h, hn };
	out->pid = v;
	*c = t;
	return true;
}

int exim_header(struct syslog_line *out, const char *line, size_t len)
{
	struct cur c;
	struct tm tm;
	long usec, east = 0;
	bool zoned;

	if (!line)
		return SYSLOG_UNPARSED;
	c.p = line;
	c.end = line + len;
	if (!timestamp(&c, &tm, &usec))
		return SYSLOG_UNPARSED;
	zoned = zone(&c, &east);
	if (!lit(&c, " "))
		return SYSLOG_UNPARSED;
	out->pid = -1;
	out->host = (struct slice){ "", 0 };
	out->program = (struct slice){ "exim", 4 };
	if (!syslog_tag(&c, out))
		pid(&c, &out->pid);
	if (!syslog_civil_time(&tm, !zoned, east, &out->time))
		return SYSLOG_UNPARSED;
	out->usec = usec;
	out->msg = (struct slice){ c.p, (size_t)(c.end - c.p) };
	return SYSLOG_OK;
}

static bool b62(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= 'a' && p[i] <= 'z')))
			return false;
	return true;
}

/* The length of a message id at c, 6-6-2 or 6-11-4 base-62 characters
 * followed by a space or the end; 0 if there is none. */
static size_t msgid_len(const struct cur *c)
{
	const char *p = c->p;
	size_t left = (size_t)(c->end - p);

	if (left >= 16 && p[6] == '-' && p[13] == '-' && (left == 16 || p[16] == ' ') &&
	    b62(p, 6) && b62(p + 7, 6) && b62(p + 14, 2))
		return 16;
	if (left >= 23 && p[6] == '-' && p[18] == '-' && (left == 23 || p[23] == ' ') &&
	    b62(p, 6) && b62(p + 7, 11) && b62(p + 19, 4))
		return 23;
	return 0;
}

/* "ID " */
static bool msgid(struct cur *c, struct postfix_record *r)
{
	size_t n = msgid_len(c);

	if (n == 0 || (size_t)(c->end - c->p) == n)
		return false;
	cur_set(r, POSTFIX_F_QID, c->p, n);
	c->p += n + 1;
	return true;
}

/* The users Exim runs as (its exim_user as distributions build it) and
 * root: the callers of its own messages. */
static bool exim_user(struct slice u)
{
	return IS(u, "root") || IS(u, "Debian-exim") || IS(u, "exim") || IS(u, "mail") ||
	       IS(u, "mailnull");
}

/* One word: up to a space or the end; at least one byte. */
static bool token(struct cur *c, const char **v, size_t *n)
{
	return upto(c, ' ', v, n);
}

/* The literal word w, then a space or the end. */
static bool word_n(struct cur *c, const char *w, size_t n)
{
	if (!has_n(c, w, n) || !((size_t)(c->end - c->p) == n || c->p[n] == ' '))
		return false;
	c->p += n;
	return true;
}

#define word(c, w) word_n((c), (w), sizeof(w) - 1)

/* Exim's connection id (log_selector +connection_id, 4.97+): "Ci=" and
 * the id, the daemon's child pid in decimal (the test suite masks it as
 * pNNNN: letters are accepted, up to EXIM_CI_MAX bytes). */
bool exim_conn_id(struct cur *c)
{
	const char *p = c->p;

	if (!lit(c, "Ci="))
		return false;
	while (!done(c) && c->p - p < 3 + EXIM_CI_MAX &&
	       ((*c->p >= '0' && *c->p <= '9') || (*c->p >= 'A' && *c->p <= 'Z') ||
		(*c->p >= 'a' && *c->p <= 'z')))
		c->p++;
	return c->p > p + 3 && (done(c) || *c->p == ' ' || *c->p == ':');
}

/* A router or transport name. */
static bool name(struct cur *c)
{
	const char *p = c->p;

	while (p < c->end && ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= 'a' && *p <= 'z') || *p == '_' || *p == '-'))
		p++;
	if (p == c->p)
		return false;
	c->p = p;
	return true;
}

/* The rest of a value whose opening quote was read: up to the first '"'
 * followed by a space or the end. */
bool exim_quoted(struct cur *c)
{
	const char *p;

	for (p = c->p; (p = memchr(p, '"', (size_t)(c->end - p))) != NULL; p++)
		if (p + 1 == c->end || p[1] == ' ') {
			c->p = p + 1;
			return true;
		}
	return false;
}

/* "[IP]" with an optional ":port" */
bool exim_bracket_ip(struct cur *c, struct slice *ip, long *port)
{
	*port = -1;
	if (!lit(c, "[") || !upto2(c, ']', ' ', &ip->p, &ip->n) || !lit(c, "]") ||
	    !ip_text(ip->p, ip->n))
		return false;
	if (c->end - c->p >= 2 && c->p[0] == ':' && c->p[1] >= '0' && c->p[1] <= '9') {
		c->p++;
		return number(c, port) && *port <= 65535;
	}
	return true;
}

/* "[name ][(helo) ][IP][:port]": the HELO holds no space or parenthesis. */
bool exim_hostinfo(struct cur *c, struct postfix_record *r)
{
	struct slice ip;
	const char *v;
	size_t n;
	long port;

	if (!has(c, "(") && !has(c, "[")) {
		if (!token(c, &v, &n) || !lit(c, " ") || memchr(v, '(', n) || memchr(v, '[', n))
			return false;
		cur_set(r, POSTFIX_F_CLIENT_HOST, v, n);
	}
	if (lit(c, "(")) {
		if (!upto2(c, ')', ' ', &v, &n) || !lit(c, ") ") || memchr(v, '(', n))
			return false;
		cur_set(r, POSTFIX_F_HELO, v, n);
	}
	if (!exim_bracket_ip(c, &ip, &port))
		return false;
	cur_set(r, POSTFIX_F_CLIENT_IP, ip.p, ip.n);
	r->client_port = port;
	return true;
}

bool exim_client(struct cur *c, struct postfix_record *r)
{
	struct slice ip;
	const char *v;
	size_t n;
	long port;

	if (!exim_hostinfo(c, r))
		return false;
	if (lit(c, " I=") && !exim_bracket_ip(c, &ip, &port))
		return false;
	if (lit(c, " U=") && !upto2(c, ' ', ':', &v, &n))
		return false;
	if (has(c, " Ci=")) {
		c->p++;
		return exim_conn_id(c);
	}
	return true;
}

/* The sender: "<>", or an address up to a space outside "quotes"; a
 * backslash escapes the next byte.  A space must follow. */
static bool sender(struct cur *c, const char **v, size_t *n)
{
	const char *p = c->p, *end = c->end;

	if (has(c, "<> ")) {
		*v = c->p;
		*n = 0;
		c->p += 2;
		return true;
	}
	while (p < end && *p != ' ') {
		if (*p == '"') {
			p = quoted_end(p, end);
			if (p >= end)
				return false;
		} else if (*p == '\\' && p + 1 < end) {
			p++;
		}
		p++;
	}
	if (p == c->p || p >= end)
		return false;
	*v = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return true;
}

/* A=AUTHENTICATOR[:ID[:AUTH-SENDER]] */
void exim_auth(struct postfix_record *r, const char *v, size_t n)
{
	const char *colon = memchr(v, ':', n), *id, *end;

	if (!colon) {
		cur_set(r, POSTFIX_F_SASL_METHOD, v, n);
		return;
	}
	cur_set(r, POSTFIX_F_SASL_METHOD, v, (size_t)(colon - v));
	id = colon + 1;
	end = memchr(id, ':', (size_t)(v + n - id));
	if (!end)
		end = v + n;
	if (end > id)
		cur_set(r, POSTFIX_F_SASL_USERNAME, id, (size_t)(end - id));
}

/* The arrival's fields in Exim's order; S= is last. */
enum {
	A_R, A_DS, A_H, A_I, A_TFO, A_U, A_CI, A_P, A_L, A_SPF, A_X, A_CV, A_DN, A_SNI,
	A_A, A_PRDR, A_PRX, A_K, A_S,
};

static enum postfix_kind arrival_fields(struct cur *c, struct postfix_record *r, int last);

/* A client's SNI a" A=plain:ceo S=1 x=" closes at its own quote, and at
 * Exim's after it: ambiguous (exim_sni_ends_here()). */
bool exim_sni_ends_here(const struct cur *c, const struct postfix_record *r,
			bool (*parses)(struct cur *u, struct postfix_record *t))
{
	struct postfix_record t;
	const char *p;
	int tries = 0;

	for (p = c->p; (p = memmem(p, (size_t)(c->end - p), "\" ", 2)) != NULL; p++) {
		struct cur u = { p + 1, c->end };

		if (tries++ == EXIM_SNI_TRIES)
			return false;
		t = *r;
		if (parses(&u, &t))
			return false;
	}
	return true;
}

/* An arrival's fields from u (an SNI's possible end): the arrival parses. */
static bool arrival_parses(struct cur *u, struct postfix_record *t)
{
	return arrival_fields(u, t, A_SNI) == POSTFIX_QUEUED;
}

/* One field of an arrival: its place in the order, or -1. */
static int field(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (lit(c, "H="))
		return exim_hostinfo(c, r) ? A_H : -1;
	if (lit(c, "P=")) {
		if (!token(c, &v, &n))
			return -1;
		cur_set(r, POSTFIX_F_PROTO, v, n);
		return A_P;
	}
	if (lit(c, "A=")) {
		if (!token(c, &v, &n))
			return -1;
		exim_auth(r, v, n);
		return A_A;
	}
	if (lit(c, "S="))
		return number(c, &r->size) && (done(c) || has(c, " ")) ? A_S : -1;
	if (lit(c, "U=")) {
		if (!token(c, &v, &n))
			return -1;
		/* after H= it is the client's RFC 1413 ident, the client's word */
		if (!postfix_has(r, POSTFIX_F_CLIENT_IP))
			cur_set(r, POSTFIX_F_LOCAL_USER, v, n);
		return A_U;
	}
	if (lit(c, "I="))
		return token(c, &v, &n) ? A_I : -1;
	if (lit(c, "R=")) {
		/* the message that Exim's own mail (-E) is about: an id */
		n = msgid_len(c);
		if (n == 0)
			return -1;
		cur_set(r, POSTFIX_F_ORIG_QID, c->p, n);
		c->p += n;
		return A_R;
	}
	if (lit(c, "X="))
		return token(c, &v, &n) ? A_X : -1;
	if (lit(c, "CV="))
		return token(c, &v, &n) ? A_CV : -1;
	if (lit(c, "PRX="))
		return token(c, &v, &n) ? A_PRX : -1;
	if (lit(c, "DN=\""))
		return exim_quoted(c) ? A_DN : -1;
	if (lit(c, "SNI=")) {
		/* a host name: SNI="NAME" up to 4.94, SNI=NAME since 4.95
		 * (spaces escaped); one word either way, and a quoted one
		 * only where no later quote could end it (exim_sni_ends_here()):
		 * one holding `" ` (the client's) is UNPARSED, never fields */
		if (!token(c, &v, &n) ||
		    (v[0] == '"' && (n < 2 || v[n - 1] != '"' ||
				     !exim_sni_ends_here(c, r, arrival_parses))))
			return -1;
		return A_SNI;
	}
	if (has(c, "Ci="))
		return exim_conn_id(c) ? A_CI : -1;
	if (word(c, "SPF"))
		return A_SPF;
	if (lit(c, "SPF="))
		return token(c, &v, &n) ? A_SPF : -1;
	if (word(c, "DS"))
		return A_DS;
	if (word(c, "TFO") || word(c, "TFO*"))
		return A_TFO;
	/* pipelining: "L", then "*" (early pipelining used) or "." (offered),
	 * then "-" when the client did not pipeline */
	if (word(c, "L") || word(c, "L-") || word(c, "L*") || word(c, "L*-") ||
	    word(c, "L.") || word(c, "L.-"))
		return A_L;
	if (word(c, "PRDR"))
		return A_PRDR;
	if (word(c, "K"))
		return A_K;
	return -1;
}

/* The fields after the one numbered last, up to S=N: QUEUED, or
 * UNPARSED.  An SNI after the SNI is refused before field() reads it, so
 * that exim_sni_ends_here() never runs within itself. */
static enum postfix_kind arrival_fields(struct cur *c, struct postfix_record *r, int last)
{
	int i;

	while (lit(c, " ")) {
		if (last >= A_SNI && has(c, "SNI="))
			return POSTFIX_UNPARSED;
		i = field(c, r);
		if (i <= last)
			return POSTFIX_UNPARSED;	/* unknown, repeated or out of order */
		if (i == A_S)
			return POSTFIX_QUEUED;
		last = i;
	}
	return POSTFIX_UNPARSED;
}

/* <= S FIELDS... S=N ... (after "<= "); nothing after S= is read. */
static enum postfix_kind p_arrival(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!sender(c, &v, &n))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_FROM, v, n);
	if (arrival_fields(c, r, -1) != POSTFIX_QUEUED)
		return POSTFIX_UNPARSED;
	/* -E<id> is open to any caller: Exim's own only from its user (U= is
	 * the caller's login, as Exim looked it up) */
	r->mta_bounce = postfix_has(r, POSTFIX_F_ORIG_QID) &&
			exim_user(postfix_get(r, POSTFIX_F_LOCAL_USER));
	return POSTFIX_QUEUED;
}

/* F=S[ fields of an arrival, up to its L and SPF] [temporarily ]rejected
 * by local_scan(): TEXT (after "ID ", receive.c)                REJECT */
static enum postfix_kind p_local_scan(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;
	int last = -1, i;

	if (!lit(c, "F=") || !sender(c, &v, &n))
		return POSTFIX_IGNORED;
	cur_set(r, POSTFIX_F_FROM, v, n);
	while (lit(c, " ")) {
		if (lit(c, "rejected by local_scan(): ") ||
		    lit(c, "temporarily rejected by local_scan(): ")) {
			cur_set(r, POSTFIX_F_STAGE, "local_scan", 10);
			if (!done(c))
				cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
			return POSTFIX_REJECT;
		}
		i = field(c, r);
		if (i <= last || i > A_SPF)
			return POSTFIX_UNPARSED;	/* unknown, repeated or out of order */
		last = i;
	}
	r->present &= 1u << POSTFIX_F_QID;
	return POSTFIX_IGNORED;
}

struct route {
	struct slice host, ip;
	long port;
	bool has_host;
};

/* R=NAME[ T=NAME][ defer (N)][ S=N][ H=NAME[ DS] [IP][:PORT][*]], then
 * the end, a space or a ':' */
static bool route(struct cur *c, struct route *rt)
{
	long x;

	rt->has_host = false;
	if (!lit(c, "R=") || !name(c))
		return false;
	if (lit(c, " T=") && !name(c))
		return false;
	if (lit(c, " defer (")) {
		lit(c, "-");
		if (!number(c, &x) || !lit(c, ")"))
			return false;
	}
	if (lit(c, " S=") && !number(c, &x))
		return false;
	if (lit(c, " H=")) {
		if (!upto(c, ' ', &rt->host.p, &rt->host.n) || !lit(c, " "))
			return false;
		lit(c, "DS ");
		if (!exim_bracket_ip(c, &rt->ip, &rt->port))
			return false;
		lit(c, "*");
		rt->has_host = true;
	}
	return done(c) || has(c, " ") || has(c, ":");
}

/* "ADDRESS[ <ORIG>][ SRS=<..>][ F=<SENDER>]" in [p, end): TO and ORIG_TO */
static void address(struct postfix_record *r, const char *p, const char *end)
{
	const char *lt;

	while (end - p > 3 && end[-1] == '>' && (lt = memrchr(p, '<', (size_t)(end - p))) &&
	       lt > p + 1) {
		if (lt - p > 3 && memcmp(lt - 3, " F=", 3) == 0) {
			end = lt - 3;
		} else if (lt - p > 5 && memcmp(lt - 5, " SRS=", 5) == 0) {
			end = lt - 5;
		} else {
			if (lt[-1] == ' ') {
				cur_set(r, POSTFIX_F_ORIG_TO, lt + 1, (size_t)(end - 2 - lt));
				end = lt - 1;
			}
			break;
		}
	}
	cur_set(r, POSTFIX_F_TO, p, (size_t)(end - p));
}

/* ADDRESS ROUTE ...[: TEXT] (after the flag) */
static enum postfix_kind p_delivery(struct cur *c, struct postfix_record *r,
				   const char *status)
{
	const char *p, *anchor = NULL, *after = NULL;
	struct route found = { 0 }, rt;
	int tries = 0, hits = 0;

	while (lit(c, " "))
		;
	if (done(c))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_STATUS, status, strlen(status));
	for (p = c->p; (p = memmem(p, (size_t)(c->end - p), " R=", 3)) != NULL; p++, tries++) {
		struct cur t = { p + 1, c->end };

		if (tries == EXIM_ROUTE_TRIES) {
			hits = 0;	/* the real one may be among those not tried */
			break;
		}
		if (p == c->p || !route(&t, &rt))
			continue;
		if (hits++ == 0) {
			found = rt;
			anchor = p;
			after = t.p;
		}
	}
	if (hits != 1) {
		/* no routing fields ("** A: Unrouteable address"), or more than one
		 * place they could start: the address and relay are unknown */
		cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
		return POSTFIX_DELIVERY;
	}
	address(r, c->p, anchor);
	if (found.has_host) {
		cur_set(r, POSTFIX_F_RELAY_HOST, found.host.p, found.host.n);
		cur_set(r, POSTFIX_F_RELAY_IP, found.ip.p, found.ip.n);
		r->relay_port = found.port;
	}
	if (status[0] == 's') {
		/* the remote's reply: C="..." up to the line's last quote */
		const char *q = memrchr(after, '"', (size_t)(c->end - after));

		p = memmem(after, (size_t)(c->end - after), " C=\"", 4);
		if (p && q > p + 3)
			cur_set(r, POSTFIX_F_TEXT, p + 4, (size_t)(q - p - 4));
	} else if ((p = memmem(after, (size_t)(c->end - after), ": ", 2)) != NULL) {
		cur_set(r, POSTFIX_F_TEXT, p + 2, (size_t)(c->end - p - 2));
	}
	return POSTFIX_DELIVERY;
}

/* AUTH authenticator failed for [H=]HOST[ I=[IP]:PORT][ U=IDENT][ Ci=ID]:
 * TEXT (after "AUTH "); the login name is in "(set_id=NAME)". */
static enum postfix_kind p_auth_failed(struct cur *c, struct postfix_record *r)
{
	const char *v, *sid, *p;

	lit(c, "H=");
	if (!exim_client(c, r) || !lit(c, ": ") || done(c))
		return POSTFIX_UNPARSED;
	cur_set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
	sid = memmem(c->p, (size_t)(c->end - c->p), " (set_id=", 9);
	if (!sid)
		return POSTFIX_AUTH_FAILED;
	for (v = p = sid + 9; (p = memchr(p, ')', (size_t)(c->end - p))) != NULL; p++)
		if (p + 1 == c->end || (c->end - p >= 3 && p[1] == ':' && p[2] == ' ')) {
			if (p > v)
				cur_set(r, POSTFIX_F_SASL_USERNAME, v, (size_t)(p - v));
			break;
		}
	return POSTFIX_AUTH_FAILED;
}

/* Before the record a syslog line may carry a part marker, Exim's own
 * timestamp and its pid: skip them; false for a later part. */
static bool preamble(struct cur *c)
{
	struct cur t = *c;
	struct tm tm;
	long a, b, usec, east;

	if (lit(&t, "[") && number(&t, &a) && (lit(&t, "/") || lit(&t, "\\")) &&
	    number(&t, &b) && lit(&t, "] ")) {
		if (a != 1)
			return false;
		*c = t;
	}
	t = *c;
	if (timestamp(&t, &tm, &usec)) {
		zone(&t, &east);
		if (lit(&t, " "))
			*c = t;
	}
	pid(c, &a);
	return true;
}

static enum postfix_kind parse(struct postfix_record *r, struct slice program, struct cur *c)
{
	struct cur start;
	const char *v;
	size_t n;

	if (!program.p || !exim_program(program))
		return POSTFIX_FOREIGN;
	if (memchr(c->p, '\0', (size_t)(c->end - c->p)))
		return POSTFIX_UNPARSED;
	if (!preamble(c))
		return POSTFIX_IGNORED;
	if (msgid(c, r)) {
		if (lit(c, "<= "))
			return p_arrival(c, r);
		if (lit(c, "=> ") || lit(c, "-> ") || lit(c, ">> "))
			return p_delivery(c, r, "sent");
		if (lit(c, "== "))
			return p_delivery(c, r, "deferred");
		if (lit(c, "** "))
			return p_delivery(c, r, "bounced");
		if (word(c, "Completed"))
			return POSTFIX_REMOVED;
		if (has(c, "F="))
			return p_local_scan(c, r);
		return exim_p_client_event(c, r);	/* "rejected after DATA", ... */
	}
	start = *c;
	if (token(c, &v, &n) && lit(c, " authenticator failed for ")) {
		cur_set(r, POSTFIX_F_SASL_METHOD, v, n);
		return p_auth_failed(c, r);
	}
	*c = start;
	return exim_p_client_event(c, r);
}

enum postfix_kind exim_parse(struct postfix_record *r, struct slice program, struct slice msg)
{
	struct cur c;

	cur_open(&c, msg);
	cur_reset(r);
	r->kind = parse(r, program, &c);
	return r->kind;
}
