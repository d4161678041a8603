// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tp_btf / raw_tp selection and loading with fallback, see attach.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "trace_helpers.h"

#define DS_LOG_SIZE		(1U << 20)
#define DS_LOG_TAIL_LINES	20

int ds_tp_mode_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return DS_TP_AUTO;
	if (!strcmp(s, "tp_btf"))
		return DS_TP_BTF;
	if (!strcmp(s, "raw_tp"))
		return DS_TP_RAW;
	return -1;
}

const char *ds_tp_mode_name(enum ds_tp_mode mode)
{
	switch (mode) {
	case DS_TP_AUTO:
		return "auto";
	case DS_TP_BTF:
		return "tp_btf";
	case DS_TP_RAW:
		return "raw_tp";
	}
	return "?";
}

int ds_tp_select(struct ds_tp_prog *progs, size_t n, enum ds_tp_mode mode)
{
	size_t i;
	int err;

	if (mode != DS_TP_BTF && mode != DS_TP_RAW)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		err = bpf_program__set_autoload(progs[i].btf,
				progs[i].wanted && mode == DS_TP_BTF);
		if (!err)
			err = bpf_program__set_autoload(progs[i].raw,
				progs[i].wanted && mode == DS_TP_RAW);
		if (err)
			return err;
		if (progs[i].wanted && ds_libbpf_verbose())
			fprintf(stderr, "%s: %s: loading the %s program\n", ds_prog,
				progs[i].event, ds_tp_mode_name(mode));
	}
	return 0;
}

int ds_loader_init(struct ds_loader *ld, enum ds_tp_mode requested)
{
	memset(ld, 0, sizeof(*ld));
	ld->log = calloc(1, DS_LOG_SIZE);
	if (!ld->log)
		return -ENOMEM;
	ld->log_size = DS_LOG_SIZE;
	ld->opts.sz = sizeof(ld->opts);
	ld->opts.kernel_log_buf = ld->log;
	ld->opts.kernel_log_size = ld->log_size;
	ld->requested = requested;
	ld->mode = requested == DS_TP_RAW ? DS_TP_RAW : DS_TP_BTF;
	/* the first libbpf warning of each attempt explains its failure */
	ds_libbpf_setup(ds_libbpf_verbose());
	return 0;
}

void ds_loader_free(struct ds_loader *ld)
{
	free(ld->log);
	ld->log = NULL;
}

bool ds_loader_retry(struct ds_loader *ld, int err)
{
	const char *w = ds_libbpf_last_warning();

	ld->err = err;
	snprintf(ld->warning, sizeof(ld->warning), "%s", w ? w : "");
	if (ld->requested != DS_TP_AUTO || ld->mode != DS_TP_BTF)
		return false;
	if (ds_libbpf_verbose())
		fprintf(stderr, "%s: tp_btf programs did not load (%s), retrying with raw_tp\n",
			ds_prog, w ? w : strerror(-err));
	ld->mode = DS_TP_RAW;
	ld->log[0] = '\0';
	ds_libbpf_setup(ds_libbpf_verbose());
	return true;
}

void ds_print_log_tail(FILE *f, const char *log, int n, const char *prefix)
{
	const char *end = log + strlen(log);
	const char *p = end;
	int lines = 0;

	/* ignore trailing newlines, then walk back n line starts */
	while (p > log && p[-1] == '\n')
		p--;
	end = p;
	while (p > log) {
		if (p[-1] == '\n' && ++lines == n)
			break;
		p--;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		fprintf(f, "%s%.*s\n", prefix, (int)len, p);
		p += len + (nl ? 1 : 0);
	}
}

void ds_loader_report(const struct ds_loader *ld, const char *what)
{
	char ename[32];

	if (ld->warning[0])
		ds_err("cannot load %s BPF programs (%s): %s", what,
		       ds_tp_mode_name(ld->mode), ld->warning);
	else
		ds_err("cannot load %s BPF programs (%s): %s (%s)", what,
		       ds_tp_mode_name(ld->mode), strerror(-ld->err),
		       ds_errno_name(ld->err, ename, sizeof(ename)));
	if (ld->log && ld->log[0]) {
		fprintf(stderr, "%s: verifier log (last %d lines):\n", ds_prog,
			DS_LOG_TAIL_LINES);
		ds_print_log_tail(stderr, ld->log, DS_LOG_TAIL_LINES, "  ");
	}
}
