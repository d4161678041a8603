// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO DMA logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_START, _STOP, _REPORT)
 * on the edu-vfio-pci variant driver, over the device's own DMA write log
 * (QEMU's edu with x-dma-log=on: boot with "scripts/vm.sh --edu-dma-log").
 *
 * The DMA lands in a type1 container (no IOMMU dirty tracking involved):
 * the report must name exactly the pages written since the last report in
 * the range asked, at the page size asked (bits replicated or merged),
 * set bits without clearing the caller's, keep what lies outside the
 * range for a later report, and after the device's 512-page log overflowed
 * report every page of the ranges once; a log turned off through BAR0
 * makes the next report fail (EIO). Errors as the uAPI says: a second
 * START while logging (EBUSY), REPORT while not logging (EINVAL), no
 * ranges (EINVAL), too many (E2BIG), overlapping or unaligned (EINVAL),
 * a range that wraps (EOVERFLOW), a bad report page size (EINVAL), a
 * written page that cannot be recorded in the caller's bitmap (EFAULT:
 * kernel patch 47; upstream returned 0 and lost the page). Six ranges are merged into the device's
 * four, and pages written in each are reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define DRIVER		"edu_vfio_pci"
#define IOVA		0x1000000ULL	/* 16 MiB */
#define NPAGES		1024UL		/* 4 MiB: more than the log holds */
#define LEN		(NPAGES * EDU_PAGE_SIZE)
#define LOG_CAPACITY	512

static struct edu_dev d;
static size_t dma_len;

static int feature(uint32_t flags, void *data, size_t len)
{
	return edu_device_feature(&d, flags, data, len);
}

static int start(const struct vfio_device_feature_dma_logging_range *r,
		 uint32_t n, uint64_t *pgsize)
{
	return edu_dma_log_start(&d, r, n, pgsize);
}

static int start1(uint64_t iova, uint64_t len)
{
	struct vfio_device_feature_dma_logging_range r = { iova, len };
	uint64_t pgsize = EDU_PAGE_SIZE;

	return start(&r, 1, &pgsize);
}

static int stop(void)
{
	return edu_dma_log_stop(&d);
}

static int report(uint64_t iova, uint64_t len, uint64_t pgsize, void *bitmap)
{
	return edu_dma_log_report(&d, iova, len, pgsize, bitmap);
}

static int write_page(size_t page)
{
	return edu_dma_to_ram(&d, IOVA + page * EDU_PAGE_SIZE, dma_len);
}

/* REPORT [first, first + n) pages of 4 KiB into a zeroed bitmap: it equals list? */
static bool report_is(size_t first, size_t n, const size_t *list, size_t nlist,
		      uint64_t *bm, const char *what)
{
	bool ok;

	memset(bm, 0, edu_bitmap_words(NPAGES) * 8);
	if (report(IOVA + first * EDU_PAGE_SIZE, n * EDU_PAGE_SIZE, EDU_PAGE_SIZE, bm))
		return false;
	ok = edu_bitmap_equals_list(bm, n, list, nlist);
	if (!ok)
		edu_bitmap_print(what, bm, n);
	return ok;
}

int main(void)
{
	static const size_t p3_7_20[] = { 3, 7, 20 }, p10[] = { 10 }, p8[] = { 8 };
	struct vfio_device_feature_dma_logging_range six[6], two[2];
	uint64_t *bm = edu_bitmap_alloc(NPAGES), pgsize;
	size_t i, n;
	void *buf, *ro;
	int ret;

	tap_plan(17);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	buf = edu_buf_alloc(LEN, false);
	if (!tap_ok(bm && buf && !edu_find_nth(0, d.bdf, sizeof(d.bdf)) &&
		    !edu_bind_driver(d.bdf, DRIVER) && !edu_type1_open(&d) &&
		    !edu_map(&d, buf, IOVA, LEN) && !edu_enable(&d),
		    "edu %s bound to %s, 4 MiB mapped in a type1 container", d.bdf, DRIVER))
		return tap_finish();
	ret = feature(VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_DMA_LOGGING_START, NULL, 0);
	if (!tap_ok(ret == 0, "PROBE: the device offers DMA logging (%s)",
		    ret ? strerror(-ret) : "yes"))
		return tap_finish();

	pgsize = EDU_PAGE_SIZE;
	ret = start(&(struct vfio_device_feature_dma_logging_range){ IOVA, LEN }, 1, &pgsize);
	tap_ok(ret == 0 && pgsize == EDU_PAGE_SIZE, "START, one range, 4 KiB pages: %d, page size %llu",
	       ret, (unsigned long long)pgsize);
	tap_ok(start1(IOVA, LEN) == -EBUSY, "a second START while logging: EBUSY");

	/* exact pages, cleared by the report */
	write_page(3);
	write_page(7);
	write_page(7);
	write_page(20);
	tap_ok(report_is(0, NPAGES, p3_7_20, 3, bm, "report") &&
	       report_is(0, NPAGES, NULL, 0, bm, "second report"),
	       "REPORT names pages 3, 7 and 20 (7 written twice), and the next one nothing");

	/* the report sets bits and never clears the caller's */
	write_page(10);
	memset(bm, 0, edu_bitmap_words(NPAGES) * 8);
	bm[0] = 1ULL << 1;
	ret = report(IOVA, LEN, EDU_PAGE_SIZE, bm);
	tap_ok(!ret && bm[0] == ((1ULL << 1) | (1ULL << 10)),
	       "REPORT ORs into the bitmap: 0x%llx (page 1 was the caller's, 10 written)",
	       (unsigned long long)bm[0]);

	/* a bigger report page: pages 9, 11 and 40 at 32 KiB are bits 1 and 5 */
	write_page(9);
	write_page(11);
	write_page(40);
	memset(bm, 0, 64);
	ret = report(IOVA, LEN, 8 * EDU_PAGE_SIZE, bm);
	tap_ok(!ret && bm[0] == ((1ULL << 1) | (1ULL << 5)),
	       "REPORT at 32 KiB pages: pages 9, 11 and 40 are bits 1 and 5 (0x%llx)",
	       (unsigned long long)bm[0]);

	/* a report of part of the range keeps the rest for later */
	write_page(8);
	write_page(100);
	tap_ok(report_is(0, 64, p8, 1, bm, "first 64") &&
	       report_is(64, NPAGES - 64, (const size_t[]){ 36 }, 1, bm, "the rest"),
	       "REPORT of pages 0-63 gives page 8; page 100 waits for the report of the rest");

	/* overflow: more distinct pages than the device's log holds */
	for (i = 0, ret = 0; i < LOG_CAPACITY + 10 && !ret; i++)
		ret = write_page(i);
	memset(bm, 0, edu_bitmap_words(NPAGES) * 8);
	n = report(IOVA, LEN, EDU_PAGE_SIZE, bm) ? 0 : edu_bitmap_count(bm, NPAGES);
	tap_ok(!ret && n == NPAGES,
	       "after %d distinct writes (log of %d) every page of the range is reported once: %zu of %lu",
	       LOG_CAPACITY + 10, LOG_CAPACITY, n, NPAGES);
	write_page(10);
	tap_ok(report_is(0, NPAGES, p10, 1, bm, "after overflow"),
	       "then exact again: one write, page 10");

	/* the log turned off behind the driver (its registers are in BAR0) */
	edu_write32(&d, 0x200, 0);
	write_page(12);
	memset(bm, 0, edu_bitmap_words(NPAGES) * 8);
	ret = report(IOVA, LEN, EDU_PAGE_SIZE, bm);
	tap_ok(ret == -EIO && !stop() && start1(IOVA, LEN) == 0 &&
	       !write_page(13) &&
	       report_is(0, NPAGES, (const size_t[]){ 13 }, 1, bm, "restarted"),
	       "a log turned off through BAR0: REPORT fails (%s); STOP and START bring it back, exact again",
	       strerror(-ret));

	/* errors */
	memset(bm, 0, 64);
	ret = report(IOVA, LEN, 3000, bm);
	write_page(6);
	i = report(IOVA, LEN, EDU_PAGE_SIZE, (void *)8);
	tap_ok(ret == -EINVAL && (int)i == -EFAULT,
	       "REPORT with a page size not a power of two: %s; unwritable bitmap: %s",
	       strerror(-ret), strerror(-(int)i));
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	write_page(5);
	ret = ro == MAP_FAILED ? -ENOMEM : report(IOVA, LEN, EDU_PAGE_SIZE, ro);
	tap_ok(ret == -EFAULT, "REPORT into a read-only bitmap: %s", strerror(-ret));
	tap_ok(stop() == 0 && report(IOVA, LEN, EDU_PAGE_SIZE, bm) == -EINVAL &&
	       stop() == 0,
	       "STOP; REPORT while not logging: EINVAL; a second STOP: 0");

	two[0] = (struct vfio_device_feature_dma_logging_range){ IOVA, LEN };
	two[1] = (struct vfio_device_feature_dma_logging_range){ IOVA + LEN / 2, LEN };
	pgsize = EDU_PAGE_SIZE;
	tap_ok(start(two, 0, &pgsize) == -EINVAL && start(two, 2, &pgsize) == -EINVAL &&
	       start1(IOVA + 100, LEN) == -EINVAL &&
	       start1(~0ULL - EDU_PAGE_SIZE + 1, 2 * EDU_PAGE_SIZE) == -EOVERFLOW,
	       "START with no ranges, overlapping ranges, an unaligned range: EINVAL; a range that wraps: EOVERFLOW");
	{
		/* the core takes as many ranges as fit in a page: 256 */
		struct vfio_device_feature_dma_logging_range *many =
			calloc(257, sizeof(*many));

		pgsize = EDU_PAGE_SIZE;
		for (i = 0; many && i < 257; i++)
			many[i] = (struct vfio_device_feature_dma_logging_range){
				IOVA + i * 2 * EDU_PAGE_SIZE, EDU_PAGE_SIZE };
		tap_ok(many && start(many, 257, &pgsize) == -E2BIG,
		       "START with 257 ranges (the core takes 256): E2BIG");
		free(many);
	}

	/* six ranges, merged into the device's four: every range still logged */
	for (i = 0; i < 6; i++)
		six[i] = (struct vfio_device_feature_dma_logging_range){
			IOVA + i * 160 * EDU_PAGE_SIZE, 16 * EDU_PAGE_SIZE };
	pgsize = EDU_PAGE_SIZE;
	ret = start(six, 6, &pgsize);
	for (i = 0; i < 6 && !ret; i++)
		ret = write_page(i * 160 + 5);
	if (!tap_ok(!ret && report_is(0, NPAGES, (const size_t[]){ 5, 165, 325, 485, 645, 805 }, 6,
				  bm, "six ranges") && !stop(),
		    "six ranges (merged into four): a page written in each is reported"))
		stop();

	edu_close(&d);
	edu_bind_driver(d.bdf, "vfio-pci");
	edu_buf_free(buf, LEN);
	return tap_finish();
}
