# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Host tests of "record --bitmaps" and the bitmap lines of a recording
# (format version 2).  Sourced by run.sh: uses its ok/not_ok/check/run/
# expect_fail/py/diag helpers, $DS, $BUILD, $TMP, $PY and $HERE, and
# $TMP/basic.jsonl (gen_record basic, a version-1 recording).

BT=$BUILD/tests/test_bitmaps

# --- unit tests (no BPF): bitmap lines, assembly, time order ---------------

run bmunits "$BT" check
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$TMP/bmunits.out"
check "test_bitmaps exits 0 and ran its checks" \
	test "$(rc bmunits)" = 0 -a "$(grep -c '^ok - ' "$TMP/bmunits.out")" -ge 30
[ -s "$TMP/bmunits.err" ] && diag "$TMP/bmunits.err"

# --- the writer against the format, computed independently -----------------

"$BT" gen >"$TMP/bm.jsonl"
check "the bitmap lines are the documented format, byte for byte" \
	py bm_format "$TMP/bm.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
# test_bitmaps.c's table: (ts, uapi, op, iova, npages, pages set)
T = [(1100000000, "iommufd", "bitmap_get", 0x1000000, 1, [0]),
     (1200000000, "iommufd", "bitmap_get_noclear", 0x1000000, 7, [1, 6]),
     (1300000000, "iommufd", "bitmap_clear", 0x1000000, 8, [0, 7]),
     (1400000000, "type1", "bitmap_get", 0, 9, [8]),
     (1500000000, "type1", "bitmap_get_noclear", 0x40000000, 65, [0, 63, 64]),
     (1600000000, "type1", "bitmap_clear", 0x10000000, 40961,
      [0, 1, 32767, 32768, 40000, 40960]),
     (1700000000, "type1", "bitmap_get", 0x10000000, 40961, [])]
KEYS = ["ts_ns", "op", "uapi", "iova", "size", "pgsize", "ret", "duration_ns", "bits"]
bms = [json.loads(l) for l in lines if '"op":"bitmap_' in l]
assert len(bms) == len(T), len(bms)
for d, (ts, uapi, op, iova, npages, pages) in zip(bms, T):
    assert list(d) == KEYS, list(d)
    b = bytearray((npages + 7) // 8)
    for p in pages:
        b[p // 8] |= 1 << (p % 8)
    want = {"ts_ns": ts, "op": op, "uapi": uapi, "iova": iova,
            "size": npages * 4096, "pgsize": 4096, "ret": 0,
            "duration_ns": 1000 + ts % 977, "bits": b.hex()}
    assert d == want, (d["ts_ns"], {k: (d[k], want[k]) for k in d if d[k] != want[k]})
# one object per line, compact, as json-c writes the other lines
for l in lines:
    assert json.dumps(json.loads(l), separators=(",", ":")) == l, l[:80]
assert json.loads(lines[0])["version"] == 2
assert json.loads(lines[-1]) == {"end_ns": 2000000000, "events": 7, "bitmaps": 7,
                                 "bitmaps_lost": 2, "dropped": 0}
EOF

# --- report on a recording with bitmap lines --------------------------------

# the same recording without the bitmaps: version 1, version-1 trailer
"$PY" - "$TMP/bm.jsonl" >"$TMP/bm_v1.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
h = json.loads(lines[0]); h["version"] = 1
t = json.loads(lines[-1]); del t["bitmaps"], t["bitmaps_lost"]
print(json.dumps(h, separators=(",", ":")))
for l in lines[1:-1]:
    if '"op":"bitmap_' not in l:
        print(l)
print(json.dumps(t, separators=(",", ":")))
EOF
run bmrep env TZ=UTC "$DS" report "$TMP/bm.jsonl"
run bmrep1 env TZ=UTC "$DS" report "$TMP/bm_v1.jsonl"
check "report of a recording with bitmaps: exit 0, nothing on stderr" \
	test "$(rc bmrep)" = 0 -a ! -s "$TMP/bmrep.err"
check "report text: one line counts the bitmaps by uapi and kind" \
	test "$(sed -n 3p "$TMP/bmrep.out")" = "7 dirty bitmaps (iommufd 3, type1 4; get 3, get_noclear 2, clear 2), 2 lost"
sed -e 1d -e 3d "$TMP/bmrep.out" >"$TMP/bmrep.cmp"
sed -e 1d "$TMP/bmrep1.out" >"$TMP/bmrep1.cmp"
if [ "$(rc bmrep1)" = 0 ] && cmp -s "$TMP/bmrep.cmp" "$TMP/bmrep1.cmp"; then
	ok "report text: histograms and rates ignore the bitmap lines (= the file without them)"
else
	not_ok "report text: histograms and rates ignore the bitmap lines (= the file without them)"
	diff "$TMP/bmrep1.cmp" "$TMP/bmrep.cmp" | diag /dev/stdin
fi
run bmrepj "$DS" report -j "$TMP/bm.jsonl"
run bmrepj1 "$DS" report -j "$TMP/bm_v1.jsonl"
check "report -j: the bitmaps object, the rest as without bitmaps" \
	py bm_json "$TMP/bmrepj.out" "$TMP/bmrepj1.out" <<'EOF'
import json, sys
d, d1 = (json.load(open(f)) for f in sys.argv[1:3])
assert d["format_version"] == 2 and d1["format_version"] == 1
assert d["bitmaps"] == {"count": 7, "lost": 2, "iommufd": 3, "type1": 4,
                        "get": 3, "get_noclear": 2, "clear": 2}, d["bitmaps"]
assert "bitmaps" not in d1
for k in ("format_version", "bitmaps", "file"):
    d.pop(k, None); d1.pop(k, None)
assert d == d1
EOF
run bmrepv1 "$DS" report -j "$TMP/basic.jsonl"
check "version-1 recordings still read: report -j, format_version 1, no bitmaps" \
	py bm_v1 "$TMP/bmrepv1.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 1 and d["events"] == 14 and "bitmaps" not in d, d
EOF
check "report of a killed --bitmaps recording (no trailer): the lost count unknown" \
	sh -c "head -n -1 '$TMP/bm.jsonl' | TZ=UTC '$DS' report - | sed -n 3p | grep -qx '7 dirty bitmaps (iommufd 3, type1 4; get 3, get_noclear 2, clear 2), lost unknown'"

# --- the heat map of a recording with bitmaps: the exact pages -------------

run bmheat "$DS" report "$TMP/bm.jsonl" --svg "$TMP/bmheat.svg" --bucket-ms 100 --range-mib 1
check "heat map of a recording with bitmaps: exit 0, nothing on stderr (no estimate)" \
	test "$(rc bmheat)" = 0 -a ! -s "$TMP/bmheat.err"
check "heat map of a recording with bitmaps: well-formed (xmllint --noout)" \
	xmllint --noout "$TMP/bmheat.svg"
check "heat map of a recording with bitmaps: every cell = the set bits of the reads, computed here" \
	py bmheat "$TMP/bmheat.svg" "$TMP/bm.jsonl" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
lines = [json.loads(l) for l in open(sys.argv[2])]
start = lines[0]["start_ns"]
B, R = 100 * 10**6, 1 << 20
want = {}
for o in lines[1:]:
    if o.get("op") not in ("bitmap_get", "bitmap_get_noclear"):
        continue            # clears read nothing; scans are not drawn
    col = (o["ts_ns"] - start) // B
    for slot in range(o["iova"] // R, (o["iova"] + o["size"] - 1) // R + 1):
        d, n = want.get((o["uapi"], slot * R, col), (0, 0))
        want[(o["uapi"], slot * R, col)] = (d, n + 1)
    bits = int.from_bytes(bytes.fromhex(o["bits"]), "little")
    for p in range(o["size"] // o["pgsize"]):
        if bits >> p & 1:
            k = (o["uapi"], (o["iova"] + p * o["pgsize"]) // R * R, col)
            want[k] = (want[k][0] + 1, want[k][1])
a = root.attrib
assert a["data-source"] == "bitmaps" and a["data-estimated"] == "0", a
assert int(a["data-cells"]) == len(want), (a["data-cells"], len(want))
got = {}
for c in root.iter(NS + "rect"):
    if c.get("class") != "cell":
        continue
    t = c.find(NS + "title").text   # "type1, IOVA 0x0-0xfffff, 0.400-0.500 s: 1 dirty page, 1 bitmap read"
    grp, iova, when = t.split(": ")[0].split(", ")
    col = round(float(when.split("-")[0]) * 10)
    assert c.get("data-estimated") is None and "~" not in t, t
    got[(grp, int(iova.split()[1].split("-")[0], 16), col)] = \
        (float(c.get("data-dirty")), int(c.get("data-reads")))
assert got == want, sorted(set(got.items()) ^ set(want.items()))
assert sum(d for d, n in got.values()) == 7, got     # the pages of the 5 reads
text = " ".join(t.text or "" for t in root.iter(NS + "text"))
assert "Exact: the pages set in 5 dirty bitmap reads" in text, text
assert "no successful dirty_scan events" not in text
EOF
check "heat map: a clean cell (0) and a 1-page cell are far apart in colour; the legend has the clean swatch" \
	py bmheat_fill "$TMP/bmheat.svg" <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
rects = list(root.iter(NS + "rect"))
fill = {}
for c in rects:
    if c.get("class") == "cell":
        fill.setdefault(float(c.get("data-dirty")), set()).add(c.get("fill"))
assert len(fill[0]) == len(fill[1]) == 1, fill
def rgb(h): return [int(h[i:i + 2], 16) for i in (1, 3, 5)]
z, one = rgb(fill[0].pop()), rgb(fill[1].pop())
dist = sum((x - y) ** 2 for x, y in zip(z, one)) ** 0.5
assert dist > 200, (z, one, dist)
clean = [c for c in rects if c.get("class") == "legend-clean"]
assert len(clean) == 1 and rgb(clean[0].get("fill")) == z, clean
labels = [t.text for t in root.iter(NS + "text")]
assert "0 (read, clean)" in labels and "not read" in labels, labels
EOF

# bitmaps_workload's 13 calls as record_bitmaps.sh (guest) records them:
# iommufd, then type1, the same reads of the same 4 MiB at 16 MiB, 1 ms
# apart, so in one 1000 ms bucket and one 16 MiB range a cell adds up the
# reads of its uAPI: iommufd 3 + 4 + 2 = 9 pages, type1 3 + 4 + 2 + 1 = 10
# (the read of [0, 256 MiB) puts its other page at 144 MiB): 20 pages.
# data-dirty is plain decimal: the guest test sums the attributes as
# [0-9.]*, and a 10 once written "1e+01" dropped out ("10 in the cells,
# 20 set bits").
"$PY" - >"$TMP/bmws.jsonl" <<'EOF'
import json
P, S, SL = 4096, 0x1000000, 4 << 20
B, BL = 0x10000000, 10 * (16 << 20) + P
def dump(o): return json.dumps(o, separators=(",", ":"))
def hexbits(npages, pages):
    b = bytearray((npages + 7) // 8)
    for p in pages:
        b[p // 8] |= 1 << (p % 8)
    return b.hex()
start = 5000000000
calls = []
for u in ("iommufd", "type1"):
    calls += [(u, "get", S, SL, [3, 17, 100]), (u, "get_noclear", S, SL, [5, 6, 7, 900]),
              (u, "clear", S, SL, [6, 900]), (u, "get", S, SL, [5, 7]),
              (u, "clear", B, BL, [0, 1, 32767, 32768, 40000, 40960]),
              (u, "get_noclear", B, BL, [])]
calls.append(("type1", "get", 0, 0x10000000, [S // P + 200, 0x9000000 // P + 10]))
print(dump({"format": "dirtyscope-record", "version": 2, "dirtyscope": "0.1",
            "kernel": "6.12.0-dirtyscope", "machine": "aarch64", "hostname": "(none)",
            "clock": "CLOCK_MONOTONIC", "clock_base_ns": 0, "start_ns": start,
            "command": ["/tests/bitmaps_workload", "/tmp/bm.want"]}))
for i, (u, k, iova, size, pages) in enumerate(calls):
    print(dump({"ts_ns": start + (i + 1) * 1000000, "op": "bitmap_" + k, "uapi": u,
                "iova": iova, "size": size, "pgsize": P, "ret": 0, "duration_ns": 50000,
                "bits": hexbits(size // P, pages)}))
print(dump({"end_ns": start + 20000000, "events": 0, "bitmaps": 13,
            "bitmaps_lost": 0, "dropped": 0}))
EOF
run bmws "$DS" report "$TMP/bmws.jsonl" --svg "$TMP/bmws.svg" --bucket-ms 1000 --range-mib 16
check "heat map of both uAPIs' reads of one range in one bucket: exit 0, nothing on stderr" \
	test "$(rc bmws)" = 0 -a ! -s "$TMP/bmws.err"
check "heat map of both uAPIs' reads of one range in one bucket: cells 9 (iommufd), 10 and 1 (type1)" \
	py bmws "$TMP/bmws.svg" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
got = {}
for c in root.iter(NS + "rect"):
    if c.get("class") != "cell":
        continue
    d = c.get("data-dirty")
    assert re.fullmatch(r"0|[1-9][0-9]*", d), d     # whole pages, plain decimal
    if d != "0":
        t = c.find(NS + "title").text
        got[t.split(": ")[0]] = (int(d), int(c.get("data-reads")))
assert got == {"iommufd, IOVA 0x1000000-0x1ffffff, 0.000-1.000 s": (9, 3),
               "type1, IOVA 0x1000000-0x1ffffff, 0.000-1.000 s": (10, 4),
               "type1, IOVA 0x9000000-0x9ffffff, 0.000-1.000 s": (1, 1)}, got
EOF
# the guest test's own sum (record_bitmaps.sh), against the set bits of the reads
bmws_sum=$(grep -o 'data-dirty="[0-9.]*"' "$TMP/bmws.svg" | sed 's/[^0-9.]//g' | awk '{ n += $1 } END { print n + 0 }')
check "heat map of both uAPIs' reads: record_bitmaps.sh's sum of data-dirty is the 20 set bits ($bmws_sum)" \
	test "$bmws_sum" = 20

# --- malformed bitmap lines: "dirtyscope: FILE:LINE: reason", exit 1 ---------

mkdir -p "$TMP/bmbad"
"$PY" - "$TMP/bm.jsonl" "$TMP/basic.jsonl" "$TMP/bmbad" >"$TMP/bmbad/manifest" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
v1 = open(sys.argv[2]).read().splitlines()
out = sys.argv[3]
hdr, trailer = lines[0], lines[-1]
bm = [l for l in lines if '"op":"bitmap_' in l]
def dump(o): return json.dumps(o, separators=(",", ":"))
B = json.loads(bm[0])            # 1 page, iommufd get
E = json.loads(lines[2])         # a scan event
def b(**kw):
    o = dict(B); o.update(kw)
    for k in [k for k, v in kw.items() if v is None]:
        del o[k]
    return dump(o)
P = 4096
T = json.loads(trailer)
cases = [
    ("pgsize", [hdr, b(pgsize=3000, size=9000)], 2, '"pgsize": 3000 is not a power of two'),
    ("pgsize0", [hdr, b(pgsize=0)], 2, '"pgsize": 0 is not a power of two'),
    ("multiple", [hdr, b(size=10000)], 2, '"size": 10000 is not a multiple of pgsize 4096'),
    ("size0", [hdr, b(size=0, bits="")], 2, '"size": 0 (a bitmap covers at least one page)'),
    ("wrap", [hdr, b(iova=2**64 - P, size=2 * P, bits="00")], 2, '"size": iova + size beyond 2^64'),
    ("short", [hdr, b(size=20 * P, bits="0000")], 2, '"bits": 4 hex digits, 20 pages need 6'),
    ("long", [hdr, b(size=20 * P, bits="00000000")], 2, '"bits": 8 hex digits, 20 pages need 6'),
    ("odd", [hdr, b(size=20 * P, bits="00000")], 2, '"bits": 5 hex digits, 20 pages need 6'),
    ("upper", [hdr, b(size=20 * P, bits="0A0000")], 2,
     "\"bits\": 'A' at offset 1 is not a lowercase hex digit"),
    ("nonhex", [hdr, b(size=20 * P, bits="00g000")], 2,
     "\"bits\": 'g' at offset 2 is not a lowercase hex digit"),
    ("space", [hdr, b(size=20 * P, bits="00 000")], 2,
     '"bits": byte 0x20 at offset 2 is not a lowercase hex digit'),
    ("stray20", [hdr, b(size=20 * P, bits="000010")], 2, '"bits": bit 20 set beyond the 20 pages'),
    ("stray23", [hdr, b(size=20 * P, bits="000080")], 2, '"bits": bit 23 set beyond the 20 pages'),
    ("stray1", [hdr, b(bits="02")], 2, '"bits": bit 1 set beyond the 1 pages'),
    ("bitsint", [hdr, b(bits=5)], 2, '"bits": not a string'),
    ("nobits", [hdr, b(bits=None)], 2, '"bits": missing'),
    ("extra", [hdr, b(domain_id=1)], 2, 'unknown field "domain_id"'),
    ("uapi", [hdr, b(uapi="vfio")], 2, '"uapi": unknown uapi "vfio" (iommufd, type1)'),
    ("uapiint", [hdr, b(uapi=1)], 2, '"uapi": not a string'),
    ("ret", [hdr, b(ret=2**31)], 2, '"ret": 2147483648 out of range (-2147483648..2147483647)'),
    ("negsize", [hdr, b(size=-4096)], 2, '"size": negative'),
    ("op", [hdr, dump(dict(E, op="fold"))], 2,
     '"op": unknown operation "fold" (split, merge, scan, clear, '
     'bitmap_get, bitmap_get_noclear, bitmap_clear)'),
    ("v1", [v1[0], b()], 2, '"op": "bitmap_get" needs format version 2 (the header says 1)'),
    ("order", [hdr, bm[1], bm[0]], 3,
     '"ts_ns": 1100000000 before the previous bitmap\'s 1200000000'),
    ("count", lines[:-3] + lines[-2:], len(lines) - 1,
     "the trailer counts 7 bitmaps, the file has 6"),
    ("trailer1", [hdr, dump({"end_ns": T["end_ns"], "events": 0, "dropped": 0})], 2,
     '"bitmaps": missing'),
    ("trailer2", [v1[0], dump(T)], 2, 'unknown field "bitmaps"'),
    ("version3", [dump(dict(json.loads(hdr), version=3))], 1,
     "unsupported format version 3 (dirtyscope 0.1 reads 1 and 2)"),
]
for name, body, line, reason in cases:
    with open("%s/%s.jsonl" % (out, name), "w") as f:
        f.write("".join(l + "\n" for l in body))
    print("%s\t%d\t%s" % (name, line, reason))
EOF
while IFS="$(printf '\t')" read -r name line reason; do
	run "bmbad_$name" "$DS" report "$TMP/bmbad/$name.jsonl"
	if expect_fail "bmbad_$name" "dirtyscope: $TMP/bmbad/$name.jsonl:$line: $reason"; then
		ok "malformed bitmap recording ($name): '$line: $reason', exit 1"
	else
		not_ok "malformed bitmap recording ($name): '$line: $reason', exit 1"
		diag "$TMP/bmbad_$name.err"
	fi
done <"$TMP/bmbad/manifest"

# --- record --bitmaps on this host ------------------------------------------

run bmrec "$DS" record --bitmaps -o "$TMP/bmrec.jsonl" -- touch "$TMP/bmran"
bmfentry=$("$DS" status -j | "$PY" -c '
import json, sys
x = json.load(sys.stdin)["fentry"]
print("usable" if x["usable"] else x["errno"])')
if [ "$bmfentry" != usable ]; then
	check "record --bitmaps, fentry refused: one line, exit 1" \
		expect_fail bmrec "dirtyscope: --bitmaps: fentry refused by this kernel ($bmfentry)"
else
	# fentry works here: a function or a tracepoint is missing, one line
	check "record --bitmaps without the series: one line, exit 1" \
		test "$(rc bmrec)" = 1 -a "$(wc -l <"$TMP/bmrec.err")" = 1
fi
check "record --bitmaps that cannot run leaves no file, runs no command" \
	test ! -e "$TMP/bmrec.jsonl" -a ! -e "$TMP/bmran"
run bmhelp "$DS" record --help
check "record --help lists --bitmaps" grep -q -- '--bitmaps  ' "$TMP/bmhelp.out"
