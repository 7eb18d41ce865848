// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smtpsend.c - an SMTP AUTH client for the lab, the demo and the benchmark:
 * many messages per session, at a set rate, and it tells when the server
 * started refusing them.
 *
 *   smtpsend -s 127.0.0.1:587 -u USER -p PASS -f FROM -t RCPT [-t RCPT ...]
 *            [-n MESSAGES] [-r PER_SECOND] [-k RCPTS] [-x REFUSALS] [-q]
 *
 * Sends n messages (default 1) through one authenticated session, paced at
 * r per second (0: as fast as the server answers).  "{i}" in FROM or a
 * RCPT is replaced by the message number, so a spam run can forge a new
 * sender domain each time; -k repeats each RCPT with a +N tag for that many
 * recipients.  A refused MAIL, RCPT or DATA counts as rejected and the
 * session goes on after RSET; a dropped connection reconnects and logs in
 * again (a login refused ends the run).  -x ends the run after that many
 * messages refused in a row (Postfix slows a client down after errors).
 *
 * Output, last line, one run's facts for scripts:
 *   sent=N rejected=N reconnects=N first_sent=T last_sent=T first_rejected=T
 *   first_reject_reply="..."
 * (T: CLOCK_REALTIME seconds, 0 when it did not happen).  Each message is
 * also printed as "sent T I" or "rejected T I CODE" unless -q.
 * Exit status 0 when every message got an answer, 1 otherwise, 2 on usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_RCPTS 64
#define LINE_MAX_LEN 2048

struct session {
	int fd;
	char buf[8192];
	size_t len;
};

static const char *host = "127.0.0.1";
static int port = 587;
static const char *user, *pass, *from = "sender@lab.test";
static const char *rcpts[MAX_RCPTS];
static int nrcpts, per_rcpt = 1;
static bool quiet;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void b64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = tab[in[i] >> 2];
		out[o++] = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = tab[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = tab[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = tab[(in[i + 1] & 15) << 2];
		} else {
			out[o++] = tab[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* One reply (multi-line replies joined): its code, or -1 when the
 * connection is gone.  text gets the last line. */
static int reply(struct session *s, char *text, size_t cap)
{
	for (;;) {
		char *nl = memchr(s->buf, '\n', s->len);

		if (nl) {
			size_t n = (size_t)(nl - s->buf) + 1;
			int code = n >= 4 ? atoi(s->buf) : -1;
			bool more = n >= 4 && s->buf[3] == '-';

			snprintf(text, cap, "%.*s", (int)(n > 2 ? n - 2 : 0), s->buf);
			memmove(s->buf, s->buf + n, s->len - n);
			s->len -= n;
			if (!more)
				return code;
			continue;
		}
		if (s->len == sizeof(s->buf))
			return -1;
		ssize_t r = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);

		if (r <= 0)
			return -1;
		s->len += (size_t)r;
	}
}

static int cmd(struct session *s, char *text, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cmd(struct session *s, char *text, size_t cap, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return -1;
	line[n] = '\r';
	line[n + 1] = '\n';
	if (write(s->fd, line, (size_t)n + 2) != n + 2)
		return -1;
	return reply(s, text, cap);
}

static void expand(char *dst, size_t cap, const char *pattern, long i)
{
	const char *at = strstr(pattern, "{i}");

	if (!at)
		snprintf(dst, cap, "%s", pattern);
	else
		snprintf(dst, cap, "%.*s%ld%s", (int)(at - pattern), pattern, i, at + 3);
}

/* Connect, EHLO, AUTH PLAIN.  0, -1 (network), -2 (login refused). */
static int login(struct session *s, char *text, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 30, 0 };
	unsigned char plain[512];
	char enc[700];
	size_t ul = strlen(user), pl = strlen(pass);

	s->len = 0;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -1;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || reply(s, text, cap) != 220 ||
	    cmd(s, text, cap, "EHLO smtpsend.lab.test") != 250)
		return -1;
	if (ul + pl + 2 > sizeof(plain))
		return -2;
	plain[0] = '\0';
	memcpy(plain + 1, user, ul);
	plain[1 + ul] = '\0';
	memcpy(plain + 2 + ul, pass, pl);
	b64(plain, ul + pl + 2, enc);
	switch (cmd(s, text, cap, "AUTH PLAIN %s", enc)) {
	case 235:
		return 0;
	case -1:
		return -1;
	default:
		return -2;
	}
}

/* One message: 1 sent, 0 rejected (reply in text), -1 connection lost. */
static int send_one(struct session *s, long i, char *text, size_t cap)
{
	char addr[512];
	int code, accepted = 0;

	expand(addr, sizeof(addr), from, i);
	code = cmd(s, text, cap, "MAIL FROM:<%s>", addr);
	if (code < 0)
		return -1;
	if (code != 250)
		goto rejected;
	for (int r = 0; r < nrcpts; r++)
		for (int k = 0; k < per_rcpt; k++) {
			char rc[512], tagged[600];
			const char *at;

			expand(rc, sizeof(rc), rcpts[r], i);
			at = strchr(rc, '@');
			if (per_rcpt > 1 && at)
				snprintf(tagged, sizeof(tagged), "%.*s+%d%s", (int)(at - rc), rc, k, at);
			else
				snprintf(tagged, sizeof(tagged), "%s", rc);
			code = cmd(s, text, cap, "RCPT TO:<%s>", tagged);
			if (code < 0)
				return -1;
			if (code == 250)
				accepted++;
		}
	if (!accepted)
		goto rejected;
	code = cmd(s, text, cap, "DATA");
	if (code < 0)
		return -1;
	if (code != 354)
		goto rejected;
	expand(addr, sizeof(addr), from, i);
	{
		char body[2048], to[512];
		int n;

		expand(to, sizeof(to), rcpts[0], i);
		n = snprintf(body, sizeof(body),
			     "From: <%s>\r\nTo: <%s>\r\nSubject: message %ld\r\n"
			     "Message-ID: <smtpsend.%ld.%ld@lab.test>\r\n\r\n"
			     "Message %ld from smtpsend.\r\n.\r\n",
			     addr, to, i, (long)getpid(), i, i);

		if (write(s->fd, body, (size_t)n) != n)
			return -1;
	}
	code = reply(s, text, cap);
	if (code < 0)
		return -1;
	if (code == 250)
		return 1;
rejected:
	if (cmd(s, addr, sizeof(addr), "RSET") < 0)
		return -1;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: smtpsend [-s HOST:PORT] -u USER -p PASS [-f FROM] -t RCPT [-t RCPT ...]\n"
		     "                [-n MESSAGES] [-r PER_SECOND] [-k RCPTS] [-x REFUSALS] [-q]\n");
}

int main(int argc, char **argv)
{
	struct session s = { .fd = -1 };
	long n = 1, sent = 0, rejected = 0, reconnects = 0, give_up = 0, in_a_row = 0;
	double rate = 0, first_sent = 0, last_sent = 0, first_rejected = 0, start;
	char text[LINE_MAX_LEN], first_reply[LINE_MAX_LEN] = "";
	int c, rc = 0;

	while ((c = getopt(argc, argv, "s:u:p:f:t:n:r:k:x:qh")) != -1) {
		switch (c) {
		case 's': {
			static char hbuf[64];
			const char *colon = strrchr(optarg, ':');

			if (!colon || (size_t)(colon - optarg) >= sizeof(hbuf))
				return usage(stderr), 2;
			snprintf(hbuf, sizeof(hbuf), "%.*s", (int)(colon - optarg), optarg);
			host = hbuf;
			port = atoi(colon + 1);
			break;
		}
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		case 'f': from = optarg; break;
		case 't':
			if (nrcpts == MAX_RCPTS)
				return usage(stderr), 2;
			rcpts[nrcpts++] = optarg;
			break;
		case 'n': n = atol(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'k': per_rcpt = atoi(optarg); break;
		case 'x': give_up = atol(optarg); break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!user || !pass || !nrcpts || n < 1 || per_rcpt < 1 || optind != argc)
		return usage(stderr), 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	start = now();
	for (long i = 0; i < n; i++) {
		int r;

		if (rate > 0) {
			double due = start + (double)i / rate, wait = due - now();

			if (wait > 0) {
				struct timespec ts = { (time_t)wait,
						       (long)((wait - (double)(time_t)wait) * 1e9) };
				nanosleep(&ts, NULL);
			}
		}
		if (s.fd < 0) {
			r = login(&s, text, sizeof(text));
			if (r < 0) {
				fprintf(stderr, "smtpsend: %s: %s\n",
					r == -2 ? "login refused" : "connection failed", text);
				if (s.fd >= 0)
					close(s.fd);
				s.fd = -1;
				rc = 1;
				break;
			}
		}
		r = send_one(&s, i, text, sizeof(text));
		if (r < 0) {
			/* cut: log in again and retry this message once */
			close(s.fd);
			s.fd = -1;
			reconnects++;
			if (login(&s, text, sizeof(text)) < 0) {
				fprintf(stderr, "smtpsend: reconnect failed: %s\n", text);
				rc = 1;
				break;
			}
			r = send_one(&s, i, text, sizeof(text));
			if (r < 0) {
				fprintf(stderr, "smtpsend: connection lost twice at message %ld\n", i);
				rc = 1;
				break;
			}
		}
		if (r == 1) {
			last_sent = now();
			if (!first_sent)
				first_sent = last_sent;
			sent++;
			in_a_row = 0;
			if (!quiet)
				printf("sent %.6f %ld\n", last_sent, i);
		} else {
			double t = now();

			if (!first_rejected) {
				first_rejected = t;
				snprintf(first_reply, sizeof(first_reply), "%s", text);
			}
			rejected++;
			if (!quiet)
				printf("rejected %.6f %ld %.3s\n", t, i, text);
			if (give_up && ++in_a_row >= give_up)
				break;
		}
	}
	if (s.fd >= 0) {
		cmd(&s, text, sizeof(text), "QUIT");
		close(s.fd);
	}
	for (char *p = first_reply; *p; p++)
		if (*p == '"' || *p < ' ')
			*p = '\'';
	printf("sent=%ld rejected=%ld reconnects=%ld first_sent=%.6f last_sent=%.6f "
	       "first_rejected=%.6f first_reject_reply=\"%s\"\n", sent, rejected, reconnects,
	       first_sent, last_sent, first_rejected, first_reply);
	return rc;
}
