// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The dirtyscope BPF objects against the kernel series' BTF, on the host:
 *
 *	series_btf_test VMLINUX
 *
 * VMLINUX is a kernel built with the dirtyscope series (the arm64 guest
 * kernel).  Its BTF replaces the host's for CO-RE only (btf_custom_path),
 * so every field of struct iommu_dirty_trace___ds must relocate against the
 * series' struct iommu_dirty_trace, and the raw_tp flavour must then pass
 * the host's verifier.  The tp_btf flavour needs the running kernel to have
 * the tracepoints and is left to the guest tests, like lat's fentry/fexit
 * ops (their functions are not in the host's kernel).  The host's own BTF must
 * fail to relocate (why the CLI checks for the tracepoint first).
 */
#include <stdio.h>
#include <string.h>
#include "attach.h"
#include "trace_helpers.h"
#include "lat.skel.h"
#include "stream.skel.h"

static int failures;

static void result(bool ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	failures += !ok;
}

/* with log: the verifier log of the load, libbpf-annotated */
static int load_lat(const char *btf, char *log, size_t log_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf,
		    .kernel_log_buf = log, .kernel_log_size = log_size);
	struct lat_bpf *obj = lat_bpf__open_opts(&opts);
	int err;

	if (!obj)
		return -1;
	{
		struct ds_tp_prog progs[] = {
			{ "dirty_split", obj->progs.dirty_split_btf, obj->progs.dirty_split_raw, true },
			{ "dirty_merge", obj->progs.dirty_merge_btf, obj->progs.dirty_merge_raw, true },
			{ "dirty_scan", obj->progs.dirty_scan_btf, obj->progs.dirty_scan_raw, true },
			{ "dirty_clear", obj->progs.dirty_clear_btf, obj->progs.dirty_clear_raw, true },
		};

		err = ds_tp_select(progs, 4, DS_TP_RAW);
	}
	if (!err) {
		struct bpf_program *p;

		/* the fentry/fexit ops attach to functions, not tracepoints */
		bpf_object__for_each_program(p, obj->obj)
			if (!strncmp(bpf_program__section_name(p), "fentry/", 7) ||
			    !strncmp(bpf_program__section_name(p), "fexit/", 6))
				bpf_program__set_autoload(p, false);
		err = lat_bpf__load(obj);
	}
	lat_bpf__destroy(obj);
	return err;
}

static int load_stream(const char *btf)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf);
	struct stream_bpf *obj = stream_bpf__open_opts(&opts);
	int err;

	if (!obj)
		return -1;
	{
		/*
		 * record loads all four (rate only dirty_scan), and both the
		 * devices' reports: struct vfio_device___ds relocates too
		 */
		struct ds_tp_prog progs[] = {
			{ "dirty_split", obj->progs.dirty_split_btf, obj->progs.dirty_split_raw, true },
			{ "dirty_merge", obj->progs.dirty_merge_btf, obj->progs.dirty_merge_raw, true },
			{ "dirty_scan", obj->progs.dirty_scan_btf, obj->progs.dirty_scan_raw, true },
			{ "dirty_clear", obj->progs.dirty_clear_btf, obj->progs.dirty_clear_raw, true },
			{ "dma_log_report", obj->progs.dma_log_report_btf,
			  obj->progs.dma_log_report_raw, true },
		};

		err = ds_tp_select(progs, 5, DS_TP_RAW);
	}
	if (!err)
		err = stream_bpf__load(obj);
	stream_bpf__destroy(obj);
	return err;
}

int main(int argc, char **argv)
{
	static char log[1 << 20];
	const char *w;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VMLINUX\n", argv[0]);
		return 2;
	}
	ds_libbpf_setup(false);
	result(load_lat(argv[1], NULL, 0) == 0,
	       "lat raw_tp programs relocate against the series BTF and load");
	if ((w = ds_libbpf_last_warning()))
		printf("# %s\n", w);
	ds_libbpf_setup(false);
	result(load_stream(argv[1]) == 0,
	       "rate/record raw_tp programs (all four ops, vfio:dma_log_report) relocate against the series BTF and load");
	if ((w = ds_libbpf_last_warning()))
		printf("# %s\n", w);
	ds_libbpf_setup(false);
	result(load_lat(NULL, log, sizeof(log)) != 0 &&
	       strstr(log, "failed to resolve CO-RE relocation") &&
	       strstr(log, "struct iommu_dirty_trace___ds"),
	       "without the series (host BTF) the relocation fails, the log says so");
	ds_print_log_tail(stdout, log, 3, "# ");
	return failures ? 1 : 0;
}
