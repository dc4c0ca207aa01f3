/* SPDX-License-Identifier: MIT */
/*
 * libakida internals shared between the library's source files.
 */
#ifndef AKIDA_INTERNAL_H
#define AKIDA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "akida.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define AKIDA_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define AKIDA_PRINTF(f, a)
#endif

/*
 * Record an error for the calling thread and return -@err, so that callers
 * can write "return akida_fail(AKIDA_ERR_INVALID, EINVAL, "...", ...);".
 */
int akida_fail(enum akida_error_kind kind, int err, const char *fmt, ...)
	AKIDA_PRINTF(3, 4);
/* Same, with the kind derived from @err. */
int akida_fail_errno(int err, const char *fmt, ...) AKIDA_PRINTF(2, 3);
enum akida_error_kind akida_kind_from_errno(int err);

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* The variable @name of an .fbz layer, or NULL (fbz.c). */
const struct akida_fbz_variable *akida_fbz_layer_var(const struct akida_fbz_layer *l,
						     const char *name);

const char *akida_sysfs_root(const char *root);
int akida_read_sysfs(const char *path, char *buf, size_t len);

#endif /* AKIDA_INTERNAL_H */
