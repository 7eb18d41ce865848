// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * httpd.c - libmicrohttpd in external-epoll mode, with TLS and basic
 * authentication when [metrics] asks for them.
 *
 * The certificate and key go to libmicrohttpd as PEM in memory; GnuTLS
 * checks them first here (httpd_check), so a key that does not match its
 * certificate is refused with GnuTLS's reason instead of libmicrohttpd's
 * "failed to setup x509 certificate/key pair".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <microhttpd.h>

#include "basic_auth.h"
#include "httpd.h"
#include "log.h"
#include "text.h"

#define MAX_PEM_FILE ((size_t)256 * 1024)	/* a certificate chain, a key */
#define MAX_AUTH_FILE ((size_t)64 * 1024)	/* 64 users of 512 bytes, and comments */
#define AUTH_REALM "smtp-sentinel"
/* TLS 1.2 and 1.3 only, as exporter-toolkit's default min_version. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct httpd_files {
	char *cert, *key;	/* PEM, or NULL without TLS */
	size_t key_len;
	struct basic_auth *auth;	/* or NULL */
};

struct httpd {
	struct MHD_Daemon *mhd;
	httpd_render_fn render;
	void *arg;
	struct httpd_files files;
};

/*
 * A whole regular file of at most max bytes and no NUL, opened once and
 * checked through its descriptor.  Others may never write it (they could
 * swap the certificate or add a user); a secret may not be readable by
 * others either (group-readable is fine: Debian's ssl-cert group).
 */
static char *read_file(const char *key, const char *path, size_t max, bool secret,
		       size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", key, path);
		goto fail;
	}
	if ((st.st_mode & S_IWOTH) || (secret && (st.st_mode & S_IROTH))) {
		snprintf(err, errlen, "%s %s: mode %04o lets others %s it: chmod o-rwx it",
			 key, path, (unsigned)(st.st_mode & 07777),
			 (st.st_mode & S_IWOTH) ? "write" : "read");
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errlen, "%s %s: larger than %zu bytes", key, path, max);
		goto fail;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size + 1);
	if (n < 0 || (size_t)n != (size_t)st.st_size) {
		snprintf(err, errlen, "%s %s: %s", key, path,
			 n < 0 ? strerror(errno) : "changed while read");
		explicit_bzero(buf, (size_t)st.st_size + 1);
		free(buf);
		goto fail;
	}
	buf[n] = '\0';
	close(fd);
	if (strlen(buf) != (size_t)n) {
		snprintf(err, errlen, "%s %s: a NUL byte in a text file", key, path);
		explicit_bzero(buf, (size_t)n);
		free(buf);
		return NULL;
	}
	*lenp = (size_t)n;
	return buf;
fail:
	close(fd);
	return NULL;
}

static void free_files(struct httpd_files *f)
{
	if (f->key) {
		explicit_bzero(f->key, f->key_len);
		free(f->key);
	}
	free(f->cert);
	basic_auth_free(f->auth);
	memset(f, 0, sizeof(*f));
}

/* GnuTLS's word on the pair: parsable, and the key is the certificate's. */
static int check_pair(const struct config *cfg, struct httpd_files *f, size_t cert_len,
		      char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c = { (unsigned char *)f->cert, (unsigned)cert_len };
	gnutls_datum_t k = { (unsigned char *)f->key, (unsigned)f->key_len };
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "tls_cert: GnuTLS cannot allocate credentials");
		return -1;
	}
	rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, errlen, "tls_cert %s, tls_key %s: %s", cfg->tls_cert, cfg->tls_key,
			 gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

static int load_files(const struct config *cfg, struct httpd_files *f, char *err,
		      size_t errlen)
{
	size_t len;
	char *text;

	memset(f, 0, sizeof(*f));
	if (cfg->tls_cert[0]) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "tls_cert: this libmicrohttpd is built without TLS");
			return -1;
		}
		f->cert = read_file("tls_cert", cfg->tls_cert, MAX_PEM_FILE, false, &len,
				    err, errlen);
		if (!f->cert)
			goto fail;
		f->key = read_file("tls_key", cfg->tls_key, MAX_PEM_FILE, true, &f->key_len,
				   err, errlen);
		if (!f->key || check_pair(cfg, f, len, err, errlen) < 0)
			goto fail;
	}
	if (cfg->basic_auth_file[0]) {
		text = read_file("basic_auth_file", cfg->basic_auth_file, MAX_AUTH_FILE, false,
				 &len, err, errlen);
		if (!text)
			goto fail;
		f->auth = basic_auth_parse(cfg->basic_auth_file, text, err, errlen);
		free(text);
		if (!f->auth)
			goto fail;
	}
	return 0;
fail:
	free_files(f);
	return -1;
}

int httpd_check(const struct config *cfg, char *err, size_t errlen)
{
	struct httpd_files f;

	if (load_files(cfg, &f, err, errlen) < 0)
		return -1;
	free_files(&f);
	return 0;
}

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

static void client_name(struct MHD_Connection *conn, char *buf, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, cap, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)cap);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)cap);
}

/*
 * MHD_YES when the request may go on; else the answer is queued (or the
 * connection is to be dropped) and *ret says which.  The user name is
 * attacker text: escaped in the log; the password never leaves here.
 */
static bool authorized(struct httpd *h, struct MHD_Connection *conn, enum MHD_Result *ret)
{
	static const char denied[] = "unauthorized\n";
	static const char busy[] = "too many authentication attempts: retry later\n";
	static struct ratelimit rl;
	enum basic_auth_result r = BASIC_AUTH_DENIED;
	char *pass = NULL, *user;
	char euser[TEXT_ESCAPE_MAX(64)], client[INET6_ADDRSTRLEN];
	struct MHD_Response *resp;

	user = MHD_basic_auth_get_username_password(conn, &pass);
	if (user && pass)
		r = basic_auth_check(h->files.auth, user, pass);
	if (r == BASIC_AUTH_OK) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
		MHD_free(user);
		return true;
	}
	if (user && log_ratelimited(&rl, 10)) {
		client_name(conn, client, sizeof(client));
		text_escape(euser, sizeof(euser), user);
		log_warnx("metrics: %s for user '%s' from %s",
			  r == BASIC_AUTH_BUSY ? "too many password checks, refused"
					       : "authentication failed", euser, client);
	}
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	if (r == BASIC_AUTH_BUSY) {
		resp = MHD_create_response_from_buffer(sizeof(busy) - 1, (void *)busy,
						       MHD_RESPMEM_PERSISTENT);
		if (!resp) {
			*ret = MHD_NO;
			return false;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
		*ret = MHD_queue_response(conn, MHD_HTTP_TOO_MANY_REQUESTS, resp);
	} else {
		resp = MHD_create_response_from_buffer(sizeof(denied) - 1, (void *)denied,
						       MHD_RESPMEM_PERSISTENT);
		if (!resp) {
			*ret = MHD_NO;
			return false;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
		*ret = MHD_queue_basic_auth_fail_response(conn, AUTH_REALM, resp);
	}
	MHD_destroy_response(resp);
	return false;
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
	if (h->files.auth && !authorized(h, conn, &ret))
		return ret;
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

struct httpd *httpd_start(const struct config *cfg, httpd_render_fn render, void *arg)
{
	const struct sockaddr *sa = (const struct sockaddr *)&cfg->listen_addr;
	struct httpd *h = xcalloc(1, sizeof(*h));
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, NULL },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES },
		{ MHD_OPTION_END, 0, NULL },
	};
	char err[CONFIG_ERR_LEN];

	h->render = render;
	h->arg = arg;
	if (load_files(cfg, &h->files, err, sizeof(err)) < 0) {
		log_errx("cannot serve metrics: %s", err);
		free(h);
		return NULL;
	}
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (h->files.cert) {
		flags |= MHD_USE_TLS;
		tls[0].ptr_value = h->files.cert;
		tls[1].ptr_value = h->files.key;
	} else {
		tls[0].option = MHD_OPTION_END;
	}
	errno = 0;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_SOCK_ADDR, sa,
				  MHD_OPTION_CONNECTION_LIMIT, 16U,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, 4U,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
				  MHD_OPTION_ARRAY, tls,
				  MHD_OPTION_END);
	if (!h->mhd) {
		log_errx("cannot serve metrics on %s: %s", cfg->listen,
			  errno ? strerror(errno) : "libmicrohttpd refused to start");
		free_files(&h->files);
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		log_errx("libmicrohttpd has no epoll fd");
		httpd_stop(h);
		return NULL;
	}
	if (h->files.auth && !h->files.cert)
		log_warnx("metrics: basic_auth_file without tls_cert: passwords cross the "
			  "network in clear text");
	log_info("metrics on %s://%s/metrics%s", h->files.cert ? "https" : "http", cfg->listen,
		 h->files.auth ? ", basic authentication" : "");
	return h;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	free_files(&h->files);
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
