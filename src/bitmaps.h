/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF side of "record --bitmaps" (bpf/bitmaps.bpf.c): fentry/fexit on
 * the dirty-bitmap ioctl handlers of iommufd and VFIO type1, the chunks of
 * every bitmap in a ring buffer, the calls in flight in a hash map.
 *
 *	if (!ds_bm_source_check(verbose))	(one line on stderr: exit 1)
 *	s = ds_bm_source_open(verbose);		(loaded and attached)
 *	ring_buffer__add(rb, ds_bm_source_ring_fd(s), ...);
 *	ds_bm_source_inflight(s, ...);		(before each drain)
 *	ds_bm_source_close(s);
 */
#ifndef DS_BITMAPS_H
#define DS_BITMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bmcap.h"

/* lost calls the BPF side counted, by reason */
struct ds_bm_lost {
	__u64 ringbuf;		/* a chunk did not fit in the ring buffer */
	__u64 fault;		/* structures or bitmap not readable */
	__u64 large;		/* bitmap over DS_BM_MAX_CHUNKS chunks */
	__u64 inflight;		/* too many calls in flight */
	__u64 invalid;		/* pgsize/size the kernel should have refused */
};

struct ds_bm_source;

/*
 * fentry usable and every function in the kernel BTF: iommufd's
 * get/clear handlers and type1's (or its container ioctl where it was
 * inlined).  Otherwise one line on stderr and false.
 */
bool ds_bm_source_check(bool verbose);
/* load and attach; NULL after one line (plus the verifier log tail) */
struct ds_bm_source *ds_bm_source_open(bool verbose);
int ds_bm_source_ring_fd(const struct ds_bm_source *s);
/*
 * The calls in flight, at most max, and the oldest entry time
 * (UINT64_MAX when none).  0 or -errno.
 */
int ds_bm_source_inflight(const struct ds_bm_source *s, struct ds_bm_call *calls,
			  size_t max, size_t *n, __u64 *oldest);
void ds_bm_source_lost(const struct ds_bm_source *s, struct ds_bm_lost *l);
/* detach and free; NULL is fine */
void ds_bm_source_close(struct ds_bm_source *s);

#endif /* DS_BITMAPS_H */
