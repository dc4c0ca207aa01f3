// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure injection over akida_pcie's probe, open and transfers
 * (see fault_inject.h for how failures are injected).
 *
 * After each injected failure the operation must either have succeeded
 * (the driver tolerated the failure) or have failed with a clean errno, and
 * the device must still work. Splats (KASAN, lockdep, WARN, DMA-API debug)
 * and leaks are caught from the kernel log by the stage that boots the debug
 * kernel (scripts/check.d/70-vm-debug).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fault_inject.h"

FIXTURE(fault)
{
	struct fault_ctx c;
};

FIXTURE_SETUP(fault)
{
	FAULT_SETUP(&self->c);
}

FIXTURE_TEARDOWN(fault)
{
	fault_ctx_teardown(&self->c);
}

/* A small write/read round trip through the driver, with the data checked. */
static int round_trip(const char *dev, unsigned long axi, size_t len)
{
	unsigned char *out, *in;
	int fd, ret = -EIO;
	size_t i;

	fd = open(dev, O_RDWR);
	if (fd < 0)
		return -errno;
	out = malloc(len);
	in = malloc(len);
	if (!out || !in) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 7 + len + axi);
	if (pwrite(fd, out, len, axi) != (ssize_t)len)
		goto out;
	memset(in, 0, len);
	if (pread(fd, in, len, axi) != (ssize_t)len)
		goto out;
	ret = memcmp(in, out, len) ? -EILSEQ : 0;
out:
	free(out);
	free(in);
	close(fd);
	return ret;
}

/* Probe: unbind, then bind through sysfs with the nth allocation failing. */
TEST_F_TIMEOUT(fault, probe, 280)
{
	int step, injected = 0, tolerated = 0;
	unsigned long long errnos = 0;
	ssize_t ret;
	int err, fd;
	bool hit;

	for (step = 1; step <= MAX_STEPS; step++) {
		if (is_bound(self->c.bdf))
			ASSERT_EQ(0, write_str(DRV_DIR "/unbind", self->c.bdf));
		fd = open(DRV_DIR "/bind", O_WRONLY);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, arm(step));
		ret = write(fd, self->c.bdf, strlen(self->c.bdf));
		err = errno;
		hit = disarm();
		close(fd);
		if (!hit) {
			ASSERT_EQ((ssize_t)strlen(self->c.bdf), ret)
				TH_LOG("bind without an injected failure: %s", strerror(err));
			break;
		}
		injected++;
		if (ret < 0) {
			/*
			 * Any errno: the PCI core itself reports some allocation
			 * failures as -EBUSY (resource requests) or -ENOSPC
			 * (interrupt vectors). But nothing may stay bound.
			 */
			errnos |= 1ULL << (err < 64 ? err : 63);
			EXPECT_FALSE(is_bound(self->c.bdf))
				TH_LOG("probe, allocation %d failed: bind failed but bound", step);
		} else {
			/* A failure the driver absorbed must not cost a working device. */
			tolerated++;
			EXPECT_EQ(0, dev_path(self->c.dev, sizeof(self->c.dev)));
			EXPECT_EQ(0, round_trip(self->c.dev, AXI_SRAM, 64))
				TH_LOG("probe absorbed failed allocation %d, device unusable",
				       step);
		}
	}
	ASSERT_GE(MAX_STEPS, step) TH_LOG("probe never completed");
	TH_LOG("probe: %d allocations failed in turn (%d absorbed), errnos %#llx",
	       injected, tolerated, (unsigned long long)errnos);
	ASSERT_LT(0, injected) TH_LOG("probe: no allocation failure was injected");
	ASSERT_TRUE(is_bound(self->c.bdf));
	/* devtmpfs recreates the node; the device must work again. */
	ASSERT_EQ(0, dev_path(self->c.dev, sizeof(self->c.dev)));
	ASSERT_EQ(0, round_trip(self->c.dev, AXI_SRAM, 256));
}

TEST_F_TIMEOUT(fault, open, 120)
{
	int step, injected = 0, fd, err;
	bool hit;

	for (step = 1; step <= MAX_STEPS; step++) {
		ASSERT_EQ(0, arm(step));
		fd = open(self->c.dev, O_RDWR);
		err = errno;
		hit = disarm();
		if (fd >= 0)
			close(fd);
		if (!hit) {
			ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(err));
			break;
		}
		injected++;
		if (fd < 0) {
			EXPECT_TRUE(clean_errno(err))
				TH_LOG("open, allocation %d failed: %s", step, strerror(err));
		}
	}
	ASSERT_GE(MAX_STEPS, step) TH_LOG("open never completed");
	TH_LOG("open: %d allocations failed in turn", injected);
	ASSERT_LT(0, injected) TH_LOG("open: no allocation failure was injected");
	ASSERT_EQ(0, round_trip(self->c.dev, AXI_SRAM, 64));
}

/* Transfers: each size and direction with the nth allocation failing. */
FIXTURE(xfer)
{
	struct fault_ctx c;
};

FIXTURE_SETUP(xfer)
{
	/* Transfers map streaming DMA: keep out of DMA-API debugging's tracking. */
	self->c.reject_sym = "add_dma_entry";
	FAULT_SETUP(&self->c);
}

FIXTURE_TEARDOWN(xfer)
{
	fault_ctx_teardown(&self->c);
}

FIXTURE_VARIANT(xfer)
{
	unsigned long axi;
	size_t len;
	/*
	 * dma_pinned=1: pin the user pages and map them (allocations per
	 * transfer). Otherwise the transfer goes through the bounce buffers
	 * allocated at probe, and nothing is allocated to fail.
	 */
	bool pinned;
};

FIXTURE_VARIANT_ADD(xfer, sram_4b)
{
	.axi = AXI_SRAM + 0x100,
	.len = 4,
};

FIXTURE_VARIANT_ADD(xfer, sram_unaligned)
{
	.axi = AXI_SRAM + 0x1003,
	.len = 3001,
};

FIXTURE_VARIANT_ADD(xfer, lpddr_256k)
{
	.axi = AXI_LPDDR,
	.len = 256 * 1024,
};

FIXTURE_VARIANT_ADD(xfer, lpddr_1m_unaligned)
{
	.axi = AXI_LPDDR + 0x40001,
	.len = 1024 * 1024 - 5,
};

FIXTURE_VARIANT_ADD(xfer, lpddr_256k_pinned)
{
	.axi = AXI_LPDDR,
	.len = 256 * 1024,
	.pinned = true,
};

FIXTURE_VARIANT_ADD(xfer, lpddr_1m_unaligned_pinned)
{
	.axi = AXI_LPDDR + 0x40001,
	.len = 1024 * 1024 - 5,
	.pinned = true,
};

#define DMA_PINNED "/sys/module/akida_pcie/parameters/dma_pinned"

static void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 131 + seed);
}

TEST_F_TIMEOUT(xfer, transfers, 280)
{
	unsigned char *out, *in;
	int step, dir, fd, err, injected[2] = { 0, 0 };
	ssize_t ret;
	bool hit;

	out = malloc(variant->len);
	in = malloc(variant->len);
	ASSERT_TRUE(out && in);
	fill(out, variant->len, 0x5a);
	/* Touch the buffers so that no page fault allocates inside a step. */
	memset(in, 0, variant->len);
	ASSERT_EQ(0, write_str(DMA_PINNED, variant->pinned ? "1" : "0"));
	fd = open(self->c.dev, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", self->c.dev, strerror(errno));

	for (dir = 0; dir < 2; dir++) {
		for (step = 1; step <= MAX_STEPS; step++) {
			/* Reads need known data in place first. */
			if (dir == 1)
				ASSERT_EQ((ssize_t)variant->len,
					  pwrite(fd, out, variant->len, variant->axi));
			ASSERT_EQ(0, arm(step));
			if (dir == 0)
				ret = pwrite(fd, out, variant->len, variant->axi);
			else
				ret = pread(fd, in, variant->len, variant->axi);
			err = errno;
			hit = disarm();
			if (!hit) {
				ASSERT_EQ((ssize_t)variant->len, ret)
					TH_LOG("%s: %s", dir ? "pread" : "pwrite",
					       ret < 0 ? strerror(err) : "short");
				break;
			}
			injected[dir]++;
			if (ret < 0) {
				EXPECT_TRUE(clean_errno(err))
					TH_LOG("%s, allocation %d failed: %s",
					       dir ? "pread" : "pwrite", step, strerror(err));
			} else {
				EXPECT_GE((ssize_t)variant->len, ret);
			}
			/* The device must still work after every failure. */
			ASSERT_EQ(0, round_trip(self->c.dev, AXI_SRAM + 0x80000, 64))
				TH_LOG("device unusable after %s allocation %d failed",
				       dir ? "pread" : "pwrite", step);
		}
		ASSERT_GE(MAX_STEPS, step) TH_LOG("transfer never completed");
	}
	/* The last, uninjected round must have moved the right bytes. */
	memset(in, 0, variant->len);
	ASSERT_EQ((ssize_t)variant->len, pread(fd, in, variant->len, variant->axi));
	ASSERT_EQ(0, memcmp(in, out, variant->len));
	TH_LOG("%zu bytes at %#lx: %d pwrite and %d pread allocations failed in turn",
	       variant->len, variant->axi, injected[0], injected[1]);
	write_str(DMA_PINNED, "0");
	if (variant->pinned) {
		EXPECT_LT(0, injected[0]) TH_LOG("pinned pwrite: nothing injected");
		EXPECT_LT(0, injected[1]) TH_LOG("pinned pread: nothing injected");
	} else {
		/*
		 * The bounce path pins the caller's pages before it takes a
		 * channel (no user page fault under an engine lock), so it
		 * allocates per transfer too: every such failure is injected.
		 */
		EXPECT_LT(0, injected[0]) TH_LOG("bounce pwrite: nothing injected");
		EXPECT_LT(0, injected[1]) TH_LOG("bounce pread: nothing injected");
	}
	close(fd);
	free(out);
	free(in);
}

TEST_HARNESS_MAIN
