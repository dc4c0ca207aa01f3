/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: driver for the BrainChip Akida AKD1000 NPU on PCIe.
 *
 * Lifetime: struct akida_dev is owned by the reference count of its class
 * device (@dev). Probe holds the first reference, every open file one more;
 * the last put frees it. Everything that touches the hardware runs between
 * akida_dev_enter() and akida_dev_exit(); remove marks the device gone and
 * waits for those sections to end before the BARs are unmapped.
 *
 * Lock order (outer first):
 *   akida_dev.files_lock
 *   akida_edma.reset_lock, then akida_edma.lock (see akida_edma.h)
 *   the job engine's locks (see akida_job.h) never take files_lock.
 */
#ifndef AKIDA_DRV_H
#define AKIDA_DRV_H

#include <linux/bits.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/srcu.h>
#include <linux/types.h>

#include "akida_edma.h"
#include "akida_job.h"
#include "compat.h"

#define AKIDA_DRIVER_NAME	"akida_pcie"
#define AKIDA_MAX_DEVICES	64
/* The chip's AXI address space is 32 bits wide. */
#define AKIDA_AXI_SPACE		BIT_ULL(32)

/**
 * struct akida_chip_info - per-chip facts, hung off the PCI id table.
 * @name: Chip name (sysfs akida_chip).
 * @unsupported: If set, probe declines the chip with this reason.
 * @device_id: Expected NPU DEVICE_ID register value.
 * @npu_bar: BAR of the NPU core registers, at AXI @npu_axi.
 * @dbi_bar: BAR of the PCIe controller's DBI space, at AXI @dbi_axi.
 * @mem_bar: BAR of the LPDDR window, at AXI @mem_axi.
 * @npu_axi: AXI base of the NPU core registers.
 * @dbi_axi: AXI base of the DBI space.
 * @mem_axi: AXI base of LPDDR.
 * @edma_offset: Offset of the eDMA registers in the DBI BAR.
 * @wr_channels: eDMA write (device-to-host) channels to use.
 * @rd_channels: eDMA read (host-to-device) channels to use.
 * @sram_axi: AXI base of the on-chip SRAM.
 */
struct akida_chip_info {
	const char *name;
	const char *unsupported;
	u32 device_id;
	u8 npu_bar;
	u8 dbi_bar;
	u8 mem_bar;
	u32 npu_axi;
	u32 dbi_axi;
	u32 mem_axi;
	u32 edma_offset;
	u8 wr_channels;
	u8 rd_channels;
	u32 sram_axi;
};

/**
 * struct akida_dev - one AKD1000.
 * @pdev: The PCI device.
 * @info: Chip facts.
 * @dev: The class device akidaN (/sys/bus/pci/devices/<bdf>/akida/akidaN).
 * @cdev: The character device /dev/akidaN.
 * @minor: N, from the driver's IDA.
 * @bar0: NPU core registers (AXI 0xFCC00000).
 * @bar0_start: Bus address of BAR0 (for mmap).
 * @bar0_len: Length of BAR0.
 * @dbi: The DBI BAR (eDMA registers at +0x970), @dbi_len its length.
 * @dbi_len: Length of the DBI BAR.
 * @mem: The LPDDR window (BAR4), @mem_len its length.
 * @mem_len: Length of the LPDDR window.
 * @lpddr_base: AXI address of LPDDR.
 * @lpddr_size: Bytes of LPDDR (the BAR4 window).
 * @dma_ram_base: AXI address of the reserved DMA RAM (eDMA lists).
 * @dma_ram_size: Its size. User transfers that touch it are refused.
 * @np_count: NP_COUNT at probe.
 * @sram_size: SRAM_REGION_0 at probe (bytes).
 * @irq: Linux IRQ number of the one MSI/MSI-X vector.
 * @srcu: Read side held by every section that touches the hardware.
 * @gone: Set once by remove, before synchronize_srcu(@srcu).
 * @files_lock: Protects @files.
 * @files: Open files (struct akida_file.node).
 * @edma: The eDMA engine.
 * @job: The job engine (akida_job.h).
 */
struct akida_dev {
	struct pci_dev *pdev;
	const struct akida_chip_info *info;
	struct device dev;
	struct cdev cdev;
	int minor;

	void __iomem *bar0;
	resource_size_t bar0_start;
	resource_size_t bar0_len;
	void __iomem *dbi;
	resource_size_t dbi_len;
	void __iomem *mem;
	resource_size_t mem_len;

	u64 lpddr_base;
	u64 lpddr_size;
	u64 dma_ram_base;
	u64 dma_ram_size;
	u32 np_count;
	u32 sram_size;

	int irq;

	struct srcu_struct srcu;	/* Read side: sections touching the hardware */
	bool gone;			/* Set once by remove, then srcu is synchronized */

	struct mutex files_lock;	/* Protects files */
	struct list_head files;

	struct akida_edma edma;
	struct akida_job_engine job;
};

/**
 * struct akida_file - one open file of /dev/akidaN (file->private_data).
 * @adev: The device (the file holds a reference on adev->dev).
 * @filp: The file.
 * @node: Link in akida_dev.files.
 * @job: Job-engine state of the file (akida_job.h).
 */
struct akida_file {
	struct akida_dev *adev;
	struct file *filp;
	struct list_head node;
	struct akida_job_file job;
};

/* Module parameters (akida_drv.c). */
extern unsigned int akida_dma_timeout_ms;
extern bool akida_dma_pinned;
extern unsigned int akida_bounce_kib;

/*
 * Does the uapi user pointer @uptr, and the @len bytes from it, fit this
 * kernel's pointers? On a 32-bit kernel high bits would be dropped by
 * u64_to_user_ptr(): such a pointer is -EFAULT, not another address.
 */
static inline bool akida_uptr_ok(u64 uptr, u64 len)
{
	u64 last = uptr + (len ? len - 1 : 0);

	return last >= uptr && (u64)(uintptr_t)uptr == uptr &&
	       (u64)(uintptr_t)last == last;
}

/* dma_timeout_ms as used: at least 10 ms, at most a minute. */
#define AKIDA_DMA_TIMEOUT_MIN_MS	10U
#define AKIDA_DMA_TIMEOUT_MAX_MS	60000U
static inline unsigned int akida_dma_tmo_ms(void)
{
	return clamp_val(READ_ONCE(akida_dma_timeout_ms),
			 AKIDA_DMA_TIMEOUT_MIN_MS, AKIDA_DMA_TIMEOUT_MAX_MS);
}

extern const struct file_operations akida_fops;
extern const struct attribute_group *akida_pci_groups[];

/**
 * akida_dev_enter() - enter a section that may touch the hardware.
 * @adev: The device.
 * @idx: Where to keep the SRCU index for akida_dev_exit().
 *
 * Return: 0, or -ENODEV if the device is gone (then do not call exit).
 */
static inline int akida_dev_enter(struct akida_dev *adev, int *idx)
{
	*idx = srcu_read_lock(&adev->srcu);
	if (READ_ONCE(adev->gone)) {
		srcu_read_unlock(&adev->srcu, *idx);
		return -ENODEV;
	}
	return 0;
}

/**
 * akida_dev_exit() - leave a section entered with akida_dev_enter().
 * @adev: The device.
 * @idx: The index akida_dev_enter() returned.
 */
static inline void akida_dev_exit(struct akida_dev *adev, int idx)
{
	srcu_read_unlock(&adev->srcu, idx);
}

/* True once remove has started (waiters use it to give up with -ENODEV). */
static inline bool akida_dev_gone(struct akida_dev *adev)
{
	return READ_ONCE(adev->gone);
}

bool akida_dev_dead(struct akida_dev *adev);
void akida_msi_get(struct akida_dev *adev, u64 *addr, u32 *data);
int akida_check_user_range(struct akida_dev *adev, loff_t pos, size_t len);

#endif /* AKIDA_DRV_H */
