// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: power management.
 *
 * D3hot resets the chip's registers: the inbound iATU (the BARs stop
 * decoding), the eDMA and the NPU (its program is gone); LPDDR and SRAM
 * survive (HARDWARE.md section 8). So every way back to D0 programs the
 * iATU, the eDMA and the NPU afresh, and the next job loads its program
 * again; device memory allocations and their contents stay valid.
 *
 * Runtime PM, with autosuspend: the device is in use, and kept in D0, while
 *  - the job worker has a job queued or in flight (it holds a reference
 *    from the moment it sees work until it has none, akida_sched.c);
 *  - a read()/write() or an AKIDA_IOCTL_DMA, RESET or SET_CLOCK runs;
 *  - a file has touched the NPU registers through read()/write() or mapped
 *    BAR0 (BrainChip's ABI): the state it wrote there would not survive
 *    D3hot, so such a file keeps the device in D0 until it is closed.
 * An open file with nothing of the above does not. After autosuspend_ms of
 * idleness (power/autosuspend_delay_ms) the device goes to D3hot; the next
 * use brings it back. power/control "on" keeps it in D0.
 *
 * System sleep (suspend, hibernation): the job worker stops taking jobs and
 * lets those in flight finish; queued jobs are held, not failed, and run
 * after resume. Userspace is frozen by then, so no transfer is in flight.
 * The engines are stopped and the interrupt disabled before the PCI core
 * puts the device in D3hot; resume programs them again.
 */
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_trace.h"
#include "compat.h"

static unsigned int akida_autosuspend_ms = 5000;
module_param_named(autosuspend_ms, akida_autosuspend_ms, uint, 0444);
MODULE_PARM_DESC(autosuspend_ms,
		 "Idle time before the device goes to D3hot, the initial power/autosuspend_delay_ms (ms) [5000]");

static bool akida_runtime_pm = true;
module_param_named(runtime_pm, akida_runtime_pm, bool, 0444);
MODULE_PARM_DESC(runtime_pm,
		 "Let an idle device go to D3hot (power/control \"auto\" at probe; \"on\" otherwise) [1]");

static struct akida_dev *akida_pm_adev(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

/**
 * akida_pm_get() - bring the device to D0 and keep it there.
 * @adev: The device.
 *
 * Context: process; may sleep while the device resumes.
 *
 * Return: 0, -ENODEV once the device is removed, or -EIO if it cannot be
 * resumed.
 */
int akida_pm_get(struct akida_dev *adev)
{
	int ret;

	/* Removed (runtime PM is off for it then): as every other path says. */
	if (akida_dev_gone(adev))
		return -ENODEV;
	ret = pm_runtime_resume_and_get(&adev->pdev->dev);
	if (ret < 0) {
		if (akida_dev_gone(adev))
			return -ENODEV;
		dev_err_ratelimited(&adev->dev, "cannot resume the device (%d)\n", ret);
		return -EIO;
	}
	return 0;
}

/**
 * akida_pm_put() - drop what akida_pm_get() took; the device may suspend
 * once autosuspend_ms have passed without another use.
 * @adev: The device.
 *
 * Context: any.
 */
void akida_pm_put(struct akida_dev *adev)
{
	struct device *dev = &adev->pdev->dev;

	pm_runtime_mark_last_busy(dev);
	pm_runtime_put_autosuspend(dev);
}

/**
 * akida_pm_get_if_active() - keep the device in D0 if it is there already.
 * @adev: The device.
 *
 * For readers that must not wake it (sysfs, health).
 *
 * Return: true if it is in D0 (then call akida_pm_put_quiet()).
 */
bool akida_pm_get_if_active(struct akida_dev *adev)
{
	return akida_pm_runtime_get_if_active(&adev->pdev->dev) > 0;
}

/**
 * akida_pm_put_quiet() - drop what akida_pm_get_if_active() took, without
 * counting it as a use (the idle time runs on from the last real one).
 * @adev: The device.
 */
void akida_pm_put_quiet(struct akida_dev *adev)
{
	pm_runtime_put_autosuspend(&adev->pdev->dev);
}

/**
 * akida_pm_pin_file() - keep the device in D0 while @af is open.
 * @af: A file that has touched state D3hot would lose (NPU registers).
 *
 * Return: 0, or -EIO if the device cannot be resumed.
 */
int akida_pm_pin_file(struct akida_file *af)
{
	int ret;

	if (test_bit(AKIDA_FILE_PM_PINNED, &af->flags))
		return 0;
	ret = akida_pm_get(af->adev);
	if (ret)
		return ret;
	if (test_and_set_bit(AKIDA_FILE_PM_PINNED, &af->flags))
		akida_pm_put(af->adev);	/* pinned meanwhile by another thread */
	return 0;
}

/* The file is closing. */
void akida_pm_unpin_file(struct akida_file *af)
{
	if (test_and_clear_bit(AKIDA_FILE_PM_PINNED, &af->flags))
		akida_pm_put(af->adev);
}

/**
 * akida_pm_failed() - the device did not come back to D0 working.
 * @adev: The device.
 * @err: Why.
 */
static void akida_pm_failed(struct akida_dev *adev, int err)
{
	atomic64_inc(&adev->pm.failures);
	akida_health_dead(adev, AKIDA_CAUSE_RESUME);
	dev_err(&adev->dev, "the device did not come back from D3hot (%d): jobs and transfers fail until a reset recovers it\n",
		err);
}

/*
 * Stop the engines before D3hot: nothing runs (the caller made sure), the
 * NPU takes no command, the eDMA is stopped and its users fail with -EIO
 * until akida_pm_start(), the interrupt is off.
 */
static void akida_pm_stop(struct akida_dev *adev)
{
	struct akida_recovery *rec = &adev->rec;
	bool irq_off;
	int idx;

	if (!akida_dev_enter(adev, &idx)) {
		akida_npu_quiesce(adev);
		akida_edma_halt(adev, true);
		akida_dev_exit(adev, idx);
	}
	spin_lock(&rec->lock);
	irq_off = rec->irq_off;
	rec->irq_off = true;
	spin_unlock(&rec->lock);
	if (!irq_off)
		disable_irq(adev->irq);
}

/*
 * Back in D0, the chip's registers at their reset values: program the
 * iATU, the eDMA and the NPU afresh (the program is loaded again by the
 * next job), enable the interrupt.
 */
static int akida_pm_start(struct akida_dev *adev)
{
	struct akida_recovery *rec = &adev->rec;
	bool irq_off;
	int idx, ret;

	ret = akida_dev_enter(adev, &idx);
	if (ret)
		return 0;	/* being removed: nothing to program */
	ret = akida_hw_reinit(adev);
	if (!ret)
		ret = akida_edma_restart(adev);
	spin_lock(&rec->lock);
	irq_off = rec->irq_off;
	rec->irq_off = false;
	spin_unlock(&rec->lock);
	if (irq_off)
		enable_irq(adev->irq);
	if (!ret)
		ret = akida_job_restart(adev);
	akida_dev_exit(adev, idx);
	if (ret)
		akida_pm_failed(adev, ret);
	return ret;
}

static void akida_pm_done(struct akida_dev *adev, enum akida_pm_event ev,
			  u64 start_ns, int ret)
{
	u64 us = div_u64(ktime_get_ns() - start_ns, NSEC_PER_USEC);

	trace_akida_pm(adev->minor, ev, ret, us);
	if (ret)
		return;
	atomic64_inc(&adev->pm.count[ev]);
	atomic64_set(&adev->pm.last_us[ev], us);
}

static int akida_pm_runtime_suspend(struct device *dev)
{
	struct akida_dev *adev = akida_pm_adev(dev);
	u64 t0 = ktime_get_ns();

	if (!adev)
		return 0;
	/*
	 * A channel not confirmed stopped may still write host memory that
	 * is held in quarantine: keep the device up until that settles.
	 */
	if (akida_dma_wedged(adev)) {
		trace_akida_pm(adev->minor, AKIDA_PM_RUNTIME_SUSPEND, -EBUSY, 0);
		return -EBUSY;
	}
	akida_pm_stop(adev);
	akida_pm_done(adev, AKIDA_PM_RUNTIME_SUSPEND, t0, 0);
	return 0;
}

/*
 * Back to D0, from runtime suspend or system sleep: after system sleep the
 * held jobs run now, or fail with -EIO if the device did not come back.
 */
static int akida_pm_back(struct device *dev, enum akida_pm_event ev)
{
	struct akida_dev *adev = akida_pm_adev(dev);
	u64 t0 = ktime_get_ns();
	int ret;

	if (!adev)
		return 0;
	ret = akida_pm_start(adev);
	if (ev == AKIDA_PM_RESUME)
		akida_job_unpause(adev);
	akida_pm_done(adev, ev, t0, ret);
	return ret;
}

static int akida_pm_runtime_resume(struct device *dev)
{
	return akida_pm_back(dev, AKIDA_PM_RUNTIME_RESUME);
}

/* Files that keep the device in D0 (they wrote NPU registers or mapped BAR0). */
unsigned int akida_pm_pinned_files(struct akida_dev *adev)
{
	struct akida_file *af;
	unsigned int n = 0;

	mutex_lock(&adev->files_lock);
	list_for_each_entry(af, &adev->files, node)
		n += test_bit(AKIDA_FILE_PM_PINNED, &af->flags);
	mutex_unlock(&adev->files_lock);
	return n;
}

static int akida_pm_suspend(struct device *dev)
{
	struct akida_dev *adev = akida_pm_adev(dev);
	u64 t0 = ktime_get_ns();
	unsigned int pinned;
	int ret;

	if (!adev)
		return 0;
	/* Jobs in flight finish; queued ones wait for resume. */
	ret = akida_job_pause(adev);
	if (ret) {
		trace_akida_pm(adev->minor, AKIDA_PM_SUSPEND, ret, 0);
		return ret;
	}
	pinned = akida_pm_pinned_files(adev);
	if (pinned)
		dev_warn(&adev->dev, "%u open file(s) wrote NPU registers directly: what they wrote does not survive system sleep\n",
			 pinned);
	akida_pm_stop(adev);
	akida_pm_done(adev, AKIDA_PM_SUSPEND, t0, 0);
	return 0;
}

static int akida_pm_resume(struct device *dev)
{
	return akida_pm_back(dev, AKIDA_PM_RESUME);
}

const struct dev_pm_ops akida_pm_ops = {
	SYSTEM_SLEEP_PM_OPS(akida_pm_suspend, akida_pm_resume)
	RUNTIME_PM_OPS(akida_pm_runtime_suspend, akida_pm_runtime_resume, NULL)
};

/**
 * akida_pm_init() - end of probe: let an idle device suspend.
 * @adev: The device, fully set up.
 *
 * Drops the reference the PCI core holds across probe (akida_pm_fini()
 * takes it back).
 */
void akida_pm_init(struct akida_dev *adev)
{
	struct device *dev = &adev->pdev->dev;

	pm_runtime_set_autosuspend_delay(dev, min_t(unsigned int, akida_autosuspend_ms, INT_MAX));
	pm_runtime_use_autosuspend(dev);
	pm_runtime_mark_last_busy(dev);
	if (akida_runtime_pm)
		pm_runtime_allow(dev);
	pm_runtime_put_autosuspend(dev);
}

/**
 * akida_pm_fini() - start of remove (the PCI core has resumed the device).
 * @adev: The device.
 */
void akida_pm_fini(struct akida_dev *adev)
{
	struct device *dev = &adev->pdev->dev;

	pm_runtime_get_noresume(dev);
	pm_runtime_forbid(dev);
	pm_runtime_dont_use_autosuspend(dev);
}
