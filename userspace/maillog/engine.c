// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine.c - tails, parsers and counters of the live maillog.
 *
 * The source (files or the journal) and whether it is trusted, each line
 * through header, parser, feed and message table to the counters, series,
 * correlator and detector events; the saved positions and the message
 * table's snapshot are engine_state.c's.
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
#include "maillog/engine_int.h"
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

#define MAX_MESSAGES 100000
#define MESSAGE_GRACE 60		/* seconds kept after "removed" */
#define MESSAGE_MAX_AGE ((time_t)6 * 86400)	/* past Postfix's maximal_queue_lifetime */

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

/* A message cleanup refused: weighed as a message, so that an account
 * whose spam header_checks stops keeps a series of its own. */
static void on_refused(const struct message *msg, time_t t, void *arg)
{
	(void)t;
	identity_series(arg, msg->identity, 1)->values[ID_VALUE_REFUSED]++;
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

static int open_journal(struct maillog *m, const struct config *cfg, const char *positions,
			bool *resumed)
{
	const char *match[CONFIG_MAX_JOURNAL_MATCHES + 1];
	char cursor[JOURNAL_CURSOR_MAX], err[PATH_MAX + 512];

	for (size_t i = 0; i < cfg->njournal_match; i++)
		match[i] = cfg->journal_match[i];
	match[cfg->njournal_match] = NULL;
	*resumed = engine_saved_cursor(positions, cfg->journal_dir, cursor, sizeof(cursor));
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
	struct msg_callbacks cb = { on_accepted, on_delivery, m, on_notified, on_refused };
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
		restored = engine_restore_messages(m, text);
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
		bool resume = engine_saved_state(positions, path, &st);
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
	if (restored && (resumed != m->ntails || engine_saved_paths(positions) != m->ntails ||
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

void maillog_close(struct maillog *m)
{
	if (!m)
		return;
	engine_save(m, true);
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
