/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP output for the dirtyscope guest tests.
 *
 *   tap_plan(5);
 *   tap_ok(ret == 0, "map 1 MiB at 0x%x", iova);
 *   tap_skip("needs hugepages");
 *   return tap_finish();
 *
 * Every check is one "ok N name" / "not ok N name" line.  tap_finish()
 * emits the remaining planned lines as failures if the program stopped
 * early (so a missed check is never silently dropped) and returns the
 * kselftest exit code: 0 pass, 1 fail, 4 skip.
 */
#ifndef DIRTYSCOPE_TAP_H
#define DIRTYSCOPE_TAP_H

#include <stdbool.h>

#define TAP_EXIT_PASS	0
#define TAP_EXIT_FAIL	1
#define TAP_EXIT_SKIP	4

void tap_plan(int planned);
bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_skip_rest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_failed(void);
int tap_finish(void);
int tap_skip_all(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
