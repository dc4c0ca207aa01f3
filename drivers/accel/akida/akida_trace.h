/* SPDX-License-Identifier: GPL-2.0 */
/*
 * akida_pcie: tracepoints (trace system "akida"), documented field by field
 * in Documentation/accel/akida.rst, "Tracepoints".
 *
 * Every event names its device by number (akida<N>). Addresses are chip
 * (AXI) addresses; no event carries a host kernel pointer or a host bus
 * address.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM akida

#if !defined(AKIDA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define AKIDA_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>
#include <linux/akida.h>

#include "akida_debugfs.h"
#include "akida_edma.h"

TRACE_DEFINE_ENUM(AKIDA_DMA_TO_DEVICE);
TRACE_DEFINE_ENUM(AKIDA_DMA_FROM_DEVICE);
TRACE_DEFINE_ENUM(AKIDA_RESET_IOCTL);
TRACE_DEFINE_ENUM(AKIDA_RESET_NPU_TIMEOUT);
TRACE_DEFINE_ENUM(AKIDA_PM_RUNTIME_SUSPEND);
TRACE_DEFINE_ENUM(AKIDA_PM_RUNTIME_RESUME);
TRACE_DEFINE_ENUM(AKIDA_PM_SUSPEND);
TRACE_DEFINE_ENUM(AKIDA_PM_RESUME);

#define akida_trace_dir(d)						\
	__print_symbolic(d, { AKIDA_DMA_TO_DEVICE, "h2d" },		\
			 { AKIDA_DMA_FROM_DEVICE, "d2h" })

#define akida_trace_step(s)						\
	__print_symbolic(s, { AKIDA_STEP_NONE, "none" },		\
			 { AKIDA_STEP_PROGRAM, "program" },		\
			 { AKIDA_STEP_WEIGHTS, "weights" },		\
			 { AKIDA_STEP_INPUT, "input" },			\
			 { AKIDA_STEP_RUN, "run" },			\
			 { AKIDA_STEP_OUTPUT, "output" },		\
			 { AKIDA_STEP_QUEUE, "queue" })

#define akida_trace_pm(e)						\
	__print_symbolic(e, { AKIDA_PM_RUNTIME_SUSPEND, "runtime_suspend" },	\
			 { AKIDA_PM_RUNTIME_RESUME, "runtime_resume" },	\
			 { AKIDA_PM_SUSPEND, "suspend" },		\
			 { AKIDA_PM_RESUME, "resume" })

#define akida_trace_reason(r)						\
	__print_symbolic(r, { AKIDA_RESET_IOCTL, "ioctl" },		\
			 { AKIDA_RESET_NPU_TIMEOUT, "npu_timeout" })

/* ---- jobs ---- */

TRACE_EVENT(akida_job_submit,
	    TP_PROTO(int dev, u64 id, u32 flags, u32 batch, u32 in_size,
		     u32 out_size, u32 in_dma, u32 out_dma),
	    TP_ARGS(dev, id, flags, batch, in_size, out_size, in_dma, out_dma),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u64, id)
			     __field(u32, flags)
			     __field(u32, batch)
			     __field(u32, in_size)
			     __field(u32, out_size)
			     __field(u32, in_dma)
			     __field(u32, out_dma)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->id = id;
			   __entry->flags = flags;
			   __entry->batch = batch;
			   __entry->in_size = in_size;
			   __entry->out_size = out_size;
			   __entry->in_dma = in_dma;
			   __entry->out_dma = out_dma;),
	    TP_printk("akida%d job=%llu flags=%#x batch=%u in_size=%u out_size=%u in_dma=%u out_dma=%u",
		      __entry->dev, __entry->id, __entry->flags, __entry->batch,
		      __entry->in_size, __entry->out_size, __entry->in_dma,
		      __entry->out_dma)
);

TRACE_EVENT(akida_job_start,
	    TP_PROTO(int dev, u64 id, u64 queued_ns),
	    TP_ARGS(dev, id, queued_ns),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u64, id)
			     __field(u64, queued_ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->id = id;
			   __entry->queued_ns = queued_ns;),
	    TP_printk("akida%d job=%llu queued_ns=%llu",
		      __entry->dev, __entry->id, __entry->queued_ns)
);

TRACE_EVENT(akida_job_step_begin,
	    TP_PROTO(int dev, u64 id, u32 step),
	    TP_ARGS(dev, id, step),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u64, id)
			     __field(u32, step)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->id = id;
			   __entry->step = step;),
	    TP_printk("akida%d job=%llu step=%s",
		      __entry->dev, __entry->id,
		      akida_trace_step(__entry->step))
);

TRACE_EVENT(akida_job_step_end,
	    TP_PROTO(int dev, u64 id, u32 step, int err, u64 ns),
	    TP_ARGS(dev, id, step, err, ns),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u64, id)
			     __field(u32, step)
			     __field(int, err)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->id = id;
			   __entry->step = step;
			   __entry->err = err;
			   __entry->ns = ns;),
	    TP_printk("akida%d job=%llu step=%s err=%d ns=%llu",
		      __entry->dev, __entry->id,
		      akida_trace_step(__entry->step), __entry->err,
		      __entry->ns)
);

TRACE_EVENT(akida_job_complete,
	    TP_PROTO(int dev, u64 id, int status, u32 failed_step,
		     u32 npu_error, u32 inputs_done, u64 total_ns),
	    TP_ARGS(dev, id, status, failed_step, npu_error, inputs_done,
		    total_ns),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u64, id)
			     __field(int, status)
			     __field(u32, failed_step)
			     __field(u32, npu_error)
			     __field(u32, inputs_done)
			     __field(u64, total_ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->id = id;
			   __entry->status = status;
			   __entry->failed_step = failed_step;
			   __entry->npu_error = npu_error;
			   __entry->inputs_done = inputs_done;
			   __entry->total_ns = total_ns;),
	    TP_printk("akida%d job=%llu status=%d failed_step=%s npu_error=%u inputs_done=%u total_ns=%llu",
		      __entry->dev, __entry->id, __entry->status,
		      akida_trace_step(__entry->failed_step),
		      __entry->npu_error, __entry->inputs_done,
		      __entry->total_ns)
);

/* ---- eDMA lists ---- */

TRACE_EVENT(akida_dma_start,
	    TP_PROTO(int dev, u32 dir, u32 ch, u32 elems, u64 bytes, u32 axi),
	    TP_ARGS(dev, dir, ch, elems, bytes, axi),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, dir)
			     __field(u32, ch)
			     __field(u32, elems)
			     __field(u64, bytes)
			     __field(u32, axi)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->dir = dir;
			   __entry->ch = ch;
			   __entry->elems = elems;
			   __entry->bytes = bytes;
			   __entry->axi = axi;),
	    TP_printk("akida%d dir=%s ch=%u elems=%u bytes=%llu axi=%#x",
		      __entry->dev, akida_trace_dir(__entry->dir), __entry->ch,
		      __entry->elems, __entry->bytes, __entry->axi)
);

DECLARE_EVENT_CLASS(akida_dma_end,
		    TP_PROTO(int dev, u32 dir, u32 ch, u64 bytes, u32 axi,
			     u32 err),
		    TP_ARGS(dev, dir, ch, bytes, axi, err),
		    TP_STRUCT__entry(__field(int, dev)
				     __field(u32, dir)
				     __field(u32, ch)
				     __field(u64, bytes)
				     __field(u32, axi)
				     __field(u32, err)),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->dir = dir;
				   __entry->ch = ch;
				   __entry->bytes = bytes;
				   __entry->axi = axi;
				   __entry->err = err;),
		    TP_printk("akida%d dir=%s ch=%u bytes=%llu axi=%#x err=%#x",
			      __entry->dev, akida_trace_dir(__entry->dir),
			      __entry->ch, __entry->bytes, __entry->axi,
			      __entry->err)
);

DEFINE_EVENT(akida_dma_end, akida_dma_done,
	     TP_PROTO(int dev, u32 dir, u32 ch, u64 bytes, u32 axi, u32 err),
	     TP_ARGS(dev, dir, ch, bytes, axi, err)
);

DEFINE_EVENT(akida_dma_end, akida_dma_abort,
	     TP_PROTO(int dev, u32 dir, u32 ch, u64 bytes, u32 axi, u32 err),
	     TP_ARGS(dev, dir, ch, bytes, axi, err)
);

DEFINE_EVENT(akida_dma_end, akida_dma_timeout,
	     TP_PROTO(int dev, u32 dir, u32 ch, u64 bytes, u32 axi, u32 err),
	     TP_ARGS(dev, dir, ch, bytes, axi, err)
);

/* ---- interrupts ---- */

TRACE_EVENT(akida_irq_edma,
	    TP_PROTO(int dev, u32 dir, u32 status),
	    TP_ARGS(dev, dir, status),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, dir)
			     __field(u32, status)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->dir = dir;
			   __entry->status = status;),
	    TP_printk("akida%d dir=%s status=%#x",
		      __entry->dev, akida_trace_dir(__entry->dir),
		      __entry->status)
);

TRACE_EVENT(akida_irq_npu,
	    TP_PROTO(int dev, u32 status),
	    TP_ARGS(dev, status),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, status)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->status = status;),
	    TP_printk("akida%d status=%#x", __entry->dev, __entry->status)
);

/* ---- resets ---- */

TRACE_EVENT(akida_reset,
	    TP_PROTO(int dev, u32 reason, int result),
	    TP_ARGS(dev, reason, result),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, reason)
			     __field(int, result)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->reason = reason;
			   __entry->result = result;),
	    TP_printk("akida%d reason=%s result=%d",
		      __entry->dev, akida_trace_reason(__entry->reason),
		      __entry->result)
);

/* A power transition: @us is how long the driver's part of it took. */
TRACE_EVENT(akida_pm,
	    TP_PROTO(int dev, u32 event, int result, u64 us),
	    TP_ARGS(dev, event, result, us),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, event)
			     __field(int, result)
			     __field(u64, us)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->event = event;
			   __entry->result = result;
			   __entry->us = us;),
	    TP_printk("akida%d event=%s result=%d us=%llu",
		      __entry->dev, akida_trace_pm(__entry->event),
		      __entry->result, __entry->us)
);

#endif /* AKIDA_TRACE_H */

/*
 * Out of tree, define_trace.h finds this header through the -I$(src) that
 * Kbuild gives akida_trace.o (CREATE_TRACE_POINTS).
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE akida_trace
#include <trace/define_trace.h>
