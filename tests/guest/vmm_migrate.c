// SPDX-License-Identifier: GPL-2.0
/*
 * vmm_migrate: a real QEMU live-migrates a real VM with an assigned device,
 * and every page the device wrote is checked on the destination.
 *
 * Inside this guest (L1) it starts two unmodified QEMUs (Debian's arm64
 * build, scripts/vmm.sh): the source with edu A, the destination with
 * edu B, both bound to the edu-vfio-pci variant driver (VFIO migration),
 * through the backend asked for: iommufd (-object iommufd: a dirty-tracking
 * HWPT, IOMMU_HWPT_GET_DIRTY_BITMAP) or the type1 container
 * (VFIO_IOMMU_DIRTY_PAGES).  The L2 they run is tests/guest/l2/l2dma: it
 * DMA-writes stamped pages through its edu and logs them (l2dma.h).  Its
 * RAM is hugetlbfs (2 MiB IOMMU blocks) or a memfd (4 KiB pages).
 *
 * The source migrates over a unix socket while L2 runs; the downtime limit
 * is kept at 1 ms until QEMU has made --passes dirty-bitmap passes, then
 * raised so that it switches over.  The destination was started with -S:
 * it stays paused after the switch-over, so both memories are final.  Then
 * every DMA page of the destination must hold its latest stamp: the lost
 * writes (pages whose stamp on the destination is older than on the
 * source) must be zero, and so must every other difference.  Last the
 * destination runs on, with edu B.
 *
 * Usage: vmm_migrate [--backend iommufd|type1] [--ram hugetlb|4k]
 *                    [--passes N] [--expect ok|blocked|every-page]
 *                    [--pages-out FILE] [--tracker iommu|device]
 *   --tracker device      QEMU tracks with the device's DMA log (VFIO DMA
 *                         logging; edu with x-dma-log=on), not the IOMMU's
 *                         dirty bits (the default: device tracking off)
 *   --pages-out FILE      the IOVAs (hex, one per line) of the pages L2
 *                         DMA-wrote once dirty tracking had started
 *   --expect blocked      QEMU must refuse to migrate (no dirty tracking:
 *                         HTTU off and iommufd), with its reason
 *   --expect every-page   the migration must send every page in every pass
 *                         (type1 without hardware dirty bits)
 * Prints one "# figures:" line (key=value) for the tables of docs/perf.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "edudma.h"
#include "l2/l2dma.h"
#include "tap.h"

#define QEMU		"/usr/bin/qemu-system-aarch64"
#define L2_ELF		"/tests/l2dma.elf"
#define DIR		"/tmp/vmm"
#define MIG_SOCK	DIR "/migrate.sock"
#define L2_RAM		L2_RAM_MIN
#define WAIT_READY_S	60
#define MIGRATE_MAX_S	300
#define LOG_BYTES	(L2_DMA_PAGES * 8)

enum expect { EXPECT_OK, EXPECT_BLOCKED, EXPECT_EVERY_PAGE };

struct vm {
	const char *name;	/* "src" or "dst" */
	char bdf[32];
	pid_t pid;
	int qmp;
	char serial[128];
	char qmp_path[64];
};

static const char *backend = "iommufd";
static const char *ram = "hugetlb";
static unsigned int passes = 4;
static enum expect expect = EXPECT_OK;
static const char *pages_out;
static const char *tracker = "iommu";

/* --- small helpers ----------------------------------------------------- */

static double now_s(void)
{
	return edu_now_ns() / 1e9;
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The number after "key": in a QMP reply, or -1 */
static long long json_num(const char *buf, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(buf, pat);
	if (!p)
		return -1;
	return strtoll(p + strlen(pat), NULL, 10);
}

/* The string after "key": in a QMP reply, into out */
static int json_str(const char *buf, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(buf, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= len)
		return -1;
	memcpy(out, p, e - p);
	out[e - p] = 0;
	return 0;
}

static int file_has(const char *path, const char *needle)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

static void dump_file(const char *path, int lines)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (lines-- > 0 && fgets(line, sizeof(line), f))
		printf("#   %s", line);
	fclose(f);
}

/* --- QMP ----------------------------------------------------------------- */

/* One reply line (events are skipped) into buf; 0 "return", -1 "error" */
static int qmp_reply(struct vm *vm, char *buf, size_t len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(vm->qmp, &c, 1);

		if (r <= 0)
			return -2;
		if (c != '\n') {
			if (n < len - 1)
				buf[n++] = c;
			continue;
		}
		buf[n] = 0;
		n = 0;
		if (strstr(buf, "\"event\""))
			continue;
		if (strstr(buf, "\"return\""))
			return 0;
		if (strstr(buf, "\"error\""))
			return -1;
	}
}

static int __attribute__((format(printf, 4, 5)))
qmp(struct vm *vm, char *buf, size_t len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	cmd[n++] = '\n';
	if (write(vm->qmp, cmd, n) != n)
		return -2;
	return qmp_reply(vm, buf, len);
}

static int qmp_connect(struct vm *vm)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int i;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", vm->qmp_path);
	for (i = 0; i < 300; i++) {
		vm->qmp = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (vm->qmp < 0)
			return -1;
		if (!connect(vm->qmp, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(vm->qmp);
		vm->qmp = -1;
		if (waitpid(vm->pid, NULL, WNOHANG) == vm->pid) {
			vm->pid = 0;
			return -1;
		}
		msleep(100);
	}
	if (vm->qmp < 0)
		return -1;
	/* the greeting has "QMP" and no "return" */
	for (i = 0; i < (int)sizeof(buf) - 1; i++) {
		if (read(vm->qmp, buf + i, 1) != 1)
			return -1;
		if (buf[i] == '\n')
			break;
	}
	return qmp(vm, buf, sizeof(buf), "{\"execute\": \"qmp_capabilities\"}");
}

/* --- the two QEMUs ------------------------------------------------------- */

static int vm_start(struct vm *vm, bool incoming)
{
	char memobj[256], dev[192], serial[160], qmpopt[160];
	const char *argv[40];
	int argc = 0;

	snprintf(vm->serial, sizeof(vm->serial), DIR "/%s.serial", vm->name);
	snprintf(vm->qmp_path, sizeof(vm->qmp_path), DIR "/%s.qmp", vm->name);
	snprintf(serial, sizeof(serial), "file:%s", vm->serial);
	snprintf(qmpopt, sizeof(qmpopt), "unix:%s,server=on,wait=off", vm->qmp_path);
	if (!strcmp(ram, "hugetlb"))
		snprintf(memobj, sizeof(memobj),
			 "memory-backend-file,id=ram,size=%lu,mem-path=/dev/hugepages,prealloc=on",
			 L2_RAM);
	else
		snprintf(memobj, sizeof(memobj),
			 "memory-backend-memfd,id=ram,size=%lu,prealloc=on", L2_RAM);
	/*
	 * iommufd before Linux 6.19 cannot map a BAR for peer-to-peer DMA
	 * (no dma-buf path): QEMU 10.0 warns, but then asks for the dirty
	 * bitmap of the BAR's range too, which fails (EINVAL: not mapped)
	 * and with it the migration's setup. Unmapped, the BAR is trapped.
	 * QEMU counts type1 as no dirty tracker at all (without the series
	 * it reports every mapped page): migration has to be asked for.
	 */
	snprintf(dev, sizeof(dev), "vfio-pci,host=%s,id=edu,addr=2%s%s", vm->bdf,
		 !strcmp(backend, "iommufd") ? ",iommufd=iommufd0,x-no-mmap=on" :
					       ",enable-migration=on",
		 /* QEMU prefers the device's DMA log when it has one */
		 !strcmp(tracker, "iommu") ? ",x-device-dirty-page-tracking=off" : "");

	argv[argc++] = QEMU;
	argv[argc++] = "-M";
	argv[argc++] = "virt,highmem=off,gic-version=3,memory-backend=ram";
	argv[argc++] = "-cpu";
	argv[argc++] = "cortex-a57";
	argv[argc++] = "-m";
	argv[argc++] = "64M";
	argv[argc++] = "-accel";
	argv[argc++] = "tcg,tb-size=32";
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-no-user-config";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-serial";
	argv[argc++] = serial;
	argv[argc++] = "-qmp";
	argv[argc++] = qmpopt;
	argv[argc++] = "-kernel";
	argv[argc++] = L2_ELF;
	argv[argc++] = "-object";
	argv[argc++] = memobj;
	if (!strcmp(backend, "iommufd")) {
		argv[argc++] = "-object";
		argv[argc++] = "iommufd,id=iommufd0";
	}
	argv[argc++] = "-device";
	argv[argc++] = dev;
	if (incoming) {
		argv[argc++] = "-incoming";
		argv[argc++] = "defer";
		argv[argc++] = "-S";
	}
	argv[argc] = NULL;

	printf("# %s:", vm->name);
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);

	vm->pid = fork();
	if (vm->pid < 0)
		return -1;
	if (!vm->pid) {
		char log[160];
		int fd;

		snprintf(log, sizeof(log), DIR "/%s.log", vm->name);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(QEMU, (char *const *)argv);
		_exit(127);
	}
	return qmp_connect(vm);
}

static void vm_stop(struct vm *vm)
{
	char buf[1024];
	int i;

	if (vm->pid <= 0)
		return;
	if (vm->qmp >= 0)
		qmp(vm, buf, sizeof(buf), "{\"execute\": \"quit\"}");
	for (i = 0; i < 100; i++) {
		if (waitpid(vm->pid, NULL, WNOHANG) == vm->pid)
			break;
		msleep(100);
	}
	if (i == 100) {
		kill(vm->pid, SIGKILL);
		waitpid(vm->pid, NULL, 0);
	}
	if (vm->qmp >= 0)
		close(vm->qmp);
	vm->qmp = -1;
	vm->pid = 0;
}

static void vm_log(struct vm *vm)
{
	char log[160];

	snprintf(log, sizeof(log), DIR "/%s.log", vm->name);
	printf("# %s QEMU's output:\n", vm->name);
	dump_file(log, 20);
	printf("# %s L2's console:\n", vm->name);
	dump_file(vm->serial, 5);
}

/* L2's RAM [off, off + len) into a buffer, through QMP pmemsave */
static void *vm_read(struct vm *vm, unsigned long off, size_t len)
{
	char path[160], buf[1024];
	void *mem;
	int fd;

	snprintf(path, sizeof(path), DIR "/%s.mem", vm->name);
	if (qmp(vm, buf, sizeof(buf),
		"{\"execute\": \"pmemsave\", \"arguments\": {\"val\": %lu, \"size\": %zu, \"filename\": \"%s\"}}",
		L2_RAM_BASE + off, len, path)) {
		printf("# %s: pmemsave: %s\n", vm->name, buf);
		return NULL;
	}
	mem = malloc(len);
	fd = open(path, O_RDONLY);
	if (!mem || fd < 0 || read(fd, mem, len) != (ssize_t)len) {
		free(mem);
		mem = NULL;
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	return mem;
}

/* --- the check ----------------------------------------------------------- */

struct verdict {
	unsigned long written;	/* DMA pages with a stamp in the log */
	unsigned long bad_src;	/* source pages that disagree with the log */
	unsigned long lost;	/* DMA pages older on the destination */
	unsigned long other;	/* other differing pages (CPU area, code, ...) */
	long first_lost;
};

static uint64_t page_stamp(const uint8_t *mem, unsigned long page, uint64_t tagpage)
{
	const uint64_t *w = (const uint64_t *)(mem + L2_DMA_AREA - L2_RAM_BASE +
					       page * L2_PAGE);

	if (w[0] != (L2_TAG ^ tagpage))
		return w[0] || w[1] ? ~0ULL : 0;	/* never written: zeros */
	return w[1];
}

static void check_memory(const uint8_t *src, const uint8_t *dst, struct verdict *v)
{
	const struct l2_ctl *ctl = (const void *)(src + L2_CTL - L2_RAM_BASE);
	const uint64_t *log = (const void *)(src + L2_LOG - L2_RAM_BASE);
	unsigned long p;

	memset(v, 0, sizeof(*v));
	v->first_lost = -1;
	for (p = 0; p < L2_DMA_PAGES; p++) {
		uint64_t s = page_stamp(src, p, p), d = page_stamp(dst, p, p);
		bool pend = ctl->pend_page == p;

		if (log[p])
			v->written++;
		if (s != log[p] && !(pend && s == ctl->pend_prev))
			v->bad_src++;
		if (d != s) {
			v->lost++;
			if (v->first_lost < 0)
				v->first_lost = p;
		}
	}
	for (p = 0; p < L2_RAM / L2_PAGE; p++) {
		unsigned long a = p * L2_PAGE;

		if (a >= L2_DMA_AREA - L2_RAM_BASE &&
		    a < L2_DMA_AREA - L2_RAM_BASE + L2_DMA_PAGES * L2_PAGE)
			continue;
		if (memcmp(src + a, dst + a, L2_PAGE))
			v->other++;
	}
}

/* --- main ---------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: vmm_migrate [--backend iommufd|type1] [--ram hugetlb|4k] "
		"[--passes N] [--expect ok|blocked|every-page] [--pages-out FILE] "
		"[--tracker iommu|device]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "ram", required_argument, NULL, 'r' },
		{ "passes", required_argument, NULL, 'p' },
		{ "expect", required_argument, NULL, 'e' },
		{ "pages-out", required_argument, NULL, 'o' },
		{ "tracker", required_argument, NULL, 't' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			backend = optarg;
			if (strcmp(backend, "iommufd") && strcmp(backend, "type1"))
				usage();
			break;
		case 'r':
			ram = optarg;
			if (strcmp(ram, "hugetlb") && strcmp(ram, "4k"))
				usage();
			break;
		case 'p':
			passes = strtoul(optarg, NULL, 10);
			if (passes < 2 || passes > 50)
				usage();
			break;
		case 'o':
			pages_out = optarg;
			break;
		case 't':
			tracker = optarg;
			if (strcmp(tracker, "iommu") && strcmp(tracker, "device"))
				usage();
			break;
		case 'e':
			if (!strcmp(optarg, "ok"))
				expect = EXPECT_OK;
			else if (!strcmp(optarg, "blocked"))
				expect = EXPECT_BLOCKED;
			else if (!strcmp(optarg, "every-page"))
				expect = EXPECT_EVERY_PAGE;
			else
				usage();
			break;
		default:
			usage();
		}
	}
}

static int wait_ready(struct vm *vm)
{
	double t0 = now_s();

	while (now_s() - t0 < WAIT_READY_S) {
		if (file_has(vm->serial, "dirtyscope L2: ready"))
			return 0;
		if (waitpid(vm->pid, NULL, WNOHANG) == vm->pid) {
			vm->pid = 0;
			return -1;
		}
		msleep(100);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct vm src = { .name = "src", .qmp = -1 }, dst = { .name = "dst", .qmp = -1 };
	char buf[8192], status[64] = "", err[512] = "";
	long long syncs = 0, normal = 0, dup = 0, total_ms = -1, downtime_ms = -1;
	long long setup_ms = -1, transferred = -1;
	const long long ram_pages = L2_RAM / L2_PAGE;
	uint8_t *smem = NULL, *dmem = NULL, *logs0 = NULL;
	unsigned long dma_during = 0, dma_pages_during = 0;
	struct verdict v = { 0 };
	bool raised = false;
	double t0, t_mig = 0;
	int r;

	parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);	/* a QEMU that died: its QMP writes fail */
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_plan(expect == EXPECT_BLOCKED ? 3 : expect == EXPECT_EVERY_PAGE ? 11 : 10);
	printf("# backend %s, L2 RAM %s (%lu MiB), %s tracker, %u passes before switch-over\n",
	       backend, ram, L2_RAM >> 20, tracker, passes);
	mkdir(DIR, 0755);
	unlink(MIG_SOCK);

	r = edu_find_nth(0, src.bdf, sizeof(src.bdf));
	if (!r)
		r = edu_find_nth(1, dst.bdf, sizeof(dst.bdf));
	if (!r)
		r = edu_bind_driver(src.bdf, "edu_vfio_pci");
	if (!r)
		r = edu_bind_driver(dst.bdf, "edu_vfio_pci");
	if (!tap_ok(r == 0 && access(QEMU, X_OK) == 0,
		    "two edus (%s, %s) bound to edu_vfio_pci, and %s", src.bdf,
		    dst.bdf, QEMU))
		return tap_finish();

	t0 = now_s();
	r = vm_start(&src, false);
	if (!r)
		r = wait_ready(&src);
	if (!r)
		r = vm_start(&dst, true);
	if (!tap_ok(r == 0, "source QEMU runs L2 on edu A (ready in %.1f s), destination QEMU waits with edu B",
		    now_s() - t0)) {
		vm_log(&src);
		vm_log(&dst);
		goto out;
	}
	/* L2 runs a moment before the migration: its first writes are in pass 1 */
	msleep(500);

	r = qmp(&dst, buf, sizeof(buf),
		"{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"unix:" MIG_SOCK "\"}}");
	if (!r)
		r = qmp(&src, buf, sizeof(buf),
			"{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"downtime-limit\": 1}}");
	t_mig = now_s();
	if (!r)
		r = qmp(&src, buf, sizeof(buf),
			"{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"unix:" MIG_SOCK "\"}}");
	if (expect == EXPECT_BLOCKED) {
		json_str(buf, "desc", err, sizeof(err));
		tap_ok(r == -1 && strstr(err, "dirty"),
		       "QEMU refuses to migrate the device without dirty tracking: %s",
		       r == -1 ? err : "it started migrating");
		goto out;
	}
	/*
	 * L2's log once dirty tracking has started (the setup phase starts
	 * it): a page written after this must be in a dirty bitmap, one
	 * written before it went with the first pass's copy of everything.
	 */
	while (!r && now_s() - t_mig < MIGRATE_MAX_S) {
		r = qmp(&src, buf, sizeof(buf), "{\"execute\": \"query-migrate\"}");
		if (r || json_str(buf, "status", status, sizeof(status)) ||
		    strcmp(status, "setup"))
			break;
		msleep(10);
	}
	if (!r)
		logs0 = vm_read(&src, L2_CTL - L2_RAM_BASE, L2_PAGE + LOG_BYTES);
	if (!tap_ok(r == 0 && logs0, "the migration starts over %s (%s)", MIG_SOCK, status)) {
		printf("# %s\n", buf);
		goto out;
	}

	/* poll; raise the downtime limit once enough passes were made */
	while (now_s() - t_mig < MIGRATE_MAX_S) {
		if (qmp(&src, buf, sizeof(buf), "{\"execute\": \"query-migrate\"}"))
			break;
		json_str(buf, "status", status, sizeof(status));
		syncs = json_num(buf, "dirty-sync-count");
		if (!strcmp(status, "completed") || !strcmp(status, "failed") ||
		    !strcmp(status, "cancelled"))
			break;
		if (!raised && syncs >= passes) {
			qmp(&src, buf, sizeof(buf),
			    "{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"downtime-limit\": 2000}}");
			raised = true;
		}
		msleep(100);
	}
	json_str(buf, "error-desc", err, sizeof(err));
	normal = json_num(buf, "normal");
	dup = json_num(buf, "duplicate");
	total_ms = json_num(buf, "total-time");
	downtime_ms = json_num(buf, "downtime");
	setup_ms = json_num(buf, "setup-time");
	{
		const char *r = strstr(buf, "\"ram\": {");

		transferred = r ? json_num(r, "transferred") : -1;
	}
	if (!tap_ok(!strcmp(status, "completed") && syncs >= passes,
		    "the migration completes after %lld dirty-bitmap passes (status %s) in %.1f s%s%s",
		    syncs, status, now_s() - t_mig, *err ? ": " : "", err)) {
		vm_log(&src);
		vm_log(&dst);
		goto out;
	}

	/* the destination has loaded everything once it is paused */
	for (r = 0; r < 100; r++) {
		if (qmp(&dst, buf, sizeof(buf), "{\"execute\": \"query-status\"}") ||
		    json_str(buf, "status", status, sizeof(status)) ||
		    strcmp(status, "inmigrate"))
			break;
		msleep(100);
	}
	smem = vm_read(&src, 0, L2_RAM);
	dmem = vm_read(&dst, 0, L2_RAM);
	if (!tap_ok(smem && dmem && !strcmp(status, "paused"),
		    "both memories read: source stopped, destination paused (%s)", status))
		goto out;

	{
		const struct l2_ctl *c0 = (const void *)logs0;
		const struct l2_ctl *c1 = (const void *)(smem + L2_CTL - L2_RAM_BASE);
		const uint64_t *l0 = (const void *)(logs0 + L2_PAGE);
		const uint64_t *l1 = (const void *)(smem + L2_LOG - L2_RAM_BASE);

		FILE *f = pages_out ? fopen(pages_out, "w") : NULL;

		for (unsigned long p = 0; p < L2_DMA_PAGES; p++) {
			/* the write in flight at the stop may not have started */
			if (l0[p] == l1[p] || (c1->pend_page == p &&
					       page_stamp(smem, p, p) == c1->pend_prev))
				continue;
			dma_pages_during++;
			if (f)
				fprintf(f, "%lx\n", L2_DMA_AREA + p * L2_PAGE);
		}
		if (f)
			fclose(f);
		dma_during = c1->dma_writes - c0->dma_writes;
		tap_ok(c1->magic == L2_CTL_MAGIC && dma_during > 0 && !c1->errors,
		       "L2 DMA-wrote %lu times (%lu distinct pages) during the migration, %lu CPU writes, %llu DMA errors",
		       dma_during, dma_pages_during,
		       (unsigned long)(c1->cpu_writes - c0->cpu_writes),
		       (unsigned long long)c1->errors);
	}

	check_memory(smem, dmem, &v);
	tap_ok(v.bad_src == 0,
	       "the source's DMA pages hold what L2's log says (%lu pages written, %lu disagree)",
	       v.written, v.bad_src);
	tap_ok(v.lost == 0,
	       "zero lost writes: every DMA page on the destination has its latest stamp (%lu lost%s)",
	       v.lost, v.lost ? ", first shown below" : "");
	if (v.lost) {
		unsigned long p = v.first_lost;

		printf("# page %lu (iova %#lx): source stamp %llu, destination stamp %llu\n", p,
		       L2_DMA_AREA + p * L2_PAGE,
		       (unsigned long long)page_stamp(smem, p, p),
		       (unsigned long long)page_stamp(dmem, p, p));
	}
	tap_ok(v.other == 0, "the rest of L2's RAM is equal too (%lu pages differ)", v.other);
	/*
	 * Without dirty bits every mapped page is reported in every pass:
	 * QEMU sends them all again (zero pages too, as "duplicate").
	 */
	if (expect == EXPECT_EVERY_PAGE)
		tap_ok(normal + dup >= syncs * ram_pages,
		       "sent every page in every pass, as without dirty bits: %lld sent for %lld passes of %lld pages",
		       normal + dup, syncs, ram_pages);

	printf("# figures: backend=%s ram=%s tracker=%s dma_writes=%lu dma_pages=%lu passes=%lld "
	       "sent_normal=%lld sent_zero=%lld transferred=%lld total_ms=%lld downtime_ms=%lld "
	       "setup_ms=%lld lost=%lu\n",
	       backend, ram, tracker, dma_during, dma_pages_during, syncs, normal, dup, transferred,
	       total_ms, downtime_ms, setup_ms, v.lost);

	/* the destination runs on with edu B */
	if (!qmp(&dst, buf, sizeof(buf), "{\"execute\": \"cont\"}")) {
		const struct l2_ctl *c1 = (const void *)(smem + L2_CTL - L2_RAM_BASE);
		uint64_t before = c1->dma_writes;
		uint8_t *ctl2 = NULL;
		double t1 = now_s();

		do {
			msleep(500);
			free(ctl2);
			ctl2 = vm_read(&dst, L2_CTL - L2_RAM_BASE, L2_PAGE);
		} while (ctl2 && ((struct l2_ctl *)ctl2)->dma_writes <= before &&
			 now_s() - t1 < 10);
		tap_ok(ctl2 && ((struct l2_ctl *)ctl2)->dma_writes > before &&
		       !((struct l2_ctl *)ctl2)->errors,
		       "the destination's L2 runs on and DMA-writes through edu B (%llu writes after the switch-over)",
		       ctl2 ? (unsigned long long)(((struct l2_ctl *)ctl2)->dma_writes - before) : 0ULL);
		free(ctl2);
	} else {
		tap_ok(false, "the destination's L2 runs on: cont failed: %s", buf);
	}

out:
	vm_stop(&src);
	vm_stop(&dst);
	free(smem);
	free(dmem);
	free(logs0);
	return tap_finish();
}
