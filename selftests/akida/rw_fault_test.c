// SPDX-License-Identifier: GPL-2.0
/*
 * eDMA faults injected through the emulator's test-control window
 * (tools/qemu/akida_emu_regs.h): an aborted element gives -EIO, a lost
 * completion -ETIMEDOUT, a device that stops answering -EIO; a delayed
 * completion within the timeout succeeds. After each, the device works.
 * Needs the emulator (SKIP on anything else) and root.
 */
#include "kselftest_harness.h"
#include "rw_util.h"

/* Generous: the debug kernel under TCG on a busy host is slow. */
#define TIMEOUT_MS	1000

FIXTURE(fault) {
	struct akt_dev d;
	struct akt_emu emu;
	int fd;
	int have_emu;
	long long timeout;
};

FIXTURE_SETUP(fault)
{
	self->fd = -1;
	self->have_emu = 0;
	self->timeout = -1;
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test-control window (real hardware?)");
	self->have_emu = 1;
	akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->timeout = akt_param("dma_timeout_ms");
	ASSERT_LT(0, self->timeout);
	ASSERT_EQ(0, akt_set_param("dma_timeout_ms", TIMEOUT_MS));
}

FIXTURE_TEARDOWN(fault)
{
	if (self->have_emu) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->timeout > 0)
		akt_set_param("dma_timeout_ms", self->timeout);
	if (self->fd >= 0)
		close(self->fd);
}

static int xfer(int fd, int to_dev, size_t len)
{
	static uint8_t buf[1 << 16];
	ssize_t n;

	akt_fill(buf, len, 42);
	errno = 0;
	n = to_dev ? pwrite(fd, buf, len, AKT_USER_LPDDR + 0x1000)
		   : pread(fd, buf, len, AKT_USER_LPDDR + 0x1000);
	return n == (ssize_t)len ? 0 : errno;
}

static void check_usable(struct __test_metadata *_metadata, int fd)
{
	ASSERT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR + 0x2000, 65536, 5));
	ASSERT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR + 0x3000, 3, 6));
}

FIXTURE_VARIANT(fault) {
	int to_dev;
	uint32_t kind;
	const char *stat;
};

FIXTURE_VARIANT_ADD(fault, h2d_write_err) {
	.to_dev = 1, .kind = AKIDA_EMU_ERR_WRITE, .stat = "akida_dma/h2d_aborts" };
FIXTURE_VARIANT_ADD(fault, h2d_ll_fetch) {
	.to_dev = 1, .kind = AKIDA_EMU_ERR_LL_FETCH, .stat = "akida_dma/h2d_aborts" };
FIXTURE_VARIANT_ADD(fault, d2h_read_err) {
	.to_dev = 0, .kind = AKIDA_EMU_ERR_READ, .stat = "akida_dma/d2h_aborts" };
FIXTURE_VARIANT_ADD(fault, d2h_ll_fetch) {
	.to_dev = 0, .kind = AKIDA_EMU_ERR_LL_FETCH, .stat = "akida_dma/d2h_aborts" };

TEST_F(fault, abort_gives_eio)
{
	long long before = akt_attr(&self->d, variant->stat);
	uint64_t msi = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_MSI);
	double t0;

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ERRSTATUS, variant->kind);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ABORT, 1);
	t0 = akt_now();
	EXPECT_EQ(EIO, xfer(self->fd, variant->to_dev, 4096));
	/*
	 * The abort arrives as an interrupt (abort unmasked, LLRAIE set: the
	 * engine posts the abort IMWr), not found when the wait times out.
	 */
	EXPECT_GT(TIMEOUT_MS / 1000.0, akt_now() - t0);
	EXPECT_LT(msi, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_MSI));
	EXPECT_EQ(0u, akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_DMA_ABORT));
	EXPECT_EQ(before + 1, akt_attr(&self->d, variant->stat));
	check_usable(_metadata, self->fd);
}

TEST_F(fault, lost_completion_gives_etimedout)
{
	const char *stat = variant->to_dev ? "akida_dma/h2d_timeouts" : "akida_dma/d2h_timeouts";
	long long before = akt_attr(&self->d, stat);
	double t0;

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DROP, 1);
	t0 = akt_now();
	EXPECT_EQ(ETIMEDOUT, xfer(self->fd, variant->to_dev, 4096));
	/* Bounded by the timeout, not much more. */
	EXPECT_GT(TIMEOUT_MS / 1000.0 + 2.0, akt_now() - t0);
	EXPECT_EQ(before + 1, akt_attr(&self->d, stat));
	check_usable(_metadata, self->fd);
}

TEST_F(fault, delayed_completion_within_timeout)
{
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DELAY_US, TIMEOUT_MS * 1000 / 5);
	EXPECT_EQ(0, xfer(self->fd, variant->to_dev, 4096));
	check_usable(_metadata, self->fd);
}

TEST_F_TIMEOUT(fault, dead_device_gives_eio, 90)
{
	double t0;

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DEAD_MS, TIMEOUT_MS + 1000);
	t0 = akt_now();
	EXPECT_EQ(EIO, xfer(self->fd, variant->to_dev, 4096));
	EXPECT_GT(TIMEOUT_MS / 1000.0 + 2.0, akt_now() - t0);
	/* Wait for it to answer again, then it must work. */
	while (akt_now() - t0 < 10.0 &&
	       akt_emu_rd(&self->emu, AKIDA_EMU_MAGIC) != AKIDA_EMU_MAGIC_VALUE)
		usleep(50000);
	usleep(100000);
	check_usable(_metadata, self->fd);
}

TEST_HARNESS_MAIN
