// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sentinelctl - ask sentineld over its control socket.
 *
 *	sentinelctl [-s SOCKET] [--json] COMMAND [ARG] [--allow DURATION]
 *
 * One JSON request per line, one reply line back (control.h has the
 * protocol and each reply's fields).  Human output: key/value lines and
 * tables; fields this version does not know are printed generically, so a
 * newer daemon is still readable.  --json prints the daemon's reply line
 * as it came.  `top` asks once a second on one connection and redraws in
 * place with plain escape sequences (no curses) until q or Ctrl-C.
 *
 * Every string in a reply may come from a log line, written by an
 * attacker: it is printed through text_escape() (ctl_output.c, which has
 * the values, tables and each command's text), so no reply can drive the
 * terminal.  The daemon's replies are pure-ASCII JSON, so --json is safe
 * as it is.
 *
 * Exit status: 0; 1 when the daemon cannot be reached, does not answer
 * in REPLY_TIMEOUT seconds, or answers ok:false; 2 on a usage error
 * (found before connecting).  The manual page (sentinelctl.1) is the
 * reference.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "ctl_output.h"

#define REPLY_TIMEOUT 10		/* seconds */
#define RECV_CAP (CONTROL_REPLY_MAX + 1)	/* a reply and its "\n" */

static const char usage_text[] =
	"usage: sentinelctl [-s SOCKET] [--json] COMMAND [ARG]\n"
	"\n"
	"  status               mode, uptime, maillog, flows, locks\n"
	"  incidents            open and recent incidents\n"
	"  show INCIDENT        one incident: signals and evidence\n"
	"  resolve INCIDENT     close an open incident (a lock stays)\n"
	"  dismiss INCIDENT [--allow DURATION]\n"
	"                       close it as a false alarm; --allow: its identity\n"
	"                       opens none for DURATION (90, 30m, 2h, 7d)\n"
	"  lock USER            lock a login (Postfix check_sasl_access, lock_hook)\n"
	"  unlock USER          lift the lock\n"
	"  hold USER|--all      hold the user's queued mail, or the whole queue\n"
	"  release USER|--all   release held mail\n"
	"  top                  live rates per identity and per process (q quits)\n"
	"  reload               read the configuration again; what changed, or why not\n"
	"\n"
	"  -s, --socket SOCKET  control socket (default: $SENTINEL_CONTROL_SOCKET,\n"
	"                       else " CONTROL_DEFAULT_SOCKET ")\n"
	"  -j, --json           print the daemon's JSON reply as it is\n"
	"  -h, --help           this text\n"
	"  -V, --version        print the version\n"
	"\n"
	"USER is a login (bob, bob@example.org) or an identity (sasl:bob).\n";

struct ctl {
	const char *path;
	int fd;
	bool json;
	char *buf;			/* received, RECV_CAP + 1 bytes */
	size_t len, used;		/* bytes in buf, bytes of it consumed */
};

static volatile sig_atomic_t stop_requested, resized;
static bool screen_active;		/* top's alternate screen is on */

/* Back to the normal screen, cursor shown: before any message, which the
 * alternate screen would swallow. */
static void screen_leave(void)
{
	if (!screen_active)
		return;
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	screen_active = false;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	screen_leave();
	fputs("sentinelctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- the connection ----------------------------------------------------------- */

static int ctl_connect(struct ctl *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int err = ENAMETOOLONG;

	if (strlen(c->path) < sizeof(sa.sun_path)) {
		memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd >= 0 && connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		err = errno;
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
	}
	if (err == ENOENT || err == ECONNREFUSED)
		say("cannot connect to %s: %s \xe2\x80\x94 is sentineld running?", c->path,
		    strerror(err));
	else if (err == EACCES || err == EPERM)
		say("cannot connect to %s: %s \xe2\x80\x94 are you root or in the socket's "
		    "group?", c->path, strerror(err));
	else
		say("cannot connect to %s: %s", c->path, strerror(err));
	return -1;
}

static int ctl_send(struct ctl *c, const char *line, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n >= 0) {
			off += (size_t)n;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			return 0;	/* closed on us: its reason may be waiting */
		} else if (errno != EINTR) {
			say("%s: %s", c->path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The next reply line, NUL-terminated, without its "\n"; NULL with the
 * reason printed (or quietly when a stop signal came in). */
static const char *ctl_recv(struct ctl *c)
{
	struct timespec start, now;

	if (!c->buf)
		c->buf = must(malloc(RECV_CAP + 1));
	memmove(c->buf, c->buf + c->used, c->len - c->used);
	c->len -= c->used;
	c->used = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		long left;
		ssize_t n;

		if (nl) {
			*nl = '\0';
			c->used = (size_t)(nl - c->buf) + 1;
			return c->buf;
		}
		if (c->len == RECV_CAP) {
			say("%s: a reply longer than %d bytes", c->path, CONTROL_REPLY_MAX);
			return NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = REPLY_TIMEOUT * 1000L - ((now.tv_sec - start.tv_sec) * 1000L +
						(now.tv_nsec - start.tv_nsec) / 1000000L);
		if (left <= 0) {
			say("%s: no reply within %d s", c->path, REPLY_TIMEOUT);
			return NULL;
		}
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR && !stop_requested)
				continue;
			if (errno != EINTR)
				say("%s: poll: %s", c->path, strerror(errno));
			return NULL;
		}
		if (!p.revents)
			continue;
		n = recv(c->fd, c->buf + c->len, RECV_CAP - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
		} else if (n == 0 || errno == ECONNRESET) {
			say("%s: the daemon closed the connection without a reply", c->path);
			return NULL;
		} else if (errno != EINTR) {
			say("%s: %s", c->path, strerror(errno));
			return NULL;
		}
	}
}

/* Send the request and read the reply: an object with a boolean "ok".
 * *line is the reply as it came.  NULL with the reason printed. */
static json_t *ctl_call(struct ctl *c, const char *request, const char **line)
{
	json_t *reply;

	if (ctl_send(c, request, strlen(request)) < 0 || !(*line = ctl_recv(c)))
		return NULL;
	reply = json_loads(*line, 0, NULL);
	if (!json_is_object(reply) || !json_is_boolean(json_object_get(reply, "ok"))) {
		say("%s: the reply is not a JSON object with \"ok\": is this sentineld?",
		    c->path);
		json_decref(reply);
		return NULL;
	}
	return reply;
}

static void print_refusal(const json_t *reply)
{
	const char *error = json_string_value(json_object_get(reply, "error"));
	char *e = esc(error ? error : "the daemon refused without a reason");

	say("%s", e);
	free(e);
}

/* ---- top ------------------------------------------------------------------------ */

struct screen {
	bool tty;
	size_t rows, cols;
	size_t nlines;
};

/* One line of the frame: clipped to the width, the rest of the row
 * cleared; no newline after the last row, so the screen never scrolls. */
static void screen_line(struct screen *s, const char *line)
{
	if (!s->tty) {
		puts(line);
		return;
	}
	if (s->nlines >= s->rows)
		return;
	if (s->nlines++)
		fputc('\n', stdout);
	fwrite(line, 1, display_clip(line, s->cols), stdout);
	fputs("\033[K", stdout);
}

static void screen_table(struct screen *s, const struct table *t, size_t nrows)
{
	size_t *w = table_widths(t, nrows);

	for (size_t r = 0; r <= nrows; r++) {
		char *line = table_line(t, r == 0 ? SIZE_MAX : r - 1, w);

		screen_line(s, line);
		free(line);
	}
	free(w);
}

static void top_frame(struct screen *s, const json_t *r)
{
	static const char *const ihead[] = {
		"IDENTITY", "MSG/10s", "MSG/60s", "RCPT/60s", "DLV/60s",
	};
	static const char *const phead[] = { "COMM", "CGROUP", "UID", "FLOWS/s" };
	static const char *const ikeys[] = {
		"messages_10s", "messages_60s", "recipients_60s", "deliveries_60s",
	};
	const json_t *ids = json_object_get(r, "identities");
	const json_t *procs = json_object_get(r, "processes");
	struct table it = { .ncols = 5, .head = ihead, .right = 0x1e };
	struct table pt = { .ncols = 4, .head = phead, .right = 0xc };
	size_t ni = json_array_size(ids), np = json_array_size(procs);
	size_t budget = s->rows > 5 ? s->rows - 5 : 0, a = ni, b = np, i;
	char stamp[16], *title;
	time_t now = time(NULL);
	struct tm tm;
	json_t *v;

	if (s->tty) {
		/* both fit; or the smaller gets what it needs up to half */
		if (ni + np > budget) {
			if (ni <= budget / 2)
				b = budget - ni;
			else if (np <= budget - budget / 2)
				a = budget - np;
			else {
				a = budget / 2;
				b = budget - a;
			}
		}
	}
	json_array_foreach(ids, i, v) {
		table_add(&it, fmt_value(member(v, "identity")));
		for (size_t k = 0; k < 4; k++)
			table_add(&it, fmt_value(member(v, ikeys[k])));
	}
	json_array_foreach(procs, i, v) {
		const json_t *rate = member(v, "flows_per_s");

		table_add(&pt, fmt_value(member(v, "comm")));
		table_add(&pt, fmt_value(member(v, "cgroup")));
		table_add(&pt, fmt_value(member(v, "uid")));
		table_add(&pt, fmt_fixed(rate, 1, 1, ""));
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	title = printf_dup("sentineld top  %s  %zu identities, %zu processes%s", stamp, ni,
			   np, s->tty ? "  (q quits)" : "");
	s->nlines = 0;
	if (s->tty)
		fputs("\033[H", stdout);
	a = a < table_rows(&it) ? a : table_rows(&it);
	b = b < table_rows(&pt) ? b : table_rows(&pt);
	screen_line(s, title);
	screen_line(s, "");
	screen_table(s, &it, a);
	screen_line(s, "");
	screen_table(s, &pt, b);
	if (s->tty)
		fputs("\033[J", stdout);
	fflush(stdout);
	free(title);
	table_free(&it);
	table_free(&pt);
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static void screen_size(struct screen *s)
{
	struct winsize ws;

	s->rows = 24;
	s->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		s->rows = ws.ws_row;
		s->cols = ws.ws_col;
	}
}

/* Wait until the next refresh is due; true when the user asked to quit.
 * *keys: stdin is a terminal to read q from (cleared if it goes away). */
static bool top_wait(bool *keys, const struct timespec *next)
{
	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		struct timespec now;
		long ms;
		char ch[16];
		ssize_t n;

		if (stop_requested)
			return true;
		if (resized)
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (next->tv_sec - now.tv_sec) * 1000L + (next->tv_nsec - now.tv_nsec) / 1000000L;
		if (ms <= 0)
			return false;
		if (poll(&p, *keys ? 1 : 0, (int)ms) <= 0)
			continue;	/* timeout, or a signal: checked above */
		n = read(STDIN_FILENO, ch, sizeof(ch));
		if (n <= 0 && errno != EINTR && errno != EAGAIN) {
			*keys = false;	/* hung up: Ctrl-C still works */
			continue;
		}
		for (ssize_t i = 0; i < n; i++)
			if (ch[i] == 'q' || ch[i] == 'Q')
				return true;
	}
}

static int run_top(struct ctl *c, const char *request)
{
	struct screen s = { .tty = isatty(STDOUT_FILENO) != 0 };
	struct termios saved, raw;
	/* the keyboard only when it is ours: in the background, tcsetattr()
	 * would stop us with SIGTTOU */
	bool keys = s.tty && isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	struct sigaction sa = { .sa_handler = on_stop };
	struct timespec next;
	int status = 0;

	if (!s.tty) {
		const char *line;
		json_t *reply = ctl_call(c, request, &line);

		if (!reply)
			return 1;
		if (!json_is_true(json_object_get(reply, "ok"))) {
			print_refusal(reply);
			status = 1;
		} else {
			top_frame(&s, reply);
		}
		json_decref(reply);
		return status;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	if (keys && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	} else {
		keys = false;
	}
	/* the alternate screen, cursor hidden: the shell's screen comes back */
	fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);
	screen_active = true;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop_requested) {
		const char *line;
		json_t *reply;

		screen_size(&s);
		resized = 0;
		reply = ctl_call(c, request, &line);
		if (!reply) {
			status = stop_requested ? 0 : 1;
			break;
		}
		if (!json_is_true(json_object_get(reply, "ok"))) {
			print_refusal(reply);
			json_decref(reply);
			status = 1;
			break;
		}
		top_frame(&s, reply);
		json_decref(reply);
		next.tv_sec += 1;
		if (top_wait(&keys, &next))
			break;
	}
	screen_leave();
	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return status;
}

/* ---- main ------------------------------------------------------------------------ */

/* ARGS_ONE_ALLOW: one, and --allow DURATION (dismiss) */
enum args { ARGS_NONE, ARGS_ONE, ARGS_ONE_OR_ALL, ARGS_ONE_ALLOW };

static const struct command {
	const char *name;
	enum args args;
	const char *argname;		/* in messages */
	const char *key;		/* of the argument in the request */
	int (*print)(const json_t *reply);
} commands[] = {
	{ "status", ARGS_NONE, NULL, NULL, print_status },
	{ "incidents", ARGS_NONE, NULL, NULL, print_incidents },
	{ "show", ARGS_ONE, "INCIDENT", "id", print_show },
	{ "resolve", ARGS_ONE, "INCIDENT", "id", print_close },
	{ "dismiss", ARGS_ONE_ALLOW, "INCIDENT", "id", print_close },
	{ "lock", ARGS_ONE, "USER", "user", print_action },
	{ "unlock", ARGS_ONE, "USER", "user", print_action },
	{ "hold", ARGS_ONE_OR_ALL, "USER", "user", print_action },
	{ "release", ARGS_ONE_OR_ALL, "USER", "user", print_action },
	{ "top", ARGS_NONE, NULL, NULL, NULL },
	{ "reload", ARGS_NONE, NULL, NULL, print_reload },
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sentinelctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: sentinelctl [-s SOCKET] [--json] COMMAND [ARG]; "
	      "sentinelctl --help lists the commands\n", stderr);
	return 2;
}

/* The request line for the command and its arguments; NULL after a usage
 * error (*status set). */
static char *build_request(const struct command *cmd, int argc, char **argv, bool *json,
			   int *status)
{
	const char *arg = NULL, *allow = NULL;
	bool all = false, dashdash = false;
	json_t *req;
	char *line, *e;

	*status = 2;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
		} else if (!dashdash && (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0)) {
			*json = true;
		} else if (!dashdash && strcmp(a, "--all") == 0) {
			if (cmd->args != ARGS_ONE_OR_ALL) {
				usage_error("%s: --all is for hold and release", cmd->name);
				return NULL;
			}
			all = true;
		} else if (!dashdash && (strcmp(a, "--allow") == 0 ||
					 strncmp(a, "--allow=", 8) == 0)) {
			if (cmd->args != ARGS_ONE_ALLOW) {
				usage_error("%s: --allow is for dismiss", cmd->name);
				return NULL;
			}
			allow = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : NULL;
			if (!allow || !*allow) {
				usage_error("%s: --allow needs a DURATION", cmd->name);
				return NULL;
			}
		} else if (!dashdash && a[0] == '-' && a[1]) {
			e = esc(a);
			usage_error("%s: unknown option %s", cmd->name, e);
			free(e);
			return NULL;
		} else if (arg || cmd->args == ARGS_NONE) {
			e = esc(a);
			usage_error("%s: unexpected argument %s", cmd->name, e);
			free(e);
			return NULL;
		} else {
			arg = a;
		}
	}
	if (cmd->args == ARGS_ONE_OR_ALL && all && arg) {
		usage_error("%s: a %s or --all, not both", cmd->name, cmd->argname);
		return NULL;
	}
	if (cmd->args != ARGS_NONE && !all && (!arg || !*arg)) {
		usage_error("%s: missing %s%s", cmd->name, cmd->argname,
			    cmd->args == ARGS_ONE_OR_ALL ? " or --all" : "");
		return NULL;
	}
	req = must(json_pack("{s:s}", "cmd", cmd->name));
	if (all) {
		json_object_set_new(req, "all", json_true());
	} else if (arg) {
		json_t *s = json_string(arg);

		if (!s) {
			json_decref(req);
			usage_error("%s: %s is not valid UTF-8", cmd->name, cmd->argname);
			return NULL;
		}
		json_object_set_new(req, cmd->key, s);
	}
	if (allow) {
		json_t *s = json_string(allow);

		if (!s) {
			json_decref(req);
			usage_error("%s: the DURATION is not valid UTF-8", cmd->name);
			return NULL;
		}
		json_object_set_new(req, "allow", s);
	}
	line = must(json_dumps(req, JSON_COMPACT | JSON_ENSURE_ASCII));
	json_decref(req);
	if (strlen(line) > CONTROL_LINE_MAX) {
		free(line);
		usage_error("%s: the %s is too long", cmd->name, cmd->argname);
		return NULL;
	}
	line = must(realloc(line, strlen(line) + 2));
	strcat(line, "\n");
	*status = 0;
	return line;
}

static int run_once(struct ctl *c, const struct command *cmd, const char *request)
{
	const char *line;
	json_t *reply = ctl_call(c, request, &line);
	int status;

	if (!reply)
		return 1;
	status = json_is_true(json_object_get(reply, "ok")) ? 0 : 1;
	if (c->json)
		puts(line);
	else if (status)
		print_refusal(reply);
	else
		status = cmd->print(reply);
	json_decref(reply);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("SENTINEL_CONTROL_SOCKET");
	struct ctl c = { .fd = -1, .path = env && *env ? env : CONTROL_DEFAULT_SOCKET };
	const struct command *cmd = NULL;
	char *request, *e;
	int opt, status;

	opterr = 0;	/* our messages, not getopt's */
	while ((opt = getopt_long(argc, argv, "+:s:jhV", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (!*optarg)
				return usage_error("-s: an empty socket path");
			c.path = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("sentinelctl %s\n", SENTINEL_VERSION);
			return 0;
		default:
			/* a long option by its word, a short one by its letter
			 * (it may sit in a cluster: -xs) */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				e = esc(argv[optind - 1]);
			else
				e = printf_dup("-%c", optopt > ' ' && optopt < 0x7f ? optopt : '?');
			status = usage_error(opt == ':' ? "%s needs an argument" :
					     "unknown option %s", e);
			free(e);
			return status;
		}
	}
	if (optind >= argc)
		return usage_error("no command");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		e = esc(argv[optind]);
		status = usage_error("unknown command %s", e);
		free(e);
		return status;
	}
	request = build_request(cmd, argc - optind - 1, argv + optind + 1, &c.json, &status);
	if (!request)
		return status;
	if (ctl_connect(&c) < 0) {
		free(request);
		return 1;
	}
	if (cmd->print || c.json)	/* top --json: one reply */
		status = run_once(&c, cmd, request);
	else
		status = run_top(&c, request);
	close(c.fd);
	free(c.buf);
	free(request);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		say("stdout: %s", strerror(errno));
		return 1;
	}
	return status;
}
