/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * akida_pcie: ioctl interface of /dev/akidaN (BrainChip AKD1000 NPU).
 *
 * Besides BrainChip's raw ABI (pread/pwrite at file offset = AXI address,
 * mmap of BAR0), which is unchanged and unchecked, the device file offers the
 * ioctls below. They only ever touch device memory that the calling file
 * allocated with AKIDA_IOCTL_MEM_ALLOC; everything a file allocated is freed
 * when the file is closed.
 *
 * Rules for every structure: all fields have fixed sizes, every structure is
 * padded explicitly to a multiple of 8 bytes, user pointers are passed as
 * __u64, and every "flags" or "pad" field must be zero (-EINVAL otherwise).
 * Unknown commands fail with -ENOTTY. There is no version number: features
 * are announced in akida_info.caps, and the interface grows only by new
 * ioctls and new capability bits.
 */
#ifndef _UAPI_LINUX_AKIDA_H
#define _UAPI_LINUX_AKIDA_H

#include <linux/ioctl.h>
#include <linux/types.h>

#if defined(__cplusplus)
extern "C" {
#endif

#define AKIDA_IOCTL_BASE		0xAD

/* akida_info.chip */
#define AKIDA_CHIP_AKD1000		1
#define AKIDA_CHIP_AKD1500		2

/* akida_info.caps: features this driver and device support. */
/* AKIDA_IOCTL_JOB_SUBMIT and AKIDA_IOCTL_JOB_WAIT, poll() on the file */
#define AKIDA_CAP_JOBS			(1ULL << 0)
/* AKIDA_JOB_WEIGHTS: per-layer weight update without a reload */
#define AKIDA_CAP_WEIGHT_UPDATE		(1ULL << 1)
/* batches of more than one input per job (up to akida_info.max_batch) */
#define AKIDA_CAP_BATCH			(1ULL << 2)
/* NPU completion is signalled by interrupt (else the driver polls it) */
#define AKIDA_CAP_NPU_IRQ		(1ULL << 3)
/* AKIDA_IOCTL_SET_CLOCK */
#define AKIDA_CAP_CLOCK_MODE		(1ULL << 4)
/* AKIDA_IOCTL_RESET */
#define AKIDA_CAP_RESET			(1ULL << 5)
/* host DMA goes through an IOMMU */
#define AKIDA_CAP_IOMMU			(1ULL << 6)
/* AKIDA_IOCTL_JOB_RUN: submit and wait in one call */
#define AKIDA_CAP_JOB_RUN		(1ULL << 7)

/* Clock modes (akida_info.clock_mode, akida_clock.mode) */
#define AKIDA_CLOCK_PERFORMANCE		0
#define AKIDA_CLOCK_ECONOMY		1
#define AKIDA_CLOCK_LOW_POWER		2

/**
 * struct akida_info - AKIDA_IOCTL_GET_INFO: device facts and capabilities.
 * @caps: Out. AKIDA_CAP_* bits.
 * @sram_size: Out. On-chip NP SRAM in bytes (bounds a program's size).
 * @lpddr_base: Out. AXI address of the on-board LPDDR.
 * @lpddr_size: Out. LPDDR size in bytes.
 * @mem_base: Out. AXI address of the first byte AKIDA_IOCTL_MEM_ALLOC can
 *	hand out (LPDDR after the area reserved for DMA descriptors).
 * @mem_size: Out. Bytes of LPDDR that AKIDA_IOCTL_MEM_ALLOC manages.
 * @chip: Out. AKIDA_CHIP_*.
 * @device_id: Out. The NPU's DEVICE_ID register.
 * @np_count: Out. Number of neural processors.
 * @mem_align: Out. Granule of device memory allocations: sizes are rounded
 *	up to it and it is the smallest (and the default) alignment.
 * @dma_h2d_channels: Out. eDMA channels moving host memory to the device.
 * @dma_d2h_channels: Out. eDMA channels moving device memory to the host.
 * @clock_mode: Out. Current AKIDA_CLOCK_* mode.
 * @queue_depth: Out. Jobs the device keeps in flight at once (pipelining).
 * @max_file_jobs: Out. Jobs one open file may have submitted and not yet
 *	collected with AKIDA_IOCTL_JOB_WAIT.
 * @max_batch: Out. Largest akida_job_submit.batch.
 * @max_dma_entries: Out. Largest number of entries in one DMA vector.
 * @pad: Out. Zero.
 */
struct akida_info {
	__u64 caps;
	__u64 sram_size;
	__u64 lpddr_base;
	__u64 lpddr_size;
	__u64 mem_base;
	__u64 mem_size;
	__u32 chip;
	__u32 device_id;
	__u32 np_count;
	__u32 mem_align;
	__u32 dma_h2d_channels;
	__u32 dma_d2h_channels;
	__u32 clock_mode;
	__u32 queue_depth;
	__u32 max_file_jobs;
	__u32 max_batch;
	__u32 max_dma_entries;
	__u32 pad;
};

/**
 * struct akida_mem_alloc - AKIDA_IOCTL_MEM_ALLOC: allocate device memory.
 * @size: In. Bytes, 1 to akida_info.mem_size; rounded up to mem_align.
 * @align: In. Alignment of the address: 0 for akida_info.mem_align, else a
 *	power of two from mem_align to 1 GiB.
 * @flags: In. Must be zero.
 * @pad: In. Must be zero.
 * @addr: Out. AXI address of the allocation. It identifies the allocation
 *	in AKIDA_IOCTL_MEM_FREE.
 *
 * The memory belongs to the calling file until AKIDA_IOCTL_MEM_FREE or until
 * the file is closed. It is not cleared.
 */
struct akida_mem_alloc {
	__u64 size;
	__u64 align;
	__u32 flags;
	__u32 pad;
	__u64 addr;
};

/**
 * struct akida_mem_free - AKIDA_IOCTL_MEM_FREE: free device memory.
 * @addr: In. Address returned by AKIDA_IOCTL_MEM_ALLOC to this file.
 * @flags: In. Must be zero.
 * @pad: In. Must be zero.
 *
 * Fails with -EBUSY while a job that is not complete uses the allocation.
 */
struct akida_mem_free {
	__u64 addr;
	__u32 flags;
	__u32 pad;
};

/* akida_dma_entry.dir */
#define AKIDA_DIR_TO_DEVICE		1
#define AKIDA_DIR_FROM_DEVICE		2
#ifndef __KERNEL__
/* The first names of the directions, kept for user space. */
#define AKIDA_DMA_TO_DEVICE		AKIDA_DIR_TO_DEVICE
#define AKIDA_DMA_FROM_DEVICE		AKIDA_DIR_FROM_DEVICE
#endif

/**
 * struct akida_dma_entry - one transfer between host and device memory.
 * @user_ptr: In. Host buffer (any alignment).
 * @dev_addr: In. AXI address; [dev_addr, dev_addr + size) must lie within
 *	one allocation of the calling file.
 * @size: In. Bytes, at least 1.
 * @dir: In. AKIDA_DIR_TO_DEVICE or AKIDA_DIR_FROM_DEVICE.
 * @flags: In. Must be zero.
 */
struct akida_dma_entry {
	__u64 user_ptr;
	__u64 dev_addr;
	__u64 size;
	__u32 dir;
	__u32 flags;
};

/**
 * struct akida_dma - AKIDA_IOCTL_DMA: run a vector of transfers, in order.
 * @entries: In. Pointer to @count struct akida_dma_entry.
 * @count: In. 1 to akida_info.max_dma_entries.
 * @flags: In. Must be zero.
 *
 * Returns when all transfers are done, or at the first failure (entries
 * before it are complete, entries after it are not started). The whole vector
 * is validated before anything moves.
 */
struct akida_dma {
	__u64 entries;
	__u32 count;
	__u32 flags;
};

/* akida_job_submit.flags */
/* load the program at program_addr (skipped when it is the one loaded) */
#define AKIDA_JOB_PROGRAM		(1U << 0)
/* with AKIDA_JOB_PROGRAM: load it even if it seems loaded (raw writes) */
#define AKIDA_JOB_FORCE_LOAD		(1U << 1)
/* replace the weights of layer weight_layer with those at weight_addr */
#define AKIDA_JOB_WEIGHTS		(1U << 2)
#define AKIDA_JOB_FLAGS_ALL		(AKIDA_JOB_PROGRAM | AKIDA_JOB_FORCE_LOAD | \
					 AKIDA_JOB_WEIGHTS)

/**
 * struct akida_job_submit - AKIDA_IOCTL_JOB_SUBMIT: queue a job.
 * @flags: In. AKIDA_JOB_* bits.
 * @batch: In. Inputs to run, 1 to akida_info.max_batch.
 * @program_addr: In. With AKIDA_JOB_PROGRAM: AXI address of a program
 *	image in the caller's memory; it becomes the file's program. Without
 *	it the job runs the file's program (-EINVAL if there is none).
 * @program_size: In. With AKIDA_JOB_PROGRAM: image bytes, at most
 *	akida_info.sram_size. Else must be zero (as must program_addr).
 * @weight_addr: In. With AKIDA_JOB_WEIGHTS: AXI address of the layer's
 *	packed weights in the caller's memory. Else zero.
 * @weight_size: In. With AKIDA_JOB_WEIGHTS: bytes, exactly the layer's
 *	weight bytes (checked when the job runs). Else zero.
 * @weight_layer: In. With AKIDA_JOB_WEIGHTS: layer index. Else zero.
 * @input_size: In. Bytes of one input (the program's input bytes).
 * @input_addr: In. AXI address of the batch's inputs, packed back to back:
 *	[input_addr, input_addr + batch * input_size) in the caller's memory.
 * @output_addr: In. AXI address for the outputs, packed back to back.
 * @output_size: In. Bytes of one output: [output_addr, output_addr + batch
 *	* output_size) must be in the caller's memory, and the job fails with
 *	-EINVAL at AKIDA_STEP_RUN when the program's output bytes differ.
 * @in_count: In. Entries in @in_dma (0 to max_dma_entries).
 * @in_dma: In. Pointer to struct akida_dma_entry, all AKIDA_DIR_TO_DEVICE,
 *	run before the NPU. The host buffers are read when the job runs: do
 *	not change them until the job is complete.
 * @out_count: In. Entries in @out_dma (0 to max_dma_entries).
 * @pad: In. Must be zero.
 * @out_dma: In. Pointer to struct akida_dma_entry, all
 *	AKIDA_DIR_FROM_DEVICE, run after the NPU.
 * @user_data: In. Any value; returned by AKIDA_IOCTL_JOB_WAIT.
 * @job_id: Out. Non-zero id of the job for AKIDA_IOCTL_JOB_WAIT.
 *
 * Everything is validated and the host buffers are pinned before the call
 * returns; the job then runs without further system calls: program load if
 * needed, weight update, input DMA, NPU run, output DMA. Jobs of one file run
 * in submission order; jobs of several files are interleaved fairly. Fails
 * with -EAGAIN when the file has akida_info.max_file_jobs jobs not yet
 * collected.
 */
struct akida_job_submit {
	__u32 flags;
	__u32 batch;
	__u64 program_addr;
	__u64 program_size;
	__u64 weight_addr;
	__u64 weight_size;
	__u32 weight_layer;
	__u32 input_size;
	__u64 input_addr;
	__u64 output_addr;
	__u32 output_size;
	__u32 in_count;
	__u64 in_dma;
	__u32 out_count;
	__u32 pad;
	__u64 out_dma;
	__u64 user_data;
	__u64 job_id;
};

/* akida_job_wait.failed_step: the step of a job that failed */
#define AKIDA_STEP_NONE			0	/* the job succeeded */
#define AKIDA_STEP_PROGRAM		1	/* program load */
#define AKIDA_STEP_WEIGHTS		2	/* weight update */
#define AKIDA_STEP_INPUT		3	/* input DMA */
#define AKIDA_STEP_RUN			4	/* NPU run */
#define AKIDA_STEP_OUTPUT		5	/* output DMA */
#define AKIDA_STEP_QUEUE		6	/* never started (reset, removal) */

/* akida_job_wait.flags */
/* wait for any job of the file; job_id must be 0 and returns the job's id */
#define AKIDA_WAIT_ANY			(1U << 0)

/**
 * struct akida_job_wait - AKIDA_IOCTL_JOB_WAIT: wait for a job, collect it.
 * @job_id: In. Id from AKIDA_IOCTL_JOB_SUBMIT (0 with AKIDA_WAIT_ANY).
 *	Out: the job's id.
 * @timeout_ns: In. Absolute CLOCK_MONOTONIC time to give up at; a time in
 *	the past does not sleep (poll).
 * @flags: In. AKIDA_WAIT_* bits.
 * @pad: In. Must be zero.
 * @status: Out. 0 if the job succeeded, else a negative errno: -EIO (device
 *	or NPU error, or a reset), -ETIMEDOUT (the device did not complete a
 *	step in time), -EINVAL (program and job disagree), -ENODEV (removed).
 * @failed_step: Out. AKIDA_STEP_* of the failure, AKIDA_STEP_NONE on success.
 * @npu_error: Out. The NPU's ERROR_CODE for a failed program load, weight
 *	update or run, else 0.
 * @inputs_done: Out. Inputs the NPU completed.
 * @user_data: Out. akida_job_submit.user_data.
 * @submit_ns: Out. CLOCK_MONOTONIC time of the submission.
 * @start_ns: Out. When the job's first step started (0 if it never did).
 * @end_ns: Out. When the job completed.
 * @npu_ns: Out. Time the NPU spent on the job (load, update, run).
 *
 * Returns 0 once the job is complete; the job is then collected and its id
 * is unknown (-ENOENT) from then on. Returns -ETIMEDOUT when @timeout_ns
 * passes first (the job is not collected), -ENOENT for an id the file does
 * not have, -ERESTARTSYS on a signal (safe to repeat: the timeout is
 * absolute).
 */
struct akida_job_wait {
	__u64 job_id;
	__u64 timeout_ns;
	__u32 flags;
	__u32 pad;
	__s32 status;
	__u32 failed_step;
	__u32 npu_error;
	__u32 inputs_done;
	__u64 user_data;
	__u64 submit_ns;
	__u64 start_ns;
	__u64 end_ns;
	__u64 npu_ns;
};

/**
 * struct akida_stats_counters - counters of a device or of an open file.
 * @jobs_submitted: Jobs accepted by AKIDA_IOCTL_JOB_SUBMIT.
 * @jobs_completed: Jobs that completed successfully.
 * @jobs_failed: Jobs that completed with an error.
 * @jobs_pending: Jobs submitted and not yet complete (now).
 * @inferences: Inputs the NPU ran.
 * @program_loads: Program loads performed.
 * @weight_updates: Weight updates performed.
 * @bytes_to_device: Bytes moved to the device by ioctls and jobs.
 * @bytes_from_device: Bytes moved from the device by ioctls and jobs.
 * @npu_busy_ns: Time the NPU spent on jobs.
 * @mem_bytes: Device memory allocated (now).
 * @mem_allocs: Device memory allocations (now).
 * @pinned_bytes: Host memory pinned for jobs not yet complete (now).
 * @resets: Resets (device counter only; 0 for a file).
 * @open_files: Open files (device), 1 (file).
 */
struct akida_stats_counters {
	__u64 jobs_submitted;
	__u64 jobs_completed;
	__u64 jobs_failed;
	__u64 jobs_pending;
	__u64 inferences;
	__u64 program_loads;
	__u64 weight_updates;
	__u64 bytes_to_device;
	__u64 bytes_from_device;
	__u64 npu_busy_ns;
	__u64 mem_bytes;
	__u64 mem_allocs;
	__u64 pinned_bytes;
	__u64 resets;
	__u64 open_files;
};

/**
 * struct akida_stats - AKIDA_IOCTL_GET_STATS: device and file counters.
 * @flags: In. Must be zero.
 * @pad: In. Must be zero.
 * @device: Out. Counters of the device since the driver bound it.
 * @file: Out. Counters of the calling file since it was opened.
 */
struct akida_stats {
	__u32 flags;
	__u32 pad;
	struct akida_stats_counters device;
	struct akida_stats_counters file;
};

/**
 * struct akida_reset - AKIDA_IOCTL_RESET: reset the NPU and the eDMA.
 * @flags: In. Must be zero.
 * @pad: In. Must be zero.
 *
 * Needs CAP_SYS_ADMIN. Every job not complete fails with -EIO; the device is
 * usable again when the call returns. Device memory allocations survive
 * (their contents are not touched by a reset).
 */
struct akida_reset {
	__u32 flags;
	__u32 pad;
};

/**
 * struct akida_clock - AKIDA_IOCTL_SET_CLOCK: set the NPU clock mode.
 * @mode: In. AKIDA_CLOCK_*.
 * @flags: In. Must be zero.
 *
 * Needs the file open for writing. The mode applies to the whole device
 * from the next NPU command on and survives resets.
 */
struct akida_clock {
	__u32 mode;
	__u32 flags;
};

/**
 * struct akida_job_run - AKIDA_IOCTL_JOB_RUN: submit a job and wait for it
 * in one system call (the synchronous inference of one client).
 * @submit: In, as for AKIDA_IOCTL_JOB_SUBMIT. Out: @submit.job_id.
 * @wait: In: @wait.timeout_ns (absolute CLOCK_MONOTONIC, as for
 *	AKIDA_IOCTL_JOB_WAIT); @wait.job_id, @wait.flags and @wait.pad must be
 *	zero. Out: as for AKIDA_IOCTL_JOB_WAIT.
 *
 * Needs the file open for writing. Returns 0 once the job is complete and
 * collected, its result in @wait. A submission the driver refuses returns
 * what AKIDA_IOCTL_JOB_SUBMIT would (nothing is submitted, @submit.job_id
 * stays 0). Once submitted the job runs whatever happens to the caller:
 * -ETIMEDOUT (@wait.timeout_ns passed) and -EINTR (a signal; never
 * restarted, which would submit the job again) leave it submitted and not
 * collected, with its id in @submit.job_id and @wait.job_id, for
 * AKIDA_IOCTL_JOB_WAIT.
 */
struct akida_job_run {
	struct akida_job_submit submit;
	struct akida_job_wait wait;
};

#define AKIDA_IOCTL_GET_INFO	_IOR(AKIDA_IOCTL_BASE, 0x40, struct akida_info)
#define AKIDA_IOCTL_MEM_ALLOC	_IOWR(AKIDA_IOCTL_BASE, 0x41, struct akida_mem_alloc)
#define AKIDA_IOCTL_MEM_FREE	_IOW(AKIDA_IOCTL_BASE, 0x42, struct akida_mem_free)
#define AKIDA_IOCTL_DMA		_IOW(AKIDA_IOCTL_BASE, 0x43, struct akida_dma)
#define AKIDA_IOCTL_JOB_SUBMIT	_IOWR(AKIDA_IOCTL_BASE, 0x44, struct akida_job_submit)
#define AKIDA_IOCTL_JOB_WAIT	_IOWR(AKIDA_IOCTL_BASE, 0x45, struct akida_job_wait)
#define AKIDA_IOCTL_GET_STATS	_IOWR(AKIDA_IOCTL_BASE, 0x46, struct akida_stats)
#define AKIDA_IOCTL_RESET	_IOW(AKIDA_IOCTL_BASE, 0x47, struct akida_reset)
#define AKIDA_IOCTL_SET_CLOCK	_IOW(AKIDA_IOCTL_BASE, 0x48, struct akida_clock)
#define AKIDA_IOCTL_JOB_RUN	_IOWR(AKIDA_IOCTL_BASE, 0x49, struct akida_job_run)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_LINUX_AKIDA_H */
