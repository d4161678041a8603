// SPDX-License-Identifier: GPL-2.0
/*
 * Both dirty trackers on at once, in the project's own migration loop: the
 * SMMU's dirty bits (an iommufd HWPT with dirty tracking, HTTU) and the
 * device's own DMA log (edu-vfio-pci's VFIO DMA logging over QEMU's edu
 * x-dma-log: boot with "scripts/vm.sh --httu on --edu-dma-log").
 *
 * The HWPT's tracking is enabled with IOMMU_HWPT_DIRTY_TRACKING_SPLIT, as
 * the project's migration loop does, so that the SMMU tracks 4 KiB pages
 * even where the mapping got blocks (the buffer may be backed by
 * transparent huge pages), and both trackers can be held to the page.
 * Every round the edu writes a random set of pages (some twice, some not
 * at all) of a 4 MiB mapping, the CPU writes others, then
 * the loop reads and clears both trackers over the whole range, as a VMM's
 * pass does: IOMMU_HWPT_GET_DIRTY_BITMAP, then the device's
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT.  Both bitmaps must name exactly
 * the pages the device wrote in that round: they agree on every page the
 * device wrote, and neither reports a page only the CPU wrote.  Each call
 * is timed; the medians are printed ("# figures:") for docs/perf.md.
 *
 * Usage: dma_log_agree [ROUNDS [WRITES]]   (default 40 rounds of 1 to 64
 * DMA writes; WRITES up to 400, fewer than the device's 512-entry log
 * holds with the re-writes, so it never overflows; bench/trackers uses it)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define DRIVER		"edu_vfio_pci"
#define IOVA		0x1000000ULL	/* 16 MiB */
#define NPAGES		1024UL		/* 4 MiB */
#define LEN		(NPAGES * EDU_PAGE_SIZE)
#define MAX_WRITES	400
#define MAX_ROUNDS	1000

static struct edu_dev d;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n ? v[n / 2] : 0;
}

static int dma_log_start(void)
{
	struct vfio_device_feature_dma_logging_range r = { IOVA, LEN };
	uint64_t pgsize = EDU_PAGE_SIZE;
	int ret = edu_dma_log_start(&d, &r, 1, &pgsize);

	return ret ? ret : pgsize == EDU_PAGE_SIZE ? 0 : -EPROTO;
}

static int dma_log_report(uint64_t *bm)
{
	return edu_dma_log_report(&d, IOVA, LEN, EDU_PAGE_SIZE, bm);
}

int main(int argc, char **argv)
{
	size_t words = edu_bitmap_words(NPAGES), i, dma_len, total = 0;
	uint64_t *want = edu_bitmap_alloc(NPAGES);
	uint64_t *bi = edu_bitmap_alloc(NPAGES);
	uint64_t *bd = edu_bitmap_alloc(NPAGES);
	uint64_t scan_ns[MAX_ROUNDS], report_ns[MAX_ROUNDS], t0;
	long rounds = argc > 1 ? strtol(argv[1], NULL, 0) : 40;
	long writes = argc > 2 ? strtol(argv[2], NULL, 0) : 64;
	size_t iommu_bad = 0, dev_bad = 0, cpu_seen = 0;
	unsigned int seed = 0x5eed;
	uint32_t hwpt = 0;
	char *buf;
	long r;
	int ret = 0;

	if (rounds < 1 || rounds > MAX_ROUNDS || writes < 1 || writes > MAX_WRITES) {
		fprintf(stderr, "usage: %s [ROUNDS (1-%d) [WRITES (1-%d)]]\n",
			argv[0], MAX_ROUNDS, MAX_WRITES);
		return 2;
	}
	tap_plan(6);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	buf = edu_buf_alloc(LEN, false);
	if (!tap_ok(want && bi && bd && buf &&
		    !edu_find_nth(0, d.bdf, sizeof(d.bdf)) &&
		    !edu_bind_driver(d.bdf, DRIVER) && !edu_iommufd_open(&d) &&
		    !edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) && !edu_map(&d, buf, IOVA, LEN) &&
		    !edu_enable(&d),
		    "edu %s bound to %s, attached to dirty-tracking HWPT %u, 4 MiB of 4 KiB pages mapped",
		    d.bdf, DRIVER, hwpt))
		return tap_finish();
	ret = edu_iommufd_set_dirty_flags(&d, hwpt, IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					  IOMMU_HWPT_DIRTY_TRACKING_SPLIT);
	if (!ret)
		ret = dma_log_start();
	if (!tap_ok(!ret, "both trackers on: IOMMU dirty tracking (split to pages) and the device's DMA log (%s)",
		    ret ? strerror(-ret) : "ok"))
		return tap_finish();

	for (r = 0; r < rounds && !ret; r++) {
		size_t n = 1 + rand_r(&seed) % writes, k;

		memset(want, 0, words * 8);
		for (k = 0; k < n && !ret; k++) {
			size_t page = rand_r(&seed) % NPAGES;

			/* a few pages twice: one bit each all the same */
			ret = edu_dma_to_ram(&d, IOVA + page * EDU_PAGE_SIZE, dma_len);
			if (!ret && k % 8 == 7)
				ret = edu_dma_to_ram(&d, IOVA + page * EDU_PAGE_SIZE,
						     dma_len);
			edu_bitmap_set(want, page);
		}
		/* the CPU writes pages the device did not: no tracker's business */
		for (k = 0; k < 8; k++) {
			size_t page = rand_r(&seed) % NPAGES;

			if (!edu_bitmap_test(want, page))
				buf[page * EDU_PAGE_SIZE + 8] ^= 1;
		}
		total += edu_bitmap_count(want, NPAGES);

		memset(bi, 0, words * 8);
		memset(bd, 0, words * 8);
		t0 = edu_now_ns();
		if (!ret)
			ret = edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, bi);
		scan_ns[r] = edu_now_ns() - t0;
		t0 = edu_now_ns();
		if (!ret)
			ret = dma_log_report(bd);
		report_ns[r] = edu_now_ns() - t0;
		if (ret)
			break;
		iommu_bad += memcmp(bi, want, words * 8) != 0;
		dev_bad += memcmp(bd, want, words * 8) != 0;
		for (i = 0; i < NPAGES; i++)
			cpu_seen += !edu_bitmap_test(want, i) &&
				    (edu_bitmap_test(bi, i) || edu_bitmap_test(bd, i));
		if (memcmp(bi, want, words * 8))
			edu_bitmap_print("IOMMU", bi, NPAGES);
		if (memcmp(bd, want, words * 8))
			edu_bitmap_print("device", bd, NPAGES);
	}
	tap_ok(!ret && r == rounds, "%ld rounds of DMA writes, both trackers read and cleared in each (%s)",
	       r, ret ? strerror(-ret) : "ok");
	tap_ok(!ret && !iommu_bad && !dev_bad,
	       "the two bitmaps agree on every page the device wrote, in every round: %zu pages in %ld rounds (IOMMU off in %zu rounds, device off in %zu)",
	       total, r, iommu_bad, dev_bad);
	tap_ok(!ret && !cpu_seen, "neither tracker reports a page only the CPU wrote (%zu reported)",
	       cpu_seen);

	/* the log and the tracking end cleanly: STOP, then nothing to report */
	i = edu_dma_log_stop(&d);
	tap_ok(!i && dma_log_report(bd) == -EINVAL &&
	       !edu_iommufd_set_dirty_flags(&d, hwpt, IOMMU_HWPT_DIRTY_TRACKING_MERGE),
	       "STOP, and tracking off (merged back); REPORT after STOP is EINVAL");
	printf("# figures: rounds=%ld writes=%ld pages=%zu scan_median_ns=%llu report_median_ns=%llu\n",
	       r, writes, total, (unsigned long long)median(scan_ns, r),
	       (unsigned long long)median(report_ns, r));

	edu_close(&d);
	edu_bind_driver(d.bdf, "vfio-pci");
	edu_buf_free(buf, LEN);
	return tap_finish();
}
