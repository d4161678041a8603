// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Tests of the clear-policy code: the pre-copy loop (src/precopy.c), the
 * workloads, the simulator and the replay.  No BPF, no device.
 *
 *	test_policy check			assertions, "ok - "/"not ok - "
 *	test_policy trace FILE RUN.json P W RATE [SEED [STALL_US]]
 *		simulate policy P on workload W and write what it read and
 *		cleared as a "dirtyscope record --bitmaps" recording, and the
 *		run's result as the reference loop would print it; with
 *		STALL_US the loop runs late like the guest's (stalls of
 *		STALL_US on average, calls costing more than their recorded
 *		kernel time)
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "polsim.h"
#include "precopy.h"
#include "precopy_out.h"
#include "recfile.h"
#include "replay.h"
#include "workload.h"

static int failures;

#define CHECK(cond, ...) do {					\
	if (cond) {						\
		printf("ok - ");				\
	} else {						\
		printf("not ok - ");				\
		failures++;					\
	}							\
	printf(__VA_ARGS__);					\
	printf("\n");						\
} while (0)

#define NPAGES		2048
#define HORIZON		(60ULL * 1000000000ULL)

static const struct ds_mig_params par = {
	.npages = NPAGES, .pgsize = 4096, .send_ns = 50000,
	.downtime_ns = 2000000, .max_iters = 30,
};

static void test_parse(void)
{
	static const struct { const char *in, *out; } good[] = {
		{ "eager", "eager" }, { "manual", "manual:2" },
		{ "manual:8", "manual:8" }, { "chunked:1", "chunked:1" },
		{ "adaptive", "adaptive" },
	};
	static const char *const bad[] = {
		"", "lazy", "manual:", "manual:0", "chunked", "chunked:0",
		"chunked:-1", "chunked:1x", "chunked:99999999999", "eager:1",
		"manual:01",
	};
	static const struct { const char *in, *out; } wgood[] = {
		{ "uniform", "uniform" }, { "hotset", "hotset:10:90" },
		{ "hotset:20", "hotset:20:90" }, { "hotset:5:99", "hotset:5:99" },
		{ "ring", "ring" }, { "ring:64", "ring:64" },
	};
	static const char *const wbad[] = {
		"", "zipf", "hotset:", "hotset:0", "hotset:100", "hotset:10:",
		"hotset:10:101", "ring:", "ring:0", "ring:x", "uniform:1",
	};
	struct ds_pol p;
	struct ds_wl w;
	char buf[48];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = ds_pol_parse(good[i].in, &p);

		ds_pol_format(&p, buf, sizeof(buf));
		CHECK(!r && !strcmp(buf, good[i].out), "policy \"%s\" parses as %s",
		      good[i].in, buf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(ds_pol_parse(bad[i], &p) == -EINVAL,
		      "policy \"%s\" is rejected", bad[i]);
	for (i = 0; i < sizeof(wgood) / sizeof(wgood[0]); i++) {
		int r = ds_wl_parse(wgood[i].in, &w);

		ds_wl_format(&w, buf, sizeof(buf));
		CHECK(!r && !strcmp(buf, wgood[i].out),
		      "workload \"%s\" parses as %s", wgood[i].in, buf);
	}
	for (i = 0; i < sizeof(wbad) / sizeof(wbad[0]); i++)
		CHECK(ds_wl_parse(wbad[i], &w) == -EINVAL,
		      "workload \"%s\" is rejected", wbad[i]);
}

static void test_workloads(void)
{
	struct ds_wl a, b;
	uint64_t t, t2, i, hot = 0, *is_hot, same = 1, p, q;
	unsigned int n = 100000;

	ds_wl_parse("uniform", &a);
	CHECK(ds_wl_init(&a, 0, 1000, 1) == -EINVAL, "no pages: EINVAL");
	CHECK(ds_wl_init(&a, 16, 0, 1) == -EINVAL, "rate 0: EINVAL");
	ds_wl_parse("ring:17", &a);
	CHECK(ds_wl_init(&a, 16, 1000, 1) == -EINVAL,
	      "ring longer than the range: EINVAL");

	/* same seed, same stream; evenly spaced times */
	ds_wl_parse("hotset", &a);
	ds_wl_parse("hotset", &b);
	ds_wl_init(&a, NPAGES, 4000, 42);
	ds_wl_init(&b, NPAGES, 4000, 42);
	for (i = 0; i < 1000; i++) {
		p = ds_wl_next(&a, &t);
		q = ds_wl_next(&b, &t2);
		same &= p == q && t == t2 && t == i * 250000;
	}
	CHECK(same, "hotset: one seed gives one stream, a write every 250 us at 4000/s");
	ds_wl_free(&b);

	/* hot pages: ~10% of the range, ~90% of the writes */
	is_hot = calloc(NPAGES, sizeof(*is_hot));
	for (i = 0; i < a.nhot; i++)
		is_hot[a.hot[i]] = 1;
	CHECK(a.nhot > NPAGES * 8 / 100 && a.nhot < NPAGES * 12 / 100,
	      "hotset: %llu of %d pages are hot (~10%%)",
	      (unsigned long long)a.nhot, NPAGES);
	CHECK(a.hot[a.nhot - 1] - a.hot[0] > NPAGES / 2,
	      "hotset: hot pages are scattered over the range");
	for (i = 0; i < n; i++)
		hot += is_hot[ds_wl_next(&a, &t)];
	CHECK(fabs((double)hot / n - 0.9) < 0.01,
	      "hotset: %.3f of the writes hit hot pages (0.9)", (double)hot / n);
	free(is_hot);
	ds_wl_free(&a);

	ds_wl_parse("ring:5", &a);
	ds_wl_init(&a, NPAGES, 1000, 1);
	same = 1;
	for (i = 0; i < 12; i++)
		same &= ds_wl_next(&a, &t) == i % 5;
	CHECK(same, "ring:5 writes pages 0,1,2,3,4,0,1,... in order");

	ds_wl_parse("uniform", &a);
	ds_wl_init(&a, NPAGES, 1000, 7);
	for (i = 0, hot = 0; i < n; i++)
		hot += ds_wl_next(&a, &t) < NPAGES / 2;
	CHECK(fabs((double)hot / n - 0.5) < 0.01,
	      "uniform: %.3f of the writes in the lower half (0.5)",
	      (double)hot / n);
}

/*
 * A loop that runs late, as the guest's reference loop does under TCG:
 * it stalls before some calls and some sends (its clock jumps while the
 * device keeps writing), and each call costs it more than the kernel time
 * a recording shows (syscall entry and exit, tracing).  Stalls average
 * stall_ns, one call in 4 and one send in 200.
 */
struct late {
	struct ds_sim *sim;
	struct ds_mig_backend sb;
	uint64_t rng, stall_ns;
};

static void late_stall(struct late *l, uint64_t one_in)
{
	if (!ds_rand_below(&l->rng, one_in))
		l->sim->now += ds_rand_below(&l->rng, 2 * l->stall_ns + 1);
}

/* what the call cost the loop beyond its kernel time: 20-120 us */
static void late_overhead(struct late *l, uint64_t *ns)
{
	uint64_t x = 20000 + ds_rand_below(&l->rng, 100000);

	l->sim->now += x;
	*ns += x;
}

static uint64_t late_now(void *ctx)
{
	struct late *l = ctx;

	return l->sb.now(l->sb.ctx);
}

static int late_wait_until(void *ctx, uint64_t t)
{
	struct late *l = ctx;

	return l->sb.wait_until(l->sb.ctx, t);
}

static int late_read(void *ctx, uint64_t first, uint64_t n, bool clear,
		     uint64_t *bits, uint64_t *ns)
{
	struct late *l = ctx;
	int ret;

	late_stall(l, 4);
	ret = l->sb.read(l->sb.ctx, first, n, clear, bits, ns);
	if (!ret)
		late_overhead(l, ns);
	return ret;
}

static int late_clear(void *ctx, uint64_t first, uint64_t n,
		      const uint64_t *bits, uint64_t *ns)
{
	struct late *l = ctx;
	int ret;

	late_stall(l, 4);
	ret = l->sb.clear(l->sb.ctx, first, n, bits, ns);
	if (!ret)
		late_overhead(l, ns);
	return ret;
}

static int late_send(void *ctx, uint64_t page, bool *redundant)
{
	struct late *l = ctx;

	late_stall(l, 200);
	return l->sb.send(l->sb.ctx, page, redundant);
}

static int late_stop_device(void *ctx)
{
	struct late *l = ctx;

	return l->sb.stop_device(l->sb.ctx);
}

/* one simulated migration, late by @stall_ns stalls; its log when @log */
static int simulate_late(const char *pol, const char *wl, uint64_t rate,
			 uint64_t seed, uint64_t stall_ns,
			 struct ds_obs_log *log, struct ds_mig_stats *st,
			 uint64_t *lost)
{
	struct ds_mig_backend be;
	struct late l;
	struct ds_sim sim;
	struct ds_pol p;
	struct ds_wl w;
	int ret;

	if (ds_pol_parse(pol, &p) || ds_wl_parse(wl, &w))
		return -EINVAL;
	ret = ds_wl_init(&w, NPAGES, rate, seed);
	if (ret)
		return ret;
	ret = ds_sim_init_workload(&sim, &w, HORIZON, &ds_lat_default);
	ds_wl_free(&w);
	if (!ret) {
		sim.log = log;
		ds_sim_backend(&sim, &be);
		if (stall_ns) {
			l = (struct late){ .sim = &sim, .sb = be,
					   .rng = seed ^ 0x5eed, .stall_ns = stall_ns };
			be = (struct ds_mig_backend){
				.ctx = &l, .now = late_now,
				.wait_until = late_wait_until, .read = late_read,
				.clear = late_clear, .send = late_send,
				.stop_device = late_stop_device,
			};
		}
		ret = ds_mig_run(&p, &par, &be, st);
		if (lost)
			*lost = ds_sim_lost(&sim);
	}
	ds_sim_free(&sim);
	return ret;
}

/* one simulated migration; its log when @log */
static int simulate(const char *pol, const char *wl, uint64_t rate,
		    uint64_t seed, struct ds_obs_log *log,
		    struct ds_mig_stats *st, uint64_t *lost)
{
	return simulate_late(pol, wl, rate, seed, 0, log, st, lost);
}

static const char *const policies[] = {
	"eager", "manual", "manual:1", "chunked:1", "chunked:4", "adaptive",
};
static const char *const workloads[] = { "uniform", "hotset", "ring" };
#define NPOL	(sizeof(policies) / sizeof(policies[0]))
#define NWL	(sizeof(workloads) / sizeof(workloads[0]))

static void test_loop(void)
{
	struct ds_mig_stats st, eager, manual;
	uint64_t lost, pass_sent;
	unsigned int i, w, k;
	int ret;

	/* an idle device: one pass, nothing resent */
	for (i = 0; i < NPOL; i++) {
		ret = simulate(policies[i], "uniform", 1, 1, NULL, &st, &lost);
		CHECK(!ret && st.sent == NPAGES && !st.resent && !st.redundant &&
		      st.converged && !lost,
		      "%s, idle device: %llu pages sent once, converged",
		      policies[i], (unsigned long long)st.sent);
	}

	for (w = 0; w < NWL; w++) {
		for (i = 0; i < NPOL; i++) {
			ret = simulate(policies[i], workloads[w], 8000, 1, NULL,
				       &st, &lost);
			for (k = 0, pass_sent = 0; k < st.npass; k++)
				pass_sent += st.pass[k].sent;
			CHECK(!ret && !lost, "%s on %s: no write lost (%llu sent)",
			      policies[i], workloads[w],
			      (unsigned long long)st.sent);
			CHECK(st.resent == st.sent - NPAGES &&
			      st.redundant <= st.resent && pass_sent == st.sent &&
			      st.pass[st.npass - 1].sent == st.final_pages,
			      "%s on %s: counters add up (resent %llu, redundant %llu)",
			      policies[i], workloads[w],
			      (unsigned long long)st.resent,
			      (unsigned long long)st.redundant);
			CHECK(st.downtime_ns >= st.final_pages * par.send_ns &&
			      st.total_ns >= st.sent * par.send_ns &&
			      (!st.converged ||
			       st.pass[st.npass - 1].dirty * par.send_ns <=
			       4 * par.downtime_ns),
			      "%s on %s: downtime %.2f ms, total %.1f ms",
			      policies[i], workloads[w], st.downtime_ns / 1e6,
			      st.total_ns / 1e6);
		}
	}

	/* clearing just before sending resends less */
	for (w = 0; w < NWL; w++) {
		simulate("eager", workloads[w], 8000, 3, NULL, &eager, NULL);
		simulate("manual:1", workloads[w], 8000, 3, NULL, &manual, NULL);
		CHECK(manual.redundant * 2 < eager.redundant,
		      "%s: manual:1 resends %llu unchanged pages, eager %llu",
		      workloads[w], (unsigned long long)manual.redundant,
		      (unsigned long long)eager.redundant);
	}

	/* no progress: stops after max_iters, not converged */
	ret = simulate("eager", "uniform", 200000, 1, NULL, &st, &lost);
	CHECK(!ret && !st.converged && st.iters == par.max_iters && !lost,
	      "a device faster than the link: %u passes, not converged, nothing lost",
	      st.iters);
}

static int fail_read(void *ctx, uint64_t first, uint64_t n, bool clear,
		     uint64_t *bits, uint64_t *ns)
{
	(void)ctx; (void)first; (void)n; (void)clear; (void)bits; (void)ns;
	return -EIO;
}

static void test_errors(void)
{
	struct ds_mig_params bad = par;
	struct ds_mig_backend be;
	struct ds_mig_stats st;
	struct ds_sim sim;
	struct ds_pol p;
	struct ds_wl w;

	ds_pol_parse("eager", &p);
	ds_wl_parse("uniform", &w);
	ds_wl_init(&w, NPAGES, 1000, 1);
	ds_sim_init_workload(&sim, &w, HORIZON, &ds_lat_default);
	ds_wl_free(&w);
	ds_sim_backend(&sim, &be);

	bad.npages = 0;
	CHECK(ds_mig_run(&p, &bad, &be, &st) == -EINVAL, "0 pages: EINVAL");
	bad = par;
	bad.pgsize = 3000;
	CHECK(ds_mig_run(&p, &bad, &be, &st) == -EINVAL,
	      "page size not a power of two: EINVAL");
	bad = par;
	bad.max_iters = DS_MIG_MAX_ITERS + 1;
	CHECK(ds_mig_run(&p, &bad, &be, &st) == -EINVAL,
	      "max_iters above %d: EINVAL", DS_MIG_MAX_ITERS);
	be.read = fail_read;
	CHECK(ds_mig_run(&p, &par, &be, &st) == -EIO,
	      "a failing read stops the migration with its error");
	ds_sim_free(&sim);

	/* a simulation that outruns the known writes */
	ds_wl_parse("uniform", &w);
	ds_wl_init(&w, NPAGES, 1000, 1);
	ds_sim_init_workload(&sim, &w, 10000000, &ds_lat_default);
	ds_wl_free(&w);
	ds_sim_backend(&sim, &be);
	CHECK(ds_mig_run(&p, &par, &be, &st) == -ERANGE,
	      "past the horizon of known writes: ERANGE");
	ds_sim_free(&sim);
}

static void test_adaptive_group(void)
{
	/* k = sqrt(2 * 200 us / (1e-5 /ns)) / 50 us = 200000 / 50000 = 4 */
	CHECK(ds_pol_adaptive_group(1000, 1e-5, 200000, 50000) == 4,
	      "adaptive group: sqrt(2 c / rate) / send = 4");
	CHECK(ds_pol_adaptive_group(1000, 0, 200000, 50000) == 1000,
	      "adaptive group: no re-dirtying, one group");
	CHECK(ds_pol_adaptive_group(3, 1e-12, 200000, 50000) == 3,
	      "adaptive group: at most the dirty pages");
	CHECK(ds_pol_adaptive_group(1000, 1, 1, 50000) == 1,
	      "adaptive group: at least one page");
}

static void test_replay_math(void)
{
	struct ds_obs obs[6];
	struct ds_lat_model m;
	unsigned int fitted;
	uint64_t samples[DS_CALL_NR], bits = 0;
	int i;

	/* exact lines back from the durations */
	for (i = 0; i < 6; i++)
		obs[i] = (struct ds_obs){
			.n = 256u << (i % 3), .call = i < 3 ? DS_CALL_READ_CLEAR :
							      DS_CALL_CLEAR,
			.bits = &bits,
		};
	for (i = 0; i < 6; i++)
		obs[i].duration_ns = i < 3 ? 100000 + 50 * obs[i].n :
					     20000 + 10 * obs[i].n;
	ds_replay_fit_lat(obs, 6, &m, &fitted, samples);
	/* three samples of one kind are too few for a line: scaled default */
	CHECK(fitted == (1U << DS_CALL_READ_CLEAR | 1U << DS_CALL_CLEAR) &&
	      samples[DS_CALL_READ_CLEAR] == 3 && samples[DS_CALL_READ] == 0,
	      "cost model: read-clear and clear from the trace, read borrowed");
}

static void test_replay_agreement(void)
{
	struct ds_mig_stats st, direct, replayed;
	struct ds_replay_info info;
	struct ds_mig_backend be;
	struct ds_obs_log log;
	struct ds_sim sim;
	struct ds_pol p;
	unsigned int i, w;
	const struct ds_mig_tolerance tol = { 0.15, 24, 1 };
	bool ok;

	for (w = 0; w < NWL; w++) {
		for (i = 0; i < NPOL; i++) {
			memset(&log, 0, sizeof(log));
			simulate(policies[i], workloads[w], 8000, 5, &log, &st,
				 NULL);
			ds_pol_parse(policies[i], &p);
			ok = !ds_replay_build(log.v, log.n, NPAGES, HORIZON, 9,
					      &sim, &info);
			ds_sim_backend(&sim, &be);
			ok = ok && !ds_mig_run(&p, &par, &be, &replayed);
			ds_sim_free(&sim);
			CHECK(ok && replayed.sent == st.sent &&
			      replayed.resent == st.resent &&
			      replayed.iters == st.iters &&
			      ds_mig_agree(NULL, &st, &replayed, &tol, true),
			      "%s on %s: its replay reads what it read (sent %llu/%llu, "
			      "redundant %llu/%llu)", policies[i], workloads[w],
			      (unsigned long long)st.sent,
			      (unsigned long long)replayed.sent,
			      (unsigned long long)st.redundant,
			      (unsigned long long)replayed.redundant);
			ds_obs_log_free(&log);
		}
	}

	/* an eager trace predicts the other policies */
	for (w = 0; w < NWL; w++) {
		memset(&log, 0, sizeof(log));
		simulate("eager", workloads[w], 8000, 5, &log, &st, NULL);
		for (i = 1; i < NPOL; i++) {
			simulate(policies[i], workloads[w], 8000, 5, NULL, &direct,
				 NULL);
			ds_pol_parse(policies[i], &p);
			ok = !ds_replay_build(log.v, log.n, NPAGES, HORIZON, 9,
					      &sim, &info);
			ds_sim_backend(&sim, &be);
			ok = ok && !ds_mig_run(&p, &par, &be, &replayed);
			ds_sim_free(&sim);
			CHECK(ok && fabs((double)replayed.sent / direct.sent - 1) < 0.1,
			      "%s on %s, predicted from an eager trace: sent %llu, "
			      "simulated %llu (within 10%%)", policies[i],
			      workloads[w], (unsigned long long)replayed.sent,
			      (unsigned long long)direct.sent);
		}
		ds_obs_log_free(&log);
	}
}

/*
 * The rebuilt device writes at the rate the recorded one did.  Not for a
 * ring whose lap is longer than half the recording (512 pages at 2000/s:
 * 256 ms, against ~110 ms recorded): nothing in it shows the period, and
 * as Poisson writers its pages look faster than they are (docs/design.md).
 */
static void test_rate_recovery(void)
{
	static const struct { const char *wl; unsigned int rate; } c[] = {
		{ "uniform", 2000 }, { "uniform", 8000 }, { "hotset", 2000 },
		{ "hotset", 8000 }, { "ring", 8000 }, { "ring:64", 2000 },
	};
	struct ds_replay_info info;
	struct ds_mig_stats st;
	struct ds_obs_log log;
	struct ds_sim sim;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&log, 0, sizeof(log));
		simulate("eager", c[i].wl, c[i].rate, 5, &log, &st, NULL);
		ret = ds_replay_build(log.v, log.n, NPAGES, HORIZON, 9, &sim,
				      &info);
		ds_sim_free(&sim);
		ds_obs_log_free(&log);
		CHECK(!ret && fabs(info.rate_per_s / c[i].rate - 1) < 0.2,
		      "%s at %u writes/s, from an eager trace: %.0f writes/s "
		      "rebuilt (within 20%%)", c[i].wl, c[i].rate,
		      info.rate_per_s);
	}
}

/* a ring is told from Poisson writers: its pages, its period */
static void test_ring_detection(void)
{
	static const struct { const char *wl; uint64_t lo, hi; } c[] = {
		{ "ring:512", 480, 512 }, { "ring:256", 240, 256 },
		{ "uniform", 0, 0 }, { "hotset", 0, 0 },
	};
	struct ds_replay_info info;
	struct ds_mig_stats st;
	struct ds_obs_log log;
	struct ds_sim sim;
	double want;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&log, 0, sizeof(log));
		simulate("eager", c[i].wl, 8000, 5, &log, &st, NULL);
		ret = ds_replay_build(log.v, log.n, NPAGES, HORIZON, 9, &sim,
				      &info);
		ds_sim_free(&sim);
		ds_obs_log_free(&log);
		/* a ring of N pages at 8000 writes/s: every page each N/8000 s */
		want = c[i].lo ? (c[i].hi / 8000.0) * 1e9 : 0;
		CHECK(!ret && info.periodic_pages >= c[i].lo &&
		      info.periodic_pages <= c[i].hi &&
		      (!want || fabs(info.period_ns / want - 1) < 0.1),
		      "%s, eager trace: %llu periodic pages, period %.1f ms (%.1f)",
		      c[i].wl, (unsigned long long)info.periodic_pages,
		      info.period_ns / 1e6, want / 1e6);
	}
}

static const enum ds_bm_kind kind_of_call[] = {
	[DS_CALL_READ_CLEAR] = DS_BM_GET,
	[DS_CALL_READ] = DS_BM_GET_NOCLEAR,
	[DS_CALL_CLEAR] = DS_BM_CLEAR,
};

/* a recording of a simulated migration, as "record --bitmaps" writes it */
static int write_trace(const char *file, const char *json, const char *pol,
		       const char *wl, uint64_t rate, uint64_t seed,
		       uint64_t stall_ns)
{
	const uint64_t base = 1000000000ULL, iova = 0x1000000;
	struct ds_rec_trailer end = { .present = true };
	struct ds_rec_header hdr;
	struct ds_obs_log log = { 0 };
	struct ds_mig_stats st;
	struct json_object *o;
	struct ds_pol p;
	uint64_t lost;
	size_t i;
	FILE *f;
	int ret;

	ret = simulate_late(pol, wl, rate, seed, stall_ns, &log, &st, &lost);
	if (ret || lost) {
		fprintf(stderr, "simulation failed: %d, lost %llu\n", ret,
			(unsigned long long)lost);
		return 1;
	}
	f = fopen(file, "w");
	if (!f)
		return 1;
	ds_rec_header_init(&hdr);
	hdr.version = DS_REC_VERSION_BITMAPS;
	hdr.start_ns = base - 1000;
	ds_rec_write_header(f, &hdr, NULL, 0);
	for (i = 0; i < log.n; i++) {
		const struct ds_obs *ob = &log.v[i];
		struct ds_rec_bitmap b = {
			.ts_ns = base + ob->ts_ns, .duration_ns = ob->duration_ns,
			.iova = iova + ob->first * par.pgsize,
			.size = ob->n * par.pgsize, .pgsize = par.pgsize,
			.uapi = DS_BM_IOMMUFD, .kind = kind_of_call[ob->call],
			.bits = (__u64 *)ob->bits,
		};

		ds_rec_write_bitmap(f, &b);
	}
	end.has_bitmaps = true;
	end.bitmaps = log.n;
	end.end_ns = base + st.total_ns;
	ds_rec_write_trailer(f, &end);
	fclose(f);
	ds_obs_log_free(&log);

	ds_pol_parse(pol, &p);
	o = ds_mig_to_json(&p, &par, &st);
	json_object_object_add(o, "lost_pages", json_object_new_uint64(lost));
	return json_object_to_file(json, o) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 7 && !strcmp(argv[1], "trace"))
		return write_trace(argv[2], argv[3], argv[4], argv[5],
				   strtoull(argv[6], NULL, 10),
				   argc > 7 ? strtoull(argv[7], NULL, 10) : 1,
				   argc > 8 ? strtoull(argv[8], NULL, 10) * 1000 : 0);
	if (argc != 2 || strcmp(argv[1], "check")) {
		fprintf(stderr, "usage: test_policy check | trace FILE RUN.json "
			"POLICY WORKLOAD RATE [SEED [STALL_US]]\n");
		return 2;
	}
	test_parse();
	test_workloads();
	test_loop();
	test_errors();
	test_adaptive_group();
	test_replay_math();
	test_replay_agreement();
	test_ring_detection();
	test_rate_recovery();
	return failures ? 1 : 0;
}
