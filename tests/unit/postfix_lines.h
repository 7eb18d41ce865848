/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * postfix_lines.h - one message's life in real Postfix 3.x lines, shared by
 * the message-table tests: alice submits 4F3A21C0B2 with SMTP AUTH, qmgr
 * accepts it, one recipient is delivered, one deferred, then it is removed;
 * and the same message through a content filter on 127.0.0.1:10024 that
 * re-injects it as 7B8C9D0E1F; and a recipient of it that bounces, for
 * which the bounce daemon makes 8E2B1A0C3D, a non-delivery notification
 * from <> back to alice.
 */
#ifndef SENTINEL_TEST_POSTFIX_LINES_H
#define SENTINEL_TEST_POSTFIX_LINES_H

#define SUBMIT "Nov 27 02:05:13 mx1 postfix/submission/smtpd[4242]: 4F3A21C0B2: " \
	"client=unknown[203.0.113.7], sasl_method=PLAIN, sasl_username=alice@example.org"
#define QUEUED "Nov 27 02:05:13 mx1 postfix/qmgr[1111]: 4F3A21C0B2: " \
	"from=<alice@example.org>, size=1843, nrcpt=2 (queue active)"
#define SENT "Nov 27 02:05:14 mx1 postfix/smtp[3333]: 4F3A21C0B2: to=<bob@example.net>, " \
	"relay=mx.example.net[198.51.100.5]:25, delay=1.2, delays=0.1/0.01/0.5/0.59, " \
	"dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9C1D2E3F4A)"
#define DEFERRED "Nov 27 02:05:44 mx1 postfix/smtp[3334]: 4F3A21C0B2: " \
	"to=<carol@example.net>, relay=none, delay=30, delays=0.1/0/30/0, dsn=4.4.1, " \
	"status=deferred (connect to mx.example.net[198.51.100.5]:25: Connection timed out)"
#define REMOVED "Nov 27 02:15:44 mx1 postfix/qmgr[1111]: 4F3A21C0B2: removed"

/* the content filter: hand-off, re-injection, delivery of the copy */
#define REINJECT_CLIENT "Nov 27 02:05:14 mx1 postfix/smtpd[7777]: 7B8C9D0E1F: " \
	"client=localhost[127.0.0.1]"
#define REINJECT_QUEUED "Nov 27 02:05:14 mx1 postfix/qmgr[1111]: 7B8C9D0E1F: " \
	"from=<alice@example.org>, size=2400, nrcpt=2 (queue active)"
#define HANDOFF "Nov 27 02:05:14 mx1 postfix/smtp[3335]: 4F3A21C0B2: " \
	"to=<bob@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.9, " \
	"delays=0.1/0/0.1/0.7, dsn=2.0.0, status=sent (250 2.0.0 from " \
	"MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 7B8C9D0E1F)"
#define REINJECT_SENT "Nov 27 02:05:15 mx1 postfix/smtp[3336]: 7B8C9D0E1F: " \
	"to=<bob@example.net>, relay=mx.example.net[198.51.100.5]:25, delay=0.3, " \
	"delays=0/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as AB12)"

/* a bounce: the notification 8E2B1A0C3D about 4F3A21C0B2, delivered to alice */
#define BOUNCED "Nov 27 02:05:14 mx1 postfix/smtp[3333]: 4F3A21C0B2: " \
	"to=<nobody@example.net>, relay=mx.example.net[198.51.100.5]:25, delay=1.2, " \
	"delays=0.1/0.01/0.5/0.59, dsn=5.1.1, status=bounced (host " \
	"mx.example.net[198.51.100.5] said: 550 5.1.1 <nobody@example.net>: Recipient " \
	"address rejected: User unknown (in reply to RCPT TO command))"
#define NOTIFY "Nov 27 02:05:14 mx1 postfix/bounce[5555]: 4F3A21C0B2: " \
	"sender non-delivery notification: 8E2B1A0C3D"
#define NOTIFY_QUEUED "Nov 27 02:05:14 mx1 postfix/qmgr[1111]: 8E2B1A0C3D: " \
	"from=<>, size=3456, nrcpt=1 (queue active)"
#define NOTIFY_SENT "Nov 27 02:05:15 mx1 postfix/local[6666]: 8E2B1A0C3D: " \
	"to=<alice@example.org>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, " \
	"status=sent (delivered to mailbox)"
#define NOTIFY_REMOVED "Nov 27 02:05:15 mx1 postfix/qmgr[1111]: 8E2B1A0C3D: removed"

#endif
