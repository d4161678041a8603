# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Host tests of "dirtyscope bench" and "dirtyscope gate", sourced by run.sh
# (its helpers: ok, not_ok, check, run, rc, diag, py; $DS, $BUILD, $HERE,
# $TMP, $PY). Needs no privileges.
#
# The samples are synthetic (gen_bench.py, seeded, lognormal noise around
# a base, the reference sharing the machine's speed and drift), turned into
# bench files by "dirtyscope bench" itself.

GT=$TMP/gate
mkdir -p "$GT"
GEN=$HERE/gen_bench.py

# --- the statistics, the bench file format ----------------------------------

run stats "$BUILD/tests/test_stats" "$GT"
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "stats: ${line#ok - }" ;;
	"not ok - "*) not_ok "stats: ${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$TMP/stats.out"
check "test_stats exits 0 and ran its checks" \
	test "$(rc stats)" = 0 -a "$(grep -c '^ok - ' "$TMP/stats.out")" -ge 30

# bench NAME GEN_ARGS...: $GT/NAME.json from gen_bench.py
bench() {
	local name=$1
	shift
	"$DS" bench -o "$GT/$name.json" -- "$PY" "$GEN" "$@" \
		>"$GT/$name.bench.out" 2>"$GT/$name.bench.err"
}

bench base --seed 1
check "bench: the program's other lines pass through to stdout" \
	grep -qx 'synthetic run: seed 1, 21 rounds, speed 1' "$GT/base.bench.out"
check "bench: one line on stderr: samples, metrics, file" \
	test "$(cat "$GT/base.bench.err")" = "dirtyscope: 126 samples of 6 metrics to $GT/base.json"
check "bench: the file holds the run's header, params and samples" \
	py bench_file "$GT/base.json" <<'EOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "dirtyscope-bench" and d["version"] == 1, d
assert d["dirtyscope"] and d["kernel"] == os.uname().release
assert d["machine"] == os.uname().machine and d["time"] > 1.6e9
assert d["command"][-2:] == ["--seed", "1"], d["command"]
assert d["params"] == {"range_mib": 16}, d["params"]
assert d["reference"] == "reference"
m = d["metrics"]
assert list(m) == ["reference", "split", "scan_noclear", "clear_bitmap",
                   "scan_clear", "merge"], list(m)
for k, v in m.items():
    assert v["unit"] == "ns" and len(v["samples"]) == 21, k
    assert all(isinstance(s, int) and s > 0 for s in v["samples"]), k
EOF

# --- synthetic runs against the baseline -----------------------------------

bench noise --seed 2
bench slowmachine --seed 3 --speed 2
bench regress --seed 4 --slow scan_clear=1.5
bench improve --seed 5 --slow scan_noclear=0.6
bench small --seed 6 --slow scan_clear=1.1

CONF=$GT/gate.conf
cat >"$CONF" <<'EOF'
{
  "format": "dirtyscope-gate-config",
  "version": 1,
  "normalize": "median",
  "defaults": {"threshold": 0.25, "min_effect": 0.10, "alpha": 0.01, "min_samples": 9},
  "metrics": {
    "scan_noclear": {}, "scan_clear": {}, "clear_bitmap": {},
    "split": {"threshold": 0.3}, "merge": {"threshold": 0.3}
  }
}
EOF

# gate_case NAME WANT_RC RESULT [ARGS...]: gate RESULT against base.json
gate_case() {
	local name=$1 want=$2 result=$3
	shift 3
	run "gate_$name" "$DS" gate -c "$CONF" -b "$GT/base.json" "$@" "$GT/$result.json"
	if [ "$(rc "gate_$name")" = "$want" ]; then
		return 0
	fi
	diag "$TMP/gate_$name.out"
	diag "$TMP/gate_$name.err"
	return 1
}

verdict() {	# verdict NAME METRIC: the table's verdict column of METRIC
	awk -v m="$2" '$1 == m { print $NF; exit }' "$TMP/gate_$1.out"
}

check "gate: pure noise (same distribution, another seed) passes, exit 0" \
	gate_case noise 0 noise
check "gate: pure noise: every metric 'pass', last line 'gate: PASS'" \
	sh -c "test \"\$(tail -n 1 '$TMP/gate_noise.out')\" = 'gate: PASS' &&
	       test \"\$(grep -c ' pass\$' '$TMP/gate_noise.out')\" = 5"
check "gate: a 2x slower machine (the reference slows too) passes, exit 0" \
	gate_case slowmachine 0 slowmachine
check "gate: the 2x slower machine shows in the reference line" \
	grep -q '^reference "reference": .*(this run 2\.[0-9]*x the baseline' \
	"$TMP/gate_slowmachine.out"
check "gate: a clear regression (scan_clear +50%) fails, exit 1" \
	gate_case regress 1 regress
check "gate: the regression is scan_clear alone" \
	sh -c "test \"\$(grep -c 'REGRESSION\$' '$TMP/gate_regress.out')\" = 1 &&
	       grep -q '^scan_clear .*REGRESSION\$' '$TMP/gate_regress.out' &&
	       grep -q '^scan_clear: regression: 1\.[0-9]*x slower: ratio > 1\.25, p .* < 0\.01, CI low 1\.[0-9]* > 1\.1\$' '$TMP/gate_regress.out' &&
	       test \"\$(tail -n 1 '$TMP/gate_regress.out')\" = 'gate: FAIL, 1 regression'"
check "gate: an improvement (scan_noclear -40%) passes, exit 0" \
	gate_case improve 0 improve
check "gate: the improvement is reported as such" \
	sh -c "test '$(verdict improve scan_noclear)' = improvement &&
	       grep -q '^scan_noclear: improvement: 1\.[0-9]*x faster' '$TMP/gate_improve.out' &&
	       test \"\$(tail -n 1 '$TMP/gate_improve.out')\" = 'gate: PASS, 1 improvement'"
check "gate: a +10% change (below the 25% threshold) passes" \
	gate_case small 0 small

# no false alarm over many seeds, also for a 2x slower machine
fp=0
for seed in $(seq 100 119); do
	bench "fp$seed" --seed "$seed" --speed "$(( seed % 2 + 1 ))"
	"$DS" gate -c "$CONF" -b "$GT/base.json" "$GT/fp$seed.json" >/dev/null 2>&1 ||
		fp=$((fp + 1))
done
check "gate: pure noise over 20 seeds (half on a 2x slower machine): no failure ($fp)" \
	test "$fp" = 0

# without normalization the slower machine is a false regression: the
# reason for the reference
sed 's/"normalize": "median"/"normalize": "none"/' "$CONF" >"$GT/none.conf"
run gate_none "$DS" gate -c "$GT/none.conf" -b "$GT/base.json" "$GT/slowmachine.json"
check "gate: the same 2x slower machine without normalization fails (why the reference)" \
	test "$(rc gate_none)" = 1
sed 's/"normalize": "median"/"normalize": "paired"/' "$CONF" >"$GT/paired.conf"
run gate_paired "$DS" gate -c "$GT/paired.conf" -b "$GT/base.json" "$GT/regress.json"
check "gate: paired normalization also catches the regression" \
	test "$(rc gate_paired)" = 1

run gate_again "$DS" gate -c "$CONF" -b "$GT/base.json" "$GT/regress.json"
check "gate: the same inputs give the same output (seeded bootstrap)" \
	cmp -s "$TMP/gate_regress.out" "$TMP/gate_again.out"

run gate_noconf "$DS" gate -b "$GT/base.json" "$GT/regress.json"
check "gate without -c: every metric gated with the defaults, exit 1" \
	test "$(rc gate_noconf)" = 1 -a "$(awk '$NF ~ /^(pass|REGRESSION|improvement)$/' \
	"$TMP/gate_noconf.out" | wc -l)" = 5

printf '{"format": "dirtyscope-gate-config", "version": 1, "metrics": {"split": {}}}' \
	>"$GT/split.conf"
run gate_ungated "$DS" gate -c "$GT/split.conf" -b "$GT/base.json" "$GT/regress.json"
check "gate: a regression of a metric the config does not gate is shown, exit 0" \
	sh -c "test $(rc gate_ungated) = 0 &&
	       grep -q '^scan_clear .* REGRESSION (not gated)\$' '$TMP/gate_ungated.out' &&
	       grep -q '^split .* pass\$' '$TMP/gate_ungated.out' &&
	       test \"\$(tail -n 1 '$TMP/gate_ungated.out')\" = 'gate: PASS'"

# --- JSON and JUnit ---------------------------------------------------------

check "gate -j --junit: exit 1 on the regression" \
	gate_case json 1 regress -j --junit "$GT/junit.xml"
check "gate -j: one JSON document with the verdicts" \
	py gate_json "$TMP/gate_json.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "dirtyscope-gate" and d["version"] == 1
assert d["verdict"] == "regression" and d["regressions"] == 1, d
assert d["improvements"] == 0 and d["normalize"] == "median"
assert d["reference"]["name"] == "reference"
m = {x["name"]: x for x in d["metrics"]}
assert list(m) == ["scan_noclear", "scan_clear", "clear_bitmap", "split",
                   "merge"], list(m)
assert {k: v["verdict"] for k, v in m.items()} == {
    "scan_noclear": "pass", "scan_clear": "regression",
    "clear_bitmap": "pass", "split": "pass", "merge": "pass"}
s = m["scan_clear"]
assert s["ratio"] > 1.25 and s["ci_low"] > 1.1 and s["p_slower"] < 0.01, s
assert s["ci_low"] <= s["ratio"] <= s["ci_high"], s
assert s["exact"] is True and s["n_result"] == s["n_baseline"] == 21
assert s["threshold"] == 0.25 and m["split"]["threshold"] == 0.3
assert all(x["gated"] for x in d["metrics"])
EOF
check "gate --junit: well-formed XML, one testcase per metric, the failure" \
	py gate_junit "$GT/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("failures") == "1", root.attrib
suite = root.find("testsuite")
assert suite.get("tests") == "5" and suite.get("failures") == "1"
cases = {c.get("name"): c for c in suite.findall("testcase")}
assert sorted(cases) == ["clear_bitmap", "merge", "scan_clear",
                         "scan_noclear", "split"], sorted(cases)
f = cases["scan_clear"].find("failure")
assert f is not None and f.get("type") == "regression", f
assert f.get("message").startswith("1.") and "slower" in f.get("message")
assert all(cases[n].find("failure") is None for n in cases if n != "scan_clear")
EOF
run gate_junit_pass "$DS" gate -c "$CONF" -b "$GT/base.json" --junit "$GT/pass.xml" "$GT/noise.json"
check "gate --junit on a pass: no failure element" \
	py gate_junit_pass "$GT/pass.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.get("failures") == "0" and not root.findall(".//failure")
assert len(root.findall(".//testcase")) == 5
EOF

# -p implies -j (bpftool's rule): the same document, indented
run gate_pj "$DS" gate -c "$CONF" -b "$GT/base.json" -j "$GT/noise.json"
run gate_p "$DS" gate -c "$CONF" -b "$GT/base.json" -p "$GT/noise.json"
check "gate -p without -j: the -j document, indented" \
	py gate_p "$TMP/gate_p.out" "$TMP/gate_pj.out" <<'EOF'
import json, sys
p, j = (open(f).read() for f in sys.argv[1:3])
assert p.count("\n") > 10 and j.count("\n") == 1, (p.count("\n"), j.count("\n"))
assert json.loads(p) == json.loads(j)
EOF

# --- --update-baseline -------------------------------------------------------

cp "$GT/base.json" "$GT/keep.json"
run upd "$DS" gate -c "$CONF" -b "$GT/new/baseline.json" --update-baseline "$GT/regress.json"
check "--update-baseline into a missing directory: exit 2, one line" \
	sh -c "test $(rc upd) = 2 && test \$(wc -l <'$TMP/upd.err') = 1 &&
	       grep -q '^dirtyscope: cannot write $GT/new/baseline.json: No such file or directory\$' '$TMP/upd.err'"
mkdir -p "$GT/new"
run upd "$DS" gate -c "$CONF" -b "$GT/new/baseline.json" --update-baseline "$GT/regress.json"
check "--update-baseline: exit 0, says what it wrote" \
	sh -c "test $(rc upd) = 0 && grep -qx 'dirtyscope: baseline $GT/new/baseline.json updated from $GT/regress.json (6 metrics, 21 samples each)' '$TMP/upd.err'"
check "--update-baseline: atomic (only the baseline left in its directory, mode 0644)" \
	test "$(ls -A "$GT/new")" = baseline.json -a \
	"$(stat -c %a "$GT/new/baseline.json")" = 644
check "--update-baseline: the baseline holds the result's samples" \
	py upd_same "$GT/regress.json" "$GT/new/baseline.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a == b, "differs"
EOF
run upd_rt "$DS" gate -c "$CONF" -b "$GT/new/baseline.json" -j "$GT/regress.json"
check "--update-baseline round trip: the result against its own baseline passes, ratios 1" \
	py upd_rt "$TMP/upd_rt.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "pass", d["verdict"]
assert all(m["ratio"] == 1 and m["verdict"] == "pass" for m in d["metrics"])
EOF
bench short --seed 9 -n 4
run upd_short "$DS" gate -c "$CONF" -b "$GT/new/baseline.json" --update-baseline "$GT/short.json"
check "--update-baseline refuses a result with too few samples (exit 2), baseline kept" \
	sh -c "test $(rc upd_short) = 2 && cmp -s '$GT/regress.json' '$GT/new/baseline.json'"

# --- exit 2: input errors, one line each (usage errors: 64) -----------------

# bad_case NAME STDERR ARGS...: exit 2, nothing on stdout, exactly STDERR
bad_case() {
	local name=$1 want=$2
	shift 2
	run "bad_$name" "$DS" gate "$@"
	if [ "$(rc "bad_$name")" = 2 ] && [ ! -s "$TMP/bad_$name.out" ] &&
	   [ "$(cat "$TMP/bad_$name.err")" = "$want" ]; then
		ok "gate exit 2 ($name): $want"
	else
		not_ok "gate exit 2 ($name): $want"
		echo "#   rc $(rc "bad_$name")"
		diag "$TMP/bad_$name.err"
	fi
}

# usage errors: argp prints the reason and a hint (two lines), exit 64
# as in every command
usage_case() {
	local name=$1 want=$2
	shift 2
	run "use_$name" "$DS" gate "$@"
	if [ "$(rc "use_$name")" = 64 ] &&
	   [ "$(head -n 1 "$TMP/use_$name.err")" = "$want" ]; then
		ok "gate usage error ($name), exit 64: $want"
	else
		not_ok "gate usage error ($name), exit 64: $want"
		diag "$TMP/use_$name.err"
	fi
}

usage_case nofile "dirtyscope gate: RESULT (a bench file of 'dirtyscope bench') is required" -b x
usage_case nobase "dirtyscope gate: -b BASELINE is required" "$GT/noise.json"
usage_case two "dirtyscope gate: one RESULT only (extra argument 'b.json')" -b x a.json b.json
usage_case opt "dirtyscope gate: unrecognized option '--frobnicate'" --frobnicate

B=(-c "$CONF" -b "$GT/base.json")
bad_case missing "dirtyscope: cannot open $GT/nope.json: No such file or directory" \
	"${B[@]}" "$GT/nope.json"
printf '{"format": "dirtyscope-bench", "version": 1, "metrics": {]}' >"$GT/badjson.json"
bad_case badjson "dirtyscope: $GT/badjson.json: invalid JSON at byte 58 (quoted object property name expected)" \
	"${B[@]}" "$GT/badjson.json"
printf '{"format": "dirtyscope-record", "version": 1}' >"$GT/fmt.json"
bad_case format "dirtyscope: $GT/fmt.json: \"format\": not \"dirtyscope-bench\"" \
	"${B[@]}" "$GT/fmt.json"
sed 's/"version": 1/"version": 2/' "$GT/noise.json" >"$GT/v2.json"
bad_case version "dirtyscope: $GT/v2.json: unsupported format version 2 (this dirtyscope reads 1)" \
	"${B[@]}" "$GT/v2.json"
bench nosplit --seed 2 --metrics scan_noclear=400000,clear_bitmap=430000,scan_clear=520000,merge=470000
bad_case nometric "dirtyscope: $GT/nosplit.json: no metric \"split\" (gated by the config)" \
	"${B[@]}" "$GT/nosplit.json"
bad_case nobasemetric "dirtyscope: $GT/nosplit.json: no metric \"split\" (update the baseline)" \
	-c "$CONF" -b "$GT/nosplit.json" "$GT/noise.json"
bad_case fewsamples "dirtyscope: $GT/short.json: metric \"reference\": 4 samples, at least 9 needed (min_samples)" \
	"${B[@]}" "$GT/short.json"
bench noref --seed 2 --reference ''
bad_case noref "dirtyscope: $GT/noref.json: no \"reference\" (needed to normalize; \"normalize\": \"none\" compares absolute times)" \
	"${B[@]}" "$GT/noref.json"
bench params --seed 2 --param range_mib=32
bad_case params "dirtyscope: $GT/params.json and $GT/base.json are different benchmarks: param \"range_mib\": 32 vs 16" \
	"${B[@]}" "$GT/params.json"
sed 's/"unit": "ns"/"unit": "us"/' "$GT/noise.json" >"$GT/unit.json"
bad_case unit "dirtyscope: metric \"reference\": unit \"us\" in $GT/unit.json, \"ns\" in $GT/base.json" \
	"${B[@]}" "$GT/unit.json"
sed 's/"samples": \[/"samples": [0, /' "$GT/noise.json" >"$GT/zero.json"
bad_case zero "dirtyscope: $GT/zero.json: metric \"reference\": sample 1 is not a positive number" \
	"${B[@]}" "$GT/zero.json"
# unknown fields are errors, as in a recording (docs/cli.md, "Files and
# versions"): at the top, in a metric, in the result or the baseline
sed 's/^  "version": 1,$/  "version": 1,\n  "comment": "rerun",/' "$GT/noise.json" >"$GT/extra.json"
bad_case extra "dirtyscope: $GT/extra.json: unknown field \"comment\"" \
	"${B[@]}" "$GT/extra.json"
sed '0,/"samples": \[/s//"samples_us": [1], "samples": [/' "$GT/noise.json" >"$GT/mextra.json"
bad_case mextra "dirtyscope: $GT/mextra.json: metric \"reference\": unknown field \"samples_us\"" \
	"${B[@]}" "$GT/mextra.json"
sed 's/^  "params": /  "parms": /' "$GT/base.json" >"$GT/bextra.json"
bad_case bextra "dirtyscope: $GT/bextra.json: unknown field \"parms\"" \
	-c "$CONF" -b "$GT/bextra.json" "$GT/noise.json"
bad_case nobaseline "dirtyscope: cannot open $GT/nobase.json: No such file or directory" \
	-c "$CONF" -b "$GT/nobase.json" "$GT/noise.json"

# config errors
conf_case() {
	local name=$1 text=$2 want=$3
	printf '%s' "$text" >"$GT/$name.conf"
	bad_case "config-$name" "dirtyscope: $GT/$name.conf: $want" \
		-c "$GT/$name.conf" -b "$GT/base.json" "$GT/noise.json"
}
H='"format": "dirtyscope-gate-config", "version": 1'
conf_case key "{$H, \"treshold\": 0.2}" 'unknown key "treshold"'
conf_case mkey "{$H, \"metrics\": {\"split\": {\"treshold\": 0.2}}}" \
	'metric "split": unknown key "treshold" (threshold, min_effect, alpha, min_samples)'
conf_case effect "{$H, \"defaults\": {\"threshold\": 0.1, \"min_effect\": 0.2}}" \
	'"defaults": min_effect 0.2 above threshold 0.1'
conf_case alpha "{$H, \"defaults\": {\"alpha\": 0}}" \
	'"defaults": "alpha": 0 out of range (>0..0.5)'
conf_case norm "{$H, \"normalize\": \"mean\"}" '"normalize": not median, paired or none'
conf_case cfmt '{"version": 1}' '"format": not "dirtyscope-gate-config"'
conf_case cjson "{$H," 'invalid JSON (the file ends inside a value)'
bad_case config-missing "dirtyscope: cannot open $GT/none.json: No such file or directory" \
	-c "$GT/none.json" -b "$GT/base.json" "$GT/noise.json"
run gate_help "$DS" gate --help
check "gate --help: exit 0, the options and the exit status" \
	sh -c "test $(rc gate_help) = 0 && grep -q -- '--update-baseline' '$TMP/gate_help.out' &&
	       grep -q -- '--junit=FILE' '$TMP/gate_help.out' && grep -q '1 regression' '$TMP/gate_help.out'"

# --- bench: the line protocol ------------------------------------------------

# bench_bad NAME STDERR SCRIPT: exit 1, STDERR exactly, no file
bench_bad() {
	local name=$1 want=$2 script=$3
	run "bb_$name" "$DS" bench -o "$GT/bb.json" -- sh -c "$script"
	if [ "$(rc "bb_$name")" = 1 ] && [ ! -e "$GT/bb.json" ] &&
	   [ "$(cat "$TMP/bb_$name.err")" = "$want" ]; then
		ok "bench refuses $name: $want"
	else
		not_ok "bench refuses $name: $want"
		echo "#   rc $(rc "bb_$name")"
		diag "$TMP/bb_$name.err"
	fi
}
bench_bad value "dirtyscope: sh: line 2: bench-sample op: \"-5\" is not a positive number" \
	'echo x; echo bench-sample op -5'
bench_bad verb "dirtyscope: sh: line 1: unknown directive bench-samples (sample, unit, reference, param)" \
	'echo bench-samples op 5'
bench_bad name "dirtyscope: sh: line 1: bench-sample: \"a/b\" is not a metric name ([A-Za-z0-9_.-], at most 64)" \
	'echo bench-sample a/b 5'
bench_bad extra "dirtyscope: sh: line 1: bench-sample takes METRIC VALUE" \
	'echo bench-sample op 5 6'
bench_bad noref "dirtyscope: sh: \"reference\": no metric \"ref\"" \
	'echo bench-reference ref; echo bench-sample op 5'
bench_bad nothing "dirtyscope: sh printed no bench-sample lines" 'echo hello'
run bb_fail "$DS" bench -o "$GT/bb.json" -- sh -c 'echo bench-sample op 5; exit 3'
check "bench: a failing program's exit status, no file" \
	sh -c "test $(rc bb_fail) = 3 && test ! -e '$GT/bb.json' &&
	       grep -qx 'dirtyscope: sh exited with status 3: no bench file written' '$TMP/bb_fail.err'"
run bb_stdout "$DS" bench -o - -- sh -c 'echo chatter; echo bench-unit op cycles; echo bench-sample op 5.5'
check "bench -o -: the file on stdout, the program's lines on stderr" \
	sh -c "test $(rc bb_stdout) = 0 && grep -qx chatter '$TMP/bb_stdout.err' &&
	       ! grep -qx chatter '$TMP/bb_stdout.out' &&
	       grep -qx '    \"op\": {\"unit\": \"cycles\", \"samples\": \\[5.5\\]}' '$TMP/bb_stdout.out'"

# bench stopped by SIGINT or SIGTERM: the signal goes to the program, which
# is reaped (never left running); the program's fate is bench's status
bench_signal() {
	local sig=$1 num=$2 bp cp i
	rm -f "$GT/sig.pid" "$GT/sig.json"
	"$DS" bench -o "$GT/sig.json" -- sh -c "echo \$\$ >'$GT/sig.pid'; exec sleep 30" \
		>"$TMP/bsig.out" 2>"$TMP/bsig.err" &
	bp=$!
	for i in $(seq 100); do
		[ -s "$GT/sig.pid" ] && break
		sleep 0.05
	done
	cp=$(cat "$GT/sig.pid")
	kill "-$sig" "$bp"
	wait "$bp"
	echo $? >"$TMP/bsig.rc"
	# the program must be gone, not merely orphaned: no process $cp
	for i in $(seq 40); do
		kill -0 "$cp" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$cp" 2>/dev/null; then
		kill "$cp"
		return 1
	fi
	test "$(cat "$TMP/bsig.rc")" = $((128 + num)) -a ! -e "$GT/sig.json" -a \
		"$(cat "$TMP/bsig.err")" = "dirtyscope: sh killed by SIG$sig: no bench file written"
}
check "bench killed by SIGINT: the program gets it and is reaped, exit 130, no file" \
	bench_signal INT 2
check "bench killed by SIGTERM: the program gets it and is reaped, exit 143, no file" \
	bench_signal TERM 15
