/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dirtyscope lat: text, JSON and Prometheus rendering of the histograms */
#ifndef DS_LAT_OUT_H
#define DS_LAT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "dirty_event.h"
#include "lat.h"

struct lat_entry {
	struct lat_key key;
	struct lat_hist hist;
};

#define LAT_US_NS	1000ULL
#define LAT_MS_NS	1000000ULL

/* the display unit (-m); --prom does not depend on it */
struct lat_units {
	const char *name;	/* "usecs", "msecs" */
	__u64 ns;		/* nanoseconds per unit: LAT_US_NS or LAT_MS_NS */
};

/* sort by op, then domain */
void lat_sort(struct lat_entry *e, size_t n);
/*
 * Count one event into the sorted entries e[0..*n), exactly as
 * bpf/lat.bpf.c does in the kernel with -m: key (op, domain or
 * LAT_ALL_DOMAINS), duration_ns in usecs and in msecs into their log2
 * slots, duration_ns into sum_ns, ret != 0 into errors.  -E2BIG when a
 * new key does not fit in max entries.
 */
int lat_add(struct lat_entry *e, size_t *n, size_t max,
	    const struct ds_dirty_event *ev, bool per_domain);
/* h += x, every field (a CPU's copy of a per-CPU histogram) */
void lat_hist_add(struct lat_hist *h, const struct lat_hist *x);
/* e[i] -= prev entry with the same key (when there is one) */
void lat_delta(struct lat_entry *e, size_t n, const struct lat_entry *prev,
	       size_t nprev);
/* the slots of the display unit u: slots (usecs) or ms_slots (msecs) */
const __u64 *lat_unit_slots(const struct lat_hist *h,
			    const struct lat_units *u);

/* "op = scan[, domain = 3]" header and a histogram per non-empty entry */
void lat_print(FILE *f, const struct lat_entry *e, size_t n,
	       const struct lat_units *u, bool per_domain);
struct json_object *lat_json(const struct lat_entry *e, size_t n,
			     const struct lat_units *u, bool per_domain,
			     double timestamp, __u64 interval_ns, __u64 dropped);
/*
 * The histograms as SVG bar charts, one panel per non-empty entry: a
 * <rect class="bar"> per non-empty slot (with a <title>), slot bounds on
 * the x axis, counts on the y axis.  0, or -1 on a write error.
 */
int lat_svg(FILE *f, const struct lat_entry *e, size_t n,
	    const struct lat_units *u, bool per_domain, const char *subtitle);
struct ds_om;
/*
 * The dirtyscope_op_duration_seconds histogram and the
 * dirtyscope_op_errors_total counter, from cumulative entries: a series
 * per op in op_mask (label op), per domain with per_domain (label domain;
 * without it an op with no entry gets a zero series).  The buckets are the
 * usecs slots, whatever the display unit.
 */
void lat_om(struct ds_om *om, const struct lat_entry *e, size_t n,
	    bool per_domain, unsigned int op_mask);

#endif /* DS_LAT_OUT_H */
