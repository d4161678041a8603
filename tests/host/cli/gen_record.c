// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Synthetic recordings for the "dirtyscope report" tests, written with the
 * writer "dirtyscope record" uses (src/recfile.c):
 *
 *	gen_record basic		the small recording whose every figure
 *					run.sh checks exactly (see below)
 *	gen_record migrate [SEED]	a 60 s pre-copy live migration of two
 *					devices, for looking at the heat map
 *
 * The recording goes to stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "dirty_event.h"
#include "recfile.h"

#define MS		1000000ULL
#define US		1000ULL
#define MIB		(1ULL << 20)
#define GIB		(1ULL << 30)
#define PAGE		4096ULL

static struct ds_rec_header gen_header(__u64 start_ns)
{
	struct ds_rec_header h = {
		.version = DS_REC_VERSION,
		.clock_base_ns = 1700000000LL * 1000000000LL,
		.start_ns = start_ns,
	};

	snprintf(h.dirtyscope, sizeof(h.dirtyscope), "gen_record");
	snprintf(h.kernel, sizeof(h.kernel), "6.12.0-dirtyscope");
	snprintf(h.machine, sizeof(h.machine), "aarch64");
	snprintf(h.hostname, sizeof(h.hostname), "testbed");
	return h;
}

static __u64 nevents;

static void put(const struct ds_dirty_event *e)
{
	if (ds_rec_write_event(stdout, e)) {
		perror("gen_record: write");
		exit(1);
	}
	nevents++;
}

static void ev(__u64 ts, __u32 op, __u32 dom, __u64 iova, __u64 size,
	       __u64 pgsize, __u64 leaves, __u64 dirty, __u32 flags, __s32 ret,
	       __u64 duration)
{
	struct ds_dirty_event e = {
		.ts_ns = ts, .op = op, .domain_id = dom, .iova = iova,
		.size = size, .pgsize = pgsize, .leaves = leaves, .dirty = dirty,
		.flags = flags, .ret = ret, .duration_ns = duration,
	};

	put(&e);
}

static int finish(__u64 end_ns, __u64 dropped)
{
	struct ds_rec_trailer t = {
		.present = true, .end_ns = end_ns, .events = nevents,
		.dropped = dropped,
	};

	if (ds_rec_write_trailer(stdout, &t) || fflush(stdout)) {
		perror("gen_record: write");
		return 1;
	}
	return 0;
}

/*
 * 4 s from start_ns 1 s; domain 1 has 1 GiB at 0x40000000, domain 2
 * 64 MiB at 0.  Durations (usecs, log2 slot):
 *	split	150 (7), 200 (7)
 *	merge	300 (8)
 *	scan	1000 (9), 50 (5), 5 (2, failed), 1500 (10), 60 (5),
 *		3000 (11), 2000 (10), 500 (8)
 *	clear	10 (3), 20 (4), 40 (5)
 * Scans of domain 1: 1024, 2048, 0, 4096 dirty pages over the whole GiB
 * at 0.5, 1.5, 2.5, 3.5 s, and 768 over its first 384 MiB at 3.9 s.
 * Domain 2: 256 at 0.8 s and 2.2 s (NO_CLEAR), a failed scan of 1 GiB at
 * 0x80000000 at 1.2 s.
 */
static int gen_basic(void)
{
	const __u64 s = 1000000000ULL;
	const __u64 d1 = 0x40000000, d1size = GIB, d1leaves = GIB / PAGE;
	struct ds_rec_header h = gen_header(s);

	if (ds_rec_write_header(stdout, &h, NULL, 0))
		return 1;
	ev(s + 100 * MS, DS_OP_SPLIT, 1, d1, d1size, PAGE, 512, 512, 0, 0, 150 * US);
	ev(s + 150 * MS, DS_OP_SPLIT, 2, 0, 64 * MIB, PAGE, 32, 32, 0, 0, 200 * US);
	ev(s + 500 * MS, DS_OP_SCAN, 1, d1, d1size, PAGE, d1leaves, 1024, 0, 0, 1000 * US);
	ev(s + 600 * MS, DS_OP_CLEAR, 1, d1, d1size, PAGE, 1024, 1024, 0, 0, 10 * US);
	ev(s + 800 * MS, DS_OP_SCAN, 2, 0, 64 * MIB, PAGE, 16384, 256, 0, 0, 50 * US);
	ev(s + 1200 * MS, DS_OP_SCAN, 2, 0x80000000, GIB, PAGE, 0, 0, 0, -EFAULT, 5 * US);
	ev(s + 1500 * MS, DS_OP_SCAN, 1, d1, d1size, PAGE, d1leaves, 2048, 0, 0, 1500 * US);
	ev(s + 1600 * MS, DS_OP_CLEAR, 1, d1, d1size, PAGE, 2048, 2048, 0, 0, 20 * US);
	ev(s + 2200 * MS, DS_OP_SCAN, 2, 0, 64 * MIB, PAGE, 16384, 256,
	   DS_DIRTY_NO_CLEAR, 0, 60 * US);
	ev(s + 2500 * MS, DS_OP_SCAN, 1, d1, d1size, PAGE, d1leaves, 0, 0, 0, 3000 * US);
	ev(s + 3500 * MS, DS_OP_SCAN, 1, d1, d1size, PAGE, d1leaves, 4096, 0, 0, 2000 * US);
	ev(s + 3600 * MS, DS_OP_CLEAR, 1, d1, d1size, PAGE, 4096, 4096, 0, 0, 40 * US);
	ev(s + 3900 * MS, DS_OP_SCAN, 1, d1, 384 * MIB, PAGE, 384 * MIB / PAGE, 768,
	   0, 0, 500 * US);
	ev(s + 3950 * MS, DS_OP_MERGE, 1, d1, d1size, 2 * MIB, d1leaves, 512, 0, 0,
	   300 * US);
	return finish(s + 4000 * MS, 0);
}

/* xorshift64*: the same stream for the same seed on every machine */
static __u64 rng_state;

static __u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* uniform in [0, n) */
static __u64 rnd(__u64 n)
{
	return n ? rng() % n : 0;
}

static __u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

/* pages of [lo, hi) inside [a, b) */
static __u64 overlap_pages(__u64 lo, __u64 hi, __u64 a, __u64 b)
{
	__u64 x = lo > a ? lo : a, y = hi < b ? hi : b;

	return y > x ? (y - x) / PAGE : 0;
}

/*
 * Pre-copy migration of a VM with two assigned devices, 60 s:
 *  domain 1: 2 GiB at 0x80000000 (a GPU-like device), 2 MiB blocks split
 *	at 0.2 s; every 500 ms the VMM reads and clears the bitmap in 32 MiB
 *	pieces.  A 64 MiB ring at 0x90000000 stays hot; a streaming writer
 *	sweeps the whole 2 GiB every 40 s; a little noise everywhere.  From
 *	45 s the guest is throttled (auto-converge), at 55 s the last round
 *	(stop-and-copy), then the blocks are merged back.
 *  domain 2: 256 MiB at 0x10000000 (a NIC), read every second in 64 MiB
 *	pieces: a small rx ring, traffic bursts at 10-13 s and 30-33 s, one
 *	scan that fails (EBUSY) at 20 s.
 */
static int gen_migrate(__u64 seed)
{
	const __u64 s = 5000000000ULL, d1 = 0x80000000, d1size = 2 * GIB;
	const __u64 d2 = 0x10000000, d2size = 256 * MIB;
	const __u64 chunk1 = 32 * MIB, chunk2 = 64 * MIB;
	struct ds_rec_header h = gen_header(s);
	__u64 t, off, dirty, leaves, dur;
	int round;

	rng_state = seed ? seed : 1;
	if (ds_rec_write_header(stdout, &h, NULL, 0))
		return 1;

	/* start of dirty tracking: split the blocks, 1 GiB at a time */
	t = s + 200 * MS;
	for (off = 0; off < d1size; off += GIB) {
		dur = 3 * MS + rnd(1500) * US;
		t += dur;
		ev(t, DS_OP_SPLIT, 1, d1 + off, GIB, PAGE, 512, 512, 0, 0, dur);
	}
	dur = 700 * US;
	ev(t + dur, DS_OP_SPLIT, 2, d2, d2size, PAGE, 128, 128, 0, 0, dur);

	for (round = 1; round <= 110; round++) {
		__u64 rt = s + round * 500 * MS, ts = rt;
		double sec = (double)(rt - s) / 1e9;
		bool throttled = sec >= 45, last = round == 110;
		__u64 wave = (__u64)(sec / 40.0 * d1size) % d1size;
		__u64 wave_len = throttled ? 0 : 24 * MIB;

		for (off = 0; off < d1size; off += chunk1) {
			__u64 a = d1 + off, b = a + chunk1;

			leaves = chunk1 / PAGE;
			dirty = rnd(24);
			/* the hot ring: about half of it per round */
			dirty += overlap_pages(0x90000000, 0x94000000, a, b) /
				 (throttled ? 20 : 2) * (90 + rnd(20)) / 100;
			/* the streaming writer, the last 24 MiB behind it */
			if (wave_len) {
				__u64 w0 = d1 + (wave >= wave_len ? wave - wave_len : 0);

				dirty += overlap_pages(w0, d1 + wave, a, b);
			}
			dirty = min_u64(dirty, leaves);
			dur = leaves * 14 + dirty * 35 + rnd(40) * US;
			ts += dur;
			ev(ts, DS_OP_SCAN, 1, a, chunk1, PAGE, leaves, dirty,
			   last ? DS_DIRTY_NO_CLEAR : 0, 0, dur);
			if (dirty && !last) {
				dur = 4 * US + dirty * 45 + rnd(10) * US;
				ts += dur;
				ev(ts, DS_OP_CLEAR, 1, a, chunk1, PAGE, dirty, dirty,
				   0, 0, dur);
			}
		}
		if (round % 2)
			continue;
		/* the NIC, once a second */
		for (off = 0; off < d2size; off += chunk2) {
			__u64 a = d2 + off;
			bool burst = (sec >= 10 && sec < 13) || (sec >= 30 && sec < 33);

			leaves = chunk2 / PAGE;
			if (sec == 20 && off == 0) {
				dur = 3 * US;
				ts += dur;
				ev(ts, DS_OP_SCAN, 2, a, chunk2, PAGE, 0, 0, 0, -EBUSY, dur);
				continue;
			}
			dirty = off == 0 ? 80 + rnd(40) : rnd(4);
			if (burst && off == chunk2)
				dirty += 3000 + rnd(2000);
			dur = leaves * 14 + dirty * 35 + rnd(40) * US;
			ts += dur;
			ev(ts, DS_OP_SCAN, 2, a, chunk2, PAGE, leaves, dirty, 0, 0, dur);
			if (dirty) {
				dur = 4 * US + dirty * 45;
				ts += dur;
				ev(ts, DS_OP_CLEAR, 2, a, chunk2, PAGE, dirty, dirty, 0, 0,
				   dur);
			}
		}
	}
	/* tracking stops: merge back into blocks */
	t = s + 58 * 1000 * MS;
	for (off = 0; off < d1size; off += GIB) {
		dur = 5 * MS + rnd(2000) * US;
		t += dur;
		ev(t, DS_OP_MERGE, 1, d1 + off, GIB, 2 * MIB, GIB / PAGE, 512, 0, 0, dur);
	}
	return finish(s + 60 * 1000 * MS, 0);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "basic"))
		return gen_basic();
	if (argc >= 2 && !strcmp(argv[1], "migrate"))
		return gen_migrate(argc > 2 ? strtoull(argv[2], NULL, 0) : 1);
	fprintf(stderr, "usage: %s basic | migrate [SEED]\n", argv[0]);
	return 2;
}
