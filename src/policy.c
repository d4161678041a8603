// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope policy: which clear policy a pre-copy migration should use.
 *
 *   simulate   run the policies against a generated DMA workload
 *   replay     run them against the write stream behind a recording
 *              ("dirtyscope record --bitmaps" of a real migration)
 *   recommend  replay every candidate and name the best, with numbers
 *
 * The loop and the policies are src/precopy.c, the same code the guest's
 * reference loop (tests/guest/migrate) runs against the real uAPI.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dirtyscope.h"
#include "json.h"
#include "numparse.h"
#include "opts.h"
#include "polsim.h"
#include "precopy.h"
#include "precopy_out.h"
#include "recfile.h"
#include "replay.h"
#include "trace_helpers.h"
#include "workload.h"

#define MAX_POLICIES	16
#define DEFAULT_POLICIES "eager,manual,chunked:1,chunked:4,adaptive"

enum {
	OPT_SEND_US = 0x100,
	OPT_DOWNTIME_US,
	OPT_MAX_ITERS,
	OPT_SEED,
	OPT_SIZE,
	OPT_PGSIZE,
	OPT_COMPARE,
	OPT_TOLERANCE,
	OPT_HORIZON,
	OPT_OVERHEAD,
};

static struct env {
	struct ds_pol pol[MAX_POLICIES];
	int npol;
	struct ds_mig_params par;
	uint64_t seed;
	uint64_t size_mib;
	struct ds_wl wl;
	uint64_t rate;
	uint64_t horizon_s;
	struct ds_opts o;		/* -j */
	bool pol_given;
	const char *file;
	const char *compare;
	struct ds_mig_tolerance tol;
	uint64_t overhead_ns;		/* added to every replayed call */
	bool overhead_given;
} env;

static void env_defaults(void)
{
	memset(&env, 0, sizeof(env));
	env.par.pgsize = 4096;
	env.par.send_ns = 50000;
	env.par.downtime_ns = 2000000;
	env.par.max_iters = 30;
	env.seed = 1;
	env.size_mib = 8;
	env.rate = 4000;
	env.horizon_s = 0;
	ds_wl_parse("uniform", &env.wl);
	env.tol = (struct ds_mig_tolerance){ .rel = 0.15, .abs_pages = 24,
					     .abs_iters = 1 };
}

static int parse_policies(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	env.npol = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (env.npol == MAX_POLICIES ||
		    ds_pol_parse(tok, &env.pol[env.npol])) {
			ret = -EINVAL;
			break;
		}
		env.npol++;
	}
	if (!env.npol)
		ret = -EINVAL;
	free(copy);
	return ret;
}

static const struct argp_option common_opts[] = {
	{ "policy", 'p', "P[,P]", 0,
	  "policies: eager, manual[:MiB], chunked:MiB, adaptive (default "
	  DEFAULT_POLICIES ")", 0 },
	{ "send-us", OPT_SEND_US, "US", 0,
	  "link time to send one page (default 50)", 0 },
	{ "downtime-us", OPT_DOWNTIME_US, "US", 0,
	  "stop-and-copy target (default 2000)", 0 },
	{ "max-iters", OPT_MAX_ITERS, "N", 0,
	  "passes after the first, at most (default 30)", 0 },
	{ "seed", OPT_SEED, "N", 0, "random seed (default 1)", 0 },
	{ "horizon", OPT_HORIZON, "SECONDS", 0,
	  "simulate at most this long (default: simulate 60, replay four "
	  "times the recording + 1 s)", 0 },
	{},
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	uint64_t v;

	switch (key) {
	case 'p':
		if (parse_policies(arg))
			argp_error(state, "invalid policy list: %s", arg);
		env.pol_given = true;
		break;
	case OPT_SEND_US:
		if (ds_parse_u64(arg, NULL, 1, 1000000, &v))
			argp_error(state, "invalid --send-us: %s", arg);
		env.par.send_ns = v * 1000;
		break;
	case OPT_DOWNTIME_US:
		if (ds_parse_u64(arg, NULL, 0, 100000000, &v))
			argp_error(state, "invalid --downtime-us: %s", arg);
		env.par.downtime_ns = v * 1000;
		break;
	case OPT_MAX_ITERS:
		if (ds_parse_u64(arg, NULL, 0, DS_MIG_MAX_ITERS, &v))
			argp_error(state, "invalid --max-iters: %s (0-%d)", arg,
				   DS_MIG_MAX_ITERS);
		env.par.max_iters = v;
		break;
	case OPT_SEED:
		if (ds_parse_u64(arg, NULL, 0, UINT64_MAX, &v))
			argp_error(state, "invalid --seed: %s", arg);
		env.seed = v;
		break;
	case OPT_HORIZON:
		if (ds_parse_u64(arg, NULL, 1, 3600, &v))
			argp_error(state, "invalid --horizon: %s", arg);
		env.horizon_s = v;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp common_argp = {
	.options = common_opts,
	.parser = parse_common,
};

static const struct argp_child common_children[] = {
	{ &common_argp, 0, NULL, 0 },
	{ &ds_json_argp, 0, NULL, 0 },
	{},
};

/* --- output ---------------------------------------------------------------- */

struct result {
	struct ds_pol pol;
	struct ds_mig_stats st;
	int err;
	uint64_t horizon_ns;	/* the simulated time the run had */
};

/*
 * Why a run failed, in words.  -ERANGE: the simulator knows the device's
 * writes up to the horizon only, and the migration had not ended there.
 */
static const char *run_failure(const struct result *r, char *buf, size_t len)
{
	if (r->err == -ERANGE)
		snprintf(buf, len, "the migration had not ended at the %g s horizon "
			 "of simulated time (simulate longer with --horizon SECONDS, "
			 "at most 3600)", r->horizon_ns / 1e9);
	else
		snprintf(buf, len, "%s", strerror(-r->err));
	return buf;
}

/* a failed run in -j output: the policy and why (never left out) */
static struct json_object *failed_json(const struct result *r)
{
	struct json_object *o = json_object_new_object();
	char name[32], why[256], ename[32];

	ds_pol_format(&r->pol, name, sizeof(name));
	json_object_object_add(o, "policy", json_object_new_string(name));
	json_object_object_add(o, "error", json_object_new_string(
		run_failure(r, why, sizeof(why))));
	json_object_object_add(o, "errno", json_object_new_string(
		ds_errno_name(r->err, ename, sizeof(ename))));
	return o;
}

static void print_results(struct result *res, int n, const char *what,
			  struct json_object *extra)
{
	struct json_object *o, *a;
	char name[32], why[256];
	int i;

	/* one line each on stderr, whatever the output */
	for (i = 0; i < n; i++) {
		if (!res[i].err)
			continue;
		ds_pol_format(&res[i].pol, name, sizeof(name));
		ds_err("%s: %s", name, run_failure(&res[i], why, sizeof(why)));
	}
	if (env.o.json) {
		o = extra ? extra : json_object_new_object();
		a = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(a, res[i].err ? failed_json(&res[i]) :
					      ds_mig_to_json(&res[i].pol, &env.par,
							     &res[i].st));
		json_object_object_add(o, "runs", a);
		ds_json_print(stdout, o, false);
		return;
	}
	printf("%s\n", what);
	ds_mig_print_header(stdout);
	for (i = 0; i < n; i++) {
		ds_pol_format(&res[i].pol, name, sizeof(name));
		if (res[i].err == -ERANGE)
			printf("%-12s failed: not ended at the %g s horizon (--horizon)\n",
			       name, res[i].horizon_ns / 1e9);
		else if (res[i].err)
			printf("%-12s failed: %s\n", name, strerror(-res[i].err));
		else
			ds_mig_print_row(stdout, name, &res[i].st);
	}
}

/* --- simulate -------------------------------------------------------------- */

static const struct argp_option sim_opts[] = {
	{ "workload", 'w', "W", 0,
	  "uniform, hotset[:PCT[:SHARE]], ring[:PAGES] (default uniform)", 0 },
	{ "rate", 'r', "WRITES", 0, "device writes per second (default 4000)", 0 },
	{ "size", OPT_SIZE, "MIB", 0, "tracked range (default 8)", 0 },
	{ "pgsize", OPT_PGSIZE, "BYTES", 0, "page size (default 4096)", 0 },
	{},
};

static error_t parse_sim(int key, char *arg, struct argp_state *state)
{
	uint64_t v;

	switch (key) {
	case 'w':
		if (ds_wl_parse(arg, &env.wl))
			argp_error(state, "invalid workload: %s", arg);
		break;
	case 'r':
		if (ds_parse_u64(arg, NULL, 1, 100000000, &v))
			argp_error(state, "invalid --rate: %s", arg);
		env.rate = v;
		break;
	case OPT_SIZE:
		if (ds_parse_u64(arg, NULL, 1, 1 << 20, &v))
			argp_error(state, "invalid --size: %s", arg);
		env.size_mib = v;
		break;
	case OPT_PGSIZE:
		if (ds_parse_u64(arg, NULL, 512, 1 << 30, &v) || v & (v - 1))
			argp_error(state, "invalid --pgsize: %s (a power of two)",
				   arg);
		env.par.pgsize = v;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s' (simulate takes options only)",
			   arg);
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int policy_simulate(int argc, char **argv)
{
	static const struct argp argp = {
		.options = sim_opts,
		.parser = parse_sim,
		.children = common_children,
		.doc = "Run the clear policies against a generated DMA workload.\v"
		       "The device writes --rate pages per second, evenly spaced, to\n"
		       "pages the workload picks; kernel calls cost what they cost in\n"
		       "the guest test bed (docs/perf.md).  Nothing is attached: no\n"
		       "privileges needed.\n\n"
		       "EXAMPLE:\n"
		       "    dirtyscope policy simulate -w hotset -r 8000",
	};
	struct result res[MAX_POLICIES];
	struct ds_mig_backend be;
	struct json_object *o = NULL;
	char wname[48], what[160];
	struct ds_sim sim;
	struct ds_wl wl;
	int i, ret, status = 0;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return DS_EXIT_USAGE;
	env.par.npages = (env.size_mib << 20) / env.par.pgsize;
	if (!env.par.npages) {
		ds_err("--size %" PRIu64 " MiB holds no %" PRIu64 "-byte page",
		       env.size_mib, env.par.pgsize);
		return DS_EXIT_USAGE;
	}
	ds_wl_format(&env.wl, wname, sizeof(wname));
	for (i = 0; i < env.npol; i++) {
		res[i].pol = env.pol[i];
		res[i].horizon_ns = (env.horizon_s ? env.horizon_s : 60) *
				    1000000000ULL;
		wl = env.wl;
		ret = ds_wl_init(&wl, env.par.npages, env.rate, env.seed);
		if (ret) {
			ds_err("workload %s on %" PRIu64 " pages: %s", wname,
			       env.par.npages, strerror(-ret));
			/* EINVAL: a ring larger than the range */
			return ret == -EINVAL ? DS_EXIT_USAGE : 1;
		}
		ret = ds_sim_init_workload(&sim, &wl, res[i].horizon_ns,
					   &ds_lat_default);
		ds_wl_free(&wl);
		if (!ret) {
			ds_sim_backend(&sim, &be);
			ret = ds_mig_run(&res[i].pol, &env.par, &be, &res[i].st);
		}
		ds_sim_free(&sim);
		res[i].err = ret;
		if (ret)
			status = 1;
	}
	snprintf(what, sizeof(what),
		 "simulated: %s, %" PRIu64 " writes/s, %" PRIu64 " pages of %"
		 PRIu64 " bytes, %" PRIu64 " us/page", wname, env.rate,
		 env.par.npages, env.par.pgsize, env.par.send_ns / 1000);
	if (env.o.json) {
		o = json_object_new_object();
		json_object_object_add(o, "workload", json_object_new_string(wname));
		json_object_object_add(o, "rate", json_object_new_uint64(env.rate));
		json_object_object_add(o, "seed", json_object_new_uint64(env.seed));
	}
	print_results(res, env.npol, what, o);
	return status;
}

/* --- replay / recommend ---------------------------------------------------- */

static const struct argp_option replay_opts[] = {
	{ "compare", OPT_COMPARE, "RUN.json", 0,
	  "check the replay of RUN's policy against RUN (a reference loop's -j "
	  "output); exit 1 when they differ beyond the tolerance", 0 },
	{ "call-overhead-us", OPT_OVERHEAD, "US", 0,
	  "what a call costs the VMM besides the recorded kernel time "
	  "(syscall entry and exit; default 0, or the run's syscall_ns with "
	  "--compare)", 0 },
	{ "tolerance", OPT_TOLERANCE, "REL:PAGES:ITERS", 0,
	  "agreement: page counts within max(REL * run, PAGES), passes within "
	  "ITERS (default 0.15:24:1)", 0 },
	{},
};

/* REL:PAGES:ITERS, e.g. 0.15:24:1 */
static int parse_tolerance(const char *s, struct ds_mig_tolerance *t)
{
	uint64_t pages, iters;
	const char *p;
	double rel;

	if (ds_parse_double(s, &p, 0, 10, &rel) || *p++ != ':' ||
	    ds_parse_u64(p, &p, 0, UINT32_MAX, &pages) || *p++ != ':' ||
	    ds_parse_u64(p, NULL, 0, UINT32_MAX, &iters))
		return -EINVAL;
	*t = (struct ds_mig_tolerance){ rel, pages, iters };
	return 0;
}

static error_t parse_replay(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_COMPARE:
		env.compare = arg;
		break;
	case OPT_OVERHEAD: {
		uint64_t v;

		if (ds_parse_u64(arg, NULL, 0, 1000000, &v))
			argp_error(state, "invalid --call-overhead-us: %s", arg);
		env.overhead_ns = v * 1000;
		env.overhead_given = true;
		break;
	}
	case OPT_TOLERANCE:
		if (parse_tolerance(arg, &env.tol))
			argp_error(state, "invalid --tolerance: %s (REL:PAGES:ITERS, REL "
				   "0-10, PAGES and ITERS whole numbers)", arg);
		break;
	case ARGP_KEY_ARG:
		if (env.file)
			argp_error(state, "one FILE only (extra argument '%s')", arg);
		env.file = arg;
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	case ARGP_KEY_END:
		if (!env.file)
			argp_error(state, "a recording FILE is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const enum ds_call call_of_kind[] = {
	[DS_BM_GET] = DS_CALL_READ_CLEAR,
	[DS_BM_GET_NOCLEAR] = DS_CALL_READ,
	[DS_BM_CLEAR] = DS_CALL_CLEAR,
};

/*
 * The recording's bitmaps as observations over one range: the union of
 * their ranges, one page size.  Failed calls changed nothing: skipped.
 */
static int load_observations(struct ds_recording *rec, struct ds_obs **out,
			     size_t *nout, uint64_t *iova, uint64_t *npages)
{
	uint64_t lo = UINT64_MAX, hi = 0, pgsize = 0, first, n;
	struct ds_obs *obs;
	size_t k, m = 0;

	for (k = 0; k < rec->nbm; k++) {
		const struct ds_rec_bitmap *b = &rec->bm[k];

		if (b->ret)
			continue;
		if (pgsize && b->pgsize != pgsize) {
			ds_err("%s: bitmaps of %" PRIu64 " and %llu-byte pages: "
			       "replay needs one page size", env.file, pgsize,
			       (unsigned long long)b->pgsize);
			return -EINVAL;
		}
		pgsize = b->pgsize;
		if (b->iova < lo)
			lo = b->iova;
		if (b->iova + b->size > hi)
			hi = b->iova + b->size;
	}
	if (!pgsize) {
		ds_err("%s: no dirty bitmaps; record the migration with "
		       "'dirtyscope record --bitmaps'", env.file);
		return -EINVAL;
	}
	obs = calloc(rec->nbm, sizeof(*obs));
	if (!obs)
		return -ENOMEM;
	for (k = 0; k < rec->nbm; k++) {
		const struct ds_rec_bitmap *b = &rec->bm[k];

		if (b->ret)
			continue;
		first = (b->iova - lo) / pgsize;
		n = b->size / pgsize;
		obs[m] = (struct ds_obs){
			.ts_ns = b->ts_ns, .duration_ns = b->duration_ns,
			.first = first, .n = n, .call = call_of_kind[b->kind],
			/* u64 words either way: __u64 and uint64_t differ in name only */
			.bits = (uint64_t *)b->bits,
		};
		if (m && obs[m].ts_ns < obs[m - 1].ts_ns) {
			ds_err("%s: bitmap %zu goes back in time", env.file, k);
			free(obs);
			return -EINVAL;
		}
		m++;
	}
	*out = obs;
	*nout = m;
	*iova = lo;
	*npages = (hi - lo) / pgsize;
	env.par.pgsize = pgsize;
	return 0;
}

struct replay_ctx {
	struct ds_recording rec;
	struct ds_obs *obs;
	size_t nobs;
	uint64_t iova;
	struct ds_replay_info info;
	size_t followed;		/* calls placed where the recorded ones were */
	bool all_followed;		/* its calls were the recorded ones, all */
	uint64_t late_ns;		/* how late the latest of them came, at most */
};

static int replay_load(struct replay_ctx *c)
{
	char msg[512];
	int err;

	memset(c, 0, sizeof(*c));
	err = ds_rec_load(env.file, &c->rec, msg, sizeof(msg));
	if (err) {
		ds_err("%s", msg);
		return err;
	}
	return load_observations(&c->rec, &c->obs, &c->nobs, &c->iova,
				 &env.par.npages);
}

static void replay_free(struct replay_ctx *c)
{
	free(c->obs);
	ds_rec_free(&c->rec);
}

/*
 * Following the recording (--compare): the simulated run's calls are the
 * recorded ones, in order, as long as each has the recorded call's kind
 * and range (type1 widens a clear to whole mappings: the recorded range
 * then holds the simulated one).  Each such call starts when the recorded
 * one entered the kernel and costs its recorded kernel time; the sends
 * between calls take send_ns each, as in the model.
 * The reconstructed device (replay.h) then reads back every recorded
 * bitmap, whatever delayed the real loop (a stalled emulator, a preempted
 * thread, tracing): the run's passes are reproduced, not predicted.  The
 * first call that differs from the recording ends following; from there
 * the cost model times the calls.
 */
struct follow {
	struct ds_sim *sim;
	struct ds_mig_backend sb;	/* the simulator's own backend */
	const struct ds_obs *obs;
	size_t nobs, next;
	bool on;
	uint64_t t0;
	size_t followed;
	uint64_t late_ns;
};

/* the recorded call this one is, NULL when it differs: following ends */
static const struct ds_obs *follow_begin(struct follow *f, enum ds_call call,
					 uint64_t first, uint64_t n)
{
	const struct ds_obs *o;
	uint64_t t;

	if (!f->on || f->next >= f->nobs) {
		f->on = false;
		return NULL;
	}
	o = &f->obs[f->next];
	if (o->call != call || first < o->first ||
	    first + n > o->first + o->n ||
	    (call != DS_CALL_CLEAR && (first != o->first || n != o->n))) {
		f->on = false;
		return NULL;
	}
	t = o->ts_ns - f->t0;
	if (f->sim->now < t)
		f->sim->now = t;
	else if (f->sim->now - t > f->late_ns)
		f->late_ns = f->sim->now - t;
	return o;
}

/*
 * The call costs its recorded kernel time.  Not the call overhead on top:
 * what the loop spent around the kernel call (syscall, tracing, a stall)
 * is already in the time to the next recorded call, and charging more
 * than the kernel time could make the next call come after its recorded
 * time.  The loop moved on when the call returned (precopy.c), so the
 * kernel time is a lower bound of every gap: each recorded call is
 * reached.
 */
static void follow_end(struct follow *f, const struct ds_obs *o, uint64_t *ns)
{
	uint64_t want = o->duration_ns;

	f->sim->now = f->sim->now - *ns + want;
	*ns = want;
	f->next++;
	f->followed++;
}

static uint64_t follow_now(void *ctx)
{
	struct follow *f = ctx;

	return f->sb.now(f->sb.ctx);
}

static int follow_wait_until(void *ctx, uint64_t t)
{
	struct follow *f = ctx;

	return f->sb.wait_until(f->sb.ctx, t);
}

static int follow_read(void *ctx, uint64_t first, uint64_t n, bool clear,
		       uint64_t *bits, uint64_t *ns)
{
	struct follow *f = ctx;
	const struct ds_obs *o;
	int ret;

	o = follow_begin(f, clear ? DS_CALL_READ_CLEAR : DS_CALL_READ, first, n);
	ret = f->sb.read(f->sb.ctx, first, n, clear, bits, ns);
	if (!ret && o)
		follow_end(f, o, ns);
	return ret;
}

static int follow_clear(void *ctx, uint64_t first, uint64_t n,
			const uint64_t *bits, uint64_t *ns)
{
	struct follow *f = ctx;
	const struct ds_obs *o;
	int ret;

	o = follow_begin(f, DS_CALL_CLEAR, first, n);
	ret = f->sb.clear(f->sb.ctx, first, n, bits, ns);
	if (!ret && o)
		follow_end(f, o, ns);
	return ret;
}

static int follow_send(void *ctx, uint64_t page, bool *redundant)
{
	struct follow *f = ctx;

	return f->sb.send(f->sb.ctx, page, redundant);
}

/*
 * The loop stops the device just before its last read, which the
 * recording has: the device stops when that read was made (the writes the
 * recording shows before it are then all made).
 */
static int follow_stop_device(void *ctx)
{
	struct follow *f = ctx;
	uint64_t t;

	if (f->on && f->next < f->nobs) {
		t = f->obs[f->next].ts_ns - f->t0;
		if (f->sim->now < t)
			f->sim->now = t;
	}
	return f->sb.stop_device(f->sb.ctx);
}

/*
 * One policy against a fresh reconstruction (same seed: same writes),
 * timed by the cost model, or following the recording when @follow.
 */
static int replay_one(struct replay_ctx *c, struct result *r, bool follow)
{
	uint64_t span = c->nobs ? c->obs[c->nobs - 1].ts_ns - c->obs[0].ts_ns : 0;
	struct ds_mig_backend be;
	struct follow f = { 0 };
	struct ds_sim sim;
	int ret, k;

	r->horizon_ns = env.horizon_s ? env.horizon_s * 1000000000ULL :
			4 * span + 1000000000ULL;
	/* ds_replay_build() extends it to the recording */
	if (r->horizon_ns < span)
		r->horizon_ns = span;
	ret = ds_replay_build(c->obs, c->nobs, env.par.npages, r->horizon_ns,
			      env.seed, &sim, &c->info);
	if (!ret) {
		for (k = 0; k < DS_CALL_NR; k++)
			sim.lat.call[k].a_ns += env.overhead_ns;
		ds_sim_backend(&sim, &be);
		if (follow) {
			f = (struct follow){
				.sim = &sim, .sb = be, .obs = c->obs,
				.nobs = c->nobs, .on = true,
				.t0 = c->info.t0_ns,
			};
			be = (struct ds_mig_backend){
				.ctx = &f, .now = follow_now,
				.wait_until = follow_wait_until,
				.read = follow_read, .clear = follow_clear,
				.send = follow_send,
				.stop_device = follow_stop_device,
			};
		}
		ret = ds_mig_run(&r->pol, &env.par, &be, &r->st);
	}
	ds_sim_free(&sim);
	c->followed = f.followed;
	c->all_followed = follow && f.on && f.followed == c->nobs;
	c->late_ns = f.late_ns;
	r->err = ret;
	return ret;
}

static struct json_object *info_json(const struct replay_ctx *c)
{
	static const char *const calls[DS_CALL_NR] = {
		[DS_CALL_READ_CLEAR] = "read_clear",
		[DS_CALL_READ] = "read",
		[DS_CALL_CLEAR] = "clear",
	};
	const struct ds_replay_info *in = &c->info;
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_object();
	int k;

	json_object_object_add(o, "file", json_object_new_string(env.file));
	json_object_object_add(o, "iova", json_object_new_uint64(c->iova));
	json_object_object_add(o, "npages", json_object_new_uint64(in->npages));
	json_object_object_add(o, "pgsize", json_object_new_uint64(env.par.pgsize));
	json_object_object_add(o, "bitmaps", json_object_new_uint64(in->obs));
	json_object_object_add(o, "span_ns", json_object_new_uint64(in->span_ns));
	json_object_object_add(o, "writes", json_object_new_uint64(in->writes));
	json_object_object_add(o, "write_rate", ds_json_double(in->rate_per_s));
	json_object_object_add(o, "active_pages",
			       json_object_new_uint64(in->active_pages));
	json_object_object_add(o, "period_ns", json_object_new_uint64(in->period_ns));
	json_object_object_add(o, "periodic_pages",
			       json_object_new_uint64(in->periodic_pages));
	for (k = 0; k < DS_CALL_NR; k++) {
		struct json_object *l = json_object_new_object();

		json_object_object_add(l, "a_ns", ds_json_double(in->lat.call[k].a_ns));
		json_object_object_add(l, "b_ns_per_page",
				       ds_json_double(in->lat.call[k].b_ns));
		json_object_object_add(l, "samples",
				       json_object_new_uint64(in->lat_samples[k]));
		json_object_object_add(m, calls[k], l);
	}
	json_object_object_add(o, "cost_model", m);
	json_object_object_add(o, "call_overhead_ns",
			       json_object_new_uint64(env.overhead_ns));
	return o;
}

static void print_info(const struct replay_ctx *c)
{
	const struct ds_replay_info *in = &c->info;

	printf("replayed: %s, %" PRIu64 " pages of %" PRIu64 " bytes at iova 0x%"
	       PRIx64 ", %zu bitmaps over %.1f ms\n", env.file, in->npages,
	       env.par.pgsize, c->iova, in->obs, in->span_ns / 1e6);
	printf("device model: %.0f writes/s on %" PRIu64 " pages (%" PRIu64
	       " writes reconstructed); call cost read-clear %.0f us + %.1f ns/page (%" PRIu64
	       " samples), read %.0f us + %.1f ns/page (%" PRIu64 "), clear %.0f us + %.1f ns/page (%" PRIu64 ")\n",
	       in->rate_per_s, in->active_pages, in->writes,
	       in->lat.call[DS_CALL_READ_CLEAR].a_ns / 1e3,
	       in->lat.call[DS_CALL_READ_CLEAR].b_ns,
	       in->lat_samples[DS_CALL_READ_CLEAR],
	       in->lat.call[DS_CALL_READ].a_ns / 1e3,
	       in->lat.call[DS_CALL_READ].b_ns, in->lat_samples[DS_CALL_READ],
	       in->lat.call[DS_CALL_CLEAR].a_ns / 1e3,
	       in->lat.call[DS_CALL_CLEAR].b_ns, in->lat_samples[DS_CALL_CLEAR]);
	if (in->periodic_pages)
		printf("periodic writers: %" PRIu64 " pages written every %.2f ms "
		       "(a ring), the others Poisson\n", in->periodic_pages,
		       in->period_ns / 1e6);
	if (env.overhead_ns)
		printf("call overhead: %.0f us per call on top\n",
		       env.overhead_ns / 1e3);
}

/* --compare RUN.json: the reference loop's result for one policy */
static int compare_run(struct replay_ctx *c)
{
	struct json_object *o = json_object_from_file(env.compare), *p;
	struct ds_mig_stats live;
	struct result r = {}, model = {};
	const char *what = "";
	bool ok, all, exact;
	int ret;

	if (!o) {
		/* json-c's message names the file and ends in a newline */
		ds_err("cannot read %s: %.*s", env.compare,
		       (int)strcspn(json_util_get_last_err() ?: "", "\n"),
		       json_util_get_last_err() ?: "");
		return 1;
	}
	if (!json_object_object_get_ex(o, "policy", &p) ||
	    ds_pol_parse(json_object_get_string(p), &r.pol) ||
	    ds_mig_from_json(o, &live, &what)) {
		ds_err("%s: not a reference loop result (\"%s\")", env.compare,
		       json_object_object_get_ex(o, "policy", &p) ? what : "policy");
		json_object_put(o);
		return 1;
	}
	if (!env.overhead_given && json_object_object_get_ex(o, "syscall_ns", &p) &&
	    json_object_is_type(p, json_type_int))
		env.overhead_ns = json_object_get_uint64(p);
	json_object_put(o);
	/* what the cost model alone predicts: shown, not compared */
	model.pol = r.pol;
	replay_one(c, &model, false);
	ret = replay_one(c, &r, true);
	if (ret) {
		char why[256];

		ds_err("replay failed: %s", run_failure(&r, why, sizeof(why)));
		return 1;
	}
	if (!env.o.json) {
		print_info(c);
		printf("followed the recording: %zu of its %zu calls at their "
		       "recorded times", c->followed, c->nobs);
		if (c->late_ns)
			printf(", up to %.0f us late", c->late_ns / 1e3);
		printf(c->all_followed ?
		       " (all: sent, resent, final_pages and iters must be equal)\n" :
		       " (then the cost model)\n");
		if (!model.err)
			printf("the cost model alone predicts: %" PRIu64 " sent, %u "
			       "passes, %s (not compared)\n", model.st.sent,
			       model.st.iters, model.st.converged ? "converged" :
			       "not converged");
		printf("%-12s %10s %10s\n", "", "run", "replay");
	}
	/*
	 * Every recorded call followed: the replay read the run's bitmaps
	 * and made its decisions on them, so what they decide is equal, not
	 * near; only redundant sends depend on where in its interval a write
	 * fell, which the recording does not say: printed, not judged.  A
	 * difference is a broken replay (or a run that is not its
	 * recording), whatever the tolerance.
	 */
	all = c->all_followed;
	ok = ds_mig_agree(env.o.json ? NULL : stdout, &live, &r.st, &env.tol,
			  !all);
	exact = live.sent == r.st.sent && live.resent == r.st.resent &&
		live.final_pages == r.st.final_pages && live.iters == r.st.iters;
	if (all && !exact) {
		ok = false;
		if (!env.o.json)
			printf("every call followed, yet sent, resent, final_pages "
			       "or iters differ: they must be equal\n");
	}
	if (env.o.json) {
		o = info_json(c);
		json_object_object_add(o, "agree", json_object_new_boolean(ok));
		json_object_object_add(o, "exact", json_object_new_boolean(exact));
		json_object_object_add(o, "followed_calls",
				       json_object_new_uint64(c->followed));
		json_object_object_add(o, "recorded_calls",
				       json_object_new_uint64(c->nobs));
		json_object_object_add(o, "followed_late_ns",
				       json_object_new_uint64(c->late_ns));
		json_object_object_add(o, "replay",
				       ds_mig_to_json(&r.pol, &env.par, &r.st));
		if (!model.err)
			json_object_object_add(o, "cost_model_replay",
					       ds_mig_to_json(&model.pol, &env.par,
							      &model.st));
		ds_json_print(stdout, o, false);
	} else {
		printf("%s (tolerance %.0f%% or %u pages, %u passes)\n",
		       ok ? "agree" : "DIFFER", env.tol.rel * 100,
		       env.tol.abs_pages, env.tol.abs_iters);
	}
	return ok ? 0 : 1;
}

static int policy_replay(int argc, char **argv)
{
	static const struct argp argp = {
		.options = replay_opts,
		.parser = parse_replay,
		.children = common_children,
		.args_doc = "FILE",
		.doc = "Replay a recorded migration through the clear policies.\v"
		       "FILE is a 'dirtyscope record --bitmaps' recording of one\n"
		       "migration: every dirty bitmap it read or cleared.  From them each\n"
		       "page's write rate and the intervals in which it was written are\n"
		       "rebuilt (docs/design.md, \"Clear policies\"), and the same loop the\n"
		       "guest runs is simulated against that device, with kernel calls\n"
		       "costing what the recorded ones cost.\n\n"
		       "EXAMPLES:\n"
		       "    dirtyscope policy replay mig.jsonl\n"
		       "    dirtyscope policy replay mig.jsonl --compare run.json",
	};
	struct result res[MAX_POLICIES];
	struct replay_ctx c;
	int i, status = 0;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return DS_EXIT_USAGE;
	if (replay_load(&c)) {
		replay_free(&c);
		return 1;
	}
	if (env.compare) {
		status = compare_run(&c);
		replay_free(&c);
		return status;
	}
	for (i = 0; i < env.npol; i++) {
		res[i].pol = env.pol[i];
		if (replay_one(&c, &res[i], false))
			status = 1;
	}
	if (!env.o.json)
		print_info(&c);
	print_results(res, env.npol, "", env.o.json ? info_json(&c) : NULL);
	replay_free(&c);
	return status;
}

/*
 * The best run: converged before not, then the shortest migration (link
 * time of every send plus kernel time), then the smaller downtime.
 */
static bool better(const struct result *a, const struct result *b)
{
	if (a->err != b->err)
		return !a->err;
	if (a->st.converged != b->st.converged)
		return a->st.converged;
	if (a->st.total_ns != b->st.total_ns)
		return a->st.total_ns < b->st.total_ns;
	return a->st.downtime_ns < b->st.downtime_ns;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * ((double)a - (double)b) / (double)b : 0;
}

static int policy_recommend(int argc, char **argv)
{
	static const struct argp argp = {
		.options = NULL,
		.parser = parse_replay,
		.children = common_children,
		.args_doc = "FILE",
		.doc = "Name the clear policy that migrates a recorded workload best.\v"
		       "Replays FILE (see 'dirtyscope policy replay') through every\n"
		       "candidate (-p; default " DEFAULT_POLICIES ",\n"
		       "manual:1, manual:8) and picks the run that converged with the\n"
		       "shortest migration time (link time of every page sent plus kernel\n"
		       "time); ties go to the smaller downtime.",
	};
	struct result res[MAX_POLICIES], *best = NULL, *eager = NULL;
	struct json_object *o;
	struct replay_ctx c;
	char name[32], ename[32];
	int i;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return DS_EXIT_USAGE;
	if (!env.pol_given) {
		ds_pol_parse("manual:1", &env.pol[env.npol++]);
		ds_pol_parse("manual:8", &env.pol[env.npol++]);
	}
	if (replay_load(&c)) {
		replay_free(&c);
		return 1;
	}
	for (i = 0; i < env.npol; i++) {
		res[i].pol = env.pol[i];
		replay_one(&c, &res[i], false);
		if (!best || better(&res[i], best))
			best = &res[i];
		if (res[i].pol.kind == DS_POL_EAGER && !eager)
			eager = &res[i];
	}
	if (best->err) {
		char why[256];

		ds_err("no policy could be replayed: %s",
		       run_failure(best, why, sizeof(why)));
		replay_free(&c);
		return 1;
	}
	ds_pol_format(&best->pol, name, sizeof(name));
	if (env.o.json) {
		o = info_json(&c);
		json_object_object_add(o, "recommend", json_object_new_string(name));
		print_results(res, env.npol, "", o);
		replay_free(&c);
		return 0;
	}
	print_info(&c);
	print_results(res, env.npol, "", NULL);
	printf("\nrecommend: %s: %" PRIu64 " pages sent, %" PRIu64
	       " redundant, %u passes%s, migration %.1f ms, downtime %.2f ms",
	       name, best->st.sent, best->st.redundant, best->st.iters,
	       best->st.converged ? "" : " (did not converge)",
	       best->st.total_ns / 1e6, best->st.downtime_ns / 1e6);
	if (eager && eager != best && !eager->err) {
		ds_pol_format(&eager->pol, ename, sizeof(ename));
		printf("; against %s: sent %+.0f%%, redundant %" PRIu64
		       " -> %" PRIu64 ", migration %+.0f%%, kernel time %+.0f%%",
		       ename, pct(best->st.sent, eager->st.sent),
		       eager->st.redundant, best->st.redundant,
		       pct(best->st.total_ns, eager->st.total_ns),
		       pct(best->st.read_ns + best->st.clear_ns,
			   eager->st.read_ns + eager->st.clear_ns));
	}
	printf("\n");
	replay_free(&c);
	return 0;
}

/* --- dispatch -------------------------------------------------------------- */

static const struct ds_cmd subcmds[] = {
	{ "simulate", policy_simulate, "run the policies on a generated workload" },
	{ "replay", policy_replay, "run them on a recorded migration's writes" },
	{ "recommend", policy_recommend, "name the best policy for a recording" },
};

int cmd_policy(int argc, char **argv)
{
	env_defaults();
	parse_policies(DEFAULT_POLICIES);
	return ds_dispatch("dirtyscope policy", subcmds,
			   sizeof(subcmds) / sizeof(subcmds[0]), argc, argv);
}
