#!/bin/sh
# perf on the series' iommu:dirty_* tracepoints, as a kernel engineer
# profiles with it (perf is built from the guest kernel's tools/perf):
# perf list finds the four events, perf stat counts exactly the operations
# iommufd_split makes (one split, one merge, one clear by bitmap, ten
# bitmap reads), perf record + perf script show every field, and
# dirtyscope report reads the perf script text to the same numbers as its
# own recording of the same run.  iommufd_split's scans report, in order,
# 512 0 1 3 3 2 3 1 512 512 dirty pages (1549; cli_e2e checks the same).
# The device-side tracker's vfio:dma_log_* events (kernel patch 49) are
# counted the same way on dma_log_agree (boot with --edu-dma-log).
# TAP output; run by /init as /tests/perf_events.

. /tests/lib/tap

echo "KTAP version 1"
echo "1..13"

n=$(perf list 'iommu:dirty_*' 2>/dev/null |
	grep -c 'iommu:dirty_\(split\|merge\|scan\|clear\) *\[Tracepoint event\]')
ok $([ "$n" = 4 ]; echo $?) "perf list 'iommu:dirty_*' shows the four tracepoints ($n)"

# perf stat of one process: CSV "count,unit,event,..."
perf stat -x, -e 'iommu:dirty_*' -o /tmp/perf-stat.csv -- /tests/iommufd_split \
	> /tmp/perf-stat.out 2>&1
ok $? "perf stat -e 'iommu:dirty_*' -- iommufd_split: exit status"
cnt() { awk -F, -v e="iommu:$1" '$3 == e { print $1 }' /tmp/perf-stat.csv; }
got="$(cnt dirty_split)/$(cnt dirty_merge)/$(cnt dirty_clear)/$(cnt dirty_scan)"
ok $([ "$got" = 1/1/1/10 ]; echo $?) \
	"perf stat counts split/merge/clear/scan = $got (want 1/1/1/10)"
[ "$got" = 1/1/1/10 ] || sed 's/^/# /' /tmp/perf-stat.csv

# Both recorders on one run: perf system-wide (-k mono: the clock of
# dirtyscope record) around dirtyscope record around the workload
perf record -q -e 'iommu:dirty_*' -a -k mono -o /tmp/perf.data -- \
	dirtyscope record -o /tmp/both.jsonl -- /tests/iommufd_split \
	> /tmp/perf-record.out 2>&1
ok $? "perf record -a -k mono around dirtyscope record -- iommufd_split"
perf script --header --ns -F comm,tid,cpu,time,event,trace -i /tmp/perf.data \
	> /tmp/perf.txt 2> /tmp/perf-script.err
n=$(grep -c ' iommu:dirty_[a-z]*: domain=[0-9]* iova=0x[0-9a-f]* size=0x[0-9a-f]* pgsize=0x[0-9a-f]* leaves=[0-9]* dirty=[0-9]* flags=0x[0-9a-f]* ret=-\{0,1\}[0-9]* duration_ns=[1-9][0-9]*$' /tmp/perf.txt)
ok $([ "$n" = 13 ]; echo $?) \
	"perf script: 13 events with every field and a duration ($n)"
[ "$n" = 13 ] || sed -n '1,20p' /tmp/perf.txt /tmp/perf-script.err | sed 's/^/# /'
grep -q ' iommu:dirty_split: .* size=0x200000 pgsize=0x1000 leaves=512 dirty=1 ' /tmp/perf.txt
ok $? "perf script: the split of the 2 MiB block into 512 pages"

# the filter of docs/cli.md: only scans that found more than 256 pages
perf record -q -e iommu:dirty_scan --filter 'ret != 0 || dirty > 256' -a \
	-o /tmp/perf-filter.data -- /tests/iommufd_split > /dev/null 2>&1
n=$(perf script -F event,trace -i /tmp/perf-filter.data 2>/dev/null |
	grep -c 'iommu:dirty_scan: .* dirty=512 ')
all=$(perf script -F event -i /tmp/perf-filter.data 2>/dev/null | grep -c 'iommu:dirty_scan')
ok $([ "$n" = 3 ] && [ "$all" = 3 ]; echo $?) \
	"perf record --filter 'ret != 0 || dirty > 256': the 3 scans of 512 pages, no other ($n of $all)"

dirtyscope report --prom /tmp/from-perf.prom /tmp/perf.txt > /dev/null 2> /tmp/rp.err &&
	dirtyscope report --prom /tmp/from-rec.prom /tmp/both.jsonl > /dev/null 2>> /tmp/rp.err &&
	cmp /tmp/from-perf.prom /tmp/from-rec.prom
ok $? "dirtyscope report: the same metrics (histograms, counts, pages) from perf script text as from its own recording"
sed 's/^/# /' /tmp/rp.err

json=$(dirtyscope report -j /tmp/perf.txt)
scans=$(echo "$json" | sed 's/.*"rate"://' | sed -n 's/.*"scans":\([0-9]*\).*/\1/p')
pages=$(echo "$json" | sed 's/.*"rate"://' | sed -n 's/.*"dirty_pages":\([0-9]*\).*/\1/p')
echo "$json" | grep -q '"source":"perf script"' && [ "$scans" = 10 ] && [ "$pages" = 1549 ]
ok $? "report -j on perf script text: source perf script, 10 scans, 1549 dirty pages ($scans, $pages)"

# The heat map: every dirty page of the scans lands in some cell, both ways
sum_cells() {
	sed -n 's/.*<title>[^<]*: ~\{0,1\}\([0-9.]*\) dirty page.*/\1/p' "$1" |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}
dirtyscope report /tmp/perf.txt --svg /tmp/perf-heat.svg > /dev/null 2>&1 &&
	dirtyscope report /tmp/both.jsonl --svg /tmp/rec-heat.svg > /dev/null 2>&1
hp=$(sum_cells /tmp/perf-heat.svg)
hr=$(sum_cells /tmp/rec-heat.svg)
ok $([ "$hp" = 1549 ] && [ "$hr" = 1549 ]; echo $?) \
	"heat map: 1549 dirty pages over its cells from perf script text ($hp) and from the recording ($hr)"

# the device's DMA log: one START, one STOP, a REPORT per round and the one
# after STOP (an error); perf script names the device and every field
perf stat -x, -e 'vfio:dma_log_*' -o /tmp/perf-dl.csv -- /tests/dma_log_agree 5 \
	> /tmp/perf-dl.out 2>&1
got=$(awk -F, '$3 ~ /^vfio:dma_log_/ { sub("vfio:dma_log_", "", $3); print $3 "=" $1 }' /tmp/perf-dl.csv |
	sort | tr '\n' ' ')
ok $([ "$got" = "report=6 start=1 stop=1 " ]; echo $?) \
	"perf stat -e 'vfio:dma_log_*' -- dma_log_agree 5: $got(want report=6 start=1 stop=1)"
perf record -q -e vfio:dma_log_report -a -o /tmp/perf-dl.data -- /tests/dma_log_agree 5 \
	> /tmp/perf-dl-agree.out 2>&1
perf script -F event,trace -i /tmp/perf-dl.data 2>/dev/null |
	grep 'vfio:dma_log_report: dev=[0-9a-f:.]* vfio[0-9]* iova=0x1000000 length=0x400000 page_size=0x1000 dirty=[0-9]* ret=0 duration_ns=[1-9][0-9]*$' \
	> /tmp/perf-dl.txt
n=$(grep -c . /tmp/perf-dl.txt)
sum=$(sed 's/.* dirty=\([0-9]*\) .*/\1/' /tmp/perf-dl.txt | awk '{ s += $1 } END { print s + 0 }')
pages=$(sed -n 's/^# figures: .* pages=\([0-9]*\) .*/\1/p' /tmp/perf-dl-agree.out)
ok $([ "$n" = 5 ] && [ -n "$pages" ] && [ "$sum" = "$pages" ]; echo $?) \
	"perf script: 5 successful vfio:dma_log_report events with the device and every field ($n), dirty summing to the $pages pages written ($sum)"

# dirty is the bits a report turned on: in edu_dma_log's reports that
# succeed, pages 3, 7 (twice), 20; none; 10 (the caller's page 1 does not
# count); 9, 11 and 40 at 32 KiB (bits 1 and 5: two); 8; 100; every page
# after the overflow (1024); 10; 13 after the restart; one in each of six
# ranges
perf record -q -e vfio:dma_log_report -a -o /tmp/perf-edl.data -- /tests/edu_dma_log \
	> /dev/null 2>&1
seq=$(perf script -F trace -i /tmp/perf-edl.data 2>/dev/null |
	sed -n 's/.* dirty=\([0-9]*\) ret=0 .*/\1/p' | tr '\n' ' ')
ok $([ "$seq" = "3 0 1 2 1 1 1024 1 1 6 " ]; echo $?) \
	"vfio:dma_log_report dirty of edu_dma_log's reports: $seq(want 3 0 1 2 1 1 1024 1 1 6)"

exit $failed
