// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - stderr logger with levels, libbpf routing and allocation helpers.
 *
 * Under systemd each line starts with sd-daemon(3)'s "<N>" priority, which
 * journald strips and stores as the entry's PRIORITY: that is how a warning
 * shows as a warning in journalctl.  The prefix is on when stderr is the
 * journal (JOURNAL_STREAM names stderr's device and inode, systemd.exec(5))
 * or when asked for (log_set_prefix: sentineld --log-prefix).  On the
 * journal the program name is left out of the text: the journal has it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "log.h"

static const char *log_progname = "sentinel";
static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_prefix;		/* "<N>" before each line */
static bool log_on_journal;		/* stderr is journald's stream */

bool log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	int end = 0;

	if (!env || sscanf(env, "%ju:%ju%n", &dev, &ino, &end) != 2 || env[end])
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_init(const char *progname, enum log_level level)
{
	const char *slash = strrchr(progname, '/');

	log_progname = slash ? slash + 1 : progname;
	log_level = level;
	log_on_journal = log_stderr_is_journal();
	log_prefix = log_on_journal;
}

void log_set_prefix(bool on)
{
	log_prefix = on;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

/*
 * The one place a line is written.  A newline inside msg would start a
 * journal entry of its own at the default priority: each line of msg gets
 * the priority and the program name (a verifier log stays readable).  On
 * the journal the name is left out: journald records it (SYSLOG_IDENTIFIER).
 */
static void emit(int priority, const char *prefix, const char *msg, int err)
{
	const char *name = log_on_journal ? "" : log_progname;
	const char *sep = log_on_journal ? "" : ": ";
	char pri[8] = "";

	if (log_prefix)
		snprintf(pri, sizeof(pri), "<%d>", priority);
	for (;;) {
		const char *nl = strchr(msg, '\n');
		int len = nl ? (int)(nl - msg) : (int)strlen(msg);

		if (!nl && err)
			fprintf(stderr, "%s%s%s%s%.*s: %s\n", pri, name, sep, prefix, len, msg,
				strerror(err));
		else
			fprintf(stderr, "%s%s%s%s%.*s\n", pri, name, sep, prefix, len, msg);
		if (!nl)
			break;
		msg = nl + 1;
	}
}

static void vlog(enum log_level level, int priority, const char *prefix, int err,
		 const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit(priority, prefix, msg, err);
}

#define LOG_BODY(level, priority, prefix, err)		\
	do {						\
		va_list ap;				\
		va_start(ap, fmt);			\
		vlog(level, priority, prefix, err, fmt, ap); \
		va_end(ap);				\
	} while (0)

void log_warn(const char *fmt, ...)
{
	int err = errno;

	LOG_BODY(LOG_LEVEL_WARN, LOG_WARNING, "warning: ", err);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, LOG_WARNING, "warning: ", 0);
}

void log_err(const char *fmt, ...)
{
	int err = errno;

	LOG_BODY(LOG_LEVEL_WARN, LOG_ERR, "error: ", err);
}

void log_errx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, LOG_ERR, "error: ", 0);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, LOG_INFO, "", 0);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, LOG_DEBUG, "debug: ", 0);
}

void fatal(const char *fmt, ...)
{
	int err = errno;

	LOG_BODY(LOG_LEVEL_WARN, LOG_CRIT, "fatal: ", err);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, LOG_CRIT, "fatal: ", 0);
	exit(1);
}

bool log_ratelimited(struct ratelimit *rl, int interval_s)
{
	time_t now = time(NULL);

	if (rl->last && now - rl->last < interval_s) {
		rl->suppressed++;
		return false;
	}
	if (rl->suppressed)
		log_warnx("(%lu similar messages suppressed)", rl->suppressed);
	rl->last = now;
	rl->suppressed = 0;
	return true;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level ours = level == LIBBPF_WARN ? LOG_LEVEL_WARN :
			      level == LIBBPF_INFO ? LOG_LEVEL_DEBUG : LOG_LEVEL_DEBUG + 1;
	char msg[1024];
	size_t n;

	if (ours > log_level)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* libbpf prefixes most of its messages with "libbpf: " itself */
	emit(level == LIBBPF_WARN ? LOG_WARNING : LOG_DEBUG,
	     strncmp(msg, "libbpf: ", 8) == 0 ? "" : "libbpf: ", msg, 0);
	return 0;
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatalx("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		fatalx("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		fatalx("out of memory copying a string");
	return p;
}
