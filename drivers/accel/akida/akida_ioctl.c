// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the ioctl interface (include/uapi/linux/akida.h).
 *
 * Every command copies its argument in, checks that flags and padding are
 * zero, and copies a cleared-then-filled result out. Commands that need the
 * device fail with -ENODEV once it is gone; collecting jobs, reading
 * statistics and freeing memory keep working so that a client can wind down.
 *
 * Permissions: commands that change the device's state or move data
 * (MEM_ALLOC, DMA, JOB_SUBMIT, SET_CLOCK, RESET) need a file opened for
 * writing (-EBADF); RESET needs CAP_SYS_ADMIN (-EPERM). On an NPU without
 * the [model] command interface JOB_SUBMIT and SET_CLOCK fail with
 * -EOPNOTSUPP (akida_dev.model_iface).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"

static int akida_ioctl_get_info(struct akida_file *af, void __user *uarg)
{
	struct akida_info info;

	akida_job_get_info(af->adev, &info);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int akida_ioctl_mem_alloc(struct akida_file *af, void __user *uarg)
{
	struct akida_mem_alloc args;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad) {
		dev_dbg(&af->adev->dev, "mem alloc: flags/padding not zero\n");
		return -EINVAL;
	}
	/* No allocation may appear under a raw transfer (akida_fops.c). */
	if (down_write_killable(&af->adev->raw_lock))
		return -EINTR;
	ret = akida_mem_alloc(af, args.size, args.align, &args.addr);
	up_write(&af->adev->raw_lock);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		akida_mem_free(af, args.addr);
		return -EFAULT;
	}
	return 0;
}

static int akida_ioctl_mem_free(struct akida_file *af, void __user *uarg)
{
	struct akida_mem_free args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad) {
		dev_dbg(&af->adev->dev, "mem free: flags/padding not zero\n");
		return -EINVAL;
	}
	return akida_mem_free(af, args.addr);
}

static int akida_ioctl_dma(struct akida_file *af, void __user *uarg)
{
	struct akida_dma_entry *ent;
	struct akida_dma args;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || !args.count || args.count > AKIDA_MAX_DMA_ENTRIES) {
		dev_dbg(&af->adev->dev, "dma: bad flags %#x or count %u\n",
			args.flags, args.count);
		return -EINVAL;
	}
	ent = kvmalloc_array(args.count, sizeof(*ent), GFP_KERNEL);
	if (!ent)
		return -ENOMEM;
	if (!akida_uptr_ok(args.entries, (u64)args.count * sizeof(*ent)) ||
	    copy_from_user(ent, u64_to_user_ptr(args.entries),
			   args.count * sizeof(*ent)))
		ret = -EFAULT;
	else
		ret = akida_dma_vector(af, ent, args.count);
	kvfree(ent);
	return ret;
}

static int akida_ioctl_job_submit(struct akida_file *af, void __user *uarg)
{
	struct akida_job_submit args;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	args.job_id = 0;
	ret = akida_job_submit(af, &args);
	if (ret)
		return ret;
	/* The job runs whatever happens here; the id is lost on -EFAULT. */
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

/* Clear the outputs of a wait. */
static void akida_wait_clear(struct akida_job_wait *w)
{
	w->status = 0;
	w->failed_step = 0;
	w->npu_error = 0;
	w->inputs_done = 0;
	w->user_data = 0;
	w->submit_ns = 0;
	w->start_ns = 0;
	w->end_ns = 0;
	w->npu_ns = 0;
}

static int akida_ioctl_job_wait(struct akida_file *af, void __user *uarg)
{
	struct akida_job_wait args;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	akida_wait_clear(&args);
	ret = akida_job_wait(af, &args);
	if (ret)
		return ret;
	return copy_to_user(uarg, &args, sizeof(args)) ? -EFAULT : 0;
}

static int akida_ioctl_job_run(struct akida_file *af, void __user *uarg)
{
	struct akida_job_run args;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.wait.job_id || args.wait.flags || args.wait.pad) {
		dev_dbg(&af->adev->dev, "run: wait.job_id, flags and pad must be zero\n");
		return -EINVAL;
	}
	args.submit.job_id = 0;
	ret = akida_job_submit(af, &args.submit);
	if (ret)
		return ret;
	akida_wait_clear(&args.wait);
	args.wait.job_id = args.submit.job_id;
	ret = akida_job_wait(af, &args.wait);
	/* Restarting would submit the job a second time. */
	if (ret == -ERESTARTSYS)
		ret = -EINTR;
	/* The job is submitted: its id must reach the caller. */
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return ret;
}

static int akida_ioctl_get_stats(struct akida_file *af, void __user *uarg)
{
	struct akida_stats *st;
	u32 hdr[2];
	int ret = 0;

	if (copy_from_user(hdr, uarg, sizeof(hdr)))
		return -EFAULT;
	if (hdr[0] || hdr[1]) {
		dev_dbg(&af->adev->dev, "stats: flags/padding not zero\n");
		return -EINVAL;
	}
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	akida_job_get_stats(af, st);
	if (copy_to_user(uarg, st, sizeof(*st)))
		ret = -EFAULT;
	kfree(st);
	return ret;
}

static int akida_ioctl_reset(struct akida_file *af, void __user *uarg)
{
	struct akida_reset args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad) {
		dev_dbg(&af->adev->dev, "reset: flags/padding not zero\n");
		return -EINVAL;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return akida_job_reset(af->adev);
}

static int akida_ioctl_set_clock(struct akida_file *af, void __user *uarg)
{
	struct akida_clock args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.mode > AKIDA_CLOCK_LOW_POWER) {
		dev_dbg(&af->adev->dev, "clock: bad flags %#x or mode %u\n",
			args.flags, args.mode);
		return -EINVAL;
	}
	return akida_job_set_clock(af->adev, args.mode);
}

/* The commands that touch the chip: with the device in D0. */
static long akida_ioctl_hw(struct akida_file *af, unsigned int cmd,
			   void __user *uarg)
{
	long ret;

	ret = akida_pm_get(af->adev);
	if (ret)
		return ret;
	switch (cmd) {
	case AKIDA_IOCTL_DMA:
		ret = akida_ioctl_dma(af, uarg);
		break;
	case AKIDA_IOCTL_RESET:
		ret = akida_ioctl_reset(af, uarg);
		break;
	default:	/* AKIDA_IOCTL_SET_CLOCK */
		ret = akida_ioctl_set_clock(af, uarg);
		break;
	}
	akida_pm_put(af->adev);
	return ret;
}

/**
 * akida_ioctl() - unlocked_ioctl of /dev/akidaN.
 * @filp: The file.
 * @cmd: AKIDA_IOCTL_*.
 * @arg: User pointer to the command's structure.
 *
 * Return: 0 or a negative errno; -ENOTTY for an unknown command.
 */
long akida_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct akida_file *af = filp->private_data;
	struct akida_dev *adev = af->adev;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case AKIDA_IOCTL_JOB_WAIT:
		return akida_ioctl_job_wait(af, uarg);
	case AKIDA_IOCTL_GET_STATS:
		return akida_ioctl_get_stats(af, uarg);
	case AKIDA_IOCTL_MEM_FREE:
		return akida_ioctl_mem_free(af, uarg);
	case AKIDA_IOCTL_GET_INFO:
	case AKIDA_IOCTL_MEM_ALLOC:
	case AKIDA_IOCTL_DMA:
	case AKIDA_IOCTL_JOB_SUBMIT:
	case AKIDA_IOCTL_JOB_RUN:
	case AKIDA_IOCTL_RESET:
	case AKIDA_IOCTL_SET_CLOCK:
		break;
	default:
		return -ENOTTY;
	}

	/* The rest need the device. */
	if (akida_dev_gone(adev))
		return -ENODEV;
	if (cmd != AKIDA_IOCTL_GET_INFO && !(filp->f_mode & FMODE_WRITE)) {
		dev_dbg(&adev->dev, "ioctl %#x needs a file opened for writing\n", cmd);
		return -EBADF;
	}
	if ((cmd == AKIDA_IOCTL_JOB_SUBMIT || cmd == AKIDA_IOCTL_JOB_RUN ||
	     cmd == AKIDA_IOCTL_SET_CLOCK) && !adev->model_iface) {
		dev_dbg(&adev->dev, "ioctl %#x: the NPU has no known command interface\n",
			cmd);
		return -EOPNOTSUPP;
	}

	switch (cmd) {
	case AKIDA_IOCTL_GET_INFO:
		return akida_ioctl_get_info(af, uarg);
	case AKIDA_IOCTL_MEM_ALLOC:
		return akida_ioctl_mem_alloc(af, uarg);
	case AKIDA_IOCTL_JOB_SUBMIT:
		/* The job worker brings the device to D0 when it runs it. */
		return akida_ioctl_job_submit(af, uarg);
	case AKIDA_IOCTL_JOB_RUN:
		return akida_ioctl_job_run(af, uarg);
	default:
		return akida_ioctl_hw(af, cmd, uarg);
	}
}
