// SPDX-License-Identifier: GPL-2.0
/*
 * dirtyscope overhead benchmark: what one traced event costs with each way
 * of measuring an operation's latency, on the host's syscall tracepoints
 * (bench/overhead/overhead.c runs a getppid() loop under each variant):
 *
 *   a_*   raw_tp sys_enter + sys_exit, empty: the floor of a pair
 *   b_*   raw_tp pair: timestamp in a hash map keyed by thread, delta
 *         into a log2 histogram (the classic bcc/libbpf-tools shape)
 *   c_*   raw_tp pair: timestamp in task-local storage, delta into the
 *         histogram
 *   d_btf tp_btf sys_exit only: a value the event carries into a log2
 *         per-CPU array histogram; the design of the dirtyscope tracepoints,
 *         which carry duration_ns, so no enter/exit pairing is needed
 *   d_raw the same as raw_tp
 *   e_btf tp_btf sys_exit only: the lat handler exactly as shipped in
 *         bpf/lat.bpf.c without -D (per-CPU array indexed by op)
 *
 * Every program counts system-wide, like the real tools.  lat.bpf.c is
 * included, not copied, so e_btf runs the production code; its own
 * dirty_* programs are never loaded here.
 */
#include "lat.bpf.c"

#define BENCH_THREADS	16384

/* (a) */
SEC("raw_tp/sys_enter")
int BPF_PROG(a_enter)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(a_exit)
{
	return 0;
}

/* shared by (b) and (c): usecs log2 histogram, atomic adds */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DS_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} pair_hist SEC(".maps");

static __always_inline void pair_count(__u64 delta_ns)
{
	__u32 slot = ds_log2_slot(delta_ns / 1000);
	__u64 *c = bpf_map_lookup_elem(&pair_hist, &slot);

	if (c)
		__sync_fetch_and_add(c, 1);
}

/* (b) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BENCH_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} b_start SEC(".maps");

SEC("raw_tp/sys_enter")
int BPF_PROG(b_enter)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&b_start, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(b_exit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *tsp = bpf_map_lookup_elem(&b_start, &tid);
	__u64 delta;

	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&b_start, &tid);
	pair_count(delta);
	return 0;
}

/* (c) */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} c_start SEC(".maps");

SEC("raw_tp/sys_enter")
int BPF_PROG(c_enter)
{
	__u64 *ts = bpf_task_storage_get(&c_start, bpf_get_current_task_btf(), 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(c_exit)
{
	__u64 *ts = bpf_task_storage_get(&c_start, bpf_get_current_task_btf(), 0, 0);
	__u64 delta;

	if (!ts || !*ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	pair_count(delta);
	return 0;
}

/* (d): one program, the value comes with the event, per-CPU counters */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DS_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} d_hist SEC(".maps");

static __always_inline int d_count(__u64 duration_ns)
{
	__u32 slot = ds_log2_slot(duration_ns / 1000);
	__u64 *c = bpf_map_lookup_elem(&d_hist, &slot);

	if (c)
		(*c)++;		/* this CPU's copy: no atomic needed */
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(d_btf, struct pt_regs *regs, long ret)
{
	return d_count(ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(d_raw, struct pt_regs *regs, long ret)
{
	return d_count(ret);
}

/* (e): the shipped lat handler, fed like its tp_btf programs feed it */
SEC("tp_btf/sys_exit")
int BPF_PROG(e_btf, struct pt_regs *regs, long ret)
{
	return lat_handle(DS_OP_SCAN, ret, 0, 0);
}
