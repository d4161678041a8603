#!/usr/bin/env bash
# make demo: boot the test bed (patched kernel, QEMU with SMMUv3 HTTU
# emulation, edu bound to vfio-pci) and run the DMA workload dirtydemo,
# which prints per round how many pages DMA wrote and how many pages the
# kernel reported dirty, with iommufd block mappings, after splitting them,
# and with a VFIO type1 container; then recorded pre-copy migrations, for
# which `dirtyscope policy recommend` picks a clear policy; then a real
# QEMU inside the guest migrates an L2 with an assigned edu under
# dirtyscope; then again without the emulation, where type1 falls back to
# reporting every mapped page.  Serial logs are kept.
set -euo pipefail
. "$(dirname "$0")/common.sh"

qemu=$("$DS_TOP/scripts/qemu.sh")
logs=$DIRTYSCOPE_CACHE/logs
mkdir -p "$logs"

# run_demo on|off PROGRAM [VM ARGS]: boot with the HTTU emulation on or
# off, run PROGRAM (/tests/PROGRAM in the guest) and keep what it printed
run_demo() {
	local httu=$1 prog=$2 log=$logs/demo-$2-httu-$1.log rc=0
	shift 2
	progress demo "booting the guest (HTTU emulation $httu), running $prog"
	"$DS_TOP/scripts/vm.sh" --qemu "$qemu" --httu "$httu" --tests none \
		--run "$prog" --log "$log" --timeout 600 "$@" > /dev/null || rc=$?
	tr -d '\r' < "$log" |
		sed -n "/^dirtyscope: run $prog\$/,/^dirtyscope: run $prog rc=/p" |
		sed -e '1d' -e '$d' -e '/^\[ *[0-9.]*\]/d' > "$out/$prog-httu-$httu.txt"
	if ! tr -d '\r' < "$log" | grep -q "^dirtyscope: run $prog rc=0" ||
	   [ "$rc" != 0 ]; then
		cat "$out/$prog-httu-$httu.txt"
		die "the demo failed; serial log: $log"
	fi
}

out=$DS_TOP/build/demo
mkdir -p "$out"
make -s -C "$DS_TOP/src" >&2

run_demo on demo
echo
echo "== SMMUv3 HTTU emulation on: dirtydemo under dirtyscope =="
sed '/^--- BEGIN RECORDING ---$/,$d' "$out/demo-httu-on.txt"
sed -n '/^--- BEGIN RECORDING ---$/,/^--- END RECORDING ---$/p' \
	"$out/demo-httu-on.txt" | sed -e '1d' -e '$d' > "$out/demo.jsonl"
echo
echo "== dirtyscope report (host, offline, on the guest's recording) =="
"$DS_TOP/build/host/dirtyscope" report "$out/demo.jsonl" \
	--svg "$out/heatmap.svg" --hist-svg "$out/latency.svg"
echo
echo "heat map:           $out/heatmap.svg"
echo "latency histograms: $out/latency.svg"
echo "recording:          $out/demo.jsonl"

# edu DMAs complete after 1 us: the device writes 8000 pages/s
run_demo on policy_demo --dma-delay-ns 1000
for wl in hotset ring; do
	sed -n "/^--- BEGIN RECORDING $wl ---\$/,/^--- END RECORDING $wl ---\$/p" \
		"$out/policy_demo-httu-on.txt" | sed -e '1d' -e '$d' \
		> "$out/migration-$wl.jsonl"
	echo
	echo "== dirtyscope policy recommend (host, on a recorded eager migration: $wl) =="
	"$DS_TOP/build/host/dirtyscope" policy recommend "$out/migration-$wl.jsonl"
done

# A real VMM: Debian's QEMU 10.0 inside the guest migrates an L2 with an
# assigned edu while dirtyscope watches (tests/guest/vmm_demo.sh)
run_demo on vmm_demo --vmm --edu 2 --smp 2 --mem 2G --append ds.hugepages=72
echo
echo "== a real QEMU migration (QEMU in the guest, an L2 with an assigned edu doing DMA) =="
sed '/^--- BEGIN RECORDING/,$d' "$out/vmm_demo-httu-on.txt"
sed -n '/^--- BEGIN RECORDING/,/^--- END RECORDING/p' "$out/vmm_demo-httu-on.txt" |
	sed -e '1d' -e '$d' > "$out/vmm-migration.jsonl"
echo
echo "== dirtyscope report (host, on the recording of QEMU's migration) =="
"$DS_TOP/build/host/dirtyscope" report "$out/vmm-migration.jsonl" \
	--svg "$out/vmm-heatmap.svg"
echo "heat map of QEMU's bitmap reads: $out/vmm-heatmap.svg"

run_demo off dirtydemo
echo
echo "== SMMUv3 HTTU emulation off (stock QEMU behaviour) =="
cat "$out/dirtydemo-httu-off.txt"
progress demo "kernel: Debian linux-source-6.12 $(cat "$DIRTYSCOPE_CACHE/linux/version") + kernel-patches/series"
progress demo "done; serial logs in $logs, outputs in $out"
