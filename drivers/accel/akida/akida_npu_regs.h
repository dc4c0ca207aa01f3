/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AKD1000 NPU command interface registers used by the job engine: program
 * load, weight update and inference ([model] in HARDWARE.md section 4, with
 * Documentation/npu-interface.rst). BAR0 offsets. The identity, STATUS,
 * CONTROL, CLOCK_MODE and IRQ registers are in akida_regs.h.
 */
#ifndef AKIDA_NPU_REGS_H
#define AKIDA_NPU_REGS_H

#include <linux/bits.h>

#define AKIDA_NPU_MODEL_ADDR_LO		0x0100
#define AKIDA_NPU_MODEL_ADDR_HI		0x0104
#define AKIDA_NPU_MODEL_SIZE		0x0108
#define AKIDA_NPU_MODEL_LOAD		0x010c
#define AKIDA_NPU_WEIGHT_LAYER		0x0110
#define AKIDA_NPU_WEIGHT_ADDR_LO	0x0114
#define AKIDA_NPU_WEIGHT_ADDR_HI	0x0118
#define AKIDA_NPU_WEIGHT_UPDATE		0x011c
#define AKIDA_NPU_INPUT_ADDR_LO		0x0200
#define AKIDA_NPU_INPUT_ADDR_HI		0x0204
#define AKIDA_NPU_INPUT_SIZE		0x0208
#define AKIDA_NPU_OUTPUT_ADDR_LO	0x0300
#define AKIDA_NPU_OUTPUT_ADDR_HI	0x0304
#define AKIDA_NPU_OUTPUT_SIZE		0x0308	/* read-only: the program's */
#define AKIDA_NPU_INFER_START		0x0400	/* write N: run N inputs */
#define  AKIDA_NPU_INFER_MAX		0xffff
#define AKIDA_NPU_INFER_STATUS		0x0404
#define  AKIDA_NPU_INFER_STATUS_DONE	BIT(0)
#define  AKIDA_NPU_INFER_STATUS_ERROR	BIT(1)
#define  AKIDA_NPU_INFER_STATUS_COUNT	GENMASK(31, 16)
#define AKIDA_NPU_ERROR_CODE		0x0408

/* Program image layout (HARDWARE.md section 5), little endian. */
#define AKIDA_PROG_HDR_SIZE		32
#define AKIDA_PROG_HDR_LAYERS		6	/* u16 */
#define AKIDA_PROG_LAYER_SIZE		16
#define AKIDA_PROG_LAYER_WBITS		1	/* u8 */
#define AKIDA_PROG_LAYER_INPUTS		4	/* u32 */
#define AKIDA_PROG_LAYER_OUTPUTS	8	/* u32 */
#define AKIDA_PROG_LAYER_PAYLOAD	12	/* u32 */

#endif /* AKIDA_NPU_REGS_H */
