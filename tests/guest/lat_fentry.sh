#!/bin/sh
# dirtyscope lat with the fentry/fexit ops in the guest: the histograms
# count exactly the dirty-tracking ioctls the workloads issue, with
# non-zero latencies, and count the failing calls as errors.
#
#   iommufd_split: 10 IOMMU_HWPT_GET_DIRTY_BITMAP, 3 SET_DIRTY_TRACKING
#     (enable, enable|split, merge), 1 CLEAR_DIRTY_BITMAP, all succeed.
#   type1_hwdirty: 81 VFIO_IOMMU_DIRTY_PAGES: START, 3 GET, 2 NOCLEAR
#     peeks, CLEAR + peek, GET, an auto-clear pre-copy round (2 GET), GET,
#     a manual-clear pre-copy round (GET, 64 CLEAR, GET), GET, STOP, and a
#     CLEAR while not tracking that fails (EINVAL).
#   iommufd_badinput: 23 CLEAR_DIRTY_BITMAP cases of which two fail in
#     the iommufd core before the handler (size smaller than the struct,
#     a larger one with a non-zero tail): 21 handler calls, 18 errors;
#     12 SET_DIRTY_TRACKING cases, 10 errors, and one enable; one
#     GET_DIRTY_BITMAP into a read-only bitmap (EFAULT).
#   edu_dma_log: VFIO DMA logging reports on the test bed's edu-vfio-pci
#     (dma_report: edu_log_read_and_clear), one while not logging (EINVAL);
#     the two the VFIO core refuses (bad page size) never reach it.
# TAP output; run by /init as /tests/lat_fentry.

FN_OPS=get_bitmap,set_tracking,clear_bitmap,type1_dirty,dma_report
# edu_dma_log's reports that reach the driver: 14, one while not logging
# and one on a log turned off behind the driver's back (EIO)
DMA_REPORTS=14/2
. /tests/lib/tap

# wait_links PID N: until the process holds N BPF links (60 s at most)
wait_links() {
	i=0
	while [ "$(grep -l '^link_type:' /proc/$1/fdinfo/* 2>/dev/null | wc -l)" -lt "$2" ]; do
		i=$((i + 1))
		[ "$i" -gt 300 ] && return 1
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.2
	done
}

# trace NAME LINKS OPS WORKLOAD...: lat -j on OPS while WORKLOAD runs, then
# SIGINT; JSON in /tmp/NAME.json, stderr in /tmp/NAME.err, status in $lrc
trace() {
	name=$1 links=$2 ops=$3
	shift 3
	dirtyscope lat -j --op "$ops" > /tmp/$name.json 2> /tmp/$name.err &
	lat=$!
	if ! wait_links $lat $links; then
		kill -INT $lat 2>/dev/null
		wait $lat
		lrc=attach
		return
	fi
	"$@" > /dev/null
	kill -INT $lat
	wait $lat
	lrc=$?
}

# op NAME OP: "count/errors" of OP in /tmp/NAME.json, "0/0" when absent
op() {
	sed -n "s/.*{\"op\":\"$2\",\"count\":\([0-9]*\),\"sum_ns\":[0-9]*,\"errors\":\([0-9]*\).*/\1\/\2/p" \
		/tmp/$1.json | grep . || echo 0/0
}

# sum_ns NAME OP
sum_ns() {
	sed -n "s/.*{\"op\":\"$2\",\"count\":[0-9]*,\"sum_ns\":\([0-9]*\).*/\1/p" \
		/tmp/$1.json | grep . || echo 0
}

echo "KTAP version 1"
echo "1..12"

fentry=$(dirtyscope status | sed -n "s/^fentry  *//p")
echo "$fentry" | grep -q "^yes "
ok $? "status: fentry usable ($fentry)"

# get/set/clear: 6 links, type1_dirty: 2, dma_report: 2 (edu-vfio-pci is
# built in; mlx5_vfio_pci and pds_vfio_pci are not)
trace split 10 $FN_OPS /tests/iommufd_split
ok $([ "$lrc" = 0 ]; echo $?) "lat --op $FN_OPS attached, exit 0 on SIGINT ($lrc)"
# stderr: nothing but the note lat prints when it starts before any
# dirty-tracking user exists: dma_report found a target
ok $([ -z "$(grep -v '^dirtyscope: no dirty-tracking user present' /tmp/split.err)" ]; echo $?) \
	"dma_report attached to edu_log_read_and_clear, no skip line"
h="$(op split get_bitmap) $(op split set_tracking) $(op split clear_bitmap) $(op split type1_dirty)"
ok $([ "$h" = "10/0 3/0 1/0 0/0" ]; echo $?) \
	"iommufd_split: get_bitmap, set_tracking, clear_bitmap, type1_dirty count/errors = $h, want 10/0 3/0 1/0 0/0"
z=0
for o in get_bitmap set_tracking clear_bitmap; do
	[ "$(sum_ns split $o)" -gt 0 ] || z=$((z + 1))
done
ok $z "iommufd_split: non-zero latency sums ($(sum_ns split get_bitmap) ns for 10 bitmap reads)"

trace type1 10 $FN_OPS /tests/type1_hwdirty
h="$(op type1 type1_dirty) $(op type1 get_bitmap)"
ok $([ "$lrc" = 0 ] && [ "$h" = "81/1 0/0" ]; echo $?) \
	"type1_hwdirty: type1_dirty, get_bitmap count/errors = $h, want 81/1 0/0 (exit $lrc)"
ok $([ "$(sum_ns type1 type1_dirty)" -gt 0 ]; echo $?) \
	"type1_hwdirty: non-zero latency sum ($(sum_ns type1 type1_dirty) ns)"

trace bad 10 $FN_OPS /tests/iommufd_badinput
h="$(op bad clear_bitmap) $(op bad set_tracking) $(op bad get_bitmap)"
ok $([ "$lrc" = 0 ] && [ "$h" = "21/18 13/10 1/1" ]; echo $?) \
	"iommufd_badinput: clear_bitmap, set_tracking, get_bitmap count/errors = $h, want 21/18 13/10 1/1 (exit $lrc)"

# fentry and tracepoint ops together: one scan event per bitmap read
trace mixed 3 scan,get_bitmap /tests/iommufd_split
h="$(op mixed scan) $(op mixed get_bitmap)"
ok $([ "$lrc" = 0 ] && [ "$h" = "10/0 10/0" ]; echo $?) \
	"lat --op scan,get_bitmap: scan, get_bitmap = $h, want 10/0 10/0 (exit $lrc)"

# text output names the fentry op and its failures
dirtyscope lat --op clear_bitmap > /tmp/text.txt 2>&1 &
lat=$!
wait_links $lat 2 && /tests/iommufd_badinput > /dev/null
kill -INT $lat
wait $lat
grep -q '^op = clear_bitmap (18 failed)$' /tmp/text.txt
ok $? "text output: op = clear_bitmap (18 failed)"

# -D does not apply to the fentry ops
dirtyscope lat -D --op get_bitmap > /tmp/dom.out 2> /tmp/dom.err
rc=$?
ok $([ "$rc" = 64 ] && head -n 1 /tmp/dom.err | grep -q 'the fentry ops have no iommu domain'; echo $?) \
	"lat -D --op get_bitmap: usage error ($rc)"
trace dma 2 dma_report /tests/edu_dma_log
h=$(op dma dma_report)
ok $([ "$lrc" = 0 ] && [ "$h" = "$DMA_REPORTS" ] && [ "$(sum_ns dma dma_report)" -gt 0 ]; echo $?) \
	"lat --op dma_report on edu_dma_log: count/errors = $h, want $DMA_REPORTS, non-zero latency (exit $lrc)"

for f in split type1 bad mixed dma; do
	sed "s/^/# $f: /" /tmp/$f.json /tmp/$f.err
done | cut -c 1-400
exit $failed
