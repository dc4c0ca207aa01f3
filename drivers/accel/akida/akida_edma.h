/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: the DesignWare eDMA engine of the AKD1000 (legacy register
 * format), driven by this driver directly.
 *
 * Lock order (outer first):
 *   akida_edma.reset_lock (rw_semaphore: transfers read, reset writes)
 *   akida_edma.lock (spinlock, IRQ-safe; never held while sleeping)
 */
#ifndef AKIDA_EDMA_H
#define AKIDA_EDMA_H

#include <linux/atomic.h>
#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/msi.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct akida_dev;
struct page;
struct sg_table;

/**
 * enum akida_dma_dir - direction of a transfer, named from the host's side.
 * @AKIDA_DMA_TO_DEVICE: host memory to chip memory (eDMA "read" channels).
 * @AKIDA_DMA_FROM_DEVICE: chip memory to host memory (eDMA "write" channels).
 */
enum akida_dma_dir {
	AKIDA_DMA_TO_DEVICE,
	AKIDA_DMA_FROM_DEVICE,
};

#define AKIDA_DMA_NR_DIRS	2
/* Channels used per direction (the AKD1000 has 2 read + 2 write). */
#define AKIDA_EDMA_MAX_CH	2
/* Largest data element, and largest DMA segment the device takes. */
#define AKIDA_DMA_SEG_MAX	SZ_1G
/* Bounce buffers per channel (double buffering). */
#define AKIDA_EDMA_NR_BOUNCE	2

enum akida_chan_state {
	AKIDA_CH_IDLE,		/* no list running */
	AKIDA_CH_RUNNING,	/* doorbell rung, completion not seen */
	AKIDA_CH_DONE,		/* done interrupt seen */
	AKIDA_CH_ABORTED,	/* abort interrupt seen */
	AKIDA_CH_GONE,		/* woken because the device went away */
	AKIDA_CH_RESET,		/* ended by a device reset or error recovery */
};

/* One data element of a list: @len bytes between @host and @axi. */
struct akida_dma_elem {
	u64 host;
	u32 axi;
	u32 len;
};

/**
 * struct akida_edma_chan - one hardware channel.
 * @adev: The device.
 * @dir: Direction it moves data in.
 * @id: Hardware channel number within its direction.
 * @ll_axi: AXI address of the channel's list area in the reserved DMA RAM.
 * @ll: The same area through BAR4.
 * @ll_max: Data elements that fit in the area (with the link element).
 * @elems: Scratch array of @ll_max elements, used by the channel's holder.
 * @bounce: Bounce buffers (CPU addresses), @bounce_dma their bus addresses.
 * @state: enum akida_chan_state; under akida_edma.lock.
 * @err: Decoded error bits of the last abort; under akida_edma.lock.
 * @bytes: Bytes of the running list (for the statistics).
 * @axi: AXI address of the running list's first element (for tracing).
 * @suspect: A list timed out on the channel: before its next list, wait
 *	until the engine reports it stopped. Only touched by its holder.
 * @wedged: A list timed out and the channel could not be confirmed stopped:
 *	the engine may still write the host memory of that list. Cleared once
 *	the channel reads as not running; under akida_edma.lock.
 * @wq: Where the channel's holder waits for completion.
 */
struct akida_edma_chan {
	struct akida_dev *adev;
	enum akida_dma_dir dir;
	unsigned int id;
	u32 ll_axi;
	void __iomem *ll;
	unsigned int ll_max;
	struct akida_dma_elem *elems;
	void *bounce[AKIDA_EDMA_NR_BOUNCE];
	dma_addr_t bounce_dma[AKIDA_EDMA_NR_BOUNCE];
	enum akida_chan_state state;
	u32 err;
	u64 bytes;
	u32 axi;
	bool suspect;
	bool wedged;
	wait_queue_head_t wq;
};

/**
 * struct akida_edma_stats - per-direction counters, exported in sysfs.
 * @transfers: Lists completed.
 * @bytes: Bytes moved by completed lists.
 * @aborts: Lists the engine aborted.
 * @timeouts: Lists that did not complete in time.
 */
struct akida_edma_stats {
	atomic64_t transfers;
	atomic64_t bytes;
	atomic64_t aborts;
	atomic64_t timeouts;
};

/**
 * struct akida_edma - the engine.
 * @regs: eDMA registers (BAR2 + 0x970).
 * @lock: Protects the channel viewport (select + window), the global
 *	interrupt registers' read-modify-write, @msi, and every channel's
 *	@state and @err. IRQ-safe.
 * @reset_lock: Held for reading by every transfer for as long as it holds a
 *	channel, for writing by akida_edma_reset().
 * @chan: Channels by direction.
 * @nr_ch: Channels used per direction.
 * @free: Bitmap of free channels per direction; under @free_wq's lock.
 * @free_wq: Waiters for a free channel, per direction.
 * @running: Channels running per direction (atomic; lets the interrupt
 *	handler skip a direction with nothing running).
 * @bounce_size: Size of each bounce buffer.
 * @msi: MSI message currently programmed into the IMWr registers.
 * @resync: Program the engine afresh before the next list (set after the
 *	device stopped answering); under @lock.
 * @halted: A device reset or error recovery is under way, or failed, or
 *	the system shuts down: no list starts, every transfer fails with -EIO
 *	(akida_edma_halt(), cleared by akida_edma_restart()); under @lock.
 * @wedged: Channels with @wedged set; under @lock.
 * @quarantine: Host memory of failed transfers kept pinned and mapped while
 *	@wedged is not 0 (struct akida_dma_hold); under @lock.
 * @stats: Counters per direction.
 */
struct akida_edma {
	void __iomem *regs;
	spinlock_t lock;		/* Viewport, interrupt registers, channel states */
	struct rw_semaphore reset_lock;	/* Read: a channel is held; write: reset */
	struct akida_edma_chan chan[AKIDA_DMA_NR_DIRS][AKIDA_EDMA_MAX_CH];
	unsigned int nr_ch;
	unsigned long free[AKIDA_DMA_NR_DIRS];
	wait_queue_head_t free_wq[AKIDA_DMA_NR_DIRS];
	atomic_t running[AKIDA_DMA_NR_DIRS];
	size_t bounce_size;
	struct msi_msg msi;
	bool resync;
	bool halted;
	unsigned int wedged;
	struct list_head quarantine;
	struct akida_edma_stats stats[AKIDA_DMA_NR_DIRS];
};

int akida_edma_init(struct akida_dev *adev);
void akida_edma_fini(struct akida_dev *adev);
bool akida_edma_irq(struct akida_dev *adev);
void akida_edma_wake(struct akida_dev *adev, bool running);

/*
 * The DMA API for kernel users. All of them sleep, are bounded by the
 * dma_timeout_ms module parameter per list, and return -ENODEV once the
 * device is gone. The caller must be inside akida_dev_enter()/exit().
 */

/**
 * akida_dma_sgt() - move @len bytes between a DMA-mapped table and chip memory.
 * @adev: The device.
 * @dir: Direction.
 * @sgt: Table mapped with dma_map_sgtable() for adev->pdev->dev; its first
 *	@len bytes are used.
 * @axi: Chip (AXI) address.
 * @len: Bytes.
 *
 * Return: 0, or -EINVAL (bad range), -EIO (aborted, or the device does not
 * answer), -ETIMEDOUT, -ENODEV, -EINTR/-ERESTARTSYS (signal).
 */
int akida_dma_sgt(struct akida_dev *adev, enum akida_dma_dir dir,
		  struct sg_table *sgt, u64 axi, u64 len);

/**
 * akida_dma_user() - move @len bytes between user memory and chip memory.
 * @adev: The device.
 * @dir: Direction.
 * @ubuf: User buffer.
 * @axi: Chip (AXI) address.
 * @len: Bytes.
 *
 * Unlike the other calls here, the caller must be outside
 * akida_dev_enter()/exit(): the user buffer is pinned a batch (4 MiB) at a
 * time holding nothing, so that a page fault that sleeps on userspace
 * (userfaultfd, FUSE) never holds the device guard, reset_lock or a channel;
 * each batch then enters the guard, takes a channel and moves through the
 * bounce buffers or straight from the pinned pages (module parameter
 * dma_pinned). Fatal signals are honoured between batches and chunks.
 *
 * Return: bytes moved (short only if an error ended the transfer after some
 * bytes moved), or a negative errno as for akida_dma_sgt() plus -EFAULT.
 */
ssize_t akida_dma_user(struct akida_dev *adev, enum akida_dma_dir dir,
		       void __user *ubuf, u64 axi, size_t len);

/**
 * akida_edma_reset() - quiesce and re-initialise the eDMA engine.
 * @adev: The device.
 *
 * Waits for running transfers to end (each is bounded), disables both
 * engines, clears every interrupt and programs the engine afresh.
 *
 * Return: 0, -ENODEV, -EIO (the device does not answer), -EINTR.
 */
int akida_edma_reset(struct akida_dev *adev);

/**
 * akida_edma_halt() - end every transfer for a device reset or recovery.
 * @adev: The device.
 * @hw_ok: The registers may be written (the engines are stopped too).
 *
 * Lists still running end with -EIO at once; their channels count as wedged
 * (their host memory is quarantined) until akida_edma_restart() confirms
 * them stopped. Returns once no transfer holds a channel; until the restart
 * every new transfer fails with -EIO without touching the engine. Bounded:
 * a holder only waits for the engine where each wait is bounded.
 */
void akida_edma_halt(struct akida_dev *adev, bool hw_ok);

/**
 * akida_edma_restart() - program the engine afresh after a reset.
 * @adev: The device, halted by akida_edma_halt(), its BARs decoding again.
 *
 * Confirms every channel stopped (which releases the quarantine), programs
 * the engine and the IMWr, and lets transfers run again.
 *
 * Return: 0, or -EIO if a channel cannot be confirmed stopped (the engine
 * then stays halted).
 */
int akida_edma_restart(struct akida_dev *adev);

/**
 * akida_dma_quarantine() - keep the host memory of a failed transfer.
 * @adev: The device.
 * @sgt: Its scatter table; taken over (the caller's copy must be forgotten).
 * @mapped: @sgt is DMA-mapped for @dir.
 * @dir: Mapping direction.
 * @pages: Its pinned pages (kvmalloc'ed array); taken over, may be NULL.
 * @npages: Entries of @pages.
 * @dirty: Mark the pages dirty when they are finally unpinned.
 *
 * A buffer may go back to the system only once the channel that moved it
 * reported DONE or ABORT, or was stopped and read as not running. Call this
 * after a failed transfer: while a channel could not be confirmed stopped,
 * the memory is kept (pinned and mapped) until every such channel is
 * confirmed quiet (its next use, AKIDA_IOCTL_RESET) or bus mastering is
 * off (remove).
 *
 * Return: true if the memory was taken over, false if the caller may
 * release it now.
 */
bool akida_dma_quarantine(struct akida_dev *adev, struct sg_table *sgt,
			  bool mapped, enum dma_data_direction dir,
			  struct page **pages, unsigned int npages, bool dirty);

/**
 * akida_dma_wedged() - may a channel still write host memory of a failed
 * transfer?
 * @adev: The device.
 *
 * Return: true while a timed-out channel is not confirmed stopped.
 */
bool akida_dma_wedged(struct akida_dev *adev);

/**
 * akida_dma_quarantined() - how many failed transfers' buffers are kept.
 * @adev: The device.
 *
 * Return: entries of the quarantine (see akida_dma_quarantine()).
 */
unsigned int akida_dma_quarantined(struct akida_dev *adev);

#endif /* AKIDA_EDMA_H */
