// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope lat: text, JSON, Prometheus and SVG rendering of the
 * histograms (counted by lat_hist.c)
 */
#include <math.h>
#include <string.h>
#include "dirty_ops.h"
#include "histogram.h"
#include "json.h"
#include "lat_out.h"
#include "openmetrics.h"
#include "svg.h"

/* the usecs slots are always counted */
static __u64 lat_count(const struct lat_entry *e)
{
	return ds_hist_total(e->hist.slots, DS_MAX_SLOTS);
}

void lat_print(FILE *f, const struct lat_entry *e, size_t n,
	       const struct lat_units *u, bool per_domain)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!lat_count(&e[i]))
			continue;
		fprintf(f, "\nop = %s", lat_op_name(e[i].key.op));
		if (per_domain)
			fprintf(f, ", domain = %u", e[i].key.domain_id);
		if (e[i].hist.errors)
			fprintf(f, " (%llu failed)", e[i].hist.errors);
		fputc('\n', f);
		ds_hist_print(f, lat_unit_slots(&e[i].hist, u), DS_MAX_SLOTS,
			      u->name);
	}
}

struct json_object *lat_json(const struct lat_entry *e, size_t n,
			     const struct lat_units *u, bool per_domain,
			     double timestamp, __u64 interval_ns, __u64 dropped)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "timestamp", ds_json_double(timestamp));
	json_object_object_add(o, "interval_s", ds_json_double(interval_ns / 1e9));
	json_object_object_add(o, "unit", json_object_new_string(u->name));
	json_object_object_add(o, "dropped", ds_json_u64(dropped));
	for (i = 0; i < n; i++) {
		struct json_object *h = json_object_new_object();

		if (!lat_count(&e[i]))
			continue;
		json_object_object_add(h, "op",
				       json_object_new_string(lat_op_name(e[i].key.op)));
		if (per_domain)
			json_object_object_add(h, "domain",
					       ds_json_u64(e[i].key.domain_id));
		json_object_object_add(h, "count", ds_json_u64(lat_count(&e[i])));
		json_object_object_add(h, "sum_ns", ds_json_u64(e[i].hist.sum_ns));
		json_object_object_add(h, "errors", ds_json_u64(e[i].hist.errors));
		json_object_object_add(h, "histogram",
				       ds_hist_json(lat_unit_slots(&e[i].hist, u),
						    DS_MAX_SLOTS, u->name));
		json_object_array_add(a, h);
	}
	json_object_object_add(o, "ops", a);
	return o;
}

/* op="scan"[,domain="3"] */
static void lat_labels(char *buf, size_t len, const struct lat_entry *e,
		       bool per_domain)
{
	char dom[16];

	buf[0] = '\0';
	ds_om_label(buf, len, "op", lat_op_name(e->key.op));
	if (per_domain) {
		snprintf(dom, sizeof(dom), "%u", e->key.domain_id);
		ds_om_label(buf, len, "domain", dom);
	}
}

#define LAT_OM_DURATION	"dirtyscope_op_duration_seconds"
#define LAT_OM_ERRORS	"dirtyscope_op_errors"

void lat_om(struct ds_om *om, const struct lat_entry *e, size_t n,
	    bool per_domain, unsigned int op_mask)
{
	static const struct lat_hist empty;
	char labels[96];
	__u32 op;
	size_t i;
	bool any;

	/* one family per metric, the op a label (with the domain, -D) */
	ds_om_family(om, LAT_OM_DURATION, "histogram", "seconds",
		     "Duration of iommu dirty-tracking operations, by op.");
	for (op = 0; op < LAT_OP_NR; op++) {
		if (!(op_mask & (1U << op)))
			continue;
		any = false;
		for (i = 0; i < n; i++) {
			if (e[i].key.op != op)
				continue;
			lat_labels(labels, sizeof(labels), &e[i], per_domain);
			ds_om_log2_histogram(om, LAT_OM_DURATION, labels,
					     e[i].hist.slots, DS_MAX_SLOTS,
					     e[i].hist.sum_ns);
			any = true;
		}
		/* without domains, a series from the start: zero until used */
		if (!any && !per_domain) {
			labels[0] = '\0';
			ds_om_label(labels, sizeof(labels), "op", lat_op_name(op));
			ds_om_log2_histogram(om, LAT_OM_DURATION, labels,
					     empty.slots, DS_MAX_SLOTS, 0);
		}
	}

	ds_om_family(om, LAT_OM_ERRORS, "counter", NULL,
		     "iommu dirty-tracking operations that returned an error, by op.");
	for (op = 0; op < LAT_OP_NR; op++) {
		if (!(op_mask & (1U << op)))
			continue;
		any = false;
		for (i = 0; i < n; i++) {
			if (e[i].key.op != op)
				continue;
			lat_labels(labels, sizeof(labels), &e[i], per_domain);
			ds_om_counter(om, LAT_OM_ERRORS, labels, e[i].hist.errors);
			any = true;
		}
		if (!any && !per_domain) {
			labels[0] = '\0';
			ds_om_label(labels, sizeof(labels), "op", lat_op_name(op));
			ds_om_counter(om, LAT_OM_ERRORS, labels, 0);
		}
	}
}

/* SVG bar charts */

#define LS_WIDTH	760
#define LS_PANEL	250	/* panel height */
#define LS_TOP		52	/* title, subtitle */
#define LS_PX		72	/* plot left */
#define LS_PW		660	/* plot width */
#define LS_PT		34	/* plot top within a panel */
#define LS_PH		150	/* plot height */

/* one panel; every panel spans slots 0..last, so they line up */
static void lat_svg_panel(FILE *f, const struct lat_entry *e, int last,
			  double top, const struct lat_units *u, bool per_domain)
{
	double slot_w = (double)LS_PW / (last + 1), step, ymax, v;
	double py = top + LS_PT, base = py + LS_PH;
	char head[128], lab[32], title[160], attrs[160];
	const __u64 *sl = lat_unit_slots(&e->hist, u);
	__u64 max = 0, low, high;
	int i;

	for (i = 0; i <= last; i++)
		if (sl[i] > max)
			max = sl[i];
	step = ds_svg_nice_step(max, 5);
	if (step < 1)
		step = 1;
	ymax = ceil(max / step) * step;

	snprintf(head, sizeof(head), "op = %s", lat_op_name(e->key.op));
	if (per_domain)
		snprintf(head + strlen(head), sizeof(head) - strlen(head),
			 ", domain = %u", e->key.domain_id);
	if (e->hist.errors)
		snprintf(head + strlen(head), sizeof(head) - strlen(head),
			 ": %llu operation%s (%llu failed)", lat_count(e),
			 lat_count(e) == 1 ? "" : "s", e->hist.errors);
	else
		snprintf(head + strlen(head), sizeof(head) - strlen(head),
			 ": %llu operation%s", lat_count(e),
			 lat_count(e) == 1 ? "" : "s");
	ds_svg_text(f, LS_PX, top + 18, "font-weight=\"bold\"", "%s", head);

	/* y axis, grid lines */
	for (v = 0; v <= ymax * (1 + 1e-9); v += step) {
		double gy = base - v / ymax * LS_PH;

		ds_svg_line(f, LS_PX, gy, LS_PX + LS_PW, gy,
			    v ? "stroke=\"#dddddd\"" : "stroke=\"#333333\"");
		ds_svg_text(f, LS_PX - 6, gy + 4, "text-anchor=\"end\" font-size=\"11\"",
			    "%s", ds_svg_si(lab, sizeof(lab), v, 1000));
	}
	snprintf(attrs, sizeof(attrs),
		 "text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 %g %g)\"",
		 (double)LS_PX - 44, py + LS_PH / 2.0);
	ds_svg_text(f, LS_PX - 44, py + LS_PH / 2.0, attrs, "count");

	for (i = 0; i <= last; i++) {
		double bx = LS_PX + i * slot_w, bh;

		ds_hist_slot_range(i, &low, &high);
		if (sl[i]) {
			bh = sl[i] / ymax * LS_PH;
			snprintf(title, sizeof(title), "%s %llu -> %llu %s: %llu",
				 lat_op_name(e->key.op), low, high, u->name,
				 sl[i]);
			snprintf(attrs, sizeof(attrs),
				 "class=\"bar\" fill=\"#3b6ea5\" data-slot=\"%d\" data-count=\"%llu\"",
				 i, sl[i]);
			ds_svg_rect(f, bx + slot_w * 0.1, base - bh, slot_w * 0.8,
				    bh, attrs, title);
		}
		/* the slot's lower bound under it, slanted when narrow */
		if (slot_w >= 30) {
			ds_svg_text(f, bx + slot_w / 2, base + 15,
				    "text-anchor=\"middle\" font-size=\"10\"", "%s",
				    ds_svg_si(lab, sizeof(lab), low, 1024));
		} else {
			snprintf(attrs, sizeof(attrs),
				 "text-anchor=\"end\" font-size=\"10\" transform=\"rotate(-60 %g %g)\"",
				 bx + slot_w / 2, base + 10);
			ds_svg_text(f, bx + slot_w / 2, base + 10, attrs, "%s",
				    ds_svg_si(lab, sizeof(lab), low, 1024));
		}
	}
	ds_svg_text(f, LS_PX + LS_PW / 2.0, base + 48, "text-anchor=\"middle\" font-size=\"11\"",
		    "%s (log2 buckets, lower bound shown)", u->name);
}

int lat_svg(FILE *f, const struct lat_entry *e, size_t n,
	    const struct lat_units *u, bool per_domain, const char *subtitle)
{
	size_t i, panels = 0, p = 0;
	char attrs[96];
	int last = 0, m;

	for (i = 0; i < n; i++) {
		panels += lat_count(&e[i]) != 0;
		m = ds_hist_max_slot(lat_unit_slots(&e[i].hist, u), DS_MAX_SLOTS);
		if (m > last)
			last = m;
	}
	snprintf(attrs, sizeof(attrs), "class=\"ds-lat\" data-panels=\"%zu\"", panels);
	ds_svg_begin(f, LS_WIDTH, LS_TOP + (panels ? panels : 1) * LS_PANEL, attrs);
	ds_svg_text(f, 12, 22, "font-size=\"15\" font-weight=\"bold\"",
		    "Latency of iommu dirty-tracking operations (%s)", u->name);
	if (subtitle)
		ds_svg_text(f, 12, 40, "font-size=\"11\" fill=\"#555555\"", "%s",
			    subtitle);
	if (!panels)
		ds_svg_text(f, LS_PX, LS_TOP + 30, "fill=\"#555555\"",
			    "no dirty-tracking operations in the recording");
	for (i = 0; i < n; i++) {
		if (!lat_count(&e[i]))
			continue;
		lat_svg_panel(f, &e[i], last, LS_TOP + p * LS_PANEL, u, per_domain);
		p++;
	}
	return ds_svg_end(f);
}
