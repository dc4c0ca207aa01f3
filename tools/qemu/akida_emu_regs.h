/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated AKD1000's test-control window (HARDWARE.md section 7).
 *
 * Exists only on the emulator, at BAR0 + AKIDA_EMU_WINDOW (AXI 0xFCFF0000),
 * 64 KiB. Real hardware: unknown, never touched by the driver. Tests reach it
 * through /sys/bus/pci/devices/<bdf>/resource0 as root. Accesses to the window
 * are not counted by the link model. All registers are 32 bits wide; 64-bit
 * counters are LO/HI pairs (read LO first: it latches HI).
 *
 * This header is shared by the QEMU device model and the tests; it is the
 * only header they share (the hardware registers are defined independently
 * by the device model, the driver and the library, so that each checks the
 * others against HARDWARE.md).
 */
#ifndef AKIDA_EMU_REGS_H
#define AKIDA_EMU_REGS_H

#define AKIDA_EMU_WINDOW		0x3F0000u
#define AKIDA_EMU_WINDOW_SIZE		0x10000u

#define AKIDA_EMU_MAGIC			0x0000u	/* RO: AKIDA_EMU_MAGIC_VALUE */
#define  AKIDA_EMU_MAGIC_VALUE		0x4d454b41u	/* "AKEM" */
#define AKIDA_EMU_IFVERSION		0x0004u	/* RO: 1 */
#define AKIDA_EMU_CTRL			0x0008u	/* WO */
#define  AKIDA_EMU_CTRL_RESET_COUNTERS	(1u << 0)
#define  AKIDA_EMU_CTRL_CLEAR_FAULTS	(1u << 1)
#define AKIDA_EMU_TIMING		0x000Cu	/* RW: 0 immediate, 1 modeled */
#define AKIDA_EMU_LPDDR_SIZE		0x0010u	/* RO: LPDDR bytes */

/* Link-model counters (HARDWARE.md section 6), 64-bit LO/HI pairs. */
#define AKIDA_EMU_CNT_MMIO_READS	0x0100u
#define AKIDA_EMU_CNT_MMIO_WRITES	0x0108u
#define AKIDA_EMU_CNT_DMA_ELEMENTS	0x0110u
#define AKIDA_EMU_CNT_DMA_BYTES		0x0118u	/* both directions */
#define AKIDA_EMU_CNT_MSI		0x0120u	/* IMWr + NPU MSI writes posted */
#define AKIDA_EMU_CNT_MODELED_NS	0x0128u	/* everything the link model charged */
#define AKIDA_EMU_CNT_DMA_NS		0x0130u	/* of which DMA elements */
#define AKIDA_EMU_CNT_NPU_NS		0x0138u	/* NPU compute and model load time */
#define AKIDA_EMU_CNT_INFERENCES	0x0140u
#define AKIDA_EMU_CNT_DMA_ABORTS	0x0148u
#define AKIDA_EMU_CNT_H2D_BYTES		0x0150u	/* read channels */
#define AKIDA_EMU_CNT_D2H_BYTES		0x0158u	/* write channels */
#define AKIDA_EMU_CNT_NPU_BUSY_NS	0x0160u	/* time the NPU spent running */
/*
 * Register writes per range, whatever the path (BAR MMIO, eDMA element with
 * a register target, configuration space for the iATU), so that a test can
 * prove what a driver never wrote.
 */
#define AKIDA_EMU_CNT_WR_NPU_MODEL	0x0168u	/* [model] NPU registers (sec. 4) */
#define AKIDA_EMU_CNT_WR_NPU_IDENT	0x0170u	/* identity/NP registers (sec. 4) */
#define AKIDA_EMU_CNT_WR_EDMA		0x0178u	/* eDMA registers (DBI + 0x970) */
#define AKIDA_EMU_CNT_WR_IATU		0x0180u	/* iATU viewport registers */
#define AKIDA_EMU_CNT_IMWR_ZERO		0x0188u	/* IMWr/MSI writes posted to 0 */
#define AKIDA_EMU_CNT_NPU_IMWR		0x0190u	/* NPU MSI writes posted */
#define AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS 0x0198u	/* modeled time the NPU ran
						 * while an eDMA chunk was on
						 * the link (either direction) */
#define AKIDA_EMU_CNT_LL_FETCHES	0x01A0u	/* linked-list elements read,
						 * data and link, including the
						 * one whose CB ends the list */

/*
 * Fault injection. Each one-shot counter is decremented as the fault fires;
 * reading it returns what is left.
 */
#define AKIDA_EMU_FAULT_DMA_ABORT	0x0200u	/* next N DMA elements abort */
#define AKIDA_EMU_FAULT_DMA_ERRSTATUS	0x0204u	/* error kind for those aborts: */
#define  AKIDA_EMU_ERR_READ		1u	/* AXI/PCIe read (unsupported request) */
#define  AKIDA_EMU_ERR_WRITE		2u	/* AXI write error */
#define  AKIDA_EMU_ERR_LL_FETCH		3u	/* linked-list element fetch error */
#define AKIDA_EMU_FAULT_DELAY_US	0x0208u	/* delay the next completion by N us */
#define AKIDA_EMU_FAULT_DROP		0x020Cu	/* next N completions post no IMWr/MSI
						 * (status bits are still set) */
#define AKIDA_EMU_FAULT_NPU_ERROR	0x0210u	/* next NPU run fails with this
						 * ERROR_CODE (0: off) */
#define AKIDA_EMU_FAULT_DEAD_MS		0x0214u	/* stop answering for N ms (all BARs
						 * and config space read all ones,
						 * writes dropped, no DMA, no MSI);
						 * 0xFFFFFFFF: until system reset */
/*
 * Channel selectors below: bit 8 = direction (0 write/D2H, 1 read/H2D),
 * bits 1:0 = channel number.
 */
#define  AKIDA_EMU_CH_READ		(1u << 8)
#define AKIDA_EMU_FAULT_STALL_CH	0x0218u	/* channel for FAULT_STALL_US */
#define AKIDA_EMU_FAULT_STALL_US	0x021Cu	/* the next element started on that
						 * channel takes N us more, then
						 * completes normally (a completion
						 * that arrives after any timeout) */
#define AKIDA_EMU_FAULT_DOORBELL_CH	0x0220u	/* bit 31 armed, low bits channel:
						 * the next doorbell of that channel
						 * aborts at once (one-shot) */
#define AKIDA_EMU_FAULT_NPU_DELAY_US	0x0224u	/* next NPU command completes N us
						 * later than modeled */
#define AKIDA_EMU_FAULT_NPU_STALE	0x0228u	/* WO: set these IRQ_STATUS bits now,
						 * with no command behind them (and
						 * the MSI when IRQ_ENABLE says so) */
#define AKIDA_EMU_FAULT_SPURIOUS_MSI	0x022Cu	/* WO: post N (at most 64) eDMA
						 * done IMWr writes now (write
						 * direction's address, channel 0's
						 * data) with no status bit set */

/* Readiness delays (also device properties); RW, in microseconds. */
#define AKIDA_EMU_IATU_DELAY_US		0x0230u	/* iATU region decodes N us after
						 * it is enabled (iatu-delay-us) */
#define AKIDA_EMU_LINK_DELAY_US		0x0234u	/* BARs read all ones for N us after
						 * a reset (link-delay-us) */
#define AKIDA_EMU_MODEL_IFACE		0x0238u	/* RO: 1 when the [model] NPU
						 * interface (IFACE_MAGIC) is present
						 * (property model-iface) */

#endif /* AKIDA_EMU_REGS_H */
