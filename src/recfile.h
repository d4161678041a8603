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
 *   one per dirty bitmap user space read or cleared (version 2 only)
 *	{"ts_ns":N,"op":"bitmap_get","uapi":"iommufd","iova":N,"size":N,
 *	 "pgsize":N,"ret":N,"duration_ns":N,"bits":"0a00"}
 *     op: bitmap_get (read and clear), bitmap_get_noclear (read only),
 *     bitmap_clear (clear the pages whose bits are set); uapi: iommufd
 *     (IOMMU_HWPT_{GET,CLEAR}_DIRTY_BITMAP) or type1 (VFIO_IOMMU_DIRTY_PAGES);
 *     ts_ns: when the call entered the kernel, duration_ns: time in it.
 *     bits: the bitmap as it crossed the uAPI, bit i = the page at
 *     iova + i * pgsize, its bytes in memory order (u64 words
 *     little-endian), two lowercase hex digits per byte, exactly
 *     ceil(npages / 8) bytes with npages = size / pgsize; pgsize is a
 *     power of two, size a non-zero multiple of it, no bit at or beyond
 *     npages set.  Bitmap lines are in ts_ns order.
 *   trailer (last line, absent when the recorder was killed)
 *	{"end_ns":N,"events":N,"dropped":N}				version 1
 *	{"end_ns":N,"events":N,"bitmaps":N,"bitmaps_lost":N,"dropped":N}	version 2
 *     events: event lines written (bitmap lines are not events);
 *     dropped: event records the ring buffer lost; bitmaps: bitmap lines
 *     written; bitmaps_lost: calls whose bitmap could not be recorded.
 *
 * Versions: "record" writes version 1 (no bitmap line) unless asked for
 * the bitmaps ("record --bitmaps"), then version 2, bitmaps or not; both
 * are read.  Lines are in timestamp order as far as the recorder can tell
 * (events and bitmaps merged; see src/bmcap.h).
 *
 * Reading is strict: every field present with the right type and range,
 * no unknown field, nothing after the trailer; only the last line may be
 * cut (a recorder killed mid-line), and is then ignored.  Pure code, no
 * BPF.
 */
#ifndef DS_RECFILE_H
#define DS_RECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "bitmap_event.h"
#include "dirty_event.h"

#define DS_REC_FORMAT	"dirtyscope-record"
#define DS_REC_VERSION	1	/* events only */
#define DS_REC_VERSION_BITMAPS	2	/* events and bitmaps: the newest */
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
	bool has_bitmaps;	/* version 2: the two counts below are written */
	__u64 bitmaps;
	__u64 bitmaps_lost;
};

/* one bitmap line (enum ds_bm_uapi and enum ds_bm_kind: bitmap_event.h) */
struct ds_rec_bitmap {
	__u64 ts_ns;		/* bpf_ktime_get_ns() when the call entered the kernel */
	__u64 duration_ns;	/* time in the call */
	__u64 iova, size, pgsize;	/* size/pgsize bits */
	__u32 uapi;		/* enum ds_bm_uapi */
	__u32 kind;		/* enum ds_bm_kind */
	__s32 ret;
	__u64 *bits;		/* bit i: page iova + i * pgsize; malloc'd, freed by ds_rec_free() */
};

/* "iommufd", "type1" / "bitmap_get", ...: NULL when out of range */
const char *ds_bm_uapi_name(__u32 uapi);
const char *ds_bm_kind_op(__u32 kind);
/* size / pgsize; the u64 words of bits: ceil(npages / 64) */
__u64 ds_rec_bitmap_npages(const struct ds_rec_bitmap *b);
size_t ds_rec_bitmap_words(const struct ds_rec_bitmap *b);
/*
 * 0 when b can be written as is, else -EINVAL with the reason (as the
 * reader words it) in reason: pgsize, size, a bit beyond npages...
 */
int ds_rec_bitmap_check(const struct ds_rec_bitmap *b, char *reason,
			size_t len);

/* this machine: uname, clock base, start_ns = now */
void ds_rec_header_init(struct ds_rec_header *h);

/* one line each; 0, or -1 when the stream has an error (errno set) */
int ds_rec_write_header(FILE *f, const struct ds_rec_header *h,
			char *const *command, int ncommand);
int ds_rec_write_event(FILE *f, const struct ds_dirty_event *e);
int ds_rec_write_trailer(FILE *f, const struct ds_rec_trailer *t);
/* also -1 with errno EINVAL when ds_rec_bitmap_check() refuses b */
int ds_rec_write_bitmap(FILE *f, const struct ds_rec_bitmap *b);

struct ds_recording {
	struct ds_rec_header hdr;
	struct ds_rec_trailer end;
	size_t cut_line;	/* the last line, cut inside a value: ignored; 0: none */
	struct ds_dirty_event *ev;
	size_t n;
	struct ds_rec_bitmap *bm;	/* in file order (ts order) */
	size_t nbm;
	bool from_perf;		/* read from perf script text (perfscript.h) */
};

/*
 * Read a whole recording.  0, or -1 with *line (1-based) and a reason
 * ("\"iova\": missing") for the first bad line; -errno on a read error
 * (*line 0).  The file's last line ending inside a JSON value (a recorder
 * killed while writing it) ends the recording instead: 0, r->cut_line its
 * number.  A cut header, or a cut line with more after it, stays an
 * error.  ds_rec_free() in every case.
 */
int ds_rec_read(FILE *f, struct ds_recording *r, size_t *line, char *reason,
		size_t len);
void ds_rec_free(struct ds_recording *r);
/* append e to r->ev (capacity *cap): 0 or -ENOMEM */
int ds_rec_push_event(struct ds_recording *r, size_t *cap,
		      const struct ds_dirty_event *e);
/*
 * Read the recording in file @path ("-": stdin), or the text of perf script
 * of the same tracepoints (perfscript.h: a file that does not start with
 * "{"): 0, or -errno with the
 * one-line reason in @msg ("cannot open F: ...", "F:12: ...", "cannot
 * read F: ...").  A cut last line is said on stderr, one line ("dirtyscope:
 * F:12: warning: the last line ends inside a value ...: ignored").
 * ds_rec_free() in every case.
 */
int ds_rec_load(const char *path, struct ds_recording *r, char *msg,
		size_t len);

/* end of the recording: the trailer's end_ns, else the last line (or start) */
__u64 ds_rec_end_ns(const struct ds_recording *r);

#endif /* DS_RECFILE_H */
