// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dirtyscope lat: text, JSON and OpenMetrics rendering of the histograms */
#include <stdlib.h>
#include <string.h>
#include "dirty_ops.h"
#include "histogram.h"
#include "json.h"
#include "lat_out.h"
#include "openmetrics.h"

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

void lat_delta(struct lat_entry *e, size_t n, const struct lat_entry *prev,
	       size_t nprev)
{
	size_t i;
	int s;

	for (i = 0; i < n; i++) {
		const struct lat_entry *p = bsearch(&e[i], prev, nprev,
						    sizeof(*prev), lat_cmp);

		if (!p)
			continue;
		for (s = 0; s < DS_MAX_SLOTS; s++)
			e[i].hist.slots[s] -= p->hist.slots[s];
		e[i].hist.sum_ns -= p->hist.sum_ns;
		e[i].hist.errors -= p->hist.errors;
	}
}

static __u64 lat_count(const struct lat_entry *e)
{
	return ds_hist_total(e->hist.slots, DS_MAX_SLOTS);
}

void lat_print(FILE *f, const struct lat_entry *e, size_t n,
	       const struct lat_units *u, bool per_domain)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!lat_count(&e[i]))
			continue;
		fprintf(f, "\nop = %s", ds_op_name(e[i].key.op));
		if (per_domain)
			fprintf(f, ", domain = %u", e[i].key.domain_id);
		if (e[i].hist.errors)
			fprintf(f, " (%llu failed)", e[i].hist.errors);
		fputc('\n', f);
		ds_hist_print(f, e[i].hist.slots, DS_MAX_SLOTS, u->name);
	}
}

struct json_object *lat_json(const struct lat_entry *e, size_t n,
			     const struct lat_units *u, bool per_domain,
			     double timestamp, __u64 interval_ns, __u64 dropped)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "timestamp", ds_json_double(timestamp));
	json_object_object_add(o, "interval_s", ds_json_double(interval_ns / 1e9));
	json_object_object_add(o, "unit", json_object_new_string(u->name));
	json_object_object_add(o, "dropped", ds_json_u64(dropped));
	for (i = 0; i < n; i++) {
		struct json_object *h = json_object_new_object();

		if (!lat_count(&e[i]))
			continue;
		json_object_object_add(h, "op",
				       json_object_new_string(ds_op_name(e[i].key.op)));
		if (per_domain)
			json_object_object_add(h, "domain",
					       ds_json_u64(e[i].key.domain_id));
		json_object_object_add(h, "count", ds_json_u64(lat_count(&e[i])));
		json_object_object_add(h, "sum_ns", ds_json_u64(e[i].hist.sum_ns));
		json_object_object_add(h, "errors", ds_json_u64(e[i].hist.errors));
		json_object_object_add(h, "histogram",
				       ds_hist_json(e[i].hist.slots, DS_MAX_SLOTS,
						    u->name));
		json_object_array_add(a, h);
	}
	json_object_object_add(o, "ops", a);
	return o;
}

static void lat_labels(char *buf, size_t len, const struct lat_entry *e,
		       bool per_domain, bool op)
{
	char dom[16];

	buf[0] = '\0';
	if (op)
		ds_om_label(buf, len, "op", ds_op_name(e->key.op));
	if (per_domain) {
		snprintf(dom, sizeof(dom), "%u", e->key.domain_id);
		ds_om_label(buf, len, "domain", dom);
	}
}

void lat_om(struct ds_om *om, const struct lat_entry *e, size_t n,
	    const struct lat_units *u, bool per_domain, unsigned int op_mask)
{
	static const struct lat_hist empty;
	char family[64], help[128], labels[96];
	__u32 op;
	size_t i;
	bool any;

	for (op = 0; op < DS_OP_NR; op++) {
		if (!(op_mask & (1U << op)))
			continue;
		snprintf(family, sizeof(family), "dirtyscope_%s_duration_seconds",
			 ds_op_name(op));
		snprintf(help, sizeof(help),
			 "Duration of iommu dirty-tracking %s operations (iommu:%s).",
			 ds_op_name(op), ds_op_event(op));
		ds_om_family(om, family, "histogram", "seconds", help);
		any = false;
		for (i = 0; i < n; i++) {
			if (e[i].key.op != op)
				continue;
			lat_labels(labels, sizeof(labels), &e[i], per_domain, false);
			ds_om_log2_histogram(om, family, labels, e[i].hist.slots,
					     DS_MAX_SLOTS, u->ns, e[i].hist.sum_ns);
			any = true;
		}
		/* without domains, a series from the start: zero until used */
		if (!any && !per_domain)
			ds_om_log2_histogram(om, family, "", empty.slots,
					     DS_MAX_SLOTS, u->ns, 0);
	}

	ds_om_family(om, "dirtyscope_op_errors", "counter", NULL,
		     "iommu dirty-tracking operations that returned an error.");
	for (op = 0; op < DS_OP_NR; op++) {
		if (!(op_mask & (1U << op)))
			continue;
		any = false;
		for (i = 0; i < n; i++) {
			if (e[i].key.op != op)
				continue;
			lat_labels(labels, sizeof(labels), &e[i], per_domain, true);
			ds_om_counter(om, "dirtyscope_op_errors", labels,
				      e[i].hist.errors);
			any = true;
		}
		if (!any && !per_domain) {
			labels[0] = '\0';
			ds_om_label(labels, sizeof(labels), "op", ds_op_name(op));
			ds_om_counter(om, "dirtyscope_op_errors", labels, 0);
		}
	}
}
