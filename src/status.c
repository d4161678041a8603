// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dirtyscope status: what this kernel and machine support */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include "dirty_ops.h"
#include "dirtyscope.h"
#include "fn_targets.h"
#include "json.h"
#include "opts.h"
#include "trace_helpers.h"

#define ST_SYSFS_IOMMU		"/sys/class/iommu"
#define ST_IOMMU_GROUPS		"/sys/kernel/iommu_groups"
#define ST_MAX_IOMMUS		16

struct st_iommu {
	char name[256];
	const char *type;
	int devices;
	char httu[768];
	char bbml[768];
};

struct st_info {
	char kernel[130];
	bool privileged;
	bool btf;
	const char *tracefs;
	struct ds_tp_check tp[DS_OP_NR];
	bool fentry_probed;
	struct ds_fentry_probe fentry;
	const char *target_where[DS_FN_NR_TARGETS];
	struct st_iommu iommu[ST_MAX_IOMMUS];
	int niommu;
	bool iommu_class;
	int groups;		/* -1: no iommu_groups directory */
	bool dev_iommu;
	bool dev_vfio;
	char vfio[256];		/* entries of /dev/vfio */
	int nusers;		/* processes using iommufd or VFIO */
	int nunknown;		/* processes whose fds could not be read */
	char users[768];
};

static struct env {
	struct ds_opts o;	/* -j, -p */
	bool verbose;
} env;

static const struct argp_option opts[] = {
	{ "verbose", 'v', NULL, 0, "verbose debug output", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "show the full help", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'v':
		env.verbose = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s' (status takes options only)",
			   arg);
		break;
	case ARGP_KEY_INIT:
		ds_opts_init(state, &env.o);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static bool st_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int st_count_entries(const char *path)
{
	struct dirent *d;
	DIR *dir = opendir(path);
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static void st_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * An attribute whose name contains key, in the iommu's sysfs directory or
 * one level below (e.g. arm-smmu-v3/httu if a kernel exposes it).
 */
static bool st_find_attr(const char *dir, const char *key, int depth,
			 char *out, size_t len)
{
	struct dirent *d;
	struct stat st;
	char path[512];
	DIR *dp = opendir(dir);
	bool found = false;

	if (!dp)
		return false;
	while (!found && (d = readdir(dp))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "power") ||
		    !strcmp(d->d_name, "devices"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (lstat(path, &st) || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth > 0)
				found = st_find_attr(path, key, depth - 1, out, len);
		} else if (strstr(d->d_name, key)) {
			char val[96];

			st_read_line(path, val, sizeof(val));
			snprintf(out, len, "%s (%s)", val,
				 path + strlen(ST_SYSFS_IOMMU) + 1);
			found = true;
		}
	}
	closedir(dp);
	return found;
}

static const char *st_iommu_type(const char *name)
{
	if (!strncmp(name, "smmu3.", 6))
		return "arm-smmu-v3";
	if (!strncmp(name, "smmu.", 5))
		return "arm-smmu";
	if (!strncmp(name, "dmar", 4))
		return "intel-iommu";
	if (!strncmp(name, "ivhd", 4))
		return "amd-iommu";
	return "unknown";
}

static void st_iommus(struct st_info *s)
{
	struct dirent *d;
	DIR *dp = opendir(ST_SYSFS_IOMMU);

	s->iommu_class = dp != NULL;
	if (!dp)
		return;
	while ((d = readdir(dp)) && s->niommu < ST_MAX_IOMMUS) {
		struct st_iommu *m = &s->iommu[s->niommu];
		char dir[512];
		bool smmuv3;

		if (d->d_name[0] == '.')
			continue;
		snprintf(m->name, sizeof(m->name), "%s", d->d_name);
		m->type = st_iommu_type(m->name);
		smmuv3 = !strcmp(m->type, "arm-smmu-v3");
		snprintf(dir, sizeof(dir), "%s/%s/devices", ST_SYSFS_IOMMU, m->name);
		m->devices = st_count_entries(dir);
		snprintf(dir, sizeof(dir), "%s/%s", ST_SYSFS_IOMMU, m->name);
		if (!st_find_attr(dir, "httu", 1, m->httu, sizeof(m->httu)))
			snprintf(m->httu, sizeof(m->httu), "%s", smmuv3 ?
				 "unknown (not exposed by this kernel)" :
				 "n/a (not an SMMUv3)");
		if (!st_find_attr(dir, "bbml", 1, m->bbml, sizeof(m->bbml)))
			snprintf(m->bbml, sizeof(m->bbml), "%s", smmuv3 ?
				 "unknown (not exposed by this kernel)" :
				 "n/a (not an SMMUv3)");
		s->niommu++;
	}
	closedir(dp);
}

static void st_vfio(struct st_info *s)
{
	struct dirent *d;
	DIR *dp = opendir("/dev/vfio");
	size_t o = 0;

	s->dev_vfio = dp != NULL;
	if (!dp)
		return;
	while ((d = readdir(dp)) && o + 2 < sizeof(s->vfio)) {
		if (d->d_name[0] == '.')
			continue;
		o += snprintf(s->vfio + o, sizeof(s->vfio) - o, "%s%s",
			      o ? " " : "", d->d_name);
	}
	closedir(dp);
}

static void st_collect(struct st_info *s)
{
	struct utsname u;
	size_t i;
	__u32 op;

	memset(s, 0, sizeof(*s));
	if (!uname(&u))
		snprintf(s->kernel, sizeof(s->kernel), "%s %s", u.release,
			 u.machine);
	s->privileged = ds_have_bpf_privs();
	s->nusers = ds_dirty_users(s->users, sizeof(s->users), &s->nunknown);
	s->btf = ds_btf_present();
	s->tracefs = ds_tracefs_find();
	for (op = 0; op < DS_OP_NR; op++)
		ds_tp_check(DS_TP_SYSTEM, ds_op_event(op), &s->tp[op]);
	if (s->privileged && s->btf) {
		s->fentry_probed = true;
		ds_fentry_probe(NULL, &s->fentry);
	}
	/* where lat and record --bitmaps will look: vmlinux, then the module */
	for (i = 0; i < DS_FN_NR_TARGETS; i++)
		s->target_where[i] = ds_btf_func_where(ds_fn_targets[i].func,
						       ds_fn_targets[i].module);
	st_iommus(s);
	s->groups = st_count_entries(ST_IOMMU_GROUPS);
	s->dev_iommu = st_exists("/dev/iommu");
	st_vfio(s);
}

/* who attaches to t: "lat --op get_bitmap, record --bitmaps" */
static void st_target_users(const struct ds_fn_target *t, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "lat --op %s%s", lat_op_name(t->op),
		 t->bitmaps ? ", record --bitmaps" : "");
	if (!t->alt)
		return;
	/* the targets of the op before it: used where they are inlined */
	for (i = 0; i < DS_FN_NR_TARGETS && &ds_fn_targets[i] != t; i++)
		if (ds_fn_targets[i].op == t->op)
			snprintf(buf + strlen(buf), len - strlen(buf),
				 " where %s is inlined", ds_fn_targets[i].func);
}

static const char *st_fentry_text(const struct st_info *s, char *buf,
				  size_t len)
{
	if (!s->btf)
		return "no (no kernel BTF)";
	if (!s->fentry_probed)
		return "not probed (needs root: CAP_BPF and CAP_PERFMON)";
	snprintf(buf, len, "%s (load probe on %s: %s)",
		 s->fentry.state == DS_FENTRY_USABLE ? "yes" : "no",
		 s->fentry.func, s->fentry.result);
	return buf;
}

#define ST_LINE(key, fmt, ...)	printf("%-38s " fmt "\n", key, ##__VA_ARGS__)

static void st_print_text(const struct st_info *s)
{
	char key[96], buf[256];
	size_t i;
	int k;

	ST_LINE("kernel", "%s", s->kernel);
	ST_LINE("privileges", "%s", s->privileged ? "yes" :
		"no (not root: BPF needs CAP_BPF and CAP_PERFMON)");
	ST_LINE("btf", "%s", s->btf ? "yes (" DS_VMLINUX_BTF ")" :
		"no (" DS_VMLINUX_BTF " missing: CONFIG_DEBUG_INFO_BTF off)");
	if (s->tracefs)
		ST_LINE("tracefs", "yes (%s)", s->tracefs);
	else
		ST_LINE("tracefs", "no (not mounted; mount -t tracefs nodev %s)",
			DS_TRACEFS_DIR);
	for (k = 0; k < DS_OP_NR; k++) {
		snprintf(key, sizeof(key), "tracepoint %s:%s", DS_TP_SYSTEM,
			 ds_op_event(k));
		ST_LINE(key, "%s (%s)", s->tp[k].present ? "yes" : "no",
			s->tp[k].reason);
	}
	ST_LINE("fentry", "%s", st_fentry_text(s, buf, sizeof(buf)));
	for (i = 0; i < DS_FN_NR_TARGETS; i++) {
		const struct ds_fn_target *t = &ds_fn_targets[i];

		snprintf(key, sizeof(key), "fentry:%s", t->func);
		st_target_users(t, buf, sizeof(buf));
		if (s->target_where[i])
			ST_LINE(key, "yes (BTF %s; %s)", s->target_where[i], buf);
		else if (ds_btf_module_loaded(t->module))
			ST_LINE(key, "no (not in the BTF of vmlinux or module %s; %s)",
				t->module, buf);
		else
			ST_LINE(key, "no (not in vmlinux BTF, module %s not loaded; %s)",
				t->module, buf);
	}
	if (!s->iommu_class)
		ST_LINE("iommu", "no (" ST_SYSFS_IOMMU " missing)");
	else if (!s->niommu)
		ST_LINE("iommu", "none (" ST_SYSFS_IOMMU " is empty)");
	for (k = 0; k < s->niommu; k++) {
		const struct st_iommu *m = &s->iommu[k];

		snprintf(key, sizeof(key), "iommu %s", m->name);
		ST_LINE(key, "%s, %d devices", m->type, m->devices);
		snprintf(key, sizeof(key), "iommu %s httu", m->name);
		ST_LINE(key, "%s", m->httu);
		snprintf(key, sizeof(key), "iommu %s bbml", m->name);
		ST_LINE(key, "%s", m->bbml);
	}
	if (s->groups < 0)
		ST_LINE("iommu groups", "no (" ST_IOMMU_GROUPS " missing)");
	else
		ST_LINE("iommu groups", "%d", s->groups);
	ST_LINE("iommufd", "%s", s->dev_iommu ? "yes (/dev/iommu)" :
		"no (/dev/iommu missing: CONFIG_IOMMUFD off or module not loaded)");
	if (s->dev_vfio)
		ST_LINE("vfio", "yes (/dev/vfio: %s)", s->vfio[0] ? s->vfio : "empty");
	else
		ST_LINE("vfio", "no (/dev/vfio missing: vfio not loaded)");
	if (s->nunknown < 0)
		ST_LINE("dirty-tracking users", "unknown (/proc cannot be read)");
	else if (s->nusers && s->nunknown)
		ST_LINE("dirty-tracking users", "%d: %s; %d more processes not "
			"readable (not root)", s->nusers, s->users, s->nunknown);
	else if (s->nusers)
		ST_LINE("dirty-tracking users", "%d: %s", s->nusers, s->users);
	else if (s->nunknown)
		ST_LINE("dirty-tracking users", "unknown (the open files of %d "
			"processes cannot be read: not root)", s->nunknown);
	else
		ST_LINE("dirty-tracking users", "none (no process has /dev/iommu "
			"or a VFIO container or device open)");
}

static struct json_object *st_bool_reason(bool yes, const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "present", json_object_new_boolean(yes));
	if (reason)
		json_object_object_add(o, "reason", json_object_new_string(reason));
	return o;
}

static void st_print_json(const struct st_info *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a, *x;
	char buf[256], name[64];
	size_t i;
	int k;

	json_object_object_add(o, "kernel", json_object_new_string(s->kernel));
	json_object_object_add(o, "privileged",
			       json_object_new_boolean(s->privileged));
	x = st_bool_reason(s->btf, NULL);
	json_object_object_add(x, "path", json_object_new_string(DS_VMLINUX_BTF));
	json_object_object_add(o, "btf", x);
	x = json_object_new_object();
	json_object_object_add(x, "mounted", json_object_new_boolean(s->tracefs != NULL));
	json_object_object_add(x, "path", s->tracefs ?
			       json_object_new_string(s->tracefs) : NULL);
	json_object_object_add(o, "tracefs", x);

	a = json_object_new_array();
	for (k = 0; k < DS_OP_NR; k++) {
		snprintf(name, sizeof(name), "%s:%s", DS_TP_SYSTEM, ds_op_event(k));
		x = st_bool_reason(s->tp[k].present, s->tp[k].reason);
		json_object_object_add(x, "name", json_object_new_string(name));
		json_object_object_add(x, "btf", json_object_new_boolean(s->tp[k].in_btf));
		json_object_object_add(x, "tracefs",
				       json_object_new_boolean(s->tp[k].in_tracefs));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "tracepoints", a);

	x = json_object_new_object();
	json_object_object_add(x, "probed", json_object_new_boolean(s->fentry_probed));
	json_object_object_add(x, "usable", json_object_new_boolean(
		s->fentry_probed && s->fentry.state == DS_FENTRY_USABLE));
	json_object_object_add(x, "function", s->fentry_probed ?
			       json_object_new_string(s->fentry.func) : NULL);
	json_object_object_add(x, "errno", s->fentry_probed && s->fentry.err ?
			       json_object_new_string(ds_errno_name(s->fentry.err,
						      name, sizeof(name))) : NULL);
	json_object_object_add(x, "result", json_object_new_string(
		st_fentry_text(s, buf, sizeof(buf))));
	a = json_object_new_array();
	for (i = 0; i < DS_FN_NR_TARGETS; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "function",
				       json_object_new_string(ds_fn_targets[i].func));
		json_object_object_add(t, "op", json_object_new_string(
			lat_op_name(ds_fn_targets[i].op)));
		json_object_object_add(t, "module",
				       json_object_new_string(ds_fn_targets[i].module));
		json_object_object_add(t, "module_loaded", json_object_new_boolean(
			ds_btf_module_loaded(ds_fn_targets[i].module)));
		json_object_object_add(t, "record_bitmaps",
				       json_object_new_boolean(ds_fn_targets[i].bitmaps));
		json_object_object_add(t, "present",
				       json_object_new_boolean(s->target_where[i] != NULL));
		json_object_object_add(t, "btf", s->target_where[i] ?
				       json_object_new_string(s->target_where[i]) : NULL);
		json_object_array_add(a, t);
	}
	json_object_object_add(x, "targets", a);
	json_object_object_add(o, "fentry", x);

	a = json_object_new_array();
	for (k = 0; k < s->niommu; k++) {
		const struct st_iommu *m = &s->iommu[k];

		x = json_object_new_object();
		json_object_object_add(x, "name", json_object_new_string(m->name));
		json_object_object_add(x, "type", json_object_new_string(m->type));
		json_object_object_add(x, "devices", json_object_new_int(m->devices));
		json_object_object_add(x, "httu", json_object_new_string(m->httu));
		json_object_object_add(x, "bbml", json_object_new_string(m->bbml));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "iommus", a);
	json_object_object_add(o, "iommu_groups", s->groups < 0 ? NULL :
			       json_object_new_int(s->groups));
	json_object_object_add(o, "iommufd", st_bool_reason(s->dev_iommu,
			       s->dev_iommu ? "/dev/iommu" : "/dev/iommu missing"));
	x = st_bool_reason(s->dev_vfio, s->dev_vfio ? "/dev/vfio" :
			   "/dev/vfio missing");
	json_object_object_add(x, "entries", json_object_new_string(s->vfio));
	json_object_object_add(o, "vfio", x);
	x = json_object_new_object();
	json_object_object_add(x, "count", json_object_new_int(s->nusers));
	json_object_object_add(x, "processes", json_object_new_string(s->users));
	/* null: /proc not readable; > 0: count and processes are a lower bound */
	json_object_object_add(x, "unreadable", s->nunknown < 0 ? NULL :
			       json_object_new_int(s->nunknown));
	json_object_object_add(o, "dirty_tracking_users", x);
	ds_json_print(stdout, o, env.o.pretty);
}

int cmd_status(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ds_json_pretty_argp, 0, NULL, 0 },
		{},
	};
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.children = children,
		.doc = "Show what this kernel and machine support for dirtyscope.\v"
		       "One line per feature, with the reason when it is missing.",
	};
	struct st_info *s;
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return DS_EXIT_USAGE;
	ds_libbpf_setup(env.verbose);
	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	st_collect(s);
	if (env.o.json)
		st_print_json(s);
	else
		st_print_text(s);
	free(s);
	return 0;
}
