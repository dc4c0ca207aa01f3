/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the emulator selftests (emu_*_test.c): they drive the emulated
 * AKD1000 directly, without the akida_pcie driver, through sysfs:
 * /sys/bus/pci/devices/<bdf>/config for the iATU and the command register,
 * resource0/2/4 (mmap) for the BARs, /proc/self/pagemap for the physical
 * addresses of locked page buffers that the eDMA and IMWr target.
 *
 * The register definitions here are the tests' own reading of
 * shared/HARDWARE.md and Linux's dw-edma-v0-regs.h; only the test-control
 * window comes from the shared akida_emu_regs.h.
 */
#ifndef AKIDA_EMU_UTIL_H
#define AKIDA_EMU_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "akida_emu_regs.h"
#include "guest.h"

#define EMU_VENDOR		0x1e7c
#define EMU_DEVICE		0xbca1

/* AXI map. */
#define EMU_AXI_NPU		0xfcc00000u
#define EMU_AXI_DBI		0xf8c00000u
#define EMU_AXI_LPDDR		0x20000000u
#define EMU_AXI_SRAM		0x10000000u
#define EMU_SRAM_SIZE		0x100000u

/* iATU viewport in configuration space. */
#define EMU_ATU_VIEWPORT	0x900
#define EMU_ATU_INBOUND		(1u << 31)
#define EMU_ATU_CR1		0x904
#define EMU_ATU_CR2		0x908
#define EMU_ATU_ENABLE		(1u << 31)
#define EMU_ATU_BAR_MODE	(1u << 30)
#define EMU_ATU_LOWER_TARGET	0x918
#define EMU_ATU_UPPER_TARGET	0x91c

/* eDMA, offsets from DBI + 0x970 (legacy format). */
#define EMU_EDMA		0x970
#define EMU_E_CTRL		0x008
#define EMU_E_ENGINE_EN(d)	((d) ? 0x02c : 0x00c)
#define EMU_E_DOORBELL(d)	((d) ? 0x030 : 0x010)
#define EMU_E_INT_STATUS(d)	((d) ? 0x0a0 : 0x04c)
#define EMU_E_INT_MASK(d)	((d) ? 0x0a8 : 0x054)
#define EMU_E_INT_CLEAR(d)	((d) ? 0x0ac : 0x058)
#define EMU_E_ERR_STATUS(d)	((d) ? 0x0b4 : 0x05c)
#define EMU_E_RD_ERR_HI		0x0b8
#define EMU_E_DONE_IMWR(d)	((d) ? 0x0cc : 0x060)
#define EMU_E_ABORT_IMWR(d)	((d) ? 0x0d4 : 0x068)
#define EMU_E_IMWR_DATA(d)	((d) ? 0x0dc : 0x070)
#define EMU_E_LL_ERR_EN(d)	((d) ? 0x0c4 : 0x090)
#define EMU_E_VIEWPORT		0x0fc
#define EMU_E_CH_CTRL1		0x100
#define EMU_E_CH_SIZE		0x108
#define EMU_E_CH_SAR		0x10c
#define EMU_E_CH_DAR		0x114
#define EMU_E_CH_LLP		0x11c
#define EMU_CB			(1u << 0)
#define EMU_TCB			(1u << 1)
#define EMU_LLP			(1u << 2)
#define EMU_LIE			(1u << 3)
#define EMU_RIE			(1u << 4)
#define EMU_CS(v)		(((v) >> 5) & 3)
#define EMU_CCS			(1u << 8)
#define EMU_LLE			(1u << 9)
#define EMU_WR			0	/* write channel: chip to host */
#define EMU_RD			1	/* read channel: host to chip */

/* NPU registers. */
#define EMU_NPU_STATUS		0x0008
#define EMU_NPU_CONTROL		0x0010
#define EMU_NPU_CLOCK_MODE	0x0014
#define EMU_NPU_IRQ_STATUS	0x0020
#define EMU_NPU_IRQ_ENABLE	0x0024
#define EMU_NPU_IMWR_LO		0x0028
#define EMU_NPU_IMWR_HI		0x002c
#define EMU_NPU_IMWR_DATA	0x0030
#define EMU_NPU_MODEL_ADDR	0x0100
#define EMU_NPU_MODEL_SIZE	0x0108
#define EMU_NPU_MODEL_LOAD	0x010c
#define EMU_NPU_WEIGHT_LAYER	0x0110
#define EMU_NPU_WEIGHT_ADDR	0x0114
#define EMU_NPU_WEIGHT_UPDATE	0x011c
#define EMU_NPU_INPUT_ADDR	0x0200
#define EMU_NPU_INPUT_SIZE	0x0208
#define EMU_NPU_OUTPUT_ADDR	0x0300
#define EMU_NPU_OUTPUT_SIZE	0x0308
#define EMU_NPU_INFER_START	0x0400
#define EMU_NPU_INFER_STATUS	0x0404
#define EMU_NPU_ERROR_CODE	0x0408

struct emu_dev {
	char bdf[64];
	char path[128];
	char driver[64];	/* the driver we unbound, "" if none */
	int cfg;
	volatile uint8_t *bar[6];
	size_t bar_size[6];
	uint32_t lpddr_size;
	uint32_t iatu_delay_us;	/* the device's iATU readiness delay */
};

struct emu_page {
	volatile uint8_t *va;
	uint64_t pa;
};

static inline void emu_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline uint64_t emu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline int emu_read_sysfs(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static inline int emu_write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The first 1e7c:bca1 device; 0 if found. */
static inline int emu_find(struct emu_dev *d)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	struct dirent *de;
	char p[PATH_MAX], v[32], dv[32];
	int ret = -ENODEV;

	memset(d, 0, sizeof(*d));
	d->cfg = -1;
	if (!dir)
		return -ENODEV;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (emu_read_sysfs(p, v, sizeof(v)))
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (emu_read_sysfs(p, dv, sizeof(dv)))
			continue;
		if (strtoul(v, NULL, 16) != EMU_VENDOR ||
		    strtoul(dv, NULL, 16) != EMU_DEVICE)
			continue;
		snprintf(d->bdf, sizeof(d->bdf), "%.63s", de->d_name);
		snprintf(d->path, sizeof(d->path), "/sys/bus/pci/devices/%s",
			 d->bdf);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

/* Whether DMA from the device is translated by an IOMMU. */
static inline bool emu_iommu_on(struct emu_dev *d)
{
	char p[PATH_MAX];
	struct stat st;
	DIR *dir;
	struct dirent *de;
	bool any = false;

	snprintf(p, sizeof(p), "%s/iommu_group", d->path);
	if (!stat(p, &st))
		return true;
	dir = opendir("/sys/kernel/iommu_groups");
	if (!dir)
		return false;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			any = true;
	closedir(dir);
	return any;
}

static inline uint32_t emu_cfg_r32(struct emu_dev *d, unsigned int off)
{
	uint32_t v = 0xffffffffu;

	if (pread(d->cfg, &v, 4, off) != 4)
		return 0xffffffffu;
	return v;
}

static inline void emu_cfg_w32(struct emu_dev *d, unsigned int off, uint32_t v)
{
	if (pwrite(d->cfg, &v, 4, off) != 4)
		fprintf(stderr, "config write at 0x%x failed\n", off);
}

static inline uint16_t emu_cfg_r16(struct emu_dev *d, unsigned int off)
{
	uint16_t v = 0xffff;

	if (pread(d->cfg, &v, 2, off) != 2)
		return 0xffff;
	return v;
}

static inline void emu_cfg_w16(struct emu_dev *d, unsigned int off, uint16_t v)
{
	if (pwrite(d->cfg, &v, 2, off) != 2)
		fprintf(stderr, "config write at 0x%x failed\n", off);
}

static inline void emu_usleep(unsigned int us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

/*
 * Program inbound iATU region @region without waiting: BAR-match mode, @bar
 * onto @target. The region decodes iatu-delay-us later.
 */
static inline void emu_atu_map_nowait(struct emu_dev *d, int region, int bar,
				      uint64_t target)
{
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND | region);
	emu_cfg_w32(d, EMU_ATU_LOWER_TARGET, (uint32_t)target);
	emu_cfg_w32(d, EMU_ATU_UPPER_TARGET, (uint32_t)(target >> 32));
	emu_cfg_w32(d, EMU_ATU_CR1, 0);
	emu_cfg_w32(d, EMU_ATU_CR2, EMU_ATU_ENABLE | EMU_ATU_BAR_MODE |
		    ((uint32_t)bar << 8));
}

/* The same, then wait until the region decodes. */
static inline void emu_atu_map(struct emu_dev *d, int region, int bar,
			       uint64_t target)
{
	emu_atu_map_nowait(d, region, bar, target);
	emu_usleep(d->iatu_delay_us + 100);
}

static inline void emu_atu_disable(struct emu_dev *d, int region)
{
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND | region);
	emu_cfg_w32(d, EMU_ATU_CR2, 0);
}

/* The vendor's layout: regions 0, 1, 2 for BAR0, BAR2, BAR4. */
static inline void emu_atu_default(struct emu_dev *d)
{
	emu_atu_map(d, 0, 0, EMU_AXI_NPU);
	emu_atu_map(d, 1, 2, EMU_AXI_DBI);
	emu_atu_map(d, 2, 4, EMU_AXI_LPDDR);
}

static inline int emu_map_bar(struct emu_dev *d, int bar)
{
	char p[PATH_MAX];
	struct stat st;
	void *m;
	int fd;

	snprintf(p, sizeof(p), "%s/resource%d", d->path, bar);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	m = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	d->bar[bar] = m;
	d->bar_size[bar] = st.st_size;
	return 0;
}

static inline int emu_reset_fn(struct emu_dev *d)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/reset", d->path);
	return emu_write_sysfs(p, "1");
}

/*
 * Read the iATU readiness delay from the test window: open BAR0, wait for
 * it to answer (bounded by 2 s), read the delay, close BAR0 again so that
 * the caller finds every region disabled, as after reset.
 */
static inline int emu_learn_iatu_delay(struct emu_dev *d)
{
	uint64_t end = emu_now_ns() + 2000000000ull;

	emu_atu_map_nowait(d, 0, 0, 0xfcc00000u);
	while (*(volatile uint32_t *)(d->bar[0] + AKIDA_EMU_WINDOW +
				      AKIDA_EMU_MAGIC) != AKIDA_EMU_MAGIC_VALUE) {
		if (emu_now_ns() > end)
			return -ETIMEDOUT;
		usleep(100);
	}
	d->iatu_delay_us = *(volatile uint32_t *)(d->bar[0] + AKIDA_EMU_WINDOW +
						  AKIDA_EMU_IATU_DELAY_US);
	emu_atu_disable(d, 0);
	return 0;
}

/* Unbind the driver, reset, enable memory and bus mastering, map the BARs. */
static inline int emu_open(struct emu_dev *d)
{
	char p[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	int i, ret;

	snprintf(p, sizeof(p), "%s/driver", d->path);
	n = readlink(p, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		snprintf(d->driver, sizeof(d->driver), "%.63s",
			 strrchr(link, '/') + 1);
		snprintf(p, sizeof(p), "%s/driver/unbind", d->path);
		ret = emu_write_sysfs(p, d->bdf);
		if (ret)
			return ret;
	}
	/* Start from reset values (this also closes the iATU gate). */
	ret = emu_reset_fn(d);
	if (ret)
		return ret;
	snprintf(p, sizeof(p), "%s/config", d->path);
	d->cfg = open(p, O_RDWR);
	if (d->cfg < 0)
		return -errno;
	/* Memory space and bus master enable. */
	emu_cfg_w16(d, 4, emu_cfg_r16(d, 4) | 0x6);
	for (i = 0; i <= 4; i += 2) {
		ret = emu_map_bar(d, i);
		if (ret)
			return ret;
	}
	return emu_learn_iatu_delay(d);
}

static inline void emu_close(struct emu_dev *d)
{
	char p[PATH_MAX];
	int i;

	for (i = 0; i < 6; i++)
		if (d->bar[i])
			munmap((void *)d->bar[i], d->bar_size[i]);
	if (d->cfg >= 0)
		close(d->cfg);
	d->cfg = -1;
	if (d->driver[0]) {
		/* A device reset first, so the driver finds it as at boot. */
		snprintf(p, sizeof(p), "%s/reset", d->path);
		emu_write_sysfs(p, "1");
		snprintf(p, sizeof(p), "/sys/bus/pci/drivers/%s/bind", d->driver);
		emu_write_sysfs(p, d->bdf);
	}
}

/*
 * Function-level reset through sysfs: every register back to its reset value
 * (the kernel restores the command register and the BARs).
 */
static inline int emu_reset(struct emu_dev *d)
{
	int ret = emu_reset_fn(d);

	emu_cfg_w16(d, 4, emu_cfg_r16(d, 4) | 0x6);
	return ret;
}

static inline uint32_t emu_r32(struct emu_dev *d, int bar, uint32_t off)
{
	return *(volatile uint32_t *)(d->bar[bar] + off);
}

static inline void emu_w32(struct emu_dev *d, int bar, uint32_t off,
			   uint32_t v)
{
	*(volatile uint32_t *)(d->bar[bar] + off) = v;
}

#define emu_npu_r(d, off)	emu_r32(d, 0, off)
#define emu_npu_w(d, off, v)	emu_w32(d, 0, off, v)
#define emu_tw_r(d, off)	emu_r32(d, 0, AKIDA_EMU_WINDOW + (off))
#define emu_tw_w(d, off, v)	emu_w32(d, 0, AKIDA_EMU_WINDOW + (off), v)
#define emu_edma_r(d, off)	emu_r32(d, 2, EMU_EDMA + (off))
#define emu_edma_w(d, off, v)	emu_w32(d, 2, EMU_EDMA + (off), v)

static inline void emu_npu_w64(struct emu_dev *d, uint32_t off, uint64_t v)
{
	emu_npu_w(d, off, (uint32_t)v);
	emu_npu_w(d, off + 4, (uint32_t)(v >> 32));
}

/* A 64-bit test window counter: LO first, which latches HI. */
static inline uint64_t emu_counter(struct emu_dev *d, uint32_t off)
{
	uint64_t lo = emu_tw_r(d, off);

	return lo | (uint64_t)emu_tw_r(d, off + 4) << 32;
}

/* LPDDR through BAR4 (mapped at its AXI base by emu_atu_default()). */
static inline volatile uint8_t *emu_lpddr(struct emu_dev *d, uint32_t axi)
{
	return d->bar[4] + (axi - EMU_AXI_LPDDR);
}

static inline void emu_lpddr_write(struct emu_dev *d, uint32_t axi,
				   const void *buf, size_t len)
{
	volatile uint8_t *p = emu_lpddr(d, axi);
	const uint8_t *s = buf;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4)
		*(volatile uint32_t *)(p + i) = *(const uint32_t *)(s + i);
	for (; i < len; i++)
		p[i] = s[i];
}

static inline void emu_lpddr_read(struct emu_dev *d, uint32_t axi, void *buf,
				  size_t len)
{
	volatile uint8_t *p = emu_lpddr(d, axi);
	uint8_t *t = buf;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4)
		*(uint32_t *)(t + i) = *(volatile uint32_t *)(p + i);
	for (; i < len; i++)
		t[i] = p[i];
}

/* A locked page and its physical address (needs root and no IOMMU). */
static inline int emu_page_alloc(struct emu_page *pg)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent;
	void *m;
	int fd;

	m = mmap(NULL, psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	memset(m, 0, psz);
	if (mlock(m, psz)) {
		munmap(m, psz);
		return -errno;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		munmap(m, psz);
		return -errno;
	}
	if (pread(fd, &ent, 8, ((uintptr_t)m / psz) * 8) != 8) {
		close(fd);
		munmap(m, psz);
		return -EIO;
	}
	close(fd);
	if (!(ent & (1ull << 63)) || !(ent & ((1ull << 55) - 1))) {
		munmap(m, psz);
		return -EPERM;
	}
	pg->va = m;
	pg->pa = (ent & ((1ull << 55) - 1)) * psz;
	return 0;
}

static inline void emu_page_free(struct emu_page *pg)
{
	if (pg->va)
		munmap((void *)pg->va, sysconf(_SC_PAGESIZE));
	pg->va = NULL;
}

/* Poll @off in @bar until (value & mask) == want, up to @ms; the last value. */
static inline uint32_t emu_poll(struct emu_dev *d, int bar, uint32_t off,
				uint32_t mask, uint32_t want, unsigned int ms)
{
	uint64_t end = emu_now_ns() + ms * 1000000ull;
	uint32_t v;

	for (;;) {
		v = emu_r32(d, bar, off);
		if ((v & mask) == want || emu_now_ns() > end)
			return v;
		usleep(200);
	}
}

/* Wait until a host page holds a non-zero 32-bit word at @off (an IMWr). */
static inline uint32_t emu_wait_word(volatile uint8_t *p, unsigned int ms)
{
	uint64_t end = emu_now_ns() + ms * 1000000ull;
	uint32_t v;

	for (;;) {
		v = *(volatile uint32_t *)p;
		if (v || emu_now_ns() > end)
			return v;
		usleep(200);
	}
}

#endif /* AKIDA_EMU_UTIL_H */
