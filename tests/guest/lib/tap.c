// SPDX-License-Identifier: GPL-2.0
/* KTAP output helpers, see tap.h. */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int tap_planned;
static int tap_count;
static int tap_fail;
static int tap_skipped;

static void tap_line(bool pass, const char *directive, const char *fmt,
		     va_list ap)
{
	tap_count++;
	printf("%sok %d ", pass ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	if (directive)
		printf(" # %s", directive);
	putchar('\n');
	fflush(stdout);
}

void tap_plan(int planned)
{
	tap_planned = planned;
	/* Line-buffered even when the console is not a tty. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", planned);
	fflush(stdout);
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(cond, NULL, fmt, ap);
	va_end(ap);
	if (!cond)
		tap_fail++;
	return cond;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(true, "SKIP", fmt, ap);
	va_end(ap);
	tap_skipped++;
}

/* Mark every check not yet reported as skipped (after a failed setup). */
void tap_skip_rest(const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	while (tap_count < tap_planned)
		tap_skip("not run: %s", why);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int tap_failed(void)
{
	return tap_fail;
}

int tap_finish(void)
{
	while (tap_count < tap_planned) {
		tap_ok(false, "check %d never ran (test stopped early)",
		       tap_count + 1);
	}
	if (tap_count != tap_planned) {
		tap_diag("planned %d checks but ran %d", tap_planned, tap_count);
		tap_fail++;
	}
	tap_diag("Totals: pass:%d fail:%d skip:%d total:%d",
		 tap_count - tap_fail - tap_skipped, tap_fail, tap_skipped,
		 tap_count);
	if (tap_fail)
		return TAP_EXIT_FAIL;
	if (tap_count && tap_skipped == tap_count)
		return TAP_EXIT_SKIP;
	return TAP_EXIT_PASS;
}

/* The whole test cannot run here (no device, ...): plan 0, exit skip. */
int tap_skip_all(const char *fmt, ...)
{
	va_list ap;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return TAP_EXIT_SKIP;
}
