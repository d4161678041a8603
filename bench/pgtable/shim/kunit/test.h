/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/pgtable stand-in for <kunit/test.h>: enough of KUnit to run the
 * io-pgtable-arm dirty-tracking suite natively (make -C bench/pgtable
 * kunit).  An ASSERT failure ends the case through longjmp.
 */
#ifndef DS_KUNIT_TEST_H
#define DS_KUNIT_TEST_H

#include <setjmp.h>
#include "../ds_kernel.h"

struct kunit {
	const char *name;
	int failures;
	jmp_buf abort;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

void ds_kunit_register(struct kunit_suite *suite);
void ds_kunit_fail(struct kunit *test, const char *file, int line,
		   const char *what, long long a, long long b, bool fatal);
void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp);

static inline void *kunit_kcalloc(struct kunit *test, size_t n, size_t size,
				  gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kunit_kzalloc(test, n * size, gfp);
}

/* The kernel's "\t# case: message", on the same stream as the results */
#define kunit_info(test, fmt, ...) \
	printf("    # %s: " fmt, (test)->name, ##__VA_ARGS__)
#define kunit_err	kunit_info

#define KUNIT_CASE(fn)	{ .run_case = fn, .name = #fn }

#define kunit_test_suite(suite)						\
	static void __attribute__((constructor)) ds_register_##suite(void) \
	{ ds_kunit_register(&suite); }

#define DS_KUNIT_CMP(test, a, op, b, fatal) do {			\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (!(_a op _b))						\
		ds_kunit_fail(test, __FILE__, __LINE__,			\
			      #a " " #op " " #b, _a, _b, fatal);	\
} while (0)

#define KUNIT_EXPECT_EQ(t, a, b)	DS_KUNIT_CMP(t, a, ==, b, false)
#define KUNIT_EXPECT_NE(t, a, b)	DS_KUNIT_CMP(t, a, !=, b, false)
#define KUNIT_EXPECT_GE(t, a, b)	DS_KUNIT_CMP(t, a, >=, b, false)
#define KUNIT_EXPECT_LE(t, a, b)	DS_KUNIT_CMP(t, a, <=, b, false)
/* The _MSG forms add their message to the failure's line */
#define DS_KUNIT_CMP_MSG(test, a, op, b, fatal, fmt, ...) do {		\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (!(_a op _b)) {						\
		printf("    # %s: " fmt "\n", (test)->name, ##__VA_ARGS__); \
		ds_kunit_fail(test, __FILE__, __LINE__,			\
			      #a " " #op " " #b, _a, _b, fatal);	\
	}								\
} while (0)
#define KUNIT_EXPECT_EQ_MSG(t, a, b, fmt, ...) \
	DS_KUNIT_CMP_MSG(t, a, ==, b, false, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(t, c, fmt, ...) \
	DS_KUNIT_CMP_MSG(t, !!(c), ==, 0, false, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE_MSG(t, c, fmt, ...) \
	DS_KUNIT_CMP_MSG(t, !!(c), ==, 1, false, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE(t, c)		DS_KUNIT_CMP(t, !!(c), ==, 1, false)
#define KUNIT_EXPECT_FALSE(t, c)	DS_KUNIT_CMP(t, !!(c), ==, 0, false)
#define KUNIT_EXPECT_NULL(t, p)		DS_KUNIT_CMP(t, (uintptr_t)(p), ==, 0, false)
#define KUNIT_EXPECT_NOT_NULL(t, p)	DS_KUNIT_CMP(t, (uintptr_t)(p), !=, 0, false)
#define KUNIT_ASSERT_EQ(t, a, b)	DS_KUNIT_CMP(t, a, ==, b, true)
#define KUNIT_ASSERT_NE(t, a, b)	DS_KUNIT_CMP(t, a, !=, b, true)
#define KUNIT_ASSERT_TRUE(t, c)		DS_KUNIT_CMP(t, !!(c), ==, 1, true)
#define KUNIT_ASSERT_FALSE(t, c)	DS_KUNIT_CMP(t, !!(c), ==, 0, true)
#define KUNIT_ASSERT_NOT_NULL(t, p)	DS_KUNIT_CMP(t, (uintptr_t)(p), !=, 0, true)

#endif
