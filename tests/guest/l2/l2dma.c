// SPDX-License-Identifier: GPL-2.0
/*
 * l2dma: the guest that a real QEMU migrates in the test bed (L2, run by
 * the QEMU inside the dirtyscope guest).  Bare metal, MMU off, one CPU,
 * no interrupts: it finds the edu device that QEMU assigned to it with
 * vfio-pci on virt's PCIe (ECAM at 0x3f000000 with highmem=off), gives it
 * a BAR and bus mastering, then DMA-writes stamped pages and CPU-writes
 * others for ever, keeping a log of its DMA writes in its own RAM (the
 * layout is in l2dma.h).  The UART says "ready" once and then how many
 * DMA writes it did every L2_REPORT_EVERY of them.
 *
 * The edu's DMA buffer is written through x-buf-window (BAR0 + 0x1000),
 * so one DMA per page: a 4 KiB copy of the buffer to the page.
 */
#include "l2dma.h"

#define UART_DR		0x09000000UL		/* PL011 data register */
#define ECAM		0x3f000000UL
#define PCI_MMIO	0x10000000UL		/* virt's 32-bit window */
#define EDU_ID		0x11e81234U		/* device << 16 | vendor */
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_BUF		0x40000			/* the buffer, as DMA sees it */
#define EDU_WINDOW	0x1000			/* the buffer, as MMIO */
#define EDU_POLL_MAX	100000000UL
#define L2_REPORT_EVERY	1024

static inline void w32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t r32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void w64(uint64_t a, uint64_t v) { *(volatile uint64_t *)a = v; }
static inline uint64_t r64(uint64_t a) { return *(volatile uint64_t *)a; }
static inline void barrier(void) { __asm__ volatile("dsb sy" ::: "memory"); }

static void putc_(char c)
{
	w32(UART_DR, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void putdec(uint64_t v)
{
	char b[24];
	int i = 0;

	do {
		b[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i)
		putc_(b[--i]);
}

static void puthex(uint64_t v)
{
	int i;

	puts_("0x");
	for (i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 0xf]);
}

static void halt(const char *why)
{
	puts_("dirtyscope L2: ");
	puts_(why);
	puts_("\n");
	for (;;)
		__asm__ volatile("wfi");
}

/* xorshift64: pages to write */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Bus 0: the first function with edu's IDs; its BAR0 at PCI_MMIO */
static uint64_t edu_setup(void)
{
	uint64_t cfg;
	int dev;

	for (dev = 0; dev < 32; dev++) {
		cfg = ECAM + ((uint64_t)dev << 15);
		if (r32(cfg) == EDU_ID)
			break;
	}
	if (dev == 32)
		halt("no edu device on PCI bus 0");
	w32(cfg + 0x10, PCI_MMIO);		/* BAR0: 1 MiB, 32-bit memory */
	w32(cfg + 0x04, r32(cfg + 0x04) | 0x6);	/* memory space, bus master */
	if ((r32(PCI_MMIO) & 0xff) != 0xed)
		halt("edu's BAR0 does not answer");
	return PCI_MMIO;
}

/* One page by DMA: stamp it in the log, then edu copies it from its buffer */
static void dma_write(struct l2_ctl *ctl, uint64_t bar, uint64_t page)
{
	volatile uint64_t *log = (volatile uint64_t *)L2_LOG;
	uint64_t stamp = ++ctl->seq, n;

	ctl->pend_prev = log[page];
	ctl->pend_page = page;
	log[page] = stamp;
	barrier();
	w64(bar + EDU_WINDOW, L2_TAG ^ page);
	w64(bar + EDU_WINDOW + 8, stamp);
	w64(bar + EDU_DMA_SRC, EDU_BUF);
	w64(bar + EDU_DMA_DST, L2_DMA_AREA + page * L2_PAGE);
	w64(bar + EDU_DMA_CNT, L2_PAGE);
	w64(bar + EDU_DMA_CMD, EDU_DMA_RUN | EDU_DMA_TO_RAM);
	for (n = 0; n < EDU_POLL_MAX; n++)
		if (!(r64(bar + EDU_DMA_CMD) & EDU_DMA_RUN))
			break;
	barrier();
	if (n == EDU_POLL_MAX)
		ctl->errors++;
	else
		ctl->dma_writes++;
	ctl->pend_page = L2_NO_PAGE;
}

static void cpu_write(struct l2_ctl *ctl, uint64_t page)
{
	uint64_t a = L2_CPU_AREA + page * L2_PAGE;

	w64(a, L2_TAG ^ (L2_DMA_PAGES + page));
	w64(a + 8, ++ctl->seq);
	ctl->cpu_writes++;
}

void l2_main(void)
{
	struct l2_ctl *ctl = (struct l2_ctl *)L2_CTL;
	uint64_t bar, r;

	ctl->pend_page = L2_NO_PAGE;
	bar = edu_setup();
	ctl->edu_bar = bar;
	ctl->magic = L2_CTL_MAGIC;
	puts_("dirtyscope L2: ready, edu BAR0 at ");
	puthex(bar);
	puts_(", ");
	putdec(L2_DMA_PAGES);
	puts_(" DMA pages at ");
	puthex(L2_DMA_AREA);
	puts_("\n");
	for (;;) {
		r = rnd();
		if (r & 1)
			dma_write(ctl, bar, (r >> 8) % L2_HOT_PAGES);
		else
			dma_write(ctl, bar, (r >> 8) % L2_DMA_PAGES);
		cpu_write(ctl, (r >> 32) % L2_CPU_PAGES);
		if (!(ctl->dma_writes % L2_REPORT_EVERY)) {
			puts_("dirtyscope L2: ");
			putdec(ctl->dma_writes);
			puts_(" DMA writes\n");
		}
	}
}
