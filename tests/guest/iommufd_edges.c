// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_edges: dirty reads whose range does not line up with the
 * leaves that map it, against one 4 MiB mapping (one iommufd area, so one
 * walk) whose first 2 MiB are a transparent huge page, mapped as a block,
 * and whose second 2 MiB are 4 KiB pages, with dirty tracking on and no
 * split:
 *
 *  - a read that starts inside the block must still see the first pages
 *    of the table after it (the walk used to enter that table past them);
 *  - the dirty block's record is clipped to the range: pages after the
 *    block stay clean in the bitmap;
 *  - a read of half the block writes exactly its bitmap, not the words
 *    after it in the user's buffer (a canary there must survive);
 *  - a read that starts inside the dirty block reports its pages in the
 *    range (not dropped for starting before the bitmap, no -EPROTO from
 *    iova_bitmap_set(), which refuses a record outside the range);
 *  - a clearing read of part of a dirty block leaves the block dirty, so
 *    that its pages outside the range are not lost.
 *
 * usage: iommufd_edges
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/iommufd.h>

#include "edudma.h"
#include "tap.h"

#define IOVA		0x1000000ULL	/* 16 MiB: the block */
#define BLOCK		(2UL << 20)
#define PAGE		EDU_PAGE_SIZE
#define CANARY		0xa5a5a5a5a5a5a5a5ULL
#define PLAN		16

struct ctx {
	struct edu_dev d;
	uint8_t *raw, *mem;	/* mem: 2 MiB-aligned 4 MiB inside raw */
	uint32_t hwpt;
	uint64_t buf[64];	/* a bitmap, then canary words */
};

static bool setup(struct ctx *c)
{
	int ret;

	ret = edu_find(c->d.bdf, sizeof(c->d.bdf));
	if (!ret)
		ret = edu_bind_vfio_pci(c->d.bdf);
	if (!ret)
		ret = edu_iommufd_open(&c->d);
	if (!ret)
		ret = edu_iommufd_hwpt_alloc(&c->d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					     &c->hwpt);
	if (!ret)
		ret = edu_iommufd_attach(&c->d, c->hwpt);
	if (!tap_ok(!ret, "edu %s on a dirty-tracking HWPT %u", c->d.bdf,
		    c->hwpt))
		return false;
	/* a THP for the first half, 4 KiB pages for the second */
	c->raw = mmap(NULL, 3 * BLOCK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ret = c->raw == MAP_FAILED ? -errno : 0;
	if (ret)
		c->raw = NULL;
	if (!ret) {
		c->mem = (uint8_t *)(((uintptr_t)c->raw + BLOCK - 1) & ~(BLOCK - 1));
		if (madvise(c->mem, BLOCK, MADV_HUGEPAGE) ||
		    madvise(c->mem + BLOCK, BLOCK, MADV_NOHUGEPAGE))
			ret = -errno;
	}
	if (!ret) {
		memset(c->mem, 0, 2 * BLOCK);
		ret = edu_map(&c->d, c->mem, IOVA, 2 * BLOCK);
	}
	if (!ret)
		ret = edu_enable(&c->d);
	if (!ret)
		ret = edu_iommufd_set_dirty(&c->d, c->hwpt, true);
	return tap_ok(!ret, "one 4 MiB mapping at 0x%llx (THP, then 4 KiB "
		      "pages), tracking on (no split)", IOVA);
}

/* GET_DIRTY_BITMAP of [iova, iova + len) into c->buf, canary after it */
static int read_dirty(struct ctx *c, uint64_t iova, uint64_t len, bool clear)
{
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.hwpt_id = c->hwpt,
		.flags = clear ? 0 : IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
		.iova = iova,
		.length = len,
		.page_size = PAGE,
		.data = (uintptr_t)c->buf,
	};
	size_t i;

	for (i = 0; i < 64; i++)
		c->buf[i] = i < edu_bitmap_words(len / PAGE) ? 0 : CANARY;
	return ioctl(c->d.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get) ? -errno : 0;
}

static size_t weight(const uint64_t *bm, size_t bits)
{
	return edu_bitmap_count(bm, bits);
}

static bool canary_ok(const struct ctx *c, size_t bits)
{
	size_t i;

	for (i = edu_bitmap_words(bits); i < 64; i++)
		if (c->buf[i] != CANARY)
			return false;
	return true;
}

static void test_edges(struct ctx *c)
{
	uint64_t start = IOVA + 2 * PAGE, len = 2 * BLOCK - 2 * PAGE;
	size_t bits = len / PAGE;	/* 1022 */
	int ret;

	/* forget what mapping left behind */
	ret = read_dirty(c, IOVA, 2 * BLOCK, true);
	tap_ok(!ret, "clearing read of the 4 MiB (%d)", ret);

	/* the precondition: the first half is one 2 MiB leaf */
	ret = edu_dma_to_ram(&c->d, IOVA + PAGE, 64);
	if (!ret)
		ret = read_dirty(c, IOVA, 2 * BLOCK, true);
	if (!tap_ok(!ret && weight(c->buf, 1024) == 512 &&
		    edu_bitmap_test(c->buf, 0) && !edu_bitmap_test(c->buf, 512),
		    "the first 2 MiB are a block: one DMA there dirties 512 "
		    "pages (%zu)", weight(c->buf, 1024)))
		return;

	/* a clean block, then the table's first two pages written */
	ret = edu_dma_to_ram(&c->d, IOVA + BLOCK, 64);
	if (!ret)
		ret = edu_dma_to_ram(&c->d, IOVA + BLOCK + PAGE, 64);
	tap_ok(!ret, "DMA to the first two pages after the block");
	ret = read_dirty(c, start, len, true);
	tap_ok(!ret && edu_bitmap_test(c->buf, 510) &&
	       edu_bitmap_test(c->buf, 511) && weight(c->buf, bits) == 2,
	       "a read from 8 KiB into the block reports the table's first "
	       "two pages, and only them (%zu bits)", weight(c->buf, bits));

	/* a dirty block, a clean table */
	ret = edu_dma_to_ram(&c->d, IOVA + BLOCK / 2, 64);
	tap_ok(!ret, "DMA into the block");
	ret = read_dirty(c, start, len, false);
	tap_ok(!ret && weight(c->buf, bits) == 510 &&
	       !edu_bitmap_test(c->buf, 510),
	       "a read from inside the dirty block reports its 510 pages in "
	       "the range, none after it (%zu bits)", weight(c->buf, bits));

	/* half the block: its 256 bits, nothing after them */
	ret = read_dirty(c, IOVA, BLOCK / 2, false);
	tap_ok(!ret && weight(c->buf, 256) == 256,
	       "a read of the block's first 1 MiB sets its 256 bits");
	tap_ok(canary_ok(c, 256),
	       "and writes nothing past its 4-word bitmap (canary intact: "
	       "word 4 = %016llx)", (unsigned long long)c->buf[4]);

	/* the block's second half, from inside it */
	ret = read_dirty(c, IOVA + BLOCK / 2, BLOCK / 2, false);
	tap_ok(!ret && weight(c->buf, 256) == 256 && canary_ok(c, 256),
	       "a read of its second 1 MiB sets its 256 bits, canary intact");

	/* a range ending inside the block: only the range */
	ret = read_dirty(c, IOVA + 64 * PAGE, 64 * PAGE, false);
	tap_ok(!ret && weight(c->buf, 64) == 64 && canary_ok(c, 64),
	       "a 64-page read in the middle of the block: 64 bits, canary "
	       "intact");

	/*
	 * A clearing read of half the dirty block reports that half and must
	 * leave the block dirty: cleaning it would lose the other half
	 */
	ret = read_dirty(c, IOVA, BLOCK / 2, true);
	tap_ok(!ret && weight(c->buf, 256) == 256 && canary_ok(c, 256),
	       "a clearing read of the block's first 1 MiB: its 256 bits (%d)",
	       ret);
	ret = read_dirty(c, IOVA + BLOCK / 2, BLOCK / 2, false);
	tap_ok(!ret && weight(c->buf, 256) == 256,
	       "and the second 1 MiB is still reported: the partly read block "
	       "stayed dirty (%zu bits)", weight(c->buf, 256));

	ret = read_dirty(c, IOVA, 2 * BLOCK, true);
	tap_ok(!ret && weight(c->buf, 1024) == 512,
	       "a clearing read of the whole 4 MiB: the block's 512 pages");
	ret = read_dirty(c, IOVA, 2 * BLOCK, false);
	tap_ok(!ret && weight(c->buf, 1024) == 0, "and then nothing is dirty");
}

int main(void)
{
	struct ctx c = { 0 };

	edu_init(&c.d);
	tap_plan(PLAN);
	if (setup(&c))
		test_edges(&c);
	else
		tap_ok(false, "setup failed: no test ran");
	edu_close(&c.d);
	if (c.raw)
		munmap(c.raw, 3 * BLOCK);
	return tap_finish();
}
