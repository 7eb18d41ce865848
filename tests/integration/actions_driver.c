// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * actions_driver.c - run one action request through the real action engine
 * and print its events (for tests/integration/test_actions.sh).
 *
 *   actions_driver --state DIR [options] REQUEST IDENTITY
 *   actions_driver --state DIR [options] resume
 *
 * REQUEST: respond, lock, unlock, hold, release, quarantine; resume submits
 * nothing and finishes what DIR/actions.state left unfinished.  Options:
 *   --enforce --manual --all --hold-all --spam quarantine|delete|keep
 *   --postfix-config DIR --postfix-bin DIR --map MAP --quarantine DIR
 *   --lock-hook PATH --action-hook PATH --incident ID --json TEXT
 *   --qid QID (repeatable) --session PID:IP (repeatable)
 *   --timeout S --retries N --cooldown S --wait S
 *   --untrusted  as from an untrusted maillog (the default: trusted)
 *   --daemon-dir DIR  Postfix's daemon_directory, for the session cut
 *   --abandon   exit as soon as the first command runs, leaving the
 *               request unfinished in DIR/actions.state
 * Output, one line per event:
 *   event ACTION RESULT count=N ms=DURATION detail=TEXT
 * then "locked LOGIN" per lock and "stats held=N locked=N queued=N".
 * Exit status: 0 when the queue emptied, 1 when --wait ran out, 2 on usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "actions.h"
#include "log.h"
#include "run.h"

static void on_event(const struct action_event *ev, void *arg)
{
	(void)arg;
	printf("event %s %s count=%zu ms=%.1f detail=%s\n", action_kind_name(ev->kind),
	       action_result_name(ev->result), ev->count, ev->duration * 1000, ev->detail);
	fflush(stdout);
}

static void copy(char *dst, size_t cap, const char *src)
{
	if (strlen(src) >= cap) {
		fprintf(stderr, "actions_driver: too long: %s\n", src);
		exit(2);
	}
	memcpy(dst, src, strlen(src) + 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int request_kind(const char *s)
{
	static const char *const names[] = { "respond", "lock", "unlock", "hold", "release",
					     "quarantine" };

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "enforce", no_argument, NULL, 'e' },
		{ "manual", no_argument, NULL, 'm' },
		{ "all", no_argument, NULL, 'a' },
		{ "hold-all", no_argument, NULL, 'A' },
		{ "spam", required_argument, NULL, 'S' },
		{ "postfix-config", required_argument, NULL, 'c' },
		{ "postfix-bin", required_argument, NULL, 'b' },
		{ "map", required_argument, NULL, 'M' },
		{ "quarantine", required_argument, NULL, 'Q' },
		{ "lock-hook", required_argument, NULL, 'L' },
		{ "action-hook", required_argument, NULL, 'H' },
		{ "incident", required_argument, NULL, 'i' },
		{ "json", required_argument, NULL, 'j' },
		{ "qid", required_argument, NULL, 'q' },
		{ "session", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'r' },
		{ "cooldown", required_argument, NULL, 'C' },
		{ "wait", required_argument, NULL, 'w' },
		{ "abandon", no_argument, NULL, 'X' },
		{ "untrusted", no_argument, NULL, 'U' },
		{ "daemon-dir", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	static char qids[ACTIONS_MAX_QIDS][POSTFIX_QID_MAX];
	static struct action_session sessions[ACTIONS_MAX_SESSIONS];
	static struct actions_config cfg = { .timeout = 30, .retries = 2, .spam = SPAM_QUARANTINE,
					     .act_on_uid = true };
	static struct action_request req;
	struct actions_callbacks cb = { .done = on_event };
	struct actions_stats st;
	struct runner *rn;
	struct actions *a;
	const char *logins[64];
	double wait = 60, deadline;
	bool abandon = false, resume, trusted = true;
	char err[256];
	int c, kind;

	log_init(argv[0], LOG_LEVEL_WARN);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': copy(cfg.state_dir, sizeof(cfg.state_dir), optarg); break;
		case 'e': cfg.enforce = true; break;
		case 'm': req.manual = true; break;
		case 'a': req.all = true; break;
		case 'A': cfg.hold_all = true; break;
		case 'S':
			cfg.spam = strcmp(optarg, "delete") == 0 ? SPAM_DELETE :
				   strcmp(optarg, "keep") == 0 ? SPAM_KEEP : SPAM_QUARANTINE;
			break;
		case 'c': copy(cfg.postfix_config_dir, sizeof(cfg.postfix_config_dir), optarg); break;
		case 'b': copy(cfg.postfix_bin_dir, sizeof(cfg.postfix_bin_dir), optarg); break;
		case 'M': copy(cfg.sasl_access_map, sizeof(cfg.sasl_access_map), optarg); break;
		case 'Q': copy(cfg.quarantine_dir, sizeof(cfg.quarantine_dir), optarg); break;
		case 'L': copy(cfg.lock_hook, sizeof(cfg.lock_hook), optarg); break;
		case 'H': copy(cfg.action_hook, sizeof(cfg.action_hook), optarg); break;
		case 'i': copy(req.incident, sizeof(req.incident), optarg); break;
		case 'j': req.incident_json = optarg; break;
		case 'q':
			if (req.nqids < ACTIONS_MAX_QIDS)
				copy(qids[req.nqids++], POSTFIX_QID_MAX, optarg);
			break;
		case 'p': {
			char *colon = strchr(optarg, ':');

			if (!colon || req.nsessions >= ACTIONS_MAX_SESSIONS)
				return 2;
			sessions[req.nsessions].pid = strtol(optarg, NULL, 10);
			copy(sessions[req.nsessions].client_ip, POSTFIX_IP_MAX, colon + 1);
			req.nsessions++;
			break;
		}
		case 't': cfg.timeout = strtod(optarg, NULL); break;
		case 'r': cfg.retries = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'C': cfg.cooldown = strtod(optarg, NULL); break;
		case 'w': wait = strtod(optarg, NULL); break;
		case 'X': abandon = true; break;
		case 'U': trusted = false; break;
		case 'D':
			copy(cfg.postfix_daemon_dir, sizeof(cfg.postfix_daemon_dir), optarg);
			break;
		default: return 2;
		}
	}
	resume = optind < argc && strcmp(argv[optind], "resume") == 0;
	kind = optind < argc ? request_kind(argv[optind]) : -1;
	if (!cfg.state_dir[0] || (!resume && (kind < 0 || optind + 2 != argc))) {
		fprintf(stderr, "usage: actions_driver --state DIR [options] REQUEST IDENTITY | resume\n");
		return 2;
	}
	rn = runner_new();
	a = rn ? actions_new(&cfg, rn, &cb) : NULL;
	if (!a)
		return 1;
	actions_set_trust(a, trusted);
	if (!resume) {
		req.kind = (enum request_kind)kind;
		copy(req.identity, sizeof(req.identity), argv[optind + 1]);
		req.qids = (const char (*)[POSTFIX_QID_MAX])qids;
		req.sessions = sessions;
		if (actions_submit(a, &req, err, sizeof(err)) < 0) {
			printf("refused %s\n", err);
			actions_free(a);
			runner_free(rn);
			return 1;
		}
	}
	deadline = now() + wait;
	for (;;) {
		struct epoll_event ev;

		actions_tick(a);
		actions_stats(a, &st);
		if (st.queued == 0 || now() > deadline || (abandon && runner_running(rn) > 0))
			break;
		if (epoll_wait(runner_fd(rn), &ev, 1, 50) < 0 && errno != EINTR)
			break;
		runner_dispatch(rn);
		runner_tick(rn);
	}
	for (size_t i = 0, n = actions_locks(a, logins, 64); i < n; i++)
		printf("locked %s\n", logins[i]);
	printf("stats held=%llu locked=%llu queued=%llu\n", (unsigned long long)st.held,
	       (unsigned long long)st.locked, (unsigned long long)st.queued);
	actions_free(a);
	if (abandon)
		return 0;	/* the running command is left behind, as in a crash */
	runner_free(rn);
	return st.queued == 0 ? 0 : 1;
}
