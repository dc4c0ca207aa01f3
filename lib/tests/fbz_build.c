// SPDX-License-Identifier: MIT
/*
 * Hand-built .fbz files for the tests: a tiny forward FlatBuffer writer
 * (every table field 4 bytes wide, objects written after what refers to
 * them) and a Snappy compression of the result.
 */
#include <snappy-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

static uint8_t fb[1 << 16];
static size_t fp;

static void put16(uint16_t v)
{
	fb[fp++] = (uint8_t)v;
	fb[fp++] = (uint8_t)(v >> 8);
}

static void put32_at(size_t at, uint32_t v)
{
	fb[at] = (uint8_t)v;
	fb[at + 1] = (uint8_t)(v >> 8);
	fb[at + 2] = (uint8_t)(v >> 16);
	fb[at + 3] = (uint8_t)(v >> 24);
}

static void put32(uint32_t v)
{
	put32_at(fp, v);
	fp += 4;
}

static void align4(void)
{
	while (fp & 3)
		fb[fp++] = 0;
}

/* A table of @n 4-byte fields, those in @mask present; returns its position. */
static size_t table(unsigned int n, unsigned int mask)
{
	size_t vt, t;
	unsigned int k;

	align4();
	vt = fp;
	put16((uint16_t)(4 + 2 * n));
	put16((uint16_t)(4 + 4 * n));
	for (k = 0; k < n; k++)
		put16(mask & (1u << k) ? (uint16_t)(4 + 4 * k) : 0);
	align4();
	t = fp;
	put32((uint32_t)(t - vt));
	memset(fb + fp, 0, 4 * n);
	fp += 4 * n;
	return t;
}

static size_t field(size_t t, unsigned int k)
{
	return t + 4 + 4 * k;
}

static void ref(size_t at, size_t target)
{
	put32_at(at, (uint32_t)(target - at));
}

static size_t string(const char *s)
{
	size_t p, l = strlen(s);

	align4();
	p = fp;
	put32((uint32_t)l);
	memcpy(fb + fp, s, l + 1);
	fp += l + 1;
	return p;
}

size_t t_fbz_build(const struct t_fbz_spec *s, uint8_t *out, size_t outlen)
{
	size_t root, layers, lt, vars, vt, shape, data, p, clen = outlen;
	unsigned int k;

	memset(fb, 0, sizeof(fb));
	fp = 4;
	root = table(3, s->version ? 0x5 : 0x1);
	put32_at(0, (uint32_t)root);
	align4();
	layers = fp;
	put32(s->nlayers);
	fp += 4 * s->nlayers;
	ref(field(root, 0), layers);
	if (s->version)
		ref(field(root, 2), string(s->version));
	for (k = 0; k < s->nlayers; k++) {
		lt = table(5, 0x6);
		ref(layers + 4 + 4 * k, lt);
		ref(field(lt, 1), string(s->name ? s->name : "layer"));
		align4();
		vars = fp;
		put32(1);
		fp += 4;
		ref(field(lt, 2), vars);
		vt = table(4, 0xf);
		ref(vars + 4, vt);
		ref(field(vt, 0), string("weights"));
		align4();
		shape = fp;
		put32(s->ndims);
		for (unsigned int d = 0; d < s->ndims; d++)
			put32((uint32_t)s->dims[d]);
		ref(field(vt, 1), shape);
		align4();
		data = fp;
		put32(s->data_bytes);
		memset(fb + fp, 1, s->data_bytes);
		fp += s->data_bytes;
		ref(field(vt, 2), data);
		fb[field(vt, 3)] = (uint8_t)s->dtype;
	}
	align4();
	if (snappy_compress((const char *)fb, fp, (char *)out, &clen) != SNAPPY_OK)
		return 0;
	/* pad like real files: Snappy's worst-case buffer, zero-filled */
	p = snappy_max_compressed_length(fp);
	if (p <= outlen) {
		memset(out + clen, 0, p - clen);
		clen = p;
	}
	return clen;
}

const char *t_fbz_file(const struct t_fbz_spec *s, const char *name)
{
	static char path[600];
	static uint8_t buf[1 << 17];
	size_t n = t_fbz_build(s, buf, sizeof(buf));
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t_tmpdir(), name);
	f = fopen(path, "wb");
	if (!f || !n || fwrite(buf, 1, n, f) != n || fclose(f))
		t_fail(__FILE__, __LINE__, "cannot write %s", path);
	return path;
}
