// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Small helpers over json-c for the -j output of the subcommands. */
#include <math.h>
#include <stdlib.h>
#include "json.h"

struct json_object *ds_json_u64(__u64 v)
{
	return json_object_new_uint64(v);
}

const char *ds_fmt_double(char *buf, size_t len, double v)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

struct json_object *ds_json_double(double v)
{
	char buf[40];

	if (!isfinite(v))
		return NULL;	/* json-c writes NULL members as null */
	return json_object_new_double_s(v, ds_fmt_double(buf, sizeof(buf), v));
}

int ds_json_print(FILE *f, struct json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	int ret;

	flags |= pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			  JSON_C_TO_STRING_PLAIN;
	ret = fprintf(f, "%s\n", json_object_to_json_string_ext(o, flags));
	json_object_put(o);
	fflush(f);
	return ret < 0 ? -1 : 0;
}
