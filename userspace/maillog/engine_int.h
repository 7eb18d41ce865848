/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine_int.h - what the maillog engine's files share (not an interface).
 *
 *   engine.c        source, trust, lines to records to counters and events
 *   engine_state.c  maillog.state and maillog.messages: the positions and
 *                   the message table's snapshot, saved and restored
 */
#ifndef SENTINEL_MAILLOG_ENGINE_INT_H
#define SENTINEL_MAILLOG_ENGINE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "log.h"
#include "maillog/engine.h"
#include "maillog/format.h"
#include "maillog/journal.h"
#include "maillog/messages.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"
#include "maillog/tail.h"

#define STATE_FILE "maillog.state"
#define MESSAGES_FILE "maillog.messages"
#define MESSAGES_FILE_MAX ((size_t)16 << 20)	/* 30-85 bytes a message: 100000 fit */
#define SNAPSHOT_INTERVAL 5	/* seconds between two table saves */

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

/* engine_state.c */
/* Positions saved for path, from the state file's text; false if none. */
bool engine_saved_state(const char *text, const char *path, struct tail_state *st);
/* How many paths text holds positions for. */
size_t engine_saved_paths(const char *text);
/* Restore the table of the snapshot that text (maillog.state) names, and
 * say which positions it is the table of: text, or the table file's own
 * when it is newer (malloc'd).  NULL: no table restored. */
char *engine_restore_messages(struct maillog *m, const char *text);
/* The journal's saved position for where ("" for the system journal). */
bool engine_saved_cursor(const char *text, const char *where, char *cursor, size_t cap);
/* Save the snapshot if it moved; final: at exit, the table whenever it
 * changed. */
void engine_save(struct maillog *m, bool final);

#endif
