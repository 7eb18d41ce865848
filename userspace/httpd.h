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
 */
#ifndef SENTINEL_HTTPD_H
#define SENTINEL_HTTPD_H

#include <sys/socket.h>

#include "metrics.h"

struct httpd;

/* Fill e with the page for /metrics. */
typedef void (*httpd_render_fn)(struct expo *e, void *arg);

/* NULL with the cause logged. */
struct httpd *httpd_start(const struct sockaddr *sa, socklen_t len, const char *name,
			  httpd_render_fn render, void *arg);
void httpd_stop(struct httpd *h);
int httpd_fd(const struct httpd *h);
void httpd_run(struct httpd *h);

#endif
