/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.h - the maillog box of sentineld: tail, parse, count.
 *
 * maillog_open() starts a tail (tail.h) for each [maillog] path, resuming
 * from the positions saved in [daemon] state_dir/maillog.state, else from
 * `start`.  Each line is split by maillog_header() and recognised by
 * maillog_parse() in the [maillog] format (format.h: Postfix records only
 * from syslog_names programs, Sendmail, Exim), handed on in order by
 * maillog_feed(), and counted: parsed, ignored, unparsed (never fatal),
 * SASL logins and failures.  maillog_save() writes the positions atomically; the daemon
 * calls it every second and at exit, so a restart neither loses nor
 * repeats a line (after a crash, at most the last second is read again).
 *
 * Records of messages go to the in-flight message table (messages.h): each
 * accepted message and each delivery is counted under its sender identity
 * in the identity series table, and each delivery is offered to the
 * correlator, which joins it to the kernel flow that carried it.
 */
#ifndef SENTINEL_MAILLOG_ENGINE_H
#define SENTINEL_MAILLOG_ENGINE_H

#include <stddef.h>

#include "config.h"
#include "correlate.h"
#include "counters.h"
#include "series.h"

struct maillog;

/* NULL with the reason logged (inotify or the state directory failed). */
struct maillog *maillog_open(const struct config *cfg, struct counters *counters,
			     struct series_table *identities, struct correlator *correlator);
/* Saves the positions, then frees. */
void maillog_close(struct maillog *m);

size_t maillog_nfds(const struct maillog *m);
int maillog_fd(const struct maillog *m, size_t i);
/* Read what is new in every file. */
void maillog_poll(struct maillog *m);
/* Persist the positions if they moved since the last save. */
void maillog_save(struct maillog *m);

#endif
