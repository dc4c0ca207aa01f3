// SPDX-License-Identifier: MIT
/*
 * libakida: driving the NPU command interface directly (HARDWARE.md
 * section 4, Documentation/npu-interface.rst) through a backend's register
 * and memory operations. Used by the VFIO backend; the kernel backend
 * leaves this to the driver's job engine.
 *
 * Completion: with an interrupt (the backend's wait_irq, fed by the NPU's
 * IMWr MSI) the caller sleeps; without one, IRQ_STATUS is polled with a
 * growing sleep. Either way every wait is bounded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akida_regs.h"
#include "device.h"

#define NPU_TIMEOUT_MS	30000
#define IRQ_SLICE_MS	250	/* longest sleep on the interrupt */

static int rd(struct akida_device *dev, uint32_t off, uint32_t *v)
{
	return dev->ops->reg_read(dev, off, v);
}

static int wr(struct akida_device *dev, uint32_t off, uint32_t v)
{
	return dev->ops->reg_write(dev, off, v);
}

int akida_read_identity(struct akida_device *dev)
{
	uint32_t id, ver, np, sram, clk, magic;

	if (rd(dev, NPU_DEVICE_ID, &id) || rd(dev, NPU_VERSION, &ver) ||
	    rd(dev, NPU_IFACE_MAGIC, &magic) ||
	    rd(dev, NPU_NP_COUNT, &np) || rd(dev, NPU_SRAM_REGION_0, &sram) ||
	    rd(dev, NPU_CLOCK_MODE, &clk))
		return akida_fail(AKIDA_ERR_CAPABILITY, EIO,
				  "%s: reading the NPU identity registers failed", dev->info.bdf);
	if (id == 0xffffffffu)
		return akida_fail(AKIDA_ERR_CAPABILITY, ENODATA,
				  "%s: the NPU does not answer (DEVICE_ID reads all ones: "
				  "link down, or BAR0 not mapped by the iATU)", dev->info.bdf);
	dev->caps.device_id = id;
	dev->caps.version = ver;
	dev->caps.np_count = np;
	dev->caps.sram_size = np ? (uint64_t)np * AKIDA_NP_SRAM_BYTES : sram;
	dev->caps.clock_mode = clk;
	dev->npu.iface = magic == NPU_IFACE_MAGIC_VALUE && ver >> 16 == NPU_IFACE_MAJOR;
	return 0;
}

int akida_npu_unsupported(struct akida_device *dev, const char *what)
{
	return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENOTSUP,
			  "%s: cannot %s: the open stack does not support this board's NPU "
			  "command interface (no IFACE_MAGIC); memory, DMA and register reads "
			  "work, and BrainChip's SDK still works through /dev/akidaN",
			  dev->info.bdf, what);
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* Wait until IRQ_STATUS has one of @bits; bounded by @timeout_ms. */
int akida_npu_wait(struct akida_device *dev, uint32_t bits, int timeout_ms)
{
	uint64_t deadline = akida_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	unsigned int delay = 10;
	uint32_t st;

	for (;;) {
		if (rd(dev, NPU_IRQ_STATUS, &st))
			return akida_fail(AKIDA_ERR_HARDWARE, EIO, "reading IRQ_STATUS failed");
		if (st == 0xffffffffu)
			return akida_fail(AKIDA_ERR_HARDWARE, ENODEV,
					  "%s: the device stopped answering (registers read all ones)",
					  dev->info.bdf);
		if (st & bits)
			return 0;
		if (akida_now_ns() >= deadline)
			return akida_fail(AKIDA_ERR_HARDWARE, ETIMEDOUT,
					  "%s: the NPU did not complete within %d ms",
					  dev->info.bdf, timeout_ms);
		if (dev->npu.use_irq && dev->ops->wait_irq) {
			int left = (int)((deadline - akida_now_ns()) / 1000000ull) + 1;

			/* sleep on the MSI; wake up now and then in case one is lost */
			dev->ops->wait_irq(dev, left < IRQ_SLICE_MS ? left : IRQ_SLICE_MS);
		} else {
			sleep_us(delay);
			if (delay < 1000)
				delay *= 2;
		}
	}
}

static int npu_error(struct akida_device *dev, const char *what)
{
	uint32_t code = 0;

	rd(dev, NPU_ERROR_CODE, &code);
	return akida_fail(AKIDA_ERR_HARDWARE, EIO, "%s: NPU error %u (%s)", what,
			  code, akida_npu_error_name(code));
}

static int enable(struct akida_device *dev)
{
	uint32_t ctl;

	if (rd(dev, NPU_CONTROL, &ctl))
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "reading CONTROL failed");
	if (!(ctl & NPU_CONTROL_ENABLE) && wr(dev, NPU_CONTROL, ctl | NPU_CONTROL_ENABLE))
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "enabling the NPU failed");
	return 0;
}

/* Issue a command register write and wait for @done (or ERROR). */
static int command(struct akida_device *dev, uint32_t reg, uint32_t val, uint32_t done,
		   const char *what)
{
	uint32_t st;
	int ret;

	wr(dev, NPU_IRQ_STATUS, NPU_IRQ_INFER_DONE | NPU_IRQ_MODEL_DONE | NPU_IRQ_ERROR);
	if (wr(dev, reg, val))
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "%s: register write failed", what);
	ret = akida_npu_wait(dev, done | NPU_IRQ_ERROR,
			     dev->npu.timeout_ms ? dev->npu.timeout_ms : NPU_TIMEOUT_MS);
	if (ret)
		return ret;
	rd(dev, NPU_IRQ_STATUS, &st);
	wr(dev, NPU_IRQ_STATUS, st);
	if (st & NPU_IRQ_ERROR)
		return npu_error(dev, what);
	return 0;
}

/*
 * CONTROL.RESET may return CLOCK_MODE to performance and leave interrupt
 * bits latched (HARDWARE.md does not say): the caller's clock mode survives
 * a reset, as with the kernel driver, and no stale bit is left behind.
 */
static int after_reset(struct akida_device *dev)
{
	if (wr(dev, NPU_CLOCK_MODE, dev->caps.clock_mode))
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "restoring the clock mode failed");
	if (wr(dev, NPU_IRQ_STATUS, NPU_IRQ_INFER_DONE | NPU_IRQ_MODEL_DONE | NPU_IRQ_ERROR))
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "clearing IRQ_STATUS failed");
	return enable(dev);
}

int akida_npu_reset(struct akida_device *dev)
{
	uint64_t deadline = akida_now_ns() + 1000000000ull;
	uint32_t st;

	if (!dev->npu.iface)
		return akida_npu_unsupported(dev, "reset the NPU");

	dev->npu.loaded = 0;
	if (wr(dev, NPU_CONTROL, NPU_CONTROL_RESET))
		return akida_fail(AKIDA_ERR_HARDWARE, EIO, "reset write failed");
	do {
		if (rd(dev, NPU_STATUS, &st))
			return akida_fail(AKIDA_ERR_HARDWARE, EIO, "reading STATUS failed");
		if ((st & NPU_STATUS_READY) && st != 0xffffffffu)
			return after_reset(dev);
		sleep_us(100);
	} while (akida_now_ns() < deadline);
	return akida_fail(AKIDA_ERR_HARDWARE, ETIMEDOUT, "the NPU did not leave reset in 1 s");
}

int akida_npu_load(struct akida_device *dev, const struct akida_program *p)
{
	struct akida_npu *n = &dev->npu;
	const void *img;
	size_t len;
	int ret;

	if (!dev->npu.iface)
		return akida_npu_unsupported(dev, "load a program");

	img = akida_program_image(p, &len);
	n->loaded = 0;
	ret = akida_buf_upload(dev, &n->prog_addr, &n->prog_size, img, len);
	if (ret)
		return ret;
	ret = enable(dev);
	if (ret)
		return ret;
	wr(dev, NPU_MODEL_ADDR_LO, (uint32_t)n->prog_addr);
	wr(dev, NPU_MODEL_ADDR_HI, (uint32_t)(n->prog_addr >> 32));
	wr(dev, NPU_MODEL_SIZE, (uint32_t)len);
	ret = command(dev, NPU_MODEL_LOAD, 1, NPU_IRQ_MODEL_DONE, "program load");
	if (ret)
		return ret;
	n->in_bytes = akida_program_input_bytes(p);
	n->out_bytes = akida_program_output_bytes(p);
	n->loaded = 1;
	return 0;
}

int akida_npu_infer(struct akida_device *dev, const uint8_t *in, unsigned int batch,
		    uint8_t *out, struct akida_run_stats *st)
{
	struct akida_npu *n = &dev->npu;
	uint64_t per = (uint64_t)n->in_bytes + n->out_bytes;
	unsigned int chunk, done = 0;
	uint32_t status, osz;

	if (!dev->npu.iface)
		return akida_npu_unsupported(dev, "run inferences");
	uint64_t t0;
	int ret;

	/* Batches in chunks of at most 65535 inputs and about 8 MiB. */
	chunk = (unsigned int)((8ull << 20) / per);
	if (chunk == 0)
		chunk = 1;
	if (chunk > 65535)
		chunk = 65535;
	if (chunk > batch)
		chunk = batch;
	ret = akida_buf_grow(dev, &n->in_addr, &n->io_cap, per * chunk);
	if (ret)
		return ret;
	n->out_addr = n->in_addr + (uint64_t)n->in_bytes * chunk;
	while (done < batch) {
		unsigned int k = batch - done < chunk ? batch - done : chunk;

		ret = dev->ops->mem_write(dev, n->in_addr, in + (size_t)done * n->in_bytes,
					  (size_t)k * n->in_bytes);
		if (ret)
			return ret;
		wr(dev, NPU_INPUT_ADDR_LO, (uint32_t)n->in_addr);
		wr(dev, NPU_INPUT_ADDR_HI, (uint32_t)(n->in_addr >> 32));
		wr(dev, NPU_INPUT_SIZE, n->in_bytes);
		wr(dev, NPU_OUTPUT_ADDR_LO, (uint32_t)n->out_addr);
		wr(dev, NPU_OUTPUT_ADDR_HI, (uint32_t)(n->out_addr >> 32));
		t0 = akida_now_ns();
		ret = command(dev, NPU_INFER_START, k, NPU_IRQ_INFER_DONE, "inference");
		if (ret)
			return ret;
		/* as seen from the host: start to completion interrupt */
		st->npu_ns += akida_now_ns() - t0;
		rd(dev, NPU_INFER_STATUS, &status);
		rd(dev, NPU_OUTPUT_SIZE, &osz);
		if (!(status & NPU_INFER_DONE) || NPU_INFER_COUNT(status) != k)
			return akida_fail(AKIDA_ERR_HARDWARE, EIO,
					  "inference: the NPU completed %u of %u inputs (status 0x%08x)",
					  NPU_INFER_COUNT(status), k, status);
		if (osz != n->out_bytes)
			return akida_fail(AKIDA_ERR_HARDWARE, EIO,
					  "inference: OUTPUT_SIZE is %u, the program has %u",
					  osz, n->out_bytes);
		ret = dev->ops->mem_read(dev, n->out_addr, out + (size_t)done * n->out_bytes,
					 (size_t)k * n->out_bytes);
		if (ret)
			return ret;
		done += k;
		st->jobs++;
		st->inputs_done = done;
	}
	return 0;
}

int akida_npu_update_weights(struct akida_device *dev, const struct akida_program *p,
			     unsigned int layer)
{
	struct akida_npu *n = &dev->npu;
	const void *w;
	size_t len;
	int ret;

	if (!dev->npu.iface)
		return akida_npu_unsupported(dev, "update weights");

	w = akida_program_layer_weights(p, layer, &len);
	ret = akida_buf_upload(dev, &n->w_addr, &n->w_cap, w, len);
	if (ret)
		return ret;
	wr(dev, NPU_WEIGHT_LAYER, layer);
	wr(dev, NPU_WEIGHT_ADDR_LO, (uint32_t)n->w_addr);
	wr(dev, NPU_WEIGHT_ADDR_HI, (uint32_t)(n->w_addr >> 32));
	return command(dev, NPU_WEIGHT_UPDATE, 1, NPU_IRQ_MODEL_DONE, "weight update");
}
