// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: out-of-line parts of the kernel stand-in (ds_kernel.h):
 * page allocation, bitmap helpers and WARN accounting.
 */
#include "ds_kernel.h"

unsigned long ds_warn_count;
bool ds_warn_quiet;
unsigned long ds_pages_allocated;

void ds_warn(const char *file, int line, const char *cond)
{
	ds_warn_count++;
	if (!ds_warn_quiet)
		fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
}

void *iommu_alloc_pages_node(int nid, gfp_t gfp, int order)
{
	size_t size = PAGE_SIZE << order;
	void *p = aligned_alloc(size, size);

	if (!p)
		return NULL;
	/* Descriptors hold output addresses in bits 47:12 */
	if ((uintptr_t)p >> 47) {
		fprintf(stderr, "page above 2^47: %p\n", p);
		abort();
	}
	memset(p, 0, size);
	ds_pages_allocated += 1UL << order;
	return p;
}

void iommu_free_pages(void *virt, int order)
{
	if (!virt)
		return;
	ds_pages_allocated -= 1UL << order;
	free(virt);
}

unsigned long ds_find_next_bit(const unsigned long *addr, unsigned long size,
			       unsigned long offset, bool zero)
{
	while (offset < size) {
		unsigned long w = addr[BIT_WORD(offset)];

		if (zero)
			w = ~w;
		w &= ~0UL << (offset % BITS_PER_LONG);
		if (w) {
			offset = ALIGN_DOWN(offset, BITS_PER_LONG) + __ffs(w);
			return min(offset, size);
		}
		offset = ALIGN_DOWN(offset, BITS_PER_LONG) + BITS_PER_LONG;
	}
	return size;
}

static void bitmap_op(unsigned long *map, unsigned int start,
		      unsigned int nbits, bool set)
{
	unsigned int end = start + nbits;

	while (start < end) {
		unsigned int n = min(end - start,
				     BITS_PER_LONG - start % BITS_PER_LONG);
		unsigned long mask = (n == BITS_PER_LONG ? ~0UL : (BIT(n) - 1)) <<
				     (start % BITS_PER_LONG);

		if (set)
			map[BIT_WORD(start)] |= mask;
		else
			map[BIT_WORD(start)] &= ~mask;
		start += n;
	}
}

void bitmap_set(unsigned long *map, unsigned int start, unsigned int nbits)
{
	bitmap_op(map, start, nbits, true);
}

void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits)
{
	bitmap_op(map, start, nbits, false);
}
