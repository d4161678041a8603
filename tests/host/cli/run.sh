#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Host tests of the dirtyscope CLI, TAP output.  Run by "make -C src check".
#
#   run.sh BUILD_DIR        (BUILD_DIR holds dirtyscope and tests/)
#
# Needs root (the BPF tests load programs), python3, setpriv.  Every check
# either passes or fails; nothing is skipped.  Exit status 1 when any fails.

set -u
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DS=$BUILD/dirtyscope
UNITS=$BUILD/tests/test_units
ATTACH=$BUILD/tests/attach_test
PY=${PYTHON:-python3}
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

# OpenMetrics: the strict checker must reject broken documents ...
om_reject() {
	printf '%b' "$2" >"$TMP/bad.prom"
	if "$PY" "$HERE/om_check.py" "$TMP/bad.prom" 2>"$TMP/bad.err"; then
		not_ok "om_check rejects $1"
	else
		ok "om_check rejects $1 ($(cat "$TMP/bad.err" | sed 's/.*bad.prom: //'))"
	fi
}
om_reject "a missing # EOF" '# TYPE a counter\na_total 1\n'
om_reject "a counter sample without _total" '# TYPE a counter\na 1\n# EOF\n'
om_reject "non-cumulative buckets" \
	'# TYPE h histogram\nh_bucket{le="1.0"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 0.5\n# EOF\n'
om_reject "_count different from +Inf" \
	'# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 0.5\n# EOF\n'
om_reject "a histogram without +Inf" \
	'# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_count 1\nh_sum 0.5\n# EOF\n'
om_reject "a unit that is not the name suffix" \
	'# TYPE a_seconds counter\n# UNIT a_seconds bytes\na_seconds_total 1\n# EOF\n'
om_reject "an interleaved family" \
	'# TYPE a counter\na_total 1\n# TYPE b counter\nb_total 1\n# TYPE a counter\n# EOF\n'
om_reject "a bad label escape" '# TYPE a counter\na_total{x="\\q"} 1\n# EOF\n'
om_reject "a duplicate series" '# TYPE a counter\na_total 1\na_total 2\n# EOF\n'
om_reject "a blank line" '# TYPE a counter\n\na_total 1\n# EOF\n'

# ... in the text dialect too
om_reject_text() {
	printf '%b' "$2" >"$TMP/bad.prom"
	if "$PY" "$HERE/om_check.py" --dialect prometheus "$TMP/bad.prom" 2>"$TMP/bad.err"; then
		not_ok "om_check --dialect prometheus rejects $1"
	else
		ok "om_check --dialect prometheus rejects $1 ($(sed 's/.*bad.prom: //' "$TMP/bad.err"))"
	fi
}
om_reject_text "# UNIT" '# TYPE a_bytes gauge\n# UNIT a_bytes bytes\na_bytes 1\n'
om_reject_text "# EOF" '# TYPE a gauge\na 1\n# EOF\n'
om_reject_text "a counter family without _total" '# TYPE a counter\na_total 1\n'

# ... and accept what dirtyscope writes, with the right values
for dialect in openmetrics prometheus; do
	for doc in lat-prom lat-prom-nodomain rate-prom; do
		rm -rf "$TMP/om"
		mkdir -p "$TMP/om"
		run "$doc" "$UNITS" "$doc" "$TMP/om/dirtyscope.prom" "$dialect"
		if [ "$(rc "$doc")" = 0 ] &&
		   "$PY" "$HERE/om_check.py" --dialect "$dialect" \
			"$TMP/om/dirtyscope.prom" 2>"$TMP/$doc.chk"; then
			ok "$doc ($dialect) passes the strict check"
		else
			not_ok "$doc ($dialect) passes the strict check"
			diag "$TMP/$doc.chk"
		fi
		check "$doc ($dialect) written atomically: only the target left, mode 0644" \
			test "$(ls -A "$TMP/om")" = dirtyscope.prom -a \
			"$(stat -c %a "$TMP/om/dirtyscope.prom")" = 644
		cp "$TMP/om/dirtyscope.prom" "$TMP/$doc.$dialect"
	done
done
for doc in lat-prom lat-prom-nodomain rate-prom; do
	check "$doc: both dialects have the same samples" \
		sh -c "grep -v '^#' '$TMP/$doc.openmetrics' >'$TMP/a' &&
		       grep -v '^#' '$TMP/$doc.prometheus' >'$TMP/b' && cmp -s '$TMP/a' '$TMP/b'"
	cp "$TMP/$doc.openmetrics" "$TMP/$doc.prom"
done
check "prometheus dialect: counters typed under their _total name" \
	sh -c "grep -qx '# TYPE dirtyscope_dirty_pages_total counter' '$TMP/rate-prom.prometheus' &&
	       grep -qx '# TYPE dirtyscope_dirty_pages counter' '$TMP/rate-prom.openmetrics' &&
	       grep -qx '# UNIT dirtyscope_dirty_bytes bytes' '$TMP/rate-prom.openmetrics' &&
	       ! grep -q '^# UNIT\\|^# EOF' '$TMP/rate-prom.prometheus'"

check "lat OpenMetrics values" py latprom_values "$HERE" "$TMP/lat-prom.prom" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from om_check import parse
text = open(sys.argv[2]).read()
f = parse(text)
assert list(f) == ["dirtyscope_split_duration_seconds",
                   "dirtyscope_merge_duration_seconds",
                   "dirtyscope_scan_duration_seconds",
                   "dirtyscope_op_errors"], list(f)
scan = f["dirtyscope_scan_duration_seconds"]
assert scan["type"] == "histogram" and scan["unit"] == "seconds" and scan["help"]
s = {(n, tuple(sorted(l.items()))): v for n, l, v in scan["samples"]}
b = lambda dom, le: s[("dirtyscope_scan_duration_seconds_bucket", (("domain", dom), ("le", le)))]
# slot i counted durations < 2^(i+1) us: le = 2^(i+1) us
assert b("3", "0.000002") == 1
assert b("3", "0.001024") == 1 and b("3", "0.002048") == 4
assert b("3", "2147.483648") == 4 and b("3", "+Inf") == 4
assert b("5", "2147.483648") == 0 and b("5", "+Inf") == 1
assert s[("dirtyscope_scan_duration_seconds_sum", (("domain", "3"),))] == 0.0045005
assert s[("dirtyscope_scan_duration_seconds_count", (("domain", "3"),))] == 4
assert 'dirtyscope_scan_duration_seconds_bucket{domain="3",le="0.000002"} 1\n' in text
assert 'dirtyscope_scan_duration_seconds_sum{domain="5"} 1125899.906842624\n' in text
les = [l["le"] for n, l, v in scan["samples"] if n.endswith("_bucket") and l["domain"] == "3"]
assert len(les) == 32 and les[-1] == "+Inf", les
assert f["dirtyscope_merge_duration_seconds"]["samples"] == []
err = {tuple(sorted(l.items())): v for n, l, v in f["dirtyscope_op_errors"]["samples"]}
assert err == {(("domain", "3"), ("op", "split")): 0,
               (("domain", "3"), ("op", "scan")): 1,
               (("domain", "5"), ("op", "scan")): 0}, err
assert text.endswith("# EOF\n")
EOF

check "lat OpenMetrics without domains has a zero series per op" \
	py latprom_nodomain "$HERE" "$TMP/lat-prom-nodomain.prom" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from om_check import parse
f = parse(open(sys.argv[2]).read())
clear = f["dirtyscope_clear_duration_seconds"]["samples"]
assert ("dirtyscope_clear_duration_seconds_count", {}, 0) in clear, clear
assert ("dirtyscope_clear_duration_seconds_bucket", {"le": "+Inf"}, 0) in clear
err = {l["op"]: v for n, l, v in f["dirtyscope_op_errors"]["samples"]}
assert err == {"scan": 0, "clear": 0}, err
EOF

check "rate OpenMetrics values" py rateprom_values "$HERE" "$TMP/rate-prom.prom" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from om_check import parse
f = parse(open(sys.argv[2]).read())
want = {
    "dirtyscope_scans": {"2": 1, "7": 2},
    "dirtyscope_scan_errors": {"2": 1, "7": 0},
    "dirtyscope_dirty_pages": {"2": 1, "7": 1024},
    "dirtyscope_dirty_bytes": {"2": 2 << 20, "7": 4 << 20},
    "dirtyscope_scanned_bytes": {"2": 2 << 20, "7": 2 << 30},
    "dirtyscope_scan_time_seconds": {"2": 0.000001024, "7": 0.004},
}
assert list(f) == list(want), list(f)
for fam, vals in want.items():
    assert f[fam]["type"] == "counter", fam
    got = {l["domain"]: v for n, l, v in f[fam]["samples"]}
    assert all(n == fam + "_total" for n, l, v in f[fam]["samples"])
    assert got == vals, (fam, got, vals)
assert f["dirtyscope_dirty_bytes"]["unit"] == "bytes"
assert f["dirtyscope_scan_time_seconds"]["unit"] == "seconds"
EOF

# --- the CLI on this host ---------------------------------------------------

run status "$DS" status
check "status exits 0" test "$(rc status)" = 0
run statusj "$DS" status -j
check "status -j exits 0" test "$(rc statusj)" = 0
check "status -j is valid JSON (python3 -m json.tool)" \
	"$PY" -m json.tool "$TMP/statusj.out" /dev/null
check "status -j fields" py status_fields "$TMP/statusj.out" <<'EOF'
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
assert d["fentry"]["probed"] is True and d["fentry"]["usable"] is False
assert len(d["fentry"]["targets"]) >= 5
assert isinstance(d["iommus"], list)
assert isinstance(d["iommufd"]["present"], bool)
assert isinstance(d["vfio"]["present"], bool)
EOF
check "status: the fentry load probe is refused (EPERM) on this host" \
	grep -q '^fentry  .*refused (EPERM) at load' "$TMP/status.out"
check "status -j: fentry errno EPERM" py fentry_errno "$TMP/statusj.out" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))["fentry"]
assert f["errno"] == "EPERM" and "refused (EPERM)" in f["result"], f
EOF
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

# not root: one line, non-zero
cp "$DS" "$TMP/dirtyscope"
chmod 755 "$TMP" "$TMP/dirtyscope"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
rootmsg='dirtyscope: must be run as root (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)'
run nrlat $NOBODY "$TMP/dirtyscope" lat
check "lat as uid 65534: one line, exit 1" expect_fail nrlat "$rootmsg"
run nrrate $NOBODY "$TMP/dirtyscope" rate 1 1
check "rate as uid 65534: one line, exit 1" expect_fail nrrate "$rootmsg"
run nrstatus $NOBODY "$TMP/dirtyscope" status
check "status as uid 65534: exit 0, fentry not probed" \
	grep -q '^fentry  *not probed (needs root' "$TMP/nrstatus.out"
check "status as uid 65534: exit 0" test "$(rc nrstatus)" = 0

# command line
run usage "$DS"
check "no command: usage, exit 2" \
	test "$(rc usage)" = 2 -a "$(grep -c '^  lat ' "$TMP/usage.err")" = 1
run record "$DS" record
check "record: not implemented yet, exit 2" \
	test "$(rc record)" = 2 -a "$(cat "$TMP/record.err")" = "dirtyscope: 'record' is not implemented yet"
run unknown "$DS" frobnicate
check "unknown command: exit 2" test "$(rc unknown)" = 2
run prefix "$DS" st -j
check "unambiguous prefix 'st' runs status" \
	"$PY" -m json.tool "$TMP/prefix.out" /dev/null
run badint "$DS" lat 0
check "lat 0: invalid interval rejected" \
	sh -c "test $(rc badint) != 0 && grep -q 'invalid interval: 0' '$TMP/badint.err'"
run badop "$DS" lat --op fold
check "lat --op fold: rejected" \
	sh -c "test $(rc badop) != 0 && grep -q 'invalid --op' '$TMP/badop.err'"
run help "$DS" lat --help
check "lat --help lists the libbpf-tools options" \
	sh -c "grep -q -- '-m, --milliseconds' '$TMP/help.out' && grep -q -- '--prom=FILE' '$TMP/help.out' && grep -q -- '-j, --json' '$TMP/help.out'"

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

echo "1..$n"
if [ "$failed" -ne 0 ]; then
	echo "# $failed of $n failed"
	exit 1
fi
echo "# all $n passed"
exit 0
