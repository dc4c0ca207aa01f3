// SPDX-License-Identifier: MIT
/*
 * akida model: model files (.fbz and program images): their layer table,
 * pseudo-random test programs, and loading either for the other commands.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

static int is_image(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, AKIDA_IMAGE_MAGIC, 4);
}

/*
 * Load a program from a program image (.akp) or an .fbz written by
 * libakida: a file or a pipe, read once (akida_program_load()); every
 * failure is recorded for lib_error().
 */
int load_program(const char *path, struct akida_program **p)
{
	return akida_program_load(path, p);
}

static void print_program(const char *path, const struct akida_program *p)
{
	unsigned int i, n = akida_program_layer_count(p);
	size_t len;

	akida_program_image(p, &len);
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "file", path);
		json_str(&j, "format", "program image");
		json_uint(&j, "image_bytes", len);
		json_uint(&j, "input_bytes", akida_program_input_bytes(p));
		json_uint(&j, "output_bytes", akida_program_output_bytes(p));
		json_uint(&j, "macs", akida_program_macs(p));
		json_arr(&j, "layers");
		for (i = 0; i < n; i++) {
			struct akida_layer_info li;

			akida_program_layer(p, i, &li);
			json_obj(&j, NULL);
			json_uint(&j, "index", i);
			json_str(&j, "type", "FullyConnected");
			json_uint(&j, "inputs", li.inputs);
			json_uint(&j, "units", li.outputs);
			json_uint(&j, "weights_bits", li.weight_bits);
			json_uint(&j, "act_bits", li.act_bits);
			json_uint(&j, "params", (uint64_t)li.inputs * li.outputs);
			json_uint(&j, "payload_bytes", li.payload_bytes);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_doc_end(&j);
		return;
	}
	printf("Program image: %s (%zu bytes, %u layers, %u input bytes -> %u output bytes, "
	       "%" PRIu64 " MACs)\n", path, len, n, akida_program_input_bytes(p),
	       akida_program_output_bytes(p), akida_program_macs(p));
	printf("%-3s %-22s %8s %8s %6s %6s %10s %10s\n", "#", "Layer (type)", "Inputs", "Units",
	       "W bits", "A bits", "W params", "Bytes");
	for (i = 0; i < n; i++) {
		struct akida_layer_info li;
		char name[32];

		akida_program_layer(p, i, &li);
		snprintf(name, sizeof(name), "fc_%u (FullyConnected)", i);
		printf("%-3u %-22s %8u %8u %6u %6u %10" PRIu64 " %10u\n", i, name, li.inputs,
		       li.outputs, li.weight_bits, li.act_bits, (uint64_t)li.inputs * li.outputs,
		       16 + li.payload_bytes);
	}
}

/*
 * The inputs of a layer (channels, or features of a dense layer): its
 * "input_channels" property, else the second dimension of its weights
 * ([units or filters or 1, inputs, kh, kw]); -1 when unknown.
 */
static int64_t layer_inputs(const struct akida_fbz_layer *l)
{
	int64_t v;

	if (!akida_fbz_layer_prop(l, "input_channels", &v))
		return v;
	for (unsigned int q = 0; q < l->nvars; q++)
		if (!strcmp(l->vars[q].name, "weights") && l->vars[q].ndims >= 2)
			return l->vars[q].dims[1];
	return -1;
}

/* "Input: 224 x 224 x 3 (width x height x channels)" and the output units. */
static void print_shapes(const struct akida_fbz_info *i)
{
	const struct akida_fbz_layer *first = &i->layers[0], *last = &i->layers[i->nlayers - 1];
	int64_t w, h, c = layer_inputs(first);

	printf("Input: ");
	if (!akida_fbz_layer_prop(first, "input_width", &w) &&
	    !akida_fbz_layer_prop(first, "input_height", &h))
		printf("%lld x %lld x %lld (width x height x channels)", (long long)w,
		       (long long)h, (long long)c);
	else if (c >= 0)
		printf("%lld channels", (long long)c);
	else
		printf("unknown");
	if (last->units >= 0)
		printf("; output: %lld units/filters (layer %s)\n", (long long)last->units,
		       last->name);
	else
		printf("; output: unknown\n");
}

static void fmt_bits(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

static int cmd_model_info(int argc, char **argv)
{
	const struct akida_fbz_info *i;
	struct akida_fbz *f;
	unsigned int k, q;
	uint8_t *buf;
	size_t len;
	int ret;

	if (argc != 2)
		return usage_error("usage: model info FILE");
	/* read once: FILE may be a pipe */
	if (akida_file_read(argv[1], AKIDA_MAX_MODEL_FILE, &buf, &len))
		return lib_error();
	if (is_image(buf, len)) {
		struct akida_program *p;

		ret = akida_program_from_image(buf, len, &p);
		free(buf);
		if (ret)
			return lib_error_in(argv[1]);
		print_program(argv[1], p);
		akida_program_free(p);
		return EX_OK;
	}
	ret = akida_fbz_parse(buf, len, &f);
	free(buf);
	if (ret)
		return lib_error_in(argv[1]);
	i = akida_fbz_info(f);
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "file", argv[1]);
		json_str(&j, "format", "fbz");
		json_str(&j, "layout", i->layout == AKIDA_FBZ_LAYOUT_A ? "A" : "B");
		json_str(&j, "version", i->version);
		json_uint(&j, "file_bytes", i->file_bytes);
		json_uint(&j, "stream_bytes", i->stream_bytes);
		json_uint(&j, "trailing_bytes", i->trailing_bytes);
		json_uint(&j, "model_bytes", i->payload_bytes);
		json_uint(&j, "total_params", i->total_params);
		json_uint(&j, "total_weight_bytes", i->total_weight_bytes);
		json_arr(&j, "layers");
		for (k = 0; k < i->nlayers; k++) {
			const struct akida_fbz_layer *l = &i->layers[k];

			json_obj(&j, NULL);
			json_uint(&j, "index", k);
			json_str(&j, "name", l->name);
			json_str(&j, "type", l->type_name);
			json_uint(&j, "type_code", l->type);
			/* "units": the output channels of every layer type
			 * (the file's "units" or "filters") */
			if (layer_inputs(l) >= 0)
				json_int(&j, "inputs", layer_inputs(l));
			if (l->units >= 0)
				json_int(&j, "units", l->units);
			if (l->weight_bits >= 0)
				json_int(&j, "weights_bits", l->weight_bits);
			if (l->act_bits >= 0)
				json_int(&j, "act_bits", l->act_bits);
			/* weight elements only */
			json_uint(&j, "params", l->params);
			json_uint(&j, "bytes", l->weight_bytes);
			json_arr(&j, "inbound");
			for (q = 0; q < l->ninbound; q++)
				json_str(&j, NULL, l->inbound[q]);
			json_end_arr(&j);
			json_obj(&j, "properties");
			for (q = 0; q < l->nprops; q++)
				json_int(&j, l->props[q].key, l->props[q].value);
			json_end_obj(&j);
			json_arr(&j, "variables");
			for (q = 0; q < l->nvars; q++) {
				const struct akida_fbz_variable *v = &l->vars[q];
				unsigned int d;

				json_obj(&j, NULL);
				json_str(&j, "name", v->name);
				json_arr(&j, "shape");
				for (d = 0; d < v->ndims; d++)
					json_int(&j, NULL, v->dims[d]);
				json_end_arr(&j);
				json_uint(&j, "dtype", v->dtype);
				json_uint(&j, "bytes", v->bytes);
				json_end_obj(&j);
			}
			json_end_arr(&j);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		json_doc_end(&j);
		akida_fbz_free(f);
		return EX_OK;
	}
	printf("Model: %s\n", argv[1]);
	printf("Format: Akida .fbz, layout %s%s%s, %zu-byte model in a %zu-byte file "
	       "(%zu-byte Snappy stream + %zu %s padding)\n",
	       i->layout == AKIDA_FBZ_LAYOUT_A ? "A (1.x)" : "B (2.x)",
	       i->version[0] ? ", version " : "", i->version, i->payload_bytes, i->file_bytes,
	       i->stream_bytes, i->trailing_bytes, i->trailing_zero ? "zero" : "NON-ZERO");
	print_shapes(i);
	printf("%.*s\n", 104, "________________________________________________________________"
	       "________________________________________");
	printf("%-3s %-40s %7s %7s %6s %6s %10s %10s  %s\n", "#", "Layer (type)", "In", "Out",
	       "W bits", "A bits", "W params", "Bytes", "Inbound");
	printf("%.*s\n", 104, "================================================================"
	       "========================================");
	for (k = 0; k < i->nlayers; k++) {
		const struct akida_fbz_layer *l = &i->layers[k];
		char name[64], in[16], units[16], wb[8], ab[8];

		snprintf(name, sizeof(name), "%s (%s)", l->name, l->type_name);
		fmt_bits(layer_inputs(l), in, sizeof(in));
		fmt_bits(l->units, units, sizeof(units));
		fmt_bits(l->weight_bits, wb, sizeof(wb));
		fmt_bits(l->act_bits, ab, sizeof(ab));
		printf("%-3u %-40s %7s %7s %6s %6s %10" PRIu64 " %10" PRIu64 "  %s\n", k, name, in,
		       units, wb, ab, l->params, l->weight_bytes,
		       l->ninbound ? l->inbound[0] : "-");
		if (opt_verbose) {
			for (q = 0; q < l->nprops; q++)
				printf("      %s = %lld\n", l->props[q].key,
				       (long long)l->props[q].value);
			for (q = 0; q < l->nvars; q++) {
				const struct akida_fbz_variable *v = &l->vars[q];
				unsigned int d;

				printf("      var %-12s dtype %u, %u bytes, shape [", v->name,
				       v->dtype, v->bytes);
				for (d = 0; d < v->ndims; d++)
					printf("%s%d", d ? ", " : "", v->dims[d]);
				printf("]\n");
			}
		}
	}
	printf("%.*s\n", 104, "================================================================"
	       "========================================");
	printf("In/Out: input channels (features) and units/filters; A bits \"-\": no activation\n");
	printf("Total weight params: %" PRIu64 " (weights only)\nTotal variable bytes: %" PRIu64
	       " (weights, thresholds, steps)\n", i->total_params, i->total_weight_bytes);
	akida_fbz_free(f);
	return EX_OK;
}

/* A comma-separated list of 1 to @max numbers from 1 to 65536; -1 if bad. */
static int parse_list(const char *s, uint32_t *out, unsigned int max)
{
	char item[32];
	unsigned int n = 0;
	uint64_t v;

	for (;;) {
		size_t l = strcspn(s, ",");

		if (n == max || l >= sizeof(item))
			return -1;
		memcpy(item, s, l);
		item[l] = 0;
		if (parse_u64(item, 1, 65536, &v))
			return -1;
		out[n++] = (uint32_t)v;
		if (!s[l])
			return (int)n;
		s += l + 1;
	}
}

static int cmd_model_random(int argc, char **argv)
{
	uint32_t sizes[17] = { 64, 48, 32, 10 }, wl[16], al[16];
	uint8_t wb[16] = { 8, 4, 4 }, ab[16] = { 4, 2, 8 };
	struct akida_random_spec spec = { 3, sizes, wb, ab };
	struct akida_program *p;
	const char *out = NULL;
	uint64_t seed = 1;
	int c, n, ret;
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "layers", required_argument, NULL, 'l' },
		{ "weight-bits", required_argument, NULL, 'w' },
		{ "act-bits", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:l:w:a:o:", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (opt_number("--seed", optarg, 0, UINT64_MAX, &seed))
				return EX_USAGE;
			break;
		case 'l':
			n = parse_list(optarg, sizes, 17);
			if (n < 2)
				return usage_error("--layers wants 2 to 17 sizes, e.g. 64,32,10");
			spec.layers = (unsigned int)n - 1;
			memset(wb, 8, sizeof(wb));
			memset(ab, 4, sizeof(ab));
			break;
		case 'w':
		case 'a':
			n = parse_list(optarg, c == 'w' ? wl : al, 16);
			if (n < 1)
				return usage_error("bad bit list \"%s\"", optarg);
			for (int k = 0; k < 16; k++)
				(c == 'w' ? wb : ab)[k] = (uint8_t)(c == 'w' ? wl : al)[k < n ? k : n - 1];
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return usage_error("usage: model random [--seed S] [--layers N,N,...] "
					   "[--weight-bits B,...] [--act-bits B,...] -o FILE");
		}
	}
	if (!out)
		return usage_error("model random needs -o FILE (.fbz or .akp)");
	if (akida_program_random(seed, &spec, &p))
		return lib_error();
	if (strlen(out) > 4 && !strcmp(out + strlen(out) - 4, ".akp")) {
		size_t len;
		const void *img = akida_program_image(p, &len);
		FILE *f = fopen(out, "wb");

		ret = !f || fwrite(img, 1, len, f) != len;
		if (f && fclose(f))
			ret = 1;
		if (ret) {
			akida_program_free(p);
			return file_error(out);
		}
	} else if (akida_fbz_save_program(p, out)) {
		akida_program_free(p);
		return lib_error();
	}
	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "output", out);
		json_uint(&j, "layers", akida_program_layer_count(p));
		json_uint(&j, "input_bytes", akida_program_input_bytes(p));
		json_uint(&j, "output_bytes", akida_program_output_bytes(p));
		json_uint(&j, "seed", seed);
		json_doc_end(&j);
	} else {
		printf("wrote %s: %u layers, %u -> %u bytes, seed %llu\n", out,
		       akida_program_layer_count(p), akida_program_input_bytes(p),
		       akida_program_output_bytes(p), (unsigned long long)seed);
	}
	akida_program_free(p);
	return EX_OK;
}

int cmd_model(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("usage: model info FILE | model random ... -o FILE");
	if (!strcmp(argv[1], "info"))
		return cmd_model_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "random"))
		return cmd_model_random(argc - 1, argv + 1);
	return usage_error("unknown model command \"%s\"", argv[1]);
}
