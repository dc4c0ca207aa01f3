// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the job scheduler.
 *
 * One kernel thread per device (the worker) runs the jobs without further
 * system calls:
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
 * The steps themselves are in akida_job_run.c. Here too: the engine's
 * set-up and teardown, AKIDA_IOCTL_RESET, and halt/restart around a device
 * reset or error recovery.
 */
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"
#include "akida_regs.h"
#include "akida_trace.h"

static unsigned int queue_depth = 2;
module_param(queue_depth, uint, 0644);
MODULE_PARM_DESC(queue_depth,
		 "Jobs in the device pipeline at once, 1 (no overlap) to 16 (default 2)");

static unsigned int stage_kib = 512;
module_param(stage_kib, uint, 0444);
MODULE_PARM_DESC(stage_kib,
		 "Staging buffer for job buffers scattered over more pages than one DMA list holds, KiB (0: none) (default 512)");

static bool npu_irq = true;
module_param(npu_irq, bool, 0444);
MODULE_PARM_DESC(npu_irq,
		 "Signal NPU completion by MSI (else poll INFER_STATUS) (default on)");

#define AKIDA_QUEUE_DEPTH_MAX	16

unsigned int akida_queue_depth(void)
{
	return clamp_val(READ_ONCE(queue_depth), 1, AKIDA_QUEUE_DEPTH_MAX);
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

/* ---- the pipeline ---- */

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

/* ---- the worker ---- */

/*
 * After a job failed with -EIO or -ETIMEDOUT: does the device still answer?
 * While it does not, the jobs behind fail at once (-EIO) instead of each
 * waiting for its own DMA or NPU timeout; one register read per job, and
 * only in that state. Return true if @job was failed.
 */
static bool akida_worker_dead_fail(struct akida_job_engine *eng)
{
	struct akida_dev *adev = eng->adev;
	struct akida_job *job;
	bool check, dead = true;
	int idx;

	spin_lock(&eng->lock);
	check = eng->dead_check;
	spin_unlock(&eng->lock);
	if (!check)
		return false;
	if (!akida_dev_enter(adev, &idx)) {
		dead = akida_dev_dead(adev);
		akida_dev_exit(adev, idx);
	}
	if (!dead) {
		spin_lock(&eng->lock);
		eng->dead_check = false;
		spin_unlock(&eng->lock);
		return false;
	}
	job = akida_job_take(eng);
	if (!job)
		return false;
	dev_err_ratelimited(&adev->dev, "job %llu: the device does not answer: failed without trying\n",
			    job->id);
	akida_job_complete(eng, job, -EIO, AKIDA_STEP_INPUT, 0);
	return true;
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

	/* Paused for system sleep: what is in the pipeline finishes. */
	if (n < akida_queue_depth() && !READ_ONCE(eng->paused)) {
		if (akida_worker_dead_fail(eng))
			return true;
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
	work = !list_empty(&eng->rr) && n < akida_queue_depth() && !eng->paused;
	spin_unlock(&eng->lock);
	return work;
}

/*
 * Runtime PM: the worker keeps the device in D0 from the moment it has a
 * job to take until its pipeline is empty again (akida_pm.c). Return false
 * if the device cannot be resumed: every job then fails with -EIO.
 */
static bool akida_worker_pm_get(struct akida_job_engine *eng)
{
	if (eng->pm_held)
		return true;
	if (akida_pm_get(eng->adev)) {
		akida_job_fail_all(eng, -EIO);
		return false;
	}
	eng->pm_held = true;
	return true;
}

static void akida_worker_pm_put(struct akida_job_engine *eng)
{
	if (!eng->pm_held || !list_empty(&eng->pipeline))
		return;
	eng->pm_held = false;
	akida_pm_put(eng->adev);
}

/*
 * Paused for system sleep and nothing in flight: tell akida_job_pause(),
 * and wait, touching nothing, until akida_job_unpause() (or a halt, a
 * reset request or the end).
 */
static void akida_worker_paused(struct akida_job_engine *eng)
{
	akida_worker_pm_put(eng);
	WRITE_ONCE(eng->pause_parked, true);
	wake_up_all(&eng->park_wq);
	wait_event_interruptible(eng->worker_wq, kthread_should_stop() ||
				 !READ_ONCE(eng->paused) ||
				 READ_ONCE(eng->halted) || READ_ONCE(eng->stop) ||
				 atomic_read(&eng->reset_req));
	WRITE_ONCE(eng->pause_parked, false);
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
	akida_worker_pm_put(eng);
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
		if (READ_ONCE(eng->paused) && list_empty(&eng->pipeline)) {
			akida_worker_paused(eng);
			continue;
		}
		if (akida_worker_has_work(eng) && !akida_worker_pm_get(eng))
			continue;
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
			akida_worker_pm_put(eng);
			wait_event_interruptible(eng->worker_wq,
						 akida_worker_has_work(eng) ||
						 akida_worker_interrupted(eng) ||
						 READ_ONCE(eng->paused));
		}
	}
	/* akida_job_fini() fails what is left. */
	if (eng->pm_held) {
		eng->pm_held = false;
		akida_pm_put(eng->adev);
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

/**
 * akida_job_pause() - stop taking jobs, for system sleep.
 * @adev: The device.
 *
 * Jobs in the pipeline finish (bounded by the longest hardware wait the
 * worker may be in); queued jobs stay queued, neither lost nor failed, and
 * new submissions queue behind them, until akida_job_unpause().
 *
 * Return: 0 once the worker is idle, or -EBUSY if it did not get there in
 * time (then nothing is paused).
 */
int akida_job_pause(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;
	unsigned long tmo;
	u64 ms;

	ms = 2ULL * READ_ONCE(akida_npu_timeout_ms) + 4ULL * akida_dma_tmo_ms() + 1000;
	tmo = msecs_to_jiffies(min_t(u64, ms, UINT_MAX));
	spin_lock(&eng->lock);
	eng->paused = true;
	spin_unlock(&eng->lock);
	wake_up_all(&eng->worker_wq);
	if (!eng->worker)
		return 0;
	/* A halted worker touches nothing already. */
	if (wait_event_timeout(eng->park_wq, READ_ONCE(eng->pause_parked) ||
			       READ_ONCE(eng->halted) || READ_ONCE(eng->stop), tmo))
		return 0;
	dev_err(&adev->dev, "jobs still in flight after %llu ms: not suspending\n", ms);
	akida_job_unpause(adev);
	return -EBUSY;
}

/**
 * akida_job_unpause() - let the worker take jobs again after system sleep.
 * @adev: The device.
 */
void akida_job_unpause(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;

	spin_lock(&eng->lock);
	eng->paused = false;
	spin_unlock(&eng->lock);
	wake_up_all(&eng->worker_wq);
}
