/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The simulator backend of the pre-copy loop (precopy.h): a virtual clock,
 * a device whose writes are known in advance (page, time), and a kernel
 * whose calls cost a + b * pages of the range.
 *
 * A read reports page p dirty when a write to p falls in (p's last clear,
 * now]; a send is redundant when no write to p fell in (p's last send,
 * now].  Writes after stop_device() never happen.  Reads see the clock
 * at the start of the call; the call's cost then advances it, so a write
 * during a call shows in the next read, as on the real device.
 *
 * Every read and clear can be logged as an observation (what crossed the
 * uAPI, when): the same record "dirtyscope record --bitmaps" makes of a
 * real run, which replay.h turns back into writes.
 */
#ifndef DS_POLSIM_H
#define DS_POLSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "precopy.h"
#include "workload.h"

/* kernel time of a call on n pages: a_ns + b_ns * n */
struct ds_lat_line {
	double a_ns;
	double b_ns;
};

enum ds_call {
	DS_CALL_READ_CLEAR,	/* read and clear */
	DS_CALL_READ,		/* read, no clear */
	DS_CALL_CLEAR,		/* clear by bitmap */
	DS_CALL_NR,
};

struct ds_lat_model {
	struct ds_lat_line call[DS_CALL_NR];
};

/* one bitmap that crossed the uAPI */
struct ds_obs {
	uint64_t ts_ns;		/* start of the call */
	uint64_t duration_ns;
	uint64_t first, n;	/* pages, from the start of the range */
	enum ds_call call;
	uint64_t *bits;		/* n bits, bit i = page first + i */
};

struct ds_obs_log {
	struct ds_obs *v;
	size_t n, cap;
};

void ds_obs_log_free(struct ds_obs_log *l);
/* append a copy of the bitmap; 0 or -ENOMEM */
int ds_obs_log_add(struct ds_obs_log *l, uint64_t ts, uint64_t dur,
		   uint64_t first, uint64_t n, enum ds_call call,
		   const uint64_t *bits);

static inline uint64_t ds_lat_ns(const struct ds_lat_model *m,
				 enum ds_call c, uint64_t pages)
{
	double v = m->call[c].a_ns + m->call[c].b_ns * (double)pages;

	return v > 0 ? (uint64_t)v : 0;
}

struct ds_sim {
	uint64_t npages;
	uint64_t horizon_ns;	/* writes are known up to here */
	uint64_t *off;		/* writes of page p: t[off[p]] .. t[off[p+1]-1] */
	uint64_t *t;		/* sorted per page */
	uint64_t nwrites;
	uint64_t now;
	uint64_t stopped_at;	/* UINT64_MAX while the device runs */
	uint64_t *clr;		/* last clear of each page */
	uint64_t *snd;		/* last send, UINT64_MAX: never */
	struct ds_lat_model lat;
	struct ds_obs_log *log;	/* NULL: do not log */
};

/*
 * Writes as (page, time) pairs, any order, times in [0, horizon_ns];
 * ds_sim_free() in every case.  0, -EINVAL or -ENOMEM.
 */
int ds_sim_init(struct ds_sim *s, uint64_t npages, const uint64_t *page,
		const uint64_t *t, uint64_t nwrites, uint64_t horizon_ns,
		const struct ds_lat_model *lat);
/* writes of a workload generator up to horizon_ns */
int ds_sim_init_workload(struct ds_sim *s, struct ds_wl *wl,
			 uint64_t horizon_ns, const struct ds_lat_model *lat);
void ds_sim_free(struct ds_sim *s);
/*
 * Pages whose last write before the device stopped came after their last
 * send: writes the migration lost.  0 after a correct run.
 */
uint64_t ds_sim_lost(const struct ds_sim *s);
void ds_sim_backend(struct ds_sim *s, struct ds_mig_backend *be);

/*
 * Costs of the calls in the guest test bed (TCG), measured by the
 * reference loop (tests/guest/migrate) on 8 MiB of 4 KiB pages: 256- and
 * 2048-page reads, 512-page clears; see docs/perf.md "Clear policies".
 */
extern const struct ds_lat_model ds_lat_default;

#endif /* DS_POLSIM_H */
