// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test driver for the counting of bpf/lat.bpf.c, on the host:
 *
 *	lat_bpf_test us|ms|model [per-domain]
 *
 * us, ms: loads lat_bpf_test.bpf.o (lat.bpf.c plus a sys_enter program
 * that hands it events) with targ_ms off (us) or on (ms, as lat -m) and
 * targ_per_domain as asked, sends a fixed list of events through it and
 * prints each op's histogram as lat reads it (the per-CPU copies summed,
 * or the per-domain hash); model: the same events counted by lat_add()
 * (what report uses).  One line per entry, sorted by op and domain:
 *	op=scan domain=D us=SLOT:N,... ms=SLOT:N,... sum_ns=S errors=E
 * (domain=all without per-domain).  Exit status 1 when loading or
 * attaching fails (reason on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dirty_ops.h"
#include "lat_out.h"
#include "trace_helpers.h"
#include "lat_bpf_test.skel.h"

/* op, duration_ns, domain, failed */
static const struct { __u32 op; __u64 ns; __u32 dom; int failed; } events[] = {
	{ DS_OP_SCAN, 1500, 3, 0 },		/* 1 us, 0 ms */
	{ DS_OP_SCAN, 3000000, 3, 0 },		/* 3000 us, 3 ms */
	{ DS_OP_SCAN, 5000000000ULL, 5, 0 },	/* 5 s */
	{ DS_OP_CLEAR, 700000, 3, 1 },		/* 700 us, failed */
};

static void print_slots(const char *name, const __u64 *slots)
{
	const char *sep = "";
	int s;

	printf(" %s=", name);
	for (s = 0; s < DS_MAX_SLOTS; s++) {
		if (!slots[s])
			continue;
		printf("%s%d:%llu", sep, s, slots[s]);
		sep = ",";
	}
}

static void print_entry(const struct lat_entry *e)
{
	printf("op=%s", lat_op_name(e->key.op));
	if (e->key.domain_id == LAT_ALL_DOMAINS)
		printf(" domain=all");
	else
		printf(" domain=%u", e->key.domain_id);
	print_slots("us", e->hist.slots);
	print_slots("ms", e->hist.ms_slots);
	printf(" sum_ns=%llu errors=%llu\n", e->hist.sum_ns, e->hist.errors);
}

static int model(bool per_domain)
{
	struct lat_entry out[LAT_OP_NR * 4];
	size_t i, n = 0;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct ds_dirty_event ev = {
			.op = events[i].op,
			.duration_ns = events[i].ns,
			.domain_id = events[i].dom,
			.ret = events[i].failed ? -EINVAL : 0,
		};

		if (lat_add(out, &n, sizeof(out) / sizeof(out[0]), &ev, per_domain))
			return 1;
	}
	for (i = 0; i < n; i++)
		print_entry(&out[i]);
	return 0;
}

int main(int argc, char **argv)
{
	struct lat_entry out[LAT_OP_NR * 4];
	struct lat_bpf_test_bpf *obj;
	struct bpf_link *link = NULL;
	struct lat_hist *percpu = NULL;
	struct bpf_program *p;
	bool ms, per_domain;
	int err, ret = 1, ncpu, fd, c;
	size_t i, n = 0;

	if (argc < 2 || (strcmp(argv[1], "us") && strcmp(argv[1], "ms") &&
			  strcmp(argv[1], "model"))) {
		fprintf(stderr, "usage: %s us|ms|model [per-domain]\n", argv[0]);
		return 2;
	}
	ms = !strcmp(argv[1], "ms");
	per_domain = argc > 2 && !strcmp(argv[2], "per-domain");
	if (!strcmp(argv[1], "model"))
		return model(per_domain);
	ds_libbpf_setup(getenv("DS_VERBOSE") != NULL);

	obj = lat_bpf_test_bpf__open();
	if (!obj) {
		ds_err("cannot open lat_bpf_test: %s", strerror(errno));
		return 1;
	}
	obj->rodata->targ_ms = ms;
	obj->rodata->targ_per_domain = per_domain;
	obj->rodata->test_tgid = getpid();
	obj->rodata->test_nr = SYS_getppid;
	bpf_object__for_each_program(p, obj->obj)
		bpf_program__set_autoload(p, p == obj->progs.lat_test_event);
	err = lat_bpf_test_bpf__load(obj);
	if (err) {
		ds_err("cannot load lat_bpf_test: %s", strerror(-err));
		goto out;
	}
	link = bpf_program__attach(obj->progs.lat_test_event);
	if (!link) {
		ds_err("cannot attach lat_bpf_test: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		syscall(SYS_getppid, events[i].op, events[i].ns,
			events[i].dom | (__u64)events[i].failed << 32);
	bpf_link__destroy(link);
	link = NULL;

	memset(out, 0, sizeof(out));
	if (per_domain) {
		struct lat_key key, next;
		void *prev = NULL;

		fd = bpf_map__fd(obj->maps.dom_hists);
		while (n < sizeof(out) / sizeof(out[0]) &&
		       !bpf_map_get_next_key(fd, prev, &next)) {
			if (!bpf_map_lookup_elem(fd, &next, &out[n].hist))
				out[n++].key = next;
			key = next;
			prev = &key;
		}
	} else {
		__u32 op;

		ncpu = libbpf_num_possible_cpus();
		percpu = ncpu > 0 ? calloc(ncpu, sizeof(*percpu)) : NULL;
		if (!percpu) {
			ds_err("cannot size the per-CPU values");
			goto out;
		}
		fd = bpf_map__fd(obj->maps.hists);
		for (op = 0; op < LAT_OP_NR; op++) {
			if (bpf_map_lookup_elem(fd, &op, percpu))
				continue;
			out[n].key.op = op;
			out[n].key.domain_id = LAT_ALL_DOMAINS;
			for (c = 0; c < ncpu; c++)
				lat_hist_add(&out[n].hist, &percpu[c]);
			if (out[n].hist.sum_ns)
				n++;
			else
				memset(&out[n], 0, sizeof(out[n]));
		}
	}
	lat_sort(out, n);
	for (i = 0; i < n; i++)
		print_entry(&out[i]);
	ret = 0;
out:
	bpf_link__destroy(link);
	free(percpu);
	lat_bpf_test_bpf__destroy(obj);
	return ret;
}
