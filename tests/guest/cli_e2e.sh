#!/bin/sh
# dirtyscope end to end in the guest: the CLI against the real iommu:dirty_*
# tracepoints while iommufd_split drives a known DMA pattern through the
# emulated SMMUv3. iommufd_split issues exactly one split, one merge, one
# clear by bitmap and ten bitmap reads, whose dirty page counts (4 KiB
# pages; a dirty 2 MiB block is 512) are, in order:
EXPECT_SCANS="512 0 1 3 3 2 3 1 512 512"
# TAP output; run by /init as /tests/cli_e2e.

. /tests/lib/tap

# field NAME < jsonl: the values of a numeric field, one per line
field() {
	sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"
}

echo "KTAP version 1"
echo "1..16"

yes=$(dirtyscope status | grep -c '^tracepoint iommu:dirty_[a-z]* *yes')
ok $([ "$yes" = 4 ]; echo $?) "status: the four dirty_* tracepoints present ($yes)"

# the SMMU's lines (the kernel's iommufd selftest mock is an IOMMU too)
hb=$(dirtyscope status |
	awk '$1 == "iommu" && $2 ~ /^smmu3\./ && ($3 == "httu" || $3 == "bbml") { print $4 }' |
	tr '\n' ' ')
ok $([ "$hb" = "access+dirty 2 " ]; echo $?) \
	"status: SMMU httu and bbml from sysfs = $hb(want access+dirty 2)"

sleep 30 3</dev/iommu &
holder=$!
users=$(dirtyscope status | grep '^dirty-tracking users')
kill $holder
echo "$users" | grep -q "users *1: $holder sleep (iommufd)$"
ok $? "status lists a process holding /dev/iommu: $users"

rec=/tmp/rec.jsonl
dirtyscope record -o $rec -- /tests/iommufd_split > /dev/null
ok $? "record -- iommufd_split: exit status of the command"
for op in scan split merge clear; do
	eval "c_$op=$(grep -c "\"op\":\"$op\"" $rec)"
done
ok $([ "$c_scan/$c_split/$c_merge/$c_clear" = 10/1/1/1 ]; echo $?) \
	"events: scan/split/merge/clear = $c_scan/$c_split/$c_merge/$c_clear, want 10/1/1/1"
got=$(grep '"op":"scan"' $rec | field dirty | tr '\n' ' ' | sed 's/ $//')
ok $([ "$got" = "$EXPECT_SCANS" ]; echo $?) "dirty pages per scan: $got"
zero=$(grep '"op"' $rec | field duration_ns | grep -c '^0$')
bad=$(grep '"op"' $rec | field ret | grep -vc '^0$')
ok $([ "$zero" = 0 ] && [ "$bad" = 0 ]; echo $?) \
	"every event ret=0 with a non-zero duration ($zero zero, $bad failed)"

json=$(dirtyscope report -j $rec)
scans=$(echo "$json" | sed 's/.*"rate"://' | field scans)
pages=$(echo "$json" | sed 's/.*"rate"://' | field dirty_pages)
ok $([ "$scans" = 10 ] && [ "$pages" = 1549 ]; echo $?) \
	"report -j: 10 scans, 1549 dirty pages ($scans, $pages)"

# Live: lat and rate attached while the workload runs, then Ctrl-C; a
# second lat in msecs writes the Prometheus file (written again on Ctrl-C)
dirtyscope lat > /tmp/lat.txt 2>&1 &
lat=$!
dirtyscope rate 600 > /tmp/rate.txt 2>&1 &
rate=$!
dirtyscope lat -m --prom /tmp/lat.prom > /tmp/latms.txt 2>&1 &
latms=$!
wait_banner /tmp/lat.txt && wait_banner /tmp/rate.txt && wait_banner /tmp/latms.txt
ok $? "lat, rate and lat -m --prom attached"
grep -q '^dirtyscope: no dirty-tracking user present' /tmp/lat.txt &&
	grep -q '^dirtyscope: no dirty-tracking user present' /tmp/rate.txt
ok $? "lat and rate say no dirty-tracking user is present yet"
/tests/iommufd_split > /dev/null
kill -INT $lat $rate $latms
wait $lat
lrc=$?
wait $rate
rrc=$?
wait $latms
mrc=$?
ok $([ "$lrc" = 0 ] && [ "$rrc" = 0 ] && [ "$mrc" = 0 ]; echo $?) \
	"lat, rate and lat -m exit 0 on SIGINT ($lrc, $rrc, $mrc)"

# lat: sum of the histogram counts per op
hist() {
	awk -v op="$1" '/^op = / { cur = $3 } cur == op && /->/ { s += $5 }
		END { print s + 0 }' /tmp/lat.txt
}
h="$(hist scan)/$(hist split)/$(hist merge)/$(hist clear)"
ok $([ "$h" = 10/1/1/1 ]; echo $?) "lat histograms count scan/split/merge/clear = $h"
nz=$(awk '/^op = scan/ { s = 1 } s && /->/ && $5 > 0 { print $1; exit }' /tmp/lat.txt)
ok $([ -n "$nz" ]; echo $?) "lat: scan latencies recorded from the $nz us bucket up"

# lat -m --prom: one histogram family with an op label, the operations
# counted, microsecond buckets although -m prints msecs
pcount() {
	sed -n "s/^dirtyscope_op_duration_seconds_count{op=\"$1\"} \([0-9]*\)$/\1/p" /tmp/lat.prom
}
p="$(pcount scan)/$(pcount split)/$(pcount merge)/$(pcount clear)"
ok $([ "$p" = 10/1/1/1 ]; echo $?) \
	"lat -m --prom: dirtyscope_op_duration_seconds_count scan/split/merge/clear = $p"
les=$(sed -n 's/^dirtyscope_op_duration_seconds_bucket{op="scan",le="\([^"]*\)"}.*/\1/p' /tmp/lat.prom)
first=$(echo "$les" | head -n 1)
nb=$(echo "$les" | grep -c .)
ok $([ "$first" = 0.000002 ] && [ "$nb" = 32 ] &&
	grep -q '^ *msecs  *: count' /tmp/latms.txt; echo $?) \
	"lat -m --prom: usecs buckets (first le $first s, $nb buckets), msecs printed"

# rate: one domain line with 10 scans, 154.9 pages per scan
line=$(awk '$1 == "domain" && $2 ~ /^[0-9]+$/ && NF >= 9' /tmp/rate.txt | tail -n 1)
set -- $line
ok $([ "$3" = 10 ] && [ "$4" = 0 ] && [ "$5" = 154.9 ]; echo $?) \
	"rate: scans, errors, pages/scan = $3, $4, $5 (want 10, 0, 154.9)"
sed 's/^/# /' /tmp/lat.txt /tmp/rate.txt | head -n 60
grep -v '_bucket' /tmp/lat.prom | sed 's/^/# /'

exit $failed
