// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest L2 guest: a bare-metal arm64 payload for QEMU's virt
 * machine, run by the guest's own QEMU (tests/guest/vmm_boot.sh). It
 * writes one line to the PL011 UART at 0x09000000 and switches the
 * machine off with PSCI SYSTEM_OFF (HVC: virt's conduit without EL2/EL3),
 * so QEMU exits.
 */
	.section .text
	.global _start
_start:
	ldr	x0, =0x09000000		// PL011 data register
	adr	x1, msg
1:	ldrb	w2, [x1], #1
	cbz	w2, 2f
	str	w2, [x0]
	b	1b
2:	ldr	x0, =0x84000008		// PSCI 0.2 SYSTEM_OFF
	hvc	#0
3:	wfi
	b	3b

	.section .rodata
msg:	.asciz	"dirtyscope L2: hello from the nested guest\n"
