// SPDX-License-Identifier: MIT
/*
 * A tiny streaming JSON writer (pretty-printed, two-space indent).
 */
#include <math.h>
#include <string.h>

#include "json.h"

void json_begin(struct json *j, FILE *f)
{
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

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
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
