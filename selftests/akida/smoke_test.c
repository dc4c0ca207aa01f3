// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the test bed itself: the emulated AKD1000 is on the PCI bus
 * with the identity HARDWARE.md section 1 gives, and akida-hostctl reaches
 * the host's QEMU monitor.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

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
		SKIP(return, "no AKD1000 on the PCI bus");
	ASSERT_EQ(0, read_hex(dir, "class", &cls));
	/* Processing accelerator: base class 0x12. */
	EXPECT_EQ(0x12UL, cls >> 16);
}

TEST(hostctl_reaches_monitor)
{
	char line[256];
	FILE *p;
	int seen = 0;

	if (access("/usr/bin/akida-hostctl", X_OK))
		SKIP(return, "not in the test guest");
	p = popen("akida-hostctl info version", "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		if (strchr(line, '.'))
			seen = 1;
	EXPECT_EQ(0, pclose(p));
	EXPECT_EQ(1, seen);
}

TEST_HARNESS_MAIN
