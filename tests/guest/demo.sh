#!/bin/sh
# The guest side of `make demo`: dirtydemo's DMA workload under the
# dirtyscope tools. The live monitor (rate, every second) and the latency
# histograms (lat) run while `dirtyscope record` records every event; the
# recording is printed between markers so that the host can report on it
# (heat map, histograms) with its own dirtyscope.

. /tests/lib/tap

dirtyscope rate 1 > /tmp/rate.txt 2>&1 &
rate=$!
dirtyscope lat > /tmp/lat.txt 2>&1 &
lat=$!
wait_banner /tmp/rate.txt && wait_banner /tmp/lat.txt || {
	echo "demo: dirtyscope rate/lat did not start"
	cat /tmp/rate.txt /tmp/lat.txt
	exit 1
}

dirtyscope record -o /tmp/demo.jsonl -- /tests/dirtydemo
rc=$?
kill -INT $rate $lat
wait $rate $lat

echo
echo "== dirtyscope rate 1 (live, per second) =="
cat /tmp/rate.txt
echo
echo "== dirtyscope lat (Ctrl-C at the end) =="
cat /tmp/lat.txt
echo "--- BEGIN RECORDING ---"
cat /tmp/demo.jsonl
echo "--- END RECORDING ---"
exit $rc
