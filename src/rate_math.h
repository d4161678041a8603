/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dirtyscope rate: per-domain figures over a batch of dirty_scan records.
 * Pure functions, no BPF: the unit tests feed them synthetic streams.
 *
 * Over one interval of interval_ns, for each domain:
 *	scans		successful dirty_scan operations (ret == 0)
 *	errors		failed ones (ret != 0): counted, left out of the sums
 *	noclear		successful scans with DS_DIRTY_NO_CLEAR
 *	dirty_pages	sum of dirty
 *	dirty_bytes	sum of dirty * pgsize
 *	scanned_bytes	sum of size
 *	scan_ns		sum of duration_ns
 * and derived from them:
 *	pages_per_scan	dirty_pages / scans
 *	pages_per_s	dirty_pages / interval
 *	mib_per_s	dirty_bytes / 2^20 / interval
 *	scan_gib_per_s	scanned_bytes / 2^30 / (scan_ns / 1e9): scan throughput
 *	dirty_share	dirty_bytes / scanned_bytes: share of the range dirty
 * A ratio with a zero denominator is 0.  Records of other ops are ignored.
 *
 * A device's DMA-log report (DS_DIRTY_DEVICE) is its tracker's scan: it
 * counts in a row of its own, keyed by the VFIO device index, after the
 * IOMMU domains' rows.
 */
#ifndef DS_RATE_MATH_H
#define DS_RATE_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "dirty_event.h"

struct ds_rate_row {
	__u32 device;		/* 1: a device's DMA log, domain_id its VFIO index */
	__u32 domain_id;
	__u64 scans;
	__u64 errors;
	__u64 noclear;
	__u64 dirty_pages;
	__u64 dirty_bytes;
	__u64 scanned_bytes;
	__u64 scan_ns;
	double pages_per_scan;
	double pages_per_s;
	double mib_per_s;
	double scan_gib_per_s;
	double dirty_share;
};

/*
 * Aggregate ev[0..n) into rows sorted by domain id (devices after the
 * domains); returns the number of rows, or -E2BIG when there are more
 * domains and devices than max_rows (n rows always suffice).
 */
int ds_rate_compute(const struct ds_dirty_event *ev, size_t n,
		    __u64 interval_ns, struct ds_rate_row *rows,
		    size_t max_rows);
/* fill the derived fields of r from its sums */
void ds_rate_derive(struct ds_rate_row *r, __u64 interval_ns);
/*
 * Add the sums of rows[0..n) into the sorted table cum[0..*ncum) (running
 * totals for the counters); -E2BIG when max is too small.
 */
int ds_rate_accumulate(struct ds_rate_row *cum, size_t *ncum, size_t max,
		       const struct ds_rate_row *rows, size_t n);

/* output */
/* "domain 3", "vfio0", "vfio0@0000:00:03.0" (live, with sysfs) */
const char *ds_rate_source(const struct ds_rate_row *r, bool sysfs,
			   char *buf, size_t len);
/* sysfs: name a device's parent from /sys/class/vfio-dev (live only) */
void ds_rate_print(FILE *f, const struct ds_rate_row *rows, size_t n,
		   bool sysfs);
struct json_object *ds_rate_json(const struct ds_rate_row *rows, size_t n,
				 double timestamp, __u64 interval_ns,
				 __u64 dropped, bool sysfs);
struct ds_om;
/*
 * counters from running totals: dirtyscope_scans_total{domain="3"}, ...,
 * {device="vfio0"} for a device's DMA log
 */
void ds_rate_om(struct ds_om *om, const struct ds_rate_row *cum, size_t n);

#endif /* DS_RATE_MATH_H */
