/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One IOMMU dirty-tracking operation as the BPF programs hand it to user
 * space.  Filled from the kernel's struct iommu_dirty_trace (tracepoints
 * iommu:dirty_split, iommu:dirty_merge, iommu:dirty_scan, iommu:dirty_clear)
 * plus the op and a timestamp; a device's DMA-log report
 * (vfio:dma_log_report) is a scan with DS_DIRTY_DEVICE.  Shared by BPF and
 * user space.
 */
#ifndef DS_DIRTY_EVENT_H
#define DS_DIRTY_EVENT_H

enum ds_op {
	DS_OP_SPLIT,
	DS_OP_MERGE,
	DS_OP_SCAN,
	DS_OP_CLEAR,
	DS_OP_NR,
};

/* iommu_dirty_trace.flags, scan: the bitmap was read without clearing */
#define DS_DIRTY_NO_CLEAR	(1U << 0)
/*
 * Not an IOMMU's: a device's DMA-log report (vfio:dma_log_report), op
 * DS_OP_SCAN, domain_id holding the VFIO device index, leaves 0.
 */
#define DS_DIRTY_DEVICE		(1U << 1)

struct ds_dirty_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at the tracepoint */
	__u64 iova;		/* start of the range operated on */
	__u64 size;		/* bytes */
	__u64 pgsize;		/* bitmap granule (scan/clear), leaf size (split/merge) */
	__u64 leaves;		/* leaf descriptors visited */
	__u64 dirty;		/* scan: dirty leaves; clear: cleaned; split/merge: blocks */
	__u64 duration_ns;	/* time spent in the operation */
	__u32 domain_id;	/* iommu_domain id, or VFIO device index (DS_DIRTY_DEVICE) */
	__u32 flags;		/* DS_DIRTY_NO_CLEAR, DS_DIRTY_DEVICE */
	__s32 ret;		/* 0 or -errno */
	__u32 op;		/* enum ds_op */
};

#endif /* DS_DIRTY_EVENT_H */
