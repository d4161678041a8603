#!/usr/bin/env bash
# The suite's power, as TAP (the "mutants" suite of make check): each
# deliberately broken kernel of tests/mutants must be caught by the tests
# its patch names, or the suite that should have caught it is too weak.
#
# A mutant is tests/mutants/kernel-NAME.patch, a patch on top of the kernel
# series, or tests/mutants/qemu-NAME.patch, one on top of the QEMU patches
# (tests/qemu/patches), whose header says what it breaks and, on a line
#
#   Caught-by: guest:TEST ... kunit:SUITE ... log:CHECK ... native:SUITE
#
# (guest:TEST/PREFIX: only a failing line of TEST whose description starts
# with PREFIX counts, for a test whose other lines may fail for another
# reason)
# which tests must fail on it, and optionally on a line
#
#   Boot: VM.SH-ARGS...
#
# extra scripts/vm.sh arguments its boot needs (a QEMU knob the catching
# test relies on, say).  For each mutant this builds the kernel
# (scripts/kernel-variant.sh mut-NAME, cached by content) or the QEMU
# (scripts/qemu.sh variant mut-NAME), boots the mutant with the main build
# of the other on two vCPUs with the HTTU and strict-TTL emulation and
# runs the named guest
# tests (KUnit runs at every boot), then checks that every named test has
# at least one failing line: guest:TEST a "not ok" under guest/TEST/ or a
# failed run of it, kunit:SUITE one under kunit/SUITE/, log:CHECK the
# log check CHECK (underscores for spaces: log:no_WARNING), native:SUITE
# one of the bench/pgtable native check (the mutant's drivers/iommu
# compiled on the host, KUnit under ASan+UBSan: races a two-vCPU guest
# runs too slowly to lose, such as a lockless lookup in a freed table).  Last, a control:
# the TTL mutant with the strict-TTL emulation off must pass the test that
# catches it with the emulation on, showing that the strict mode is what
# rejects it.  The table of mutants and the tests that caught them goes to
# OUT/table.md and to the TAP diagnostics.
#
# Usage: scripts/mutants.sh [--qemu PATH] [--out DIR] [--only NAME]
set -uo pipefail
. "$(dirname "$0")/common.sh"
cd "$DS_TOP" || exit 2

QEMU=
OUT=build/mutants
ONLY=
while [ $# -gt 0 ]; do
	case "$1" in
	--qemu) QEMU=$2; shift ;;
	--out) OUT=$2; shift ;;
	--only) ONLY=$2; shift ;;
	*) sed -n '/^# Usage:/,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done

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
INITRD=$(bash scripts/initramfs.sh) || die "initramfs build failed"

caught_by() { sed -n 's/^Caught-by: //p' "$1" | head -n 1; }

# boot NAME IMAGE STRICT TESTS [QEMU [VM.SH-ARGS...]]: vm.sh's TAP in
# $OUT/NAME.tap, its status
boot() {
	local name=$1 image=$2 strict=$3 tests=$4 qemu=${5:-$QEMU}
	shift $(($# < 5 ? $# : 5))
	bash scripts/vm.sh --qemu "$qemu" --httu on --strict-ttl "$strict" \
		--edu 2 --smp 2 --kernel "$image" --initrd "$INITRD" \
		--tests "${tests:-none}" --log "$OUT/$name.log" "$@" \
		> "$OUT/$name.tap" 2> "$OUT/$name.err"
}

boot_args() { sed -n 's/^Boot: //p' "$1" | head -n 1; }

# failed_in NAME TOKEN: did the boot NAME fail the test TOKEN names?
failed_in() {
	local tap=$OUT/$1.tap kind=${2%%:*} what=${2#*:}
	case "$kind" in
	# guest:TEST, or guest:TEST/PREFIX: a failing line of TEST whose
	# description starts with PREFIX (caught for the right reason)
	guest) if [[ "$what" == */* ]]; then
			grep -qF -- "- guest/$what" <(grep "^not ok [0-9]* - " "$tap")
		else
			grep -q "^not ok [0-9]* - guest/$what/" "$tap"
		fi ;;
	kunit) grep -q "^not ok [0-9]* - kunit/$what/" "$tap" ;;
	native) grep -q "^not ok - native/$what" "$OUT/$1.native.tap" 2>/dev/null ;;
	log) grep -q "^not ok [0-9]* - log/${what//_/ }\( #\|\$\)" "$tap" ;;
	*) return 1 ;;
	esac
}

# native_check NAME PATCH: bench/pgtable's check on the series' drivers/iommu
# with PATCH applied, TAP in $OUT/NAME.native.tap
native_check() {
	local name=$1 patch=$2 ksrc=$DIRTYSCOPE_CACHE/linux/src tree=$OUT/$1.native-src
	rm -rf "$tree"
	mkdir -p "$tree/drivers"
	cp -a "$ksrc/drivers/iommu" "$tree/drivers/"
	if ! patch -s -p1 -d "$tree" --fuzz=0 --no-backup-if-mismatch < "$patch" \
		> "$OUT/$name.native.err" 2>&1; then
		echo "not ok - native/mutant does not apply to drivers/iommu" > "$OUT/$name.native.tap"
		return
	fi
	# (up to five runs of the KUnit suite: its race case catches a race
	# about nine times in ten, so one run would let a mutant survive now
	# and then; a run that fails ends it)
	make -s -C bench/pgtable OUT="$(cd "$OUT" && pwd)/$name.native" KSRC="$ksrc" \
		PGTABLE_C="$(cd "$tree" && pwd)/drivers/iommu/io-pgtable-arm.c" KUNIT_RUNS=5 check \
		> "$OUT/$name.native.tap" 2>> "$OUT/$name.native.err"
}

table=$OUT/table.md
{
	echo "| mutant | breaks | caught by |"
	echo "|---|---|---|"
} > "$table"

KERNEL=$DIRTYSCOPE_CACHE/linux/build/arch/arm64/boot/Image
for patch in tests/mutants/kernel-*.patch tests/mutants/qemu-*.patch; do
	name=${patch#tests/mutants/}
	kind=${name%%-*}
	name=${name#*-}
	name=${name%.patch}
	[ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
	tokens=$(caught_by "$patch")
	if [ -z "$tokens" ]; then
		tap fail "mutant $name: names the tests that must catch it (Caught-by:)"
		continue
	fi
	t0=$(date +%s)
	image=$KERNEL
	qemu=$QEMU
	rc=-
	if [[ " $tokens" == *" native:"* ]]; then
		native_check "$name" "$patch"
	fi
	# a mutant caught only natively needs no build of its own, no boot
	if [[ " $tokens" =~ \ (guest|kunit|log): ]]; then
		if [ "$kind" = kernel ]; then
			image=$(bash scripts/kernel-variant.sh "mut-$name" "$patch" 2> "$OUT/$name.build.err" | tail -n 1)
			built=$image
		else
			qemu=$(bash scripts/qemu.sh variant "mut-$name" "$patch" 2> "$OUT/$name.build.err" | tail -n 1)
			built=$qemu
		fi
		if [ -z "$built" ] || [ ! -f "$built" ]; then
			tap fail "mutant $name ($kind): builds"
			tail -n 20 "$OUT/$name.build.err" | diag
			continue
		fi
		guests=$(tr ' ' '\n' <<< "$tokens" | sed -n 's/^guest:\([^/]*\).*/\1/p' | awk '!seen[$0]++' | paste -sd, -)
		# shellcheck disable=SC2046 # Boot: is a list of words
		boot "$name" "$image" on "$guests" "$qemu" $(boot_args "$patch")
		rc=$?
	fi
	caught=()
	for tok in $tokens; do
		if failed_in "$name" "$tok"; then
			caught+=("$tok")
			tap ok "mutant $name ($kind) is caught by $tok"
		else
			tap fail "mutant $name ($kind) is caught by $tok: SURVIVED (vm.sh exit $rc, log $OUT/$name.log)"
			grep '^not ok' "$OUT/$name.tap" | head -n 10 | diag
		fi
	done
	# what it breaks: the first sentence of the description
	breaks=$(sed -n '3,/^$/p' "$patch" | paste -sd' ' - | sed -e 's/[.:] .*//' -e 's/[.:]$//')
	echo "| $name ($kind) | $breaks | ${caught[*]:-**none: survived**} |" >> "$table"
	progress mutants "$name: ${#caught[@]} of $(wc -w <<< "$tokens") catching tests failed, $(( $(date +%s) - t0 )) s"
done

# The control: strict TTL off lets the TTL mutant through the test that
# catches it with strict TTL on.
if [ -z "$ONLY" ] || [ "$ONLY" = ttl-leaf-level ]; then
	patch=tests/mutants/kernel-ttl-leaf-level.patch
	image=$(bash scripts/kernel-variant.sh mut-ttl-leaf-level "$patch" 2>/dev/null | tail -n 1)
	if [ -f "$image" ]; then
		boot ttl-lenient "$image" off iommufd_dirty_hugetlb
		if ! failed_in ttl-lenient guest:iommufd_dirty_hugetlb; then
			tap ok "control: with strict TTL off the TTL mutant passes iommufd_dirty_hugetlb (QEMU's lenient IOTLB hides it)"
		else
			tap fail "control: with strict TTL off the TTL mutant passes iommufd_dirty_hugetlb (it failed: the catch is not the strict mode's)"
			grep '^not ok' "$OUT/ttl-lenient.tap" | head -n 10 | diag
		fi
	else
		tap fail "control: the TTL mutant's kernel is there"
	fi
fi

diag "$table"
echo "1..$n"
[ "$failed" = 0 ]
