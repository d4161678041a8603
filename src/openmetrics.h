/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus text or OpenMetrics exposition for the node_exporter textfile
 * collector (--prom FILE).  The file is written atomically (afile.h: a
 * temporary ".FILE.tmp.XXXXXX", which the collector's *.prom glob skips,
 * renamed over FILE), so a scrape never sees half a file.
 *
 *	struct ds_om om;
 *	if (ds_om_begin(&om, path, DS_OM_PROMETHEUS))
 *		fail;
 *	ds_om_family(&om, "dirtyscope_dirty_pages", "counter", NULL, "...");
 *	ds_om_counter(&om, "dirtyscope_dirty_pages", "domain=\"3\"", 42);
 *	...
 *	err = ds_om_commit(&om);	(OpenMetrics: "# EOF"; renames)
 *
 * Samples of one family must be written together, right after
 * ds_om_family().  labels is the rendered label list without braces
 * (see ds_om_label()), or "" / NULL.
 */
#ifndef DS_OPENMETRICS_H
#define DS_OPENMETRICS_H

#include <stdio.h>
#include <linux/types.h>
#include "afile.h"

/* histogram buckets stop at this bound (seconds); the rest is in +Inf */
#define DS_OM_MAX_LE_SECONDS	4096

/*
 * Prometheus text 0.0.4 (the default, zero, so that a zeroed struct
 * ds_opts has it): counter metadata named "x_total" like its sample, no
 * # UNIT, no # EOF.  It is the only format node_exporter's textfile
 * collector (where --prom files go) reads; it keeps OpenMetrics-style
 * counters as untyped metrics without HELP, and "promtool check metrics"
 * rejects them.  OpenMetrics 1.0 (--prom-format openmetrics, for an
 * OpenMetrics scraper): counter family "x", sample "x_total", # UNIT
 * lines, "# EOF" at the end.  The samples are the same.
 */
enum ds_om_dialect {
	DS_OM_PROMETHEUS = 0,
	DS_OM_OPENMETRICS,
};

struct ds_om {
	enum ds_om_dialect dialect;
	struct ds_afile af;
};

/* "openmetrics", "prometheus" -> dialect; -1 when unknown */
int ds_om_dialect_parse(const char *s);

/* 0, or -errno (nothing to clean up then) */
int ds_om_begin(struct ds_om *om, const char *path, enum ds_om_dialect dialect);
/* "# EOF" (OpenMetrics only), fsync, rename over the target; 0 or -errno */
int ds_om_commit(struct ds_om *om);
void ds_om_abort(struct ds_om *om);

/* type: "counter", "gauge", "histogram"; unit may be NULL */
void ds_om_family(struct ds_om *om, const char *name, const char *type,
		  const char *unit, const char *help);
/* <family>_total{labels} v */
void ds_om_counter(struct ds_om *om, const char *family, const char *labels,
		   __u64 v);
/* the same with a preformatted value (e.g. ds_om_decimal()) */
void ds_om_counter_value(struct ds_om *om, const char *family,
			 const char *labels, const char *value);
/*
 * A log2 histogram of durations in microseconds, written in seconds: slot
 * i counted durations below 2^(i+1) us, so its cumulative bucket is
 * le="2^(i+1)/1e6".  The bounds are fixed (a series keeps its buckets
 * whatever the options of the run), up to DS_OM_MAX_LE_SECONDS.
 */
void ds_om_log2_histogram(struct ds_om *om, const char *family,
			  const char *labels, const __u64 *us_slots, int nslots,
			  __u64 sum_ns);

/* append name="value" (escaped) to a label list; -1 when it does not fit */
int ds_om_label(char *buf, size_t len, const char *name, const char *value);

/* m * 10^-e in plain decimal, at least one fractional digit ("0.000002") */
const char *ds_om_decimal(char *buf, size_t len, __u64 m, int e);

#endif /* DS_OPENMETRICS_H */
