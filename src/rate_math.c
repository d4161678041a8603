// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope rate: per-domain (and per-device) figures over dirty_scan and
 * dma_log_report records (pure)
 */
#include <errno.h>
#include <string.h>
#include "rate_math.h"

/* rows sort by IOMMU domains first, then devices, each by id */
static int ds_rate_cmp(const struct ds_rate_row *r, __u32 device, __u32 id)
{
	if (r->device != device)
		return r->device < device ? -1 : 1;
	if (r->domain_id != id)
		return r->domain_id < id ? -1 : 1;
	return 0;
}

/* index of (device, id) in the sorted rows, inserting it when absent */
static int ds_rate_slot(struct ds_rate_row *rows, size_t *n, size_t max,
			__u32 device, __u32 id)
{
	size_t lo = 0, hi = *n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ds_rate_cmp(&rows[mid], device, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < *n && !ds_rate_cmp(&rows[lo], device, id))
		return lo;
	if (*n >= max)
		return -E2BIG;
	memmove(&rows[lo + 1], &rows[lo], (*n - lo) * sizeof(rows[0]));
	memset(&rows[lo], 0, sizeof(rows[0]));
	rows[lo].device = device;
	rows[lo].domain_id = id;
	(*n)++;
	return lo;
}

static double ds_div(double a, double b)
{
	return b ? a / b : 0;
}

void ds_rate_derive(struct ds_rate_row *r, __u64 interval_ns)
{
	double secs = interval_ns / 1e9;

	r->pages_per_scan = ds_div(r->dirty_pages, r->scans);
	r->pages_per_s = ds_div(r->dirty_pages, secs);
	r->mib_per_s = ds_div(r->dirty_bytes / 1048576.0, secs);
	r->scan_gib_per_s = ds_div(r->scanned_bytes / 1073741824.0,
				   r->scan_ns / 1e9);
	r->dirty_share = ds_div(r->dirty_bytes, r->scanned_bytes);
}

int ds_rate_compute(const struct ds_dirty_event *ev, size_t n,
		    __u64 interval_ns, struct ds_rate_row *rows,
		    size_t max_rows)
{
	size_t nrows = 0, i;

	for (i = 0; i < n; i++) {
		const struct ds_dirty_event *e = &ev[i];
		struct ds_rate_row *r;
		int k;

		if (e->op != DS_OP_SCAN)
			continue;
		k = ds_rate_slot(rows, &nrows, max_rows,
				 !!(e->flags & DS_DIRTY_DEVICE), e->domain_id);
		if (k < 0)
			return k;
		r = &rows[k];
		if (e->ret) {
			r->errors++;
			continue;
		}
		r->scans++;
		if (e->flags & DS_DIRTY_NO_CLEAR)
			r->noclear++;
		r->dirty_pages += e->dirty;
		r->dirty_bytes += e->dirty * e->pgsize;
		r->scanned_bytes += e->size;
		r->scan_ns += e->duration_ns;
	}
	for (i = 0; i < nrows; i++)
		ds_rate_derive(&rows[i], interval_ns);
	return nrows;
}

int ds_rate_accumulate(struct ds_rate_row *cum, size_t *ncum, size_t max,
		       const struct ds_rate_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int k = ds_rate_slot(cum, ncum, max, rows[i].device,
				     rows[i].domain_id);

		if (k < 0)
			return k;
		cum[k].scans += rows[i].scans;
		cum[k].errors += rows[i].errors;
		cum[k].noclear += rows[i].noclear;
		cum[k].dirty_pages += rows[i].dirty_pages;
		cum[k].dirty_bytes += rows[i].dirty_bytes;
		cum[k].scanned_bytes += rows[i].scanned_bytes;
		cum[k].scan_ns += rows[i].scan_ns;
	}
	return 0;
}
