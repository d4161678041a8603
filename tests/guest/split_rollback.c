// SPDX-License-Identifier: GPL-2.0
/*
 * What a block split that runs out of memory half way leaves behind, with
 * the kernel's fault injection (/proc/thread-self/fail-nth: the Nth
 * allocation of the next calls fails; failslab and fail_page_alloc are told
 * not to spare sleeping allocations) and real edu DMA through the emulated
 * SMMUv3 (HTTU on).  For n = 1, 2, ... until the call gets past every
 * allocation it makes:
 *
 *  iommufd  IOMMU_HWPT_SET_DIRTY_TRACKING ENABLE|SPLIT on a HWPT mapping
 *           four 2 MiB hugetlb blocks.  A failed call returns ENOMEM (or
 *           ENOENT at IOMMUFD_TEST's fault point in the lookup) and
 *           leaves the HWPT as the uAPI header says, as MERGE would: every
 *           block whole again (after a plain ENABLE one 4 KiB write reports
 *           its block's 512 pages) and DMA landing where it is mapped.  The
 *           call that succeeds splits all four (one write, one page).
 *
 *  type1    VFIO_IOMMU_DIRTY_PAGES START on a container mapping the same.
 *           START either fails (ENOMEM, not logging: GET_BITMAP is EINVAL)
 *           or logs; a block whose split failed stays a block and reports
 *           whole, so every page the device wrote is reported either way.
 *
 * The fault must really reach the split: the iommufd call that succeeds
 * has got past at least one failure per block (a table each), and some
 * type1 START succeeds with blocks left whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL	/* 16 MiB: 2 MiB aligned */
#define BLOCK		(2UL << 20)
#define NBLOCKS		4
#define LEN		(NBLOCKS * BLOCK)
#define PAGES_PER_BLOCK	(BLOCK / EDU_PAGE_SIZE)
#define NPAGES		(LEN / EDU_PAGE_SIZE)
#define STAMP_IOVA	0x2000000ULL	/* 32 MiB: the stamp source page */
#define MAX_NTH		256		/* no call makes that many allocations */
#define DEBUGFS		"/sys/kernel/debug"

/* Pages each round writes in every block: first, an inner one, last */
static const size_t probe[] = { 0, 5, PAGES_PER_BLOCK - 1 };
#define NPROBE		(sizeof(probe) / sizeof(probe[0]))

static struct edu_dev d;
static uint8_t *buf, *stamp;
static uint64_t *bm;
static size_t dma_len;
static unsigned int round_no;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Let fail-nth reach the allocations a split makes: sleeping ones are
 * spared by default (ignore-gfp-wait), so are single pages (a table) by
 * fail_page_alloc (min-order 1), and each injected failure would print a
 * stack (verbose).
 */
static int fault_injection_setup(void)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc" };
	char verbose[] = DEBUGFS "/fail_iommufd/verbose";
	char path[128];
	size_t i;
	int ret;

	if (access(DEBUGFS "/fail_page_alloc", F_OK))
		return -ENOENT;
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/ignore-gfp-wait",
			 attrs[i]);
		ret = write_file(path, "N");
		if (ret)
			return ret;
		snprintf(path, sizeof(path), DEBUGFS "/%s/verbose", attrs[i]);
		ret = write_file(path, "0");
		if (ret)
			return ret;
	}
	/* the iommufd selftest's fault point, when there is one: quiet */
	if (!access(verbose, F_OK))
		write_file(verbose, "0");
	return write_file(DEBUGFS "/fail_page_alloc/min-order", "0");
}

/* fail-nth of this thread: arm with @n, or 0 to disarm */
static int fail_nth_set(unsigned int n)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", n);
	return write_file("/proc/thread-self/fail-nth", val);
}

/* What is left of the count: 0 when the injected failure happened */
static long fail_nth_left(void)
{
	char val[16] = "";
	long left = -1;
	int fd = open("/proc/thread-self/fail-nth", O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, val, sizeof(val) - 1) > 0)
		left = strtol(val, NULL, 10);
	close(fd);
	return left;
}

static void stamp_fill(uint64_t *p, size_t page)
{
	size_t i;

	for (i = 0; i < dma_len / 8; i++)
		p[i] = (uint64_t)round_no << 40 ^ (uint64_t)page << 16 ^ i;
}

/*
 * The probe pages of every block: a stamp per page through edu (stamp
 * page -> edu buffer -> page), then each must hold its own stamp.
 * @wrote gets the pages written.
 */
static bool dma_probe(const char *when, uint64_t *wrote)
{
	uint64_t want[EDU_DMA_BUF_SIZE / 8];
	size_t blk, i, bad = 0, errs = 0;

	round_no++;
	memset(buf, 0, LEN);
	for (blk = 0; blk < NBLOCKS; blk++)
		for (i = 0; i < NPROBE; i++) {
			size_t page = blk * PAGES_PER_BLOCK + probe[i];

			stamp_fill((uint64_t *)stamp, page);
			if (edu_dma(&d, false, STAMP_IOVA, 0, dma_len) ||
			    edu_dma(&d, true, IOVA + page * EDU_PAGE_SIZE, 0,
				    dma_len)) {
				errs++;
				continue;
			}
			if (wrote)
				wrote[page / 64] |= 1ULL << (page % 64);
		}
	for (blk = 0; blk < NBLOCKS; blk++)
		for (i = 0; i < NPROBE; i++) {
			size_t page = blk * PAGES_PER_BLOCK + probe[i];

			stamp_fill(want, page);
			if (memcmp(buf + page * EDU_PAGE_SIZE, want, dma_len)) {
				if (!bad++)
					tap_diag("%s: page %zu does not hold "
						 "its stamp", when, page);
			}
		}
	if (bad || errs)
		tap_diag("%s: %zu pages wrong, %zu DMA errors", when, bad,
			 errs);
	return !bad && !errs;
}

/* Pages reported in each block (counts[blk]) by a clearing iommufd read */
static int iommufd_counts(uint32_t hwpt, size_t *counts)
{
	size_t blk;
	int ret = edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, bm);

	for (blk = 0; !ret && blk < NBLOCKS; blk++)
		counts[blk] = edu_bitmap_count(bm + blk * PAGES_PER_BLOCK / 64,
					       PAGES_PER_BLOCK);
	return ret;
}

/* Each block's count is @want (the writes) */
static bool counts_are(const size_t *counts, size_t want)
{
	size_t blk;

	for (blk = 0; blk < NBLOCKS; blk++)
		if (counts[blk] != want)
			return false;
	return true;
}

static void iommufd_part(void)
{
	unsigned int n, failed = 0, enomem = 0, lookup = 0, other = 0;
	unsigned int not_whole = 0;
	unsigned int dma_bad = 0, swallowed = 0, success_n = 0;
	size_t counts[NBLOCKS] = { 0 };
	uint32_t hwpt;
	bool ok;

	ok = !edu_iommufd_open(&d) &&
	     !edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				     &hwpt) &&
	     !edu_iommufd_attach(&d, hwpt) && !edu_map(&d, buf, IOVA, LEN) &&
	     !edu_map(&d, stamp, STAMP_IOVA, EDU_PAGE_SIZE) && !edu_enable(&d);
	if (!tap_ok(ok, "iommufd: dirty-tracking HWPT, four 2 MiB hugetlb "
		    "blocks mapped at 0x%llx", (unsigned long long)IOVA)) {
		tap_skip_rest("no HWPT");
		return;
	}

	for (n = 1; n <= MAX_NTH; n++) {
		long left;
		int ret;

		if (fail_nth_set(n))
			break;
		ret = edu_iommufd_set_dirty_flags(&d, hwpt,
				IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
				IOMMU_HWPT_DIRTY_TRACKING_SPLIT);
		left = fail_nth_left();
		fail_nth_set(0);
		if (!ret) {
			/* every block split: one write, one page */
			if (!dma_probe("after ENABLE|SPLIT", NULL) ||
			    iommufd_counts(hwpt, counts) ||
			    !counts_are(counts, NPROBE)) {
				if (left == 0 && !swallowed++)
					tap_diag("n=%u: ENABLE|SPLIT succeeded "
						 "after an injected failure "
						 "but reports %zu %zu %zu %zu "
						 "pages per block", n,
						 counts[0], counts[1],
						 counts[2], counts[3]);
				if (left != 0)
					break;	/* the last check says it */
			}
			if (left != 0) {
				success_n = n;	/* past every allocation */
				break;
			}
			edu_iommufd_set_dirty_flags(&d, hwpt,
					IOMMU_HWPT_DIRTY_TRACKING_MERGE);
			continue;
		}
		failed++;
		/*
		 * IOMMUFD_TEST puts a fault point of its own in the object
		 * lookup (iommufd_should_fail(), for its fail_nth selftest):
		 * an injected failure there is ENOENT, before anything runs.
		 */
		if (ret == -ENOMEM)
			enomem++;
		else if (ret == -ENOENT)
			lookup++;
		else if (!other++)
			tap_diag("n=%u: ENABLE|SPLIT failed with %s, neither "
				 "ENOMEM nor the lookup's ENOENT", n,
				 strerror(-ret));
		/* What it left: whole blocks, and DMA where mapped */
		if (edu_iommufd_set_dirty(&d, hwpt, true) ||
		    !dma_probe("after a failed ENABLE|SPLIT", NULL))
			dma_bad++;
		if (iommufd_counts(hwpt, counts) ||
		    !counts_are(counts, PAGES_PER_BLOCK)) {
			if (!not_whole++)
				tap_diag("n=%u: after the failed call, one "
					 "write per page reports %zu %zu %zu "
					 "%zu pages per block, not 512 each",
					 n, counts[0], counts[1], counts[2],
					 counts[3]);
		}
		/* back to the start: tracking off, blocks whole */
		edu_iommufd_set_dirty_flags(&d, hwpt,
					    IOMMU_HWPT_DIRTY_TRACKING_MERGE);
	}
	fail_nth_set(0);

	/* four blocks, four tables: at least four ENOMEM */
	tap_ok(enomem >= NBLOCKS && !other,
	       "iommufd: %u injected failures in ENABLE|SPLIT: %u ENOMEM (four "
	       "blocks need four tables), %u ENOENT at the object lookup's "
	       "fault point, %u other", failed, enomem, lookup, other);
	tap_ok(failed && !not_whole && !dma_bad && !swallowed,
	       "iommufd: after each failed ENABLE|SPLIT every block is whole "
	       "again (512 pages per write) and DMA lands where mapped (%u "
	       "not whole, %u with bad DMA, %u successes not split)",
	       not_whole, dma_bad, swallowed);
	tap_ok(success_n > 0,
	       "iommufd: ENABLE|SPLIT succeeds once n=%u passes its "
	       "allocations, then each write reports its own page (%zu %zu "
	       "%zu %zu of %zu per block)", success_n, counts[0], counts[1],
	       counts[2], counts[3], NPROBE);
	edu_close(&d);
}

static void type1_part(void)
{
	unsigned int n, failed = 0, started = 0, lost = 0, odd = 0;
	unsigned int not_enomem = 0, bad_state = 0, some_whole = 0;
	unsigned int dma_bad = 0;
	uint64_t wrote[NPAGES / 64];
	bool ok;

	ok = !edu_type1_open(&d) && !edu_map(&d, buf, IOVA, LEN) &&
	     !edu_map(&d, stamp, STAMP_IOVA, EDU_PAGE_SIZE) && !edu_enable(&d);
	if (!tap_ok(ok, "type1: container mapping four 2 MiB hugetlb blocks "
		    "at 0x%llx", (unsigned long long)IOVA)) {
		tap_skip_rest("no container");
		return;
	}

	for (n = 1; n <= MAX_NTH; n++) {
		size_t blk, page, whole = 0;
		long left;
		int ret;

		if (fail_nth_set(n))
			break;
		ret = edu_type1_dirty_start(&d);
		left = fail_nth_left();
		fail_nth_set(0);
		if (ret) {
			failed++;
			if (ret != -ENOMEM && !not_enomem++)
				tap_diag("n=%u: START failed with %s, not "
					 "ENOMEM", n, strerror(-ret));
			/* not logging: a bitmap read is refused */
			if (edu_type1_dirty_get(&d, IOVA, LEN, bm) != -EINVAL)
				bad_state++;
			continue;
		}
		started++;
		memset(wrote, 0, sizeof(wrote));
		if (edu_type1_dirty_get(&d, IOVA, LEN, bm) ||
		    !dma_probe("type1 logging", wrote) ||
		    edu_type1_dirty_get(&d, IOVA, LEN, bm)) {
			dma_bad++;
			edu_type1_dirty_stop(&d);
			continue;
		}
		for (page = 0; page < NPAGES; page++)
			if (edu_bitmap_test(wrote, page) &&
			    !edu_bitmap_test(bm, page))
				lost++;
		for (blk = 0; blk < NBLOCKS; blk++) {
			size_t c = edu_bitmap_count(bm + blk *
						    PAGES_PER_BLOCK / 64,
						    PAGES_PER_BLOCK);

			if (c == PAGES_PER_BLOCK)
				whole++;
			else if (c != NPROBE && !odd++)
				tap_diag("n=%u: block %zu reports %zu pages, "
					 "neither its %zu writes nor whole", n,
					 blk, c, NPROBE);
		}
		/*
		 * A failed table allocation: START still logs, with the blocks
		 * it did not split whole (how many depends on which of the
		 * allocations behind a table failed: memcg charging may add
		 * one, so the count per n varies from boot to boot)
		 */
		if (left == 0 && whole >= 1) {
			some_whole++;
			tap_diag("n=%u: START logs with %zu of %u blocks whole",
				 n, whole, NBLOCKS);
		}
		edu_type1_dirty_stop(&d);
		if (left != 0)
			break;		/* past every allocation of START */
	}
	fail_nth_set(0);

	tap_ok(!not_enomem && !bad_state,
	       "type1: a START that fails returns ENOMEM and does not log "
	       "(GET_BITMAP EINVAL): %u failed, %u other errors, %u logging",
	       failed, not_enomem, bad_state);
	tap_ok(started && !lost && !odd && !dma_bad,
	       "type1: every START that succeeds reports every page the "
	       "device wrote, a page or its whole block (%u starts, %u pages "
	       "lost, %u blocks neither, %u DMA failures)", started, lost,
	       odd, dma_bad);
	tap_ok(some_whole > 0,
	       "type1: the fault reached the split: %u STARTs succeeded with "
	       "blocks left whole", some_whole);
	edu_close(&d);
}

int main(void)
{
	int ret;

	tap_plan(1 + 4 + 4);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	buf = edu_buf_alloc(LEN, true);
	stamp = edu_buf_alloc(EDU_PAGE_SIZE, false);
	ret = fault_injection_setup();
	if (!tap_ok(bm && buf && stamp && !ret &&
		    !edu_find(d.bdf, sizeof(d.bdf)),
		    "fault injection (fail-nth, failslab, fail_page_alloc in "
		    DEBUGFS ") and an edu device%s%s", ret ? ": " : "",
		    ret ? strerror(-ret) : ""))
		return tap_finish();

	iommufd_part();
	type1_part();
	return tap_finish();
}
