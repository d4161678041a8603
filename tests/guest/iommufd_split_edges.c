// SPDX-License-Identifier: GPL-2.0
/*
 * The two edges IOMMU_HWPT_SET_DIRTY_TRACKING documents for SPLIT and
 * MERGE, with real edu DMA through the emulated SMMUv3 (HTTU on):
 *
 *  - a mapping added after ENABLE|SPLIT gets a block again (one DMA write
 *    reports its 512 pages) until the next ENABLE|SPLIT, while what was
 *    split stays split;
 *  - MERGE merges nothing on an IOAS whose large pages are off
 *    (IOMMU_OPTION_HUGE_PAGES = 0): one write still reports one page;
 *  - CLEAR_DIRTY_BITMAP works in pieces of 64 MiB (of 4 KiB pages): over a
 *    range whose second piece has a hole it fails EINVAL, and the first
 *    piece stays cleared while the second is untouched;
 *  - CLEAR_DIRTY_BITMAP does not depend on the tracking state: it succeeds
 *    while tracking is off;
 *  - GET_DIRTY_BITMAP's page_size is upstream's: one that is not a power
 *    of two (0x3000) is taken as its lowest set bit (4 KiB bits).
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
#define PIECE		(64UL << 20)	/* CLEAR's piece: 16384 4 KiB bits */
#define PIECE_IOVA	0x9000000ULL	/* 144 MiB: 64 MiB, a 2 MiB hole, */
#define AFTER_HOLE	(PIECE_IOVA + PIECE + (2UL << 20)) /* then 2 MiB */

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

/* Pages reported in [iova, iova + len) by a read that does not clear */
static size_t reported(uint64_t iova, size_t len, uint64_t *bitmap)
{
	if (edu_iommufd_get_dirty(&d, hwpt, iova, len,
				  IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, bitmap))
		return (size_t)-1;
	return edu_bitmap_count(bitmap, len / EDU_PAGE_SIZE);
}

/*
 * 64 MiB mapped, a 2 MiB hole, 2 MiB mapped: one DMA write in each
 * mapping, then a CLEAR of all of it.  The hole is in CLEAR's second
 * piece: the first piece is cleared before the second fails.
 */
static void clear_with_hole(void)
{
	size_t all = PIECE + (4UL << 20), npages = all / EDU_PAGE_SIZE, n1, n2;
	void *big = edu_buf_alloc(PIECE, false);
	void *small = edu_buf_alloc(2UL << 20, false);
	uint64_t *ones = edu_bitmap_alloc(npages);
	uint64_t *got = edu_bitmap_alloc(npages);
	bool ok;
	int err;

	ok = big && small && ones && got &&
	     !edu_map(&d, big, PIECE_IOVA, PIECE) &&
	     !edu_map(&d, small, AFTER_HOLE, 2UL << 20) &&
	     !edu_dma_to_ram(&d, PIECE_IOVA + 5 * EDU_PAGE_SIZE, dma_len) &&
	     !edu_dma_to_ram(&d, AFTER_HOLE + 5 * EDU_PAGE_SIZE, dma_len);
	tap_ok(ok, "64 MiB at 0x%llx, a 2 MiB hole, 2 MiB at 0x%llx, one DMA "
	       "write in each", (unsigned long long)PIECE_IOVA,
	       (unsigned long long)AFTER_HOLE);
	if (ones)
		memset(ones, 0xff, edu_bitmap_words(npages) * 8);
	err = ok ? edu_iommufd_clear_dirty(&d, hwpt, PIECE_IOVA, all,
					   EDU_PAGE_SIZE, ones) : -1;
	tap_ok(err == -EINVAL, "CLEAR over both and the hole: %d, want "
	       "EINVAL (%d)", err, -EINVAL);
	n1 = ok ? reported(PIECE_IOVA, PIECE, got) : (size_t)-1;
	n2 = ok ? reported(AFTER_HOLE, 2UL << 20, got) : (size_t)-1;
	tap_ok(n1 == 0 && n2 != (size_t)-1 && n2 && edu_bitmap_test(got, 5),
	       "the first 64 MiB piece was cleared (%zu pages dirty), the "
	       "piece with the hole was not (%zu, its written page among "
	       "them)", n1, n2);
	edu_unmap(&d, PIECE_IOVA, PIECE);
	edu_unmap(&d, AFTER_HOLE, 2UL << 20);
	edu_buf_free(big, PIECE);
	edu_buf_free(small, 2UL << 20);
	free(ones);
	free(got);
}

/* GET_DIRTY_BITMAP of @iova's 2 MiB with a @page_size of the caller's */
static int get_dirty_pgsize(uint64_t iova, uint64_t page_size)
{
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.hwpt_id = hwpt,
		.iova = iova,
		.length = LEN,
		.page_size = page_size,
		.data = (uintptr_t)bm,
	};

	return ioctl(d.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get) ? -errno : 0;
}

int main(void)
{
	void *buf, *buf2;
	size_t n;
	int err;

	tap_plan(1 + 7 + 5);
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

	clear_with_hole();

	/* page_size 0x3000 reads 4 KiB bits (split: one page) */
	err = edu_iommufd_get_dirty(&d, hwpt, IOVA2, LEN, 0, bm);
	if (!err)
		err = edu_dma_to_ram(&d, IOVA2 + 5 * EDU_PAGE_SIZE, dma_len);
	if (!err)
		err = get_dirty_pgsize(IOVA2, 0x3000);
	n = err ? (size_t)-1 : edu_bitmap_count(bm, NPAGES);
	tap_ok(!err && n == 1 && edu_bitmap_test(bm, 5),
	       "GET_DIRTY_BITMAP with page_size 0x3000 is taken as 4 KiB "
	       "(upstream): %d, %zu page(s), the written one", err, n);

	/* CLEAR while tracking is off */
	memset(bm, 0xff, edu_bitmap_words(NPAGES) * 8);
	err = edu_iommufd_set_dirty(&d, hwpt, false);
	if (!err)
		err = edu_iommufd_clear_dirty(&d, hwpt, IOVA2, LEN,
					      EDU_PAGE_SIZE, bm);
	tap_ok(!err, "CLEAR_DIRTY_BITMAP while tracking is off succeeds (%d)",
	       err);

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
