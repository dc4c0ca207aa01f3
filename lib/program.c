// SPDX-License-Identifier: MIT
/*
 * libakida: program images (HARDWARE.md section 5, with the clarifications
 * of Documentation/npu-interface.rst), their validation exactly as the NPU's
 * MODEL_LOAD performs it, and the CPU golden model.
 *
 * Image layout (little-endian):
 *   0  "AKP1"  4  u16 version (1)  6  u16 layer count  8  u32 input bytes
 *   12 u32 output bytes  16 u32 total bytes  20 u32 CRC-32 of [32, total)
 *   24 8 reserved zero bytes
 * then per layer a 16-byte descriptor
 *   0 u8 kind (1)  1 u8 weight bits  2 u8 activation bits  3 u8 reserved (0)
 *   4 u32 inputs  8 u32 outputs  12 u32 payload bytes
 * and its payload: packed weights [outputs][inputs], int32 thresholds
 * [outputs], u8 shifts [outputs], zero padding to a multiple of 4.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akida_internal.h"

struct akida_program {
	uint8_t *image;
	size_t len;
	unsigned int nlayers;
	struct akida_layer_info *layers;
	uint32_t input_bytes;
	uint32_t output_bytes;
	uint32_t max_width;		/* largest layer input or output count */
};

/* ---- CRC-32 (IEEE 802.3, reflected 0xEDB88320, zlib's crc32()) ---- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t c;
	unsigned int n, k;

	for (n = 0; n < 256; n++) {
		c = n;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

uint32_t akida_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- layout helpers ---- */

size_t akida_packed_weight_bytes(unsigned int weight_bits, uint64_t count)
{
	return (size_t)(weight_bits == 4 ? (count + 1) / 2 : count);
}

/* Payload bytes a layer's shape implies, or 0 if it does not fit a u32. */
static uint64_t layer_payload_bytes(unsigned int wbits, uint64_t in, uint64_t out)
{
	uint64_t b = (wbits == 4 ? (in * out + 1) / 2 : in * out) + 5 * out;

	b = (b + 3) & ~(uint64_t)3;
	return b > UINT32_MAX ? 0 : b;
}

static bool valid_act_bits(unsigned int b)
{
	return b == 1 || b == 2 || b == 4 || b == 8;
}

int akida_pack_weights(unsigned int weight_bits, const int8_t *w, size_t count,
		       uint8_t *out)
{
	size_t i;

	if (weight_bits == 8) {
		memcpy(out, w, count);
		return 0;
	}
	if (weight_bits != 4)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "weight bits must be 4 or 8, not %u", weight_bits);
	for (i = 0; i < count; i++)
		if (w[i] < -8 || w[i] > 7)
			return akida_fail(AKIDA_ERR_INVALID, ERANGE,
					  "4-bit weight %zu is %d, outside -8..7",
					  i, w[i]);
	memset(out, 0, (count + 1) / 2);
	for (i = 0; i < count; i++) {
		uint8_t nib = (uint8_t)w[i] & 0x0f;

		out[i / 2] |= (i & 1) ? (uint8_t)(nib << 4) : nib;
	}
	return 0;
}

static inline int32_t weight_at(const uint8_t *wp, unsigned int wbits, uint64_t k)
{
	uint8_t b;

	if (wbits == 8)
		return (int8_t)wp[k];
	b = wp[k / 2];
	b = (k & 1) ? b >> 4 : b & 0x0f;
	return (b & 0x08) ? (int32_t)b - 16 : (int32_t)b;
}

/* Arithmetic right shift of a signed 64-bit value, without relying on
 * implementation-defined behaviour: floor(v / 2^s). */
static inline int64_t asr64(int64_t v, unsigned int s)
{
	if (v >= 0)
		return v >> s;
	return -(int64_t)(((uint64_t)(-(v + 1)) >> s)) - 1;
}

/* ---- validation, exactly as MODEL_LOAD does it ---- */

unsigned int akida_image_check(const void *image, size_t len, uint64_t sram_bytes)
{
	const uint8_t *img = image;
	unsigned int nlayers, i;
	uint32_t total, prev_out = 0;
	uint64_t off;
	static const uint8_t zero[8];

	if (!img || len < AKIDA_IMAGE_HEADER_SIZE)
		return AKIDA_NPU_BAD_SIZE;
	if (memcmp(img, AKIDA_IMAGE_MAGIC, 4) || get_le16(img + 4) != AKIDA_IMAGE_VERSION ||
	    memcmp(img + 24, zero, 8))
		return AKIDA_NPU_BAD_MAGIC;

	total = get_le32(img + 16);
	nlayers = get_le16(img + 6);
	if (total != len || nlayers == 0)
		return AKIDA_NPU_BAD_SIZE;

	/* Walk the descriptors: shape, kind, bits and payload sizes. */
	off = AKIDA_IMAGE_HEADER_SIZE;
	for (i = 0; i < nlayers; i++) {
		const uint8_t *d = img + off;
		uint32_t in, out, payload;

		if (off + AKIDA_LAYER_DESC_SIZE > total)
			return AKIDA_NPU_BAD_SIZE;
		in = get_le32(d + 4);
		out = get_le32(d + 8);
		payload = get_le32(d + 12);
		if (d[0] != AKIDA_LAYER_FC || (d[1] != 4 && d[1] != 8) ||
		    !valid_act_bits(d[2]) || d[3] != 0 || in == 0 || out == 0)
			return AKIDA_NPU_BAD_SIZE;
		if (layer_payload_bytes(d[1], in, out) != payload)
			return AKIDA_NPU_BAD_SIZE;
		off += AKIDA_LAYER_DESC_SIZE + (uint64_t)payload;
		if (off > total)
			return AKIDA_NPU_BAD_SIZE;
	}
	if (off != total)
		return AKIDA_NPU_BAD_SIZE;

	if (akida_crc32(0, img + AKIDA_IMAGE_HEADER_SIZE,
			total - AKIDA_IMAGE_HEADER_SIZE) != get_le32(img + 20))
		return AKIDA_NPU_BAD_CRC;

	off = AKIDA_IMAGE_HEADER_SIZE;
	for (i = 0; i < nlayers; i++) {
		const uint8_t *d = img + off;
		uint32_t in = get_le32(d + 4);

		if (in != (i == 0 ? get_le32(img + 8) : prev_out))
			return AKIDA_NPU_NO_CHAIN;
		prev_out = get_le32(d + 8);
		off += AKIDA_LAYER_DESC_SIZE + (uint64_t)get_le32(d + 12);
	}
	if (prev_out != get_le32(img + 12))
		return AKIDA_NPU_NO_CHAIN;

	if (sram_bytes && total > sram_bytes)
		return AKIDA_NPU_NO_FIT;
	return AKIDA_NPU_OK;
}

/* ---- program objects ---- */

/* Index an image already known to be valid. */
static int program_index(struct akida_program *p)
{
	const uint8_t *img = p->image;
	size_t off = AKIDA_IMAGE_HEADER_SIZE;
	unsigned int i;

	p->nlayers = get_le16(img + 6);
	p->input_bytes = get_le32(img + 8);
	p->output_bytes = get_le32(img + 12);
	p->layers = calloc(p->nlayers, sizeof(*p->layers));
	if (!p->layers)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	p->max_width = p->input_bytes;
	for (i = 0; i < p->nlayers; i++) {
		const uint8_t *d = img + off;
		struct akida_layer_info *l = &p->layers[i];

		l->kind = d[0];
		l->weight_bits = d[1];
		l->act_bits = d[2];
		l->inputs = get_le32(d + 4);
		l->outputs = get_le32(d + 8);
		l->payload_bytes = get_le32(d + 12);
		l->weight_bytes = (uint32_t)akida_packed_weight_bytes(l->weight_bits,
							  (uint64_t)l->inputs * l->outputs);
		l->offset = off;
		if (l->outputs > p->max_width)
			p->max_width = l->outputs;
		off += AKIDA_LAYER_DESC_SIZE + l->payload_bytes;
	}
	return 0;
}

void akida_program_free(struct akida_program *p)
{
	if (!p)
		return;
	free(p->image);
	free(p->layers);
	free(p);
}

int akida_program_from_image(const void *image, size_t len,
			     struct akida_program **out)
{
	struct akida_program *p;
	unsigned int code;
	int ret;

	if (!out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointer");
	*out = NULL;
	code = akida_image_check(image, len, 0);
	if (code)
		return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
				  "invalid program image: %s (NPU error code %u)",
				  akida_npu_error_name(code), code);
	p = calloc(1, sizeof(*p));
	if (!p || !(p->image = malloc(len))) {
		free(p);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	}
	memcpy(p->image, image, len);
	p->len = len;
	ret = program_index(p);
	if (ret) {
		akida_program_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int akida_program_build(const struct akida_fc_layer *layers, unsigned int n,
			struct akida_program **out)
{
	uint64_t total = AKIDA_IMAGE_HEADER_SIZE;
	struct akida_program *p;
	uint8_t *img, *d;
	unsigned int i;
	uint32_t o;
	int ret;

	if (!out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointer");
	*out = NULL;
	if (!layers || n == 0 || n > UINT16_MAX)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "a program needs 1 to 65535 layers, not %u", n);
	for (i = 0; i < n; i++) {
		const struct akida_fc_layer *l = &layers[i];
		uint64_t payload;

		if (l->inputs == 0 || l->outputs == 0)
			return akida_fail(AKIDA_ERR_INVALID, EINVAL,
					  "layer %u: inputs and outputs must be at least 1", i);
		if (l->weight_bits != 4 && l->weight_bits != 8)
			return akida_fail(AKIDA_ERR_INVALID, EINVAL,
					  "layer %u: weight bits must be 4 or 8, not %u",
					  i, l->weight_bits);
		if (!valid_act_bits(l->act_bits))
			return akida_fail(AKIDA_ERR_INVALID, EINVAL,
					  "layer %u: activation bits must be 1, 2, 4 or 8, not %u",
					  i, l->act_bits);
		if (!l->weights || !l->thresholds || !l->shifts)
			return akida_fail(AKIDA_ERR_INVALID, EINVAL,
					  "layer %u: weights, thresholds and shifts are required", i);
		if (i > 0 && layers[i - 1].outputs != l->inputs)
			return akida_fail(AKIDA_ERR_INVALID, EINVAL,
					  "layer %u has %u inputs but layer %u has %u outputs",
					  i, l->inputs, i - 1, layers[i - 1].outputs);
		payload = layer_payload_bytes(l->weight_bits, l->inputs, l->outputs);
		if (!payload)
			return akida_fail(AKIDA_ERR_INVALID, EFBIG,
					  "layer %u is too large for a program image", i);
		total += AKIDA_LAYER_DESC_SIZE + payload;
		if (total > UINT32_MAX)
			return akida_fail(AKIDA_ERR_INVALID, EFBIG,
					  "program image would exceed 4 GiB");
	}

	img = calloc(1, (size_t)total);
	if (!img)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM,
				  "out of memory for a %llu-byte image",
				  (unsigned long long)total);
	memcpy(img, AKIDA_IMAGE_MAGIC, 4);
	put_le16(img + 4, AKIDA_IMAGE_VERSION);
	put_le16(img + 6, (uint16_t)n);
	put_le32(img + 8, layers[0].inputs);
	put_le32(img + 12, layers[n - 1].outputs);
	put_le32(img + 16, (uint32_t)total);

	d = img + AKIDA_IMAGE_HEADER_SIZE;
	for (i = 0; i < n; i++) {
		const struct akida_fc_layer *l = &layers[i];
		uint64_t count = (uint64_t)l->inputs * l->outputs;
		uint32_t payload = (uint32_t)layer_payload_bytes(l->weight_bits,
								 l->inputs, l->outputs);
		size_t wbytes = akida_packed_weight_bytes(l->weight_bits, count);
		uint8_t *pl = d + AKIDA_LAYER_DESC_SIZE;

		d[0] = AKIDA_LAYER_FC;
		d[1] = l->weight_bits;
		d[2] = l->act_bits;
		d[3] = 0;
		put_le32(d + 4, l->inputs);
		put_le32(d + 8, l->outputs);
		put_le32(d + 12, payload);
		ret = akida_pack_weights(l->weight_bits, l->weights, (size_t)count, pl);
		if (ret) {
			char msg[sizeof(akida_last_error()->message)];

			snprintf(msg, sizeof(msg), "%s", akida_error_message());
			akida_fail(AKIDA_ERR_INVALID, -ret, "layer %u: %s", i, msg);
			free(img);
			return ret;
		}
		for (o = 0; o < l->outputs; o++) {
			put_le32(pl + wbytes + 4 * (size_t)o, (uint32_t)l->thresholds[o]);
			pl[wbytes + 4 * (size_t)l->outputs + o] = l->shifts[o];
		}
		d += AKIDA_LAYER_DESC_SIZE + payload;
	}
	put_le32(img + 20, akida_crc32(0, img + AKIDA_IMAGE_HEADER_SIZE,
				       (size_t)total - AKIDA_IMAGE_HEADER_SIZE));

	p = calloc(1, sizeof(*p));
	if (!p) {
		free(img);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	}
	p->image = img;
	p->len = (size_t)total;
	ret = program_index(p);
	if (ret) {
		akida_program_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

const void *akida_program_image(const struct akida_program *p, size_t *len)
{
	if (len)
		*len = p ? p->len : 0;
	return p ? p->image : NULL;
}

unsigned int akida_program_layer_count(const struct akida_program *p)
{
	return p ? p->nlayers : 0;
}

int akida_program_layer(const struct akida_program *p, unsigned int index,
			struct akida_layer_info *info)
{
	if (!p || !info || index >= p->nlayers)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "layer %u does not exist", index);
	*info = p->layers[index];
	return 0;
}

uint32_t akida_program_input_bytes(const struct akida_program *p)
{
	return p ? p->input_bytes : 0;
}

uint32_t akida_program_output_bytes(const struct akida_program *p)
{
	return p ? p->output_bytes : 0;
}

uint64_t akida_program_macs(const struct akida_program *p)
{
	uint64_t macs = 0;
	unsigned int i;

	for (i = 0; p && i < p->nlayers; i++)
		macs += (uint64_t)p->layers[i].inputs * p->layers[i].outputs;
	return macs;
}

const void *akida_program_layer_weights(const struct akida_program *p,
					unsigned int index, size_t *len)
{
	if (!p || index >= p->nlayers) {
		akida_fail(AKIDA_ERR_INVALID, EINVAL, "layer %u does not exist", index);
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = p->layers[index].weight_bytes;
	return p->image + p->layers[index].offset + AKIDA_LAYER_DESC_SIZE;
}

int akida_program_set_weights(struct akida_program *p, unsigned int index,
			      const int8_t *weights)
{
	const struct akida_layer_info *l;
	uint8_t *wp;
	int ret;

	if (!p || !weights || index >= p->nlayers)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "layer %u does not exist", index);
	l = &p->layers[index];
	wp = p->image + l->offset + AKIDA_LAYER_DESC_SIZE;
	/* Pack into a scratch copy first so a range error changes nothing. */
	{
		uint8_t *tmp = malloc(l->weight_bytes ? l->weight_bytes : 1);

		if (!tmp)
			return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
		ret = akida_pack_weights(l->weight_bits, weights,
					 (size_t)l->inputs * l->outputs, tmp);
		if (!ret)
			memcpy(wp, tmp, l->weight_bytes);
		free(tmp);
		if (ret)
			return ret;
	}
	put_le32(p->image + 20, akida_crc32(0, p->image + AKIDA_IMAGE_HEADER_SIZE,
					    p->len - AKIDA_IMAGE_HEADER_SIZE));
	return 0;
}

/* ---- the golden model ---- */

static void run_layer(const uint8_t *img, const struct akida_layer_info *l,
		      const uint8_t *x, uint8_t *y)
{
	const uint8_t *wp = img + l->offset + AKIDA_LAYER_DESC_SIZE;
	const uint8_t *thr = wp + l->weight_bytes;
	const uint8_t *sh = thr + 4 * (size_t)l->outputs;
	int64_t maxv = ((int64_t)1 << l->act_bits) - 1;
	uint32_t o, i;

	for (o = 0; o < l->outputs; o++) {
		uint64_t k = (uint64_t)o * l->inputs;
		int64_t acc = 0, v;
		unsigned int s;

		if (l->weight_bits == 8) {
			const int8_t *w = (const int8_t *)wp + k;

			for (i = 0; i < l->inputs; i++)
				acc += (int64_t)w[i] * x[i];
		} else {
			for (i = 0; i < l->inputs; i++)
				acc += (int64_t)weight_at(wp, 4, k + i) * x[i];
		}
		acc -= (int32_t)get_le32(thr + 4 * (size_t)o);
		s = sh[o] < 63 ? sh[o] : 63;
		v = asr64(acc, s);
		y[o] = (uint8_t)(v < 0 ? 0 : v > maxv ? maxv : v);
	}
}

int akida_program_run(const struct akida_program *p, const uint8_t *inputs,
		      unsigned int batch, uint8_t *outputs)
{
	uint8_t *a, *b, *t;
	unsigned int n, i;

	if (!p || (batch && (!inputs || !outputs)))
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "program, inputs and outputs are required");
	a = malloc(p->max_width);
	b = malloc(p->max_width);
	if (!a || !b) {
		free(a);
		free(b);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	}
	for (n = 0; n < batch; n++) {
		memcpy(a, inputs + (size_t)n * p->input_bytes, p->input_bytes);
		for (i = 0; i < p->nlayers; i++) {
			run_layer(p->image, &p->layers[i], a, b);
			t = a;
			a = b;
			b = t;
		}
		memcpy(outputs + (size_t)n * p->output_bytes, a, p->output_bytes);
	}
	free(a);
	free(b);
	return 0;
}

/* ---- deterministic test programs ---- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void akida_random_bytes(uint64_t seed, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t s = seed, r = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i & 7) == 0)
			r = splitmix64(&s);
		p[i] = (uint8_t)r;
		r >>= 8;
	}
}

#define CALIB_SAMPLES	16

int akida_program_random(uint64_t seed, const struct akida_random_spec *spec,
			 struct akida_program **out)
{
	static const uint32_t def_sizes[] = { 64, 48, 32, 10 };
	static const uint8_t def_wbits[] = { 8, 4, 4 };
	static const uint8_t def_abits[] = { 4, 2, 8 };
	struct akida_random_spec def = { 3, def_sizes, def_wbits, def_abits };
	struct akida_fc_layer *layers = NULL;
	uint8_t *x = NULL, *y = NULL;
	uint64_t s = seed;
	unsigned int n, i, k;
	int ret = -ENOMEM;

	if (!out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointer");
	*out = NULL;
	if (!spec)
		spec = &def;
	n = spec->layers;
	if (n == 0 || n > 16 || !spec->sizes)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL,
				  "a random program needs 1 to 16 layers and their sizes");
	for (i = 0; i <= n; i++)
		if (spec->sizes[i] == 0 || spec->sizes[i] > 65536)
			return akida_fail(AKIDA_ERR_INVALID, EINVAL,
					  "random program sizes must be 1..65536");

	layers = calloc(n, sizeof(*layers));
	if (!layers)
		goto nomem;
	for (i = 0; i < n; i++) {
		struct akida_fc_layer *l = &layers[i];
		uint64_t cnt, q;
		int8_t *w;

		l->inputs = spec->sizes[i];
		l->outputs = spec->sizes[i + 1];
		l->weight_bits = spec->weight_bits && spec->weight_bits[i] ?
				 spec->weight_bits[i] : 8;
		l->act_bits = spec->act_bits && spec->act_bits[i] ? spec->act_bits[i] : 4;
		if ((l->weight_bits != 4 && l->weight_bits != 8) ||
		    !valid_act_bits(l->act_bits)) {
			ret = akida_fail(AKIDA_ERR_INVALID, EINVAL,
					 "layer %u: bad weight or activation bits", i);
			goto out;
		}
		cnt = (uint64_t)l->inputs * l->outputs;
		w = malloc(cnt);
		l->weights = w;
		l->thresholds = calloc(l->outputs, sizeof(int32_t));
		l->shifts = calloc(l->outputs, 1);
		if (!w || !l->thresholds || !l->shifts)
			goto nomem;
		for (q = 0; q < cnt; q++) {
			uint64_t r = splitmix64(&s);

			w[q] = l->weight_bits == 4 ? (int8_t)((int)(r % 16) - 8) :
						     (int8_t)(uint8_t)r;
		}
	}

	/*
	 * Calibrate thresholds and shifts on a few pseudo-random inputs so that
	 * every output spreads over its activation range on such inputs.
	 */
	{
		uint32_t width = 0;

		for (i = 0; i <= n; i++)
			if (spec->sizes[i] > width)
				width = spec->sizes[i];
		x = malloc((size_t)width * CALIB_SAMPLES);
		y = malloc((size_t)width * CALIB_SAMPLES);
		if (!x || !y)
			goto nomem;
		akida_random_bytes(splitmix64(&s), x, (size_t)spec->sizes[0] * CALIB_SAMPLES);
	}
	for (i = 0; i < n; i++) {
		struct akida_fc_layer *l = &layers[i];
		int32_t *thr = (int32_t *)l->thresholds;
		uint8_t *sh = (uint8_t *)l->shifts;
		int64_t maxv = ((int64_t)1 << l->act_bits) - 1;
		uint32_t o, j;

		for (o = 0; o < l->outputs; o++) {
			int64_t lo = INT64_MAX, hi = INT64_MIN, range;
			unsigned int shift = 0;

			for (k = 0; k < CALIB_SAMPLES; k++) {
				const uint8_t *xi = x + (size_t)k * l->inputs;
				int64_t acc = 0;

				for (j = 0; j < l->inputs; j++)
					acc += (int64_t)l->weights[(size_t)o * l->inputs + j] * xi[j];
				if (acc < lo)
					lo = acc;
				if (acc > hi)
					hi = acc;
			}
			/* Centre the spread: a few samples land on 0 and max. */
			range = hi - lo;
			while (shift < 63 && (range >> shift) > maxv)
				shift++;
			lo += range / 8;
			if (lo > INT32_MAX)
				lo = INT32_MAX;
			if (lo < INT32_MIN)
				lo = INT32_MIN;
			thr[o] = (int32_t)lo;
			sh[o] = (uint8_t)shift;
		}
		/* Propagate the calibration samples through this layer. */
		for (k = 0; k < CALIB_SAMPLES; k++) {
			const uint8_t *xi = x + (size_t)k * l->inputs;
			uint8_t *yi = y + (size_t)k * l->outputs;

			for (o = 0; o < l->outputs; o++) {
				int64_t acc = -(int64_t)thr[o];

				for (j = 0; j < l->inputs; j++)
					acc += (int64_t)l->weights[(size_t)o * l->inputs + j] * xi[j];
				acc = asr64(acc, sh[o]);
				yi[o] = (uint8_t)(acc < 0 ? 0 : acc > maxv ? maxv : acc);
			}
		}
		{
			uint8_t *t = x;

			/* This layer's outputs are the next layer's inputs. */
			x = y;
			y = t;
		}
	}
	ret = akida_program_build(layers, n, out);
	goto out;
nomem:
	ret = akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
out:
	for (i = 0; layers && i < n; i++) {
		free((void *)layers[i].weights);
		free((void *)layers[i].thresholds);
		free((void *)layers[i].shifts);
	}
	free(layers);
	free(x);
	free(y);
	return ret;
}
