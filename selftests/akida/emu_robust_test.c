// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated AKD1000 against hostile programming: random iATU settings,
 * random writes to every eDMA and NPU register with random lists and images
 * in LPDDR, and random doorbells and commands. QEMU must neither crash nor
 * hang, and the device must still work afterwards.
 *
 * Bus mastering is off while the eDMA is fuzzed, so no random address can
 * reach guest memory (every host access of the engine then fails and aborts
 * the channel, which is part of what is tested). The test-control window is
 * never written at random. Runs as root; unbinds akida_pcie and rebinds it
 * at the end.
 */
#include "kselftest_harness.h"
#include "emu_util.h"

#define ROUNDS		20000

FIXTURE(robust) {
	struct emu_dev d;
	uint32_t seed;
};

FIXTURE_SETUP(robust)
{
	if (geteuid())
		SKIP(return, "needs root");
	if (emu_find(&self->d))
		ABSENT(return, "no emulated AKD1000 (1e7c:bca1)");
	ASSERT_EQ(0, emu_open(&self->d));
	self->seed = (uint32_t)emu_now_ns() | 1;
	printf("# seed %u\n", self->seed);
}

FIXTURE_TEARDOWN(robust)
{
	if (self->d.bdf[0])
		emu_close(&self->d);
}

static uint32_t xs(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Values that hit the interesting cases more often than uniform ones. */
static uint32_t pick(uint32_t *s, uint32_t lpddr)
{
	switch (xs(s) % 8) {
	case 0:
		return 0;
	case 1:
		return 0xffffffffu;
	case 2:
		return xs(s) % 4;
	case 3:
		return EMU_AXI_LPDDR + xs(s) % lpddr;
	case 4:
		return EMU_AXI_LPDDR + lpddr - xs(s) % 64;
	case 5:
		return (xs(s) % 2 ? 1u << 31 : 0) | xs(s) % 8;
	default:
		return xs(s);
	}
}

static bool alive(struct emu_dev *d)
{
	return emu_cfg_r32(d, 0) == 0xbca11e7cu;
}

TEST_F(robust, random_iatu)
{
	struct emu_dev *d = &self->d;
	uint32_t s = self->seed, i, v = 0;

	for (i = 0; i < 2000; i++) {
		uint32_t reg = 0x900 + 4 * (xs(&s) % 8);

		emu_cfg_w32(d, reg, reg == 0x900 ? (xs(&s) & 0x8000000fu) :
			    pick(&s, 64 << 20));
		/* Reads only: a random mapping may land on the window. */
		v ^= emu_r32(d, 2 * (xs(&s) % 3), (xs(&s) % (1u << 20)) & ~3u);
	}
	(void)v;
	EXPECT_TRUE(alive(d));
	ASSERT_EQ(0, emu_reset(d));
	emu_atu_default(d);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));
}

TEST_F_TIMEOUT(robust, random_edma_and_npu, 240)
{
	struct emu_dev *d = &self->d;
	uint32_t s = self->seed, lpddr, i, j, timing;
	uint64_t aborts;
	uint16_t cmd;

	emu_atu_default(d);
	lpddr = emu_tw_r(d, AKIDA_EMU_LPDDR_SIZE);
	ASSERT_GE(lpddr, 1u << 20);
	timing = emu_tw_r(d, AKIDA_EMU_TIMING);
	emu_tw_w(d, AKIDA_EMU_TIMING, 0);
	/* No bus mastering: nothing random reaches guest memory. */
	cmd = emu_cfg_r16(d, 4);
	emu_cfg_w16(d, 4, cmd & ~0x4);

	/* Random lists (and would-be images) in the first 64 KiB of LPDDR. */
	for (i = 0; i < 0x10000; i += 4)
		emu_w32(d, 4, i, pick(&s, lpddr));
	/* Some well-formed links back into that area, CB set. */
	for (i = 0; i < 64; i++) {
		uint32_t at = (xs(&s) % (0x10000 / 24)) * 24;

		emu_w32(d, 4, at, 0x5 | (xs(&s) & 0x1a));
		emu_w32(d, 4, at + 8, EMU_AXI_LPDDR + (xs(&s) % (0x10000 / 24)) * 24);
		emu_w32(d, 4, at + 12, 0);
	}
	emu_edma_w(d, EMU_E_ENGINE_EN(0), 1);
	emu_edma_w(d, EMU_E_ENGINE_EN(1), 1);
	emu_npu_w(d, EMU_NPU_CONTROL, 2);
	aborts = emu_counter(d, AKIDA_EMU_CNT_DMA_ABORTS);

	for (i = 0; i < ROUNDS; i++) {
		uint32_t r = xs(&s) % 16, off, val = pick(&s, lpddr);

		if (r < 6) {
			/* Anywhere in the eDMA block. */
			off = (xs(&s) % (0x124 / 4)) * 4;
			emu_edma_w(d, off, val);
		} else if (r < 9) {
			/* A channel: select, point at a list, ring. */
			int dir = xs(&s) % 2, ch = xs(&s) % 3;

			emu_edma_w(d, EMU_E_VIEWPORT, (dir ? 1u << 31 : 0) | ch);
			emu_edma_w(d, EMU_E_CH_CTRL1, 0x300 | (xs(&s) & 0x1f));
			emu_edma_w(d, EMU_E_CH_LLP, EMU_AXI_LPDDR +
				   (xs(&s) % (0x10000 / 24)) * 24);
			emu_edma_w(d, EMU_E_CH_LLP + 4, xs(&s) % 16 ? 0 : val);
			emu_edma_w(d, EMU_E_DOORBELL(dir),
				   (xs(&s) % 8 ? 0 : 1u << 31) | ch);
		} else if (r < 13) {
			/* The NPU command interface. */
			static const uint32_t regs[] = {
				0x10, 0x14, 0x20, 0x24, 0x100, 0x104, 0x108,
				0x10c, 0x110, 0x114, 0x118, 0x11c, 0x200,
				0x204, 0x208, 0x300, 0x304, 0x308, 0x400,
				0x404, 0x408, 0x1e0c, 0x1e10, 0x1e14,
			};

			off = regs[xs(&s) % (sizeof(regs) / sizeof(regs[0]))];
			if (off == 0x10)	/* keep it enabled mostly */
				val = xs(&s) % 16 ? 2 : val;
			if (off == 0x400)
				val = xs(&s) % 4 ? 1 + xs(&s) % 4 : val;
			emu_npu_w(d, off, val);
		} else if (r < 15) {
			/* Reads anywhere in BAR0 below the window, BAR2, BAR4. */
			int bar = 2 * (xs(&s) % 3);
			uint32_t lim = bar == 0 ? AKIDA_EMU_WINDOW : 4u << 20;

			emu_r32(d, bar, (xs(&s) % lim) & ~3u);
		} else {
			/* Random LPDDR content under running engines. */
			emu_w32(d, 4, (xs(&s) % 0x10000) & ~3u, val);
		}
		if (i % 2000 == 0)
			ASSERT_TRUE(alive(d));
	}
	/* Let whatever runs finish (the engines are bounded). */
	for (j = 0; j < 100; j++) {
		uint32_t busy = emu_npu_r(d, EMU_NPU_STATUS) & 2;

		for (i = 0; i < 4; i++) {
			emu_edma_w(d, EMU_E_VIEWPORT, (i & 2 ? 1u << 31 : 0) | (i & 1));
			if (EMU_CS(emu_edma_r(d, EMU_E_CH_CTRL1)) == 1)
				busy = 1;
		}
		if (!busy)
			break;
		usleep(100000);
	}
	EXPECT_LT(j, 100u);
	EXPECT_TRUE(alive(d));
	/* The engines did run (and aborted: no bus mastering). */
	EXPECT_GT(emu_counter(d, AKIDA_EMU_CNT_DMA_ABORTS), aborts);
	EXPECT_EQ(0x194000a1u, emu_npu_r(d, 0));

	/* After a reset the device works normally. */
	emu_cfg_w16(d, 4, cmd);
	ASSERT_EQ(0, emu_reset(d));
	emu_atu_default(d);
	emu_tw_w(d, AKIDA_EMU_TIMING, timing);
	emu_w32(d, 4, 0x100, 0x12345678);
	EXPECT_EQ(0x12345678u, emu_r32(d, 4, 0x100));
	EXPECT_EQ(0x00020002u, emu_edma_r(d, EMU_E_CTRL));
	EXPECT_EQ(1u, emu_npu_r(d, EMU_NPU_STATUS));
}

TEST_HARNESS_MAIN
