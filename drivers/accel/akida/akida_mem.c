// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: device memory (LPDDR) allocations owned by open files.
 *
 * The allocator hands out LPDDR between the end of the reserved DMA-RAM area
 * and the end of LPDDR, first fit, in multiples of AKIDA_MEM_GRANULE. Every
 * allocation belongs to one file; the ioctl data path (AKIDA_IOCTL_DMA and
 * jobs) only accepts device ranges that lie within one allocation of the
 * calling file. The raw read/write path does not use this allocator.
 */
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "akida_drv.h"
#include "akida_job.h"

static void akida_mem_count(struct akida_file *af, struct akida_mem *mem,
			    bool add)
{
	struct akida_job_engine *eng = &af->adev->job;

	spin_lock(&eng->lock);
	if (add) {
		eng->counters.mem_bytes += mem->size;
		eng->counters.mem_allocs++;
		af->job.counters.mem_bytes += mem->size;
		af->job.counters.mem_allocs++;
	} else {
		eng->counters.mem_bytes -= mem->size;
		eng->counters.mem_allocs--;
		af->job.counters.mem_bytes -= mem->size;
		af->job.counters.mem_allocs--;
	}
	spin_unlock(&eng->lock);
}

/**
 * akida_mem_alloc() - allocate device memory for a file.
 * @af: The file.
 * @size: Bytes (1 .. managed size); rounded up to AKIDA_MEM_GRANULE.
 * @align: 0 for AKIDA_MEM_GRANULE, else a power of two in
 *	[AKIDA_MEM_GRANULE, AKIDA_MEM_MAX_ALIGN].
 * @addr: Out: AXI address.
 *
 * Return: 0, -EINVAL (bad size or alignment), -ENOSPC (no room, or the file
 * holds AKIDA_MEM_MAX_ALLOCS allocations), -ENOMEM.
 */
int akida_mem_alloc(struct akida_file *af, u64 size, u64 align, u64 *addr)
{
	struct akida_dev *adev = af->adev;
	struct akida_job_engine *eng = &adev->job;
	struct list_head *pos, *insert;
	struct akida_mem *mem, *cur;
	unsigned int nr = 0;
	u64 start;
	int ret;

	if (!align)
		align = AKIDA_MEM_GRANULE;
	if (!is_power_of_2(align) || align < AKIDA_MEM_GRANULE ||
	    align > AKIDA_MEM_MAX_ALIGN) {
		dev_dbg(&adev->dev, "mem alloc: bad alignment %#llx\n", align);
		return -EINVAL;
	}
	if (!size || size > eng->mem_end - eng->mem_base) {
		dev_dbg(&adev->dev, "mem alloc: bad size %llu\n", size);
		return -EINVAL;
	}
	size = round_up(size, AKIDA_MEM_GRANULE);

	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;

	mutex_lock(&eng->mem_lock);
	list_for_each_entry(cur, &af->job.mems, file_node)
		nr++;
	if (nr >= AKIDA_MEM_MAX_ALLOCS) {
		dev_dbg(&adev->dev, "mem alloc: file holds %u allocations\n", nr);
		ret = -ENOSPC;
		goto err_unlock;
	}

	/* First fit: try the gap before each allocation, then the tail. */
	start = round_up(eng->mem_base, align);
	insert = &eng->mem_list;
	list_for_each(pos, &eng->mem_list) {
		cur = list_entry(pos, struct akida_mem, dev_node);
		if (start + size <= cur->addr) {
			insert = pos;
			break;
		}
		start = round_up(cur->addr + cur->size, align);
	}
	if (start + size > eng->mem_end || start < eng->mem_base) {
		ret = -ENOSPC;
		goto err_unlock;
	}

	mem->addr = start;
	mem->size = size;
	mem->owner = af;
	/* Before @insert (the first allocation above us), or at the tail. */
	list_add_tail(&mem->dev_node, insert);
	list_add_tail(&mem->file_node, &af->job.mems);
	akida_mem_count(af, mem, true);
	mutex_unlock(&eng->mem_lock);

	*addr = start;
	return 0;

err_unlock:
	mutex_unlock(&eng->mem_lock);
	kfree(mem);
	return ret;
}

/**
 * akida_mem_free() - free one of the file's allocations.
 * @af: The file.
 * @addr: Its AXI address.
 *
 * Return: 0, -ENOENT (not an allocation of this file), -EBUSY (a job that
 * is not complete uses it).
 */
int akida_mem_free(struct akida_file *af, u64 addr)
{
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_mem *mem;
	int ret = -ENOENT;

	mutex_lock(&eng->mem_lock);
	list_for_each_entry(mem, &af->job.mems, file_node) {
		if (mem->addr != addr)
			continue;
		if (mem->users) {
			ret = -EBUSY;
			break;
		}
		list_del(&mem->dev_node);
		list_del(&mem->file_node);
		akida_mem_count(af, mem, false);
		akida_job_invalidate(eng, mem->addr, mem->size);
		kfree(mem);
		ret = 0;
		break;
	}
	mutex_unlock(&eng->mem_lock);
	return ret;
}

/**
 * akida_mem_release() - free every allocation of a closing file.
 * @af: The file; none of its jobs may be in flight.
 */
void akida_mem_release(struct akida_file *af)
{
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_mem *mem, *tmp;

	mutex_lock(&eng->mem_lock);
	list_for_each_entry_safe(mem, tmp, &af->job.mems, file_node) {
		WARN_ON(mem->users);
		list_del(&mem->dev_node);
		list_del(&mem->file_node);
		akida_mem_count(af, mem, false);
		akida_job_invalidate(eng, mem->addr, mem->size);
		kfree(mem);
	}
	mutex_unlock(&eng->mem_lock);
}

/**
 * akida_mem_lookup() - find the file's allocation holding a device range.
 * @af: The file.
 * @addr: AXI address.
 * @len: Bytes (at least 1).
 *
 * Context: the caller holds akida_job_engine.mem_lock.
 * Return: the allocation holding all of [@addr, @addr + @len), or NULL.
 */
struct akida_mem *akida_mem_lookup(struct akida_file *af, u64 addr, u64 len)
{
	struct akida_mem *mem;

	lockdep_assert_held(&af->adev->job.mem_lock);
	if (!len || addr + len < addr)
		return NULL;
	list_for_each_entry(mem, &af->job.mems, file_node) {
		if (addr >= mem->addr && addr + len <= mem->addr + mem->size)
			return mem;
	}
	return NULL;
}
