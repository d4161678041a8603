/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edudma: drive QEMU's "edu" PCI device (1234:11e8) through VFIO from a
 * guest, either with the legacy type1 container or with iommufd and the
 * VFIO device cdev, and read the dirty-page state that DMA leaves behind.
 *
 * Typical use:
 *
 *   struct edu_dev d;
 *   edu_init(&d);
 *   edu_find(d.bdf, sizeof(d.bdf));
 *   edu_iommufd_open(&d);                        or edu_type1_open(&d)
 *   edu_iommufd_hwpt_alloc(&d, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt);
 *   edu_iommufd_attach(&d, hwpt);
 *   buf = edu_buf_alloc(len, false);
 *   edu_map(&d, buf, iova, len);
 *   edu_enable(&d);                              BAR0 + bus master
 *   edu_dma_to_ram(&d, iova + 3 * 4096, 64);     device writes RAM
 *   edu_iommufd_get_dirty(&d, hwpt, iova, len, 0, bitmap);
 *   edu_close(&d);
 *
 * Every function returns 0 (or a count) on success and -errno on failure,
 * after printing one "# edudma: ..." diagnostic line; nothing exits.
 */
#ifndef DIRTYSCOPE_EDUDMA_H
#define DIRTYSCOPE_EDUDMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The uAPI the library speaks; tests get the constants from here too. */
#include <linux/iommufd.h>
#include <linux/vfio.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

/* BAR0 register map */
#define EDU_REG_IDENT		0x00	/* 0x010000ed */
#define EDU_REG_LIVENESS	0x04	/* reads back the inverse of a write */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_CMD_RUN		0x1
#define EDU_DMA_CMD_TO_RAM	0x2	/* direction: edu buffer -> RAM */
#define EDU_IDENT_MAGIC		0xed
#define EDU_DMA_BUF		0x40000	/* device-internal buffer address */
#define EDU_DMA_BUF_SIZE	4096

/*
 * IOVA rules: edu masks DMA addresses to 28 bits, and the SMMUv3 driver
 * reserves 0x8000000-0x80fffff for MSIs.
 */
#define EDU_IOVA_LIMIT		(1ULL << 28)
#define EDU_MSI_IOVA_BASE	0x8000000ULL
#define EDU_MSI_IOVA_SIZE	0x100000ULL

#define EDU_PAGE_SIZE		4096UL
#define EDU_DMA_TIMEOUT_MS	5000
#define EDU_DMA_SIZE_DEFAULT	256	/* stock QEMU 7.2 edu aborts on 4096 */

enum edu_mode {
	EDU_MODE_NONE,
	EDU_MODE_TYPE1,
	EDU_MODE_IOMMUFD,
};

struct edu_dev {
	char bdf[32];		/* "0000:00:02.0" */
	enum edu_mode mode;
	int device_fd;

	/* type1 */
	int container_fd;
	int group_fd;
	int group;

	/* iommufd */
	int iommufd;
	uint32_t dev_id;
	uint32_t ioas_id;
	uint32_t pt_id;		/* what the device is attached to */

	/* BAR0 mapping and config space */
	volatile uint8_t *bar0;
	size_t bar0_size;
	uint64_t cfg_offset;

	unsigned int dma_timeout_ms;
	bool dma_spin;		/* poll for DMA completion without sleeping */
};

void edu_init(struct edu_dev *d);
int edu_find(char *bdf, size_t len);
int edu_find_nth(int nth, char *bdf, size_t len);
int edu_bind_vfio_pci(const char *bdf);
/* Bind to @driver through driver_override ("vfio-pci": clear the override) */
int edu_bind_driver(const char *bdf, const char *driver);

/* type1: container + group + device fd */
int edu_type1_open(struct edu_dev *d);
/* Add d->bdf's group to the container of @owner (opened with the above) */
int edu_type1_join(struct edu_dev *d, const struct edu_dev *owner);

/* iommufd: /dev/iommu + device cdev, bound, with an IOAS */
int edu_iommufd_open(struct edu_dev *d);
int edu_iommufd_hw_caps(struct edu_dev *d, uint64_t *caps);
/* IOMMU_GET_HW_INFO: capabilities, info type and up to @len bytes of data */
int edu_iommufd_hw_info(struct edu_dev *d, uint64_t *caps, uint32_t *type,
			void *data, uint32_t len);
int edu_iommufd_hwpt_alloc(struct edu_dev *d, uint32_t flags, uint32_t *hwpt);
int edu_iommufd_attach(struct edu_dev *d, uint32_t pt_id);
int edu_iommufd_destroy(struct edu_dev *d, uint32_t id);

void edu_close(struct edu_dev *d);

/* DMA mappings, either backend */
void *edu_buf_alloc(size_t len, bool hugetlb);
void edu_buf_free(void *buf, size_t len);
int edu_iova_check(uint64_t iova, size_t len);
int edu_map(struct edu_dev *d, void *buf, uint64_t iova, size_t len);
/* Without edu_iova_check(): IOVA the device never writes (above 28 bits) */
int edu_map_nodma(struct edu_dev *d, void *buf, uint64_t iova, size_t len);
int edu_unmap(struct edu_dev *d, uint64_t iova, size_t len);

/* Device: BAR0 mmap, bus mastering, DMA */
int edu_enable(struct edu_dev *d);
uint32_t edu_read32(struct edu_dev *d, unsigned int reg);
void edu_write32(struct edu_dev *d, unsigned int reg, uint32_t val);
int edu_dma(struct edu_dev *d, bool to_ram, uint64_t iova, uint32_t off,
	    size_t len);
/* The same in two steps: start it, then wait for it */
int edu_dma_start(struct edu_dev *d, bool to_ram, uint64_t iova,
		  uint32_t off, size_t len);
int edu_dma_finish(struct edu_dev *d);
int edu_dma_to_ram(struct edu_dev *d, uint64_t iova, size_t len);
int edu_dma_from_ram(struct edu_dev *d, uint64_t iova, size_t len);

/* Dirty tracking: iommufd */
int edu_iommufd_set_dirty(struct edu_dev *d, uint32_t hwpt, bool enable);
int edu_iommufd_set_dirty_flags(struct edu_dev *d, uint32_t hwpt,
				uint32_t flags);
int edu_iommufd_get_dirty(struct edu_dev *d, uint32_t hwpt, uint64_t iova,
			  size_t len, uint32_t flags, uint64_t *bitmap);
int edu_iommufd_clear_dirty(struct edu_dev *d, uint32_t hwpt, uint64_t iova,
			    size_t len, uint64_t page_size,
			    const uint64_t *bitmap);

/* Dirty tracking: type1 VFIO_IOMMU_DIRTY_PAGES */
int edu_type1_dirty_ioctl(struct edu_dev *d, uint32_t flags);
int edu_type1_dirty_start(struct edu_dev *d);
int edu_type1_dirty_stop(struct edu_dev *d);
int edu_type1_dirty_get(struct edu_dev *d, uint64_t iova, size_t len,
			uint64_t *bitmap);
int edu_type1_dirty_op(struct edu_dev *d, uint32_t flag, uint64_t iova,
		       size_t len, uint64_t *bitmap);
int edu_type1_unmap_dirty(struct edu_dev *d, uint64_t iova, size_t len,
			  uint64_t *bitmap);
int edu_type1_migration_cap(struct edu_dev *d, uint64_t *pgsize_bitmap,
			    uint64_t *max_bitmap_size);
int edu_type1_migration_cap_flags(struct edu_dev *d, uint32_t *flags,
				  uint64_t *pgsize_bitmap,
				  uint64_t *max_bitmap_size);

/* Bitmaps: one bit per EDU_PAGE_SIZE page, LSB first in u64 words */
size_t edu_bitmap_words(size_t npages);
uint64_t *edu_bitmap_alloc(size_t npages);
size_t edu_bitmap_count(const uint64_t *bm, size_t npages);
bool edu_bitmap_test(const uint64_t *bm, size_t page);
void edu_bitmap_set(uint64_t *bm, size_t page);
/* A new bitmap with the @n pages of @list set (NULL on ENOMEM) */
uint64_t *edu_bitmap_from_list(size_t npages, const size_t *list, size_t n);
size_t edu_bitmap_to_list(const uint64_t *bm, size_t npages, size_t *list,
			  size_t max);
bool edu_bitmap_equals_list(const uint64_t *bm, size_t npages,
			    const size_t *list, size_t n);
void edu_bitmap_print(const char *what, const uint64_t *bm, size_t npages);

/*
 * VFIO_DEVICE_FEATURE with @flags and @len bytes of @data (copied in, and
 * back out for a GET): the ioctl's return value or -errno
 */
int edu_device_feature(struct edu_dev *d, uint32_t flags, void *data, size_t len);

/*
 * VFIO DMA logging of the device: START over @n ranges at *@pgsize (the
 * page size the driver chose comes back in it), STOP, and REPORT of
 * [@iova, @iova + @len) at @pgsize into @bitmap; 0 or -errno.
 */
int edu_dma_log_start(struct edu_dev *d,
		      const struct vfio_device_feature_dma_logging_range *r,
		      uint32_t n, uint64_t *pgsize);
int edu_dma_log_stop(struct edu_dev *d);
int edu_dma_log_report(struct edu_dev *d, uint64_t iova, uint64_t len,
		       uint64_t pgsize, void *bitmap);

/* Small helpers */
uint64_t edu_now_ns(void);
size_t edu_default_dma_size(void);
/* The --dma-size option of the simple tests; 0 or -EINVAL after a message */
int edu_parse_dma_size(int argc, char **argv, size_t *size);

#endif
