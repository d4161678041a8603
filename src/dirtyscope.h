/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dirtyscope: subcommands and helpers shared by them */
#ifndef DIRTYSCOPE_H
#define DIRTYSCOPE_H

#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <linux/types.h>

#define DS_VERSION	"0.1"

/*
 * Exit status of a usage error (an unknown command or option, a bad or
 * missing argument) in every command: EX_USAGE, what argp exits with.
 */
#define DS_EXIT_USAGE	64

/* a command of a dispatch table: argv[0] is "dirtyscope <name>" */
struct ds_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/*
 * Run the command named by argv[1]: its name or an unambiguous prefix of
 * it ("st" for status).  "help", -h, --help: the commands on stdout;
 * "help COMMAND [ARG...]": COMMAND [ARG...] --help.  No command, or an
 * unknown or ambiguous one: DS_EXIT_USAGE.  what is "dirtyscope" or
 * "dirtyscope policy": the usage line and argv[0] of the command.
 */
int ds_dispatch(const char *what, const struct ds_cmd *cmds, size_t n,
		int argc, char **argv);

/* subcommands: argv[0] is "dirtyscope <name>"; return the exit status */
int cmd_status(int argc, char **argv);
int cmd_lat(int argc, char **argv);
int cmd_rate(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_gate(int argc, char **argv);

/* set by SIGINT/SIGTERM once ds_setup_signals() ran */
extern volatile sig_atomic_t ds_exiting;
int ds_setup_signals(void);

__u64 ds_mono_ns(void);
double ds_wall_seconds(void);
/* sleep until the monotonic deadline or a signal; false when interrupted */
bool ds_sleep_until(__u64 deadline_ns);
/* "HH:MM:SS" local time */
const char *ds_clock_str(char *buf, size_t len);

#endif /* DIRTYSCOPE_H */
