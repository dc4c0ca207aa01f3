// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the host buffers of a job.
 *
 * A job names host buffers by DMA vectors. Submit copies and checks each
 * vector, then pins the pages and builds their scatter lists; inputs are
 * DMA-mapped at once, outputs only around their DMA (see akida_xfer_pin()).
 * Buffers scattered over more segments than one DMA list holds are marked
 * for the engine's staging buffer instead.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"

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
