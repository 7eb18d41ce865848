/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * httpd.h - the /metrics endpoint, served by libmicrohttpd.
 *
 * libmicrohttpd runs without threads of its own: its epoll fd joins the
 * daemon's loop and httpd_run() is called when it is readable and on every
 * timer tick (for its timeouts).  So the render callback runs on the loop
 * and reads the live tables without locks.  Limits: 16 connections, 4 per
 * client address, 10 s idle timeout, 32 KiB of memory per connection;
 * GET and HEAD only.
 *
 * Optional, from [metrics]: TLS 1.2 and 1.3 (GnuTLS through libmicrohttpd)
 * with tls_cert and tls_key, and HTTP basic authentication of every path
 * against basic_auth_file (basic_auth.h).  The files are read once, at
 * start: a key that others may read, a file that others may write, a
 * certificate and key that do not match or a malformed password file are
 * refused.  A request without valid credentials gets 401 with a
 * WWW-Authenticate challenge; one that would need a bcrypt check over the
 * budget gets 429.
 */
#ifndef SENTINEL_HTTPD_H
#define SENTINEL_HTTPD_H

#include <sys/socket.h>

#include "config.h"
#include "metrics.h"

struct httpd;

/* Fill e with the page for /metrics. */
typedef void (*httpd_render_fn)(struct expo *e, void *arg);

/* Read and check [metrics] tls_cert, tls_key and basic_auth_file as
 * httpd_start() will: 0, or -1 with "KEY FILE: reason" in err. */
int httpd_check(const struct config *cfg, char *err, size_t errlen);

/* Serve cfg's [metrics]; NULL with the cause logged. */
struct httpd *httpd_start(const struct config *cfg, httpd_render_fn render, void *arg);
void httpd_stop(struct httpd *h);
int httpd_fd(const struct httpd *h);
void httpd_run(struct httpd *h);

#endif
