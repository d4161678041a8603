#!/bin/sh
# The iommu:dirty_* tracepoints of the dirtyscope series, seen from tracefs
# the way perf and bpftrace use them: each event exists with its fields, and
# running iommufd_split (one 2 MiB block split, scans, one page cleared by
# bitmap, the block merged back) emits the events with the expected counts.
# TAP output; run by /init as /tests/tracepoints.

T=/sys/kernel/tracing
EV=$T/events/iommu
FIELDS="domain_id iova size pgsize leaves dirty duration_ns flags ret"
. /tests/lib/tap

echo "KTAP version 1"
echo "1..12"
[ -d "$T/events" ] || mount -t tracefs tracefs "$T"

for e in dirty_split dirty_merge dirty_scan dirty_clear; do
	missing=
	for f in $FIELDS; do
		grep -q "field:.* $f;" "$EV/$e/format" 2>/dev/null || missing="$missing $f"
	done
	[ -z "$missing" ]
	ok $? "iommu:$e in tracefs with its fields${missing:+ (missing:$missing)}"
done

echo 0 > "$T/tracing_on"
echo > "$T/trace"
for e in dirty_split dirty_merge dirty_scan dirty_clear; do
	echo 1 > "$EV/$e/enable"
done
echo 1 > "$T/tracing_on"
/tests/iommufd_split > /tmp/split.out 2>&1
rc=$?
echo 0 > "$T/tracing_on"
for e in dirty_split dirty_merge dirty_scan dirty_clear; do
	echo 0 > "$EV/$e/enable"
done
ok $rc "iommufd_split ran (exit $rc)"

trace=/tmp/trace.txt
grep -v '^#' "$T/trace" > "$trace"
# leave tracing on, as it was: later tests read the buffer too
echo 1 > "$T/tracing_on"
count() { grep -c " $1: " "$trace"; }
echo "# events: split $(count dirty_split) merge $(count dirty_merge)" \
	"scan $(count dirty_scan) clear $(count dirty_clear)"
sed -n '1,12p' "$trace" | sed 's/^/# /'

# One 2 MiB block split into 512 pages, one table merged back
grep " dirty_split: " "$trace" | grep -q "size=0x200000 pgsize=0x1000 leaves=512 dirty=1 .*ret=0"
ok $? "dirty_split: the 2 MiB block, 512 leaves, 1 block split"
grep " dirty_merge: " "$trace" | grep -q "size=0x200000 pgsize=0x1000 leaves=512 dirty=1 .*ret=0"
ok $? "dirty_merge: 512 leaves, 1 table merged"
# CLEAR_DIRTY_BITMAP of page 11 cleans exactly one leaf
grep " dirty_clear: " "$trace" | grep -q "leaves=1 dirty=1 .*ret=0"
ok $? "dirty_clear: one leaf visited and cleaned"
# A scan after the split and a single write reports one dirty leaf of 512
grep " dirty_scan: " "$trace" | grep -q "leaves=512 dirty=1 flags=0x0 ret=0"
ok $? "dirty_scan: 512 leaves visited, 1 dirty"
grep " dirty_scan: " "$trace" | grep -q "flags=0x1 ret=0"
ok $? "dirty_scan: NO_CLEAR reads flagged"
# Every event took time and names a domain
bad=$(grep " dirty_" "$trace" | grep -c -e "duration_ns=0$" -e "domain=0 ")
[ "$bad" = 0 ]
ok $? "every event has a domain and a non-zero duration ($bad bad)"
# iommufd_split reads the bitmap exactly 10 times
[ "$(count dirty_scan)" = 10 ]
ok $? "dirty_scan fired once per bitmap read ($(count dirty_scan) of 10)"

exit $failed
