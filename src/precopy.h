/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Clear policies of a pre-copy migration loop, and the loop itself.
 *
 * The loop copies a range of guest memory that a device keeps writing by
 * DMA.  Pass 0 sends every page; each later pass sends what the IOMMU's
 * dirty bits say changed; when what is left fits the downtime target (or
 * after max_iters passes) the device is stopped and the rest is sent.
 * The policies differ only in when dirty state is read and cleared:
 *
 *   eager        read-and-clear the whole range, then send what it found
 *                (what VMMs do today)
 *   manual[:N]   read without clearing; clear each N-MiB chunk (default
 *                2) of what was found just before sending it
 *   chunked:N    read-and-clear N MiB at a time and send that piece
 *                before reading the next
 *   adaptive     per pass, from the re-dirty rate observed so far and the
 *                measured cost of a clear call: either one clearing read,
 *                or a read without clearing and clears in groups of k
 *                dirty pages, k = sqrt(2 * clear_ns / rate) / send_ns
 *
 * A write that lands between a page's clear and its send is carried by
 * the send and still reported by the next read: the next send of the page
 * is redundant (same content as the last one).  Clearing late shortens
 * that window; every clear call costs kernel time, during which the link
 * idles (the loop is one thread, as a VMM's migration thread is).
 *
 * The loop runs against a backend: the guest program drives the real
 * uAPI and a real device (tests/guest/migrate.c); the simulator
 * (polsim.h) models time, the device and the kernel's costs, from a
 * workload generator or from a recorded trace (replay.h).  One engine,
 * so the guest and the replay apply exactly the same decisions.
 */
#ifndef DS_PRECOPY_H
#define DS_PRECOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ds_pol_kind {
	DS_POL_EAGER,
	DS_POL_MANUAL,
	DS_POL_CHUNKED,
	DS_POL_ADAPTIVE,
};

struct ds_pol {
	enum ds_pol_kind kind;
	uint64_t chunk_mib;		/* manual, chunked */
};

#define DS_POL_MANUAL_CHUNK_MIB	2

/* "chunked:4" -> *p; 0 or -EINVAL */
int ds_pol_parse(const char *s, struct ds_pol *p);
/* canonical spelling: "manual:2" */
void ds_pol_format(const struct ds_pol *p, char *buf, size_t len);

struct ds_mig_params {
	uint64_t npages;		/* the range, in pages */
	uint64_t pgsize;		/* bytes per page (bitmap granule) */
	uint64_t send_ns;		/* link time to send one page */
	uint64_t downtime_ns;		/* target for the stop-and-copy */
	unsigned int max_iters;		/* passes after pass 0, at most */
};

#define DS_MIG_MAX_ITERS	64

struct ds_mig_pass {
	uint64_t start_ns;		/* from the start of the migration */
	uint64_t dirty;			/* pages found dirty (pass 0: all) */
	uint64_t sent;
	uint64_t redundant;
	uint64_t group;			/* pages per clear (manual, adaptive) */
	uint64_t reads, clears;		/* calls */
};

struct ds_mig_stats {
	uint64_t sent;			/* page sends, stop-and-copy included */
	uint64_t resent;		/* sends of a page sent before */
	uint64_t redundant;		/* resends of unchanged content */
	uint64_t final_pages;		/* sent while the device was stopped */
	uint64_t reads, clears;		/* kernel calls */
	uint64_t read_ns, clear_ns;	/* kernel time in them */
	uint64_t downtime_ns;		/* final read + final_pages * send_ns */
	uint64_t total_ns;		/* start to end of stop-and-copy */
	unsigned int iters;		/* passes after pass 0 */
	bool converged;			/* stopped by the downtime target */
	unsigned int npass;		/* pass[0..npass) */
	struct ds_mig_pass pass[DS_MIG_MAX_ITERS + 2];	/* + stop-and-copy */
};

/*
 * What the loop drives.  Pages are numbered 0..npages-1 from the start of
 * the range; bitmaps hold bit i for page first + i (LSB first in u64
 * words).  Each function returns 0 or -errno; @ns gets the kernel time.
 */
struct ds_mig_backend {
	void *ctx;
	uint64_t (*now)(void *ctx);		/* ns since the start */
	int (*wait_until)(void *ctx, uint64_t t);	/* device keeps writing */
	int (*read)(void *ctx, uint64_t first, uint64_t n, bool clear,
		    uint64_t *bits, uint64_t *ns);
	int (*clear)(void *ctx, uint64_t first, uint64_t n,
		     const uint64_t *bits, uint64_t *ns);
	/* copy one page out; *redundant: it has not changed since its last send */
	int (*send)(void *ctx, uint64_t page, bool *redundant);
	int (*stop_device)(void *ctx);
};

/*
 * Run one migration: a clearing read of the whole range starts dirty
 * tracking's clock, then the passes, then the stop-and-copy.  0, -EINVAL
 * (bad params) or the first backend error.
 */
int ds_mig_run(const struct ds_pol *pol, const struct ds_mig_params *par,
	       const struct ds_mig_backend *be, struct ds_mig_stats *st);

/* adaptive's group size for @dirty pages (exposed for the tests) */
uint64_t ds_pol_adaptive_group(uint64_t dirty, double redirty_per_ns,
			       double clear_call_ns, uint64_t send_ns);

#endif /* DS_PRECOPY_H */
