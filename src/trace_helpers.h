/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Environment checks and error reporting shared by the subcommands:
 * privileges, kernel BTF, tracefs, tracepoint existence, the fentry load
 * probe and the libbpf print callback.
 */
#ifndef DS_TRACE_HELPERS_H
#define DS_TRACE_HELPERS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

#define DS_SYSFS_BTF	"/sys/kernel/btf"
#define DS_VMLINUX_BTF	DS_SYSFS_BTF "/vmlinux"
#define DS_TRACEFS_DIR	"/sys/kernel/tracing"

extern const char *ds_prog;	/* "dirtyscope" */

/* "dirtyscope: <message>\n" on stderr */
void ds_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* errno value -> "EPERM" (or the number when it has no name) */
const char *ds_errno_name(int err, char *buf, size_t len);

/*
 * libbpf output: everything goes to stderr with -v; otherwise only the
 * last warnings are kept so that a failure can be explained in one place.
 */
void ds_libbpf_setup(bool verbose);
bool ds_libbpf_verbose(void);
const char *ds_libbpf_last_warning(void);

/* true with CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON, in the effective set */
bool ds_have_bpf_privs(void);
/* prints the one-line reason and returns false when privileges are missing */
bool ds_require_privs(void);

bool ds_btf_present(void);
bool ds_require_btf(void);
/* vmlinux BTF, loaded once; NULL (errno set) when unavailable */
struct btf *ds_vmlinux_btf(void);

/* where tracefs is mounted (libtracefs), or NULL; never mounts it */
const char *ds_tracefs_find(void);

struct ds_tp_check {
	bool present;
	bool in_btf;		/* typedef btf_trace_<name> in vmlinux BTF */
	bool in_tracefs;	/* <tracefs>/events/<system>/<name> */
	char reason[256];	/* where it was (not) found */
};

/* look for system:name in the kernel BTF and, when mounted, in tracefs */
void ds_tp_check(const char *system, const char *name, struct ds_tp_check *c);
/* prints "tracepoint system:name not found (...)" and returns false */
bool ds_require_tp(const char *system, const char *name);

enum ds_fentry_state {
	DS_FENTRY_USABLE,	/* loaded and attached */
	DS_FENTRY_NO_TARGET,	/* function not in the kernel BTF */
	DS_FENTRY_LOAD_FAILED,	/* BPF_PROG_LOAD refused */
	DS_FENTRY_ATTACH_FAILED,/* loaded, but attaching refused */
	DS_FENTRY_NO_BTF,	/* no kernel BTF */
};

struct ds_fentry_probe {
	enum ds_fentry_state state;
	int err;		/* positive errno of the failed step */
	char func[64];		/* the function probed */
	char result[128];	/* "usable", "refused (EPERM) at load", ... */
};

/*
 * Really load (and attach) a trivial fentry program on func; with func
 * NULL, the first of a few functions every kernel has.  Returns true
 * when usable.
 */
bool ds_fentry_probe(const char *func, struct ds_fentry_probe *p);
/* true when func is a FUNC in the kernel BTF (a possible fentry target) */
bool ds_btf_has_func(const char *func);

/*
 * Processes that hold an iommufd (/dev/iommu), a VFIO type1 container
 * (/dev/vfio/vfio) or a VFIO device cdev open: the possible users of IOMMU
 * dirty tracking. Writes "PID COMM (what), ..." into @buf (may be NULL) and
 * returns how many processes were found.  *unknown (may be NULL): how many
 * processes' fds could not be read (not root), -1 when /proc could not.
 */
int ds_dirty_users(char *buf, size_t len, int *unknown);

/* One stderr line when ds_dirty_users() finds nobody; monitors go on. */
void ds_note_dirty_users(void);
/*
 * Where func is a FUNC: "vmlinux", module (its BTF in /sys/kernel/btf,
 * i.e. loaded) or NULL.  A static function the compiler inlined has none.
 */
const char *ds_btf_func_where(const char *func, const char *module);
/* the same with the modules' BTF in dir instead of /sys/kernel/btf */
const char *ds_btf_func_where_in(const char *dir, const char *func,
				 const char *module);
/* the module's BTF is in /sys/kernel/btf: it is loaded */
bool ds_btf_module_loaded(const char *module);

#endif /* DS_TRACE_HELPERS_H */
