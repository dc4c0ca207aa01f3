/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: diagnostics. Counters the engines bump, a ring of the last
 * faults, the inbound iATU regions as probe programmed them, and the
 * read-only debugfs files that show them with the device's state
 * (/sys/kernel/debug/akida/akidaN/, see Documentation/accel/akida.rst).
 *
 * The counters and the ring work without debugfs; the files only read.
 */
#ifndef AKIDA_DEBUGFS_H
#define AKIDA_DEBUGFS_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "akida_edma.h"

struct akida_dev;
struct dentry;

/* Why a reset happened (the akida_reset tracepoint's reason). */
enum akida_reset_reason {
	AKIDA_RESET_IOCTL,		/* AKIDA_IOCTL_RESET: eDMA and NPU */
	AKIDA_RESET_NPU_TIMEOUT,	/* an NPU command timed out: NPU only */
};

/* Power transitions (the akida_pm tracepoint; sysfs akida_pm/). */
enum akida_pm_event {
	AKIDA_PM_RUNTIME_SUSPEND,	/* idle: to D3hot */
	AKIDA_PM_RUNTIME_RESUME,	/* used again: back to D0 */
	AKIDA_PM_SUSPEND,		/* system sleep or hibernation */
	AKIDA_PM_RESUME,
	AKIDA_PM_NR_EVENTS
};

enum akida_fault_kind {
	AKIDA_FAULT_DMA_ABORT,		/* the eDMA aborted a list */
	AKIDA_FAULT_DMA_TIMEOUT,	/* a list did not complete in time */
	AKIDA_FAULT_NPU_ERROR,		/* the NPU reported ERROR */
	AKIDA_FAULT_NPU_TIMEOUT,	/* an NPU command did not complete in time */
};

/* Faults kept in the ring (the oldest is overwritten). */
#define AKIDA_FAULT_RING	16

/**
 * struct akida_fault - one fault.
 * @ts_ns: When (CLOCK_MONOTONIC, ns); set by akida_diag_fault().
 * @job: Job id for NPU faults (0 if none).
 * @kind: enum akida_fault_kind.
 * @dir: DMA faults: enum akida_dma_dir.
 * @ch: DMA faults: channel.
 * @axi: DMA faults: AXI address of the list's first element.
 * @bytes: DMA faults: bytes of the list.
 * @code: DMA abort: decoded error bits; NPU error: ERROR_CODE.
 * @step: NPU faults: the job step (AKIDA_STEP_*).
 */
struct akida_fault {
	u64 ts_ns;
	u64 job;
	u32 kind;
	u32 dir;
	u32 ch;
	u32 axi;
	u64 bytes;
	u32 code;
	u32 step;
};

/* Inbound iATU regions the driver programs (BAR0, BAR2, BAR4). */
#define AKIDA_IATU_REGIONS	3

/**
 * struct akida_iatu_rec - one inbound iATU region as probe programmed it.
 * @bar: BAR it matches.
 * @target: AXI target written.
 * @ctrl2: Region control 2 written.
 * @rb_ctrl2: Region control 2 read back.
 * @rb_target: Target read back.
 * @valid: The region was programmed.
 */
struct akida_iatu_rec {
	u32 bar;
	u32 target;
	u32 ctrl2;
	u32 rb_ctrl2;
	u32 rb_target;
	bool valid;
};

/**
 * struct akida_diag - diagnostics of one device (akida_dev.diag).
 * @lock: Protects @faults, @fault_next and @nr_faults.
 * @faults: The last AKIDA_FAULT_RING faults.
 * @fault_next: Slot of the next fault.
 * @nr_faults: Faults recorded since probe.
 * @npu_irqs: NPU interrupts taken.
 * @edma_irqs: eDMA interrupts taken, per direction (enum akida_dma_dir).
 * @npu_poll_naps: Worker naps with an NPU command outstanding that ended
 *	by the 20 ms poll interval rather than by an interrupt (npu_irq=1).
 * @npu_lost_irqs: NPU completions the worker found right after such a nap:
 *	completions whose interrupt never woke it.
 * @iatu: Inbound iATU regions as programmed (written at probe only).
 * @dir: The device's debugfs directory.
 */
struct akida_diag {
	spinlock_t lock;		/* Protects faults, fault_next, nr_faults */
	struct akida_fault faults[AKIDA_FAULT_RING];
	unsigned int fault_next;
	u64 nr_faults;
	atomic64_t npu_irqs;
	atomic64_t edma_irqs[AKIDA_DMA_NR_DIRS];
	atomic64_t npu_poll_naps;
	atomic64_t npu_lost_irqs;
	struct akida_iatu_rec iatu[AKIDA_IATU_REGIONS];
	struct dentry *dir;
};

void akida_diag_init(struct akida_dev *adev);
void akida_diag_fault(struct akida_dev *adev, struct akida_fault *f);
void akida_diag_iatu(struct akida_dev *adev, unsigned int index, u32 bar,
		     u32 target, u32 ctrl2, u32 rb_ctrl2, u32 rb_target);

void akida_debugfs_register(void);
void akida_debugfs_unregister(void);
void akida_debugfs_init(struct akida_dev *adev);
void akida_debugfs_fini(struct akida_dev *adev);

#endif /* AKIDA_DEBUGFS_H */
