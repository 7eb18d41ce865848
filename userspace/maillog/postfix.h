/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * postfix.h - recognise Postfix maillog records by their grammar.
 *
 * postfix_parse() takes the program name and message text of one syslog
 * line (see syslog.h) and fills one struct postfix_record.  It accepts a
 * record only from a program "NAME/.../SERVICE" whose NAME equals an entry
 * of syslog_names (NULL: {"postfix"}) or starts with one followed by '-' or
 * '/' ("postfix-out/smtp", "postfix/submission/smtpd").  Kinds:
 *
 *   smtpd     connect from HOST[IP]                            CONNECT
 *             QID: client=HOST[IP][, sasl_method=M,
 *               sasl_username=U][, sasl_sender=S]              CLIENT
 *             warning: HOST[IP]: SASL (LOGIN|PLAIN|..)
 *               authentication failed: TEXT[, sasl_username=U]  AUTH_FAILED
 *   smtpd     (NOQUEUE|QID): reject: STAGE from HOST[IP]: REPLY;
 *               [from=<S>] [to=<R>] [proto=P] [helo=<H>]       REJECT
 *   cleanup   QID: message-id=<ID>                             MESSAGE_ID
 *   qmgr      QID: from=<S>, size=N, nrcpt=N (queue active)    QUEUED
 *   qmgr, postsuper  QID: removed                              REMOVED
 *   smtp, lmtp, local, virtual, pipe, error, discard
 *             QID: to=<R>, [orig_to=<O>,] relay=..., [conn_use=N,]
 *               delay=D, delays=a/b/c/d, dsn=X.Y.Z, status=S (TEXT)  DELIVERY
 *   pickup    QID: uid=N from=<S>                              PICKUP
 *   postsuper QID: placed on hold / released from hold         HOLD / RELEASE
 *
 * Other lines of a Postfix program are IGNORED (among them cleanup's
 * header/body_checks "reject:", whose grammar differs); lines whose shape is wrong
 * for their kind are UNPARSED; lines of other programs are FOREIGN.
 *
 * Structure, not substrings: a field name counts only at the start of an
 * element of the ", "-separated list, in the order Postfix writes them; a
 * value in <...> ends at the '>' (outside a "quoted" part) that is followed
 * by the list separator or the end of the text, so an address like
 * <"x, sasl_username=ceo"@evil.test> stays one value.  A message holding a
 * NUL byte is UNPARSED (Postfix never logs one).  Values are copied with
 * invalid UTF-8 replaced by U+FFFD; a value longer than its field is cut on
 * a character boundary and `truncated` is set.  Absent numbers are -1.
 *
 * Limits: the reject envelope tail is looked for after at most 8 "; " of
 * the reply text (each try is linear), later ones make the line UNPARSED.
 * The program name is only as trustworthy as the syslog transport: any
 * local user can run `logger -t postfix/smtpd`; telling that apart needs
 * the sender's credentials (journald _COMM/_UID), not this parser.
 */
#ifndef SENTINEL_MAILLOG_POSTFIX_H
#define SENTINEL_MAILLOG_POSTFIX_H

#include <stdbool.h>
#include <stddef.h>

#define POSTFIX_QID_MAX 32
#define POSTFIX_SERVICE_MAX 32
#define POSTFIX_HOST_MAX 256
#define POSTFIX_IP_MAX 64	/* "IPv6:" + the longest text form */
#define POSTFIX_ADDR_MAX 384	/* envelope address: 320 and some quoting */
#define POSTFIX_WORD_MAX 32	/* sasl_method, dsn, status, stage, proto */
#define POSTFIX_TEXT_MAX 256	/* status or reply text, helo, login name */

enum postfix_kind {
	POSTFIX_UNPARSED = 0,
	POSTFIX_FOREIGN,	/* not a Postfix program */
	POSTFIX_IGNORED,	/* a Postfix line this parser does not need */
	POSTFIX_CONNECT,
	POSTFIX_CLIENT,
	POSTFIX_AUTH_FAILED,
	POSTFIX_REJECT,
	POSTFIX_MESSAGE_ID,
	POSTFIX_QUEUED,
	POSTFIX_REMOVED,
	POSTFIX_DELIVERY,
	POSTFIX_PICKUP,
	POSTFIX_HOLD,
	POSTFIX_RELEASE,
};

struct postfix_record {
	enum postfix_kind kind;
	char service[POSTFIX_SERVICE_MAX];	/* "smtpd", "qmgr", ... */
	char qid[POSTFIX_QID_MAX];		/* "" for NOQUEUE */
	bool long_qid;				/* enable_long_queue_ids form */
	char client_host[POSTFIX_HOST_MAX];
	char client_ip[POSTFIX_IP_MAX];
	char sasl_method[POSTFIX_WORD_MAX];
	char sasl_username[POSTFIX_TEXT_MAX];
	char sasl_sender[POSTFIX_ADDR_MAX];
	char message_id[POSTFIX_ADDR_MAX];
	char from[POSTFIX_ADDR_MAX];
	char to[POSTFIX_ADDR_MAX];
	char orig_to[POSTFIX_ADDR_MAX];
	char relay_host[POSTFIX_HOST_MAX];	/* or "local", "none", ... */
	char relay_ip[POSTFIX_IP_MAX];
	long relay_port;
	char dsn[POSTFIX_WORD_MAX];
	char status[POSTFIX_WORD_MAX];		/* sent, deferred, bounced, expired */
	char text[POSTFIX_TEXT_MAX];		/* status text, reply, auth reason */
	char stage[POSTFIX_WORD_MAX];		/* reject: RCPT, MAIL, ... */
	char proto[POSTFIX_WORD_MAX];
	char helo[POSTFIX_TEXT_MAX];
	long size, nrcpt, uid;
	bool truncated;
};

enum postfix_kind postfix_parse(struct postfix_record *r, const char *program,
				const char *msg, size_t len,
				const char *const *syslog_names);

const char *postfix_kind_name(enum postfix_kind kind);

#endif
