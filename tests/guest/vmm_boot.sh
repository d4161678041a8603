#!/bin/sh
# The VMM of the real-migration work: Debian's unmodified arm64 QEMU
# (bookworm-backports, scripts/vmm.sh; its cpio is appended to this boot's
# initramfs) runs inside this guest, has the VFIO pieces a migration with
# an assigned device needs (vfio-pci, the iommufd backend), and boots an
# L2 under TCG: the bare-metal payload l2hello prints a line and switches
# its machine off, so QEMU exits.  Prints how long each step took.
# TAP output; run by /init as /tests/vmm_boot.

. /tests/lib/tap

Q=/usr/bin/qemu-system-aarch64
# centiseconds of uptime
now() { sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1\2/' /proc/uptime; }

echo "KTAP version 1"
echo "1..5"

[ -x $Q ]
ok $? "$Q is in the guest (scripts/vmm.sh's cpio)"

t0=$(now)
v=$($Q --version 2>&1 | head -n 1)
t1=$(now)
echo "$v" | grep -q '^QEMU emulator version [0-9]'
ok $? "it runs: $v ($((t1 - t0)) cs)"

$Q -M virt -device help > /tmp/vmm-dev.txt 2>&1
grep -q '^name "vfio-pci", bus PCI' /tmp/vmm-dev.txt
ok $? "it has the vfio-pci device"

$Q -object help > /tmp/vmm-obj.txt 2>&1
grep -q '^ *iommufd$' /tmp/vmm-obj.txt
ok $? "it has the iommufd backend (-object iommufd)"

t0=$(now)
timeout 120 $Q -M virt -cpu cortex-a57 -m 64 -nodefaults -display none \
	-serial stdio -kernel /tests/l2hello.elf > /tmp/vmm-l2.txt 2>&1
rc=$?
t1=$(now)
grep -q '^dirtyscope L2: hello from the nested guest' /tmp/vmm-l2.txt && [ $rc = 0 ]
ok $? "it boots an L2 (nested TCG) that prints and powers off: exit $rc in $((t1 - t0)) cs"
[ $rc = 0 ] || sed 's/^/# /' /tmp/vmm-l2.txt | head -n 20

exit $failed
