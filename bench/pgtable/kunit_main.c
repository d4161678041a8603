// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: runs the KUnit suites compiled into this program (the
 * io-pgtable-arm dirty-tracking suite, see shim/kunit/test.h) and prints
 * KTAP-like results.  Exit status 1 if any case failed.  A case must not
 * leave a kthread running (its memory is freed after it): the runner
 * waits up to DS_KTHREAD_WAIT_S for them and fails the case if any is
 * left, without freeing that case's allocations.
 */
#include "kunit/test.h"
#include "linux/delay.h"
#include "linux/kthread.h"

#define DS_KTHREAD_WAIT_S 10

#define MAX_SUITES 8

static struct kunit_suite *suites[MAX_SUITES];
static int nsuites;
static void *allocs[4096];
static int nallocs;

void ds_kunit_register(struct kunit_suite *suite)
{
	if (nsuites < MAX_SUITES)
		suites[nsuites++] = suite;
}

void ds_kunit_fail(struct kunit *test, const char *file, int line,
		   const char *what, long long a, long long b, bool fatal)
{
	printf("    # %s: %s:%d: expected %s (%lld vs %lld)\n", test->name,
	       file, line, what, a, b);
	test->failures++;
	if (fatal)
		longjmp(test->abort, 1);
}

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = calloc(1, size);

	if (p && nallocs < (int)ARRAY_SIZE(allocs))
		allocs[nallocs++] = p;
	return p;
}

int main(void)
{
	int s, failed = 0, total = 0;

	/* a sanitizer abort must not take the lines printed before */
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("KTAP version 1\n1..%d\n", nsuites);
	for (s = 0; s < nsuites; s++) {
		struct kunit_case *c;
		int n = 0, bad = 0;

		for (c = suites[s]->test_cases; c->run_case; c++)
			n++;
		printf("    # Subtest: %s\n    1..%d\n", suites[s]->name, n);
		n = 0;
		for (c = suites[s]->test_cases; c->run_case; c++) {
			struct kunit test = { .name = c->name };
			unsigned long warns = ds_warn_count;
			int ms;

			if (!setjmp(test.abort))
				c->run_case(&test);
			for (ms = 0; ds_kthreads_running() &&
			     ms < DS_KTHREAD_WAIT_S * 1000; ms++)
				msleep(1);
			if (ds_kthreads_running()) {
				printf("    # %s: %u kthread(s) still running\n",
				       c->name, ds_kthreads_running());
				test.failures++;
				nallocs = 0;	/* theirs now: leak, do not free */
			}
			while (nallocs)
				free(allocs[--nallocs]);
			if (ds_warn_count != warns) {
				printf("    # %s: %lu WARN(s)\n", c->name,
				       ds_warn_count - warns);
				test.failures++;
			}
			printf("    %s %d %s\n", test.failures ? "not ok" : "ok",
			       ++n, c->name);
			bad += !!test.failures;
			total++;
		}
		printf("%s %d %s\n", bad ? "not ok" : "ok", s + 1,
		       suites[s]->name);
		failed += bad;
	}
	printf("# kunit: %d cases, %d failed\n", total, failed);
	return failed ? 1 : 0;
}
