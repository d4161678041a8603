// SPDX-License-Identifier: GPL-2.0
/*
 * Not a test: the benchmark behind the latency gate (tests/gate/).
 *
 *   dirtyscope bench -o FILE -- bench_ops [-n ROUNDS] [-k STRIDE] [-r PASSES]
 *
 * Times the series' operations through the real uAPI on a 16 MiB hugetlb
 * buffer mapped as 2 MiB blocks of a dirty-tracking HWPT (HTTU on), one
 * sample of each per round (ROUNDS, default 31, after one warm-up round
 * that is not reported), in this order:
 *
 *   (settle)       a 20 ms sleep: deferred work of the previous round
 *                  (RCU callbacks freeing merged tables, ...) runs now
 *   reference      a user-space scan of an array shaped like the range's
 *                  last-level tables (4096 descriptors, AND of eight at a
 *                  time, PASSES times, default 45: about as long as a
 *                  scan), the faster of two back to back: work the series
 *                  does not change, to divide the other times by
 *                  (docs/cli.md, gate)
 *   split          SET_DIRTY_TRACKING(ENABLE | SPLIT): 8 blocks -> pages
 *   scan_noclear   GET_DIRTY_BITMAP(NO_CLEAR) of the range after DMA wrote
 *                  every STRIDE-th page (default 64: 64 pages, 1.6%)
 *   clear_bitmap   CLEAR_DIRTY_BITMAP of exactly those pages
 *   scan_clear     GET_DIRTY_BITMAP (clearing) after the same DMA again
 *   merge          SET_DIRTY_TRACKING(MERGE): pages -> 8 blocks
 *
 * Every bitmap is checked (exactly the written pages, none after a
 * clear), so a wrong kernel cannot produce a fast but meaningless result.
 * Output is the line protocol of "dirtyscope bench" (docs/cli.md):
 *
 *   bench-param range_mib 16
 *   bench-reference reference
 *   bench-sample scan_clear 1234567
 *   ...
 *
 * Exit status 0, 1 when the device cannot be set up, an ioctl fails or a
 * bitmap is wrong, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/edudma.h"

#define IOVA		0x1000000ULL	/* 16 MiB: 2 MiB aligned */
#define LEN		(16UL << 20)
#define NPAGES		(LEN / EDU_PAGE_SIZE)
#define MAX_ROUNDS	101
#define SETTLE_MS	20

static struct edu_dev d;
static uint32_t hwpt;
static uint64_t *bm;
static size_t dma_len;
static unsigned long stride = 64;
static unsigned long passes = 45;

/* what the reference scan reads: clean writable page descriptors */
static uint64_t ref_ptes[NPAGES];
static volatile uint64_t ref_sink;

static void reference(void)
{
	const uint64_t clean = (1ULL << 7) | 3;	/* AP[2] and page type */
	unsigned long p, i, j;
	uint64_t acc = 0;

	for (p = 0; p < passes; p++) {
		for (i = 0; i < NPAGES; i += 8) {
			uint64_t g = ~0ULL;

			for (j = 0; j < 8; j++)
				g &= *(volatile uint64_t *)&ref_ptes[i + j];
			acc += (g & clean) == clean;
		}
	}
	ref_sink = acc;
}

static int dirty_pages(void)
{
	unsigned long p;

	for (p = 0; p < NPAGES; p += stride)
		if (edu_dma_to_ram(&d, IOVA + p * EDU_PAGE_SIZE, dma_len))
			return -1;
	return 0;
}

/* the bitmap holds exactly the pages dirty_pages() wrote (or none) */
static bool bitmap_is(bool written, const char *what)
{
	unsigned long p;

	for (p = 0; p < NPAGES; p++) {
		if (edu_bitmap_test(bm, p) != (written && p % stride == 0)) {
			fprintf(stderr, "bench_ops: %s: page %lu %s\n", what, p,
				written && p % stride == 0 ? "not reported" :
				"reported dirty");
			return false;
		}
	}
	return true;
}

/* false during the warm-up round, whose samples are dropped */
static bool record;

static void sample_ns(const char *metric, uint64_t ns)
{
	if (record)
		printf("bench-sample %s %llu\n", metric, (unsigned long long)ns);
}

/* the time since @t0 */
static void sample(const char *metric, uint64_t t0)
{
	sample_ns(metric, edu_now_ns() - t0);
}

static int round_once(void)
{
	const struct timespec settle = { 0, SETTLE_MS * 1000 * 1000 };
	uint64_t t0, t1, t2;

	/* let the previous round's deferred work (RCU callbacks freeing the
	 * merged tables, ...) run now rather than inside a measurement */
	nanosleep(&settle, NULL);
	/* the faster of two: the first pays for waking up from the sleep */
	t0 = edu_now_ns();
	reference();
	t1 = edu_now_ns();
	reference();
	t2 = edu_now_ns();
	sample_ns("reference", t2 - t1 < t1 - t0 ? t2 - t1 : t1 - t0);

	t0 = edu_now_ns();
	if (edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					IOMMU_HWPT_DIRTY_TRACKING_SPLIT))
		return -1;
	sample("split", t0);

	if (dirty_pages())
		return -1;
	t0 = edu_now_ns();
	if (edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN,
				  IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, bm))
		return -1;
	sample("scan_noclear", t0);
	if (!bitmap_is(true, "NO_CLEAR read"))
		return -1;

	t0 = edu_now_ns();
	if (edu_iommufd_clear_dirty(&d, hwpt, IOVA, LEN, EDU_PAGE_SIZE, bm))
		return -1;
	sample("clear_bitmap", t0);

	if (dirty_pages())
		return -1;
	t0 = edu_now_ns();
	if (edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, bm))
		return -1;
	sample("scan_clear", t0);
	if (!bitmap_is(true, "clearing read"))
		return -1;

	t0 = edu_now_ns();
	if (edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_MERGE))
		return -1;
	sample("merge", t0);

	/* nothing left dirty: the clearing read cleaned every page */
	if (edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN,
				  IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, bm) ||
	    !bitmap_is(false, "after the clearing read and merge"))
		return -1;
	fflush(stdout);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_ops [-n ROUNDS (1-%d)] [-k STRIDE] "
		"[-r PASSES]\n", MAX_ROUNDS);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long rounds = 31, i;
	char *end;
	void *buf;
	int c;

	while ((c = getopt(argc, argv, "n:k:r:")) != -1) {
		unsigned long v = strtoul(optarg ? optarg : "", &end, 10);

		if (!optarg || end == optarg || *end || !v)
			usage();
		if (c == 'n' && v <= MAX_ROUNDS)
			rounds = v;
		else if (c == 'k' && v <= NPAGES)
			stride = v;
		else if (c == 'r')
			passes = v;
		else
			usage();
	}
	if (optind != argc)
		usage();

	for (i = 0; i < NPAGES; i++)
		ref_ptes[i] = (1ULL << 51) | (1ULL << 10) | (1ULL << 7) | 3 |
			      (i << 12);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	buf = edu_buf_alloc(LEN, true);
	if (!bm || !buf || edu_find(d.bdf, sizeof(d.bdf)) ||
	    edu_iommufd_open(&d) ||
	    edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt) ||
	    edu_iommufd_attach(&d, hwpt) || edu_map(&d, buf, IOVA, LEN) ||
	    edu_enable(&d)) {
		fprintf(stderr, "bench_ops: cannot set up the edu device\n");
		return 1;
	}

	printf("bench-param range_mib %lu\n", LEN >> 20);
	printf("bench-param dirty_pages %lu\n", (NPAGES + stride - 1) / stride);
	printf("bench-param dma_bytes %zu\n", dma_len);
	printf("bench-param reference_passes %lu\n", passes);
	printf("bench-param settle_ms %d\n", SETTLE_MS);
	printf("bench-reference reference\n");
	/* round 0 warms caches and allocators up: the first split and scan
	 * take several times longer */
	for (i = 0; i <= rounds; i++) {
		record = i > 0;
		if (round_once()) {
			fprintf(stderr, "bench_ops: round %lu failed\n", i);
			return 1;
		}
	}
	edu_close(&d);
	return 0;
}
