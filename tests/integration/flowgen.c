// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowgen - make an exact number of TCP connects, for tests and benchmarks.
 *
 *   flowgen [-g CGROUP_DIR] [-n NETNS_FILE] [-N COMM] [-u UID] \
 *           [-l ADDR,PORT]... [-k ADDR,PORT] [-r ADDR,PORT] \
 *           [-c ADDR,PORT,COUNT]... [-b SECONDS [-G CGROUP_B -R ROUNDS]]
 *
 * Options are applied in this order, whatever their order on the command
 * line: join the cgroup, enter the network namespace (/run/netns/NAME: done
 * here, not with `ip netns exec`, which remounts /sys and so hides the
 * cgroup tree), open the listeners (as root: port 25), rename the
 * process (what the kernel sees as comm), drop to UID, then run every -c in
 * turn: COUNT blocking connect() calls to ADDR,PORT (IPv4 or IPv6), each
 * accepted at once when this process listens there, and closed with an RST
 * (SO_LINGER 0) so no TIME_WAIT piles up.  Prints one line per -c:
 *   ADDR PORT established=N failed=M
 * With -k, one connection to ADDR,PORT (one of the -l) is made before the
 * first -c and kept open until after the last, then closed; it prints
 *   kept ADDR PORT established=1
 * With -r, one socket connects to ADDR,PORT (where nothing listens) and,
 * when that fails, connects again to the first -l, then is closed; it prints
 *   reconnect failed=1 established=1
 * With -b, the first -c instead runs for SECONDS and prints
 *   connects_per_second=R cpu_us_per_connect=C
 * where C is this process's user+system CPU time per connect (getrusage):
 * steadier than wall time on a busy machine.  With -G and -R it alternates
 * between the cgroup of -g (A) and CGROUP_B (B), ABBA, ROUNDS rounds of
 * SECONDS each way, moving itself between them (a socket belongs to the
 * cgroup of the task that created it), and prints a line per slice:
 *   A|B connects_per_second=R cpu_us_per_connect=C
 * One process for both sides: the same memory, the same port hash state.
 * Exits 1 on a set-up error.  Keep it in a network namespace: it binds port 25.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 16

struct endpoint {
	struct sockaddr_storage ss;
	socklen_t len;
	long count;
	int lfd;
};

static void die(const char *what)
{
	fprintf(stderr, "flowgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void parse_endpoint(char *arg, struct endpoint *ep, int want_count)
{
	char *addr = strtok(arg, ","), *port = strtok(NULL, ","), *count = strtok(NULL, ",");
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ep->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ep->ss;

	memset(ep, 0, sizeof(*ep));
	ep->lfd = -1;
	if (!addr || !port || (want_count && !count)) {
		fprintf(stderr, "flowgen: bad endpoint\n");
		exit(1);
	}
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		ep->len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(port));
		ep->len = sizeof(*s6);
	} else {
		fprintf(stderr, "flowgen: bad address %s\n", addr);
		exit(1);
	}
	ep->count = count ? atol(count) : 0;
}

static int same(const struct endpoint *a, const struct endpoint *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

/* One connect; 1 if established. */
static int connect_once(const struct endpoint *ep, int lfd)
{
	struct linger lg = { 1, 0 };
	int fd = socket(ep->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok;

	if (fd < 0)
		die("socket");
	ok = connect(fd, (const struct sockaddr *)&ep->ss, ep->len) == 0;
	if (ok && lfd >= 0) {
		int afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (afd < 0)
			die("accept");
		close(afd);
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return ok;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void join_cgroup(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		die(path);
	close(fd);
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void bench_slice(const struct endpoint *ep, int lfd, double seconds)
{
	double t0 = now(), t, c0 = cpu(), used;
	long n = 0;

	do {
		for (int k = 0; k < 256; k++)
			n += connect_once(ep, lfd);
		t = now() - t0;
	} while (t < seconds);
	used = cpu() - c0;
	printf("connects_per_second=%.0f cpu_us_per_connect=%.3f\n",
	       (double)n / t, n ? used * 1e6 / (double)n : 0.0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct endpoint listens[MAX_ITEMS], conns[MAX_ITEMS];
	int nlisten = 0, nconn = 0, c;
	const char *cgroup = NULL, *comm = NULL, *netns = NULL, *cgroup_b = NULL;
	struct endpoint keep, retry;
	int have_keep = 0, have_retry = 0, kept = -1, kept_peer = -1;
	long rounds = 0;
	long uid = -1;
	double bench = 0;

	while ((c = getopt(argc, argv, "g:G:R:n:N:u:l:c:b:k:r:")) != -1) {
		switch (c) {
		case 'g': cgroup = optarg; break;
		case 'n': netns = optarg; break;
		case 'G': cgroup_b = optarg; break;
		case 'R': rounds = atol(optarg); break;
		case 'N': comm = optarg; break;
		case 'u': uid = atol(optarg); break;
		case 'b': bench = atof(optarg); break;
		case 'l':
			if (nlisten == MAX_ITEMS)
				return 1;
			parse_endpoint(optarg, &listens[nlisten++], 0);
			break;
		case 'k':
			parse_endpoint(optarg, &keep, 0);
			have_keep = 1;
			break;
		case 'r':
			parse_endpoint(optarg, &retry, 0);
			have_retry = 1;
			break;
		case 'c':
			if (nconn == MAX_ITEMS)
				return 1;
			parse_endpoint(optarg, &conns[nconn++], 1);
			break;
		default:
			fprintf(stderr, "usage: see the comment in flowgen.c\n");
			return 1;
		}
	}
	if (cgroup)
		join_cgroup(cgroup);
	if (netns) {
		int fd = open(netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			die(netns);
		close(fd);
	}
	for (int i = 0; i < nlisten; i++) {
		int one = 1, fd = socket(listens[i].ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket");
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&listens[i].ss, listens[i].len) < 0)
			die("bind");
		if (listen(fd, 1024) < 0)
			die("listen");
		listens[i].lfd = fd;
	}
	if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0) < 0)
		die("prctl");
	if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		die("setresuid");

	if (have_keep) {
		kept = socket(keep.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (kept < 0 || connect(kept, (const struct sockaddr *)&keep.ss, keep.len) < 0)
			die("connect -k");
		for (int j = 0; j < nlisten; j++)
			if (same(&listens[j], &keep))
				kept_peer = accept4(listens[j].lfd, NULL, NULL, SOCK_CLOEXEC);
	}
	if (have_retry) {
		int fd = socket(retry.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int failed, ok;

		if (fd < 0 || nlisten == 0)
			die("-r");
		failed = connect(fd, (const struct sockaddr *)&retry.ss, retry.len) < 0;
		ok = failed && connect(fd, (const struct sockaddr *)&listens[0].ss,
				       listens[0].len) == 0;
		if (ok)
			close(accept4(listens[0].lfd, NULL, NULL, SOCK_CLOEXEC));
		close(fd);
		printf("reconnect failed=%d established=%d\n", failed, ok);
	}
	for (int i = 0; i < nconn; i++) {
		int lfd = -1;
		long ok = 0, fail = 0;
		char addr[INET6_ADDRSTRLEN];
		const void *a = conns[i].ss.ss_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)&conns[i].ss)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)&conns[i].ss)->sin6_addr;
		unsigned port = ntohs(((struct sockaddr_in *)&conns[i].ss)->sin_port);

		for (int j = 0; j < nlisten; j++)
			if (same(&listens[j], &conns[i]))
				lfd = listens[j].lfd;
		if (bench > 0 && cgroup && cgroup_b && rounds > 0) {
			for (long r = 0; r < rounds; r++)
				for (int k = 0; k < 2; k++) {
					int b = (r % 2) ^ k;	/* ABBA */

					join_cgroup(b ? cgroup_b : cgroup);
					printf("%s ", b ? "B" : "A");
					bench_slice(&conns[i], lfd, bench);
				}
			return 0;
		}
		if (bench > 0) {
			bench_slice(&conns[i], lfd, bench);
			return 0;
		}
		for (long k = 0; k < conns[i].count; k++) {
			if (connect_once(&conns[i], lfd))
				ok++;
			else
				fail++;
		}
		inet_ntop(conns[i].ss.ss_family, a, addr, sizeof(addr));
		printf("%s %u established=%ld failed=%ld\n", addr, port, ok, fail);
	}
	if (kept >= 0) {
		char addr[INET6_ADDRSTRLEN];
		const void *a = keep.ss.ss_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)&keep.ss)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)&keep.ss)->sin6_addr;

		inet_ntop(keep.ss.ss_family, a, addr, sizeof(addr));
		printf("kept %s %u established=1\n", addr,
		       ntohs(((struct sockaddr_in *)&keep.ss)->sin_port));
		close(kept);
		if (kept_peer >= 0)
			close(kept_peer);
	}
	return 0;
}
