#!/usr/bin/env bash
# Install the Debian packages the build and the test bed need (bookworm).
# Cheap when everything is present: it only calls apt-get for what is missing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgs=(
	# kernel: source, arm64 cross toolchain, build tools, BTF
	linux-source-6.12 gcc-aarch64-linux-gnu libc6-dev-arm64-cross ccache
	bc bison flex libssl-dev libelf-dev dwarves cpio kmod rsync patch
	xz-utils python3
	# QEMU from Debian's source package (scripts/qemu.sh adds deb-src)
	dpkg-dev ninja-build meson libglib2.0-dev libpixman-1-dev pkg-config
	libfdt-dev zlib1g-dev python3-venv
	# stock QEMU for the negative tests
	qemu-system-arm
	# BPF tools and the CLI
	clang llvm libbpf-dev bpftool libxml2-utils libjson-c-dev
)

# arm64 libraries for the static guest build of the CLI (Debian multiarch)
arm64_pkgs=(libelf-dev:arm64 zlib1g-dev:arm64 libjson-c-dev:arm64)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" = 0 ] || die "need root to add the arm64 architecture"
	progress deps "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	apt-get update -q >/dev/null
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
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
progress deps "all build dependencies present"
