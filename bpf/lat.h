/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dirtyscope lat: per-op (and optionally per-domain) log2 latency histograms */
#ifndef DS_LAT_H
#define DS_LAT_H

#include "log2.h"

#define LAT_MAX_KEYS		1024
#define LAT_ALL_DOMAINS		0xffffffffU	/* key.domain_id without --per-domain */

struct lat_key {
	__u32 domain_id;
	__u32 op;			/* enum ds_op */
};

/*
 * Cumulative since load; never deleted, so user space takes per-interval
 * deltas without losing the events that race with a read.
 */
struct lat_hist {
	__u64 slots[DS_MAX_SLOTS];	/* log2 of duration in usecs (msecs with -m) */
	__u64 sum_ns;			/* sum of duration_ns */
	__u64 errors;			/* operations with ret != 0 */
};

#endif /* DS_LAT_H */
