// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to VFIO_IOMMU_DIRTY_PAGES with the manual-clear flags the
 * dirtyscope series adds (GET_BITMAP_NOCLEAR, CLEAR_BITMAP), and to
 * GET_BITMAP: every case expects the errno of include/uapi/linux/vfio.h.
 * The runner checks the guest log for KASAN, lockdep and UBSAN reports.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL
#define LEN		(256UL << 10)	/* 64 pages */
#define NPAGES		(LEN / EDU_PAGE_SIZE)

#define F_GET		VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP
#define F_NOCLEAR	VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP_NOCLEAR
#define F_CLEAR		VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP

struct req {
	struct vfio_iommu_type1_dirty_bitmap hdr;
	struct vfio_iommu_type1_dirty_bitmap_get get;
};

struct bad_case {
	const char *name;
	uint32_t flags;
	void (*mangle)(struct req *r);
	int err;
};

static struct edu_dev d;
static uint64_t bits[2];

static void m_none(struct req *r __attribute__((unused))) { }
static void m_pgsize(struct req *r) { r->get.bitmap.pgsize = 2 * EDU_PAGE_SIZE; }
static void m_small_bitmap(struct req *r) { r->get.bitmap.size = 4; }
static void m_crossing(struct req *r) { r->get.size = LEN + EDU_PAGE_SIZE; }
static void m_bisecting(struct req *r) { r->get.iova += EDU_PAGE_SIZE; r->get.size -= EDU_PAGE_SIZE; }
static void m_overflow(struct req *r) { r->get.iova = ~0ULL & ~(uint64_t)(EDU_PAGE_SIZE - 1); r->get.size = 2 * EDU_PAGE_SIZE; }
static void m_unaligned(struct req *r) { r->get.iova += 1; }
static void m_zero_size(struct req *r) { r->get.size = 0; }
static void m_short_argsz(struct req *r) { r->hdr.argsz = sizeof(r->hdr) + 8; }
static void m_null_bitmap(struct req *r) { r->get.bitmap.data = NULL; }
static void m_pgsize_odd(struct req *r) { r->get.bitmap.pgsize = 3 * EDU_PAGE_SIZE; }
static uint64_t *ro_bits;	/* a read-only page */
static void m_ro_bitmap(struct req *r) { r->get.bitmap.data = (void *)ro_bits; }

static const struct bad_case cases[] = {
	{ "GET_BITMAP | CLEAR_BITMAP", F_GET | F_CLEAR, m_none, EINVAL },
	{ "GET_BITMAP_NOCLEAR | CLEAR_BITMAP", F_NOCLEAR | F_CLEAR, m_none, EINVAL },
	{ "GET_BITMAP | GET_BITMAP_NOCLEAR", F_GET | F_NOCLEAR, m_none, EINVAL },
	{ "unknown flag 1 << 5", 1 << 5, m_none, EINVAL },
	{ "CLEAR_BITMAP pgsize not the minimum", F_CLEAR, m_pgsize, EINVAL },
	{ "NOCLEAR pgsize not the minimum", F_NOCLEAR, m_pgsize, EINVAL },
	{ "CLEAR_BITMAP bitmap too small", F_CLEAR, m_small_bitmap, EINVAL },
	{ "NOCLEAR bitmap too small", F_NOCLEAR, m_small_bitmap, EINVAL },
	{ "CLEAR_BITMAP range crossing unmapped space", F_CLEAR, m_crossing, EINVAL },
	{ "CLEAR_BITMAP range bisecting a mapping", F_CLEAR, m_bisecting, EINVAL },
	{ "CLEAR_BITMAP iova + size overflows", F_CLEAR, m_overflow, EINVAL },
	{ "NOCLEAR iova + size overflows", F_NOCLEAR, m_overflow, EINVAL },
	{ "CLEAR_BITMAP iova not aligned", F_CLEAR, m_unaligned, EINVAL },
	{ "CLEAR_BITMAP zero size", F_CLEAR, m_zero_size, EINVAL },
	{ "CLEAR_BITMAP argsz without the range", F_CLEAR, m_short_argsz, EINVAL },
	{ "CLEAR_BITMAP NULL bitmap", F_CLEAR, m_null_bitmap, EFAULT },
	{ "NOCLEAR NULL bitmap", F_NOCLEAR, m_null_bitmap, EFAULT },
	{ "CLEAR_BITMAP pgsize not a power of two", F_CLEAR, m_pgsize_odd, EINVAL },
	{ "NOCLEAR pgsize not a power of two", F_NOCLEAR, m_pgsize_odd, EINVAL },
	{ "NOCLEAR zero size", F_NOCLEAR, m_zero_size, EINVAL },
	{ "NOCLEAR iova not aligned", F_NOCLEAR, m_unaligned, EINVAL },
	/* unlike GET_BITMAP, the manual-clear ranges must be mapped throughout */
	{ "NOCLEAR range reaching past the mappings", F_NOCLEAR, m_crossing, EINVAL },
	{ "NOCLEAR range bisecting a mapping", F_NOCLEAR, m_bisecting, EINVAL },
	{ "NOCLEAR argsz without the range", F_NOCLEAR, m_short_argsz, EINVAL },
	{ "CLEAR_BITMAP read-only bitmap (only read)", F_CLEAR, m_ro_bitmap, 0 },
	{ "NOCLEAR read-only bitmap (written)", F_NOCLEAR, m_ro_bitmap, EFAULT },
	{ "CLEAR_BITMAP valid", F_CLEAR, m_none, 0 },
	{ "GET_BITMAP_NOCLEAR valid", F_NOCLEAR, m_none, 0 },
};

static int run(uint32_t flags, void (*mangle)(struct req *r))
{
	struct req r = {
		.hdr = { .argsz = sizeof(r), .flags = flags },
		.get = {
			.iova = IOVA,
			.size = LEN,
			.bitmap = {
				.pgsize = EDU_PAGE_SIZE,
				.size = sizeof(bits),
				.data = (void *)bits,
			},
		},
	};

	mangle(&r);
	return ioctl(d.container_fd, VFIO_IOMMU_DIRTY_PAGES, &r) ? errno : 0;
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]), i;
	void *buf;
	int err;

	tap_plan(3 + n);
	edu_init(&d);
	if (edu_find(d.bdf, sizeof(d.bdf)) || edu_type1_open(&d))
		return tap_finish();
	ro_bits = mmap(NULL, EDU_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_bits == MAP_FAILED) {
		ro_bits = NULL;
	} else {
		ro_bits[0] = 0x5;
		mprotect(ro_bits, EDU_PAGE_SIZE, PROT_READ);
	}
	buf = edu_buf_alloc(LEN, false);
	if (!tap_ok(buf && !edu_map(&d, buf, IOVA, LEN),
		    "type1 container, %lu pages mapped", NPAGES))
		return tap_finish();

	err = run(F_CLEAR, m_none);
	tap_ok(err == EINVAL, "CLEAR_BITMAP before START: errno %d, want %d",
	       err, EINVAL);
	err = run(F_NOCLEAR, m_none);
	tap_ok(err == EINVAL,
	       "GET_BITMAP_NOCLEAR before START: errno %d, want %d", err, EINVAL);

	if (edu_type1_dirty_start(&d))
		return tap_finish();
	for (i = 0; i < n; i++) {
		err = run(cases[i].flags, cases[i].mangle);
		tap_ok(err == cases[i].err, "%s: errno %d (%s), want %d",
		       cases[i].name, err, strerror(err), cases[i].err);
	}
	edu_type1_dirty_stop(&d);
	edu_close(&d);
	return tap_finish();
}
