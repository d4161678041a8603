// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The statistics of stats.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median of s[0..n), sorted in place */
static double median_inplace(double *s, size_t n)
{
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double ds_median(const double *v, size_t n)
{
	double *s, m;

	if (!n)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, v, n * sizeof(*s));
	m = median_inplace(s, n);
	free(s);
	return m;
}

double ds_quantile_sorted(const double *s, size_t n, double q)
{
	double h, f;
	size_t i;

	if (!n)
		return NAN;
	h = (n - 1) * q;
	i = (size_t)h;
	if (i >= n - 1)
		return s[n - 1];
	f = h - i;
	return s[i] + f * (s[i + 1] - s[i]);
}

/* --- Mann-Whitney U ------------------------------------------------------ */

struct tagged {
	double v;
	bool is_x;
};

static int cmp_tagged(const void *a, const void *b)
{
	return cmp_double(&((const struct tagged *)a)->v,
			  &((const struct tagged *)b)->v);
}

/*
 * Exact null distribution of U for nx x's and ny y's without ties:
 * cnt(i, j, u) arrangements of i x's and j y's with U = u, by the largest
 * value: an x above all j y's adds j, a y adds nothing, so
 * cnt(i, j, u) = cnt(i - 1, j, u - j) + cnt(i, j - 1, u).
 * Fills p_greater = P(U >= u) and p_less = P(U <= u).
 */
static int mwu_exact(size_t nx, size_t ny, double u, struct ds_mwu *r)
{
	size_t w = nx * ny + 1, i, j, k;
	double *mem, *prev, *cur, *tmp, total = 0, ge = 0, le = 0;

	mem = calloc(2 * (ny + 1) * w, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	prev = mem;
	cur = mem + (ny + 1) * w;
	/* row i = 0: no x, U = 0 */
	for (j = 0; j <= ny; j++)
		prev[j * w] = 1;
	for (i = 1; i <= nx; i++) {
		memset(cur, 0, (ny + 1) * w * sizeof(*cur));
		cur[0] = 1;	/* j = 0: no y, U = 0 */
		for (j = 1; j <= ny; j++) {
			double *c = cur + j * w;
			const double *left = cur + (j - 1) * w;
			const double *up = prev + j * w;

			for (k = 0; k <= i * j; k++)
				c[k] = left[k] + (k >= j ? up[k - j] : 0);
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	/* prev is row nx */
	for (k = 0; k < w; k++) {
		double c = prev[ny * w + k];

		total += c;
		if (k >= u)
			ge += c;
		if (k <= u)
			le += c;
	}
	r->p_greater = ge / total;
	r->p_less = le / total;
	free(mem);
	return 0;
}

int ds_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
		    struct ds_mwu *r)
{
	size_t n = nx + ny, i, j;
	double rank_x = 0, ties = 0, mu, var, sigma;
	struct tagged *t;
	bool tied = false;

	memset(r, 0, sizeof(*r));
	if (!nx || !ny)
		return -EINVAL;
	t = malloc(n * sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < nx; i++)
		t[i] = (struct tagged){ x[i], true };
	for (i = 0; i < ny; i++)
		t[nx + i] = (struct tagged){ y[i], false };
	qsort(t, n, sizeof(*t), cmp_tagged);

	/* mid-ranks (1-based) of each group of equal values */
	for (i = 0; i < n; i = j) {
		double mid, g;
		size_t k;

		for (j = i + 1; j < n && t[j].v == t[i].v; j++)
			;
		g = j - i;
		mid = (i + 1 + j) / 2.0;
		for (k = i; k < j; k++)
			if (t[k].is_x)
				rank_x += mid;
		if (g > 1) {
			tied = true;
			ties += g * g * g - g;
		}
	}
	free(t);
	r->u = rank_x - nx * (nx + 1) / 2.0;

	if (!tied && nx <= DS_MWU_EXACT_MAX && ny <= DS_MWU_EXACT_MAX) {
		r->exact = true;
		return mwu_exact(nx, ny, r->u, r);
	}

	mu = nx * ny / 2.0;
	var = nx * ny / 12.0 * ((n + 1) - ties / ((double)n * (n - 1)));
	if (var <= 0) {
		/* every value equal: no evidence either way */
		r->p_greater = r->p_less = 1;
		return 0;
	}
	sigma = sqrt(var);
	r->z = (r->u - mu) / sigma;
	r->p_greater = 0.5 * erfc((r->u - mu - 0.5) / sigma / M_SQRT2);
	r->p_less = 0.5 * erfc(-(r->u - mu + 0.5) / sigma / M_SQRT2);
	r->p_greater = fmin(r->p_greater, 1);
	r->p_less = fmin(r->p_less, 1);
	return 0;
}

/* --- bootstrap ----------------------------------------------------------- */

void ds_rng_seed(struct ds_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t ds_rng_next(struct ds_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

size_t ds_rng_below(struct ds_rng *r, size_t n)
{
	return (size_t)(((unsigned __int128)ds_rng_next(r) * n) >> 64);
}

static bool run_valid(const struct ds_run *r)
{
	if (!r->nm)
		return false;
	switch (r->norm) {
	case DS_NORM_NONE:
		return true;
	case DS_NORM_MEDIAN:
		return r->nref > 0;
	case DS_NORM_PAIRED:
		return r->nref == r->nm;
	}
	return false;
}

int ds_run_normalize(const struct ds_run *r, double *out)
{
	double div = 1;
	size_t i;

	if (!run_valid(r))
		return -EINVAL;
	if (r->norm == DS_NORM_MEDIAN)
		div = ds_median(r->ref, r->nref);
	for (i = 0; i < r->nm; i++)
		out[i] = r->m[i] / (r->norm == DS_NORM_PAIRED ? r->ref[i] : div);
	return 0;
}

/* median of one resample of the normalized samples of @r (a, b: scratch) */
static double resample(const struct ds_run *r, struct ds_rng *rng,
		       double *a, double *b)
{
	size_t i, k;

	if (r->norm == DS_NORM_PAIRED) {
		for (i = 0; i < r->nm; i++) {
			k = ds_rng_below(rng, r->nm);
			a[i] = r->m[k] / r->ref[k];
		}
		return median_inplace(a, r->nm);
	}
	for (i = 0; i < r->nm; i++)
		a[i] = r->m[ds_rng_below(rng, r->nm)];
	if (r->norm == DS_NORM_NONE)
		return median_inplace(a, r->nm);
	for (i = 0; i < r->nref; i++)
		b[i] = r->ref[ds_rng_below(rng, r->nref)];
	return median_inplace(a, r->nm) / median_inplace(b, r->nref);
}

int ds_boot_ratio(const struct ds_run *res, const struct ds_run *base,
		  unsigned int iters, double alpha, uint64_t seed,
		  double *lo, double *hi)
{
	size_t max = 0, i;
	double *stat, *a, *b;
	struct ds_rng rng;

	if (!run_valid(res) || !run_valid(base) || !iters ||
	    !(alpha > 0 && alpha < 0.5))
		return -EINVAL;
	max = res->nm;
	if (res->nref > max)
		max = res->nref;
	if (base->nm > max)
		max = base->nm;
	if (base->nref > max)
		max = base->nref;
	stat = malloc((iters + 2 * max) * sizeof(*stat));
	if (!stat)
		return -ENOMEM;
	a = stat + iters;
	b = a + max;
	ds_rng_seed(&rng, seed);
	for (i = 0; i < iters; i++) {
		double r = resample(res, &rng, a, b);

		stat[i] = r / resample(base, &rng, a, b);
	}
	qsort(stat, iters, sizeof(*stat), cmp_double);
	*lo = ds_quantile_sorted(stat, iters, alpha);
	*hi = ds_quantile_sorted(stat, iters, 1 - alpha);
	free(stat);
	return 0;
}
