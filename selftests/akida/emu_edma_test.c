// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated AKD1000's DesignWare eDMA on its own (no driver): register
 * paths through the legacy viewport, transfers in both directions on every
 * channel, linked lists with link elements and the cycle bit, single-block
 * mode, every AXI target, aborts with their error status and abort IMWr,
 * masks, the stop bit, the robustness bounds, modeled timing and the DMA
 * fault injections of the test-control window.
 *
 * The eDMA masters guest-physical addresses here, so the tests SKIP when an
 * IOMMU translates the device's DMA. Runs as root; unbinds akida_pcie and
 * rebinds it at the end.
 */
#include "kselftest_harness.h"
#include "emu_util.h"

#define LIST_BASE	0x20001000u	/* lists: 0x1000 per channel */
#define DATA_BASE	0x20100000u	/* chip-side data */
#define PG		4096u
#define DONE(ch)	(1u << (ch))
#define ABORT(ch)	(1u << (16 + (ch)))
#define HOST_HOLE	(1ull << 45)	/* no memory there */

FIXTURE(edma) {
	struct emu_dev d;
	uint32_t timing;	/* the mode to restore */
	struct emu_page src, dst, imwr;
};

FIXTURE_SETUP(edma)
{
	if (geteuid())
		SKIP(return, "needs root");
	if (emu_find(&self->d))
		ABSENT(return, "no emulated AKD1000 (1e7c:bca1)");
	if (emu_iommu_on(&self->d))
		SKIP(return, "an IOMMU translates DMA; these tests need physical addresses");
	ASSERT_EQ(0, emu_open(&self->d));
	ASSERT_EQ(0, emu_page_alloc(&self->src));
	ASSERT_EQ(0, emu_page_alloc(&self->dst));
	ASSERT_EQ(0, emu_page_alloc(&self->imwr));
	emu_atu_default(&self->d);
	self->timing = emu_tw_r(&self->d, AKIDA_EMU_TIMING);
	emu_tw_w(&self->d, AKIDA_EMU_TIMING, 0);
	emu_tw_w(&self->d, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS |
		 AKIDA_EMU_CTRL_RESET_COUNTERS);
}

FIXTURE_TEARDOWN(edma)
{
	if (self->d.bar[0] && self->d.cfg >= 0)
		emu_tw_w(&self->d, AKIDA_EMU_TIMING, self->timing);
	emu_page_free(&self->src);
	emu_page_free(&self->dst);
	emu_page_free(&self->imwr);
	if (self->d.bdf[0])
		emu_close(&self->d);
}

/* ---- helpers --------------------------------------------------------------- */

static void ch_sel(struct emu_dev *d, int dir, int ch)
{
	emu_edma_w(d, EMU_E_VIEWPORT, (dir == EMU_RD ? 1u << 31 : 0) | ch);
}

static uint32_t ch_r(struct emu_dev *d, int dir, int ch, uint32_t off)
{
	ch_sel(d, dir, ch);
	return emu_edma_r(d, off);
}

static void ch_w(struct emu_dev *d, int dir, int ch, uint32_t off, uint32_t v)
{
	ch_sel(d, dir, ch);
	emu_edma_w(d, off, v);
}

static uint32_t imwr_data(int dir, int ch)
{
	return 0x1000 + dir * 0x10 + ch;
}

static volatile uint32_t *done_word(struct emu_page *imwr, int dir)
{
	return (volatile uint32_t *)(imwr->va + 0x100 * dir);
}

static volatile uint32_t *abort_word(struct emu_page *imwr, int dir)
{
	return (volatile uint32_t *)(imwr->va + 0x800 + 0x100 * dir);
}

/* Engine on, interrupts unmasked, IMWr to @imwr, LL errors reported. */
static void dma_on(struct emu_dev *d, struct emu_page *imwr, int dir)
{
	uint64_t done = imwr->pa + 0x100 * dir, abrt = imwr->pa + 0x800 + 0x100 * dir;

	memset((void *)imwr->va, 0, PG);
	emu_edma_w(d, EMU_E_ENGINE_EN(dir), 1);
	emu_edma_w(d, EMU_E_INT_MASK(dir), 0);
	emu_edma_w(d, EMU_E_LL_ERR_EN(dir), 0x3);
	emu_edma_w(d, EMU_E_DONE_IMWR(dir), (uint32_t)done);
	emu_edma_w(d, EMU_E_DONE_IMWR(dir) + 4, (uint32_t)(done >> 32));
	emu_edma_w(d, EMU_E_ABORT_IMWR(dir), (uint32_t)abrt);
	emu_edma_w(d, EMU_E_ABORT_IMWR(dir) + 4, (uint32_t)(abrt >> 32));
	emu_edma_w(d, EMU_E_IMWR_DATA(dir),
		   imwr_data(dir, 0) | imwr_data(dir, 1) << 16);
	emu_edma_w(d, EMU_E_INT_CLEAR(dir), 0x00ff00ff);
}

static void put_data(struct emu_dev *d, uint32_t at, uint32_t ctrl,
		     uint32_t size, uint64_t sar, uint64_t dar)
{
	volatile uint32_t *p = (volatile uint32_t *)emu_lpddr(d, at);

	p[0] = ctrl;
	p[1] = size;
	p[2] = (uint32_t)sar;
	p[3] = (uint32_t)(sar >> 32);
	p[4] = (uint32_t)dar;
	p[5] = (uint32_t)(dar >> 32);
}

static void put_link(struct emu_dev *d, uint32_t at, uint32_t ctrl,
		     uint64_t llp)
{
	volatile uint32_t *p = (volatile uint32_t *)emu_lpddr(d, at);

	p[0] = ctrl | EMU_LLP;
	p[1] = 0;
	p[2] = (uint32_t)llp;
	p[3] = (uint32_t)(llp >> 32);
}

static uint32_t list_of(int dir, int ch)
{
	return LIST_BASE + 0x1000 * (dir * 2 + ch);
}

/* CCS|LLE, the list pointer, the doorbell (the kernel's start sequence). */
static void start(struct emu_dev *d, int dir, int ch, uint64_t llp)
{
	ch_w(d, dir, ch, EMU_E_CH_CTRL1, EMU_CCS | EMU_LLE);
	ch_w(d, dir, ch, EMU_E_CH_LLP, (uint32_t)llp);
	ch_w(d, dir, ch, EMU_E_CH_LLP + 4, (uint32_t)(llp >> 32));
	emu_edma_w(d, EMU_E_DOORBELL(dir), ch);
}

/* Wait for the done or abort bit of @ch; returns the status. */
static uint32_t wait_ch(struct emu_dev *d, int dir, int ch, unsigned int ms)
{
	uint64_t end = emu_now_ns() + ms * 1000000ull;
	uint32_t v;

	for (;;) {
		v = emu_edma_r(d, EMU_E_INT_STATUS(dir));
		if ((v & (DONE(ch) | ABORT(ch))) || emu_now_ns() > end)
			return v;
		usleep(100);
	}
}

/* One data element, LIE|RIE, ended by a link element the channel stops at. */
static void one_element(struct emu_dev *d, int dir, int ch, uint32_t size,
			uint64_t sar, uint64_t dar)
{
	uint32_t l = list_of(dir, ch);

	put_data(d, l, EMU_CB | EMU_LIE | EMU_RIE, size, sar, dar);
	put_link(d, l + 24, EMU_TCB, l);	/* CB clear: the end */
}

static void fill(volatile uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static bool check(volatile uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

/* ---- registers ----------------------------------------------------------- */

TEST_F(edma, registers)
{
	struct emu_dev *d = &self->d;
	int dir, ch;

	EXPECT_EQ(0x00020002u, emu_edma_r(d, EMU_E_CTRL));
	emu_edma_w(d, EMU_E_CTRL, 0);
	EXPECT_EQ(0x00020002u, emu_edma_r(d, EMU_E_CTRL));
	for (dir = 0; dir < 2; dir++) {
		emu_edma_w(d, EMU_E_ENGINE_EN(dir), 1);
		EXPECT_EQ(1u, emu_edma_r(d, EMU_E_ENGINE_EN(dir)));
		emu_edma_w(d, EMU_E_INT_MASK(dir), 0xffffffff);
		EXPECT_EQ(0x00ff00ffu, emu_edma_r(d, EMU_E_INT_MASK(dir)));
		emu_edma_w(d, EMU_E_DONE_IMWR(dir), 0x11223344 + dir);
		emu_edma_w(d, EMU_E_DONE_IMWR(dir) + 4, 0x55 + dir);
		emu_edma_w(d, EMU_E_ABORT_IMWR(dir), 0x66778899 + dir);
		emu_edma_w(d, EMU_E_ABORT_IMWR(dir) + 4, 0xaa + dir);
		emu_edma_w(d, EMU_E_IMWR_DATA(dir), 0xbeef0000 + dir);
		emu_edma_w(d, EMU_E_IMWR_DATA(dir) + 12, 0xcafe0000 + dir);
		emu_edma_w(d, EMU_E_LL_ERR_EN(dir), 0x3);
	}
	for (dir = 0; dir < 2; dir++) {
		EXPECT_EQ(0x11223344u + dir, emu_edma_r(d, EMU_E_DONE_IMWR(dir)));
		EXPECT_EQ(0x55u + dir, emu_edma_r(d, EMU_E_DONE_IMWR(dir) + 4));
		EXPECT_EQ(0x66778899u + dir, emu_edma_r(d, EMU_E_ABORT_IMWR(dir)));
		EXPECT_EQ(0xaau + dir, emu_edma_r(d, EMU_E_ABORT_IMWR(dir) + 4));
		EXPECT_EQ(0xbeef0000u + dir, emu_edma_r(d, EMU_E_IMWR_DATA(dir)));
		EXPECT_EQ(0xcafe0000u + dir, emu_edma_r(d, EMU_E_IMWR_DATA(dir) + 12));
		EXPECT_EQ(0x3u, emu_edma_r(d, EMU_E_LL_ERR_EN(dir)));
		/* Status registers are read-only. */
		emu_edma_w(d, EMU_E_INT_STATUS(dir), 0xffffffff);
		EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(dir)));
		emu_edma_w(d, EMU_E_ERR_STATUS(dir), 0xffffffff);
		EXPECT_EQ(0u, emu_edma_r(d, EMU_E_ERR_STATUS(dir)));
	}
	/* Each channel's context through the viewport. */
	for (dir = 0; dir < 2; dir++)
		for (ch = 0; ch < 2; ch++) {
			uint32_t tag = 0x100 * (dir * 2 + ch);

			ch_w(d, dir, ch, EMU_E_CH_SIZE, tag + 1);
			ch_w(d, dir, ch, EMU_E_CH_SAR, tag + 2);
			ch_w(d, dir, ch, EMU_E_CH_SAR + 4, tag + 3);
			ch_w(d, dir, ch, EMU_E_CH_DAR, tag + 4);
			ch_w(d, dir, ch, EMU_E_CH_DAR + 4, tag + 5);
			ch_w(d, dir, ch, EMU_E_CH_LLP, tag + 6);
			ch_w(d, dir, ch, EMU_E_CH_LLP + 4, tag + 7);
			ch_w(d, dir, ch, EMU_E_CH_CTRL1, EMU_CCS | EMU_LLE | (3u << 5));
		}
	for (dir = 0; dir < 2; dir++)
		for (ch = 0; ch < 2; ch++) {
			uint32_t tag = 0x100 * (dir * 2 + ch);

			EXPECT_EQ(tag + 1, ch_r(d, dir, ch, EMU_E_CH_SIZE));
			EXPECT_EQ(tag + 2, ch_r(d, dir, ch, EMU_E_CH_SAR));
			EXPECT_EQ(tag + 3, ch_r(d, dir, ch, EMU_E_CH_SAR + 4));
			EXPECT_EQ(tag + 4, ch_r(d, dir, ch, EMU_E_CH_DAR));
			EXPECT_EQ(tag + 5, ch_r(d, dir, ch, EMU_E_CH_DAR + 4));
			EXPECT_EQ(tag + 6, ch_r(d, dir, ch, EMU_E_CH_LLP));
			EXPECT_EQ(tag + 7, ch_r(d, dir, ch, EMU_E_CH_LLP + 4));
			/* CS is read-only (0 after reset). */
			EXPECT_EQ(EMU_CCS | EMU_LLE,
				  ch_r(d, dir, ch, EMU_E_CH_CTRL1));
		}
	EXPECT_EQ((1u << 31) | 1, emu_edma_r(d, EMU_E_VIEWPORT));
	/* Channel 3 does not exist. */
	ch_w(d, EMU_WR, 3, EMU_E_CH_SAR, 0x1234);
	EXPECT_EQ(0u, ch_r(d, EMU_WR, 3, EMU_E_CH_SAR));
}

/* ---- transfers ----------------------------------------------------------- */

static void transfer_each(struct __test_metadata *_metadata,
			  FIXTURE_DATA(edma) *self, int dir, int ch)
{
	struct emu_dev *d = &self->d;
	uint32_t axi = DATA_BASE + 0x10000 * (dir * 2 + ch);
	uint32_t st, ctrl1;
	uint8_t seed = 0x31 + dir * 2 + ch;

	dma_on(d, &self->imwr, dir);
	if (dir == EMU_RD) {
		fill(self->src.va, PG, seed);
		memset((void *)emu_lpddr(d, axi), 0, PG);
		one_element(d, dir, ch, PG, self->src.pa, axi);
	} else {
		fill(emu_lpddr(d, axi), PG, seed);
		memset((void *)self->dst.va, 0, PG);
		one_element(d, dir, ch, PG, axi, self->dst.pa);
	}
	start(d, dir, ch, list_of(dir, ch));
	st = wait_ch(d, dir, ch, 2000);
	EXPECT_EQ(DONE(ch), st);
	EXPECT_TRUE(check(dir == EMU_RD ? emu_lpddr(d, axi) : self->dst.va,
			  PG, seed));
	/* The done IMWr carries this channel's data. */
	EXPECT_EQ(imwr_data(dir, ch), emu_wait_word((volatile uint8_t *)
						    done_word(&self->imwr, dir), 500));
	EXPECT_EQ(0u, *abort_word(&self->imwr, dir));
	ctrl1 = ch_r(d, dir, ch, EMU_E_CH_CTRL1);
	EXPECT_EQ(3u, EMU_CS(ctrl1));		/* stopped */
	/* The channel stopped at the link element (its CB did not match). */
	EXPECT_EQ(list_of(dir, ch) + 24, ch_r(d, dir, ch, EMU_E_CH_LLP));
	emu_edma_w(d, EMU_E_INT_CLEAR(dir), DONE(ch));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(dir)));
}

TEST_F(edma, each_direction_and_channel)
{
	struct emu_dev *d = &self->d;
	int dir, ch;

	for (dir = 0; dir < 2; dir++)
		for (ch = 0; ch < 2; ch++)
			transfer_each(_metadata, self, dir, ch);
	EXPECT_EQ(4u, emu_counter(d, AKIDA_EMU_CNT_DMA_ELEMENTS));
	EXPECT_EQ(4u * PG, emu_counter(d, AKIDA_EMU_CNT_DMA_BYTES));
	EXPECT_EQ(2u * PG, emu_counter(d, AKIDA_EMU_CNT_H2D_BYTES));
	EXPECT_EQ(2u * PG, emu_counter(d, AKIDA_EMU_CNT_D2H_BYTES));
	EXPECT_EQ(4u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	/* 0.5 us + bytes / 450 MB/s per element. */
	EXPECT_EQ(4u * (500 + PG * 20 / 9), emu_counter(d, AKIDA_EMU_CNT_DMA_NS));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_DMA_ABORTS));
}

TEST_F(edma, list_with_links_and_cycle_bit)
{
	struct emu_dev *d = &self->d;
	uint32_t l = list_of(EMU_RD, 0), l2 = l + 0x200, ctrl1;

	dma_on(d, &self->imwr, EMU_RD);
	fill(self->src.va, PG, 0x77);
	memset((void *)emu_lpddr(d, DATA_BASE), 0, 3 * 1024);
	/* Three 1 KiB pieces of the page, in reverse order, over two lists. */
	put_data(d, l, EMU_CB, 1024, self->src.pa + 2048, DATA_BASE);
	put_data(d, l + 24, EMU_CB, 1024, self->src.pa + 1024, DATA_BASE + 1024);
	put_link(d, l + 48, EMU_CB | EMU_TCB, l2);	/* toggles CCS to 0 */
	put_data(d, l2, EMU_LIE | EMU_RIE, 1024, self->src.pa, DATA_BASE + 2048);
	put_data(d, l2 + 24, EMU_CB, 1024, self->src.pa, DATA_BASE + 4096);
	start(d, EMU_RD, 0, l);
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_RD, 0, 2000));
	EXPECT_TRUE(check(emu_lpddr(d, DATA_BASE), 1024, (uint8_t)(0x77 + 2048 * 7)));
	EXPECT_TRUE(check(emu_lpddr(d, DATA_BASE + 1024), 1024, (uint8_t)(0x77 + 1024 * 7)));
	EXPECT_TRUE(check(emu_lpddr(d, DATA_BASE + 2048), 1024, 0x77));
	/* The element with CB=1 after the toggle was not consumed. */
	EXPECT_EQ(0u, *(volatile uint32_t *)emu_lpddr(d, DATA_BASE + 4096));
	ctrl1 = ch_r(d, EMU_RD, 0, EMU_E_CH_CTRL1);
	EXPECT_EQ(0u, ctrl1 & EMU_CCS);
	EXPECT_EQ(l2 + 24, ch_r(d, EMU_RD, 0, EMU_E_CH_LLP));
	EXPECT_EQ(imwr_data(EMU_RD, 0),
		  emu_wait_word((volatile uint8_t *)done_word(&self->imwr, EMU_RD), 500));
	EXPECT_EQ(3u, emu_counter(d, AKIDA_EMU_CNT_DMA_ELEMENTS));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_MSI));
}

TEST_F(edma, empty_list_stops_silently)
{
	struct emu_dev *d = &self->d;
	uint32_t l = list_of(EMU_WR, 1);

	dma_on(d, &self->imwr, EMU_WR);
	memset((void *)self->dst.va, 0xee, PG);
	/* CB=0 while CCS=1: nothing for the channel to do. */
	put_data(d, l, EMU_LIE | EMU_RIE, PG, DATA_BASE, self->dst.pa);
	start(d, EMU_WR, 1, l);
	ch_sel(d, EMU_WR, 1);
	EXPECT_EQ(3u, EMU_CS(emu_poll(d, 2, EMU_EDMA + EMU_E_CH_CTRL1, 3u << 5,
				      3u << 5, 5000)));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_WR)));
	EXPECT_EQ(0xeeu, self->dst.va[0]);
	EXPECT_EQ(0u, *done_word(&self->imwr, EMU_WR));
}

TEST_F(edma, single_block_mode)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_RD);
	fill(self->src.va, 512, 0x12);
	ch_w(d, EMU_RD, 1, EMU_E_CH_CTRL1, EMU_LIE | EMU_RIE);
	ch_w(d, EMU_RD, 1, EMU_E_CH_SIZE, 512);
	ch_w(d, EMU_RD, 1, EMU_E_CH_SAR, (uint32_t)self->src.pa);
	ch_w(d, EMU_RD, 1, EMU_E_CH_SAR + 4, (uint32_t)(self->src.pa >> 32));
	ch_w(d, EMU_RD, 1, EMU_E_CH_DAR, DATA_BASE + 0x8000);
	ch_w(d, EMU_RD, 1, EMU_E_CH_DAR + 4, 0);
	emu_edma_w(d, EMU_E_DOORBELL(EMU_RD), 1);
	EXPECT_EQ(DONE(1), wait_ch(d, EMU_RD, 1, 2000));
	EXPECT_TRUE(check(emu_lpddr(d, DATA_BASE + 0x8000), 512, 0x12));
	EXPECT_EQ(0u, ch_r(d, EMU_RD, 1, EMU_E_CH_SIZE));
	EXPECT_EQ(imwr_data(EMU_RD, 1),
		  emu_wait_word((volatile uint8_t *)done_word(&self->imwr, EMU_RD), 500));
	/* An injected fault applies to a single block too (default kind: read). */
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_RD), DONE(1));
	ch_w(d, EMU_RD, 1, EMU_E_CH_SIZE, 512);
	ch_w(d, EMU_RD, 1, EMU_E_CH_SAR, (uint32_t)self->src.pa);
	ch_w(d, EMU_RD, 1, EMU_E_CH_DAR, DATA_BASE + 0x8000);
	emu_tw_w(d, AKIDA_EMU_FAULT_DMA_ABORT, 1);
	emu_edma_w(d, EMU_E_DOORBELL(EMU_RD), 1);
	EXPECT_EQ(ABORT(1), wait_ch(d, EMU_RD, 1, 2000));
	EXPECT_EQ(1u << 1, emu_edma_r(d, EMU_E_RD_ERR_HI));
	EXPECT_EQ(imwr_data(EMU_RD, 1),
		  emu_wait_word((volatile uint8_t *)abort_word(&self->imwr, EMU_RD), 500));
}

TEST_F(edma, every_axi_target)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_WR);
	dma_on(d, &self->imwr, EMU_RD);
	/* NPU registers: DEVICE_ID and NP_COUNT. */
	memset((void *)self->dst.va, 0, PG);
	one_element(d, EMU_WR, 0, 4, EMU_AXI_NPU, self->dst.pa);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	EXPECT_EQ(0x194000a1u, *(volatile uint32_t *)self->dst.va);
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(0));
	one_element(d, EMU_WR, 0, 4, EMU_AXI_NPU + 0x10c0, self->dst.pa + 8);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	EXPECT_EQ(80u, *(volatile uint32_t *)(self->dst.va + 8));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(0));
	/* DBI: the eDMA's own CTRL register. */
	one_element(d, EMU_WR, 0, 4, EMU_AXI_DBI + 0x970 + 8, self->dst.pa + 16);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	EXPECT_EQ(0x00020002u, *(volatile uint32_t *)(self->dst.va + 16));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(0));
	/* NPU register write by DMA: an NP_CONFIG word. */
	*(volatile uint32_t *)self->src.va = 0x600dcafe;
	one_element(d, EMU_RD, 0, 4, self->src.pa, EMU_AXI_NPU + 0xe010);
	start(d, EMU_RD, 0, list_of(EMU_RD, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_RD, 0, 2000));
	EXPECT_EQ(0x600dcafeu, emu_npu_r(d, 0xe010));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_RD), DONE(0));
	/* SRAM, there and back. */
	fill(self->src.va, PG, 0x5c);
	one_element(d, EMU_RD, 0, PG, self->src.pa, EMU_AXI_SRAM + 0x60000);
	start(d, EMU_RD, 0, list_of(EMU_RD, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_RD, 0, 2000));
	memset((void *)self->dst.va, 0, PG);
	one_element(d, EMU_WR, 1, PG, EMU_AXI_SRAM + 0x60000, self->dst.pa);
	start(d, EMU_WR, 1, list_of(EMU_WR, 1));
	EXPECT_EQ(DONE(1), wait_ch(d, EMU_WR, 1, 2000));
	EXPECT_TRUE(check(self->dst.va, PG, 0x5c));
	/* A list in SRAM. */
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(1));
	memset((void *)self->dst.va, 0, PG);
	emu_atu_map(d, 2, 4, EMU_AXI_SRAM);
	put_data(d, EMU_AXI_LPDDR + 0x100, EMU_CB | EMU_LIE | EMU_RIE, 64,
		 EMU_AXI_SRAM + 0x60000, self->dst.pa);
	put_link(d, EMU_AXI_LPDDR + 0x100 + 24, 0, 0);
	emu_atu_default(d);
	start(d, EMU_WR, 1, EMU_AXI_SRAM + 0x100);
	EXPECT_EQ(DONE(1), wait_ch(d, EMU_WR, 1, 2000));
	EXPECT_TRUE(check(self->dst.va, 64, 0x5c));
}

/* ---- aborts ------------------------------------------------------------------ */

/* Run one element, expect an abort with @err in the error status. */
static void expect_abort(struct __test_metadata *_metadata,
			 FIXTURE_DATA(edma) *self, int dir, int ch,
			 uint32_t err_lo, uint32_t err_hi)
{
	struct emu_dev *d = &self->d;

	start(d, dir, ch, list_of(dir, ch));
	EXPECT_EQ(ABORT(ch), wait_ch(d, dir, ch, 2000));
	EXPECT_EQ(err_lo, emu_edma_r(d, EMU_E_ERR_STATUS(dir)));
	if (dir == EMU_RD)
		EXPECT_EQ(err_hi, emu_edma_r(d, EMU_E_RD_ERR_HI));
	EXPECT_EQ(2u, EMU_CS(ch_r(d, dir, ch, EMU_E_CH_CTRL1)));	/* halted */
	EXPECT_EQ(imwr_data(dir, ch),
		  emu_wait_word((volatile uint8_t *)abort_word(&self->imwr, dir), 500));
	EXPECT_EQ(0u, *done_word(&self->imwr, dir));
	/* Clearing the abort clears the error status. */
	emu_edma_w(d, EMU_E_INT_CLEAR(dir), ABORT(ch));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(dir)));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_ERR_STATUS(dir)));
	if (dir == EMU_RD)
		EXPECT_EQ(0u, emu_edma_r(d, EMU_E_RD_ERR_HI));
	*abort_word(&self->imwr, dir) = 0;
}

TEST_F(edma, abort_bad_axi_address)
{
	struct emu_dev *d = &self->d;
	uint32_t end = EMU_AXI_LPDDR + (uint32_t)d->bar_size[4];

	dma_on(d, &self->imwr, EMU_RD);
	dma_on(d, &self->imwr, EMU_WR);
	memset((void *)self->dst.va, 0x99, PG);
	/* Past the end of LPDDR: an AXI write error on a read channel. */
	one_element(d, EMU_RD, 1, 64, self->src.pa, end);
	expect_abort(_metadata, self, EMU_RD, 1, 1u << 1, 0);
	/* Straddling the end of LPDDR. */
	one_element(d, EMU_RD, 0, 64, self->src.pa, end - 32);
	expect_abort(_metadata, self, EMU_RD, 0, 1u << 0, 0);
	/* Nothing at AXI 0x1000: an AXI read error on a write channel. */
	one_element(d, EMU_WR, 1, 64, 0x1000, self->dst.pa);
	expect_abort(_metadata, self, EMU_WR, 1, 1u << 1, 0);
	/* The DBI is read-only to the eDMA. */
	one_element(d, EMU_RD, 0, 4, self->src.pa, EMU_AXI_DBI + 0x970);
	expect_abort(_metadata, self, EMU_RD, 0, 1u << 0, 0);
	/* Unaligned register access. */
	one_element(d, EMU_WR, 0, 2, EMU_AXI_NPU, self->dst.pa);
	expect_abort(_metadata, self, EMU_WR, 0, 1u << 0, 0);
	/* The host page was never written. */
	EXPECT_EQ(0x99u, self->dst.va[0]);
	EXPECT_EQ(5u, emu_counter(d, AKIDA_EMU_CNT_DMA_ABORTS));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_DMA_ELEMENTS));
}

TEST_F(edma, abort_bad_host_address)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_RD);
	dma_on(d, &self->imwr, EMU_WR);
	/* Reading a host address nothing answers: unsupported request. */
	one_element(d, EMU_RD, 0, 64, HOST_HOLE, DATA_BASE);
	expect_abort(_metadata, self, EMU_RD, 0, 0, 1u << 0);
	/* Writing there: the write channel's data error. */
	one_element(d, EMU_WR, 1, 64, DATA_BASE, HOST_HOLE);
	expect_abort(_metadata, self, EMU_WR, 1, 1u << 1, 0);
	/* A range that wraps the 64-bit host space. */
	one_element(d, EMU_RD, 1, 64, ~0ull - 16, DATA_BASE);
	expect_abort(_metadata, self, EMU_RD, 1, 0, 1u << 1);
}

TEST_F(edma, abort_element_fetch)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_RD);
	dma_on(d, &self->imwr, EMU_WR);
	/* The list pointer points at no memory. */
	start(d, EMU_RD, 1, 0x05000000);
	EXPECT_EQ(ABORT(1), wait_ch(d, EMU_RD, 1, 2000));
	EXPECT_EQ(1u << 17, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_RD)));
	EXPECT_EQ(imwr_data(EMU_RD, 1),
		  emu_wait_word((volatile uint8_t *)abort_word(&self->imwr, EMU_RD), 500));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_RD), ABORT(1));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_RD)));
	/* A link element that leads off the end of LPDDR. */
	put_link(d, list_of(EMU_WR, 0), EMU_CB,
		 EMU_AXI_LPDDR + d->bar_size[4] - 8);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(ABORT(0), wait_ch(d, EMU_WR, 0, 2000));
	EXPECT_EQ(1u << 16, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_WR)));
}

TEST_F(edma, abort_cyclic_list_is_bounded)
{
	struct emu_dev *d = &self->d;
	uint32_t l = list_of(EMU_RD, 0);
	uint64_t t0 = emu_now_ns();

	dma_on(d, &self->imwr, EMU_RD);
	/* A link element that links to itself without toggling: endless. */
	put_link(d, l, EMU_CB, l);
	start(d, EMU_RD, 0, l);
	EXPECT_EQ(ABORT(0), wait_ch(d, EMU_RD, 0, 20000));
	EXPECT_EQ(1u << 16, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_RD)));
	EXPECT_LT(emu_now_ns() - t0, 20000000000ull);
	/* The same with data elements: 2 elements in a loop, each moving bytes. */
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_RD), ABORT(0));
	put_data(d, l, EMU_CB, 16, self->src.pa, DATA_BASE);
	put_link(d, l + 24, EMU_CB, l);
	start(d, EMU_RD, 0, l);
	EXPECT_EQ(ABORT(0), wait_ch(d, EMU_RD, 0, 20000));
	EXPECT_EQ(1u << 16, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_RD)));
	EXPECT_EQ(32768u, emu_counter(d, AKIDA_EMU_CNT_DMA_ELEMENTS));
}

TEST_F(edma, injected_faults)
{
	struct emu_dev *d = &self->d;
	static const struct {
		int dir;
		uint32_t kind, lo, hi;
	} c[] = {
		{ EMU_RD, AKIDA_EMU_ERR_READ, 0, 1 },
		{ EMU_RD, AKIDA_EMU_ERR_WRITE, 1, 0 },
		{ EMU_RD, AKIDA_EMU_ERR_LL_FETCH, 1u << 16, 0 },
		{ EMU_WR, AKIDA_EMU_ERR_READ, 1, 0 },
		{ EMU_WR, AKIDA_EMU_ERR_WRITE, 1, 0 },
		{ EMU_WR, AKIDA_EMU_ERR_LL_FETCH, 1u << 16, 0 },
	};
	unsigned int i;

	dma_on(d, &self->imwr, EMU_RD);
	dma_on(d, &self->imwr, EMU_WR);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int dir = c[i].dir;

		if (dir == EMU_RD)
			one_element(d, dir, 0, 64, self->src.pa, DATA_BASE);
		else
			one_element(d, dir, 0, 64, DATA_BASE, self->dst.pa);
		emu_tw_w(d, AKIDA_EMU_FAULT_DMA_ERRSTATUS, c[i].kind);
		emu_tw_w(d, AKIDA_EMU_FAULT_DMA_ABORT, 1);
		expect_abort(_metadata, self, dir, 0, c[i].lo, c[i].hi);
		EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DMA_ABORT));
		/* The next transfer works again. */
		start(d, dir, 0, list_of(dir, 0));
		EXPECT_EQ(DONE(0), wait_ch(d, dir, 0, 2000));
		emu_edma_w(d, EMU_E_INT_CLEAR(dir), DONE(0));
		*done_word(&self->imwr, dir) = 0;
	}
	/* N elements: the next two fail, the third does not. */
	emu_tw_w(d, AKIDA_EMU_FAULT_DMA_ABORT, 2);
	for (i = 0; i < 3; i++) {
		start(d, EMU_WR, 0, list_of(EMU_WR, 0));
		EXPECT_EQ(i < 2 ? ABORT(0) : DONE(0), wait_ch(d, EMU_WR, 0, 2000));
		emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), 0x00ff00ff);
	}
}

/* ---- masks, stop, races ----------------------------------------------------- */

TEST_F(edma, masked_interrupts_post_no_imwr)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_WR);
	emu_edma_w(d, EMU_E_INT_MASK(EMU_WR), DONE(0) | ABORT(0));
	one_element(d, EMU_WR, 0, 64, DATA_BASE, self->dst.pa);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	usleep(20000);
	EXPECT_EQ(0u, *done_word(&self->imwr, EMU_WR));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(0));
	one_element(d, EMU_WR, 0, 64, 0x1000, self->dst.pa);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(ABORT(0), wait_ch(d, EMU_WR, 0, 2000));
	usleep(20000);
	EXPECT_EQ(0u, *abort_word(&self->imwr, EMU_WR));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), ABORT(0));
	/* Unmasked but linked-list abort reporting (LLRAIE) off. */
	emu_edma_w(d, EMU_E_INT_MASK(EMU_WR), 0);
	emu_edma_w(d, EMU_E_LL_ERR_EN(EMU_WR), 0);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(ABORT(0), wait_ch(d, EMU_WR, 0, 2000));
	usleep(20000);
	EXPECT_EQ(0u, *abort_word(&self->imwr, EMU_WR));
	/* LIE without RIE: local interrupt only. */
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), ABORT(0));
	put_data(d, list_of(EMU_WR, 0), EMU_CB | EMU_LIE, 64, DATA_BASE,
		 self->dst.pa);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	usleep(20000);
	EXPECT_EQ(0u, *done_word(&self->imwr, EMU_WR));
}

TEST_F(edma, busy_until_completion)
{
	struct emu_dev *d = &self->d;
	uint32_t ctrl1;

	dma_on(d, &self->imwr, EMU_RD);
	one_element(d, EMU_RD, 0, 64, self->src.pa, DATA_BASE);
	/* Generous: the checks below must run within it on a loaded host. */
	emu_tw_w(d, AKIDA_EMU_FAULT_DELAY_US, 3000000);
	start(d, EMU_RD, 0, list_of(EMU_RD, 0));
	/* Right after the doorbell: running, no status, no IMWr. */
	ctrl1 = ch_r(d, EMU_RD, 0, EMU_E_CH_CTRL1);
	EXPECT_EQ(1u, EMU_CS(ctrl1));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_RD)));
	/* Writes to a running channel and a second doorbell are ignored. */
	ch_w(d, EMU_RD, 0, EMU_E_CH_LLP, 0x12345678);
	emu_edma_w(d, EMU_E_DOORBELL(EMU_RD), 0);
	usleep(100000);
	/* The list was walked (the delay is consumed) but not completed. */
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DELAY_US));
	EXPECT_EQ(1u, EMU_CS(ch_r(d, EMU_RD, 0, EMU_E_CH_CTRL1)));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_RD)));
	EXPECT_EQ(0u, *done_word(&self->imwr, EMU_RD));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_RD, 0, 10000));
	EXPECT_EQ(3u, EMU_CS(ch_r(d, EMU_RD, 0, EMU_E_CH_CTRL1)));
	EXPECT_NE(0x12345678u, ch_r(d, EMU_RD, 0, EMU_E_CH_LLP));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_DMA_ELEMENTS));
}

TEST_F(edma, stop_bit_halts)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_WR);
	one_element(d, EMU_WR, 1, 64, DATA_BASE, self->dst.pa);
	emu_tw_w(d, AKIDA_EMU_FAULT_DELAY_US, 5000000);
	start(d, EMU_WR, 1, list_of(EMU_WR, 1));
	usleep(50000);
	EXPECT_EQ(1u, EMU_CS(ch_r(d, EMU_WR, 1, EMU_E_CH_CTRL1)));
	emu_edma_w(d, EMU_E_DOORBELL(EMU_WR), (1u << 31) | 1);
	EXPECT_EQ(ABORT(1), wait_ch(d, EMU_WR, 1, 1000));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_WR)));
	EXPECT_EQ(2u, EMU_CS(ch_r(d, EMU_WR, 1, EMU_E_CH_CTRL1)));
	EXPECT_EQ(imwr_data(EMU_WR, 1),
		  emu_wait_word((volatile uint8_t *)abort_word(&self->imwr, EMU_WR), 500));
}

TEST_F(edma, doorbells_that_do_nothing)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_RD);
	memset((void *)emu_lpddr(d, DATA_BASE), 0, 64);
	fill(self->src.va, 64, 1);
	one_element(d, EMU_RD, 0, 64, self->src.pa, DATA_BASE);
	/* Engine disabled. */
	emu_edma_w(d, EMU_E_ENGINE_EN(EMU_RD), 0);
	start(d, EMU_RD, 0, list_of(EMU_RD, 0));
	/* A channel that does not exist. */
	emu_edma_w(d, EMU_E_ENGINE_EN(EMU_RD), 1);
	emu_edma_w(d, EMU_E_DOORBELL(EMU_RD), 5);
	/* Stop on an idle channel. */
	emu_edma_w(d, EMU_E_DOORBELL(EMU_RD), (1u << 31) | 1);
	usleep(100000);
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_RD)));
	EXPECT_EQ(0u, EMU_CS(ch_r(d, EMU_RD, 0, EMU_E_CH_CTRL1)));
	EXPECT_EQ(0u, *(volatile uint32_t *)emu_lpddr(d, DATA_BASE));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_DMA_ELEMENTS));
}

TEST_F(edma, fault_drop_and_delay)
{
	struct emu_dev *d = &self->d;
	uint64_t t0;

	dma_on(d, &self->imwr, EMU_WR);
	one_element(d, EMU_WR, 0, 64, DATA_BASE, self->dst.pa);
	emu_tw_w(d, AKIDA_EMU_FAULT_DROP, 1);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	usleep(20000);
	EXPECT_EQ(0u, *done_word(&self->imwr, EMU_WR));
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DROP));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(0));
	/* The next one is delayed by 200 ms and then posts its IMWr. */
	emu_tw_w(d, AKIDA_EMU_FAULT_DELAY_US, 200000);
	t0 = emu_now_ns();
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 3000));
	EXPECT_GE(emu_now_ns() - t0, 190000000ull);
	EXPECT_EQ(imwr_data(EMU_WR, 0),
		  emu_wait_word((volatile uint8_t *)done_word(&self->imwr, EMU_WR), 500));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_MSI));
}

TEST_F(edma, modeled_timing)
{
	struct emu_dev *d = &self->d;
	uint32_t l = 0x20200000u, n = 16384, i;
	uint64_t t0, el = 500 + PG * 20 / 9;

	/* 16384 elements of 4 KiB into one host page: 157 ms of link time. */
	dma_on(d, &self->imwr, EMU_WR);
	for (i = 0; i < n; i++)
		put_data(d, l + 24 * i, EMU_CB | (i == n - 1 ? EMU_LIE | EMU_RIE : 0),
			 PG, DATA_BASE, self->dst.pa);
	put_link(d, l + 24 * n, 0, l);
	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	t0 = emu_now_ns();
	start(d, EMU_WR, 0, l);
	EXPECT_EQ(1u, EMU_CS(ch_r(d, EMU_WR, 0, EMU_E_CH_CTRL1)));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_WR)));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 5000));
	EXPECT_GE(emu_now_ns() - t0, n * el - 1000000);
	EXPECT_EQ(n * el, emu_counter(d, AKIDA_EMU_CNT_DMA_NS));
	EXPECT_EQ((uint64_t)n * PG, emu_counter(d, AKIDA_EMU_CNT_D2H_BYTES));
}

/* ---- counters and fault knobs of the strictness work ---------------------- */

/*
 * Register writes are counted per range on every path: BAR MMIO, an eDMA
 * element whose AXI target is a register, configuration space (iATU).
 */
TEST_F(edma, register_writes_counted_per_range)
{
	struct emu_dev *d = &self->d;
	uint32_t l = list_of(EMU_RD, 0), np0 = emu_npu_r(d, 0x1e0c);
	uint64_t model, ident, edma, iatu;

	dma_on(d, &self->imwr, EMU_RD);
	/* Two elements: CLOCK_MODE ([model]) and NP_ENABLE[0] (identity). */
	((volatile uint32_t *)self->src.va)[0] = 1;
	((volatile uint32_t *)self->src.va)[1] = np0;
	put_data(d, l, EMU_CB, 4, self->src.pa, EMU_AXI_NPU + 0x14);
	put_data(d, l + 24, EMU_CB | EMU_LIE | EMU_RIE, 4, self->src.pa + 4,
		 EMU_AXI_NPU + 0x1e0c);
	put_link(d, l + 48, EMU_TCB, l);
	emu_tw_w(d, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_RESET_COUNTERS);
	start(d, EMU_RD, 0, l);
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_RD, 0, 2000));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_WR_NPU_MODEL));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_WR_NPU_IDENT));
	/* start(): CTRL1, LLP LO/HI and the doorbell, plus 3 viewport writes. */
	EXPECT_EQ(7u, emu_counter(d, AKIDA_EMU_CNT_WR_EDMA));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_WR_IATU));
	EXPECT_EQ(emu_tw_r(d, AKIDA_EMU_MODEL_IFACE) ? 1u : 0u,
		  emu_npu_r(d, 0x14));

	/* BAR MMIO and configuration space. */
	model = emu_counter(d, AKIDA_EMU_CNT_WR_NPU_MODEL);
	ident = emu_counter(d, AKIDA_EMU_CNT_WR_NPU_IDENT);
	edma = emu_counter(d, AKIDA_EMU_CNT_WR_EDMA);
	iatu = emu_counter(d, AKIDA_EMU_CNT_WR_IATU);
	emu_npu_w(d, 0x14, 0);
	emu_npu_w(d, 0x1e0c, np0);
	emu_npu_w(d, 0xe000, 0x55);
	emu_edma_w(d, EMU_E_VIEWPORT, 0);
	emu_cfg_w32(d, EMU_ATU_VIEWPORT, EMU_ATU_INBOUND | 7);
	/* Reads and test-window writes count nothing. */
	emu_npu_r(d, 0x14);
	emu_edma_r(d, EMU_E_CTRL);
	emu_tw_w(d, AKIDA_EMU_FAULT_DROP, 0);
	EXPECT_EQ(model + 1, emu_counter(d, AKIDA_EMU_CNT_WR_NPU_MODEL));
	EXPECT_EQ(ident + 2, emu_counter(d, AKIDA_EMU_CNT_WR_NPU_IDENT));
	EXPECT_EQ(edma + 1, emu_counter(d, AKIDA_EMU_CNT_WR_EDMA));
	EXPECT_EQ(iatu + 1, emu_counter(d, AKIDA_EMU_CNT_WR_IATU));
}

/* IMWr address 0 is posted like any other (page 0 is RAM here) and counted. */
TEST_F(edma, imwr_to_address_zero_is_posted)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_WR);
	emu_edma_w(d, EMU_E_DONE_IMWR(EMU_WR), 0);
	emu_edma_w(d, EMU_E_DONE_IMWR(EMU_WR) + 4, 0);
	one_element(d, EMU_WR, 0, 64, DATA_BASE, self->dst.pa);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_IMWR_ZERO));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_MSI));
}

/* CNT_MSI counts only IMWr writes the host accepted. */
TEST_F(edma, msi_counter_ignores_failed_imwr)
{
	struct emu_dev *d = &self->d;

	dma_on(d, &self->imwr, EMU_WR);
	emu_edma_w(d, EMU_E_DONE_IMWR(EMU_WR), (uint32_t)HOST_HOLE);
	emu_edma_w(d, EMU_E_DONE_IMWR(EMU_WR) + 4, (uint32_t)(HOST_HOLE >> 32));
	one_element(d, EMU_WR, 0, 64, DATA_BASE, self->dst.pa);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	usleep(20000);
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_IMWR_ZERO));
	/* A good address counts. */
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(0));
	dma_on(d, &self->imwr, EMU_WR);
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	EXPECT_EQ(imwr_data(EMU_WR, 0),
		  emu_wait_word((volatile uint8_t *)done_word(&self->imwr, EMU_WR), 500));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_MSI));
}

/* FAULT_STALL_CH/US: the next element of that channel only is late. */
TEST_F(edma, fault_stall_one_channel)
{
	struct emu_dev *d = &self->d;
	uint64_t t0;

	dma_on(d, &self->imwr, EMU_WR);
	fill(self->src.va, PG, 3);
	emu_lpddr_write(d, DATA_BASE, (const void *)self->src.va, PG);
	emu_tw_w(d, AKIDA_EMU_FAULT_STALL_CH, 1);
	emu_tw_w(d, AKIDA_EMU_FAULT_STALL_US, 400000);
	EXPECT_EQ(1u, emu_tw_r(d, AKIDA_EMU_FAULT_STALL_CH));
	/* Channel 0 (and the read direction) is not affected. */
	one_element(d, EMU_WR, 0, 64, DATA_BASE, self->dst.pa);
	t0 = emu_now_ns();
	start(d, EMU_WR, 0, list_of(EMU_WR, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	EXPECT_LT(emu_now_ns() - t0, 300000000ull);
	EXPECT_EQ(400000u, emu_tw_r(d, AKIDA_EMU_FAULT_STALL_US));
	/* Channel 1 runs 400 ms longer, then completes normally. */
	one_element(d, EMU_WR, 1, PG, DATA_BASE, self->dst.pa);
	t0 = emu_now_ns();
	start(d, EMU_WR, 1, list_of(EMU_WR, 1));
	usleep(100000);
	EXPECT_EQ(1u, EMU_CS(ch_r(d, EMU_WR, 1, EMU_E_CH_CTRL1)));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_WR)) & DONE(1));
	EXPECT_EQ(DONE(0) | DONE(1), wait_ch(d, EMU_WR, 1, 3000));
	EXPECT_GE(emu_now_ns() - t0, 400000000ull);
	EXPECT_TRUE(check(self->dst.va, PG, 3));
	EXPECT_EQ(imwr_data(EMU_WR, 1),
		  emu_wait_word((volatile uint8_t *)done_word(&self->imwr, EMU_WR), 500));
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_STALL_US));
}

/* FAULT_DOORBELL_CH: the next doorbell of the chosen channel aborts, once. */
TEST_F(edma, fault_doorbell_any_channel)
{
	struct emu_dev *d = &self->d;
	uint32_t arm = (1u << 31) | AKIDA_EMU_CH_READ | 1;

	dma_on(d, &self->imwr, EMU_RD);
	one_element(d, EMU_RD, 0, 64, self->src.pa, DATA_BASE);
	one_element(d, EMU_RD, 1, 64, self->src.pa, DATA_BASE + PG);
	emu_tw_w(d, AKIDA_EMU_FAULT_DOORBELL_CH, arm);
	EXPECT_EQ(arm, emu_tw_r(d, AKIDA_EMU_FAULT_DOORBELL_CH));
	start(d, EMU_RD, 0, list_of(EMU_RD, 0));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_RD, 0, 2000));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_RD), DONE(0));
	*done_word(&self->imwr, EMU_RD) = 0;
	EXPECT_EQ(arm, emu_tw_r(d, AKIDA_EMU_FAULT_DOORBELL_CH));
	/* Read channel 1: aborts with an error status and the abort IMWr. */
	expect_abort(_metadata, self, EMU_RD, 1, 0, 1u << 1);
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_DOORBELL_CH));
	EXPECT_EQ(64u, emu_counter(d, AKIDA_EMU_CNT_H2D_BYTES));
	/* One-shot: the next doorbell works. */
	start(d, EMU_RD, 1, list_of(EMU_RD, 1));
	EXPECT_EQ(DONE(1), wait_ch(d, EMU_RD, 1, 2000));
}

/*
 * A valid list must not abort however the engine slices its work: 511
 * elements of 4 KiB and one of 4093 bytes leave 3 bytes of the emulator's
 * 2 MiB per-channel slice, and the next element targets an NPU register,
 * which takes whole aligned words only (issue 12's budget bug).
 */
static void odd_then_register(struct __test_metadata *_metadata,
			      FIXTURE_DATA(edma) *self, int dir)
{
	struct emu_dev *d = &self->d;
	uint32_t l = 0x20200000u, i, n = 511, reg = EMU_AXI_NPU + 0xe000 + 0x40;
	uint64_t host = dir == EMU_WR ? self->dst.pa : self->src.pa;

	dma_on(d, &self->imwr, dir);
	memset((void *)self->dst.va, 0, PG);
	*(volatile uint32_t *)(self->src.va + 8) = 0xc0ffee11;
	emu_npu_w(d, reg - EMU_AXI_NPU, dir == EMU_WR ? 0x5eed5eed : 0);
	for (i = 0; i < n + 1; i++) {
		uint32_t size = i < n ? PG : PG - 3;

		if (dir == EMU_WR)
			put_data(d, l + 24 * i, EMU_CB, size, DATA_BASE, host);
		else
			put_data(d, l + 24 * i, EMU_CB, size, host, DATA_BASE);
	}
	if (dir == EMU_WR)
		put_data(d, l + 24 * i, EMU_CB | EMU_LIE | EMU_RIE, 4, reg,
			 host + 8);
	else
		put_data(d, l + 24 * i, EMU_CB | EMU_LIE | EMU_RIE, 4, host + 8,
			 reg);
	put_link(d, l + 24 * (i + 1), 0, l);
	start(d, dir, 0, l);
	EXPECT_EQ(DONE(0), wait_ch(d, dir, 0, 5000));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_ERR_STATUS(dir)));
	if (dir == EMU_WR) {
		EXPECT_EQ(0x5eed5eedu, *(volatile uint32_t *)(self->dst.va + 8));
	} else {
		EXPECT_EQ(0xc0ffee11u, emu_npu_r(d, reg - EMU_AXI_NPU));
	}
	EXPECT_EQ(n * PG + PG - 3 + 4,
		  emu_counter(d, dir == EMU_WR ? AKIDA_EMU_CNT_D2H_BYTES :
					       AKIDA_EMU_CNT_H2D_BYTES));
}

TEST_F(edma, odd_element_then_register_target_d2h)
{
	odd_then_register(_metadata, self, EMU_WR);
}

TEST_F(edma, odd_element_then_register_target_h2d)
{
	odd_then_register(_metadata, self, EMU_RD);
}

/* ---- section 3a rules -------------------------------------------------------- */

/*
 * An element with LIE|RIE raises DONE and posts the done IMWr when that
 * element completes, and the channel goes on; elements without them raise
 * nothing, so the end of the list adds no second interrupt.
 */
TEST_F(edma, element_interrupt_mid_list)
{
	struct emu_dev *d = &self->d;
	uint32_t l = 0x20200000u, n = 8192, i;

	/* Element 0 interrupts; 8192 more of 4 KiB take about 79 ms. */
	dma_on(d, &self->imwr, EMU_WR);
	put_data(d, l, EMU_CB | EMU_LIE | EMU_RIE, 64, DATA_BASE, self->dst.pa);
	for (i = 1; i <= n; i++)
		put_data(d, l + 24 * i, EMU_CB, PG, DATA_BASE, self->dst.pa);
	put_link(d, l + 24 * (n + 1), 0, l);
	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	start(d, EMU_WR, 0, l);
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 2000));
	/* The channel still runs the rest of its list. */
	EXPECT_EQ(1u, EMU_CS(ch_r(d, EMU_WR, 0, EMU_E_CH_CTRL1)));
	EXPECT_EQ(imwr_data(EMU_WR, 0),
		  emu_wait_word((volatile uint8_t *)done_word(&self->imwr, EMU_WR), 500));
	*done_word(&self->imwr, EMU_WR) = 0;
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), DONE(0));
	emu_poll(d, 2, EMU_EDMA + EMU_E_CH_CTRL1, 3u << 5, 3u << 5, 5000);
	EXPECT_EQ(3u, EMU_CS(emu_edma_r(d, EMU_E_CH_CTRL1)));
	EXPECT_EQ(l + 24 * (n + 1), ch_r(d, EMU_WR, 0, EMU_E_CH_LLP));
	usleep(20000);
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_WR)));
	EXPECT_EQ(0u, *done_word(&self->imwr, EMU_WR));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	EXPECT_EQ(64u + (uint64_t)n * PG,
		  emu_counter(d, AKIDA_EMU_CNT_D2H_BYTES));
}

/* Two interrupting elements in one run: two DONEs, two IMWr. */
TEST_F(edma, element_interrupts_each)
{
	struct emu_dev *d = &self->d;
	uint32_t l = list_of(EMU_RD, 1);

	dma_on(d, &self->imwr, EMU_RD);
	put_data(d, l, EMU_CB | EMU_RIE, 64, self->src.pa, DATA_BASE);
	put_data(d, l + 24, EMU_CB, 64, self->src.pa, DATA_BASE);
	put_data(d, l + 48, EMU_CB | EMU_LIE | EMU_RIE, 64, self->src.pa,
		 DATA_BASE);
	put_link(d, l + 72, EMU_TCB, l);
	start(d, EMU_RD, 1, l);
	EXPECT_EQ(DONE(1), wait_ch(d, EMU_RD, 1, 2000));
	usleep(20000);
	EXPECT_EQ(3u, EMU_CS(ch_r(d, EMU_RD, 1, EMU_E_CH_CTRL1)));
	EXPECT_EQ(2u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	EXPECT_EQ(192u, emu_counter(d, AKIDA_EMU_CNT_H2D_BYTES));
}

/*
 * Programming errors abort with a linked-list fetch error: a zero-length
 * element, a list pointer or link target not 8-byte aligned, a data
 * element running past the end of its memory.
 */
TEST_F(edma, programming_errors_abort)
{
	struct emu_dev *d = &self->d;
	uint32_t l = list_of(EMU_WR, 1), end = EMU_AXI_LPDDR + d->bar_size[4];

	dma_on(d, &self->imwr, EMU_WR);
	/* Zero-length element: nothing after it moves either. */
	memset((void *)self->dst.va, 0, PG);
	put_data(d, l, EMU_CB, 0, DATA_BASE, self->dst.pa);
	put_data(d, l + 24, EMU_CB | EMU_LIE | EMU_RIE, 64, DATA_BASE,
		 self->dst.pa);
	put_link(d, l + 48, EMU_TCB, l);
	expect_abort(_metadata, self, EMU_WR, 1, 1u << 17, 0);
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_D2H_BYTES));
	/* A list pointer off by 4. */
	one_element(d, EMU_WR, 1, 64, DATA_BASE, self->dst.pa);
	start(d, EMU_WR, 1, l + 4);
	EXPECT_EQ(ABORT(1), wait_ch(d, EMU_WR, 1, 2000));
	EXPECT_EQ(1u << 17, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_WR)));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), ABORT(1));
	/* A link element to a misaligned element. */
	put_link(d, l, EMU_CB, l + 0x104);
	put_data(d, l + 0x104, EMU_CB | EMU_LIE | EMU_RIE, 64, DATA_BASE,
		 self->dst.pa);
	start(d, EMU_WR, 1, l);
	EXPECT_EQ(ABORT(1), wait_ch(d, EMU_WR, 1, 2000));
	EXPECT_EQ(1u << 17, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_WR)));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), ABORT(1));
	/* A data element whose last 8 bytes are past the end of LPDDR. */
	*(volatile uint32_t *)emu_lpddr(d, end - 16) = EMU_CB;
	put_link(d, l, EMU_CB, end - 16);
	start(d, EMU_WR, 1, l);
	EXPECT_EQ(ABORT(1), wait_ch(d, EMU_WR, 1, 2000));
	EXPECT_EQ(1u << 17, emu_edma_r(d, EMU_E_ERR_STATUS(EMU_WR)));
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), ABORT(1));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_D2H_BYTES));
	EXPECT_EQ(4u, emu_counter(d, AKIDA_EMU_CNT_MSI));
}

/* ---- data on the modeled clock ---------------------------------------------- */

/*
 * @n elements of 4 KiB from/to page A of @dir's channel @ch, then one
 * element of 64 bytes to/from page B (LIE|RIE): about n x 9.6 us of link.
 */
static void long_list(struct emu_dev *d, int dir, int ch, uint32_t l,
		      uint32_t n, uint64_t host_a, uint64_t host_b,
		      uint32_t axi_b)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (dir == EMU_WR)
			put_data(d, l + 24 * i, EMU_CB, PG, DATA_BASE, host_a);
		else
			put_data(d, l + 24 * i, EMU_CB, PG, host_a, DATA_BASE);
	}
	if (dir == EMU_WR)
		put_data(d, l + 24 * n, EMU_CB | EMU_LIE | EMU_RIE, 64, axi_b,
			 host_b);
	else
		put_data(d, l + 24 * n, EMU_CB | EMU_LIE | EMU_RIE, 64, host_b,
			 axi_b);
	put_link(d, l + 24 * (n + 1), 0, l);
}

/*
 * An element's bytes land over its modeled time, none before the element
 * starts: the last element of a 79 ms list has moved nothing 10 ms after
 * the doorbell, and everything at DONE.
 */
TEST_F(edma, data_lands_on_the_modeled_clock)
{
	struct emu_dev *d = &self->d;
	uint32_t b_axi = DATA_BASE + 0x10000;
	int dir;

	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	for (dir = 0; dir < 2; dir++) {
		volatile uint8_t *b = dir == EMU_WR ? self->dst.va + 512 :
						      emu_lpddr(d, b_axi);

		dma_on(d, &self->imwr, dir);
		fill(self->src.va + 512, 64, 0x31);
		emu_lpddr_write(d, b_axi, (const void *)(self->src.va + 512), 64);
		memset((void *)self->dst.va, 0, PG);
		if (dir == EMU_RD)
			memset((void *)emu_lpddr(d, b_axi), 0, 64);
		long_list(d, dir, 0, 0x20200000u, 8192,
			  dir == EMU_WR ? self->dst.pa : self->src.pa,
			  (dir == EMU_WR ? self->dst.pa : self->src.pa) + 512,
			  b_axi);
		start(d, dir, 0, 0x20200000u);
		usleep(10000);
		EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(dir)));
		EXPECT_EQ(0u, *(volatile uint32_t *)b);
		EXPECT_EQ(DONE(0), wait_ch(d, dir, 0, 5000));
		EXPECT_TRUE(check(b, 64, 0x31));
	}
}

/*
 * The two channels of one direction share its bandwidth: two lists of
 * 39 ms each take 79 ms together; the other direction is not slowed.
 */
TEST_F(edma, channels_of_one_direction_share_the_link)
{
	struct emu_dev *d = &self->d;
	uint32_t n = 4096;
	uint64_t el = 500 + PG * 20 / 9, t0, t_both, t_cross;

	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	dma_on(d, &self->imwr, EMU_WR);
	dma_on(d, &self->imwr, EMU_RD);
	long_list(d, EMU_WR, 0, 0x20200000u, n, self->dst.pa, self->dst.pa,
		  DATA_BASE);
	long_list(d, EMU_WR, 1, 0x20400000u, n, self->dst.pa, self->dst.pa,
		  DATA_BASE);
	long_list(d, EMU_RD, 0, 0x20600000u, n, self->src.pa, self->src.pa,
		  DATA_BASE);
	t0 = emu_now_ns();
	start(d, EMU_WR, 0, 0x20200000u);
	start(d, EMU_WR, 1, 0x20400000u);
	while ((emu_edma_r(d, EMU_E_INT_STATUS(EMU_WR)) & 3) != 3 &&
	       emu_now_ns() - t0 < 5000000000ull)
		usleep(100);
	t_both = emu_now_ns() - t0;
	EXPECT_EQ(3u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_WR)));
	EXPECT_GE(t_both, 2 * n * el);
	/* One write and one read channel: each has its own link. */
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), 3);
	t0 = emu_now_ns();
	start(d, EMU_WR, 0, 0x20200000u);
	start(d, EMU_RD, 0, 0x20600000u);
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 5000));
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_RD, 0, 5000));
	t_cross = emu_now_ns() - t0;
	EXPECT_GE(t_cross, n * el);
}

/*
 * NPU_DMA_OVERLAP_NS: the modeled time the NPU ran while a chunk was on the
 * link. Nothing for a transfer alone or an NPU command alone; all of a
 * transfer's link time when it runs entirely inside an NPU command.
 */
TEST_F(edma, npu_dma_overlap_counted)
{
	struct emu_dev *d = &self->d;
	uint64_t dma, ovl;

	if (!emu_tw_r(d, AKIDA_EMU_MODEL_IFACE))
		SKIP(return, "model-iface=off: the NPU runs no command");
	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	dma_on(d, &self->imwr, EMU_WR);
	long_list(d, EMU_WR, 0, 0x20200000u, 512, self->dst.pa, self->dst.pa,
		  DATA_BASE);
	/* A transfer alone. */
	start(d, EMU_WR, 0, 0x20200000u);
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 5000));
	dma = emu_counter(d, AKIDA_EMU_CNT_DMA_NS);
	EXPECT_GT(dma, 512ull * (500 + PG * 20 / 9));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS));
	/* An NPU command alone (no model: it fails after its modeled time). */
	emu_npu_w(d, EMU_NPU_CONTROL, 1u << 1);
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_DELAY_US, 50000);
	emu_npu_w(d, EMU_NPU_INFER_START, 1);
	EXPECT_EQ(0u, emu_poll(d, 0, EMU_NPU_STATUS, 2, 0, 5000) & 2);
	EXPECT_GE(emu_counter(d, AKIDA_EMU_CNT_NPU_BUSY_NS), 50000000ull);
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS));
	/* The same transfer inside a 400 ms command: all of its link time. */
	emu_edma_w(d, EMU_E_INT_CLEAR(EMU_WR), 0x00ff00ff);
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_DELAY_US, 400000);
	emu_npu_w(d, EMU_NPU_INFER_START, 1);
	start(d, EMU_WR, 0, 0x20200000u);
	EXPECT_EQ(DONE(0), wait_ch(d, EMU_WR, 0, 5000));
	EXPECT_EQ(2u, emu_npu_r(d, EMU_NPU_STATUS) & 2);	/* still busy */
	dma = emu_counter(d, AKIDA_EMU_CNT_DMA_NS) - dma;
	ovl = emu_counter(d, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS);
	EXPECT_EQ(dma, ovl);
	EXPECT_EQ(0u, emu_poll(d, 0, EMU_NPU_STATUS, 2, 0, 5000) & 2);
	EXPECT_EQ(ovl, emu_counter(d, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS));
}

/*
 * FAULT_SPURIOUS_MSI: done IMWr writes with nothing behind them, no status
 * bit set; none with bus mastering off.
 */
TEST_F(edma, fault_spurious_msi)
{
	struct emu_dev *d = &self->d;
	volatile uint32_t *w = done_word(&self->imwr, EMU_WR);
	uint16_t cmd;

	dma_on(d, &self->imwr, EMU_WR);
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_SPURIOUS_MSI));
	emu_tw_w(d, AKIDA_EMU_FAULT_SPURIOUS_MSI, 3);
	EXPECT_EQ(imwr_data(EMU_WR, 0),
		  emu_wait_word((volatile uint8_t *)w, 500));
	EXPECT_EQ(3u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_NPU_IMWR));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_WR)));
	EXPECT_EQ(0u, emu_edma_r(d, EMU_E_INT_STATUS(EMU_RD)));
	EXPECT_EQ(0u, EMU_CS(ch_r(d, EMU_WR, 0, EMU_E_CH_CTRL1)) & 1);
	/* At most 64 per write. */
	emu_tw_w(d, AKIDA_EMU_FAULT_SPURIOUS_MSI, 1000);
	EXPECT_EQ(3u + 64u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	/* Bus mastering off: nothing. */
	cmd = emu_cfg_r16(d, 4);
	emu_cfg_w16(d, 4, cmd & ~4);
	emu_tw_w(d, AKIDA_EMU_FAULT_SPURIOUS_MSI, 5);
	EXPECT_EQ(3u + 64u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	emu_cfg_w16(d, 4, cmd);
}

TEST_HARNESS_MAIN
