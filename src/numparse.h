/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The numbers of the command line: option values, [interval] [count], and
 * the numbers inside policy and workload specs ("chunked:4", "hotset:10:90",
 * "--tolerance 0.15:24:1").  One parser for all of them, so that they all
 * take the same text: decimal digits, no sign, no blanks, no base prefix
 * (strtoul would take " -1" as 2^64 - 1 and "010" as 8).
 *
 * No dependencies beyond libc: the guest's reference loop
 * (tests/guest/migrate) links it with precopy.c and workload.c.
 */
#ifndef DS_NUMPARSE_H
#define DS_NUMPARSE_H

#include <stdint.h>

/*
 * An integer in [min, max] at the start of s.  With end, the digits may
 * be followed by anything and *end is set to the first character after
 * them; without end, s must be digits only.  0, -EINVAL (no digits, or
 * characters after them without end) or -ERANGE (outside [min, max]).
 */
int ds_parse_u64(const char *s, const char **end, uint64_t min, uint64_t max,
		 uint64_t *v);

/*
 * A finite number in [min, max]: digits with at most one '.', and an
 * optional exponent ("1.5", ".5", "2e-3"); no sign in front, no "nan",
 * "inf" or hexadecimal.  end and the return value as ds_parse_u64().
 */
int ds_parse_double(const char *s, const char **end, double min, double max,
		    double *v);

#endif /* DS_NUMPARSE_H */
