// SPDX-License-Identifier: GPL-2.0
/*
 * akida-bench: the emulator's test-control window (HARDWARE.md section 7).
 *
 * The window is reached through an mmap of sysfs resource0 while akida_pcie
 * drives the device, and through libakida's BAR0 access while vfio-pci does:
 * vfio-pci claims BAR0, which makes the kernel refuse new sysfs mappings
 * (-EINVAL) and revoke existing ones (SIGBUS on access).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "akida_emu_regs.h"
#include "bench_emu.h"

const char *const cnt_name[C_NUM] = {
	"mmio_reads", "mmio_writes", "dma_elements", "dma_bytes", "msi",
	"modeled_ns", "dma_ns", "npu_ns", "inferences", "dma_aborts",
	"h2d_bytes", "d2h_bytes", "npu_busy_ns",
};

uint32_t emu_rd(struct emu *e, uint32_t reg)
{
	uint32_t v = 0;

	if (e->vdev) {
		if (akida_reg_read(e->vdev, AKIDA_EMU_WINDOW + reg, &v))
			v = 0;
		return v;
	}
	return e->win[reg / 4];
}

void emu_wr(struct emu *e, uint32_t reg, uint32_t val)
{
	if (e->vdev)
		akida_reg_write(e->vdev, AKIDA_EMU_WINDOW + reg, val);
	else
		e->win[reg / 4] = val;
}

int emu_check(struct emu *e)
{
	return emu_rd(e, AKIDA_EMU_MAGIC) == AKIDA_EMU_MAGIC_VALUE ? 0 : -ENODEV;
}

int emu_open(struct emu *e, const char *bdf)
{
	char path[256];
	void *p;
	int ret;

	e->vdev = NULL;
	/* In D3hot the window neither answers nor keeps its counters. */
	if (akida_d0_hold(NULL, bdf, &e->d0))
		return -akida_last_error()->err;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	e->fd = open(path, O_RDWR | O_SYNC);
	if (e->fd < 0) {
		ret = -errno;
		akida_d0_release(&e->d0);
		return ret;
	}
	p = mmap(NULL, AKIDA_EMU_WINDOW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 e->fd, AKIDA_EMU_WINDOW);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(e->fd);
		e->fd = -1;
		akida_d0_release(&e->d0);
		return ret;
	}
	e->win = p;
	ret = emu_check(e);
	if (ret) {
		munmap(p, AKIDA_EMU_WINDOW_SIZE);
		close(e->fd);
		e->fd = -1;
		e->win = NULL;
		akida_d0_release(&e->d0);
	}
	return ret;
}

void emu_close(struct emu *e)
{
	if (e->win)
		munmap((void *)e->win, AKIDA_EMU_WINDOW_SIZE);
	if (e->fd >= 0) {
		close(e->fd);
		akida_d0_release(&e->d0);
	}
	e->win = NULL;
	e->fd = -1;
	e->vdev = NULL;
}

void emu_reset(struct emu *e)
{
	emu_wr(e, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_RESET_COUNTERS);
}

/* All counters; LO first (it latches HI). */
void emu_read(struct emu *e, uint64_t *c)
{
	for (int i = 0; i < C_NUM; i++) {
		uint32_t off = AKIDA_EMU_CNT_MMIO_READS + 8 * i;
		uint32_t lo = emu_rd(e, off);
		uint32_t hi = emu_rd(e, off + 4);

		c[i] = (uint64_t)hi << 32 | lo;
	}
}

