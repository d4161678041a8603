// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: the tp_btf/raw_tp program pair layout of the dirtyscope tools,
 * on a tracepoint every kernel has (sys_enter).  Counts one syscall number
 * of one process, separately per flavour, so the test sees which program
 * ran and how often.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 targ_tgid = 0;
const volatile long targ_nr = -1;
/* make the tp_btf program fail verification, to exercise the fallback */
const volatile bool break_btf = false;

__u64 hits_btf = 0;
__u64 hits_raw = 0;

static __always_inline bool wanted(long id)
{
	return (bpf_get_current_pid_tgid() >> 32) == targ_tgid && id == targ_nr;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	if (break_btf)	/* a scalar used as a pointer: rejected */
		return *(volatile int *)id;
	if (wanted(id))
		__sync_fetch_and_add(&hits_btf, 1);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	if (wanted(id))
		__sync_fetch_and_add(&hits_raw, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
