/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Options several subcommands share, as argp children. A command lists the
 * groups it takes in the children of its argp, keeps one struct ds_opts and
 * hands it to them with ds_opts_init() at ARGP_KEY_INIT; its own parser
 * returns ARGP_ERR_UNKNOWN for everything else, as usual.
 */
#ifndef DIRTYSCOPE_OPTS_H
#define DIRTYSCOPE_OPTS_H

#include <argp.h>
#include <stdbool.h>
#include <linux/types.h>

#include "attach.h"
#include "openmetrics.h"

struct ds_opts {
	long interval;			/* [interval], seconds */
	long count;			/* [count] */
	int nargs;
	const char *prom;		/* --prom FILE */
	enum ds_om_dialect prom_format;	/* --prom-format */
	enum ds_tp_mode mode;		/* --attach */
	bool verbose;			/* -v */
	bool json;			/* -j, or -p */
	bool pretty;			/* -p: indented JSON (implies -j) */
};

extern const struct argp ds_interval_argp;	/* [interval] [count] */
extern const struct argp ds_prom_argp;		/* --prom, --prom-format */
extern const struct argp ds_attach_argp;	/* --attach, -v */
extern const struct argp ds_json_argp;		/* -j */
/* -j, -p: indented JSON, implying -j (as in bpftool) */
extern const struct argp ds_json_pretty_argp;

void ds_opts_init(struct argp_state *state, struct ds_opts *opts);
/* -d ID: an iommu domain id (u32), or an argp usage error */
__u32 ds_parse_domain(struct argp_state *state, const char *arg);

#endif
