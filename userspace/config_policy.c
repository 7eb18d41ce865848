// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_policy.c - the parsers of the [detect], [actions] and [control]
 * keys: what decides and what acts.  The key table is in config.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

/* [detect] counts: inih gives the handler no key name, so one small
 * parser per key, generated. */
#define DETECT_UINT(field, lo, hi)							\
	int parse_##field(struct config *cfg, const char *value, char *err,	\
				 size_t errlen)						\
	{										\
		unsigned long v;							\
											\
		if (config_parse_u32(value, lo, hi, &v, err, errlen) < 0)			\
			return -1;							\
		cfg->detect.field = (unsigned)v;					\
		return 0;								\
	}
DETECT_UINT(max_messages_per_minute, 1, 10000000)
DETECT_UINT(max_recipients_per_minute, 1, 100000000)
DETECT_UINT(spike_floor, 1, 10000000)
DETECT_UINT(spike_min, 1, 1000000)
DETECT_UINT(spike_learn, 1, 1440)
DETECT_UINT(foreign_min, 1, 1000000)
DETECT_UINT(max_client_ips, 1, DETECT_DISTINCT - 1)
DETECT_UINT(bounce_min, 1, 1000000)
DETECT_UINT(bruteforce_failures, 1, 1000000)
DETECT_UINT(max_flows_per_minute, 1, 100000000)
DETECT_UINT(max_incidents_per_ip, 0, 100000)
DETECT_UINT(max_new_domains, 0, 1000000)
DETECT_UINT(volume_floor, 1, 10000000)
DETECT_UINT(volume_learn, 0, 10080)

static int parse_ratio(const char *value, double min, double max, double *out,
		       char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(value, &end);
	if (errno || end == value || *end != '\0' || !(v >= min && v <= max)) {
		snprintf(err, errlen, "'%s' is not a number in %g..%g", value, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int parse_spike_factor(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_ratio(value, 1.5, 1000, &cfg->detect.spike_factor, err, errlen);
}

int parse_foreign_ratio(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_ratio(value, 0.01, 1, &cfg->detect.foreign_ratio, err, errlen);
}

int parse_volume_factor(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "0") == 0) {
		cfg->detect.volume_factor = 0;	/* off */
		return 0;
	}
	return parse_ratio(value, 1.5, 1000, &cfg->detect.volume_factor, err, errlen);
}

int parse_max_histories(struct config *cfg, const char *value, char *err, size_t errlen)
{
	unsigned long v;

	if (config_parse_u32(value, 16, 10000000, &v, err, errlen) < 0)
		return -1;
	cfg->detect.max_histories = v;
	return 0;
}

int parse_bounce_ratio(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_ratio(value, 0.01, 1, &cfg->detect.bounce_ratio, err, errlen);
}

/* A duration: seconds, or a number with s, m, h or d ("90", "30m", "1h"). */
int config_parse_duration(const char *value, double min, double max, double *out,
			  char *err, size_t errlen)
{
	static const struct { char unit; double seconds; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char *end = NULL;
	double v = -1;

	errno = 0;
	if (*value >= '0' && *value <= '9')	/* no sign, no blank, no "inf" */
		v = strtod(value, &end);
	if (!end)
		goto bad;
	if (!errno && *end && !end[1]) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]) && units[i].unit != *end; i++)
			;
		if (i < sizeof(units) / sizeof(units[0])) {
			v *= units[i].seconds;
			end++;
		}
	}
	if (errno || *end != '\0' || !(v >= min && v <= max))
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a duration in %g..%g s (a number of seconds, "
		 "or with s, m, h or d)", value, min, max);
	return -1;
}

int parse_incident_expiry(struct config *cfg, const char *value, char *err, size_t errlen)
{
	double v;

	if (config_parse_duration(value, 60, 30 * 86400, &v, err, errlen) < 0)
		return -1;
	cfg->detect.incident_expiry = (unsigned)v;
	return 0;
}

int parse_max_identities(struct config *cfg, const char *value, char *err, size_t errlen)
{
	unsigned long v;

	if (config_parse_u32(value, 16, 10000000, &v, err, errlen) < 0)
		return -1;
	cfg->detect.max_identities = v;
	return 0;
}

/* An identity or a pattern of one: KIND:REST with a kind sentineld makes,
 * printable ASCII without blanks or commas. */
static int check_identity(const char *item, bool pattern, char *err, size_t errlen)
{
	static const char *const kinds[] = { "sasl:", "uid:", "client:", "cgroup:", "proc:" };
	size_t n = strlen(item);
	bool kind = false;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		kind |= strncmp(item, kinds[i], strlen(kinds[i])) == 0;
	if (pattern && (strcmp(item, "*") == 0))
		kind = true;
	if (!kind) {
		snprintf(err, errlen, "'%s' is not an identity: sasl:LOGIN, uid:N, client:IP, "
			 "cgroup:PATH or proc:COMM", item);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (item[i] <= ' ' || item[i] == 0x7f || item[i] == '=') {
			snprintf(err, errlen, "'%s': blanks, control characters and '=' "
				 "are not allowed", item);
			return -1;
		}
	if (n >= DETECT_PATTERN_MAX || n >= MSG_IDENTITY_MAX) {
		snprintf(err, errlen, "'%.32s...' is too long", item);
		return -1;
	}
	return 0;
}

static int add_allow(struct config *cfg, const char *item, char *err, size_t errlen)
{
	if (check_identity(item, true, err, errlen) < 0)
		return -1;
	if (cfg->detect.nallow == DETECT_MAX_ALLOW) {
		snprintf(err, errlen, "more than %d patterns", DETECT_MAX_ALLOW);
		return -1;
	}
	strcpy(cfg->detect.allow[cfg->detect.nallow++], item);
	return 0;
}

int parse_allow(struct config *cfg, const char *value, char *err, size_t errlen)
{
	cfg->detect.nallow = 0;
	if (*value == '\0')
		return 0;
	return config_for_each_item(cfg, value, add_allow, err, errlen);
}

static int add_override(struct config *cfg, const char *item, char *err, size_t errlen)
{
	const char *eq = strrchr(item, '=');
	char identity[MSG_IDENTITY_MAX];
	unsigned long rate;
	size_t n;

	if (!eq) {
		snprintf(err, errlen, "'%s' is not IDENTITY=MESSAGES_PER_MINUTE", item);
		return -1;
	}
	n = (size_t)(eq - item);
	if (n >= sizeof(identity)) {
		snprintf(err, errlen, "'%.32s...' is too long", item);
		return -1;
	}
	memcpy(identity, item, n);
	identity[n] = '\0';
	if (check_identity(identity, false, err, errlen) < 0 ||
	    config_parse_u32(eq + 1, 1, 100000000, &rate, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < cfg->detect.noverrides; i++)
		if (strcmp(cfg->detect.overrides[i].identity, identity) == 0) {
			snprintf(err, errlen, "'%s' is overridden twice", identity);
			return -1;
		}
	if (cfg->detect.noverrides == DETECT_MAX_OVERRIDES) {
		snprintf(err, errlen, "more than %d overrides", DETECT_MAX_OVERRIDES);
		return -1;
	}
	strcpy(cfg->detect.overrides[cfg->detect.noverrides].identity, identity);
	cfg->detect.overrides[cfg->detect.noverrides++].messages_per_minute = (unsigned)rate;
	return 0;
}

int parse_overrides(struct config *cfg, const char *value, char *err, size_t errlen)
{
	cfg->detect.noverrides = 0;
	if (*value == '\0')
		return 0;
	return config_for_each_item(cfg, value, add_override, err, errlen);
}

int config_copy_path(char *dst, size_t cap, const char *value, bool empty_ok,
		     char *err, size_t errlen)
{
	if (*value == '\0' && empty_ok) {
		dst[0] = '\0';
		return 0;
	}
	if (value[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path", value);
		return -1;
	}
	if (strlen(value) >= cap) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	strcpy(dst, value);
	return 0;
}

#define PATH_PARSER(fn, field, empty_ok)						\
	int fn(struct config *cfg, const char *value, char *err, size_t errlen)	\
	{										\
		return config_copy_path(cfg->field, sizeof(cfg->field), value, empty_ok,	\
				 err, errlen);						\
	}
PATH_PARSER(parse_incident_log, incident_log, true)
PATH_PARSER(parse_sasl_access_map, actions.sasl_access_map, true)
PATH_PARSER(parse_lock_hook, actions.lock_hook, true)
PATH_PARSER(parse_action_hook, actions.action_hook, true)
PATH_PARSER(parse_quarantine_dir, actions.quarantine_dir, false)
PATH_PARSER(parse_postfix_config_dir, actions.postfix_config_dir, true)
PATH_PARSER(parse_postfix_bin_dir, actions.postfix_bin_dir, false)

int parse_control_socket(struct config *cfg, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "none") == 0) {
		cfg->control_socket[0] = '\0';
		return 0;
	}
	/* sun_path bounds it, not PATH_MAX */
	return config_copy_path(cfg->control_socket, sizeof(cfg->control_socket), value, false,
			 err, errlen);
}

/* One of the words; the index into *out. */
static int parse_word(const char *value, const char *const *words, int *out,
		      char *err, size_t errlen)
{
	char list[128] = "";

	for (int i = 0; words[i]; i++) {
		if (strcmp(value, words[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", words[i]);
	}
	snprintf(err, errlen, "'%s' is not one of %s", value, list);
	return -1;
}

int parse_mode(struct config *cfg, const char *value, char *err, size_t errlen)
{
	static const char *const words[] = { "observe", "enforce", NULL };
	int i;

	if (parse_word(value, words, &i, err, errlen) < 0)
		return -1;
	cfg->actions.enforce = i == 1;
	return 0;
}

int parse_hold_scope(struct config *cfg, const char *value, char *err, size_t errlen)
{
	static const char *const words[] = { "identity", "all", NULL };
	int i;

	if (parse_word(value, words, &i, err, errlen) < 0)
		return -1;
	cfg->actions.hold_all = i == 1;
	return 0;
}

static int parse_yes_no(const char *value, bool *out, char *err, size_t errlen)
{
	static const char *const words[] = { "no", "yes", NULL };
	int i;

	if (parse_word(value, words, &i, err, errlen) < 0)
		return -1;
	*out = i == 1;
	return 0;
}

int parse_trust_syslog_file(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_yes_no(value, &cfg->actions.trust_syslog_file, err, errlen);
}

int parse_act_on_uid(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_yes_no(value, &cfg->actions.act_on_uid, err, errlen);
}

int parse_spam(struct config *cfg, const char *value, char *err, size_t errlen)
{
	static const char *const words[] = { "quarantine", "delete", "keep", NULL };
	static const enum spam_policy policies[] = { SPAM_QUARANTINE, SPAM_DELETE, SPAM_KEEP };
	int i;

	if (parse_word(value, words, &i, err, errlen) < 0)
		return -1;
	cfg->actions.spam = policies[i];
	return 0;
}

int parse_action_timeout(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_ratio(value, 0.1, 3600, &cfg->actions.timeout, err, errlen);
}

int parse_cooldown(struct config *cfg, const char *value, char *err, size_t errlen)
{
	return parse_ratio(value, 0, 86400, &cfg->actions.cooldown, err, errlen);
}

int parse_retries(struct config *cfg, const char *value, char *err, size_t errlen)
{
	unsigned long v;

	if (config_parse_u32(value, 0, 10, &v, err, errlen) < 0)
		return -1;
	cfg->actions.retries = (unsigned)v;
	return 0;
}

