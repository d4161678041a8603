/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dirtyscope lat: text, JSON, OpenMetrics and SVG rendering of the
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
 * dirtyscope_<op>_duration_seconds histograms (one family per op in
 * op_mask, a series per domain with per_domain) and the
 * dirtyscope_op_errors_total{op=...} counter, from cumulative entries.
 */
void lat_om(struct ds_om *om, const struct lat_entry *e, size_t n,
	    const struct lat_units *u, bool per_domain, unsigned int op_mask);

#endif /* DS_LAT_OUT_H */
