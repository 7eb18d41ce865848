// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * journal.c - the maillog from the systemd journal (see journal.h).
 *
 * sd_journal_get_data() returns a pointer that is valid until the next
 * lookup, so each field is copied into a buffer of the reader's before the
 * next is looked up.  The data threshold is set just above JOURNAL_MSG_MAX
 * so that a longer MESSAGE is seen to be longer, not silently cut.
 *
 * Position: `positioned` means sd-journal's read pointer is on an entry
 * that was handed on (or on the entry of the cursor resumed from, or the
 * last one when starting at the end); its cursor is then the one to save.
 * `pending` means the read pointer is on an entry not yet handed on: the
 * saved cursor's entry was gone (vacuumed) and sd_journal_next() landed on
 * the one after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "croot.h"
#include "log.h"
#include "maillog/journal.h"
#include "postconf.h"

#define FIELD_NAME_MAX 64
#define COMM_MAX 64
#define UNIT_MAX 256
#define DEFAULT_MAIL_OWNER "postfix"
#define DEFAULT_DAEMON_DIR "/usr/lib/postfix/sbin"
#define DEFAULT_COMMAND_DIR "/usr/sbin"

struct term {
	char field[FIELD_NAME_MAX];
	char value[JOURNAL_MATCH_MAX];
	size_t vlen;
	bool prefix;			/* value ended in '*' */
};

struct journal {
	sd_journal *j;
	char where[PATH_MAX];
	struct term terms[JOURNAL_MAX_MATCHES];
	size_t nterms;
	bool filter;			/* the terms are applied here */
	bool positioned, pending;
	char resumed[JOURNAL_CURSOR_MAX];	/* the cursor opened with */
	struct journal_stats stats;
	struct ratelimit err_rl;
	/* the entry being read */
	char msg[JOURNAL_MSG_MAX + 1];
	char program[SYSLOG_PROG_MAX + 1];
	char host[SYSLOG_HOST_MAX + 1];
	char comm[COMM_MAX], exe[PATH_MAX], unit[UNIT_MAX];
};

bool journal_match_valid(const char *term, char *err, size_t errcap)
{
	const char *eq = strchr(term, '=');
	size_t flen = eq ? (size_t)(eq - term) : 0, vlen;
	const char *star;

	if (!eq || flen == 0 || flen >= FIELD_NAME_MAX ||
	    strspn(term, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != flen ||
	    (term[0] >= '0' && term[0] <= '9')) {
		snprintf(err, errcap, "'%s' is not FIELD=VALUE with a journal field name "
			 "(upper-case letters, digits, '_')", term);
		return false;
	}
	vlen = strlen(eq + 1);
	star = strchr(eq + 1, '*');
	if (vlen == 0 || vlen >= JOURNAL_MATCH_MAX || (star && star[1] != '\0') ||
	    (star && vlen == 1)) {
		snprintf(err, errcap, "'%s': the value must be 1 to %d bytes, with '*' only "
			 "at its end after a prefix", term, JOURNAL_MATCH_MAX - 1);
		return false;
	}
	return true;
}

/* name's value into buf (cap bytes, NUL-terminated): its length, -1 when
 * the entry has no such field, -2 when it does not fit. */
static ssize_t field(sd_journal *j, const char *name, char *buf, size_t cap)
{
	const void *d;
	size_t l, n = strlen(name);

	if (sd_journal_get_data(j, name, &d, &l) < 0 || l < n + 1)
		return -1;
	l -= n + 1;
	if (l >= cap)
		return -2;
	memcpy(buf, (const char *)d + n + 1, l);
	buf[l] = '\0';
	return (ssize_t)l;
}

static struct slice slice_of(const char *buf, ssize_t n)
{
	return (struct slice){ buf, n > 0 ? (size_t)n : 0 };
}

/* The entry matches one of the terms (filtered here). */
static bool matches(struct journal *jr)
{
	char buf[JOURNAL_MATCH_MAX];

	for (size_t i = 0; i < jr->nterms; i++) {
		const struct term *t = &jr->terms[i];
		ssize_t n = field(jr->j, t->field, buf, sizeof(buf));

		if (n < 0)
			continue;
		if (t->prefix ? (size_t)n >= t->vlen && memcmp(buf, t->value, t->vlen) == 0 :
				(size_t)n == t->vlen && memcmp(buf, t->value, t->vlen) == 0)
			return true;
	}
	return false;
}

/* Copy a field's value (d, l: "NAME=value", name n bytes) into buf:
 * its length, or -2 when it does not fit. */
static ssize_t copy_value(const void *d, size_t l, size_t n, char *buf, size_t cap)
{
	l -= n + 1;
	if (l >= cap)
		return -2;
	memcpy(buf, (const char *)d + n + 1, l);
	buf[l] = '\0';
	return (ssize_t)l;
}

static long number_value(const void *d, size_t l, size_t n)
{
	char buf[24], *end;
	long v;

	if (copy_value(d, l, n, buf, sizeof(buf)) <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	return errno || *end ? -1 : v;
}

#define IS_FIELD(d, l, name) \
	((l) > sizeof(name) && memcmp((d), name "=", sizeof(name)) == 0)

/* The entry at the read pointer, its fields in one pass over its data;
 * false when it is skipped (counted). */
static bool read_entry(struct journal *jr, struct journal_entry *e)
{
	sd_journal *j = jr->j;
	const void *d;
	size_t l;
	uint64_t usec;
	ssize_t msg = -1, prog = -1, host = -1, comm = -1, exe = -1, unit = -1;
	long syslog_pid = -1;
	int r;

	memset(e, 0, sizeof(*e));
	e->uid = e->gid = e->tpid = -1;
	if (sd_journal_get_realtime_usec(j, &usec) < 0) {
		jr->stats.read_errors++;
		return false;
	}
	sd_journal_restart_data(j);
	while ((r = sd_journal_enumerate_data(j, &d, &l)) > 0) {
		const char *f = d;

		if (l < 2)
			continue;
		if (f[0] == '_') {
			if (IS_FIELD(d, l, "_UID"))
				e->uid = number_value(d, l, 4);
			else if (IS_FIELD(d, l, "_GID"))
				e->gid = number_value(d, l, 4);
			else if (IS_FIELD(d, l, "_PID"))
				e->tpid = number_value(d, l, 4);
			else if (IS_FIELD(d, l, "_COMM"))
				comm = copy_value(d, l, 5, jr->comm, sizeof(jr->comm));
			else if (IS_FIELD(d, l, "_EXE"))
				exe = copy_value(d, l, 4, jr->exe, sizeof(jr->exe));
			else if (IS_FIELD(d, l, "_HOSTNAME"))
				host = copy_value(d, l, 9, jr->host, sizeof(jr->host));
			else if (IS_FIELD(d, l, "_SYSTEMD_UNIT"))
				unit = copy_value(d, l, 13, jr->unit, sizeof(jr->unit));
		} else if (IS_FIELD(d, l, "MESSAGE")) {
			msg = copy_value(d, l, 7, jr->msg, sizeof(jr->msg));
		} else if (IS_FIELD(d, l, "SYSLOG_IDENTIFIER")) {
			prog = copy_value(d, l, 17, jr->program, sizeof(jr->program));
		} else if (IS_FIELD(d, l, "SYSLOG_PID")) {
			syslog_pid = number_value(d, l, 10);
		}
	}
	if (r < 0) {
		jr->stats.read_errors++;
		return false;
	}
	if (msg == -2) {
		jr->stats.long_entries++;
		return false;
	}
	e->time = (time_t)(usec / 1000000);
	e->usec = (long)(usec % 1000000);
	e->msg = slice_of(jr->msg, msg);
	e->program = slice_of(jr->program, prog);
	e->host = slice_of(jr->host, host);
	e->comm = slice_of(jr->comm, comm);
	e->exe = slice_of(jr->exe, exe);
	e->unit = slice_of(jr->unit, unit);
	e->pid = syslog_pid >= 0 ? syslog_pid : e->tpid;
	jr->stats.entries++;
	return true;
}

/* The terms: to sd-journal when all are exact, else filtered here. */
static int add_matches(struct journal *jr, const char *const *match, char *err, size_t errcap)
{
	for (size_t i = 0; match && match[i]; i++) {
		struct term *t;
		const char *eq;

		if (jr->nterms == JOURNAL_MAX_MATCHES) {
			snprintf(err, errcap, "more than %d journal matches", JOURNAL_MAX_MATCHES);
			return -1;
		}
		if (!journal_match_valid(match[i], err, errcap))
			return -1;
		t = &jr->terms[jr->nterms++];
		eq = strchr(match[i], '=');
		snprintf(t->field, sizeof(t->field), "%.*s", (int)(eq - match[i]), match[i]);
		snprintf(t->value, sizeof(t->value), "%s", eq + 1);
		t->vlen = strlen(t->value);
		if (t->vlen && t->value[t->vlen - 1] == '*') {
			t->prefix = true;
			t->value[--t->vlen] = '\0';
			jr->filter = true;
		}
	}
	if (jr->filter)
		return 0;
	for (size_t i = 0; i < jr->nterms; i++) {
		char term[FIELD_NAME_MAX + JOURNAL_MATCH_MAX + 1];
		int r;

		snprintf(term, sizeof(term), "%s=%s", jr->terms[i].field, jr->terms[i].value);
		r = sd_journal_add_match(jr->j, term, 0);
		if (r >= 0 && i + 1 < jr->nterms)
			r = sd_journal_add_disjunction(jr->j);
		if (r < 0) {
			snprintf(err, errcap, "journal match %s: %s", term, strerror(-r));
			return -1;
		}
	}
	return 0;
}

static int position(struct journal *jr, enum journal_start start, const char *cursor,
		    char *err, size_t errcap)
{
	sd_journal *j = jr->j;
	int r;

	if (cursor && cursor[0]) {
		r = sd_journal_seek_cursor(j, cursor);
		if (r < 0) {
			snprintf(err, errcap, "journal cursor %s: %s", cursor, strerror(-r));
			return -1;
		}
		snprintf(jr->resumed, sizeof(jr->resumed), "%s", cursor);
		r = sd_journal_next(j);
		if (r > 0 && sd_journal_test_cursor(j, cursor) > 0)
			jr->positioned = true;	/* handed on before the restart */
		else if (r > 0)
			jr->pending = true;	/* its entry is gone: this one is new */
		return 0;
	}
	if (start == JOURNAL_START_BEGINNING) {
		r = sd_journal_seek_head(j);
	} else {
		r = sd_journal_seek_tail(j);
		if (r >= 0 && sd_journal_previous(j) > 0)
			jr->positioned = true;
	}
	if (r < 0) {
		snprintf(err, errcap, "journal seek: %s", strerror(-r));
		return -1;
	}
	return 0;
}

struct journal *journal_open(const char *where, const char *const *match,
			     enum journal_start start, const char *cursor, char *err,
			     size_t errcap)
{
	struct journal *jr = xcalloc(1, sizeof(*jr));
	struct stat st;
	int r;

	snprintf(jr->where, sizeof(jr->where), "%s", where && where[0] ? where : "");
	if (!jr->where[0]) {
		r = sd_journal_open(&jr->j, SD_JOURNAL_LOCAL_ONLY);
	} else if (stat(jr->where, &st) < 0) {
		snprintf(err, errcap, "journal %s: %s", jr->where, strerror(errno));
		goto fail;
	} else if (S_ISDIR(st.st_mode)) {
		r = sd_journal_open_directory(&jr->j, jr->where, 0);
	} else {
		const char *paths[2] = { jr->where, NULL };

		r = sd_journal_open_files(&jr->j, paths, 0);
	}
	if (r < 0) {
		snprintf(err, errcap, "journal %s: %s", jr->where[0] ? jr->where : "(system)",
			 strerror(-r));
		jr->j = NULL;
		goto fail;
	}
	r = sd_journal_set_data_threshold(jr->j, JOURNAL_MSG_MAX + 64);
	if (r >= 0)
		r = sd_journal_get_fd(jr->j);	/* the inotify watch, before reading */
	if (r < 0) {
		snprintf(err, errcap, "journal %s: %s", jr->where[0] ? jr->where : "(system)",
			 strerror(-r));
		goto fail;
	}
	if (add_matches(jr, match, err, errcap) < 0 ||
	    position(jr, start, cursor, err, errcap) < 0)
		goto fail;
	return jr;
fail:
	journal_close(jr);
	return NULL;
}

void journal_close(struct journal *jr)
{
	if (!jr)
		return;
	if (jr->j)
		sd_journal_close(jr->j);
	free(jr);
}

int journal_fd(const struct journal *jr)
{
	return sd_journal_get_fd(jr->j);
}

size_t journal_read(struct journal *jr, journal_entry_fn *fn, void *arg)
{
	struct journal_entry e;
	size_t n = 0;

	(void)sd_journal_process(jr->j);	/* consumes the inotify events */
	for (;;) {
		int r;

		if (jr->pending) {
			jr->pending = false;
			r = 1;
		} else {
			r = sd_journal_next(jr->j);
		}
		if (r < 0) {
			jr->stats.read_errors++;
			if (log_ratelimited(&jr->err_rl, 3600))
				log_warnx("journal %s: %s", jr->where[0] ? jr->where : "(system)",
					  strerror(-r));
			break;
		}
		if (r == 0)
			break;
		jr->positioned = true;
		if (jr->filter && !matches(jr))
			continue;
		if (read_entry(jr, &e)) {
			fn(&e, arg);
			n++;
		}
	}
	return n;
}

bool journal_cursor(struct journal *jr, char *out, size_t cap)
{
	char *c = NULL;

	if (jr->positioned && sd_journal_get_cursor(jr->j, &c) >= 0 && strlen(c) < cap) {
		memcpy(out, c, strlen(c) + 1);
		free(c);
		return true;
	}
	free(c);
	if (jr->resumed[0] && strlen(jr->resumed) < cap) {
		memcpy(out, jr->resumed, strlen(jr->resumed) + 1);
		return true;
	}
	return false;
}

const struct journal_stats *journal_get_stats(const struct journal *jr)
{
	return &jr->stats;
}

const char *journal_where(const struct journal *jr)
{
	return jr->where[0] ? jr->where : "the system journal";
}

/* ---- who wrote an entry ------------------------------------------------- */

/* p's value, or dflt with a note in err when it is unknown or empty. */
static const char *param_or(const struct postconf *pc, enum postconf_param p, const char *dflt,
			    char *err, size_t errcap)
{
	const char *why = "empty", *v = postconf_get(pc, p, &why);
	size_t len = strlen(err);

	if (v && v[0])
		return v;
	if (len + 1 < errcap)
		snprintf(err + len, errcap - len, "%s%s %s (%s)", len ? ", " : "taking ",
			 postconf_names[p], dflt, why);
	return dflt;
}

int journal_writers_init(struct journal_writers *w, const struct postconf *pc,
			 const char *root, const char *const *names, char *err, size_t errcap)
{
	const char *owner, *dir, *cmd;
	char why[512] = "";
	uid_t uid;
	int found;

	memset(w, 0, sizeof(*w));
	w->names = names;
	err[0] = '\0';
	if (!croot_is_host(root))
		snprintf(w->root, sizeof(w->root), "%s", root);
	owner = param_or(pc, POSTCONF_MAIL_OWNER, DEFAULT_MAIL_OWNER, err, errcap);
	dir = param_or(pc, POSTCONF_DAEMON_DIRECTORY, DEFAULT_DAEMON_DIR, err, errcap);
	cmd = param_or(pc, POSTCONF_COMMAND_DIRECTORY, DEFAULT_COMMAND_DIR, err, errcap);
	/* the paths as the writers' journald names them: the container's */
	if (croot_realpath(root, cmd, w->command_dir, sizeof(w->command_dir)) < 0)
		snprintf(w->command_dir, sizeof(w->command_dir), "%s", cmd);
	if (croot_realpath(root, dir, w->daemon_dir, sizeof(w->daemon_dir)) < 0)
		snprintf(w->daemon_dir, sizeof(w->daemon_dir), "%s", dir);
	found = croot_user_uid(root, owner, &uid, why, sizeof(why));
	if (found == 1) {
		w->has_mail_owner = true;
		w->mail_owner = uid;
	} else {
		size_t len = strlen(err);

		if (len + 1 < errcap)
			snprintf(err + len, errcap - len, "%smail_owner %s: %s: only root's entries "
				 "are Postfix's", len ? "; " : "", owner,
				 found == 0 ? "no such user" : why);
	}
	return err[0] ? -1 : 0;
}

bool journal_postfix_program(const struct journal_writers *w, struct slice prog)
{
	static const char *const deflt[] = { "postfix", NULL };

	for (const char *const *s = w->names ? w->names : deflt; *s; s++) {
		size_t n = strlen(*s);

		if (n && prog.n > n && memcmp(prog.p, *s, n) == 0 &&
		    (prog.p[n] == '/' || prog.p[n] == '-'))
			return true;
	}
	return false;
}

/* exe is a program directly in dir: "DIR/NAME", or "DIR/NAME (deleted)"
 * after the package replaced it under the running process. */
static bool in_dir(struct slice exe, const char *dir)
{
	static const char deleted[] = " (deleted)";
	size_t dn = strlen(dir), n = exe.n;

	if (n > sizeof(deleted) - 1 &&
	    memcmp(exe.p + n - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1) == 0)
		n -= sizeof(deleted) - 1;
	return dn > 0 && n > dn + 1 && memcmp(exe.p, dir, dn) == 0 && exe.p[dn] == '/' &&
	       !memchr(exe.p + dn + 1, '/', n - dn - 1);
}

/* comm (at most 15 bytes of the program's name) is a program in dir
 * (under root: the container's). */
static bool comm_in_dir(struct slice comm, const char *root, const char *dir)
{
	char path[PATH_MAX + COMM_MAX];
	struct stat st;
	bool reg;
	int fd;

	if (!dir[0] || comm.n == 0 || memchr(comm.p, '/', comm.n) ||
	    (comm.n <= 2 && comm.p[0] == '.'))
		return false;
	snprintf(path, sizeof(path), "%s/%.*s", dir, (int)comm.n, comm.p);
	fd = croot_open(root, path, O_PATH);
	if (fd < 0)
		return false;
	reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	return reg;
}

bool journal_writer_check(const struct journal_writers *w, const struct journal_entry *e,
			  char *why, size_t cap)
{
	bool postfix = journal_postfix_program(w, e->program);

	if (e->uid < 0) {
		snprintf(why, cap, "no _UID: not written through this host's journald");
		return false;
	}
	if (e->uid != 0 && !(postfix && w->has_mail_owner && (uid_t)e->uid == w->mail_owner)) {
		snprintf(why, cap, "_UID %ld is neither root nor %s", e->uid,
			 postfix ? "Postfix's mail_owner" : "(not a Postfix program)");
		return false;
	}
	if (!postfix)
		return true;
	if (e->exe.n) {
		if (in_dir(e->exe, w->daemon_dir) || (e->uid == 0 && in_dir(e->exe, w->command_dir)))
			return true;
		snprintf(why, cap, "_EXE %.*s is not a program of daemon_directory %s",
			 (int)e->exe.n, e->exe.p, w->daemon_dir);
		return false;
	}
	if (e->comm.n) {
		if (comm_in_dir(e->comm, w->root, w->daemon_dir))
			return true;
		snprintf(why, cap, "_COMM %.*s is not a program of daemon_directory %s",
			 (int)e->comm.n, e->comm.p, w->daemon_dir);
		return false;
	}
	return true;		/* gone before journald looked: the kernel's _UID */
}

/* ---- the entry as a line ------------------------------------------------ */

/* Bytes a syslog header field may hold: printable, no blank, no '[' or ':'. */
static bool header_text(struct slice s, size_t max)
{
	if (s.n >= max)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c <= ' ' || c >= 0x7f || c == '[' || c == ':')
			return false;
	}
	return true;
}

bool journal_line(const struct journal_entry *e, char *buf, size_t cap, size_t *len,
		  struct syslog_line *sl)
{
	struct slice host = e->host.n ? e->host : (struct slice){ "-", 1 };
	const char *msg = e->msg.p ? e->msg.p : "";
	size_t mn = e->msg.p ? e->msg.n : 0;
	struct tm tm;
	int n, hoff = 0, poff = 0;
	size_t off;

	if (e->program.n == 0 || !header_text(e->program, SYSLOG_PROG_MAX) ||
	    !header_text(host, SYSLOG_HOST_MAX) || memchr(msg, '\0', mn) ||
	    memchr(msg, '\n', mn) || !gmtime_r(&e->time, &tm))
		return false;
	n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00 %n%.*s %n%.*s",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, e->usec, &hoff, (int)host.n, host.p, &poff, (int)e->program.n,
		     e->program.p);
	if (n < 0 || (size_t)n >= cap)
		return false;
	off = (size_t)n;
	if (e->pid >= 0)
		off += (size_t)snprintf(buf + off, cap - off, "[%ld]", e->pid);
	if (off + 2 + mn >= cap)
		return false;
	memcpy(buf + off, ": ", 2);
	off += 2;
	memcpy(buf + off, msg, mn);
	buf[off + mn] = '\0';
	memset(sl, 0, sizeof(*sl));
	sl->time = e->time;
	sl->usec = e->usec;
	sl->host = (struct slice){ buf + hoff, host.n };
	sl->program = (struct slice){ buf + poff, e->program.n };
	sl->pid = e->pid;
	sl->msg = (struct slice){ buf + off, mn };
	*len = off + mn;
	return true;
}

/* ---- is Postfix logging here? ------------------------------------------- */

#define PROBE_IDENTIFIERS 64

int journal_probe(const char *where, const struct journal_writers *w, size_t max,
		  time_t *when, char *err, size_t errcap)
{
	struct journal *jr = journal_open(where, NULL, JOURNAL_START_END, NULL, err, errcap);
	const void *d;
	size_t l, nmatch = 0, seen = 0;
	int found = 0, r;

	if (!jr)
		return -1;
	/* sd-journal matches exactly: match each Postfix name it holds */
	r = sd_journal_query_unique(jr->j, "SYSLOG_IDENTIFIER");
	SD_JOURNAL_FOREACH_UNIQUE(jr->j, d, l) {
		static const char prefix[] = "SYSLOG_IDENTIFIER=";
		struct slice prog = { (const char *)d + sizeof(prefix) - 1,
				      l - (sizeof(prefix) - 1) };

		if (r < 0 || l <= sizeof(prefix) - 1 || nmatch == PROBE_IDENTIFIERS ||
		    !journal_postfix_program(w, prog))
			continue;
		if ((nmatch && sd_journal_add_disjunction(jr->j) < 0) ||
		    sd_journal_add_match(jr->j, d, l) < 0)
			break;
		nmatch++;
	}
	if (nmatch && sd_journal_seek_tail(jr->j) >= 0) {
		struct journal_entry e;
		char why[PATH_MAX + 128];

		while (seen++ < max && sd_journal_previous(jr->j) > 0)
			if (read_entry(jr, &e) && journal_writer_check(w, &e, why, sizeof(why))) {
				*when = e.time;
				found = 1;
				break;
			}
	}
	journal_close(jr);
	return found;
}
