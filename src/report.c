// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope report: summarize a recording of "dirtyscope record" offline,
 * with the code of the live commands: the latency histograms of lat
 * (lat_add() counts each event as bpf/lat.bpf.c does) and the per-domain
 * figures of rate (rate_math.c) over the whole recording; optionally a
 * dirty heat map and the histograms as SVG, and the metrics for
 * Prometheus (--prom).
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dirty_ops.h"
#include "dirtyscope.h"
#include "heatmap.h"
#include "numparse.h"
#include "opts.h"
#include "json.h"
#include "lat_hist.h"
#include "lat_out.h"
#include "openmetrics.h"
#include "rate_math.h"
#include "recfile.h"
#include "trace_helpers.h"

#define MIB		(1ULL << 20)

enum {
	OPT_SVG = 0x100,
	OPT_HIST_SVG,
	OPT_BUCKET_MS,
	OPT_RANGE_MIB,
};

static struct env {
	const char *file;
	bool ms;
	bool per_domain;
	const char *svg;
	const char *hist_svg;
	struct ds_opts o;	/* -j, --prom, --prom-format */
	long bucket_ms;		/* 0: automatic */
	long range_mib;		/* 0: automatic */
} env;

static const struct argp_option opts[] = {
	{ "milliseconds", 'm', NULL, 0, "histograms in msecs (default usecs)", 0 },
	{ "per-domain", 'D', NULL, 0, "one histogram per iommu domain", 0 },
	{ "svg", OPT_SVG, "FILE", 0, "draw the dirty heat map (time x IOVA) to FILE", 0 },
	{ "hist-svg", OPT_HIST_SVG, "FILE", 0,
	  "draw the latency histograms as bar charts to FILE", 0 },
	{ "bucket-ms", OPT_BUCKET_MS, "N", 0,
	  "heat map time bucket in ms (default: at most 60 buckets)", 0 },
	{ "range-mib", OPT_RANGE_MIB, "N", 0,
	  "heat map IOVA range per row in MiB (default: a power of two, at most 64 rows)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	uint64_t v = 0;

	switch (key) {
	case 'm':
		env.ms = true;
		break;
	case 'D':
		env.per_domain = true;
		break;
	case OPT_SVG:
		env.svg = arg;
		break;
	case OPT_HIST_SVG:
		env.hist_svg = arg;
		break;
	case OPT_BUCKET_MS:
		if (ds_parse_u64(arg, NULL, 1, LONG_MAX, &v))
			argp_error(state, "invalid --bucket-ms: %s", arg);
		env.bucket_ms = v;
		break;
	case OPT_RANGE_MIB:
		if (ds_parse_u64(arg, NULL, 1, 1ULL << 40, &v))
			argp_error(state, "invalid --range-mib: %s", arg);
		env.range_mib = v;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	case ARGP_KEY_ARG:
		if (env.file)
			argp_error(state, "one FILE only (extra argument '%s')", arg);
		env.file = arg;
		break;
	case ARGP_KEY_END:
		if (!env.file)
			argp_error(state, "FILE (a recording of 'dirtyscope record', or perf script text) is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct report {
	struct ds_recording rec;
	__u64 end_ns, interval_ns;
	struct lat_units u;
	struct lat_entry *lat;
	size_t nlat;
	struct ds_rate_row *rows;
	int nrows;
};

static int report_load(struct report *r)
{
	char msg[512];

	if (ds_rec_load(env.file, &r->rec, msg, sizeof(msg))) {
		ds_err("%s", msg);
		return -1;
	}
	r->end_ns = ds_rec_end_ns(&r->rec);
	r->interval_ns = r->end_ns > r->rec.hdr.start_ns ?
			 r->end_ns - r->rec.hdr.start_ns : 0;
	return 0;
}

/* the figures of lat and rate over the whole recording */
static int report_compute(struct report *r)
{
	size_t i;

	r->u = env.ms ? (struct lat_units){ "msecs", LAT_MS_NS } :
			(struct lat_units){ "usecs", LAT_US_NS };
	r->lat = calloc(LAT_MAX_KEYS, sizeof(*r->lat));
	r->rows = calloc(r->rec.n ? r->rec.n : 1, sizeof(*r->rows));
	if (!r->lat || !r->rows) {
		ds_err("out of memory");
		return -1;
	}
	for (i = 0; i < r->rec.n; i++) {
		if (lat_add(r->lat, &r->nlat, LAT_MAX_KEYS, &r->rec.ev[i],
			    env.per_domain)) {
			ds_err("%s: more than %d op/domain histograms", env.file,
			       LAT_MAX_KEYS);
			return -1;
		}
	}
	r->nrows = ds_rate_compute(r->rec.ev, r->rec.n, r->interval_ns, r->rows,
				   r->rec.n);
	return 0;
}

static double report_wall(const struct report *r, __u64 mono_ns)
{
	return (double)(r->rec.hdr.clock_base_ns + (__s64)mono_ns) / 1e9;
}

/* record --bitmaps: the bitmap lines by uAPI and kind (not in the histograms) */
static void report_bitmaps_count(const struct report *r, size_t *by_uapi,
				 size_t *by_kind)
{
	size_t i;

	for (i = 0; i < r->rec.nbm; i++) {
		by_uapi[r->rec.bm[i].uapi]++;
		by_kind[r->rec.bm[i].kind]++;
	}
}

static void report_bitmaps_text(const struct report *r)
{
	size_t by_uapi[2] = {}, by_kind[3] = {};

	report_bitmaps_count(r, by_uapi, by_kind);
	printf("%zu dirty bitmaps (iommufd %zu, type1 %zu; get %zu, get_noclear %zu, clear %zu), ",
	       r->rec.nbm, by_uapi[DS_BM_IOMMUFD], by_uapi[DS_BM_TYPE1],
	       by_kind[DS_BM_GET], by_kind[DS_BM_GET_NOCLEAR],
	       by_kind[DS_BM_CLEAR]);
	if (r->rec.end.present)
		printf("%llu lost\n", r->rec.end.bitmaps_lost);
	else
		printf("lost unknown\n");
}

static void report_text(const struct report *r)
{
	const struct ds_rec_header *h = &r->rec.hdr;
	time_t t = (time_t)report_wall(r, h->start_ns);
	char when[32];
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	printf("Recording %s: host %s, kernel %s (%s), dirtyscope %s\n", env.file,
	       h->hostname, h->kernel, h->machine, h->dirtyscope);
	printf("%s, %.3f s, %zu events, ", when, r->interval_ns / 1e9, r->rec.n);
	if (r->rec.from_perf)
		printf("read from perf script (perf reports its lost events)\n");
	else if (r->rec.end.present)
		printf("%llu lost\n", r->rec.end.dropped);
	else
		printf("no trailer (the recorder did not finish)\n");
	if (h->version >= DS_REC_VERSION_BITMAPS)
		report_bitmaps_text(r);
	lat_print(stdout, r->lat, r->nlat, &r->u, env.per_domain);
	printf("\n");
	ds_rate_print(stdout, r->rows, r->nrows, false);
}

static void report_json(const struct report *r)
{
	const struct ds_rec_header *h = &r->rec.hdr;
	struct json_object *o = json_object_new_object();
	__u64 dropped = r->rec.end.dropped;
	double end = report_wall(r, r->end_ns);

	json_object_object_add(o, "file", json_object_new_string(env.file));
	json_object_object_add(o, "source", json_object_new_string(r->rec.from_perf ?
				"perf script" : "dirtyscope record"));
	json_object_object_add(o, "format_version", json_object_new_int(h->version));
	json_object_object_add(o, "dirtyscope", json_object_new_string(h->dirtyscope));
	json_object_object_add(o, "kernel", json_object_new_string(h->kernel));
	json_object_object_add(o, "machine", json_object_new_string(h->machine));
	json_object_object_add(o, "hostname", json_object_new_string(h->hostname));
	json_object_object_add(o, "start", ds_json_double(report_wall(r, h->start_ns)));
	json_object_object_add(o, "duration_s", ds_json_double(r->interval_ns / 1e9));
	json_object_object_add(o, "events", ds_json_u64(r->rec.n));
	json_object_object_add(o, "dropped", ds_json_u64(dropped));
	json_object_object_add(o, "complete", json_object_new_boolean(r->rec.end.present));
	if (h->version >= DS_REC_VERSION_BITMAPS) {
		struct json_object *b = json_object_new_object();
		size_t by_uapi[2] = {}, by_kind[3] = {};

		report_bitmaps_count(r, by_uapi, by_kind);
		json_object_object_add(b, "count", ds_json_u64(r->rec.nbm));
		json_object_object_add(b, "lost", r->rec.end.present ?
				       ds_json_u64(r->rec.end.bitmaps_lost) : NULL);
		json_object_object_add(b, "iommufd", ds_json_u64(by_uapi[DS_BM_IOMMUFD]));
		json_object_object_add(b, "type1", ds_json_u64(by_uapi[DS_BM_TYPE1]));
		json_object_object_add(b, "get", ds_json_u64(by_kind[DS_BM_GET]));
		json_object_object_add(b, "get_noclear",
				       ds_json_u64(by_kind[DS_BM_GET_NOCLEAR]));
		json_object_object_add(b, "clear", ds_json_u64(by_kind[DS_BM_CLEAR]));
		json_object_object_add(o, "bitmaps", b);
	}
	json_object_object_add(o, "lat", lat_json(r->lat, r->nlat, &r->u,
						  env.per_domain, end,
						  r->interval_ns, dropped));
	json_object_object_add(o, "rate", ds_rate_json(r->rows, r->nrows, end,
						       r->interval_ns, dropped,
						       false));
	ds_json_print(stdout, o, false);
}

static int report_prom(const struct report *r)
{
	struct ds_om om;
	int err;

	err = ds_om_begin(&om, env.o.prom, env.o.prom_format);
	if (!err) {
		lat_om(&om, r->lat, r->nlat, env.per_domain,
		       (1U << DS_OP_NR) - 1);
		ds_rate_om(&om, r->rows, r->nrows);
		err = ds_om_commit(&om);
	}
	if (err)
		ds_err("cannot write %s: %s", env.o.prom, strerror(-err));
	return err;
}

static void report_subtitle(const struct report *r, char *buf, size_t len)
{
	const struct ds_rec_header *h = &r->rec.hdr;

	snprintf(buf, len, "%s: host %s, kernel %s, %.3f s, %zu events%s",
		 env.file, h->hostname, h->kernel, r->interval_ns / 1e9, r->rec.n,
		 r->rec.end.dropped ? " (some lost)" : "");
}

/* fopen, draw, fclose with the error reported once */
static int report_write(const char *path, int (*draw)(FILE *, const void *),
			const void *arg)
{
	FILE *f = fopen(path, "we");
	int err;

	if (!f) {
		ds_err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	err = draw(f, arg);
	if (fclose(f))
		err = -1;
	if (err) {
		ds_err("cannot write %s: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

struct report_draw {
	const struct report *r;
	const struct ds_heatmap *hm;
	const char *subtitle;
};

static int report_draw_heatmap(FILE *f, const void *arg)
{
	const struct report_draw *d = arg;

	return ds_heatmap_svg(f, d->hm, d->subtitle);
}

static int report_draw_hist(FILE *f, const void *arg)
{
	const struct report_draw *d = arg;

	return lat_svg(f, d->r->lat, d->r->nlat, &d->r->u, env.per_domain,
		       d->subtitle);
}

static int report_heatmap(const struct report *r, const char *subtitle)
{
	struct ds_heatmap hm;
	struct report_draw d = { r, &hm, subtitle };
	int err;

	/* the exact pages when the recording has them, else the scan counts */
	if (ds_heatmap_reads(r->rec.bm, r->rec.nbm))
		err = ds_heatmap_build_bitmaps(&hm, r->rec.bm, r->rec.nbm,
					       r->rec.hdr.start_ns, r->end_ns,
					       env.bucket_ms * 1000000ULL,
					       env.range_mib * MIB);
	else
		err = ds_heatmap_build(&hm, r->rec.ev, r->rec.n,
				       r->rec.hdr.start_ns, r->end_ns,
				       env.bucket_ms * 1000000ULL,
				       env.range_mib * MIB);
	if (err == -E2BIG && hm.ncols > DS_HM_MAX_COLS)
		ds_err("--bucket-ms %ld gives %zu time buckets (at most %d): use a larger --bucket-ms",
		       env.bucket_ms, hm.ncols, DS_HM_MAX_COLS);
	else if (err == -E2BIG && hm.nrows > DS_HM_MAX_ROWS)
		ds_err("--range-mib %ld gives more than %d IOVA ranges: use a larger --range-mib",
		       env.range_mib, DS_HM_MAX_ROWS);
	else if (err == -E2BIG)
		ds_err("%zu IOVA ranges x %zu time buckets is more than %d cells: use a larger --range-mib or --bucket-ms",
		       hm.nrows, hm.ncols, DS_HM_MAX_CELLS);
	else if (err)
		ds_err("heat map: %s", strerror(-err));
	if (!err)
		err = report_write(env.svg, report_draw_heatmap, &d);
	if (!err && hm.estimated_cells)
		ds_err("%s: %zu of %zu heat map cells are estimates (a scan over several IOVA ranges is spread over them by bytes); 'record --bitmaps' gives the exact pages",
		       env.svg, hm.estimated_cells, hm.cells);
	ds_heatmap_free(&hm);
	return err;
}

int cmd_report(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ds_json_argp, 0, NULL, 0 },
		{ &ds_prom_argp, 0, NULL, 0 },
		{},
	};
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.children = children,
		.args_doc = "FILE",
		.doc = "Summarize a recording of 'dirtyscope record'.\v"
		       "Prints the latency histograms per operation (like 'dirtyscope lat')\n"
		       "and the per-domain dirty rates (like 'dirtyscope rate') over the\n"
		       "whole recording.  The heat map (--svg) has one column per time\n"
		       "bucket and one row per IOVA range that was read or scanned.  It\n"
		       "draws the exact dirty pages of the bitmap reads when the\n"
		       "recording has them (record --bitmaps), else the counts of the\n"
		       "scans; a scan over several ranges is spread over them by bytes,\n"
		       "an estimate the SVG and stderr point out.  FILE - reads stdin.\n"
		       "FILE may also be the text of 'perf script' of a perf recording of\n"
		       "the iommu:dirty_* tracepoints (record with -k mono for the same\n"
		       "clock; docs/cli.md).\n\n"
		       "EXAMPLES:\n"
		       "    dirtyscope report dirty.jsonl\n"
		       "    perf script --header --ns -i perf.data | dirtyscope report -\n"
		       "    dirtyscope report dirty.jsonl -j -m\n"
		       "    dirtyscope report dirty.jsonl --svg heat.svg --hist-svg lat.svg\n"
		       "    dirtyscope report dirty.jsonl --svg heat.svg --bucket-ms 500 --range-mib 64",
	};
	struct report r = {};
	char subtitle[512];
	int err, ret = 1;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return DS_EXIT_USAGE;

	if (report_load(&r) || report_compute(&r))
		goto out;
	report_subtitle(&r, subtitle, sizeof(subtitle));
	if (env.svg && report_heatmap(&r, subtitle))
		goto out;
	if (env.hist_svg) {
		struct report_draw d = { &r, NULL, subtitle };

		if (report_write(env.hist_svg, report_draw_hist, &d))
			goto out;
	}
	if (env.o.prom && report_prom(&r))
		goto out;
	if (env.o.json)
		report_json(&r);
	else
		report_text(&r);
	ret = 0;
out:
	ds_rec_free(&r.rec);
	free(r.lat);
	free(r.rows);
	return ret;
}
