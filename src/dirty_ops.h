/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* names of the iommu dirty-tracking operations (enum ds_op) */
#ifndef DS_DIRTY_OPS_H
#define DS_DIRTY_OPS_H

#include <string.h>
#include <linux/types.h>
#include "dirty_event.h"
#include "lat.h"

#define DS_TP_SYSTEM	"iommu"
/* devices' DMA logging (the series' include/trace/events/vfio.h) */
#define DS_TP_VFIO_SYSTEM	"vfio"
#define DS_TP_DMA_LOG_REPORT	"dma_log_report"

static inline const char *ds_op_name(__u32 op)
{
	static const char *const names[DS_OP_NR] = {
		[DS_OP_SPLIT] = "split",
		[DS_OP_MERGE] = "merge",
		[DS_OP_SCAN] = "scan",
		[DS_OP_CLEAR] = "clear",
	};

	return op < DS_OP_NR ? names[op] : "?";
}

/* the tracepoint of an op: "dirty_scan" */
static inline const char *ds_op_event(__u32 op)
{
	static const char *const events[DS_OP_NR] = {
		[DS_OP_SPLIT] = "dirty_split",
		[DS_OP_MERGE] = "dirty_merge",
		[DS_OP_SCAN] = "dirty_scan",
		[DS_OP_CLEAR] = "dirty_clear",
	};

	return op < DS_OP_NR ? events[op] : "?";
}

/* "scan" -> DS_OP_SCAN, -1 when unknown */
static inline int ds_op_parse(const char *s)
{
	__u32 op;

	for (op = 0; op < DS_OP_NR; op++)
		if (!strcmp(s, ds_op_name(op)))
			return op;
	return -1;
}

/*
 * The ops of lat: the tracepoint ops, then the fentry/fexit ops
 * (enum lat_fn_op).  A recording holds tracepoint ops only.
 */
static inline const char *lat_op_name(__u32 op)
{
	static const char *const names[LAT_FN_NR] = {
		[LAT_OP_GET_BITMAP - DS_OP_NR] = "get_bitmap",
		[LAT_OP_SET_TRACKING - DS_OP_NR] = "set_tracking",
		[LAT_OP_CLEAR_BITMAP - DS_OP_NR] = "clear_bitmap",
		[LAT_OP_TYPE1_DIRTY - DS_OP_NR] = "type1_dirty",
		[LAT_OP_DMA_REPORT - DS_OP_NR] = "dma_report",
	};

	if (op < DS_OP_NR)
		return ds_op_name(op);
	return op < LAT_OP_NR ? names[op - DS_OP_NR] : "?";
}

/* "get_bitmap" -> LAT_OP_GET_BITMAP, "scan" -> DS_OP_SCAN, -1 when unknown */
static inline int lat_op_parse(const char *s)
{
	__u32 op;

	for (op = 0; op < LAT_OP_NR; op++)
		if (!strcmp(s, lat_op_name(op)))
			return op;
	return -1;
}

#endif /* DS_DIRTY_OPS_H */
