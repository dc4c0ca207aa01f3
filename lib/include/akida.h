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

/* The library's version: the only place it is written (lib/Makefile, the
 * soname and akida.pc take it from here; akida_version() returns it). */
#define AKIDA_VERSION_MAJOR	0
#define AKIDA_VERSION_MINOR	1
#define AKIDA_VERSION_PATCH	0

AKIDA_API const char *akida_version(void);
/* CLOCK_MONOTONIC in nanoseconds (for timing around library calls). */
AKIDA_API uint64_t akida_time_ns(void);

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
/* The category a given errno falls in. */
AKIDA_API enum akida_error_kind akida_errno_kind(int err);

/* ------------------------------------------------------------------------ */
/* Program images (Documentation/npu-interface.rst) and the golden model    */
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


/* ------------------------------------------------------------------------ */
/* .fbz model files                                                         */
/* ------------------------------------------------------------------------ */

/*
 * An .fbz file is a LEB128 length n, the rest of a raw Snappy stream that
 * decodes to n bytes, then padding; the n bytes are a FlatBuffer. BrainChip
 * has not published the schema: what libakida knows is in
 * Documentation/libakida.rst ("The .fbz format") and is reported with field
 * indices where names are unknown.
 */

enum akida_fbz_layout {
	AKIDA_FBZ_LAYOUT_A = 1,	/* root { layers } (Akida 1.x files) */
	AKIDA_FBZ_LAYOUT_B = 2,	/* root { layers, <absent>, version } (2.x) */
};

/* Layer types of layout A (the union discriminator of the layer params). */
enum akida_fbz_layer_type {
	AKIDA_FBZ_UNKNOWN = 0,
	AKIDA_FBZ_INPUT_DATA = 1,
	AKIDA_FBZ_INPUT_CONV = 2,
	AKIDA_FBZ_FULLY_CONNECTED = 3,
	AKIDA_FBZ_CONV = 4,
	AKIDA_FBZ_SEPARABLE_CONV = 5,
};

/* Variable element type codes seen in real files. */
#define AKIDA_FBZ_DTYPE_INT32	0	/* thresholds */
#define AKIDA_FBZ_DTYPE_FLOAT32	1	/* act_step */
#define AKIDA_FBZ_DTYPE_INT8	3	/* 8-bit weights */
#define AKIDA_FBZ_DTYPE_INT4	7	/* 4-bit weights, one per byte */

#define AKIDA_FBZ_MAX_DIMS	8

struct akida_fbz_variable {
	const char *name;
	unsigned int ndims;
	int32_t dims[AKIDA_FBZ_MAX_DIMS];
	unsigned int dtype;		/* AKIDA_FBZ_DTYPE_* or another code */
	uint32_t bytes;			/* size of the data */
	const uint8_t *data;
	uint64_t elements;		/* product of dims (0 if none) */
};

struct akida_fbz_property {
	const char *key;
	int64_t value;
};

struct akida_fbz_layer {
	const char *name;
	unsigned int type;		/* layout A: enum akida_fbz_layer_type */
	const char *type_name;		/* "FullyConnected", "layer_type 2", ... */
	unsigned int ninbound;
	const char **inbound;		/* names of the layers feeding this one */
	unsigned int nvars;
	struct akida_fbz_variable *vars;
	unsigned int nprops;
	struct akida_fbz_property *props;
	/*
	 * Common properties when known, else -1. @units: the output
	 * channels, whatever the file calls them (property "units" of dense
	 * layers, "filters" of convolutions, in both layouts). @act_bits is -1
	 * too for a layer without activation (property "activation" 0).
	 */
	int64_t units;
	int64_t weight_bits;
	int64_t act_bits;
	uint64_t params;		/* weight elements only ("weights*" variables) */
	uint64_t weight_bytes;		/* bytes of all variables */
};

struct akida_fbz_info {
	enum akida_fbz_layout layout;
	const char *version;		/* "" when the file does not say */
	size_t file_bytes;
	size_t stream_bytes;		/* LEB128 + Snappy stream */
	size_t trailing_bytes;		/* after the stream */
	int trailing_zero;		/* 1 if all trailing bytes are zero */
	size_t payload_bytes;		/* decompressed FlatBuffer */
	unsigned int nlayers;
	const struct akida_fbz_layer *layers;
	uint64_t total_params;
	uint64_t total_weight_bytes;
};

struct akida_fbz;

/*
 * Parse an .fbz image in memory / a file. Untrusted input is fine: a model
 * with no layers, a variable whose shape disagrees with its data size, a
 * negative dimension or more than AKIDA_FBZ_MAX_DIMS dimensions, or a
 * root table that does not check out is AKIDA_ERR_INVALID (-EBADMSG). The
 * Snappy stream is walked and the root table checked before the model is
 * allocated. akida_fbz_load() reads like akida_file_read() (pipes too).
 */
AKIDA_API int akida_fbz_parse(const void *data, size_t len, struct akida_fbz **out);
AKIDA_API int akida_fbz_load(const char *path, struct akida_fbz **out);

/* Model files (.fbz or program image) larger than this are refused. */
#define AKIDA_MAX_MODEL_FILE	(256u << 20)

/*
 * Read the whole of @path into a malloc()ed buffer (*buf, *len; free()
 * it): a regular file, or a pipe, terminal or other stream read to its end.
 * More than @max bytes is -EFBIG. Every failure is recorded (kind
 * AKIDA_ERR_INVALID: a file that cannot be opened or read is invalid
 * input, like one that cannot be parsed; AKIDA_ERR_NO_MEMORY for ENOMEM)
 * with the path and the reason in the message.
 */
AKIDA_API int akida_file_read(const char *path, size_t max, uint8_t **buf, size_t *len);
/*
 * Load a program from a file: a program image (it starts with
 * AKIDA_IMAGE_MAGIC) or an .fbz written by libakida. Errors carry the path.
 */
AKIDA_API int akida_program_load(const char *path, struct akida_program **out);
AKIDA_API const struct akida_fbz_info *akida_fbz_info(const struct akida_fbz *f);
AKIDA_API void akida_fbz_free(struct akida_fbz *f);
/* Property of a layer by key (-ENOENT when absent). */
AKIDA_API int akida_fbz_layer_prop(const struct akida_fbz_layer *l,
				   const char *key, int64_t *value);

/*
 * Serialise a program as an .fbz file (layout B, version "libakida-<ver>";
 * per layer: properties layer_type (3), units, inputs, weights_bits, act_bits and
 * variables weights [O, I, 1, 1], threshold [O], shift [O]). Writes a
 * malloc()ed buffer; akida_program_from_fbz() reads such files back.
 */
AKIDA_API int akida_fbz_write_program(const struct akida_program *p,
				      uint8_t **out, size_t *len);
AKIDA_API int akida_fbz_save_program(const struct akida_program *p,
				     const char *path);
AKIDA_API int akida_program_from_fbz(const struct akida_fbz *f,
				     struct akida_program **out);

/* ------------------------------------------------------------------------ */
/* Discovery                                                                */
/* ------------------------------------------------------------------------ */

#define AKIDA_PCI_VENDOR	0x1e7c
#define AKIDA_MAX_ATTRS		48

struct akida_attr {
	char name[48];			/* "akida_np_count", "akida_dma/h2d_bytes" */
	char value[80];
};

/**
 * struct akida_device_info - one Akida PCI function, as sysfs shows it.
 * @index: position in the discovery list (sorted by PCI address); the "N"
 *	of `akida info N`.
 * @minor: N of /dev/akidaN when the kernel driver is bound, else -1.
 */
struct akida_device_info {
	unsigned int index;
	char bdf[16];			/* "0000:01:00.0" */
	uint16_t vendor, device;
	uint8_t revision;
	const char *chip;		/* "AKD1000", "AKD1500" or "unknown" */
	char driver[32];		/* bound driver, "" when none */
	char devnode[32];		/* "/dev/akida0", "" when none */
	int minor;
	int iommu_group;		/* -1 when there is none */
	char link_speed[32];		/* "5.0 GT/s PCIe", "" if unknown */
	char link_width[8];
	char max_link_speed[32];
	char max_link_width[8];
	uint64_t bar_size[6];		/* from the resource file */
	uint64_t bar_start[6];
	int numa_node;
	unsigned int nattrs;
	struct akida_attr attrs[AKIDA_MAX_ATTRS];
};

/*
 * Scan <sysfs_root>/bus/pci/devices for vendor 0x1e7c. @sysfs_root NULL
 * means $AKIDA_SYSFS_ROOT or "/sys". Never fails for lack of devices: an
 * empty list (*count 0, *list NULL) is a success.
 */
AKIDA_API int akida_discover(const char *sysfs_root,
			     struct akida_device_info **list,
			     unsigned int *count);
AKIDA_API void akida_discover_free(struct akida_device_info *list);
/*
 * Find one device by index ("0"), PCI address ("0000:01:00.0" or
 * "01:00.0") or node ("/dev/akida0", "akida0"). Errors: AKIDA_ERR_NO_DEVICE
 * (no device at all, -ENODEV), AKIDA_ERR_NOT_FOUND (-ENOENT).
 */
AKIDA_API int akida_find_device(const char *sysfs_root, const char *spec,
				struct akida_device_info *out);
/* Value of an akida_* attribute, NULL when absent. */
AKIDA_API const char *akida_device_attr(const struct akida_device_info *d,
					const char *name);

/*
 * Keep a device in D0 while its BARs are reached through sysfs resource
 * files, which hold no runtime-PM reference: a bound driver (akida_pcie)
 * would otherwise let an idle device drop to D3hot, where BAR reads return
 * all ones and the chip's registers reset. Sets power/control to "on" and
 * remembers what it was; akida_d0_release() puts it back. A device without
 * runtime PM (no power/control) needs nothing: success. Root only.
 */
struct akida_d0_hold {
	char path[320];			/* power/control; "" when nothing to undo */
	char saved[16];
};
AKIDA_API int akida_d0_hold(const char *sysfs_root, const char *bdf,
			    struct akida_d0_hold *h);
AKIDA_API void akida_d0_release(struct akida_d0_hold *h);

/* ------------------------------------------------------------------------ */
/* Devices and backends                                                     */
/* ------------------------------------------------------------------------ */

enum akida_backend_kind {
	AKIDA_BACKEND_AUTO = 0,		/* kernel if bound, else VFIO, else mmap */
	AKIDA_BACKEND_KERNEL,		/* akida_pcie ioctls on /dev/akidaN */
	AKIDA_BACKEND_VFIO,		/* vfio-pci: registers, iATU, eDMA, MSI */
	AKIDA_BACKEND_MMAP,		/* BAR0 via sysfs resource0: registers only */
};

AKIDA_API const char *akida_backend_name(enum akida_backend_kind kind);
/* "auto", "kernel", "vfio", "mmap"; -EINVAL for anything else. */
AKIDA_API int akida_backend_parse(const char *name, enum akida_backend_kind *kind);

/* akida_caps.features */
#define AKIDA_FEAT_REGS		(1u << 0)	/* NPU register access */
#define AKIDA_FEAT_DMA		(1u << 1)	/* host <-> device memory */
#define AKIDA_FEAT_INFER	(1u << 2)	/* program load and inference */
#define AKIDA_FEAT_WEIGHTS	(1u << 3)	/* per-layer weight update */
#define AKIDA_FEAT_IRQ		(1u << 4)	/* completions by interrupt */
#define AKIDA_FEAT_IOMMU	(1u << 5)	/* DMA through an IOMMU */

/** struct akida_caps - what an open device is and can do (immutable). */
struct akida_caps {
	enum akida_backend_kind backend;
	char bdf[16];
	const char *chip;
	uint32_t features;		/* AKIDA_FEAT_* */
	uint32_t device_id;		/* NPU DEVICE_ID */
	uint32_t version;		/* NPU command-interface VERSION */
	uint32_t np_count;
	uint64_t sram_size;
	uint64_t lpddr_base;		/* AXI */
	uint64_t lpddr_size;
	uint64_t mem_base;		/* usable device memory (AXI) */
	uint64_t mem_size;
	uint32_t max_batch;
	uint32_t clock_mode;
	uint64_t kernel_caps;		/* kernel backend: AKIDA_CAP_* bits */
};

/** struct akida_run_stats - timing of one akida_infer() call. */
struct akida_run_stats {
	uint64_t wall_ns;		/* call duration */
	uint64_t npu_ns;		/* NPU time reported by the device (0 if unknown) */
	uint32_t inputs_done;
	uint32_t jobs;			/* device jobs / batches used */
};

struct akida_device;

/*
 * Open a device by the same names as akida_find_device(). Errors:
 * AKIDA_ERR_NO_DEVICE, AKIDA_ERR_NOT_FOUND, AKIDA_ERR_BACKEND_UNAVAILABLE
 * (driver not bound, no permission, no IOMMU group), AKIDA_ERR_CAPABILITY.
 */
AKIDA_API int akida_open(const char *spec, enum akida_backend_kind kind,
			 struct akida_device **out);
AKIDA_API void akida_close(struct akida_device *dev);
AKIDA_API const struct akida_caps *akida_device_caps(const struct akida_device *dev);

/* NPU registers (BAR0 offsets). */
AKIDA_API int akida_reg_read(struct akida_device *dev, uint32_t off, uint32_t *val);
AKIDA_API int akida_reg_write(struct akida_device *dev, uint32_t off, uint32_t val);

/* Device memory (AXI addresses, inside [mem_base, mem_base + mem_size)). */
AKIDA_API int akida_mem_alloc(struct akida_device *dev, uint64_t size, uint64_t *addr);
AKIDA_API int akida_mem_free(struct akida_device *dev, uint64_t addr);
AKIDA_API int akida_mem_write(struct akida_device *dev, uint64_t addr,
			      const void *buf, size_t len);
AKIDA_API int akida_mem_read(struct akida_device *dev, uint64_t addr,
			     void *buf, size_t len);

/*
 * Inference. akida_load() makes @p the device handle's program (the device
 * copies it; @p may be freed after). akida_infer() runs @batch inputs of
 * the program's input bytes each, packed back to back, and writes @batch
 * outputs. akida_update_weights() replaces layer @layer's weights on the
 * device with those of @p (same shapes as the loaded program; change them
 * with akida_program_set_weights() first) without reloading the program.
 */
AKIDA_API int akida_load(struct akida_device *dev, const struct akida_program *p);
/*
 * 0 if the device handle can move data and run programs, else fails with
 * AKIDA_ERR_BACKEND_UNAVAILABLE and says in plain words why (a backend
 * without DMA, or an NPU whose command interface the open stack does not
 * know).
 */
AKIDA_API int akida_check_infer(struct akida_device *dev);
AKIDA_API int akida_infer(struct akida_device *dev, const uint8_t *inputs,
			  unsigned int batch, uint8_t *outputs,
			  struct akida_run_stats *stats);
AKIDA_API int akida_update_weights(struct akida_device *dev,
				   const struct akida_program *p, unsigned int layer);
/* Reset the NPU (kernel backend: needs CAP_SYS_ADMIN). */
AKIDA_API int akida_reset(struct akida_device *dev);

#define AKIDA_CLOCK_MODE_PERFORMANCE	0
#define AKIDA_CLOCK_MODE_ECONOMY	1
#define AKIDA_CLOCK_MODE_LOW_POWER	2
/* Current NPU clock mode, and setting it (0, 1 or 2; whole device). */
AKIDA_API int akida_get_clock_mode(struct akida_device *dev, unsigned int *mode);
AKIDA_API int akida_set_clock_mode(struct akida_device *dev, unsigned int mode);

/* ------------------------------------------------------------------------ */
/* Live counters of a device bound to akida_pcie (for monitors)             */
/* ------------------------------------------------------------------------ */

/**
 * struct akida_device_sample - a device's counters at one instant.
 * @time_ns: CLOCK_MONOTONIC when the counters were read.
 * @jobs_*, @inferences, @npu_busy_ns, @open_files: the device part of
 *	AKIDA_IOCTL_GET_STATS since the driver bound the device; @open_files
 *	leaves out the file the sample itself opened.
 * @h2d_bytes, @d2h_bytes, @h2d_transfers, @d2h_transfers: the eDMA
 *	statistics in sysfs akida_dma/ (every transfer over the link: read(),
 *	write(), the DMA ioctl and jobs).
 * @health: sysfs akida_health ("ok", "degraded: ...", "dead: ...").
 * @runtime_status: sysfs power/runtime_status ("active", "suspended",
 *	"unsupported", ...), "" when the kernel has none.
 */
struct akida_device_sample {
	uint64_t time_ns;
	uint64_t jobs_submitted;
	uint64_t jobs_completed;
	uint64_t jobs_failed;
	uint64_t jobs_pending;
	uint64_t inferences;
	uint64_t npu_busy_ns;
	uint64_t open_files;
	uint64_t h2d_bytes;
	uint64_t d2h_bytes;
	uint64_t h2d_transfers;
	uint64_t d2h_transfers;
	char health[80];
	char runtime_status[24];
};

/*
 * Read @d's counters. The job counters come from AKIDA_IOCTL_GET_STATS on
 * /dev/akidaN opened read-only for the call alone (no write access needed,
 * nothing allocated, the module and the device not held between samples).
 * Errors: AKIDA_ERR_BACKEND_UNAVAILABLE (not bound to akida_pcie; no
 * permission to open the node, EACCES), AKIDA_ERR_NOT_FOUND (the device
 * went away, ENOENT/ENODEV), else by errno.
 */
AKIDA_API int akida_device_sample(const struct akida_device_info *d,
				  struct akida_device_sample *s);

#ifdef __cplusplus
}
#endif

#endif /* AKIDA_H */
