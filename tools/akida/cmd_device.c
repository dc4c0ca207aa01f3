// SPDX-License-Identifier: MIT
/*
 * akida: the commands that show and control one device: enumerate, info,
 * probe (the NPU registers), clock and reset.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

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

int cmd_enumerate(int argc, char **argv)
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

int cmd_info(int argc, char **argv)
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

int cmd_probe(int argc, char **argv)
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

int cmd_clock(int argc, char **argv)
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

int cmd_reset(int argc, char **argv)
{
	struct akida_device *dev;
	int ret = EX_OK;

	if (argc != 2)
		return usage_error("usage: reset N");
	if (akida_open(argv[1], opt_backend, &dev))
		return lib_error();
	if (akida_reset(dev)) {
		ret = lib_error();
	} else if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "bdf", akida_device_caps(dev)->bdf);
		json_bool(&j, "reset", 1);
		json_doc_end(&j);
	} else {
		printf("NPU of %s reset\n", akida_device_caps(dev)->bdf);
	}
	akida_close(dev);
	return ret;
}
