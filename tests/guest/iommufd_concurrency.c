// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent dirty-tracking operations on one iommufd HWPT, from several
 * threads on several CPUs, with edu DMA through the emulated SMMUv3 (HTTU
 * on). Boot with "scripts/vm.sh --smp 2 --edu 2 --httu on" (suite "smp").
 *
 * Setup: a DIRTY_TRACKING HWPT on the first edu, an 8 MiB hugetlb buffer
 * (four 2 MiB blocks) at BUF_IOVA and a separate 4 KiB "stamp" page at
 * STAMP_IOVA that holds the data the device copies (never inside the
 * tracked buffer).
 *
 * Phases, each for a fixed wall time (-t, default 4 s). Every racing ioctl
 * bumps an in-flight counter; a call that starts while another thread is
 * inside one counts as an overlap, per thread and per pair of operations.
 * A phase that did not really race (too few rounds or overlaps) fails.
 *
 *   1  two threads each loop { ENABLE|SPLIT ; MERGE (disable) } in a
 *      random order: split||split, split||merge, merge||merge
 *   2  split/merge || GET_DIRTY_BITMAP, GET_DIRTY_BITMAP(NO_CLEAR) and
 *      CLEAR_DIRTY_BITMAP of a random bitmap over the whole buffer ||
 *      edu DMA writes to random pages, each checked to have landed
 *   3  IOAS_MAP/UNMAP of a second 2 MiB hugetlb region || split/merge ||
 *      scans and clears of that region (EINVAL/ENOENT while it is not
 *      mapped are expected) || edu DMA to the buffer as in phase 2
 *
 * After each phase (and once before the first, as a baseline), quiescent:
 *   data    every 4 KiB page of the buffer gets its own stamp by DMA
 *           (stamp page -> edu -> page); then every page must hold its
 *           own stamp, so a DMA that faulted or landed elsewhere shows
 *   pages   ENABLE|SPLIT, a clearing read, DMA to K random pages: a read
 *           reports exactly those pages
 *   blocks  MERGE, ENABLE, DMA to a few pages: a read reports exactly
 *           the whole 2 MiB blocks holding them
 *
 * The uAPI says calls on one HWPT are serialised and documents no EBUSY
 * or EAGAIN for SET_DIRTY_TRACKING or the dirty reads: a call failing
 * with one of them is a refused resize the VMM did not ask for, counted
 * apart and failed like any other unexpected errno.
 *
 * A missing IOMMU_HW_CAP_DIRTY_SPLIT skips the program, unless
 * --require-split is given or the kernel command line says ds.httu=on
 * (the suite's boots), where it fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define BUF_IOVA	0x1000000ULL	/* 16 MiB, 2 MiB aligned */
#define BUF_LEN		(8UL << 20)
#define NPAGES		(BUF_LEN / EDU_PAGE_SIZE)
#define BLOCK_LEN	(2UL << 20)
#define BLOCK_PAGES	(BLOCK_LEN / EDU_PAGE_SIZE)
#define NBLOCKS		(BUF_LEN / BLOCK_LEN)
#define STAMP_IOVA	0x2000000ULL	/* 32 MiB: one 4 KiB page */
#define R2_IOVA		0x4000000ULL	/* 64 MiB: the region mapped/unmapped */
#define R2_LEN		(2UL << 20)
#define R2_PAGES	(R2_LEN / EDU_PAGE_SIZE)

#define NPHASES		3
#define MAX_WORKERS	4
#define HANG_SECONDS	30	/* a thread not back this long after the end */
#define BLOCK_DMAS	3
#define MAX_K		256
#define MAX_DMA_ERRS	4	/* each may have taken EDU_DMA_TIMEOUT_MS */

#define STAMP_MAGIC	0x5354414d00000000ULL	/* "STAM" in the top half */

enum op {
	OP_SPLIT, OP_MERGE, OP_GET, OP_PEEK, OP_CLEAR, OP_MAP, OP_UNMAP,
	OP_NR,
	OP_DMA = OP_NR,		/* only for "where is this thread now" */
	OP_IDLE,
};

static const char *const op_name[] = {
	[OP_SPLIT] = "split", [OP_MERGE] = "merge", [OP_GET] = "get",
	[OP_PEEK] = "get-noclear", [OP_CLEAR] = "clear", [OP_MAP] = "map",
	[OP_UNMAP] = "unmap", [OP_DMA] = "dma", [OP_IDLE] = "idle",
};

#define M(op)		(1U << (op))
#define OPS_TOGGLE	(M(OP_SPLIT) | M(OP_MERGE))
#define OPS_SCAN	(M(OP_GET) | M(OP_PEEK) | M(OP_CLEAR))
#define OPS_MAP		(M(OP_MAP) | M(OP_UNMAP))

enum role { R_TOGGLE, R_SCAN, R_SCAN_R2, R_MAP, R_DMA };

struct worker {
	const char *name;
	enum role role;
	unsigned int seed;
	pthread_t tid;
	atomic_bool done;	/* the thread function returned */
	atomic_int where;	/* enum op it is in now */
	unsigned long rounds;
	unsigned long calls[OP_NR], ok[OP_NR], expected[OP_NR];
	unsigned long busy[OP_NR], bad[OP_NR];
	int bad_errno[OP_NR];
	unsigned long overlaps;
	unsigned long pair[OP_NR][OP_NR];
	unsigned long dmas, dma_err, dma_lost, dma_overlap;
	int dma_errno;
	uint64_t *bm;		/* scan/clear bitmap of its range */
};

static struct {
	unsigned int seconds;
	unsigned long seed;
	unsigned int min_rounds;
	unsigned int min_overlaps;
	unsigned int min_pair;
	unsigned int k;
	unsigned int phases;	/* bit N: run phase N */
	bool require_split;
} opt = {
	.seconds = 4,
	.min_rounds = 20,
	.min_overlaps = 50,
	.min_pair = 10,
	.k = 24,
	.phases = 0xe,
};

static struct edu_dev d;
static uint32_t hwpt;
static size_t dma_len;
static uint8_t *buf, *r2buf, *stamp;
static uint8_t *ref;		/* what edu's buffer holds during a race */
static unsigned int main_seed;
static int cur_phase;

static atomic_bool stop;
static atomic_int inflight_total;
static atomic_int inflight[OP_NR];
static pthread_barrier_t start_barrier;

/* --- small helpers ------------------------------------------------------ */

static unsigned int rnd(unsigned int *seed)
{
	return (unsigned int)rand_r(seed);
}

static uint64_t rnd64(unsigned int *seed)
{
	return (uint64_t)rnd(seed) << 33 ^ (uint64_t)rnd(seed) << 11 ^ rnd(seed);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void spin_us(unsigned int us)
{
	uint64_t end = edu_now_ns() + us * 1000ULL;

	while (edu_now_ns() < end)
		;
}

/* A random pause between two operations: none, a spin or a sleep */
static void jitter(unsigned int *seed)
{
	unsigned int r = rnd(seed) % 8;

	if (r < 3)
		return;
	if (r < 6)
		spin_us(rnd(seed) % 50);
	else
		usleep(rnd(seed) % 200);
}

static uint64_t page_iova(size_t page)
{
	return BUF_IOVA + page * EDU_PAGE_SIZE;
}

/* --- raw ioctls: no printing, 0 or -errno -------------------------------- */

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static int set_tracking(uint32_t flags)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = flags,
		.hwpt_id = hwpt,
	};

	return xioctl(d.iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
}

static int get_dirty(uint64_t iova, size_t len, uint32_t flags, uint64_t *bm)
{
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.hwpt_id = hwpt,
		.flags = flags,
		.iova = iova,
		.length = len,
		.page_size = EDU_PAGE_SIZE,
		.data = (uintptr_t)bm,
	};

	memset(bm, 0, edu_bitmap_words(len / EDU_PAGE_SIZE) * 8);
	return xioctl(d.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
}

static int clear_dirty(uint64_t iova, size_t len, const uint64_t *bm)
{
	struct iommu_hwpt_clear_dirty_bitmap clear = {
		.size = sizeof(clear),
		.hwpt_id = hwpt,
		.iova = iova,
		.length = len,
		.page_size = EDU_PAGE_SIZE,
		.data = (uintptr_t)bm,
	};

	return xioctl(d.iommufd, IOMMU_HWPT_CLEAR_DIRTY_BITMAP, &clear);
}

static int ioas_map(void *va, uint64_t iova, size_t len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = d.ioas_id,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return xioctl(d.iommufd, IOMMU_IOAS_MAP, &map);
}

static int ioas_unmap(uint64_t iova, size_t len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = d.ioas_id,
		.iova = iova,
		.length = len,
	};

	return xioctl(d.iommufd, IOMMU_IOAS_UNMAP, &unmap);
}

#define SPLIT_FLAGS	(IOMMU_HWPT_DIRTY_TRACKING_ENABLE | \
			 IOMMU_HWPT_DIRTY_TRACKING_SPLIT)
#define MERGE_FLAGS	IOMMU_HWPT_DIRTY_TRACKING_MERGE

/* --- racing calls ------------------------------------------------------- */

static void call_begin(struct worker *w, enum op op)
{
	int others = atomic_fetch_add(&inflight_total, 1);
	int o;

	atomic_fetch_add(&inflight[op], 1);
	atomic_store(&w->where, op);
	if (!others)
		return;
	w->overlaps++;
	for (o = 0; o < OP_NR; o++)
		if (atomic_load(&inflight[o]) - (o == (int)op) > 0)
			w->pair[op][o]++;
}

static void call_end(struct worker *w, enum op op)
{
	atomic_store(&w->where, OP_IDLE);
	atomic_fetch_sub(&inflight[op], 1);
	atomic_fetch_sub(&inflight_total, 1);
}

static bool is_scan(enum op op)
{
	return M(op) & OPS_SCAN;
}

static void account(struct worker *w, enum op op, int ret)
{
	int err = -ret;

	w->calls[op]++;
	if (!ret) {
		w->ok[op]++;
		return;
	}
	if ((err == EBUSY || err == EAGAIN) &&
	    (M(op) & (OPS_TOGGLE | OPS_SCAN))) {
		w->busy[op]++;
		return;
	}
	if (w->role == R_SCAN_R2 && is_scan(op) &&
	    (err == EINVAL || err == ENOENT)) {
		w->expected[op]++;
		return;
	}
	if (w->bad[op]++ < 3)
		printf("# phase %d: thread %s: %s failed: %s (errno %d)\n",
		       cur_phase, w->name, op_name[op], strerror(err), err);
	w->bad_errno[op] = err;
}

static int issue(struct worker *w, enum op op)
{
	uint64_t iova = w->role == R_SCAN_R2 ? R2_IOVA : BUF_IOVA;
	size_t len = w->role == R_SCAN_R2 ? R2_LEN : BUF_LEN;
	size_t i;

	switch (op) {
	case OP_SPLIT:
		return set_tracking(SPLIT_FLAGS);
	case OP_MERGE:
		return set_tracking(MERGE_FLAGS);
	case OP_GET:
		return get_dirty(iova, len, 0, w->bm);
	case OP_PEEK:
		return get_dirty(iova, len, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
				 w->bm);
	case OP_CLEAR:
		for (i = 0; i < edu_bitmap_words(len / EDU_PAGE_SIZE); i++)
			w->bm[i] = rnd64(&w->seed);
		return clear_dirty(iova, len, w->bm);
	case OP_MAP:
		return ioas_map(r2buf, R2_IOVA, R2_LEN);
	case OP_UNMAP:
		return ioas_unmap(R2_IOVA, R2_LEN);
	default:
		return -EINVAL;
	}
}

static int racing_call(struct worker *w, enum op op)
{
	int ret;

	call_begin(w, op);
	ret = issue(w, op);
	call_end(w, op);
	account(w, op, ret);
	return ret;
}

/* --- thread bodies ------------------------------------------------------- */

static void toggle_round(struct worker *w)
{
	bool split_first = rnd(&w->seed) & 1;

	racing_call(w, split_first ? OP_SPLIT : OP_MERGE);
	jitter(&w->seed);
	racing_call(w, split_first ? OP_MERGE : OP_SPLIT);
	jitter(&w->seed);
}

static void scan_round(struct worker *w)
{
	enum op ops[3] = { OP_GET, OP_PEEK, OP_CLEAR };
	unsigned int i, j;
	enum op t;

	for (i = 2; i > 0; i--) {
		j = rnd(&w->seed) % (i + 1);
		t = ops[i];
		ops[i] = ops[j];
		ops[j] = t;
	}
	for (i = 0; i < 3; i++) {
		racing_call(w, ops[i]);
		jitter(&w->seed);
	}
}

static void map_round(struct worker *w)
{
	if (racing_call(w, OP_MAP))
		return;
	jitter(&w->seed);
	racing_call(w, OP_UNMAP);
	jitter(&w->seed);
}

/* One DMA edu buffer -> a random page, which must then hold ref */
static void dma_round(struct worker *w)
{
	size_t page = rnd(&w->seed) % NPAGES;
	uint8_t *dst = buf + page * EDU_PAGE_SIZE;
	bool during;
	int ret;

	memset(dst, 0, dma_len);
	atomic_store(&w->where, OP_DMA);
	during = atomic_load(&inflight_total) > 0;
	ret = edu_dma(&d, true, page_iova(page), 0, dma_len);
	during |= atomic_load(&inflight_total) > 0;
	atomic_store(&w->where, OP_IDLE);
	w->dmas++;
	w->dma_overlap += during;
	if (ret) {
		w->dma_err++;
		w->dma_errno = -ret;
		return;
	}
	if (memcmp(dst, ref, dma_len)) {
		if (w->dma_lost++ < 5)
			printf("# phase %d: DMA to page %zu (iova 0x%llx) did not "
			       "land: first word 0x%016llx, want 0x%016llx\n",
			       cur_phase, page,
			       (unsigned long long)page_iova(page),
			       (unsigned long long)*(uint64_t *)dst,
			       (unsigned long long)*(uint64_t *)ref);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&start_barrier);
	while (!atomic_load(&stop)) {
		switch (w->role) {
		case R_TOGGLE:
			toggle_round(w);
			break;
		case R_SCAN:
		case R_SCAN_R2:
			scan_round(w);
			break;
		case R_MAP:
			map_round(w);
			break;
		case R_DMA:
			dma_round(w);
			break;
		}
		w->rounds++;
	}
	atomic_store(&w->done, true);
	return NULL;
}

/* --- quiescent checks --------------------------------------------------- */

static void stamp_fill(uint64_t *p, size_t page, unsigned int phase,
		       uint64_t salt)
{
	size_t i, n = dma_len / 8;

	for (i = 0; i < n; i++)
		p[i] = mix64(salt ^ (uint64_t)page << 20 ^ i);
	if (n > 0)
		p[0] = STAMP_MAGIC | (uint64_t)phase << 24 | page;
	if (n > 1)
		p[1] = salt;
}

/*
 * Every page of the buffer gets its own stamp through edu (stamp page ->
 * edu buffer -> page); afterwards each page must hold its own stamp.
 */
static bool data_check(const char *when, unsigned int phase)
{
	uint64_t salt = rnd64(&main_seed), *want;
	size_t page, bad = 0, shown = 0, dma_errs = 0;
	bool spin = d.dma_spin;
	int first_err = 0;

	want = malloc(EDU_DMA_BUF_SIZE);
	if (!want)
		return false;
	memset(buf, 0, BUF_LEN);
	d.dma_spin = true;
	for (page = 0; page < NPAGES; page++) {
		int ret;

		stamp_fill((uint64_t *)stamp, page, phase, salt);
		ret = edu_dma(&d, false, STAMP_IOVA, 0, dma_len);
		if (!ret)
			ret = edu_dma(&d, true, page_iova(page), 0, dma_len);
		if (ret && !dma_errs++)
			first_err = -ret;
		if (dma_errs >= MAX_DMA_ERRS) {
			/* edu stuck: every further DMA would time out */
			tap_diag("%s: giving up the data check after %zu DMA "
				 "errors at page %zu", when, dma_errs, page);
			break;
		}
	}
	d.dma_spin = spin;
	for (page = 0; page < NPAGES; page++) {
		const uint64_t *got = (uint64_t *)(buf + page * EDU_PAGE_SIZE);

		stamp_fill(want, page, phase, salt);
		if (!memcmp(got, want, dma_len))
			continue;
		bad++;
		if (shown++ >= 8)
			continue;
		if ((got[0] & ~0xffffffffULL) == STAMP_MAGIC)
			printf("# %s: page %zu (iova 0x%llx) holds the stamp of "
			       "page %llu (phase %llu%s)\n", when, page,
			       (unsigned long long)page_iova(page),
			       (unsigned long long)(got[0] & 0xffffff),
			       (unsigned long long)(got[0] >> 24 & 0xff),
			       dma_len > 8 && got[1] != salt ? ", old" : "");
		else
			printf("# %s: page %zu (iova 0x%llx) holds 0x%016llx "
			       "0x%016llx, not its stamp%s\n", when, page,
			       (unsigned long long)page_iova(page),
			       (unsigned long long)got[0],
			       (unsigned long long)(dma_len > 8 ? got[1] : 0),
			       got[0] ? "" : " (DMA lost: faulted?)");
	}
	free(want);
	if (dma_errs)
		tap_diag("%s: %zu DMA errors, first: %s", when, dma_errs,
			 strerror(first_err));
	return tap_ok(!bad && !dma_errs,
		      "%s: every one of %lu pages holds its own DMA stamp "
		      "(%zu wrong, %zu DMA errors)", when, NPAGES, bad,
		      dma_errs);
}

/* Print which pages are missing from and extra in @got against @want */
static void bitmap_diff(const char *what, const uint64_t *got,
			const uint64_t *want, size_t npages)
{
	size_t i, nmiss = 0, nextra = 0;

	printf("# %s: missing (written, not reported):", what);
	for (i = 0; i < npages; i++)
		if (edu_bitmap_test(want, i) && !edu_bitmap_test(got, i) &&
		    nmiss++ < 32)
			printf(" %zu", i);
	printf("%s\n# %s: extra (reported, not written):",
	       nmiss > 32 ? " ..." : "", what);
	for (i = 0; i < npages; i++)
		if (!edu_bitmap_test(want, i) && edu_bitmap_test(got, i) &&
		    nextra++ < 32)
			printf(" %zu", i);
	printf("%s\n# %s: %zu missing, %zu extra\n", nextra > 32 ? " ..." : "",
	       what, nmiss, nextra);
	fflush(stdout);
}

static bool bitmap_same(const uint64_t *a, const uint64_t *b, size_t npages)
{
	return !memcmp(a, b, edu_bitmap_words(npages) * 8);
}

/* DMA edu buffer -> page for each set bit of @pages (edu keeps ref) */
static size_t dma_pages(const uint64_t *pages)
{
	size_t page, errs = 0;

	for (page = 0; page < NPAGES && errs < MAX_DMA_ERRS; page++)
		if (edu_bitmap_test(pages, page) &&
		    edu_dma(&d, true, page_iova(page), 0, dma_len))
			errs++;
	return errs;
}

static int load_ref(void)
{
	memcpy(stamp, ref, dma_len);
	return edu_dma(&d, false, STAMP_IOVA, 0, dma_len);
}

static bool exact_pages_check(const char *when)
{
	uint64_t *want = edu_bitmap_alloc(NPAGES), *got = edu_bitmap_alloc(NPAGES);
	size_t n = 0, errs;
	int r1 = -ENOMEM, r2 = -ENOMEM, r3 = -ENOMEM;
	bool same = false, clean = false;

	if (!want || !got)
		goto out;
	while (n < opt.k) {
		size_t page = rnd(&main_seed) % NPAGES;

		if (!edu_bitmap_test(want, page)) {
			edu_bitmap_set(want, page);
			n++;
		}
	}
	r1 = set_tracking(SPLIT_FLAGS);
	if (!r1)
		r1 = get_dirty(BUF_IOVA, BUF_LEN, 0, got);
	if (!r1)
		r1 = get_dirty(BUF_IOVA, BUF_LEN,
			       IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, got);
	clean = !r1 && !edu_bitmap_count(got, NPAGES);
	if (!r1 && !clean)
		edu_bitmap_print("dirty right after a clearing read", got,
				 NPAGES);
	errs = load_ref() ? 1 : dma_pages(want);
	r2 = get_dirty(BUF_IOVA, BUF_LEN, 0, got);
	same = !r2 && bitmap_same(got, want, NPAGES);
	if (!r2 && !same)
		bitmap_diff(when, got, want, NPAGES);
	r3 = errs ? -EIO : 0;
out:
	if (r1 || r2)
		tap_diag("%s: ioctl failed: %s", when, strerror(-(r1 ? r1 : r2)));
	free(want);
	free(got);
	return tap_ok(!r1 && !r2 && !r3 && clean && same,
		      "%s: after ENABLE|SPLIT DMA to %u random pages is reported "
		      "as exactly those pages", when, opt.k);
}

static bool exact_blocks_check(const char *when)
{
	uint64_t *want = edu_bitmap_alloc(NPAGES), *got = edu_bitmap_alloc(NPAGES);
	uint64_t *written = edu_bitmap_alloc(NPAGES);
	size_t i, b, errs = 0;
	int ret = -ENOMEM;
	bool same = false;

	if (!want || !got || !written)
		goto out;
	for (i = 0; i < BLOCK_DMAS; i++) {
		size_t page = rnd(&main_seed) % NPAGES;

		edu_bitmap_set(written, page);
		for (b = page / BLOCK_PAGES * BLOCK_PAGES;
		     b < (page / BLOCK_PAGES + 1) * BLOCK_PAGES; b++)
			edu_bitmap_set(want, b);
	}
	ret = set_tracking(MERGE_FLAGS);
	if (!ret)
		ret = set_tracking(IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
	if (!ret)
		ret = get_dirty(BUF_IOVA, BUF_LEN, 0, got);
	if (ret)
		goto out;
	errs = load_ref() ? 1 : dma_pages(written);
	ret = get_dirty(BUF_IOVA, BUF_LEN, 0, got);
	if (ret)
		goto out;
	same = bitmap_same(got, want, NPAGES);
	if (!same) {
		edu_bitmap_print("pages written", written, NPAGES);
		bitmap_diff(when, got, want, NPAGES);
	}
out:
	if (ret)
		tap_diag("%s: ioctl failed: %s", when, strerror(-ret));
	free(want);
	free(got);
	free(written);
	return tap_ok(!ret && !errs && same,
		      "%s: after MERGE and ENABLE DMA to %d pages is reported as "
		      "exactly their whole 2 MiB blocks", when, BLOCK_DMAS);
}

static void quiescent_checks(unsigned int phase)
{
	char when[64];

	if (phase)
		snprintf(when, sizeof(when), "after phase %u", phase);
	else
		snprintf(when, sizeof(when), "baseline");
	data_check(when, phase);
	exact_pages_check(when);
	exact_blocks_check(when);
}

/* --- phases -------------------------------------------------------------- */

struct phase_def {
	const char *what;
	int nworkers;
	enum role roles[MAX_WORKERS];
	const char *names[MAX_WORKERS];
	int npairs;
	struct {
		const char *name;
		unsigned int a, b;	/* op masks: overlaps of a with b */
	} pairs[3];
};

static const struct phase_def phases[NPHASES + 1] = {
	[1] = {
		.what = "split/merge x split/merge",
		.nworkers = 2,
		.roles = { R_TOGGLE, R_TOGGLE },
		.names = { "toggle-A", "toggle-B" },
		.npairs = 3,
		.pairs = {
			{ "split||split", M(OP_SPLIT), M(OP_SPLIT) },
			{ "split||merge", M(OP_SPLIT), M(OP_MERGE) },
			{ "merge||merge", M(OP_MERGE), M(OP_MERGE) },
		},
	},
	[2] = {
		.what = "scan/clear x split/merge x DMA",
		.nworkers = 3,
		.roles = { R_TOGGLE, R_SCAN, R_DMA },
		.names = { "toggle", "scan", "dma" },
		.npairs = 1,
		.pairs = {
			{ "split/merge||scan/clear", OPS_TOGGLE, OPS_SCAN },
		},
	},
	[3] = {
		.what = "map/unmap x split/merge x scan/clear x DMA",
		.nworkers = 4,
		.roles = { R_MAP, R_TOGGLE, R_SCAN_R2, R_DMA },
		.names = { "map", "toggle", "scan-r2", "dma" },
		.npairs = 2,
		.pairs = {
			{ "map/unmap||split/merge", OPS_MAP, OPS_TOGGLE },
			{ "map/unmap||scan/clear", OPS_MAP, OPS_SCAN },
		},
	},
};

/* TAP lines per phase: see run_phase() */
static int phase_checks(int n)
{
	const struct phase_def *p = &phases[n];
	bool dma = false;
	int i, checks;

	for (i = 0; i < p->nworkers; i++)
		dma |= p->roles[i] == R_DMA;
	/* rounds per thread, returned, overlaps, pairs, EBUSY, errnos */
	checks = p->nworkers + 1 + 1 + p->npairs + 1 + 1;
	checks += dma;			/* every DMA landed */
	checks += n == 3;		/* region 2 seen mapped and unmapped */
	return checks + 3;		/* quiescent checks */
}

static unsigned long pair_count(struct worker *w, int n, unsigned int a,
				unsigned int b)
{
	unsigned long sum = 0;
	int i, x, y;

	for (i = 0; i < n; i++)
		for (x = 0; x < OP_NR; x++)
			for (y = 0; y < OP_NR; y++)
				if (((M(x) & a) && (M(y) & b)) ||
				    ((M(x) & b) && (M(y) & a)))
					sum += w[i].pair[x][y];
	return sum;
}

static unsigned long useful_calls(struct worker *w)
{
	unsigned long sum = 0;
	int o;

	if (w->role == R_DMA)
		return w->dmas - w->dma_err;
	for (o = 0; o < OP_NR; o++)
		sum += w->ok[o] + w->expected[o];
	return sum;
}

static void print_worker(int n, struct worker *w)
{
	unsigned long busy = 0, bad = 0, expected = 0;
	char line[512];
	size_t len = 0;
	int o;

	for (o = 0; o < OP_NR; o++) {
		busy += w->busy[o];
		bad += w->bad[o];
		expected += w->expected[o];
	}
	if (w->role == R_DMA) {
		tap_diag("phase %d: thread %s rounds %lu, DMAs during an ioctl "
			 "%lu, errors %lu%s%s, not landed %lu", n, w->name,
			 w->rounds, w->dma_overlap, w->dma_err,
			 w->dma_err ? " last " : "",
			 w->dma_err ? strerror(w->dma_errno) : "", w->dma_lost);
		return;
	}
	tap_diag("phase %d: thread %s rounds %lu, overlaps %lu, errors %lu "
		 "(EBUSY/EAGAIN %lu, expected EINVAL/ENOENT %lu)", n, w->name,
		 w->rounds, w->overlaps, bad, busy, expected);
	for (o = 0; o < OP_NR; o++) {
		if (!w->calls[o])
			continue;
		len += snprintf(line + len, sizeof(line) - len,
				" %s %lu/%lu ok", op_name[o], w->ok[o],
				w->calls[o]);
		if (w->busy[o])
			len += snprintf(line + len, sizeof(line) - len,
					" (%lu EBUSY/EAGAIN)", w->busy[o]);
		if (w->expected[o])
			len += snprintf(line + len, sizeof(line) - len,
					" (%lu EINVAL/ENOENT)", w->expected[o]);
		if (w->bad[o])
			len += snprintf(line + len, sizeof(line) - len,
					" (%lu failed, last %s)", w->bad[o],
					strerror(w->bad_errno[o]));
		len += snprintf(line + len, sizeof(line) - len, ",");
		if (len >= sizeof(line) - 64)
			break;
	}
	if (len)
		line[len - 1] = '\0';
	tap_diag("phase %d: thread %s calls:%s", n, w->name, line);
}

static void print_pairs(int n, struct worker *w, int nw)
{
	char line[1024];
	size_t len = 0;
	int x, y, i;

	for (x = 0; x < OP_NR; x++) {
		for (y = x; y < OP_NR; y++) {
			unsigned long c = 0;

			for (i = 0; i < nw; i++)
				c += w[i].pair[x][y] + (x != y ? w[i].pair[y][x] : 0);
			if (c && len < sizeof(line) - 64)
				len += snprintf(line + len, sizeof(line) - len,
						" %s||%s %lu,", op_name[x],
						op_name[y], c);
		}
	}
	if (len)
		line[len - 1] = '\0';
	tap_diag("phase %d: overlaps per pair of operations:%s", n,
		 len ? line : " none");
}

/* Returns false if a thread is stuck in the kernel: stop testing then */
static bool run_phase(int n)
{
	const struct phase_def *p = &phases[n];
	struct worker w[MAX_WORKERS];
	unsigned long overlaps = 0, bad = 0, busy = 0;
	unsigned long dmas = 0, dma_err = 0, dma_lost = 0;
	unsigned long r2_ok = 0, r2_expected = 0;
	bool returned = true, died = false, has_dma = false;
	struct timespec ts;
	uint64_t t0;
	int i, o;

	cur_phase = n;
	tap_diag("phase %d: %s, %u s, threads:%s%s%s%s%s%s%s%s", n, p->what,
		 opt.seconds, " ", p->names[0], p->nworkers > 1 ? " " : "",
		 p->nworkers > 1 ? p->names[1] : "", p->nworkers > 2 ? " " : "",
		 p->nworkers > 2 ? p->names[2] : "", p->nworkers > 3 ? " " : "",
		 p->nworkers > 3 ? p->names[3] : "");
	memset(w, 0, sizeof(w));
	for (i = 0; i < p->nworkers; i++) {
		w[i].name = p->names[i];
		w[i].role = p->roles[i];
		has_dma |= w[i].role == R_DMA;
		w[i].seed = (unsigned int)mix64(opt.seed ^ (uint64_t)n << 8 ^ i);
		atomic_init(&w[i].where, OP_IDLE);
		atomic_init(&w[i].done, false);
		w[i].bm = edu_bitmap_alloc(NPAGES);
		if (!w[i].bm)
			return false;
	}
	/* edu's buffer holds ref for the DMA thread; the CPU wants it too */
	for (i = 0; i < (int)dma_len; i++)
		ref[i] = (uint8_t)(mix64(opt.seed + n * 4096 + i) | 1);
	if (load_ref())
		tap_diag("phase %d: loading the edu buffer failed", n);
	d.dma_spin = false;
	atomic_store(&stop, false);
	atomic_store(&inflight_total, 0);
	for (o = 0; o < OP_NR; o++)
		atomic_store(&inflight[o], 0);
	pthread_barrier_init(&start_barrier, NULL, p->nworkers + 1);
	for (i = 0; i < p->nworkers; i++) {
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i])) {
			tap_diag("phase %d: pthread_create failed", n);
			return false;
		}
	}
	pthread_barrier_wait(&start_barrier);
	t0 = edu_now_ns();
	while (edu_now_ns() - t0 < opt.seconds * 1000000000ULL)
		usleep(20000);
	atomic_store(&stop, true);

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += HANG_SECONDS;
	for (i = 0; i < p->nworkers; i++) {
		if (pthread_timedjoin_np(w[i].tid, NULL, &ts)) {
			returned = false;
			tap_diag("phase %d: thread %s did not return within %d s "
				 "of the end: stuck in %s", n, w[i].name,
				 HANG_SECONDS, op_name[atomic_load(&w[i].where)]);
		} else if (!atomic_load(&w[i].done)) {
			died = true;
			tap_diag("phase %d: thread %s died in %s (Oops in the "
				 "kernel?)", n, w[i].name,
				 op_name[atomic_load(&w[i].where)]);
		}
	}
	pthread_barrier_destroy(&start_barrier);
	tap_diag("phase %d: ran %.1f s", n, (edu_now_ns() - t0) / 1e9);

	for (i = 0; i < p->nworkers; i++) {
		print_worker(n, &w[i]);
		overlaps += w[i].overlaps;
		for (o = 0; o < OP_NR; o++) {
			bad += w[i].bad[o];
			busy += w[i].busy[o];
			if (w[i].role == R_SCAN_R2) {
				r2_ok += w[i].ok[o];
				r2_expected += w[i].expected[o];
			}
		}
		dmas += w[i].dmas;
		dma_err += w[i].dma_err;
		dma_lost += w[i].dma_lost;
	}
	print_pairs(n, w, p->nworkers);

	for (i = 0; i < p->nworkers; i++)
		tap_ok(w[i].rounds >= opt.min_rounds &&
		       useful_calls(&w[i]) >= opt.min_rounds,
		       "phase %d: thread %s made at least %u rounds and "
		       "successful calls (%lu rounds, %lu)", n, w[i].name,
		       opt.min_rounds, w[i].rounds, useful_calls(&w[i]));
	tap_ok(returned && !died,
	       "phase %d: every thread returned from its calls (no hang, no "
	       "thread killed in the kernel)", n);
	tap_ok(overlaps >= opt.min_overlaps,
	       "phase %d: %lu ioctls started while another thread was inside "
	       "one (at least %u)", n, overlaps, opt.min_overlaps);
	for (i = 0; i < p->npairs; i++) {
		unsigned long c = pair_count(w, p->nworkers, p->pairs[i].a,
					     p->pairs[i].b);

		tap_ok(c >= opt.min_pair, "phase %d: overlaps %s: %lu (at least "
		       "%u)", n, p->pairs[i].name, c, opt.min_pair);
	}
	tap_ok(!busy, "phase %d: no call on the HWPT was refused with "
	       "EBUSY/EAGAIN (calls are serialised; %lu were)", n, busy);
	tap_ok(!bad, "phase %d: no ioctl failed with an unexpected errno (%lu "
	       "did)", n, bad);
	if (has_dma)
		tap_ok(dmas && !dma_err && !dma_lost,
		       "phase %d: every DMA during the race completed and "
		       "landed (%lu DMAs, %lu errors, %lu not landed)", n, dmas,
		       dma_err, dma_lost);
	if (n == 3)
		tap_ok(r2_ok && r2_expected,
		       "phase 3: region 2 scans ran while it was mapped (%lu ok) "
		       "and unmapped (%lu EINVAL/ENOENT)", r2_ok, r2_expected);
	if (!returned || died)
		return false;	/* locks may be held: further calls could hang */
	for (i = 0; i < p->nworkers; i++)
		free(w[i].bm);
	/* Phase 3 may leave region 2 mapped if its unmap failed */
	if (n == 3)
		ioas_unmap(R2_IOVA, R2_LEN);
	quiescent_checks(n);
	return true;
}

/* --- main ---------------------------------------------------------------- */

static bool cmdline_httu_on(void)
{
	char line[4096], *tok, *save;
	FILE *f = fopen("/proc/cmdline", "r");
	bool on = false;

	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		for (tok = strtok_r(line, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			if (!strcmp(tok, "ds.httu=on"))
				on = true;
	fclose(f);
	return on;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t SECONDS] [-s SEED] [-p PHASES] [-k PAGES]\n"
		"          [--min-rounds N] [--min-overlaps N] [--min-pair N]\n"
		"          [--require-split]\n"
		"  -t  wall time per phase (default 4)\n"
		"  -s  random seed (default: from the clock; printed)\n"
		"  -p  phases to run, e.g. 13 (default 123)\n"
		"  -k  pages written in the exact-dirty check (default 24)\n"
		"  --require-split  fail, not skip, without "
		"IOMMU_HW_CAP_DIRTY_SPLIT\n"
		"                   (implied by ds.httu=on on the kernel command "
		"line)\n", prog);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "min-rounds", required_argument, NULL, 'R' },
		{ "min-overlaps", required_argument, NULL, 'O' },
		{ "min-pair", required_argument, NULL, 'P' },
		{ "require-split", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool seeded = false;
	const char *c;
	int o;

	while ((o = getopt_long(argc, argv, "t:s:p:k:h", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			opt.seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			opt.seed = strtoul(optarg, NULL, 0);
			seeded = true;
			break;
		case 'p':
			opt.phases = 0;
			for (c = optarg; *c; c++) {
				if (*c < '1' || *c > '0' + NPHASES)
					usage(argv[0]);
				opt.phases |= 1U << (*c - '0');
			}
			break;
		case 'k':
			opt.k = strtoul(optarg, NULL, 0);
			break;
		case 'R':
			opt.min_rounds = strtoul(optarg, NULL, 0);
			break;
		case 'O':
			opt.min_overlaps = strtoul(optarg, NULL, 0);
			break;
		case 'P':
			opt.min_pair = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			opt.require_split = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (!opt.seconds || !opt.k || opt.k > MAX_K || optind != argc)
		usage(argv[0]);
	if (!seeded)
		opt.seed = edu_now_ns() ^ (uint64_t)getpid() << 16;
	if (cmdline_httu_on())
		opt.require_split = true;
}

int main(int argc, char **argv)
{
	uint64_t caps = 0;
	bool opened;
	int plan = 3 + 3 + 1, n;

	parse_args(argc, argv);
	main_seed = (unsigned int)mix64(opt.seed);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	opened = !edu_find(d.bdf, sizeof(d.bdf)) && !edu_iommufd_open(&d);
	if (opened && !edu_iommufd_hw_caps(&d, &caps) &&
	    !(caps & IOMMU_HW_CAP_DIRTY_SPLIT) && !opt.require_split) {
		edu_close(&d);
		return tap_skip_all("no IOMMU_HW_CAP_DIRTY_SPLIT (caps 0x%llx): "
				    "the IOMMU cannot split or merge under DMA",
				    (unsigned long long)caps);
	}
	for (n = 1; n <= NPHASES; n++)
		if (opt.phases & 1U << n)
			plan += phase_checks(n);
	tap_plan(plan);
	tap_diag("seed %lu (-s %lu to repeat), %u s per phase, DMA of %zu "
		 "bytes, edu %s, split %s", opt.seed, opt.seed, opt.seconds,
		 dma_len, d.bdf, opt.require_split ? "required" : "optional");

	if (!tap_ok(opened, "setup: iommufd and the VFIO cdev of edu %s", d.bdf))
		return tap_finish();
	if (!tap_ok(caps & IOMMU_HW_CAP_DIRTY_SPLIT,
		    "GET_HW_INFO reports IOMMU_HW_CAP_DIRTY_SPLIT (caps 0x%llx)",
		    (unsigned long long)caps)) {
		tap_skip_rest("no split/merge support");
		return tap_finish();
	}
	buf = edu_buf_alloc(BUF_LEN, true);
	r2buf = edu_buf_alloc(R2_LEN, true);
	stamp = edu_buf_alloc(EDU_PAGE_SIZE, false);
	ref = malloc(EDU_DMA_BUF_SIZE);
	if (!tap_ok(buf && r2buf && stamp && ref &&
		    !edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					    &hwpt) &&
		    !edu_iommufd_attach(&d, hwpt) &&
		    !edu_map(&d, buf, BUF_IOVA, BUF_LEN) &&
		    !edu_map(&d, stamp, STAMP_IOVA, EDU_PAGE_SIZE) &&
		    !edu_enable(&d),
		    "setup: dirty-tracking HWPT, 8 MiB hugetlb buffer at 0x%llx, "
		    "stamp page at 0x%llx", (unsigned long long)BUF_IOVA,
		    (unsigned long long)STAMP_IOVA))
		return tap_finish();

	memset(ref, 0x5a, EDU_DMA_BUF_SIZE);
	quiescent_checks(0);
	for (n = 1; n <= NPHASES; n++) {
		if (!(opt.phases & 1U << n))
			continue;
		if (!run_phase(n)) {
			/* A thread is stuck or died in the kernel */
			tap_diag("giving up: a thread is stuck in or was killed "
				 "by the kernel; the remaining checks are not run");
			n = tap_finish();
			_exit(n);
		}
	}

	/* Unpinning walks the IO page table: a corrupt one shows here */
	n = ioas_unmap(BUF_IOVA, BUF_LEN);
	if (!n)
		n = ioas_unmap(STAMP_IOVA, EDU_PAGE_SIZE);
	tap_ok(!n, "teardown: IOAS_UNMAP of the buffer and the stamp page (%s)",
	       n ? strerror(-n) : "ok");
	edu_close(&d);
	edu_buf_free(buf, BUF_LEN);
	edu_buf_free(r2buf, R2_LEN);
	edu_buf_free(stamp, EDU_PAGE_SIZE);
	free(ref);
	return tap_finish();
}
