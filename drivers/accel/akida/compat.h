/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: every difference between the kernels we build for (5.10 to
 * 7.2, see scripts/matrix.sh) lives here, and only here. Each shim names the
 * kernel that introduced the newer interface; the driver uses the newer one.
 */
#ifndef AKIDA_COMPAT_H
#define AKIDA_COMPAT_H

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/version.h>

/* SSIZE_MAX: in <linux/limits.h> from Linux 6.0. */
#ifndef SSIZE_MAX
#define SSIZE_MAX	((ssize_t)(SIZE_MAX >> 1))
#endif

/*
 * AKIDA_PCI_DEV_GROUPS() - the sysfs attribute groups of every bound device,
 * in a struct pci_driver initializer. struct pci_driver.dev_groups appeared
 * in Linux 5.14 (and the PCI core copies it over the driver core's field
 * from then on); before, the driver core's own device_driver.dev_groups
 * (Linux 5.4) does the same.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
#define AKIDA_PCI_DEV_GROUPS(groups)	.dev_groups = (groups)
#else
#define AKIDA_PCI_DEV_GROUPS(groups)	.driver.dev_groups = (groups)
#endif

/*
 * akida_vm_flags_set()/akida_vm_flags_clear() - change a VMA's flags from an
 * mmap handler. vm_flags_set()/vm_flags_clear() appeared in Linux 6.3, which
 * made vm_area_struct.vm_flags read-only.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline void akida_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void akida_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else
static inline void akida_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void akida_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * akida_write64() - write @val to a 64-bit register or list-element field
 * made of two 32-bit halves, the low one at @lo and the high one at @lo + 4,
 * as two 32-bit writes, low half first.
 *
 * A platform rule rather than a kernel one: the chip's registers are 32 bits
 * wide, some hosts' PCIe controllers cannot issue 64-bit MMIO at all (the
 * Raspberry Pi CM4's), and 32-bit kernels have no writeq(). The driver never
 * uses writeq(); its 64-bit addresses go through here.
 */
static inline void akida_write64(u64 val, void __iomem *lo)
{
	writel(lower_32_bits(val), lo);
	writel(upper_32_bits(val), lo + 4);
}

/*
 * akida_pcim_iomap_bar() - request and map one BAR, managed.
 *
 * pcim_iomap_region() appeared in 6.11; pcim_iomap_regions() and
 * pcim_iomap_table() are deprecated since. Returns an IOMEM_ERR_PTR().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static inline void __iomem *akida_pcim_iomap_bar(struct pci_dev *pdev, int bar,
						 const char *name)
{
	return pcim_iomap_region(pdev, bar, name);
}
#else
static inline void __iomem *akida_pcim_iomap_bar(struct pci_dev *pdev, int bar,
						 const char *name)
{
	int ret = pcim_iomap_regions(pdev, BIT(bar), name);

	if (ret)
		return IOMEM_ERR_PTR(ret);
	return pcim_iomap_table(pdev)[bar];
}
#endif

/*
 * akida_sg_alloc_table_from_pages() - an sg_table of @n_pages pages, merging
 * physically contiguous ones into segments of at most @max_segment bytes.
 * sg_alloc_table_from_pages_segment() appeared in Linux 5.15; before,
 * __sg_alloc_table_from_pages() (with its append arguments since 5.10) did
 * the same.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 15, 0)
static inline int akida_sg_alloc_table_from_pages(struct sg_table *sgt, struct page **pages,
						  unsigned int n_pages, unsigned int offset,
						  unsigned long size, unsigned int max_segment,
						  gfp_t gfp)
{
	return sg_alloc_table_from_pages_segment(sgt, pages, n_pages, offset, size,
						 max_segment, gfp);
}
#else
static inline int akida_sg_alloc_table_from_pages(struct sg_table *sgt, struct page **pages,
						  unsigned int n_pages, unsigned int offset,
						  unsigned long size, unsigned int max_segment,
						  gfp_t gfp)
{
	return PTR_ERR_OR_ZERO(__sg_alloc_table_from_pages(sgt, pages, n_pages, offset, size,
							   max_segment, NULL, 0, gfp));
}
#endif

/*
 * AKIDA_HAVE_COR_ERROR_DETECTED: struct pci_error_handlers has
 * cor_error_detected(), through which AER reports correctable errors to the
 * driver (Linux 6.3). Before, the driver does not hear of them (the PCI
 * core still counts them in aer_dev_correctable).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define AKIDA_HAVE_COR_ERROR_DETECTED
#endif

/*
 * akida_enable_error_reporting() - let the device report errors to AER.
 * Since Linux 6.5 the PCI core enables it for every device when AER is
 * native (and pci_enable_pcie_error_reporting() went away); before, the
 * driver asked for it.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
static inline void akida_enable_error_reporting(struct pci_dev *pdev)
{
}
#else
#include <linux/aer.h>
static inline void akida_enable_error_reporting(struct pci_dev *pdev)
{
	/* Fails only without native AER: then there is nothing to report to. */
	pci_enable_pcie_error_reporting(pdev);
}
#endif

/*
 * akida_pm_runtime_get_if_active() - take a runtime-PM reference only if
 * the device is active, whatever its usage count. Linux 6.9 dropped the
 * ign_usage_count argument (always true since).
 */
#include <linux/pm_runtime.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
static inline int akida_pm_runtime_get_if_active(struct device *dev)
{
	return pm_runtime_get_if_active(dev);
}
#else
static inline int akida_pm_runtime_get_if_active(struct device *dev)
{
	return pm_runtime_get_if_active(dev, true);
}
#endif

/*
 * SYSTEM_SLEEP_PM_OPS() and RUNTIME_PM_OPS() appeared in Linux 5.17; before,
 * the SET_ forms did the same for CONFIG_PM_SLEEP/CONFIG_PM kernels.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
#define SYSTEM_SLEEP_PM_OPS(s, r)	SET_SYSTEM_SLEEP_PM_OPS(s, r)
#define RUNTIME_PM_OPS(s, r, i)		SET_RUNTIME_PM_OPS(s, r, i)
#endif

#endif /* AKIDA_COMPAT_H */
