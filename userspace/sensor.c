// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sensor.c - user half of bpf/sentinel.bpf.c.
 *
 * Deltas: the kernel keeps cumulative per-CPU counts per key and never
 * deletes a key.  We remember the last sum per key and add the difference
 * to the key's series, so a series that aggregates many keys (after a fold)
 * is still exact and never goes backwards.  The key table is bounded by the
 * kernel map's own bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "hash_free.h"
#include "sentinel.h"
#include "sentinel.skel.h"
#include "cgroup.h"
#include "log.h"
#include "metrics.h"
#include "sensor.h"

#define POLL_BATCH 256

/* The overflow counters of a port are keyed like this in the key table. */
#define OVERFLOW_CGROUP_ID UINT64_MAX

struct key_entry {
	UT_hash_handle hh;
	struct flow_key key;
	struct flow_counts last;
	struct series *series;
};

struct sensor {
	struct sentinel_bpf *skel;
	struct bpf_link *links[4];
	struct ring_buffer *rb;		/* wakeups only */
	struct flow_event_slot *events;	/* mmapped: ncpus * slots */
	__u32 slots;			/* flow event slots per CPU, 2^n */
	size_t events_len;
	uint64_t *tails;		/* next position to read, per CPU */
	int cgroup_fd;
	int ncpus;
	struct flow_counts *percpu;	/* scratch: one value per possible CPU */
	struct flow_key *batch_keys;	/* scratch for batch reads */
	__u32 *batch_vals;
	struct flow_counts *counts;	/* mmapped: ncpus * SENTINEL_MAX_FLOW_KEYS */
	size_t counts_len;
	bool batch_ok;
	struct key_entry *keys;
	struct cgroup_cache *cgroups;
	struct counters *counters;
	struct series_table *flows;
	sensor_flow_fn on_flow;
	void *on_flow_arg;
};

/* A record in the wakeup ring says only "drain now". */
static int handle_wakeup(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static const char *explain_load_error(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return "permission denied: sentineld needs root "
		       "(or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)";
	case ENOSYS:
		return "this kernel has no bpf() system call";
	case EINVAL:
	case 524:	/* ENOTSUPP, kernel-internal */
	case EOPNOTSUPP:
		return "the kernel refused the programs (needs cgroup/connect, "
		       "sock_release, ring buffers and kfuncs: Linux 6.2 or later)";
	default:
		return strerror(err);
	}
}

struct sensor *sensor_open(const struct config *cfg, struct counters *counters,
			   struct series_table *flows)
{
	char root[4096], mount[4096];
	struct sensor *s = xcalloc(1, sizeof(*s));
	struct bpf_program *progs[4];
	int err;

	s->counters = counters;
	s->flows = flows;
	s->cgroup_fd = -1;

	if (strcmp(cfg->cgroup_root, "auto") == 0) {
		if (cgroup_find_mount(NULL, root, sizeof(root)) < 0) {
			log_errx("no cgroup v2 file system is mounted (see /proc/mounts); "
				  "mount one, e.g. mount -t cgroup2 none /sys/fs/cgroup");
			goto fail;
		}
		strcpy(mount, root);
	} else {
		snprintf(root, sizeof(root), "%s", cfg->cgroup_root);
		if (cgroup_find_mount(root, mount, sizeof(mount)) < 0) {
			log_errx("cgroup_root %s is not inside a cgroup v2 file system", root);
			goto fail;
		}
	}
	s->cgroup_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->cgroup_fd < 0) {
		log_err("cannot open cgroup root %s", root);
		goto fail;
	}
	s->cgroups = cgroup_cache_new(mount, 4096);

	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		log_errx("cannot count possible CPUs");
		goto fail;
	}
	s->percpu = xcalloc((size_t)s->ncpus, sizeof(struct flow_counts));
	s->batch_keys = xcalloc(POLL_BATCH, sizeof(*s->batch_keys));
	s->batch_vals = xcalloc(POLL_BATCH, sizeof(*s->batch_vals));
	s->batch_ok = true;

	s->skel = sentinel_bpf__open();
	if (!s->skel) {
		log_errx("cannot open the BPF object: %s", explain_load_error(errno));
		goto fail;
	}
	s->slots = SENTINEL_EVENT_SLOTS_MIN;
	while ((size_t)s->slots * (size_t)s->ncpus < SENTINEL_EVENT_SLOTS)
		s->slots *= 2;
	s->skel->rodata->event_slots = s->slots;
	if (bpf_map__set_max_entries(s->skel->maps.flow_events,
				     (__u32)s->ncpus * s->slots) ||
	    bpf_map__set_max_entries(s->skel->maps.flow_counts,
				     (__u32)s->ncpus * SENTINEL_MAX_FLOW_KEYS)) {
		log_errx("cannot size the per-CPU tables");
		goto fail;
	}
	err = sentinel_bpf__load(s->skel);
	if (err) {
		log_errx("cannot load the BPF programs: %s", explain_load_error(-err));
		goto fail;
	}
	s->events_len = (size_t)s->ncpus * s->slots * sizeof(*s->events);
	s->events = mmap(NULL, s->events_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(s->skel->maps.flow_events), 0);
	if (s->events == MAP_FAILED) {
		s->events = NULL;
		log_err("cannot map the flow event slots");
		goto fail;
	}
	s->counts_len = (size_t)s->ncpus * SENTINEL_MAX_FLOW_KEYS * sizeof(*s->counts);
	s->counts = mmap(NULL, s->counts_len, PROT_READ, MAP_SHARED,
			 bpf_map__fd(s->skel->maps.flow_counts), 0);
	if (s->counts == MAP_FAILED) {
		s->counts = NULL;
		log_err("cannot map the flow counters");
		goto fail;
	}
	/* Every slot free for its first position (see struct flow_event_slot). */
	for (size_t i = 0; i < (size_t)s->ncpus * s->slots; i++)
		s->events[i].seq = i % s->slots;
	s->tails = xcalloc((size_t)s->ncpus, sizeof(*s->tails));

	for (size_t i = 0; i < cfg->nports; i++) {
		__u32 port = cfg->ports[i];
		__u8 on = 1;
		struct flow_counts *zero = s->percpu;

		memset(zero, 0, sizeof(*zero) * (size_t)s->ncpus);
		if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.watched_ports), &port, &on, 0) ||
		    bpf_map_update_elem(bpf_map__fd(s->skel->maps.overflow_counts), &port,
					zero, BPF_NOEXIST)) {
			log_err("cannot watch port %u", port);
			goto fail;
		}
	}

	progs[0] = s->skel->progs.sentinel_connect4;
	progs[1] = s->skel->progs.sentinel_connect6;
	progs[2] = s->skel->progs.sentinel_release;
	for (int i = 0; i < 3; i++) {
		s->links[i] = bpf_program__attach_cgroup(progs[i], s->cgroup_fd);
		if (!s->links[i]) {
			err = errno;
			log_errx("cannot attach %s to %s: %s", bpf_program__name(progs[i]),
				  root, explain_load_error(err));
			goto fail;
		}
	}

	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.event_wakeup), handle_wakeup, s, NULL);
	if (!s->rb) {
		log_err("cannot set up the flow event wakeup ring");
		goto fail;
	}
	log_info("sensor attached to %s (cgroup2 mount %s), %zu watched port%s",
		 root, mount, cfg->nports, cfg->nports == 1 ? "" : "s");
	return s;
fail:
	sensor_close(s);
	return NULL;
}

void sensor_close(struct sensor *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	if (s->events)
		munmap(s->events, s->events_len);
	if (s->counts)
		munmap(s->counts, s->counts_len);
	free(s->tails);
	for (int i = 0; i < 4; i++)
		bpf_link__destroy(s->links[i]);
	sentinel_bpf__destroy(s->skel);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	HASH_FREE_ALL(s->keys, free);
	cgroup_cache_free(s->cgroups);
	free(s->percpu);
	free(s->batch_keys);
	free(s->batch_vals);
	free(s);
}

void sensor_on_flow(struct sensor *s, sensor_flow_fn fn, void *arg)
{
	s->on_flow = fn;
	s->on_flow_arg = arg;
}

int sensor_event_fd(const struct sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

/*
 * Each CPU's queue in order, up to its first slot not yet written (a
 * program may be between taking a position and publishing it: the next
 * drain takes it).  Acquire the seq before reading the event, release the
 * slot after.
 */
void sensor_drain(struct sensor *s)
{
	int n = ring_buffer__consume(s->rb);

	if (n < 0) {
		static struct ratelimit rl;

		if (log_ratelimited(&rl, 60))
			log_warnx("reading flow event wakeups: %s", strerror(-n));
	}
	for (int c = 0; c < s->ncpus; c++) {
		struct flow_event_slot *q = s->events + (size_t)c * s->slots;
		uint64_t t = s->tails[c];

		for (;;) {
			struct flow_event_slot *slot = &q[t & (s->slots - 1)];
			struct flow_event e;

			if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != t + 1)
				break;
			memcpy(&e, &slot->e, sizeof(e));
			__atomic_store_n(&slot->seq, t + s->slots, __ATOMIC_RELEASE);
			t++;
			s->counters->flow_events++;
			if (s->on_flow)
				s->on_flow(&e, s->on_flow_arg);
		}
		s->tails[c] = t;
	}
}

/* The labels of a kernel key, for its series. */
static struct series *series_of(struct sensor *s, const struct flow_key *k)
{
	char comm[SENTINEL_COMM_LEN + 1], uid[16], port[8];
	const char *labels[FLOW_NLABELS];
	bool folded;
	struct series *se;

	snprintf(port, sizeof(port), "%u", k->port);
	if (k->cgroup_id == OVERFLOW_CGROUP_ID) {
		labels[FLOW_LABEL_CGROUP] = SERIES_OTHER;
		labels[FLOW_LABEL_COMM] = SERIES_OTHER;
		labels[FLOW_LABEL_UID] = SERIES_OTHER;
	} else {
		memcpy(comm, k->comm, SENTINEL_COMM_LEN);
		comm[SENTINEL_COMM_LEN] = '\0';
		snprintf(uid, sizeof(uid), "%u", k->uid);
		labels[FLOW_LABEL_CGROUP] = cgroup_path(s->cgroups, k->cgroup_id);
		labels[FLOW_LABEL_COMM] = comm;
		labels[FLOW_LABEL_UID] = uid;
	}
	labels[FLOW_LABEL_PORT] = port;
	se = series_get(s->flows, labels, &folded);
	if (folded)
		s->counters->series_overflow++;
	return se;
}

static void account(struct sensor *s, const struct flow_key *k,
		    const struct flow_counts *percpu)
{
	struct flow_counts sum = { 0 };
	struct key_entry *e;

	for (int c = 0; c < s->ncpus; c++) {
		sum.attempts += percpu[c].attempts;
		sum.established += percpu[c].established;
		sum.failed += percpu[c].failed;
	}
	HASH_FIND(hh, s->keys, k, sizeof(*k), e);
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->key = *k;
		e->series = series_of(s, k);
		HASH_ADD(hh, s->keys, key, sizeof(e->key), e);
	}
	/* Counts only grow while the programs stay loaded. */
	if (sum.attempts >= e->last.attempts)
		e->series->values[FLOW_VALUE_ATTEMPTS] += sum.attempts - e->last.attempts;
	if (sum.established >= e->last.established)
		e->series->values[FLOW_VALUE_ESTABLISHED] += sum.established - e->last.established;
	if (sum.failed >= e->last.failed)
		e->series->values[FLOW_VALUE_FAILED] += sum.failed - e->last.failed;
	e->last = sum;
}

static void poll_stats(struct sensor *s)
{
	int fd = bpf_map__fd(s->skel->maps.sentinel_stats);
	uint64_t *vals = (uint64_t *)s->percpu;	/* ncpus * 24 bytes >= ncpus * 8 */
	uint64_t sum[STAT_MAX] = { 0 };

	for (__u32 i = 0; i < STAT_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (int c = 0; c < s->ncpus; c++)
			sum[i] += vals[c];
	}
	s->counters->flow_events_dropped = sum[STAT_EVENTS_DROPPED];
	s->counters->kernel_keys_full = sum[STAT_KEYS_FULL];
	s->counters->flows_untracked = sum[STAT_UNTRACKED];
	s->counters->outcomes_unmatched = sum[STAT_UNMATCHED];
}

/* The counters at a key's index, one per CPU, as the kernel keeps them. */
static void account_index(struct sensor *s, const struct flow_key *k, __u32 idx)
{
	if (idx >= SENTINEL_MAX_FLOW_KEYS)
		return;
	for (int c = 0; c < s->ncpus; c++) {
		const struct flow_counts *v =
			&s->counts[(size_t)c * SENTINEL_MAX_FLOW_KEYS + idx];

		/* aligned 64-bit loads: each counter is read whole */
		s->percpu[c].attempts = __atomic_load_n(&v->attempts, __ATOMIC_RELAXED);
		s->percpu[c].established = __atomic_load_n(&v->established, __ATOMIC_RELAXED);
		s->percpu[c].failed = __atomic_load_n(&v->failed, __ATOMIC_RELAXED);
	}
	account(s, k, s->percpu);
}

/*
 * Every key of the index, a batch of POLL_BATCH keys per system call
 * (16384 keys would otherwise take 32768 calls a second); their counters
 * are read from the mapped array.  Kernels without batch operations
 * (before 5.6) get the key-by-key walk.
 */
static uint64_t poll_counts(struct sensor *s)
{
	int fd = bpf_map__fd(s->skel->maps.flow_index);
	struct flow_key key, next;
	uint64_t nkeys = 0;
	__u64 token = 0;
	void *prev = NULL;
	bool first = true;
	__u32 idx;
	int err;

	if (s->batch_ok) {
		do {
			__u32 n = POLL_BATCH;

			err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
						   s->batch_keys, s->batch_vals, &n, NULL);
			if (err && errno != ENOENT) {
				/* 524: the kernel's own ENOTSUPP */
				if (!first || (errno != EINVAL && errno != EOPNOTSUPP &&
					       errno != 524))
					log_warn("batch read of the counter index; reading key by key");
				else
					log_info("no batch map reads on this kernel; reading key by key");
				s->batch_ok = false;
				break;
			}
			first = false;
			for (__u32 i = 0; i < n; i++)
				account_index(s, &s->batch_keys[i], s->batch_vals[i]);
			nkeys += n;
		} while (!err);
		if (s->batch_ok)
			return nkeys;
		nkeys = 0;	/* start over key by key; deltas make it harmless */
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &idx))
			continue;	/* deleted meanwhile: never by us */
		account_index(s, &key, idx);
		nkeys++;
	}
	return nkeys;
}

void sensor_poll(struct sensor *s)
{
	struct flow_key key;
	void *prev = NULL;
	__u32 port, nport;
	int fd;

	s->counters->kernel_keys = poll_counts(s);

	fd = bpf_map__fd(s->skel->maps.overflow_counts);
	prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &nport) == 0) {
		port = nport;
		prev = &port;
		if (bpf_map_lookup_elem(fd, &port, s->percpu))
			continue;
		memset(&key, 0, sizeof(key));
		key.cgroup_id = OVERFLOW_CGROUP_ID;
		key.port = (__u16)port;
		/* Only show a port's overflow series once something lands there. */
		for (int c = 0; c < s->ncpus; c++)
			if (s->percpu[c].attempts || s->percpu[c].established ||
			    s->percpu[c].failed) {
				account(s, &key, s->percpu);
				break;
			}
	}
	poll_stats(s);
	s->counters->flow_series = series_count(s->flows);
}
