// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: upstream Linux 6.12's io-pgtable-arm.c (the pristine
 * Debian source, path from the Makefile) in a translation unit of its
 * own, its global symbols renamed, so that its read_and_clear_dirty walk
 * can run on the very tables the file under test built.  Both files are
 * compiled against the same <linux/io-pgtable.h>, so the structures they
 * share have one layout.
 */
#define io_pgtable_arm_32_lpae_s1_init_fns	up_arm_32_lpae_s1_init_fns
#define io_pgtable_arm_32_lpae_s2_init_fns	up_arm_32_lpae_s2_init_fns
#define io_pgtable_arm_64_lpae_s1_init_fns	up_arm_64_lpae_s1_init_fns
#define io_pgtable_arm_64_lpae_s2_init_fns	up_arm_64_lpae_s2_init_fns
#define io_pgtable_arm_mali_lpae_init_fns	up_arm_mali_lpae_init_fns
#include "ds_kernel.h"
#include DS_UPSTREAM_C
#include "harness.h"

int upstream_read_and_clear_dirty(struct io_pgtable_ops *ops,
				  unsigned long iova, size_t size,
				  unsigned long flags,
				  struct iommu_dirty_bitmap *dirty)
{
	return arm_lpae_read_and_clear_dirty(ops, iova, size, flags, dirty);
}
