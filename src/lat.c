// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope lat: log2 latency histograms of the iommu dirty-tracking
 * operations (iommu:dirty_split/merge/scan/clear duration_ns), like
 * biolatency.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "dirty_ops.h"
#include "dirtyscope.h"
#include "json.h"
#include "lat_out.h"
#include "openmetrics.h"
#include "trace_helpers.h"
#include "lat.skel.h"

enum {
	OPT_PROM = 0x100,
	OPT_PROM_FORMAT,
	OPT_OP,
	OPT_ATTACH,
};

static struct env {
	long interval;
	long count;
	bool ms;
	bool json;
	bool timestamp;
	bool per_domain;
	bool filter_domain;
	__u32 domain;
	unsigned int op_mask;
	const char *prom;
	enum ds_om_dialect prom_format;
	enum ds_tp_mode mode;
	bool verbose;
	int nargs;
} env = {
	.interval = 99999999,
	.count = 99999999,
};

static const struct argp_option opts[] = {
	{ "milliseconds", 'm', NULL, 0, "histograms in msecs (default usecs)", 0 },
	{ "json", 'j', NULL, 0, "JSON output, one object per interval", 0 },
	{ "timestamp", 'T', NULL, 0, "print a timestamp per interval", 0 },
	{ "op", OPT_OP, "OP[,OP]", 0,
	  "only these operations: split, merge, scan, clear (default all)", 0 },
	{ "per-domain", 'D', NULL, 0, "one histogram per iommu domain", 0 },
	{ "domain", 'd', "ID", 0, "only this iommu domain id", 0 },
	{ "prom", OPT_PROM, "FILE", 0,
	  "also write OpenMetrics text to FILE each interval (textfile collector)", 0 },
	{ "prom-format", OPT_PROM_FORMAT, "FORMAT", 0,
	  "openmetrics (default) or prometheus (text 0.0.4, what node_exporter parses)", 0 },
	{ "attach", OPT_ATTACH, "MODE", 0,
	  "auto (default), tp_btf or raw_tp", 0 },
	{ "verbose", 'v', NULL, 0, "verbose debug output (libbpf)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static int parse_ops(const char *arg, unsigned int *mask)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int op, err = 0;

	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		op = ds_op_parse(tok);
		if (op < 0) {
			err = -EINVAL;
			break;
		}
		*mask |= 1U << op;
	}
	free(copy);
	return err ? err : (*mask ? 0 : -EINVAL);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	long v;
	int m;

	switch (key) {
	case 'm':
		env.ms = true;
		break;
	case 'j':
		env.json = true;
		break;
	case 'T':
		env.timestamp = true;
		break;
	case 'D':
		env.per_domain = true;
		break;
	case 'd':
		errno = 0;
		v = strtol(arg, NULL, 0);
		if (errno || v < 0 || v > 0xffffffffL)
			argp_error(state, "invalid domain id: %s", arg);
		env.filter_domain = true;
		env.domain = v;
		break;
	case OPT_OP:
		if (parse_ops(arg, &env.op_mask))
			argp_error(state, "invalid --op: %s (split, merge, scan, clear)",
				   arg);
		break;
	case OPT_PROM:
		env.prom = arg;
		break;
	case OPT_PROM_FORMAT:
		m = ds_om_dialect_parse(arg);
		if (m < 0)
			argp_error(state, "invalid --prom-format: %s (openmetrics, prometheus)",
				   arg);
		env.prom_format = m;
		break;
	case OPT_ATTACH:
		m = ds_tp_mode_parse(arg);
		if (m < 0)
			argp_error(state, "invalid --attach: %s (auto, tp_btf, raw_tp)",
				   arg);
		env.mode = m;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		v = ds_parse_positive(arg);
		if (v < 0)
			argp_error(state, "invalid %s: %s",
				   env.nargs ? "count" : "interval", arg);
		if (env.nargs == 0)
			env.interval = v;
		else if (env.nargs == 1)
			env.count = v;
		else
			argp_usage(state);
		env.nargs++;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static struct lat_bpf *lat_open_load(void)
{
	struct ds_loader ld;
	struct lat_bpf *obj;
	int err;

	if (ds_loader_init(&ld, env.mode))
		return NULL;
	for (;;) {
		obj = lat_bpf__open_opts(&ld.opts);
		if (!obj) {
			ds_err("cannot open the lat BPF object: %s", strerror(errno));
			break;
		}
		obj->rodata->targ_ms = env.ms;
		obj->rodata->targ_per_domain = env.per_domain;
		obj->rodata->filter_domain = env.filter_domain;
		obj->rodata->targ_domain = env.domain;
		{
			struct ds_tp_prog progs[] = {
				{ "dirty_split", obj->progs.dirty_split_btf,
				  obj->progs.dirty_split_raw,
				  env.op_mask & (1U << DS_OP_SPLIT) },
				{ "dirty_merge", obj->progs.dirty_merge_btf,
				  obj->progs.dirty_merge_raw,
				  env.op_mask & (1U << DS_OP_MERGE) },
				{ "dirty_scan", obj->progs.dirty_scan_btf,
				  obj->progs.dirty_scan_raw,
				  env.op_mask & (1U << DS_OP_SCAN) },
				{ "dirty_clear", obj->progs.dirty_clear_btf,
				  obj->progs.dirty_clear_raw,
				  env.op_mask & (1U << DS_OP_CLEAR) },
			};

			err = ds_tp_select(progs, sizeof(progs) / sizeof(progs[0]),
					   ld.mode);
		}
		if (!err)
			err = lat_bpf__load(obj);
		if (!err)
			break;
		lat_bpf__destroy(obj);
		obj = NULL;
		if (!ds_loader_retry(&ld, err)) {
			ds_loader_report(&ld, "lat");
			break;
		}
	}
	if (obj && env.verbose)
		fprintf(stderr, "%s: lat programs loaded as %s\n", ds_prog,
			ds_tp_mode_name(ld.mode));
	ds_loader_free(&ld);
	return obj;
}

static int lat_read(int fd, struct lat_entry *out, size_t max)
{
	struct lat_key key, next;
	void *prev = NULL;
	size_t n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &out[n].hist)) {
			out[n].key = next;
			n++;
		}
		key = next;
		prev = &key;
	}
	lat_sort(out, n);
	return n;
}

static int lat_write_prom(const struct lat_entry *cum, size_t n,
			  const struct lat_units *u)
{
	struct ds_om om;
	int err;

	err = ds_om_begin(&om, env.prom, env.prom_format);
	if (!err) {
		lat_om(&om, cum, n, u, env.per_domain, env.op_mask);
		err = ds_om_commit(&om);
	}
	if (err)
		ds_err("cannot write %s: %s", env.prom, strerror(-err));
	return err;
}

int cmd_lat(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "[interval] [count]",
		.doc = "Summarize iommu dirty-tracking operation latency as histograms.\v"
		       "EXAMPLES:\n"
		       "    dirtyscope lat              # until Ctrl-C, all operations\n"
		       "    dirtyscope lat 1 10         # 1s summaries, 10 times\n"
		       "    dirtyscope lat -m --op scan # scan latency in msecs\n"
		       "    dirtyscope lat -D 5         # per iommu domain, every 5s\n"
		       "    dirtyscope lat 10 --prom /var/lib/node_exporter/dirtyscope.prom",
	};
	struct lat_entry *cum = NULL, *prev = NULL, *cur = NULL;
	size_t ncum = 0, nprev = 0;
	struct lat_bpf *obj = NULL;
	__u64 t0, next, dropped = 0;
	int err, ret = 1, op, fd;
	struct lat_units u;
	char ts[16];
	long i;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return 2;
	u = env.ms ? (struct lat_units){ "msecs", 1000000 } :
		     (struct lat_units){ "usecs", 1000 };
	if (!env.op_mask)
		env.op_mask = (1U << DS_OP_NR) - 1;

	ds_libbpf_setup(env.verbose);
	if (!ds_require_privs() || !ds_require_btf())
		return 1;
	for (op = 0; op < DS_OP_NR; op++)
		if ((env.op_mask & (1U << op)) &&
		    !ds_require_tp(DS_TP_SYSTEM, ds_op_event(op)))
			return 1;

	cum = calloc(LAT_MAX_KEYS, sizeof(*cum));
	prev = calloc(LAT_MAX_KEYS, sizeof(*prev));
	cur = calloc(LAT_MAX_KEYS, sizeof(*cur));
	if (!cum || !prev || !cur) {
		ds_err("out of memory");
		goto out;
	}

	obj = lat_open_load();
	if (!obj)
		goto out;
	ds_libbpf_setup(env.verbose);
	err = lat_bpf__attach(obj);
	if (err) {
		const char *w = ds_libbpf_last_warning();

		ds_err("cannot attach the lat programs: %s",
		       w ? w : strerror(-err));
		goto out;
	}
	if (ds_setup_signals()) {
		ds_err("cannot set up signal handlers: %s", strerror(errno));
		goto out;
	}
	if (env.prom && lat_write_prom(cum, 0, &u))
		goto out;

	fd = bpf_map__fd(obj->maps.hists);
	if (!env.json)
		printf("Tracing iommu dirty-tracking operations... Hit Ctrl-C to end.\n");
	fflush(stdout);

	t0 = ds_mono_ns();
	next = t0;
	for (i = 0; i < env.count; i++) {
		__u64 now;
		size_t n;

		next += env.interval * 1000000000ULL;
		ds_sleep_until(next);
		now = ds_mono_ns();

		ncum = lat_read(fd, cum, LAT_MAX_KEYS);
		memcpy(cur, cum, ncum * sizeof(*cum));
		n = ncum;
		lat_delta(cur, n, prev, nprev);

		if (obj->bss->dropped != dropped) {
			ds_err("%llu events not counted: more than %u op/domain keys",
			       obj->bss->dropped - dropped, LAT_MAX_KEYS);
			dropped = obj->bss->dropped;
		}
		if (env.json) {
			ds_json_print(stdout, lat_json(cur, n, &u, env.per_domain,
						       ds_wall_seconds(), now - t0,
						       dropped), false);
		} else {
			printf("\n");
			if (env.timestamp)
				printf("%-8s\n", ds_clock_str(ts, sizeof(ts)));
			lat_print(stdout, cur, n, &u, env.per_domain);
			fflush(stdout);
		}
		if (env.prom)
			lat_write_prom(cum, ncum, &u);

		memcpy(prev, cum, ncum * sizeof(*cum));
		nprev = ncum;
		t0 = now;
		if (ds_exiting)
			break;
	}
	ret = 0;
out:
	/* destroying the skeleton detaches every program */
	lat_bpf__destroy(obj);
	free(cum);
	free(prev);
	free(cur);
	return ret;
}
