/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DMA write workloads of the reference pre-copy loop: which page the
 * device writes next, and when.  Deterministic for a seed, so the guest
 * run (real DMA) and the simulator (no device) see the same stream.
 *
 *   uniform           every write goes to a page drawn uniformly
 *   hotset[:P[:S]]    P% of the pages (default 10) take S% of the
 *                     writes (default 90); hot pages are scattered
 *   ring[:N]          writes walk N consecutive pages in order and wrap,
 *                     as a NIC fills its RX ring (default: a quarter of
 *                     the range, starting at its first page)
 *
 * Writes are evenly spaced: write i happens i * period_ns after the
 * start.  Pure code, no I/O.
 */
#ifndef DS_WORKLOAD_H
#define DS_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ds_wl_kind {
	DS_WL_UNIFORM,
	DS_WL_HOTSET,
	DS_WL_RING,
};

struct ds_wl {
	enum ds_wl_kind kind;
	unsigned int hot_pct;		/* hotset: share of the pages */
	unsigned int hot_share;		/* hotset: share of the writes */
	uint64_t ring_pages;		/* ring: 0 = npages / 4 */

	/* set by ds_wl_init() */
	uint64_t npages;
	uint64_t period_ns;
	uint64_t rng;
	uint64_t n;			/* writes generated so far */
	uint64_t *hot, nhot;		/* hotset: the hot pages */
	uint64_t *cold, ncold;		/* hotset: the others */
};

/* splitmix64: the generator of every random choice in the policy code */
static inline uint64_t ds_rand64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n), n > 0 */
static inline uint64_t ds_rand_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)ds_rand64(state) * n) >> 64);
}

/* uniform in [0, 1) */
static inline double ds_rand_unit(uint64_t *state)
{
	return (double)(ds_rand64(state) >> 11) * 0x1.0p-53;
}

/* "hotset:10:90" -> *w (not yet initialized); 0 or -EINVAL */
int ds_wl_parse(const char *s, struct ds_wl *w);
/* canonical spelling: "hotset:10:90" */
void ds_wl_format(const struct ds_wl *w, char *buf, size_t len);
/*
 * Ready @w for @npages pages and @rate writes per second; 0, -EINVAL
 * (rate 0, ring longer than the range, ...) or -ENOMEM.
 */
int ds_wl_init(struct ds_wl *w, uint64_t npages, uint64_t rate,
	       uint64_t seed);
/* the next write: its page; *t_ns: its time from the start */
uint64_t ds_wl_next(struct ds_wl *w, uint64_t *t_ns);
void ds_wl_free(struct ds_wl *w);

#endif /* DS_WORKLOAD_H */
