// SPDX-License-Identifier: GPL-2.0
// Entry of the bare-metal L2 payloads: a stack below the load address,
// then l2_main(), which does not return.
	.section .text.start
	.global _start
_start:
	ldr	x0, =0x40080000
	mov	sp, x0
	bl	l2_main
1:	wfi
	b	1b
