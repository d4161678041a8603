// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* DMA write workloads of the reference pre-copy loop (see workload.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "numparse.h"
#include "workload.h"

int ds_wl_parse(const char *s, struct ds_wl *w)
{
	uint64_t v;
	const char *p;

	memset(w, 0, sizeof(*w));
	if (!strcmp(s, "uniform")) {
		w->kind = DS_WL_UNIFORM;
		return 0;
	}
	if (!strncmp(s, "hotset", 6)) {
		w->kind = DS_WL_HOTSET;
		w->hot_pct = 10;
		w->hot_share = 90;
		p = s + 6;
		if (!*p)
			return 0;
		if (*p++ != ':' || ds_parse_u64(p, &p, 1, 99, &v))
			return -EINVAL;
		w->hot_pct = v;
		if (!*p)
			return 0;
		if (*p++ != ':' || ds_parse_u64(p, &p, 0, 100, &v) || *p)
			return -EINVAL;
		w->hot_share = v;
		return 0;
	}
	if (!strncmp(s, "ring", 4)) {
		w->kind = DS_WL_RING;
		p = s + 4;
		if (!*p)
			return 0;
		if (*p++ != ':' || ds_parse_u64(p, &p, 1, 1ULL << 40, &v) || *p)
			return -EINVAL;
		w->ring_pages = v;
		return 0;
	}
	return -EINVAL;
}

void ds_wl_format(const struct ds_wl *w, char *buf, size_t len)
{
	switch (w->kind) {
	case DS_WL_UNIFORM:
		snprintf(buf, len, "uniform");
		break;
	case DS_WL_HOTSET:
		snprintf(buf, len, "hotset:%u:%u", w->hot_pct, w->hot_share);
		break;
	case DS_WL_RING:
		if (w->ring_pages)
			snprintf(buf, len, "ring:%llu",
				 (unsigned long long)w->ring_pages);
		else
			snprintf(buf, len, "ring");
		break;
	}
}

int ds_wl_init(struct ds_wl *w, uint64_t npages, uint64_t rate,
	       uint64_t seed)
{
	uint64_t p, h;

	if (!npages || !rate || rate > 1000000000ULL)
		return -EINVAL;
	w->npages = npages;
	w->period_ns = 1000000000ULL / rate;
	w->rng = seed;
	w->n = 0;
	w->hot = w->cold = NULL;
	w->nhot = w->ncold = 0;

	switch (w->kind) {
	case DS_WL_UNIFORM:
		break;
	case DS_WL_RING:
		if (!w->ring_pages)
			w->ring_pages = npages / 4 ? npages / 4 : 1;
		if (w->ring_pages > npages)
			return -EINVAL;
		break;
	case DS_WL_HOTSET:
		w->hot = malloc(npages * sizeof(*w->hot));
		w->cold = malloc(npages * sizeof(*w->cold));
		if (!w->hot || !w->cold) {
			ds_wl_free(w);
			return -ENOMEM;
		}
		/* hot or not: a hash of the page, so the set is scattered */
		for (p = 0; p < npages; p++) {
			h = seed ^ (p * 0xd6e8feb86659fd93ULL);
			if (ds_rand_below(&h, 100) < w->hot_pct)
				w->hot[w->nhot++] = p;
			else
				w->cold[w->ncold++] = p;
		}
		if (!w->nhot || !w->ncold) {
			ds_wl_free(w);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

uint64_t ds_wl_next(struct ds_wl *w, uint64_t *t_ns)
{
	uint64_t page = 0;

	*t_ns = w->n * w->period_ns;
	switch (w->kind) {
	case DS_WL_UNIFORM:
		page = ds_rand_below(&w->rng, w->npages);
		break;
	case DS_WL_HOTSET:
		if (ds_rand_below(&w->rng, 100) < w->hot_share)
			page = w->hot[ds_rand_below(&w->rng, w->nhot)];
		else
			page = w->cold[ds_rand_below(&w->rng, w->ncold)];
		break;
	case DS_WL_RING:
		page = w->n % w->ring_pages;
		break;
	}
	w->n++;
	return page;
}

void ds_wl_free(struct ds_wl *w)
{
	free(w->hot);
	free(w->cold);
	w->hot = w->cold = NULL;
	w->nhot = w->ncold = 0;
}
