/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the transport selftests (rw_*_test.c, hotplug_test.c,
 * unload_test.c): find /dev/akidaN and its PCI device, read sysfs, set
 * module parameters, reach the emulator's test-control window, and fill and
 * check buffers.
 */
#ifndef AKIDA_RW_UTIL_H
#define AKIDA_RW_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <akida.h>

#include "akida_emu_regs.h"
#include "guest.h"

#define AKT_LPDDR		0x20000000ULL
#define AKT_RESERVED		0x100ULL	/* default reserved DMA RAM */
#define AKT_USER_LPDDR		(AKT_LPDDR + AKT_RESERVED)
#define AKT_SRAM		0x10000000ULL
#define AKT_SRAM_SIZE		0x100000ULL	/* the emulator models 1 MiB */
#define AKT_NPU			0xfcc00000ULL
#define AKT_DBI			0xf8c00000ULL
#define AKT_DEVICE_ID		0x194000a1u
#define AKT_PARAMS		"/sys/module/akida_pcie/parameters"

struct akt_dev {
	char name[256];	/* akidaN */
	char node[272];	/* /dev/akidaN */
	char pci[PATH_MAX];	/* /sys/bus/pci/devices/<bdf> */
	char bdf[PATH_MAX];
};

/* One BAR0 register through sysfs resource0 (root), or -1. */
static inline int64_t akt_bar0_rd(const struct akt_dev *d, uint32_t off)
{
	char path[PATH_MAX + 16];
	volatile uint32_t *bar;
	long pg = sysconf(_SC_PAGESIZE);
	uint32_t v;
	int fd;

	struct akida_d0_hold d0;

	/* resource0 holds no runtime-PM reference: keep the device in D0. */
	if (akida_d0_hold(NULL, d->bdf, &d0))
		return -1;
	snprintf(path, sizeof(path), "%s/resource0", d->pci);
	fd = open(path, O_RDONLY | O_SYNC);
	if (fd < 0) {
		akida_d0_release(&d0);
		return -1;
	}
	bar = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED) {
		akida_d0_release(&d0);
		return -1;
	}
	v = bar[off / 4];
	munmap((void *)bar, pg);
	akida_d0_release(&d0);
	return v;
}

/* Whether the device sits in an IOMMU group (DMA is translated). */
static inline bool akt_iommu_on(const struct akt_dev *d)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/iommu_group", d->pci);
	return access(p, F_OK) == 0;
}

/* The first /dev/akidaN bound to akida_pcie; 0 if found. */
static inline int akt_find(struct akt_dev *d)
{
	struct dirent *de;
	DIR *dir = opendir("/sys/class/akida");
	int ret = -1;

	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		char link[PATH_MAX], *p;

		if (strncmp(de->d_name, "akida", 5))
			continue;
		snprintf(link, sizeof(link), "/sys/class/akida/%s/device", de->d_name);
		if (!realpath(link, d->pci))
			continue;
		p = strrchr(d->pci, '/');
		snprintf(d->bdf, sizeof(d->bdf), "%s", p ? p + 1 : d->pci);
		snprintf(d->name, sizeof(d->name), "%s", de->d_name);
		snprintf(d->node, sizeof(d->node), "/dev/%s", de->d_name);
		if (access(d->node, R_OK | W_OK))
			continue;
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

static inline int akt_read_file(const char *path, char *buf, size_t len)
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
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

static inline int akt_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* A numeric attribute of the PCI device (relative path); -1 on error. */
static inline long long akt_attr(const struct akt_dev *d, const char *attr)
{
	char path[PATH_MAX + 64], buf[64];

	snprintf(path, sizeof(path), "%s/%s", d->pci, attr);
	if (akt_read_file(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

static inline long long akt_param(const char *name)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), AKT_PARAMS "/%s", name);
	if (akt_read_file(path, buf, sizeof(buf)))
		return -1;
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtoll(buf, NULL, 0);
}

static inline int akt_set_param(const char *name, long long val)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), AKT_PARAMS "/%s", name);
	snprintf(buf, sizeof(buf), "%lld", val);
	return akt_write_file(path, buf);
}

/*
 * The emulator's test-control window through resource0. It holds the
 * device in D0 while open: resource0 holds no runtime-PM reference, and in
 * D3hot the window neither answers nor keeps what was written to it.
 */
struct akt_emu {
	int fd;
	volatile uint32_t *win;
	struct akida_d0_hold d0;
};

static inline int akt_emu_open(const struct akt_dev *d, struct akt_emu *e)
{
	char path[PATH_MAX + 16];
	void *p;
	int ret;

	if (akida_d0_hold(NULL, d->bdf, &e->d0))
		return -akida_last_error()->err;
	snprintf(path, sizeof(path), "%s/resource0", d->pci);
	e->fd = open(path, O_RDWR | O_SYNC);
	if (e->fd < 0) {
		ret = -errno;
		goto err;
	}
	p = mmap(NULL, AKIDA_EMU_WINDOW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 e->fd, AKIDA_EMU_WINDOW);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(e->fd);
		goto err;
	}
	e->win = p;
	if (e->win[AKIDA_EMU_MAGIC / 4] != AKIDA_EMU_MAGIC_VALUE) {
		munmap(p, AKIDA_EMU_WINDOW_SIZE);
		close(e->fd);
		ret = -ENODEV;
		goto err;
	}
	return 0;
err:
	akida_d0_release(&e->d0);
	return ret;
}

static inline void akt_emu_close(struct akt_emu *e)
{
	munmap((void *)e->win, AKIDA_EMU_WINDOW_SIZE);
	close(e->fd);
	akida_d0_release(&e->d0);
}

static inline uint32_t akt_emu_rd(struct akt_emu *e, uint32_t reg)
{
	return e->win[reg / 4];
}

static inline void akt_emu_wr(struct akt_emu *e, uint32_t reg, uint32_t val)
{
	e->win[reg / 4] = val;
}

static inline uint64_t akt_emu_rd64(struct akt_emu *e, uint32_t reg)
{
	uint64_t lo = e->win[reg / 4];	/* latches HI */

	return lo | (uint64_t)e->win[reg / 4 + 1] << 32;
}

/* Deterministic bytes that differ per seed and per position. */
static inline void akt_fill(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)(x >> 7);
	}
}

/* Index of the first differing byte, or -1. */
static inline long akt_diff(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	size_t i;

	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

static inline double akt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write then read back @len bytes at @axi; 0 if the data survived. */
static inline int akt_roundtrip(int fd, uint64_t axi, size_t len, uint32_t seed)
{
	uint8_t *w = malloc(len + 1), *r = malloc(len + 1);
	int ret = -1;

	if (!w || !r)
		goto out;
	akt_fill(w, len, seed);
	memset(r, 0, len);
	if (pwrite(fd, w, len, axi) != (ssize_t)len)
		goto out;
	if (pread(fd, r, len, axi) != (ssize_t)len)
		goto out;
	ret = akt_diff(w, r, len) < 0 ? 0 : -2;
out:
	free(w);
	free(r);
	return ret;
}

#endif /* AKIDA_RW_UTIL_H */
