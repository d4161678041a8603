// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The dirty heat map of a recording: grid and SVG, see heatmap.h */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "heatmap.h"
#include "svg.h"

#define MIB		(1ULL << 20)
#define NS_PER_MS	1000000ULL

/* what the grid is built from: a scan, or a dirty bitmap read */
struct ds_hm_item {
	__u32 group;
	__u64 ts_ns, iova, size;
	const struct ds_dirty_event *ev;	/* DS_HM_SCANS */
	const struct ds_rec_bitmap *bm;		/* DS_HM_BITMAPS */
};

/* the IOVA ranges (slots of range_bytes) an item covered */
struct ds_hm_span {
	__u32 group;
	__u64 first, last;	/* slot numbers, inclusive */
};

/*
 * IOMMU scans only: a device's DMA-log report (DS_DIRTY_DEVICE) names the
 * same pages again, and its VFIO index is no domain id
 */
static bool ds_hm_scan_counts(const struct ds_dirty_event *e)
{
	return e->op == DS_OP_SCAN && !(e->flags & DS_DIRTY_DEVICE) &&
	       !e->ret && e->size;
}

static bool ds_hm_is_read(const struct ds_rec_bitmap *b)
{
	return (b->kind == DS_BM_GET || b->kind == DS_BM_GET_NOCLEAR) &&
	       !b->ret && b->size && b->bits;
}

size_t ds_heatmap_reads(const struct ds_rec_bitmap *bm, size_t nbm)
{
	size_t i, n = 0;

	for (i = 0; i < nbm; i++)
		n += ds_hm_is_read(&bm[i]);
	return n;
}

static int ds_hm_span_cmp(const void *a, const void *b)
{
	const struct ds_hm_span *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

/*
 * Distinct slots over all items, sorted and merged in place at this range
 * size (saturating at max + 1); rows filled when not NULL.
 */
static size_t ds_hm_count_rows(const struct ds_hm_item *it, size_t n,
			       __u64 range, struct ds_hm_span *spans,
			       struct ds_hm_row *rows, size_t max)
{
	size_t i, count = 0;
	__u64 k;

	for (i = 0; i < n; i++)
		spans[i] = (struct ds_hm_span){ it[i].group, it[i].iova / range,
			(it[i].iova + (it[i].size - 1)) / range };
	qsort(spans, n, sizeof(*spans), ds_hm_span_cmp);
	for (i = 0; i < n; i++) {
		const struct ds_hm_span *s = &spans[i];
		__u64 from = s->first;

		/* the part not already counted by an earlier span */
		if (i && spans[i - 1].group == s->group) {
			__u64 prev_last = spans[i - 1].last;

			if (prev_last >= s->last) {
				spans[i].last = prev_last;	/* carry the reach */
				continue;
			}
			if (prev_last >= from)
				from = prev_last + 1;
		}
		if (s->last - from >= max - count) {
			count = max + 1;
			break;
		}
		if (rows)
			for (k = from; k <= s->last; k++)
				rows[count + (k - from)] = (struct ds_hm_row){
					s->group, k * range };
		count += s->last - from + 1;
		if (count > max)
			break;
	}
	return count > max ? max + 1 : count;
}

static int ds_hm_row_cmp(const void *a, const void *b)
{
	const struct ds_hm_row *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->iova != y->iova)
		return x->iova < y->iova ? -1 : 1;
	return 0;
}

static __u64 ds_hm_auto_bucket(__u64 span_ns)
{
	double ms = ds_svg_nice_step((double)span_ns / NS_PER_MS, DS_HM_AUTO_COLS);

	return ms < 1 ? NS_PER_MS : (__u64)llround(ms) * NS_PER_MS;
}

void ds_heatmap_free(struct ds_heatmap *hm)
{
	free(hm->rows);
	free(hm->dirty);
	free(hm->covers);
	free(hm->estimated);
	hm->rows = NULL;
	hm->dirty = NULL;
	hm->covers = NULL;
	hm->estimated = NULL;
}

/* a scan's count over the cells of its ranges, in proportion to bytes */
static void ds_hm_add_scan(struct ds_heatmap *hm,
			   const struct ds_dirty_event *e, size_t row,
			   size_t col)
{
	__u64 last_byte = e->iova + (e->size - 1), k;
	__u64 first = e->iova / hm->range_bytes, last = last_byte / hm->range_bytes;

	/* a group's covered slots are consecutive rows */
	for (k = first; k <= last; k++, row++) {
		__u64 lo = k * hm->range_bytes;
		__u64 hi = lo + (hm->range_bytes - 1);
		__u64 a = e->iova > lo ? e->iova : lo;
		__u64 b = last_byte < hi ? last_byte : hi;
		size_t cell = row * hm->ncols + col;

		if (first == last) {
			hm->dirty[cell] += e->dirty;	/* all of them: exact */
		} else {
			hm->dirty[cell] += (double)e->dirty *
					   ((double)(b - a) + 1) / (double)e->size;
			hm->estimated[cell] = true;
		}
		if (!hm->covers[cell]++)
			hm->cells++;
	}
}

/* a read's set bits, each page in the row where it starts */
static void ds_hm_add_read(struct ds_heatmap *hm,
			   const struct ds_rec_bitmap *b, size_t row,
			   size_t col)
{
	__u64 first = b->iova / hm->range_bytes;
	__u64 last = (b->iova + (b->size - 1)) / hm->range_bytes;
	size_t w, nwords = ds_rec_bitmap_words(b);
	__u64 k;

	for (k = first; k <= last; k++) {
		size_t cell = (row + (k - first)) * hm->ncols + col;

		if (!hm->covers[cell]++)
			hm->cells++;
	}
	for (w = 0; w < nwords; w++) {
		__u64 word = b->bits[w];

		while (word) {
			__u64 page = w * 64 + __builtin_ctzll(word);
			__u64 slot = (b->iova + page * b->pgsize) / hm->range_bytes;

			hm->dirty[(row + (slot - first)) * hm->ncols + col] += 1;
			word &= word - 1;
		}
	}
}

static int ds_hm_build(struct ds_heatmap *hm, enum ds_hm_source source,
		       const struct ds_hm_item *it, size_t n, __u64 start_ns,
		       __u64 end_ns, __u64 bucket_ns, __u64 range_bytes)
{
	struct ds_hm_span *spans;
	__u64 span_ns = end_ns > start_ns ? end_ns - start_ns : 0;
	bool auto_range = !range_bytes;
	size_t i;

	memset(hm, 0, sizeof(*hm));
	hm->source = source;
	hm->items = n;
	hm->start_ns = start_ns;
	hm->bucket_ns = bucket_ns ? bucket_ns : ds_hm_auto_bucket(span_ns);
	/* [start, end) in whole buckets, at least one */
	hm->ncols = span_ns / hm->bucket_ns + (span_ns % hm->bucket_ns != 0);
	if (!hm->ncols)
		hm->ncols = 1;

	spans = calloc(n ? n : 1, sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	hm->range_bytes = auto_range ? MIB : range_bytes;
	for (;;) {
		hm->nrows = ds_hm_count_rows(it, n, hm->range_bytes, spans, NULL,
					     DS_HM_MAX_ROWS);
		if (!auto_range || hm->nrows <= DS_HM_AUTO_ROWS ||
		    hm->range_bytes >= 1ULL << 62)
			break;
		hm->range_bytes *= 2;
	}
	if (hm->ncols > DS_HM_MAX_COLS || hm->nrows > DS_HM_MAX_ROWS ||
	    hm->nrows * hm->ncols > DS_HM_MAX_CELLS) {
		free(spans);
		return -E2BIG;
	}

	hm->rows = calloc(hm->nrows ? hm->nrows : 1, sizeof(*hm->rows));
	hm->dirty = calloc(hm->nrows * hm->ncols + 1, sizeof(*hm->dirty));
	hm->covers = calloc(hm->nrows * hm->ncols + 1, sizeof(*hm->covers));
	hm->estimated = calloc(hm->nrows * hm->ncols + 1, sizeof(*hm->estimated));
	if (!hm->rows || !hm->dirty || !hm->covers || !hm->estimated) {
		free(spans);
		ds_heatmap_free(hm);
		return -ENOMEM;
	}
	ds_hm_count_rows(it, n, hm->range_bytes, spans, hm->rows, hm->nrows);
	free(spans);
	for (i = 0; i < hm->nrows; i++)
		if (!i || hm->rows[i].group != hm->rows[i - 1].group)
			hm->groups++;

	for (i = 0; i < n; i++) {
		struct ds_hm_row key, *r;
		__u64 col;

		col = it[i].ts_ns > start_ns ?
		      (it[i].ts_ns - start_ns) / hm->bucket_ns : 0;
		if (col >= hm->ncols)
			col = hm->ncols - 1;
		key = (struct ds_hm_row){ it[i].group,
			it[i].iova / hm->range_bytes * hm->range_bytes };
		r = bsearch(&key, hm->rows, hm->nrows, sizeof(*hm->rows),
			    ds_hm_row_cmp);
		if (!r)
			continue;	/* cannot happen: the rows came from the items */
		if (it[i].ev)
			ds_hm_add_scan(hm, it[i].ev, r - hm->rows, col);
		else
			ds_hm_add_read(hm, it[i].bm, r - hm->rows, col);
	}
	for (i = 0; i < hm->nrows * hm->ncols; i++) {
		if (hm->dirty[i] > hm->max)
			hm->max = hm->dirty[i];
		hm->estimated_cells += hm->estimated[i];
	}
	return 0;
}

int ds_heatmap_build(struct ds_heatmap *hm, const struct ds_dirty_event *ev,
		     size_t n, __u64 start_ns, __u64 end_ns, __u64 bucket_ns,
		     __u64 range_bytes)
{
	struct ds_hm_item *it;
	size_t i, ni = 0;
	int err;

	memset(hm, 0, sizeof(*hm));
	it = calloc(n ? n : 1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (ds_hm_scan_counts(&ev[i]))
			it[ni++] = (struct ds_hm_item){ ev[i].domain_id, ev[i].ts_ns,
				ev[i].iova, ev[i].size, &ev[i], NULL };
	err = ds_hm_build(hm, DS_HM_SCANS, it, ni, start_ns, end_ns, bucket_ns,
			  range_bytes);
	free(it);
	return err;
}

int ds_heatmap_build_bitmaps(struct ds_heatmap *hm,
			     const struct ds_rec_bitmap *bm, size_t nbm,
			     __u64 start_ns, __u64 end_ns, __u64 bucket_ns,
			     __u64 range_bytes)
{
	struct ds_hm_item *it;
	size_t i, ni = 0;
	int err;

	memset(hm, 0, sizeof(*hm));
	it = calloc(nbm ? nbm : 1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	for (i = 0; i < nbm; i++)
		if (ds_hm_is_read(&bm[i]))
			it[ni++] = (struct ds_hm_item){ bm[i].uapi, bm[i].ts_ns,
				bm[i].iova, bm[i].size, NULL, &bm[i] };
	err = ds_hm_build(hm, DS_HM_BITMAPS, it, ni, start_ns, end_ns,
			  bucket_ns, range_bytes);
	free(it);
	return err;
}

/* SVG */

#define HM_ML		176	/* left margin: group label, IOVA labels */
#define HM_MT		96	/* top: title, subtitle, the note on the counts */
#define HM_MR		170	/* right: legend */
#define HM_MB		58	/* bottom: time axis */
#define HM_GAP		12	/* between groups */
#define HM_MIN_W	800	/* room for the note */

/* position on the colour scale: 1 (or less: an estimate) at 0, max at 1 */
static double ds_hm_t(const struct ds_heatmap *hm, double v)
{
	return hm->max > 1 && v > 1 ? log(v) / log(hm->max) : 0;
}

const char *ds_heatmap_fill(const struct ds_heatmap *hm, double v, char buf[8])
{
	if (!(v > 0)) {
		snprintf(buf, 8, "%s", DS_HM_CLEAN_FILL);
		return buf;
	}
	return ds_svg_palette(ds_hm_t(hm, v), buf);
}

/* "domain 3" (scans), "iommufd" (bitmaps) */
static const char *ds_hm_group_name(const struct ds_heatmap *hm, __u32 group,
				    char *buf, size_t len)
{
	const char *uapi = ds_bm_uapi_name(group);

	if (hm->source == DS_HM_BITMAPS)
		snprintf(buf, len, "%s", uapi ? uapi : "?");
	else
		snprintf(buf, len, "domain %u", group);
	return buf;
}

/* two lines under the subtitle: where the counts come from, how exact */
static void ds_hm_note(FILE *f, const struct ds_heatmap *hm)
{
	const char *attrs = "font-size=\"11\"";

	if (hm->source == DS_HM_BITMAPS) {
		ds_svg_text(f, 12, 58, attrs,
			    "Exact: the pages set in %zu dirty bitmap read%s (get, get_noclear) as they crossed the uAPI;",
			    hm->items, hm->items == 1 ? "" : "s");
		ds_svg_text(f, 12, 74, attrs,
			    "a page counts once per read that reported it, in the IOVA range where it starts.");
	} else if (hm->estimated_cells) {
		ds_svg_text(f, 12, 58, "font-size=\"11\" font-weight=\"bold\" fill=\"#a00000\"",
			    "Estimated: %zu of %zu cells. A scan reports how many pages of its range were dirty, not which;",
			    hm->estimated_cells, hm->cells);
		ds_svg_text(f, 12, 74, attrs,
			    "one over several IOVA ranges is spread over them by bytes (tooltips say ~). 'record --bitmaps' gives exact pages.");
	} else if (hm->cells) {
		ds_svg_text(f, 12, 58, attrs,
			    "From the dirty_scan counts; every scan lay within one IOVA range, so every count is exact.");
	}
}

static void ds_hm_legend(FILE *f, const struct ds_heatmap *hm, double x,
			 double y, double h)
{
	bool bm = hm->source == DS_HM_BITMAPS;
	char lab[32];
	double v, ty;

	ds_svg_text(f, x, y - 22, "font-weight=\"bold\"", "dirty pages");
	ds_svg_text(f, x, y - 8, "font-size=\"10\" fill=\"#555555\"",
		    "per cell, log scale");
	ds_svg_palette_gradient(f, "ds-hm-scale");
	ds_svg_rect(f, x, y, 16, h,
		    "class=\"legend\" fill=\"url(#ds-hm-scale)\" stroke=\"#888888\" stroke-width=\"0.5\"",
		    NULL);
	/* 1 at the bottom, 10, 100, ... up to the maximum, then the maximum */
	for (v = 1; v <= hm->max || v == 1; v *= 10) {
		ty = y + h - ds_hm_t(hm, v) * h;
		if (v > 1 && v * 2 > hm->max && v < hm->max)
			break;	/* too close to the maximum's label */
		ds_svg_line(f, x + 16, ty, x + 20, ty, "stroke=\"#333333\"");
		ds_svg_text(f, x + 23, ty + 4, "font-size=\"11\"", "%s%s",
			    v == 1 && hm->estimated_cells ? "\u2264 " : "",
			    ds_svg_si(lab, sizeof(lab), v, 1000));
		if (hm->max <= 1)
			break;
	}
	if (hm->max > 1) {
		ds_svg_line(f, x + 16, y, x + 20, y, "stroke=\"#333333\"");
		ds_svg_text(f, x + 23, y + 4, "font-size=\"11\"", "%s (max)",
			    ds_svg_si(lab, sizeof(lab), round(hm->max * 10) / 10, 1000));
	}
	ds_svg_rect(f, x, y + h + 16, 16, 12,
		    "class=\"legend-clean\" fill=\"" DS_HM_CLEAN_FILL "\" stroke=\"#888888\" stroke-width=\"0.5\"",
		    NULL);
	ds_svg_text(f, x + 23, y + h + 26, "font-size=\"11\"", "0 (%s, clean)",
		    bm ? "read" : "scanned");
	ds_svg_rect(f, x, y + h + 34, 16, 12,
		    "fill=\"" DS_HM_UNSCANNED_FILL "\" stroke=\"#888888\" stroke-width=\"0.5\"",
		    NULL);
	ds_svg_text(f, x + 23, y + h + 44, "font-size=\"11\"", "%s",
		    bm ? "not read" : "not scanned");
}

/*
 * A cell's count for data-dirty: plain decimal, the fewest decimals that
 * read back as the same double ("10", "1280", "0.375"), never an
 * exponent.  The shortest %g (ds_fmt_double) wrote 10 pages as "1e+01"
 * and 1280 as "1.28e+03": a reader taking the attribute as digits and
 * dots (the guest test's shell sum of the cells) dropped or misread them.
 * A spread share is at least 2^-64 of a page (> 10^-20), so 60 decimals
 * hold 17 significant digits of any of them.
 */
static const char *ds_hm_fmt_count(char *buf, size_t len, double v)
{
	int prec;

	for (prec = 0; prec <= 60; prec++) {
		snprintf(buf, len, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

/* the tooltip's count: whole pages, or "~" and three decimals at most */
static void ds_hm_tooltip(const struct ds_heatmap *hm, char *buf, size_t len,
			  const char *group, const struct ds_hm_row *row,
			  size_t col, size_t cell)
{
	double bucket_s = hm->bucket_ns / 1e9, v = hm->dirty[cell];
	__u32 k = hm->covers[cell];
	int n;

	n = snprintf(buf, len, "%s, IOVA 0x%llx-0x%llx, %.3f-%.3f s: ", group,
		     row->iova, row->iova + (hm->range_bytes - 1), col * bucket_s,
		     (col + 1) * bucket_s);
	if (n < 0 || (size_t)n >= len)
		return;
	if (hm->estimated[cell])
		snprintf(buf + n, len - n, "~%.10g dirty pages (estimated), %u scan%s",
			 round(v * 1000) / 1000, k, k == 1 ? "" : "s");
	else
		snprintf(buf + n, len - n, "%.0f dirty page%s, %u %s%s", v,
			 v == 1 ? "" : "s", k,
			 hm->source == DS_HM_BITMAPS ? "bitmap read" : "scan",
			 k == 1 ? "" : "s");
}

int ds_heatmap_svg(FILE *f, const struct ds_heatmap *hm, const char *subtitle)
{
	double cw, ch, pw, ph, w, h, lh, x0 = HM_ML, y0 = HM_MT, y, span_s, step, t;
	double bucket_s = hm->bucket_ns / 1e9;
	bool bm = hm->source == DS_HM_BITMAPS;
	size_t r, c, gstart, label_every;
	char attrs[320], title[320], val[100], col[8], name[32];
	int err;

	cw = floor(960.0 / hm->ncols);
	cw = cw < 2 ? 2 : cw > 48 ? 48 : cw;
	ch = hm->nrows ? floor(560.0 / hm->nrows) : 20;
	ch = ch < 3 ? 3 : ch > 28 ? 28 : ch;
	pw = cw * hm->ncols;
	ph = ch * hm->nrows + (hm->groups > 1 ? (hm->groups - 1) * HM_GAP : 0);
	if (ph < 40)
		ph = 40;
	w = x0 + pw + HM_MR < HM_MIN_W ? HM_MIN_W : x0 + pw + HM_MR;
	/* the legend: its scale, then the two swatches below it */
	lh = ph - 24 < 120 ? 120 : ph - 24 > 280 ? 280 : ph - 24;
	h = y0 + ph + HM_MB < y0 + 24 + lh + 56 ? y0 + 24 + lh + 56 :
	    y0 + ph + HM_MB;
	label_every = ch >= 12 ? 1 : (size_t)ceil(12 / ch);

	/* the bucket is whole ms, the range whole MiB */
	snprintf(attrs, sizeof(attrs),
		 "class=\"ds-heatmap\" data-source=\"%s\" data-estimated=\"%zu\" data-cols=\"%zu\" data-rows=\"%zu\" data-cells=\"%zu\" data-bucket-ms=\"%llu\" data-range-mib=\"%llu\"",
		 bm ? "bitmaps" : "scans", hm->estimated_cells, hm->ncols,
		 hm->nrows, hm->cells, hm->bucket_ns / NS_PER_MS,
		 hm->range_bytes / MIB);
	ds_svg_begin(f, w, h, attrs);
	ds_svg_text(f, 12, 22, "font-size=\"15\" font-weight=\"bold\"",
		    "%s per %llu ms \u00d7 %llu MiB of IOVA",
		    hm->estimated_cells ? "Dirty pages (estimated)" : "Dirty pages",
		    hm->bucket_ns / NS_PER_MS, hm->range_bytes / MIB);
	if (subtitle)
		ds_svg_text(f, 12, 40, "font-size=\"11\" fill=\"#555555\"", "%s",
			    subtitle);
	ds_hm_note(f, hm);

	if (!hm->nrows)
		ds_svg_text(f, x0 + 8, y0 + 24, "fill=\"#555555\"", "%s",
			    bm ? "no dirty bitmap reads in the recording" :
			    "no successful dirty_scan events in the recording");

	/* per group: background (not scanned), label, IOVA labels, cells */
	y = y0;
	for (gstart = 0; gstart < hm->nrows; gstart = r) {
		__u32 grp = hm->rows[gstart].group;
		double gy = y;

		for (r = gstart; r < hm->nrows && hm->rows[r].group == grp; r++)
			;
		ds_svg_rect(f, x0, gy, pw, ch * (r - gstart),
			    "class=\"unscanned\" fill=\"" DS_HM_UNSCANNED_FILL "\"",
			    NULL);
		/* the group's name along its rows, or across when they are few */
		ds_hm_group_name(hm, grp, name, sizeof(name));
		if ((r - gstart) * ch >= 70) {
			snprintf(attrs, sizeof(attrs),
				 "text-anchor=\"middle\" font-weight=\"bold\" transform=\"rotate(-90 %g %g)\"",
				 18.0, gy + ch * (r - gstart) / 2);
			ds_svg_text(f, 18, gy + ch * (r - gstart) / 2, attrs,
				    "%s", name);
		} else {
			ds_svg_text(f, 8, gy + ch * (r - gstart) / 2 + 4,
				    "font-weight=\"bold\"", "%s", name);
		}
		for (r = gstart; r < hm->nrows && hm->rows[r].group == grp; r++) {
			double ry = gy + ch * (r - gstart);

			/* a gap in the IOVA space: dashed line above the row */
			if (r > gstart &&
			    hm->rows[r].iova != hm->rows[r - 1].iova + hm->range_bytes)
				ds_svg_line(f, x0 - 4, ry, x0 + pw, ry,
					    "class=\"gap\" stroke=\"#c00000\" stroke-dasharray=\"4 3\"");
			if ((r - gstart) % label_every == 0)
				ds_svg_text(f, x0 - 6, ry + ch / 2 + 4,
					    "text-anchor=\"end\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\"",
					    "0x%llx", hm->rows[r].iova);
			for (c = 0; c < hm->ncols; c++) {
				size_t cell = r * hm->ncols + c;
				double v = hm->dirty[cell];

				if (!hm->covers[cell])
					continue;
				ds_hm_tooltip(hm, title, sizeof(title), name,
					      &hm->rows[r], c, cell);
				snprintf(attrs, sizeof(attrs),
					 "class=\"cell\" fill=\"%s\" data-dirty=\"%s\" data-%s=\"%u\"%s",
					 ds_heatmap_fill(hm, v, col),
					 ds_hm_fmt_count(val, sizeof(val), v),
					 bm ? "reads" : "scans", hm->covers[cell],
					 hm->estimated[cell] ? " data-estimated=\"1\"" : "");
				ds_svg_rect(f, x0 + c * cw, ry, cw, ch, attrs, title);
			}
		}
		y = gy + ch * (r - gstart) + HM_GAP;
	}
	ds_svg_text(f, x0 - 6, y0 - 8,
		    "text-anchor=\"end\" font-size=\"11\" fill=\"#555555\"",
		    "IOVA range start");

	/* time axis */
	span_s = hm->ncols * bucket_s;
	step = ds_svg_nice_step(span_s, 10);
	ds_svg_line(f, x0, y0 + ph + 2, x0 + pw, y0 + ph + 2, "stroke=\"#333333\"");
	for (t = 0; t <= span_s * (1 + 1e-9); t += step) {
		double tx = x0 + t / bucket_s * cw;

		ds_svg_line(f, tx, y0 + ph + 2, tx, y0 + ph + 7, "stroke=\"#333333\"");
		ds_svg_text(f, tx, y0 + ph + 20, "text-anchor=\"middle\" font-size=\"11\"",
			    "%g", round(t * 1e6) / 1e6);
	}
	ds_svg_text(f, x0 + pw / 2, y0 + ph + 42, "text-anchor=\"middle\"",
		    "time since the start of the recording (s)");

	ds_hm_legend(f, hm, x0 + pw + 24, y0 + 24, lh);
	err = ds_svg_end(f);
	return err;
}
