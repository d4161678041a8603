/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dirty heat map of a recording: x = time buckets, y = IOVA ranges of
 * a fixed size per group, value = dirty pages.  Two sources:
 *
 *   bitmaps	the dirty bitmap reads of "record --bitmaps" (bitmap_get,
 *		bitmap_get_noclear; clears read nothing): the exact pages.
 *		Each set bit is one page, counted in the range where the page
 *		starts, once per read that reported it (a NO_CLEAR read and
 *		the clearing read after it both count).  Rows are grouped by
 *		uAPI (iommufd, type1); a bitmap line names no domain.
 *   scans	successful dirty_scan events: a scan reports how many of the
 *		leaves in [iova, iova + size) were dirty, not which.  Within
 *		one range that count is exact; a scan over several ranges is
 *		spread over them in proportion to the bytes of each, and the
 *		cells it reaches are marked estimated.  Rows are grouped by
 *		iommu domain.
 *
 * An item lands in the time bucket of its ts_ns.  Rows exist for the
 * ranges some item covered (a group's rows sorted by IOVA, gaps left out);
 * a cell that no item covered is "not scanned", which is not the same as
 * scanned (or read) and clean.  Pure code, no BPF.
 */
#ifndef DS_HEATMAP_H
#define DS_HEATMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "dirty_event.h"
#include "recfile.h"

#define DS_HM_MAX_COLS	2000	/* time buckets */
#define DS_HM_MAX_ROWS	1024	/* IOVA ranges, all groups */
#define DS_HM_MAX_CELLS	262144	/* rows x columns: keeps the SVG viewable */
#define DS_HM_AUTO_COLS	60	/* automatic bucket: at most this many */
#define DS_HM_AUTO_ROWS	64	/* automatic range size: at most this many */

enum ds_hm_source {
	DS_HM_SCANS,		/* dirty_scan counts: exact or estimated per cell */
	DS_HM_BITMAPS,		/* dirty bitmap reads: exact */
};

struct ds_hm_row {
	__u32 group;		/* the domain (scans), enum ds_bm_uapi (bitmaps) */
	__u64 iova;		/* start of the range */
};

struct ds_heatmap {
	enum ds_hm_source source;
	__u64 start_ns;		/* left edge of bucket 0 */
	__u64 bucket_ns;
	__u64 range_bytes;
	size_t ncols, nrows;
	struct ds_hm_row *rows;	/* sorted by group, then iova */
	double *dirty;		/* [row * ncols + col] */
	__u32 *covers;		/* scans (reads) that covered the cell; 0: not scanned */
	bool *estimated;	/* a scan over several ranges was spread into it */
	size_t cells;		/* cells with covers > 0 */
	size_t estimated_cells;	/* cells with estimated set */
	size_t items;		/* scans or reads drawn */
	size_t groups;		/* distinct groups among the rows */
	double max;		/* largest cell value */
};

/*
 * Build the grid over [start_ns, end_ns) from the scans among @ev, or
 * from the reads among @bm.  bucket_ns 0: the smallest 1-2-5 x 10^k ms
 * giving at most DS_HM_AUTO_COLS buckets; range_bytes 0: the smallest
 * power-of-two MiB giving at most DS_HM_AUTO_ROWS rows.  Returns 0,
 * -E2BIG when there would be more than DS_HM_MAX_COLS columns,
 * DS_HM_MAX_ROWS rows or DS_HM_MAX_CELLS cells (ncols and nrows say which;
 * nrows is DS_HM_MAX_ROWS + 1 for "more"; nothing allocated), -ENOMEM.
 * ds_heatmap_free() in every case.
 */
int ds_heatmap_build(struct ds_heatmap *hm, const struct ds_dirty_event *ev,
		     size_t n, __u64 start_ns, __u64 end_ns, __u64 bucket_ns,
		     __u64 range_bytes);
int ds_heatmap_build_bitmaps(struct ds_heatmap *hm,
			     const struct ds_rec_bitmap *bm, size_t nbm,
			     __u64 start_ns, __u64 end_ns, __u64 bucket_ns,
			     __u64 range_bytes);
/* the bitmap lines that are reads (what ds_heatmap_build_bitmaps draws) */
size_t ds_heatmap_reads(const struct ds_rec_bitmap *bm, size_t nbm);
void ds_heatmap_free(struct ds_heatmap *hm);

static inline double ds_heatmap_at(const struct ds_heatmap *hm, size_t row,
				   size_t col)
{
	return hm->dirty[row * hm->ncols + col];
}

/* the fill of a covered cell: clean (0) apart from the scale of 1..max */
#define DS_HM_CLEAN_FILL	"#ffffff"
#define DS_HM_UNSCANNED_FILL	"#e6e6e6"
const char *ds_heatmap_fill(const struct ds_heatmap *hm, double v, char buf[8]);

/*
 * The SVG: one <rect class="cell"> per covered cell (fill, data-dirty in
 * plain decimal, never an exponent, data-scans or data-reads, data-estimated="1" where estimated, a <title>
 * tooltip), group and IOVA labels, a time axis, a note saying whether the
 * counts are exact or estimated, a log colour legend from 1 with swatches
 * for clean (0) and not scanned.  The root has data-source ("scans",
 * "bitmaps") and data-estimated (cells).  subtitle (may be NULL) goes
 * under the title.  0, or -1 on a write error.
 */
int ds_heatmap_svg(FILE *f, const struct ds_heatmap *hm, const char *subtitle);

#endif /* DS_HEATMAP_H */
