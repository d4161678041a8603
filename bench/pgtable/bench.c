// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: native benchmark of the io-pgtable-arm dirty-tracking
 * operations on 4KiB-granule stage-1 tables.
 *
 * For each IOVA size and fraction of dirty pages it builds the table,
 * dirties the chosen pages the way the SMMU does (AP[2] cleared on a
 * DBM leaf), checks that the scan under test and upstream 6.12's scan
 * give identical results (bitmap, descriptors, gather range, counters),
 * then times:
 *   scan-noclear, scan-clear   upstream 6.12 and the file under test
 *   clear                      clear_dirty() by bitmap (the dirty pages)
 *   split, merge               2MiB blocks -> 4KiB pages -> 2MiB blocks
 *   read                       a plain read of the same descriptors
 * and prints GiB of IOVA per second (median of the repetitions).
 *
 * Usage: bench [-s "1 4 16 64"] [-r min_reps] [-t seconds_per_op]
 * With BENCH_VERBOSE set, each row is followed by the number of bitmap
 * updates of each scan and the rate of one atomic OR per descriptor (the
 * floor of clearing them all).
 */
#include <time.h>
#include <unistd.h>
#include <math.h>
#include "harness.h"
#include "linux/iommu.h"

#define BASE_IOVA	(1ULL << 40)
/* Not 1GiB-aligned: merges stop at 2MiB blocks */
#define PA_OFFSET	((1ULL << 44) + SZ_2M)
#define NFRAC		4

static const double fractions[NFRAC] = { 0.001, 0.01, 0.1, 1.0 };

static unsigned long tlb_walks, tlb_pages, tlb_all;
static int min_reps = 5;
static double op_seconds = 0.6;

static void tlb_flush_all(void *cookie) { tlb_all++; }
static void tlb_flush_walk(unsigned long iova, size_t size, size_t granule,
			   void *cookie) { tlb_walks++; }
static void tlb_add_page(struct iommu_iotlb_gather *gather, unsigned long iova,
			 size_t granule, void *cookie) { tlb_pages++; }

static const struct iommu_flush_ops tlb_ops = {
	.tlb_flush_all	= tlb_flush_all,
	.tlb_flush_walk	= tlb_flush_walk,
	.tlb_add_page	= tlb_add_page,
};

static struct device dev = { .numa_node = NUMA_NO_NODE };

static void die(const char *what)
{
	fprintf(stderr, "bench: FAILED: %s\n", what);
	exit(1);
}

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); die(#c); } } while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int reps_for(double first)
{
	int r = first > 0 ? (int)(op_seconds / first) : 101;

	if (r < min_reps)
		r = min_reps;
	if (r > 101)
		r = 101;
	return r | 1;
}

static struct io_pgtable_ops *new_table(struct io_pgtable_cfg *cfg)
{
	struct io_pgtable_ops *ops;

	*cfg = (struct io_pgtable_cfg) {
		.quirks = IO_PGTABLE_QUIRK_ARM_HD | IO_PGTABLE_QUIRK_ARM_BBML2,
		.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G,
		.ias = 48,
		.oas = 48,
		.coherent_walk = true,
		.tlb = &tlb_ops,
		.iommu_dev = &dev,
	};
	ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, cfg, NULL);
	CHECK(ops, "alloc_io_pgtable_ops");
	return ops;
}

static void map_range(struct io_pgtable_ops *ops, u64 size, size_t pgsize)
{
	u64 done = 0;

	while (done < size) {
		size_t mapped = 0;
		int ret = ops->map_pages(ops, BASE_IOVA + done,
					 BASE_IOVA + PA_OFFSET + done, pgsize,
					 (size - done) / pgsize,
					 IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE,
					 GFP_KERNEL, &mapped);
		CHECK(!ret && mapped, "map_pages: %d", ret);
		done += mapped;
	}
}

/* Deterministic random pattern: each page dirty with probability @f */
static void make_pattern(unsigned long *want, u64 npages, double f)
{
	u64 x = 0x9e3779b97f4a7c15ULL, i;
	u64 threshold = f >= 1.0 ? ~0ULL : (u64)(f * 18446744073709551616.0);

	memset(want, 0, BITS_TO_LONGS(npages) * sizeof(long));
	for (i = 0; i < npages; i++) {
		u64 z;

		x += 0x9e3779b97f4a7c15ULL;
		z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		if (f >= 1.0 || z < threshold)
			__set_bit(i, want);
	}
}

/* The SMMU wrote exactly the pages in @want since the last clean */
static void apply_pattern(u64 **tables, u64 ntables, const unsigned long *want)
{
	u64 t, i;

	for (t = 0; t < ntables; t++)
		for (i = 0; i < 512; i++) {
			u64 pte = tables[t][i];

			if (test_bit(t * 512 + i, want))
				pte &= ~DS_PTE_AP_RDONLY;
			else
				pte |= DS_PTE_AP_RDONLY;
			tables[t][i] = pte;
		}
}

struct scan_out {
	int ret;
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_trace trace;
	unsigned long calls;
};

typedef int (*scan_fn)(struct io_pgtable_ops *ops, unsigned long iova,
		       size_t size, unsigned long flags,
		       struct iommu_dirty_bitmap *dirty);

static int ours_scan(struct io_pgtable_ops *ops, unsigned long iova,
		     size_t size, unsigned long flags,
		     struct iommu_dirty_bitmap *dirty)
{
	return ops->read_and_clear_dirty(ops, iova, size, flags, dirty);
}

/*
 * Whether the walks count for the iommu:dirty_* tracepoints.  The core
 * hands the walker a trace record only while one of them is enabled
 * (patch "Record dirty-tracking operations only while they are traced"),
 * so "off" is what a system without a tracer runs.
 */
static bool trace_on;

static double run_scan(scan_fn fn, struct io_pgtable_ops *ops, u64 size,
		       unsigned long flags, unsigned long *bits,
		       struct scan_out *out)
{
	struct iova_bitmap bm = {
		.bits = bits, .iova = BASE_IOVA, .length = size, .pgshift = 12,
	};
	struct iommu_dirty_bitmap dirty;
	double t0, t1;

	memset(bits, 0, BITS_TO_LONGS(size >> 12) * sizeof(long));
	memset(out, 0, sizeof(*out));
	iommu_dirty_bitmap_init(&dirty, &bm, &out->gather);
	out->trace.pgsize = 1UL << 12;	/* the bitmap granule, as the core sets */
	dirty.trace = trace_on ? &out->trace : NULL;
	t0 = now();
	out->ret = fn(ops, BASE_IOVA, size, flags, &dirty);
	t1 = now();
	out->calls = bm.calls;
	return t1 - t0;
}

static void same_scan(const char *what, struct scan_out *up,
		      struct scan_out *ours, const unsigned long *upbits,
		      const unsigned long *ourbits, const unsigned long *want,
		      u64 npages)
{
	size_t words = BITS_TO_LONGS(npages);
	u64 ndirty = 0, i;

	for (i = 0; i < words; i++)
		ndirty += hweight64(want[i]);
	CHECK(up->ret == 0 && ours->ret == 0, "%s: ret %d/%d", what, up->ret,
	      ours->ret);
	CHECK(!memcmp(upbits, want, words * sizeof(long)),
	      "%s: upstream bitmap differs from the dirty pages", what);
	CHECK(!memcmp(ourbits, upbits, words * sizeof(long)),
	      "%s: bitmap differs from upstream's", what);
	CHECK(up->gather.start == ours->gather.start &&
	      up->gather.end == ours->gather.end,
	      "%s: gather [%lx, %lx] vs upstream [%lx, %lx]", what,
	      ours->gather.start, ours->gather.end, up->gather.start,
	      up->gather.end);
	if (!trace_on)
		return;		/* nothing counted */
	CHECK(up->trace.dirty == ndirty && ours->trace.dirty == ndirty,
	      "%s: dirty count %llu/%llu, want %llu", what,
	      (unsigned long long)up->trace.dirty,
	      (unsigned long long)ours->trace.dirty,
	      (unsigned long long)ndirty);
	/* Upstream 6.12 does not count leaves; the series does */
	CHECK(ours->trace.leaves == npages, "%s: leaves %llu, want %llu", what,
	      (unsigned long long)ours->trace.leaves,
	      (unsigned long long)npages);
}

static void snapshot(u64 **tables, u64 ntables, u64 *copy)
{
	u64 t;

	for (t = 0; t < ntables; t++)
		memcpy(copy + t * 512, tables[t], 4096);
}

static bool same_tables(u64 **tables, u64 ntables, const u64 *copy)
{
	u64 t;

	for (t = 0; t < ntables; t++)
		if (memcmp(copy + t * 512, tables[t], 4096))
			return false;
	return true;
}

struct row {
	double up_nc, ours_nc, up_c, ours_c, clear, split, merge, read, atomic;
	double x_nc, x_c, x_rd;		/* medians of per-repetition ratios */
	unsigned long up_calls, ours_calls;
};

static void bench_scans(struct io_pgtable_ops *ops, u64 size, double f,
			struct row *row)
{
	u64 npages = size >> 12, ntables = size >> 21, t;
	size_t words = BITS_TO_LONGS(npages);
	unsigned long *want = calloc(words, sizeof(long));
	unsigned long *upbits = calloc(words, sizeof(long));
	unsigned long *ourbits = calloc(words, sizeof(long));
	u64 **tables = calloc(ntables, sizeof(*tables));
	u64 *before = malloc(size >> 9), *after = malloc(size >> 9);
	struct scan_out up, ours;
	double *tu, *to, *trd, *x, *xrd, t0;
	int r, reps;
	volatile u64 sink;

	CHECK(want && upbits && ourbits && tables && before && after, "oom");
	for (t = 0; t < ntables; t++) {
		tables[t] = ds_leaf_table(ops, BASE_IOVA + (t << 21));
		CHECK(tables[t], "no leaf table at %llx", (unsigned long long)t);
	}
	make_pattern(want, npages, f);

	/* Identical results, without clearing ... */
	apply_pattern(tables, ntables, want);
	snapshot(tables, ntables, before);
	t0 = run_scan(upstream_read_and_clear_dirty, ops, size,
		      IOMMU_DIRTY_NO_CLEAR, upbits, &up);
	CHECK(same_tables(tables, ntables, before), "upstream no-clear wrote");
	t0 = fmax(t0, run_scan(ours_scan, ops, size, IOMMU_DIRTY_NO_CLEAR,
			       ourbits, &ours));
	CHECK(same_tables(tables, ntables, before), "no-clear scan wrote");
	same_scan("scan-noclear", &up, &ours, upbits, ourbits, want, npages);
	row->up_calls = up.calls;
	row->ours_calls = ours.calls;

	/* ... and clearing: same descriptors afterwards too */
	run_scan(upstream_read_and_clear_dirty, ops, size, 0, upbits, &up);
	snapshot(tables, ntables, after);
	apply_pattern(tables, ntables, want);
	run_scan(ours_scan, ops, size, 0, ourbits, &ours);
	same_scan("scan-clear", &up, &ours, upbits, ourbits, want, npages);
	CHECK(same_tables(tables, ntables, after),
	      "scan-clear left other descriptors than upstream's");
	for (t = 0; t < ntables * 512; t++)
		CHECK(!DS_PTE_WRITABLE_DIRTY(after[t]), "dirty after clear");

	reps = reps_for(t0);
	tu = calloc(reps, sizeof(double));
	to = calloc(reps, sizeof(double));
	trd = calloc(reps, sizeof(double));
	x = calloc(reps, sizeof(double));
	xrd = calloc(reps, sizeof(double));

	/* Upstream, ours and the plain read in turn: paired under one load */
	apply_pattern(tables, ntables, want);
	for (r = 0; r < reps; r++) {
		tu[r] = run_scan(upstream_read_and_clear_dirty, ops, size,
				 IOMMU_DIRTY_NO_CLEAR, upbits, &up);
		to[r] = run_scan(ours_scan, ops, size, IOMMU_DIRTY_NO_CLEAR,
				 ourbits, &ours);
		t0 = now();
		sink = ds_plain_read(tables, ntables, 512);
		trd[r] = now() - t0;
		x[r] = tu[r] / to[r];
		xrd[r] = trd[r] / to[r];
	}
	(void)sink;
	row->up_nc = median(tu, reps);
	row->ours_nc = median(to, reps);
	row->read = median(trd, reps);
	row->x_nc = median(x, reps);
	row->x_rd = median(xrd, reps);

	for (r = 0; r < reps; r++) {
		apply_pattern(tables, ntables, want);
		tu[r] = run_scan(upstream_read_and_clear_dirty, ops, size, 0,
				 upbits, &up);
		apply_pattern(tables, ntables, want);
		to[r] = run_scan(ours_scan, ops, size, 0, ourbits, &ours);
		x[r] = tu[r] / to[r];
	}
	row->up_c = median(tu, reps);
	row->ours_c = median(to, reps);
	row->x_c = median(x, reps);

	/* clear_dirty() by a bitmap naming exactly the dirty pages */
	for (r = 0; r < reps; r++) {
		struct iommu_iotlb_gather gather;
		struct iommu_dirty_trace trace = {};
		int ret;

		apply_pattern(tables, ntables, want);
		iommu_iotlb_gather_init(&gather);
		t0 = now();
		ret = ops->clear_dirty(ops, BASE_IOVA, size, want, 12, &gather,
				       trace_on ? &trace : NULL);
		tu[r] = now() - t0;
		CHECK(!ret, "clear_dirty: %d", ret);
		if (!r) {
			snapshot(tables, ntables, before);
			CHECK(!memcmp(before, after, size >> 9),
			      "clear_dirty left other descriptors than a scan");
			CHECK(!trace_on || trace.dirty == up.trace.dirty,
			      "clear_dirty cleaned %llu, want %llu",
			      (unsigned long long)trace.dirty,
			      (unsigned long long)up.trace.dirty);
		}
	}
	row->clear = median(tu, reps);

	/* Floor of clearing all: one atomic per descriptor (clean already) */
	for (r = 0; r < reps; r++) {
		t0 = now();
		ds_atomic_pass(tables, ntables, 512);
		tu[r] = now() - t0;
	}
	row->atomic = median(tu, reps);

	free(tu);
	free(to);
	free(trd);
	free(x);
	free(xrd);
	free(want);
	free(upbits);
	free(ourbits);
	free(tables);
	free(before);
	free(after);
}

/* Split 2MiB blocks into pages and merge them back; blocks with a dirty page are dirty */
static void bench_split_merge(u64 size, double f, struct row *row)
{
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops = new_table(&cfg);
	u64 npages = size >> 12, nblocks = size >> 21, b, i;
	unsigned long *want = calloc(BITS_TO_LONGS(npages), sizeof(long));
	bool *blkdirty = calloc(nblocks, 1);
	double *ts, *tm, t0;
	int r, reps = 0;

	CHECK(want && blkdirty, "oom");
	map_range(ops, size, SZ_2M);
	make_pattern(want, npages, f);
	for (b = 0; b < nblocks; b++) {
		int lvl;
		u64 *ptep = ds_leaf(ops, BASE_IOVA + (b << 21), &lvl);

		CHECK(ptep && lvl == 2, "not a block");
		blkdirty[b] = find_next_bit(want, (b + 1) * 512, b * 512) <
			      (b + 1) * 512;
		if (blkdirty[b])
			*ptep &= ~DS_PTE_AP_RDONLY;
		else
			*ptep |= DS_PTE_AP_RDONLY;
	}

	for (r = 0; r < (reps ? reps : 1); r++) {
		struct iommu_dirty_trace trace = {};
		struct iommu_iotlb_gather gather;
		int ret;

		iommu_iotlb_gather_init(&gather);
		t0 = now();
		ret = ops->split_blocks(ops, BASE_IOVA, size, &gather,
					trace_on ? &trace : NULL);
		t0 = now() - t0;
		CHECK(!ret && (!trace_on || trace.dirty == nblocks), "split: %d",
		      ret);
		if (!reps) {
			for (b = 0; b < nblocks; b++) {
				u64 *tbl = ds_leaf_table(ops, BASE_IOVA + (b << 21));

				CHECK(tbl, "split left a block");
				for (i = 0; i < 512; i++)
					CHECK(DS_PTE_WRITABLE_DIRTY(tbl[i]) ==
					      blkdirty[b], "split dirty state");
			}
			reps = reps_for(t0);
			ts = calloc(reps, sizeof(double));
			tm = calloc(reps, sizeof(double));
		}
		ts[r] = t0;

		iommu_iotlb_gather_init(&gather);
		t0 = now();
		ret = ops->merge_pages(ops, BASE_IOVA, size, &gather,
				       trace_on ? &trace : NULL);
		tm[r] = now() - t0;
		CHECK(!ret && (!trace_on || trace.dirty == 2 * nblocks), "merge: %d, %llu merged of %llu", ret, (unsigned long long)trace.dirty - nblocks, (unsigned long long)nblocks);
		if (!r)
			for (b = 0; b < nblocks; b++) {
				int lvl;
				u64 *ptep = ds_leaf(ops, BASE_IOVA + (b << 21),
						    &lvl);

				CHECK(ptep && lvl == 2, "merge left a table");
				CHECK(DS_PTE_WRITABLE_DIRTY(*ptep) == blkdirty[b],
				      "merge dirty state");
			}
	}
	row->split = median(ts, reps);
	row->merge = median(tm, reps);
	free(ts);
	free(tm);
	free(want);
	free(blkdirty);
	free_io_pgtable_ops(ops);
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && p) {
			snprintf(buf, len, "%s", p + 2);
			buf[strcspn(buf, "\n")] = 0;
			break;
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *sizes = "1 4 16 64";
	char cpu[128], *s, *end;
	double total = now();
	int opt;

	while ((opt = getopt(argc, argv, "s:r:t:T:")) != -1) {
		switch (opt) {
		case 's': sizes = optarg; break;
		case 'r': min_reps = atoi(optarg); break;
		case 't': op_seconds = atof(optarg); break;
		case 'T':
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				goto usage;
			trace_on = !strcmp(optarg, "on");
			break;
		default:
usage:
			fprintf(stderr, "usage: %s [-s sizes_gib] [-r min_reps] [-t s] [-T on|off]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpu_model(cpu, sizeof(cpu));
	printf("io-pgtable-arm dirty tracking, 4KiB granule, stage 1, GiB of IOVA per second\n");
	printf("CPU: %s, %ld online\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
	printf("Median of >= %d repetitions per cell (about %.2fs of each operation).\n",
	       min_reps, op_seconds);
	printf("Absolute rates depend on the machine and its load: compare ratios only.\n");
	printf("up = upstream 6.12 scan, ours = the file under test; nc = IOMMU_DIRTY_NO_CLEAR;\n");
	printf("clear = clear_dirty() by bitmap; split/merge = 2MiB blocks <-> 4KiB pages;\n");
	printf("read = plain read of the same descriptors; x = ours/up; /rd = ours nc / read;\n");
	printf("x and /rd are medians of per-repetition ratios (up, ours, read run in turn).\n");
	printf("Tracepoints %s: %s.\n\n", trace_on ? "on" : "off",
	       trace_on ? "every walk counts leaves and dirty pages for iommu:dirty_*"
			: "no trace record, as with no tracer attached");
	printf("%5s %6s | %8s %8s %5s | %8s %8s %5s | %8s %7s %7s | %8s %5s\n",
	       "GiB", "dirty", "up nc", "ours nc", "x", "up clr", "ours clr",
	       "x", "clear", "split", "merge", "read", "/rd");

	for (s = (char *)sizes; *s; s = end) {
		unsigned long gib = strtoul(s, &end, 0);
		u64 size = (u64)gib << 30;
		struct io_pgtable_cfg cfg;
		struct io_pgtable_ops *ops;
		int i;

		if (end == s)
			break;
		if (!gib)
			continue;
		ops = new_table(&cfg);
		map_range(ops, size, SZ_4K);
		for (i = 0; i < NFRAC; i++) {
			struct row row = {};
			double g = gib;

			bench_scans(ops, size, fractions[i], &row);
			bench_split_merge(size, fractions[i], &row);
			printf("%5lu %5.1f%% | %8.0f %8.0f %5.2f | %8.0f %8.0f %5.2f | %8.0f %7.1f %7.1f | %8.0f %5.2f\n",
			       gib, fractions[i] * 100, g / row.up_nc,
			       g / row.ours_nc, row.x_nc,
			       g / row.up_c, g / row.ours_c, row.x_c,
			       g / row.clear, g / row.split, g / row.merge,
			       g / row.read, row.x_rd);
			if (getenv("BENCH_VERBOSE"))
				printf("      bitmap updates: upstream %lu, ours %lu; one atomic per descriptor: %.0f GiB/s\n",
				       row.up_calls, row.ours_calls, g / row.atomic);
		}
		free_io_pgtable_ops(ops);
	}
	printf("\nEvery cell's scans were checked identical to upstream's first\n"
	       "(bitmap, descriptors, gather range%s). Total %.0fs.\n",
	       trace_on ? ", counters" : "", now() - total);
	return ds_warn_count ? 1 : 0;
}
