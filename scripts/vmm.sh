#!/usr/bin/env bash
# The VMM that runs inside the guest (L1): Debian's unmodified arm64 QEMU
# from bookworm-backports (built for bookworm's libraries, like the rest of
# the test bed), packed as a cpio archive to append to the guest
# initramfs: /usr/bin/qemu-system-aarch64, the shared libraries it needs
# (found from its ELF NEEDED entries, recursively) and the dynamic loader.
#
#   $DIRTYSCOPE_CACHE/vmm/apt/        a private APT configuration and state
#                                     (arm64, bookworm-backports): the host's
#                                     own packages and sources are never
#                                     touched
#   $DIRTYSCOPE_CACHE/vmm/<version>/  the unpacked packages and vmm.cpio
#
# Usage: scripts/vmm.sh        (prints the cpio path on stdout)
# Environment: DS_VMM_MIRROR (default http://deb.debian.org/debian),
# DS_VMM_SUITE (default bookworm-backports).
set -euo pipefail
. "$(dirname "$0")/common.sh"

MIRROR=${DS_VMM_MIRROR:-http://deb.debian.org/debian}
SUITE=${DS_VMM_SUITE:-bookworm-backports}
PKG=qemu-system-arm
BIN=usr/bin/qemu-system-aarch64
APTDIR=$DIRTYSCOPE_CACHE/vmm/apt

# apt-get/apt-cache with the private configuration
papt() {
	local tool=$1
	shift
	"$tool" -q -o Dir::Etc="$APTDIR/etc" -o Dir::State="$APTDIR/state" \
		-o Dir::State::status="$APTDIR/state/status" \
		-o Dir::Cache="$APTDIR/cache" -o Dir::Etc::Trusted=/etc/apt/trusted.gpg \
		-o Dir::Etc::TrustedParts=/etc/apt/trusted.gpg.d \
		-o APT::Architecture=arm64 -o APT::Architectures=arm64 \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

apt_setup() {
	mkdir -p "$APTDIR"/etc/apt.conf.d "$APTDIR"/etc/preferences.d \
		"$APTDIR"/etc/sources.list.d "$APTDIR"/state/lists/partial \
		"$APTDIR"/cache/archives/partial
	: > "$APTDIR/state/status"
	cat > "$APTDIR/etc/sources.list" <<EOF
deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR bookworm main
deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main
EOF
	# backports are pinned low by Debian; ask for the package from there
	progress vmm "apt-get update (private, arm64: bookworm, $SUITE)"
	papt apt-get update >/dev/null || die "apt-get update of the private arm64 lists failed"
}

# the version of $PKG in $SUITE
candidate() {
	papt apt-cache madison "$PKG" | awk -v s="$SUITE" '$0 ~ s { print $3; exit }'
}

# Every package $PKG=$1 depends on (Depends and Pre-Depends, recursively),
# as name=version from the private lists, $PKG itself first.
closure() {
	local ver=$1
	papt apt-get install -s --no-install-recommends -t "$SUITE" "$PKG=$ver" 2>/dev/null |
		awk '$1 == "Inst" { v = $3; gsub(/[()]/, "", v); print $2 "=" v }'
}

# Copy the binary, its libraries (NEEDED, recursively, from the unpacked
# tree's library directories) and the loader into $2.
collect() {
	local tree=$1 root=$2 f lib todo=() seen=" "
	local dirs=("$tree/lib/aarch64-linux-gnu" "$tree/usr/lib/aarch64-linux-gnu")
	install -D -m 0755 "$tree/$BIN" "$root/$BIN"
	todo=("$tree/$BIN")
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case "$seen" in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			local found=
			for d in "${dirs[@]}"; do
				if [ -e "$d/$lib" ]; then
					found=$(readlink -f "$d/$lib")
					break
				fi
			done
			[ -n "$found" ] || die "$lib (needed by ${f#"$tree"/}) is in no unpacked package"
			install -D -m 0755 "$found" "$root/lib/aarch64-linux-gnu/$lib"
			todo+=("$found")
		done
	done
	install -D -m 0755 "$(readlink -f "$tree/lib/ld-linux-aarch64.so.1")" \
		"$root/lib/ld-linux-aarch64.so.1"
	echo "$seen" | wc -w
}

main() {
	local ver dir tree root nlibs debs p
	command -v readelf >/dev/null || die "readelf missing: apt-get install binutils"
	apt_setup
	ver=$(candidate)
	[ -n "$ver" ] || die "$SUITE serves no $PKG for arm64"
	dir=$DIRTYSCOPE_CACHE/vmm/${ver//:/_}
	if [ ! -s "$dir/vmm.cpio" ]; then
		progress vmm "$PKG $ver (arm64, $SUITE): downloading its dependency closure"
		rm -rf "$dir"
		mkdir -p "$dir/debs" "$dir/tree"
		mapfile -t debs < <(closure "$ver")
		[ ${#debs[@]} -gt 0 ] || die "no dependency closure for $PKG=$ver"
		(cd "$dir/debs" && papt apt-get download "${debs[@]}" >/dev/null) ||
			die "apt-get download of $PKG's closure failed"
		for p in "$dir"/debs/*.deb; do
			dpkg-deb -x "$p" "$dir/tree"
		done
		root=$(mktemp -d)
		nlibs=$(collect "$dir/tree" "$root")
		(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
			cpio --quiet -o -H newc --owner=0:0 --reproducible) > "$dir/vmm.cpio.tmp"
		mv "$dir/vmm.cpio.tmp" "$dir/vmm.cpio"
		echo "$ver" > "$dir/version"
		rm -rf "$root" "$dir/tree" "$dir/debs"
		progress vmm "$dir/vmm.cpio: $PKG $ver, $nlibs libraries ($(( $(stat -c %s "$dir/vmm.cpio") / 1024 )) KiB)"
	fi
	echo "$dir/vmm.cpio"
}

main "$@"
