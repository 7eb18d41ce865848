/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - sentineld configuration: one table of keys, parsed with inih.
 *
 * config_load() fills a struct config from the defaults of the key table,
 * then from an INI file.  A bad value, an unknown key or section and a
 * syntax error are refused with "FILE:LINE: key: reason" in err; the caller
 * exits with status 2.  Defaults go through the same parsers as file values,
 * so a default can never be something the file could not say.
 *
 * Reload (SIGHUP, `sentinelctl reload`): config_diff() compares two loaded
 * configurations key by key, on what their values mean ("25, 587" is
 * "25,587"), and says for each key that changed whether it can change at
 * run time; the key table says which cannot (listen address, ports, the
 * maillog's paths, state and control socket paths, table sizes).  The
 * values are kept as written (at most CONFIG_VALUES_MAX bytes in all) so
 * the change can be logged as it was written.
 */
#ifndef SENTINEL_CONFIG_H
#define SENTINEL_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "actions.h"
#include "detect.h"
#include "log.h"

#define CONFIG_DEFAULT_PATH "/etc/smtp-sentinel/sentinel.conf"
#define CONFIG_MAX_PORTS 64	/* SENTINEL_MAX_PORTS */
#define CONFIG_ERR_LEN 512
#define CONFIG_MAX_MAILLOGS 8
#define CONFIG_MAX_SYSLOG_NAMES 8
#define CONFIG_MAX_LOCAL_DOMAINS 64
#define CONFIG_MAX_JOURNAL_MATCHES 8	/* JOURNAL_MAX_MATCHES */
#define CONFIG_JOURNAL_MATCH_MAX 256	/* JOURNAL_MATCH_MAX */

/* [maillog] source: where the maillog is read from */
enum maillog_source { MAILLOG_SOURCE_AUTO, MAILLOG_SOURCE_FILE, MAILLOG_SOURCE_JOURNAL };
#define CONFIG_MAX_KEYS 128		/* rows of the key table */
#define CONFIG_VALUES_MAX 32768	/* the values as written, in all */

struct config {
	/* [sensor] */
	uint16_t ports[CONFIG_MAX_PORTS];
	size_t nports;
	char cgroup_root[PATH_MAX];	/* "auto" or an absolute path */

	/* [metrics] */
	char listen[128];		/* as written, for messages */
	struct sockaddr_storage listen_addr;
	socklen_t listen_len;
	unsigned max_series;
	char tls_cert[PATH_MAX];	/* "": plain HTTP; else with tls_key */
	char tls_key[PATH_MAX];
	char basic_auth_file[PATH_MAX];	/* "": no authentication */

	/* [maillog] */
	char maillog_paths[CONFIG_MAX_MAILLOGS][PATH_MAX];
	size_t nmaillog_paths;		/* 0: path = none */
	char maillog_format[16];	/* auto, postfix, sendmail, exim */
	bool maillog_from_beginning;	/* start = beginning */
	char syslog_names[CONFIG_MAX_SYSLOG_NAMES][32];
	size_t nsyslog_names;
	/* the listed domains, then (auto) Postfix's, added at start-up by
	 * sentineld (postfix_domains()) */
	char local_domains[CONFIG_MAX_LOCAL_DOMAINS][256];
	size_t nlocal_domains;
	size_t nlocal_domains_listed;	/* of those, listed in the file */
	bool local_domains_auto;	/* "auto": see detect.h, domains.h */
	enum maillog_source maillog_source;
	char journal_match[CONFIG_MAX_JOURNAL_MATCHES][CONFIG_JOURNAL_MATCH_MAX];
	size_t njournal_match;
	char journal_dir[PATH_MAX];	/* "": the system journal */
	/* the inode number of the PID namespace the maillog's pids are of
	 * (correlate.h); 0: sentineld's own (self) */
	uint32_t maillog_pidns;
	/* the root of the container the MTA runs in (croot.h): its users,
	 * paths and postconf; "": the host's */
	char maillog_root[PATH_MAX];

	/* [daemon] */
	enum log_level log_level;
	char state_dir[PATH_MAX];

	/* [detect] */
	struct detect_config detect;
	char incident_log[PATH_MAX];	/* "": state_dir/incidents.log */

	/* [actions]; actions.state_dir is [daemon] state_dir */
	struct actions_config actions;

	/* [control] */
	char control_socket[108];	/* sun_path; "" : none */

	/* each key's value as written: values + value_at[key], 0 (or a key
	 * never set) for its default; for config_diff() */
	uint16_t value_at[CONFIG_MAX_KEYS];
	uint16_t values_len;
	char values[CONFIG_VALUES_MAX];
};

/* A key whose value differs between two configurations. */
struct config_change {
	const char *section, *key;
	const char *before, *after;	/* as written, or the default */
	bool restart;			/* cannot change at run time */
};

/* Defaults only.  Never fails. */
void config_defaults(struct config *cfg);

/* 0, or -1 with "FILE:LINE: key: reason" (or "FILE: reason") in err. */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Same, from a string: for tests and --check-config of stdin.  name labels errors. */
int config_load_string(struct config *cfg, const char *name, const char *text,
		       char *err, size_t errlen);

/* fn (may be NULL) for each key that means something else in b than in
 * a, in the order of the key table.  Returns how many keys changed; *restart
 * (may be NULL) how many of those cannot change at run time. */
size_t config_diff(const struct config *a, const struct config *b,
		   void (*fn)(const struct config_change *c, void *arg), void *arg,
		   size_t *restart);

/*
 * A reload: path loaded into next and compared with live.  1 when next may
 * replace live, with the changes in msg, one a line ("[detect]
 * max_messages_per_minute: '60' -> '5'"); 0 when nothing changed ("no
 * change"); -1 when next must not be used, with why in msg: the load's
 * "FILE:LINE: key: reason", or "FILE: [metrics] listen cannot change at
 * run time (restart sentineld to apply it)" naming each such key.
 */
int config_reload(const struct config *live, struct config *next, const char *path,
		  char *msg, size_t cap);

/* The inode number of the PID namespace of an nsfs file (/proc/PID/ns/pid,
 * or a bind mount of one) into *ino; -1 with why in err when path is no
 * PID namespace.  sentineld's own: config_pidns("/proc/self/ns/pid"). */
int config_pidns(const char *path, uint32_t *ino, char *err, size_t errlen);

/* "host:port" or "[v6]:port", numeric host: the parser behind [metrics] listen. */
int config_parse_listen(const char *value, struct sockaddr_storage *ss,
			socklen_t *len, char *err, size_t errlen);
/* A duration in min..max seconds: a number of seconds, or one with the unit
 * s, m, h or d ("90", "30m", "1h", "1.5d"): [detect] incident_expiry and
 * sentinelctl dismiss --allow. */
int config_parse_duration(const char *value, double min, double max, double *out,
			  char *err, size_t errlen);

#endif
