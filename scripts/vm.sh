#!/usr/bin/env bash
# Boot the dirtyscope arm64 guest under QEMU (virt, GICv3, SMMUv3, edu),
# run the guest tests, keep the whole serial log and judge it with
# scripts/check-log.py.  Exit status: check-log's (0 = all passed), or 1 on
# a timeout or a QEMU failure.
#
# Usage: scripts/vm.sh [options]
#   --qemu PATH|patched|stock  QEMU binary (default: patched from
#                          scripts/qemu.sh if it works, else Debian's)
#   --httu on|off|auto     emulate SMMUv3 HTTU dirty tracking (default auto:
#                          on when the QEMU has arm-smmuv3.x-httu)
#   --strict-ttl on|off|auto  a TLBI by address whose TTL hint names another
#                          level leaves the SMMU IOTLB entry, as hardware
#                          may (default auto: on when the QEMU has
#                          arm-smmuv3.x-strict-ttl)
#   --tests LIST           guest tests separated by commas, spaces or
#                          newlines, "auto" (default: by --httu) or "none"
#   --run NAME             ds.run=NAME after the tests (shell: interactive)
#   --timeout SECONDS      hard limit for the whole VM run (default 900)
#   --log FILE             serial log (default $DIRTYSCOPE_CACHE/logs/...)
#   --cpu MODEL            QEMU -cpu (default max,pauth-impdef=on)
#   --mem SIZE             guest memory (default 1G)
#   --smp N                guest CPUs (default 1)
#   --dma-delay-ns N       edu DMA completion delay (patched QEMU only;
#                          default 100000)
#   --edu N                number of edu devices (default 1)
#   --httu-update-delay-us N  QEMU sleeps N us between reading a descriptor
#                          and its hardware update (arm-smmuv3.
#                          x-httu-update-delay-us), widening the window in
#                          which a vCPU may change it (httu_update_race)
#   --dma-size N           bytes per edu DMA in the tests (default: 4096 on
#                          the patched QEMU, 256 on stock)
#   --append ARGS          extra kernel command line
#   --kernel IMAGE         default: the scripts/kernel.sh build
#   --initrd CPIO          default: built now by scripts/initramfs.sh
#   --initrd-append CPIO   append this cpio archive to the initramfs (the
#                          VMM of scripts/vmm.sh)
#   --edu-dma-log          edu keeps a log of its DMA writes (x-dma-log=on,
#                          patched QEMU only): edu-vfio-pci then offers VFIO
#                          DMA logging
#   --vmm                  the real-VMM boot: append scripts/vmm.sh's QEMU
#                          and widen edu's DMA mask from its own 28 bits to
#                          40 (the L2 that QEMU runs has its RAM at 1 GiB)
#   --verbose              echo the whole serial log (to stderr)
#   --no-check             do not run check-log.py
set -euo pipefail
. "$(dirname "$0")/common.sh"

QEMU_ARG=
HTTU=auto
STRICT_TTL=auto
TESTS=auto
RUN=
TIMEOUT=900
LOG=
CPU="max,pauth-impdef=on"
MEM=1G
SMP=1
DMA_DELAY_NS=100000
DMA_SIZE=
NEDU=1
HTTU_UPDATE_DELAY_US=0
APPEND=
KERNEL=$DIRTYSCOPE_CACHE/linux/build/arch/arm64/boot/Image
INITRD=
INITRD_APPEND=
VMM=0
EDU_DMA_LOG=0
VERBOSE=0
CHECK=1

usage() {
	sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--qemu) QEMU_ARG=$2; shift ;;
		--httu) HTTU=$2; shift ;;
		--strict-ttl) STRICT_TTL=$2; shift ;;
		--tests) TESTS=$2; shift ;;
		--run) RUN=$2; shift ;;
		--timeout) TIMEOUT=$2; shift ;;
		--log) LOG=$2; shift ;;
		--cpu) CPU=$2; shift ;;
		--mem) MEM=$2; shift ;;
		--smp) SMP=$2; shift ;;
		--dma-delay-ns) DMA_DELAY_NS=$2; shift ;;
		--httu-update-delay-us) HTTU_UPDATE_DELAY_US=$2; shift ;;
		--dma-size) DMA_SIZE=$2; shift ;;
		--edu) NEDU=$2; shift ;;
		--append) APPEND=$2; shift ;;
		--kernel) KERNEL=$2; shift ;;
		--initrd) INITRD=$2; shift ;;
		--initrd-append) INITRD_APPEND=$2; shift ;;
		--vmm) VMM=1 ;;
		--edu-dma-log) EDU_DMA_LOG=1 ;;
		--verbose) VERBOSE=1 ;;
		--no-check) CHECK=0 ;;
		-h|--help) usage ;;
		*) echo "vm.sh: unknown option $1" >&2; usage ;;
		esac
		shift
	done
	case "$HTTU" in on|off|auto) ;; *) die "--httu takes on, off or auto" ;; esac
	case "$STRICT_TTL" in on|off|auto) ;; *) die "--strict-ttl takes on, off or auto" ;; esac
	# A list may come from a file: one name per line or word, # comments.
	TESTS=$(printf '%s\n' "$TESTS" | sed 's/#.*//' | tr -s ' \t\n,' ',' |
		sed 's/^,//; s/,$//')
	# An empty list (a suite file emptied or missing) is an error: "none"
	# says on purpose that only KUnit and the log checks run.
	[ -n "$TESTS" ] || die "--tests: the list is empty (say 'none' to run no guest test)"
	[[ "$RUN" =~ ^[A-Za-z0-9_./-]*$ ]] || die "--run takes one word"
	[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout takes seconds"
	[[ "$SMP" =~ ^[1-9][0-9]?$ ]] || die "--smp takes a number of CPUs (1-99)"
	[[ "$NEDU" =~ ^[1-9]$ ]] || die "--edu takes a number of devices (1-9)"
	[[ "$DMA_DELAY_NS" =~ ^[0-9]+$ ]] || die "--dma-delay-ns takes nanoseconds"
	[[ -z "$HTTU_UPDATE_DELAY_US" || "$HTTU_UPDATE_DELAY_US" =~ ^[0-9]+$ ]] ||
		die "--httu-update-delay-us takes microseconds"
	[[ -z "$DMA_SIZE" || "$DMA_SIZE" =~ ^[1-9][0-9]*$ ]] ||
		die "--dma-size takes bytes"
}

stock_qemu() {
	command -v qemu-system-aarch64 ||
		die "qemu-system-aarch64 missing: apt-get install qemu-system-arm"
}

# The patched QEMU comes from scripts/qemu.sh (which may build it).
patched_qemu() {
	local q
	[ -f "$DS_TOP/scripts/qemu.sh" ] || return 1
	q=$(bash "$DS_TOP/scripts/qemu.sh" | tail -n 1) || return 1
	[ -x "$q" ] || return 1
	echo "$q"
}

resolve_qemu() {
	case "$QEMU_ARG" in
	stock) QEMU=$(stock_qemu) ;;
	patched) QEMU=$(patched_qemu) || die "scripts/qemu.sh gave no QEMU" ;;
	"")
		if ! QEMU=$(patched_qemu); then
			QEMU=$(stock_qemu)
			progress vm "no patched QEMU (scripts/qemu.sh): using $QEMU"
		fi
		;;
	*) QEMU=$QEMU_ARG ;;
	esac
	[ -x "$QEMU" ] || die "QEMU $QEMU is not executable"
}

# has_prop DEVICE PROPERTY: does this QEMU know -device DEVICE,PROPERTY=?
has_prop() {
	"$QEMU" -M virt -device "$1,help" 2>/dev/null | grep -q "^  $2="
}

resolve_features() {
	local have_httu=0
	has_prop arm-smmuv3 x-httu && have_httu=1
	if [ "$HTTU" = auto ]; then
		HTTU=off
		[ "$have_httu" = 1 ] && HTTU=on
	fi
	if [ "$HTTU" = on ] && [ "$have_httu" = 0 ]; then
		die "--httu on: $QEMU has no arm-smmuv3.x-httu (use scripts/qemu.sh's QEMU)"
	fi
	if [ "$STRICT_TTL" = auto ]; then
		STRICT_TTL=off
		has_prop arm-smmuv3 x-strict-ttl && STRICT_TTL=on
	elif [ "$STRICT_TTL" = on ] && ! has_prop arm-smmuv3 x-strict-ttl; then
		die "--strict-ttl on: $QEMU has no arm-smmuv3.x-strict-ttl (use scripts/qemu.sh's QEMU)"
	fi
	if [ "$HTTU_UPDATE_DELAY_US" != 0 ] &&
		! has_prop arm-smmuv3 x-httu-update-delay-us; then
		die "--httu-update-delay-us: $QEMU has no arm-smmuv3.x-httu-update-delay-us (use scripts/qemu.sh's QEMU)"
	fi
	EDU=edu
	if has_prop edu dma-delay-ns; then
		EDU="edu,dma-delay-ns=$DMA_DELAY_NS"
		DMA_SIZE=${DMA_SIZE:-4096}
	fi
	# the DMA buffer in MMIO, for the migration tests' variant driver
	has_prop edu x-buf-window && EDU+=",x-buf-window=on"
	[ "$VMM" = 1 ] && EDU+=",dma_mask=0xffffffffff"
	if [ "$EDU_DMA_LOG" = 1 ]; then
		has_prop edu x-dma-log ||
			die "--edu-dma-log: $QEMU has no edu.x-dma-log (use scripts/qemu.sh's QEMU)"
		EDU+=",x-dma-log=on"
	fi

	DMA_SIZE=${DMA_SIZE:-256}
}

prepare_files() {
	[ -f "$KERNEL" ] || die "no kernel $KERNEL: run scripts/kernel.sh"
	if [ -z "$INITRD" ]; then
		INITRD=$(bash "$DS_TOP/scripts/initramfs.sh")
	fi
	[ -f "$INITRD" ] || die "no initramfs $INITRD"
	if [ -z "$LOG" ]; then
		mkdir -p "$DIRTYSCOPE_CACHE/logs"
		LOG=$DIRTYSCOPE_CACHE/logs/vm-$(date -u +%Y%m%dT%H%M%S)-httu-$HTTU.log
	fi
	mkdir -p "$(dirname "$LOG")"
	if [ "$VMM" = 1 ] && [ -z "$INITRD_APPEND" ]; then
		INITRD_APPEND=$(bash "$DS_TOP/scripts/vmm.sh") ||
			die "--vmm: scripts/vmm.sh failed"
	fi
	if [ -n "$INITRD_APPEND" ]; then
		[ -f "$INITRD_APPEND" ] || die "no cpio archive $INITRD_APPEND"
		# the kernel unpacks concatenated newc archives one after another
		APPENDED_INITRD=$(mktemp "${TMPDIR:-/tmp}/ds-initrd.XXXXXX")
		trap 'rm -f "$APPENDED_INITRD"' EXIT
		cat "$INITRD" "$INITRD_APPEND" > "$APPENDED_INITRD"
		INITRD=$APPENDED_INITRD
	fi
}

qemu_cmd() {
	local append="console=ttyAMA0 panic=-1 ds.tests=$TESTS ds.httu=$HTTU"
	append+=" ds.dma_size=$DMA_SIZE"
	[ -n "$RUN" ] && append+=" ds.run=$RUN"
	[ "$HTTU_UPDATE_DELAY_US" != 0 ] &&
		append+=" ds.httu_update_delay_us=$HTTU_UPDATE_DELAY_US"
	[ -n "$APPEND" ] && append+=" $APPEND"
	QEMU_CMD=("$QEMU" -M virt,gic-version=3,iommu=smmuv3 -cpu "$CPU"
		-smp "$SMP" -m "$MEM" -nic none -nographic -no-reboot
		-kernel "$KERNEL" -initrd "$INITRD" -append "$append")
	local i
	for ((i = 0; i < NEDU; i++)); do
		QEMU_CMD+=(-device "$EDU")
	done
	if [ "$HTTU" = on ]; then
		QEMU_CMD+=(-global arm-smmuv3.x-httu=on)
	fi
	if [ "$STRICT_TTL" = on ]; then
		QEMU_CMD+=(-global arm-smmuv3.x-strict-ttl=on)
	fi
	if [ "$HTTU_UPDATE_DELAY_US" != 0 ]; then
		QEMU_CMD+=(-global "arm-smmuv3.x-httu-update-delay-us=$HTTU_UPDATE_DELAY_US")
	fi
}

# Run QEMU under a hard time limit; the serial log goes to $LOG, progress
# lines (or everything with --verbose) to stderr.
run_vm() {
	local t0 rc filter='^dirtyscope: |Kernel panic|not ok '
	[ "$VERBOSE" = 1 ] && filter=''
	progress vm "$(basename "$QEMU") httu=$HTTU tests=$TESTS cpu=$CPU, log $LOG"
	printf '%q ' "${QEMU_CMD[@]}" > "$LOG.cmd"
	t0=$(date +%s%N)
	set +e
	if [ "$RUN" = shell ]; then
		timeout -k 10 "$TIMEOUT" "${QEMU_CMD[@]}" 2>&1 | tee "$LOG"
		rc=${PIPESTATUS[0]}
	else
		timeout -k 10 "$TIMEOUT" "${QEMU_CMD[@]}" < /dev/null 2>&1 |
			tee "$LOG" | { grep -a --line-buffered -E "$filter" >&2 || true; }
		rc=${PIPESTATUS[0]}
	fi
	set -e
	WALL=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "vm.sh: TIMEOUT: VM killed after ${TIMEOUT}s" >> "$LOG"
		progress vm "FAILED: TIMEOUT after ${TIMEOUT}s, VM killed (log $LOG)"
		return 1
	fi
	if [ "$rc" != 0 ]; then
		echo "vm.sh: QEMU exited with status $rc" >> "$LOG"
		progress vm "FAILED: QEMU exited with status $rc (log $LOG)"
		return 1
	fi
	return 0
}

report_times() {
	local up
	up=$(sed -n 's/^dirtyscope: userspace up at \([0-9]*\)ms.*/\1/p' "$LOG" | head -n 1)
	[ -n "$up" ] && up=$(awk -v u="$up" 'BEGIN { printf "%.2fs", u / 1000 }')
	progress vm "wall time ${WALL}s; boot to userspace ${up:-unknown} (guest clock)"
}

main() {
	local vm_rc=0 rc=0
	parse_args "$@"
	resolve_qemu
	resolve_features
	prepare_files
	qemu_cmd
	run_vm || vm_rc=1
	report_times
	if [ "$CHECK" = 1 ]; then
		python3 "$DS_TOP/scripts/check-log.py" "$LOG" \
			--require-kunit arm-smmu-v3-kunit-test \
			--require-kunit io-pgtable-arm-dirty \
			--require-banner kasan --require-banner lockdep \
			--require-lpae-selftest || rc=$?
	fi
	[ "$vm_rc" = 0 ] || rc=1
	progress vm "$([ "$rc" = 0 ] && echo PASSED || echo FAILED) (log $LOG)"
	return "$rc"
}

main "$@"
