// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMU's hardware update of a descriptor (HTTU: a write through a
 * writable-clean page makes it writable-dirty) racing a vCPU that unmaps
 * that page.  The update must be a compare-and-swap against the value the
 * walk read: then it fails on the cleared descriptor and the walk faults.
 * An update by plain store writes the stale descriptor back after the
 * unmap, and the device keeps a translation to a page iommufd has unpinned.
 *
 * QEMU's window between reading the descriptor and updating it is far too
 * short to hit, so this runs with the window widened
 * (scripts/vm.sh --httu-update-delay-us N: QEMU sleeps N us there, holding
 * the lock the SMMU's command queue needs) and with a short edu DMA delay
 * (--dma-delay-ns).  Each round: map one page, make it clean with a
 * clearing dirty read (a new mapping is writable-dirty: no update would
 * be needed), start a DMA write to it, unmap
 * it while the SMMU sits in the window, wait for the DMA, and map the page
 * again, which must find the descriptor invalid (a stale one makes the map
 * fail EEXIST, with a WARN in io-pgtable-arm).
 *
 * Which rounds really overlapped: the device's buffer holds a pattern
 * (loaded by DMA from a stamp page) and the page is zeroed before each
 * round.  A DMA that took at least half the window went through the
 * update (a walk that found the page unmapped faults at once); if its data
 * did not land either, the update lost its compare-and-swap to the unmap:
 * the vCPU cleared the descriptor inside the window.  At least
 * MIN_OVERLAPS such rounds are required.  QEMU holds its I/O thread lock
 * in the window, so a vCPU that takes an interrupt meanwhile waits for its
 * end: on one vCPU about one round in a hundred overlaps, on two (the
 * suite's boot) about half.
 *
 * usage: httu_update_race [window_us]   (default: DS_HTTU_UPDATE_DELAY_US,
 *                                        exported by /init)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x3000000ULL	/* 48 MiB */
#define STAMP_IOVA	0x3200000ULL	/* the pattern's source page */
#define ROUNDS		150
#define MIN_OVERLAPS	20
#define PATTERN		0xa5

int main(int argc, char **argv)
{
	const char *env = getenv("DS_HTTU_UPDATE_DELAY_US");
	unsigned long window_us = argc > 1 ? strtoul(argv[1], NULL, 0) :
				  env ? strtoul(env, NULL, 0) : 0;
	unsigned int round, overlaps = 0, stale = 0, unmap_err = 0;
	unsigned int slow = 0, landed = 0;
	struct edu_dev d;
	uint64_t bm[1];
	uint32_t hwpt;
	size_t dma_len;
	uint8_t *buf, *stamp;
	int ret;

	tap_plan(4);
	if (!window_us)
		return tap_skip_all("no widened HTTU update window "
				    "(scripts/vm.sh --httu-update-delay-us)");
	edu_init(&d);
	dma_len = edu_default_dma_size();
	buf = edu_buf_alloc(EDU_PAGE_SIZE, false);
	stamp = edu_buf_alloc(EDU_PAGE_SIZE, false);
	if (stamp)
		memset(stamp, PATTERN, EDU_PAGE_SIZE);
	if (!tap_ok(buf && stamp && !edu_find(d.bdf, sizeof(d.bdf)) &&
		    !edu_iommufd_open(&d) &&
		    !edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					    &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) &&
		    !edu_map(&d, buf, IOVA, EDU_PAGE_SIZE) &&
		    !edu_map(&d, stamp, STAMP_IOVA, EDU_PAGE_SIZE) &&
		    !edu_enable(&d) &&
		    !edu_dma(&d, false, STAMP_IOVA, 0, dma_len),
		    "dirty-tracking HWPT, one page mapped at 0x%llx, update "
		    "window %lu us", (unsigned long long)IOVA, window_us))
		return tap_finish();
	d.dma_spin = true;

	for (round = 0; round < ROUNDS; round++) {
		uint64_t t0, took;
		size_t i;

		if (round) {
			ret = edu_map(&d, buf, IOVA, EDU_PAGE_SIZE);
			if (ret) {
				tap_diag("round %u: mapping the page again: "
					 "%s (a stale descriptor?)", round,
					 strerror(-ret));
				stale++;
				break;
			}
		}
		memset(buf, 0, dma_len);
		/* writable-clean: the DMA write needs a hardware update */
		if (edu_iommufd_get_dirty(&d, hwpt, IOVA, EDU_PAGE_SIZE, 0, bm))
			break;
		t0 = edu_now_ns();
		if (edu_dma_start(&d, true, IOVA, 0, dma_len))
			break;
		ret = edu_unmap(&d, IOVA, EDU_PAGE_SIZE);
		if (ret) {
			unmap_err++;
			break;
		}
		/* it faulted (unmapped first) or wrote (translated first) */
		if (edu_dma_finish(&d))
			break;
		took = edu_now_ns() - t0;
		for (i = 0; i < dma_len && buf[i] == PATTERN; i++)
			;
		if (i == dma_len)
			landed++;
		if (took < window_us * 1000 / 2)
			continue;
		slow++;
		if (i < dma_len)
			overlaps++;
	}

	tap_ok(round == ROUNDS && !unmap_err,
	       "%u of %u rounds of map, DMA write, unmap under the DMA (%u "
	       "unmap errors)", round, ROUNDS, unmap_err);
	tap_ok(!stale, "after every unmap the descriptor stays invalid: the "
	       "page maps again (%u stale)", stale);
	tap_ok(overlaps >= MIN_OVERLAPS,
	       "rounds whose unmap cleared the descriptor inside the update "
	       "window (slow DMA, no data): %u of %u, at least %u (%u slow, "
	       "%u landed)", overlaps, round, MIN_OVERLAPS, slow, landed);
	edu_close(&d);
	return tap_finish();
}
