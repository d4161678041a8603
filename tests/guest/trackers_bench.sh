#!/bin/sh
# The guest side of bench/trackers/run.sh: dma_log_agree (both trackers on
# at once, read and cleared every round over the same 4 MiB) REPS times for
# each of 1-8, 1-64 and 1-400 DMA writes a round, one "trackers-run:
# key=value..." line per run: the median cost of an IOMMU dirty-bitmap read
# and of a device DMA-log report, and the pages.  Not a test.
#
# Usage: trackers_bench [REPS]   (default: ds.bench_reps=, else 3)

reps=$(sed -n 's/.*ds\.bench_reps=\([0-9]*\).*/\1/p' /proc/cmdline)
reps=${1:-${reps:-3}}
for w in 8 64 400; do
	i=0
	while [ $i -lt "$reps" ]; do
		i=$((i + 1))
		/tests/dma_log_agree 200 $w > /tmp/trackers.txt 2>&1
		rc=$?
		echo "trackers-run: rep=$i rc=$rc $(sed -n 's/^# figures: //p' /tmp/trackers.txt)"
	done
done
