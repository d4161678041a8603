// SPDX-License-Identifier: GPL-2.0
/*
 * type1_dirty: VFIO type1 VFIO_IOMMU_DIRTY_PAGES as upstream has it.
 *
 * Without IOMMU dirty information a device that does not pin pages
 * (vfio-pci) makes every mapped page count as dirty on every read, DMA or
 * not.  This test pins that rule down (the baseline hardware tracking
 * improves on) together with the ioctl's argument rules.  It expects an
 * IOMMU without dirty tracking (stock QEMU or x-httu=off): where type1 uses
 * the SMMU's dirty bits (VFIO_IOMMU_MIGRATION_HW_DIRTY) its expectation is
 * wrong by design and it fails; type1_hwdirty covers that case.
 *
 * usage: type1_dirty [--dma-size N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "edudma.h"
#include "tap.h"

#define MAP_IOVA	0x1000000ULL
#define MAP_LEN		(1UL << 20)
#define NPAGES		(MAP_LEN / EDU_PAGE_SIZE)
#define SRC_PAGE	0
#define DST_PAGE	3
#define PLAN		18

#ifndef VFIO_IOMMU_MIGRATION_HW_DIRTY
#define VFIO_IOMMU_MIGRATION_HW_DIRTY	(1 << 0)
#endif

struct ctx {
	struct edu_dev d;
	uint8_t *buf;
	uint64_t *bm;
	size_t dma_size;
};

static bool setup(struct ctx *c)
{
	uint64_t pgsizes = 0, max_bitmap = 0;
	uint32_t flags = 0;
	int ret;

	ret = edu_find(c->d.bdf, sizeof(c->d.bdf));
	if (!ret)
		ret = edu_bind_vfio_pci(c->d.bdf);
	if (!tap_ok(!ret, "edu device %s bound to vfio-pci", c->d.bdf))
		return false;
	ret = edu_type1_open(&c->d);
	if (!tap_ok(!ret, "type1v2 container, group %d, device fd",
		    c->d.group))
		return false;
	ret = edu_type1_migration_cap_flags(&c->d, &flags, &pgsizes,
					    &max_bitmap);
	tap_ok(!ret && (pgsizes & EDU_PAGE_SIZE) &&
	       !(flags & VFIO_IOMMU_MIGRATION_HW_DIRTY),
	       "migration capability: no HW_DIRTY (flags 0x%x), pgsize_bitmap "
	       "0x%llx, max bitmap %llu bytes", flags,
	       (unsigned long long)pgsizes, (unsigned long long)max_bitmap);

	ret = -ENOMEM;
	c->buf = edu_buf_alloc(MAP_LEN, false);
	c->bm = edu_bitmap_alloc(NPAGES);
	if (c->buf && c->bm)
		ret = edu_map(&c->d, c->buf, MAP_IOVA, MAP_LEN);
	if (!tap_ok(!ret, "VFIO_IOMMU_MAP_DMA 1 MiB at IOVA 0x%llx",
		    (unsigned long long)MAP_IOVA))
		return false;
	ret = edu_enable(&c->d);
	return tap_ok(!ret, "edu BAR0 mapped, ident ok, bus master on");
}

/* GET_BITMAP with a chosen bitmap page size, bypassing the library. */
static int get_bitmap_pgsize(struct ctx *c, uint64_t pgsize)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap hdr;
		struct vfio_iommu_type1_dirty_bitmap_get range;
	} req = {
		.hdr.argsz = sizeof(req),
		.hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
		.range.iova = MAP_IOVA,
		.range.size = MAP_LEN,
		.range.bitmap.pgsize = pgsize,
		.range.bitmap.size = edu_bitmap_words(NPAGES) * 8,
		.range.bitmap.data = (__u64 *)c->bm,
	};

	if (ioctl(c->d.container_fd, VFIO_IOMMU_DIRTY_PAGES, &req))
		return -errno;
	return 0;
}

static void test_bad_flags(struct ctx *c)
{
	int ret;

	ret = edu_type1_dirty_get(&c->d, MAP_IOVA, MAP_LEN, c->bm);
	tap_ok(ret == -EINVAL, "GET_BITMAP before START fails with EINVAL (%d)",
	       ret);
	ret = edu_type1_dirty_ioctl(&c->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
					   VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
	tap_ok(ret == -EINVAL, "START|STOP at once fails with EINVAL (%d)",
	       ret);
	ret = edu_type1_dirty_ioctl(&c->d, 1U << 15);
	tap_ok(ret == -EINVAL, "unknown flag fails with EINVAL (%d)", ret);
}

/* Read the whole mapping; true if every page, and only those, is set. */
static bool all_dirty(struct ctx *c)
{
	size_t n;

	if (edu_type1_dirty_get(&c->d, MAP_IOVA, MAP_LEN, c->bm))
		return false;
	n = edu_bitmap_count(c->bm, NPAGES);
	if (n != NPAGES)
		edu_bitmap_print("got", c->bm, NPAGES);
	return n == NPAGES;
}

static void test_tracking(struct ctx *c)
{
	uint8_t *src = c->buf + SRC_PAGE * EDU_PAGE_SIZE;
	uint8_t *dst = c->buf + DST_PAGE * EDU_PAGE_SIZE;
	size_t i;
	int ret;

	ret = edu_type1_dirty_start(&c->d);
	tap_ok(!ret, "DIRTY_PAGES START");
	tap_ok(all_dirty(c), "no DMA yet, GET_BITMAP reports all %lu pages",
	       NPAGES);
	tap_ok(all_dirty(c), "second GET_BITMAP again reports all %lu pages",
	       NPAGES);

	for (i = 0; i < c->dma_size; i++)
		src[i] = (uint8_t)(i ^ 0x5a);
	ret = edu_dma_from_ram(&c->d, MAP_IOVA + SRC_PAGE * EDU_PAGE_SIZE,
			       c->dma_size);
	if (!ret)
		ret = edu_dma_to_ram(&c->d, MAP_IOVA + DST_PAGE * EDU_PAGE_SIZE,
				     c->dma_size);
	tap_ok(!ret && !memcmp(src, dst, c->dma_size),
	       "device copy page %d -> page %d (%zu bytes) reaches memory",
	       SRC_PAGE, DST_PAGE, c->dma_size);
	tap_ok(all_dirty(c), "after one DMA write GET_BITMAP still reports all "
	       "%lu pages", NPAGES);

	ret = edu_type1_dirty_get(&c->d, MAP_IOVA + EDU_PAGE_SIZE,
				  MAP_LEN - EDU_PAGE_SIZE, c->bm);
	tap_ok(ret == -EINVAL,
	       "GET_BITMAP of part of a mapping fails with EINVAL (%d)", ret);
	ret = get_bitmap_pgsize(c, 16 * EDU_PAGE_SIZE);
	tap_ok(ret == -EINVAL,
	       "GET_BITMAP with 64 KiB bitmap pages fails with EINVAL (%d)",
	       ret);

	ret = edu_type1_dirty_stop(&c->d);
	tap_ok(!ret, "DIRTY_PAGES STOP");
	ret = edu_type1_dirty_get(&c->d, MAP_IOVA, MAP_LEN, c->bm);
	tap_ok(ret == -EINVAL, "GET_BITMAP after STOP fails with EINVAL (%d)",
	       ret);
	ret = edu_unmap(&c->d, MAP_IOVA, MAP_LEN);
	tap_ok(!ret, "VFIO_IOMMU_UNMAP_DMA");
}

int main(int argc, char **argv)
{
	struct ctx c = { .dma_size = edu_default_dma_size() };

	if (edu_parse_dma_size(argc, argv, &c.dma_size))
		return TAP_EXIT_FAIL;

	edu_init(&c.d);
	tap_plan(PLAN);
	if (setup(&c)) {
		test_bad_flags(&c);
		test_tracking(&c);
	}
	tap_skip_rest("setup failed");
	edu_close(&c.d);
	edu_buf_free(c.buf, MAP_LEN);
	free(c.bm);
	return tap_finish();
}
