// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO type1 dirty-page logging from the IOMMU's hardware dirty bits, with
 * the manual-clear interface, on edu DMA through the emulated SMMUv3 (HTTU
 * on). Upstream type1 reports every mapped page dirty on every read; here
 * the container reports exactly the pages DMA wrote.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL
#define LEN		(1UL << 20)
#define NPAGES		(LEN / EDU_PAGE_SIZE)

static struct edu_dev d;
static uint64_t *bm;
static size_t dma_len;

static void write_pages(const size_t *pages, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		edu_dma_to_ram(&d, IOVA + pages[i] * EDU_PAGE_SIZE, dma_len);
}

static bool op_is(uint32_t flag, const size_t *pages, size_t n,
		  const char *what)
{
	bool ok;

	if (edu_type1_dirty_op(&d, flag, IOVA, LEN, bm))
		return false;
	ok = edu_bitmap_equals_list(bm, NPAGES, pages, n);
	if (!ok)
		edu_bitmap_print(what, bm, NPAGES);
	return ok;
}

static bool get_is(const size_t *pages, size_t n, const char *what)
{
	return op_is(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, pages, n, what);
}

static bool peek_is(const size_t *pages, size_t n, const char *what)
{
	return op_is(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP_NOCLEAR, pages, n,
		     what);
}

static int clear_pages(const size_t *pages, size_t n)
{
	uint64_t *clr = edu_bitmap_from_list(NPAGES, pages, n);
	int ret;

	if (!clr)
		return -ENOMEM;
	ret = edu_type1_dirty_op(&d, VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP,
				 IOVA, LEN, clr);
	free(clr);
	return ret;
}

/*
 * One pre-copy round of a migration: the pages reported dirty are copied
 * one by one, and while they are copied the device keeps writing pages
 * that were reported but not copied yet. With automatic clear those writes
 * are reported again in the next round although the copy already carried
 * them; with manual clear each page is cleared just before it is copied.
 * Returns how many pages the next round reports.
 */
static size_t precopy_round(bool manual, size_t npages, size_t rewrite_every)
{
	uint32_t get = manual ? VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP_NOCLEAR :
				VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	size_t i, j;

	/* The guest's device dirtied the first npages pages */
	for (i = 0; i < npages; i++)
		edu_dma_to_ram(&d, IOVA + i * EDU_PAGE_SIZE, dma_len);
	if (edu_type1_dirty_op(&d, get, IOVA, LEN, bm))
		return (size_t)-1;

	for (i = 0; i < npages; i++) {
		if (manual && clear_pages(&i, 1))
			return (size_t)-1;
		/* copy page i (the data is in memory: nothing to do here) */
		if (i % rewrite_every)
			continue;
		/* the device writes the pages not copied yet once more */
		for (j = i + 1; j < npages && j < i + 1 + rewrite_every; j++)
			edu_dma_to_ram(&d, IOVA + j * EDU_PAGE_SIZE, dma_len);
	}

	if (edu_type1_dirty_op(&d, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
			       IOVA, LEN, bm))
		return (size_t)-1;
	return edu_bitmap_count(bm, NPAGES);
}

int main(void)
{
	static const size_t p3_17_100[] = { 3, 17, 100 }, p5_6_7[] = { 5, 6, 7 };
	static const size_t p5_7[] = { 5, 7 }, p6[] = { 6 }, p9_10[] = { 9, 10 };
	size_t auto_rereported, manual_rereported;
	uint64_t pgsizes = 0, max_bitmap = 0;
	uint32_t cap_flags = 0;
	void *buf;

	tap_plan(14);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	if (!bm || edu_find(d.bdf, sizeof(d.bdf)) || edu_type1_open(&d))
		return tap_finish();

	buf = edu_buf_alloc(LEN + 64 * EDU_PAGE_SIZE, false);
	if (!tap_ok(buf && !edu_map(&d, buf, IOVA, LEN) &&
		    !edu_map(&d, (char *)buf + LEN, IOVA + LEN,
			     64 * EDU_PAGE_SIZE) && !edu_enable(&d),
		    "type1 container, %lu pages mapped at 0x%llx", NPAGES,
		    (unsigned long long)IOVA))
		return tap_finish();

	tap_ok(ioctl(d.container_fd, VFIO_CHECK_EXTENSION,
		     VFIO_DIRTY_LOG_MANUAL_CLEAR) == 1,
	       "VFIO_CHECK_EXTENSION(VFIO_DIRTY_LOG_MANUAL_CLEAR)");
	tap_ok(!edu_type1_migration_cap_flags(&d, &cap_flags, &pgsizes,
					      &max_bitmap) &&
	       (cap_flags & VFIO_IOMMU_MIGRATION_HW_DIRTY),
	       "migration capability says hardware dirty tracking (flags 0x%x)",
	       cap_flags);

	if (!tap_ok(!edu_type1_dirty_start(&d), "DIRTY_PAGES START"))
		return tap_finish();
	tap_ok(get_is(NULL, 0, "no DMA"),
	       "no DMA: no page reported (upstream reports all %lu)", NPAGES);

	write_pages(p3_17_100, 3);
	tap_ok(get_is(p3_17_100, 3, "after DMA"),
	       "DMA to pages 3, 17, 100: exactly those reported");
	tap_ok(get_is(NULL, 0, "second read"), "a second read reports none");

	write_pages(p5_6_7, 3);
	tap_ok(peek_is(p5_6_7, 3, "no-clear 1") && peek_is(p5_6_7, 3, "no-clear 2"),
	       "GET_BITMAP_NOCLEAR twice returns the same pages 5-7");
	tap_ok(!clear_pages(p6, 1) && peek_is(p5_7, 2, "after clear"),
	       "CLEAR_BITMAP of page 6 leaves pages 5 and 7");
	write_pages(p6, 1);
	tap_ok(get_is(p5_6_7, 3, "after rewrite"),
	       "a DMA after CLEAR_BITMAP is seen again");

	auto_rereported = precopy_round(false, 64, 4);
	get_is(NULL, 0, "reset");
	manual_rereported = precopy_round(true, 64, 4);
	tap_diag("pre-copy round of 64 pages rewritten while copying: "
		 "auto-clear re-reports %zu pages, manual clear %zu",
		 auto_rereported, manual_rereported);
	tap_ok(manual_rereported < auto_rereported,
	       "manual clear re-reports fewer pages than auto-clear (%zu < %zu)",
	       manual_rereported, auto_rereported);

	/* Unmap with the dirty bitmap returns the hardware dirty pages */
	get_is(NULL, 0, "reset");
	write_pages(p9_10, 2);
	tap_ok(!edu_type1_unmap_dirty(&d, IOVA, LEN, bm) &&
	       edu_bitmap_equals_list(bm, NPAGES, p9_10, 2),
	       "UNMAP_DMA with GET_DIRTY_BITMAP reports pages 9 and 10");

	tap_ok(!edu_type1_dirty_stop(&d), "DIRTY_PAGES STOP");
	tap_ok(edu_type1_dirty_op(&d, VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP,
				  IOVA + LEN, 64 * EDU_PAGE_SIZE, bm) == -EINVAL,
	       "CLEAR_BITMAP while not tracking: EINVAL");

	edu_close(&d);
	return tap_finish();
}
