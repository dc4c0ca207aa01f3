/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: device memory, the job engine and the ioctl interface.
 *
 * Lock order (outer first):
 *   akida_job_engine.reset_lock
 *   akida_job_engine.mem_lock
 *   akida_job_engine.lock
 * clock_lock nests inside nothing else and takes nothing else.
 */
#ifndef AKIDA_JOB_H
#define AKIDA_JOB_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct akida_dev;
struct akida_file;
struct akida_job;
struct file;
struct poll_table_struct;
struct task_struct;

/* Kernel-side copy of struct akida_stats_counters (see the uapi header). */
struct akida_job_counters {
	u64 jobs_submitted;
	u64 jobs_completed;
	u64 jobs_failed;
	u64 jobs_pending;
	u64 inferences;
	u64 program_loads;
	u64 weight_updates;
	u64 bytes_to_device;
	u64 bytes_from_device;
	u64 npu_busy_ns;
	u64 mem_bytes;
	u64 mem_allocs;
	u64 pinned_bytes;
	u64 resets;
};

/*
 * What the NPU holds in its SRAM: a program image at an AXI address, with
 * (optionally) one layer's weights replaced. Used to skip program loads.
 */
struct akida_npu_state {
	bool valid;		/* false after reset, error or a write over it */
	u64 prog_addr;
	u64 prog_size;
	u32 output_size;	/* the program's OUTPUT_SIZE */
	bool weights;		/* a weight update was applied on top */
	bool weights_stale;	/* its source was overwritten since */
	u32 weight_layer;
	u64 weight_addr;
	u64 weight_size;
	bool wl_valid;		/* @wl_bytes holds layer @wl_layer's size */
	u32 wl_layer;
	u64 wl_bytes;
};

/**
 * struct akida_job_engine - per-device job engine (akida_dev.job).
 * @adev: The device.
 * @worker: Thread that runs the jobs (the only one that programs the NPU's
 *	command registers, except CLOCK_MODE).
 * @lock: Protects @rr, @pipeline, @npu, @counters, @files, @next_id, @stop,
 *	@dead_err, @halted, @halt_gen, @paused, @dead_check, and in every struct
 *	akida_job_file its lists, counters and job states. Never held across
 *	sleeping or hardware waits.
 * @rr: Files with queued jobs, in the order they are served (round robin).
 * @pipeline: Jobs taken from their file's queue and not yet complete, in
 *	order (input DMA done or running or awaiting output DMA).
 * @worker_wq: Where @worker sleeps; woken by submissions, NPU interrupts,
 *	reset requests and stop.
 * @irq_status: NPU IRQ_STATUS bits latched by akida_job_irq() (atomic).
 * @irq_latch_ns: When akida_job_irq() last latched bits (atomic).
 * @irq_ready: akida_job_irq() may touch the NPU (set once initialised).
 * @npu_irq: NPU completion is signalled by MSI (else polled).
 * @reset_req: A reset was requested (atomic, set under @lock, cleared by the
 *	worker).
 * @reset_done: Completed by the worker when a requested reset is done.
 * @reset_lock: Serialises AKIDA_IOCTL_RESET callers.
 * @reset_result: Outcome of the last reset (written before @reset_done).
 * @halted: A device reset or error recovery is under way (or failed): the
 *	worker touches no register and fails every job with -EIO.
 * @halt_gen: Incremented by each akida_job_halt().
 * @parked_gen: The @halt_gen the worker last parked for (written by it).
 * @park_wq: Where akida_job_halt() waits for the worker to park.
 * @paused: System sleep: take no new job (akida_job_pause()).
 * @pause_parked: The worker saw @paused with nothing in flight and touches
 *	nothing until it is cleared (written by the worker).
 * @dead_check: A job failed with -EIO or -ETIMEDOUT: before the next job
 *	the worker checks whether the device still answers.
 * @stop: The device is going away: fail everything with @dead_err.
 * @dead_err: Status given to jobs failed because of @stop.
 * @mem_lock: Protects @mem_list, every file's allocation list and the users
 *	count of every allocation.
 * @mem_list: All device memory allocations, sorted by address.
 * @mem_base: First AXI address the allocator hands out.
 * @mem_end: One past the last such address.
 * @clock_lock: Protects @clock_mode and writes to CLOCK_MODE.
 * @clock_mode: Current AKIDA_CLOCK_* mode.
 * @npu: What the NPU holds; written by @worker, cleared by anyone whose
 *	write to LPDDR overlaps the loaded program (under @lock).
 * @counters: Device counters.
 * @files: Open files.
 * @next_id: Source of job ids (device-wide, so ids are never reused).
 */
struct akida_job_engine {
	struct akida_dev *adev;
	struct task_struct *worker;

	spinlock_t lock;		/* see @lock above */
	struct list_head rr;
	struct list_head pipeline;
	wait_queue_head_t worker_wq;

	atomic_t irq_status;
	atomic64_t irq_latch_ns;
	bool irq_ready;
	bool npu_irq;

	atomic_t reset_req;
	struct completion reset_done;
	struct mutex reset_lock;	/* serialises resets */
	int reset_result;
	bool halted;
	u64 halt_gen;
	u64 parked_gen;
	wait_queue_head_t park_wq;
	bool stop;
	int dead_err;
	bool paused;
	bool pause_parked;
	bool dead_check;

	struct mutex mem_lock;		/* allocations, see above */
	struct list_head mem_list;
	u64 mem_base;
	u64 mem_end;

	struct mutex clock_lock;	/* @clock_mode, CLOCK_MODE */
	u32 clock_mode;

	struct akida_npu_state npu;
	struct akida_job_counters counters;
	u64 files;
	u64 next_id;

	/* Private to @worker (no lock): */
	bool pm_held;		/* it holds a runtime-PM reference */
	u32 events;		/* NPU IRQ_STATUS bits seen, not consumed */
	u64 run_start_ns;	/* when the running batch was started */
	u64 run_deadline_ns;	/* when it times out */
	bool nap_polled;	/* the last nap ended by the poll interval */
	u64 msi_addr;		/* MSI message in NPU_IMWR_* */
	u32 msi_data;
	void *stage;		/* staging buffer for scattered host buffers */
	bool stage_held;	/* a wedged channel may still write @stage */
	dma_addr_t stage_dma;
	size_t stage_size;	/* 0: no staging */
};

/**
 * struct akida_job_file - per-file job state (akida_file.job).
 * @queue: Submitted jobs the engine has not taken yet, in order.
 * @jobs: Every job of the file not yet collected (for lookup by id).
 * @rr_node: Link in akida_job_engine.rr while @queue is not empty.
 * @wq: Woken when one of the file's jobs completes.
 * @outstanding: Jobs submitted and not yet collected.
 * @in_flight: Jobs submitted and not yet complete.
 * @done: Jobs complete and not yet collected.
 * @seq: Incremented at each completion of one of the file's jobs.
 * @closing: The file is being released: its jobs may be cut short.
 * @mems: The file's device memory allocations (under mem_lock).
 * @prog_addr: The file's program (set by AKIDA_JOB_PROGRAM), 0 if none.
 * @prog_size: Its size.
 * @counters: The file's counters.
 *
 * Everything but @mems is protected by akida_job_engine.lock.
 */
struct akida_job_file {
	struct list_head queue;
	struct list_head jobs;
	struct list_head rr_node;
	wait_queue_head_t wq;
	unsigned int outstanding;
	unsigned int in_flight;
	unsigned int done;
	u64 seq;
	bool closing;
	struct list_head mems;
	u64 prog_addr;
	u64 prog_size;
	struct akida_job_counters counters;
};

/* Granule and default alignment of device memory allocations. */
#define AKIDA_MEM_GRANULE	256ULL
/* Largest alignment a caller may ask for. */
#define AKIDA_MEM_MAX_ALIGN	SZ_1G
/* Allocations one file may hold. */
#define AKIDA_MEM_MAX_ALLOCS	4096
/* Entries in one DMA vector (AKIDA_IOCTL_DMA, job input, job output). */
#define AKIDA_MAX_DMA_ENTRIES	256

/**
 * struct akida_mem - a device memory allocation.
 * @dev_node: Link in akida_job_engine.mem_list (sorted by address).
 * @file_node: Link in the owner's akida_job_file.mems.
 * @owner: The file that allocated it.
 * @addr: AXI address.
 * @size: Bytes (a multiple of AKIDA_MEM_GRANULE).
 * @users: Jobs not yet complete that use it (it cannot be freed until 0).
 *
 * All fields are protected by akida_job_engine.mem_lock.
 */
struct akida_mem {
	struct list_head dev_node;
	struct list_head file_node;
	struct akida_file *owner;
	u64 addr;
	u64 size;
	unsigned int users;
};

/* akida_mem.c */
int akida_mem_alloc(struct akida_file *af, u64 size, u64 align, u64 *addr);
int akida_mem_free(struct akida_file *af, u64 addr);
void akida_mem_release(struct akida_file *af);
struct akida_mem *akida_mem_lookup(struct akida_file *af, u64 addr, u64 len);

struct akida_info;
struct akida_job_submit;
struct akida_job_wait;
struct akida_stats;
struct akida_dma_entry;

/* akida_job.c */
int akida_job_open(struct akida_file *af);
void akida_job_release(struct akida_file *af);
__poll_t akida_poll(struct file *filp, struct poll_table_struct *wait);
int akida_job_submit(struct akida_file *af, struct akida_job_submit *args);
int akida_job_wait(struct akida_file *af, struct akida_job_wait *args);
void akida_job_get_stats(struct akida_file *af, struct akida_stats *st);
void akida_job_get_info(struct akida_dev *adev, struct akida_info *info);

/* akida_ioctl.c */
long akida_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);

/* akida_sched.c */
int akida_job_init(struct akida_dev *adev);
void akida_job_fini(struct akida_dev *adev);
void akida_job_cleanup(struct akida_dev *adev);
int akida_job_reset(struct akida_dev *adev);
void akida_job_halt(struct akida_dev *adev);
int akida_job_restart(struct akida_dev *adev);
int akida_job_pause(struct akida_dev *adev);
void akida_job_unpause(struct akida_dev *adev);

/* akida_job_run.c */
void akida_job_invalidate(struct akida_job_engine *eng, u64 addr, u64 len);

/* akida_npu.c */
bool akida_job_irq(struct akida_dev *adev);
void akida_npu_quiesce(struct akida_dev *adev);
int akida_job_set_clock(struct akida_dev *adev, u32 mode);

/* akida_dma.c */
int akida_dma_vector(struct akida_file *af, const struct akida_dma_entry *ent,
		     unsigned int count);

#endif /* AKIDA_JOB_H */
