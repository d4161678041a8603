#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The clear-policy benchmark (docs/perf.md "Clear policies"): boots the
# test bed with HTTU on, runs the reference pre-copy loop
# (tests/guest/migrate) for every uAPI x workload x policy x seed
# (tests/guest/policy_bench.sh), and prints the per-policy tables.  Then,
# for each workload, records an eager migration with
# "dirtyscope record --bitmaps" and asks "dirtyscope policy recommend"
# which policy it would have chosen from that recording alone.
#
#   bench/policy/run.sh [OUTDIR]     (default build/bench-policy)
#
# OUTDIR gets results.jsonl (one run per line), table.md, the recordings
# and recommend-*.txt.  Needs the kernel, QEMU and guest builds (make
# guest qemu); exit 1 when a run failed.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"
cd "$DS_TOP"

OUT=${1:-build/bench-policy}
mkdir -p "$OUT"
QEMU=$(scripts/qemu.sh | tail -n 1)
scripts/initramfs.sh > "$OUT/initramfs.log"
make -s -C src

progress bench-policy "booting the test bed: 126 migrations and 3 recorded ones (about 2 minutes)"
scripts/vm.sh --qemu "$QEMU" --httu on --tests none --run policy_bench \
	--dma-delay-ns 1000 --timeout 1800 --no-check --log "$OUT/bench.log" \
	> /dev/null
grep -a '^policy-run: ' "$OUT/bench.log" | sed 's/^policy-run: //' \
	> "$OUT/results.jsonl"
failed=$(grep -ac '^policy-run-failed' "$OUT/bench.log" || true)
python3 bench/policy/table.py "$OUT/results.jsonl" | tee "$OUT/table.md"

# what recommend makes of one recorded eager migration per workload
for wl in uniform hotset ring; do
	grep -a "^policy-trace-$wl: " "$OUT/bench.log" |
		sed "s/^policy-trace-$wl: //" > "$OUT/trace-$wl.jsonl"
	echo "### recommend, from an eager recording of $wl"
	echo '```'
	build/host/dirtyscope policy recommend "$OUT/trace-$wl.jsonl" |
		tee "$OUT/recommend-$wl.txt" || failed=$((failed + 1))
	echo '```'
done
echo "$(wc -l < "$OUT/results.jsonl") runs, $failed failed"
[ "$failed" = 0 ] && [ -s "$OUT/results.jsonl" ]
