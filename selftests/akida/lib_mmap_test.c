// SPDX-License-Identifier: MIT
/*
 * libakida's mmap backend (BAR0 through sysfs resource0): register probing
 * works, everything needing DMA reports "backend unavailable".
 */
#include <grp.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib_util.h"

TEST(mmap_registers)
{
	struct akida_device_info d;
	struct akida_device *dev;
	const char *why;
	uint8_t b[4] = { 0 };
	uint64_t addr;
	uint32_t v;

	if (lib_first_device(&d, &why))
		ABSENT(return, "%s", why);
	if (geteuid() != 0)
		SKIP(return, "needs root for sysfs resource0");
	ASSERT_EQ(0, akida_open(d.bdf, AKIDA_BACKEND_MMAP, &dev))
		TH_LOG("%s", akida_error_message());
	EXPECT_EQ((int)AKIDA_BACKEND_MMAP, (int)akida_device_caps(dev)->backend);
	EXPECT_EQ(0x194000a1u, akida_device_caps(dev)->device_id);
	ASSERT_EQ(0, akida_reg_read(dev, 0x10C0, &v));
	EXPECT_EQ(80u, v);
	ASSERT_EQ(0, akida_reg_read(dev, 0x0004, &v));
	EXPECT_EQ(0x00010000u, v);
	EXPECT_EQ(-ENOTSUP, akida_mem_alloc(dev, 64, &addr));
	EXPECT_EQ((int)AKIDA_ERR_BACKEND_UNAVAILABLE, (int)akida_last_error()->kind);
	EXPECT_EQ(-ENOTSUP, akida_mem_write(dev, 0x20000100, b, 4));
	EXPECT_EQ(0u, akida_device_caps(dev)->features & AKIDA_FEAT_DMA);
	akida_close(dev);
}

TEST(mmap_needs_root_message)
{
	struct akida_device_info d;
	struct akida_device *dev;
	const char *why;

	if (lib_first_device(&d, &why))
		ABSENT(return, "%s", why);
	/*
	 * The harness runs each test in a child of its own: drop root there
	 * for good (nobody/nogroup, no supplementary groups) so that the
	 * permission path is reached as root too.
	 */
	if (geteuid() == 0) {
		ASSERT_EQ(0, setgroups(0, NULL));
		ASSERT_EQ(0, setresgid(65534, 65534, 65534));
		ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	}
	ASSERT_NE(0, geteuid());
	EXPECT_EQ(-EACCES, akida_open(d.bdf, AKIDA_BACKEND_MMAP, &dev));
	EXPECT_EQ((int)AKIDA_ERR_BACKEND_UNAVAILABLE, (int)akida_last_error()->kind);
}

TEST_HARNESS_MAIN
