// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of src/stats.c (the statistics of "dirtyscope gate"), of
 * gate's decision (gate_eval.c) and of the bench file reader/writer: one
 * "ok - "/"not ok - " line per check, exit status 1 when one failed. Run
 * by gate.sh (make -C src check).
 *
 * The expected values are textbook ones: Mann-Whitney critical values of
 * the usual tables (one-tailed), Wikipedia's tortoise-and-hare example,
 * and exact probabilities that are simple fractions.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "benchfile.h"
#include "gate.h"
#include "stats.h"

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

static bool near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fabs(b);
}

static void test_median(void)
{
	static const double odd[] = { 5, 1, 4, 2, 3 };
	static const double even[] = { 10, 2, 8, 4 };
	static const double one[] = { 7 };
	static const double sorted[] = { 1, 2, 3, 4, 5 };

	CHECK(ds_median(odd, 5) == 3, "median of 5 unsorted values is the middle one");
	CHECK(ds_median(even, 4) == 6, "median of 4 values is the mean of the middle two");
	CHECK(ds_median(one, 1) == 7, "median of one value");
	CHECK(isnan(ds_median(NULL, 0)), "median of nothing is NaN");
	CHECK(odd[0] == 5 && odd[4] == 3, "median leaves its input unsorted");
	CHECK(ds_quantile_sorted(sorted, 5, 0) == 1 &&
	      ds_quantile_sorted(sorted, 5, 1) == 5 &&
	      ds_quantile_sorted(sorted, 5, 0.5) == 3 &&
	      ds_quantile_sorted(sorted, 5, 0.1) == 1.4,
	      "quantiles (type 7): 0, 1, 0.5, 0.1 -> 1, 5, 3, 1.4");
}

/* x = n values above y = n values: the largest U, P = 1 / C(2n, n) */
static void test_mwu_separated(size_t n, double p)
{
	double x[8], y[8];
	struct ds_mwu r;
	size_t i;

	for (i = 0; i < n; i++) {
		x[i] = 100 + i;
		y[i] = i;
	}
	ds_mann_whitney(x, n, y, n, &r);
	CHECK(r.exact && r.u == n * n && near(r.p_greater, p, 1e-12) &&
	      r.p_less == 1,
	      "U, %zu vs %zu fully separated: U = %zu, P(U >= U) = %.6g exactly "
	      "(got U %g, p %.6g)", n, n, n * n, p, r.u, r.p_greater);
}

/*
 * The largest u with P(U <= u) <= alpha for n vs n must be @crit: the
 * value tables of Mann-Whitney critical values list. U is built by
 * placing y values among the x values.
 */
static void test_mwu_critical(size_t n, double alpha, double crit)
{
	double x[20], y[20];
	struct ds_mwu at, above;
	size_t i, k;

	/* U of x = crit: x = 0..n-1 at 10, 20, ...; y placed so that
	 * exactly crit pairs have x > y */
	for (k = 0; k <= 1; k++) {
		size_t left = crit + k;

		for (i = 0; i < n; i++)
			x[i] = 10.0 * (i + 1);
		for (i = 0; i < n; i++) {
			size_t below = left < n ? left : n;	/* x's above y[i] */

			y[i] = 10.0 * (n - below) + 5 + i * 1e-3;
			left -= below;
		}
		ds_mann_whitney(x, n, y, n, k ? &above : &at);
	}
	CHECK(at.exact && at.u == crit && at.p_less <= alpha &&
	      above.u == crit + 1 && above.p_less > alpha,
	      "critical U for n1 = n2 = %zu, one-tailed alpha %.2f is %g "
	      "(P(U <= %g) = %.4f, P(U <= %g) = %.4f)", n, alpha, crit, crit,
	      at.p_less, crit + 1, above.p_less);
}

static void test_mwu(void)
{
	/* Wikipedia, "Mann-Whitney U test", tortoise and hare: finishing
	 * order T H H H H H T T T T T H, times = positions */
	static const double tortoise[] = { 1, 7, 8, 9, 10, 11 };
	static const double hare[] = { 2, 3, 4, 5, 6, 12 };
	/* ties: normal approximation with tie and continuity corrections */
	static const double tx[] = { 1, 2, 2, 3, 3, 3, 4, 5 };
	static const double ty[] = { 2, 3, 4, 4, 5, 6, 6, 7 };
	static const double same[] = { 3, 3, 3, 3 };
	double big_x[60], big_y[60];
	struct ds_mwu r, s;
	size_t i;

	ds_mann_whitney(tortoise, 6, hare, 6, &r);
	ds_mann_whitney(hare, 6, tortoise, 6, &s);
	CHECK(r.u == 25 && s.u == 11,
	      "tortoise and hare: U_T = 25, U_H = 11 (got %g, %g)", r.u, s.u);
	CHECK(r.exact && near(r.p_greater, 0.15476190476190477, 1e-12) &&
	      near(s.p_less, 0.15476190476190477, 1e-12),
	      "tortoise and hare: exact P(U >= 25) = P(U <= 11) = 143/924 "
	      "(got %.10f, %.10f)", r.p_greater, s.p_less);
	test_mwu_separated(3, 1 / 20.0);
	test_mwu_separated(4, 1 / 70.0);
	test_mwu_separated(8, 1 / 12870.0);
	test_mwu_critical(5, 0.05, 4);
	test_mwu_critical(8, 0.05, 15);
	test_mwu_critical(10, 0.05, 27);
	test_mwu_critical(10, 0.01, 19);
	test_mwu_critical(20, 0.05, 138);

	ds_mann_whitney(tx, 8, ty, 8, &r);
	CHECK(!r.exact && r.u == 13 &&
	      near(r.p_greater, 0.981177854684492, 1e-9) &&
	      near(r.p_less, 0.024298717847262806, 1e-9),
	      "ties: U = 13, normal approximation p_greater 0.98118, p_less "
	      "0.024299 (got U %g, %.6g, %.6g)", r.u, r.p_greater, r.p_less);
	ds_mann_whitney(same, 4, same, 4, &r);
	CHECK(r.u == 8 && r.p_greater == 1 && r.p_less == 1,
	      "all values equal: U = n1 n2 / 2, no evidence (p = 1 both ways)");

	/* beyond the exact limit: x_i = i + 0.3 above y_0..y_i, U = 1830 */
	for (i = 0; i < 60; i++) {
		big_x[i] = i + 0.3;
		big_y[i] = i;
	}
	ds_mann_whitney(big_x, 60, big_y, 60, &r);
	ds_mann_whitney(big_x, 50, big_y, 50, &s);
	CHECK(!r.exact && s.exact && r.u == 1830 &&
	      near(r.p_greater, 0.4384757600934123, 1e-9) &&
	      near(r.p_less, 0.5635923442716833, 1e-9),
	      "60 vs 60: normal approximation beyond %d per side, U = 1830, "
	      "p_greater 0.43848, p_less 0.56359 (got %g, %.6g, %.6g)",
	      DS_MWU_EXACT_MAX, r.u, r.p_greater, r.p_less);
	CHECK(ds_mann_whitney(tx, 0, ty, 8, &r) == -EINVAL,
	      "an empty side is -EINVAL");
}

static void test_boot(void)
{
	double m1[21], r1[21], m2[21], r2[21], lo, hi, lo2, hi2, out[21];
	struct ds_run a = { m1, 21, r1, 21, DS_NORM_MEDIAN };
	struct ds_run b = { m2, 21, r2, 21, DS_NORM_MEDIAN };
	struct ds_rng rng;
	size_t i, hits[4] = {};

	ds_rng_seed(&rng, 42);
	for (i = 0; i < 4000; i++)
		hits[ds_rng_below(&rng, 4)]++;
	CHECK(hits[0] > 900 && hits[1] > 900 && hits[2] > 900 && hits[3] > 900,
	      "ds_rng_below(4) is roughly uniform (%zu %zu %zu %zu)", hits[0],
	      hits[1], hits[2], hits[3]);

	/* b: a on a machine 2x slower, with the metric 1.5x slower still */
	for (i = 0; i < 21; i++) {
		m1[i] = 1000 + 10 * ((i * 7) % 21);
		r1[i] = 500 + 5 * ((i * 5) % 21);
		m2[i] = 2 * 1.5 * m1[i];
		r2[i] = 2 * r1[i];
	}
	ds_run_normalize(&a, out);
	CHECK(out[0] == 1000 / 550.0, "median normalization: m[i] / median(ref)");
	CHECK(ds_boot_ratio(&b, &a, 2000, 0.05, 7, &lo, &hi) == 0 &&
	      lo <= 1.5 && hi >= 1.5 && hi - lo < 0.3,
	      "bootstrap CI of the ratio holds 1.5 ([%.4f, %.4f])", lo, hi);
	ds_boot_ratio(&b, &a, 2000, 0.05, 7, &lo2, &hi2);
	CHECK(lo == lo2 && hi == hi2, "the same seed gives the same CI");
	a.norm = b.norm = DS_NORM_PAIRED;
	CHECK(ds_boot_ratio(&b, &a, 2000, 0.05, 7, &lo, &hi) == 0 &&
	      lo <= 1.5 && hi >= 1.5, "paired normalization: CI holds 1.5 "
	      "([%.4f, %.4f])", lo, hi);
	a.norm = b.norm = DS_NORM_NONE;
	CHECK(ds_boot_ratio(&b, &a, 2000, 0.05, 7, &lo, &hi) == 0 &&
	      lo > 2.5 && hi < 3.5, "no normalization: the ratio is ~3 "
	      "([%.4f, %.4f])", lo, hi);
	a.norm = DS_NORM_PAIRED;
	a.nref = 20;
	CHECK(ds_run_normalize(&a, out) == -EINVAL &&
	      ds_boot_ratio(&b, &a, 100, 0.05, 1, &lo, &hi) == -EINVAL,
	      "paired normalization needs as many reference samples");
}

static void test_benchfile(const char *dir)
{
	char path[4096], reason[512];
	struct ds_bench b, c;
	struct ds_bench_metric *m;
	FILE *f;
	int err;

	ds_bench_init(&b);
	b.kernel = strdup("6.12.0 \"quoted\"");
	b.reference = strdup("ref");
	m = ds_bench_get(&b, "ref");
	ds_bench_add_sample(m, 100);
	ds_bench_add_sample(m, 0.5);
	m = ds_bench_get(&b, "op");
	ds_bench_add_sample(m, 123456789);
	free(m->unit);
	m->unit = strdup("cycles");
	CHECK(ds_bench_check(&b, reason, sizeof(reason)) == 0,
	      "a complete bench is valid");
	snprintf(path, sizeof(path), "%s/units.json", dir);
	err = ds_bench_write_file(path, &b);
	CHECK(!err && !ds_bench_read(path, &c, reason, sizeof(reason)) &&
	      c.nmetrics == 2 && !strcmp(c.metrics[0].name, "ref") &&
	      c.metrics[0].n == 2 && c.metrics[0].samples[1] == 0.5 &&
	      c.metrics[1].samples[0] == 123456789 &&
	      !strcmp(c.metrics[1].unit, "cycles") &&
	      !strcmp(c.kernel, "6.12.0 \"quoted\"") && !strcmp(c.reference, "ref"),
	      "bench file write/read round trip (order, units, samples, strings)");
	ds_bench_free(&c);

	f = fopen(path, "w");
	fputs("{\"format\": \"dirtyscope-bench\", \"version\": 1, \"metrics\": "
	      "{\"a\": {\"unit\": \"ns\", \"samples\": [1, -2]}}}", f);
	fclose(f);
	CHECK(ds_bench_read(path, &c, reason, sizeof(reason)) &&
	      strstr(reason, "metric \"a\": sample 2 is not a positive number"),
	      "a negative sample is refused (%s)", reason);
	f = fopen(path, "w");
	fputs("{\"format\": \"dirtyscope-bench\", \"version\": 1, ", f);
	fclose(f);
	CHECK(ds_bench_read(path, &c, reason, sizeof(reason)) &&
	      strstr(reason, "invalid JSON (the file ends inside a value)"),
	      "a cut file is refused (%s)", reason);
	unlink(path);

	m = ds_bench_get(&b, "bad name");
	ds_bench_add_sample(m, 1);
	CHECK(ds_bench_check(&b, reason, sizeof(reason)) == -EINVAL &&
	      strstr(reason, "not a valid name"), "names are checked (%s)", reason);
	ds_bench_free(&b);
}

/* a run of 21 rounds: reference ~100, "op" ~ scale * 200, small jitter */
static void gate_run(struct ds_bench *b, double scale, int seed)
{
	struct ds_bench_metric *ref, *op;
	int i;

	ds_bench_init(b);
	b->reference = strdup("reference");
	ds_bench_get(b, "reference");
	op = ds_bench_get(b, "op");
	ref = ds_bench_find(b, "reference");	/* the array moved */
	for (i = 0; i < 21; i++) {
		double j = ((i * 7 + seed * 3) % 11 - 5) / 100.0;

		ds_bench_add_sample(ref, 100 * (1 + j / 2));
		ds_bench_add_sample(op, scale * 200 * (1 + j));
	}
}

/* gate_eval.c on its own: the checks and the verdict of one metric */
static void test_gate_eval(void)
{
	const struct gate_files fl = { NULL, "r.json", "b.json" };
	struct ds_bench base, same, slow, fast;
	struct gate_row row;
	struct gate_cfg cfg;
	char err[256];

	CHECK(!gate_cfg_load(&cfg, NULL, err, sizeof(err)) &&
	      cfg.norm == DS_NORM_MEDIAN && cfg.defaults.threshold == 0.25 &&
	      !cfg.nmetrics, "gate: no config is median, the defaults, every metric");
	gate_run(&base, 1, 1);
	gate_run(&same, 1, 2);
	gate_run(&slow, 1.6, 3);
	gate_run(&fast, 0.5, 4);
	CHECK(!gate_check_run(&fl, fl.result, &slow, &cfg, err, sizeof(err)) &&
	      !gate_check_pair(&fl, &slow, &base, err, sizeof(err)),
	      "gate: two runs of one benchmark pass the checks");

	row = (struct gate_row){ .name = "op", .gated = true, .p = cfg.defaults };
	CHECK(!gate_evaluate(&row, &cfg, &same, &base) &&
	      row.verdict == GATE_PASS && near(row.ratio, 1, 0.03),
	      "gate: the same distribution passes (ratio %.3f: %s)", row.ratio,
	      row.reason);
	row = (struct gate_row){ .name = "op", .gated = true, .p = cfg.defaults };
	CHECK(!gate_evaluate(&row, &cfg, &slow, &base) &&
	      row.verdict == GATE_REGRESSION && near(row.ratio, 1.6, 0.03) &&
	      !strcmp(gate_verdict_name(row.verdict), "regression") &&
	      strstr(row.reason, "x slower: ratio > 1.25"),
	      "gate: 1.6x slower is a regression (ratio %.3f: %s)", row.ratio,
	      row.reason);
	row = (struct gate_row){ .name = "op", .gated = true, .p = cfg.defaults };
	CHECK(!gate_evaluate(&row, &cfg, &fast, &base) &&
	      row.verdict == GATE_IMPROVEMENT && near(row.ratio, 0.5, 0.03),
	      "gate: 2x faster is an improvement (ratio %.3f: %s)", row.ratio,
	      row.reason);

	free(slow.reference);
	slow.reference = NULL;
	CHECK(gate_check_run(&fl, fl.baseline, &slow, &cfg, err, sizeof(err)) ==
	      -EINVAL && strstr(err, "b.json: no \"reference\" (needed") == err,
	      "gate: a run without a reference is refused (%s)", err);
	ds_bench_free(&base);
	ds_bench_free(&same);
	ds_bench_free(&slow);
	ds_bench_free(&fast);
	gate_cfg_free(&cfg);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
		return 2;
	}
	test_median();
	test_mwu();
	test_boot();
	test_benchfile(argv[1]);
	test_gate_eval();
	return failures ? 1 : 0;
}
