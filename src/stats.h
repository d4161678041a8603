/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Small, pure statistics for "dirtyscope gate": medians, the one-sided
 * Mann-Whitney U test and a seeded percentile bootstrap of a ratio of
 * medians. No I/O, no global state: unit-tested in tests/host/cli.
 */
#ifndef DS_STATS_H
#define DS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* median of v[0..n) (not modified); NaN when n == 0 */
double ds_median(const double *v, size_t n);
/* linear-interpolation quantile (R type 7) of sorted s[0..n), 0 <= q <= 1 */
double ds_quantile_sorted(const double *s, size_t n, double q);

/* exact p-values are computed for at most this many samples per side */
#define DS_MWU_EXACT_MAX	50

struct ds_mwu {
	double u;		/* U of x: pairs x > y, plus half the ties */
	double p_greater;	/* P(U >= u) under H0: x tends to be larger */
	double p_less;		/* P(U <= u) under H0: x tends to be smaller */
	double z;		/* normal approximation (0 when exact) */
	bool exact;		/* no ties and both sides <= DS_MWU_EXACT_MAX */
};

/*
 * Mann-Whitney U of x against y, both one-sided p-values: exact (the
 * permutation distribution of U) without ties and for small samples,
 * otherwise the normal approximation with tie correction and continuity
 * correction. Returns 0, or -EINVAL (an empty side) / -ENOMEM.
 */
int ds_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
		    struct ds_mwu *r);

/* a seeded PRNG (splitmix64): the same seed gives the same bootstrap */
struct ds_rng {
	uint64_t s;
};

void ds_rng_seed(struct ds_rng *r, uint64_t seed);
uint64_t ds_rng_next(struct ds_rng *r);
/* uniform in [0, n) */
size_t ds_rng_below(struct ds_rng *r, size_t n);

/*
 * A run of a benchmark as the gate sees one metric in it: its samples and
 * the reference samples of the same run. The normalized samples are
 *   DS_NORM_NONE    m[i]
 *   DS_NORM_MEDIAN  m[i] / median(ref)
 *   DS_NORM_PAIRED  m[i] / ref[i]          (nref == nm)
 */
enum ds_norm {
	DS_NORM_NONE,
	DS_NORM_MEDIAN,
	DS_NORM_PAIRED,
};

struct ds_run {
	const double *m;
	size_t nm;
	const double *ref;
	size_t nref;
	enum ds_norm norm;
};

/* out[0..nm) = the normalized samples; -EINVAL when they cannot be formed */
int ds_run_normalize(const struct ds_run *r, double *out);

/*
 * Percentile bootstrap of median(normalized result) / median(normalized
 * base): each of @iters rounds resamples, with replacement, the metric
 * and the reference samples of both runs (pairs together for
 * DS_NORM_PAIRED, independently otherwise) and recomputes the ratio.
 * *lo and *hi are its @alpha and 1 - @alpha quantiles, so *lo is a
 * one-sided lower confidence bound at level 1 - @alpha (and *hi an upper
 * one). Returns 0, -EINVAL or -ENOMEM.
 */
int ds_boot_ratio(const struct ds_run *res, const struct ds_run *base,
		  unsigned int iters, double alpha, uint64_t seed,
		  double *lo, double *hi);

#endif /* DS_STATS_H */
