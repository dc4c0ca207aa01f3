// SPDX-License-Identifier: MIT
/*
 * akida: command-line tool for BrainChip Akida devices, a thin layer over
 * libakida. See akida(1) (tools/akida/akida.1) for commands and exit codes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akida.h"
#include "json.h"

/* Exit codes (documented in akida.1). */
enum {
	EX_OK = 0,
	EX_FAIL = 1,		/* other failure */
	EX_USAGE = 2,
	EX_NODEV = 3,		/* no Akida device */
	EX_NOTFOUND = 4,	/* the named device does not exist */
	EX_BACKEND = 5,		/* backend unavailable: driver, permission, IOMMU */
	EX_TRANSFER = 6,
	EX_HARDWARE = 7,
	EX_CAPABILITY = 8,
	EX_INVALID = 9,		/* invalid input (arguments, files) */
	EX_MISMATCH = 10,	/* verify/infer --check: results differ */
};

static int opt_json;
static enum akida_backend_kind opt_backend = AKIDA_BACKEND_AUTO;
static int opt_verbose;
static const char *prog_name = "akida";

static int exit_for(enum akida_error_kind k)
{
	switch (k) {
	case AKIDA_OK:			return EX_OK;
	case AKIDA_ERR_NO_DEVICE:	return EX_NODEV;
	case AKIDA_ERR_NOT_FOUND:	return EX_NOTFOUND;
	case AKIDA_ERR_BACKEND_UNAVAILABLE: return EX_BACKEND;
	case AKIDA_ERR_TRANSFER:	return EX_TRANSFER;
	case AKIDA_ERR_HARDWARE:	return EX_HARDWARE;
	case AKIDA_ERR_CAPABILITY:	return EX_CAPABILITY;
	case AKIDA_ERR_INVALID:		return EX_INVALID;
	case AKIDA_ERR_NO_MEMORY:	return EX_FAIL;
	}
	return EX_FAIL;
}

/*
 * --json output: each command writes one document, a single object, to
 * stdout.
 */
static void json_doc_begin(struct json *j)
{
	json_begin(j, stdout);
	json_obj(j, NULL);
}

static void json_doc_end(struct json *j)
{
	json_end_obj(j);
	json_finish(j);
}

/* A library error as the object @key: its kind, errno and message. */
static void json_error(struct json *j, const char *key, const struct akida_error *e)
{
	json_obj(j, key);
	json_str(j, "kind", akida_error_kind_name(e->kind));
	json_int(j, "errno", e->err);
	json_str(j, "message", e->message);
	json_end_obj(j);
}

/* Report the library's last error and return the matching exit code. */
static int lib_error(void)
{
	const struct akida_error *e = akida_last_error();

	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_error(&j, "error", e);
		json_doc_end(&j);
	}
	fprintf(stderr, "%s: %s: %s\n", prog_name, akida_error_kind_name(e->kind), e->message);
	return exit_for(e->kind);
}

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help'.\n", prog_name);
	return EX_USAGE;
}

/* Report that reading or writing the file @path failed, with errno's reason. */
static void file_error(const char *path)
{
	fprintf(stderr, "%s: %s: %s\n", prog_name, path, strerror(errno));
}

static const char *human(uint64_t b, char *buf, size_t len)
{
	if (b >= (1ull << 30) && !(b % (1ull << 30)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b >= (1ull << 20) && !(b % (1ull << 20)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
	else if (b >= (1ull << 20))
		snprintf(buf, len, "%.1f MiB", b / 1048576.0);
	else if (b >= 1024 && !(b % 1024))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)b);
	return buf;
}

static const char *clock_name(uint32_t m)
{
	return m == 0 ? "performance" : m == 1 ? "economy" : m == 2 ? "low power" : "?";
}

/* ------------------------------------------------------------------ */

static void json_dev(struct json *j, const char *key, const struct akida_device_info *d)
{
	unsigned int i;

	json_obj(j, key);
	json_uint(j, "index", d->index);
	json_str(j, "bdf", d->bdf);
	json_str(j, "chip", d->chip);
	json_uint(j, "vendor", d->vendor);
	json_uint(j, "device", d->device);
	json_uint(j, "revision", d->revision);
	if (d->driver[0])
		json_str(j, "driver", d->driver);
	else
		json_null(j, "driver");
	if (d->devnode[0])
		json_str(j, "devnode", d->devnode);
	else
		json_null(j, "devnode");
	if (d->iommu_group >= 0)
		json_int(j, "iommu_group", d->iommu_group);
	else
		json_null(j, "iommu_group");
	json_str(j, "link_speed", d->link_speed);
	json_str(j, "link_width", d->link_width);
	json_str(j, "max_link_speed", d->max_link_speed);
	json_str(j, "max_link_width", d->max_link_width);
	json_int(j, "numa_node", d->numa_node);
	json_arr(j, "bars");
	for (i = 0; i < 6; i++)
		if (d->bar_size[i]) {
			json_obj(j, NULL);
			json_uint(j, "index", i);
			json_uint(j, "start", d->bar_start[i]);
			json_uint(j, "size", d->bar_size[i]);
			json_end_obj(j);
		}
	json_end_arr(j);
	json_obj(j, "attributes");
	for (i = 0; i < d->nattrs; i++)
		json_str(j, d->attrs[i].name, d->attrs[i].value);
	json_end_obj(j);
	json_end_obj(j);
}

static int cmd_enumerate(int argc, char **argv)
{
	struct akida_device_info *l;
	unsigned int n, i;

	(void)argv;
	if (argc > 1)
		return usage_error("enumerate takes no arguments");
	if (akida_discover(NULL, &l, &n))
		return lib_error();
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_arr(&j, "devices");
		for (i = 0; i < n; i++)
			json_dev(&j, NULL, &l[i]);
		json_end_arr(&j);
		json_doc_end(&j);
	} else if (!n) {
		printf("No Akida device found (no PCI function with vendor 0x1e7c).\n");
	} else {
		printf("%-3s %-13s %-8s %-11s %-12s %-6s %s\n", "#", "PCI", "CHIP", "DRIVER",
		       "NODE", "IOMMU", "LINK");
		for (i = 0; i < n; i++) {
			char grp[16], link[48];

			snprintf(grp, sizeof(grp), "%d", l[i].iommu_group);
			snprintf(link, sizeof(link), "%s x%s", l[i].link_speed, l[i].link_width);
			printf("%-3u %-13s %-8s %-11s %-12s %-6s %s\n", l[i].index, l[i].bdf,
			       l[i].chip, l[i].driver[0] ? l[i].driver : "(none)",
			       l[i].devnode[0] ? l[i].devnode : "-",
			       l[i].iommu_group >= 0 ? grp : "-",
			       l[i].link_speed[0] ? link : "?");
		}
	}
	akida_discover_free(l);
	return EX_OK;
}

static void feature_list(uint32_t f, char *buf, size_t len)
{
	static const char *const names[] = { "registers", "dma", "inference",
					     "weight-update", "irq", "iommu" };
	size_t o = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < 6; i++)
		if (f & (1u << i))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", names[i]);
}

static int cmd_info(int argc, char **argv)
{
	struct akida_device_info d;
	struct akida_device *dev = NULL;
	const struct akida_caps *c = NULL;
	char b1[32], b2[32], feats[96];
	int open_err = 0;
	unsigned int i;

	if (argc != 2)
		return usage_error("usage: info N|BDF");
	if (akida_find_device(NULL, argv[1], &d))
		return lib_error();
	if (akida_open(argv[1], opt_backend, &dev))
		open_err = 1;
	else
		c = akida_device_caps(dev);

	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_dev(&j, "device", &d);
		if (c) {
			json_obj(&j, "capabilities");
			json_str(&j, "backend", akida_backend_name(c->backend));
			feature_list(c->features, feats, sizeof(feats));
			json_str(&j, "features", feats);
			json_uint(&j, "device_id", c->device_id);
			json_uint(&j, "interface_version", c->version);
			json_uint(&j, "np_count", c->np_count);
			json_uint(&j, "sram_size", c->sram_size);
			json_uint(&j, "lpddr_base", c->lpddr_base);
			json_uint(&j, "lpddr_size", c->lpddr_size);
			json_uint(&j, "mem_base", c->mem_base);
			json_uint(&j, "mem_size", c->mem_size);
			json_uint(&j, "max_batch", c->max_batch);
			json_uint(&j, "clock_mode", c->clock_mode);
			json_end_obj(&j);
		} else {
			json_error(&j, "capabilities_error", akida_last_error());
		}
		json_doc_end(&j);
	} else {
		printf("Akida device %u: %s at %s (PCI %04x:%04x rev %02x)\n", d.index, d.chip,
		       d.bdf, d.vendor, d.device, d.revision);
		printf("  %-14s %s%s%s%s\n", "driver", d.driver[0] ? d.driver : "none bound",
		       d.devnode[0] ? " (" : "", d.devnode, d.devnode[0] ? ")" : "");
		if (d.iommu_group >= 0)
			printf("  %-14s %d (/dev/vfio/%d with vfio-pci)\n", "IOMMU group",
			       d.iommu_group, d.iommu_group);
		else
			printf("  %-14s none (IOMMU off)\n", "IOMMU group");
		printf("  %-14s %s x%s (max %s x%s)\n", "PCIe link",
		       d.link_speed[0] ? d.link_speed : "?", d.link_width[0] ? d.link_width : "?",
		       d.max_link_speed[0] ? d.max_link_speed : "?",
		       d.max_link_width[0] ? d.max_link_width : "?");
		printf("  %-14s", "BARs");
		for (i = 0; i < 6; i++)
			if (d.bar_size[i])
				printf(" BAR%u %s", i, human(d.bar_size[i], b1, sizeof(b1)));
		printf("\n");
		if (c) {
			feature_list(c->features, feats, sizeof(feats));
			printf("  %-14s %s (%s)\n", "backend", akida_backend_name(c->backend), feats);
			printf("  %-14s DEVICE_ID 0x%08x, interface %u.%u, %u NPs, %s SRAM, clock %s\n",
			       "NPU", c->device_id, c->version >> 16, c->version & 0xffff,
			       c->np_count, human(c->sram_size, b1, sizeof(b1)),
			       clock_name(c->clock_mode));
			if (c->lpddr_size)
				printf("  %-14s LPDDR %s at 0x%08" PRIx64 ", %s usable from 0x%08" PRIx64 "\n",
				       "memory", human(c->lpddr_size, b1, sizeof(b1)), c->lpddr_base,
				       human(c->mem_size, b2, sizeof(b2)), c->mem_base);
			if (c->features & AKIDA_FEAT_INFER)
				printf("  %-14s up to %u inputs per batch\n", "batch", c->max_batch);
		} else {
			printf("  %-14s unavailable: %s\n", "capabilities", akida_error_message());
		}
		if (akida_device_attr(&d, "akida_dma/h2d_bytes")) {
			static const char *const dir[] = { "h2d", "d2h" };
			static const char *const what[] = { "host->device", "device->host" };

			for (i = 0; i < 2; i++) {
				char k[4][40];
				const char *v[4];
				unsigned int q;

				snprintf(k[0], sizeof(k[0]), "akida_dma/%s_transfers", dir[i]);
				snprintf(k[1], sizeof(k[1]), "akida_dma/%s_bytes", dir[i]);
				snprintf(k[2], sizeof(k[2]), "akida_dma/%s_aborts", dir[i]);
				snprintf(k[3], sizeof(k[3]), "akida_dma/%s_timeouts", dir[i]);
				for (q = 0; q < 4; q++) {
					v[q] = akida_device_attr(&d, k[q]);
					if (!v[q])
						v[q] = "?";
				}
				printf("  %-14s %s: %s transfers, %s bytes, %s aborts, %s timeouts\n",
				       i ? "" : "DMA", what[i], v[0], v[1], v[2], v[3]);
			}
		}
		if (d.nattrs) {
			printf("  attributes    ");
			for (i = 0; i < d.nattrs; i++) {
				if (!strncmp(d.attrs[i].name, "akida_dma/", 10))
					continue;
				printf(" %s=%s", d.attrs[i].name + 6, d.attrs[i].value);
			}
			printf("\n");
		}
	}
	akida_close(dev);
	(void)open_err;
	return EX_OK;
}

/* ------------------------------------------------------------------ */

/* The sysfs to use: $AKIDA_SYSFS_ROOT (a fake tree, in tests) or /sys. */
static const char *sysfs_root(void)
{
	const char *r = getenv("AKIDA_SYSFS_ROOT");

	return r ? r : "/sys";
}

static int cmd_iommu_group(int argc, char **argv)
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
	fprintf(stderr, "%s: %s: writing %s: %s%s\n", prog_name, what, path, strerror(-err),
		err == -EACCES || err == -EPERM ? " (run as root)" : "");
	return err == -EACCES || err == -EPERM ? EX_BACKEND : EX_FAIL;
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
		fprintf(stderr, "%s: bind-vfio: %s has no IOMMU group; vfio-pci cannot use it "
			"(boot with intel_iommu=on or amd_iommu=on)\n", prog_name, d.bdf);
		return EX_BACKEND;
	}
	if (to_vfio) {
		snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci", root);
		if (!getenv("AKIDA_SYSFS_ROOT")) {
			/* vfio-pci, and the type 1 IOMMU driver VFIO containers need */
			if (system("modprobe vfio-pci 2>/dev/null; "
				   "modprobe vfio_iommu_type1 2>/dev/null") || access(path, F_OK)) {
				fprintf(stderr, "%s: bind-vfio: the vfio-pci driver is not available "
					"(modprobe vfio-pci failed)\n", prog_name);
				return EX_BACKEND;
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
			fprintf(stderr, "%s: bind-vfio: bound now, but could not write %s to "
				"persist it: %s\n", prog_name, mark, strerror(errno));
			return EX_FAIL;
		}
	} else if (unlink(mark) && errno != ENOENT) {
		fprintf(stderr, "%s: unbind-vfio: could not remove %s: %s\n", prog_name, mark,
			strerror(errno));
		return EX_FAIL;
	}
	if (akida_find_device(NULL, d.bdf, &d))
		return lib_error();
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
	if (to_vfio && strcmp(d.driver, "vfio-pci")) {
		fprintf(stderr, "%s: bind-vfio: %s did not bind to vfio-pci\n", prog_name, d.bdf);
		return EX_BACKEND;
	}
	return EX_OK;
}

static int cmd_bind_vfio(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("usage: bind-vfio BDF");
	return rebind(argv[1], 1);
}

static int cmd_unbind_vfio(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("usage: unbind-vfio BDF");
	return rebind(argv[1], 0);
}

/* ------------------------------------------------------------------ */

static const struct reg_desc {
	uint32_t off;
	const char *name;
} probe_regs[] = {
	{ 0x0000, "DEVICE_ID" }, { 0x0004, "VERSION" }, { 0x0008, "STATUS" },
	{ 0x0010, "CONTROL" }, { 0x0014, "CLOCK_MODE" }, { 0x0020, "IRQ_STATUS" },
	{ 0x0024, "IRQ_ENABLE" }, { 0x0100, "MODEL_ADDR_LO" }, { 0x0104, "MODEL_ADDR_HI" },
	{ 0x0108, "MODEL_SIZE" }, { 0x0200, "INPUT_ADDR_LO" }, { 0x0208, "INPUT_SIZE" },
	{ 0x0300, "OUTPUT_ADDR_LO" }, { 0x0308, "OUTPUT_SIZE" }, { 0x0404, "INFER_STATUS" },
	{ 0x0408, "ERROR_CODE" }, { 0x10C0, "NP_COUNT" }, { 0x1410, "SRAM_REGION_0" },
	{ 0x1418, "SRAM_REGION_1" }, { 0x1E0C, "NP_ENABLE[0]" }, { 0x1E10, "NP_ENABLE[1]" },
	{ 0x1E14, "NP_ENABLE[2]" }, { 0x1E18, "NP_ENABLE[3]" }, { 0x1E1C, "NP_ENABLE[4]" },
	{ 0x1E20, "NP_ENABLE[5]" }, { 0x4010, "DMA_MESH_CONFIG" },
};

static void decode(uint32_t off, uint32_t v, char *buf, size_t len)
{
	buf[0] = 0;
	if (off == 0x0008)
		snprintf(buf, len, "%s%s%s%s", v & 1 ? "READY " : "", v & 2 ? "BUSY " : "",
			 v & 4 ? "ERROR " : "", v & 8 ? "MODEL_LOADED" : "");
	else if (off == 0x0010)
		snprintf(buf, len, "%s%s%s", v & 1 ? "RESET " : "", v & 2 ? "ENABLE " : "",
			 v & 4 ? "POWER_SAVE" : "");
	else if (off == 0x0014)
		snprintf(buf, len, "%s", clock_name(v));
	else if (off == 0x0408)
		snprintf(buf, len, "%s", akida_npu_error_name(v));
	else if (off == 0x0404)
		snprintf(buf, len, "%s%s%u done", v & 1 ? "DONE " : "", v & 2 ? "ERROR " : "",
			 v >> 16);
	else if (off == 0x10C0 || off == 0x1410 || off == 0x0108 || off == 0x0208 ||
		 off == 0x0308)
		snprintf(buf, len, "%u", v);
}

static int cmd_probe(int argc, char **argv)
{
	struct akida_device *dev;
	struct json j;
	unsigned int i;
	int ret = EX_OK;

	if (argc != 2)
		return usage_error("usage: probe N|BDF");
	if (akida_open(argv[1], opt_backend, &dev))
		return lib_error();
	if (opt_json) {
		json_doc_begin(&j);
		json_str(&j, "bdf", akida_device_caps(dev)->bdf);
		json_str(&j, "backend", akida_backend_name(akida_device_caps(dev)->backend));
		json_arr(&j, "registers");
	} else {
		printf("NPU registers of %s (BAR0, AXI 0xfcc00000) through the %s backend:\n",
		       akida_device_caps(dev)->bdf,
		       akida_backend_name(akida_device_caps(dev)->backend));
	}
	for (i = 0; i < sizeof(probe_regs) / sizeof(probe_regs[0]); i++) {
		uint32_t v;
		char dec[80];

		if (akida_reg_read(dev, probe_regs[i].off, &v)) {
			ret = lib_error();
			break;
		}
		decode(probe_regs[i].off, v, dec, sizeof(dec));
		if (opt_json) {
			json_obj(&j, NULL);
			json_uint(&j, "offset", probe_regs[i].off);
			json_str(&j, "name", probe_regs[i].name);
			json_uint(&j, "value", v);
			json_str(&j, "decoded", dec);
			json_end_obj(&j);
		} else {
			printf("  0x%04x  %-16s 0x%08x  %s\n", probe_regs[i].off, probe_regs[i].name,
			       v, dec);
		}
	}
	if (opt_json) {
		json_end_arr(&j);
		json_doc_end(&j);
	}
	akida_close(dev);
	return ret;
}

/* ------------------------------------------------------------------ */

struct check {
	const char *name;
	int ok;
	double ms;
	char detail[160];
};

static int verify_dma(struct akida_device *dev, struct check *c, size_t size, uint64_t seed)
{
	uint8_t *a = malloc(size), *b = malloc(size);
	uint64_t addr, t0 = 0;
	int ret;
	size_t i;

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	akida_random_bytes(seed, a, size);
	memset(b, 0, size);
	ret = akida_mem_alloc(dev, size, &addr);
	if (!ret) {
		t0 = akida_time_ns();
		ret = akida_mem_write(dev, addr, a, size);
		if (!ret)
			ret = akida_mem_read(dev, addr, b, size);
		c->ms = (akida_time_ns() - t0) / 1e6;
		akida_mem_free(dev, addr);
	}
	if (ret) {
		snprintf(c->detail, sizeof(c->detail), "%s", akida_error_message());
	} else {
		for (i = 0; i < size && a[i] == b[i]; i++)
			;
		c->ok = i == size;
		if (c->ok)
			snprintf(c->detail, sizeof(c->detail),
				 "%zu bytes to 0x%08" PRIx64 " and back, identical", size, addr);
		else
			snprintf(c->detail, sizeof(c->detail),
				 "%zu bytes: first difference at byte %zu (wrote 0x%02x, read 0x%02x)",
				 size, i, a[i], b[i]);
	}
	free(a);
	free(b);
	return ret;
}

/*
 * Room for @batch inputs of @p, its outputs and the golden model's outputs
 * (both zeroed). On failure some may be allocated: the caller frees all three.
 */
static int alloc_batch(const struct akida_program *p, unsigned int batch, uint8_t **in,
		       uint8_t **out, uint8_t **gold)
{
	*in = malloc((size_t)akida_program_input_bytes(p) * batch);
	*out = calloc(batch, akida_program_output_bytes(p));
	*gold = calloc(batch, akida_program_output_bytes(p));
	return *in && *out && *gold ? 0 : -ENOMEM;
}

/* Run @in through the golden model into @gold; how many bytes of @out differ. */
static size_t golden_diff(const struct akida_program *p, const uint8_t *in, unsigned int batch,
			  const uint8_t *out, uint8_t *gold)
{
	size_t i, n = (size_t)akida_program_output_bytes(p) * batch, diff = 0;

	akida_program_run(p, in, batch, gold);
	for (i = 0; i < n; i++)
		diff += out[i] != gold[i];
	return diff;
}

static int verify_model(struct akida_device *dev, struct check *c, uint64_t seed,
			const struct akida_random_spec *spec, unsigned int batch, int update)
{
	struct akida_program *p;
	struct akida_run_stats st;
	uint8_t *in, *out, *gold;
	uint32_t ib, ob;
	size_t i, diff = 0;
	int ret;

	ret = akida_program_random(seed, spec, &p);
	if (ret) {
		snprintf(c->detail, sizeof(c->detail), "%s", akida_error_message());
		return ret;
	}
	ib = akida_program_input_bytes(p);
	ob = akida_program_output_bytes(p);
	ret = alloc_batch(p, batch, &in, &out, &gold);
	if (ret)
		goto out;
	akida_random_bytes(seed ^ 0x5a5a, in, (size_t)ib * batch);
	ret = akida_load(dev, p);
	/* update layers 1 then 2 (the bits of @update), each without a reload */
	for (unsigned int layer = 0; !ret && layer < 16; layer++) {
		struct akida_layer_info li;
		int8_t *w;

		if (!(update & (1 << layer)))
			continue;
		akida_program_layer(p, layer, &li);
		w = malloc((size_t)li.inputs * li.outputs);
		if (!w) {
			ret = -ENOMEM;
			goto out;
		}
		akida_random_bytes(seed + 99 + layer, w, (size_t)li.inputs * li.outputs);
		if (li.weight_bits == 4)
			for (i = 0; i < (size_t)li.inputs * li.outputs; i++)
				w[i] = (int8_t)(w[i] >> 4);
		ret = akida_program_set_weights(p, layer, w);
		free(w);
		if (!ret)
			ret = akida_update_weights(dev, p, layer);
	}
	if (!ret)
		ret = akida_infer(dev, in, batch, out, &st);
	if (ret) {
		snprintf(c->detail, sizeof(c->detail), "%s", akida_error_message());
		goto out;
	}
	c->ms = st.wall_ns / 1e6;
	diff = golden_diff(p, in, batch, out, gold);
	c->ok = diff == 0;
	{
		size_t len;

		akida_program_image(p, &len);
		if (c->ok)
			snprintf(c->detail, sizeof(c->detail),
				 "%u layers, %zu-byte program, batch %u x %u bytes: %zu output bytes "
				 "match the golden model", akida_program_layer_count(p), len, batch,
				 ib, (size_t)ob * batch);
		else
			snprintf(c->detail, sizeof(c->detail),
				 "%zu of %zu output bytes differ from the golden model", diff,
				 (size_t)ob * batch);
	}
out:
	free(in);
	free(out);
	free(gold);
	akida_program_free(p);
	return ret;
}

static int cmd_verify(int argc, char **argv)
{
	static const uint32_t s1[] = { 64, 48, 32, 10 };
	static const uint8_t w1[] = { 8, 4, 4 }, a1[] = { 4, 2, 8 };
	static const uint32_t s2[] = { 200, 100, 16 };
	static const uint8_t w2[] = { 4, 8 }, a2[] = { 1, 8 };
	static const uint32_t s3[] = { 784, 128, 64, 10 };
	static const uint8_t w3[] = { 8, 8, 4 }, a3[] = { 8, 4, 2 };
	struct akida_random_spec sp1 = { 3, s1, w1, a1 }, sp2 = { 2, s2, w2, a2 };
	struct akida_random_spec sp3 = { 3, s3, w3, a3 };
	struct check checks[8];
	struct akida_device *dev;
	const struct akida_caps *caps;
	unsigned int n = 0, i, failed = 0;
	int ret = EX_OK;

	if (argc != 2)
		return usage_error("usage: verify N|BDF");
	if (akida_open(argv[1], opt_backend, &dev))
		return lib_error();
	caps = akida_device_caps(dev);
	memset(checks, 0, sizeof(checks));
	if (akida_check_infer(dev)) {
		ret = lib_error();
		akida_close(dev);
		return ret;
	}
	if (!opt_json)
		printf("Verifying %s %s through the %s backend\n", caps->chip, caps->bdf,
		       akida_backend_name(caps->backend));
	checks[n].name = "dma-loopback-small";
	verify_dma(dev, &checks[n++], 4097, 1);
	checks[n].name = "dma-loopback-256k";
	verify_dma(dev, &checks[n++], 256 << 10, 2);
	checks[n].name = "inference-w8/4-a4/2/8";
	verify_model(dev, &checks[n++], 11, &sp1, 1, 0);
	checks[n].name = "inference-batch-16";
	verify_model(dev, &checks[n++], 12, &sp2, 16, 0);
	checks[n].name = "inference-784-128-64-10-batch-8";
	verify_model(dev, &checks[n++], 13, &sp3, 8, 0);
	if (caps->features & AKIDA_FEAT_WEIGHTS) {
		checks[n].name = "weight-update-layers-1-2";
		verify_model(dev, &checks[n++], 14, &sp1, 4, (1 << 1) | (1 << 2));
	}
	for (i = 0; i < n; i++)
		failed += !checks[i].ok;
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "bdf", caps->bdf);
		json_str(&j, "backend", akida_backend_name(caps->backend));
		json_arr(&j, "checks");
		for (i = 0; i < n; i++) {
			json_obj(&j, NULL);
			json_str(&j, "name", checks[i].name);
			json_bool(&j, "ok", checks[i].ok);
			json_double(&j, "ms", checks[i].ms);
			json_str(&j, "detail", checks[i].detail);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_bool(&j, "ok", !failed);
		json_doc_end(&j);
	} else {
		for (i = 0; i < n; i++)
			printf("  %-4s %-32s %8.2f ms  %s\n", checks[i].ok ? "PASS" : "FAIL",
			       checks[i].name, checks[i].ms, checks[i].detail);
		printf("%s: %u of %u checks passed\n", failed ? "FAILED" : "OK", n - failed, n);
	}
	if (failed) {
		const struct akida_error *e = akida_last_error();

		ret = e->kind != AKIDA_OK ? exit_for(e->kind) : EX_MISMATCH;
		for (i = 0; i < n; i++)
			if (!checks[i].ok && strstr(checks[i].detail, "differ"))
				ret = EX_MISMATCH;
	}
	akida_close(dev);
	return ret;
}

/* ------------------------------------------------------------------ */

static int is_image(const char *path)
{
	char m[4] = { 0 };
	FILE *f = fopen(path, "rb");
	int r;

	if (!f)
		return 0;
	r = fread(m, 1, 4, f) == 4 && !memcmp(m, AKIDA_IMAGE_MAGIC, 4);
	fclose(f);
	return r;
}

/* Load a program from a program image (.akp) or an .fbz written by libakida. */
static int load_program(const char *path, struct akida_program **p)
{
	if (is_image(path)) {
		FILE *f = fopen(path, "rb");
		uint8_t *buf;
		long n;
		int ret;

		if (!f)
			return -errno;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc(n > 0 ? (size_t)n : 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			fclose(f);
			return -EIO;
		}
		fclose(f);
		ret = akida_program_from_image(buf, (size_t)n, p);
		free(buf);
		return ret;
	} else {
		struct akida_fbz *fz;
		int ret = akida_fbz_load(path, &fz);

		if (ret)
			return ret;
		ret = akida_program_from_fbz(fz, p);
		akida_fbz_free(fz);
		return ret;
	}
}

static void print_program(const char *path, const struct akida_program *p)
{
	unsigned int i, n = akida_program_layer_count(p);
	size_t len;

	akida_program_image(p, &len);
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "file", path);
		json_str(&j, "format", "program image");
		json_uint(&j, "image_bytes", len);
		json_uint(&j, "input_bytes", akida_program_input_bytes(p));
		json_uint(&j, "output_bytes", akida_program_output_bytes(p));
		json_uint(&j, "macs", akida_program_macs(p));
		json_arr(&j, "layers");
		for (i = 0; i < n; i++) {
			struct akida_layer_info li;

			akida_program_layer(p, i, &li);
			json_obj(&j, NULL);
			json_uint(&j, "index", i);
			json_str(&j, "type", "FullyConnected");
			json_uint(&j, "inputs", li.inputs);
			json_uint(&j, "units", li.outputs);
			json_uint(&j, "weights_bits", li.weight_bits);
			json_uint(&j, "act_bits", li.act_bits);
			json_uint(&j, "params", (uint64_t)li.inputs * li.outputs);
			json_uint(&j, "payload_bytes", li.payload_bytes);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_doc_end(&j);
		return;
	}
	printf("Program image: %s (%zu bytes, %u layers, %u input bytes -> %u output bytes, "
	       "%" PRIu64 " MACs)\n", path, len, n, akida_program_input_bytes(p),
	       akida_program_output_bytes(p), akida_program_macs(p));
	printf("%-3s %-22s %8s %8s %6s %6s %10s %10s\n", "#", "Layer (type)", "Inputs", "Units",
	       "W bits", "A bits", "Params", "Bytes");
	for (i = 0; i < n; i++) {
		struct akida_layer_info li;
		char name[32];

		akida_program_layer(p, i, &li);
		snprintf(name, sizeof(name), "fc_%u (FullyConnected)", i);
		printf("%-3u %-22s %8u %8u %6u %6u %10" PRIu64 " %10u\n", i, name, li.inputs,
		       li.outputs, li.weight_bits, li.act_bits, (uint64_t)li.inputs * li.outputs,
		       16 + li.payload_bytes);
	}
}

static void fmt_bits(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

static int cmd_model_info(int argc, char **argv)
{
	const struct akida_fbz_info *i;
	struct akida_fbz *f;
	unsigned int k, q;

	if (argc != 2)
		return usage_error("usage: model info FILE");
	if (is_image(argv[1])) {
		struct akida_program *p;

		if (load_program(argv[1], &p))
			return lib_error();
		print_program(argv[1], p);
		akida_program_free(p);
		return EX_OK;
	}
	if (akida_fbz_load(argv[1], &f))
		return lib_error();
	i = akida_fbz_info(f);
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "file", argv[1]);
		json_str(&j, "format", "fbz");
		json_str(&j, "layout", i->layout == AKIDA_FBZ_LAYOUT_A ? "A" : "B");
		json_str(&j, "version", i->version);
		json_uint(&j, "file_bytes", i->file_bytes);
		json_uint(&j, "stream_bytes", i->stream_bytes);
		json_uint(&j, "trailing_bytes", i->trailing_bytes);
		json_uint(&j, "model_bytes", i->payload_bytes);
		json_uint(&j, "total_params", i->total_params);
		json_uint(&j, "total_weight_bytes", i->total_weight_bytes);
		json_arr(&j, "layers");
		for (k = 0; k < i->nlayers; k++) {
			const struct akida_fbz_layer *l = &i->layers[k];

			json_obj(&j, NULL);
			json_uint(&j, "index", k);
			json_str(&j, "name", l->name);
			json_str(&j, "type", l->type_name);
			json_uint(&j, "type_code", l->type);
			if (l->units >= 0)
				json_int(&j, "units", l->units);
			if (l->weight_bits >= 0)
				json_int(&j, "weights_bits", l->weight_bits);
			if (l->act_bits >= 0)
				json_int(&j, "act_bits", l->act_bits);
			json_uint(&j, "params", l->params);
			json_uint(&j, "bytes", l->weight_bytes);
			json_arr(&j, "inbound");
			for (q = 0; q < l->ninbound; q++)
				json_str(&j, NULL, l->inbound[q]);
			json_end_arr(&j);
			json_obj(&j, "properties");
			for (q = 0; q < l->nprops; q++)
				json_int(&j, l->props[q].key, l->props[q].value);
			json_end_obj(&j);
			json_arr(&j, "variables");
			for (q = 0; q < l->nvars; q++) {
				const struct akida_fbz_variable *v = &l->vars[q];
				unsigned int d;

				json_obj(&j, NULL);
				json_str(&j, "name", v->name);
				json_arr(&j, "shape");
				for (d = 0; d < v->ndims; d++)
					json_int(&j, NULL, v->dims[d]);
				json_end_arr(&j);
				json_uint(&j, "dtype", v->dtype);
				json_uint(&j, "bytes", v->bytes);
				json_end_obj(&j);
			}
			json_end_arr(&j);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_doc_end(&j);
		akida_fbz_free(f);
		return EX_OK;
	}
	printf("Model: %s\n", argv[1]);
	printf("Format: Akida .fbz, layout %s%s%s, %zu-byte model in a %zu-byte file "
	       "(%zu-byte Snappy stream + %zu %s padding)\n",
	       i->layout == AKIDA_FBZ_LAYOUT_A ? "A (1.x)" : "B (2.x)",
	       i->version[0] ? ", version " : "", i->version, i->payload_bytes, i->file_bytes,
	       i->stream_bytes, i->trailing_bytes, i->trailing_zero ? "zero" : "NON-ZERO");
	printf("%.*s\n", 96, "________________________________________________________________"
	       "________________________________");
	printf("%-3s %-40s %8s %6s %6s %10s %10s  %s\n", "#", "Layer (type)", "Units", "W bits",
	       "A bits", "Params", "Bytes", "Inbound");
	printf("%.*s\n", 96, "================================================================"
	       "================================");
	for (k = 0; k < i->nlayers; k++) {
		const struct akida_fbz_layer *l = &i->layers[k];
		char name[64], units[16], wb[8], ab[8];

		snprintf(name, sizeof(name), "%s (%s)", l->name, l->type_name);
		fmt_bits(l->units, units, sizeof(units));
		fmt_bits(l->weight_bits, wb, sizeof(wb));
		fmt_bits(l->act_bits, ab, sizeof(ab));
		printf("%-3u %-40s %8s %6s %6s %10" PRIu64 " %10" PRIu64 "  %s\n", k, name, units,
		       wb, ab, l->params, l->weight_bytes, l->ninbound ? l->inbound[0] : "-");
		if (opt_verbose) {
			for (q = 0; q < l->nprops; q++)
				printf("      %s = %lld\n", l->props[q].key,
				       (long long)l->props[q].value);
			for (q = 0; q < l->nvars; q++) {
				const struct akida_fbz_variable *v = &l->vars[q];
				unsigned int d;

				printf("      var %-12s dtype %u, %u bytes, shape [", v->name,
				       v->dtype, v->bytes);
				for (d = 0; d < v->ndims; d++)
					printf("%s%d", d ? ", " : "", v->dims[d]);
				printf("]\n");
			}
		}
	}
	printf("%.*s\n", 96, "================================================================"
	       "================================");
	printf("Total params: %" PRIu64 "\nTotal variable bytes: %" PRIu64 "\n", i->total_params,
	       i->total_weight_bytes);
	akida_fbz_free(f);
	return EX_OK;
}

static int parse_list(const char *s, uint32_t *out, unsigned int max)
{
	unsigned int n = 0;
	char *end;

	while (s && *s && n < max) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > 65536)
			return -1;
		out[n++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return (int)n;
}

static int cmd_model_random(int argc, char **argv)
{
	uint32_t sizes[17] = { 64, 48, 32, 10 }, wl[16], al[16];
	uint8_t wb[16] = { 8, 4, 4 }, ab[16] = { 4, 2, 8 };
	struct akida_random_spec spec = { 3, sizes, wb, ab };
	struct akida_program *p;
	const char *out = NULL;
	uint64_t seed = 1;
	int c, n, ret;
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "layers", required_argument, NULL, 'l' },
		{ "weight-bits", required_argument, NULL, 'w' },
		{ "act-bits", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:l:w:a:o:", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			n = parse_list(optarg, sizes, 17);
			if (n < 2)
				return usage_error("--layers wants 2 to 17 sizes, e.g. 64,32,10");
			spec.layers = (unsigned int)n - 1;
			memset(wb, 8, sizeof(wb));
			memset(ab, 4, sizeof(ab));
			break;
		case 'w':
		case 'a':
			n = parse_list(optarg, c == 'w' ? wl : al, 16);
			if (n < 1)
				return usage_error("bad bit list \"%s\"", optarg);
			for (int k = 0; k < 16; k++)
				(c == 'w' ? wb : ab)[k] = (uint8_t)(c == 'w' ? wl : al)[k < n ? k : n - 1];
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return usage_error("usage: model random [--seed S] [--layers N,N,...] "
					   "[--weight-bits B,...] [--act-bits B,...] -o FILE");
		}
	}
	if (!out)
		return usage_error("model random needs -o FILE (.fbz or .akp)");
	if (akida_program_random(seed, &spec, &p))
		return lib_error();
	if (strlen(out) > 4 && !strcmp(out + strlen(out) - 4, ".akp")) {
		size_t len;
		const void *img = akida_program_image(p, &len);
		FILE *f = fopen(out, "wb");

		ret = !f || fwrite(img, 1, len, f) != len;
		if (f && fclose(f))
			ret = 1;
		if (ret) {
			file_error(out);
			akida_program_free(p);
			return EX_FAIL;
		}
	} else if (akida_fbz_save_program(p, out)) {
		akida_program_free(p);
		return lib_error();
	}
	if (!opt_json)
		printf("wrote %s: %u layers, %u -> %u bytes, seed %llu\n", out,
		       akida_program_layer_count(p), akida_program_input_bytes(p),
		       akida_program_output_bytes(p), (unsigned long long)seed);
	akida_program_free(p);
	return EX_OK;
}

static int cmd_model(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("usage: model info FILE | model random ... -o FILE");
	if (!strcmp(argv[1], "info"))
		return cmd_model_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "random"))
		return cmd_model_random(argc - 1, argv + 1);
	return usage_error("unknown model command \"%s\"", argv[1]);
}

/* ------------------------------------------------------------------ */

static int read_file(const char *path, uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		file_error(path);
		return EX_INVALID;
	}
	n = fread(buf, 1, len, f);
	fclose(f);
	if (n != len) {
		fprintf(stderr, "%s: %s: need %zu bytes of input, the file has %zu\n", prog_name,
			path, len, n);
		return EX_INVALID;
	}
	return 0;
}

static int cmd_infer(int argc, char **argv)
{
	const char *input = NULL, *output = NULL;
	unsigned int batch = 1, b, k;
	uint64_t seed = 1;
	int check = 0, c, ret = EX_OK;
	struct akida_program *p;
	struct akida_device *dev;
	struct akida_run_stats st;
	uint8_t *in, *out, *gold;
	uint32_t ib, ob;
	size_t diff = 0;
	static const char usage_text[] = "usage: infer N MODEL [--input FILE | --random SEED] "
					 "[--batch B] [--output FILE] [--check]";
	static const struct option lo[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "random", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:r:b:o:c", lo, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 'r': seed = strtoull(optarg, NULL, 0); break;
		case 'b':
			batch = (unsigned int)strtoul(optarg, NULL, 0);
			if (batch < 1 || batch > 1000000)
				return usage_error("--batch must be 1 to 1000000");
			break;
		case 'o': output = optarg; break;
		case 'c': check = 1; break;
		default:
			return usage_error("%s", usage_text);
		}
	}
	if (argc - optind != 2)
		return usage_error("%s", usage_text);
	if (load_program(argv[optind + 1], &p))
		return lib_error();
	ib = akida_program_input_bytes(p);
	ob = akida_program_output_bytes(p);
	if (alloc_batch(p, batch, &in, &out, &gold)) {
		fprintf(stderr, "%s: out of memory\n", prog_name);
		ret = EX_FAIL;
		goto free_bufs;
	}
	if (input) {
		ret = read_file(input, in, (size_t)ib * batch);
		if (ret)
			goto free_bufs;
	} else {
		akida_random_bytes(seed, in, (size_t)ib * batch);
	}
	if (akida_open(argv[optind], opt_backend, &dev)) {
		ret = lib_error();
		goto free_bufs;
	}
	if (akida_load(dev, p) || akida_infer(dev, in, batch, out, &st)) {
		ret = lib_error();
		akida_close(dev);
		goto free_bufs;
	}
	akida_close(dev);
	if (check) {
		diff = golden_diff(p, in, batch, out, gold);
		if (diff)
			ret = EX_MISMATCH;
	}
	if (output) {
		FILE *f = fopen(output, "wb");

		if (!f || fwrite(out, ob, batch, f) != batch || fclose(f)) {
			file_error(output);
			ret = EX_FAIL;
		}
	}
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_uint(&j, "batch", batch);
		json_double(&j, "wall_ms", st.wall_ns / 1e6);
		json_double(&j, "npu_ms", st.npu_ns / 1e6);
		if (check)
			json_bool(&j, "golden_match", !diff);
		json_arr(&j, "outputs");
		for (b = 0; b < batch && b < 64; b++) {
			json_arr(&j, NULL);
			for (k = 0; k < ob; k++)
				json_uint(&j, NULL, out[(size_t)b * ob + k]);
			json_end_arr(&j);
		}
		json_end_arr(&j);
		json_doc_end(&j);
	} else {
		for (b = 0; b < batch && b < 16; b++) {
			printf("output[%u]:", b);
			for (k = 0; k < ob && k < 32; k++)
				printf(" %u", out[(size_t)b * ob + k]);
			printf("%s\n", ob > 32 ? " ..." : "");
		}
		if (batch > 16)
			printf("... (%u outputs)\n", batch);
		printf("%u input%s in %.3f ms (NPU %.3f ms)%s\n", batch, batch == 1 ? "" : "s",
		       st.wall_ns / 1e6, st.npu_ns / 1e6,
		       check ? (diff ? ", MISMATCH against the golden model" :
				       ", identical to the golden model") : "");
	}
free_bufs:
	free(in);
	free(out);
	free(gold);
	akida_program_free(p);
	return ret;
}

/*
 * The emulator's link-model counters (HARDWARE.md sections 6 and 7): a
 * window at BAR0 + 0x3F0000 that only the emulated AKD1000 has, identified
 * by its magic. Read through the VFIO backend's BAR0 mapping, or else
 * through sysfs resource0 (root). Real hardware: not touched beyond the
 * magic word's BAR0 read.
 */
#define EMU_WIN		0x3F0000u
#define EMU_MAGIC	0x4d454b41u	/* "AKEM" */
#define EMU_DMA_BYTES	0x0118u
#define EMU_DMA_NS	0x0130u
#define EMU_NPU_NS	0x0138u
#define EMU_MODELED_NS	0x0128u

struct emu_win {
	struct akida_device *dev;	/* through akida_reg_read (VFIO) */
	volatile uint32_t *map;		/* or sysfs resource0 */
	void *base;
	size_t len;
};

static int emu_rd(struct emu_win *w, uint32_t off, uint32_t *v)
{
	if (w->map) {
		*v = w->map[off / 4];
		return 0;
	}
	return akida_reg_read(w->dev, EMU_WIN + off, v);
}

static int emu_open(struct emu_win *w, struct akida_device *dev)
{
	const struct akida_caps *c = akida_device_caps(dev);
	uint32_t magic = 0;

	memset(w, 0, sizeof(*w));
	if (c->backend == AKIDA_BACKEND_VFIO) {
		w->dev = dev;
	} else {
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/resource0", sysfs_root(),
			 c->bdf);
		fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
		if (fd < 0)
			return -1;
		w->len = EMU_WIN + 0x10000;
		w->base = mmap(NULL, w->len, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (w->base == MAP_FAILED)
			return -1;
		w->map = (volatile uint32_t *)((char *)w->base + EMU_WIN);
	}
	if (emu_rd(w, 0, &magic) || magic != EMU_MAGIC) {
		if (w->map)
			munmap(w->base, w->len);
		w->map = NULL;
		w->dev = NULL;
		return -1;
	}
	akida_clear_error();
	return 0;
}

static uint64_t emu_cnt(struct emu_win *w, uint32_t off)
{
	uint32_t lo = 0, hi = 0;

	emu_rd(w, off, &lo);		/* LO first: it latches HI */
	emu_rd(w, off + 4, &hi);
	return (uint64_t)hi << 32 | lo;
}

static void emu_close(struct emu_win *w)
{
	if (w->map)
		munmap(w->base, w->len);
}

static int cmd_bench(int argc, char **argv)
{
	unsigned int batch = 64, iters = 20, i;
	size_t dma = 1 << 20;
	const char *model = NULL;
	struct akida_program *p;
	struct akida_device *dev;
	struct akida_run_stats st;
	uint64_t addr, t0, t_w = 0, t_r = 0, t_inf = 0, npu = 0;
	uint64_t e_bytes = 0, e_dma_ns = 0, e_npu_ns = 0;
	struct emu_win emu;
	int have_emu = 0;
	uint8_t *buf = NULL, *in = NULL, *out = NULL;
	int c, ret = EX_OK;
	static const char usage_text[] = "usage: bench N [--model FILE] [--batch B] "
					 "[--iterations K] [--dma-size BYTES]";
	static const struct option lo[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "model", required_argument, NULL, 'm' },
		{ "dma-size", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:n:m:d:", lo, NULL)) != -1) {
		switch (c) {
		case 'b': batch = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'n': iters = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'm': model = optarg; break;
		case 'd': dma = strtoul(optarg, NULL, 0); break;
		default:
			return usage_error("%s", usage_text);
		}
	}
	if (argc - optind != 1 || !batch || !iters || !dma || batch > 65535 || iters > 100000)
		return usage_error("%s", usage_text);
	if (model ? load_program(model, &p) : akida_program_random(1, NULL, &p))
		return lib_error();
	if (akida_open(argv[optind], opt_backend, &dev)) {
		akida_program_free(p);
		return lib_error();
	}
	buf = malloc(dma);
	in = malloc((size_t)akida_program_input_bytes(p) * batch);
	out = malloc((size_t)akida_program_output_bytes(p) * batch);
	if (!buf || !in || !out) {
		ret = EX_FAIL;
		goto done;
	}
	akida_random_bytes(3, buf, dma);
	akida_random_bytes(4, in, (size_t)akida_program_input_bytes(p) * batch);
	have_emu = !emu_open(&emu, dev);
	if (have_emu) {
		e_bytes = emu_cnt(&emu, EMU_DMA_BYTES);
		e_dma_ns = emu_cnt(&emu, EMU_DMA_NS);
	}
	if (akida_mem_alloc(dev, dma, &addr)) {
		ret = lib_error();
		goto done;
	}
	for (i = 0; i < iters && ret == EX_OK; i++) {
		t0 = akida_time_ns();
		if (akida_mem_write(dev, addr, buf, dma))
			ret = lib_error();
		t_w += akida_time_ns() - t0;
		t0 = akida_time_ns();
		if (ret == EX_OK && akida_mem_read(dev, addr, buf, dma))
			ret = lib_error();
		t_r += akida_time_ns() - t0;
	}
	akida_mem_free(dev, addr);
	if (have_emu) {
		e_bytes = emu_cnt(&emu, EMU_DMA_BYTES) - e_bytes;
		e_dma_ns = emu_cnt(&emu, EMU_DMA_NS) - e_dma_ns;
	}
	if (ret == EX_OK && akida_load(dev, p))
		ret = lib_error();
	if (have_emu)
		e_npu_ns = emu_cnt(&emu, EMU_NPU_NS);
	for (i = 0; i < iters && ret == EX_OK; i++) {
		if (akida_infer(dev, in, batch, out, &st))
			ret = lib_error();
		t_inf += st.wall_ns;
		npu += st.npu_ns;
	}
	if (have_emu)
		e_npu_ns = emu_cnt(&emu, EMU_NPU_NS) - e_npu_ns;
	if (ret == EX_OK) {
		double wmb = (double)dma * iters / (t_w / 1e9) / 1e6;
		double rmb = (double)dma * iters / (t_r / 1e9) / 1e6;
		double ips = (double)batch * iters / (t_inf / 1e9);
		double lat = t_inf / 1e3 / iters;

		if (opt_json) {
			struct json j;

			json_doc_begin(&j);
			json_str(&j, "backend", akida_backend_name(akida_device_caps(dev)->backend));
			json_uint(&j, "dma_bytes", dma);
			json_uint(&j, "iterations", iters);
			json_double(&j, "h2d_mb_per_s", wmb);
			json_double(&j, "d2h_mb_per_s", rmb);
			json_uint(&j, "batch", batch);
			json_uint(&j, "macs_per_input", akida_program_macs(p));
			json_double(&j, "inferences_per_s", ips);
			json_double(&j, "batch_latency_us", lat);
			json_double(&j, "npu_us_per_batch", npu / 1e3 / iters);
			if (have_emu) {
				json_obj(&j, "emulator_model");
				json_uint(&j, "dma_bytes", e_bytes);
				json_uint(&j, "dma_ns", e_dma_ns);
				json_double(&j, "dma_mb_per_s",
					    e_dma_ns ? e_bytes * 1e3 / e_dma_ns : 0);
				json_double(&j, "npu_us_per_batch", e_npu_ns / 1e3 / iters);
				json_double(&j, "link_limit_mb_per_s", 500);
				json_end_obj(&j);
			}
			json_doc_end(&j);
		} else {
			printf("backend %s, %u iterations\n",
			       akida_backend_name(akida_device_caps(dev)->backend), iters);
			printf("  DMA host->device  %8.1f MB/s (%zu-byte transfers)\n", wmb, dma);
			printf("  DMA device->host  %8.1f MB/s\n", rmb);
			printf("  inference         %8.0f inputs/s (batch %u, %" PRIu64 " MACs each)\n",
			       ips, batch, akida_program_macs(p));
			printf("  batch latency     %8.1f us (NPU %.1f us)\n", lat,
			       npu / 1e3 / iters);
			if (have_emu && e_dma_ns)
				printf("  emulator link model: DMA %.1f MB/s (%" PRIu64 " bytes in %.3f ms "
				       "modeled; link limit 500 MB/s per direction), NPU %.1f us "
				       "per batch\n", e_bytes * 1e3 / e_dma_ns, e_bytes,
				       e_dma_ns / 1e6, e_npu_ns / 1e3 / iters);
		}
	}
done:
	if (have_emu)
		emu_close(&emu);
	free(buf);
	free(in);
	free(out);
	akida_close(dev);
	akida_program_free(p);
	return ret;
}

static int cmd_clock(int argc, char **argv)
{
	static const char *const names[] = { "performance", "economy", "low-power" };
	struct akida_device *dev;
	unsigned int mode, i;
	int ret = EX_OK;

	if (argc != 2 && argc != 3)
		return usage_error("usage: clock N [performance|economy|low-power]");
	if (akida_open(argv[1], opt_backend, &dev))
		return lib_error();
	if (argc == 3) {
		for (i = 0; i < 3 && strcmp(argv[2], names[i]); i++)
			;
		if (i == 3) {
			akida_close(dev);
			return usage_error("clock mode must be performance, economy or low-power");
		}
		if (akida_set_clock_mode(dev, i))
			ret = lib_error();
	}
	if (ret == EX_OK && akida_get_clock_mode(dev, &mode))
		ret = lib_error();
	if (ret == EX_OK) {
		if (opt_json) {
			struct json j;

			json_doc_begin(&j);
			json_uint(&j, "clock_mode", mode);
			json_str(&j, "name", mode < 3 ? names[mode] : "?");
			json_doc_end(&j);
		} else {
			printf("%s\n", mode < 3 ? names[mode] : "unknown");
		}
	}
	akida_close(dev);
	return ret;
}

static int cmd_reset(int argc, char **argv)
{
	struct akida_device *dev;
	int ret = EX_OK;

	if (argc != 2)
		return usage_error("usage: reset N");
	if (akida_open(argv[1], opt_backend, &dev))
		return lib_error();
	if (akida_reset(dev))
		ret = lib_error();
	else if (!opt_json)
		printf("NPU of %s reset\n", akida_device_caps(dev)->bdf);
	akida_close(dev);
	return ret;
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: akida [--json] [--backend auto|kernel|vfio|mmap] [-v] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  enumerate                  list Akida devices\n"
		"  info N|BDF                 device details and capabilities\n"
		"  iommu-group BDF            the device's IOMMU group\n"
		"  bind-vfio BDF              bind to vfio-pci (persists across reboots)\n"
		"  unbind-vfio BDF            give the device back to akida_pcie\n"
		"  probe N|BDF                dump the NPU registers\n"
		"  verify N|BDF               DMA loopback and golden-checked inference\n"
		"  model info FILE            layer table of an .fbz model or program image\n"
		"  model random [...] -o FILE write a pseudo-random test program\n"
		"  infer N MODEL [...]        run a program on inputs\n"
		"  bench N [...]              DMA throughput and inference rate\n"
		"  clock N [MODE]             show or set the clock mode (performance,\n"
		"                             economy, low-power)\n"
		"  reset N                    reset the NPU (root with the kernel backend)\n"
		"  help                       this text\n"
		"\n"
		"N is a device index from `akida enumerate`, a PCI address or /dev/akidaN.\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 3 no device, 4 device not found,\n"
		"5 backend unavailable (driver, permission, IOMMU), 6 transfer failed,\n"
		"7 hardware error, 8 capability query failed, 9 invalid input, 10 mismatch.\n"
		"See akida(1).\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "enumerate", cmd_enumerate }, { "list", cmd_enumerate },
		{ "info", cmd_info }, { "iommu-group", cmd_iommu_group },
		{ "bind-vfio", cmd_bind_vfio }, { "unbind-vfio", cmd_unbind_vfio },
		{ "probe", cmd_probe }, { "verify", cmd_verify }, { "model", cmd_model },
		{ "infer", cmd_infer }, { "bench", cmd_bench }, { "clock", cmd_clock },
		{ "reset", cmd_reset },
	};
	char *args[64];
	int n = 0, i;
	unsigned int k;

	/* Global options anywhere on the line (before or after the command). */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			opt_json = 1;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			opt_verbose = 1;
		} else if (!strcmp(argv[i], "--backend") || !strncmp(argv[i], "--backend=", 10)) {
			const char *v = argv[i][9] == '=' ? argv[i] + 10 : argv[++i];

			if (!v)
				return usage_error("--backend needs a value");
			if (akida_backend_parse(v, &opt_backend))
				return lib_error();
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EX_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("akida %s\n", akida_version());
			return EX_OK;
		} else if (n < 63) {
			args[n++] = argv[i];
		}
	}
	args[n] = NULL;
	if (n == 0) {
		usage(stderr);
		return EX_USAGE;
	}
	if (!strcmp(args[0], "help")) {
		usage(stdout);
		return EX_OK;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(args[0], cmds[k].name))
			return cmds[k].fn(n, args);
	return usage_error("unknown command \"%s\"", args[0]);
}
