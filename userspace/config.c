// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config.c - the key table and its parsers.
 *
 * inih calls us per key; it does not tell the line number unless built with
 * INI_HANDLER_LINENO, which Debian's libinih is not.  So we feed it through
 * ini_parse_stream() with a reader that counts lines: inih never reads ahead,
 * so the count is the line of the key being handled.  The first error wins;
 * later ones are not reported (one fix at a time, like a compiler's -Wfatal).
 *
 * Dialect: '#' and ';' start comments, also after a value (preceded by a
 * space); no continuation lines (an indented line is a syntax error, never a
 * silent new value); lines up to CONFIG_MAX_LINE bytes, longer ones refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "control.h"
#include "maillog/journal.h"

_Static_assert(CONFIG_MAX_JOURNAL_MATCHES == JOURNAL_MAX_MATCHES, "journal matches");
_Static_assert(CONFIG_JOURNAL_MATCH_MAX == JOURNAL_MATCH_MAX, "journal match size");

#define CONFIG_MAX_LINE 4096

/* Whether a key can change on a reload, or is read once at start-up. */
enum config_when { RELOAD, RESTART };

struct config_key {
	const char *section;
	const char *name;
	const char *def;
	config_parse_fn parse;
	enum config_when when;
};

int config_parse_u32(const char *value, unsigned long min, unsigned long max,
		     unsigned long *out, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*value == '-' || *value == '+' || *value == '\0')
		goto bad;
	v = strtoul(value, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a number in %lu..%lu", value, min, max);
	return -1;
}

/*
 * Call fn for each item of a comma list, blanks around items trimmed.
 * Empty items are refused: "25,,587" is more likely a typo than a wish.
 */
int config_for_each_item(struct config *cfg, const char *value,
			 int (*fn)(struct config *cfg, const char *item, char *err, size_t errlen),
			 char *err, size_t errlen)
{
	char buf[CONFIG_MAX_LINE];
	char *item = buf, *end;

	if (strlen(value) >= sizeof(buf)) {
		snprintf(err, errlen, "list too long");
		return -1;
	}
	strcpy(buf, value);
	for (;;) {
		char *comma = strchr(item, ',');

		if (comma)
			*comma = '\0';
		while (*item == ' ' || *item == '\t')
			item++;
		for (end = item + strlen(item); end > item && (end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		if (*item == '\0') {
			snprintf(err, errlen, "empty item in the list");
			return -1;
		}
		if (fn(cfg, item, err, errlen) < 0)
			return -1;
		if (!comma)
			return 0;
		item = comma + 1;
	}
}

static int add_port(struct config *cfg, const char *item, char *err, size_t errlen)
{
	unsigned long port;
	size_t i;

	if (config_parse_u32(item, 1, 65535, &port, err, errlen) < 0)
		return -1;
	for (i = 0; i < cfg->nports && cfg->ports[i] != port; i++)
		;
	if (i < cfg->nports)
		return 0;	/* listed twice: harmless */
	if (cfg->nports == CONFIG_MAX_PORTS) {
		snprintf(err, errlen, "more than %d ports", CONFIG_MAX_PORTS);
		return -1;
	}
	cfg->ports[cfg->nports++] = (uint16_t)port;
	return 0;
}

static int parse_ports(struct config *cfg, const char *value, char *err, size_t errlen)
{
	cfg->nports = 0;
	if (*value == '\0') {
		snprintf(err, errlen, "at least one port is needed");
		return -1;
	}
	return config_for_each_item(cfg, value, add_port, err, errlen);
}

static int add_maillog_path(struct config *cfg, const char *item, char *err, size_t errlen)
{
	if (item[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path", item);
		return -1;
	}
	if (strlen(item) >= sizeof(cfg->maillog_paths[0])) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	for (size_t i = 0; i < cfg->nmaillog_paths; i++)
		if (strcmp(cfg->maillog_paths[i], item) == 0)
			return 0;
	if (cfg->nmaillog_paths == CONFIG_MAX_MAILLOGS) {
		snprintf(err, errlen, "more than %d paths", CONFIG_MAX_MAILLOGS);
		return -1;
	}
	strcpy(cfg->maillog_paths[cfg->nmaillog_paths++], item);
	return 0;
}

static int parse_maillog_path(struct config *cfg, const char *value, char *err, size_t errlen)
{
	cfg->nmaillog_paths = 0;
	if (strcmp(value, "none") == 0)
		return 0;
	return config_for_each_item(cfg, value, add_maillog_path, err, errlen);
}

static int parse_maillog_format(struct config *cfg, const char *value, char *err, size_t errlen)
{
	static const char *const formats[] = { "auto", "postfix", "sendmail", "exim" };

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(value, formats[i]) == 0) {
			snprintf(cfg->maillog_format, sizeof(cfg->maillog_format), "%s", value);
			return 0;
		}
	snprintf(err, errlen, "'%s' is not one of auto, postfix, sendmail, exim", value);
	return -1;
}

static int parse_maillog_start(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "end") == 0)
		cfg->maillog_from_beginning = false;
	else if (strcmp(value, "beginning") == 0)
		cfg->maillog_from_beginning = true;
	else {
		snprintf(err, errlen, "'%s' is not one of end, beginning", value);
		return -1;
	}
	return 0;
}

static int add_syslog_name(struct config *cfg, const char *item, char *err, size_t errlen)
{
	size_t n = strlen(item);

	if (n >= sizeof(cfg->syslog_names[0]) ||
	    strspn(item, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		snprintf(err, errlen, "'%s' is not a syslog name (letters, digits, '.', '_', '-')",
			 item);
		return -1;
	}
	if (cfg->nsyslog_names == CONFIG_MAX_SYSLOG_NAMES) {
		snprintf(err, errlen, "more than %d names", CONFIG_MAX_SYSLOG_NAMES);
		return -1;
	}
	strcpy(cfg->syslog_names[cfg->nsyslog_names++], item);
	return 0;
}

static int parse_syslog_names(struct config *cfg, const char *value, char *err, size_t errlen)
{
	cfg->nsyslog_names = 0;
	return config_for_each_item(cfg, value, add_syslog_name, err, errlen);
}

static int add_local_domain(struct config *cfg, const char *item, char *err, size_t errlen)
{
	size_t n = strlen(item);

	if (strcmp(item, "auto") == 0) {
		cfg->local_domains_auto = true;
		return 0;
	}
	/* a DNS name: letters, digits, '-' and '.', as Postfix's mydomain */
	if (n >= sizeof(cfg->local_domains[0]) ||
	    strspn(item, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n) {
		snprintf(err, errlen, "'%s' is not a domain name", item);
		return -1;
	}
	if (cfg->nlocal_domains == CONFIG_MAX_LOCAL_DOMAINS) {
		snprintf(err, errlen, "more than %d domains", CONFIG_MAX_LOCAL_DOMAINS);
		return -1;
	}
	strcpy(cfg->local_domains[cfg->nlocal_domains++], item);
	return 0;
}

/*
 * "auto" (alone or as an item): Postfix's domains, read at start-up into
 * local_domains (domains.h), and the domains learned from the traffic;
 * a list without it: exactly those; "" or "none": no sender is foreign.
 */
static int parse_local_domains(struct config *cfg, const char *value, char *err, size_t errlen)
{
	cfg->nlocal_domains = 0;
	cfg->local_domains_auto = false;
	cfg->detect.domains = DETECT_DOMAINS_NONE;
	if (*value == '\0' || strcmp(value, "none") == 0)
		return 0;
	if (config_for_each_item(cfg, value, add_local_domain, err, errlen) < 0)
		return -1;
	cfg->nlocal_domains_listed = cfg->nlocal_domains;
	cfg->detect.domains = cfg->local_domains_auto ? DETECT_DOMAINS_AUTO :
			      cfg->nlocal_domains ? DETECT_DOMAINS_LIST : DETECT_DOMAINS_NONE;
	return 0;
}

static int parse_maillog_source(struct config *cfg, const char *value, char *err,
				size_t errlen)
{
	if (strcmp(value, "auto") == 0)
		cfg->maillog_source = MAILLOG_SOURCE_AUTO;
	else if (strcmp(value, "file") == 0)
		cfg->maillog_source = MAILLOG_SOURCE_FILE;
	else if (strcmp(value, "journal") == 0)
		cfg->maillog_source = MAILLOG_SOURCE_JOURNAL;
	else {
		snprintf(err, errlen, "'%s' is not one of auto, file, journal", value);
		return -1;
	}
	return 0;
}

static int add_journal_match(struct config *cfg, const char *item, char *err, size_t errlen)
{
	if (!journal_match_valid(item, err, errlen))
		return -1;
	if (cfg->njournal_match == CONFIG_MAX_JOURNAL_MATCHES) {
		snprintf(err, errlen, "more than %d matches", CONFIG_MAX_JOURNAL_MATCHES);
		return -1;
	}
	snprintf(cfg->journal_match[cfg->njournal_match++], sizeof(cfg->journal_match[0]),
		 "%s", item);
	return 0;
}

static int parse_journal_match(struct config *cfg, const char *value, char *err,
			       size_t errlen)
{
	cfg->njournal_match = 0;
	if (*value == '\0') {
		snprintf(err, errlen, "at least one FIELD=VALUE match is needed");
		return -1;
	}
	return config_for_each_item(cfg, value, add_journal_match, err, errlen);
}

static int parse_journal_dir(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (value[0] && value[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path", value);
		return -1;
	}
	if (strlen(value) >= sizeof(cfg->journal_dir)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	strcpy(cfg->journal_dir, value);
	return 0;
}

static int parse_maillog_root(struct config *cfg, const char *value, char *err, size_t errlen)
{
	struct stat st;

	if (value[0] && value[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path", value);
		return -1;
	}
	if (strlen(value) >= sizeof(cfg->maillog_root)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (value[0] && stat(value, &st) < 0) {
		snprintf(err, errlen, "'%s': %s", value, strerror(errno));
		return -1;
	}
	if (value[0] && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a directory", value);
		return -1;
	}
	strcpy(cfg->maillog_root, value);
	return 0;
}

int config_pidns(const char *path, uint32_t *ino, char *err, size_t errlen)
{
	struct stat st;
	int fd, type;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWPID || fstat(fd, &st) < 0 || st.st_ino == 0 ||
	    st.st_ino > UINT32_MAX) {
		snprintf(err, errlen, "%s is not a PID namespace (/proc/PID/ns/pid)", path);
		close(fd);
		return -1;
	}
	close(fd);
	*ino = (uint32_t)st.st_ino;
	return 0;
}

/* self, pid:[INODE] (as readlink /proc/PID/ns/pid shows it), INODE, or
 * the path of a PID namespace, resolved now. */
static int parse_pid_namespace(struct config *cfg, const char *value, char *err,
			       size_t errlen)
{
	unsigned long ino;
	const char *digits = value;
	char *end;

	cfg->maillog_pidns = 0;
	if (strcmp(value, "self") == 0)
		return 0;
	if (value[0] == '/')
		return config_pidns(value, &cfg->maillog_pidns, err, errlen);
	if (strncmp(value, "pid:[", 5) == 0)
		digits = value + 5;
	errno = 0;
	ino = *digits >= '0' && *digits <= '9' ? strtoul(digits, &end, 10) : 0;
	if (ino == 0 || ino > UINT32_MAX || errno ||
	    strcmp(end, digits == value ? "" : "]") != 0) {
		snprintf(err, errlen, "'%s' is not self, pid:[INODE], an inode number or "
			 "the path of a PID namespace", value);
		return -1;
	}
	cfg->maillog_pidns = (uint32_t)ino;
	return 0;
}

static int parse_state_dir(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (value[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path", value);
		return -1;
	}
	if (strlen(value) >= sizeof(cfg->state_dir)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	strcpy(cfg->state_dir, value);
	return 0;
}

static int parse_cgroup_root(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "auto") != 0 && value[0] != '/') {
		snprintf(err, errlen, "'%s' is neither 'auto' nor an absolute path", value);
		return -1;
	}
	if (strlen(value) >= sizeof(cfg->cgroup_root)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	strcpy(cfg->cgroup_root, value);
	return 0;
}

int config_parse_listen(const char *value, struct sockaddr_storage *ss,
			socklen_t *len, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_s;
	unsigned long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (value[0] == '[') {
		const char *close = strchr(value, ']');

		if (!close || close[1] != ':')
			goto bad;
		hlen = (size_t)(close - value - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, value + 1, hlen);
		host[hlen] = '\0';
		port_s = close + 2;
	} else {
		colon = strrchr(value, ':');
		if (!colon || strchr(value, ':') != colon)
			goto bad;
		hlen = (size_t)(colon - value);
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, value, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	}
	if (config_parse_u32(port_s, 1, 65535, &port, err, errlen) < 0) {
		snprintf(err, errlen, "'%s': port must be in 1..65535", value);
		return -1;
	}
	if (value[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
	}
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not HOST:PORT with a numeric IPv4 host "
		 "or [IPv6]:PORT", value);
	return -1;
}

static int parse_listen(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (strlen(value) >= sizeof(cfg->listen)) {
		snprintf(err, errlen, "value too long");
		return -1;
	}
	if (config_parse_listen(value, &cfg->listen_addr, &cfg->listen_len, err, errlen) < 0)
		return -1;
	strcpy(cfg->listen, value);
	return 0;
}

static int parse_max_series(struct config *cfg, const char *value, char *err, size_t errlen)
{
	unsigned long v;

	if (config_parse_u32(value, 10, 1000000, &v, err, errlen) < 0)
		return -1;
	cfg->max_series = (unsigned)v;
	return 0;
}

/* "" (none) or an absolute path; the file is read at start (httpd.c). */
static int parse_optional_path(char *dst, size_t cap, const char *value,
			       char *err, size_t errlen)
{
	return config_copy_path(dst, cap, value, true, err, errlen);
}

static int parse_tls_cert(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_optional_path(cfg->tls_cert, sizeof(cfg->tls_cert), value, err, errlen);
}

static int parse_tls_key(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_optional_path(cfg->tls_key, sizeof(cfg->tls_key), value, err, errlen);
}

static int parse_basic_auth_file(struct config *cfg, const char *value, char *err,
				 size_t errlen)
{
	return parse_optional_path(cfg->basic_auth_file, sizeof(cfg->basic_auth_file), value,
				   err, errlen);
}

static int parse_log_level(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "warn") == 0)
		cfg->log_level = LOG_LEVEL_WARN;
	else if (strcmp(value, "info") == 0)
		cfg->log_level = LOG_LEVEL_INFO;
	else if (strcmp(value, "debug") == 0)
		cfg->log_level = LOG_LEVEL_DEBUG;
	else {
		snprintf(err, errlen, "'%s' is not one of warn, info, debug", value);
		return -1;
	}
	return 0;
}

/* Every key sentineld knows.  The shipped sentinel.conf documents each.
 * RESTART: read once at start-up (a socket bound, a BPF map filled, a
 * table sized, a file opened, a pointer kept), so a reload that changes
 * it is refused. */
static const struct config_key config_keys[] = {
	{ "sensor", "ports", "25", parse_ports, RESTART },
	{ "sensor", "cgroup_root", "auto", parse_cgroup_root, RESTART },
	{ "metrics", "listen", "127.0.0.1:9725", parse_listen, RESTART },
	{ "metrics", "max_series", "5000", parse_max_series, RESTART },
	{ "metrics", "tls_cert", "", parse_tls_cert, RESTART },
	{ "metrics", "tls_key", "", parse_tls_key, RESTART },
	{ "metrics", "basic_auth_file", "", parse_basic_auth_file, RESTART },
	{ "maillog", "path", "/var/log/mail.log", parse_maillog_path, RESTART },
	{ "maillog", "format", "auto", parse_maillog_format, RESTART },
	{ "maillog", "start", "end", parse_maillog_start, RESTART },
	{ "maillog", "syslog_names", "postfix", parse_syslog_names, RESTART },
	{ "maillog", "local_domains", "auto", parse_local_domains, RESTART },
	{ "maillog", "source", "auto", parse_maillog_source, RESTART },
	{ "maillog", "journal_match", "_SYSTEMD_UNIT=postfix.service, "
	  "_SYSTEMD_UNIT=postfix@-.service, SYSLOG_IDENTIFIER=postfix*", parse_journal_match, RESTART },
	{ "maillog", "journal_dir", "", parse_journal_dir, RESTART },
	{ "maillog", "pid_namespace", "self", parse_pid_namespace, RESTART },
	{ "maillog", "root", "", parse_maillog_root, RESTART },
	{ "daemon", "log_level", "info", parse_log_level, RELOAD },
	{ "daemon", "state_dir", "/var/lib/smtp-sentinel", parse_state_dir, RESTART },
	{ "detect", "max_messages_per_minute", "60", parse_max_messages_per_minute, RELOAD },
	{ "detect", "max_recipients_per_minute", "300", parse_max_recipients_per_minute, RELOAD },
	{ "detect", "allow_identities", "", parse_allow, RELOAD },
	{ "detect", "overrides", "", parse_overrides, RELOAD },
	{ "detect", "spike_factor", "10", parse_spike_factor, RELOAD },
	{ "detect", "spike_floor", "6", parse_spike_floor, RELOAD },
	{ "detect", "spike_min", "20", parse_spike_min, RELOAD },
	{ "detect", "spike_learn", "10", parse_spike_learn, RELOAD },
	{ "detect", "foreign_ratio", "0.8", parse_foreign_ratio, RELOAD },
	{ "detect", "foreign_min", "5", parse_foreign_min, RELOAD },
	{ "detect", "max_client_ips", "5", parse_max_client_ips, RELOAD },
	{ "detect", "bounce_ratio", "0.5", parse_bounce_ratio, RELOAD },
	{ "detect", "bounce_min", "20", parse_bounce_min, RELOAD },
	{ "detect", "bruteforce_failures", "5", parse_bruteforce_failures, RELOAD },
	{ "detect", "max_flows_per_minute", "3000", parse_max_flows_per_minute, RELOAD },
	{ "detect", "max_identities", "10000", parse_max_identities, RESTART },
	{ "detect", "incident_expiry", "1h", parse_incident_expiry, RELOAD },
	{ "detect", "max_incidents_per_ip", "10", parse_max_incidents_per_ip, RESTART },
	{ "detect", "max_new_domains", "20", parse_max_new_domains, RELOAD },
	{ "detect", "volume_factor", "4", parse_volume_factor, RELOAD },
	{ "detect", "volume_floor", "10", parse_volume_floor, RELOAD },
	{ "detect", "volume_learn", "60", parse_volume_learn, RELOAD },
	{ "detect", "max_histories", "20000", parse_max_histories, RESTART },
	{ "detect", "incident_log", "", parse_incident_log, RELOAD },
	{ "actions", "mode", "observe", parse_mode, RELOAD },
	{ "actions", "hold_scope", "identity", parse_hold_scope, RELOAD },
	{ "actions", "sasl_access_map", "/etc/postfix/sasl_access", parse_sasl_access_map, RESTART },
	{ "actions", "lock_hook", "", parse_lock_hook, RELOAD },
	{ "actions", "action_hook", "", parse_action_hook, RELOAD },
	{ "actions", "spam", "quarantine", parse_spam, RELOAD },
	{ "actions", "quarantine_dir", "/var/lib/smtp-sentinel/quarantine", parse_quarantine_dir, RELOAD },
	{ "actions", "postfix_config_dir", "", parse_postfix_config_dir, RESTART },
	{ "actions", "postfix_bin_dir", "/usr/sbin", parse_postfix_bin_dir, RELOAD },
	{ "actions", "timeout", "30", parse_action_timeout, RELOAD },
	{ "actions", "retries", "3", parse_retries, RELOAD },
	{ "actions", "cooldown", "300", parse_cooldown, RELOAD },
	{ "actions", "trust_syslog_file", "no", parse_trust_syslog_file, RELOAD },
	{ "actions", "act_on_uid", "yes", parse_act_on_uid, RELOAD },
	{ "control", "socket", CONTROL_DEFAULT_SOCKET, parse_control_socket, RESTART },
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))
_Static_assert(NKEYS <= CONFIG_MAX_KEYS, "CONFIG_MAX_KEYS is too small for the key table");

/* What follows from other keys, once all are read. */
static int finish(struct config *cfg, const char *name, char *err, size_t errlen)
{
	if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
		snprintf(err, errlen, "%s: [metrics] %s without %s: TLS needs both", name,
			 cfg->tls_cert[0] ? "tls_cert" : "tls_key",
			 cfg->tls_cert[0] ? "tls_key" : "tls_cert");
		return -1;
	}
	if (!cfg->incident_log[0] &&
	    snprintf(cfg->incident_log, sizeof(cfg->incident_log), "%s/incidents.log",
		     cfg->state_dir) >= (int)sizeof(cfg->incident_log))
		goto too_long;
	if (snprintf(cfg->actions.state_dir, sizeof(cfg->actions.state_dir), "%s",
		     cfg->state_dir) >= (int)sizeof(cfg->actions.state_dir))
		goto too_long;
	if (snprintf(cfg->detect.state_dir, sizeof(cfg->detect.state_dir), "%s",
		     cfg->state_dir) >= (int)sizeof(cfg->detect.state_dir))
		goto too_long;
	return 0;
too_long:
	snprintf(err, errlen, "%s: state_dir: path too long", name);
	return -1;
}

/* The key table's defaults, before finish(). */
static void defaults(struct config *cfg)
{
	char err[CONFIG_ERR_LEN];

	memset(cfg, 0, sizeof(*cfg));
	cfg->values_len = 1;	/* value_at 0: the default */
	for (size_t i = 0; i < NKEYS; i++)
		if (config_keys[i].parse(cfg, config_keys[i].def, err, sizeof(err)) < 0)
			fatalx("built-in default of %s: %s", config_keys[i].name, err);
}

void config_defaults(struct config *cfg)
{
	char err[CONFIG_ERR_LEN];

	defaults(cfg);
	if (finish(cfg, "defaults", err, sizeof(err)) < 0)
		fatalx("%s", err);
}

struct load_ctx {
	bool too_long;
	struct config *cfg;
	const char *name;
	int line;		/* of the line being handled */
	int err_line;		/* first line our handler refused, or 0 */
	char *err;
	size_t errlen;
	/* the source: a FILE or a string cursor */
	FILE *fp;
	const char *cur;
};

static char *reader(char *buf, int size, void *stream)
{
	struct load_ctx *ctx = stream;

	if (ctx->fp) {
		if (!fgets(buf, size, ctx->fp))
			return NULL;
	} else {
		const char *nl;
		size_t n;

		if (!*ctx->cur)
			return NULL;
		nl = strchr(ctx->cur, '\n');
		n = nl ? (size_t)(nl - ctx->cur) + 1 : strlen(ctx->cur);
		if (n > (size_t)size - 1)
			n = (size_t)size - 1;
		memcpy(buf, ctx->cur, n);
		buf[n] = '\0';
		ctx->cur += n;
	}
	ctx->line++;
	if (!strchr(buf, '\n') && !(ctx->fp ? feof(ctx->fp) : !*ctx->cur)) {
		/* inih would take the rest of the line for a line of its own */
		if (!ctx->err_line)
			snprintf(ctx->err, ctx->errlen, "%s:%d: line too long (at most %d bytes)",
				 ctx->name, ctx->line, size - 2);
		ctx->too_long = true;
		return NULL;
	}
	return buf;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *ctx = user;
	/* the reader counted the line already, unless it had no newline yet */
	int line = ctx->line;
	char why[CONFIG_ERR_LEN];
	size_t i;

	if (ctx->err_line)
		return 1;
	for (i = 0; i < NKEYS; i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			break;
	if (i == NKEYS) {
		bool known_section = false;

		for (size_t j = 0; j < NKEYS; j++)
			known_section |= strcmp(config_keys[j].section, section) == 0;
		if (known_section)
			snprintf(why, sizeof(why), "unknown key in [%s]", section);
		else
			snprintf(why, sizeof(why), "unknown section [%s]", section);
	} else if (strlen(value) >= (size_t)CONFIG_VALUES_MAX - ctx->cfg->values_len) {
		snprintf(why, sizeof(why), "the values add up to more than %d bytes",
			 CONFIG_VALUES_MAX);
	} else if (config_keys[i].parse(ctx->cfg, value, why, sizeof(why)) == 0) {
		struct config *cfg = ctx->cfg;

		/* as written, for config_diff(); the last one counts */
		cfg->value_at[i] = cfg->values_len;
		strcpy(cfg->values + cfg->values_len, value);
		cfg->values_len = (uint16_t)(cfg->values_len + strlen(value) + 1);
		return 1;
	}
	ctx->err_line = line;
	snprintf(ctx->err, ctx->errlen, "%s:%d: %s: %s", ctx->name, line, name, why);
	return 0;
}

static int load(struct load_ctx *ctx)
{
	int rc;

	/* Debian's libinih makes its compile-time dialect switches variables. */
	ini_allow_multiline = false;
	ini_inline_comment_prefixes = (char *)";#";
	ini_use_stack = false;
	ini_max_line = CONFIG_MAX_LINE;
	ini_initial_alloc = CONFIG_MAX_LINE;
	ini_allow_realloc = false;
	rc = ini_parse_stream(reader, ctx, handler, ctx);
	if (ctx->too_long && !ctx->err_line)
		return -1;
	if (rc == 0 && !ctx->err_line) {
		return finish(ctx->cfg, ctx->name, ctx->err, ctx->errlen);
	}
	if (rc > 0 && rc != ctx->err_line)
		snprintf(ctx->err, ctx->errlen, "%s:%d: syntax error: expected "
			 "'[section]' or 'key = value'", ctx->name, rc);
	else if (rc < 0)
		snprintf(ctx->err, ctx->errlen, "%s: out of memory while parsing", ctx->name);
	return -1;
}

static const char *value_of(const struct config *cfg, size_t key)
{
	return cfg->value_at[key] ? cfg->values + cfg->value_at[key] : config_keys[key].def;
}

/*
 * Whether two values of a key mean the same: each parsed onto a copy of
 * the defaults, the copies compared byte for byte.  A parser writes the
 * same bytes for the same value on the same start (lists are rebuilt from
 * their count, strings copied whole), so "25, 587" equals "25,587" and a
 * key set twice equals the same key set once.
 */
static bool same_meaning(size_t key, const char *a, const char *b, struct config *scratch)
{
	char err[CONFIG_ERR_LEN];
	struct config *x = &scratch[0], *y = &scratch[1];

	if (strcmp(a, b) == 0)
		return true;
	defaults(x);
	memcpy(y, x, sizeof(*y));
	if (config_keys[key].parse(x, a, err, sizeof(err)) < 0 ||
	    config_keys[key].parse(y, b, err, sizeof(err)) < 0)
		return false;	/* cannot be: both were loaded */
	/* the representation is the point: both copies start from the same
	 * bytes, padding included, and a parser writes only its fields */
	return memcmp(x, y, sizeof(*x)) == 0;	// NOLINT(bugprone-suspicious-memory-comparison)
}

size_t config_diff(const struct config *a, const struct config *b,
		   void (*fn)(const struct config_change *c, void *arg), void *arg,
		   size_t *restart)
{
	struct config *scratch = NULL;
	size_t n = 0, nrestart = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		const char *before = value_of(a, i), *after = value_of(b, i);
		struct config_change c = { config_keys[i].section, config_keys[i].name, before,
					   after, config_keys[i].when == RESTART };

		if (strcmp(before, after) == 0)
			continue;
		if (!scratch)
			scratch = xcalloc(2, sizeof(*scratch));
		if (same_meaning(i, before, after, scratch))
			continue;
		n++;
		nrestart += c.restart;
		if (fn)
			fn(&c, arg);
	}
	free(scratch);
	if (restart)
		*restart = nrestart;
	return n;
}

/* What a reload found: the changes, one a line, and the keys it cannot change. */
struct reload_report {
	char *msg;
	size_t cap, len;
	char restart[512];
};

static void on_change(const struct config_change *c, void *arg)
{
	struct reload_report *rep = arg;
	size_t n = strlen(rep->restart);

	if (c->restart) {
		snprintf(rep->restart + n, sizeof(rep->restart) - n, "%s[%s] %s",
			 n ? ", " : "", c->section, c->key);
		return;
	}
	if (rep->len < rep->cap)
		rep->len += (size_t)snprintf(rep->msg + rep->len, rep->cap - rep->len,
					     "%s[%s] %s: '%s' -> '%s'", rep->len ? "\n" : "",
					     c->section, c->key, c->before, c->after);
}

int config_reload(const struct config *live, struct config *next, const char *path,
		  char *msg, size_t cap)
{
	struct reload_report rep = { .msg = msg, .cap = cap };
	size_t changed, restart;

	msg[0] = '\0';
	if (config_load(next, path, msg, cap) < 0)
		return -1;
	changed = config_diff(live, next, on_change, &rep, &restart);
	if (restart) {
		snprintf(msg, cap, "%s: %s cannot change at run time (restart sentineld to "
			 "apply %s)", path, rep.restart, restart == 1 ? "it" : "them");
		return -1;
	}
	if (!changed) {
		snprintf(msg, cap, "no change");
		return 0;
	}
	return 1;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct load_ctx ctx = { .cfg = cfg, .name = path, .err = err, .errlen = errlen };
	int rc;

	defaults(cfg);
	ctx.fp = fopen(path, "re");
	if (!ctx.fp) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	rc = load(&ctx);
	fclose(ctx.fp);
	return rc;
}

int config_load_string(struct config *cfg, const char *name, const char *text,
		       char *err, size_t errlen)
{
	struct load_ctx ctx = { .cfg = cfg, .name = name, .cur = text,
				.err = err, .errlen = errlen };

	defaults(cfg);
	return load(&ctx);
}
