// SPDX-License-Identifier: MIT
/*
 * libakida: the mmap backend. BAR0 (the NPU registers) through sysfs
 * resource0, for register probing only: no DMA, no inference. Needs root
 * (sysfs resource files are 0600). Works whatever driver is bound; when no
 * driver has enabled the device or programmed the iATU (registers read all
 * ones), it enables memory decoding through sysfs "enable" and programs
 * the BAR0 inbound region through sysfs "config" (HARDWARE.md section 2).
 * While open it keeps the device in D0 (power/control, lib/power.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "akida_regs.h"
#include "device.h"

struct mpriv {
	int fd;
	volatile uint32_t *bar0;
	size_t len;
	struct akida_d0_hold d0;	/* runtime PM of a bound driver */
};

static int cfg_write32(const char *dir, unsigned int off, uint32_t v)
{
	char path[512];
	uint8_t b[4];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	put_le32(b, v);
	ok = pwrite(fd, b, 4, off) == 4;
	close(fd);
	return ok ? 0 : -EIO;
}

/* Program inbound iATU region @region: BAR @bar -> AXI @target. */
int akida_sysfs_program_iatu(const char *dir, unsigned int region, unsigned int bar,
			     uint32_t target)
{
	int ret;

	ret = cfg_write32(dir, ATU_VIEWPORT, ATU_REGION_INBOUND | region);
	if (!ret)
		ret = cfg_write32(dir, ATU_TARGET_LO, target);
	if (!ret)
		ret = cfg_write32(dir, ATU_TARGET_HI, 0);
	if (!ret)
		ret = cfg_write32(dir, ATU_CR1, 0);
	if (!ret)
		ret = cfg_write32(dir, ATU_CR2, ATU_CR2_ENABLE | ATU_CR2_BAR_MATCH |
				  ATU_CR2_BAR(bar));
	return ret;
}

static int m_open(struct akida_device *dev)
{
	char dir[512], path[600];
	struct mpriv *p;
	void *m;
	int fd;

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", akida_sysfs_root(NULL),
		 dev->info.bdf);
	snprintf(path, sizeof(path), "%s/resource0", dir);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err,
				  "mmap backend unavailable: cannot open %s: %s%s", path,
				  strerror(err), err == EACCES ? " (needs root)" : "");
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	}
	p->fd = fd;
	if (akida_d0_hold(NULL, dev->info.bdf, &p->d0)) {
		int ret = -akida_last_error()->err;

		close(fd);
		free(p);
		return ret;
	}
	p->len = dev->info.bar_size[0] && dev->info.bar_size[0] < 0x20000 ?
		 dev->info.bar_size[0] : 0x20000;
	m = mmap(NULL, p->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int err = errno;

		akida_d0_release(&p->d0);
		close(fd);
		free(p);
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err,
				  "mmap backend unavailable: mmap of %s failed: %s", path,
				  strerror(err));
	}
	p->bar0 = m;
	dev->priv = p;
	dev->caps.features = AKIDA_FEAT_REGS;
	if (p->bar0[NPU_DEVICE_ID / 4] == 0xffffffffu) {
		/* Nobody enabled the device or mapped BAR0 onto the NPU yet. */
		snprintf(path, sizeof(path), "%s/enable", dir);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* fails harmlessly when a driver already enabled it */
			ssize_t r = write(fd, "1", 1);

			(void)r;
			close(fd);
		}
		akida_sysfs_program_iatu(dir, 0, 0, AXI_NPU_BASE);
	}
	if (akida_read_identity(dev)) {
		int ret = -akida_last_error()->err;

		munmap(m, p->len);
		akida_d0_release(&p->d0);
		close(p->fd);
		free(p);
		dev->priv = NULL;
		return ret;
	}
	return 0;
}

static void m_close(struct akida_device *dev)
{
	struct mpriv *p = dev->priv;

	munmap((void *)p->bar0, p->len);
	akida_d0_release(&p->d0);
	close(p->fd);
	free(p);
}

static int m_reg_read(struct akida_device *dev, uint32_t off, uint32_t *val)
{
	struct mpriv *p = dev->priv;

	if (off + 4 > p->len)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "register 0x%x is outside the mapped %zu bytes", off, p->len);
	*val = p->bar0[off / 4];
	return 0;
}

static int m_reg_write(struct akida_device *dev, uint32_t off, uint32_t val)
{
	struct mpriv *p = dev->priv;

	if (off + 4 > p->len)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "register 0x%x is outside the mapped %zu bytes", off, p->len);
	p->bar0[off / 4] = val;
	return 0;
}

const struct akida_backend_ops akida_mmap_ops = {
	.kind = AKIDA_BACKEND_MMAP,
	.open = m_open,
	.close = m_close,
	.reg_read = m_reg_read,
	.reg_write = m_reg_write,
};
