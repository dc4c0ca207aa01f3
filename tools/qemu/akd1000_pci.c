/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated BrainChip AKD1000: PCI front end, inbound iATU and AXI decode.
 *
 * The host reaches the chip's 32-bit AXI address space through BAR0, BAR2
 * and BAR4, each translated by an inbound iATU region in BAR-match mode that
 * the host programs through the DesignWare viewport in configuration space
 * (0x900..0x91f). Until a BAR has an enabled region, its reads return all
 * ones and its writes are dropped. The chip's own masters (the eDMA) reach
 * the AXI targets directly.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/main-loop.h"
#include "qemu/range.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/dma.h"
#include "akd1000.h"
#include "akida_emu_regs.h"

#define AKD_PM_CAP_OFFSET	0x40
#define AKD_MSI_CAP_OFFSET	0x50
#define AKD_PCIE_CAP_OFFSET	0x80
#define AKD_AER_OFFSET		0x100	/* the first extended capability */

/* ---- Power management (HARDWARE.md section 8) ----------------------------- */

/* The power state in PMCSR: 0 (D0) or 3 (D3hot). */
static unsigned akd_pm_state(AkdState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	return pci_get_word(pdev->config + AKD_PM_CAP_OFFSET + PCI_PM_CTRL) &
	       PCI_PM_CTRL_STATE_MASK;
}

static void akd_pm_set_state(AkdState *s, unsigned state)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint8_t *pmcsr = pdev->config + AKD_PM_CAP_OFFSET + PCI_PM_CTRL;

	pci_set_word(pmcsr, (pci_get_word(pmcsr) & ~PCI_PM_CTRL_STATE_MASK) |
			    state);
}

/*
 * A PCI power management capability with D0 and D3hot only, No_Soft_Reset
 * clear (HARDWARE.md section 8): going D3hot -> D0 resets the function as an
 * FLR does.
 */
static int akd_pm_init(AkdState *s, Error **errp)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	int ret;

	ret = pci_add_capability(pdev, PCI_CAP_ID_PM, AKD_PM_CAP_OFFSET,
				 PCI_PM_SIZEOF, errp);
	if (ret < 0)
		return ret;
	/* Version 3 (PCI PM 1.2), no D1/D2, no PME, no auxiliary current. */
	pci_set_word(pdev->config + AKD_PM_CAP_OFFSET + PCI_PM_PMC, 0x0003);
	pci_set_word(pdev->config + AKD_PM_CAP_OFFSET + PCI_PM_CTRL, 0);
	pci_set_word(pdev->wmask + AKD_PM_CAP_OFFSET + PCI_PM_CTRL,
		     PCI_PM_CTRL_STATE_MASK);
	return 0;
}

/*
 * After a write to PMCSR: D1 and D2 do not exist (the write leaves the state
 * as it was); D3hot -> D0 is a function reset that leaves the device "D0
 * uninitialised": registers, iATU and the standard configuration header
 * back to their reset values, LPDDR and SRAM kept.
 */
static void akd_pm_write(AkdState *s, unsigned old)
{
	unsigned now = akd_pm_state(s);

	if (now == 1 || now == 2) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: D%u is not supported, stays in D%u\n",
			      now, old);
		akd_pm_set_state(s, old);
		return;
	}
	if (old == 3 && now == 0)
		pci_device_reset(PCI_DEVICE(s));	/* akd_reset() sets D0 */
}

/* ---- AXI decode --------------------------------------------------------- */

static bool akd_in(uint64_t addr, uint64_t len, uint64_t base, uint64_t size)
{
	return addr >= base && len <= size && addr - base <= size - len;
}

/*
 * akd_axi_decode() - which AXI target holds all of [addr, addr + len)
 * @off: set to the offset in that target
 *
 * Returns an enum akd_axi_target, AKD_AXI_NONE for a decode error (the range
 * is outside every target or straddles two). The test-control window is not
 * an AXI target for the chip's masters.
 */
int akd_axi_decode(AkdState *s, uint64_t addr, uint64_t len, uint32_t *off)
{
	if (len == 0)
		len = 1;
	if (akd_in(addr, len, AKD_AXI_LPDDR_BASE, s->lpddr_size)) {
		*off = addr - AKD_AXI_LPDDR_BASE;
		return AKD_AXI_LPDDR;
	}
	if (akd_in(addr, len, AKD_AXI_SRAM_BASE, AKD_AXI_SRAM_SIZE)) {
		*off = addr - AKD_AXI_SRAM_BASE;
		return AKD_AXI_SRAM;
	}
	if (akd_in(addr, len, AKD_AXI_NPU_BASE, AKD_AXI_NPU_SIZE)) {
		*off = addr - AKD_AXI_NPU_BASE;
		return AKD_AXI_NPU;
	}
	if (akd_in(addr, len, AKD_AXI_DBI_BASE, AKD_AXI_DBI_SIZE)) {
		*off = addr - AKD_AXI_DBI_BASE;
		return AKD_AXI_DBI;
	}
	return AKD_AXI_NONE;
}

/* A pointer to plain chip memory (LPDDR or SRAM) for [addr, addr + len). */
uint8_t *akd_axi_mem(AkdState *s, uint64_t addr, uint64_t len)
{
	uint32_t off;

	switch (akd_axi_decode(s, addr, len, &off)) {
	case AKD_AXI_LPDDR:
		return s->lpddr_ptr + off;
	case AKD_AXI_SRAM:
		return s->sram_ptr + off;
	default:
		return NULL;
	}
}

bool akd_lpddr_range_ok(AkdState *s, uint64_t addr, uint64_t len)
{
	return akd_in(addr, len ? len : 1, AKD_AXI_LPDDR_BASE, s->lpddr_size);
}

static uint32_t akd_dbi_read(AkdState *s, uint32_t off);
static void akd_dbi_write(AkdState *s, uint32_t off, uint32_t val);

/*
 * akd_axi_read() / akd_axi_write() - an access by the chip's own masters
 *
 * Memory targets take any length; register targets (NPU, DBI) only whole,
 * aligned 32-bit words. The DBI (and with it the eDMA's own registers) is
 * read-only to the eDMA in this model. Returns false on a decode or access
 * error, before anything was transferred.
 */
bool akd_axi_read(AkdState *s, uint64_t addr, void *buf, uint32_t len)
{
	uint8_t *p = buf;
	uint32_t off, i;
	int t = akd_axi_decode(s, addr, len, &off);

	switch (t) {
	case AKD_AXI_LPDDR:
	case AKD_AXI_SRAM:
		memcpy(buf, akd_axi_mem(s, addr, len), len);
		return true;
	case AKD_AXI_NPU:
	case AKD_AXI_DBI:
		if ((addr | len) & 3)
			return false;
		for (i = 0; i < len; i += 4)
			stl_le_p(p + i, t == AKD_AXI_NPU ?
				 akd_npu_read(s, off + i) :
				 akd_dbi_read(s, off + i));
		return true;
	default:
		return false;
	}
}

bool akd_axi_write(AkdState *s, uint64_t addr, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t off, i;

	switch (akd_axi_decode(s, addr, len, &off)) {
	case AKD_AXI_LPDDR:
	case AKD_AXI_SRAM:
		memcpy(akd_axi_mem(s, addr, len), buf, len);
		return true;
	case AKD_AXI_NPU:
		if ((addr | len) & 3)
			return false;
		for (i = 0; i < len; i += 4)
			akd_npu_write(s, off + i, ldl_le_p(p + i));
		return true;
	default:
		return false;
	}
}

/* ---- Bus mastering on the host side -------------------------------------- */

static MemTxAttrs akd_attrs(AkdState *s)
{
	MemTxAttrs attrs = {};

	attrs.requester_id = pci_requester_id(PCI_DEVICE(s));
	return attrs;
}

/*
 * akd_host_dma() - move bytes between the chip and host memory through the
 * device's bus-master address space, so that the vIOMMU (if any) and the
 * command register's bus-master enable apply.
 */
MemTxResult akd_host_dma(AkdState *s, uint64_t addr, void *buf, uint32_t len,
			 bool to_host)
{
	return pci_dma_rw(PCI_DEVICE(s), addr, buf, len,
			  to_host ? DMA_DIRECTION_FROM_DEVICE :
				    DMA_DIRECTION_TO_DEVICE,
			  akd_attrs(s));
}

/*
 * akd_post_imwr() - an interrupt memory write: the 32-bit little-endian
 * @data to host address @addr, as the MSI the host sees.
 *
 * Address 0 is posted like any other address (silicon has no notion of an
 * unset address): the IOMMU catches it or page 0's frame is written. The
 * write is counted in CNT_IMWR_ZERO. CNT_MSI counts only writes that the
 * host accepted. Returns whether the write was posted and accepted.
 */
bool akd_post_imwr(AkdState *s, uint64_t addr, uint32_t data, const char *what)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	MemTxResult r;

	if (!(pci_get_word(pdev->config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: %s IMWr with bus mastering off, dropped\n",
			      what);
		return false;
	}
	if (!addr) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: %s IMWr address is 0, posted there\n",
			      what);
		akd_link_charge(s, AKD_CNT_IMWR_ZERO, 1);
	}
	address_space_stl_le(&pdev->bus_master_as, addr, data, akd_attrs(s), &r);
	if (r != MEMTX_OK) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: %s IMWr to 0x%" PRIx64 " failed\n",
			      what, addr);
		return false;
	}
	akd_link_charge(s, AKD_CNT_MSI, 1);
	return true;
}

/* ---- iATU ---------------------------------------------------------------- */

static AkdAtuRegion *akd_atu_cur(AkdState *s)
{
	uint32_t idx = s->atu_viewport & AKD_ATU_VIEWPORT_INDEX;

	if (idx >= AKD_ATU_REGIONS)
		return NULL;
	return s->atu_viewport & AKD_ATU_VIEWPORT_INBOUND ?
		&s->atu_in[idx] : &s->atu_out[idx];
}

static uint32_t akd_atu_read(AkdState *s, uint32_t reg)
{
	AkdAtuRegion *r;

	if (reg == AKD_ATU_VIEWPORT)
		return s->atu_viewport;
	r = akd_atu_cur(s);
	if (!r)
		return 0;
	switch (reg) {
	case AKD_ATU_CR1:		return r->cr1;
	case AKD_ATU_CR2:		return r->cr2;
	case AKD_ATU_LOWER_BASE:	return r->lower_base;
	case AKD_ATU_UPPER_BASE:	return r->upper_base;
	case AKD_ATU_LIMIT:		return r->limit;
	case AKD_ATU_LOWER_TARGET:	return r->lower_target;
	case AKD_ATU_UPPER_TARGET:	return r->upper_target;
	}
	return 0;
}

static void akd_atu_write(AkdState *s, uint32_t reg, uint32_t val)
{
	AkdAtuRegion *r;

	akd_link_charge(s, AKD_CNT_WR_IATU, 1);
	if (reg == AKD_ATU_VIEWPORT) {
		s->atu_viewport = val & (AKD_ATU_VIEWPORT_INBOUND |
					 AKD_ATU_VIEWPORT_INDEX);
		return;
	}
	r = akd_atu_cur(s);
	if (!r) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: iATU region %u does not exist\n",
			      s->atu_viewport & AKD_ATU_VIEWPORT_INDEX);
		return;
	}
	switch (reg) {
	case AKD_ATU_CR1:		r->cr1 = val; break;
	case AKD_ATU_CR2:		r->cr2 = val; break;
	case AKD_ATU_LOWER_BASE:	r->lower_base = val & ~0xfffu; break;
	case AKD_ATU_UPPER_BASE:	r->upper_base = val; break;
	case AKD_ATU_LIMIT:		r->limit = val | 0xfffu; break;
	case AKD_ATU_LOWER_TARGET:	r->lower_target = val & ~0xfffu; break;
	case AKD_ATU_UPPER_TARGET:	r->upper_target = val; break;
	}
	/*
	 * An inbound region decodes iatu-delay-us after a change that leaves
	 * it enabled (disabling closes it at once): a read-back of the region
	 * control is not enough, the host must see the target answer.
	 */
	if (r >= s->atu_in && r < s->atu_in + AKD_ATU_REGIONS &&
	    reg != AKD_ATU_VIEWPORT && (r->cr2 & AKD_ATU_CR2_ENABLE))
		s->atu_ready[r - s->atu_in] =
			qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
			(int64_t)s->link.iatu_delay_us * SCALE_US;
}

/*
 * akd_bar_axi() - the AXI address BAR @bar offset @off reaches, or false if
 * no enabled and ready inbound region in BAR-match mode maps that BAR (the
 * lowest matching region wins), or the link is still down after a reset.
 */
static bool akd_bar_axi(AkdState *s, int bar, uint64_t off, uint64_t *axi)
{
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	int i;

	if (akd_link_down(s))
		return false;
	for (i = 0; i < AKD_ATU_REGIONS; i++) {
		AkdAtuRegion *r = &s->atu_in[i];

		if (!(r->cr2 & AKD_ATU_CR2_ENABLE) || now < s->atu_ready[i] ||
		    !(r->cr2 & AKD_ATU_CR2_BAR_MODE) ||
		    (r->cr1 & AKD_ATU_CR1_TYPE_MASK) != 0 ||
		    ((r->cr2 & AKD_ATU_CR2_BAR_MASK) >> AKD_ATU_CR2_BAR_SHIFT) != bar)
			continue;
		*axi = (((uint64_t)r->upper_target << 32) | r->lower_target) + off;
		return true;
	}
	return false;
}

/* ---- Configuration space ------------------------------------------------- */

static uint32_t akd_config_read(PCIDevice *pdev, uint32_t addr, int len)
{
	AkdState *s = AKD1000(pdev);

	if (akd_dead(s))
		return len == 4 ? 0xffffffffu : (1u << (len * 8)) - 1;
	if (addr >= AKD_ATU_BASE && addr < AKD_ATU_END) {
		uint32_t v = akd_atu_read(s, addr & ~3u);

		v >>= (addr & 3) * 8;
		return len == 4 ? v : v & ((1u << (len * 8)) - 1);
	}
	return pci_default_read_config(pdev, addr, len);
}

static void akd_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
			     int len)
{
	AkdState *s = AKD1000(pdev);
	unsigned pm_old;

	if (akd_dead(s))
		return;
	if (addr >= AKD_ATU_BASE && addr < AKD_ATU_END) {
		uint32_t reg = addr & ~3u, sh = (addr & 3) * 8;
		uint32_t mask = len == 4 ? 0xffffffffu : (1u << (len * 8)) - 1;
		uint32_t cur = akd_atu_read(s, reg);

		if (sh + len * 8 > 32) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "akd1000: unaligned iATU write at 0x%x\n",
				      addr);
			return;
		}
		cur = (cur & ~(mask << sh)) | ((val & mask) << sh);
		akd_atu_write(s, reg, cur);
		return;
	}
	pm_old = akd_pm_state(s);
	pci_default_write_config(pdev, addr, val, len);
	pcie_cap_flr_write_config(pdev, addr, val, len);
	pcie_aer_write_config(pdev, addr, val, len);
	if (ranges_overlap(addr, len, AKD_PM_CAP_OFFSET + PCI_PM_CTRL, 2))
		akd_pm_write(s, pm_old);
}

/* The DBI's view of configuration space (read-only through BAR2). */
uint64_t akd_config_mirror_read(AkdState *s, uint32_t off)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	if (off >= AKD_ATU_BASE && off < AKD_ATU_END)
		return akd_atu_read(s, off);
	if (off + 4 <= pci_config_size(pdev))
		return pci_get_long(pdev->config + off);
	return 0;
}

/* ---- DBI (BAR2) ------------------------------------------------------------ */

static uint32_t akd_dbi_read(AkdState *s, uint32_t off)
{
	if (off >= AKD_EDMA_OFFSET && off < AKD_EDMA_OFFSET + AKD_EDMA_SIZE)
		return akd_edma_read(s, off - AKD_EDMA_OFFSET);
	if (off < 0x1000)
		return akd_config_mirror_read(s, off);
	qemu_log_mask(LOG_UNIMP, "akd1000: DBI read of 0x%x\n", off);
	return 0;
}

static void akd_dbi_write(AkdState *s, uint32_t off, uint32_t val)
{
	if (off >= AKD_EDMA_OFFSET && off < AKD_EDMA_OFFSET + AKD_EDMA_SIZE) {
		akd_edma_write(s, off - AKD_EDMA_OFFSET, val);
		return;
	}
	if (off >= AKD_ATU_BASE && off < AKD_ATU_END) {
		akd_atu_write(s, off, val);
		return;
	}
	qemu_log_mask(LOG_UNIMP, "akd1000: DBI write of 0x%x (0x%x) ignored\n",
		      off, val);
}

/* ---- Host accesses to the BARs ------------------------------------------ */

static uint32_t akd_reg_read32(AkdState *s, uint64_t axi, bool *ok)
{
	uint32_t off;

	*ok = true;
	if (akd_in(axi, 4, AKD_AXI_TEST_BASE, AKIDA_EMU_WINDOW_SIZE))
		return akd_test_read(s, axi - AKD_AXI_TEST_BASE);
	switch (akd_axi_decode(s, axi, 4, &off)) {
	case AKD_AXI_NPU:
		return akd_npu_read(s, off);
	case AKD_AXI_DBI:
		return akd_dbi_read(s, off);
	}
	*ok = false;
	return 0xffffffffu;
}

static bool akd_reg_write32(AkdState *s, uint64_t axi, uint32_t val)
{
	uint32_t off;

	if (akd_in(axi, 4, AKD_AXI_TEST_BASE, AKIDA_EMU_WINDOW_SIZE)) {
		akd_test_write(s, axi - AKD_AXI_TEST_BASE, val);
		return true;
	}
	switch (akd_axi_decode(s, axi, 4, &off)) {
	case AKD_AXI_NPU:
		akd_npu_write(s, off, val);
		return true;
	case AKD_AXI_DBI:
		akd_dbi_write(s, off, val);
		return true;
	}
	return false;
}

static bool akd_is_test(uint64_t axi)
{
	return akd_in(axi, 1, AKD_AXI_TEST_BASE, AKIDA_EMU_WINDOW_SIZE);
}

static uint64_t akd_bar_read(AkdState *s, int bar, hwaddr addr, unsigned size)
{
	uint64_t axi, val = 0;
	uint8_t *mem;
	bool ok = true;

	if (akd_dead(s))
		return ~0ull >> (64 - size * 8);
	if (akd_pm_state(s) != 0) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: BAR%d read in D3hot\n", bar);
		return ~0ull >> (64 - size * 8);
	}
	if (!akd_bar_axi(s, bar, addr, &axi)) {
		akd_link_charge(s, AKD_CNT_MMIO_READS, 1);
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: BAR%d read at 0x%" HWADDR_PRIx
			      " before its iATU region decodes\n", bar, addr);
		return ~0ull >> (64 - size * 8);
	}
	if (!akd_is_test(axi))
		akd_link_charge(s, AKD_CNT_MMIO_READS, 1);

	mem = akd_axi_mem(s, axi, size);
	if (mem)
		return ldn_le_p(mem, size);

	if (size == 8 && !(axi & 7)) {
		uint32_t lo = akd_reg_read32(s, axi, &ok);

		if (ok)
			val = lo | (uint64_t)akd_reg_read32(s, axi + 4, &ok) << 32;
	} else if (size == 4 && !(axi & 3)) {
		val = akd_reg_read32(s, axi, &ok);
	} else if (size < 4 && (axi & 3) + size <= 4) {
		val = akd_reg_read32(s, axi & ~3ull, &ok) >> ((axi & 3) * 8);
		val &= (1u << (size * 8)) - 1;
	} else {
		ok = false;
	}
	if (!ok) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: BAR%d read of %u bytes at AXI 0x%" PRIx64
			      ": decode error\n", bar, size, axi);
		return ~0ull >> (64 - size * 8);
	}
	return val;
}

static void akd_bar_write(AkdState *s, int bar, hwaddr addr, uint64_t val,
			  unsigned size)
{
	uint64_t axi;
	uint8_t *mem;
	bool ok;

	if (akd_dead(s))
		return;
	if (akd_pm_state(s) != 0) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: BAR%d write in D3hot, dropped\n", bar);
		return;
	}
	if (!akd_bar_axi(s, bar, addr, &axi)) {
		akd_link_charge(s, AKD_CNT_MMIO_WRITES, 1);
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: BAR%d write at 0x%" HWADDR_PRIx
			      " before its iATU region decodes, dropped\n",
			      bar, addr);
		return;
	}
	if (!akd_is_test(axi))
		akd_link_charge(s, AKD_CNT_MMIO_WRITES, 1);

	mem = akd_axi_mem(s, axi, size);
	if (mem) {
		stn_le_p(mem, size, val);
		return;
	}
	if (size == 8 && !(axi & 7))
		ok = akd_reg_write32(s, axi, val) &&
		     akd_reg_write32(s, axi + 4, val >> 32);
	else if (size == 4 && !(axi & 3))
		ok = akd_reg_write32(s, axi, val);
	else
		ok = false;
	if (!ok)
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: BAR%d write of %u bytes at AXI 0x%" PRIx64
			      ": decode error or partial register write, dropped\n",
			      bar, size, axi);
}

#define AKD_BAR_OPS(n)							\
static uint64_t akd_bar##n##_read(void *opaque, hwaddr addr,		\
				  unsigned size)			\
{									\
	return akd_bar_read(opaque, n, addr, size);			\
}									\
static void akd_bar##n##_write(void *opaque, hwaddr addr,		\
			       uint64_t val, unsigned size)		\
{									\
	akd_bar_write(opaque, n, addr, val, size);			\
}									\
static const MemoryRegionOps akd_bar##n##_ops = {			\
	.read = akd_bar##n##_read,					\
	.write = akd_bar##n##_write,					\
	.endianness = DEVICE_LITTLE_ENDIAN,				\
	.valid = { .min_access_size = 1, .max_access_size = 8 },	\
	.impl = { .min_access_size = 1, .max_access_size = 8 },	\
}

AKD_BAR_OPS(0);
AKD_BAR_OPS(2);
AKD_BAR_OPS(4);

/* ---- qdev ------------------------------------------------------------------ */

/* The chip's link: Gen2 x1 (HARDWARE.md section 6). */
static void akd_set_link_gen2_x1(PCIDevice *pdev)
{
	uint8_t *exp = pdev->config + pdev->exp.exp_cap;

	pci_long_test_and_clear_mask(exp + PCI_EXP_LNKCAP,
				     PCI_EXP_LNKCAP_SLS | PCI_EXP_LNKCAP_MLW);
	pci_long_test_and_set_mask(exp + PCI_EXP_LNKCAP,
				   PCI_EXP_LNKCAP_SLS_5_0GB | (1u << 4));
	pci_word_test_and_clear_mask(exp + PCI_EXP_LNKSTA,
				     PCI_EXP_LNKSTA_CLS | PCI_EXP_LNKSTA_NLW);
	pci_word_test_and_set_mask(exp + PCI_EXP_LNKSTA,
				   PCI_EXP_LNKSTA_CLS_5_0GB |
				   PCI_EXP_LNKSTA_NLW_X1);
	pci_long_test_and_set_mask(exp + PCI_EXP_LNKCAP2,
				   PCI_EXP_LNKCAP2_SLS_2_5GB |
				   PCI_EXP_LNKCAP2_SLS_5_0GB);
}

static void akd_realize(PCIDevice *pdev, Error **errp)
{
	ERRP_GUARD();
	AkdState *s = AKD1000(pdev);
	uint8_t type = PCI_BASE_ADDRESS_SPACE_MEMORY |
		       PCI_BASE_ADDRESS_MEM_TYPE_64;
	int ret;

	if (!s->timing_prop || !strcmp(s->timing_prop, "modeled")) {
		s->timing_modeled = true;
	} else if (!strcmp(s->timing_prop, "immediate")) {
		s->timing_modeled = false;
	} else {
		error_setg(errp, "akd1000: timing must be 'modeled' or 'immediate'");
		return;
	}
	if (s->lpddr_size < AKD_LPDDR_MIN || s->lpddr_size > AKD_LPDDR_MAX ||
	    !is_power_of_2(s->lpddr_size)) {
		error_setg(errp, "akd1000: lpddr-size must be a power of two "
			   "from 1M to 2G");
		return;
	}
	if (s->link.iatu_delay_us > AKD_READY_DELAY_MAX_US ||
	    s->link.link_delay_us > AKD_READY_DELAY_MAX_US) {
		error_setg(errp, "akd1000: iatu-delay-us and link-delay-us must "
			   "be at most %u", AKD_READY_DELAY_MAX_US);
		return;
	}
	if (!s->msi_vectors || s->msi_vectors > 32 ||
	    !is_power_of_2(s->msi_vectors)) {
		error_setg(errp, "akd1000: msi-vectors must be 1, 2, 4, 8, 16 "
			   "or 32");
		return;
	}
	if (!pci_is_express(pdev) ||
	    pci_config_size(pdev) < PCIE_CONFIG_SPACE_SIZE) {
		error_setg(errp, "akd1000: must sit on a PCI Express bus (its "
			   "iATU is in extended configuration space)");
		return;
	}

	pci_config_set_interrupt_pin(pdev->config, 0);

	ret = pcie_endpoint_cap_init(pdev, AKD_PCIE_CAP_OFFSET);
	if (ret < 0) {
		error_setg(errp, "akd1000: PCIe capability: %d", ret);
		return;
	}
	pcie_cap_flr_init(pdev);
	akd_set_link_gen2_x1(pdev);

	/* Error reporting (Device Control enables) goes with AER. */
	pcie_cap_deverr_init(pdev);
	ret = akd_pm_init(s, errp);
	if (ret < 0)
		goto err_pcie;
	ret = pcie_aer_init(pdev, PCI_ERR_VER, AKD_AER_OFFSET, PCI_ERR_SIZEOF,
			    errp);
	if (ret < 0)
		goto err_pcie;

	ret = msi_init(pdev, AKD_MSI_CAP_OFFSET, s->msi_vectors, true, false,
		       errp);
	if (ret)
		goto err_aer;

	memory_region_init_ram(&s->lpddr, OBJECT(s), "akd1000.lpddr",
			       s->lpddr_size, errp);
	if (*errp)
		goto err_msi;
	memory_region_init_ram(&s->sram, OBJECT(s), "akd1000.sram",
			       AKD_AXI_SRAM_SIZE, errp);
	if (*errp) {
		vmstate_unregister_ram(&s->lpddr, DEVICE(pdev));
		goto err_msi;
	}
	s->lpddr_ptr = memory_region_get_ram_ptr(&s->lpddr);
	s->sram_ptr = memory_region_get_ram_ptr(&s->sram);

	memory_region_init_io(&s->bar[0], OBJECT(s), &akd_bar0_ops, s,
			      "akd1000.bar0-npu", AKD_BAR_NPU_SIZE);
	memory_region_init_io(&s->bar[1], OBJECT(s), &akd_bar2_ops, s,
			      "akd1000.bar2-dbi", AKD_BAR_DBI_SIZE);
	memory_region_init_io(&s->bar[2], OBJECT(s), &akd_bar4_ops, s,
			      "akd1000.bar4-lpddr", s->lpddr_size);
	pci_register_bar(pdev, AKD_BAR_NPU, type, &s->bar[0]);
	pci_register_bar(pdev, AKD_BAR_DBI, type, &s->bar[1]);
	pci_register_bar(pdev, AKD_BAR_LPDDR, type, &s->bar[2]);

	akd_link_realize(s);
	akd_edma_realize(s);
	akd_npu_realize(s);
	return;

err_msi:
	msi_uninit(pdev);
err_aer:
	pcie_aer_exit(pdev);
err_pcie:
	pcie_cap_exit(pdev);
}

static void akd_exit(PCIDevice *pdev)
{
	AkdState *s = AKD1000(pdev);

	akd_npu_unrealize(s);
	akd_edma_unrealize(s);
	akd_link_unrealize(s);
	msi_uninit(pdev);
	pcie_aer_exit(pdev);
	pcie_cap_exit(pdev);
	/* Free the RAM blocks' names, or a device_add after device_del aborts. */
	vmstate_unregister_ram(&s->lpddr, DEVICE(pdev));
	vmstate_unregister_ram(&s->sram, DEVICE(pdev));
}

/*
 * Every device reset: system reset, secondary bus reset, FLR, and D3hot ->
 * D0 (through pci_device_reset()). The eDMA and NPU drop their work and
 * timers here, so nothing reaches host memory after the reset: no element,
 * no IMWr, no NPU completion. LPDDR and SRAM keep their contents.
 */
static void akd_reset(DeviceState *dev)
{
	AkdState *s = AKD1000(dev);

	akd_pm_set_state(s, 0);
	pcie_cap_deverr_reset(PCI_DEVICE(s));

	memset(s->atu_in, 0, sizeof(s->atu_in));
	memset(s->atu_out, 0, sizeof(s->atu_out));
	memset(s->atu_ready, 0, sizeof(s->atu_ready));
	s->atu_viewport = 0;
	akd_link_reset(s);
	akd_edma_reset(s);
	akd_npu_reset(s);
	msi_reset(PCI_DEVICE(s));
}

static int akd_post_load(void *opaque, int version_id)
{
	AkdState *s = opaque;
	int ret = akd_npu_post_load(s);

	if (!ret)
		ret = akd_edma_post_load(s);
	if (ret)
		return ret;
	akd_edma_resume(s);
	akd_npu_resume(s);
	return 0;
}

static const VMStateDescription vmstate_akd_atu = {
	.name = "akd1000-atu",
	.version_id = 1,
	.minimum_version_id = 1,
	.fields = (VMStateField[]) {
		VMSTATE_UINT32(cr1, AkdAtuRegion),
		VMSTATE_UINT32(cr2, AkdAtuRegion),
		VMSTATE_UINT32(lower_base, AkdAtuRegion),
		VMSTATE_UINT32(upper_base, AkdAtuRegion),
		VMSTATE_UINT32(limit, AkdAtuRegion),
		VMSTATE_UINT32(lower_target, AkdAtuRegion),
		VMSTATE_UINT32(upper_target, AkdAtuRegion),
		VMSTATE_END_OF_LIST()
	}
};

static const VMStateDescription vmstate_akd = {
	.name = TYPE_AKD1000,
	.version_id = 2,
	.minimum_version_id = 1,
	.post_load = akd_post_load,
	.fields = (VMStateField[]) {
		VMSTATE_PCI_DEVICE(parent_obj, AkdState),
		VMSTATE_BOOL(timing_modeled, AkdState),
		VMSTATE_UINT32(atu_viewport, AkdState),
		VMSTATE_STRUCT_ARRAY(atu_in, AkdState, AKD_ATU_REGIONS, 1,
				     vmstate_akd_atu, AkdAtuRegion),
		VMSTATE_STRUCT_ARRAY(atu_out, AkdState, AKD_ATU_REGIONS, 1,
				     vmstate_akd_atu, AkdAtuRegion),
		VMSTATE_INT64_ARRAY_V(atu_ready, AkdState, AKD_ATU_REGIONS, 2),
		VMSTATE_STRUCT(edma, AkdState, 1, vmstate_akd_edma, AkdEdma),
		VMSTATE_STRUCT(npu, AkdState, 1, vmstate_akd_npu, AkdNpu),
		VMSTATE_STRUCT(link, AkdState, 1, vmstate_akd_link, AkdLink),
		VMSTATE_END_OF_LIST()
	}
};

static Property akd_properties[] = {
	DEFINE_PROP_SIZE("lpddr-size", AkdState, lpddr_size, AKD_LPDDR_DEFAULT),
	DEFINE_PROP_STRING("timing", AkdState, timing_prop),
	DEFINE_PROP_UINT32("msi-vectors", AkdState, msi_vectors, 1),
	DEFINE_PROP_UINT32("iatu-delay-us", AkdState, link.iatu_delay_us,
			   AKD_IATU_DELAY_DEFAULT_US),
	DEFINE_PROP_UINT32("link-delay-us", AkdState, link.link_delay_us, 0),
	DEFINE_PROP_BOOL("model-iface", AkdState, model_iface, true),
	DEFINE_PROP_END_OF_LIST(),
};

static void akd_class_init(ObjectClass *klass, void *data)
{
	DeviceClass *dc = DEVICE_CLASS(klass);
	PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

	k->realize = akd_realize;
	k->exit = akd_exit;
	k->config_read = akd_config_read;
	k->config_write = akd_config_write;
	k->vendor_id = AKD_VENDOR_ID;
	k->device_id = AKD_DEVICE_ID;
	k->revision = 0x01;
	k->class_id = AKD_CLASS_ACCELERATOR;
	dc->desc = "BrainChip AKD1000 NPU (emulated)";
	dc->reset = akd_reset;
	dc->vmsd = &vmstate_akd;
	set_bit(DEVICE_CATEGORY_MISC, dc->categories);
	device_class_set_props(dc, akd_properties);
}

static const TypeInfo akd_info = {
	.name = TYPE_AKD1000,
	.parent = TYPE_PCI_DEVICE,
	.instance_size = sizeof(AkdState),
	.class_init = akd_class_init,
	.interfaces = (InterfaceInfo[]) {
		{ INTERFACE_PCIE_DEVICE },
		{ }
	},
};

static void akd_register_types(void)
{
	type_register_static(&akd_info);
}

type_init(akd_register_types)
