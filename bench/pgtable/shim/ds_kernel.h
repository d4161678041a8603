/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirtyscope bench/pgtable: the thin user-space stand-in for the kernel
 * headers that drivers/iommu/io-pgtable-arm.c needs, so that the file can
 * be compiled and timed on the build host.
 *
 * Rules of the stand-in:
 *  - page-table pages come from aligned malloc, virt_to_phys() is identity;
 *  - the walk is coherent: every dma_* call is a no-op;
 *  - atomics are GCC builtins with the kernel's ordering (relaxed bit ops,
 *    relaxed cmpxchg), so the compiled loops do the same memory operations
 *    as the kernel's;
 *  - WARN() counts (and prints unless ds_warn_quiet is set).
 */
#ifndef DS_KERNEL_H
#define DS_KERNEL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>

#define __user
#define BITS_PER_TYPE(t)	(sizeof(t) * 8)
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define ___is_defined(val)	____is_defined(__ARG_PLACEHOLDER_##val)
#define IS_ENABLED(option)	___is_defined(option)
#define ERR_PTR(e)		((void *)(long)(e))
#define PTR_ERR(p)		((long)(p))
#define IS_ERR(p)		((unsigned long)(p) >= (unsigned long)-4095)

/* Headers the stand-in replaces wholesale (their include guards) */
#define __IOMMU_PAGES_H

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
typedef unsigned int gfp_t;

#define __init
#define __initdata
#define __initconst
#undef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#define __maybe_unused	__attribute__((__unused__))
#define __must_check
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define EXPORT_SYMBOL_NS_GPL(x, ns)
#define subsys_initcall(fn)
#define module_init(fn)

#define BITS_PER_LONG		64
#define BITS_PER_BYTE		8
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK(h, l)		((~0UL << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT_WORD(n)		((n) / BITS_PER_LONG)
#define BIT_MASK(n)		(1UL << ((n) % BITS_PER_LONG))

#define SZ_1K	0x00000400
#define SZ_4K	0x00001000
#define SZ_8K	0x00002000
#define SZ_16K	0x00004000
#define SZ_64K	0x00010000
#define SZ_1M	0x00100000
#define SZ_2M	0x00200000
#define SZ_4M	0x00400000
#define SZ_8M	0x00800000
#define SZ_32M	0x02000000
#define SZ_256M	0x10000000
#define SZ_512M	0x20000000
#define SZ_1G	0x40000000
#define SZ_2G	0x80000000ULL
#define SZ_4G	0x100000000ULL

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define min(a, b)	({ __auto_type _a = (a); __auto_type _b = (b); _a < _b ? _a : _b; })
#define max(a, b)	({ __auto_type _a = (a); __auto_type _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b)	({ t _a = (a); t _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b)	({ t _a = (a); t _b = (b); _a > _b ? _a : _b; })
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define ALIGN(x, a)		(((x) + ((a) - 1)) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define DIV_ROUND_UP_ULL(n, d)	DIV_ROUND_UP((u64)(n), (u64)(d))
#define round_up(x, y)		((((x) - 1) | ((typeof(x))(y) - 1)) + 1)

static inline int ilog2_u64(u64 v) { return 63 - __builtin_clzll(v); }
#define ilog2(n)	(__builtin_constant_p(n) ? \
			 (int)(63 - __builtin_clzll((u64)(n))) : ilog2_u64(n))
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline unsigned long __fls(unsigned long w) { return 63 - __builtin_clzl(w); }
static inline unsigned long ffz(unsigned long w) { return __builtin_ctzl(~w); }
static inline unsigned long __ffs64(u64 w) { return __builtin_ctzll(w); }
static inline int fls64(u64 w) { return w ? 64 - __builtin_clzll(w) : 0; }
static inline unsigned int hweight64(u64 w) { return __builtin_popcountll(w); }
static inline int get_order(unsigned long size)
{
	return size <= PAGE_SIZE ? 0 : ilog2_u64((size - 1) >> PAGE_SHIFT) + 1;
}

/* Once-accesses and barriers */
#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#define barrier()		__asm__ __volatile__("" ::: "memory")
#define dma_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define dma_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb()			__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

#define cmpxchg64_relaxed(ptr, old, new) ({				\
	__typeof__(*(ptr)) _old = (old);				\
	__atomic_compare_exchange_n((ptr), &_old, (new), false,	\
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED); \
	_old;								\
})
#define cmpxchg_relaxed cmpxchg64_relaxed
#define xchg_relaxed(ptr, new) \
	__atomic_exchange_n((ptr), (new), __ATOMIC_RELAXED)

/* Bit operations: atomic ones are relaxed RMWs, as in the kernel */
static inline void set_bit(long nr, volatile unsigned long *addr)
{
	__atomic_fetch_or((unsigned long *)addr + BIT_WORD(nr), BIT_MASK(nr),
			  __ATOMIC_RELAXED);
}
static inline void clear_bit(long nr, volatile unsigned long *addr)
{
	__atomic_fetch_and((unsigned long *)addr + BIT_WORD(nr), ~BIT_MASK(nr),
			   __ATOMIC_RELAXED);
}
static inline void __set_bit(long nr, volatile unsigned long *addr)
{
	((unsigned long *)addr)[BIT_WORD(nr)] |= BIT_MASK(nr);
}
static inline void __clear_bit(long nr, volatile unsigned long *addr)
{
	((unsigned long *)addr)[BIT_WORD(nr)] &= ~BIT_MASK(nr);
}
static inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	return (((const unsigned long *)addr)[BIT_WORD(nr)] >> (nr % BITS_PER_LONG)) & 1;
}

unsigned long ds_find_next_bit(const unsigned long *addr, unsigned long size,
			       unsigned long offset, bool zero);
#define find_next_bit(a, s, o)		ds_find_next_bit((a), (s), (o), false)
#define find_next_zero_bit(a, s, o)	ds_find_next_bit((a), (s), (o), true)
#define find_first_bit(a, s)		ds_find_next_bit((a), (s), 0, false)
#define for_each_set_bit(bit, addr, size)				\
	for ((bit) = find_next_bit((addr), (size), 0); (bit) < (size);	\
	     (bit) = find_next_bit((addr), (size), (bit) + 1))
#define for_each_set_bit_from(bit, addr, size)				\
	for ((bit) = find_next_bit((addr), (size), (bit)); (bit) < (size);	\
	     (bit) = find_next_bit((addr), (size), (bit) + 1))
#define find_first_zero_bit(a, s)	ds_find_next_bit((a), (s), 0, true)
void bitmap_set(unsigned long *map, unsigned int start, unsigned int nbits);
static inline void bitmap_zero(unsigned long *map, unsigned int nbits)
{
	memset(map, 0, BITS_TO_LONGS(nbits) * sizeof(long));
}
static inline unsigned int bitmap_weight(const unsigned long *map,
					 unsigned int nbits)
{
	unsigned int i, w = 0;

	for (i = 0; i < nbits; i++)
		w += test_bit(i, map);
	return w;
}
static inline bool bitmap_equal(const unsigned long *a, const unsigned long *b,
				unsigned int nbits)
{
	unsigned int i;

	for (i = 0; i < nbits; i++)
		if (test_bit(i, a) != test_bit(i, b))
			return false;
	return true;
}
void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits);

/* Errors and diagnostics */
extern unsigned long ds_warn_count;
extern bool ds_warn_quiet;
void ds_warn(const char *file, int line, const char *cond);
#define WARN_ON(c) ({ bool _c = !!(c); if (unlikely(_c)) ds_warn(__FILE__, __LINE__, #c); _c; })
#define WARN_ON_ONCE(c)	WARN_ON(c)
#define WARN(c, ...)	({ bool _c = !!(c); if (unlikely(_c)) { if (!ds_warn_quiet) fprintf(stderr, __VA_ARGS__); ds_warn(__FILE__, __LINE__, #c); } _c; })
#define VM_BUG_ON(c)	do { if (c) { fprintf(stderr, "BUG: %s\n", #c); abort(); } } while (0)
#define BUG_ON(c)	VM_BUG_ON(c)
#define pr_err(...)	do { if (!ds_warn_quiet) fprintf(stderr, __VA_ARGS__); } while (0)
#define pr_info(...)	do { } while (0)
#define pr_debug(...)	do { } while (0)
#define dev_err(dev, ...) pr_err(__VA_ARGS__)

/* Memory */
#define GFP_KERNEL	0x1u
#define GFP_ATOMIC	0x2u
#define __GFP_HIGHMEM	0x4u
#define __GFP_ZERO	0x8u
#define __GFP_ACCOUNT	0x10u	/* memcg accounting: nothing to charge here */
#define __GFP_NOWARN	0x20u
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define NUMA_NO_NODE	(-1)

static inline void *kmalloc(size_t size, gfp_t gfp) { (void)gfp; return malloc(size); }
static inline void *kzalloc(size_t size, gfp_t gfp) { (void)gfp; return calloc(1, size); }
static inline void kfree(const void *p) { free((void *)p); }

extern unsigned long ds_pages_allocated;
void *iommu_alloc_pages_node(int nid, gfp_t gfp, int order);
void iommu_free_pages(void *virt, int order);

#define virt_to_phys(p)	((phys_addr_t)(uintptr_t)(p))
#define __pa(p)		virt_to_phys(p)
#define __va(pa)	((void *)(uintptr_t)(pa))

struct device {
	int numa_node;
};
static inline int dev_to_node(struct device *dev) { return dev ? dev->numa_node : NUMA_NO_NODE; }
static inline void set_dev_node(struct device *dev, int node) { dev->numa_node = node; }

/* Coherent walk: the harness never sets coherent_walk = false */
enum dma_data_direction { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE };
static inline dma_addr_t dma_map_single(struct device *d, void *p, size_t s,
					enum dma_data_direction dir)
{
	return virt_to_phys(p);
}
static inline int dma_mapping_error(struct device *d, dma_addr_t a) { return 0; }
static inline void dma_unmap_single(struct device *d, dma_addr_t a, size_t s,
				    enum dma_data_direction dir) { }
static inline void dma_sync_single_for_device(struct device *d, dma_addr_t a,
					      size_t s,
					      enum dma_data_direction dir) { }

struct list_head {
	struct list_head *next, *prev;
};
#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_add_tail(struct list_head *e, struct list_head *h)
{
	e->prev = h->prev;
	e->next = h;
	h->prev->next = e;
	h->prev = e;
}

static inline void list_splice_init(struct list_head *list,
				    struct list_head *head)
{
	if (list_empty(list))
		return;
	list->next->prev = head;
	list->prev->next = head->next;
	head->next->prev = list->prev;
	head->next = list->next;
	INIT_LIST_HEAD(list);
}

static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, typeof(*pos), member),	\
	     n = list_entry(pos->member.next, typeof(*pos), member);	\
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, typeof(*n), member))

/*
 * struct page: the allocator (ds_shim.c) puts one right before every
 * block it hands out, so that virt_to_page() is a subtraction.
 */
struct page {
	struct list_head lru;
	void *base;		/* what to free() */
	int order;
};

static inline struct page *virt_to_page(const void *virt)
{
	return (struct page *)virt - 1;
}

static inline void *page_address(struct page *page)
{
	return page + 1;
}

/*
 * RCU as a reader-writer lock: readers share it, synchronize_rcu() waits
 * until none is inside.  Slower than RCU, the same guarantee.
 */
void rcu_read_lock(void);
void rcu_read_unlock(void);
void synchronize_rcu(void);

/* A work after an RCU grace period: run at once, after synchronize_rcu() */
struct work_struct {
	void (*func)(struct work_struct *work);
};
struct rcu_work {
	struct work_struct work;
};
struct workqueue_struct;
/* The host's scheduler preempts anyway; let the other threads run now */
static inline void cond_resched(void)
{
	sched_yield();
}

#define system_wq		((struct workqueue_struct *)NULL)
#define system_unbound_wq	((struct workqueue_struct *)NULL)
#define INIT_RCU_WORK(rw, f)	((rw)->work.func = (f))
#define to_rcu_work(w)		container_of(w, struct rcu_work, work)
bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rwork);

#endif /* DS_KERNEL_H */
