#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The two dirty trackers side by side in the project's own loop
# (docs/perf.md "Device DMA log and IOMMU, call by call"): boots the test
# bed with HTTU and edu's DMA log on and runs dma_log_agree, which reads
# and clears the SMMU's dirty bits (iommufd, split to 4 KiB) and the
# device's DMA log (VFIO DMA logging REPORT) of the same 4 MiB every round,
# 200 rounds per run, REPS runs for each of 1-8, 1-64 and 1-400 DMA writes a
# round; prints one table row per load: medians over the runs of the
# per-run median call cost.
#
#   bench/trackers/run.sh [REPS [OUTDIR]]     (default 3, build/bench-trackers)
#
# OUTDIR gets results.txt (one run per line) and table.md; exit 1 when a
# run failed (the trackers disagreed, say).  Needs the kernel, QEMU and
# guest builds (make guest qemu).
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"
cd "$DS_TOP"

REPS=${1:-3}
OUT=${2:-build/bench-trackers}
[[ "$REPS" =~ ^[1-9][0-9]?$ ]] || die "REPS: a number of runs per load (1-99)"
mkdir -p "$OUT"
QEMU=$(scripts/qemu.sh | tail -n 1)
scripts/initramfs.sh > "$OUT/initramfs.log"

progress bench-trackers "booting the test bed: $((REPS * 3)) runs of 200 rounds (about $((REPS * 7 / 2 + 1)) minutes)"
scripts/vm.sh --qemu "$QEMU" --httu on --edu 2 --edu-dma-log \
	--append "ds.bench_reps=$REPS" --tests none --run trackers_bench \
	--timeout 1800 --no-check --log "$OUT/bench.log" > /dev/null || true
grep -a '^trackers-run: ' "$OUT/bench.log" | sed 's/^trackers-run: //' > "$OUT/results.txt"
[ -s "$OUT/results.txt" ] || die "no run finished: $OUT/bench.log"
python3 bench/trackers/table.py "$OUT/results.txt" | tee "$OUT/table.md"
! grep -qv ' rc=0 ' "$OUT/results.txt"
