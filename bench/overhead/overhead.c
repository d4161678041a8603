// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope overhead benchmark: nanoseconds added per traced event.
 *
 *	overhead [-n CALLS] [-r REPS] [-c CPU]
 *
 * Loads every variant of overhead.bpf.c (see there) up front, then per
 * repetition times CALLS getppid() syscalls with nothing attached and with
 * each variant attached in turn, pinned to one CPU.  Prints the median
 * ns/call per variant and what it adds per event over the untraced loop
 * (one getppid() is one sys_enter and one sys_exit event).  Absolute
 * figures depend on the machine, the kernel and its mitigations; compare
 * the ratios.  Needs root.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "lat.h"
#include "trace_helpers.h"
#include "overhead.skel.h"

#define MAX_REPS	99
#define MAX_PROGS	2

struct variant {
	const char *label;
	const char *desc;
	const char *progs[MAX_PROGS + 1];	/* NULL-terminated */
	const char *hist;			/* map whose counts prove it ran */
	struct overhead_bpf *obj;
	struct bpf_link *links[MAX_PROGS];
	double ns[MAX_REPS];
};

#define VARIANT(l, d, h, ...)	\
	{ .label = l, .desc = d, .hist = h, .progs = { __VA_ARGS__ } }

static struct variant variants[] = {
	VARIANT("none", "no tracing", NULL, NULL),
	VARIANT("(a)", "raw_tp enter+exit pair, empty", NULL,
		"a_enter", "a_exit"),
	VARIANT("(b)", "raw_tp pair, hash map timestamp + log2 hist",
		"pair_hist", "b_enter", "b_exit"),
	VARIANT("(c)", "raw_tp pair, task storage timestamp + log2 hist",
		"pair_hist", "c_enter", "c_exit"),
	VARIANT("(d)", "tp_btf exit only, event value -> per-CPU hist",
		"d_hist", "d_btf"),
	VARIANT("(d')", "raw_tp exit only, event value -> per-CPU hist",
		"d_hist", "d_raw"),
	VARIANT("(e)", "tp_btf exit only, lat.bpf.c handler as shipped",
		"hists", "e_btf"),
};

#define NVARIANTS	(sizeof(variants) / sizeof(variants[0]))

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double loop_ns(long n)
{
	__u64 t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (double)(now_ns() - t0) / n;
}

static bool wanted(const struct variant *v, const char *prog)
{
	int i;

	for (i = 0; v->progs[i]; i++)
		if (!strcmp(v->progs[i], prog))
			return true;
	return false;
}

static int load(struct variant *v)
{
	struct bpf_program *p;
	int err;

	v->obj = overhead_bpf__open();
	if (!v->obj)
		return -errno;
	bpf_object__for_each_program(p, v->obj->obj)
		bpf_program__set_autoload(p, wanted(v, bpf_program__name(p)));
	err = overhead_bpf__load(v->obj);
	if (err) {
		const char *w = ds_libbpf_last_warning();

		ds_err("%s: cannot load: %s", v->label, w ? w : strerror(-err));
	}
	return err;
}

static int attach(struct variant *v)
{
	int i;

	for (i = 0; v->progs[i]; i++) {
		struct bpf_program *p =
			bpf_object__find_program_by_name(v->obj->obj, v->progs[i]);

		v->links[i] = bpf_program__attach(p);
		if (!v->links[i]) {
			ds_err("%s: cannot attach %s: %s", v->label, v->progs[i],
			       strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void detach(struct variant *v)
{
	int i;

	for (i = 0; i < MAX_PROGS; i++) {
		bpf_link__destroy(v->links[i]);
		v->links[i] = NULL;
	}
}

/* events the variant's histogram counted, all CPUs */
static __u64 counted(const struct variant *v)
{
	struct bpf_map *m = bpf_object__find_map_by_name(v->obj->obj, v->hist);
	int fd = bpf_map__fd(m), ncpu = libbpf_num_possible_cpus(), i, s;
	bool percpu = bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_ARRAY;
	struct lat_hist *h = calloc(ncpu > 0 ? ncpu : 1, sizeof(*h));
	__u64 sum = 0, *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(*vals));
	__u32 key;

	if (!vals || !h)
		goto out;
	if (bpf_map__value_size(m) == sizeof(*h)) {
		/* lat.bpf.c: per-CPU struct lat_hist per op */
		for (key = 0; key < bpf_map__max_entries(m); key++) {
			if (bpf_map_lookup_elem(fd, &key, h))
				continue;
			for (i = 0; i < (percpu ? ncpu : 1); i++)
				for (s = 0; s < DS_MAX_SLOTS; s++)
					sum += h[i].slots[s];
		}
	} else {
		for (key = 0; key < DS_MAX_SLOTS; key++) {
			if (bpf_map_lookup_elem(fd, &key, vals))
				continue;
			for (i = 0; i < (percpu ? ncpu : 1); i++)
				sum += vals[i];
		}
	}
out:
	free(vals);
	free(h);
	return sum;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n, double *lo, double *hi)
{
	double s[MAX_REPS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	*lo = s[0];
	*hi = s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || (strncmp(line, "model name", 10) &&
			       strncmp(line, "Hardware", 8)))
			continue;
		colon += 2;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	long calls = 1000000, reps = 7, cpu = -1;
	double base, lo, hi, ref_c = 0;
	char model[160];
	struct utsname u;
	cpu_set_t set;
	size_t i;
	int opt, r, ret = 1;

	while ((opt = getopt(argc, argv, "n:r:c:")) != -1) {
		switch (opt) {
		case 'n':
			calls = atol(optarg);
			break;
		case 'r':
			reps = atol(optarg);
			break;
		case 'c':
			cpu = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n CALLS] [-r REPS] [-c CPU]\n", argv[0]);
			return 2;
		}
	}
	if (calls < 1000 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "%s: -n at least 1000, -r 1..%d\n", argv[0], MAX_REPS);
		return 2;
	}
	ds_libbpf_setup(false);
	if (!ds_require_privs())
		return 1;
	if (cpu < 0)
		cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		ds_err("cannot pin to CPU %ld: %s (running unpinned)", cpu,
		       strerror(errno));

	for (i = 1; i < NVARIANTS; i++) {
		ds_libbpf_setup(false);
		if (load(&variants[i]))
			goto out;
	}

	cpu_model(model, sizeof(model));
	uname(&u);
	printf("dirtyscope overhead benchmark: ns added per traced event, getppid() loop\n");
	printf("CPU: %s (%ld online), pinned to CPU %ld; kernel %s\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), cpu, u.release);
	printf("%ld repetitions x %ld calls, median; absolute times vary between\n"
	       "machines, kernels and runs: compare the ratios\n\n", reps, calls);
	fflush(stdout);

	loop_ns(calls / 10);	/* warm up caches and the branch predictors */
	for (r = 0; r < reps; r++) {
		for (i = 0; i < NVARIANTS; i++) {
			struct variant *v = &variants[i];

			if (v->obj && attach(v)) {
				detach(v);
				goto out;
			}
			loop_ns(calls / 20);
			v->ns[r] = loop_ns(calls);
			detach(v);
		}
	}

	base = median(variants[0].ns, reps, &lo, &hi);
	ref_c = median(variants[3].ns, reps, &lo, &hi) - base;
	printf("%-5s %-48s %8s %7s %9s %7s\n", "", "variant", "ns/call",
	       "spread", "+ns/event", "vs (c)");
	for (i = 0; i < NVARIANTS; i++) {
		struct variant *v = &variants[i];
		double m = median(v->ns, reps, &lo, &hi);

		printf("%-5s %-48s %8.1f %7.1f", v->label, v->desc, m, hi - lo);
		if (!i)
			printf(" %9s %7s\n", "-", "-");
		else
			printf(" %9.1f %6.2fx\n", m - base,
			       ref_c > 0 ? (m - base) / ref_c : 0);
	}
	printf("\nspread: max - min of ns/call over the repetitions.  +ns/event: median\n"
	       "minus the untraced median; one event is one traced operation, here one\n"
	       "getppid() call.  (a)-(c) need two programs per event (sys_enter +\n"
	       "sys_exit) to time it, (d)-(e) one: the dirtyscope tracepoints carry\n"
	       "duration_ns, so the production programs need no enter/exit pairing.\n"
	       "vs (c): +ns/event relative to task storage.\n");

	/* every variant with a histogram must have counted each call */
	ret = 0;
	for (i = 1; i < NVARIANTS; i++) {
		struct variant *v = &variants[i];
		__u64 want = (__u64)reps * (calls + calls / 20), got;

		if (!v->hist)
			continue;
		got = counted(v);
		if (got < want) {
			ds_err("%s counted %llu events, expected at least %llu",
			       v->label, got, want);
			ret = 1;
		}
	}
out:
	for (i = 0; i < NVARIANTS; i++) {
		detach(&variants[i]);
		overhead_bpf__destroy(variants[i].obj);
	}
	return ret;
}
