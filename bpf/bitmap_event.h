/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dirty bitmaps user space read or cleared, as bpf/bitmaps.bpf.c hands
 * them to "dirtyscope record --bitmaps".  Shared by BPF and user space.
 *
 * One ioctl that succeeded is one call: its bitmap (bit i = the page at
 * iova + i * pgsize, u64 words little-endian, as in both uAPIs) is copied
 * from the user buffer in chunks of DS_BM_CHUNK_BYTES, one ring buffer
 * record per chunk, in order: record k holds bytes k * DS_BM_CHUNK_BYTES
 * onwards of the ceil(npages / 8) bytes.  Every record of a call repeats
 * the call's fields, so user space needs no other state to assemble it.
 */
#ifndef DS_BITMAP_EVENT_H
#define DS_BITMAP_EVENT_H

/* which uAPI the bitmap crossed */
enum ds_bm_uapi {
	DS_BM_IOMMUFD,		/* IOMMU_HWPT_{GET,CLEAR}_DIRTY_BITMAP */
	DS_BM_TYPE1,		/* VFIO_IOMMU_DIRTY_PAGES */
};

/* what the call did with it */
enum ds_bm_kind {
	DS_BM_GET,		/* read and cleared the dirty state */
	DS_BM_GET_NOCLEAR,	/* read only (NO_CLEAR, GET_BITMAP_NOCLEAR) */
	DS_BM_CLEAR,		/* cleared the pages whose bits are set */
};

#define DS_BM_CHUNK_BYTES	4096U			/* 32768 pages */
#define DS_BM_CHUNK_BITS	(DS_BM_CHUNK_BYTES * 8)
/* larger calls are not recorded: 8 MiB of bitmap, 2^26 pages (256 GiB of 4 KiB) */
#define DS_BM_MAX_CHUNKS	2048U
#define DS_BM_RINGBUF_BYTES	(16U << 20)		/* ~4000 chunks */
#define DS_BM_MAX_INFLIGHT	4096			/* calls in flight, all tasks */

struct ds_bm_chunk {
	__u64 id;		/* pid_tgid of the caller: (id, ts_ns) names the call */
	__u64 ts_ns;		/* bpf_ktime_get_ns() at entry */
	__u64 duration_ns;	/* entry to return */
	__u64 iova;
	__u64 size;		/* bytes: size / pgsize pages */
	__u64 pgsize;
	__u32 uapi;		/* enum ds_bm_uapi */
	__u32 kind;		/* enum ds_bm_kind */
	__s32 ret;		/* always 0: failed calls are not recorded */
	__u32 chunk;		/* index of this record */
	__u32 nchunks;		/* records of the call */
	__u32 len;		/* bytes of bits[] used */
	__s32 err;		/* 0, or bpf_probe_read_user()'s error: call lost */
	__u32 pad;
	__u8 bits[DS_BM_CHUNK_BYTES];
};

/*
 * The calls being traced: map "inflight", pid_tgid -> bpf_ktime_get_ns() at
 * entry.  An entry is deleted only after the call's records are submitted,
 * so user space knows which calls may still send records and how old they
 * are (see src/bmcap.h).
 */

#endif /* DS_BITMAP_EVENT_H */
