/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* log2 histograms: bucketing (bpf/log2.h), text and JSON rendering */
#ifndef DS_HISTOGRAM_H
#define DS_HISTOGRAM_H

#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "log2.h"

/* count v into its log2 slot */
void ds_hist_add(__u64 *slots, __u64 v);
/* index of the highest non-empty slot, -1 when all are empty */
int ds_hist_max_slot(const __u64 *slots, int nslots);
__u64 ds_hist_total(const __u64 *slots, int nslots);
/* the values a slot holds: 0..1, 2..3, 4..7, ..., 2^63..2^64-1 */
void ds_hist_slot_range(int slot, __u64 *low, __u64 *high);

/*
 * biolatency-style table: one row per slot up to the highest non-empty one,
 *      usecs               : count    distribution
 *          0 -> 1          : 3        |*****                                   |
 * Nothing is printed for an empty histogram.
 */
void ds_hist_print(FILE *f, const __u64 *slots, int nslots, const char *unit);

/* {"unit": unit, "total": n, "buckets": [{"low":, "high":, "count":}, ...]} */
struct json_object *ds_hist_json(const __u64 *slots, int nslots,
				 const char *unit);

#endif /* DS_HISTOGRAM_H */
