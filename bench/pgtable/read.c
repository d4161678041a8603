// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: the memory-bandwidth bound of a dirty scan, a plain
 * sequential read of the same last-level tables (OR of every word, four
 * accumulators), compiled with the same kernel-like flags as the walkers.
 */
#include "harness.h"

u64 ds_plain_read(u64 *const *tables, size_t ntables, size_t ptes)
{
	u64 a = 0, b = 0, c = 0, d = 0;
	size_t t, i;

	for (t = 0; t < ntables; t++) {
		const u64 *p = tables[t];

		for (i = 0; i < ptes; i += 4) {
			a |= p[i];
			b |= p[i + 1];
			c |= p[i + 2];
			d |= p[i + 3];
		}
	}
	return a | b | c | d;
}

/*
 * The floor of clearing every descriptor: one relaxed atomic OR of AP[2]
 * per descriptor (set_bit() in the kernel), nothing else.
 */
void ds_atomic_pass(u64 *const *tables, size_t ntables, size_t ptes)
{
	size_t t, i;

	for (t = 0; t < ntables; t++)
		for (i = 0; i < ptes; i++)
			__atomic_fetch_or(&tables[t][i], DS_PTE_AP_RDONLY,
					  __ATOMIC_RELAXED);
}
