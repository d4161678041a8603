/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bench files: the samples of one benchmark run, written by "dirtyscope
 * bench" and read by "dirtyscope gate" (a result, or a baseline: the same
 * format). One JSON object (docs/cli.md, "gate"):
 *
 *   {"format": "dirtyscope-bench", "version": 1, "dirtyscope": "0.1",
 *    "kernel": ..., "machine": ..., "hostname": ..., "time": SECONDS,
 *    "command": [...], "params": {...}, "reference": "reference",
 *    "metrics": {"NAME": {"unit": "ns", "samples": [...]}, ...}}
 *
 * Read strictly, like a recording: a key not listed here is an error.
 */
#ifndef DS_BENCHFILE_H
#define DS_BENCHFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <json-c/json.h>

#define DS_BENCH_FORMAT		"dirtyscope-bench"
#define DS_BENCH_VERSION	1
#define DS_BENCH_NAME_MAX	64
#define DS_BENCH_MAX_SAMPLES	100000

struct ds_bench_metric {
	char *name;
	char *unit;
	double *samples;
	size_t n, cap;
};

struct ds_bench {
	char *dirtyscope, *kernel, *machine, *hostname;	/* NULL: unknown */
	long long time;				/* s since the epoch, 0: unknown */
	struct json_object *command;		/* array of strings, or NULL */
	struct json_object *params;		/* object, or NULL */
	char *reference;			/* a metric's name, or NULL */
	struct ds_bench_metric *metrics;	/* in file order */
	size_t nmetrics;
};

void ds_bench_init(struct ds_bench *b);
void ds_bench_free(struct ds_bench *b);

/* [A-Za-z0-9_.-], 1 to DS_BENCH_NAME_MAX characters */
bool ds_bench_name_ok(const char *name);
struct ds_bench_metric *ds_bench_find(const struct ds_bench *b,
				      const char *name);
/* the metric, created (unit "ns") when missing; NULL on ENOMEM */
struct ds_bench_metric *ds_bench_get(struct ds_bench *b, const char *name);
int ds_bench_add_sample(struct ds_bench_metric *m, double v);

/*
 * What a complete file must satisfy (the reader checks it, the writer
 * should before writing): at least one metric, each with a unit and at
 * least one sample, every sample finite and > 0, the reference (if
 * named) one of the metrics. 0, or -EINVAL with the reason.
 */
int ds_bench_check(const struct ds_bench *b, char *reason, size_t len);

/*
 * Read a bench file from @path ("-": stdin). 0, or -1 with a one-line
 * reason ("cannot open ...", "invalid JSON ...", "metric \"x\": ...").
 */
int ds_bench_read(const char *path, struct ds_bench *b, char *reason,
		  size_t len);
/*
 * One JSON document from @path ("-": stdin): the value, or NULL with a
 * one-line reason ("cannot open PATH: ...", "PATH: invalid JSON at byte N
 * (...)"). Text after the value is an error.
 */
struct json_object *ds_json_load(const char *path, char *reason, size_t len);
/* One key per line, one metric per line (diffable baselines). */
int ds_bench_write(FILE *f, const struct ds_bench *b);
/* to @path atomically (a temporary file renamed over it); 0 or -errno */
int ds_bench_write_file(const char *path, const struct ds_bench *b);

#endif /* DS_BENCHFILE_H */
