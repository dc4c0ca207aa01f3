// SPDX-License-Identifier: MIT
/*
 * akida: the IOMMU group of a device, and moving it to vfio-pci and back
 * (bind-vfio, unbind-vfio) with its persistence across reboots.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

int cmd_iommu_group(int argc, char **argv)
{
	struct akida_device_info d;
	char path[512];
	struct json j;
	int n = 0;

	if (argc != 2)
		return usage_error("usage: iommu-group BDF");
	if (akida_find_device(NULL, argv[1], &d))
		return lib_error();
	if (opt_json) {
		json_doc_begin(&j);
		json_str(&j, "bdf", d.bdf);
	}
	if (d.iommu_group < 0) {
		if (opt_json) {
			json_null(&j, "iommu_group");
			json_doc_end(&j);
		} else {
			printf("%s has no IOMMU group: the IOMMU is off "
			       "(boot with intel_iommu=on or amd_iommu=on to use VFIO)\n", d.bdf);
		}
		return EX_OK;
	}
	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices",
		 sysfs_root(), d.iommu_group);
	if (opt_json) {
		json_int(&j, "iommu_group", d.iommu_group);
		json_arr(&j, "members");
	} else {
		printf("%d\n", d.iommu_group);
		if (opt_verbose)
			printf("members:\n");
	}
	{
		struct dirent **names;
		int k, cnt = scandir(path, &names, NULL, alphasort);

		for (k = 0; k < cnt; k++) {
			if (names[k]->d_name[0] != '.') {
				if (opt_json)
					json_str(&j, NULL, names[k]->d_name);
				else if (opt_verbose)
					printf("  %s\n", names[k]->d_name);
				n++;
			}
			free(names[k]);
		}
		if (cnt >= 0)
			free(names);
	}
	if (opt_json) {
		json_end_arr(&j);
		json_doc_end(&j);
	}
	return EX_OK;
}

/* ------------------------------------------------------------------ */

static const char *etc_dir(void)
{
	const char *e = getenv("AKIDA_ETC");

	return e && *e ? e : "/etc/akida";
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val));
	close(fd);
	return r == (ssize_t)strlen(val) ? 0 : (r < 0 ? -errno : -EIO);
}

static int bind_fail(const char *what, const char *path, int err)
{
	return cli_fail(err == -EACCES || err == -EPERM ? EX_BACKEND : EX_FAIL,
			"%s: writing %s: %s%s", what, path, strerror(-err),
			err == -EACCES || err == -EPERM ? " (run as root)" : "");
}

/*
 * bind-vfio: driver_override=vfio-pci, unbind, reprobe; persist with a
 * marker file /etc/akida/vfio/<BDF> that udev/61-akida-vfio.rules reads at
 * boot. unbind-vfio undoes all three.
 */
static int rebind(const char *bdf_spec, int to_vfio)
{
	struct akida_device_info d;
	const char *root = sysfs_root();
	char path[600], mark[600], dir[512];
	int err;

	if (akida_find_device(NULL, bdf_spec, &d))
		return lib_error();
	if (to_vfio && d.iommu_group < 0) {
		return cli_fail(EX_BACKEND, "bind-vfio: %s has no IOMMU group; vfio-pci cannot "
				"use it (boot with intel_iommu=on or amd_iommu=on)", d.bdf);
	}
	if (to_vfio) {
		snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci", root);
		if (!getenv("AKIDA_SYSFS_ROOT")) {
			/* vfio-pci, and the type 1 IOMMU driver VFIO containers need */
			if (system("modprobe vfio-pci 2>/dev/null; "
				   "modprobe vfio_iommu_type1 2>/dev/null") || access(path, F_OK)) {
				return cli_fail(EX_BACKEND, "bind-vfio: the vfio-pci driver is not "
						"available (modprobe vfio-pci failed)");
			}
		}
	}
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, d.bdf);
	snprintf(path, sizeof(path), "%s/driver_override", dir);
	err = sysfs_write(path, to_vfio ? "vfio-pci" : "\n");
	if (err)
		return bind_fail(to_vfio ? "bind-vfio" : "unbind-vfio", path, err);
	if (d.driver[0]) {
		snprintf(path, sizeof(path), "%s/driver/unbind", dir);
		err = sysfs_write(path, d.bdf);
		if (err)
			return bind_fail(to_vfio ? "bind-vfio" : "unbind-vfio", path, err);
	}
	snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", root);
	err = sysfs_write(path, d.bdf);
	if (err && to_vfio)
		return bind_fail("bind-vfio", path, err);

	/* persistence */
	snprintf(mark, sizeof(mark), "%s/vfio/%s", etc_dir(), d.bdf);
	if (to_vfio) {
		FILE *f;

		snprintf(path, sizeof(path), "%s", etc_dir());
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/vfio", etc_dir());
		mkdir(path, 0755);
		f = fopen(mark, "w");
		if (!f || fprintf(f, "# akida bind-vfio: bind %s to vfio-pci at boot\n",
				  d.bdf) < 0 || fclose(f)) {
			return cli_fail(EX_FAIL, "bind-vfio: bound now, but could not write %s to "
					"persist it: %s", mark, strerror(errno));
		}
	} else if (unlink(mark) && errno != ENOENT) {
		return cli_fail(EX_FAIL, "unbind-vfio: could not remove %s: %s", mark,
				strerror(errno));
	}
	if (akida_find_device(NULL, d.bdf, &d))
		return lib_error();
	/* checked first: one document, the error, under --json */
	if (to_vfio && strcmp(d.driver, "vfio-pci"))
		return cli_fail(EX_BACKEND, "bind-vfio: %s did not bind to vfio-pci (driver now: "
				"%s)", d.bdf, d.driver[0] ? d.driver : "none");
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "bdf", d.bdf);
		json_str(&j, "driver", d.driver);
		json_bool(&j, "persistent", to_vfio);
		json_str(&j, "marker", mark);
		json_doc_end(&j);
	} else if (to_vfio) {
		printf("%s bound to %s (IOMMU group %d, /dev/vfio/%d); persists across reboots "
		       "via %s\n", d.bdf, d.driver[0] ? d.driver : "(none)", d.iommu_group,
		       d.iommu_group, mark);
	} else {
		printf("%s bound to %s; vfio-pci binding removed\n", d.bdf,
		       d.driver[0] ? d.driver : "no driver (modprobe akida_pcie)");
	}
	return EX_OK;
}

int cmd_bind_vfio(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("usage: bind-vfio BDF");
	return rebind(argv[1], 1);
}

int cmd_unbind_vfio(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("usage: unbind-vfio BDF");
	return rebind(argv[1], 0);
}
