#!/bin/sh
# The guest side of bench/vmm/run.sh: REPS real QEMU migrations of each
# configuration, one "vmm-run: key=value..." line per run (the figures
# plus the verdict and wall time). Not a test. The IOMMU-tracker runs are
# vmm_observe's (under dirtyscope); the device-tracker runs (edu's DMA
# log, VFIO DMA logging: the boot needs --edu-dma-log) vmm_migrate's.
#
# Usage: vmm_bench [REPS]   (default: ds.vmm_reps= on the kernel command
# line, else 3)

reps=$(sed -n 's/.*ds\.vmm_reps=\([0-9]*\).*/\1/p' /proc/cmdline)
reps=${1:-${reps:-3}}
for cfg in "iommufd hugetlb" "iommufd hugetlb split" "iommufd 4k" \
	   "type1 hugetlb" "type1 4k" "iommufd hugetlb device" "iommufd 4k device"; do
	i=0
	while [ $i -lt "$reps" ]; do
		i=$((i + 1))
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
		fig=$(sed -n 's/^# figures: //p' /tmp/vmm-bench.txt)
		echo "vmm-run: config=$(echo "$cfg" | tr ' ' '-') rep=$i rc=$rc wall_ms=$(( (t1 - t0) * 10 )) $fig"
	done
done
