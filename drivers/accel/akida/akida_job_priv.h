/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: definitions shared by the files of the job engine
 * (akida_job.c, akida_sched.c, akida_job_run.c, akida_pin.c, akida_npu.c,
 * akida_dma.c).
 */
#ifndef AKIDA_JOB_PRIV_H
#define AKIDA_JOB_PRIV_H

#include <linux/io.h>
#include <linux/list.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_npu_regs.h"

#define AKIDA_NPU_IRQ_ALL	(AKIDA_NPU_IRQ_INFER_DONE | AKIDA_NPU_IRQ_MODEL_DONE | \
				 AKIDA_NPU_IRQ_ERROR)

enum akida_job_state {
	AKIDA_JS_QUEUED,	/* on its file's queue */
	AKIDA_JS_READY,	/* in the pipeline, input DMA done */
	AKIDA_JS_RUNNING,	/* on the NPU */
	AKIDA_JS_RAN,		/* NPU done, output DMA to do */
	AKIDA_JS_DONE,		/* complete, waiting to be collected */
};

/* One host buffer of a job, pinned and DMA-mapped at submit. */
struct akida_xfer {
	u64 uptr;
	u64 axi;
	u64 len;
	struct page **pages;
	unsigned int npages;
	struct sg_table sgt;
	bool mapped;
	bool staged;	/* moved through the engine's staging buffer */
};

/*
 * struct akida_job - one job.
 * @node: Link in the file's queue (QUEUED) or the engine's pipeline (READY,
 *	RUNNING, RAN); unlinked when DONE. Under akida_job_engine.lock.
 * @file_node: Link in akida_job_file.jobs until collected.
 * @af: The file.
 * @id: Job id.
 * @state: enum akida_job_state, under akida_job_engine.lock.
 *
 * @cur_step: AKIDA_STEP_* the worker last began for the job (debugfs reads
 *	it without a lock: READ_ONCE/WRITE_ONCE).
 * @step_ns: When that step began (the worker's, for tracing).
 *
 * The request fields are set at submit and read-only afterwards; the result
 * fields are written by the worker before the job becomes DONE.
 */
struct akida_job {
	struct list_head node;
	struct list_head file_node;
	struct akida_file *af;
	u64 id;
	enum akida_job_state state;

	/* request */
	u32 flags;
	u32 batch;
	u64 prog_addr;
	u64 prog_size;
	u64 weight_addr;
	u64 weight_size;
	u32 weight_layer;
	u32 in_size;
	u64 in_addr;
	u64 out_addr;
	u32 out_size;
	u64 user_data;
	unsigned int n_in;
	unsigned int n_out;
	struct akida_xfer *xfers;	/* n_in inputs, then n_out outputs */
	unsigned int n_mems;
	struct akida_mem **mems;	/* allocations referenced (users++) */
	u64 pinned;		/* bytes charged to the file and device caps */
	struct mm_struct *mm;	/* charged @pinned_pages (mmgrab()bed), or NULL */
	unsigned long pinned_pages;

	/* result */
	int status;
	u32 step;
	u32 npu_error;
	u32 inputs_done;
	u64 submit_ns;
	u64 start_ns;
	u64 end_ns;
	u64 npu_ns;

	/* progress */
	u32 cur_step;
	u64 step_ns;
};

static inline u32 npu_rd(struct akida_job_engine *eng, u32 reg)
{
	return ioread32(eng->adev->bar0 + reg);
}

static inline void npu_wr(struct akida_job_engine *eng, u32 reg, u32 val)
{
	iowrite32(val, eng->adev->bar0 + reg);
}

/* A LO/HI register pair, @lo the LO one: see akida_write64(). */
static inline void npu_wr64(struct akida_job_engine *eng, u32 lo, u64 val)
{
	akida_write64(val, eng->adev->bar0 + lo);
}

static inline bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static inline u64 job_in_len(const struct akida_job *job)
{
	return (u64)job->in_size * job->batch;
}

static inline u64 job_out_len(const struct akida_job *job)
{
	return (u64)job->out_size * job->batch;
}

extern unsigned int akida_npu_timeout_ms;

/* akida_pin.c */
int akida_xfer_map(struct akida_dev *adev, struct akida_xfer *x, bool to_dev);
void akida_xfer_unmap(struct akida_dev *adev, struct akida_xfer *x, bool to_dev);
void akida_xfer_release(struct akida_dev *adev, struct akida_xfer *x,
			bool to_dev);
int akida_xfer_pin(struct akida_dev *adev, struct akida_xfer *x, bool to_dev);
void akida_xfer_quarantine(struct akida_dev *adev, struct akida_xfer *x,
			   bool to_dev);
int akida_job_get_xfers(struct akida_file *af, struct akida_job *job,
			u64 uptr, unsigned int count, bool to_dev,
			unsigned int first);
int akida_job_charge(struct akida_file *af, struct akida_job *job);
void akida_job_uncharge(struct akida_job_engine *eng, struct akida_job *job);

/* akida_npu.c */
void akida_npu_events(struct akida_job_engine *eng);
bool akida_worker_interrupted(struct akida_job_engine *eng);
void akida_worker_nap(struct akida_job_engine *eng, u64 ns);
bool akida_npu_nap_polled(struct akida_job_engine *eng);
void akida_npu_found(struct akida_job_engine *eng, bool polled);
u64 akida_npu_poll_ns(struct akida_job_engine *eng);
void akida_npu_msi_sync(struct akida_job_engine *eng);
int akida_npu_command(struct akida_job_engine *eng, u32 reg, u32 *code);
int akida_npu_setup(struct akida_job_engine *eng);
int akida_prog_weight_bytes(struct akida_job_engine *eng, u64 addr,
			    u64 size, u32 layer, u64 *bytes);
void akida_npu_recover(struct akida_job_engine *eng);

/* akida_job.c */
void akida_job_complete(struct akida_job_engine *eng, struct akida_job *job,
			int status, u32 step, u32 npu_error);

/* akida_sched.c */
unsigned int akida_queue_depth(void);

/* akida_job_run.c */
void akida_count_bytes(struct akida_job_engine *eng, struct akida_job_file *jf,
		       bool to_dev, u64 n);
void akida_step_begin(struct akida_job_engine *eng, struct akida_job *job,
		      u32 step);
void akida_step_end(struct akida_job_engine *eng, struct akida_job *job,
		    u32 step, int err);
int akida_job_xfer_all(struct akida_job_engine *eng, struct akida_job *job,
		       bool to_dev);
void akida_job_start(struct akida_job_engine *eng, struct akida_job *job);
bool akida_job_check_run(struct akida_job_engine *eng, struct akida_job *job);
void akida_job_output(struct akida_job_engine *eng, struct akida_job *job);

#endif /* AKIDA_JOB_PRIV_H */
