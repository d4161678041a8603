// SPDX-License-Identifier: GPL-2.0
/* dirtyscope lat: latency histograms of the iommu dirty-tracking operations */
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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_MAX_KEYS);
	__type(key, struct lat_key);
	__type(value, struct lat_hist);
} hists SEC(".maps");

/* events not counted because the hash map was full */
__u64 dropped = 0;

static struct lat_hist zero_hist;

static __always_inline int lat_handle(struct ds_dirty_event *e)
{
	struct lat_key key = {};
	struct lat_hist *h;
	__u64 v;
	__u32 slot;

	if (filter_domain && e->domain_id != targ_domain)
		return 0;

	key.op = e->op;
	key.domain_id = targ_per_domain ? e->domain_id : LAT_ALL_DOMAINS;
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h) {
			__sync_fetch_and_add(&dropped, 1);
			return 0;
		}
	}

	v = e->duration_ns / (targ_ms ? 1000000 : 1000);
	slot = ds_log2_slot(v);
	if (slot >= DS_MAX_SLOTS)
		slot = DS_MAX_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->sum_ns, e->duration_ns);
	if (e->ret)
		__sync_fetch_and_add(&h->errors, 1);
	return 0;
}

DS_DIRTY_PROGS(dirty_split, DS_OP_SPLIT, lat_handle)
DS_DIRTY_PROGS(dirty_merge, DS_OP_MERGE, lat_handle)
DS_DIRTY_PROGS(dirty_scan, DS_OP_SCAN, lat_handle)
DS_DIRTY_PROGS(dirty_clear, DS_OP_CLEAR, lat_handle)

char LICENSE[] SEC("license") = "GPL";
