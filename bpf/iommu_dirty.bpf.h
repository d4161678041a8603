/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF side of the iommu dirty-tracking tracepoint ABI.
 *
 * The dirtyscope kernel series adds, in include/trace/events/iommu.h, one
 * event class with four events (system "iommu"): dirty_split, dirty_merge,
 * dirty_scan and dirty_clear, all with
 *	TP_PROTO(const struct iommu_dirty_trace *t)
 *
 * Kernels without the series (and the host's vmlinux.h) have no such
 * struct, so it is declared here as a CO-RE flavour: libbpf drops the
 * "___ds" suffix and relocates every field access against the running
 * kernel's BTF.  A program that is never loaded needs no relocation, so
 * the objects build for x86 and arm64 alike.
 *
 * Each event gets two programs: "<event>_btf" (tp_btf, typed pointer,
 * direct CO-RE loads) and "<event>_raw" (raw_tp, CO-RE relocated
 * bpf_probe_read_kernel per field).  User space autoloads exactly one of
 * the two (src/attach.c).
 */
#ifndef DS_IOMMU_DIRTY_BPF_H
#define DS_IOMMU_DIRTY_BPF_H

#include "dirty_event.h"

struct iommu_dirty_trace___ds {
	__u64 iova;
	__u64 size;
	__u64 pgsize;
	__u64 leaves;
	__u64 dirty;
	__u64 duration_ns;
	__u32 domain_id;
	__u32 flags;
	__s32 ret;
} __attribute__((preserve_access_index));

static __always_inline void
ds_fill_btf(struct ds_dirty_event *e, const struct iommu_dirty_trace___ds *t,
	    __u32 op)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->iova = t->iova;
	e->size = t->size;
	e->pgsize = t->pgsize;
	e->leaves = t->leaves;
	e->dirty = t->dirty;
	e->duration_ns = t->duration_ns;
	e->domain_id = t->domain_id;
	e->flags = t->flags & DS_DIRTY_NO_CLEAR;	/* the kernel's; not ours */
	e->ret = t->ret;
	e->op = op;
}

static __always_inline void
ds_fill_raw(struct ds_dirty_event *e, const struct iommu_dirty_trace___ds *t,
	    __u32 op)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->iova = BPF_CORE_READ(t, iova);
	e->size = BPF_CORE_READ(t, size);
	e->pgsize = BPF_CORE_READ(t, pgsize);
	e->leaves = BPF_CORE_READ(t, leaves);
	e->dirty = BPF_CORE_READ(t, dirty);
	e->duration_ns = BPF_CORE_READ(t, duration_ns);
	e->domain_id = BPF_CORE_READ(t, domain_id);
	e->flags = BPF_CORE_READ(t, flags) & DS_DIRTY_NO_CLEAR;
	e->ret = BPF_CORE_READ(t, ret);
	e->op = op;
}

/*
 * DS_DIRTY_PROGS(dirty_scan, DS_OP_SCAN, handler) defines the programs
 * dirty_scan_btf and dirty_scan_raw; both build a struct ds_dirty_event and
 * pass it to handler(struct ds_dirty_event *).
 */
#define DS_DIRTY_PROGS(event, op, handler)				\
SEC("tp_btf/" #event)							\
int BPF_PROG(event##_btf, const struct iommu_dirty_trace___ds *t)	\
{									\
	struct ds_dirty_event e = {};					\
									\
	ds_fill_btf(&e, t, op);						\
	return handler(&e);						\
}									\
									\
SEC("raw_tp/" #event)							\
int BPF_PROG(event##_raw, const struct iommu_dirty_trace___ds *t)	\
{									\
	struct ds_dirty_event e = {};					\
									\
	ds_fill_raw(&e, t, op);						\
	return handler(&e);						\
}

#endif /* DS_IOMMU_DIRTY_BPF_H */
