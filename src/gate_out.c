// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dirtyscope gate: the table, the JSON document (-j), JUnit XML, see gate.h */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "afile.h"
#include "gate.h"
#include "json.h"
#include "xml.h"

/* a value with its unit, ns scaled to us/ms/s */
static const char *fmt_value(char *buf, size_t len, double v, const char *unit)
{
	static const char *const scale[] = { "ns", "us", "ms", "s" };
	int i = 0;

	if (strcmp(unit, "ns")) {
		snprintf(buf, len, "%.4g%s", v, unit);
		return buf;
	}
	while (i < 3 && v >= 1000) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.4g%s", v, scale[i]);
	return buf;
}

static const char *run_desc(char *buf, size_t len, const struct ds_bench *b)
{
	snprintf(buf, len, "kernel %s, %s", b->kernel ? b->kernel : "?",
		 b->machine ? b->machine : "?");
	return buf;
}

void gate_print_table(const struct gate_files *fl, const struct gate_row *rows,
		      size_t n, const struct gate_cfg *cfg,
		      const struct ds_bench *res, const struct ds_bench *base,
		      int nreg, int nimp)
{
	char a[64], b[64], ci[40];
	size_t i;

	printf("dirtyscope gate: %s (%s)\n", fl->result,
	       run_desc(a, sizeof(a), res));
	printf("        against: %s (%s)\n", fl->baseline,
	       run_desc(b, sizeof(b), base));
	if (cfg->norm != DS_NORM_NONE) {
		const struct ds_bench_metric *rr = ds_bench_find(res, res->reference);
		const struct ds_bench_metric *br = ds_bench_find(base, base->reference);
		double rmed = ds_median(rr->samples, rr->n);
		double bmed = ds_median(br->samples, br->n);

		printf("reference \"%s\": baseline %s, result %s (this run %.3fx "
		       "the baseline's); times %s\n", res->reference,
		       fmt_value(a, sizeof(a), bmed, br->unit),
		       fmt_value(b, sizeof(b), rmed, rr->unit), rmed / bmed,
		       cfg->norm == DS_NORM_PAIRED ?
		       "divided by the reference of their round" :
		       "divided by their run's median reference");
	} else {
		printf("absolute times (no normalization)\n");
	}
	printf("\n%-16s %7s %10s %10s %7s %17s %9s  %s\n", "METRIC", "N",
	       "BASELINE", "RESULT", "RATIO", "CI", "P", "VERDICT");
	for (i = 0; i < n; i++) {
		const struct gate_row *r = &rows[i];
		double pv = r->ratio >= 1 ? r->mwu.p_greater : r->mwu.p_less;
		char nn[24];

		snprintf(nn, sizeof(nn), "%zu/%zu", r->n_res, r->n_base);
		snprintf(ci, sizeof(ci), "[%.3f, %.3f]", r->lo, r->hi);
		printf("%-16s %7s %10s %10s %7.3f %17s %9.2g  %s%s\n", r->name, nn,
		       fmt_value(a, sizeof(a), r->base_med, r->unit),
		       fmt_value(b, sizeof(b), r->res_med, r->unit), r->ratio, ci,
		       pv, r->verdict == GATE_PASS ? "pass" :
		       r->verdict == GATE_REGRESSION ? "REGRESSION" : "improvement",
		       r->gated ? "" : " (not gated)");
	}
	printf("\nN: samples result/baseline; BASELINE, RESULT: medians; RATIO: of "
	       "the normalized medians, result/baseline;\nCI: bootstrap, one-sided "
	       "bounds at 1-alpha; P: one-sided Mann-Whitney U in the ratio's "
	       "direction\n\n");
	for (i = 0; i < n; i++)
		if (rows[i].verdict != GATE_PASS)
			printf("%s: %s%s: %s\n", rows[i].name,
			       gate_verdict_name(rows[i].verdict),
			       rows[i].gated ? "" : " (not gated)", rows[i].reason);
	if (nreg)
		printf("gate: FAIL, %d regression%s\n", nreg, nreg > 1 ? "s" : "");
	else if (nimp)
		printf("gate: PASS, %d improvement%s\n", nimp, nimp > 1 ? "s" : "");
	else
		printf("gate: PASS\n");
}

static struct json_object *json_run(const char *file, const struct ds_bench *b)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "file", json_object_new_string(file));
	if (b->kernel)
		json_object_object_add(o, "kernel", json_object_new_string(b->kernel));
	if (b->machine)
		json_object_object_add(o, "machine", json_object_new_string(b->machine));
	if (b->time)
		json_object_object_add(o, "time", json_object_new_int64(b->time));
	return o;
}

int gate_print_json(const struct gate_files *fl, const struct gate_row *rows,
		    size_t n, const struct gate_cfg *cfg,
		    const struct ds_bench *res, const struct ds_bench *base,
		    int nreg, int nimp, bool pretty)
{
	struct json_object *top = json_object_new_object(), *arr, *o;
	size_t i;

	json_object_object_add(top, "format", json_object_new_string(GATE_FORMAT));
	json_object_object_add(top, "version", json_object_new_int(1));
	json_object_object_add(top, "verdict", json_object_new_string(
		nreg ? "regression" : nimp ? "improvement" : "pass"));
	json_object_object_add(top, "regressions", json_object_new_int(nreg));
	json_object_object_add(top, "improvements", json_object_new_int(nimp));
	json_object_object_add(top, "result", json_run(fl->result, res));
	json_object_object_add(top, "baseline", json_run(fl->baseline, base));
	json_object_object_add(top, "normalize",
			       json_object_new_string(gate_norm_name(cfg->norm)));
	if (cfg->norm != DS_NORM_NONE) {
		const struct ds_bench_metric *rr = ds_bench_find(res, res->reference);
		const struct ds_bench_metric *br = ds_bench_find(base, base->reference);
		double rmed = ds_median(rr->samples, rr->n);
		double bmed = ds_median(br->samples, br->n);

		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(res->reference));
		json_object_object_add(o, "unit", json_object_new_string(rr->unit));
		json_object_object_add(o, "baseline_median", ds_json_double(bmed));
		json_object_object_add(o, "result_median", ds_json_double(rmed));
		json_object_object_add(o, "ratio", ds_json_double(rmed / bmed));
		json_object_object_add(top, "reference", o);
	}
	json_object_object_add(top, "bootstrap", json_object_new_int(cfg->bootstrap));
	json_object_object_add(top, "seed", json_object_new_uint64(cfg->seed));
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		const struct gate_row *r = &rows[i];

		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(r->name));
		json_object_object_add(o, "unit", json_object_new_string(r->unit));
		json_object_object_add(o, "gated", json_object_new_boolean(r->gated));
		json_object_object_add(o, "verdict",
				       json_object_new_string(gate_verdict_name(r->verdict)));
		json_object_object_add(o, "reason", json_object_new_string(r->reason));
		json_object_object_add(o, "n_result", json_object_new_uint64(r->n_res));
		json_object_object_add(o, "n_baseline", json_object_new_uint64(r->n_base));
		json_object_object_add(o, "baseline_median", ds_json_double(r->base_med));
		json_object_object_add(o, "result_median", ds_json_double(r->res_med));
		json_object_object_add(o, "baseline_normalized", ds_json_double(r->base_norm));
		json_object_object_add(o, "result_normalized", ds_json_double(r->res_norm));
		json_object_object_add(o, "ratio", ds_json_double(r->ratio));
		json_object_object_add(o, "ci_low", ds_json_double(r->lo));
		json_object_object_add(o, "ci_high", ds_json_double(r->hi));
		json_object_object_add(o, "u", ds_json_double(r->mwu.u));
		json_object_object_add(o, "p_slower", ds_json_double(r->mwu.p_greater));
		json_object_object_add(o, "p_faster", ds_json_double(r->mwu.p_less));
		json_object_object_add(o, "exact", json_object_new_boolean(r->mwu.exact));
		json_object_object_add(o, "threshold", ds_json_double(r->p.threshold));
		json_object_object_add(o, "min_effect", ds_json_double(r->p.min_effect));
		json_object_object_add(o, "alpha", ds_json_double(r->p.alpha));
		json_object_object_add(o, "min_samples", json_object_new_int64(r->p.min_samples));
		json_object_array_add(arr, o);
	}
	json_object_object_add(top, "metrics", arr);
	return ds_json_print(stdout, top, pretty);
}

int gate_write_junit(const struct gate_files *fl, const char *path,
		     const struct gate_row *rows, size_t n,
		     const struct gate_cfg *cfg, int nreg, double secs)
{
	struct ds_afile af;
	char buf[64], ts[32];
	int skipped = 0, err;
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++)
		skipped += !rows[i].gated;
	err = ds_afile_open(&af, path);
	if (err)
		return err;
	f = af.f;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"dirtyscope gate\" tests=\"%zu\" "
		"failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
		n, nreg, skipped, secs);
	fprintf(f, "  <testsuite name=\"dirtyscope gate\" tests=\"%zu\" "
		"failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" "
		"timestamp=\"%s\">\n", n, nreg, skipped, secs, ts);
	fprintf(f, "    <properties>\n      <property");
	ds_xml_attr(f, "name", "result");
	ds_xml_attr(f, "value", fl->result);
	fprintf(f, "/>\n      <property");
	ds_xml_attr(f, "name", "baseline");
	ds_xml_attr(f, "value", fl->baseline);
	fprintf(f, "/>\n      <property name=\"normalize\" value=\"%s\"/>\n",
		gate_norm_name(cfg->norm));
	fprintf(f, "    </properties>\n");
	for (i = 0; i < n; i++) {
		const struct gate_row *r = &rows[i];

		fprintf(f, "    <testcase classname=\"dirtyscope.gate\"");
		ds_xml_attr(f, "name", r->name);
		fprintf(f, " time=\"0\">\n");
		if (!r->gated) {
			fprintf(f, "      <skipped message=\"not gated (not in the "
				"config)\"/>\n");
		} else if (r->verdict == GATE_REGRESSION) {
			fprintf(f, "      <failure type=\"regression\"");
			ds_xml_attr(f, "message", r->reason);
			fprintf(f, ">");
			snprintf(buf, sizeof(buf), "median %.6g -> %.6g %s",
				 r->base_med, r->res_med, r->unit);
			ds_xml_escape(f, buf);
			fprintf(f, "</failure>\n");
		}
		fprintf(f, "      <system-out>%s: ", gate_verdict_name(r->verdict));
		ds_xml_escape(f, r->reason);
		fprintf(f, "</system-out>\n    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ds_afile_commit(&af);
}
