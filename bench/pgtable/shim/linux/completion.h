/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable stand-in for <linux/completion.h>: a counter under a
 * mutex with a condition variable.  complete() signals with the mutex
 * held, so the waiter cannot return (and free the completion) before the
 * completer has let go of it, as with the kernel's spinlock.
 */
#ifndef DS_LINUX_COMPLETION_H
#define DS_LINUX_COMPLETION_H

#include <pthread.h>
#include "../ds_kernel.h"

struct completion {
	pthread_mutex_t lock;
	pthread_cond_t wait;
	unsigned int done;
};

static inline void init_completion(struct completion *x)
{
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->wait, NULL);
	x->done = 0;
}

static inline void complete(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	if (x->done != UINT_MAX)
		x->done++;
	pthread_cond_signal(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

static inline void complete_all(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	x->done = UINT_MAX;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

static inline void wait_for_completion(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	while (!x->done)
		pthread_cond_wait(&x->wait, &x->lock);
	if (x->done != UINT_MAX)
		x->done--;
	pthread_mutex_unlock(&x->lock);
}

#endif
