// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postfix.c - Postfix record recogniser (see postfix.h).
 *
 * Each record kind is a small recursive-descent rule over a cursor
 * (p, end) that never reads at or past end.  A rule either consumes its
 * whole text or the line is UNPARSED: a rule never skips ahead looking for
 * a name, since the text it would skip is written by the attacker.
 */
#include <stdbool.h>
#include <string.h>

#include "text.h"
#include "maillog/postfix.h"

/* "; " separators tried as the start of a reject line's envelope tail */
#define POSTFIX_REJECT_TRIES 8

struct cur {
	const char *p;
	const char *end;
};

static bool done(const struct cur *c)
{
	return c->p >= c->end;
}

static bool has(const struct cur *c, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0;
}

static bool lit(struct cur *c, const char *s)
{
	if (!has(c, s))
		return false;
	c->p += strlen(s);
	return true;
}

/* Copy n bytes at v into dst as valid UTF-8 (U+FFFD for a bad byte),
 * cut on a character boundary; flags r->truncated when cut. */
static void put(struct postfix_record *r, char *dst, size_t cap,
		const char *v, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char seq[5] = { 0 };
		size_t k = n - i < 4 ? n - i : 4, len;
		const char *from;

		memcpy(seq, v + i, k);
		len = utf8_seq_len(seq);
		from = len ? v + i : UTF8_REPLACEMENT;
		if (o + (len ? len : 3) >= cap) {
			r->truncated = true;
			break;
		}
		memcpy(dst + o, from, len ? len : 3);
		o += len ? len : 3;
		i += len ? len : 1;
	}
	dst[o] = '\0';
}

#define PUT(r, field, v, n) put((r), (r)->field, sizeof((r)->field), (v), (n))

/* Bytes up to the first of `stop` or the end; at least one. */
static bool upto(struct cur *c, const char *stop, const char **v, size_t *n)
{
	const char *p = c->p;

	while (p < c->end && !strchr(stop, *p))
		p++;
	if (p == c->p)
		return false;
	*v = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return true;
}

static bool number(struct cur *c, long *v)
{
	long x = 0;

	if (done(c) || *c->p < '0' || *c->p > '9')
		return false;
	while (!done(c) && *c->p >= '0' && *c->p <= '9') {
		if (x > 100000000000L)
			return false;
		x = x * 10 + (*c->p++ - '0');
	}
	*v = x;
	return true;
}

/* Plain value of a ", "-list element: up to ", " or the end. */
static bool plain(struct cur *c, const char **v, size_t *n)
{
	const char *p = c->p;

	while (p < c->end && !(p[0] == ',' && p + 1 < c->end && p[1] == ' '))
		p++;
	*v = c->p;
	*n = (size_t)(p - c->p);
	c->p = p;
	return *n > 0;
}

/*
 * "<...>" value: it ends at the first '>' outside a "quoted" part that is
 * followed by `follow` or by the end of the text.  The value excludes the
 * brackets and may be empty (the null sender).  follow NULL: the value
 * is the last thing in the text.
 */
static bool angle(struct cur *c, const char *follow, const char **v, size_t *n)
{
	bool quoted = false;

	if (done(c) || *c->p != '<')
		return false;
	for (const char *p = c->p + 1; p < c->end; p++) {
		if (quoted) {
			if (*p == '\\' && p + 1 < c->end)
				p++;
			else if (*p == '"')
				quoted = false;
			continue;
		}
		if (*p == '"') {
			quoted = true;
		} else if (*p == '>') {
			struct cur rest = { p + 1, c->end };

			if (done(&rest) || (follow && has(&rest, follow))) {
				*v = c->p + 1;
				*n = (size_t)(p - (c->p + 1));
				c->p = p + 1;
				return true;
			}
		}
	}
	return false;
}

/* "QID: " with a short (hex) or long (base-52 with 'z') queue id. */
static bool qid(struct cur *c, struct postfix_record *r)
{
	static const char long_set[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	const char *p = c->p;
	bool hex = true, lng = true, z = false;

	while (p < c->end && *p != ':') {
		char ch = *p;

		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')))
			hex = false;
		if (!ch || !strchr(long_set, ch))
			lng = false;
		if (ch == 'z')
			z = true;
		if (++p - c->p >= POSTFIX_QID_MAX)
			return false;
	}
	if (p - c->p < 5 || !(hex || (lng && z)))
		return false;
	memcpy(r->qid, c->p, (size_t)(p - c->p));
	r->qid[p - c->p] = '\0';
	r->long_qid = !hex;
	c->p = p;
	return lit(c, ": ");
}

/* HOST[IP] into the given fields; a host holds no '[' (Postfix checks it). */
static bool namaddr(struct cur *c, struct postfix_record *r, char *host,
		    size_t hcap, char *ip, size_t icap)
{
	const char *v;
	size_t n;

	if (!upto(c, "[ ", &v, &n) || !lit(c, "["))
		return false;
	put(r, host, hcap, v, n);
	if (!upto(c, "] ", &v, &n) || !lit(c, "]"))
		return false;
	put(r, ip, icap, v, n);
	return true;
}

#define NAMADDR(c, r, h, i) namaddr((c), (r), (r)->h, sizeof((r)->h), (r)->i, sizeof((r)->i))

/* connect from HOST[IP] */
static enum postfix_kind p_connect(struct cur *c, struct postfix_record *r)
{
	if (!NAMADDR(c, r, client_host, client_ip) || !done(c))
		return POSTFIX_UNPARSED;
	return POSTFIX_CONNECT;
}

/* client=HOST[IP][, sasl_method=M][, sasl_username=U][, sasl_sender=S]
 * [, orig_queue_id=Q][, orig_client=C] -- in this order, each at most once. */
static enum postfix_kind p_client(struct cur *c, struct postfix_record *r)
{
	static const char *const names[] = {
		"sasl_method=", "sasl_username=", "sasl_sender=",
		"orig_queue_id=", "orig_client=",
	};
	size_t next = 0;

	if (!NAMADDR(c, r, client_host, client_ip))
		return POSTFIX_UNPARSED;
	while (!done(c)) {
		const char *v;
		size_t n, i;

		if (!lit(c, ", "))
			return POSTFIX_UNPARSED;
		for (i = next; i < 5; i++)
			if (lit(c, names[i]))
				break;
		if (i == 5 || !plain(c, &v, &n))
			return POSTFIX_UNPARSED;
		if (i == 0)
			PUT(r, sasl_method, v, n);
		else if (i == 1)
			PUT(r, sasl_username, v, n);
		else if (i == 2)
			PUT(r, sasl_sender, v, n);
		next = i + 1;
	}
	return POSTFIX_CLIENT;
}

/* HOST[IP]: SASL METHOD authentication failed: TEXT[, sasl_username=U]
 * TEXT comes from the SASL server; the login name, written by the client,
 * is last, so the first ", sasl_username=" after TEXT starts it. */
static enum postfix_kind p_auth_failed(struct cur *c, struct postfix_record *r)
{
	const char *v, *p;
	size_t n;

	if (!NAMADDR(c, r, client_host, client_ip) || !lit(c, ": SASL ") ||
	    !upto(c, " ", &v, &n))
		return POSTFIX_IGNORED;
	PUT(r, sasl_method, v, n);
	if (!lit(c, " authentication failed:"))
		return POSTFIX_IGNORED;
	lit(c, " ");
	for (p = c->p; p < c->end; p++) {
		struct cur t = { p, c->end };

		if (lit(&t, ", sasl_username=")) {
			PUT(r, text, c->p, (size_t)(p - c->p));
			PUT(r, sasl_username, t.p, (size_t)(t.end - t.p));
			return POSTFIX_AUTH_FAILED;
		}
	}
	PUT(r, text, c->p, (size_t)(c->end - c->p));
	return POSTFIX_AUTH_FAILED;
}

/* [from=<S>] [to=<R>] [proto=P] [helo=<H>] to the end, space separated,
 * at least one of them (Postfix always has a proto). */
static bool reject_tail(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;
	bool first = true;

	if (lit(c, "from=")) {
		if (!angle(c, " ", &v, &n))
			return false;
		PUT(r, from, v, n);
		first = false;
	}
	if (lit(c, first ? "to=" : " to=")) {
		if (!angle(c, " ", &v, &n))
			return false;
		PUT(r, to, v, n);
		first = false;
	}
	if (lit(c, first ? "proto=" : " proto=")) {
		if (!upto(c, " ", &v, &n))
			return false;
		PUT(r, proto, v, n);
		first = false;
	}
	if (lit(c, first ? "helo=<" : " helo=<")) {
		first = false;
		/* an SMTP argument: no space, and it is the last element */
		if (c->end[-1] != '>' || memchr(c->p, ' ', (size_t)(c->end - c->p)))
			return false;
		PUT(r, helo, c->p, (size_t)(c->end - 1 - c->p));
		c->p = c->end;
	}
	return !first && done(c);
}

/* reject: STAGE from HOST[IP]: REPLY; TAIL */
static enum postfix_kind p_reject(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!upto(c, " ", &v, &n) || !lit(c, " from "))
		return POSTFIX_UNPARSED;
	PUT(r, stage, v, n);
	if (!NAMADDR(c, r, client_host, client_ip) || !lit(c, ": "))
		return POSTFIX_UNPARSED;
	/* REPLY may quote an attacker's address holding "; ": the tail starts
	 * at the first "; " after which the rest parses as a whole tail.  Each
	 * try is linear in the line, so the number of tries is bounded. */
	int tries = 0;

	for (const char *p = c->p; p + 1 < c->end; p++) {
		struct postfix_record t;
		struct cur tail = { p + 2, c->end };

		if (p[0] != ';' || p[1] != ' ')
			continue;
		if (++tries > POSTFIX_REJECT_TRIES)
			break;
		memset(&t, 0, sizeof(t));
		if (!reject_tail(&tail, &t))
			continue;
		PUT(r, text, c->p, (size_t)(p - c->p));
		memcpy(r->from, t.from, sizeof(r->from));
		memcpy(r->to, t.to, sizeof(r->to));
		memcpy(r->proto, t.proto, sizeof(r->proto));
		memcpy(r->helo, t.helo, sizeof(r->helo));
		r->truncated |= t.truncated;
		return POSTFIX_REJECT;
	}
	return POSTFIX_UNPARSED;
}

/* relay=HOST[IP]:PORT or relay=WORD (local, none, private/dovecot-lmtp) */
static bool relay(struct postfix_record *r, const char *v, size_t n)
{
	const char *lb = memchr(v, '[', n);
	struct cur c = { v, v + n };

	if (!lb) {
		PUT(r, relay_host, v, n);
		return true;
	}
	if (!NAMADDR(&c, r, relay_host, relay_ip))
		return false;
	if (lit(&c, ":") && !number(&c, &r->relay_port))
		return false;
	return done(&c);
}

/* to=<R>, [orig_to=<O>,] relay=.., [conn_use=N,] delay=D, delays=D,
 * dsn=X.Y.Z, status=WORD[ (TEXT)] */
static enum postfix_kind p_delivery(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!angle(c, ",", &v, &n) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	PUT(r, to, v, n);
	if (lit(c, "orig_to=")) {
		if (!angle(c, ",", &v, &n) || !lit(c, ", "))
			return POSTFIX_UNPARSED;
		PUT(r, orig_to, v, n);
	}
	if (!lit(c, "relay=") || !plain(c, &v, &n) || !relay(r, v, n) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	if (lit(c, "conn_use=") && (!plain(c, &v, &n) || !lit(c, ", ")))
		return POSTFIX_UNPARSED;
	if (!lit(c, "delay=") || !plain(c, &v, &n) || !lit(c, ", ") ||
	    !lit(c, "delays=") || !plain(c, &v, &n) || !lit(c, ", ") ||
	    !lit(c, "dsn=") || !plain(c, &v, &n) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	PUT(r, dsn, v, n);
	if (!lit(c, "status=") || !upto(c, " ", &v, &n))
		return POSTFIX_UNPARSED;
	PUT(r, status, v, n);
	if (lit(c, " ")) {
		if (c->end - c->p >= 2 && *c->p == '(' && c->end[-1] == ')')
			PUT(r, text, c->p + 1, (size_t)(c->end - c->p - 2));
		else
			PUT(r, text, c->p, (size_t)(c->end - c->p));
	}
	return POSTFIX_DELIVERY;
}

/* from=<S>, size=N, nrcpt=N (queue active) */
static enum postfix_kind p_queued(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!angle(c, ",", &v, &n) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	PUT(r, from, v, n);
	if (lit(c, "status="))
		return POSTFIX_IGNORED;		/* expired, returned to sender */
	if (!lit(c, "size=") || !number(c, &r->size) || !lit(c, ", nrcpt=") ||
	    !number(c, &r->nrcpt) || !lit(c, " (queue active)") || !done(c))
		return POSTFIX_UNPARSED;
	return POSTFIX_QUEUED;
}

/* uid=N from=<S> */
static enum postfix_kind p_pickup(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!number(c, &r->uid) || !lit(c, " from=") || !angle(c, NULL, &v, &n) ||
	    !done(c))
		return POSTFIX_UNPARSED;
	PUT(r, from, v, n);
	return POSTFIX_PICKUP;
}

/* message-id=<ID> (or a bare ID when the header had no brackets) */
static enum postfix_kind p_message_id(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!angle(c, NULL, &v, &n) && !plain(c, &v, &n))
		return POSTFIX_UNPARSED;
	if (!done(c))
		return POSTFIX_UNPARSED;
	PUT(r, message_id, v, n);
	return POSTFIX_MESSAGE_ID;
}

static bool is(const char *service, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(service, *set) == 0)
			return true;
	return false;
}

static const char *const delivery_agents[] = {
	"smtp", "lmtp", "local", "virtual", "pipe", "error", "discard", "retry", NULL
};

/* The text after "QID: ", by service. */
static enum postfix_kind p_queue_record(struct cur *c, struct postfix_record *r)
{
	const char *s = r->service;

	if (!strcmp(s, "smtpd") && lit(c, "reject: "))
		return p_reject(c, r);
	if (!strcmp(s, "smtpd") && lit(c, "client="))
		return p_client(c, r);
	if (!strcmp(s, "cleanup") && lit(c, "message-id="))
		return p_message_id(c, r);
	if (!strcmp(s, "qmgr") && lit(c, "from="))
		return p_queued(c, r);
	if (!strcmp(s, "pickup") && lit(c, "uid="))
		return p_pickup(c, r);
	if (is(s, delivery_agents) && lit(c, "to="))
		return p_delivery(c, r);
	if ((!strcmp(s, "qmgr") || !strcmp(s, "postsuper")) && lit(c, "removed"))
		return done(c) ? POSTFIX_REMOVED : POSTFIX_UNPARSED;
	if (!strcmp(s, "postsuper") && lit(c, "placed on hold"))
		return done(c) ? POSTFIX_HOLD : POSTFIX_UNPARSED;
	if (!strcmp(s, "postsuper") && lit(c, "released from hold"))
		return done(c) ? POSTFIX_RELEASE : POSTFIX_UNPARSED;
	return POSTFIX_IGNORED;
}

/* NAME/[...]/SERVICE with NAME allowed by syslog_names; sets r->service. */
static bool postfix_program(struct postfix_record *r, const char *program,
			    const char *const *syslog_names)
{
	static const char *const dflt[] = { "postfix", NULL };
	const char *slash = strrchr(program, '/');

	if (!slash || strlen(slash + 1) >= sizeof(r->service))
		return false;
	for (const char *const *s = syslog_names ? syslog_names : dflt; *s; s++) {
		size_t n = strlen(*s);

		if (n && !strncmp(program, *s, n) &&
		    (program[n] == '/' || program[n] == '-')) {
			strcpy(r->service, slash + 1);
			return true;
		}
	}
	return false;
}

static enum postfix_kind parse(struct postfix_record *r, const char *program,
			       struct cur *c, const char *const *syslog_names)
{
	if (!program || !postfix_program(r, program, syslog_names))
		return POSTFIX_FOREIGN;
	if (memchr(c->p, '\0', (size_t)(c->end - c->p)))
		return POSTFIX_UNPARSED;
	if (!strcmp(r->service, "smtpd")) {
		if (lit(c, "connect from "))
			return p_connect(c, r);
		if (lit(c, "warning: "))
			return p_auth_failed(c, r);
		if (lit(c, "NOQUEUE: "))
			return lit(c, "reject: ") ? p_reject(c, r) : POSTFIX_IGNORED;
	}
	if (!qid(c, r)) {
		r->qid[0] = '\0';
		return POSTFIX_IGNORED;
	}
	return p_queue_record(c, r);
}

enum postfix_kind postfix_parse(struct postfix_record *r, const char *program,
				const char *msg, size_t len,
				const char *const *syslog_names)
{
	struct cur c;

	if (!msg) {
		msg = "";
		len = 0;
	}
	c.p = msg;
	c.end = msg + len;
	memset(r, 0, sizeof(*r));
	r->relay_port = r->size = r->nrcpt = r->uid = -1;
	r->kind = parse(r, program, &c, syslog_names);
	return r->kind;
}

const char *postfix_kind_name(enum postfix_kind kind)
{
	static const char *const names[] = {
		[POSTFIX_UNPARSED] = "unparsed", [POSTFIX_FOREIGN] = "foreign",
		[POSTFIX_IGNORED] = "ignored", [POSTFIX_CONNECT] = "connect",
		[POSTFIX_CLIENT] = "client", [POSTFIX_AUTH_FAILED] = "auth_failed",
		[POSTFIX_REJECT] = "reject", [POSTFIX_MESSAGE_ID] = "message_id",
		[POSTFIX_QUEUED] = "queued", [POSTFIX_REMOVED] = "removed",
		[POSTFIX_DELIVERY] = "delivery", [POSTFIX_PICKUP] = "pickup",
		[POSTFIX_HOLD] = "hold", [POSTFIX_RELEASE] = "release",
	};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}
