/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dirtyscope lat: the histograms in user space, one entry per (op,
 * domain): read from the BPF maps by lat, or counted from recorded events
 * by report exactly as bpf/lat.bpf.c counts them.  Pure code, no BPF;
 * lat_out.h renders them.
 */
#ifndef DS_LAT_HIST_H
#define DS_LAT_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
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
 * new key does not fit in max entries.  A device's DMA-log report
 * (DS_DIRTY_DEVICE) counts as LAT_OP_DMA_REPORT, with no domain.
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

#endif /* DS_LAT_HIST_H */
