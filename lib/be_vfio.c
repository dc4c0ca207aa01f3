// SPDX-License-Identifier: MIT
/*
 * libakida: the VFIO backend. The device is bound to vfio-pci and driven
 * entirely from userspace:
 *  - container, group and device file descriptors (type 1 IOMMU);
 *  - BAR0 (NPU), BAR2 (DBI, eDMA at 0x970) and BAR4 (LPDDR) through the
 *    VFIO regions, mmap()ed when VFIO allows it, else pread/pwrite;
 *  - the inbound iATU regions programmed through the VFIO config region
 *    (HARDWARE.md section 2), bus mastering enabled there too;
 *  - one bounce buffer mapped for DMA with VFIO_IOMMU_MAP_DMA;
 *  - the eDMA in linked-list mode, lists in the reserved DMA RAM at the
 *    start of LPDDR (HARDWARE.md section 3);
 *  - MSI vector 0 delivered to an eventfd (VFIO_DEVICE_SET_IRQS); the eDMA
 *    IMWr and the NPU IMWr registers get the vector's address and data,
 *    read from the device's real MSI capability in sysfs "config" (vfio-pci
 *    shows userspace a virtualised copy). Reading that needs root; without
 *    it completions are polled, bounded, and the caps say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "akida_regs.h"
#include "device.h"

#define DMA_IOVA	0x40000000ull	/* clear of the x86 MSI window */
#define DMA_BUF_SIZE	(2u << 20)
#define EDMA_TIMEOUT_MS	10000	/* generous: TCG guests on loaded hosts stall */
#define LL_WR_CH0	(AXI_LPDDR_BASE + 0x00)	/* device -> host list */
#define LL_RD_CH0	(AXI_LPDDR_BASE + 0x40)	/* host -> device list */

struct vregion {
	uint64_t off, size;
	volatile uint8_t *map;
};

struct vpriv {
	int container, group, device, efd;
	struct vregion bar[6];
	uint64_t cfg_off;
	uint8_t *buf;
	int buf_mapped;
	int msi;
	uint64_t msi_addr;
	uint32_t msi_data;
	struct akida_heap heap;
};

static struct vpriv *vp(struct akida_device *dev)
{
	return dev->priv;
}

/* ---- region access ---- */

/* A 32-bit access at @off must stay inside BAR @bar (region @r). */
static int bar_check(const struct vregion *r, int bar, uint64_t off)
{
	if (off + 4 > r->size)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "BAR%d offset 0x%llx out of range",
				  bar, (unsigned long long)off);
	return 0;
}

static int bar_rd(struct akida_device *dev, int bar, uint64_t off, uint32_t *v)
{
	struct vregion *r = &vp(dev)->bar[bar];
	int ret = bar_check(r, bar, off);

	if (ret)
		return ret;
	if (r->map) {
		*v = *(volatile uint32_t *)(r->map + off);
		return 0;
	}
	if (pread(vp(dev)->device, v, 4, (off_t)(r->off + off)) != 4)
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "BAR%d read at 0x%llx failed",
				  bar, (unsigned long long)off);
	return 0;
}

static int bar_wr(struct akida_device *dev, int bar, uint64_t off, uint32_t v)
{
	struct vregion *r = &vp(dev)->bar[bar];
	int ret = bar_check(r, bar, off);

	if (ret)
		return ret;
	if (r->map) {
		*(volatile uint32_t *)(r->map + off) = v;
		return 0;
	}
	if (pwrite(vp(dev)->device, &v, 4, (off_t)(r->off + off)) != 4)
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "BAR%d write at 0x%llx failed",
				  bar, (unsigned long long)off);
	return 0;
}

static int cfg_rd(struct akida_device *dev, unsigned int off, void *v, size_t len)
{
	return pread(vp(dev)->device, v, len, (off_t)(vp(dev)->cfg_off + off)) == (ssize_t)len ?
	       0 : -EIO;
}

static int cfg_wr(struct akida_device *dev, unsigned int off, const void *v, size_t len)
{
	return pwrite(vp(dev)->device, v, len, (off_t)(vp(dev)->cfg_off + off)) == (ssize_t)len ?
	       0 : -EIO;
}

static int cfg_wr32(struct akida_device *dev, unsigned int off, uint32_t v)
{
	return cfg_wr(dev, off, &v, 4);
}

static int edma_rd(struct akida_device *dev, uint32_t off, uint32_t *v)
{
	return bar_rd(dev, 2, EDMA_BASE + off, v);
}

static int edma_wr(struct akida_device *dev, uint32_t off, uint32_t v)
{
	return bar_wr(dev, 2, EDMA_BASE + off, v);
}

/* ---- set-up ---- */

static int vfail(int err, const char *fmt, const char *arg)
{
	return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err, fmt, arg, strerror(err));
}

static int region(struct akida_device *dev, unsigned int index, struct vregion *r)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };
	void *m;

	if (ioctl(vp(dev)->device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	r->off = ri.offset;
	r->size = ri.size;
	r->map = NULL;
	if (index <= VFIO_PCI_BAR5_REGION_INDEX && ri.size &&
	    (ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		m = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vp(dev)->device, (off_t)ri.offset);
		if (m != MAP_FAILED)
			r->map = m;
	}
	return 0;
}

/* Read the MSI address and data the kernel programmed into the device. */
static int read_msi(struct akida_device *dev)
{
	char path[512];
	uint8_t c[256];
	unsigned int pos, guard = 0;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/config",
		 akida_sysfs_root(NULL), dev->info.bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, c, sizeof(c), 0);
	close(fd);
	if (n < (ssize_t)sizeof(c))
		return -EACCES;	/* capabilities are root-only in sysfs */
	if (!(get_le16(c + 6) & 0x10))
		return -ENODEV;
	for (pos = c[0x34] & 0xfc; pos && pos < 0xfc && guard++ < 48; pos = c[pos + 1] & 0xfc) {
		if (c[pos] == 0x05) {
			uint16_t ctl = get_le16(c + pos + 2);
			int is64 = ctl & 0x80;

			if (!(ctl & 1))
				return -ENODEV;	/* MSI not enabled */
			vp(dev)->msi_addr = get_le32(c + pos + 4);
			if (is64)
				vp(dev)->msi_addr |= (uint64_t)get_le32(c + pos + 8) << 32;
			vp(dev)->msi_data = get_le16(c + pos + (is64 ? 12 : 8));
			return 0;
		}
	}
	return -ENODEV;
}

static int setup_irq(struct akida_device *dev)
{
	struct vpriv *p = vp(dev);
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = VFIO_PCI_MSI_IRQ_INDEX };
	uint8_t buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *is = (struct vfio_irq_set *)buf;
	int32_t fd;

	if (ioctl(p->device, VFIO_DEVICE_GET_IRQ_INFO, &ii) || ii.count < 1)
		return -ENODEV;
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->efd < 0)
		return -errno;
	memset(buf, 0, sizeof(buf));
	is->argsz = sizeof(buf);
	is->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	is->index = VFIO_PCI_MSI_IRQ_INDEX;
	is->start = 0;
	is->count = 1;
	fd = p->efd;
	memcpy(is->data, &fd, sizeof(fd));
	if (ioctl(p->device, VFIO_DEVICE_SET_IRQS, is)) {
		close(p->efd);
		p->efd = -1;
		return -errno;
	}
	if (read_msi(dev)) {
		/* Keep the eventfd (harmless) but poll: no address to post to. */
		return -EACCES;
	}
	p->msi = 1;
	return 0;
}

static void disable_irq(struct akida_device *dev)
{
	struct vpriv *p = vp(dev);
	struct vfio_irq_set is = {
		.argsz = sizeof(is), .index = VFIO_PCI_MSI_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
	};

	if (p->efd >= 0) {
		ioctl(p->device, VFIO_DEVICE_SET_IRQS, &is);
		close(p->efd);
		p->efd = -1;
	}
}

static int program_iatu(struct akida_device *dev)
{
	static const struct { unsigned int bar; uint32_t axi; } map[] = {
		{ 0, AXI_NPU_BASE }, { 2, AXI_DBI_BASE }, { 4, AXI_LPDDR_BASE },
	};
	uint16_t cmd;
	uint32_t cr2;
	unsigned int i;

	/* memory decoding and bus mastering (DMA) on */
	if (cfg_rd(dev, 4, &cmd, 2))
		return -EIO;
	cmd |= 0x6;
	if (cfg_wr(dev, 4, &cmd, 2))
		return -EIO;
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (cfg_wr32(dev, ATU_VIEWPORT, ATU_REGION_INBOUND | i) ||
		    cfg_wr32(dev, ATU_TARGET_LO, map[i].axi) ||
		    cfg_wr32(dev, ATU_TARGET_HI, 0) ||
		    cfg_wr32(dev, ATU_CR1, 0) ||
		    cfg_wr32(dev, ATU_CR2, ATU_CR2_ENABLE | ATU_CR2_BAR_MATCH |
			     ATU_CR2_BAR(map[i].bar)))
			return -EIO;
		/* A read-back of the region control replaces the vendor's 1 s wait. */
		if (cfg_rd(dev, ATU_CR2, &cr2, 4) || !(cr2 & ATU_CR2_ENABLE))
			return -EIO;
	}
	return 0;
}

static void v_close(struct akida_device *dev);

/* NPU completions by MSI too, when we know where to post it. */
static void npu_irq_setup(struct akida_device *dev)
{
	struct vpriv *p = vp(dev);

	if (!p->msi || !dev->npu.iface)
		return;
	bar_wr(dev, 0, NPU_IMWR_ADDR_LO, (uint32_t)p->msi_addr);
	bar_wr(dev, 0, NPU_IMWR_ADDR_HI, (uint32_t)(p->msi_addr >> 32));
	bar_wr(dev, 0, NPU_IMWR_DATA, p->msi_data);
	bar_wr(dev, 0, NPU_IRQ_ENABLE, NPU_IRQ_INFER_DONE | NPU_IRQ_MODEL_DONE | NPU_IRQ_ERROR);
	dev->npu.use_irq = 1;
}

static int v_reset(struct akida_device *dev)
{
	int ret = akida_npu_reset(dev);

	npu_irq_setup(dev);
	return ret;
}

static int v_open(struct akida_device *dev)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_iommu_type1_dma_map dm = { .argsz = sizeof(dm) };
	struct vpriv *p;
	char path[64];
	int ret, iommu;
	unsigned int i;

	if (strcmp(dev->info.driver, "vfio-pci"))
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENXIO,
				  "vfio backend unavailable: %s is %s%s, not bound to vfio-pci "
				  "(run `akida bind-vfio %s` as root)", dev->info.bdf,
				  dev->info.driver[0] ? "bound to " : "not bound",
				  dev->info.driver, dev->info.bdf);
	if (dev->info.iommu_group < 0)
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENODEV,
				  "vfio backend unavailable: %s has no IOMMU group "
				  "(boot with intel_iommu=on or amd_iommu=on)", dev->info.bdf);
	p = calloc(1, sizeof(*p));
	if (!p)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	p->container = p->group = p->device = p->efd = -1;
	p->buf = MAP_FAILED;
	dev->priv = p;

	p->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (p->container < 0) {
		ret = vfail(errno, "vfio backend unavailable: %s: %s (modprobe vfio-pci)",
			    "/dev/vfio/vfio");
		goto fail;
	}
	if (ioctl(p->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		ret = akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENOTSUP, "unknown VFIO API version");
		goto fail;
	}
	if (ioctl(p->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		iommu = VFIO_TYPE1v2_IOMMU;
	} else if (ioctl(p->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0) {
		iommu = VFIO_TYPE1_IOMMU;
	} else {
		ret = akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENODEV,
				 "vfio backend unavailable: no type 1 IOMMU driver for VFIO "
				 "(modprobe vfio_iommu_type1)");
		goto fail;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->info.iommu_group);
	p->group = open(path, O_RDWR | O_CLOEXEC);
	if (p->group < 0) {
		int err = errno;

		ret = akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err,
				 "vfio backend unavailable: %s: %s%s", path, strerror(err),
				 err == EACCES ? " (join group 'akida'; see udev/61-akida-vfio.rules)" :
				 err == EBUSY ? " (another process uses the device)" : "");
		goto fail;
	}
	if (ioctl(p->group, VFIO_GROUP_GET_STATUS, &gs) ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, EBUSY,
				 "vfio backend unavailable: IOMMU group %d is not viable "
				 "(bind every device in it to vfio-pci)", dev->info.iommu_group);
		goto fail;
	}
	if (ioctl(p->group, VFIO_GROUP_SET_CONTAINER, &p->container) ||
	    ioctl(p->container, VFIO_SET_IOMMU, iommu)) {
		ret = vfail(errno, "vfio backend unavailable: %s: attaching the IOMMU: %s",
			    dev->info.bdf);
		goto fail;
	}
	p->device = ioctl(p->group, VFIO_GROUP_GET_DEVICE_FD, dev->info.bdf);
	if (p->device < 0) {
		ret = vfail(errno, "vfio backend unavailable: %s: %s", dev->info.bdf);
		goto fail;
	}
	for (i = 0; i < 6; i += 2)
		if (region(dev, i, &p->bar[i])) {
			ret = vfail(errno, "vfio: %s: region info: %s", dev->info.bdf);
			goto fail;
		}
	{
		struct vregion cfg;

		if (region(dev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg)) {
			ret = vfail(errno, "vfio: %s: config region: %s", dev->info.bdf);
			goto fail;
		}
		p->cfg_off = cfg.off;
	}
	if (!p->bar[0].size || !p->bar[2].size || !p->bar[4].size) {
		ret = akida_fail(AKIDA_ERR_CAPABILITY, ENODATA,
				 "vfio: %s lacks BAR0, BAR2 or BAR4", dev->info.bdf);
		goto fail;
	}
	if (program_iatu(dev)) {
		ret = akida_fail(AKIDA_ERR_HARDWARE, EIO,
				 "vfio: %s: programming the iATU through the config region failed",
				 dev->info.bdf);
		goto fail;
	}

	/* DMA bounce buffer */
	p->buf = mmap(NULL, DMA_BUF_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->buf == MAP_FAILED) {
		ret = akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory for the DMA buffer");
		goto fail;
	}
	dm.vaddr = (uintptr_t)p->buf;
	dm.iova = DMA_IOVA;
	dm.size = DMA_BUF_SIZE;
	dm.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(p->container, VFIO_IOMMU_MAP_DMA, &dm)) {
		int err = errno;

		ret = akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err,
				 "vfio: VFIO_IOMMU_MAP_DMA of %u bytes failed: %s%s", DMA_BUF_SIZE,
				 strerror(err), err == ENOMEM || err == EPERM ?
				 " (raise the locked-memory limit: ulimit -l)" : "");
		goto fail;
	}
	p->buf_mapped = 1;

	ret = akida_read_identity(dev);
	if (ret)
		goto fail;
	ret = setup_irq(dev);
	dev->caps.features = AKIDA_FEAT_REGS | AKIDA_FEAT_DMA | AKIDA_FEAT_IOMMU;
	if (dev->npu.iface)
		dev->caps.features |= AKIDA_FEAT_INFER | AKIDA_FEAT_WEIGHTS |
				      (p->msi ? AKIDA_FEAT_IRQ : 0);
	dev->caps.lpddr_base = AXI_LPDDR_BASE;
	dev->caps.lpddr_size = p->bar[4].size;
	dev->caps.mem_base = AXI_LPDDR_BASE + DMA_RAM_SIZE;
	dev->caps.mem_size = p->bar[4].size - DMA_RAM_SIZE;
	dev->caps.max_batch = 65535;
	p->heap.base = dev->caps.mem_base;
	p->heap.size = dev->caps.mem_size;

	npu_irq_setup(dev);
	return 0;
fail:
	v_close(dev);
	dev->priv = NULL;
	return ret;
}

static void v_close(struct akida_device *dev)
{
	struct vpriv *p = vp(dev);
	unsigned int i;

	if (!p)
		return;
	if (p->device >= 0 && dev->npu.use_irq)
		bar_wr(dev, 0, NPU_IRQ_ENABLE, 0);
	if (p->device >= 0)
		disable_irq(dev);
	if (p->buf_mapped) {
		struct vfio_iommu_type1_dma_unmap du = {
			.argsz = sizeof(du), .iova = DMA_IOVA, .size = DMA_BUF_SIZE,
		};

		ioctl(p->container, VFIO_IOMMU_UNMAP_DMA, &du);
	}
	if (p->buf != MAP_FAILED)
		munmap(p->buf, DMA_BUF_SIZE);
	for (i = 0; i < 6; i++)
		if (p->bar[i].map)
			munmap((void *)p->bar[i].map, p->bar[i].size);
	if (p->device >= 0)
		close(p->device);
	if (p->group >= 0)
		close(p->group);
	if (p->container >= 0)
		close(p->container);
	akida_heap_destroy(&p->heap);
	free(p);
}

/* ---- registers, interrupts ---- */

static int v_reg_read(struct akida_device *dev, uint32_t off, uint32_t *val)
{
	return bar_rd(dev, 0, off, val);
}

static int v_reg_write(struct akida_device *dev, uint32_t off, uint32_t val)
{
	return bar_wr(dev, 0, off, val);
}

static int v_wait_irq(struct akida_device *dev, int timeout_ms)
{
	struct pollfd pf = { .fd = vp(dev)->efd, .events = POLLIN };
	uint64_t cnt;
	int r;

	if (vp(dev)->efd < 0)
		return -ENODEV;
	r = poll(&pf, 1, timeout_ms);
	if (r > 0 && read(pf.fd, &cnt, sizeof(cnt)) == sizeof(cnt))
		return 0;
	return -ETIMEDOUT;
}

/* ---- the eDMA ---- */

static void lpddr_wr(struct akida_device *dev, uint32_t axi, uint32_t v)
{
	bar_wr(dev, 4, axi - AXI_LPDDR_BASE, v);
}

/*
 * One linked-list transfer on channel 0: @to_dev moves @len bytes from the
 * bounce buffer to AXI @axi (a read channel), else from @axi to the buffer
 * (a write channel).
 */
static int edma_xfer(struct akida_device *dev, int to_dev, uint64_t axi, uint32_t len)
{
	struct vpriv *p = vp(dev);
	const unsigned int ch = 0;
	uint32_t ll = to_dev ? LL_RD_CH0 : LL_WR_CH0, st, err = 0, v, mask;
	uint64_t sar = to_dev ? DMA_IOVA : axi, dar = to_dev ? axi : DMA_IOVA;
	uint64_t deadline = akida_now_ns() + EDMA_TIMEOUT_MS * 1000000ull;
	uint32_t en = to_dev ? EDMA_RD_ENGINE_EN : EDMA_WR_ENGINE_EN;
	uint32_t imask = to_dev ? EDMA_RD_INT_MASK : EDMA_WR_INT_MASK;
	uint32_t istat = to_dev ? EDMA_RD_INT_STATUS : EDMA_WR_INT_STATUS;
	uint32_t iclr = to_dev ? EDMA_RD_INT_CLEAR : EDMA_WR_INT_CLEAR;
	uint32_t bits = EDMA_INT_DONE(ch) | EDMA_INT_ABORT(ch);
	unsigned int delay = 10;

	/* data element, then the link element back to the start */
	lpddr_wr(dev, ll + 0, EDMA_LL_CB | EDMA_LL_LIE | EDMA_LL_RIE);
	lpddr_wr(dev, ll + 4, len);
	lpddr_wr(dev, ll + 8, (uint32_t)sar);
	lpddr_wr(dev, ll + 12, (uint32_t)(sar >> 32));
	lpddr_wr(dev, ll + 16, (uint32_t)dar);
	lpddr_wr(dev, ll + 20, (uint32_t)(dar >> 32));
	lpddr_wr(dev, ll + 24, EDMA_LL_LLP | EDMA_LL_TCB);
	lpddr_wr(dev, ll + 28, 0);
	lpddr_wr(dev, ll + 32, ll);
	lpddr_wr(dev, ll + 36, 0);

	edma_wr(dev, en, 1);
	edma_rd(dev, imask, &mask);
	edma_wr(dev, imask, mask & ~bits);
	edma_rd(dev, to_dev ? EDMA_RD_LL_ERR_EN : EDMA_WR_LL_ERR_EN, &v);
	edma_wr(dev, to_dev ? EDMA_RD_LL_ERR_EN : EDMA_WR_LL_ERR_EN, v | (1u << ch));
	if (p->msi) {
		edma_wr(dev, to_dev ? EDMA_RD_DONE_IMWR_LO : EDMA_WR_DONE_IMWR_LO,
			(uint32_t)p->msi_addr);
		edma_wr(dev, to_dev ? EDMA_RD_DONE_IMWR_HI : EDMA_WR_DONE_IMWR_HI,
			(uint32_t)(p->msi_addr >> 32));
		edma_wr(dev, to_dev ? EDMA_RD_ABORT_IMWR_LO : EDMA_WR_ABORT_IMWR_LO,
			(uint32_t)p->msi_addr);
		edma_wr(dev, to_dev ? EDMA_RD_ABORT_IMWR_HI : EDMA_WR_ABORT_IMWR_HI,
			(uint32_t)(p->msi_addr >> 32));
		edma_rd(dev, to_dev ? EDMA_RD_CH01_IMWR_DATA : EDMA_WR_CH01_IMWR_DATA, &v);
		v = (v & 0xffff0000u) | (p->msi_data & 0xffff);	/* channel 0: low half */
		edma_wr(dev, to_dev ? EDMA_RD_CH01_IMWR_DATA : EDMA_WR_CH01_IMWR_DATA, v);
	}
	edma_wr(dev, EDMA_VIEWPORT_SEL, ch | (to_dev ? EDMA_VIEWPORT_READ : 0));
	edma_wr(dev, EDMA_CH_CONTROL1, EDMA_CH_CCS | EDMA_CH_LLE);
	edma_wr(dev, EDMA_CH_LLP_LO, ll);
	edma_wr(dev, EDMA_CH_LLP_HI, 0);
	/* sync read: the posted list writes have landed */
	bar_rd(dev, 4, ll + 32 - AXI_LPDDR_BASE, &v);
	edma_wr(dev, to_dev ? EDMA_RD_DOORBELL : EDMA_WR_DOORBELL, ch);

	for (;;) {
		if (edma_rd(dev, istat, &st))
			return -akida_last_error()->err;
		if (st == 0xffffffffu)
			return akida_fail(AKIDA_ERR_HARDWARE, ENODEV,
					  "%s: the device stopped answering", dev->info.bdf);
		if (st & bits)
			break;
		if (akida_now_ns() >= deadline)
			return akida_fail(AKIDA_ERR_TRANSFER, ETIMEDOUT,
					  "%s: eDMA %s transfer of %u bytes at 0x%llx did not "
					  "complete in %d ms", dev->info.bdf,
					  to_dev ? "host-to-device" : "device-to-host", len,
					  (unsigned long long)axi, EDMA_TIMEOUT_MS);
		if (p->msi) {
			int left = (int)((deadline - akida_now_ns()) / 1000000ull) + 1;

			/* sleep on the MSI; wake up now and then in case one is lost */
			v_wait_irq(dev, left < 250 ? left : 250);
		} else {
			struct timespec ts = { 0, (long)delay * 1000 };

			nanosleep(&ts, NULL);
			if (delay < 1000)
				delay *= 2;
		}
	}
	edma_wr(dev, iclr, st & bits);
	if (st & EDMA_INT_ABORT(ch)) {
		if (to_dev)
			edma_rd(dev, EDMA_RD_ERR_STATUS_LO, &err);
		else
			edma_rd(dev, EDMA_WR_ERR_STATUS, &err);
		return akida_fail(AKIDA_ERR_TRANSFER, EIO,
				  "%s: eDMA %s transfer of %u bytes at 0x%llx aborted "
				  "(error status 0x%08x)", dev->info.bdf,
				  to_dev ? "host-to-device" : "device-to-host", len,
				  (unsigned long long)axi, err);
	}
	return 0;
}

static int check_range(struct akida_device *dev, uint64_t addr, size_t len)
{
	uint64_t lo = dev->caps.mem_base, hi = dev->caps.lpddr_base + dev->caps.lpddr_size;

	if (addr < lo || addr > hi || len > hi - addr)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "range 0x%llx+%zu is outside usable LPDDR [0x%llx, 0x%llx)",
				  (unsigned long long)addr, len, (unsigned long long)lo,
				  (unsigned long long)hi);
	return 0;
}

static int v_mem_write(struct akida_device *dev, uint64_t addr, const void *buf, size_t len)
{
	const uint8_t *s = buf;
	int ret = check_range(dev, addr, len);

	while (!ret && len) {
		uint32_t n = len > DMA_BUF_SIZE ? DMA_BUF_SIZE : (uint32_t)len;

		memcpy(vp(dev)->buf, s, n);
		ret = edma_xfer(dev, 1, addr, n);
		s += n;
		addr += n;
		len -= n;
	}
	return ret;
}

static int v_mem_read(struct akida_device *dev, uint64_t addr, void *buf, size_t len)
{
	uint8_t *d = buf;
	int ret = check_range(dev, addr, len);

	while (!ret && len) {
		uint32_t n = len > DMA_BUF_SIZE ? DMA_BUF_SIZE : (uint32_t)len;

		ret = edma_xfer(dev, 0, addr, n);
		if (!ret)
			memcpy(d, vp(dev)->buf, n);
		d += n;
		addr += n;
		len -= n;
	}
	return ret;
}

static int v_mem_alloc(struct akida_device *dev, uint64_t size, uint64_t *addr)
{
	return akida_heap_alloc(&vp(dev)->heap, size, 256, addr);
}

static int v_mem_free(struct akida_device *dev, uint64_t addr)
{
	return akida_heap_free(&vp(dev)->heap, addr);
}

const struct akida_backend_ops akida_vfio_ops = {
	.kind = AKIDA_BACKEND_VFIO,
	.open = v_open,
	.close = v_close,
	.reg_read = v_reg_read,
	.reg_write = v_reg_write,
	.mem_alloc = v_mem_alloc,
	.mem_free = v_mem_free,
	.mem_write = v_mem_write,
	.mem_read = v_mem_read,
	.wait_irq = v_wait_irq,
	.reset = v_reset,
};
