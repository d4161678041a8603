#!/bin/sh
# dirtyscope record --bitmaps in the guest: bitmaps_workload reads and
# clears dirty bitmaps of known pages through iommufd and VFIO type1 and
# writes, per successful call, the bitmap it got or gave; the recording
# must hold exactly those calls, in that order: uapi, kind, range, page
# size and every bit, with ret 0 and a non-zero duration, the bitmaps of
# more than one ring buffer record (40961 and 65536 pages) included, and
# none of the calls that failed; report's heat map of it draws exactly the
# pages those reads reported.  Without --bitmaps record writes what it
# always wrote.
# TAP output; run by /init as /tests/record_bitmaps.

. /tests/lib/tap

REC=/tmp/bm.jsonl
WANT=/tmp/bm.want
GOT=/tmp/bm.got

# the bitmap lines of a recording as bitmaps_workload writes them:
# UAPI KIND IOVA SIZE PGSIZE HEX, for ret 0 and duration_ns > 0 only
bitmaps() {
	sed -n 's/^{"ts_ns":[0-9]*,"op":"bitmap_\([a-z_]*\)","uapi":"\([a-z0-9]*\)","iova":\([0-9]*\),"size":\([0-9]*\),"pgsize":\([0-9]*\),"ret":0,"duration_ns":[1-9][0-9]*,"bits":"\([0-9a-f]*\)"}$/\2 \1 \3 \4 \5 \6/p' "$1"
}

# field NAME < jsonl: the values of a numeric field, one per line
field() {
	sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"
}

echo "KTAP version 1"
echo "1..13"

dirtyscope record --bitmaps -o $REC -- /tests/bitmaps_workload $WANT \
	> /tmp/bm.out 2> /tmp/bm.err
rc=$?
ok $rc "record --bitmaps -- bitmaps_workload: exit 0 (the workload's calls did what they should)"
tail -n 1 /tmp/bm.err | grep -q '^Recorded [0-9]* events (0 lost) and 13 bitmaps (0 lost) in '
ok $? "record says: $(tail -n 1 /tmp/bm.err)"

head -n 1 $REC | grep -q '^{"format":"dirtyscope-record","version":2,'
ok $? "the header says format version 2"

bitmaps $REC > $GOT
nbm=$(grep -c '"op":"bitmap_' $REC)
ok $([ "$nbm" = 13 ] && [ "$(wc -l < $GOT)" = 13 ] && [ "$(wc -l < $WANT)" = 13 ]; echo $?) \
	"13 bitmap lines ($nbm), all with ret 0 and a non-zero duration ($(wc -l < $GOT))"
cmp -s $WANT $GOT
ok $? "the recorded bitmaps are the workload's, call for call (uapi, kind, range, bits)"
if ! cmp -s $WANT $GOT; then
	diff $WANT $GOT | cut -c 1-200 | sed 's/^/# /' | head -n 40
fi

k=$(cut -d ' ' -f 1,2 $GOT | tr '\n' ',')
ok $([ "$k" = "iommufd get,iommufd get_noclear,iommufd clear,iommufd get,iommufd clear,iommufd get_noclear,type1 get,type1 get_noclear,type1 clear,type1 get,type1 clear,type1 get_noclear,type1 get," ]; echo $?) \
	"uapi and kind in call order: $k"

# more than one record: 40961 pages (5121 bytes), 65536 pages (8192 bytes)
big=$(awk '$4 / $5 > 32768 { print $1 "/" $2 "/" $4 / $5 "/" length($6) / 2 }' $GOT | tr '\n' ' ')
ok $([ "$big" = "iommufd/clear/40961/5121 iommufd/get_noclear/40961/5121 type1/clear/40961/5121 type1/get_noclear/40961/5121 type1/get/65536/8192 " ]; echo $?) \
	"bitmaps over one record (uapi/kind/pages/bytes): $big"
# bits across the boundary of the records: pages 32767 and 32768 (bytes
# 4095 and 4096), the last page 40960 (byte 5120, bit 0); 65536 pages:
# 4096 + 200 (byte 537 bit 0) and 36864 + 10 (byte 4609 bit 2)
b=$(awk '$2 == "clear" && $4 / $5 == 40961 { print substr($6, 8191, 4) substr($6, 10241, 2) }
	$2 == "get" && $4 / $5 == 65536 { print substr($6, 1075, 2) substr($6, 9219, 2) }' $GOT | tr '\n' ' ')
ok $([ "$b" = "800101 800101 0104 " ]; echo $?) "bits at the record boundaries: $b"

# every line in time order, events and bitmaps merged
ts=$(grep '"ts_ns"' $REC | field ts_ns)
ok $([ "$(echo "$ts" | sort -n)" = "$ts" ]; echo $?) \
	"$(echo "$ts" | wc -l) lines, ts_ns never decreasing"

tail -n 1 $REC | grep -q '^{"end_ns":[0-9]*,"events":[1-9][0-9]*,"bitmaps":13,"bitmaps_lost":0,"dropped":0}$'
ok $? "trailer: $(tail -n 1 $REC)"

json=$(dirtyscope report -j $REC)
echo "$json" | grep -q '"bitmaps":{"count":13,"lost":0,"iommufd":6,"type1":7,"get":5,"get_noclear":4,"clear":4}'
ok $? "report -j counts the bitmaps: $(echo "$json" | sed -n 's/.*\("bitmaps":{[^}]*}\).*/\1/p')"

# the heat map draws the reads' pages (get, get_noclear; not the clears),
# exact: its cells add up to the bits set in those bitmaps, nothing on stderr
dirtyscope report $REC --svg /tmp/bm.svg > /dev/null 2> /tmp/bmsvg.err
rc=$?
want=$(awk 'function pop(h,  i, n) {
		for (i = 1; i <= length(h); i++)
			n += substr("0112122312232334", index("0123456789abcdef", substr(h, i, 1)), 1)
		return n
	}
	$2 != "clear" { n += pop($6) }
	END { print n + 0 }' $GOT)
# every cell's data-dirty is whole pages in plain decimal (a 10 written
# "1e+01" once fell out of this sum: "10 in the cells, 20 set bits")
got=$(grep -o 'data-dirty="[0-9]*"' /tmp/bm.svg | sed 's/[^0-9]//g' | awk '{ n += $1 } END { print n + 0 }')
odd=$(grep -o 'data-dirty="[^"]*"' /tmp/bm.svg | grep -v '^data-dirty="[0-9][0-9]*"$' | head -n 3 | tr '\n' ' ')
ok $([ "$rc" = 0 ] && [ ! -s /tmp/bmsvg.err ] && grep -q ' data-source="bitmaps" ' /tmp/bm.svg &&
	[ -z "$odd" ] && [ "$want" = "$got" ] && [ "$want" -gt 0 ]; echo $?) \
	"report --svg: the exact pages of the reads ($got in the cells, $want set bits; exit $rc${odd:+; not whole pages: $odd})"
sed 's/^/# stderr: /' /tmp/bmsvg.err

# without --bitmaps: version 1, no bitmap line, the same events
dirtyscope record -o /tmp/nobm.jsonl -- /tests/bitmaps_workload /tmp/nobm.want \
	> /dev/null 2> /tmp/nobm.err
rc=$?
ev1=$(grep -c '"op":"[a-z]*"' /tmp/nobm.jsonl)
ev2=$(grep -c '"op":"[a-z]*"' $REC)
ok $([ "$rc" = 0 ] && head -n 1 /tmp/nobm.jsonl | grep -q '"version":1,' &&
	! grep -q '"op":"bitmap_' /tmp/nobm.jsonl && [ "$ev1" = "$ev2" ] &&
	tail -n 1 /tmp/nobm.jsonl | grep -q '^{"end_ns":[0-9]*,"events":[0-9]*,"dropped":0}$'; echo $?) \
	"without --bitmaps: version 1, no bitmap line, $ev1 events as with ($ev2)"

sed 's/^/# stderr: /' /tmp/bm.err | head -n 20
exit $failed
