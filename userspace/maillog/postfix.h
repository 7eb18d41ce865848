/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * postfix.h - recognise Postfix maillog records by their grammar.
 *
 * postfix_parse() takes the program name and message text of one syslog
 * line (slices, see syslog.h) and fills one struct postfix_record.  It
 * accepts a record only from a program "NAME/.../SERVICE" whose NAME equals an entry
 * of syslog_names (NULL: {"postfix"}) or starts with one followed by '-' or
 * '/' ("postfix-out/smtp", "postfix/submission/smtpd").  Kinds:
 *
 *   smtpd     connect from HOST[IP][:PORT]                     CONNECT
 *             disconnect from HOST[IP][:PORT][ COUNTS]         DISCONNECT
 *             [(NOQUEUE|QID): ](lost connection|timeout|too many errors)
 *               after STAGE[ (N bytes)] from HOST[IP][:PORT]   LOST
 *             (QID|NOQUEUE): client=HOST[IP][:PORT][, sasl_method=M,
 *               sasl_username=U][, sasl_sender=S]              CLIENT
 *               (NOQUEUE: behind smtpd_proxy_filter)
 *             warning: HOST[IP][:PORT]: SASL (LOGIN|PLAIN|..)
 *               authentication failed: TEXT[, sasl_username=U]  AUTH_FAILED
 *   smtpd, smtp, lmtp, tlsproxy
 *             (Anonymous|Untrusted|Trusted|Verified) TLS connection
 *               (established|reused) (from HOST[IP][:PORT][ to SNI]|
 *               to HOST[IP]:PORT): PROTOCOL with cipher ...    TLS_CONNECTION
 *   smtpd, postscreen
 *             (NOQUEUE|QID): reject: STAGE from HOST[IP][:PORT]: REPLY;
 *               TAIL                                           REJECT
 *   smtpd, cleanup
 *             (NOQUEUE|QID): milter-reject: STAGE from HOST[IP][:PORT]:
 *               REPLY; TAIL                                    MILTER_REJECT
 *   smtpd     (NOQUEUE|QID): (hold|discard|filter|redirect|warn|info|
 *               bcc|delay|hangup|milter-hold|milter-discard|
 *               reject_warning): STAGE from HOST[IP][:PORT]: TEXT;
 *               TAIL                                           ACTION
 *             proxy-(accept|reject): STAGE: REPLY; TAIL        ACTION
 *   postscreen CONNECT from [IP]:PORT to [IP]:PORT             CONNECT
 *             DISCONNECT [IP]:PORT                             DISCONNECT
 *             TAIL: [from=<S>] [to=<R>] [proto=P] [helo=<H>]
 *               [sasl_method=M] [sasl_username=U|<U>] [sasl_sender=S]
 *               (postscreen: ", "-separated, HOST empty)
 *   cleanup   QID: (milter-hold|milter-discard): STAGE from HOST[IP]:
 *               TEXT; TAIL                                     ACTION
 *             QID: ACTION: CLASS CONTENT from ORIGIN;[ from=<S>]
 *               [ to=<R>][ proto=P][ helo=<H>][: TEXT]         CONTENT_CHECK
 *               (header_checks, body_checks: ACTION reject, warning,
 *               info, filter, pass, discard, hold, delay, prepend,
 *               replace, redirect, bcc, strip, CLASS header, body,
 *               content, mime-error; milter_header_checks: ACTION
 *               milter-WHERE-(one of those), CLASS WHERE, header or body)
 *   cleanup   QID: message-id=<ID>                             MESSAGE_ID
 *             QID: removed (canceled|discarded) (3.10+)        REMOVED
 *   qmgr      QID: from=<S>, size=N, nrcpt=N (queue active)    QUEUED
 *             QID: from=<S>, status=(expired|force-expired),
 *               returned to sender                             EXPIRED
 *   qmgr, postsuper  QID: removed                              REMOVED
 *   smtp, lmtp, local, virtual, pipe, error, retry, discard, qmgr, cleanup
 *             QID: to=<R>, [orig_to=<O>,] relay=..., [conn_use=N,]
 *               delay=D, delays=a/b/c/d, [tls=T,] dsn=X.Y.Z,
 *               status=S (TEXT)                                DELIVERY
 *   smtp, lmtp  QID: host HOST[IP] refused to talk to me: TEXT,
 *             QID: host HOST[IP] said: TEXT[ (in reply to STAGE command)],
 *             QID: lost connection with HOST[IP] while TEXT,
 *             QID: conversation with HOST[IP] timed out while TEXT,
 *             QID: SASL authentication failed; (server HOST[IP] said|
 *               cannot authenticate to server HOST[IP]): TEXT,
 *             connect to HOST[IP][:PORT]: TEXT,
 *             SSL_connect error to HOST[IP]:PORT: TEXT,
 *             [server ]certificate verification failed for
 *               HOST[IP]:PORT: TEXT                            SMTP_ERROR
 *   smtpd     (improper command pipelining|bare <LF> received) after
 *               STAGE from CLIENT[: TEXT],
 *             SSL_accept error from CLIENT: TEXT,
 *             warning: non-SMTP command from CLIENT: TEXT,
 *             warning: hostname HOST does not resolve to address IP[: TEXT],
 *             warning: IP: hostname HOST verification failed: TEXT,
 *             warning: IP: address not listed for hostname HOST,
 *             warning: Illegal address syntax from CLIENT in STAGE
 *               command: TEXT,
 *             warning: WHAT limit exceeded: N from CLIENT for service S
 *   postscreen VERDICT [N after T from |rank N for |...][IP]:PORT
 *               [after STAGE][: TEXT| TEXT] (PASS NEW, PREGREET,
 *               HANGUP, COMMAND TIME LIMIT, DNSBL, ...)
 *   smtp      QID: enabling PIX workarounds: TEXT for HOST[IP]:PORT
 *   dnsblog   addr IP listed by TEXT
 *   anvil     statistics: max WHAT (rate N/T|count N) for
 *               (SERVICE:IP) at TIME                           EVENT
 *   tlsproxy  CONNECT from [IP]:PORT / DISCONNECT [IP]:PORT    CONNECT / DISCONNECT
 *   pickup    QID: uid=N from=<S>[ orig_id=ID]                 PICKUP
 *   postsuper QID: placed on hold / released from hold         HOLD / RELEASE
 *             QID: requeued                                    REQUEUED
 *             QID: expired                                     EXPIRED
 *             (Deleted|Requeued|Placed on hold|Released from hold|
 *               Force-expired|...): N message[s]               SUMMARY
 *   bounce    QID: (sender|postmaster) (non-delivery|delay|delivery status)
 *               notification: NEWQID                           NOTIFY
 *
 * NOTIFY is the bounce daemon (bounce_notify_service.c, bounce_warn_service.c,
 * bounce_trace_service.c, bounce_one_service.c) creating a notification
 * about message QID: NEWQID (NEW_QID) is the notification, a new message
 * from <> that qmgr then queues and delivers; NOTIFY is the kind as logged
 * ("non-delivery", "delay", "delivery status") and NOTIFY_TO whom it goes
 * to ("sender", or "postmaster": a copy, or a bounce of a bounce).
 *
 * Tolerance: in the ", "-separated lists (client=, from=, to=) and in the
 * space-separated reject tail, an element NAME=VALUE whose NAME (lower
 * case letters, digits, '_', '-') this parser does not know is skipped,
 * wherever it stands: Postfix adds fields over the years (tls= of
 * smtp_log_tls_feature_status, 3.11 upstream; 3.10's sasl_* in the reject
 * tail).  Its VALUE is read as any value is: <...>
 * as below, else up to the separator.  A known name out of its order or
 * twice, or an element that is not NAME=VALUE, makes the line UNPARSED.
 *
 * CONTENT_CHECK: CONTENT is the header or body line cleanup acted on, as
 * it logs it (at most 200 bytes, 60 for milter_header_checks before 3.8),
 * ORIGIN the client's HOST[IP][:PORT] (CLIENT_HOST, CLIENT_IP,
 * client_port), "local" (pickup) or "unknown" (no client fields); TEXT
 * the action's text (a reject's "5.7.1 ...", whose code is also DSN; a
 * redirect's address; a prepend's header).  CONTENT is the sender's and
 * may hold a whole forged "from ORIGIN; from=<...> ...": the tail taken is
 * the last "ORIGIN;" after which the rest parses, preferring one that
 * leaves CONTENT at most 200 bytes, so a tail forged in CONTENT never wins;
 * one forged in the envelope sender S, or in TEXT (a table's $1) with a
 * short CONTENT, can (S and TEXT are the sender's own; QID, ACTION and
 * CLASS come first and cannot be forged).
 *
 * Other lines of a Postfix program are IGNORED (one that starts with
 * "QID: " or "warning: QID: " keeps QID, for a reader that follows the
 * message); lines whose shape is wrong for their kind are UNPARSED; lines
 * of other programs are FOREIGN.
 *
 * Structure, not substrings: a field name counts only at the start of an
 * element of the list, in the order Postfix writes them; a
 * value in <...> ends at the '>' (outside a "quoted" part) that is followed
 * by the list separator or the end of the text, so an address like
 * <"x, sasl_username=ceo"@evil.test> stays one value.  In a reject tail
 * the HELO name ends at its first '>' (smtpd replaces space, < > ( ) \ "
 * ; and @ in it by '?'), so text after it is Postfix's own; an address
 * before it that forges a tail is followed by Postfix's own proto= (out
 * of order), and 3.10's unbracketed sasl_username=U, which runs to the end
 * or to a last sasl_sender=, is refused when it holds '<' or '>' (what an
 * address that forged it is closed by).  A message holding a
 * NUL byte is UNPARSED (Postfix never logs one).
 *
 * Zero copy: the values are slices of the caller's message, raw bytes
 * (invalid UTF-8 included), valid as long as the line is.  Which fields a
 * record has is the bitmask `present`; postfix_get() gives an absent field
 * as the empty slice, and the slot of an absent field is stale, so read
 * fields only through postfix_get().  A caller that keeps a value copies
 * it with slice_copy() (syslog.h) into a buffer of the field's *_MAX
 * bytes: that bounds it and replaces invalid UTF-8 by U+FFFD.  A value of
 * *_MAX bytes or more is kept whole in the record and flags `truncated`
 * (flagged, not refused): its copy will be cut; slice_copy() says exactly,
 * since each bad byte grows by two in the copy.  Absent numbers are -1.
 * The TEXT of REJECT, MILTER_REJECT and ACTION is the reply ("554 5.7.1
 * ..."; a milter's in cleanup: "5.7.1 ..."), its DSN the X.Y.Z in it.
 * SMTP_ERROR's STATUS says what happened ("said", "refused to talk to
 * me", "lost connection", "timed out", "connect to", "SSL_connect error",
 * "certificate verification failed", "SASL authentication failed"), TEXT
 * the rest (the server's reply without "(in reply to STAGE command)", or
 * what was going on), RELAY_HOST, RELAY_IP and relay_port the server's.
 * EVENT is something that happened to a peer without a message: STATUS
 * what ("improper command pipelining", "non-SMTP command", "limit
 * exceeded" with TEXT which ("Connection rate") and count its N, postscreen's verdict "PASS NEW",
 * "PREGREET", ...), the client, STAGE the command it came after, TEXT
 * what follows (the client's own text for pipelining and non-SMTP
 * commands).  SUMMARY's STATUS is its verb
 * ("Deleted"), count its N.  DISCONNECT's TEXT is the command counts
 * ("ehlo=1 auth=0/1 quit=1 commands=2"); LOST's STATUS is its reason
 * ("lost connection"), STAGE the command it came after, size the bytes
 * of a DATA or BDAT.  TLS_CONNECTION's STATUS is the trust word
 * ("Verified"), TEXT the protocol and cipher, the peer a client (from) or
 * a relay (to).  ACTION's ACTION is the action ("hold").  cleanup's
 * REMOVED has its reason in STATUS ("canceled": rejected, or the client
 * went away; "discarded").  postscreen's
 * NOQUEUE: reject: CONNECT lines have no tail: all of their text is TEXT.
 * An UNPARSED or IGNORED line may keep the fields found before the rule
 * failed (for a diagnostic); act on a record only by its kind.
 *
 * Speed: a program that is not NAME/... of a syslog name costs one memcmp
 * per name; the record is reset with a few stores, never a memset.
 *
 * Limits: the reject envelope tail is looked for after at most 8 "; " of
 * the reply text (each try is linear), later ones make the line UNPARSED;
 * CONTENT_CHECK's tail at the last 8 "ORIGIN;" of the line, likewise.
 * A queue id of POSTFIX_QID_MAX bytes or more, or a service name of
 * POSTFIX_SERVICE_MAX or more, is refused (not a queue id / FOREIGN).
 * The program name is only as trustworthy as the syslog transport: any
 * local user can run `logger -t postfix/smtpd`; telling that apart needs
 * the sender's credentials (journald _COMM/_UID), not this parser.
 */
#ifndef SENTINEL_MAILLOG_POSTFIX_H
#define SENTINEL_MAILLOG_POSTFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "maillog/syslog.h"

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
	POSTFIX_LOGIN,		/* a session's SMTP AUTH, without a queue id:
				 * Sendmail's AUTH=server (sendmail.h) */
	POSTFIX_NOTIFY,		/* bounce: a notification about QID created */
	POSTFIX_MILTER_REJECT,
	POSTFIX_EXPIRED,
	POSTFIX_SMTP_ERROR,
	POSTFIX_REQUEUED,
	POSTFIX_SUMMARY,
	POSTFIX_DISCONNECT,
	POSTFIX_LOST,
	POSTFIX_TLS_CONNECTION,
	POSTFIX_ACTION,
	POSTFIX_CONTENT_CHECK,	/* cleanup: a header/body check's action */
	POSTFIX_EVENT,		/* a peer's event without a message */
	POSTFIX_KIND_COUNT	/* not a kind: the number of kinds */
};

/* Fields of a record; the comment is the bound (*_MAX) of each. */
enum postfix_field {
	POSTFIX_F_SERVICE,	/* SERVICE: "smtpd", "qmgr", ... */
	POSTFIX_F_QID,		/* QID; absent for NOQUEUE */
	POSTFIX_F_CLIENT_HOST,	/* HOST */
	POSTFIX_F_CLIENT_IP,	/* IP */
	POSTFIX_F_SASL_METHOD,	/* WORD */
	POSTFIX_F_SASL_USERNAME,	/* TEXT */
	POSTFIX_F_SASL_SENDER,	/* ADDR */
	POSTFIX_F_MESSAGE_ID,	/* ADDR */
	POSTFIX_F_FROM,		/* ADDR; present and empty: the null sender */
	POSTFIX_F_TO,		/* ADDR */
	POSTFIX_F_ORIG_TO,	/* ADDR */
	POSTFIX_F_RELAY_HOST,	/* HOST, or "local", "none", ... */
	POSTFIX_F_RELAY_IP,	/* IP */
	POSTFIX_F_DSN,		/* WORD */
	POSTFIX_F_STATUS,	/* WORD: sent, deferred, bounced, expired */
	POSTFIX_F_TEXT,		/* TEXT: status text, reply, auth reason */
	POSTFIX_F_STAGE,	/* WORD: reject: RCPT, MAIL, ... */
	POSTFIX_F_PROTO,	/* WORD */
	POSTFIX_F_HELO,		/* TEXT */
	POSTFIX_F_LOCAL_USER,	/* TEXT: the login name of a local submission
				 * (Exim's U= without H=, exim.h) */
	POSTFIX_F_NEW_QID,	/* QID: NOTIFY's notification message */
	POSTFIX_F_NOTIFY,	/* WORD: non-delivery, delay, delivery status */
	POSTFIX_F_NOTIFY_TO,	/* WORD: sender, postmaster */
	POSTFIX_F_TLS,		/* TEXT: tls= of a delivery (Postfix 3.10+) */
	POSTFIX_F_DELAY,	/* WORD: delay= */
	POSTFIX_F_DELAYS,	/* WORD: delays=a/b/c/d */
	POSTFIX_F_ACTION,	/* WORD: ACTION's and CONTENT_CHECK's action */
	POSTFIX_F_CLASS,	/* WORD: header, body, content, mime-error */
	POSTFIX_F_CONTENT,	/* TEXT: the header or body line acted on */
	POSTFIX_F_ORIG_QID,	/* QID: the message an MTA's own notification
				 * reports on (Exim's R=, exim.h) */
	POSTFIX_F_COUNT
};


struct postfix_record {
	enum postfix_kind kind;
	unsigned int present;			/* 1u << enum postfix_field */
	struct slice f[POSTFIX_F_COUNT];	/* read with postfix_get() */
	bool long_qid;				/* enable_long_queue_ids form */
	bool truncated;				/* a value of *_MAX bytes or more */
	bool conn_reused;			/* DELIVERY logged conn_use=N */
	bool mta_bounce;			/* Exim's own mail: an arrival
						 * with R= (ORIG_QID) from the
						 * Exim user (exim.h) */
	long relay_port, size, nrcpt, uid;
	long client_port;			/* HOST[IP]:PORT of a client */
	long conn_use;				/* DELIVERY's conn_use=N */
	long count;				/* SUMMARY's N */
};

enum postfix_kind postfix_parse(struct postfix_record *r, struct slice program,
				struct slice msg, const char *const *syslog_names);

static inline struct slice postfix_get(const struct postfix_record *r,
				       enum postfix_field f)
{
	static const struct slice none = { "", 0 };

	return r->present & (1u << f) ? r->f[f] : none;
}

static inline bool postfix_has(const struct postfix_record *r, enum postfix_field f)
{
	return r->present & (1u << f);
}

/* The bound of a field: copy it into a buffer of this many bytes. */
size_t postfix_field_max(enum postfix_field f);

const char *postfix_kind_name(enum postfix_kind kind);

#endif
