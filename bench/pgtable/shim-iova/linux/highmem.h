/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable stand-in for what drivers/iommu/iommufd/iova_bitmap.c
 * needs of <linux/highmem.h> and <linux/mm.h>: a "struct page" is the
 * address of a copy of the pinned user page.
 */
#ifndef DS_IOVA_MM_H
#define DS_IOVA_MM_H

#include "../../shim/ds_kernel.h"

struct page;

#define FOLL_WRITE	0x1
#define offset_in_page(p)	((unsigned long)(p) & (PAGE_SIZE - 1))

/*
 * "Pinning" copies each user page into a buffer of its own and unpinning
 * copies it back: the pages of a pinned range are not contiguous, as in
 * the kernel, and AddressSanitizer catches an access past one of them.
 */
extern unsigned long ds_pinned;
struct ds_pin {
	void *buf;
	unsigned long uaddr;
};
extern struct ds_pin ds_pins[1024];

static inline long pin_user_pages_fast(unsigned long start, int nr_pages,
				       unsigned int gup_flags,
				       struct page **pages)
{
	int i, j;

	start &= PAGE_MASK;
	for (i = 0; i < nr_pages; i++) {
		void *buf = malloc(PAGE_SIZE);

		memcpy(buf, (void *)(start + i * PAGE_SIZE), PAGE_SIZE);
		for (j = 0; ds_pins[j].buf; j++)
			;
		ds_pins[j].buf = buf;
		ds_pins[j].uaddr = start + i * PAGE_SIZE;
		pages[i] = (struct page *)buf;
	}
	ds_pinned += nr_pages;
	return nr_pages;
}

static inline void unpin_user_pages(struct page **pages, unsigned long npages)
{
	unsigned long i;
	int j;

	for (i = 0; i < npages; i++) {
		for (j = 0; ds_pins[j].buf != (void *)pages[i]; j++)
			;
		memcpy((void *)ds_pins[j].uaddr, ds_pins[j].buf, PAGE_SIZE);
		free(ds_pins[j].buf);
		ds_pins[j].buf = NULL;
	}
	ds_pinned -= npages;
}

static inline void *kmap_local_page(struct page *page) { return page; }
static inline void kunmap_local(const void *addr) { }

static inline unsigned long __get_free_page(gfp_t gfp)
{
	return (unsigned long)aligned_alloc(PAGE_SIZE, PAGE_SIZE);
}

static inline void free_page(unsigned long addr) { free((void *)addr); }

#endif
