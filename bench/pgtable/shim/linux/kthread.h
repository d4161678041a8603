/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable stand-in for <linux/kthread.h> (and cond_resched() of
 * <linux/sched.h>): kthread_run() starts a detached POSIX thread named
 * after the format, which runs the function and exits; the task_struct
 * it returns is only good for IS_ERR(), as nothing here holds a reference
 * to it.  ds_kthreads_running() lets the KUnit runner check that no
 * thread outlives the case that started it.
 */
#ifndef DS_LINUX_KTHREAD_H
#define DS_LINUX_KTHREAD_H

#include <sched.h>
#include "../ds_kernel.h"

struct task_struct;

struct task_struct *ds_kthread_run(int (*fn)(void *data), void *data,
				   const char *namefmt, ...)
	__attribute__((format(printf, 3, 4)));
#define kthread_run(fn, data, namefmt, ...) \
	ds_kthread_run(fn, data, namefmt, ##__VA_ARGS__)
unsigned int ds_kthreads_running(void);


#endif
