// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The simulator backend of the pre-copy loop (see polsim.h) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "polsim.h"

const struct ds_lat_model ds_lat_default = {
	.call = {
		[DS_CALL_READ_CLEAR] = { .a_ns = 180000, .b_ns = 130 },
		[DS_CALL_READ] = { .a_ns = 170000, .b_ns = 110 },
		[DS_CALL_CLEAR] = { .a_ns = 200000, .b_ns = 100 },
	},
};

void ds_obs_log_free(struct ds_obs_log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].bits);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int ds_obs_log_add(struct ds_obs_log *l, uint64_t ts, uint64_t dur,
		   uint64_t first, uint64_t n, enum ds_call call,
		   const uint64_t *bits)
{
	size_t bytes = (n + 63) / 64 * sizeof(uint64_t);
	struct ds_obs *o;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		o = realloc(l->v, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		l->v = o;
		l->cap = cap;
	}
	o = &l->v[l->n];
	o->bits = malloc(bytes ? bytes : 1);
	if (!o->bits)
		return -ENOMEM;
	memcpy(o->bits, bits, bytes);
	o->ts_ns = ts;
	o->duration_ns = dur;
	o->first = first;
	o->n = n;
	o->call = call;
	l->n++;
	return 0;
}

void ds_sim_free(struct ds_sim *s)
{
	free(s->off);
	free(s->t);
	free(s->clr);
	free(s->snd);
	s->off = s->t = s->clr = s->snd = NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int ds_sim_init(struct ds_sim *s, uint64_t npages, const uint64_t *page,
		const uint64_t *t, uint64_t nwrites, uint64_t horizon_ns,
		const struct ds_lat_model *lat)
{
	uint64_t i, p, *fill;

	memset(s, 0, sizeof(*s));
	if (!npages)
		return -EINVAL;
	s->npages = npages;
	s->horizon_ns = horizon_ns;
	s->nwrites = nwrites;
	s->stopped_at = UINT64_MAX;
	s->lat = *lat;
	s->off = calloc(npages + 1, sizeof(uint64_t));
	s->t = malloc((nwrites ? nwrites : 1) * sizeof(uint64_t));
	s->clr = calloc(npages, sizeof(uint64_t));
	s->snd = malloc(npages * sizeof(uint64_t));
	fill = calloc(npages, sizeof(uint64_t));
	if (!s->off || !s->t || !s->clr || !s->snd || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < nwrites; i++) {
		if (page[i] >= npages || t[i] > horizon_ns) {
			free(fill);
			return -EINVAL;
		}
		s->off[page[i] + 1]++;
	}
	for (p = 0; p < npages; p++) {
		s->off[p + 1] += s->off[p];
		s->snd[p] = UINT64_MAX;
	}
	for (i = 0; i < nwrites; i++)
		s->t[s->off[page[i]] + fill[page[i]]++] = t[i];
	for (p = 0; p < npages; p++)
		qsort(s->t + s->off[p], s->off[p + 1] - s->off[p],
		      sizeof(uint64_t), cmp_u64);
	free(fill);
	return 0;
}

int ds_sim_init_workload(struct ds_sim *s, struct ds_wl *wl,
			 uint64_t horizon_ns, const struct ds_lat_model *lat)
{
	uint64_t n = horizon_ns / wl->period_ns + 1, i, *page, *t;
	int ret = -ENOMEM;

	page = malloc(n * sizeof(*page));
	t = malloc(n * sizeof(*t));
	if (page && t) {
		for (i = 0; i < n; i++)
			page[i] = ds_wl_next(wl, &t[i]);
		ret = ds_sim_init(s, wl->npages, page, t, n, horizon_ns, lat);
	} else {
		memset(s, 0, sizeof(*s));
	}
	free(page);
	free(t);
	return ret;
}

/* a write to @p in (a, b], none after the device stopped */
static bool written(const struct ds_sim *s, uint64_t p, uint64_t a, uint64_t b)
{
	const uint64_t *lo = s->t + s->off[p], *hi = s->t + s->off[p + 1];
	size_t l = 0, h = hi - lo, m;

	if (b > s->stopped_at)
		b = s->stopped_at;
	if (b <= a)
		return false;
	/* first write after a */
	while (l < h) {
		m = (l + h) / 2;
		if (lo[m] <= a)
			l = m + 1;
		else
			h = m;
	}
	return l < (size_t)(hi - lo) && lo[l] <= b;
}

uint64_t ds_sim_lost(const struct ds_sim *s)
{
	uint64_t p, lost = 0;

	for (p = 0; p < s->npages; p++) {
		if (s->snd[p] == UINT64_MAX)
			lost++;
		else if (written(s, p, s->snd[p], s->stopped_at))
			lost++;
	}
	return lost;
}

static uint64_t sim_now(void *ctx)
{
	return ((struct ds_sim *)ctx)->now;
}

static int sim_wait_until(void *ctx, uint64_t t)
{
	struct ds_sim *s = ctx;

	if (t > s->now)
		s->now = t;
	/* beyond the horizon the device's writes are unknown */
	return s->now > s->horizon_ns && s->stopped_at == UINT64_MAX ?
	       -ERANGE : 0;
}

static int sim_call_done(struct ds_sim *s, enum ds_call c, uint64_t first,
			 uint64_t n, const uint64_t *bits, uint64_t *ns)
{
	uint64_t t = s->now;

	*ns = ds_lat_ns(&s->lat, c, n);
	s->now += *ns;
	if (s->log)
		return ds_obs_log_add(s->log, t, *ns, first, n, c, bits);
	return 0;
}

static int sim_read(void *ctx, uint64_t first, uint64_t n, bool clear,
		    uint64_t *bits, uint64_t *ns)
{
	struct ds_sim *s = ctx;
	uint64_t i, p;

	if (first + n > s->npages || first + n < first)
		return -EINVAL;
	if (s->now > s->horizon_ns && s->stopped_at == UINT64_MAX)
		return -ERANGE;
	for (i = 0; i < n; i++) {
		p = first + i;
		if (written(s, p, s->clr[p], s->now))
			bits[i / 64] |= 1ULL << (i % 64);
		if (clear)
			s->clr[p] = s->now;
	}
	return sim_call_done(s, clear ? DS_CALL_READ_CLEAR : DS_CALL_READ,
			     first, n, bits, ns);
}

static int sim_clear(void *ctx, uint64_t first, uint64_t n,
		     const uint64_t *bits, uint64_t *ns)
{
	struct ds_sim *s = ctx;
	uint64_t i;

	if (first + n > s->npages || first + n < first)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (bits[i / 64] >> (i % 64) & 1)
			s->clr[first + i] = s->now;
	return sim_call_done(s, DS_CALL_CLEAR, first, n, bits, ns);
}

static int sim_send(void *ctx, uint64_t page, bool *redundant)
{
	struct ds_sim *s = ctx;

	if (page >= s->npages)
		return -EINVAL;
	*redundant = s->snd[page] != UINT64_MAX &&
		     !written(s, page, s->snd[page], s->now);
	s->snd[page] = s->now;
	return 0;
}

static int sim_stop_device(void *ctx)
{
	struct ds_sim *s = ctx;

	s->stopped_at = s->now;
	return 0;
}

void ds_sim_backend(struct ds_sim *s, struct ds_mig_backend *be)
{
	be->ctx = s;
	be->now = sim_now;
	be->wait_until = sim_wait_until;
	be->read = sim_read;
	be->clear = sim_clear;
	be->send = sim_send;
	be->stop_device = sim_stop_device;
}
