// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope gate: a noise-aware latency gate for CI. Compares the samples
 * of a benchmark run (a bench file of "dirtyscope bench") with a baseline
 * run, metric by metric:
 *
 *   - each sample is divided by the median of the run's reference samples
 *     (work the series does not change, interleaved with the operations in
 *     the same run), so a uniformly slower machine cancels out;
 *   - ratio = median(normalized result) / median(normalized baseline);
 *   - one-sided Mann-Whitney U of result against baseline, and a seeded
 *     percentile bootstrap of the ratio;
 *   - regression iff ratio > 1 + threshold, p(slower) < alpha and the
 *     bootstrap lower bound > 1 + min_effect; improvement symmetrically.
 *
 * Exit status 0 pass (improvements included), 1 regression, 2 input error
 * (one line on stderr), 64 usage error. docs/cli.md has the formats and rule.
 * This file is the command; gate.h lists the parts (config, decision,
 * outputs) and where each lives.
 */
#include <argp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "benchfile.h"
#include "dirtyscope.h"
#include "gate.h"
#include "opts.h"
#include "trace_helpers.h"

enum {
	OPT_UPDATE = 0x100,
	OPT_JUNIT,
};

static struct env {
	const char *config;
	const char *baseline;
	const char *result;
	const char *junit;
	bool update;
	struct ds_opts o;	/* -j, -p */
} env;

static const struct argp_option opts[] = {
	{ "config", 'c', "CONFIG", 0,
	  "thresholds per metric (JSON, see docs/cli.md; default: every metric, "
	  "threshold 0.25, min_effect 0.10, alpha 0.01, min_samples 9)", 0 },
	{ "baseline", 'b', "BASELINE", 0, "the bench file to compare with", 0 },
	{ "update-baseline", OPT_UPDATE, NULL, 0,
	  "write RESULT's samples to BASELINE (atomically) and exit 0", 0 },
	{ "junit", OPT_JUNIT, "FILE", 0,
	  "also write JUnit XML to FILE (one testcase per metric)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'c':
		env.config = arg;
		break;
	case 'b':
		env.baseline = arg;
		break;
	case OPT_UPDATE:
		env.update = true;
		break;
	case OPT_JUNIT:
		env.junit = arg;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (env.result)
			argp_error(state, "one RESULT only (extra argument '%s')", arg);
		env.result = arg;
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	case ARGP_KEY_END:
		if (!env.result)
			argp_error(state, "RESULT (a bench file of 'dirtyscope bench') is required");
		if (!env.baseline)
			argp_error(state, "-b BASELINE is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* --- configuration ------------------------------------------------------- */

/* --- the command --------------------------------------------------------- */

static int update_baseline(const struct gate_files *fl,
			   const struct ds_bench *res, const struct gate_cfg *cfg)
{
	size_t i, min = SIZE_MAX, max = 0;
	char errbuf[512];
	int err;

	if (gate_check_run(fl, fl->result, res, cfg, errbuf, sizeof(errbuf))) {
		ds_err("%s", errbuf);
		return GATE_EXIT_INPUT;
	}
	err = ds_bench_write_file(fl->baseline, res);
	if (err) {
		ds_err("cannot write %s: %s", fl->baseline, strerror(-err));
		return GATE_EXIT_INPUT;
	}
	for (i = 0; i < res->nmetrics; i++) {
		if (res->metrics[i].n < min)
			min = res->metrics[i].n;
		if (res->metrics[i].n > max)
			max = res->metrics[i].n;
	}
	fprintf(stderr, "%s: baseline %s updated from %s (%zu metrics, %zu%s "
		"samples each)\n", ds_prog, fl->baseline, fl->result,
		res->nmetrics, min, min == max ? "" : "+");
	return GATE_EXIT_PASS;
}

static int gate(void)
{
	const struct gate_files files = { env.config, env.result, env.baseline };
	struct ds_bench res, base;
	struct gate_cfg cfg = {};
	struct gate_row *rows = NULL;
	size_t nrows = 0, i;
	int ret = GATE_EXIT_INPUT, nreg = 0, nimp = 0, err;
	__u64 t0 = ds_mono_ns();
	char reason[512];

	ds_bench_init(&res);
	ds_bench_init(&base);
	if (gate_cfg_load(&cfg, env.config, reason, sizeof(reason))) {
		ds_err("%s", reason);
		goto out;
	}
	if (ds_bench_read(env.result, &res, reason, sizeof(reason))) {
		ds_err("%s", reason);
		goto out;
	}
	if (env.update) {
		ret = update_baseline(&files, &res, &cfg);
		goto out;
	}
	if (ds_bench_read(env.baseline, &base, reason, sizeof(reason))) {
		ds_err("%s", reason);
		goto out;
	}
	if (gate_check_run(&files, env.result, &res, &cfg, reason,
			   sizeof(reason)) ||
	    gate_check_run(&files, env.baseline, &base, &cfg, reason,
			   sizeof(reason)) ||
	    gate_check_pair(&files, &res, &base, reason, sizeof(reason))) {
		ds_err("%s", reason);
		goto out;
	}

	/* gated metrics in the config's (or the result's) order, then the
	 * result's other metrics that the baseline has too */
	rows = calloc(cfg.nmetrics + res.nmetrics, sizeof(*rows));
	if (!rows) {
		ds_err("out of memory");
		goto out;
	}
	for (i = 0; i < cfg.nmetrics; i++)
		rows[nrows++] = (struct gate_row){ .name = cfg.metrics[i].name,
						   .gated = true,
						   .p = cfg.metrics[i].p };
	for (i = 0; i < res.nmetrics; i++) {
		const char *name = res.metrics[i].name;

		if ((res.reference && !strcmp(name, res.reference)) ||
		    gate_cfg_find(&cfg, name) || !ds_bench_find(&base, name))
			continue;
		if (cfg.nmetrics && (long)res.metrics[i].n < cfg.defaults.min_samples)
			continue;
		rows[nrows++] = (struct gate_row){ .name = name,
						   .gated = !cfg.nmetrics,
						   .p = cfg.defaults };
	}
	for (i = 0; i < nrows; i++) {
		err = gate_evaluate(&rows[i], &cfg, &res, &base);
		if (err) {
			ds_err("metric \"%s\": %s", rows[i].name, strerror(-err));
			goto out;
		}
		if (!rows[i].gated)
			continue;
		nreg += rows[i].verdict == GATE_REGRESSION;
		nimp += rows[i].verdict == GATE_IMPROVEMENT;
	}
	if (env.o.json)
		gate_print_json(&files, rows, nrows, &cfg, &res, &base, nreg,
				nimp, env.o.pretty);
	else
		gate_print_table(&files, rows, nrows, &cfg, &res, &base, nreg,
				 nimp);
	if (env.junit) {
		err = gate_write_junit(&files, env.junit, rows, nrows, &cfg, nreg,
				       (ds_mono_ns() - t0) / 1e9);
		if (err) {
			ds_err("cannot write %s: %s", env.junit, strerror(-err));
			goto out;
		}
	}
	ret = nreg ? GATE_EXIT_REGRESSION : GATE_EXIT_PASS;
out:
	free(rows);
	gate_cfg_free(&cfg);
	ds_bench_free(&res);
	ds_bench_free(&base);
	return ret;
}

int cmd_gate(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ds_json_pretty_argp, 0, NULL, 0 },
		{},
	};
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.children = children,
		.args_doc = "RESULT",
		.doc = "Compare a benchmark run with a baseline, noise-aware.\v"
		       "RESULT and BASELINE are bench files of 'dirtyscope bench'. "
		       "Per metric, the samples are divided by the median of the "
		       "run's reference samples; the ratio of the normalized "
		       "medians (result / baseline) is a regression when it is "
		       "above 1 + threshold, the one-sided Mann-Whitney U test is "
		       "significant at alpha and the bootstrap lower bound is "
		       "above 1 + min_effect (an improvement symmetrically).\n\n"
		       "Exit status: 0 pass (improvements included), 1 regression, "
		       "2 input error, 64 usage error.\n\n"
		       "  dirtyscope gate -c tests/gate/gate.conf -b tests/gate/baseline.json result.json\n"
		       "  dirtyscope gate -c CONFIG -b BASELINE --update-baseline result.json",
	};

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return DS_EXIT_USAGE;
	return gate();
}
