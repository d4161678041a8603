#!/bin/sh
# The clear-policy part of `make demo`: one pre-copy migration of 8 MiB
# under eager clearing per workload (hot set, NIC-like ring), with the edu
# device writing 8000 pages/s, recorded with `dirtyscope record --bitmaps`.
# Each recording is printed between markers for `dirtyscope policy
# recommend` on the host.

for wl in hotset ring; do
	for try in 1 2 3 4 5; do
		dirtyscope record --bitmaps -o /tmp/mig-$wl.jsonl -- \
			/tests/migrate -p eager -w $wl -r 8000 -o /tmp/mig-$wl.json
		rc=$?
		[ $rc = 3 ] || break
	done
	[ $rc = 0 ] || exit $rc
	echo "--- BEGIN RECORDING $wl ---"
	cat /tmp/mig-$wl.jsonl
	echo "--- END RECORDING $wl ---"
done
