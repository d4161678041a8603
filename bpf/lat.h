/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dirtyscope lat: per-op (and optionally per-domain) log2 latency histograms */
#ifndef DS_LAT_H
#define DS_LAT_H

#include "dirty_event.h"
#include "log2.h"

#define LAT_MAX_KEYS		1024
#define LAT_ALL_DOMAINS		0xffffffffU	/* key.domain_id without --per-domain */

/*
 * The ops of lat: the tracepoint ops (enum ds_op, 0..DS_OP_NR-1), then
 * the fentry/fexit ops on upstream functions without a tracepoint.  They
 * carry no iommu domain.
 */
enum lat_fn_op {
	LAT_OP_GET_BITMAP = DS_OP_NR,	/* iommufd_hwpt_get_dirty_bitmap */
	LAT_OP_SET_TRACKING,		/* iommufd_hwpt_set_dirty_tracking */
	LAT_OP_CLEAR_BITMAP,		/* iommufd_hwpt_clear_dirty_bitmap (series) */
	LAT_OP_TYPE1_DIRTY,		/* vfio_iommu_type1_dirty_pages */
	LAT_OP_DMA_REPORT,		/* mlx5vf / pds_vfio DMA-logging report */
	LAT_OP_NR,
};

#define LAT_FN_NR		(LAT_OP_NR - DS_OP_NR)
#define LAT_FN_MASK		(((1U << LAT_OP_NR) - 1) & ~((1U << DS_OP_NR) - 1))

/* include/uapi/linux/vfio.h: _IO(VFIO_TYPE, VFIO_BASE + 17) */
#define LAT_VFIO_IOMMU_DIRTY_PAGES	0x3b75

struct lat_key {
	__u32 domain_id;
	__u32 op;			/* enum ds_op or enum lat_fn_op */
};

/*
 * Cumulative since load; never deleted, so user space takes per-interval
 * deltas without losing the events that race with a read.  Per CPU in the
 * per-op array (summed by user space), shared in the per-domain hash.
 * slots is always in usecs: --prom exports it, with the same bucket bounds
 * whatever the display unit; -m also counts ms_slots, which it prints.
 */
struct lat_hist {
	__u64 slots[DS_MAX_SLOTS];	/* log2 of duration in usecs */
	__u64 ms_slots[DS_MAX_SLOTS];	/* log2 of duration in msecs; -m only */
	__u64 sum_ns;			/* sum of duration_ns */
	__u64 errors;			/* operations with ret != 0 */
};

#endif /* DS_LAT_H */
