// SPDX-License-Identifier: MIT
/*
 * Write generated seeds for the fuzzer into a directory: .fbz files of
 * random programs and raw program images.
 */
#include <stdio.h>
#include <stdlib.h>

#include "akida.h"

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 7, 5, 3 };
	static const uint8_t wb[] = { 4, 8 }, ab[] = { 1, 2 };
	struct akida_random_spec spec = { 2, sizes, wb, ab };
	char path[512];
	unsigned int s;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (s = 0; s < 4; s++) {
		struct akida_program *p;
		const void *img;
		size_t len;
		FILE *f;

		if (akida_program_random(s, s & 1 ? &spec : NULL, &p)) {
			fprintf(stderr, "%s\n", akida_error_message());
			return 1;
		}
		snprintf(path, sizeof(path), "%s/gen-%u.fbz", argv[1], s);
		if (akida_fbz_save_program(p, path)) {
			fprintf(stderr, "%s\n", akida_error_message());
			return 1;
		}
		img = akida_program_image(p, &len);
		snprintf(path, sizeof(path), "%s/gen-%u.akp", argv[1], s);
		f = fopen(path, "wb");
		if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
			perror(path);
			return 1;
		}
		akida_program_free(p);
	}
	return 0;
}
