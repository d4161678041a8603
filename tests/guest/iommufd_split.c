// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd block split, merge and clear by bitmap, with real edu DMA through
 * the emulated SMMUv3 (HTTU on).
 *
 * A 2 MiB hugetlb buffer mapped at a 2 MiB-aligned IOVA is one block in
 * the IOMMU, so one DMA write makes the whole block dirty: 512 pages. After
 * IOMMU_HWPT_DIRTY_TRACKING_SPLIT the same write is exactly one page;
 * IOMMU_HWPT_DIRTY_TRACKING_MERGE brings the block back; and
 * IOMMU_HWPT_CLEAR_DIRTY_BITMAP cleans exactly the pages named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL	/* 16 MiB: 2 MiB aligned */
#define LEN		(2UL << 20)
#define NPAGES		(LEN / EDU_PAGE_SIZE)

static struct edu_dev d;
static uint32_t hwpt;
static uint64_t *bm;
static size_t dma_len;

static int write_page(size_t page)
{
	return edu_dma_to_ram(&d, IOVA + page * EDU_PAGE_SIZE, dma_len);
}

/* Read (and clear unless @flags has NO_CLEAR) the dirty pages of the buffer */
static size_t dirty_pages(uint32_t flags)
{
	if (edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, flags, bm))
		return (size_t)-1;
	return edu_bitmap_count(bm, NPAGES);
}

static bool dirty_is(const size_t *pages, size_t n, uint32_t flags,
		     const char *what)
{
	bool ok;

	if (edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, flags, bm))
		return false;
	ok = edu_bitmap_equals_list(bm, NPAGES, pages, n);
	if (!ok)
		edu_bitmap_print(what, bm, NPAGES);
	return ok;
}

static int clear_pages(const size_t *pages, size_t n)
{
	uint64_t *clr = edu_bitmap_from_list(NPAGES, pages, n);
	int ret;

	if (!clr)
		return -ENOMEM;
	ret = edu_iommufd_clear_dirty(&d, hwpt, IOVA, LEN, EDU_PAGE_SIZE, clr);
	free(clr);
	return ret;
}

int main(void)
{
	static const size_t p7[] = { 7 }, p10_12[] = { 10, 11, 12 };
	static const size_t p10_12_only[] = { 10, 12 }, p11[] = { 11 };
	struct iommu_hw_info_arm_smmuv3 smmu = {};
	uint64_t caps = 0;
	uint32_t type = 0;
	void *buf;

	tap_plan(16);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	if (!bm || edu_find(d.bdf, sizeof(d.bdf)) || edu_iommufd_open(&d))
		return tap_finish();

	tap_ok(!edu_iommufd_hw_info(&d, &caps, &type, &smmu, sizeof(smmu)) &&
	       (caps & IOMMU_HW_CAP_DIRTY_SPLIT),
	       "GET_HW_INFO reports IOMMU_HW_CAP_DIRTY_SPLIT (caps 0x%llx)",
	       (unsigned long long)caps);
	/* IDR0.HTTU bits 7:6, IDR3.BBML bits 12:11 */
	tap_ok(type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3 &&
	       ((smmu.idr[0] >> 6) & 3) == 2 && ((smmu.idr[3] >> 11) & 3) == 2,
	       "GET_HW_INFO SMMUv3 registers: type %u, HTTU %u, BBML %u",
	       type, (smmu.idr[0] >> 6) & 3, (smmu.idr[3] >> 11) & 3);

	buf = edu_buf_alloc(LEN, true);
	if (!tap_ok(buf != NULL, "2 MiB hugetlb buffer") ||
	    !tap_ok(!edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					   &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) &&
		    !edu_map(&d, buf, IOVA, LEN) && !edu_enable(&d),
		    "dirty-tracking HWPT, buffer mapped at 0x%llx",
		    (unsigned long long)IOVA))
		return tap_finish();

	/* Block: one write dirties all 512 pages */
	edu_iommufd_set_dirty(&d, hwpt, true);
	write_page(5);
	tap_ok(dirty_pages(0) == NPAGES,
	       "without split one DMA write reports the whole block (%zu pages)",
	       edu_bitmap_count(bm, NPAGES));

	/* Split: the same write is one page */
	tap_ok(!edu_iommufd_set_dirty_flags(&d, hwpt,
					    IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					    IOMMU_HWPT_DIRTY_TRACKING_SPLIT),
	       "SET_DIRTY_TRACKING(ENABLE | SPLIT)");
	tap_ok(dirty_pages(0) == 0, "nothing dirty right after the split");
	write_page(7);
	tap_ok(dirty_is(p7, 1, 0, "after split"),
	       "after split one DMA write reports exactly 1 page");

	/* Clear by bitmap: exactly the named pages */
	write_page(10);
	write_page(11);
	write_page(12);
	tap_ok(dirty_is(p10_12, 3, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
			"no-clear read") &&
	       dirty_is(p10_12, 3, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
			"second no-clear read"),
	       "NO_CLEAR reads report pages 10-12 twice");
	tap_ok(!clear_pages(p11, 1), "CLEAR_DIRTY_BITMAP of page 11");
	tap_ok(dirty_is(p10_12_only, 2, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
			"after clear"),
	       "clear left exactly pages 10 and 12 dirty");
	write_page(11);
	tap_ok(dirty_is(p10_12, 3, 0, "after rewrite"),
	       "a DMA write after the clear is seen again");

	/* The same page written after a clearing read is seen again */
	write_page(11);
	tap_ok(dirty_is(p11, 1, 0, "rewrite after read"),
	       "a page rewritten after a clearing read is reported again");

	/* Merge: the block comes back, carrying the dirty page */
	write_page(20);
	tap_ok(!edu_iommufd_set_dirty_flags(&d, hwpt,
					    IOMMU_HWPT_DIRTY_TRACKING_MERGE),
	       "SET_DIRTY_TRACKING(MERGE) (disable)");
	tap_ok(dirty_pages(0) == NPAGES,
	       "merged block carries the dirty page: %zu pages",
	       edu_bitmap_count(bm, NPAGES));
	write_page(30);
	tap_ok(dirty_pages(0) == NPAGES,
	       "after merge one DMA write reports the whole block again (%zu)",
	       edu_bitmap_count(bm, NPAGES));

	edu_close(&d);
	edu_buf_free(buf, LEN);
	return tap_finish();
}
