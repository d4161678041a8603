// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO type1 UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP from
 * several threads at once, with hardware dirty tracking (HTTU on) while
 * logging: a VMM may unmap guest memory from one thread while another
 * reads dirty bitmaps. Boot with "scripts/vm.sh --smp 2 --edu 2 --httu on"
 * (suite "smp"); it drives the second edu device.
 *
 * NSLOTS mappings of SLOT_PAGES pages each, shared out among NUNMAP
 * threads. For a fixed wall time (-t, default 4 s) each such thread loops
 * over its slots: map the slot (a mapping made while logging starts
 * dirty: a clearing GET_BITMAP of the slot cleans it), have edu DMA-write a
 * few random pages of it (DMA is one device: a mutex serialises it, not
 * the ioctls), then unmap it with GET_DIRTY_BITMAP, whose bitmap must name
 * exactly the pages it wrote there; meanwhile a reader thread reads
 * GET_BITMAP (clearing) over a mapping of its own that the unmappers' DMA
 * also writes, and the calls overlap each other (counted, and required).
 * Last, logging stops cleanly and every slot maps and takes a DMA again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define BASE_IOVA	0x1000000ULL
#define READER_IOVA	0x2000000ULL	/* the reader's mapping, SLOT_LEN */
#define SLOT_PAGES	16UL
#define SLOT_LEN	(SLOT_PAGES * EDU_PAGE_SIZE)
#define NSLOTS		8
#define NUNMAP		2
#define AREA_LEN	(NSLOTS * SLOT_LEN)
#define WRITES		3	/* DMA writes per slot and round */

static struct edu_dev d;
static void *buf, *rbuf;
static size_t dma_len;
static double seconds = 4;
static pthread_mutex_t dma_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int inside;		/* threads inside an ioctl */
static atomic_bool stop;
static atomic_ulong overlaps, unmaps, reads;
static atomic_ulong mismatches, errors, dma_errors;

static uint64_t slot_iova(int s)
{
	return BASE_IOVA + (uint64_t)s * SLOT_LEN;
}

/* Enter an ioctl: count it as an overlap when another thread is in one */
static void enter(void)
{
	if (atomic_fetch_add(&inside, 1) > 0)
		atomic_fetch_add(&overlaps, 1);
}

static void leave(void)
{
	atomic_fetch_sub(&inside, 1);
}

static void *unmapper(void *arg)
{
	int first = (int)(long)arg, s, i, ret;
	unsigned int seed = 12345 + first;
	uint64_t bm[1], want;

	while (!atomic_load(&stop)) {
		for (s = first; s < NSLOTS; s += NUNMAP) {
			enter();
			ret = edu_map(&d, (char *)buf + (size_t)s * SLOT_LEN, slot_iova(s),
				      SLOT_LEN);
			leave();
			if (ret) {
				atomic_fetch_add(&errors, 1);
				continue;
			}
			enter();
			ret = edu_type1_dirty_get(&d, slot_iova(s), SLOT_LEN, bm);
			leave();
			if (ret) {
				atomic_fetch_add(&errors, 1);
				continue;
			}
			want = 0;
			pthread_mutex_lock(&dma_lock);
			for (i = 0; i < WRITES; i++) {
				unsigned int p = rand_r(&seed) % SLOT_PAGES;

				if (edu_dma_to_ram(&d, slot_iova(s) + p * EDU_PAGE_SIZE, dma_len))
					atomic_fetch_add(&dma_errors, 1);
				else
					want |= 1ULL << p;
			}
			/* and a page of the reader's */
			if (edu_dma_to_ram(&d, READER_IOVA + (rand_r(&seed) % SLOT_PAGES) *
					   EDU_PAGE_SIZE, dma_len))
				atomic_fetch_add(&dma_errors, 1);
			pthread_mutex_unlock(&dma_lock);
			enter();
			ret = edu_type1_unmap_dirty(&d, slot_iova(s), SLOT_LEN, bm);
			leave();
			if (ret) {
				atomic_fetch_add(&errors, 1);
				continue;
			}
			atomic_fetch_add(&unmaps, 1);
			if (bm[0] != want) {
				if (atomic_fetch_add(&mismatches, 1) < 3)
					printf("# slot %d: unmap bitmap %#llx, pages written %#llx\n",
					       s, (unsigned long long)bm[0],
					       (unsigned long long)want);
			}
		}
	}
	return NULL;
}

/* Clearing reads of the reader's own mapping */
static void *reader(void *arg)
{
	uint64_t bm[1];
	int ret;

	(void)arg;
	while (!atomic_load(&stop)) {
		enter();
		ret = edu_type1_dirty_get(&d, READER_IOVA, SLOT_LEN, bm);
		leave();
		if (ret)
			atomic_fetch_add(&errors, 1);
		else
			atomic_fetch_add(&reads, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[NUNMAP + 1];
	uint32_t flags = 0;
	uint64_t pgsizes, maxbm;
	int i, c, ok = 0;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't' || (seconds = atof(optarg)) <= 0) {
			fprintf(stderr, "usage: type1_unmap_concurrency [-t SECONDS]\n");
			return 2;
		}
	}
	tap_plan(6);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	buf = edu_buf_alloc(AREA_LEN, false);
	rbuf = edu_buf_alloc(SLOT_LEN, false);
	if (!tap_ok(buf && rbuf && !edu_find_nth(1, d.bdf, sizeof(d.bdf)) && !edu_type1_open(&d) &&
		    !edu_type1_migration_cap_flags(&d, &flags, &pgsizes, &maxbm) &&
		    (flags & VFIO_IOMMU_MIGRATION_HW_DIRTY),
		    "type1 container on %s with hardware dirty tracking (flags %#x)",
		    d.bdf, flags))
		return tap_finish();
	/* the reader's mapping, then logging on */
	if (!tap_ok(!edu_map(&d, rbuf, READER_IOVA, SLOT_LEN) && !edu_enable(&d) &&
		    !edu_type1_dirty_start(&d),
		    "device enabled, the reader's mapping, dirty logging started"))
		return tap_finish();

	for (i = 0; i < NUNMAP; i++)
		pthread_create(&t[i], NULL, unmapper, (void *)(long)i);
	pthread_create(&t[NUNMAP], NULL, reader, NULL);
	{
		struct timespec ts = { (time_t)seconds,
				       (long)((seconds - (time_t)seconds) * 1e9) };

		nanosleep(&ts, NULL);
	}
	atomic_store(&stop, true);
	for (i = 0; i <= NUNMAP; i++)
		pthread_join(t[i], NULL);

	tap_ok(atomic_load(&unmaps) >= 2 * NSLOTS && atomic_load(&overlaps) > 0 &&
	       atomic_load(&reads) > 0,
	       "%lu unmaps with GET_DIRTY_BITMAP from %d threads and %lu reads from a third in %.1f s, %lu overlapping calls",
	       atomic_load(&unmaps), NUNMAP, atomic_load(&reads), seconds,
	       atomic_load(&overlaps));
	tap_ok(atomic_load(&mismatches) == 0,
	       "every unmap's bitmap names exactly the pages DMA wrote to its slot (%lu differ)",
	       atomic_load(&mismatches));
	tap_ok(atomic_load(&errors) == 0 && atomic_load(&dma_errors) == 0,
	       "no call failed: %lu errors, %lu DMA errors",
	       atomic_load(&errors), atomic_load(&dma_errors));

	/* quiescent: logging stops, every slot maps and takes a DMA again */
	if (!edu_type1_dirty_stop(&d)) {
		for (i = 0, ok = 1; i < NSLOTS && ok; i++)
			ok = !edu_map(&d, (char *)buf + (size_t)i * SLOT_LEN, slot_iova(i),
				      SLOT_LEN) &&
			     !edu_dma_to_ram(&d, slot_iova(i), dma_len) &&
			     !edu_unmap(&d, slot_iova(i), SLOT_LEN);
	}
	tap_ok(ok, "logging stops; every slot maps, takes a DMA and unmaps again");

	edu_close(&d);
	edu_buf_free(buf, AREA_LEN);
	edu_buf_free(rbuf, SLOT_LEN);
	return tap_finish();
}
