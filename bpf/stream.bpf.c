// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-event stream of rate and record: every iommu:dirty_* event, and
 * every vfio:dma_log_report, as a struct ds_dirty_event through one ring
 * buffer.  Every op has its
 * program pair; user space (src/stream.c) autoloads the ones it wants
 * (rate: dirty_scan only, record: all four).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "iommu_dirty.bpf.h"
#include "vfio_dma_log.bpf.h"

#define STREAM_RINGBUF_BYTES	(1U << 20)	/* ~11k struct ds_dirty_event */

const volatile bool filter_domain = false;
const volatile __u32 targ_domain = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, STREAM_RINGBUF_BYTES);
} events SEC(".maps");

/* records lost because the ring buffer was full */
__u64 dropped = 0;

/*
 * No wakeup per record: rate and record poll on their own clock (an
 * interval, at most 250 ms) and consume then, so wake them only once the
 * ring buffer is a quarter full.  A wakeup per event is a context switch
 * per dirty-tracking call, on the CPU of the VMM that made it.
 */
static __always_inline __u64 stream_wakeup(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >=
	    STREAM_RINGBUF_BYTES / 4)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline int stream_handle(struct ds_dirty_event *e)
{
	/* --domain: that IOMMU domain only, no device's reports */
	if (filter_domain && ((e->flags & DS_DIRTY_DEVICE) ||
			      e->domain_id != targ_domain))
		return 0;
	if (bpf_ringbuf_output(&events, e, sizeof(*e), stream_wakeup()))
		__sync_fetch_and_add(&dropped, 1);
	return 0;
}

DS_DIRTY_PROGS(dirty_split, DS_OP_SPLIT, stream_handle)
DS_DIRTY_PROGS(dirty_merge, DS_OP_MERGE, stream_handle)
DS_DIRTY_PROGS(dirty_scan, DS_OP_SCAN, stream_handle)
DS_DIRTY_PROGS(dirty_clear, DS_OP_CLEAR, stream_handle)
/* devices' DMA-log reports, loaded with dirty_scan where the kernel has them */
DS_DMA_LOG_PROGS(stream_handle)

char LICENSE[] SEC("license") = "GPL";
