/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - the one logger of sentineld and its tools.
 *
 * log_warn() and log_err() append strerror(errno); the x variants do not.
 * log_err() is for what stops the daemon from doing its job (it then exits).  fatal() logs
 * and exits 1.  libbpf's own messages are routed here too (log_route_libbpf)
 * at the matching level.  Output goes to stderr, one line per call, prefixed
 * with the program name: systemd/journald add the time.  When stderr is the
 * journal (log_init checks JOURNAL_STREAM) or log_set_prefix(true) was called,
 * each line starts with sd-daemon's "<N>" syslog priority: fatal <2>, log_err
 * <3>, warnings <4>, log_info <6>, log_debug <7>; on the journal the program
 * name is left out (journald keeps it).  A message with newlines becomes
 * several lines, each with the priority.
 *
 * log_ratelimited() guards messages that can repeat a million times.
 */
#ifndef SENTINEL_LOG_H
#define SENTINEL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

enum log_level { LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_route_libbpf(void);
/* Whether stderr is a stream to journald (JOURNAL_STREAM matches it). */
bool log_stderr_is_journal(void);
/* Force the "<N>" priority prefix on or off. */
void log_set_prefix(bool on);

void log_warn(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_warnx(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_err(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_errx(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_info(const char *fmt, ...) PRINTFLIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTFLIKE(1, 2);
void fatal(const char *fmt, ...) PRINTFLIKE(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) PRINTFLIKE(1, 2) __attribute__((noreturn));

/* True at most once per interval_s for a given state; counts suppressed calls. */
struct ratelimit {
	time_t last;
	unsigned long suppressed;
};
bool log_ratelimited(struct ratelimit *rl, int interval_s);

/* Allocation failure is fatal in one place. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

#endif
