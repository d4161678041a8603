// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: the counting code of bpf/lat.bpf.c (included, not copied) fed
 * with events of the test's choosing.  A getppid() of the test process
 * whose arguments are (op, duration_ns, domain_id | failed << 32) goes to
 * lat_handle() as a dirty_* tracepoint event with those fields would.
 * lat.bpf.c's own programs are not loaded.
 */
#include "lat.bpf.c"

const volatile __u32 test_tgid = 0;
const volatile long test_nr = -1;

SEC("tp_btf/sys_enter")
int BPF_PROG(lat_test_event, struct pt_regs *regs, long id)
{
	__u64 dom;

	if ((bpf_get_current_pid_tgid() >> 32) != test_tgid || id != test_nr)
		return 0;
	dom = PT_REGS_PARM3_CORE_SYSCALL(regs);
	return lat_handle(PT_REGS_PARM1_CORE_SYSCALL(regs),
			  PT_REGS_PARM2_CORE_SYSCALL(regs), (__u32)dom,
			  (long)(dom >> 32));
}
