/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.h - the maillog box of sentineld: tail, parse, count.
 *
 * maillog_open() starts a tail (tail.h) for each [maillog] path, resuming
 * from the positions saved in [daemon] state_dir/maillog.state, else from
 * `start`.  Each line is split by syslog_parse() and recognised by
 * postfix_parse() (records only from [maillog] syslog_names programs), and
 * counted: parsed, ignored, unparsed (never fatal), SASL logins and
 * failures.  maillog_save() writes the positions atomically; the daemon
 * calls it every second and at exit, so a restart neither loses nor
 * repeats a line (after a crash, at most the last second is read again).
 *
 * The message and identity tables of the correlator come next (issue #3):
 * the line callback is where records will be handed on.
 */
#ifndef SENTINEL_MAILLOG_ENGINE_H
#define SENTINEL_MAILLOG_ENGINE_H

#include <stddef.h>

#include "config.h"
#include "counters.h"

struct maillog;

/* NULL with the reason logged (inotify or the state directory failed). */
struct maillog *maillog_open(const struct config *cfg, struct counters *counters);
/* Saves the positions, then frees. */
void maillog_close(struct maillog *m);

size_t maillog_nfds(const struct maillog *m);
int maillog_fd(const struct maillog *m, size_t i);
/* Read what is new in every file. */
void maillog_poll(struct maillog *m);
/* Persist the positions if they moved since the last save. */
void maillog_save(struct maillog *m);

#endif
