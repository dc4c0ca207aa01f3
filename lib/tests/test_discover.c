// SPDX-License-Identifier: MIT
/*
 * Host tests: discovery on fake sysfs trees, and the error taxonomy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "akida.h"
#include "t.h"

TEST(discover_empty_tree_is_not_an_error)
{
	struct akida_device_info *l = (void *)1;
	struct akida_device_info d;
	unsigned int n = 99;

	CHECK_EQ(akida_discover(t_tmpdir(), &l, &n), 0);
	CHECK_EQ(n, 0);
	CHECK(l == NULL);
	fake_pci_dev(t_tmpdir(), "0000:00:1f.0", 0x8086, 0x2918, "lpc_ich", -1, 3);
	CHECK_EQ(akida_discover(t_tmpdir(), &l, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(akida_find_device(t_tmpdir(), "0", &d), -ENODEV);
	CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_NO_DEVICE);
	CHECK(strstr(akida_error_message(), "no Akida device"));
}

TEST(discover_finds_bound_and_unbound_devices)
{
	const char *r = t_tmpdir();
	struct akida_device_info *l;
	unsigned int n;

	fake_pci_dev(r, "0000:00:1f.0", 0x8086, 0x2918, "lpc_ich", -1, 3);
	fake_pci_dev(r, "0000:02:00.0", 0x1e7c, 0xbca1, "vfio-pci", -1, 9);
	fake_pci_dev(r, "0000:01:00.0", 0x1e7c, 0xbca1, "akida_pcie", 0, 7);
	fake_pci_dev(r, "0000:03:00.0", 0x1e7c, 0xa500, "", -1, -1);
	CHECK_EQ(akida_discover(r, &l, &n), 0);
	CHECK_EQ(n, 3);
	/* sorted by address */
	CHECK(!strcmp(l[0].bdf, "0000:01:00.0"));
	CHECK(!strcmp(l[0].chip, "AKD1000"));
	CHECK(!strcmp(l[0].driver, "akida_pcie"));
	CHECK(!strcmp(l[0].devnode, "/dev/akida0"));
	CHECK_EQ(l[0].minor, 0);
	CHECK_EQ(l[0].iommu_group, 7);
	CHECK(!strcmp(l[0].link_speed, "5.0 GT/s PCIe"));
	CHECK(!strcmp(l[0].link_width, "1"));
	CHECK_EQ(l[0].bar_size[0], 4 << 20);
	CHECK_EQ(l[0].bar_size[1], 0);
	CHECK_EQ(l[0].bar_size[2], 4 << 20);
	CHECK_EQ(l[0].bar_start[2], 0xfd800000);
	CHECK(!strcmp(akida_device_attr(&l[0], "akida_np_count"), "80"));
	CHECK(!strcmp(akida_device_attr(&l[0], "akida_sram_size"), "10485760"));
	CHECK(!strcmp(akida_device_attr(&l[0], "akida_clock_mode"), "0"));
	CHECK(!strcmp(akida_device_attr(&l[0], "akida_batch_size"), "64"));
	CHECK(!strcmp(akida_device_attr(&l[0], "akida_dma_ram_base"), "0x20000000"));
	CHECK(!strcmp(akida_device_attr(&l[0], "akida_dma/h2d_bytes"), "4096"));
	CHECK(akida_device_attr(&l[0], "akida_nonexistent") == NULL);
	CHECK(!strcmp(l[1].driver, "vfio-pci"));
	CHECK_EQ(l[1].minor, -1);
	CHECK(!strcmp(l[1].devnode, ""));
	CHECK_EQ(l[1].nattrs, 0);
	CHECK(!strcmp(l[2].chip, "AKD1500"));
	CHECK(!strcmp(l[2].driver, ""));
	CHECK_EQ(l[2].iommu_group, -1);
	CHECK_EQ(l[2].index, 2);
	akida_discover_free(l);
}

TEST(find_device_by_index_address_and_node)
{
	const char *r = t_tmpdir();
	struct akida_device_info d;

	fake_pci_dev(r, "0000:01:00.0", 0x1e7c, 0xbca1, "akida_pcie", 3, 7);
	fake_pci_dev(r, "0000:02:00.0", 0x1e7c, 0xbca1, "akida_pcie", 1, 8);
	CHECK_EQ(akida_find_device(r, "1", &d), 0);
	CHECK(!strcmp(d.bdf, "0000:02:00.0"));
	CHECK_EQ(akida_find_device(r, "0000:01:00.0", &d), 0);
	CHECK_EQ(d.minor, 3);
	CHECK_EQ(akida_find_device(r, "02:00.0", &d), 0);
	CHECK_EQ(d.index, 1);
	CHECK_EQ(akida_find_device(r, "/dev/akida3", &d), 0);
	CHECK(!strcmp(d.bdf, "0000:01:00.0"));
	CHECK_EQ(akida_find_device(r, "akida1", &d), 0);
	CHECK(!strcmp(d.bdf, "0000:02:00.0"));
	CHECK_EQ(akida_find_device(r, "2", &d), -ENOENT);
	CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_NOT_FOUND);
	CHECK(strstr(akida_error_message(), "2 Akida devices present"));
	CHECK_EQ(akida_find_device(r, "akida2", &d), -ENOENT);
	CHECK_EQ(akida_find_device(r, "", &d), -ENOENT);
	CHECK_EQ(akida_find_device(r, "junk", &d), -ENOENT);
}

TEST(sysfs_root_from_environment)
{
	struct akida_device_info *l;
	unsigned int n;

	fake_pci_dev(t_tmpdir(), "0000:05:00.0", 0x1e7c, 0xbca1, "akida_pcie", 0, 1);
	setenv("AKIDA_SYSFS_ROOT", t_tmpdir(), 1);
	CHECK_EQ(akida_discover(NULL, &l, &n), 0);
	CHECK_EQ(n, 1);
	akida_discover_free(l);
	unsetenv("AKIDA_SYSFS_ROOT");
}

TEST(error_taxonomy_names_and_errnos)
{
	static const struct { int err; enum akida_error_kind kind; } map[] = {
		{ ENODEV, AKIDA_ERR_NO_DEVICE }, { ENOENT, AKIDA_ERR_NOT_FOUND },
		{ EACCES, AKIDA_ERR_BACKEND_UNAVAILABLE }, { ENXIO, AKIDA_ERR_BACKEND_UNAVAILABLE },
		{ ETIMEDOUT, AKIDA_ERR_TRANSFER }, { EIO, AKIDA_ERR_HARDWARE },
		{ ENODATA, AKIDA_ERR_CAPABILITY }, { EINVAL, AKIDA_ERR_INVALID },
		{ ENOMEM, AKIDA_ERR_NO_MEMORY },
	};

	for (unsigned int i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		CHECK_EQ(akida_errno_kind(map[i].err), map[i].kind);
	CHECK(!strcmp(akida_error_kind_name(AKIDA_ERR_TRANSFER), "transfer failed"));
	CHECK(!strcmp(akida_error_kind_name(AKIDA_ERR_CAPABILITY), "capability query failed"));
	CHECK(!strcmp(akida_npu_error_name(3), "CRC mismatch"));
	akida_clear_error();
	CHECK_EQ(akida_last_error()->kind, AKIDA_OK);
	CHECK(!strcmp(akida_error_message(), "no error"));
}
