#!/usr/bin/env bash
# Build the guest initramfs: static arm64 busybox (Debian busybox-static),
# the static guest test programs (tests/guest/Makefile), the static arm64
# dirtyscope CLI (src/, as /bin/dirtyscope), a static arm64 perf from the
# guest kernel's tools/perf (/bin/perf) and tests/guest/init,
# packed as an uncompressed newc cpio (the guest kernel has no RD_GZIP).
#
#   $DIRTYSCOPE_CACHE/guest/busybox/<version>/   unpacked busybox package
#   $DIRTYSCOPE_CACHE/guest/perf/<key>/perf      static arm64 perf
#   build/guest/obj/                              test program objects
#   build/guest/initramfs.cpio                    the result
#
# Objects and the cpio live in the clone's build/ (small, quick to make): a
# cache shared by several clones would mix their sources by timestamp.
#
# Usage: scripts/initramfs.sh          (prints the cpio path on stdout)
# Environment: KHDR=<uAPI include dir> overrides the kernel's installed
# headers ($DIRTYSCOPE_CACHE/linux/headers/include, from scripts/kernel.sh),
# KSRC=<kernel source> its tree (for upstream's iommufd selftest).
set -euo pipefail
. "$(dirname "$0")/common.sh"

GUEST=$DIRTYSCOPE_CACHE/guest
OBJ=$DS_TOP/build/guest/obj
KHDR=${KHDR:-$DIRTYSCOPE_CACHE/linux/headers/include}
KSRC=${KSRC:-$DIRTYSCOPE_CACHE/linux/src}
OUT=$DS_TOP/build/guest/initramfs.cpio
BB_PKG="busybox-static:arm64"

ensure_arm64_arch() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		progress initramfs "adding dpkg architecture arm64"
		dpkg --add-architecture arm64
		apt-get update -qq
	fi
}

# Unpack busybox-static:arm64 once per package version; print its binary.
fetch_busybox() {
	local ver dir tmp deb
	ensure_arm64_arch
	ver=$(apt-cache policy "$BB_PKG" | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt-get update -qq
		ver=$(apt-cache policy "$BB_PKG" | awk '/Candidate:/ { print $2 }')
	fi
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		die "apt knows no $BB_PKG"
	fi
	dir=$GUEST/busybox/${ver//:/_}
	if [ ! -x "$dir/bin/busybox" ]; then
		progress initramfs "downloading $BB_PKG $ver"
		tmp=$(mktemp -d)
		# apt drops to user _apt for downloads: let it write there.
		chown _apt "$tmp" 2>/dev/null || true
		(cd "$tmp" && apt-get download -q "$BB_PKG=$ver" >/dev/null) ||
			die "apt-get download $BB_PKG=$ver failed"
		deb=$(ls "$tmp"/*.deb)
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		rm -rf "$tmp"
		[ -x "$dir/bin/busybox" ] || die "$deb has no bin/busybox"
	fi
	# ELF e_machine (offset 18) is 0xb7 for AArch64.
	[ "$(od -An -tx1 -j18 -N2 "$dir/bin/busybox" | tr -d ' ')" = b700 ] ||
		die "$dir/bin/busybox is not an arm64 binary"
	echo "$dir/bin/busybox"
}

build_tests() {
	[ -f "$KHDR/linux/iommufd.h" ] ||
		die "no kernel uAPI headers in $KHDR: run scripts/kernel.sh first (or set KHDR)"
	progress initramfs "building guest tests against $KHDR"
	make -s -C "$DS_TOP/tests/guest" O="$OBJ" KHDR="$KHDR" KSRC="$KSRC" \
		CROSS_COMPILE="$CROSS_COMPILE" -j"$(nproc)" >&2 ||
		die "guest test build failed"
}

# The dirtyscope CLI, static for arm64 (src/Makefile ARCH=arm64).
build_cli() {
	progress initramfs "building the dirtyscope CLI for arm64"
	make -s -C "$DS_TOP/src" ARCH=arm64 -j"$(nproc)" >&2 ||
		die "arm64 build of the dirtyscope CLI failed"
}

# perf for the guest: static arm64, built from the guest kernel's own
# tools/perf (the same version as the kernel it profiles), with
# libtraceevent (the tracepoints' fields) and libelf, without the optional
# libraries perf can do without (python, perl, dwarf, ...).  Cached per
# kernel version and flags: $DIRTYSCOPE_CACHE/guest/perf/<key>/perf.
PERF_FLAGS=(NO_LIBPYTHON=1 NO_LIBPERL=1 NO_SLANG=1 NO_GTK2=1 NO_LIBUNWIND=1
	NO_LIBDW=1 NO_LIBAUDIT=1 NO_LIBCRYPTO=1 NO_LIBNUMA=1 NO_LIBCAP=1
	NO_LIBBABELTRACE=1 NO_LIBZSTD=1 NO_LZMA=1 NO_LIBBPF=1 NO_JVMTI=1
	NO_LIBLLVM=1 NO_CAPSTONE=1 NO_LIBDEBUGINFOD=1 NO_SDT=1 NO_AUXTRACE=1
	NO_LIBPFM4=1 BUILD_BPF_SKEL=0 LDFLAGS=-static)
build_perf() {
	local ver key dir start
	ver=$(cat "$DIRTYSCOPE_CACHE/linux/version" 2>/dev/null) ||
		die "no $DIRTYSCOPE_CACHE/linux/version: run scripts/kernel.sh first"
	key=$(printf '%s\n' "$ver" "${PERF_FLAGS[@]}" | sha256sum | cut -c1-12)
	dir=$GUEST/perf/$key
	if [ ! -x "$dir/perf" ]; then
		progress initramfs "building perf $ver for arm64 from $KSRC/tools/perf (cold: ~1 min)"
		start=$(date +%s)
		rm -rf "$dir" "$dir.build"
		mkdir -p "$dir.build"
		# pkg-config finds the arm64 libraries (libtraceevent.pc, libelf.pc)
		if ! make -C "$KSRC/tools/perf" O="$dir.build" ARCH=arm64 \
			CROSS_COMPILE="$CROSS_COMPILE" -j"$(nproc)" \
			PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
			"${PERF_FLAGS[@]}" perf >"$dir.build/build.log" 2>&1; then
			tail -n 30 "$dir.build/build.log" >&2
			die "perf build failed (log: $dir.build/build.log)"
		fi
		grep -qx 'feature-libtraceevent=1' "$dir.build/FEATURE-DUMP" ||
			die "perf was built without libtraceevent (libtraceevent-dev:arm64 missing?)"
		mkdir -p "$dir"
		"${CROSS_COMPILE}strip" -o "$dir/perf" "$dir.build/perf"
		rm -rf "$dir.build"
		progress initramfs "perf built in $(( $(date +%s) - start )) s ($(( $(stat -c %s "$dir/perf") / 1024 )) KiB)"
	fi
	echo "$dir/perf"
}

# Populate a fresh staging root and pack it.
pack() {
	local busybox=$1 perf=$2 root t n
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,tests,etc}
	install -m 0755 "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	install -m 0755 "$DS_TOP/tests/guest/init" "$root/init"
	install -m 0755 "$DS_TOP/build/arm64/dirtyscope" "$root/bin/dirtyscope"
	install -m 0755 "$perf" "$root/bin/perf"
	for t in $(make -s -C "$DS_TOP/tests/guest" list KHDR=unused KSRC=unused); do
		install -D -m 0755 "$OBJ/$t" "$root/tests/$t"
	done
	# The kernel's built-in initramfs has /dev/console too; this is a spare.
	mknod -m 0600 "$root/dev/console" c 5 1 2>/dev/null || true
	mkdir -p "$(dirname "$OUT")"
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible) > "$OUT.tmp"
	mv "$OUT.tmp" "$OUT"
	n=$(find "$root/tests" -type f | wc -l)
	rm -rf "$root"
	progress initramfs "$OUT ($(( $(stat -c %s "$OUT") / 1024 )) KiB, $n test programs)"
}

main() {
	local busybox perf
	command -v "${CROSS_COMPILE}gcc" >/dev/null ||
		die "${CROSS_COMPILE}gcc missing: apt-get install gcc-aarch64-linux-gnu"
	command -v cpio >/dev/null || die "cpio missing: apt-get install cpio"
	busybox=$(fetch_busybox)
	build_tests
	build_cli
	perf=$(build_perf)
	pack "$busybox" "$perf"
	echo "$OUT"
}

main "$@"
