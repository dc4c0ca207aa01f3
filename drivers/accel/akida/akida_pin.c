// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the host buffers of a job.
 *
 * A job names host buffers by DMA vectors. Submit copies and checks each
 * vector, then pins the pages and builds their scatter lists; inputs are
 * DMA-mapped at once, outputs only around their DMA (see akida_xfer_pin()).
 * Buffers scattered over more segments than one DMA list holds are marked
 * for the engine's staging buffer instead. Before anything is pinned, the
 * job is charged for it (akida_job_charge()).
 */
#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"

static unsigned int max_pinned_mb = 256;
module_param(max_pinned_mb, uint, 0644);
MODULE_PARM_DESC(max_pinned_mb,
		 "Host memory one open file may have pinned for its jobs, MiB (default 256)");

static unsigned int max_dev_pinned_mb = 1024;
module_param(max_dev_pinned_mb, uint, 0644);
MODULE_PARM_DESC(max_dev_pinned_mb,
		 "Host memory all open files of one device may have pinned for their jobs, MiB (default 1024)");

/*
 * DMA-map a pinned buffer, or mark it for the staging buffer when it is
 * scattered over more segments than one DMA list holds (the default reserved
 * area holds two elements per channel): the worker then copies it through
 * the staging buffer, one element per chunk.
 */
int akida_xfer_map(struct akida_dev *adev, struct akida_xfer *x,
		   bool to_dev)
{
	enum dma_data_direction dir = to_dev ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	int ret;

	ret = dma_map_sgtable(&adev->pdev->dev, &x->sgt, dir, 0);
	if (ret)
		return ret;
	x->mapped = true;
	if (adev->job.stage_size &&
	    x->sgt.nents > adev->edma.chan[to_dev ? AKIDA_DMA_TO_DEVICE :
					   AKIDA_DMA_FROM_DEVICE][0].ll_max) {
		dma_unmap_sgtable(&adev->pdev->dev, &x->sgt, dir, 0);
		x->mapped = false;
		x->staged = true;
	}
	return 0;
}

void akida_xfer_unmap(struct akida_dev *adev, struct akida_xfer *x,
		      bool to_dev)
{
	if (x->mapped)
		dma_unmap_sgtable(&adev->pdev->dev, &x->sgt,
				  to_dev ? DMA_TO_DEVICE : DMA_FROM_DEVICE, 0);
	x->mapped = false;
}

void akida_xfer_release(struct akida_dev *adev, struct akida_xfer *x,
			bool to_dev)
{
	akida_xfer_unmap(adev, x, to_dev);
	if (x->sgt.sgl)
		sg_free_table(&x->sgt);
	x->sgt.sgl = NULL;
	if (x->pages) {
		/* The device wrote into pages it read back to the host. */
		unpin_user_pages_dirty_lock(x->pages, x->npages, !to_dev);
		kvfree(x->pages);
	}
	x->pages = NULL;
}

/*
 * The DMA of @x failed: if a wedged channel may still write it, hand its
 * pages and mapping to the eDMA quarantine instead of releasing them.
 */
void akida_xfer_quarantine(struct akida_dev *adev, struct akida_xfer *x,
			   bool to_dev)
{
	if (!akida_dma_quarantine(adev, &x->sgt, x->mapped,
				  to_dev ? DMA_TO_DEVICE : DMA_FROM_DEVICE,
				  x->pages, x->npages, !to_dev))
		return;
	x->mapped = false;
	x->pages = NULL;
	x->npages = 0;
}

int akida_xfer_pin(struct akida_dev *adev, struct akida_xfer *x,
		   bool to_dev)
{
	unsigned long start = x->uptr & PAGE_MASK;
	unsigned int offset = offset_in_page(x->uptr);
	unsigned int npages = DIV_ROUND_UP(offset + x->len, PAGE_SIZE);
	int pinned, ret;

	x->pages = kvmalloc_array(npages, sizeof(*x->pages), GFP_KERNEL);
	if (!x->pages)
		return -ENOMEM;
	/*
	 * Long-term: the pages stay pinned until the job completes, which the
	 * caller does not bound (FOLL_LONGTERM moves them out of CMA and
	 * movable zones first). Charged by akida_job_charge().
	 */
	pinned = pin_user_pages_fast(start, npages,
				     FOLL_LONGTERM | (to_dev ? 0 : FOLL_WRITE),
				     x->pages);
	if (pinned < 0) {
		kvfree(x->pages);
		x->pages = NULL;
		return pinned;
	}
	x->npages = pinned;
	if (pinned != npages) {
		ret = -EFAULT;
		goto err;
	}
	ret = sg_alloc_table_from_pages(&x->sgt, x->pages, npages, offset,
					x->len, GFP_KERNEL);
	if (ret)
		goto err;
	/*
	 * Inputs are mapped by submit, inside the device guard. Outputs are
	 * mapped by the worker around their DMA only: two jobs may name the
	 * same host output buffer, and overlapping device-writable mappings
	 * must not be live at once.
	 */
	return 0;
err:
	akida_xfer_release(adev, x, to_dev);
	return ret;
}

/* Copy, check and look up a user DMA vector for a job. */
int akida_job_get_xfers(struct akida_file *af, struct akida_job *job,
			u64 uptr, unsigned int count, bool to_dev,
			unsigned int first)
{
	struct akida_dev *adev = af->adev;
	struct akida_dma_entry *ent;
	unsigned int i;
	int ret = 0;

	if (!count)
		return 0;
	ent = kvmalloc_array(count, sizeof(*ent), GFP_KERNEL);
	if (!ent)
		return -ENOMEM;
	if (!akida_uptr_ok(uptr, (u64)count * sizeof(*ent)) ||
	    copy_from_user(ent, u64_to_user_ptr(uptr), count * sizeof(*ent))) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < count; i++) {
		struct akida_xfer *x = &job->xfers[first + i];

		if (ent[i].flags || ent[i].dir != (to_dev ? AKIDA_DIR_TO_DEVICE :
						   AKIDA_DIR_FROM_DEVICE) ||
		    !ent[i].size) {
			dev_dbg(&adev->dev, "job: bad %s entry %u (flags %#x dir %u size %llu)\n",
				to_dev ? "input" : "output", i, ent[i].flags,
				ent[i].dir, ent[i].size);
			ret = -EINVAL;
			goto out;
		}
		if (ent[i].user_ptr + ent[i].size < ent[i].user_ptr ||
		    !akida_uptr_ok(ent[i].user_ptr, ent[i].size) ||
		    !access_ok(u64_to_user_ptr(ent[i].user_ptr), ent[i].size)) {
			ret = -EFAULT;
			goto out;
		}
		x->uptr = ent[i].user_ptr;
		x->axi = ent[i].dev_addr;
		x->len = ent[i].size;
	}
out:
	kvfree(ent);
	return ret;
}

/* ---- pin accounting ---- */

/*
 * Charge the pins @job is about to take, before it takes them: to its file
 * (max_pinned_mb), to the device (max_dev_pinned_mb) and, in pages, to the
 * caller's mm->pinned_vm, bounded by RLIMIT_MEMLOCK unless the caller has
 * CAP_IPC_LOCK (as RDMA's umem and VFIO's type1 do). The xfers are looked up
 * but not pinned. akida_job_uncharge() undoes it, once.
 *
 * Return: 0; -E2BIG if the job alone exceeds a cap; -EAGAIN if the caps are
 * full with other pending jobs; -ENOMEM beyond RLIMIT_MEMLOCK.
 */
int akida_job_charge(struct akida_file *af, struct akida_job *job)
{
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_job_file *jf = &af->job;
	u64 file_lim = (u64)READ_ONCE(max_pinned_mb) << 20;
	u64 dev_lim = (u64)READ_ONCE(max_dev_pinned_mb) << 20;
	unsigned long pages = 0, lock_lim;
	u64 bytes = 0;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < job->n_in + job->n_out; i++) {
		struct akida_xfer *x = &job->xfers[i];

		bytes += x->len;
		pages += DIV_ROUND_UP(offset_in_page(x->uptr) + x->len, PAGE_SIZE);
	}
	if (!bytes)
		return 0;

	spin_lock(&eng->lock);
	if (bytes > file_lim || bytes > dev_lim)
		ret = -E2BIG;
	else if (jf->counters.pinned_bytes + bytes > file_lim ||
		 eng->counters.pinned_bytes + bytes > dev_lim)
		ret = -EAGAIN;
	if (!ret) {
		eng->counters.pinned_bytes += bytes;
		jf->counters.pinned_bytes += bytes;
		job->pinned = bytes;
	}
	spin_unlock(&eng->lock);
	if (ret) {
		dev_dbg(&af->adev->dev, "submit: %llu bytes to pin: over a cap (%d)\n",
			bytes, ret);
		return ret;
	}

	lock_lim = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	if (atomic64_add_return(pages, &current->mm->pinned_vm) > lock_lim &&
	    !capable(CAP_IPC_LOCK)) {
		atomic64_sub(pages, &current->mm->pinned_vm);
		dev_dbg(&af->adev->dev, "submit: %lu pages over RLIMIT_MEMLOCK\n",
			pages);
		return -ENOMEM;
	}
	mmgrab(current->mm);
	job->mm = current->mm;
	job->pinned_pages = pages;
	return 0;
}

/* Undo akida_job_charge(); a no-op the second time. */
void akida_job_uncharge(struct akida_job_engine *eng,
			struct akida_job *job)
{
	struct akida_job_file *jf = &job->af->job;

	if (job->mm) {
		atomic64_sub(job->pinned_pages, &job->mm->pinned_vm);
		mmdrop(job->mm);
		job->mm = NULL;
		job->pinned_pages = 0;
	}
	if (job->pinned) {
		spin_lock(&eng->lock);
		eng->counters.pinned_bytes -= job->pinned;
		jf->counters.pinned_bytes -= job->pinned;
		spin_unlock(&eng->lock);
		job->pinned = 0;
	}
}
