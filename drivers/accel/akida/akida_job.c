// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: jobs as a file sees them.
 *
 * A job is: an optional program load, an optional weight update, input DMA
 * (host to LPDDR), an NPU run of a batch, output DMA (LPDDR to host). Submit
 * validates it, takes references on the caller's device memory, pins and
 * DMA-maps the host buffers, and queues it on the file; the worker
 * (akida_sched.c) runs it and completes it here.
 *
 * Completed jobs stay on their file until collected by AKIDA_IOCTL_JOB_WAIT;
 * poll() reports EPOLLIN while there is one.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"
#include "akida_npu_regs.h"
#include "akida_trace.h"

static unsigned int max_file_jobs = 64;
module_param(max_file_jobs, uint, 0644);
MODULE_PARM_DESC(max_file_jobs,
		 "Jobs one open file may have submitted and not collected (default 64)");

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
void akida_job_complete(struct akida_job_engine *eng,
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
		/* Perhaps the device stopped answering: the worker looks. */
		if (status == -EIO || status == -ETIMEDOUT)
			eng->dead_check = true;
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

/* ---- open files ---- */

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
			      AKIDA_CAP_CLOCK_MODE | AKIDA_CAP_JOB_RUN;
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
