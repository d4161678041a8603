// SPDX-License-Identifier: GPL-2.0
/*
 * edudma: QEMU edu device DMA through VFIO (type1 or iommufd), see edudma.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "edudma.h"

#define SYS_PCI_DEVICES	"/sys/bus/pci/devices"
#define SYS_VFIO_PCI	"/sys/bus/pci/drivers/vfio-pci"

/* Print one diagnostic line and return -err. */
static int __attribute__((format(printf, 2, 3))) edu_err(int err,
							  const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("# edudma: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(err));
	fflush(stdout);
	return -err;
}

/* ioctl() that returns -errno and reports which request failed. */
#define edu_ioctl(fd, req, arg, ...) ({					\
	int __r = ioctl((fd), (req), (arg));				\
	if (__r < 0)							\
		__r = edu_err(errno, #req " " __VA_ARGS__);		\
	__r;								\
})

uint64_t edu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Bytes per DMA: $DS_DMA_SIZE (set by /init from ds.dma_size) or 256. */
size_t edu_default_dma_size(void)
{
	const char *env = getenv("DS_DMA_SIZE");
	unsigned long n;

	if (!env || !*env)
		return EDU_DMA_SIZE_DEFAULT;
	n = strtoul(env, NULL, 0);
	if (n < 1 || n > EDU_DMA_BUF_SIZE)
		return EDU_DMA_SIZE_DEFAULT;
	return n;
}

static void edu_sleep_us(unsigned int us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	nanosleep(&ts, NULL);
}

static void edu_barrier(void)
{
#ifdef __aarch64__
	__asm__ volatile("dsb sy" ::: "memory");
#else
	__sync_synchronize();
#endif
}

void edu_init(struct edu_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->device_fd = -1;
	d->container_fd = -1;
	d->group_fd = -1;
	d->group = -1;
	d->iommufd = -1;
	d->dma_timeout_ms = EDU_DMA_TIMEOUT_MS;
}

/* --- sysfs ------------------------------------------------------------ */

/* Copy @src into @dst of @len bytes; -ENAMETOOLONG if it does not fit. */
static int copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

static int read_sysfs(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int write_sysfs(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return -errno;
	return 0;
}

static long read_sysfs_hex(const char *bdf, const char *attr)
{
	char path[PATH_MAX], buf[32];
	int ret;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/%s", bdf, attr);
	ret = read_sysfs(path, buf, sizeof(buf));
	if (ret)
		return ret;
	return strtol(buf, NULL, 16);
}

static int edu_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int edu_find_nth(int nth, char *bdf, size_t len)
{
	char *names[64];
	struct dirent *de;
	int n = 0, i, ret;
	DIR *dir;

	dir = opendir(SYS_PCI_DEVICES);
	if (!dir)
		return edu_err(errno, "opendir " SYS_PCI_DEVICES);
	while ((de = readdir(dir)) && n < 64) {
		if (de->d_name[0] == '.')
			continue;
		if (read_sysfs_hex(de->d_name, "vendor") != EDU_VENDOR ||
		    read_sysfs_hex(de->d_name, "device") != EDU_DEVICE)
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(dir);
	/* PCI addresses sort in bus order */
	qsort(names, n, sizeof(names[0]), edu_cmp_names);
	if (nth < n)
		ret = copy_str(bdf, len, names[nth]);
	else
		ret = edu_err(ENODEV, "no edu device #%d (%04x:%04x) in "
			      SYS_PCI_DEVICES ": %d found", nth, EDU_VENDOR,
			      EDU_DEVICE, n);
	for (i = 0; i < n; i++)
		free(names[i]);
	return ret;
}

int edu_find(char *bdf, size_t len)
{
	return edu_find_nth(0, bdf, len);
}

/* Name of the driver bound to @bdf into @drv ("" if none). */
static int edu_driver(const char *bdf, char *drv, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	char *base;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		drv[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = '\0';
	base = strrchr(link, '/');
	return copy_str(drv, len, base ? base + 1 : link);
}

/*
 * Unbind @bdf from its driver unless that is @driver: 0 when bound to
 * @driver already, 1 when now unbound, -errno after a message.
 */
static int edu_unbind_unless(const char *bdf, const char *driver)
{
	char path[PATH_MAX], drv[64];
	int ret;

	ret = edu_driver(bdf, drv, sizeof(drv));
	if (ret)
		return edu_err(-ret, "%s: reading driver link", bdf);
	if (!strcmp(drv, driver))
		return 0;
	if (drv[0]) {
		snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/driver/unbind",
			 bdf);
		ret = write_sysfs(path, bdf);
		if (ret)
			return edu_err(-ret, "%s: unbind from %s", bdf, drv);
	}
	return 1;
}

/* Bind @bdf to vfio-pci unless it already is (what /init does by hand). */
int edu_bind_vfio_pci(const char *bdf)
{
	char drv[64], id[32];
	int ret;

	ret = edu_unbind_unless(bdf, "vfio-pci");
	if (ret <= 0)
		return ret;
	snprintf(id, sizeof(id), "%04x %04x", EDU_VENDOR, EDU_DEVICE);
	ret = write_sysfs(SYS_VFIO_PCI "/new_id", id);
	if (ret && ret != -EEXIST)
		return edu_err(-ret, "write %s to " SYS_VFIO_PCI "/new_id", id);
	ret = edu_driver(bdf, drv, sizeof(drv));
	if (!ret && strcmp(drv, "vfio-pci")) {
		ret = write_sysfs(SYS_VFIO_PCI "/bind", bdf);
		if (ret)
			return edu_err(-ret, "bind %s to vfio-pci", bdf);
	}
	return 0;
}

int edu_bind_driver(const char *bdf, const char *driver)
{
	char path[PATH_MAX], drv[64];
	int ret;

	ret = edu_unbind_unless(bdf, driver);
	if (ret <= 0)
		return ret;
	/* "\n" clears the override: then the id tables decide again */
	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/driver_override", bdf);
	ret = write_sysfs(path, strcmp(driver, "vfio-pci") ? driver : "\n");
	if (ret)
		return edu_err(-ret, "%s: driver_override %s", bdf, driver);
	ret = write_sysfs("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return edu_err(-ret, "%s: drivers_probe", bdf);
	ret = edu_driver(bdf, drv, sizeof(drv));
	if (ret || strcmp(drv, driver))
		return edu_err(ENODEV, "%s: bound to '%s', not %s", bdf, drv,
			       driver);
	return 0;
}

/* --- type1 -------------------------------------------------------------- */

static int edu_group_number(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	char *base;

	snprintf(path, sizeof(path), SYS_PCI_DEVICES "/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return edu_err(errno, "%s has no iommu_group (IOMMU off?)", bdf);
	link[n] = '\0';
	base = strrchr(link, '/');
	return atoi(base ? base + 1 : link);
}

static int edu_type1_container(struct edu_dev *d)
{
	int ret;

	d->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container_fd < 0)
		return edu_err(errno, "open /dev/vfio/vfio");
	ret = ioctl(d->container_fd, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION)
		return edu_err(EINVAL, "VFIO API version %d, want %d", ret,
			       VFIO_API_VERSION);
	ret = ioctl(d->container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
	if (ret <= 0)
		return edu_err(ret < 0 ? errno : ENOTSUP,
			       "VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU)");
	return 0;
}

static int edu_type1_group(struct edu_dev *d)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int ret;

	d->group = edu_group_number(d->bdf);
	if (d->group < 0)
		return d->group;
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group);
	d->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->group_fd < 0)
		return edu_err(errno, "open %s", path);
	ret = edu_ioctl(d->group_fd, VFIO_GROUP_GET_STATUS, &status);
	if (ret)
		return ret;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return edu_err(EBUSY, "group %d is not viable (devices not "
			       "bound to vfio-pci)", d->group);
	ret = edu_ioctl(d->group_fd, VFIO_GROUP_SET_CONTAINER,
			&d->container_fd);
	if (ret)
		return ret;
	return edu_ioctl(d->container_fd, VFIO_SET_IOMMU,
			 (void *)(long)VFIO_TYPE1v2_IOMMU);
}

int edu_type1_open(struct edu_dev *d)
{
	int ret;

	d->mode = EDU_MODE_TYPE1;
	ret = edu_type1_container(d);
	if (!ret)
		ret = edu_type1_group(d);
	if (!ret) {
		d->device_fd = ioctl(d->group_fd, VFIO_GROUP_GET_DEVICE_FD,
				     d->bdf);
		if (d->device_fd < 0)
			ret = edu_err(errno, "VFIO_GROUP_GET_DEVICE_FD(%s)",
				      d->bdf);
	}
	if (ret)
		edu_close(d);
	return ret;
}

int edu_type1_join(struct edu_dev *d, const struct edu_dev *owner)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int ret;

	d->mode = EDU_MODE_TYPE1;
	d->container_fd = dup(owner->container_fd);
	if (d->container_fd < 0)
		return edu_err(errno, "dup container fd");
	d->group = edu_group_number(d->bdf);
	if (d->group < 0) {
		ret = d->group;
		goto err;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", d->group);
	d->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->group_fd < 0) {
		ret = edu_err(errno, "open %s", path);
		goto err;
	}
	ret = edu_ioctl(d->group_fd, VFIO_GROUP_GET_STATUS, &status);
	if (!ret && !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		ret = edu_err(EBUSY, "group %d is not viable", d->group);
	if (!ret)
		ret = edu_ioctl(d->group_fd, VFIO_GROUP_SET_CONTAINER,
				&d->container_fd);
	if (ret)
		goto err;
	d->device_fd = ioctl(d->group_fd, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->device_fd < 0) {
		ret = edu_err(errno, "VFIO_GROUP_GET_DEVICE_FD(%s)", d->bdf);
		goto err;
	}
	return 0;
err:
	edu_close(d);
	return ret;
}

/* --- iommufd ------------------------------------------------------------ */

static int edu_cdev_path(const char *bdf, char *path, size_t len)
{
	char dirpath[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret = -ENOENT;

	snprintf(dirpath, sizeof(dirpath), SYS_PCI_DEVICES "/%s/vfio-dev", bdf);
	dir = opendir(dirpath);
	if (!dir)
		return edu_err(errno, "opendir %s (CONFIG_VFIO_DEVICE_CDEV?)",
			       dirpath);
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, len, "/dev/vfio/devices/%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	if (ret)
		return edu_err(-ret, "no vfio cdev under %s", dirpath);
	return 0;
}

static int edu_iommufd_bind(struct edu_dev *d)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = d->iommufd,
	};
	int ret;

	ret = edu_ioctl(d->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (ret)
		return ret;
	d->dev_id = bind.out_devid;
	return 0;
}

static int edu_iommufd_ioas(struct edu_dev *d)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int ret;

	ret = edu_ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &alloc);
	if (ret)
		return ret;
	d->ioas_id = alloc.out_ioas_id;
	return 0;
}

int edu_iommufd_open(struct edu_dev *d)
{
	char cdev[PATH_MAX];
	int ret;

	d->mode = EDU_MODE_IOMMUFD;
	ret = edu_cdev_path(d->bdf, cdev, sizeof(cdev));
	if (ret)
		return ret;
	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0) {
		ret = edu_err(errno, "open /dev/iommu");
		goto err;
	}
	d->device_fd = open(cdev, O_RDWR | O_CLOEXEC);
	if (d->device_fd < 0) {
		ret = edu_err(errno, "open %s", cdev);
		goto err;
	}
	ret = edu_iommufd_bind(d);
	if (!ret)
		ret = edu_iommufd_ioas(d);
	if (!ret)
		return 0;
err:
	edu_close(d);
	return ret;
}

int edu_iommufd_hw_info(struct edu_dev *d, uint64_t *caps, uint32_t *type,
			void *data, uint32_t len)
{
	struct iommu_hw_info info = {
		.size = sizeof(info),
		.dev_id = d->dev_id,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int ret;

	ret = edu_ioctl(d->iommufd, IOMMU_GET_HW_INFO, &info);
	if (ret)
		return ret;
	*caps = info.out_capabilities;
	if (type)
		*type = info.out_data_type;
	return 0;
}

int edu_iommufd_hw_caps(struct edu_dev *d, uint64_t *caps)
{
	return edu_iommufd_hw_info(d, caps, NULL, NULL, 0);
}

int edu_iommufd_hwpt_alloc(struct edu_dev *d, uint32_t flags, uint32_t *hwpt)
{
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.flags = flags,
		.dev_id = d->dev_id,
		.pt_id = d->ioas_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};
	int ret;

	ret = edu_ioctl(d->iommufd, IOMMU_HWPT_ALLOC, &alloc, "(flags 0x%x)",
			flags);
	if (ret)
		return ret;
	*hwpt = alloc.out_hwpt_id;
	return 0;
}

int edu_iommufd_attach(struct edu_dev *d, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};
	int ret;

	ret = edu_ioctl(d->device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach,
			"(pt %u)", pt_id);
	if (ret)
		return ret;
	d->pt_id = attach.pt_id;
	return 0;
}

int edu_iommufd_destroy(struct edu_dev *d, uint32_t id)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = id };

	return edu_ioctl(d->iommufd, IOMMU_DESTROY, &destroy, "(id %u)", id);
}

void edu_close(struct edu_dev *d)
{
	if (d->bar0 && d->bar0 != MAP_FAILED)
		munmap((void *)d->bar0, d->bar0_size);
	d->bar0 = NULL;
	if (d->device_fd >= 0)
		close(d->device_fd);
	if (d->group_fd >= 0)
		close(d->group_fd);
	if (d->container_fd >= 0)
		close(d->container_fd);
	if (d->iommufd >= 0)
		close(d->iommufd);
	d->device_fd = d->group_fd = d->container_fd = d->iommufd = -1;
	d->mode = EDU_MODE_NONE;
}

/* --- mappings ----------------------------------------------------------- */

void *edu_buf_alloc(size_t len, bool hugetlb)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
	void *buf;

	if (hugetlb)
		flags |= MAP_HUGETLB;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (buf == MAP_FAILED) {
		edu_err(errno, "mmap %zu bytes%s", len,
			hugetlb ? " (MAP_HUGETLB: nr_hugepages?)" : "");
		return NULL;
	}
	memset(buf, 0, len);
	return buf;
}

void edu_buf_free(void *buf, size_t len)
{
	if (buf)
		munmap(buf, len);
}

int edu_iova_check(uint64_t iova, size_t len)
{
	uint64_t end = iova + len;

	if (!len || end < iova || end > EDU_IOVA_LIMIT)
		return edu_err(ERANGE, "IOVA 0x%llx+0x%zx beyond edu's 28-bit "
			       "DMA mask", (unsigned long long)iova, len);
	if (iova < EDU_MSI_IOVA_BASE + EDU_MSI_IOVA_SIZE &&
	    end > EDU_MSI_IOVA_BASE)
		return edu_err(ERANGE, "IOVA 0x%llx+0x%zx overlaps the MSI "
			       "window", (unsigned long long)iova, len);
	return 0;
}

static int edu_type1_map(struct edu_dev *d, void *buf, uint64_t iova,
			 size_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = len,
	};

	return edu_ioctl(d->container_fd, VFIO_IOMMU_MAP_DMA, &map,
			 "(iova 0x%llx size 0x%zx)", (unsigned long long)iova,
			 len);
}

static int edu_ioas_map(struct edu_dev *d, void *buf, uint64_t iova,
			size_t len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = d->ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return edu_ioctl(d->iommufd, IOMMU_IOAS_MAP, &map,
			 "(iova 0x%llx size 0x%zx)", (unsigned long long)iova,
			 len);
}

int edu_map(struct edu_dev *d, void *buf, uint64_t iova, size_t len)
{
	int ret;

	ret = edu_iova_check(iova, len);
	if (ret)
		return ret;
	switch (d->mode) {
	case EDU_MODE_TYPE1:
		return edu_type1_map(d, buf, iova, len);
	case EDU_MODE_IOMMUFD:
		return edu_ioas_map(d, buf, iova, len);
	default:
		return edu_err(EBADF, "edu_map: device not open");
	}
}

int edu_map_nodma(struct edu_dev *d, void *buf, uint64_t iova, size_t len)
{
	switch (d->mode) {
	case EDU_MODE_TYPE1:
		return edu_type1_map(d, buf, iova, len);
	case EDU_MODE_IOMMUFD:
		return edu_ioas_map(d, buf, iova, len);
	default:
		return edu_err(EBADF, "edu_map_nodma: device not open");
	}
}

int edu_unmap(struct edu_dev *d, uint64_t iova, size_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};
	struct iommu_ioas_unmap ioas_unmap = {
		.size = sizeof(ioas_unmap),
		.ioas_id = d->ioas_id,
		.iova = iova,
		.length = len,
	};

	switch (d->mode) {
	case EDU_MODE_TYPE1:
		return edu_ioctl(d->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	case EDU_MODE_IOMMUFD:
		return edu_ioctl(d->iommufd, IOMMU_IOAS_UNMAP, &ioas_unmap);
	default:
		return edu_err(EBADF, "edu_unmap: device not open");
	}
}

/* --- device ------------------------------------------------------------- */

static int edu_region(struct edu_dev *d, unsigned int index,
		      struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return edu_ioctl(d->device_fd, VFIO_DEVICE_GET_REGION_INFO, info,
			 "(region %u)", index);
}

static int edu_map_bar0(struct edu_dev *d)
{
	struct vfio_region_info info;
	void *p;
	int ret;

	ret = edu_region(d, VFIO_PCI_BAR0_REGION_INDEX, &info);
	if (ret)
		return ret;
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !info.size)
		return edu_err(ENOTSUP, "BAR0 cannot be mmapped (flags 0x%x)",
			       info.flags);
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 d->device_fd, info.offset);
	if (p == MAP_FAILED)
		return edu_err(errno, "mmap BAR0 (%llu bytes)",
			       (unsigned long long)info.size);
	d->bar0 = p;
	d->bar0_size = info.size;
	return 0;
}

static int edu_bus_master(struct edu_dev *d)
{
	struct vfio_region_info info;
	uint16_t cmd;
	int ret;

	ret = edu_region(d, VFIO_PCI_CONFIG_REGION_INDEX, &info);
	if (ret)
		return ret;
	d->cfg_offset = info.offset;
	if (pread(d->device_fd, &cmd, sizeof(cmd),
		  d->cfg_offset + PCI_COMMAND) != sizeof(cmd))
		return edu_err(errno ? errno : EIO, "read PCI_COMMAND");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(d->device_fd, &cmd, sizeof(cmd),
		   d->cfg_offset + PCI_COMMAND) != sizeof(cmd))
		return edu_err(errno ? errno : EIO, "write PCI_COMMAND");
	return 0;
}

uint32_t edu_read32(struct edu_dev *d, unsigned int reg)
{
	return *(volatile uint32_t *)(d->bar0 + reg);
}

void edu_write32(struct edu_dev *d, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(d->bar0 + reg) = val;
}

/* Map BAR0, turn on memory decoding and bus mastering, check the ident. */
int edu_enable(struct edu_dev *d)
{
	uint32_t ident;
	int ret;

	ret = edu_map_bar0(d);
	if (!ret)
		ret = edu_bus_master(d);
	if (ret)
		return ret;
	ident = edu_read32(d, EDU_REG_IDENT);
	if ((ident & 0xff) != EDU_IDENT_MAGIC)
		return edu_err(ENODEV, "BAR0 ident 0x%08x is not edu's", ident);
	return 0;
}

static int edu_dma_wait(struct edu_dev *d)
{
	uint64_t deadline = edu_now_ns() + d->dma_timeout_ms * 1000000ULL;
	unsigned int polls = 0;

	while (edu_read32(d, EDU_REG_DMA_CMD) & EDU_DMA_CMD_RUN) {
		if (edu_now_ns() > deadline)
			return edu_err(ETIMEDOUT, "DMA still running after %u ms",
				       d->dma_timeout_ms);
		/* Spin briefly for fast devices, then stop hogging the vCPU. */
		if (++polls > 64 && !d->dma_spin)
			edu_sleep_us(200);
	}
	edu_barrier();
	return 0;
}

/*
 * Start one edu DMA of @len bytes between IOVA @iova and edu buffer offset
 * @off, without waiting for it (edu_dma_finish() does).
 * @to_ram: the device writes memory (edu -> RAM), else it reads memory.
 */
int edu_dma_start(struct edu_dev *d, bool to_ram, uint64_t iova,
		  uint32_t off, size_t len)
{
	uint32_t src, dst, cmd = EDU_DMA_CMD_RUN;
	int ret;

	if (!d->bar0)
		return edu_err(EBADF, "edu_dma: BAR0 not mapped (edu_enable)");
	if (!len || off + len > EDU_DMA_BUF_SIZE)
		return edu_err(EINVAL, "DMA of %zu bytes at buffer offset %u",
			       len, off);
	ret = edu_iova_check(iova, len);
	if (ret)
		return ret;
	ret = edu_dma_wait(d);
	if (ret)
		return ret;
	if (to_ram) {
		src = EDU_DMA_BUF + off;
		dst = (uint32_t)iova;
		cmd |= EDU_DMA_CMD_TO_RAM;
	} else {
		src = (uint32_t)iova;
		dst = EDU_DMA_BUF + off;
	}
	edu_barrier();
	edu_write32(d, EDU_REG_DMA_SRC, src);
	edu_write32(d, EDU_REG_DMA_DST, dst);
	edu_write32(d, EDU_REG_DMA_CNT, (uint32_t)len);
	edu_write32(d, EDU_REG_DMA_CMD, cmd);
	return 0;
}

/* Wait for the DMA edu_dma_start() started */
int edu_dma_finish(struct edu_dev *d)
{
	return edu_dma_wait(d);
}

/* One edu DMA (edu_dma_start()), waited for */
int edu_dma(struct edu_dev *d, bool to_ram, uint64_t iova, uint32_t off,
	    size_t len)
{
	int ret = edu_dma_start(d, to_ram, iova, off, len);

	return ret ? ret : edu_dma_wait(d);
}

int edu_dma_to_ram(struct edu_dev *d, uint64_t iova, size_t len)
{
	return edu_dma(d, true, iova, 0, len);
}

int edu_dma_from_ram(struct edu_dev *d, uint64_t iova, size_t len)
{
	return edu_dma(d, false, iova, 0, len);
}

/* --- dirty tracking: iommufd --------------------------------------------- */

/* IOMMU_HWPT_SET_DIRTY_TRACKING with raw @flags (ENABLE, SPLIT, MERGE...) */
int edu_iommufd_set_dirty_flags(struct edu_dev *d, uint32_t hwpt,
				uint32_t flags)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = flags,
		.hwpt_id = hwpt,
	};

	return edu_ioctl(d->iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set,
			 "(hwpt %u, flags 0x%x)", hwpt, flags);
}

int edu_iommufd_set_dirty(struct edu_dev *d, uint32_t hwpt, bool enable)
{
	return edu_iommufd_set_dirty_flags(d, hwpt, enable ?
					   IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0);
}

/* @bitmap must hold edu_bitmap_words(len / EDU_PAGE_SIZE); it is zeroed. */
int edu_iommufd_get_dirty(struct edu_dev *d, uint32_t hwpt, uint64_t iova,
			  size_t len, uint32_t flags, uint64_t *bitmap)
{
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.hwpt_id = hwpt,
		.flags = flags,
		.iova = iova,
		.length = len,
		.page_size = EDU_PAGE_SIZE,
		.data = (uintptr_t)bitmap,
	};

	memset(bitmap, 0, edu_bitmap_words(len / EDU_PAGE_SIZE) * 8);
	return edu_ioctl(d->iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get,
			 "(hwpt %u, flags 0x%x)", hwpt, flags);
}

#ifdef IOMMU_HWPT_CLEAR_DIRTY_BITMAP
/*
 * IOMMU_HWPT_CLEAR_DIRTY_BITMAP: make clean the pages whose bits are set in
 * @bitmap (one bit per @page_size from @iova; only read).
 */
int edu_iommufd_clear_dirty(struct edu_dev *d, uint32_t hwpt, uint64_t iova,
			    size_t len, uint64_t page_size,
			    const uint64_t *bitmap)
{
	struct iommu_hwpt_clear_dirty_bitmap clear = {
		.size = sizeof(clear),
		.hwpt_id = hwpt,
		.iova = iova,
		.length = len,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return edu_ioctl(d->iommufd, IOMMU_HWPT_CLEAR_DIRTY_BITMAP, &clear,
			 "(hwpt %u, iova 0x%llx size 0x%zx)", hwpt,
			 (unsigned long long)iova, len);
}
#else
int edu_iommufd_clear_dirty(struct edu_dev *d, uint32_t hwpt, uint64_t iova,
			    size_t len, uint64_t page_size,
			    const uint64_t *bitmap)
{
	(void)d; (void)hwpt; (void)iova; (void)len; (void)page_size;
	(void)bitmap;
	return edu_err(ENOTTY, "IOMMU_HWPT_CLEAR_DIRTY_BITMAP: not in these "
		       "kernel headers");
}
#endif

/* --- dirty tracking: type1 ----------------------------------------------- */

#ifndef VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP	(1 << 4)
#endif

int edu_type1_dirty_ioctl(struct edu_dev *d, uint32_t flags)
{
	struct vfio_iommu_type1_dirty_bitmap dirty = {
		.argsz = sizeof(dirty),
		.flags = flags,
	};

	return edu_ioctl(d->container_fd, VFIO_IOMMU_DIRTY_PAGES, &dirty,
			 "(flags 0x%x)", flags);
}

int edu_type1_dirty_start(struct edu_dev *d)
{
	return edu_type1_dirty_ioctl(d, VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
}

int edu_type1_dirty_stop(struct edu_dev *d)
{
	return edu_type1_dirty_ioctl(d, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
}

/*
 * A VFIO_IOMMU_DIRTY_PAGES operation on a range with a bitmap: @flag is
 * GET_BITMAP or GET_BITMAP_NOCLEAR (@bitmap is output, zeroed first) or
 * CLEAR_BITMAP (@bitmap is input).  @bitmap holds
 * edu_bitmap_words(len / EDU_PAGE_SIZE) words.
 */
int edu_type1_dirty_op(struct edu_dev *d, uint32_t flag, uint64_t iova,
		       size_t len, uint64_t *bitmap)
{
	size_t words = edu_bitmap_words(len / EDU_PAGE_SIZE);
	struct vfio_iommu_type1_dirty_bitmap *dirty;
	struct vfio_iommu_type1_dirty_bitmap_get *range;
	size_t argsz = sizeof(*dirty) + sizeof(*range);
	int ret;

	dirty = calloc(1, argsz);
	if (!dirty)
		return edu_err(ENOMEM, "dirty bitmap request");
	dirty->argsz = argsz;
	dirty->flags = flag;
	range = (void *)dirty->data;
	range->iova = iova;
	range->size = len;
	range->bitmap.pgsize = EDU_PAGE_SIZE;
	range->bitmap.size = words * 8;
	range->bitmap.data = (__u64 *)bitmap;
	if (flag != VFIO_IOMMU_DIRTY_PAGES_FLAG_CLEAR_BITMAP)
		memset(bitmap, 0, words * 8);
	ret = edu_ioctl(d->container_fd, VFIO_IOMMU_DIRTY_PAGES, dirty,
			"(flags 0x%x iova 0x%llx size 0x%zx)", flag,
			(unsigned long long)iova, len);
	free(dirty);
	return ret;
}

/* @bitmap must hold edu_bitmap_words(len / EDU_PAGE_SIZE); it is zeroed. */
int edu_type1_dirty_get(struct edu_dev *d, uint64_t iova, size_t len,
			uint64_t *bitmap)
{
	return edu_type1_dirty_op(d, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
				  iova, len, bitmap);
}

/* VFIO_IOMMU_UNMAP_DMA with GET_DIRTY_BITMAP: unmap, report what was dirty. */
int edu_type1_unmap_dirty(struct edu_dev *d, uint64_t iova, size_t len,
			  uint64_t *bitmap)
{
	size_t words = edu_bitmap_words(len / EDU_PAGE_SIZE);
	struct vfio_iommu_type1_dma_unmap *unmap;
	struct vfio_bitmap *bm;
	size_t argsz = sizeof(*unmap) + sizeof(*bm);
	int ret;

	unmap = calloc(1, argsz);
	if (!unmap)
		return edu_err(ENOMEM, "unmap request");
	unmap->argsz = argsz;
	unmap->flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	unmap->iova = iova;
	unmap->size = len;
	bm = (void *)unmap->data;
	bm->pgsize = EDU_PAGE_SIZE;
	bm->size = words * 8;
	bm->data = (__u64 *)bitmap;
	memset(bitmap, 0, words * 8);
	ret = edu_ioctl(d->container_fd, VFIO_IOMMU_UNMAP_DMA, unmap,
			"(GET_DIRTY_BITMAP iova 0x%llx size 0x%zx)",
			(unsigned long long)iova, len);
	free(unmap);
	return ret;
}

static struct vfio_info_cap_header *edu_cap_find(void *info, size_t argsz,
						 uint32_t first, uint16_t id)
{
	uint32_t off = first;
	int hops = 0;

	while (off && off + sizeof(struct vfio_info_cap_header) <= argsz &&
	       hops++ < 32) {
		struct vfio_info_cap_header *hdr = (void *)((char *)info + off);

		if (hdr->id == id)
			return hdr;
		off = hdr->next;
	}
	return NULL;
}

/* The type1 migration capability: its flags, bitmap page sizes and limit. */
int edu_type1_migration_cap_flags(struct edu_dev *d, uint32_t *flags,
				  uint64_t *pgsize_bitmap,
				  uint64_t *max_bitmap_size)
{
	struct vfio_iommu_type1_info_cap_migration *mig;
	struct vfio_iommu_type1_info *info;
	size_t argsz = sizeof(*info) + 512;
	int ret;

	info = calloc(1, argsz);
	if (!info)
		return edu_err(ENOMEM, "VFIO_IOMMU_GET_INFO buffer");
	info->argsz = argsz;
	ret = edu_ioctl(d->container_fd, VFIO_IOMMU_GET_INFO, info);
	if (ret)
		goto out;
	if (info->argsz > argsz || !(info->flags & VFIO_IOMMU_INFO_CAPS)) {
		ret = edu_err(ENOENT, "VFIO_IOMMU_GET_INFO: no capability chain "
			      "(argsz %u)", info->argsz);
		goto out;
	}
	mig = (void *)edu_cap_find(info, argsz, info->cap_offset,
				   VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	if (!mig) {
		ret = edu_err(ENOENT, "no VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION");
		goto out;
	}
	*flags = mig->flags;
	*pgsize_bitmap = mig->pgsize_bitmap;
	*max_bitmap_size = mig->max_dirty_bitmap_size;
out:
	free(info);
	return ret;
}

int edu_type1_migration_cap(struct edu_dev *d, uint64_t *pgsize_bitmap,
			    uint64_t *max_bitmap_size)
{
	uint32_t flags;

	return edu_type1_migration_cap_flags(d, &flags, pgsize_bitmap,
					     max_bitmap_size);
}

/* --- bitmaps ------------------------------------------------------------- */

size_t edu_bitmap_words(size_t npages)
{
	return (npages + 63) / 64;
}

uint64_t *edu_bitmap_alloc(size_t npages)
{
	uint64_t *bm = calloc(edu_bitmap_words(npages) ? : 1, 8);

	if (!bm)
		edu_err(ENOMEM, "bitmap of %zu pages", npages);
	return bm;
}

bool edu_bitmap_test(const uint64_t *bm, size_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

void edu_bitmap_set(uint64_t *bm, size_t i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

uint64_t *edu_bitmap_from_list(size_t npages, const size_t *list, size_t n)
{
	uint64_t *bm = edu_bitmap_alloc(npages);
	size_t i;

	for (i = 0; bm && i < n; i++)
		edu_bitmap_set(bm, list[i]);
	return bm;
}

int edu_parse_dma_size(int argc, char **argv, size_t *size)
{
	static const struct option opts[] = {
		{ "dma-size", required_argument, NULL, 's' },
		{ }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 's') {
			fprintf(stderr, "usage: %s [--dma-size 1..4096]\n",
				argv[0]);
			return -EINVAL;
		}
		*size = strtoul(optarg, NULL, 0);
	}
	if (*size < 1 || *size > EDU_DMA_BUF_SIZE) {
		fprintf(stderr, "--dma-size must be 1..4096\n");
		return -EINVAL;
	}
	return 0;
}

size_t edu_bitmap_count(const uint64_t *bm, size_t npages)
{
	size_t i, n = 0;

	for (i = 0; i < npages; i++)
		n += edu_bitmap_test(bm, i);
	return n;
}

/* Fill @list with up to @max set page indices; return how many are set. */
size_t edu_bitmap_to_list(const uint64_t *bm, size_t npages, size_t *list,
			  size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < npages; i++) {
		if (!edu_bitmap_test(bm, i))
			continue;
		if (n < max)
			list[n] = i;
		n++;
	}
	return n;
}

/* True if exactly the pages in @list (ascending) are set. */
bool edu_bitmap_equals_list(const uint64_t *bm, size_t npages,
			    const size_t *list, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < npages; i++) {
		bool want = j < n && list[j] == i;

		if (edu_bitmap_test(bm, i) != want)
			return false;
		if (want)
			j++;
	}
	return j == n;
}

/* "# <what>: N dirty: 3 17 100" (the list is cut after 32 entries). */
void edu_bitmap_print(const char *what, const uint64_t *bm, size_t npages)
{
	size_t list[32], n, i;

	n = edu_bitmap_to_list(bm, npages, list, 32);
	printf("# %s: %zu dirty:", what, n);
	for (i = 0; i < n && i < 32; i++)
		printf(" %zu", list[i]);
	if (n > 32)
		printf(" ...");
	putchar('\n');
	fflush(stdout);
}

int edu_device_feature(struct edu_dev *d, uint32_t flags, void *data, size_t len)
{
	struct vfio_device_feature *f = calloc(1, sizeof(*f) + len);
	int ret;

	if (!f)
		return -ENOMEM;
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	if (data)
		memcpy(f->data, data, len);
	ret = ioctl(d->device_fd, VFIO_DEVICE_FEATURE, f);
	ret = ret < 0 ? -errno : ret;
	if (data)
		memcpy(data, f->data, len);
	free(f);
	return ret;
}

int edu_dma_log_start(struct edu_dev *d,
		      const struct vfio_device_feature_dma_logging_range *r,
		      uint32_t n, uint64_t *pgsize)
{
	struct vfio_device_feature_dma_logging_control c = {
		.page_size = *pgsize, .num_ranges = n, .ranges = (uintptr_t)r,
	};
	int ret = edu_device_feature(d, VFIO_DEVICE_FEATURE_SET |
				     VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
				     &c, sizeof(c));

	*pgsize = c.page_size;
	return ret;
}

int edu_dma_log_stop(struct edu_dev *d)
{
	return edu_device_feature(d, VFIO_DEVICE_FEATURE_SET |
				  VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, NULL, 0);
}

int edu_dma_log_report(struct edu_dev *d, uint64_t iova, uint64_t len,
		       uint64_t pgsize, void *bitmap)
{
	struct vfio_device_feature_dma_logging_report r = {
		.iova = iova, .length = len, .page_size = pgsize,
		.bitmap = (uintptr_t)bitmap,
	};

	return edu_device_feature(d, VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
				  &r, sizeof(r));
}
