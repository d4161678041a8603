/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dirty-event stream shared by rate and record: bpf/stream.bpf.c's
 * programs for the wanted ops (tp_btf, falling back to raw_tp) push a
 * struct ds_dirty_event per operation into one ring buffer, and every
 * record is handed to a callback while polling.
 *
 *	s = ds_stream_open(&opts, on_event, ctx);	(loaded and attached)
 *	while (...)
 *		ds_stream_poll(s, timeout_ms);
 *	ds_stream_consume(s);				(drain)
 *	ds_stream_close(s);				(detach, free)
 *
 * The caller checks privileges and the tracepoints first; failures are
 * reported on stderr in one line (plus the verifier log tail).
 */
#ifndef DS_STREAM_H
#define DS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "attach.h"
#include "dirty_event.h"

struct ds_stream_opts {
	const char *what;		/* "rate", "record": for messages */
	unsigned int op_mask;		/* 1 << enum ds_op */
	bool filter_domain;
	__u32 domain;
	enum ds_tp_mode mode;
	bool verbose;
};

/* a record as it came from the ring buffer (len >= sizeof(struct ds_dirty_event)) */
typedef int (*ds_stream_fn)(void *ctx, const struct ds_dirty_event *e);

struct ds_stream;

struct ds_stream *ds_stream_open(const struct ds_stream_opts *o,
				 ds_stream_fn fn, void *ctx);
/* ring_buffer__poll(): records handled, or -errno (-EINTR on a signal) */
int ds_stream_poll(struct ds_stream *s, int timeout_ms);
/* handle whatever is in the ring buffer without waiting */
int ds_stream_consume(struct ds_stream *s);
/*
 * Poll another ring buffer map with the same ds_stream_poll()/consume()
 * (record --bitmaps); fn gets its raw records.  0 or -errno.
 */
int ds_stream_add_ring(struct ds_stream *s, int map_fd,
		       int (*fn)(void *ctx, void *data, size_t len), void *ctx);
/*
 * Whether devices' DMA-log reports (vfio:dma_log_report, DS_DIRTY_DEVICE
 * scans) are streamed: the scans were asked for and the kernel has them.
 */
bool ds_stream_devices(const struct ds_stream *s);
/* records the BPF side could not queue (ring buffer full) */
__u64 ds_stream_dropped(const struct ds_stream *s);
/* detach every program, free everything; NULL is fine */
void ds_stream_close(struct ds_stream *s);

#endif /* DS_STREAM_H */
