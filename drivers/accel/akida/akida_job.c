// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the job engine.
 */
#include <linux/poll.h>

#include "akida_drv.h"
#include "akida_job.h"

int akida_job_init(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;

	eng->adev = adev;
	spin_lock_init(&eng->lock);
	INIT_LIST_HEAD(&eng->rr);
	INIT_LIST_HEAD(&eng->pipeline);
	init_waitqueue_head(&eng->worker_wq);
	atomic_set(&eng->irq_status, 0);
	atomic_set(&eng->reset_req, 0);
	init_completion(&eng->reset_done);
	mutex_init(&eng->reset_lock);
	mutex_init(&eng->mem_lock);
	INIT_LIST_HEAD(&eng->mem_list);
	mutex_init(&eng->clock_lock);
	return 0;
}

void akida_job_fini(struct akida_dev *adev)
{
	WRITE_ONCE(adev->job.irq_ready, false);
}

void akida_job_irq(struct akida_dev *adev)
{
}

int akida_job_open(struct akida_file *af)
{
	struct akida_job_file *jf = &af->job;

	INIT_LIST_HEAD(&jf->queue);
	INIT_LIST_HEAD(&jf->jobs);
	INIT_LIST_HEAD(&jf->rr_node);
	INIT_LIST_HEAD(&jf->mems);
	init_waitqueue_head(&jf->wq);
	return 0;
}

void akida_job_release(struct akida_file *af)
{
}

__poll_t akida_poll(struct file *filp, struct poll_table_struct *wait)
{
	return 0;
}
