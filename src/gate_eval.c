// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope gate: the inputs checked against the config and each other,
 * and the decision per metric, see gate.h:
 *
 *   - each sample is divided by the median of the run's reference samples
 *     (work the series does not change, interleaved with the operations in
 *     the same run), so a uniformly slower machine cancels out;
 *   - ratio = median(normalized result) / median(normalized baseline);
 *   - one-sided Mann-Whitney U of result against baseline, and a seeded
 *     percentile bootstrap of the ratio;
 *   - regression iff ratio > 1 + threshold, p(slower) < alpha and the
 *     bootstrap lower bound > 1 + min_effect; improvement symmetrically.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "gate.h"

static const char *const verdict_names[] = {
	[GATE_PASS] = "pass",
	[GATE_REGRESSION] = "regression",
	[GATE_IMPROVEMENT] = "improvement",
};

const char *gate_verdict_name(enum gate_verdict v)
{
	return verdict_names[v];
}

/* --- checks of the inputs ------------------------------------------------ */

static int in_fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int in_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_metric(const struct gate_files *fl, const char *file,
			const struct ds_bench *b, const char *name,
			long min_samples, bool is_ref, char *err, size_t len)
{
	const struct ds_bench_metric *m = ds_bench_find(b, name);

	if (!m && is_ref)
		return in_fail(err, len, "%s: no reference metric \"%s\"", file,
			       name);
	if (!m)
		return in_fail(err, len, "%s: no metric \"%s\"%s", file, name,
			       file == fl->baseline ? " (update the baseline)" :
			       fl->config ? " (gated by the config)" : "");
	if ((long)m->n < min_samples)
		return in_fail(err, len, "%s: metric \"%s\": %zu samples, at "
			       "least %ld needed (min_samples)", file, name,
			       m->n, min_samples);
	return 0;
}

int gate_check_run(const struct gate_files *fl, const char *file,
		   const struct ds_bench *b, const struct gate_cfg *cfg,
		   char *err, size_t len)
{
	size_t i;
	int ret;

	if (cfg->norm != DS_NORM_NONE) {
		if (!b->reference)
			return in_fail(err, len, "%s: no \"reference\" (needed "
				       "to normalize; \"normalize\": \"none\" "
				       "compares absolute times)", file);
		ret = check_metric(fl, file, b, b->reference,
				   cfg->defaults.min_samples, true, err, len);
		if (ret)
			return ret;
	}
	for (i = 0; i < cfg->nmetrics; i++) {
		ret = check_metric(fl, file, b, cfg->metrics[i].name,
				   cfg->metrics[i].p.min_samples, false, err,
				   len);
		if (ret)
			return ret;
	}
	if (!cfg->nmetrics) {
		for (i = 0; i < b->nmetrics; i++) {
			const char *name = b->metrics[i].name;

			if (b->reference && !strcmp(name, b->reference))
				continue;
			ret = check_metric(fl, file, b, name,
					   cfg->defaults.min_samples, false,
					   err, len);
			if (ret)
				return ret;
		}
	}
	if (cfg->norm == DS_NORM_PAIRED) {
		const struct ds_bench_metric *ref = ds_bench_find(b, b->reference);

		for (i = 0; i < b->nmetrics; i++)
			if (b->metrics[i].n != ref->n)
				return in_fail(err, len, "%s: metric \"%s\": "
					       "%zu samples, the reference %zu "
					       "(\"normalize\": \"paired\" needs "
					       "as many)", file,
					       b->metrics[i].name,
					       b->metrics[i].n, ref->n);
	}
	return 0;
}

int gate_check_pair(const struct gate_files *fl, const struct ds_bench *res,
		    const struct ds_bench *base, char *err, size_t len)
{
	size_t i;

	if (res->params && base->params &&
	    !json_object_equal(res->params, base->params)) {
		json_object_object_foreach(res->params, key, v) {
			struct json_object *w;

			if (!json_object_object_get_ex(base->params, key, &w))
				w = NULL;
			if (!w || !json_object_equal(v, w))
				return in_fail(err, len, "%s and %s are "
					       "different benchmarks: param "
					       "\"%s\": %s vs %s", fl->result,
					       fl->baseline, key,
					       json_object_get_string(v),
					       w ? json_object_get_string(w) :
					       "missing");
		}
		return in_fail(err, len, "%s and %s are different benchmarks: "
			       "the baseline has more params", fl->result,
			       fl->baseline);
	}
	if (res->reference && base->reference &&
	    strcmp(res->reference, base->reference))
		return in_fail(err, len, "%s and %s have different reference "
			       "metrics (\"%s\", \"%s\")", fl->result,
			       fl->baseline, res->reference, base->reference);
	for (i = 0; i < res->nmetrics; i++) {
		const struct ds_bench_metric *m = &res->metrics[i];
		const struct ds_bench_metric *w = ds_bench_find(base, m->name);

		if (w && strcmp(m->unit, w->unit))
			return in_fail(err, len, "metric \"%s\": unit \"%s\" "
				       "in %s, \"%s\" in %s", m->name, m->unit,
				       fl->result, w->unit, fl->baseline);
	}
	return 0;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

int gate_evaluate(struct gate_row *row, const struct gate_cfg *cfg,
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
