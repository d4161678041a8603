// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hand-written SVG, see svg.h */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "svg.h"
#include "xml.h"

/* coordinates: two decimals at most, no trailing zeros */
static void ds_svg_num(FILE *f, double v)
{
	char buf[40];
	int n;

	n = snprintf(buf, sizeof(buf), "%.2f", v);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	fputs(buf, f);
}

static void ds_svg_attr(FILE *f, const char *name, double v)
{
	fprintf(f, " %s=\"", name);
	ds_svg_num(f, v);
	fputc('"', f);
}

void ds_svg_begin(FILE *f, double width, double height, const char *attrs)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"", f);
	ds_svg_attr(f, "width", width);
	ds_svg_attr(f, "height", height);
	fputs(" viewBox=\"0 0 ", f);
	ds_svg_num(f, width);
	fputc(' ', f);
	ds_svg_num(f, height);
	fputc('"', f);
	if (attrs && *attrs)
		fprintf(f, " %s", attrs);
	fputs(" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n", f);
	ds_svg_rect(f, 0, 0, width, height, "fill=\"#ffffff\"", NULL);
}

int ds_svg_end(FILE *f)
{
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

void ds_svg_text(FILE *f, double x, double y, const char *attrs,
		 const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	fputs("<text", f);
	ds_svg_attr(f, "x", x);
	ds_svg_attr(f, "y", y);
	if (attrs && *attrs)
		fprintf(f, " %s", attrs);
	fputc('>', f);
	if (n >= 0)
		ds_xml_escape(f, s);
	fputs("</text>\n", f);
	free(s);
}

void ds_svg_rect(FILE *f, double x, double y, double w, double h,
		 const char *attrs, const char *title)
{
	fputs("<rect", f);
	ds_svg_attr(f, "x", x);
	ds_svg_attr(f, "y", y);
	ds_svg_attr(f, "width", w);
	ds_svg_attr(f, "height", h);
	if (attrs && *attrs)
		fprintf(f, " %s", attrs);
	if (!title) {
		fputs("/>\n", f);
		return;
	}
	fputs("><title>", f);
	ds_xml_escape(f, title);
	fputs("</title></rect>\n", f);
}

void ds_svg_line(FILE *f, double x1, double y1, double x2, double y2,
		 const char *attrs)
{
	fputs("<line", f);
	ds_svg_attr(f, "x1", x1);
	ds_svg_attr(f, "y1", y1);
	ds_svg_attr(f, "x2", x2);
	ds_svg_attr(f, "y2", y2);
	if (attrs && *attrs)
		fprintf(f, " %s", attrs);
	fputs("/>\n", f);
}

double ds_svg_nice_step(double span, int max_ticks)
{
	static const double m[] = { 1, 2, 5 };
	double p, raw;
	int i;

	if (!(span > 0) || max_ticks < 1)
		return 1;
	raw = span / max_ticks;
	p = pow(10, floor(log10(raw)));
	for (;; p *= 10)
		for (i = 0; i < 3; i++)
			if (m[i] * p >= raw * (1 - 1e-9))
				return m[i] * p;
}

/* viridis at 9 points */
static const unsigned char ds_svg_anchors[][3] = {
	{ 0x44, 0x01, 0x54 }, { 0x47, 0x2d, 0x7b }, { 0x3b, 0x52, 0x8b },
	{ 0x2c, 0x72, 0x8e }, { 0x21, 0x91, 0x8c }, { 0x28, 0xae, 0x80 },
	{ 0x5e, 0xc9, 0x62 }, { 0xad, 0xdc, 0x30 }, { 0xfd, 0xe7, 0x25 },
};

#define DS_SVG_NANCHORS	(sizeof(ds_svg_anchors) / sizeof(ds_svg_anchors[0]))

const char *ds_svg_palette(double t, char buf[8])
{
	double pos, fr;
	int i, c, rgb[3];

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	pos = t * (DS_SVG_NANCHORS - 1);
	i = (int)pos;
	if (i >= (int)DS_SVG_NANCHORS - 1)
		i = DS_SVG_NANCHORS - 2;
	fr = pos - i;
	for (c = 0; c < 3; c++)
		rgb[c] = (int)lround(ds_svg_anchors[i][c] * (1 - fr) +
				     ds_svg_anchors[i + 1][c] * fr);
	snprintf(buf, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	return buf;
}

void ds_svg_palette_gradient(FILE *f, const char *id)
{
	char col[8];
	size_t i;

	fprintf(f, "<defs><linearGradient id=\"%s\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n",
		id);
	for (i = 0; i < DS_SVG_NANCHORS; i++) {
		double t = (double)i / (DS_SVG_NANCHORS - 1);

		fprintf(f, "<stop offset=\"%g\" stop-color=\"%s\"/>\n", t,
			ds_svg_palette(t, col));
	}
	fputs("</linearGradient></defs>\n", f);
}

const char *ds_svg_si(char *buf, size_t len, double v, int base)
{
	static const char *const sfx[] = { "", "K", "M", "G", "T", "P", "E" };
	int i = 0;

	while (fabs(v) >= base && i < 6) {
		v /= base;
		i++;
	}
	snprintf(buf, len, "%g%s", round(v * 10) / 10, sfx[i]);
	return buf;
}
