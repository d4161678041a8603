// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Replay: observations back into a device write stream (see replay.h) */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"
#include "workload.h"

enum iv_kind { IV_DIRTY, IV_CLEAN, IV_HIDDEN };

struct iv {
	uint64_t page;
	uint64_t a, b;		/* (a, b] */
	enum iv_kind kind;
};

struct ivs {
	struct iv *v;
	size_t n, cap;
};

static int iv_add(struct ivs *s, uint64_t page, uint64_t a, uint64_t b,
		  enum iv_kind kind)
{
	struct iv *v;

	if (b <= a && kind != IV_DIRTY)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;

		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct iv){ .page = page, .a = a, .b = b, .kind = kind };
	return 0;
}

static void fit_line(const double *x, const double *y, size_t n,
		     struct ds_lat_line *l)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		sxy += x[i] * y[i];
	}
	d = n * sxx - sx * sx;
	if (n >= 2 && d > 1e-9 * sxx * n) {
		l->b_ns = (n * sxy - sx * sy) / d;
		l->a_ns = (sy - l->b_ns * sx) / n;
	} else {
		l->b_ns = 0;
		l->a_ns = sy / n;
	}
	if (l->b_ns < 0) {
		l->b_ns = 0;
		l->a_ns = sy / n;
	}
	if (l->a_ns < 0) {
		l->a_ns = 0;
		l->b_ns = sx > 0 ? sy / sx : 0;
	}
}

void ds_replay_fit_lat(const struct ds_obs *obs, size_t nobs,
		       struct ds_lat_model *m, unsigned int *fitted,
		       uint64_t *samples)
{
	double *x = malloc((nobs + 1) * sizeof(double));
	double *y = malloc((nobs + 1) * sizeof(double));
	double scale_sum = 0, xmin, xmax, sy, mx, def, k;
	unsigned int nscale = 0;
	size_t i, n;
	int c;

	*fitted = 0;
	*m = ds_lat_default;
	for (c = 0; c < DS_CALL_NR; c++) {
		samples[c] = 0;
		if (!x || !y)
			continue;
		xmin = INFINITY;
		xmax = sy = 0;
		for (i = n = 0; i < nobs; i++) {
			if (obs[i].call != (enum ds_call)c)
				continue;
			x[n] = (double)obs[i].n;
			y[n] = (double)obs[i].duration_ns;
			xmin = x[n] < xmin ? x[n] : xmin;
			xmax = x[n] > xmax ? x[n] : xmax;
			sy += y[n];
			n++;
		}
		samples[c] = n;
		if (!n)
			continue;
		*fitted |= 1U << c;
		if (n >= 4 && xmax >= 2 * xmin) {
			fit_line(x, y, n, &m->call[c]);
			continue;
		}
		/*
		 * One call size: the fixed and per-page parts cannot be told
		 * apart; keep the guest-measured shape, scaled to the mean.
		 */
		for (i = 0, mx = 0; i < n; i++)
			mx += x[i];
		mx /= n;
		def = ds_lat_default.call[c].a_ns + ds_lat_default.call[c].b_ns * mx;
		k = def > 0 ? sy / n / def : 1;
		m->call[c].a_ns = ds_lat_default.call[c].a_ns * k;
		m->call[c].b_ns = ds_lat_default.call[c].b_ns * k;
		scale_sum += k;
		nscale++;
	}
	/* a kind never called: its default shape, scaled like the others */
	for (c = 0; c < DS_CALL_NR; c++) {
		double k = nscale ? scale_sum / nscale : 1;

		if (*fitted & 1U << c)
			continue;
		if (!nscale && *fitted) {
			/* the others were fitted: scale by their ratio at 1 page */
			int o;

			for (o = 0; o < DS_CALL_NR; o++)
				if (*fitted & 1U << o)
					break;
			k = (m->call[o].a_ns + m->call[o].b_ns) /
			    (ds_lat_default.call[o].a_ns +
			     ds_lat_default.call[o].b_ns);
		}
		m->call[c].a_ns = ds_lat_default.call[c].a_ns * k;
		m->call[c].b_ns = ds_lat_default.call[c].b_ns * k;
	}
	free(x);
	free(y);
}

/* Poisson(m), conditioned on >= 1 when @atleast1 */
static uint64_t poisson(uint64_t *rng, double m, bool atleast1)
{
	double u, p, cdf;
	uint64_t k;

	if (m <= 0)
		return atleast1;
	if (m > 50) {
		/* normal approximation: plenty for a page's writes */
		double z = sqrt(-2 * log(1 - ds_rand_unit(rng))) *
			   cos(2 * M_PI * ds_rand_unit(rng));
		double v = m + sqrt(m) * z;

		return v < 1 ? 1 : (uint64_t)(v + 0.5);
	}
	k = atleast1 ? 1 : 0;
	p = exp(-m);
	if (atleast1) {
		/* P(k) / P(k >= 1) from k = 1 */
		p = p * m / -expm1(-m);
	}
	u = ds_rand_unit(rng);
	cdf = p;
	while (u > cdf && k < 10000) {
		k++;
		p *= m / k;
		cdf += p;
	}
	return k;
}

struct pairs {
	uint64_t *page, *t;
	uint64_t n, cap;
};

static int pair_add(struct pairs *w, uint64_t page, uint64_t t)
{
	if (w->n == w->cap) {
		uint64_t cap = w->cap ? 2 * w->cap : 4096;
		uint64_t *p = realloc(w->page, cap * sizeof(uint64_t));
		uint64_t *q;

		if (!p)
			return -ENOMEM;
		w->page = p;
		q = realloc(w->t, cap * sizeof(uint64_t));
		if (!q)
			return -ENOMEM;
		w->t = q;
		w->cap = cap;
	}
	w->page[w->n] = page;
	w->t[w->n] = t;
	w->n++;
	return 0;
}

static int cmp_iv(const void *x, const void *y)
{
	const struct iv *a = x, *b = y;

	if (a->page != b->page)
		return a->page < b->page ? -1 : 1;
	return a->a < b->a ? -1 : a->a > b->a;
}

/* cut every page's time into dirty/clean/hidden intervals */
static int intervals(const struct ds_obs *obs, size_t nobs, uint64_t npages,
		     uint64_t t0, uint64_t horizon, struct ivs *out)
{
	uint64_t *lo = calloc(npages, sizeof(uint64_t));
	bool *reported = calloc(npages, sizeof(bool));
	bool *seen = calloc(npages, sizeof(bool));
	uint64_t p, i, tau, prev = 0;
	const struct ds_obs *o;
	size_t k;
	bool b;
	int ret = -ENOMEM;

	if (!lo || !reported || !seen)
		goto out;
	ret = -EINVAL;
	for (k = 0; k < nobs; k++) {
		o = &obs[k];
		if (o->ts_ns < t0 || o->first + o->n > npages ||
		    o->first + o->n < o->first)
			goto out;
		tau = o->ts_ns - t0;
		if (tau < prev)
			goto out;
		prev = tau;
		for (i = 0; i < o->n; i++) {
			p = o->first + i;
			b = o->bits[i / 64] >> (i % 64) & 1;
			if (!seen[p]) {
				/*
				 * First sight: a bit set then was set before
				 * the recording (a page written before tracking
				 * started); no interval to learn from.
				 */
				seen[p] = true;
				lo[p] = tau;
				reported[p] = o->call == DS_CALL_READ && b;
				continue;
			}
			if (o->call == DS_CALL_CLEAR) {
				if (!b)
					continue;
				ret = iv_add(out, p, lo[p], tau, IV_HIDDEN);
				reported[p] = false;
			} else if (reported[p]) {
				ret = iv_add(out, p, lo[p], tau, IV_HIDDEN);
			} else {
				ret = iv_add(out, p, lo[p], tau,
					     b ? IV_DIRTY : IV_CLEAN);
				reported[p] = b;
			}
			if (ret)
				goto out;
			lo[p] = tau;
			if (o->call == DS_CALL_READ_CLEAR)
				reported[p] = false;
		}
	}
	for (p = 0; p < npages; p++) {
		ret = iv_add(out, p, lo[p], horizon > lo[p] ? horizon : lo[p],
			     IV_HIDDEN);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	free(lo);
	free(reported);
	free(seen);
	return ret;
}

/*
 * Per-page rates from a mixture of Poisson classes (EM).  One page's
 * intervals say little about its rate (a page dirty in its one long
 * interval has a maximum-likelihood rate far above the truth), so pages
 * share: class 0 never writes, classes 1..K-1 each have one rate, and a
 * page's rate is the mean of the class rates under its posterior.
 */
#define EM_CLASSES	4
#define EM_ROUNDS	40
#define EM_BISECT	48

struct page_ivs {
	size_t s, e;		/* its dirty lengths: dl[s..e) */
	double clean;		/* total clean time */
	size_t is, ie;		/* its intervals: ivs[is..ie) */
	double ll;		/* log-likelihood under the Poisson classes */
	bool periodic;		/* better explained by the periodic class */
};

static double page_ll(const struct page_ivs *pg, const double *dl, double mu)
{
	double ll = -mu * pg->clean;
	size_t i;

	if (mu <= 0)
		return pg->e > pg->s ? -INFINITY : 0;
	for (i = pg->s; i < pg->e; i++)
		if (dl[i] > 0)
			ll += log(-expm1(-mu * dl[i]));
	return ll;
}

/* d/dmu of page_ll */
static double page_dll(const struct page_ivs *pg, const double *dl, double mu)
{
	double g = -pg->clean;
	size_t i;

	for (i = pg->s; i < pg->e; i++)
		if (dl[i] > 0)
			g += dl[i] / expm1(mu * dl[i]);
	return g;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median of the positive lengths (a sorted copy) */
static double median_len(const double *dl, size_t n)
{
	double *c = malloc((n + 1) * sizeof(double)), m = 0;
	size_t i, k = 0;

	if (!c)
		return 1;
	for (i = 0; i < n; i++)
		if (dl[i] > 0)
			c[k++] = dl[i];
	if (k) {
		qsort(c, k, sizeof(double), cmp_double);
		m = c[k / 2];
	}
	free(c);
	return m > 0 ? m : 1;
}

static void em_rates(struct page_ivs *pg, uint64_t np, const double *dl,
		     double *r, double *rate)
{
	double mu[EM_CLASSES], pi[EM_CLASSES], ll[EM_CLASSES];
	double lo, hi, mid, g, max, sum, min_len = INFINITY, max_len = 0, cap;
	uint64_t p;
	size_t i, nd = 0;
	int j, it, b;

	for (p = 0; p < np; p++)
		for (i = pg[p].s; i < pg[p].e; i++) {
			if (dl[i] > 0 && dl[i] < min_len)
				min_len = dl[i];
			if (dl[i] > max_len)
				max_len = dl[i];
		}
	if (!isfinite(min_len)) {
		for (p = 0; p < np; p++)
			rate[p] = 0;
		return;
	}
	/*
	 * A page dirty in every one of its intervals only bounds its rate
	 * from below; cap the classes at ten writes per median interval,
	 * or a page seen once, briefly, gets an absurd rate.
	 */
	for (p = 0; p < np; p++)
		nd += pg[p].e - pg[p].s;
	cap = 10.0 / median_len(dl, nd);
	/* class 0: no writes; the others log-spaced over the plausible range */
	mu[0] = 0;
	for (j = 1; j < EM_CLASSES; j++) {
		lo = 0.05 / max_len;
		hi = cap / 3;
		mu[j] = lo * pow(hi / lo, (double)(j - 1) / (EM_CLASSES - 2));
	}
	for (j = 0; j < EM_CLASSES; j++)
		pi[j] = 1.0 / EM_CLASSES;

	for (it = 0; it < EM_ROUNDS; it++) {
		/* E: each page's posterior over the classes */
		for (p = 0; p < np; p++) {
			max = -INFINITY;
			for (j = 0; j < EM_CLASSES; j++) {
				ll[j] = pi[j] > 0 ? log(pi[j]) +
					page_ll(&pg[p], dl, mu[j]) : -INFINITY;
				if (ll[j] > max)
					max = ll[j];
			}
			sum = 0;
			for (j = 0; j < EM_CLASSES; j++) {
				r[p * EM_CLASSES + j] = isfinite(ll[j]) ?
					exp(ll[j] - max) : 0;
				sum += r[p * EM_CLASSES + j];
			}
			for (j = 0; j < EM_CLASSES; j++)
				r[p * EM_CLASSES + j] = sum > 0 ?
					r[p * EM_CLASSES + j] / sum :
					j == EM_CLASSES - 1;
		}
		/* M: class shares, and each class's rate (concave: bisect) */
		for (j = 0; j < EM_CLASSES; j++) {
			sum = 0;
			for (p = 0; p < np; p++)
				sum += r[p * EM_CLASSES + j];
			pi[j] = sum / np;
			if (!j || sum < 1e-9)
				continue;
			lo = 1e-3 / max_len;
			hi = cap;
			for (b = 0; b < EM_BISECT && hi / lo > 1.0001; b++) {
				mid = sqrt(lo * hi);
				g = 0;
				for (p = 0; p < np; p++)
					if (r[p * EM_CLASSES + j] > 1e-12)
						g += r[p * EM_CLASSES + j] *
						     page_dll(&pg[p], dl, mid);
				if (g > 0)
					lo = mid;
				else
					hi = mid;
			}
			mu[j] = sqrt(lo * hi);
		}
	}
	for (p = 0; p < np; p++) {
		rate[p] = 0;
		for (j = 0; j < EM_CLASSES; j++)
			rate[p] += r[p * EM_CLASSES + j] * mu[j];
		/* the page's likelihood under the mixture, for the periodic test */
		max = -INFINITY;
		for (j = 0; j < EM_CLASSES; j++) {
			ll[j] = pi[j] > 0 ? log(pi[j]) + page_ll(&pg[p], dl, mu[j]) :
				-INFINITY;
			if (ll[j] > max)
				max = ll[j];
		}
		sum = 0;
		for (j = 0; j < EM_CLASSES && isfinite(max); j++)
			sum += isfinite(ll[j]) ? exp(ll[j] - max) : 0;
		pg[p].ll = isfinite(max) ? max + log(sum) : -INFINITY;
	}
}

/*
 * A periodic class: a DMA ring writes each of its pages once per lap, P
 * apart, which a Poisson rate fits badly (it over-counts the pages a
 * short window finds dirty after a long one).  For a period P and a
 * page's intervals, the phases (write times mod P) that fit them form a
 * subset of [0, P): a dirty interval needs a write in it, a clean one
 * none; its measure over P is the page's likelihood under a uniform
 * phase.  Intervals are widened (dirty) or narrowed (clean) by a jitter
 * of 1% of P + 50 us: recorded times are when the calls entered the
 * kernel, not when the device wrote.
 */
struct phase_set {
	double *lo, *hi;	/* disjoint, sorted, in [0, P) */
	size_t n, cap;
};

/* keep the part of @ps inside the segments [glo[i], ghi[i]) */
static void phase_and(struct phase_set *ps, const double *glo,
		      const double *ghi, int ng, double *tlo, double *thi)
{
	size_t i, n = 0;
	int g;

	for (i = 0; i < ps->n; i++)
		for (g = 0; g < ng; g++) {
			double a = ps->lo[i] > glo[g] ? ps->lo[i] : glo[g];
			double b = ps->hi[i] < ghi[g] ? ps->hi[i] : ghi[g];

			if (b > a && n < ps->cap) {
				tlo[n] = a;
				thi[n] = b;
				n++;
			}
		}
	/* segments of one g are sorted; merge-sort the (at most 2) runs */
	for (i = 1; i < n; i++) {
		double a = tlo[i], b = thi[i];
		size_t k = i;

		while (k > 0 && tlo[k - 1] > a) {
			tlo[k] = tlo[k - 1];
			thi[k] = thi[k - 1];
			k--;
		}
		tlo[k] = a;
		thi[k] = b;
	}
	memcpy(ps->lo, tlo, n * sizeof(double));
	memcpy(ps->hi, thi, n * sizeof(double));
	ps->n = n;
}

/*
 * The phases of period P that fit a page's intervals; its measure, or
 * -1 when none fits.  @ps has room for 2 * (intervals + 1) segments,
 * @tlo/@thi as much scratch.
 */
static double phase_fit(const struct iv *v, size_t n, double P,
			struct phase_set *ps, double *tlo, double *thi)
{
	double eps = 0.01 * P + 50000, a, L, st, glo[2], ghi[2], m = 0;
	size_t i;
	int ng;

	ps->n = 1;
	ps->lo[0] = 0;
	ps->hi[0] = P;
	for (i = 0; i < n && ps->n; i++) {
		if (v[i].kind == IV_HIDDEN)
			continue;
		if (v[i].kind == IV_DIRTY) {
			a = (double)v[i].a - eps;
			L = (double)(v[i].b - v[i].a) + 2 * eps;
			if (L >= P)
				continue;
			st = fmod(a < 0 ? a + P * ceil(-a / P) : a, P);
			ng = 0;
			glo[ng] = st;
			ghi[ng++] = st + L < P ? st + L : P;
			if (st + L > P) {
				glo[ng] = 0;
				ghi[ng++] = st + L - P;
			}
		} else {
			a = (double)v[i].a + eps;
			L = (double)(v[i].b - v[i].a) - 2 * eps;
			if (L <= 0)
				continue;
			if (L >= P)
				return -1;
			st = fmod(a, P);
			ng = 0;
			if (st + L <= P) {
				glo[ng] = 0;
				ghi[ng++] = st;
				glo[ng] = st + L;
				ghi[ng++] = P;
			} else {
				glo[ng] = st + L - P;
				ghi[ng++] = st;
			}
		}
		phase_and(ps, glo, ghi, ng, tlo, thi);
	}
	for (i = 0; i < ps->n; i++)
		m += ps->hi[i] - ps->lo[i];
	return ps->n ? m : -1;
}

#define RING_MIN_RUN	16	/* consecutive pages */

struct periodic {
	double P;		/* ns, 0: no periodic class */
	uint64_t pages;
};

/* how much better period P explains the pages than the Poisson classes */
static double periodic_gain(const struct page_ivs *pg, uint64_t np,
			    const struct iv *ivs, double P,
			    struct phase_set *ps, double *tlo, double *thi)
{
	double g = 0, m;
	uint64_t p;

	for (p = 0; p < np; p++) {
		if (pg[p].e == pg[p].s)
			continue;	/* never dirty: nothing periodic */
		m = phase_fit(ivs + pg[p].is, pg[p].ie - pg[p].is, P, ps,
			      tlo, thi);
		if (m > 0 && log(m / P) > pg[p].ll)
			g += log(m / P) - pg[p].ll;
	}
	return g;
}

/*
 * Search the period that gains most over the Poisson classes: a log grid
 * from 0.5 ms to half the recording's span (a period is only told from
 * one long interval after two laps), refined three times around the
 * best.  Pages that period explains better than the Poisson classes by
 * a factor e, in runs of RING_MIN_RUN consecutive pages or more, are
 * marked periodic.
 */
static void find_periodic(struct page_ivs *pg, uint64_t np,
			  const struct iv *ivs, size_t niv, double span,
			  struct periodic *out)
{
	struct phase_set ps = { 0 };
	double *tlo, *thi, lo = 5e5, hi = span / 2, best = 0, bestg = 0, step, P, g, m;
	size_t maxn = 0;
	uint64_t p, q, n = 0;
	int i, round;

	out->P = 0;
	out->pages = 0;
	if (hi <= 2 * lo)
		return;
	for (p = 0; p < np; p++)
		if (pg[p].ie - pg[p].is > maxn)
			maxn = pg[p].ie - pg[p].is;
	ps.cap = 2 * (maxn + 2);
	ps.lo = malloc(ps.cap * sizeof(double));
	ps.hi = malloc(ps.cap * sizeof(double));
	tlo = malloc(ps.cap * sizeof(double));
	thi = malloc(ps.cap * sizeof(double));
	(void)niv;
	if (!ps.lo || !ps.hi || !tlo || !thi)
		goto out;

	step = pow(hi / lo, 1.0 / 63);
	for (i = 0; i < 64; i++) {
		P = lo * pow(step, i);
		g = periodic_gain(pg, np, ivs, P, &ps, tlo, thi);
		if (g > bestg) {
			bestg = g;
			best = P;
		}
	}
	for (round = 0; round < 3 && best > 0; round++) {
		double c = best, f = pow(step, 2.0 / 16);

		for (i = -8; i <= 8; i++) {
			P = c * pow(f, i);
			if (P > hi)
				break;
			g = periodic_gain(pg, np, ivs, P, &ps, tlo, thi);
			if (g > bestg) {
				bestg = g;
				best = P;
			}
		}
		step = pow(step, 2.0 / 16);
	}
	if (best <= 0)
		goto out;
	for (p = 0; p < np; p++) {
		if (pg[p].e == pg[p].s)
			continue;
		m = phase_fit(ivs + pg[p].is, pg[p].ie - pg[p].is, best, &ps,
			      tlo, thi);
		pg[p].periodic = m > 0 && log(m / best) > pg[p].ll + 1;
		n += pg[p].periodic;
	}
	/*
	 * A ring's buffers are consecutive pages; pages a period merely
	 * happens to fit (a Poisson writer seen a few times fits many long
	 * periods) are scattered.  Keep runs of RING_MIN_RUN pages or more.
	 */
	for (p = 0; p < np; p = q) {
		uint64_t q0;

		for (q = p; q < np && pg[q].periodic; q++)
			;
		if (q - p < RING_MIN_RUN)
			for (q0 = p; q0 < q; q0++)
				pg[q0].periodic = false;
		if (q == p)
			q++;
	}
	for (p = 0, n = 0; p < np; p++)
		n += pg[p].periodic;
	if (n >= RING_MIN_RUN) {
		out->P = best;
		out->pages = n;
	} else {
		for (p = 0; p < np; p++)
			pg[p].periodic = false;
	}
out:
	free(ps.lo);
	free(ps.hi);
	free(tlo);
	free(thi);
}

/*
 * Writes of a periodic page: a phase drawn among those that fit, then
 * one write every P; a write that landed in a clean interval (the jitter)
 * is dropped and a dirty interval left without one gets one, so the
 * recorded bitmaps are read back exactly.
 */
static int periodic_writes(const struct iv *v, size_t n, double P,
			   uint64_t horizon, uint64_t *rng, struct pairs *w,
			   uint64_t span, uint64_t *in_span)
{
	struct phase_set ps = { 0 };
	double *tlo = NULL, *thi = NULL, m, u, phi = 0, t;
	size_t i, first = w->n, k;
	int ret = -ENOMEM;
	bool hit;

	ps.cap = 2 * (n + 2);
	ps.lo = malloc(ps.cap * sizeof(double));
	ps.hi = malloc(ps.cap * sizeof(double));
	tlo = malloc(ps.cap * sizeof(double));
	thi = malloc(ps.cap * sizeof(double));
	if (!ps.lo || !ps.hi || !tlo || !thi)
		goto out;
	m = phase_fit(v, n, P, &ps, tlo, thi);
	if (m > 0) {
		u = ds_rand_unit(rng) * m;
		for (i = 0; i < ps.n; i++) {
			if (u < ps.hi[i] - ps.lo[i]) {
				phi = ps.lo[i] + u;
				break;
			}
			u -= ps.hi[i] - ps.lo[i];
		}
	}
	for (t = phi; t <= (double)horizon; t += P) {
		uint64_t tt = (uint64_t)t + 1;

		for (i = 0; i < n; i++)
			if (v[i].kind == IV_CLEAN && tt > v[i].a && tt <= v[i].b)
				break;
		if (i < n)
			continue;
		ret = pair_add(w, v[0].page, tt);
		if (ret)
			goto out;
		if (tt <= span)
			(*in_span)++;
	}
	for (i = 0; i < n; i++) {
		if (v[i].kind != IV_DIRTY)
			continue;
		for (k = first, hit = false; k < w->n && !hit; k++)
			hit = w->t[k] > v[i].a && w->t[k] <= v[i].b;
		if (hit)
			continue;
		ret = pair_add(w, v[i].page, v[i].b - (uint64_t)(ds_rand_unit(rng) *
				(double)(v[i].b - v[i].a)));
		if (ret)
			goto out;
		if (v[i].b <= span)
			(*in_span)++;
	}
	ret = 0;
out:
	free(ps.lo);
	free(ps.hi);
	free(tlo);
	free(thi);
	return ret;
}

int ds_replay_build(const struct ds_obs *obs, size_t nobs, uint64_t npages,
		    uint64_t horizon_ns, uint64_t seed, struct ds_sim *sim,
		    struct ds_replay_info *info)
{
	struct ivs ivs = { 0 };
	struct pairs w = { 0 };
	struct page_ivs *pg = NULL;
	struct periodic per;
	double *dl = NULL, *resp = NULL, *rate = NULL, len;
	uint64_t rng = seed, k, j, t, p;
	size_t i, s, e, nd = 0;
	int ret;

	memset(sim, 0, sizeof(*sim));
	memset(info, 0, sizeof(*info));
	if (!nobs || !npages)
		return -EINVAL;
	info->t0_ns = obs[0].ts_ns;
	info->span_ns = obs[nobs - 1].ts_ns - obs[0].ts_ns;
	info->npages = npages;
	info->obs = nobs;
	ds_replay_fit_lat(obs, nobs, &info->lat, &info->lat_fitted,
			  info->lat_samples);
	if (horizon_ns < info->span_ns)
		horizon_ns = info->span_ns;

	ret = intervals(obs, nobs, npages, info->t0_ns, horizon_ns, &ivs);
	if (ret)
		goto out;
	qsort(ivs.v, ivs.n, sizeof(*ivs.v), cmp_iv);
	ret = -ENOMEM;
	dl = malloc((ivs.n + 1) * sizeof(double));
	pg = calloc(npages, sizeof(*pg));
	resp = malloc(npages * EM_CLASSES * sizeof(double));
	rate = calloc(npages, sizeof(double));
	if (!dl || !pg || !resp || !rate)
		goto out;

	/* every page has its tail interval: s..e cover all pages in order */
	for (s = 0; s < ivs.n; s = e) {
		p = ivs.v[s].page;
		pg[p].s = nd;
		pg[p].is = s;
		for (e = s; e < ivs.n && ivs.v[e].page == p; e++) {
			len = (double)(ivs.v[e].b - ivs.v[e].a);
			if (ivs.v[e].kind == IV_DIRTY) {
				dl[nd++] = len;
				info->dirty_iv++;
			} else if (ivs.v[e].kind == IV_CLEAN) {
				pg[p].clean += len;
				info->clean_iv++;
			} else {
				info->hidden_iv++;
			}
		}
		pg[p].e = nd;
		pg[p].ie = e;
	}
	em_rates(pg, npages, dl, resp, rate);
	find_periodic(pg, npages, ivs.v, ivs.n, (double)info->span_ns, &per);
	info->period_ns = (uint64_t)per.P;
	info->periodic_pages = per.pages;

	for (s = 0; s < ivs.n; s = e) {
		p = ivs.v[s].page;
		for (e = s; e < ivs.n && ivs.v[e].page == p; e++)
			;
		if (pg[p].periodic) {
			info->active_pages++;
			info->rate_per_s += 1e9 / per.P;
			ret = periodic_writes(ivs.v + s, e - s, per.P, horizon_ns,
					      &rng, &w, info->span_ns,
					      &info->writes);
			if (ret)
				goto out;
			continue;
		}
		if (rate[p] > 0)
			info->active_pages++;
		info->rate_per_s += rate[p] * 1e9;
		for (i = s; i < e; i++) {
			const struct iv *v = &ivs.v[i];

			if (v->kind == IV_CLEAN)
				continue;
			len = (double)(v->b - v->a);
			k = poisson(&rng, rate[p] * len, v->kind == IV_DIRTY);
			for (j = 0; j < k; j++) {
				/* uniform in (a, b] */
				t = v->b - (uint64_t)(ds_rand_unit(&rng) * len);
				if (t <= v->a)
					t = v->a + 1 <= v->b ? v->a + 1 : v->b;
				ret = pair_add(&w, v->page, t);
				if (ret)
					goto out;
				if (t <= info->span_ns)
					info->writes++;
			}
		}
	}
	ret = ds_sim_init(sim, npages, w.page, w.t, w.n, horizon_ns,
			  &info->lat);
out:
	free(ivs.v);
	free(w.page);
	free(w.t);
	free(dl);
	free(pg);
	free(resp);
	free(rate);
	return ret;
}
