// SPDX-License-Identifier: GPL-2.0
/*
 * migrate: the reference pre-copy migration loop, run for real.
 *
 * The edu device writes guest memory by DMA (a generated workload:
 * uniform, hot set or ring) while the loop of src/precopy.c copies that
 * memory page by page into a second buffer, the "destination", under a
 * clear policy, using the real dirty-tracking uAPI: iommufd
 * (GET_DIRTY_BITMAP with or without NO_CLEAR, CLEAR_DIRTY_BITMAP) or VFIO
 * type1 (GET_BITMAP, GET_BITMAP_NOCLEAR, CLEAR_BITMAP).
 *
 * Sends are paced at --send-us per page (the link), device writes are
 * issued when due (--rate per second), kernel calls take what they take
 * (see below for a loop running late).  Each write stamps the page with its version, so at the end
 * the destination must equal the source: a page that differs is a dirty
 * write the tracking lost, and fails the run.
 *
 * Prints one JSON object (src/precopy_out.h, plus the run's setup and
 * "lost_pages"); exit 0 when the migration completed with nothing lost,
 * 1 when it failed or lost writes, 3 when it did not keep to its
 * schedule (the link's page slots late by more than --max-lag-us on
 * average: the emulator stalled, the run does not follow the model and
 * should be repeated).
 *
 * Time is the model's: sends take --send-us each, calls what they took,
 * device writes happen when the schedule reaches them.  Real time runs
 * ahead when the loop is late (DMA, preemption); the loop then sends
 * back to back until it has caught up.  Kernel calls are not caught up:
 * before a late one the device catches up with the clock, and the link
 * is free when the call returns (src/precopy.c), so each call is made at
 * the time "dirtyscope record" stamps on it, and "dirtyscope policy
 * replay --compare" places its calls there.
 *
 *   migrate --uapi iommufd --policy manual --workload hotset --rate 4000
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include "edudma.h"
#include "precopy.h"
#include "precopy_out.h"
#include "workload.h"

#define MAP_IOVA	0x1000000ULL	/* the migrated range */
#define STAMP_IOVA	0x0800000ULL	/* one page of version stamps */
#define STAMP_SIZE	16		/* bytes a write puts in a page */
#define STAMPS		(EDU_DMA_BUF_SIZE / STAMP_SIZE)
/*
 * type1 maps the range in 1 MiB pieces, as a VMM maps RAM in blocks: a
 * type1 dirty range must cover whole mappings, so this is the finest
 * range the chunked policies can read.
 */
#define TYPE1_PIECE	(1ULL << 20)
#define PIECE_PAGES	(TYPE1_PIECE / EDU_PAGE_SIZE)

enum uapi { UAPI_IOMMUFD, UAPI_TYPE1 };

static struct env {
	enum uapi uapi;
	struct ds_pol pol;
	struct ds_wl wl;
	uint64_t rate;
	uint64_t size_mib;
	uint64_t seed;
	struct ds_mig_params par;
	const char *out;
	uint64_t max_lag_ns;
} env = {
	.max_lag_ns = 2000000,
	.rate = 4000,
	.size_mib = 8,
	.seed = 1,
	.par = {
		.pgsize = EDU_PAGE_SIZE,
		.send_ns = 50000,
		.downtime_ns = 2000000,
		.max_iters = 30,
	},
};

struct live {
	struct edu_dev d;
	uint32_t hwpt;
	uint8_t *src, *dst, *stamps;
	uint64_t npages;
	uint64_t t0;
	struct ds_wl wl;
	uint64_t next_page, next_t;	/* the next write */
	bool stopped;
	uint32_t *ver, *sent_ver;	/* per page */
	uint64_t writes, write_lag_max, write_lag_sum, dma_ns;
	uint64_t waits, wait_lag_max, wait_lag_sum;	/* link behind schedule */
	uint64_t *scratch;		/* type1: a clear widened to whole pieces */
	bool split;			/* iommufd: blocks split for tracking */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t live_now(void *ctx)
{
	struct live *l = ctx;

	return mono_ns() - l->t0;
}

/*
 * Issue every write due by @upto: one 16-byte DMA of the page's next
 * stamp.  The device follows the loop's schedule (the model's clock):
 * a loop running late does not get writes from the future of its
 * schedule, a loop on time gets them when they are due.
 */
static int issue_due(struct live *l, uint64_t upto)
{
	uint64_t lag, t;
	uint32_t v;
	int ret;

	while (!l->stopped && l->next_t <= upto) {
		v = ++l->ver[l->next_page];
		t = mono_ns();
		ret = edu_dma(&l->d, true,
			      MAP_IOVA + l->next_page * EDU_PAGE_SIZE,
			      (v % STAMPS) * STAMP_SIZE, STAMP_SIZE);
		if (ret)
			return ret;
		l->dma_ns += mono_ns() - t;
		lag = live_now(l) - l->next_t;
		if (lag > l->write_lag_max)
			l->write_lag_max = lag;
		l->write_lag_sum += lag;
		l->writes++;
		l->next_page = ds_wl_next(&l->wl, &l->next_t);
	}
	return 0;
}

static int live_wait_until(void *ctx, uint64_t t)
{
	struct live *l = ctx;
	uint64_t now, lag;
	int ret;

	do {
		now = live_now(l);
		ret = issue_due(l, now < t ? now : t);
		if (ret)
			return ret;
	} while (now < t);
	/* how late the link's next slot starts: the model says on time */
	lag = now - t;
	l->waits++;
	l->wait_lag_sum += lag;
	if (lag > l->wait_lag_max)
		l->wait_lag_max = lag;
	return 0;
}

static int live_read(void *ctx, uint64_t first, uint64_t n, bool clear,
		     uint64_t *bits, uint64_t *ns)
{
	struct live *l = ctx;
	uint64_t iova = MAP_IOVA + first * EDU_PAGE_SIZE, t = mono_ns();
	int ret;

	if (env.uapi == UAPI_IOMMUFD) {
		ret = edu_iommufd_get_dirty(&l->d, l->hwpt, iova,
					    n * EDU_PAGE_SIZE,
					    clear ? 0 : IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
					    bits);
	} else {
		/* widening a read would clear pages it does not report */
		if (first % PIECE_PAGES || n % PIECE_PAGES)
			return -EINVAL;
		ret = edu_type1_dirty_op(&l->d,
					 clear ? VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP :
					 VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP_NOCLEAR,
					 iova, n * EDU_PAGE_SIZE, bits);
	}
	*ns = mono_ns() - t;
	return ret;
}

static int live_clear(void *ctx, uint64_t first, uint64_t n,
		      const uint64_t *bits, uint64_t *ns)
{
	struct live *l = ctx;
	uint64_t iova = MAP_IOVA + first * EDU_PAGE_SIZE, t, a, e, i;
	int ret;

	if (env.uapi == UAPI_IOMMUFD) {
		t = mono_ns();
		ret = edu_iommufd_clear_dirty(&l->d, l->hwpt, iova,
					      n * EDU_PAGE_SIZE, EDU_PAGE_SIZE,
					      bits);
		*ns = mono_ns() - t;
		return ret;
	}
	/* type1: whole pieces, with the bits of the pages asked for only */
	a = first / PIECE_PAGES * PIECE_PAGES;
	e = (first + n + PIECE_PAGES - 1) / PIECE_PAGES * PIECE_PAGES;
	memset(l->scratch, 0, edu_bitmap_words(e - a) * sizeof(uint64_t));
	for (i = 0; i < n; i++)
		if (bits[i / 64] >> (i % 64) & 1)
			edu_bitmap_set(l->scratch, first - a + i);
	t = mono_ns();
	ret = edu_type1_dirty_op(&l->d, VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP,
				 MAP_IOVA + a * EDU_PAGE_SIZE,
				 (e - a) * EDU_PAGE_SIZE, l->scratch);
	*ns = mono_ns() - t;
	return ret;
}

static int live_send(void *ctx, uint64_t page, bool *redundant)
{
	struct live *l = ctx;

	if (page >= l->npages)
		return -EINVAL;
	*redundant = l->sent_ver[page] && l->sent_ver[page] == l->ver[page] + 1;
	memcpy(l->dst + page * EDU_PAGE_SIZE, l->src + page * EDU_PAGE_SIZE,
	       EDU_PAGE_SIZE);
	/* + 1: 0 means never sent */
	l->sent_ver[page] = l->ver[page] + 1;
	return 0;
}

static int live_stop_device(void *ctx)
{
	struct live *l = ctx;

	l->stopped = true;
	return 0;
}

/*
 * What a call costs besides the kernel's work on it: the median of a
 * null ioctl on the same file (iommufd: an unknown command; type1:
 * CHECK_EXTENSION).  Under TCG it is ~0.1 ms, natively ~1 us; the
 * replay adds it to the recorded in-kernel times.
 */
static uint64_t null_ioctl_ns(struct live *l)
{
	uint64_t t[64], tmp, t0;
	int i, j;

	for (i = 0; i < 64; i++) {
		t0 = mono_ns();
		if (env.uapi == UAPI_IOMMUFD)
			ioctl(l->d.iommufd, _IO(IOMMUFD_TYPE, 0xff));
		else
			ioctl(l->d.container_fd, VFIO_CHECK_EXTENSION,
			      VFIO_TYPE1v2_IOMMU);
		t[i] = mono_ns() - t0;
	}
	for (i = 1; i < 64; i++)
		for (j = i; j > 0 && t[j - 1] > t[j]; j--) {
			tmp = t[j];
			t[j] = t[j - 1];
			t[j - 1] = tmp;
		}
	return t[32];
}

/* --- setup ------------------------------------------------------------- */

static int setup(struct live *l)
{
	size_t len = l->npages * EDU_PAGE_SIZE, i;
	uint64_t caps = 0, off;
	int ret;

	edu_init(&l->d);
	/* a write must take microseconds, not a sleep: the loop is paced */
	l->d.dma_spin = true;
	ret = edu_find(l->d.bdf, sizeof(l->d.bdf));
	if (!ret)
		ret = edu_bind_vfio_pci(l->d.bdf);
	if (ret)
		return ret;
	if (env.uapi == UAPI_IOMMUFD) {
		ret = edu_iommufd_open(&l->d);
		if (!ret)
			ret = edu_iommufd_hwpt_alloc(&l->d,
						     IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
						     &l->hwpt);
		if (!ret)
			ret = edu_iommufd_attach(&l->d, l->hwpt);
	} else {
		ret = edu_type1_open(&l->d);
	}
	if (ret)
		return ret;

	l->src = edu_buf_alloc(len, false);
	l->dst = malloc(len);
	l->stamps = edu_buf_alloc(EDU_PAGE_SIZE, false);
	l->ver = calloc(l->npages, sizeof(*l->ver));
	l->sent_ver = calloc(l->npages, sizeof(*l->sent_ver));
	l->scratch = edu_bitmap_alloc(l->npages);
	if (!l->src || !l->dst || !l->stamps || !l->ver || !l->sent_ver ||
	    !l->scratch)
		return -ENOMEM;
	/* stamp v: "dsv" and v, so every version of a page differs */
	for (i = 0; i < STAMPS; i++)
		snprintf((char *)l->stamps + i * STAMP_SIZE, STAMP_SIZE,
			 "dsv%012zu", i);
	if (env.uapi == UAPI_IOMMUFD) {
		ret = edu_map(&l->d, l->src, MAP_IOVA, len);
	} else {
		if (len % TYPE1_PIECE)
			return -EINVAL;
		for (off = 0, ret = 0; off < len && !ret; off += TYPE1_PIECE)
			ret = edu_map(&l->d, l->src + off, MAP_IOVA + off,
				      TYPE1_PIECE);
	}
	if (!ret)
		ret = edu_map(&l->d, l->stamps, STAMP_IOVA, EDU_PAGE_SIZE);
	if (!ret)
		ret = edu_enable(&l->d);
	/* the device's buffer holds the stamps; writes copy one out */
	if (!ret)
		ret = edu_dma(&l->d, false, STAMP_IOVA, 0, EDU_DMA_BUF_SIZE);
	if (ret)
		return ret;
	if (env.uapi == UAPI_TYPE1)
		return edu_type1_dirty_start(&l->d);
	/*
	 * Track at page granularity even where the range is mapped with
	 * blocks (transparent huge pages), as a VMM would with the series.
	 */
	l->split = !edu_iommufd_hw_caps(&l->d, &caps) &&
		   (caps & IOMMU_HW_CAP_DIRTY_SPLIT);
	return edu_iommufd_set_dirty_flags(&l->d, l->hwpt,
					   IOMMU_HWPT_DIRTY_TRACKING_ENABLE |
					   (l->split ? IOMMU_HWPT_DIRTY_TRACKING_SPLIT : 0));
}

/* --- options ----------------------------------------------------------- */

enum {
	OPT_SEND_US = 0x100,
	OPT_DOWNTIME_US,
	OPT_MAX_ITERS,
	OPT_SEED,
	OPT_SIZE,
	OPT_UAPI,
	OPT_MAX_LAG,
};

static const struct argp_option opts[] = {
	{ "uapi", OPT_UAPI, "iommufd|type1", 0, "dirty-tracking uAPI (default iommufd)", 0 },
	{ "policy", 'p', "P", 0, "eager, manual[:MiB], chunked:MiB, adaptive (default eager)", 0 },
	{ "workload", 'w', "W", 0, "uniform, hotset[:PCT[:SHARE]], ring[:PAGES] (default uniform)", 0 },
	{ "rate", 'r', "WRITES", 0, "device writes per second (default 4000)", 0 },
	{ "size", OPT_SIZE, "MIB", 0, "migrated range (default 8)", 0 },
	{ "send-us", OPT_SEND_US, "US", 0, "link time per page (default 50)", 0 },
	{ "downtime-us", OPT_DOWNTIME_US, "US", 0, "stop-and-copy target (default 2000)", 0 },
	{ "max-iters", OPT_MAX_ITERS, "N", 0, "passes after the first, at most (default 30)", 0 },
	{ "seed", OPT_SEED, "N", 0, "workload seed (default 1)", 0 },
	{ "max-lag-us", OPT_MAX_LAG, "US", 0, "exit 3 when page slots were this late on average (default 2000)", 0 },
	{ "output", 'o', "FILE", 0, "JSON result to FILE (default stdout)", 0 },
	{},
};

static uint64_t num(struct argp_state *state, const char *arg, uint64_t min,
		    uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || end == arg || v < min || v > max)
		argp_error(state, "invalid number: %s", arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_UAPI:
		if (!strcmp(arg, "iommufd"))
			env.uapi = UAPI_IOMMUFD;
		else if (!strcmp(arg, "type1"))
			env.uapi = UAPI_TYPE1;
		else
			argp_error(state, "invalid --uapi: %s", arg);
		break;
	case 'p':
		if (ds_pol_parse(arg, &env.pol))
			argp_error(state, "invalid policy: %s", arg);
		break;
	case 'w':
		if (ds_wl_parse(arg, &env.wl))
			argp_error(state, "invalid workload: %s", arg);
		break;
	case 'r':
		env.rate = num(state, arg, 1, 1000000);
		break;
	case OPT_SIZE:
		env.size_mib = num(state, arg, 1, 128);
		break;
	case OPT_SEND_US:
		env.par.send_ns = num(state, arg, 1, 1000000) * 1000;
		break;
	case OPT_DOWNTIME_US:
		env.par.downtime_ns = num(state, arg, 0, 100000000) * 1000;
		break;
	case OPT_MAX_ITERS:
		env.par.max_iters = num(state, arg, 0, DS_MIG_MAX_ITERS);
		break;
	case OPT_SEED:
		env.seed = num(state, arg, 0, UINT64_MAX);
		break;
	case OPT_MAX_LAG:
		env.max_lag_ns = num(state, arg, 1, 10000000) * 1000;
		break;
	case 'o':
		env.out = arg;
		break;
	case ARGP_KEY_ARG:
		argp_usage(state);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = "The reference pre-copy migration loop, against the edu "
		       "device and the real dirty-tracking uAPI.",
	};
	struct ds_mig_backend be = {};
	struct ds_mig_stats st;
	struct json_object *o;
	struct live l = {};
	uint64_t p, lost = 0, lag, slip, syscall_ns;
	char wname[48];
	FILE *f = stdout;
	int ret;

	ds_pol_parse("eager", &env.pol);
	ds_wl_parse("uniform", &env.wl);
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	l.npages = (env.size_mib << 20) / EDU_PAGE_SIZE;
	env.par.npages = l.npages;
	l.wl = env.wl;
	ret = ds_wl_init(&l.wl, l.npages, env.rate, env.seed);
	if (ret) {
		fprintf(stderr, "migrate: workload: %s\n", strerror(-ret));
		return 2;
	}
	ds_wl_format(&l.wl, wname, sizeof(wname));
	ret = setup(&l);
	if (ret) {
		fprintf(stderr, "migrate: setup failed: %s\n", strerror(-ret));
		return 1;
	}

	be = (struct ds_mig_backend){
		.ctx = &l, .now = live_now, .wait_until = live_wait_until,
		.read = live_read, .clear = live_clear, .send = live_send,
		.stop_device = live_stop_device,
	};
	/* warm up the DMA path (under TCG the first DMAs cost 4x) */
	for (p = 0; p < 256 && !ret; p++)
		ret = edu_dma(&l.d, true, STAMP_IOVA, 0, STAMP_SIZE);
	if (ret) {
		fprintf(stderr, "migrate: DMA failed: %s\n", strerror(-ret));
		return 1;
	}
	syscall_ns = null_ioctl_ns(&l);
	l.next_page = ds_wl_next(&l.wl, &l.next_t);
	l.t0 = mono_ns();
	ret = ds_mig_run(&env.pol, &env.par, &be, &st);
	if (ret) {
		fprintf(stderr, "migrate: migration failed: %s\n", strerror(-ret));
		return 1;
	}
	for (p = 0; p < l.npages; p++)
		if (memcmp(l.src + p * EDU_PAGE_SIZE, l.dst + p * EDU_PAGE_SIZE,
			   EDU_PAGE_SIZE))
			lost++;

	o = ds_mig_to_json(&env.pol, &env.par, &st);
	json_object_object_add(o, "uapi", json_object_new_string(
				       env.uapi == UAPI_IOMMUFD ? "iommufd" : "type1"));
	json_object_object_add(o, "workload", json_object_new_string(wname));
	json_object_object_add(o, "rate", json_object_new_uint64(env.rate));
	json_object_object_add(o, "seed", json_object_new_uint64(env.seed));
	json_object_object_add(o, "writes", json_object_new_uint64(l.writes));
	json_object_object_add(o, "write_lag_max_ns",
			       json_object_new_uint64(l.write_lag_max));
	lag = l.writes ? l.write_lag_sum / l.writes : 0;
	json_object_object_add(o, "write_lag_mean_ns", json_object_new_uint64(lag));
	slip = l.waits ? l.wait_lag_sum / l.waits : 0;
	json_object_object_add(o, "link_lag_max_ns",
			       json_object_new_uint64(l.wait_lag_max));
	json_object_object_add(o, "link_lag_mean_ns", json_object_new_uint64(slip));
	json_object_object_add(o, "paced",
			       json_object_new_boolean(slip <= env.max_lag_ns));
	json_object_object_add(o, "dma_ns_mean",
			       json_object_new_uint64(l.writes ? l.dma_ns / l.writes : 0));
	json_object_object_add(o, "split", json_object_new_boolean(l.split));
	json_object_object_add(o, "syscall_ns", json_object_new_uint64(syscall_ns));
	json_object_object_add(o, "lost_pages", json_object_new_uint64(lost));
	if (env.out && strcmp(env.out, "-")) {
		f = fopen(env.out, "w");
		if (!f) {
			fprintf(stderr, "migrate: %s: %s\n", env.out, strerror(errno));
			return 1;
		}
	}
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	if (f != stdout)
		fclose(f);
	json_object_put(o);
	if (lost)
		fprintf(stderr, "migrate: %" PRIu64 " pages differ after the migration: "
			"dirty writes were lost\n", lost);
	edu_close(&l.d);
	if (lost)
		return 1;
	if (slip > env.max_lag_ns) {
		fprintf(stderr, "migrate: pacing lost: the link's page slots "
			"were %" PRIu64 " us late on average (--max-lag-us %"
			PRIu64 ")\n", slip / 1000, env.max_lag_ns / 1000);
		return 3;
	}
	return 0;
}
