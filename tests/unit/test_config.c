// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_config.c - config_load_string() and config_load(): defaults, good
 * files, and every refusal with its exact "NAME:LINE: key: reason" message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define NAME "t.conf"

/* ---- helpers ------------------------------------------------------------ */

static struct config cfg;	/* large (PATH_MAX): keep it off the stack */
static char err[CONFIG_ERR_LEN];

static int load(const char *text)
{
	memset(err, 0, sizeof(err));
	return config_load_string(&cfg, NAME, text, err, sizeof(err));
}

/* err must start with exactly `prefix` and contain `reason` after it. */
static void assert_error(const char *prefix, const char *reason)
{
	size_t plen = strlen(prefix);
	char head[CONFIG_ERR_LEN];

	snprintf(head, sizeof(head), "%.*s", (int)plen, err);
	assert_string_equal(head, prefix);
	if (!strstr(err + plen, reason)) {
		print_error("error message \"%s\" lacks reason \"%s\"\n", err, reason);
		fail();
	}
}

/* Load text, expect a refusal at line `line` for `key` with `reason`. */
static void assert_refused(const char *text, int line, const char *key,
			   const char *reason)
{
	char prefix[256];

	assert_int_equal(load(text), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: %s: ", NAME, line, key);
	assert_error(prefix, reason);
}

/* A temporary file holding text; the caller unlinks path. */
static void write_temp(char path[static 64], const char *text)
{
	int fd;
	size_t len = strlen(text);

	snprintf(path, 64, "/tmp/test_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static uint16_t listen_port4(void)
{
	return ntohs(((const struct sockaddr_in *)&cfg.listen_addr)->sin_port);
}

static const char full_file[] =
	"# sentinel.conf for the tests\n"			/* 1 */
	"; both comment styles\n"				/* 2 */
	"\n"							/* 3 */
	"[sensor]\n"						/* 4 */
	"# the submission ports too\n"				/* 5 */
	"ports = 25, 587,465\n"					/* 6 */
	"cgroup_root = /sys/fs/cgroup\n"			/* 7 */
	"\n"							/* 8 */
	"[metrics]\n"						/* 9 */
	"listen = 0.0.0.0:9100\n"				/* 10 */
	"max_series = 200\n"					/* 11 */
	"\n"							/* 12 */
	"[daemon]\n"						/* 13 */
	"log_level = debug\n";					/* 14 */

/* ---- defaults and good files ------------------------------------------- */

static void test_empty_string_gives_default_ports_25(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(cfg.nports, 1);
	assert_int_equal(cfg.ports[0], 25);
}

static void test_empty_string_gives_default_cgroup_root_auto(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_string_equal(cfg.cgroup_root, "auto");
}

static void test_empty_string_gives_default_listen_127_0_0_1_9725(void **state)
{
	struct in_addr lo;

	(void)state;
	assert_int_equal(load(""), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:9725");
	assert_int_equal(cfg.listen_addr.ss_family, AF_INET);
	assert_int_equal(cfg.listen_len, sizeof(struct sockaddr_in));
	assert_int_equal(listen_port4(), 9725);
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &lo), 1);
	assert_int_equal(((const struct sockaddr_in *)&cfg.listen_addr)->sin_addr.s_addr,
			 lo.s_addr);
}

static void test_empty_string_gives_default_max_series_5000(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(cfg.max_series, 5000);
}

static void test_empty_string_gives_default_log_level_info(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(cfg.log_level, LOG_LEVEL_INFO);
}

static void test_full_file_with_comments_sets_every_key(void **state)
{
	(void)state;
	assert_int_equal(load(full_file), 0);
	assert_int_equal(cfg.nports, 3);
	assert_int_equal(cfg.ports[0], 25);
	assert_int_equal(cfg.ports[1], 587);
	assert_int_equal(cfg.ports[2], 465);
	assert_string_equal(cfg.cgroup_root, "/sys/fs/cgroup");
	assert_string_equal(cfg.listen, "0.0.0.0:9100");
	assert_int_equal(cfg.listen_addr.ss_family, AF_INET);
	assert_int_equal(listen_port4(), 9100);
	assert_int_equal(cfg.max_series, 200);
	assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
}

static void test_duplicate_ports_are_listed_once(void **state)
{
	(void)state;
	assert_int_equal(load("[sensor]\nports = 25, 587, 25,587 ,465, 25\n"), 0);
	assert_int_equal(cfg.nports, 3);
	assert_int_equal(cfg.ports[0], 25);
	assert_int_equal(cfg.ports[1], 587);
	assert_int_equal(cfg.ports[2], 465);
}

static void test_64_ports_are_accepted(void **state)
{
	char text[512];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "[sensor]\nports = ");
	for (int p = 1; p <= CONFIG_MAX_PORTS; p++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", p > 1 ? "," : "", p);
	snprintf(text + n, sizeof(text) - n, "\n");
	assert_int_equal(load(text), 0);
	assert_int_equal(cfg.nports, CONFIG_MAX_PORTS);
	assert_int_equal(cfg.ports[CONFIG_MAX_PORTS - 1], CONFIG_MAX_PORTS);
}

static void test_ipv6_listen_gives_af_inet6(void **state)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&cfg.listen_addr;

	(void)state;
	assert_int_equal(load("[metrics]\nlisten = [::1]:9100\n"), 0);
	assert_string_equal(cfg.listen, "[::1]:9100");
	assert_int_equal(cfg.listen_addr.ss_family, AF_INET6);
	assert_int_equal(cfg.listen_len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(s6->sin6_port), 9100);
	assert_memory_equal(&s6->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback));
}

static void test_config_load_reads_a_file(void **state)
{
	char path[64];
	int rc;

	(void)state;
	write_temp(path, full_file);
	rc = config_load(&cfg, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(cfg.nports, 3);
	assert_int_equal(cfg.ports[1], 587);
	assert_int_equal(cfg.max_series, 200);
	assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
}

static void test_config_load_of_empty_file_gives_defaults(void **state)
{
	char path[64];
	int rc;

	(void)state;
	write_temp(path, "");
	rc = config_load(&cfg, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(cfg.nports, 1);
	assert_int_equal(cfg.ports[0], 25);
	assert_int_equal(cfg.max_series, 5000);
}

/* ---- bad values --------------------------------------------------------- */

static void test_pid_namespace_is_self_by_default(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(cfg.maillog_pidns, 0);
	assert_int_equal(load("[maillog]\npid_namespace = self\n"), 0);
	assert_int_equal(cfg.maillog_pidns, 0);
}

static void test_pid_namespace_as_readlink_shows_it_or_as_a_number(void **state)
{
	(void)state;
	assert_int_equal(load("[maillog]\npid_namespace = pid:[4026532174]\n"), 0);
	assert_int_equal(cfg.maillog_pidns, 4026532174U);
	assert_int_equal(load("[maillog]\npid_namespace = 4026532175\n"), 0);
	assert_int_equal(cfg.maillog_pidns, 4026532175U);
}

static void test_pid_namespace_path_is_resolved_to_its_inode(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
	assert_int_equal(load("[maillog]\npid_namespace = /proc/self/ns/pid\n"), 0);
	assert_int_equal(cfg.maillog_pidns, (uint32_t)st.st_ino);
}

static void test_pid_namespace_that_is_not_one_is_refused(void **state)
{
	(void)state;
	assert_refused("[maillog]\npid_namespace = /proc/self/ns/net\n", 2, "pid_namespace",
		       "is not a PID namespace");
	assert_refused("[maillog]\npid_namespace = /etc/hostname\n", 2, "pid_namespace",
		       "is not a PID namespace");
	assert_refused("[maillog]\npid_namespace = /nonexistent/ns\n", 2, "pid_namespace",
		       "No such file");
	assert_refused("[maillog]\npid_namespace = pid:[12\n", 2, "pid_namespace",
		       "is not self, pid:[INODE]");
	assert_refused("[maillog]\npid_namespace = 12x\n", 2, "pid_namespace",
		       "is not self, pid:[INODE]");
	assert_refused("[maillog]\npid_namespace = 0\n", 2, "pid_namespace",
		       "is not self, pid:[INODE]");
	assert_refused("[maillog]\npid_namespace = 4294967296\n", 2, "pid_namespace",
		       "is not self, pid:[INODE]");
	assert_refused("[maillog]\npid_namespace = host\n", 2, "pid_namespace",
		       "is not self, pid:[INODE]");
}

static void test_maillog_root_is_the_hosts_by_default_or_a_directory(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_string_equal(cfg.maillog_root, "");
	assert_int_equal(load("[maillog]\nroot = /proc/self/root\n"), 0);
	assert_string_equal(cfg.maillog_root, "/proc/self/root");
	assert_refused("[maillog]\nroot = proc/1/root\n", 2, "root", "is not an absolute path");
	assert_refused("[maillog]\nroot = /nonexistent/root\n", 2, "root", "No such file");
	assert_refused("[maillog]\nroot = /etc/hostname\n", 2, "root", "is not a directory");
}

static void test_port_0_is_refused(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 0\n", 2, "ports", "'0' is not a number in 1..65535");
}

static void test_port_70000_is_refused(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 25, 70000\n", 2, "ports",
		       "'70000' is not a number in 1..65535");
}

static void test_port_with_trailing_letter_is_refused(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 25x\n", 2, "ports", "'25x' is not a number");
}

static void test_empty_ports_list_is_refused(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports =\n", 2, "ports", "at least one port is needed");
}

static void test_65_ports_are_refused(void **state)
{
	char text[512];
	size_t n;

	(void)state;
	/* compact, so the line fits inih's 200-byte line buffer */
	n = (size_t)snprintf(text, sizeof(text), "[sensor]\nports=");
	for (int p = 1; p <= CONFIG_MAX_PORTS + 1; p++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", p > 1 ? "," : "", p);
	snprintf(text + n, sizeof(text) - n, "\n");
	assert_refused(text, 2, "ports", "more than 64 ports");
}

static void test_listen_without_port_is_refused(void **state)
{
	(void)state;
	assert_refused("[metrics]\nlisten = 127.0.0.1\n", 2, "listen",
		       "'127.0.0.1' is not HOST:PORT");
}

static void test_listen_with_hostname_is_refused(void **state)
{
	(void)state;
	assert_refused("[metrics]\nlisten = localhost:9725\n", 2, "listen",
		       "'localhost:9725' is not HOST:PORT with a numeric IPv4 host");
}

static void test_listen_ipv6_without_colon_before_port_is_refused(void **state)
{
	(void)state;
	assert_refused("[metrics]\nlisten = [::1]9725\n", 2, "listen",
		       "'[::1]9725' is not HOST:PORT");
}

static void test_listen_port_0_is_refused(void **state)
{
	(void)state;
	assert_refused("[metrics]\nlisten = 127.0.0.1:0\n", 2, "listen",
		       "'127.0.0.1:0': port must be in 1..65535");
}

static void test_negative_max_series_is_refused(void **state)
{
	(void)state;
	assert_refused("[metrics]\nmax_series = -5\n", 2, "max_series",
		       "'-5' is not a number in 10..1000000");
}

static void test_incident_expiry_takes_seconds_or_a_unit_and_defaults_to_1h(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(cfg.detect.incident_expiry, 3600);
	assert_int_equal(cfg.detect.max_incidents_per_ip, 10);
	assert_int_equal(load("[detect]\nincident_expiry = 90\nmax_incidents_per_ip = 0\n"), 0);
	assert_int_equal(cfg.detect.incident_expiry, 90);
	assert_int_equal(cfg.detect.max_incidents_per_ip, 0);
	assert_int_equal(load("[detect]\nincident_expiry = 30m\n"), 0);
	assert_int_equal(cfg.detect.incident_expiry, 1800);
	assert_int_equal(load("[detect]\nincident_expiry = 2d\n"), 0);
	assert_int_equal(cfg.detect.incident_expiry, 172800);
	assert_int_equal(load("[detect]\nincident_expiry = 60\n"), 0);
	assert_refused("[detect]\nincident_expiry = 59\n", 2, "incident_expiry",
		       "'59' is not a duration in 60..2.592e+06 s");
	assert_refused("[detect]\nincident_expiry = 31d\n", 2, "incident_expiry",
		       "is not a duration");
	assert_refused("[detect]\nincident_expiry = 1w\n", 2, "incident_expiry",
		       "is not a duration");
	assert_refused("[detect]\nincident_expiry = -1h\n", 2, "incident_expiry",
		       "is not a duration");
	assert_refused("[detect]\nincident_expiry = h\n", 2, "incident_expiry",
		       "is not a duration");
	assert_refused("[detect]\n\nmax_incidents_per_ip = ten\n", 3, "max_incidents_per_ip",
		       "is not a number in 0..100000");
}

static void test_non_numeric_max_series_is_refused(void **state)
{
	(void)state;
	assert_refused("[metrics]\nmax_series = abc\n", 2, "max_series",
		       "'abc' is not a number in 10..1000000");
}

static void test_relative_cgroup_root_is_refused(void **state)
{
	(void)state;
	assert_refused("[sensor]\ncgroup_root = relative/path\n", 2, "cgroup_root",
		       "'relative/path' is neither 'auto' nor an absolute path");
}

static void test_unknown_log_level_is_refused(void **state)
{
	(void)state;
	assert_refused("[daemon]\nlog_level = loud\n", 2, "log_level",
		       "'loud' is not one of warn, info, debug");
}

static void test_unknown_key_in_known_section_is_refused(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 25\nbogus = 1\n", 3, "bogus",
		       "unknown key in [sensor]");
}

static void test_unknown_section_is_refused(void **state)
{
	(void)state;
	assert_refused("[foo]\nbar = 1\n", 2, "bar", "unknown section [foo]");
}

static void test_key_of_another_section_is_refused(void **state)
{
	(void)state;
	assert_refused("[daemon]\nports = 25\n", 2, "ports", "unknown key in [daemon]");
}

static void test_hash_starts_a_comment_after_a_value(void **state)
{
	(void)state;
	assert_int_equal(load("[sensor]\nports = 25, 587 # smtp and submission\n"), 0);
	assert_int_equal(cfg.nports, 2);
	assert_int_equal(cfg.ports[1], 587);
}

static void test_indented_continuation_line_is_a_syntax_error(void **state)
{
	(void)state;
	/* inih's multi-line mode would silently make this ports = 587 */
	assert_int_equal(load("[sensor]\nports = 25\n  587\n"), -1);
	assert_error(NAME ":3: syntax error: ", "expected");
}

static void test_line_too_long_is_refused_with_its_line(void **state)
{
	char text[6000];

	(void)state;
	snprintf(text, sizeof(text), "[sensor]\n# %0*d\nports = 0\n", 5000, 0);
	assert_int_equal(load(text), -1);
	assert_error(NAME ":2: line too long", "at most");
}

static void test_long_ports_line_within_the_limit_is_read_whole(void **state)
{
	char text[2048];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "[sensor]\nports = ");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%d", i ? ", " : "", 10000 + i);
	snprintf(text + n, sizeof(text) - n, "\n[metrics]\nmax_series = 0\n");
	assert_int_equal(load(text), -1);
	/* the error is on line 4, so line 2 (over 400 bytes) was one line */
	assert_refused(text, 4, "max_series", "not a number");
	snprintf(text + n, sizeof(text) - n, "\n");
	assert_int_equal(load(text), 0);
	assert_int_equal(cfg.nports, 64);
	assert_int_equal(cfg.ports[63], 10063);
}

static void test_empty_item_in_a_list_is_refused(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 25,,587\n", 2, "ports", "empty item");
	assert_refused("[sensor]\nports = 25, ,587\n", 2, "ports", "empty item");
	assert_refused("[sensor]\nports = 25,\n", 2, "ports", "empty item");
}

static void test_maillog_defaults(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(cfg.nmaillog_paths, 1);
	assert_string_equal(cfg.maillog_paths[0], "/var/log/mail.log");
	assert_string_equal(cfg.maillog_format, "auto");
	assert_false(cfg.maillog_from_beginning);
	assert_int_equal(cfg.nsyslog_names, 1);
	assert_string_equal(cfg.syslog_names[0], "postfix");
	assert_string_equal(cfg.state_dir, "/var/lib/smtp-sentinel");
	assert_int_equal(cfg.nlocal_domains, 0);
	assert_true(cfg.local_domains_auto);
	assert_int_equal(cfg.detect.domains, DETECT_DOMAINS_AUTO);
	assert_string_equal(cfg.detect.state_dir, "/var/lib/smtp-sentinel");
}

static void test_local_domains_are_read_and_checked(void **state)
{
	(void)state;
	assert_int_equal(load("[maillog]\nlocal_domains = example.org, mail.example.org\n"), 0);
	assert_int_equal(cfg.nlocal_domains, 2);
	assert_string_equal(cfg.local_domains[1], "mail.example.org");
	assert_int_equal(cfg.detect.domains, DETECT_DOMAINS_LIST);
	assert_false(cfg.local_domains_auto);
	assert_refused("[maillog]\nlocal_domains = exa mple.org\n", 2, "local_domains",
		       "not a domain name");
	assert_refused("[maillog]\nlocal_domains = a.org,,b.org\n", 2, "local_domains",
		       "empty item");
}

static void test_local_domains_auto_none_and_mixed(void **state)
{
	(void)state;
	assert_int_equal(load("[maillog]\nlocal_domains = auto, extra.example\n"), 0);
	assert_true(cfg.local_domains_auto);
	assert_int_equal(cfg.detect.domains, DETECT_DOMAINS_AUTO);
	assert_int_equal(cfg.nlocal_domains, 1);
	assert_string_equal(cfg.local_domains[0], "extra.example");
	assert_int_equal(load("[maillog]\nlocal_domains = none\n"), 0);
	assert_int_equal(cfg.detect.domains, DETECT_DOMAINS_NONE);
	assert_int_equal(load("[maillog]\nlocal_domains =\n"), 0);
	assert_int_equal(cfg.detect.domains, DETECT_DOMAINS_NONE);
	assert_false(cfg.local_domains_auto);
}

static void test_new_signal_keys_are_read_and_checked(void **state)
{
	(void)state;
	assert_int_equal(load("[detect]\nmax_new_domains = 0\nvolume_factor = 0\n"
			      "volume_floor = 5\nvolume_learn = 0\nmax_histories = 100\n"), 0);
	assert_int_equal(cfg.detect.max_new_domains, 0);
	assert_true(cfg.detect.volume_factor == 0);
	assert_int_equal(cfg.detect.volume_floor, 5);
	assert_int_equal(cfg.detect.volume_learn, 0);
	assert_int_equal(cfg.detect.max_histories, 100);
	assert_refused("[detect]\nvolume_factor = 1\n", 2, "volume_factor", "1.5..1000");
	assert_refused("[detect]\nvolume_floor = 0\n", 2, "volume_floor", "1..");
	assert_refused("[detect]\nmax_histories = 3\n", 2, "max_histories", "16..");
}

static void test_maillog_keys_are_read(void **state)
{
	(void)state;
	assert_int_equal(load("[maillog]\npath = /var/log/mail.log, /var/log/postfix.log\n"
			      "format = postfix\nstart = beginning\n"
			      "syslog_names = postfix, postfix-out\n"
			      "[daemon]\nstate_dir = /srv/sentinel\n"), 0);
	assert_int_equal(cfg.nmaillog_paths, 2);
	assert_string_equal(cfg.maillog_paths[1], "/var/log/postfix.log");
	assert_string_equal(cfg.maillog_format, "postfix");
	assert_true(cfg.maillog_from_beginning);
	assert_int_equal(cfg.nsyslog_names, 2);
	assert_string_equal(cfg.syslog_names[1], "postfix-out");
	assert_string_equal(cfg.state_dir, "/srv/sentinel");
	assert_int_equal(load("[maillog]\nformat = sendmail\n"), 0);
	assert_string_equal(cfg.maillog_format, "sendmail");
	assert_int_equal(load("[maillog]\nformat = exim\n"), 0);
	assert_string_equal(cfg.maillog_format, "exim");
}

static void test_maillog_path_none_disables_the_maillog(void **state)
{
	(void)state;
	assert_int_equal(load("[maillog]\npath = none\n"), 0);
	assert_int_equal(cfg.nmaillog_paths, 0);
}

static void test_bad_maillog_values_are_refused(void **state)
{
	(void)state;
	assert_refused("[maillog]\npath = mail.log\n", 2, "path", "not an absolute path");
	assert_refused("[maillog]\nformat = qmail\n", 2, "format",
		       "not one of auto, postfix, sendmail, exim");
	assert_refused("[maillog]\nstart = middle\n", 2, "start", "not one of end, beginning");
	assert_refused("[maillog]\nsyslog_names = post fix\n", 2, "syslog_names",
		       "not a syslog name");
	assert_refused("[daemon]\nstate_dir = state\n", 2, "state_dir", "not an absolute path");
}

static void test_detect_and_actions_defaults(void **state)
{
	(void)state;
	assert_int_equal(load(""), 0);
	assert_int_equal(cfg.detect.max_messages_per_minute, 60);
	assert_int_equal(cfg.detect.max_recipients_per_minute, 300);
	assert_int_equal(cfg.detect.nallow, 0);
	assert_int_equal(cfg.detect.noverrides, 0);
	assert_string_equal(cfg.incident_log, "/var/lib/smtp-sentinel/incidents.log");
	assert_false(cfg.actions.enforce);
	assert_false(cfg.actions.hold_all);
	assert_false(cfg.actions.trust_syslog_file);	/* a syslog file informs, never acts */
	assert_true(cfg.actions.act_on_uid);
	assert_int_equal(cfg.actions.spam, SPAM_QUARANTINE);
	assert_string_equal(cfg.actions.sasl_access_map, "/etc/postfix/sasl_access");
	assert_string_equal(cfg.actions.quarantine_dir, "/var/lib/smtp-sentinel/quarantine");
	assert_string_equal(cfg.actions.state_dir, "/var/lib/smtp-sentinel");
	assert_string_equal(cfg.control_socket, "/run/smtp-sentinel/control.sock");
}

static void test_detect_and_actions_keys_are_read(void **state)
{
	(void)state;
	assert_int_equal(load("[daemon]\nstate_dir = /srv/s\n"
			      "[detect]\nmax_messages_per_minute = 30\n"
			      "allow_identities = sasl:newsletter, uid:*\n"
			      "overrides = sasl:newsletter=5000, client:10.0.0.1=120\n"
			      "foreign_ratio = 0.5\n"
			      "[actions]\nmode = enforce\nhold_scope = all\nspam = keep\n"
			      "sasl_access_map =\nlock_hook = /usr/local/bin/lock\n"
			      "trust_syslog_file = yes\nact_on_uid = no\n"
			      "[control]\nsocket = none\n"), 0);
	assert_int_equal(cfg.detect.max_messages_per_minute, 30);
	assert_int_equal(cfg.detect.nallow, 2);
	assert_string_equal(cfg.detect.allow[1], "uid:*");
	assert_int_equal(cfg.detect.noverrides, 2);
	assert_string_equal(cfg.detect.overrides[0].identity, "sasl:newsletter");
	assert_int_equal(cfg.detect.overrides[0].messages_per_minute, 5000);
	assert_int_equal(cfg.detect.overrides[1].messages_per_minute, 120);
	assert_true(cfg.detect.foreign_ratio > 0.49 && cfg.detect.foreign_ratio < 0.51);
	assert_true(cfg.actions.enforce);
	assert_true(cfg.actions.hold_all);
	assert_int_equal(cfg.actions.spam, SPAM_KEEP);
	assert_string_equal(cfg.actions.sasl_access_map, "");
	assert_string_equal(cfg.actions.lock_hook, "/usr/local/bin/lock");
	assert_true(cfg.actions.trust_syslog_file);
	assert_false(cfg.actions.act_on_uid);
	assert_string_equal(cfg.control_socket, "");
	/* derived from state_dir when not set */
	assert_string_equal(cfg.incident_log, "/srv/s/incidents.log");
	assert_string_equal(cfg.actions.state_dir, "/srv/s");
}

static void test_bad_detect_and_actions_values_are_refused(void **state)
{
	(void)state;
	assert_refused("[detect]\nmax_messages_per_minute = 0\n", 2,
		       "max_messages_per_minute", "not a number in 1..");
	assert_refused("[detect]\nallow_identities = newsletter\n", 2, "allow_identities",
		       "not an identity");
	assert_refused("[detect]\noverrides = sasl:news\n", 2, "overrides",
		       "not IDENTITY=MESSAGES_PER_MINUTE");
	assert_refused("[detect]\noverrides = sasl:a=5, sasl:a=6\n", 2, "overrides",
		       "overridden twice");
	assert_refused("[detect]\noverrides = sasl:a=many\n", 2, "overrides", "not a number");
	assert_refused("[detect]\nforeign_ratio = 1.5\n", 2, "foreign_ratio",
		       "not a number in 0.01..1");
	assert_refused("[detect]\nspike_factor = nan\n", 2, "spike_factor", "not a number");
	assert_refused("[actions]\nmode = punish\n", 2, "mode", "not one of observe, enforce");
	assert_refused("[actions]\nhold_scope = some\n", 2, "hold_scope",
		       "not one of identity, all");
	assert_refused("[actions]\ntrust_syslog_file = true\n", 2, "trust_syslog_file",
		       "not one of no, yes");
	assert_refused("[actions]\nact_on_uid = 1\n", 2, "act_on_uid", "not one of no, yes");
	assert_refused("[actions]\nspam = burn\n", 2, "spam",
		       "not one of quarantine, delete, keep");
	assert_refused("[actions]\nlock_hook = lock.sh\n", 2, "lock_hook", "not an absolute path");
	assert_refused("[actions]\nquarantine_dir =\n", 2, "quarantine_dir",
		       "not an absolute path");
	assert_refused("[actions]\nretries = 11\n", 2, "retries", "not a number in 0..10");
	assert_refused("[control]\nsocket = ctl.sock\n", 2, "socket", "not an absolute path");
}

/* The shipped file documents every key with its default: loading it must
 * give exactly the built-in defaults. */
static void test_shipped_config_is_the_defaults(void **state)
{
	static struct config shipped;

	(void)state;
	if (config_load(&shipped, "scripts/sentinel.conf", err, sizeof(err)) < 0) {
		print_error("%s\n", err);
		fail();
	}
	config_defaults(&cfg);
	/* what the keys mean; the values as written differ (config_diff()) */
	assert_memory_equal(&shipped, &cfg, offsetof(struct config, value_at));
	assert_int_equal(config_diff(&shipped, &cfg, NULL, NULL, NULL), 0);
}

static void test_line_that_is_not_ini_is_a_syntax_error(void **state)
{
	(void)state;
	assert_int_equal(load("[sensor]\nports = 25\nthis is not ini\n"), -1);
	assert_error(NAME ":3: syntax error: ", "expected '[section]' or 'key = value'");
}

static void test_error_on_line_7_after_valid_lines_reports_line_7(void **state)
{
	(void)state;
	assert_refused("# comment\n"
		       "[sensor]\n"
		       "ports = 25, 587\n"
		       "\n"
		       "[metrics]\n"
		       "listen = 127.0.0.1:9100\n"
		       "max_series = 3\n"
		       "[daemon]\n"
		       "log_level = info\n",
		       7, "max_series", "'3' is not a number in 10..1000000");
}

static void test_error_on_last_line_without_newline_reports_its_line(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 25\n[daemon]\nlog_level = loud", 4, "log_level",
		       "'loud' is not one of");
}

static void test_first_of_two_bad_values_wins(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 0\n[daemon]\nlog_level = loud\n", 2, "ports",
		       "'0' is not a number");
}

static void test_syntax_error_before_bad_value_wins(void **state)
{
	(void)state;
	assert_int_equal(load("[sensor]\nnot ini\nports = 0\n"), -1);
	assert_error(NAME ":2: syntax error: ", "expected");
}

static void test_bad_value_before_syntax_error_wins(void **state)
{
	(void)state;
	assert_refused("[sensor]\nports = 0\nnot ini\n", 2, "ports", "'0' is not a number");
}

static void test_config_load_error_is_labelled_with_the_path(void **state)
{
	char path[64], prefix[128];
	int rc;

	(void)state;
	write_temp(path, "[sensor]\nports = 25\n\n[daemon]\nlog_level = loud\n");
	rc = config_load(&cfg, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, -1);
	snprintf(prefix, sizeof(prefix), "%s:5: log_level: ", path);
	assert_error(prefix, "'loud' is not one of warn, info, debug");
}

static void test_config_load_of_missing_file_reports_cannot_open(void **state)
{
	const char *path = "/tmp/test_config.does-not-exist/sentinel.conf";

	(void)state;
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp/test_config.does-not-exist/sentinel.conf: "
			    "cannot open: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_string_gives_default_ports_25),
		cmocka_unit_test(test_empty_string_gives_default_cgroup_root_auto),
		cmocka_unit_test(test_empty_string_gives_default_listen_127_0_0_1_9725),
		cmocka_unit_test(test_empty_string_gives_default_max_series_5000),
		cmocka_unit_test(test_empty_string_gives_default_log_level_info),
		cmocka_unit_test(test_full_file_with_comments_sets_every_key),
		cmocka_unit_test(test_duplicate_ports_are_listed_once),
		cmocka_unit_test(test_64_ports_are_accepted),
		cmocka_unit_test(test_ipv6_listen_gives_af_inet6),
		cmocka_unit_test(test_config_load_reads_a_file),
		cmocka_unit_test(test_config_load_of_empty_file_gives_defaults),
		cmocka_unit_test(test_pid_namespace_is_self_by_default),
		cmocka_unit_test(test_pid_namespace_as_readlink_shows_it_or_as_a_number),
		cmocka_unit_test(test_pid_namespace_path_is_resolved_to_its_inode),
		cmocka_unit_test(test_pid_namespace_that_is_not_one_is_refused),
		cmocka_unit_test(test_maillog_root_is_the_hosts_by_default_or_a_directory),
		cmocka_unit_test(test_port_0_is_refused),
		cmocka_unit_test(test_port_70000_is_refused),
		cmocka_unit_test(test_port_with_trailing_letter_is_refused),
		cmocka_unit_test(test_empty_ports_list_is_refused),
		cmocka_unit_test(test_65_ports_are_refused),
		cmocka_unit_test(test_listen_without_port_is_refused),
		cmocka_unit_test(test_listen_with_hostname_is_refused),
		cmocka_unit_test(test_listen_ipv6_without_colon_before_port_is_refused),
		cmocka_unit_test(test_listen_port_0_is_refused),
		cmocka_unit_test(test_negative_max_series_is_refused),
		cmocka_unit_test(test_incident_expiry_takes_seconds_or_a_unit_and_defaults_to_1h),
		cmocka_unit_test(test_non_numeric_max_series_is_refused),
		cmocka_unit_test(test_relative_cgroup_root_is_refused),
		cmocka_unit_test(test_unknown_log_level_is_refused),
		cmocka_unit_test(test_unknown_key_in_known_section_is_refused),
		cmocka_unit_test(test_unknown_section_is_refused),
		cmocka_unit_test(test_key_of_another_section_is_refused),
		cmocka_unit_test(test_hash_starts_a_comment_after_a_value),
		cmocka_unit_test(test_indented_continuation_line_is_a_syntax_error),
		cmocka_unit_test(test_line_too_long_is_refused_with_its_line),
		cmocka_unit_test(test_long_ports_line_within_the_limit_is_read_whole),
		cmocka_unit_test(test_empty_item_in_a_list_is_refused),
		cmocka_unit_test(test_maillog_defaults),
		cmocka_unit_test(test_maillog_keys_are_read),
		cmocka_unit_test(test_local_domains_are_read_and_checked),
		cmocka_unit_test(test_local_domains_auto_none_and_mixed),
		cmocka_unit_test(test_new_signal_keys_are_read_and_checked),
		cmocka_unit_test(test_maillog_path_none_disables_the_maillog),
		cmocka_unit_test(test_bad_maillog_values_are_refused),
		cmocka_unit_test(test_detect_and_actions_defaults),
		cmocka_unit_test(test_detect_and_actions_keys_are_read),
		cmocka_unit_test(test_bad_detect_and_actions_values_are_refused),
		cmocka_unit_test(test_shipped_config_is_the_defaults),
		cmocka_unit_test(test_line_that_is_not_ini_is_a_syntax_error),
		cmocka_unit_test(test_error_on_line_7_after_valid_lines_reports_line_7),
		cmocka_unit_test(test_error_on_last_line_without_newline_reports_its_line),
		cmocka_unit_test(test_first_of_two_bad_values_wins),
		cmocka_unit_test(test_syntax_error_before_bad_value_wins),
		cmocka_unit_test(test_bad_value_before_syntax_error_wins),
		cmocka_unit_test(test_config_load_error_is_labelled_with_the_path),
		cmocka_unit_test(test_config_load_of_missing_file_reports_cannot_open),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
