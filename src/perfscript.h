/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A perf session of the iommu:dirty_* tracepoints as a recording, so that
 * "dirtyscope report" gives the same histograms, rates and heat map as
 * from its own recording.  The input is the text of perf script:
 *
 *   perf record -e 'iommu:dirty_*' -a -k mono -o perf.data -- WORKLOAD
 *   perf script --header --ns -F comm,tid,cpu,time,event,trace -i perf.data
 *
 * Any -F that keeps time, event and trace (perf script's default for
 * tracepoints does) is read.  Each event line has "SECONDS.FRACTION:" then
 * "iommu:dirty_OP:" then the tracepoint's fields as its TP_printk writes
 * them (domain= iova= size= pgsize= leaves= dirty= flags= ret=
 * duration_ns=), every one present, none unknown.  Lines of other events
 * are skipped; "#" lines are comments, of which --header's hostname, os
 * release and arch fill the recording's header.  Timestamps are perf's
 * clock: CLOCK_MONOTONIC with -k mono, as dirtyscope record uses.  There
 * is no trailer and no bitmap line (version 1); the first event starts
 * the recording.  Pure code.
 */
#ifndef DS_PERFSCRIPT_H
#define DS_PERFSCRIPT_H

#include <stddef.h>
#include <stdio.h>
#include "recfile.h"

/*
 * Read perf script text into r (as ds_rec_read() does a recording): 0, or
 * -1 with *line (1-based) and the reason for the first bad line; -errno
 * on a read error or no memory (*line 0).  ds_rec_free() in every case.
 */
int ds_perf_script_read(FILE *f, struct ds_recording *r, size_t *line,
			char *reason, size_t len);

#endif
