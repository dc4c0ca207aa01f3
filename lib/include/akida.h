/* SPDX-License-Identifier: MIT */
/*
 * libakida: userspace library for the BrainChip Akida AKD1000 NPU.
 *
 * One header for everything: errors, program images and the CPU golden
 * model, .fbz model files, device discovery, device backends and inference.
 * See Documentation/libakida.rst for the full description.
 *
 * Conventions:
 *  - Functions returning int return 0 on success or a negative errno. The
 *    category and a human-readable message of the last failure in the
 *    calling thread are available from akida_last_error().
 *  - Thread safety: a struct akida_device belongs to one thread at a time
 *    (callers serialise their own use of one handle); distinct handles may
 *    be used concurrently from different threads. struct akida_program and
 *    struct akida_fbz are immutable after creation except through the
 *    functions documented as modifying them; read-only use from several
 *    threads is safe. Discovery results and capabilities are immutable and
 *    shareable. The error state is per thread.
 */
#ifndef AKIDA_H
#define AKIDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(AKIDA_BUILDING)
#define AKIDA_API __attribute__((visibility("default")))
#else
#define AKIDA_API
#endif

#define AKIDA_VERSION_MAJOR	0
#define AKIDA_VERSION_MINOR	1
#define AKIDA_VERSION_PATCH	0

AKIDA_API const char *akida_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/** enum akida_error_kind - the error taxonomy. */
enum akida_error_kind {
	AKIDA_OK = 0,
	AKIDA_ERR_NO_DEVICE,		/* no Akida device in the system (ENODEV) */
	AKIDA_ERR_NOT_FOUND,		/* the named device does not exist (ENOENT) */
	AKIDA_ERR_BACKEND_UNAVAILABLE,	/* backend cannot be used: no driver,
					 * no permission, no IOMMU (ENXIO, EACCES,
					 * EPERM, EBUSY, ENOTSUP) */
	AKIDA_ERR_TRANSFER,		/* a DMA transfer failed (EIO, ETIMEDOUT) */
	AKIDA_ERR_HARDWARE,		/* the NPU reported an error (EIO, EPROTO) */
	AKIDA_ERR_CAPABILITY,		/* reading capabilities failed (EIO, ENODATA) */
	AKIDA_ERR_INVALID,		/* invalid input: arguments, files, images
					 * (EINVAL, EBADMSG, ERANGE, EFBIG) */
	AKIDA_ERR_NO_MEMORY,		/* out of memory (ENOMEM) */
};

struct akida_error {
	enum akida_error_kind kind;
	int err;			/* positive errno */
	char message[256];
};

/* Last failure of the calling thread (kind AKIDA_OK when none). */
AKIDA_API const struct akida_error *akida_last_error(void);
AKIDA_API const char *akida_error_message(void);
AKIDA_API const char *akida_error_kind_name(enum akida_error_kind kind);
AKIDA_API void akida_clear_error(void);

/* ------------------------------------------------------------------------ */
/* Program images (HARDWARE.md section 5) and the CPU golden model           */
/* ------------------------------------------------------------------------ */

#define AKIDA_IMAGE_MAGIC		"AKP1"
#define AKIDA_IMAGE_VERSION		1
#define AKIDA_IMAGE_HEADER_SIZE		32
#define AKIDA_LAYER_DESC_SIZE		16
#define AKIDA_LAYER_FC			1
#define AKIDA_NP_SRAM_BYTES		131072u

/* NPU ERROR_CODE values (the emulator's, and akida_image_check()'s). */
enum akida_npu_error {
	AKIDA_NPU_OK = 0,
	AKIDA_NPU_BAD_MAGIC = 1,	/* bad magic, version or reserved header bytes */
	AKIDA_NPU_BAD_SIZE = 2,		/* bad size / malformed image or layer */
	AKIDA_NPU_BAD_CRC = 3,
	AKIDA_NPU_NO_CHAIN = 4,		/* layers do not chain */
	AKIDA_NPU_NO_FIT = 5,		/* does not fit the enabled NPs' SRAM */
	AKIDA_NPU_NO_MODEL = 6,
	AKIDA_NPU_INPUT_SIZE = 7,
	AKIDA_NPU_BAD_ADDR = 8,		/* address outside LPDDR */
};

AKIDA_API const char *akida_npu_error_name(unsigned int code);

/**
 * struct akida_fc_layer - a fully connected layer for the program builder.
 * @inputs, @outputs: shape (both >= 1).
 * @weight_bits: 4 or 8.
 * @act_bits: 1, 2, 4 or 8.
 * @weights: @outputs x @inputs signed weights, row-major, unpacked (one
 *	int8 per weight; range -8..7 for 4-bit weights).
 * @thresholds: @outputs int32 thresholds.
 * @shifts: @outputs right shifts (0..255; the NPU clamps to 63).
 */
struct akida_fc_layer {
	uint32_t inputs;
	uint32_t outputs;
	uint8_t weight_bits;
	uint8_t act_bits;
	const int8_t *weights;
	const int32_t *thresholds;
	const uint8_t *shifts;
};

/** struct akida_layer_info - one layer of a program, as found in its image. */
struct akida_layer_info {
	uint32_t kind;
	uint32_t inputs;
	uint32_t outputs;
	uint32_t weight_bits;
	uint32_t act_bits;
	uint32_t payload_bytes;
	uint32_t weight_bytes;		/* packed weight bytes */
	size_t offset;			/* of the descriptor in the image */
};

struct akida_program;

/* Build an image from @n layers; the program owns a copy of the image. */
AKIDA_API int akida_program_build(const struct akida_fc_layer *layers,
				  unsigned int n, struct akida_program **out);
/* Take an existing image (fully validated like MODEL_LOAD, SRAM limit aside). */
AKIDA_API int akida_program_from_image(const void *image, size_t len,
				       struct akida_program **out);
AKIDA_API void akida_program_free(struct akida_program *p);

AKIDA_API const void *akida_program_image(const struct akida_program *p,
					  size_t *len);
AKIDA_API unsigned int akida_program_layer_count(const struct akida_program *p);
AKIDA_API int akida_program_layer(const struct akida_program *p,
				  unsigned int index,
				  struct akida_layer_info *info);
AKIDA_API uint32_t akida_program_input_bytes(const struct akida_program *p);
AKIDA_API uint32_t akida_program_output_bytes(const struct akida_program *p);
/* Sum of inputs * outputs over the layers. */
AKIDA_API uint64_t akida_program_macs(const struct akida_program *p);
/* Packed weights of one layer as they are in the image (for WEIGHT_UPDATE). */
AKIDA_API const void *akida_program_layer_weights(const struct akida_program *p,
						  unsigned int index,
						  size_t *len);

/*
 * Replace one layer's weights (unpacked int8, outputs x inputs) in the
 * program's image; the CRC is recomputed. Thresholds and shifts stay.
 */
AKIDA_API int akida_program_set_weights(struct akida_program *p,
					unsigned int index,
					const int8_t *weights);

/*
 * The CPU golden model: run @batch inputs (packed back to back, input_bytes
 * each) through the program, writing @batch outputs (output_bytes each).
 */
AKIDA_API int akida_program_run(const struct akida_program *p,
				const uint8_t *inputs, unsigned int batch,
				uint8_t *outputs);

/**
 * struct akida_random_spec - shape of a pseudo-random test program.
 * @layers: number of layers (1..16).
 * @sizes: @layers + 1 sizes: input bytes, then each layer's outputs.
 * @weight_bits, @act_bits: per layer; 0 means 8 / 4.
 */
struct akida_random_spec {
	unsigned int layers;
	const uint32_t *sizes;
	const uint8_t *weight_bits;
	const uint8_t *act_bits;
};

/*
 * Build a deterministic pseudo-random program from @seed whose thresholds
 * and shifts keep the activations spread over their range (a useful test
 * of every bit). @spec NULL gives a small 3-layer default (64-32-16-10).
 */
AKIDA_API int akida_program_random(uint64_t seed,
				   const struct akida_random_spec *spec,
				   struct akida_program **out);
/* Fill @len bytes with deterministic pseudo-random data from @seed. */
AKIDA_API void akida_random_bytes(uint64_t seed, void *buf, size_t len);

/*
 * Check an image exactly as the NPU's MODEL_LOAD does, with @sram_bytes of
 * enabled SRAM (0: no capacity check). Returns an enum akida_npu_error code
 * (0 when the image would load); never fails otherwise.
 */
AKIDA_API unsigned int akida_image_check(const void *image, size_t len,
					 uint64_t sram_bytes);

/* Pack @count weights (int8, already in range) into @out (4 or 8 bits). */
AKIDA_API int akida_pack_weights(unsigned int weight_bits, const int8_t *w,
				 size_t count, uint8_t *out);
/* Bytes that @count packed weights of @weight_bits take. */
AKIDA_API size_t akida_packed_weight_bytes(unsigned int weight_bits,
					   uint64_t count);

/* IEEE 802.3 CRC-32, zlib compatible: crc = akida_crc32(0, buf, len). */
AKIDA_API uint32_t akida_crc32(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* AKIDA_H */
