// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The fentry/fexit targets of lat, record --bitmaps and status (fn_targets.h) */
#include <stdio.h>
#include <string.h>
#include "fn_targets.h"
#include "lat.h"
#include "trace_helpers.h"

const struct ds_fn_target ds_fn_targets[] = {
	{ LAT_OP_GET_BITMAP, "iommufd_hwpt_get_dirty_bitmap", "iommufd",
	  "get_bitmap", false, true },
	{ LAT_OP_SET_TRACKING, "iommufd_hwpt_set_dirty_tracking", "iommufd",
	  "set_tracking", false, false },
	{ LAT_OP_CLEAR_BITMAP, "iommufd_hwpt_clear_dirty_bitmap", "iommufd",
	  "clear_bitmap", false, true },
	{ LAT_OP_TYPE1_DIRTY, "vfio_iommu_type1_dirty_pages", "vfio_iommu_type1",
	  "type1_dirty", false, true },
	{ LAT_OP_TYPE1_DIRTY, "vfio_iommu_type1_ioctl", "vfio_iommu_type1",
	  "type1_ioctl", true, true },
	{ LAT_OP_DMA_REPORT, "mlx5vf_tracker_read_and_clear", "mlx5_vfio_pci",
	  "mlx5_report", false, false },
	{ LAT_OP_DMA_REPORT, "pds_vfio_dma_logging_report", "pds_vfio_pci",
	  "pds_report", false, false },
	{ LAT_OP_DMA_REPORT, "edu_log_read_and_clear", "edu_vfio_pci",
	  "edu_report", false, false },
};

unsigned int ds_fn_resolve(unsigned int op_mask, bool bitmaps_only, bool *use,
			   const char **where)
{
	unsigned int found = 0;
	size_t i;

	for (i = 0; i < DS_FN_NR_TARGETS; i++) {
		const struct ds_fn_target *t = &ds_fn_targets[i];
		const char *w = NULL;

		use[i] = false;
		if ((op_mask & (1U << t->op)) && (!bitmaps_only || t->bitmaps) &&
		    !(t->alt && (found & (1U << t->op))))
			w = ds_btf_func_where(t->func, t->module);
		if (where)
			where[i] = w;
		if (w) {
			use[i] = true;
			found |= 1U << t->op;
		}
	}
	return found;
}

void ds_fn_op_funcs(__u32 op, bool bitmaps_only, char *funcs, size_t flen,
		    char *mods, size_t mlen)
{
	size_t i;

	funcs[0] = mods[0] = '\0';
	for (i = 0; i < DS_FN_NR_TARGETS; i++) {
		const struct ds_fn_target *t = &ds_fn_targets[i];

		if (t->op != op || (bitmaps_only && !t->bitmaps))
			continue;
		snprintf(funcs + strlen(funcs), flen - strlen(funcs), "%s%s",
			 funcs[0] ? ", " : "", t->func);
		if (!strstr(mods, t->module))
			snprintf(mods + strlen(mods), mlen - strlen(mods), "%s%s",
				 mods[0] ? ", " : "", t->module);
	}
}
