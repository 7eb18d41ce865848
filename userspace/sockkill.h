/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sockkill.h - cut live SMTP sessions without killing smtpd, as `ss -K`.
 *
 * For each session {pid, client_ip}: the pid must be Postfix's smtpd (its
 * comm is "smtpd" and /proc/PID/exe is daemon_dir/smtpd; a pid that is
 * gone or reused by another program is left alone, counted in not_smtpd);
 * its socket inodes are read from /proc/PID/fd.  A pid that is there but
 * cannot be checked (/proc/PID/exe or fd unreadable, daemon_dir unknown)
 * makes the cut fail, after the sockets of the others are destroyed: a
 * cut that could not look is never reported done.  The TCP sockets of the host are
 * dumped with NETLINK_SOCK_DIAG (inet_diag_req_v2, AF_INET and AF_INET6,
 * every state but LISTEN and TIME_WAIT), and each socket whose inode is
 * one of the session's and whose remote address is its client_ip (an
 * IPv4 client also as ::ffff:a.b.c.d on an IPv6 socket) is destroyed
 * with SOCK_DESTROY (kernel CONFIG_INET_DIAG_DESTROY, CAP_NET_ADMIN):
 * the kernel sends the client a reset, and smtpd sees ECONNABORTED on its
 * next read, logs a lost connection and goes on serving other clients.
 *
 * A containerised Postfix (struct sockkill_where: the PID namespace of the
 * maillog's pids, [maillog] pid_namespace) logs its own pids: each is
 * translated at cut time to the process here (sockkill_host_pid(): the
 * one whose ns/pid is the maillog's and whose NSpid line of status ends
 * in the logged pid; one pass over /proc), and that process must be the
 * container's smtpd (its /proc/PID/exe, which the kernel names as the
 * container does, in daemon_dir: the container's, respond.c).  Its
 * sockets are dumped and destroyed in its own network namespace: a
 * sock_diag socket is made there (setns(2) for the socket's creation,
 * then back: CAP_SYS_ADMIN, and setns not forbidden, e.g. by systemd's
 * RestrictNamespaces=), one per namespace the sessions' smtpds are in.
 *
 * Limits: at most SOCKKILL_MAX_INODES socket inodes in all; an smtpd that
 * serves a new client from the same address by the time of the cut loses
 * that one too; a container's smtpd whose /proc/PID/exe the host names
 * by the host's path (a chroot, not a mount namespace) is not smtpd.
 */
#ifndef SENTINEL_SOCKKILL_H
#define SENTINEL_SOCKKILL_H

#include <stddef.h>
#include <stdint.h>

#include "actions.h"

#define SOCKKILL_MAX_INODES 1024

struct sockkill_stats {
	size_t not_smtpd;		/* sessions whose pid is gone or not smtpd */
	size_t unreadable;		/* sessions whose pid could not be checked */
	size_t matched;			/* sockets of the sessions to their clients */
	size_t destroyed;
	size_t translated;		/* pids of another namespace found here */
};

/* Where the sessions' pids are: NULL is sockkill's own /proc and namespace. */
struct sockkill_where {
	const char *proc;		/* NULL: "/proc"; a test's tree */
	uint32_t pidns;			/* the pids' PID namespace (inode); 0: own */
};

/* 0 when every matching socket was destroyed (none is fine), -1 with the
 * reason in err. */
int sockkill(const struct action_session *s, size_t n, const char *daemon_dir,
	     const struct sockkill_where *w, struct sockkill_stats *st, char *err, size_t cap);

/* The pid under proc of the process whose pid in PID namespace pidns is
 * nspid: the one whose ns/pid is pidns and whose NSpid (status) ends in
 * nspid.  nspid itself when pidns is 0 or proc's own (self); 0 none; -1
 * proc unreadable (why). */
long sockkill_host_pid(const char *proc, uint32_t pidns, long nspid, char *why, size_t cap);

/* "192.0.2.7", "IPv6:2001:db8::1" or "2001:db8::1" into 16 bytes (IPv4 as
 * ::ffff:a.b.c.d).  0, or -1. */
int sockkill_parse_ip(const char *text, unsigned char addr[16]);

#endif
