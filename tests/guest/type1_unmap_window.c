// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO type1 UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP must report
 * every page a device wrote before the unmap took the mapping away,
 * including writes that land while the ioctl runs. The ioctl is held inside
 * its copy of the bitmap to user space by a userfaultfd page, so the window
 * is exact instead of a race: while it waits, edu writes a page by DMA
 * (which must land: the mapping is still there), then the copy resumes. A
 * kernel that reads the dirty state before the unmap (and copies that)
 * reports the pages written before the ioctl but not this one.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/edudma.h"
#include "lib/tap.h"

#define IOVA		0x1000000ULL
#define NPAGES		64UL
#define LEN		(NPAGES * EDU_PAGE_SIZE)
#define STAMP		0x5a17c0deU

static struct edu_dev d;

struct unmap_call {
	uint64_t *bitmap;	/* on the userfaultfd page */
	int ret;
	int err;
	uint64_t unmapped;
};

static void *unmap_thread(void *arg)
{
	struct unmap_call *c = arg;
	size_t argsz = sizeof(struct vfio_iommu_type1_dma_unmap) +
		       sizeof(struct vfio_bitmap);
	struct vfio_iommu_type1_dma_unmap *unmap = calloc(1, argsz);
	struct vfio_bitmap *bm;

	if (!unmap) {
		c->ret = -1;
		c->err = ENOMEM;
		return NULL;
	}
	unmap->argsz = argsz;
	unmap->flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	unmap->iova = IOVA;
	unmap->size = LEN;
	bm = (struct vfio_bitmap *)unmap->data;
	bm->pgsize = EDU_PAGE_SIZE;
	bm->size = edu_bitmap_words(NPAGES) * sizeof(uint64_t);
	bm->data = (__u64 *)c->bitmap;
	c->ret = ioctl(d.container_fd, VFIO_IOMMU_UNMAP_DMA, unmap);
	c->err = errno;
	c->unmapped = unmap->size;
	free(unmap);
	return NULL;
}

static int uffd_open(void *page)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)page, .len = EDU_PAGE_SIZE },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		tap_diag("userfaultfd: %s", strerror(errno));
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
		tap_diag("userfaultfd API/REGISTER: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait up to @ms for the fault on @page; true when it came */
static bool uffd_wait_fault(int fd, void *page, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1)
		return false;
	if (read(fd, &msg, sizeof(msg)) != sizeof(msg))
		return false;
	return msg.event == UFFD_EVENT_PAGEFAULT &&
	       (msg.arg.pagefault.address & ~(EDU_PAGE_SIZE - 1)) ==
	       (unsigned long)page;
}

static int uffd_resolve(int fd, void *page)
{
	struct uffdio_zeropage zero = {
		.range = { .start = (unsigned long)page, .len = EDU_PAGE_SIZE },
	};

	return ioctl(fd, UFFDIO_ZEROPAGE, &zero);
}

static uint32_t page_word(void *buf, size_t page)
{
	return *(volatile uint32_t *)((char *)buf + page * EDU_PAGE_SIZE);
}

int main(void)
{
	static const size_t before[] = { 2, 5 }, expect[] = { 2, 5, 9 };
	struct unmap_call call = { 0 };
	size_t dma_len, n;
	pthread_t thr;
	uint64_t *bm;
	bool faulted;
	void *buf, *bmpage;
	int uffd;

	tap_plan(7);
	edu_init(&d);
	dma_len = edu_default_dma_size();
	bm = edu_bitmap_alloc(NPAGES);
	if (!bm || edu_find(d.bdf, sizeof(d.bdf)) || edu_type1_open(&d))
		return tap_finish();

	buf = edu_buf_alloc(LEN, false);
	if (!tap_ok(buf && !edu_map(&d, buf, IOVA, LEN) && !edu_enable(&d) &&
		    !edu_type1_dirty_start(&d) &&
		    !edu_type1_dirty_get(&d, IOVA, LEN, bm),
		    "type1 container, %lu pages at 0x%llx, logging, state read clean",
		    NPAGES, (unsigned long long)IOVA))
		return tap_finish();

	/* Page 0 holds the stamp edu copies into the pages it writes */
	memset(buf, 0, LEN);
	*(uint32_t *)buf = STAMP;
	if (edu_dma_from_ram(&d, IOVA, dma_len) ||
	    edu_dma_to_ram(&d, IOVA + 2 * EDU_PAGE_SIZE, dma_len) ||
	    edu_dma_to_ram(&d, IOVA + 5 * EDU_PAGE_SIZE, dma_len))
		return tap_finish();

	bmpage = mmap(NULL, EDU_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uffd = bmpage == MAP_FAILED ? -1 : uffd_open(bmpage);
	if (!tap_ok(uffd >= 0, "the bitmap sits on a userfaultfd page"))
		return tap_finish();

	call.bitmap = bmpage;
	if (pthread_create(&thr, NULL, unmap_thread, &call))
		return tap_finish();
	faulted = uffd_wait_fault(uffd, bmpage, 10000);
	tap_ok(faulted,
	       "UNMAP_DMA waits in its copy of the bitmap to user space");

	/* The ioctl is inside: DMA to page 9 must still reach memory */
	tap_ok(!edu_dma_to_ram(&d, IOVA + 9 * EDU_PAGE_SIZE, dma_len) &&
	       page_word(buf, 9) == STAMP,
	       "edu DMA to page 9 lands while the unmap waits (word 0x%x)",
	       page_word(buf, 9));

	if (faulted && uffd_resolve(uffd, bmpage))
		tap_diag("UFFDIO_ZEROPAGE: %s", strerror(errno));
	pthread_join(thr, NULL);
	tap_ok(call.ret == 0 && call.unmapped == LEN,
	       "UNMAP_DMA with GET_DIRTY_BITMAP returns 0, 0x%llx bytes (ret %d: %s)",
	       (unsigned long long)call.unmapped, call.ret,
	       call.ret ? strerror(call.err) : "ok");

	memcpy(bm, bmpage, edu_bitmap_words(NPAGES) * sizeof(uint64_t));
	n = edu_bitmap_count(bm, NPAGES);
	if (!tap_ok(edu_bitmap_equals_list(bm, NPAGES, expect, 3),
		    "its bitmap has pages 2 and 5 (before the ioctl) and 9 (during it), no other (%zu set)",
		    n))
		edu_bitmap_print("unmap bitmap", bm, NPAGES);
	if (edu_bitmap_equals_list(bm, NPAGES, before, 2))
		tap_diag("page 9 is missing: written after the dirty read, before the unmap");

	/* Control: after the unmap a DMA write no longer lands */
	edu_dma_to_ram(&d, IOVA + 12 * EDU_PAGE_SIZE, dma_len);
	tap_ok(page_word(buf, 12) == 0,
	       "after the unmap a DMA to page 12 does not land (word 0x%x)",
	       page_word(buf, 12));

	edu_type1_dirty_stop(&d);
	edu_close(&d);
	return tap_finish();
}
