// SPDX-License-Identifier: MIT
/*
 * Host tests: .fbz parsing (real files when present, generated ones),
 * truncated and corrupted variants, writing and reading back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <snappy-c.h>

#include "akida.h"
#include "t.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(n ? (size_t)n : 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static const struct akida_fbz_info *load_real(const char *name, struct akida_fbz **f)
{
	const char *dir = t_fbz_dir();
	char path[600];

	if (!dir)
		SKIP_TEST("no real .fbz files (shared/testdata/fbz absent)");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK_MSG(akida_fbz_load(path, f) == 0, "%s: %s", name, akida_error_message());
	return akida_fbz_info(*f);
}

TEST(fbz_real_gesture_layout_a)
{
	struct akida_fbz *f;
	const struct akida_fbz_info *i = load_real("gesture-control.fbz", &f);
	static const char *const names[] = { "sequential_6_input", "dense", "dense_1",
					     "dense_2", "y_pred" };
	static const int units[] = { 51, 35, 25, 10, 4 };
	static const int wbits[] = { -1, 8, 4, 4, 4 };
		/* y_pred has no activation: no activation bits (the file says 1) */
	static const int abits[] = { -1, 4, 4, 4, -1 };

	CHECK_EQ(i->layout, AKIDA_FBZ_LAYOUT_A);
	CHECK_EQ(i->file_bytes, 5767);
	CHECK_EQ(i->payload_bytes, 4916);
	/* file = 32 + n + n / 6: Snappy's worst case, padded with zeros */
	CHECK_EQ(i->file_bytes, 32 + 4916 + 4916 / 6);
	CHECK_EQ(i->stream_bytes + i->trailing_bytes, i->file_bytes);
	CHECK(i->trailing_zero);
	CHECK_EQ(i->nlayers, 5);
	CHECK(!strcmp(i->version, ""));
	for (int k = 0; k < 5; k++) {
		CHECK(!strcmp(i->layers[k].name, names[k]));
		CHECK_EQ(i->layers[k].units, units[k]);
		CHECK_EQ(i->layers[k].weight_bits, wbits[k]);
		CHECK_EQ(i->layers[k].act_bits, abits[k]);
		if (k) {
			CHECK_EQ(i->layers[k].ninbound, 1);
			CHECK(!strcmp(i->layers[k].inbound[0], names[k - 1]));
			CHECK_EQ(i->layers[k].type, AKIDA_FBZ_FULLY_CONNECTED);
			/* weights [units, inputs, 1, 1] */
			CHECK_EQ(i->layers[k].params, units[k] * units[k - 1]);
		}
	}
	CHECK_EQ(i->layers[0].type, AKIDA_FBZ_INPUT_DATA);
	CHECK_EQ(i->total_params, 35 * 51 + 25 * 35 + 10 * 25 + 4 * 10);
	akida_fbz_free(f);
}

TEST(fbz_real_inventory_layout_b)
{
	struct akida_fbz *f;
	const struct akida_fbz_info *i = load_real("inventory-check.fbz", &f);
	int64_t v;

	CHECK_EQ(i->layout, AKIDA_FBZ_LAYOUT_B);
	CHECK(!strcmp(i->version, "2.3.3"));
	CHECK_EQ(i->nlayers, 8);
	CHECK(!strcmp(i->layers[0].name, "conv_0"));
	CHECK_EQ(akida_fbz_layer_prop(&i->layers[0], "input_width", &v), 0);
	CHECK_EQ(v, 224);
	CHECK_EQ(akida_fbz_layer_prop(&i->layers[0], "pooling_width", &v), 0);
	CHECK_EQ(v, -1);
	CHECK_EQ(akida_fbz_layer_prop(&i->layers[0], "no_such_key", &v), -ENOENT);
	CHECK_EQ(i->layers[0].type, AKIDA_FBZ_INPUT_CONV);
	CHECK_EQ(i->layers[4].type, AKIDA_FBZ_SEPARABLE_CONV);
	CHECK_EQ(i->layers[7].units, 2);
	/* conv2d_1: "activation" 0, so no activation bits */
	CHECK_EQ(i->layers[7].act_bits, -1);
	CHECK_EQ(i->total_params, 90800);
	akida_fbz_free(f);
}

TEST(fbz_real_same_model_both_layouts)
{
	struct akida_fbz *a, *b;
	const struct akida_fbz_info *ia = load_real("object-detection.fbz", &a);
	const struct akida_fbz_info *ib = load_real("inventory-check.fbz", &b);

	CHECK_EQ(ia->nlayers, ib->nlayers);
	for (unsigned int k = 0; k < ia->nlayers; k++) {
		CHECK(!strcmp(ia->layers[k].name, ib->layers[k].name));
		CHECK_EQ(ia->layers[k].type, ib->layers[k].type);
		CHECK_EQ(ia->layers[k].units, ib->layers[k].units);
		CHECK_EQ(ia->layers[k].params, ib->layers[k].params);
		CHECK_EQ(ia->layers[k].weight_bits, ib->layers[k].weight_bits);
		/* (layout A's input convolution has no known act bits field) */
		if (ia->layers[k].type != AKIDA_FBZ_INPUT_CONV)
			CHECK_EQ(ia->layers[k].act_bits, ib->layers[k].act_bits);
		/* the same property names and values in both layouts */
		for (unsigned int q = 0; q < ia->layers[k].nprops; q++) {
			const struct akida_fbz_property *pa = &ia->layers[k].props[q];
			int64_t vb;

			CHECK_MSG(akida_fbz_layer_prop(&ib->layers[k], pa->key, &vb) == 0,
				  "layer %u: \"%s\" only in layout A", k, pa->key);
			CHECK_MSG(vb == pa->value, "layer %u: %s %lld vs %lld", k, pa->key,
				  (long long)pa->value, (long long)vb);
		}
	}
	akida_fbz_free(a);
	akida_fbz_free(b);
}

TEST(fbz_real_all_files_parse)
{
	static const char *const files[] = { "gesture-control.fbz", "inventory-check.fbz",
					     "lamp-plant.fbz", "object-detection.fbz" };

	for (unsigned int k = 0; k < 4; k++) {
		struct akida_fbz *f;
		const struct akida_fbz_info *i = load_real(files[k], &f);

		CHECK(i->nlayers > 0);
		CHECK(i->trailing_zero);
		CHECK_EQ(i->file_bytes, 32 + i->payload_bytes + i->payload_bytes / 6);
		akida_fbz_free(f);
	}
}

static void check_truncations(const uint8_t *b, size_t len, size_t stream_end)
{
	struct akida_fbz *f;
	size_t cut, step = len > 20000 ? 97 : 1;

	for (cut = 0; cut < stream_end; cut += step) {
		int ret = akida_fbz_parse(b, cut, &f);

		CHECK_MSG(ret == -EBADMSG, "cut at %zu: %d", cut, ret);
		CHECK(f == NULL);
	}
	/* Everything from the end of the stream on is padding. */
	CHECK_EQ(akida_fbz_parse(b, stream_end, &f), 0);
	akida_fbz_free(f);
}

TEST(fbz_truncated_real)
{
	const char *dir = t_fbz_dir();
	char path[600];
	struct akida_fbz *f;
	uint8_t *b;
	size_t len, end;

	if (!dir)
		SKIP_TEST("no real .fbz files");
	snprintf(path, sizeof(path), "%s/gesture-control.fbz", dir);
	b = slurp(path, &len);
	CHECK(b);
	CHECK_EQ(akida_fbz_parse(b, len, &f), 0);
	end = akida_fbz_info(f)->stream_bytes;
	akida_fbz_free(f);
	check_truncations(b, len, end);
	free(b);
}

TEST(fbz_corrupted_never_crash)
{
	const char *dir = t_fbz_dir();
	char path[600];
	struct akida_fbz *f;
	uint8_t *b, *c;
	size_t len, k;
	uint64_t ok = 0, bad = 0;

	if (!dir)
		SKIP_TEST("no real .fbz files");
	snprintf(path, sizeof(path), "%s/gesture-control.fbz", dir);
	b = slurp(path, &len);
	c = malloc(len);
	CHECK(b && c);
	for (k = 0; k < 3000; k++) {
		uint8_t r[8];

		memcpy(c, b, len);
		akida_random_bytes(k, r, sizeof(r));
		c[(r[0] | r[1] << 8 | r[2] << 16) % 4400] ^= (uint8_t)(r[3] | 1);
		if (akida_fbz_parse(c, len, &f) == 0) {
			ok++;
			akida_fbz_free(f);
		} else {
			bad++;
			CHECK(akida_last_error()->kind == AKIDA_ERR_INVALID);
		}
	}
	CHECK(bad > 0);
	free(b);
	free(c);
}

TEST(fbz_rejects_garbage_with_messages)
{
	static const uint8_t empty[1] = { 0 };
	static const uint8_t huge_len[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	static const uint8_t bad_leb[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 };
	/* declares 8 bytes, copies from before the start */
	static const uint8_t bad_copy[] = { 0x08, 0x01 | (3 << 2), 0x05 };
	/* declares 4 bytes, literal of 8: decodes to more than declared */
	static const uint8_t too_long[] = { 0x04, 7 << 2, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct akida_fbz *f;

	CHECK_EQ(akida_fbz_parse(empty, 0, &f), -EBADMSG);
	CHECK_EQ(akida_fbz_parse(empty, 1, &f), -EBADMSG);
	CHECK(strstr(akida_error_message(), "too small"));
	CHECK_EQ(akida_fbz_parse(huge_len, sizeof(huge_len), &f), -EFBIG);
	CHECK_EQ(akida_fbz_parse(bad_leb, sizeof(bad_leb), &f), -EBADMSG);
	CHECK(strstr(akida_error_message(), "LEB128"));
	CHECK_EQ(akida_fbz_parse(bad_copy, sizeof(bad_copy), &f), -EBADMSG);
	CHECK(strstr(akida_error_message(), "before the start"));
	CHECK_EQ(akida_fbz_parse(too_long, sizeof(too_long), &f), -EBADMSG);
	CHECK(strstr(akida_error_message(), "more than the declared"));
	CHECK_EQ(akida_fbz_load("/nonexistent/x.fbz", &f), -ENOENT);
	CHECK(strstr(akida_error_message(), "/nonexistent/x.fbz"));
}

TEST(fbz_bad_flatbuffer_detected)
{
	/* a valid Snappy stream whose payload is a root offset past the end */
	uint8_t fbuf[16] = { 0xf0, 0, 0, 0 }, comp[64];
	size_t clen = sizeof(comp);
	struct akida_fbz *f;

	CHECK_EQ(snappy_compress((char *)fbuf, sizeof(fbuf), (char *)comp, &clen), SNAPPY_OK);
	CHECK_EQ(akida_fbz_parse(comp, clen, &f), -EBADMSG);
	CHECK(strstr(akida_error_message(), "malformed model"));
	/* root table whose vtable offset points outside */
	memset(fbuf, 0, sizeof(fbuf));
	fbuf[0] = 4;
	fbuf[4] = 0x00;
	fbuf[5] = 0x10;
	clen = sizeof(comp);
	CHECK_EQ(snappy_compress((char *)fbuf, sizeof(fbuf), (char *)comp, &clen), SNAPPY_OK);
	CHECK_EQ(akida_fbz_parse(comp, clen, &f), -EBADMSG);
}

TEST(fbz_write_and_read_back_program)
{
	struct akida_program *p, *q;
	struct akida_fbz *f;
	const struct akida_fbz_info *i;
	uint8_t *buf;
	size_t len, la, lb;
	const void *ia, *ib;
	char path[400];

	CHECK_EQ(akida_program_random(3, NULL, &p), 0);
	CHECK_EQ(akida_fbz_write_program(p, &buf, &len), 0);
	CHECK_EQ(akida_fbz_parse(buf, len, &f), 0);
	i = akida_fbz_info(f);
	CHECK_EQ(i->layout, AKIDA_FBZ_LAYOUT_B);
	CHECK(!strncmp(i->version, "libakida-", 9));
	CHECK_EQ(i->nlayers, 3);
	CHECK_EQ(i->file_bytes, 32 + i->payload_bytes + i->payload_bytes / 6);
	CHECK(!strcmp(i->layers[1].name, "fc_1"));
	CHECK(!strcmp(i->layers[1].inbound[0], "fc_0"));
	CHECK_EQ(i->layers[0].units, 48);
	CHECK_EQ(i->layers[1].weight_bits, 4);
	CHECK_EQ(i->layers[1].act_bits, 2);
	CHECK_EQ(i->total_params, 64 * 48 + 48 * 32 + 32 * 10);
	CHECK_EQ(akida_program_from_fbz(f, &q), 0);
	ia = akida_program_image(p, &la);
	ib = akida_program_image(q, &lb);
	CHECK_EQ(la, lb);
	CHECK(!memcmp(ia, ib, la));
	akida_program_free(q);
	akida_fbz_free(f);
	free(buf);

	snprintf(path, sizeof(path), "%s/m.fbz", t_tmpdir());
	CHECK_EQ(akida_fbz_save_program(p, path), 0);
	CHECK_EQ(akida_fbz_load(path, &f), 0);
	CHECK_EQ(akida_fbz_info(f)->nlayers, 3);
	akida_fbz_free(f);
	akida_program_free(p);
}

TEST(fbz_generated_truncations)
{
	struct akida_program *p;
	struct akida_fbz *f;
	uint8_t *buf;
	size_t len, end;

	CHECK_EQ(akida_program_random(5, NULL, &p), 0);
	CHECK_EQ(akida_fbz_write_program(p, &buf, &len), 0);
	CHECK_EQ(akida_fbz_parse(buf, len, &f), 0);
	end = akida_fbz_info(f)->stream_bytes;
	akida_fbz_free(f);
	check_truncations(buf, len, end);
	free(buf);
	akida_program_free(p);
}

TEST(fbz_real_model_is_not_a_program)
{
	struct akida_fbz *f;
	struct akida_program *p;

	load_real("gesture-control.fbz", &f);
	CHECK_EQ(akida_program_from_fbz(f, &p), -ENOTSUP);
	CHECK(strstr(akida_error_message(), "sequential_6_input"));
	akida_fbz_free(f);
}

/* ---- issue #20: structural checks of hand-built models ---- */

static int parse_spec(const struct t_fbz_spec *s)
{
	static uint8_t buf[1 << 17];
	size_t n = t_fbz_build(s, buf, sizeof(buf));
	struct akida_fbz *f = NULL;
	int ret;

	CHECK(n > 0);
	ret = akida_fbz_parse(buf, n, &f);
	if (!ret) {
		CHECK(f);
		akida_fbz_free(f);
	} else {
		CHECK(f == NULL);
		CHECK_MSG(akida_last_error()->kind == AKIDA_ERR_INVALID, "%s",
			  akida_error_message());
	}
	return ret;
}

TEST(fbz_built_model_parses)
{
	struct t_fbz_spec s = { 2, "fc", "2.0.0", 2, { 3, 4 }, 12, AKIDA_FBZ_DTYPE_INT8 };
	struct t_fbz_spec a = { 1, "fc", NULL, 1, { 5 }, 20, AKIDA_FBZ_DTYPE_INT32 };
	static uint8_t buf[1 << 17];
	struct akida_fbz *f;
	size_t n = t_fbz_build(&s, buf, sizeof(buf));

	CHECK_MSG(akida_fbz_parse(buf, n, &f) == 0, "%s", akida_error_message());
	CHECK_EQ(akida_fbz_info(f)->nlayers, 2);
	CHECK_EQ(akida_fbz_info(f)->layers[1].vars[0].elements, 12);
	CHECK_EQ(akida_fbz_info(f)->total_params, 24);
	akida_fbz_free(f);
	CHECK_MSG(parse_spec(&a) == 0, "%s", akida_error_message());
}

TEST(fbz_rejects_model_without_layers)
{
	struct t_fbz_spec s = { 0, NULL, "2.0.0", 0, { 0 }, 0, 0 };

	CHECK_EQ(parse_spec(&s), -EBADMSG);
	CHECK_MSG(strstr(akida_error_message(), "no layers"), "%s", akida_error_message());
}

TEST(fbz_rejects_shape_size_mismatch)
{
	struct t_fbz_spec s = { 1, "fc", "2.0.0", 2, { 3, 4 }, 11, AKIDA_FBZ_DTYPE_INT8 };
	struct t_fbz_spec t = { 1, "fc", NULL, 1, { 5 }, 5, AKIDA_FBZ_DTYPE_INT32 };

	CHECK_EQ(parse_spec(&s), -EBADMSG);
	CHECK_MSG(strstr(akida_error_message(), "shape"), "%s", akida_error_message());
	CHECK_EQ(parse_spec(&t), -EBADMSG);
}

TEST(fbz_rejects_negative_dimension)
{
	struct t_fbz_spec s = { 1, "fc", "2.0.0", 2, { -3, -4 }, 12, AKIDA_FBZ_DTYPE_INT8 };

	CHECK_EQ(parse_spec(&s), -EBADMSG);
	CHECK_MSG(strstr(akida_error_message(), "negative"), "%s", akida_error_message());
}

TEST(fbz_rejects_too_many_dimensions)
{
	struct t_fbz_spec s = { 1, "fc", "2.0.0", 9, { 1, 1, 1, 1, 1, 1, 1, 1, 2 }, 2,
				AKIDA_FBZ_DTYPE_INT8 };

	CHECK_EQ(parse_spec(&s), -EBADMSG);
	CHECK_MSG(strstr(akida_error_message(), "dimensions"), "%s", akida_error_message());
}

#include <sys/resource.h>

/*
 * A 12 MB file of Snappy copies declaring a 256 MiB model whose root
 * offset is garbage: refused before the model is allocated (this child's
 * peak RSS stays far below 256 MiB).
 */
TEST(fbz_huge_declared_model_refused_before_allocating)
{
	const size_t want = 256u << 20, copies = (want - 64) / 64;
	size_t len = 5 + 2 + 64 + 3 * copies, i = 0, k;
	uint8_t *b = malloc(len);
	struct akida_fbz *f;
	struct rusage ru;
	uint32_t v = (uint32_t)want;

	CHECK(b);
	while (v >= 0x80) {
		b[i++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[i++] = (uint8_t)v;
	b[i++] = 60 << 2;		/* literal of 63 + 1 bytes */
	b[i++] = 63;
	memset(b + i, 0xff, 64);
	i += 64;
	for (k = 0; k < copies; k++) {
		b[i++] = (63 << 2) | 2;	/* copy 64 bytes from 64 back */
		b[i++] = 64;
		b[i++] = 0;
	}
	CHECK_EQ(akida_fbz_parse(b, i, &f), -EBADMSG);
	CHECK(akida_last_error()->kind == AKIDA_ERR_INVALID);
	CHECK_MSG(strstr(akida_error_message(), "root"), "%s", akida_error_message());
	free(b);
	CHECK_EQ(getrusage(RUSAGE_SELF, &ru), 0);
	CHECK_MSG(ru.ru_maxrss < 160 * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
}

#include <sys/stat.h>
#include <unistd.h>

/* An unreadable file is an input error (exit 9), not "backend unavailable". */
TEST(fbz_unreadable_file_is_invalid_input)
{
	char path[600];
	struct akida_fbz *f;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/locked.fbz", t_tmpdir());
	fp = fopen(path, "wb");
	CHECK(fp);
	fputs("x", fp);
	fclose(fp);
	chmod(path, 0);
	if (geteuid() == 0 && setuid(65534))
		SKIP_TEST("root, and cannot drop to uid 65534");
	CHECK(access(path, R_OK) != 0);
	CHECK(akida_fbz_load(path, &f) < 0);
	CHECK_EQ(akida_last_error()->kind, AKIDA_ERR_INVALID);
	CHECK_MSG(strstr(akida_error_message(), "ermission denied"), "%s", akida_error_message());
}
