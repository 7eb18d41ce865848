// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * genrelay - write a day of a relay's Postfix maillog: thousands of
 * ordinary users, inbound mail, and a few stolen accounts.
 *
 *	genrelay [-s SEED] [-u USERS] [-H HOURS] [-t EPOCH] [-a ANSWERS] > maillog
 *
 * RFC 3164 lines ("Nov 27 02:05:13 relay postfix/submission/smtpd[123]:
 * ...", UTC) in time order, from EPOCH (default 2026-11-27T00:00:00Z) for
 * HOURS (default 24).  Same SEED (default 1), same bytes.  ANSWERS gets one
 * line per stolen account: "IDENTITY KIND START END" (epoch seconds of its
 * first and last message), the identities a detector must flag; nobody else
 * must be.
 *
 * Ordinary users (USERS, default 3000), as this generator models them:
 *   - customer domains (cust<N>.example, USERS/4 of them, a few large and
 *     many with one or two users); 60% of logins are the full address
 *     (sasl:ann.3@cust7.example), the others a bare name (sasl:u1234);
 *   - they send from their own address; 5% also from a second domain of
 *     theirs (an alias, a fifth of their mail), and a few domains are
 *     shared by several customers' users;
 *   - volume per working day: 60% light (2-10 messages), 30% medium
 *     (10-40), 10% heavy (40-150), mostly in office hours (08-18 UTC,
 *     a little in the evening), in sessions of 1-6 messages a few
 *     seconds to minutes apart; at most about 15 messages in 10 minutes;
 *   - recipients: a personal address book (colleagues at the own domain,
 *     the big providers, 3-40 partner domains out of 5000); 1 recipient
 *     (75%), 2-3 (20%) or 4-12 (5%) a message, and one message in ten to
 *     someone not in the book yet (often a domain never written to);
 *   - 95% of deliveries sent, 3% deferred then sent on a retry, 2% bounced.
 * Not ordinary, and not generated: newsletters, mail merges and web
 * applications that send to hundreds of new domains an hour.  They look
 * like the stolen accounts below and belong in allow_identities or
 * overrides.
 * Inbound mail: 400 remote client addresses (client:IP, no SASL, skewed:
 * the busiest has 5% of it) delivering mail from
 * remote senders to the customers' users.
 *
 * Stolen accounts, each an ordinary user's (with the history it built
 * before) except the dormant one:
 *   foreign  from hour 10: 20 messages a minute for 10 minutes, each from
 *            a different forged sender domain to 1-3 recipients;
 *   spray    from hour 13: 45 messages a minute for 3 minutes from the
 *            account's own address, each to a domain it never wrote to;
 *   bounces  from hour 15: 8 messages a minute for 15 minutes to 3
 *            recipients each, 80% of them bounced (a stale list);
 *   dormant  from hour 17: a login never seen before (no domain in its
 *            name) sends 30 messages a minute for 5 minutes from its own
 *            customer domain to new domains.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "genlines.h"

#define HOST "relay"
#define NPARTNERS 5000
#define NINBOUND 400
#define BOOK_MAX 48


static const char *const providers[] = {
	"gmail.example", "outlook.example", "yahoo.example", "gmx.example", "web.example",
};

struct user {
	char login[96];		/* without "sasl:" */
	char from[96];		/* own address */
	char alias[96];		/* "" or a second address */
	unsigned domain;	/* customer domain index */
	unsigned daily;		/* messages per working day */
	unsigned book[BOOK_MAX];	/* partner domain indices; see rcpt() */
	unsigned nbook;
};

/* One message to write: who, when, what. */
enum kind { ORDINARY, INBOUND, FOREIGN, SPRAY, BOUNCES, DORMANT };

struct event {
	double t;
	unsigned who;		/* user or inbound client index */
	enum kind kind;
	unsigned seq;		/* n-th message of an attack */
};

static struct user *users;
static unsigned nusers, ndomains;
static struct event *events;
static size_t nevents, capevents;
static time_t epoch0 = 1795737600;	/* 2026-11-27T00:00:00Z */
static unsigned hours = 24;
static unsigned long long qseq;
static unsigned long lines;

static void add_event(double t, unsigned who, enum kind kind, unsigned seq)
{
	if (t < 0 || t >= hours * 3600.0)
		return;
	if (nevents == capevents) {
		capevents = capevents ? capevents * 2 : 65536;
		events = realloc(events, capevents * sizeof(*events));
		if (!events) {
			perror("genrelay");
			exit(1);
		}
	}
	events[nevents++] = (struct event){ t, who, kind, seq };
}

static int by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

static char stamp[32];

static void set_time(double t)
{
	gen_stamp(stamp, sizeof(stamp), epoch0 + (time_t)t);
}

static void emit(const char *prog, long pid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emit(const char *prog, long pid, const char *fmt, ...)
{
	char head[256];
	va_list ap;

	gen_header(head, sizeof(head), stamp, HOST, prog, pid);
	fputs(head, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	lines++;
}

static void make_users(void)
{
	ndomains = nusers / 4 + 1;
	for (unsigned i = 0; i < nusers; i++) {
		struct user *u = &users[i];
		double r = unit();
		/* a few large domains, a long tail of small ones */
		unsigned dom = (unsigned)(ndomains * r * r * r) % ndomains;

		u->domain = dom;
		snprintf(u->from, sizeof(u->from), "user%u@cust%u.example", i, dom);
		if (below(10) < 6)
			snprintf(u->login, sizeof(u->login), "%s", u->from);
		else
			snprintf(u->login, sizeof(u->login), "u%u", i);
		if (below(20) == 0)
			snprintf(u->alias, sizeof(u->alias), "user%u@cust%u-alias.example", i, dom);
		r = unit();
		u->daily = r < 0.6 ? 2 + below(9) : r < 0.9 ? 10 + below(31) : 40 + below(111);
		u->nbook = 3 + below(38);
		for (unsigned k = 0; k < u->nbook; k++)
			u->book[k] = below(NPARTNERS);
	}
}

/* Ordinary users: sessions of 1-6 messages in office hours (a few in the
 * evening), weekdays only as far as this day goes. */
static void schedule_users(void)
{
	for (unsigned i = 0; i < nusers; i++) {
		const struct user *u = &users[i];

		for (unsigned day = 0; day * 24 < hours; day++) {
			unsigned left = u->daily;

			while (left > 0) {
				unsigned n = 1 + below(left < 6 ? left : 6);
				double hour = below(10) ? 8 + unit() * 10 : 18 + unit() * 5;
				double t = day * 86400.0 + hour * 3600;

				for (unsigned k = 0; k < n; k++) {
					add_event(t, i, ORDINARY, 0);
					t += 20 + unit() * 220;	/* 20 s to 4 min */
				}
				left -= n;
			}
		}
	}
}

static void schedule_inbound(void)
{
	/* about as much inbound as outbound, Zipf over the clients */
	size_t out = nevents;

	for (size_t k = 0; k < out; k++) {
		double r = unit();
		unsigned who = (unsigned)(NINBOUND * r * r) % NINBOUND;
		double hour = below(5) ? 7 + unit() * 12 : unit() * 24;
		double t = (double)(unsigned)(events[k].t / 86400) * 86400 + hour * 3600;

		add_event(t, who, INBOUND, 0);
	}
}

static void schedule_attack(FILE *answers, enum kind kind, unsigned who, double start,
			    double per_minute, double minutes, const char *name)
{
	unsigned n = (unsigned)(per_minute * minutes);
	double gap = 60.0 / per_minute;

	for (unsigned k = 0; k < n; k++)
		add_event(start + k * gap + unit() * gap * 0.5, who, kind, k);
	if (answers) {
		long long from = (long long)epoch0 + (long long)start;
		long long to = (long long)epoch0 + (long long)(start + n * gap);

		fprintf(answers, "sasl:%s %s %lld %lld\n", users[who].login, name, from, to);
	}
}

static long pid_of(unsigned base, unsigned who)
{
	return (long)base + who % 997;
}

static void qid(char *q)
{
	snprintf(q, 16, "%010llX", (++qseq * 0x9e3779b97f4aULL) & 0xffffffffffULL);
}

static void deliver(const char *q, const char *to, const char *dom, bool bounce,
		    bool defer)
{
	unsigned ip = 1 + below(254);

	if (bounce)
		emit("postfix/smtp", 40000 + below(500), "%s: to=<%s>, relay=mx.%s[198.51.100.%u]:25,"
		     " delay=0.4, delays=0/0/0.2/0.2, dsn=5.1.1, status=bounced (host mx.%s"
		     "[198.51.100.%u] said: 550 5.1.1 <%s>: Recipient address rejected: User "
		     "unknown (in reply to RCPT TO command))", q, to, dom, ip, dom, ip, to);
	else if (defer)
		emit("postfix/smtp", 40000 + below(500), "%s: to=<%s>, relay=none, delay=30,"
		     " delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to mx.%s"
		     "[198.51.100.%u]:25: Connection timed out)", q, to, dom, ip);
	else
		emit("postfix/smtp", 40000 + below(500), "%s: to=<%s>, relay=mx.%s[198.51.100.%u]:25,"
		     " delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
		     q, to, dom, ip);
}

/* A recipient of an ordinary user: its address book, now and then someone new. */
static void rcpt(const struct user *u, unsigned uidx, char *to, size_t cap, char *dom,
		 size_t dcap)
{
	unsigned r = below(100);

	if (r < 35)
		snprintf(dom, dcap, "cust%u.example", u->domain);
	else if (r < 60)
		snprintf(dom, dcap, "%s", providers[below(5)]);
	else if (r < 90 || u->nbook == 0)
		snprintf(dom, dcap, "d%u.example", u->book[below(u->nbook)]);
	else
		snprintf(dom, dcap, "d%u.example", below(NPARTNERS));
	snprintf(to, cap, "c%u.%u@%s", uidx % 100, below(40), dom);
}

static void message(const struct event *e)
{
	char q[16], to[128], dom[96], from[128], client[48];
	unsigned nrcpt = 1;
	long smtpd;
	const struct user *u = e->kind == INBOUND ? NULL : &users[e->who];

	set_time(e->t);
	qid(q);
	if (e->kind == INBOUND) {
		snprintf(client, sizeof(client), "203.0.113.%u", e->who % 250 + 1);
		smtpd = pid_of(20000, e->who);
		emit("postfix/smtpd", smtpd, "connect from mail%u.remote.example[%s]", e->who,
		     client);
		emit("postfix/smtpd", smtpd, "%s: client=mail%u.remote.example[%s]", q, e->who,
		     client);
		snprintf(from, sizeof(from), "s%u@%s", below(1000),
			 below(2) ? providers[below(5)] : "newsletter.remote.example");
	} else {
		snprintf(client, sizeof(client), "192.0.2.%u", e->who % 250 + 1);
		smtpd = pid_of(30000, e->who);
		emit("postfix/submission/smtpd", smtpd, "connect from unknown[%s]", client);
		emit("postfix/submission/smtpd", smtpd, "%s: client=unknown[%s], "
		     "sasl_method=PLAIN, sasl_username=%s", q, client, u->login);
		if (e->kind == FOREIGN)
			snprintf(from, sizeof(from), "service@bank%u.example", e->seq);
		else if (u->alias[0] && below(5) == 0)
			snprintf(from, sizeof(from), "%s", u->alias);
		else
			snprintf(from, sizeof(from), "%s", u->from);
	}
	emit("postfix/cleanup", 25000 + below(100), "%s: message-id=<%llu@%s>", q,
	     (unsigned long long)(rnd() % 1000000000000ULL), HOST);
	switch (e->kind) {
	case ORDINARY: {
		unsigned r = below(100);

		nrcpt = r < 75 ? 1 : r < 95 ? 2 + below(2) : 4 + below(9);
		break;
	}
	case FOREIGN:
		nrcpt = 1 + below(3);
		break;
	case BOUNCES:
		nrcpt = 3;
		break;
	default:
		nrcpt = 1;
	}
	emit("postfix/qmgr", 1111, "%s: from=<%s>, size=%u, nrcpt=%u (queue active)", q, from,
	     900 + below(40000), nrcpt);
	emit(e->kind == INBOUND ? "postfix/smtpd" : "postfix/submission/smtpd", smtpd,
	     "disconnect from %s[%s] ehlo=1 %smail=1 rcpt=%u data=1 quit=1 commands=%u",
	     e->kind == INBOUND ? "mail.remote.example" : "unknown", client,
	     e->kind == INBOUND ? "" : "auth=1 ", nrcpt, e->kind == INBOUND ? 5 : 6);
	for (unsigned k = 0; k < nrcpt; k++) {
		bool bounce = false, defer = false;
		unsigned r = below(100);

		switch (e->kind) {
		case INBOUND: {
			unsigned uidx = below(nusers);

			emit("postfix/virtual", 26000 + below(100), "%s: to=<%s>, relay=virtual, "
			     "delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (delivered "
			     "to maildir)", q, users[uidx].from);
			continue;
		}
		case ORDINARY:
			rcpt(u, e->who, to, sizeof(to), dom, sizeof(dom));
			bounce = r < 2;
			defer = r >= 2 && r < 5;
			break;
		case FOREIGN:
		case SPRAY:
		case DORMANT:
			snprintf(dom, sizeof(dom), "t%d-%u.example", (int)e->kind, e->seq * 3 + k);
			snprintf(to, sizeof(to), "info@%s", dom);
			break;
		case BOUNCES:
			snprintf(dom, sizeof(dom), "old%u.example", e->seq * 3 + k);
			snprintf(to, sizeof(to), "x%u@%s", k, dom);
			bounce = r < 80;
			break;
		}
		deliver(q, to, dom, bounce, defer);
		if (defer) {	/* the retry, a little later in the log's order */
			emit("postfix/qmgr", 1111, "%s: from=<%s>, size=1000, nrcpt=%u (queue "
			     "active)", q, from, nrcpt);
			deliver(q, to, dom, false, false);
		}
	}
	emit("postfix/qmgr", 1111, "%s: removed", q);
}

int main(int argc, char **argv)
{
	static char obuf[1 << 20];
	const char *answers_path = NULL;
	FILE *answers = NULL;
	uint64_t seed = 1;
	int opt;

	nusers = 3000;
	while ((opt = getopt(argc, argv, "s:u:H:t:a:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'u': nusers = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'H': hours = (unsigned)strtoul(optarg, NULL, 0); break;
		case 't': epoch0 = (time_t)strtoll(optarg, NULL, 0); break;
		case 'a': answers_path = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc || nusers < 100 || hours < 18 || hours > 24 * 14)
		goto usage;
	gen_seed(seed);
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	users = calloc(nusers + 1, sizeof(*users));
	if (!users)
		return 1;
	make_users();
	schedule_users();
	schedule_inbound();
	if (answers_path && !(answers = fopen(answers_path, "w"))) {
		fprintf(stderr, "genrelay: %s: %s\n", answers_path, strerror(errno));
		return 1;
	}
	/* stolen: ordinary users with a history, and one dormant login */
	schedule_attack(answers, FOREIGN, 11, 10 * 3600.0, 20, 10, "foreign");
	schedule_attack(answers, SPRAY, 23, 13 * 3600.0, 45, 3, "spray");
	schedule_attack(answers, BOUNCES, 37, 15 * 3600.0, 8, 15, "bounces");
	{
		struct user *u = &users[nusers];

		snprintf(u->login, sizeof(u->login), "dormant%u", nusers);
		snprintf(u->from, sizeof(u->from), "info@cust%u.example", users[5].domain);
		schedule_attack(answers, DORMANT, nusers, 17 * 3600.0, 30, 5, "dormant");
	}
	if (answers && fclose(answers)) {
		fprintf(stderr, "genrelay: %s: %s\n", answers_path, strerror(errno));
		return 1;
	}
	qsort(events, nevents, sizeof(*events), by_time);
	set_time(0);
	emit("postfix/master", 1100, "daemon started -- version 3.7.11, configuration "
	     "/etc/postfix");
	for (size_t i = 0; i < nevents; i++)
		message(&events[i]);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "genrelay: write: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "genrelay: %u users, %zu messages, %lu lines\n", nusers, nevents, lines);
	return 0;
usage:
	fprintf(stderr, "usage: genrelay [-s SEED] [-u USERS>=100] [-H HOURS 18..336] "
		"[-t EPOCH] [-a ANSWERS]\n");
	return 2;
}
