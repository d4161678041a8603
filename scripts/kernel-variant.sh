#!/usr/bin/env bash
# Build (once) a variant of the guest kernel: the series plus extra patches,
# e.g. the deliberately slowed scan of the latency gate or a mutant of
# tests/mutants.  The main build in $DIRTYSCOPE_CACHE/linux is never touched
# (only its pristine/ source is read).  Variants are built one after the
# other by scripts/kernel.sh in one shared tree,
#
#   $DIRTYSCOPE_CACHE/linux-variants/work/{src,build}   kept between builds
#   $DIRTYSCOPE_CACHE/linux-variants/NAME-KEY/Image      the result, kept
#
# so that a variant costs what its patches change: kernel.sh syncs the tree
# by content, and only the files that differ from the previous variant's
# are rebuilt (the first build in a fresh cache reuses the main build's
# objects through ccache).  KEY hashes the Debian source version,
# kernel-patches/ (series and patches), the test-only patches of
# tests/kernel/, the extra patches and tests/guest/kernel.config; the
# Image is reused while the key matches, and older keys of NAME are
# removed.
#
# Usage: scripts/kernel-variant.sh NAME PATCH...   (prints the Image path)
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -ge 2 ] || die "usage: $0 NAME PATCH..."
NAME=$1
shift
[[ "$NAME" =~ ^[a-z0-9-]+$ ]] || die "variant name: lower-case letters, digits, -"
PATCHES=()
for p in "$@"; do
	[ -f "$p" ] || die "no patch $p"
	PATCHES+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")")
done

VROOT=$DIRTYSCOPE_CACHE/linux-variants
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
key=$( { echo "$ver"; cat "$DS_TOP/kernel-patches/series";
	 sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$DS_TOP/kernel-patches/series" |
		grep -v '^$' | sed "s|^|$DS_TOP/kernel-patches/|" | xargs cat;
	 cat "$DS_TOP"/tests/kernel/*.patch;
	 cat "${PATCHES[@]}" "$DS_TOP/tests/guest/kernel.config"; } |
	sha256sum | cut -c1-16)
VDIR=$VROOT/$NAME-$key
IMAGE=$VDIR/Image

mkdir -p "$VROOT"
# one shared work tree: one variant build at a time
exec 9> "$VROOT/.work.lock"
flock 9
WORK=$VROOT/work

if [ -f "$IMAGE" ]; then
	progress variant "$NAME: cached ($IMAGE)"
	echo "$IMAGE"
	exit 0
fi

t0=$(date +%s)
stats0=$(ccache --print-stats 2>/dev/null | awk '$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 } $1 == "cache_miss" { m = $2 } END { print h + 0, m + 0 }')
progress variant "$NAME: building in $WORK (series + ${PATCHES[*]##*/})"
rm -rf "$VDIR"
mkdir -p "$VDIR" "$WORK"
if ! DS_KERNEL_DIR=$WORK DS_EXTRA_PATCHES="${PATCHES[*]}" \
	bash "$DS_TOP/scripts/kernel.sh" all >&2; then
	rm -rf "$VDIR"
	die "variant $NAME failed to build"
fi
cp "$WORK/build/arch/arm64/boot/Image" "$IMAGE.tmp"
mv "$IMAGE.tmp" "$IMAGE"
stats1=$(ccache --print-stats 2>/dev/null | awk '$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 } $1 == "cache_miss" { m = $2 } END { print h + 0, m + 0 }')
read -r h0 m0 <<< "$stats0"
read -r h1 m1 <<< "$stats1"
{
	echo "name $NAME"
	echo "key $key"
	echo "patches ${PATCHES[*]##*/}"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - t0 ))s"
	echo "ccache $((h1 - h0)) hits, $((m1 - m0)) misses"
} > "$VDIR/info"
progress variant "$NAME: built in $(( $(date +%s) - t0 ))s, ccache $((h1 - h0)) hits $((m1 - m0)) misses: $IMAGE"
# older builds of this variant
for d in "$VROOT/$NAME"-????????????????; do
	[ -d "$d" ] || continue
	[ "$d" = "$VDIR" ] || rm -rf "$d"
done
echo "$IMAGE"
