// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dirtyscope rate: text, JSON and Prometheus rendering of rate rows */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "openmetrics.h"
#include "rate_math.h"

/* the PCI (or other bus) name of /sys/class/vfio-dev/vfio<index>/device */
static bool ds_vfio_parent(__u32 index, char *buf, size_t len)
{
	char path[64], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/vfio-dev/vfio%u/device", index);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return false;
	memcpy(buf, base, strlen(base) + 1);
	return true;
}

const char *ds_rate_source(const struct ds_rate_row *r, bool sysfs,
			   char *buf, size_t len)
{
	char parent[64];

	if (!r->device)
		snprintf(buf, len, "domain %u", r->domain_id);
	else if (sysfs && ds_vfio_parent(r->domain_id, parent, sizeof(parent)))
		snprintf(buf, len, "vfio%u@%s", r->domain_id, parent);
	else
		snprintf(buf, len, "vfio%u", r->domain_id);
	return buf;
}

void ds_rate_print(FILE *f, const struct ds_rate_row *rows, size_t n,
		   bool sysfs)
{
	char src[96];
	size_t i;

	fprintf(f, "%-20s %8s %6s %12s %12s %10s %11s %8s\n", "SOURCE",
		"SCANS", "ERRS", "PAGES/SCAN", "PAGES/s", "MiB/s",
		"SCAN GiB/s", "DIRTY%");
	for (i = 0; i < n; i++) {
		const struct ds_rate_row *r = &rows[i];

		fprintf(f, "%-20s %8llu %6llu %12.1f %12.1f %10.2f %11.2f %8.3f\n",
			ds_rate_source(r, sysfs, src, sizeof(src)), r->scans,
			r->errors, r->pages_per_scan, r->pages_per_s,
			r->mib_per_s, r->scan_gib_per_s, r->dirty_share * 100);
	}
}

struct json_object *ds_rate_json(const struct ds_rate_row *rows, size_t n,
				 double timestamp, __u64 interval_ns,
				 __u64 dropped, bool sysfs)
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

		if (r->device) {
			char dev[32], parent[64];

			snprintf(dev, sizeof(dev), "vfio%u", r->domain_id);
			json_object_object_add(d, "device", json_object_new_string(dev));
			if (sysfs && ds_vfio_parent(r->domain_id, parent,
						    sizeof(parent)))
				json_object_object_add(d, "parent",
						       json_object_new_string(parent));
		} else {
			json_object_object_add(d, "domain", ds_json_u64(r->domain_id));
		}
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
	      "Successful dirty bitmap scans (iommu:dirty_scan or a device's vfio:dma_log_report, ret == 0).", scans),
	DS_RC("dirtyscope_scan_errors", NULL,
	      "Dirty bitmap scans that returned an error.", errors),
	DS_RC("dirtyscope_dirty_pages", NULL,
	      "Dirty leaves reported by dirty bitmap scans.", dirty_pages),
	DS_RC("dirtyscope_dirty_bytes", "bytes",
	      "Dirty leaves times the bitmap granule.", dirty_bytes),
	DS_RC("dirtyscope_scanned_bytes", "bytes",
	      "IOVA range covered by dirty bitmap scans.", scanned_bytes),
};

/* domain="3", or device="vfio0" for a device's DMA log */
static void ds_rate_label(char *labels, size_t len, const struct ds_rate_row *r)
{
	char v[32];

	labels[0] = '\0';
	snprintf(v, sizeof(v), r->device ? "vfio%u" : "%u", r->domain_id);
	ds_om_label(labels, len, r->device ? "device" : "domain", v);
}

void ds_rate_om(struct ds_om *om, const struct ds_rate_row *cum, size_t n)
{
	char labels[64], val[32];
	size_t c, i;

	for (c = 0; c < sizeof(ds_rate_counters) / sizeof(ds_rate_counters[0]); c++) {
		const struct ds_rate_counter *k = &ds_rate_counters[c];

		ds_om_family(om, k->name, "counter", k->unit, k->help);
		for (i = 0; i < n; i++) {
			ds_rate_label(labels, sizeof(labels), &cum[i]);
			ds_om_counter(om, k->name, labels,
				      *(const __u64 *)((const char *)&cum[i] + k->off));
		}
	}
	/* seconds are not integers: written as a decimal of the ns sum */
	ds_om_family(om, "dirtyscope_scan_time_seconds", "counter", "seconds",
		     "Time spent in dirty bitmap scans.");
	for (i = 0; i < n; i++) {
		ds_rate_label(labels, sizeof(labels), &cum[i]);
		ds_om_counter_value(om, "dirtyscope_scan_time_seconds", labels,
				    ds_om_decimal(val, sizeof(val), cum[i].scan_ns, 9));
	}
}
