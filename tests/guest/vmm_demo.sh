#!/bin/sh
# The guest side of make demo's real migration: Debian's unmodified QEMU
# migrates the L2 l2dma with an assigned edu (iommufd backend, hugetlb RAM,
# iommufd.dirty_split=1) while dirtyscope watches (vmm_observe). Prints
# the checks, the live monitor, the histograms, a table of pages, and the
# recording between markers for the host's dirtyscope report.

/tests/vmm_observe iommufd hugetlb split print > /tmp/vmm-demo.txt 2>&1
rc=$?

# key=value of the figures line
fig() { sed -n "s/^# figures: .*[ ]$1=\([^ ]*\).*/\1/p" /tmp/vmm-demo.txt; }

echo "== the checks (vmm_observe; vmm_migrate's own as comments) =="
sed -n '/^== dirtyscope rate/q; p' /tmp/vmm-demo.txt | grep -v '^# [sd][rs][ct]: '
echo
sed -n '/^== dirtyscope rate/,/^--- BEGIN RECORDING/p' /tmp/vmm-demo.txt | sed '$d'
echo
echo "== pages: QEMU $(/usr/bin/qemu-system-aarch64 --version | sed -n '1s/.*version //p'), iommufd, 64 MiB L2 on 2 MiB pages, iommufd.dirty_split=$(fig dirty_split) =="
printf '%-44s %s\n' "DMA writes during the migration" "$(fig dma_writes)" \
	"distinct pages DMA wrote" "$(fig dma_pages)" \
	"QEMU's bitmap reads" "$(fig bitmap_reads)" \
	"pages they reported (sum / distinct)" "$(fig pages_reported) / $(fig pages_reported_distinct)" \
	"pages QEMU sent (normal / zero)" "$(fig sent_normal) / $(fig sent_zero)" \
	"dirty-bitmap passes" "$(fig passes)" \
	"total / downtime (ms)" "$(fig total_ms) / $(fig downtime_ms)" \
	"lost writes (pages older on the destination)" "$(fig lost)"
sed -n '/^--- BEGIN RECORDING/,/^--- END RECORDING/p' /tmp/vmm-demo.txt
exit $rc
