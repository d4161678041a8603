// SPDX-License-Identifier: GPL-2.0
/*
 * A VFIO type1 container mixing a domain with hardware dirty tracking and
 * one without falls back to upstream behaviour (every mapped page dirty)
 * and says so in the migration capability. Needs two edu devices (the
 * runner's --edu 2) and the SMMUv3 HTTU emulation. The second group gets a
 * plain domain through the type1 parameter hw_dirty_domains.
 *
 * When a plain group joins while tracking, hardware tracking ends for the
 * session, but the first domain still holds the blocks START split: STOP
 * must merge them back (iommu:dirty_merge reports the tables merged).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL
#define LEN		(1UL << 20)
#define NPAGES		(LEN / EDU_PAGE_SIZE)
#define PARAM		"/sys/module/vfio_iommu_type1/parameters/hw_dirty_domains"
#define HUGE_IOVA	0x1400000ULL	/* 20 MiB: one 2 MiB hugetlb block */
#define HUGE_LEN	(2UL << 20)
#define TRACEFS		"/sys/kernel/tracing"

static struct edu_dev d1, d2;
static uint64_t *bm;
static size_t dma_len;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int set_param(const char *val)
{
	return write_file(PARAM, val);
}

/* Start recording iommu:dirty_merge events into an empty trace buffer */
static int merges_begin(void)
{
	int ret = write_file(TRACEFS "/trace", "");

	if (!ret)
		ret = write_file(TRACEFS "/events/iommu/dirty_merge/enable", "1");
	/* whatever an earlier test left */
	return ret ? ret : write_file(TRACEFS "/tracing_on", "1");
}

/* Tables merged (the events' dirty=) since merges_begin(), or -1 */
static long merges_end(void)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char line[512];
	long merged = 0;

	write_file(TRACEFS "/events/iommu/dirty_merge/enable", "0");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, " dirty_merge: ");

		p = p ? strstr(p, " dirty=") : NULL;
		if (p)
			merged += strtol(p + 7, NULL, 10);
	}
	fclose(f);
	return merged;
}

static bool hw_dirty(void)
{
	uint32_t flags = 0;
	uint64_t pgsizes, max_bitmap;

	if (edu_type1_migration_cap_flags(&d1, &flags, &pgsizes, &max_bitmap))
		return false;
	return flags & VFIO_IOMMU_MIGRATION_HW_DIRTY;
}

static size_t reported(void)
{
	if (edu_type1_dirty_op(&d1, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
			       IOVA, LEN, bm))
		return (size_t)-1;
	return edu_bitmap_count(bm, NPAGES);
}

static int join_plain_group(void)
{
	int ret;

	edu_init(&d2);
	ret = edu_find_nth(1, d2.bdf, sizeof(d2.bdf));
	if (!ret)
		ret = set_param("N");
	if (!ret)
		ret = edu_type1_join(&d2, &d1);
	set_param("Y");
	return ret;
}

int main(void)
{
	void *buf, *huge;
	long merged;
	size_t n;

	tap_plan(11);
	edu_init(&d1);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	buf = edu_buf_alloc(LEN, false);
	huge = edu_buf_alloc(HUGE_LEN, true);
	if (!bm || !buf || !huge || edu_find_nth(0, d1.bdf, sizeof(d1.bdf)) ||
	    edu_type1_open(&d1) || edu_map(&d1, buf, IOVA, LEN) ||
	    edu_map(&d1, huge, HUGE_IOVA, HUGE_LEN) || edu_enable(&d1))
		return tap_finish();

	tap_ok(hw_dirty(), "one dirty-tracking domain: HW_DIRTY reported");

	tap_ok(!join_plain_group(),
	       "second edu group (%s) joins the container with a plain domain",
	       d2.bdf);
	tap_ok(!hw_dirty(), "mixed container: HW_DIRTY no longer reported");
	tap_ok(!edu_type1_dirty_start(&d1), "START on the mixed container");
	n = reported();
	tap_ok(n == NPAGES,
	       "mixed container falls back: all %zu mapped pages dirty (%zu)",
	       NPAGES, n);
	tap_ok(!edu_type1_dirty_stop(&d1), "STOP");

	/* The plain group leaves: hardware tracking is back */
	edu_close(&d2);
	tap_ok(hw_dirty(), "plain group detached: HW_DIRTY reported again");
	edu_type1_dirty_start(&d1);
	edu_dma_to_ram(&d1, IOVA + 5 * EDU_PAGE_SIZE, dma_len);
	n = reported();
	tap_ok(n == 1, "hardware tracking again: one DMA, %zu page reported", n);

	/* A plain group attached while tracking ends hardware tracking */
	tap_ok(!join_plain_group(), "plain group joins while tracking");
	n = reported();
	tap_ok(n == NPAGES,
	       "tracking falls back for the rest of the session: %zu pages", n);
	merged = merges_begin() ? -1 : 0;
	edu_type1_dirty_stop(&d1);
	if (!merged)
		merged = merges_end();
	tap_ok(merged >= 1,
	       "STOP after the fallback still merges the block START split "
	       "(%ld tables merged)", merged);

	edu_close(&d2);
	edu_close(&d1);
	return tap_finish();
}
