// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * httpd.c - libmicrohttpd in external-epoll mode.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "httpd.h"
#include "log.h"

struct httpd {
	struct MHD_Daemon *mhd;
	httpd_render_fn render;
	void *arg;
};

static const char index_page[] =
	"<html><head><title>smtp-sentinel</title></head><body>"
	"<h1>smtp-sentinel</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct httpd *h = cls;
	static const char not_found[] = "not found: try /metrics\n";
	static const char bad_method[] = "method not allowed\n";
	struct MHD_Response *r;
	struct expo e;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		r = MHD_create_response_from_buffer(sizeof(bad_method) - 1, (void *)bad_method,
						    MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (*upload_data_size)
		return MHD_NO;	/* a GET with a body: drop the connection */
	if (strcmp(url, "/metrics") == 0) {
		expo_init(&e);
		h->render(&e, h->arg);
		/* MUST_FREE: MHD frees e.buf with free() after sending it. */
		return reply(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, e.buf, e.len,
			     MHD_RESPMEM_MUST_FREE);
	}
	if (strcmp(url, "/") == 0)
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)index_page,
			     sizeof(index_page) - 1, MHD_RESPMEM_PERSISTENT);
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", (void *)not_found,
		     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static struct ratelimit rl;
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (log_ratelimited(&rl, 10))
		log_warnx("metrics http: %s", msg);
}

struct httpd *httpd_start(const struct sockaddr *sa, socklen_t len, const char *name,
			  httpd_render_fn render, void *arg)
{
	struct httpd *h = xcalloc(1, sizeof(*h));
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;

	(void)len;
	h->render = render;
	h->arg = arg;
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_SOCK_ADDR, sa,
				  MHD_OPTION_CONNECTION_LIMIT, 16U,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, 4U,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
				  MHD_OPTION_END);
	if (!h->mhd) {
		log_errx("cannot serve metrics on %s: %s", name,
			  errno ? strerror(errno) : "libmicrohttpd refused to start");
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		log_errx("libmicrohttpd has no epoll fd");
		httpd_stop(h);
		return NULL;
	}
	log_info("metrics on http://%s/metrics", name);
	return h;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	free(h);
}

int httpd_fd(const struct httpd *h)
{
	return MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
}

void httpd_run(struct httpd *h)
{
	MHD_run(h->mhd);
}
