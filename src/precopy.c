// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pre-copy loop and its clear policies (see precopy.h) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "numparse.h"
#include "precopy.h"

int ds_pol_parse(const char *s, struct ds_pol *p)
{
	uint64_t v;

	memset(p, 0, sizeof(*p));
	if (!strcmp(s, "eager")) {
		p->kind = DS_POL_EAGER;
		return 0;
	}
	if (!strcmp(s, "adaptive")) {
		p->kind = DS_POL_ADAPTIVE;
		return 0;
	}
	if (!strcmp(s, "manual")) {
		p->kind = DS_POL_MANUAL;
		p->chunk_mib = DS_POL_MANUAL_CHUNK_MIB;
		return 0;
	}
	if (!strncmp(s, "manual:", 7)) {
		p->kind = DS_POL_MANUAL;
		s += 7;
	} else if (!strncmp(s, "chunked:", 8)) {
		p->kind = DS_POL_CHUNKED;
		s += 8;
	} else {
		return -EINVAL;
	}
	/* one spelling per policy: "manual:1", not "manual:01" */
	if (*s == '0' || ds_parse_u64(s, NULL, 1, 1U << 20, &v))
		return -EINVAL;
	p->chunk_mib = v;
	return 0;
}

void ds_pol_format(const struct ds_pol *p, char *buf, size_t len)
{
	switch (p->kind) {
	case DS_POL_EAGER:
		snprintf(buf, len, "eager");
		break;
	case DS_POL_ADAPTIVE:
		snprintf(buf, len, "adaptive");
		break;
	case DS_POL_MANUAL:
		snprintf(buf, len, "manual:%llu", (unsigned long long)p->chunk_mib);
		break;
	case DS_POL_CHUNKED:
		snprintf(buf, len, "chunked:%llu", (unsigned long long)p->chunk_mib);
		break;
	}
}

uint64_t ds_pol_adaptive_group(uint64_t dirty, double redirty_per_ns,
			       double clear_call_ns, uint64_t send_ns)
{
	double k;

	if (!dirty)
		return 1;
	/*
	 * A group of k pages cleared at once: its pages wait k/2 sends on
	 * average between their clear and their send, and a write in that
	 * window makes the next send of the page redundant.  Per pass:
	 * dirty/k calls of clear_call_ns, against dirty * rate * k/2 *
	 * send_ns redundant sends of send_ns each; the sum is smallest at
	 * k = sqrt(2 * clear_call_ns / rate) / send_ns.
	 */
	if (redirty_per_ns <= 0 || !send_ns)
		return dirty;
	k = sqrt(2.0 * clear_call_ns / redirty_per_ns) / (double)send_ns;
	if (k < 1)
		return 1;
	if (k >= (double)dirty)
		return dirty;
	return (uint64_t)k;
}

#define WORD_BITS	64

static inline bool bit_test(const uint64_t *bm, uint64_t i)
{
	return bm[i / WORD_BITS] >> (i % WORD_BITS) & 1;
}

static inline void bit_set(uint64_t *bm, uint64_t i)
{
	bm[i / WORD_BITS] |= 1ULL << (i % WORD_BITS);
}

static inline uint64_t words(uint64_t n)
{
	return (n + WORD_BITS - 1) / WORD_BITS;
}

static uint64_t bm_count(const uint64_t *bm, uint64_t n)
{
	uint64_t i, c = 0;

	for (i = 0; i < words(n); i++)
		c += __builtin_popcountll(bm[i]);
	return c;
}

/* next set bit at or after @i, n when none */
static uint64_t bm_next(const uint64_t *bm, uint64_t n, uint64_t i)
{
	uint64_t w;

	while (i < n) {
		w = bm[i / WORD_BITS] >> (i % WORD_BITS);
		if (w) {
			i += __builtin_ctzll(w);
			return i < n ? i : n;
		}
		i = (i / WORD_BITS + 1) * WORD_BITS;
	}
	return n;
}

struct run {
	const struct ds_pol *pol;
	const struct ds_mig_params *par;
	const struct ds_mig_backend *be;
	struct ds_mig_stats *st;
	uint64_t n;			/* pages */
	uint64_t *dirty;		/* this pass's read, whole range */
	uint64_t *piece;		/* one call's bitmap */
	uint64_t *sent_once;
	uint64_t *pending;		/* read and cleared, not sent yet */
	uint64_t *sent_prev;		/* sent in the previous pass */
	uint64_t *sent_cur;
	uint64_t *clr_t;		/* when each page was last cleared */
	uint64_t next_slot;		/* when the link is free */
	uint64_t read_t;		/* start of the last read */
	struct ds_mig_pass *pass;
	uint64_t prev_dirty;
	double redirty;			/* adaptive: writes per page per ns */
};

/*
 * Wait for a kernel call's slot.  A loop that comes late to it (a stalled
 * emulator, a preempted VMM) first lets the device catch up with the
 * clock: the writes due before the call are made before it, as on a
 * device that kept writing while the loop stalled, and the schedule moves
 * to the clock.  A few rounds, as catching up takes time too; the sends
 * absorb what is left.
 */
#define KCALL_SYNC_ROUNDS	8

static int kcall_wait(struct run *r)
{
	uint64_t t;
	int ret, i;

	ret = r->be->wait_until(r->be->ctx, r->next_slot);
	for (i = 0; !ret && i < KCALL_SYNC_ROUNDS; i++) {
		t = r->be->now(r->be->ctx);
		if (t <= r->next_slot + r->par->send_ns)
			break;
		r->next_slot = t;
		ret = r->be->wait_until(r->be->ctx, t);
	}
	return ret;
}

/*
 * The link is free again once the call's kernel time has passed after its
 * slot, or when the call returned if it returned later.  Sends that fall
 * behind catch up within a pass, back to back; kernel calls do not: each
 * starts and ends on the clock the device and a recording of the run
 * ("dirtyscope record --bitmaps") share, so the recorded call times are
 * the run's and a replay can place its calls there (policy replay
 * --compare).  Returns the call's start on the backend's clock.
 */
static uint64_t kcall_done(struct run *r, uint64_t ns)
{
	uint64_t end = r->be->now(r->be->ctx);

	r->next_slot += ns;
	if (end > r->next_slot)
		r->next_slot = end;
	return end > ns ? end - ns : 0;
}

/* read [first, first + n) into r->piece, and merge it into r->dirty */
static int do_read(struct run *r, uint64_t first, uint64_t n, bool clear)
{
	uint64_t ns = 0, i, t;
	int ret;

	ret = kcall_wait(r);
	if (ret)
		return ret;
	memset(r->piece, 0, words(n) * sizeof(uint64_t));
	ret = r->be->read(r->be->ctx, first, n, clear, r->piece, &ns);
	if (ret)
		return ret;
	t = kcall_done(r, ns);
	r->read_t = t;
	r->st->reads++;
	r->st->read_ns += ns;
	if (r->pass)
		r->pass->reads++;
	for (i = 0; i < n; i++) {
		if (bit_test(r->piece, i))
			bit_set(r->dirty, first + i);
		if (clear)
			r->clr_t[first + i] = t;
	}
	return 0;
}

/* clear the pages of r->dirty in [first, first + n) */
static int do_clear(struct run *r, uint64_t first, uint64_t n)
{
	uint64_t ns = 0, i, t;
	int ret;

	memset(r->piece, 0, words(n) * sizeof(uint64_t));
	for (i = 0; i < n; i++)
		if (bit_test(r->dirty, first + i))
			bit_set(r->piece, i);
	ret = kcall_wait(r);
	if (ret)
		return ret;
	ret = r->be->clear(r->be->ctx, first, n, r->piece, &ns);
	if (ret)
		return ret;
	t = kcall_done(r, ns);
	r->st->clears++;
	r->st->clear_ns += ns;
	r->pass->clears++;
	for (i = 0; i < n; i++)
		if (bit_test(r->piece, i))
			r->clr_t[first + i] = t;
	return 0;
}

static int send_page(struct run *r, uint64_t p)
{
	bool redundant = false;
	int ret;

	ret = r->be->wait_until(r->be->ctx, r->next_slot);
	if (ret)
		return ret;
	ret = r->be->send(r->be->ctx, p, &redundant);
	if (ret)
		return ret;
	r->next_slot += r->par->send_ns;
	r->st->sent++;
	r->pass->sent++;
	if (bit_test(r->sent_once, p))
		r->st->resent++;
	bit_set(r->sent_once, p);
	bit_set(r->sent_cur, p);
	if (redundant) {
		r->st->redundant++;
		r->pass->redundant++;
	}
	return 0;
}

/* send the pages of r->dirty in [first, first + n), clearing them there */
static int send_range(struct run *r, uint64_t first, uint64_t n)
{
	uint64_t p = first;
	int ret;

	while ((p = bm_next(r->dirty, first + n, p)) < first + n) {
		ret = send_page(r, p);
		if (ret)
			return ret;
		r->dirty[p / WORD_BITS] &= ~(1ULL << (p % WORD_BITS));
		p++;
	}
	return 0;
}

static uint64_t chunk_pages(struct run *r)
{
	uint64_t c = (r->pol->chunk_mib << 20) / r->par->pgsize;

	return c ? c : 1;
}

/* manual: clear each chunk's dirty pages just before sending them */
static int pass_manual(struct run *r, uint64_t chunk)
{
	uint64_t first, n, i;
	int ret;

	r->pass->group = chunk;
	for (first = 0; first < r->n; first += chunk) {
		n = r->n - first < chunk ? r->n - first : chunk;
		for (i = first; i < first + n; i++)
			if (bit_test(r->dirty, i))
				break;
		if (i == first + n)
			continue;
		ret = do_clear(r, first, n);
		if (!ret)
			ret = send_range(r, first, n);
		if (ret)
			return ret;
	}
	return 0;
}

/* adaptive: clear groups of @group dirty pages just before sending them */
static int pass_groups(struct run *r, uint64_t group)
{
	uint64_t first, last, p, k;
	int ret;

	r->pass->group = group;
	p = bm_next(r->dirty, r->n, 0);
	while (p < r->n) {
		first = last = p;
		for (k = 0; k < group && p < r->n; k++) {
			last = p;
			p = bm_next(r->dirty, r->n, p + 1);
		}
		ret = do_clear(r, first, last + 1 - first);
		if (!ret)
			ret = send_range(r, first, last + 1 - first);
		if (ret)
			return ret;
	}
	return 0;
}

static void set_all(uint64_t *bm, uint64_t n)
{
	uint64_t i;

	memset(bm, 0, words(n) * sizeof(uint64_t));
	for (i = 0; i < n; i++)
		bit_set(bm, i);
}

static double clear_call_ns(struct run *r)
{
	if (r->st->clears)
		return (double)r->st->clear_ns / r->st->clears;
	/* no clear yet: a read of the range is the best guess */
	return r->st->reads ? (double)r->st->read_ns / r->st->reads : 0;
}

/*
 * Writes per page per ns on the pages the previous pass sent: how many of
 * them the read at @t found dirty again, over the time since each was
 * cleared.
 */
static void update_redirty(struct run *r, uint64_t t)
{
	uint64_t p, hit = 0;
	double exposure = 0;

	for (p = bm_next(r->sent_prev, r->n, 0); p < r->n;
	     p = bm_next(r->sent_prev, r->n, p + 1)) {
		exposure += (double)(t - r->clr_t[p]);
		if (bit_test(r->dirty, p))
			hit++;
	}
	if (exposure > 0)
		r->redirty = hit / exposure;
}

static bool converged(struct run *r, uint64_t dirty)
{
	return dirty * r->par->send_ns <= r->par->downtime_ns;
}

static int stop_and_copy(struct run *r)
{
	uint64_t t0, ns0;
	int ret;

	r->pass = &r->st->pass[r->st->npass++];
	memset(r->pass, 0, sizeof(*r->pass));
	r->pass->start_ns = r->be->now(r->be->ctx);
	ret = kcall_wait(r);
	if (!ret)
		ret = r->be->stop_device(r->be->ctx);
	if (ret)
		return ret;
	/* pages read and cleared but not sent stay in r->dirty */
	ns0 = r->st->read_ns;
	ret = do_read(r, 0, r->n, true);
	if (ret)
		return ret;
	r->pass->dirty = bm_count(r->dirty, r->n);
	t0 = r->st->sent;
	ret = send_range(r, 0, r->n);
	if (ret)
		return ret;
	ret = r->be->wait_until(r->be->ctx, r->next_slot);
	if (ret)
		return ret;
	r->st->final_pages = r->st->sent - t0;
	r->st->downtime_ns = r->st->read_ns - ns0 +
			     r->st->final_pages * r->par->send_ns;
	r->st->total_ns = r->be->now(r->be->ctx);
	return 0;
}

static int run_passes(struct run *r)
{
	const struct ds_pol *pol = r->pol;
	uint64_t k, first, n, d, group, *tmp;
	bool clear;
	int ret;

	/* start of tracking: forget what was dirty before the migration */
	ret = do_read(r, 0, r->n, true);
	if (ret)
		return ret;
	memset(r->dirty, 0, words(r->n) * sizeof(uint64_t));

	for (k = 0;; k++) {
		if (k > r->par->max_iters && pol->kind == DS_POL_CHUNKED)
			break;
		if (k && pol->kind == DS_POL_CHUNKED &&
		    converged(r, r->prev_dirty)) {
			r->st->converged = true;
			break;
		}
		r->pass = &r->st->pass[r->st->npass++];
		r->pass->start_ns = r->be->now(r->be->ctx);
		memset(r->sent_cur, 0, words(r->n) * sizeof(uint64_t));

		if (pol->kind == DS_POL_CHUNKED) {
			/* pass 0 sends all; reading still restarts the clock */
			for (first = 0; first < r->n; first += n) {
				n = chunk_pages(r);
				if (n > r->n - first)
					n = r->n - first;
				ret = do_read(r, first, n, true);
				if (!ret && !k)
					for (d = first; d < first + n; d++)
						bit_set(r->dirty, d);
				if (!ret)
					ret = send_range(r, first, n);
				if (ret)
					return ret;
			}
			r->pass->dirty = r->pass->sent;
			r->prev_dirty = r->pass->sent;
			continue;
		}

		/* one read of the whole range decides the pass */
		clear = false;
		if (!k) {
			set_all(r->dirty, r->n);
		} else {
			if (pol->kind == DS_POL_EAGER)
				clear = true;
			if (pol->kind == DS_POL_ADAPTIVE)
				clear = ds_pol_adaptive_group(r->prev_dirty,
							      r->redirty,
							      clear_call_ns(r),
							      r->par->send_ns) >=
					r->prev_dirty;
			ret = do_read(r, 0, r->n, clear);
			if (ret)
				return ret;
			update_redirty(r, r->read_t);
		}
		d = bm_count(r->dirty, r->n);
		r->pass->dirty = d;
		r->prev_dirty = d;
		if (k && (converged(r, d) || k > r->par->max_iters)) {
			r->st->converged = converged(r, d);
			/* the stop-and-copy's clearing read finds them again */
			r->st->npass--;
			r->pass = NULL;
			return 0;
		}

		switch (pol->kind) {
		case DS_POL_EAGER:
			ret = send_range(r, 0, r->n);
			break;
		case DS_POL_MANUAL:
			ret = pass_manual(r, chunk_pages(r));
			break;
		case DS_POL_ADAPTIVE:
			if (clear) {
				r->pass->group = d;
				ret = send_range(r, 0, r->n);
				break;
			}
			group = k ? ds_pol_adaptive_group(d, r->redirty,
							  clear_call_ns(r),
							  r->par->send_ns) :
				    (DS_POL_MANUAL_CHUNK_MIB << 20) /
				    r->par->pgsize;
			ret = pass_groups(r, group ? group : 1);
			break;
		default:
			ret = -EINVAL;
		}
		if (ret)
			return ret;
		tmp = r->sent_prev;
		r->sent_prev = r->sent_cur;
		r->sent_cur = tmp;
	}
	r->pass = NULL;
	return 0;
}

int ds_mig_run(const struct ds_pol *pol, const struct ds_mig_params *par,
	       const struct ds_mig_backend *be, struct ds_mig_stats *st)
{
	struct run r = {
		.pol = pol, .par = par, .be = be, .st = st, .n = par->npages,
	};
	uint64_t w = words(par->npages) * sizeof(uint64_t);
	int ret = -ENOMEM;

	memset(st, 0, sizeof(*st));
	if (!par->npages || !par->pgsize || par->pgsize & (par->pgsize - 1) ||
	    !par->send_ns || par->max_iters > DS_MIG_MAX_ITERS)
		return -EINVAL;
	r.dirty = calloc(1, w);
	r.piece = calloc(1, w);
	r.sent_once = calloc(1, w);
	r.sent_prev = calloc(1, w);
	r.sent_cur = calloc(1, w);
	r.clr_t = calloc(par->npages, sizeof(uint64_t));
	if (r.dirty && r.piece && r.sent_once && r.sent_prev && r.sent_cur &&
	    r.clr_t) {
		ret = run_passes(&r);
		if (!ret) {
			st->iters = st->npass ? st->npass - 1 : 0;
			ret = stop_and_copy(&r);
		}
	}
	free(r.dirty);
	free(r.piece);
	free(r.sent_once);
	free(r.sent_prev);
	free(r.sent_cur);
	free(r.clr_t);
	return ret;
}
