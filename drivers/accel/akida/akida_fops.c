// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: /dev/akidaN, BrainChip's ABI.
 *
 * pread()/pwrite() at file offset = AXI address move data between the
 * caller's buffer and any AXI target (LPDDR, SRAM, NPU registers) by eDMA;
 * llseek() sets the offset (SEEK_SET, SEEK_CUR; no SEEK_END); mmap() maps
 * BAR0 (the NPU registers) uncached, offset relative to BAR0. Ranges that
 * touch the reserved DMA RAM or the PCIe controller's registers are refused
 * with -EINVAL. The ioctls are in akida_ioctl.c.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "akida_drv.h"

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
 * Return: 0, or -EINVAL (with a message) for a range outside the 32-bit AXI
 * space or touching the reserved DMA RAM (the eDMA lists) or the DBI window
 * (the PCIe controller, eDMA and iATU registers, which the driver owns).
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
		dev_err_ratelimited(&adev->dev,
				    "%#llx+%#zx touches the reserved DMA RAM %#llx..%#llx\n",
				    pos, len, adev->dma_ram_base,
				    adev->dma_ram_base + adev->dma_ram_size - 1);
		return -EINVAL;
	}
	if (len && akida_overlaps(pos, len, info->dbi_axi, adev->dbi_len)) {
		dev_err_ratelimited(&adev->dev,
				    "%#llx+%#zx touches the PCIe controller registers (reserved to the driver)\n",
				    pos, len);
		return -EINVAL;
	}
	return 0;
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
	ssize_t ret;

	ret = akida_check_user_range(adev, *ppos, count);
	if (ret || !count)
		return ret;
	/* It enters the device guard itself, once the user pages are pinned. */
	ret = akida_dma_user(adev, dir, buf, *ppos, count);
	if (ret > 0)
		*ppos += ret;
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

/* BAR0, uncached, at offset 0 of the BAR (BrainChip's AKD1000 ABI). */
static int akida_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct akida_file *af = filp->private_data;
	struct akida_dev *adev = af->adev;
	unsigned long bar_pages = adev->bar0_len >> PAGE_SHIFT;
	unsigned long pages = vma_pages(vma);
	int idx, ret;

	if (vma->vm_pgoff >= bar_pages || pages > bar_pages - vma->vm_pgoff) {
		dev_dbg(&adev->dev, "mmap of %lu pages at page %lu is outside BAR0 (%lu pages)\n",
			pages, vma->vm_pgoff, bar_pages);
		return -EINVAL;
	}
	ret = akida_dev_enter(adev, &idx);
	if (ret)
		return ret;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	ret = io_remap_pfn_range(vma, vma->vm_start,
				 (adev->bar0_start >> PAGE_SHIFT) + vma->vm_pgoff,
				 pages << PAGE_SHIFT, vma->vm_page_prot);
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
