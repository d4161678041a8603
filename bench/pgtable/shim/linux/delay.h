/* SPDX-License-Identifier: GPL-2.0-only */
/* bench/pgtable stand-in for <linux/delay.h>: sleeps of the host */
#ifndef DS_LINUX_DELAY_H
#define DS_LINUX_DELAY_H

#include <time.h>
#include "../ds_kernel.h"

static inline void ds_sleep_ns(u64 ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000,
			       .tv_nsec = ns % 1000000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline void msleep(unsigned int msecs)
{
	ds_sleep_ns((u64)msecs * 1000000);
}

static inline void usleep_range(unsigned long min, unsigned long max)
{
	ds_sleep_ns((u64)min * 1000);
}

#endif
