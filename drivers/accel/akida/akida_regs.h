/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AKD1000 register definitions: the inbound iATU viewport in configuration
 * space, the DesignWare eDMA in its legacy (viewport) format, the eDMA
 * linked-list elements, and the NPU core registers.
 *
 * Written for this driver from HARDWARE.md and the register descriptions in
 * Linux's drivers/dma/dw-edma/dw-edma-v0-regs.h and
 * drivers/pci/controller/dwc/pcie-designware.h.
 */
#ifndef AKIDA_REGS_H
#define AKIDA_REGS_H

#include <linux/bits.h>

/*
 * Inbound iATU, "viewport" format, in PCI configuration space. Select a
 * region through AKIDA_IATU_VIEWPORT, then program the region's window.
 */
#define AKIDA_IATU_VIEWPORT		0x900
#define  AKIDA_IATU_VIEWPORT_INBOUND	BIT(31)
#define  AKIDA_IATU_VIEWPORT_INDEX	GENMASK(3, 0)
#define AKIDA_IATU_CTRL1		0x904	/* type 0: memory */
#define AKIDA_IATU_CTRL2		0x908
#define  AKIDA_IATU_CTRL2_ENABLE	BIT(31)
#define  AKIDA_IATU_CTRL2_BAR_MATCH	BIT(30)
#define  AKIDA_IATU_CTRL2_FUNC_EN	BIT(19)
#define  AKIDA_IATU_CTRL2_BAR		GENMASK(10, 8)
#define AKIDA_IATU_TARGET_LO		0x918
#define AKIDA_IATU_TARGET_HI		0x91c

/*
 * eDMA global registers, relative to the eDMA block (DBI + 0x970). "wr"
 * channels move chip memory to the host, "rd" channels host memory to the
 * chip (direction named from the chip's side).
 */
#define AKIDA_EDMA_CTRL			0x008
#define  AKIDA_EDMA_CTRL_WR_CH_CNT	GENMASK(3, 0)
#define  AKIDA_EDMA_CTRL_RD_CH_CNT	GENMASK(19, 16)
#define AKIDA_EDMA_WR_ENGINE_EN		0x00c
#define AKIDA_EDMA_WR_DOORBELL		0x010
#define AKIDA_EDMA_RD_ENGINE_EN		0x02c
#define AKIDA_EDMA_RD_DOORBELL		0x030
#define  AKIDA_EDMA_ENGINE_EN		BIT(0)
#define  AKIDA_EDMA_DOORBELL_CH		GENMASK(2, 0)
#define  AKIDA_EDMA_DOORBELL_STOP	BIT(31)

#define AKIDA_EDMA_WR_INT_STATUS	0x04c
#define AKIDA_EDMA_WR_INT_MASK		0x054
#define AKIDA_EDMA_WR_INT_CLEAR		0x058
#define AKIDA_EDMA_WR_ERR_STATUS	0x05c
#define  AKIDA_EDMA_WR_ERR_APP_READ	GENMASK(7, 0)	/* per channel */
#define  AKIDA_EDMA_WR_ERR_LL_FETCH	GENMASK(23, 16)	/* per channel */
#define AKIDA_EDMA_WR_DONE_IMWR_LO	0x060
#define AKIDA_EDMA_WR_DONE_IMWR_HI	0x064
#define AKIDA_EDMA_WR_ABORT_IMWR_LO	0x068
#define AKIDA_EDMA_WR_ABORT_IMWR_HI	0x06c
#define AKIDA_EDMA_WR_CH01_IMWR_DATA	0x070
#define AKIDA_EDMA_WR_LL_ERR_EN		0x090

#define AKIDA_EDMA_RD_INT_STATUS	0x0a0
#define AKIDA_EDMA_RD_INT_MASK		0x0a8
#define AKIDA_EDMA_RD_INT_CLEAR		0x0ac
#define AKIDA_EDMA_RD_ERR_STATUS_LO	0x0b4
#define  AKIDA_EDMA_RD_ERR_APP_WRITE	GENMASK(7, 0)	/* per channel */
#define  AKIDA_EDMA_RD_ERR_LL_FETCH	GENMASK(23, 16)	/* per channel */
#define AKIDA_EDMA_RD_ERR_STATUS_HI	0x0b8
#define  AKIDA_EDMA_RD_ERR_UNSUPP_REQ	GENMASK(7, 0)	/* per channel */
#define  AKIDA_EDMA_RD_ERR_CPL_ABORT	GENMASK(15, 8)
#define  AKIDA_EDMA_RD_ERR_CPL_TIMEOUT	GENMASK(23, 16)
#define  AKIDA_EDMA_RD_ERR_POISONED	GENMASK(31, 24)
#define AKIDA_EDMA_RD_LL_ERR_EN		0x0c4
#define AKIDA_EDMA_RD_DONE_IMWR_LO	0x0cc
#define AKIDA_EDMA_RD_DONE_IMWR_HI	0x0d0
#define AKIDA_EDMA_RD_ABORT_IMWR_LO	0x0d4
#define AKIDA_EDMA_RD_ABORT_IMWR_HI	0x0d8
#define AKIDA_EDMA_RD_CH01_IMWR_DATA	0x0dc

/* Interrupt status/mask/clear layout, both directions. */
#define  AKIDA_EDMA_INT_DONE		GENMASK(7, 0)	/* per channel */
#define  AKIDA_EDMA_INT_ABORT		GENMASK(23, 16)	/* per channel */

/* IMWr data registers hold two channels each: even low, odd high half. */
#define  AKIDA_EDMA_IMWR_DATA_EVEN	GENMASK(15, 0)
#define  AKIDA_EDMA_IMWR_DATA_ODD	GENMASK(31, 16)

/* Channel window, legacy format: select a channel, then use the window. */
#define AKIDA_EDMA_VIEWPORT_SEL		0x0fc
#define  AKIDA_EDMA_VIEWPORT_READ	BIT(31)
#define  AKIDA_EDMA_VIEWPORT_CH		GENMASK(2, 0)
#define AKIDA_EDMA_CH_CONTROL1		0x100
#define AKIDA_EDMA_CH_TRANSFER_SIZE	0x108
#define AKIDA_EDMA_CH_SAR_LO		0x10c
#define AKIDA_EDMA_CH_SAR_HI		0x110
#define AKIDA_EDMA_CH_DAR_LO		0x114
#define AKIDA_EDMA_CH_DAR_HI		0x118
#define AKIDA_EDMA_CH_LLP_LO		0x11c
#define AKIDA_EDMA_CH_LLP_HI		0x120

/* Element control bits (and CH_CONTROL1). */
#define  AKIDA_EDMA_CTL_CB		BIT(0)	/* cycle bit */
#define  AKIDA_EDMA_CTL_TCB		BIT(1)	/* toggle cycle bit (link) */
#define  AKIDA_EDMA_CTL_LLP		BIT(2)	/* link element */
#define  AKIDA_EDMA_CTL_LIE		BIT(3)	/* local interrupt enable */
#define  AKIDA_EDMA_CTL_RIE		BIT(4)	/* remote (IMWr) interrupt */
#define  AKIDA_EDMA_CTL_CS		GENMASK(6, 5)	/* CH_CONTROL1 status: */
#define   AKIDA_EDMA_CS_RUNNING		1
#define   AKIDA_EDMA_CS_HALTED		2
#define   AKIDA_EDMA_CS_STOPPED		3
#define  AKIDA_EDMA_CTL_CCS		BIT(8)	/* consumer cycle state */
#define  AKIDA_EDMA_CTL_LLE		BIT(9)	/* linked-list enable */

/* Linked-list elements, little endian, in chip memory. */
#define AKIDA_LL_DATA_SIZE		24	/* {control, size, sar, dar} */
#define AKIDA_LL_DATA_CONTROL		0x00
#define AKIDA_LL_DATA_XFER_SIZE		0x04
#define AKIDA_LL_DATA_SAR_LO		0x08
#define AKIDA_LL_DATA_SAR_HI		0x0c
#define AKIDA_LL_DATA_DAR_LO		0x10
#define AKIDA_LL_DATA_DAR_HI		0x14
#define AKIDA_LL_LINK_SIZE		16	/* {control, reserved, llp} */
#define AKIDA_LL_LINK_CONTROL		0x00
#define AKIDA_LL_LINK_PTR_LO		0x08
#define AKIDA_LL_LINK_PTR_HI		0x0c

/* NPU core registers (BAR0, AXI 0xFCC00000). Identity: */
#define AKIDA_NPU_DEVICE_ID		0x0000
#define AKIDA_NPU_NP_COUNT		0x10c0
#define AKIDA_NPU_SRAM_REGION_0		0x1410
#define AKIDA_NPU_SRAM_REGION_1		0x1418
#define AKIDA_NPU_DMA_MESH_CONFIG	0x4010
#define AKIDA_NPU_NP_ENABLE(n)		(0x1e0c + 4 * (n))	/* n < 6 */
#define AKIDA_NPU_NP_CONFIG(n)		(0xe000 + 0x100 * (n))

/*
 * Command interface ([model] in HARDWARE.md section 4). It occupies BAR0
 * [AKIDA_NPU_MODEL_START, AKIDA_NPU_MODEL_END) and exists only when
 * IFACE_MAGIC reads AKIDA_NPU_IFACE_MAGIC_VALUE; the driver writes none of
 * these registers otherwise.
 */
#define AKIDA_NPU_MODEL_START		0x0004
#define AKIDA_NPU_MODEL_END		0x1000
#define AKIDA_NPU_VERSION		0x0004
#define  AKIDA_NPU_VERSION_MAJOR	GENMASK(31, 16)
#define AKIDA_NPU_IFACE_MAGIC		0x000c
#define  AKIDA_NPU_IFACE_MAGIC_VALUE	0x31504b41	/* "AKP1" */
#define  AKIDA_NPU_IFACE_MAJOR		1	/* the VERSION major we know */
#define AKIDA_NPU_STATUS		0x0008
#define  AKIDA_NPU_STATUS_READY		BIT(0)
#define  AKIDA_NPU_STATUS_BUSY		BIT(1)
#define  AKIDA_NPU_STATUS_ERROR		BIT(2)
#define  AKIDA_NPU_STATUS_MODEL_LOADED	BIT(3)
#define AKIDA_NPU_CONTROL		0x0010
#define  AKIDA_NPU_CONTROL_RESET	BIT(0)
#define  AKIDA_NPU_CONTROL_ENABLE	BIT(1)
#define  AKIDA_NPU_CONTROL_POWER_SAVE	BIT(2)
#define AKIDA_NPU_CLOCK_MODE		0x0014
#define AKIDA_NPU_IRQ_STATUS		0x0020
#define AKIDA_NPU_IRQ_ENABLE		0x0024
#define  AKIDA_NPU_IRQ_INFER_DONE	BIT(0)
#define  AKIDA_NPU_IRQ_MODEL_DONE	BIT(1)
#define  AKIDA_NPU_IRQ_ERROR		BIT(2)
#define AKIDA_NPU_IMWR_ADDR_LO		0x0028
#define AKIDA_NPU_IMWR_ADDR_HI		0x002c
#define AKIDA_NPU_IMWR_DATA		0x0030

#endif /* AKIDA_REGS_H */
