// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the dirtyscope helpers that need no BPF.
 *
 *	test_units check GOLDEN_DIR	assertions, one "ok - "/"not ok - " line each
 *	test_units lat-json		a lat JSON document for a known histogram
 *	test_units rate-json		a rate JSON document for a known stream
 *	test_units lat-prom FILE [D]	--prom text of known lat histograms
 *	test_units lat-prom-nodomain FILE [D]	the same without per-domain series
 *	test_units lat-json-fn		lat JSON with the fentry ops (no domains)
 *	test_units lat-prom-fn FILE [D]	--prom text of the same
 *	test_units rate-prom FILE [D]	--prom text of known rate counters
 * D is the --prom-format: prometheus (the default, text 0.0.4) or
 * openmetrics.  run.sh checks the documents (python3 -m json.tool;
 * promtool and the OpenMetrics parsers, see there).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "dirty_event.h"
#include "heatmap.h"
#include "histogram.h"
#include "json.h"
#include "lat_hist.h"
#include "lat_out.h"
#include "numparse.h"
#include "openmetrics.h"
#include "rate_math.h"
#include "recfile.h"
#include "svg.h"
#include "xml.h"

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

/*
 * The stream with devices' DMA-log reports (DS_DIRTY_DEVICE): domain 3's
 * scans and the reports of vfio3 and vfio0 (one failed).
 */
static const struct ds_dirty_event dev_stream[] = {
	{ .op = DS_OP_SCAN, .domain_id = 3, .size = 1ULL << 30, .pgsize = 4096,
	  .dirty = 10, .duration_ns = 1000 },
	{ .op = DS_OP_SCAN, .domain_id = 3, .size = 1ULL << 26, .pgsize = 4096,
	  .dirty = 64, .duration_ns = 3000, .flags = DS_DIRTY_DEVICE },
	{ .op = DS_OP_SCAN, .domain_id = 3, .size = 1ULL << 26, .pgsize = 4096,
	  .dirty = 36, .duration_ns = 1000, .flags = DS_DIRTY_DEVICE },
	{ .op = DS_OP_SCAN, .domain_id = 0, .size = 1ULL << 26, .pgsize = 1 << 16,
	  .dirty = 5, .duration_ns = 2000000, .flags = DS_DIRTY_DEVICE,
	  .ret = -EIO },
};

#define NDEV_STREAM	(sizeof(dev_stream) / sizeof(dev_stream[0]))

static void test_rate_devices(void)
{
	struct ds_rate_row rows[NDEV_STREAM], cum[4] = {};
	struct lat_entry e[4] = {};
	size_t ncum = 0, nlat = 0, i;
	char src[96];
	int n;

	n = ds_rate_compute(dev_stream, NDEV_STREAM, TWO_S, rows, NDEV_STREAM);
	CHECK(n == 3, "rate devices: domain 3, vfio0, vfio3 are three rows (got %d)", n);
	if (n != 3)
		return;
	CHECK(!rows[0].device && rows[0].domain_id == 3 &&
	      rows[1].device && rows[1].domain_id == 0 &&
	      rows[2].device && rows[2].domain_id == 3,
	      "rate devices: domains first, then devices, each by id");
	CHECK(rows[0].scans == 1 && rows[0].dirty_pages == 10,
	      "rate devices: domain 3 keeps its scan only");
	CHECK(rows[2].scans == 2 && rows[2].dirty_pages == 100 &&
	      rows[2].scan_ns == 4000 && rows[2].scanned_bytes == 2ULL << 26 &&
	      rows[2].pages_per_scan == 50.0,
	      "rate devices: vfio3 two reports, 100 pages, 50 per report");
	CHECK(rows[1].scans == 0 && rows[1].errors == 1 && rows[1].dirty_pages == 0,
	      "rate devices: vfio0's failed report is an error, out of the sums");
	CHECK(!strcmp(ds_rate_source(&rows[0], false, src, sizeof(src)), "domain 3") &&
	      !strcmp(ds_rate_source(&rows[2], false, src, sizeof(src)), "vfio3"),
	      "rate devices: sources named \"domain 3\" and \"vfio3\"");
	ds_rate_accumulate(cum, &ncum, 4, rows, n);
	ds_rate_accumulate(cum, &ncum, 4, rows, n);
	CHECK(ncum == 3 && cum[0].scans == 2 && cum[2].scans == 4 &&
	      cum[2].dirty_pages == 200 && cum[1].errors == 2,
	      "rate devices: accumulate keeps domain 3 and vfio3 apart");

	for (i = 0; i < NDEV_STREAM; i++)
		lat_add(e, &nlat, 4, &dev_stream[i], true);
	CHECK(nlat == 2 && e[0].key.op == DS_OP_SCAN && e[0].key.domain_id == 3 &&
	      e[1].key.op == LAT_OP_DMA_REPORT &&
	      e[1].key.domain_id == LAT_ALL_DOMAINS && e[1].hist.errors == 1 &&
	      e[1].hist.sum_ns == 2004000,
	      "lat_add: devices' reports are dma_report, without a domain");
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

static void test_numparse(void)
{
	static const struct {
		const char *s;
		uint64_t min, max;
		int ret;
		uint64_t v;
	} u[] = {
		{ "0", 0, 10, 0, 0 }, { "10", 0, 10, 0, 10 }, { "007", 0, 10, 0, 7 },
		{ "11", 0, 10, -ERANGE, 0 }, { "0", 1, 10, -ERANGE, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0 },
		{ "", 0, 10, -EINVAL, 0 }, { "-1", 0, UINT64_MAX, -EINVAL, 0 },
		{ "+1", 0, 10, -EINVAL, 0 }, { " 1", 0, 10, -EINVAL, 0 },
		{ "1 ", 0, 10, -EINVAL, 0 }, { "0x10", 0, 100, -EINVAL, 0 },
		{ "1.5", 0, 10, -EINVAL, 0 },
	};
	static const struct {
		const char *s;
		int ret;
		double v;
	} d[] = {
		{ "0.15", 0, 0.15 }, { "1", 0, 1 }, { ".5", 0, 0.5 }, { "2.", 0, 2 },
		{ "1e-2", 0, 0.01 }, { "10", 0, 10 }, { "10.5", -ERANGE, 0 },
		{ "1e400", -ERANGE, 0 }, { "nan", -EINVAL, 0 }, { "inf", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 }, { "+1", -EINVAL, 0 }, { " 1", -EINVAL, 0 },
		{ "0x1p3", -EINVAL, 0 }, { ".", -EINVAL, 0 }, { "1e", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
	};
	const char *end;
	uint64_t v;
	double x;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		v = 12345;
		ret = ds_parse_u64(u[i].s, NULL, u[i].min, u[i].max, &v);
		CHECK(ret == u[i].ret && (ret || v == u[i].v),
		      "numparse: \"%s\" in [%llu, %llu]: %d, %llu (got %d, %llu)",
		      u[i].s, (unsigned long long)u[i].min,
		      (unsigned long long)u[i].max, u[i].ret,
		      (unsigned long long)u[i].v, ret, (unsigned long long)v);
	}
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		x = -1;
		ret = ds_parse_double(d[i].s, NULL, 0, 10, &x);
		CHECK(ret == d[i].ret && (ret || x == d[i].v),
		      "numparse: \"%s\" as a number in [0, 10]: %d, %g (got %d, %g)",
		      d[i].s, d[i].ret, d[i].v, ret, x);
	}
	ret = ds_parse_u64("24:1", &end, 0, 100, &v);
	CHECK(!ret && v == 24 && !strcmp(end, ":1"),
	      "numparse: \"24:1\" with an end pointer: 24, then \":1\"");
	ret = ds_parse_double("0.15:24", &end, 0, 10, &x);
	CHECK(!ret && x == 0.15 && !strcmp(end, ":24"),
	      "numparse: \"0.15:24\" with an end pointer: 0.15, then \":24\"");
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

	CHECK(ds_om_begin(&om, "/nonexistent-dir/x.prom", DS_OM_PROMETHEUS) == -ENOENT,
	      "prom file in a missing directory is -ENOENT");
}

/* lat_add() must count like bpf/lat.bpf.c: same keys, slots, sums */
static void test_lat_add(void)
{
	struct lat_entry e[4];
	size_t n = 0, i;
	int err = 0;

	for (i = 0; i < NSTREAM; i++)
		err |= lat_add(e, &n, 4, &stream[i], true);
	CHECK(!err && n == 4, "lat_add: 4 op/domain keys from the stream (got %zu)", n);
	CHECK(e[0].key.op == DS_OP_SPLIT && e[0].key.domain_id == 9 &&
	      e[1].key.op == DS_OP_SCAN && e[1].key.domain_id == 2 &&
	      e[2].key.op == DS_OP_SCAN && e[2].key.domain_id == 7 &&
	      e[3].key.op == DS_OP_CLEAR && e[3].key.domain_id == 7,
	      "lat_add: entries sorted by op, then domain");
	/* domain 7 scans: 1 ms and 3 ms -> slots 9 (512..1023) and 11 */
	CHECK(e[2].hist.slots[9] == 1 && e[2].hist.slots[11] == 1 &&
	      ds_hist_total(e[2].hist.slots, DS_MAX_SLOTS) == 2 &&
	      e[2].hist.sum_ns == 4000000 && e[2].hist.errors == 0,
	      "lat_add: duration_ns / 1000 into its log2 slot, sum in ns");
	/* and 1 ms, 3 ms -> msecs slots 0 and 1 */
	CHECK(e[2].hist.ms_slots[0] == 1 && e[2].hist.ms_slots[1] == 1 &&
	      ds_hist_total(e[2].hist.ms_slots, DS_MAX_SLOTS) == 2,
	      "lat_add: duration_ns / 1000000 into its log2 msecs slot as well");
	/* domain 2: 5 ns (slot 0, failed) and 1024 ns (1 us, slot 0) */
	CHECK(e[1].hist.slots[0] == 2 && e[1].hist.errors == 1 &&
	      e[1].hist.sum_ns == 1029,
	      "lat_add: failed operations are in the histogram and in errors");
	CHECK(lat_add(e, &n, 4, &(struct ds_dirty_event){ .op = DS_OP_MERGE },
		      true) == -E2BIG && n == 4,
	      "lat_add: a new key beyond max is -E2BIG");
	n = 0;
	for (i = 0; i < NSTREAM; i++)
		lat_add(e, &n, 4, &stream[i], false);
	CHECK(n == 3 && e[1].key.domain_id == LAT_ALL_DOMAINS &&
	      e[1].hist.ms_slots[1] == 1 && e[1].hist.ms_slots[0] == 3 &&
	      e[1].hist.slots[11] == 1 && e[1].hist.slots[9] == 1 &&
	      e[1].hist.slots[0] == 2,
	      "lat_add: one key per op without per_domain, usecs and msecs slots");
	{
		static const struct lat_units us = { "usecs", LAT_US_NS },
					      ms = { "msecs", LAT_MS_NS };

		CHECK(lat_unit_slots(&e[1].hist, &us) == e[1].hist.slots &&
		      lat_unit_slots(&e[1].hist, &ms) == e[1].hist.ms_slots,
		      "lat_unit_slots: usecs and msecs slots by display unit");
	}
}

/* lat_delta(): an interval is the cumulative counts minus the last read */
static void test_lat_delta(void)
{
	struct lat_entry prev[4], cur[4], want[4];
	size_t nprev = 0, ncur, nwant = 0, i, j = 0;
	bool same = true;

	for (i = 0; i < NSTREAM / 2; i++)
		lat_add(prev, &nprev, 4, &stream[i], true);
	memcpy(cur, prev, sizeof(prev));
	ncur = nprev;
	for (i = NSTREAM / 2; i < NSTREAM; i++) {
		lat_add(cur, &ncur, 4, &stream[i], true);
		lat_add(want, &nwant, 4, &stream[i], true);
	}
	lat_delta(cur, ncur, prev, nprev);
	/* the interval's keys as if counted alone, the others all zero */
	for (i = 0; i < ncur; i++) {
		if (j < nwant && !memcmp(&cur[i].key, &want[j].key,
					 sizeof(want[j].key))) {
			same &= !memcmp(&cur[i].hist, &want[j].hist,
					sizeof(want[j].hist));
			j++;
		} else {
			same &= !ds_hist_total(cur[i].hist.slots, DS_MAX_SLOTS) &&
				!cur[i].hist.sum_ns && !cur[i].hist.errors;
		}
	}
	CHECK(same && j == nwant && nwant > 0 && nprev > 0,
	      "lat_delta: cumulative minus the previous read = the interval's events");
}

/* what a file of these events reads back as */
static void test_recfile(void)
{
	const struct ds_dirty_event ev[] = {
		{ .ts_ns = 5, .op = DS_OP_CLEAR, .domain_id = UINT32_MAX,
		  .iova = UINT64_MAX - 4095, .size = 4096, .pgsize = 4096,
		  .leaves = 1, .dirty = 1, .flags = 0x80000001U,
		  .ret = INT32_MIN, .duration_ns = UINT64_MAX },
		{ .ts_ns = 7, .op = DS_OP_SCAN, .ret = -EIO },
	};
	struct ds_rec_header h, *rh;
	struct ds_rec_trailer t = { .present = true, .end_ns = 99, .events = 2,
				    .dropped = 3 };
	struct ds_recording r;
	char *buf = NULL, reason[256], *argv0[] = { "sh", "-c", "a \"b\"" };
	size_t len = 0, line;
	FILE *f;
	int err;

	ds_rec_header_init(&h);
	h.start_ns = 4;
	h.clock_base_ns = -31632;	/* a guest whose wall clock starts at 0 */
	f = open_memstream(&buf, &len);
	ds_rec_write_header(f, &h, argv0, 3);
	ds_rec_write_event(f, &ev[0]);
	ds_rec_write_event(f, &ev[1]);
	ds_rec_write_trailer(f, &t);
	fclose(f);
	CHECK(strstr(buf, "\"command\":[\"sh\",\"-c\",\"a \\\"b\\\"\"]") != NULL,
	      "recfile: the command is a JSON array of strings");
	f = fmemopen(buf, len, "r");
	err = ds_rec_read(f, &r, &line, reason, sizeof(reason));
	fclose(f);
	rh = &r.hdr;
	CHECK(!err && r.n == 2, "recfile: written file reads back%s%s",
	      err ? ": " : "", reason);
	CHECK(!err && !memcmp(&r.ev[0], &ev[0], sizeof(ev[0])) &&
	      !memcmp(&r.ev[1], &ev[1], sizeof(ev[1])),
	      "recfile: events round-trip at the limits of every field");
	CHECK(!err && rh->start_ns == 4 && rh->clock_base_ns == -31632 &&
	      !strcmp(rh->kernel, h.kernel) && !strcmp(rh->hostname, h.hostname) &&
	      r.end.present && r.end.end_ns == 99 && r.end.dropped == 3 &&
	      ds_rec_end_ns(&r) == 99,
	      "recfile: header and trailer round-trip");
	ds_rec_free(&r);
	free(buf);
}

static void hm_scan(struct ds_dirty_event *e, __u64 ts, __u32 dom, __u64 iova,
		    __u64 size, __u64 dirty)
{
	*e = (struct ds_dirty_event){ .op = DS_OP_SCAN, .ts_ns = ts,
		.domain_id = dom, .iova = iova, .size = size, .pgsize = 4096,
		.dirty = dirty };
}

static void test_heatmap(void)
{
	const __u64 M = 1ULL << 20, S = 1000000000ULL;
	struct ds_dirty_event ev[6];
	struct ds_heatmap hm;
	double sum = 0;
	size_t i;
	int err;

	/* 3 MiB at 1.5 MiB: 1/6, 1/3, 1/3, 1/6 over 1 MiB ranges 1..4 */
	hm_scan(&ev[0], 10 * S + S / 2, 4, 3 * M / 2, 3 * M, 600);
	/* the same ranges of another domain, later, clean */
	hm_scan(&ev[1], 12 * S, 2, 0, M, 0);
	/* failed, clear and empty scans cover nothing */
	hm_scan(&ev[2], 11 * S, 4, 100 * M, M, 5);
	ev[2].ret = -EIO;
	hm_scan(&ev[3], 11 * S, 4, 200 * M, M, 5);
	ev[3].op = DS_OP_CLEAR;
	hm_scan(&ev[4], 11 * S, 4, 300 * M, 0, 5);
	/* after the end: the last bucket */
	hm_scan(&ev[5], 99 * S, 4, 2 * M, M, 64);

	err = ds_heatmap_build(&hm, ev, 6, 10 * S, 13 * S, S, M);
	CHECK(!err && hm.ncols == 3 && hm.nrows == 5 && hm.groups == 2,
	      "heatmap: 3 buckets, 5 ranges in 2 domains (got %zu x %zu)",
	      hm.ncols, hm.nrows);
	if (err || hm.nrows != 5) {
		ds_heatmap_free(&hm);
		return;
	}
	CHECK(hm.rows[0].group == 2 && hm.rows[0].iova == 0 &&
	      hm.rows[1].group == 4 && hm.rows[1].iova == M &&
	      hm.rows[4].iova == 4 * M, "heatmap: rows sorted by domain, IOVA");
	CHECK(ds_heatmap_at(&hm, 1, 0) == 100 && ds_heatmap_at(&hm, 2, 0) == 200 &&
	      ds_heatmap_at(&hm, 3, 0) == 200 && ds_heatmap_at(&hm, 4, 0) == 100,
	      "heatmap: dirty pages spread in proportion to the bytes covered");
	CHECK(ds_heatmap_at(&hm, 2, 2) == 64 && hm.covers[2 * 3 + 2] == 1,
	      "heatmap: an event after the end lands in the last bucket");
	CHECK(hm.covers[0 * 3 + 2] == 1 && ds_heatmap_at(&hm, 0, 2) == 0 &&
	      hm.covers[0 * 3 + 0] == 0 && hm.cells == 6,
	      "heatmap: scanned-clean and not-scanned cells differ (%zu cells)",
	      hm.cells);
	for (i = 0; i < hm.nrows * hm.ncols; i++)
		sum += hm.dirty[i];
	CHECK(sum == 664 && hm.max == 200, "heatmap: no dirty page lost or invented");
	CHECK(hm.source == DS_HM_SCANS && hm.estimated_cells == 4 &&
	      hm.estimated[1 * 3 + 0] && hm.estimated[4 * 3 + 0] &&
	      !hm.estimated[2 * 3 + 2] && !hm.estimated[0 * 3 + 2],
	      "heatmap: the cells of a scan over 4 ranges are estimated, a scan in one range is exact (%zu estimated)",
	      hm.estimated_cells);
	ds_heatmap_free(&hm);

	err = ds_heatmap_build(&hm, ev, 6, 10 * S, 13 * S, 0, 0);
	CHECK(!err && hm.bucket_ns == 50000000 && hm.ncols == 60 &&
	      hm.range_bytes == M && hm.nrows == 5,
	      "heatmap: automatic 50 ms buckets over 3 s, 1 MiB ranges");
	ds_heatmap_free(&hm);
	hm_scan(&ev[0], 10 * S, 4, 0, 1ULL << 40, 1);
	err = ds_heatmap_build(&hm, ev, 1, 10 * S, 13 * S, 0, 0);
	CHECK(!err && hm.range_bytes == 1ULL << 34 && hm.nrows == 64,
	      "heatmap: automatic range 16 GiB for 1 TiB in 64 rows");
	ds_heatmap_free(&hm);
	err = ds_heatmap_build(&hm, ev, 1, 10 * S, 13 * S, 0, M);
	CHECK(err == -E2BIG && hm.nrows > DS_HM_MAX_ROWS,
	      "heatmap: 1 TiB in 1 MiB rows is -E2BIG");
	ds_heatmap_free(&hm);
	err = ds_heatmap_build(&hm, ev, 1, 0, 3 * S, 1000000, M << 20);
	CHECK(err == -E2BIG && hm.ncols == 3000,
	      "heatmap: 3000 buckets of 1 ms is -E2BIG");
	ds_heatmap_free(&hm);
	err = ds_heatmap_build(&hm, ev, 1, 0, 3 * S, 5000000, 2048 * M);
	CHECK(err == -E2BIG && hm.nrows == 512 && hm.ncols == 600,
	      "heatmap: 512 rows x 600 buckets is more than DS_HM_MAX_CELLS");
	ds_heatmap_free(&hm);
	err = ds_heatmap_build(&hm, ev, 0, 5, 5, 0, 0);
	CHECK(!err && hm.ncols == 1 && hm.nrows == 0 && hm.cells == 0,
	      "heatmap: an empty recording is one empty bucket");
	ds_heatmap_free(&hm);
}

static void hm_read(struct ds_rec_bitmap *b, __u64 *bits, __u64 ts,
		    __u32 uapi, __u32 kind, __u64 iova, __u64 npages,
		    __u64 pgsize)
{
	*b = (struct ds_rec_bitmap){ .ts_ns = ts, .iova = iova,
		.size = npages * pgsize, .pgsize = pgsize, .uapi = uapi,
		.kind = kind, .bits = bits };
}

/* the heat map of bitmap reads: the exact pages, nothing spread */
static void test_heatmap_bitmaps(void)
{
	const __u64 M = 1ULL << 20, S = 1000000000ULL, K4 = 4096;
	/* 512 pages of 4 KiB at 1 MiB: pages 0, 127 (range 1) and 256, 300, 511 (2) */
	__u64 a[8] = { 1, 1ULL << 63, 0, 0, 1 | 1ULL << 44, 0, 0, 1ULL << 63 };
	__u64 cl[8] = { ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL };
	/* 2 MiB pages over 1 MiB ranges: page 1 starts at 2 MiB + 2 MiB */
	__u64 huge[1] = { 2 };
	__u64 none[8] = {};
	struct ds_rec_bitmap bm[5];
	struct ds_heatmap hm;
	char fill[8];
	double sum = 0;
	size_t i;
	int err;

	hm_read(&bm[0], a, 10 * S, DS_BM_IOMMUFD, DS_BM_GET, M, 512, K4);
	/* a clear names pages but reads nothing: not drawn */
	hm_read(&bm[1], cl, 10 * S + S / 2, DS_BM_IOMMUFD, DS_BM_CLEAR, M, 512, K4);
	hm_read(&bm[2], huge, 11 * S, DS_BM_TYPE1, DS_BM_GET_NOCLEAR, 2 * M, 2,
		2 * M);
	/* a read of clean pages: read, 0 dirty */
	hm_read(&bm[3], none, 12 * S, DS_BM_IOMMUFD, DS_BM_GET, M, 512, K4);
	hm_read(&bm[4], a, 12 * S, DS_BM_TYPE1, DS_BM_GET, 0, 512, K4);
	bm[4].ret = -EINVAL;	/* failed: not drawn */

	CHECK(ds_heatmap_reads(bm, 5) == 3, "heatmap: 3 of the 5 bitmap lines are reads");
	err = ds_heatmap_build_bitmaps(&hm, bm, 5, 10 * S, 13 * S, S, M);
	CHECK(!err && hm.source == DS_HM_BITMAPS && hm.ncols == 3 &&
	      hm.nrows == 6 && hm.groups == 2 && hm.items == 3,
	      "heatmap from bitmaps: 3 reads, 6 ranges in 2 uAPIs (got %zu x %zu)",
	      hm.ncols, hm.nrows);
	if (err || hm.nrows != 6) {
		ds_heatmap_free(&hm);
		return;
	}
	CHECK(hm.rows[0].group == DS_BM_IOMMUFD && hm.rows[0].iova == M &&
	      hm.rows[1].iova == 2 * M && hm.rows[2].group == DS_BM_TYPE1 &&
	      hm.rows[2].iova == 2 * M && hm.rows[5].iova == 5 * M,
	      "heatmap from bitmaps: rows by uAPI, then IOVA");
	CHECK(ds_heatmap_at(&hm, 0, 0) == 2 && ds_heatmap_at(&hm, 1, 0) == 3 &&
	      hm.covers[0 * 3 + 0] == 1 && !hm.covers[0 * 3 + 1],
	      "heatmap from bitmaps: the set bits, range by range (%g, %g)",
	      ds_heatmap_at(&hm, 0, 0), ds_heatmap_at(&hm, 1, 0));
	CHECK(ds_heatmap_at(&hm, 4, 1) == 1 && ds_heatmap_at(&hm, 5, 1) == 0 &&
	      ds_heatmap_at(&hm, 2, 1) == 0 && hm.covers[5 * 3 + 1] == 1,
	      "heatmap from bitmaps: a page counts in the range where it starts");
	CHECK(hm.covers[0 * 3 + 2] == 1 && ds_heatmap_at(&hm, 0, 2) == 0 &&
	      hm.cells == 8 && hm.estimated_cells == 0,
	      "heatmap from bitmaps: a clean read covers its cells, nothing is estimated (%zu cells)",
	      hm.cells);
	for (i = 0; i < hm.nrows * hm.ncols; i++)
		sum += hm.dirty[i];
	CHECK(sum == 6 && hm.max == 3,
	      "heatmap from bitmaps: every set bit of a read is one page (%g)", sum);

	/* colours: clean apart from the scale, 1 at its low end */
	hm.max = 1536;
	CHECK(!strcmp(ds_heatmap_fill(&hm, 0, fill), DS_HM_CLEAN_FILL) &&
	      !strcmp(ds_heatmap_fill(&hm, 1, fill), "#440154") &&
	      !strcmp(ds_heatmap_fill(&hm, 0.25, fill), "#440154") &&
	      !strcmp(ds_heatmap_fill(&hm, 1536, fill), "#fde725"),
	      "heatmap: 0 is the clean fill, 1 (and an estimate below it) the scale's low end, max its top");
	ds_heatmap_free(&hm);
}

static void test_svg(void)
{
	char buf[32], *out = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(ds_svg_nice_step(4000, 60) == 100 && ds_svg_nice_step(3000, 60) == 50 &&
	      ds_svg_nice_step(7, 10) == 1 && ds_svg_nice_step(0.3, 10) == 0.05,
	      "svg: 1-2-5 steps");
	CHECK(!strcmp(ds_svg_palette(0, buf), "#440154") &&
	      !strcmp(ds_svg_palette(1, buf), "#fde725") &&
	      !strcmp(ds_svg_palette(2, buf), "#fde725"),
	      "svg: palette ends, clamped");
	CHECK(!strcmp(ds_svg_si(buf, sizeof(buf), 1024, 1024), "1K") &&
	      !strcmp(ds_svg_si(buf, sizeof(buf), 2000, 1000), "2K") &&
	      !strcmp(ds_svg_si(buf, sizeof(buf), 1536, 1024), "1.5K") &&
	      !strcmp(ds_svg_si(buf, sizeof(buf), 0, 1000), "0"),
	      "svg: tick labels");
	f = open_memstream(&out, &len);
	ds_svg_text(f, 1.5, 2, NULL, "a<b & \"c\" 'd'%s", "\x01");
	fclose(f);
	CHECK(!strcmp(out, "<text x=\"1.5\" y=\"2\">a&lt;b &amp; &quot;c&quot; &apos;d&apos;?</text>\n"),
	      "svg: text escaped, control characters replaced");
	free(out);
}

/* the XML escaping of the SVG charts and of gate's JUnit file */
static void test_xml(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&out, &len);
	ds_xml_escape(f, "<a href='x'>&\"</a>");
	ds_xml_attr(f, "message", "1.5x slower\n\x02p < 0.01\t");
	fclose(f);
	CHECK(!strcmp(out, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;"
		      " message=\"1.5x slower&#10;?p &lt; 0.01\t\""),
	      "xml: text and attribute escaped, newline kept, control replaced (%s)",
	      out);
	free(out);
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

/* known lat entries of the default path: scan and two fentry ops */
static size_t lat_sample_fn(struct lat_entry *e)
{
	memset(e, 0, 3 * sizeof(*e));
	e[0].key = (struct lat_key){ .op = DS_OP_SCAN, .domain_id = LAT_ALL_DOMAINS };
	e[0].hist.slots[6] = 10;	/* 64..127 us */
	e[0].hist.sum_ns = 900000;
	e[1].key = (struct lat_key){ .op = LAT_OP_GET_BITMAP,
				     .domain_id = LAT_ALL_DOMAINS };
	e[1].hist.slots[9] = 10;	/* 512..1023 us */
	e[1].hist.sum_ns = 5791008;
	e[2].key = (struct lat_key){ .op = LAT_OP_TYPE1_DIRTY,
				     .domain_id = LAT_ALL_DOMAINS };
	e[2].hist.slots[7] = 80;	/* 128..255 us */
	e[2].hist.slots[2] = 1;		/* 4..7 us: the failed call */
	e[2].hist.sum_ns = 16359840;
	e[2].hist.errors = 1;
	return 3;
}

static const struct lat_units usecs = { "usecs", 1000 };

static int emit(const char *what, const char *file, const char *dialect)
{
	struct lat_entry e[3];
	struct ds_rate_row rows[NSTREAM];
	struct ds_om om;
	int err, d = 0;		/* the default of --prom-format */
	size_t n;

	if (!strcmp(what, "lat-json")) {
		n = lat_sample(e);
		return ds_json_print(stdout, lat_json(e, n, &usecs, true, 1700000000.5,
						      TWO_S, 0), true);
	}
	if (!strcmp(what, "lat-json-fn")) {
		n = lat_sample_fn(e);
		return ds_json_print(stdout, lat_json(e, n, &usecs, false, 1700000000.5,
						      TWO_S, 0), true);
	}
	if (!strcmp(what, "rate-json")) {
		n = ds_rate_compute(stream, NSTREAM, TWO_S, rows, NSTREAM);
		return ds_json_print(stdout, ds_rate_json(rows, n, 1700000000.5,
							  TWO_S, 3, false), true);
	}
	if (!file || (dialect && (d = ds_om_dialect_parse(dialect)) < 0))
		return 2;
	err = ds_om_begin(&om, file, d);
	if (err)
		return 1;
	if (!strcmp(what, "lat-prom")) {
		n = lat_sample(e);
		/* scan and split wanted, merge too (no data: empty family) */
		lat_om(&om, e, n, true,
		       1U << DS_OP_SPLIT | 1U << DS_OP_MERGE | 1U << DS_OP_SCAN);
	} else if (!strcmp(what, "lat-prom-nodomain")) {
		n = lat_sample(e);
		lat_om(&om, e + 2, 1, false, 1U << DS_OP_SCAN | 1U << DS_OP_CLEAR);
	} else if (!strcmp(what, "lat-prom-fn")) {
		n = lat_sample_fn(e);
		/* set_tracking wanted too (no data: a zero series) */
		lat_om(&om, e, n, false, 1U << DS_OP_SCAN |
		       1U << LAT_OP_GET_BITMAP | 1U << LAT_OP_SET_TRACKING |
		       1U << LAT_OP_TYPE1_DIRTY);
	} else if (!strcmp(what, "rate-prom")) {
		struct ds_dirty_event all[NSTREAM + NDEV_STREAM];
		struct ds_rate_row all_rows[NSTREAM + NDEV_STREAM];

		/* with devices: their series are labelled device="vfio0" */
		memcpy(all, stream, sizeof(stream));
		memcpy(all + NSTREAM, dev_stream, sizeof(dev_stream));
		n = ds_rate_compute(all, NSTREAM + NDEV_STREAM, TWO_S, all_rows,
				    NSTREAM + NDEV_STREAM);
		ds_rate_om(&om, all_rows, n);
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
		fprintf(stderr, "usage: %s check GOLDEN_DIR | lat-json | lat-json-fn | rate-json | "
			"{lat-prom|lat-prom-nodomain|lat-prom-fn|rate-prom} FILE [DIALECT]\n",
			argv[0]);
		return 2;
	}
	test_slots();
	test_print(argv[2]);
	test_rate();
	test_rate_devices();
	test_decimal();
	test_numparse();
	test_labels();
	test_om_errors();
	test_lat_add();
	test_lat_delta();
	test_recfile();
	test_heatmap();
	test_heatmap_bitmaps();
	test_svg();
	test_xml();
	return failures ? 1 : 0;
}
