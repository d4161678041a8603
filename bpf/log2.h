/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * log2 bucketing shared by the BPF programs and user space, so that the
 * unit tests exercise the very code the programs run.
 *
 * Slot i holds the values v with floor(log2(v)) == i; slot 0 also holds 0.
 * Slot 0: 0..1, slot 1: 2..3, slot 2: 4..7, ..., slot 63: 2^63..2^64-1.
 */
#ifndef DS_LOG2_H
#define DS_LOG2_H

#define DS_MAX_SLOTS	64

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

static __always_inline __u32 ds_log2_u32(__u32 v)
{
	__u32 r = 0;

	if (v >= (1U << 16)) {
		v >>= 16;
		r += 16;
	}
	if (v >= (1U << 8)) {
		v >>= 8;
		r += 8;
	}
	if (v >= (1U << 4)) {
		v >>= 4;
		r += 4;
	}
	if (v >= (1U << 2)) {
		v >>= 2;
		r += 2;
	}
	if (v >= (1U << 1))
		r += 1;
	return r;
}

/* The slot of a 64-bit value: always in [0, DS_MAX_SLOTS). */
static __always_inline __u32 ds_log2_slot(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return 32 + ds_log2_u32(hi);
	return ds_log2_u32((__u32)v);
}

#endif /* DS_LOG2_H */
