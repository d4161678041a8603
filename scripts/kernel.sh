#!/usr/bin/env bash
# Build the dirtyscope guest kernel: Debian's linux-source-6.12, the series
# in kernel-patches/, allnoconfig + tests/guest/kernel.config, arm64 cross
# build out of tree with ccache.  Everything lives under $DIRTYSCOPE_CACHE:
#
#   linux/pristine/<debian version>/   extracted once, never modified
#   linux/src/                         patched tree (only changed files touched)
#   linux/build/                       O= build directory (Image, vmlinux)
#   linux/headers/                     uAPI headers of the patched tree
#
# Usage: scripts/kernel.sh [source|config|build|all]   (default: all)
# The test-only patches of tests/kernel/series (test infrastructure, such as
# the edu variant driver) go on top of the series.
# DS_SERIES_LIMIT=N applies only the first N patches (bisection builds), and
# no test patch.
# DS_EXTRA_PATCHES="P..." applies these patch files after the series, and
# DS_KERNEL_DIR=DIR builds in DIR/{src,build,headers} instead of linux/
# (kernel variants: scripts/kernel-variant.sh; pristine/ stays shared).
# ccache runs with CCACHE_BASEDIR=$DIRTYSCOPE_CACHE and CCACHE_NOHASHDIR, so
# a tree in another directory of the same depth (DIR/src, DIR/build) hits
# the objects of this one.
set -euo pipefail
. "$(dirname "$0")/common.sh"

KDIR=${DS_KERNEL_DIR:-$DIRTYSCOPE_CACHE/linux}
PRISTINE_ROOT=$DIRTYSCOPE_CACHE/linux/pristine
SRC=$KDIR/src
OUT=$KDIR/build
HDR=$KDIR/headers
SERIES_DIR=$DS_TOP/kernel-patches
TEST_PATCHES=$DS_TOP/tests/kernel
FRAGMENT=$DS_TOP/tests/guest/kernel.config
TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-$(nproc)}

kmake() {
	CCACHE_BASEDIR=$DIRTYSCOPE_CACHE CCACHE_NOHASHDIR=1 \
	make -s -C "$SRC" O="$OUT" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" \
		CC="ccache ${CROSS_COMPILE}gcc" HOSTCC="ccache gcc" "$@"
}

series_patches() {
	[ -f "$SERIES_DIR/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$SERIES_DIR/series" | grep -v '^$' || true
}

do_source() {
	[ -r "$TARBALL" ] || die "$TARBALL missing: apt-get install linux-source-6.12 (scripts/deps.sh does)"
	local ver base
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	base=$(cat "$SERIES_DIR/BASE" 2>/dev/null || true)
	if [ -n "$base" ] && [ "$ver" != "$base" ]; then
		progress kernel "note: series recorded against $base, building on $ver"
	fi
	progress kernel "Debian linux-source-6.12 $ver"
	local pristine=$PRISTINE_ROOT/$ver
	if [ ! -f "$pristine/.extracted" ]; then
		progress kernel "extracting linux-source-6.12 $ver"
		rm -rf "$pristine"
		mkdir -p "$pristine"
		tar -xJf "$TARBALL" -C "$pristine" --strip-components=1
		touch "$pristine/.extracted"
	fi

	# Apply the series to a hard-linked copy (patch breaks the links of the
	# files it changes), then sync into the working tree by content so that
	# only files whose text changed get a new mtime and are rebuilt.
	local stage=$KDIR/stage
	rm -rf "$stage"
	cp -al "$pristine" "$stage"
	local n=0 p
	while read -r p; do
		[ -f "$SERIES_DIR/$p" ] || die "kernel-patches/series names $p, which does not exist"
		if ! patch -s -p1 -d "$stage" --fuzz=0 --forward --batch \
			--no-backup-if-mismatch -r - -i "$SERIES_DIR/$p"; then
			die "kernel-patches/$p does not apply cleanly to linux-source-6.12 $ver" \
				"(the series is recorded against ${base:-?}); rebase it:" \
				"scripts/series-rebase.sh $ver"
		fi
		n=$((n + 1))
	done < <(series_patches | head -n "${DS_SERIES_LIMIT:-1000000}")
	progress kernel "applied $n patch(es) from kernel-patches/series"
	# Test infrastructure (tests/kernel/series), not in bisection builds
	if [ -z "${DS_SERIES_LIMIT:-}" ]; then
		while read -r p; do
			patch -s -p1 -d "$stage" --fuzz=0 --forward --batch \
				--no-backup-if-mismatch -r - -i "$TEST_PATCHES/$p" ||
				die "tests/kernel/$p does not apply cleanly on top of the series"
			progress kernel "applied test patch tests/kernel/$p"
		done < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$TEST_PATCHES/series" | grep -v '^$' || true)
	fi
	for p in ${DS_EXTRA_PATCHES:-}; do
		patch -s -p1 -d "$stage" --fuzz=0 --forward --batch \
			--no-backup-if-mismatch -r - -i "$p" ||
			die "$p does not apply cleanly on top of the series"
		progress kernel "applied $p"
	done
	mkdir -p "$SRC"
	rsync -a --checksum --delete --exclude=/.extracted "$stage/" "$SRC/"
	rm -rf "$stage"
	echo "$ver" > "$KDIR/version"
}

do_config() {
	local tmp want got missing=0 line sym val
	mkdir -p "$OUT"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	kmake KCONFIG_CONFIG="$tmp/base" allnoconfig >/dev/null
	KCONFIG_CONFIG="$tmp/merged" ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" \
		"$SRC/scripts/kconfig/merge_config.sh" -m -O "$tmp" \
		"$tmp/base" "$FRAGMENT" >/dev/null
	kmake KCONFIG_CONFIG="$tmp/merged" olddefconfig >/dev/null
	while read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		val=${line#*=}
		got=$(grep -E "^$sym=" "$tmp/merged" | cut -d= -f2- || true)
		if [ "$got" != "$val" ]; then
			printf 'kernel.config: %s=%s requested, got "%s"\n' "$sym" "$val" "$got" >&2
			missing=1
		fi
	done < "$FRAGMENT"
	# A partial series (DS_SERIES_LIMIT) may lack options its later patches add.
	[ "$missing" = 0 ] || [ -n "${DS_SERIES_LIMIT:-}" ] ||
		die "tests/guest/kernel.config has options olddefconfig dropped (dependencies?)"
	if ! cmp -s "$tmp/merged" "$OUT/.config"; then
		progress kernel "configuration changed, installing new .config"
		cp "$tmp/merged" "$OUT/.config"
	fi
}

do_build() {
	local t0
	t0=$(date +%s)
	progress kernel "building arm64 Image in $OUT (cold: ~15 min on 2 cores; warm: seconds)"
	# Print a heartbeat while the quiet build runs so long steps show progress.
	# (The heartbeat sleeps in the background and waits for it, so that the
	# TERM below ends it at once instead of after its sleep, which would
	# hold a caller's pipe open for up to a minute.)
	( trap 'kill $s 2>/dev/null; exit 0' TERM
	  while :; do
		sleep 60 & s=$!
		wait $s
		progress kernel "still building ($(find "$OUT" -name '*.o' -newer "$OUT/.config" 2>/dev/null | wc -l) objects)"
	  done ) &
	local hb=$!
	local rc=0
	kmake -j"$JOBS" Image || rc=$?
	kill "$hb" 2>/dev/null; wait "$hb" 2>/dev/null || true
	[ "$rc" = 0 ] || die "kernel build failed"
	kmake headers_install INSTALL_HDR_PATH="$HDR" >/dev/null
	progress kernel "Image ready ($(( $(date +%s) - t0 ))s): $OUT/arch/arm64/boot/Image"
}

case "${1:-all}" in
source) do_source ;;
config) do_config ;;
build) do_build ;;
all) do_source; do_config; do_build ;;
*) die "usage: $0 [source|config|build|all]" ;;
esac
