/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dirtyscope lat: text, JSON, Prometheus and SVG rendering of the
 * histograms (struct lat_entry, counted by lat_hist.c)
 */
#ifndef DS_LAT_OUT_H
#define DS_LAT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "lat_hist.h"

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
