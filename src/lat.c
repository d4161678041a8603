// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope lat: log2 latency histograms of the iommu dirty-tracking
 * operations (iommu:dirty_split/merge/scan/clear duration_ns), like
 * biolatency, and, with fentry/fexit, of the upstream dirty-tracking entry
 * points that have no tracepoint (iommufd and type1 ioctl handlers, the
 * vfio-pci variant drivers' DMA-logging report).
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
#include "fn_targets.h"
#include "histogram.h"
#include "json.h"
#include "lat_out.h"
#include "openmetrics.h"
#include "opts.h"
#include "trace_helpers.h"
#include "lat.skel.h"

enum {
	OPT_OP = 0x100,
};

static struct env {
	struct ds_opts o;
	bool ms;
	bool timestamp;
	bool per_domain;
	bool filter_domain;
	__u32 domain;
	unsigned int op_mask;
	bool fn_use[DS_FN_NR_TARGETS];	/* ds_fn_targets[i] attached */
} env = {
	.o.interval = 99999999,
	.o.count = 99999999,
};

static const struct argp_option opts[] = {
	{ "milliseconds", 'm', NULL, 0, "histograms in msecs (default usecs)", 0 },
	{ "timestamp", 'T', NULL, 0, "print a timestamp per interval", 0 },
	{ "op", OPT_OP, "OP[,OP]", 0,
	  "only these operations: split, merge, scan, clear (tracepoints, the "
	  "default); get_bitmap, set_tracking, clear_bitmap, type1_dirty, "
	  "dma_report (fentry/fexit)", 0 },
	{ "per-domain", 'D', NULL, 0, "one histogram per iommu domain", 0 },
	{ "domain", 'd', "ID", 0, "only this iommu domain id", 0 },
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
		op = lat_op_parse(tok);
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
	switch (key) {
	case 'm':
		env.ms = true;
		break;
	case 'T':
		env.timestamp = true;
		break;
	case 'D':
		env.per_domain = true;
		break;
	case 'd':
		env.domain = ds_parse_domain(state, arg);
		env.filter_domain = true;
		break;
	case OPT_OP:
		if (parse_ops(arg, &env.op_mask))
			argp_error(state, "invalid --op: %s (split, merge, scan, clear, "
				   "get_bitmap, set_tracking, clear_bitmap, type1_dirty, "
				   "dma_report)", arg);
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_END:
		if ((env.op_mask & LAT_FN_MASK) &&
		    (env.per_domain || env.filter_domain))
			argp_error(state, "-D and -d apply to split, merge, scan, "
				   "clear only (the fentry ops have no iommu domain)");
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* autoload exactly the fentry/fexit programs of the chosen targets */
static int lat_fn_select(struct lat_bpf *obj)
{
	const char *const dir[] = { "entry", "exit" };
	char name[64];
	size_t i, d;
	int err;

	for (i = 0; i < DS_FN_NR_TARGETS; i++) {
		for (d = 0; d < 2; d++) {
			struct bpf_program *p;

			snprintf(name, sizeof(name), "%s_%s",
				 ds_fn_targets[i].prog, dir[d]);
			p = bpf_object__find_program_by_name(obj->obj, name);
			if (!p)
				return -ENOENT;
			err = bpf_program__set_autoload(p, env.fn_use[i]);
			if (err)
				return err;
		}
		if (env.fn_use[i] && env.o.verbose)
			fprintf(stderr, "%s: %s: fentry/fexit %s%s\n", ds_prog,
				lat_op_name(ds_fn_targets[i].op),
				ds_fn_targets[i].func,
				ds_fn_targets[i].alt ?
				" (VFIO_IOMMU_DIRTY_PAGES only)" : "");
	}
	return 0;
}

/*
 * Pick the targets of the fentry ops in env.op_mask.  An op without any
 * target in the kernel BTF stops lat with one line, except dma_report
 * (modules of vfio-pci variant drivers, usually not loaded): skipped with
 * one line.  Returns false on the error.
 */
static bool lat_fn_resolve(void)
{
	char funcs[256], mods[128];
	unsigned int found;
	__u32 op;

	found = ds_fn_resolve(env.op_mask & LAT_FN_MASK, false, env.fn_use, NULL);
	for (op = DS_OP_NR; op < LAT_OP_NR; op++) {
		if (!(env.op_mask & (1U << op)) || (found & (1U << op)))
			continue;
		ds_fn_op_funcs(op, false, funcs, sizeof(funcs), mods, sizeof(mods));
		if (op == LAT_OP_DMA_REPORT) {
			ds_err("%s: %s not in the kernel BTF (modules %s not loaded): skipped",
			       lat_op_name(op), funcs, mods);
			env.op_mask &= ~(1U << op);
			continue;
		}
		ds_err("%s: %s not in the kernel BTF (vmlinux, module %s)",
		       lat_op_name(op), funcs, mods);
		return false;
	}
	return true;
}

static struct lat_bpf *lat_open_load(void)
{
	struct ds_loader ld;
	struct lat_bpf *obj;
	int err;

	if (ds_loader_init(&ld, env.o.mode))
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
			err = lat_fn_select(obj);
		if (!err && !env.per_domain)
			err = bpf_map__set_max_entries(obj->maps.dom_hists, 1);
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
	if (obj && env.o.verbose)
		fprintf(stderr, "%s: lat programs loaded as %s\n", ds_prog,
			ds_tp_mode_name(ld.mode));
	ds_loader_free(&ld);
	return obj;
}

/* the hash of -D: one entry per (op, domain) */
static int lat_read_domains(int fd, struct lat_entry *out, size_t max)
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

/* the per-CPU array: each op's copies summed, ops without events left out */
static int lat_read_ops(int fd, struct lat_hist *percpu, int ncpu,
			struct lat_entry *out)
{
	size_t n = 0;
	__u32 op;
	int c;

	for (op = 0; op < LAT_OP_NR; op++) {
		struct lat_entry *e = &out[n];

		if (!(env.op_mask & (1U << op)) ||
		    bpf_map_lookup_elem(fd, &op, percpu))
			continue;
		memset(e, 0, sizeof(*e));
		e->key.op = op;
		e->key.domain_id = LAT_ALL_DOMAINS;
		for (c = 0; c < ncpu; c++)
			lat_hist_add(&e->hist, &percpu[c]);
		if (ds_hist_total(e->hist.slots, DS_MAX_SLOTS) || e->hist.errors)
			n++;
	}
	return n;
}

static int lat_write_prom(const struct lat_entry *cum, size_t n)
{
	struct ds_om om;
	int err;

	err = ds_om_begin(&om, env.o.prom, env.o.prom_format);
	if (!err) {
		lat_om(&om, cum, n, env.per_domain, env.op_mask);
		err = ds_om_commit(&om);
	}
	if (err)
		ds_err("cannot write %s: %s", env.o.prom, strerror(-err));
	return err;
}

int cmd_lat(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ds_interval_argp, 0, NULL, 0 },
		{ &ds_json_argp, 0, NULL, 0 },
		{ &ds_prom_argp, 0, NULL, 0 },
		{ &ds_attach_argp, 0, NULL, 0 },
		{},
	};
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.children = children,
		.args_doc = "[interval] [count]",
		.doc = "Summarize iommu dirty-tracking operation latency as histograms.\v"
		       "EXAMPLES:\n"
		       "    dirtyscope lat              # until Ctrl-C, all operations\n"
		       "    dirtyscope lat 1 10         # 1s summaries, 10 times\n"
		       "    dirtyscope lat -m --op scan # scan latency in msecs\n"
		       "    dirtyscope lat -D 5         # per iommu domain, every 5s\n"
		       "    dirtyscope lat --op get_bitmap,type1_dirty # ioctl handlers (fentry)\n"
		       "    dirtyscope lat 10 --prom /var/lib/node_exporter/dirtyscope-lat.prom",
	};
	struct lat_entry *cum = NULL, *prev = NULL, *cur = NULL;
	size_t ncum = 0, nprev = 0;
	struct lat_bpf *obj = NULL;
	struct lat_hist *percpu = NULL;
	__u64 t0, next, dropped = 0;
	int err, ret = 1, op, fd, ncpu;
	struct lat_units u;
	char ts[16];
	long i;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return DS_EXIT_USAGE;
	u = env.ms ? (struct lat_units){ "msecs", LAT_MS_NS } :
		     (struct lat_units){ "usecs", LAT_US_NS };
	if (!env.op_mask)
		env.op_mask = (1U << DS_OP_NR) - 1;
	/* --op names both kinds; -D/-d checked at ARGP_KEY_END */

	ds_libbpf_setup(env.o.verbose);
	if (!ds_require_privs() || !ds_require_btf())
		return 1;
	for (op = 0; op < DS_OP_NR; op++)
		if ((env.op_mask & (1U << op)) &&
		    !ds_require_tp(DS_TP_SYSTEM, ds_op_event(op)))
			return 1;
	if (env.op_mask & LAT_FN_MASK) {
		struct ds_fentry_probe probe;

		if (!ds_fentry_probe(NULL, &probe)) {
			char ename[32], why[64];

			snprintf(why, sizeof(why), "%s%s",
				 ds_errno_name(probe.err, ename, sizeof(ename)),
				 probe.state == DS_FENTRY_ATTACH_FAILED ?
				 " at attach" : "");
			if (!(env.op_mask & ~LAT_FN_MASK)) {
				ds_err("fentry refused by this kernel (%s)", why);
				return 1;
			}
			ds_err("fentry refused by this kernel (%s): tracing the tracepoint ops only",
			       why);
			env.op_mask &= ~LAT_FN_MASK;
		} else if (!lat_fn_resolve()) {
			return 1;
		}
		if (!env.op_mask)
			return 1;	/* dma_report only, and skipped */
	}

	ncpu = libbpf_num_possible_cpus();
	if (ncpu < 1) {
		ds_err("cannot count the possible CPUs: %s", strerror(-ncpu));
		return 1;
	}
	percpu = calloc(ncpu, sizeof(*percpu));
	cum = calloc(LAT_MAX_KEYS, sizeof(*cum));
	prev = calloc(LAT_MAX_KEYS, sizeof(*prev));
	cur = calloc(LAT_MAX_KEYS, sizeof(*cur));
	if (!percpu || !cum || !prev || !cur) {
		ds_err("out of memory");
		goto out;
	}

	obj = lat_open_load();
	if (!obj)
		goto out;
	ds_libbpf_setup(env.o.verbose);
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
	if (env.o.prom && lat_write_prom(cum, 0))
		goto out;

	fd = bpf_map__fd(env.per_domain ? obj->maps.dom_hists : obj->maps.hists);
	if (!env.o.json)
		printf("Tracing iommu dirty-tracking operations... Hit Ctrl-C to end.\n");
	ds_note_dirty_users();
	fflush(stdout);

	t0 = ds_mono_ns();
	next = t0;
	for (i = 0; i < env.o.count; i++) {
		__u64 now;
		size_t n;

		next += env.o.interval * 1000000000ULL;
		ds_sleep_until(next);
		now = ds_mono_ns();

		ncum = env.per_domain ? lat_read_domains(fd, cum, LAT_MAX_KEYS) :
					lat_read_ops(fd, percpu, ncpu, cum);
		memcpy(cur, cum, ncum * sizeof(*cum));
		n = ncum;
		lat_delta(cur, n, prev, nprev);

		if (obj->bss->dropped != dropped) {
			ds_err("%llu events not counted: more than %u op/domain keys",
			       obj->bss->dropped - dropped, LAT_MAX_KEYS);
			dropped = obj->bss->dropped;
		}
		if (env.o.json) {
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
		if (env.o.prom)
			lat_write_prom(cum, ncum);

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
	free(percpu);
	free(cum);
	free(prev);
	free(cur);
	return ret;
}
