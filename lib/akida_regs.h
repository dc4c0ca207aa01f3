/* SPDX-License-Identifier: MIT */
/*
 * libakida's own register definitions for the AKD1000 (HARDWARE.md
 * sections 2-4, Documentation/npu-interface.rst): NPU core registers in
 * BAR0, the DesignWare iATU viewport in configuration space and the eDMA
 * (legacy viewport format) at BAR2 + 0x970.
 */
#ifndef AKIDA_REGS_H
#define AKIDA_REGS_H

/* ---- AXI map ---- */
#define AXI_NPU_BASE		0xFCC00000u	/* BAR0 */
#define AXI_DBI_BASE		0xF8C00000u	/* BAR2 */
#define AXI_LPDDR_BASE		0x20000000u	/* BAR4 */
#define AXI_SRAM_BASE		0x10000000u
#define DMA_RAM_SIZE		0x100u		/* vendor's reserved list area */

/* ---- NPU (BAR0) ---- */
#define NPU_DEVICE_ID		0x0000
#define NPU_VERSION		0x0004
#define NPU_STATUS		0x0008
#define NPU_IFACE_MAGIC		0x000c	/* [model] interface present: */
#define  NPU_IFACE_MAGIC_VALUE	0x31504b41u	/* "AKP1" */
#define  NPU_IFACE_MAJOR	1u	/* the VERSION major we drive */
#define  NPU_STATUS_READY	(1u << 0)
#define  NPU_STATUS_BUSY	(1u << 1)
#define  NPU_STATUS_ERROR	(1u << 2)
#define  NPU_STATUS_LOADED	(1u << 3)
#define NPU_CONTROL		0x0010
#define  NPU_CONTROL_RESET	(1u << 0)
#define  NPU_CONTROL_ENABLE	(1u << 1)
#define  NPU_CONTROL_PSAVE	(1u << 2)
#define NPU_CLOCK_MODE		0x0014
#define NPU_IRQ_STATUS		0x0020
#define NPU_IRQ_ENABLE		0x0024
#define  NPU_IRQ_INFER_DONE	(1u << 0)
#define  NPU_IRQ_MODEL_DONE	(1u << 1)
#define  NPU_IRQ_ERROR		(1u << 2)
#define NPU_IMWR_ADDR_LO	0x0028
#define NPU_IMWR_ADDR_HI	0x002C
#define NPU_IMWR_DATA		0x0030
#define NPU_MODEL_ADDR_LO	0x0100
#define NPU_MODEL_ADDR_HI	0x0104
#define NPU_MODEL_SIZE		0x0108
#define NPU_MODEL_LOAD		0x010C
#define NPU_WEIGHT_LAYER	0x0110
#define NPU_WEIGHT_ADDR_LO	0x0114
#define NPU_WEIGHT_ADDR_HI	0x0118
#define NPU_WEIGHT_UPDATE	0x011C
#define NPU_INPUT_ADDR_LO	0x0200
#define NPU_INPUT_ADDR_HI	0x0204
#define NPU_INPUT_SIZE		0x0208
#define NPU_OUTPUT_ADDR_LO	0x0300
#define NPU_OUTPUT_ADDR_HI	0x0304
#define NPU_OUTPUT_SIZE		0x0308
#define NPU_INFER_START		0x0400
#define NPU_INFER_STATUS	0x0404
#define  NPU_INFER_DONE		(1u << 0)
#define  NPU_INFER_ERROR	(1u << 1)
#define  NPU_INFER_COUNT(v)	((v) >> 16)
#define NPU_ERROR_CODE		0x0408
#define NPU_NP_COUNT		0x10C0
#define NPU_SRAM_REGION_0	0x1410
#define NPU_SRAM_REGION_1	0x1418
#define NPU_NP_ENABLE0		0x1E0C	/* 6 x 32 bits */
#define NPU_DMA_MESH_CONFIG	0x4010

/* ---- iATU viewport (configuration space) ---- */
#define ATU_VIEWPORT		0x900
#define  ATU_REGION_INBOUND	(1u << 31)
#define ATU_CR1			0x904
#define ATU_CR2			0x908
#define  ATU_CR2_ENABLE		(1u << 31)
#define  ATU_CR2_BAR_MATCH	(1u << 30)
#define  ATU_CR2_BAR(n)		((unsigned int)(n) << 8)
#define ATU_TARGET_LO		0x918
#define ATU_TARGET_HI		0x91C

/* ---- eDMA, legacy viewport format, offsets from BAR2 + 0x970 ---- */
#define EDMA_BASE		0x970
#define EDMA_WR_ENGINE_EN	0x0C
#define EDMA_WR_DOORBELL	0x10
#define EDMA_RD_ENGINE_EN	0x2C
#define EDMA_RD_DOORBELL	0x30
#define EDMA_WR_INT_STATUS	0x4C
#define EDMA_WR_INT_MASK	0x54
#define EDMA_WR_INT_CLEAR	0x58
#define EDMA_WR_ERR_STATUS	0x5C
#define EDMA_WR_DONE_IMWR_LO	0x60
#define EDMA_WR_DONE_IMWR_HI	0x64
#define EDMA_WR_ABORT_IMWR_LO	0x68
#define EDMA_WR_ABORT_IMWR_HI	0x6C
#define EDMA_WR_CH01_IMWR_DATA	0x70
#define EDMA_WR_LL_ERR_EN	0x90
#define EDMA_RD_INT_STATUS	0xA0
#define EDMA_RD_INT_MASK	0xA8
#define EDMA_RD_INT_CLEAR	0xAC
#define EDMA_RD_ERR_STATUS_LO	0xB4
#define EDMA_RD_ERR_STATUS_HI	0xB8
#define EDMA_RD_LL_ERR_EN	0xC4
#define EDMA_RD_DONE_IMWR_LO	0xCC
#define EDMA_RD_DONE_IMWR_HI	0xD0
#define EDMA_RD_ABORT_IMWR_LO	0xD4
#define EDMA_RD_ABORT_IMWR_HI	0xD8
#define EDMA_RD_CH01_IMWR_DATA	0xDC
#define EDMA_VIEWPORT_SEL	0xFC	/* struct layout; the header comment says 0xf8 */
#define  EDMA_VIEWPORT_READ	(1u << 31)	/* select a read channel */
#define EDMA_CH_CONTROL1	0x100
#define  EDMA_CH_CCS		(1u << 8)
#define  EDMA_CH_LLE		(1u << 9)
#define EDMA_CH_TRANSFER_SIZE	0x108
#define EDMA_CH_SAR_LO		0x10C
#define EDMA_CH_SAR_HI		0x110
#define EDMA_CH_DAR_LO		0x114
#define EDMA_CH_DAR_HI		0x118
#define EDMA_CH_LLP_LO		0x11C
#define EDMA_CH_LLP_HI		0x120

/* interrupt status/mask/clear: done bits 7:0, abort bits 23:16 */
#define EDMA_INT_DONE(ch)	(1u << (ch))
#define EDMA_INT_ABORT(ch)	(1u << (16 + (ch)))

/* linked-list elements */
#define EDMA_LL_CB		(1u << 0)
#define EDMA_LL_TCB		(1u << 1)
#define EDMA_LL_LLP		(1u << 2)
#define EDMA_LL_LIE		(1u << 3)
#define EDMA_LL_RIE		(1u << 4)
#define EDMA_LL_DATA_SIZE	24	/* control, size, sar lo/hi, dar lo/hi */
#define EDMA_LL_LINK_SIZE	16	/* control, reserved, llp lo/hi */

#endif /* AKIDA_REGS_H */
