/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * record --bitmaps: assemble the bitmap records of bpf/bitmaps.bpf.c (struct
 * ds_bm_chunk, bitmap_event.h) into whole bitmaps and write them with the
 * events, in timestamp order, to the recording.  Pure code, no BPF: record
 * feeds it what the ring buffers, the BPF "inflight" map and the clock
 * say; the host tests feed it made-up records.
 *
 * Why a queue: a bitmap's ts_ns is when its call entered the kernel, but
 * its records come when the call returns, after the events the call itself
 * caused (the dirty_scan of a GET_DIRTY_BITMAP).  So every line waits and
 * is written once nothing older can still come.  At each flush the caller
 * gives that bound: the entry time of the oldest call in flight, read from
 * the BPF map before draining the ring buffers (a call deletes its entry
 * only after submitting its records, so a call that is not in the map has
 * all its records in the ring buffer already), and now minus
 * DS_BMCAP_SLACK_NS for records still between their timestamp and the ring
 * buffer.  Calls being assembled hold the bound back too.
 *
 *	c = ds_bmcap_new(f);
 *	loop:	snapshot the inflight map (ids, entry times, oldest)
 *		drain the ring buffers into ds_bmcap_event() / ds_bmcap_chunk()
 *		ds_bmcap_expire(c, inflight, n, now, false);
 *		ds_bmcap_flush(c, min(oldest, now - DS_BMCAP_SLACK_NS));
 *	end:	drain, ds_bmcap_expire(c, NULL, 0, now, true),
 *		ds_bmcap_flush(c, UINT64_MAX), ds_bmcap_free(c)
 *
 * A call the BPF side gave up on (ring buffer full, bitmap unreadable)
 * sends fewer records than it announced: it is dropped here without being
 * counted (the BPF side counted it) once it is no longer in flight and
 * nothing came for DS_BMCAP_ORPHAN_NS, or at the end.
 */
#ifndef DS_BMCAP_H
#define DS_BMCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "bitmap_event.h"
#include "dirty_event.h"

#define DS_BMCAP_SLACK_NS	200000000ULL	/* 0.2 s */
#define DS_BMCAP_ORPHAN_NS	1000000000ULL	/* 1 s */

/* a call in flight: pid_tgid and entry time, as in the BPF map */
struct ds_bm_call {
	__u64 id;
	__u64 ts_ns;
};

struct ds_bmcap_stats {
	__u64 events;		/* event lines written */
	__u64 bitmaps;		/* bitmap lines written */
	__u64 malformed;	/* records that made no sense: call dropped, counted */
	__u64 late;		/* bitmaps older than one already written: dropped, counted */
	__u64 incomplete;	/* calls dropped with records missing (counted by BPF) */
};

struct ds_bmcap;

struct ds_bmcap *ds_bmcap_new(FILE *f);
void ds_bmcap_free(struct ds_bmcap *c);

/* queue an event; -ENOMEM */
int ds_bmcap_event(struct ds_bmcap *c, const struct ds_dirty_event *e);
/* one ring buffer record of len bytes, at now_ns (CLOCK_MONOTONIC); -ENOMEM */
int ds_bmcap_chunk(struct ds_bmcap *c, const void *data, size_t len,
		   __u64 now_ns);
/*
 * Drop the calls being assembled that are not among the n in flight and
 * got nothing for DS_BMCAP_ORPHAN_NS; with final, every one.
 */
void ds_bmcap_expire(struct ds_bmcap *c, const struct ds_bm_call *inflight,
		     size_t n, __u64 now_ns, bool final);
/*
 * Write, in ts_ns order, every queued line older than limit and than every
 * call being assembled.  0, or -1 with errno on a write error.
 */
int ds_bmcap_flush(struct ds_bmcap *c, __u64 limit);
const struct ds_bmcap_stats *ds_bmcap_stats(const struct ds_bmcap *c);

#endif /* DS_BMCAP_H */
