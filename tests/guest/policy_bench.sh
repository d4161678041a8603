#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# policy_bench [RATE] [SEEDS]: the reference pre-copy loop (migrate) for
# every uAPI, workload and clear policy; one "policy-run: {JSON}" line per
# run on the console, collected by bench/policy/run.sh.  A run whose pacing
# broke (exit 3) is repeated, up to five times.  Not a test.
rate=${1:-8000}
seeds=${2:-1 2 3}
for uapi in iommufd type1; do
	for wl in uniform hotset ring; do
		for pol in eager manual:1 manual manual:8 chunked:1 chunked:4 adaptive; do
			for seed in $seeds; do
				# exit 3: the emulator stalled; run it again
				for try in 1 2 3 4 5; do
					out=$(/tests/migrate --uapi $uapi -p $pol \
					      -w $wl -r "$rate" --seed "$seed")
					rc=$?
					[ $rc = 3 ] || break
				done
				if [ $rc = 0 ]; then
					echo "policy-run: $out"
				else
					echo "policy-run-failed: rc=$rc $uapi $pol $wl $seed"
				fi
			done
		done
	done
done

# One recorded eager migration per workload (iommufd), for
# "dirtyscope policy recommend" on the host: "policy-trace-WL: LINE".
for wl in uniform hotset ring; do
	for try in 1 2 3; do
		dirtyscope record --bitmaps -o /tmp/trace-$wl.jsonl -- \
			/tests/migrate --uapi iommufd -p eager -w $wl -r "$rate" \
			-o /tmp/trace-$wl.json
		rc=$?
		[ $rc = 3 ] || break
	done
	if [ $rc = 0 ]; then
		sed "s/^/policy-trace-$wl: /" /tmp/trace-$wl.jsonl
	else
		echo "policy-run-failed: rc=$rc recording $wl"
	fi
done
