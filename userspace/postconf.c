// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postconf.c - one Postfix parameter through postconf(1) (see postconf.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postconf.h"
#include "run.h"

int postconf_get(const char *bin_dir, const char *config_dir, const char *name,
		 char *out, size_t cap, char *err, size_t errcap)
{
	char bin[PATH_MAX], why[RUN_ERR_MAX + 64];
	const char *argv[8];
	struct run_result *res;
	size_t n = 0, len;
	int rc = -1;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	snprintf(bin, sizeof(bin), "%s/postconf", bin_dir);
	argv[n++] = bin;
	if (config_dir && config_dir[0]) {
		argv[n++] = "-c";
		argv[n++] = config_dir;
	}
	argv[n++] = "-h";
	argv[n++] = "-x";
	argv[n++] = "--";
	argv[n++] = name;
	argv[n] = NULL;

	res = malloc(sizeof(*res));	/* RUN_OUT_MAX: too big for the stack */
	if (!res) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	const struct run_spec spec = { .argv = argv, .timeout = POSTCONF_TIMEOUT };

	if (run_sync(&spec, res) < 0 || !run_ok(res)) {
		run_describe(res, why, sizeof(why));
		snprintf(err, errcap, "%s %s: %s", bin, name, why);
		goto out;
	}
	len = res->out_len;
	while (len > 0 && (res->out[len - 1] == '\n' || res->out[len - 1] == '\r'))
		len--;
	if (res->out_dropped || len >= cap || memchr(res->out, '\n', len) ||
	    memchr(res->out, '\0', len)) {
		snprintf(err, errcap, "%s %s: the value does not fit in %zu bytes on one line",
			 bin, name, cap - 1);
		goto out;
	}
	memcpy(out, res->out, len);
	out[len] = '\0';
	rc = 0;
out:
	free(res);
	return rc;
}
