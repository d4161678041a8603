# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Host tests of the clear-policy code and "dirtyscope policy".  Sourced by
# run.sh: uses its ok/not_ok/check/run/py/diag/expect_fail helpers, $DS,
# $BUILD, $TMP, $PY, and $TMP/basic.jsonl (a recording without bitmaps).

TP=$BUILD/tests/test_policy

# --- unit tests: loop, workloads, simulator, replay -------------------------

run polunits "$TP" check
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$TMP/polunits.out"
check "test_policy exits 0 and ran its checks" \
	test "$(rc polunits)" = 0 -a "$(grep -c '^ok - ' "$TMP/polunits.out")" -ge 140
[ -s "$TMP/polunits.err" ] && diag "$TMP/polunits.err"

# --- policy simulate --------------------------------------------------------

run psim "$DS" policy simulate -w hotset -r 8000
check "policy simulate: a header and one row per default policy" \
	test "$(rc psim)" = 0 -a "$(grep -c '^eager \|^manual:2 \|^chunked:1 \|^chunked:4 \|^adaptive ' "$TMP/psim.out")" = 5
run psim2 "$DS" policy simulate -w hotset -r 8000
check "policy simulate is deterministic (same seed, same table)" \
	cmp -s "$TMP/psim.out" "$TMP/psim2.out"
run psimj "$DS" policy simulate -w ring:100 -r 5000 -p eager,manual:1 -j --seed 7
check "policy simulate -j: the runs asked for, every counter, passes that add up" \
	py psimj "$TMP/psimj.out" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["workload"] == "ring:100" and o["rate"] == 5000 and o["seed"] == 7, o
assert [r["policy"] for r in o["runs"]] == ["eager", "manual:1"], o["runs"]
for r in o["runs"]:
    for k in ("sent", "resent", "redundant", "final_pages", "reads", "clears",
              "read_ns", "clear_ns", "kernel_ns", "downtime_ns", "total_ns",
              "iters", "converged", "passes", "params"):
        assert k in r, k
    assert sum(p["sent"] for p in r["passes"]) == r["sent"], r
    assert r["resent"] == r["sent"] - r["params"]["npages"], r
    assert r["kernel_ns"] == r["read_ns"] + r["clear_ns"], r
EOF

# a run that passes the simulated horizon: what happened and the fix, on
# stderr and in the table; -j keeps the failed run in "runs"
hz="the migration had not ended at the 60 s horizon of simulated time (simulate longer with --horizon SECONDS, at most 3600)"
run phz "$DS" policy simulate --size 4096 -p eager
check "policy simulate --size 4096 -p eager: exit 1, one stderr line naming --horizon" \
	test "$(rc phz)" = 1 -a "$(cat "$TMP/phz.err")" = "dirtyscope: eager: $hz"
check "policy simulate --size 4096 -p eager: the row says why it failed" \
	grep -qx 'eager        failed: not ended at the 60 s horizon (--horizon)' "$TMP/phz.out"
run phzj "$DS" policy simulate --size 4096 -p eager -j
check "policy simulate -j: the failed run stays in runs, with its error" \
	py phzj "$TMP/phzj.out" "$hz" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["runs"] == [{"policy": "eager", "error": sys.argv[2], "errno": "ERANGE"}], o["runs"]
EOF
check "policy simulate -j: exit 1 and the same stderr line" \
	test "$(rc phzj)" = 1 -a "$(cat "$TMP/phzj.err")" = "dirtyscope: eager: $hz"
run phz2 "$DS" policy simulate --size 4096 -p eager --horizon 600
check "policy simulate --size 4096 -p eager --horizon 600: the advice works (exit 0, a row)" \
	test "$(rc phz2)" = 0 -a "$(grep -c '^eager  *[0-9]' "$TMP/phz2.out")" = 1

# usage errors: argp's exit status 64 and its message
for bad in "-w zipf:invalid workload: zipf" "-p lazy:invalid policy list: lazy" \
	   "--size 0:invalid --size: 0" "--pgsize 3000:invalid --pgsize: 3000 (a power of two)" \
	   "--max-iters 65:invalid --max-iters: 65 (0-64)" "-r 0:invalid --rate: 0" \
	   "--send-us 0:invalid --send-us: 0" "--downtime-us x:invalid --downtime-us: x" \
	   "--seed -1:invalid --seed: -1" "--horizon 0:invalid --horizon: 0" \
	   "--seed 18446744073709551616:invalid --seed: 18446744073709551616" \
	   "--size +8:invalid --size: +8"; do
	args=${bad%%:*}
	msg=${bad#*:}
	# shellcheck disable=SC2086
	run pbad "$DS" policy simulate $args
	check "policy simulate $args: usage error 64, \"$msg\"" \
		test "$(rc pbad)" = 64 -a \
		"$(head -n 1 "$TMP/pbad.err")" = "dirtyscope policy simulate: $msg"
done
for bad in "-p manual:-1|invalid policy list: manual:-1" "-p chunked:+1|invalid policy list: chunked:+1" \
	   "-w ring:+5|invalid workload: ring:+5" "-w hotset: 5|invalid workload: hotset: 5"; do
	args=${bad%%|*}
	msg=${bad#*|}
	# shellcheck disable=SC2086
	run pbad "$DS" policy simulate ${args%% *} "${args#* }"
	check "policy simulate $args: usage error 64, \"$msg\"" \
		test "$(rc pbad)" = 64 -a \
		"$(head -n 1 "$TMP/pbad.err")" = "dirtyscope policy simulate: $msg"
done
tolmsg="(REL:PAGES:ITERS, REL 0-10, PAGES and ITERS whole numbers)"
for bad in "--tolerance 0.1:24|invalid --tolerance: 0.1:24 $tolmsg" \
	   "--tolerance 11:1:1|invalid --tolerance: 11:1:1 $tolmsg" \
	   "--tolerance 0.1:-1:-1|invalid --tolerance: 0.1:-1:-1 $tolmsg" \
	   "--tolerance nan:1:1|invalid --tolerance: nan:1:1 $tolmsg" \
	   "--tolerance inf:1:1|invalid --tolerance: inf:1:1 $tolmsg" \
	   "--tolerance 0x1p-3:1:1|invalid --tolerance: 0x1p-3:1:1 $tolmsg" \
	   "--tolerance 0.1:1:1x|invalid --tolerance: 0.1:1:1x $tolmsg" \
	   "--tolerance 0.1:4294967296:1|invalid --tolerance: 0.1:4294967296:1 $tolmsg" \
	   "--call-overhead-us x|invalid --call-overhead-us: x" \
	   "--call-overhead-us +5|invalid --call-overhead-us: +5"; do
	args=${bad%%|*}
	msg=${bad#*|}
	# shellcheck disable=SC2086
	run pbad "$DS" policy replay "$TMP/basic.jsonl" $args
	check "policy replay $args: usage error 64, \"$msg\"" \
		test "$(rc pbad)" = 64 -a \
		"$(head -n 1 "$TMP/pbad.err")" = "dirtyscope policy replay: $msg"
done
run pnone "$DS" policy
check "policy without a command: usage on stderr, exit 64" \
	test "$(rc pnone)" = 64 -a ! -s "$TMP/pnone.out" -a -s "$TMP/pnone.err"
run pfrob "$DS" policy frob
check "policy frob: one line, exit 64" \
	test "$(rc pfrob)" = 64 -a "$(cat "$TMP/pfrob.err")" = \
	"dirtyscope: policy: unknown command 'frob' (simulate, replay, recommend)"
run pre "$DS" policy re x.jsonl
check "policy re: ambiguous (replay, recommend), one line, exit 64" \
	test "$(rc pre)" = 64 -a "$(cat "$TMP/pre.err")" = \
	"dirtyscope: policy: ambiguous command 're' (replay, recommend)"
run psimp "$DS" policy sim -w hotset -r 8000
check "policy sim: an unambiguous prefix runs simulate (the same table)" \
	sh -c "test $(rc psimp) = 0 && cmp -s '$TMP/psim.out' '$TMP/psimp.out'"
run psz "$DS" policy simulate --size 1 --pgsize 4194304
check "policy simulate --size 1 --pgsize 4194304: no page, one line, usage error 64" \
	expect_status psz 64 "dirtyscope: --size 1 MiB holds no 4194304-byte page"

# --- policy replay: agreement with the (simulated) run ---------------------

for c in eager:uniform manual:hotset chunked:1:ring adaptive:hotset manual:1:ring; do
	pol=${c%:*}
	wl=${c##*:}
	"$TP" trace "$TMP/tr.jsonl" "$TMP/tr.json" "$pol" "$wl" 8000 11 2>"$TMP/tr.err"
	run prep "$DS" policy replay "$TMP/tr.jsonl" --compare "$TMP/tr.json"
	if [ "$(rc prep)" = 0 ] && grep -q '^agree' "$TMP/prep.out"; then
		ok "policy replay --compare: $pol on $wl, replay agrees with the run"
	else
		not_ok "policy replay --compare: $pol on $wl, replay agrees with the run"
		diag "$TMP/prep.out"; diag "$TMP/prep.err"
	fi
done

# A loop that runs late, as the guest's does under TCG (stalls of 2 ms on
# average before one call in 4 and one send in 200, calls costing 20-120 us
# more than their recorded kernel time): its passes depend on the stalls,
# which no cost model knows.  The replay follows the recorded calls, reads
# every recorded bitmap and must reproduce sent, resent, final pages and
# passes exactly.
for c in eager:uniform manual:uniform chunked:1:ring adaptive:hotset manual:1:ring chunked:4:uniform; do
	pol=${c%:*}
	wl=${c##*:}
	"$TP" trace "$TMP/late.jsonl" "$TMP/late.json" "$pol" "$wl" 8000 11 2000 2>"$TMP/late.err"
	run plate "$DS" policy replay "$TMP/late.jsonl" --compare "$TMP/late.json" -j
	check "policy replay --compare: $pol on $wl, a loop running late: every call followed, the run reproduced exactly" \
		py plate "$TMP/plate.out" "$TMP/late.json" <<'EOF2'
import json, sys
o = json.load(open(sys.argv[1]))
run = json.load(open(sys.argv[2]))
rep = o["replay"]
assert o["agree"] and o["exact"], o
assert o["followed_calls"] == o["recorded_calls"] > 0, o
for k in ("sent", "resent", "final_pages", "iters", "converged"):
    assert rep[k] == run[k], (k, rep[k], run[k])
EOF2
done

# ... where the cost model alone, however well fitted, cannot: the late
# ring does not converge in 30 passes, the cost model's replay of it does
"$TP" trace "$TMP/late.jsonl" "$TMP/late.json" chunked:1 ring 8000 11 2000
run plate "$DS" policy replay "$TMP/late.jsonl" --compare "$TMP/late.json" -j
check "policy replay --compare: a late run that did not converge is reproduced; the cost model alone predicts convergence" \
	py plate "$TMP/plate.out" "$TMP/late.json" <<'EOF2'
import json, sys
o = json.load(open(sys.argv[1]))
run = json.load(open(sys.argv[2]))
assert not run["converged"] and run["iters"] == 30, run["iters"]
assert o["agree"] and o["exact"] and not o["replay"]["converged"], o
assert o["cost_model_replay"]["converged"], o["cost_model_replay"]["iters"]
EOF2

# a recording that is not the run's: one dirty page missing from the last
# read changes what the replay sends while stopped, and with every call
# followed there is no slack for it
"$PY" - "$TMP/late.jsonl" "$TMP/onebit.jsonl" <<'EOF2'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
k = max(i for i, l in enumerate(lines)
        if '"op":"bitmap_get"' in l and json.loads(l)["bits"].strip("0"))
o = json.loads(lines[k])
b = bytearray.fromhex(o["bits"])
i = next(i for i, x in enumerate(b) if x)
b[i] &= b[i] - 1
o["bits"] = b.hex()
lines[k] = json.dumps(o, separators=(",", ":"))
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
EOF2
run ponebit "$DS" policy replay "$TMP/onebit.jsonl" --compare "$TMP/late.json"
check "policy replay --compare: one recorded dirty page dropped: DIFFER, exit 1" \
	test "$(rc ponebit)" = 1 -a "$(grep -c '^every call followed, yet' "$TMP/ponebit.out")" = 1 -a \
	"$(tail -n 1 "$TMP/ponebit.out" | cut -d' ' -f1)" = DIFFER

# the check can fail: a run that sent 30% more than the recording shows
"$TP" trace "$TMP/tr.jsonl" "$TMP/tr.json" manual hotset 8000 11
"$PY" - "$TMP/tr.json" "$TMP/tampered.json" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
o["sent"] = int(o["sent"] * 1.3)
json.dump(o, open(sys.argv[2], "w"))
EOF
run ptamp "$DS" policy replay "$TMP/tr.jsonl" --compare "$TMP/tampered.json"
check "policy replay --compare: a run it does not match: DIFFER, exit 1" \
	test "$(rc ptamp)" = 1 -a "$(grep -c '^sent .*DIFFER$' "$TMP/ptamp.out")" = 1 -a \
	"$(tail -n 1 "$TMP/ptamp.out" | cut -d' ' -f1)" = DIFFER
# every recorded call followed: no tolerance excuses counts that differ
run ptol "$DS" policy replay "$TMP/tr.jsonl" --compare "$TMP/tampered.json" --tolerance 0.5:24:1
check "policy replay --tolerance 0.5:24:1 does not accept it either: every call followed, the counts must be equal" \
	test "$(rc ptol)" = 1 -a "$(grep -c '^every call followed, yet' "$TMP/ptol.out")" = 1
# the recording's last bitmap lost: the replay's last call is timed by the
# cost model, and the tolerance decides
"$PY" - "$TMP/tr.jsonl" "$TMP/trunc.jsonl" <<'EOF2'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
del lines[max(i for i, l in enumerate(lines) if '"op":"bitmap_' in l)]
end = json.loads(lines[-1])
end["bitmaps"] -= 1
lines[-1] = json.dumps(end, separators=(",", ":"))
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
EOF2
run ptrunc "$DS" policy replay "$TMP/trunc.jsonl" --compare "$TMP/tampered.json"
run ptol2 "$DS" policy replay "$TMP/trunc.jsonl" --compare "$TMP/tampered.json" --tolerance 0.5:24:1
check "policy replay --tolerance 0.5:24:1 accepts that run where the recording ends early (DIFFER without it)" \
	test "$(rc ptrunc)" = 1 -a "$(rc ptol2)" = 0 -a \
	"$(grep -c '(then the cost model)$' "$TMP/ptol2.out")" = 1

# a recorder killed while writing a bitmap line: the cut line is the last
# one, ignored with a warning (as report does), the replay runs without it
kline=$("$PY" - "$TMP/tr.jsonl" "$TMP/killed.jsonl" <<'EOF2'
import sys
lines = open(sys.argv[1]).read().splitlines()
k = max(i for i, l in enumerate(lines) if '"op":"bitmap_' in l)
open(sys.argv[2], "w").write("\n".join(lines[:k]) + "\n" + lines[k][:len(lines[k]) // 2])
print(k + 1)
EOF2
)
run pkilled "$DS" policy replay "$TMP/killed.jsonl" --compare "$TMP/tampered.json" --tolerance 0.5:24:1
check "policy replay of a recording cut inside its last bitmap line: one warning, replayed as one that ends early" \
	test "$(rc pkilled)" = 0 -a "$(cat "$TMP/pkilled.err")" = \
	"dirtyscope: $TMP/killed.jsonl:$kline: warning: the last line ends inside a value (the recorder was killed while writing it): ignored" -a \
	"$(grep -c '(then the cost model)$' "$TMP/pkilled.out")" = 1

run prepj "$DS" policy replay "$TMP/tr.jsonl" -j
check "policy replay -j: the device model and one run per policy" \
	py prepj "$TMP/prepj.out" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["npages"] == 2048 and o["pgsize"] == 4096 and o["iova"] == 0x1000000, o
assert 6000 < o["write_rate"] < 10000, o["write_rate"]      # 8000 writes/s
assert set(o["cost_model"]) == {"read_clear", "read", "clear"}, o
assert len(o["runs"]) == 5, o["runs"]
EOF

run prec "$DS" policy recommend "$TMP/tr.jsonl" -j
check "policy recommend -j: the converged run with the shortest migration" \
	py prec "$TMP/prec.out" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
runs = o["runs"]
assert len(runs) == 7, [r["policy"] for r in runs]          # + manual:1, manual:8
conv = [r for r in runs if r["converged"]]
best = min(conv, key=lambda r: (r["total_ns"], r["downtime_ns"]))
assert o["recommend"] == best["policy"], (o["recommend"], best["policy"])
EOF
run prect "$DS" policy recommend "$TMP/tr.jsonl"
check "policy recommend: one 'recommend:' line with the numbers against eager" \
	test "$(rc prect)" = 0 -a "$(grep -c '^recommend: .* pages sent, .* redundant, .*against eager' "$TMP/prect.out")" = 1

# recordings it cannot use: one line, exit 1
run pnobm "$DS" policy replay "$TMP/basic.jsonl"
check "policy replay of a recording without bitmaps: one line, exit 1" \
	expect_fail pnobm "dirtyscope: $TMP/basic.jsonl: no dirty bitmaps; record the migration with 'dirtyscope record --bitmaps'"
run pmiss "$DS" policy recommend "$TMP/nonexistent.jsonl"
check "policy recommend of a missing file: one line, exit 1" \
	expect_fail pmiss "dirtyscope: cannot open $TMP/nonexistent.jsonl: No such file or directory"
echo '{"policy":"eager"}' >"$TMP/notrun.json"
run pnotrun "$DS" policy replay "$TMP/tr.jsonl" --compare "$TMP/notrun.json"
check "policy replay --compare with a file that is no run: one line, exit 1" \
	expect_fail pnotrun "dirtyscope: $TMP/notrun.json: not a reference loop result (\"sent\")"
