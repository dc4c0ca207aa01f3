// SPDX-License-Identifier: MIT
/*
 * Host tests of the register-level NPU driver (npu.c, used by the VFIO
 * backend) against a small register model of the command interface built
 * on the golden model: the command sequences, batches, weight updates, and
 * the error paths (NPU error codes, a device that stops answering, a
 * command that never completes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "akida_regs.h"
#include "device.h"
#include "t.h"

#define MEM_SIZE	(1u << 20)

static struct mock {
	uint32_t regs[0x1000];
	uint8_t mem[MEM_SIZE];		/* LPDDR at AXI 0x20000000 */
	struct akida_heap heap;
	struct akida_program *loaded;
	int dead, stuck, fail_code;
	unsigned int commands;
	unsigned int reg_writes;	/* every register write, whatever its effect */
} *m;

static uint64_t addr64(uint32_t lo)
{
	return (uint64_t)m->regs[(lo + 4) / 4] << 32 | m->regs[lo / 4];
}

static uint8_t *at(uint64_t axi, uint64_t len)
{
	if (axi < AXI_LPDDR_BASE || axi - AXI_LPDDR_BASE + len > MEM_SIZE)
		return NULL;
	return m->mem + (axi - AXI_LPDDR_BASE);
}

static void finish(uint32_t irq, uint32_t code)
{
	m->regs[NPU_ERROR_CODE / 4] = code;
	m->regs[NPU_IRQ_STATUS / 4] |= irq | (code ? NPU_IRQ_ERROR : 0);
}

static void command(uint32_t off, uint32_t val)
{
	m->commands++;
	if (m->stuck)
		return;
	if (off == NPU_MODEL_LOAD) {
		uint32_t size = m->regs[NPU_MODEL_SIZE / 4];
		uint8_t *img = at(addr64(NPU_MODEL_ADDR_LO), size);
		unsigned int code = img ? akida_image_check(img, size, 80u * 131072) : 8;

		akida_program_free(m->loaded);
		m->loaded = NULL;
		if (!code && akida_program_from_image(img, size, &m->loaded))
			code = 2;
		m->regs[NPU_OUTPUT_SIZE / 4] = m->loaded ? akida_program_output_bytes(m->loaded) : 0;
		finish(NPU_IRQ_MODEL_DONE, code);
	} else if (off == NPU_WEIGHT_UPDATE) {
		unsigned int layer = m->regs[NPU_WEIGHT_LAYER / 4];
		struct akida_layer_info li;
		uint8_t *w, *img;
		size_t len;

		if (!m->loaded)
			return finish(NPU_IRQ_MODEL_DONE, 6);
		if (akida_program_layer(m->loaded, layer, &li))
			return finish(NPU_IRQ_MODEL_DONE, 2);
		w = at(addr64(NPU_WEIGHT_ADDR_LO), li.weight_bytes);
		if (!w)
			return finish(NPU_IRQ_MODEL_DONE, 8);
		img = (uint8_t *)akida_program_image(m->loaded, &len);
		memcpy(img + li.offset + 16, w, li.weight_bytes);
		finish(NPU_IRQ_MODEL_DONE, 0);
	} else if (off == NPU_INFER_START && val) {
		uint32_t ib, ob = m->regs[NPU_OUTPUT_SIZE / 4];
		uint8_t *in, *out;

		m->regs[NPU_INFER_STATUS / 4] = 0;
		if (!m->loaded)
			return finish(NPU_IRQ_INFER_DONE, 6);
		ib = akida_program_input_bytes(m->loaded);
		if (m->regs[NPU_INPUT_SIZE / 4] != ib)
			return finish(NPU_IRQ_INFER_DONE, 7);
		in = at(addr64(NPU_INPUT_ADDR_LO), (uint64_t)ib * val);
		out = at(addr64(NPU_OUTPUT_ADDR_LO), (uint64_t)ob * val);
		if (!in || !out)
			return finish(NPU_IRQ_INFER_DONE, 8);
		if (m->fail_code) {
			m->regs[NPU_INFER_STATUS / 4] = NPU_INFER_ERROR;
			return finish(NPU_IRQ_INFER_DONE, (uint32_t)m->fail_code);
		}
		akida_program_run(m->loaded, in, val, out);
		m->regs[NPU_INFER_STATUS / 4] = NPU_INFER_DONE | val << 16;
		finish(NPU_IRQ_INFER_DONE, 0);
	}
}

static int mock_rd(struct akida_device *dev, uint32_t off, uint32_t *v)
{
	(void)dev;
	*v = m->dead ? 0xffffffffu : off / 4 < 0x1000 ? m->regs[off / 4] : 0;
	return 0;
}

static int mock_wr(struct akida_device *dev, uint32_t off, uint32_t v)
{
	(void)dev;
	m->reg_writes++;
	if (m->dead || off / 4 >= 0x1000)
		return 0;
	if (off == NPU_IRQ_STATUS) {
		m->regs[off / 4] &= ~v;
		return 0;
	}
	if (off == NPU_CONTROL && (v & NPU_CONTROL_RESET)) {
		m->regs[NPU_CONTROL / 4] = 0;
		return 0;
	}
	m->regs[off / 4] = v;
	if (off == NPU_MODEL_LOAD || off == NPU_WEIGHT_UPDATE || off == NPU_INFER_START)
		command(off, v);
	return 0;
}

static int mock_alloc(struct akida_device *dev, uint64_t size, uint64_t *addr)
{
	(void)dev;
	return akida_heap_alloc(&m->heap, size, 256, addr);
}

static int mock_free(struct akida_device *dev, uint64_t addr)
{
	(void)dev;
	return akida_heap_free(&m->heap, addr);
}

static int mock_write(struct akida_device *dev, uint64_t addr, const void *b, size_t len)
{
	uint8_t *p = at(addr, len);

	(void)dev;
	if (!p)
		return akida_fail(AKIDA_ERR_TRANSFER, EIO, "mock: bad address");
	memcpy(p, b, len);
	return 0;
}

static int mock_read(struct akida_device *dev, uint64_t addr, void *b, size_t len)
{
	uint8_t *p = at(addr, len);

	(void)dev;
	if (!p)
		return akida_fail(AKIDA_ERR_TRANSFER, EIO, "mock: bad address");
	memcpy(b, p, len);
	return 0;
}

static int mock_open(struct akida_device *dev)
{
	(void)dev;
	return 0;
}

static void mock_close(struct akida_device *dev)
{
	(void)dev;
}

static const struct akida_backend_ops mock_ops = {
	.kind = AKIDA_BACKEND_VFIO,
	.open = mock_open, .close = mock_close,
	.reg_read = mock_rd, .reg_write = mock_wr,
	.mem_alloc = mock_alloc, .mem_free = mock_free,
	.mem_write = mock_write, .mem_read = mock_read,
};

/* A mock NPU; @iface: with the [model] interface's IFACE_MAGIC. */
static struct akida_device *mock_device_iface(int iface)
{
	struct akida_device *dev = calloc(1, sizeof(*dev));

	m = calloc(1, sizeof(*m));
	CHECK(dev && m);
	m->regs[NPU_DEVICE_ID / 4] = 0x194000a1;
	m->regs[NPU_VERSION / 4] = 0x00010000;
	m->regs[NPU_IFACE_MAGIC / 4] = iface ? NPU_IFACE_MAGIC_VALUE : 0;
	m->regs[NPU_NP_COUNT / 4] = 80;
	m->regs[NPU_STATUS / 4] = NPU_STATUS_READY;
	m->heap.base = AXI_LPDDR_BASE + 0x100;
	m->heap.size = MEM_SIZE - 0x100;
	dev->ops = &mock_ops;
	snprintf(dev->info.bdf, sizeof(dev->info.bdf), "mock");
	CHECK_EQ(akida_read_identity(dev), 0);
	dev->caps.features = AKIDA_FEAT_REGS | AKIDA_FEAT_DMA |
			     (iface ? AKIDA_FEAT_INFER | AKIDA_FEAT_WEIGHTS : 0);
	dev->npu.timeout_ms = 200;
	return dev;
}

static struct akida_device *mock_device(void)
{
	return mock_device_iface(1);
}

/* Undo mock_device(): close @dev, then free the mock and what it holds. */
static void mock_destroy(struct akida_device *dev)
{
	akida_close(dev);
	akida_program_free(m->loaded);
	akida_heap_destroy(&m->heap);
	free(m);
}

static long golden_diff(struct akida_device *dev, struct akida_program *p,
			unsigned int batch, uint64_t seed)
{
	uint32_t ib = akida_program_input_bytes(p), ob = akida_program_output_bytes(p);
	uint8_t *in = malloc((size_t)ib * batch), *out = calloc(batch, ob), *g = calloc(batch, ob);
	long diff = 0;
	size_t i;

	CHECK(in && out && g);
	akida_random_bytes(seed, in, (size_t)ib * batch);
	if (akida_infer(dev, in, batch, out, NULL))
		diff = -1;
	akida_program_run(p, in, batch, g);
	for (i = 0; diff >= 0 && i < (size_t)ob * batch; i++)
		diff += out[i] != g[i];
	free(in);
	free(out);
	free(g);
	return diff;
}

TEST(npu_identity_and_load_infer)
{
	struct akida_device *dev = mock_device();
	struct akida_program *p;

	CHECK_EQ(dev->caps.device_id, 0x194000a1u);
	CHECK_EQ(dev->caps.np_count, 80);
	CHECK_EQ(dev->caps.sram_size, 80u * 131072);
	CHECK_EQ(akida_program_random(1, NULL, &p), 0);
	CHECK_EQ(akida_load(dev, p), 0);
	CHECK(m->regs[NPU_CONTROL / 4] & NPU_CONTROL_ENABLE);
	CHECK_EQ(golden_diff(dev, p, 1, 1), 0);
	CHECK_EQ(golden_diff(dev, p, 100, 2), 0);
	/* one batch is one INFER_START */
	m->commands = 0;
	CHECK_EQ(golden_diff(dev, p, 1, 3), 0);
	CHECK_EQ(m->commands, 1);
	akida_program_free(p);
	mock_destroy(dev);
}

TEST(npu_weight_update_without_reload)
{
	struct akida_device *dev = mock_device();
	struct akida_program *p;
	struct akida_layer_info li;
	int8_t w[64 * 48];
	unsigned int loads;

	CHECK_EQ(akida_program_random(4, NULL, &p), 0);
	CHECK_EQ(akida_load(dev, p), 0);
	akida_program_layer(p, 0, &li);
	akida_random_bytes(9, w, sizeof(w));
	CHECK_EQ(akida_program_set_weights(p, 0, w), 0);
	loads = m->commands;
	CHECK_EQ(akida_update_weights(dev, p, 0), 0);
	CHECK_EQ(m->commands, loads + 1);	/* one WEIGHT_UPDATE, no MODEL_LOAD */
	CHECK_EQ(golden_diff(dev, p, 7, 5), 0);
	CHECK_EQ(akida_update_weights(dev, p, 9), -EINVAL);
	akida_program_free(p);
	mock_destroy(dev);
}

TEST(npu_errors_map_to_the_taxonomy)
{
	struct akida_device *dev = mock_device();
	struct akida_program *p;
	uint8_t in[64] = { 0 }, out[10];

	CHECK_EQ(akida_program_random(6, NULL, &p), 0);
	CHECK_EQ(akida_infer(dev, in, 1, out, NULL), -EINVAL);	/* nothing loaded */
	CHECK_EQ(akida_load(dev, p), 0);

	m->fail_code = 7;
	CHECK_EQ(akida_infer(dev, in, 1, out, NULL), -EIO);
	CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_HARDWARE);
	CHECK_MSG(strstr(akida_error_message(), "NPU error 7 (input size mismatch)"), "%s",
		  akida_error_message());
	m->fail_code = 0;
	CHECK_EQ(akida_infer(dev, in, 1, out, NULL), 0);

	m->stuck = 1;		/* never completes: bounded wait */
	CHECK_EQ(akida_infer(dev, in, 1, out, NULL), -ETIMEDOUT);
	CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_HARDWARE);
	CHECK(strstr(akida_error_message(), "did not complete"));
	m->stuck = 0;

	m->dead = 1;		/* registers read all ones */
	CHECK_EQ(akida_infer(dev, in, 1, out, NULL), -ENODEV);
	CHECK(strstr(akida_error_message(), "stopped answering"));
	m->dead = 0;

	CHECK_EQ(akida_reset(dev), 0);
	CHECK_EQ(akida_infer(dev, in, 1, out, NULL), -EINVAL);	/* reset dropped it */
	CHECK_EQ(akida_load(dev, p), 0);
	CHECK_EQ(golden_diff(dev, p, 3, 8), 0);
	akida_program_free(p);
	mock_destroy(dev);
}

/* Unknown silicon: no [model] register is written, and the error says why. */
TEST(npu_without_iface_magic_writes_nothing)
{
	struct akida_device *dev = mock_device_iface(0);
	struct akida_program *p;
	uint8_t in[64] = { 0 }, out[10];
	uint32_t v;

	CHECK_EQ(akida_program_random(6, NULL, &p), 0);
	CHECK_EQ(akida_load(dev, p), -ENOTSUP);
	CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_BACKEND_UNAVAILABLE);
	CHECK_MSG(strstr(akida_error_message(), "open stack does not support") &&
		  strstr(akida_error_message(), "BrainChip's SDK still works"), "%s",
		  akida_error_message());
	CHECK_EQ(akida_infer(dev, in, 1, out, NULL), -ENOTSUP);
	CHECK_EQ(akida_update_weights(dev, p, 0), -ENOTSUP);
	CHECK_EQ(akida_reset(dev), -ENOTSUP);
	CHECK_EQ(akida_check_infer(dev), -ENOTSUP);
	CHECK_EQ(akida_reg_read(dev, NPU_DEVICE_ID, &v), 0);
	CHECK_EQ(v, 0x194000a1u);
	CHECK_EQ(m->reg_writes, 0);
	akida_program_free(p);
	mock_destroy(dev);
}

TEST(heap_first_fit)
{
	struct akida_heap h = { .base = 0x1000, .size = 0x1000 };
	uint64_t a, b, c;

	CHECK_EQ(akida_heap_alloc(&h, 0x400, 0x100, &a), 0);
	CHECK_EQ(akida_heap_alloc(&h, 0x400, 0x100, &b), 0);
	CHECK_EQ(a, 0x1000);
	CHECK_EQ(b, 0x1400);
	CHECK_EQ(akida_heap_alloc(&h, 0x900, 0x100, &c), -ENOMEM);
	CHECK_EQ(akida_heap_free(&h, a), 0);
	CHECK_EQ(akida_heap_alloc(&h, 0x300, 0x100, &c), 0);
	CHECK_EQ(c, 0x1000);
	CHECK_EQ(akida_heap_free(&h, 0x1234), -EINVAL);
	akida_heap_destroy(&h);
}
