// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Environment checks and error reporting shared by the subcommands. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <tracefs.h>
#include "trace_helpers.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

const char *ds_prog = "dirtyscope";

void ds_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ds_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *ds_errno_name(int err, char *buf, size_t len)
{
	const char *name;

	if (err < 0)
		err = -err;
	switch (err) {
	case 524:	/* kernel-internal, no libc name */
		name = "ENOTSUPP";
		break;
	default:
		name = strerrorname_np(err);
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "errno %d", err);
	return buf;
}

/* libbpf output */

static bool ds_verbose;
static char ds_first_warning[512];

static int ds_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	char line[512];
	size_t n;
	va_list cp;

	if (level == LIBBPF_WARN && !ds_first_warning[0]) {
		va_copy(cp, ap);
		vsnprintf(line, sizeof(line), fmt, cp);
		va_end(cp);
		n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (!strncmp(line, "libbpf: ", 8))
			memmove(line, line + 8, n - 8 + 1);
		snprintf(ds_first_warning, sizeof(ds_first_warning), "%s", line);
	}
	return ds_verbose ? vfprintf(stderr, fmt, ap) : 0;
}

void ds_libbpf_setup(bool verbose)
{
	ds_verbose = verbose;
	ds_first_warning[0] = '\0';
	libbpf_set_print(ds_libbpf_print);
}

bool ds_libbpf_verbose(void)
{
	return ds_verbose;
}

const char *ds_libbpf_last_warning(void)
{
	return ds_first_warning[0] ? ds_first_warning : NULL;
}

/* privileges */

bool ds_have_bpf_privs(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

#define DS_HAS_CAP(c)	(data[(c) / 32].effective & (1U << ((c) % 32)))
	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	if (DS_HAS_CAP(CAP_SYS_ADMIN))
		return true;
	return DS_HAS_CAP(CAP_BPF) && DS_HAS_CAP(CAP_PERFMON);
#undef DS_HAS_CAP
}

bool ds_require_privs(void)
{
	if (ds_have_bpf_privs())
		return true;
	ds_err("must be run as root (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)");
	return false;
}

/* BTF */

bool ds_btf_present(void)
{
	return access(DS_VMLINUX_BTF, R_OK) == 0;
}

bool ds_require_btf(void)
{
	if (ds_btf_present())
		return true;
	ds_err("kernel BTF %s not found (kernel built without CONFIG_DEBUG_INFO_BTF?)",
	       DS_VMLINUX_BTF);
	return false;
}

struct btf *ds_vmlinux_btf(void)
{
	static struct btf *btf;
	static int err;

	if (!btf && !err) {
		btf = btf__load_vmlinux_btf();
		if (!btf)
			err = errno ? errno : ENOENT;
	}
	if (!btf)
		errno = err;
	return btf;
}

bool ds_btf_has_func(const char *func)
{
	struct btf *btf = ds_vmlinux_btf();

	return btf && btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) > 0;
}

bool ds_btf_module_loaded(const char *module)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", DS_SYSFS_BTF, module);
	return access(path, R_OK) == 0;
}

const char *ds_btf_func_where_in(const char *dir, const char *func,
				 const char *module)
{
	struct btf *vml = ds_vmlinux_btf(), *mod;
	char path[PATH_MAX];
	bool found;

	if (!vml)
		return NULL;
	if (btf__find_by_name_kind(vml, func, BTF_KIND_FUNC) > 0)
		return "vmlinux";
	if (!module)
		return NULL;
	/* a module's BTF is split BTF on top of vmlinux's */
	snprintf(path, sizeof(path), "%s/%s", dir, module);
	if (access(path, R_OK))
		return NULL;
	mod = btf__parse_split(path, vml);
	if (!mod)
		return NULL;
	found = btf__find_by_name_kind(mod, func, BTF_KIND_FUNC) > 0;
	btf__free(mod);
	return found ? module : NULL;
}

const char *ds_btf_func_where(const char *func, const char *module)
{
	return ds_btf_func_where_in(DS_SYSFS_BTF, func, module);
}

/* tracefs */

const char *ds_tracefs_find(void)
{
	static const char *path;

	/*
	 * libtracefs looks where tracefs can be (its mounts, debugfs's
	 * tracing/); false: it must not mount it, status only reports.
	 * Found once: the path is the library's and lives as long as we do.
	 */
	if (!path && tracefs_tracing_dir_is_mounted(false, &path) <= 0)
		path = NULL;
	return path;
}

/* tracepoints */

void ds_tp_check(const char *system, const char *name, struct ds_tp_check *c)
{
	struct btf *btf = ds_vmlinux_btf();
	const char *tracefs = ds_tracefs_find();
	char tname[128], path[512];

	memset(c, 0, sizeof(*c));
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	if (btf)
		c->in_btf = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF) > 0;
	if (tracefs) {
		snprintf(path, sizeof(path), "%s/events/%s/%s", tracefs, system,
			 name);
		c->in_tracefs = access(path, F_OK) == 0;
	}
	c->present = c->in_btf || c->in_tracefs;

	if (c->in_btf && c->in_tracefs)
		snprintf(c->reason, sizeof(c->reason),
			 "BTF %s, tracefs events/%s/%s", tname, system, name);
	else if (c->in_btf)
		snprintf(c->reason, sizeof(c->reason), "BTF %s%s", tname,
			 tracefs ? " (not in tracefs)" : "");
	else if (c->in_tracefs)
		snprintf(c->reason, sizeof(c->reason),
			 "tracefs events/%s/%s (not in BTF)", system, name);
	else
		snprintf(c->reason, sizeof(c->reason),
			 "no %s in BTF%s, %s; kernel without the dirtyscope series?",
			 tname, btf ? "" : " (no BTF)",
			 tracefs ? "not in tracefs" : "tracefs not mounted");
}

bool ds_require_tp(const char *system, const char *name)
{
	struct ds_tp_check c;

	ds_tp_check(system, name, &c);
	if (c.present)
		return true;
	ds_err("tracepoint %s:%s not found (kernel without the dirtyscope series?)",
	       system, name);
	return false;
}

/* fentry load probe */

static const char *const ds_fentry_default_targets[] = {
	"bpf_fentry_test1",	/* exists for exactly this kind of test */
	"do_nanosleep",
	"vfs_read",
};

bool ds_fentry_probe(const char *func, struct ds_fentry_probe *p)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.expected_attach_type = BPF_TRACE_FENTRY,
	);
	struct btf *btf;
	char ename[32];
	int id = -1, fd, lfd;
	size_t i;

	memset(p, 0, sizeof(*p));
	btf = ds_vmlinux_btf();
	if (!btf) {
		p->state = DS_FENTRY_NO_BTF;
		p->err = errno;
		snprintf(p->result, sizeof(p->result),
			 "not probed (no kernel BTF)");
		return false;
	}
	if (func) {
		id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	} else {
		for (i = 0; i < sizeof(ds_fentry_default_targets) /
			    sizeof(ds_fentry_default_targets[0]); i++) {
			func = ds_fentry_default_targets[i];
			id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
			if (id > 0)
				break;
		}
	}
	snprintf(p->func, sizeof(p->func), "%s", func);
	if (id <= 0) {
		p->state = DS_FENTRY_NO_TARGET;
		p->err = ENOENT;
		snprintf(p->result, sizeof(p->result),
			 "not probed (%s not in kernel BTF)", func);
		return false;
	}

	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ds_fentry_probe", "GPL",
			   insns, sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd < 0) {
		p->state = DS_FENTRY_LOAD_FAILED;
		p->err = -fd;
		snprintf(p->result, sizeof(p->result), "refused (%s) at load",
			 ds_errno_name(p->err, ename, sizeof(ename)));
		return false;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		p->state = DS_FENTRY_ATTACH_FAILED;
		p->err = -lfd;
		snprintf(p->result, sizeof(p->result), "refused (%s) at attach",
			 ds_errno_name(p->err, ename, sizeof(ename)));
		close(fd);
		return false;
	}
	close(lfd);
	close(fd);
	p->state = DS_FENTRY_USABLE;
	snprintf(p->result, sizeof(p->result), "usable");
	return true;
}

/* What the fds of one process (/proc/PID/fd) point to, as DS_USER_ bits */
#define DS_USER_IOMMUFD		0x1
#define DS_USER_CONTAINER	0x2
#define DS_USER_CDEV		0x4

/* a process whose fds cannot be read (EACCES: another user's, not root) */
#define DS_USER_UNKNOWN		0x8

static unsigned int ds_proc_dirty_fds(const char *pid)
{
	char path[PATH_MAX], target[PATH_MAX];
	unsigned int what = 0;
	struct dirent *d;
	DIR *dp;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	dp = opendir(path);
	if (!dp)	/* ENOENT: it exited meanwhile */
		return errno == EACCES || errno == EPERM ? DS_USER_UNKNOWN : 0;
	while ((d = readdir(dp))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, "/dev/iommu"))
			what |= DS_USER_IOMMUFD;
		else if (!strcmp(target, "/dev/vfio/vfio"))
			what |= DS_USER_CONTAINER;
		else if (!strncmp(target, "/dev/vfio/devices/", 18))
			what |= DS_USER_CDEV;
	}
	closedir(dp);
	return what;
}

int ds_dirty_users(char *buf, size_t len, int *unknown)
{
	struct dirent *d;
	size_t o = 0;
	int n = 0;
	DIR *dp;

	if (buf && len)
		buf[0] = '\0';
	if (unknown)
		*unknown = 0;
	dp = opendir("/proc");
	if (!dp) {
		if (unknown)
			*unknown = -1;
		return 0;
	}
	while ((d = readdir(dp))) {
		char comm[64] = "?", path[300];
		unsigned int what;
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		what = ds_proc_dirty_fds(d->d_name);
		if (what == DS_USER_UNKNOWN) {
			if (unknown && *unknown >= 0)
				(*unknown)++;
			continue;
		}
		if (!what)
			continue;
		n++;
		if (!buf || o + 1 >= len)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		o += snprintf(buf + o, len - o, "%s%s %s (%s%s%s)", o ? ", " : "",
			      d->d_name, comm,
			      what & DS_USER_IOMMUFD ? "iommufd" : "",
			      what & DS_USER_CONTAINER ?
			      (what & DS_USER_IOMMUFD ? " vfio-container" :
			       "vfio-container") : "",
			      what & DS_USER_CDEV ?
			      (what & (DS_USER_IOMMUFD | DS_USER_CONTAINER) ?
			       " vfio-cdev" : "vfio-cdev") : "");
		if (o >= len)
			o = len - 1;
	}
	closedir(dp);
	return n;
}

void ds_note_dirty_users(void)
{
	int unknown;

	/* nobody that can be seen, and everybody could be */
	if (!ds_dirty_users(NULL, 0, &unknown) && !unknown)
		ds_err("no dirty-tracking user present (no process has /dev/iommu "
		       "or a VFIO container or device open); waiting for one");
}
