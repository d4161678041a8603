// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Results of the pre-copy loop as text and JSON (see precopy_out.h) */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "precopy_out.h"

static struct json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

struct json_object *ds_mig_to_json(const struct ds_pol *pol,
				   const struct ds_mig_params *par,
				   const struct ds_mig_stats *st)
{
	struct json_object *o = json_object_new_object();
	struct json_object *p = json_object_new_object();
	struct json_object *a = json_object_new_array();
	char name[32];
	unsigned int i;

	ds_pol_format(pol, name, sizeof(name));
	json_object_object_add(o, "policy", json_object_new_string(name));
	json_object_object_add(p, "npages", u64(par->npages));
	json_object_object_add(p, "pgsize", u64(par->pgsize));
	json_object_object_add(p, "send_ns", u64(par->send_ns));
	json_object_object_add(p, "downtime_ns", u64(par->downtime_ns));
	json_object_object_add(p, "max_iters", u64(par->max_iters));
	json_object_object_add(o, "params", p);
#define F(x) json_object_object_add(o, #x, u64(st->x))
	F(sent);
	F(resent);
	F(redundant);
	F(final_pages);
	F(reads);
	F(clears);
	F(read_ns);
	F(clear_ns);
	json_object_object_add(o, "kernel_ns", u64(st->read_ns + st->clear_ns));
	F(downtime_ns);
	F(total_ns);
	F(iters);
#undef F
	json_object_object_add(o, "converged",
			       json_object_new_boolean(st->converged));
	for (i = 0; i < st->npass; i++) {
		const struct ds_mig_pass *ps = &st->pass[i];
		struct json_object *q = json_object_new_object();

		json_object_object_add(q, "start_ns", u64(ps->start_ns));
		json_object_object_add(q, "dirty", u64(ps->dirty));
		json_object_object_add(q, "sent", u64(ps->sent));
		json_object_object_add(q, "redundant", u64(ps->redundant));
		json_object_object_add(q, "group", u64(ps->group));
		json_object_object_add(q, "reads", u64(ps->reads));
		json_object_object_add(q, "clears", u64(ps->clears));
		json_object_array_add(a, q);
	}
	json_object_object_add(o, "passes", a);
	return o;
}

static int get_u64(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object *x;

	if (!json_object_object_get_ex(o, key, &x) ||
	    !json_object_is_type(x, json_type_int))
		return -EINVAL;
	*v = json_object_get_uint64(x);
	return 0;
}

int ds_mig_from_json(struct json_object *o, struct ds_mig_stats *st,
		     const char **what)
{
	static const char *const keys[] = {
		"sent", "resent", "redundant", "final_pages", "reads",
		"clears", "read_ns", "clear_ns", "downtime_ns", "total_ns",
		"iters",
	};
	uint64_t *dst[] = {
		&st->sent, &st->resent, &st->redundant, &st->final_pages,
		&st->reads, &st->clears, &st->read_ns, &st->clear_ns,
		&st->downtime_ns, &st->total_ns, NULL,
	};
	struct json_object *x;
	uint64_t v;
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		*what = keys[i];
		if (get_u64(o, keys[i], &v))
			return -EINVAL;
		if (dst[i])
			*dst[i] = v;
		else
			st->iters = v;
	}
	*what = "converged";
	if (!json_object_object_get_ex(o, "converged", &x) ||
	    !json_object_is_type(x, json_type_boolean))
		return -EINVAL;
	st->converged = json_object_get_boolean(x);
	return 0;
}

void ds_mig_print_header(FILE *f)
{
	fprintf(f, "%-12s %7s %7s %9s %6s %5s %4s %10s %10s %10s %10s\n",
		"POLICY", "SENT", "RESENT", "REDUNDANT", "FINAL", "ITERS",
		"CONV", "DOWNTIME", "KERN-READ", "KERN-CLEAR", "TOTAL");
}

static const char *ms(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%.2fms", ns / 1e6);
	return buf;
}

void ds_mig_print_row(FILE *f, const char *name, const struct ds_mig_stats *st)
{
	char a[24], b[24], c[24], d[24];

	fprintf(f, "%-12s %7" PRIu64 " %7" PRIu64 " %9" PRIu64 " %6" PRIu64
		" %5u %4s %10s %10s %10s %10s\n", name, st->sent, st->resent,
		st->redundant, st->final_pages, st->iters,
		st->converged ? "yes" : "no",
		ms(a, sizeof(a), st->downtime_ns), ms(b, sizeof(b), st->read_ns),
		ms(c, sizeof(c), st->clear_ns), ms(d, sizeof(d), st->total_ns));
}

/* allowed < 0: printed, not judged (always true) */
static bool near(FILE *f, const char *what, uint64_t a, uint64_t b,
		 double allowed)
{
	double diff = a > b ? (double)(a - b) : (double)(b - a);
	bool ok = allowed < 0 || diff <= allowed;

	if (f && allowed < 0)
		fprintf(f, "%-12s %10" PRIu64 " %10" PRIu64 "  |diff| %.0f  (not judged)\n",
			what, a, b, diff);
	else if (f)
		fprintf(f, "%-12s %10" PRIu64 " %10" PRIu64 "  |diff| %.0f <= %.0f  %s\n",
			what, a, b, diff, allowed, ok ? "agree" : "DIFFER");
	return ok;
}

bool ds_mig_agree(FILE *f, const struct ds_mig_stats *a,
		  const struct ds_mig_stats *b,
		  const struct ds_mig_tolerance *tol, bool judge_redundant)
{
#define PAGES(x) (tol->rel * (double)a->x > tol->abs_pages ? \
		  tol->rel * (double)a->x : (double)tol->abs_pages)
	bool ok = true;

	ok &= near(f, "sent", a->sent, b->sent, PAGES(sent));
	ok &= near(f, "resent", a->resent, b->resent, PAGES(resent));
	/* when in its interval a write fell no bitmap shows: twice the slack */
	ok &= near(f, "redundant", a->redundant, b->redundant,
		   judge_redundant ? 2 * PAGES(redundant) : -1);
	ok &= near(f, "final_pages", a->final_pages, b->final_pages,
		   PAGES(final_pages));
	ok &= near(f, "iters", a->iters, b->iters, tol->abs_iters);
#undef PAGES
	return ok;
}
