/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control.h - the control socket that sentinelctl talks to.
 *
 * A Unix stream socket ([control] socket, default
 * /run/smtp-sentinel/control.sock), created mode 0660 (its directory
 * 0750, created if missing); a stale socket file from a dead daemon is
 * replaced, a live one is refused.  Each accepted connection's peer
 * credentials (SO_PEERCRED) are checked: root, the daemon's own uid, or a
 * member of the socket file's group; others get one error reply and are
 * closed.  Everything runs in the daemon's epoll loop through
 * control_fd()/control_dispatch(): non-blocking, at most CONTROL_MAX_CLIENTS
 * connections, a request line of at most CONTROL_LINE_MAX bytes, idle
 * connections closed after CONTROL_IDLE seconds, replies buffered up to
 * CONTROL_REPLY_MAX bytes.
 *
 * Protocol: one JSON object per line each way.
 *   request  {"cmd":"status"}            {"cmd":"incidents"}
 *            {"cmd":"show","id":"ID"}     {"cmd":"top"}
 *            {"cmd":"lock","user":"U"}   {"cmd":"unlock","user":"U"}
 *            {"cmd":"hold","user":"U"}   {"cmd":"hold","all":true}
 *            {"cmd":"release","user":"U"} {"cmd":"release","all":true}
 *   reply    {"ok":true, ...fields of the command...}
 *            {"ok":false,"error":"why"}
 * A user "U" is a login name ("bob", "bob@example.org") or an identity
 * ("sasl:bob"); the daemon decides.  The handler gets the parsed request
 * and returns the reply object; control.c owns the framing, the limits and
 * the credentials, the daemon the meaning.
 */
#ifndef SENTINEL_CONTROL_H
#define SENTINEL_CONTROL_H

#include <jansson.h>
#include <sys/types.h>

#define CONTROL_DEFAULT_SOCKET "/run/smtp-sentinel/control.sock"
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_LINE_MAX 4096
#define CONTROL_REPLY_MAX (1 << 20)
#define CONTROL_IDLE 30

struct control_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/* Returns a new reference to the reply object ({"ok":...}); NULL means
 * {"ok":false,"error":"internal error"}. */
typedef json_t *(*control_handler)(json_t *request, const struct control_peer *peer,
				   void *arg);

struct control;

/* NULL with the reason logged (another daemon owns the socket, ...). */
struct control *control_open(const char *path, control_handler handler, void *arg);
/* Closes every connection and unlinks the socket. */
void control_close(struct control *c);
int control_fd(const struct control *c);
void control_dispatch(struct control *c);
/* Closes idle connections; call once a second. */
void control_tick(struct control *c);

#endif
