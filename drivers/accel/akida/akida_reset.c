// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: function resets, PCI error recovery, shutdown and health.
 *
 * Every recovery has two halves. The first (akida_recover_begin()) runs
 * before the device is reset, or once an error is reported: the job worker
 * parks and every job fails with -EIO, every eDMA list still running ends
 * with -EIO (its host memory stays quarantined until the engine is
 * confirmed quiet), the interrupt is disabled, and, when the registers can
 * still be written, the NPU and the eDMA are stopped. From then on nothing
 * of the driver touches the chip, and every new transfer or job fails with
 * -EIO instead of waiting. No lock is held between the halves: the PCI core
 * may never call the second one (a failed AER recovery, a removal).
 *
 * The second half (akida_recover_end()) runs on the reset device: it
 * programs the iATU again (Linux does not restore it), waits for the NPU to
 * answer, programs the eDMA and the NPU afresh (the program is loaded again
 * by the next job), enables the interrupt and lets the worker run. Open
 * files keep working: nothing of theirs refers to the chip's registers but
 * their BAR0 mappings, which point at the same BAR.
 *
 * Entry points: reset_prepare/reset_done (a function reset through the PCI
 * core: sysfs "reset", VFIO, ...); error_detected/mmio_enabled/slot_reset/
 * resume (AER); shutdown (reboot, kexec).
 */
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/pci.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "compat.h"

static const char * const akida_cause_names[] = {
	[AKIDA_CAUSE_NONE] = "none",
	[AKIDA_CAUSE_RESET] = "function reset",
	[AKIDA_CAUSE_AER_NONFATAL] = "AER non-fatal error",
	[AKIDA_CAUSE_AER_FATAL] = "AER fatal error",
	[AKIDA_CAUSE_PERM_FAILURE] = "permanent failure",
	[AKIDA_CAUSE_SHUTDOWN] = "shutdown",
	[AKIDA_CAUSE_RESUME] = "resume from D3hot",
};

const char *akida_cause_name(enum akida_cause cause)
{
	if (cause >= ARRAY_SIZE(akida_cause_names))
		return "unknown";
	return akida_cause_names[cause];
}

void akida_recovery_init(struct akida_dev *adev)
{
	spin_lock_init(&adev->rec.lock);
}

/**
 * akida_health() - the device's health, for sysfs akida_health.
 * @adev: The device.
 * @reason: Set to why it is not "ok" (a static string), or NULL.
 *
 * Return: "ok", "degraded" or "dead".
 */
const char *akida_health(struct akida_dev *adev, const char **reason)
{
	struct akida_recovery *rec = &adev->rec;
	bool active, failed, dead = false;
	enum akida_cause cause;
	int idx;

	spin_lock(&rec->lock);
	active = rec->active;
	failed = rec->failed;
	cause = rec->cause;
	spin_unlock(&rec->lock);

	*reason = NULL;
	if (failed) {
		*reason = cause == AKIDA_CAUSE_SHUTDOWN ? "shut down" :
			  cause == AKIDA_CAUSE_PERM_FAILURE ?
			  "the PCI core gave the device up" :
			  cause == AKIDA_CAUSE_RESUME ?
			  "it did not come back from D3hot" :
			  "the last recovery failed";
		return "dead";
	}
	if (active) {
		switch (cause) {
		case AKIDA_CAUSE_AER_FATAL:
			*reason = "recovering from an AER fatal error";
			break;
		case AKIDA_CAUSE_AER_NONFATAL:
			*reason = "recovering from an AER non-fatal error";
			break;
		default:
			*reason = "function reset in progress";
			break;
		}
		return "degraded";
	}
	/* In D3hot the registers do not answer: the last resume worked. */
	if (akida_pm_get_if_active(adev)) {
		if (!akida_dev_enter(adev, &idx)) {
			dead = akida_dev_dead(adev);
			akida_dev_exit(adev, idx);
		}
		akida_pm_put_quiet(adev);
	}
	if (dead) {
		*reason = "the device does not answer";
		return "dead";
	}
	if (akida_dma_wedged(adev)) {
		*reason = "an eDMA channel is not confirmed stopped";
		return "degraded";
	}
	return "ok";
}

/*
 * First half: stop using the chip. @hw_ok: its registers may be written
 * (a function reset is still to come, or a non-fatal error left the link
 * up), so the engines are stopped explicitly too.
 */
static void akida_recover_begin(struct akida_dev *adev, enum akida_cause cause,
				bool hw_ok)
{
	struct akida_recovery *rec = &adev->rec;
	bool irq_off;
	int idx;

	spin_lock(&rec->lock);
	rec->active = true;
	rec->cause = cause;
	rec->began_ns = ktime_get_ns();
	irq_off = rec->irq_off;
	rec->irq_off = true;
	spin_unlock(&rec->lock);

	/* Running lists end first: the worker may be waiting on one. */
	akida_edma_halt(adev, false);
	akida_job_halt(adev);
	if (!irq_off)
		disable_irq(adev->irq);

	if (!hw_ok || akida_dev_enter(adev, &idx))
		return;
	if (!akida_dev_dead(adev)) {
		akida_npu_quiesce(adev);
		akida_edma_halt(adev, true);
	}
	akida_dev_exit(adev, idx);
}

/* The device stays dead (halted) until a reset recovers it. */
static void akida_mark_dead(struct akida_dev *adev, enum akida_cause cause)
{
	struct akida_recovery *rec = &adev->rec;

	spin_lock(&rec->lock);
	rec->active = false;
	rec->failed = true;
	rec->cause = cause;
	spin_unlock(&rec->lock);
}

static void akida_recover_failed(struct akida_dev *adev, enum akida_cause cause)
{
	akida_mark_dead(adev, cause);
	atomic64_inc(&adev->rec.failures);
}

/**
 * akida_health_dead() - the device failed outside a recovery (a resume):
 * sysfs akida_health says "dead" until a reset recovers it.
 * @adev: The device.
 * @cause: What failed.
 */
void akida_health_dead(struct akida_dev *adev, enum akida_cause cause)
{
	akida_recover_failed(adev, cause);
}

/*
 * Second half: the chip was reset (or, after a non-fatal error, is as the
 * first half left it). Program it afresh and let the engines run.
 */
static int akida_recover_end(struct akida_dev *adev)
{
	struct akida_recovery *rec = &adev->rec;
	struct pci_dev *pdev = adev->pdev;
	enum akida_cause cause;
	bool irq_off;
	u64 us;
	int idx, ret;

	ret = akida_dev_enter(adev, &idx);
	if (ret)
		return ret;
	spin_lock(&rec->lock);
	cause = rec->cause;
	irq_off = rec->irq_off;
	rec->irq_off = false;
	spin_unlock(&rec->lock);

	pci_set_master(pdev);
	ret = akida_hw_reinit(adev);
	if (!ret)
		ret = akida_edma_restart(adev);
	if (irq_off)
		enable_irq(adev->irq);
	if (!ret)
		ret = akida_job_restart(adev);
	akida_dev_exit(adev, idx);

	if (ret) {
		pci_err(pdev, "%s: recovery after %s failed (%d): the device is dead until the next reset\n",
			dev_name(&adev->dev), akida_cause_name(cause), ret);
		akida_recover_failed(adev, cause);
		return ret;
	}

	spin_lock(&rec->lock);
	us = div_u64(ktime_get_ns() - rec->began_ns, NSEC_PER_USEC);
	rec->active = false;
	rec->failed = false;
	rec->last_ns = ktime_get_boottime_ns();
	rec->last_us = us;
	spin_unlock(&rec->lock);
	atomic64_inc(&rec->recoveries);
	pci_info(pdev, "%s: recovered from %s in %llu us\n", dev_name(&adev->dev),
		 akida_cause_name(cause), us);
	return 0;
}

/* ---- function reset (sysfs reset, VFIO, ...) ---- */

static void akida_reset_prepare(struct pci_dev *pdev)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);

	if (!adev)
		return;
	atomic64_inc(&adev->rec.resets);
	pci_info(pdev, "%s: function reset: jobs and transfers in flight fail with -EIO\n",
		 dev_name(&adev->dev));
	akida_recover_begin(adev, AKIDA_CAUSE_RESET, true);
}

static void akida_reset_done(struct pci_dev *pdev)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);

	if (!adev)
		return;
	akida_recover_end(adev);
}

/* ---- AER ---- */

static pci_ers_result_t akida_error_detected(struct pci_dev *pdev,
					     pci_channel_state_t state)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);

	if (!adev)
		return PCI_ERS_RESULT_DISCONNECT;
	switch (state) {
	case pci_channel_io_normal:
		atomic64_inc(&adev->rec.aer_nonfatal);
		pci_warn(pdev, "%s: non-fatal error: stopping, then reinitialising\n",
			 dev_name(&adev->dev));
		akida_recover_begin(adev, AKIDA_CAUSE_AER_NONFATAL, true);
		return PCI_ERS_RESULT_NEED_RESET;
	case pci_channel_io_frozen:
		atomic64_inc(&adev->rec.aer_fatal);
		pci_warn(pdev, "%s: fatal error: waiting for the link reset\n",
			 dev_name(&adev->dev));
		akida_recover_begin(adev, AKIDA_CAUSE_AER_FATAL, false);
		return PCI_ERS_RESULT_NEED_RESET;
	default:
		pci_err(pdev, "%s: permanent failure: the device is dead\n",
			dev_name(&adev->dev));
		akida_recover_begin(adev, AKIDA_CAUSE_PERM_FAILURE, false);
		akida_recover_failed(adev, AKIDA_CAUSE_PERM_FAILURE);
		return PCI_ERS_RESULT_DISCONNECT;
	}
}

/*
 * Only called if every driver below the port answered CAN_RECOVER, which
 * this one never does: whatever the error touched, the engines are
 * reinitialised by slot_reset.
 */
static pci_ers_result_t akida_mmio_enabled(struct pci_dev *pdev)
{
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t akida_slot_reset(struct pci_dev *pdev)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);

	if (!adev)
		return PCI_ERS_RESULT_DISCONNECT;
	/* After a link reset the configuration space is at its defaults. */
	pci_restore_state(pdev);
	pci_save_state(pdev);
	return akida_recover_end(adev) ? PCI_ERS_RESULT_DISCONNECT :
					 PCI_ERS_RESULT_RECOVERED;
}

static void akida_resume(struct pci_dev *pdev)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);

	if (adev)
		pci_dbg(pdev, "%s: error recovery complete\n", dev_name(&adev->dev));
}

#ifdef AKIDA_HAVE_COR_ERROR_DETECTED
static void akida_cor_error_detected(struct pci_dev *pdev)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);

	if (adev)
		atomic64_inc(&adev->rec.aer_cor);
}
#endif

const struct pci_error_handlers akida_err_handlers = {
	.error_detected = akida_error_detected,
	.mmio_enabled = akida_mmio_enabled,
	.slot_reset = akida_slot_reset,
	.resume = akida_resume,
	.reset_prepare = akida_reset_prepare,
	.reset_done = akida_reset_done,
#ifdef AKIDA_HAVE_COR_ERROR_DETECTED
	.cor_error_detected = akida_cor_error_detected,
#endif
};

/* ---- shutdown ---- */

/**
 * akida_shutdown() - quiesce the device for reboot or kexec.
 * @pdev: The PCI device.
 *
 * Jobs and transfers fail with -EIO, the NPU and the eDMA are stopped, the
 * interrupt is disabled and bus mastering is turned off, so that nothing of
 * the chip reaches memory the next kernel owns. The device stays bound and
 * dead (sysfs akida_health) until a reset recovers it.
 */
void akida_shutdown(struct pci_dev *pdev)
{
	struct akida_dev *adev = pci_get_drvdata(pdev);

	if (!adev)
		return;
	akida_recover_begin(adev, AKIDA_CAUSE_SHUTDOWN, true);
	pci_clear_master(pdev);
	akida_mark_dead(adev, AKIDA_CAUSE_SHUTDOWN);
	pci_info(pdev, "%s: shut down\n", dev_name(&adev->dev));
}
