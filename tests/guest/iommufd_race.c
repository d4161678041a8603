// SPDX-License-Identifier: GPL-2.0
/*
 * DMA racing the dirty-tracking operations: no dirty page may be lost and
 * no DMA may fault while the kernel scans, clears, splits or merges.
 *
 * Each round starts an edu DMA write to a random page of a 2 MiB hugetlb
 * buffer without waiting for it, runs one operation, then waits for the DMA
 * and reads the bitmap. The DMA completes after the device's dma-delay-ns,
 * so in many rounds it lands while the operation runs (counted as
 * "overlapped"). Checks per operation:
 *
 *   scan (NO_CLEAR)     the page is in the next clearing read
 *   scan (clearing)     the page is in that read or the next one
 *   clear (others)      clearing every other page leaves it dirty
 *   merge               the merged block is dirty
 *   split (ENABLE)      enabling clears state by definition, so only the
 *                       DMA's data is checked (split must be hitless)
 *
 * and in every round the DMA's data must have reached memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL
#define LEN		(2UL << 20)
#define NPAGES		(LEN / EDU_PAGE_SIZE)
#define PATTERN_IOVA	0x2000000ULL	/* one page holding the DMA pattern */
#define MAX_ROUNDS	500
#define MAX_SECONDS	20

enum op { OP_SCAN, OP_SCAN_CLEAR, OP_CLEAR_OTHERS, OP_MERGE, OP_SPLIT, OP_NR };

static const char *const op_name[OP_NR] = {
	"scan (NO_CLEAR)", "scan (clearing)", "clear others", "merge", "split",
};

static struct edu_dev d;
static uint32_t hwpt;
static size_t dma_len;
static uint8_t *buf;

struct op_stats {
	unsigned int rounds, overlapped, lost, corrupt, failed;
};

static void dma_start(size_t page)
{
	edu_write32(&d, EDU_REG_DMA_SRC, EDU_DMA_BUF);
	edu_write32(&d, EDU_REG_DMA_DST, (uint32_t)(IOVA + page * EDU_PAGE_SIZE));
	edu_write32(&d, EDU_REG_DMA_CNT, (uint32_t)dma_len);
	edu_write32(&d, EDU_REG_DMA_CMD, EDU_DMA_CMD_RUN | EDU_DMA_CMD_TO_RAM);
}

static bool dma_busy(void)
{
	return edu_read32(&d, EDU_REG_DMA_CMD) & EDU_DMA_CMD_RUN;
}

static int set_tracking(uint32_t flags)
{
	return edu_iommufd_set_dirty_flags(&d, hwpt, flags);
}

/* Run @op while the DMA to @page may be in flight; 0 or -errno */
static int run_op(enum op op, size_t page, uint64_t *seen)
{
	uint64_t *others;
	size_t i;
	int ret;

	switch (op) {
	case OP_SCAN:
		return edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN,
					     IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
					     seen);
	case OP_SCAN_CLEAR:
		return edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, seen);
	case OP_CLEAR_OTHERS:
		others = edu_bitmap_alloc(NPAGES);
		if (!others)
			return -ENOMEM;
		for (i = 0; i < NPAGES; i++)
			if (i != page)
				edu_bitmap_set(others, i);
		ret = edu_iommufd_clear_dirty(&d, hwpt, IOVA, LEN,
					      EDU_PAGE_SIZE, others);
		free(others);
		return ret;
	case OP_MERGE:
		return set_tracking(IOMMU_HWPT_DIRTY_TRACKING_MERGE);
	case OP_SPLIT:
		return set_tracking(IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
				    IOMMU_HWPT_DIRTY_TRACKING_SPLIT);
	default:
		return -EINVAL;
	}
}

static void round_once(enum op op, struct op_stats *st, uint64_t *seen,
		       uint64_t *after)
{
	size_t page = (size_t)rand() % NPAGES;
	uint8_t *dst = buf + page * EDU_PAGE_SIZE;
	bool busy_before, busy_after;
	uint64_t t0;
	int ret;

	memset(dst, 0, dma_len);
	memset(seen, 0, edu_bitmap_words(NPAGES) * 8);
	dma_start(page);
	busy_before = dma_busy();
	ret = run_op(op, page, seen);
	busy_after = dma_busy();

	t0 = edu_now_ns();
	while (dma_busy() && edu_now_ns() - t0 < 5000000000ULL)
		;
	st->rounds++;
	if (ret || dma_busy()) {
		st->failed++;
		return;
	}
	if (busy_before && !busy_after)
		st->overlapped++;
	if (memcmp(dst, buf + LEN - EDU_PAGE_SIZE, dma_len))
		st->corrupt++;

	if (edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, after)) {
		st->failed++;
		return;
	}
	switch (op) {
	case OP_SCAN_CLEAR:
		if (!edu_bitmap_test(seen, page) && !edu_bitmap_test(after, page))
			st->lost++;
		break;
	case OP_SPLIT:
		break;
	default:
		if (!edu_bitmap_test(after, page))
			st->lost++;
		break;
	}
	/* Merge leaves a block: split again for the next round */
	if (op == OP_MERGE && set_tracking(IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					   IOMMU_HWPT_DIRTY_TRACKING_SPLIT))
		st->failed++;
}

int main(void)
{
	struct op_stats st[OP_NR] = {};
	unsigned int overlapped = 0, rounds = 0;
	uint64_t *seen, *after, t_end;
	void *pattern;
	int i;

	tap_plan(2 + 3 * OP_NR + 1);
	srand(12345);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	seen = edu_bitmap_alloc(NPAGES);
	after = edu_bitmap_alloc(NPAGES);
	if (!seen || !after || edu_find(d.bdf, sizeof(d.bdf)) ||
	    edu_iommufd_open(&d))
		return tap_finish();

	buf = edu_buf_alloc(LEN, true);
	pattern = edu_buf_alloc(EDU_PAGE_SIZE, false);
	if (!tap_ok(buf && pattern &&
		    !edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					    &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) &&
		    !edu_map(&d, buf, IOVA, LEN) &&
		    !edu_map(&d, pattern, PATTERN_IOVA, EDU_PAGE_SIZE) &&
		    !edu_enable(&d),
		    "setup: 2 MiB hugetlb buffer on a dirty-tracking HWPT"))
		return tap_finish();

	/* The edu buffer gets a pattern; the last buffer page keeps a copy */
	for (i = 0; i < (int)EDU_PAGE_SIZE; i++)
		((uint8_t *)pattern)[i] = (uint8_t)(i * 7 + 1);
	memcpy(buf + LEN - EDU_PAGE_SIZE, pattern, EDU_PAGE_SIZE);
	if (!tap_ok(!edu_dma_from_ram(&d, PATTERN_IOVA, dma_len) &&
		    !set_tracking(IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
				  IOMMU_HWPT_DIRTY_TRACKING_SPLIT),
		    "pattern loaded into edu, tracking enabled with split"))
		return tap_finish();

	t_end = edu_now_ns() + MAX_SECONDS * 1000000000ULL;
	for (rounds = 0; rounds < MAX_ROUNDS && edu_now_ns() < t_end; rounds++) {
		enum op op = rounds % OP_NR;

		round_once(op, &st[op], seen, after);
	}

	for (i = 0; i < OP_NR; i++) {
		tap_diag("%-16s rounds %u, DMA landed during the call %u",
			 op_name[i], st[i].rounds, st[i].overlapped);
		overlapped += st[i].overlapped;
		tap_ok(st[i].rounds && !st[i].failed, "%s: %u rounds, no call failed",
		       op_name[i], st[i].rounds);
		tap_ok(!st[i].lost, "%s: no dirty page lost (%u lost)", op_name[i],
		       st[i].lost);
		tap_ok(!st[i].corrupt, "%s: every DMA reached memory (%u bad)",
		       op_name[i], st[i].corrupt);
	}
	tap_ok(overlapped > 0, "DMA landed during an operation in %u of %u rounds",
	       overlapped, rounds);

	edu_close(&d);
	return tap_finish();
}
