// SPDX-License-Identifier: MIT
/*
 * libakida: writing .fbz files for programs, and reading them back.
 *
 * The FlatBuffer is laid out front to back (every offset points forward, as
 * the format requires): root offset, then each table preceded by its
 * vtable, then the objects it refers to. Every table field takes a 4-byte
 * slot; one-byte scalars sit in the slot's first byte. The layout is the
 * "B" layout of real files (root { layers, -, version }, layer { -, name,
 * variables, params { -, -, -, { [ { key, value } ] } }, inbound }), so
 * akida_fbz_parse() and the `akida model info` table read it like any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akida_internal.h"

struct fbw {
	uint8_t *b;
	size_t n, cap;
	int err;
};

static size_t fbw_alloc(struct fbw *w, size_t len)
{
	size_t pos = (w->n + 3) & ~(size_t)3;

	if (w->err)
		return 0;
	if (pos + len > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *nb;

		while (cap < pos + len)
			cap *= 2;
		nb = realloc(w->b, cap);
		if (!nb) {
			w->err = -ENOMEM;
			return 0;
		}
		memset(nb + w->cap, 0, cap - w->cap);
		w->b = nb;
		w->cap = cap;
	}
	w->n = pos + len;
	return pos;
}

/* Point the offset slot at @slot to @target (which follows it). */
static void fbw_patch(struct fbw *w, size_t slot, size_t target)
{
	if (!w->err)
		put_le32(w->b + slot, (uint32_t)(target - slot));
}

/*
 * A table with @nf fields, present ones flagged in @present (bit k).
 * Returns the table position; field k's slot is at table + 4 + 4 * k.
 */
static size_t fbw_table(struct fbw *w, unsigned int nf, uint32_t present)
{
	size_t vs = 4 + 2 * (size_t)nf, vt, t;
	unsigned int k;

	vt = fbw_alloc(w, (vs + 3) & ~(size_t)3);
	t = fbw_alloc(w, 4 + 4 * (size_t)nf);
	if (w->err)
		return 0;
	put_le16(w->b + vt, (uint16_t)vs);
	put_le16(w->b + vt + 2, (uint16_t)(4 + 4 * nf));
	for (k = 0; k < nf; k++)
		put_le16(w->b + vt + 4 + 2 * k,
			 (present >> k) & 1 ? (uint16_t)(4 + 4 * k) : 0);
	put_le32(w->b + t, (uint32_t)(t - vt));
	return t;
}

#define SLOT(t, k)	((t) + 4 + 4 * (size_t)(k))

static size_t fbw_string(struct fbw *w, const char *s)
{
	size_t l = strlen(s), p = fbw_alloc(w, 4 + l + 1);

	if (!w->err) {
		put_le32(w->b + p, (uint32_t)l);
		memcpy(w->b + p + 4, s, l + 1);
	}
	return p;
}

static size_t fbw_bytes(struct fbw *w, const void *d, size_t len)
{
	size_t p = fbw_alloc(w, 4 + len);

	if (!w->err) {
		put_le32(w->b + p, (uint32_t)len);
		memcpy(w->b + p + 4, d, len);
	}
	return p;
}

static size_t fbw_ints(struct fbw *w, const int32_t *v, unsigned int n)
{
	size_t p = fbw_alloc(w, 4 + 4 * (size_t)n);
	unsigned int i;

	if (!w->err) {
		put_le32(w->b + p, n);
		for (i = 0; i < n; i++)
			put_le32(w->b + p + 4 + 4 * (size_t)i, (uint32_t)v[i]);
	}
	return p;
}

/* vector of offsets with @n slots; returns the vector position */
static size_t fbw_offsets(struct fbw *w, unsigned int n)
{
	size_t p = fbw_alloc(w, 4 + 4 * (size_t)n);

	if (!w->err)
		put_le32(w->b + p, n);
	return p;
}

static void fbw_variable(struct fbw *w, size_t slot, const char *name,
			 const int32_t *dims, unsigned int ndims,
			 const void *data, size_t len, unsigned int dtype)
{
	size_t t = fbw_table(w, 4, 0xf);

	fbw_patch(w, slot, t);
	if (w->err)
		return;
	w->b[SLOT(t, 3)] = (uint8_t)dtype;
	fbw_patch(w, SLOT(t, 0), fbw_string(w, name));
	fbw_patch(w, SLOT(t, 1), fbw_ints(w, dims, ndims));
	fbw_patch(w, SLOT(t, 2), fbw_bytes(w, data, len));
}

static void fbw_layer(struct fbw *w, size_t slot, const struct akida_program *p,
		      unsigned int i)
{
	static const char *const keys[] = { "layer_type", "units", "inputs", "weights_bits",
					    "act_bits" };
	struct akida_layer_info li;
	const uint8_t *wp, *thr, *sh;
	char name[32], prev[32];
	int32_t dims[4], vals[5], *ibuf;
	int8_t *wbuf;
	size_t t, pt, qt, props, vars, inb, wlen, k;
	unsigned int o;

	akida_program_layer(p, i, &li);
	wp = akida_program_layer_weights(p, i, &wlen);
	thr = wp + wlen;
	sh = thr + 4 * (size_t)li.outputs;
	snprintf(name, sizeof(name), "fc_%u", i);
	snprintf(prev, sizeof(prev), i ? "fc_%u" : "input", i - 1);

	t = fbw_table(w, 5, 0x1e);
	fbw_patch(w, slot, t);
	fbw_patch(w, SLOT(t, 1), fbw_string(w, name));

	/* variables: weights (one int8 per weight), threshold, shift */
	vars = fbw_offsets(w, 3);
	fbw_patch(w, SLOT(t, 2), vars);
	wbuf = malloc((size_t)li.inputs * li.outputs);
	ibuf = malloc(4 * (size_t)li.outputs);
	if (!wbuf || !ibuf) {
		w->err = -ENOMEM;
		free(wbuf);
		free(ibuf);
		return;
	}
	for (k = 0; k < (size_t)li.inputs * li.outputs; k++) {
		if (li.weight_bits == 8) {
			wbuf[k] = (int8_t)wp[k];
		} else {
			uint8_t nib = (k & 1) ? wp[k / 2] >> 4 : wp[k / 2] & 0xf;

			wbuf[k] = (int8_t)((nib & 8) ? nib - 16 : nib);
		}
	}
	dims[0] = (int32_t)li.outputs;
	dims[1] = (int32_t)li.inputs;
	dims[2] = dims[3] = 1;
	fbw_variable(w, vars + 4, "weights", dims, 4, wbuf, (size_t)li.inputs * li.outputs,
		     li.weight_bits == 8 ? AKIDA_FBZ_DTYPE_INT8 : AKIDA_FBZ_DTYPE_INT4);
	fbw_variable(w, vars + 8, "threshold", dims, 1, thr, 4 * (size_t)li.outputs,
		     AKIDA_FBZ_DTYPE_INT32);
	for (o = 0; o < li.outputs; o++)
		put_le32((uint8_t *)&ibuf[o], sh[o]);
	fbw_variable(w, vars + 12, "shift", dims, 1, ibuf, 4 * (size_t)li.outputs,
		     AKIDA_FBZ_DTYPE_INT32);
	free(wbuf);
	free(ibuf);

	/* params { -, -, -, { [ { key, value } ] } } */
	pt = fbw_table(w, 4, 0x8);
	fbw_patch(w, SLOT(t, 3), pt);
	qt = fbw_table(w, 1, 0x1);
	fbw_patch(w, SLOT(pt, 3), qt);
	props = fbw_offsets(w, 5);
	fbw_patch(w, SLOT(qt, 0), props);
	vals[0] = AKIDA_FBZ_FULLY_CONNECTED;
	vals[1] = (int32_t)li.outputs;
	vals[2] = (int32_t)li.inputs;
	vals[3] = (int32_t)li.weight_bits;
	vals[4] = (int32_t)li.act_bits;
	for (k = 0; k < 5; k++) {
		size_t kv = fbw_table(w, 2, 0x3);

		fbw_patch(w, props + 4 + 4 * k, kv);
		if (w->err)
			return;
		put_le32(w->b + SLOT(kv, 1), (uint32_t)vals[k]);
		fbw_patch(w, SLOT(kv, 0), fbw_string(w, keys[k]));
	}

	inb = fbw_offsets(w, 1);
	fbw_patch(w, SLOT(t, 4), inb);
	fbw_patch(w, inb + 4, fbw_string(w, prev));
}

int akida_fbz_write_program(const struct akida_program *p, uint8_t **out,
			    size_t *len)
{
	struct fbw w = { 0 };
	size_t root, layers, max, clen;
	unsigned int i, n;
	char ver[32];
	uint8_t *buf;

	if (!p || !out || !len)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "program and output are required");
	n = akida_program_layer_count(p);
	fbw_alloc(&w, 4);
	root = fbw_table(&w, 3, 0x5);
	fbw_patch(&w, 0, root);
	snprintf(ver, sizeof(ver), "libakida-%s", akida_version());
	fbw_patch(&w, SLOT(root, 2), fbw_string(&w, ver));
	layers = fbw_offsets(&w, n);
	fbw_patch(&w, SLOT(root, 0), layers);
	for (i = 0; i < n && !w.err; i++)
		fbw_layer(&w, layers + 4 + 4 * (size_t)i, p, i);
	if (w.err || w.n > UINT32_MAX) {
		free(w.b);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory writing the model");
	}

	/* Like the vendor's writer, keep Snappy's whole worst-case buffer. */
	max = snappy_max_compressed_length(w.n);
	buf = calloc(1, max);
	if (!buf) {
		free(w.b);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	}
	clen = max;
	if (snappy_compress((const char *)w.b, w.n, (char *)buf, &clen) != SNAPPY_OK) {
		free(w.b);
		free(buf);
		return akida_fail(AKIDA_ERR_INVALID, EIO, "snappy compression failed");
	}
	free(w.b);
	*out = buf;
	*len = max;
	return 0;
}

int akida_fbz_save_program(const struct akida_program *p, const char *path)
{
	uint8_t *buf;
	size_t len, done = 0;
	int fd, ret;

	ret = akida_fbz_write_program(p, &buf, &len);
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = akida_fail(AKIDA_ERR_INVALID, errno, "%s: %s", path, strerror(errno));
		free(buf);
		return ret;
	}
	while (done < len) {
		ssize_t r = write(fd, buf + done, len - done);

		if (r <= 0) {
			ret = akida_fail(AKIDA_ERR_INVALID, r ? errno : EIO,
					 "%s: write failed", path);
			break;
		}
		done += (size_t)r;
	}
	if (close(fd) && !ret)
		ret = akida_fail(AKIDA_ERR_INVALID, errno, "%s: %s", path, strerror(errno));
	free(buf);
	return ret;
}

int akida_program_from_fbz(const struct akida_fbz *f, struct akida_program **out)
{
	const struct akida_fbz_info *info = akida_fbz_info(f);
	struct akida_fc_layer *layers;
	unsigned int i;
	int ret = 0;

	if (!info || !out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "model and output are required");
	*out = NULL;
	if (info->nlayers == 0 || info->nlayers > UINT16_MAX)
		return akida_fail(AKIDA_ERR_INVALID, ENOTSUP,
				  "model has %u layers; programs take 1 to 65535",
				  info->nlayers);
	layers = calloc(info->nlayers, sizeof(*layers));
	if (!layers)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	for (i = 0; i < info->nlayers && !ret; i++) {
		const struct akida_fbz_layer *l = &info->layers[i];
		const struct akida_fbz_variable *w = akida_fbz_layer_var(l, "weights");
		const struct akida_fbz_variable *t = akida_fbz_layer_var(l, "threshold");
		const struct akida_fbz_variable *s = akida_fbz_layer_var(l, "shift");
		int64_t in = -1, units = l->units;
		int32_t *thr;
		uint8_t *sh;
		uint32_t o;

		akida_fbz_layer_prop(l, "inputs", &in);
		if (!w || !t || !s || units <= 0 || in <= 0 || units > UINT32_MAX ||
		    in > UINT32_MAX || l->weight_bits < 0 || l->act_bits < 0 ||
		    w->bytes != (uint64_t)units * (uint64_t)in ||
		    t->bytes != 4 * (uint64_t)units || s->bytes != 4 * (uint64_t)units) {
			ret = akida_fail(AKIDA_ERR_INVALID, ENOTSUP,
					 "layer %u (%s) is not a fully connected layer with "
					 "weights, threshold and shift the NPU can run", i, l->name);
			break;
		}
		thr = malloc(4 * (size_t)units);
		sh = malloc((size_t)units);
		layers[i].thresholds = thr;
		layers[i].shifts = sh;
		if (!thr || !sh) {
			ret = akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
			break;
		}
		for (o = 0; o < units; o++) {
			uint32_t sv = get_le32(s->data + 4 * (size_t)o);

			thr[o] = (int32_t)get_le32(t->data + 4 * (size_t)o);
			sh[o] = (uint8_t)(sv > 255 ? 255 : sv);
		}
		layers[i].inputs = (uint32_t)in;
		layers[i].outputs = (uint32_t)units;
		layers[i].weight_bits = (uint8_t)l->weight_bits;
		layers[i].act_bits = (uint8_t)l->act_bits;
		layers[i].weights = (const int8_t *)w->data;
	}
	if (!ret)
		ret = akida_program_build(layers, info->nlayers, out);
	for (i = 0; i < info->nlayers; i++) {
		free((void *)layers[i].thresholds);
		free((void *)layers[i].shifts);
	}
	free(layers);
	return ret;
}
