/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * journal.h - read the maillog from the systemd journal (sd-journal).
 *
 * journal_open() opens the system journal (every local journal file, the
 * users' too: that is where an ordinary user's `logger` lands), or the
 * journal directory or file named by [maillog] journal_dir (tests,
 * forensics), and positions it: after the entry of a saved cursor, else
 * at the beginning or after the last entry.  journal_read() hands every
 * entry that is new since then to a callback, in journal order, as a
 * struct journal_entry: the fields a syslog line would carry
 * (SYSLOG_IDENTIFIER, SYSLOG_PID else _PID, MESSAGE, _HOSTNAME, and
 * __REALTIME_TIMESTAMP, which journald sets on receipt) and the trusted
 * fields that journald takes from the kernel, not from the writer (_UID,
 * _GID, _PID, _COMM, _EXE, _SYSTEMD_UNIT).  journal_cursor() is the
 * position after the last entry handed on, for the caller to persist.
 *
 * Matches ([maillog] journal_match): a list of FIELD=VALUE terms, of which
 * an entry must satisfy one.  sd-journal matches values exactly, and
 * Postfix's programs are many (postfix/smtpd, postfix/submission/smtpd,
 * postfix-out/qmgr, ...), so a term whose value ends in '*' is a prefix:
 * when a list holds one, sd-journal is given no match at all and every
 * entry is read and filtered here (its fields are looked up one by one:
 * a few microseconds an entry of another program).  A list of exact terms
 * only is given to sd-journal as a disjunction, and entries that match
 * none are never read.  The default (config.c) is Postfix's units and
 * SYSLOG_IDENTIFIER=postfix*: an entry by a Postfix unit, or one that
 * claims a Postfix name, whoever wrote it, so that forged entries are
 * read, and counted as such, not silently skipped.
 *
 * Who wrote an entry: journal_writer_check() decides whether an entry's
 * trusted fields are those of the MTA's own processes (struct
 * journal_writers, from postconf(1): mail_owner's uid, daemon_directory
 * and command_directory).  A Postfix record is genuine when _UID is root
 * or mail_owner, and its _EXE is a program in daemon_directory (" (deleted)"
 * after an upgrade is allowed; for root, in command_directory too: the
 * admin's postsuper -d logs "QID: removed"), or, when journald could not read _EXE (the
 * process had exited), its _COMM names a program there, or, with neither,
 * on _UID alone (the kernel's credentials of the sender).  A Sendmail or
 * Exim record is genuine when _UID is root (this module knows no daemon
 * directory of theirs: a delivery logged by Exim's own uid is refused).
 *
 * Bounds: a field is copied into a buffer of its own size (MESSAGE up to
 * JOURNAL_MSG_MAX bytes; a longer one is skipped and counted, as the
 * tail skips a long line); the callback's entry is valid during the call.
 * Limits: a journal file named alone is read as it grows on the caller's
 * polls (sd-journal watches directories, not files, with inotify);
 * entries of other machines or containers are read from journal_dir only,
 * and a container's are checked against its own Postfix only when
 * journal_writers_init() is given its root ([maillog] root).
 */
#ifndef SENTINEL_MAILLOG_JOURNAL_H
#define SENTINEL_MAILLOG_JOURNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "maillog/syslog.h"
#include "postconf.h"

#define JOURNAL_MSG_MAX ((size_t)64 * 1024)
#define JOURNAL_MAX_MATCHES 8
#define JOURNAL_MATCH_MAX 256	/* bytes of one FIELD=VALUE term */
#define JOURNAL_CURSOR_MAX 512

struct journal_entry {
	time_t time;			/* __REALTIME_TIMESTAMP, UTC */
	long usec;
	struct slice host;		/* _HOSTNAME, may be empty */
	struct slice program;		/* SYSLOG_IDENTIFIER, may be empty */
	long pid;			/* SYSLOG_PID, else _PID; -1: neither */
	struct slice msg;		/* MESSAGE */
	/* trusted: set by journald from the sender's credentials and /proc */
	long uid, gid, tpid;		/* _UID, _GID, _PID; -1: absent */
	struct slice comm, exe, unit;	/* _COMM, _EXE, _SYSTEMD_UNIT; n 0: absent */
};

/* Who may write the MTA's entries (see above). */
struct journal_writers {
	bool has_mail_owner;
	uid_t mail_owner;
	char daemon_dir[PATH_MAX];	/* resolved; "" unknown */
	char command_dir[PATH_MAX];	/* resolved: root's postsuper, postlog */
	const char *const *names;	/* syslog names of Postfix; NULL: "postfix" */
	char root[PATH_MAX];		/* the MTA's container (croot.h); "": the host */
};

enum journal_start { JOURNAL_START_END, JOURNAL_START_BEGINNING };

struct journal_stats {
	uint64_t entries;		/* handed on */
	uint64_t long_entries;		/* MESSAGE over JOURNAL_MSG_MAX: skipped */
	uint64_t read_errors;
};

typedef void journal_entry_fn(const struct journal_entry *e, void *arg);

struct journal;

/* where: "" the system journal, else a directory or a journal file.
 * match: NULL-terminated FIELD=VALUE terms (NULL or empty: every entry).
 * cursor: resume after that entry (NULL or "": start decides).  NULL
 * with the reason in err. */
struct journal *journal_open(const char *where, const char *const *match,
			     enum journal_start start, const char *cursor, char *err,
			     size_t errcap);
void journal_close(struct journal *j);
/* The inotify descriptor: readable when the journal changed. */
int journal_fd(const struct journal *j);
/* Hand on every new entry; the number handed on. */
size_t journal_read(struct journal *j, journal_entry_fn *fn, void *arg);
/* The position after the last entry handed on (or the one resumed from):
 * false when there is none yet. */
bool journal_cursor(struct journal *j, char *out, size_t cap);
const struct journal_stats *journal_get_stats(const struct journal *j);
const char *journal_where(const struct journal *j);

/* A term of journal_match: FIELD=VALUE, FIELD of upper-case letters,
 * digits and '_', VALUE non-empty, '*' only at its end.  err says why not. */
bool journal_match_valid(const char *term, char *err, size_t errcap);

/* The writers of this host's Postfix: mail_owner, daemon_directory and
 * command_directory of pc (postconf.h; NULL: unknown).  Each one unknown
 * is taken as Debian's: "postfix", /usr/lib/postfix/sbin, /usr/sbin, with
 * a note in err (returns -1; w is usable), as is a mail_owner that is no
 * user here.  root (croot.h; "" the host's): the Postfix of a container,
 * whose journal names its own uids and paths (pc then read with postconf
 * -c ROOT/etc/postfix): mail_owner's uid from ROOT/etc/passwd, the
 * directories resolved under ROOT and named as the container names them. */
int journal_writers_init(struct journal_writers *w, const struct postconf *pc,
			 const char *root, const char *const *names, char *err, size_t errcap);
/* The program (SYSLOG_IDENTIFIER) is NAME/... of a Postfix syslog name. */
bool journal_postfix_program(const struct journal_writers *w, struct slice program);
/* Whether e was written by the MTA (see above); why says why not. */
bool journal_writer_check(const struct journal_writers *w, const struct journal_entry *e,
			  char *why, size_t cap);

/* Whether the journal at where ("": the system's) holds a Postfix entry
 * by a genuine writer, among the last max entries of Postfix's names;
 * *when: its time.  1 yes, 0 no, -1 when it cannot be opened (err). */
int journal_probe(const char *where, const struct journal_writers *w, size_t max,
		  time_t *when, char *err, size_t errcap);

/* The entry as a maillog line, "RFC3339 HOST PROGRAM[PID]: MESSAGE", in
 * buf, and its header in *sl with slices into buf (what the parsers read;
 * the line is the evidence of an incident).  False when the entry cannot
 * be one (no program, a program or host with blanks, controls or '[', a
 * message with a NUL or newline: Postfix writes none). */
bool journal_line(const struct journal_entry *e, char *buf, size_t cap, size_t *len,
		  struct syslog_line *sl);

#endif
