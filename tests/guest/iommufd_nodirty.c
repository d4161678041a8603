// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd_nodirty: an SMMUv3 without HTTU dirty-state update (stock QEMU, or
 * arm-smmuv3.x-httu=off) must refuse a dirty-tracking HWPT with EOPNOTSUPP,
 * while a plain HWPT keeps working: device DMA reaches memory through it.
 *
 * usage: iommufd_nodirty [--dma-size N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/iommufd.h>

#include "edudma.h"
#include "tap.h"

#define MAP_IOVA	0x1000000ULL
#define MAP_LEN		(1UL << 20)
#define SRC_PAGE	0
#define DST_PAGE	5
#define PLAN		12

struct ctx {
	struct edu_dev d;
	uint8_t *buf;
	uint64_t *bm;
	uint32_t hwpt;
	size_t dma_size;
};

static bool setup(struct ctx *c)
{
	int ret;

	ret = edu_find(c->d.bdf, sizeof(c->d.bdf));
	if (!ret)
		ret = edu_bind_vfio_pci(c->d.bdf);
	if (!tap_ok(!ret, "edu device %s bound to vfio-pci", c->d.bdf))
		return false;
	ret = edu_iommufd_open(&c->d);
	return tap_ok(!ret, "iommufd: cdev bound (dev_id %u), IOAS %u",
		      c->d.dev_id, c->d.ioas_id);
}

static void test_refused(struct ctx *c)
{
	uint64_t caps = ~0ULL;
	uint32_t hwpt = 0;
	int ret;

	ret = edu_iommufd_hw_caps(&c->d, &caps);
	tap_ok(!ret && !(caps & IOMMU_HW_CAP_DIRTY_TRACKING),
	       "IOMMU_GET_HW_INFO does not report DIRTY_TRACKING (caps 0x%llx)",
	       (unsigned long long)caps);

	ret = edu_iommufd_hwpt_alloc(&c->d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				     &hwpt);
	if (ret == -EOPNOTSUPP)
		tap_diag("no hardware dirty tracking on this SMMU: the "
			 "DIRTY_TRACKING HWPT is refused, as expected");
	tap_ok(ret == -EOPNOTSUPP,
	       "IOMMU_HWPT_ALLOC with DIRTY_TRACKING fails with EOPNOTSUPP (%d)",
	       ret);
	if (!ret)
		edu_iommufd_destroy(&c->d, hwpt);
}

static bool attach_plain(struct ctx *c)
{
	size_t i;
	int ret;

	ret = edu_iommufd_hwpt_alloc(&c->d, 0, &c->hwpt);
	if (!tap_ok(!ret, "plain IOMMU_HWPT_ALLOC works (hwpt %u)", c->hwpt))
		return false;
	ret = edu_iommufd_attach(&c->d, c->hwpt);
	if (!tap_ok(!ret, "device attached to the plain HWPT"))
		return false;

	ret = -ENOMEM;
	c->buf = edu_buf_alloc(MAP_LEN, false);
	c->bm = edu_bitmap_alloc(MAP_LEN / EDU_PAGE_SIZE);
	if (c->buf && c->bm)
		ret = edu_map(&c->d, c->buf, MAP_IOVA, MAP_LEN);
	if (!tap_ok(!ret, "IOMMU_IOAS_MAP 1 MiB at IOVA 0x%llx",
		    (unsigned long long)MAP_IOVA))
		return false;
	for (i = 0; i < EDU_PAGE_SIZE; i++)
		c->buf[SRC_PAGE * EDU_PAGE_SIZE + i] = (uint8_t)(i * 5 + 1);

	ret = edu_enable(&c->d);
	return tap_ok(!ret, "edu BAR0 mapped, ident ok, bus master on");
}

static void test_dma(struct ctx *c)
{
	uint8_t *src = c->buf + SRC_PAGE * EDU_PAGE_SIZE;
	uint8_t *dst = c->buf + DST_PAGE * EDU_PAGE_SIZE;
	int ret;

	ret = edu_dma_from_ram(&c->d, MAP_IOVA + SRC_PAGE * EDU_PAGE_SIZE,
			       c->dma_size);
	tap_ok(!ret, "device reads %zu bytes of page %d", c->dma_size,
	       SRC_PAGE);
	ret = edu_dma_to_ram(&c->d, MAP_IOVA + DST_PAGE * EDU_PAGE_SIZE,
			     c->dma_size);
	tap_ok(!ret && !memcmp(src, dst, c->dma_size) &&
	       (c->dma_size == EDU_PAGE_SIZE || dst[c->dma_size] == 0),
	       "device write to page %d reaches memory (exactly %zu bytes)",
	       DST_PAGE, c->dma_size);
}

static void test_dirty_refused(struct ctx *c)
{
	int ret;

	ret = edu_iommufd_set_dirty(&c->d, c->hwpt, true);
	tap_ok(ret == -EOPNOTSUPP,
	       "SET_DIRTY_TRACKING on the plain HWPT fails with EOPNOTSUPP "
	       "(%d)", ret);
	ret = edu_iommufd_get_dirty(&c->d, c->hwpt, MAP_IOVA, MAP_LEN, 0,
				    c->bm);
	tap_ok(ret == -EOPNOTSUPP,
	       "GET_DIRTY_BITMAP on the plain HWPT fails with EOPNOTSUPP (%d)",
	       ret);
}

int main(int argc, char **argv)
{
	struct ctx c = { .dma_size = edu_default_dma_size() };

	if (edu_parse_dma_size(argc, argv, &c.dma_size))
		return TAP_EXIT_FAIL;

	edu_init(&c.d);
	tap_plan(PLAN);
	if (setup(&c)) {
		test_refused(&c);
		if (attach_plain(&c)) {
			test_dma(&c);
			test_dirty_refused(&c);
		}
	}
	tap_skip_rest("setup failed");
	edu_close(&c.d);
	edu_buf_free(c.buf, MAP_LEN);
	free(c.bm);
	return tap_finish();
}
