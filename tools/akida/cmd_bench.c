// SPDX-License-Identifier: MIT
/*
 * akida bench: DMA throughput and inference rate, with the emulator's
 * link-model counters where the device is the emulated AKD1000.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

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
	struct akida_d0_hold d0;	/* resource0 holds no runtime-PM reference */
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

		/* In D3hot the window neither answers nor keeps its counters. */
		if (akida_d0_hold(sysfs_root(), c->bdf, &w->d0))
			return -1;
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/resource0", sysfs_root(),
			 c->bdf);
		fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
		if (fd < 0) {
			akida_d0_release(&w->d0);
			return -1;
		}
		w->len = EMU_WIN + 0x10000;
		w->base = mmap(NULL, w->len, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (w->base == MAP_FAILED) {
			akida_d0_release(&w->d0);
			return -1;
		}
		w->map = (volatile uint32_t *)((char *)w->base + EMU_WIN);
	}
	if (emu_rd(w, 0, &magic) || magic != EMU_MAGIC) {
		if (w->map) {
			munmap(w->base, w->len);
			akida_d0_release(&w->d0);
		}
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
	if (w->map) {
		munmap(w->base, w->len);
		akida_d0_release(&w->d0);
	}
}

int cmd_bench(int argc, char **argv)
{
	unsigned int batch = 64, iters = 20, i;
	size_t dma = 1 << 20;
	const char *model = NULL;
	struct akida_program *p;
	struct akida_device *dev;
	struct akida_run_stats st;
	uint64_t addr, t0, t_w = 0, t_r = 0, t_inf = 0, npu = 0;
	uint64_t e_bytes = 0, e_dma_ns = 0, e_npu_ns = 0, v;
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
		case 'b':
			if (opt_number("--batch", optarg, 1, 65535, &v))
				return EX_USAGE;
			batch = (unsigned int)v;
			break;
		case 'n':
			if (opt_number("--iterations", optarg, 1, 100000, &v))
				return EX_USAGE;
			iters = (unsigned int)v;
			break;
		case 'm': model = optarg; break;
		case 'd':
			if (opt_number("--dma-size", optarg, 1, 1u << 30, &v))
				return EX_USAGE;
			dma = (size_t)v;
			break;
		default:
			return usage_error("%s", usage_text);
		}
	}
	if (argc - optind != 1)
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
		ret = cli_fail(EX_FAIL, "out of memory");
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
