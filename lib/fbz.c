// SPDX-License-Identifier: MIT
/*
 * libakida: .fbz model files.
 *
 * File: the raw Snappy format (a LEB128 length n, then tags) decoding to a
 * FlatBuffer of n bytes, followed by padding (real files keep Snappy's whole
 * worst-case output buffer, 32 + n + n / 6 bytes). The end of the stream is
 * found by walking the Snappy tags until n bytes are produced; libsnappy
 * then decompresses exactly that range.
 *
 * FlatBuffer: read through bounds-checked accessors only. Every table, its
 * vtable, every field, offset, string and vector is checked against the
 * buffer before it is used, so a hostile file yields -EBADMSG and a message,
 * never an out-of-bounds access. What is known of the (unpublished) schema
 * is described in Documentation/libakida.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <snappy-c.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akida_internal.h"

#define FBZ_MAX_FILE		AKIDA_MAX_MODEL_FILE	/* refuse larger files */
#define FBZ_MAX_PAYLOAD		(1u << 30)

struct akida_fbz {
	uint8_t *payload;		/* the decompressed FlatBuffer */
	struct akida_fbz_info info;
	struct akida_fbz_layer *layers;
	const char **names;		/* inbound name arrays, one allocation */
	char (*tnames)[24];		/* layout B type names */
	char version[64];
};

/* ---- Snappy framing ---- */

/* Read a LEB128 u32 (at most 5 bytes). Returns bytes used or 0. */
static size_t leb128_u32(const uint8_t *p, size_t len, uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < len && i < 5; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (x > UINT32_MAX)
				return 0;
			*v = (uint32_t)x;
			return i + 1;
		}
	}
	return 0;
}

/*
 * Walk the tags of a raw Snappy stream to find where it ends. On success
 * *end is the stream length (preamble included) and *n the decoded size.
 */
static int snappy_stream_end(const uint8_t *p, size_t len, size_t *end, uint32_t *n)
{
	uint64_t produced = 0;
	size_t i;
	uint32_t want;

	i = leb128_u32(p, len, &want);
	if (!i)
		return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
				  "fbz: bad LEB128 length at the start of the file");
	if (want > FBZ_MAX_PAYLOAD)
		return akida_fail(AKIDA_ERR_INVALID, EFBIG,
				  "fbz: declared model size %u is too large", want);
	while (produced < want) {
		uint8_t tag;
		uint64_t l, off;

		if (i >= len)
			return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
					  "fbz: Snappy stream truncated at byte %zu (%llu of %u bytes decoded)",
					  i, (unsigned long long)produced, want);
		tag = p[i++];
		switch (tag & 3) {
		case 0:			/* literal */
			l = tag >> 2;
			if (l >= 60) {
				unsigned int k = (unsigned int)l - 59, j;

				if (len - i < k)
					return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
							  "fbz: Snappy literal length truncated");
				for (l = 0, j = 0; j < k; j++)
					l |= (uint64_t)p[i + j] << (8 * j);
				i += k;
			}
			l += 1;
			if (len - i < l)
				return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
						  "fbz: Snappy literal of %llu bytes runs past the end of the file",
						  (unsigned long long)l);
			i += (size_t)l;
			off = 1;
			break;
		case 1:			/* copy, 1-byte offset */
			if (len - i < 1)
				goto trunc;
			l = 4 + ((tag >> 2) & 7);
			off = (uint64_t)(tag >> 5) << 8 | p[i];
			i += 1;
			break;
		case 2:			/* copy, 2-byte offset */
			if (len - i < 2)
				goto trunc;
			l = (tag >> 2) + 1;
			off = get_le16(p + i);
			i += 2;
			break;
		default:		/* copy, 4-byte offset */
			if (len - i < 4)
				goto trunc;
			l = (tag >> 2) + 1;
			off = get_le32(p + i);
			i += 4;
			break;
		}
		if ((tag & 3) && (off == 0 || off > produced))
			return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
					  "fbz: Snappy copy at byte %zu reaches before the start of the data",
					  i);
		produced += l;
		if (produced > want)
			return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
					  "fbz: Snappy stream decodes to more than the declared %u bytes",
					  want);
	}
	*end = i;
	*n = want;
	return 0;
trunc:
	return akida_fail(AKIDA_ERR_INVALID, EBADMSG, "fbz: Snappy copy tag truncated");
}

/*
 * Decode the first @k bytes of a stream that snappy_stream_end() accepted
 * (so every copy stays within what was produced) into @out.
 */
static void snappy_prefix(const uint8_t *p, size_t end, uint8_t *out, size_t k)
{
	size_t i, produced = 0;
	uint32_t want;

	i = leb128_u32(p, end, &want);
	while (produced < k && i < end) {
		uint8_t tag = p[i++];
		size_t l, off = 0, j;

		switch (tag & 3) {
		case 0:
			l = tag >> 2;
			if (l >= 60) {
				unsigned int n = (unsigned int)l - 59;

				for (l = 0, j = 0; j < n; j++)
					l |= (size_t)p[i + j] << (8 * j);
				i += n;
			}
			l += 1;
			memcpy(out + produced, p + i, l < k - produced ? l : k - produced);
			i += l;
			produced += l;
			continue;
		case 1:
			l = 4 + ((tag >> 2) & 7);
			off = (size_t)(tag >> 5) << 8 | p[i];
			i += 1;
			break;
		case 2:
			l = (tag >> 2) + 1;
			off = get_le16(p + i);
			i += 2;
			break;
		default:
			l = (tag >> 2) + 1;
			off = get_le32(p + i);
			i += 4;
			break;
		}
		for (j = 0; j < l && produced < k; j++, produced++)
			out[produced] = out[produced - off];
	}
}

/* ---- bounds-checked FlatBuffer access ---- */

struct fb {
	const uint8_t *b;
	size_t n;
	int bad;
	char why[160];
};

struct fbt {
	size_t pos;		/* table start (its soffset) */
	size_t vt;		/* vtable */
	unsigned int nfields;
	unsigned int size;	/* table bytes */
};

static void fb_bad(struct fb *fb, const char *what, size_t pos)
{
	if (!fb->bad)
		snprintf(fb->why, sizeof(fb->why), "%s at offset %zu", what, pos);
	fb->bad = 1;
}

static bool fb_has(const struct fb *fb, size_t pos, size_t len)
{
	return pos <= fb->n && len <= fb->n - pos;
}

static bool fb_table(struct fb *fb, size_t pos, struct fbt *t)
{
	int64_t vt;
	unsigned int vs, ts;

	if ((pos & 3) || !fb_has(fb, pos, 4)) {
		fb_bad(fb, "table outside the buffer or misaligned", pos);
		return false;
	}
	vt = (int64_t)pos - (int32_t)get_le32(fb->b + pos);
	if (vt < 0 || (vt & 1) || !fb_has(fb, (size_t)vt, 4)) {
		fb_bad(fb, "vtable outside the buffer", pos);
		return false;
	}
	vs = get_le16(fb->b + vt);
	ts = get_le16(fb->b + vt + 2);
	if (vs < 4 || (vs & 1) || !fb_has(fb, (size_t)vt, vs) || ts < 4 ||
	    !fb_has(fb, pos, ts)) {
		fb_bad(fb, "bad vtable", (size_t)vt);
		return false;
	}
	t->pos = pos;
	t->vt = (size_t)vt;
	t->nfields = (vs - 4) / 2;
	t->size = ts;
	return true;
}

/* Absolute position of field k of @size bytes, 0 when absent. */
static size_t fb_field(struct fb *fb, const struct fbt *t, unsigned int k,
		       unsigned int size)
{
	unsigned int off;

	if (k >= t->nfields)
		return 0;
	off = get_le16(fb->b + t->vt + 4 + 2 * k);
	if (!off)
		return 0;
	if (off < 4 || off + size > t->size) {
		fb_bad(fb, "field outside its table", t->pos);
		return 0;
	}
	return t->pos + off;
}

static uint32_t fb_u8(struct fb *fb, const struct fbt *t, unsigned int k, uint32_t def)
{
	size_t p = fb_field(fb, t, k, 1);

	return p ? fb->b[p] : def;
}

static int64_t fb_u32(struct fb *fb, const struct fbt *t, unsigned int k, int64_t def)
{
	size_t p = fb_field(fb, t, k, 4);

	return p ? (int64_t)get_le32(fb->b + p) : def;
}

static int64_t fb_i32(struct fb *fb, const struct fbt *t, unsigned int k, int64_t def)
{
	size_t p = fb_field(fb, t, k, 4);

	return p ? (int64_t)(int32_t)get_le32(fb->b + p) : def;
}

/* Target of the offset in field k, 0 when absent. */
static size_t fb_ref(struct fb *fb, const struct fbt *t, unsigned int k)
{
	size_t p = fb_field(fb, t, k, 4);
	uint32_t u;

	if (!p)
		return 0;
	u = get_le32(fb->b + p);
	if (u == 0 || !fb_has(fb, p, (size_t)u + 4)) {
		fb_bad(fb, "offset outside the buffer", p);
		return 0;
	}
	return p + u;
}

static bool fb_subtable(struct fb *fb, const struct fbt *t, unsigned int k,
			struct fbt *sub)
{
	size_t p = fb_ref(fb, t, k);

	return p && fb_table(fb, p, sub);
}

static const char *fb_string_at(struct fb *fb, size_t p)
{
	uint32_t l;

	if (!fb_has(fb, p, 4)) {
		fb_bad(fb, "string outside the buffer", p);
		return NULL;
	}
	l = get_le32(fb->b + p);
	if (!fb_has(fb, p + 4, (size_t)l + 1) || fb->b[p + 4 + l] != 0 ||
	    memchr(fb->b + p + 4, 0, l)) {
		fb_bad(fb, "bad string", p);
		return NULL;
	}
	return (const char *)fb->b + p + 4;
}

static const char *fb_string(struct fb *fb, const struct fbt *t, unsigned int k)
{
	size_t p = fb_ref(fb, t, k);

	return p ? fb_string_at(fb, p) : NULL;
}

/* Vector in field k: *count elements of @esize at *data (0 when absent). */
static bool fb_vector(struct fb *fb, const struct fbt *t, unsigned int k,
		      size_t esize, uint32_t *count, size_t *data)
{
	size_t p = fb_ref(fb, t, k);
	uint32_t c;

	*count = 0;
	*data = 0;
	if (!p)
		return false;
	if (!fb_has(fb, p, 4)) {
		fb_bad(fb, "vector outside the buffer", p);
		return false;
	}
	c = get_le32(fb->b + p);
	if ((uint64_t)c * esize > fb->n - p - 4) {
		fb_bad(fb, "vector longer than the buffer", p);
		return false;
	}
	*count = c;
	*data = p + 4;
	return true;
}

/* Element j of a vector of offsets (tables or strings). */
static size_t fb_vec_ref(struct fb *fb, size_t data, uint32_t j)
{
	size_t e = data + 4 * (size_t)j;
	uint32_t u = get_le32(fb->b + e);

	if (u == 0 || !fb_has(fb, e, (size_t)u + 4)) {
		fb_bad(fb, "vector element outside the buffer", e);
		return 0;
	}
	return e + u;
}

/* ---- model extraction ---- */

static const char *const type_names[] = {
	[AKIDA_FBZ_UNKNOWN] = "Unknown",
	[AKIDA_FBZ_INPUT_DATA] = "InputData",
	[AKIDA_FBZ_INPUT_CONV] = "InputConvolutional",
	[AKIDA_FBZ_FULLY_CONNECTED] = "FullyConnected",
	[AKIDA_FBZ_CONV] = "Convolutional",
	[AKIDA_FBZ_SEPARABLE_CONV] = "SeparableConvolutional",
};

static int add_prop(struct akida_fbz_layer *l, const char *key, int64_t v)
{
	struct akida_fbz_property *np;

	np = realloc(l->props, (l->nprops + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	l->props = np;
	np[l->nprops].key = key;
	np[l->nprops].value = v;
	l->nprops++;
	return 0;
}

int akida_fbz_layer_prop(const struct akida_fbz_layer *l, const char *key,
			 int64_t *value)
{
	unsigned int i;

	for (i = 0; l && key && i < l->nprops; i++)
		if (!strcmp(l->props[i].key, key)) {
			if (value)
				*value = l->props[i].value;
			return 0;
		}
	return -ENOENT;
}

const struct akida_fbz_variable *akida_fbz_layer_var(const struct akida_fbz_layer *l,
						     const char *name)
{
	unsigned int i;

	for (i = 0; i < l->nvars; i++)
		if (!strcmp(l->vars[i].name, name))
			return &l->vars[i];
	return NULL;
}

/*
 * Bytes per element of the known variable types (as in every published
 * model: int32 and float32 4, int8 1, int4 stored one per byte); 0 when the
 * type is unknown and its size cannot be checked.
 */
static unsigned int dtype_size(unsigned int dtype)
{
	switch (dtype) {
	case AKIDA_FBZ_DTYPE_INT32:
	case AKIDA_FBZ_DTYPE_FLOAT32:
		return 4;
	case AKIDA_FBZ_DTYPE_INT8:
	case AKIDA_FBZ_DTYPE_INT4:
		return 1;
	}
	return 0;
}

static int parse_vars(struct fb *fb, const struct fbt *lt, struct akida_fbz_layer *l)
{
	uint32_t n, j;
	size_t data;

	if (!fb_vector(fb, lt, 2, 4, &n, &data))
		return 0;
	l->vars = calloc(n ? n : 1, sizeof(*l->vars));
	if (!l->vars)
		return -ENOMEM;
	for (j = 0; j < n && !fb->bad; j++) {
		struct akida_fbz_variable *v = &l->vars[j];
		size_t p = fb_vec_ref(fb, data, j), d;
		uint32_t c, q;
		struct fbt vt;

		if (!p || !fb_table(fb, p, &vt))
			break;
		v->name = fb_string(fb, &vt, 0);
		if (!v->name)
			v->name = "";
		if (fb_vector(fb, &vt, 1, 4, &c, &d)) {
			if (c > AKIDA_FBZ_MAX_DIMS) {
				fb_bad(fb, "variable with more than 8 dimensions", p);
				break;
			}
			v->ndims = c;
			v->elements = c ? 1 : 0;
			for (q = 0; q < c; q++) {
				int32_t dim = (int32_t)get_le32(fb->b + d + 4 * (size_t)q);

				if (dim < 0) {
					fb_bad(fb, "variable with a negative dimension", p);
					break;
				}
				v->dims[q] = dim;
				if (dim && v->elements > UINT64_MAX / (uint64_t)dim) {
					fb_bad(fb, "variable with too many elements", p);
					break;
				}
				v->elements *= (uint64_t)dim;
			}
		}
		if (fb_vector(fb, &vt, 2, 1, &c, &d)) {
			v->bytes = c;
			v->data = fb->b + d;
		}
		v->dtype = fb_u8(fb, &vt, 3, 0);
		if (!fb->bad && v->ndims && v->data) {
			unsigned int esize = dtype_size(v->dtype);

			if (esize && v->elements * esize != v->bytes) {
				fb_bad(fb, "variable whose shape disagrees with its data size", p);
				break;
			}
		}
		l->nvars++;
		l->weight_bytes += v->bytes;
		if (!strncmp(v->name, "weights", 7))
			l->params += v->elements;
	}
	return 0;
}

/* Layout B: params { -, -, -, props { [ { key, value } ] } } */
static int parse_props_b(struct fb *fb, const struct fbt *pt, struct akida_fbz_layer *l)
{
	struct fbt q;
	uint32_t n, j;
	size_t data;
	int64_t v;

	if (!fb_subtable(fb, pt, 3, &q) || !fb_vector(fb, &q, 0, 4, &n, &data))
		return 0;
	for (j = 0; j < n && !fb->bad; j++) {
		size_t p = fb_vec_ref(fb, data, j);
		struct fbt kv;
		const char *key;

		if (!p || !fb_table(fb, p, &kv))
			break;
		key = fb_string(fb, &kv, 0);
		if (!key)
			continue;
		if (add_prop(l, key, fb_i32(fb, &kv, 1, 0)))
			return -ENOMEM;
	}
	if (!akida_fbz_layer_prop(l, "filters", &v) || !akida_fbz_layer_prop(l, "units", &v))
		l->units = v;
	if (!akida_fbz_layer_prop(l, "weights_bits", &v))
		l->weight_bits = v;
	if (!akida_fbz_layer_prop(l, "act_bits", &v))
		l->act_bits = v;
	/* no activation (a final layer's raw potentials): no activation bits */
	if (!akida_fbz_layer_prop(l, "activation", &v) && v == 0)
		l->act_bits = -1;
	/* Same numbering as layout A's union (cross-checked on the same
	 * model published in both layouts). */
	if (!akida_fbz_layer_prop(l, "layer_type", &v)) {
		l->type = (unsigned int)v;
		l->type_name = v >= 0 && (uint64_t)v < ARRAY_SIZE(type_names) ?
			       type_names[v] : NULL;	/* else formatted later */
	}
	return 0;
}

/*
 * Layout A: params { u8 type - 1, u8 union type, union value }. The
 * "neuron" table { u32 units, u8 weight bits, -, { ..., u8 act bits } }
 * sits at value[0] (FullyConnected, Convolutional) or value[0][0]
 * (SeparableConvolutional); it is trusted only when its units match the
 * first dimension of the layer's weights.
 */
static int parse_props_a(struct fb *fb, const struct fbt *pt, struct akida_fbz_layer *l)
{
	struct fbt u, c, nt, at;
	const struct akida_fbz_variable *w;
	bool have = false;

	l->type = fb_u8(fb, pt, 1, 0);
	if (l->type < ARRAY_SIZE(type_names))
		l->type_name = type_names[l->type];
	if (!fb_subtable(fb, pt, 2, &u))
		return 0;
	switch (l->type) {
	case AKIDA_FBZ_FULLY_CONNECTED:
	case AKIDA_FBZ_CONV:
		have = fb_subtable(fb, &u, 0, &nt);
		w = akida_fbz_layer_var(l, "weights");
		break;
	case AKIDA_FBZ_SEPARABLE_CONV:
		have = fb_subtable(fb, &u, 0, &c) && fb_subtable(fb, &c, 0, &nt);
		w = akida_fbz_layer_var(l, "weights_pw");
		break;
	case AKIDA_FBZ_INPUT_DATA: {
		int64_t ch = fb_u32(fb, &u, 1, -1), bits = fb_u8(fb, &u, 3, 0);

		if (ch >= 0 && add_prop(l, "input_channels", ch))
			return -ENOMEM;
		if (bits && add_prop(l, "input_bits", bits))
			return -ENOMEM;
		l->units = ch;
		return 0;
	}
	case AKIDA_FBZ_INPUT_CONV: {
		struct fbt dims;

		if (fb_subtable(fb, &u, 0, &dims) &&
		    (add_prop(l, "input_width", fb_u32(fb, &dims, 0, 0)) ||
		     add_prop(l, "input_height", fb_u32(fb, &dims, 1, 0))))
			return -ENOMEM;
		w = akida_fbz_layer_var(l, "weights");
		if (w && w->ndims == 4) {
			l->units = w->dims[0];
			/* dtype 3 is int8, 7 int4 (matches weights_bits in layout B) */
			if (w->dtype == AKIDA_FBZ_DTYPE_INT8)
				l->weight_bits = 8;
			else if (w->dtype == AKIDA_FBZ_DTYPE_INT4)
				l->weight_bits = 4;
			if (add_prop(l, "filters", w->dims[0]) ||
			    add_prop(l, "input_channels", w->dims[1]) ||
			    add_prop(l, "kernel_height", w->dims[2]) ||
			    add_prop(l, "kernel_width", w->dims[3]))
				return -ENOMEM;
		}
		return 0;
	}
	default:
		return 0;
	}
	if (have && w && w->ndims >= 1 && fb_u32(fb, &nt, 0, -1) == w->dims[0]) {
		int64_t act = -1, abits = -1;

		l->units = w->dims[0];
		l->weight_bits = fb_u8(fb, &nt, 1, 0);
		/* { u8 activation (absent: off), -, -, u8 act bits }: the
		 * "activation" of layout B (same model, both layouts) */
		if (fb_subtable(fb, &nt, 3, &at)) {
			act = fb_u8(fb, &at, 0, 0);
			abits = fb_u8(fb, &at, 3, 0);
		}
		/* layout B's keys: "filters" for convolutions, "units" for dense */
		if (add_prop(l, l->type == AKIDA_FBZ_FULLY_CONNECTED ? "units" : "filters",
			     l->units) ||
		    add_prop(l, "weights_bits", l->weight_bits) ||
		    (abits >= 0 && add_prop(l, "act_bits", abits)) ||
		    (act >= 0 && add_prop(l, "activation", act)))
			return -ENOMEM;
		l->act_bits = act == 0 ? -1 : abits;
		/* kernel: the (depthwise) "weights" are [filters|1, C, kh, kw] */
		w = akida_fbz_layer_var(l, "weights");
		if (w && w->ndims == 4 && l->type != AKIDA_FBZ_FULLY_CONNECTED &&
		    (add_prop(l, "kernel_height", w->dims[2]) ||
		     add_prop(l, "kernel_width", w->dims[3])))
			return -ENOMEM;
	} else if (w && w->ndims >= 1) {
		l->units = w->dims[0];
	}
	return 0;
}

static int parse_layers(struct akida_fbz *f, struct fb *fb, const struct fbt *root)
{
	uint32_t n, j, total_inb = 0, used = 0;
	size_t data;
	int ret;

	if (!fb_vector(fb, root, 0, 4, &n, &data)) {
		if (!fb->bad)
			fb_bad(fb, "model has no layer list", root->pos);
		return -EBADMSG;
	}
	if (!n) {
		fb_bad(fb, "model has no layers", root->pos);
		return -EBADMSG;
	}
	f->layers = calloc(n ? n : 1, sizeof(*f->layers));
	f->tnames = calloc(n ? n : 1, sizeof(*f->tnames));
	if (!f->layers || !f->tnames)
		return -ENOMEM;
	/* First pass: count inbound names for one allocation. */
	for (j = 0; j < n && !fb->bad; j++) {
		size_t p = fb_vec_ref(fb, data, j), d;
		struct fbt lt;
		uint32_t c;

		if (!p || !fb_table(fb, p, &lt))
			break;
		if (fb_vector(fb, &lt, 4, 4, &c, &d))
			total_inb += c;
	}
	if (fb->bad)
		return -EBADMSG;
	f->names = calloc(total_inb ? total_inb : 1, sizeof(char *));
	if (!f->names)
		return -ENOMEM;

	for (j = 0; j < n && !fb->bad; j++) {
		struct akida_fbz_layer *l = &f->layers[j];
		size_t p = fb_vec_ref(fb, data, j), d;
		struct fbt lt, pt;
		uint32_t c, q;

		if (!p || !fb_table(fb, p, &lt))
			break;
		f->info.nlayers = j + 1;
		l->units = l->weight_bits = l->act_bits = -1;
		l->name = fb_string(fb, &lt, 1);
		if (!l->name)
			l->name = "";
		l->type_name = type_names[0];
		ret = parse_vars(fb, &lt, l);
		if (ret)
			return ret;
		if (fb_vector(fb, &lt, 4, 4, &c, &d)) {
			l->inbound = f->names + used;
			for (q = 0; q < c && used < total_inb; q++) {
				size_t s = fb_vec_ref(fb, d, q);
				const char *nm = s ? fb_string_at(fb, s) : NULL;

				if (!nm)
					break;
				f->names[used++] = nm;
				l->ninbound++;
			}
		}
		if (fb_subtable(fb, &lt, 3, &pt)) {
			if (fb_field(fb, &pt, 3, 4) && !fb_field(fb, &pt, 1, 1))
				ret = parse_props_b(fb, &pt, l);
			else
				ret = parse_props_a(fb, &pt, l);
			if (ret)
				return ret;
		}
		f->info.total_params += l->params;
		f->info.total_weight_bytes += l->weight_bytes;
	}
	return fb->bad ? -EBADMSG : 0;
}

/*
 * Before the model is allocated: decode its first bytes only and check the
 * root table, its vtable and the header of its layer list there. Writers
 * put the root table first (FlatBuffers builders write it last, at the
 * lowest address), so a real model passes; a stream of garbage declaring a
 * huge size is refused for the cost of FBZ_ROOT_PREFIX bytes.
 */
#define FBZ_ROOT_PREFIX		(1u << 20)

static int check_root(const uint8_t *p, size_t end, uint32_t n)
{
	size_t k = n < FBZ_ROOT_PREFIX ? n : FBZ_ROOT_PREFIX, data;
	struct fb fb = { 0 };
	struct fbt root;
	uint8_t *pre = malloc(k);
	uint32_t count;
	bool ok;

	if (!pre)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	snappy_prefix(p, end, pre, k);
	fb.b = pre;
	fb.n = k;
	ok = fb_table(&fb, get_le32(pre), &root) &&
	     fb_vector(&fb, &root, 0, 4, &count, &data);
	free(pre);
	if (ok && (uint64_t)count * 4 <= n - data)
		return 0;
	return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
			  "fbz: malformed model: no valid root table with a layer list in its "
			  "first %zu bytes (%s)", k, fb.bad ? fb.why : "no layer list");
}

void akida_fbz_free(struct akida_fbz *f)
{
	unsigned int i;

	if (!f)
		return;
	for (i = 0; f->layers && i < f->info.nlayers; i++) {
		free(f->layers[i].vars);
		free(f->layers[i].props);
	}
	free(f->layers);
	free(f->names);
	free(f->tnames);
	free(f->payload);
	free(f);
}

int akida_fbz_parse(const void *data, size_t len, struct akida_fbz **out)
{
	const uint8_t *p = data;
	struct akida_fbz *f;
	struct fb fb = { 0 };
	struct fbt root;
	size_t end = 0, outlen, i;
	uint32_t n = 0;
	const char *ver;
	int ret;

	if (!out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointer");
	*out = NULL;
	if (!p || len == 0)
		return akida_fail(AKIDA_ERR_INVALID, EBADMSG, "fbz: empty file");
	if (len > FBZ_MAX_FILE)
		return akida_fail(AKIDA_ERR_INVALID, EFBIG, "fbz: file too large (%zu bytes)", len);
	ret = snappy_stream_end(p, len, &end, &n);
	if (ret)
		return ret;
	if (n < 8)
		return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
				  "fbz: model of %u bytes is too small for a FlatBuffer", n);

	ret = check_root(p, end, n);
	if (ret)
		return ret;

	f = calloc(1, sizeof(*f));
	if (!f)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	f->payload = malloc(n);
	if (!f->payload) {
		free(f);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM,
				  "out of memory for a %u-byte model", n);
	}
	outlen = n;
	if (snappy_uncompress((const char *)p, end, (char *)f->payload, &outlen) !=
	    SNAPPY_OK || outlen != n) {
		akida_fbz_free(f);
		return akida_fail(AKIDA_ERR_INVALID, EBADMSG,
				  "fbz: Snappy decompression failed");
	}
	f->info.file_bytes = len;
	f->info.stream_bytes = end;
	f->info.trailing_bytes = len - end;
	f->info.trailing_zero = 1;
	for (i = end; i < len; i++)
		if (p[i]) {
			f->info.trailing_zero = 0;
			break;
		}
	f->info.payload_bytes = n;
	f->info.version = f->version;

	fb.b = f->payload;
	fb.n = n;
	if (!fb_table(&fb, get_le32(fb.b), &root))
		goto bad;
	ver = fb_string(&fb, &root, 2);
	if (fb.bad)
		goto bad;
	if (ver) {
		f->info.layout = AKIDA_FBZ_LAYOUT_B;
		snprintf(f->version, sizeof(f->version), "%s", ver);
	} else {
		f->info.layout = AKIDA_FBZ_LAYOUT_A;
	}
	ret = parse_layers(f, &fb, &root);
	if (ret == -ENOMEM) {
		akida_fbz_free(f);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	}
	if (ret)
		goto bad;
	f->info.layers = f->layers;
	/* Layout B reports layer_type numbers; give them a printable name. */
	for (i = 0; i < f->info.nlayers; i++)
		if (!f->layers[i].type_name) {
			snprintf(f->tnames[i], sizeof(f->tnames[i]), "layer_type %u",
				 f->layers[i].type);
			f->layers[i].type_name = f->tnames[i];
		}
	*out = f;
	return 0;
bad:
	ret = akida_fail(AKIDA_ERR_INVALID, EBADMSG, "fbz: malformed model: %s",
			 fb.bad ? fb.why : "unknown structure");
	akida_fbz_free(f);
	return ret;
}

const struct akida_fbz_info *akida_fbz_info(const struct akida_fbz *f)
{
	return f ? &f->info : NULL;
}

int akida_file_read(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	size_t cap, got = 0;
	struct stat st;
	uint8_t *b, *nb;
	ssize_t r;
	int fd, ret, regular;

	if (!path || !buf || !len)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no path or output pointer");
	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return akida_fail(errno == ENOMEM ? AKIDA_ERR_NO_MEMORY : AKIDA_ERR_INVALID, errno,
				  "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		ret = akida_fail(AKIDA_ERR_INVALID, errno, "%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return akida_fail(AKIDA_ERR_INVALID, EISDIR, "%s: %s", path, strerror(EISDIR));
	}
	regular = S_ISREG(st.st_mode);
	if (regular && (uint64_t)st.st_size > max) {
		close(fd);
		return akida_fail(AKIDA_ERR_INVALID, EFBIG,
				  "%s: the file of %llu bytes is larger than the %zu-byte limit",
				  path, (unsigned long long)st.st_size, max);
	}
	/* a regular file: its size (+1 to see EOF); a stream: grown as it comes */
	cap = regular ? (size_t)st.st_size + 1 : 64u << 10;
	b = malloc(cap);
	if (!b) {
		close(fd);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "%s: out of memory", path);
	}
	for (;;) {
		if (got == cap) {
			if (cap > max) {
				ret = akida_fail(AKIDA_ERR_INVALID, EFBIG,
						 "%s: larger than the %zu-byte limit", path, max);
				goto fail;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(b, cap);
			if (!nb) {
				ret = akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "%s: out of memory",
						 path);
				goto fail;
			}
			b = nb;
		}
		r = read(fd, b + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = akida_fail(AKIDA_ERR_INVALID, errno, "%s: read failed: %s", path,
					 strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			ret = akida_fail(AKIDA_ERR_INVALID, EFBIG,
					 "%s: larger than the %zu-byte limit", path, max);
			goto fail;
		}
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
fail:
	free(b);
	close(fd);
	return ret;
}

/* Prefix the last error's message with @path. */
static int blame(const char *path, int ret)
{
	char msg[sizeof(akida_last_error()->message)];

	snprintf(msg, sizeof(msg), "%s", akida_error_message());
	akida_fail(akida_last_error()->kind, -ret, "%s: %s", path, msg);
	return ret;
}

int akida_fbz_load(const char *path, struct akida_fbz **out)
{
	uint8_t *buf;
	size_t len;
	int ret;

	if (!out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointer");
	*out = NULL;
	ret = akida_file_read(path, FBZ_MAX_FILE, &buf, &len);
	if (ret)
		return ret;
	ret = akida_fbz_parse(buf, len, out);
	free(buf);
	return ret ? blame(path, ret) : 0;
}

int akida_program_load(const char *path, struct akida_program **out)
{
	struct akida_fbz *f;
	uint8_t *buf;
	size_t len;
	int ret;

	if (!out)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no output pointer");
	*out = NULL;
	ret = akida_file_read(path, AKIDA_MAX_MODEL_FILE, &buf, &len);
	if (ret)
		return ret;
	if (len >= 4 && !memcmp(buf, AKIDA_IMAGE_MAGIC, 4)) {
		ret = akida_program_from_image(buf, len, out);
	} else {
		ret = akida_fbz_parse(buf, len, &f);
		if (!ret) {
			ret = akida_program_from_fbz(f, out);
			akida_fbz_free(f);
		}
	}
	free(buf);
	return ret ? blame(path, ret) : 0;
}
