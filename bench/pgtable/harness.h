/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable: what the harness programs (bench, fuzz, kunit) share
 * with the compiled kernel files.
 */
#ifndef DS_HARNESS_H
#define DS_HARNESS_H

#include "ds_kernel.h"
#include "linux/io-pgtable.h"

/* Stage-1 descriptor bits the harness reads and the "SMMU" writes */
#define DS_PTE_TYPE_MASK	3ULL
#define DS_PTE_AP_RDONLY	(1ULL << 7)
#define DS_PTE_DBM		(1ULL << 51)
#define DS_PTE_WRITABLE_DIRTY(pte) \
	(((pte) & (DS_PTE_DBM | DS_PTE_AP_RDONLY)) == DS_PTE_DBM)

/* ours.c: helpers compiled with the file under test */
u64 *ds_leaf(struct io_pgtable_ops *ops, unsigned long iova, int *lvlp);
u64 *ds_leaf_table(struct io_pgtable_ops *ops, unsigned long iova);
unsigned long ds_leaf_size(struct io_pgtable_ops *ops, int lvl);
u64 ds_pte_to_paddr(struct io_pgtable_ops *ops, u64 pte);
void ds_for_each_table(struct io_pgtable_ops *ops,
		       void (*fn)(u64 *table, int lvl, void *arg), void *arg);

/* upstream.c: Linux 6.12's scan, run on tables built by the file under test */
int upstream_read_and_clear_dirty(struct io_pgtable_ops *ops,
				  unsigned long iova, size_t size,
				  unsigned long flags,
				  struct iommu_dirty_bitmap *dirty);

/* read.c: the plain sequential read of the same descriptor bytes */
u64 ds_plain_read(u64 *const *tables, size_t ntables, size_t ptes);
void ds_atomic_pass(u64 *const *tables, size_t ntables, size_t ptes);

/* The SMMU's HTTU update of one leaf: writable-clean -> writable-dirty */
static inline bool ds_hw_dirty(u64 *ptep)
{
	if (!(READ_ONCE(*ptep) & DS_PTE_DBM))
		return false;
	__atomic_fetch_and(ptep, ~DS_PTE_AP_RDONLY, __ATOMIC_RELAXED);
	return true;
}

#endif
