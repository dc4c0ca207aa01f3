// SPDX-License-Identifier: MIT
/*
 * Host tests: program builder, image checks and the golden model, against
 * hand-computed expectations.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "akida.h"
#include "t.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void set_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void fix_crc(uint8_t *img, size_t len)
{
	set_le32(img + 20, (uint32_t)crc32(0, img + 32, (uInt)(len - 32)));
}

/* 3 inputs, 2 outputs, 8-bit weights, 8-bit activations. */
static const int8_t w1[] = { 1, -2, 3, 4, 5, -6 };
static const int32_t t1[] = { 1, -10 };
static const uint8_t s1[] = { 0, 2 };

static struct akida_program *small_program(void)
{
	struct akida_fc_layer l = { 3, 2, 8, 8, w1, t1, s1 };
	struct akida_program *p;

	CHECK_EQ(akida_program_build(&l, 1, &p), 0);
	return p;
}

TEST(crc32_matches_zlib)
{
	uint8_t buf[4096];

	CHECK_EQ(akida_crc32(0, "123456789", 9), 0xCBF43926u);
	akida_random_bytes(7, buf, sizeof(buf));
	CHECK_EQ(akida_crc32(0, buf, sizeof(buf)), crc32(0, buf, sizeof(buf)));
	CHECK_EQ(akida_crc32(akida_crc32(0, buf, 1000), buf + 1000, 3096),
		 crc32(0, buf, sizeof(buf)));
	CHECK_EQ(akida_crc32(0, buf, 0), 0);
}

TEST(image_header_and_layout)
{
	struct akida_program *p = small_program();
	const uint8_t *img;
	size_t len;

	img = akida_program_image(p, &len);
	/* 32 header + 16 descriptor + (6 weights + 8 thresholds + 2 shifts = 16) */
	CHECK_EQ(len, 64);
	CHECK(!memcmp(img, "AKP1", 4));
	CHECK_EQ(img[4] | img[5] << 8, 1);	/* version */
	CHECK_EQ(img[6] | img[7] << 8, 1);	/* layers */
	CHECK_EQ(le32(img + 8), 3);
	CHECK_EQ(le32(img + 12), 2);
	CHECK_EQ(le32(img + 16), 64);
	CHECK_EQ(le32(img + 20), crc32(0, img + 32, 32));
	for (int i = 24; i < 32; i++)
		CHECK_EQ(img[i], 0);
	/* descriptor */
	CHECK_EQ(img[32], 1);
	CHECK_EQ(img[33], 8);
	CHECK_EQ(img[34], 8);
	CHECK_EQ(img[35], 0);
	CHECK_EQ(le32(img + 36), 3);
	CHECK_EQ(le32(img + 40), 2);
	CHECK_EQ(le32(img + 44), 16);
	/* payload */
	static const uint8_t payload[16] = {
		0x01, 0xfe, 0x03, 0x04, 0x05, 0xfa,	/* weights */
		0x01, 0x00, 0x00, 0x00,			/* threshold 1 */
		0xf6, 0xff, 0xff, 0xff,			/* threshold -10 */
		0x00, 0x02,				/* shifts */
	};
	CHECK(!memcmp(img + 48, payload, 16));
	CHECK_EQ(akida_image_check(img, len, 0), 0);
	CHECK_EQ(akida_program_macs(p), 6);
	akida_program_free(p);
}

TEST(padding_to_four_bytes)
{
	/* 1 input, 1 output, 8-bit: 1 + 4 + 1 = 6 -> padded to 8. */
	static const int8_t w[] = { 2 };
	static const int32_t t[] = { 0 };
	static const uint8_t s[] = { 0 };
	struct akida_fc_layer l = { 1, 1, 8, 8, w, t, s };
	struct akida_program *p;
	const uint8_t *img;
	size_t len;

	CHECK_EQ(akida_program_build(&l, 1, &p), 0);
	img = akida_program_image(p, &len);
	CHECK_EQ(len, 32 + 16 + 8);
	CHECK_EQ(le32(img + 44), 8);
	CHECK_EQ(img[54], 0);
	CHECK_EQ(img[55], 0);
	akida_program_free(p);
}

TEST(four_bit_packing_low_nibble_first)
{
	static const int8_t w[] = { 1, -2, 3, -8, 7 };
	uint8_t out[3];

	CHECK_EQ(akida_pack_weights(4, w, 5, out), 0);
	CHECK_EQ(out[0], 0xe1);
	CHECK_EQ(out[1], 0x83);
	CHECK_EQ(out[2], 0x07);
	CHECK_EQ(akida_packed_weight_bytes(4, 5), 3);
	CHECK_EQ(akida_packed_weight_bytes(8, 5), 5);

	static const int8_t bad[] = { 8 };
	CHECK_EQ(akida_pack_weights(4, bad, 1, out), -ERANGE);
	CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_INVALID);
}

TEST(four_bit_layer_image_and_golden)
{
	/* 5 inputs x 1 output: 3 weight bytes, 4 threshold, 1 shift = 8. */
	static const int8_t w[] = { 1, -2, 3, -8, 7 };
	static const int32_t t[] = { -3 };
	static const uint8_t s[] = { 1 };
	struct akida_fc_layer l = { 5, 1, 4, 8, w, t, s };
	static const uint8_t x[5] = { 10, 20, 30, 1, 2 };
	struct akida_program *p;
	const uint8_t *img;
	uint8_t y;
	size_t len;

	CHECK_EQ(akida_program_build(&l, 1, &p), 0);
	img = akida_program_image(p, &len);
	CHECK_EQ(len, 32 + 16 + 8);
	CHECK_EQ(img[48], 0xe1);
	CHECK_EQ(img[49], 0x83);
	CHECK_EQ(img[50], 0x07);
	CHECK_EQ(le32(img + 51), (uint32_t)-3);
	CHECK_EQ(img[55], 1);
	/* 10 - 40 + 90 - 8 + 14 = 66; 66 + 3 = 69; 69 >> 1 = 34 */
	CHECK_EQ(akida_program_run(p, x, 1, &y), 0);
	CHECK_EQ(y, 34);
	akida_program_free(p);
}

TEST(golden_hand_computed)
{
	struct akida_program *p = small_program();
	static const uint8_t x[6] = { 10, 20, 30, 100, 50, 10 };
	uint8_t y[4];

	CHECK_EQ(akida_program_run(p, x, 2, y), 0);
	/* o0: 10 - 40 + 90 - 1 = 59 */
	CHECK_EQ(y[0], 59);
	/* o1: 40 + 100 - 180 + 10 = -30; -30 >> 2 = -8 -> 0 */
	CHECK_EQ(y[1], 0);
	/* o0: 100 - 100 + 30 - 1 = 29 */
	CHECK_EQ(y[2], 29);
	/* o1: 400 + 250 - 60 + 10 = 600; 600 >> 2 = 150 */
	CHECK_EQ(y[3], 150);
	akida_program_free(p);
}

TEST(golden_activation_clamp)
{
	static const int8_t w[] = { 2 };
	static const int32_t t[] = { 0, 0, 0, 0 };
	static const uint8_t s[] = { 0, 0, 0, 0 };
	static const uint8_t bits[] = { 1, 2, 4, 8 };
	static const uint8_t expect[] = { 1, 3, 15, 255 };
	uint8_t x = 200, y;

	/* 2 * 200 = 400 clamps to 2^bits - 1 */
	for (int i = 0; i < 4; i++) {
		struct akida_fc_layer l = { 1, 1, 8, bits[i], w, t, s };
		struct akida_program *p;

		CHECK_EQ(akida_program_build(&l, 1, &p), 0);
		CHECK_EQ(akida_program_run(p, &x, 1, &y), 0);
		CHECK_EQ(y, expect[i]);
		x = 5;
		CHECK_EQ(akida_program_run(p, &x, 1, &y), 0);
		/* 2 * 5 = 10 */
		CHECK_EQ(y, bits[i] == 1 ? 1 : bits[i] == 2 ? 3 : 10);
		x = 200;
		akida_program_free(p);
	}
}

TEST(golden_shift_clamped_to_63)
{
	static const int8_t w[] = { 127 };
	static const int32_t tneg[] = { 100000 };
	static const int32_t tpos[] = { INT32_MIN };
	static const uint8_t s200[] = { 200 };
	static const uint8_t s31[] = { 31 };
	uint8_t x = 255, y;
	struct akida_program *p;
	struct akida_fc_layer l = { 1, 1, 8, 8, w, tneg, s200 };

	/* negative accumulator shifted by 63 stays -1 -> clamps to 0 */
	CHECK_EQ(akida_program_build(&l, 1, &p), 0);
	CHECK_EQ(akida_program_run(p, &x, 1, &y), 0);
	CHECK_EQ(y, 0);
	akida_program_free(p);
	/* 32385 + 2^31 = 2147516033; >> 31 = 1 */
	l.thresholds = tpos;
	l.shifts = s31;
	CHECK_EQ(akida_program_build(&l, 1, &p), 0);
	CHECK_EQ(akida_program_run(p, &x, 1, &y), 0);
	CHECK_EQ(y, 1);
	akida_program_free(p);
	/* same with shift 200 (clamped to 63): 0 */
	l.shifts = s200;
	CHECK_EQ(akida_program_build(&l, 1, &p), 0);
	CHECK_EQ(akida_program_run(p, &x, 1, &y), 0);
	CHECK_EQ(y, 0);
	akida_program_free(p);
}

TEST(golden_64bit_accumulator)
{
	enum { N = 70000 };
	int8_t *w = malloc(N);
	uint8_t *x = malloc(N);
	static const int32_t t[] = { 0 };
	static const uint8_t s[] = { 24 };
	struct akida_fc_layer l = { N, 1, 8, 8, NULL, t, s };
	struct akida_program *p;
	uint8_t y;

	CHECK(w && x);
	memset(w, 127, N);
	memset(x, 255, N);
	l.weights = w;
	/* 127 * 255 * 70000 = 2266950000 (> 2^31); >> 24 = 135 */
	CHECK_EQ(akida_program_build(&l, 1, &p), 0);
	CHECK_EQ(akida_program_run(p, x, 1, &y), 0);
	CHECK_EQ(y, 135);
	akida_program_free(p);
	free(w);
	free(x);
}

TEST(golden_multilayer_chain)
{
	/* 2 -> 2 (8-bit w, 4-bit act) -> 1 (4-bit w, 2-bit act) */
	static const int8_t wa[] = { 1, 1, 1, -1 };
	static const int32_t ta[] = { 0, -2 };
	static const uint8_t sa[] = { 4, 0 };
	static const int8_t wb[] = { 1, 1 };
	static const int32_t tb[] = { 4 };
	static const uint8_t sb[] = { 2 };
	struct akida_fc_layer l[2] = {
		{ 2, 2, 8, 4, wa, ta, sa },
		{ 2, 1, 4, 2, wb, tb, sb },
	};
	struct akida_program *p;
	uint8_t x[2] = { 100, 60 }, y;

	CHECK_EQ(akida_program_build(l, 2, &p), 0);
	CHECK_EQ(akida_program_layer_count(p), 2);
	/* layer a: (160 >> 4) = 10; 40 + 2 = 42 -> 15. layer b: 25 - 4 = 21 >> 2 = 5 -> 3 */
	CHECK_EQ(akida_program_run(p, x, 1, &y), 0);
	CHECK_EQ(y, 3);
	x[0] = 20;
	x[1] = 30;
	/* a: 50 >> 4 = 3; -10 + 2 = -8 -> 0. b: 3 - 4 = -1 -> 0 */
	CHECK_EQ(akida_program_run(p, x, 1, &y), 0);
	CHECK_EQ(y, 0);
	akida_program_free(p);
}

TEST(builder_rejects_bad_layers)
{
	static const int8_t w[] = { 1, 2, 3, 4 };
	static const int32_t t[] = { 0, 0 };
	static const uint8_t s[] = { 0, 0 };
	struct akida_fc_layer l = { 2, 2, 8, 8, w, t, s };
	struct akida_fc_layer two[2] = { { 2, 2, 8, 8, w, t, s }, { 1, 2, 8, 8, w, t, s } };
	struct akida_program *p = (void *)1;

	l.weight_bits = 6;
	CHECK_EQ(akida_program_build(&l, 1, &p), -EINVAL);
	CHECK(p == NULL);
	CHECK(strstr(akida_error_message(), "weight bits"));
	l.weight_bits = 8;
	l.act_bits = 3;
	CHECK_EQ(akida_program_build(&l, 1, &p), -EINVAL);
	l.act_bits = 8;
	l.inputs = 0;
	CHECK_EQ(akida_program_build(&l, 1, &p), -EINVAL);
	l.inputs = 2;
	l.weights = NULL;
	CHECK_EQ(akida_program_build(&l, 1, &p), -EINVAL);
	l.weights = w;
	CHECK_EQ(akida_program_build(&l, 0, &p), -EINVAL);
	CHECK_EQ(akida_program_build(two, 2, &p), -EINVAL);
	CHECK(strstr(akida_error_message(), "layer 1 has 1 inputs"));
	l.weight_bits = 4;	/* 1..4 fit, but build a bad one */
	{
		static const int8_t big[] = { 1, 2, 3, 9 };

		l.weights = big;
		CHECK_EQ(akida_program_build(&l, 1, &p), -ERANGE);
		CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_INVALID);
	}
}

TEST(image_check_error_codes)
{
	/* 2 layers: 3 -> 4 (8-bit), 4 -> 2 (8-bit) */
	static const int8_t wa[12] = { 1 }, wb[8] = { 1 };
	static const int32_t ta[4], tb[2];
	static const uint8_t sa[4], sb[2];
	struct akida_fc_layer l[2] = {
		{ 3, 4, 8, 8, wa, ta, sa }, { 4, 2, 8, 8, wb, tb, sb },
	};
	struct akida_program *p, *q;
	uint8_t *img;
	size_t len, l1;

	CHECK_EQ(akida_program_build(l, 2, &p), 0);
	akida_program_image(p, &len);
	img = malloc(len);
	CHECK(img);
#define RESET() memcpy(img, akida_program_image(p, NULL), len)
	RESET();
	CHECK_EQ(akida_image_check(img, len, 0), 0);
	CHECK_EQ(akida_image_check(img, len, len), 0);
	CHECK_EQ(akida_image_check(img, len, len - 1), AKIDA_NPU_NO_FIT);
	CHECK_EQ(akida_image_check(img, len, 80ull * AKIDA_NP_SRAM_BYTES), 0);
	img[0] = 'X';
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_MAGIC);
	RESET();
	img[4] = 2;
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_MAGIC);
	RESET();
	img[31] = 1;
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_MAGIC);
	RESET();
	CHECK_EQ(akida_image_check(img, len - 4, 0), AKIDA_NPU_BAD_SIZE);
	CHECK_EQ(akida_image_check(img, 16, 0), AKIDA_NPU_BAD_SIZE);
	img[6] = 0;	/* zero layers */
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	img[6] = 3;	/* more layers than the image holds */
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	img[6] = 1;	/* fewer: bytes left over */
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	img[32] = 2;	/* kind */
	fix_crc(img, len);
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	img[33] = 6;	/* weight bits */
	fix_crc(img, len);
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	img[34] = 3;	/* activation bits */
	fix_crc(img, len);
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	img[35] = 1;	/* reserved */
	fix_crc(img, len);
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	set_le32(img + 44, le32(img + 44) + 4);	/* payload size */
	fix_crc(img, len);
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_SIZE);
	RESET();
	img[len - 1] ^= 1;	/* CRC */
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_BAD_CRC);
	RESET();
	set_le32(img + 8, 5);	/* header input bytes (not covered by the CRC) */
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_NO_CHAIN);
	RESET();
	set_le32(img + 12, 3);	/* header output bytes */
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_NO_CHAIN);
	RESET();
	/* layer 1: 4 -> 2 has payload 8 + 10 = 18 -> 20; 5 -> 2 also 20 */
	l1 = 32 + 16 + le32(img + 44);
	CHECK_EQ(le32(img + l1 + 12), 20);
	set_le32(img + l1 + 4, 5);
	fix_crc(img, len);
	CHECK_EQ(akida_image_check(img, len, 0), AKIDA_NPU_NO_CHAIN);
	CHECK_EQ(akida_program_from_image(img, len, &q), -EBADMSG);
	CHECK(strstr(akida_error_message(), "code 4"));
	RESET();
	CHECK_EQ(akida_program_from_image(img, len, &q), 0);
	CHECK_EQ(akida_program_input_bytes(q), 3);
	CHECK_EQ(akida_program_output_bytes(q), 2);
	akida_program_free(q);
#undef RESET
	free(img);
	akida_program_free(p);
}

TEST(set_weights_updates_image_and_crc)
{
	struct akida_program *p = small_program();
	static const int8_t nw[] = { 0, 0, 1, 0, 0, 1 };
	static const uint8_t x[3] = { 10, 20, 30 };
	const uint8_t *wp;
	uint8_t y[2];
	size_t len;

	CHECK_EQ(akida_program_set_weights(p, 0, nw), 0);
	wp = akida_program_layer_weights(p, 0, &len);
	CHECK_EQ(len, 6);
	CHECK(!memcmp(wp, nw, 6));
	const void *img = akida_program_image(p, &len);
	CHECK_EQ(akida_image_check(img, len, 0), 0);
	CHECK_EQ(akida_program_run(p, x, 1, y), 0);
	CHECK_EQ(y[0], 29);		/* 30 - 1 */
	CHECK_EQ(y[1], 10);		/* (30 + 10) >> 2 */
	CHECK_EQ(akida_program_set_weights(p, 1, nw), -EINVAL);
	akida_program_free(p);
}

TEST(random_program_deterministic_and_spread)
{
	struct akida_program *a, *b;
	const void *ia, *ib;
	size_t la, lb;
	uint8_t in[64 * 32], out[10 * 32];
	int seen[256] = { 0 }, distinct = 0;

	CHECK_EQ(akida_program_random(42, NULL, &a), 0);
	CHECK_EQ(akida_program_random(42, NULL, &b), 0);
	ia = akida_program_image(a, &la);
	ib = akida_program_image(b, &lb);
	CHECK_EQ(la, lb);
	CHECK(!memcmp(ia, ib, la));
	CHECK_EQ(akida_program_input_bytes(a), 64);
	CHECK_EQ(akida_program_output_bytes(a), 10);
	akida_random_bytes(1, in, sizeof(in));
	CHECK_EQ(akida_program_run(a, in, 32, out), 0);
	for (unsigned int i = 0; i < sizeof(out); i++)
		if (!seen[out[i]]++)
			distinct++;
	CHECK_MSG(distinct >= 16, "only %d distinct output values", distinct);
	akida_program_free(a);
	akida_program_free(b);
}
