// SPDX-License-Identifier: GPL-2.0
/*
 * The success path of every ioctl of /dev/akidaN: GET_INFO, MEM_ALLOC,
 * MEM_FREE, DMA, GET_STATS, SET_CLOCK, RESET, and -ENOTTY for the unknown.
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

FIXTURE(dev) {
	struct akt_dev d;
	struct akida_info info;
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = aj_open(&self->d, O_RDWR);
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	ASSERT_EQ(0, aj_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, get_info)
{
	struct akida_info *i = &self->info;

	EXPECT_EQ(AKIDA_CHIP_AKD1000, i->chip);
	EXPECT_EQ(AKT_DEVICE_ID, i->device_id);
	EXPECT_EQ(80, i->np_count);
	EXPECT_EQ(10u << 20, i->sram_size);
	EXPECT_EQ(AKT_LPDDR, i->lpddr_base);
	EXPECT_GE(i->lpddr_size, 1u << 20);
	/* The allocator starts after the reserved DMA RAM. */
	EXPECT_GE(i->mem_base, AKT_LPDDR + AKT_RESERVED);
	EXPECT_EQ(i->lpddr_base + i->lpddr_size, i->mem_base + i->mem_size);
	EXPECT_EQ(256, i->mem_align);
	EXPECT_NE(0, i->caps & AKIDA_CAP_JOBS);
	EXPECT_NE(0, i->caps & AKIDA_CAP_WEIGHT_UPDATE);
	EXPECT_NE(0, i->caps & AKIDA_CAP_BATCH);
	EXPECT_NE(0, i->caps & AKIDA_CAP_RESET);
	EXPECT_NE(0, i->caps & AKIDA_CAP_CLOCK_MODE);
	EXPECT_EQ(2, i->dma_h2d_channels);
	EXPECT_EQ(2, i->dma_d2h_channels);
	EXPECT_GE(i->queue_depth, 1);
	EXPECT_GE(i->max_file_jobs, 1);
	EXPECT_EQ(65535, i->max_batch);
	EXPECT_GE(i->max_dma_entries, 2);
	EXPECT_EQ(0, i->pad);
	EXPECT_EQ(80, akt_attr(&self->d, "akida_np_count"));
}

TEST_F(dev, info_iommu_capability)
{
	char path[PATH_MAX + 32];
	bool iommu;

	snprintf(path, sizeof(path), "%s/iommu_group", self->d.pci);
	iommu = !access(path, F_OK);
	EXPECT_EQ(iommu, !!(self->info.caps & AKIDA_CAP_IOMMU));
	/* The NPU interrupt is on unless npu_irq=0. */
	EXPECT_EQ(akt_param("npu_irq") != 0, !!(self->info.caps & AKIDA_CAP_NPU_IRQ));
}

TEST_F(dev, mem_alloc_free)
{
	uint64_t a, b;

	ASSERT_EQ(0, aj_alloc(self->fd, 1, 0, &a));
	EXPECT_EQ(0, a % self->info.mem_align);
	EXPECT_GE(a, self->info.mem_base);
	ASSERT_EQ(0, aj_alloc(self->fd, 4096, 0, &b));
	/* 1 byte takes one granule: the next one does not overlap it. */
	EXPECT_TRUE(b >= a + self->info.mem_align || b + 4096 <= a);
	EXPECT_EQ(0, aj_free(self->fd, a));
	EXPECT_EQ(0, aj_free(self->fd, b));
	/* Freed: gone. */
	EXPECT_EQ(-ENOENT, aj_free(self->fd, a));
}

TEST_F(dev, mem_alloc_align)
{
	uint64_t align, a;

	for (align = 256; align <= (16u << 20) && align <= self->info.mem_size / 2;
	     align <<= 1) {
		ASSERT_EQ(0, aj_alloc(self->fd, 300, align, &a));
		EXPECT_EQ(0, a % align);
		EXPECT_EQ(0, aj_free(self->fd, a));
	}
}

TEST_F(dev, mem_alloc_whole_and_fragments)
{
	uint64_t all, addr[64], size[64];
	unsigned int i, j;

	/* The whole managed area, once. */
	ASSERT_EQ(0, aj_alloc(self->fd, self->info.mem_size, 0, &all));
	EXPECT_EQ(self->info.mem_base, all);
	EXPECT_EQ(-ENOSPC, aj_alloc(self->fd, 256, 0, &addr[0]));
	ASSERT_EQ(0, aj_free(self->fd, all));

	/* Many of varied sizes never overlap, and holes are reused. */
	for (i = 0; i < 64; i++) {
		size[i] = 256 * (1 + (i * 37) % 50) - (i % 3);
		ASSERT_EQ(0, aj_alloc(self->fd, size[i], 0, &addr[i]));
		EXPECT_GE(addr[i], self->info.mem_base);
		EXPECT_LE(addr[i] + size[i], self->info.mem_base + self->info.mem_size);
		for (j = 0; j < i; j++)
			EXPECT_TRUE(addr[i] >= addr[j] + size[j] ||
				    addr[i] + size[i] <= addr[j]);
	}
	for (i = 0; i < 64; i += 2)
		ASSERT_EQ(0, aj_free(self->fd, addr[i]));
	for (i = 0; i < 64; i += 2) {
		ASSERT_EQ(0, aj_alloc(self->fd, size[i], 0, &addr[i]));
		for (j = 0; j < 64; j++)
			if (j != i)
				EXPECT_TRUE(addr[i] >= addr[j] + size[j] ||
					    addr[i] + size[i] <= addr[j]);
	}
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, aj_free(self->fd, addr[i]));
}

TEST_F(dev, dma_vector_roundtrip)
{
	static const size_t sizes[] = { 1, 3, 64, 255, 4096, 4097, 65536 + 13,
					 300000 };
	struct akida_dma_entry ent[2 * 8];
	struct akida_dma d = { 0 };
	uint8_t *src[8], *dst[8];
	uint64_t base, off = 0;
	unsigned int i, n = 8;

	ASSERT_EQ(0, aj_alloc(self->fd, 1 << 20, 0, &base));
	for (i = 0; i < n; i++) {
		/* Odd host alignment on purpose. */
		src[i] = (uint8_t *)malloc(sizes[i] + 8) + (i & 7);
		dst[i] = (uint8_t *)malloc(sizes[i] + 8) + ((i * 3) & 7);
		ASSERT_NE(NULL, src[i]);
		akt_fill(src[i], sizes[i], 100 + i);
		memset(dst[i], 0, sizes[i]);
		ent[i] = (struct akida_dma_entry){
			.user_ptr = (uintptr_t)src[i], .dev_addr = base + off + i,
			.size = sizes[i], .dir = AKIDA_DIR_TO_DEVICE };
		ent[n + i] = (struct akida_dma_entry){
			.user_ptr = (uintptr_t)dst[i], .dev_addr = base + off + i,
			.size = sizes[i], .dir = AKIDA_DIR_FROM_DEVICE };
		off += aj_align(sizes[i] + 8, 256);
	}
	ASSERT_LE(off, 1 << 20);
	d.entries = (uintptr_t)ent;
	d.count = 2 * n;
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, &d));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, memcmp(src[i], dst[i], sizes[i])) {
			TH_LOG("entry %u (%zu bytes) differs", i, sizes[i]);
		}
	for (i = 0; i < n; i++) {
		free(src[i] - (i & 7));
		free(dst[i] - ((i * 3) & 7));
	}
	EXPECT_EQ(0, aj_free(self->fd, base));
}

TEST_F(dev, stats_count_memory_and_bytes)
{
	struct akida_stats s0, s1;
	uint8_t buf[1000];
	uint64_t a;

	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	EXPECT_EQ(1, s0.file.open_files);
	EXPECT_GE(s0.device.open_files, 1);
	EXPECT_EQ(0, s0.file.mem_allocs);
	ASSERT_EQ(0, aj_alloc(self->fd, 5000, 0, &a));
	akt_fill(buf, sizeof(buf), 7);
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, buf, a, sizeof(buf)));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_FROM_DEVICE, buf, a, 10));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(1, s1.file.mem_allocs);
	EXPECT_EQ(aj_align(5000, 256), s1.file.mem_bytes);
	EXPECT_EQ(1000, s1.file.bytes_to_device);
	EXPECT_EQ(10, s1.file.bytes_from_device);
	EXPECT_GE(s1.device.mem_allocs, 1);
	EXPECT_GE(s1.device.bytes_to_device, s0.device.bytes_to_device + 1000);
	ASSERT_EQ(0, aj_free(self->fd, a));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(0, s1.file.mem_allocs);
	EXPECT_EQ(0, s1.file.mem_bytes);
}

TEST_F(dev, memory_freed_on_close)
{
	struct akida_stats s0, s1;
	uint64_t a;
	int fd2, i;

	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	fd2 = open(self->d.node, O_RDWR);
	ASSERT_GE(fd2, 0);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, aj_alloc(fd2, 4096 * (i + 1), 0, &a));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.mem_allocs + 10, s1.device.mem_allocs);
	EXPECT_EQ(s0.device.open_files + 1, s1.device.open_files);
	close(fd2);
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.mem_allocs, s1.device.mem_allocs);
	EXPECT_EQ(s0.device.mem_bytes, s1.device.mem_bytes);
	EXPECT_EQ(s0.device.open_files, s1.device.open_files);
}

/* NPU registers read from the device itself (HARDWARE.md section 4). */
#define NPU_STATUS		0x0008
#define  NPU_STATUS_MODEL_LOADED	(1u << 3)
#define NPU_CLOCK_MODE		0x0014

TEST_F(dev, set_clock)
{
	struct akida_clock c = { 0 };
	struct akida_info i;
	uint32_t mode;

	if (akt_bar0_rd(&self->d, NPU_CLOCK_MODE) < 0)
		ABSENT(return, "cannot read BAR0 through resource0 (needs root)");
	for (mode = AKIDA_CLOCK_PERFORMANCE; mode <= AKIDA_CLOCK_LOW_POWER; mode++) {
		c.mode = mode;
		ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &c));
		ASSERT_EQ(0, aj_info(self->fd, &i));
		EXPECT_EQ(mode, i.clock_mode);
		/* The device's own register, not the driver's cache. */
		EXPECT_EQ((int64_t)mode, akt_bar0_rd(&self->d, NPU_CLOCK_MODE));
	}
	c.mode = AKIDA_CLOCK_PERFORMANCE;
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &c));
	EXPECT_EQ((int64_t)AKIDA_CLOCK_PERFORMANCE, akt_bar0_rd(&self->d, NPU_CLOCK_MODE));
}

TEST_F(dev, reset_keeps_device_usable)
{
	struct akida_reset r = { 0 };
	struct akida_clock clk = { 0 };
	struct akida_stats s0, s1;
	uint8_t in[512], out[512];
	struct aj_model m;
	uint64_t a;

	if (geteuid())
		SKIP(return, "needs root (CAP_SYS_ADMIN)");
	if (akt_bar0_rd(&self->d, NPU_STATUS) < 0)
		ABSENT(return, "cannot read BAR0 through resource0");
	ASSERT_EQ(0, aj_alloc(self->fd, sizeof(in), 0, &a));
	akt_fill(in, sizeof(in), 3);
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, in, a, sizeof(in)));
	/* A program in the NPU before the reset. */
	ASSERT_EQ(0, aj_model_init(self->fd, &m, 21, NULL, 2));
	ASSERT_EQ(0, aj_run(self->fd, &m, AKIDA_JOB_PROGRAM, NULL));
	EXPECT_NE(0, akt_bar0_rd(&self->d, NPU_STATUS) & NPU_STATUS_MODEL_LOADED);
	/* A clock mode that the reset must carry over to the device. */
	clk.mode = AKIDA_CLOCK_ECONOMY;
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &clk));
	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &r));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.resets + 1, s1.device.resets);
	/* The device really reset: its program is gone. */
	EXPECT_EQ(0, akt_bar0_rd(&self->d, NPU_STATUS) & NPU_STATUS_MODEL_LOADED);
	EXPECT_EQ((int64_t)AKIDA_CLOCK_ECONOMY, akt_bar0_rd(&self->d, NPU_CLOCK_MODE));
	clk.mode = AKIDA_CLOCK_PERFORMANCE;
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &clk));
	/* Memory and its contents survive; DMA works. */
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_FROM_DEVICE, out, a, sizeof(out)));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	EXPECT_EQ(0, aj_free(self->fd, a));
	/* The same job again: the driver must load the program again. */
	ASSERT_EQ(0, aj_run(self->fd, &m, AKIDA_JOB_PROGRAM, NULL));
	EXPECT_EQ(0, aj_model_check(&m));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.program_loads + 1, s1.device.program_loads);
	aj_model_fini(self->fd, &m);
}

TEST_F(dev, unknown_ioctl_enotty)
{
	struct akida_info big[2];
	char buf[256] = { 0 };

	/* Unused number, in and beyond our range. */
	EXPECT_EQ(-ENOTTY, AJ_IOCTL(self->fd, _IOR(AKIDA_IOCTL_BASE, 0x3f, struct akida_info), buf));
	EXPECT_EQ(-ENOTTY, AJ_IOCTL(self->fd, _IOWR(AKIDA_IOCTL_BASE, 0x60, struct akida_info), buf));
	/* A known number with another size or direction. */
	EXPECT_EQ(-ENOTTY, AJ_IOCTL(self->fd, _IOR(AKIDA_IOCTL_BASE, 0x40, big), big));
	EXPECT_EQ(-ENOTTY, AJ_IOCTL(self->fd, _IOW(AKIDA_IOCTL_BASE, 0x40, struct akida_info), buf));
	/* Another driver's type. */
	EXPECT_EQ(-ENOTTY, AJ_IOCTL(self->fd, _IOR('d', 0x40, struct akida_info), buf));
	EXPECT_EQ(-ENOTTY, AJ_IOCTL(self->fd, 0, buf));
}

TEST_HARNESS_MAIN
