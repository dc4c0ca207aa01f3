// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: NPU command and register access for the job engine.
 *
 * Reset and set-up of the NPU, the synchronous commands (MODEL_LOAD,
 * WEIGHT_UPDATE), the NPU part of the interrupt handler, and the collection
 * of NPU interrupt bits by the worker. Every NPU wait is bounded by
 * npu_timeout_ms.
 */
#include <linux/delay.h>
#include <linux/iopoll.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/akida.h>

#include "akida_drv.h"
#include "akida_job.h"
#include "akida_job_priv.h"
#include "akida_npu_regs.h"
#include "akida_regs.h"
#include "akida_trace.h"

unsigned int akida_npu_timeout_ms = 5000;
module_param_named(npu_timeout_ms, akida_npu_timeout_ms, uint, 0644);
MODULE_PARM_DESC(npu_timeout_ms,
		 "Bound on one NPU command (program load, weight update, batch), ms (default 5000)");

/* Poll interval for a lost interrupt, and when polling by choice. */
#define AKIDA_NPU_IRQ_POLL_NS	(20 * NSEC_PER_MSEC)
#define AKIDA_NPU_POLL_NS	(50 * NSEC_PER_USEC)
/* Bound on the NPU coming out of CONTROL.RESET. */
#define AKIDA_NPU_RESET_US	100000

/*
 * Collect NPU interrupt bits. IRQ_STATUS has one consumer: the interrupt
 * handler when NPU interrupts are on (it latches the bits for us), else the
 * worker, here. The bits only say that something may have finished: the
 * worker decides from STATUS.BUSY and INFER_STATUS, never from them alone,
 * so a stale bit cannot complete a later command.
 */
void akida_npu_events(struct akida_job_engine *eng)
{
	u32 st;

	eng->events |= atomic_xchg(&eng->irq_status, 0);
	if (eng->npu_irq)
		return;
	st = npu_rd(eng, AKIDA_NPU_IRQ_STATUS);
	if (st == U32_MAX)	/* the device does not answer */
		return;
	st &= AKIDA_NPU_IRQ_ALL;
	if (st)
		npu_wr(eng, AKIDA_NPU_IRQ_STATUS, st);
	eng->events |= st;
}

bool akida_worker_interrupted(struct akida_job_engine *eng)
{
	return kthread_should_stop() || READ_ONCE(eng->stop) ||
	       READ_ONCE(eng->halted) || atomic_read(&eng->reset_req) ||
	       akida_dev_gone(eng->adev);
}

/*
 * Sleep until an NPU interrupt, an interruption, or @ns have passed. With
 * NPU interrupts on, a nap that the poll interval ended is noted: a command
 * found complete right after it completed without its interrupt waking us.
 * That is a wait that timed out with no bits latched, or one that lasted
 * its whole interval although bits were latched at least half of it before
 * its end (an interrupt that did not wake us: the wait returns 0 once the
 * timer fires). A late wake-up (the vCPU or the worker not scheduled for a
 * while) is not one: the handler latches its bits just before it.
 */
void akida_worker_nap(struct akida_job_engine *eng, u64 ns)
{
	u64 t0 = ktime_get_ns(), now;
	int ret;

	ret = wait_event_interruptible_hrtimeout(eng->worker_wq,
						 atomic_read(&eng->irq_status) ||
						 akida_worker_interrupted(eng),
						 ns_to_ktime(ns));
	now = ktime_get_ns();
	eng->nap_polled = eng->npu_irq &&
			  (ret == -ETIME ||
			   (!ret && now - t0 >= ns &&
			    now - atomic64_read(&eng->irq_latch_ns) >= ns / 2));
	if (eng->nap_polled)
		atomic64_inc(&eng->adev->diag.npu_poll_naps);
}

/* Did the last nap end by the poll interval? Consumes the answer. */
bool akida_npu_nap_polled(struct akida_job_engine *eng)
{
	bool polled = eng->nap_polled;

	eng->nap_polled = false;
	return polled;
}

/*
 * An NPU command is over; @polled: it was found right after a nap that the
 * poll interval ended, so its interrupt was lost (or never woke us).
 */
void akida_npu_found(struct akida_job_engine *eng, bool polled)
{
	if (!polled)
		return;
	atomic64_inc(&eng->adev->diag.npu_lost_irqs);
	dev_dbg_ratelimited(&eng->adev->dev,
			    "NPU completion found by the poll: interrupt lost\n");
}

u64 akida_npu_poll_ns(struct akida_job_engine *eng)
{
	return eng->npu_irq ? AKIDA_NPU_IRQ_POLL_NS : AKIDA_NPU_POLL_NS;
}

/*
 * The vector's MSI message changes when it moves to another CPU (without
 * interrupt remapping): keep NPU_IMWR_* current before each command.
 */
void akida_npu_msi_sync(struct akida_job_engine *eng)
{
	u64 addr;
	u32 data;

	if (!eng->npu_irq)
		return;
	akida_msi_get(eng->adev, &addr, &data);
	if (addr == eng->msi_addr && data == eng->msi_data)
		return;
	npu_wr64(eng, AKIDA_NPU_IMWR_ADDR_LO, addr);
	npu_wr(eng, AKIDA_NPU_IMWR_DATA, data);
	eng->msi_addr = addr;
	eng->msi_data = data;
}

/*
 * Run one synchronous NPU command (MODEL_LOAD or WEIGHT_UPDATE) and wait,
 * bounded by npu_timeout_ms, until STATUS says it is over (BUSY clear; the
 * command set BUSY when it was written). Interrupts only wake us: a stale
 * MODEL_DONE cannot end the wait.
 * Return: 0, -EIO (NPU error: *code set), -ETIMEDOUT, -ECANCELED (reset or
 * removal requested).
 */
int akida_npu_command(struct akida_job_engine *eng, u32 reg, u32 *code)
{
	u64 start = ktime_get_ns();
	u64 deadline = start + (u64)READ_ONCE(akida_npu_timeout_ms) * NSEC_PER_MSEC;
	bool polled;
	u32 st;

	akida_npu_msi_sync(eng);
	eng->nap_polled = false;
	npu_wr(eng, reg, 1);
	for (;;) {
		polled = akida_npu_nap_polled(eng);
		akida_npu_events(eng);
		eng->events &= ~(AKIDA_NPU_IRQ_MODEL_DONE | AKIDA_NPU_IRQ_ERROR);
		st = npu_rd(eng, AKIDA_NPU_STATUS);
		if (st != U32_MAX && !(st & AKIDA_NPU_STATUS_BUSY))
			break;
		if (akida_worker_interrupted(eng))
			return -ECANCELED;
		if (ktime_get_ns() >= deadline)
			return -ETIMEDOUT;
		akida_worker_nap(eng, akida_npu_poll_ns(eng));
	}
	akida_npu_found(eng, polled);
	if (st & AKIDA_NPU_STATUS_ERROR) {
		*code = npu_rd(eng, AKIDA_NPU_ERROR_CODE);
		return -EIO;
	}
	return 0;
}

/*
 * Reset the NPU and program it for use: clock mode, completion MSI, enable.
 * Forgets the loaded program. Context: inside akida_dev_enter().
 */
int akida_npu_setup(struct akida_job_engine *eng)
{
	struct akida_dev *adev = eng->adev;
	u32 st, data = 0;
	u64 msi_addr = 0;
	int ret;

	npu_wr(eng, AKIDA_NPU_IRQ_ENABLE, 0);
	npu_wr(eng, AKIDA_NPU_CONTROL, AKIDA_NPU_CONTROL_RESET);
	ret = read_poll_timeout(ioread32, st,
				st != U32_MAX && (st & AKIDA_NPU_STATUS_READY) &&
				!(st & AKIDA_NPU_STATUS_BUSY),
				10, AKIDA_NPU_RESET_US, false,
				adev->bar0 + AKIDA_NPU_STATUS);
	if (ret) {
		dev_err(&adev->dev, "NPU not ready after reset (STATUS %#x)\n", st);
		return -EIO;
	}
	npu_wr(eng, AKIDA_NPU_IRQ_STATUS, AKIDA_NPU_IRQ_ALL);
	atomic_set(&eng->irq_status, 0);
	eng->events = 0;

	mutex_lock(&eng->clock_lock);
	npu_wr(eng, AKIDA_NPU_CLOCK_MODE, eng->clock_mode);
	mutex_unlock(&eng->clock_lock);

	if (eng->npu_irq)
		akida_msi_get(adev, &msi_addr, &data);
	npu_wr64(eng, AKIDA_NPU_IMWR_ADDR_LO, msi_addr);
	npu_wr(eng, AKIDA_NPU_IMWR_DATA, data);
	eng->msi_addr = msi_addr;
	eng->msi_data = data;
	npu_wr(eng, AKIDA_NPU_IRQ_ENABLE, eng->npu_irq ? AKIDA_NPU_IRQ_ALL : 0);
	npu_wr(eng, AKIDA_NPU_CONTROL, AKIDA_NPU_CONTROL_ENABLE);

	spin_lock(&eng->lock);
	memset(&eng->npu, 0, sizeof(eng->npu));
	spin_unlock(&eng->lock);
	return 0;
}

/*
 * Bytes of layer @layer's packed weights in the program image at @addr,
 * read through the LPDDR BAR. Return: 0 (*bytes set), -ERANGE (the layer
 * does not exist: the NPU reports it), -EINVAL (the image is malformed or
 * out of the BAR window).
 */
int akida_prog_weight_bytes(struct akida_job_engine *eng, u64 addr,
			    u64 size, u32 layer, u64 *bytes)
{
	struct akida_dev *adev = eng->adev;
	u64 off, base;
	u32 nlayers, i, w;

	if (addr < adev->lpddr_base || addr + size > adev->lpddr_base + adev->mem_len ||
	    size < AKIDA_PROG_HDR_SIZE || (addr & 3))
		return -EINVAL;
	base = addr - adev->lpddr_base;
	nlayers = ioread32(adev->mem + base + 4) >> 16;
	if (layer >= nlayers)
		return -ERANGE;
	off = AKIDA_PROG_HDR_SIZE;
	for (i = 0; ; i++) {
		u32 in, out, payload;

		if (off + AKIDA_PROG_LAYER_SIZE > size)
			return -EINVAL;
		w = ioread32(adev->mem + base + off);
		in = ioread32(adev->mem + base + off + AKIDA_PROG_LAYER_INPUTS);
		out = ioread32(adev->mem + base + off + AKIDA_PROG_LAYER_OUTPUTS);
		payload = ioread32(adev->mem + base + off + AKIDA_PROG_LAYER_PAYLOAD);
		if (i == layer) {
			u32 wbits = (w >> (8 * AKIDA_PROG_LAYER_WBITS)) & 0xff;
			u64 n = (u64)in * out;

			*bytes = wbits == 4 ? DIV_ROUND_UP(n, 2) : n;
			return 0;
		}
		off += AKIDA_PROG_LAYER_SIZE + (u64)payload;
	}
}

/* Reset the NPU after a failure that left it in an unknown state. */
void akida_npu_recover(struct akida_job_engine *eng)
{
	struct akida_dev *adev = eng->adev;
	int idx, ret;

	if (akida_dev_enter(adev, &idx))
		return;
	ret = akida_npu_setup(eng);
	trace_akida_reset(adev->minor, AKIDA_RESET_NPU_TIMEOUT, ret);
	if (ret)
		dev_err(&adev->dev, "NPU recovery failed\n");
	akida_dev_exit(adev, idx);
}

/**
 * akida_npu_quiesce() - stop the NPU for good: no command, no interrupt.
 * @adev: The device.
 *
 * Context: remove, after akida_job_fini() and the SRCU grace period: no one
 * else touches the NPU; the BARs are still mapped.
 */
void akida_npu_quiesce(struct akida_dev *adev)
{
	u32 st;

	/* Unknown silicon: none of these registers was ever written. */
	if (!adev->model_iface || akida_dev_dead(adev))
		return;
	iowrite32(0, adev->bar0 + AKIDA_NPU_IRQ_ENABLE);
	/*
	 * Clearing ENABLE alone lets a command in progress run on (a job cut
	 * short by remove may still be in the NPU): RESET cancels it without
	 * a completion, and leaves ENABLE clear.
	 */
	iowrite32(AKIDA_NPU_CONTROL_RESET, adev->bar0 + AKIDA_NPU_CONTROL);
	if (read_poll_timeout(ioread32, st,
			      st == U32_MAX || !(st & AKIDA_NPU_STATUS_BUSY),
			      10, AKIDA_NPU_RESET_US, false,
			      adev->bar0 + AKIDA_NPU_STATUS))
		dev_warn(&adev->dev, "NPU still busy after reset\n");
	iowrite32(AKIDA_NPU_IRQ_ALL, adev->bar0 + AKIDA_NPU_IRQ_STATUS);
}

/**
 * akida_job_irq() - NPU part of the interrupt handler (hard-IRQ context).
 * @adev: The device.
 *
 * The vector is shared with the eDMA: read IRQ_STATUS, acknowledge what is
 * set, latch it for the worker and wake it. With NPU interrupts on, this is
 * the only reader of IRQ_STATUS.
 *
 * Return: true if an NPU interrupt was pending.
 */
bool akida_job_irq(struct akida_dev *adev)
{
	struct akida_job_engine *eng = &adev->job;
	u32 st;

	if (!READ_ONCE(eng->irq_ready) || !eng->npu_irq)
		return false;
	st = ioread32(adev->bar0 + AKIDA_NPU_IRQ_STATUS);
	if (st == U32_MAX)
		return false;
	st &= AKIDA_NPU_IRQ_ALL;
	if (!st)
		return false;
	iowrite32(st, adev->bar0 + AKIDA_NPU_IRQ_STATUS);
	trace_akida_irq_npu(adev->minor, st);
	atomic64_inc(&adev->diag.npu_irqs);
	atomic64_set(&eng->irq_latch_ns, ktime_get_ns());
	atomic_or(st, &eng->irq_status);
	wake_up(&eng->worker_wq);
	return true;
}

/**
 * akida_job_set_clock() - AKIDA_IOCTL_SET_CLOCK.
 * @adev: The device.
 * @mode: AKIDA_CLOCK_*.
 *
 * Return: 0, -EINVAL, -ENODEV.
 */
int akida_job_set_clock(struct akida_dev *adev, u32 mode)
{
	struct akida_job_engine *eng = &adev->job;
	int idx, ret;

	if (mode > AKIDA_CLOCK_LOW_POWER)
		return -EINVAL;
	ret = akida_dev_enter(adev, &idx);
	if (ret)
		return ret;
	mutex_lock(&eng->clock_lock);
	eng->clock_mode = mode;
	npu_wr(eng, AKIDA_NPU_CLOCK_MODE, mode);
	mutex_unlock(&eng->clock_lock);
	akida_dev_exit(adev, idx);
	return 0;
}
