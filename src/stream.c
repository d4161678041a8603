// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The dirty-event ring buffer shared by rate and record, see stream.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dirty_ops.h"
#include "stream.h"
#include "trace_helpers.h"
#include "stream.skel.h"

struct ds_stream {
	struct stream_bpf *obj;
	bool devices;		/* vfio:dma_log_report is streamed too */
	struct ring_buffer *rb;
	ds_stream_fn fn;
	void *ctx;
};

static int ds_stream_sample(void *ctx, void *data, size_t len)
{
	struct ds_stream *s = ctx;

	if (len < sizeof(struct ds_dirty_event))
		return 0;
	return s->fn(s->ctx, data);
}

/*
 * One load of the object, falling back from tp_btf to raw_tp as the loader
 * decides; with devices, also the vfio:dma_log_report programs.  The
 * failure is reported unless quiet.
 */
static struct stream_bpf *ds_stream_try(const struct ds_stream_opts *o,
					bool devices, bool quiet)
{
	struct ds_loader ld;
	struct stream_bpf *obj;
	int err;

	if (ds_loader_init(&ld, o->mode))
		return NULL;
	for (;;) {
		obj = stream_bpf__open_opts(&ld.opts);
		if (!obj) {
			ds_err("cannot open the %s BPF object: %s", o->what,
			       strerror(errno));
			break;
		}
		obj->rodata->filter_domain = o->filter_domain;
		obj->rodata->targ_domain = o->domain;
		{
			struct ds_tp_prog progs[] = {
				{ "dirty_split", obj->progs.dirty_split_btf,
				  obj->progs.dirty_split_raw,
				  o->op_mask & (1U << DS_OP_SPLIT) },
				{ "dirty_merge", obj->progs.dirty_merge_btf,
				  obj->progs.dirty_merge_raw,
				  o->op_mask & (1U << DS_OP_MERGE) },
				{ "dirty_scan", obj->progs.dirty_scan_btf,
				  obj->progs.dirty_scan_raw,
				  o->op_mask & (1U << DS_OP_SCAN) },
				{ "dirty_clear", obj->progs.dirty_clear_btf,
				  obj->progs.dirty_clear_raw,
				  o->op_mask & (1U << DS_OP_CLEAR) },
				{ DS_TP_DMA_LOG_REPORT,
				  obj->progs.dma_log_report_btf,
				  obj->progs.dma_log_report_raw, devices },
			};

			err = ds_tp_select(progs, sizeof(progs) / sizeof(progs[0]),
					   ld.mode);
		}
		if (!err)
			err = stream_bpf__load(obj);
		if (!err)
			break;
		stream_bpf__destroy(obj);
		obj = NULL;
		if (!ds_loader_retry(&ld, err)) {
			if (!quiet)
				ds_loader_report(&ld, o->what);
			break;
		}
	}
	if (obj && o->verbose)
		fprintf(stderr, "%s: %s programs loaded as %s%s\n", ds_prog,
			o->what, ds_tp_mode_name(ld.mode),
			devices ? ", with vfio:dma_log_report" : "");
	ds_loader_free(&ld);
	return obj;
}

static struct stream_bpf *ds_stream_load(const struct ds_stream_opts *o,
					 bool *devices)
{
	struct ds_tp_check dma_log;
	struct stream_bpf *obj;

	/*
	 * Devices' DMA-log reports come with the scans where the kernel has
	 * them (kernel patch 49), except with --domain (one IOMMU domain).
	 * vfio may be a module without BTF, or not loaded yet: then the
	 * IOMMU's events are traced without them, and a line says so.
	 */
	ds_tp_check(DS_TP_VFIO_SYSTEM, DS_TP_DMA_LOG_REPORT, &dma_log);
	*devices = dma_log.present && (o->op_mask & (1U << DS_OP_SCAN)) &&
		   !o->filter_domain;
	if (*devices) {
		obj = ds_stream_try(o, true, true);
		if (obj)
			return obj;
		*devices = false;
		fprintf(stderr, "%s: %s: vfio:%s cannot be traced (no BTF for it?): devices' DMA-log reports left out\n",
			ds_prog, o->what, DS_TP_DMA_LOG_REPORT);
	}
	return ds_stream_try(o, false, false);
}

struct ds_stream *ds_stream_open(const struct ds_stream_opts *o,
				 ds_stream_fn fn, void *ctx)
{
	struct ds_stream *s = calloc(1, sizeof(*s));
	int err;

	if (!s) {
		ds_err("out of memory");
		return NULL;
	}
	s->fn = fn;
	s->ctx = ctx;
	s->obj = ds_stream_load(o, &s->devices);
	if (!s->obj)
		goto fail;
	ds_libbpf_setup(o->verbose);
	err = stream_bpf__attach(s->obj);
	if (err) {
		const char *w = ds_libbpf_last_warning();

		ds_err("cannot attach the %s programs: %s", o->what,
		       w ? w : strerror(-err));
		goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->obj->maps.events),
				 ds_stream_sample, s, NULL);
	if (!s->rb) {
		ds_err("cannot set up the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return s;
fail:
	ds_stream_close(s);
	return NULL;
}

int ds_stream_poll(struct ds_stream *s, int timeout_ms)
{
	return ring_buffer__poll(s->rb, timeout_ms);
}

int ds_stream_consume(struct ds_stream *s)
{
	return ring_buffer__consume(s->rb);
}

int ds_stream_add_ring(struct ds_stream *s, int map_fd,
		       int (*fn)(void *ctx, void *data, size_t len), void *ctx)
{
	return ring_buffer__add(s->rb, map_fd, fn, ctx);
}

bool ds_stream_devices(const struct ds_stream *s)
{
	return s->devices;
}

__u64 ds_stream_dropped(const struct ds_stream *s)
{
	return s->obj->bss->dropped;
}

void ds_stream_close(struct ds_stream *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	/* destroying the skeleton detaches every program */
	stream_bpf__destroy(s->obj);
	free(s);
}
