// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The dirty heat map of a recording: grid and SVG, see heatmap.h */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "heatmap.h"
#include "json.h"
#include "svg.h"

#define MIB		(1ULL << 20)
#define NS_PER_MS	1000000ULL

/* the IOVA ranges (slots of range_bytes) a scan covered */
struct ds_hm_span {
	__u32 domain_id;
	__u64 first, last;	/* slot numbers, inclusive */
};

static bool ds_hm_counts(const struct ds_dirty_event *e)
{
	return e->op == DS_OP_SCAN && !e->ret && e->size;
}

static int ds_hm_span_cmp(const void *a, const void *b)
{
	const struct ds_hm_span *x = a, *y = b;

	if (x->domain_id != y->domain_id)
		return x->domain_id < y->domain_id ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

static void ds_hm_span_of(const struct ds_dirty_event *e, __u64 range,
			  struct ds_hm_span *s)
{
	s->domain_id = e->domain_id;
	s->first = e->iova / range;
	s->last = (e->iova + (e->size - 1)) / range;
}

/*
 * Distinct slots over all spans, sorted and merged in place at this range
 * size (saturating at max + 1); rows filled when not NULL.
 */
static size_t ds_hm_count_rows(const struct ds_dirty_event *ev, size_t n,
			       __u64 range, struct ds_hm_span *spans,
			       struct ds_hm_row *rows, size_t max)
{
	size_t ns = 0, i, count = 0;
	__u64 k;

	for (i = 0; i < n; i++)
		if (ds_hm_counts(&ev[i]))
			ds_hm_span_of(&ev[i], range, &spans[ns++]);
	qsort(spans, ns, sizeof(*spans), ds_hm_span_cmp);
	for (i = 0; i < ns; i++) {
		const struct ds_hm_span *s = &spans[i];
		__u64 from = s->first;

		/* the part not already counted by an earlier span */
		if (i && spans[i - 1].domain_id == s->domain_id) {
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
					s->domain_id, k * range };
		count += s->last - from + 1;
		if (count > max)
			break;
	}
	return count > max ? max + 1 : count;
}

static int ds_hm_row_cmp(const void *a, const void *b)
{
	const struct ds_hm_row *x = a, *y = b;

	if (x->domain_id != y->domain_id)
		return x->domain_id < y->domain_id ? -1 : 1;
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
	free(hm->scans);
	hm->rows = NULL;
	hm->dirty = NULL;
	hm->scans = NULL;
}

int ds_heatmap_build(struct ds_heatmap *hm, const struct ds_dirty_event *ev,
		     size_t n, __u64 start_ns, __u64 end_ns, __u64 bucket_ns,
		     __u64 range_bytes)
{
	struct ds_hm_span *spans;
	__u64 span_ns = end_ns > start_ns ? end_ns - start_ns : 0;
	size_t i, nscans = 0;
	bool auto_range = !range_bytes;

	memset(hm, 0, sizeof(*hm));
	hm->start_ns = start_ns;
	hm->bucket_ns = bucket_ns ? bucket_ns : ds_hm_auto_bucket(span_ns);
	/* [start, end) in whole buckets, at least one */
	hm->ncols = span_ns / hm->bucket_ns + (span_ns % hm->bucket_ns != 0);
	if (!hm->ncols)
		hm->ncols = 1;

	for (i = 0; i < n; i++)
		nscans += ds_hm_counts(&ev[i]);
	spans = calloc(nscans ? nscans : 1, sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	hm->range_bytes = auto_range ? MIB : range_bytes;
	for (;;) {
		hm->nrows = ds_hm_count_rows(ev, n, hm->range_bytes, spans, NULL,
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
	hm->scans = calloc(hm->nrows * hm->ncols + 1, sizeof(*hm->scans));
	if (!hm->rows || !hm->dirty || !hm->scans) {
		free(spans);
		ds_heatmap_free(hm);
		return -ENOMEM;
	}
	ds_hm_count_rows(ev, n, hm->range_bytes, spans, hm->rows, hm->nrows);
	free(spans);
	for (i = 0; i < hm->nrows; i++)
		if (!i || hm->rows[i].domain_id != hm->rows[i - 1].domain_id)
			hm->domains++;

	for (i = 0; i < n; i++) {
		const struct ds_dirty_event *e = &ev[i];
		__u64 last_byte, col, k, first, last;
		struct ds_hm_row key, *r;
		size_t row;

		if (!ds_hm_counts(e))
			continue;
		col = e->ts_ns > start_ns ? (e->ts_ns - start_ns) / hm->bucket_ns : 0;
		if (col >= hm->ncols)
			col = hm->ncols - 1;
		last_byte = e->iova + (e->size - 1);
		first = e->iova / hm->range_bytes;
		last = last_byte / hm->range_bytes;
		key = (struct ds_hm_row){ e->domain_id, first * hm->range_bytes };
		r = bsearch(&key, hm->rows, hm->nrows, sizeof(*hm->rows),
			    ds_hm_row_cmp);
		if (!r)
			continue;	/* cannot happen: the rows came from the scans */
		row = r - hm->rows;
		/* a domain's covered slots are consecutive rows */
		for (k = first; k <= last; k++, row++) {
			__u64 lo = k * hm->range_bytes;
			__u64 hi = lo + (hm->range_bytes - 1);
			__u64 a = e->iova > lo ? e->iova : lo;
			__u64 b = last_byte < hi ? last_byte : hi;
			size_t cell = row * hm->ncols + col;

			hm->dirty[cell] += (double)e->dirty * ((double)(b - a) + 1) /
					   (double)e->size;
			if (!hm->scans[cell]++)
				hm->cells++;
		}
	}
	for (i = 0; i < hm->nrows * hm->ncols; i++)
		if (hm->dirty[i] > hm->max)
			hm->max = hm->dirty[i];
	return 0;
}

/* SVG */

#define HM_ML		176	/* left margin: domain label, IOVA labels */
#define HM_MT		68	/* top: title, subtitle */
#define HM_MR		150	/* right: legend */
#define HM_MB		58	/* bottom: time axis */
#define HM_GAP		12	/* between domains */

static double ds_hm_t(const struct ds_heatmap *hm, double v)
{
	return hm->max > 0 && v > 0 ? log1p(v) / log1p(hm->max) : 0;
}

static void ds_hm_legend(FILE *f, const struct ds_heatmap *hm, double x,
			 double y, double h)
{
	char lab[32];
	double v, ty;

	ds_svg_text(f, x, y - 22, "font-weight=\"bold\"", "dirty pages");
	ds_svg_text(f, x, y - 8, "font-size=\"10\" fill=\"#555555\"",
		    "per cell, log scale");
	ds_svg_palette_gradient(f, "ds-hm-scale");
	ds_svg_rect(f, x, y, 16, h,
		    "class=\"legend\" fill=\"url(#ds-hm-scale)\" stroke=\"#888888\" stroke-width=\"0.5\"",
		    NULL);
	/* 0, 1, 10, 100, ... up to the maximum, then the maximum itself */
	for (v = 0; v <= hm->max; v = v ? v * 10 : 1) {
		ty = y + h - ds_hm_t(hm, v) * h;
		if (hm->max > 0 && v > 0 && v * 2 > hm->max && v < hm->max)
			break;	/* too close to the maximum's label */
		ds_svg_line(f, x + 16, ty, x + 20, ty, "stroke=\"#333333\"");
		ds_svg_text(f, x + 23, ty + 4, "font-size=\"11\"", "%s",
			    ds_svg_si(lab, sizeof(lab), v, 1000));
		if (hm->max <= 0)
			break;
	}
	if (hm->max > 0) {
		ds_svg_line(f, x + 16, y, x + 20, y, "stroke=\"#333333\"");
		ds_svg_text(f, x + 23, y + 4, "font-size=\"11\"", "%s (max)",
			    ds_svg_si(lab, sizeof(lab), round(hm->max * 10) / 10, 1000));
	}
	ds_svg_rect(f, x, y + h + 16, 16, 12,
		    "fill=\"#e6e6e6\" stroke=\"#888888\" stroke-width=\"0.5\"", NULL);
	ds_svg_text(f, x + 23, y + h + 26, "font-size=\"11\"", "not scanned");
}

int ds_heatmap_svg(FILE *f, const struct ds_heatmap *hm, const char *subtitle)
{
	double cw, ch, pw, ph, x0 = HM_ML, y0 = HM_MT, y, span_s, step, t;
	double bucket_s = hm->bucket_ns / 1e9;
	size_t r, c, gstart, label_every;
	char attrs[256], title[256], val[40], col[8];
	int err;

	cw = floor(960.0 / hm->ncols);
	cw = cw < 2 ? 2 : cw > 48 ? 48 : cw;
	ch = hm->nrows ? floor(560.0 / hm->nrows) : 20;
	ch = ch < 3 ? 3 : ch > 28 ? 28 : ch;
	pw = cw * hm->ncols;
	ph = ch * hm->nrows + (hm->domains > 1 ? (hm->domains - 1) * HM_GAP : 0);
	if (ph < 40)
		ph = 40;
	label_every = ch >= 12 ? 1 : (size_t)ceil(12 / ch);

	/* the bucket is whole ms, the range whole MiB */
	snprintf(attrs, sizeof(attrs),
		 "class=\"ds-heatmap\" data-cols=\"%zu\" data-rows=\"%zu\" data-cells=\"%zu\" data-bucket-ms=\"%llu\" data-range-mib=\"%llu\"",
		 hm->ncols, hm->nrows, hm->cells, hm->bucket_ns / NS_PER_MS,
		 hm->range_bytes / MIB);
	ds_svg_begin(f, x0 + pw + HM_MR, y0 + ph + HM_MB, attrs);
	ds_svg_text(f, 12, 22, "font-size=\"15\" font-weight=\"bold\"",
		    "Dirty pages per %llu ms \u00d7 %llu MiB of IOVA",
		    hm->bucket_ns / NS_PER_MS, hm->range_bytes / MIB);
	if (subtitle)
		ds_svg_text(f, 12, 40, "font-size=\"11\" fill=\"#555555\"", "%s",
			    subtitle);

	if (!hm->nrows)
		ds_svg_text(f, x0 + 8, y0 + 24, "fill=\"#555555\"",
			    "no successful dirty_scan events in the recording");

	/* per domain: background (not scanned), label, IOVA labels, cells */
	y = y0;
	for (gstart = 0; gstart < hm->nrows; gstart = r) {
		__u32 dom = hm->rows[gstart].domain_id;
		double gy = y;

		for (r = gstart; r < hm->nrows && hm->rows[r].domain_id == dom; r++)
			;
		ds_svg_rect(f, x0, gy, pw, ch * (r - gstart),
			    "class=\"unscanned\" fill=\"#e6e6e6\"", NULL);
		snprintf(attrs, sizeof(attrs),
			 "text-anchor=\"middle\" font-weight=\"bold\" transform=\"rotate(-90 %g %g)\"",
			 18.0, gy + ch * (r - gstart) / 2);
		ds_svg_text(f, 18, gy + ch * (r - gstart) / 2, attrs,
			    (r - gstart) * ch >= 70 ? "domain %u" : "dom %u", dom);
		for (r = gstart; r < hm->nrows && hm->rows[r].domain_id == dom; r++) {
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

				if (!hm->scans[cell])
					continue;
				snprintf(title, sizeof(title),
					 "domain %u, IOVA 0x%llx-0x%llx, %.3f-%.3f s: %.10g dirty pages, %u scan%s",
					 dom, hm->rows[r].iova,
					 hm->rows[r].iova + (hm->range_bytes - 1),
					 c * bucket_s, (c + 1) * bucket_s,
					 round(v * 1000) / 1000,
					 hm->scans[cell], hm->scans[cell] == 1 ? "" : "s");
				snprintf(attrs, sizeof(attrs),
					 "class=\"cell\" fill=\"%s\" data-dirty=\"%s\" data-scans=\"%u\"",
					 ds_svg_palette(ds_hm_t(hm, v), col),
					 ds_fmt_double(val, sizeof(val), v),
					 hm->scans[cell]);
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

	ds_hm_legend(f, hm, x0 + pw + 24, y0 + 24,
		     ph - 24 < 120 ? 120 : ph - 24 > 280 ? 280 : ph - 24);
	err = ds_svg_end(f);
	return err;
}
