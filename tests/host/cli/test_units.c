// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the dirtyscope helpers that need no BPF.
 *
 *	test_units check GOLDEN_DIR	assertions, one "ok - "/"not ok - " line each
 *	test_units lat-json		a lat JSON document for a known histogram
 *	test_units rate-json		a rate JSON document for a known stream
 *	test_units lat-prom FILE [D]	OpenMetrics of known lat histograms
 *	test_units lat-prom-nodomain FILE [D]	the same without per-domain series
 *	test_units rate-prom FILE [D]	OpenMetrics of known rate counters
 * D is the dialect: openmetrics (default) or prometheus (text 0.0.4).
 * The documents are checked by run.sh (python3 -m json.tool, om_check.py).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "dirty_event.h"
#include "histogram.h"
#include "json.h"
#include "lat_out.h"
#include "openmetrics.h"
#include "rate_math.h"

static int failures;

#define CHECK(cond, ...) do {					\
	if (cond) {						\
		printf("ok - ");				\
	} else {						\
		printf("not ok - ");				\
		failures++;					\
	}							\
	printf(__VA_ARGS__);					\
	printf("\n");						\
} while (0)

static void test_slots(void)
{
	static const struct { __u64 v; __u32 slot; } cases[] = {
		{ 0, 0 }, { 1, 0 }, { 2, 1 }, { 3, 1 }, { 4, 2 }, { 7, 2 },
		{ 8, 3 }, { 1023, 9 }, { 1024, 10 }, { 1025, 10 },
		{ 0xffffffffULL, 31 }, { 0x100000000ULL, 32 },
		{ 1ULL << 63, 63 }, { UINT64_MAX, 63 },
	};
	__u64 lo, hi;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u32 got = ds_log2_slot(cases[i].v);

		CHECK(got == cases[i].slot, "log2 slot of %llu is %u (got %u)",
		      cases[i].v, cases[i].slot, got);
	}
	ds_hist_slot_range(0, &lo, &hi);
	CHECK(lo == 0 && hi == 1, "slot 0 holds 0..1");
	ds_hist_slot_range(10, &lo, &hi);
	CHECK(lo == 1024 && hi == 2047, "slot 10 holds 1024..2047");
	ds_hist_slot_range(63, &lo, &hi);
	CHECK(lo == 1ULL << 63 && hi == UINT64_MAX,
	      "slot 63 holds 2^63..2^64-1");
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (buf && fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void check_golden(const char *dir, const char *name, const __u64 *slots,
			 const char *unit)
{
	char path[512], *want, *got = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	want = read_file(path);
	f = open_memstream(&got, &len);
	ds_hist_print(f, slots, DS_MAX_SLOTS, unit);
	fclose(f);
	CHECK(want && !strcmp(want, got), "histogram text matches %s", name);
	if (want && strcmp(want, got))
		printf("# got:\n%s", got);
	free(want);
	free(got);
}

static void test_print(const char *golden)
{
	__u64 narrow[DS_MAX_SLOTS] = { [0] = 1, [2] = 5, [3] = 10, [4] = 3 };
	__u64 wide[DS_MAX_SLOTS] = { [0] = 2, [40] = 1 };
	__u64 empty[DS_MAX_SLOTS] = {};
	char *got = NULL;
	size_t len = 0;
	FILE *f;

	check_golden(golden, "hist_narrow.txt", narrow, "usecs");
	check_golden(golden, "hist_wide.txt", wide, "msecs");
	f = open_memstream(&got, &len);
	ds_hist_print(f, empty, DS_MAX_SLOTS, "usecs");
	fclose(f);
	CHECK(len == 0, "empty histogram prints nothing");
	free(got);
}

/* a stream with exact binary fractions, so every figure compares exactly */
static const struct ds_dirty_event stream[] = {
	/* domain 7: two scans of 1 GiB at 4 KiB, 1 ms + 3 ms */
	{ .op = DS_OP_SCAN, .domain_id = 7, .size = 1ULL << 30, .pgsize = 4096,
	  .dirty = 256, .duration_ns = 1000000 },
	{ .op = DS_OP_SCAN, .domain_id = 7, .size = 1ULL << 30, .pgsize = 4096,
	  .dirty = 768, .duration_ns = 3000000 },
	/* domain 2: a failed scan, a NO_CLEAR scan of 2 MiB at 2 MiB */
	{ .op = DS_OP_SCAN, .domain_id = 2, .size = 1ULL << 30, .pgsize = 4096,
	  .dirty = 99, .duration_ns = 5, .ret = -EFAULT },
	{ .op = DS_OP_SCAN, .domain_id = 2, .size = 2ULL << 20,
	  .pgsize = 2ULL << 20, .dirty = 1, .duration_ns = 1024,
	  .flags = DS_DIRTY_NO_CLEAR },
	/* other ops do not count */
	{ .op = DS_OP_CLEAR, .domain_id = 7, .size = 1ULL << 30,
	  .pgsize = 4096, .dirty = 1000, .duration_ns = 1 },
	{ .op = DS_OP_SPLIT, .domain_id = 9, .size = 1ULL << 21,
	  .pgsize = 4096, .dirty = 1, .duration_ns = 1 },
};

#define NSTREAM	(sizeof(stream) / sizeof(stream[0]))
#define TWO_S	2000000000ULL

static void test_rate(void)
{
	struct ds_rate_row rows[NSTREAM], cum[4] = {};
	size_t ncum = 0;
	int n;

	n = ds_rate_compute(stream, NSTREAM, TWO_S, rows, NSTREAM);
	CHECK(n == 2, "rate: two domains with scans (got %d)", n);
	if (n != 2)
		return;
	CHECK(rows[0].domain_id == 2 && rows[1].domain_id == 7,
	      "rate: rows sorted by domain");
	/* domain 7 */
	CHECK(rows[1].scans == 2 && rows[1].errors == 0 && rows[1].noclear == 0,
	      "rate: domain 7 scans=2 errors=0");
	CHECK(rows[1].dirty_pages == 1024, "rate: domain 7 dirty pages 1024");
	CHECK(rows[1].dirty_bytes == 4ULL << 20, "rate: domain 7 dirty bytes 4 MiB");
	CHECK(rows[1].scanned_bytes == 2ULL << 30, "rate: domain 7 scanned 2 GiB");
	CHECK(rows[1].scan_ns == 4000000, "rate: domain 7 scan time 4 ms");
	CHECK(rows[1].pages_per_scan == 512.0, "rate: domain 7 512 pages/scan (%g)",
	      rows[1].pages_per_scan);
	CHECK(rows[1].pages_per_s == 512.0, "rate: domain 7 512 pages/s (%g)",
	      rows[1].pages_per_s);
	CHECK(rows[1].mib_per_s == 2.0, "rate: domain 7 2 MiB/s (%g)",
	      rows[1].mib_per_s);
	CHECK(rows[1].scan_gib_per_s == 500.0, "rate: domain 7 500 GiB/s scanned (%g)",
	      rows[1].scan_gib_per_s);
	CHECK(rows[1].dirty_share == 1.0 / 512, "rate: domain 7 share 1/512 (%g)",
	      rows[1].dirty_share);
	/* domain 2 */
	CHECK(rows[0].scans == 1 && rows[0].errors == 1 && rows[0].noclear == 1,
	      "rate: domain 2 scans=1 errors=1 noclear=1");
	CHECK(rows[0].dirty_pages == 1 && rows[0].dirty_bytes == 2ULL << 20 &&
	      rows[0].scanned_bytes == 2ULL << 20 && rows[0].scan_ns == 1024,
	      "rate: domain 2 failed scan left out of the sums");
	CHECK(rows[0].pages_per_scan == 1.0 && rows[0].pages_per_s == 0.5 &&
	      rows[0].mib_per_s == 1.0 && rows[0].dirty_share == 1.0,
	      "rate: domain 2 1 page/scan, 0.5 pages/s, 1 MiB/s, share 1");
	CHECK(rows[0].scan_gib_per_s == (2.0 / 1024) / (1024 / 1e9),
	      "rate: domain 2 scan throughput %g GiB/s", rows[0].scan_gib_per_s);

	CHECK(ds_rate_compute(stream, NSTREAM, TWO_S, rows, 1) == -E2BIG,
	      "rate: too many domains for the rows is -E2BIG");
	n = ds_rate_compute(stream, 0, TWO_S, rows, NSTREAM);
	CHECK(n == 0, "rate: empty stream, no rows");
	n = ds_rate_compute(stream + 4, 2, 0, rows, NSTREAM);
	CHECK(n == 0, "rate: only non-scan records, no rows");
	n = ds_rate_compute(stream, 2, 0, rows, NSTREAM);
	CHECK(n == 1 && rows[0].pages_per_s == 0 && rows[0].mib_per_s == 0,
	      "rate: zero interval gives 0 rates, not inf");

	n = ds_rate_compute(stream, NSTREAM, TWO_S, rows, NSTREAM);
	ds_rate_accumulate(cum, &ncum, 4, rows, n);
	ds_rate_accumulate(cum, &ncum, 4, rows, n);
	CHECK(ncum == 2 && cum[1].scans == 4 && cum[1].dirty_pages == 2048 &&
	      cum[0].errors == 2 && cum[0].scan_ns == 2048,
	      "rate: accumulate sums per domain");
	CHECK(ds_rate_accumulate(cum, &ncum, 2, &(struct ds_rate_row){ .domain_id = 1 }, 1)
	      == -E2BIG, "rate: accumulate beyond max is -E2BIG");
}

static void test_decimal(void)
{
	static const struct { __u64 m; int e; const char *s; } cases[] = {
		{ 2000, 9, "0.000002" }, { 4096000, 9, "0.004096" },
		{ 2147483648000ULL, 9, "2147.483648" }, { 3000000000ULL, 9, "3.0" },
		{ 0, 9, "0.0" }, { 1500000000, 9, "1.5" }, { 5, 0, "5.0" },
		{ 1, 9, "0.000000001" }, { UINT64_MAX, 9, "18446744073.709551615" },
	};
	char buf[48];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ds_om_decimal(buf, sizeof(buf), cases[i].m, cases[i].e);
		CHECK(!strcmp(buf, cases[i].s), "decimal %llue-%d is %s (got %s)",
		      cases[i].m, cases[i].e, cases[i].s, buf);
	}
	ds_fmt_double(buf, sizeof(buf), 0.1);
	CHECK(!strcmp(buf, "0.1"), "shortest double 0.1 (got %s)", buf);
	ds_fmt_double(buf, sizeof(buf), 1.0 / 512);
	CHECK(!strcmp(buf, "0.001953125"), "shortest double 1/512 (got %s)", buf);
}

static void test_labels(void)
{
	char buf[64] = "";

	CHECK(!ds_om_label(buf, sizeof(buf), "domain", "3") &&
	      !ds_om_label(buf, sizeof(buf), "x", "a\"b\\c\nd") &&
	      !strcmp(buf, "domain=\"3\",x=\"a\\\"b\\\\c\\nd\""),
	      "labels are joined and escaped (%s)", buf);
	buf[0] = '\0';
	CHECK(ds_om_label(buf, 8, "domain", "12345") == -1,
	      "a label list that does not fit is refused");
}

static void test_om_errors(void)
{
	struct ds_om om;

	CHECK(ds_om_begin(&om, "/nonexistent-dir/x.prom", DS_OM_OPENMETRICS) == -ENOENT,
	      "prom file in a missing directory is -ENOENT");
}

/* known lat entries: scan in domains 3 and 5, split in domain 3 */
static size_t lat_sample(struct lat_entry *e)
{
	memset(e, 0, 3 * sizeof(*e));
	e[0].key = (struct lat_key){ .op = DS_OP_SPLIT, .domain_id = 3 };
	e[0].hist.slots[4] = 2;		/* 16..31 us */
	e[0].hist.sum_ns = 40000;
	e[1].key = (struct lat_key){ .op = DS_OP_SCAN, .domain_id = 3 };
	e[1].hist.slots[0] = 1;		/* 0..1 us */
	e[1].hist.slots[10] = 3;	/* 1024..2047 us */
	e[1].hist.sum_ns = 4500500;
	e[1].hist.errors = 1;
	e[2].key = (struct lat_key){ .op = DS_OP_SCAN, .domain_id = 5 };
	e[2].hist.slots[40] = 1;	/* beyond the last finite bucket */
	e[2].hist.sum_ns = 1ULL << 50;
	return 3;
}

static const struct lat_units usecs = { "usecs", 1000 };

static int emit(const char *what, const char *file, const char *dialect)
{
	struct lat_entry e[3];
	struct ds_rate_row rows[NSTREAM];
	struct ds_om om;
	size_t n;
	int err;

	if (!strcmp(what, "lat-json")) {
		n = lat_sample(e);
		return ds_json_print(stdout, lat_json(e, n, &usecs, true, 1700000000.5,
						      TWO_S, 0), true);
	}
	if (!strcmp(what, "rate-json")) {
		n = ds_rate_compute(stream, NSTREAM, TWO_S, rows, NSTREAM);
		return ds_json_print(stdout, ds_rate_json(rows, n, 1700000000.5,
							  TWO_S, 3), true);
	}
	if (!file)
		return 2;
	err = ds_om_begin(&om, file, dialect ? ds_om_dialect_parse(dialect) :
					  DS_OM_OPENMETRICS);
	if (err)
		return 1;
	if (!strcmp(what, "lat-prom")) {
		n = lat_sample(e);
		/* scan and split wanted, merge too (no data: empty family) */
		lat_om(&om, e, n, &usecs, true,
		       1U << DS_OP_SPLIT | 1U << DS_OP_MERGE | 1U << DS_OP_SCAN);
	} else if (!strcmp(what, "lat-prom-nodomain")) {
		n = lat_sample(e);
		lat_om(&om, e + 2, 1, &usecs, false, 1U << DS_OP_SCAN | 1U << DS_OP_CLEAR);
	} else if (!strcmp(what, "rate-prom")) {
		n = ds_rate_compute(stream, NSTREAM, TWO_S, rows, NSTREAM);
		ds_rate_om(&om, rows, n);
	} else {
		ds_om_abort(&om);
		return 2;
	}
	return ds_om_commit(&om) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check"))
		return emit(argv[1], argc > 2 ? argv[2] : NULL,
			    argc > 3 ? argv[3] : NULL);
	if (argc != 3) {
		fprintf(stderr, "usage: %s check GOLDEN_DIR | lat-json | rate-json | "
			"{lat-prom|lat-prom-nodomain|rate-prom} FILE [DIALECT]\n",
			argv[0]);
		return 2;
	}
	test_slots();
	test_print(argv[2]);
	test_rate();
	test_decimal();
	test_labels();
	test_om_errors();
	return failures ? 1 : 0;
}
