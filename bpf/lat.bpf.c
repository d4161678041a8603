// SPDX-License-Identifier: GPL-2.0
/*
 * dirtyscope lat: latency histograms of the iommu dirty-tracking operations
 *
 * Tracepoint ops (iommu:dirty_*) carry duration_ns: one program per event
 * buckets it (in usecs; with -m in msecs as well, see struct lat_hist).
 * Without -D the histograms are a per-CPU array indexed by op (summed by
 * user space; plain adds on this CPU's copy from the tracepoint programs,
 * atomic adds from the preemptible fexit programs); with -D a hash keyed
 * by (op, domain) with atomic adds.
 *
 * The fentry/fexit ops time upstream functions that have no tracepoint:
 * fentry stores a timestamp in task-local storage (one slot per op), fexit
 * buckets the delta and counts a non-zero return as an error.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lat.h"
#include "iommu_dirty.bpf.h"

const volatile bool targ_ms = false;
const volatile bool targ_per_domain = false;
const volatile bool filter_domain = false;
const volatile __u32 targ_domain = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LAT_OP_NR);
	__type(key, __u32);
	__type(value, struct lat_hist);
} hists SEC(".maps");

/* -D only; user space shrinks it to one entry otherwise */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_MAX_KEYS);
	__type(key, struct lat_key);
	__type(value, struct lat_hist);
} dom_hists SEC(".maps");

struct lat_start {
	__u64 ts[LAT_FN_NR];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lat_start);
} starts SEC(".maps");

/* events not counted because the per-domain hash map was full */
__u64 dropped = 0;

static struct lat_hist zero_hist;

/* the log2 slot of duration_ns in units of unit_ns */
static __always_inline __u32 lat_slot(__u64 duration_ns, __u64 unit_ns)
{
	__u32 slot = ds_log2_slot(duration_ns / unit_ns);

	return slot < DS_MAX_SLOTS ? slot : DS_MAX_SLOTS - 1;
}

/* count one event into h with atomic adds (h may be shared) */
static __always_inline int lat_hist_add_atomic(struct lat_hist *h,
					       __u64 duration_ns, long ret)
{
	__sync_fetch_and_add(&h->slots[lat_slot(duration_ns, 1000)], 1);
	if (targ_ms)
		__sync_fetch_and_add(&h->ms_slots[lat_slot(duration_ns, 1000000)], 1);
	__sync_fetch_and_add(&h->sum_ns, duration_ns);
	if (ret)
		__sync_fetch_and_add(&h->errors, 1);
	return 0;
}

/*
 * This CPU's histogram of op: no other CPU writes it.  Tracepoints call
 * their programs with preemption disabled, and the dirty_* ones do not
 * fire from interrupts: a tracepoint program's plain adds cannot be
 * interleaved.  fentry/fexit programs run with migration disabled but
 * preemptible: two tasks on one CPU can interleave in the same
 * read-modify-write and lose an event, so fexit adds atomically (atomic is
 * a constant after inlining).
 */
static __always_inline int lat_count_op(__u32 op, __u64 duration_ns, long ret,
					bool atomic)
{
	struct lat_hist *h = bpf_map_lookup_elem(&hists, &op);

	if (!h)
		return 0;
	if (atomic)
		return lat_hist_add_atomic(h, duration_ns, ret);
	h->slots[lat_slot(duration_ns, 1000)]++;
	if (targ_ms)
		h->ms_slots[lat_slot(duration_ns, 1000000)]++;
	h->sum_ns += duration_ns;
	if (ret)
		h->errors++;
	return 0;
}

static __always_inline int lat_count_domain(__u32 op, __u64 duration_ns,
					    __u32 domain_id, long ret)
{
	struct lat_key key = { .domain_id = domain_id, .op = op };
	struct lat_hist *h;

	h = bpf_map_lookup_elem(&dom_hists, &key);
	if (!h) {
		bpf_map_update_elem(&dom_hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&dom_hists, &key);
		if (!h) {
			__sync_fetch_and_add(&dropped, 1);
			return 0;
		}
	}
	return lat_hist_add_atomic(h, duration_ns, ret);
}

/* one tracepoint event: only the three fields lat needs are read */
static __always_inline int lat_handle(__u32 op, __u64 duration_ns,
				      __u32 domain_id, long ret)
{
	if (filter_domain && domain_id != targ_domain)
		return 0;
	if (targ_per_domain)
		return lat_count_domain(op, duration_ns, domain_id, ret);
	return lat_count_op(op, duration_ns, ret, false);
}

/* the tp_btf/raw_tp pair of iommu_dirty.bpf.h, without a full event */
#define LAT_TP_PROGS(event, op)						\
SEC("tp_btf/" #event)							\
int BPF_PROG(event##_btf, const struct iommu_dirty_trace___ds *t)	\
{									\
	return lat_handle(op, t->duration_ns, t->domain_id, t->ret);	\
}									\
									\
SEC("raw_tp/" #event)							\
int BPF_PROG(event##_raw, const struct iommu_dirty_trace___ds *t)	\
{									\
	return lat_handle(op, BPF_CORE_READ(t, duration_ns),		\
			  BPF_CORE_READ(t, domain_id), BPF_CORE_READ(t, ret)); \
}

LAT_TP_PROGS(dirty_split, DS_OP_SPLIT)
LAT_TP_PROGS(dirty_merge, DS_OP_MERGE)
LAT_TP_PROGS(dirty_scan, DS_OP_SCAN)
LAT_TP_PROGS(dirty_clear, DS_OP_CLEAR)

/* fentry/fexit ops */

static __always_inline int fn_enter(__u32 op)
{
	__u32 i = op - DS_OP_NR;
	struct lat_start *s;

	if (i >= LAT_FN_NR)
		return 0;
	s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (s)
		s->ts[i] = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int fn_exit(__u32 op, long ret)
{
	__u32 i = op - DS_OP_NR;
	struct lat_start *s;
	__u64 ts;

	if (i >= LAT_FN_NR)
		return 0;
	s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0, 0);
	if (!s)
		return 0;
	ts = s->ts[i];
	if (!ts)
		return 0;	/* attached while the call was running */
	s->ts[i] = 0;
	return lat_count_op(op, bpf_ktime_get_ns() - ts, ret, true);
}

/* int f(struct iommufd_ucmd *ucmd): the iommufd ioctl handlers */
#define LAT_UCMD_PROGS(name, func, op)					\
SEC("fentry/" #func)							\
int BPF_PROG(name##_entry, void *ucmd)					\
{									\
	return fn_enter(op);						\
}									\
									\
SEC("fexit/" #func)							\
int BPF_PROG(name##_exit, void *ucmd, int ret)				\
{									\
	return fn_exit(op, ret);					\
}

LAT_UCMD_PROGS(get_bitmap, iommufd_hwpt_get_dirty_bitmap, LAT_OP_GET_BITMAP)
LAT_UCMD_PROGS(set_tracking, iommufd_hwpt_set_dirty_tracking, LAT_OP_SET_TRACKING)
LAT_UCMD_PROGS(clear_bitmap, iommufd_hwpt_clear_dirty_bitmap, LAT_OP_CLEAR_BITMAP)

/* int vfio_iommu_type1_dirty_pages(struct vfio_iommu *, unsigned long arg) */
SEC("fentry/vfio_iommu_type1_dirty_pages")
int BPF_PROG(type1_dirty_entry, void *iommu, unsigned long arg)
{
	return fn_enter(LAT_OP_TYPE1_DIRTY);
}

SEC("fexit/vfio_iommu_type1_dirty_pages")
int BPF_PROG(type1_dirty_exit, void *iommu, unsigned long arg, int ret)
{
	return fn_exit(LAT_OP_TYPE1_DIRTY, ret);
}

/*
 * Where the compiler inlined vfio_iommu_type1_dirty_pages (no BTF FUNC):
 * its caller, the container ioctl, for VFIO_IOMMU_DIRTY_PAGES only.
 */
SEC("fentry/vfio_iommu_type1_ioctl")
int BPF_PROG(type1_ioctl_entry, void *iommu, unsigned int cmd, unsigned long arg)
{
	if (cmd != LAT_VFIO_IOMMU_DIRTY_PAGES)
		return 0;
	return fn_enter(LAT_OP_TYPE1_DIRTY);
}

SEC("fexit/vfio_iommu_type1_ioctl")
int BPF_PROG(type1_ioctl_exit, void *iommu, unsigned int cmd, unsigned long arg,
	     long ret)
{
	if (cmd != LAT_VFIO_IOMMU_DIRTY_PAGES)
		return 0;
	return fn_exit(LAT_OP_TYPE1_DIRTY, ret);
}

/*
 * The vfio-pci variant drivers' DMA-logging report, all
 * int f(struct vfio_device *, unsigned long iova, unsigned long length,
 *       struct iova_bitmap *dirty)
 */
#define LAT_REPORT_PROGS(name, func)					\
SEC("fentry/" #func)							\
int BPF_PROG(name##_entry, void *vdev, unsigned long iova,		\
	     unsigned long length, void *dirty)				\
{									\
	return fn_enter(LAT_OP_DMA_REPORT);				\
}									\
									\
SEC("fexit/" #func)							\
int BPF_PROG(name##_exit, void *vdev, unsigned long iova,		\
	     unsigned long length, void *dirty, int ret)		\
{									\
	return fn_exit(LAT_OP_DMA_REPORT, ret);				\
}

LAT_REPORT_PROGS(mlx5_report, mlx5vf_tracker_read_and_clear)
LAT_REPORT_PROGS(pds_report, pds_vfio_dma_logging_report)
/* the test bed's edu-vfio-pci (tests/kernel/): QEMU edu's DMA log */
LAT_REPORT_PROGS(edu_report, edu_log_read_and_clear)

char LICENSE[] SEC("license") = "GPL";
