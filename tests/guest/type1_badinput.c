// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to VFIO_IOMMU_DIRTY_PAGES with the manual-clear flags the
 * dirtyscope series adds (GET_BITMAP_NOCLEAR, CLEAR_BITMAP), and to
 * GET_BITMAP: every case expects the errno of include/uapi/linux/vfio.h.
 * Last, a clear across two mappings whose second one starts at a bit that
 * is not a multiple of 64 in the user's bitmap clears exactly its bit.
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
#define IOVA2		0x2000000ULL	/* 5 pages, then 64 pages */
#define NPAGES_A	5
#define NPAGES_B	64

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

static bool bits_are(const uint64_t *got, const unsigned int *want,
		     size_t nwant)
{
	uint64_t exp[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < nwant; i++)
		exp[want[i] / 64] |= 1ULL << (want[i] % 64);
	if (got[0] == exp[0] && got[1] == exp[1])
		return true;
	tap_diag("bitmap 0x%016llx%016llx, want 0x%016llx%016llx",
		 (unsigned long long)got[1], (unsigned long long)got[0],
		 (unsigned long long)exp[1], (unsigned long long)exp[0]);
	return false;
}

/*
 * Mapping A (5 pages) and mapping B (64 pages) back to back at IOVA2: B's
 * first page is bit 5 of the bitmap of the whole range.  DMA writes A's page
 * 2 and B's pages 3 and 10 (bits 2, 8, 15); a clear of bit 8 alone must
 * leave bits 2 and 15.
 */
static void clear_at_offset(void)
{
	static const unsigned int written[] = { 2, NPAGES_A + 3, NPAGES_A + 10 };
	static const unsigned int left[] = { 2, NPAGES_A + 10 };
	size_t len = (NPAGES_A + NPAGES_B) * EDU_PAGE_SIZE, i;
	void *a = edu_buf_alloc(NPAGES_A * EDU_PAGE_SIZE, false);
	void *b = edu_buf_alloc(NPAGES_B * EDU_PAGE_SIZE, false);
	uint64_t got[2] = { 0, 0 }, clear[2] = { 0, 0 };
	size_t dma_len = edu_default_dma_size();
	bool ok;

	ok = a && b && !edu_map(&d, a, IOVA2, NPAGES_A * EDU_PAGE_SIZE) &&
	     !edu_map(&d, b, IOVA2 + NPAGES_A * EDU_PAGE_SIZE,
		      NPAGES_B * EDU_PAGE_SIZE) &&
	     !edu_enable(&d) && !edu_type1_dirty_op(&d, F_GET, IOVA2, len, got);
	for (i = 0; ok && i < sizeof(written) / sizeof(written[0]); i++)
		ok = !edu_dma_to_ram(&d, IOVA2 + written[i] * EDU_PAGE_SIZE,
				     dma_len);
	ok = ok && !edu_type1_dirty_op(&d, F_NOCLEAR, IOVA2, len, got);
	tap_ok(ok && bits_are(got, written, 3),
	       "two mappings (5 + 64 pages) back to back, DMA to bits 2, 8, 15: "
	       "GET_BITMAP_NOCLEAR reports exactly those");
	clear[0] = 1ULL << (NPAGES_A + 3);
	tap_ok(ok && !edu_type1_dirty_op(&d, F_CLEAR, IOVA2, len, clear),
	       "CLEAR_BITMAP of bit 8 (page 3 of the second mapping, at bit "
	       "offset 5)");
	ok = ok && !edu_type1_dirty_op(&d, F_NOCLEAR, IOVA2, len, got);
	tap_ok(ok && bits_are(got, left, 2),
	       "afterwards exactly bits 2 and 15 are dirty");
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]), i;
	void *buf;
	int err;

	tap_plan(3 + n + 3);
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
	clear_at_offset();
	edu_type1_dirty_stop(&d);
	edu_close(&d);
	return tap_finish();
}
