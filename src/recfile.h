/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The recording file of "dirtyscope record", read by "dirtyscope report".
 * JSON Lines, one object per line:
 *
 *   header (first line)
 *	{"format":"dirtyscope-record","version":1,"dirtyscope":"0.1",
 *	 "kernel":"6.12.0","machine":"aarch64","hostname":"guest",
 *	 "clock":"CLOCK_MONOTONIC","clock_base_ns":N,"start_ns":N,
 *	 "command":["prog","arg"]}			(command optional)
 *     ts_ns values are CLOCK_MONOTONIC (bpf_ktime_get_ns()); clock_base_ns
 *     is CLOCK_REALTIME - CLOCK_MONOTONIC when recording started, so
 *     clock_base_ns + ts_ns is the wall-clock time in ns since the epoch
 *     (clock_base_ns is the boot time; signed, as a machine whose wall
 *     clock starts at the epoch has it slightly negative).  start_ns:
 *     when the recording started.
 *   one per event
 *	{"ts_ns":N,"op":"scan","domain_id":N,"iova":N,"size":N,"pgsize":N,
 *	 "leaves":N,"dirty":N,"flags":N,"ret":N,"duration_ns":N}
 *   trailer (last line, absent when the recorder was killed)
 *	{"end_ns":N,"events":N,"dropped":N}
 *     events: event lines written; dropped: records the ring buffer lost.
 *
 * Reading is strict: every field present with the right type and range,
 * no unknown field, nothing after the trailer.  Pure code, no BPF.
 */
#ifndef DS_RECFILE_H
#define DS_RECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "dirty_event.h"

#define DS_REC_FORMAT	"dirtyscope-record"
#define DS_REC_VERSION	1
#define DS_REC_CLOCK	"CLOCK_MONOTONIC"

struct ds_rec_header {
	int version;
	char dirtyscope[32];	/* version of the writer */
	char kernel[65];	/* uname -r */
	char machine[65];	/* uname -m */
	char hostname[65];
	__s64 clock_base_ns;	/* may be negative: a guest without an RTC */
	__u64 start_ns;
};

struct ds_rec_trailer {
	bool present;
	__u64 end_ns;
	__u64 events;
	__u64 dropped;
};

/* this machine: uname, clock base, start_ns = now */
void ds_rec_header_init(struct ds_rec_header *h);

/* one line each; 0, or -1 when the stream has an error (errno set) */
int ds_rec_write_header(FILE *f, const struct ds_rec_header *h,
			char *const *command, int ncommand);
int ds_rec_write_event(FILE *f, const struct ds_dirty_event *e);
int ds_rec_write_trailer(FILE *f, const struct ds_rec_trailer *t);

struct ds_recording {
	struct ds_rec_header hdr;
	struct ds_rec_trailer end;
	struct ds_dirty_event *ev;
	size_t n;
};

/*
 * Read a whole recording.  0, or -1 with *line (1-based) and a reason
 * ("\"iova\": missing") for the first bad line; -errno on a read error
 * (*line 0).  ds_rec_free() in every case.
 */
int ds_rec_read(FILE *f, struct ds_recording *r, size_t *line, char *reason,
		size_t len);
void ds_rec_free(struct ds_recording *r);

/* end of the recording: the trailer's end_ns, else the last event (or start) */
__u64 ds_rec_end_ns(const struct ds_recording *r);

#endif /* DS_RECFILE_H */
