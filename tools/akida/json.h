/* SPDX-License-Identifier: MIT */
/*
 * A tiny streaming JSON writer for the akida CLI's --json output.
 */
#ifndef AKIDA_JSON_H
#define AKIDA_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	int first[32];		/* no element written yet at this depth */
	int pending_key;
	int compact;		/* one line (JSON Lines): no newlines or indent */
};

/* Documents begun so far (the CLI prints exactly one per command). */
extern int json_documents;

void json_begin(struct json *j, FILE *f);
void json_begin_line(struct json *j, FILE *f);	/* compact, one line */
void json_obj(struct json *j, const char *key);		/* key NULL inside arrays */
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
void json_double(struct json *j, const char *key, double v);
void json_finish(struct json *j);

#endif
