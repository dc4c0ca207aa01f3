// SPDX-License-Identifier: MIT
/*
 * libakida: discovery of Akida devices through sysfs.
 *
 * For each PCI function of vendor 0x1e7c under <root>/bus/pci/devices:
 * identity, bound driver (the "driver" link), the character device (the
 * child akida/akidaN of the PCI device directory, created by akida_pcie),
 * IOMMU group (the "iommu_group" link), PCIe link, BARs ("resource"), and
 * every akida_* attribute including the akida_dma/ statistics group.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akida_internal.h"

const char *akida_sysfs_root(const char *root)
{
	const char *env;

	if (root && *root)
		return root;
	env = getenv("AKIDA_SYSFS_ROOT");
	return env && *env ? env : "/sys";
}

/* Read a small sysfs file into @buf, trailing newline removed. */
int akida_read_sysfs(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static long read_hex(const char *dir, const char *name)
{
	char path[512], buf[32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (akida_read_sysfs(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 0);
}

static void link_base(const char *dir, const char *name, char *out, size_t len)
{
	char path[512], target[512];
	ssize_t n;
	const char *b;

	out[0] = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	b = strrchr(target, '/');
	snprintf(out, len, "%s", b ? b + 1 : target);
}

static const char *chip_name(unsigned int device)
{
	switch (device) {
	case 0xbca1:
		return "AKD1000";
	case 0xa500:
		return "AKD1500";
	default:
		return "unknown";
	}
}

static void add_attr(struct akida_device_info *d, const char *name, const char *path)
{
	struct akida_attr *a;

	if (d->nattrs >= AKIDA_MAX_ATTRS)
		return;
	a = &d->attrs[d->nattrs];
	if (akida_read_sysfs(path, a->value, sizeof(a->value)))
		return;
	snprintf(a->name, sizeof(a->name), "%s", name);
	d->nattrs++;
}

static int cmp_attr(const void *a, const void *b)
{
	return strcmp(((const struct akida_attr *)a)->name,
		      ((const struct akida_attr *)b)->name);
}

static void scan_attrs(struct akida_device_info *d, const char *dir)
{
	char path[768], sub[640];
	struct dirent *e, *e2;
	DIR *dd, *sd;

	dd = opendir(dir);
	if (!dd)
		return;
	while ((e = readdir(dd))) {
		if (strncmp(e->d_name, "akida_", 6))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		sd = opendir(sub);
		if (!sd) {
			add_attr(d, e->d_name, sub);
			continue;
		}
		while ((e2 = readdir(sd))) {
			char name[128];

			if (e2->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, e2->d_name);
			snprintf(name, sizeof(name), "%s/%s", e->d_name, e2->d_name);
			add_attr(d, name, path);
		}
		closedir(sd);
	}
	closedir(dd);
	qsort(d->attrs, d->nattrs, sizeof(d->attrs[0]), cmp_attr);
}

static void scan_devnode(struct akida_device_info *d, const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *dd;

	d->minor = -1;
	snprintf(path, sizeof(path), "%s/akida", dir);
	dd = opendir(path);
	if (!dd)
		return;
	while ((e = readdir(dd))) {
		int n;
		char tail;

		if (sscanf(e->d_name, "akida%d%c", &n, &tail) == 1 && n >= 0) {
			d->minor = n;
			snprintf(d->devnode, sizeof(d->devnode), "/dev/akida%d", n);
			break;
		}
	}
	closedir(dd);
}

static void scan_resources(struct akida_device_info *d, const char *dir)
{
	char path[512];
	unsigned long long s, e, fl;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/resource", dir);
	f = fopen(path, "re");
	if (!f)
		return;
	for (i = 0; i < 6 && fscanf(f, "%llx %llx %llx", &s, &e, &fl) == 3; i++) {
		d->bar_start[i] = s;
		d->bar_size[i] = e > s ? e - s + 1 : 0;
	}
	fclose(f);
}

static int scan_one(const char *devdir, const char *bdf, struct akida_device_info *d)
{
	char dir[512], buf[64], path[600];
	long v;

	snprintf(dir, sizeof(dir), "%s/%s", devdir, bdf);
	if (read_hex(dir, "vendor") != AKIDA_PCI_VENDOR)
		return 0;
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->vendor = AKIDA_PCI_VENDOR;
	v = read_hex(dir, "device");
	d->device = v < 0 ? 0 : (uint16_t)v;
	v = read_hex(dir, "revision");
	d->revision = v < 0 ? 0 : (uint8_t)v;
	d->chip = chip_name(d->device);
	link_base(dir, "driver", d->driver, sizeof(d->driver));
	link_base(dir, "iommu_group", buf, sizeof(buf));
	d->iommu_group = buf[0] ? atoi(buf) : -1;
	snprintf(path, sizeof(path), "%s/current_link_speed", dir);
	akida_read_sysfs(path, d->link_speed, sizeof(d->link_speed));
	snprintf(path, sizeof(path), "%s/current_link_width", dir);
	akida_read_sysfs(path, d->link_width, sizeof(d->link_width));
	snprintf(path, sizeof(path), "%s/max_link_speed", dir);
	akida_read_sysfs(path, d->max_link_speed, sizeof(d->max_link_speed));
	snprintf(path, sizeof(path), "%s/max_link_width", dir);
	akida_read_sysfs(path, d->max_link_width, sizeof(d->max_link_width));
	snprintf(path, sizeof(path), "%s/numa_node", dir);
	d->numa_node = akida_read_sysfs(path, buf, sizeof(buf)) ? -1 : atoi(buf);
	scan_devnode(d, dir);
	scan_resources(d, dir);
	scan_attrs(d, dir);
	return 1;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct akida_device_info *)a)->bdf,
		      ((const struct akida_device_info *)b)->bdf);
}

int akida_discover(const char *sysfs_root, struct akida_device_info **list,
		   unsigned int *count)
{
	struct akida_device_info *devs = NULL, *nd;
	unsigned int n = 0, cap = 0, i;
	char devdir[512];
	struct dirent *e;
	DIR *dd;

	if (!list || !count)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointers");
	*list = NULL;
	*count = 0;
	snprintf(devdir, sizeof(devdir), "%s/bus/pci/devices", akida_sysfs_root(sysfs_root));
	dd = opendir(devdir);
	if (!dd)
		return 0;	/* no PCI bus at all: no devices */
	while ((e = readdir(dd))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 4;
			nd = realloc(devs, cap * sizeof(*devs));
			if (!nd) {
				closedir(dd);
				free(devs);
				return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
			}
			devs = nd;
		}
		n += (unsigned int)scan_one(devdir, e->d_name, &devs[n]);
	}
	closedir(dd);
	if (!n) {
		free(devs);
		return 0;
	}
	qsort(devs, n, sizeof(*devs), cmp_dev);
	for (i = 0; i < n; i++)
		devs[i].index = i;
	*list = devs;
	*count = n;
	return 0;
}

void akida_discover_free(struct akida_device_info *list)
{
	free(list);
}

const char *akida_device_attr(const struct akida_device_info *d, const char *name)
{
	unsigned int i;

	for (i = 0; d && i < d->nattrs; i++)
		if (!strcmp(d->attrs[i].name, name))
			return d->attrs[i].value;
	return NULL;
}

static int match(const struct akida_device_info *d, const char *spec)
{
	char *end;
	unsigned long v;
	size_t l = strlen(spec);

	if (!strcmp(d->bdf, spec))
		return 1;
	/* "01:00.0" without the domain */
	if (l >= 7 && strlen(d->bdf) > 5 && !strcmp(d->bdf + 5, spec))
		return 1;
	if (!strncmp(spec, "/dev/", 5))
		spec += 5;
	if (!strncmp(spec, "akida", 5) && d->minor >= 0) {
		v = strtoul(spec + 5, &end, 10);
		return end != spec + 5 && !*end && (long)v == d->minor;
	}
	v = strtoul(spec, &end, 10);
	return *spec && !*end && v == d->index;
}

int akida_find_device(const char *sysfs_root, const char *spec,
		      struct akida_device_info *out)
{
	struct akida_device_info *list;
	unsigned int n, i;
	int ret;

	if (!spec || !out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no device named");
	ret = akida_discover(sysfs_root, &list, &n);
	if (ret)
		return ret;
	if (!n)
		return akida_fail(AKIDA_ERR_NO_DEVICE, ENODEV,
				  "no Akida device found (no PCI function with vendor 0x1e7c under %s/bus/pci/devices)",
				  akida_sysfs_root(sysfs_root));
	for (i = 0; i < n; i++)
		if (match(&list[i], spec)) {
			*out = list[i];
			akida_discover_free(list);
			return 0;
		}
	akida_discover_free(list);
	return akida_fail(AKIDA_ERR_NOT_FOUND, ENOENT,
			  "device \"%s\" not found (%u Akida device%s present; see `akida enumerate`)",
			  spec, n, n == 1 ? "" : "s");
}
