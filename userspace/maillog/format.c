// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * format.c - the maillog reader's dispatch and in-order feed (see format.h).
 *
 * Sessions (pending logins, struct msg_login of messages.h) sit in a fixed
 * array of sets of SESSION_WAYS entries, the set chosen by the pid; nothing
 * is allocated per line.  A session keeps bounded, UTF-8-clean copies
 * (slice_copy()) of what it lends.  The array is lent to the message table,
 * whose snapshot carries it.
 *
 * Login names to uids: USER_CACHE entries, searched in full (a local
 * submission is rare next to the other lines), filled and replaced in
 * turn (the first in, the first out); only a miss calls getpwnam_r(), with
 * a buffer of its own.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "maillog/exim.h"
#include "maillog/format.h"
#include "maillog/sendmail.h"

#define SESSION_WAYS 4
#define SESSION_SETS (FEED_SESSIONS / SESSION_WAYS)
#define PW_BUF_MAX ((size_t)1 << 20)	/* getpwnam_r()'s buffer, at most */
#define UID_LIMIT 4294967294UL		/* (uid_t)-1 is no uid */

_Static_assert(FEED_SESSIONS % SESSION_WAYS == 0, "sessions come in whole sets");
_Static_assert(FEED_SESSIONS <= MSG_LOGINS_MAX, "a snapshot holds every session");

struct user {
	char name[POSTFIX_TEXT_MAX];	/* "": empty */
	long uid;			/* -1: not a user here */
	time_t at;			/* when it was looked up (wall clock) */
};

struct maillog_feed {
	struct msg_table *t;
	struct maillog_feed_stats st;
	struct ratelimit unknown_rl;
	struct msg_login s[FEED_SESSIONS];
	struct user users[USER_CACHE];
	unsigned user_next;		/* the slot a new name takes */
};

static const char *const format_names[] = {
	[MAILLOG_AUTO] = "auto", [MAILLOG_POSTFIX] = "postfix",
	[MAILLOG_SENDMAIL] = "sendmail", [MAILLOG_EXIM] = "exim",
};

bool maillog_format_parse(const char *name, enum maillog_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum maillog_format)i;
			return true;
		}
	return false;
}

const char *maillog_format_name(enum maillog_format f)
{
	return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f] :
									       "?";
}

int maillog_header(struct syslog_line *out, const char *line, size_t len, time_t ref,
		   enum maillog_format f)
{
	if (syslog_parse(out, line, len, ref) == SYSLOG_OK)
		return SYSLOG_OK;
	if (f == MAILLOG_AUTO || f == MAILLOG_EXIM)
		return exim_header(out, line, len);
	return SYSLOG_UNPARSED;
}

enum postfix_kind maillog_parse(struct postfix_record *r, enum maillog_format f,
				const struct syslog_line *sl, const char *const *syslog_names)
{
	enum postfix_kind k;

	switch (f) {
	case MAILLOG_POSTFIX:
		return postfix_parse(r, sl->program, sl->msg, syslog_names);
	case MAILLOG_SENDMAIL:
		return sendmail_parse(r, sl->program, sl->msg);
	case MAILLOG_EXIM:
		return exim_parse(r, sl->program, sl->msg);
	case MAILLOG_AUTO:
		break;
	}
	k = postfix_parse(r, sl->program, sl->msg, syslog_names);
	if (k != POSTFIX_FOREIGN)
		return k;
	if (sendmail_program(sl->program))
		return sendmail_parse(r, sl->program, sl->msg);
	return exim_parse(r, sl->program, sl->msg);
}

static void session_restore(const struct msg_login *l, void *arg);

struct maillog_feed *maillog_feed_new(struct msg_table *t)
{
	struct maillog_feed *f = xcalloc(1, sizeof(*f));

	f->t = t;
	if (t) {
		struct msg_logins lent = { f->s, FEED_SESSIONS, session_restore, f };

		msg_table_logins(t, &lent);
	}
	return f;
}

void maillog_feed_free(struct maillog_feed *f)
{
	if (f && f->t)
		msg_table_logins(f->t, NULL);
	free(f);
}

void maillog_feed_stats(const struct maillog_feed *f, struct maillog_feed_stats *out)
{
	*out = f->st;
}

static struct msg_login *session_set(struct maillog_feed *f, long pid)
{
	return &f->s[((unsigned long)pid * 2654435761UL >> 8) % SESSION_SETS * SESSION_WAYS];
}

/* The session of (instance, pid), or NULL. */
static struct msg_login *session_find(struct maillog_feed *f, const char *instance, long pid)
{
	struct msg_login *set = session_set(f, pid);

	for (int i = 0; i < SESSION_WAYS; i++)
		if (set[i].pid == pid && strcmp(set[i].instance, instance) == 0)
			return &set[i];
	return NULL;
}

/* The slot for (instance, pid) logged at `at`: its own, else an empty one
 * or the oldest of its set (counted when it had not aged yet). */
static struct msg_login *session_slot(struct maillog_feed *f, const char *instance, long pid,
				      time_t at)
{
	struct msg_login *s = session_find(f, instance, pid), *set;

	if (s)
		return s;
	set = session_set(f, pid);
	s = &set[0];
	for (int i = 0; i < SESSION_WAYS && s->pid; i++)
		if (!set[i].pid || set[i].at < s->at)
			s = &set[i];
	if (s->pid && at - s->at < SESSION_MAX_AGE)
		f->st.session_evictions++;
	return s;
}

static void session_put(struct maillog_feed *f, const struct syslog_line *sl,
			const struct postfix_record *r)
{
	char instance[MSG_INSTANCE_MAX];
	struct msg_login *s;

	if (sl->pid <= 0 || !postfix_has(r, POSTFIX_F_CLIENT_IP) ||
	    !postfix_has(r, POSTFIX_F_SASL_USERNAME))
		return;
	msg_instance(instance, sizeof(instance), sl->program);
	s = session_slot(f, instance, sl->pid, sl->time);
	s->pid = sl->pid;
	s->at = sl->time;
	memcpy(s->instance, instance, sizeof(instance));
	slice_copy(s->ip, sizeof(s->ip), postfix_get(r, POSTFIX_F_CLIENT_IP));
	slice_copy(s->user, sizeof(s->user), postfix_get(r, POSTFIX_F_SASL_USERNAME));
	slice_copy(s->method, sizeof(s->method), postfix_get(r, POSTFIX_F_SASL_METHOD));
	f->st.sessions++;
	if (f->t)
		msg_table_touch(f->t);
}

/* A session read from a snapshot (msg_table_load()): placed as when its
 * line was read, not counted again. */
static void session_restore(const struct msg_login *l, void *arg)
{
	struct maillog_feed *f = arg;
	struct msg_login *s = session_slot(f, l->instance, l->pid, l->at);

	*s = *l;
}

static void put(struct postfix_record *r, enum postfix_field fld, const char *s)
{
	r->f[fld].p = s;
	r->f[fld].n = strlen(s);
	r->present |= 1u << fld;
}

/* c is the CLIENT copy of a Sendmail from= line: lend it its session's login. */
static void session_join(struct maillog_feed *f, const struct syslog_line *sl,
			 struct postfix_record *c)
{
	char instance[MSG_INSTANCE_MAX], ip[POSTFIX_IP_MAX];
	struct msg_login *s;

	if (sl->pid <= 0)
		return;
	msg_instance(instance, sizeof(instance), sl->program);
	s = session_find(f, instance, sl->pid);
	if (!s)
		return;
	slice_copy(ip, sizeof(ip), postfix_get(c, POSTFIX_F_CLIENT_IP));
	if (strcmp(ip, s->ip) != 0 || sl->time < s->at || sl->time - s->at > SESSION_MAX_AGE) {
		s->pid = 0;		/* the pid serves another connection now */
		if (f->t)
			msg_table_touch(f->t);
		return;
	}
	put(c, POSTFIX_F_SASL_USERNAME, s->user);
	if (s->method[0])
		put(c, POSTFIX_F_SASL_METHOD, s->method);
	f->st.joined++;
}

/* ---- local submissions: a login name to a uid ---- */

/* A name worth asking the passwd database: the portable set (letters,
 * digits, '.', '_', '-'), '@' (user@domain of sssd and winbind) and a
 * final '$' (Samba's machine accounts), not starting with '-'. */
static bool user_name_ok(struct slice n)
{
	if (n.n == 0 || n.n >= POSTFIX_TEXT_MAX || n.p[0] == '-')
		return false;
	for (size_t i = 0; i < n.n; i++) {
		char ch = n.p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
		      ch == '@' || (ch == '$' && i == n.n - 1)))
			return false;
	}
	return true;
}

/* A uid written as a name (Exim's unknown_login = $caller_uid): decimal,
 * no leading zero, not (uid_t)-1; else -1. */
static long uid_number(const char *name)
{
	unsigned long v = 0;
	const char *p;

	if (name[0] == '0')
		return name[1] ? -1 : 0;
	for (p = name; *p; p++) {
		if (*p < '0' || *p > '9' || p - name >= 10)
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	return p > name && v <= UID_LIMIT ? (long)v : -1;
}

/* getpwnam_r(): the uid of name, or -1 (no such user, or the lookup
 * failed: then not asked again before USER_CACHE_TTL either). */
static long lookup_uid(const char *name)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t cap = hint > 0 && hint < (long)PW_BUF_MAX ? (size_t)hint : 16384;
	struct passwd pw, *res = NULL;
	int rc;

	for (;;) {
		char *buf = xmalloc(cap);

		rc = getpwnam_r(name, &pw, buf, cap, &res);
		free(buf);	/* pw_uid is a copy; no pointer of pw is read */
		if (rc != ERANGE || cap >= PW_BUF_MAX)
			break;
		cap *= 2;
	}
	return rc == 0 && res ? (long)pw.pw_uid : -1;
}

/* The uid of a local submission's login name (cached), or -1. */
static long local_uid(struct maillog_feed *f, struct slice name)
{
	time_t now = time(NULL);
	struct user *u = NULL;

	if (!user_name_ok(name))
		return -1;
	for (int i = 0; i < USER_CACHE && !u; i++) {
		struct user *c = &f->users[i];

		if (strlen(c->name) == name.n && memcmp(c->name, name.p, name.n) == 0) {
			if (now >= c->at && now - c->at < USER_CACHE_TTL)
				return c->uid;
			u = c;		/* asked too long ago: again */
		}
	}
	if (!u) {
		u = &f->users[f->user_next];
		f->user_next = (f->user_next + 1) % USER_CACHE;
	}
	memcpy(u->name, name.p, name.n);
	u->name[name.n] = '\0';
	u->at = now;
	u->uid = lookup_uid(u->name);
	if (u->uid < 0)
		u->uid = uid_number(u->name);
	f->st.user_lookups++;
	return u->uid;
}

/* r is an arrival without client or login: into *p the PICKUP record that
 * gives it the identity uid:N of its local user, if it has one. */
static bool local_submission(struct maillog_feed *f, const struct postfix_record *r,
			     struct postfix_record *p)
{
	struct slice name = postfix_get(r, POSTFIX_F_LOCAL_USER);
	long uid;

	/* Exim's own bounces carry U= of the Exim user: the MTA's mail, like
	 * Postfix's bounces, which have no identity either. */
	if (!postfix_has(r, POSTFIX_F_LOCAL_USER) || r->mta_bounce)
		return false;
	uid = local_uid(f, name);
	if (uid < 0) {
		f->st.unknown_users++;
		if (log_ratelimited(&f->unknown_rl, 3600)) {
			char shown[POSTFIX_TEXT_MAX];

			if (user_name_ok(name) && slice_copy(shown, sizeof(shown), name))
				log_warnx("maillog: local user \"%s\" is not a user here: its "
					  "messages have no identity (logged hourly at most)", shown);
			else
				log_warnx("maillog: a local submission's U= is not a login name: "
					  "its messages have no identity (logged hourly at most)");
		}
		return false;
	}
	*p = *r;
	p->kind = POSTFIX_PICKUP;
	p->uid = uid;
	f->st.local_uids++;
	return true;
}

/* r is Exim's own arrival NEWID from <> about message ORIG (its R=: a
 * bounce, delay warning or DSN): into *n the NOTIFY record that Postfix's
 * bounce daemon would have logged, "ORIG: sender KIND notification: NEWID".
 * Exim logs no kind: it is read from what ORIG did before (format.h). */
static bool exim_notification(struct maillog_feed *f, const struct syslog_line *sl,
			      const struct postfix_record *r, struct postfix_record *n)
{
	char instance[MSG_INSTANCE_MAX], qid[POSTFIX_QID_MAX];
	const struct message *m = NULL;
	const char *kind = "non-delivery", *to = "sender";

	if (!r->mta_bounce || !postfix_has(r, POSTFIX_F_FROM) ||
	    postfix_get(r, POSTFIX_F_FROM).n != 0 || !postfix_has(r, POSTFIX_F_ORIG_QID) ||
	    !postfix_has(r, POSTFIX_F_QID))
		return false;
	if (f->t && slice_copy(qid, sizeof(qid), postfix_get(r, POSTFIX_F_ORIG_QID))) {
		msg_instance(instance, sizeof(instance), sl->program);
		m = msg_table_find(f->t, instance, qid);
	}
	if (m && m->notify)
		to = "postmaster";	/* about a notification: freeze_tell, errors_to */
	else if (m && !m->deliveries[MSG_BOUNCED] && !m->deliveries[MSG_EXPIRED] &&
		 m->deliveries[MSG_DEFERRED])
		kind = "delay";
	else if (m && !m->deliveries[MSG_BOUNCED] && !m->deliveries[MSG_EXPIRED] &&
		 m->deliveries[MSG_SENT])
		kind = "delivery status";
	memset(n, 0, sizeof(*n));
	n->kind = POSTFIX_NOTIFY;
	n->relay_port = n->size = n->nrcpt = n->uid = -1;
	n->client_port = n->conn_use = n->count = -1;
	n->f[POSTFIX_F_QID] = r->f[POSTFIX_F_ORIG_QID];
	n->f[POSTFIX_F_NEW_QID] = r->f[POSTFIX_F_QID];
	n->present = 1u << POSTFIX_F_QID | 1u << POSTFIX_F_NEW_QID;
	put(n, POSTFIX_F_NOTIFY, kind);
	put(n, POSTFIX_F_NOTIFY_TO, to);
	f->st.notifications++;
	return true;
}

/* After a Sendmail delivery: a REMOVED record once every recipient is done. */
static void sendmail_done(struct maillog_feed *f, const struct syslog_line *sl,
			  const struct postfix_record *r, maillog_emit_fn *emit, void *arg)
{
	char instance[MSG_INSTANCE_MAX], qid[POSTFIX_QID_MAX];
	const struct message *m;
	struct postfix_record rm;

	if (!f->t || !postfix_has(r, POSTFIX_F_QID) ||
	    !slice_copy(qid, sizeof(qid), postfix_get(r, POSTFIX_F_QID)))
		return;
	msg_instance(instance, sizeof(instance), sl->program);
	m = msg_table_find(f->t, instance, qid);
	if (!m || m->removed || m->nrcpt <= 0 ||
	    m->deliveries[MSG_SENT] + m->deliveries[MSG_BOUNCED] + m->deliveries[MSG_EXPIRED] <
	    (unsigned long)m->nrcpt)
		return;
	memset(&rm, 0, sizeof(rm));
	rm.kind = POSTFIX_REMOVED;
	rm.relay_port = rm.size = rm.nrcpt = rm.uid = -1;
	rm.client_port = rm.conn_use = rm.count = -1;
	rm.f[POSTFIX_F_QID] = r->f[POSTFIX_F_QID];
	rm.present = 1u << POSTFIX_F_QID;
	f->st.removals++;
	emit(sl, &rm, arg);
}

void maillog_feed(struct maillog_feed *f, const struct syslog_line *sl,
		  const struct postfix_record *r, maillog_emit_fn *emit, void *arg)
{
	struct postfix_record c;
	struct slice list;

	switch (r->kind) {
	case POSTFIX_LOGIN:
		session_put(f, sl, r);
		break;
	case POSTFIX_QUEUED:
		if (!postfix_has(r, POSTFIX_F_CLIENT_IP) && !postfix_has(r, POSTFIX_F_SASL_USERNAME)) {
			if (local_submission(f, r, &c) || exim_notification(f, sl, r, &c))
				emit(sl, &c, arg);
			break;
		}
		c = *r;
		c.kind = POSTFIX_CLIENT;
		if (!postfix_has(&c, POSTFIX_F_SASL_USERNAME) && sendmail_program(sl->program))
			session_join(f, sl, &c);
		emit(sl, &c, arg);
		break;
	case POSTFIX_DELIVERY:
		if (!sendmail_program(sl->program))
			break;
		if (r->nrcpt > 1) {
			c = *r;
			for (list = postfix_get(r, POSTFIX_F_TO);
			     sendmail_next_rcpt(&list, &c.f[POSTFIX_F_TO]);)
				emit(sl, &c, arg);
		} else {
			emit(sl, r, arg);
		}
		sendmail_done(f, sl, r, emit, arg);
		return;
	default:
		break;
	}
	emit(sl, r, arg);
}
