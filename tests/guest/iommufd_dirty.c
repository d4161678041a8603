// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_dirty: SMMUv3 hardware dirty tracking (HTTU) seen through iommufd.
 *
 * Needs an SMMUv3 with HTTU dirty-state update (QEMU: arm-smmuv3.x-httu=on).
 * The edu device writes chosen pages of a mapping by DMA; the dirty bitmap
 * read through IOMMU_HWPT_GET_DIRTY_BITMAP must name exactly those pages,
 * be cleared by a read (unless NO_CLEAR), and pick up new writes, including
 * a write to a page that was dirty before and has been cleared since.
 *
 * usage: iommufd_dirty [--dma-size N] [--hugetlb] [--iterations N]
 *   --dma-size N    bytes per edu DMA (1..4096; stock QEMU 7.2 edu: < 4096)
 *   --hugetlb       back the mapping with 2 MiB hugetlb pages; the SMMU then
 *                   maps 2 MiB blocks and reports dirt per block
 *   --iterations N  GET_DIRTY_BITMAP calls to time (default 20)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/iommufd.h>

#include "edudma.h"
#include "tap.h"

#define MAP_IOVA	0x1000000ULL		/* 16 MiB */
#define MAP_LEN		(1UL << 20)		/* 256 pages */
#define HUGE_MAP_LEN	(4UL << 20)		/* two 2 MiB blocks */
#define HUGE_GRANULE	512			/* 4 KiB pages per block */
#define SRC_PAGE	0			/* pattern the device reads */
#define PLAN		25
#define MAX_WRITTEN	8

struct ctx {
	struct edu_dev d;
	uint8_t *buf;
	uint64_t iova;
	size_t len;
	size_t npages;
	size_t granule;		/* pages the IOMMU tracks as one unit */
	uint32_t hwpt;
	uint64_t *bm;
	uint64_t *want;
	size_t dma_size;
	bool hugetlb;
	int iterations;
};

static uint8_t pattern_byte(size_t i)
{
	return (uint8_t)(i * 7 + 13);
}

static uint64_t page_iova(struct ctx *c, size_t page)
{
	return c->iova + page * EDU_PAGE_SIZE;
}

/* --- setup ------------------------------------------------------------- */

static bool setup_device(struct ctx *c)
{
	uint64_t caps = 0;
	int ret;

	ret = edu_find(c->d.bdf, sizeof(c->d.bdf));
	if (!ret)
		ret = edu_bind_vfio_pci(c->d.bdf);
	if (!tap_ok(!ret, "edu device %s bound to vfio-pci", c->d.bdf))
		return false;

	ret = edu_iommufd_open(&c->d);
	if (!tap_ok(!ret, "iommufd: cdev bound (dev_id %u), IOAS %u",
		    c->d.dev_id, c->d.ioas_id))
		return false;

	ret = edu_iommufd_hw_caps(&c->d, &caps);
	tap_ok(!ret && (caps & IOMMU_HW_CAP_DIRTY_TRACKING),
	       "IOMMU_GET_HW_INFO reports IOMMU_HW_CAP_DIRTY_TRACKING "
	       "(caps 0x%llx)", (unsigned long long)caps);

	ret = edu_iommufd_hwpt_alloc(&c->d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				     &c->hwpt);
	if (!tap_ok(!ret, "IOMMU_HWPT_ALLOC with DIRTY_TRACKING (hwpt %u)",
		    c->hwpt))
		return false;

	ret = edu_iommufd_attach(&c->d, c->hwpt);
	return tap_ok(!ret, "device attached to the dirty-tracking HWPT");
}

static bool setup_mapping(struct ctx *c)
{
	size_t i;
	int ret = -ENOMEM;

	c->buf = edu_buf_alloc(c->len, c->hugetlb);
	c->bm = edu_bitmap_alloc(c->npages);
	c->want = edu_bitmap_alloc(c->npages);
	if (c->buf && c->bm && c->want)
		ret = edu_map(&c->d, c->buf, c->iova, c->len);
	if (!tap_ok(!ret, "IOMMU_IOAS_MAP %zu KiB%s at IOVA 0x%llx",
		    c->len >> 10, c->hugetlb ? " (hugetlb)" : "",
		    (unsigned long long)c->iova))
		return false;
	for (i = 0; i < EDU_PAGE_SIZE; i++)
		c->buf[SRC_PAGE * EDU_PAGE_SIZE + i] = pattern_byte(i);

	ret = edu_enable(&c->d);
	return tap_ok(!ret, "edu BAR0 mapped (%zu KiB), ident ok, bus master on",
		      c->d.bar0_size >> 10);
}

/* --- dirty bitmap checks ------------------------------------------------ */

/*
 * Expected bitmap for a read of pages [first, first + n) after writes to
 * @written: every tracking unit (granule) that holds a written page.
 */
static void expect(struct ctx *c, size_t first, size_t n,
		   const size_t *written, size_t nwritten)
{
	size_t i, w, lo, hi;

	memset(c->want, 0, edu_bitmap_words(c->npages) * 8);
	for (w = 0; w < nwritten; w++) {
		lo = written[w] / c->granule * c->granule;
		hi = lo + c->granule;
		for (i = lo; i < hi; i++) {
			if (i >= first && i < first + n)
				edu_bitmap_set(c->want, i - first);
		}
	}
}

static bool bitmap_matches(struct ctx *c, size_t n)
{
	size_t i;

	for (i = 0; i < edu_bitmap_words(n); i++) {
		if (c->bm[i] != c->want[i])
			return false;
	}
	return true;
}

/* Read pages [first, first + n) with @flags and compare with @written. */
static bool dirty_is(struct ctx *c, uint32_t flags, size_t first, size_t n,
		     const size_t *written, size_t nwritten)
{
	int ret;

	ret = edu_iommufd_get_dirty(&c->d, c->hwpt, page_iova(c, first),
				    n * EDU_PAGE_SIZE, flags, c->bm);
	if (ret)
		return false;
	expect(c, first, n, written, nwritten);
	if (bitmap_matches(c, n))
		return true;
	edu_bitmap_print("got", c->bm, n);
	edu_bitmap_print("expected", c->want, n);
	return false;
}

static bool dirty_all_is(struct ctx *c, uint32_t flags, const size_t *written,
			 size_t nwritten)
{
	return dirty_is(c, flags, 0, c->npages, written, nwritten);
}

/* Device writes @len bytes at @off into @page; check they arrived. */
static bool dma_write(struct ctx *c, size_t page, size_t off, size_t len)
{
	uint8_t *dst = c->buf + page * EDU_PAGE_SIZE + off;
	size_t i;

	memset(dst, 0, len);
	if (edu_dma_to_ram(&c->d, page_iova(c, page) + off, len))
		return false;
	for (i = 0; i < len; i++) {
		if (dst[i] != pattern_byte(i)) {
			tap_diag("page %zu offset %zu: 0x%02x, DMA wrote 0x%02x",
				 page, off + i, dst[i], pattern_byte(i));
			return false;
		}
	}
	return true;
}

/* --- the checks --------------------------------------------------------- */

static void test_enable(struct ctx *c)
{
	int ret;

	ret = edu_iommufd_set_dirty(&c->d, c->hwpt, true);
	tap_ok(!ret, "IOMMU_HWPT_SET_DIRTY_TRACKING enable");
	tap_ok(dirty_all_is(c, 0, NULL, 0), "bitmap empty after enabling");
	ret = edu_dma_from_ram(&c->d, page_iova(c, SRC_PAGE), c->dma_size);
	tap_ok(!ret && dirty_all_is(c, 0, NULL, 0),
	       "device read of page %d (%zu bytes) dirties nothing", SRC_PAGE,
	       c->dma_size);
}

static void test_write_read_clear(struct ctx *c)
{
	static const size_t pages[] = { 3, 17, 100 };
	bool ok = true;
	size_t i;

	for (i = 0; i < 3; i++)
		ok &= dma_write(c, pages[i], 0, c->dma_size);
	tap_ok(ok, "device writes to pages 3 17 100 reach memory");
	tap_ok(dirty_all_is(c, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, pages, 3),
	       "NO_CLEAR read reports exactly pages 3 17 100");
	tap_ok(dirty_all_is(c, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, pages, 3),
	       "second NO_CLEAR read reports the same pages");
	tap_ok(dirty_all_is(c, 0, pages, 3),
	       "clearing read reports the same pages");
	tap_ok(dirty_all_is(c, 0, NULL, 0),
	       "read after the clearing read reports nothing");
}

static void test_new_writes(struct ctx *c)
{
	static const size_t p200[] = { 200 }, p3[] = { 3 }, p50[] = { 50, 51 };
	size_t len = c->dma_size < 256 ? c->dma_size : 256;
	bool ok;

	ok = dma_write(c, 200, 0, c->dma_size);
	tap_ok(ok && dirty_all_is(c, 0, p200, 1),
	       "write to page 200 reports only page 200");

	ok = dma_write(c, 3, 0, c->dma_size);
	tap_ok(ok && dirty_all_is(c, 0, p3, 1),
	       "re-write of cleared page 3 is reported again");

	ok = dma_write(c, 50, EDU_PAGE_SIZE - len / 2, len);
	tap_ok(ok && dirty_all_is(c, 0, p50, len > 1 ? 2 : 1),
	       "%zu-byte write across pages 50/51 reports exactly both", len);
}

static void test_sub_range(struct ctx *c)
{
	static const size_t p70[] = { 70 }, p10[] = { 10 };
	bool ok;

	ok = dma_write(c, 70, 0, c->dma_size) && dma_write(c, 10, 0, c->dma_size);
	tap_ok(ok && dirty_is(c, 0, 64, 64, p70, 1),
	       "read of pages 64..127 reports page 70 (bit 6) only");
	/*
	 * The sub-range read cleared the PTE that maps page 70.  With 4 KiB
	 * pages page 10 keeps its own dirty PTE; with a 2 MiB block pages 10
	 * and 70 share one PTE, which reaches out of the range read: it stays
	 * dirty (cleaning it would lose page 10), so the full read reports
	 * the block again.
	 */
	if (c->granule > 1) {
		tap_ok(dirty_all_is(c, 0, p10, 1),
		       "full read reports the block again: a read of part of "
		       "a block leaves it dirty");
	} else {
		tap_ok(dirty_all_is(c, 0, p10, 1),
		       "page 10 outside that range stays dirty, 70 cleared");
	}
}

static void test_bad_args(struct ctx *c)
{
	int ret;

	ret = edu_iommufd_get_dirty(&c->d, c->hwpt, c->iova, c->len, 1U << 7,
				    c->bm);
	tap_ok(ret == -EOPNOTSUPP,
	       "GET_DIRTY_BITMAP with an unknown flag fails with EOPNOTSUPP "
	       "(%d)", ret);
	ret = edu_iommufd_get_dirty(&c->d, c->hwpt, c->iova + 512,
				    c->len - EDU_PAGE_SIZE, 0, c->bm);
	tap_ok(ret == -EINVAL,
	       "GET_DIRTY_BITMAP at a misaligned IOVA fails with EINVAL (%d)",
	       ret);
}

static void test_timing(struct ctx *c)
{
	uint64_t t, min = UINT64_MAX, max = 0, sum = 0;
	int i, ret = 0;

	for (i = 0; i < c->iterations && !ret; i++) {
		t = edu_now_ns();
		ret = edu_iommufd_get_dirty(&c->d, c->hwpt, c->iova, c->len, 0,
					    c->bm);
		t = edu_now_ns() - t;
		sum += t;
		min = t < min ? t : min;
		max = t > max ? t : max;
	}
	if (!ret && c->iterations)
		tap_diag("GET_DIRTY_BITMAP %zu KiB (%zu pages): %d calls, "
			 "avg %llu us, min %llu us, max %llu us", c->len >> 10,
			 c->npages, c->iterations,
			 (unsigned long long)(sum / c->iterations / 1000),
			 (unsigned long long)(min / 1000),
			 (unsigned long long)(max / 1000));
	tap_ok(!ret, "%d timed GET_DIRTY_BITMAP calls succeed", c->iterations);
}

static void test_teardown(struct ctx *c)
{
	int ret;

	ret = edu_iommufd_set_dirty(&c->d, c->hwpt, false);
	tap_ok(!ret, "IOMMU_HWPT_SET_DIRTY_TRACKING disable");
	ret = edu_unmap(&c->d, c->iova, c->len);
	tap_ok(!ret, "IOMMU_IOAS_UNMAP");
}

static int parse_args(struct ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dma-size", required_argument, NULL, 's' },
		{ "hugetlb", no_argument, NULL, 'H' },
		{ "iterations", required_argument, NULL, 'n' },
		{ }
	};
	int opt;

	c->dma_size = edu_default_dma_size();
	c->iterations = 20;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			c->dma_size = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			c->hugetlb = true;
			break;
		case 'n':
			c->iterations = atoi(optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	if (c->dma_size < 1 || c->dma_size > EDU_DMA_BUF_SIZE ||
	    c->iterations < 0 || optind != argc) {
		fprintf(stderr, "usage: %s [--dma-size 1..4096] [--hugetlb] "
			"[--iterations N]\n", argv[0]);
		return -EINVAL;
	}
	c->iova = MAP_IOVA;
	c->len = c->hugetlb ? HUGE_MAP_LEN : MAP_LEN;
	c->npages = c->len / EDU_PAGE_SIZE;
	c->granule = c->hugetlb ? HUGE_GRANULE : 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = { 0 };

	edu_init(&c.d);
	if (parse_args(&c, argc, argv))
		return TAP_EXIT_FAIL;

	tap_plan(PLAN);
	tap_diag("iommufd_dirty: %zu KiB at IOVA 0x%llx, %zu-byte DMAs, "
		 "tracking unit %zu page(s)", c.len >> 10,
		 (unsigned long long)c.iova, c.dma_size, c.granule);
	if (setup_device(&c) && setup_mapping(&c)) {
		test_enable(&c);
		test_write_read_clear(&c);
		test_new_writes(&c);
		test_sub_range(&c);
		test_bad_args(&c);
		test_timing(&c);
		test_teardown(&c);
	} else {
		tap_skip_rest("setup failed");
	}
	edu_close(&c.d);
	edu_buf_free(c.buf, c.len);
	free(c.bm);
	free(c.want);
	return tap_finish();
}
