// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/pgtable: out-of-line parts of the kernel stand-in (ds_kernel.h):
 * page allocation, bitmap helpers, WARN accounting and kthreads.  The
 * counters are atomic: the KUnit race cases WARN and allocate from
 * several threads.
 */
#define _GNU_SOURCE	/* pthread_setname_np() */
#include <pthread.h>
#include <stdarg.h>
#include "ds_kernel.h"
#include "linux/kthread.h"

unsigned long ds_warn_count;
bool ds_warn_quiet;
unsigned long ds_pages_allocated;

void ds_warn(const char *file, int line, const char *cond)
{
	__atomic_fetch_add(&ds_warn_count, 1, __ATOMIC_RELAXED);
	if (!ds_warn_quiet)
		fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
}

/*
 * Blocks are aligned to their size, with their struct page in the
 * alignment gap before them: an allocation of twice the size (a test
 * harness can afford it).
 */
void *iommu_alloc_pages_node(int nid, gfp_t gfp, int order)
{
	size_t size = PAGE_SIZE << order;
	char *base = aligned_alloc(size, 2 * size), *p;
	struct page *page;

	if (!base)
		return NULL;
	p = base + size;
	/* Descriptors hold output addresses in bits 47:12 */
	if ((uintptr_t)p >> 47) {
		fprintf(stderr, "page above 2^47: %p\n", p);
		abort();
	}
	memset(p, 0, size);
	page = virt_to_page(p);
	page->base = base;
	page->order = order;
	page->lru.next = page->lru.prev = NULL;
	__atomic_fetch_add(&ds_pages_allocated, 1UL << order, __ATOMIC_RELAXED);
	return p;
}

void iommu_free_pages(void *virt, int order)
{
	struct page *page;

	if (!virt)
		return;
	page = virt_to_page(virt);
	if (page->order != order) {
		fprintf(stderr, "iommu_free_pages(%p, %d): allocated with order %d\n",
			virt, order, page->order);
		abort();
	}
	__atomic_fetch_sub(&ds_pages_allocated, 1UL << order, __ATOMIC_RELAXED);
	free(page->base);
}

static pthread_rwlock_t ds_rcu = PTHREAD_RWLOCK_INITIALIZER;

void rcu_read_lock(void)
{
	pthread_rwlock_rdlock(&ds_rcu);
}

void rcu_read_unlock(void)
{
	pthread_rwlock_unlock(&ds_rcu);
}

void synchronize_rcu(void)
{
	pthread_rwlock_wrlock(&ds_rcu);
	pthread_rwlock_unlock(&ds_rcu);
}

unsigned long ds_find_next_bit(const unsigned long *addr, unsigned long size,
			       unsigned long offset, bool zero)
{
	while (offset < size) {
		unsigned long w = addr[BIT_WORD(offset)];

		if (zero)
			w = ~w;
		w &= ~0UL << (offset % BITS_PER_LONG);
		if (w) {
			offset = ALIGN_DOWN(offset, BITS_PER_LONG) + __ffs(w);
			return min(offset, size);
		}
		offset = ALIGN_DOWN(offset, BITS_PER_LONG) + BITS_PER_LONG;
	}
	return size;
}

static void bitmap_op(unsigned long *map, unsigned int start,
		      unsigned int nbits, bool set)
{
	unsigned int end = start + nbits;

	while (start < end) {
		unsigned int n = min(end - start,
				     BITS_PER_LONG - start % BITS_PER_LONG);
		unsigned long mask = (n == BITS_PER_LONG ? ~0UL : (BIT(n) - 1)) <<
				     (start % BITS_PER_LONG);

		if (set)
			map[BIT_WORD(start)] |= mask;
		else
			map[BIT_WORD(start)] &= ~mask;
		start += n;
	}
}

void bitmap_set(unsigned long *map, unsigned int start, unsigned int nbits)
{
	bitmap_op(map, start, nbits, true);
}

void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits)
{
	bitmap_op(map, start, nbits, false);
}

/* kthread_run(): a detached thread that owns its task_struct */
struct task_struct {
	int (*fn)(void *data);
	void *data;
	char comm[16];		/* TASK_COMM_LEN */
};

static unsigned int ds_kthreads;

static void *ds_kthread_fn(void *arg)
{
	struct task_struct *task = arg;

	pthread_setname_np(pthread_self(), task->comm);
	task->fn(task->data);
	free(task);
	__atomic_fetch_sub(&ds_kthreads, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct task_struct *ds_kthread_run(int (*fn)(void *data), void *data,
				   const char *namefmt, ...)
{
	struct task_struct *task = calloc(1, sizeof(*task));
	pthread_attr_t attr;
	pthread_t thread;
	va_list ap;
	int err;

	if (!task)
		return ERR_PTR(-ENOMEM);
	task->fn = fn;
	task->data = data;
	va_start(ap, namefmt);
	vsnprintf(task->comm, sizeof(task->comm), namefmt, ap);
	va_end(ap);
	__atomic_fetch_add(&ds_kthreads, 1, __ATOMIC_RELAXED);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&thread, &attr, ds_kthread_fn, task);
	pthread_attr_destroy(&attr);
	if (err) {
		__atomic_fetch_sub(&ds_kthreads, 1, __ATOMIC_RELAXED);
		free(task);
		return ERR_PTR(-err);
	}
	return task;
}

unsigned int ds_kthreads_running(void)
{
	return __atomic_load_n(&ds_kthreads, __ATOMIC_ACQUIRE);
}

bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rwork)
{
	synchronize_rcu();
	rwork->work.func(&rwork->work);
	return true;
}
