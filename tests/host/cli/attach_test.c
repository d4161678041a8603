// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test driver for src/attach.c on a host tracepoint (sys_enter):
 *
 *	attach_test MODE N [break-btf]
 *
 * loads attach_test.bpf.o through the dirtyscope loader (MODE auto,
 * tp_btf or raw_tp), attaches, makes N getppid() syscalls, detaches, makes
 * N more, and prints
 *	mode=<flavour loaded>
 *	hits_btf=<n> hits_raw=<n>		(after the first N)
 *	after_detach_btf=<n> after_detach_raw=<n>
 * Exit status 1 when loading or attaching fails (reason on stderr).
 *
 *	attach_test btf-module DIR MODULE FUNC
 *	attach_test btf-where DIR FUNC MODULE
 *
 * write DIR/MODULE, a module's BTF (split BTF on top of the running
 * kernel's) holding one function FUNC; print where ds_btf_func_where_in()
 * finds FUNC with the modules' BTF in DIR ("vmlinux", MODULE or "none").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/btf.h>
#include "attach.h"
#include "trace_helpers.h"
#include "attach_test.skel.h"

static int btf_module(const char *dir, const char *module, const char *func)
{
	struct btf *vml = ds_vmlinux_btf(), *mod;
	const void *raw;
	char path[4096];
	__u32 size;
	int proto, ret = 1;
	FILE *f;

	if (!vml)
		return 1;
	mod = btf__new_empty_split(vml);
	if (!mod)
		return 1;
	/* int FUNC(void) */
	proto = btf__add_func_proto(mod, btf__find_by_name_kind(vml, "int", BTF_KIND_INT));
	if (proto > 0 && btf__add_func(mod, func, BTF_FUNC_GLOBAL, proto) > 0 &&
	    (raw = btf__raw_data(mod, &size))) {
		snprintf(path, sizeof(path), "%s/%s", dir, module);
		f = fopen(path, "w");
		if (f && fwrite(raw, 1, size, f) == size)
			ret = 0;
		if (f && fclose(f))
			ret = 1;
	}
	btf__free(mod);
	return ret;
}

static void calls(long n)
{
	while (n--)
		syscall(SYS_getppid);
}

int main(int argc, char **argv)
{
	struct attach_test_bpf *obj = NULL;
	struct ds_loader ld;
	bool break_btf;
	int mode, err;
	long n;

	if (argc == 5 && !strcmp(argv[1], "btf-module"))
		return btf_module(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "btf-where")) {
		const char *w = ds_btf_func_where_in(argv[2], argv[3], argv[4]);

		printf("%s\n", w ? w : "none");
		return 0;
	}
	if (argc < 3 || (mode = ds_tp_mode_parse(argv[1])) < 0 ||
	    (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: %s auto|tp_btf|raw_tp N [break-btf]\n",
			argv[0]);
		return 2;
	}
	break_btf = argc > 3 && !strcmp(argv[3], "break-btf");
	ds_libbpf_setup(getenv("DS_VERBOSE") != NULL);
	if (!ds_require_privs() || !ds_require_btf() ||
	    !ds_require_tp("raw_syscalls", "sys_enter"))
		return 1;

	if (ds_loader_init(&ld, mode))
		return 1;
	for (;;) {
		obj = attach_test_bpf__open_opts(&ld.opts);
		if (!obj) {
			perror("open");
			return 1;
		}
		obj->rodata->targ_tgid = getpid();
		obj->rodata->targ_nr = SYS_getppid;
		obj->rodata->break_btf = break_btf;
		{
			struct ds_tp_prog progs[] = {
				{ "sys_enter", obj->progs.sys_enter_btf,
				  obj->progs.sys_enter_raw, true },
			};

			err = ds_tp_select(progs, 1, ld.mode);
		}
		if (!err)
			err = attach_test_bpf__load(obj);
		if (!err)
			break;
		attach_test_bpf__destroy(obj);
		obj = NULL;
		if (!ds_loader_retry(&ld, err)) {
			ds_loader_report(&ld, "attach_test");
			ds_loader_free(&ld);
			return 1;
		}
	}
	printf("mode=%s\n", ds_tp_mode_name(ld.mode));
	ds_loader_free(&ld);

	err = attach_test_bpf__attach(obj);
	if (err) {
		ds_err("attach: %s", strerror(-err));
		attach_test_bpf__destroy(obj);
		return 1;
	}
	calls(n);
	printf("hits_btf=%llu hits_raw=%llu\n", obj->bss->hits_btf,
	       obj->bss->hits_raw);
	attach_test_bpf__detach(obj);
	calls(n);
	printf("after_detach_btf=%llu after_detach_raw=%llu\n",
	       obj->bss->hits_btf, obj->bss->hits_raw);
	attach_test_bpf__destroy(obj);
	return 0;
}
