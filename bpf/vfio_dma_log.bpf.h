/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF side of the device DMA-logging tracepoint the dirtyscope series adds
 * to the VFIO core (include/trace/events/vfio.h, system "vfio"):
 *	dma_log_report(struct vfio_device *device, u64 iova, u64 length,
 *		       u64 page_size, u64 dirty, u64 duration_ns, int ret)
 *
 * A device's report is its tracker's scan: it becomes a struct
 * ds_dirty_event with op DS_OP_SCAN and DS_DIRTY_DEVICE in flags, and the
 * VFIO device index (vfio<index> in /sys/class/vfio-dev) where IOMMU
 * events have their domain id.  Only the index of struct vfio_device is
 * read, through a CO-RE flavour, so the object builds and loads where the
 * build host's vmlinux.h has no such struct.  As in iommu_dirty.bpf.h,
 * each event gets a tp_btf and a raw_tp program.
 */
#ifndef DS_VFIO_DMA_LOG_BPF_H
#define DS_VFIO_DMA_LOG_BPF_H

#include "dirty_event.h"

struct vfio_device___ds {
	unsigned int index;
} __attribute__((preserve_access_index));

static __always_inline void
ds_fill_dma_log(struct ds_dirty_event *e, __u32 index, __u64 iova,
		__u64 length, __u64 page_size, __u64 dirty, __u64 duration_ns,
		int ret)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->iova = iova;
	e->size = length;
	e->pgsize = page_size;
	e->leaves = 0;
	e->dirty = dirty;
	e->duration_ns = duration_ns;
	e->domain_id = index;
	e->flags = DS_DIRTY_DEVICE;
	e->ret = ret;
	e->op = DS_OP_SCAN;
}

/*
 * DS_DMA_LOG_PROGS(handler) defines dma_log_report_btf and
 * dma_log_report_raw; both pass a struct ds_dirty_event to
 * handler(struct ds_dirty_event *).
 */
#define DS_DMA_LOG_PROGS(handler)					\
SEC("tp_btf/dma_log_report")						\
int BPF_PROG(dma_log_report_btf, struct vfio_device___ds *device,	\
	     __u64 iova, __u64 length, __u64 page_size, __u64 dirty,	\
	     __u64 duration_ns, int ret)				\
{									\
	struct ds_dirty_event e = {};					\
									\
	ds_fill_dma_log(&e, device->index, iova, length, page_size,	\
			dirty, duration_ns, ret);			\
	return handler(&e);						\
}									\
									\
SEC("raw_tp/dma_log_report")						\
int BPF_PROG(dma_log_report_raw, struct vfio_device___ds *device,	\
	     __u64 iova, __u64 length, __u64 page_size, __u64 dirty,	\
	     __u64 duration_ns, int ret)				\
{									\
	struct ds_dirty_event e = {};					\
									\
	ds_fill_dma_log(&e, BPF_CORE_READ(device, index), iova, length,	\
			page_size, dirty, duration_ns, ret);		\
	return handler(&e);						\
}

#endif /* DS_VFIO_DMA_LOG_BPF_H */
