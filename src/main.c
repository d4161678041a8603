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

static void ds_usage(FILE *f, const char *what, const struct ds_cmd *cmds,
		     size_t n)
{
	size_t i;

	fprintf(f, "Usage: %s COMMAND [OPTION...]\n\nCommands:\n", what);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'%s COMMAND --help' (or '%s help COMMAND') for the options of a command.\n",
		what, what);
}

/*
 * The command of a name: itself, or the one command it is a prefix of
 * ("st" for status).  NULL when none; *ambiguous when more than one.
 */
static const struct ds_cmd *ds_find_cmd(const struct ds_cmd *cmds, size_t n,
					const char *name, bool *ambiguous)
{
	const struct ds_cmd *found = NULL;
	size_t i, len = strlen(name);

	*ambiguous = false;
	for (i = 0; i < n; i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
		if (len && !strncmp(cmds[i].name, name, len)) {
			if (found)
				*ambiguous = true;
			found = &cmds[i];
		}
	}
	return *ambiguous ? NULL : found;
}

/* "status, lat, ..." or the commands name is a prefix of */
static void ds_cmd_list(const struct ds_cmd *cmds, size_t n, const char *prefix,
			char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		if (prefix && strncmp(cmds[i].name, prefix, strlen(prefix)))
			continue;
		o += snprintf(buf + o, len - o, "%s%s", o ? ", " : "", cmds[i].name);
	}
}

int ds_dispatch(const char *what, const struct ds_cmd *cmds, size_t n,
		int argc, char **argv)
{
	/* "dirtyscope policy" -> "policy: " in errors, "" for the top level */
	const char *sub = strchr(what, ' ');
	const struct ds_cmd *cmd;
	char list[256], *name;
	char **args = NULL;
	bool help = false, ambiguous;
	int i, ret;

	if (argc < 2) {
		ds_usage(stderr, what, cmds, n);
		return DS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		if (argc == 2 || strcmp(argv[1], "help")) {
			ds_usage(stdout, what, cmds, n);
			return 0;
		}
		/* help COMMAND [SUBCOMMAND...]: COMMAND [SUBCOMMAND...] --help */
		help = true;
		argv++;
		argc--;
	}
	cmd = ds_find_cmd(cmds, n, argv[1], &ambiguous);
	if (!cmd) {
		ds_cmd_list(cmds, n, ambiguous ? argv[1] : NULL, list, sizeof(list));
		ds_err("%s%s%s command '%s' (%s)", sub ? sub + 1 : "", sub ? ": " : "",
		       ambiguous ? "ambiguous" : "unknown", argv[1], list);
		return DS_EXIT_USAGE;
	}
	/* argp prints "dirtyscope lat" in usage and errors */
	if (asprintf(&name, "%s %s", what, cmd->name) < 0) {
		ds_err("out of memory");
		return 1;
	}
	if (help) {
		/* argp may permute it: a writable copy, NULL-terminated */
		args = calloc(argc + 1, sizeof(*args));
		if (!args) {
			free(name);
			ds_err("out of memory");
			return 1;
		}
		args[0] = name;
		for (i = 2; i < argc; i++)
			args[i - 1] = argv[i];
		args[argc - 1] = (char *)"--help";
		ret = cmd->fn(argc, args);
	} else {
		argv[1] = name;
		ret = cmd->fn(argc - 1, argv + 1);
	}
	free(args);
	free(name);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "version") || !strcmp(argv[1], "-V") ||
			  !strcmp(argv[1], "--version"))) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	return ds_dispatch(ds_prog, ds_cmds, sizeof(ds_cmds) / sizeof(ds_cmds[0]),
			   argc, argv);
}
