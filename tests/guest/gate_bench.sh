#!/bin/sh
# The guest half of the latency gate (scripts/gate-check.sh): runs
# /tests/bench_ops under "dirtyscope bench" and prints the bench file as
# KTAP diagnostics, one "# bench-json: " line per line of the file, for the
# host to cut out of the serial log and hand to "dirtyscope gate".
# TAP output; run by /init as /tests/gate_bench (not in a suite: only the
# gate boots run it).

. /tests/lib/tap

echo "KTAP version 1"
echo "1..2"
read -r t0 _ < /proc/uptime
dirtyscope bench -o /tmp/bench.json -- /tests/bench_ops \
	> /tmp/bench.out 2> /tmp/bench.err
rc=$?
read -r t1 _ < /proc/uptime
sed 's/^/# /' /tmp/bench.out /tmp/bench.err
ok $rc "bench_ops under dirtyscope bench (exit $rc, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
grep -q '^  "format": "dirtyscope-bench",$' /tmp/bench.json 2>/dev/null
ok $? "bench file written ($(wc -c < /tmp/bench.json 2>/dev/null || echo 0) bytes)"
echo "# bench-json-begin"
sed 's/^/# bench-json: /' /tmp/bench.json 2>/dev/null
echo "# bench-json-end"
[ "$failed" = 0 ]
