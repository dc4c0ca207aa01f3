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
 *   akida_recovery.lock is a leaf (a spinlock around health bookkeeping).
 *   akida_dev.raw_lock, then akida_job_engine.mem_lock (see akida_job.h)
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
#include <linux/rwsem.h>
#include <linux/srcu.h>
#include <linux/types.h>

#include "akida_debugfs.h"
#include "akida_edma.h"
#include "akida_job.h"
#include "compat.h"

#define AKIDA_DRIVER_NAME	"akida_pcie"
#define AKIDA_MAX_DEVICES	64
/* The chip's AXI address space is 32 bits wide. */
#define AKIDA_AXI_SPACE		BIT_ULL(32)
/*
 * The emulator's test-control window in BAR0 (HARDWARE.md section 7): no
 * register of the chip, never touched by the driver and never mapped or
 * reached for userspace through /dev/akidaN.
 */
#define AKIDA_BAR0_TEST_WINDOW		0x3f0000
#define AKIDA_BAR0_TEST_WINDOW_SIZE	0x10000

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
 * enum akida_cause - what started a recovery (sysfs akida_recovery/last_cause).
 * @AKIDA_CAUSE_NONE: No recovery yet.
 * @AKIDA_CAUSE_RESET: A function reset through the PCI core (sysfs reset,
 *	VFIO, ...): FLR or D3hot -> D0.
 * @AKIDA_CAUSE_AER_NONFATAL: An uncorrectable non-fatal error (AER).
 * @AKIDA_CAUSE_AER_FATAL: An uncorrectable fatal error (AER; the link was reset).
 * @AKIDA_CAUSE_PERM_FAILURE: The PCI core gave the device up.
 * @AKIDA_CAUSE_SHUTDOWN: The system shuts down (reboot, kexec).
 * @AKIDA_CAUSE_RESUME: The device did not come back from D3hot working.
 */
enum akida_cause {
	AKIDA_CAUSE_NONE,
	AKIDA_CAUSE_RESET,
	AKIDA_CAUSE_AER_NONFATAL,
	AKIDA_CAUSE_AER_FATAL,
	AKIDA_CAUSE_PERM_FAILURE,
	AKIDA_CAUSE_SHUTDOWN,
	AKIDA_CAUSE_RESUME,
};

/**
 * struct akida_recovery - resets, error recovery and health (akida_reset.c).
 * @lock: Protects @active, @failed, @cause, @began_ns, @last_ns and
 *	@last_us. A leaf lock; never held while sleeping.
 * @active: Between the start of a reset or error recovery and its end.
 * @failed: The last recovery failed, or the PCI core gave the device up,
 *	or it was shut down: the device is dead until a reset succeeds.
 * @irq_off: The interrupt is disabled by the recovery under way.
 * @cause: What started the current or last recovery.
 * @began_ns: When the current recovery began (ktime_get_ns()).
 * @last_ns: When the last successful recovery ended (CLOCK_BOOTTIME), 0 if
 *	none.
 * @last_us: How long it took, from the start to a usable device.
 * @resets: Function resets seen (reset_prepare).
 * @recoveries: Recoveries that left the device usable.
 * @failures: Recoveries that did not.
 * @aer_cor: Correctable errors reported by AER.
 * @aer_nonfatal: Uncorrectable non-fatal errors reported by AER.
 * @aer_fatal: Uncorrectable fatal errors reported by AER.
 */
struct akida_recovery {
	spinlock_t lock;	/* Health fields above; leaf */
	bool active;
	bool failed;
	bool irq_off;
	enum akida_cause cause;
	u64 began_ns;
	u64 last_ns;
	u64 last_us;
	atomic64_t resets;
	atomic64_t recoveries;
	atomic64_t failures;
	atomic64_t aer_cor;
	atomic64_t aer_nonfatal;
	atomic64_t aer_fatal;
};

/**
 * struct akida_pm - power-management counters (sysfs akida_pm/).
 * @count: Completed transitions, by enum akida_pm_event.
 * @last_us: How long the last one of each took.
 * @failures: Resumes that left the device unusable.
 */
struct akida_pm {
	atomic64_t count[AKIDA_PM_NR_EVENTS];
	atomic64_t last_us[AKIDA_PM_NR_EVENTS];
	atomic64_t failures;
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
 * @model_iface: IFACE_MAGIC and VERSION's major matched at probe: the NPU
 *	has the [model] command interface, the job engine runs and owns those
 *	registers. Otherwise the driver writes none of them. Set once at probe.
 * @npu_version: VERSION at probe (0 when @model_iface is false).
 * @np_count: NP_COUNT at probe.
 * @sram_size: SRAM_REGION_0 at probe (bytes).
 * @irq: Linux IRQ number of the one MSI/MSI-X vector.
 * @srcu: Read side held by every section that touches the hardware.
 * @gone: Set once by remove, before synchronize_srcu(@srcu).
 * @files_lock: Protects @files.
 * @files: Open files (struct akida_file.node).
 * @raw_lock: Read side held by a raw read()/write() of the allocator's
 *	LPDDR range for the whole transfer (after it checked that the range
 *	holds no other file's allocation); write side held while an allocation
 *	is created, so that none appears under a raw transfer.
 * @edma: The eDMA engine.
 * @job: The job engine (akida_job.h).
 * @diag: Counters, the last faults, debugfs (akida_debugfs.h).
 * @rec: Resets, error recovery and health (akida_reset.c).
 * @pm: Power-management counters (akida_pm.c).
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
	bool model_iface;
	u32 npu_version;
	u32 np_count;
	u32 sram_size;

	int irq;

	struct srcu_struct srcu;	/* Read side: sections touching the hardware */
	bool gone;			/* Set once by remove, then srcu is synchronized */

	struct mutex files_lock;	/* Protects files */
	struct list_head files;
	struct rw_semaphore raw_lock;	/* Read: raw LPDDR transfer; write: mem alloc */

	struct akida_edma edma;
	struct akida_job_engine job;
	struct akida_diag diag;
	struct akida_recovery rec;
	struct akida_pm pm;
};

/**
 * struct akida_file - one open file of /dev/akidaN (file->private_data).
 * @adev: The device (the file holds a reference on adev->dev).
 * @filp: The file.
 * @node: Link in akida_dev.files.
 * @rawio: Opened with CAP_SYS_RAWIO while the unsafe_raw module parameter
 *	was set: the raw interface may write every register the vendor's
 *	driver lets through (see akida_fops.c). Set once at open.
 * @flags: AKIDA_FILE_* bits (atomic bit operations).
 * @job: Job-engine state of the file (akida_job.h).
 */
struct akida_file {
	struct akida_dev *adev;
	struct file *filp;
	struct list_head node;
	bool rawio;
	unsigned long flags;
	struct akida_job_file job;
};

/* The file keeps the device in D0 until it is closed (akida_pm.c). */
#define AKIDA_FILE_PM_PINNED	0

/* Module parameters (akida_drv.c). */
extern unsigned int akida_dma_timeout_ms;
extern bool akida_dma_pinned;
extern unsigned int akida_bounce_kib;
extern bool akida_unsafe_raw;

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
extern const struct pci_error_handlers akida_err_handlers;

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
int akida_hw_reinit(struct akida_dev *adev);

/* akida_reset.c */
void akida_recovery_init(struct akida_dev *adev);
void akida_shutdown(struct pci_dev *pdev);
const char *akida_health(struct akida_dev *adev, const char **reason);
const char *akida_cause_name(enum akida_cause cause);
void akida_health_dead(struct akida_dev *adev, enum akida_cause cause);

/* akida_pm.c */
extern const struct dev_pm_ops akida_pm_ops;
void akida_pm_init(struct akida_dev *adev);
void akida_pm_fini(struct akida_dev *adev);
int akida_pm_get(struct akida_dev *adev);
void akida_pm_put(struct akida_dev *adev);
bool akida_pm_get_if_active(struct akida_dev *adev);
void akida_pm_put_quiet(struct akida_dev *adev);
int akida_pm_pin_file(struct akida_file *af);
void akida_pm_unpin_file(struct akida_file *af);
unsigned int akida_pm_pinned_files(struct akida_dev *adev);

#endif /* AKIDA_DRV_H */
