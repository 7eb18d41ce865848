// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine.c - tails, parsers and counters of the live maillog.
 *
 * The state file holds one line per path:
 *	CUR_DEV CUR_INO CUR_OFF OLD_DEV OLD_INO OLD_OFF PATH
 * (PATH last, so it may hold blanks; [maillog] path values cannot hold a
 * newline).  Paths no longer configured are dropped at the next save.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "maillog/engine.h"
#include "maillog/format.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "maillog/tail.h"
#include "metrics.h"
#include "state.h"

#define STATE_FILE "maillog.state"
#define MAX_MESSAGES 100000
#define MESSAGE_GRACE 60		/* seconds kept after "removed" */
#define MESSAGE_MAX_AGE ((time_t)6 * 86400)	/* past Postfix's maximal_queue_lifetime */

struct maillog {
	struct counters *counters;
	char state_dir[PATH_MAX];
	const char *names[CONFIG_MAX_SYSLOG_NAMES + 1];
	const char *local_domains[CONFIG_MAX_LOCAL_DOMAINS + 1];
	struct tail *tails[CONFIG_MAX_MAILLOGS];
	size_t ntails;
	char *saved;		/* the last state written, to skip idle saves */
	time_t now;		/* reference for RFC 3164 years, per poll */
	struct msg_table *messages;
	struct series_table *identities;
	struct correlator *correlator;
	time_t expired_at;	/* log time of the last table expiry */
	enum maillog_format format;
	struct maillog_feed *feed;	/* records to the table, in order */
	struct maillog_events ev;
	/* the line being handled, for the events */
	const char *line;
	size_t len;
	double t;
	const struct postfix_record *rec;	/* the record being fed */
};

static struct series *identity_series(struct maillog *m, const char *identity)
{
	const char *labels[1] = { identity };
	bool folded;
	struct series *s = series_get(m->identities, labels, &folded);

	if (folded)
		m->counters->identity_overflow++;
	m->counters->identity_series = series_count(m->identities);
	return s;
}

static void on_accepted(const struct message *msg, void *arg)
{
	struct maillog *m = arg;
	struct series *s = identity_series(m, msg->identity);

	s->values[ID_VALUE_MESSAGES]++;
	if (msg->has_sender && !msg->sender_local)
		s->values[ID_VALUE_FOREIGN]++;
	if (m->ev.accepted)
		m->ev.accepted(msg, m->t, m->line, m->len, m->ev.arg);
}

static void on_delivery(const struct message *msg, enum msg_status status, time_t t, void *arg)
{
	struct maillog *m = arg;

	(void)t;
	if (!msg->identity[0])
		return;
	identity_series(m, msg->identity)->values[ID_VALUE_SENT + status]++;
	if (m->ev.delivery) {
		char rcpt[POSTFIX_ADDR_MAX] = "";

		if (m->rec)
			slice_copy(rcpt, sizeof(rcpt), postfix_get(m->rec, POSTFIX_F_TO));
		m->ev.delivery(msg, status, rcpt, m->t, m->ev.arg);
	}
}

/* The detector's view of logins and failed logins. */
static void report_login(struct maillog *m, const struct syslog_line *sl,
			 const struct postfix_record *rec)
{
	char ip[POSTFIX_IP_MAX], user[POSTFIX_TEXT_MAX], identity[MSG_IDENTITY_MAX];

	slice_copy(ip, sizeof(ip), postfix_get(rec, POSTFIX_F_CLIENT_IP));
	slice_copy(user, sizeof(user), postfix_get(rec, POSTFIX_F_SASL_USERNAME));
	if (rec->kind == POSTFIX_CLIENT && m->ev.login) {
		snprintf(identity, sizeof(identity), "sasl:%s", user);
		m->ev.login(identity, ip, sl->pid, m->t, m->ev.arg);
	} else if (rec->kind == POSTFIX_AUTH_FAILED && m->ev.auth_failure) {
		m->ev.auth_failure(ip, user, m->t, m->ev.arg);
	}
}

/* Messages: table, identities, and the flow that carried a delivery. */
static void track(struct maillog *m, const struct syslog_line *sl,
		  const struct postfix_record *rec)
{
	if (sl->time > m->expired_at) {
		msg_table_expire(m->messages, sl->time);
		m->expired_at = sl->time;
	}
	msg_table_record(m->messages, sl, rec);
	if (rec->kind == POSTFIX_DELIVERY && m->correlator) {
		char instance[MSG_INSTANCE_MAX], qid[POSTFIX_QID_MAX];
		const struct message *msg;

		msg_instance(instance, sizeof(instance), sl->program);
		slice_copy(qid, sizeof(qid), postfix_get(rec, POSTFIX_F_QID));
		msg = msg_table_find(m->messages, instance, qid);
		if (correlator_delivery(m->correlator, sl->pid,
					postfix_get(rec, POSTFIX_F_RELAY_IP), rec->relay_port,
					msg ? msg->identity : "") == 1 &&
		    msg && msg->identity[0] && m->ev.flow_claimed)
			m->ev.flow_claimed(msg->identity, m->t, m->ev.arg);
	}
}

/* One record of a line, as maillog_feed() hands them on. */
static void on_record(const struct syslog_line *sl, const struct postfix_record *rec,
		      void *arg)
{
	struct maillog *m = arg;
	struct counters *c = m->counters;

	switch (rec->kind) {
	case POSTFIX_CLIENT:
		if (postfix_has(rec, POSTFIX_F_SASL_USERNAME)) {
			c->sasl_logins++;
			report_login(m, sl, rec);
		}
		break;
	case POSTFIX_AUTH_FAILED:
		c->sasl_auth_failures++;
		report_login(m, sl, rec);
		break;
	default:
		break;
	}
	m->rec = rec;
	track(m, sl, rec);
	m->rec = NULL;
}

static void on_line(const char *line, size_t len, void *arg)
{
	struct maillog *m = arg;
	struct counters *c = m->counters;
	struct postfix_record rec;
	struct syslog_line sl;

	if (maillog_header(&sl, line, len, m->now, m->format) != SYSLOG_OK) {
		c->maillog_unparsed++;
		return;
	}
	m->line = line;
	m->len = len;
	m->t = (double)sl.time + (double)sl.usec / 1e6;
	switch (maillog_parse(&rec, m->format, &sl, m->names)) {
	case POSTFIX_UNPARSED:
		c->maillog_unparsed++;
		return;
	case POSTFIX_FOREIGN:
	case POSTFIX_IGNORED:
		c->maillog_ignored++;
		return;
	default:
		break;
	}
	c->maillog_parsed++;
	maillog_feed(m->feed, &sl, &rec, on_record, m);
}

/* Positions saved for path, from the state file's text; false if none. */
static bool saved_state(const char *text, const char *path, struct tail_state *st)
{
	const char *line = text;

	while (line && *line) {
		unsigned long long v[6];
		int off = 0;
		const char *nl = strchr(line, '\n');
		size_t plen;

		if (sscanf(line, "%llu %llu %llu %llu %llu %llu %n",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &off) == 6 && off > 0) {
			plen = (nl ? (size_t)(nl - line) : strlen(line)) - (size_t)off;
			if (plen == strlen(path) && memcmp(line + off, path, plen) == 0) {
				st->cur = (struct tail_pos){ v[0], v[1], v[2] };
				st->old = (struct tail_pos){ v[3], v[4], v[5] };
				return true;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

struct maillog *maillog_open(const struct config *cfg, struct counters *counters,
			     struct series_table *identities, struct correlator *correlator,
			     const struct maillog_events *ev)
{
	struct maillog *m = xcalloc(1, sizeof(*m));
	struct msg_config mcfg = {
		.max_messages = MAX_MESSAGES,
		.grace = MESSAGE_GRACE,
		.max_age = MESSAGE_MAX_AGE,
		.local_domains = m->local_domains,
	};
	char *text = xmalloc(STATE_MAX_FILE);
	struct msg_callbacks cb = { on_accepted, on_delivery, m };
	ssize_t n;

	m->counters = counters;
	if (ev)
		m->ev = *ev;
	m->identities = identities;
	m->correlator = correlator;
	m->messages = msg_table_new(&mcfg, &cb);
	m->feed = maillog_feed_new(m->messages);
	if (!maillog_format_parse(cfg->maillog_format, &m->format))
		m->format = MAILLOG_AUTO;	/* config.c accepts no other name */
	snprintf(m->state_dir, sizeof(m->state_dir), "%s", cfg->state_dir);
	for (size_t i = 0; i < cfg->nsyslog_names; i++)
		m->names[i] = cfg->syslog_names[i];
	/* the table keeps this pointer: the strings live in *cfg, which the
	 * daemon keeps for its whole run */
	for (size_t i = 0; i < cfg->nlocal_domains; i++)
		m->local_domains[i] = cfg->local_domains[i];
	m->now = time(NULL);

	if (state_init(m->state_dir) < 0)
		goto fail;
	n = state_read(m->state_dir, STATE_FILE, text, STATE_MAX_FILE);
	if (n < 0) {
		if (errno != ENOENT)
			log_warn("reading %s/%s; starting from [maillog] start",
				 m->state_dir, STATE_FILE);
		text[0] = '\0';
	}
	for (size_t i = 0; i < cfg->nmaillog_paths; i++) {
		struct tail_state st;
		bool resume = saved_state(text, cfg->maillog_paths[i], &st);
		struct tail *t = tail_open(cfg->maillog_paths[i],
					   cfg->maillog_from_beginning ? TAIL_START_BEGINNING :
					   TAIL_START_END, resume ? &st : NULL, on_line, m);

		if (!t)
			goto fail;
		m->tails[m->ntails++] = t;
		log_info("maillog %s: %s", cfg->maillog_paths[i],
			 resume ? "resuming from the saved position" :
			 cfg->maillog_from_beginning ? "reading from the beginning" :
			 "reading new lines");
	}
	free(text);
	return m;
fail:
	free(text);
	maillog_close(m);
	return NULL;
}

static void update_counters(struct maillog *m)
{
	uint64_t long_lines = 0, rotations = 0, truncations = 0;

	for (size_t i = 0; i < m->ntails; i++) {
		const struct tail_stats *s = tail_get_stats(m->tails[i]);

		long_lines += s->long_lines;
		rotations += s->rotations;
		truncations += s->truncations;
	}
	m->counters->maillog_long_lines = long_lines;
	m->counters->maillog_rotations = rotations;
	m->counters->maillog_truncations = truncations;
	{
		struct msg_stats ms;

		msg_table_stats(m->messages, &ms);
		m->counters->messages_in_flight = ms.size;
		m->counters->message_evictions = ms.evictions;
	}
}

void maillog_poll(struct maillog *m)
{
	m->now = time(NULL);
	for (size_t i = 0; i < m->ntails; i++)
		tail_poll(m->tails[i]);
	update_counters(m);
}

void maillog_save(struct maillog *m)
{
	char *text, *p;
	size_t cap = 256 * (CONFIG_MAX_MAILLOGS + 1) + CONFIG_MAX_MAILLOGS * PATH_MAX;
	size_t len = 0;

	if (m->ntails == 0)
		return;
	text = xmalloc(cap);
	for (size_t i = 0; i < m->ntails; i++) {
		struct tail_state st;

		tail_get_state(m->tails[i], &st);
		len += (size_t)snprintf(text + len, cap - len,
					"%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
					" %" PRIu64 " %s\n", st.cur.dev, st.cur.ino, st.cur.offset,
					st.old.dev, st.old.ino, st.old.offset,
					tail_path(m->tails[i]));
	}
	if (m->saved && strcmp(m->saved, text) == 0) {
		free(text);
		return;
	}
	if (state_write(m->state_dir, STATE_FILE, text, len) < 0) {
		free(text);
		return;		/* logged; tried again next second */
	}
	p = m->saved;
	m->saved = text;
	free(p);
}

void maillog_close(struct maillog *m)
{
	if (!m)
		return;
	maillog_save(m);
	for (size_t i = 0; i < m->ntails; i++)
		tail_close(m->tails[i]);
	maillog_feed_free(m->feed);
	msg_table_free(m->messages);
	free(m->saved);
	free(m);
}

size_t maillog_nfds(const struct maillog *m)
{
	return m->ntails;
}

const struct msg_table *maillog_messages(const struct maillog *m)
{
	return m->messages;
}

int maillog_fd(const struct maillog *m, size_t i)
{
	return tail_fd(m->tails[i]);
}
