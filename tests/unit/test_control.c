// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_control.c - the control socket over real Unix sockets in a temporary
 * directory: framing, bad requests, limits, the socket file's life, and
 * peer credentials (a forked child that becomes nobody; root only).
 *
 * The server runs in this process: each client helper pumps
 * control_dispatch() while it waits, so the tests need no threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "testutil.h"

static char base[64];
static char sock[128];
static int calls;		/* handler calls */

struct client {
	int fd;
	size_t len;
	char buf[65536];
};

/* ---- the handler: echo the request and the peer ------------------------- */

static json_t *echo(json_t *req, const struct control_peer *peer, void *arg)
{
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *r;

	(void)arg;
	calls++;
	if (strcmp(cmd, "null") == 0)
		return NULL;
	if (strcmp(cmd, "no-ok") == 0)
		return json_pack("{s:s}", "hello", "world");
	if (strcmp(cmd, "big") == 0) {
		size_t n = CONTROL_REPLY_MAX + 1;
		char *s = malloc(n + 1);

		assert_non_null(s);
		memset(s, 'x', n);
		s[n] = '\0';
		r = json_pack("{s:b, s:s}", "ok", 1, "big", s);
		free(s);
		return r;
	}
	return json_pack("{s:b, s:O, s:I, s:I, s:I}", "ok", 1, "request", req,
			 "pid", (json_int_t)peer->pid, "uid", (json_int_t)peer->uid,
			 "gid", (json_int_t)peer->gid);
}

/* ---- helpers -------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	scratch_dir(base, sizeof(base), "control");
	snprintf(sock, sizeof(sock), "%s/run/control.sock", base);
	calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scratch_remove(base);
	return 0;
}

static struct control *open_echo(void)
{
	struct control *c = control_open(sock, echo, NULL);

	assert_non_null(c);
	return c;
}

static void pump(struct control *c, int ms)
{
	struct pollfd p = { .fd = control_fd(c), .events = POLLIN };

	if (poll(&p, 1, ms) > 0)
		control_dispatch(c);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct client *client_new(struct control *c)
{
	struct client *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	k->fd = connect_to(sock);
	assert_true(k->fd >= 0);
	pump(c, 10);		/* accept it now: tests count connections */
	return k;
}

static void client_free(struct client *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

static void send_str(struct client *k, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(send(k->fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* The next reply line (without "\n", malloc'd), pumping the server while
 * waiting; NULL at end of stream.  Fails the test after 3 s. */
static char *read_line(struct control *c, struct client *k)
{
	time_t deadline = time(NULL) + 3;

	for (;;) {
		char *nl = memchr(k->buf, '\n', k->len);
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - k->buf);
			char *line = strndup(k->buf, len);

			assert_non_null(line);
			k->len -= len + 1;
			memmove(k->buf, nl + 1, k->len);
			return line;
		}
		assert_true(k->len < sizeof(k->buf));
		n = recv(k->fd, k->buf + k->len, sizeof(k->buf) - k->len, MSG_DONTWAIT);
		if (n > 0) {
			k->len += (size_t)n;
			continue;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			assert_int_equal(k->len, 0);	/* no partial line */
			return NULL;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		if (time(NULL) > deadline)
			fail_msg("no reply within 3 s");
		pump(c, 10);
	}
}

static json_t *read_reply(struct control *c, struct client *k)
{
	char *line = read_line(c, k);
	json_error_t err;
	json_t *r;

	assert_non_null(line);
	r = json_loads(line, 0, &err);
	if (!r)
		fail_msg("reply is not JSON: %s: %s", err.text, line);
	assert_true(json_is_object(r));
	free(line);
	return r;
}

static void expect_ok_cmd(struct control *c, struct client *k, const char *cmd)
{
	json_t *r = read_reply(c, k);

	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "request"),
								 "cmd")), cmd);
	json_decref(r);
}

static void expect_error(struct control *c, struct client *k, const char *error)
{
	json_t *r = read_reply(c, k);

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_non_null(json_string_value(json_object_get(r, "error")));
	assert_string_equal(json_string_value(json_object_get(r, "error")), error);
	json_decref(r);
}

static void expect_error_prefix(struct control *c, struct client *k, const char *prefix)
{
	json_t *r = read_reply(c, k);
	const char *error = json_string_value(json_object_get(r, "error"));

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_non_null(error);
	if (strncmp(error, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", error, prefix);
	json_decref(r);
}

static void expect_eof(struct control *c, struct client *k)
{
	char *line = read_line(c, k);

	if (line)
		fail_msg("expected the end of the stream, got: %s", line);
}

/* ---- the socket file ------------------------------------------------------ */

static void test_open_creates_directory_0750_and_socket_0660(void **state)
{
	struct control *c;
	struct stat st;
	mode_t old = umask(0);	/* the modes must not depend on the umask */

	(void)state;
	c = open_echo();
	umask(old);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	*strrchr(sock, '/') = '\0';
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	control_close(c);
}

static void test_close_unlinks_the_socket(void **state)
{
	struct control *c;

	(void)state;
	c = open_echo();
	control_close(c);
	assert_int_equal(access(sock, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static int bound_socket(const char *path, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void test_close_leaves_a_socket_that_replaced_ours(void **state)
{
	struct control *c;
	struct stat st;
	int other;

	(void)state;
	c = open_echo();
	assert_int_equal(unlink(sock), 0);
	other = bound_socket(sock, true);
	control_close(c);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	close(other);
}

static void test_stale_socket_is_replaced(void **state)
{
	struct control *c;
	struct client *k;
	char dir[128];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", base);
	assert_int_equal(mkdir(dir, 0750), 0);
	close(bound_socket(sock, false));	/* a dead daemon's socket file */
	assert_int_equal(connect_to(sock), -1);
	assert_int_equal(errno, ECONNREFUSED);

	c = open_echo();
	k = client_new(c);
	send_str(k, "{\"cmd\":\"status\"}\n");
	expect_ok_cmd(c, k, "status");
	client_free(k);
	control_close(c);
}

static void test_live_socket_is_refused_and_left_alone(void **state)
{
	struct stat before, after;
	char dir[128];
	int live, fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", base);
	assert_int_equal(mkdir(dir, 0750), 0);
	live = bound_socket(sock, true);
	assert_int_equal(stat(sock, &before), 0);

	assert_null(control_open(sock, echo, NULL));
	assert_int_equal(stat(sock, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	fd = connect_to(sock);	/* the live one still answers */
	assert_true(fd >= 0);
	close(fd);
	close(live);
}

static void test_a_file_that_is_not_a_socket_is_refused_and_left_alone(void **state)
{
	char dir[128];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/run", base);
	assert_int_equal(mkdir(dir, 0750), 0);
	write_file(sock, "precious");

	assert_null(control_open(sock, echo, NULL));
	assert_string_equal(read_file(sock), "precious");
}

static void test_a_path_longer_than_sun_path_is_refused(void **state)
{
	char path[256];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_null(control_open(path, echo, NULL));
	assert_null(control_open("", echo, NULL));
}

/* ---- framing -------------------------------------------------------------- */

static void test_a_request_gets_the_handlers_reply_and_root_is_the_peer(void **state)
{
	struct control *c;
	struct client *k;
	json_t *r;

	(void)state;
	c = open_echo();
	k = client_new(c);
	send_str(k, "{\"cmd\":\"status\"}\n");
	r = read_reply(c, k);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "pid")), getpid());
	assert_int_equal(json_integer_value(json_object_get(r, "uid")), geteuid());
	assert_int_equal(json_integer_value(json_object_get(r, "gid")), getegid());
	json_decref(r);
	assert_int_equal(calls, 1);
	client_free(k);
	control_close(c);
}

static void test_several_requests_in_one_write_are_answered_in_order(void **state)
{
	struct control *c;
	struct client *k;
	struct control_stats st;

	(void)state;
	c = open_echo();
	k = client_new(c);
	send_str(k, "{\"cmd\":\"a\"}\n{\"cmd\":\"b\"}\r\n{\"cmd\":\"c\"}\n");
	expect_ok_cmd(c, k, "a");
	expect_ok_cmd(c, k, "b");
	expect_ok_cmd(c, k, "c");
	control_stats(c, &st);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.clients, 1);
	client_free(k);
	control_close(c);
}

static void test_a_request_split_across_writes_is_one_request(void **state)
{
	static const char req[] = "{\"cmd\":\"split\",\"user\":\"bob\"}\n";
	struct control *c;
	struct client *k;

	(void)state;
	c = open_echo();
	k = client_new(c);
	send_str(k, "{\"cmd\":");
	pump(c, 20);
	assert_int_equal(calls, 0);
	send_str(k, "\"split\"}\n");
	expect_ok_cmd(c, k, "split");
	/* and byte by byte */
	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		assert_int_equal(send(k->fd, req + i, 1, MSG_NOSIGNAL), 1);
		pump(c, 1);
	}
	expect_ok_cmd(c, k, "split");
	assert_int_equal(calls, 2);
	client_free(k);
	control_close(c);
}

static void test_an_unterminated_request_before_shutdown_is_answered(void **state)
{
	struct control *c;
	struct client *k;

	(void)state;
	c = open_echo();
	k = client_new(c);
	send_str(k, "{\"cmd\":\"last\"}");
	assert_int_equal(shutdown(k->fd, SHUT_WR), 0);
	expect_ok_cmd(c, k, "last");
	expect_eof(c, k);
	client_free(k);
	control_close(c);
}

static void test_many_pipelined_requests_with_large_replies_all_arrive_in_order(void **state)
{
	enum { N = 300 };
	char req[CONTROL_LINE_MAX];
	char pad[3000];
	struct control *c;
	struct client *k;
	size_t sent_off = 0, total, got = 0;
	char *all;
	time_t deadline = time(NULL) + 10;

	(void)state;
	c = open_echo();
	k = client_new(c);
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	/* ~900 KiB of requests whose echoes (~900 KiB) overflow both socket
	 * buffers: the server must stop reading while a reply waits, and lose
	 * or reorder nothing. */
	all = malloc((size_t)N * sizeof(req));
	assert_non_null(all);
	total = 0;
	for (int i = 0; i < N; i++) {
		int n = snprintf(req, sizeof(req), "{\"cmd\":\"n%d\",\"pad\":\"%s\"}\n", i, pad);

		memcpy(all + total, req, (size_t)n);
		total += (size_t)n;
	}
	while (got < N) {
		char *nl;
		ssize_t n;

		if (sent_off < total) {
			n = send(k->fd, all + sent_off, total - sent_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				sent_off += (size_t)n;
			else
				assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		}
		pump(c, 1);
		n = recv(k->fd, k->buf + k->len, sizeof(k->buf) - k->len, MSG_DONTWAIT);
		if (n > 0)
			k->len += (size_t)n;
		while ((nl = memchr(k->buf, '\n', k->len)) != NULL) {
			char want[16];
			json_t *r;

			*nl = '\0';
			r = json_loads(k->buf, 0, NULL);
			assert_non_null(r);
			snprintf(want, sizeof(want), "n%zu", got);
			assert_string_equal(json_string_value(json_object_get(
				json_object_get(r, "request"), "cmd")), want);
			json_decref(r);
			got++;
			k->len -= (size_t)(nl + 1 - k->buf);
			memmove(k->buf, nl + 1, k->len);
		}
		if (time(NULL) > deadline)
			fail_msg("only %zu of %d replies in 10 s", got, N);
	}
	free(all);
	assert_int_equal(calls, N);
	client_free(k);
	control_close(c);
}

/* ---- bad requests --------------------------------------------------------- */

static void test_bad_json_gets_an_error_and_the_connection_stays_usable(void **state)
{
	struct control *c;
	struct client *k;
	struct control_stats st;

	(void)state;
	c = open_echo();
	k = client_new(c);
	send_str(k, "status please\n");
	expect_error_prefix(c, k, "request is not JSON");
	send_str(k, "{\"cmd\":\"status\"\n");
	expect_error_prefix(c, k, "request is not JSON");
	send_str(k, "\n");
	expect_error_prefix(c, k, "request is not JSON");
	send_str(k, "{\"cmd\":\"a\",\"cmd\":\"b\"}\n");	/* duplicate key */
	expect_error_prefix(c, k, "request is not JSON");
	send_str(k, "{\"cmd\":\"status\"}\n");
	expect_ok_cmd(c, k, "status");
	control_stats(c, &st);
	assert_int_equal(st.bad_requests, 4);
	assert_int_equal(calls, 1);
	client_free(k);
	control_close(c);
}

/* The request lines, sent at once, get the errors in turn (a NULL-ended
 * list), and the connection still answers the request after them. */
static void expect_errors_then_ok(const char *lines, const char *const *errors)
{
	struct control *c = open_echo();
	struct client *k = client_new(c);

	send_str(k, lines);
	for (size_t i = 0; errors[i]; i++)
		expect_error(c, k, errors[i]);
	send_str(k, "{\"cmd\":\"ok\"}\n");
	expect_ok_cmd(c, k, "ok");
	client_free(k);
	control_close(c);
}

static void test_json_that_is_not_an_object_gets_an_error(void **state)
{
	static const char *const errors[] = {
		"request is not a JSON object", "request is not a JSON object",
		"request is not a JSON object", "request is not a JSON object", NULL,
	};

	(void)state;
	expect_errors_then_ok("[\"status\"]\n42\n\"status\"\nnull\n", errors);
}

static void test_an_object_without_a_string_cmd_gets_an_error(void **state)
{
	static const char *const errors[] = {
		"request has no \"cmd\"", "request has no \"cmd\"",
		"\"cmd\" is not a string", "\"cmd\" is not a string", NULL,
	};

	(void)state;
	expect_errors_then_ok("{}\n{\"command\":\"status\"}\n{\"cmd\":1}\n{\"cmd\":null}\n",
			      errors);
	assert_int_equal(calls, 1);	/* only the request after them */
}

/* {"cmd":"pad","pad":"xxx..."} of exactly len bytes, then "\n" */
static char *padded_request(size_t len)
{
	static const char head[] = "{\"cmd\":\"pad\",\"pad\":\"";
	char *s = malloc(len + 2);

	assert_non_null(s);
	assert_true(len > sizeof(head) + 2);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'x', len - (sizeof(head) - 1) - 2);
	memcpy(s + len - 2, "\"}\n", 4);
	return s;
}

static void test_a_line_of_exactly_CONTROL_LINE_MAX_bytes_is_a_request(void **state)
{
	struct control *c;
	struct client *k;
	char *req = padded_request(CONTROL_LINE_MAX);

	(void)state;
	assert_int_equal(strlen(req), CONTROL_LINE_MAX + 1);
	c = open_echo();
	k = client_new(c);
	send_str(k, req);
	send_str(k, "{\"cmd\":\"after\"}\n");
	expect_ok_cmd(c, k, "pad");
	expect_ok_cmd(c, k, "after");
	free(req);
	client_free(k);
	control_close(c);
}

static void test_an_over_long_line_gets_an_error_then_close(void **state)
{
	struct control *c;
	struct client *k;
	struct control_stats st;
	char *req = padded_request(CONTROL_LINE_MAX + 1);

	(void)state;
	c = open_echo();
	k = client_new(c);
	send_str(k, req);
	expect_error(c, k, "request line too long");
	expect_eof(c, k);
	control_stats(c, &st);
	assert_int_equal(st.too_long, 1);
	assert_int_equal(st.clients, 0);
	assert_int_equal(calls, 0);
	client_free(k);

	/* a stream with no newline at all, too */
	k = client_new(c);
	memset(req, 'a', CONTROL_LINE_MAX + 1);
	send_str(k, req);
	expect_error(c, k, "request line too long");
	expect_eof(c, k);
	free(req);
	client_free(k);
	control_close(c);
}

static void test_a_bad_handler_reply_becomes_an_error_reply(void **state)
{
	static const char *const errors[] = {
		"internal error", "internal error", "reply too large", NULL,
	};

	(void)state;
	expect_errors_then_ok("{\"cmd\":\"null\"}\n{\"cmd\":\"no-ok\"}\n{\"cmd\":\"big\"}\n",
			      errors);
}

static void test_replies_are_one_line_of_ascii(void **state)
{
	struct control *c;
	struct client *k;
	char *line;

	(void)state;
	c = open_echo();
	k = client_new(c);
	/* a newline and an escape inside a string, and UTF-8 */
	send_str(k, "{\"cmd\":\"a\\nb\\u001b[2J\",\"user\":\"b\xc3\xb6" "b\"}\n");
	line = read_line(c, k);
	assert_non_null(line);
	for (const char *p = line; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_non_null(strcasestr(line, "\\u001b[2J"));
	assert_non_null(strcasestr(line, "b\\u00f6b"));
	free(line);
	client_free(k);
	control_close(c);
}

/* ---- limits --------------------------------------------------------------- */

static void test_connections_beyond_the_maximum_are_refused_with_a_reason(void **state)
{
	struct client *k[CONTROL_MAX_CLIENTS], *extra;
	struct control_stats st;
	struct control *c;

	(void)state;
	c = open_echo();
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		k[i] = client_new(c);
		send_str(k[i], "{\"cmd\":\"hello\"}\n");
		expect_ok_cmd(c, k[i], "hello");
	}
	extra = client_new(c);
	expect_error(c, extra, "too many connections");
	expect_eof(c, extra);
	client_free(extra);
	control_stats(c, &st);
	assert_int_equal(st.refused_full, 1);
	assert_int_equal(st.clients, CONTROL_MAX_CLIENTS);

	/* one leaves: there is room again */
	client_free(k[0]);
	pump(c, 20);
	k[0] = client_new(c);
	send_str(k[0], "{\"cmd\":\"again\"}\n");
	expect_ok_cmd(c, k[0], "again");
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		client_free(k[i]);
	control_close(c);
}

static void test_idle_connections_are_closed_by_tick(void **state)
{
	struct control_stats st;
	struct control *c;
	struct client *busy, *idle;
	struct timespec ts = { 0, 300 * 1000000L };

	(void)state;
	c = open_echo();
	control_set_idle(c, 0.2);
	idle = client_new(c);
	busy = client_new(c);
	control_tick(c);	/* nobody idle yet */
	nanosleep(&ts, NULL);
	send_str(busy, "{\"cmd\":\"still here\"}\n");
	expect_ok_cmd(c, busy, "still here");
	control_tick(c);
	expect_eof(c, idle);
	send_str(busy, "{\"cmd\":\"and now\"}\n");
	expect_ok_cmd(c, busy, "and now");
	control_stats(c, &st);
	assert_int_equal(st.idle_closed, 1);
	assert_int_equal(st.clients, 1);
	client_free(idle);
	client_free(busy);
	control_close(c);
}

/* ---- peer credentials ----------------------------------------------------- */

/* In a forked child: drop to uid nobody with the given groups, connect,
 * ask, and exit 0 if the reply's "ok" is want_ok (and, when refused, the
 * error is "permission denied" and the connection then closes). */
static void child_as_nobody(gid_t gid, const gid_t *groups, size_t ngroups, bool want_ok)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	const struct passwd *pw = getpwnam("nobody");
	uid_t uid = pw ? pw->pw_uid : 65534;
	struct timeval tv = { 5, 0 };
	char buf[4096];
	size_t len = 0;
	json_t *r;
	int fd;

	if (setgroups(ngroups, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		_exit(10);
	fd = connect_to(sock);
	if (fd < 0)
		_exit(11);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A refused peer may find the connection closed already (EPIPE): the
	 * refusal still waits in its receive queue. */
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1 && want_ok)
		_exit(12);
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (want_ok && memchr(buf, '\n', len))
			break;	/* the connection stays open: don't wait for EOF */
	}
	buf[len] = '\0';
	r = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	if (!r)
		_exit(13);
	if (json_is_true(json_object_get(r, "ok")) != want_ok)
		_exit(14);
	if (want_ok && json_integer_value(json_object_get(r, "uid")) != (json_int_t)uid)
		_exit(15);
	if (!want_ok && strcmp(json_string_value(json_object_get(r, "error")) ?: "",
			       "permission denied") != 0)
		_exit(16);
	_exit(0);
}

/* Let a non-root peer past the kernel's own check (search on the
 * directories, write on the socket), so that ours is the one tested. */
static void open_to_everyone(void)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/run", base);
	assert_int_equal(chmod(base, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(sock, 0666), 0);
}

/* Fork the child and serve it until it exits; its exit status. */
static int serve_child(struct control *c, gid_t gid, const gid_t *groups, size_t ngroups,
		       bool want_ok)
{
	time_t deadline = time(NULL) + 10;
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		child_as_nobody(gid, groups, ngroups, want_ok);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		pump(c, 10);
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the child did not finish in 10 s");
		}
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static bool skip_unless_root(void)
{
	if (geteuid() == 0)
		return false;
	print_message("SKIP: peer credentials: needs root to setuid() a child to nobody\n");
	return true;
}

static void test_nobody_outside_the_sockets_group_is_refused(void **state)
{
	struct control_stats st;
	struct control *c;
	gid_t nogroup = 65534;

	(void)state;
	if (skip_unless_root()) {
		skip();
		return;
	}
	c = open_echo();
	open_to_everyone();
	assert_int_equal(chown(sock, (uid_t)-1, 0), 0);
	assert_int_equal(serve_child(c, nogroup, NULL, 0, false), 0);
	control_stats(c, &st);
	assert_int_equal(st.refused_peer, 1);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(calls, 0);
	control_close(c);
}

static void test_nobody_with_the_sockets_group_as_a_supplementary_group_is_let_in(void **state)
{
	struct control *c;
	gid_t group = 4242, primary = 4343;

	(void)state;
	if (skip_unless_root()) {
		skip();
		return;
	}
	c = open_echo();
	open_to_everyone();
	assert_int_equal(chown(sock, (uid_t)-1, group), 0);	/* chgrp after start */
	assert_int_equal(serve_child(c, primary, &group, 1, true), 0);
	assert_int_equal(calls, 1);
	control_close(c);
}

static void test_nobody_with_the_sockets_group_as_primary_group_is_let_in(void **state)
{
	struct control *c;
	gid_t group = 4242;

	(void)state;
	if (skip_unless_root()) {
		skip();
		return;
	}
	c = open_echo();
	open_to_everyone();
	assert_int_equal(chown(sock, (uid_t)-1, group), 0);
	assert_int_equal(serve_child(c, group, NULL, 0, true), 0);
	assert_int_equal(calls, 1);
	control_close(c);
}

/* The setup sentinelctl(1) recommends for a group of administrators. */
static void test_a_socket_in_a_setgid_directory_gets_the_directorys_group(void **state)
{
	struct control *c;
	struct stat st;
	char dir[128];

	(void)state;
	if (skip_unless_root()) {
		skip();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/run", base);
	assert_int_equal(mkdir(dir, 0750), 0);
	assert_int_equal(chown(dir, (uid_t)-1, 4242), 0);
	assert_int_equal(chmod(dir, 02750), 0);
	c = open_echo();
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_gid, 4242);
	assert_int_equal(st.st_mode & 07777, 0660);
	control_close(c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_creates_directory_0750_and_socket_0660),
		T(test_close_unlinks_the_socket),
		T(test_close_leaves_a_socket_that_replaced_ours),
		T(test_stale_socket_is_replaced),
		T(test_live_socket_is_refused_and_left_alone),
		T(test_a_file_that_is_not_a_socket_is_refused_and_left_alone),
		T(test_a_path_longer_than_sun_path_is_refused),
		T(test_a_request_gets_the_handlers_reply_and_root_is_the_peer),
		T(test_several_requests_in_one_write_are_answered_in_order),
		T(test_a_request_split_across_writes_is_one_request),
		T(test_an_unterminated_request_before_shutdown_is_answered),
		T(test_many_pipelined_requests_with_large_replies_all_arrive_in_order),
		T(test_bad_json_gets_an_error_and_the_connection_stays_usable),
		T(test_json_that_is_not_an_object_gets_an_error),
		T(test_an_object_without_a_string_cmd_gets_an_error),
		T(test_a_line_of_exactly_CONTROL_LINE_MAX_bytes_is_a_request),
		T(test_an_over_long_line_gets_an_error_then_close),
		T(test_a_bad_handler_reply_becomes_an_error_reply),
		T(test_replies_are_one_line_of_ascii),
		T(test_connections_beyond_the_maximum_are_refused_with_a_reason),
		T(test_idle_connections_are_closed_by_tick),
		T(test_nobody_outside_the_sockets_group_is_refused),
		T(test_nobody_with_the_sockets_group_as_a_supplementary_group_is_let_in),
		T(test_nobody_with_the_sockets_group_as_primary_group_is_let_in),
		T(test_a_socket_in_a_setgid_directory_gets_the_directorys_group),
	};

	log_init("test_control", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
