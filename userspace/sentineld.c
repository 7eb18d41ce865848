// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sentineld.c - the daemon: options, set-up, and the one event loop.
 *
 * One epoll loop, no threads: signalfd (SIGTERM/SIGINT stop, SIGHUP
 * reloads), a timerfd that drains the flow ring buffer every
 * DRAIN_MS and every POLL_MS polls the counter maps and the maillogs,
 * saves the maillog positions and follows a container's restart (its new
 * PID namespace, whose pids its maillog carries: croot_pidns_get()), the ring buffer's own fd (readable only when
 * the kernel forces a wakeup because the buffer is filling), one inotify fd
 * per maillog, libmicrohttpd's epoll fd, the command runner's epoll fd
 * (the children of actions: pidfds and pipes) and the control socket.  A
 * scrape polls the maps and the maillogs first, so /metrics is exact as
 * of the request.
 *
 * Under systemd (Type=notify, sd_notify(3)): READY=1 once the programs are
 * attached and the maillog is open (RELOADING=1 then READY=1 around a
 * reload), a STATUS= line (mode, the maillog's
 * trust, lines/s, open incidents) when it changes, WATCHDOG=1 from the
 * timer when the unit sets WatchdogSec= (a stuck loop stops the pings and
 * systemd restarts the daemon), STOPPING=1 on the way out.  Without
 * NOTIFY_SOCKET these do nothing.
 *
 * Reload (SIGHUP, or `sentinelctl reload` through the control socket):
 * the file is read again into a new struct config; a bad file, or one that
 * changes a key that cannot change at run time (config.c's key table says
 * which), is refused as a whole and the configuration in force stays.
 * Otherwise Postfix's parameters are read again (postconf.h: one postconf
 * call, as at start-up, where every module that needs one is handed the
 * same read), the detector and the action engine take the new settings
 * (respond_reconfigure()), each changed key is logged, and nothing is
 * detached, reset or reopened: BPF programs and counters, windows,
 * incidents, the message table and the maillog positions go on.  The
 * modules opened at start-up (sensor, maillog, control, HTTP) keep
 * pointers into the start-up configuration, which lives until exit; a
 * configuration replaced by a reload is freed only once the loop's pass
 * that replaced it is over, so a pass never sees its configuration change
 * under it.
 *
 * Exit status: 0 on a signal, 1 on a start-up failure (no root, no BPF, no
 * cgroup v2, port in use), 2 on a bad configuration or usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/types.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "croot.h"
#include "control.h"
#include "correlate.h"
#include "counters.h"
#include "domains.h"
#include "history.h"
#include "httpd.h"
#include "log.h"
#include "maillog/engine.h"
#include "metrics.h"
#include "postconf.h"
#include "respond.h"
#include "run.h"
#include "sensor.h"
#include "sentinel.h"
#include "series.h"
#include "text.h"

#ifndef SENTINEL_VERSION
#define SENTINEL_VERSION "0.0.0-dev"
#endif

#define DRAIN_MS 100
#define POLL_MS 1000

enum { SRC_SIGNAL, SRC_TIMER, SRC_EVENTS, SRC_HTTP, SRC_MAILLOG, SRC_RUNNER, SRC_CONTROL };

struct daemon {
	struct config cfg;		/* at start-up: what the modules opened */
	struct config *live;		/* in force: cfg, or a reload's */
	struct config *retired;		/* replaced in this pass; freed after it */
	struct postconf postconf;	/* Postfix's parameters, as of start-up or the last reload */
	const char *path;
	bool debug;			/* -d: the log level is not the file's */
	struct counters counters;
	struct series_table *flows;
	struct series_table *identities;
	struct correlator *correlator;
	struct croot_proc croot;	/* [maillog] root's process, for pidns */
	struct croot_pidns pidns;	/* the maillog's PID namespace, followed */
	struct sensor *sensor;
	struct httpd *httpd;
	struct maillog *maillog;
	struct runner *runner;
	struct respond *respond;
	struct control *control;
	int epfd, sigfd, timerfd;
	unsigned ticks;
	/* sd_notify: WATCHDOG=1 every watchdog_ticks ticks (0: off), the
	 * lines read at the last STATUS=, and the last STATUS= sent */
	unsigned watchdog_ticks;
	uint64_t status_lines;
	char status[160];
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sentineld [-c FILE] [--check-config] [-d] [--log-prefix] [-h] [-V]\n"
		"\n"
		"Count outbound connect() to SMTP ports per cgroup, uid and process\n"
		"with eBPF, follow the mail log, detect compromised accounts and\n"
		"outbound spam, act on them (observe or enforce mode), and serve the\n"
		"counts to Prometheus.\n"
		"\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"      --check-config  parse the configuration, report, and exit\n"
		"  -d, --debug         log at debug level (overrides [daemon] log_level)\n"
		"      --log-prefix    start each log line with its syslog priority, <N>\n"
		"                      (on by itself when stderr is the journal)\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n"
		"\n"
		"Runs in the foreground and logs to stderr.  Needs root (BPF, cgroup v2).\n"
		"Exit status: 0 after SIGTERM/SIGINT, 1 if it cannot start, 2 on a bad\n"
		"configuration.  See sentineld(8) and sentinel.conf(5).\n",
		CONFIG_DEFAULT_PATH);
}

/*
 * The PID namespace whose pids the maillog's lines carry ([maillog]
 * pid_namespace), for the correlator: sentineld's own unless configured.
 * With [maillog] root, when it is the container's init's, it follows the
 * container's restarts (maillog_pidns_follow()).
 */
static int maillog_pidns(struct daemon *d, uint32_t *pidns)
{
	const struct config *cfg = &d->cfg;
	char err[512];
	uint32_t self;

	if (config_pidns("/proc/self/ns/pid", &self, err, sizeof(err)) < 0) {
		log_errx("pid namespace: %s", err);
		return -1;
	}
	*pidns = cfg->maillog_pidns ? cfg->maillog_pidns : self;
	croot_pidns_init(&d->pidns, cfg->maillog_pidns, "/proc", cfg->maillog_root, &d->croot);
	if (*pidns == self)
		log_info("maillog pids: sentineld's own pid namespace (pid:[%u])", (unsigned)self);
	else
		log_info("maillog pids: pid namespace pid:[%u] ([maillog] pid_namespace; "
			 "sentineld's own is pid:[%u]): only flows of processes there are "
			 "attributed%s", (unsigned)*pidns, (unsigned)self, d->pidns.follows ?
			 "; it is the namespace of the container's init, followed when the "
			 "container restarts" : !croot_is_host(cfg->maillog_root) ?
			 "; not the namespace of the container's init now: not followed" :
			 " (no [maillog] root: not followed when the container restarts)");
	return 0;
}

/* Every POLL_MS: a restarted container has a new init in a new PID
 * namespace, whose pids its log carries from then on. */
static void maillog_pidns_follow(struct daemon *d)
{
	uint32_t was = d->pidns.now, now;

	if (!d->pidns.follows)
		return;
	now = croot_pidns_get(&d->pidns, "/proc", d->cfg.maillog_root, &d->croot);
	if (now == was)
		return;
	correlator_set_pidns(d->correlator, now);
	log_info("maillog pids: the container at %s restarted: its PID namespace is now "
		 "pid:[%u] (was pid:[%u]): its flows are attributed there", d->cfg.maillog_root,
		 (unsigned)now, (unsigned)was);
}

/*
 * [maillog] local_domains = auto: add Postfix's own domains (pc) to the
 * listed ones (the message table calls their senders local), and say
 * what was found, and what the detector learned from the traffic before
 * (its history file), on out (--check-config) or in the log.
 */
static void postfix_domains(struct config *cfg, const struct postconf *pc, FILE *out)
{
	char (*found)[DOMAINS_NAME_MAX] = xcalloc(CONFIG_MAX_LOCAL_DOMAINS, DOMAINS_NAME_MAX);
	char note[1024], err[512], names[2048] = "";
	size_t n = 0, len = 0;
	int rc;

	if (!cfg->local_domains_auto) {
		for (size_t i = 0; i < cfg->nlocal_domains; i++)
			len += (size_t)snprintf(names + len, len < sizeof(names) ?
						sizeof(names) - len : 0, "%s%s", i ? ", " : "",
						cfg->local_domains[i]);
		if (out)
			fprintf(out, "local_domains: %s\n", n || cfg->nlocal_domains ? names :
				"none (no sender domain is foreign)");
		free(found);
		return;
	}
	rc = domains_from_postfix(pc, found, CONFIG_MAX_LOCAL_DOMAINS, &n, note, sizeof(note), err,
				  sizeof(err));
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < cfg->nlocal_domains && !dup; j++)
			dup = strcasecmp(cfg->local_domains[j], found[i]) == 0;
		if (!dup && cfg->nlocal_domains < CONFIG_MAX_LOCAL_DOMAINS)
			strcpy(cfg->local_domains[cfg->nlocal_domains++], found[i]);
	}
	for (size_t i = 0; i < cfg->nlocal_domains; i++)
		len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
					"%s%s", i ? ", " : "", cfg->local_domains[i]);
	if (out) {
		fprintf(out, "local_domains: auto\n");
		fprintf(out, "  Postfix's and listed: %s\n", cfg->nlocal_domains ? names : "none");
		if (rc < 0)
			fprintf(out, "  Postfix's domains unknown: %s\n", pc->err[0] ? pc->err : err);
		if (note[0])
			fprintf(out, "  not read (tables, files; learned from the traffic instead): %s\n",
				note);
	} else {
		log_info("local_domains = auto: Postfix's and listed: %s", cfg->nlocal_domains ?
			 names : "none");
		if (rc < 0)
			log_warnx("local_domains = auto: Postfix's domains unknown (%s): learned "
				  "from the traffic only", err);
		if (note[0])
			log_info("local_domains = auto: not read (tables, files; learned from the "
				 "traffic instead): %s", note);
	}
	free(found);
}

static void print_learned(const char *domain, uint32_t last, void *arg)
{
	size_t *n = arg;

	(void)last;
	if ((*n)++ < 20)
		printf("%s%s", *n > 1 ? ", " : "    ", domain);
}

/* --check-config: what the detector learned, from its history file. */
static void print_history(const struct config *cfg)
{
	struct history_table *h = history_new(cfg->detect.max_histories);
	struct domains *learned = domains_new();
	size_t n = 0;

	if (history_load(h, learned, cfg->state_dir) == 0) {
		struct domains_stats ds;

		domains_stats(learned, &ds);
		printf("  learned from the traffic (%s/%s): %" PRIu64 " sender domains, "
		       "%zu identities' histories\n", cfg->state_dir, HIST_FILE, ds.learned,
		       history_count(h));
		domains_each_learned(learned, print_learned, &n);
		if (n)
			printf("%s\n", n > 20 ? ", ..." : "");
	}
	domains_free(learned);
	history_free(h);
}

static void render(struct expo *e, void *arg)
{
	struct daemon *d = arg;
	struct metrics_sources src = {
		.counters = &d->counters,
		.tables = { [TABLE_FLOWS] = d->flows, [TABLE_IDENTITIES] = d->identities },
		.version = SENTINEL_VERSION,
	};

	sensor_drain(d->sensor);
	sensor_poll(d->sensor);
	if (d->maillog)
		maillog_poll(d->maillog);
	d->counters.scrapes++;
	metrics_render(&src, e);
}

static void on_flow(const struct flow_event *e, void *arg)
{
	struct daemon *d = arg;
	const char *claimed = correlator_flow(d->correlator, e);
	struct timespec ts;

	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		char comm[SENTINEL_COMM_LEN + 1], esc[4 * SENTINEL_COMM_LEN + 1];
		char addr[INET6_ADDRSTRLEN] = "?";

		memcpy(comm, e->comm, SENTINEL_COMM_LEN);
		comm[SENTINEL_COMM_LEN] = '\0';
		text_escape(esc, sizeof(esc), comm);
		inet_ntop(e->family, e->daddr, addr, sizeof(addr));
		log_debug("flow: %s pid %u (%u in pid:[%u]) to %s port %u: %s, %s", esc,
			  (unsigned)e->tgid, (unsigned)e->ns_tgid, (unsigned)e->pidns, addr,
			  (unsigned)e->dport, e->outcome == FLOW_ESTABLISHED ? "established" : "failed",
			  claimed ? (claimed[0] ? "attributed" : "unattributed") : "pending");
	}

	if (e->outcome == FLOW_ESTABLISHED) {
		clock_gettime(CLOCK_REALTIME, &ts);
		respond_flow(d->respond, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, claimed);
	}
}

/*
 * Half the watchdog interval, in ticks of the timer; 0 when systemd does
 * not ask for pings (no WatchdogSec=, or they are for another pid).
 */
static unsigned watchdog_ticks(void)
{
	uint64_t usec = 0;
	uint64_t ticks;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	ticks = usec / 2 / ((uint64_t)DRAIN_MS * 1000);
	log_info("systemd watchdog: %.1f s, pinged every %.1f s", (double)usec / 1e6,
		 (double)(ticks ? ticks : 1) * DRAIN_MS / 1000);
	return ticks ? (unsigned)ticks : 1;
}

/* STATUS= for systemctl status: a few words, sent when they change. */
static void notify_status(struct daemon *d)
{
	const struct counters *c = &d->counters;
	uint64_t lines = c->maillog_parsed + c->maillog_ignored + c->maillog_unparsed;
	char status[sizeof(d->status)];
	const char *input = "no maillog";

	if (d->maillog)
		input = maillog_trust(d->maillog, NULL) == MAILLOG_TRUSTED ?
			"maillog trusted" : "maillog untrusted";
	snprintf(status, sizeof(status), "%s mode, %s, %.0f lines/s, %" PRIu64 " incident%s open",
		 d->live->actions.enforce ? "enforce" : "observe", input,
		 (double)(lines - d->status_lines) * 1000 / POLL_MS, c->incidents_open,
		 c->incidents_open == 1 ? "" : "s");
	d->status_lines = lines;
	if (strcmp(status, d->status) == 0)
		return;
	memcpy(d->status, status, sizeof(status));
	sd_notifyf(0, "STATUS=%s", status);
}

/*
 * Read the configuration again and put it in force, or refuse it whole
 * (config_reload()).  0 with the changes in msg (one a line, or "no
 * change"), or -1 with the reason; both logged.
 */
static int reload(char *msg, size_t cap, void *arg)
{
	struct daemon *d = arg;
	struct config *cfg = xmalloc(sizeof(*cfg));
	struct postconf pc = { 0 };
	int rc;

	sd_notify(0, "RELOADING=1");
	rc = config_reload(d->live, cfg, d->path, msg, cap);
	if (rc > 0)
		postconf_read_root(&pc, cfg->maillog_root, cfg->actions.postfix_bin_dir,
				   cfg->actions.postfix_config_dir);
	if (rc > 0 && respond_reconfigure(d->respond, cfg, &pc) < 0) {
		snprintf(msg, cap, "%s: the actions' settings were refused (see the log)", d->path);
		rc = -1;
	}
	d->counters.config_last_reload_ok = rc >= 0;
	if (rc < 0)
		d->counters.config_reloads_refused++;
	else
		d->counters.config_reloads_ok++;
	if (rc <= 0) {
		if (rc < 0)
			log_warnx("reload refused, the configuration in force stays: %s", msg);
		else
			log_info("reload of %s: no change", d->path);
		free(cfg);
		postconf_free(&pc);
		sd_notify(0, "READY=1");
		return rc;
	}
	postconf_free(&d->postconf);
	d->postconf = pc;
	if (!d->debug)
		log_set_level(cfg->log_level);
	for (char *line = msg, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		log_info("reload: %.*s", nl ? (int)(nl - line) : (int)strlen(line), line);
		if (!nl)
			break;
	}
	free(d->retired);	/* a second reload in the same pass */
	d->retired = d->live == &d->cfg ? NULL : d->live;
	d->live = cfg;
	sd_notify(0, "READY=1");
	return 0;
}

static int watch(struct daemon *d, int fd, uint32_t src)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = src };

	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("epoll_ctl");
		return -1;
	}
	return 0;
}

static int setup_loop(struct daemon *d)
{
	struct itimerspec its = {
		.it_interval = { 0, DRAIN_MS * 1000000L },
		.it_value = { 0, DRAIN_MS * 1000000L },
	};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_warn("sigprocmask"), -1;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0)
		return log_warn("creating the event loop"), -1;
	if (timerfd_settime(d->timerfd, 0, &its, NULL) < 0)
		return log_warn("timerfd_settime"), -1;
	if (watch(d, d->sigfd, SRC_SIGNAL) || watch(d, d->timerfd, SRC_TIMER) ||
	    watch(d, sensor_event_fd(d->sensor), SRC_EVENTS) ||
	    watch(d, httpd_fd(d->httpd), SRC_HTTP) ||
	    watch(d, runner_fd(d->runner), SRC_RUNNER) ||
	    (d->control && watch(d, control_fd(d->control), SRC_CONTROL)))
		return -1;
	for (size_t i = 0; d->maillog && i < maillog_nfds(d->maillog); i++)
		if (watch(d, maillog_fd(d->maillog, i), SRC_MAILLOG))
			return -1;
	return 0;
}

/* Returns when a stop signal arrives. */
static void run(struct daemon *d)
{
	struct epoll_event evs[8];

	for (;;) {
		int n;

		/* a reload in the last pass: nothing holds the old one now */
		free(d->retired);
		d->retired = NULL;
		n = epoll_wait(d->epfd, evs, 8, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case SRC_SIGNAL: {
				struct signalfd_siginfo si;

				while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						char msg[4096];

						log_info("SIGHUP: reloading %s", d->path);
						reload(msg, sizeof(msg), d);
						continue;
					}
					log_info("%s: stopping", strsignal((int)si.ssi_signo));
					return;
				}
				break;
			}
			case SRC_TIMER: {
				uint64_t expirations;

				if (read(d->timerfd, &expirations, sizeof(expirations)) < 0)
					break;
				sensor_drain(d->sensor);
				runner_tick(d->runner);
				respond_drain(d->respond);
				if (d->watchdog_ticks && (d->ticks + 1) % d->watchdog_ticks == 0)
					sd_notify(0, "WATCHDOG=1");
				if (++d->ticks % (POLL_MS / DRAIN_MS) == 0) {
					sensor_poll(d->sensor);
					maillog_pidns_follow(d);
					correlator_expire(d->correlator);
					respond_tick(d->respond);
					if (d->control)
						control_tick(d->control);
					if (d->maillog) {
						/* inotify's safety net, and the saved position */
						maillog_poll(d->maillog);
						maillog_save(d->maillog);
					}
					notify_status(d);
				}
				httpd_run(d->httpd);	/* its timeouts */
				break;
			}
			case SRC_MAILLOG:
				/* A delivery line is written after its connect:
				 * take the flow events first, so the line finds
				 * the flow it joins. */
				sensor_drain(d->sensor);
				maillog_poll(d->maillog);
				/* an incident opened by these lines acts now */
				respond_drain(d->respond);
				break;
			case SRC_EVENTS:
				sensor_drain(d->sensor);
				break;
			case SRC_HTTP:
				httpd_run(d->httpd);
				break;
			case SRC_RUNNER:
				runner_dispatch(d->runner);
				respond_drain(d->respond);
				break;
			case SRC_CONTROL:
				control_dispatch(d->control);
				respond_drain(d->respond);
				break;
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "debug", no_argument, NULL, 'd' },
		{ "log-prefix", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	char err[CONFIG_ERR_LEN];
	bool check = false, debug = false;
	struct daemon d = { .epfd = -1, .sigfd = -1, .timerfd = -1, .live = &d.cfg };
	int c, status = 1;
	uint32_t pidns;

	log_init(argv[0], LOG_LEVEL_INFO);
	while ((c = getopt_long(argc, argv, "c:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'P':
			log_set_prefix(true);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sentineld %s\n", SENTINEL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_load(&d.cfg, path, err, sizeof(err)) < 0 ||
	    httpd_check(&d.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (check) {
		printf("%s: OK\n", path);
		if (d.cfg.local_domains_auto)
			postconf_read_root(&d.postconf, d.cfg.maillog_root,
					   d.cfg.actions.postfix_bin_dir,
					   d.cfg.actions.postfix_config_dir);
		postfix_domains(&d.cfg, &d.postconf, stdout);
		if (d.cfg.local_domains_auto)
			print_history(&d.cfg);
		postconf_free(&d.postconf);
		return 0;
	}
	d.path = path;
	d.debug = debug;
	d.counters.config_last_reload_ok = 1;
	log_set_level(debug ? LOG_LEVEL_DEBUG : d.cfg.log_level);
	log_route_libbpf();
	log_info("sentineld %s starting with %s", SENTINEL_VERSION, path);
	/* Postfix's parameters: one postconf(1) call for every module */
	postconf_read_root(&d.postconf, d.cfg.maillog_root, d.cfg.actions.postfix_bin_dir,
			   d.cfg.actions.postfix_config_dir);
	postfix_domains(&d.cfg, &d.postconf, NULL);

	d.flows = series_table_new(FLOW_NLABELS, flow_label_names, d.cfg.max_series,
				   FLOW_LABEL_COMM, 1U << FLOW_LABEL_PORT);
	d.identities = series_table_new_top(1, identity_label_names, d.cfg.max_series);
	if (maillog_pidns(&d, &pidns) < 0)
		goto out;
	d.correlator = correlator_new(&d.counters, 65536, pidns);
	d.sensor = sensor_open(&d.cfg, &d.counters, d.flows);
	if (!d.sensor)
		goto out;
	d.runner = runner_new();
	if (!d.runner)
		goto out;
	d.respond = respond_new(&d.cfg, &d.postconf, &d.counters, d.runner, d.flows,
				SENTINEL_VERSION);
	if (!d.respond)
		goto out;
	sensor_on_flow(d.sensor, on_flow, &d);
	respond_on_reload(d.respond, reload, &d);
	if (d.cfg.nmaillog_paths > 0 || d.cfg.maillog_source != MAILLOG_SOURCE_FILE) {
		struct maillog_events ev = respond_maillog_events(d.respond);

		d.maillog = maillog_open(&d.cfg, &d.postconf, &d.counters, d.identities,
					 d.correlator, &ev);
		if (!d.maillog)
			goto out;
		respond_set_messages(d.respond, maillog_messages(d.maillog));
		{
			const char *why;
			enum maillog_trust t = maillog_trust(d.maillog, &why);

			respond_set_trust(d.respond, t == MAILLOG_TRUSTED, why);
		}
	}
	if (d.cfg.control_socket[0]) {
		d.control = control_open(d.cfg.control_socket, respond_command, d.respond);
		if (!d.control)
			goto out;
	}
	d.httpd = httpd_start(&d.cfg, render, &d);
	if (!d.httpd)
		goto out;
	if (setup_loop(&d) < 0)
		goto out;
	d.watchdog_ticks = watchdog_ticks();
	log_info("ready");
	notify_status(&d);
	sd_notify(0, "READY=1");
	run(&d);
	sd_notify(0, "STOPPING=1");
	status = 0;
out:
	httpd_stop(d.httpd);
	control_close(d.control);
	maillog_close(d.maillog);	/* saves the positions */
	respond_free(d.respond);	/* saves the incidents and actions */
	runner_free(d.runner);
	sensor_close(d.sensor);	/* destroys the links: programs detach */
	series_table_free(d.flows);
	series_table_free(d.identities);
	correlator_free(d.correlator);
	if (d.live != &d.cfg)
		free(d.live);
	free(d.retired);
	postconf_free(&d.postconf);
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.timerfd >= 0)
		close(d.timerfd);
	if (status == 0)
		log_info("stopped");
	return status;
}
