/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Results of the pre-copy loop (precopy.h) as text and JSON, shared by
 * "dirtyscope policy" and the guest's reference loop (tests/guest/migrate).
 *
 * JSON object of one run:
 *   {"policy":"manual:2","params":{"npages":N,"pgsize":N,"send_ns":N,
 *    "downtime_ns":N,"max_iters":N},"sent":N,"resent":N,"redundant":N,
 *    "final_pages":N,"reads":N,"clears":N,"read_ns":N,"clear_ns":N,
 *    "kernel_ns":N,"downtime_ns":N,"total_ns":N,"iters":N,
 *    "converged":B,"passes":[{"start_ns":N,"dirty":N,"sent":N,
 *    "redundant":N,"group":N,"reads":N,"clears":N},...]}
 * (the last pass is the stop-and-copy).
 */
#ifndef DS_PRECOPY_OUT_H
#define DS_PRECOPY_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "precopy.h"

struct json_object *ds_mig_to_json(const struct ds_pol *pol,
				   const struct ds_mig_params *par,
				   const struct ds_mig_stats *st);
/* the totals of a run back from JSON; 0 or -EINVAL (*what: the field) */
int ds_mig_from_json(struct json_object *o, struct ds_mig_stats *st,
		     const char **what);

/* table: header once, then a row per run */
void ds_mig_print_header(FILE *f);
void ds_mig_print_row(FILE *f, const char *name, const struct ds_mig_stats *st);

/*
 * Agreement of two runs of one policy: page counts within max(rel * a,
 * abs_pages), redundant sends within twice that (they depend on when
 * inside an observed interval a write fell, which no bitmap shows; with
 * judge_redundant false they are printed, not judged), passes within
 * abs_iters.  Prints a line per metric to @f (NULL: quiet); true when all
 * agree.
 */
struct ds_mig_tolerance {
	double rel;
	unsigned int abs_pages;
	unsigned int abs_iters;
};

bool ds_mig_agree(FILE *f, const struct ds_mig_stats *a,
		  const struct ds_mig_stats *b,
		  const struct ds_mig_tolerance *tol, bool judge_redundant);

#endif /* DS_PRECOPY_OUT_H */
