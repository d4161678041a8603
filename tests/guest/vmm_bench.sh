#!/bin/sh
# The guest side of bench/vmm/run.sh: REPS real QEMU migrations of each
# configuration, one "vmm-run: key=value..." line per run (the figures
# plus the verdict and wall time). Not a test. The IOMMU-tracker runs are
# vmm_observe's (under dirtyscope); the device-tracker runs (edu's DMA
# log, VFIO DMA logging: the boot needs --edu-dma-log) vmm_migrate's.
# Every run also has "dirtyscope rate --prom" beside it, whose counters give
# the calls QEMU made to each tracker and their mean cost: iommu_scans,
# iommu_scan_ns (per call), device_reports, device_report_ns, and the
# pages each reported (iommu_pages, device_pages).
#
# Usage: vmm_bench [REPS]   (default: ds.vmm_reps= on the kernel command
# line, else 3)

reps=$(sed -n 's/.*ds\.vmm_reps=\([0-9]*\).*/\1/p' /proc/cmdline)
reps=${1:-${reps:-3}}
. /tests/lib/tap

# calls KIND: "N NS PAGES": calls, mean ns per call, pages, from rate's
# counters (KIND domain or device; every series of that kind summed)
calls() {
	awk -v k="$1" '
		index($0, "{" k "=") == 0 { next }
		/^dirtyscope_scans_total/ { n += $2 }
		/^dirtyscope_dirty_pages_total/ { p += $2 }
		/^dirtyscope_scan_time_seconds_total/ { s += $2 }
		END { printf "%d %d %d\n", n, n ? s * 1e9 / n : 0, p }' /tmp/vmm-bench.prom
}
for cfg in "iommufd hugetlb" "iommufd hugetlb split" "iommufd 4k" \
	   "type1 hugetlb" "type1 4k" "iommufd hugetlb device" "iommufd 4k device"; do
	i=0
	while [ $i -lt "$reps" ]; do
		i=$((i + 1))
		rm -f /tmp/vmm-bench.prom /tmp/vmm-bench-rate.txt
		dirtyscope rate 3600 --prom /tmp/vmm-bench.prom \
			> /tmp/vmm-bench-rate.txt 2>&1 &
		rate=$!
		wait_banner /tmp/vmm-bench-rate.txt
		t0=$(sed 's/ .*//; s/\.//' /proc/uptime)
		set -- $cfg
		if [ "$3" = device ]; then
			/tests/vmm_migrate --backend "$1" --ram "$2" --tracker device \
				> /tmp/vmm-bench.txt 2>&1
		else
			# shellcheck disable=SC2086 # cfg is a list of words
			/tests/vmm_observe $cfg > /tmp/vmm-bench.txt 2>&1
		fi
		rc=$?
		t1=$(sed 's/ .*//; s/\.//' /proc/uptime)
		kill -INT $rate
		wait $rate
		fig=$(sed -n 's/^# figures: //p' /tmp/vmm-bench.txt)
		set -- $(calls domain) $(calls device)
		echo "vmm-run: config=$(echo "$cfg" | tr ' ' '-') rep=$i rc=$rc wall_ms=$(( (t1 - t0) * 10 )) $fig iommu_scans=$1 iommu_scan_ns=$2 iommu_pages=$3 device_reports=$4 device_report_ns=$5 device_pages=$6"
	done
done
