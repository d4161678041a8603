/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dirtyscope gate, in parts a reader finds by name:
 *
 *   gate.c		the command: options, the run, --update-baseline
 *   gate_config.c	the config file (-c): defaults and per-metric params
 *   gate_eval.c	the inputs checked against the config and each other,
 *			and the decision per metric (regression, improvement,
 *			pass)
 *   gate_out.c		the table, the JSON document (-j), JUnit (--junit)
 *
 * docs/cli.md ("bench and gate") has the formats and the rule.  Nothing
 * here prints to stderr: errors come back as one line in a buffer.
 */
#ifndef DS_GATE_H
#define DS_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "benchfile.h"
#include "stats.h"

#define GATE_EXIT_PASS		0
#define GATE_EXIT_REGRESSION	1
#define GATE_EXIT_INPUT		2

#define GATE_CONFIG_FORMAT	"dirtyscope-gate-config"
#define GATE_FORMAT		"dirtyscope-gate"

struct gate_params {
	double threshold;	/* max relative slowdown of the median ratio */
	double min_effect;	/* the CI must clear 1 + min_effect */
	double alpha;		/* one-sided significance level */
	long min_samples;	/* per run, metric and reference alike */
};

struct gate_metric_cfg {
	char *name;
	struct gate_params p;
};

struct gate_cfg {
	enum ds_norm norm;
	unsigned int bootstrap;
	uint64_t seed;
	struct gate_params defaults;
	struct gate_metric_cfg *metrics;	/* none: every metric is gated */
	size_t nmetrics;
};

/* the files of one run, as named on the command line (for messages) */
struct gate_files {
	const char *config;	/* NULL: no -c */
	const char *result;
	const char *baseline;
};

enum gate_verdict {
	GATE_PASS,
	GATE_REGRESSION,
	GATE_IMPROVEMENT,
};

struct gate_row {
	const char *name;
	const char *unit;
	bool gated;
	struct gate_params p;
	size_t n_res, n_base;
	double res_med, base_med;	/* raw medians */
	double res_norm, base_norm;	/* normalized medians */
	double ratio, lo, hi;
	struct ds_mwu mwu;
	enum gate_verdict verdict;
	char reason[200];
};

/* gate_config.c */

/* threshold 0.25, min_effect 0.10, alpha 0.01, min_samples 9 */
extern const struct gate_params gate_default_params;
/*
 * The config at @path, or the defaults (median, 2000 resamples, seed 1,
 * every metric) when @path is NULL.  0, or -EINVAL with "PATH: reason" in
 * @err.  gate_cfg_free() in every case.
 */
int gate_cfg_load(struct gate_cfg *cfg, const char *path, char *err,
		  size_t len);
void gate_cfg_free(struct gate_cfg *cfg);
const struct gate_metric_cfg *gate_cfg_find(const struct gate_cfg *cfg,
					    const char *name);
/* "median", "paired", "none" */
const char *gate_norm_name(enum ds_norm n);

/* gate_eval.c */

/*
 * @b (@file, the result or the baseline of @fl) has what the config gates:
 * the reference when normalizing, every gated metric with min_samples or
 * more, as many samples as the reference for "paired".  0, or -EINVAL
 * with the reason in @err.
 */
int gate_check_run(const struct gate_files *fl, const char *file,
		   const struct ds_bench *b, const struct gate_cfg *cfg,
		   char *err, size_t len);
/* result and baseline are runs of one benchmark: params, reference, units */
int gate_check_pair(const struct gate_files *fl, const struct ds_bench *res,
		    const struct ds_bench *base, char *err, size_t len);
/*
 * The figures and verdict of row->name (row->p its params), in both runs
 * checked by gate_check_run(): 0 or -errno (-ENOMEM).
 */
int gate_evaluate(struct gate_row *row, const struct gate_cfg *cfg,
		  const struct ds_bench *res, const struct ds_bench *base);
/* "pass", "regression", "improvement" */
const char *gate_verdict_name(enum gate_verdict v);

/* gate_out.c: rows in display order, nreg/nimp among the gated ones */

void gate_print_table(const struct gate_files *fl, const struct gate_row *rows,
		      size_t n, const struct gate_cfg *cfg,
		      const struct ds_bench *res, const struct ds_bench *base,
		      int nreg, int nimp);
int gate_print_json(const struct gate_files *fl, const struct gate_row *rows,
		    size_t n, const struct gate_cfg *cfg,
		    const struct ds_bench *res, const struct ds_bench *base,
		    int nreg, int nimp, bool pretty);
/* JUnit XML to @path, atomically; 0 or -errno */
int gate_write_junit(const struct gate_files *fl, const char *path,
		     const struct gate_row *rows, size_t n,
		     const struct gate_cfg *cfg, int nreg, double secs);

#endif /* DS_GATE_H */
