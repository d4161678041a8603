/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable stand-in for <linux/iommu.h>: the protection flags, the
 * IOTLB gather and the dirty-bitmap helpers that io-pgtable-arm.c calls,
 * with the series' semantics (struct iommu_dirty_trace counters).  The
 * IOVA bitmap behind iommu_dirty_bitmap_record() is a plain bitmap here:
 * bit n stands for the page at iova + (n << pgshift), ranges are clipped.
 */
#ifndef DS_LINUX_IOMMU_H
#define DS_LINUX_IOMMU_H

#include "../ds_kernel.h"

#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
#define IOMMU_CACHE	(1 << 2)
#define IOMMU_NOEXEC	(1 << 3)
#define IOMMU_MMIO	(1 << 4)
#define IOMMU_PRIV	(1 << 5)

#define IOMMU_DIRTY_NO_CLEAR	(1 << 0)

struct iommu_iotlb_gather {
	unsigned long start;
	unsigned long end;
	size_t pgsize;
	struct list_head freelist;
	bool queued;
	struct iommu_dirty_bitmap *dirty;
};

static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *gather)
{
	*gather = (struct iommu_iotlb_gather) {
		.start	= ULONG_MAX,
		.freelist = LIST_HEAD_INIT(gather->freelist),
	};
}

static inline void iommu_iotlb_gather_add_range(struct iommu_iotlb_gather *gather,
						unsigned long iova, size_t size)
{
	unsigned long end = iova + size - 1;

	if (gather->start > iova)
		gather->start = iova;
	if (gather->end < end)
		gather->end = end;
}

static inline bool iommu_iotlb_gather_queued(struct iommu_iotlb_gather *gather)
{
	return gather && gather->queued;
}

struct iommu_dirty_trace {
	u64 iova;
	u64 size;
	u64 pgsize;
	u64 leaves;
	u64 dirty;
	u64 duration_ns;
	u32 domain_id;
	u32 flags;
	s32 ret;
};

/* The plain bitmap of the harness (the kernel's maps user pages) */
struct iova_bitmap {
	unsigned long *bits;
	unsigned long iova;
	unsigned long length;
	unsigned int pgshift;
	unsigned long calls;	/* iova_bitmap_set() calls, for the report */
};

void iova_bitmap_set(struct iova_bitmap *bitmap, unsigned long iova,
		     size_t length);

struct iommu_dirty_bitmap {
	struct iova_bitmap *bitmap;
	struct iommu_iotlb_gather *gather;
	struct iommu_dirty_trace *trace;
	unsigned long *kbitmap;
	unsigned long kbase;
	unsigned long klength;
	unsigned int kpgshift;
};

static inline void iommu_dirty_bitmap_init(struct iommu_dirty_bitmap *dirty,
					   struct iova_bitmap *bitmap,
					   struct iommu_iotlb_gather *gather)
{
	if (gather)
		iommu_iotlb_gather_init(gather);

	dirty->bitmap = bitmap;
	dirty->gather = gather;
	dirty->trace = NULL;
	dirty->kbitmap = NULL;
}

/* The series' kernel-bitmap variant (VFIO type1, KUnit) */
static inline void
iommu_dirty_bitmap_init_kernel(struct iommu_dirty_bitmap *dirty,
			       unsigned long *kbitmap, unsigned long base,
			       unsigned long length, unsigned int pgshift,
			       struct iommu_iotlb_gather *gather)
{
	iommu_dirty_bitmap_init(dirty, NULL, gather);
	dirty->kbitmap = kbitmap;
	dirty->kbase = base;
	dirty->klength = length;
	dirty->kpgshift = pgshift;
}

static inline void iommu_dirty_kbitmap_set(struct iommu_dirty_bitmap *dirty,
					   unsigned long iova,
					   unsigned long length)
{
	unsigned long start = max(iova, dirty->kbase);
	unsigned long last = min(iova + length - 1,
				 dirty->kbase + dirty->klength - 1);

	if (start > last)
		return;
	bitmap_set(dirty->kbitmap, (start - dirty->kbase) >> dirty->kpgshift,
		   ((last - dirty->kbase) >> dirty->kpgshift) -
		   ((start - dirty->kbase) >> dirty->kpgshift) + 1);
}

/*
 * The series' counting: trace->dirty counts pages of trace->pgsize, each
 * record rounded up (a dirty 2MiB block is 512 pages of 4KiB).
 */
static inline void
iommu_dirty_bitmap_record_leaves(struct iommu_dirty_bitmap *dirty,
				 unsigned long iova, unsigned long leaf_size,
				 unsigned long leaves)
{
	unsigned long length = leaf_size * leaves;

	if (dirty->bitmap)
		iova_bitmap_set(dirty->bitmap, iova, length);
	else if (dirty->kbitmap)
		iommu_dirty_kbitmap_set(dirty, iova, length);

	if (dirty->gather)
		iommu_iotlb_gather_add_range(dirty->gather, iova, length);

	if (dirty->trace && dirty->trace->pgsize)
		dirty->trace->dirty += leaves * DIV_ROUND_UP(leaf_size,
							     dirty->trace->pgsize);
}

static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *dirty,
					     unsigned long iova,
					     unsigned long length)
{
	iommu_dirty_bitmap_record_leaves(dirty, iova, length, 1);
}

void iova_bitmap_set_mask(struct iova_bitmap *bitmap, unsigned long iova,
			  unsigned int pgshift, u64 mask);

static inline void iommu_dirty_kbitmap_set_mask(struct iommu_dirty_bitmap *dirty,
						unsigned long iova,
						unsigned int pgshift, u64 mask)
{
	unsigned long off = iova - dirty->kbase, bit;

	if (pgshift == dirty->kpgshift && iova >= dirty->kbase &&
	    !(off & ((1UL << pgshift) - 1)) &&
	    (off >> pgshift) + 64 <= dirty->klength >> pgshift) {
		bit = off >> pgshift;
		dirty->kbitmap[bit / BITS_PER_LONG] |= mask << (bit % BITS_PER_LONG);
		if (bit % BITS_PER_LONG)
			dirty->kbitmap[bit / BITS_PER_LONG + 1] |=
				mask >> (BITS_PER_LONG - bit % BITS_PER_LONG);
		return;
	}
	while (mask) {
		unsigned long first = __builtin_ctzll(mask);
		unsigned long run = ~(mask >> first) ?
				    __builtin_ctzll(~(mask >> first)) : 64 - first;

		iommu_dirty_kbitmap_set(dirty, iova + (first << pgshift),
					run << pgshift);
		mask &= run + first >= 64 ? 0 : ~0ULL << (first + run);
	}
}

/* Bit n of @mask: the leaf at @iova + (n << @pgshift) is dirty */
static inline void iommu_dirty_bitmap_record_mask(struct iommu_dirty_bitmap *dirty,
						  unsigned long iova,
						  unsigned int pgshift, u64 mask)
{
	unsigned long first = __builtin_ctzll(mask);
	unsigned long last = 63 - __builtin_clzll(mask);

	if (dirty->bitmap)
		iova_bitmap_set_mask(dirty->bitmap, iova, pgshift, mask);
	else if (dirty->kbitmap)
		iommu_dirty_kbitmap_set_mask(dirty, iova, pgshift, mask);

	if (dirty->gather)
		iommu_iotlb_gather_add_range(dirty->gather,
					     iova + (first << pgshift),
					     (last - first + 1) << pgshift);

	if (dirty->trace && dirty->trace->pgsize)
		dirty->trace->dirty += __builtin_popcountll(mask) *
				       DIV_ROUND_UP(1UL << pgshift,
						    dirty->trace->pgsize);
}

static inline void iommu_dirty_bitmap_visit(struct iommu_dirty_bitmap *dirty,
					    unsigned long leaves)
{
	if (dirty->trace)
		dirty->trace->leaves += leaves;
}

#endif
