// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_state.c - the maillog engine's saved state (see engine.h, engine_int.h).
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

#include "log.h"
#include "maillog/engine_int.h"
#include "state.h"

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
bool engine_saved_state(const char *text, const char *path, struct tail_state *st)
{
	const char *cur = text, *p;
	size_t n;

	while (next_position(&cur, st, &p, &n))
		if (n == strlen(path) && memcmp(p, path, n) == 0)
			return true;
	return false;
}

size_t engine_saved_paths(const char *text)
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
char *engine_restore_messages(struct maillog *m, const char *text)
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

/* The journal's saved position in text: "journal CURSOR WHERE" (WHERE "-"
 * for the system journal, else journal_dir; last, so it may hold blanks). */
bool engine_saved_cursor(const char *text, const char *where, char *cursor, size_t cap)
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
void engine_save(struct maillog *m, bool final)
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
	engine_save(m, false);
}
