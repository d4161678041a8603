/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers over json-c for the -j output of the subcommands. */
#ifndef DS_JSON_H
#define DS_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>

struct json_object *ds_json_u64(__u64 v);
/* shortest text that reads back as v; null for NaN and infinities */
struct json_object *ds_json_double(double v);
/* shortest "%.*g" text that reads back as v */
const char *ds_fmt_double(char *buf, size_t len, double v);
/* print o (one line, or indented with pretty) and a newline; drops o */
int ds_json_print(FILE *f, struct json_object *o, bool pretty);

#endif /* DS_JSON_H */
