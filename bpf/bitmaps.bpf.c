// SPDX-License-Identifier: GPL-2.0
/*
 * dirtyscope record --bitmaps: the dirty bitmaps user space read and
 * cleared through iommufd and VFIO type1, copied from the user buffer when
 * the ioctl handler returns 0.
 *
 * fentry stores the entry time in the "inflight" hash (keyed by pid_tgid,
 * which user space also reads to know how far it may write in time order);
 * fexit reads the command (iommufd: the kernel copy in ucmd->cmd; type1:
 * the user structures the handler has just read) and emits the bitmap as
 * records of DS_BM_CHUNK_BYTES with bpf_loop(), then deletes the entry.
 * See bitmap_event.h for the records.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bitmap_event.h"
#include "lat.h"		/* LAT_VFIO_IOMMU_DIRTY_PAGES */

/* include/uapi/linux/iommufd.h */
#define BM_IOMMUFD_NO_CLEAR		(1U << 0)
/* include/uapi/linux/vfio.h (GET_BITMAP_NOCLEAR and CLEAR_BITMAP: the series) */
#define BM_TYPE1_GET_BITMAP		(1U << 2)
#define BM_TYPE1_GET_BITMAP_NOCLEAR	(1U << 3)
#define BM_TYPE1_CLEAR_BITMAP		(1U << 4)

/*
 * uAPI layouts (stable ABI, so no CO-RE): struct iommu_hwpt_get_dirty_bitmap
 * and the series' struct iommu_hwpt_clear_dirty_bitmap are the same.
 */
struct bm_iommufd_cmd {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 reserved;
	__u64 iova;
	__u64 length;
	__u64 page_size;
	__u64 data;
};

/* struct vfio_iommu_type1_dirty_bitmap, then ..._dirty_bitmap_get in data[] */
struct bm_type1_hdr {
	__u32 argsz;
	__u32 flags;
};

struct bm_type1_get {
	__u64 iova;
	__u64 size;
	__u64 pgsize;		/* struct vfio_bitmap */
	__u64 bitmap_size;
	__u64 data;
};

/* drivers/iommu/iommufd/iommufd_private.h; a CO-RE flavour, any kernel */
struct iommufd_ucmd___ds {
	void *cmd;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DS_BM_RINGBUF_BYTES);
} bitmaps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DS_BM_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, __u64);
} inflight SEC(".maps");

/* calls not recorded, by reason */
__u64 lost_ringbuf = 0;		/* a chunk did not fit in the ring buffer */
__u64 lost_fault = 0;		/* the user structures or bitmap unreadable */
__u64 lost_large = 0;		/* more than DS_BM_MAX_CHUNKS chunks */
__u64 lost_inflight = 0;	/* inflight full at entry */
__u64 lost_invalid = 0;		/* pgsize not a power of two, size not a multiple */

struct bm_call {
	__u64 id;
	__u64 ts_ns;
	__u64 duration_ns;
	__u64 iova;
	__u64 size;
	__u64 pgsize;
	__u64 data;		/* user address of the bitmap */
	__u64 nbytes;
	__u32 uapi;
	__u32 kind;
	__u32 nchunks;
};

static __always_inline int bm_enter(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	if (bpf_map_update_elem(&inflight, &id, &ts, BPF_ANY))
		__sync_fetch_and_add(&lost_inflight, 1);
	return 0;
}

/*
 * No wakeup per record: record holds every line for DS_BMCAP_SLACK_NS
 * anyway and polls at least every 250 ms, so it is woken only once the
 * ring buffer is a quarter full (a wakeup is a context switch per call).
 */
static __always_inline __u64 bm_wakeup(void)
{
	if (bpf_ringbuf_query(&bitmaps, BPF_RB_AVAIL_DATA) >= DS_BM_RINGBUF_BYTES / 4)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* bpf_loop callback: record number i of the call */
static long bm_emit_chunk(__u64 i, void *arg)
{
	struct bm_call *c = arg;
	struct ds_bm_chunk *r;
	__u64 off = i * DS_BM_CHUNK_BYTES, len;
	long err;

	if (off >= c->nbytes)
		return 1;
	len = c->nbytes - off;
	if (len > DS_BM_CHUNK_BYTES)
		len = DS_BM_CHUNK_BYTES;
	barrier_var(len);
	r = bpf_ringbuf_reserve(&bitmaps, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_ringbuf, 1);
		return 1;
	}
	r->id = c->id;
	r->ts_ns = c->ts_ns;
	r->duration_ns = c->duration_ns;
	r->iova = c->iova;
	r->size = c->size;
	r->pgsize = c->pgsize;
	r->uapi = c->uapi;
	r->kind = c->kind;
	r->ret = 0;
	r->chunk = i;
	r->nchunks = c->nchunks;
	r->len = len;
	r->pad = 0;
	err = bpf_probe_read_user(r->bits, len, (const void *)(c->data + off));
	r->err = err;
	/* a failed chunk is still sent: user space drops the call at once */
	bpf_ringbuf_submit(r, bm_wakeup());
	if (err) {
		__sync_fetch_and_add(&lost_fault, 1);
		return 1;
	}
	return 0;
}

/*
 * The handler returned: emit the bitmap when @record, then forget the
 * entry (after the records, see bitmap_event.h).
 */
static __always_inline int bm_exit(bool record, __u32 uapi, __u32 kind,
				   __u64 iova, __u64 size, __u64 pgsize,
				   __u64 data)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	struct bm_call c = {};
	__u64 *ts, npages;

	ts = bpf_map_lookup_elem(&inflight, &id);
	if (!ts)
		return 0;	/* attached while the call was running */
	if (!record)
		goto out;
	if (!pgsize || (pgsize & (pgsize - 1)) || !size || size % pgsize) {
		__sync_fetch_and_add(&lost_invalid, 1);
		goto out;
	}
	npages = size / pgsize;
	c.nbytes = npages / 8 + !!(npages % 8);
	c.nchunks = (c.nbytes + DS_BM_CHUNK_BYTES - 1) / DS_BM_CHUNK_BYTES;
	if (c.nbytes > (__u64)DS_BM_MAX_CHUNKS * DS_BM_CHUNK_BYTES) {
		__sync_fetch_and_add(&lost_large, 1);
		goto out;
	}
	c.id = id;
	c.ts_ns = *ts;
	c.duration_ns = now - *ts;
	c.iova = iova;
	c.size = size;
	c.pgsize = pgsize;
	c.data = data;
	c.uapi = uapi;
	c.kind = kind;
	bpf_loop(c.nchunks, bm_emit_chunk, &c, 0);
out:
	bpf_map_delete_elem(&inflight, &id);
	return 0;
}

/* int f(struct iommufd_ucmd *ucmd): the command is the kernel copy */
static __always_inline int bm_iommufd_exit(struct iommufd_ucmd___ds *ucmd,
					   int ret, bool clear)
{
	struct bm_iommufd_cmd cmd;
	__u32 kind;

	if (ret)
		return bm_exit(false, 0, 0, 0, 0, 0, 0);
	if (bpf_probe_read_kernel(&cmd, sizeof(cmd), BPF_CORE_READ(ucmd, cmd))) {
		__sync_fetch_and_add(&lost_fault, 1);
		return bm_exit(false, 0, 0, 0, 0, 0, 0);
	}
	if (clear)
		kind = DS_BM_CLEAR;
	else if (cmd.flags & BM_IOMMUFD_NO_CLEAR)
		kind = DS_BM_GET_NOCLEAR;
	else
		kind = DS_BM_GET;
	return bm_exit(true, DS_BM_IOMMUFD, kind, cmd.iova, cmd.length,
		       cmd.page_size, cmd.data);
}

SEC("fentry/iommufd_hwpt_get_dirty_bitmap")
int BPF_PROG(get_bitmap_entry, struct iommufd_ucmd___ds *ucmd)
{
	return bm_enter();
}

SEC("fexit/iommufd_hwpt_get_dirty_bitmap")
int BPF_PROG(get_bitmap_exit, struct iommufd_ucmd___ds *ucmd, int ret)
{
	return bm_iommufd_exit(ucmd, ret, false);
}

SEC("fentry/iommufd_hwpt_clear_dirty_bitmap")
int BPF_PROG(clear_bitmap_entry, struct iommufd_ucmd___ds *ucmd)
{
	return bm_enter();
}

SEC("fexit/iommufd_hwpt_clear_dirty_bitmap")
int BPF_PROG(clear_bitmap_exit, struct iommufd_ucmd___ds *ucmd, int ret)
{
	return bm_iommufd_exit(ucmd, ret, true);
}

/*
 * type1: arg is the user's struct vfio_iommu_type1_dirty_bitmap; the
 * handler has just read it (and the range after it), so it is resident.
 */
static __always_inline int bm_type1_exit(unsigned long arg, long ret)
{
	struct bm_type1_hdr h;
	struct bm_type1_get g;
	__u32 kind;

	if (ret)
		return bm_exit(false, 0, 0, 0, 0, 0, 0);
	if (bpf_probe_read_user(&h, sizeof(h), (const void *)arg)) {
		__sync_fetch_and_add(&lost_fault, 1);
		return bm_exit(false, 0, 0, 0, 0, 0, 0);
	}
	switch (h.flags) {
	case BM_TYPE1_GET_BITMAP:
		kind = DS_BM_GET;
		break;
	case BM_TYPE1_GET_BITMAP_NOCLEAR:
		kind = DS_BM_GET_NOCLEAR;
		break;
	case BM_TYPE1_CLEAR_BITMAP:
		kind = DS_BM_CLEAR;
		break;
	default:
		return bm_exit(false, 0, 0, 0, 0, 0, 0);	/* START, STOP */
	}
	if (bpf_probe_read_user(&g, sizeof(g), (const void *)(arg + sizeof(h)))) {
		__sync_fetch_and_add(&lost_fault, 1);
		return bm_exit(false, 0, 0, 0, 0, 0, 0);
	}
	return bm_exit(true, DS_BM_TYPE1, kind, g.iova, g.size, g.pgsize,
		       g.data);
}

/* int vfio_iommu_type1_dirty_pages(struct vfio_iommu *, unsigned long arg) */
SEC("fentry/vfio_iommu_type1_dirty_pages")
int BPF_PROG(type1_dirty_entry, void *iommu, unsigned long arg)
{
	return bm_enter();
}

SEC("fexit/vfio_iommu_type1_dirty_pages")
int BPF_PROG(type1_dirty_exit, void *iommu, unsigned long arg, int ret)
{
	return bm_type1_exit(arg, ret);
}

/* where that was inlined: the container ioctl, VFIO_IOMMU_DIRTY_PAGES only */
SEC("fentry/vfio_iommu_type1_ioctl")
int BPF_PROG(type1_ioctl_entry, void *iommu, unsigned int cmd, unsigned long arg)
{
	if (cmd != LAT_VFIO_IOMMU_DIRTY_PAGES)
		return 0;
	return bm_enter();
}

SEC("fexit/vfio_iommu_type1_ioctl")
int BPF_PROG(type1_ioctl_exit, void *iommu, unsigned int cmd, unsigned long arg,
	     long ret)
{
	if (cmd != LAT_VFIO_IOMMU_DIRTY_PAGES)
		return 0;
	return bm_type1_exit(arg, ret);
}

char LICENSE[] SEC("license") = "GPL";
