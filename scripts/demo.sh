#!/usr/bin/env bash
# make demo: boot the test bed (patched kernel, QEMU with SMMUv3 HTTU
# emulation, edu bound to vfio-pci) and run the DMA workload dirtydemo,
# which prints per round how many pages DMA wrote and how many pages the
# kernel reported dirty, with iommufd block mappings, after splitting them,
# and with a VFIO type1 container; then again without the emulation, where
# type1 falls back to reporting every mapped page.  Serial logs are kept.
set -euo pipefail
. "$(dirname "$0")/common.sh"

qemu=$("$DS_TOP/scripts/qemu.sh")
logs=$DIRTYSCOPE_CACHE/logs
mkdir -p "$logs"

# run_demo on|off: boot with the HTTU emulation on or off, print the output
run_demo() {
	local httu=$1 log=$logs/demo-httu-$1.log rc=0
	progress demo "booting the guest (HTTU emulation $httu), running dirtydemo"
	"$DS_TOP/scripts/vm.sh" --qemu "$qemu" --httu "$httu" --tests none \
		--run dirtydemo --log "$log" --timeout 600 > /dev/null || rc=$?
	echo
	echo "== SMMUv3 HTTU emulation $httu =="
	tr -d '\r' < "$log" |
		sed -n '/^dirtyscope: run dirtydemo$/,/^dirtyscope: run dirtydemo rc=/p' |
		sed -e '1d' -e '$d' -e '/^\[ *[0-9.]*\]/d'
	if ! tr -d '\r' < "$log" | grep -q '^dirtyscope: run dirtydemo rc=0' ||
	   [ "$rc" != 0 ]; then
		die "the demo failed; serial log: $log"
	fi
}

run_demo on
run_demo off
progress demo "done; serial logs in $logs"
