// SPDX-License-Identifier: GPL-2.0
/*
 * The migratable edu: tests/kernel's vfio-pci variant driver (edu-vfio-pci)
 * with the VFIO migration uAPI, on two edu devices (QEMU x-buf-window=on).
 *
 *  - VFIO_DEVICE_FEATURE_MIGRATION offers STOP_COPY only; every state it
 *    does not offer, ERROR and a number past the last state are refused
 *    with EINVAL and leave the device RUNNING.
 *  - The state of edu A (a stamped DMA buffer, the liveness register, the
 *    DMA address and count registers) is saved in STOP_COPY (exactly
 *    VFIO_DEVICE_FEATURE_MIG_DATA_SIZE bytes), restored on edu B through
 *    RESUMING, and B then holds the same: its buffer DMAed to RAM equals
 *    A's, its registers read back equal.
 *  - A data file ends with its state: reading it after STOP_COPY ->
 *    RUNNING fails with ENODEV.
 *  - Bad streams lose nothing: a short or foreign stream is refused at
 *    RESUMING -> STOP with EINVAL and the device stays RESUMING; a write
 *    past the state's size fails with ENOSPC; closing and opening the
 *    device again returns it to RUNNING (edu has no reset VFIO can use).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define DRIVER		"edu_vfio_pci"	/* KBUILD_MODNAME of edu-vfio-pci */
#define IOVA		0x1000000ULL
#define LEN		(16 * EDU_PAGE_SIZE)
#define STATE_SIZE	4136	/* the driver's stream: 40-byte header + buffer */

static struct edu_dev a, b;

static int feature(struct edu_dev *d, uint32_t flags, void *data,
		   size_t len)
{
	return edu_device_feature(d, flags, data, len);
}

/* SET the state; the data fd (or -1) in *fd; 0 or -errno */
static int set_state(struct edu_dev *d, uint32_t state, int *fd)
{
	struct vfio_device_feature_mig_state mig = { .device_state = state,
						     .data_fd = -1 };
	int ret = feature(d, VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &mig,
			  sizeof(mig));

	if (fd)
		*fd = ret ? -1 : mig.data_fd;
	else if (!ret && mig.data_fd >= 0)
		close(mig.data_fd);
	return ret;
}

static int get_state(struct edu_dev *d)
{
	struct vfio_device_feature_mig_state mig = { 0 };
	int ret = feature(d, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &mig,
			  sizeof(mig));

	return ret ? ret : (int)mig.device_state;
}

struct regs {
	uint32_t liveness;
	uint64_t src, dst, cnt;
};

static void read_regs(struct edu_dev *d, struct regs *r)
{
	volatile uint8_t *bar = d->bar0;

	r->liveness = *(volatile uint32_t *)(bar + EDU_REG_LIVENESS);
	r->src = *(volatile uint64_t *)(bar + EDU_REG_DMA_SRC);
	r->dst = *(volatile uint64_t *)(bar + EDU_REG_DMA_DST);
	r->cnt = *(volatile uint64_t *)(bar + EDU_REG_DMA_CNT);
}

static int open_one(struct edu_dev *d, int nth, void **buf)
{
	edu_init(d);
	if (edu_find_nth(nth, d->bdf, sizeof(d->bdf)) ||
	    edu_bind_driver(d->bdf, DRIVER) || edu_type1_open(d))
		return -1;
	*buf = edu_buf_alloc(LEN, false);
	if (!*buf || edu_map(d, *buf, IOVA, LEN) || edu_enable(d))
		return -1;
	return 0;
}

int main(void)
{
	static const uint32_t refused[] = {
		VFIO_DEVICE_STATE_RUNNING_P2P, VFIO_DEVICE_STATE_PRE_COPY,
		VFIO_DEVICE_STATE_PRE_COPY_P2P, VFIO_DEVICE_STATE_ERROR,
		VFIO_DEVICE_STATE_PRE_COPY_P2P + 1,
	};
	struct vfio_device_feature_migration flags = { 0 };
	struct vfio_device_feature_mig_data_size size = { 0 };
	unsigned char data[STATE_SIZE + 64];
	size_t i, bad = 0;
	struct regs ra, rb;
	void *bufa, *bufb;
	ssize_t got, n;
	int fd, ret;

	tap_plan(12);
	if (!tap_ok(!open_one(&a, 0, &bufa) && !open_one(&b, 1, &bufb),
		    "two edus bound to " DRIVER ", in type1 containers, %lu pages mapped each",
		    LEN / EDU_PAGE_SIZE))
		goto out;

	ret = feature(&a, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		      &flags, sizeof(flags));
	tap_ok(!ret && flags.flags == VFIO_MIGRATION_STOP_COPY &&
	       get_state(&a) == VFIO_DEVICE_STATE_RUNNING,
	       "MIGRATION: flags 0x%llx (STOP_COPY), state RUNNING",
	       (unsigned long long)flags.flags);

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ret = set_state(&a, refused[i], NULL);
		if (ret != -EINVAL || get_state(&a) != VFIO_DEVICE_STATE_RUNNING) {
			tap_diag("state %u: %s, now %d", refused[i],
				 strerror(-ret), get_state(&a));
			bad++;
		}
	}
	tap_ok(!bad, "RUNNING_P2P, PRE_COPY, PRE_COPY_P2P, ERROR and %u: EINVAL, still RUNNING (%zu wrong)",
	       VFIO_DEVICE_STATE_PRE_COPY_P2P + 1, bad);

	/* A's state: a stamped buffer (DMA from RAM), registers */
	for (i = 0; i < EDU_DMA_BUF_SIZE; i++)
		((unsigned char *)bufa)[i] = (unsigned char)(i * 7 + 3);
	edu_dma_from_ram(&a, IOVA, EDU_DMA_BUF_SIZE);
	edu_write32(&a, EDU_REG_LIVENESS, 0x12345678);
	*(volatile uint64_t *)(a.bar0 + EDU_REG_DMA_SRC) = 0xabc000;
	*(volatile uint64_t *)(a.bar0 + EDU_REG_DMA_DST) = 0x40100;
	*(volatile uint64_t *)(a.bar0 + EDU_REG_DMA_CNT) = 123;
	read_regs(&a, &ra);

	ret = feature(&a, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &size, sizeof(size));
	ret = ret ? ret : set_state(&a, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	got = 0;
	while (!ret && (n = read(fd, data + got, sizeof(data) - got)) > 0)
		got += n;
	tap_ok(!ret && got == STATE_SIZE && size.stop_copy_length == STATE_SIZE &&
	       get_state(&a) == VFIO_DEVICE_STATE_STOP_COPY,
	       "A: RUNNING -> STOP_COPY gives %zd bytes, MIG_DATA_SIZE %llu (want %d)",
	       got, (unsigned long long)size.stop_copy_length, STATE_SIZE);
	ret = set_state(&a, VFIO_DEVICE_STATE_RUNNING, NULL);
	n = fd >= 0 ? read(fd, data + STATE_SIZE, 16) : 0;
	tap_ok(!ret && n < 0 && errno == ENODEV,
	       "A: STOP_COPY -> RUNNING ends the data file (read: %s)",
	       n < 0 ? strerror(errno) : "no error");
	if (fd >= 0)
		close(fd);

	ret = set_state(&b, VFIO_DEVICE_STATE_RESUMING, &fd);
	n = ret ? -1 : write(fd, data, STATE_SIZE);
	if (fd >= 0)
		close(fd);
	ret = ret ? ret : set_state(&b, VFIO_DEVICE_STATE_RUNNING, NULL);
	tap_ok(!ret && n == STATE_SIZE &&
	       get_state(&b) == VFIO_DEVICE_STATE_RUNNING,
	       "B: RUNNING -> RESUMING takes the %d bytes, -> RUNNING (%s)",
	       STATE_SIZE, ret ? strerror(-ret) : "ok");

	/* the registers first: B's DMA below changes its address registers */
	read_regs(&b, &rb);
	memset(bufb, 0, EDU_DMA_BUF_SIZE);
	edu_dma_to_ram(&b, IOVA, EDU_DMA_BUF_SIZE);
	tap_ok(!memcmp(bufa, bufb, EDU_DMA_BUF_SIZE),
	       "B's DMA buffer, written to RAM, equals A's stamped buffer");
	tap_ok(!memcmp(&ra, &rb, sizeof(ra)),
	       "B's registers equal A's: liveness 0x%x/0x%x src 0x%llx dst 0x%llx cnt %llu",
	       rb.liveness, ra.liveness, (unsigned long long)rb.src,
	       (unsigned long long)rb.dst, (unsigned long long)rb.cnt);

	/* bad streams */
	ret = set_state(&b, VFIO_DEVICE_STATE_RESUMING, &fd);
	n = ret ? -1 : write(fd, data, 100);
	ret = ret ? ret : set_state(&b, VFIO_DEVICE_STATE_STOP, NULL);
	tap_ok(ret == -EINVAL && n == 100 &&
	       get_state(&b) == VFIO_DEVICE_STATE_RESUMING,
	       "B: a 100-byte stream is refused at RESUMING -> STOP: %s, still RESUMING",
	       strerror(-ret));
	n = fd >= 0 ? write(fd, data, STATE_SIZE) : 0;
	tap_ok(n < 0 && errno == ENOSPC,
	       "B: writing past the state's size fails: %s",
	       n < 0 ? strerror(errno) : "no error");
	if (fd >= 0)
		close(fd);

	/* closing the device ends the migration: it opens RUNNING again */
	munmap((void *)b.bar0, b.bar0_size);	/* the mapping holds the file */
	b.bar0 = NULL;
	close(b.device_fd);
	b.device_fd = ioctl(b.group_fd, VFIO_GROUP_GET_DEVICE_FD, b.bdf);
	tap_ok(b.device_fd >= 0 && get_state(&b) == VFIO_DEVICE_STATE_RUNNING,
	       "B: closed in RESUMING and opened again, it is RUNNING");

	ret = set_state(&b, VFIO_DEVICE_STATE_RESUMING, &fd);
	data[0] ^= 0xff;	/* not the driver's magic */
	n = ret ? -1 : write(fd, data, STATE_SIZE);
	if (fd >= 0)
		close(fd);
	ret = ret ? ret : set_state(&b, VFIO_DEVICE_STATE_STOP, NULL);
	tap_ok(ret == -EINVAL && n == STATE_SIZE &&
	       get_state(&b) == VFIO_DEVICE_STATE_RESUMING,
	       "B: a whole stream with a foreign magic is refused: %s, still RESUMING",
	       strerror(-ret));
out:
	edu_close(&a);
	edu_close(&b);
	/* give the devices back to vfio-pci for the tests after this one */
	if (a.bdf[0])
		edu_bind_driver(a.bdf, "vfio-pci");
	if (b.bdf[0])
		edu_bind_driver(b.bdf, "vfio-pci");
	return tap_finish();
}
