// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO type1 dirty-page logging started and stopped from two threads at
 * once, with hardware dirty tracking (HTTU on): START splits the blocks of
 * the container's domains, STOP merges them back, both dropping the
 * container lock between pieces. Boot with "scripts/vm.sh --smp 2 --edu 2
 * --httu on" (suite "smp"); it drives the second edu device.
 *
 * A 4 MiB hugetlb buffer (two 2 MiB blocks) at BUF_IOVA, a 4 KiB stamp
 * page elsewhere. For a fixed wall time (-t, default 4 s):
 *
 *   start-A, start-B   each loop { START ; STOP } in a random order
 *   scan               GET_BITMAP, GET_BITMAP_NOCLEAR, CLEAR_BITMAP of a
 *                      random bitmap (EINVAL while logging is off is
 *                      expected)
 *   dma                edu DMA to random pages, each checked to land
 *
 * with overlaps (a call started while another thread is inside one)
 * counted and required. Afterwards, quiescent: START, a clearing read,
 * DMA to K random pages must be reported as exactly those pages; STOP;
 * then every page gets its own stamp by DMA and must hold it.
 *
 * Without VFIO_IOMMU_MIGRATION_HW_DIRTY the program is skipped, unless
 * --require-hw-dirty is given or the kernel command line says ds.httu=on.
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

#ifndef VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP	(1 << 4)
#endif

#define BUF_IOVA	0x1000000ULL
#define BUF_LEN		(4UL << 20)
#define NPAGES		(BUF_LEN / EDU_PAGE_SIZE)
#define STAMP_IOVA	0x2000000ULL
#define NWORDS		(NPAGES / 64)
#define HANG_SECONDS	30
#define MAX_K		256
#define MAX_DMA_ERRS	4	/* each may have taken EDU_DMA_TIMEOUT_MS */
#define NWORKERS	4
#define STAMP_MAGIC	0x5354414d00000000ULL

enum op { OP_START, OP_STOP, OP_GET, OP_PEEK, OP_CLEAR, OP_NR,
	  OP_DMA = OP_NR, OP_IDLE };

static const char *const op_name[] = {
	[OP_START] = "start", [OP_STOP] = "stop", [OP_GET] = "get",
	[OP_PEEK] = "get-noclear", [OP_CLEAR] = "clear", [OP_DMA] = "dma",
	[OP_IDLE] = "idle",
};

enum role { R_STARTSTOP, R_SCAN, R_DMA };

struct worker {
	const char *name;
	enum role role;
	unsigned int seed;
	pthread_t tid;
	atomic_bool done;
	atomic_int where;
	unsigned long rounds;
	unsigned long calls[OP_NR], ok[OP_NR], expected[OP_NR], bad[OP_NR];
	int bad_errno[OP_NR];
	unsigned long overlaps;
	unsigned long pair[OP_NR][OP_NR];
	unsigned long dmas, dma_err, dma_lost, dma_overlap;
	int dma_errno;
	uint64_t bm[NWORDS];
};

static struct {
	unsigned int seconds;
	unsigned long seed;
	unsigned int min_rounds, min_overlaps, min_pair, k;
	int edu_index;
	bool require;
} opt = {
	.seconds = 4,
	.min_rounds = 20,
	.min_overlaps = 50,
	.min_pair = 10,
	.k = 24,
	.edu_index = 1,
};

static struct edu_dev d;
static size_t dma_len;
static uint8_t *buf, *stamp, *ref;
static unsigned int main_seed;

static atomic_bool stop;
static atomic_int inflight_total;
static atomic_int inflight[OP_NR];
static pthread_barrier_t start_barrier;

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

static void jitter(unsigned int *seed)
{
	unsigned int r = rnd(seed) % 8;
	uint64_t end;

	if (r < 3)
		return;
	if (r < 6) {
		end = edu_now_ns() + (rnd(seed) % 50) * 1000ULL;
		while (edu_now_ns() < end)
			;
	} else {
		usleep(rnd(seed) % 200);
	}
}

static uint64_t page_iova(size_t page)
{
	return BUF_IOVA + page * EDU_PAGE_SIZE;
}

/* VFIO_IOMMU_DIRTY_PAGES without printing: 0 or -errno */
static int dirty_flags(uint32_t flags)
{
	struct vfio_iommu_type1_dirty_bitmap dirty = {
		.argsz = sizeof(dirty),
		.flags = flags,
	};

	return ioctl(d.container_fd, VFIO_IOMMU_DIRTY_PAGES, &dirty) < 0 ?
	       -errno : 0;
}

static int dirty_range(uint32_t flag, uint64_t *bm)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap hdr;
		struct vfio_iommu_type1_dirty_bitmap_get range;
	} req = {
		.hdr.argsz = sizeof(req),
		.hdr.flags = flag,
		.range.iova = BUF_IOVA,
		.range.size = BUF_LEN,
		.range.bitmap.pgsize = EDU_PAGE_SIZE,
		.range.bitmap.size = NWORDS * 8,
		.range.bitmap.data = (__u64 *)bm,
	};

	if (flag != VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP)
		memset(bm, 0, NWORDS * 8);
	return ioctl(d.container_fd, VFIO_IOMMU_DIRTY_PAGES, &req) < 0 ?
	       -errno : 0;
}

static int issue(struct worker *w, enum op op)
{
	size_t i;

	switch (op) {
	case OP_START:
		return dirty_flags(VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
	case OP_STOP:
		return dirty_flags(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
	case OP_GET:
		return dirty_range(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, w->bm);
	case OP_PEEK:
		return dirty_range(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP_NOCLEAR,
				   w->bm);
	case OP_CLEAR:
		for (i = 0; i < NWORDS; i++)
			w->bm[i] = rnd64(&w->seed);
		return dirty_range(VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP,
				   w->bm);
	default:
		return -EINVAL;
	}
}

static int racing_call(struct worker *w, enum op op)
{
	int others, o, ret, err;

	others = atomic_fetch_add(&inflight_total, 1);
	atomic_fetch_add(&inflight[op], 1);
	atomic_store(&w->where, op);
	if (others) {
		w->overlaps++;
		for (o = 0; o < OP_NR; o++)
			if (atomic_load(&inflight[o]) - (o == (int)op) > 0)
				w->pair[op][o]++;
	}
	ret = issue(w, op);
	atomic_store(&w->where, OP_IDLE);
	atomic_fetch_sub(&inflight[op], 1);
	atomic_fetch_sub(&inflight_total, 1);

	err = -ret;
	w->calls[op]++;
	if (!ret) {
		w->ok[op]++;
	} else if (op >= OP_GET && err == EINVAL) {
		/* logging is off (another thread stopped it) */
		w->expected[op]++;
	} else {
		if (w->bad[op]++ < 3)
			printf("# thread %s: %s failed: %s (errno %d)\n", w->name,
			       op_name[op], strerror(err), err);
		w->bad_errno[op] = err;
	}
	return ret;
}

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
	} else if (memcmp(dst, ref, dma_len) && w->dma_lost++ < 5) {
		printf("# DMA to page %zu (iova 0x%llx) did not land: first word "
		       "0x%016llx, want 0x%016llx\n", page,
		       (unsigned long long)page_iova(page),
		       (unsigned long long)*(uint64_t *)dst,
		       (unsigned long long)*(uint64_t *)ref);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	enum op ops[3] = { OP_GET, OP_PEEK, OP_CLEAR };
	unsigned int i, j;
	enum op t;

	pthread_barrier_wait(&start_barrier);
	while (!atomic_load(&stop)) {
		switch (w->role) {
		case R_STARTSTOP:
			t = rnd(&w->seed) & 1 ? OP_START : OP_STOP;
			racing_call(w, t);
			jitter(&w->seed);
			racing_call(w, t == OP_START ? OP_STOP : OP_START);
			jitter(&w->seed);
			break;
		case R_SCAN:
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

static int load_ref(void)
{
	memcpy(stamp, ref, dma_len);
	return edu_dma(&d, false, STAMP_IOVA, 0, dma_len);
}

static void stamp_fill(uint64_t *p, size_t page, uint64_t salt)
{
	size_t i, n = dma_len / 8;

	for (i = 0; i < n; i++)
		p[i] = mix64(salt ^ (uint64_t)page << 20 ^ i);
	if (n > 0)
		p[0] = STAMP_MAGIC | page;
	if (n > 1)
		p[1] = salt;
}

static bool data_check(const char *when)
{
	uint64_t salt = rnd64(&main_seed), want[EDU_DMA_BUF_SIZE / 8];
	size_t page, bad = 0, dma_errs = 0;

	memset(buf, 0, BUF_LEN);
	d.dma_spin = true;
	for (page = 0; page < NPAGES && dma_errs < MAX_DMA_ERRS; page++) {
		stamp_fill((uint64_t *)stamp, page, salt);
		if (edu_dma(&d, false, STAMP_IOVA, 0, dma_len) ||
		    edu_dma(&d, true, page_iova(page), 0, dma_len))
			dma_errs++;
	}
	d.dma_spin = false;
	for (page = 0; page < NPAGES; page++) {
		const uint64_t *got = (uint64_t *)(buf + page * EDU_PAGE_SIZE);

		stamp_fill(want, page, salt);
		if (!memcmp(got, want, dma_len) || bad++ >= 8)
			continue;
		if ((got[0] & ~0xffffffffULL) == STAMP_MAGIC)
			printf("# %s: page %zu holds the stamp of page %llu%s\n",
			       when, page, (unsigned long long)(got[0] & 0xffffff),
			       dma_len > 8 && got[1] != salt ? " (old)" : "");
		else
			printf("# %s: page %zu holds 0x%016llx, not its stamp%s\n",
			       when, page, (unsigned long long)got[0],
			       got[0] ? "" : " (DMA lost: faulted?)");
	}
	return tap_ok(!bad && !dma_errs,
		      "%s: every one of %lu pages holds its own DMA stamp (%zu "
		      "wrong, %zu DMA errors)", when, NPAGES, bad, dma_errs);
}

/* Logging on, a clearing read, DMA to K pages: exactly those reported */
static bool exact_check(const char *when)
{
	uint64_t want[NWORDS] = {}, got[NWORDS];
	size_t n = 0, page, errs = 0, miss = 0, extra = 0;
	int ret;

	while (n < opt.k) {
		page = rnd(&main_seed) % NPAGES;
		if (!edu_bitmap_test(want, page)) {
			edu_bitmap_set(want, page);
			n++;
		}
	}
	ret = dirty_flags(VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
	if (!ret)
		ret = dirty_range(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, got);
	if (!ret && load_ref())
		errs++;
	for (page = 0; !ret && page < NPAGES && errs < MAX_DMA_ERRS; page++)
		if (edu_bitmap_test(want, page) &&
		    edu_dma(&d, true, page_iova(page), 0, dma_len))
			errs++;
	if (!ret)
		ret = dirty_range(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, got);
	if (ret) {
		tap_diag("%s: VFIO_IOMMU_DIRTY_PAGES failed: %s", when,
			 strerror(-ret));
	} else {
		for (page = 0; page < NPAGES; page++) {
			bool w = edu_bitmap_test(want, page);
			bool g = edu_bitmap_test(got, page);

			if (w == g)
				continue;
			if (w ? miss++ < 16 : extra++ < 16)
				printf("# %s: page %zu %s\n", when, page,
				       w ? "written, not reported" :
					   "reported, not written");
		}
		if (miss || extra)
			tap_diag("%s: %zu pages missing, %zu extra", when, miss,
				 extra);
	}
	return tap_ok(!ret && !errs && !miss && !extra,
		      "%s: after START DMA to %u random pages is reported as "
		      "exactly those pages", when, opt.k);
}

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
		"usage: %s [-t SECONDS] [-s SEED] [-k PAGES] [-e EDU_INDEX]\n"
		"          [--min-rounds N] [--min-overlaps N] [--min-pair N]\n"
		"          [--require-hw-dirty]\n", prog);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "min-rounds", required_argument, NULL, 'R' },
		{ "min-overlaps", required_argument, NULL, 'O' },
		{ "min-pair", required_argument, NULL, 'P' },
		{ "require-hw-dirty", no_argument, NULL, 'S' },
		{ }
	};
	bool seeded = false;
	int o;

	while ((o = getopt_long(argc, argv, "t:s:k:e:h", opts, NULL)) != -1) {
		switch (o) {
		case 't': opt.seconds = strtoul(optarg, NULL, 0); break;
		case 's': opt.seed = strtoul(optarg, NULL, 0); seeded = true; break;
		case 'k': opt.k = strtoul(optarg, NULL, 0); break;
		case 'e': opt.edu_index = atoi(optarg); break;
		case 'R': opt.min_rounds = strtoul(optarg, NULL, 0); break;
		case 'O': opt.min_overlaps = strtoul(optarg, NULL, 0); break;
		case 'P': opt.min_pair = strtoul(optarg, NULL, 0); break;
		case 'S': opt.require = true; break;
		default: usage(argv[0]);
		}
	}
	if (!opt.seconds || !opt.k || opt.k > MAX_K || opt.edu_index < 0 ||
	    optind != argc)
		usage(argv[0]);
	if (!seeded)
		opt.seed = edu_now_ns() ^ (uint64_t)getpid() << 16;
	if (cmdline_httu_on())
		opt.require = true;
}

int main(int argc, char **argv)
{
	static const char *const names[NWORKERS] = {
		"start-A", "start-B", "scan", "dma",
	};
	static const enum role roles[NWORKERS] = {
		R_STARTSTOP, R_STARTSTOP, R_SCAN, R_DMA,
	};
	static struct worker w[NWORKERS];
	unsigned long overlaps = 0, bad = 0, startstop = 0;
	uint64_t pgsizes = 0, max_bitmap = 0, t0;
	bool returned = true, died = false, opened;
	uint32_t cap_flags = 0;
	struct timespec ts;
	int i, o, x, ret;

	parse_args(argc, argv);
	main_seed = (unsigned int)mix64(opt.seed);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	opened = !edu_find_nth(opt.edu_index, d.bdf, sizeof(d.bdf)) &&
		 !edu_type1_open(&d);
	if (opened &&
	    (edu_type1_migration_cap_flags(&d, &cap_flags, &pgsizes,
					   &max_bitmap) ||
	     !(cap_flags & VFIO_IOMMU_MIGRATION_HW_DIRTY)) && !opt.require) {
		edu_close(&d);
		return tap_skip_all("type1 has no hardware dirty tracking "
				    "(migration flags 0x%x)", cap_flags);
	}
	tap_plan(3 + 2 + NWORKERS + 6 + 2 + 1);
	tap_diag("seed %lu (-s %lu to repeat), %u s, DMA of %zu bytes, edu #%d "
		 "%s", opt.seed, opt.seed, opt.seconds, dma_len, opt.edu_index,
		 d.bdf);
	if (!tap_ok(opened, "setup: type1 container for edu #%d %s (boot with "
		    "--edu 2)", opt.edu_index, d.bdf))
		return tap_finish();
	if (!tap_ok(cap_flags & VFIO_IOMMU_MIGRATION_HW_DIRTY,
		    "migration capability says hardware dirty tracking (flags "
		    "0x%x)", cap_flags)) {
		tap_skip_rest("no hardware dirty tracking");
		return tap_finish();
	}
	buf = edu_buf_alloc(BUF_LEN, true);
	stamp = edu_buf_alloc(EDU_PAGE_SIZE, false);
	ref = malloc(EDU_DMA_BUF_SIZE);
	if (!tap_ok(buf && stamp && ref && !edu_map(&d, buf, BUF_IOVA, BUF_LEN) &&
		    !edu_map(&d, stamp, STAMP_IOVA, EDU_PAGE_SIZE) &&
		    !edu_enable(&d),
		    "setup: 4 MiB hugetlb buffer at 0x%llx, stamp page at 0x%llx",
		    (unsigned long long)BUF_IOVA, (unsigned long long)STAMP_IOVA))
		return tap_finish();
	for (i = 0; i < EDU_DMA_BUF_SIZE; i++)
		ref[i] = (uint8_t)(mix64(opt.seed + i) | 1);

	/* Baseline, before any race */
	exact_check("baseline");
	if (dirty_flags(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP))
		tap_diag("baseline: STOP failed");
	data_check("baseline");

	/* The race */
	if (load_ref())
		tap_diag("loading the edu buffer failed");
	pthread_barrier_init(&start_barrier, NULL, NWORKERS + 1);
	for (i = 0; i < NWORKERS; i++) {
		w[i].name = names[i];
		w[i].role = roles[i];
		w[i].seed = (unsigned int)mix64(opt.seed ^ (uint64_t)i << 8);
		atomic_init(&w[i].where, OP_IDLE);
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i])) {
			tap_diag("pthread_create failed");
			return tap_finish();
		}
	}
	pthread_barrier_wait(&start_barrier);
	t0 = edu_now_ns();
	while (edu_now_ns() - t0 < opt.seconds * 1000000000ULL)
		usleep(20000);
	atomic_store(&stop, true);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += HANG_SECONDS;
	for (i = 0; i < NWORKERS; i++) {
		if (pthread_timedjoin_np(w[i].tid, NULL, &ts)) {
			returned = false;
			tap_diag("thread %s did not return within %d s of the end: "
				 "stuck in %s", w[i].name, HANG_SECONDS,
				 op_name[atomic_load(&w[i].where)]);
		} else if (!atomic_load(&w[i].done)) {
			died = true;
			tap_diag("thread %s died in %s (Oops in the kernel?)",
				 w[i].name, op_name[atomic_load(&w[i].where)]);
		}
	}
	tap_diag("race ran %.1f s", (edu_now_ns() - t0) / 1e9);

	for (i = 0; i < NWORKERS; i++) {
		unsigned long useful = w[i].dmas - w[i].dma_err, wbad = 0;

		if (w[i].role != R_DMA)
			useful = 0;
		for (o = 0; o < OP_NR; o++) {
			useful += w[i].ok[o] + w[i].expected[o];
			wbad += w[i].bad[o];
		}
		bad += wbad;
		overlaps += w[i].overlaps;
		for (o = 0; o < OP_NR; o++)
			for (x = 0; x < OP_NR; x++)
				if ((o == OP_START || o == OP_STOP) &&
				    (x == OP_START || x == OP_STOP))
					startstop += w[i].pair[o][x];
		if (w[i].role == R_DMA)
			tap_diag("thread %s rounds %lu, DMAs during an ioctl %lu, "
				 "errors %lu%s%s, not landed %lu", w[i].name,
				 w[i].rounds, w[i].dma_overlap, w[i].dma_err,
				 w[i].dma_err ? " last " : "",
				 w[i].dma_err ? strerror(w[i].dma_errno) : "",
				 w[i].dma_lost);
		else
			tap_diag("thread %s rounds %lu, overlaps %lu, errors %lu; "
				 "%s %lu/%lu ok, %s %lu/%lu ok, %s %lu/%lu ok "
				 "(%lu+%lu+%lu EINVAL)", w[i].name, w[i].rounds,
				 w[i].overlaps, wbad,
				 op_name[w[i].role == R_SCAN ? OP_GET : OP_START],
				 w[i].ok[w[i].role == R_SCAN ? OP_GET : OP_START],
				 w[i].calls[w[i].role == R_SCAN ? OP_GET : OP_START],
				 op_name[w[i].role == R_SCAN ? OP_PEEK : OP_STOP],
				 w[i].ok[w[i].role == R_SCAN ? OP_PEEK : OP_STOP],
				 w[i].calls[w[i].role == R_SCAN ? OP_PEEK : OP_STOP],
				 op_name[OP_CLEAR], w[i].ok[OP_CLEAR],
				 w[i].calls[OP_CLEAR], w[i].expected[OP_GET],
				 w[i].expected[OP_PEEK], w[i].expected[OP_CLEAR]);
		tap_ok(w[i].rounds >= opt.min_rounds && useful >= opt.min_rounds,
		       "race: thread %s made at least %u rounds and successful "
		       "calls (%lu rounds, %lu)", w[i].name, opt.min_rounds,
		       w[i].rounds, useful);
	}
	tap_diag("overlaps START/STOP||START/STOP %lu", startstop);
	tap_ok(returned && !died, "race: every thread returned from its calls "
	       "(no hang, no thread killed in the kernel)");
	tap_ok(overlaps >= opt.min_overlaps,
	       "race: %lu ioctls started while another thread was inside one "
	       "(at least %u)", overlaps, opt.min_overlaps);
	tap_ok(startstop >= opt.min_pair,
	       "race: overlaps START/STOP||START/STOP: %lu (at least %u)",
	       startstop, opt.min_pair);
	tap_ok(!bad, "race: no ioctl failed with an unexpected errno (%lu did)",
	       bad);
	tap_ok(w[3].dmas && !w[3].dma_err && !w[3].dma_lost,
	       "race: every DMA completed and landed (%lu DMAs, %lu errors, %lu "
	       "not landed)", w[3].dmas, w[3].dma_err, w[3].dma_lost);
	if (!returned || died) {
		tap_diag("giving up: a thread is stuck in or was killed by the "
			 "kernel; the remaining checks are not run");
		ret = tap_finish();
		_exit(ret);
	}
	tap_ok(!dirty_flags(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP),
	       "after the race: STOP");

	exact_check("after the race");
	ret = dirty_flags(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
	if (ret)
		tap_diag("after the race: STOP failed: %s", strerror(-ret));
	data_check("after the race");

	ret = edu_unmap(&d, BUF_IOVA, BUF_LEN);
	if (!ret)
		ret = edu_unmap(&d, STAMP_IOVA, EDU_PAGE_SIZE);
	tap_ok(!ret, "teardown: VFIO_IOMMU_UNMAP_DMA of the buffer and the "
	       "stamp page");
	edu_close(&d);
	edu_buf_free(buf, BUF_LEN);
	edu_buf_free(stamp, EDU_PAGE_SIZE);
	free(ref);
	return tap_finish();
}
