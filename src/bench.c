// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope bench: run a benchmark program and write its samples as a
 * bench file, the input of "dirtyscope gate". The program reports on its
 * stdout, one directive per line (docs/cli.md):
 *
 *   bench-sample METRIC VALUE     one sample (a positive number)
 *   bench-unit METRIC UNIT        the unit of METRIC (default ns)
 *   bench-reference METRIC        the metric the others are divided by
 *   bench-param KEY VALUE         what the run did (range size, ...): the
 *                                 gate refuses to compare different params
 *
 * Other lines pass through to stdout (to stderr with -o -). The file gets
 * the metrics in the order they first appear, the samples in the order
 * printed, and the kernel, machine, host, time and command of the run.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "benchfile.h"
#include "dirtyscope.h"
#include "trace_helpers.h"

static struct env {
	const char *output;
	char **cmd;
	int ncmd;
} env;

static const struct argp_option opts[] = {
	{ "output", 'o', "FILE", 0, "write the bench file to FILE (- for stdout)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		env.output = arg;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		/* the command and its arguments are not ours to parse */
		env.cmd = &state->argv[state->next - 1];
		env.ncmd = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!env.output)
			argp_error(state, "-o FILE is required");
		if (!env.ncmd)
			argp_error(state, "COMMAND (the benchmark program) is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* next space-separated word of *s, NUL-terminated in place; NULL at the end */
static char *word(char **s)
{
	char *w;

	*s += strspn(*s, " \t");
	if (!**s)
		return NULL;
	w = *s;
	*s += strcspn(*s, " \t");
	if (**s)
		*(*s)++ = 0;
	return w;
}

static struct json_object *param_value(const char *v)
{
	char *end;
	long long i;
	double d;

	errno = 0;
	i = strtoll(v, &end, 10);
	if (!errno && end != v && !*end)
		return json_object_new_int64(i);
	d = strtod(v, &end);
	if (end != v && !*end && isfinite(d))
		return json_object_new_double(d);
	return json_object_new_string(v);
}

/* one directive (the line without "bench-"): 0, or -EINVAL with @reason */
static int directive(struct ds_bench *b, char *line, char *reason, size_t len)
{
	char *verb = line, *rest, *name, *val, *end;
	struct ds_bench_metric *m;
	double v;

	rest = line + strcspn(line, " \t");
	if (*rest)
		*rest++ = 0;
	name = word(&rest);
	if (!strcmp(verb, "param")) {
		val = rest + strspn(rest, " \t");
		if (!name || !*val) {
			snprintf(reason, len, "bench-param needs KEY VALUE");
			return -EINVAL;
		}
		if (!ds_bench_name_ok(name)) {
			snprintf(reason, len, "bench-param: \"%.80s\" is not a valid "
				 "name ([A-Za-z0-9_.-])", name);
			return -EINVAL;
		}
		if (!b->params && !(b->params = json_object_new_object()))
			return -ENOMEM;
		json_object_object_add(b->params, name, param_value(val));
		return 0;
	}
	if (strcmp(verb, "sample") && strcmp(verb, "unit") &&
	    strcmp(verb, "reference")) {
		snprintf(reason, len, "unknown directive bench-%.40s (sample, unit, "
			 "reference, param)", verb);
		return -EINVAL;
	}
	if (!name || !ds_bench_name_ok(name)) {
		snprintf(reason, len, "bench-%s: %s%.80s%s is not a metric name "
			 "([A-Za-z0-9_.-], at most %d)", verb, name ? "\"" : "",
			 name ? name : "missing name", name ? "\"" : "",
			 DS_BENCH_NAME_MAX);
		return -EINVAL;
	}
	val = word(&rest);
	if (!strcmp(verb, "reference")) {
		if (val) {
			snprintf(reason, len, "bench-reference takes one metric");
			return -EINVAL;
		}
		if (b->reference && strcmp(b->reference, name)) {
			snprintf(reason, len, "bench-reference: already \"%s\"",
				 b->reference);
			return -EINVAL;
		}
		if (!b->reference && !(b->reference = strdup(name)))
			return -ENOMEM;
		return 0;
	}
	if (!val || word(&rest)) {
		snprintf(reason, len, "bench-%s takes METRIC %s", verb,
			 !strcmp(verb, "unit") ? "UNIT" : "VALUE");
		return -EINVAL;
	}
	m = ds_bench_get(b, name);
	if (!m)
		return -ENOMEM;
	if (!strcmp(verb, "unit")) {
		free(m->unit);
		m->unit = strdup(val);
		return m->unit ? 0 : -ENOMEM;
	}
	v = strtod(val, &end);
	if (end == val || *end || !isfinite(v) || v <= 0) {
		snprintf(reason, len, "bench-sample %s: \"%.40s\" is not a positive "
			 "number", name, val);
		return -EINVAL;
	}
	if (ds_bench_add_sample(m, v)) {
		snprintf(reason, len, "bench-sample %s: more than %d samples", name,
			 DS_BENCH_MAX_SAMPLES);
		return -EINVAL;
	}
	return 0;
}

static void fill_header(struct ds_bench *b)
{
	struct utsname u;
	int i;

	b->dirtyscope = strdup(DS_VERSION);
	if (!uname(&u)) {
		b->kernel = strdup(u.release);
		b->machine = strdup(u.machine);
		b->hostname = strdup(u.nodename);
	}
	b->time = time(NULL);
	b->command = json_object_new_array();
	for (i = 0; b->command && i < env.ncmd; i++)
		json_object_array_add(b->command, json_object_new_string(env.cmd[i]));
}

/* the benchmark program, while it runs: where SIGINT and SIGTERM go */
static volatile pid_t bench_child;

static void bench_forward(int sig)
{
	if (bench_child > 0)
		kill(bench_child, sig);
}

/*
 * SIGINT and SIGTERM go to the program (which may clean up, e.g. unmap
 * its DMA), and bench reads its output to the end and reaps it as
 * usual: no program is left running.  Blocked until the child's pid is
 * known; the child gets the default actions and an empty mask back.
 */
static int forward_signals(sigset_t *old)
{
	struct sigaction sa = { .sa_handler = bench_forward, .sa_flags = SA_RESTART };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigemptyset(&sa.sa_mask);
	if (sigprocmask(SIG_BLOCK, &set, old) ||
	    sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

/*
 * run the command with its stdout into @b; its exit status, or 128 + the
 * signal that ended it (also in *termsig, else 0)
 */
static int run(struct ds_bench *b, FILE *pass, char *err, size_t errlen,
	       int *termsig)
{
	size_t cap = 0, lineno = 0, nsamples = 0;
	char *line = NULL, reason[256];
	int fds[2], status;
	sigset_t mask;
	ssize_t n;
	pid_t pid;
	FILE *in;

	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (forward_signals(&mask)) {
		snprintf(err, errlen, "cannot set up signal handlers: %s",
			 strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &mask, NULL);
		return -1;
	}
	if (!pid) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		dup2(fds[1], STDOUT_FILENO);
		execvp(env.cmd[0], env.cmd);
		fprintf(stderr, "%s: cannot run %s: %s\n", ds_prog, env.cmd[0],
			strerror(errno));
		_exit(127);
	}
	bench_child = pid;
	sigprocmask(SIG_SETMASK, &mask, NULL);	/* a pending signal goes now */
	close(fds[1]);
	in = fdopen(fds[0], "r");
	while (in && (n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (strncmp(line, "bench-", 6)) {
			fprintf(pass, "%s\n", line);
			continue;
		}
		if (*err)
			continue;	/* the first error is the one reported */
		nsamples += !strncmp(line, "bench-sample", 12);
		reason[0] = 0;
		switch (directive(b, line + 6, reason, sizeof(reason))) {
		case 0:
			break;
		case -ENOMEM:
			snprintf(err, errlen, "out of memory");
			break;
		default:
			snprintf(err, errlen, "%s: line %zu: %s", env.cmd[0], lineno,
				 reason);
		}
	}
	free(line);
	if (in)
		fclose(in);
	else
		close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bench_child = 0;
	if (!*err && !nsamples)
		snprintf(err, errlen, "%s printed no bench-sample lines", env.cmd[0]);
	*termsig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int cmd_bench(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.args_doc = "COMMAND [ARG...]",
		.doc = "Run a benchmark program and write its samples as a bench "
		       "file (the input of 'dirtyscope gate').\v"
		       "The program prints one directive per line on stdout:\n"
		       "  bench-sample METRIC VALUE   one sample (positive)\n"
		       "  bench-unit METRIC UNIT      default ns\n"
		       "  bench-reference METRIC      what the gate divides by\n"
		       "  bench-param KEY VALUE       what the run did\n"
		       "Other lines pass through. Exit status: the program's when it "
		       "failed (no file is written), 1 on a malformed directive, "
		       "0 when the file was written.",
	};
	struct ds_bench b;
	char err[512] = "", reason[256];
	int status, termsig = 0, ret = 1;
	FILE *pass;

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL))
		return DS_EXIT_USAGE;
	pass = strcmp(env.output, "-") ? stdout : stderr;
	ds_bench_init(&b);
	fill_header(&b);
	status = run(&b, pass, err, sizeof(err), &termsig);
	if (status < 0) {
		ds_err("%s", err);
	} else if (termsig) {
		ds_err("%s killed by SIG%s: no bench file written", env.cmd[0],
		       sigabbrev_np(termsig) ? sigabbrev_np(termsig) : "?");
		ret = status;
	} else if (status) {
		ds_err("%s exited with status %d: no bench file written",
		       env.cmd[0], status);
		ret = status;
	} else if (*err) {
		ds_err("%s", err);
	} else if (ds_bench_check(&b, reason, sizeof(reason))) {
		ds_err("%s: %s", env.cmd[0], reason);
	} else {
		int werr = ds_bench_write_file(env.output, &b);
		size_t i, n = 0;

		for (i = 0; i < b.nmetrics; i++)
			n += b.metrics[i].n;
		if (werr)
			ds_err("cannot write %s: %s", env.output, strerror(-werr));
		else
			fprintf(stderr, "%s: %zu samples of %zu metrics to %s\n",
				ds_prog, n, b.nmetrics,
				strcmp(env.output, "-") ? env.output : "stdout");
		ret = werr ? 1 : 0;
	}
	ds_bench_free(&b);
	return ret;
}
