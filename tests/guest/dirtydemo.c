// SPDX-License-Identifier: GPL-2.0
/*
 * dirtydemo: the DMA workload of `make demo`. The edu device writes random
 * pages of a hugetlb buffer through the emulated SMMUv3 while the program
 * reads the dirty bitmap the way a migrating VMM does, and prints, round by
 * round, how many pages DMA wrote and how many the kernel reported:
 *
 *   iommufd, blocks   2 MiB block mappings: a write reports its whole block
 *   iommufd, split    after IOMMU_HWPT_DIRTY_TRACKING_SPLIT: exact pages
 *   type1             VFIO type1 container with hardware dirty tracking
 *
 * Usage: dirtydemo [-r ROUNDS] [-w WRITES_PER_ROUND] [-m MIB]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edudma.h"

#define IOVA		0x1000000ULL

static struct edu_dev d;
static size_t len, npages, dma_len;
static uint64_t *bm;

static size_t write_random(size_t writes, uint64_t *written)
{
	size_t i;

	memset(written, 0, edu_bitmap_words(npages) * 8);
	for (i = 0; i < writes; i++) {
		size_t page = (size_t)rand() % npages;

		if (edu_dma_to_ram(&d, IOVA + page * EDU_PAGE_SIZE, dma_len))
			return (size_t)-1;
		edu_bitmap_set(written, page);
	}
	return edu_bitmap_count(written, npages);
}

typedef int (*read_fn)(void);

static int read_iommufd(void)
{
	return edu_iommufd_get_dirty(&d, d.pt_id, IOVA, len, 0, bm);
}

static int read_type1(void)
{
	return edu_type1_dirty_op(&d, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
				  IOVA, len, bm);
}

static void rounds(const char *mode, read_fn read, int nrounds, size_t writes,
		   uint64_t *written)
{
	uint64_t t0, ns_total = 0;
	size_t w_total = 0, r_total = 0;
	int r;

	for (r = 1; r <= nrounds; r++) {
		size_t w = write_random(writes, written), rep;
		uint64_t ns;

		t0 = edu_now_ns();
		if (w == (size_t)-1 || read()) {
			printf("%-16s %5d  error\n", mode, r);
			return;
		}
		ns = edu_now_ns() - t0;
		rep = edu_bitmap_count(bm, npages);
		printf("%-16s %5d %9zu %9zu %8.1fx %10.1f\n", mode, r, w, rep,
		       w ? (double)rep / w : 0.0, ns / 1000.0);
		w_total += w;
		r_total += rep;
		ns_total += ns;
	}
	printf("%-16s total %9zu %9zu %8.1fx %10.1f avg\n\n", mode, w_total,
	       r_total, w_total ? (double)r_total / w_total : 0.0,
	       ns_total / 1000.0 / nrounds);
}

static int run_iommufd(void *buf, int nrounds, size_t writes, uint64_t *written)
{
	uint32_t hwpt;

	int ret;

	if (edu_iommufd_open(&d))
		return -1;
	ret = edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt);
	if (ret == -EOPNOTSUPP) {
		printf("# iommufd: this IOMMU has no dirty tracking "
		       "(HWPT allocation: EOPNOTSUPP)\n\n");
		edu_close(&d);
		return 0;
	}
	if (ret || edu_iommufd_attach(&d, hwpt) || edu_map(&d, buf, IOVA, len) ||
	    edu_enable(&d) || edu_iommufd_set_dirty(&d, hwpt, true))
		return -1;
	rounds("iommufd blocks", read_iommufd, nrounds, writes, written);

	if (edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					IOMMU_HWPT_DIRTY_TRACKING_SPLIT))
		return -1;
	rounds("iommufd split", read_iommufd, nrounds, writes, written);
	edu_iommufd_set_dirty_flags(&d, hwpt, IOMMU_HWPT_DIRTY_TRACKING_MERGE);
	edu_close(&d);
	return 0;
}

static int run_type1(void *buf, int nrounds, size_t writes, uint64_t *written)
{
	uint32_t flags = 0;
	uint64_t pgsizes, max_bitmap;

	edu_init(&d);
	edu_find(d.bdf, sizeof(d.bdf));
	if (edu_type1_open(&d) || edu_map(&d, buf, IOVA, len) ||
	    edu_enable(&d) || edu_type1_dirty_start(&d))
		return -1;
	edu_type1_migration_cap_flags(&d, &flags, &pgsizes, &max_bitmap);
	printf("# type1 migration capability: %s\n",
	       flags & VFIO_IOMMU_MIGRATION_HW_DIRTY ?
	       "hardware dirty tracking" : "no hardware dirty tracking "
	       "(every mapped page reads dirty)");
	rounds("type1", read_type1, nrounds, writes, written);
	edu_type1_dirty_stop(&d);
	edu_close(&d);
	return 0;
}

int main(int argc, char **argv)
{
	int nrounds = 5, mib = 8, opt;
	size_t writes = 16;
	uint64_t *written;
	void *buf;

	while ((opt = getopt(argc, argv, "r:w:m:")) != -1) {
		switch (opt) {
		case 'r': nrounds = atoi(optarg); break;
		case 'w': writes = strtoul(optarg, NULL, 0); break;
		case 'm': mib = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-r ROUNDS] [-w WRITES] [-m MIB]\n",
				argv[0]);
			return 2;
		}
	}
	len = (size_t)mib << 20;
	npages = len / EDU_PAGE_SIZE;
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(npages);
	written = edu_bitmap_alloc(npages);
	srand(1);

	edu_init(&d);
	buf = edu_buf_alloc(len, true);
	if (!bm || !written || !buf || edu_find(d.bdf, sizeof(d.bdf))) {
		fprintf(stderr, "dirtydemo: setup failed\n");
		return 1;
	}

	printf("# %d MiB hugetlb buffer at IOVA 0x%llx, %zu random %zu-byte DMA "
	       "writes per round\n", mib, (unsigned long long)IOVA, writes,
	       dma_len);
	printf("%-16s %5s %9s %9s %9s %10s\n", "mode", "round", "written",
	       "reported", "ratio", "read_us");
	if (run_iommufd(buf, nrounds, writes, written) ||
	    run_type1(buf, nrounds, writes, written)) {
		fprintf(stderr, "dirtydemo: failed (see # edudma lines)\n");
		return 1;
	}
	return 0;
}
