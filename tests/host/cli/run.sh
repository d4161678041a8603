#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Host tests of the dirtyscope CLI, TAP output.  Run by "make -C src check".
#
#   run.sh BUILD_DIR        (BUILD_DIR holds dirtyscope and tests/)
#
# Needs root (the BPF tests load programs), python3, setpriv, promtool
# (Debian prometheus) and Debian's python3 with python3-prometheus-client
# (the --prom checks).  Every check either passes or fails; nothing is
# skipped.  Exit status 1 when any fails.

set -u
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DS=$BUILD/dirtyscope
UNITS=$BUILD/tests/test_units
ATTACH=$BUILD/tests/attach_test
LATBPF=$BUILD/tests/lat_bpf_test
GEN=$BUILD/tests/gen_record
PY=${PYTHON:-python3}
PROMTOOL=${PROMTOOL:-promtool}
DEBPY=${DEBIAN_PYTHON:-/usr/bin/python3}	# where Debian's python3-* packages are
export PYTHONDONTWRITEBYTECODE=1	# keep the source tree clean
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# diag FILE: the file as TAP comments
diag() {
	sed 's/^/# /' "$1"
}

# run NAME COMMAND...: stdout, stderr and status into $TMP/NAME.{out,err,rc}
run() {
	local name=$1
	shift
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	echo $? >"$TMP/$name.rc"
}

rc() { cat "$TMP/$1.rc"; }

# expect_fail NAME EXPECTED_STDERR_LINE: status 1, empty stdout, stderr is
# exactly that one line
expect_fail() {
	local name=$1 want=$2
	[ "$(rc "$name")" = 1 ] && [ ! -s "$TMP/$name.out" ] &&
		[ "$(cat "$TMP/$name.err")" = "$want" ] &&
		[ "$(wc -l <"$TMP/$name.err")" = 1 ]
}

# expect_status NAME STATUS EXPECTED_STDERR_LINE: expect_fail with another
# exit status
expect_status() {
	local name=$1 status=$2 want=$3
	[ "$(rc "$name")" = "$status" ] && [ ! -s "$TMP/$name.out" ] &&
		[ "$(cat "$TMP/$name.err")" = "$want" ]
}

# py NAME SCRIPT [ARGS]: run a python check, its output becomes diagnostics
py() {
	local name=$1
	shift
	if "$PY" - "$@" >"$TMP/$name.py" 2>&1; then
		return 0
	fi
	diag "$TMP/$name.py"
	return 1
}

echo "# dirtyscope host tests: $DS"
if [ "$(id -u)" != 0 ]; then
	not_ok "run as root (the BPF tests load programs)"
fi

# --- unit tests (no BPF) ----------------------------------------------------

run units "$UNITS" check "$HERE/golden"
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$TMP/units.out"
check "test_units exits 0 and ran its checks" \
	test "$(rc units)" = 0 -a "$(grep -c '^ok - ' "$TMP/units.out")" -ge 50
[ -s "$TMP/units.err" ] && diag "$TMP/units.err"

# JSON documents: valid for python3 -m json.tool, then the values
run latjson "$UNITS" lat-json
check "lat JSON is valid (python3 -m json.tool)" \
	"$PY" -m json.tool "$TMP/latjson.out" /dev/null
check "lat JSON values" py latjson_values "$TMP/latjson.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["timestamp"] == 1700000000.5 and d["interval_s"] == 2, d
assert d["unit"] == "usecs" and d["dropped"] == 0
ops = d["ops"]
assert [(o["op"], o["domain"]) for o in ops] == [("split", 3), ("scan", 3), ("scan", 5)], ops
scan3 = ops[1]
assert scan3["count"] == 4 and scan3["sum_ns"] == 4500500 and scan3["errors"] == 1
h = scan3["histogram"]
assert h["unit"] == "usecs" and h["total"] == 4 and len(h["buckets"]) == 11
assert h["buckets"][0] == {"low": 0, "high": 1, "count": 1}
assert h["buckets"][10] == {"low": 1024, "high": 2047, "count": 3}
assert sum(b["count"] for b in h["buckets"]) == 4
big = ops[2]["histogram"]["buckets"][40]
assert big == {"low": 2**40, "high": 2**41 - 1, "count": 1}, big
assert ops[2]["sum_ns"] == 2**50
EOF

run latjsonfn "$UNITS" lat-json-fn
check "lat JSON with the fentry ops is valid (python3 -m json.tool)" \
	"$PY" -m json.tool "$TMP/latjsonfn.out" /dev/null
check "lat JSON fentry ops: names, counts, errors, no domain" \
	py latjsonfn_values "$TMP/latjsonfn.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ops = d["ops"]
assert [(o["op"], o["count"], o["errors"]) for o in ops] == \
    [("scan", 10, 0), ("get_bitmap", 10, 0), ("type1_dirty", 81, 1)], ops
assert all("domain" not in o for o in ops), ops
assert ops[1]["sum_ns"] == 5791008 and ops[1]["histogram"]["total"] == 10
EOF

run ratejson "$UNITS" rate-json
check "rate JSON is valid (python3 -m json.tool)" \
	"$PY" -m json.tool "$TMP/ratejson.out" /dev/null
check "rate JSON values" py ratejson_values "$TMP/ratejson.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["interval_s"] == 2 and d["dropped"] == 3
doms = {x["domain"]: x for x in d["domains"]}
assert sorted(doms) == [2, 7], doms
a = doms[7]
want = {"scans": 2, "errors": 0, "noclear": 0, "dirty_pages": 1024,
        "dirty_bytes": 4 << 20, "scanned_bytes": 2 << 30, "scan_ns": 4000000,
        "pages_per_scan": 512, "pages_per_s": 512, "mib_per_s": 2,
        "scan_gib_per_s": 500, "dirty_share": 1 / 512}
for k, v in want.items():
    assert a[k] == v, (k, a[k], v)
b = doms[2]
assert b["scans"] == 1 and b["errors"] == 1 and b["noclear"] == 1, b
assert b["pages_per_s"] == 0.5 and b["dirty_share"] == 1, b
assert abs(b["scan_gib_per_s"] - (2 / 1024) / (1024 / 1e9)) < 1e-9, b
EOF

# --prom files.  The default, Prometheus text 0.0.4 (what node_exporter's
# textfile collector reads), must pass Debian's promtool: "promtool check
# metrics" parses the text format and lints it (exit 1 on a parse error, 3
# on a lint problem, e.g. a counter without HELP).  promtool 2.42 has no
# OpenMetrics linter, so --prom-format openmetrics must pass the OpenMetrics
# reference parser of Debian's python3-prometheus-client on the file as
# written (# EOF, _total samples, UNIT suffixes, families in one piece,
# cumulative buckets, _count = +Inf) and Prometheus' own OpenMetrics parser
# (promtool tsdb create-blocks-from openmetrics, which imports only samples
# with a timestamp: it reads a copy with one added to every sample line).

# promtool_ok FILE: promtool check metrics accepts FILE and says nothing
promtool_ok() {
	"$PROMTOOL" check metrics <"$1" >"$TMP/promtool.out" 2>&1 &&
		[ ! -s "$TMP/promtool.out" ] && return 0
	diag "$TMP/promtool.out"
	return 1
}

# om_parse_ok FILE: the OpenMetrics parser of python3-prometheus-client
om_parse_ok() {
	"$DEBPY" - "$1" >"$TMP/om_parse.out" 2>&1 <<'EOF' && return 0
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
with open(sys.argv[1], encoding="utf-8") as f:
    list(text_string_to_metric_families(f.read()))
EOF
	diag "$TMP/om_parse.out"
	return 1
}

# om_tsdb_ok FILE: promtool's OpenMetrics parser, each sample stamped
om_tsdb_ok() {
	sed '/^[^#]/s/$/ 1700000000/' "$1" >"$TMP/om_tsdb.om"
	rm -rf "$TMP/om_tsdb"
	"$PROMTOOL" tsdb create-blocks-from openmetrics "$TMP/om_tsdb.om" \
		"$TMP/om_tsdb" >"$TMP/om_tsdb.out" 2>&1 && return 0
	diag "$TMP/om_tsdb.out"
	return 1
}

# valid FORMAT FILE: FILE passes the validators of its --prom-format
valid() {
	case $1 in
	prometheus) promtool_ok "$2" ;;
	openmetrics) om_parse_ok "$2" && om_tsdb_ok "$2" ;;
	*) return 1 ;;
	esac
}
validators() {
	case $1 in
	prometheus) echo "promtool check metrics" ;;
	openmetrics) echo "the OpenMetrics parsers (python3-prometheus-client, promtool tsdb)" ;;
	esac
}

# the validators reject what they must (so that a pass means something)
bad_doc() {
	printf '%b' "$1" >"$TMP/bad.prom"
}
rejects() {
	local desc=$1 how=$2
	if "$how" "$TMP/bad.prom" >/dev/null; then
		not_ok "$desc"
	else
		ok "$desc"
	fi
}
bad_doc '# TYPE a counter\n# HELP a A counter.\na_total 1\n'
rejects "promtool check metrics rejects OpenMetrics counter metadata (a_total has no HELP)" promtool_ok
bad_doc '# HELP a_total A counter.\n# TYPE a_total counter\na_total{x="\\q"} 1\n'
rejects "promtool check metrics rejects a bad label escape" promtool_ok
bad_doc '# HELP a_seconds A counter.\n# TYPE a_seconds counter\na_seconds 1\n'
rejects "promtool check metrics rejects a counter not named _total" promtool_ok
bad_doc '# TYPE a counter\na_total 1\n'
rejects "openmetrics parser rejects a missing # EOF" om_parse_ok
rejects "openmetrics promtool tsdb rejects a missing # EOF" om_tsdb_ok
bad_doc '# TYPE a_total counter\na_total 1\n# EOF\n'
rejects "openmetrics parser rejects text-format counter metadata" om_parse_ok
bad_doc '# TYPE a_seconds counter\n# UNIT a_seconds bytes\na_seconds_total 1\n# EOF\n'
rejects "openmetrics parser rejects a unit that is not the name suffix" om_parse_ok
rejects "openmetrics promtool tsdb rejects a unit that is not the name suffix" om_tsdb_ok
bad_doc '# TYPE h histogram\nh_bucket{le="1.0"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 0.5\n# EOF\n'
rejects "openmetrics parser rejects non-cumulative buckets" om_parse_ok
bad_doc '# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 0.5\n# EOF\n'
rejects "openmetrics parser rejects _count different from +Inf" om_parse_ok
bad_doc '# TYPE a counter\na_total 1\n# TYPE b counter\nb_total 1\n# TYPE a counter\n# EOF\n'
rejects "openmetrics parser rejects an interleaved family" om_parse_ok
bad_doc '# TYPE a counter\n\na_total 1\n# EOF\n'
rejects "openmetrics parser rejects a blank line" om_parse_ok
rejects "openmetrics promtool tsdb rejects a blank line" om_tsdb_ok

# ... and accept what dirtyscope writes, in both formats
for dialect in prometheus openmetrics; do
	for doc in lat-prom lat-prom-nodomain lat-prom-fn rate-prom; do
		rm -rf "$TMP/om"
		mkdir -p "$TMP/om"
		run "$doc" "$UNITS" "$doc" "$TMP/om/dirtyscope.prom" "$dialect"
		if [ "$(rc "$doc")" = 0 ] && valid "$dialect" "$TMP/om/dirtyscope.prom"; then
			ok "$doc ($dialect) passes $(validators "$dialect")"
		else
			not_ok "$doc ($dialect) passes $(validators "$dialect")"
		fi
		check "$doc ($dialect) written atomically: only the target left, mode 0644" \
			test "$(ls -A "$TMP/om")" = dirtyscope.prom -a \
			"$(stat -c %a "$TMP/om/dirtyscope.prom")" = 644
		cp "$TMP/om/dirtyscope.prom" "$TMP/$doc.$dialect"
	done
done
for doc in lat-prom lat-prom-nodomain lat-prom-fn rate-prom; do
	check "$doc: both formats have the same samples" \
		sh -c "grep -v '^#' '$TMP/$doc.openmetrics' >'$TMP/a' &&
		       grep -v '^#' '$TMP/$doc.prometheus' >'$TMP/b' && cmp -s '$TMP/a' '$TMP/b'"
done
check "prometheus format: counters typed under their _total name, no UNIT, no EOF" \
	sh -c "grep -qx '# TYPE dirtyscope_dirty_pages_total counter' '$TMP/rate-prom.prometheus' &&
	       grep -qx '# TYPE dirtyscope_dirty_pages counter' '$TMP/rate-prom.openmetrics' &&
	       grep -qx '# UNIT dirtyscope_dirty_bytes bytes' '$TMP/rate-prom.openmetrics' &&
	       ! grep -q '^# UNIT\\|^# EOF' '$TMP/rate-prom.prometheus'"

# dpy NAME SCRIPT [ARGS]: py with Debian's python3 (python3-prometheus-client)
dpy() {
	PY=$DEBPY py "$@"
}

check "lat-prom values (prometheus text, python3-prometheus-client)" \
	dpy latprom_values "$TMP/lat-prom.prometheus" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
f = {m.name: m for m in text_string_to_metric_families(text)}
# one histogram family and one counter family, the op a label of both
assert list(f) == ["dirtyscope_op_duration_seconds", "dirtyscope_op_errors"], list(f)
dur = f["dirtyscope_op_duration_seconds"]
assert dur.type == "histogram" and dur.documentation
s = {(x.name, tuple(sorted(x.labels.items()))): x.value for x in dur.samples}
N = "dirtyscope_op_duration_seconds"
b = lambda op, dom, le: s[(N + "_bucket", (("domain", dom), ("le", le), ("op", op)))]
# slot i counted durations < 2^(i+1) us: le = 2^(i+1) us
assert b("scan", "3", "0.000002") == 1
assert b("scan", "3", "0.001024") == 1 and b("scan", "3", "0.002048") == 4
assert b("scan", "3", "2147.483648") == 4 and b("scan", "3", "+Inf") == 4
assert b("scan", "5", "2147.483648") == 0 and b("scan", "5", "+Inf") == 1
assert b("split", "3", "0.000016") == 0 and b("split", "3", "0.000032") == 2
assert s[(N + "_sum", (("domain", "3"), ("op", "scan")))] == 0.0045005
assert s[(N + "_count", (("domain", "3"), ("op", "scan")))] == 4
assert N + '_bucket{op="scan",domain="3",le="0.000002"} 1\n' in text
assert N + '_sum{op="scan",domain="5"} 1125899.906842624\n' in text
series = sorted({(x.labels["op"], x.labels["domain"]) for x in dur.samples})
assert series == [("scan", "3"), ("scan", "5"), ("split", "3")], series
les = [x.labels["le"] for x in dur.samples if x.name.endswith("_bucket") and
       x.labels["op"] == "scan" and x.labels["domain"] == "3"]
assert len(les) == 32 and les[-1] == "+Inf", les
err = {tuple(sorted(x.labels.items())): x.value for x in f["dirtyscope_op_errors"].samples}
assert err == {(("domain", "3"), ("op", "split")): 0,
               (("domain", "3"), ("op", "scan")): 1,
               (("domain", "5"), ("op", "scan")): 0}, err
assert not text.endswith("# EOF\n")
EOF

check "lat-prom-nodomain: a zero series per op" \
	dpy latprom_nodomain "$TMP/lat-prom-nodomain.prometheus" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
f = {m.name: m for m in text_string_to_metric_families(open(sys.argv[1]).read())}
dur = [(x.name, x.labels, x.value) for x in f["dirtyscope_op_duration_seconds"].samples]
N = "dirtyscope_op_duration_seconds"
assert (N + "_count", {"op": "clear"}, 0) in dur, dur
assert (N + "_bucket", {"op": "clear", "le": "+Inf"}, 0) in dur
assert (N + "_count", {"op": "scan"}, 1) in dur
assert {x[1]["op"] for x in dur} == {"scan", "clear"}
err = {x.labels["op"]: x.value for x in f["dirtyscope_op_errors"].samples}
assert err == {"scan": 0, "clear": 0}, err
EOF

check "lat-prom-fn: the fentry ops in the same families, zero series, errors" \
	dpy latprom_fn "$TMP/lat-prom-fn.prometheus" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
f = {m.name: m for m in text_string_to_metric_families(open(sys.argv[1]).read())}
assert list(f) == ["dirtyscope_op_duration_seconds", "dirtyscope_op_errors"], list(f)
N = "dirtyscope_op_duration_seconds"
cnt = {x.labels["op"]: x.value for x in f[N].samples if x.name == N + "_count"}
assert cnt == {"scan": 10, "get_bitmap": 10, "set_tracking": 0, "type1_dirty": 81}, cnt
err = {x.labels["op"]: x.value for x in f["dirtyscope_op_errors"].samples}
assert err == {"scan": 0, "get_bitmap": 0, "set_tracking": 0, "type1_dirty": 1}, err
EOF

check "rate-prom values, domains and devices (prometheus text, python3-prometheus-client)" \
	dpy rateprom_values "$TMP/rate-prom.prometheus" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
f = {m.name: m for m in text_string_to_metric_families(open(sys.argv[1]).read())}
# domains by number, devices' DMA logs by VFIO name
want = {
    "dirtyscope_scans": {"2": 1, "3": 1, "7": 2, "vfio0": 0, "vfio3": 2},
    "dirtyscope_scan_errors": {"2": 1, "3": 0, "7": 0, "vfio0": 1, "vfio3": 0},
    "dirtyscope_dirty_pages": {"2": 1, "3": 10, "7": 1024, "vfio0": 0, "vfio3": 100},
    "dirtyscope_dirty_bytes": {"2": 2 << 20, "3": 40960, "7": 4 << 20,
                               "vfio0": 0, "vfio3": 409600},
    "dirtyscope_scanned_bytes": {"2": 2 << 20, "3": 1 << 30, "7": 2 << 30,
                                 "vfio0": 0, "vfio3": 2 << 26},
    "dirtyscope_scan_time_seconds": {"2": 0.000001024, "3": 0.000001, "7": 0.004,
                                     "vfio0": 0, "vfio3": 0.000004},
}
assert list(f) == list(want), list(f)
for fam, vals in want.items():
    assert f[fam].type == "counter", fam
    for x in f[fam].samples:
        assert set(x.labels) in ({"domain"}, {"device"}), x.labels
        assert ("device" in x.labels) == x.labels.get("device", "").startswith("vfio")
    got = {x.labels.get("domain", x.labels.get("device")): x.value for x in f[fam].samples}
    assert all(x.name == fam + "_total" for x in f[fam].samples)
    assert got == vals, (fam, got, vals)
EOF
check "openmetrics format: the UNIT of the bytes and seconds families" \
	dpy om_units "$TMP/rate-prom.openmetrics" "$TMP/lat-prom.openmetrics" <<'EOF'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
u = {}
for p in sys.argv[1:]:
    u.update({m.name: m.unit for m in text_string_to_metric_families(open(p).read())})
assert u["dirtyscope_dirty_bytes"] == "bytes" and u["dirtyscope_scanned_bytes"] == "bytes", u
assert u["dirtyscope_scan_time_seconds"] == "seconds", u
assert u["dirtyscope_op_duration_seconds"] == "seconds", u
assert u["dirtyscope_scans"] == "" and u["dirtyscope_op_errors"] == "", u
EOF

# --- report: synthetic recordings (gen_record, the writer record uses) -------

"$GEN" basic >"$TMP/basic.jsonl"
"$GEN" migrate 7 >"$TMP/migrate.jsonl"
run rep_text env TZ=UTC "$DS" report - <"$TMP/basic.jsonl"
if [ "$(rc rep_text)" = 0 ] && cmp -s "$TMP/rep_text.out" "$HERE/golden/report_basic.txt"; then
	ok "report text matches golden/report_basic.txt (lat histograms, rate table)"
else
	not_ok "report text matches golden/report_basic.txt (lat histograms, rate table)"
	diff "$HERE/golden/report_basic.txt" "$TMP/rep_text.out" | diag /dev/stdin
	diag "$TMP/rep_text.err"
fi
check "report text: the rate rows over the whole 4 s" \
	sh -c "grep -qx 'domain 1                    5      0       1587.2       1984.0       7.75      546.88    0.692' '$TMP/rep_text.out' &&
	       grep -qx 'domain 2                    2      1        256.0        128.0       0.50     1136.36    1.562' '$TMP/rep_text.out'"

run rep_json "$DS" report -j "$TMP/basic.jsonl"
check "report -j exits 0, nothing on stderr" \
	test "$(rc rep_json)" = 0 -a ! -s "$TMP/rep_json.err"
check "report -j is valid JSON (python3 -m json.tool)" \
	"$PY" -m json.tool "$TMP/rep_json.out" /dev/null
check "report -j: exact histogram counts per op" py rep_json_lat "$TMP/rep_json.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["events"] == 14 and d["dropped"] == 0 and d["complete"] is True, d
assert d["duration_s"] == 4 and d["start"] == 1700000001, d
assert d["kernel"] == "6.12.0-dirtyscope" and d["hostname"] == "testbed"
lat = d["lat"]
assert lat["unit"] == "usecs" and lat["interval_s"] == 4
want = {  # op: (count, sum_ns, errors, {slot: count})
    "split": (2, 350000, 0, {7: 2}),
    "merge": (1, 300000, 0, {8: 1}),
    "scan": (8, 8115000, 1, {2: 1, 5: 2, 8: 1, 9: 1, 10: 2, 11: 1}),
    "clear": (3, 70000, 0, {3: 1, 4: 1, 5: 1}),
}
assert [o["op"] for o in lat["ops"]] == list(want), lat["ops"]
for o in lat["ops"]:
    count, sum_ns, errors, slots = want[o["op"]]
    assert (o["count"], o["sum_ns"], o["errors"]) == (count, sum_ns, errors), o
    b = o["histogram"]["buckets"]
    assert len(b) == max(slots) + 1, (o["op"], len(b))
    got = {i: x["count"] for i, x in enumerate(b) if x["count"]}
    assert got == slots, (o["op"], got, slots)
    assert all(x["low"] == (1 << i if i else 0) for i, x in enumerate(b))
EOF
check "report -j: exact per-domain rates over the recording" py rep_json_rate "$TMP/rep_json.out" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["rate"]
assert r["interval_s"] == 4 and r["dropped"] == 0
doms = {x["domain"]: x for x in r["domains"]}
assert sorted(doms) == [1, 2], doms
G, M = 2**30, 2**20
d1 = {"scans": 5, "errors": 0, "noclear": 0, "dirty_pages": 7936,
      "dirty_bytes": 7936 * 4096, "scanned_bytes": 4 * G + 384 * M,
      "scan_ns": 8000000, "pages_per_scan": 7936 / 5, "pages_per_s": 1984,
      "mib_per_s": 7.75, "scan_gib_per_s": ((4 * G + 384 * M) / G) / (8000000 / 1e9),
      "dirty_share": 7936 * 4096 / (4 * G + 384 * M)}
d2 = {"scans": 2, "errors": 1, "noclear": 1, "dirty_pages": 512,
      "dirty_bytes": 2 * M, "scanned_bytes": 128 * M, "scan_ns": 110000,
      "pages_per_scan": 256, "pages_per_s": 128, "mib_per_s": 0.5,
      "scan_gib_per_s": (128 * M / G) / (110000 / 1e9), "dirty_share": 1 / 64}
for got, want in ((doms[1], d1), (doms[2], d2)):
    for k, v in want.items():
        assert got[k] == v, (got["domain"], k, got[k], v)
EOF
run rep_ms "$DS" report -j -m -D "$TMP/basic.jsonl"
check "report -j -m -D: msecs slots per domain" py rep_ms "$TMP/rep_ms.out" <<'EOF'
import json, sys
lat = json.load(open(sys.argv[1]))["lat"]
assert lat["unit"] == "msecs"
got = {(o["op"], o["domain"]): [b["count"] for b in o["histogram"]["buckets"]]
       for o in lat["ops"]}
assert got == {("split", 1): [1], ("split", 2): [1], ("merge", 1): [1],
               ("scan", 1): [3, 2], ("scan", 2): [3], ("clear", 1): [3]}, got
EOF

# --prom of the whole recording: the lat and rate families together, in
# the default format (what the textfile collector reads) and in OpenMetrics
rm -rf "$TMP/om" && mkdir -p "$TMP/om"
run rep_prom "$DS" report --prom "$TMP/om/rep.prom" "$TMP/basic.jsonl"
if [ "$(rc rep_prom)" = 0 ] && promtool_ok "$TMP/om/rep.prom"; then
	ok "report --prom (default format) passes promtool check metrics"
else
	not_ok "report --prom (default format) passes promtool check metrics"
fi
run rep_prom_txt "$DS" report --prom "$TMP/om/rep.txt.prom" --prom-format prometheus \
	"$TMP/basic.jsonl"
check "report --prom: the default is --prom-format prometheus" \
	cmp -s "$TMP/om/rep.prom" "$TMP/om/rep.txt.prom"
run rep_prom_om "$DS" report --prom "$TMP/om/rep.om.prom" --prom-format openmetrics \
	"$TMP/basic.jsonl"
if [ "$(rc rep_prom_om)" = 0 ] && valid openmetrics "$TMP/om/rep.om.prom"; then
	ok "report --prom --prom-format openmetrics passes $(validators openmetrics)"
else
	not_ok "report --prom --prom-format openmetrics passes $(validators openmetrics)"
fi
run rep_prom_bad "$DS" report --prom "$TMP/om/x.prom" --prom-format openmetric \
	"$TMP/basic.jsonl"
check "report --prom-format openmetric: usage error naming both formats, no file" \
	test "$(rc rep_prom_bad)" = 64 -a ! -e "$TMP/om/x.prom" -a \
	"$(head -n 1 "$TMP/rep_prom_bad.err")" = "dirtyscope report: invalid --prom-format: openmetric (prometheus, openmetrics)"
check "report --prom values" dpy rep_prom_values "$TMP/om/rep.prom" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
f = text_string_to_metric_families(open(sys.argv[1]).read())
s = {(x.name, tuple(sorted(x.labels.items()))): x.value for m in f for x in m.samples}
N = "dirtyscope_op_duration_seconds"
assert s[(N + "_count", (("op", "scan"),))] == 8
assert s[(N + "_sum", (("op", "scan"),))] == 0.008115
assert s[(N + "_bucket", (("le", "0.000008"), ("op", "scan")))] == 1
assert s[(N + "_bucket", (("le", "0.004096"), ("op", "scan")))] == 8
assert s[(N + "_count", (("op", "clear"),))] == 3
assert s[(N + "_count", (("op", "split"),))] == 2
assert s[(N + "_count", (("op", "merge"),))] == 1
assert s[("dirtyscope_op_errors_total", (("op", "scan"),))] == 1
assert s[("dirtyscope_scans_total", (("domain", "1"),))] == 5
assert s[("dirtyscope_dirty_pages_total", (("domain", "1"),))] == 7936
assert s[("dirtyscope_scan_errors_total", (("domain", "2"),))] == 1
assert s[("dirtyscope_scan_time_seconds_total", (("domain", "2"),))] == 0.00011
EOF

# the exported buckets do not follow the display unit: -m prints msecs,
# --prom keeps the usecs bounds (a series must not change its buckets)
run rep_prom_ms "$DS" report -m --prom "$TMP/om/rep.ms.prom" "$TMP/basic.jsonl"
check "report -m --prom: the same file as without -m (bucket bounds in usecs)" \
	sh -c "test $(rc rep_prom_ms) = 0 && cmp -s '$TMP/om/rep.prom' '$TMP/om/rep.ms.prom'"
check "report -m: the text histograms still in msecs" \
	grep -q '^ *msecs  *: count  *distribution$' "$TMP/rep_prom_ms.out"
run rep_prom_d "$DS" report -D --prom "$TMP/om/rep.d.prom" "$TMP/basic.jsonl"
run rep_prom_dm "$DS" report -D -m --prom "$TMP/om/rep.dm.prom" "$TMP/basic.jsonl"
check "report -D -m --prom: the same file as -D (bucket bounds in usecs)" \
	sh -c "test $(rc rep_prom_dm) = 0 && cmp -s '$TMP/om/rep.d.prom' '$TMP/om/rep.dm.prom'"
if [ "$(rc rep_prom_d)" = 0 ] && promtool_ok "$TMP/om/rep.d.prom"; then
	ok "report -D --prom passes promtool check metrics"
else
	not_ok "report -D --prom passes promtool check metrics"
fi
check "report -D --prom: op and domain labels on the duration histogram" \
	grep -qx 'dirtyscope_op_duration_seconds_count{op="scan",domain="2"} 3' "$TMP/om/rep.d.prom"

# --- report on perf script text of the same events --------------------------
# perf_script JSONL: the events of a recording as perf script prints them
# (perf script --header --ns -F comm,tid,cpu,time,event,trace), with the
# tracepoints' TP_printk fields; a line of another event in between.
cat >"$TMP/to_perf.py" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
h = lines[0]
print("# ========")
print("# captured on    : Thu Jan  1 00:00:00 2026")
print("# hostname : %s" % h["hostname"])
print("# os release : %s" % h["kernel"])
print("# arch : %s" % h["machine"])
print("# ========")
print("#")
for i, e in enumerate(lines[1:]):
    if "op" not in e:
        continue
    t = e["ts_ns"]
    print("%16s %7d [%03d] %5d.%09d: %s: domain=%u iova=0x%x size=0x%x pgsize=0x%x leaves=%u dirty=%u flags=0x%x ret=%d duration_ns=%u"
          % ("qemu-system-aar", 1234, i % 2, t // 10**9, t % 10**9, "iommu:dirty_" + e["op"],
             e["domain_id"], e["iova"], e["size"], e["pgsize"], e["leaves"], e["dirty"],
             e["flags"], e["ret"], e["duration_ns"]))
    if i == 2:
        print("     kworker/0:1 77 [000] %5d.%09d: iommu:map: IOMMU: iova=0x0000000000100000 - 0x0000000000101000 paddr=0x0000000040000000 size=4096"
              % (t // 10**9, t % 10**9 + 1))
EOF
"$PY" "$TMP/to_perf.py" "$TMP/basic.jsonl" >"$TMP/basic.perf.txt"
run rep_perf_prom "$DS" report --prom "$TMP/om/perf.prom" "$TMP/basic.perf.txt"
run rep_rec_prom "$DS" report --prom "$TMP/om/rec.prom" "$TMP/basic.jsonl"
check "report on perf script text: the same Prometheus metrics as on the recording (cmp)" \
	cmp "$TMP/om/perf.prom" "$TMP/om/rec.prom"
run rep_perf_json "$DS" report -j "$TMP/basic.perf.txt"
run rep_rec_json "$DS" report -j "$TMP/basic.jsonl"
check "report -j on perf script text: same histograms and per-domain totals, source, header from --header" \
	py rep_perf_json "$TMP/rep_perf_json.out" "$TMP/rep_rec_json.out" <<'EOF'
import json, sys
p, r = (json.load(open(f)) for f in sys.argv[1:3])
assert p["source"] == "perf script" and r["source"] == "dirtyscope record", (p["source"], r["source"])
assert (p["hostname"], p["kernel"], p["machine"]) == (r["hostname"], r["kernel"], r["machine"]), p
assert p["events"] == r["events"] == 14, (p["events"], r["events"])
# the time base differs (perf starts at the first event): compare counts
lat = lambda d: d["lat"]["ops"]
assert lat(p) == lat(r), (lat(p), lat(r))
keep = ("domain", "scans", "errors", "noclear", "dirty_pages", "dirty_bytes",
        "scanned_bytes", "scan_ns", "pages_per_scan", "dirty_share")
rows = lambda d: [{k: x[k] for k in keep} for x in d["rate"]["domains"]]
assert rows(p) == rows(r), (rows(p), rows(r))
EOF
run rep_perf_text env TZ=UTC "$DS" report "$TMP/basic.perf.txt"
check "report text on perf script text says where it came from" \
	grep -q "read from perf script (perf reports its lost events)" "$TMP/rep_perf_text.out"
run rep_perf_svg "$DS" report "$TMP/basic.perf.txt" --svg "$TMP/perf-heat.svg" --bucket-ms 1000 --range-mib 256
check "report --svg on perf script text: a well-formed heat map" \
	xmllint --noout "$TMP/perf-heat.svg"
# bad perf script text: one line each, the reason and the line number
mkdir -p "$TMP/badperf"
while IFS='|' read -r name text reason; do
	printf '# perf script\n%s\n' "$text" >"$TMP/badperf/$name.txt"
	run "badperf_$name" "$DS" report "$TMP/badperf/$name.txt"
	check "report on perf script text: $name says '$reason' (line 2)" \
		expect_fail "badperf_$name" "dirtyscope: $TMP/badperf/$name.txt:2: $reason"
done <<'EOF'
notime|qemu 12 [000] iommu:dirty_scan: domain=1|not a line of perf script (no "SECONDS.FRACTION:" time; -F must keep time, event and trace)
noevent|qemu 12 [000] 1.000000001: domain=1|no "SYSTEM:EVENT:" after the time
unknownop|qemu 12 [000] 1.000000001: iommu:dirty_flush: domain=1|unknown event "iommu:dirty_flush" (iommu:dirty_split, _merge, _scan, _clear)
missing|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=1 iova=0x0 size=0x1000 pgsize=0x1000 dirty=0 flags=0x0 ret=0 duration_ns=5|"leaves": missing
unknownkey|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=1 iova=0x0 size=0x1000 pgsize=0x1000 leaves=1 dirty=0 flags=0x0 ret=0 duration_ns=5 cpu=3|unknown field "cpu"
twice|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=1 domain=2 iova=0x0 size=0x1000 pgsize=0x1000 leaves=1 dirty=0 flags=0x0 ret=0 duration_ns=5|"domain" twice
badvalue|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=1 iova=0xzz size=0x1000 pgsize=0x1000 leaves=1 dirty=0 flags=0x0 ret=0 duration_ns=5|"iova": bad value "0xzz"
negative|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=1 iova=0x0 size=0x1000 pgsize=0x1000 leaves=-1 dirty=0 flags=0x0 ret=0 duration_ns=5|"leaves": bad value "-1"
domain32|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=4294967296 iova=0x0 size=0x1000 pgsize=0x1000 leaves=1 dirty=0 flags=0x0 ret=0 duration_ns=5|"domain": 4294967296 beyond 32 bits
wrap|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=1 iova=0xfffffffffffff000 size=0x2000 pgsize=0x1000 leaves=1 dirty=0 flags=0x0 ret=0 duration_ns=5|"size": iova + size beyond 2^64
notkv|qemu 12 [000] 1.000000001: iommu:dirty_scan: domain=1 iova|"iova": not key=value
EOF

# the heat map: explicit and automatic grids, conservation of dirty pages
run rep_svg "$DS" report "$TMP/basic.jsonl" --svg "$TMP/heat.svg" \
	--bucket-ms 1000 --range-mib 256 --hist-svg "$TMP/lat.svg"
check "report --svg --hist-svg exit 0" test "$(rc rep_svg)" = 0
check "heat map SVG is well-formed (xmllint --noout)" xmllint --noout "$TMP/heat.svg"
check "histogram SVG is well-formed (xmllint --noout)" xmllint --noout "$TMP/lat.svg"
check "heat map: 4 x 5 grid, 18 scanned cells with the spread dirty counts" \
	py heat_cells "$TMP/heat.svg" <<'EOF'
import re, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == NS + "svg"
a = root.attrib
assert (a["data-cols"], a["data-rows"], a["data-cells"]) == ("4", "5", "18"), a
assert (a["data-bucket-ms"], a["data-range-mib"]) == ("1000", "256"), a
cells = [r for r in root.iter(NS + "rect") if r.get("class") == "cell"]
assert len(cells) == 18, len(cells)
# plain decimal, no exponent: 1280 is "1280", not "1.28e+03"
bad = [c.get("data-dirty") for c in cells
       if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", c.get("data-dirty"))]
assert not bad, bad
got = {}
for c in cells:
    t = c.find(NS + "title").text     # "domain 1, IOVA 0x40000000-0x4fffffff, 3.000-4.000 s: ..."
    dom, iova, when = t.split(": ")[0].split(", ")
    got[(dom, iova.split()[1].split("-")[0], when.split("-")[0])] = \
        (float(c.get("data-dirty")), int(c.get("data-scans")))
d1 = ["0x40000000", "0x50000000", "0x60000000", "0x70000000"]
want = {}
for i, r in enumerate(d1):
    want[("domain 1", r, "0.000")] = (256, 1)
    want[("domain 1", r, "1.000")] = (512, 1)
    want[("domain 1", r, "2.000")] = (0, 1)        # scanned, clean
    want[("domain 1", r, "3.000")] = ((1536, 2), (1280, 2), (1024, 1), (1024, 1))[i]
want[("domain 2", "0x0", "0.000")] = (256, 1)
want[("domain 2", "0x0", "2.000")] = (256, 1)
assert got == want, sorted(set(got.items()) ^ set(want.items()))
EOF
# scans over four 256 MiB ranges: their counts are spread, estimates that
# the SVG (cells, note, title, legend) and stderr point out
check "heat map from scans over several ranges: one line on stderr, the estimated cells counted" \
	test "$(cat "$TMP/rep_svg.err")" = \
	"dirtyscope: $TMP/heat.svg: 16 of 18 heat map cells are estimates (a scan over several IOVA ranges is spread over them by bytes); 'record --bitmaps' gives the exact pages"
check "heat map from scans: estimated cells marked (data-estimated, ~ in the tooltip), the exact ones not" \
	py heat_est "$TMP/heat.svg" <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
a = root.attrib
assert a["data-source"] == "scans" and a["data-estimated"] == "16", a
est, exact = [], []
for c in root.iter(NS + "rect"):
    if c.get("class") == "cell":
        (est if c.get("data-estimated") == "1" else exact).append(c)
assert len(est) == 16 and len(exact) == 2, (len(est), len(exact))
for c in est:           # domain 1: scans of 1 GiB over four 256 MiB ranges
    t = c.find(NS + "title").text
    assert t.startswith("domain 1, ") and ": ~" in t and "(estimated)" in t, t
for c in exact:         # domain 2: scans within one range, whole pages
    t = c.find(NS + "title").text
    assert t.startswith("domain 2, ") and t.endswith(": 256 dirty pages, 1 scan"), t
text = [t.text for t in root.iter(NS + "text")]
assert text[0].startswith("Dirty pages (estimated) per 1000 ms"), text[0]
assert any(x.startswith("Estimated: 16 of 18 cells.") for x in text), text
assert "\u2264 1" in text, text        # the scale's low end takes the estimates below 1
EOF
run rep_auto "$DS" report "$TMP/basic.jsonl" --svg "$TMP/heat_auto.svg"
check "heat map defaults: 100 ms x 32 MiB, 40 x 34 grid, 144 cells" \
	py heat_auto "$TMP/heat_auto.svg" <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
a = root.attrib
assert (a["data-bucket-ms"], a["data-range-mib"]) == ("100", "32"), a
assert (a["data-cols"], a["data-rows"], a["data-cells"]) == ("40", "34", "144"), a
assert sum(r.get("class") == "cell" for r in root.iter(NS + "rect")) == 144
EOF
for grid in "250 16" "1000 64" "500 32"; do
	set -- $grid
	run rep_mig "$DS" report "$TMP/migrate.jsonl" -j --svg "$TMP/mig.svg" \
		--bucket-ms "$1" --range-mib "$2"
	check "migrate recording, $1 ms x $2 MiB: well-formed (xmllint --noout)" \
		xmllint --noout "$TMP/mig.svg"
	check "migrate recording, $1 ms x $2 MiB: per-domain cell sums = rate dirty pages" \
		py heat_conserve "$TMP/mig.svg" "$TMP/rep_mig.out" "$1" "$2" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
rate = {d["domain"]: d["dirty_pages"] for d in json.load(open(sys.argv[2]))["rate"]["domains"]}
a = root.attrib
assert (a["data-bucket-ms"], a["data-range-mib"]) == (sys.argv[3], sys.argv[4]), a
sums, n = {}, 0
for c in root.iter(NS + "rect"):
    if c.get("class") != "cell":
        continue
    n += 1
    dom = int(c.find(NS + "title").text.split(",")[0].split()[1])
    sums[dom] = sums.get(dom, 0) + float(c.get("data-dirty"))
assert n == int(a["data-cells"]) and n > 0, n
assert sorted(sums) == sorted(rate) == [1, 2], (sums, rate)
for d in rate:
    assert abs(sums[d] - rate[d]) < 1e-6 * rate[d], (d, sums[d], rate[d])
EOF
done
# the last grid (500 ms x 32 MiB): up to 8192 pages in a cell, yet one
# dirty page must not look like none
check "migrate heat map: a clean cell (0) and a 1-page cell are far apart in colour under a max of 8192" \
	py mig_fill "$TMP/mig.svg" <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
fill = {}
for c in root.iter(NS + "rect"):
    if c.get("class") == "cell":
        fill.setdefault(float(c.get("data-dirty")), set()).add(c.get("fill"))
assert max(fill) == 8192 and len(fill[0]) == len(fill[1]) == 1, fill.get(0)
def rgb(h): return [int(h[i:i + 2], 16) for i in (1, 3, 5)]
z, one = rgb(fill[0].pop()), rgb(fill[1].pop())
dist = sum((x - y) ** 2 for x, y in zip(z, one)) ** 0.5
assert dist > 200, (z, one, dist)
EOF
check "histogram SVG: 4 panels, 11 bars with the slot counts" py hist_bars "$TMP/lat.svg" <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert root.get("data-panels") == "4", root.attrib
bars = [r for r in root.iter(NS + "rect") if r.get("class") == "bar"]
assert len(bars) == 11, len(bars)
got = {}
for b in bars:
    op = b.find(NS + "title").text.split()[0]
    got.setdefault(op, {})[int(b.get("data-slot"))] = int(b.get("data-count"))
assert got == {"split": {7: 2}, "merge": {8: 1},
               "scan": {2: 1, 5: 2, 8: 1, 9: 1, 10: 2, 11: 1},
               "clear": {3: 1, 4: 1, 5: 1}}, got
assert all(float(b.get("height")) > 0 for b in bars)
EOF

# a real recording: the test-bed guest (series kernel, arm64) ran
# "dirtyscope record -- <dirtydemo, iommufd_split, iommufd_dirty,
# type1_hwdirty>" while "dirtyscope lat 6 1" ran next to it; golden/ has
# both outputs.  report must read the arm64 file and print the histograms
# the kernel-side lat counted, line for line.
G_REC=$HERE/golden/guest_record.jsonl
run guest_text "$DS" report "$G_REC"
# the histogram lines, blank lines aside
sed -n '/^op = /,/^SOURCE/p' "$TMP/guest_text.out" | grep -v '^SOURCE\|^$' >"$TMP/guest_hist"
grep -v '^Tracing \|^$' "$HERE/golden/guest_lat.txt" >"$TMP/guest_lat"
if [ "$(rc guest_text)" = 0 ] && [ -s "$TMP/guest_lat" ] &&
   cmp -s "$TMP/guest_lat" "$TMP/guest_hist"; then
	ok "guest recording: report histograms = live lat in the guest, line for line"
else
	not_ok "guest recording: report histograms = live lat in the guest, line for line"
	diff "$TMP/guest_lat" "$TMP/guest_hist" | diag /dev/stdin
fi
run guest_json "$DS" report -j "$G_REC" --svg "$TMP/guest.svg"
check "guest recording: 148 events, per-op counts and per-domain scans" \
	py guest_json "$TMP/guest_json.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["events"] == 148 and d["complete"] and d["machine"] == "aarch64", d
assert [(o["op"], o["count"]) for o in d["lat"]["ops"]] == \
    [("split", 5), ("merge", 4), ("scan", 73), ("clear", 66)], d["lat"]["ops"]
assert [(x["domain"], x["scans"], x["dirty_pages"]) for x in d["rate"]["domains"]] == \
    [(1, 10, 99), (2, 6, 84), (3, 10, 16), (4, 31, 15), (5, 16, 527)]
EOF
check "guest recording: heat map well-formed, every dirty page in a cell" \
	py guest_svg "$TMP/guest.svg" "$TMP/guest_json.out" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
total = sum(x["dirty_pages"] for x in json.load(open(sys.argv[2]))["rate"]["domains"])
cells = [c for c in root.iter(NS + "rect") if c.get("class") == "cell"]
assert len(cells) == int(root.get("data-cells")) > 0
assert abs(sum(float(c.get("data-dirty")) for c in cells) - total) < 1e-6, total
EOF

# grids that would be too large: one line, exit 1
run rep_bigx "$DS" report "$TMP/migrate.jsonl" --svg "$TMP/x.svg" --bucket-ms 1
check "report --bucket-ms 1 over 60 s: refused in one line" \
	expect_fail rep_bigx "dirtyscope: --bucket-ms 1 gives 60000 time buckets (at most 2000): use a larger --bucket-ms"
run rep_bigy "$DS" report "$TMP/migrate.jsonl" --svg "$TMP/x.svg" --range-mib 1
check "report --range-mib 1 over 2.25 GiB: refused in one line" \
	expect_fail rep_bigy "dirtyscope: --range-mib 1 gives more than 1024 IOVA ranges: use a larger --range-mib"
run rep_bigxy "$DS" report "$TMP/migrate.jsonl" --svg "$TMP/x.svg" --range-mib 4 --bucket-ms 100
check "report --range-mib 4 --bucket-ms 100: too many cells, refused in one line" \
	expect_fail rep_bigxy "dirtyscope: 576 IOVA ranges x 600 time buckets is more than 262144 cells: use a larger --range-mib or --bucket-ms"
check "a refused heat map leaves no file" test ! -e "$TMP/x.svg"
run rep_missing "$DS" report "$TMP/nonexistent.jsonl"
check "report of a missing file: one line, exit 1" \
	expect_fail rep_missing "dirtyscope: cannot open $TMP/nonexistent.jsonl: No such file or directory"
run rep_noarg "$DS" report
check "report without FILE: usage error" \
	sh -c "test $(rc rep_noarg) != 0 && grep -q 'FILE (a recording' '$TMP/rep_noarg.err'"

# malformed recordings: "dirtyscope: FILE:LINE: reason", exit 1, no output
mkdir -p "$TMP/bad"
"$PY" - "$TMP/basic.jsonl" "$TMP/bad" >"$TMP/bad/manifest" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
out = sys.argv[2]
hdr, ev, trailer = lines[0], lines[1:-1], lines[-1]
def obj(s): return json.loads(s)
def dump(o): return json.dumps(o, separators=(",", ":"))
def ev_with(i, **kw):
    o = obj(ev[i]); o.update(kw); return dump(o)
def ev_without(i, key):
    o = obj(ev[i]); del o[key]; return dump(o)
H = obj(hdr)
cases = [
    # name, file lines, line number, reason
    ("empty", [], 1, "empty file (no dirtyscope recording header)"),
    ("noheader", ev, 1, 'not a dirtyscope recording (no "format": "dirtyscope-record" header)'),
    ("version", [dump(dict(H, version=3))] + ev, 1,
     "unsupported format version 3 (dirtyscope 0.1 reads 1 and 2)"),
    ("hdrfield", [dump({k: v for k, v in H.items() if k != "start_ns"})], 1,
     '"start_ns": missing'),
    ("base", [dump(dict(H, clock_base_ns=2**64 - 1))], 1,
     '"clock_base_ns": 18446744073709551615 out of range '
     '(-9223372036854775808..9223372036854775807)'),
    ("clock", [dump(dict(H, clock="CLOCK_TAI"))], 1,
     '"clock": "CLOCK_TAI" (only CLOCK_MONOTONIC is known)'),
    ("missing", [hdr, ev[0], ev_without(1, "iova")], 3, '"iova": missing'),
    ("op", [hdr, ev_with(0, op="fold")], 2,
     '"op": unknown operation "fold" (split, merge, scan, clear)'),
    ("negative", [hdr, ev_with(0, size=-1)], 2, '"size": negative'),
    ("string", [hdr, ev_with(0, dirty="12")], 2, '"dirty": not an integer'),
    ("float", [hdr, ev_with(0, ts_ns=1.5)], 2, '"ts_ns": not an integer'),
    ("domain", [hdr, ev_with(0, domain_id=2**32)], 2,
     '"domain_id": 4294967296 out of range (at most 4294967295)'),
    ("ret", [hdr, ev_with(0, ret=2**31)], 2,
     '"ret": 2147483648 out of range (-2147483648..2147483647)'),
    ("wrap", [hdr, ev_with(0, iova=2**64 - 4096, size=8192)], 2,
     '"size": iova + size beyond 2^64'),
    ("unknown", [hdr, ev_with(0, color="red")], 2, 'unknown field "color"'),
    ("hdrextra", [dump(dict(H, comment="rerun"))] + ev, 1, 'unknown field "comment"'),
    ("trlextra", [hdr] + ev + [dump(dict(obj(trailer), bitmaps=0))], len(ev) + 2,
     'unknown field "bitmaps"'),
    # a line cut inside a value is an error unless it is the file's last
    ("truncated", [hdr, ev[0], ev[1][:40], ev[2]], 3,
     "invalid JSON (the line ends inside a value)"),
    ("cuthdr", [hdr[:30]], 1, "invalid JSON (the line ends inside a value)"),
    ("garbage", [hdr, ev[0] + " x"], 2,
     "invalid JSON (unexpected character at column %d)" % (len(ev[0]) + 2)),
    ("array", [hdr, "[1,2]"], 2, "not a JSON object"),
    ("blank", [hdr, ev[0], "", ev[1]], 3, "empty line"),
    ("neither", [hdr, '{"ts_ns":1}'], 2,
     'neither an event ("op") nor the trailer ("end_ns")'),
    ("header2", [hdr, hdr], 2, "a second header"),
    ("after", [hdr] + ev + [trailer, ev[0]], len(ev) + 3, "line after the trailer"),
    ("count", [hdr] + ev[:-1] + [trailer], len(ev) + 1,
     "the trailer counts %d events, the file has %d" % (len(ev), len(ev) - 1)),
    ("endns", [hdr, dump({"end_ns": 5, "events": 0, "dropped": 0})], 2,
     '"end_ns": 5 before start_ns 1000000000'),
]
for name, body, line, reason in cases:
    with open("%s/%s.jsonl" % (out, name), "w") as f:
        f.write("".join(l + "\n" for l in body))
    print("%s\t%d\t%s" % (name, line, reason))
EOF
while IFS="$(printf '\t')" read -r name line reason; do
	run "bad_$name" "$DS" report "$TMP/bad/$name.jsonl"
	if expect_fail "bad_$name" "dirtyscope: $TMP/bad/$name.jsonl:$line: $reason"; then
		ok "malformed recording ($name): '$line: $reason', exit 1"
	else
		not_ok "malformed recording ($name): '$line: $reason', exit 1"
		diag "$TMP/bad_$name.err"
	fi
done <"$TMP/bad/manifest"
check "a recording without its trailer (recorder killed) is still read" \
	sh -c "head -n -1 '$TMP/basic.jsonl' | '$DS' report -j - | grep -q '\"complete\":false'"

# a recorder killed while writing a line: its last line is cut inside a
# value; report reads the lines before it and says so on stderr, once
nlines=$(wc -l <"$TMP/basic.jsonl")
nev=$((nlines - 2))
{ head -n $((nlines - 2)) "$TMP/basic.jsonl"
  sed -n "$((nlines - 1))p" "$TMP/basic.jsonl" | head -c 40; } >"$TMP/cut.jsonl"
{ cat "$TMP/cut.jsonl"; echo; } >"$TMP/cutnl.jsonl"
cutmsg="warning: the last line ends inside a value (the recorder was killed while writing it): ignored"
for f in cut cutnl; do
	run "rep_$f" "$DS" report -j "$TMP/$f.jsonl"
	check "report of a recording whose last line is cut ($f.jsonl): exit 0, one warning line" \
		test "$(rc "rep_$f")" = 0 -a "$(cat "$TMP/rep_$f.err")" = \
		"dirtyscope: $TMP/$f.jsonl:$((nlines - 1)): $cutmsg"
	check "report of a recording whose last line is cut ($f.jsonl): the $((nev - 1)) whole events, incomplete" \
		py "rep_$f" "$TMP/rep_$f.out" "$((nev - 1))" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["events"] == int(sys.argv[2]) and d["complete"] is False, d
assert sum(o["count"] for o in d["lat"]["ops"]) == int(sys.argv[2]), d["lat"]
EOF
done
run rep_cutstdin "$DS" report - <"$TMP/cut.jsonl"
check "report - of a cut recording: the warning names stdin (-)" \
	test "$(rc rep_cutstdin)" = 0 -a "$(cat "$TMP/rep_cutstdin.err")" = \
	"dirtyscope: -:$((nlines - 1)): $cutmsg"

# record --bitmaps, bitmap lines (format version 2)
. "$HERE/bitmaps.sh"
. "$HERE/policy.sh"

# --- the CLI on this host ---------------------------------------------------

# This host's fentry verdict (the CLI's own load probe), which the checks
# below follow: fentry is refused (EPERM) on some hosts, usable on others.
fentry=$("$DS" status -j | "$PY" -c '
import json, sys
x = json.load(sys.stdin)["fentry"]
print("usable" if x["usable"] else x["errno"])')

run status "$DS" status
check "status exits 0" test "$(rc status)" = 0
run statusj "$DS" status -j
check "status -j exits 0" test "$(rc statusj)" = 0
check "status -j is valid JSON (python3 -m json.tool)" \
	"$PY" -m json.tool "$TMP/statusj.out" /dev/null
run statusp "$DS" status -p
check "status -p without -j: indented JSON (-p implies -j, as in bpftool)" \
	py statusp "$TMP/statusp.out" "$TMP/statusj.out" <<'EOF'
import json, sys
p, j = (open(f).read() for f in sys.argv[1:3])
assert p.startswith("{\n") and p.count("\n") > 20, p[:200]
assert json.loads(p).keys() == json.loads(j).keys()
EOF
check "status -j fields" py status_fields "$TMP/statusj.out" "$fentry" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["privileged"] is True
assert d["btf"]["present"] is True
tps = [t["name"] for t in d["tracepoints"]]
assert tps == ["iommu:dirty_split", "iommu:dirty_merge", "iommu:dirty_scan",
               "iommu:dirty_clear"], tps
for t in d["tracepoints"]:
    assert t["present"] is False and "btf_trace_" in t["reason"], t
assert isinstance(d["tracefs"]["mounted"], bool)
assert d["fentry"]["probed"] is True
assert d["fentry"]["usable"] is (sys.argv[2] == "usable"), d["fentry"]
assert len(d["fentry"]["targets"]) >= 5
assert isinstance(d["iommus"], list)
assert isinstance(d["iommufd"]["present"], bool)
assert isinstance(d["vfio"]["present"], bool)
u = d["dirty_tracking_users"]
assert u["count"] == 0 and u["processes"] == "" and u["unreadable"] == 0, u
EOF
# status checks exactly the functions lat and record --bitmaps attach to
# (the fentry/fexit sections of their BPF objects), each in vmlinux or in
# its module
check "status -j: the fentry targets are those of lat.bpf.o and bitmaps.bpf.o, with their modules" \
	py status_targets "$TMP/statusj.out" "$BUILD/lat.bpf.o" "$BUILD/bitmaps.bpf.o" <<'EOF'
import json, subprocess, sys
t = json.load(open(sys.argv[1]))["fentry"]["targets"]
secs = set()
for obj in sys.argv[2:]:
    out = subprocess.run(["llvm-objdump", "-h", obj], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        w = line.split()
        if len(w) > 1 and w[1].split("/")[0] in ("fentry", "fexit"):
            secs.add(w[1].split("/", 1)[1])
assert len(secs) == 8, secs
assert sorted(x["function"] for x in t) == sorted(secs), ([x["function"] for x in t], secs)
mods = {x["function"]: x["module"] for x in t}
for f in secs:
    want = ("iommufd" if f.startswith("iommufd_") else
            "vfio_iommu_type1" if f.startswith("vfio_iommu_type1") else
            "mlx5_vfio_pci" if f.startswith("mlx5vf") else
            "edu_vfio_pci" if f.startswith("edu_") else "pds_vfio_pci")
    assert mods[f] == want, (f, mods[f], want)
bm = sorted(x["function"] for x in t if x["record_bitmaps"])
assert bm == ["iommufd_hwpt_clear_dirty_bitmap", "iommufd_hwpt_get_dirty_bitmap",
              "vfio_iommu_type1_dirty_pages", "vfio_iommu_type1_ioctl"], bm
EOF
check "status: each fentry target's line says where it was looked for" \
	py status_tlines "$TMP/statusj.out" "$TMP/status.out" <<'EOF'
import json, re, sys
t = json.load(open(sys.argv[1]))["fentry"]["targets"]
text = open(sys.argv[2]).read()
for x in t:
    m = re.search(r"^fentry:%s +(.*)$" % x["function"], text, re.M)
    assert m, x["function"]
    v = m.group(1)
    if x["present"]:
        want = "yes (BTF %s; lat --op %s" % (x["btf"], x["op"])
    elif x["module_loaded"]:
        want = "no (not in the BTF of vmlinux or module %s; lat --op %s" % (x["module"], x["op"])
    else:
        want = "no (not in vmlinux BTF, module %s not loaded; lat --op %s" % (x["module"], x["op"])
    assert v.startswith(want), (v, want)
EOF
# a function in a module's BTF (split on vmlinux's), as iommufd built as
# a module has it: found where status, lat and record look
mkdir -p "$TMP/modbtf"
run btfmod "$ATTACH" btf-module "$TMP/modbtf" iommufd ds_test_only_in_module
run btfwhere "$ATTACH" btf-where "$TMP/modbtf" ds_test_only_in_module iommufd
run btfwhere2 "$ATTACH" btf-where "$TMP/modbtf" ds_test_only_in_module vfio_iommu_type1
run btfwhere3 "$ATTACH" btf-where "$TMP/modbtf" bpf_fentry_test1 iommufd
check "status' BTF lookup finds a function in a module's split BTF, and only in that module" \
	test "$(rc btfmod)" = 0 -a "$(cat "$TMP/btfwhere.out")" = iommufd -a \
	"$(cat "$TMP/btfwhere2.out")" = none -a "$(cat "$TMP/btfwhere3.out")" = vmlinux
# tracefs (libtracefs), in a mount namespace of its own: none mounted, then
# one at an odd place; status never mounts it itself
run tfsns unshare -m sh -c "umount -a -t tracefs,debugfs 2>/dev/null
	'$DS' status -j >'$TMP/tfs0.json' && mount -t tracefs nodev /mnt &&
	'$DS' status -j >'$TMP/tfs1.json' && '$DS' status -j >'$TMP/tfs2.json'"
check "status: tracefs not mounted, then found where it is (/mnt), and never mounted by status" \
	py tfsns "$TMP/tfs0.json" "$TMP/tfs1.json" "$TMP/tfs2.json" <<'EOF'
import json, sys
a, b, c = (json.load(open(f))["tracefs"] for f in sys.argv[1:4])
assert a == {"mounted": False, "path": None}, a
assert b == c == {"mounted": True, "path": "/mnt"}, (b, c)
EOF
check "status: no dirty-tracking user on this host, with the reason" \
	grep -q '^dirty-tracking users  *none (no process has /dev/iommu or a VFIO container or device open)$' "$TMP/status.out"
if [ "$fentry" = usable ]; then
	check "status: the fentry load probe succeeds on this host" \
		grep -q '^fentry  *yes (load probe on ' "$TMP/status.out"
	check "status -j: fentry usable, no errno" py fentry_errno "$TMP/statusj.out" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))["fentry"]
assert f["errno"] is None and f["result"].startswith("yes ("), f
EOF
else
	check "status: the fentry load probe is refused ($fentry) on this host" \
		grep -q "^fentry  .*refused ($fentry) at load" "$TMP/status.out"
	check "status -j: fentry errno $fentry" py fentry_errno "$TMP/statusj.out" "$fentry" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))["fentry"]
assert f["errno"] == sys.argv[2] and "refused (%s)" % sys.argv[2] in f["result"], f
EOF
fi
for tp in dirty_split dirty_merge dirty_scan dirty_clear; do
	check "status: iommu:$tp reported missing with a reason" \
		grep -q "^tracepoint iommu:$tp  *no (no btf_trace_$tp in BTF" \
		"$TMP/status.out"
done
check "status: one line per feature, none empty" \
	test "$(grep -c '^[a-z]' "$TMP/status.out")" = "$(wc -l <"$TMP/status.out")"

# missing tracepoints: one line naming the first missing one, exit 1
msg='not found (kernel without the dirtyscope series?)'
run lat "$DS" lat
check "lat without the series: exit 1, names iommu:dirty_split" \
	expect_fail lat "dirtyscope: tracepoint iommu:dirty_split $msg"
run latscan "$DS" lat 1 1 -m -j --op scan --per-domain --prom "$TMP/x.prom"
check "lat --op scan: names iommu:dirty_scan" \
	expect_fail latscan "dirtyscope: tracepoint iommu:dirty_scan $msg"
check "lat that cannot run leaves no prom file" test ! -e "$TMP/x.prom"
run latclear "$DS" lat --op clear
check "lat --op clear: names iommu:dirty_clear" \
	expect_fail latclear "dirtyscope: tracepoint iommu:dirty_clear $msg"
run rate "$DS" rate 1 1 -j
check "rate without the series: names iommu:dirty_scan" \
	expect_fail rate "dirtyscope: tracepoint iommu:dirty_scan $msg"
run rec "$DS" record -o "$TMP/rec.jsonl"
check "record without the series: exit 1, names iommu:dirty_split" \
	expect_fail rec "dirtyscope: tracepoint iommu:dirty_split $msg"
check "record that cannot run leaves no file" test ! -e "$TMP/rec.jsonl"
run reccmd "$DS" record -o "$TMP/rec.jsonl" -d 5 -- touch "$TMP/ran"
check "record -d 5 -- COMMAND without the series: the same line" \
	expect_fail reccmd "dirtyscope: tracepoint iommu:dirty_split $msg"
check "record that cannot run does not start the command" test ! -e "$TMP/ran"

# fentry ops: the load probe first; this host's verdict ($fentry, above)
fnops=get_bitmap,set_tracking,clear_bitmap,type1_dirty,dma_report
run fnlat "$DS" lat 1 1 --op get_bitmap
run fnall "$DS" lat 1 1 -j --op $fnops --prom "$TMP/fn.prom"
if [ "$fentry" != usable ]; then
	check "lat --op get_bitmap, fentry refused: one line, exit 1" \
		expect_fail fnlat "dirtyscope: fentry refused by this kernel ($fentry)"
	check "lat -j --op (every fentry op), fentry refused: the same line" \
		expect_fail fnall "dirtyscope: fentry refused by this kernel ($fentry)"
else
	# fentry works here: whatever the functions, one line at most on stderr
	check "lat --op get_bitmap with fentry usable: at most one line" \
		test "$(wc -l <"$TMP/fnlat.err")" -le 1
	check "lat -j --op (every fentry op) with fentry usable: at most one line" \
		test "$(wc -l <"$TMP/fnall.err")" -le 1
fi
check "lat with fentry ops that cannot run leaves no prom file" \
	sh -c "test $(rc fnall) = 0 || test ! -e '$TMP/fn.prom'"
run fnmixed "$DS" lat --op get_bitmap,scan
check "lat --op get_bitmap,scan: the tracepoint is checked first" \
	expect_fail fnmixed "dirtyscope: tracepoint iommu:dirty_scan $msg"
dommsg="dirtyscope lat: -D and -d apply to split, merge, scan, clear only (the fentry ops have no iommu domain)"
run fndom "$DS" lat -D --op scan,get_bitmap
check "lat -D --op scan,get_bitmap: usage error naming the fentry ops" \
	test "$(rc fndom)" = 64 -a "$(head -n 1 "$TMP/fndom.err")" = "$dommsg"
run fndom2 "$DS" lat -d 3 --op type1_dirty
check "lat -d 3 --op type1_dirty: the same usage error" \
	test "$(rc fndom2)" = 64 -a "$(head -n 1 "$TMP/fndom2.err")" = "$dommsg"

# not root: one line, non-zero
cp "$DS" "$TMP/dirtyscope"
chmod 755 "$TMP" "$TMP/dirtyscope"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
rootmsg='dirtyscope: must be run as root (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)'
run nrlat $NOBODY "$TMP/dirtyscope" lat
check "lat as uid 65534: one line, exit 1" expect_fail nrlat "$rootmsg"
run nrfn $NOBODY "$TMP/dirtyscope" lat --op get_bitmap
check "lat --op get_bitmap as uid 65534: one line, exit 1" expect_fail nrfn "$rootmsg"
run nrrate $NOBODY "$TMP/dirtyscope" rate 1 1
check "rate as uid 65534: one line, exit 1" expect_fail nrrate "$rootmsg"
run nrrec $NOBODY "$TMP/dirtyscope" record -o /tmp/nobody.jsonl -- true
check "record as uid 65534: one line, exit 1" expect_fail nrrec "$rootmsg"
run nrreport $NOBODY "$TMP/dirtyscope" report -j - <"$TMP/basic.jsonl"
check "report needs no privileges (uid 65534)" \
	"$PY" -m json.tool "$TMP/nrreport.out" /dev/null
run nrstatus $NOBODY "$TMP/dirtyscope" status
check "status as uid 65534: exit 0, fentry not probed" \
	grep -q '^fentry  *not probed (needs root' "$TMP/nrstatus.out"
check "status as uid 65534: exit 0" test "$(rc nrstatus)" = 0
check "status as uid 65534: dirty-tracking users unknown, not none (other processes' fds unreadable)" \
	grep -q '^dirty-tracking users  *unknown (the open files of [1-9][0-9]* processes cannot be read: not root)$' \
	"$TMP/nrstatus.out"
run nrstatusj $NOBODY "$TMP/dirtyscope" status -j
check "status -j as uid 65534: the unreadable processes counted" \
	py nrstatusj "$TMP/nrstatusj.out" <<'EOF'
import json, sys
u = json.load(open(sys.argv[1]))["dirty_tracking_users"]
assert u["count"] == 0 and u["unreadable"] > 0, u
EOF

# command line
# usage errors exit 64 (EX_USAGE) everywhere, the dispatcher included
allcmds="status, lat, rate, record, report, policy, bench, gate"
run usage "$DS"
check "no command: usage on stderr, exit 64" \
	test "$(rc usage)" = 64 -a "$(grep -c '^  lat ' "$TMP/usage.err")" = 1 -a ! -s "$TMP/usage.out"
run heatmap "$DS" heatmap
check "unknown command: one line naming the commands, exit 64" \
	test "$(rc heatmap)" = 64 -a "$(cat "$TMP/heatmap.err")" = "dirtyscope: unknown command 'heatmap' ($allcmds)"
run ambig "$DS" re x.jsonl
check "ambiguous prefix 're': one line naming record and report, exit 64" \
	test "$(rc ambig)" = 64 -a "$(cat "$TMP/ambig.err")" = "dirtyscope: ambiguous command 're' (record, report)"
run helpall "$DS" help
check "help: the commands on stdout, exit 0" \
	test "$(rc helpall)" = 0 -a "$(grep -c '^  gate ' "$TMP/helpall.out")" = 1
run helplat "$DS" help lat
run latdashhelp "$DS" lat --help
check "help lat: lat's own help (as lat --help), exit 0" \
	sh -c "test $(rc helplat) = 0 && grep -q -- '-m, --milliseconds' '$TMP/helplat.out' &&
	       cmp -s '$TMP/helplat.out' '$TMP/latdashhelp.out'"
run helpsim "$DS" help policy sim
check "help policy sim: the help of policy simulate, exit 0" \
	sh -c "test $(rc helpsim) = 0 && grep -q '^Usage: dirtyscope policy simulate ' '$TMP/helpsim.out' &&
	       grep -q -- '--workload=W' '$TMP/helpsim.out'"
run helpfrob "$DS" help frob
check "help frob: unknown command, one line, exit 64" \
	test "$(rc helpfrob)" = 64 -a "$(cat "$TMP/helpfrob.err")" = "dirtyscope: unknown command 'frob' ($allcmds)"
run benchuse "$DS" bench -- true
check "bench without -o: usage error 64" \
	test "$(rc benchuse)" = 64 -a "$(head -n 1 "$TMP/benchuse.err")" = "dirtyscope bench: -o FILE is required"
run recnoout "$DS" record -- true
check "record without -o: usage error" \
	sh -c "test $(rc recnoout) != 0 && grep -q -- '-o FILE is required' '$TMP/recnoout.err'"
run recbadd "$DS" record -o "$TMP/x.jsonl" -d 0
check "record -d 0: invalid duration rejected" \
	sh -c "test $(rc recbadd) != 0 && grep -q 'invalid duration: 0' '$TMP/recbadd.err'"
run rechelp "$DS" record --help
check "record --help: -o, -d and the command" \
	sh -c "grep -q -- '-o, --output=FILE' '$TMP/rechelp.out' && grep -q -- '-d, --duration=SECONDS' '$TMP/rechelp.out' && grep -q 'COMMAND' '$TMP/rechelp.out'"
run unknown "$DS" frobnicate
check "unknown command: exit 64" test "$(rc unknown)" = 64
run prefix "$DS" st -j
check "unambiguous prefix 'st' runs status" \
	"$PY" -m json.tool "$TMP/prefix.out" /dev/null
# an argument too many: a reason, not a bare usage line
for c in "lat 1 2 3|dirtyscope lat: unexpected argument '3' (at most [interval] [count])" \
	 "rate 1 2 x|dirtyscope rate: unexpected argument 'x' (at most [interval] [count])" \
	 "status x|dirtyscope status: unexpected argument 'x' (status takes options only)" \
	 "report a b|dirtyscope report: one FILE only (extra argument 'b')" \
	 "policy simulate x|dirtyscope policy simulate: unexpected argument 'x' (simulate takes options only)" \
	 "policy replay a b|dirtyscope policy replay: one FILE only (extra argument 'b')"; do
	args=${c%%|*}
	msg=${c#*|}
	# shellcheck disable=SC2086
	run extra "$DS" $args
	check "$args: usage error 64 with the reason" \
		test "$(rc extra)" = 64 -a "$(head -n 1 "$TMP/extra.err")" = "$msg"
done
run badint "$DS" lat 0
check "lat 0: invalid interval rejected" \
	sh -c "test $(rc badint) != 0 && grep -q 'invalid interval: 0' '$TMP/badint.err'"
# numbers are decimal digits only: strtol would take a sign, blanks, 0x
for bad in "+1|invalid interval: +1" "1 +2|invalid count: +2" \
	   "-d  7|invalid domain id:  7" "-d 0x10|invalid domain id: 0x10" \
	   "-d 4294967296|invalid domain id: 4294967296"; do
	args=${bad%%|*}
	msg=${bad#*|}
	# "-d  7": the blank is part of the value
	case $args in
	"-d  7") run badnum "$DS" lat -d " 7" ;;
	*) # shellcheck disable=SC2086
	   run badnum "$DS" lat $args ;;
	esac
	check "lat $args: usage error 64, \"$msg\"" \
		test "$(rc badnum)" = 64 -a "$(head -n 1 "$TMP/badnum.err")" = "dirtyscope lat: $msg"
done
run recbadd2 "$DS" record -o "$TMP/x.jsonl" -d +5
check "record -d +5: usage error 64, \"invalid duration: +5\"" \
	test "$(rc recbadd2)" = 64 -a "$(head -n 1 "$TMP/recbadd2.err")" = "dirtyscope record: invalid duration: +5"
run badop "$DS" lat --op fold
check "lat --op fold: rejected" \
	sh -c "test $(rc badop) != 0 && grep -q 'invalid --op' '$TMP/badop.err'"
check "lat --op fold: the error lists every op" \
	test "$(head -n 1 "$TMP/badop.err")" = "dirtyscope lat: invalid --op: fold (split, merge, scan, clear, get_bitmap, set_tracking, clear_bitmap, type1_dirty, dma_report)"
run help "$DS" lat --help
check "lat --help lists the libbpf-tools options" \
	sh -c "grep -q -- '-m, --milliseconds' '$TMP/help.out' && grep -q -- '--prom=FILE' '$TMP/help.out' && grep -q -- '-j, --json' '$TMP/help.out'"
run ratehelp "$DS" rate --help
check "lat and rate --help: --prom examples write one file each to the textfile directory" \
	sh -c "grep -q -- '--prom /var/lib/node_exporter/dirtyscope-lat.prom' '$TMP/help.out' &&
	       grep -q -- '--prom /var/lib/node_exporter/dirtyscope-rate.prom' '$TMP/ratehelp.out'"
check "lat --help: --prom-format, prometheus the default" \
	sh -c "tr -s ' \n' ' ' <'$TMP/help.out' | grep -q -- '--prom-format=FORMAT prometheus (default: text 0.0.4, what the textfile collector reads) or openmetrics'"
check "lat --help lists the fentry ops" \
	sh -c "tr -s ' \n' ' ' <'$TMP/help.out' | grep -q 'get_bitmap, set_tracking, clear_bitmap, type1_dirty, dma_report (fentry/fexit)'"

# fexit programs are preemptible: their adds to the per-CPU histograms must
# be atomic (two tasks on one CPU share that copy)
check "lat.bpf.o: every fexit program adds to the histogram atomically, no plain stores to it" \
	py fexit_atomic "$BUILD/lat.bpf.o" <<'EOF'
import re, subprocess, sys
obj = sys.argv[1]
hdr = subprocess.run(["llvm-objdump", "-h", obj], check=True, capture_output=True,
                     text=True).stdout
secs = [w.split()[1] for w in hdr.splitlines()
        if len(w.split()) > 1 and w.split()[1].startswith("fexit/")]
assert len(secs) == 8, secs
for sec in secs:
    dis = subprocess.run(["llvm-objdump", "-d", "--section=" + sec, obj], check=True,
                         capture_output=True, text=True).stdout
    locks = re.findall(r"lock \*\(u64 \*\)\(r\d+ \+ \d+\) \+= r\d+", dis)
    # sum_ns and errors follow the 64 slots: offsets 512 and 520
    plain = re.findall(r"(?<!lock )\*\(u64 \*\)\(r\d+ \+ 5(?:12|20)\) = r\d+", dis)
    assert len(locks) >= 2, (sec, locks)
    assert not plain, (sec, plain)
EOF

# --- shared attach code on a host tracepoint (sys_enter) ---------------------

N=1000
attach_case() {
	local name=$1 want_mode=$2 btf=$3 raw=$4
	shift 4
	run "$name" "$ATTACH" "$@"
	if [ "$(rc "$name")" = 0 ] &&
	   [ "$(sed -n 1p "$TMP/$name.out")" = "mode=$want_mode" ] &&
	   [ "$(sed -n 2p "$TMP/$name.out")" = "hits_btf=$btf hits_raw=$raw" ] &&
	   [ "$(sed -n 3p "$TMP/$name.out")" = "after_detach_btf=$btf after_detach_raw=$raw" ]; then
		ok "attach $*: $want_mode counted exactly $N, none after detach"
	else
		not_ok "attach $*: $want_mode counted exactly $N, none after detach"
		diag "$TMP/$name.out"
		diag "$TMP/$name.err"
	fi
}
attach_case at_auto tp_btf $N 0 auto $N
attach_case at_btf tp_btf $N 0 tp_btf $N
attach_case at_raw raw_tp 0 $N raw_tp $N
attach_case at_fallback raw_tp 0 $N auto $N break-btf

run at_reject "$ATTACH" tp_btf $N break-btf
if [ "$(rc at_reject)" = 1 ] && [ ! -s "$TMP/at_reject.out" ] &&
   head -1 "$TMP/at_reject.err" | grep -q "^dirtyscope: cannot load attach_test BPF programs (tp_btf): prog 'sys_enter_btf'" &&
   grep -q '^dirtyscope: verifier log (last 20 lines):$' "$TMP/at_reject.err" &&
   grep -q "^  .*invalid mem access 'scalar'" "$TMP/at_reject.err"; then
	ok "verifier rejection: one-line reason and the tail of the verifier log"
else
	not_ok "verifier rejection: one-line reason and the tail of the verifier log"
	diag "$TMP/at_reject.err"
fi
check "verifier log tail is at most 20 lines" \
	test "$(grep -c '^  ' "$TMP/at_reject.err")" -le 20 -a \
	"$(grep -c '^  ' "$TMP/at_reject.err")" -ge 1
# programs are freed asynchronously after their last fd closes
left_loaded() {
	local i
	for i in $(seq 50); do
		bpftool prog show >"$TMP/progs" 2>&1 || return 1
		grep -q 'sys_enter_btf\|sys_enter_raw' "$TMP/progs" || return 1
		sleep 0.1
	done
	return 0
}
if bpftool prog show >/dev/null 2>&1 && ! left_loaded; then
	ok "no attach_test programs left loaded (bpftool prog show)"
else
	not_ok "no attach_test programs left loaded (bpftool prog show)"
fi

# --- lat's BPF counting on the host (bpf/lat.bpf.c fed by sys_enter) ------

# lat_bpf_test: 1 us, 3 ms and 5 s scans (domains 3, 3, 5), a failed
# 700 us clear (domain 3); usecs slots always (what --prom exports), msecs
# slots with -m only (what -m prints)
for run_as in "us" "ms" "us per-domain" "ms per-domain" "model" "model per-domain"; do
	run "latbpf_${run_as// /_}" "$LATBPF" $run_as
done
want_us='op=scan domain=all us=0:1,11:1,22:1 ms= sum_ns=5003001500 errors=0
op=clear domain=all us=9:1 ms= sum_ns=700000 errors=1'
want_ms='op=scan domain=all us=0:1,11:1,22:1 ms=0:1,1:1,12:1 sum_ns=5003001500 errors=0
op=clear domain=all us=9:1 ms=0:1 sum_ns=700000 errors=1'
want_dms='op=scan domain=3 us=0:1,11:1 ms=0:1,1:1 sum_ns=3001500 errors=0
op=scan domain=5 us=22:1 ms=12:1 sum_ns=5000000000 errors=0
op=clear domain=3 us=9:1 ms=0:1 sum_ns=700000 errors=1'
latbpf_is() {
	local name=$1 want=$2
	[ "$(rc "$name")" = 0 ] && [ "$(cat "$TMP/$name.out")" = "$want" ] && return 0
	diag "$TMP/$name.out"
	diag "$TMP/$name.err"
	return 1
}
check "lat BPF: usecs slots, sums and errors per op, no msecs slots without -m" \
	latbpf_is latbpf_us "$want_us"
check "lat -m BPF: the usecs slots as without -m, the msecs slots besides" \
	latbpf_is latbpf_ms "$want_ms"
check "lat -D BPF: per-domain usecs slots, no msecs slots" \
	latbpf_is latbpf_us_per-domain "$(echo "$want_dms" | sed 's/ ms=[0-9:,]*/ ms=/')"
check "lat -D -m BPF: per-domain usecs and msecs slots" \
	latbpf_is latbpf_ms_per-domain "$want_dms"
check "lat_add (report) counts as lat -m BPF does (per op)" \
	latbpf_is latbpf_model "$want_ms"
check "lat_add (report) counts as lat -D -m BPF does (per domain)" \
	latbpf_is latbpf_model_per-domain "$want_dms"

# --- bench and gate (tests/host/cli/gate.sh) --------------------------------

. "$HERE/gate.sh"

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n failed"
	exit 1
fi
echo "# all $n passed"
exit 0
