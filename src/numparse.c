// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one parser of command-line numbers, see numparse.h */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "numparse.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int ds_parse_u64(const char *s, const char **end, uint64_t min, uint64_t max,
		 uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;
	int over = 0;

	if (!is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		unsigned int d = *p - '0';

		if (x > (UINT64_MAX - d) / 10)
			over = 1;
		else
			x = x * 10 + d;
	}
	if (end)
		*end = p;
	else if (*p)
		return -EINVAL;
	if (over || x < min || x > max)
		return -ERANGE;
	*v = x;
	return 0;
}

int ds_parse_double(const char *s, const char **end, double min, double max,
		    double *v)
{
	const char *p = s;
	int digits = 0;
	char *e;
	double x;

	/* the shape first: strtod alone takes "nan", "-1", "0x1p3", " 1" */
	for (; is_digit(*p); p++)
		digits++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			digits++;
	if (!digits)
		return -EINVAL;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;

		if (*q == '+' || *q == '-')
			q++;
		if (is_digit(*q)) {
			while (is_digit(*q))
				q++;
			p = q;
		}
	}
	if (end)
		*end = p;
	else if (*p)
		return -EINVAL;
	errno = 0;
	x = strtod(s, &e);
	if (e != p)
		return -EINVAL;
	if (!isfinite(x) || x < min || x > max)
		return -ERANGE;
	*v = x;
	return 0;
}
