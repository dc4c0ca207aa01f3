// SPDX-License-Identifier: MIT
/*
 * libakida's VFIO backend against the emulated AKD1000 behind the vIOMMU
 * (scripts/vmrun.py --iommu): the test binds the device to vfio-pci, drives
 * the iATU, eDMA, MSI and NPU from userspace, compares every output with
 * the golden model, and gives the device back to akida_pcie at the end.
 */
#include "kselftest_harness.h"
#include "lib_util.h"

FIXTURE(vdev) {
	struct akida_device *dev;
	struct akida_device_info info;
	int bound;		/* we moved it to vfio-pci: teardown moves it back */
	char open_error[256];
};

FIXTURE_SETUP(vdev)
{
	const char *why;
	int i;

	self->dev = NULL;
	self->bound = 0;
	self->open_error[0] = 0;
	if (lib_first_device(&self->info, &why))
		ABSENT(return, "%s", why);
	if (self->info.iommu_group < 0)
		SKIP(return, "no IOMMU group (boot with intel_iommu=on: vmrun.py --iommu)");
	if (geteuid() != 0)
		SKIP(return, "needs root to bind vfio-pci");
	if (system("modprobe vfio-pci 2>/dev/null; modprobe vfio_iommu_type1 2>/dev/null") ||
	    access("/sys/bus/pci/drivers/vfio-pci", F_OK))
		SKIP(return, "vfio-pci not available");
	/*
	 * Nothing below may ASSERT: a failed setup skips the teardown, which
	 * must give the device back to akida_pcie. Tests check self->dev.
	 */
	self->bound = 1;
	if (lib_rebind(self->info.bdf, "vfio-pci")) {
		snprintf(self->open_error, sizeof(self->open_error), "binding vfio-pci failed");
		return;
	}
	for (i = 0; i < 50 && !lib_driver_is(self->info.bdf, "vfio-pci"); i++)
		usleep(100000);
	for (i = 0; i < 50 && access("/dev/vfio/vfio", F_OK); i++)
		usleep(100000);
	if (akida_open(self->info.bdf, AKIDA_BACKEND_VFIO, &self->dev))
		snprintf(self->open_error, sizeof(self->open_error), "%s",
			 akida_error_message());
}

FIXTURE_TEARDOWN(vdev)
{
	int i;

	akida_close(self->dev);
	if (!self->bound)
		return;
	/* back to akida_pcie (whatever claims it without an override) */
	lib_rebind(self->info.bdf, "");
	for (i = 0; i < 50 && lib_driver_is(self->info.bdf, "vfio-pci"); i++)
		usleep(100000);
}

#define NEED_DEV() ASSERT_NE(NULL, self->dev) TH_LOG("open: %s", self->open_error)

TEST_F(vdev, caps_and_registers)
{
	const struct akida_caps *c = akida_device_caps(self->dev);
	uint32_t v;

	NEED_DEV();
	EXPECT_EQ((int)AKIDA_BACKEND_VFIO, (int)c->backend);
	EXPECT_EQ(0x194000a1u, c->device_id);
	EXPECT_EQ(0x00010000u, c->version);
	EXPECT_EQ(80u, c->np_count);
	EXPECT_NE(0u, c->features & AKIDA_FEAT_IOMMU);
	/* as root the MSI address is readable: completions by interrupt */
	EXPECT_NE(0u, c->features & AKIDA_FEAT_IRQ);
	ASSERT_EQ(0, akida_reg_read(self->dev, 0x4010, &v));
	EXPECT_EQ(0x04aa0001u, v);
}

TEST_F(vdev, dma_loopback)
{
	NEED_DEV();
	EXPECT_EQ(0, lib_dma_loopback(self->dev, 4, 1)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_dma_loopback(self->dev, 4097, 2)) TH_LOG("%s", akida_error_message());
	/* larger than the 2 MiB bounce buffer: several transfers */
	EXPECT_EQ(0, lib_dma_loopback(self->dev, 5 << 20, 3)) TH_LOG("%s", akida_error_message());
}

TEST_F(vdev, inference_and_weights_match_golden)
{
	struct akida_random_spec s1 = { 3, lib_s1, lib_w1, lib_a1 };
	struct akida_random_spec s2 = { 2, lib_s2, lib_w2, lib_a2 };

	NEED_DEV();
	EXPECT_EQ(0, lib_golden_run(self->dev, 21, &s1, 1, 0)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 22, &s2, 33, 0)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 23, &s1, 5, 1u << 2)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 24, &s1, 5, 7)) TH_LOG("%s", akida_error_message());
}

TEST_F(vdev, outside_lpddr_is_refused)
{
	uint8_t b[8] = { 0 };

	NEED_DEV();
	EXPECT_EQ(-EINVAL, akida_mem_write(self->dev, 0x20000000, b, 8));	/* list area */
	EXPECT_EQ(-EINVAL, akida_mem_read(self->dev, 0x10000000, b, 8));
}

TEST_F(vdev, clock_mode_and_reset)
{
	struct akida_random_spec s3 = { 1, lib_s3, lib_w3, lib_a3 };
	unsigned int m;

	NEED_DEV();
	ASSERT_EQ(0, akida_set_clock_mode(self->dev, AKIDA_CLOCK_MODE_ECONOMY))
		TH_LOG("%s", akida_error_message());
	ASSERT_EQ(0, akida_get_clock_mode(self->dev, &m));
	EXPECT_EQ(1u, m);
	EXPECT_EQ(0, lib_golden_run(self->dev, 31, &s3, 2, 0)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(-EINVAL, akida_set_clock_mode(self->dev, 3));
	/* after a reset the program is gone (a new load works); the clock mode stays */
	ASSERT_EQ(0, akida_reset(self->dev)) TH_LOG("%s", akida_error_message());
	ASSERT_EQ(0, akida_get_clock_mode(self->dev, &m));
	EXPECT_EQ(1u, m);
	EXPECT_EQ(0, lib_golden_run(self->dev, 32, &s3, 2, 0)) TH_LOG("%s", akida_error_message());
	ASSERT_EQ(0, akida_set_clock_mode(self->dev, AKIDA_CLOCK_MODE_PERFORMANCE));
}

TEST_HARNESS_MAIN
