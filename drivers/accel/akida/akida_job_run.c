// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the steps of a job, as the worker (akida_sched.c) runs them.
 *
 * Input DMA and output DMA (directly or through the staging buffer), and the
 * NPU part: program load and weight update when the NPU does not hold them
 * already (what it holds is tracked in akida_job_engine.npu, invalidated by
 * every write to LPDDR), the start of a batch and the check of its end.
 */
#include <linux/bitfield.h>
#include <linux/scatterlist.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"
#include "akida_npu_regs.h"
#include "akida_trace.h"

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
int akida_job_xfer_all(struct akida_job_engine *eng,
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
void akida_step_begin(struct akida_job_engine *eng,
		      struct akida_job *job, u32 step)
{
	WRITE_ONCE(job->cur_step, step);
	job->step_ns = ktime_get_ns();
	trace_akida_job_step_begin(eng->adev->minor, job->id, step);
}

/* ... and ends it with @err (0 or a negative errno). */
void akida_step_end(struct akida_job_engine *eng,
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

/*
 * Step @step of @job (on the NPU) failed with @ret and NPU error @code: end
 * the step, keep an NPU error or timeout in the fault ring, recover the NPU
 * from a timeout, complete the job.
 */
static void akida_step_fail(struct akida_job_engine *eng, struct akida_job *job,
			    u32 step, int ret, u32 code)
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
void akida_job_start(struct akida_job_engine *eng, struct akida_job *job)
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
		akida_step_fail(eng, job, AKIDA_STEP_RUN, -EINVAL, 0);
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
	akida_step_fail(eng, job, AKIDA_STEP_PROGRAM, ret, code);
	return;
fail_weights:
	akida_step_fail(eng, job, AKIDA_STEP_WEIGHTS, ret, code);
}

/*
 * Check the running batch. Return true if it finished (the job moved on to
 * RAN or was completed with an error).
 * Context: inside akida_dev_enter().
 */
bool akida_job_check_run(struct akida_job_engine *eng,
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
		akida_step_fail(eng, job, AKIDA_STEP_RUN, -ETIMEDOUT, 0);
		return true;
	}
	akida_npu_found(eng, polled);
	job->inputs_done = FIELD_GET(AKIDA_NPU_INFER_STATUS_COUNT, st);
	akida_job_count_npu(eng, job, ktime_get_ns() - eng->run_start_ns, 0, 0,
			    job->inputs_done);
	if (st & AKIDA_NPU_INFER_STATUS_ERROR) {
		code = npu_rd(eng, AKIDA_NPU_ERROR_CODE);
		akida_step_fail(eng, job, AKIDA_STEP_RUN, -EIO, code);
		return true;
	}
	if (job->inputs_done != job->batch) {
		dev_warn(&eng->adev->dev, "job %llu: NPU done after %u of %u inputs\n",
			 job->id, job->inputs_done, job->batch);
		akida_step_fail(eng, job, AKIDA_STEP_RUN, -EIO, 0);
		return true;
	}
	akida_step_end(eng, job, AKIDA_STEP_RUN, 0);
	spin_lock(&eng->lock);
	job->state = AKIDA_JS_RAN;
	spin_unlock(&eng->lock);
	return true;
}

void akida_job_output(struct akida_job_engine *eng, struct akida_job *job)
{
	int ret;

	akida_step_begin(eng, job, AKIDA_STEP_OUTPUT);
	ret = akida_job_xfer_all(eng, job, false);
	akida_step_end(eng, job, AKIDA_STEP_OUTPUT, ret);
	akida_job_complete(eng, job, ret, AKIDA_STEP_OUTPUT, 0);
}
