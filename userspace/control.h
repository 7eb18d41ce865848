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
 *            {"cmd":"resolve","id":"ID"}
 *            {"cmd":"dismiss","id":"ID"}  {"cmd":"dismiss","id":"ID","allow":"2h"}
 *            {"cmd":"lock","user":"U"}   {"cmd":"unlock","user":"U"}
 *            {"cmd":"hold","user":"U"}   {"cmd":"hold","all":true}
 *            {"cmd":"release","user":"U"} {"cmd":"release","all":true}
 *            {"cmd":"reload"}
 *   reply    {"ok":true, ...fields of the command...}
 *            {"ok":false,"error":"why"}
 * A user "U" is a login name ("bob", "bob@example.org") or an identity
 * ("sasl:bob"); the daemon decides.  The handler gets the parsed request
 * and returns the reply object; control.c owns the framing, the limits and
 * the credentials, the daemon the meaning.
 *
 * Framing, by control.c (the handler never sees a bad request): a line
 * ends at "\n" (a "\r" before it is dropped); an unterminated last line
 * before the client shuts down its side is a request too.  A line that is
 * not JSON, not an object, or has no string "cmd" gets
 * {"ok":false,"error":"..."} and the connection stays usable; a line over
 * CONTROL_LINE_MAX bytes (not counting its "\n") gets
 * {"ok":false,"error":"request line too long"} and the connection is
 * closed.  Requests on one connection are answered in order, one reply
 * line each; a connection with a reply not yet written is not read
 * further.  A handler reply over CONTROL_REPLY_MAX bytes, or
 * NULL, or not an object with "ok", becomes an error reply.  Replies are
 * compact, pure-ASCII JSON (jansson escapes the rest), so a reply is one
 * line and safe to print.  Refusals: {"ok":false,"error":"permission
 * denied"} (credentials) and {"ok":false,"error":"too many connections"},
 * each followed by close.
 *
 * Replies (the daemon's side; sentinelctl(1) reads these fields, prints
 * the ones it does not know generically, and tolerates missing ones):
 *   status     {"ok":true, "version":"0.1.0", "mode":"observe"|"enforce",
 *               "uptime":SECONDS (with fraction),
 *               "maillog":{"lines":N, "parsed":N, "unparsed":N,
 *                 "sasl_logins":N, "sasl_auth_failures":N, ...},
 *               "flows":{"events":N, "attributed":N, "unattributed":N},
 *               "incidents_open":N,
 *               "incident_bounds":{"evicted":N, "expired":N,
 *                 "ratelimited":N, "locks_deferred":N},
 *               "allowed":[{"identity":"sasl:news", "until":EPOCH}, ...],
 *               "locked":["bob", ...], "held_messages":N}
 *               (the members of "maillog" and "flows", and top-level
 *               fields sentinelctl does not know, are printed as given)
 *   incidents  {"ok":true, "incidents":[INCIDENT, ...]}  open and recent,
 *               newest first
 *   show       {"ok":true, "incident":INCIDENT}
 *               unknown id: {"ok":false,"error":"no incident ID"}
 *   resolve, dismiss
 *              {"ok":true, "action":"dismiss", "incident":"ID",
 *               "identity":"sasl:bob", "resolution":"dismissed"|"resolved",
 *               "allowed_until":EPOCH (dismiss with "allow" only)}
 *               "allow": a duration ("90", "30m", "2h", "7d"; at most 30
 *               days): the identity opens no incident until then.
 *               Refused: unknown id, already resolved, a bad duration,
 *               "allow" with resolve, the allow-list full
 *   lock, unlock, hold, release
 *              {"ok":true, "queued":true, "action":"lock",
 *               "identity":"sasl:bob"}   ("identity":"all" for "all":true)
 *               refused (queue full, login not a map key, allowlisted):
 *               {"ok":false,"error":"why"}
 *   top        {"ok":true,
 *               "identities":[{"identity":"sasl:bob", "messages_10s":N,
 *                 "messages_60s":N, "recipients_60s":N,
 *                 "deliveries_60s":N}, ...]   busiest first,
 *               "processes":[{"comm":"postfix/smtp", "cgroup":"/system.slice/
 *                 postfix.service", "uid":"107" (a metric label: a string;
 *                 a number is accepted too), "port":"25", "attempts":N,
 *                 "flows_per_s":X}, ...]   busiest first}
 *               flows_per_s is over the time since the previous top request
 *               (0 on the first)
 *   reload     {"ok":true, "changes":["[detect] max_messages_per_minute:
 *                 '60' -> '5'", ...]}   (["no change"] when none)
 *               refused, the configuration in force kept (a bad file:
 *               "FILE:LINE: key: reason"; a key that cannot change at run
 *               time: "FILE: [metrics] listen cannot change at run time
 *               (restart sentineld to apply it)"): {"ok":false,"error":"why"}
 *   unknown    {"ok":false,"error":"unknown command CMD"}
 * INCIDENT is the object incident_json() makes (detect.h):
 *   {"id":"20261127T072501-0001", "identity":"sasl:bob",
 *    "state":"open"|"acted"|"observed"|"resolved", "score":X,
 *    "resolution":"resolved"|"dismissed"|"unlocked"|"expired"|"evicted"
 *      (resolved ones only),
 *    "first_seen":EPOCH, "opened":EPOCH, "updated":EPOCH  (seconds, with
 *    fraction), "signals":{"rate":{"value":X,"threshold":X,"span":S}, ...}
 *    (the signals that fired, by detect_signal_name()),
 *    "messages":N, "recipients":N, "foreign":N, "rcpt_domains":N,
 *    "client_ips":["192.0.2.7", ...], "qids":["postfix/4F1B2C3D4E", ...],
 *    "lines":["sample log line", ...],
 *    "shares":[{"identity":"sasl:bob", "flows":N, "share":0.93}, ...]
 *      (flow_spike only: whose the flows were),
 *    "login":{"exact":false, "why":"...", "locked_by_map":false, "forms":N,
 *      "exact_bytes_known":B, "unknown_why":"..." (when not B),
 *      "as_logged_hex":["62ff62"] (show only)}
 *      (a sasl: login that may not be the account's: respond.c), ...}
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

/* request is borrowed (valid during the call), an object with a string
 * "cmd".  Returns a new reference to the reply object ({"ok":...}); NULL
 * means {"ok":false,"error":"internal error"}. */
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
/* Idle timeout in seconds instead of CONTROL_IDLE (tests; a config key). */
void control_set_idle(struct control *c, double seconds);

/* Counters for the metrics; clients is a gauge. */
struct control_stats {
	unsigned long long accepted;		/* connections let in */
	unsigned long long refused_peer;	/* credentials not allowed */
	unsigned long long refused_full;	/* CONTROL_MAX_CLIENTS reached */
	unsigned long long requests;		/* passed to the handler */
	unsigned long long bad_requests;	/* not JSON, not an object, no cmd */
	unsigned long long too_long;		/* lines over CONTROL_LINE_MAX */
	unsigned long long idle_closed;		/* closed by control_tick() */
	unsigned long long clients;
};
void control_stats(const struct control *c, struct control_stats *out);

#endif
