// SPDX-License-Identifier: MIT
/*
 * akida infer: run a program on inputs, optionally checked against the
 * golden model.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

/*
 * Room for @batch inputs of @p, its outputs and the golden model's outputs
 * (both zeroed). On failure some may be allocated: the caller frees all three.
 */
int alloc_batch(const struct akida_program *p, unsigned int batch, uint8_t **in,
		uint8_t **out, uint8_t **gold)
{
	*in = malloc((size_t)akida_program_input_bytes(p) * batch);
	*out = calloc(batch, akida_program_output_bytes(p));
	*gold = calloc(batch, akida_program_output_bytes(p));
	return *in && *out && *gold ? 0 : -ENOMEM;
}

/* Run @in through the golden model into @gold; how many bytes of @out differ. */
size_t golden_diff(const struct akida_program *p, const uint8_t *in, unsigned int batch,
		   const uint8_t *out, uint8_t *gold)
{
	size_t i, n = (size_t)akida_program_output_bytes(p) * batch, diff = 0;

	akida_program_run(p, in, batch, gold);
	for (i = 0; i < n; i++)
		diff += out[i] != gold[i];
	return diff;
}

static int read_file(const char *path, uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return file_error(path);
	n = fread(buf, 1, len, f);
	fclose(f);
	if (n != len)
		return cli_fail(EX_INVALID, "%s: need %zu bytes of input, the file has %zu", path,
				len, n);
	return 0;
}

int cmd_infer(int argc, char **argv)
{
	const char *input = NULL, *output = NULL;
	unsigned int batch = 1, b, k;
	uint64_t seed = 1, v;
	int check = 0, c, ret = EX_OK;
	struct akida_program *p;
	struct akida_device *dev;
	struct akida_run_stats st;
	uint8_t *in, *out, *gold;
	uint32_t ib, ob;
	size_t diff = 0;
	static const char usage_text[] = "usage: infer N MODEL [--input FILE | --random SEED] "
					 "[--batch B] [--output FILE] [--check]";
	static const struct option lo[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "random", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:r:b:o:c", lo, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 'r':
			if (opt_number("--random", optarg, 0, UINT64_MAX, &seed))
				return EX_USAGE;
			break;
		case 'b':
			if (opt_number("--batch", optarg, 1, 1000000, &v))
				return EX_USAGE;
			batch = (unsigned int)v;
			break;
		case 'o': output = optarg; break;
		case 'c': check = 1; break;
		default:
			return usage_error("%s", usage_text);
		}
	}
	if (argc - optind != 2)
		return usage_error("%s", usage_text);
	if (load_program(argv[optind + 1], &p))
		return lib_error();
	ib = akida_program_input_bytes(p);
	ob = akida_program_output_bytes(p);
	if (alloc_batch(p, batch, &in, &out, &gold)) {
		ret = cli_fail(EX_FAIL, "out of memory for a batch of %u", batch);
		goto free_bufs;
	}
	if (input) {
		ret = read_file(input, in, (size_t)ib * batch);
		if (ret)
			goto free_bufs;
	} else {
		akida_random_bytes(seed, in, (size_t)ib * batch);
	}
	if (akida_open(argv[optind], opt_backend, &dev)) {
		ret = lib_error();
		goto free_bufs;
	}
	if (akida_load(dev, p) || akida_infer(dev, in, batch, out, &st)) {
		ret = lib_error();
		akida_close(dev);
		goto free_bufs;
	}
	akida_close(dev);
	if (check) {
		diff = golden_diff(p, in, batch, out, gold);
		if (diff)
			ret = EX_MISMATCH;
	}
	if (output) {
		FILE *f = fopen(output, "wb");

		int bad = !f || fwrite(out, ob, batch, f) != batch;

		if ((f && fclose(f)) || bad)
			ret = file_error(output);
	}
	if (opt_json && !json_documents) {
		struct json j;

		json_doc_begin(&j);
		json_uint(&j, "batch", batch);
		json_double(&j, "wall_ms", st.wall_ns / 1e6);
		json_double(&j, "npu_ms", st.npu_ns / 1e6);
		if (check)
			json_bool(&j, "golden_match", !diff);
		/* every output: the document is the whole result */
		json_arr(&j, "outputs");
		for (b = 0; b < batch; b++) {
			json_arr(&j, NULL);
			for (k = 0; k < ob; k++)
				json_uint(&j, NULL, out[(size_t)b * ob + k]);
			json_end_arr(&j);
		}
		json_end_arr(&j);
		json_doc_end(&j);
	} else {
		for (b = 0; b < batch && b < 16; b++) {
			printf("output[%u]:", b);
			for (k = 0; k < ob && k < 32; k++)
				printf(" %u", out[(size_t)b * ob + k]);
			printf("%s\n", ob > 32 ? " ..." : "");
		}
		if (batch > 16)
			printf("... (%u outputs)\n", batch);
		printf("%u input%s in %.3f ms (NPU %.3f ms)%s\n", batch, batch == 1 ? "" : "s",
		       st.wall_ns / 1e6, st.npu_ns / 1e6,
		       check ? (diff ? ", MISMATCH against the golden model" :
				       ", identical to the golden model") : "");
	}
free_bufs:
	free(in);
	free(out);
	free(gold);
	akida_program_free(p);
	return ret;
}
