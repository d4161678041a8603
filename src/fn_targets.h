/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel functions dirtyscope attaches fentry/fexit programs to: one
 * table for "lat --op" (bpf/lat.bpf.c), "record --bitmaps"
 * (bpf/bitmaps.bpf.c) and what "status" checks, so that status reports
 * exactly what the other two will look for, in vmlinux or in a module.
 */
#ifndef DS_FN_TARGETS_H
#define DS_FN_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct ds_fn_target {
	__u32 op;		/* enum lat_fn_op */
	const char *func;
	const char *module;	/* the module it is in when not built in */
	const char *prog;	/* <prog>_entry, <prog>_exit in the BPF objects */
	/*
	 * Used only when the op's targets before it are not in the BTF: the
	 * compiler may inline the static vfio_iommu_type1_dirty_pages into
	 * the container ioctl, whose VFIO_IOMMU_DIRTY_PAGES calls are taken
	 * instead.
	 */
	bool alt;
	bool bitmaps;		/* record --bitmaps attaches it as well */
};

/* a definition with another number of entries does not compile */
#define DS_FN_NR_TARGETS	8
extern const struct ds_fn_target ds_fn_targets[DS_FN_NR_TARGETS];

/*
 * Look up the targets of the ops in op_mask (with bitmaps_only, only those
 * record --bitmaps attaches) in the kernel BTF: use[i] for each target to
 * attach, where[i] (may be NULL) its BTF ("vmlinux" or the module).
 * Returns the ops of op_mask that have a target.
 */
unsigned int ds_fn_resolve(unsigned int op_mask, bool bitmaps_only, bool *use,
			   const char **where);

/* "f1, f2" and "mod1, mod2": the functions of op and their modules */
void ds_fn_op_funcs(__u32 op, bool bitmaps_only, char *funcs, size_t flen,
		    char *mods, size_t mlen);

#endif /* DS_FN_TARGETS_H */
