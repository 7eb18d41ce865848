/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_int.h - what config.c (the key table, inih) and config_policy.c
 * (the parsers of [detect], [actions] and [control]) share.  Not for
 * other modules.
 */
#ifndef SENTINEL_CONFIG_INT_H
#define SENTINEL_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef int (*config_parse_fn)(struct config *cfg, const char *value,
			       char *err, size_t errlen);

/* A decimal in min..max; else err says so. */
int config_parse_u32(const char *value, unsigned long min, unsigned long max,
		     unsigned long *out, char *err, size_t errlen);
/* fn for each item of a comma list, blanks trimmed; empty items refused. */
int config_for_each_item(struct config *cfg, const char *value,
			 int (*fn)(struct config *cfg, const char *item, char *err, size_t errlen),
			 char *err, size_t errlen);

/* An absolute path into dst (cap bytes), or "" when empty_ok and value is
 * empty; else err says why. */
int config_copy_path(char *dst, size_t cap, const char *value, bool empty_ok,
		     char *err, size_t errlen);

/* The key parsers of config_policy.c, named after their keys. */
int parse_spike_factor(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_foreign_ratio(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_bounce_ratio(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_identities(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_allow(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_overrides(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_control_socket(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_mode(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_hold_scope(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_spam(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_trust_syslog_file(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_act_on_uid(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_action_timeout(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_cooldown(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_retries(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_messages_per_minute(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_recipients_per_minute(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_spike_floor(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_spike_min(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_spike_learn(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_foreign_min(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_client_ips(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_bounce_min(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_bruteforce_failures(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_incident_expiry(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_incidents_per_ip(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_flows_per_minute(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_new_domains(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_volume_factor(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_volume_floor(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_volume_learn(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_max_histories(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_incident_log(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_sasl_access_map(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_lock_hook(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_action_hook(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_quarantine_dir(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_postfix_config_dir(struct config *cfg, const char *value, char *err, size_t errlen);
int parse_postfix_bin_dir(struct config *cfg, const char *value, char *err, size_t errlen);

#endif
