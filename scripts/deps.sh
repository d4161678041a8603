#!/usr/bin/env bash
# Install the Debian packages the build and the test bed need (bookworm).
# Cheap when everything is present: it only calls apt-get for what is missing.
set -euo pipefail
. "$(dirname "$0")/common.sh"
# a command that fails stops the script: say which, never silently
trap 'echo "deps: FAILED at scripts/deps.sh line $LINENO: $BASH_COMMAND" >&2' ERR

pkgs=(
	# kernel: arm64 cross toolchain, build tools, BTF (the source, of a
	# pinned version, is installed below)
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross ccache
	bc bison flex libssl-dev libelf-dev dwarves cpio kmod rsync patch
	xz-utils python3
	# QEMU from Debian's source package (scripts/qemu.sh adds deb-src)
	dpkg-dev ninja-build meson libglib2.0-dev libpixman-1-dev pkg-config
	libfdt-dev zlib1g-dev python3-venv
	# stock QEMU for the negative tests
	qemu-system-arm
	# BPF tools and the CLI
	clang llvm libbpf-dev bpftool libxml2-utils libjson-c-dev
	# the CLI's --prom checks: promtool, the OpenMetrics parser
	prometheus python3-prometheus-client
	# tracefs lookup (libtracefs)
	libtracefs-dev libtraceevent-dev
)

# apt-get waits for another package manager (an unattended upgrade, say)
# instead of failing at once on the dpkg lock
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }

# arm64 libraries for the static guest build of the CLI (Debian multiarch)
arm64_pkgs=(libelf-dev:arm64 zlib1g-dev:arm64 libjson-c-dev:arm64
	libtracefs-dev:arm64 libtraceevent-dev:arm64)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" = 0 ] || die "need root to add the arm64 architecture"
	progress deps "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	apt_get update -q >/dev/null
fi
pkgs+=("${arm64_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
	progress deps "apt-get install ${missing[*]}"
	apt_get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt_get install -y -q --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# linux-source-6.12: exactly the version the series is recorded against
# (kernel-patches/BASE) while the archive serves it, downgrading if needed;
# otherwise the newest served, on which the series may need a rebase
# (scripts/series-rebase.sh).  Loud either way.
PKG=linux-source-6.12
base=$(cat "$DS_TOP/kernel-patches/BASE")
served() { apt-cache madison "$PKG" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}'; }
# (dpkg-query fails for a package this machine never had: not installed)
installed=$({ dpkg-query -W -f='${Status} ${Version}' "$PKG" 2>/dev/null || true; } |
	sed -n 's/^install ok installed //p')
if [ "$installed" != "$base" ] && [ -z "$(served)" ]; then
	apt_get update -q >/dev/null || true
fi
if served | grep -qxF "$base"; then
	want=$base
	why="kernel-patches/BASE"
else
	want=$(served | sort -rV | head -n 1)
	why="NOT kernel-patches/BASE ($base), which the archive no longer serves: the newest served"
	if [ -z "$want" ]; then
		[ -n "$installed" ] || die "no $PKG served (apt-get update?) and none installed"
		want=$installed
		why="NOT kernel-patches/BASE ($base): the installed one, the archive serves none"
	fi
fi
if [ "$installed" != "$want" ]; then
	[ "$(id -u)" = 0 ] || die "need root to install $PKG=$want"
	progress deps "apt-get install $PKG=$want${installed:+ (was $installed)}"
	DEBIAN_FRONTEND=noninteractive apt_get install -y -q --no-install-recommends \
		--allow-downgrades "$PKG=$want" >/dev/null
fi
progress deps "$PKG $want: $why"
progress deps "all build dependencies present"
