// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to the iommufd dirty-tracking uAPI the dirtyscope series adds:
 * IOMMU_HWPT_CLEAR_DIRTY_BITMAP and the SPLIT / MERGE flags of
 * IOMMU_HWPT_SET_DIRTY_TRACKING. Every case expects the errno documented in
 * include/uapi/linux/iommufd.h; the guest log is checked for splats (KASAN,
 * lockdep, UBSAN) by the runner.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL
#define LEN		(512UL << 10)	/* 128 pages mapped: 16 bytes of bitmap */
#define NPAGES		(LEN / EDU_PAGE_SIZE)

static struct edu_dev d;
static uint32_t hwpt, plain_hwpt;
static uint64_t bits[4] = { 0x5 };

struct clear_case {
	const char *name;
	void (*mangle)(struct iommu_hwpt_clear_dirty_bitmap *c);
	int err;
};

static void c_none(struct iommu_hwpt_clear_dirty_bitmap *c __attribute__((unused))) { }
static void c_flags(struct iommu_hwpt_clear_dirty_bitmap *c) { c->flags = 1; }
static void c_reserved(struct iommu_hwpt_clear_dirty_bitmap *c) { c->__reserved = 1; }
static void c_zero_len(struct iommu_hwpt_clear_dirty_bitmap *c) { c->length = 0; }
static void c_iova_unaligned(struct iommu_hwpt_clear_dirty_bitmap *c) { c->iova += 1; }
static void c_len_unaligned(struct iommu_hwpt_clear_dirty_bitmap *c) { c->length = EDU_PAGE_SIZE + 1; }
static void c_wrap(struct iommu_hwpt_clear_dirty_bitmap *c)
{
	c->iova = ~0ULL & ~(uint64_t)(EDU_PAGE_SIZE - 1);
	c->length = 2 * EDU_PAGE_SIZE;
}
static void c_pgsize_zero(struct iommu_hwpt_clear_dirty_bitmap *c) { c->page_size = 0; }
static void c_pgsize_big(struct iommu_hwpt_clear_dirty_bitmap *c) { c->page_size = 2 * EDU_PAGE_SIZE; }
static void c_pgsize_odd(struct iommu_hwpt_clear_dirty_bitmap *c) { c->page_size = 3000; }
static void c_unmapped(struct iommu_hwpt_clear_dirty_bitmap *c) { c->iova += 16UL << 20; }
static void c_crossing(struct iommu_hwpt_clear_dirty_bitmap *c) { c->iova += LEN / 2; }
static void c_null_data(struct iommu_hwpt_clear_dirty_bitmap *c) { c->data = 0; }
static void c_plain_hwpt(struct iommu_hwpt_clear_dirty_bitmap *c) { c->hwpt_id = plain_hwpt; }
static void c_bad_hwpt(struct iommu_hwpt_clear_dirty_bitmap *c) { c->hwpt_id = 0xfffff; }
static void c_short_size(struct iommu_hwpt_clear_dirty_bitmap *c) { c->size = 8; }

static void c_ioas_id(struct iommu_hwpt_clear_dirty_bitmap *c) { c->hwpt_id = d.ioas_id; }
static void c_dev_id(struct iommu_hwpt_clear_dirty_bitmap *c) { c->hwpt_id = d.dev_id; }

/* The struct is followed by 8 more bytes; these send them */
static uint64_t tail;
static void c_big_tail(struct iommu_hwpt_clear_dirty_bitmap *c)
{
	c->size = sizeof(*c) + sizeof(tail);
	tail = 1;
}
static void c_big_zero(struct iommu_hwpt_clear_dirty_bitmap *c)
{
	c->size = sizeof(*c) + sizeof(tail);
	tail = 0;
}

static uint64_t *ro_bitmap;	/* a read-only page: CLEAR only reads it */
static void c_ro_bitmap(struct iommu_hwpt_clear_dirty_bitmap *c) { c->data = (uintptr_t)ro_bitmap; }
static uint8_t *hole_page;	/* an inaccessible page */
static void c_unmapped_bitmap(struct iommu_hwpt_clear_dirty_bitmap *c) { c->data = (uintptr_t)hole_page; }

static uint64_t *short_bitmap;	/* last 8 bytes before an inaccessible page */
static void c_short_bitmap(struct iommu_hwpt_clear_dirty_bitmap *c)
{
	c->data = (uintptr_t)short_bitmap;	/* 8 bytes readable, 16 needed */
}

static const struct clear_case clear_cases[] = {
	{ "valid call", c_none, 0 },
	{ "flags != 0", c_flags, EOPNOTSUPP },
	{ "__reserved != 0", c_reserved, EOPNOTSUPP },
	{ "zero length", c_zero_len, EINVAL },
	{ "iova not page aligned", c_iova_unaligned, EINVAL },
	{ "length not page aligned", c_len_unaligned, EINVAL },
	{ "iova + length wraps", c_wrap, EOVERFLOW },
	{ "page_size 0", c_pgsize_zero, EINVAL },
	{ "page_size not the smallest", c_pgsize_big, EINVAL },
	{ "page_size not a power of two", c_pgsize_odd, EINVAL },
	{ "range not mapped", c_unmapped, EINVAL },
	{ "range crossing the end of the mapping", c_crossing, EINVAL },
	{ "NULL bitmap", c_null_data, EFAULT },
	{ "bitmap too short", c_short_bitmap, EFAULT },
	{ "HWPT without dirty tracking", c_plain_hwpt, EOPNOTSUPP },
	{ "no such HWPT", c_bad_hwpt, ENOENT },
	{ "size smaller than the struct", c_short_size, EINVAL },
	{ "size larger than the struct, non-zero tail", c_big_tail, E2BIG },
	{ "size larger than the struct, zero tail", c_big_zero, 0 },
	{ "hwpt_id names the IOAS", c_ioas_id, ENOENT },
	{ "hwpt_id names the device", c_dev_id, ENOENT },
	{ "read-only bitmap (only read)", c_ro_bitmap, 0 },
	{ "bitmap pointer to an inaccessible page", c_unmapped_bitmap, EFAULT },
};

/*
 * A read that finds a dirty page it cannot record in the user's bitmap (a
 * read-only one) fails: kernel patch 47 (upstream returned 0, the dirty
 * state already cleared and the page lost).
 */
static void ro_read_case(void)
{
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = hwpt, .iova = IOVA,
		.length = LEN, .page_size = EDU_PAGE_SIZE,
		.data = (uintptr_t)ro_bitmap,
	};
	int err = -1;

	if (ro_bitmap && !edu_enable(&d) && !edu_iommufd_set_dirty(&d, hwpt, true) &&
	    !edu_dma_to_ram(&d, IOVA + 3 * EDU_PAGE_SIZE, edu_default_dma_size()))
		err = ioctl(d.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g) ? errno : 0;
	tap_ok(err == EFAULT,
	       "GET_DIRTY_BITMAP of a written page into a read-only bitmap: %s",
	       err < 0 ? "setup failed" : strerror(err));
}

struct flags_case {
	const char *name;
	uint32_t flags;
	bool plain;
	int err;
};

static const struct flags_case flags_cases[] = {
	{ "SPLIT without ENABLE", IOMMU_HWPT_DIRTY_TRACKING_SPLIT, false, EINVAL },
	{ "MERGE with ENABLE", IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
	  IOMMU_HWPT_DIRTY_TRACKING_MERGE, false, EINVAL },
	{ "unknown flag 1 << 3", IOMMU_HWPT_DIRTY_TRACKING_ENABLE | (1 << 3),
	  false, EOPNOTSUPP },
	{ "SPLIT on a HWPT without dirty tracking",
	  IOMMU_HWPT_DIRTY_TRACKING_ENABLE | IOMMU_HWPT_DIRTY_TRACKING_SPLIT,
	  true, EOPNOTSUPP },
	{ "ENABLE | SPLIT", IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
	  IOMMU_HWPT_DIRTY_TRACKING_SPLIT, false, 0 },
	{ "MERGE", IOMMU_HWPT_DIRTY_TRACKING_MERGE, false, 0 },
	{ "SPLIT | MERGE", IOMMU_HWPT_DIRTY_TRACKING_SPLIT |
	  IOMMU_HWPT_DIRTY_TRACKING_MERGE, false, EINVAL },
	{ "ENABLE | SPLIT | MERGE", IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
	  IOMMU_HWPT_DIRTY_TRACKING_SPLIT | IOMMU_HWPT_DIRTY_TRACKING_MERGE,
	  false, EINVAL },
	{ "MERGE on a HWPT without dirty tracking",
	  IOMMU_HWPT_DIRTY_TRACKING_MERGE, true, EOPNOTSUPP },
};

static int errno_of(int ret)
{
	return ret < 0 ? errno : 0;
}

static void run_clear_case(const struct clear_case *t)
{
	struct {
		struct iommu_hwpt_clear_dirty_bitmap c;
		uint64_t tail;
	} arg = { .c = {
		.size = sizeof(arg.c),
		.hwpt_id = hwpt,
		.iova = IOVA,
		.length = LEN,
		.page_size = EDU_PAGE_SIZE,
		.data = (uintptr_t)bits,
	} };
	int err;

	_Static_assert(sizeof(arg.c) % 8 == 0 &&
		       sizeof(arg) == sizeof(arg.c) + sizeof(arg.tail),
		       "the tail follows the struct directly");
	tail = ~0ULL;	/* sent only by a case that makes size cover it */
	t->mangle(&arg.c);
	arg.tail = tail;
	err = errno_of(ioctl(d.iommufd, IOMMU_HWPT_CLEAR_DIRTY_BITMAP, &arg));
	tap_ok(err == t->err, "CLEAR_DIRTY_BITMAP %s: errno %d (%s), want %d",
	       t->name, err, strerror(err), t->err);
}

static void run_flags_case(const struct flags_case *t)
{
	struct iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s),
		.flags = t->flags,
		.hwpt_id = t->plain ? plain_hwpt : hwpt,
	};
	int err;

	err = errno_of(ioctl(d.iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &s));
	tap_ok(err == t->err, "SET_DIRTY_TRACKING %s: errno %d (%s), want %d",
	       t->name, err, strerror(err), t->err);
}

/* SET_DIRTY_TRACKING on an ID that is no HWPT */
static void run_bad_id(const char *what, uint32_t id)
{
	struct iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		.hwpt_id = id,
	};
	int err = errno_of(ioctl(d.iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &s));

	tap_ok(err == ENOENT, "SET_DIRTY_TRACKING on %s: errno %d (%s), want %d",
	       what, err, strerror(err), ENOENT);
}

int main(void)
{
	size_t nclear = sizeof(clear_cases) / sizeof(clear_cases[0]);
	size_t nflags = sizeof(flags_cases) / sizeof(flags_cases[0]);
	uint8_t *guard;
	void *buf;
	size_t i;

	tap_plan(1 + nclear + nflags + 3 + 1);
	edu_init(&d);
	if (edu_find(d.bdf, sizeof(d.bdf)) || edu_iommufd_open(&d))
		return tap_finish();

	/* Two pages: the second inaccessible, the bitmap ends the first */
	guard = mmap(NULL, 2 * EDU_PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = edu_buf_alloc(LEN, false);
	if (!tap_ok(guard != MAP_FAILED && buf &&
		    !mprotect(guard + EDU_PAGE_SIZE, EDU_PAGE_SIZE, PROT_NONE) &&
		    !edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					    &hwpt) &&
		    !edu_iommufd_hwpt_alloc(&d, 0, &plain_hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) &&
		    !edu_map(&d, buf, IOVA, LEN),
		    "setup: dirty and plain HWPTs, %lu pages mapped", NPAGES))
		return tap_finish();
	short_bitmap = (uint64_t *)(guard + EDU_PAGE_SIZE - sizeof(uint64_t));
	*short_bitmap = ~0ULL;
	hole_page = guard + EDU_PAGE_SIZE;
	ro_bitmap = mmap(NULL, EDU_PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_bitmap == MAP_FAILED) {
		ro_bitmap = NULL;	/* the case then fails with EFAULT */
	} else {
		ro_bitmap[0] = 0x5;
		mprotect(ro_bitmap, EDU_PAGE_SIZE, PROT_READ);
	}

	for (i = 0; i < nclear; i++)
		run_clear_case(&clear_cases[i]);
	for (i = 0; i < nflags; i++)
		run_flags_case(&flags_cases[i]);
	run_bad_id("an unknown ID", 0xfffff);
	run_bad_id("the IOAS", d.ioas_id);
	run_bad_id("the device", d.dev_id);
	ro_read_case();

	edu_close(&d);
	return tap_finish();
}
