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
#include "fn_targets.h"
#include "lat.h"
#include "trace_helpers.h"
#include "bitmaps.skel.h"

#define BM_LOG_SIZE	(1U << 20)
#define BM_LOG_LINES	20

struct ds_bm_source {
	struct bitmaps_bpf *obj;
};

/* ds_fn_targets[i] attached (the bitmaps ones that are in the BTF) */
static bool bm_use[DS_FN_NR_TARGETS];

/* the ops of the targets record --bitmaps attaches */
static unsigned int bm_ops(void)
{
	unsigned int ops = 0;
	size_t i;

	for (i = 0; i < DS_FN_NR_TARGETS; i++)
		if (ds_fn_targets[i].bitmaps)
			ops |= 1U << ds_fn_targets[i].op;
	return ops;
}

bool ds_bm_source_check(bool verbose)
{
	const char *where[DS_FN_NR_TARGETS];
	struct ds_fentry_probe probe;
	char funcs[256], mods[128];
	unsigned int need = bm_ops(), found;
	size_t i;
	__u32 op;

	if (!ds_fentry_probe(NULL, &probe)) {
		char ename[32];

		ds_err("--bitmaps: fentry refused by this kernel (%s%s)",
		       ds_errno_name(probe.err, ename, sizeof(ename)),
		       probe.state == DS_FENTRY_ATTACH_FAILED ? " at attach" : "");
		return false;
	}
	found = ds_fn_resolve(need, true, bm_use, where);
	for (op = DS_OP_NR; op < LAT_OP_NR; op++) {
		if (!(need & (1U << op)) || (found & (1U << op)))
			continue;
		ds_fn_op_funcs(op, true, funcs, sizeof(funcs), mods, sizeof(mods));
		ds_err("--bitmaps: %s not in the kernel BTF (vmlinux, module %s)",
		       funcs, mods);
		return false;
	}
	for (i = 0; verbose && i < DS_FN_NR_TARGETS; i++)
		if (bm_use[i])
			fprintf(stderr, "%s: --bitmaps: fentry/fexit %s (%s)%s\n",
				ds_prog, ds_fn_targets[i].func, where[i],
				ds_fn_targets[i].alt ?
				", VFIO_IOMMU_DIRTY_PAGES only" : "");
	return true;
}

/* autoload exactly the programs of the targets found */
static int bm_select(struct bitmaps_bpf *obj)
{
	const char *const dir[] = { "entry", "exit" };
	char name[64];
	size_t i, d;
	int err;

	for (i = 0; i < DS_FN_NR_TARGETS; i++) {
		if (!ds_fn_targets[i].bitmaps)
			continue;
		for (d = 0; d < 2; d++) {
			struct bpf_program *p;

			snprintf(name, sizeof(name), "%s_%s", ds_fn_targets[i].prog,
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
