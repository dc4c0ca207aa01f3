// SPDX-License-Identifier: MIT
/*
 * akida verify: DMA loopback and inference checked against the golden
 * model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

struct check {
	const char *name;
	int ok;
	double ms;
	char detail[160];
};

static int verify_dma(struct akida_device *dev, struct check *c, size_t size, uint64_t seed)
{
	uint8_t *a = malloc(size), *b = malloc(size);
	uint64_t addr, t0 = 0;
	int ret;
	size_t i;

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	akida_random_bytes(seed, a, size);
	memset(b, 0, size);
	ret = akida_mem_alloc(dev, size, &addr);
	if (!ret) {
		t0 = akida_time_ns();
		ret = akida_mem_write(dev, addr, a, size);
		if (!ret)
			ret = akida_mem_read(dev, addr, b, size);
		c->ms = (akida_time_ns() - t0) / 1e6;
		akida_mem_free(dev, addr);
	}
	if (ret) {
		snprintf(c->detail, sizeof(c->detail), "%s", akida_error_message());
	} else {
		for (i = 0; i < size && a[i] == b[i]; i++)
			;
		c->ok = i == size;
		if (c->ok)
			snprintf(c->detail, sizeof(c->detail),
				 "%zu bytes to 0x%08" PRIx64 " and back, identical", size, addr);
		else
			snprintf(c->detail, sizeof(c->detail),
				 "%zu bytes: first difference at byte %zu (wrote 0x%02x, read 0x%02x)",
				 size, i, a[i], b[i]);
	}
	free(a);
	free(b);
	return ret;
}

static int verify_model(struct akida_device *dev, struct check *c, uint64_t seed,
			const struct akida_random_spec *spec, unsigned int batch, int update)
{
	struct akida_program *p;
	struct akida_run_stats st;
	uint8_t *in, *out, *gold;
	uint32_t ib, ob;
	size_t i, diff = 0;
	int ret;

	ret = akida_program_random(seed, spec, &p);
	if (ret) {
		snprintf(c->detail, sizeof(c->detail), "%s", akida_error_message());
		return ret;
	}
	ib = akida_program_input_bytes(p);
	ob = akida_program_output_bytes(p);
	ret = alloc_batch(p, batch, &in, &out, &gold);
	if (ret)
		goto out;
	akida_random_bytes(seed ^ 0x5a5a, in, (size_t)ib * batch);
	ret = akida_load(dev, p);
	/* update layers 1 then 2 (the bits of @update), each without a reload */
	for (unsigned int layer = 0; !ret && layer < 16; layer++) {
		struct akida_layer_info li;
		int8_t *w;

		if (!(update & (1 << layer)))
			continue;
		akida_program_layer(p, layer, &li);
		w = malloc((size_t)li.inputs * li.outputs);
		if (!w) {
			ret = -ENOMEM;
			goto out;
		}
		akida_random_bytes(seed + 99 + layer, w, (size_t)li.inputs * li.outputs);
		if (li.weight_bits == 4)
			for (i = 0; i < (size_t)li.inputs * li.outputs; i++)
				w[i] = (int8_t)(w[i] >> 4);
		ret = akida_program_set_weights(p, layer, w);
		free(w);
		if (!ret)
			ret = akida_update_weights(dev, p, layer);
	}
	if (!ret)
		ret = akida_infer(dev, in, batch, out, &st);
	if (ret) {
		snprintf(c->detail, sizeof(c->detail), "%s", akida_error_message());
		goto out;
	}
	c->ms = st.wall_ns / 1e6;
	diff = golden_diff(p, in, batch, out, gold);
	c->ok = diff == 0;
	{
		size_t len;

		akida_program_image(p, &len);
		if (c->ok)
			snprintf(c->detail, sizeof(c->detail),
				 "%u layers, %zu-byte program, batch %u x %u bytes: %zu output bytes "
				 "match the golden model", akida_program_layer_count(p), len, batch,
				 ib, (size_t)ob * batch);
		else
			snprintf(c->detail, sizeof(c->detail),
				 "%zu of %zu output bytes differ from the golden model", diff,
				 (size_t)ob * batch);
	}
out:
	free(in);
	free(out);
	free(gold);
	akida_program_free(p);
	return ret;
}

int cmd_verify(int argc, char **argv)
{
	static const uint32_t s1[] = { 64, 48, 32, 10 };
	static const uint8_t w1[] = { 8, 4, 4 }, a1[] = { 4, 2, 8 };
	static const uint32_t s2[] = { 200, 100, 16 };
	static const uint8_t w2[] = { 4, 8 }, a2[] = { 1, 8 };
	static const uint32_t s3[] = { 784, 128, 64, 10 };
	static const uint8_t w3[] = { 8, 8, 4 }, a3[] = { 8, 4, 2 };
	struct akida_random_spec sp1 = { 3, s1, w1, a1 }, sp2 = { 2, s2, w2, a2 };
	struct akida_random_spec sp3 = { 3, s3, w3, a3 };
	struct check checks[8];
	struct akida_device *dev;
	const struct akida_caps *caps;
	unsigned int n = 0, i, failed = 0;
	int ret = EX_OK;

	if (argc != 2)
		return usage_error("usage: verify N|BDF");
	if (akida_open(argv[1], opt_backend, &dev))
		return lib_error();
	caps = akida_device_caps(dev);
	memset(checks, 0, sizeof(checks));
	if (akida_check_infer(dev)) {
		ret = lib_error();
		akida_close(dev);
		return ret;
	}
	if (!opt_json)
		printf("Verifying %s %s through the %s backend\n", caps->chip, caps->bdf,
		       akida_backend_name(caps->backend));
	checks[n].name = "dma-loopback-small";
	verify_dma(dev, &checks[n++], 4097, 1);
	checks[n].name = "dma-loopback-256k";
	verify_dma(dev, &checks[n++], 256 << 10, 2);
	checks[n].name = "inference-w8/4-a4/2/8";
	verify_model(dev, &checks[n++], 11, &sp1, 1, 0);
	checks[n].name = "inference-batch-16";
	verify_model(dev, &checks[n++], 12, &sp2, 16, 0);
	checks[n].name = "inference-784-128-64-10-batch-8";
	verify_model(dev, &checks[n++], 13, &sp3, 8, 0);
	if (caps->features & AKIDA_FEAT_WEIGHTS) {
		checks[n].name = "weight-update-layers-1-2";
		verify_model(dev, &checks[n++], 14, &sp1, 4, (1 << 1) | (1 << 2));
	}
	for (i = 0; i < n; i++)
		failed += !checks[i].ok;
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "bdf", caps->bdf);
		json_str(&j, "backend", akida_backend_name(caps->backend));
		json_arr(&j, "checks");
		for (i = 0; i < n; i++) {
			json_obj(&j, NULL);
			json_str(&j, "name", checks[i].name);
			json_bool(&j, "ok", checks[i].ok);
			json_double(&j, "ms", checks[i].ms);
			json_str(&j, "detail", checks[i].detail);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_bool(&j, "ok", !failed);
		json_doc_end(&j);
	} else {
		for (i = 0; i < n; i++)
			printf("  %-4s %-32s %8.2f ms  %s\n", checks[i].ok ? "PASS" : "FAIL",
			       checks[i].name, checks[i].ms, checks[i].detail);
		printf("%s: %u of %u checks passed\n", failed ? "FAILED" : "OK", n - failed, n);
	}
	if (failed) {
		const struct akida_error *e = akida_last_error();

		ret = e->kind != AKIDA_OK ? exit_for(e->kind) : EX_MISMATCH;
		for (i = 0; i < n; i++)
			if (!checks[i].ok && strstr(checks[i].detail, "differ"))
				ret = EX_MISMATCH;
	}
	akida_close(dev);
	return ret;
}
