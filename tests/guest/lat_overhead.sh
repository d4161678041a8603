#!/bin/sh
# Not a test: the guest overhead benchmark of dirtyscope lat.
#
#   scripts/vm.sh --qemu "$(scripts/qemu.sh)" --httu on --run lat_overhead
#   /tests/lat_overhead [CALLS [REPS]]	(in the guest; default 2000 7)
#
# Times IOMMU_HWPT_GET_DIRTY_BITMAP on a small range (/tests/iommufd_bench:
# CALLS calls, REPS repetitions, median) with nothing attached, with
# "dirtyscope lat --op scan" (one tp_btf program per call: the
# iommu:dirty_scan event), with "--op get_bitmap" (fentry + fexit on
# iommufd_hwpt_get_dirty_bitmap, task-storage timestamp) and with both,
# and prints ns/call, what each adds per call and the ratio to the
# untraced call.  Under TCG absolute times mean little: compare ratios.

CALLS=${1:-2000}
REPS=${2:-7}

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

# bench: median ns/call of the workload
bench() {
	/tests/iommufd_bench "$CALLS" "$REPS" | sed -n 's/^median_ns_per_call //p'
}

# traced OPS LINKS: median ns/call with lat attached on OPS
traced() {
	dirtyscope lat -j --op "$1" > /tmp/ovh.json 2> /tmp/ovh.err &
	lat=$!
	if ! wait_links $lat "$2"; then
		echo "lat --op $1 did not attach: $(cat /tmp/ovh.err)" >&2
		kill -INT $lat 2>/dev/null
		wait $lat
		echo 0
		return
	fi
	bench
	kill -INT $lat
	wait $lat
}

echo "dirtyscope guest overhead: IOMMU_HWPT_GET_DIRTY_BITMAP, 16 pages, $CALLS calls x $REPS, median"
echo "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
none1=$(bench)
tp=$(traced scan 1)
fn=$(traced get_bitmap 2)
both=$(traced scan,get_bitmap 3)
none2=$(bench)
awk -v n1="$none1" -v n2="$none2" -v tp="$tp" -v fn="$fn" -v both="$both" '
function row(name, v) {
	if (v + 0 == 0)
		printf "%-44s %12s %12s %8s\n", name, "n/a", "-", "-"
	else
		printf "%-44s %12.1f %12.1f %8.3f\n", name, v, v - base, v / base
}
BEGIN {
	base = (n1 + n2) / 2
	printf "%-44s %12s %12s %8s\n", "variant", "ns/call", "+ns/call", "ratio"
	printf "%-44s %12.1f %12s %8s\n", "none (before)", n1, "-", "-"
	printf "%-44s %12.1f %12s %8s\n", "none (after)", n2, "-", "-"
	row("lat --op scan (tp_btf iommu:dirty_scan)", tp)
	row("lat --op get_bitmap (fentry+fexit)", fn)
	row("lat --op scan,get_bitmap", both)
	printf "ratio: ns/call over the mean untraced ns/call; +ns/call: the cost of the traced event(s) of one call\n"
}'
