// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: the io-pgtable-arm.c under test (the patched kernel
 * tree's, path from the Makefile), compiled against the stand-in
 * headers, plus helpers that let the harness look at descriptors.
 */
#include "ds_kernel.h"
#include DS_PGTABLE_C
#include "harness.h"

static struct arm_lpae_io_pgtable *ds_data(struct io_pgtable_ops *ops)
{
	return io_pgtable_ops_to_data(ops);
}

u64 *ds_leaf(struct io_pgtable_ops *ops, unsigned long iova, int *lvlp)
{
	struct arm_lpae_io_pgtable *data = ds_data(ops);
	arm_lpae_iopte *ptep = data->pgd, pte;
	int lvl;

	for (lvl = data->start_level; lvl < ARM_LPAE_MAX_LEVELS; lvl++) {
		ptep += ARM_LPAE_LVL_IDX(iova, lvl, data);
		pte = READ_ONCE(*ptep);
		if (iopte_leaf(pte, lvl, data->iop.fmt)) {
			if (lvlp)
				*lvlp = lvl;
			return ptep;
		}
		if (!iopte_table(pte, lvl))
			return NULL;
		ptep = iopte_deref(pte, data);
	}
	return NULL;
}

/* The last-level table that holds the leaf for @iova, or NULL */
u64 *ds_leaf_table(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct arm_lpae_io_pgtable *data = ds_data(ops);
	int lvl;
	u64 *ptep = ds_leaf(ops, iova, &lvl);

	if (!ptep || lvl != ARM_LPAE_MAX_LEVELS - 1)
		return NULL;
	return ptep - ARM_LPAE_LVL_IDX(iova, lvl, data);
}

unsigned long ds_leaf_size(struct io_pgtable_ops *ops, int lvl)
{
	return ARM_LPAE_BLOCK_SIZE(lvl, ds_data(ops));
}

u64 ds_pte_to_paddr(struct io_pgtable_ops *ops, u64 pte)
{
	return iopte_to_paddr(pte, ds_data(ops));
}

/* Visit every table page (any level) with its level */
static void ds_walk_tables(struct arm_lpae_io_pgtable *data, u64 *ptep,
			   int lvl, void (*fn)(u64 *, int, void *), void *arg)
{
	u32 i, n = lvl == data->start_level ?
		   ARM_LPAE_PGD_SIZE(data) / sizeof(u64) :
		   ARM_LPAE_PTES_PER_TABLE(data);

	fn(ptep, lvl, arg);
	if (lvl == ARM_LPAE_MAX_LEVELS - 1)
		return;
	for (i = 0; i < n; i++)
		if (iopte_table(ptep[i], lvl))
			ds_walk_tables(data, iopte_deref(ptep[i], data),
				       lvl + 1, fn, arg);
}

void ds_for_each_table(struct io_pgtable_ops *ops,
		       void (*fn)(u64 *table, int lvl, void *arg), void *arg)
{
	struct arm_lpae_io_pgtable *data = ds_data(ops);

	ds_walk_tables(data, data->pgd, data->start_level, fn, arg);
}
