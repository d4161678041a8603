/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Tracepoint program selection and loading shared by the subcommands.
 *
 * Every traced event has two programs in the BPF object: a tp_btf one
 * (typed arguments, direct CO-RE loads) and a raw_tp one (CO-RE relocated
 * bpf_probe_read_kernel).  Exactly one of each wanted pair is autoloaded;
 * in auto mode tp_btf is tried first and the object is reopened with
 * raw_tp when it does not load.  Detaching is the skeleton's
 * <name>__detach()/__destroy(): only autoloaded programs get links.
 */
#ifndef DS_ATTACH_H
#define DS_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

enum ds_tp_mode {
	DS_TP_AUTO,	/* tp_btf, then raw_tp when tp_btf does not load */
	DS_TP_BTF,	/* tp_btf only */
	DS_TP_RAW,	/* raw_tp only */
};

struct ds_tp_prog {
	const char *event;		/* tracepoint name, e.g. "dirty_scan" */
	struct bpf_program *btf;	/* SEC("tp_btf/<event>") */
	struct bpf_program *raw;	/* SEC("raw_tp/<event>") */
	bool wanted;
};

/* "auto", "tp_btf", "raw_tp" <-> mode; -1 when unknown */
int ds_tp_mode_parse(const char *s);
const char *ds_tp_mode_name(enum ds_tp_mode mode);

/*
 * Autoload the mode's program of each wanted pair and nothing else.
 * mode must be DS_TP_BTF or DS_TP_RAW.
 */
int ds_tp_select(struct ds_tp_prog *progs, size_t n, enum ds_tp_mode mode);

/*
 * State of one open/load attempt loop:
 *
 *	ds_loader_init(&ld, requested_mode);
 *	for (;;) {
 *		skel = x_bpf__open_opts(&ld.opts);
 *		... set rodata, fill struct ds_tp_prog[] ...
 *		ds_tp_select(progs, n, ld.mode);
 *		err = x_bpf__load(skel);
 *		if (!err)
 *			break;
 *		x_bpf__destroy(skel);
 *		if (!ds_loader_retry(&ld, err)) {
 *			ds_loader_report(&ld, "x");
 *			return error;
 *		}
 *	}
 */
struct ds_loader {
	struct bpf_object_open_opts opts;
	enum ds_tp_mode requested;
	enum ds_tp_mode mode;		/* the flavour of the current attempt */
	int err;			/* last load error (negative) */
	char warning[512];		/* libbpf's first warning of that load */
	char *log;			/* verifier log of that load */
	size_t log_size;
};

int ds_loader_init(struct ds_loader *ld, enum ds_tp_mode requested);
void ds_loader_free(struct ds_loader *ld);
/* after a failed load: true when another flavour should be tried */
bool ds_loader_retry(struct ds_loader *ld, int err);
/* one-line reason, then the tail of the verifier log when there is one */
void ds_loader_report(const struct ds_loader *ld, const char *what);

/* the last n lines of a log, each prefixed, to f */
void ds_print_log_tail(FILE *f, const char *log, int n, const char *prefix);

#endif /* DS_ATTACH_H */
