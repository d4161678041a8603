#!/bin/sh
# dirtyscope on the device's own dirty tracker: dma_log_agree runs both
# trackers (the SMMU's dirty bits and edu's DMA log through VFIO DMA
# logging) and prints how many rounds it read and how many pages the
# device wrote; meanwhile "dirtyscope rate --prom" and "dirtyscope record"
# run.  rate must give the device a series of its own (device="vfioN",
# and in the text the parent, vfioN@<bdf of the edu>) with exactly one
# report per round plus the REPORT after STOP (an error), and exactly the
# pages written; the IOMMU domain the same pages from as many scans.
# record must hold each report as a device event (DS_DIRTY_DEVICE, flags
# 2) with the same counts, and report must count them as dma_report.
# Needs kernel patch 49 (vfio:dma_log_report) and the edu log
# (scripts/vm.sh --edu-dma-log).  TAP output; /tests/dma_log_observe.

. /tests/lib/tap

REC=/tmp/dl.jsonl
PROM=/tmp/dl.prom

# field NAME < jsonl: the values of a numeric field, one per line
field() {
	sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"
}

sum() {
	awk '{ s += $1 } END { print s + 0 }'
}

# prom FAMILY LABEL: the value of FAMILY_total{LABEL}
prom() {
	sed -n "s/^$1_total{$2} \([0-9]*\)$/\1/p" $PROM
}

echo "KTAP version 1"
echo "1..9"

dirtyscope rate 1 --prom $PROM > /tmp/dl-rate.txt 2>&1 &
rate=$!
wait_banner /tmp/dl-rate.txt
ok $? "dirtyscope rate attached: $(head -n 1 /tmp/dl-rate.txt)"
grep -q '^Tracing iommu:dirty_scan and vfio:dma_log_report' /tmp/dl-rate.txt
ok $? "rate traces the devices' reports too (vfio:dma_log_report)"

dirtyscope record -o $REC -- /tests/dma_log_agree 30 > /tmp/dl-agree.txt 2> /tmp/dl-rec.err
rc=$?
sleep 1.5
kill -INT $rate
wait $rate
sed 's/^/# /' /tmp/dl-agree.txt
ok $rc "record -- dma_log_agree 30: both trackers agree ($(grep -c '^ok' /tmp/dl-agree.txt) ok, $(grep -c '^not ok' /tmp/dl-agree.txt) not ok)"

bdf=$(sed -n 's/^ok 1 edu \([0-9a-f:.]*\) bound.*/\1/p' /tmp/dl-agree.txt)
rounds=$(sed -n 's/^# figures: rounds=\([0-9]*\) .*/\1/p' /tmp/dl-agree.txt)
pages=$(sed -n 's/^# figures: .* pages=\([0-9]*\) .*/\1/p' /tmp/dl-agree.txt)
dev=$(sed -n 's/^dirtyscope_scans_total{device="\(vfio[0-9]*\)"}.*/\1/p' $PROM | head -n 1)

# rate: the device's own series, exact
d_scans=$(prom dirtyscope_scans "device=\"$dev\"")
d_errs=$(prom dirtyscope_scan_errors "device=\"$dev\"")
d_pages=$(prom dirtyscope_dirty_pages "device=\"$dev\"")
[ -n "$dev" ] && [ -n "$rounds" ] && [ "$d_scans" = "$rounds" ] &&
	[ "$d_errs" = 1 ] && [ "$d_pages" = "$pages" ]
ok $? "rate --prom: $dev made $d_scans reports ($d_errs failed: the one after STOP) with $d_pages pages; dma_log_agree read $rounds rounds of $pages pages"
grep -q "^$dev@$bdf " /tmp/dl-rate.txt
ok $? "rate's text names the device by VFIO index and parent: $dev@$bdf"

# the IOMMU's side of the same rounds (one domain, the HWPT's)
i_pages=$(sed -n 's/^dirtyscope_dirty_pages_total{domain="[0-9]*"} \([0-9]*\)$/\1/p' $PROM | sum)
i_scans=$(sed -n 's/^dirtyscope_scans_total{domain="[0-9]*"} \([0-9]*\)$/\1/p' $PROM | sum)
[ "$i_scans" = "$rounds" ] && [ "$i_pages" = "$pages" ]
ok $? "rate --prom: the IOMMU domain's $i_scans scans found $i_pages pages, the same as the device's log"

# record: the device's reports as device events
grep '"op":"scan"' $REC | grep '"flags":2,' > /tmp/dl-dev.jsonl
nev=$(wc -l < /tmp/dl-dev.jsonl)
p=$(field dirty < /tmp/dl-dev.jsonl | sum)
e=$(field ret < /tmp/dl-dev.jsonl | grep -vc '^0$')
ids=$(field domain_id < /tmp/dl-dev.jsonl | sort -u | tr '\n' ' ')
[ "$nev" = $((rounds + 1)) ] && [ "$p" = "$pages" ] && [ "$e" = 1 ] &&
	[ "$ids" = "${dev#vfio} " ]
ok $? "record: $nev device events (flags 2) of $ids(vfio index), $p pages, $e failed"

# report: the reports are dma_report, the rows as in rate
dirtyscope report $REC > /tmp/dl-report.txt 2>&1
rrc=$?
cnt=$(sed -n '/^op = dma_report/,/^$/p' /tmp/dl-report.txt | awk -F: '/->/ { split($2, a, "|"); s += a[1] } END { print s + 0 }')
[ $rrc = 0 ] && [ "$cnt" = $((rounds + 1)) ] && grep -q "^$dev " /tmp/dl-report.txt
ok $? "report: $cnt dma_report calls in the histogram, and a $dev row"

tail -n 1 /tmp/dl-rec.err | grep -q '^Recorded [0-9]* events (0 lost)'
ok $? "record says: $(tail -n 1 /tmp/dl-rec.err)"

echo "== dirtyscope rate 1 =="
cat /tmp/dl-rate.txt
echo "== dirtyscope report =="
cat /tmp/dl-report.txt
exit $failed
