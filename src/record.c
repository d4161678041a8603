// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dirtyscope record: every iommu:dirty_split/merge/scan/clear event, and
 * every device's DMA-log report (vfio:dma_log_report, a scan with
 * DS_DIRTY_DEVICE) where the kernel has it, into a JSON Lines file
 * (recfile.h), like perf record: until Ctrl-C or SIGTERM,
 * the duration, or the command given after the options exits (then with
 * the command's exit status).  The events come from the ring buffer that
 * rate uses (stream.c), with all four programs loaded.  With --bitmaps
 * the dirty bitmaps of the iommufd and type1 ioctls come through a second
 * ring buffer (bitmaps.c) and every line goes through bmcap.c, which
 * assembles the bitmaps and writes the lines in timestamp order.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "attach.h"
#include "bitmaps.h"
#include "bmcap.h"
#include "dirty_ops.h"
#include "dirtyscope.h"
#include "numparse.h"
#include "opts.h"
#include "recfile.h"
#include "stream.h"
#include "trace_helpers.h"

#define REC_POLL_MS	250	/* longest wait between exit-condition checks */

enum {
	OPT_BITMAPS = 0x100,
};

static struct env {
	const char *output;
	long duration;		/* seconds, 0 for none */
	bool bitmaps;		/* --bitmaps */
	struct ds_opts o;	/* --attach, -v */
	char **command;
	int ncommand;
} env;

static const struct argp_option opts[] = {
	{ "output", 'o', "FILE", 0, "write the recording to FILE (- for stdout)", 0 },
	{ "duration", 'd', "SECONDS", 0, "stop after SECONDS", 0 },
	{ "bitmaps", OPT_BITMAPS, NULL, 0,
	  "also record every dirty bitmap user space read or cleared "
	  "(iommufd, VFIO type1; fentry/fexit)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	uint64_t v = 0;

	switch (key) {
	case 'o':
		env.output = arg;
		break;
	case 'd':
		if (ds_parse_u64(arg, NULL, 1, LONG_MAX, &v))
			argp_error(state, "invalid duration: %s", arg);
		env.duration = v;
		break;
	case OPT_BITMAPS:
		env.bitmaps = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	case ARGP_KEY_ARG:
		/* the command: this argument and everything after it */
		env.command = &state->argv[state->next - 1];
		env.ncommand = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!env.output)
			argp_error(state, "-o FILE is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct rec_out {
	FILE *f;
	__u64 events;
	int err;		/* first write error (positive errno) */
	struct ds_bmcap *cap;	/* --bitmaps: every line goes through it */
	struct ds_bm_source *bms;
	struct ds_bm_call *inflight;
};

static int rec_on_event(void *ctx, const struct ds_dirty_event *e)
{
	struct rec_out *o = ctx;

	if (o->cap) {
		int err = ds_bmcap_event(o->cap, e);

		if (err)
			o->err = -err;
		return err;
	}
	if (ds_rec_write_event(o->f, e)) {
		o->err = errno ? errno : EIO;
		return -o->err;		/* stops the ring buffer poll */
	}
	o->events++;
	return 0;
}

static int rec_on_chunk(void *ctx, void *data, size_t len)
{
	struct rec_out *o = ctx;
	int err = ds_bmcap_chunk(o->cap, data, len, ds_mono_ns());

	if (err)
		o->err = -err;
	return err;
}

/*
 * --bitmaps: write what can no longer be preceded by a record to come
 * (bmcap.h): the calls in flight first, then what the ring buffers hold,
 * then the lines older than both the oldest call and now minus the slack.
 * final: the programs are stopping, write everything.
 */
static int rec_bm_step(struct rec_out *o, struct ds_stream *stream, bool final)
{
	__u64 now = ds_mono_ns(), oldest = UINT64_MAX, limit;
	size_t n = 0;
	int err;

	if (!final) {
		err = ds_bm_source_inflight(o->bms, o->inflight,
					    DS_BM_MAX_INFLIGHT, &n, &oldest);
		if (err)
			return err;
	}
	ds_stream_consume(stream);
	if (o->err)
		return -o->err;
	ds_bmcap_expire(o->cap, o->inflight, n, now, final);
	limit = now - DS_BMCAP_SLACK_NS < oldest ? now - DS_BMCAP_SLACK_NS : oldest;
	if (ds_bmcap_flush(o->cap, final ? UINT64_MAX : limit)) {
		o->err = errno ? errno : EIO;
		return -o->err;
	}
	return 0;
}

/* --bitmaps: the calls not recorded; when some were, why, in one line */
static __u64 rec_bm_lost(const struct rec_out *o)
{
	const struct ds_bmcap_stats *st = ds_bmcap_stats(o->cap);
	struct ds_bm_lost l;
	char why[256] = "";
	__u64 total;

	ds_bm_source_lost(o->bms, &l);
	total = l.ringbuf + l.fault + l.large + l.inflight + l.invalid +
		st->malformed + st->late;
#define REC_WHY(n, what)						\
	do {								\
		if (n)							\
			snprintf(why + strlen(why), sizeof(why) - strlen(why), \
				 "%s%llu " what, why[0] ? ", " : "", n); \
	} while (0)
	REC_WHY(l.ringbuf, "ring buffer full");
	REC_WHY(l.fault, "not readable");
	REC_WHY(l.large, "larger than the limit");
	REC_WHY(l.inflight, "too many calls at once");
	REC_WHY(l.invalid, "invalid range");
	REC_WHY(st->malformed, "malformed records");
	REC_WHY(st->late, "late");
#undef REC_WHY
	if (total)
		ds_err("%llu dirty bitmaps not recorded (%s)", total, why);
	return total;
}

static volatile sig_atomic_t rec_sigchld;

static void rec_on_sigchld(int sig)
{
	(void)sig;
	rec_sigchld = 1;
}

/* SIGCHLD interrupts the ring buffer poll (no SA_RESTART) */
static int rec_setup_sigchld(void)
{
	struct sigaction sa = { .sa_handler = rec_on_sigchld };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGCHLD, &sa, NULL) ? -errno : 0;
}

/* fork and exec the command; its stdout goes to stderr when ours is the data */
static pid_t rec_spawn(bool stdout_is_data)
{
	pid_t pid = fork();

	if (pid < 0) {
		ds_err("cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid)
		return pid;
	if (stdout_is_data && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	execvp(env.command[0], env.command);
	fprintf(stderr, "%s: cannot run %s: %s\n", ds_prog, env.command[0],
		strerror(errno));
	_exit(127);
}

/* the shell's convention: exit code, or 128 + signal */
static int rec_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* stop a command that is still running: SIGTERM, SIGKILL on a second signal */
static void rec_stop_child(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	ds_exiting = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return;
		if (ds_exiting)
			kill(pid, SIGKILL);
	}
}

int cmd_record(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ds_attach_argp, 0, NULL, 0 },
		{},
	};
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.children = children,
		.args_doc = "[--] [COMMAND [ARG...]]",
		.doc = "Record every iommu dirty-tracking event to a file.\v"
		       "One JSON object per line: a header (format version, kernel, host,\n"
		       "clock base), one line per iommu:dirty_split/merge/scan/clear event\n"
		       "and a trailer (event and lost-record counts).  With --bitmaps also\n"
		       "one line per dirty bitmap an iommufd or VFIO type1 ioctl read or\n"
		       "cleared, with the bitmap itself (format version 2; see\n"
		       "docs/cli.md for the limits and the cost).  Recording stops on\n"
		       "Ctrl-C or SIGTERM, after -d SECONDS, or when COMMAND exits; then\n"
		       "dirtyscope exits with the command's status.  'dirtyscope report\n"
		       "FILE' summarizes a recording.\n\n"
		       "EXAMPLES:\n"
		       "    dirtyscope record -o dirty.jsonl             # until Ctrl-C\n"
		       "    dirtyscope record -o dirty.jsonl -d 30       # 30 seconds\n"
		       "    dirtyscope record --bitmaps -o dirty.jsonl -- ./vmm  # and the bitmaps\n"
		       "    dirtyscope record -o dirty.jsonl -- ./migrate --precopy",
	};
	struct ds_stream *stream = NULL;
	struct ds_stream_opts so;
	struct ds_rec_header hdr;
	struct ds_rec_trailer end = {};
	struct rec_out out = {};
	bool to_stdout = false, child_done = false, written = false;
	__u64 deadline = UINT64_MAX, t0 = 0;
	pid_t child = 0;
	int err, op, status = 0, ret = 1;

	err = argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL);
	if (err)
		return DS_EXIT_USAGE;

	ds_libbpf_setup(env.o.verbose);
	if (!ds_require_privs() || !ds_require_btf())
		return 1;
	if (env.bitmaps && !ds_bm_source_check(env.o.verbose))
		return 1;
	for (op = 0; op < DS_OP_NR; op++)
		if (!ds_require_tp(DS_TP_SYSTEM, ds_op_event(op)))
			return 1;

	/* start_ns before attaching: no event is older than the recording */
	ds_rec_header_init(&hdr);
	if (env.bitmaps)
		hdr.version = DS_REC_VERSION_BITMAPS;
	so = (struct ds_stream_opts){
		.what = "record",
		.op_mask = (1U << DS_OP_NR) - 1,
		.mode = env.o.mode,
		.verbose = env.o.verbose,
	};
	stream = ds_stream_open(&so, rec_on_event, &out);
	if (!stream)
		goto out;
	if (env.bitmaps) {
		out.bms = ds_bm_source_open(env.o.verbose);
		if (!out.bms)
			goto out;
		err = ds_stream_add_ring(stream, ds_bm_source_ring_fd(out.bms),
					 rec_on_chunk, &out);
		out.inflight = calloc(DS_BM_MAX_INFLIGHT, sizeof(*out.inflight));
		if (err || !out.inflight) {
			ds_err("cannot set up the bitmap ring buffer: %s",
			       strerror(err ? -err : ENOMEM));
			goto out;
		}
	}
	/* created once the programs run: a record that cannot start leaves none */
	to_stdout = !strcmp(env.output, "-");
	out.f = to_stdout ? stdout : fopen(env.output, "we");
	if (!out.f) {
		ds_err("cannot open %s: %s", env.output, strerror(errno));
		goto out;
	}
	if (env.bitmaps && !(out.cap = ds_bmcap_new(out.f))) {
		ds_err("out of memory");
		goto out;
	}
	if (ds_setup_signals() || rec_setup_sigchld()) {
		ds_err("cannot set up signal handlers: %s", strerror(errno));
		goto out;
	}
	if (ds_rec_write_header(out.f, &hdr, env.command, env.ncommand) ||
	    fflush(out.f)) {
		ds_err("cannot write %s: %s", env.output, strerror(errno));
		goto out;
	}
	t0 = ds_mono_ns();
	if (env.duration)
		deadline = t0 + env.duration * 1000000000ULL;
	if (env.command) {
		child = rec_spawn(to_stdout);
		if (child < 0)
			goto out;
	} else {
		fprintf(stderr, "Recording iommu dirty-tracking events to %s... Hit Ctrl-C to end.\n",
			env.output);
	}

	while (!ds_exiting) {
		__u64 now, ms;

		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child_done = true;
			break;
		}
		now = ds_mono_ns();
		if (now >= deadline)
			break;
		ms = (deadline - now) / 1000000 + 1;
		err = ds_stream_poll(stream, ms > REC_POLL_MS ? REC_POLL_MS : (int)ms);
		/* the programs wake us only when the buffer fills up */
		if (err >= 0 || err == -EINTR)
			ds_stream_consume(stream);
		if (out.err) {
			ds_err("cannot write %s: %s", env.output, strerror(out.err));
			goto out;
		}
		if (err < 0 && err != -EINTR) {
			ds_err("ring buffer poll: %s", strerror(-err));
			goto out;
		}
		if (out.cap && (err = rec_bm_step(&out, stream, false))) {
			if (out.err)
				ds_err("cannot write %s: %s", env.output,
				       strerror(out.err));
			else
				ds_err("bitmap calls in flight: %s", strerror(-err));
			goto out;
		}
		if (fflush(out.f)) {
			ds_err("cannot write %s: %s", env.output, strerror(errno));
			goto out;
		}
	}
	/* what the command or the kernel queued before we stopped */
	ds_stream_consume(stream);
	if (out.cap)
		rec_bm_step(&out, stream, true);
	end = (struct ds_rec_trailer){
		.present = true,
		.end_ns = ds_mono_ns(),
		.events = out.events,
		.dropped = ds_stream_dropped(stream),
	};
	if (out.cap) {
		end.events = ds_bmcap_stats(out.cap)->events;
		end.has_bitmaps = true;
		end.bitmaps = ds_bmcap_stats(out.cap)->bitmaps;
		end.bitmaps_lost = rec_bm_lost(&out);
	}
	if (out.err || ds_rec_write_trailer(out.f, &end) || fflush(out.f) ||
	    (!to_stdout && fsync(fileno(out.f)))) {
		ds_err("cannot write %s: %s", env.output,
		       strerror(out.err ? out.err : errno));
		goto out;
	}
	written = true;
	ret = child_done ? rec_exit_code(status) : 0;
out:
	/* detach first: nothing more is written once we stop */
	ds_stream_close(stream);
	ds_bm_source_close(out.bms);
	ds_bmcap_free(out.cap);
	free(out.inflight);
	if (child > 0 && !child_done)
		rec_stop_child(child);
	if (out.f && !to_stdout && fclose(out.f) && written) {
		ds_err("cannot write %s: %s", env.output, strerror(errno));
		written = false;
		ret = 1;
	}
	if (written && end.has_bitmaps)
		fprintf(stderr, "Recorded %llu events (%llu lost) and %llu bitmaps (%llu lost) in %.1f s to %s.\n",
			end.events, end.dropped, end.bitmaps, end.bitmaps_lost,
			(end.end_ns - t0) / 1e9, env.output);
	else if (written)
		fprintf(stderr, "Recorded %llu events (%llu lost) in %.1f s to %s.\n",
			end.events, end.dropped, (end.end_ns - t0) / 1e9,
			env.output);
	return ret;
}
