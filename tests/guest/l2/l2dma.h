/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory layout shared by the L2 payload l2dma (which writes it) and
 * the L1 harness vmm_migrate (which checks a migrated copy of it).
 *
 * L2 is a bare-metal program in QEMU's virt machine (RAM at 1 GiB, at
 * least L2_RAM_MIN bytes).  It finds the assigned edu on PCI, then loops:
 * it picks a page of the DMA area (half the time from a small hot set),
 * gives it the next stamp in its log and has edu DMA a stamped page there;
 * and it stamps a page of the CPU area with the CPU.  Every page written
 * starts with two 64-bit words: L2_TAG ^ page number, stamp.
 *
 * A page's latest stamp is log[page], except that the one write in flight
 * (ctl.pend_page) may not have landed: then the page holds ctl.pend_prev.
 */
#ifndef DIRTYSCOPE_L2DMA_H
#define DIRTYSCOPE_L2DMA_H

#include <stdint.h>

#define L2_RAM_BASE		0x40000000UL
#define L2_RAM_MIN		(64UL << 20)
#define L2_PAGE			4096UL

#define L2_CTL			(L2_RAM_BASE + (2UL << 20))	/* struct l2_ctl */
#define L2_LOG			(L2_CTL + L2_PAGE)		/* u64 log[L2_DMA_PAGES] */
#define L2_DMA_AREA		(L2_RAM_BASE + (4UL << 20))
#define L2_DMA_PAGES		8192UL				/* 32 MiB */
#define L2_CPU_AREA		(L2_DMA_AREA + L2_DMA_PAGES * L2_PAGE)
#define L2_CPU_PAGES		4096UL				/* 16 MiB */
#define L2_HOT_PAGES		64UL	/* the hot set: the first pages of the DMA area */

#define L2_TAG			0x6c32646d61000000ULL	/* "l2dma" */
#define L2_CTL_MAGIC		0x6c3263746c000001ULL
#define L2_NO_PAGE		(~0ULL)

struct l2_ctl {
	uint64_t magic;		/* L2_CTL_MAGIC once set up */
	uint64_t edu_bar;	/* where it put edu's BAR0 */
	uint64_t seq;		/* the last stamp given */
	uint64_t dma_writes;	/* DMAs completed */
	uint64_t cpu_writes;
	uint64_t pend_page;	/* the DMA in flight, or L2_NO_PAGE */
	uint64_t pend_prev;	/* its page's stamp before it */
	uint64_t errors;	/* DMAs that did not complete */
};

#endif
