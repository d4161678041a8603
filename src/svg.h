/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hand-written SVG for the report's charts: a few elements, text and
 * attribute values escaped (xml.h), numbers in the shortest form.  No
 * DTD, no scripts, one <svg> root: well-formed XML that any viewer and
 * rsvg-convert render.
 */
#ifndef DS_SVG_H
#define DS_SVG_H

#include <stdio.h>
#include <linux/types.h>

/*
 * <svg> root of width x height; attrs (already escaped, may be NULL) go
 * into the root element; a white background is drawn.
 */
void ds_svg_begin(FILE *f, double width, double height, const char *attrs);
/* close the root; 0, or -1 when the stream has an error */
int ds_svg_end(FILE *f);

/* <text x y attrs>printf text</text>, text escaped */
void ds_svg_text(FILE *f, double x, double y, const char *attrs,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* <rect>, with a <title> tooltip (escaped) when title is not NULL */
void ds_svg_rect(FILE *f, double x, double y, double w, double h,
		 const char *attrs, const char *title);
void ds_svg_line(FILE *f, double x1, double y1, double x2, double y2,
		 const char *attrs);

/* the smallest 1-2-5 x 10^k step that divides span in at most max_ticks */
double ds_svg_nice_step(double span, int max_ticks);
/* sequential colour scale (viridis-like), t in [0, 1] -> "#rrggbb" */
const char *ds_svg_palette(double t, char buf[8]);
/* the palette as <stop>s of a vertical <linearGradient id="id"> (t=0 at bottom) */
void ds_svg_palette_gradient(FILE *f, const char *id);
/*
 * Tick labels: base 1024 for powers of two (1024 -> "1K", 1048576 ->
 * "1M"), base 1000 for counts (2000 -> "2K"); one decimal at most.
 */
const char *ds_svg_si(char *buf, size_t len, double v, int base);

#endif /* DS_SVG_H */
