/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: every difference between the kernels we build for (6.1 to
 * 6.12 and later) lives here, and only here.
 */
#ifndef AKIDA_COMPAT_H
#define AKIDA_COMPAT_H

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/version.h>

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

#endif /* AKIDA_COMPAT_H */
