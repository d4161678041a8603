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

struct lat_units {
	const char *name;	/* "usecs", "msecs" */
	__u64 ns;		/* nanoseconds per unit */
};

/* sort by op, then domain */
void lat_sort(struct lat_entry *e, size_t n);
/*
 * Count one event into the sorted entries e[0..*n), exactly as
 * bpf/lat.bpf.c does in the kernel: key (op, domain or LAT_ALL_DOMAINS),
 * duration_ns / u->ns into its log2 slot, duration_ns into sum_ns, ret != 0
 * into errors.  -E2BIG when a new key does not fit in max entries.
 */
int lat_add(struct lat_entry *e, size_t *n, size_t max,
	    const struct ds_dirty_event *ev, const struct lat_units *u,
	    bool per_domain);
/* e[i] -= prev entry with the same key (when there is one) */
void lat_delta(struct lat_entry *e, size_t n, const struct lat_entry *prev,
	       size_t nprev);

#endif /* DS_LAT_HIST_H */
