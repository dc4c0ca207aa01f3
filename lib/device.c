// SPDX-License-Identifier: MIT
/*
 * libakida: device handles, backend selection and the checks every backend
 * shares. A struct akida_device belongs to one thread at a time; nothing in
 * it is locked (see the thread-safety contract in akida.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device.h"

uint64_t akida_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t akida_time_ns(void)
{
	return akida_now_ns();
}

const char *akida_backend_name(enum akida_backend_kind kind)
{
	switch (kind) {
	case AKIDA_BACKEND_AUTO:	return "auto";
	case AKIDA_BACKEND_KERNEL:	return "kernel";
	case AKIDA_BACKEND_VFIO:	return "vfio";
	case AKIDA_BACKEND_MMAP:	return "mmap";
	}
	return "unknown";
}

int akida_backend_parse(const char *name, enum akida_backend_kind *kind)
{
	static const enum akida_backend_kind all[] = {
		AKIDA_BACKEND_AUTO, AKIDA_BACKEND_KERNEL, AKIDA_BACKEND_VFIO, AKIDA_BACKEND_MMAP,
	};
	unsigned int i;

	for (i = 0; name && i < ARRAY_SIZE(all); i++)
		if (!strcmp(name, akida_backend_name(all[i]))) {
			*kind = all[i];
			return 0;
		}
	return akida_fail(AKIDA_ERR_INVALID, EINVAL,
			  "unknown backend \"%s\" (auto, kernel, vfio or mmap)",
			  name ? name : "");
}

static const struct akida_backend_ops *ops_for(enum akida_backend_kind k)
{
	switch (k) {
	case AKIDA_BACKEND_KERNEL:	return &akida_kernel_ops;
	case AKIDA_BACKEND_VFIO:	return &akida_vfio_ops;
	case AKIDA_BACKEND_MMAP:	return &akida_mmap_ops;
	default:			return NULL;
	}
}

int akida_open(const char *spec, enum akida_backend_kind kind,
	       struct akida_device **out)
{
	struct akida_device *dev;
	int ret;

	if (!out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointer");
	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	ret = akida_find_device(NULL, spec ? spec : "0", &dev->info);
	if (ret) {
		free(dev);
		return ret;
	}
	if (kind == AKIDA_BACKEND_AUTO) {
		if (!strcmp(dev->info.driver, "akida_pcie") && dev->info.devnode[0])
			kind = AKIDA_BACKEND_KERNEL;
		else if (!strcmp(dev->info.driver, "vfio-pci"))
			kind = AKIDA_BACKEND_VFIO;
		else
			kind = AKIDA_BACKEND_MMAP;
	}
	dev->ops = ops_for(kind);
	if (!dev->ops) {
		free(dev);
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "unknown backend %d", kind);
	}
	dev->caps.backend = kind;
	dev->caps.chip = dev->info.chip;
	memcpy(dev->caps.bdf, dev->info.bdf, sizeof(dev->caps.bdf));
	ret = dev->ops->open(dev);
	if (ret) {
		free(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

void akida_close(struct akida_device *dev)
{
	if (!dev)
		return;
	dev->ops->close(dev);
	akida_program_free(dev->prog);
	free(dev);
}

const struct akida_caps *akida_device_caps(const struct akida_device *dev)
{
	return dev ? &dev->caps : NULL;
}

static int unsupported(struct akida_device *dev, const char *what)
{
	if ((dev->caps.features & AKIDA_FEAT_DMA) && !dev->npu.iface)
		return akida_npu_unsupported(dev, what);
	return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENOTSUP,
			  "the %s backend cannot %s (use the kernel or vfio backend)",
			  akida_backend_name(dev->caps.backend), what);
}

int akida_reg_read(struct akida_device *dev, uint32_t off, uint32_t *val)
{
	if (!dev || !val || (off & 3))
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "register offset 0x%x must be 4-byte aligned", off);
	if (!dev->ops->reg_read)
		return unsupported(dev, "read registers");
	return dev->ops->reg_read(dev, off, val);
}

int akida_reg_write(struct akida_device *dev, uint32_t off, uint32_t val)
{
	if (!dev || (off & 3))
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "register offset 0x%x must be 4-byte aligned", off);
	if (!dev->ops->reg_write)
		return unsupported(dev, "write registers");
	return dev->ops->reg_write(dev, off, val);
}

int akida_mem_alloc(struct akida_device *dev, uint64_t size, uint64_t *addr)
{
	if (!dev || !addr || !size)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "bad allocation request");
	if (!dev->ops->mem_alloc)
		return unsupported(dev, "allocate device memory");
	return dev->ops->mem_alloc(dev, size, addr);
}

int akida_mem_free(struct akida_device *dev, uint64_t addr)
{
	if (!dev)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no device");
	if (!dev->ops->mem_free)
		return unsupported(dev, "free device memory");
	return dev->ops->mem_free(dev, addr);
}

int akida_mem_write(struct akida_device *dev, uint64_t addr, const void *buf, size_t len)
{
	if (!dev || (!buf && len))
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "bad transfer");
	if (!dev->ops->mem_write)
		return unsupported(dev, "transfer data (no DMA)");
	return len ? dev->ops->mem_write(dev, addr, buf, len) : 0;
}

int akida_mem_read(struct akida_device *dev, uint64_t addr, void *buf, size_t len)
{
	if (!dev || (!buf && len))
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "bad transfer");
	if (!dev->ops->mem_read)
		return unsupported(dev, "transfer data (no DMA)");
	return len ? dev->ops->mem_read(dev, addr, buf, len) : 0;
}

int akida_load(struct akida_device *dev, const struct akida_program *p)
{
	const void *img;
	size_t len;
	int ret;

	if (!dev || !p)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "device and program are required");
	if (!(dev->caps.features & AKIDA_FEAT_INFER))
		return unsupported(dev, "run programs");
	img = akida_program_image(p, &len);
	if (dev->caps.sram_size && len > dev->caps.sram_size)
		return akida_fail(AKIDA_ERR_INVALID, EFBIG,
				  "program of %zu bytes does not fit the NPU's %llu bytes of SRAM",
				  len, (unsigned long long)dev->caps.sram_size);
	akida_program_free(dev->prog);
	dev->prog = NULL;
	ret = akida_program_from_image(img, len, &dev->prog);
	if (ret)
		return ret;
	ret = dev->ops->load ? dev->ops->load(dev, dev->prog) : akida_npu_load(dev, dev->prog);
	if (ret) {
		akida_program_free(dev->prog);
		dev->prog = NULL;
	}
	return ret;
}

int akida_check_infer(struct akida_device *dev)
{
	if (!dev)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no device");
	if (!(dev->caps.features & AKIDA_FEAT_DMA) || !(dev->caps.features & AKIDA_FEAT_INFER))
		return unsupported(dev, "do DMA and inference");
	return 0;
}

int akida_infer(struct akida_device *dev, const uint8_t *in, unsigned int batch,
		uint8_t *out, struct akida_run_stats *st)
{
	struct akida_run_stats local;
	uint64_t t0;
	int ret;

	if (!dev || !in || !out || batch == 0)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "inputs, outputs and a batch of at least 1 are required");
	if (!(dev->caps.features & AKIDA_FEAT_INFER))
		return unsupported(dev, "run programs");
	if (!dev->prog)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "no program loaded (akida_load first)");
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	t0 = akida_now_ns();
	ret = dev->ops->infer ? dev->ops->infer(dev, in, batch, out, st) :
				akida_npu_infer(dev, in, batch, out, st);
	st->wall_ns = akida_now_ns() - t0;
	return ret;
}

int akida_update_weights(struct akida_device *dev, const struct akida_program *p,
			 unsigned int layer)
{
	struct akida_layer_info a, b;
	unsigned int i, n;
	const void *w;
	size_t wl;
	int ret;

	if (!dev || !p)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "device and program are required");
	if (!(dev->caps.features & AKIDA_FEAT_WEIGHTS))
		return unsupported(dev, "update weights");
	if (!dev->prog)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "no program loaded (akida_load first)");
	n = akida_program_layer_count(p);
	if (layer >= n)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "layer %u does not exist (the program has %u)", layer, n);
	if (n != akida_program_layer_count(dev->prog))
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "program does not have the loaded program's shape");
	for (i = 0; i < n; i++) {
		akida_program_layer(p, i, &a);
		akida_program_layer(dev->prog, i, &b);
		if (a.inputs != b.inputs || a.outputs != b.outputs ||
		    a.weight_bits != b.weight_bits)
			return akida_fail(AKIDA_ERR_INVALID, EINVAL,
					  "layer %u differs in shape from the loaded program", i);
	}
	ret = dev->ops->update_weights ? dev->ops->update_weights(dev, p, layer) :
					 akida_npu_update_weights(dev, p, layer);
	if (ret)
		return ret;
	/* Keep our copy in step with what the device now holds. */
	w = akida_program_layer_weights(p, layer, &wl);
	akida_program_layer(dev->prog, layer, &b);
	{
		size_t il;
		uint8_t *img = (uint8_t *)akida_program_image(dev->prog, &il);

		memcpy(img + b.offset + AKIDA_LAYER_DESC_SIZE, w, wl);
		put_le32(img + 20, akida_crc32(0, img + AKIDA_IMAGE_HEADER_SIZE,
					       il - AKIDA_IMAGE_HEADER_SIZE));
	}
	return 0;
}

int akida_reset(struct akida_device *dev)
{
	if (!dev)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no device");
	akida_program_free(dev->prog);
	dev->prog = NULL;
	if (dev->ops->reset)
		return dev->ops->reset(dev);
	if (!dev->ops->reg_write)
		return unsupported(dev, "reset the NPU");
	return akida_npu_reset(dev);
}

int akida_get_clock_mode(struct akida_device *dev, unsigned int *mode)
{
	uint32_t v;
	int ret;

	if (!dev || !mode)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "device and output are required");
	if (!dev->ops->reg_read) {
		*mode = dev->caps.clock_mode;
		return 0;
	}
	ret = dev->ops->reg_read(dev, 0x0014 /* CLOCK_MODE */, &v);
	if (ret)
		return ret;
	*mode = v;
	return 0;
}

int akida_set_clock_mode(struct akida_device *dev, unsigned int mode)
{
	unsigned int now;
	int ret;

	if (!dev || mode > AKIDA_CLOCK_MODE_LOW_POWER)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "clock mode must be 0 (performance), 1 (economy) or 2 (low power)");
	if (dev->ops->set_clock)
		ret = dev->ops->set_clock(dev, mode);
	else if (dev->ops->reg_write)
		ret = dev->ops->reg_write(dev, 0x0014 /* CLOCK_MODE */, mode);
	else
		return unsupported(dev, "set the clock mode");
	if (ret)
		return ret;
	ret = akida_get_clock_mode(dev, &now);
	if (ret)
		return ret;
	if (now != mode)
		return akida_fail(AKIDA_ERR_HARDWARE, EIO,
				  "the NPU kept clock mode %u instead of %u", now, mode);
	dev->caps.clock_mode = mode;
	return 0;
}

/* ---- buffers in device memory ---- */

int akida_buf_grow(struct akida_device *dev, uint64_t *addr, uint64_t *cap, uint64_t need)
{
	int ret;

	if (*cap >= need)
		return 0;
	if (*cap) {
		dev->ops->mem_free(dev, *addr);
		*cap = 0;
	}
	ret = dev->ops->mem_alloc(dev, need, addr);
	if (!ret)
		*cap = need;
	return ret;
}

int akida_buf_upload(struct akida_device *dev, uint64_t *addr, uint64_t *cap, const void *data,
		     size_t len)
{
	int ret = akida_buf_grow(dev, addr, cap, len);

	return ret ? ret : dev->ops->mem_write(dev, *addr, data, len);
}

/* ---- first-fit heap ---- */

int akida_heap_alloc(struct akida_heap *h, uint64_t size, uint64_t align, uint64_t *addr)
{
	uint64_t a = h->base;
	unsigned int i;

	if (!align)
		align = 64;
	size = (size + align - 1) & ~(align - 1);
	for (i = 0; i <= h->n; i++) {
		uint64_t end = i < h->n ? h->used[i].addr : h->base + h->size;

		a = (a + align - 1) & ~(align - 1);
		if (a + size <= end && a + size >= a) {
			if (h->n == h->cap) {
				unsigned int cap = h->cap ? 2 * h->cap : 16;
				struct akida_range *nu = realloc(h->used, cap * sizeof(*nu));

				if (!nu)
					return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
				h->used = nu;
				h->cap = cap;
			}
			memmove(&h->used[i + 1], &h->used[i], (h->n - i) * sizeof(*h->used));
			h->used[i].addr = a;
			h->used[i].size = size;
			h->n++;
			*addr = a;
			return 0;
		}
		if (i < h->n)
			a = h->used[i].addr + h->used[i].size;
	}
	return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM,
			  "device memory exhausted (%llu bytes requested)",
			  (unsigned long long)size);
}

int akida_heap_free(struct akida_heap *h, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (h->used[i].addr == addr) {
			memmove(&h->used[i], &h->used[i + 1], (h->n - i - 1) * sizeof(*h->used));
			h->n--;
			return 0;
		}
	return akida_fail(AKIDA_ERR_INVALID, EINVAL,
			  "0x%llx is not an allocation of this handle", (unsigned long long)addr);
}

void akida_heap_destroy(struct akida_heap *h)
{
	free(h->used);
	memset(h, 0, sizeof(*h));
}
