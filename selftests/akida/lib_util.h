/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libakida VM tests (lib_*_test.c): finding the
 * device, moving it between drivers, and golden-checked inference.
 */
#ifndef AKIDA_LIB_UTIL_H
#define AKIDA_LIB_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akida.h"
#include "guest.h"

/* First Akida device, or -1 with *why set. */
static inline int lib_first_device(struct akida_device_info *d, const char **why)
{
	struct akida_device_info *l;
	unsigned int n;

	if (akida_discover(NULL, &l, &n) || n == 0) {
		*why = "no Akida device on the PCI bus";
		return -1;
	}
	*d = l[0];
	akida_discover_free(l);
	return 0;
}

static inline int lib_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val));
	close(fd);
	return r == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Move @bdf to driver @drv ("" = whatever matches, clearing the override). */
static inline int lib_rebind(const char *bdf, const char *drv)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = lib_sysfs_write(path, drv[0] ? drv : "\n");
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	if (access(path, F_OK) == 0) {
		ret = lib_sysfs_write(path, bdf);
		if (ret)
			return ret;
	}
	return lib_sysfs_write("/sys/bus/pci/drivers_probe", bdf);
}

static inline int lib_driver_is(const char *bdf, const char *drv)
{
	struct akida_device_info d;

	return !akida_find_device(NULL, bdf, &d) && !strcmp(d.driver, drv);
}

/*
 * Build a pseudo-random program of @spec, load it, update the weights of
 * the layers in @update_mask (bit i: layer i, one after the other), run
 * @batch random inputs through the device and the golden model; 0 when
 * identical, >0 = differing bytes, <0 = library error.
 */
static inline long lib_golden_run(struct akida_device *dev, uint64_t seed,
				  const struct akida_random_spec *spec, unsigned int batch,
				  unsigned int update_mask)
{
	struct akida_program *p;
	uint8_t *in, *out, *gold;
	uint32_t ib, ob;
	long diff = 0;
	size_t i;
	int ret;

	ret = akida_program_random(seed, spec, &p);
	if (ret)
		return ret;
	ib = akida_program_input_bytes(p);
	ob = akida_program_output_bytes(p);
	in = malloc((size_t)ib * batch);
	out = calloc(batch, ob);
	gold = calloc(batch, ob);
	if (!in || !out || !gold) {
		ret = -ENOMEM;
		goto out;
	}
	akida_random_bytes(seed * 7 + 1, in, (size_t)ib * batch);
	ret = akida_load(dev, p);
	for (unsigned int layer = 0; !ret && layer < 16; layer++) {
		struct akida_layer_info li;
		int8_t *w;

		if (!(update_mask & (1u << layer)))
			continue;
		akida_program_layer(p, layer, &li);
		w = malloc((size_t)li.inputs * li.outputs);
		if (!w) {
			ret = -ENOMEM;
			goto out;
		}
		akida_random_bytes(seed + 1000 + layer, w, (size_t)li.inputs * li.outputs);
		if (li.weight_bits == 4)
			for (i = 0; i < (size_t)li.inputs * li.outputs; i++)
				w[i] = (int8_t)(w[i] >> 4);
		ret = akida_program_set_weights(p, layer, w);
		free(w);
		if (!ret)
			ret = akida_update_weights(dev, p, layer);
	}
	if (!ret)
		ret = akida_infer(dev, in, batch, out, NULL);
	if (!ret) {
		akida_program_run(p, in, batch, gold);
		for (i = 0; i < (size_t)ob * batch; i++)
			diff += out[i] != gold[i];
	}
out:
	free(in);
	free(out);
	free(gold);
	akida_program_free(p);
	return ret ? ret : diff;
}

static inline int lib_dma_loopback(struct akida_device *dev, size_t size, uint64_t seed)
{
	uint8_t *a = malloc(size), *b = calloc(1, size);
	uint64_t addr;
	int ret;

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	akida_random_bytes(seed, a, size);
	ret = akida_mem_alloc(dev, size, &addr);
	if (!ret) {
		ret = akida_mem_write(dev, addr, a, size);
		if (!ret)
			ret = akida_mem_read(dev, addr, b, size);
		akida_mem_free(dev, addr);
		if (!ret && memcmp(a, b, size))
			ret = 1;
	}
	free(a);
	free(b);
	return ret;
}

static const uint32_t lib_s1[] = { 64, 48, 32, 10 };
static const uint8_t lib_w1[] = { 8, 4, 4 }, lib_a1[] = { 4, 2, 8 };
static const uint32_t lib_s2[] = { 300, 40, 7 };
static const uint8_t lib_w2[] = { 4, 8 }, lib_a2[] = { 1, 8 };
static const uint32_t lib_s3[] = { 17, 5 };
static const uint8_t lib_w3[] = { 8 }, lib_a3[] = { 2 };

#endif /* AKIDA_LIB_UTIL_H */
