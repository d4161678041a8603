// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dirtyscope lat: the histograms in user space, see lat_hist.h */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "histogram.h"
#include "lat_hist.h"

static int lat_cmp(const void *a, const void *b)
{
	const struct lat_key *x = &((const struct lat_entry *)a)->key;
	const struct lat_key *y = &((const struct lat_entry *)b)->key;

	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->domain_id != y->domain_id)
		return x->domain_id < y->domain_id ? -1 : 1;
	return 0;
}

void lat_sort(struct lat_entry *e, size_t n)
{
	qsort(e, n, sizeof(*e), lat_cmp);
}

int lat_add(struct lat_entry *e, size_t *n, size_t max,
	    const struct ds_dirty_event *ev, bool per_domain)
{
	bool device = ev->flags & DS_DIRTY_DEVICE;
	struct lat_entry key = {
		/* a device's DMA-log report is lat's dma_report, domainless */
		.key.op = device ? LAT_OP_DMA_REPORT : ev->op,
		.key.domain_id = per_domain && !device ? ev->domain_id :
			LAT_ALL_DOMAINS,
	};
	size_t lo = 0, hi = *n;
	struct lat_hist *h;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (lat_cmp(&e[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == *n || lat_cmp(&e[lo], &key)) {
		if (*n >= max)
			return -E2BIG;
		memmove(&e[lo + 1], &e[lo], (*n - lo) * sizeof(*e));
		e[lo] = key;
		(*n)++;
	}
	h = &e[lo].hist;
	/* both units, whatever u: the display takes one, --prom the usecs */
	ds_hist_add(h->slots, ev->duration_ns / LAT_US_NS);
	ds_hist_add(h->ms_slots, ev->duration_ns / LAT_MS_NS);
	h->sum_ns += ev->duration_ns;
	if (ev->ret)
		h->errors++;
	return 0;
}

/* h += sign * x, every field */
static void lat_hist_acc(struct lat_hist *h, const struct lat_hist *x, int sign)
{
	int s;

	for (s = 0; s < DS_MAX_SLOTS; s++) {
		h->slots[s] += sign * x->slots[s];
		h->ms_slots[s] += sign * x->ms_slots[s];
	}
	h->sum_ns += sign * x->sum_ns;
	h->errors += sign * x->errors;
}

void lat_hist_add(struct lat_hist *h, const struct lat_hist *x)
{
	lat_hist_acc(h, x, 1);
}

void lat_delta(struct lat_entry *e, size_t n, const struct lat_entry *prev,
	       size_t nprev)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct lat_entry *p = bsearch(&e[i], prev, nprev,
						    sizeof(*prev), lat_cmp);

		if (p)
			lat_hist_acc(&e[i].hist, &p->hist, -1);
	}
}

const __u64 *lat_unit_slots(const struct lat_hist *h, const struct lat_units *u)
{
	return u->ns == LAT_MS_NS ? h->ms_slots : h->slots;
}
