// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO DMA logging from several threads at once, on several vCPUs (boot
 * with "scripts/vm.sh --smp 2 --edu-dma-log"): a VMM may start, stop and
 * read a device's log from different threads (QEMU's migration thread
 * reads while the main loop stops logging on a cancelled migration).
 *
 * For 4 seconds one thread starts and stops the log (one range or three,
 * 4 KiB or 64 KiB pages), one reads it (REPORT over the whole mapping),
 * one makes the edu DMA-write pages, and one probes the feature and reads
 * a part of the range.  Every call must end in a result the uAPI allows
 * for that moment: START 0 or EBUSY (logging already), STOP 0, REPORT 0 or
 * EINVAL (not logging).  Afterwards, with the threads gone, the log must
 * still be exact: START, three pages written, REPORT names those three.
 * The vfio:dma_log_* events are on meanwhile (their arguments are read in
 * the racing calls).  edu-vfio-pci serialises the log with its log_mutex;
 * KASAN and lockdep watch the rest (the boot's log checks).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define DRIVER		"edu_vfio_pci"
#define IOVA		0x1000000ULL	/* 16 MiB */
#define NPAGES		1024UL		/* 4 MiB */
#define LEN		(NPAGES * EDU_PAGE_SIZE)
#define RUN_SECONDS	4

static struct edu_dev d;
static size_t dma_len;
static atomic_bool stop_all;

/* per operation: calls by result */
enum { RES_OK, RES_BUSY, RES_INVAL, RES_OTHER, RES_NR };
enum { OP_START, OP_STOP, OP_REPORT, OP_PARTIAL, OP_PROBE, OP_DMA, OP_NR };
static const char *const op_names[OP_NR] = {
	"START", "STOP", "REPORT", "partial REPORT", "PROBE", "DMA" };
static atomic_ulong count[OP_NR][RES_NR];
static atomic_int other_op, other_errno;	/* the last unexpected errno */

static void tally(int op, int ret)
{
	int r = !ret ? RES_OK : ret == -EBUSY ? RES_BUSY :
		ret == -EINVAL ? RES_INVAL : RES_OTHER;

	if (r == RES_OTHER) {
		atomic_store(&other_op, op);
		atomic_store(&other_errno, -ret);
	}
	atomic_fetch_add(&count[op][r], 1);
}

#define VFIO_EVENTS	"/sys/kernel/tracing/events/vfio/enable"

/* turn the vfio:dma_log_* events on or off; 0 or -errno */
static int vfio_events(bool on)
{
	FILE *f = fopen(VFIO_EVENTS, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(on ? "1" : "0", f) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static int start(const struct vfio_device_feature_dma_logging_range *r,
		 uint32_t n, uint64_t pgsize)
{
	return edu_dma_log_start(&d, r, n, &pgsize);
}

static int stop(void)
{
	return edu_dma_log_stop(&d);
}

static int report(uint64_t iova, uint64_t len, uint64_t *bm)
{
	return edu_dma_log_report(&d, iova, len, EDU_PAGE_SIZE, bm);
}

static void *starter(void *arg)
{
	static const struct vfio_device_feature_dma_logging_range three[3] = {
		{ IOVA, 256 * EDU_PAGE_SIZE },
		{ IOVA + 512 * EDU_PAGE_SIZE, 128 * EDU_PAGE_SIZE },
		{ IOVA + 768 * EDU_PAGE_SIZE, 256 * EDU_PAGE_SIZE },
	};
	struct vfio_device_feature_dma_logging_range one = { IOVA, LEN };
	unsigned int i = 0;

	(void)arg;
	while (!atomic_load(&stop_all)) {
		i++;
		tally(OP_START, i & 1 ? start(&one, 1, EDU_PAGE_SIZE) :
			       start(three, 3, i & 2 ? 16 * EDU_PAGE_SIZE :
						       EDU_PAGE_SIZE));
		usleep(i % 3 * 500);
		/* now and then a START while logging, which must be EBUSY */
		if (i % 5 == 0)
			tally(OP_START, start(&one, 1, EDU_PAGE_SIZE));
		tally(OP_STOP, stop());
		usleep(i % 2 * 300);
	}
	return NULL;
}

static void *reader(void *arg)
{
	uint64_t *bm = edu_bitmap_alloc(NPAGES);

	(void)arg;
	while (bm && !atomic_load(&stop_all))
		tally(OP_REPORT, report(IOVA, LEN, bm));
	free(bm);
	return NULL;
}

static void *prober(void *arg)
{
	uint64_t *bm = edu_bitmap_alloc(NPAGES);

	(void)arg;
	while (bm && !atomic_load(&stop_all)) {
		tally(OP_PROBE, edu_device_feature(&d, VFIO_DEVICE_FEATURE_PROBE |
						   VFIO_DEVICE_FEATURE_GET |
						   VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
						   NULL, 0));
		tally(OP_PARTIAL, report(IOVA + 512 * EDU_PAGE_SIZE,
					 128 * EDU_PAGE_SIZE, bm));
		usleep(200);
	}
	free(bm);
	return NULL;
}

static void *writer(void *arg)
{
	unsigned int seed = 7;

	(void)arg;
	while (!atomic_load(&stop_all))
		tally(OP_DMA, edu_dma_to_ram(&d, IOVA + (rand_r(&seed) % NPAGES) *
					     EDU_PAGE_SIZE, dma_len));
	return NULL;
}

int main(void)
{
	void *(*const fns[])(void *) = { starter, reader, prober, writer };
	pthread_t th[4];
	uint64_t *bm = edu_bitmap_alloc(NPAGES);
	unsigned long other = 0;
	char line[512];
	size_t i, n = 0;
	void *buf;
	int ret, op;

	tap_plan(6);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	buf = edu_buf_alloc(LEN, false);
	if (!tap_ok(bm && buf && !edu_find_nth(0, d.bdf, sizeof(d.bdf)) &&
		    !edu_bind_driver(d.bdf, DRIVER) && !edu_type1_open(&d) &&
		    !edu_map(&d, buf, IOVA, LEN) && !edu_enable(&d),
		    "edu %s bound to %s, 4 MiB mapped in a type1 container, %ld CPUs online",
		    d.bdf, DRIVER, sysconf(_SC_NPROCESSORS_ONLN)))
		return tap_finish();

	ret = vfio_events(true);
	tap_ok(!ret, "vfio:dma_log_* events on during the run (%s)",
	       ret ? strerror(-ret) : VFIO_EVENTS);
	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, fns[i], NULL))
			break;
	n = i;
	sleep(RUN_SECONDS);
	atomic_store(&stop_all, true);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	vfio_events(false);
	if (!tap_ok(n == 4, "four threads started (start/stop, report, probe and partial report, DMA)"))
		return tap_finish();

	for (op = 0, line[0] = '\0'; op < OP_NR; op++) {
		size_t l = strlen(line);

		snprintf(line + l, sizeof(line) - l, "%s%s %lu ok %lu EBUSY %lu EINVAL %lu other",
			 op ? "; " : "", op_names[op], count[op][RES_OK],
			 count[op][RES_BUSY], count[op][RES_INVAL], count[op][RES_OTHER]);
		other += count[op][RES_OTHER];
	}
	printf("# %s\n", line);
	tap_ok(!other && !count[OP_STOP][RES_BUSY] && !count[OP_STOP][RES_INVAL] &&
	       !count[OP_START][RES_INVAL] && !count[OP_REPORT][RES_BUSY] &&
	       !count[OP_PARTIAL][RES_BUSY] && !count[OP_PROBE][RES_BUSY] &&
	       !count[OP_PROBE][RES_INVAL] && !count[OP_DMA][RES_BUSY] &&
	       !count[OP_DMA][RES_INVAL],
	       "every call ended as the uAPI allows: START 0/EBUSY, STOP 0, REPORT 0/EINVAL, PROBE 0, DMA 0 (%lu others%s%s%s%s)",
	       other, other ? ", the last: " : "",
	       other ? op_names[atomic_load(&other_op)] : "", other ? " " : "",
	       other ? strerror(atomic_load(&other_errno)) : "");
	tap_ok(count[OP_START][RES_OK] > 20 && count[OP_START][RES_BUSY] > 0 &&
	       count[OP_REPORT][RES_OK] > 20 && count[OP_REPORT][RES_INVAL] > 0 &&
	       count[OP_PARTIAL][RES_OK] > 0 && count[OP_DMA][RES_OK] > 20,
	       "the calls overlapped: %lu STARTs, %lu EBUSY, %lu REPORTs while logging, %lu while not, %lu DMA writes",
	       count[OP_START][RES_OK], count[OP_START][RES_BUSY],
	       count[OP_REPORT][RES_OK], count[OP_REPORT][RES_INVAL],
	       count[OP_DMA][RES_OK]);

	/* quiescent again: the log is exact */
	ret = start(&(struct vfio_device_feature_dma_logging_range){ IOVA, LEN },
		    1, EDU_PAGE_SIZE);
	for (i = 0; i < 3 && !ret; i++)
		ret = edu_dma_to_ram(&d, IOVA + (100 + 200 * i) * EDU_PAGE_SIZE, dma_len);
	memset(bm, 0, edu_bitmap_words(NPAGES) * 8);
	if (!ret)
		ret = report(IOVA, LEN, bm);
	tap_ok(!ret && edu_bitmap_equals_list(bm, NPAGES, (const size_t[]){ 100, 300, 500 }, 3) &&
	       !stop(),
	       "afterwards START, three pages written, REPORT names pages 100, 300, 500 (%s)",
	       ret ? strerror(-ret) : "ok");

	edu_close(&d);
	edu_bind_driver(d.bdf, "vfio-pci");
	edu_buf_free(buf, LEN);
	free(bm);
	return tap_finish();
}
