/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Replay: turn the bitmaps a migration read and cleared (observations,
 * from "dirtyscope record --bitmaps") back into a device write stream the
 * simulator (polsim.h) can run any clear policy against.
 *
 * For each page the observations cut time into intervals:
 *   dirty   (last clear or clean read, first read reporting it]: at least
 *           one write
 *   clean   between two reads or a clear and a read, not reported: none
 *   hidden  after a page was reported and before its next clear, or
 *           cleared without a read: unknown (the bit was already set, or
 *           the clear wiped it unseen)
 * Each page's write rate comes from a mixture of Poisson classes fitted
 * by EM to its dirty and clean intervals (a DMA ring's pages get a
 * periodic class instead, see replay.c); a dirty interval then gets
 * 1 + more writes (Poisson conditioned on at least one), a hidden one and
 * the time after the last observation Poisson writes, all at uniformly
 * drawn times in the interval.  Replaying the recorded policy therefore
 * reproduces every recorded read exactly, provided the simulated calls
 * fall where the recorded ones did; other policies see a stream with the
 * same per-page rates and the same observed timing.
 *
 * Kernel costs: a + b * pages per call kind, least squares over the
 * recorded durations; a kind never recorded borrows a recorded one's.
 */
#ifndef DS_REPLAY_H
#define DS_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include "polsim.h"

struct ds_replay_info {
	uint64_t t0_ns;			/* trace time of simulated time 0 */
	uint64_t span_ns;		/* first to last observation */
	uint64_t npages;
	size_t obs;
	uint64_t dirty_iv, clean_iv, hidden_iv;
	uint64_t writes;		/* reconstructed, within the recording */
	uint64_t active_pages;		/* pages with a nonzero rate */
	double rate_per_s;		/* sum of the pages' rates */
	uint64_t period_ns;		/* the periodic class, 0: none */
	uint64_t periodic_pages;
	struct ds_lat_model lat;
	unsigned int lat_fitted;	/* bit per enum ds_call: from the trace */
	uint64_t lat_samples[DS_CALL_NR];
};

/*
 * Build @sim (ds_sim_free() in every case) from @nobs observations in
 * time order over pages [0, npages), writes known up to horizon_ns of
 * simulated time.  0, -EINVAL (no observation, ranges outside npages,
 * time going back) or -ENOMEM.
 */
int ds_replay_build(const struct ds_obs *obs, size_t nobs, uint64_t npages,
		    uint64_t horizon_ns, uint64_t seed, struct ds_sim *sim,
		    struct ds_replay_info *info);

/* least-squares cost lines of the observations (exposed for tests) */
void ds_replay_fit_lat(const struct ds_obs *obs, size_t nobs,
		       struct ds_lat_model *m, unsigned int *fitted,
		       uint64_t *samples);

#endif /* DS_REPLAY_H */
