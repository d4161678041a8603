// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope rate: per iommu domain and interval, how much the device
 * dirtied and how fast the dirty bitmap was scanned (iommu:dirty_scan);
 * and per device with a DMA log of its own, the same of its reports
 * (vfio:dma_log_report), where the kernel has them.
 * The BPF side only streams records (stream.c); the math is rate_math.c.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "dirty_ops.h"
#include "dirtyscope.h"
#include "json.h"
#include "openmetrics.h"
#include "opts.h"
#include "rate_math.h"
#include "stream.h"
#include "trace_helpers.h"

#define RATE_MAX_EVENTS		(1U << 20)	/* per interval */
#define RATE_MAX_DOMAINS	4096

static struct env {
	struct ds_opts o;
	bool timestamp;
	bool filter_domain;
	__u32 domain;
} env = {
	.o.interval = 1,
	.o.count = 99999999,
};

static const struct argp_option opts[] = {
	{ "timestamp", 'T', NULL, 0, "print a timestamp per interval", 0 },
	{ "domain", 'd', "ID", 0, "only this iommu domain id", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'T':
		env.timestamp = true;
		break;
	case 'd':
		env.domain = ds_parse_domain(state, arg);
		env.filter_domain = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct rate_buf {
	struct ds_dirty_event *ev;
	size_t n, cap;
	__u64 overflow;		/* records beyond RATE_MAX_EVENTS */
};

static int rate_on_event(void *ctx, const struct ds_dirty_event *e)
{
	struct rate_buf *b = ctx;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		void *p;

		if (cap > RATE_MAX_EVENTS || !(p = realloc(b->ev, cap * sizeof(*b->ev)))) {
			b->overflow++;
			return 0;
		}
		b->ev = p;
		b->cap = cap;
	}
	b->ev[b->n++] = *e;
	return 0;
}

static int rate_write_prom(const struct ds_rate_row *cum, size_t n)
{
	struct ds_om om;
	int err;

	err = ds_om_begin(&om, env.o.prom, env.o.prom_format);
	if (!err) {
		ds_rate_om(&om, cum, n);
		err = ds_om_commit(&om);
	}
	if (err)
		ds_err("cannot write %s: %s", env.o.prom, strerror(-err));
	return err;
}

int cmd_rate(int argc, char **argv)
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
		.doc = "Per-domain dirty page rate and dirty bitmap scan throughput.\v"
		       "One row per IOMMU domain (\"domain 3\") and per device whose own\n"
		       "DMA log was read (\"vfio0@0000:00:03.0\": VFIO device index and\n"
		       "parent; its reports count as scans).\n"
		       "Columns, per interval: successful scans, failed scans, dirty\n"
		       "pages per scan, dirty pages/s, MiB/s (pages x granule), scan\n"
		       "throughput (range size / scan time), share of the range dirty.\n\n"
		       "EXAMPLES:\n"
		       "    dirtyscope rate             # every second until Ctrl-C\n"
		       "    dirtyscope rate 5 12 -j     # JSON, 5s intervals, 12 times\n"
		       "    dirtyscope rate 10 --prom /var/lib/node_exporter/dirtyscope-rate.prom",
	};
	struct ds_rate_row *rows = NULL, *cum = NULL;
	struct rate_buf buf = {};
	struct ds_stream *stream = NULL;
	struct ds_stream_opts so;
	__u64 t0, next, dropped = 0, overflow = 0;
	size_t ncum = 0;
	int err, ret = 1;
	char ts[16];
	long i;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return DS_EXIT_USAGE;

	ds_libbpf_setup(env.o.verbose);
	if (!ds_require_privs() || !ds_require_btf() ||
	    !ds_require_tp(DS_TP_SYSTEM, ds_op_event(DS_OP_SCAN)))
		return 1;

	cum = calloc(RATE_MAX_DOMAINS, sizeof(*cum));
	if (!cum) {
		ds_err("out of memory");
		goto out;
	}
	so = (struct ds_stream_opts){
		.what = "rate",
		.op_mask = 1U << DS_OP_SCAN,
		.filter_domain = env.filter_domain,
		.domain = env.domain,
		.mode = env.o.mode,
		.verbose = env.o.verbose,
	};
	stream = ds_stream_open(&so, rate_on_event, &buf);
	if (!stream)
		goto out;
	if (ds_setup_signals()) {
		ds_err("cannot set up signal handlers: %s", strerror(errno));
		goto out;
	}
	if (env.o.prom && rate_write_prom(cum, 0))
		goto out;
	if (!env.o.json)
		printf("Tracing iommu:dirty_scan%s... Hit Ctrl-C to end.\n",
		       ds_stream_devices(stream) ? " and vfio:dma_log_report" : "");
	ds_note_dirty_users();
	fflush(stdout);

	t0 = ds_mono_ns();
	next = t0;
	for (i = 0; i < env.o.count; i++) {
		__u64 now;
		int n;

		next += env.o.interval * 1000000000ULL;
		while (!ds_exiting && (now = ds_mono_ns()) < next) {
			__u64 ms = (next - now) / 1000000 + 1;

			/* at most 1s per poll: keeps the int timeout in range */
			err = ds_stream_poll(stream, ms > 1000 ? 1000 : (int)ms);
			if (err < 0 && err != -EINTR) {
				ds_err("ring buffer poll: %s", strerror(-err));
				goto out;
			}
		}
		ds_stream_consume(stream);
		now = ds_mono_ns();

		free(rows);
		rows = calloc(buf.n ? buf.n : 1, sizeof(*rows));
		if (!rows) {
			ds_err("out of memory");
			goto out;
		}
		n = ds_rate_compute(buf.ev, buf.n, now - t0, rows, buf.n);
		if (n < 0 || ds_rate_accumulate(cum, &ncum, RATE_MAX_DOMAINS,
						rows, n)) {
			ds_err("more than %d iommu domains and devices", RATE_MAX_DOMAINS);
			goto out;
		}
		if (ds_stream_dropped(stream) != dropped || buf.overflow != overflow) {
			ds_err("%llu scan records lost (ring buffer or interval full)",
			       ds_stream_dropped(stream) - dropped + buf.overflow - overflow);
			dropped = ds_stream_dropped(stream);
			overflow = buf.overflow;
		}
		if (env.o.json) {
			ds_json_print(stdout, ds_rate_json(rows, n, ds_wall_seconds(),
							   now - t0,
							   dropped + overflow,
							   true),
				      false);
		} else {
			printf("\n");
			if (env.timestamp)
				printf("%-8s\n", ds_clock_str(ts, sizeof(ts)));
			ds_rate_print(stdout, rows, n, true);
			fflush(stdout);
		}
		if (env.o.prom)
			rate_write_prom(cum, ncum);
		buf.n = 0;
		t0 = now;
		if (ds_exiting)
			break;
	}
	ret = 0;
out:
	ds_stream_close(stream);
	free(buf.ev);
	free(rows);
	free(cum);
	return ret;
}
