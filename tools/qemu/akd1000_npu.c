/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated BrainChip AKD1000: NPU core registers and the command interface
 * (HARDWARE.md sections 4 and 5, Documentation/npu-interface.rst).
 *
 * A command (MODEL_LOAD, WEIGHT_UPDATE, INFER_START) sets BUSY and nothing
 * else in the register handler. Model loads and weight updates are checked
 * and applied when they complete; the work is done on QEMU_CLOCK_VIRTUAL
 * timers as it comes due (a load's image slice by slice, an inference
 * batch input by input at each input's modeled completion), and a command
 * completes when both the work and the modeled time are done.
 * Completion sets IRQ_STATUS and, when enabled, posts an MSI write to the
 * NPU IMWr address.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "migration/vmstate.h"
#include "akd1000.h"
#include "akida_emu_regs.h"

/* Identity [probed]. */
#define NPU_DEVICE_ID		0x0000
#define  NPU_DEVICE_ID_VALUE	0x194000a1u
#define NPU_NP_COUNT		0x10c0
#define NPU_SRAM_REGION_0	0x1410
#define NPU_SRAM_REGION_1	0x1418
#define NPU_DMA_MESH_CONFIG	0x4010
#define  NPU_DMA_MESH_VALUE	0x04aa0001u
#define NPU_NP_ENABLE		0x1e0c	/* 6 registers */
#define NPU_NP_CONFIG		0xe000	/* 80 windows of 0x100 */

/* Command interface [model]. */
#define NPU_VERSION		0x0004
#define NPU_IFACE_MAGIC		0x000c
#define  NPU_IFACE_MAGIC_VALUE	0x31504b41u	/* "AKP1" */
#define  NPU_VERSION_VALUE	0x00010000u
#define NPU_STATUS		0x0008
#define  NPU_STATUS_READY	(1u << 0)
#define  NPU_STATUS_BUSY	(1u << 1)
#define  NPU_STATUS_ERROR	(1u << 2)
#define  NPU_STATUS_LOADED	(1u << 3)
#define NPU_CONTROL		0x0010
#define  NPU_CONTROL_RESET	(1u << 0)
#define  NPU_CONTROL_ENABLE	(1u << 1)
#define  NPU_CONTROL_POWER_SAVE	(1u << 2)
#define NPU_CLOCK_MODE		0x0014
#define NPU_IRQ_STATUS		0x0020
#define NPU_IRQ_ENABLE		0x0024
#define  NPU_IRQ_INFER_DONE	(1u << 0)
#define  NPU_IRQ_MODEL_DONE	(1u << 1)
#define  NPU_IRQ_ERROR		(1u << 2)
#define  NPU_IRQ_ALL		0x7u
#define NPU_IMWR_ADDR_LO	0x0028
#define NPU_IMWR_ADDR_HI	0x002c
#define NPU_IMWR_DATA		0x0030
#define NPU_MODEL_ADDR_LO	0x0100
#define NPU_MODEL_ADDR_HI	0x0104
#define NPU_MODEL_SIZE		0x0108
#define NPU_MODEL_LOAD		0x010c
#define NPU_WEIGHT_LAYER	0x0110
#define NPU_WEIGHT_ADDR_LO	0x0114
#define NPU_WEIGHT_ADDR_HI	0x0118
#define NPU_WEIGHT_UPDATE	0x011c
#define NPU_INPUT_ADDR_LO	0x0200
#define NPU_INPUT_ADDR_HI	0x0204
#define NPU_INPUT_SIZE		0x0208
#define NPU_OUTPUT_ADDR_LO	0x0300
#define NPU_OUTPUT_ADDR_HI	0x0304
#define NPU_OUTPUT_SIZE		0x0308
#define NPU_INFER_START		0x0400
#define NPU_INFER_STATUS	0x0404
#define  NPU_INFER_DONE		(1u << 0)
#define  NPU_INFER_ERROR	(1u << 1)
#define  NPU_INFER_COUNT_SHIFT	16
#define NPU_ERROR_CODE		0x0408

/* ERROR_CODE values (HARDWARE.md section 5). */
#define NPU_ERR_MAGIC		1
#define NPU_ERR_SIZE		2
#define NPU_ERR_CRC		3
#define NPU_ERR_CHAIN		4
#define NPU_ERR_SRAM		5
#define NPU_ERR_NO_MODEL	6
#define NPU_ERR_INPUT_SIZE	7
#define NPU_ERR_ADDRESS		8

/* Program image layout. */
#define IMG_HDR_SIZE		32
#define IMG_LAYER_SIZE		16
#define IMG_MAGIC		"AKP1"
#define IMG_LAYER_FC		1

#define NPU_LOAD_BASE_NS	10000	/* 10 us + 1 ns per byte */
#define NPU_INFER_BASE_NS	20000	/* 20 us + MACs / (NP_COUNT * 128) us */
#define NPU_MAX_BATCH		65535
#define AKD_NPU_LOAD_SLICE	(1 * MiB)	/* image bytes per work call */

/* ---- CRC-32 (IEEE 802.3, as zlib's crc32()) --------------------------------- */

static uint32_t akd_crc_table[256];

static void akd_crc_init(void)
{
	uint32_t i, j, c;

	if (akd_crc_table[1])
		return;
	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		akd_crc_table[i] = c;
	}
}

/* Continue a CRC-32: start with @c = 0, feed the slices in order. */
static uint32_t akd_crc32_update(uint32_t c, const uint8_t *p, uint64_t len)
{
	c ^= 0xffffffffu;
	while (len--)
		c = akd_crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* ---- Program images ----------------------------------------------------------- */

static uint64_t akd_weight_bytes(uint32_t wbits, uint64_t inputs,
				 uint64_t outputs)
{
	uint64_t n = inputs * outputs;

	return wbits == 8 ? n : (n + 1) / 2;
}

static uint32_t akd_np_enabled(AkdState *s)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < AKD_NP_ENABLE_WORDS; i++)
		n += ctpop32(s->npu.np_enable[i]);
	return n;
}

/*
 * akd_image_precheck() - the checks of a program image that need only its
 * header, capacity included, made before the image is copied and its CRC
 * computed (a MODEL_SIZE of all of LPDDR fails here at once): 2 (shorter
 * than the header), 1 (magic, version, reserved), 2 (total vs MODEL_SIZE,
 * layer count), 5 (does not fit the enabled NPs' SRAM).
 */
static uint32_t akd_image_precheck(AkdState *s, const uint8_t *p, uint64_t len)
{
	if (len < IMG_HDR_SIZE)
		return NPU_ERR_SIZE;
	if (memcmp(p, IMG_MAGIC, 4) || lduw_le_p(p + 4) != 1 ||
	    ldq_le_p(p + 24) != 0)
		return NPU_ERR_MAGIC;
	if (ldl_le_p(p + 16) != len || lduw_le_p(p + 6) == 0)
		return NPU_ERR_SIZE;
	if (len > (uint64_t)AKD_NP_SRAM_BYTES * akd_np_enabled(s))
		return NPU_ERR_SRAM;
	return 0;
}

/*
 * akd_parse_image() - check a program image and describe its layers
 * @p, @len: the image (MODEL_SIZE bytes)
 * @loaded: the image is the loaded copy (after migration): weight updates
 *	may have changed it since its CRC and capacity were checked
 * @crc: the CRC-32 of bytes 32 .. @len - 1, computed while the image was
 *	copied (unused when @loaded)
 * @layers: set to a new array of the layers on success
 *
 * Returns 0 or the ERROR_CODE (npu-interface.rst "Program images"), checked
 * in the order akd_image_precheck() gives, then 2 (layers), 3, 4.
 */
static uint32_t akd_parse_image(AkdState *s, const uint8_t *p, uint64_t len,
				bool loaded, uint32_t crc_calc,
				AkdLayer **layers, uint32_t *nlayers)
{
	uint32_t n, in_bytes, out_bytes, total, crc, i;
	uint64_t off;
	AkdLayer *l;

	if (len < IMG_HDR_SIZE)
		return NPU_ERR_SIZE;
	if (memcmp(p, IMG_MAGIC, 4) || lduw_le_p(p + 4) != 1 ||
	    ldq_le_p(p + 24) != 0)
		return NPU_ERR_MAGIC;
	n = lduw_le_p(p + 6);
	in_bytes = ldl_le_p(p + 8);
	out_bytes = ldl_le_p(p + 12);
	total = ldl_le_p(p + 16);
	crc = ldl_le_p(p + 20);
	if (total != len || n == 0)
		return NPU_ERR_SIZE;

	l = g_new0(AkdLayer, n);
	off = IMG_HDR_SIZE;
	for (i = 0; i < n; i++) {
		const uint8_t *d = p + off;
		uint64_t wb, need;
		uint32_t payload;

		if (off + IMG_LAYER_SIZE > total)
			goto bad_size;
		l[i].wbits = d[1];
		l[i].abits = d[2];
		l[i].inputs = ldl_le_p(d + 4);
		l[i].outputs = ldl_le_p(d + 8);
		payload = ldl_le_p(d + 12);
		if (d[0] != IMG_LAYER_FC || d[3] ||
		    (l[i].wbits != 4 && l[i].wbits != 8) ||
		    (l[i].abits != 1 && l[i].abits != 2 &&
		     l[i].abits != 4 && l[i].abits != 8) ||
		    !l[i].inputs || !l[i].outputs)
			goto bad_size;
		wb = akd_weight_bytes(l[i].wbits, l[i].inputs, l[i].outputs);
		need = ROUND_UP(wb + 5ull * l[i].outputs, 4);
		if (need != payload || off + IMG_LAYER_SIZE + need > total)
			goto bad_size;
		l[i].weights_off = off + IMG_LAYER_SIZE;
		l[i].weights_len = wb;
		l[i].thresh_off = l[i].weights_off + wb;
		l[i].shift_off = l[i].thresh_off + 4 * l[i].outputs;
		off += IMG_LAYER_SIZE + need;
	}
	if (off != total)
		goto bad_size;
	if (!loaded && crc_calc != crc) {
		g_free(l);
		return NPU_ERR_CRC;
	}
	if (in_bytes != l[0].inputs || out_bytes != l[n - 1].outputs) {
		g_free(l);
		return NPU_ERR_CHAIN;
	}
	for (i = 0; i + 1 < n; i++) {
		if (l[i].outputs != l[i + 1].inputs) {
			g_free(l);
			return NPU_ERR_CHAIN;
		}
	}
	*layers = l;
	*nlayers = n;
	return 0;

bad_size:
	g_free(l);
	return NPU_ERR_SIZE;
}

static void akd_npu_drop_model(AkdNpu *n)
{
	g_free(n->image);
	g_free(n->layers);
	n->image = NULL;
	n->layers = NULL;
	n->image_len = 0;
	n->nlayers = 0;
	n->in_bytes = 0;
	n->out_bytes = 0;
	n->macs = 0;
	n->output_size = 0;
	n->status &= ~NPU_STATUS_LOADED;
}

static void akd_npu_describe_model(AkdNpu *n)
{
	uint32_t i;

	n->in_bytes = n->layers[0].inputs;
	n->out_bytes = n->layers[n->nlayers - 1].outputs;
	n->macs = 0;
	n->max_width = n->in_bytes;
	for (i = 0; i < n->nlayers; i++) {
		n->macs += (uint64_t)n->layers[i].inputs * n->layers[i].outputs;
		n->max_width = MAX(n->max_width, n->layers[i].outputs);
	}
	n->output_size = n->out_bytes;
}

/*
 * MODEL_LOAD, the copy: akd_npu_work() moves the image from LPDDR into NP
 * SRAM (n->load_buf) a slice at a time, computing its CRC as it goes, after
 * the range and header checks. Returns true when the copy is complete (or
 * the load failed: n->cmd_error).
 */
static bool akd_npu_load_step(AkdState *s)
{
	AkdNpu *n = &s->npu;
	uint32_t len = n->in_stride, chunk;
	const uint8_t *p;

	if (!n->load_off && !n->load_buf) {
		if (!akd_lpddr_range_ok(s, n->in_addr, len)) {
			n->cmd_error = NPU_ERR_ADDRESS;
			return true;
		}
		p = akd_axi_mem(s, n->in_addr, len ? len : 1);
		n->cmd_error = akd_image_precheck(s, p, len);
		if (n->cmd_error)
			return true;
		n->load_buf = g_malloc(len);
		n->load_crc = 0;
	}
	chunk = MIN(len - n->load_off, AKD_NPU_LOAD_SLICE);
	p = akd_axi_mem(s, n->in_addr + n->load_off, chunk);
	memcpy(n->load_buf + n->load_off, p, chunk);
	n->load_crc = akd_crc32_update(n->load_crc, p +
				       (n->load_off ? 0 : IMG_HDR_SIZE),
				       chunk - (n->load_off ? 0 : IMG_HDR_SIZE));
	n->load_off += chunk;
	return n->load_off == len;
}

static void akd_npu_load_discard(AkdNpu *n)
{
	g_free(n->load_buf);
	n->load_buf = NULL;
	n->load_off = 0;
	n->load_crc = 0;
}

/* MODEL_LOAD, applied at completion. Returns the error code. */
static uint32_t akd_npu_do_load(AkdState *s)
{
	AkdNpu *n = &s->npu;
	AkdLayer *layers = NULL;
	uint32_t nlayers = 0, err = n->cmd_error;

	akd_npu_drop_model(n);
	if (!err)
		err = akd_parse_image(s, n->load_buf, n->in_stride, false,
				      n->load_crc, &layers, &nlayers);
	if (err) {
		akd_npu_load_discard(n);
		return err;
	}
	n->image = n->load_buf;
	n->load_buf = NULL;
	akd_npu_load_discard(n);
	n->image_len = n->in_stride;
	n->layers = layers;
	n->nlayers = nlayers;
	akd_npu_describe_model(n);
	n->status |= NPU_STATUS_LOADED;
	return 0;
}

/* WEIGHT_UPDATE, applied at completion. Returns the error code. */
static uint32_t akd_npu_do_weights(AkdState *s)
{
	AkdNpu *n = &s->npu;
	AkdLayer *l;

	if (!n->image)
		return NPU_ERR_NO_MODEL;
	if (n->batch >= n->nlayers)
		return NPU_ERR_SIZE;
	l = &n->layers[n->batch];
	if (!akd_lpddr_range_ok(s, n->in_addr, l->weights_len))
		return NPU_ERR_ADDRESS;
	memcpy(n->image + l->weights_off, akd_axi_mem(s, n->in_addr,
						      l->weights_len),
	       l->weights_len);
	return 0;
}

/* ---- Compute ------------------------------------------------------------------ */

static int8_t akd_weight(const AkdLayer *l, const uint8_t *w, uint64_t idx)
{
	uint8_t b;

	if (l->wbits == 8)
		return (int8_t)w[idx];
	b = w[idx >> 1];
	b = idx & 1 ? b >> 4 : b & 0xf;
	return (int8_t)(b << 4) >> 4;
}

/* One layer: @x (l->inputs bytes) to @y (l->outputs bytes). */
static void akd_layer_run(const AkdNpu *n, const AkdLayer *l,
			  const uint8_t *x, uint8_t *y)
{
	const uint8_t *w = n->image + l->weights_off;
	const uint8_t *th = n->image + l->thresh_off;
	const uint8_t *sh = n->image + l->shift_off;
	int64_t maxv = (1 << l->abits) - 1;
	uint32_t o, i;

	for (o = 0; o < l->outputs; o++) {
		uint64_t base = (uint64_t)o * l->inputs;
		int64_t acc = 0;
		unsigned int shift = MIN(sh[o], 63);

		if (l->wbits == 8) {
			const int8_t *row = (const int8_t *)w + base;

			for (i = 0; i < l->inputs; i++)
				acc += (int64_t)row[i] * x[i];
		} else {
			for (i = 0; i < l->inputs; i++)
				acc += (int64_t)akd_weight(l, w, base + i) * x[i];
		}
		acc -= (int32_t)ldl_le_p(th + 4 * o);
		acc >>= shift;
		y[o] = acc < 0 ? 0 : acc > maxv ? maxv : acc;
	}
}

/* One input of the batch; false if its buffers left LPDDR (cannot happen). */
static bool akd_infer_one(AkdState *s, uint32_t idx, uint8_t *a, uint8_t *b)
{
	AkdNpu *n = &s->npu;
	uint8_t *in = akd_axi_mem(s, n->in_addr + (uint64_t)idx * n->in_stride,
				  n->in_bytes);
	uint8_t *out = akd_axi_mem(s, n->out_addr +
				   (uint64_t)idx * n->out_bytes, n->out_bytes);
	uint32_t i;

	if (!in || !out)
		return false;
	memcpy(a, in, n->in_bytes);
	for (i = 0; i < n->nlayers; i++) {
		uint8_t *t;

		akd_layer_run(n, &n->layers[i], a, b);
		t = a;
		a = b;
		b = t;
	}
	memcpy(out, a, n->out_bytes);
	return true;
}

/* ---- Command life cycle ----------------------------------------------------- */

static void akd_npu_msi(AkdState *s)
{
	AkdNpu *n = &s->npu;

	if (akd_post_imwr(s, n->imwr_addr, n->imwr_data, "NPU"))
		akd_link_charge(s, AKD_CNT_NPU_IMWR, 1);
}

static void akd_npu_complete(AkdState *s)
{
	AkdNpu *n = &s->npu;
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	uint32_t err = n->cmd_error, irq;

	if (n->cmd == AKD_NPU_IDLE || !n->computed)
		return;
	if (akd_dead(s))
		return;		/* akd_npu_resume() completes it */

	switch (n->cmd) {
	case AKD_NPU_LOAD:
		err = akd_npu_do_load(s);
		irq = NPU_IRQ_MODEL_DONE;
		break;
	case AKD_NPU_WEIGHTS:
		err = err ? err : akd_npu_do_weights(s);
		irq = NPU_IRQ_MODEL_DONE;
		break;
	default:
		irq = NPU_IRQ_INFER_DONE;
		n->infer_status = (err ? NPU_INFER_ERROR : NPU_INFER_DONE) |
				  (n->done_inputs << NPU_INFER_COUNT_SHIFT);
		akd_link_charge(s, AKD_CNT_INFERENCES, n->done_inputs);
		break;
	}
	n->error_code = err;
	if (err) {
		irq |= NPU_IRQ_ERROR;
		n->status |= NPU_STATUS_ERROR;
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: NPU command %u failed with error %u\n",
			      n->cmd, err);
	}
	n->cmd = AKD_NPU_IDLE;
	n->status &= ~NPU_STATUS_BUSY;
	n->prev_start = n->started;
	n->prev_end = now;
	akd_link_charge(s, AKD_CNT_NPU_BUSY_NS, MAX(now - n->started, 0));
	n->irq_status |= irq;
	if ((n->irq_enable & irq) && !akd_fault_drop_irq(s))
		akd_npu_msi(s);
}

/*
 * How much of [@from, @to) on QEMU_CLOCK_VIRTUAL the NPU spent running a
 * command: the one in progress and the last one that ended (an eDMA chunk
 * is far shorter than two commands, so no earlier one can matter).
 */
uint64_t akd_npu_busy_within(AkdState *s, int64_t from, int64_t to)
{
	AkdNpu *n = &s->npu;
	uint64_t ns = 0;

	if (n->cmd != AKD_NPU_IDLE && MAX(from, n->started) < to)
		ns += to - MAX(from, n->started);
	if (MAX(from, n->prev_start) < MIN(to, n->prev_end))
		ns += MIN(to, n->prev_end) - MAX(from, n->prev_start);
	return ns;
}

/* FAULT_NPU_STALE: IRQ_STATUS bits with no command behind them. */
void akd_npu_stale_irq(AkdState *s, uint32_t bits)
{
	AkdNpu *n = &s->npu;

	bits &= NPU_IRQ_ALL;
	if (!s->model_iface || !bits)
		return;
	n->irq_status |= bits;
	if (n->irq_enable & bits)
		akd_npu_msi(s);
}

static void akd_npu_timer(void *opaque)
{
	akd_npu_complete(opaque);
}

/* The work is done: complete now or when the modeled time has passed. */
static void akd_npu_computed(AkdState *s)
{
	AkdNpu *n = &s->npu;

	n->computed = true;
	if (n->deadline <= qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL))
		akd_npu_complete(s);
	else
		timer_mod(n->timer, n->deadline);
}

/*
 * When the next piece of the command's work is due on the modeled clock:
 * a model load's next 1 MiB slice once it has been read (10 us + 1 ns per
 * byte), an inference's next input at its own completion. With
 * timing=immediate, or for work without modeled pieces, at once (the
 * command's start).
 */
static int64_t akd_npu_next_due(AkdState *s)
{
	AkdNpu *n = &s->npu;

	if (!s->timing_modeled || n->cmd_error)
		return n->started;
	if (n->cmd == AKD_NPU_LOAD)
		return n->started + NPU_LOAD_BASE_NS +
		       MIN((uint64_t)n->load_off + AKD_NPU_LOAD_SLICE,
			   n->in_stride);
	if (n->cmd == AKD_NPU_INFER)
		return n->started + (int64_t)(n->done_inputs + 1) * n->unit_ns;
	return n->started;
}

/*
 * The NPU's work, on QEMU_CLOCK_VIRTUAL: each piece when it is due, so that
 * a load reads its image over the load time and each input's outputs reach
 * LPDDR at that input's completion (the last at the command's completion),
 * never before. Bounded per call; with timing=immediate the rest follows
 * on the next nanosecond of the clock.
 */
static void akd_npu_work(void *opaque)
{
	AkdState *s = opaque;
	AkdNpu *n = &s->npu;
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	uint64_t macs = 0;

	if (n->cmd == AKD_NPU_IDLE || n->computed || akd_dead(s))
		return;
	if (n->cmd == AKD_NPU_LOAD && !akd_npu_load_step(s)) {
		timer_mod(n->work, MAX(akd_npu_next_due(s), now + 1));
		return;
	}
	if (n->cmd == AKD_NPU_INFER && !n->cmd_error) {
		uint8_t *a = g_malloc(n->max_width), *b = g_malloc(n->max_width);

		while (n->done_inputs < n->batch && macs < AKD_NPU_BUDGET_MACS &&
		       akd_npu_next_due(s) <= now) {
			if (!akd_infer_one(s, n->done_inputs, a, b)) {
				n->cmd_error = NPU_ERR_ADDRESS;
				break;
			}
			n->done_inputs++;
			macs += n->macs + 1;
		}
		g_free(a);
		g_free(b);
		if (!n->cmd_error && n->done_inputs < n->batch) {
			timer_mod(n->work, MAX(akd_npu_next_due(s), now + 1));
			return;
		}
	}
	akd_npu_computed(s);
}

/* Start a command: BUSY now, the work when it is due (akd_npu_work()). */
static void akd_npu_start(AkdState *s, uint32_t cmd, uint64_t ns)
{
	AkdNpu *n = &s->npu;
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	static const uint32_t factor[3] = { 1, 2, 4 };

	if (cmd == AKD_NPU_INFER)
		ns *= factor[n->clock_mode];
	akd_link_charge(s, AKD_CNT_NPU_NS, ns);
	n->cmd = cmd;
	n->computed = false;
	n->started = now;
	n->unit_ns = cmd == AKD_NPU_INFER && n->batch ? ns / n->batch : 0;
	n->deadline = (s->timing_modeled ? now + ns : now) +
		      akd_completion_delay_ns(s) + akd_fault_npu_delay_ns(s);
	n->status = (n->status & ~NPU_STATUS_ERROR) | NPU_STATUS_BUSY;
	timer_mod(n->work, akd_npu_next_due(s));
}

static bool akd_npu_can_start(AkdState *s, const char *what)
{
	AkdNpu *n = &s->npu;

	if (!(n->control & NPU_CONTROL_ENABLE)) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: NPU %s with CONTROL.ENABLE clear, "
			      "ignored\n", what);
		return false;
	}
	if (n->cmd != AKD_NPU_IDLE) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: NPU %s while busy, ignored\n", what);
		return false;
	}
	return true;
}

static void akd_npu_model_load(AkdState *s)
{
	AkdNpu *n = &s->npu;

	if (!akd_npu_can_start(s, "MODEL_LOAD"))
		return;
	akd_npu_load_discard(n);
	n->in_addr = n->model_addr;
	n->in_stride = n->model_size;
	n->cmd_error = 0;
	akd_npu_start(s, AKD_NPU_LOAD, NPU_LOAD_BASE_NS + n->model_size);
}

static void akd_npu_weight_update(AkdState *s)
{
	AkdNpu *n = &s->npu;
	uint64_t bytes = 0;

	if (!akd_npu_can_start(s, "WEIGHT_UPDATE"))
		return;
	n->in_addr = n->weight_addr;
	n->batch = n->weight_layer;	/* the layer, for the completion */
	n->cmd_error = 0;
	if (n->image && n->weight_layer < n->nlayers)
		bytes = n->layers[n->weight_layer].weights_len;
	akd_npu_start(s, AKD_NPU_WEIGHTS, NPU_LOAD_BASE_NS + bytes);
}

static void akd_npu_infer_start(AkdState *s, uint32_t count)
{
	AkdNpu *n = &s->npu;
	uint64_t ns = NPU_INFER_BASE_NS, fault;

	if (!count || count > NPU_MAX_BATCH) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: NPU INFER_START of %u inputs ignored\n",
			      count);
		return;
	}
	if (!akd_npu_can_start(s, "INFER_START"))
		return;
	n->batch = count;
	n->done_inputs = 0;
	n->infer_status = 0;
	n->in_addr = n->input_addr;
	n->in_stride = n->input_size;
	n->out_addr = n->output_addr;
	n->cmd_error = 0;
	if (!n->image)
		n->cmd_error = NPU_ERR_NO_MODEL;
	else if (n->input_size != n->in_bytes)
		n->cmd_error = NPU_ERR_INPUT_SIZE;
	else if (!akd_lpddr_range_ok(s, n->in_addr, (uint64_t)count * n->in_bytes) ||
		 !akd_lpddr_range_ok(s, n->out_addr,
				     (uint64_t)count * n->out_bytes))
		n->cmd_error = NPU_ERR_ADDRESS;
	if (!n->cmd_error) {
		fault = akd_fault_npu_error(s);
		if (fault)
			n->cmd_error = fault;
		else
			ns = count * (NPU_INFER_BASE_NS + n->macs * 1000 /
				      (AKD_NP_COUNT * 128));
	}
	akd_npu_start(s, AKD_NPU_INFER, ns);
}

static void akd_npu_control(AkdState *s, uint32_t val)
{
	AkdNpu *n = &s->npu;

	if (val & NPU_CONTROL_RESET) {
		/*
		 * Cancels a command in progress without a completion.
		 * HARDWARE.md does not say what it does to CLOCK_MODE and
		 * IRQ_STATUS; the strict reading: CLOCK_MODE returns to its
		 * reset value (0, performance) and the interrupt bits already
		 * latched stay until written 1 to clear.
		 */
		timer_del(n->work);
		timer_del(n->timer);
		if (n->cmd != AKD_NPU_IDLE) {
			n->prev_start = n->started;
			n->prev_end = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
		}
		n->cmd = AKD_NPU_IDLE;
		akd_npu_load_discard(n);
		akd_npu_drop_model(n);
		n->status = 0;
		n->error_code = 0;
		n->infer_status = 0;
		n->clock_mode = 0;
		n->control = val & NPU_CONTROL_POWER_SAVE;
		return;
	}
	n->control = val & (NPU_CONTROL_ENABLE | NPU_CONTROL_POWER_SAVE);
}

/* ---- Registers ------------------------------------------------------------------ */

/*
 * The identity registers [probed] (HARDWARE.md section 4): every other
 * offset of the NPU range, IFACE_MAGIC included, belongs to the [model]
 * command interface for the write counters and the model-iface property.
 */
static bool akd_npu_is_ident(uint32_t off)
{
	if (off >= NPU_NP_CONFIG &&
	    off < NPU_NP_CONFIG + AKD_NP_COUNT * AKD_NP_CONFIG_SIZE)
		return true;
	if (off >= NPU_NP_ENABLE && off < NPU_NP_ENABLE + 4 * AKD_NP_ENABLE_WORDS)
		return true;
	switch (off) {
	case NPU_DEVICE_ID:
	case NPU_NP_COUNT:
	case NPU_SRAM_REGION_0:
	case NPU_SRAM_REGION_1:
	case NPU_DMA_MESH_CONFIG:
		return true;
	}
	return false;
}

uint32_t akd_npu_read(AkdState *s, uint32_t off)
{
	AkdNpu *n = &s->npu;

	if (off >= NPU_NP_CONFIG &&
	    off < NPU_NP_CONFIG + sizeof(n->np_config))
		return ldl_le_p(n->np_config + ((off - NPU_NP_CONFIG) & ~3u));
	if (off >= NPU_NP_ENABLE && off < NPU_NP_ENABLE + 4 * AKD_NP_ENABLE_WORDS)
		return n->np_enable[(off - NPU_NP_ENABLE) / 4];
	/* Without the [model] interface the rest is unknown silicon. */
	if (!s->model_iface && !akd_npu_is_ident(off))
		return 0;

	switch (off) {
	case NPU_DEVICE_ID:	return NPU_DEVICE_ID_VALUE;
	case NPU_VERSION:	return NPU_VERSION_VALUE;
	case NPU_IFACE_MAGIC:	return NPU_IFACE_MAGIC_VALUE;
	case NPU_NP_COUNT:	return AKD_NP_COUNT;
	case NPU_SRAM_REGION_0:	return AKD_NP_COUNT * AKD_NP_SRAM_BYTES;
	case NPU_SRAM_REGION_1:	return 0;
	case NPU_DMA_MESH_CONFIG: return NPU_DMA_MESH_VALUE;
	case NPU_STATUS:
		return n->status | (n->cmd == AKD_NPU_IDLE ? NPU_STATUS_READY : 0);
	case NPU_CONTROL:	return n->control;
	case NPU_CLOCK_MODE:	return n->clock_mode;
	case NPU_IRQ_STATUS:	return n->irq_status;
	case NPU_IRQ_ENABLE:	return n->irq_enable;
	case NPU_IMWR_ADDR_LO:	return n->imwr_addr;
	case NPU_IMWR_ADDR_HI:	return n->imwr_addr >> 32;
	case NPU_IMWR_DATA:	return n->imwr_data;
	case NPU_MODEL_ADDR_LO:	return n->model_addr;
	case NPU_MODEL_ADDR_HI:	return n->model_addr >> 32;
	case NPU_MODEL_SIZE:	return n->model_size;
	case NPU_MODEL_LOAD:	return 0;
	case NPU_WEIGHT_LAYER:	return n->weight_layer;
	case NPU_WEIGHT_ADDR_LO: return n->weight_addr;
	case NPU_WEIGHT_ADDR_HI: return n->weight_addr >> 32;
	case NPU_WEIGHT_UPDATE:	return 0;
	case NPU_INPUT_ADDR_LO:	return n->input_addr;
	case NPU_INPUT_ADDR_HI:	return n->input_addr >> 32;
	case NPU_INPUT_SIZE:	return n->input_size;
	case NPU_OUTPUT_ADDR_LO: return n->output_addr;
	case NPU_OUTPUT_ADDR_HI: return n->output_addr >> 32;
	case NPU_OUTPUT_SIZE:	return n->output_size;
	case NPU_INFER_START:	return 0;
	case NPU_INFER_STATUS:	return n->infer_status;
	case NPU_ERROR_CODE:	return n->error_code;
	}
	qemu_log_mask(LOG_UNIMP, "akd1000: NPU read of unknown register 0x%x\n",
		      off);
	return 0;
}

static void akd_set_lo(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffff00000000ull) | v;
}

static void akd_set_hi(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | ((uint64_t)v << 32);
}

void akd_npu_write(AkdState *s, uint32_t off, uint32_t val)
{
	AkdNpu *n = &s->npu;

	if (akd_npu_is_ident(off)) {
		akd_link_charge(s, AKD_CNT_WR_NPU_IDENT, 1);
	} else {
		akd_link_charge(s, AKD_CNT_WR_NPU_MODEL, 1);
		if (!s->model_iface) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "akd1000: NPU write of 0x%x (0x%x): no "
				      "[model] interface, ignored\n", off, val);
			return;
		}
	}
	if (off >= NPU_NP_CONFIG &&
	    off < NPU_NP_CONFIG + sizeof(n->np_config)) {
		stl_le_p(n->np_config + ((off - NPU_NP_CONFIG) & ~3u), val);
		return;
	}
	if (off >= NPU_NP_ENABLE &&
	    off < NPU_NP_ENABLE + 4 * AKD_NP_ENABLE_WORDS) {
		int w = (off - NPU_NP_ENABLE) / 4;
		int first = w * 32;

		/* Only the NP_COUNT existing processors can be enabled. */
		if (first >= AKD_NP_COUNT)
			val = 0;
		else if (AKD_NP_COUNT - first < 32)
			val &= (1u << (AKD_NP_COUNT - first)) - 1;
		n->np_enable[w] = val;
		return;
	}

	switch (off) {
	case NPU_CONTROL:	akd_npu_control(s, val); return;
	case NPU_CLOCK_MODE:
		if (val > 2) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "akd1000: NPU clock mode %u ignored\n", val);
			return;
		}
		n->clock_mode = val;
		return;
	case NPU_IRQ_STATUS:	n->irq_status &= ~val; return;
	case NPU_IRQ_ENABLE:	n->irq_enable = val & NPU_IRQ_ALL; return;
	case NPU_IMWR_ADDR_LO:	akd_set_lo(&n->imwr_addr, val); return;
	case NPU_IMWR_ADDR_HI:	akd_set_hi(&n->imwr_addr, val); return;
	case NPU_IMWR_DATA:	n->imwr_data = val; return;
	case NPU_MODEL_ADDR_LO:	akd_set_lo(&n->model_addr, val); return;
	case NPU_MODEL_ADDR_HI:	akd_set_hi(&n->model_addr, val); return;
	case NPU_MODEL_SIZE:	n->model_size = val; return;
	case NPU_MODEL_LOAD:
		if (val & 1)
			akd_npu_model_load(s);
		return;
	case NPU_WEIGHT_LAYER:	n->weight_layer = val; return;
	case NPU_WEIGHT_ADDR_LO: akd_set_lo(&n->weight_addr, val); return;
	case NPU_WEIGHT_ADDR_HI: akd_set_hi(&n->weight_addr, val); return;
	case NPU_WEIGHT_UPDATE:
		if (val & 1)
			akd_npu_weight_update(s);
		return;
	case NPU_INPUT_ADDR_LO:	akd_set_lo(&n->input_addr, val); return;
	case NPU_INPUT_ADDR_HI:	akd_set_hi(&n->input_addr, val); return;
	case NPU_INPUT_SIZE:	n->input_size = val; return;
	case NPU_OUTPUT_ADDR_LO: akd_set_lo(&n->output_addr, val); return;
	case NPU_OUTPUT_ADDR_HI: akd_set_hi(&n->output_addr, val); return;
	case NPU_INFER_START:	akd_npu_infer_start(s, val); return;
	case NPU_DEVICE_ID:
	case NPU_VERSION:
	case NPU_IFACE_MAGIC:
	case NPU_STATUS:
	case NPU_NP_COUNT:
	case NPU_SRAM_REGION_0:
	case NPU_SRAM_REGION_1:
	case NPU_DMA_MESH_CONFIG:
	case NPU_OUTPUT_SIZE:
	case NPU_INFER_STATUS:
	case NPU_ERROR_CODE:
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: NPU register 0x%x is read-only\n", off);
		return;
	}
	qemu_log_mask(LOG_UNIMP,
		      "akd1000: NPU write of unknown register 0x%x ignored\n",
		      off);
}

/* ---- Life cycle --------------------------------------------------------------- */

void akd_npu_realize(AkdState *s)
{
	akd_crc_init();
	s->npu.work = timer_new_ns(QEMU_CLOCK_VIRTUAL, akd_npu_work, s);
	s->npu.timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, akd_npu_timer, s);
}

void akd_npu_unrealize(AkdState *s)
{
	akd_npu_load_discard(&s->npu);
	akd_npu_drop_model(&s->npu);
	timer_free(s->npu.timer);
	s->npu.timer = NULL;
	timer_free(s->npu.work);
	s->npu.work = NULL;
}

void akd_npu_reset(AkdState *s)
{
	AkdNpu *n = &s->npu;
	QEMUTimer *work = n->work;
	QEMUTimer *timer = n->timer;

	timer_del(work);
	timer_del(timer);
	akd_npu_load_discard(n);
	akd_npu_drop_model(n);
	memset(n, 0, sizeof(*n));
	n->work = work;
	n->timer = timer;
	n->np_enable[0] = 0xffffffffu;
	n->np_enable[1] = 0xffffffffu;
	n->np_enable[2] = 0x0000ffffu;
}

void akd_npu_resume(AkdState *s)
{
	AkdNpu *n = &s->npu;

	if (n->cmd == AKD_NPU_IDLE)
		return;
	if (!n->computed)
		timer_mod(n->work, MAX(akd_npu_next_due(s),
				       qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL)));
	else if (n->deadline <= qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL))
		akd_npu_complete(s);
	else
		timer_mod(n->timer, n->deadline);
}

/* Rebuild the layer table of a migrated model (checked when it was loaded). */
int akd_npu_post_load(AkdState *s)
{
	AkdNpu *n = &s->npu;
	uint32_t nl;
	AkdLayer *l;

	/* Values that index tables or select code paths come from the stream. */
	if (n->clock_mode > 2 || n->cmd > AKD_NPU_INFER ||
	    (n->cmd == AKD_NPU_INFER &&
	     (n->batch > NPU_MAX_BATCH || n->done_inputs > n->batch))) {
		error_report("akd1000: migration stream: invalid NPU state "
			     "(clock mode %u, command %u, batch %u/%u)",
			     n->clock_mode, n->cmd, n->done_inputs, n->batch);
		return -EINVAL;
	}
	/* NP SRAM copy of a load in progress: not migrated, done again. */
	akd_npu_load_discard(n);
	if (n->cmd == AKD_NPU_LOAD) {
		n->computed = false;
		n->cmd_error = 0;
	}
	g_free(n->layers);
	n->layers = NULL;
	n->nlayers = 0;
	if (!n->image_len) {
		g_free(n->image);
		n->image = NULL;
		return 0;
	}
	if (akd_parse_image(s, n->image, n->image_len, true, 0, &l, &nl))
		return -EINVAL;
	n->layers = l;
	n->nlayers = nl;
	akd_npu_describe_model(n);
	return 0;
}

const VMStateDescription vmstate_akd_npu = {
	.name = "akd1000-npu",
	.version_id = 2,
	.minimum_version_id = 1,
	.fields = (VMStateField[]) {
		VMSTATE_UINT32_ARRAY(np_enable, AkdNpu, AKD_NP_ENABLE_WORDS),
		VMSTATE_UINT8_ARRAY(np_config, AkdNpu,
				    AKD_NP_COUNT * AKD_NP_CONFIG_SIZE),
		VMSTATE_UINT32(status, AkdNpu),
		VMSTATE_UINT32(control, AkdNpu),
		VMSTATE_UINT32(clock_mode, AkdNpu),
		VMSTATE_UINT32(irq_status, AkdNpu),
		VMSTATE_UINT32(irq_enable, AkdNpu),
		VMSTATE_UINT64(imwr_addr, AkdNpu),
		VMSTATE_UINT32(imwr_data, AkdNpu),
		VMSTATE_UINT64(model_addr, AkdNpu),
		VMSTATE_UINT32(model_size, AkdNpu),
		VMSTATE_UINT32(weight_layer, AkdNpu),
		VMSTATE_UINT64(weight_addr, AkdNpu),
		VMSTATE_UINT64(input_addr, AkdNpu),
		VMSTATE_UINT32(input_size, AkdNpu),
		VMSTATE_UINT64(output_addr, AkdNpu),
		VMSTATE_UINT32(output_size, AkdNpu),
		VMSTATE_UINT32(infer_status, AkdNpu),
		VMSTATE_UINT32(error_code, AkdNpu),
		VMSTATE_UINT32(image_len, AkdNpu),
		VMSTATE_VBUFFER_ALLOC_UINT32(image, AkdNpu, 0, NULL, image_len),
		VMSTATE_UINT32(cmd, AkdNpu),
		VMSTATE_UINT32(batch, AkdNpu),
		VMSTATE_UINT32(done_inputs, AkdNpu),
		VMSTATE_UINT32(cmd_error, AkdNpu),
		VMSTATE_UINT64(in_addr, AkdNpu),
		VMSTATE_UINT64(out_addr, AkdNpu),
		VMSTATE_UINT32(in_stride, AkdNpu),
		VMSTATE_INT64(started, AkdNpu),
		VMSTATE_INT64(deadline, AkdNpu),
		VMSTATE_BOOL(computed, AkdNpu),
		VMSTATE_INT64_V(unit_ns, AkdNpu, 2),
		VMSTATE_END_OF_LIST()
	}
};
