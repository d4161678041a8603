// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* log2 histograms: bucketing, text and JSON rendering */
#include <stdint.h>
#include <string.h>
#include "histogram.h"
#include "json.h"

void ds_hist_add(__u64 *slots, __u64 v)
{
	slots[ds_log2_slot(v)]++;
}

int ds_hist_max_slot(const __u64 *slots, int nslots)
{
	int i;

	for (i = nslots - 1; i >= 0; i--)
		if (slots[i])
			return i;
	return -1;
}

__u64 ds_hist_total(const __u64 *slots, int nslots)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < nslots; i++)
		sum += slots[i];
	return sum;
}

void ds_hist_slot_range(int slot, __u64 *low, __u64 *high)
{
	*low = slot ? 1ULL << slot : 0;
	*high = slot >= 63 ? UINT64_MAX : (2ULL << slot) - 1;
}

static void ds_put_stars(FILE *f, __u64 val, __u64 max, int width)
{
	int n = max ? (int)((double)val * width / max) : 0;
	int i;

	for (i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', f);
}

void ds_hist_print(FILE *f, const __u64 *slots, int nslots, const char *unit)
{
	int last = ds_hist_max_slot(slots, nslots);
	int num_w, bar_w, i;
	__u64 max = 0;

	if (last < 0)
		return;
	for (i = 0; i <= last; i++)
		if (slots[i] > max)
			max = slots[i];

	/* ranges above 2^32 need 20 digits: widen them, shorten the bars */
	num_w = last > 32 ? 20 : 10;
	bar_w = last > 32 ? 20 : 40;

	fprintf(f, "%*s%-*s : count    distribution\n", num_w - 5, "",
		num_w + 9, unit);
	for (i = 0; i <= last; i++) {
		__u64 low, high;

		ds_hist_slot_range(i, &low, &high);
		fprintf(f, "%*llu -> %-*llu : %-8llu |", num_w, low, num_w,
			high, slots[i]);
		ds_put_stars(f, slots[i], max, bar_w);
		fputs("|\n", f);
	}
}

struct json_object *ds_hist_json(const __u64 *slots, int nslots,
				 const char *unit)
{
	struct json_object *o = json_object_new_object();
	struct json_object *b = json_object_new_array();
	int last = ds_hist_max_slot(slots, nslots);
	int i;

	json_object_object_add(o, "unit", json_object_new_string(unit));
	json_object_object_add(o, "total",
			       ds_json_u64(ds_hist_total(slots, nslots)));
	for (i = 0; i <= last; i++) {
		struct json_object *e = json_object_new_object();
		__u64 low, high;

		ds_hist_slot_range(i, &low, &high);
		json_object_object_add(e, "low", ds_json_u64(low));
		json_object_object_add(e, "high", ds_json_u64(high));
		json_object_object_add(e, "count", ds_json_u64(slots[i]));
		json_object_array_add(b, e);
	}
	json_object_object_add(o, "buckets", b);
	return o;
}
