// SPDX-License-Identifier: GPL-2.0
/*
 * The administrator default iommufd.dirty_split (kernel patch 46): with it
 * set, a plain IOMMU_HWPT_SET_DIRTY_TRACKING(ENABLE), as every released
 * VMM issues, splits the HWPT's blocks so that one DMA write reports one
 * page, and a plain disable merges them back; without it the same calls
 * leave the 2 MiB block whole (512 pages per write).  The HWPT remembers
 * whether its enable split: the disable after it merges even if the
 * parameter was turned off meanwhile, and a disable after an explicit
 * ENABLE|SPLIT does not merge.  A bad value is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define PARAM		"/sys/module/iommufd/parameters/dirty_split"
#define IOVA		0x1000000ULL	/* 16 MiB: 2 MiB aligned */
#define LEN		(2UL << 20)
#define NPAGES		(LEN / EDU_PAGE_SIZE)

static struct edu_dev d;
static uint32_t hwpt;
static uint64_t *bm;
static size_t dma_len;

/* write VAL to the parameter: 0 or -errno */
static int param_set(const char *val)
{
	int fd = open(PARAM, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static char param_get(void)
{
	char c = '?';
	int fd = open(PARAM, O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '?';
		close(fd);
	}
	return c;
}

/* enable tracking, one DMA write to page 5, read: the pages reported */
static size_t one_write(void)
{
	if (edu_iommufd_set_dirty(&d, hwpt, true) ||
	    edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, bm) ||
	    edu_dma_to_ram(&d, IOVA + 5 * EDU_PAGE_SIZE, dma_len) ||
	    edu_iommufd_get_dirty(&d, hwpt, IOVA, LEN, 0, bm))
		return (size_t)-1;
	return edu_bitmap_count(bm, NPAGES);
}

int main(void)
{
	size_t n;
	void *buf;

	tap_plan(11);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	if (!tap_ok(access(PARAM, W_OK) == 0 && param_get() == 'N',
		    "%s exists, off by default (%c)", PARAM, param_get()))
		return tap_finish();
	tap_ok(param_set("maybe") == -EINVAL && param_get() == 'N',
	       "a value that is not a boolean is refused with EINVAL");

	buf = edu_buf_alloc(LEN, true);
	if (!bm || !buf || edu_find(d.bdf, sizeof(d.bdf)) || edu_iommufd_open(&d) ||
	    !tap_ok(!edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) && !edu_map(&d, buf, IOVA, LEN) &&
		    !edu_enable(&d),
		    "dirty-tracking HWPT, a 2 MiB hugetlb buffer mapped at 0x%llx",
		    (unsigned long long)IOVA))
		return tap_finish();

	n = one_write();
	tap_ok(n == NPAGES, "off: plain ENABLE leaves the block, one write reports %zu pages", n);
	edu_iommufd_set_dirty(&d, hwpt, false);

	tap_ok(param_set("1") == 0 && param_get() == 'Y', "set to 1 at run time");
	n = one_write();
	tap_ok(n == 1, "on: plain ENABLE splits, one write reports %zu page", n);

	/* the HWPT remembers the split: its disable merges with the param off */
	tap_ok(param_set("0") == 0 && !edu_iommufd_set_dirty(&d, hwpt, false),
	       "set back to 0, then a plain disable");
	n = one_write();
	tap_ok(n == NPAGES,
	       "that disable merged (the enable had split): one write reports %zu pages", n);
	edu_iommufd_set_dirty(&d, hwpt, false);

	/* an explicit ENABLE|SPLIT is left as asked: its plain disable keeps pages */
	tap_ok(param_set("1") == 0 &&
	       !edu_iommufd_set_dirty_flags(&d, hwpt, IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
						 IOMMU_HWPT_DIRTY_TRACKING_SPLIT) &&
	       !edu_iommufd_set_dirty(&d, hwpt, false) && param_set("0") == 0,
	       "on: ENABLE|SPLIT, then a plain disable, then set back to 0");
	n = one_write();
	tap_ok(n == 1, "a disable after an explicit SPLIT does not merge: one write reports %zu page", n);
	tap_ok(!edu_iommufd_set_dirty_flags(&d, hwpt, IOMMU_HWPT_DIRTY_TRACKING_MERGE) &&
	       one_write() == NPAGES, "MERGE brings the block back");

	param_set("0");
	edu_close(&d);
	edu_buf_free(buf, LEN);
	return tap_finish();
}
