// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * postconf.c - Postfix's parameters in one postconf(1) call (see postconf.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "postconf.h"

const char *const postconf_names[POSTCONF_NPARAMS] = {
	[POSTCONF_MAIL_OWNER] = "mail_owner",
	[POSTCONF_DAEMON_DIRECTORY] = "daemon_directory",
	[POSTCONF_COMMAND_DIRECTORY] = "command_directory",
	[POSTCONF_QUEUE_DIRECTORY] = "queue_directory",
	[POSTCONF_MAILLOG_FILE] = "maillog_file",
	[POSTCONF_MYDOMAIN] = "mydomain",
	[POSTCONF_MYDESTINATION] = "mydestination",
	[POSTCONF_VIRTUAL_ALIAS_DOMAINS] = "virtual_alias_domains",
	[POSTCONF_VIRTUAL_MAILBOX_DOMAINS] = "virtual_mailbox_domains",
	[POSTCONF_RELAY_DOMAINS] = "relay_domains",
};

/* One `NAME = VALUE` (or `NAME =`) line, cut in place: the value of a
 * name asked for, the first time it appears. */
static void take_line(struct postconf *pc, char *line)
{
	char *eq = strstr(line, " =");

	if (!eq || (eq[2] != '\0' && eq[2] != ' '))
		return;
	*eq = '\0';
	for (int i = 0; i < POSTCONF_NPARAMS; i++)
		if (!pc->value[i] && strcmp(line, postconf_names[i]) == 0) {
			pc->value[i] = eq[2] ? eq + 3 : eq + 2;
			return;
		}
}

int postconf_read(struct postconf *pc, const char *bin_dir, const char *config_dir)
{
	char bin[PATH_MAX], why[RUN_ERR_MAX + 64];
	const char *argv[POSTCONF_NPARAMS + 8];
	struct run_result *res = xmalloc(sizeof(*res));	/* RUN_OUT_MAX: too big for the stack */
	size_t n = 0;

	memset(pc, 0, sizeof(*pc));
	snprintf(bin, sizeof(bin), "%s/postconf", bin_dir);
	argv[n++] = bin;
	if (config_dir && config_dir[0]) {
		argv[n++] = "-c";
		argv[n++] = config_dir;
	}
	argv[n++] = "-x";
	argv[n++] = "--";
	for (int i = 0; i < POSTCONF_NPARAMS; i++)
		argv[n++] = postconf_names[i];
	argv[n] = NULL;

	const struct run_spec spec = { .argv = argv, .timeout = POSTCONF_TIMEOUT };

	if (run_sync(&spec, res) < 0 || !run_ok(res)) {
		run_describe(res, why, sizeof(why));
		snprintf(pc->err, sizeof(pc->err), "%s: %s", bin, why);
		goto fail;
	}
	if (res->out_dropped || memchr(res->out, '\0', res->out_len)) {
		snprintf(pc->err, sizeof(pc->err), "%s: its output is not text of at most %d bytes",
			 bin, RUN_OUT_MAX);
		goto fail;
	}
	pc->text = xmalloc(res->out_len + 1);
	memcpy(pc->text, res->out, res->out_len);
	pc->text[res->out_len] = '\0';
	for (char *line = pc->text, *save = NULL; (line = strtok_r(line, "\r\n", &save));
	     line = NULL)
		take_line(pc, line);
	free(res);
	return 0;
fail:
	log_warnx("Postfix's parameters are unknown, defaults apply: %s", pc->err);
	free(res);
	return -1;
}

const char *postconf_get(const struct postconf *pc, enum postconf_param p, const char **why)
{
	const char *v = pc ? pc->value[p] : NULL;

	if (!v && why)
		*why = !pc ? "Postfix's parameters not read" : pc->err[0] ? "postconf failed" :
		       "not a parameter of this Postfix";
	return v;
}

void postconf_free(struct postconf *pc)
{
	if (!pc)
		return;
	free(pc->text);
	memset(pc, 0, sizeof(*pc));
}
