// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * genlog - write a realistic Debian-format Postfix maillog.
 *
 *	genlog [-s SEED] [-t EPOCH] [-c COUNTS] [-m MIX] SIZE
 *
 * Writes RFC 3164 syslog lines ("Nov 27 02:05:13 mx1 postfix/smtpd[123]:
 * ...", UTC, increasing time, about 50 lines a second from EPOCH, default
 * 2026-11-27T00:00:00Z) to stdout until SIZE bytes (suffix K, M or G) have
 * been written; the last line is whole, so the output is at most one line
 * longer.  Same SEED (default 1), same bytes.
 *
 * Up to 12 SMTP sessions run interleaved, as on a real relay: inbound mail
 * (smtpd connect/client without SASL, cleanup, qmgr, local/virtual
 * delivery, removed, disconnect), authenticated submission
 * (postfix/submission/smtpd with sasl_method/sasl_username from a pool of
 * 200 users with a skewed distribution, relayed by postfix/smtp: sent,
 * deferred (later retried: qmgr logs from= again for the same queue id) or
 * bounced), SASL authentication failures (with and without
 * sasl_username=), NOQUEUE rejects, and other daemons' noise (dovecot,
 * CRON, systemd, opendkim, amavis).  A few inbound senders carry
 * "sasl_username=" inside a quoted address: substring search counts them,
 * a parser must not.  Queue ids are 10 hex digits, unique among messages
 * in flight.
 *
 * -m MIX sets the share of each kind of session: sasl (the default: 45 %
 * inbound, 30 % submission, 13 % authentication failures, 12 % rejects;
 * about one line in 18 carries sasl_username=) or inbound (a relay
 * that mostly receives: 92 % inbound, 3 % submission, 2 % authentication
 * failures, 3 % rejects; about one line in 185).  The default mix writes
 * the same bytes it wrote before -m existed.
 *
 * -c COUNTS writes the exact number of messages accepted per SASL user:
 * a queue id counts once for user U when its smtpd "client=...,
 * sasl_username=U" line has been followed by a qmgr "from=" line for it
 * (retries do not count again; a message cut off by SIZE before its qmgr
 * line does not count).  One "USER COUNT" line per user with a non-zero
 * count, sorted by user (strcmp), users being printable ASCII.
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

#define NUSERS 200
#define MAXSESS 12
#define HOST "mx1"

/* Cumulative percentages of INBOUND, SUBMISSION, AUTHFAIL (REJECT: the rest). */
struct mix {
	const char *name;
	unsigned inbound, submission, authfail;
};

static const struct mix mixes[] = {
	{ "sasl", 45, 75, 88 },
	{ "inbound", 92, 95, 97 },
};

static const char *const first[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
	"judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent",
	"victor", "walter", "zoe",
};
static const char *const last[] = {
	"smith", "jones", "brown", "taylor", "wilson", "davies", "evans", "thomas",
	"roberts", "walker",
};
static const char *const domains[] = {
	"example.net", "example.com", "mail.example.org", "corp.example",
	"gmail.example", "outlook.example", "web.example.de", "isp.example.fr",
};

static char users[NUSERS][64];
static unsigned long accepted[NUSERS];

/* Skewed: a few heavy senders, a long tail. */
static unsigned pick_user(void)
{
	double u = unit();

	return (unsigned)(NUSERS * u * u * u) % NUSERS;
}

static uint64_t now_ms;
static unsigned long long written, limit;
static time_t epoch0;
static char stamp[32];
static long stamp_sec = -1;

static void emit(const char *prog, long pid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emit(const char *prog, long pid, const char *fmt, ...)
{
	char line[1024];
	long sec = (long)(now_ms / 1000);
	int n;
	va_list ap;

	if (sec != stamp_sec) {
		gen_stamp(stamp, sizeof(stamp), epoch0 + sec);
		stamp_sec = sec;
	}
	n = gen_header(line, sizeof(line), stamp, HOST, prog, pid);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stdout);
	written += (unsigned long long)n;
	now_ms += 1 + below(40);	/* ~20 ms: 50 lines a second */
}

enum kind { INBOUND, SUBMISSION, RETRY, AUTHFAIL, REJECT };

struct session {
	enum kind kind;
	int step;
	char qid[16];
	unsigned user;
	long pid;
	unsigned rcpt, nrcpt;
	char ip[48];
	char client[80];
	char from[160];
	bool deferred, dkim;
};

static struct session sess[MAXSESS];
static int nsess;
static long qmgr_pid;

static void make_ip(char *buf, size_t cap)
{
	static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };

	snprintf(buf, cap, "%s.%u", nets[below(3)], 1 + below(254));
}

static bool qid_in_flight(const char *q)
{
	for (int i = 0; i < nsess; i++)
		if (sess[i].qid[0] && strcmp(sess[i].qid, q) == 0)
			return true;
	return false;
}

static void make_qid(char *q)
{
	char t[16];

	do
		snprintf(t, sizeof(t), "%010llX", (unsigned long long)(rnd() & 0xffffffffffULL));
	while (qid_in_flight(t));
	memcpy(q, t, sizeof(t));
}

static long a_pid(long base)
{
	return base + below(40);
}

static void rcpt_addr(char *buf, size_t cap)
{
	snprintf(buf, cap, "%s.%s@%s", first[below(20)], last[below(10)],
		 domains[below(8)]);
}

static void start(struct session *s, enum kind kind)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	make_ip(s->ip, sizeof(s->ip));
	switch (kind) {
	case INBOUND:
		s->pid = a_pid(20000);
		if (below(3))
			snprintf(s->client, sizeof(s->client), "mail%u.%s", below(50),
				 domains[below(8)]);
		else
			snprintf(s->client, sizeof(s->client), "unknown");
		if (below(1000) == 0)	/* hostile: substring search sees a login */
			snprintf(s->from, sizeof(s->from),
				 "\"x, sasl_username=%s\"@evil.example", users[below(NUSERS)]);
		else
			rcpt_addr(s->from, sizeof(s->from));
		break;
	case SUBMISSION:
		s->pid = a_pid(30000);
		s->user = pick_user();
		s->nrcpt = 1 + (below(4) == 0 ? below(3) : 0);
		snprintf(s->client, sizeof(s->client), "unknown");
		snprintf(s->from, sizeof(s->from), "%s", users[s->user]);
		break;
	case AUTHFAIL:
	case REJECT:
		s->pid = a_pid(kind == AUTHFAIL ? 30000 : 20000);
		snprintf(s->client, sizeof(s->client), "unknown");
		break;
	case RETRY:
		break;
	}
}

static void delivery(struct session *s, const char *agent, long pid)
{
	char to[160];

	rcpt_addr(to, sizeof(to));
	if (s->kind == INBOUND) {
		if (!strcmp(agent, "local"))
			emit("postfix/local", pid, "%s: to=<%s>, orig_to=<postmaster>, "
			     "relay=local, delay=0.%02u, delays=0.0%u/0/0/0.0%u, dsn=2.0.0, "
			     "status=sent (delivered to mailbox)", s->qid, to, below(100),
			     below(10), below(10));
		else
			emit("postfix/virtual", pid, "%s: to=<%s>, relay=virtual, "
			     "delay=0.%02u, delays=0.0%u/0/0/0.0%u, dsn=2.0.0, status=sent "
			     "(delivered to maildir)", s->qid, to, below(100), below(10),
			     below(10));
		return;
	}
	unsigned r = below(100);
	char ip[48];

	make_ip(ip, sizeof(ip));
	if (r < 90) {
		emit("postfix/smtp", pid, "%s: to=<%s>, relay=mx%u.%s[%s]:25, delay=%u.%u, "
		     "delays=0.%u/0.0%u/0.%u/0.%u, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
		     "queued as %010llX)", s->qid, to, below(3), domains[below(8)], ip,
		     below(3), below(10), below(10), below(10), below(10), below(10),
		     (unsigned long long)(rnd() & 0xffffffffffULL));
	} else if (r < 96) {
		emit("postfix/smtp", pid, "%s: to=<%s>, relay=none, delay=%u, "
		     "delays=0.1/0/30/0, dsn=4.4.1, status=deferred (connect to "
		     "mx.%s[%s]:25: Connection timed out)", s->qid, to, 30 + below(300),
		     domains[below(8)], ip);
		s->deferred = true;
	} else {
		emit("postfix/smtp", pid, "%s: to=<%s>, relay=mx.%s[%s]:25, delay=0.%u, "
		     "delays=0/0/0.%u/0.%u, dsn=5.1.1, status=bounced (host mx.%s[%s] "
		     "said: 550 5.1.1 <%s>: Recipient address rejected: User unknown "
		     "(in reply to RCPT TO command))", s->qid, to, domains[below(8)], ip,
		     below(10), below(10), below(10), domains[below(8)], ip, to);
	}
}

/* Emit the next line of s; false when the session is over. */
static bool step(struct session *s)
{
	const char *smtpd = s->kind == INBOUND || s->kind == REJECT ? "postfix/smtpd" :
			    "postfix/submission/smtpd";
	int st = s->step++;

	if (s->kind == RETRY) {
		if (st == 0) {
			emit("postfix/qmgr", qmgr_pid, "%s: from=<%s>, size=%u, nrcpt=1 "
			     "(queue active)", s->qid, s->from, 1000 + below(50000));
			return true;
		}
		if (st == 1) {
			s->deferred = false;
			delivery(s, "smtp", a_pid(40000));
			if (s->deferred)
				return false;	/* still queued: no more lines here */
			return true;
		}
		emit("postfix/qmgr", qmgr_pid, "%s: removed", s->qid);
		return false;
	}
	if (st == 0) {
		emit(smtpd, s->pid, "connect from %s[%s]", s->client, s->ip);
		return true;
	}
	if (s->kind == AUTHFAIL) {
		if (st == 1 && below(4))
			emit(smtpd, s->pid, "warning: %s[%s]: SASL LOGIN authentication "
			     "failed: UGFzc3dvcmQ6, sasl_username=%s", s->client, s->ip,
			     below(2) ? users[pick_user()] : "admin");
		else if (st == 1)
			emit(smtpd, s->pid, "warning: %s[%s]: SASL PLAIN authentication "
			     "failed: authentication failure", s->client, s->ip);
		else if (st == 2)
			emit(smtpd, s->pid, "lost connection after AUTH from %s[%s]",
			     s->client, s->ip);
		else
			emit(smtpd, s->pid, "disconnect from %s[%s] ehlo=1 auth=0/1 "
			     "commands=1/2", s->client, s->ip);
		return st < 3;
	}
	if (s->kind == REJECT) {
		char to[160];

		rcpt_addr(to, sizeof(to));
		if (st == 1)
			emit(smtpd, s->pid, "NOQUEUE: reject: RCPT from %s[%s]: 554 5.7.1 "
			     "<%s>: Relay access denied; from=<spam%u@evil.example> to=<%s> "
			     "proto=ESMTP helo=<evil.example>", s->client, s->ip, to,
			     below(1000), to);
		else
			emit(smtpd, s->pid, "disconnect from %s[%s] ehlo=1 mail=1 rcpt=0/1 "
			     "quit=1 commands=3/4", s->client, s->ip);
		return st < 2;
	}
	/* INBOUND and SUBMISSION */
	switch (st) {
	case 1:
		make_qid(s->qid);
		if (s->kind == SUBMISSION)
			emit(smtpd, s->pid, "%s: client=%s[%s], sasl_method=%s, "
			     "sasl_username=%s", s->qid, s->client, s->ip,
			     below(3) ? "PLAIN" : "LOGIN", users[s->user]);
		else
			emit(smtpd, s->pid, "%s: client=%s[%s]", s->qid, s->client, s->ip);
		return true;
	case 2:
		emit("postfix/cleanup", a_pid(25000), "%s: message-id=<%llu.%s@%s>", s->qid,
		     (unsigned long long)(rnd() % 100000000000ULL), s->qid,
		     s->kind == SUBMISSION ? "example.org" : domains[below(8)]);
		return true;
	case 3:
		if (s->kind == INBOUND && !s->dkim && below(3) == 0) {
			emit("opendkim", a_pid(900), "%s: %s [%s] not internal", s->qid,
			     s->client, s->ip);
			s->step--;	/* then the qmgr line */
			s->dkim = true;
			return true;
		}
		s->nrcpt = s->nrcpt ? s->nrcpt : 1;
		emit("postfix/qmgr", qmgr_pid, "%s: from=<%s>, size=%u, nrcpt=%u "
		     "(queue active)", s->qid, s->from, 800 + below(60000), s->nrcpt);
		if (s->kind == SUBMISSION)
			accepted[s->user]++;
		return true;
	case 4:
		emit(smtpd, s->pid, "disconnect from %s[%s] ehlo=1 %smail=1 rcpt=%u data=1 "
		     "quit=1 commands=%u", s->client, s->ip,
		     s->kind == SUBMISSION ? "auth=1 " : "", s->nrcpt,
		     s->kind == SUBMISSION ? 6 : 5);
		return true;
	default:
		break;
	}
	if (s->rcpt < s->nrcpt) {
		s->rcpt++;
		if (s->kind == INBOUND)
			delivery(s, below(2) ? "local" : "virtual", a_pid(26000));
		else
			delivery(s, "smtp", a_pid(40000));
		return true;
	}
	if (s->deferred)
		return false;		/* a RETRY session takes it over */
	emit("postfix/qmgr", qmgr_pid, "%s: removed", s->qid);
	return false;
}

static void noise(void)
{
	char ip[48];

	make_ip(ip, sizeof(ip));
	switch (below(6)) {
	case 0:
	case 1:
		emit("dovecot", -1, "imap-login: Login: user=<%s>, method=PLAIN, rip=%s, "
		     "lip=192.0.2.10, mpid=%u, TLS, session=<%08llx%04x>",
		     users[pick_user()], ip, 10000 + below(50000),
		     (unsigned long long)(rnd() & 0xffffffffULL), below(65536));
		break;
	case 2:
		emit("CRON", a_pid(50000), "(root) CMD (command -v debian-sa1 > /dev/null "
		     "&& debian-sa1 1 1)");
		break;
	case 3:
		emit("systemd", 1, "Started session-%u.scope - Session %u of User root.",
		     below(100000), below(100000));
		break;
	case 4:
		emit("amavis", a_pid(3000), "(%05u-%02u) Passed CLEAN {RelayedInbound}, "
		     "[%s]:%u <%s.%s@%s> -> <postmaster@example.org>, Message-ID: "
		     "<%llu@%s>, mail_id: %08llx, Hits: -%u.%u, size: %u, %u ms",
		     below(99999), below(20), ip, 1024 + below(60000), first[below(20)],
		     last[below(10)], domains[below(8)],
		     (unsigned long long)(rnd() % 1000000000ULL), domains[below(8)],
		     (unsigned long long)(rnd() & 0xffffffffULL), below(5), below(10),
		     1000 + below(90000), 100 + below(2000));
		break;
	default:
		emit("dovecot", -1, "imap(%s)<%u><%08llx>: Logged out in=%u out=%u",
		     users[pick_user()], below(99999),
		     (unsigned long long)(rnd() & 0xffffffffULL), below(500),
		     below(100000));
		break;
	}
}

static void retry_from(const struct session *s)
{
	struct session *r;

	if (nsess >= MAXSESS)
		return;			/* stays deferred: no retry in this log */
	r = &sess[nsess++];
	memset(r, 0, sizeof(*r));
	r->kind = RETRY;
	memcpy(r->qid, s->qid, sizeof(r->qid));
	memcpy(r->from, s->from, sizeof(r->from));
}

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	return *end ? 0 : v;
}

static int cmp_user(const void *a, const void *b)
{
	return strcmp(users[*(const unsigned *)a], users[*(const unsigned *)b]);
}

static int write_counts(const char *path)
{
	unsigned idx[NUSERS];
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "genlog: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < NUSERS; i++)
		idx[i] = i;
	qsort(idx, NUSERS, sizeof(idx[0]), cmp_user);
	for (unsigned i = 0; i < NUSERS; i++)
		if (accepted[idx[i]])
			fprintf(f, "%s %lu\n", users[idx[i]], accepted[idx[i]]);
	if (fclose(f)) {
		fprintf(stderr, "genlog: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char obuf[1 << 20];
	const char *counts = NULL;
	const struct mix *mix = &mixes[0];
	uint64_t seed = 1;
	size_t m;
	int opt;

	epoch0 = 1795737600;	/* 2026-11-27T00:00:00Z */
	while ((opt = getopt(argc, argv, "s:t:c:m:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': epoch0 = (time_t)strtoll(optarg, NULL, 0); break;
		case 'c': counts = optarg; break;
		case 'm':
			for (mix = NULL, m = 0; m < sizeof(mixes) / sizeof(mixes[0]); m++)
				if (strcmp(optarg, mixes[m].name) == 0)
					mix = &mixes[m];
			if (!mix)
				goto usage;
			break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !(limit = parse_size(argv[optind])))
		goto usage;
	gen_seed(seed);
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	for (unsigned i = 0; i < NUSERS; i++)	/* 20 x 10 distinct names */
		snprintf(users[i], sizeof(users[i]), "%s.%s@example.org", first[i % 20],
			 last[i / 20]);
	qmgr_pid = 1111;
	emit("postfix/master", 1100, "daemon started -- version 3.7.11, configuration "
	     "/etc/postfix");
	while (written < limit) {
		unsigned r = below(100);

		if (r < 12) {
			noise();
			continue;
		}
		if (nsess < MAXSESS && (nsess == 0 || r < 30)) {
			unsigned k = below(100);

			start(&sess[nsess++], k < mix->inbound ? INBOUND :
					      k < mix->submission ? SUBMISSION :
					      k < mix->authfail ? AUTHFAIL : REJECT);
		}
		int i = (int)below((unsigned)nsess);
		struct session done_s;

		if (step(&sess[i]))
			continue;
		done_s = sess[i];
		sess[i] = sess[--nsess];
		if (done_s.deferred)
			retry_from(&done_s);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "genlog: write: %s\n", strerror(errno));
		return 1;
	}
	if (counts && write_counts(counts))
		return 1;
	return 0;
usage:
	fprintf(stderr, "usage: genlog [-s SEED] [-t EPOCH] [-c COUNTS] [-m sasl|inbound] "
		"SIZE[K|M|G]\n");
	return 2;
}
