#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The real-VMM benchmark (docs/perf.md "A real QEMU migration"): boots the
# test bed with HTTU on and Debian's QEMU in the guest (scripts/vmm.sh),
# runs REPS migrations of the L2 l2dma with an assigned edu for each of
# iommufd (2 MiB blocks; with iommufd.dirty_split=1; 4 KiB pages) and type1
# (2 MiB; 4 KiB), each under dirtyscope (tests/guest/vmm_observe.sh), and
# iommufd tracked by the device's own DMA log instead (edu x-dma-log, VFIO
# DMA logging; 2 MiB and 4 KiB), and prints one table row per
# configuration: medians of the runs.
#
#   bench/vmm/run.sh [REPS [OUTDIR]]     (default 3, build/bench-vmm)
#
# OUTDIR gets results.txt (one run per line) and table.md; exit 1 when a
# run failed.  Needs the kernel, QEMU and guest builds (make guest qemu).
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"
cd "$DS_TOP"

REPS=${1:-3}
OUT=${2:-build/bench-vmm}
[[ "$REPS" =~ ^[1-9][0-9]?$ ]] || die "REPS: a number of runs per configuration (1-99)"
mkdir -p "$OUT"
QEMU=$(scripts/qemu.sh | tail -n 1)
scripts/initramfs.sh > "$OUT/initramfs.log"

progress bench-vmm "booting the test bed: $((REPS * 7)) QEMU migrations (about $((REPS * 7 * 30 / 60 + 1)) minutes)"
scripts/vm.sh --qemu "$QEMU" --httu on --vmm --edu 2 --edu-dma-log --smp 2 --mem 2G \
	--append "ds.hugepages=72 ds.vmm_reps=$REPS" --tests none --run vmm_bench \
	--timeout 3600 --no-check --log "$OUT/bench.log" > /dev/null || true
grep -a '^vmm-run: ' "$OUT/bench.log" | sed 's/^vmm-run: //' > "$OUT/results.txt"
[ -s "$OUT/results.txt" ] || die "no run finished: $OUT/bench.log"
python3 bench/vmm/table.py "$OUT/results.txt" | tee "$OUT/table.md"
! grep -qv ' rc=0 ' "$OUT/results.txt"
