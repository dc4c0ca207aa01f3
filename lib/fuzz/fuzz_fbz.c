// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the .fbz parser and the program-image checker face
 * untrusted files. Every parsed field is touched so that ASan sees any
 * out-of-bounds pointer the parser might hand out.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "akida.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void touch_fbz(const struct akida_fbz *f)
{
	const struct akida_fbz_info *i = akida_fbz_info(f);
	unsigned int l, k;
	uint64_t s = strlen(i->version);

	for (l = 0; l < i->nlayers; l++) {
		const struct akida_fbz_layer *ly = &i->layers[l];

		s += strlen(ly->name) + strlen(ly->type_name);
		for (k = 0; k < ly->ninbound; k++)
			s += strlen(ly->inbound[k]);
		for (k = 0; k < ly->nprops; k++)
			s += strlen(ly->props[k].key) + (uint64_t)ly->props[k].value;
		for (k = 0; k < ly->nvars; k++) {
			const struct akida_fbz_variable *v = &ly->vars[k];

			s += strlen(v->name);
			if (v->bytes)
				s += v->data[0] + v->data[v->bytes - 1];
		}
	}
	sink = s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct akida_fbz *f;
	struct akida_program *p;

	if (size >= 4 && !memcmp(data, "AKP1", 4)) {
		sink = akida_image_check(data, size, 80u * AKIDA_NP_SRAM_BYTES);
		if (size <= 65536 && akida_program_from_image(data, size, &p) == 0) {
			uint32_t in = akida_program_input_bytes(p);
			uint32_t out = akida_program_output_bytes(p);

			if (akida_program_macs(p) < (1u << 20) && in <= 65536 && out <= 65536) {
				uint8_t *x = calloc(1, in), *y = malloc(out);

				if (x && y && akida_program_run(p, x, 1, y) == 0)
					sink = y[0];
				free(x);
				free(y);
			}
			akida_program_free(p);
		}
		return 0;
	}
	if (akida_fbz_parse(data, size, &f) == 0) {
		touch_fbz(f);
		if (akida_program_from_fbz(f, &p) == 0)
			akida_program_free(p);
		akida_fbz_free(f);
	}
	return 0;
}
