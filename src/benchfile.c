// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bench files (benchfile.h): the writer of "bench", the reader of "gate". */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "afile.h"
#include "benchfile.h"
#include "json.h"

#define BENCH_FILE_MAX	(64 << 20)

void ds_bench_init(struct ds_bench *b)
{
	memset(b, 0, sizeof(*b));
}

void ds_bench_free(struct ds_bench *b)
{
	size_t i;

	free(b->dirtyscope);
	free(b->kernel);
	free(b->machine);
	free(b->hostname);
	free(b->reference);
	json_object_put(b->command);
	json_object_put(b->params);
	for (i = 0; i < b->nmetrics; i++) {
		free(b->metrics[i].name);
		free(b->metrics[i].unit);
		free(b->metrics[i].samples);
	}
	free(b->metrics);
	ds_bench_init(b);
}

bool ds_bench_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n <= DS_BENCH_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_.-") == n;
}

struct ds_bench_metric *ds_bench_find(const struct ds_bench *b,
				      const char *name)
{
	size_t i;

	for (i = 0; i < b->nmetrics; i++)
		if (!strcmp(b->metrics[i].name, name))
			return &b->metrics[i];
	return NULL;
}

struct ds_bench_metric *ds_bench_get(struct ds_bench *b, const char *name)
{
	struct ds_bench_metric *m = ds_bench_find(b, name), *all;

	if (m)
		return m;
	all = realloc(b->metrics, (b->nmetrics + 1) * sizeof(*all));
	if (!all)
		return NULL;
	b->metrics = all;
	m = &all[b->nmetrics];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	m->unit = strdup("ns");
	if (!m->name || !m->unit) {
		free(m->name);
		free(m->unit);
		return NULL;
	}
	b->nmetrics++;
	return m;
}

int ds_bench_add_sample(struct ds_bench_metric *m, double v)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		double *s;

		if (m->n >= DS_BENCH_MAX_SAMPLES)
			return -E2BIG;
		s = realloc(m->samples, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		m->samples = s;
		m->cap = cap;
	}
	m->samples[m->n++] = v;
	return 0;
}

static int fail(char *reason, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *reason, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int ds_bench_check(const struct ds_bench *b, char *reason, size_t len)
{
	size_t i, j;

	if (!b->nmetrics)
		return fail(reason, len, "no metrics");
	for (i = 0; i < b->nmetrics; i++) {
		const struct ds_bench_metric *m = &b->metrics[i];

		if (!ds_bench_name_ok(m->name))
			return fail(reason, len, "metric \"%.80s\": not a valid name "
				    "([A-Za-z0-9_.-], at most %d)", m->name,
				    DS_BENCH_NAME_MAX);
		if (!m->unit || !*m->unit)
			return fail(reason, len, "metric \"%s\": no unit", m->name);
		if (!m->n)
			return fail(reason, len, "metric \"%s\": no samples", m->name);
		for (j = 0; j < m->n; j++)
			if (!isfinite(m->samples[j]) || m->samples[j] <= 0)
				return fail(reason, len, "metric \"%s\": sample %zu "
					    "is not a positive number", m->name,
					    j + 1);
	}
	if (b->reference && !ds_bench_find(b, b->reference))
		return fail(reason, len, "\"reference\": no metric \"%.80s\"",
			    b->reference);
	return 0;
}

/* --- reader -------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len, char *reason, size_t rlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 0, n = 0;
	char *buf = NULL;

	if (!f) {
		fail(reason, rlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? 2 * cap : 65536;
			nb = cap > BENCH_FILE_MAX ? NULL : realloc(buf, cap);
			if (!nb) {
				fail(reason, rlen, "%s: larger than %d MiB", path,
				     BENCH_FILE_MAX >> 20);
				goto err;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got)
			continue;
		if (ferror(f)) {
			fail(reason, rlen, "cannot read %s: %s", path,
			     strerror(errno));
			goto err;
		}
		break;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
err:
	if (f != stdin)
		fclose(f);
	free(buf);
	return NULL;
}

static struct json_object *parse(const char *path, const char *text,
				 size_t len, char *reason, size_t rlen)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error jerr;
	struct json_object *o;
	size_t end;

	if (!tok) {
		fail(reason, rlen, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue || (!o && jerr == json_tokener_success)) {
		fail(reason, rlen, "%s: invalid JSON (the file ends inside a value)",
		     path);
		return NULL;
	}
	if (jerr != json_tokener_success) {
		/* bytes counted from 1, as editors count columns */
		fail(reason, rlen, "%s: invalid JSON at byte %zu (%s)", path,
		     end + 1, json_tokener_error_desc(jerr));
		return NULL;
	}
	if (strspn(text + end, " \t\r\n") != len - end) {
		json_object_put(o);
		fail(reason, rlen, "%s: invalid JSON at byte %zu (text after the "
		     "value)", path, end + 1 + strspn(text + end, " \t\r\n"));
		return NULL;
	}
	return o;
}

/* optional string member: 0 (absent or copied) or -EINVAL */
static int opt_string(struct json_object *top, const char *key, char **dst,
		      const char *path, char *reason, size_t rlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(top, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(reason, rlen, "%s: \"%s\": not a string", path, key);
	*dst = strdup(json_object_get_string(v));
	return *dst ? 0 : fail(reason, rlen, "out of memory");
}

/*
 * The keys of a version 1 file.  Any other key is an error, as in a
 * recording: a new key comes with a new version, which this reader then
 * refuses by number, and a misspelt key ("refrence", "parms") cannot
 * silently drop what the gate checks.
 */
static const char *const top_keys[] = {
	"format", "version", "dirtyscope", "kernel", "machine", "hostname",
	"time", "command", "params", "reference", "metrics", NULL,
};
static const char *const metric_keys[] = { "unit", "samples", NULL };

/* the first key of @o not in @known, or NULL */
static const char *unknown_key(struct json_object *o,
			       const char *const *known)
{
	json_object_object_foreach(o, key, v) {
		const char *const *k;

		(void)v;
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k)
			return key;
	}
	return NULL;
}

static int read_metric(struct ds_bench *b, const char *name,
		       struct json_object *o, const char *path, char *reason,
		       size_t rlen)
{
	struct json_object *unit, *samples;
	struct ds_bench_metric *m;
	size_t i, n;

	if (!ds_bench_name_ok(name))
		return fail(reason, rlen, "%s: metric \"%.80s\": not a valid name "
			    "([A-Za-z0-9_.-], at most %d)", path, name,
			    DS_BENCH_NAME_MAX);
	if (!json_object_is_type(o, json_type_object))
		return fail(reason, rlen, "%s: metric \"%s\": not an object",
			    path, name);
	if (unknown_key(o, metric_keys))
		return fail(reason, rlen, "%s: metric \"%s\": unknown field "
			    "\"%.80s\"", path, name, unknown_key(o, metric_keys));
	if (!json_object_object_get_ex(o, "unit", &unit) ||
	    !json_object_is_type(unit, json_type_string) ||
	    !*json_object_get_string(unit))
		return fail(reason, rlen, "%s: metric \"%s\": \"unit\" missing or "
			    "not a string", path, name);
	if (!json_object_object_get_ex(o, "samples", &samples) ||
	    !json_object_is_type(samples, json_type_array))
		return fail(reason, rlen, "%s: metric \"%s\": \"samples\" missing "
			    "or not an array", path, name);
	n = json_object_array_length(samples);
	if (!n)
		return fail(reason, rlen, "%s: metric \"%s\": no samples", path,
			    name);
	if (n > DS_BENCH_MAX_SAMPLES)
		return fail(reason, rlen, "%s: metric \"%s\": more than %d samples",
			    path, name, DS_BENCH_MAX_SAMPLES);
	m = ds_bench_get(b, name);
	if (!m)
		return fail(reason, rlen, "out of memory");
	free(m->unit);
	m->unit = strdup(json_object_get_string(unit));
	if (!m->unit)
		return fail(reason, rlen, "out of memory");
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(samples, i);
		double v;

		if (!json_object_is_type(s, json_type_int) &&
		    !json_object_is_type(s, json_type_double))
			return fail(reason, rlen, "%s: metric \"%s\": sample %zu "
				    "is not a number", path, name, i + 1);
		v = json_object_get_double(s);
		if (!isfinite(v) || v <= 0)
			return fail(reason, rlen, "%s: metric \"%s\": sample %zu "
				    "is not a positive number", path, name, i + 1);
		if (ds_bench_add_sample(m, v))
			return fail(reason, rlen, "out of memory");
	}
	return 0;
}

static int read_top(struct ds_bench *b, struct json_object *top,
		    const char *path, char *reason, size_t rlen)
{
	struct json_object *v, *metrics;
	int err;

	if (!json_object_is_type(top, json_type_object))
		return fail(reason, rlen, "%s: not a JSON object", path);
	if (!json_object_object_get_ex(top, "format", &v))
		return fail(reason, rlen, "%s: \"format\" missing (not a "
			    "dirtyscope bench file)", path);
	if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), DS_BENCH_FORMAT))
		return fail(reason, rlen, "%s: \"format\": not \"%s\"", path,
			    DS_BENCH_FORMAT);
	if (!json_object_object_get_ex(top, "version", &v) ||
	    !json_object_is_type(v, json_type_int))
		return fail(reason, rlen, "%s: \"version\" missing or not an "
			    "integer", path);
	if (json_object_get_int64(v) != DS_BENCH_VERSION)
		return fail(reason, rlen, "%s: unsupported format version %lld "
			    "(this dirtyscope reads %d)", path,
			    (long long)json_object_get_int64(v), DS_BENCH_VERSION);
	if (unknown_key(top, top_keys))
		return fail(reason, rlen, "%s: unknown field \"%.80s\"", path,
			    unknown_key(top, top_keys));

	if ((err = opt_string(top, "dirtyscope", &b->dirtyscope, path, reason, rlen)) ||
	    (err = opt_string(top, "kernel", &b->kernel, path, reason, rlen)) ||
	    (err = opt_string(top, "machine", &b->machine, path, reason, rlen)) ||
	    (err = opt_string(top, "hostname", &b->hostname, path, reason, rlen)) ||
	    (err = opt_string(top, "reference", &b->reference, path, reason, rlen)))
		return err;
	if (json_object_object_get_ex(top, "time", &v)) {
		if (!json_object_is_type(v, json_type_int))
			return fail(reason, rlen, "%s: \"time\": not an integer",
				    path);
		b->time = json_object_get_int64(v);
	}
	if (json_object_object_get_ex(top, "command", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return fail(reason, rlen, "%s: \"command\": not an array",
				    path);
		b->command = json_object_get(v);
	}
	if (json_object_object_get_ex(top, "params", &v)) {
		if (!json_object_is_type(v, json_type_object))
			return fail(reason, rlen, "%s: \"params\": not an object",
				    path);
		b->params = json_object_get(v);
	}

	if (!json_object_object_get_ex(top, "metrics", &metrics) ||
	    !json_object_is_type(metrics, json_type_object))
		return fail(reason, rlen, "%s: \"metrics\" missing or not an object",
			    path);
	json_object_object_foreach(metrics, name, m) {
		err = read_metric(b, name, m, path, reason, rlen);
		if (err)
			return err;
	}
	if (!b->nmetrics)
		return fail(reason, rlen, "%s: no metrics", path);
	if (b->reference && !ds_bench_find(b, b->reference))
		return fail(reason, rlen, "%s: \"reference\": no metric \"%.80s\"",
			    path, b->reference);
	return 0;
}

struct json_object *ds_json_load(const char *path, char *reason, size_t len)
{
	struct json_object *top;
	size_t n;
	char *text;

	text = slurp(path, &n, reason, len);
	if (!text)
		return NULL;
	top = parse(path, text, n, reason, len);
	free(text);
	return top;
}

int ds_bench_read(const char *path, struct ds_bench *b, char *reason,
		  size_t len)
{
	struct json_object *top;
	int err;

	ds_bench_init(b);
	top = ds_json_load(path, reason, len);
	if (!top)
		return -1;
	err = read_top(b, top, path, reason, len);
	json_object_put(top);
	if (err) {
		ds_bench_free(b);
		return -1;
	}
	return 0;
}

/* --- writer -------------------------------------------------------------- */

static const char *plain(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void put_string(FILE *f, const char *key, const char *val)
{
	struct json_object *s;

	if (!val)
		return;
	s = json_object_new_string(val);
	fprintf(f, "  \"%s\": %s,\n", key, s ? plain(s) : "null");
	json_object_put(s);
}

/* integers as integers (ns counts), other values the shortest exact way */
static const char *fmt_sample(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		ds_fmt_double(buf, len, v);
	return buf;
}

int ds_bench_write(FILE *f, const struct ds_bench *b)
{
	size_t i, j;
	char num[40];

	fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n",
		DS_BENCH_FORMAT, DS_BENCH_VERSION);
	put_string(f, "dirtyscope", b->dirtyscope);
	put_string(f, "kernel", b->kernel);
	put_string(f, "machine", b->machine);
	put_string(f, "hostname", b->hostname);
	if (b->time)
		fprintf(f, "  \"time\": %lld,\n", b->time);
	if (b->command)
		fprintf(f, "  \"command\": %s,\n", plain(b->command));
	if (b->params)
		fprintf(f, "  \"params\": %s,\n", plain(b->params));
	put_string(f, "reference", b->reference);
	fputs("  \"metrics\": {\n", f);
	for (i = 0; i < b->nmetrics; i++) {
		const struct ds_bench_metric *m = &b->metrics[i];
		struct json_object *unit = json_object_new_string(m->unit);

		/* names are [A-Za-z0-9_.-]: no escaping needed */
		fprintf(f, "    \"%s\": {\"unit\": %s, \"samples\": [", m->name,
			unit ? plain(unit) : "null");
		json_object_put(unit);
		for (j = 0; j < m->n; j++)
			fprintf(f, "%s%s", j ? ", " : "",
				fmt_sample(num, sizeof(num), m->samples[j]));
		fprintf(f, "]}%s\n", i + 1 < b->nmetrics ? "," : "");
	}
	fputs("  }\n}\n", f);
	return ferror(f) ? -EIO : 0;
}

int ds_bench_write_file(const char *path, const struct ds_bench *b)
{
	struct ds_afile af;
	int err;

	if (!strcmp(path, "-")) {
		err = ds_bench_write(stdout, b);
		return fflush(stdout) ? -errno : err;
	}
	err = ds_afile_open(&af, path);
	if (err)
		return err;
	if (ds_bench_write(af.f, b)) {
		ds_afile_abort(&af);
		return -EIO;
	}
	return ds_afile_commit(&af);
}
