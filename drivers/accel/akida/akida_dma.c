// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: AKIDA_IOCTL_DMA, a checked vector of transfers between the
 * caller's memory and its device memory allocations.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"

/* One checked entry of AKIDA_IOCTL_DMA. */
static int akida_dma_entry_run(struct akida_file *af,
			       const struct akida_dma_entry *ent)
{
	struct akida_dev *adev = af->adev;
	bool to_dev = ent->dir == AKIDA_DIR_TO_DEVICE;
	ssize_t done;

	if (to_dev)
		akida_job_invalidate(&adev->job, ent->dev_addr, ent->size);
	/* Pins the user pages first, then enters the device guard. */
	done = akida_dma_user(adev, to_dev ? AKIDA_DMA_TO_DEVICE :
			      AKIDA_DMA_FROM_DEVICE,
			      u64_to_user_ptr(ent->user_ptr), ent->dev_addr,
			      ent->size);
	/*
	 * And again now that the write is over: a job that loaded the program
	 * while the write was under way took a torn image for the new one.
	 */
	if (to_dev)
		akida_job_invalidate(&adev->job, ent->dev_addr, ent->size);
	if (done > 0)
		akida_count_bytes(&adev->job, &af->job, to_dev, done);
	if (done < 0)
		return done;
	return done == ent->size ? 0 : -EIO;
}

/**
 * akida_dma_vector() - AKIDA_IOCTL_DMA: run a checked vector of transfers.
 * @af: The file.
 * @ent: The entries (copied from user space, not yet checked).
 * @count: Number of entries.
 *
 * Return: 0 or a negative errno (entries before the failing one are done).
 */
int akida_dma_vector(struct akida_file *af, const struct akida_dma_entry *ent,
		     unsigned int count)
{
	struct akida_dev *adev = af->adev;
	struct akida_job_engine *eng = &adev->job;
	struct akida_mem **mems;
	unsigned int i, n = 0;
	int ret = 0;

	for (i = 0; i < count; i++) {
		if (ent[i].flags || !ent[i].size ||
		    (ent[i].dir != AKIDA_DIR_TO_DEVICE &&
		     ent[i].dir != AKIDA_DIR_FROM_DEVICE)) {
			dev_dbg(&adev->dev, "dma: bad entry %u (flags %#x dir %u size %llu)\n",
				i, ent[i].flags, ent[i].dir, ent[i].size);
			return -EINVAL;
		}
		if (ent[i].size > SSIZE_MAX ||
		    ent[i].user_ptr + ent[i].size < ent[i].user_ptr ||
		    !akida_uptr_ok(ent[i].user_ptr, ent[i].size) ||
		    !access_ok(u64_to_user_ptr(ent[i].user_ptr), ent[i].size)) {
			dev_dbg(&adev->dev, "dma: bad user buffer in entry %u\n", i);
			return -EFAULT;
		}
	}

	mems = kvmalloc_array(count, sizeof(*mems), GFP_KERNEL);
	if (!mems)
		return -ENOMEM;
	/* Hold the allocations so that they cannot be freed under the DMA. */
	mutex_lock(&eng->mem_lock);
	for (i = 0; i < count; i++) {
		mems[i] = akida_mem_lookup(af, ent[i].dev_addr, ent[i].size);
		if (!mems[i]) {
			dev_dbg(&adev->dev, "dma: entry %u [%#llx, +%#llx) is not in the caller's memory\n",
				i, ent[i].dev_addr, ent[i].size);
			ret = -EINVAL;
			break;
		}
		mems[i]->users++;
		n++;
	}
	mutex_unlock(&eng->mem_lock);

	for (i = 0; !ret && i < count; i++)
		ret = akida_dma_entry_run(af, &ent[i]);

	mutex_lock(&eng->mem_lock);
	for (i = 0; i < n; i++)
		mems[i]->users--;
	mutex_unlock(&eng->mem_lock);
	kvfree(mems);
	return ret;
}
