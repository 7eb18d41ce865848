/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report_input.h - sentinel-report's input: read, split and parse maillog
 * files on two threads, hand the lines that matter on in input order.
 *
 * input_run() reads each file in turn (plain or gzip through zlib; "-" is
 * stdin), splits it into lines, parses each (maillog_header(),
 * maillog_parse(): format.h) and calls apply on the main thread, strictly
 * in input order, for:
 *
 *   every line, when every_line is set (--explain), except too-long ones;
 *   else every parsed line whose record kind is in keep (1u << kind),
 *   and, of the other parsed lines, only their time (time_only set, no
 *   fields), and only for one whose time differs from the parsed line
 *   before it.
 *
 * A parsed line is one with a syslog header and a record kind other than
 * UNPARSED, FOREIGN and IGNORED.  The counts are of every line however it
 * was handed on: read, parsed, ignored (FOREIGN or IGNORED), unparsed (no
 * header, UNPARSED, or too long) and too long.
 *
 * A line is too long when more than LINE_MAX_LEN bytes of it are left over
 * at the end of one READ_BUF read: what happens to a line does not depend
 * on the thread or the batch it is parsed in, only on the reads, which are
 * those of a one-thread reader.
 *
 * What apply gets: the line (not NUL-terminated), its header's result and
 * its syslog header and record as the parsers left them, with two
 * exceptions: a record's absent fields are not carried (read fields only
 * through postfix_get(), as postfix.h asks), and a time-only line carries
 * no fields.  Everything points into the input buffer or the parsers'
 * static text and is valid during the call only.
 *
 * Memory: NCHUNKS buffers of READ_BUF bytes and, per buffer, its kept
 * lines (about 100 bytes each), whatever the input size.
 *
 * A journal instead of files (journal set: "" the system journal, else a
 * directory or file): its entries are read on the main thread in journal
 * order (journal.h), each made the line a file would hold
 * (journal_line()), parsed and handed on as above, with the entry.  A
 * parsed record whose writer is not the MTA's (journal_writer_check(),
 * with this host's postconf: mail_owner, daemon_directory) is forged:
 * counted as such, not as parsed, and handed on with forged set (and
 * forged_why) so that the caller does not use it.  An entry that cannot
 * be a syslog line (journal_line() refuses it) is unparsed, handed on to
 * --explain as "PROGRAM[PID]: MESSAGE".
 */
#ifndef SENTINEL_REPORT_INPUT_H
#define SENTINEL_REPORT_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "maillog/format.h"
#include "maillog/journal.h"
#include "maillog/postfix.h"
#include "maillog/syslog.h"

#define LINE_MAX_LEN 65536

struct input_line {
	const char *line;
	size_t len;
	int src;			/* maillog_header(): SYSLOG_OK or not */
	bool time_only;			/* sl.time and rec.kind only */
	struct syslog_line sl;
	struct postfix_record rec;
	const struct journal_entry *entry;	/* from a journal: its fields; else NULL */
	bool forged;			/* a record whose writer is not the MTA's */
	const char *forged_why;
};

struct input_counts {
	unsigned long long lines, parsed, ignored, unparsed, long_lines, forged;
};

typedef void input_apply_fn(const struct input_line *l, void *arg);

struct input_config {
	char *const *files;
	int nfiles;
	const char *journal;		/* NULL: the files */
	const char *root;		/* the journal's Postfix: croot.h; "" the host's */
	enum maillog_format format;
	bool every_line;
	unsigned keep;			/* 1u << enum postfix_kind */
	input_apply_fn *apply;
	void *arg;
};

/* Read every file (or the journal); 1 when one could not be read
 * (reported), else 0. */
int input_run(const struct input_config *cfg, struct input_counts *counts);

#endif
