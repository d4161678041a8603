/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dirty heat map of a recording: x = time buckets, y = IOVA ranges of
 * a fixed size per domain, value = dirty pages.
 *
 * Only successful dirty_scan events count.  A scan reports how many of
 * the leaves in [iova, iova + size) were dirty, not which, so its dirty
 * count is spread over the ranges it covered in proportion to the bytes
 * of each range it covered; it lands in the time bucket of its ts_ns.
 * Rows exist for the ranges some scan covered (a domain's rows are sorted
 * by IOVA, gaps left out); a cell that no scan covered is "not scanned",
 * which is not the same as scanned and clean.  Pure code, no BPF.
 */
#ifndef DS_HEATMAP_H
#define DS_HEATMAP_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "dirty_event.h"

#define DS_HM_MAX_COLS	2000	/* time buckets */
#define DS_HM_MAX_ROWS	1024	/* IOVA ranges, all domains */
#define DS_HM_MAX_CELLS	262144	/* rows x columns: keeps the SVG viewable */
#define DS_HM_AUTO_COLS	60	/* automatic bucket: at most this many */
#define DS_HM_AUTO_ROWS	64	/* automatic range size: at most this many */

struct ds_hm_row {
	__u32 domain_id;
	__u64 iova;		/* start of the range */
};

struct ds_heatmap {
	__u64 start_ns;		/* left edge of bucket 0 */
	__u64 bucket_ns;
	__u64 range_bytes;
	size_t ncols, nrows;
	struct ds_hm_row *rows;	/* sorted by domain, then iova */
	double *dirty;		/* [row * ncols + col] */
	__u32 *scans;		/* scans that covered the cell; 0: not scanned */
	size_t cells;		/* cells with scans > 0 */
	size_t domains;		/* distinct domains among the rows */
	double max;		/* largest cell value */
};

/*
 * Build the grid over [start_ns, end_ns).  bucket_ns 0: the smallest
 * 1-2-5 x 10^k ms giving at most DS_HM_AUTO_COLS buckets; range_bytes 0:
 * the smallest power-of-two MiB giving at most DS_HM_AUTO_ROWS rows.
 * Returns 0, -E2BIG when there would be more than DS_HM_MAX_COLS columns,
 * DS_HM_MAX_ROWS rows or DS_HM_MAX_CELLS cells (ncols and nrows say
 * which; nrows is DS_HM_MAX_ROWS + 1 for "more"; nothing allocated),
 * -EINVAL for a zero range, -ENOMEM.  ds_heatmap_free() in every case.
 */
int ds_heatmap_build(struct ds_heatmap *hm, const struct ds_dirty_event *ev,
		     size_t n, __u64 start_ns, __u64 end_ns, __u64 bucket_ns,
		     __u64 range_bytes);
void ds_heatmap_free(struct ds_heatmap *hm);

static inline double ds_heatmap_at(const struct ds_heatmap *hm, size_t row,
				   size_t col)
{
	return hm->dirty[row * hm->ncols + col];
}

/*
 * The SVG: one <rect class="cell"> per scanned cell (fill from the colour
 * scale, data-dirty, data-scans, a <title> tooltip), IOVA labels per
 * domain, a time axis, a log colour legend and a "not scanned" swatch.
 * subtitle (may be NULL) goes under the title.  0, or -1 on a write error.
 */
int ds_heatmap_svg(FILE *f, const struct ds_heatmap *hm, const char *subtitle);

#endif /* DS_HEATMAP_H */
