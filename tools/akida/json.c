// SPDX-License-Identifier: MIT
/*
 * A tiny streaming JSON writer (pretty-printed, two-space indent).
 */
#include <math.h>
#include <string.h>

#include "json.h"

int json_documents;

void json_begin(struct json *j, FILE *f)
{
	json_documents++;
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = 1;
}

void json_begin_line(struct json *j, FILE *f)
{
	json_begin(j, f);
	j->compact = 1;
}

static void indent(struct json *j)
{
	int i;

	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/*
 * Length of the valid UTF-8 sequence at @s (1 to 4), 0 if it is not one:
 * no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629).
 */
static int utf8_len(const unsigned char *s)
{
	unsigned int cp;
	int n, k;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string. The output is always valid JSON in valid UTF-8, whatever
 * the bytes (layer names come from untrusted files): valid UTF-8 passes
 * through unchanged, each byte that does not start a valid sequence
 * becomes U+FFFD (the replacement character, written \ufffd), and control
 * characters are escaped.
 */
static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (s && *s) {
		unsigned char c = *s;
		int n;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (c < 0x80)
			fputc(c, f);
		else if ((n = utf8_len(s))) {
			fwrite(s, 1, (size_t)n, f);
			s += n;
			continue;
		} else {
			fputs("\\ufffd", f);
		}
		s++;
	}
	fputc('"', f);
}

static void item(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputs(j->compact ? ", " : ",", j->f);
		if (!j->compact) {
			fputc('\n', j->f);
			indent(j);
		}
	}
	j->first[j->depth] = 0;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

void json_obj(struct json *j, const char *key)
{
	item(j, key);
	fputc('{', j->f);
	j->depth++;
	j->first[j->depth] = 1;
}

void json_arr(struct json *j, const char *key)
{
	item(j, key);
	fputc('[', j->f);
	j->depth++;
	j->first[j->depth] = 1;
}

static void end(struct json *j, char c)
{
	int empty = j->first[j->depth];

	j->depth--;
	if (!empty && !j->compact) {
		fputc('\n', j->f);
		indent(j);
	}
	fputc(c, j->f);
}

void json_end_obj(struct json *j)
{
	end(j, '}');
}

void json_end_arr(struct json *j)
{
	end(j, ']');
}

void json_str(struct json *j, const char *key, const char *v)
{
	item(j, key);
	put_string(j->f, v);
}

void json_int(struct json *j, const char *key, int64_t v)
{
	item(j, key);
	fprintf(j->f, "%lld", (long long)v);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	item(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_bool(struct json *j, const char *key, int v)
{
	item(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	item(j, key);
	fputs("null", j->f);
}

void json_double(struct json *j, const char *key, double v)
{
	item(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
