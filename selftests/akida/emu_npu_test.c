// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated AKD1000's NPU command interface on its own (no driver): the
 * program checks (every ERROR_CODE), the compute semantics against this
 * test's own reference, batches, weight updates, CONTROL and the register
 * rules of Documentation/npu-interface.rst, clock modes and modeled time,
 * completion by polling and by the NPU IMWr, and the NPU fault injections.
 *
 * Images, inputs and outputs go through BAR4 (LPDDR). Only the IMWr test
 * needs a physical address (it SKIPs under an IOMMU). Runs as root; unbinds
 * akida_pcie and rebinds it at the end.
 */
#include "kselftest_harness.h"
#include "emu_util.h"

#define MODEL_AXI	0x20010000u
#define INPUT_AXI	0x20100000u
#define OUTPUT_AXI	0x20200000u
#define WEIGHT_AXI	0x20300000u

#define ST_READY	(1u << 0)
#define ST_BUSY		(1u << 1)
#define ST_ERROR	(1u << 2)
#define ST_LOADED	(1u << 3)
#define CTL_RESET	(1u << 0)
#define CTL_ENABLE	(1u << 1)
#define CTL_POWER_SAVE	(1u << 2)
#define IRQ_INFER	(1u << 0)
#define IRQ_MODEL	(1u << 1)
#define IRQ_ERROR	(1u << 2)

/* ---- program images and the reference ----------------------------------- */

struct layer {
	uint8_t wbits, abits;
	uint32_t in, out;
	int8_t *w;		/* [out][in], values in range for wbits */
	int32_t *th;
	uint8_t *sh;
};

struct model {
	int n;
	struct layer l[4];
};

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return ~c;
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static size_t wbytes(const struct layer *l)
{
	size_t n = (size_t)l->in * l->out;

	return l->wbits == 8 ? n : (n + 1) / 2;
}

static size_t payload(const struct layer *l)
{
	return (wbytes(l) + 5 * (size_t)l->out + 3) & ~(size_t)3;
}

static void pack_weights(const struct layer *l, uint8_t *p)
{
	size_t i, n = (size_t)l->in * l->out;

	if (l->wbits == 8) {
		memcpy(p, l->w, n);
		return;
	}
	memset(p, 0, wbytes(l));
	for (i = 0; i < n; i++)
		p[i / 2] |= (l->w[i] & 0xf) << (i & 1 ? 4 : 0);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* The image of @m into @img (large enough); returns its size. */
static size_t build(const struct model *m, uint8_t *img)
{
	size_t off = 32;
	int i;
	uint32_t o;

	memset(img, 0, 32);
	memcpy(img, "AKP1", 4);
	img[4] = 1;
	img[6] = m->n;
	put32(img + 8, m->l[0].in);
	put32(img + 12, m->l[m->n - 1].out);
	for (i = 0; i < m->n; i++) {
		const struct layer *l = &m->l[i];
		uint8_t *d = img + off, *p = d + 16;

		memset(d, 0, 16 + payload(l));
		d[0] = 1;
		d[1] = l->wbits;
		d[2] = l->abits;
		put32(d + 4, l->in);
		put32(d + 8, l->out);
		put32(d + 12, payload(l));
		pack_weights(l, p);
		for (o = 0; o < l->out; o++)
			put32(p + wbytes(l) + 4 * o, (uint32_t)l->th[o]);
		memcpy(p + wbytes(l) + 4 * l->out, l->sh, l->out);
		off += 16 + payload(l);
	}
	put32(img + 16, off);
	put32(img + 20, crc32_ieee(img + 32, off - 32));
	return off;
}

static void refix_crc(uint8_t *img, size_t len)
{
	put32(img + 20, crc32_ieee(img + 32, len - 32));
}

static void make_layer(struct layer *l, uint8_t wbits, uint8_t abits,
		       uint32_t in, uint32_t out)
{
	size_t i, n = (size_t)in * out;

	l->wbits = wbits;
	l->abits = abits;
	l->in = in;
	l->out = out;
	l->w = malloc(n);
	l->th = malloc(4 * out);
	l->sh = malloc(out);
	for (i = 0; i < n; i++)
		l->w[i] = wbits == 8 ? (int8_t)rnd() : (int8_t)((int)(rnd() % 16) - 8);
	for (i = 0; i < out; i++) {
		l->th[i] = (int32_t)(rnd() % 4000) - 1500;
		l->sh[i] = rnd() % 9;
	}
	l->sh[0] = 70;	/* shifts past 63 clamp to 63 */
}

static void free_model(struct model *m)
{
	int i;

	for (i = 0; i < m->n; i++) {
		free(m->l[i].w);
		free(m->l[i].th);
		free(m->l[i].sh);
	}
}

static void reference(const struct model *m, const uint8_t *x0, uint8_t *y)
{
	uint8_t a[4096], b[4096];
	int i;
	uint32_t o, k;

	memcpy(a, x0, m->l[0].in);
	for (i = 0; i < m->n; i++) {
		const struct layer *l = &m->l[i];
		int64_t maxv = (1 << l->abits) - 1;

		for (o = 0; o < l->out; o++) {
			int64_t acc = 0;

			for (k = 0; k < l->in; k++)
				acc += (int64_t)l->w[(size_t)o * l->in + k] * a[k];
			acc -= l->th[o];
			acc >>= l->sh[o] < 63 ? l->sh[o] : 63;
			b[o] = acc < 0 ? 0 : acc > maxv ? maxv : acc;
		}
		memcpy(a, b, l->out);
	}
	memcpy(y, a, m->l[m->n - 1].out);
}

/* ---- fixture and command helpers ----------------------------------------- */

FIXTURE(npu) {
	struct emu_dev d;
	uint32_t timing;	/* the mode to restore */
	struct model m;
	uint8_t *img;
	size_t len;
};

FIXTURE_SETUP(npu)
{
	if (geteuid())
		SKIP(return, "needs root");
	if (emu_find(&self->d))
		ABSENT(return, "no emulated AKD1000 (1e7c:bca1)");
	ASSERT_EQ(0, emu_open(&self->d));
	emu_atu_default(&self->d);
	self->timing = emu_tw_r(&self->d, AKIDA_EMU_TIMING);
	emu_tw_w(&self->d, AKIDA_EMU_TIMING, 0);
	emu_tw_w(&self->d, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS |
		 AKIDA_EMU_CTRL_RESET_COUNTERS);
	emu_npu_w(&self->d, EMU_NPU_CONTROL, CTL_ENABLE);
	/* 24 -> 16 (8-bit weights, 8-bit activations) -> 5 (4-bit, 2-bit). */
	rnd_state = 12345;
	self->m.n = 2;
	make_layer(&self->m.l[0], 8, 8, 24, 16);
	make_layer(&self->m.l[1], 4, 2, 16, 5);
	self->img = calloc(1, 1 << 20);
	ASSERT_NE(NULL, self->img);
	self->len = build(&self->m, self->img);
}

FIXTURE_TEARDOWN(npu)
{
	if (self->d.bar[0] && self->d.cfg >= 0)
		emu_tw_w(&self->d, AKIDA_EMU_TIMING, self->timing);
	free_model(&self->m);
	free(self->img);
	if (self->d.bdf[0])
		emu_close(&self->d);
}

static uint32_t wait_idle(struct emu_dev *d)
{
	return emu_poll(d, 0, EMU_NPU_STATUS, ST_BUSY, 0, 5000);
}

/* MODEL_LOAD of @len bytes at @axi; returns ERROR_CODE (0: loaded). */
static uint32_t load_at(struct emu_dev *d, uint32_t axi, uint32_t len)
{
	uint32_t st;

	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	emu_npu_w64(d, EMU_NPU_MODEL_ADDR, axi);
	emu_npu_w(d, EMU_NPU_MODEL_SIZE, len);
	emu_npu_w(d, EMU_NPU_MODEL_LOAD, 1);
	st = wait_idle(d);
	if (st & ST_BUSY)
		return 0xdead;
	return emu_npu_r(d, EMU_NPU_ERROR_CODE);
}

static uint32_t load(struct emu_dev *d, const uint8_t *img, size_t len)
{
	emu_lpddr_write(d, MODEL_AXI, img, len);
	return load_at(d, MODEL_AXI, len);
}

/* A batch of @n; returns INFER_STATUS. */
static uint32_t infer(struct emu_dev *d, uint32_t n, uint32_t in_size)
{
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	emu_npu_w64(d, EMU_NPU_INPUT_ADDR, INPUT_AXI);
	emu_npu_w(d, EMU_NPU_INPUT_SIZE, in_size);
	emu_npu_w64(d, EMU_NPU_OUTPUT_ADDR, OUTPUT_AXI);
	emu_npu_w(d, EMU_NPU_INFER_START, n);
	wait_idle(d);
	return emu_npu_r(d, EMU_NPU_INFER_STATUS);
}

/* Random inputs for a batch of @n, written to LPDDR. */
static void put_inputs(struct emu_dev *d, uint8_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = rnd();
	emu_lpddr_write(d, INPUT_AXI, x, n);
}

/* ---- semantics ------------------------------------------------------------ */

TEST_F(npu, load_and_infer)
{
	struct emu_dev *d = &self->d;
	uint8_t x[24], y[8], want[8];

	EXPECT_EQ(ST_READY, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_OUTPUT_SIZE));
	ASSERT_EQ(0u, load(d, self->img, self->len));
	EXPECT_EQ(ST_READY | ST_LOADED, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(IRQ_MODEL, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(5u, emu_npu_r(d, EMU_NPU_OUTPUT_SIZE));
	put_inputs(d, x, 24);
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	EXPECT_EQ(IRQ_INFER, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	emu_lpddr_read(d, OUTPUT_AXI, y, 5);
	reference(&self->m, x, want);
	EXPECT_EQ(0, memcmp(y, want, 5));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_INFERENCES));
	/* IRQ_STATUS is write-1-to-clear. */
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, IRQ_INFER);
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
}

TEST_F(npu, batch_and_shapes)
{
	struct emu_dev *d = &self->d;
	struct model m = { .n = 3 };
	static uint8_t img[1 << 16], x[7 * 33], y[7 * 3], want[3];
	size_t len;
	int i;

	/* Odd sizes: 4-bit weights with an odd weight count, 1-bit outputs. */
	make_layer(&m.l[0], 4, 4, 33, 17);
	make_layer(&m.l[1], 8, 1, 17, 9);
	make_layer(&m.l[2], 4, 8, 9, 3);
	len = build(&m, img);
	ASSERT_EQ(0u, load(d, img, len));
	EXPECT_EQ(3u, emu_npu_r(d, EMU_NPU_OUTPUT_SIZE));
	put_inputs(d, x, sizeof(x));
	EXPECT_EQ(1u | (7u << 16), infer(d, 7, 33));
	emu_lpddr_read(d, OUTPUT_AXI, y, sizeof(y));
	for (i = 0; i < 7; i++) {
		reference(&m, x + 33 * i, want);
		EXPECT_EQ(0, memcmp(y + 3 * i, want, 3));
	}
	EXPECT_EQ(7u, emu_counter(d, AKIDA_EMU_CNT_INFERENCES));
	free_model(&m);
}

TEST_F(npu, weight_update)
{
	struct emu_dev *d = &self->d;
	uint8_t x[24], y[8], want[8], packed[64], before[64];
	size_t i;

	ASSERT_EQ(0u, load(d, self->img, self->len));
	for (i = 0; i < 16 * 5; i++)
		self->m.l[1].w[i] = (int8_t)((int)(rnd() % 16) - 8);
	pack_weights(&self->m.l[1], packed);
	emu_lpddr_write(d, WEIGHT_AXI, packed, wbytes(&self->m.l[1]));
	emu_lpddr_read(d, MODEL_AXI, before, sizeof(before));
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	emu_npu_w(d, EMU_NPU_WEIGHT_LAYER, 1);
	emu_npu_w64(d, EMU_NPU_WEIGHT_ADDR, WEIGHT_AXI);
	emu_npu_w(d, EMU_NPU_WEIGHT_UPDATE, 1);
	wait_idle(d);
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	EXPECT_EQ(IRQ_MODEL, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	put_inputs(d, x, 24);
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	emu_lpddr_read(d, OUTPUT_AXI, y, 5);
	reference(&self->m, x, want);
	EXPECT_EQ(0, memcmp(y, want, 5));
	/* The image in LPDDR did not change. */
	emu_lpddr_read(d, MODEL_AXI, packed, sizeof(packed));
	EXPECT_EQ(0, memcmp(before, packed, sizeof(packed)));
}

/* ---- program checks: one per ERROR_CODE ------------------------------------ */

static void expect_failed_load(struct __test_metadata *_metadata,
			       struct emu_dev *d, uint32_t code)
{
	EXPECT_EQ(ST_READY | ST_ERROR, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(IRQ_MODEL | IRQ_ERROR, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(code, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_OUTPUT_SIZE));
}

TEST_F(npu, error_1_magic_version)
{
	struct emu_dev *d = &self->d;
	uint8_t *img = self->img;

	img[0] = 'X';
	EXPECT_EQ(1u, load(d, img, self->len));
	expect_failed_load(_metadata, d, 1);
	img[0] = 'A';
	img[4] = 2;
	EXPECT_EQ(1u, load(d, img, self->len));
	img[4] = 1;
	img[30] = 1;	/* reserved */
	EXPECT_EQ(1u, load(d, img, self->len));
	img[30] = 0;
	EXPECT_EQ(0u, load(d, img, self->len));
	/* A success clears ERROR and ERROR_CODE. */
	EXPECT_EQ(ST_READY | ST_LOADED, emu_npu_r(d, EMU_NPU_STATUS));
}

TEST_F(npu, error_2_sizes_and_malformed)
{
	struct emu_dev *d = &self->d;
	uint8_t *img = self->img;
	size_t len = self->len;

	ASSERT_EQ(0u, load(d, img, len));
	/* MODEL_SIZE differs from the header's total. */
	EXPECT_EQ(2u, load(d, img, len - 4));
	expect_failed_load(_metadata, d, 2);	/* and the old model is gone */
	EXPECT_EQ(2u, load(d, img, len + 4));
	EXPECT_EQ(2u, load(d, img, 16));
	/* Layer fields (CRC fixed each time so only the field is wrong). */
	img[32] = 2;			/* kind */
	refix_crc(img, len);
	EXPECT_EQ(2u, load(d, img, len));
	img[32] = 1;
	img[33] = 3;			/* weight bits */
	refix_crc(img, len);
	EXPECT_EQ(2u, load(d, img, len));
	img[33] = 8;
	img[34] = 3;			/* activation bits */
	refix_crc(img, len);
	EXPECT_EQ(2u, load(d, img, len));
	img[34] = 8;
	img[35] = 1;			/* reserved */
	refix_crc(img, len);
	EXPECT_EQ(2u, load(d, img, len));
	img[35] = 0;
	put32(img + 44, payload(&self->m.l[0]) + 4);	/* payload size */
	refix_crc(img, len);
	EXPECT_EQ(2u, load(d, img, len));
	put32(img + 44, payload(&self->m.l[0]));
	img[6] = 0;			/* no layers */
	EXPECT_EQ(2u, load(d, img, len));
	img[6] = 2;
	refix_crc(img, len);
	EXPECT_EQ(0u, load(d, img, len));
}

TEST_F(npu, error_3_crc)
{
	struct emu_dev *d = &self->d;

	self->img[60] ^= 0x40;
	EXPECT_EQ(3u, load(d, self->img, self->len));
	expect_failed_load(_metadata, d, 3);
}

TEST_F(npu, error_4_chaining)
{
	struct emu_dev *d = &self->d;
	struct model m = { .n = 2 };
	static uint8_t img[1 << 16];
	size_t len;

	/* Header input bytes differ from layer 0's inputs. */
	put32(self->img + 8, 23);
	EXPECT_EQ(4u, load(d, self->img, self->len));
	expect_failed_load(_metadata, d, 4);
	put32(self->img + 8, 24);
	put32(self->img + 12, 6);	/* output bytes */
	EXPECT_EQ(4u, load(d, self->img, self->len));
	/* Layer 0's outputs differ from layer 1's inputs. */
	make_layer(&m.l[0], 8, 8, 10, 6);
	make_layer(&m.l[1], 8, 8, 7, 3);
	len = build(&m, img);
	EXPECT_EQ(4u, load(d, img, len));
	free_model(&m);
}

TEST_F(npu, error_5_sram_capacity)
{
	struct emu_dev *d = &self->d;
	int i;

	/* No NP enabled: nothing fits. */
	for (i = 0; i < 3; i++)
		emu_npu_w(d, 0x1e0c + 4 * i, 0);
	EXPECT_EQ(5u, load(d, self->img, self->len));
	expect_failed_load(_metadata, d, 5);
	emu_npu_w(d, 0x1e0c, 1);	/* one NP: 128 KiB */
	EXPECT_EQ(0u, load(d, self->img, self->len));
}

TEST_F(npu, error_6_no_model)
{
	struct emu_dev *d = &self->d;

	EXPECT_EQ(2u, infer(d, 1, 24));	/* INFER_STATUS.ERROR */
	EXPECT_EQ(6u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	EXPECT_EQ(IRQ_INFER | IRQ_ERROR, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(ST_READY | ST_ERROR, emu_npu_r(d, EMU_NPU_STATUS));
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	emu_npu_w(d, EMU_NPU_WEIGHT_LAYER, 0);
	emu_npu_w64(d, EMU_NPU_WEIGHT_ADDR, WEIGHT_AXI);
	emu_npu_w(d, EMU_NPU_WEIGHT_UPDATE, 1);
	wait_idle(d);
	EXPECT_EQ(6u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	EXPECT_EQ(IRQ_MODEL | IRQ_ERROR, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
}

TEST_F(npu, error_7_input_size)
{
	struct emu_dev *d = &self->d;

	ASSERT_EQ(0u, load(d, self->img, self->len));
	EXPECT_EQ(2u, infer(d, 1, 25));
	EXPECT_EQ(7u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	/* The model stays loaded after a failed run. */
	EXPECT_EQ(ST_READY | ST_ERROR | ST_LOADED, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	EXPECT_EQ(ST_READY | ST_LOADED, emu_npu_r(d, EMU_NPU_STATUS));
}

TEST_F(npu, error_8_outside_lpddr)
{
	struct emu_dev *d = &self->d;
	uint32_t end = EMU_AXI_LPDDR + (uint32_t)d->bar_size[4];

	/* An image in SRAM, or running past the end of LPDDR. */
	EXPECT_EQ(8u, load_at(d, EMU_AXI_SRAM, self->len));
	expect_failed_load(_metadata, d, 8);
	EXPECT_EQ(8u, load_at(d, end - 16, self->len));
	ASSERT_EQ(0u, load(d, self->img, self->len));
	/* Inputs: the whole batch must be inside. */
	emu_npu_w64(d, EMU_NPU_INPUT_ADDR, end - 24);
	emu_npu_w(d, EMU_NPU_INPUT_SIZE, 24);
	emu_npu_w64(d, EMU_NPU_OUTPUT_ADDR, OUTPUT_AXI);
	emu_npu_w(d, EMU_NPU_INFER_START, 2);
	wait_idle(d);
	EXPECT_EQ(8u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	EXPECT_EQ(2u, emu_npu_r(d, EMU_NPU_INFER_STATUS));
	/* Outputs. */
	emu_npu_w64(d, EMU_NPU_INPUT_ADDR, INPUT_AXI);
	emu_npu_w64(d, EMU_NPU_OUTPUT_ADDR, end - 4);
	emu_npu_w(d, EMU_NPU_INFER_START, 1);
	wait_idle(d);
	EXPECT_EQ(8u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	/* A 64-bit address. */
	emu_npu_w64(d, EMU_NPU_OUTPUT_ADDR, (1ull << 32) | OUTPUT_AXI);
	emu_npu_w(d, EMU_NPU_INFER_START, 1);
	wait_idle(d);
	EXPECT_EQ(8u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	/* Weights. */
	emu_npu_w(d, EMU_NPU_WEIGHT_LAYER, 0);
	emu_npu_w64(d, EMU_NPU_WEIGHT_ADDR, end - 8);
	emu_npu_w(d, EMU_NPU_WEIGHT_UPDATE, 1);
	wait_idle(d);
	EXPECT_EQ(8u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	/* A layer past the last: malformed. */
	emu_npu_w(d, EMU_NPU_WEIGHT_LAYER, 2);
	emu_npu_w64(d, EMU_NPU_WEIGHT_ADDR, WEIGHT_AXI);
	emu_npu_w(d, EMU_NPU_WEIGHT_UPDATE, 1);
	wait_idle(d);
	EXPECT_EQ(2u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
}

/* ---- register rules ------------------------------------------------------------ */

TEST_F(npu, control_and_register_rules)
{
	struct emu_dev *d = &self->d;

	/* ENABLE clear: commands are ignored. */
	emu_npu_w(d, EMU_NPU_CONTROL, CTL_POWER_SAVE);
	EXPECT_EQ(CTL_POWER_SAVE, emu_npu_r(d, EMU_NPU_CONTROL));
	emu_lpddr_write(d, MODEL_AXI, self->img, self->len);
	emu_npu_w64(d, EMU_NPU_MODEL_ADDR, MODEL_AXI);
	emu_npu_w(d, EMU_NPU_MODEL_SIZE, self->len);
	emu_npu_w(d, EMU_NPU_MODEL_LOAD, 1);
	usleep(50000);
	EXPECT_EQ(ST_READY, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	emu_npu_w(d, EMU_NPU_CONTROL, CTL_ENABLE);
	ASSERT_EQ(0u, load(d, self->img, self->len));

	/* CLOCK_MODE takes 0..2 only. */
	emu_npu_w(d, EMU_NPU_CLOCK_MODE, 2);
	EXPECT_EQ(2u, emu_npu_r(d, EMU_NPU_CLOCK_MODE));
	emu_npu_w(d, EMU_NPU_CLOCK_MODE, 3);
	EXPECT_EQ(2u, emu_npu_r(d, EMU_NPU_CLOCK_MODE));
	emu_npu_w(d, EMU_NPU_CLOCK_MODE, 0);
	/* OUTPUT_SIZE is read-only. */
	emu_npu_w(d, EMU_NPU_OUTPUT_SIZE, 99);
	EXPECT_EQ(5u, emu_npu_r(d, EMU_NPU_OUTPUT_SIZE));
	/* INFER_START 0 (and past 65535) is ignored. */
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	emu_npu_w(d, EMU_NPU_INFER_START, 0);
	emu_npu_w(d, EMU_NPU_INFER_START, 65536);
	usleep(50000);
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	/* IRQ_ENABLE keeps the three bits. */
	emu_npu_w(d, EMU_NPU_IRQ_ENABLE, 0xff);
	EXPECT_EQ(7u, emu_npu_r(d, EMU_NPU_IRQ_ENABLE));
	emu_npu_w(d, EMU_NPU_IRQ_ENABLE, 0);

	/*
	 * RESET: model, ERROR_CODE, INFER_STATUS cleared, ENABLE clear;
	 * CLOCK_MODE back to 0; latched IRQ_STATUS bits kept (the strict
	 * reading of what HARDWARE.md leaves open).
	 */
	EXPECT_EQ(2u, infer(d, 1, 23));
	EXPECT_NE(0u, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	emu_npu_w(d, EMU_NPU_CLOCK_MODE, 1);
	{
		uint32_t latched = emu_npu_r(d, EMU_NPU_IRQ_STATUS);

		emu_npu_w(d, EMU_NPU_CONTROL, CTL_RESET | CTL_ENABLE);
		EXPECT_EQ(latched, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	}
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_CONTROL));
	EXPECT_EQ(ST_READY, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_CLOCK_MODE));
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_INFER_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_OUTPUT_SIZE));
}

TEST_F(npu, busy_and_fault_delay)
{
	struct emu_dev *d = &self->d;
	uint8_t x[24];

	ASSERT_EQ(0u, load(d, self->img, self->len));
	put_inputs(d, x, 24);
	/*
	 * Generous: the checks below must run within the delay even on a
	 * loaded host under single-threaded TCG.
	 */
	emu_tw_w(d, AKIDA_EMU_FAULT_DELAY_US, 3000000);
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	emu_npu_w64(d, EMU_NPU_INPUT_ADDR, INPUT_AXI);
	emu_npu_w(d, EMU_NPU_INPUT_SIZE, 24);
	emu_npu_w64(d, EMU_NPU_OUTPUT_ADDR, OUTPUT_AXI);
	emu_npu_w(d, EMU_NPU_INFER_START, 1);
	EXPECT_EQ(ST_BUSY | ST_LOADED, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_INFER_STATUS));
	/* Commands while busy are ignored. */
	emu_npu_w(d, EMU_NPU_INFER_START, 3);
	emu_npu_w(d, EMU_NPU_MODEL_LOAD, 1);
	usleep(100000);
	EXPECT_EQ(ST_BUSY | ST_LOADED, emu_npu_r(d, EMU_NPU_STATUS));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(ST_READY | ST_LOADED, wait_idle(d));
	EXPECT_EQ(1u | (1u << 16), emu_npu_r(d, EMU_NPU_INFER_STATUS));
	EXPECT_EQ(IRQ_INFER, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
}

TEST_F(npu, fault_npu_error)
{
	struct emu_dev *d = &self->d;
	uint8_t x[24];

	ASSERT_EQ(0u, load(d, self->img, self->len));
	put_inputs(d, x, 24);
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_ERROR, 3);
	EXPECT_EQ(2u, infer(d, 4, 24));
	EXPECT_EQ(3u, emu_npu_r(d, EMU_NPU_ERROR_CODE));
	EXPECT_EQ(IRQ_INFER | IRQ_ERROR, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_NPU_ERROR));
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
}

/* ---- time ------------------------------------------------------------------- */

TEST_F(npu, clock_modes_and_modeled_time)
{
	struct emu_dev *d = &self->d;
	uint64_t macs = 24 * 16 + 16 * 5, per = 20000 + macs * 1000 / (80 * 128);
	uint64_t ns, t0;
	uint8_t x[24 * 100];
	uint32_t mode;

	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	ASSERT_EQ(0u, load(d, self->img, self->len));
	EXPECT_EQ(10000u + self->len, emu_counter(d, AKIDA_EMU_CNT_NPU_NS));
	put_inputs(d, x, sizeof(x));
	for (mode = 0; mode < 3; mode++) {
		emu_tw_w(d, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_RESET_COUNTERS);
		emu_npu_w(d, EMU_NPU_CLOCK_MODE, mode);
		t0 = emu_now_ns();
		EXPECT_EQ(1u | (100u << 16), infer(d, 100, 24));
		ns = emu_counter(d, AKIDA_EMU_CNT_NPU_NS);
		EXPECT_EQ(100 * per << mode, ns);
		EXPECT_GE(emu_now_ns() - t0, ns);
		EXPECT_GE(emu_counter(d, AKIDA_EMU_CNT_NPU_BUSY_NS), ns);
	}
}

TEST_F(npu, imwr_and_polling)
{
	struct emu_dev *d = &self->d;
	struct emu_page pg = { 0 };
	volatile uint32_t *w;
	uint8_t x[24];

	if (emu_iommu_on(d))
		SKIP(return, "an IOMMU translates DMA; this test needs physical addresses");
	ASSERT_EQ(0, emu_page_alloc(&pg));
	w = (volatile uint32_t *)pg.va;
	emu_npu_w64(d, EMU_NPU_IMWR_LO, pg.pa);
	emu_npu_w(d, EMU_NPU_IMWR_DATA, 0x4321);
	EXPECT_EQ((uint32_t)pg.pa, emu_npu_r(d, EMU_NPU_IMWR_LO));
	EXPECT_EQ(0x4321u, emu_npu_r(d, EMU_NPU_IMWR_DATA));
	/* IRQ_ENABLE 0: polling only, no write. */
	ASSERT_EQ(0u, load(d, self->img, self->len));
	usleep(20000);
	EXPECT_EQ(0u, *w);
	/* MODEL_DONE enabled. */
	emu_npu_w(d, EMU_NPU_IRQ_ENABLE, IRQ_MODEL);
	ASSERT_EQ(0u, load(d, self->img, self->len));
	EXPECT_EQ(0x4321u, emu_wait_word(pg.va, 500));
	*w = 0;
	/* INFER_DONE not enabled: no write for an inference. */
	put_inputs(d, x, 24);
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	usleep(20000);
	EXPECT_EQ(0u, *w);
	/* ERROR enabled: a failed run writes. */
	emu_npu_w(d, EMU_NPU_IRQ_ENABLE, IRQ_ERROR);
	EXPECT_EQ(2u, infer(d, 1, 3));
	EXPECT_EQ(0x4321u, emu_wait_word(pg.va, 500));
	*w = 0;
	/* FAULT_DROP: status set, no write; the next one writes. */
	emu_npu_w(d, EMU_NPU_IRQ_ENABLE, IRQ_INFER);
	emu_tw_w(d, AKIDA_EMU_FAULT_DROP, 1);
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	EXPECT_EQ(IRQ_INFER, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	usleep(20000);
	EXPECT_EQ(0u, *w);
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	EXPECT_EQ(0x4321u, emu_wait_word(pg.va, 500));
	EXPECT_EQ(3u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	emu_page_free(&pg);
}

/*
 * The SRAM capacity is checked before the CRC: a 57 MB image (one 8-bit
 * layer of 8192 x 7000) with a wrong CRC fails with 5, without the model
 * computing a CRC over all of it (issue 12).
 */
TEST_F(npu, capacity_checked_before_crc)
{
	struct emu_dev *d = &self->d;
	uint32_t in = 8192, out = 7000;
	uint32_t payload = in * out + 5 * out, total = 32 + 16 + payload;
	uint8_t hdr[48] = { 'A', 'K', 'P', '1', 1, 0, 1, 0 };

	ASSERT_LT(MODEL_AXI - EMU_AXI_LPDDR + total, d->lpddr_size ?
		  d->lpddr_size : emu_tw_r(d, AKIDA_EMU_LPDDR_SIZE));
	put32(hdr + 8, in);
	put32(hdr + 12, out);
	put32(hdr + 16, total);
	put32(hdr + 20, 0x12345678);	/* wrong */
	hdr[32] = 1;			/* fully connected */
	hdr[33] = 8;
	hdr[34] = 8;
	put32(hdr + 36, in);
	put32(hdr + 40, out);
	put32(hdr + 44, payload);
	emu_lpddr_write(d, MODEL_AXI, hdr, sizeof(hdr));
	EXPECT_EQ(5u, load_at(d, MODEL_AXI, total));
	expect_failed_load(_metadata, d, 5);
}

/*
 * Outputs reach LPDDR on the modeled clock: each input's outputs at that
 * input's completion, the last at the batch's completion, none at start.
 */
TEST_F(npu, outputs_land_at_completion)
{
	struct emu_dev *d = &self->d;
	uint8_t x[24 * 1000], y[5], ff[5];

	emu_tw_w(d, AKIDA_EMU_TIMING, 1);
	ASSERT_EQ(0u, load(d, self->img, self->len));
	put_inputs(d, x, sizeof(x));
	memset(ff, 0xee, sizeof(ff));
	for (int i = 0; i < 1000; i++)
		emu_lpddr_write(d, OUTPUT_AXI + 5 * i, ff, 5);
	/* Clock mode 2: about 80 us per input, 80 ms for the batch. */
	emu_npu_w(d, EMU_NPU_CLOCK_MODE, 2);
	emu_npu_w(d, EMU_NPU_IRQ_STATUS, 7);
	emu_npu_w64(d, EMU_NPU_INPUT_ADDR, INPUT_AXI);
	emu_npu_w(d, EMU_NPU_INPUT_SIZE, 24);
	emu_npu_w64(d, EMU_NPU_OUTPUT_ADDR, OUTPUT_AXI);
	emu_npu_w(d, EMU_NPU_INFER_START, 1000);
	usleep(10000);
	EXPECT_EQ(ST_BUSY | ST_LOADED, emu_npu_r(d, EMU_NPU_STATUS));
	emu_lpddr_read(d, OUTPUT_AXI + 5 * 999, y, 5);
	EXPECT_EQ(0, memcmp(y, ff, 5));
	EXPECT_EQ(ST_READY | ST_LOADED, wait_idle(d));
	EXPECT_EQ(1u | (1000u << 16), emu_npu_r(d, EMU_NPU_INFER_STATUS));
	emu_lpddr_read(d, OUTPUT_AXI + 5 * 999, y, 5);
	EXPECT_NE(0, memcmp(y, ff, 5));
	emu_npu_w(d, EMU_NPU_CLOCK_MODE, 0);
}

/* ---- fault knobs of the strictness work ------------------------------------ */

/* FAULT_NPU_DELAY_US: the next command completes that much later, once. */
TEST_F(npu, fault_npu_delay)
{
	struct emu_dev *d = &self->d;
	uint8_t x[24];
	uint64_t t0, ns;

	ASSERT_EQ(0u, load(d, self->img, self->len));
	put_inputs(d, x, 24);
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_DELAY_US, 400000);
	EXPECT_EQ(400000u, emu_tw_r(d, AKIDA_EMU_FAULT_NPU_DELAY_US));
	t0 = emu_now_ns();
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	ns = emu_now_ns() - t0;
	EXPECT_GE(ns, 400000000ull);
	EXPECT_EQ(0u, emu_tw_r(d, AKIDA_EMU_FAULT_NPU_DELAY_US));
	/* Consumed: the next run is quick again. */
	t0 = emu_now_ns();
	EXPECT_EQ(1u | (1u << 16), infer(d, 1, 24));
	EXPECT_LT(emu_now_ns() - t0, 300000000ull);
}

/* FAULT_NPU_STALE: IRQ_STATUS bits and the MSI with no command behind them. */
TEST_F(npu, fault_npu_stale)
{
	struct emu_dev *d = &self->d;
	struct emu_page pg = { 0 };

	if (emu_iommu_on(d))
		SKIP(return, "an IOMMU translates DMA; this test needs physical addresses");
	ASSERT_EQ(0, emu_page_alloc(&pg));
	emu_npu_w64(d, EMU_NPU_IMWR_LO, pg.pa);
	emu_npu_w(d, EMU_NPU_IMWR_DATA, 0x5a5a);
	/* Not enabled: the bit only. */
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_STALE, IRQ_MODEL);
	EXPECT_EQ(IRQ_MODEL, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(ST_READY, emu_npu_r(d, EMU_NPU_STATUS));
	usleep(20000);
	EXPECT_EQ(0u, *(volatile uint32_t *)pg.va);
	EXPECT_EQ(0u, emu_counter(d, AKIDA_EMU_CNT_NPU_IMWR));
	/* Enabled: the MSI too, counted as an NPU IMWr. */
	emu_npu_w(d, EMU_NPU_IRQ_ENABLE, IRQ_INFER);
	emu_tw_w(d, AKIDA_EMU_FAULT_NPU_STALE, IRQ_INFER);
	EXPECT_EQ(IRQ_INFER | IRQ_MODEL, emu_npu_r(d, EMU_NPU_IRQ_STATUS));
	EXPECT_EQ(0x5a5au, emu_wait_word(pg.va, 500));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_NPU_IMWR));
	EXPECT_EQ(1u, emu_counter(d, AKIDA_EMU_CNT_MSI));
	EXPECT_EQ(0u, emu_npu_r(d, EMU_NPU_INFER_STATUS));
	emu_page_free(&pg);
}

TEST_HARNESS_MAIN
