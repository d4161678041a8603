// SPDX-License-Identifier: GPL-2.0
/*
 * Not a test: the workload of the guest overhead benchmark (lat_overhead).
 *
 *   iommufd_bench [CALLS [REPS]]
 *
 * Times CALLS IOMMU_HWPT_GET_DIRTY_BITMAP ioctls on a small range (16
 * pages, nothing dirty) of a dirty-tracking HWPT, REPS times, and prints
 * one line per repetition and the median:
 *
 *   rep 1: 2000 calls, 41234.5 ns/call
 *   ...
 *   median_ns_per_call 41100.2
 *
 * Exit status 1 when the device cannot be set up or an ioctl fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edudma.h"

#define IOVA		0x1000000ULL
#define LEN		(64UL << 10)	/* 16 pages: 2 bytes of bitmap */
#define NPAGES		(LEN / EDU_PAGE_SIZE)
#define MAX_REPS	99

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 2000;
	long reps = argc > 2 ? atol(argv[2]) : 5;
	double ns[MAX_REPS];
	struct edu_dev d;
	uint32_t hwpt;
	uint64_t *bm;
	void *buf;
	long r, i;

	if (calls < 1 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: iommufd_bench [CALLS [REPS (1-%d)]]\n",
			MAX_REPS);
		return 2;
	}
	edu_init(&d);
	bm = edu_bitmap_alloc(NPAGES);
	buf = edu_buf_alloc(LEN, false);
	if (!bm || !buf || edu_find(d.bdf, sizeof(d.bdf)) ||
	    edu_iommufd_open(&d) ||
	    edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt) ||
	    edu_iommufd_attach(&d, hwpt) || edu_map(&d, buf, IOVA, LEN) ||
	    edu_iommufd_set_dirty(&d, hwpt, true)) {
		fprintf(stderr, "iommufd_bench: cannot set up the edu device\n");
		return 1;
	}
	for (r = 0; r < reps; r++) {
		uint64_t t0 = edu_now_ns();

		for (i = 0; i < calls; i++)
			if (edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, bm))
				return 1;
		ns[r] = (double)(edu_now_ns() - t0) / calls;
		printf("rep %ld: %ld calls, %.1f ns/call\n", r + 1, calls, ns[r]);
	}
	qsort(ns, reps, sizeof(ns[0]), cmp_double);
	printf("median_ns_per_call %.1f\n", ns[reps / 2]);
	edu_close(&d);
	return 0;
}
