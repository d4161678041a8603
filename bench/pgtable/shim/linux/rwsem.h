/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable stand-in for <linux/rwsem.h>: a read-write semaphore is a
 * POSIX rwlock, so that the KUnit race cases really exclude each other
 * across threads.  Like the kernel's rwsem (and unlike glibc's default
 * rwlock) a waiting writer holds back new readers, so a looping reader
 * cannot starve split/merge; a reader that takes it twice can deadlock,
 * as lockdep would report in the kernel.
 */
#ifndef DS_LINUX_RWSEM_H
#define DS_LINUX_RWSEM_H

#include <pthread.h>
#include "../ds_kernel.h"

struct rw_semaphore {
	pthread_rwlock_t lock;
};

static inline void ds_rwsem_check(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "BUG: %s: %s\n", what, strerror(err));
		abort();
	}
}

static inline void init_rwsem(struct rw_semaphore *sem)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ds_rwsem_check(pthread_rwlock_init(&sem->lock, &attr), "init_rwsem");
	pthread_rwlockattr_destroy(&attr);
}

static inline void down_read(struct rw_semaphore *sem)
{
	ds_rwsem_check(pthread_rwlock_rdlock(&sem->lock), "down_read");
}

static inline void up_read(struct rw_semaphore *sem)
{
	ds_rwsem_check(pthread_rwlock_unlock(&sem->lock), "up_read");
}

static inline void down_write(struct rw_semaphore *sem)
{
	ds_rwsem_check(pthread_rwlock_wrlock(&sem->lock), "down_write");
}

static inline void up_write(struct rw_semaphore *sem)
{
	ds_rwsem_check(pthread_rwlock_unlock(&sem->lock), "up_write");
}

#endif
