// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sentinel.bpf.c - count outbound connect() to watched SMTP ports.
 *
 * cgroup/connect4 and cgroup/connect6 see every connect() of every process
 * below the cgroup they are attached to, in the caller's context: who
 * (cgroup, uid, comm, tgid) and where (address, port).  For a watched port
 * they count one attempt in a per-CPU map and stash the flow in a slot
 * chosen by socket cookie.  cgroup/sock_release reads it back when the
 * socket is closed and settles its outcome, established or failed, so the
 * outcome is counted for the process that called connect(), not for
 * whatever task happens to run the softirq, and one event per flow goes to
 * a per-CPU queue that sentineld reads from an mmapped array.
 *
 * Types: vmlinux.h, generated at build time from the build host's
 * /sys/kernel/btf/vmlinux (see the Makefile), with CO-RE.  The caller's
 * identity is read straight from its task_struct (bpf_get_current_task_btf,
 * then plain loads that libbpf relocates to the running kernel's layout)
 * instead of with four helper calls: each kernel call costs ~90 ns here on
 * CPUs with return-stack mitigations, and this is the hottest path we have.
 * The generated header is not committed: it is 130k lines and describes one
 * kernel; CO-RE makes the object run on others (6.2 and later: ring buffer,
 * BTF task access from cgroup programs, bpf_cast_to_kern_ctx).
 *
 * Hot path: one inlined array lookup for the port filter on every connect();
 * for a watched port two helper calls (the task, the cookie), a handful of
 * loads, the per-CPU key cache (a hash lookup only when it misses), an
 * atomic add and a compare-and-swap and stores in an inlined array; at the
 * close of a TCP socket one load, and for ours no call at all: inlined
 * array lookups, an atomic add and stores.  No strings, no locks, loops of
 * at most SLOT_PROBES.  Two program runs per connection, where sock_ops
 * would add half a dozen (see sentinel_release).  Measured on a 2-CPU EPYC
 * VM with SRSO (tests/bench/connect_bench.sh): see README.md, "Tests and benchmarks".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "sentinel.h"

#define READ_ONCE(x)		(*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))

#define AF_INET		2	/* macros, not in BTF */
#define AF_INET6	10

/* Its tick, for the connect() time of a flow event; 0 if libbpf found no
 * kernel config (/proc/config.gz, /boot/config-*): the time is then 0. */
extern unsigned int CONFIG_HZ __kconfig __weak;

/* Flow event slots per CPU, a power of 2 (see struct flow_event_slot). */
const volatile __u32 event_slots = SENTINEL_EVENT_SLOTS_MIN;


struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} watched_ports SEC(".maps");

/*
 * The counters of a key live at an index of their own, given on first use:
 * flow_index maps the key to it, and CPU c counts in flow_counts at
 * c * SENTINEL_MAX_FLOW_KEYS + index (one region per CPU: no cache line
 * shared between CPUs).  A flow carries its index from connect() to its
 * outcome, so the outcome needs no hash lookup, and connect() skips it too
 * when its key is the one this CPU saw last (key_cache): an array lookup
 * is inlined by the verifier, a hash lookup is a call and a jhash.
 * Userspace sizes flow_counts for the possible CPUs and mmaps it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SENTINEL_MAX_FLOW_KEYS);
	__type(key, struct flow_key);
	__type(value, __u32);
} flow_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SENTINEL_MAX_FLOW_KEYS);
	__type(key, __u32);
	__type(value, struct flow_counts);
} flow_counts SEC(".maps");

/* The next unused index (a racing loser of a key's first use wastes one). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} flow_index_next SEC(".maps");

/*
 * The last key this CPU looked up, with its index.  A program can be
 * preempted on its CPU by another that uses the cache too: seq is odd
 * while a writer (which claims it with a compare-and-swap) changes the
 * entry, and a reader uses what it read only if seq was even and did not
 * change meanwhile.
 */
struct key_cache {
	__u64 seq;
	struct flow_key key;
	__u32 index;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct key_cache);
} key_cache SEC(".maps");

#define INDEX_NONE 0xffffU	/* fits flow_sk's __u16 index */
_Static_assert(SENTINEL_MAX_FLOW_KEYS < INDEX_NONE, "an index fits 16 bits");

/* Where counts go when flow_index is full, by port, filled by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SENTINEL_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct flow_counts);
} overflow_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sentinel_stats SEC(".maps");

/*
 * Flow events: event_slots per possible CPU (userspace sets it and
 * max_entries before load, and mmaps the array).  No lock and no helper
 * call, where a ring buffer takes a spin lock and three calls (reserve,
 * query, submit): ~0.3 us per event here.  See struct flow_event_slot.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SENTINEL_EVENT_SLOTS_MIN);
	__type(key, __u32);
	__type(value, struct flow_event_slot);
} flow_events SEC(".maps");

/* The next position of each CPU's event queue. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} event_head SEC(".maps");

/* Only a wakeup: a record goes here when a CPU's queue is half full, so
 * that sentineld drains before its timer.  Userspace ignores the records. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} event_wakeup SEC(".maps");

/*
 * The flow as connect() saw it, kept until the socket is closed, in a
 * table of slots: open addressing from the socket cookie's low bits, at
 * most SLOT_PROBES slots on.  Cookies are handed out in sequence, so a
 * new flow's first slot is usually the one a flow 65536 sockets older
 * left, and a session that lasts (an SMTP connection can, for minutes)
 * only makes a later flow take the next slot.  A flow that finds all its
 * slots taken (the table nearly full: that many watched connections open)
 * is counted as untracked: its attempt is counted, its outcome cannot be.
 *
 * Why not socket storage (bpf_sk_storage_get with F_CREATE)?  It allocates
 * per socket, and a hash map (LRU or not) takes locks and free lists on
 * update and delete: measured here, ~1.9 us and ~0.8 us per connect, where
 * every kernel function call pays for return-stack mitigations.  An array
 * lookup is inlined by the verifier, so the stash costs no call at all.
 *
 * A slot's cookie says whose it is: 0 free, SLOT_BUSY being written.  A
 * writer claims a free slot with a compare-and-swap to SLOT_BUSY, writes
 * the flow, then its cookie, after a compiler barrier: a reader that sees
 * its cookie sees its flow (stores are not reordered with each other on
 * x86 (TSO); the close runs after connect() returned, and the socket's
 * own lock and file reference order the two).  Only the socket's own
 * close, or its next connect(), reads or frees its slot, so that needs no
 * atomic: one outcome per flow, never attributed to another caller.
 */
#define SLOT_BUSY	(~0ULL)
#define SLOT_PROBES	8

struct flow_sk {
	struct flow_key key;
	__u32 connect_jiffies;		/* low 32 bits: a flow lasts < 2^32 ticks */
	__u32 tgid;
	__u32 pid;
	__u32 ns_tgid;			/* see struct flow_event */
	__u32 pidns;
	__u16 index;			/* of the key's counters, or INDEX_NONE */
	__u8 family;
	__u8 pad;
	__u8 daddr[16];
};

/* 72 bytes, 80 a slot: the slots are written in sequence (one per new
 * socket), so their size is the cache lines each connect() touches. */
_Static_assert(sizeof(struct flow_sk) == 72, "struct flow_sk: no hidden padding");

struct flow_slot {
	__u64 cookie;
	struct flow_sk fs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SENTINEL_FLOW_SLOTS);
	__type(key, __u32);
	__type(value, struct flow_slot);
} flow_slots SEC(".maps");

#define barrier() asm volatile("" ::: "memory")

/* Inlined by the verifier (a register move): the kernel's own context
 * struct behind a program's ctx, whose fields are then plain loads. */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
/* Inlined too: a kernel pointer seen as another type, read-only. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * The socket cookie that connect() made (bpf_get_socket_cookie), read
 * without a helper call: 0 if nobody ever asked for one, so not ours.
 */
static __always_inline __u64 cookie_of(const struct sock *sk)
{
	return sk ? (__u64)sk->__sk_common.skc_cookie.counter : 0;
}

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&sentinel_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline int port_watched(__u32 port)
{
	__u8 *watched = bpf_map_lookup_elem(&watched_ports, &port);	/* inlined */

	return watched && *watched;
}

static __always_inline int key_equal(const struct flow_key *a, const struct flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/*
 * The index of a key's counters, given on first use; INDEX_NONE when the
 * table is full (the port's overflow counters count instead).
 */
static __always_inline __u32 index_of(const struct flow_key *key)
{
	struct key_cache *kc;
	__u32 zero = 0, idx, *v;
	__u64 seq;

	kc = bpf_map_lookup_elem(&key_cache, &zero);	/* inlined */
	if (!kc)
		return INDEX_NONE;
	seq = READ_ONCE(kc->seq);
	if (seq && !(seq & 1) && key_equal(&kc->key, key)) {
		idx = kc->index;
		barrier();
		if (READ_ONCE(kc->seq) == seq)
			return idx;
	}

	v = bpf_map_lookup_elem(&flow_index, key);
	if (v) {
		idx = *v;
	} else {
		v = bpf_map_lookup_elem(&flow_index_next, &zero);	/* inlined */
		if (!v || READ_ONCE(*v) >= SENTINEL_MAX_FLOW_KEYS)
			goto full;
		idx = __sync_fetch_and_add(v, 1);
		if (idx >= SENTINEL_MAX_FLOW_KEYS)
			goto full;
		/* EEXIST from a racing CPU: take the index it gave. */
		if (bpf_map_update_elem(&flow_index, key, &idx, BPF_NOEXIST)) {
			v = bpf_map_lookup_elem(&flow_index, key);
			if (!v)
				goto full;
			idx = *v;
		}
	}
	seq = READ_ONCE(kc->seq);
	if (!(seq & 1) && __sync_val_compare_and_swap(&kc->seq, seq, seq + 1) == seq) {
		kc->key = *key;
		kc->index = idx;
		barrier();
		WRITE_ONCE(kc->seq, seq + 2);
	}
	return idx;
full:
	stat_inc(STAT_KEYS_FULL);
	return INDEX_NONE;
}

/*
 * The counters at an index, this CPU's; the port's overflow counters for
 * INDEX_NONE: totals stay exact even when the per-process breakdown cannot.
 * Per-CPU values are still updated atomically: with a preemptible kernel
 * two tasks on one CPU can interleave in a program.
 */
static __always_inline struct flow_counts *counts_at(__u32 idx, __u32 port)
{
	__u32 k;

	if (idx == INDEX_NONE)
		return bpf_map_lookup_elem(&overflow_counts, &port);
	k = bpf_get_smp_processor_id() * SENTINEL_MAX_FLOW_KEYS + idx;	/* inlined */
	return bpf_map_lookup_elem(&flow_counts, &k);			/* inlined */
}

static __always_inline void emit_flow(const struct flow_sk *fs, __u8 outcome,
				      __u64 outcome_ns)
{
	struct flow_event_slot *slot;
	struct flow_event *e;
	__u32 zero = 0, idx;
	__u64 *head, h;

	head = bpf_map_lookup_elem(&event_head, &zero);	/* inlined */
	if (!head)
		return;
	h = READ_ONCE(*head);
	idx = bpf_get_smp_processor_id() * event_slots;	/* inlined */
	slot = bpf_map_lookup_elem(&flow_events, &(__u32){ idx + (h & (event_slots - 1)) });
	/* Not free: userspace is a lap behind.  Or another program on this
	 * CPU (a softirq, a preempting task) took position h meanwhile. */
	if (!slot || READ_ONCE(slot->seq) != h ||
	    __sync_val_compare_and_swap(head, h, h + 1) != h) {
		stat_inc(STAT_EVENTS_DROPPED);
		return;
	}
	e = &slot->e;
	/* Counted back from the outcome in ticks: bpf_jiffies64() is one
	 * inlined load, where a clock read is a call. */
	e->connect_ns = 0;
	if (CONFIG_HZ && outcome_ns)
		e->connect_ns = outcome_ns - (__u64)((__u32)bpf_jiffies64() - fs->connect_jiffies) *
					     (1000000000ULL / CONFIG_HZ);
	e->outcome_ns = outcome_ns;
	e->cgroup_id = fs->key.cgroup_id;
	e->tgid = fs->tgid;
	e->pid = fs->pid;
	e->ns_tgid = fs->ns_tgid;
	e->pidns = fs->pidns;
	e->uid = fs->key.uid;
	e->family = fs->family;
	e->outcome = outcome;
	e->dport = fs->key.port;
	__builtin_memcpy(e->daddr, fs->daddr, sizeof(e->daddr));
	__builtin_memcpy(e->comm, fs->key.comm, sizeof(e->comm));
	/* Publish: the event before its seq (x86 keeps stores in order). */
	barrier();
	WRITE_ONCE(slot->seq, h + 1);

	/* Half a lap unread (the slot half a queue ahead is not free for
	 * its next position): wake sentineld, once per 64 events.  Else its
	 * timer collects: a wakeup per event would cost the caller ~12 us. */
	if ((h & 63) == 0) {
		slot = bpf_map_lookup_elem(&flow_events,
			&(__u32){ idx + ((h + event_slots / 2) & (event_slots - 1)) });
		if (slot && READ_ONCE(slot->seq) != h + event_slots / 2)
			bpf_ringbuf_output(&event_wakeup, &h, sizeof(h), BPF_RB_FORCE_WAKEUP);
	}
}

/* The slot that holds this socket's flow, or NULL. */
static __always_inline struct flow_slot *slot_of(__u64 cookie)
{
	struct flow_slot *slot;
	__u32 idx;

	for (__u32 i = 0; i < SLOT_PROBES; i++) {
		idx = (cookie + i) & (SENTINEL_FLOW_SLOTS - 1);
		slot = bpf_map_lookup_elem(&flow_slots, &idx);	/* inlined */
		if (slot && READ_ONCE(slot->cookie) == cookie)
			return slot;
	}
	return NULL;
}

/*
 * The outcome of one of our flows: count it, report it, free its slot.
 * 0 if the socket has no flow (never stashed, or connect() ran before we
 * were loaded).
 */
static __always_inline int settle(__u64 cookie, __u8 outcome, __u64 now_ns)
{
	struct flow_slot *slot = slot_of(cookie);
	struct flow_counts *c;

	if (!slot)
		return 0;
	c = counts_at(slot->fs.index, slot->fs.key.port);
	if (c) {
		if (outcome == FLOW_ESTABLISHED)
			__sync_fetch_and_add(&c->established, 1);
		else
			__sync_fetch_and_add(&c->failed, 1);
	}
	emit_flow(&slot->fs, outcome, now_ns);
	barrier();
	WRITE_ONCE(slot->cookie, 0);
	return 1;
}

/* Keep the flow until the socket's outcome; 0 if no slot was free. */
static __always_inline int stash(__u64 cookie, const struct flow_sk *fs)
{
	struct flow_slot *slot;
	__u32 idx;

	for (__u32 i = 0; i < SLOT_PROBES; i++) {
		idx = (cookie + i) & (SENTINEL_FLOW_SLOTS - 1);
		slot = bpf_map_lookup_elem(&flow_slots, &idx);	/* inlined */
		if (!slot || READ_ONCE(slot->cookie) != 0 ||
		    __sync_val_compare_and_swap(&slot->cookie, 0, SLOT_BUSY) != 0)
			continue;
		slot->fs = *fs;
		barrier();
		WRITE_ONCE(slot->cookie, cookie);
		return 1;
	}
	return 0;
}

/*
 * The caller's tgid as its own (innermost) PID namespace numbers it, and
 * that namespace's inode number: what task_tgid_vnr() and
 * /proc/self/ns/pid give the caller itself.  Plain loads, no call: the
 * tgid's struct pid (signal->pids[PIDTYPE_TGID]) holds one {nr, ns} per
 * level, the innermost at its level.  The verifier takes only a constant
 * index into that array, so the levels a host (0), a container (1) and a
 * container in a container (2, 3) have are unrolled; deeper, one
 * bpf_probe_read_kernel() fetches the pair.
 */
static __always_inline void ns_tgid_of(struct task_struct *task, struct flow_sk *fs)
{
	struct pid *pid = task->signal->pids[bpf_core_enum_value(enum pid_type, PIDTYPE_TGID)];
	struct upid up = {};
	struct pid_namespace *ns;

	switch (pid->level) {
	case 0:
		up.nr = pid->numbers[0].nr;
		ns = pid->numbers[0].ns;
		break;
	case 1:
		up.nr = pid->numbers[1].nr;
		ns = pid->numbers[1].ns;
		break;
	case 2:
		up.nr = pid->numbers[2].nr;
		ns = pid->numbers[2].ns;
		break;
	case 3:
		up.nr = pid->numbers[3].nr;
		ns = pid->numbers[3].ns;
		break;
	default:
		bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[pid->level]);
		ns = bpf_rdonly_cast(up.ns, bpf_core_type_id_kernel(struct pid_namespace));
		break;
	}
	fs->ns_tgid = up.nr;
	fs->pidns = ns ? ns->ns.inum : 0;
}

static __always_inline int on_connect(struct bpf_sock_addr *ctx, __u16 family)
{
	struct flow_sk fs = {};
	struct bpf_sock_addr_kern *kctx;
	struct task_struct *task;
	struct flow_counts *c;
	__u64 cookie;
	__u32 port;

	if (ctx->type != SOCK_STREAM || ctx->protocol != IPPROTO_TCP)
		return 1;	/* SCTP can be SOCK_STREAM too */
	port = bpf_ntohs(ctx->user_port);
	if (!port_watched(port))
		return 1;

	task = bpf_get_current_task_btf();
	/* what bpf_get_current_{cgroup_id,uid_gid,pid_tgid,comm} return */
	fs.key.cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	fs.key.uid = task->cred->uid.val;
	fs.key.port = port;
	/* NUL-padded since Linux 6.0 (strscpy_pad in __set_task_comm) */
	__builtin_memcpy(fs.key.comm, task->comm, sizeof(fs.key.comm));

	fs.index = index_of(&fs.key);
	c = counts_at(fs.index, port);
	if (c)
		__sync_fetch_and_add(&c->attempts, 1);

	fs.connect_jiffies = (__u32)bpf_jiffies64();	/* inlined */
	fs.tgid = task->tgid;
	fs.pid = task->pid;
	ns_tgid_of(task, &fs);
	fs.family = family;
	if (family == AF_INET) {
		*(__u32 *)fs.daddr = ctx->user_ip4;
	} else {
		((__u32 *)fs.daddr)[0] = ctx->user_ip6[0];
		((__u32 *)fs.daddr)[1] = ctx->user_ip6[1];
		((__u32 *)fs.daddr)[2] = ctx->user_ip6[2];
		((__u32 *)fs.daddr)[3] = ctx->user_ip6[3];
	}
	/* A socket with a cookie already may have connect()ed before, and
	 * failed (else it could not connect again): settle that attempt.  A
	 * new socket gets its cookie now. */
	kctx = bpf_cast_to_kern_ctx(ctx);
	cookie = cookie_of(kctx->sk);
	if (cookie)
		settle(cookie, FLOW_FAILED, bpf_ktime_get_ns());
	else
		cookie = bpf_get_socket_cookie(ctx);
	if (!stash(cookie, &fs))
		stat_inc(STAT_UNTRACKED);
	return 1;
}

SEC("cgroup/connect4")
int sentinel_connect4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, AF_INET);
}

SEC("cgroup/connect6")
int sentinel_connect6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, AF_INET6);
}

/*
 * The outcome, when the caller closes the socket: one program run per
 * close instead of sock_ops, which the kernel runs half a dozen times for
 * every TCP connection of the cgroup (timeout, window and ECN set-up, the
 * accepting side's callbacks) at ~60 ns a run before the program does
 * anything: measured here, sock_ops alone added ~0.4 us per connect.
 *
 * A socket that is still connecting or was closed without the peer's
 * SYN-ACK ever being processed (refused, timed out, unreachable) failed;
 * every other one was established, including one reset later: its
 * rcv_nxt, 0 from connect() (tcp_connect_init) until the SYN-ACK sets it
 * to the peer's ISN + 1, says so (a peer ISN of 2^32 - 1 would read as
 * failed).  The price: a flow is counted and reported when it ends, not
 * when its handshake does; SMTP connections last seconds (Postfix reuses
 * one for at most smtp_connection_reuse_time_limit, 300 s).
 */
SEC("cgroup/sock_release")
int sentinel_release(struct bpf_sock *sk)
{
	struct tcp_sock *tp;
	struct sock *ks;
	__u64 cookie;
	__u8 outcome;

	if (sk->protocol != IPPROTO_TCP)
		return 1;
	/* No cookie: connect() never asked for one, not ours. */
	ks = bpf_cast_to_kern_ctx(sk);
	cookie = cookie_of(ks);
	if (!cookie)
		return 1;
	tp = bpf_rdonly_cast(ks, bpf_core_type_id_kernel(struct tcp_sock));
	if (sk->state == BPF_TCP_SYN_SENT ||
	    (sk->state == BPF_TCP_CLOSE && tp->rcv_nxt == 0))
		outcome = FLOW_FAILED;
	else
		outcome = FLOW_ESTABLISHED;
	/* The socket's own clock, no call: its last segment in or out (us),
	 * which for a session that ends is a moment ago.  None if no SYN
	 * ever left (no route, no free port): the clock, then. */
	if (!settle(cookie, outcome, tp->tcp_mstamp ? tp->tcp_mstamp * 1000 : bpf_ktime_get_ns()) &&
	    port_watched(bpf_ntohs(sk->dst_port)))
		/* connect() ran before we were loaded, or found no free slot
		 * (untracked) (a failed connect has no port left: not counted) */
		stat_inc(STAT_UNMATCHED);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
