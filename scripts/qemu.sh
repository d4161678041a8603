#!/usr/bin/env bash
# Build the QEMU used by the dirtyscope tests: Debian bookworm's QEMU 7.2
# source with tests/qemu/patches/series applied (SMMUv3 HTTU emulation,
# edu device fixes), aarch64-softmmu only, with ccache.
#
#   $DIRTYSCOPE_CACHE/qemu/src-<debian version>/   apt-get source, pristine
#                                  (version without its epoch)
#   $DIRTYSCOPE_CACHE/qemu/version                 that Debian version
#   $DIRTYSCOPE_CACHE/qemu/build-<key>/            patched copy + build/
#
# <key> hashes the Debian version, the patch series and the configure flags,
# so a change to any of them gets a fresh tree while an unchanged one is
# reused: a warm run only checks that the binary is there.
#
# A variant (a mutant of tests/mutants/qemu-*.patch) is the series plus
# extra patches, in a tree of its own, build-<key> again with the extra
# patches in the key; the first variant build reuses the objects of the
# main one through ccache, so it costs a configure, the changed files and
# a link.  Variants are never pruned by the main build, and the main build
# never by a variant.
#
# Usage: scripts/qemu.sh [patched|stock|source|deps]
#        scripts/qemu.sh variant NAME PATCH...
#   patched (default)  build if needed; print the patched qemu-system-aarch64
#   variant            the same with PATCH... applied after the series
#   stock              install Debian's qemu-system-arm if needed; print
#                      /usr/bin/qemu-system-aarch64 (unpatched, for negative
#                      tests)
#   source             fetch the pristine source if needed; print its path
#   deps               install the build dependencies only
#
# Only the requested path goes to stdout; progress goes to stderr.
set -euo pipefail
. "$(dirname "$0")/common.sh"

QDIR=$DIRTYSCOPE_CACHE/qemu
SERIES_DIR=$DS_TOP/tests/qemu/patches
JOBS=${JOBS:-$(nproc)}
# Build trees differ only in their path: let them share ccache entries
# (meson passes relative paths; no -g, so the directory is not hashed).
export CCACHE_BASEDIR=$QDIR

# Everything configure is told.  Part of the build key.
CONFIG_FLAGS=(
	--target-list=aarch64-softmmu
	--without-default-features
	--enable-tcg
	--enable-fdt=system
	--disable-docs
	--disable-debug-info
	--disable-werror
	--disable-install-blobs
	--cc="ccache gcc"
	--cxx="ccache g++"
	--host-cc="ccache gcc"
)

# Just what the configure line above needs (apt-get build-dep would pull
# in every optional library of the Debian package).
BUILD_DEPS=(
	build-essential dpkg-dev ccache patch python3
	ninja-build meson pkg-config
	libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev
)

apt_updated=0
apt_update() {
	if [ "$apt_updated" = 0 ]; then
		progress qemu "apt-get update"
		apt-get update -qq >&2 || die "apt-get update failed"
		apt_updated=1
	fi
}

have_qemu_src() {
	local out
	out=$(apt-cache showsrc qemu 2>/dev/null) || return 1
	grep -q '^Package: qemu$' <<<"$out"
}

# Debian's own source index for qemu, added next to debian.sources with the
# same mirrors and suites, if apt does not know a qemu source package yet.
ensure_deb_src() {
	have_qemu_src && return 0
	apt_update
	have_qemu_src && return 0
	local main=/etc/apt/sources.list.d/debian.sources
	local out=/etc/apt/sources.list.d/dirtyscope-src.sources
	[ -r "$main" ] || die "$main missing: cannot derive a deb-src entry"
	progress qemu "adding deb-src entries ($out)"
	# Copy every "Types: deb" stanza as "Types: deb-src", comments dropped.
	awk '
		/^#/ { next }
		/^[[:space:]]*$/ { if (s != "") print s; s = ""; next }
		/^Types:/ { s = s "Types: deb-src\n"; next }
		{ s = s $0 "\n" }
		END { if (s != "") print s }
	' "$main" > "$out.tmp"
	grep -q '^URIs:' "$out.tmp" || die "no URIs found in $main"
	mv "$out.tmp" "$out"
	apt_updated=0
	apt_update
	have_qemu_src || die "apt still knows no qemu source package after adding $out"
}

pkg_installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *' ok installed' ]]
}

ensure_build_deps() {
	local missing=() p
	for p in "${BUILD_DEPS[@]}"; do
		pkg_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	apt_update
	progress qemu "installing build dependencies: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2 || die "installing ${missing[*]} failed"
}

# Sets SRC_VER and SRC_DIR; fetches the source on first use.
ensure_source() {
	if [ -f "$QDIR/version" ]; then
		SRC_VER=$(cat "$QDIR/version")
		SRC_DIR=$QDIR/src-${SRC_VER#*:}
		[ -f "$SRC_DIR/.complete" ] && return 0
	fi
	ensure_deb_src
	command -v dpkg-source >/dev/null || ensure_build_deps
	progress qemu "apt-get source qemu"
	local tmp
	mkdir -p "$QDIR"
	tmp=$(mktemp -d "$QDIR/fetch.XXXXXX")
	chmod 755 "$tmp"	# lets apt's sandbox user write there
	(cd "$tmp" && apt-get source -qq -o APT::Sandbox::User=root qemu >&2) || { rm -rf "$tmp"; die "apt-get source qemu failed"; }
	local dir
	dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
	if [ -z "$dir" ] || [ ! -f "$dir/debian/changelog" ]; then
		rm -rf "$tmp"
		die "apt-get source left no qemu-* tree"
	fi
	SRC_VER=$(dpkg-parsechangelog -l "$dir/debian/changelog" -S Version)
	SRC_DIR=$QDIR/src-${SRC_VER#*:}	# no epoch: keep ':' out of paths
	rm -rf "$SRC_DIR"
	mv "$dir" "$SRC_DIR"
	rm -rf "$tmp"
	touch "$SRC_DIR/.complete"
	echo "$SRC_VER" > "$QDIR/version"
	progress qemu "pristine source $SRC_VER in $SRC_DIR"
}

series_patches() {
	[ -f "$SERIES_DIR/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$SERIES_DIR/series" | grep -v '^$' || true
}

# The extra patches of a variant (absolute paths) and its name
EXTRA_PATCHES=()
VARIANT=

build_key() {
	{
		echo "$SRC_VER"
		printf '%s\n' "${CONFIG_FLAGS[@]}"
		local p
		while read -r p; do
			echo "== $p"
			cat "$SERIES_DIR/$p" 2>/dev/null || echo missing
		done < <(series_patches)
		for p in "${EXTRA_PATCHES[@]}"; do
			echo "== extra $(basename "$p")"
			cat "$p"
		done
	} | sha256sum | cut -c1-16
}

# with_heartbeat WHAT LOG CMD...: runs CMD in the background and, every
# 30 s while it runs, prints a line with the last ninja "[n/total]" in LOG.
# CMD is stopped if this script is interrupted.
with_heartbeat() {
	local what=$1 log=$2
	shift 2
	"$@" &
	local pid=$! rc=0 n=0 step
	trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		if [ $((n % 30)) = 0 ] && kill -0 "$pid" 2>/dev/null; then
			step=$(tail -n 1 "$log" 2>/dev/null | grep -o '^\[[0-9]*/[0-9]*\]' || true)
			progress qemu "$what still running ${step:-}"
		fi
	done
	wait "$pid" || rc=$?
	trap - EXIT INT TERM
	return $rc
}

# run_ninja BUILDDIR, in the background only: the subshell becomes ninja,
# so that the pid with_heartbeat knows is ninja's own.
run_ninja() {
	cd "$1" && exec ninja -j"$JOBS" qemu-system-aarch64 > ninja.log 2>&1
}

do_patched() {
	ensure_source
	local key tree bin
	key=$(build_key)
	tree=$QDIR/build-$key
	[ -z "$VARIANT" ] || tree=$QDIR/variant-$VARIANT-$key
	bin=$tree/build/qemu-system-aarch64
	if [ -x "$bin" ] && [ -f "$tree/.built" ]; then
		echo "$bin"
		return 0
	fi
	ensure_build_deps
	local t_start
	t_start=$(date +%s)

	progress qemu "copying pristine $SRC_VER to ${tree##*/}"
	rm -rf "$tree"
	cp -a "$SRC_DIR" "$tree.tmp"
	rm -f "$tree.tmp/.complete"
	local n=0 p
	while read -r p; do
		[ -f "$SERIES_DIR/$p" ] || die "tests/qemu/patches/series names $p, which does not exist"
		if ! patch -s -p1 -d "$tree.tmp" --fuzz=0 --forward --batch \
			--no-backup-if-mismatch -r - -i "$SERIES_DIR/$p" >&2; then
			rm -rf "$tree.tmp"
			die "tests/qemu/patches/$p does not apply to QEMU $SRC_VER"
		fi
		n=$((n + 1))
	done < <(series_patches)
	for p in "${EXTRA_PATCHES[@]}"; do
		if ! patch -s -p1 -d "$tree.tmp" --fuzz=0 --forward --batch \
			--no-backup-if-mismatch -r - -i "$p" >&2; then
			rm -rf "$tree.tmp"
			die "$p does not apply on top of tests/qemu/patches"
		fi
		n=$((n + 1))
	done
	mv "$tree.tmp" "$tree"
	progress qemu "applied $n patch(es) (tests/qemu/patches/series${VARIANT:+ and variant $VARIANT})"

	progress qemu "configure"
	mkdir -p "$tree/build"
	(cd "$tree/build" && ../configure "${CONFIG_FLAGS[@]}" > configure.log 2>&1) || {
		tail -n 40 "$tree/build/configure.log" >&2
		die "QEMU configure failed (log: $tree/build/configure.log)"
	}

	progress qemu "ninja qemu-system-aarch64 (-j$JOBS; ccache in $CCACHE_DIR)"
	with_heartbeat ninja "$tree/build/ninja.log" run_ninja "$tree/build" || {
		grep -A30 -m1 '^FAILED:' "$tree/build/ninja.log" >&2 ||
			tail -n 40 "$tree/build/ninja.log" >&2
		die "QEMU build failed (log: $tree/build/ninja.log)"
	}
	[ -x "$bin" ] || die "ninja finished but $bin is missing"
	touch "$tree/.built"
	progress qemu "built $bin in $(($(date +%s) - t_start)) s"
	prune_builds "$tree"
	echo "$bin"
}

# Keeps the build just made and the most recent other one (a series being
# edited back and forth); older trees only take space, ccache has them.
# A variant's older trees are those of the same variant.
prune_builds() {
	local keep=$1 d n=0 glob=build-*/
	[ -z "$VARIANT" ] || glob=variant-$VARIANT-*/
	while read -r d; do
		d=${d%/}
		[ "$d" = "$keep" ] && continue
		n=$((n + 1))
		if [ "$n" -gt 1 ]; then
			progress qemu "removing old build tree ${d##*/}"
			rm -rf "$d"
		fi
	done < <(ls -1dt "$QDIR"/$glob 2>/dev/null)
}

do_stock() {
	local bin=/usr/bin/qemu-system-aarch64
	if ! pkg_installed qemu-system-arm; then
		apt_update
		progress qemu "installing Debian's qemu-system-arm"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			qemu-system-arm >&2 || die "installing qemu-system-arm failed"
	fi
	[ -x "$bin" ] || die "$bin missing after installing qemu-system-arm"
	echo "$bin"
}

case ${1:-patched} in
patched) do_patched ;;
variant)
	[ $# -ge 3 ] || die "usage: $0 variant NAME PATCH..."
	VARIANT=$2
	[[ "$VARIANT" =~ ^[a-z0-9-]+$ ]] || die "variant name: lower-case letters, digits, -"
	shift 2
	for p in "$@"; do
		[ -f "$p" ] || die "no patch $p"
		EXTRA_PATCHES+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")")
	done
	do_patched ;;
stock) do_stock ;;
source) ensure_source; echo "$SRC_DIR" ;;
deps) ensure_deb_src; ensure_build_deps ;;
-h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
*) die "usage: $0 [patched|stock|source|deps] | variant NAME PATCH..." ;;
esac
