// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope gate: a noise-aware latency gate for CI. Compares the samples
 * of a benchmark run (a bench file of "dirtyscope bench") with a baseline
 * run, metric by metric:
 *
 *   - each sample is divided by the median of the run's reference samples
 *     (work the series does not change, interleaved with the operations in
 *     the same run), so a uniformly slower machine cancels out;
 *   - ratio = median(normalized result) / median(normalized baseline);
 *   - one-sided Mann-Whitney U of result against baseline, and a seeded
 *     percentile bootstrap of the ratio;
 *   - regression iff ratio > 1 + threshold, p(slower) < alpha and the
 *     bootstrap lower bound > 1 + min_effect; improvement symmetrically.
 *
 * Exit status 0 pass (improvements included), 1 regression, 2 usage or
 * input error (one line on stderr). docs/cli.md has the formats and rule.
 */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "afile.h"
#include "benchfile.h"
#include "dirtyscope.h"
#include "json.h"
#include "stats.h"
#include "trace_helpers.h"
#include "xml.h"

#define GATE_EXIT_PASS		0
#define GATE_EXIT_REGRESSION	1
#define GATE_EXIT_USAGE		2

#define GATE_CONFIG_FORMAT	"dirtyscope-gate-config"
#define GATE_FORMAT		"dirtyscope-gate"

enum {
	OPT_UPDATE = 0x100,
	OPT_JUNIT,
};

struct gate_params {
	double threshold;	/* max relative slowdown of the median ratio */
	double min_effect;	/* the CI must clear 1 + min_effect */
	double alpha;		/* one-sided significance level */
	long min_samples;	/* per run, metric and reference alike */
};

struct gate_metric_cfg {
	char *name;
	struct gate_params p;
};

struct gate_cfg {
	enum ds_norm norm;
	unsigned int bootstrap;
	uint64_t seed;
	struct gate_params defaults;
	struct gate_metric_cfg *metrics;	/* none: every metric is gated */
	size_t nmetrics;
};

enum gate_verdict {
	GATE_PASS,
	GATE_REGRESSION,
	GATE_IMPROVEMENT,
};

static const char *const verdict_names[] = {
	[GATE_PASS] = "pass",
	[GATE_REGRESSION] = "regression",
	[GATE_IMPROVEMENT] = "improvement",
};

struct gate_row {
	const char *name;
	const char *unit;
	bool gated;
	struct gate_params p;
	size_t n_res, n_base;
	double res_med, base_med;	/* raw medians */
	double res_norm, base_norm;	/* normalized medians */
	double ratio, lo, hi;
	struct ds_mwu mwu;
	enum gate_verdict verdict;
	char reason[200];
};

static struct env {
	const char *config;
	const char *baseline;
	const char *result;
	const char *junit;
	bool update;
	bool json;
	bool pretty;
} env;

static const struct argp_option opts[] = {
	{ "config", 'c', "CONFIG", 0,
	  "thresholds per metric (JSON, see docs/cli.md; default: every metric, "
	  "threshold 0.25, min_effect 0.10, alpha 0.01, min_samples 9)", 0 },
	{ "baseline", 'b', "BASELINE", 0, "the bench file to compare with", 0 },
	{ "update-baseline", OPT_UPDATE, NULL, 0,
	  "write RESULT's samples to BASELINE (atomically) and exit 0", 0 },
	{ "json", 'j', NULL, 0, "JSON on stdout instead of the table", 0 },
	{ "pretty", 'p', NULL, 0, "indent the JSON", 0 },
	{ "junit", OPT_JUNIT, "FILE", 0,
	  "also write JUnit XML to FILE (one testcase per metric)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'c':
		env.config = arg;
		break;
	case 'b':
		env.baseline = arg;
		break;
	case OPT_UPDATE:
		env.update = true;
		break;
	case 'j':
		env.json = true;
		break;
	case 'p':
		env.pretty = true;
		break;
	case OPT_JUNIT:
		env.junit = arg;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (env.result)
			argp_error(state, "one RESULT only (extra argument '%s')", arg);
		env.result = arg;
		break;
	case ARGP_KEY_END:
		if (!env.result)
			argp_error(state, "RESULT (a bench file of 'dirtyscope bench') is required");
		if (!env.baseline)
			argp_error(state, "-b BASELINE is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* --- configuration ------------------------------------------------------- */

static const struct gate_params default_params = {
	.threshold = 0.25,
	.min_effect = 0.10,
	.alpha = 0.01,
	.min_samples = 9,
};

static char errbuf[512];

static int cfg_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cfg_fail(const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(errbuf, sizeof(errbuf), "%s: ", env.config);
	va_start(ap, fmt);
	vsnprintf(errbuf + n, sizeof(errbuf) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int cfg_number(struct json_object *v, const char *where, const char *key,
		      double min, double max, bool open_min, double *out)
{
	double d;

	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return cfg_fail("%s\"%s\": not a number", where, key);
	d = json_object_get_double(v);
	if (!(open_min ? d > min : d >= min) || !(d <= max))
		return cfg_fail("%s\"%s\": %g out of range (%s%g..%g)", where, key,
				d, open_min ? ">" : "", min, max);
	*out = d;
	return 0;
}

/* a "defaults" or per-metric object over @p */
static int cfg_params(struct json_object *o, const char *where,
		      struct gate_params *p)
{
	double d;
	int err;

	if (!json_object_is_type(o, json_type_object))
		return cfg_fail("%snot an object", where);
	json_object_object_foreach(o, key, v) {
		if (!strcmp(key, "threshold"))
			err = cfg_number(v, where, key, 0, 10, true, &p->threshold);
		else if (!strcmp(key, "min_effect"))
			err = cfg_number(v, where, key, 0, 10, false, &p->min_effect);
		else if (!strcmp(key, "alpha"))
			err = cfg_number(v, where, key, 0, 0.5, true, &p->alpha);
		else if (!strcmp(key, "min_samples")) {
			err = cfg_number(v, where, key, 3, DS_BENCH_MAX_SAMPLES,
					 false, &d);
			if (!err && d != floor(d))
				err = cfg_fail("%s\"%s\": not an integer", where, key);
			p->min_samples = d;
		} else {
			err = cfg_fail("%sunknown key \"%s\" (threshold, "
				       "min_effect, alpha, min_samples)", where, key);
		}
		if (err)
			return err;
	}
	if (p->min_effect > p->threshold)
		return cfg_fail("%smin_effect %g above threshold %g", where,
				p->min_effect, p->threshold);
	if (p->alpha >= 0.5)
		return cfg_fail("%salpha %g: must be below 0.5", where, p->alpha);
	return 0;
}

static int cfg_load(struct gate_cfg *cfg)
{
	struct json_object *top, *v, *metrics = NULL;
	char where[DS_BENCH_NAME_MAX + 32], reason[400];
	double d;
	size_t i;
	int err = 0;

	cfg->norm = DS_NORM_MEDIAN;
	cfg->bootstrap = 2000;
	cfg->seed = 1;
	cfg->defaults = default_params;
	if (!env.config)
		return 0;
	top = ds_json_load(env.config, reason, sizeof(reason));
	if (!top) {
		snprintf(errbuf, sizeof(errbuf), "%s", reason);
		return -EINVAL;
	}
	if (!json_object_is_type(top, json_type_object)) {
		err = cfg_fail("not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(top, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), GATE_CONFIG_FORMAT)) {
		err = cfg_fail("\"format\": not \"%s\"", GATE_CONFIG_FORMAT);
		goto out;
	}
	if (!json_object_object_get_ex(top, "version", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != 1) {
		err = cfg_fail("\"version\": not 1");
		goto out;
	}
	json_object_object_foreach(top, key, val) {
		if (!strcmp(key, "format") || !strcmp(key, "version") ||
		    !strcmp(key, "comment")) {
			continue;
		} else if (!strcmp(key, "normalize")) {
			const char *s = json_object_get_string(val);

			if (!json_object_is_type(val, json_type_string))
				s = "";
			if (!strcmp(s, "median"))
				cfg->norm = DS_NORM_MEDIAN;
			else if (!strcmp(s, "paired"))
				cfg->norm = DS_NORM_PAIRED;
			else if (!strcmp(s, "none"))
				cfg->norm = DS_NORM_NONE;
			else
				err = cfg_fail("\"normalize\": not median, paired or none");
		} else if (!strcmp(key, "bootstrap")) {
			err = cfg_number(val, "", key, 100, 1000000, false, &d);
			cfg->bootstrap = d;
		} else if (!strcmp(key, "seed")) {
			if (!json_object_is_type(val, json_type_int) ||
			    json_object_get_int64(val) < 0)
				err = cfg_fail("\"seed\": not a non-negative integer");
			cfg->seed = json_object_get_int64(val);
		} else if (!strcmp(key, "defaults")) {
			err = cfg_params(val, "\"defaults\": ", &cfg->defaults);
		} else if (!strcmp(key, "metrics")) {
			metrics = val;
		} else {
			err = cfg_fail("unknown key \"%s\"", key);
		}
		if (err)
			goto out;
	}
	if (!metrics)
		goto out;
	if (!json_object_is_type(metrics, json_type_object)) {
		err = cfg_fail("\"metrics\": not an object");
		goto out;
	}
	cfg->metrics = calloc(json_object_object_length(metrics) + 1,
			      sizeof(*cfg->metrics));
	if (!cfg->metrics) {
		err = cfg_fail("out of memory");
		goto out;
	}
	i = 0;
	json_object_object_foreach(metrics, name, mo) {
		struct gate_metric_cfg *m = &cfg->metrics[i++];

		if (!ds_bench_name_ok(name)) {
			err = cfg_fail("\"metrics\": \"%.80s\": not a metric name",
				       name);
			goto out;
		}
		m->name = strdup(name);
		m->p = cfg->defaults;
		cfg->nmetrics = i;
		snprintf(where, sizeof(where), "metric \"%s\": ", name);
		err = m->name ? cfg_params(mo, where, &m->p) :
				cfg_fail("out of memory");
		if (err)
			goto out;
	}
	if (!cfg->nmetrics)
		err = cfg_fail("\"metrics\": empty (leave it out to gate every metric)");
out:
	json_object_put(top);
	return err;
}

static void cfg_free(struct gate_cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nmetrics; i++)
		free(cfg->metrics[i].name);
	free(cfg->metrics);
}

static const struct gate_metric_cfg *cfg_find(const struct gate_cfg *cfg,
					      const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nmetrics; i++)
		if (!strcmp(cfg->metrics[i].name, name))
			return &cfg->metrics[i];
	return NULL;
}

static const char *norm_name(enum ds_norm n)
{
	return n == DS_NORM_MEDIAN ? "median" : n == DS_NORM_PAIRED ? "paired" :
	       "none";
}

/* --- checks of the inputs ------------------------------------------------ */

static int in_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int in_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_metric(const char *file, const struct ds_bench *b,
			const char *name, long min_samples, bool is_ref)
{
	const struct ds_bench_metric *m = ds_bench_find(b, name);

	if (!m && is_ref)
		return in_fail("%s: no reference metric \"%s\"", file, name);
	if (!m)
		return in_fail("%s: no metric \"%s\"%s", file, name,
			       file == env.baseline ? " (update the baseline)" :
			       env.config ? " (gated by the config)" : "");
	if ((long)m->n < min_samples)
		return in_fail("%s: metric \"%s\": %zu samples, at least %ld needed "
			       "(min_samples)", file, name, m->n, min_samples);
	return 0;
}

/* the metrics to gate in @b (a result): every one but the reference */
static int check_run(const char *file, const struct ds_bench *b,
		     const struct gate_cfg *cfg)
{
	size_t i;
	int err;

	if (cfg->norm != DS_NORM_NONE) {
		if (!b->reference)
			return in_fail("%s: no \"reference\" (needed to normalize; "
				       "\"normalize\": \"none\" compares absolute "
				       "times)", file);
		err = check_metric(file, b, b->reference,
				   cfg->defaults.min_samples, true);
		if (err)
			return err;
	}
	for (i = 0; i < cfg->nmetrics; i++) {
		err = check_metric(file, b, cfg->metrics[i].name,
				   cfg->metrics[i].p.min_samples, false);
		if (err)
			return err;
	}
	if (!cfg->nmetrics) {
		for (i = 0; i < b->nmetrics; i++) {
			const char *name = b->metrics[i].name;

			if (b->reference && !strcmp(name, b->reference))
				continue;
			err = check_metric(file, b, name,
					   cfg->defaults.min_samples, false);
			if (err)
				return err;
		}
	}
	if (cfg->norm == DS_NORM_PAIRED) {
		const struct ds_bench_metric *ref = ds_bench_find(b, b->reference);

		for (i = 0; i < b->nmetrics; i++)
			if (b->metrics[i].n != ref->n)
				return in_fail("%s: metric \"%s\": %zu samples, the "
					       "reference %zu (\"normalize\": "
					       "\"paired\" needs as many)", file,
					       b->metrics[i].name,
					       b->metrics[i].n, ref->n);
	}
	return 0;
}

/* two runs of the same benchmark: the same params and units */
static int check_pair(const struct ds_bench *res, const struct ds_bench *base)
{
	size_t i;

	if (res->params && base->params &&
	    !json_object_equal(res->params, base->params)) {
		json_object_object_foreach(res->params, key, v) {
			struct json_object *w;

			if (!json_object_object_get_ex(base->params, key, &w))
				w = NULL;
			if (!w || !json_object_equal(v, w))
				return in_fail("%s and %s are different benchmarks: "
					       "param \"%s\": %s vs %s", env.result,
					       env.baseline, key,
					       json_object_get_string(v),
					       w ? json_object_get_string(w) :
					       "missing");
		}
		return in_fail("%s and %s are different benchmarks: the baseline "
			       "has more params", env.result, env.baseline);
	}
	if (res->reference && base->reference &&
	    strcmp(res->reference, base->reference))
		return in_fail("%s and %s have different reference metrics (\"%s\", "
			       "\"%s\")", env.result, env.baseline, res->reference,
			       base->reference);
	for (i = 0; i < res->nmetrics; i++) {
		const struct ds_bench_metric *m = &res->metrics[i];
		const struct ds_bench_metric *w = ds_bench_find(base, m->name);

		if (w && strcmp(m->unit, w->unit))
			return in_fail("metric \"%s\": unit \"%s\" in %s, \"%s\" in %s",
				       m->name, m->unit, env.result, w->unit,
				       env.baseline);
	}
	return 0;
}

/* --- the decision -------------------------------------------------------- */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int evaluate(struct gate_row *row, const struct gate_cfg *cfg,
		    const struct ds_bench *res, const struct ds_bench *base)
{
	const struct ds_bench_metric *rm = ds_bench_find(res, row->name);
	const struct ds_bench_metric *bm = ds_bench_find(base, row->name);
	const struct ds_bench_metric *rr = NULL, *br = NULL;
	struct ds_run rrun, brun;
	const struct gate_params *p = &row->p;
	double *rx, *bx, up = 1 + p->threshold, eff = 1 + p->min_effect;
	int err;

	if (cfg->norm != DS_NORM_NONE) {
		rr = ds_bench_find(res, res->reference);
		br = ds_bench_find(base, base->reference);
	}
	rrun = (struct ds_run){ rm->samples, rm->n, rr ? rr->samples : NULL,
				rr ? rr->n : 0, cfg->norm };
	brun = (struct ds_run){ bm->samples, bm->n, br ? br->samples : NULL,
				br ? br->n : 0, cfg->norm };
	row->unit = rm->unit;
	row->n_res = rm->n;
	row->n_base = bm->n;
	row->res_med = ds_median(rm->samples, rm->n);
	row->base_med = ds_median(bm->samples, bm->n);

	rx = malloc((rm->n + bm->n) * sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	bx = rx + rm->n;
	err = ds_run_normalize(&rrun, rx);
	if (!err)
		err = ds_run_normalize(&brun, bx);
	if (!err)
		err = ds_mann_whitney(rx, rm->n, bx, bm->n, &row->mwu);
	if (!err) {
		row->res_norm = ds_median(rx, rm->n);
		row->base_norm = ds_median(bx, bm->n);
		row->ratio = row->res_norm / row->base_norm;
		err = ds_boot_ratio(&rrun, &brun, cfg->bootstrap, p->alpha,
				    cfg->seed ^ name_hash(row->name), &row->lo,
				    &row->hi);
	}
	free(rx);
	if (err)
		return err;

	row->verdict = GATE_PASS;
	if (row->ratio > up && row->mwu.p_greater < p->alpha && row->lo > eff) {
		row->verdict = GATE_REGRESSION;
		snprintf(row->reason, sizeof(row->reason),
			 "%.3fx slower: ratio > %.3g, p %.2g < %.3g, CI low %.3f > %.3g",
			 row->ratio, up, row->mwu.p_greater, p->alpha, row->lo, eff);
	} else if (row->ratio < 1 / up && row->mwu.p_less < p->alpha &&
		   row->hi < 1 / eff) {
		row->verdict = GATE_IMPROVEMENT;
		snprintf(row->reason, sizeof(row->reason),
			 "%.3fx faster: ratio < %.3g, p %.2g < %.3g, CI high %.3f < %.3g",
			 1 / row->ratio, 1 / up, row->mwu.p_less, p->alpha, row->hi,
			 1 / eff);
	} else if (row->ratio > up || row->ratio < 1 / up) {
		/* beyond the threshold, but not convincingly */
		bool slower = row->ratio > up;
		double pv = slower ? row->mwu.p_greater : row->mwu.p_less;

		if (pv >= p->alpha)
			snprintf(row->reason, sizeof(row->reason),
				 "ratio %.3f beyond the threshold but not "
				 "significant (p %.2g >= %.3g)", row->ratio, pv,
				 p->alpha);
		else
			snprintf(row->reason, sizeof(row->reason),
				 "ratio %.3f beyond the threshold but the CI "
				 "[%.3f, %.3f] reaches %.3g", row->ratio,
				 row->lo, row->hi, slower ? eff : 1 / eff);
	} else {
		snprintf(row->reason, sizeof(row->reason),
			 "ratio %.3f within [%.3g, %.3g]", row->ratio, 1 / up, up);
	}
	return 0;
}

/* --- output -------------------------------------------------------------- */

/* a value with its unit, ns scaled to us/ms/s */
static const char *fmt_value(char *buf, size_t len, double v, const char *unit)
{
	static const char *const scale[] = { "ns", "us", "ms", "s" };
	int i = 0;

	if (strcmp(unit, "ns")) {
		snprintf(buf, len, "%.4g%s", v, unit);
		return buf;
	}
	while (i < 3 && v >= 1000) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.4g%s", v, scale[i]);
	return buf;
}

static const char *run_desc(char *buf, size_t len, const struct ds_bench *b)
{
	snprintf(buf, len, "kernel %s, %s", b->kernel ? b->kernel : "?",
		 b->machine ? b->machine : "?");
	return buf;
}

static void print_table(const struct gate_row *rows, size_t n,
			const struct gate_cfg *cfg, const struct ds_bench *res,
			const struct ds_bench *base, int nreg, int nimp)
{
	char a[64], b[64], ci[40];
	size_t i;

	printf("dirtyscope gate: %s (%s)\n", env.result, run_desc(a, sizeof(a), res));
	printf("        against: %s (%s)\n", env.baseline, run_desc(b, sizeof(b), base));
	if (cfg->norm != DS_NORM_NONE) {
		const struct ds_bench_metric *rr = ds_bench_find(res, res->reference);
		const struct ds_bench_metric *br = ds_bench_find(base, base->reference);
		double rmed = ds_median(rr->samples, rr->n);
		double bmed = ds_median(br->samples, br->n);

		printf("reference \"%s\": baseline %s, result %s (this run %.3fx "
		       "the baseline's); times %s\n", res->reference,
		       fmt_value(a, sizeof(a), bmed, br->unit),
		       fmt_value(b, sizeof(b), rmed, rr->unit), rmed / bmed,
		       cfg->norm == DS_NORM_PAIRED ?
		       "divided by the reference of their round" :
		       "divided by their run's median reference");
	} else {
		printf("absolute times (no normalization)\n");
	}
	printf("\n%-16s %7s %10s %10s %7s %17s %9s  %s\n", "METRIC", "N",
	       "BASELINE", "RESULT", "RATIO", "CI", "P", "VERDICT");
	for (i = 0; i < n; i++) {
		const struct gate_row *r = &rows[i];
		double pv = r->ratio >= 1 ? r->mwu.p_greater : r->mwu.p_less;
		char nn[24];

		snprintf(nn, sizeof(nn), "%zu/%zu", r->n_res, r->n_base);
		snprintf(ci, sizeof(ci), "[%.3f, %.3f]", r->lo, r->hi);
		printf("%-16s %7s %10s %10s %7.3f %17s %9.2g  %s%s\n", r->name, nn,
		       fmt_value(a, sizeof(a), r->base_med, r->unit),
		       fmt_value(b, sizeof(b), r->res_med, r->unit), r->ratio, ci,
		       pv, r->verdict == GATE_PASS ? "pass" :
		       r->verdict == GATE_REGRESSION ? "REGRESSION" : "improvement",
		       r->gated ? "" : " (not gated)");
	}
	printf("\nN: samples result/baseline; BASELINE, RESULT: medians; RATIO: of "
	       "the normalized medians, result/baseline;\nCI: bootstrap, one-sided "
	       "bounds at 1-alpha; P: one-sided Mann-Whitney U in the ratio's "
	       "direction\n\n");
	for (i = 0; i < n; i++)
		if (rows[i].verdict != GATE_PASS)
			printf("%s: %s%s: %s\n", rows[i].name,
			       verdict_names[rows[i].verdict],
			       rows[i].gated ? "" : " (not gated)", rows[i].reason);
	if (nreg)
		printf("gate: FAIL, %d regression%s\n", nreg, nreg > 1 ? "s" : "");
	else if (nimp)
		printf("gate: PASS, %d improvement%s\n", nimp, nimp > 1 ? "s" : "");
	else
		printf("gate: PASS\n");
}

static struct json_object *json_run(const char *file, const struct ds_bench *b)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "file", json_object_new_string(file));
	if (b->kernel)
		json_object_object_add(o, "kernel", json_object_new_string(b->kernel));
	if (b->machine)
		json_object_object_add(o, "machine", json_object_new_string(b->machine));
	if (b->time)
		json_object_object_add(o, "time", json_object_new_int64(b->time));
	return o;
}

static int print_json(const struct gate_row *rows, size_t n,
		      const struct gate_cfg *cfg, const struct ds_bench *res,
		      const struct ds_bench *base, int nreg, int nimp)
{
	struct json_object *top = json_object_new_object(), *arr, *o;
	size_t i;

	json_object_object_add(top, "format", json_object_new_string(GATE_FORMAT));
	json_object_object_add(top, "version", json_object_new_int(1));
	json_object_object_add(top, "verdict", json_object_new_string(
		nreg ? "regression" : nimp ? "improvement" : "pass"));
	json_object_object_add(top, "regressions", json_object_new_int(nreg));
	json_object_object_add(top, "improvements", json_object_new_int(nimp));
	json_object_object_add(top, "result", json_run(env.result, res));
	json_object_object_add(top, "baseline", json_run(env.baseline, base));
	json_object_object_add(top, "normalize",
			       json_object_new_string(norm_name(cfg->norm)));
	if (cfg->norm != DS_NORM_NONE) {
		const struct ds_bench_metric *rr = ds_bench_find(res, res->reference);
		const struct ds_bench_metric *br = ds_bench_find(base, base->reference);
		double rmed = ds_median(rr->samples, rr->n);
		double bmed = ds_median(br->samples, br->n);

		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(res->reference));
		json_object_object_add(o, "unit", json_object_new_string(rr->unit));
		json_object_object_add(o, "baseline_median", ds_json_double(bmed));
		json_object_object_add(o, "result_median", ds_json_double(rmed));
		json_object_object_add(o, "ratio", ds_json_double(rmed / bmed));
		json_object_object_add(top, "reference", o);
	}
	json_object_object_add(top, "bootstrap", json_object_new_int(cfg->bootstrap));
	json_object_object_add(top, "seed", json_object_new_uint64(cfg->seed));
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		const struct gate_row *r = &rows[i];

		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(r->name));
		json_object_object_add(o, "unit", json_object_new_string(r->unit));
		json_object_object_add(o, "gated", json_object_new_boolean(r->gated));
		json_object_object_add(o, "verdict",
				       json_object_new_string(verdict_names[r->verdict]));
		json_object_object_add(o, "reason", json_object_new_string(r->reason));
		json_object_object_add(o, "n_result", json_object_new_uint64(r->n_res));
		json_object_object_add(o, "n_baseline", json_object_new_uint64(r->n_base));
		json_object_object_add(o, "baseline_median", ds_json_double(r->base_med));
		json_object_object_add(o, "result_median", ds_json_double(r->res_med));
		json_object_object_add(o, "baseline_normalized", ds_json_double(r->base_norm));
		json_object_object_add(o, "result_normalized", ds_json_double(r->res_norm));
		json_object_object_add(o, "ratio", ds_json_double(r->ratio));
		json_object_object_add(o, "ci_low", ds_json_double(r->lo));
		json_object_object_add(o, "ci_high", ds_json_double(r->hi));
		json_object_object_add(o, "u", ds_json_double(r->mwu.u));
		json_object_object_add(o, "p_slower", ds_json_double(r->mwu.p_greater));
		json_object_object_add(o, "p_faster", ds_json_double(r->mwu.p_less));
		json_object_object_add(o, "exact", json_object_new_boolean(r->mwu.exact));
		json_object_object_add(o, "threshold", ds_json_double(r->p.threshold));
		json_object_object_add(o, "min_effect", ds_json_double(r->p.min_effect));
		json_object_object_add(o, "alpha", ds_json_double(r->p.alpha));
		json_object_object_add(o, "min_samples", json_object_new_int64(r->p.min_samples));
		json_object_array_add(arr, o);
	}
	json_object_object_add(top, "metrics", arr);
	return ds_json_print(stdout, top, env.pretty);
}

static int write_junit(const struct gate_row *rows, size_t n,
		       const struct gate_cfg *cfg, int nreg, double secs)
{
	struct ds_afile af;
	char buf[64], ts[32];
	int skipped = 0, err;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++)
		skipped += !rows[i].gated;
	err = ds_afile_open(&af, env.junit);
	if (err)
		return err;
	f = af.f;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"dirtyscope gate\" tests=\"%zu\" "
		"failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
		n, nreg, skipped, secs);
	fprintf(f, "  <testsuite name=\"dirtyscope gate\" tests=\"%zu\" "
		"failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" "
		"timestamp=\"%s\">\n", n, nreg, skipped, secs, ts);
	fprintf(f, "    <properties>\n      <property");
	ds_xml_attr(f, "name", "result");
	ds_xml_attr(f, "value", env.result);
	fprintf(f, "/>\n      <property");
	ds_xml_attr(f, "name", "baseline");
	ds_xml_attr(f, "value", env.baseline);
	fprintf(f, "/>\n      <property name=\"normalize\" value=\"%s\"/>\n",
		norm_name(cfg->norm));
	fprintf(f, "    </properties>\n");
	for (i = 0; i < n; i++) {
		const struct gate_row *r = &rows[i];

		fprintf(f, "    <testcase classname=\"dirtyscope.gate\"");
		ds_xml_attr(f, "name", r->name);
		fprintf(f, " time=\"0\">\n");
		if (!r->gated) {
			fprintf(f, "      <skipped message=\"not gated (not in the "
				"config)\"/>\n");
		} else if (r->verdict == GATE_REGRESSION) {
			fprintf(f, "      <failure type=\"regression\"");
			ds_xml_attr(f, "message", r->reason);
			fprintf(f, ">");
			snprintf(buf, sizeof(buf), "median %.6g -> %.6g %s",
				 r->base_med, r->res_med, r->unit);
			ds_xml_escape(f, buf);
			fprintf(f, "</failure>\n");
		}
		fprintf(f, "      <system-out>%s: ", verdict_names[r->verdict]);
		ds_xml_escape(f, r->reason);
		fprintf(f, "</system-out>\n    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ds_afile_commit(&af);
}

/* --- the command --------------------------------------------------------- */

static int update_baseline(const struct ds_bench *res, const struct gate_cfg *cfg)
{
	size_t i, min = SIZE_MAX, max = 0;
	int err;

	if (check_run(env.result, res, cfg)) {
		ds_err("%s", errbuf);
		return GATE_EXIT_USAGE;
	}
	err = ds_bench_write_file(env.baseline, res);
	if (err) {
		ds_err("cannot write %s: %s", env.baseline, strerror(-err));
		return GATE_EXIT_USAGE;
	}
	for (i = 0; i < res->nmetrics; i++) {
		if (res->metrics[i].n < min)
			min = res->metrics[i].n;
		if (res->metrics[i].n > max)
			max = res->metrics[i].n;
	}
	fprintf(stderr, "%s: baseline %s updated from %s (%zu metrics, %zu%s "
		"samples each)\n", ds_prog, env.baseline, env.result,
		res->nmetrics, min, min == max ? "" : "+");
	return GATE_EXIT_PASS;
}

static int gate(void)
{
	struct ds_bench res, base;
	struct gate_cfg cfg = {};
	struct gate_row *rows = NULL;
	size_t nrows = 0, i;
	int ret = GATE_EXIT_USAGE, nreg = 0, nimp = 0, err;
	__u64 t0 = ds_mono_ns();
	char reason[512];

	ds_bench_init(&res);
	ds_bench_init(&base);
	if (cfg_load(&cfg)) {
		ds_err("%s", errbuf);
		goto out;
	}
	if (ds_bench_read(env.result, &res, reason, sizeof(reason))) {
		ds_err("%s", reason);
		goto out;
	}
	if (env.update) {
		ret = update_baseline(&res, &cfg);
		goto out;
	}
	if (ds_bench_read(env.baseline, &base, reason, sizeof(reason))) {
		ds_err("%s", reason);
		goto out;
	}
	if (check_run(env.result, &res, &cfg) ||
	    check_run(env.baseline, &base, &cfg) || check_pair(&res, &base)) {
		ds_err("%s", errbuf);
		goto out;
	}

	/* gated metrics in the config's (or the result's) order, then the
	 * result's other metrics that the baseline has too */
	rows = calloc(cfg.nmetrics + res.nmetrics, sizeof(*rows));
	if (!rows) {
		ds_err("out of memory");
		goto out;
	}
	for (i = 0; i < cfg.nmetrics; i++)
		rows[nrows++] = (struct gate_row){ .name = cfg.metrics[i].name,
						   .gated = true,
						   .p = cfg.metrics[i].p };
	for (i = 0; i < res.nmetrics; i++) {
		const char *name = res.metrics[i].name;

		if ((res.reference && !strcmp(name, res.reference)) ||
		    cfg_find(&cfg, name) || !ds_bench_find(&base, name))
			continue;
		if (cfg.nmetrics && (long)res.metrics[i].n < cfg.defaults.min_samples)
			continue;
		rows[nrows++] = (struct gate_row){ .name = name,
						   .gated = !cfg.nmetrics,
						   .p = cfg.defaults };
	}
	for (i = 0; i < nrows; i++) {
		err = evaluate(&rows[i], &cfg, &res, &base);
		if (err) {
			ds_err("metric \"%s\": %s", rows[i].name, strerror(-err));
			goto out;
		}
		if (!rows[i].gated)
			continue;
		nreg += rows[i].verdict == GATE_REGRESSION;
		nimp += rows[i].verdict == GATE_IMPROVEMENT;
	}
	if (env.json)
		print_json(rows, nrows, &cfg, &res, &base, nreg, nimp);
	else
		print_table(rows, nrows, &cfg, &res, &base, nreg, nimp);
	if (env.junit) {
		err = write_junit(rows, nrows, &cfg, nreg,
				  (ds_mono_ns() - t0) / 1e9);
		if (err) {
			ds_err("cannot write %s: %s", env.junit, strerror(-err));
			goto out;
		}
	}
	ret = nreg ? GATE_EXIT_REGRESSION : GATE_EXIT_PASS;
out:
	free(rows);
	cfg_free(&cfg);
	ds_bench_free(&res);
	ds_bench_free(&base);
	return ret;
}

int cmd_gate(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "RESULT",
		.doc = "Compare a benchmark run with a baseline, noise-aware.\v"
		       "RESULT and BASELINE are bench files of 'dirtyscope bench'. "
		       "Per metric, the samples are divided by the median of the "
		       "run's reference samples; the ratio of the normalized "
		       "medians (result / baseline) is a regression when it is "
		       "above 1 + threshold, the one-sided Mann-Whitney U test is "
		       "significant at alpha and the bootstrap lower bound is "
		       "above 1 + min_effect (an improvement symmetrically).\n\n"
		       "Exit status: 0 pass (improvements included), 1 regression, "
		       "2 usage or input error.\n\n"
		       "  dirtyscope gate -c tests/gate/gate.conf -b tests/gate/baseline.json result.json\n"
		       "  dirtyscope gate -c CONFIG -b BASELINE --update-baseline result.json",
	};

	argp_err_exit_status = GATE_EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return GATE_EXIT_USAGE;
	return gate();
}
