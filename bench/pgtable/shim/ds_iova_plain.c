// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: the plain IOVA bitmap behind iommu_dirty_bitmap_record()
 * in the benchmark and the fuzzer (struct iova_bitmap of shim/linux/
 * iommu.h): bit n stands for the page at iova + (n << pgshift).  Out of
 * line, as the kernel's iova_bitmap_set() is.
 */
#include "ds_kernel.h"
#include "linux/iommu.h"

__attribute__((noinline))
void iova_bitmap_set(struct iova_bitmap *bitmap, unsigned long iova,
		     size_t length)
{
	unsigned long last = iova + length - 1;
	unsigned long blast = bitmap->iova + bitmap->length - 1;
	unsigned long first_bit, last_bit;

	bitmap->calls++;
	if (!length || last < bitmap->iova || iova > blast)
		return;
	iova = max(iova, bitmap->iova);
	last = min(last, blast);
	first_bit = (iova - bitmap->iova) >> bitmap->pgshift;
	last_bit = (last - bitmap->iova) >> bitmap->pgshift;
	bitmap_set(bitmap->bits, first_bit, last_bit - first_bit + 1);
}

/* Plain-bitmap analogue of a word-wise iova_bitmap_set_mask() */
__attribute__((noinline))
void iova_bitmap_set_mask(struct iova_bitmap *bitmap, unsigned long iova,
			  unsigned int pgshift, u64 mask)
{
	unsigned long off = iova - bitmap->iova, bit;

	if (pgshift == bitmap->pgshift && iova >= bitmap->iova &&
	    !(off & ((1UL << pgshift) - 1)) &&
	    (off >> pgshift) + 64 <= bitmap->length >> pgshift) {
		bitmap->calls++;
		bit = off >> pgshift;
		bitmap->bits[bit / BITS_PER_LONG] |= mask << (bit % BITS_PER_LONG);
		if (bit % BITS_PER_LONG)
			bitmap->bits[bit / BITS_PER_LONG + 1] |=
				mask >> (BITS_PER_LONG - bit % BITS_PER_LONG);
		return;
	}
	while (mask) {
		unsigned long first = __ffs(mask);
		unsigned long run = ~(mask >> first) ? ffz(mask >> first) :
				    64 - first;

		iova_bitmap_set(bitmap, iova + (first << pgshift), run << pgshift);
		mask &= run + first >= 64 ? 0 : ~0UL << (first + run);
	}
}
