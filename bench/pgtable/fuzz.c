// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: libFuzzer target.  Each input is a sequence of
 * operations on one 4KiB-granule stage-1 table with HTTU dirty tracking:
 *
 *   map, unmap, split_blocks, merge_pages, simulated SMMU writes (one page
 *   or a burst), clear_dirty by bitmap, read_and_clear_dirty (with and
 *   without clearing)
 *
 * applied both to the table and to a reference model, an array with one
 * entry per 4KiB page of a 1GiB window: {mapped, output address, attribute
 * set, leaf size, dirty}.  After each operation the pages it touched are
 * checked: translation, leaf size, DBM and dirty state.  Every scan runs
 * twice on the same descriptors, upstream 6.12's walk and the file under
 * test's.  Where no leaf straddles an end of the range they must agree
 * exactly (return value, bitmap, gather range, dirty count, descriptors
 * afterwards); where one does, upstream's walk skips the start of the
 * next table and records the whole straddling leaf (fixed in the series),
 * and only the model judges.  Where the range has no hole the result must
 * be the model's: a dirty leaf's pages inside the range, every page of
 * the range read.
 */
#include "harness.h"
#include "linux/iommu.h"

#define WBASE		(4ULL << 30)		/* the 1GiB window */
#define WPAGES		(1UL << 18)
#define PA_BASE		(1ULL << 40)
#define HOT_PAGES	4096			/* first 16MiB: most ops */
#define SHIFT_4K	12
#define SHIFT_2M	21
#define SHIFT_1G	30

struct mpage {
	u32 pfn;
	u8 mapped, writable, dirty, shift, attr;
};

static struct mpage *model;
static struct io_pgtable_ops *ops;
static struct io_pgtable_cfg cfg;
static struct device dev = { .numa_node = NUMA_NO_NODE };
static unsigned long *bits_up, *bits_ours, *clear_bits;
static const int attrs[3] = {
	IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE,
	IOMMU_READ | IOMMU_CACHE,
	IOMMU_READ | IOMMU_WRITE,
};

#define FAIL(...) do { fprintf(stderr, "fuzz: " __VA_ARGS__); \
	fputc('\n', stderr); abort(); } while (0)
#define CHECK(c, ...) do { if (!(c)) FAIL(__VA_ARGS__); } while (0)

static void tlb_flush_all(void *cookie) { }
static void tlb_flush_walk(unsigned long iova, size_t size, size_t granule,
			   void *cookie) { }
static void tlb_add_page(struct iommu_iotlb_gather *gather, unsigned long iova,
			 size_t granule, void *cookie) { }
static const struct iommu_flush_ops tlb_ops = {
	.tlb_flush_all = tlb_flush_all,
	.tlb_flush_walk = tlb_flush_walk,
	.tlb_add_page = tlb_add_page,
};

/* Input reader: zeros once the input is used up */
struct in {
	const u8 *d;
	size_t n;
};

static u32 get(struct in *in, int bytes)
{
	u32 v = 0;

	while (bytes--) {
		v <<= 8;
		if (in->n) {
			v |= *in->d++;
			in->n--;
		}
	}
	return v;
}

static u64 iova_of(u64 page) { return WBASE + (page << 12); }

static u64 leaf_base(u64 p)
{
	return p & ~((1UL << (model[p].shift - 12)) - 1);
}

static u64 leaf_pages(u64 p) { return 1UL << (model[p].shift - 12); }

/* Check one page against the table */
static void check_page(u64 p)
{
	struct mpage *m = &model[p];
	phys_addr_t pa = ops->iova_to_phys(ops, iova_of(p) + 0x123);
	int lvl;
	u64 *ptep;

	if (!m->mapped) {
		CHECK(!pa, "page %llx unmapped but translates", (unsigned long long)p);
		return;
	}
	CHECK(pa == ((u64)m->pfn << 12) + 0x123, "page %llx translates to %llx, want %llx",
	      (unsigned long long)p, (unsigned long long)pa,
	      ((unsigned long long)m->pfn << 12) + 0x123);
	ptep = ds_leaf(ops, iova_of(p), &lvl);
	CHECK(ptep, "no leaf for %llx", (unsigned long long)p);
	CHECK(ds_leaf_size(ops, lvl) == 1UL << m->shift,
	      "page %llx: leaf level %d, model shift %d", (unsigned long long)p, lvl,
	      m->shift);
	CHECK(!!(*ptep & DS_PTE_DBM) == m->writable, "page %llx: DBM",
	      (unsigned long long)p);
	CHECK(DS_PTE_WRITABLE_DIRTY(*ptep) == m->dirty,
	      "page %llx: dirty %d, model %d", (unsigned long long)p,
	      DS_PTE_WRITABLE_DIRTY(*ptep), m->dirty);
}

/* Highest page mapped since the input began, plus one */
static u64 high;

/*
 * The page after @p to look at when going leaf by leaf: the next leaf, or
 * in an unmapped stretch the next mapped page or 2MiB boundary.
 */
static u64 step(u64 p)
{
	if (model[p].mapped)
		return leaf_base(p) + leaf_pages(p);
	for (p++; p < WPAGES && !model[p].mapped && (p & 511); p++)
		;
	return p;
}

/* Pages [p0, p0 + n): each page if few, else each leaf and a sample */
static void check_range(u64 p0, u64 n, struct in *in)
{
	u64 p, end = min(p0 + n, (u64)WPAGES);

	if (end - p0 <= 4096) {
		for (p = p0; p < end; p++)
			check_page(p);
		return;
	}
	for (p = p0; p < end; p = step(p))
		check_page(p);
	for (p = 0; p < 64; p++)
		check_page(p0 + (p * 2654435761u + get(in, 1)) % (end - p0));
}

static void check_all(void)
{
	u64 p;

	for (p = 0; p < WPAGES; p = step(p))
		check_page(p);
}

/* Split the model's leaf holding page @p one level */
static void m_split_leaf(u64 p)
{
	u64 b = leaf_base(p), n = leaf_pages(p), i;

	for (i = 0; i < n; i++)
		model[b + i].shift -= 9;
}

static bool all_mapped(u64 p0, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		if (!model[p0 + i].mapped)
			return false;
	return true;
}

static bool none_mapped(u64 p0, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		if (model[p0 + i].mapped)
			return false;
	return true;
}

static void op_map(struct in *in)
{
	u32 cls = get(in, 1) % 8, attr = get(in, 1) % 3, skew = get(in, 1);
	int shift = cls < 5 ? SHIFT_4K : cls < 7 ? SHIFT_2M : SHIFT_1G;
	u64 unit = 1UL << (shift - 12), p0, n, i, done = 0;
	u64 pa;

	if (shift == SHIFT_1G) {
		p0 = 0;
		n = 1;
	} else if (shift == SHIFT_2M) {
		p0 = (get(in, 1) % (cls == 5 ? 8 : 512)) * unit;
		n = 1 + get(in, 1) % 8;
	} else {
		p0 = get(in, 2) % (get(in, 1) & 1 ? HOT_PAGES : WPAGES);
		n = 1 + get(in, 2) % 1100;
	}
	n = min(n, (WPAGES - p0) / unit);
	if (!n || !none_mapped(p0, n * unit))
		return;
	/* Output addresses: the IOVA's, or skewed so merges must refuse */
	pa = PA_BASE + (p0 << 12) +
	     (skew < 200 ? 0 : (u64)(skew % 7 + 1) << shift);

	while (done < n * unit) {
		size_t mapped = 0;
		int ret = ops->map_pages(ops, iova_of(p0 + done),
					 pa + (done << 12), 1UL << shift,
					 n - done / unit, attrs[attr],
					 GFP_KERNEL, &mapped);

		CHECK(!ret && mapped, "map %llx: %d", (unsigned long long)p0, ret);
		done += mapped >> 12;
	}
	high = max(high, p0 + n * unit);
	for (i = 0; i < n * unit; i++) {
		struct mpage *m = &model[p0 + i];

		m->mapped = 1;
		m->pfn = (pa >> 12) + i;
		m->shift = shift;
		m->attr = attr;
		m->writable = attrs[attr] & IOMMU_WRITE ? 1 : 0;
		m->dirty = m->writable;	/* DBM without AP[2]: mapped dirty */
	}
	check_range(p0, n * unit, in);
}

static void op_unmap(struct in *in)
{
	u32 cls = get(in, 1) % 8;
	int shift = cls < 5 ? SHIFT_4K : cls < 7 ? SHIFT_2M : SHIFT_1G;
	u64 unit = 1UL << (shift - 12), p0, n, u, i, done = 0;
	struct iommu_iotlb_gather gather;

	if (shift == SHIFT_1G) {
		p0 = 0;
		n = 1;
	} else if (shift == SHIFT_2M) {
		p0 = (get(in, 1) % (cls == 5 ? 8 : 512)) * unit;
		n = 1 + get(in, 1) % 4;
	} else {
		p0 = get(in, 2) % (get(in, 1) & 1 ? HOT_PAGES : WPAGES);
		n = 1 + get(in, 2) % 700;
	}
	n = min(n, (WPAGES - p0) / unit);
	if (!n || !all_mapped(p0, n * unit))
		return;

	iommu_iotlb_gather_init(&gather);
	while (done < n * unit) {
		size_t ret = ops->unmap_pages(ops, iova_of(p0 + done),
					      1UL << shift, n - done / unit,
					      &gather);

		CHECK(ret, "unmap %llx returned 0", (unsigned long long)(p0 + done));
		done += ret >> 12;
	}
	/* Leaves larger than the unit were split down to it first */
	for (u = 0; u < n; u++) {
		u64 q = p0 + u * unit;

		while (model[q].mapped && model[q].shift > shift)
			m_split_leaf(q);
		for (i = 0; i < unit; i++)
			model[q + i].mapped = 0;
	}
	check_range(p0 >= 512 ? p0 - 512 : 0, n * unit + 1024, in);
}

static void pick_range(struct in *in, u64 *p0, u64 *n)
{
	u32 sel = get(in, 1) % 8;

	if (sel == 0) {
		*p0 = 0;
		*n = WPAGES;
	} else if (sel < 3) {
		*p0 = (get(in, 1) % 512) * 512;
		*n = (1 + get(in, 1) % 8) * 512;
	} else {
		*p0 = get(in, 2) % (sel < 7 ? HOT_PAGES : WPAGES);
		*n = 1 + get(in, 2) % 2048;
	}
	*n = min(*n, WPAGES - *p0);
}

static void op_split(struct in *in)
{
	u64 p0, n, p;
	int ret;

	pick_range(in, &p0, &n);
	ret = ops->split_blocks(ops, iova_of(p0), n << 12, NULL, NULL);
	CHECK(!ret, "split: %d", ret);
	for (p = p0; p < p0 + n;) {
		if (!model[p].mapped) {
			p++;
			continue;
		}
		if (model[p].shift > SHIFT_4K) {
			m_split_leaf(p);
			continue;
		}
		p++;
	}
	check_range(p0, n, in);
}

/* Could the pages of [p0, p0 + n) be one leaf of 2^shift? */
static bool m_mergeable(u64 p0, u64 n, int child_shift)
{
	struct mpage *f = &model[p0];
	u64 i;

	if (!f->mapped || f->shift != child_shift ||
	    (f->pfn & (n - 1)))
		return false;
	for (i = 0; i < n; i++) {
		struct mpage *m = &model[p0 + i];

		if (!m->mapped || m->shift != child_shift ||
		    m->pfn != f->pfn + i || m->attr != f->attr)
			return false;
	}
	return true;
}

static void m_merge(u64 p0, u64 n, int shift)
{
	bool dirty = false;
	u64 i;

	for (i = 0; i < n; i++)
		dirty |= model[p0 + i].dirty;
	for (i = 0; i < n; i++) {
		model[p0 + i].shift = shift;
		model[p0 + i].dirty = dirty;
	}
}

static void op_merge(struct in *in)
{
	u64 p0, n, c;
	int ret;

	pick_range(in, &p0, &n);
	ret = ops->merge_pages(ops, iova_of(p0), n << 12, NULL, NULL);
	CHECK(!ret, "merge: %d", ret);
	/* Pages into 2MiB blocks, then 2MiB blocks into the 1GiB one */
	for (c = ALIGN(p0, 512); c + 512 <= p0 + n; c += 512)
		if (m_mergeable(c, 512, SHIFT_4K))
			m_merge(c, 512, SHIFT_2M);
	if (p0 == 0 && n == WPAGES && m_mergeable(0, WPAGES, SHIFT_2M))
		m_merge(0, WPAGES, SHIFT_1G);
	check_range(p0, n, in);
}

static void hw_write(u64 p)
{
	u64 b, i, *ptep;

	if (!model[p].mapped)
		return;
	ptep = ds_leaf(ops, iova_of(p), NULL);
	CHECK(ptep, "hw write: no leaf");
	if (!ds_hw_dirty(ptep)) {
		CHECK(!model[p].writable, "hw write: writable without DBM");
		return;
	}
	if (model[p].dirty)
		return;
	b = leaf_base(p);
	for (i = 0; i < leaf_pages(p); i++)
		model[b + i].dirty = 1;
}

static void op_hw(struct in *in)
{
	u32 sel = get(in, 1), salt = get(in, 1);
	u64 p0 = get(in, 2) % (sel & 1 ? HOT_PAGES : WPAGES), n, p;

	if (sel < 128) {
		hw_write(p0);
		check_page(p0);
		return;
	}
	/* A burst: n pages from p0, each written with probability k/8 */
	n = 1 + get(in, 2) % 1500;
	for (p = p0; p < min(p0 + n, (u64)WPAGES); p++) {
		u32 r = (u32)(p * 2654435761u + salt * 40503u) >> 29;

		if (r < (sel >> 4) % 9)
			hw_write(p);
	}
	check_range(p0, n, in);
}

static void op_clear(struct in *in)
{
	u32 sel = get(in, 1), pgshift = sel % 5 == 4 ? SHIFT_2M : sel % 5 == 3 ? 13 : 12;
	u64 p0, n, nbits, b, p, gp = 1UL << (pgshift - 12);
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_trace trace = {};
	u64 cleaned = 0;
	int ret;

	pick_range(in, &p0, &n);
	p0 = ALIGN_DOWN(p0, gp);
	n = ALIGN(n, gp);
	if (p0 + n > WPAGES)
		n = WPAGES - p0;
	if (!n)
		return;
	nbits = n / gp;
	/* Bitmap: all, the dirty pages, or random with some density */
	memset(clear_bits, 0, BITS_TO_LONGS(WPAGES) * sizeof(long));
	for (b = 0; b < nbits; b++) {
		bool set;

		switch (sel >> 5) {
		case 0: case 1: set = true; break;
		case 2: case 3:
			set = false;
			for (p = 0; p < gp; p++)
				set |= model[p0 + b * gp + p].dirty;
			break;
		default:
			set = ((b * 2654435761u + sel) >> 7) % 8 < (sel >> 5);
		}
		if (set)
			__set_bit(b, clear_bits);
	}
	iommu_iotlb_gather_init(&gather);
	ret = ops->clear_dirty(ops, iova_of(p0), n << 12, clear_bits, pgshift,
			       &gather, &trace);
	CHECK(!ret, "clear_dirty: %d", ret);

	/* Leaves inside the range, dirty, all of whose pages are named */
	for (p = p0; p < p0 + n;) {
		u64 lb, ln, i;
		bool all = true;

		if (!model[p].mapped) {
			p++;
			continue;
		}
		lb = leaf_base(p);
		ln = leaf_pages(p);
		if (lb >= p0 && lb + ln <= p0 + n && model[p].dirty) {
			for (i = 0; i < ln && all; i++)
				all = test_bit((lb + i - p0) / gp, clear_bits);
			if (all) {
				for (i = 0; i < ln; i++)
					model[lb + i].dirty = 0;
				/* Pages of the bitmap granule made clean */
				cleaned += (ln << 12) >> pgshift;
			}
		}
		p = lb + ln;
	}
	CHECK(trace.dirty == cleaned, "clear_dirty cleaned %llu, model %llu",
	      (unsigned long long)trace.dirty, (unsigned long long)cleaned);
	check_range(p0, n, in);
}

/* Every leaf descriptor of the table, to compare and restore */
struct snap {
	u64 **ptep;
	u64 *val;
	size_t n, cap;
};

static void snap_table(u64 *table, int lvl, void *arg)
{
	struct snap *s = arg;
	int i;

	for (i = 0; i < 512; i++) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 4096;
			s->ptep = realloc(s->ptep, s->cap * sizeof(*s->ptep));
			s->val = realloc(s->val, s->cap * sizeof(*s->val));
			CHECK(s->ptep && s->val, "oom");
		}
		s->ptep[s->n] = &table[i];
		s->val[s->n++] = table[i];
	}
}

struct scan_res {
	int ret;
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_trace trace;
	unsigned long warns;
};

static void run_scan(bool upstream, u64 p0, u64 n, unsigned long flags,
		     unsigned long *bits, struct scan_res *r)
{
	struct iova_bitmap bm = {
		.bits = bits, .iova = iova_of(p0), .length = n << 12,
		.pgshift = 12,
	};
	struct iommu_dirty_bitmap dirty;
	unsigned long w = ds_warn_count;

	memset(bits, 0, BITS_TO_LONGS(WPAGES) * sizeof(long));
	memset(r, 0, sizeof(*r));
	iommu_dirty_bitmap_init(&dirty, &bm, &r->gather);
	r->trace.pgsize = 1UL << 12;	/* the bitmap granule, as the core sets */
	dirty.trace = &r->trace;
	if (upstream)
		r->ret = upstream_read_and_clear_dirty(ops, iova_of(p0), n << 12,
						       flags, &dirty);
	else
		r->ret = ops->read_and_clear_dirty(ops, iova_of(p0), n << 12,
						   flags, &dirty);
	r->warns = ds_warn_count - w;
}

static void op_scan(struct in *in)
{
	u32 sel = get(in, 1);
	unsigned long flags = sel & 1 ? IOMMU_DIRTY_NO_CLEAR : 0;
	struct snap before = {}, up_after = {};
	struct scan_res up, ours;
	u64 p0, n, p, i, leaves = 0, ndirty = 0, gs = ULONG_MAX, ge = 0;
	bool hole = false, aligned, straddle;
	size_t k;

	pick_range(in, &p0, &n);
	aligned = model[p0].mapped;
	/* a leaf straddling an end of the range: upstream gets it wrong */
	straddle = (model[p0].mapped && leaf_base(p0) != p0) ||
		   (model[p0 + n - 1].mapped &&
		    leaf_base(p0 + n - 1) + leaf_pages(p0 + n - 1) > p0 + n);

	/* Same descriptors for both walks */
	ds_for_each_table(ops, snap_table, &before);
	run_scan(true, p0, n, flags, bits_up, &up);
	ds_for_each_table(ops, snap_table, &up_after);
	for (k = 0; k < before.n; k++)
		*before.ptep[k] = before.val[k];
	run_scan(false, p0, n, flags, bits_ours, &ours);

	if (!straddle) {
		CHECK(up.ret == ours.ret, "scan ret %d, upstream %d", ours.ret,
		      up.ret);
		CHECK(up.warns == ours.warns, "scan WARNs %lu, upstream %lu",
		      ours.warns, up.warns);
		CHECK(!memcmp(bits_up, bits_ours,
			      BITS_TO_LONGS(n) * sizeof(long)),
		      "scan bitmap differs from upstream's");
		CHECK(up.gather.start == ours.gather.start &&
		      up.gather.end == ours.gather.end, "scan gather differs");
		CHECK(up.trace.dirty == ours.trace.dirty,
		      "scan dirty %llu, upstream %llu",
		      (unsigned long long)ours.trace.dirty,
		      (unsigned long long)up.trace.dirty);
		for (k = 0; k < up_after.n; k++)
			CHECK(*up_after.ptep[k] == up_after.val[k],
			      "descriptor %zu after scan differs from upstream's",
			      k);
	}

	/* The model's prediction, where it can make one */
	for (p = p0; p < p0 + n;) {
		u64 lb, ln;

		if (!model[p].mapped) {
			hole = true;
			break;
		}
		lb = leaf_base(p);
		ln = leaf_pages(p);
		leaves++;
		if (model[p].dirty) {
			/* 4KiB pages: the leaf's pages inside the range */
			u64 lo = max(lb, p0), hi = min(lb + ln, p0 + n);

			ndirty += hi - lo;
			gs = min(gs, iova_of(lo));
			ge = max(ge, iova_of(hi) - 1);
		}
		p = lb + ln;
	}
	if (hole && aligned) {
		CHECK(ours.ret == -EINVAL && ours.warns == 1,
		      "scan over a hole: ret %d, %lu WARNs", ours.ret, ours.warns);
		CHECK(ours.trace.leaves == leaves,
		      "scan to a hole: leaves %llu, model %llu",
		      (unsigned long long)ours.trace.leaves,
		      (unsigned long long)leaves);
	}
	if (aligned && !hole) {
		CHECK(ours.ret == 0 && !ours.warns, "scan: ret %d", ours.ret);
		CHECK(ours.trace.leaves == leaves, "scan leaves %llu, model %llu",
		      (unsigned long long)ours.trace.leaves,
		      (unsigned long long)leaves);
		CHECK(ours.trace.dirty == ndirty, "scan dirty %llu, model %llu",
		      (unsigned long long)ours.trace.dirty,
		      (unsigned long long)ndirty);
		if (ndirty)
			CHECK(ours.gather.start == gs && ours.gather.end == ge,
			      "scan gather [%lx, %lx], model [%llx, %llx]",
			      ours.gather.start, ours.gather.end,
			      (unsigned long long)gs, (unsigned long long)ge);
		for (p = p0; p < p0 + n; p++)
			CHECK(test_bit(p - p0, bits_ours) == model[p].dirty,
			      "scan bit of page %llx", (unsigned long long)p);
		/*
		 * A clearing scan cleans the leaves wholly inside the range;
		 * one it reported only in part stays dirty (patch 27), so
		 * that its pages outside the range are not lost.
		 */
		if (!flags)
			for (p = p0; p < p0 + n; p = step(p))
				if (model[p].mapped) {
					u64 lb = leaf_base(p);

					if (lb < p0 || lb + leaf_pages(p) > p0 + n)
						continue;
					for (i = 0; i < leaf_pages(p); i++)
						model[lb + i].dirty = 0;
				}
	} else if (!flags) {
		/* Outside the model's reach: take the dirty state as left */
		for (p = 0; p < high; p = step(p)) {
			u64 *ptep;
			u64 lb, i;

			if (!model[p].mapped)
				continue;
			ptep = ds_leaf(ops, iova_of(p), NULL);
			lb = leaf_base(p);
			for (i = 0; i < leaf_pages(p); i++)
				model[lb + i].dirty = DS_PTE_WRITABLE_DIRTY(*ptep);
		}
	}
	free(before.ptep);
	free(before.val);
	free(up_after.ptep);
	free(up_after.val);
	check_range(p0, n, in);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	model = calloc(WPAGES, sizeof(*model));
	bits_up = calloc(BITS_TO_LONGS(WPAGES), sizeof(long));
	bits_ours = calloc(BITS_TO_LONGS(WPAGES), sizeof(long));
	clear_bits = calloc(BITS_TO_LONGS(WPAGES), sizeof(long));
	ds_warn_quiet = true;
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct in in = { data, size };
	unsigned long warns;
	int steps = 0;

	memset(model, 0, high * sizeof(*model));
	high = 0;
	cfg = (struct io_pgtable_cfg) {
		.quirks = IO_PGTABLE_QUIRK_ARM_HD |
			  (get(&in, 1) & 1 ? IO_PGTABLE_QUIRK_ARM_BBML1 :
					     IO_PGTABLE_QUIRK_ARM_BBML2),
		.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G,
		.ias = 48,
		.oas = 48,
		.coherent_walk = true,
		.tlb = &tlb_ops,
		.iommu_dev = &dev,
	};
	ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL);
	CHECK(ops, "alloc_io_pgtable_ops");

	while (in.n && steps++ < 64) {
		u32 op = get(&in, 1) % 16;

		warns = ds_warn_count;
		switch (op) {
		case 0 ... 3: op_map(&in); break;
		case 4 ... 5: op_unmap(&in); break;
		case 6: op_split(&in); break;
		case 7: op_merge(&in); break;
		case 8 ... 10: op_hw(&in); break;
		case 11 ... 12: op_clear(&in); break;
		default: op_scan(&in); break;
		}
		/* Scans over holes WARN, and were checked to; nothing else may */
		if (op < 13)
			CHECK(ds_warn_count == warns, "op %u: unexpected WARN", op);
	}
	check_all();
	free_io_pgtable_ops(ops);
	CHECK(ds_pages_allocated == 0, "%lu table pages leaked",
	      ds_pages_allocated);
	return 0;
}
