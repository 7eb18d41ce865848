// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postfix.c - Postfix record recogniser (see postfix.h).
 *
 * Each record kind is a small recursive-descent rule over a cursor
 * (p, end) that never reads at or past end.  A rule either consumes its
 * whole text or the line is UNPARSED: a rule never skips ahead looking for
 * a name, since the text it would skip is written by the attacker.
 * Values are slices of the message; the only per-line writes are the
 * fields a rule finds and a handful of resets.  The reject tails and
 * cleanup's checks are postfix_reject.c, the records about a peer
 * (SMTP_ERROR, EVENT) postfix_event.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "maillog/cursor.h"
#include "maillog/postfix.h"
#include "maillog/postfix_int.h"

/* The services whose records this parser reads. */
enum service {
	SVC_OTHER, SVC_SMTPD, SVC_CLEANUP, SVC_QMGR, SVC_PICKUP, SVC_POSTSUPER,
	SVC_SMTP,	/* smtp, lmtp: a delivery agent with a server */
	SVC_AGENT,	/* another delivery agent */
	SVC_BOUNCE,	/* the bounce daemon: notifications */
	SVC_POSTSCREEN, SVC_TLSPROXY, SVC_DNSBLOG, SVC_ANVIL,
};

_Static_assert(POSTFIX_F_COUNT <= 32, "present is a 32-bit mask");

static const unsigned short field_max[POSTFIX_F_COUNT] = {
	[POSTFIX_F_SERVICE] = POSTFIX_SERVICE_MAX, [POSTFIX_F_QID] = POSTFIX_QID_MAX,
	[POSTFIX_F_CLIENT_HOST] = POSTFIX_HOST_MAX, [POSTFIX_F_CLIENT_IP] = POSTFIX_IP_MAX,
	[POSTFIX_F_SASL_METHOD] = POSTFIX_WORD_MAX,
	[POSTFIX_F_SASL_USERNAME] = POSTFIX_TEXT_MAX,
	[POSTFIX_F_SASL_SENDER] = POSTFIX_ADDR_MAX,
	[POSTFIX_F_MESSAGE_ID] = POSTFIX_ADDR_MAX, [POSTFIX_F_FROM] = POSTFIX_ADDR_MAX,
	[POSTFIX_F_TO] = POSTFIX_ADDR_MAX, [POSTFIX_F_ORIG_TO] = POSTFIX_ADDR_MAX,
	[POSTFIX_F_RELAY_HOST] = POSTFIX_HOST_MAX, [POSTFIX_F_RELAY_IP] = POSTFIX_IP_MAX,
	[POSTFIX_F_DSN] = POSTFIX_WORD_MAX, [POSTFIX_F_STATUS] = POSTFIX_WORD_MAX,
	[POSTFIX_F_TEXT] = POSTFIX_TEXT_MAX, [POSTFIX_F_STAGE] = POSTFIX_WORD_MAX,
	[POSTFIX_F_PROTO] = POSTFIX_WORD_MAX, [POSTFIX_F_HELO] = POSTFIX_TEXT_MAX,
	[POSTFIX_F_LOCAL_USER] = POSTFIX_TEXT_MAX, [POSTFIX_F_TLS] = POSTFIX_TEXT_MAX,
	[POSTFIX_F_DELAY] = POSTFIX_WORD_MAX, [POSTFIX_F_DELAYS] = POSTFIX_WORD_MAX,
	[POSTFIX_F_NEW_QID] = POSTFIX_QID_MAX, [POSTFIX_F_NOTIFY] = POSTFIX_WORD_MAX,
	[POSTFIX_F_NOTIFY_TO] = POSTFIX_WORD_MAX, [POSTFIX_F_ACTION] = POSTFIX_WORD_MAX,
	[POSTFIX_F_CLASS] = POSTFIX_WORD_MAX, [POSTFIX_F_CONTENT] = POSTFIX_TEXT_MAX,
	[POSTFIX_F_ORIG_QID] = POSTFIX_QID_MAX,
};

size_t postfix_field_max(enum postfix_field f)
{
	return (unsigned)f < POSTFIX_F_COUNT ? field_max[f] : 0;
}

static void set(struct postfix_record *r, enum postfix_field f, const char *v, size_t n)
{
	r->f[f].p = v;
	r->f[f].n = n;
	r->present |= 1u << f;
	if (n >= field_max[f])
		r->truncated = true;
}

enum { Q_HEX = 1, Q_LONG = 2 };

/* Short queue ids are upper-case hex; long ones base 52 without vowels,
 * with a 'z' between the time and the inode part. */
static const unsigned char qid_cls[256] = {
	['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3,
	['5'] = 3, ['6'] = 3, ['7'] = 3, ['8'] = 3, ['9'] = 3,
	['A'] = Q_HEX, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = Q_HEX, ['F'] = 3,
	['G'] = Q_LONG, ['H'] = Q_LONG, ['J'] = Q_LONG, ['K'] = Q_LONG,
	['L'] = Q_LONG, ['M'] = Q_LONG, ['N'] = Q_LONG, ['P'] = Q_LONG,
	['Q'] = Q_LONG, ['R'] = Q_LONG, ['S'] = Q_LONG, ['T'] = Q_LONG,
	['V'] = Q_LONG, ['W'] = Q_LONG, ['X'] = Q_LONG, ['Y'] = Q_LONG,
	['Z'] = Q_LONG,
	['b'] = Q_LONG, ['c'] = Q_LONG, ['d'] = Q_LONG, ['f'] = Q_LONG,
	['g'] = Q_LONG, ['h'] = Q_LONG, ['j'] = Q_LONG, ['k'] = Q_LONG,
	['l'] = Q_LONG, ['m'] = Q_LONG, ['n'] = Q_LONG, ['p'] = Q_LONG,
	['q'] = Q_LONG, ['r'] = Q_LONG, ['s'] = Q_LONG, ['t'] = Q_LONG,
	['v'] = Q_LONG, ['w'] = Q_LONG, ['x'] = Q_LONG, ['y'] = Q_LONG,
	['z'] = Q_LONG,
};

/* High bit of each byte of x that is '0'-'9' or 'A'-'F'; x must have no
 * byte >= 0x80 (then no sum carries into the next byte). */
static inline uint64_t hex_bytes(uint64_t x)
{
	uint64_t digit = (x + BYTES_ONES * (0x80 - '0')) & ~(x + BYTES_ONES * (0x80 - '9' - 1));
	uint64_t upper = (x + BYTES_ONES * (0x80 - 'A')) & ~(x + BYTES_ONES * (0x80 - 'F' - 1));

	return (digit | upper) & BYTES_HIGHS;
}

/* "QID: " with a short (hex) or long (base-52 with 'z') queue id. */
static inline __attribute__((always_inline)) bool qid(struct cur *c, struct postfix_record *r)
{
	const char *p = c->p;
	unsigned all = Q_HEX | Q_LONG;
	bool z = false;
	size_t n;

	/* the usual short id of 8 to 15 hex digits, two words at a time;
	 * anything else takes the byte loop below */
	if (c->end - p >= 17) {
		uint64_t a = load8(p), b = load8(p + 8), rest;

		if (!((a | b) & BYTES_HIGHS) && hex_bytes(a) == BYTES_HIGHS &&
		    (rest = ~hex_bytes(b) & BYTES_HIGHS) != 0) {
			n = 8 + (__builtin_ctzll(rest) >> 3);
			if (p[n] == ':' && p[n + 1] == ' ') {
				set(r, POSTFIX_F_QID, p, n);
				c->p = p + n + 2;
				return true;
			}
		}
	}

	while (p < c->end && *p != ':') {
		all &= qid_cls[(unsigned char)*p];
		z |= *p == 'z';
		if (!all || ++p - c->p >= POSTFIX_QID_MAX)
			return false;
	}
	n = (size_t)(p - c->p);
	if (n < 5 || !((all & Q_HEX) || z))
		return false;
	if (!(p + 1 < c->end && p[1] == ' '))
		return false;
	set(r, POSTFIX_F_QID, c->p, n);
	r->long_qid = !(all & Q_HEX);
	c->p = p + 2;
	return true;
}


/* connect from HOST[IP] */
static enum postfix_kind p_connect(struct cur *c, struct postfix_record *r)
{
	if (!client(c, r) || !done(c))
		return POSTFIX_UNPARSED;
	return POSTFIX_CONNECT;
}

/* client=HOST[IP][, sasl_method=M][, sasl_username=U][, sasl_sender=S]
 * [, orig_queue_id=Q][, orig_client=C] -- in this order, each at most
 * once; elements of other names anywhere after HOST[IP]. */
static enum postfix_kind p_client(struct cur *c, struct postfix_record *r)
{
	int next = 0;

	if (!client(c, r))
		return POSTFIX_UNPARSED;
	while (!done(c)) {
		const char *v;
		size_t n;
		int i;

		if (!lit(c, ", "))
			return POSTFIX_UNPARSED;
		if (lit(c, "sasl_method="))
			i = 0;
		else if (lit(c, "sasl_username="))
			i = 1;
		else if (lit(c, "sasl_sender="))
			i = 2;
		else if (lit(c, "orig_queue_id="))
			i = 3;
		else if (lit(c, "orig_client="))
			i = 4;
		else if (skip_elem(c, ','))
			continue;
		else
			return POSTFIX_UNPARSED;
		if (i < next || !plain(c, &v, &n))	/* twice, out of order */
			return POSTFIX_UNPARSED;
		if (i == 0)
			set(r, POSTFIX_F_SASL_METHOD, v, n);
		else if (i == 1)
			set(r, POSTFIX_F_SASL_USERNAME, v, n);
		else if (i == 2)
			set(r, POSTFIX_F_SASL_SENDER, v, n);
		next = i + 1;
	}
	return POSTFIX_CLIENT;
}

/* HOST[IP][:PORT]: SASL METHOD authentication failed: TEXT[, sasl_username=U]
 * TEXT comes from the SASL server; the login name, written by the client,
 * is last, so the first ", sasl_username=" after TEXT starts it. */
static enum postfix_kind p_auth_failed(struct cur *c, struct postfix_record *r)
{
	static const char key[] = ", sasl_username=";
	const char *v, *p;
	size_t n;

	if (!client(c, r) || !lit(c, ": SASL ") || !upto(c, ' ', &v, &n))
		return POSTFIX_IGNORED;
	set(r, POSTFIX_F_SASL_METHOD, v, n);
	if (!lit(c, " authentication failed:"))
		return POSTFIX_IGNORED;
	lit(c, " ");
	p = memmem(c->p, (size_t)(c->end - c->p), key, sizeof(key) - 1);
	if (p) {
		set(r, POSTFIX_F_TEXT, c->p, (size_t)(p - c->p));
		p += sizeof(key) - 1;
		set(r, POSTFIX_F_SASL_USERNAME, p, (size_t)(c->end - p));
	} else {
		set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
	}
	return POSTFIX_AUTH_FAILED;
}

/* relay=HOST[IP]:PORT or relay=WORD (local, none, private/dovecot-lmtp) */
static bool relay(struct postfix_record *r, const char *v, size_t n)
{
	struct cur c = { v, v + n };

	if (!memchr(v, '[', n)) {
		set(r, POSTFIX_F_RELAY_HOST, v, n);
		return true;
	}
	if (!namaddr(&c, r, POSTFIX_F_RELAY_HOST, POSTFIX_F_RELAY_IP))
		return false;
	if (lit(&c, ":") && !number(&c, &r->relay_port))
		return false;
	return done(&c);
}

/* The known elements of a delivery record after to=<R>, in order. */
enum { D_ORIG_TO, D_RELAY, D_CONN_USE, D_DELAY, D_DELAYS, D_TLS, D_DSN, D_STATUS };

/* The name of a known delivery element, consumed with its '=': D_*, or
 * -1 (nothing consumed).  One test of the first byte for most. */
static int delivery_name(struct cur *c)
{
	if (done(c))
		return -1;
	switch (*c->p) {
	case 'd':
		if (lit(c, "delay="))
			return D_DELAY;
		if (lit(c, "delays="))
			return D_DELAYS;
		if (lit(c, "dsn="))
			return D_DSN;
		break;
	case 's':
		if (lit(c, "status="))
			return D_STATUS;
		break;
	case 'r':
		if (lit(c, "relay="))
			return D_RELAY;
		break;
	case 'o':
		if (lit(c, "orig_to="))
			return D_ORIG_TO;
		break;
	case 'c':
		if (lit(c, "conn_use="))
			return D_CONN_USE;
		break;
	case 't':
		if (lit(c, "tls="))
			return D_TLS;
		break;
	default:
		break;
	}
	return -1;
}

/* to=<R>, [orig_to=<O>,] relay=.., [conn_use=N,] delay=D, delays=D,
 * [tls=T,] dsn=X.Y.Z, status=WORD[ (TEXT)]: known elements in this order,
 * each at most once, relay and status required, status last; elements of
 * other names anywhere after to=<R>. */
static enum postfix_kind p_delivery(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;
	int next = 0;

	/* to=<R>; an old local(8) wrote to=R, orig_to=O without brackets */
	if (!(has(c, "<") ? angle(c, ',', &v, &n) : plain(c, &v, &n)) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_TO, v, n);
	for (;;) {
		int i = delivery_name(c);

		if (i < 0) {
			if (!skip_elem(c, ',') || !lit(c, ", "))
				return POSTFIX_UNPARSED;
			continue;
		}
		if (i < next)
			return POSTFIX_UNPARSED;	/* twice, or out of order */
		next = i + 1;
		if (i == D_STATUS)
			break;
		if (i == D_ORIG_TO) {
			if (!(has(c, "<") ? angle(c, ',', &v, &n) : plain(c, &v, &n)))
				return POSTFIX_UNPARSED;
		} else if (!plain(c, &v, &n)) {
			return POSTFIX_UNPARSED;
		}
		if (!lit(c, ", "))
			return POSTFIX_UNPARSED;
		switch (i) {
		case D_ORIG_TO:
			set(r, POSTFIX_F_ORIG_TO, v, n);
			break;
		case D_RELAY:
			if (!relay(r, v, n))
				return POSTFIX_UNPARSED;
			break;
		case D_CONN_USE: {
			struct cur nc = { v, v + n };

			if (!number(&nc, &r->conn_use) || !done(&nc))
				return POSTFIX_UNPARSED;
			r->conn_reused = true;
			break;
		}
		case D_DELAY:
			set(r, POSTFIX_F_DELAY, v, n);
			break;
		case D_DELAYS:
			set(r, POSTFIX_F_DELAYS, v, n);
			break;
		case D_TLS:
			set(r, POSTFIX_F_TLS, v, n);
			break;
		default:
			set(r, POSTFIX_F_DSN, v, n);
			break;
		}
	}
	if (!postfix_has(r, POSTFIX_F_RELAY_HOST))
		return POSTFIX_UNPARSED;	/* relay= is required */
	if (!upto(c, ' ', &v, &n))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_STATUS, v, n);
	if (lit(c, " ")) {
		if (c->end - c->p >= 2 && *c->p == '(' && c->end[-1] == ')')
			set(r, POSTFIX_F_TEXT, c->p + 1, (size_t)(c->end - c->p - 2));
		else
			set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
	}
	return POSTFIX_DELIVERY;
}

/* from=<S>, size=N, nrcpt=N (queue active), elements of other names
 * anywhere after from=<S>; or from=<S>, status=WORD, returned to sender */
static enum postfix_kind p_queued(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!angle(c, ',', &v, &n) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_FROM, v, n);
	if (lit(c, "status=")) {
		if (!upto(c, ',', &v, &n) || !lit(c, ", returned to sender") || !done(c))
			return POSTFIX_UNPARSED;
		set(r, POSTFIX_F_STATUS, v, n);
		return POSTFIX_EXPIRED;
	}
	while (!lit(c, "size="))
		if (!skip_elem(c, ',') || !lit(c, ", "))
			return POSTFIX_UNPARSED;
	if (!number(c, &r->size) || !lit(c, ", "))
		return POSTFIX_UNPARSED;
	while (!lit(c, "nrcpt="))
		if (!skip_elem(c, ',') || !lit(c, ", "))
			return POSTFIX_UNPARSED;
	if (!number(c, &r->nrcpt) || !lit(c, " (queue active)") || !done(c))
		return POSTFIX_UNPARSED;
	return POSTFIX_QUEUED;
}

/* uid=N from=<S>[ orig_id=ID] (pickup.c: orig_id of mail requeued with
 * postsuper -r), elements of other names after from=<S> */
static enum postfix_kind p_pickup(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	/* a sender to the end first: orig_id's value never ends in '>' */
	if (!number(c, &r->uid) || !lit(c, " from=") ||
	    !(angle(c, '\0', &v, &n) || angle(c, ' ', &v, &n)))
		return POSTFIX_UNPARSED;
	while (lit(c, " "))
		if (!skip_elem(c, ' '))
			return POSTFIX_UNPARSED;
	if (!done(c))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_FROM, v, n);
	return POSTFIX_PICKUP;
}

/* message-id=<ID> (or a bare ID when the header had no brackets) */
static enum postfix_kind p_message_id(struct cur *c, struct postfix_record *r)
{
	const char *v;
	size_t n;

	if (!angle(c, '\0', &v, &n) && !plain(c, &v, &n))
		return POSTFIX_UNPARSED;
	if (!done(c))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_MESSAGE_ID, v, n);
	return POSTFIX_MESSAGE_ID;
}

/* (sender|postmaster) (non-delivery|delay|delivery status) notification: NEWQID
 * -- the bounce daemon's msg_info() of each notification it creates.
 * NEWQID is a whole queue id to the end, of the same classes as qid(). */
static enum postfix_kind p_notify(struct cur *c, struct postfix_record *r)
{
	static const char *const kinds[] = { "non-delivery", "delay", "delivery status" };
	const char *to = c->p, *kind, *id;
	unsigned all = Q_HEX | Q_LONG;
	bool z = false;
	size_t n;

	if (!lit(c, "sender ") && !lit(c, "postmaster "))
		return POSTFIX_IGNORED;
	set(r, POSTFIX_F_NOTIFY_TO, to, (size_t)(c->p - 1 - to));
	kind = c->p;
	for (n = 0; n < sizeof(kinds) / sizeof(kinds[0]); n++)
		if (lit_n(c, kinds[n], strlen(kinds[n])))
			break;
	if (n == sizeof(kinds) / sizeof(kinds[0]))
		return POSTFIX_IGNORED;
	set(r, POSTFIX_F_NOTIFY, kind, (size_t)(c->p - kind));
	if (!lit(c, " notification: "))
		return POSTFIX_IGNORED;
	for (id = c->p; c->p < c->end; c->p++) {
		all &= qid_cls[(unsigned char)*c->p];
		z |= *c->p == 'z';
		if (!all || c->p - id >= POSTFIX_QID_MAX - 1)
			return POSTFIX_UNPARSED;
	}
	n = (size_t)(c->p - id);
	if (n < 5 || !((all & Q_HEX) || z))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_NEW_QID, id, n);
	return POSTFIX_NOTIFY;
}

/* tls_log_summary(): TRUST TLS connection (established|reused) (from
 * CLIENT[ to SNI]|to HOST[IP]:PORT): PROTOCOL with cipher ...; IGNORED
 * (nothing consumed) for another text. */
static enum postfix_kind p_tls(struct cur *c, struct postfix_record *r)
{
	const char *start = c->p, *v;
	size_t n;

	if (!(lit(c, "Anonymous") || lit(c, "Verified") || lit(c, "Trusted") ||
	      lit(c, "Untrusted")) || !lit(c, " TLS connection ")) {
		c->p = start;
		return POSTFIX_IGNORED;
	}
	set(r, POSTFIX_F_STATUS, start, (size_t)(find1(start, c->p, ' ') - start));
	if (!lit(c, "established ") && !lit(c, "reused "))
		return POSTFIX_UNPARSED;
	if (lit(c, "from ")) {
		if (!client(c, r))
			return POSTFIX_UNPARSED;
		if (lit(c, " to ") && !upto(c, ':', &v, &n))	/* the SNI name */
			return POSTFIX_UNPARSED;
	} else if (!lit(c, "to ") || !namaddr(c, r, POSTFIX_F_RELAY_HOST, POSTFIX_F_RELAY_IP) ||
		   (lit(c, ":") && !number(c, &r->relay_port))) {
		return POSTFIX_UNPARSED;
	}
	if (!lit(c, ": ") || done(c))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
	return POSTFIX_TLS_CONNECTION;
}

/* disconnect from CLIENT[ COUNTS] (smtpd_format_cmd_stats(): ehlo=1 ...) */
static enum postfix_kind p_disconnect(struct cur *c, struct postfix_record *r)
{
	if (!client(c, r))
		return POSTFIX_UNPARSED;
	if (lit(c, " ") && !done(c))
		set(r, POSTFIX_F_TEXT, c->p, (size_t)(c->end - c->p));
	else if (!done(c))
		return POSTFIX_UNPARSED;
	return POSTFIX_DISCONNECT;
}

/* (lost connection|timeout|too many errors) after STAGE[ (N bytes)] from
 * CLIENT: smtpd's end of a session that went wrong; IGNORED for another
 * text.  Postfix 3.10 puts "NOQUEUE: " or "QID: " before it. */
static enum postfix_kind p_lost(struct cur *c, struct postfix_record *r)
{
	const char *why = c->p, *v;
	size_t n;

	if (!lit(c, "lost connection") && !lit(c, "timeout") && !lit(c, "too many errors"))
		return POSTFIX_IGNORED;
	n = (size_t)(c->p - why);
	if (!lit(c, " after ")) {
		c->p = why;
		return POSTFIX_IGNORED;
	}
	set(r, POSTFIX_F_STATUS, why, n);
	if (!upto(c, ' ', &v, &n))
		return POSTFIX_UNPARSED;
	set(r, POSTFIX_F_STAGE, v, n);
	if (lit(c, " (") && (!number(c, &r->size) || !lit(c, " bytes)")))
		return POSTFIX_UNPARSED;
	if (!lit(c, " from ") || !client(c, r) || !done(c))
		return POSTFIX_UNPARSED;
	return POSTFIX_LOST;
}

/* postsuper's summary: WHAT: N message[s] (postsuper.c's last lines) */
static enum postfix_kind p_summary(struct cur *c, struct postfix_record *r)
{
	static const struct { const char *s; size_t n; } what[] = {
#define W(x) { x, sizeof(x) - 1 }
		W("Deleted"), W("Requeued"), W("Placed on hold"), W("Released from hold"),
		W("Force-expired"), W("Renamed to match inode number"),
#undef W
	};
	const char *w = c->p;

	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		if ((size_t)(c->end - c->p) <= what[i].n ||
		    memcmp(c->p, what[i].s, what[i].n) != 0 || c->p[what[i].n] != ':')
			continue;
		c->p += what[i].n;
		if (!lit(c, ": ") || !number(c, &r->count) || !lit(c, " message") ||
		    !(r->count == 1 ? done(c) : lit(c, "s") && done(c)))
			return POSTFIX_UNPARSED;
		set(r, POSTFIX_F_STATUS, w, what[i].n);
		return POSTFIX_SUMMARY;
	}
	return POSTFIX_IGNORED;
}

/* A whole-text literal: the record kind k when the rest is exactly s. */
#define WHOLE(c, s, k) (lit(c, s) ? (done(c) ? (k) : POSTFIX_UNPARSED) : POSTFIX_IGNORED)

/* The text after "QID: ", by service. */
static enum postfix_kind p_queue_record(struct cur *c, struct postfix_record *r,
					enum service svc)
{
	enum postfix_kind k;

	switch (svc) {
	case SVC_SMTPD:
		if (lit(c, "client="))
			return p_client(c, r);
		if (lit(c, "reject: "))
			return p_reject(c, r, POSTFIX_REJECT, false);
		if (lit(c, "milter-reject: "))
			return p_reject(c, r, POSTFIX_MILTER_REJECT, false);
		if ((k = p_action(c, r)) != POSTFIX_IGNORED)
			return k;
		return p_lost(c, r);
	case SVC_CLEANUP:
		if (lit(c, "message-id="))
			return p_message_id(c, r);
		if (lit(c, "to="))
			return p_delivery(c, r);
		return p_cleanup_action(c, r);
	case SVC_QMGR:
		if (lit(c, "from="))
			return p_queued(c, r);
		if (lit(c, "to="))
			return p_delivery(c, r);
		return WHOLE(c, "removed", POSTFIX_REMOVED);
	case SVC_PICKUP:
		if (lit(c, "uid="))
			return p_pickup(c, r);
		break;
	case SVC_SMTP:
		if (!lit(c, "to="))
			return p_smtp_error(c, r);
		return p_delivery(c, r);
	case SVC_AGENT:
		if (lit(c, "to="))
			return p_delivery(c, r);
		break;
	case SVC_POSTSUPER:
		if ((k = WHOLE(c, "removed", POSTFIX_REMOVED)) != POSTFIX_IGNORED ||
		    (k = WHOLE(c, "placed on hold", POSTFIX_HOLD)) != POSTFIX_IGNORED ||
		    (k = WHOLE(c, "released from hold", POSTFIX_RELEASE)) != POSTFIX_IGNORED ||
		    (k = WHOLE(c, "requeued", POSTFIX_REQUEUED)) != POSTFIX_IGNORED)
			return k;
		return WHOLE(c, "expired", POSTFIX_EXPIRED);
	case SVC_BOUNCE:
		return p_notify(c, r);
	case SVC_POSTSCREEN:
	case SVC_TLSPROXY:
	case SVC_DNSBLOG:
	case SVC_ANVIL:
	case SVC_OTHER:
		break;
	}
	return POSTFIX_IGNORED;
}

#define IS(s, lit) same_n((s).p, lit, sizeof(lit) - 1)

static enum service service_of(struct slice s)
{
	switch (s.n) {
	case 4:
		if (IS(s, "qmgr"))
			return SVC_QMGR;
		if (IS(s, "smtp") || IS(s, "lmtp"))
			return SVC_SMTP;
		if (IS(s, "pipe"))
			return SVC_AGENT;
		break;
	case 5:
		if (IS(s, "smtpd"))
			return SVC_SMTPD;
		if (IS(s, "local") || IS(s, "error") || IS(s, "retry"))
			return SVC_AGENT;
		if (IS(s, "anvil"))
			return SVC_ANVIL;
		break;
	case 6:
		if (IS(s, "pickup"))
			return SVC_PICKUP;
		if (IS(s, "bounce"))
			return SVC_BOUNCE;
		break;
	case 7:
		if (IS(s, "cleanup"))
			return SVC_CLEANUP;
		if (IS(s, "virtual") || IS(s, "discard"))
			return SVC_AGENT;
		if (IS(s, "dnsblog"))
			return SVC_DNSBLOG;
		break;
	case 8:
		if (IS(s, "tlsproxy"))
			return SVC_TLSPROXY;
		break;
	case 9:
		if (IS(s, "postsuper"))
			return SVC_POSTSUPER;
		break;
	case 10:
		if (IS(s, "postscreen"))
			return SVC_POSTSCREEN;
		break;
	default:
		break;
	}
	return SVC_OTHER;
}

/* NAME/[...]/SERVICE with NAME allowed by syslog_names: the service. */
static bool postfix_program(struct slice prog, const char *const *syslog_names,
			    struct slice *service)
{
	const char *slash;

	if (!syslog_names) {		/* the default, "postfix" */
		if (prog.n > 7 && IS(prog, "postfix") && (prog.p[7] == '/' || prog.p[7] == '-'))
			goto named;
		return false;
	}
	for (const char *const *s = syslog_names; *s; s++) {
		size_t n = strlen(*s);

		if (n && prog.n > n && memcmp(prog.p, *s, n) == 0 &&
		    (prog.p[n] == '/' || prog.p[n] == '-'))
			goto named;
	}
	return false;
named:
	/* the service is short: look back from the end */
	for (slash = prog.p + prog.n - 1; *slash != '/'; slash--)
		if (slash == prog.p)
			return false;
	service->p = slash + 1;
	service->n = (size_t)(prog.p + prog.n - service->p);
	return service->n < POSTFIX_SERVICE_MAX;
}

/* "warning: QID: TEXT" (cleanup's map lookup problems, smtpd's queue file
 * size limit): an IGNORED line that keeps only its queue id.  Cold: it
 * must not make parse() inline qid() no more (parse_bench). */
static __attribute__((noinline, cold)) void warned_qid(struct cur *c, struct postfix_record *r)
{
	r->present &= 1u << POSTFIX_F_SERVICE;
	if (lit(c, "warning: "))
		qid(c, r);
}

static enum postfix_kind parse(struct postfix_record *r, struct slice program,
			       struct cur *c, const char *const *syslog_names)
{
	struct slice service;
	enum service svc;

	if (!program.p || !postfix_program(program, syslog_names, &service))
		return POSTFIX_FOREIGN;
	set(r, POSTFIX_F_SERVICE, service.p, service.n);
	if (memchr(c->p, '\0', (size_t)(c->end - c->p)))
		return POSTFIX_UNPARSED;
	svc = service_of(service);
	if (svc == SVC_SMTPD) {
		enum postfix_kind k;

		if (lit(c, "connect from "))
			return p_connect(c, r);
		if (lit(c, "disconnect from "))
			return p_disconnect(c, r);
		if (lit(c, "warning: ")) {
			const char *w = c->p;

			if ((k = p_auth_failed(c, r)) != POSTFIX_IGNORED)
				return k;
			c->p = w;		/* what p_auth_failed() read is not kept */
			r->present &= 1u << POSTFIX_F_SERVICE;
			r->client_port = -1;
			if ((k = p_smtpd_warning(c, r)) == POSTFIX_IGNORED) {
				c->p = w - (sizeof("warning: ") - 1);
				warned_qid(c, r);
			}
			return k;
		}
		if (lit(c, "NOQUEUE: ")) {
			if (lit(c, "reject: "))
				return p_reject(c, r, POSTFIX_REJECT, false);
			if (lit(c, "milter-reject: "))
				return p_reject(c, r, POSTFIX_MILTER_REJECT, false);
			if ((k = p_action(c, r)) != POSTFIX_IGNORED)
				return k;
			/* a before-queue content filter (smtpd_proxy_filter):
			 * the client before the queue file, whose id the
			 * proxy's reply tells */
			if (lit(c, "client="))
				return p_client(c, r);
			return p_lost(c, r);
		}
		if ((k = p_lost(c, r)) != POSTFIX_IGNORED ||	/* before Postfix 3.10 */
		    (k = p_tls(c, r)) != POSTFIX_IGNORED)
			return k;
	} else if (svc == SVC_POSTSCREEN) {
		if (lit(c, "NOQUEUE: reject: "))
			return p_reject(c, r, POSTFIX_REJECT, true);
		if (lit(c, "CONNECT from "))	/* [IP]:PORT to [IP]:PORT */
			return client(c, r) && lit(c, " to [") ? POSTFIX_CONNECT : POSTFIX_UNPARSED;
		if (lit(c, "DISCONNECT "))
			return client(c, r) && done(c) ? POSTFIX_DISCONNECT : POSTFIX_UNPARSED;
		return p_postscreen_event(c, r);
	} else if (svc == SVC_SMTP || svc == SVC_TLSPROXY) {
		enum postfix_kind k = p_tls(c, r);

		if (k == POSTFIX_IGNORED && svc == SVC_TLSPROXY) {
			/* tlsproxy.c: CONNECT from [IP]:PORT, DISCONNECT [IP]:PORT */
			if (lit(c, "CONNECT from "))
				return client(c, r) && done(c) ? POSTFIX_CONNECT : POSTFIX_UNPARSED;
			if (lit(c, "DISCONNECT "))
				return client(c, r) && done(c) ? POSTFIX_DISCONNECT : POSTFIX_UNPARSED;
		}
		if (k != POSTFIX_IGNORED || svc == SVC_TLSPROXY)
			return k;
	} else if (svc == SVC_DNSBLOG) {
		return p_dnsblog(c, r);
	} else if (svc == SVC_ANVIL) {
		return p_anvil(c, r);
	} else if (svc == SVC_POSTSUPER) {
		enum postfix_kind k = p_summary(c, r);

		if (k != POSTFIX_IGNORED)
			return k;
	}
	if (!qid(c, r)) {
		enum postfix_kind k;

		/* after the queue id's test: client= and to= lines are the many */
		if (svc == SVC_SMTPD && ((k = p_smtpd_event(c, r)) != POSTFIX_IGNORED ||
					 (k = p_proxy(c, r)) != POSTFIX_IGNORED))
			return k;
		if (svc == SVC_SMTP && (k = p_smtp_peer(c, r)) != POSTFIX_IGNORED)
			return k;
		warned_qid(c, r);
		return POSTFIX_IGNORED;
	}
	return p_queue_record(c, r, svc);
}

enum postfix_kind postfix_parse(struct postfix_record *r, struct slice program,
				struct slice msg, const char *const *syslog_names)
{
	struct cur c;

	cur_open(&c, msg);
	cur_reset(r);
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
		[POSTFIX_LOGIN] = "login", [POSTFIX_NOTIFY] = "notify",
		[POSTFIX_MILTER_REJECT] = "milter_reject",
		[POSTFIX_EXPIRED] = "expired", [POSTFIX_SMTP_ERROR] = "smtp_error",
		[POSTFIX_REQUEUED] = "requeued", [POSTFIX_SUMMARY] = "summary",
		[POSTFIX_DISCONNECT] = "disconnect", [POSTFIX_LOST] = "lost",
		[POSTFIX_TLS_CONNECTION] = "tls_connection", [POSTFIX_ACTION] = "action",
		[POSTFIX_CONTENT_CHECK] = "content_check",
		[POSTFIX_EVENT] = "event",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == POSTFIX_KIND_COUNT,
		       "a name for every kind");

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}
