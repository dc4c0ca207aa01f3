// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the job engine.
 *
 * A job is: an optional program load, an optional weight update, input DMA
 * (host to LPDDR), an NPU run of a batch, output DMA (LPDDR to host). Submit
 * validates it, takes references on the caller's device memory, pins and
 * DMA-maps the host buffers, and queues it on the file. One kernel thread
 * per device (the worker) then runs the jobs without further system calls:
 *
 *  - it takes jobs from the files' queues round robin (one job per file per
 *    turn), up to queue_depth jobs in its pipeline, and runs their input DMA
 *    while the NPU runs the previous job (pipelining) unless the new input
 *    would overwrite memory a job in the pipeline still uses;
 *  - it starts the next job on the NPU as soon as the NPU is idle (loading
 *    the program only when the NPU does not hold it already), then runs the
 *    output DMA of the job the NPU just finished while the next one runs;
 *  - NPU completion arrives as the NPU's MSI write (IRQ_ENABLE set, the
 *    vector shared with the eDMA), latched by akida_job_irq(); the worker
 *    also reads IRQ_STATUS itself when a wait times out (a lost interrupt),
 *    or all the time when the npu_irq module parameter is off. Every NPU
 *    wait is bounded by npu_timeout_ms.
 *
 * Completed jobs stay on their file until collected by AKIDA_IOCTL_JOB_WAIT;
 * poll() reports EPOLLIN while there is one.
 */
#include <linux/bitfield.h>
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/iopoll.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"
#include "akida_npu_regs.h"
#include "akida_regs.h"
#include "akida_trace.h"

static unsigned int queue_depth = 2;
module_param(queue_depth, uint, 0644);
MODULE_PARM_DESC(queue_depth,
		 "Jobs in the device pipeline at once, 1 (no overlap) to 16 (default 2)");

static unsigned int max_file_jobs = 64;
module_param(max_file_jobs, uint, 0644);
MODULE_PARM_DESC(max_file_jobs,
		 "Jobs one open file may have submitted and not collected (default 64)");

static unsigned int max_pinned_mb = 256;
module_param(max_pinned_mb, uint, 0644);
MODULE_PARM_DESC(max_pinned_mb,
		 "Host memory one open file may have pinned for its jobs, MiB (default 256)");

static unsigned int max_dev_pinned_mb = 1024;
module_param(max_dev_pinned_mb, uint, 0644);
MODULE_PARM_DESC(max_dev_pinned_mb,
		 "Host memory all open files of one device may have pinned for their jobs, MiB (default 1024)");

static unsigned int stage_kib = 512;
module_param(stage_kib, uint, 0444);
MODULE_PARM_DESC(stage_kib,
		 "Staging buffer for job buffers scattered over more pages than one DMA list holds, KiB (0: none) (default 512)");

static bool npu_irq = true;
module_param(npu_irq, bool, 0444);
MODULE_PARM_DESC(npu_irq,
		 "Signal NPU completion by MSI (else poll INFER_STATUS) (default on)");

#define AKIDA_QUEUE_DEPTH_MAX	16

static unsigned int akida_queue_depth(void)
{
	return clamp_val(READ_ONCE(queue_depth), 1, AKIDA_QUEUE_DEPTH_MAX);
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/**
 * akida_job_invalidate() - note a write to LPDDR outside the NPU's control.
 * @eng: The engine.
 * @addr: AXI address written (or freed).
 * @len: Bytes.
 *
 * If the range overlaps the program the NPU holds, the next job that names
 * that program reloads it; if it overlaps the weights applied on top, the
 * next job that names them applies them again.
 */
void akida_job_invalidate(struct akida_job_engine *eng, u64 addr, u64 len)
{
	struct akida_npu_state *npu = &eng->npu;

	spin_lock(&eng->lock);
	if (npu->valid && ranges_overlap(addr, len, npu->prog_addr, npu->prog_size))
		npu->valid = false;
	if (npu->weights &&
	    ranges_overlap(addr, len, npu->weight_addr, npu->weight_size))
		npu->weights_stale = true;
	spin_unlock(&eng->lock);
}

/* ---- pin accounting ---- */

/*
 * Charge the pins @job is about to take, before it takes them: to its file
 * (max_pinned_mb), to the device (max_dev_pinned_mb) and, in pages, to the
 * caller's mm->pinned_vm, bounded by RLIMIT_MEMLOCK unless the caller has
 * CAP_IPC_LOCK (as RDMA's umem and VFIO's type1 do). The xfers are looked up
 * but not pinned. akida_job_uncharge() undoes it, once.
 *
 * Return: 0; -E2BIG if the job alone exceeds a cap; -EAGAIN if the caps are
 * full with other pending jobs; -ENOMEM beyond RLIMIT_MEMLOCK.
 */
static int akida_job_charge(struct akida_file *af, struct akida_job *job)
{
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_job_file *jf = &af->job;
	u64 file_lim = (u64)READ_ONCE(max_pinned_mb) << 20;
	u64 dev_lim = (u64)READ_ONCE(max_dev_pinned_mb) << 20;
	unsigned long pages = 0, lock_lim;
	u64 bytes = 0;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < job->n_in + job->n_out; i++) {
		struct akida_xfer *x = &job->xfers[i];

		bytes += x->len;
		pages += DIV_ROUND_UP(offset_in_page(x->uptr) + x->len, PAGE_SIZE);
	}
	if (!bytes)
		return 0;

	spin_lock(&eng->lock);
	if (bytes > file_lim || bytes > dev_lim)
		ret = -E2BIG;
	else if (jf->counters.pinned_bytes + bytes > file_lim ||
		 eng->counters.pinned_bytes + bytes > dev_lim)
		ret = -EAGAIN;
	if (!ret) {
		eng->counters.pinned_bytes += bytes;
		jf->counters.pinned_bytes += bytes;
		job->pinned = bytes;
	}
	spin_unlock(&eng->lock);
	if (ret) {
		dev_dbg(&af->adev->dev, "submit: %llu bytes to pin: over a cap (%d)\n",
			bytes, ret);
		return ret;
	}

	lock_lim = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	if (atomic64_add_return(pages, &current->mm->pinned_vm) > lock_lim &&
	    !capable(CAP_IPC_LOCK)) {
		atomic64_sub(pages, &current->mm->pinned_vm);
		dev_dbg(&af->adev->dev, "submit: %lu pages over RLIMIT_MEMLOCK\n",
			pages);
		return -ENOMEM;
	}
	mmgrab(current->mm);
	job->mm = current->mm;
	job->pinned_pages = pages;
	return 0;
}

/* Undo akida_job_charge(); a no-op the second time. */
static void akida_job_uncharge(struct akida_job_engine *eng,
			       struct akida_job *job)
{
	struct akida_job_file *jf = &job->af->job;

	if (job->mm) {
		atomic64_sub(job->pinned_pages, &job->mm->pinned_vm);
		mmdrop(job->mm);
		job->mm = NULL;
		job->pinned_pages = 0;
	}
	if (job->pinned) {
		spin_lock(&eng->lock);
		eng->counters.pinned_bytes -= job->pinned;
		jf->counters.pinned_bytes -= job->pinned;
		spin_unlock(&eng->lock);
		job->pinned = 0;
	}
}

/* Drop everything a job holds (pins, mappings, memory references). */
static void akida_job_put_resources(struct akida_job_engine *eng,
				    struct akida_job *job)
{
	struct akida_dev *adev = eng->adev;
	unsigned int i;

	for (i = 0; job->xfers && i < job->n_in + job->n_out; i++)
		akida_xfer_release(adev, &job->xfers[i], i < job->n_in);
	kvfree(job->xfers);
	job->xfers = NULL;

	if (job->n_mems) {
		mutex_lock(&eng->mem_lock);
		for (i = 0; i < job->n_mems; i++)
			job->mems[i]->users--;
		mutex_unlock(&eng->mem_lock);
	}
	kfree(job->mems);
	job->mems = NULL;
	job->n_mems = 0;
	akida_job_uncharge(eng, job);
}

static void akida_job_free(struct akida_job_engine *eng, struct akida_job *job)
{
	akida_job_put_resources(eng, job);
	kfree(job);
}

/* ---- completion ---- */

/*
 * Complete @job (it is in the pipeline, or was on a queue and has been
 * unlinked by the caller): drop its resources, record the result, wake the
 * file. Called without eng->lock.
 */
static void akida_job_complete(struct akida_job_engine *eng,
			       struct akida_job *job, int status, u32 step,
			       u32 npu_error)
{
	struct akida_job_file *jf = &job->af->job;

	akida_job_put_resources(eng, job);

	spin_lock(&eng->lock);
	if (job->state != AKIDA_JS_QUEUED)
		list_del(&job->node);
	job->state = AKIDA_JS_DONE;
	job->status = status;
	job->step = status ? step : AKIDA_STEP_NONE;
	job->npu_error = npu_error;
	job->end_ns = ktime_get_ns();
	if (status) {
		eng->counters.jobs_failed++;
		jf->counters.jobs_failed++;
	} else {
		eng->counters.jobs_completed++;
		jf->counters.jobs_completed++;
	}
	eng->counters.jobs_pending--;
	jf->counters.jobs_pending--;
	jf->in_flight--;
	jf->done++;
	jf->seq++;
	/* Under the lock: once it is dropped, a waiter may collect and free it. */
	trace_akida_job_complete(eng->adev->minor, job->id, job->status, job->step,
				 npu_error, job->inputs_done,
				 job->end_ns - job->submit_ns);
	/*
	 * Wake under the lock: once a releasing file sees in_flight == 0 under
	 * the lock, nobody touches it any more.
	 */
	wake_up_all(&jf->wq);
	spin_unlock(&eng->lock);
}

/* Fail every job in the pipeline and on every queue with @status. */
static void akida_job_fail_all(struct akida_job_engine *eng, int status)
{
	struct akida_job_file *jf;
	struct akida_job *job;
	u32 step;

	for (;;) {
		spin_lock(&eng->lock);
		job = list_first_entry_or_null(&eng->pipeline, struct akida_job,
					       node);
		if (!job) {
			jf = list_first_entry_or_null(&eng->rr,
						      struct akida_job_file,
						      rr_node);
			if (!jf) {
				spin_unlock(&eng->lock);
				return;
			}
			job = list_first_entry(&jf->queue, struct akida_job,
					       node);
			list_del(&job->node);
			if (list_empty(&jf->queue))
				list_del_init(&jf->rr_node);
		}
		spin_unlock(&eng->lock);

		switch (job->state) {
		case AKIDA_JS_RUNNING:
		case AKIDA_JS_READY:
			step = AKIDA_STEP_RUN;
			break;
		case AKIDA_JS_RAN:
			step = AKIDA_STEP_OUTPUT;
			break;
		default:
			step = AKIDA_STEP_QUEUE;
			break;
		}
		akida_job_complete(eng, job, status, step, 0);
	}
}

/* ---- the worker's steps ---- */

static u64 job_in_len(const struct akida_job *job)
{
	return (u64)job->in_size * job->batch;
}

static u64 job_out_len(const struct akida_job *job)
{
	return (u64)job->out_size * job->batch;
}

/* Would writing [@addr, +@len) disturb @p, a job in the pipeline? */
static bool akida_job_hazard(const struct akida_job *p, u64 addr, u64 len)
{
	unsigned int i;

	if (ranges_overlap(addr, len, p->in_addr, job_in_len(p)) ||
	    ranges_overlap(addr, len, p->out_addr, job_out_len(p)) ||
	    ranges_overlap(addr, len, p->prog_addr, p->prog_size) ||
	    ranges_overlap(addr, len, p->weight_addr, p->weight_size))
		return true;
	for (i = p->n_in; i < p->n_in + p->n_out; i++)
		if (ranges_overlap(addr, len, p->xfers[i].axi, p->xfers[i].len))
			return true;
	return false;
}

/* May @job's input DMA run now, while the pipeline's jobs are in flight? */
static bool akida_job_can_prepare(struct akida_job_engine *eng,
				  const struct akida_job *job)
{
	const struct akida_job *p;
	unsigned int i;

	list_for_each_entry(p, &eng->pipeline, node)
		for (i = 0; i < job->n_in; i++)
			if (akida_job_hazard(p, job->xfers[i].axi,
					     job->xfers[i].len))
				return false;
	return true;
}

/*
 * Take the next job: the first file in round-robin order whose head job
 * does not conflict with the pipeline. The file moves to the back.
 */
static struct akida_job *akida_job_take(struct akida_job_engine *eng)
{
	struct akida_job_file *jf;
	struct akida_job *job;

	spin_lock(&eng->lock);
	list_for_each_entry(jf, &eng->rr, rr_node) {
		job = list_first_entry(&jf->queue, struct akida_job, node);
		if (!akida_job_can_prepare(eng, job))
			continue;
		list_del(&job->node);
		list_del_init(&jf->rr_node);
		if (!list_empty(&jf->queue))
			list_add_tail(&jf->rr_node, &eng->rr);
		job->state = AKIDA_JS_READY;
		job->start_ns = ktime_get_ns();
		list_add_tail(&job->node, &eng->pipeline);
		spin_unlock(&eng->lock);
		trace_akida_job_start(eng->adev->minor, job->id,
				      job->start_ns - job->submit_ns);
		return job;
	}
	spin_unlock(&eng->lock);
	return NULL;
}

void akida_count_bytes(struct akida_job_engine *eng,
		       struct akida_job_file *jf, bool to_dev, u64 n)
{
	spin_lock(&eng->lock);
	if (to_dev) {
		eng->counters.bytes_to_device += n;
		jf->counters.bytes_to_device += n;
	} else {
		eng->counters.bytes_from_device += n;
		jf->counters.bytes_from_device += n;
	}
	spin_unlock(&eng->lock);
}

/*
 * Move a scattered host buffer through the staging buffer: the CPU copies
 * between the pinned pages and the (contiguous) staging buffer, the eDMA
 * moves each chunk as one element. The pages were pinned at submit; nothing
 * here touches the submitter's address space.
 */
static int akida_xfer_staged(struct akida_job_engine *eng,
			     struct akida_xfer *x, bool to_dev)
{
	struct akida_dev *adev = eng->adev;
	struct scatterlist sg;
	struct sg_table t = { .sgl = &sg, .nents = 1, .orig_nents = 1 };
	u64 done = 0;
	size_t n;
	int idx, ret = 0;

	/* A wedged channel may still write the staging buffer. */
	if (eng->stage_held) {
		if (akida_dma_wedged(adev))
			return -EIO;
		eng->stage_held = false;
	}
	sg_init_table(&sg, 1);
	while (!ret && done < x->len) {
		n = min_t(u64, x->len - done, eng->stage_size);
		if (to_dev &&
		    sg_pcopy_to_buffer(x->sgt.sgl, x->sgt.orig_nents, eng->stage,
				       n, done) != n)
			return -EFAULT;
		sg_dma_address(&sg) = eng->stage_dma;
		sg_dma_len(&sg) = n;
		ret = akida_dev_enter(adev, &idx);
		if (ret)
			break;
		ret = akida_dma_sgt(adev, to_dev ? AKIDA_DMA_TO_DEVICE :
				    AKIDA_DMA_FROM_DEVICE, &t, x->axi + done, n);
		akida_dev_exit(adev, idx);
		if (ret && akida_dma_wedged(adev))
			eng->stage_held = true;
		if (!ret && !to_dev &&
		    sg_pcopy_from_buffer(x->sgt.sgl, x->sgt.orig_nents,
					 eng->stage, n, done) != n)
			ret = -EFAULT;
		done += n;
	}
	return ret;
}

/* Run the DMA of a job's inputs (@to_dev) or outputs. */
static int akida_job_xfer_all(struct akida_job_engine *eng,
			      struct akida_job *job, bool to_dev)
{
	struct akida_dev *adev = eng->adev;
	unsigned int i, first = to_dev ? 0 : job->n_in;
	unsigned int n = to_dev ? job->n_in : job->n_out;
	int idx, ret;

	for (i = first; i < first + n; i++) {
		struct akida_xfer *x = &job->xfers[i];

		if (READ_ONCE(job->af->job.closing))
			return -ECANCELED;
		if (to_dev)
			akida_job_invalidate(eng, x->axi, x->len);
		if (!to_dev && !x->staged) {
			ret = akida_xfer_map(adev, x, false);
			if (ret)
				return ret;
		}
		if (x->staged) {
			ret = akida_xfer_staged(eng, x, to_dev);
		} else {
			ret = akida_dev_enter(adev, &idx);
			if (ret)
				return ret;
			ret = akida_dma_sgt(adev, to_dev ? AKIDA_DMA_TO_DEVICE :
					    AKIDA_DMA_FROM_DEVICE, &x->sgt, x->axi,
					    x->len);
			akida_dev_exit(adev, idx);
			if (ret)
				akida_xfer_quarantine(adev, x, to_dev);
		}
		if (!to_dev)
			akida_xfer_unmap(adev, x, false);
		/* Before and after the write: see akida_dma_entry_run(). */
		if (to_dev)
			akida_job_invalidate(eng, x->axi, x->len);
		if (ret)
			return ret;
		akida_count_bytes(eng, &job->af->job, to_dev, x->len);
	}
	return 0;
}

/* The worker begins step @step (AKIDA_STEP_*) of @job. */
static void akida_step_begin(struct akida_job_engine *eng,
			     struct akida_job *job, u32 step)
{
	WRITE_ONCE(job->cur_step, step);
	job->step_ns = ktime_get_ns();
	trace_akida_job_step_begin(eng->adev->minor, job->id, step);
}

/* ... and ends it with @err (0 or a negative errno). */
static void akida_step_end(struct akida_job_engine *eng,
			   struct akida_job *job, u32 step, int err)
{
	trace_akida_job_step_end(eng->adev->minor, job->id, step, err,
				 ktime_get_ns() - job->step_ns);
}

/* Keep an NPU error or timeout of @job in the fault ring. */
static void akida_job_npu_fault(struct akida_job_engine *eng,
				struct akida_job *job, int ret, u32 step,
				u32 code)
{
	struct akida_fault f = {
		.kind = ret == -ETIMEDOUT ? AKIDA_FAULT_NPU_TIMEOUT :
					    AKIDA_FAULT_NPU_ERROR,
		.job = job->id, .step = step, .code = code,
	};

	if (ret == -ETIMEDOUT || ret == -EIO)
		akida_diag_fault(eng->adev, &f);
}

static void akida_job_count_npu(struct akida_job_engine *eng,
				struct akida_job *job, u64 ns, u64 loads,
				u64 updates, u64 inferences)
{
	struct akida_job_file *jf = &job->af->job;

	spin_lock(&eng->lock);
	job->npu_ns += ns;
	eng->counters.npu_busy_ns += ns;
	jf->counters.npu_busy_ns += ns;
	eng->counters.program_loads += loads;
	jf->counters.program_loads += loads;
	eng->counters.weight_updates += updates;
	jf->counters.weight_updates += updates;
	eng->counters.inferences += inferences;
	jf->counters.inferences += inferences;
	spin_unlock(&eng->lock);
}

/* A program load or weight update failed with @ret: recover, complete. */
static void akida_job_fail_npu(struct akida_job_engine *eng,
			       struct akida_job *job, int ret, u32 step, u32 code)
{
	akida_step_end(eng, job, step, ret);
	akida_job_npu_fault(eng, job, ret, step, code);
	if (ret == -ETIMEDOUT)
		akida_npu_recover(eng);
	/* Interrupted by a reset (-EIO for its jobs) or by removal. */
	if (ret == -ECANCELED)
		ret = READ_ONCE(eng->stop) || akida_dev_gone(eng->adev) ?
		      -ENODEV : -EIO;
	akida_job_complete(eng, job, ret, step, code);
}

/*
 * Put @job on the NPU: program load if needed, weight update if needed, then
 * start the batch. On failure the job is completed.
 * Context: inside akida_dev_enter().
 */
static void akida_job_start(struct akida_job_engine *eng, struct akida_job *job)
{
	struct akida_dev *adev = eng->adev;
	struct akida_npu_state *npu = &eng->npu;
	bool want_w = job->flags & AKIDA_JOB_WEIGHTS;
	bool load, apply;
	u64 t0, wbytes;
	u32 code = 0;
	int ret;

	spin_lock(&eng->lock);
	load = !npu->valid || npu->prog_addr != job->prog_addr ||
	       npu->prog_size != job->prog_size ||
	       (job->flags & AKIDA_JOB_FORCE_LOAD);
	/* Other weights on top: reload, unless the same layer is replaced. */
	if (!load && npu->weights && (!want_w || npu->weight_layer != job->weight_layer))
		load = true;
	apply = want_w && (load || !npu->weights || npu->weights_stale ||
			   npu->weight_addr != job->weight_addr ||
			   npu->weight_size != job->weight_size);
	spin_unlock(&eng->lock);

	if (load) {
		spin_lock(&eng->lock);
		npu->valid = false;
		npu->weights = false;
		npu->wl_valid = false;
		spin_unlock(&eng->lock);

		akida_step_begin(eng, job, AKIDA_STEP_PROGRAM);
		npu_wr64(eng, AKIDA_NPU_MODEL_ADDR_LO, job->prog_addr);
		npu_wr(eng, AKIDA_NPU_MODEL_SIZE, job->prog_size);
		t0 = ktime_get_ns();
		ret = akida_npu_command(eng, AKIDA_NPU_MODEL_LOAD, &code);
		akida_job_count_npu(eng, job, ktime_get_ns() - t0, !ret, 0, 0);
		if (ret)
			goto fail_program;
		akida_step_end(eng, job, AKIDA_STEP_PROGRAM, 0);

		spin_lock(&eng->lock);
		npu->valid = true;
		npu->prog_addr = job->prog_addr;
		npu->prog_size = job->prog_size;
		npu->output_size = npu_rd(eng, AKIDA_NPU_OUTPUT_SIZE);
		spin_unlock(&eng->lock);
	}

	if (apply) {
		akida_step_begin(eng, job, AKIDA_STEP_WEIGHTS);
		if (!npu->wl_valid || npu->wl_layer != job->weight_layer) {
			ret = akida_prog_weight_bytes(eng, job->prog_addr,
						      job->prog_size,
						      job->weight_layer, &wbytes);
			if (ret == -EINVAL)
				goto fail_weights;
			if (!ret) {
				npu->wl_valid = true;
				npu->wl_layer = job->weight_layer;
				npu->wl_bytes = wbytes;
			}
		}
		/* A missing layer is left to the NPU to report (code 2). */
		if (npu->wl_valid && npu->wl_layer == job->weight_layer &&
		    npu->wl_bytes != job->weight_size) {
			dev_dbg(&adev->dev, "job %llu: layer %u has %llu weight bytes, not %llu\n",
				job->id, job->weight_layer, npu->wl_bytes,
				job->weight_size);
			ret = -EINVAL;
			goto fail_weights;
		}
		spin_lock(&eng->lock);
		npu->weights = false;
		spin_unlock(&eng->lock);
		npu_wr(eng, AKIDA_NPU_WEIGHT_LAYER, job->weight_layer);
		npu_wr64(eng, AKIDA_NPU_WEIGHT_ADDR_LO, job->weight_addr);
		t0 = ktime_get_ns();
		ret = akida_npu_command(eng, AKIDA_NPU_WEIGHT_UPDATE, &code);
		akida_job_count_npu(eng, job, ktime_get_ns() - t0, 0, !ret, 0);
		if (ret) {
			/* The loaded copy may be half updated: reload next time. */
			spin_lock(&eng->lock);
			npu->valid = false;
			spin_unlock(&eng->lock);
			goto fail_weights;
		}
		akida_step_end(eng, job, AKIDA_STEP_WEIGHTS, 0);
		spin_lock(&eng->lock);
		npu->weights = true;
		npu->weights_stale = false;
		npu->weight_layer = job->weight_layer;
		npu->weight_addr = job->weight_addr;
		npu->weight_size = job->weight_size;
		spin_unlock(&eng->lock);
	}

	akida_step_begin(eng, job, AKIDA_STEP_RUN);
	if (npu->output_size != job->out_size) {
		dev_dbg(&adev->dev, "job %llu: program output is %u bytes, job says %u\n",
			job->id, npu->output_size, job->out_size);
		akida_step_end(eng, job, AKIDA_STEP_RUN, -EINVAL);
		akida_job_complete(eng, job, -EINVAL, AKIDA_STEP_RUN, 0);
		return;
	}

	npu_wr64(eng, AKIDA_NPU_INPUT_ADDR_LO, job->in_addr);
	npu_wr(eng, AKIDA_NPU_INPUT_SIZE, job->in_size);
	npu_wr64(eng, AKIDA_NPU_OUTPUT_ADDR_LO, job->out_addr);
	akida_npu_msi_sync(eng);
	eng->run_start_ns = ktime_get_ns();
	eng->run_deadline_ns = eng->run_start_ns +
			       (u64)READ_ONCE(akida_npu_timeout_ms) * NSEC_PER_MSEC;
	spin_lock(&eng->lock);
	job->state = AKIDA_JS_RUNNING;
	spin_unlock(&eng->lock);
	eng->nap_polled = false;
	npu_wr(eng, AKIDA_NPU_INFER_START, job->batch);
	return;

fail_program:
	akida_job_fail_npu(eng, job, ret, AKIDA_STEP_PROGRAM, code);
	return;
fail_weights:
	akida_job_fail_npu(eng, job, ret, AKIDA_STEP_WEIGHTS, code);
}

/*
 * Check the running batch. Return true if it finished (the job moved on to
 * RAN or was completed with an error).
 * Context: inside akida_dev_enter().
 */
static bool akida_job_check_run(struct akida_job_engine *eng,
				struct akida_job *job)
{
	bool polled = akida_npu_nap_polled(eng);
	u64 now = ktime_get_ns();
	u32 st, code = 0;

	/*
	 * Interrupt bits only woke us: INFER_STATUS (cleared by INFER_START)
	 * decides, so a stale INFER_DONE cannot finish this batch.
	 */
	akida_npu_events(eng);
	eng->events = 0;
	st = npu_rd(eng, AKIDA_NPU_INFER_STATUS);
	if (st == U32_MAX ||
	    !(st & (AKIDA_NPU_INFER_STATUS_DONE | AKIDA_NPU_INFER_STATUS_ERROR))) {
		if (now < eng->run_deadline_ns)
			return false;
		dev_warn(&eng->adev->dev, "job %llu: NPU batch timed out\n",
			 job->id);
		akida_job_count_npu(eng, job, now - eng->run_start_ns, 0, 0, 0);
		akida_step_end(eng, job, AKIDA_STEP_RUN, -ETIMEDOUT);
		akida_job_npu_fault(eng, job, -ETIMEDOUT, AKIDA_STEP_RUN, 0);
		akida_npu_recover(eng);
		akida_job_complete(eng, job, -ETIMEDOUT, AKIDA_STEP_RUN, 0);
		return true;
	}
	akida_npu_found(eng, polled);
	job->inputs_done = FIELD_GET(AKIDA_NPU_INFER_STATUS_COUNT, st);
	akida_job_count_npu(eng, job, ktime_get_ns() - eng->run_start_ns, 0, 0,
			    job->inputs_done);
	if (st & AKIDA_NPU_INFER_STATUS_ERROR) {
		code = npu_rd(eng, AKIDA_NPU_ERROR_CODE);
		akida_step_end(eng, job, AKIDA_STEP_RUN, -EIO);
		akida_job_npu_fault(eng, job, -EIO, AKIDA_STEP_RUN, code);
		akida_job_complete(eng, job, -EIO, AKIDA_STEP_RUN, code);
		return true;
	}
	if (job->inputs_done != job->batch) {
		dev_warn(&eng->adev->dev, "job %llu: NPU done after %u of %u inputs\n",
			 job->id, job->inputs_done, job->batch);
		akida_step_end(eng, job, AKIDA_STEP_RUN, -EIO);
		akida_job_npu_fault(eng, job, -EIO, AKIDA_STEP_RUN, 0);
		akida_job_complete(eng, job, -EIO, AKIDA_STEP_RUN, 0);
		return true;
	}
	akida_step_end(eng, job, AKIDA_STEP_RUN, 0);
	spin_lock(&eng->lock);
	job->state = AKIDA_JS_RAN;
	spin_unlock(&eng->lock);
	return true;
}

static void akida_job_output(struct akida_job_engine *eng, struct akida_job *job)
{
	int ret;

	akida_step_begin(eng, job, AKIDA_STEP_OUTPUT);
	ret = akida_job_xfer_all(eng, job, false);
	akida_step_end(eng, job, AKIDA_STEP_OUTPUT, ret);
	akida_job_complete(eng, job, ret, AKIDA_STEP_OUTPUT, 0);
}

/* Do one thing. Return false if there was nothing to do. */
static bool akida_worker_step(struct akida_job_engine *eng)
{
	struct akida_job *job, *run = NULL, *ready = NULL, *ran = NULL;
	struct akida_dev *adev = eng->adev;
	unsigned int n = 0;
	bool did = false;
	int idx, ret;

	/* Only the worker changes the pipeline: no lock needed to read it. */
	list_for_each_entry(job, &eng->pipeline, node) {
		n++;
		if (job->state == AKIDA_JS_RUNNING)
			run = job;
		else if (job->state == AKIDA_JS_READY && !ready)
			ready = job;
		else if (job->state == AKIDA_JS_RAN && !ran)
			ran = job;
	}

	if (run || ready) {
		if (akida_dev_enter(adev, &idx))
			return false;
		if (run && akida_job_check_run(eng, run)) {
			akida_dev_exit(adev, idx);
			return true;
		}
		if (!run && ready) {
			/* Its outputs must not land on memory still to be read. */
			if (ran && akida_job_hazard(ran, ready->out_addr,
						    job_out_len(ready))) {
				akida_dev_exit(adev, idx);
				akida_job_output(eng, ran);
				return true;
			}
			akida_job_start(eng, ready);
			did = true;
		}
		akida_dev_exit(adev, idx);
		if (did)
			return true;
	}

	if (ran) {
		akida_job_output(eng, ran);
		return true;
	}

	if (n < akida_queue_depth()) {
		job = akida_job_take(eng);
		if (job) {
			akida_step_begin(eng, job, AKIDA_STEP_INPUT);
			ret = akida_job_xfer_all(eng, job, true);
			akida_step_end(eng, job, AKIDA_STEP_INPUT, ret);
			if (ret)
				akida_job_complete(eng, job, ret,
						   AKIDA_STEP_INPUT, 0);
			return true;
		}
	}
	return false;
}

static void akida_worker_reset(struct akida_job_engine *eng)
{
	struct akida_dev *adev = eng->adev;
	int idx, ret;

	atomic_set(&eng->reset_req, 0);
	akida_job_fail_all(eng, -EIO);
	ret = akida_dev_enter(adev, &idx);
	if (!ret) {
		ret = akida_edma_reset(adev);
		if (!ret && adev->model_iface)
			ret = akida_npu_setup(eng);
		akida_dev_exit(adev, idx);
	}
	spin_lock(&eng->lock);
	eng->counters.resets++;
	spin_unlock(&eng->lock);
	trace_akida_reset(adev->minor, AKIDA_RESET_IOCTL, ret);
	eng->reset_result = ret;
	complete(&eng->reset_done);
}

static bool akida_worker_has_work(struct akida_job_engine *eng)
{
	struct akida_job *job;
	unsigned int n = 0;
	bool work;

	spin_lock(&eng->lock);
	list_for_each_entry(job, &eng->pipeline, node)
		n++;
	work = !list_empty(&eng->rr) && n < akida_queue_depth();
	spin_unlock(&eng->lock);
	return work;
}

/*
 * A device reset or error recovery is under way: touch no register, fail
 * every job (-EIO), answer a reset request, and tell akida_job_halt() that
 * the worker is parked.
 */
static void akida_worker_halted(struct akida_job_engine *eng)
{
	u64 gen;

	akida_job_fail_all(eng, -EIO);
	if (atomic_read(&eng->reset_req)) {
		atomic_set(&eng->reset_req, 0);
		eng->reset_result = -EIO;
		complete(&eng->reset_done);
	}
	spin_lock(&eng->lock);
	gen = eng->halt_gen;
	spin_unlock(&eng->lock);
	WRITE_ONCE(eng->parked_gen, gen);
	wake_up_all(&eng->park_wq);
	wait_event_interruptible(eng->worker_wq, kthread_should_stop() ||
				 !READ_ONCE(eng->halted) ||
				 READ_ONCE(eng->halt_gen) != gen ||
				 atomic_read(&eng->reset_req) ||
				 akida_worker_has_work(eng));
}

static int akida_worker(void *data)
{
	struct akida_job_engine *eng = data;
	struct akida_job *job;
	bool running;

	while (!kthread_should_stop()) {
		if (READ_ONCE(eng->halted)) {
			akida_worker_halted(eng);
			continue;
		}
		if (atomic_read(&eng->reset_req)) {
			akida_worker_reset(eng);
			continue;
		}
		if (READ_ONCE(eng->stop) || akida_dev_gone(eng->adev)) {
			wait_event_interruptible(eng->worker_wq,
						 kthread_should_stop() ||
						 atomic_read(&eng->reset_req));
			continue;
		}
		if (akida_worker_step(eng))
			continue;

		running = false;
		list_for_each_entry(job, &eng->pipeline, node)
			if (job->state == AKIDA_JS_RUNNING)
				running = true;
		if (running) {
			akida_worker_nap(eng, min(akida_npu_poll_ns(eng),
						  eng->run_deadline_ns -
						  min(eng->run_deadline_ns,
						      ktime_get_ns())) + 1);
		} else {
			wait_event_interruptible(eng->worker_wq,
						 akida_worker_has_work(eng) ||
						 akida_worker_interrupted(eng));
		}
	}
	return 0;
}

/* ---- entry points ---- */

static void akida_job_free_stage(struct akida_job_engine *eng)
{
	if (eng->stage)
		dma_free_coherent(&eng->adev->pdev->dev, eng->stage_size,
				  eng->stage, eng->stage_dma);
	eng->stage = NULL;
	eng->stage_size = 0;
}

/**
 * akida_job_init() - set up the job engine and the NPU.
 * @adev: The device; BAR0, the LPDDR window and the MSI vector are ready.
 *
 * Return: 0 or a negative errno.
 */
int akida_job_init(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;
	struct task_struct *t;
	int ret;

	eng->adev = adev;
	spin_lock_init(&eng->lock);
	INIT_LIST_HEAD(&eng->rr);
	INIT_LIST_HEAD(&eng->pipeline);
	init_waitqueue_head(&eng->worker_wq);
	atomic_set(&eng->irq_status, 0);
	atomic64_set(&eng->irq_latch_ns, 0);
	atomic_set(&eng->reset_req, 0);
	init_completion(&eng->reset_done);
	mutex_init(&eng->reset_lock);
	init_waitqueue_head(&eng->park_wq);
	mutex_init(&eng->mem_lock);
	INIT_LIST_HEAD(&eng->mem_list);
	mutex_init(&eng->clock_lock);
	eng->clock_mode = AKIDA_CLOCK_PERFORMANCE;
	eng->npu_irq = npu_irq;
	eng->next_id = 1;
	eng->mem_base = round_up(max(adev->lpddr_base,
				     adev->dma_ram_base + adev->dma_ram_size),
				 AKIDA_MEM_GRANULE);
	eng->mem_end = adev->lpddr_base + adev->lpddr_size;
	if (eng->mem_end <= eng->mem_base) {
		dev_err(&adev->dev, "no LPDDR left for allocations\n");
		return -EINVAL;
	}

	/* Unknown silicon: no NPU register is written, no job ever runs. */
	if (adev->model_iface) {
		ret = akida_npu_setup(eng);
		if (ret)
			return ret;
	}

	/* Optional: without it scattered buffers take one list per segment pair. */
	eng->stage_size = min_t(size_t, READ_ONCE(stage_kib), SZ_64M / SZ_1K) * SZ_1K;
	if (eng->stage_size) {
		eng->stage = dma_alloc_coherent(&adev->pdev->dev, eng->stage_size,
						&eng->stage_dma, GFP_KERNEL);
		if (!eng->stage)
			eng->stage_size = 0;
	}

	t = kthread_run(akida_worker, eng, "akida%d-job", adev->minor);
	if (IS_ERR(t)) {
		if (adev->model_iface)
			npu_wr(eng, AKIDA_NPU_IRQ_ENABLE, 0);
		akida_job_free_stage(eng);
		return PTR_ERR(t);
	}
	eng->worker = t;
	WRITE_ONCE(eng->irq_ready, adev->model_iface);
	return 0;
}

/**
 * akida_job_fini() - stop the job engine; fail every job with -ENODEV.
 * @adev: The device.
 *
 * Touches no register: remove quiesces the NPU with akida_npu_quiesce()
 * once no one else can (the device is gone by then). Open files keep working
 * afterwards for everything that does not need the
 * device (waiting for their failed jobs, freeing memory, closing).
 */
void akida_job_fini(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;

	spin_lock(&eng->lock);
	eng->stop = true;
	eng->dead_err = -ENODEV;
	spin_unlock(&eng->lock);
	wake_up_all(&eng->worker_wq);
	if (eng->worker)
		kthread_stop(eng->worker);
	eng->worker = NULL;
	WRITE_ONCE(eng->irq_ready, false);

	/* The worker is gone: the pipeline and the queues are ours. */
	akida_job_fail_all(eng, -ENODEV);
	/* A reset caller still waiting gets its answer. */
	eng->reset_result = -ENODEV;
	complete_all(&eng->reset_done);
}

/**
 * akida_job_cleanup() - free the job engine's DMA memory.
 * @adev: The device.
 *
 * Context: remove, after akida_job_fini(), akida_npu_quiesce() and
 * akida_edma_fini() (bus mastering is off: nothing writes the staging
 * buffer any more).
 */
void akida_job_cleanup(struct akida_dev *adev)
{
	akida_job_free_stage(&adev->job);
}

/**
 * akida_job_open() - set up the job state of a new file.
 * @af: The file.
 *
 * Return: 0.
 */
int akida_job_open(struct akida_file *af)
{
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_job_file *jf = &af->job;

	INIT_LIST_HEAD(&jf->queue);
	INIT_LIST_HEAD(&jf->jobs);
	INIT_LIST_HEAD(&jf->rr_node);
	INIT_LIST_HEAD(&jf->mems);
	init_waitqueue_head(&jf->wq);

	spin_lock(&eng->lock);
	eng->files++;
	spin_unlock(&eng->lock);
	return 0;
}

static bool akida_job_file_idle(struct akida_job_engine *eng,
				struct akida_job_file *jf)
{
	bool idle;

	spin_lock(&eng->lock);
	idle = !jf->in_flight;
	spin_unlock(&eng->lock);
	return idle;
}

/**
 * akida_job_release() - a file is closing: drop its jobs and its memory.
 * @af: The file.
 *
 * Queued jobs are dropped; jobs in the pipeline are cut short between
 * transfers and waited for (each step is bounded). Then every allocation of
 * the file is freed.
 */
void akida_job_release(struct akida_file *af)
{
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_job_file *jf = &af->job;
	struct akida_job *job, *tmp;
	LIST_HEAD(dropped);

	spin_lock(&eng->lock);
	jf->closing = true;
	list_splice_init(&jf->queue, &dropped);
	list_del_init(&jf->rr_node);
	spin_unlock(&eng->lock);

	list_for_each_entry_safe(job, tmp, &dropped, node) {
		list_del(&job->node);
		INIT_LIST_HEAD(&job->node);
		akida_job_complete(eng, job, -ECANCELED, AKIDA_STEP_QUEUE, 0);
	}

	wait_event(jf->wq, akida_job_file_idle(eng, jf));

	spin_lock(&eng->lock);
	list_for_each_entry_safe(job, tmp, &jf->jobs, file_node)
		list_move(&job->file_node, &dropped);
	jf->outstanding = 0;
	jf->done = 0;
	eng->files--;
	spin_unlock(&eng->lock);

	list_for_each_entry_safe(job, tmp, &dropped, file_node)
		akida_job_free(eng, job);

	akida_mem_release(af);
}

/**
 * akida_poll() - poll() of /dev/akidaN: EPOLLIN when a job is complete.
 * @filp: The file.
 * @wait: Poll table.
 *
 * Return: the events.
 */
__poll_t akida_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct akida_file *af = filp->private_data;
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_job_file *jf = &af->job;
	__poll_t mask = 0;

	poll_wait(filp, &jf->wq, wait);
	spin_lock(&eng->lock);
	if (jf->done)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (eng->stop)
		mask |= EPOLLHUP;
	spin_unlock(&eng->lock);
	return mask;
}

/* ---- ioctl back ends ---- */

/* Reference the caller's allocation holding [addr, +len), or fail. */
static int akida_job_ref(struct akida_file *af, struct akida_job *job,
			 u64 addr, u64 len, const char *what)
{
	struct akida_mem *mem = akida_mem_lookup(af, addr, len);

	if (!mem) {
		dev_dbg(&af->adev->dev, "job: %s [%#llx, +%#llx) is not in the caller's memory\n",
			what, addr, len);
		return -EINVAL;
	}
	mem->users++;
	job->mems[job->n_mems++] = mem;
	return 0;
}

static int akida_job_ref_all(struct akida_file *af, struct akida_job *job)
{
	struct akida_job_engine *eng = &af->adev->job;
	unsigned int i;
	int ret;

	job->mems = kcalloc(job->n_in + job->n_out + 4, sizeof(*job->mems),
			    GFP_KERNEL);
	if (!job->mems)
		return -ENOMEM;

	mutex_lock(&eng->mem_lock);
	ret = akida_job_ref(af, job, job->prog_addr, job->prog_size, "program");
	if (!ret && (job->flags & AKIDA_JOB_WEIGHTS))
		ret = akida_job_ref(af, job, job->weight_addr, job->weight_size,
				    "weights");
	if (!ret)
		ret = akida_job_ref(af, job, job->in_addr, job_in_len(job), "input");
	if (!ret)
		ret = akida_job_ref(af, job, job->out_addr, job_out_len(job),
				    "output");
	for (i = 0; !ret && i < job->n_in + job->n_out; i++)
		ret = akida_job_ref(af, job, job->xfers[i].axi, job->xfers[i].len,
				    i < job->n_in ? "input DMA" : "output DMA");
	mutex_unlock(&eng->mem_lock);
	return ret;
}

/*
 * Map @job's inputs and queue it. On failure its resources are dropped here
 * (so that nothing stays mapped once the caller leaves the guard). On
 * success *@id is the job's id, read under the lock: once queued, the job
 * may run, complete and be collected and freed by another thread's
 * JOB_WAIT before the caller looks at it again.
 * Context: inside akida_dev_enter().
 */
static int akida_job_queue(struct akida_file *af, struct akida_job *job,
			   bool prog, u64 *id)
{
	struct akida_dev *adev = af->adev;
	struct akida_job_engine *eng = &adev->job;
	struct akida_job_file *jf = &af->job;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < job->n_in; i++)
		ret = akida_xfer_map(adev, &job->xfers[i], true);
	if (ret) {
		akida_job_put_resources(eng, job);
		return ret;
	}

	spin_lock(&eng->lock);
	if (eng->stop) {
		ret = -ENODEV;
	} else if (jf->outstanding >= READ_ONCE(max_file_jobs)) {
		ret = -EAGAIN;
	} else {
		job->id = eng->next_id++;
		*id = job->id;
		job->state = AKIDA_JS_QUEUED;
		list_add_tail(&job->node, &jf->queue);
		list_add_tail(&job->file_node, &jf->jobs);
		if (list_empty(&jf->rr_node))
			list_add_tail(&jf->rr_node, &eng->rr);
		if (prog) {
			jf->prog_addr = job->prog_addr;
			jf->prog_size = job->prog_size;
		}
		jf->outstanding++;
		jf->in_flight++;
		eng->counters.jobs_submitted++;
		jf->counters.jobs_submitted++;
		eng->counters.jobs_pending++;
		jf->counters.jobs_pending++;
		trace_akida_job_submit(adev->minor, job->id, job->flags, job->batch,
				       job->in_size, job->out_size, job->n_in,
				       job->n_out);
	}
	spin_unlock(&eng->lock);
	if (ret) {
		dev_dbg(&adev->dev, "submit: refused: %d\n", ret);
		akida_job_put_resources(eng, job);
	}
	return ret;
}

/**
 * akida_job_submit() - AKIDA_IOCTL_JOB_SUBMIT.
 * @af: The file.
 * @args: The request (padding and flags not yet checked); job_id is set.
 *
 * Return: 0 or a negative errno.
 */
int akida_job_submit(struct akida_file *af, struct akida_job_submit *args)
{
	struct akida_dev *adev = af->adev;
	struct akida_job_engine *eng = &adev->job;
	struct akida_job_file *jf = &af->job;
	bool prog = args->flags & AKIDA_JOB_PROGRAM;
	bool wts = args->flags & AKIDA_JOB_WEIGHTS;
	struct akida_job *job;
	unsigned int i;
	int idx, ret;
	u64 id;

	if (args->flags & ~AKIDA_JOB_FLAGS_ALL || args->pad) {
		dev_dbg(&adev->dev, "submit: bad flags %#x or padding\n", args->flags);
		return -EINVAL;
	}
	if ((args->flags & AKIDA_JOB_FORCE_LOAD) && !prog) {
		dev_dbg(&adev->dev, "submit: FORCE_LOAD without PROGRAM\n");
		return -EINVAL;
	}
	if (!args->batch || args->batch > AKIDA_NPU_INFER_MAX ||
	    !args->input_size || !args->output_size) {
		dev_dbg(&adev->dev, "submit: bad batch %u or sizes %u/%u\n",
			args->batch, args->input_size, args->output_size);
		return -EINVAL;
	}
	if (args->in_count > AKIDA_MAX_DMA_ENTRIES ||
	    args->out_count > AKIDA_MAX_DMA_ENTRIES) {
		dev_dbg(&adev->dev, "submit: too many DMA entries\n");
		return -EINVAL;
	}
	if (prog ? (!args->program_size || args->program_size > adev->sram_size) :
		   (args->program_addr || args->program_size)) {
		dev_dbg(&adev->dev, "submit: bad program size %llu\n",
			args->program_size);
		return -EINVAL;
	}
	if (wts ? !args->weight_size :
		  (args->weight_addr || args->weight_size || args->weight_layer)) {
		dev_dbg(&adev->dev, "submit: bad weight update\n");
		return -EINVAL;
	}

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	INIT_LIST_HEAD(&job->node);
	job->af = af;
	job->flags = args->flags;
	job->batch = args->batch;
	job->weight_addr = args->weight_addr;
	job->weight_size = args->weight_size;
	job->weight_layer = args->weight_layer;
	job->in_addr = args->input_addr;
	job->in_size = args->input_size;
	job->out_addr = args->output_addr;
	job->out_size = args->output_size;
	job->user_data = args->user_data;
	job->n_in = args->in_count;
	job->n_out = args->out_count;
	job->submit_ns = ktime_get_ns();

	spin_lock(&eng->lock);
	if (prog) {
		job->prog_addr = args->program_addr;
		job->prog_size = args->program_size;
	} else {
		job->prog_addr = jf->prog_addr;
		job->prog_size = jf->prog_size;
	}
	ret = jf->outstanding >= READ_ONCE(max_file_jobs) ? -EAGAIN : 0;
	spin_unlock(&eng->lock);
	if (!job->prog_size) {
		dev_dbg(&adev->dev, "submit: no program (AKIDA_JOB_PROGRAM first)\n");
		ret = -EINVAL;
	}
	if (ret)
		goto err_free;

	if (job->n_in + job->n_out) {
		job->xfers = kvcalloc(job->n_in + job->n_out, sizeof(*job->xfers),
				      GFP_KERNEL);
		if (!job->xfers) {
			ret = -ENOMEM;
			goto err_free;
		}
	}
	/* Validate and look everything up before pinning anything. */
	ret = akida_job_get_xfers(af, job, args->in_dma, job->n_in, true, 0);
	if (!ret)
		ret = akida_job_get_xfers(af, job, args->out_dma, job->n_out,
					  false, job->n_in);
	if (!ret)
		ret = akida_job_ref_all(af, job);
	/* The budget first: nothing is pinned beyond it, even for a moment. */
	if (!ret)
		ret = akida_job_charge(af, job);
	for (i = 0; !ret && i < job->n_in + job->n_out; i++) {
		ret = akida_xfer_pin(adev, &job->xfers[i], i < job->n_in);
		if (ret)
			dev_dbg(&adev->dev, "submit: cannot pin DMA entry %u: %d\n",
				i, ret);
	}
	if (ret)
		goto err_free;

	/*
	 * The user pages are pinned (every fault taken) outside the guard;
	 * mapping and queueing happen inside it, so that remove either waits
	 * for us or we see the device gone, and nothing is mapped for a device
	 * that is already unbound.
	 */
	ret = akida_dev_enter(adev, &idx);
	if (ret)
		goto err_free;
	ret = akida_job_queue(af, job, prog, &id);
	akida_dev_exit(adev, idx);
	if (ret)
		goto err_free;
	/* The job is not ours any more: it may already be collected. */
	args->job_id = id;
	wake_up(&eng->worker_wq);
	return 0;

err_free:
	akida_job_free(eng, job);
	return ret;
}

/* Find the job to wait for; NULL if there is none. Under eng->lock. */
static struct akida_job *akida_job_find(struct akida_job_file *jf, u64 id,
					bool any)
{
	struct akida_job *job;

	list_for_each_entry(job, &jf->jobs, file_node) {
		if (any ? job->state == AKIDA_JS_DONE : job->id == id)
			return job;
	}
	return NULL;
}

/**
 * akida_job_wait() - AKIDA_IOCTL_JOB_WAIT.
 * @af: The file.
 * @args: The request; the result fields are filled on success.
 *
 * Return: 0 (collected), -ETIMEDOUT, -ENOENT, -EINVAL, -ERESTARTSYS.
 */
int akida_job_wait(struct akida_file *af, struct akida_job_wait *args)
{
	struct akida_job_engine *eng = &af->adev->job;
	struct akida_job_file *jf = &af->job;
	bool any = args->flags & AKIDA_WAIT_ANY;
	struct akida_job *job;
	u64 now, seq;
	long ret;

	if (args->flags & ~AKIDA_WAIT_ANY || args->pad ||
	    (any ? args->job_id != 0 : args->job_id == 0)) {
		dev_dbg(&af->adev->dev, "wait: bad flags %#x, padding or id\n",
			args->flags);
		return -EINVAL;
	}

	for (;;) {
		spin_lock(&eng->lock);
		job = akida_job_find(jf, args->job_id, any);
		if (!job && (!any || !jf->outstanding)) {
			spin_unlock(&eng->lock);
			return -ENOENT;
		}
		if (job && job->state == AKIDA_JS_DONE) {
			list_del(&job->file_node);
			jf->outstanding--;
			jf->done--;
			spin_unlock(&eng->lock);
			break;
		}
		seq = jf->seq;
		spin_unlock(&eng->lock);

		now = ktime_get_ns();
		if (now >= args->timeout_ns)
			return -ETIMEDOUT;
		ret = wait_event_interruptible_hrtimeout(jf->wq,
							 READ_ONCE(jf->seq) != seq,
							 ns_to_ktime(args->timeout_ns - now));
		if (ret == -ERESTARTSYS)
			return ret;
	}

	args->job_id = job->id;
	args->status = job->status;
	args->failed_step = job->step;
	args->npu_error = job->npu_error;
	args->inputs_done = job->inputs_done;
	args->user_data = job->user_data;
	args->submit_ns = job->submit_ns;
	args->start_ns = job->start_ns;
	args->end_ns = job->end_ns;
	args->npu_ns = job->npu_ns;
	akida_job_free(eng, job);
	return 0;
}

static void akida_copy_counters(struct akida_stats_counters *d,
				const struct akida_job_counters *s)
{
	d->jobs_submitted = s->jobs_submitted;
	d->jobs_completed = s->jobs_completed;
	d->jobs_failed = s->jobs_failed;
	d->jobs_pending = s->jobs_pending;
	d->inferences = s->inferences;
	d->program_loads = s->program_loads;
	d->weight_updates = s->weight_updates;
	d->bytes_to_device = s->bytes_to_device;
	d->bytes_from_device = s->bytes_from_device;
	d->npu_busy_ns = s->npu_busy_ns;
	d->mem_bytes = s->mem_bytes;
	d->mem_allocs = s->mem_allocs;
	d->pinned_bytes = s->pinned_bytes;
	d->resets = s->resets;
}

/**
 * akida_job_get_stats() - AKIDA_IOCTL_GET_STATS (output part).
 * @af: The file.
 * @st: Filled in (cleared first).
 */
void akida_job_get_stats(struct akida_file *af, struct akida_stats *st)
{
	struct akida_job_engine *eng = &af->adev->job;

	memset(st, 0, sizeof(*st));
	spin_lock(&eng->lock);
	akida_copy_counters(&st->device, &eng->counters);
	akida_copy_counters(&st->file, &af->job.counters);
	st->device.open_files = eng->files;
	st->file.open_files = 1;
	spin_unlock(&eng->lock);
}

/**
 * akida_job_get_info() - AKIDA_IOCTL_GET_INFO.
 * @adev: The device.
 * @info: Filled in (cleared first).
 */
void akida_job_get_info(struct akida_dev *adev, struct akida_info *info)
{
	struct akida_job_engine *eng = &adev->job;

	memset(info, 0, sizeof(*info));
	info->caps = AKIDA_CAP_RESET;
	if (adev->model_iface)
		info->caps |= AKIDA_CAP_JOBS | AKIDA_CAP_WEIGHT_UPDATE | AKIDA_CAP_BATCH |
			      AKIDA_CAP_CLOCK_MODE;
	if (adev->model_iface && eng->npu_irq)
		info->caps |= AKIDA_CAP_NPU_IRQ;
	if (device_iommu_mapped(&adev->pdev->dev))
		info->caps |= AKIDA_CAP_IOMMU;
	info->sram_size = adev->sram_size;
	info->lpddr_base = adev->lpddr_base;
	info->lpddr_size = adev->lpddr_size;
	info->mem_base = eng->mem_base;
	info->mem_size = eng->mem_end - eng->mem_base;
	info->chip = AKIDA_CHIP_AKD1000;
	info->device_id = adev->info->device_id;
	info->np_count = adev->np_count;
	info->mem_align = AKIDA_MEM_GRANULE;
	info->dma_h2d_channels = adev->edma.nr_ch;
	info->dma_d2h_channels = adev->edma.nr_ch;
	mutex_lock(&eng->clock_lock);
	info->clock_mode = eng->clock_mode;
	mutex_unlock(&eng->clock_lock);
	info->queue_depth = akida_queue_depth();
	info->max_file_jobs = READ_ONCE(max_file_jobs);
	info->max_batch = AKIDA_NPU_INFER_MAX;
	info->max_dma_entries = AKIDA_MAX_DMA_ENTRIES;
}

/**
 * akida_job_reset() - AKIDA_IOCTL_RESET: fail every job, reset NPU and eDMA.
 * @adev: The device.
 *
 * Return: 0, -ENODEV, -EIO, -ETIMEDOUT (the worker did not get to it in
 * time; it still will), -EINTR (fatal signal).
 */
int akida_job_reset(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;
	unsigned long tmo;
	u64 ms;
	long ret;

	/* In 64 bits: npu_timeout_ms may be anything a uint holds. */
	ms = 2ULL * READ_ONCE(akida_npu_timeout_ms) + 4ULL * akida_dma_tmo_ms() + 1000;
	tmo = msecs_to_jiffies(min_t(u64, ms, UINT_MAX));
	if (mutex_lock_interruptible(&eng->reset_lock))
		return -EINTR;
	spin_lock(&eng->lock);
	if (eng->stop) {
		spin_unlock(&eng->lock);
		mutex_unlock(&eng->reset_lock);
		return -ENODEV;
	}
	reinit_completion(&eng->reset_done);
	atomic_set(&eng->reset_req, 1);
	spin_unlock(&eng->lock);
	wake_up_all(&eng->worker_wq);

	ret = wait_for_completion_killable_timeout(&eng->reset_done, tmo);
	if (ret > 0)
		ret = eng->reset_result;
	else if (!ret)
		ret = -ETIMEDOUT;
	else
		ret = -EINTR;
	mutex_unlock(&eng->reset_lock);
	return ret;
}

/**
 * akida_job_halt() - stop the worker for a device reset or error recovery.
 * @adev: The device.
 *
 * Every job in flight or queued fails with -EIO, and so does every job
 * submitted until akida_job_restart(). Returns once the worker is parked
 * (it touches no register then), bounded by the longest hardware wait the
 * worker may be in.
 */
void akida_job_halt(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;
	unsigned long tmo;
	u64 gen, ms;

	ms = 2ULL * READ_ONCE(akida_npu_timeout_ms) + 4ULL * akida_dma_tmo_ms() + 1000;
	tmo = msecs_to_jiffies(min_t(u64, ms, UINT_MAX));
	spin_lock(&eng->lock);
	eng->halted = true;
	gen = ++eng->halt_gen;
	spin_unlock(&eng->lock);
	wake_up_all(&eng->worker_wq);
	if (!eng->worker)
		return;
	if (!wait_event_timeout(eng->park_wq, READ_ONCE(eng->parked_gen) == gen ||
				READ_ONCE(eng->stop), tmo))
		dev_warn(&adev->dev, "job worker not parked after %llu ms\n", ms);
}

/**
 * akida_job_restart() - program the NPU afresh and let the worker run.
 * @adev: The device, its BARs decoding again, inside akida_dev_enter().
 *
 * The NPU forgets its program: the next job loads it again.
 *
 * Return: 0, or the error of the NPU set-up (the engine then stays halted).
 */
int akida_job_restart(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;
	int ret = 0;

	if (adev->model_iface)
		ret = akida_npu_setup(eng);
	if (ret)
		return ret;
	spin_lock(&eng->lock);
	eng->halted = false;
	spin_unlock(&eng->lock);
	wake_up_all(&eng->worker_wq);
	return 0;
}
