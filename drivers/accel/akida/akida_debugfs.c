// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: diagnostics and debugfs.
 *
 * /sys/kernel/debug/akida/akidaN/ holds read-only files (the formats are
 * in Documentation/accel/akida.rst, "debugfs"):
 *
 *   registers  the eDMA's global registers and the NPU registers that
 *              HARDWARE.md documents (on an NPU without the [model]
 *              interface, its identity registers only); no channel window,
 *              which would need a viewport write
 *   iatu       the inbound iATU regions as probe programmed them
 *   channels   each eDMA channel: idle, busy or quarantined
 *   jobs       the job engine's pipeline and queues
 *   faults     the last AKIDA_FAULT_RING faults
 *   counters   interrupt, poll, DMA and reset counters
 *
 * Nothing here writes a register. The directory is not under DRM's
 * /sys/kernel/debug/accel/: that one belongs to the DRM accel core, which
 * creates it and numbers its entries by DRM minor, and akida_pcie is not a
 * DRM driver. Remove calls akida_debugfs_fini() first, which waits for every
 * reader; readers that touch the hardware also hold akida_dev_enter().
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/akida.h>

#include "akida_debugfs.h"
#include "akida_drv.h"
#include "akida_job_priv.h"
#include "akida_npu_regs.h"
#include "akida_regs.h"

/* /sys/kernel/debug/akida, or an error pointer (debugfs_*() accept it). */
static struct dentry *akida_debugfs_root;

void akida_diag_init(struct akida_dev *adev)
{
	spin_lock_init(&adev->diag.lock);
}

/**
 * akida_diag_fault() - record a fault in the device's ring.
 * @adev: The device.
 * @f: The fault; its time stamp is set here.
 *
 * Context: any (the lock is IRQ-safe).
 */
void akida_diag_fault(struct akida_dev *adev, struct akida_fault *f)
{
	struct akida_diag *d = &adev->diag;
	unsigned long flags;

	f->ts_ns = ktime_get_ns();
	spin_lock_irqsave(&d->lock, flags);
	d->faults[d->fault_next] = *f;
	d->fault_next = (d->fault_next + 1) % AKIDA_FAULT_RING;
	d->nr_faults++;
	spin_unlock_irqrestore(&d->lock, flags);
}

/* Note what probe wrote into inbound region @index, and what it read back. */
void akida_diag_iatu(struct akida_dev *adev, unsigned int index, u32 bar,
		     u32 target, u32 ctrl2, u32 rb_ctrl2, u32 rb_target)
{
	struct akida_iatu_rec *r;

	if (index >= AKIDA_IATU_REGIONS)
		return;
	r = &adev->diag.iatu[index];
	r->bar = bar;
	r->target = target;
	r->ctrl2 = ctrl2;
	r->rb_ctrl2 = rb_ctrl2;
	r->rb_target = rb_target;
	r->valid = true;
}

static const char *const akida_dir_names[AKIDA_DMA_NR_DIRS] = {
	[AKIDA_DMA_TO_DEVICE] = "h2d",
	[AKIDA_DMA_FROM_DEVICE] = "d2h",
};

/* ---- registers ---- */

struct akida_reg_desc {
	const char *name;
	u32 off;
};

#define AKIDA_REG(r)	{ #r, AKIDA_##r }

/* eDMA global registers (legacy format). No doorbell, no clear register. */
static const struct akida_reg_desc akida_edma_regs[] = {
	AKIDA_REG(EDMA_CTRL),
	AKIDA_REG(EDMA_WR_ENGINE_EN),
	AKIDA_REG(EDMA_RD_ENGINE_EN),
	AKIDA_REG(EDMA_WR_INT_STATUS),
	AKIDA_REG(EDMA_WR_INT_MASK),
	AKIDA_REG(EDMA_WR_ERR_STATUS),
	AKIDA_REG(EDMA_WR_DONE_IMWR_LO),
	AKIDA_REG(EDMA_WR_DONE_IMWR_HI),
	AKIDA_REG(EDMA_WR_ABORT_IMWR_LO),
	AKIDA_REG(EDMA_WR_ABORT_IMWR_HI),
	AKIDA_REG(EDMA_WR_CH01_IMWR_DATA),
	AKIDA_REG(EDMA_WR_LL_ERR_EN),
	AKIDA_REG(EDMA_RD_INT_STATUS),
	AKIDA_REG(EDMA_RD_INT_MASK),
	AKIDA_REG(EDMA_RD_ERR_STATUS_LO),
	AKIDA_REG(EDMA_RD_ERR_STATUS_HI),
	AKIDA_REG(EDMA_RD_LL_ERR_EN),
	AKIDA_REG(EDMA_RD_DONE_IMWR_LO),
	AKIDA_REG(EDMA_RD_DONE_IMWR_HI),
	AKIDA_REG(EDMA_RD_ABORT_IMWR_LO),
	AKIDA_REG(EDMA_RD_ABORT_IMWR_HI),
	AKIDA_REG(EDMA_RD_CH01_IMWR_DATA),
	AKIDA_REG(EDMA_VIEWPORT_SEL),
};

/* NPU identity registers ([probed]): read on every NPU. */
static const struct akida_reg_desc akida_npu_ident_regs[] = {
	AKIDA_REG(NPU_DEVICE_ID),
	AKIDA_REG(NPU_NP_COUNT),
	AKIDA_REG(NPU_SRAM_REGION_0),
	AKIDA_REG(NPU_SRAM_REGION_1),
	AKIDA_REG(NPU_DMA_MESH_CONFIG),
	{ "NPU_NP_ENABLE0", AKIDA_NPU_NP_ENABLE(0) },
	{ "NPU_NP_ENABLE1", AKIDA_NPU_NP_ENABLE(1) },
	{ "NPU_NP_ENABLE2", AKIDA_NPU_NP_ENABLE(2) },
	{ "NPU_NP_ENABLE3", AKIDA_NPU_NP_ENABLE(3) },
	{ "NPU_NP_ENABLE4", AKIDA_NPU_NP_ENABLE(4) },
	{ "NPU_NP_ENABLE5", AKIDA_NPU_NP_ENABLE(5) },
};

/*
 * The [model] command interface: only when probe recognised it. The
 * command triggers (MODEL_LOAD, WEIGHT_UPDATE, INFER_START) are left out.
 */
static const struct akida_reg_desc akida_npu_model_regs[] = {
	AKIDA_REG(NPU_VERSION),
	AKIDA_REG(NPU_STATUS),
	AKIDA_REG(NPU_IFACE_MAGIC),
	AKIDA_REG(NPU_CONTROL),
	AKIDA_REG(NPU_CLOCK_MODE),
	AKIDA_REG(NPU_IRQ_STATUS),
	AKIDA_REG(NPU_IRQ_ENABLE),
	AKIDA_REG(NPU_IMWR_ADDR_LO),
	AKIDA_REG(NPU_IMWR_ADDR_HI),
	AKIDA_REG(NPU_IMWR_DATA),
	AKIDA_REG(NPU_MODEL_ADDR_LO),
	AKIDA_REG(NPU_MODEL_ADDR_HI),
	AKIDA_REG(NPU_MODEL_SIZE),
	AKIDA_REG(NPU_WEIGHT_LAYER),
	AKIDA_REG(NPU_WEIGHT_ADDR_LO),
	AKIDA_REG(NPU_WEIGHT_ADDR_HI),
	AKIDA_REG(NPU_INPUT_ADDR_LO),
	AKIDA_REG(NPU_INPUT_ADDR_HI),
	AKIDA_REG(NPU_INPUT_SIZE),
	AKIDA_REG(NPU_OUTPUT_ADDR_LO),
	AKIDA_REG(NPU_OUTPUT_ADDR_HI),
	AKIDA_REG(NPU_OUTPUT_SIZE),
	AKIDA_REG(NPU_INFER_STATUS),
	AKIDA_REG(NPU_ERROR_CODE),
};

static void akida_dump_regs(struct seq_file *m, const char *block,
			    void __iomem *base,
			    const struct akida_reg_desc *regs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		seq_printf(m, "%-4s %-24s 0x%04x 0x%08x\n", block, regs[i].name,
			   regs[i].off, readl(base + regs[i].off));
}

static int registers_show(struct seq_file *m, void *unused)
{
	struct akida_dev *adev = m->private;
	int idx;

	/* Reading them is a use: bring the device to D0. */
	if (akida_pm_get(adev))
		return -EIO;
	if (akida_dev_enter(adev, &idx)) {
		akida_pm_put(adev);
		return -ENODEV;
	}
	akida_dump_regs(m, "edma", adev->edma.regs, akida_edma_regs,
			ARRAY_SIZE(akida_edma_regs));
	akida_dump_regs(m, "npu", adev->bar0, akida_npu_ident_regs,
			ARRAY_SIZE(akida_npu_ident_regs));
	if (adev->model_iface)
		akida_dump_regs(m, "npu", adev->bar0, akida_npu_model_regs,
				ARRAY_SIZE(akida_npu_model_regs));
	akida_dev_exit(adev, idx);
	akida_pm_put(adev);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(registers);

/* ---- iATU ---- */

static int iatu_show(struct seq_file *m, void *unused)
{
	struct akida_dev *adev = m->private;
	unsigned int i;

	for (i = 0; i < AKIDA_IATU_REGIONS; i++) {
		const struct akida_iatu_rec *r = &adev->diag.iatu[i];

		if (!r->valid)
			continue;
		seq_printf(m, "region=%u bar=%u target=0x%08x size=0x%llx ctrl2=0x%08x rb_ctrl2=0x%08x rb_target=0x%08x\n",
			   i, r->bar, r->target,
			   (u64)pci_resource_len(adev->pdev, r->bar), r->ctrl2,
			   r->rb_ctrl2, r->rb_target);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iatu);

/* ---- eDMA channels ---- */

static const char *const akida_chan_state_names[] = {
	[AKIDA_CH_IDLE] = "idle",
	[AKIDA_CH_RUNNING] = "running",
	[AKIDA_CH_DONE] = "done",
	[AKIDA_CH_ABORTED] = "aborted",
	[AKIDA_CH_GONE] = "gone",
};

static int channels_show(struct seq_file *m, void *unused)
{
	struct akida_dev *adev = m->private;
	struct akida_edma *e = &adev->edma;
	unsigned long flags, free;
	int d, i;

	for (d = 0; d < AKIDA_DMA_NR_DIRS; d++) {
		spin_lock(&e->free_wq[d].lock);
		free = e->free[d];
		spin_unlock(&e->free_wq[d].lock);
		for (i = 0; i < e->nr_ch; i++) {
			struct akida_edma_chan *ch = &e->chan[d][i];
			enum akida_chan_state st;
			bool wedged, taken = !(free & BIT(i));
			const char *what;
			u64 bytes;
			u32 err;

			spin_lock_irqsave(&e->lock, flags);
			st = ch->state;
			wedged = ch->wedged;
			bytes = ch->bytes;
			err = ch->err;
			spin_unlock_irqrestore(&e->lock, flags);
			if (wedged)
				what = "quarantined";
			else if (taken || st != AKIDA_CH_IDLE)
				what = "busy";
			else
				what = "idle";
			seq_printf(m, "%s%d %s state=%s held=%d suspect=%d wedged=%d bytes=%llu err=0x%x\n",
				   akida_dir_names[d], i, what,
				   st < ARRAY_SIZE(akida_chan_state_names) ?
				   akida_chan_state_names[st] : "?",
				   taken, READ_ONCE(ch->suspect), wedged, bytes, err);
		}
	}
	seq_printf(m, "quarantined_buffers=%u\n", akida_dma_quarantined(adev));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(channels);

/* ---- jobs ---- */

static const char *const akida_job_state_names[] = {
	[AKIDA_JS_QUEUED] = "queued",
	[AKIDA_JS_READY] = "ready",
	[AKIDA_JS_RUNNING] = "running",
	[AKIDA_JS_RAN] = "ran",
	[AKIDA_JS_DONE] = "done",
};

static const char *const akida_step_names[] = {
	[AKIDA_STEP_NONE] = "none",
	[AKIDA_STEP_PROGRAM] = "program",
	[AKIDA_STEP_WEIGHTS] = "weights",
	[AKIDA_STEP_INPUT] = "input",
	[AKIDA_STEP_RUN] = "run",
	[AKIDA_STEP_OUTPUT] = "output",
	[AKIDA_STEP_QUEUE] = "queue",
};

static const char *akida_step_name(u32 step)
{
	return step < ARRAY_SIZE(akida_step_names) ? akida_step_names[step] : "?";
}

static void akida_show_job(struct seq_file *m, const struct akida_job *job,
			   unsigned int file)
{
	seq_printf(m, "job=%llu file=%u state=%s step=%s batch=%u in_dma=%u out_dma=%u\n",
		   job->id, file,
		   job->state < ARRAY_SIZE(akida_job_state_names) ?
		   akida_job_state_names[job->state] : "?",
		   akida_step_name(READ_ONCE(job->cur_step)), job->batch,
		   job->n_in, job->n_out);
}

static int jobs_show(struct seq_file *m, void *unused)
{
	struct akida_dev *adev = m->private;
	struct akida_job_engine *eng = &adev->job;
	unsigned int np = 0, nq = 0, f = 0;
	struct akida_job_file *jf;
	struct akida_job *job;

	spin_lock(&eng->lock);
	list_for_each_entry(job, &eng->pipeline, node)
		np++;
	list_for_each_entry(jf, &eng->rr, rr_node)
		list_for_each_entry(job, &jf->queue, node)
			nq++;
	seq_printf(m, "pipeline=%u queued=%u stop=%d\n", np, nq, eng->stop);
	list_for_each_entry(job, &eng->pipeline, node)
		akida_show_job(m, job, 0);
	list_for_each_entry(jf, &eng->rr, rr_node) {
		f++;
		list_for_each_entry(job, &jf->queue, node)
			akida_show_job(m, job, f);
	}
	spin_unlock(&eng->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(jobs);

/* ---- faults ---- */

static const char *const akida_fault_names[] = {
	[AKIDA_FAULT_DMA_ABORT] = "dma_abort",
	[AKIDA_FAULT_DMA_TIMEOUT] = "dma_timeout",
	[AKIDA_FAULT_NPU_ERROR] = "npu_error",
	[AKIDA_FAULT_NPU_TIMEOUT] = "npu_timeout",
};

static int faults_show(struct seq_file *m, void *unused)
{
	struct akida_dev *adev = m->private;
	struct akida_diag *d = &adev->diag;
	struct akida_fault *ring;
	unsigned int next, i, n;
	unsigned long flags;
	u64 total;

	ring = kmalloc_array(AKIDA_FAULT_RING, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	spin_lock_irqsave(&d->lock, flags);
	memcpy(ring, d->faults, AKIDA_FAULT_RING * sizeof(*ring));
	next = d->fault_next;
	total = d->nr_faults;
	spin_unlock_irqrestore(&d->lock, flags);

	n = min_t(u64, total, AKIDA_FAULT_RING);
	seq_printf(m, "faults=%llu shown=%u\n", total, n);
	/* Oldest first. */
	for (i = 0; i < n; i++) {
		const struct akida_fault *f =
			&ring[(next + AKIDA_FAULT_RING - n + i) % AKIDA_FAULT_RING];
		u64 us = div_u64(f->ts_ns, NSEC_PER_USEC);

		seq_printf(m, "[%5llu.%06llu] %s", div_u64(us, USEC_PER_SEC),
			   us % USEC_PER_SEC,
			   f->kind < ARRAY_SIZE(akida_fault_names) ?
			   akida_fault_names[f->kind] : "?");
		if (f->kind == AKIDA_FAULT_DMA_ABORT || f->kind == AKIDA_FAULT_DMA_TIMEOUT)
			seq_printf(m, " dir=%s ch=%u axi=0x%08x bytes=%llu err=0x%x\n",
				   f->dir < AKIDA_DMA_NR_DIRS ? akida_dir_names[f->dir] : "?",
				   f->ch, f->axi, f->bytes, f->code);
		else
			seq_printf(m, " job=%llu step=%s code=%u\n", f->job,
				   akida_step_name(f->step), f->code);
	}
	kfree(ring);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(faults);

/* ---- counters ---- */

static int counters_show(struct seq_file *m, void *unused)
{
	struct akida_dev *adev = m->private;
	struct akida_diag *d = &adev->diag;
	struct akida_edma *e = &adev->edma;
	u64 resets, nr_faults;
	unsigned long flags;
	int i;

	seq_printf(m, "npu_irqs: %lld\n", (s64)atomic64_read(&d->npu_irqs));
	for (i = 0; i < AKIDA_DMA_NR_DIRS; i++)
		seq_printf(m, "edma_irqs_%s: %lld\n", akida_dir_names[i],
			   (s64)atomic64_read(&d->edma_irqs[i]));
	seq_printf(m, "npu_poll_naps: %lld\n", (s64)atomic64_read(&d->npu_poll_naps));
	seq_printf(m, "npu_lost_irqs: %lld\n", (s64)atomic64_read(&d->npu_lost_irqs));
	for (i = 0; i < AKIDA_DMA_NR_DIRS; i++) {
		const struct akida_edma_stats *st = &e->stats[i];
		const char *n = akida_dir_names[i];

		seq_printf(m, "dma_%s_transfers: %lld\n", n, (s64)atomic64_read(&st->transfers));
		seq_printf(m, "dma_%s_bytes: %lld\n", n, (s64)atomic64_read(&st->bytes));
		seq_printf(m, "dma_%s_aborts: %lld\n", n, (s64)atomic64_read(&st->aborts));
		seq_printf(m, "dma_%s_timeouts: %lld\n", n, (s64)atomic64_read(&st->timeouts));
	}
	spin_lock(&adev->job.lock);
	resets = adev->job.counters.resets;
	spin_unlock(&adev->job.lock);
	spin_lock_irqsave(&d->lock, flags);
	nr_faults = d->nr_faults;
	spin_unlock_irqrestore(&d->lock, flags);
	seq_printf(m, "resets: %llu\n", resets);
	seq_printf(m, "faults: %llu\n", nr_faults);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counters);

/* ---- set-up ---- */

/** akida_debugfs_register() - create /sys/kernel/debug/akida (module init). */
void akida_debugfs_register(void)
{
	akida_debugfs_root = debugfs_create_dir("akida", NULL);
}

/** akida_debugfs_unregister() - remove it (module exit, no device left). */
void akida_debugfs_unregister(void)
{
	debugfs_remove_recursive(akida_debugfs_root);
	akida_debugfs_root = NULL;
}

/**
 * akida_debugfs_init() - create the device's directory and files.
 * @adev: The device, fully probed.
 *
 * Failures are not errors (the files are a debugging aid).
 */
void akida_debugfs_init(struct akida_dev *adev)
{
	struct dentry *dir;

	if (IS_ERR_OR_NULL(akida_debugfs_root))
		return;
	dir = debugfs_create_dir(dev_name(&adev->dev), akida_debugfs_root);
	if (IS_ERR(dir))
		return;
	/* Register reads cost link time and touch the chip: root only. */
	debugfs_create_file("registers", 0400, dir, adev, &registers_fops);
	debugfs_create_file("iatu", 0444, dir, adev, &iatu_fops);
	debugfs_create_file("channels", 0444, dir, adev, &channels_fops);
	debugfs_create_file("jobs", 0444, dir, adev, &jobs_fops);
	debugfs_create_file("faults", 0444, dir, adev, &faults_fops);
	debugfs_create_file("counters", 0444, dir, adev, &counters_fops);
	adev->diag.dir = dir;
}

/**
 * akida_debugfs_fini() - remove the device's directory.
 * @adev: The device.
 *
 * Waits for every reader of its files to return; later opens fail. Call
 * before remove tears anything down.
 */
void akida_debugfs_fini(struct akida_dev *adev)
{
	debugfs_remove_recursive(adev->diag.dir);
	adev->diag.dir = NULL;
}
