/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sentinel.h - the one header shared by the kernel programs and sentineld.
 *
 * Plain C structs only: the BPF side includes it after <linux/types.h>,
 * userspace after <linux/types.h> too, so both see the same layout.
 * Every struct is padded explicitly; the BPF verifier and the map
 * key comparisons depend on no uninitialised holes.
 */
#ifndef SENTINEL_H
#define SENTINEL_H

#define SENTINEL_COMM_LEN 16		/* TASK_COMM_LEN */

/* Bounds of the kernel tables.  Reaching one is counted in sentinel_stats. */
#define SENTINEL_MAX_FLOW_KEYS	16384	/* distinct {cgroup, uid, comm, port} */
#define SENTINEL_MAX_PORTS	64	/* watched ports */
#define SENTINEL_FLOW_SLOTS	65536	/* flows between connect() and outcome; 2^n */
#define SENTINEL_EVENT_SLOTS	16384	/* flow events, all CPUs together */
#define SENTINEL_EVENT_SLOTS_MIN 2048	/* flow events per CPU, at least */

/*
 * Who connected where: the key of the per-CPU counter map.  One entry per
 * distinct process identity and watched destination port.
 */
struct flow_key {
	__u64 cgroup_id;
	__u32 uid;
	__u16 port;			/* host byte order */
	__u16 pad;
	char comm[SENTINEL_COMM_LEN];
};

/* Per-CPU values; userspace sums the CPUs.  Exact: every path counts. */
struct flow_counts {
	__u64 attempts;			/* connect() calls to a watched port */
	__u64 established;		/* closed after the SYN-ACK came */
	__u64 failed;			/* closed before it did */
};

enum flow_outcome {
	FLOW_ESTABLISHED = 1,
	FLOW_FAILED = 2,
	FLOW_DENIED = 3,		/* reserved for the policy map */
};

/* One flow, as sent to userspace when its outcome is known. */
struct flow_event {
	/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 connect_ns;		/* connect() was called, to a tick (and
					 * the gap between outcome_ns and the
					 * close), or 0 if the kernel's HZ is
					 * not known */
	__u64 outcome_ns;		/* the socket's last segment before its
					 * close (us), or the close if none */
	__u64 cgroup_id;
	__u32 tgid;
	__u32 pid;			/* thread id */
	__u32 uid;
	/* The caller as its own (innermost) PID namespace numbers it, which
	 * is what a containerised MTA writes in its log: tgid there, and the
	 * namespace's inode number (stat -L /proc/PID/ns/pid, st_ino).  For a
	 * process of the host's namespace ns_tgid == tgid. */
	__u32 ns_tgid;
	__u32 pidns;
	__u8 family;			/* AF_INET or AF_INET6 */
	__u8 outcome;			/* enum flow_outcome */
	__u16 dport;			/* host byte order */
	__u8 daddr[16];			/* IPv4 in the first 4 bytes */
	char comm[SENTINEL_COMM_LEN];
};

/* 80 bytes, no padding: the queues stream through these (bytes per flow
 * are cache lines per flow). */
_Static_assert(sizeof(struct flow_event) == 80, "struct flow_event: no hidden padding");

/*
 * The flow events of one CPU are S consecutive slots of the mmapable array
 * flow_events (CPU c: slots c * S...), a lock-free queue of one consumer,
 * sentineld; S, a power of 2, is event_slots in the BPF object's rodata:
 * SENTINEL_EVENT_SLOTS shared out among the possible CPUs, at least
 * SENTINEL_EVENT_SLOTS_MIN.  Position n of a CPU goes to its slot n % S,
 * whose seq says whose turn it is: n: free for the producer of position n;
 * n + 1: position n is written, for the consumer, who sets it to n + S when
 * done.  A producer that finds its slot not free drops the event and
 * counts it.
 */
struct flow_event_slot {
	__u64 seq;
	struct flow_event e;
};

/* Indexes of the per-CPU statistics array. */
enum sentinel_stat {
	STAT_EVENTS_DROPPED,		/* event slots full: event lost, counts kept */
	STAT_KEYS_FULL,			/* counter map full: counted per port only */
	STAT_UNTRACKED,			/* no free slot: outcome not counted */
	STAT_UNMATCHED,			/* close of a flow not stashed */
	STAT_MAX,
};

#endif /* SENTINEL_H */
