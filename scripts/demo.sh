#!/usr/bin/env bash
# make demo: boot the test bed (patched kernel, QEMU with SMMUv3 HTTU
# emulation, edu bound to vfio-pci) and run the DMA workload dirtydemo,
# which prints per round how many pages DMA wrote and how many pages the
# kernel reported dirty, with iommufd block mappings, after splitting them,
# and with a VFIO type1 container.  The whole serial log is kept.
set -euo pipefail
. "$(dirname "$0")/common.sh"

log=${DEMO_LOG:-$DIRTYSCOPE_CACHE/logs/demo.log}
mkdir -p "$(dirname "$log")"
qemu=$("$DS_TOP/scripts/qemu.sh")
progress demo "booting the guest (HTTU emulation on) and running dirtydemo"
rc=0
"$DS_TOP/scripts/vm.sh" --qemu "$qemu" --httu on --tests none \
	--run dirtydemo --log "$log" --timeout 600 > /dev/null || rc=$?

echo
sed -n '/^dirtyscope: run dirtydemo$/,/^dirtyscope: run dirtydemo rc=/p' "$log" |
	sed -e '1d' -e '$d' -e '/^\[ *[0-9.]*\]/d'
echo
if ! grep -q '^dirtyscope: run dirtydemo rc=0' "$log" || [ "$rc" != 0 ]; then
	die "the demo failed; serial log: $log"
fi
progress demo "done; serial log: $log"
