# dirtyscope: hardware DMA dirty-page tracking for VFIO live migration on
# ARM SMMUv3, and the tools that observe and tune it.  docs/design.md has
# the architecture; this file names every part and how they fit:
#
#   kernel-patches/   the Linux series (against Debian linux-source-6.12)
#   tests/guest/      guest kernel config, guest library + tests, /init
#   tests/qemu/       QEMU patches (SMMUv3 HTTU emulation, edu fixes) + qtests
#   bpf/ src/         BPF programs and the dirtyscope CLI
#   tests/host/       host-side unit tests
#   bench/            io-pgtable benchmark + fuzzer, BPF overhead benchmark
#   scripts/          build + test-bed drivers (all caches in $DIRTYSCOPE_CACHE)
#
#   make demo    build everything, boot the test bed, run a DMA workload
#   make check   all tests; the last line is "N passed, N failed"
#   make bench   native scan/clear/split/merge benchmark (docs/perf.md)
#   make bench-policy   clear policies migrating in the guest (docs/perf.md)
#   make bench-vmm      real QEMU migrations in the guest (docs/perf.md)
#   make bench-trackers device DMA log and IOMMU, call by call (docs/perf.md)

SHELL := /bin/bash
export DIRTYSCOPE_CACHE ?= $(HOME)/.cache/dirtyscope

.PHONY: all deps kernel qemu guest cli demo check bench bench-policy bench-vmm bench-trackers clean help

all: kernel qemu guest cli

help:
	@sed -n '1,/^$$/p' Makefile

deps:
	@scripts/deps.sh

# The patched arm64 guest kernel (Image, vmlinux, uAPI headers).
kernel: deps
	@scripts/kernel.sh

# QEMU 7.2 from Debian's source package + tests/qemu/patches.
qemu: deps
	@scripts/qemu.sh >/dev/null

# initramfs: busybox, the static guest test programs, /init.
guest: kernel
	@scripts/initramfs.sh

# The dirtyscope CLI and its BPF programs for this host.
cli: deps
	@$(MAKE) -s -C src

demo: kernel qemu guest
	@scripts/demo.sh

check: deps
	@scripts/check.sh

# Native benchmark of the io-pgtable dirty operations (docs/perf.md).
bench: kernel
	@$(MAKE) -s -C bench/pgtable bench

# The reference pre-copy loop under every clear policy, in the guest.
bench-policy: kernel qemu guest
	@bench/policy/run.sh

# Debian's QEMU in the guest migrating an L2 with an assigned edu.
bench-vmm: kernel qemu guest
	@bench/vmm/run.sh

# The device's DMA log and the SMMU's dirty bits read in the same loop.
bench-trackers: kernel qemu guest
	@bench/trackers/run.sh

clean:
	rm -rf build
	@$(MAKE) -s -C src clean
