// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine.c - tails, parsers and counters of the live maillog.
 *
 * maillog.state holds one line per path:
 *	CUR_DEV CUR_INO CUR_OFF OLD_DEV OLD_INO OLD_OFF PATH
 * (PATH last, so it may hold blanks; [maillog] path values cannot hold a
 * newline), or for the journal the line "journal CURSOR WHERE" (WHERE: "-"
 * for the system journal, else [maillog] journal_dir; a cursor saved for
 * another WHERE is not resumed), then the line "messages GENERATION": the snapshot of the
 * in-flight message table (maillog.messages, messages_state.c) that is the
 * table as of these positions.  Paths no longer configured are dropped at
 * the next save.
 *
 * Positions and table are one snapshot in two files.  A save writes the
 * table first, with generation G+1 and a copy of the positions, then
 * maillog.state naming G+1; when the table has not changed since snapshot
 * G, only maillog.state is written, naming G again.  So the table file is
 * never older than the positions that name it, and at start-up:
 *   - maillog.state names the table file's generation: resume from the
 *     positions, restore the table;
 *   - the table file is newer (a crash between the two renames): resume
 *     from the positions it carries, restore it;
 *   - anything else (no maillog.state, no table file, an older or refused
 *     one, [maillog] paths not exactly those saved, a journal without a
 *     cursor saved for it): resume what can be,
 *     restore no table.
 * The table is written only when it changed, at most every
 * SNAPSHOT_INTERVAL seconds, and at exit; while a newer table waits,
 * positions wait with it.  After a crash the lines since the last snapshot
 * (at most SNAPSHOT_INTERVAL seconds, 1 s when the table was idle) are read
 * again onto the table as it was then: the table ends as it would have,
 * and what those lines counted is counted again by the new process.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "maillog/engine.h"
#include "maillog/format.h"
#include "maillog/journal.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "maillog/tail.h"
#include "metrics.h"
#include "postconf.h"
#include "state.h"
#include "text.h"

#define STATE_FILE "maillog.state"
#define MESSAGES_FILE "maillog.messages"
#define MESSAGES_FILE_MAX ((size_t)16 << 20)	/* 30-85 bytes a message: 100000 fit */
#define SNAPSHOT_INTERVAL 5	/* seconds between two table saves */
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
	bool opened;		/* maillog_open() finished: there is a state to save */
	uint64_t generation;	/* of the table snapshot written or restored last */
	bool table_saved;	/* that snapshot is the table when */
	uint64_t table_changes;	/* ... msg_table_changes() is this */
	time_t next_table_save;	/* monotonic seconds: not before */
	struct ratelimit omitted_rl;
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
	enum maillog_trust trust;
	uint64_t forged_seen;		/* msg_stats.forged already counted */
	char trust_why[PATH_MAX + 256];
	char source_why[2 * PATH_MAX + 256];
	/* the journal source (journal.h) */
	struct journal *journal;
	char journal_dir[PATH_MAX];	/* [maillog] journal_dir, for the state */
	struct journal_writers writers;
	struct ratelimit forged_rl;
	char jline[JOURNAL_MSG_MAX + SYSLOG_HOST_MAX + SYSLOG_PROG_MAX + 64];
};

/* Seconds of CLOCK_MONOTONIC, for the decay of identity scores: log time
 * may jump (a guessed RFC 3164 year, several logs), this clock does not. */
static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The series to count an identity's message (weight 1) or delivery
 * (weight 0) into.  The table keeps the identities sending the most
 * messages (series.h, top mode); deliveries do not add to that score, so
 * an identity whose mail is deferred and retried for days does not rank
 * above one sending new mail.  The series is valid until the next call. */
static struct series *identity_series(struct maillog *m, const char *identity, double weight)
{
	const char *labels[1] = { identity };
	bool folded;
	struct series *s = series_get_scored(m->identities, labels, weight,
					     weight > 0 ? monotonic_seconds() : 0, &folded);

	if (folded)
		m->counters->identity_overflow++;
	m->counters->identity_series = series_count(m->identities);
	m->counters->identity_evictions = series_evictions(m->identities);
	m->counters->identity_candidate_replacements =
		series_candidate_replacements(m->identities);
	return s;
}

static void on_accepted(const struct message *msg, void *arg)
{
	struct maillog *m = arg;
	struct series *s = identity_series(m, msg->identity, 1);

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
	/* a notification's deliveries are not its identity's mail: the
	 * detector counts them as bounces (respond.c) */
	if (!msg->notify)
		identity_series(m, msg->identity, 0)->values[ID_VALUE_SENT + status]++;
	if (m->ev.delivery) {
		char rcpt[POSTFIX_ADDR_MAX] = "";

		if (m->rec)
			slice_copy(rcpt, sizeof(rcpt), postfix_get(m->rec, POSTFIX_F_TO));
		m->ev.delivery(msg, status, rcpt, m->t, m->ev.arg);
	}
}

static void on_notified(const struct message *msg, void *arg)
{
	struct maillog *m = arg;

	if (msg->notify > MSG_NOTIFY_NONE && msg->notify < MSG_NNOTIFY)
		identity_series(m, msg->identity, 0)->values[ID_VALUE_NOTIFY_FAILURE +
								msg->notify - MSG_NOTIFY_FAILURE]++;
}

/* The detector's view of logins and failed logins. */
static void report_login(struct maillog *m, const struct syslog_line *sl,
			 const struct postfix_record *rec)
{
	char ip[POSTFIX_IP_MAX], user[POSTFIX_TEXT_MAX], identity[MSG_IDENTITY_MAX];

	slice_copy(ip, sizeof(ip), postfix_get(rec, POSTFIX_F_CLIENT_IP));
	slice_copy(user, sizeof(user), postfix_get(rec, POSTFIX_F_SASL_USERNAME));
	if (rec->kind == POSTFIX_CLIENT && m->ev.login) {
		struct slice raw = postfix_get(rec, POSTFIX_F_SASL_USERNAME);
		struct maillog_login l = { identity, ip, sl->pid, m->t, raw.p, raw.n };

		snprintf(identity, sizeof(identity), "sasl:%s", user);
		m->ev.login(&l, m->ev.arg);
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
					msg ? msg->identity : "", rec->conn_reused) == 1 &&
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

/* A line with its header read: parse, count, use.  e: the journal entry
 * it was made of, whose writer must be the MTA's (journal.h). */
static void handle(struct maillog *m, const struct syslog_line *sl, const char *line,
		   size_t len, const struct journal_entry *e)
{
	struct counters *c = m->counters;
	struct postfix_record rec;
	char why[PATH_MAX + 128];

	if (sl->time > 0)
		c->maillog_last_line_time = (uint64_t)sl->time;
	m->line = line;
	m->len = len;
	m->t = (double)sl->time + (double)sl->usec / 1e6;
	switch (maillog_parse(&rec, m->format, sl, m->names)) {
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
	if (e && !journal_writer_check(&m->writers, e, why, sizeof(why))) {
		c->maillog_forged++;
		if (log_ratelimited(&m->forged_rl, 60)) {
			char esc[1024], cut[512];

			utf8_sanitize_len(cut, sizeof(cut), line, len);
			text_escape(esc, sizeof(esc), cut);
			log_warnx("maillog: forged journal entry not used (%s; pid %ld, comm %.*s): %s",
				  why, e->tpid, (int)e->comm.n, e->comm.p, esc);
		}
		return;
	}
	c->maillog_parsed++;
	maillog_feed(m->feed, sl, &rec, on_record, m);
}

static void on_line(const char *line, size_t len, void *arg)
{
	struct maillog *m = arg;
	struct syslog_line sl;

	if (maillog_header(&sl, line, len, m->now, m->format) != SYSLOG_OK) {
		m->counters->maillog_unparsed++;
		return;
	}
	handle(m, &sl, line, len, NULL);
}

static void on_entry(const struct journal_entry *e, void *arg)
{
	struct maillog *m = arg;
	struct syslog_line sl;
	size_t len;

	if (!journal_line(e, m->jline, sizeof(m->jline), &len, &sl)) {
		m->counters->maillog_unparsed++;
		return;
	}
	handle(m, &sl, m->jline, len, e);
}

/* The next line of positions in text from *cur (NULL: none left): its
 * state, and its path (not terminated) of plen bytes. */
static bool next_position(const char **cur, struct tail_state *st, const char **path,
			  size_t *plen)
{
	while (*cur && **cur) {
		const char *line = *cur, *nl = strchr(line, '\n');
		unsigned long long v[6];
		int off = 0;

		*cur = nl ? nl + 1 : NULL;
		if (sscanf(line, "%llu %llu %llu %llu %llu %llu %n",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &off) == 6 && off > 0) {
			*plen = (nl ? (size_t)(nl - line) : strlen(line)) - (size_t)off;
			*path = line + off;
			st->cur = (struct tail_pos){ v[0], v[1], v[2] };
			st->old = (struct tail_pos){ v[3], v[4], v[5] };
			return true;
		}
	}
	return false;
}

/* Positions saved for path, from the state file's text; false if none. */
static bool saved_state(const char *text, const char *path, struct tail_state *st)
{
	const char *cur = text, *p;
	size_t n;

	while (next_position(&cur, st, &p, &n))
		if (n == strlen(path) && memcmp(p, path, n) == 0)
			return true;
	return false;
}

static size_t saved_paths(const char *text)
{
	const char *cur = text, *p;
	struct tail_state st;
	size_t n, count = 0;

	while (next_position(&cur, &st, &p, &n))
		count++;
	return count;
}

/* The generation of the table snapshot that text's positions name. */
static bool saved_generation(const char *text, uint64_t *g)
{
	const char *line = text;

	while (line && *line) {
		unsigned long long v;
		int off = 0;

		if (sscanf(line, "messages %llu%n", &v, &off) == 1 && off > 0 &&
		    (line[off] == '\n' || line[off] == '\0')) {
			*g = v;
			return true;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return false;
}

/* Restore the table of the snapshot that text (maillog.state) names, and
 * say which positions it is the table of: text, or the table file's own
 * when it is newer (malloc'd).  NULL: no table restored. */
static char *restore_messages(struct maillog *m, const char *text)
{
	uint64_t named = 0, gen = 0;
	bool has_named = saved_generation(text, &named);
	char *positions;

	m->generation = named;
	if (msg_table_load(m->messages, m->state_dir, MESSAGES_FILE, MESSAGES_FILE_MAX, &gen,
			   &positions) < 0) {
		if (errno == ENOENT && has_named)
			log_warnx("%s/%s is missing: in-flight messages not restored",
				  m->state_dir, MESSAGES_FILE);
		return NULL;	/* else logged */
	}
	if (gen > m->generation)
		m->generation = gen;
	if (has_named && gen == named) {
		free(positions);
		return xstrdup(text);
	}
	if (has_named && gen > named) {
		log_info("%s/%s is newer than %s (a stop between their saves): resuming from "
			 "its positions", m->state_dir, MESSAGES_FILE, STATE_FILE);
		return positions;
	}
	log_warnx("%s/%s is not the table of %s's positions: in-flight messages not restored",
		  m->state_dir, MESSAGES_FILE, STATE_FILE);
	msg_table_discard(m->messages);
	free(positions);
	return NULL;
}

/*
 * postlog(1) writes any text under any tag (-t postfix/smtpd) to
 * maillog_file through postlogd, for whoever can reach postlogd's socket,
 * queue_directory/public/postlog: public/ is mode 0710, group setgid_group
 * (postdrop).  Upstream installs postlog set-group-id postdrop (Postfix
 * 3.7's postlog(1): "designed to run with set-groupid privileges"), which
 * opens maillog_file to every local user; Debian 12's is not (0755
 * root:root), so there only root, postfix and postdrop's members can.
 * True, with the reason in why, when every local user can.
 */
static bool postlog_open_to_users(const struct postconf *pc, const char *path, char *why,
				  size_t cap)
{
	const char *cmd = postconf_get(pc, POSTCONF_COMMAND_DIRECTORY, NULL);
	const char *queue = postconf_get(pc, POSTCONF_QUEUE_DIRECTORY, NULL);
	char file[PATH_MAX + 32];
	struct stat st;

	if (cmd && snprintf(file, sizeof(file), "%s/postlog", cmd) < (int)sizeof(file) &&
	    stat(file, &st) == 0 && (st.st_mode & S_ISGID) && (st.st_mode & S_IXOTH)) {
		snprintf(why, cap, "%s, Postfix's maillog_file, is open to every local user: %s is "
			 "set-group-id (gid %u), so anyone can write any line, tagged postfix/smtpd "
			 "or else, through postlogd", path, file, (unsigned)st.st_gid);
		return true;
	}
	if (queue && snprintf(file, sizeof(file), "%s/public", queue) < (int)sizeof(file) &&
	    stat(file, &st) == 0 && (st.st_mode & S_IXOTH) &&
	    snprintf(file, sizeof(file), "%s/public/postlog", queue) < (int)sizeof(file) &&
	    stat(file, &st) == 0 && (st.st_mode & S_IWOTH)) {
		snprintf(why, cap, "%s, Postfix's maillog_file, is open to every local user: "
			 "postlogd's socket %s can be reached by anyone, and postlog(1) writes any "
			 "line to it", path, file);
		return true;
	}
	return false;
}

/* A file is trusted when it is Postfix's own maillog_file, owned by root
 * and writable by no one else, directly or through postlogd (engine.h). */
static bool file_trusted(const struct postconf *pc, const char *path, const char *postfix_log,
			 char *why, size_t cap)
{
	struct stat st;

	if (!postfix_log[0] || strcmp(path, postfix_log) != 0) {
		snprintf(why, cap, "%s is not Postfix's maillog_file (%s): any local user can "
			 "write to a syslog file", path, postfix_log[0] ? postfix_log : "not set");
		return false;
	}
	if (stat(path, &st) < 0) {
		snprintf(why, cap, "%s, Postfix's maillog_file: %s", path, strerror(errno));
		return false;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, cap, "%s, Postfix's maillog_file, is owned by uid %u with mode %04o: "
			 "others can write to it", path, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		return false;
	}
	if (postlog_open_to_users(pc, path, why, cap))
		return false;
	snprintf(why, cap, "%s is Postfix's own maillog_file (root, mode %04o; postlog(1) not "
		 "set-group-id, postlogd's socket closed to others): trusted", path,
		 (unsigned)(st.st_mode & 07777));
	return true;
}

static void decide_trust(struct maillog *m, const struct postconf *pc, const char *postfix_log)
{
	m->trust = MAILLOG_UNTRUSTED;
	if (m->journal) {
		m->trust = MAILLOG_TRUSTED;
		snprintf(m->trust_why, sizeof(m->trust_why),
			 "%s: trusted, entry by entry: a record counts only when its writer is "
			 "Postfix's (_UID root or mail_owner, _EXE in %s); others are counted as "
			 "forged", journal_where(m->journal), m->writers.daemon_dir);
		return;
	}
	if (m->ntails == 0) {
		snprintf(m->trust_why, sizeof(m->trust_why), "no maillog is read");
		return;
	}
	for (size_t i = 0; i < m->ntails; i++)
		if (!file_trusted(pc, tail_path(m->tails[i]), postfix_log, m->trust_why,
				  sizeof(m->trust_why)))
			return;
	m->trust = MAILLOG_TRUSTED;
}

enum maillog_source maillog_source(const struct maillog *m, const char **why)
{
	if (why)
		*why = m->source_why;
	return m->journal ? MAILLOG_SOURCE_JOURNAL : MAILLOG_SOURCE_FILE;
}

enum maillog_trust maillog_trust(const struct maillog *m, const char **why)
{
	if (why)
		*why = m->trust_why;
	return m->trust;
}

/* The files of [maillog] path that exist: how many of the n. */
static size_t existing_paths(const struct config *cfg, const char **missing)
{
	size_t n = 0;

	*missing = NULL;
	for (size_t i = 0; i < cfg->nmaillog_paths; i++) {
		if (access(cfg->maillog_paths[i], F_OK) == 0)
			n++;
		else if (!*missing)
			*missing = cfg->maillog_paths[i];
	}
	return n;
}

/*
 * [maillog] source = auto: the journal when Postfix logs there (no
 * maillog_file, and a genuine Postfix entry in it, or no entry yet and no
 * configured file either: Postfix's syslog then goes to journald), else
 * Postfix's own maillog_file when it passes file_trusted(), else the
 * configured files.  *use_postfix_log: read postfix_log instead of them.
 */
static enum maillog_source choose_source(struct maillog *m, const struct config *cfg,
					 const struct postconf *pc, const char *postfix_log,
					 bool *use_postfix_log, char *why, size_t cap)
{
	const char *where = cfg->journal_dir[0] ? cfg->journal_dir : "the system journal";
	const char *missing;
	size_t existing = existing_paths(cfg, &missing);
	char err[PATH_MAX + 256], tw[PATH_MAX + 256];
	time_t when = 0;
	int probe;

	*use_postfix_log = false;
	if (cfg->maillog_source == MAILLOG_SOURCE_FILE) {
		snprintf(why, cap, "[maillog] source = file");
		return MAILLOG_SOURCE_FILE;
	}
	if (cfg->maillog_source == MAILLOG_SOURCE_JOURNAL) {
		snprintf(why, cap, "[maillog] source = journal");
		return MAILLOG_SOURCE_JOURNAL;
	}
	if (!postfix_log[0]) {
		probe = journal_probe(cfg->journal_dir, &m->writers, 100000, &when, err,
				      sizeof(err));
		if (probe > 0) {
			char t[32];
			struct tm tm;

			gmtime_r(&when, &tm);
			strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
			snprintf(why, cap, "auto: Postfix logs to %s (no maillog_file; its last "
				 "genuine entry there is of %s)", where, t);
			return MAILLOG_SOURCE_JOURNAL;
		}
		if (probe == 0 && existing == 0 && (cfg->journal_dir[0] ||
						    access("/run/systemd/journal", F_OK) == 0)) {
			snprintf(why, cap, "auto: no Postfix entry in %s yet, but Postfix has no "
				 "maillog_file and %s does not exist: its syslog goes to journald",
				 where, cfg->nmaillog_paths ? cfg->maillog_paths[0] : "no file");
			return MAILLOG_SOURCE_JOURNAL;
		}
		if (probe < 0)
			log_debug("maillog: %s", err);
	} else if (file_trusted(pc, postfix_log, postfix_log, tw, sizeof(tw))) {
		*use_postfix_log = true;
		snprintf(why, cap, "auto: Postfix writes its own maillog_file %s", postfix_log);
		return MAILLOG_SOURCE_FILE;
	}
	snprintf(why, cap, "auto: %s%s%s", postfix_log[0] ? tw :
		 "Postfix neither logs to the journal nor has a maillog_file",
		 cfg->nmaillog_paths ? "; reading [maillog] path" : "; [maillog] path = none",
		 existing < cfg->nmaillog_paths ? " (not there yet)" : "");
	return MAILLOG_SOURCE_FILE;
}

/* The journal's saved position in text: "journal CURSOR WHERE" (WHERE "-"
 * for the system journal, else journal_dir; last, so it may hold blanks). */
static bool saved_cursor(const char *text, const char *where, char *cursor, size_t cap)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char cur[JOURNAL_CURSOR_MAX];
		int off = 0;

		if (sscanf(line, "journal %511s %n", cur, &off) == 1 && off > 0 &&
		    n - (size_t)off == strlen(where[0] ? where : "-") &&
		    memcmp(line + off, where[0] ? where : "-", n - (size_t)off) == 0 &&
		    strlen(cur) < cap) {
			memcpy(cursor, cur, strlen(cur) + 1);
			return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static int open_journal(struct maillog *m, const struct config *cfg, const char *positions,
			bool *resumed)
{
	const char *match[CONFIG_MAX_JOURNAL_MATCHES + 1];
	char cursor[JOURNAL_CURSOR_MAX], err[PATH_MAX + 512];

	for (size_t i = 0; i < cfg->njournal_match; i++)
		match[i] = cfg->journal_match[i];
	match[cfg->njournal_match] = NULL;
	*resumed = saved_cursor(positions, cfg->journal_dir, cursor, sizeof(cursor));
	m->journal = journal_open(cfg->journal_dir, match, cfg->maillog_from_beginning ?
				  JOURNAL_START_BEGINNING : JOURNAL_START_END,
				  *resumed ? cursor : NULL, err, sizeof(err));
	if (!m->journal && *resumed) {
		log_warnx("maillog: %s: starting from [maillog] start", err);
		*resumed = false;
		m->journal = journal_open(cfg->journal_dir, match, cfg->maillog_from_beginning ?
					  JOURNAL_START_BEGINNING : JOURNAL_START_END, NULL, err,
					  sizeof(err));
	}
	if (!m->journal) {
		log_warnx("maillog: %s", err);
		return -1;
	}
	log_info("maillog: %s: %s", journal_where(m->journal),
		 *resumed ? "resuming from the saved cursor" :
		 cfg->maillog_from_beginning ? "reading from the beginning" :
		 "reading new entries");
	return 0;
}

struct maillog *maillog_open(const struct config *cfg, const struct postconf *pc,
			     struct counters *counters, struct series_table *identities,
			     struct correlator *correlator, const struct maillog_events *ev)
{
	struct maillog *m = xcalloc(1, sizeof(*m));
	struct msg_config mcfg = {
		.max_messages = MAX_MESSAGES,
		.grace = MESSAGE_GRACE,
		.max_age = MESSAGE_MAX_AGE,
		.local_domains = m->local_domains,
	};
	char *text = xmalloc(STATE_MAX_FILE), *restored = NULL;
	char postfix_log[PATH_MAX] = "", err[PATH_MAX + 512];
	const char *positions, *missing, *why = "";
	const char *maillog_file = postconf_get(pc, POSTCONF_MAILLOG_FILE, &why);
	struct msg_callbacks cb = { on_accepted, on_delivery, m, on_notified };
	enum maillog_source source;
	bool use_postfix_log, journal_resumed = false;
	size_t resumed = 0;
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
	snprintf(m->journal_dir, sizeof(m->journal_dir), "%s", cfg->journal_dir);
	for (size_t i = 0; i < cfg->nsyslog_names; i++)
		m->names[i] = cfg->syslog_names[i];
	/* the table keeps this pointer: the strings live in *cfg, which the
	 * daemon keeps for its whole run */
	for (size_t i = 0; i < cfg->nlocal_domains; i++)
		m->local_domains[i] = cfg->local_domains[i];
	m->now = time(NULL);

	if (!maillog_file)
		log_debug("maillog: Postfix's maillog_file is unknown: %s", why);
	else if (snprintf(postfix_log, sizeof(postfix_log), "%s", maillog_file) >=
		 (int)sizeof(postfix_log)) {
		log_debug("maillog: Postfix's maillog_file is longer than %zu bytes: not read",
			  sizeof(postfix_log) - 1);
		postfix_log[0] = '\0';
	}
	err[0] = '\0';
	if (cfg->maillog_source != MAILLOG_SOURCE_FILE)
		journal_writers_init(&m->writers, pc, cfg->maillog_root, m->names, err,
				     sizeof(err));
	source = choose_source(m, cfg, pc, postfix_log, &use_postfix_log, m->source_why,
			       sizeof(m->source_why));
	log_info("maillog: source %s: %s", source == MAILLOG_SOURCE_JOURNAL ? "journal" :
		 "file", m->source_why);
	if (source == MAILLOG_SOURCE_JOURNAL && err[0])
		log_warnx("maillog: who writes Postfix's journal entries: %s", err);
	if (source == MAILLOG_SOURCE_JOURNAL)
		log_info("maillog: Postfix's journal entries are those of _UID 0 or %ld and _EXE "
			 "in %s%s%s", m->writers.has_mail_owner ? (long)m->writers.mail_owner : 0L,
			 m->writers.daemon_dir, m->writers.root[0] ? ", as the container at " : "",
			 m->writers.root);
	if (cfg->maillog_source == MAILLOG_SOURCE_AUTO &&
	    existing_paths(cfg, &missing) < cfg->nmaillog_paths) {
		if (source == MAILLOG_SOURCE_JOURNAL || use_postfix_log)
			log_warnx("maillog: %s does not exist; [maillog] source = auto reads %s "
				  "instead", missing, source == MAILLOG_SOURCE_JOURNAL ?
				  (cfg->journal_dir[0] ? cfg->journal_dir : "the journal") :
				  postfix_log);
		else
			log_warnx("maillog: %s does not exist, and Postfix logs neither to the "
				  "journal nor to a trusted maillog_file: waiting for it", missing);
	}

	if (state_init(m->state_dir) < 0)
		goto fail;
	n = state_read(m->state_dir, STATE_FILE, text, STATE_MAX_FILE);
	if (n < 0) {
		if (errno != ENOENT)
			log_warn("reading %s/%s; starting from [maillog] start",
				 m->state_dir, STATE_FILE);
		else if (snprintf(text, PATH_MAX, "%s/%s", m->state_dir, MESSAGES_FILE) < PATH_MAX &&
			 access(text, F_OK) == 0)
			log_warnx("%s without %s: in-flight messages not restored", text,
				  STATE_FILE);
		text[0] = '\0';
	} else {
		restored = restore_messages(m, text);
	}
	positions = restored ? restored : text;
	if (source == MAILLOG_SOURCE_JOURNAL) {
		if (open_journal(m, cfg, positions, &journal_resumed) < 0)
			goto fail;
	}
	for (size_t i = 0; source == MAILLOG_SOURCE_FILE &&
	     i < (use_postfix_log ? 1 : cfg->nmaillog_paths); i++) {
		const char *path = use_postfix_log ? postfix_log : cfg->maillog_paths[i];
		struct tail_state st;
		bool resume = saved_state(positions, path, &st);
		struct tail *t = tail_open(path, cfg->maillog_from_beginning ?
					   TAIL_START_BEGINNING : TAIL_START_END,
					   resume ? &st : NULL, on_line, m);

		if (!t)
			goto fail;
		m->tails[m->ntails++] = t;
		resumed += resume;
		log_info("maillog %s: %s", path,
			 resume ? "resuming from the saved position" :
			 cfg->maillog_from_beginning ? "reading from the beginning" :
			 "reading new lines");
	}
	if (restored && (resumed != m->ntails || saved_paths(positions) != m->ntails ||
			 journal_resumed != (m->journal != NULL))) {
		log_warnx("[maillog] %s not those saved: in-flight messages not restored",
			  m->journal ? "journal is" : "paths are");
		msg_table_discard(m->messages);
	} else if (restored) {
		struct msg_stats ms;

		msg_table_stats(m->messages, &ms);
		log_info("maillog: %zu in-flight messages restored", ms.size);
		m->table_saved = true;
		m->table_changes = msg_table_changes(m->messages);
	}
	free(restored);
	free(text);
	decide_trust(m, pc, postfix_log);
	m->opened = true;
	return m;
fail:
	free(restored);
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
	if (m->journal)
		long_lines += journal_get_stats(m->journal)->long_entries;
	m->counters->maillog_long_lines = long_lines;
	m->counters->maillog_rotations = rotations;
	m->counters->maillog_truncations = truncations;
	{
		struct msg_stats ms;

		msg_table_stats(m->messages, &ms);
		m->counters->messages_in_flight = ms.size;
		m->counters->message_evictions = ms.evictions;
		m->counters->notifications_unlinked = ms.notify_unknown;
		/* a delta: other sources of forged records count there too */
		m->counters->maillog_forged += ms.forged - m->forged_seen;
		m->forged_seen = ms.forged;
	}
	if (m->feed) {
		struct maillog_feed_stats fs;

		maillog_feed_stats(m->feed, &fs);
		m->counters->login_session_evictions = fs.session_evictions;
		m->counters->local_unidentified = fs.unknown_users;
	}
}

void maillog_poll(struct maillog *m)
{
	m->now = time(NULL);
	for (size_t i = 0; i < m->ntails; i++)
		tail_poll(m->tails[i]);
	if (m->journal)
		journal_read(m->journal, on_entry, m);
	update_counters(m);
}

static time_t monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Write the table as of now with positions, as the next snapshot.
 * false: not written (logged), so neither may the positions be. */
static bool save_messages(struct maillog *m, const char *positions)
{
	struct msg_save_stats st;

	if (msg_table_save(m->messages, m->state_dir, MESSAGES_FILE, MESSAGES_FILE_MAX,
			   m->generation + 1, positions, &st) < 0)
		return false;
	m->generation++;
	m->table_saved = true;
	m->table_changes = msg_table_changes(m->messages);
	m->counters->message_snapshot_bytes = st.bytes;
	m->counters->message_snapshot_omitted = st.omitted;
	if (st.omitted && log_ratelimited(&m->omitted_rl, 3600))
		log_warnx("%s/%s: the %zu oldest in-flight messages left out, past %zu bytes",
			  m->state_dir, MESSAGES_FILE, st.omitted, MESSAGES_FILE_MAX);
	return true;
}

/* final: at exit, the table is saved whenever it changed. */
static void save(struct maillog *m, bool final)
{
	char *text, *p;
	size_t cap = 256 * (CONFIG_MAX_MAILLOGS + 1) + CONFIG_MAX_MAILLOGS * PATH_MAX +
		     JOURNAL_CURSOR_MAX + PATH_MAX + 16;
	char cursor[JOURNAL_CURSOR_MAX];
	size_t len = 0;

	if ((m->ntails == 0 && !m->journal) || !m->opened)
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
	if (m->journal && journal_cursor(m->journal, cursor, sizeof(cursor)))
		len += (size_t)snprintf(text + len, cap - len, "journal %s %s\n", cursor,
					m->journal_dir[0] ? m->journal_dir : "-");
	if (!m->table_saved || msg_table_changes(m->messages) != m->table_changes) {
		time_t now = monotonic();

		/* the positions wait with the table they go with */
		if ((!final && now < m->next_table_save) || !save_messages(m, text)) {
			free(text);
			return;
		}
		m->next_table_save = now + SNAPSHOT_INTERVAL;
	}
	len += (size_t)snprintf(text + len, cap - len, "messages %" PRIu64 "\n", m->generation);
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

void maillog_save(struct maillog *m)
{
	save(m, false);
}

void maillog_close(struct maillog *m)
{
	if (!m)
		return;
	save(m, true);
	for (size_t i = 0; i < m->ntails; i++)
		tail_close(m->tails[i]);
	journal_close(m->journal);
	maillog_feed_free(m->feed);
	msg_table_free(m->messages);
	free(m->saved);
	free(m);
}

size_t maillog_nfds(const struct maillog *m)
{
	return m->ntails + (m->journal != NULL);
}

const struct msg_table *maillog_messages(const struct maillog *m)
{
	return m->messages;
}

int maillog_fd(const struct maillog *m, size_t i)
{
	return i < m->ntails ? tail_fd(m->tails[i]) : journal_fd(m->journal);
}
