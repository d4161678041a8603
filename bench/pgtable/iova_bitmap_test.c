// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: checks the kernel tree's iova_bitmap_set_mask()
 * (drivers/iommu/iommufd/iova_bitmap.c, compiled here with "pinned" user
 * pages that are plain memory) against one iova_bitmap_set() per set
 * bit (per run where the mask reaches past the end of the range), on
 * random masks: page sizes equal to the bitmap's and not, masks
 * at word offsets, across bitmap pages, across the 2MiB windows of
 * pinned bitmap data, and overhanging the end of the range; and that no
 * bit past the range's last one is ever set (the user's memory after
 * the bitmap: the series keeps records inside the range).  The count of
 * iova_bitmap_nr_set() (kernel patch 48) must be the same both ways after
 * every call, and at the end the number of bits the calls turned on: the
 * caller's own bits, set before, and bits recorded twice count once.
 *
 * Usage: iova_bitmap_test [iterations]
 */
#include "ds_kernel.h"
#include "linux/highmem.h"
#include "linux/iova_bitmap.h"

unsigned long ds_pinned;
struct ds_pin ds_pins[1024];

static u64 rng_state = 0x2545f4914f6cdd1dULL;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 rnd_mask(void)
{
	switch (rnd() % 6) {
	case 0: return ~0ULL;
	case 1: return 1ULL << (rnd() % 64);
	case 2: return rnd() & rnd() & rnd();
	case 3: return (~0ULL >> (rnd() % 64)) << (rnd() % 8);
	default: return rnd();
	}
}

#define FAIL(...) do { fprintf(stderr, "iova_bitmap_test: " __VA_ARGS__); \
	fputc('\n', stderr); exit(1); } while (0)

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 300, it;
	unsigned long calls = 0;

	for (it = 0; it < iters; it++) {
		unsigned int bshift = rnd() % 4 ? 12 : 13;
		/* Sometimes more than one 2MiB window of bitmap data */
		unsigned long nbits = it % 10 == 0 ? (1UL << 24) + 4096 +
				      rnd() % 100000 : 64 + rnd() % 200000;
		unsigned long base = (rnd() % 1024) << 30;
		unsigned long length = nbits << bshift;
		size_t words = nbits / 64 + 2;
		/* A bitmap that is not page-aligned, as a user's may be */
		/* Slack: pinning may take one page more than the bitmap spans */
		size_t bytes = ALIGN((words + 64) * 8, 4096) + 4096;
		u64 *bufa = aligned_alloc(4096, bytes);
		u64 *bufb = aligned_alloc(4096, bytes);
		u64 *ua = bufa + (rnd() % 2) * 8, *ub = bufb + (ua - bufa);
		struct iova_bitmap *a, *b;
		int k;

		unsigned long before = 0, after = 0, w, nr;

		memset(bufa, 0, bytes);
		memset(bufb, 0, bytes);
		/* the caller's bits: reports OR into them, they do not count */
		for (k = 0; k < 16; k++) {
			unsigned long bit = rnd() % nbits;

			ua[bit / 64] |= 1ULL << (bit % 64);
			ub[bit / 64] |= 1ULL << (bit % 64);
		}
		for (w = 0; w < words; w++)
			before += __builtin_popcountll(ua[w]);
		a = iova_bitmap_alloc(base, length, 1UL << bshift, ua);
		b = iova_bitmap_alloc(base, length, 1UL << bshift, ub);
		if (IS_ERR(a) || IS_ERR(b))
			FAIL("alloc");
		for (k = 0; k < 400; k++) {
			unsigned int pgshift = rnd() % 5 ? bshift : 12 + 13 - bshift;
			unsigned long span = 64UL << pgshift;
			unsigned long off, iova;
			bool inside;
			u64 mask = rnd_mask(), m;

			switch (rnd() % 4) {
			case 0:	/* near the end of a 2MiB window of bitmap data */
				off = ((1UL << 24) - rnd() % 128) << bshift;
				break;
			case 1:	/* overhanging the end of the range */
				off = length - (rnd() % 64 + 1) * (1UL << pgshift);
				break;
			default:
				off = (rnd() % (nbits + 64)) << bshift;
			}
			if (off >= length)
				off = rnd() % (length / span + 1) * span;
			if (off >= length)
				off = 0;
			iova = base + ALIGN_DOWN(off, 1UL << pgshift);

			iova_bitmap_set_mask(a, iova, pgshift, mask);
			/*
			 * The contract: one iova_bitmap_set() per run of set
			 * bits.  Inside the range that is also one per bit;
			 * past its end both set nothing.
			 */
			inside = iova + span <= base + length;
			for (m = mask; m;) {
				unsigned long first = __ffs64(m);
				unsigned long run = inside ? 1 : ~(m >> first) ?
						    __ffs64(~(m >> first)) : 64 - first;

				iova_bitmap_set(b, iova + (first << pgshift),
						run << pgshift);
				m &= run + first >= 64 ? 0 : ~0ULL << (first + run);
			}
			calls++;
			for (m = nbits; m < (u64)(bytes / 8 - (ua - bufa)) * 64; m++)
				if (ua[m / 64] >> (m % 64) & 1)
					FAIL("iteration %d/%d: bit %llu set past the range's %lu bits (iova %lx, mask %llx)",
					     it, k, (unsigned long long)m, nbits,
					     iova, (unsigned long long)mask);
			if (memcmp(bufa, bufb, bytes)) {
				size_t w;

				for (w = 0; w < bytes / 8; w++)
					if (bufa[w] != bufb[w])
						fprintf(stderr, "word %zu (bit %zu of the bitmap): mask %016llx, per bit %016llx\n",
							w, (w - (ua - bufa)) * 64,
							(unsigned long long)bufa[w],
							(unsigned long long)bufb[w]);
				FAIL("iteration %d/%d: bitmaps differ (base %lx, bitmap page %u, mask page %u, iova %lx, mask %llx)",
				     it, k, base, 1U << bshift, 1U << pgshift,
				     iova, (unsigned long long)mask);
			}
			if (iova_bitmap_nr_set(a) != iova_bitmap_nr_set(b))
				FAIL("iteration %d/%d: nr_set %lu by masks, %lu per bit (iova %lx, mask %llx)",
				     it, k, iova_bitmap_nr_set(a),
				     iova_bitmap_nr_set(b), iova,
				     (unsigned long long)mask);
		}
		nr = iova_bitmap_nr_set(a);
		/* (the shim's pinned pages reach the user's memory at unpin) */
		iova_bitmap_free(a);
		iova_bitmap_free(b);
		for (w = 0; w < words; w++)
			after += __builtin_popcountll(ua[w]);
		if (nr != after - before)
			FAIL("iteration %d: nr_set %lu, but the calls turned on %lu bits",
			     it, nr, after - before);
		free(bufa);
		free(bufb);
	}
	if (ds_pinned)
		FAIL("%lu pages left pinned", ds_pinned);
	printf("iova_bitmap_test: %d bitmaps, %lu masks: iova_bitmap_set_mask() == iova_bitmap_set() per bit (per run past the end), nothing set past the range, nr_set = the bits turned on\n",
	       iters, calls);
	return 0;
}
