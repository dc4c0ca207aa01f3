/* SPDX-License-Identifier: MIT */
/*
 * libakida: the device object and the backend interface.
 */
#ifndef AKIDA_DEVICE_H
#define AKIDA_DEVICE_H

#include "akida_internal.h"

struct akida_device;

struct akida_backend_ops {
	enum akida_backend_kind kind;
	int (*open)(struct akida_device *dev);
	void (*close)(struct akida_device *dev);
	int (*reg_read)(struct akida_device *dev, uint32_t off, uint32_t *val);
	int (*reg_write)(struct akida_device *dev, uint32_t off, uint32_t val);
	/* optional: DMA and memory */
	int (*mem_alloc)(struct akida_device *dev, uint64_t size, uint64_t *addr);
	int (*mem_free)(struct akida_device *dev, uint64_t addr);
	int (*mem_write)(struct akida_device *dev, uint64_t addr, const void *buf, size_t len);
	int (*mem_read)(struct akida_device *dev, uint64_t addr, void *buf, size_t len);
	/* optional: inference (default: the register-level NPU driver, npu.c) */
	int (*load)(struct akida_device *dev, const struct akida_program *p);
	int (*infer)(struct akida_device *dev, const uint8_t *in, unsigned int batch,
		     uint8_t *out, struct akida_run_stats *st);
	int (*update_weights)(struct akida_device *dev, const struct akida_program *p,
			      unsigned int layer);
	int (*reset)(struct akida_device *dev);
	int (*set_clock)(struct akida_device *dev, unsigned int mode);	/* optional */
	/* optional: sleep until the device's interrupt fires or @timeout_ms
	 * passes (0: woken, -ETIMEDOUT); without it the NPU is polled */
	int (*wait_irq)(struct akida_device *dev, int timeout_ms);
};

/* A simple first-fit allocator over [base, base + size), for VFIO. */
struct akida_range {
	uint64_t addr, size;
};

struct akida_heap {
	uint64_t base, size;
	unsigned int n, cap;
	struct akida_range *used;	/* sorted by address */
};

int akida_heap_alloc(struct akida_heap *h, uint64_t size, uint64_t align, uint64_t *addr);
int akida_heap_free(struct akida_heap *h, uint64_t addr);
void akida_heap_destroy(struct akida_heap *h);

/*
 * A buffer in device memory at *@addr, *@cap bytes (0: none yet), kept by a
 * backend or the NPU driver. akida_buf_grow() replaces it, through the
 * backend's mem_free/mem_alloc, when it holds less than @need bytes;
 * akida_buf_upload() grows it to @len and writes @data to it.
 */
int akida_buf_grow(struct akida_device *dev, uint64_t *addr, uint64_t *cap, uint64_t need);
int akida_buf_upload(struct akida_device *dev, uint64_t *addr, uint64_t *cap, const void *data,
		     size_t len);

/* State of the register-level NPU driver (npu.c). */
struct akida_npu {
	uint64_t prog_addr, prog_size;
	uint32_t in_bytes, out_bytes;
	uint64_t in_addr, out_addr, io_cap;	/* input / output buffers */
	uint64_t w_addr, w_cap;			/* weight staging */
	int loaded;
	int use_irq;				/* wait on the NPU MSI */
	int timeout_ms;				/* per NPU command; 0: default */
	/*
	 * The NPU has the [model] command interface (IFACE_MAGIC and VERSION's
	 * major known, or the driver's AKIDA_CAP_JOBS): only then may any of
	 * its registers be written.
	 */
	int iface;
};

struct akida_device {
	const struct akida_backend_ops *ops;
	struct akida_device_info info;
	struct akida_caps caps;
	void *priv;				/* backend state */
	struct akida_npu npu;
	struct akida_program *prog;		/* copy of the loaded program */
	char sysfs_root[256];
};

extern const struct akida_backend_ops akida_kernel_ops;
extern const struct akida_backend_ops akida_vfio_ops;
extern const struct akida_backend_ops akida_mmap_ops;

/* npu.c: drive the NPU through reg_read/reg_write and mem_* */
int akida_npu_load(struct akida_device *dev, const struct akida_program *p);
int akida_npu_infer(struct akida_device *dev, const uint8_t *in, unsigned int batch,
		    uint8_t *out, struct akida_run_stats *st);
int akida_npu_update_weights(struct akida_device *dev, const struct akida_program *p,
			     unsigned int layer);
int akida_npu_reset(struct akida_device *dev);
/* Fail, in plain words, because the NPU lacks the [model] interface. */
int akida_npu_unsupported(struct akida_device *dev, const char *what);
/* Wait for the NPU, backend-specific (interrupt or bounded poll). */
int akida_npu_wait(struct akida_device *dev, uint32_t irq_bits, int timeout_ms);
/* Identity registers into dev->caps. */
int akida_read_identity(struct akida_device *dev);

uint64_t akida_now_ns(void);
/* Program inbound iATU @region (BAR @bar -> AXI @target) via sysfs config. */
int akida_sysfs_program_iatu(const char *dir, unsigned int region, unsigned int bar,
			     uint32_t target);

#endif /* AKIDA_DEVICE_H */
