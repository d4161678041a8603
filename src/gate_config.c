// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope gate: the config file (-c), see gate.h.  Every key is
 * checked: a misspelt one is an error, never a silent default.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "gate.h"

const struct gate_params gate_default_params = {
	.threshold = 0.25,
	.min_effect = 0.10,
	.alpha = 0.01,
	.min_samples = 9,
};

/* the config being read and where its error goes */
struct cfg_ctx {
	const char *path;
	char *err;
	size_t len;
};

static int cfg_fail(struct cfg_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cfg_fail(struct cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->len, "%s: ", c->path);
	if (n < 0 || (size_t)n >= c->len)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->len - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int cfg_number(struct cfg_ctx *c, struct json_object *v,
		      const char *where, const char *key, double min, double max,
		      bool open_min, double *out)
{
	double d;

	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return cfg_fail(c, "%s\"%s\": not a number", where, key);
	d = json_object_get_double(v);
	if (!(open_min ? d > min : d >= min) || !(d <= max))
		return cfg_fail(c, "%s\"%s\": %g out of range (%s%g..%g)", where, key,
				d, open_min ? ">" : "", min, max);
	*out = d;
	return 0;
}

/* a "defaults" or per-metric object over @p */
static int cfg_params(struct cfg_ctx *c, struct json_object *o,
		      const char *where, struct gate_params *p)
{
	double d;
	int err;

	if (!json_object_is_type(o, json_type_object))
		return cfg_fail(c, "%snot an object", where);
	json_object_object_foreach(o, key, v) {
		if (!strcmp(key, "threshold"))
			err = cfg_number(c, v, where, key, 0, 10, true, &p->threshold);
		else if (!strcmp(key, "min_effect"))
			err = cfg_number(c, v, where, key, 0, 10, false, &p->min_effect);
		else if (!strcmp(key, "alpha"))
			err = cfg_number(c, v, where, key, 0, 0.5, true, &p->alpha);
		else if (!strcmp(key, "min_samples")) {
			err = cfg_number(c, v, where, key, 3, DS_BENCH_MAX_SAMPLES,
					 false, &d);
			if (!err && d != floor(d))
				err = cfg_fail(c, "%s\"%s\": not an integer", where, key);
			p->min_samples = d;
		} else {
			err = cfg_fail(c, "%sunknown key \"%s\" (threshold, "
				       "min_effect, alpha, min_samples)", where, key);
		}
		if (err)
			return err;
	}
	if (p->min_effect > p->threshold)
		return cfg_fail(c, "%smin_effect %g above threshold %g", where,
				p->min_effect, p->threshold);
	if (p->alpha >= 0.5)
		return cfg_fail(c, "%salpha %g: must be below 0.5", where, p->alpha);
	return 0;
}

int gate_cfg_load(struct gate_cfg *cfg, const char *path, char *errbuf,
		  size_t len)
{
	struct cfg_ctx ctx = { path, errbuf, len }, *c = &ctx;
	struct json_object *top, *v, *metrics = NULL;
	char where[DS_BENCH_NAME_MAX + 32], reason[400];
	double d;
	size_t i;
	int err = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->norm = DS_NORM_MEDIAN;
	cfg->bootstrap = 2000;
	cfg->seed = 1;
	cfg->defaults = gate_default_params;
	if (!path)
		return 0;
	top = ds_json_load(path, reason, sizeof(reason));
	if (!top) {
		snprintf(errbuf, len, "%s", reason);
		return -EINVAL;
	}
	if (!json_object_is_type(top, json_type_object)) {
		err = cfg_fail(c, "not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(top, "format", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), GATE_CONFIG_FORMAT)) {
		err = cfg_fail(c, "\"format\": not \"%s\"", GATE_CONFIG_FORMAT);
		goto out;
	}
	if (!json_object_object_get_ex(top, "version", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != 1) {
		err = cfg_fail(c, "\"version\": not 1");
		goto out;
	}
	json_object_object_foreach(top, key, val) {
		if (!strcmp(key, "format") || !strcmp(key, "version") ||
		    !strcmp(key, "comment")) {
			continue;
		} else if (!strcmp(key, "normalize")) {
			const char *s = json_object_get_string(val);

			if (!json_object_is_type(val, json_type_string))
				s = "";
			if (!strcmp(s, "median"))
				cfg->norm = DS_NORM_MEDIAN;
			else if (!strcmp(s, "paired"))
				cfg->norm = DS_NORM_PAIRED;
			else if (!strcmp(s, "none"))
				cfg->norm = DS_NORM_NONE;
			else
				err = cfg_fail(c, "\"normalize\": not median, paired or none");
		} else if (!strcmp(key, "bootstrap")) {
			err = cfg_number(c, val, "", key, 100, 1000000, false, &d);
			cfg->bootstrap = d;
		} else if (!strcmp(key, "seed")) {
			if (!json_object_is_type(val, json_type_int) ||
			    json_object_get_int64(val) < 0)
				err = cfg_fail(c, "\"seed\": not a non-negative integer");
			cfg->seed = json_object_get_int64(val);
		} else if (!strcmp(key, "defaults")) {
			err = cfg_params(c, val, "\"defaults\": ", &cfg->defaults);
		} else if (!strcmp(key, "metrics")) {
			metrics = val;
		} else {
			err = cfg_fail(c, "unknown key \"%s\"", key);
		}
		if (err)
			goto out;
	}
	if (!metrics)
		goto out;
	if (!json_object_is_type(metrics, json_type_object)) {
		err = cfg_fail(c, "\"metrics\": not an object");
		goto out;
	}
	cfg->metrics = calloc(json_object_object_length(metrics) + 1,
			      sizeof(*cfg->metrics));
	if (!cfg->metrics) {
		err = cfg_fail(c, "out of memory");
		goto out;
	}
	i = 0;
	json_object_object_foreach(metrics, name, mo) {
		struct gate_metric_cfg *m = &cfg->metrics[i++];

		if (!ds_bench_name_ok(name)) {
			err = cfg_fail(c, "\"metrics\": \"%.80s\": not a metric name",
				       name);
			goto out;
		}
		m->name = strdup(name);
		m->p = cfg->defaults;
		cfg->nmetrics = i;
		snprintf(where, sizeof(where), "metric \"%s\": ", name);
		err = m->name ? cfg_params(c, mo, where, &m->p) :
				cfg_fail(c, "out of memory");
		if (err)
			goto out;
	}
	if (!cfg->nmetrics)
		err = cfg_fail(c, "\"metrics\": empty (leave it out to gate every metric)");
out:
	json_object_put(top);
	return err;
}

void gate_cfg_free(struct gate_cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nmetrics; i++)
		free(cfg->metrics[i].name);
	free(cfg->metrics);
}

const struct gate_metric_cfg *gate_cfg_find(const struct gate_cfg *cfg,
					    const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nmetrics; i++)
		if (!strcmp(cfg->metrics[i].name, name))
			return &cfg->metrics[i];
	return NULL;
}

const char *gate_norm_name(enum ds_norm n)
{
	return n == DS_NORM_MEDIAN ? "median" : n == DS_NORM_PAIRED ? "paired" :
	       "none";
}
