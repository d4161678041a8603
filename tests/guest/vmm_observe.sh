#!/bin/sh
# A real QEMU migration (vmm_migrate) observed the way a user would: the
# live monitor `dirtyscope rate 1` and the latency histograms `dirtyscope
# lat` run while `dirtyscope record --bitmaps` records every dirty-page
# operation and every bitmap QEMU reads. Checks that the tools saw QEMU's
# reads and that every page the device wrote during the migration was in
# one of them, prints the monitor, the histograms and a summary, and the
# recording between markers (make demo reports on it on the host).
#
# Usage: vmm_observe [BACKEND [RAM [split] [print]]]   (vmm_migrate's
# --backend, --ram; default iommufd hugetlb; "split": with the
# administrator default iommufd.dirty_split=1 for the migration; "print":
# also print the recording).  TAP output.

. /tests/lib/tap

backend=${1:-iommufd}
ram=${2:-hugetlb}
rec=/tmp/vmm-$backend-$ram.jsonl
print=0
param=/sys/module/iommufd/parameters/dirty_split
shift 2 2>/dev/null
for a in "$@"; do
	case "$a" in
	print) print=1 ;;
	split) echo 1 > $param || exit 1 ;;
	*) echo "usage: vmm_observe [BACKEND [RAM [split] [print]]]" >&2; exit 2 ;;
	esac
done

echo "KTAP version 1"
echo "1..6"

dirtyscope rate 1 > /tmp/vmm-rate.txt 2>&1 &
rate=$!
dirtyscope lat > /tmp/vmm-lat.txt 2>&1 &
lat=$!
wait_banner /tmp/vmm-rate.txt && wait_banner /tmp/vmm-lat.txt
ok $? "dirtyscope rate 1 and dirtyscope lat attached"

dirtyscope record --bitmaps -o "$rec" -- \
	/tests/vmm_migrate --backend "$backend" --ram "$ram" \
	--pages-out /tmp/vmm-written.txt > /tmp/vmm-mig.txt 2> /tmp/vmm-record.txt
rc=$?
kill -INT $rate $lat
wait $rate $lat
sed 's/^/# /' /tmp/vmm-mig.txt
[ $rc = 0 ]
ok $? "the migration ($backend, $ram) passes its $(grep -c '^ok ' /tmp/vmm-mig.txt) checks under the recorder (exit $rc)"

# QEMU's bitmap reads from the recording's hex bitmaps: how many, the sum
# of their bits, the distinct pages they name (to vmm-reported.txt), and
# how many reads named part of a 2 MiB block (512 pages) without the rest
awk -v out=/tmp/vmm-reported.txt '
function hexval(c) { return index("0123456789abcdef", c) - 1 }
/"op":"bitmap_get/ {
	reads++
	match($0, /"iova":[0-9]+/); iova = substr($0, RSTART + 7, RLENGTH - 7) + 0
	match($0, /"pgsize":[0-9]+/); pg = substr($0, RSTART + 9, RLENGTH - 9) + 0
	match($0, /"bits":"[0-9a-f]*"/); bits = substr($0, RSTART + 8, RLENGTH - 9)
	split("", group)
	for (i = 0; i < length(bits); i += 2) {
		b = hexval(substr(bits, i + 1, 1)) * 16 + hexval(substr(bits, i + 2, 1))
		for (j = 0; j < 8; j++) {
			if (b % 2) {
				a = iova + (i / 2 * 8 + j) * pg
				bit_sum++
				page[sprintf("%x", a)] = 1
				group[int(a / (512 * pg))]++
			}
			b = int(b / 2)
		}
	}
	for (g in group)
		if (group[g] != 512)
			partial++
}
/"op":"scan"/ { scans++ }
END {
	n = 0
	for (p in page) { print p > out; n++ }
	printf "%d %d %d %d %d\n", reads, scans, bit_sum, n, partial
}' "$rec" > /tmp/vmm-bits.txt && [ -f /tmp/vmm-reported.txt ]
awk_rc=$?
read -r reads scans bits distinct partial < /tmp/vmm-bits.txt
[ $awk_rc = 0 ] && [ "${reads:-0}" -gt 0 ] && [ "${scans:-0}" -gt 0 ] &&
	grep -q '"bitmaps_lost":0' "$rec" && grep -q '"dropped":0' "$rec"
ok $? "the recording has QEMU's bitmap reads (${reads:-none}) and scans (${scans:-none}), none lost"

# every page written by DMA during the migration is in some read
written=$(wc -l < /tmp/vmm-written.txt)
missing=$(awk 'NR == FNR { r[$1] = 1; next } !($1 in r)' \
	/tmp/vmm-reported.txt /tmp/vmm-written.txt | wc -l)
[ "$written" -gt 0 ] && [ "${distinct:-0}" -gt 0 ] && [ "$missing" = 0 ]
ok $? "every page DMA wrote during the migration ($written) is in a bitmap QEMU read ($missing missing)"
[ "$missing" = 0 ] || awk 'NR == FNR { r[$1] = 1; next } !($1 in r) { print "# missing: iova 0x" $1 }' \
	/tmp/vmm-reported.txt /tmp/vmm-written.txt | head -n 5

# What granularity QEMU got: unmodified QEMU never asks iommufd to split,
# so hugetlb RAM mapped with 2 MiB blocks is reported by whole blocks,
# unless the administrator set iommufd.dirty_split; type1 splits at START
# and 4 KiB RAM has no blocks: then the reads name the pages written, at
# most one bit per DMA write (a page written twice between reads counts
# once), where every-page tracking would give every mapped page per read.
dma_writes=$(sed -n 's/.* dma_writes=\([0-9]*\).*/\1/p' /tmp/vmm-mig.txt)
split=$(cat $param 2>/dev/null)
echo 0 > $param
if [ "$backend" = iommufd ] && [ "$ram" = hugetlb ] && [ "$split" != Y ]; then
	[ "${partial:-1}" = 0 ] && [ "${bits:-0}" -gt 0 ]
	ok $? "QEMU's reads name whole 2 MiB blocks: $bits bits for ${dma_writes:-?} DMA writes, ${partial:-?} partial blocks (iommufd.dirty_split ${split:-?})"
else
	[ "${bits:-0}" -gt 0 ] && [ -n "$dma_writes" ] &&
		[ "$bits" -le $((dma_writes * 2)) ]
	ok $? "QEMU's reads name the pages written: $bits bits for ${dma_writes:-?} DMA writes (at most twice as many; iommufd.dirty_split ${split:-?})"
fi

grep -q 'scan' /tmp/vmm-lat.txt && [ "$(grep -c '^domain [0-9]' /tmp/vmm-rate.txt)" -gt 0 ]
ok $? "rate printed $(grep -c '^domain [0-9]' /tmp/vmm-rate.txt) domain lines and lat a scan histogram"

figures=$(sed -n 's/^# figures: //p' /tmp/vmm-mig.txt)
echo "# figures: $figures bitmap_reads=$reads scans=$scans pages_reported=$bits pages_reported_distinct=$distinct dirty_split=${split:-?}"
echo "== dirtyscope rate 1 (live, per second) =="
cat /tmp/vmm-rate.txt
echo "== dirtyscope lat (Ctrl-C at the end) =="
cat /tmp/vmm-lat.txt
if [ $print = 1 ]; then
	echo "--- BEGIN RECORDING $backend-$ram ---"
	cat "$rec"
	echo "--- END RECORDING $backend-$ram ---"
fi
exit $failed
