// SPDX-License-Identifier: MIT
/*
 * libakida: the error taxonomy and the per-thread last error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "akida_internal.h"

static _Thread_local struct akida_error last_error;

#define STR_(x)	#x
#define STR(x)	STR_(x)

/* The one source of the version: akida.h (lib/Makefile reads it from there). */
const char *akida_version(void)
{
	return STR(AKIDA_VERSION_MAJOR) "." STR(AKIDA_VERSION_MINOR) "." STR(AKIDA_VERSION_PATCH);
}

const struct akida_error *akida_last_error(void)
{
	return &last_error;
}

const char *akida_error_message(void)
{
	return last_error.kind == AKIDA_OK ? "no error" : last_error.message;
}

void akida_clear_error(void)
{
	memset(&last_error, 0, sizeof(last_error));
}

const char *akida_error_kind_name(enum akida_error_kind kind)
{
	switch (kind) {
	case AKIDA_OK:			return "ok";
	case AKIDA_ERR_NO_DEVICE:	return "no device";
	case AKIDA_ERR_NOT_FOUND:	return "device not found";
	case AKIDA_ERR_BACKEND_UNAVAILABLE: return "backend unavailable";
	case AKIDA_ERR_TRANSFER:	return "transfer failed";
	case AKIDA_ERR_HARDWARE:	return "hardware error";
	case AKIDA_ERR_CAPABILITY:	return "capability query failed";
	case AKIDA_ERR_INVALID:		return "invalid input";
	case AKIDA_ERR_NO_MEMORY:	return "out of memory";
	}
	return "unknown error";
}

enum akida_error_kind akida_errno_kind(int err)
{
	return akida_kind_from_errno(err);
}

enum akida_error_kind akida_kind_from_errno(int err)
{
	switch (err) {
	case ENODEV:
		return AKIDA_ERR_NO_DEVICE;
	case ENOENT:
		return AKIDA_ERR_NOT_FOUND;
	case ENXIO: case EACCES: case EPERM: case EBUSY: case ENOTSUP:
		return AKIDA_ERR_BACKEND_UNAVAILABLE;
	case ETIMEDOUT:
		return AKIDA_ERR_TRANSFER;
	case EIO: case EPROTO:
		return AKIDA_ERR_HARDWARE;
	case ENODATA:
		return AKIDA_ERR_CAPABILITY;
	case ENOMEM:
		return AKIDA_ERR_NO_MEMORY;
	default:
		return AKIDA_ERR_INVALID;
	}
}

static int vfail(enum akida_error_kind kind, int err, const char *fmt,
		 va_list ap)
{
	if (err <= 0)
		err = EIO;
	last_error.kind = kind;
	last_error.err = err;
	vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
	return -err;
}

int akida_fail(enum akida_error_kind kind, int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(kind, err, fmt, ap);
	va_end(ap);
	return ret;
}

int akida_fail_errno(int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(akida_kind_from_errno(err), err, fmt, ap);
	va_end(ap);
	return ret;
}

const char *akida_npu_error_name(unsigned int code)
{
	static const char *const names[] = {
		[AKIDA_NPU_OK] = "no error",
		[AKIDA_NPU_BAD_MAGIC] = "bad magic or version",
		[AKIDA_NPU_BAD_SIZE] = "bad size or malformed image",
		[AKIDA_NPU_BAD_CRC] = "CRC mismatch",
		[AKIDA_NPU_NO_CHAIN] = "layers do not chain",
		[AKIDA_NPU_NO_FIT] = "does not fit SRAM",
		[AKIDA_NPU_NO_MODEL] = "no model loaded",
		[AKIDA_NPU_INPUT_SIZE] = "input size mismatch",
		[AKIDA_NPU_BAD_ADDR] = "address outside LPDDR",
	};

	return code < ARRAY_SIZE(names) ? names[code] : "unknown error code";
}
