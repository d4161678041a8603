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
 * A round whose unmap took at least half the window waited for the SMMU:
 * its descriptor was cleared while the update was pending.  At least
 * MIN_OVERLAPS such rounds are required.
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
#define ROUNDS		150
#define MIN_OVERLAPS	5

int main(int argc, char **argv)
{
	const char *env = getenv("DS_HTTU_UPDATE_DELAY_US");
	unsigned long window_us = argc > 1 ? strtoul(argv[1], NULL, 0) :
				  env ? strtoul(env, NULL, 0) : 0;
	unsigned int round, overlaps = 0, stale = 0, unmap_err = 0;
	uint64_t longest = 0;
	struct edu_dev d;
	uint64_t bm[1];
	uint32_t hwpt;
	size_t dma_len;
	void *buf;
	int ret;

	tap_plan(4);
	if (!window_us)
		return tap_skip_all("no widened HTTU update window "
				    "(scripts/vm.sh --httu-update-delay-us)");
	edu_init(&d);
	dma_len = edu_default_dma_size();
	buf = edu_buf_alloc(EDU_PAGE_SIZE, false);
	if (!tap_ok(buf && !edu_find(d.bdf, sizeof(d.bdf)) &&
		    !edu_iommufd_open(&d) &&
		    !edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					    &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) &&
		    !edu_map(&d, buf, IOVA, EDU_PAGE_SIZE) && !edu_enable(&d),
		    "dirty-tracking HWPT, one page mapped at 0x%llx, update "
		    "window %lu us", (unsigned long long)IOVA, window_us))
		return tap_finish();
	d.dma_spin = true;

	for (round = 0; round < ROUNDS; round++) {
		uint64_t t0, took;

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
		/* writable-clean: the DMA write needs a hardware update */
		if (edu_iommufd_get_dirty(&d, hwpt, IOVA, EDU_PAGE_SIZE, 0, bm))
			break;
		if (edu_dma_start(&d, true, IOVA, 0, dma_len))
			break;
		t0 = edu_now_ns();
		ret = edu_unmap(&d, IOVA, EDU_PAGE_SIZE);
		took = edu_now_ns() - t0;
		if (ret) {
			unmap_err++;
			break;
		}
		if (took > longest)
			longest = took;
		if (took >= window_us * 1000 / 2)
			overlaps++;
		/* it faulted (unmapped first) or wrote (translated first) */
		if (edu_dma_finish(&d))
			break;
	}

	tap_ok(round == ROUNDS && !unmap_err,
	       "%u of %u rounds of map, DMA write, unmap under the DMA (%u "
	       "unmap errors)", round, ROUNDS, unmap_err);
	tap_ok(!stale, "after every unmap the descriptor stays invalid: the "
	       "page maps again (%u stale)", stale);
	tap_ok(overlaps >= MIN_OVERLAPS,
	       "unmaps that waited for a pending hardware update: %u of %u "
	       "(at least %u; longest unmap %llu us, window %lu us)",
	       overlaps, round, MIN_OVERLAPS,
	       (unsigned long long)(longest / 1000), window_us);
	edu_close(&d);
	return tap_finish();
}
