/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * postconf.h - read Postfix's own configuration through postconf(1).
 *
 * postconf_get() runs `BIN_DIR/postconf [-c CONFIG_DIR] -h -x NAME` with
 * run_sync() (run.h: an argv, no shell, a timeout) and returns the value
 * on one line, with `$name` references expanded (-x) as Postfix itself
 * reads them.  Used at start-up and on reload only: which log Postfix
 * writes (maillog_file), which domains are its own (mydestination, ...).
 *
 * Limits: POSTCONF_TIMEOUT seconds per call; a value longer than cap-1
 * bytes, or one that spans several lines, is refused, not cut.
 */
#ifndef SENTINEL_POSTCONF_H
#define SENTINEL_POSTCONF_H

#include <stddef.h>

#define POSTCONF_TIMEOUT 10.0

/* 0 with the value in out (may be ""), or -1 with the reason in err
 * (postconf missing, failed, or the value did not fit). config_dir ""
 * is Postfix's default (/etc/postfix). */
int postconf_get(const char *bin_dir, const char *config_dir, const char *name,
		 char *out, size_t cap, char *err, size_t errcap);

#endif
