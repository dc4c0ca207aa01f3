/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida-bench: the emulator's test-control window (HARDWARE.md section 7):
 * its counters, reset before and read after each measurement.
 */
#ifndef AKIDA_BENCH_EMU_H
#define AKIDA_BENCH_EMU_H

#include <stdint.h>

#include <akida.h>

struct emu {
	int fd;
	volatile uint32_t *win;
	struct akida_device *vdev;
	struct akida_d0_hold d0;	/* resource0 holds no runtime-PM reference */
};

enum emu_cnt {
	C_MMIO_READS, C_MMIO_WRITES, C_DMA_ELEMENTS, C_DMA_BYTES, C_MSI,
	C_MODELED_NS, C_DMA_NS, C_NPU_NS, C_INFERENCES, C_DMA_ABORTS,
	C_H2D_BYTES, C_D2H_BYTES, C_NPU_BUSY_NS, C_NUM
};

extern const char *const cnt_name[C_NUM];

uint32_t emu_rd(struct emu *e, uint32_t reg);
void emu_wr(struct emu *e, uint32_t reg, uint32_t val);
int emu_check(struct emu *e);
int emu_open(struct emu *e, const char *bdf);
void emu_close(struct emu *e);
void emu_reset(struct emu *e);
void emu_read(struct emu *e, uint64_t *c);

#endif /* AKIDA_BENCH_EMU_H */
