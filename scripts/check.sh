#!/usr/bin/env bash
# make check: build what the tests need, run every suite, count the results.
#
# Each suite writes flat TAP to build/check/<suite>.tap; scripts/tap-summary.py
# counts them and prints the last line, "N passed, N failed".  A suite whose
# prerequisite failed to build is reported as failed, never skipped.
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$DS_TOP"

OUT=build/check
rm -rf "$OUT"
mkdir -p "$OUT"
failed_builds=()

# build NAME CMD...: run a build step, log it (its progress lines shown as
# they come: a cold kernel takes a quarter of an hour), remember a failure.
build() {
	local name=$1 rc
	shift
	progress check "build: $name"
	"$@" 2>&1 | tee "$OUT/build-$name.log" |
		{ grep --line-buffered -E '^\[ *[0-9]+s\] [a-z0-9-]+: ' >&2 || true; }
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ]; then
		tail -n 30 "$OUT/build-$name.log" >&2
		progress check "build of $name FAILED (log: $OUT/build-$name.log)"
		failed_builds+=("$name")
		return 1
	fi
}

built() {
	local b
	for b in "${failed_builds[@]}"; do
		[ "$b" = "$1" ] && return 1
	done
	return 0
}

# suite NAME NEEDS CMD...: run CMD with its stdout as NAME.tap.  NEEDS is a
# comma-separated list of builds that must have succeeded ("-" for none).
suite() {
	local name=$1 needs=$2 rc=0 b
	shift 2
	local tap=$OUT/$name.tap
	for b in ${needs//,/ }; do
		[ "$b" = - ] && continue
		if ! built "$b"; then
			echo "not ok 1 - $name not run: the $b build failed" > "$tap"
			progress check "suite $name: not run ($b build failed)"
			return
		fi
	done
	progress check "suite $name"
	"$@" > "$tap" 2> "$OUT/$name.stderr" || rc=$?
	if [ "$rc" != 0 ] && ! grep -q '^not ok' "$tap"; then
		echo "not ok - $name exited with status $rc (see $OUT/$name.stderr)" >> "$tap"
	fi
	grep -E '^(not )?ok' "$tap" | sed 's/^/    /' >&2 || true
}

# --- builds ---------------------------------------------------------------
build kernel scripts/kernel.sh
QEMU=""
if build qemu scripts/qemu.sh; then
	QEMU=$(tail -n 1 "$OUT/build-qemu.log")
fi
STOCK_QEMU=""
if build qemu-stock scripts/qemu.sh stock; then
	STOCK_QEMU=$(tail -n 1 "$OUT/build-qemu-stock.log")
fi
built kernel && build guest scripts/initramfs.sh
built kernel || failed_builds+=(guest)
# the VMM that runs in the guest: Debian's arm64 QEMU (bookworm-backports)
VMM=""
if build vmm scripts/vmm.sh; then
	VMM=$(tail -n 1 "$OUT/build-vmm.log")
fi
# the latency gate's deliberately slowed kernel (own directory, cached)
built kernel && build kernel-slow scripts/kernel-variant.sh slow tests/gate/slow-scan.patch
built kernel || failed_builds+=(kernel-slow)

built kernel && progress check "kernel: Debian linux-source-6.12 $(cat "$DIRTYSCOPE_CACHE/linux/version") + kernel-patches/series (BASE $(cat kernel-patches/BASE))"
# Know early: does the newest 6.12 Debian serves still take the series?  A
# note, not a test (cached by version; scripts/series-rebase.sh).
progress check "note: newest served 6.12: $(scripts/series-rebase.sh --check 2>/dev/null | tail -n 1 || true)"

# --- kernel series: checkpatch --strict, every prefix builds ----------------
suite series kernel scripts/series-check.sh

# --- host suites ------------------------------------------------------------
suite host-scripts - scripts/pyunit-tap.py tests/host/test_*.py
[ -f src/Makefile ] && suite cli - make -s -C src check
# the BPF objects' CO-RE relocations against the series kernel's BTF
suite series-btf kernel make -s -C src check-series-btf
# the series' io-pgtable-arm.c and iova_bitmap.c compiled natively, KUnit
# suite under ASan+UBSan (bench/pgtable)
suite pgtable-native kernel make -s -C bench/pgtable OUT="$DS_TOP/$OUT/pgtable" check

# --- QEMU emulation suites (no guest kernel) -------------------------------
suite qemu-httu qemu python3 tests/qemu/test_httu.py --qemu "$QEMU" --httu on
suite qemu-httu-off qemu python3 tests/qemu/test_httu.py --qemu "$QEMU" --httu off --expect-fail
suite qemu-httu-cd-off qemu python3 tests/qemu/test_httu.py --qemu "$QEMU" --httu on --cd-ha-hd off --expect-fail
suite qemu-stock qemu-stock python3 tests/qemu/test_httu.py --qemu "$STOCK_QEMU" --httu off --expect-fail

# --- guest suites (boot the test bed) ---------------------------------------
suite guest-httu qemu,guest scripts/vm.sh --qemu "$QEMU" --httu on --edu 2 --edu-dma-log \
	--tests "$(cat tests/guest/suites/httu)" --log "$OUT/guest-httu.log"
# (upstream's iommufd selftest maps up to 128 MiB of 2 MiB hugepages)
suite guest-stock qemu,guest scripts/vm.sh --qemu "$QEMU" --httu off \
	--append ds.hugepages=72 \
	--tests "$(cat tests/guest/suites/nohttu)" --log "$OUT/guest-stock.log"
suite guest-policy qemu,guest scripts/vm.sh --qemu "$QEMU" --httu on \
	--dma-delay-ns 1000 --tests "$(cat tests/guest/suites/policy)" \
	--log "$OUT/guest-policy.log"
# the mechanism under concurrent user space: several threads on two vCPUs
suite guest-smp qemu,guest scripts/vm.sh --qemu "$QEMU" --httu on --smp 2 \
	--edu 2 --edu-dma-log --tests "$(cat tests/guest/suites/smp)" --log "$OUT/guest-smp.log"
# the SMMU's descriptor update against a vCPU's unmap, its window widened
suite guest-race qemu,guest scripts/vm.sh --qemu "$QEMU" --httu on --smp 2 \
	--dma-delay-ns 1000 --httu-update-delay-us 20000 \
	--tests "$(cat tests/guest/suites/race)" --log "$OUT/guest-race.log"
# an unmodified QEMU inside the guest boots an L2, and two of them migrate
# it with an assigned edu each (the real-VMM work): 2 GiB and two vCPUs for
# the two QEMUs, 2 x 64 MiB of hugepages for the L2s' RAM
suite guest-vmm qemu,guest,vmm scripts/vm.sh --qemu "$QEMU" --httu on \
	--vmm --initrd-append "$VMM" --edu 2 --smp 2 --mem 2G \
	--append ds.hugepages=72 --tests "$(cat tests/guest/suites/vmm)" \
	--log "$OUT/guest-vmm.log"
# the controls without the HTTU emulation, and the device's own DMA log
# as the only tracker (edu x-dma-log)
suite guest-vmm-nohttu qemu,guest,vmm scripts/vm.sh --qemu "$QEMU" --httu off \
	--vmm --initrd-append "$VMM" --edu 2 --edu-dma-log --smp 2 --mem 2G \
	--append ds.hugepages=72 --tests "$(cat tests/guest/suites/vmm-nohttu)" \
	--log "$OUT/guest-vmm-nohttu.log"
# the latency gate: main kernel passes, slowed kernel fails (tests/gate)
suite gate qemu,guest,kernel-slow scripts/gate-check.sh --qemu "$QEMU" --out "$OUT/gate"

# the suite's power: every mutant of tests/mutants caught by its tests
suite mutants qemu,guest scripts/mutants.sh --qemu "$QEMU" --out "$OUT/mutants"

progress check "done"
python3 scripts/tap-summary.py --expect tests/expected "$OUT"/*.tap
