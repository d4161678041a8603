/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dirtyscope rate and record: iommu:dirty_* records streamed to user space */
#ifndef DS_RATE_H
#define DS_RATE_H

#define RATE_RINGBUF_BYTES	(1U << 20)	/* ~11k struct ds_dirty_event */

#endif /* DS_RATE_H */
