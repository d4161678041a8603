// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope: observe and tune ARM SMMUv3 hardware DMA dirty tracking.
 * One binary, bpftool-style "dirtyscope <command> [options]".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dirtyscope.h"
#include "trace_helpers.h"

const char *argp_program_version = "dirtyscope " DS_VERSION;

struct ds_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct ds_cmd ds_cmds[] = {
	{ "status", cmd_status, "what this kernel and machine support" },
	{ "lat", cmd_lat, "latency histograms of split/merge/scan/clear" },
	{ "rate", cmd_rate, "per-domain dirty rate and scan throughput" },
	{ "record", cmd_record, "record dirty-tracking events to a file" },
	{ "report", cmd_report, "summarize a recording (histograms, rates, heat map)" },
	{ "policy", cmd_policy, "choose a clear policy: simulate, replay, recommend" },
	{ "bench", cmd_bench, "run a benchmark program, write its samples for gate" },
	{ "gate", cmd_gate, "compare a benchmark run with a baseline (CI latency gate)" },
};

#define DS_NR_CMDS	(sizeof(ds_cmds) / sizeof(ds_cmds[0]))

volatile sig_atomic_t ds_exiting;

static void ds_on_signal(int sig)
{
	(void)sig;
	ds_exiting = 1;
}

int ds_setup_signals(void)
{
	struct sigaction sa = { .sa_handler = ds_on_signal };

	/* no SA_RESTART: sleeps and polls return early on Ctrl-C */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

__u64 ds_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double ds_wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool ds_sleep_until(__u64 deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / 1000000000ULL,
		.tv_nsec = deadline_ns % 1000000000ULL,
	};

	while (!ds_exiting) {
		int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					  NULL);

		if (!err)
			return true;
		if (err != EINTR)
			return false;
	}
	return false;
}

const char *ds_clock_str(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	strftime(buf, len, "%H:%M:%S", localtime_r(&t, &tm));
	return buf;
}

static void ds_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <command> [options]\n\nCommands:\n", ds_prog);
	for (i = 0; i < DS_NR_CMDS; i++)
		fprintf(f, "  %-9s %s%s\n", ds_cmds[i].name, ds_cmds[i].summary,
			ds_cmds[i].fn ? "" : " (not yet implemented)");
	fprintf(f, "\n'%s <command> --help' for the options of a command.\n",
		ds_prog);
}

/* exact name, or an unambiguous prefix ("st" for status) */
static const struct ds_cmd *ds_find_cmd(const char *name)
{
	const struct ds_cmd *found = NULL;
	size_t i, n = strlen(name);

	for (i = 0; i < DS_NR_CMDS; i++) {
		if (!strcmp(ds_cmds[i].name, name))
			return &ds_cmds[i];
		if (n && !strncmp(ds_cmds[i].name, name, n)) {
			if (found)
				return NULL;
			found = &ds_cmds[i];
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	const struct ds_cmd *cmd;
	char name[64];

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		ds_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "-V") ||
	    !strcmp(argv[1], "--version")) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	cmd = ds_find_cmd(argv[1]);
	if (!cmd) {
		ds_err("unknown or ambiguous command '%s' (try '%s help')",
		       argv[1], ds_prog);
		return 2;
	}
	/* argp prints "dirtyscope lat" in usage and errors */
	snprintf(name, sizeof(name), "%s %s", ds_prog, cmd->name);
	argv[1] = name;
	return cmd->fn(argc - 1, argv + 1);
}
