// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the test bed itself: the emulated AKD1000 is on the PCI bus
 * with the identity HARDWARE.md section 1 gives, akida_pcie loaded without
 * error and bound it, /dev/akida0 exists, and akida-hostctl reaches the
 * host's QEMU monitor. In the test guest each of these is a failure when
 * missing, never a skip.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

static int read_hex(const char *dir, const char *attr, unsigned long *val)
{
	char path[512], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*val = strtoul(buf, NULL, 16);
	return 0;
}

static int find_akida(char *out, size_t len)
{
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");
	int found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char dir[512];
		unsigned long v, dev;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", de->d_name);
		if (read_hex(dir, "vendor", &v) || v != 0x1e7c)
			continue;
		if (read_hex(dir, "device", &dev) || dev != 0xbca1)
			continue;
		snprintf(out, len, "%s", dir);
		found = 1;
		break;
	}
	closedir(d);
	return found;
}

TEST(pci_identity)
{
	char dir[512];
	unsigned long cls;

	if (!find_akida(dir, sizeof(dir)))
		ABSENT(return, "no AKD1000 on the PCI bus");
	ASSERT_EQ(0, read_hex(dir, "class", &cls));
	/* Processing accelerator: base class 0x12. */
	EXPECT_EQ(0x12UL, cls >> 16);
}

/* The device is bound to akida_pcie (its sysfs driver link names it). */
TEST(driver_bound)
{
	char dir[512], link[600], target[512];
	ssize_t n;

	if (!find_akida(dir, sizeof(dir)))
		ABSENT(return, "no AKD1000 on the PCI bus");
	snprintf(link, sizeof(link), "%s/driver", dir);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		ABSENT(return, "the AKD1000 is bound to no driver");
	target[n] = 0;
	ASSERT_NE(NULL, strstr(target, "/akida_pcie")) TH_LOG("bound to %s", target);
}

TEST(devnode_exists)
{
	if (access("/dev/akida0", R_OK | W_OK))
		ABSENT(return, "no /dev/akida0: %s", strerror(errno));
	ASSERT_EQ(0, access("/sys/class/akida/akida0", F_OK));
}

static int file_has(const char *path, const char *needle, char *line, size_t len)
{
	FILE *f = fopen(path, "r");
	int hit = 0;

	if (!f)
		return -1;
	while (!hit && fgets(line, len, f))
		hit = strstr(line, needle) != NULL;
	fclose(f);
	return hit;
}

/*
 * scripts/vmrun.py's init loads the module once at boot and keeps its exit
 * status and the kernel log of that moment: modprobe succeeded and no probe
 * failed (later tests fail probe on purpose, so only the boot log counts).
 */
TEST(module_loaded_cleanly)
{
	char line[512];
	FILE *f;
	int rc = -1;

	if (!akida_in_test_guest())
		SKIP(return, "not in the test guest (no boot record of modprobe)");
	f = fopen("/run/akida-modprobe.rc", "r");
	ASSERT_NE(NULL, f) TH_LOG("init did not record modprobe's status");
	ASSERT_EQ(1, fscanf(f, "%d", &rc));
	fclose(f);
	EXPECT_EQ(0, rc);
	/* "probe of X failed with error" (6.1), "probe with driver ... failed" (6.12) */
	EXPECT_EQ(0, file_has("/run/akida-boot.dmesg", "failed with error", line, sizeof(line)))
		TH_LOG("%s", line);
	EXPECT_EQ(0, file_has("/run/akida-boot.dmesg", "akida_pcie: unknown parameter", line, sizeof(line)))
		TH_LOG("%s", line);
	EXPECT_EQ(0, access("/sys/module/akida_pcie", F_OK));
}

TEST(hostctl_reaches_monitor)
{
	char line[256];
	FILE *p;
	int seen = 0;

	if (access("/usr/bin/akida-hostctl", X_OK))
		ABSENT(return, "no akida-hostctl (not in the test guest)");
	p = popen("akida-hostctl info version", "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		if (strchr(line, '.'))
			seen = 1;
	EXPECT_EQ(0, pclose(p));
	EXPECT_EQ(1, seen);
}

TEST_HARNESS_MAIN
