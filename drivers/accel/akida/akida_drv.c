// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: PCI driver for the BrainChip Akida AKD1000 NPU.
 *
 * Probe programs the chip's inbound iATU so that its BARs reach the NPU
 * registers, the PCIe controller (with the eDMA) and LPDDR, maps them, sets
 * the DMA mask, takes one MSI/MSI-X vector, starts the eDMA engine and the
 * job engine, and registers /dev/akidaN last. Remove undoes it in reverse,
 * safely with files open and transfers in flight.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/iopoll.h>
#include <linux/kdev_t.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "akida_drv.h"
#include "akida_regs.h"
#include "compat.h"

unsigned int akida_dma_timeout_ms = 3000;
module_param_named(dma_timeout_ms, akida_dma_timeout_ms, uint, 0644);
MODULE_PARM_DESC(dma_timeout_ms,
		 "Time a DMA list may take before its channel is stopped and reset (ms, 10 to 60000) [3000]");

bool akida_dma_pinned;
module_param_named(dma_pinned, akida_dma_pinned, bool, 0644);
MODULE_PARM_DESC(dma_pinned,
		 "read()/write() DMA straight from pinned user pages instead of bounce buffers [0]");

unsigned int akida_bounce_kib = 512;
module_param_named(bounce_kib, akida_bounce_kib, uint, 0444);
MODULE_PARM_DESC(bounce_kib,
		 "Size of each of the 2 bounce buffers per eDMA channel (KiB, 16..4096) [512]");

bool akida_unsafe_raw;
module_param_named(unsafe_raw, akida_unsafe_raw, bool, 0644);
MODULE_PARM_DESC(unsafe_raw,
		 "Files opened with CAP_SYS_RAWIO while set may write the NPU command registers and map them writable, as the vendor's driver allows; without an IOMMU that lets the chip write anywhere in host memory [0]");

static unsigned int akida_dma_ram_size = 0x100;
module_param_named(dma_ram_size, akida_dma_ram_size, uint, 0444);
MODULE_PARM_DESC(dma_ram_size,
		 "Bytes reserved at the start of LPDDR for eDMA lists (multiple of 0x100, up to 4 MiB) [0x100]");

/* How long the chip may take to answer through a freshly programmed iATU. */
#define AKIDA_IATU_READY_US	1000000

static DEFINE_IDA(akida_ida);
static dev_t akida_devt;

static struct class akida_class = {
	.name = "akida",
};

static const struct akida_chip_info akida_akd1000_info = {
	.name = "AKD1000",
	.device_id = 0x194000a1,
	.npu_bar = 0,
	.dbi_bar = 2,
	.mem_bar = 4,
	.npu_axi = 0xfcc00000,
	.dbi_axi = 0xf8c00000,
	.mem_axi = 0x20000000,
	.edma_offset = 0x970,
	.wr_channels = 2,
	.rd_channels = 2,
	.sram_axi = 0x10000000,
};

static const struct akida_chip_info akida_akd1500_info = {
	.name = "AKD1500",
	.unsupported = "its DW HDMA (native register format) is not supported yet",
};

/**
 * akida_dev_dead() - does the device no longer answer?
 * @adev: The device.
 *
 * True after a surprise removal or while the link is down: reads of its
 * registers return all ones.
 */
bool akida_dev_dead(struct akida_dev *adev)
{
	return pci_dev_is_disconnected(adev->pdev) ||
	       readl(adev->bar0 + AKIDA_NPU_DEVICE_ID) == U32_MAX;
}

/**
 * akida_msi_get() - the MSI message of the device's vector.
 * @adev: The device.
 * @addr: Address to program into an IMWr address register.
 * @data: Data to program into an IMWr data register.
 *
 * The message can change while the device is bound (the vector moves to
 * another CPU when interrupts are not remapped): fetch it again before each
 * use.
 */
void akida_msi_get(struct akida_dev *adev, u64 *addr, u32 *data)
{
	struct msi_msg msg;

	get_cached_msi_msg(adev->irq, &msg);
	*addr = ((u64)msg.address_hi << 32) | msg.address_lo;
	*data = msg.data;
}

static irqreturn_t akida_irq(int irq, void *data)
{
	struct akida_dev *adev = data;

	/*
	 * The eDMA and the NPU each post their own MSI write: an interrupt the
	 * eDMA claims needs no NPU register read. Nothing pending: not ours
	 * (spurious or replayed), so let the core count it.
	 */
	if (akida_edma_irq(adev))
		return IRQ_HANDLED;
	return akida_job_irq(adev) ? IRQ_HANDLED : IRQ_NONE;
}

/*
 * Program one inbound iATU region in BAR-match mode and read it back: a
 * region that does not hold what we wrote means the configuration writes
 * did not reach the controller.
 */
static int akida_iatu_program(struct akida_dev *adev, unsigned int index,
			      unsigned int bar, u32 target)
{
	struct pci_dev *pdev = adev->pdev;
	u32 ctrl2 = AKIDA_IATU_CTRL2_ENABLE | AKIDA_IATU_CTRL2_BAR_MATCH |
		    AKIDA_IATU_CTRL2_FUNC_EN | FIELD_PREP(AKIDA_IATU_CTRL2_BAR, bar);
	u32 check = AKIDA_IATU_CTRL2_ENABLE | AKIDA_IATU_CTRL2_BAR_MATCH |
		    AKIDA_IATU_CTRL2_BAR;
	u32 rb_ctrl2 = 0, rb_target = 0;

	pci_write_config_dword(pdev, AKIDA_IATU_VIEWPORT,
			       AKIDA_IATU_VIEWPORT_INBOUND | index);
	pci_write_config_dword(pdev, AKIDA_IATU_CTRL1, 0);
	pci_write_config_dword(pdev, AKIDA_IATU_TARGET_LO, target);
	pci_write_config_dword(pdev, AKIDA_IATU_TARGET_HI, 0);
	pci_write_config_dword(pdev, AKIDA_IATU_CTRL2, ctrl2);

	pci_read_config_dword(pdev, AKIDA_IATU_CTRL2, &rb_ctrl2);
	pci_read_config_dword(pdev, AKIDA_IATU_TARGET_LO, &rb_target);
	akida_diag_iatu(adev, index, bar, target, ctrl2, rb_ctrl2, rb_target);
	if ((rb_ctrl2 & check) != (ctrl2 & check) || rb_target != target) {
		pci_err(pdev, "iATU inbound region %u (BAR%u -> AXI %#x) does not hold: ctrl2 %#x target %#x\n",
			index, bar, target, rb_ctrl2, rb_target);
		return -EIO;
	}
	return 0;
}

static int akida_iatu_setup(struct akida_dev *adev)
{
	const struct akida_chip_info *info = adev->info;
	int ret;

	/*
	 * The vendor's regions: 0 for BAR0, 1 for BAR2, 2 for BAR4. A region
	 * decodes some time after its last write (HARDWARE.md section 2), and
	 * akida_wait_ready() polls BAR0 only: program BAR0's region last, so
	 * that once BAR0 answers the other two do too. This matters right
	 * after a reset, when the eDMA (BAR2) and its lists (BAR4) are used at
	 * once.
	 */
	ret = akida_iatu_program(adev, 2, info->mem_bar, info->mem_axi);
	if (!ret)
		ret = akida_iatu_program(adev, 1, info->dbi_bar, info->dbi_axi);
	if (!ret)
		ret = akida_iatu_program(adev, 0, info->npu_bar, info->npu_axi);
	return ret;
}

/*
 * The vendor sleeps one second after programming the iATU. Instead, poll
 * the NPU's DEVICE_ID through BAR0 until it answers (bounded by one second):
 * on the emulator the first read already answers, so probe takes no sleep.
 */
static int akida_wait_ready(struct akida_dev *adev)
{
	ktime_t start = ktime_get();
	u32 id;
	int ret;

	ret = readl_poll_timeout(adev->bar0 + AKIDA_NPU_DEVICE_ID, id, id != U32_MAX,
				 1000, AKIDA_IATU_READY_US);
	if (ret) {
		pci_err(adev->pdev, "the NPU does not answer through BAR0 after programming the iATU\n");
		return -ENODEV;
	}
	pci_dbg(adev->pdev, "iATU ready after %lld us\n",
		ktime_us_delta(ktime_get(), start));
	if (id != adev->info->device_id) {
		pci_err(adev->pdev, "unexpected NPU DEVICE_ID %#x (expected %#x for %s)\n",
			id, adev->info->device_id, adev->info->name);
		return -ENODEV;
	}
	return 0;
}

/**
 * akida_hw_reinit() - make the BARs decode again after a function reset.
 * @adev: The device.
 *
 * Linux restores the standard configuration space around a reset, not the
 * iATU viewport registers (HARDWARE.md section 8): program the inbound
 * regions again and wait, bounded, until the NPU answers through BAR0.
 *
 * Return: 0, -EIO or -ENODEV.
 */
int akida_hw_reinit(struct akida_dev *adev)
{
	int ret = akida_iatu_setup(adev);

	if (!ret)
		ret = akida_wait_ready(adev);
	return ret;
}

static int akida_map_bars(struct akida_dev *adev)
{
	const struct akida_chip_info *info = adev->info;
	struct pci_dev *pdev = adev->pdev;
	void __iomem *p;

	/*
	 * BAR0 is mapped but not claimed, as BrainChip's driver does: it is
	 * shared with userspace by design (mmap() of /dev/akidaN), and a
	 * claimed region cannot be mapped through sysfs (resource0) on kernels
	 * with CONFIG_IO_STRICT_DEVMEM, which is how the emulator's test
	 * window is reached.
	 */
	p = pcim_iomap(pdev, info->npu_bar, 0);
	if (!p) {
		p = IOMEM_ERR_PTR(-ENOMEM);
		goto err;
	}
	adev->bar0 = p;
	adev->bar0_start = pci_resource_start(pdev, info->npu_bar);
	adev->bar0_len = pci_resource_len(pdev, info->npu_bar);

	p = akida_pcim_iomap_bar(pdev, info->dbi_bar, AKIDA_DRIVER_NAME);
	if (IS_ERR(p))
		goto err;
	adev->dbi = p;
	adev->dbi_len = pci_resource_len(pdev, info->dbi_bar);

	p = akida_pcim_iomap_bar(pdev, info->mem_bar, AKIDA_DRIVER_NAME);
	if (IS_ERR(p))
		goto err;
	adev->mem = p;
	adev->mem_len = pci_resource_len(pdev, info->mem_bar);

	if (adev->dbi_len < info->edma_offset + SZ_4K) {
		pci_err(pdev, "BAR%u is too small for the eDMA registers\n", info->dbi_bar);
		return -ENODEV;
	}
	return 0;
err:
	pci_err(pdev, "cannot map BARs 0, 2 and 4 (%ld)\n", PTR_ERR(p));
	return PTR_ERR(p);
}

static int akida_set_dma_mask(struct pci_dev *pdev)
{
	int ret;

	/* One list element moves up to AKIDA_DMA_SEG_MAX contiguous bytes. */
	dma_set_max_seg_size(&pdev->dev, AKIDA_DMA_SEG_MAX);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (!ret)
		return 0;
	pci_warn(pdev, "64-bit DMA not available (%d), using 32-bit\n", ret);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret)
		pci_err(pdev, "no usable DMA mask (%d)\n", ret);
	return ret;
}

/* LPDDR and the reserved DMA RAM at its start. */
static int akida_layout(struct akida_dev *adev)
{
	struct pci_dev *pdev = adev->pdev;
	u32 size = akida_dma_ram_size;

	adev->lpddr_base = adev->info->mem_axi;
	adev->lpddr_size = adev->mem_len;
	if (size < 0x100 || size % 0x100 || size > SZ_4M || size > adev->mem_len) {
		pci_err(pdev, "dma_ram_size=%#x: must be a multiple of 0x100, at least 0x100, at most 4 MiB and inside BAR4 (%pa bytes)\n",
			size, &adev->mem_len);
		return -EINVAL;
	}
	adev->dma_ram_base = adev->lpddr_base;
	adev->dma_ram_size = size;
	if (size != 0x100)
		pci_info(pdev, "reserved DMA RAM: %#x bytes at %#llx; BrainChip's userspace expects 0x100\n",
			 size, adev->dma_ram_base);
	return 0;
}

/*
 * Identity registers, and whether the NPU has the [model] command interface
 * (HARDWARE.md section 4). Only reads: until IFACE_MAGIC and VERSION's
 * major say that the interface is there, no register of it may be written.
 */
static void akida_read_identity(struct akida_dev *adev)
{
	u32 magic, version;

	adev->np_count = readl(adev->bar0 + AKIDA_NPU_NP_COUNT);
	adev->sram_size = readl(adev->bar0 + AKIDA_NPU_SRAM_REGION_0);

	magic = readl(adev->bar0 + AKIDA_NPU_IFACE_MAGIC);
	version = readl(adev->bar0 + AKIDA_NPU_VERSION);
	adev->model_iface = magic == AKIDA_NPU_IFACE_MAGIC_VALUE &&
			    FIELD_GET(AKIDA_NPU_VERSION_MAJOR, version) ==
			    AKIDA_NPU_IFACE_MAJOR;
	if (adev->model_iface) {
		adev->npu_version = version;
		return;
	}
	pci_info(adev->pdev,
		 "NPU command interface not recognised (IFACE_MAGIC %#x, VERSION %#x): jobs, program loads and NPU interrupts are off and no NPU command register is written; the raw interface, DMA and memory ioctls remain\n",
		 magic, version);
}

static void akida_dev_release(struct device *dev)
{
	struct akida_dev *adev = container_of(dev, struct akida_dev, dev);

	cleanup_srcu_struct(&adev->srcu);
	mutex_destroy(&adev->files_lock);
	ida_free(&akida_ida, adev->minor);
	pci_dev_put(adev->pdev);
	kfree(adev);
}

/*
 * Open files lose their mappings of BAR0 (later accesses get SIGBUS), and
 * every poll() waiter wakes to see EPOLLHUP, busy file or idle.
 */
static void akida_hangup_files(struct akida_dev *adev)
{
	struct akida_file *af;

	mutex_lock(&adev->files_lock);
	list_for_each_entry(af, &adev->files, node) {
		unmap_mapping_range(af->filp->f_mapping, 0, 0, 1);
		wake_up_all(&af->job.wq);
	}
	mutex_unlock(&adev->files_lock);
}

static struct akida_dev *akida_dev_alloc(struct pci_dev *pdev,
					 const struct akida_chip_info *info)
{
	struct akida_dev *adev;
	int minor, ret;

	adev = kzalloc(sizeof(*adev), GFP_KERNEL);
	if (!adev)
		return ERR_PTR(-ENOMEM);
	ret = init_srcu_struct(&adev->srcu);
	if (ret) {
		kfree(adev);
		return ERR_PTR(ret);
	}
	minor = ida_alloc_max(&akida_ida, AKIDA_MAX_DEVICES - 1, GFP_KERNEL);
	if (minor < 0) {
		pci_err(pdev, "no free device number (%d)\n", minor);
		cleanup_srcu_struct(&adev->srcu);
		kfree(adev);
		return ERR_PTR(minor);
	}
	adev->pdev = pci_dev_get(pdev);
	adev->info = info;
	adev->minor = minor;
	mutex_init(&adev->files_lock);
	INIT_LIST_HEAD(&adev->files);
	init_rwsem(&adev->raw_lock);
	akida_diag_init(adev);
	akida_recovery_init(adev);

	/* From here on, put_device() frees everything above. */
	device_initialize(&adev->dev);
	adev->dev.class = &akida_class;
	adev->dev.parent = &pdev->dev;
	adev->dev.devt = MKDEV(MAJOR(akida_devt), minor);
	adev->dev.release = akida_dev_release;
	ret = dev_set_name(&adev->dev, "akida%d", minor);
	if (ret) {
		put_device(&adev->dev);
		return ERR_PTR(ret);
	}
	return adev;
}

static int akida_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	const struct akida_chip_info *info = (const void *)id->driver_data;
	struct akida_dev *adev;
	int ret;

	if (info->unsupported) {
		pci_info(pdev, "%s (%04x:%04x) not supported: %s\n", info->name,
			 pdev->vendor, pdev->device, info->unsupported);
		return -ENODEV;
	}

	/*
	 * The vendor disables ASPM L0s and L1 because the AKD1000 stops
	 * working when its link enters them.
	 */
	ret = pci_disable_link_state(pdev, PCIE_LINK_STATE_L0S | PCIE_LINK_STATE_L1);
	if (ret)
		pci_warn(pdev, "cannot disable ASPM L0s/L1 (%d); the link may stall\n", ret);

	ret = pcim_enable_device(pdev);
	if (ret) {
		pci_err(pdev, "cannot enable the device (%d)\n", ret);
		return ret;
	}
	pci_set_master(pdev);

	adev = akida_dev_alloc(pdev, info);
	if (IS_ERR(adev))
		return PTR_ERR(adev);

	ret = akida_iatu_setup(adev);
	if (ret)
		goto err_put;
	ret = akida_map_bars(adev);
	if (ret)
		goto err_put;
	ret = akida_wait_ready(adev);
	if (ret)
		goto err_put;
	ret = akida_set_dma_mask(pdev);
	if (ret)
		goto err_put;
	ret = akida_layout(adev);
	if (ret)
		goto err_put;
	akida_read_identity(adev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX | PCI_IRQ_MSI);
	if (ret < 0) {
		pci_err(pdev, "cannot get an MSI or MSI-X vector (%d)\n", ret);
		goto err_put;
	}
	adev->irq = pci_irq_vector(pdev, 0);
	/* Enabled once the engines can take an interrupt. */
	ret = request_irq(adev->irq, akida_irq, IRQF_NO_AUTOEN, dev_name(&adev->dev), adev);
	if (ret) {
		pci_err(pdev, "cannot request IRQ %d (%d)\n", adev->irq, ret);
		goto err_put;
	}

	ret = akida_edma_init(adev);
	if (ret)
		goto err_free_irq;
	enable_irq(adev->irq);

	ret = akida_job_init(adev);
	if (ret) {
		pci_err(pdev, "cannot start the job engine (%d)\n", ret);
		goto err_edma_fini;
	}

	pci_set_drvdata(pdev, adev);
	cdev_init(&adev->cdev, &akida_fops);
	adev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&adev->cdev, &adev->dev);
	if (ret) {
		pci_err(pdev, "cannot register /dev/%s (%d)\n", dev_name(&adev->dev), ret);
		goto err_job_fini;
	}

	akida_enable_error_reporting(pdev);
	/* What slot_reset restores after a reset of the link (AER). */
	pci_save_state(pdev);
	akida_debugfs_init(adev);
	akida_pm_init(adev);
	pci_info(pdev, "%s: %s, %u NPs, %u KiB SRAM, %llu MiB LPDDR, %s, %s\n",
		 dev_name(&adev->dev), info->name, adev->np_count, adev->sram_size / SZ_1K,
		 adev->lpddr_size / SZ_1M, pdev->msix_enabled ? "MSI-X" : "MSI",
		 adev->model_iface ? "jobs" : "raw interface only");
	return 0;

err_job_fini:
	pci_set_drvdata(pdev, NULL);
	WRITE_ONCE(adev->gone, true);
	akida_job_fini(adev);
	akida_npu_quiesce(adev);
	akida_edma_fini(adev);
	free_irq(adev->irq, adev);
	akida_job_cleanup(adev);
	goto err_put;
err_edma_fini:
	disable_irq(adev->irq);
	akida_edma_fini(adev);
err_free_irq:
	free_irq(adev->irq, adev);
err_put:
	put_device(&adev->dev);
	return ret;
}

static void akida_remove(struct pci_dev *pdev)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);
	bool dead;

	/* The PCI core resumed the device: it stays in D0 from here. */
	akida_pm_fini(adev);
	/* Waits for the debugfs readers: nothing below has them to fear. */
	akida_debugfs_fini(adev);
	/* No new opens. Open files stay, and get -ENODEV from now on. */
	cdev_device_del(&adev->cdev, &adev->dev);

	WRITE_ONCE(adev->gone, true);
	/*
	 * A device that still answers finishes the lists it runs (each is
	 * bounded) before their buffers go; one that does not answer cannot
	 * touch them any more, so its waiters wake with -ENODEV at once.
	 */
	dead = akida_dev_dead(adev);
	akida_edma_wake(adev, dead);
	akida_job_fini(adev);
	synchronize_srcu(&adev->srcu);

	akida_hangup_files(adev);
	/*
	 * Quiesce the NPU and the eDMA (engines off, bus mastering off), then
	 * free the interrupt, then the memory the engines wrote.
	 */
	akida_npu_quiesce(adev);
	akida_edma_fini(adev);
	free_irq(adev->irq, adev);
	akida_job_cleanup(adev);
	pci_set_drvdata(pdev, NULL);
	pci_info(pdev, "%s removed%s\n", dev_name(&adev->dev),
		 dead ? " (device not answering)" : "");
	put_device(&adev->dev);
}

static const struct pci_device_id akida_pci_ids[] = {
	{ PCI_DEVICE(0x1e7c, 0xbca1), .driver_data = (kernel_ulong_t)&akida_akd1000_info },
	{ PCI_DEVICE(0x1e7c, 0xa500), .driver_data = (kernel_ulong_t)&akida_akd1500_info },
	{ }
};
MODULE_DEVICE_TABLE(pci, akida_pci_ids);

static struct pci_driver akida_pci_driver = {
	.name = AKIDA_DRIVER_NAME,
	.id_table = akida_pci_ids,
	.probe = akida_probe,
	.remove = akida_remove,
	.shutdown = akida_shutdown,
	.err_handler = &akida_err_handlers,
	.driver.pm = pm_ptr(&akida_pm_ops),
	AKIDA_PCI_DEV_GROUPS(akida_pci_groups),
};

static int __init akida_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&akida_devt, 0, AKIDA_MAX_DEVICES, "akida");
	if (ret)
		return ret;
	ret = class_register(&akida_class);
	if (ret)
		goto err_chrdev;
	akida_debugfs_register();
	ret = pci_register_driver(&akida_pci_driver);
	if (ret)
		goto err_debugfs;
	return 0;

err_debugfs:
	akida_debugfs_unregister();
	class_unregister(&akida_class);
err_chrdev:
	unregister_chrdev_region(akida_devt, AKIDA_MAX_DEVICES);
	return ret;
}
module_init(akida_init);

static void __exit akida_exit(void)
{
	pci_unregister_driver(&akida_pci_driver);
	akida_debugfs_unregister();
	class_unregister(&akida_class);
	unregister_chrdev_region(akida_devt, AKIDA_MAX_DEVICES);
	ida_destroy(&akida_ida);
}
module_exit(akida_exit);

MODULE_DESCRIPTION("BrainChip Akida AKD1000 NPU PCIe driver");
MODULE_AUTHOR("The akida_pcie authors");
MODULE_LICENSE("GPL");
