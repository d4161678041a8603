// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The option groups of opts.h. */
#include <argp.h>
#include <limits.h>
#include <stdint.h>

#include "dirtyscope.h"
#include "numparse.h"
#include "opts.h"

enum {
	OPT_PROM = 0x200,
	OPT_PROM_FORMAT,
	OPT_ATTACH,
};

void ds_opts_init(struct argp_state *state, struct ds_opts *opts)
{
	const struct argp_child *c = state->root_argp->children;
	int i;

	for (i = 0; c && c[i].argp; i++)
		state->child_inputs[i] = opts;
}

__u32 ds_parse_domain(struct argp_state *state, const char *arg)
{
	uint64_t v = 0;

	if (ds_parse_u64(arg, NULL, 0, UINT32_MAX, &v))
		argp_error(state, "invalid domain id: %s", arg);
	return v;
}

static error_t parse_interval(int key, char *arg, struct argp_state *state)
{
	struct ds_opts *o = state->input;
	uint64_t v = 0;

	if (key != ARGP_KEY_ARG)
		return ARGP_ERR_UNKNOWN;
	if (o->nargs >= 2)
		argp_error(state, "unexpected argument '%s' (at most [interval] [count])",
			   arg);
	if (ds_parse_u64(arg, NULL, 1, LONG_MAX, &v))
		argp_error(state, "invalid %s: %s", o->nargs ? "count" : "interval",
			   arg);
	if (o->nargs == 0)
		o->interval = v;
	else
		o->count = v;
	o->nargs++;
	return 0;
}

const struct argp ds_interval_argp = {
	.parser = parse_interval,
};

static const struct argp_option prom_opts[] = {
	{ "prom", OPT_PROM, "FILE", 0,
	  "also write Prometheus metrics to FILE (each interval; for the node_exporter textfile collector)", 0 },
	{ "prom-format", OPT_PROM_FORMAT, "FORMAT", 0,
	  "prometheus (default: text 0.0.4, what the textfile collector reads) or openmetrics", 0 },
	{},
};

static error_t parse_prom(int key, char *arg, struct argp_state *state)
{
	struct ds_opts *o = state->input;
	int m;

	switch (key) {
	case OPT_PROM:
		o->prom = arg;
		return 0;
	case OPT_PROM_FORMAT:
		m = ds_om_dialect_parse(arg);
		if (m < 0)
			argp_error(state, "invalid --prom-format: %s (prometheus, openmetrics)",
				   arg);
		o->prom_format = m;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp ds_prom_argp = {
	.options = prom_opts,
	.parser = parse_prom,
};

static const struct argp_option attach_opts[] = {
	{ "attach", OPT_ATTACH, "MODE", 0, "auto (default), tp_btf or raw_tp", 0 },
	{ "verbose", 'v', NULL, 0, "verbose debug output (libbpf)", 0 },
	{},
};

static error_t parse_attach(int key, char *arg, struct argp_state *state)
{
	struct ds_opts *o = state->input;
	int m;

	switch (key) {
	case OPT_ATTACH:
		m = ds_tp_mode_parse(arg);
		if (m < 0)
			argp_error(state, "invalid --attach: %s (auto, tp_btf, raw_tp)",
				   arg);
		o->mode = m;
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp ds_attach_argp = {
	.options = attach_opts,
	.parser = parse_attach,
};

static const struct argp_option json_opts[] = {
	{ "json", 'j', NULL, 0, "JSON output", 0 },
	{},
};

static const struct argp_option json_pretty_opts[] = {
	{ "json", 'j', NULL, 0, "JSON output", 0 },
	{ "pretty", 'p', NULL, 0, "indented JSON output (implies -j)", 0 },
	{},
};

static error_t parse_json(int key, char *arg, struct argp_state *state)
{
	struct ds_opts *o = state->input;

	(void)arg;
	switch (key) {
	case 'p':
		o->pretty = true;
		/* fall through */
	case 'j':
		o->json = true;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp ds_json_argp = {
	.options = json_opts,
	.parser = parse_json,
};

const struct argp ds_json_pretty_argp = {
	.options = json_pretty_opts,
	.parser = parse_json,
};
