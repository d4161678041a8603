// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dirtyscope rate: text, JSON and Prometheus rendering of rate rows */
#include <stddef.h>
#include <stdio.h>
#include "json.h"
#include "openmetrics.h"
#include "rate_math.h"

void ds_rate_print(FILE *f, const struct ds_rate_row *rows, size_t n)
{
	size_t i;

	fprintf(f, "%-10s %8s %6s %12s %12s %10s %11s %8s\n", "DOMAIN",
		"SCANS", "ERRS", "PAGES/SCAN", "PAGES/s", "MiB/s",
		"SCAN GiB/s", "DIRTY%");
	for (i = 0; i < n; i++) {
		const struct ds_rate_row *r = &rows[i];

		fprintf(f, "%-10u %8llu %6llu %12.1f %12.1f %10.2f %11.2f %8.3f\n",
			r->domain_id, r->scans, r->errors, r->pages_per_scan,
			r->pages_per_s, r->mib_per_s, r->scan_gib_per_s,
			r->dirty_share * 100);
	}
}

struct json_object *ds_rate_json(const struct ds_rate_row *rows, size_t n,
				 double timestamp, __u64 interval_ns,
				 __u64 dropped)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "timestamp", ds_json_double(timestamp));
	json_object_object_add(o, "interval_s", ds_json_double(interval_ns / 1e9));
	json_object_object_add(o, "dropped", ds_json_u64(dropped));
	for (i = 0; i < n; i++) {
		const struct ds_rate_row *r = &rows[i];
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "domain", ds_json_u64(r->domain_id));
		json_object_object_add(d, "scans", ds_json_u64(r->scans));
		json_object_object_add(d, "errors", ds_json_u64(r->errors));
		json_object_object_add(d, "noclear", ds_json_u64(r->noclear));
		json_object_object_add(d, "dirty_pages", ds_json_u64(r->dirty_pages));
		json_object_object_add(d, "dirty_bytes", ds_json_u64(r->dirty_bytes));
		json_object_object_add(d, "scanned_bytes", ds_json_u64(r->scanned_bytes));
		json_object_object_add(d, "scan_ns", ds_json_u64(r->scan_ns));
		json_object_object_add(d, "pages_per_scan", ds_json_double(r->pages_per_scan));
		json_object_object_add(d, "pages_per_s", ds_json_double(r->pages_per_s));
		json_object_object_add(d, "mib_per_s", ds_json_double(r->mib_per_s));
		json_object_object_add(d, "scan_gib_per_s", ds_json_double(r->scan_gib_per_s));
		json_object_object_add(d, "dirty_share", ds_json_double(r->dirty_share));
		json_object_array_add(a, d);
	}
	json_object_object_add(o, "domains", a);
	return o;
}

struct ds_rate_counter {
	const char *name;
	const char *unit;
	const char *help;
	size_t off;
};

#define DS_RC(name, unit, help, field)	\
	{ name, unit, help, offsetof(struct ds_rate_row, field) }

static const struct ds_rate_counter ds_rate_counters[] = {
	DS_RC("dirtyscope_scans", NULL,
	      "Successful dirty bitmap scans (iommu:dirty_scan, ret == 0).", scans),
	DS_RC("dirtyscope_scan_errors", NULL,
	      "Dirty bitmap scans that returned an error.", errors),
	DS_RC("dirtyscope_dirty_pages", NULL,
	      "Dirty leaves reported by dirty bitmap scans.", dirty_pages),
	DS_RC("dirtyscope_dirty_bytes", "bytes",
	      "Dirty leaves times the bitmap granule.", dirty_bytes),
	DS_RC("dirtyscope_scanned_bytes", "bytes",
	      "IOVA range covered by dirty bitmap scans.", scanned_bytes),
};

void ds_rate_om(struct ds_om *om, const struct ds_rate_row *cum, size_t n)
{
	char labels[64], dom[16], val[32];
	size_t c, i;

	for (c = 0; c < sizeof(ds_rate_counters) / sizeof(ds_rate_counters[0]); c++) {
		const struct ds_rate_counter *k = &ds_rate_counters[c];

		ds_om_family(om, k->name, "counter", k->unit, k->help);
		for (i = 0; i < n; i++) {
			labels[0] = '\0';
			snprintf(dom, sizeof(dom), "%u", cum[i].domain_id);
			ds_om_label(labels, sizeof(labels), "domain", dom);
			ds_om_counter(om, k->name, labels,
				      *(const __u64 *)((const char *)&cum[i] + k->off));
		}
	}
	/* seconds are not integers: written as a decimal of the ns sum */
	ds_om_family(om, "dirtyscope_scan_time_seconds", "counter", "seconds",
		     "Time spent in dirty bitmap scans.");
	for (i = 0; i < n; i++) {
		labels[0] = '\0';
		snprintf(dom, sizeof(dom), "%u", cum[i].domain_id);
		ds_om_label(labels, sizeof(labels), "domain", dom);
		ds_om_counter_value(om, "dirtyscope_scan_time_seconds", labels,
				    ds_om_decimal(val, sizeof(val), cum[i].scan_ns, 9));
	}
}
