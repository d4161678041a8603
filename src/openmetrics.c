// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* OpenMetrics text exposition, written atomically by afile.c (openmetrics.h) */
#include <stdbool.h>
#include <string.h>
#include "openmetrics.h"

int ds_om_dialect_parse(const char *s)
{
	if (!strcmp(s, "openmetrics"))
		return DS_OM_OPENMETRICS;
	if (!strcmp(s, "prometheus"))
		return DS_OM_PROMETHEUS;
	return -1;
}

int ds_om_begin(struct ds_om *om, const char *path, enum ds_om_dialect dialect)
{
	memset(om, 0, sizeof(*om));
	om->dialect = dialect;
	return ds_afile_open(&om->af, path);
}

void ds_om_abort(struct ds_om *om)
{
	ds_afile_abort(&om->af);
}

int ds_om_commit(struct ds_om *om)
{
	if (om->dialect == DS_OM_OPENMETRICS)
		fputs("# EOF\n", om->af.f);
	return ds_afile_commit(&om->af);
}

static void ds_om_escape(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (quote && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void ds_om_family(struct ds_om *om, const char *name, const char *type,
		  const char *unit, const char *help)
{
	bool text = om->dialect == DS_OM_PROMETHEUS;
	/* the text format names a counter's metadata after its sample */
	const char *sfx = text && !strcmp(type, "counter") ? "_total" : "";

	fprintf(om->af.f, "# TYPE %s%s %s\n", name, sfx, type);
	if (unit && !text)
		fprintf(om->af.f, "# UNIT %s %s\n", name, unit);
	if (help) {
		fprintf(om->af.f, "# HELP %s%s ", name, sfx);
		ds_om_escape(om->af.f, help, false);
		fputc('\n', om->af.f);
	}
}

static void ds_om_sample(struct ds_om *om, const char *family,
			 const char *suffix, const char *labels,
			 const char *extra, const char *value)
{
	bool l = labels && *labels, x = extra && *extra;

	fprintf(om->af.f, "%s%s", family, suffix);
	if (l || x)
		fprintf(om->af.f, "{%s%s%s}", l ? labels : "", l && x ? "," : "",
			x ? extra : "");
	fprintf(om->af.f, " %s\n", value);
}

void ds_om_counter_value(struct ds_om *om, const char *family,
			 const char *labels, const char *value)
{
	ds_om_sample(om, family, "_total", labels, NULL, value);
}

void ds_om_counter(struct ds_om *om, const char *family, const char *labels,
		   __u64 v)
{
	char val[24];

	snprintf(val, sizeof(val), "%llu", v);
	ds_om_counter_value(om, family, labels, val);
}

const char *ds_om_decimal(char *buf, size_t len, __u64 m, int e)
{
	char d[48];
	int n, ip, fl;

	/* at least e + 1 digits, so there is always an integer digit */
	n = snprintf(d, sizeof(d), "%0*llu", e + 1, m);
	ip = n - e;
	fl = e;
	while (fl > 1 && d[ip + fl - 1] == '0')
		fl--;
	if (!e)
		snprintf(buf, len, "%s.0", d);
	else
		snprintf(buf, len, "%.*s.%.*s", ip, d, fl, d + ip);
	return buf;
}

void ds_om_log2_histogram(struct ds_om *om, const char *family,
			  const char *labels, const __u64 *us_slots, int nslots,
			  __u64 sum_ns)
{
	const __u64 max_le_us = (__u64)DS_OM_MAX_LE_SECONDS * 1000000ULL;
	char le[48], num[32], val[32];
	__u64 cum = 0, total = 0;
	int i;

	for (i = 0; i < nslots; i++)
		total += us_slots[i];
	for (i = 0; i < nslots; i++) {
		cum += us_slots[i];
		if (i >= 62 || (2ULL << i) > max_le_us)
			break;
		ds_om_decimal(num, sizeof(num), 2ULL << i, 6);
		snprintf(le, sizeof(le), "le=\"%s\"", num);
		snprintf(val, sizeof(val), "%llu", cum);
		ds_om_sample(om, family, "_bucket", labels, le, val);
	}
	snprintf(val, sizeof(val), "%llu", total);
	ds_om_sample(om, family, "_bucket", labels, "le=\"+Inf\"", val);
	ds_om_sample(om, family, "_sum", labels, NULL,
		     ds_om_decimal(val, sizeof(val), sum_ns, 9));
	snprintf(val, sizeof(val), "%llu", total);
	ds_om_sample(om, family, "_count", labels, NULL, val);
}

int ds_om_label(char *buf, size_t len, const char *name, const char *value)
{
	size_t o = strlen(buf);
	const char *s;

	if (o + strlen(name) + 4 >= len)
		return -1;
	o += snprintf(buf + o, len - o, "%s%s=\"", o ? "," : "", name);
	for (s = value; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" :
				  *s == '\n' ? "\\n" : NULL;
		size_t need = esc ? 2 : 1;

		if (o + need + 2 >= len)
			return -1;
		if (esc) {
			memcpy(buf + o, esc, 2);
		} else {
			buf[o] = *s;
		}
		o += need;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}
