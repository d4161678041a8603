// SPDX-License-Identifier: GPL-2.0
/*
 * The two edges IOMMU_HWPT_SET_DIRTY_TRACKING documents for SPLIT and
 * MERGE, with real edu DMA through the emulated SMMUv3 (HTTU on):
 *
 *  - a mapping added after ENABLE|SPLIT gets a block again (one DMA write
 *    reports its 512 pages) until the next ENABLE|SPLIT, while what was
 *    split stays split;
 *  - MERGE merges nothing on an IOAS whose large pages are off
 *    (IOMMU_OPTION_HUGE_PAGES = 0): one write still reports one page.
 *
 * Apart from iommufd_split, whose exact ioctl counts other tests use as a
 * workload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL	/* 16 MiB: 2 MiB aligned */
#define LEN		(2UL << 20)
#define NPAGES		(LEN / EDU_PAGE_SIZE)
#define IOVA2		(IOVA + (4UL << 20))	/* mapped after a SPLIT */

static struct edu_dev d;
static uint32_t hwpt;
static uint64_t *bm;
static size_t dma_len;

/* Clearing read of the 2 MiB at @iova, then one DMA write to its page 5:
 * the number of pages the next read reports */
static size_t one_write_reports(uint64_t iova)
{
	if (edu_iommufd_get_dirty(&d, hwpt, iova, LEN, 0, bm) ||
	    edu_dma_to_ram(&d, iova + 5 * EDU_PAGE_SIZE, dma_len) ||
	    edu_iommufd_get_dirty(&d, hwpt, iova, LEN, 0, bm))
		return (size_t)-1;
	return edu_bitmap_count(bm, NPAGES);
}

static int huge_pages_off(void)
{
	struct iommu_option opt = {
		.size = sizeof(opt),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_SET,
		.object_id = d.ioas_id,
		.val64 = 0,
	};

	return ioctl(d.iommufd, IOMMU_OPTION, &opt) ? -errno : 0;
}

int main(void)
{
	void *buf, *buf2;
	size_t n;
	int err;

	tap_plan(1 + 7);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	if (!bm || edu_find(d.bdf, sizeof(d.bdf)) || edu_iommufd_open(&d))
		return tap_finish();

	buf = edu_buf_alloc(LEN, true);
	if (!tap_ok(buf && !edu_iommufd_hwpt_alloc(&d,
					IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) &&
		    !edu_map(&d, buf, IOVA, LEN) && !edu_enable(&d),
		    "dirty-tracking HWPT, 2 MiB hugetlb buffer mapped at 0x%llx",
		    (unsigned long long)IOVA))
		return tap_finish();

	/* A mapping added after SPLIT is a block until the next SPLIT */
	buf2 = edu_buf_alloc(LEN, true);
	tap_ok(buf2 && !edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					IOMMU_HWPT_DIRTY_TRACKING_SPLIT) &&
	       !edu_map(&d, buf2, IOVA2, LEN),
	       "ENABLE|SPLIT, then a second 2 MiB hugetlb buffer mapped at 0x%llx",
	       (unsigned long long)IOVA2);
	n = one_write_reports(IOVA2);
	tap_ok(n == NPAGES, "mapped after the split, it is a block: one write "
	       "reports %zu pages, want %lu", n, NPAGES);
	n = one_write_reports(IOVA);
	tap_ok(n == 1, "the buffer split before stays split: %zu page(s)", n);
	n = edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					IOMMU_HWPT_DIRTY_TRACKING_SPLIT) ?
	    (size_t)-1 : one_write_reports(IOVA2);
	tap_ok(n == 1, "after another ENABLE|SPLIT it reports one page (%zu)",
	       n);

	/* MERGE on an IOAS with large pages off merges nothing */
	err = 0;
	if (edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_MERGE) ||
	    edu_unmap(&d, IOVA, LEN) || edu_unmap(&d, IOVA2, LEN))
		err = -1;
	else
		err = huge_pages_off();
	tap_ok(!err && !edu_map(&d, buf, IOVA, LEN) &&
	       !edu_iommufd_set_dirty(&d, hwpt, true),
	       "IOMMU_OPTION_HUGE_PAGES off, buffer mapped again, tracking on "
	       "(%d)", err);
	n = one_write_reports(IOVA);
	tap_ok(n == 1, "large pages off: one write reports %zu page(s)", n);
	n = edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_MERGE) ||
	    edu_iommufd_set_dirty(&d, hwpt, true) ?
	    (size_t)-1 : one_write_reports(IOVA);
	tap_ok(n == 1, "MERGE with large pages off merged nothing: one write "
	       "still reports %zu page(s)", n);

	edu_close(&d);
	edu_buf_free(buf, LEN);
	if (buf2)
		edu_buf_free(buf2, LEN);
	return tap_finish();
}
