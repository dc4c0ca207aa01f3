// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated AKD1000 on its own (no driver): PCI identity, the iATU gate
 * of each BAR, the AXI targets behind the BARs, the NPU identity registers,
 * the test-control window, the link-model MMIO counters and the "dead"
 * fault with its recoveries.
 *
 * Runs as root in the test guest; unbinds akida_pcie and rebinds it at the
 * end. SKIPs without the emulated device.
 */
#include "kselftest_harness.h"
#include "emu_util.h"

FIXTURE(emu) {
	struct emu_dev d;
};

FIXTURE_SETUP(emu)
{
	if (geteuid())
		SKIP(return, "needs root");
	if (emu_find(&self->d))
		ABSENT(return, "no emulated AKD1000 (1e7c:bca1)");
	ASSERT_EQ(0, emu_open(&self->d));
}

FIXTURE_TEARDOWN(emu)
{
	if (self->d.bdf[0])
		emu_close(&self->d);
}

static int find_cap(struct emu_dev *d, uint8_t id)
{
	uint8_t pos = emu_cfg_r16(d, 0x34) & 0xfc;
	int n = 0;

	while (pos && n++ < 48) {
		uint16_t hdr = emu_cfg_r16(d, pos);

		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

TEST_F(emu, identity)
{
	struct emu_dev *d = &self->d;
	int msi;

	EXPECT_EQ(0xbca11e7cu, emu_cfg_r32(d, 0));
	EXPECT_EQ(0x120000u, emu_cfg_r32(d, 8) >> 8);
	/* 64-bit memory BARs 0, 2, 4. */
	EXPECT_EQ(0x4u, emu_cfg_r32(d, 0x10) & 0x7);
	EXPECT_EQ(0x4u, emu_cfg_r32(d, 0x18) & 0x7);
	EXPECT_EQ(0x4u, emu_cfg_r32(d, 0x20) & 0x7);
	EXPECT_EQ(4u << 20, d->bar_size[0]);
	EXPECT_EQ(4u << 20, d->bar_size[2]);
	msi = find_cap(d, 0x05);
	EXPECT_NE(0, msi);
	/* 64-bit MSI capable. */
	EXPECT_NE(0, emu_cfg_r16(d, msi + 2) & 0x80);
	EXPECT_NE(0, find_cap(d, 0x10));	/* PCI Express */
}

TEST_F(emu, iatu_gate_each_bar)
{
	struct emu_dev *d = &self->d;

	/* After reset no region is enabled: every BAR reads all ones. */
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
	EXPECT_EQ(0xffffffffu, emu_r32(d, 2, EMU_EDMA + EMU_E_CTRL));
	EXPECT_EQ(0xffffffffu, emu_r32(d, 4, 0x1000));
	EXPECT_EQ(0xffffffffu, emu_tw_r(d, AKIDA_EMU_MAGIC));
	/* Writes before the gate opens are dropped. */
	emu_w32(d, 4, 0x1000, 0x12345678);

	emu_atu_map(d, 0, 0, EMU_AXI_NPU);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));
	EXPECT_EQ(AKIDA_EMU_MAGIC_VALUE, emu_tw_r(d, AKIDA_EMU_MAGIC));
	EXPECT_EQ(0xffffffffu, emu_r32(d, 2, EMU_EDMA + EMU_E_CTRL));
	EXPECT_EQ(0xffffffffu, emu_r32(d, 4, 0x1000));

	emu_atu_map(d, 1, 2, EMU_AXI_DBI);
	/* Two write and two read channels. */
	EXPECT_EQ(0x00020002u, emu_edma_r(d, EMU_E_CTRL));
	EXPECT_EQ(0xffffffffu, emu_r32(d, 4, 0x1000));

	emu_atu_map(d, 2, 4, EMU_AXI_LPDDR);
	EXPECT_NE(0x12345678u, emu_r32(d, 4, 0x1000));
	emu_w32(d, 4, 0x1000, 0xa5a5f00d);
	EXPECT_EQ(0xa5a5f00du, emu_r32(d, 4, 0x1000));
	EXPECT_EQ((uint32_t)d->bar_size[4], emu_tw_r(d, AKIDA_EMU_LPDDR_SIZE));

	/* Disabling a region closes its BAR again. */
	emu_atu_disable(d, 2);
	EXPECT_EQ(0xffffffffu, emu_r32(d, 4, 0x1000));
	emu_atu_disable(d, 1);
	EXPECT_EQ(0xffffffffu, emu_edma_r(d, EMU_E_CTRL));
	emu_atu_disable(d, 0);
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
}

TEST_F(emu, iatu_needs_bar_mode_and_bar_number)
{
	struct emu_dev *d = &self->d;

	/* Enabled but in address-match mode: no BAR match. */
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND | 0);
	emu_cfg_w32(d, EMU_ATU_LOWER_TARGET, EMU_AXI_NPU);
	emu_cfg_w32(d, EMU_ATU_CR2, EMU_ATU_ENABLE | (0u << 8));
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
	/* BAR-match mode for BAR2: BAR0 stays closed. */
	emu_cfg_w32(d, EMU_ATU_CR2, EMU_ATU_ENABLE | EMU_ATU_BAR_MODE | (2u << 8));
	emu_usleep(d->iatu_delay_us + 100);
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
	/* BAR2 now reaches the NPU registers instead of the DBI. */
	EXPECT_EQ(0x194000a1u, emu_r32(d, 2, 0));
	/* BAR-match mode, BAR0, not enabled. */
	emu_cfg_w32(d, EMU_ATU_CR2, EMU_ATU_BAR_MODE | (0u << 8));
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
	/* An outbound region does not open anything. */
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, 0);
	emu_cfg_w32(d, EMU_ATU_LOWER_TARGET, EMU_AXI_NPU);
	emu_cfg_w32(d, EMU_ATU_CR2, EMU_ATU_ENABLE | EMU_ATU_BAR_MODE);
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
}

TEST_F(emu, iatu_registers_read_back)
{
	struct emu_dev *d = &self->d;

	emu_atu_map(d, 2, 4, EMU_AXI_LPDDR);
	emu_atu_map(d, 5, 0, 0x12345000);
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND | 2);
	EXPECT_EQ(EMU_ATU_INBOUND | 2, emu_cfg_r32(d, EMU_ATU_VIEWPORT));
	EXPECT_EQ(EMU_ATU_ENABLE | EMU_ATU_BAR_MODE | (4u << 8),
		  emu_cfg_r32(d, EMU_ATU_CR2));
	EXPECT_EQ(EMU_AXI_LPDDR, emu_cfg_r32(d, EMU_ATU_LOWER_TARGET));
	EXPECT_EQ(0u, emu_cfg_r32(d, EMU_ATU_UPPER_TARGET));
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND | 5);
	EXPECT_EQ(0x12345000u, emu_cfg_r32(d, EMU_ATU_LOWER_TARGET));
	/* Region 9 does not exist: reads 0, writes ignored. */
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND | 9);
	emu_cfg_w32(d, EMU_ATU_LOWER_TARGET, 0x1000);
	EXPECT_EQ(0u, emu_cfg_r32(d, EMU_ATU_LOWER_TARGET));
	/* The DBI mirrors configuration space (read-only) through BAR2. */
	emu_atu_map(d, 1, 2, EMU_AXI_DBI);
	EXPECT_EQ(0xbca11e7cu, emu_r32(d, 2, 0));
}

TEST_F(emu, iatu_target_is_honoured)
{
	struct emu_dev *d = &self->d;

	emu_atu_default(d);
	emu_w32(d, 4, 0x40, 0x11111111);
	/* BAR4 onto the SRAM. */
	emu_atu_map(d, 2, 4, EMU_AXI_SRAM);
	emu_w32(d, 4, 0x40, 0x22222222);
	EXPECT_EQ(0x22222222u, emu_r32(d, 4, 0x40));
	/* Past the 1 MiB of SRAM nothing answers. */
	EXPECT_EQ(0xffffffffu, emu_r32(d, 4, EMU_SRAM_SIZE));
	/* BAR0 onto the LPDDR. */
	emu_atu_map(d, 0, 0, EMU_AXI_LPDDR);
	EXPECT_EQ(0x11111111u, emu_r32(d, 0, 0x40));
	emu_atu_default(d);
	EXPECT_EQ(0x11111111u, emu_r32(d, 4, 0x40));
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));
}

TEST_F(emu, npu_identity)
{
	struct emu_dev *d = &self->d;

	emu_atu_default(d);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0x0000));
	/* VERSION belongs to the [model] interface (see model_iface). */
	EXPECT_EQ(emu_tw_r(d, AKIDA_EMU_MODEL_IFACE) ? 0x00010000u : 0u,
		  emu_npu_r(d, 0x0004));
	EXPECT_EQ(80u, emu_npu_r(d, 0x10c0));
	EXPECT_EQ(10u << 20, emu_npu_r(d, 0x1410));
	EXPECT_EQ(0u, emu_npu_r(d, 0x1418));
	EXPECT_EQ(0x04aa0001u, emu_npu_r(d, 0x4010));
	/* All 80 NPs enabled after reset. */
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0x1e0c));
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0x1e10));
	EXPECT_EQ(0x0000ffffu, emu_npu_r(d, 0x1e14));
	EXPECT_EQ(0u, emu_npu_r(d, 0x1e18));
	/* Read/write, limited to the NPs that exist. */
	emu_npu_w(d, 0x1e10, 0x00ff00ff);
	EXPECT_EQ(0x00ff00ffu, emu_npu_r(d, 0x1e10));
	emu_npu_w(d, 0x1e14, 0xffffffff);
	EXPECT_EQ(0x0000ffffu, emu_npu_r(d, 0x1e14));
	emu_npu_w(d, 0x1e20, 0xffffffff);
	EXPECT_EQ(0u, emu_npu_r(d, 0x1e20));
	/* Identity registers are read-only. */
	emu_npu_w(d, 0x0000, 0);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0x0000));
	emu_npu_w(d, 0x10c0, 3);
	EXPECT_EQ(80u, emu_npu_r(d, 0x10c0));
	/* NP_CONFIG windows are RAM. */
	emu_npu_w(d, 0xe000, 0xdeadbeef);
	emu_npu_w(d, 0xe000 + 79 * 0x100 + 0xfc, 0x01020304);
	EXPECT_EQ(0xdeadbeefu, emu_npu_r(d, 0xe000));
	EXPECT_EQ(0x01020304u, emu_npu_r(d, 0xe000 + 79 * 0x100 + 0xfc));
}

TEST_F(emu, test_window)
{
	struct emu_dev *d = &self->d;
	uint32_t timing;

	emu_atu_default(d);
	timing = emu_tw_r(d, AKIDA_EMU_TIMING);
	EXPECT_EQ(AKIDA_EMU_MAGIC_VALUE, emu_tw_r(d, AKIDA_EMU_MAGIC));
	EXPECT_EQ(1u, emu_tw_r(d, AKIDA_EMU_IFVERSION));
	emu_tw_w(d, AKIDA_EMU_MAGIC, 0);
	EXPECT_EQ(AKIDA_EMU_MAGIC_VALUE, emu_tw_r(d, AKIDA_EMU_MAGIC));
	emu_tw_w(d, AKIDA_EMU_TIMING, 0);
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_TIMING));
	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	EXPECT_EQ(1u, emu_tw_r(d, AKIDA_EMU_TIMING));
	emu_tw_w(d, AKIDA_EMU_TIMING, 7);
	EXPECT_EQ(1u, emu_tw_r(d, AKIDA_EMU_TIMING));
	emu_tw_w(d, AKIDA_EMU_TIMING, timing);

	/* Faults read back what is left; CLEAR_FAULTS clears them. */
	emu_tw_w(d, AKIDA_EMU_FAULT_DMA_ABORT, 3);
	emu_tw_w(d, AKIDA_EMU_FAULT_DMA_ERRSTATUS, AKIDA_EMU_ERR_WRITE);
	emu_tw_w(d, AKIDA_EMU_FAULT_DELAY_US, 100);
	emu_tw_w(d, AKIDA_EMU_FAULT_DROP, 2);
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_ERROR, 5);
	EXPECT_EQ(3u, emu_tw_r(d, AKIDA_EMU_FAULT_DMA_ABORT));
	EXPECT_EQ(AKIDA_EMU_ERR_WRITE, emu_tw_r(d, AKIDA_EMU_FAULT_DMA_ERRSTATUS));
	EXPECT_EQ(100u, emu_tw_r(d, AKIDA_EMU_FAULT_DELAY_US));
	EXPECT_EQ(2u, emu_tw_r(d, AKIDA_EMU_FAULT_DROP));
	EXPECT_EQ(5u, emu_tw_r(d, AKIDA_EMU_FAULT_NPU_ERROR));
	emu_tw_w(d, AKIDA_EMU_FAULT_DMA_ERRSTATUS, 9);	/* no such kind */
	EXPECT_EQ(AKIDA_EMU_ERR_WRITE, emu_tw_r(d, AKIDA_EMU_FAULT_DMA_ERRSTATUS));
	emu_tw_w(d, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DMA_ABORT));
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DELAY_US));
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DROP));
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_NPU_ERROR));
}

TEST_F(emu, mmio_counters)
{
	struct emu_dev *d = &self->d;
	int i;

	emu_atu_default(d);
	emu_tw_w(d, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_RESET_COUNTERS);
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_MMIO_READS));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_MODELED_NS));
	for (i = 0; i < 10; i++)
		emu_npu_r(d, 0);
	for (i = 0; i < 4; i++)
		emu_w32(d, 4, 0x100 + 4 * i, i);
	emu_edma_r(d, EMU_E_CTRL);
	emu_w32(d, 2, EMU_EDMA + EMU_E_VIEWPORT, 0);
	/* Configuration space and the test window are not counted. */
	emu_cfg_r32(d, 0);
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND);
	EXPECT_EQ(11u, emu_counter(d, AKIDA_EMU_CNT_MMIO_READS));
	EXPECT_EQ(5u, emu_counter(d, AKIDA_EMU_CNT_MMIO_WRITES));
	/* 1 us per read, 0.1 us per write. */
	EXPECT_EQ(11u * 1000 + 5u * 100, emu_counter(d, AKIDA_EMU_CNT_MODELED_NS));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_DMA_ELEMENTS));
	/* Counters are read-only. */
	emu_tw_w(d, AKIDA_EMU_CNT_MMIO_READS, 0);
	EXPECT_EQ(11u, emu_counter(d, AKIDA_EMU_CNT_MMIO_READS));
}

static bool dead_now(struct emu_dev *d)
{
	return emu_npu_r(d, 0) == 0xffffffffu &&
	       emu_r32(d, 4, 0) == 0xffffffffu &&
	       emu_cfg_r32(d, 0) == 0xffffffffu;
}

TEST_F(emu, fault_dead_for_ms)
{
	struct emu_dev *d = &self->d;
	uint64_t reads;

	emu_atu_default(d);
	emu_w32(d, 4, 0, 0x5a5a5a5a);
	emu_tw_w(d, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_RESET_COUNTERS);
	/* Generous: the checks below must run within it on a loaded host. */
	emu_tw_w(d, AKIDA_EMU_FAULT_DEAD_MS, 2000);
	EXPECT_TRUE(dead_now(d));
	EXPECT_EQ(0xffffffffu, emu_tw_r(d, AKIDA_EMU_MAGIC));
	emu_w32(d, 4, 0, 0x11111111);	/* dropped */
	emu_msleep(3000);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));
	EXPECT_EQ(0xbca11e7cu, emu_cfg_r32(d, 0));
	EXPECT_EQ(0x5a5a5a5au, emu_r32(d, 4, 0));
	/* The iATU kept its programming; accesses while dead were not counted. */
	reads = emu_counter(d, AKIDA_EMU_CNT_MMIO_READS);
	EXPECT_EQ(2u, reads);
}

/*
 * A secondary bus reset through the root port, then the BARs and the
 * command register put back from @saved (the header as it was before).
 */
static int bus_reset(struct emu_dev *d, const uint32_t *saved)
{
	char path[PATH_MAX + 16], port[PATH_MAX], *p;
	uint16_t bctl;
	int fd, i;

	if (!realpath(d->path, port))
		return -errno;
	p = strrchr(port, '/');
	if (!p)
		return -EINVAL;
	*p = 0;
	snprintf(path, sizeof(path), "%s/config", port);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &bctl, 2, 0x3e) != 2) {
		close(fd);
		return -EIO;
	}
	bctl |= 0x40;
	if (pwrite(fd, &bctl, 2, 0x3e) != 2) {
		close(fd);
		return -EIO;
	}
	emu_msleep(5);
	bctl &= ~0x40;
	if (pwrite(fd, &bctl, 2, 0x3e) != 2) {
		close(fd);
		return -EIO;
	}
	close(fd);
	emu_msleep(100);
	/* Restore the BARs and then the command register. */
	for (i = 4; i < 10; i++)
		emu_cfg_w32(d, 4 * i, saved[i]);
	emu_cfg_w16(d, 4, saved[1] & 0xffff);
	return 0;
}

TEST_F(emu, fault_dead_until_reset)
{
	struct emu_dev *d = &self->d;
	uint32_t saved[16];
	int i;

	for (i = 0; i < 16; i++)
		saved[i] = emu_cfg_r32(d, 4 * i);
	emu_atu_default(d);
	emu_tw_w(d, AKIDA_EMU_FAULT_DEAD_MS, 0xffffffffu);
	EXPECT_TRUE(dead_now(d));
	emu_msleep(200);
	EXPECT_TRUE(dead_now(d));
	ASSERT_EQ(0, bus_reset(d, saved));
	EXPECT_EQ(0xbca11e7cu, emu_cfg_r32(d, 0));
	/* A reset closes the iATU gate. */
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
	emu_atu_default(d);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DEAD_MS));
}

/* ---- IFACE_MAGIC, model-iface and readiness ----------------------------- */

#define IFACE_MAGIC	0x31504b41u	/* "AKP1" */

/*
 * IFACE_MAGIC identifies the [model] interface. With the device property
 * model-iface=off (MODEL_IFACE reads 0) it reads 0 and every [model]
 * register is unknown silicon: reads 0, writes counted and without effect;
 * the identity registers keep working.
 */
TEST_F(emu, model_iface)
{
	struct emu_dev *d = &self->d;
	uint64_t model, ident;

	emu_atu_default(d);
	model = emu_counter(d, AKIDA_EMU_CNT_WR_NPU_MODEL);
	ident = emu_counter(d, AKIDA_EMU_CNT_WR_NPU_IDENT);
	/* Read-only either way; the write is counted as a [model] write. */
	emu_npu_w(d, 0x000c, 0);
	EXPECT_EQ(model + 1, emu_counter(d, AKIDA_EMU_CNT_WR_NPU_MODEL));
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0x0000));
	EXPECT_EQ(80u, emu_npu_r(d, 0x10c0));
	emu_npu_w(d, 0x1e10, 0x0000ffff);
	EXPECT_EQ(0x0000ffffu, emu_npu_r(d, 0x1e10));
	EXPECT_EQ(ident + 1, emu_counter(d, AKIDA_EMU_CNT_WR_NPU_IDENT));
	if (emu_tw_r(d, AKIDA_EMU_MODEL_IFACE)) {
		EXPECT_EQ(IFACE_MAGIC, emu_npu_r(d, 0x000c));
		EXPECT_EQ(0x00010000u, emu_npu_r(d, 0x0004));
		EXPECT_EQ(1u, emu_npu_r(d, EMU_NPU_STATUS) & 1);
		emu_npu_w(d, EMU_NPU_CLOCK_MODE, 2);
		EXPECT_EQ(2u, emu_npu_r(d, EMU_NPU_CLOCK_MODE));
		emu_npu_w(d, EMU_NPU_CLOCK_MODE, 0);
		return;
	}
	EXPECT_EQ(0u, emu_npu_r(d, 0x000c));
	EXPECT_EQ(0u, emu_npu_r(d, 0x0004));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_STATUS));
	emu_npu_w(d, EMU_NPU_CONTROL, 2);
	emu_npu_w(d, EMU_NPU_IRQ_ENABLE, 7);
	emu_npu_w(d, EMU_NPU_INFER_START, 1);
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_CONTROL));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_IRQ_ENABLE));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_INFER_STATUS));
	EXPECT_EQ(model + 4, emu_counter(d, AKIDA_EMU_CNT_WR_NPU_MODEL));
	/* No stale interrupt either: there is no IRQ_STATUS. */
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_STALE, 1);
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
}

/*
 * iATU readiness: a region decodes iatu-delay-us after it is enabled, and
 * the region control reads back enabled at once (a read-back is not proof
 * of readiness). Disabling closes the BAR at once.
 */
TEST_F(emu, iatu_delay)
{
	struct emu_dev *d = &self->d;
	uint32_t keep = d->iatu_delay_us, v;
	uint64_t t0, ns;

	emu_atu_default(d);
	EXPECT_GT(keep, 0u);	/* nonzero by default: readiness polls run */
	emu_tw_w(d, AKIDA_EMU_IATU_DELAY_US, 300000);
	EXPECT_EQ(300000u, emu_tw_r(d, AKIDA_EMU_IATU_DELAY_US));
	emu_w32(d, 4, 0x40, 0x600df00d);
	emu_atu_disable(d, 2);
	EXPECT_EQ(0xffffffffu, emu_r32(d, 4, 0x40));
	t0 = emu_now_ns();
	emu_atu_map_nowait(d, 2, 4, EMU_AXI_LPDDR);
	EXPECT_EQ(EMU_ATU_ENABLE | EMU_ATU_BAR_MODE | (4u << 8),
		  emu_cfg_r32(d, EMU_ATU_CR2));
	EXPECT_EQ(0xffffffffu, emu_r32(d, 4, 0x40));
	emu_w32(d, 4, 0x40, 0x12345678);	/* dropped */
	/* The other BARs are not affected. */
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));
	v = emu_poll(d, 4, 0x40, 0xffffffffu, 0x600df00d, 2000);
	ns = emu_now_ns() - t0;
	EXPECT_EQ(0x600df00du, v);
	EXPECT_GE(ns, 300000000ull);
	/* Back to the default; zero decodes at once. */
	emu_tw_w(d, AKIDA_EMU_IATU_DELAY_US, 0);
	emu_atu_map_nowait(d, 2, 4, EMU_AXI_LPDDR);
	EXPECT_EQ(0x600df00du, emu_r32(d, 4, 0x40));
	emu_tw_w(d, AKIDA_EMU_IATU_DELAY_US, 1u << 30);	/* over 10 s: ignored */
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_IATU_DELAY_US));
	emu_tw_w(d, AKIDA_EMU_IATU_DELAY_US, keep);
}

/*
 * Link readiness: after a reset the BARs answer only link-delay-us later,
 * even with their iATU regions programmed. The delay survives the reset.
 */
TEST_F(emu, link_delay)
{
	struct emu_dev *d = &self->d;
	uint64_t t0, ns;
	uint32_t v;

	emu_atu_default(d);
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_LINK_DELAY_US));
	emu_tw_w(d, AKIDA_EMU_LINK_DELAY_US, 1500000);
	t0 = emu_now_ns();
	ASSERT_EQ(0, emu_reset(d));
	emu_atu_default(d);
	EXPECT_EQ(0xffffffffu, emu_npu_r(d, 0));
	v = emu_poll(d, 0, 0, 0xffffffffu, 0x194000a1u, 5000);
	ns = emu_now_ns() - t0;
	EXPECT_EQ(0x194000a1u, v);
	EXPECT_GE(ns, 1500000000ull);
	EXPECT_EQ(1500000u, emu_tw_r(d, AKIDA_EMU_LINK_DELAY_US));
	emu_tw_w(d, AKIDA_EMU_LINK_DELAY_US, 0);
	ASSERT_EQ(0, emu_reset(d));
	emu_atu_default(d);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));
}

TEST_HARNESS_MAIN
