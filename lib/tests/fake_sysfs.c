// SPDX-License-Identifier: MIT
/*
 * Build fake sysfs trees for discovery tests: the same layout as the real
 * one (devices as symlinks under bus/pci/devices, driver and iommu_group
 * links, akida/akidaN children, akida_* attributes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"

static void mkdirs(const char *path)
{
	char tmp[1024], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

void fake_write(const char *root, const char *rel, const char *content)
{
	char path[1024], dir[1024], *s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	s = strrchr(dir, '/');
	*s = 0;
	mkdirs(dir);
	f = fopen(path, "w");
	CHECK_MSG(f, "cannot create %s", path);
	fputs(content, f);
	fclose(f);
}

void fake_pci_dev(const char *root, const char *bdf, unsigned int vendor,
		  unsigned int device, const char *driver, int minor, int group)
{
	char rel[512], val[512], path[1024], target[512];

	snprintf(rel, sizeof(rel), "devices/pci0000:00/0000:00:02.0/%s", bdf);
#define W(name, ...) do { snprintf(val, sizeof(val), __VA_ARGS__);		\
		char r2[600]; snprintf(r2, sizeof(r2), "%s/%s", rel, name);	\
		fake_write(root, r2, val); } while (0)
	W("vendor", "0x%04x\n", vendor);
	W("device", "0x%04x\n", device);
	W("revision", "0x01\n");
	W("current_link_speed", "5.0 GT/s PCIe\n");
	W("current_link_width", "1\n");
	W("max_link_speed", "5.0 GT/s PCIe\n");
	W("max_link_width", "1\n");
	W("numa_node", "-1\n");
	W("driver_override", "(null)\n");
	W("resource", "0x00000000fe000000 0x00000000fe3fffff 0x0000000000140204\n"
	  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	  "0x00000000fd800000 0x00000000fdbfffff 0x0000000000140204\n");
	if (vendor == 0x1e7c && driver[0] && !strcmp(driver, "akida_pcie")) {
		W("akida_chip", "AKD1000\n");
		W("akida_np_count", "80\n");
		W("akida_sram_size", "10485760\n");
		W("akida_clock_mode", "0\n");
		W("akida_batch_size", "64\n");
		W("akida_lpddr_size", "67108864\n");
		W("akida_dma_ram_base", "0x20000000\n");
		W("akida_dma_ram_size", "256\n");
		W("akida_dma/h2d_bytes", "4096\n");
		W("akida_dma/d2h_bytes", "1024\n");
		if (minor >= 0) {
			char n[32];

			snprintf(n, sizeof(n), "akida/akida%d/dev", minor);
			W(n, "240:%d\n", minor);
		}
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	mkdirs(path);
	fake_write(root, "bus/pci/drivers_probe", "");
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, bdf);
	snprintf(target, sizeof(target), "../../../%s", rel);
	CHECK(symlink(target, path) == 0);
	if (driver[0]) {
		snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s", root, driver);
		mkdirs(path);
		snprintf(path, sizeof(path), "bus/pci/drivers/%s/unbind", driver);
		fake_write(root, path, "");
		snprintf(path, sizeof(path), "%s/%s/driver", root, rel);
		snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
		CHECK(symlink(target, path) == 0);
	}
	if (group >= 0) {
		snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices", root, group);
		mkdirs(path);
		snprintf(path, sizeof(path), "%s/%s/iommu_group", root, rel);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", group);
		CHECK(symlink(target, path) == 0);
	}
#undef W
}
