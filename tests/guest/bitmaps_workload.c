// SPDX-License-Identifier: GPL-2.0
/*
 * The workload of record_bitmaps.sh (not a test by itself): dirty-bitmap
 * reads and clears of known pages through iommufd, then VFIO type1, with
 * every successful call's bitmap (what the kernel returned, or what a
 * clear was given) written to FILE, one line per call, in call order:
 *
 *	UAPI KIND IOVA SIZE PGSIZE HEX
 *
 * UAPI iommufd|type1, KIND get|get_noclear|clear, HEX the ceil(npages / 8)
 * bytes of the bitmap in memory order: what "dirtyscope record --bitmaps"
 * must have captured.  Per uAPI, on a 4 MiB buffer S at 16 MiB:
 *
 *	DMA to pages 3, 17, 100; clearing read	-> 3, 17, 100
 *	DMA to pages 5, 6, 7, 900; NO_CLEAR read	-> 5, 6, 7, 900
 *	clear of pages 6 and 900
 *	clearing read				-> 5, 7
 *
 * then bitmaps of more than one record (32768 pages): a clear of pages 0,
 * 1, 32767, 32768, 40000 and 40960 of a 40961-page range B at 256 MiB
 * (above edu's 28-bit DMA reach: one 16 MiB buffer mapped ten times and a
 * page), a NO_CLEAR read of B (none); type1 also reads [0, 256 MiB) after
 * DMA to S and to a buffer at 144 MiB (65536 pages, one page dirty in each
 * half).  Each uAPI also makes a call that fails (not recorded).
 *
 * Exit status 0 when every call did what it should, 1 otherwise; the
 * reason on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edudma.h"

#define PAGE		EDU_PAGE_SIZE
#define S_IOVA		0x1000000ULL		/* 16 MiB */
#define S_LEN		(4UL << 20)
#define U_IOVA		0x9000000ULL		/* 144 MiB: above the MSI window */
#define U_LEN		(1UL << 20)
#define B_IOVA		0x10000000ULL		/* 256 MiB: no DMA reaches it */
#define B_PIECE		(16UL << 20)
#define B_PIECES	10
#define B_LEN		(B_PIECES * B_PIECE + PAGE)	/* 40961 pages */
#define LOW_LEN		0x10000000ULL		/* [0, 256 MiB): 65536 pages */

static struct edu_dev d;
static uint32_t hwpt;
static size_t dma_len;
static FILE *out;
static const char *uapi;
static int failed;

static void fail(const char *fmt, const char *what)
{
	fprintf(stderr, "bitmaps_workload: %s: ", uapi);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	failed = 1;
}

/* the line record --bitmaps must have written for this call */
static void put(const char *kind, uint64_t iova, uint64_t len,
		const uint64_t *bm)
{
	const uint8_t *p = (const uint8_t *)bm;
	uint64_t npages = len / PAGE, i;

	fprintf(out, "%s %s %llu %llu %lu ", uapi, kind,
		(unsigned long long)iova, (unsigned long long)len, PAGE);
	for (i = 0; i < (npages + 7) / 8; i++)
		fprintf(out, "%02x", p[i]);
	fputc('\n', out);
}

static void dma(uint64_t iova, const size_t *pages, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (edu_dma_to_ram(&d, iova + pages[i] * PAGE, dma_len))
			fail("DMA to %s failed", "a page");
}

/* a read (flags: NO_CLEAR or not) that must report exactly pages[] */
static void get(bool noclear, uint64_t iova, uint64_t len, const size_t *pages,
		size_t n, const char *what)
{
	uint64_t *bm = edu_bitmap_alloc(len / PAGE);
	int ret;

	if (!bm) {
		fail("%s: out of memory", what);
		return;
	}
	if (d.mode == EDU_MODE_IOMMUFD)
		ret = edu_iommufd_get_dirty(&d, hwpt, iova, len,
					    noclear ? IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0,
					    bm);
	else
		ret = edu_type1_dirty_op(&d, noclear ?
					 VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP_NOCLEAR :
					 VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
					 iova, len, bm);
	if (ret) {
		fail("%s: the read failed", what);
	} else {
		put(noclear ? "get_noclear" : "get", iova, len, bm);
		if (!edu_bitmap_equals_list(bm, len / PAGE, pages, n)) {
			edu_bitmap_print(what, bm, len / PAGE);
			fail("%s: not the pages written", what);
		}
	}
	free(bm);
}

static void clear(uint64_t iova, uint64_t len, const size_t *pages, size_t n,
		  const char *what)
{
	uint64_t *bm = edu_bitmap_from_list(len / PAGE, pages, n);
	int ret;

	if (!bm) {
		fail("%s: out of memory", what);
		return;
	}
	if (d.mode == EDU_MODE_IOMMUFD)
		ret = edu_iommufd_clear_dirty(&d, hwpt, iova, len, PAGE, bm);
	else
		ret = edu_type1_dirty_op(&d, VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP,
					 iova, len, bm);
	if (ret)
		fail("%s: the clear failed", what);
	else
		put("clear", iova, len, bm);
	free(bm);
}

/* S, U and B mapped; B is one buffer mapped B_PIECES times and a page */
static int map_all(void *s, void *u, void *b)
{
	int i;

	if (edu_map(&d, s, S_IOVA, S_LEN) || edu_map(&d, u, U_IOVA, U_LEN))
		return -1;
	for (i = 0; i < B_PIECES; i++)
		if (edu_map_nodma(&d, b, B_IOVA + i * B_PIECE, B_PIECE))
			return -1;
	return edu_map_nodma(&d, b, B_IOVA + B_PIECES * B_PIECE, PAGE);
}

/* the same sequence through either uAPI */
static void sequence(void)
{
	static const size_t p3[] = { 3, 17, 100 }, p5[] = { 5, 6, 7, 900 };
	static const size_t p6[] = { 6, 900 }, p57[] = { 5, 7 };
	static const size_t pb[] = { 0, 1, 32767, 32768, 40000, 40960 };

	dma(S_IOVA, p3, 3);
	get(false, S_IOVA, S_LEN, p3, 3, "clearing read");
	dma(S_IOVA, p5, 4);
	get(true, S_IOVA, S_LEN, p5, 4, "NO_CLEAR read");
	clear(S_IOVA, S_LEN, p6, 2, "clear of pages 6 and 900");
	get(false, S_IOVA, S_LEN, p57, 2, "read after the clear");
	clear(B_IOVA, B_LEN, pb, 6, "clear of 40961 pages");
	get(true, B_IOVA, B_LEN, NULL, 0, "NO_CLEAR read of 40961 pages");
}

static void run_iommufd(void *s, void *u, void *b)
{
	uint64_t *bm = edu_bitmap_alloc(S_LEN / PAGE);

	uapi = "iommufd";
	if (!bm || edu_iommufd_open(&d) ||
	    edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt) ||
	    edu_iommufd_attach(&d, hwpt) || map_all(s, u, b) || edu_enable(&d) ||
	    /* split: page-sized dirty state whatever backs the buffers */
	    edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					IOMMU_HWPT_DIRTY_TRACKING_SPLIT)) {
		fail("%s: set-up failed", "dirty-tracking HWPT");
		free(bm);
		return;
	}
	sequence();
	/* fails in the handler (unknown flag): not recorded */
	if (edu_iommufd_get_dirty(&d, hwpt, S_IOVA, S_LEN, 1U << 7, bm) != -EOPNOTSUPP)
		fail("%s: not EOPNOTSUPP", "read with an unknown flag");
	free(bm);
	edu_close(&d);
}

static void run_type1(void *s, void *u, void *b)
{
	static const size_t s200[] = { 200 }, u10[] = { 10 };
	const size_t low[] = { S_IOVA / PAGE + 200, U_IOVA / PAGE + 10 };
	uint64_t *bm = edu_bitmap_alloc(S_LEN / PAGE + 64);

	uapi = "type1";
	edu_init(&d);
	if (!bm || edu_find(d.bdf, sizeof(d.bdf)) || edu_type1_open(&d) ||
	    map_all(s, u, b) || edu_enable(&d) || edu_type1_dirty_start(&d)) {
		fail("%s: set-up failed", "container");
		free(bm);
		return;
	}
	sequence();
	/* 65536 pages, gaps allowed in a clearing read, a page in each half */
	dma(S_IOVA, s200, 1);
	dma(U_IOVA, u10, 1);
	get(false, 0, LOW_LEN, low, 2, "clearing read of [0, 256 MiB)");
	/* fails (NO_CLEAR needs a range without gaps): not recorded */
	if (edu_type1_dirty_op(&d, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP_NOCLEAR,
			       S_IOVA, S_LEN + PAGE, bm) != -EINVAL)
		fail("%s: not EINVAL", "NO_CLEAR read over a gap");
	edu_type1_dirty_stop(&d);
	free(bm);
	edu_close(&d);
}

int main(int argc, char **argv)
{
	void *s, *u, *b;

	if (argc != 2) {
		fprintf(stderr, "usage: bitmaps_workload FILE\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	edu_init(&d);
	dma_len = edu_default_dma_size();
	s = edu_buf_alloc(S_LEN, false);
	u = edu_buf_alloc(U_LEN, false);
	b = edu_buf_alloc(B_PIECE, false);
	if (!s || !u || !b || edu_find(d.bdf, sizeof(d.bdf)))
		return 1;
	run_iommufd(s, u, b);
	run_type1(s, u, b);
	if (fclose(out)) {
		perror(argv[1]);
		return 1;
	}
	return failed;
}
