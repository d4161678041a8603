#!/usr/bin/env bash
# The latency gate on the test bed, as TAP (the "gate" suite of make check).
#
# Boots the guest (HTTU on) with the main kernel and with a deliberately
# slowed one (tests/gate/slow-scan.patch, built once by
# scripts/kernel-variant.sh), runs tests/guest/gate_bench in each (the
# operations of the series under "dirtyscope bench"), cuts the bench file
# out of the serial log and runs "dirtyscope gate" on the host with
# tests/gate/gate.conf.  Every verdict compares runs of this machine in
# this run, so that no committed number decides it:
#
#   main kernel      its samples split in two halves (even and odd rounds),
#                    gated one against the other: exit 0, or the gate cries
#                    wolf on an unchanged kernel
#   slowed kernel    gated against the main kernel's run: exit 1 with the
#                    two scans the regressions, or the slowdown went
#                    unnoticed
#
# The committed tests/gate/baseline.json (one machine's run, the example
# of docs/cli.md) is compared too, as a note: its ratios are printed, not
# judged.
#
# Usage: scripts/gate-check.sh [--qemu PATH] [--out DIR] [--only main|slow]
#        scripts/gate-check.sh --update-baseline [--qemu PATH]
#   --update-baseline   boot the main kernel, run the benchmark and write
#                       its samples to tests/gate/baseline.json
#   --out DIR           logs, bench files, gate output (default build/gate)
#   --only KERNEL       one of the two boots (slow needs main's run in DIR)
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$DS_TOP" || exit 2

QEMU=
OUT=build/gate
ONLY=
UPDATE=0
CONF=tests/gate/gate.conf
BASELINE=tests/gate/baseline.json
SLOW_PATCH=tests/gate/slow-scan.patch
MAIN_KERNEL=$DIRTYSCOPE_CACHE/linux/build/arch/arm64/boot/Image
DS=$DS_TOP/build/host/dirtyscope
# the benchmark VM before other work on the host (a build next to it
# preempts QEMU for whole time slices: ms-long outliers in the samples)
NICE=${DS_GATE_NICE:--10}

while [ $# -gt 0 ]; do
	case "$1" in
	--qemu) QEMU=$2; shift ;;
	--out) OUT=$2; shift ;;
	--only) ONLY=$2; shift ;;
	--update-baseline) UPDATE=1 ;;
	*) sed -n '/^# Usage:/,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done
case "$ONLY" in ""|main|slow) ;; *) die "--only takes main or slow" ;; esac

n=0
failed=0
tap() {	# tap ok|fail DESCRIPTION
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
diag() { sed 's/^/# /' "$@"; }

mkdir -p "$OUT"
[ -n "$QEMU" ] || QEMU=$(bash scripts/qemu.sh | tail -n 1) || die "no QEMU (scripts/qemu.sh)"
make -s -C src >&2 || die "host build of dirtyscope failed"
INITRD=$(bash scripts/initramfs.sh) || die "initramfs build failed"

# boot NAME KERNEL: run gate_bench, leave $OUT/NAME.json; 0 when it did
boot() {
	local name=$1 kernel=$2 log=$OUT/$1.log t0
	t0=$(date +%s)
	progress gate "$name kernel: booting ($kernel)"
	nice -n "$NICE" bash scripts/vm.sh --qemu "$QEMU" --httu on --tests gate_bench \
		--kernel "$kernel" --initrd "$INITRD" --log "$log" \
		> "$OUT/$name.vm.tap" 2> "$OUT/$name.vm.err"
	local rc=$?
	tr -d '\r' < "$log" | sed -n 's/^# bench-json: //p' > "$OUT/$name.json"
	if [ "$rc" = 0 ]; then
		tap ok "gate: $name kernel boots, gate_bench runs, log clean ($(( $(date +%s) - t0 )) s, $(tail -n 1 "$OUT/$name.vm.tap"))"
	else
		tap fail "gate: $name kernel boots, gate_bench runs, log clean (vm.sh exit $rc, log $log)"
		grep '^not ok' "$OUT/$name.vm.tap" | diag
		return 1
	fi
	if [ ! -s "$OUT/$name.json" ]; then
		tap fail "gate: $name kernel: no bench file in the log ($log)"
		return 1
	fi
	return 0
}

# gate NAME RESULT BASELINE: dirtyscope gate of RESULT against BASELINE,
# outputs as $OUT/NAME.*; its exit status
gate() {
	local name=$1 result=$2 base=$3 rc
	"$DS" gate -c "$CONF" -b "$base" --junit "$OUT/$name.junit.xml" \
		"$result" > "$OUT/$name.gate.txt" 2> "$OUT/$name.gate.err"
	rc=$?
	"$DS" gate -c "$CONF" -b "$base" -j "$result" \
		> "$OUT/$name.gate.json" 2> /dev/null
	return "$rc"
}

# ratios NAME: "metric ratio, ..." from the gate's JSON
ratios() {
	python3 - "$OUT/$1.gate.json" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print(", ".join("%s %.2fx%s" % (m["name"], m["ratio"],
                    "" if m["verdict"] == "pass" else " " + m["verdict"])
                    for m in d["metrics"]))
except (OSError, ValueError, KeyError):
    print("no gate output")
EOF
}

# halves NAME: NAME.json's samples of every metric split into even and odd
# rounds, as NAME-even.json and NAME-odd.json
halves() {
	python3 - "$OUT/$1" <<'EOF'
import json, sys
base = sys.argv[1]
d = json.load(open(base + ".json"))
for name, start in (("even", 0), ("odd", 1)):
    h = json.loads(json.dumps(d))
    for m in h["metrics"].values():
        m["samples"] = m["samples"][start::2]
    json.dump(h, open("%s-%s.json" % (base, name), "w"))
EOF
}

if [ "$UPDATE" = 1 ]; then
	boot main "$MAIN_KERNEL" || exit 1
	"$DS" gate -c "$CONF" -b "$BASELINE" --update-baseline "$OUT/main.json" ||
		exit 1
	exit 0
fi

t_all=$(date +%s)
if [ "$ONLY" != slow ]; then
	if boot main "$MAIN_KERNEL"; then
		halves main
		gate main-aa "$OUT/main-odd.json" "$OUT/main-even.json"
		rc=$?
		if [ "$rc" = 0 ]; then
			tap ok "gate: the main kernel passes against itself, odd rounds vs even (exit 0: $(ratios main-aa))"
		else
			tap fail "gate: the main kernel passes against itself, odd rounds vs even (exit $rc: $(ratios main-aa))"
			diag "$OUT/main-aa.gate.txt" "$OUT/main-aa.gate.err"
		fi
		gate main-committed "$OUT/main.json" "$BASELINE"
		progress gate "note: main kernel against the committed $BASELINE (another machine's run, not judged): exit $?, $(ratios main-committed)"
	fi
fi

if [ "$ONLY" != main ]; then
	t0=$(date +%s)
	if SLOW_KERNEL=$(bash scripts/kernel-variant.sh slow "$SLOW_PATCH" 2> "$OUT/variant.err" | tail -n 1) &&
	   [ -f "$SLOW_KERNEL" ]; then
		tap ok "gate: slowed kernel (series + $SLOW_PATCH) built or cached ($(( $(date +%s) - t0 )) s)"
	else
		tap fail "gate: slowed kernel (series + $SLOW_PATCH) built or cached"
		tail -n 20 "$OUT/variant.err" | diag
		SLOW_KERNEL=
	fi
	if [ ! -s "$OUT/main.json" ]; then
		tap fail "gate: the slowed kernel is compared with the main kernel's run, which is missing ($OUT/main.json)"
	elif [ -n "$SLOW_KERNEL" ] && boot slow "$SLOW_KERNEL"; then
		gate slow "$OUT/slow.json" "$OUT/main.json"
		rc=$?
		case "$rc" in
		1) tap ok "gate: the slowed kernel fails the gate against the main kernel's run, as it must (exit 1: $(ratios slow))" ;;
		0) tap fail "gate: the slowed kernel fails the gate against the main kernel's run: NOT DETECTED (exit 0: $(ratios slow))"
		   diag "$OUT/slow.gate.txt" ;;
		*) tap fail "gate: the slowed kernel fails the gate (exit $rc)"
		   diag "$OUT/slow.gate.txt" "$OUT/slow.gate.err" ;;
		esac
		# the delay is in the scan only: exactly the two scans regress
		regs=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(m["name"] for m in d["metrics"] if m["verdict"] == "regression")))
' "$OUT/slow.gate.json" 2>/dev/null)
		if [ "$regs" = "scan_clear scan_noclear" ]; then
			tap ok "gate: the slowed kernel's regressions are the two scans, not clear/split/merge"
		else
			tap fail "gate: the slowed kernel's regressions are the two scans, not clear/split/merge (got: ${regs:-none})"
		fi
	fi
fi

progress gate "done in $(( $(date +%s) - t_all )) s; outputs in $OUT"
echo "1..$n"
[ "$failed" = 0 ]
