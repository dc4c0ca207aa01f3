// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: /dev/akidaN, BrainChip's ABI.
 *
 * pread()/pwrite() at file offset = AXI address move data between the
 * caller's buffer and any AXI target (LPDDR, SRAM, NPU registers) by eDMA;
 * llseek() sets the offset (SEEK_SET, SEEK_CUR; no SEEK_END); mmap() maps
 * BAR0 (the NPU registers) uncached, offset relative to BAR0. The ioctls are
 * in akida_ioctl.c. A file that touches the NPU registers (read()/write()
 * there, or mmap()) keeps the device in D0 until it is closed (akida_pm.c).
 *
 * Raw-access policy (Documentation/accel/akida.rst, "Threat model"): nothing
 * that decides where the chip writes in host memory is reachable:
 *  - the reserved DMA RAM (the eDMA lists) and the PCIe controller's DBI
 *    space (eDMA, with its IMWr registers, and iATU) are refused with
 *    -EINVAL, as are the emulator's test window and anything outside the
 *    32-bit AXI space;
 *  - on an NPU with the [model] command interface its registers (NPU_IMWR_*,
 *    IRQ_ENABLE, OUTPUT_ADDR, ...) belong to the job engine: raw writes to
 *    them fail with -EPERM and BAR0 maps read-only over them. An NPU without
 *    the interface keeps BrainChip's raw register access;
 *  - LPDDR that another file holds through AKIDA_IOCTL_MEM_ALLOC is refused
 *    with -EACCES.
 * A file opened with CAP_SYS_RAWIO while the unsafe_raw module parameter is
 * set skips the last two rules, as the vendor's driver does.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "akida_drv.h"
#include "akida_regs.h"

static bool akida_overlaps(u64 pos, u64 len, u64 base, u64 size)
{
	return pos < base + size && base < pos + len;
}

/**
 * akida_check_user_range() - may a transfer use this AXI range?
 * @adev: The device.
 * @pos: AXI address.
 * @len: Bytes.
 *
 * Return: 0, or -EINVAL for a range outside the 32-bit AXI space or touching
 * the reserved DMA RAM (the eDMA lists), the DBI window (the PCIe
 * controller, eDMA and iATU registers, which the driver owns) or the
 * emulator's test window.
 */
int akida_check_user_range(struct akida_dev *adev, loff_t pos, size_t len)
{
	const struct akida_chip_info *info = adev->info;

	if (pos < 0 || pos >= AKIDA_AXI_SPACE || len > AKIDA_AXI_SPACE - pos) {
		dev_dbg(&adev->dev, "%#llx+%#zx is outside the 32-bit AXI space\n",
			pos, len);
		return -EINVAL;
	}
	if (len && akida_overlaps(pos, len, adev->dma_ram_base, adev->dma_ram_size)) {
		dev_dbg_ratelimited(&adev->dev,
				    "%#llx+%#zx touches the reserved DMA RAM %#llx..%#llx\n",
				    pos, len, adev->dma_ram_base,
				    adev->dma_ram_base + adev->dma_ram_size - 1);
		return -EINVAL;
	}
	if (len && akida_overlaps(pos, len, info->dbi_axi, adev->dbi_len)) {
		dev_dbg_ratelimited(&adev->dev,
				    "%#llx+%#zx touches the PCIe controller registers (reserved to the driver)\n",
				    pos, len);
		return -EINVAL;
	}
	if (len && akida_overlaps(pos, len, (u64)info->npu_axi + AKIDA_BAR0_TEST_WINDOW,
				  AKIDA_BAR0_TEST_WINDOW_SIZE)) {
		dev_dbg_ratelimited(&adev->dev, "%#llx+%#zx touches the emulator's test window\n",
				    pos, len);
		return -EINVAL;
	}
	return 0;
}

/*
 * Raw writes to the [model] command registers: the job engine's alone (they
 * include NPU_IMWR_*, which aim the chip's MSI write anywhere in host
 * memory, and OUTPUT_ADDR, which aims the NPU at the eDMA lists).
 */
static int akida_check_raw_write(struct akida_file *af, u64 pos, u64 len)
{
	struct akida_dev *adev = af->adev;
	u64 base = (u64)adev->info->npu_axi + AKIDA_NPU_MODEL_START;

	if (!adev->model_iface || af->rawio ||
	    !akida_overlaps(pos, len, base, AKIDA_NPU_MODEL_END - AKIDA_NPU_MODEL_START))
		return 0;
	dev_dbg_ratelimited(&adev->dev,
			    "raw write %#llx+%#llx to the NPU command registers refused\n",
			    pos, len);
	return -EPERM;
}

/*
 * Raw access to LPDDR that another file allocated. Called with
 * akida_dev.raw_lock held for reading, so no allocation can appear in the
 * range until the transfer is over.
 */
static int akida_check_raw_owner(struct akida_file *af, u64 pos, u64 len)
{
	struct akida_dev *adev = af->adev;
	struct akida_job_engine *eng = &adev->job;
	struct akida_mem *mem;
	int ret = 0;

	if (af->rawio)
		return 0;
	mutex_lock(&eng->mem_lock);
	list_for_each_entry(mem, &eng->mem_list, dev_node) {
		if (mem->addr >= pos + len)
			break;
		if (mem->owner != af && akida_overlaps(pos, len, mem->addr, mem->size)) {
			ret = -EACCES;
			break;
		}
	}
	mutex_unlock(&eng->mem_lock);
	if (ret)
		dev_dbg_ratelimited(&adev->dev,
				    "raw access %#llx+%#llx to another file's device memory refused\n",
				    pos, len);
	return ret;
}

static int akida_open(struct inode *inode, struct file *filp)
{
	struct akida_dev *adev = container_of(inode->i_cdev, struct akida_dev, cdev);
	struct akida_file *af;
	int idx, ret;

	ret = akida_dev_enter(adev, &idx);
	if (ret)
		return ret;

	af = kzalloc(sizeof(*af), GFP_KERNEL);
	if (!af) {
		ret = -ENOMEM;
		goto out;
	}
	af->adev = adev;
	af->filp = filp;
	af->rawio = READ_ONCE(akida_unsafe_raw) && capable(CAP_SYS_RAWIO);
	ret = akida_job_open(af);
	if (ret) {
		kfree(af);
		goto out;
	}
	get_device(&adev->dev);
	mutex_lock(&adev->files_lock);
	list_add_tail(&af->node, &adev->files);
	mutex_unlock(&adev->files_lock);
	filp->private_data = af;
out:
	akida_dev_exit(adev, idx);
	return ret;
}

static int akida_release(struct inode *inode, struct file *filp)
{
	struct akida_file *af = filp->private_data;
	struct akida_dev *adev = af->adev;

	akida_job_release(af);
	akida_pm_unpin_file(af);
	mutex_lock(&adev->files_lock);
	list_del(&af->node);
	mutex_unlock(&adev->files_lock);
	kfree(af);
	put_device(&adev->dev);
	return 0;
}

static ssize_t akida_rw(struct file *filp, enum akida_dma_dir dir, void __user *buf,
			size_t count, loff_t *ppos)
{
	struct akida_file *af = filp->private_data;
	struct akida_dev *adev = af->adev;
	bool lpddr;
	ssize_t ret;

	ret = akida_check_user_range(adev, *ppos, count);
	if (ret || !count)
		return ret;
	if (dir == AKIDA_DMA_TO_DEVICE) {
		ret = akida_check_raw_write(af, *ppos, count);
		if (ret)
			return ret;
	}
	/*
	 * What a file writes to (or reads from, to act on) the NPU registers
	 * does not survive D3hot: such a file keeps the device in D0.
	 */
	if (akida_overlaps(*ppos, count, adev->info->npu_axi, adev->bar0_len)) {
		ret = akida_pm_pin_file(af);
		if (ret)
			return ret;
	}
	ret = akida_pm_get(adev);
	if (ret)
		return ret;
	lpddr = akida_overlaps(*ppos, count, adev->job.mem_base,
			       adev->job.mem_end - adev->job.mem_base);
	if (lpddr) {
		if (down_read_killable(&adev->raw_lock)) {
			akida_pm_put(adev);
			return -EINTR;
		}
		ret = akida_check_raw_owner(af, *ppos, count);
		if (ret)
			goto out_unlock;
	}
	if (dir == AKIDA_DMA_TO_DEVICE && lpddr)
		akida_job_invalidate(&adev->job, *ppos, count);
	/* It enters the device guard itself, once the user pages are pinned. */
	ret = akida_dma_user(adev, dir, buf, *ppos, count);
	if (ret > 0)
		*ppos += ret;
out_unlock:
	if (lpddr)
		up_read(&adev->raw_lock);
	akida_pm_put(adev);
	return ret;
}

static ssize_t akida_read(struct file *filp, char __user *buf, size_t count,
			  loff_t *ppos)
{
	return akida_rw(filp, AKIDA_DMA_FROM_DEVICE, buf, count, ppos);
}

static ssize_t akida_write(struct file *filp, const char __user *buf, size_t count,
			   loff_t *ppos)
{
	return akida_rw(filp, AKIDA_DMA_TO_DEVICE, (void __user *)buf, count, ppos);
}

static loff_t akida_llseek(struct file *filp, loff_t offset, int whence)
{
	return no_seek_end_llseek_size(filp, offset, whence, AKIDA_AXI_SPACE);
}

/* Map BAR0 pages [@first, @end) that fall in the mapping's window. */
static int akida_mmap_part(struct akida_dev *adev, struct vm_area_struct *vma,
			   unsigned long first, unsigned long end)
{
	first = max(first, vma->vm_pgoff);
	end = min(end, vma->vm_pgoff + vma_pages(vma));
	if (first >= end)
		return 0;
	return io_remap_pfn_range(vma, vma->vm_start + ((first - vma->vm_pgoff) << PAGE_SHIFT),
				  (adev->bar0_start >> PAGE_SHIFT) + first,
				  (end - first) << PAGE_SHIFT, vma->vm_page_prot);
}

/*
 * BAR0, uncached, at offset 0 of the BAR (BrainChip's AKD1000 ABI), shared
 * only. On an NPU with the [model] command interface a mapping that covers
 * it is read-only (PROT_WRITE: -EPERM; mprotect() cannot add it) unless the
 * file is privileged (akida_file.rawio). The emulator's test window is never
 * mapped: a mapping inside it is refused, one across it has a hole there
 * (SIGBUS on access).
 */
static int akida_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct akida_file *af = filp->private_data;
	struct akida_dev *adev = af->adev;
	unsigned long bar_pages = adev->bar0_len >> PAGE_SHIFT;
	unsigned long pages = vma_pages(vma);
	unsigned long win = AKIDA_BAR0_TEST_WINDOW >> PAGE_SHIFT;
	unsigned long win_end = win + (AKIDA_BAR0_TEST_WINDOW_SIZE >> PAGE_SHIFT);
	int idx, ret;

	/* A shared mapping of a read-only file has VM_MAYSHARE only. */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		dev_dbg(&adev->dev, "mmap: BAR0 can only be mapped shared\n");
		return -EINVAL;
	}
	if (vma->vm_pgoff >= bar_pages || pages > bar_pages - vma->vm_pgoff) {
		dev_dbg(&adev->dev, "mmap of %lu pages at page %lu is outside BAR0 (%lu pages)\n",
			pages, vma->vm_pgoff, bar_pages);
		return -EINVAL;
	}
	if (vma->vm_pgoff >= win && vma->vm_pgoff + pages <= win_end) {
		dev_dbg(&adev->dev, "mmap: the emulator's test window cannot be mapped\n");
		return -EINVAL;
	}
	if (adev->model_iface && !af->rawio &&
	    vma->vm_pgoff < DIV_ROUND_UP(AKIDA_NPU_MODEL_END, PAGE_SIZE)) {
		if (vma->vm_flags & VM_WRITE) {
			dev_dbg(&adev->dev, "mmap: the NPU command registers map read-only\n");
			return -EPERM;
		}
		akida_vm_flags_clear(vma, VM_MAYWRITE);
	}

	/* The registers lose their state in D3hot: keep D0 while open. */
	ret = akida_pm_pin_file(af);
	if (ret)
		return ret;
	ret = akida_dev_enter(adev, &idx);
	if (ret)
		return ret;
	akida_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTCOPY |
			   VM_DONTDUMP);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	ret = akida_mmap_part(adev, vma, 0, win);
	if (!ret)
		ret = akida_mmap_part(adev, vma, win_end, bar_pages);
	akida_dev_exit(adev, idx);
	return ret;
}

const struct file_operations akida_fops = {
	.owner = THIS_MODULE,
	.open = akida_open,
	.release = akida_release,
	.read = akida_read,
	.write = akida_write,
	.llseek = akida_llseek,
	.mmap = akida_mmap,
	.poll = akida_poll,
	.unlocked_ioctl = akida_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
