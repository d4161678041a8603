// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host tests of record --bitmaps without BPF: the bitmap lines of the
 * recording file (src/recfile.c) and the assembly and ordering of the
 * ring buffer records (src/bmcap.c).
 *
 *	test_bitmaps check	"ok - ..." / "not ok - ..." lines, exit 1 on failure
 *	test_bitmaps gen	a version-2 recording with the bitmaps below
 *				on stdout (run.sh checks it against the
 *				format independently and reports on it)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "bmcap.h"
#include "recfile.h"

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

#define PAGE	4096ULL

/* a bitmap of npages pages with the listed ones set */
static struct ds_rec_bitmap bm_make(__u64 ts, __u32 uapi, __u32 kind,
				    __u64 iova, __u64 npages, const __u64 *pages,
				    size_t n)
{
	struct ds_rec_bitmap b = {
		.ts_ns = ts, .duration_ns = 1000 + ts % 977, .iova = iova,
		.size = npages * PAGE, .pgsize = PAGE, .uapi = uapi,
		.kind = kind,
	};
	size_t i;

	b.bits = calloc(npages / 64 + 1, 8);
	for (i = 0; i < n; i++)
		b.bits[pages[i] / 64] |= 1ULL << (pages[i] % 64);
	return b;
}

static bool bm_equal(const struct ds_rec_bitmap *a, const struct ds_rec_bitmap *b)
{
	return a->ts_ns == b->ts_ns && a->duration_ns == b->duration_ns &&
	       a->iova == b->iova && a->size == b->size &&
	       a->pgsize == b->pgsize && a->uapi == b->uapi &&
	       a->kind == b->kind && a->ret == b->ret &&
	       !memcmp(a->bits, b->bits, ds_rec_bitmap_words(a) * 8);
}

/*
 * The bitmaps of "gen" and of the round trip; run.sh has the same table:
 * (ts, uapi, kind, iova, npages, pages set).
 */
static const __u64 p_one[] = { 0 };
static const __u64 p_seven[] = { 1, 6 };
static const __u64 p_eight[] = { 0, 7 };
static const __u64 p_nine[] = { 8 };
static const __u64 p_word[] = { 0, 63, 64 };
static const __u64 p_big[] = { 0, 1, 32767, 32768, 40000, 40960 };

static const struct gen_bm {
	__u64 ts;
	__u32 uapi, kind;
	__u64 iova, npages;
	const __u64 *pages;
	size_t n;
} gen_bms[] = {
	{ 1100000000, DS_BM_IOMMUFD, DS_BM_GET, 0x1000000, 1, p_one, 1 },
	{ 1200000000, DS_BM_IOMMUFD, DS_BM_GET_NOCLEAR, 0x1000000, 7, p_seven, 2 },
	{ 1300000000, DS_BM_IOMMUFD, DS_BM_CLEAR, 0x1000000, 8, p_eight, 2 },
	{ 1400000000, DS_BM_TYPE1, DS_BM_GET, 0, 9, p_nine, 1 },
	{ 1500000000, DS_BM_TYPE1, DS_BM_GET_NOCLEAR, 0x40000000, 65, p_word, 3 },
	{ 1600000000, DS_BM_TYPE1, DS_BM_CLEAR, 0x10000000, 40961, p_big, 6 },
	{ 1700000000, DS_BM_TYPE1, DS_BM_GET, 0x10000000, 40961, NULL, 0 },
};

#define NGEN	(sizeof(gen_bms) / sizeof(gen_bms[0]))

static struct ds_rec_bitmap gen_bitmap(size_t i)
{
	const struct gen_bm *g = &gen_bms[i];

	return bm_make(g->ts, g->uapi, g->kind, g->iova, g->npages, g->pages,
		       g->n);
}

static struct ds_rec_header gen_header(void)
{
	struct ds_rec_header h = {
		.version = DS_REC_VERSION_BITMAPS,
		.clock_base_ns = 1700000000LL * 1000000000LL,
		.start_ns = 1000000000,
	};

	snprintf(h.dirtyscope, sizeof(h.dirtyscope), "test_bitmaps");
	snprintf(h.kernel, sizeof(h.kernel), "6.12.0-dirtyscope");
	snprintf(h.machine, sizeof(h.machine), "aarch64");
	snprintf(h.hostname, sizeof(h.hostname), "testbed");
	return h;
}

/* header, a scan event after every bitmap, the bitmaps, the trailer */
static int gen(FILE *f)
{
	struct ds_rec_header h = gen_header();
	struct ds_rec_trailer t = {
		.present = true, .end_ns = 2000000000, .events = NGEN,
		.has_bitmaps = true, .bitmaps = NGEN, .bitmaps_lost = 2,
	};
	size_t i;
	int err = ds_rec_write_header(f, &h, NULL, 0);

	for (i = 0; i < NGEN && !err; i++) {
		struct ds_rec_bitmap b = gen_bitmap(i);
		struct ds_dirty_event e = {
			.ts_ns = b.ts_ns + 10, .op = DS_OP_SCAN, .domain_id = 1,
			.iova = b.iova, .size = b.size, .pgsize = PAGE,
			.leaves = b.size / PAGE, .dirty = gen_bms[i].n,
			.duration_ns = 500 + 100 * i,
		};

		err = ds_rec_write_bitmap(f, &b) || ds_rec_write_event(f, &e);
		free(b.bits);
	}
	return err || ds_rec_write_trailer(f, &t) || fflush(f);
}

static int read_buf(const char *buf, size_t len, struct ds_recording *r,
		    char *reason, size_t rlen, size_t *line)
{
	FILE *f = fmemopen((void *)buf, len, "r");
	int err = ds_rec_read(f, r, line, reason, rlen);

	fclose(f);
	return err;
}

static void test_round_trip(void)
{
	struct ds_rec_bitmap b[NGEN + 2];
	struct ds_recording r;
	char *buf = NULL, reason[256];
	size_t len = 0, line, i;
	bool same = true;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	err = gen(f);
	fclose(f);
	CHECK(!err, "recfile: a version-2 recording with %zu bitmaps is written", NGEN);
	err = read_buf(buf, len, &r, reason, sizeof(reason), &line);
	CHECK(!err && r.hdr.version == 2 && r.n == NGEN && r.nbm == NGEN,
	      "recfile: it reads back: %zu events, %zu bitmaps%s%s", r.n, r.nbm,
	      err ? ": " : "", err ? reason : "");
	for (i = 0; i < NGEN && !err; i++) {
		b[i] = gen_bitmap(i);
		same &= bm_equal(&b[i], &r.bm[i]);
		free(b[i].bits);
	}
	CHECK(!err && same,
	      "recfile: every field and bit of 1, 7, 8, 9, 65 and 40961-page bitmaps round-trips");
	CHECK(!err && r.end.has_bitmaps && r.end.bitmaps == NGEN &&
	      r.end.bitmaps_lost == 2 && r.end.events == NGEN,
	      "recfile: the version-2 trailer's bitmaps and bitmaps_lost round-trip");
	CHECK(!err && strstr(buf, "{\"ts_ns\":1300000000,\"op\":\"bitmap_clear\",\"uapi\":\"iommufd\","
			     "\"iova\":16777216,\"size\":32768,\"pgsize\":4096,\"ret\":0,"
			     "\"duration_ns\":1869,\"bits\":\"81\"}\n"),
	      "recfile: the exact line of an 8-page bitmap with pages 0 and 7");
	ds_rec_free(&r);

	/* the limits of every field */
	b[0] = bm_make(UINT64_MAX, DS_BM_TYPE1, DS_BM_CLEAR,
		       UINT64_MAX - 2 * PAGE + 1, 2, p_seven, 1);
	b[0].duration_ns = UINT64_MAX;
	b[0].ret = INT32_MIN;
	b[1] = bm_make(0, DS_BM_IOMMUFD, DS_BM_GET, 0, 1, NULL, 0);
	b[1].pgsize = 1ULL << 63;
	b[1].size = 1ULL << 63;
	b[1].ret = INT32_MAX;
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	{
		struct ds_rec_header h = gen_header();
		struct ds_rec_trailer t = { .present = true, .end_ns = UINT64_MAX,
					    .has_bitmaps = true, .bitmaps = 2 };

		h.start_ns = 0;
		/* file order is ts order: b[1] first */
		err = ds_rec_write_header(f, &h, NULL, 0) ||
		      ds_rec_write_bitmap(f, &b[1]) ||
		      ds_rec_write_bitmap(f, &b[0]) ||
		      ds_rec_write_trailer(f, &t);
	}
	fclose(f);
	err = err || read_buf(buf, len, &r, reason, sizeof(reason), &line);
	CHECK(!err && r.nbm == 2 && bm_equal(&r.bm[0], &b[1]) &&
	      bm_equal(&r.bm[1], &b[0]),
	      "recfile: bitmaps at the limits of every field round-trip%s%s",
	      err ? ": " : "", err ? reason : "");
	ds_rec_free(&r);
	free(b[0].bits);
	free(b[1].bits);
	free(buf);
}

/* ds_rec_write_bitmap() refuses what the reader would refuse, writes nothing */
static void test_write_refused(void)
{
	static const struct {
		const char *what;
		__u64 iova, size, pgsize;
		__u32 uapi, kind;
		__u64 stray;		/* a bit to set, 0 for none */
	} cases[] = {
		{ "pgsize 0", 0, PAGE, 0, 0, 0, 0 },
		{ "pgsize 3000", 0, 9000, 3000, 0, 0, 0 },
		{ "size 0", 0, 0, PAGE, 0, 0, 0 },
		{ "size not a multiple of pgsize", 0, 10000, PAGE, 0, 0, 0 },
		{ "iova + size beyond 2^64", UINT64_MAX - PAGE + 2, PAGE, PAGE, 0, 0, 0 },
		{ "uapi 2", 0, PAGE, PAGE, 2, 0, 0 },
		{ "kind 3", 0, PAGE, PAGE, 0, 3, 0 },
		{ "bit 20 set with 20 pages", 0, 20 * PAGE, PAGE, 0, 0, 20 },
		{ "bit 63 set with 20 pages", 0, 20 * PAGE, PAGE, 0, 0, 63 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u64 bits[2] = {};
		struct ds_rec_bitmap b = {
			.iova = cases[i].iova, .size = cases[i].size,
			.pgsize = cases[i].pgsize, .uapi = cases[i].uapi,
			.kind = cases[i].kind, .bits = bits,
		};
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		int err;

		if (cases[i].stray)
			bits[cases[i].stray / 64] |= 1ULL << (cases[i].stray % 64);
		errno = 0;
		err = ds_rec_write_bitmap(f, &b);
		CHECK(err == -1 && errno == EINVAL && (fflush(f), len == 0),
		      "recfile: ds_rec_write_bitmap refuses %s (EINVAL, nothing written)",
		      cases[i].what);
		fclose(f);
		free(buf);
	}
}

static void test_end_ns(void)
{
	static const char v2[] =
		"{\"format\":\"dirtyscope-record\",\"version\":2,\"dirtyscope\":\"0.1\","
		"\"kernel\":\"k\",\"machine\":\"m\",\"hostname\":\"h\","
		"\"clock\":\"CLOCK_MONOTONIC\",\"clock_base_ns\":0,\"start_ns\":5}\n"
		"{\"ts_ns\":7,\"op\":\"scan\",\"domain_id\":1,\"iova\":0,\"size\":4096,"
		"\"pgsize\":4096,\"leaves\":1,\"dirty\":0,\"flags\":0,\"ret\":0,"
		"\"duration_ns\":1}\n"
		"{\"ts_ns\":9,\"op\":\"bitmap_get\",\"uapi\":\"type1\",\"iova\":0,"
		"\"size\":4096,\"pgsize\":4096,\"ret\":0,\"duration_ns\":1,\"bits\":\"01\"}\n";
	struct ds_recording r;
	char reason[256];
	size_t line;
	int err;

	err = read_buf(v2, strlen(v2), &r, reason, sizeof(reason), &line);
	CHECK(!err && !r.end.present && r.nbm == 1 && r.bm[0].bits[0] == 1 &&
	      ds_rec_end_ns(&r) == 9,
	      "recfile: without a trailer the end is the last line, a bitmap too%s%s",
	      err ? ": " : "", err ? reason : "");
	ds_rec_free(&r);
}

/* bmcap */

/* one record of a call: chunk i of a bitmap of npages from bits */
static struct ds_bm_chunk *chunk(__u64 id, __u64 ts, __u32 kind, __u64 npages,
				 __u32 i, const __u8 *bytes)
{
	static struct ds_bm_chunk r;
	__u64 nbytes = (npages + 7) / 8, off = (__u64)i * DS_BM_CHUNK_BYTES;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.ts_ns = ts;
	r.duration_ns = 100;
	r.iova = 0x1000000;
	r.size = npages * PAGE;
	r.pgsize = PAGE;
	r.uapi = DS_BM_TYPE1;
	r.kind = kind;
	r.chunk = i;
	r.nchunks = (nbytes + DS_BM_CHUNK_BYTES - 1) / DS_BM_CHUNK_BYTES;
	r.len = nbytes - off > DS_BM_CHUNK_BYTES ? DS_BM_CHUNK_BYTES : nbytes - off;
	memcpy(r.bits, bytes + off, r.len);
	return &r;
}

static void event(struct ds_bmcap *c, __u64 ts)
{
	struct ds_dirty_event e = { .ts_ns = ts, .op = DS_OP_SCAN, .size = PAGE,
				    .pgsize = PAGE, .duration_ns = 1 };

	ds_bmcap_event(c, &e);
}

/* "e<ts>" or "b<ts>:<kind>:<npages>" per line written, space separated */
static void summary(const char *buf, char *out, size_t len)
{
	const char *p = buf;

	out[0] = '\0';
	while (p && *p) {
		unsigned long long ts, size;
		char op[32];

		if (sscanf(p, "{\"ts_ns\":%llu,\"op\":\"%31[a-z_]\"", &ts, op) == 2) {
			if (!strncmp(op, "bitmap_", 7) &&
			    sscanf(strstr(p, "\"size\":"), "\"size\":%llu", &size) == 1)
				snprintf(out + strlen(out), len - strlen(out), "%sb%llu:%s:%llu",
					 out[0] ? " " : "", ts, op + 7, size / PAGE);
			else
				snprintf(out + strlen(out), len - strlen(out), "%se%llu",
					 out[0] ? " " : "", ts);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static void test_bmcap_order(void)
{
	__u8 one[1] = { 0x05 };
	char *buf = NULL, got[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ds_bmcap *c = ds_bmcap_new(f);

	/* call 7 entered at 100; its scan (150) comes before its bitmap */
	event(c, 50);
	event(c, 150);
	ds_bmcap_flush(c, 100);		/* the oldest call in flight */
	fflush(f);
	summary(buf, got, sizeof(got));
	CHECK(!strcmp(got, "e50"),
	      "bmcap: a call in flight holds back the lines after its entry: %s", got);
	ds_bmcap_chunk(c, chunk(7, 100, DS_BM_GET, 3, 0, one), sizeof(struct ds_bm_chunk), 10);
	event(c, 120);
	ds_bmcap_flush(c, 140);
	fflush(f);
	summary(buf, got, sizeof(got));
	CHECK(!strcmp(got, "e50 b100:get:3 e120"),
	      "bmcap: the bitmap is written at its entry time, before its scan: %s", got);
	ds_bmcap_flush(c, UINT64_MAX);
	fflush(f);
	summary(buf, got, sizeof(got));
	CHECK(!strcmp(got, "e50 b100:get:3 e120 e150"),
	      "bmcap: the rest in time order: %s", got);
	CHECK(strstr(buf, "\"bits\":\"05\"") && ds_bmcap_stats(c)->events == 3 &&
	      ds_bmcap_stats(c)->bitmaps == 1,
	      "bmcap: the bits and the counts of lines written");
	ds_bmcap_free(c);
	fclose(f);
	free(buf);
}

static void test_bmcap_chunks(void)
{
	static __u8 a[5121], b2[9];	/* 40961 pages: 2 records; 65 pages */
	char *buf = NULL, got[512], reason[256];
	struct ds_recording r;
	size_t len = 0, line;
	FILE *f = open_memstream(&buf, &len);
	struct ds_bmcap *c = ds_bmcap_new(f);
	struct ds_rec_header h = gen_header();
	struct ds_rec_trailer t = { .present = true, .end_ns = 2000000000,
				    .has_bitmaps = true };
	const struct ds_bmcap_stats *st = ds_bmcap_stats(c);
	int err;

	a[0] = 0x03;
	a[4095] = 0x80;
	a[4096] = 0x01;
	a[5120] = 0xff;		/* page 40960 and 7 bits beyond: masked */
	b2[0] = 0x01;
	b2[8] = 0x01;		/* page 64 */
	ds_rec_write_header(f, &h, NULL, 0);
	/* two calls interleaved, ids 1 and 2 */
	ds_bmcap_chunk(c, chunk(1, 1100000000, DS_BM_CLEAR, 40961, 0, a), sizeof(struct ds_bm_chunk), 1);
	ds_bmcap_chunk(c, chunk(2, 1200000000, DS_BM_GET_NOCLEAR, 65, 0, b2), sizeof(struct ds_bm_chunk), 1);
	ds_bmcap_chunk(c, chunk(1, 1100000000, DS_BM_CLEAR, 40961, 1, a), sizeof(struct ds_bm_chunk), 1);
	ds_bmcap_expire(c, NULL, 0, 2, true);
	err = ds_bmcap_flush(c, UINT64_MAX);
	t.events = st->events;
	t.bitmaps = st->bitmaps;
	ds_rec_write_trailer(f, &t);
	fclose(f);
	summary(buf, got, sizeof(got));
	CHECK(!err && !strcmp(got, "b1100000000:clear:40961 b1200000000:get_noclear:65"),
	      "bmcap: two calls' records interleaved, one of two records: %s", got);
	err = read_buf(buf, len, &r, reason, sizeof(reason), &line);
	CHECK(!err && r.nbm == 2 && r.bm[0].bits[0] == 3 &&
	      r.bm[0].bits[4095 / 8] == 0x80ULL << 56 && r.bm[0].bits[4096 / 8] == 1 &&
	      r.bm[0].bits[640] == 1 && r.bm[1].bits[0] == 1 && r.bm[1].bits[1] == 1,
	      "bmcap: the assembled bits, those beyond the last page cleared, read back%s%s",
	      err ? ": " : "", err ? reason : "");
	CHECK(st->malformed == 0 && st->incomplete == 0 && st->late == 0,
	      "bmcap: nothing dropped");
	ds_rec_free(&r);
	ds_bmcap_free(c);
	free(buf);
}

static void test_bmcap_drops(void)
{
	static __u8 a[8193];		/* up to 65537 pages */
	char *buf = NULL, got[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ds_bmcap *c = ds_bmcap_new(f);
	const struct ds_bmcap_stats *st = ds_bmcap_stats(c);
	const struct ds_bm_call inflight[] = { { 4, 400 } };
	const size_t sz = sizeof(struct ds_bm_chunk);
	struct ds_bm_chunk *k;

	/* the read failed in BPF: dropped at once, counted there */
	k = chunk(1, 100, DS_BM_GET, 40961, 0, a);
	k->err = -EFAULT;
	ds_bmcap_chunk(c, k, sz, 1);
	ds_bmcap_chunk(c, chunk(1, 100, DS_BM_GET, 40961, 1, a), sz, 1);
	CHECK(st->incomplete == 1 && st->malformed == 0,
	      "bmcap: a record with err drops its call (BPF counted it)");
	/* record 1 missing: record 2 of a 3-record call is refused */
	ds_bmcap_chunk(c, chunk(2, 200, DS_BM_GET, 65537, 0, a), sz, 1);
	ds_bmcap_chunk(c, chunk(2, 200, DS_BM_GET, 65537, 2, a), sz, 1);
	CHECK(st->malformed == 1, "bmcap: a record out of order drops the call, counted");
	/* what BPF would never send */
	k = chunk(3, 300, DS_BM_GET, 8, 0, a);
	k->pgsize = 3000;
	ds_bmcap_chunk(c, k, sz, 1);
	k = chunk(3, 301, DS_BM_GET, 8, 0, a);
	k->nchunks = 2;
	ds_bmcap_chunk(c, k, sz, 1);
	ds_bmcap_chunk(c, chunk(3, 302, DS_BM_GET, 8, 0, a), sz - 1, 1);
	k = chunk(3, 303, DS_BM_GET, 8, 0, a);
	k->uapi = 9;
	ds_bmcap_chunk(c, k, sz, 1);
	CHECK(st->malformed == 5,
	      "bmcap: pgsize 3000, a wrong record count, a short record, uapi 9: dropped, counted (%llu)",
	      (unsigned long long)st->malformed);
	/* first record of a call still running, and of one that is not */
	ds_bmcap_chunk(c, chunk(4, 400, DS_BM_GET, 40961, 0, a), sz, 1000);
	ds_bmcap_chunk(c, chunk(5, 500, DS_BM_GET, 40961, 0, a), sz, 1000);
	event(c, 450);
	ds_bmcap_expire(c, inflight, 1, 1000 + DS_BMCAP_ORPHAN_NS, false);
	CHECK(st->incomplete == 1,
	      "bmcap: within DS_BMCAP_ORPHAN_NS an unfinished call is kept");
	ds_bmcap_flush(c, UINT64_MAX);
	fflush(f);
	summary(buf, got, sizeof(got));
	CHECK(!strcmp(got, ""), "bmcap: calls being assembled hold back later lines: '%s'", got);
	ds_bmcap_expire(c, inflight, 1, 1001 + DS_BMCAP_ORPHAN_NS, false);
	CHECK(st->incomplete == 2,
	      "bmcap: after DS_BMCAP_ORPHAN_NS a call no longer in flight is dropped, the running one kept");
	ds_bmcap_flush(c, UINT64_MAX);
	fflush(f);
	summary(buf, got, sizeof(got));
	CHECK(!strcmp(got, ""), "bmcap: the running call still holds back the line at 450: '%s'", got);
	ds_bmcap_expire(c, NULL, 0, 1002 + DS_BMCAP_ORPHAN_NS, true);
	ds_bmcap_flush(c, UINT64_MAX);
	fflush(f);
	summary(buf, got, sizeof(got));
	CHECK(!strcmp(got, "e450") && st->incomplete == 3 && st->bitmaps == 0,
	      "bmcap: at the end every unfinished call is dropped: %s", got);
	/* a bitmap older than one already written */
	ds_bmcap_chunk(c, chunk(6, 2000, DS_BM_GET, 8, 0, a), sz, 1);
	ds_bmcap_flush(c, UINT64_MAX);
	ds_bmcap_chunk(c, chunk(7, 1999, DS_BM_GET, 8, 0, a), sz, 1);
	ds_bmcap_chunk(c, chunk(8, 2000, DS_BM_CLEAR, 8, 0, a), sz, 1);
	ds_bmcap_flush(c, UINT64_MAX);
	fflush(f);
	summary(buf, got, sizeof(got));
	CHECK(!strcmp(got, "e450 b2000:get:8 b2000:clear:8") && st->late == 1,
	      "bmcap: a bitmap older than one written is dropped, counted late: %s", got);
	ds_bmcap_free(c);
	fclose(f);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "gen"))
		return gen(stdout);
	if (argc != 2 || strcmp(argv[1], "check")) {
		fprintf(stderr, "usage: %s check | gen\n", argv[0]);
		return 2;
	}
	test_round_trip();
	test_write_refused();
	test_end_ns();
	test_bmcap_order();
	test_bmcap_chunks();
	test_bmcap_drops();
	return failures ? 1 : 0;
}
