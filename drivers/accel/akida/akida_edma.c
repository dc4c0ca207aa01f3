// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the DesignWare eDMA engine of the AKD1000.
 *
 * The engine sits in the chip's PCIe controller (DBI, BAR2 + 0x970) in the
 * legacy register format: global registers, then a viewport that shows one
 * channel at a time. We use two "read" channels (host to chip) and two
 * "write" channels (chip to host), in linked-list mode only. Each channel
 * owns a slice of the reserved DMA RAM in LPDDR (written by the host through
 * BAR4) holding its list: data elements, then a link element whose cycle bit
 * does not match the consumer cycle state, where the engine stops.
 *
 * The engine has no interrupt wire to the host: on completion or abort it
 * posts the MSI message we wrote into its IMWr registers. The interrupt
 * handler reads the interrupt status of each direction with a list running,
 * acknowledges it, decodes the error status on abort and wakes the channel's
 * holder. Every wait is bounded by dma_timeout_ms, after which the channel
 * is stopped and returned to service.
 *
 * A user transfer pins its buffer a batch at a time, holding nothing (every
 * fault on user memory is taken there), then holds one channel per batch,
 * so two transfers per direction run concurrently. A batch goes through two
 * bounce buffers per channel (the copy of one chunk overlaps the DMA of the
 * other), or, with dma_pinned=1, straight from the pinned pages. Nothing
 * that holds a channel touches user memory.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/msi.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "akida_drv.h"
#include "akida_regs.h"
#include "akida_trace.h"

/* Data elements per list at most, however large the reserved area. */
#define AKIDA_LL_MAX_ELEMS	1024
/* User pages pinned at a time by read()/write() and AKIDA_IOCTL_DMA. */
#define AKIDA_PIN_BATCH		1024
/* Smallest bounce buffer we accept when memory is short. */
#define AKIDA_BOUNCE_MIN	SZ_16K
/* Bound on a channel reading as stopped after its stop doorbell. */
#define AKIDA_EDMA_STOP_MS	100

/*
 * Host memory of a failed transfer that a wedged channel may still write:
 * kept pinned and mapped until the engine is confirmed quiet.
 */
struct akida_dma_hold {
	struct list_head node;
	struct sg_table sgt;
	bool mapped;
	enum dma_data_direction dir;
	struct page **pages;
	unsigned int npages;
	bool dirty;
};

/* Error bits kept in akida_edma_chan.err (decoded from the error status). */
#define AKIDA_ERR_APP		BIT(0)	/* AXI read (write ch) / write (read ch) */
#define AKIDA_ERR_LL_FETCH	BIT(1)
#define AKIDA_ERR_UNSUPP_REQ	BIT(2)
#define AKIDA_ERR_CPL_ABORT	BIT(3)
#define AKIDA_ERR_CPL_TIMEOUT	BIT(4)
#define AKIDA_ERR_POISONED	BIT(5)

/* The registers of one direction. */
struct akida_edma_dir_regs {
	const char *name;
	u32 viewport;
	u32 engine_en;
	u32 doorbell;
	u32 int_status;
	u32 int_mask;
	u32 int_clear;
	u32 ll_err_en;
	u32 done_imwr_lo;
	u32 done_imwr_hi;
	u32 abort_imwr_lo;
	u32 abort_imwr_hi;
	u32 imwr_data;
};

static const struct akida_edma_dir_regs akida_edma_dirs[AKIDA_DMA_NR_DIRS] = {
	[AKIDA_DMA_TO_DEVICE] = {
		.name = "read (host-to-device)",
		.viewport = AKIDA_EDMA_VIEWPORT_READ,
		.engine_en = AKIDA_EDMA_RD_ENGINE_EN,
		.doorbell = AKIDA_EDMA_RD_DOORBELL,
		.int_status = AKIDA_EDMA_RD_INT_STATUS,
		.int_mask = AKIDA_EDMA_RD_INT_MASK,
		.int_clear = AKIDA_EDMA_RD_INT_CLEAR,
		.ll_err_en = AKIDA_EDMA_RD_LL_ERR_EN,
		.done_imwr_lo = AKIDA_EDMA_RD_DONE_IMWR_LO,
		.done_imwr_hi = AKIDA_EDMA_RD_DONE_IMWR_HI,
		.abort_imwr_lo = AKIDA_EDMA_RD_ABORT_IMWR_LO,
		.abort_imwr_hi = AKIDA_EDMA_RD_ABORT_IMWR_HI,
		.imwr_data = AKIDA_EDMA_RD_CH01_IMWR_DATA,
	},
	[AKIDA_DMA_FROM_DEVICE] = {
		.name = "write (device-to-host)",
		.viewport = 0,
		.engine_en = AKIDA_EDMA_WR_ENGINE_EN,
		.doorbell = AKIDA_EDMA_WR_DOORBELL,
		.int_status = AKIDA_EDMA_WR_INT_STATUS,
		.int_mask = AKIDA_EDMA_WR_INT_MASK,
		.int_clear = AKIDA_EDMA_WR_INT_CLEAR,
		.ll_err_en = AKIDA_EDMA_WR_LL_ERR_EN,
		.done_imwr_lo = AKIDA_EDMA_WR_DONE_IMWR_LO,
		.done_imwr_hi = AKIDA_EDMA_WR_DONE_IMWR_HI,
		.abort_imwr_lo = AKIDA_EDMA_WR_ABORT_IMWR_LO,
		.abort_imwr_hi = AKIDA_EDMA_WR_ABORT_IMWR_HI,
		.imwr_data = AKIDA_EDMA_WR_CH01_IMWR_DATA,
	},
};

static u32 edma_rd(struct akida_edma *e, u32 reg)
{
	return readl(e->regs + reg);
}

static void edma_wr(struct akida_edma *e, u32 reg, u32 val)
{
	writel(val, e->regs + reg);
}

static u32 akida_edma_chmask(struct akida_edma *e)
{
	return GENMASK(e->nr_ch - 1, 0);
}

/* Write the vector's MSI message into the IMWr registers. Lock held. */
static void akida_edma_program_msi(struct akida_edma *e, const struct msi_msg *msg)
{
	u32 data = msg->data & 0xffff;
	int d;

	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		const struct akida_edma_dir_regs *r = &akida_edma_dirs[d];

		edma_wr(e, r->done_imwr_lo, msg->address_lo);
		edma_wr(e, r->done_imwr_hi, msg->address_hi);
		edma_wr(e, r->abort_imwr_lo, msg->address_lo);
		edma_wr(e, r->abort_imwr_hi, msg->address_hi);
		/* Channels 0 and 1 share one register: one half each. */
		edma_wr(e, r->imwr_data,
			FIELD_PREP(AKIDA_EDMA_IMWR_DATA_EVEN, data) |
			FIELD_PREP(AKIDA_EDMA_IMWR_DATA_ODD, data));
	}
	e->msi = *msg;
}

/*
 * The MSI message can change after probe (the vector moves to another CPU
 * when interrupts are not remapped): keep the IMWr registers in step before
 * every list. Lock held.
 */
static void akida_edma_sync_msi(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	struct msi_msg msg;

	get_cached_msi_msg(adev->irq, &msg);
	if (msg.address_lo != e->msi.address_lo ||
	    msg.address_hi != e->msi.address_hi || msg.data != e->msi.data)
		akida_edma_program_msi(e, &msg);
}

/* Enable both engines, unmask our channels, program the IMWr. Lock held. */
static void akida_edma_hw_setup(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	u32 ch = akida_edma_chmask(e);
	u32 irqs = FIELD_PREP(AKIDA_EDMA_INT_DONE, ch) |
		   FIELD_PREP(AKIDA_EDMA_INT_ABORT, ch);
	struct msi_msg msg;
	int d;

	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		const struct akida_edma_dir_regs *r = &akida_edma_dirs[d];

		edma_wr(e, r->engine_en, AKIDA_EDMA_ENGINE_EN);
		edma_wr(e, r->int_clear, irqs);
		edma_wr(e, r->int_mask, edma_rd(e, r->int_mask) & ~irqs);
		/* Report list errors by abort interrupt, remote and local. */
		edma_wr(e, r->ll_err_en, ch | (ch << 16));
	}
	get_cached_msi_msg(adev->irq, &msg);
	akida_edma_program_msi(e, &msg);
	e->resync = false;
}

/* Disable both engines and mask everything. Lock held. */
static void akida_edma_hw_off(struct akida_edma *e)
{
	u32 all = AKIDA_EDMA_INT_DONE | AKIDA_EDMA_INT_ABORT;
	int d;

	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		const struct akida_edma_dir_regs *r = &akida_edma_dirs[d];

		edma_wr(e, r->int_mask, all);
		edma_wr(e, r->int_clear, all);
		edma_wr(e, r->engine_en, 0);
	}
}

static void akida_dma_hold_free(struct akida_dev *adev,
				struct akida_dma_hold *h)
{
	if (h->mapped)
		dma_unmap_sgtable(&adev->pdev->dev, &h->sgt, h->dir, 0);
	if (h->sgt.sgl)
		sg_free_table(&h->sgt);
	if (h->pages) {
		unpin_user_pages_dirty_lock(h->pages, h->npages, h->dirty);
		kvfree(h->pages);
	}
	kfree(h);
}

/* The engine is quiet (or cannot reach memory): let the held memory go. */
static void akida_dma_release_quarantine(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	struct akida_dma_hold *h, *tmp;
	unsigned long flags;
	LIST_HEAD(list);

	spin_lock_irqsave(&e->lock, flags);
	list_splice_init(&e->quarantine, &list);
	spin_unlock_irqrestore(&e->lock, flags);
	list_for_each_entry_safe(h, tmp, &list, node)
		akida_dma_hold_free(adev, h);
}

bool akida_dma_quarantine(struct akida_dev *adev, struct sg_table *sgt,
			  bool mapped, enum dma_data_direction dir,
			  struct page **pages, unsigned int npages, bool dirty)
{
	struct akida_edma *e = &adev->edma;
	struct akida_dma_hold *h;
	unsigned long flags;
	bool held = false;

	if (!akida_dma_wedged(adev))
		return false;
	/* Small, and failing would mean freeing what the engine may write. */
	h = kzalloc(sizeof(*h), GFP_KERNEL | __GFP_NOFAIL);
	h->sgt = *sgt;
	h->mapped = mapped;
	h->dir = dir;
	h->pages = pages;
	h->npages = npages;
	h->dirty = dirty;
	spin_lock_irqsave(&e->lock, flags);
	if (e->wedged) {
		list_add_tail(&h->node, &e->quarantine);
		held = true;
	}
	spin_unlock_irqrestore(&e->lock, flags);
	if (!held) {
		/* Confirmed quiet meanwhile: the caller releases it. */
		kfree(h);
		return false;
	}
	memset(sgt, 0, sizeof(*sgt));
	dev_warn_ratelimited(&adev->pdev->dev, "eDMA: %zu bytes of host memory kept until the engine is confirmed quiet\n",
			     (size_t)npages * PAGE_SIZE);
	return true;
}

bool akida_dma_wedged(struct akida_dev *adev)
{
	return READ_ONCE(adev->edma.wedged) != 0;
}

unsigned int akida_dma_quarantined(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	struct akida_dma_hold *h;
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&e->lock, flags);
	list_for_each_entry(h, &e->quarantine, node)
		n++;
	spin_unlock_irqrestore(&e->lock, flags);
	return n;
}

/* @ch is confirmed not running: it no longer holds host memory. Lock held. */
static bool akida_chan_unwedge(struct akida_edma_chan *ch)
{
	struct akida_edma *e = &ch->adev->edma;

	if (!ch->wedged)
		return false;
	ch->wedged = false;
	WRITE_ONCE(e->wedged, e->wedged - 1);
	return !e->wedged;
}

/* @ch could not be confirmed stopped. Lock held. */
static void akida_chan_wedge(struct akida_edma_chan *ch)
{
	struct akida_edma *e = &ch->adev->edma;

	if (ch->wedged)
		return;
	ch->wedged = true;
	WRITE_ONCE(e->wedged, e->wedged + 1);
}

/*
 * End every list still running in direction @d with @state and wake its
 * caller. Its channel could not be confirmed stopped, so it is wedged: its
 * memory stays until a reset or remove proves the engine quiet. Lock held.
 */
static void akida_chans_abandon(struct akida_edma *e, int d,
				enum akida_chan_state state)
{
	int i;

	for (i = 0; i < e->nr_ch; i++) {
		struct akida_edma_chan *ch = &e->chan[d][i];

		if (ch->state != AKIDA_CH_RUNNING)
			continue;
		ch->state = state;
		akida_chan_wedge(ch);
		atomic_dec(&e->running[d]);
		wake_up(&ch->wq);
	}
}

static void akida_edma_free_bounce(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	int d, i, b;

	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		for (i = 0; i < AKIDA_EDMA_MAX_CH; i++) {
			struct akida_edma_chan *ch = &e->chan[d][i];

			for (b = 0; b < AKIDA_EDMA_NR_BOUNCE; b++) {
				if (!ch->bounce[b])
					continue;
				dma_free_coherent(&adev->pdev->dev, e->bounce_size,
						  ch->bounce[b], ch->bounce_dma[b]);
				ch->bounce[b] = NULL;
			}
		}
	}
}

static bool akida_alloc_one_bounce(struct akida_dev *adev, struct akida_edma_chan *ch,
				   unsigned int b, size_t size)
{
	ch->bounce[b] = dma_alloc_coherent(&adev->pdev->dev, size, &ch->bounce_dma[b],
					   GFP_KERNEL | __GFP_NOWARN);
	return ch->bounce[b];
}

/* Bounce buffers for every channel; halve the size while memory is short. */
static int akida_edma_alloc_bounce(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	size_t want = (size_t)akida_bounce_kib * SZ_1K;
	size_t size = clamp_t(size_t, want, AKIDA_BOUNCE_MIN, SZ_4M);
	int d, i, b;

	for (; size >= AKIDA_BOUNCE_MIN; size /= 2) {
		bool ok = true;

		e->bounce_size = size;
		for (d = 0; d < AKIDA_DMA_NR_DIRS && ok; d++) {
			for (i = 0; i < e->nr_ch && ok; i++) {
				struct akida_edma_chan *ch = &e->chan[d][i];

				for (b = 0; b < AKIDA_EDMA_NR_BOUNCE && ok; b++)
					ok = akida_alloc_one_bounce(adev, ch, b, size);
			}
		}
		if (ok) {
			if (size != want)
				pci_info(adev->pdev, "bounce buffers: %zu KiB each (asked %zu KiB)\n",
					 size / SZ_1K, want / SZ_1K);
			return 0;
		}
		akida_edma_free_bounce(adev);
	}
	pci_err(adev->pdev, "cannot allocate DMA bounce buffers\n");
	return -ENOMEM;
}

/**
 * akida_edma_init() - find the channels, lay out their lists, program the
 * engine. Called by probe once the BARs are mapped and the vector exists.
 * @adev: The device.
 *
 * Return: 0 or a negative errno.
 */
int akida_edma_init(struct akida_dev *adev)
{
	const struct akida_chip_info *info = adev->info;
	struct akida_edma *e = &adev->edma;
	unsigned int wr, rd, area, slot;
	unsigned long flags;
	u32 ctrl;
	int d, i, ret;

	e->regs = adev->dbi + info->edma_offset;
	spin_lock_init(&e->lock);
	init_rwsem(&e->reset_lock);
	INIT_LIST_HEAD(&e->quarantine);

	ctrl = edma_rd(e, AKIDA_EDMA_CTRL);
	wr = FIELD_GET(AKIDA_EDMA_CTRL_WR_CH_CNT, ctrl);
	rd = FIELD_GET(AKIDA_EDMA_CTRL_RD_CH_CNT, ctrl);
	if (ctrl == U32_MAX || wr < info->wr_channels || rd < info->rd_channels) {
		pci_err(adev->pdev, "eDMA reports %u write and %u read channels (ctrl %#x), need %u and %u\n",
			wr, rd, ctrl, info->wr_channels, info->rd_channels);
		return -ENODEV;
	}
	e->nr_ch = min_t(unsigned int, min(info->wr_channels, info->rd_channels),
			 AKIDA_EDMA_MAX_CH);

	/* The vendor's layout: write channels first, then read channels. */
	area = adev->dma_ram_size / (AKIDA_DMA_NR_DIRS * e->nr_ch);
	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		init_waitqueue_head(&e->free_wq[d]);
		atomic_set(&e->running[d], 0);
		e->free[d] = akida_edma_chmask(e);
		for (i = 0; i < e->nr_ch; i++) {
			struct akida_edma_chan *ch = &e->chan[d][i];

			slot = (d == AKIDA_DMA_FROM_DEVICE ? 0 : e->nr_ch) + i;
			ch->adev = adev;
			ch->dir = d;
			ch->id = i;
			ch->ll_axi = adev->dma_ram_base + slot * area;
			ch->ll = adev->mem + (ch->ll_axi - adev->lpddr_base);
			ch->ll_max = min_t(unsigned int, AKIDA_LL_MAX_ELEMS,
					   (area - AKIDA_LL_LINK_SIZE) / AKIDA_LL_DATA_SIZE);
			ch->elems = kcalloc(ch->ll_max, sizeof(*ch->elems), GFP_KERNEL);
			if (!ch->elems) {
				ret = -ENOMEM;
				goto err_free;
			}
			ch->state = AKIDA_CH_IDLE;
			init_waitqueue_head(&ch->wq);
		}
	}

	ret = akida_edma_alloc_bounce(adev);
	if (ret)
		goto err_free;

	spin_lock_irqsave(&e->lock, flags);
	akida_edma_hw_setup(adev);
	spin_unlock_irqrestore(&e->lock, flags);

	pci_dbg(adev->pdev, "eDMA: %u+%u channels, lists of %u elements at %#x, bounce %zu KiB\n",
		e->nr_ch, e->nr_ch, e->chan[0][0].ll_max, (u32)adev->dma_ram_base,
		e->bounce_size / SZ_1K);
	return 0;

err_free:
	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++)
		for (i = 0; i < AKIDA_EDMA_MAX_CH; i++) {
			kfree(e->chan[d][i].elems);
			e->chan[d][i].elems = NULL;
		}
	return ret;
}

/**
 * akida_edma_fini() - stop the engine and free its memory. Called by remove
 * once no transfer can run (after synchronize_srcu()).
 * @adev: The device.
 */
void akida_edma_fini(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	unsigned long flags;
	int d, i;

	if (!akida_dev_dead(adev)) {
		spin_lock_irqsave(&e->lock, flags);
		akida_edma_hw_off(e);
		spin_unlock_irqrestore(&e->lock, flags);
	}
	/*
	 * A channel that was never confirmed stopped may still write host
	 * memory: with bus mastering off nothing of the device reaches it.
	 */
	pci_clear_master(adev->pdev);
	spin_lock_irqsave(&e->lock, flags);
	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++)
		for (i = 0; i < AKIDA_EDMA_MAX_CH; i++)
			akida_chan_unwedge(&e->chan[d][i]);
	spin_unlock_irqrestore(&e->lock, flags);
	akida_dma_release_quarantine(adev);
	akida_edma_free_bounce(adev);
	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++)
		for (i = 0; i < AKIDA_EDMA_MAX_CH; i++) {
			kfree(e->chan[d][i].elems);
			e->chan[d][i].elems = NULL;
		}
}

/**
 * akida_edma_wake() - wake waiters because the device is going away.
 * @adev: The device, already marked gone.
 * @running: Also end the lists still running (only when the device no
 *	longer answers, so it cannot touch their buffers any more).
 */
void akida_edma_wake(struct akida_dev *adev, bool running)
{
	struct akida_edma *e = &adev->edma;
	unsigned long flags;
	int d;

	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		wake_up_all(&e->free_wq[d]);
		if (!running)
			continue;
		spin_lock_irqsave(&e->lock, flags);
		akida_chans_abandon(e, d, AKIDA_CH_GONE);
		spin_unlock_irqrestore(&e->lock, flags);
	}
}

/* Decode the error status of an aborted channel. Lock held. */
static u32 akida_edma_decode_err(struct akida_edma *e, int dir, unsigned int id)
{
	u32 bit = BIT(id), err = 0, lo, hi;

	if (dir == AKIDA_DMA_FROM_DEVICE) {
		lo = edma_rd(e, AKIDA_EDMA_WR_ERR_STATUS);
		if (FIELD_GET(AKIDA_EDMA_WR_ERR_APP_READ, lo) & bit)
			err |= AKIDA_ERR_APP;
		if (FIELD_GET(AKIDA_EDMA_WR_ERR_LL_FETCH, lo) & bit)
			err |= AKIDA_ERR_LL_FETCH;
		return err;
	}
	lo = edma_rd(e, AKIDA_EDMA_RD_ERR_STATUS_LO);
	hi = edma_rd(e, AKIDA_EDMA_RD_ERR_STATUS_HI);
	if (FIELD_GET(AKIDA_EDMA_RD_ERR_APP_WRITE, lo) & bit)
		err |= AKIDA_ERR_APP;
	if (FIELD_GET(AKIDA_EDMA_RD_ERR_LL_FETCH, lo) & bit)
		err |= AKIDA_ERR_LL_FETCH;
	if (FIELD_GET(AKIDA_EDMA_RD_ERR_UNSUPP_REQ, hi) & bit)
		err |= AKIDA_ERR_UNSUPP_REQ;
	if (FIELD_GET(AKIDA_EDMA_RD_ERR_CPL_ABORT, hi) & bit)
		err |= AKIDA_ERR_CPL_ABORT;
	if (FIELD_GET(AKIDA_EDMA_RD_ERR_CPL_TIMEOUT, hi) & bit)
		err |= AKIDA_ERR_CPL_TIMEOUT;
	if (FIELD_GET(AKIDA_EDMA_RD_ERR_POISONED, hi) & bit)
		err |= AKIDA_ERR_POISONED;
	return err;
}

/**
 * akida_edma_irq() - the eDMA part of the interrupt handler (hard IRQ).
 * @adev: The device.
 *
 * Return: true if a channel completed or aborted.
 */
bool akida_edma_irq(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	u32 chmask = akida_edma_chmask(e);
	bool handled = false;
	int d;

	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		const struct akida_edma_dir_regs *r = &akida_edma_dirs[d];
		unsigned long done, abort, bits;
		unsigned int i;
		u32 status;

		/* Skip a direction with nothing running: saves an MMIO read. */
		if (!atomic_read(&e->running[d]))
			continue;

		spin_lock(&e->lock);
		status = edma_rd(e, r->int_status);
		if (status == U32_MAX) {	/* the device does not answer */
			spin_unlock(&e->lock);
			continue;
		}
		done = FIELD_GET(AKIDA_EDMA_INT_DONE, status) & chmask;
		abort = FIELD_GET(AKIDA_EDMA_INT_ABORT, status) & chmask;
		bits = done | abort;
		if (!bits) {
			spin_unlock(&e->lock);
			continue;
		}
		trace_akida_irq_edma(adev->minor, d, status);
		atomic64_inc(&adev->diag.edma_irqs[d]);
		for_each_set_bit(i, &bits, e->nr_ch) {
			struct akida_edma_chan *ch = &e->chan[d][i];

			if (ch->state != AKIDA_CH_RUNNING)
				continue;
			if (abort & BIT(i)) {
				ch->err = akida_edma_decode_err(e, d, i);
				ch->state = AKIDA_CH_ABORTED;
			} else {
				ch->state = AKIDA_CH_DONE;
			}
			atomic_dec(&e->running[d]);
			wake_up(&ch->wq);
		}
		edma_wr(e, r->int_clear, FIELD_PREP(AKIDA_EDMA_INT_DONE, done) |
			FIELD_PREP(AKIDA_EDMA_INT_ABORT, abort));
		spin_unlock(&e->lock);
		handled = true;
	}
	return handled;
}

/* Write @n elements of ch->elems and the link element, then ring. */
static void akida_chan_start(struct akida_edma_chan *ch, unsigned int n)
{
	struct akida_dev *adev = ch->adev;
	struct akida_edma *e = &adev->edma;
	const struct akida_edma_dir_regs *r = &akida_edma_dirs[ch->dir];
	void __iomem *ll = ch->ll;
	unsigned long flags;
	unsigned int i;
	u64 bytes = 0;

	for (i = 0; i < n; i++, ll += AKIDA_LL_DATA_SIZE) {
		const struct akida_dma_elem *el = &ch->elems[i];
		u32 ctl = AKIDA_EDMA_CTL_CB;
		u64 sar, dar;

		/* Interrupt (local and by IMWr) when the last one is done. */
		if (i == n - 1)
			ctl |= AKIDA_EDMA_CTL_LIE | AKIDA_EDMA_CTL_RIE;
		if (ch->dir == AKIDA_DMA_TO_DEVICE) {
			sar = el->host;
			dar = el->axi;
		} else {
			sar = el->axi;
			dar = el->host;
		}
		writel(ctl, ll + AKIDA_LL_DATA_CONTROL);
		writel(el->len, ll + AKIDA_LL_DATA_XFER_SIZE);
		akida_write64(sar, ll + AKIDA_LL_DATA_SAR_LO);
		akida_write64(dar, ll + AKIDA_LL_DATA_DAR_LO);
		bytes += el->len;
	}
	/*
	 * Link back to the start with the cycle bit clear: it does not match
	 * the consumer cycle state (1), so the engine stops there.
	 */
	writel(AKIDA_EDMA_CTL_LLP | AKIDA_EDMA_CTL_TCB, ll + AKIDA_LL_LINK_CONTROL);
	writel(0, ll + AKIDA_LL_LINK_CONTROL + 4);
	akida_write64(ch->ll_axi, ll + AKIDA_LL_LINK_PTR_LO);
	/*
	 * The list goes through BAR4 and the doorbell through BAR2: read the
	 * list back so that the posted writes have landed before the engine
	 * fetches it.
	 */
	readl(ll + AKIDA_LL_LINK_CONTROL);

	spin_lock_irqsave(&e->lock, flags);
	ch->err = 0;
	ch->bytes = bytes;
	ch->axi = ch->elems[0].axi;
	if (akida_dev_gone(adev)) {
		ch->state = AKIDA_CH_GONE;
		spin_unlock_irqrestore(&e->lock, flags);
		return;
	}
	if (e->halted) {
		ch->state = AKIDA_CH_RESET;
		spin_unlock_irqrestore(&e->lock, flags);
		return;
	}
	if (e->resync)
		akida_edma_hw_setup(adev);
	else
		akida_edma_sync_msi(adev);
	ch->state = AKIDA_CH_RUNNING;
	atomic_inc(&e->running[ch->dir]);
	edma_wr(e, AKIDA_EDMA_VIEWPORT_SEL,
		r->viewport | FIELD_PREP(AKIDA_EDMA_VIEWPORT_CH, ch->id));
	edma_wr(e, AKIDA_EDMA_CH_CONTROL1, AKIDA_EDMA_CTL_CCS | AKIDA_EDMA_CTL_LLE);
	akida_write64(ch->ll_axi, e->regs + AKIDA_EDMA_CH_LLP_LO);
	trace_akida_dma_start(adev->minor, ch->dir, ch->id, n, bytes, ch->axi);
	edma_wr(e, r->doorbell, FIELD_PREP(AKIDA_EDMA_DOORBELL_CH, ch->id));
	spin_unlock_irqrestore(&e->lock, flags);
}

static void akida_chan_report_abort(struct akida_edma_chan *ch, u32 err)
{
	struct pci_dev *pdev = ch->adev->pdev;
	const char *app = ch->dir == AKIDA_DMA_FROM_DEVICE ?
			  "AXI read error" : "AXI write error";

	/*
	 * An AXI error alone is what a pread()/pwrite() at an AXI address
	 * that nothing answers gives: the caller's doing (it gets -EIO), so
	 * not worth more than a debug message. Anything at the PCIe level
	 * is the device's or the host's.
	 */
	if (!(err & ~AKIDA_ERR_APP)) {
		dev_dbg_ratelimited(&pdev->dev, "eDMA %s channel %u aborted (%#x): %s\n",
				    akida_edma_dirs[ch->dir].name, ch->id, err, app);
		return;
	}
	dev_err_ratelimited(&pdev->dev,
			    "eDMA %s channel %u aborted (%#x):%s%s%s%s%s%s%s\n",
			    akida_edma_dirs[ch->dir].name, ch->id, err,
			    err & AKIDA_ERR_APP ? " " : "", err & AKIDA_ERR_APP ? app : "",
			    err & AKIDA_ERR_LL_FETCH ? " list fetch error" : "",
			    err & AKIDA_ERR_UNSUPP_REQ ? " unsupported request" : "",
			    err & AKIDA_ERR_CPL_ABORT ? " completer abort" : "",
			    err & AKIDA_ERR_CPL_TIMEOUT ? " completion timeout" : "",
			    err & AKIDA_ERR_POISONED ? " poisoned data" : "");
}

static int akida_chan_settle(struct akida_edma_chan *ch, unsigned int ms);

/*
 * Trace the end of a list that did not complete (abort, timeout) and keep
 * it in the fault ring. @err: the decoded error bits of an abort; for a
 * timeout 0 if the channel was stopped, 1 if it is wedged.
 */
static void akida_chan_fault(struct akida_edma_chan *ch, u32 kind, u32 err)
{
	struct akida_fault f = {
		.kind = kind, .dir = ch->dir, .ch = ch->id, .axi = ch->axi,
		.bytes = ch->bytes, .code = err,
	};

	if (kind == AKIDA_FAULT_DMA_ABORT)
		trace_akida_dma_abort(ch->adev->minor, ch->dir, ch->id, ch->bytes,
				      ch->axi, err);
	else
		trace_akida_dma_timeout(ch->adev->minor, ch->dir, ch->id,
					ch->bytes, ch->axi, err);
	akida_diag_fault(ch->adev, &f);
}

/*
 * The list did not complete in time: stop the channel and wait, bounded,
 * until it reads as stopped (its interrupt state is then cleared). If that
 * cannot be confirmed, the channel is wedged: the caller must hand the
 * list's host memory to akida_dma_quarantine(). Return the errno for the
 * caller, or 1 if the list completed after all.
 */
static int akida_chan_timeout(struct akida_edma_chan *ch)
{
	struct akida_dev *adev = ch->adev;
	struct akida_edma *e = &adev->edma;
	const struct akida_edma_dir_regs *r = &akida_edma_dirs[ch->dir];
	struct akida_edma_stats *st = &e->stats[ch->dir];
	bool dead = akida_dev_dead(adev);
	unsigned long flags;
	u32 status = 0, ctl;
	int ret;

	spin_lock_irqsave(&e->lock, flags);
	if (ch->state != AKIDA_CH_RUNNING) {
		/* Completed while we looked away: take the result. */
		spin_unlock_irqrestore(&e->lock, flags);
		return 1;
	}
	ch->state = AKIDA_CH_IDLE;
	ch->suspect = true;
	atomic_dec(&e->running[ch->dir]);
	if (!dead) {
		status = edma_rd(e, r->int_status);
		edma_wr(e, AKIDA_EDMA_VIEWPORT_SEL,
			r->viewport | FIELD_PREP(AKIDA_EDMA_VIEWPORT_CH, ch->id));
		ctl = edma_rd(e, AKIDA_EDMA_CH_CONTROL1);
		if (FIELD_GET(AKIDA_EDMA_CTL_CS, ctl) == AKIDA_EDMA_CS_RUNNING)
			edma_wr(e, r->doorbell, AKIDA_EDMA_DOORBELL_STOP |
				FIELD_PREP(AKIDA_EDMA_DOORBELL_CH, ch->id));
	} else {
		/* Writes are lost while it does not answer: redo them later. */
		e->resync = true;
	}
	spin_unlock_irqrestore(&e->lock, flags);

	atomic64_inc(&st->timeouts);
	/* The list's memory goes back only once the channel reads as stopped. */
	ret = dead ? -EIO : akida_chan_settle(ch, AKIDA_EDMA_STOP_MS);
	akida_chan_fault(ch, AKIDA_FAULT_DMA_TIMEOUT, !!ret);
	if (ret) {
		spin_lock_irqsave(&e->lock, flags);
		akida_chan_wedge(ch);
		spin_unlock_irqrestore(&e->lock, flags);
		dev_err_ratelimited(&adev->pdev->dev,
				    "eDMA %s channel %u: %s; its host memory is kept until the engine is confirmed quiet\n",
				    r->name, ch->id, dead ? "the device does not answer" :
				    "not stopped after a timeout");
		return dead || ret == -EIO ? -EIO : -ETIMEDOUT;
	}
	dev_err_ratelimited(&adev->pdev->dev,
			    "eDMA %s channel %u: no completion in %u ms%s; channel stopped and reset\n",
			    r->name, ch->id, akida_dma_tmo_ms(),
			    FIELD_GET(AKIDA_EDMA_INT_DONE, status) & BIT(ch->id) ?
			    " (the transfer had finished: completion interrupt lost)" : "");
	return -ETIMEDOUT;
}

/*
 * Wait for the list started on @ch. The wait is not interruptible: the
 * hardware owns the buffers until the list ends or times out (bounded by
 * dma_timeout_ms).
 */
static int akida_chan_wait(struct akida_edma_chan *ch)
{
	struct akida_edma *e = &ch->adev->edma;
	struct akida_edma_stats *st = &e->stats[ch->dir];
	unsigned long tmo = msecs_to_jiffies(akida_dma_tmo_ms());
	enum akida_chan_state state;
	unsigned long flags;
	u32 err;
	int ret;

	if (!wait_event_timeout(ch->wq, READ_ONCE(ch->state) != AKIDA_CH_RUNNING, tmo)) {
		ret = akida_chan_timeout(ch);
		if (ret <= 0)
			return ret;
	}

	spin_lock_irqsave(&e->lock, flags);
	state = ch->state;
	err = ch->err;
	ch->state = AKIDA_CH_IDLE;
	spin_unlock_irqrestore(&e->lock, flags);

	switch (state) {
	case AKIDA_CH_DONE:
		atomic64_inc(&st->transfers);
		atomic64_add(ch->bytes, &st->bytes);
		trace_akida_dma_done(ch->adev->minor, ch->dir, ch->id, ch->bytes,
				     ch->axi, 0);
		return 0;
	case AKIDA_CH_ABORTED:
		atomic64_inc(&st->aborts);
		akida_chan_fault(ch, AKIDA_FAULT_DMA_ABORT, err);
		akida_chan_report_abort(ch, err);
		return -EIO;
	case AKIDA_CH_RESET:
		return -EIO;
	default:
		return -ENODEV;
	}
}

static int akida_chan_run(struct akida_edma_chan *ch, unsigned int n)
{
	akida_chan_start(ch, n);
	return akida_chan_wait(ch);
}

static void akida_chan_put(struct akida_edma_chan *ch);

/*
 * A list timed out on @ch, and the engine may still be working on it (a
 * completion delayed past the timeout, a device that stopped answering): a
 * doorbell now would be ignored and the late completion taken for the new
 * list's. Wait, at most @ms, until the channel reports it is not running,
 * then clear its interrupt state; if it was wedged and was the last one,
 * release the quarantined memory.
 */
static int akida_chan_settle(struct akida_edma_chan *ch, unsigned int ms)
{
	struct akida_dev *adev = ch->adev;
	struct akida_edma *e = &adev->edma;
	const struct akida_edma_dir_regs *r = &akida_edma_dirs[ch->dir];
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	unsigned long flags;
	bool quiet;
	u32 ctl;

	for (;;) {
		spin_lock_irqsave(&e->lock, flags);
		edma_wr(e, AKIDA_EDMA_VIEWPORT_SEL,
			r->viewport | FIELD_PREP(AKIDA_EDMA_VIEWPORT_CH, ch->id));
		ctl = edma_rd(e, AKIDA_EDMA_CH_CONTROL1);
		if (ctl != U32_MAX && FIELD_GET(AKIDA_EDMA_CTL_CS, ctl) != AKIDA_EDMA_CS_RUNNING) {
			edma_wr(e, r->int_clear,
				FIELD_PREP(AKIDA_EDMA_INT_DONE, BIT(ch->id)) |
				FIELD_PREP(AKIDA_EDMA_INT_ABORT, BIT(ch->id)));
			quiet = akida_chan_unwedge(ch);
			spin_unlock_irqrestore(&e->lock, flags);
			ch->suspect = false;
			if (quiet)
				akida_dma_release_quarantine(adev);
			return 0;
		}
		spin_unlock_irqrestore(&e->lock, flags);
		if (akida_dev_gone(adev))
			return -ENODEV;
		if (time_after(jiffies, deadline)) {
			dev_err_ratelimited(&adev->pdev->dev,
					    "eDMA %s channel %u: still %s after a timeout\n",
					    r->name, ch->id,
					    ctl == U32_MAX ? "not answering" : "running");
			return ctl == U32_MAX ? -EIO : -ETIMEDOUT;
		}
		usleep_range(500, 1000);
	}
}

static struct akida_edma_chan *akida_chan_get(struct akida_dev *adev,
					      enum akida_dma_dir dir)
{
	struct akida_edma *e = &adev->edma;
	wait_queue_head_t *wq = &e->free_wq[dir];
	struct akida_edma_chan *ch;
	unsigned int id = 0;
	int ret;

	ret = down_read_interruptible(&e->reset_lock);
	if (ret)
		return ERR_PTR(ret);

	spin_lock(&wq->lock);
	ret = wait_event_interruptible_locked(*wq, akida_dev_gone(adev) || e->free[dir]);
	if (!ret && akida_dev_gone(adev))
		ret = -ENODEV;
	if (!ret) {
		id = __ffs(e->free[dir]);
		__clear_bit(id, &e->free[dir]);
	}
	spin_unlock(&wq->lock);
	if (ret) {
		up_read(&e->reset_lock);
		return ERR_PTR(ret);
	}
	ch = &e->chan[dir][id];
	/* A reset is under way: touch nothing (akida_edma_restart() settles). */
	if (READ_ONCE(e->halted)) {
		akida_chan_put(ch);
		return ERR_PTR(-EIO);
	}
	if (ch->suspect) {
		ret = akida_chan_settle(ch, akida_dma_tmo_ms());
		if (ret) {
			akida_chan_put(ch);
			return ERR_PTR(ret);
		}
	}
	return ch;
}

static void akida_chan_put(struct akida_edma_chan *ch)
{
	struct akida_edma *e = &ch->adev->edma;
	wait_queue_head_t *wq = &e->free_wq[ch->dir];

	spin_lock(&wq->lock);
	__set_bit(ch->id, &e->free[ch->dir]);
	wake_up_locked(wq);
	spin_unlock(&wq->lock);
	up_read(&e->reset_lock);
}

/* Run the first @len bytes of a mapped table, as few lists as fit. */
static int akida_chan_xfer_sgt(struct akida_edma_chan *ch, struct sg_table *sgt,
			       u64 axi, u64 len)
{
	struct scatterlist *sg;
	unsigned int n = 0, i;
	int ret;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		u64 seg = min_t(u64, sg_dma_len(sg), len);

		while (seg) {
			struct akida_dma_elem *prev = n ? &ch->elems[n - 1] : NULL;
			u32 chunk = min_t(u64, seg, AKIDA_DMA_SEG_MAX);

			if (prev && prev->host + prev->len == addr &&
			    (u64)prev->axi + prev->len == axi &&
			    (u64)prev->len + chunk <= AKIDA_DMA_SEG_MAX) {
				prev->len += chunk;
			} else {
				if (n == ch->ll_max) {
					ret = akida_chan_run(ch, n);
					if (ret)
						return ret;
					/* Between lists: a killed caller stops here. */
					if (fatal_signal_pending(current))
						return -EINTR;
					n = 0;
				}
				ch->elems[n].host = addr;
				ch->elems[n].axi = axi;
				ch->elems[n].len = chunk;
				n++;
			}
			addr += chunk;
			axi += chunk;
			seg -= chunk;
			len -= chunk;
		}
		if (!len)
			break;
	}
	if (len) {
		pci_err(ch->adev->pdev, "DMA table shorter than the transfer\n");
		return -EINVAL;
	}
	return n ? akida_chan_run(ch, n) : 0;
}

static int akida_dma_check(struct akida_dev *adev, u64 axi, u64 len)
{
	if (len > AKIDA_AXI_SPACE || axi > AKIDA_AXI_SPACE - len)
		return -EINVAL;
	return akida_check_user_range(adev, axi, len);
}

int akida_dma_sgt(struct akida_dev *adev, enum akida_dma_dir dir,
		  struct sg_table *sgt, u64 axi, u64 len)
{
	struct akida_edma_chan *ch;
	int ret;

	if (!len)
		return 0;
	ret = akida_dma_check(adev, axi, len);
	if (ret)
		return ret;
	ch = akida_chan_get(adev, dir);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	ret = akida_chan_xfer_sgt(ch, sgt, axi, len);
	akida_chan_put(ch);
	return ret;
}

static void akida_bounce_start(struct akida_edma_chan *ch, unsigned int b, u64 axi,
			       size_t len)
{
	ch->elems[0].host = ch->bounce_dma[b];
	ch->elems[0].axi = axi;
	ch->elems[0].len = len;
	akida_chan_start(ch, 1);
}

/*
 * Host to device through the bounce buffers: copy chunk i + 1 from the
 * pinned user pages while the engine moves chunk i.
 */
static ssize_t akida_bounce_to_dev(struct akida_edma_chan *ch, struct sg_table *sgt,
				   u64 axi, size_t len)
{
	size_t bsz = ch->adev->edma.bounce_size;
	size_t done = 0, cur, next;
	unsigned int b = 0;
	int ret = 0, err;

	cur = min(len, bsz);
	sg_pcopy_to_buffer(sgt->sgl, sgt->orig_nents, ch->bounce[b], cur, 0);
	akida_bounce_start(ch, b, axi, cur);
	for (;;) {
		next = min(len - done - cur, bsz);
		if (next)
			sg_pcopy_to_buffer(sgt->sgl, sgt->orig_nents, ch->bounce[b ^ 1],
					   next, done + cur);
		err = akida_chan_wait(ch);
		if (err) {
			ret = err;
			break;
		}
		done += cur;
		if (!next)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		b ^= 1;
		cur = next;
		akida_bounce_start(ch, b, axi + done, cur);
	}
	return done ? done : ret;
}

/*
 * Device to host through the bounce buffers: start chunk i + 1 before
 * copying chunk i to the pinned user pages.
 */
static ssize_t akida_bounce_from_dev(struct akida_edma_chan *ch, struct sg_table *sgt,
				     u64 axi, size_t len)
{
	size_t bsz = ch->adev->edma.bounce_size;
	size_t done = 0, cur, next;
	unsigned int b = 0;
	int ret = 0, err;

	cur = min(len, bsz);
	akida_bounce_start(ch, b, axi, cur);
	for (;;) {
		err = akida_chan_wait(ch);
		if (err) {
			ret = err;
			break;
		}
		next = min(len - done - cur, bsz);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			next = 0;
		}
		if (next)
			akida_bounce_start(ch, b ^ 1, axi + done + cur, next);
		sg_pcopy_from_buffer(sgt->sgl, sgt->orig_nents, ch->bounce[b], cur,
				     done);
		done += cur;
		if (!next)
			break;
		b ^= 1;
		cur = next;
	}
	return done ? done : ret;
}

/*
 * Straight from or to the pinned user pages. On a failure that leaves the
 * channel wedged, the mapping and the pins go to the quarantine (*@taken).
 */
static ssize_t akida_pinned_xfer(struct akida_edma_chan *ch, struct sg_table *sgt,
				 struct page **pages, unsigned int npages,
				 u64 axi, size_t len, bool *taken)
{
	struct device *dev = &ch->adev->pdev->dev;
	bool from_dev = ch->dir == AKIDA_DMA_FROM_DEVICE;
	enum dma_data_direction ddir = from_dev ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
	int ret;

	ret = dma_map_sgtable(dev, sgt, ddir, 0);
	if (ret)
		return ret;
	ret = akida_chan_xfer_sgt(ch, sgt, axi, len);
	/* A wedged channel may still write these pages. */
	if (ret && akida_dma_quarantine(ch->adev, sgt, true, ddir, pages, npages,
					from_dev)) {
		*taken = true;
		return ret;
	}
	dma_unmap_sgtable(dev, sgt, ddir, 0);
	return ret ? ret : len;
}

/*
 * One batch of pinned user pages through a channel, inside the device guard.
 * Return: bytes moved or a negative errno; *@taken as akida_pinned_xfer().
 */
static ssize_t akida_dma_batch(struct akida_dev *adev, enum akida_dma_dir dir,
			       struct page **pages, unsigned int npages,
			       unsigned int off, u64 axi, size_t len, bool *taken)
{
	struct device *dev = &adev->pdev->dev;
	struct akida_edma_chan *ch;
	struct sg_table sgt;
	ssize_t ret;
	int idx;

	/* The PCI device may be gone once removed: look at it inside only. */
	ret = akida_dev_enter(adev, &idx);
	if (ret)
		return ret;
	ret = akida_sg_alloc_table_from_pages(&sgt, pages, npages, off, len,
					      dma_get_max_seg_size(dev), GFP_KERNEL);
	if (ret)
		goto out_exit;
	ch = akida_chan_get(adev, dir);
	if (IS_ERR(ch)) {
		ret = PTR_ERR(ch);
		goto out_free;
	}
	if (READ_ONCE(akida_dma_pinned))
		ret = akida_pinned_xfer(ch, &sgt, pages, npages, axi, len, taken);
	else if (dir == AKIDA_DMA_TO_DEVICE)
		ret = akida_bounce_to_dev(ch, &sgt, axi, len);
	else
		ret = akida_bounce_from_dev(ch, &sgt, axi, len);
	akida_chan_put(ch);
out_free:
	/* Empty if the quarantine took it. */
	sg_free_table(&sgt);
out_exit:
	akida_dev_exit(adev, idx);
	return ret;
}

ssize_t akida_dma_user(struct akida_dev *adev, enum akida_dma_dir dir,
		       void __user *ubuf, u64 axi, size_t len)
{
	bool from_dev = dir == AKIDA_DMA_FROM_DEVICE;
	struct page **pages;
	size_t done = 0;
	ssize_t ret = 0;

	if (!len)
		return 0;
	ret = akida_dma_check(adev, axi, len);
	if (ret)
		return ret;
	pages = kvmalloc_array(AKIDA_PIN_BATCH, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	while (done < len) {
		unsigned long uaddr = (unsigned long)ubuf + done;
		unsigned int off = offset_in_page(uaddr);
		size_t n = min_t(size_t, len - done, AKIDA_PIN_BATCH * PAGE_SIZE - off);
		int npages = DIV_ROUND_UP(off + n, PAGE_SIZE);
		bool taken = false;
		int pinned;

		/*
		 * Every user page fault (userfaultfd, FUSE, swap) is taken
		 * here, holding nothing: not the device guard, not reset_lock,
		 * not a channel. The engine side then only copies between
		 * pinned pages and the bounce buffers, or maps them.
		 */
		pinned = pin_user_pages_fast(uaddr - off, npages,
					     from_dev ? FOLL_WRITE : 0, pages);
		if (pinned != npages) {
			if (pinned > 0)
				unpin_user_pages(pages, pinned);
			ret = pinned < 0 ? pinned : -EFAULT;
			break;
		}
		ret = akida_dma_batch(adev, dir, pages, npages, off, axi + done, n,
				      &taken);
		if (taken) {
			/* The quarantine owns the array and its pins now. */
			pages = kvmalloc_array(AKIDA_PIN_BATCH, sizeof(*pages),
					       GFP_KERNEL);
			break;
		}
		unpin_user_pages_dirty_lock(pages, npages, from_dev);
		if (ret < 0)
			break;
		done += ret;
		if ((size_t)ret < n)
			break;
		if (done < len && fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	kvfree(pages);
	return done ? done : ret;
}

int akida_edma_reset(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	unsigned long flags;
	int ret = 0, d, i;

	if (down_write_killable(&e->reset_lock))
		return -EINTR;
	if (akida_dev_gone(adev)) {
		ret = -ENODEV;
	} else if (akida_dev_dead(adev)) {
		pci_err(adev->pdev, "eDMA reset: the device does not answer\n");
		ret = -EIO;
	} else {
		spin_lock_irqsave(&e->lock, flags);
		akida_edma_hw_off(e);
		akida_edma_hw_setup(adev);
		spin_unlock_irqrestore(&e->lock, flags);
		/*
		 * No one holds a channel. Disabling the engine halts every
		 * channel: confirm it, which also lets the memory of wedged
		 * channels go.
		 */
		for (d = 0; d < AKIDA_DMA_NR_DIRS; d++)
			for (i = 0; i < e->nr_ch; i++) {
				e->chan[d][i].suspect = true;
				if (akida_chan_settle(&e->chan[d][i],
						      AKIDA_EDMA_STOP_MS))
					ret = -EIO;
			}
	}
	up_write(&e->reset_lock);
	return ret;
}

void akida_edma_halt(struct akida_dev *adev, bool hw_ok)
{
	struct akida_edma *e = &adev->edma;
	unsigned long flags;
	int d;

	spin_lock_irqsave(&e->lock, flags);
	e->halted = true;
	/* Until the reset, the engine may still write their memory. */
	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++)
		akida_chans_abandon(e, d, AKIDA_CH_RESET);
	if (hw_ok)
		akida_edma_hw_off(e);
	spin_unlock_irqrestore(&e->lock, flags);
	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++)
		wake_up_all(&e->free_wq[d]);
	/*
	 * A barrier, not a lock held across the reset: once every holder of
	 * a channel is gone, the next one sees @halted and touches nothing.
	 */
	down_write(&e->reset_lock);
	up_write(&e->reset_lock);
}

int akida_edma_restart(struct akida_dev *adev)
{
	struct akida_edma *e = &adev->edma;
	unsigned long flags;
	int ret = 0, d, i;

	down_write(&e->reset_lock);
	spin_lock_irqsave(&e->lock, flags);
	akida_edma_hw_off(e);
	akida_edma_hw_setup(adev);
	spin_unlock_irqrestore(&e->lock, flags);
	/* The reset stopped every channel: confirm it, let the quarantine go. */
	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++)
		for (i = 0; i < e->nr_ch; i++) {
			struct akida_edma_chan *ch = &e->chan[d][i];

			spin_lock_irqsave(&e->lock, flags);
			ch->state = AKIDA_CH_IDLE;
			spin_unlock_irqrestore(&e->lock, flags);
			ch->suspect = true;
			if (akida_chan_settle(ch, AKIDA_EDMA_STOP_MS))
				ret = -EIO;
		}
	if (!ret) {
		spin_lock_irqsave(&e->lock, flags);
		e->halted = false;
		spin_unlock_irqrestore(&e->lock, flags);
	}
	up_write(&e->reset_lock);
	return ret;
}
