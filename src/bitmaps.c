// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The BPF side of record --bitmaps, see bitmaps.h */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "bitmaps.h"
#include "trace_helpers.h"
#include "bitmaps.skel.h"

#define BM_LOG_SIZE	(1U << 20)
#define BM_LOG_LINES	20

struct ds_bm_source {
	struct bitmaps_bpf *obj;
};

/*
 * The functions, in bitmaps.bpf.c's program names.  An "alt" target is
 * used only when the one before it is not in the kernel BTF (the compiler
 * may inline vfio_iommu_type1_dirty_pages into the container ioctl).
 */
static const struct bm_target {
	const char *func;
	const char *module;	/* when not built in */
	const char *prog;	/* <prog>_entry, <prog>_exit */
	bool alt;
} bm_targets[] = {
	{ "iommufd_hwpt_get_dirty_bitmap", "iommufd", "get_bitmap", false },
	{ "iommufd_hwpt_clear_dirty_bitmap", "iommufd", "clear_bitmap", false },
	{ "vfio_iommu_type1_dirty_pages", "vfio_iommu_type1", "type1_dirty", false },
	{ "vfio_iommu_type1_ioctl", "vfio_iommu_type1", "type1_ioctl", true },
};

#define BM_NR_TARGETS	(sizeof(bm_targets) / sizeof(bm_targets[0]))

static bool bm_use[BM_NR_TARGETS];

bool ds_bm_source_check(bool verbose)
{
	struct ds_fentry_probe probe;
	size_t i;

	if (!ds_fentry_probe(NULL, &probe)) {
		char ename[32];

		ds_err("--bitmaps: fentry refused by this kernel (%s%s)",
		       ds_errno_name(probe.err, ename, sizeof(ename)),
		       probe.state == DS_FENTRY_ATTACH_FAILED ? " at attach" : "");
		return false;
	}
	for (i = 0; i < BM_NR_TARGETS; i++) {
		const struct bm_target *t = &bm_targets[i];
		const char *where;

		bm_use[i] = false;
		if (t->alt && bm_use[i - 1])
			continue;
		where = ds_btf_func_where(t->func, t->module);
		if (where) {
			bm_use[i] = true;
			if (verbose)
				fprintf(stderr, "%s: --bitmaps: fentry/fexit %s (%s)%s\n",
					ds_prog, t->func, where,
					t->alt ? ", VFIO_IOMMU_DIRTY_PAGES only" : "");
			continue;
		}
		if (i + 1 < BM_NR_TARGETS && bm_targets[i + 1].alt)
			continue;	/* the alternative decides */
		if (t->alt)
			ds_err("--bitmaps: %s, %s not in the kernel BTF (vmlinux, module %s)",
			       bm_targets[i - 1].func, t->func, t->module);
		else
			ds_err("--bitmaps: %s not in the kernel BTF (vmlinux, module %s)",
			       t->func, t->module);
		return false;
	}
	return true;
}

/* autoload exactly the programs of the targets found */
static int bm_select(struct bitmaps_bpf *obj)
{
	const char *const dir[] = { "entry", "exit" };
	char name[64];
	size_t i, d;
	int err;

	for (i = 0; i < BM_NR_TARGETS; i++) {
		for (d = 0; d < 2; d++) {
			struct bpf_program *p;

			snprintf(name, sizeof(name), "%s_%s", bm_targets[i].prog,
				 dir[d]);
			p = bpf_object__find_program_by_name(obj->obj, name);
			if (!p)
				return -ENOENT;
			err = bpf_program__set_autoload(p, bm_use[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * A call that entered between the attachment of its fentry and of its
 * fexit program would stay "in flight" for ever and hold every line back:
 * forget the calls that entered before all programs were attached (their
 * fexit then finds no entry and records nothing).
 */
static void bm_forget_early_calls(struct ds_bm_source *s)
{
	int fd = bpf_map__fd(s->obj->maps.inflight);
	__u64 key;
	int n = 0;

	while (n++ < 4 * DS_BM_MAX_INFLIGHT && !bpf_map_get_next_key(fd, NULL, &key))
		bpf_map_delete_elem(fd, &key);
}

struct ds_bm_source *ds_bm_source_open(bool verbose)
{
	struct ds_bm_source *s = calloc(1, sizeof(*s));
	char *log = calloc(1, BM_LOG_SIZE);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .kernel_log_buf = log,
		    .kernel_log_size = BM_LOG_SIZE);
	const char *w;
	int err;

	if (!s || !log) {
		ds_err("out of memory");
		goto fail;
	}
	ds_libbpf_setup(verbose);
	s->obj = bitmaps_bpf__open_opts(&opts);
	if (!s->obj) {
		ds_err("cannot open the --bitmaps BPF object: %s", strerror(errno));
		goto fail;
	}
	err = bm_select(s->obj);
	if (!err)
		err = bitmaps_bpf__load(s->obj);
	if (err) {
		char ename[32];

		w = ds_libbpf_last_warning();
		if (w)
			ds_err("cannot load the --bitmaps BPF programs: %s", w);
		else
			ds_err("cannot load the --bitmaps BPF programs: %s (%s)",
			       strerror(-err), ds_errno_name(err, ename, sizeof(ename)));
		if (log[0]) {
			fprintf(stderr, "%s: verifier log (last %d lines):\n",
				ds_prog, BM_LOG_LINES);
			ds_print_log_tail(stderr, log, BM_LOG_LINES, "  ");
		}
		goto fail;
	}
	ds_libbpf_setup(verbose);
	err = bitmaps_bpf__attach(s->obj);
	if (err) {
		w = ds_libbpf_last_warning();
		ds_err("cannot attach the --bitmaps programs: %s",
		       w ? w : strerror(-err));
		goto fail;
	}
	bm_forget_early_calls(s);
	free(log);
	return s;
fail:
	free(log);
	ds_bm_source_close(s);
	return NULL;
}

int ds_bm_source_ring_fd(const struct ds_bm_source *s)
{
	return bpf_map__fd(s->obj->maps.bitmaps);
}

int ds_bm_source_inflight(const struct ds_bm_source *s, struct ds_bm_call *calls,
			  size_t max, size_t *n, __u64 *oldest)
{
	int fd = bpf_map__fd(s->obj->maps.inflight);
	__u64 key, next, ts;
	void *prev = NULL;
	int walked = 0;

	*n = 0;
	*oldest = UINT64_MAX;
	/* a key deleted under the walk restarts it: bounded */
	while (walked++ < 4 * DS_BM_MAX_INFLIGHT &&
	       !bpf_map_get_next_key(fd, prev, &next)) {
		/* gone meanwhile: that call has sent its records */
		if (!bpf_map_lookup_elem(fd, &next, &ts)) {
			if (ts < *oldest)
				*oldest = ts;
			if (*n < max)
				calls[(*n)++] = (struct ds_bm_call){ next, ts };
		}
		key = next;
		prev = &key;
	}
	return walked > 4 * DS_BM_MAX_INFLIGHT || errno == ENOENT ? 0 : -errno;
}

void ds_bm_source_lost(const struct ds_bm_source *s, struct ds_bm_lost *l)
{
	*l = (struct ds_bm_lost){
		.ringbuf = s->obj->bss->lost_ringbuf,
		.fault = s->obj->bss->lost_fault,
		.large = s->obj->bss->lost_large,
		.inflight = s->obj->bss->lost_inflight,
		.invalid = s->obj->bss->lost_invalid,
	};
}

void ds_bm_source_close(struct ds_bm_source *s)
{
	if (!s)
		return;
	/* destroying the skeleton detaches every program */
	bitmaps_bpf__destroy(s->obj);
	free(s);
}
