/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated BrainChip AKD1000: the link model (HARDWARE.md section 6) and the
 * emulator-only test-control window (section 7, tools/qemu/akida_emu_regs.h).
 *
 * The link model does not slow anything down by itself: it adds up what the
 * traffic would have cost on the chip's PCIe Gen2 x1 link (each MMIO read
 * 1 us, each write 0.1 us, each DMA element 0.5 us + bytes / 450 MB/s) and
 * what the NPU's work costs, so that a benchmark can compare a driver's
 * modeled throughput with the link limit. With timing=modeled, DMA and NPU
 * completions are also delayed by their modeled time.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "migration/vmstate.h"
#include "akd1000.h"
#include "akida_emu_regs.h"

void akd_link_charge(AkdState *s, enum akd_counter kind, uint64_t n)
{
	AkdLink *l = &s->link;

	l->cnt[kind] += n;
	switch (kind) {
	case AKD_CNT_MMIO_READS:
		l->cnt[AKD_CNT_MODELED_NS] += n * AKD_NS_MMIO_READ;
		break;
	case AKD_CNT_MMIO_WRITES:
		l->cnt[AKD_CNT_MODELED_NS] += n * AKD_NS_MMIO_WRITE;
		break;
	case AKD_CNT_DMA_NS:
	case AKD_CNT_NPU_NS:
		l->cnt[AKD_CNT_MODELED_NS] += n;
		break;
	default:
		break;
	}
}

/* ---- Fault injection, as the engines consume it --------------------------- */

/* The extra delay of the next completion, consumed. */
int64_t akd_completion_delay_ns(AkdState *s)
{
	int64_t ns = (int64_t)s->link.fault_delay_us * 1000;

	s->link.fault_delay_us = 0;
	return ns;
}

/* Whether this completion's IMWr is to be dropped (consumes one). */
bool akd_fault_drop_irq(AkdState *s)
{
	if (!s->link.fault_drop)
		return false;
	s->link.fault_drop--;
	return true;
}

/* The error kind this DMA element fails with, 0 for none (consumes one). */
uint32_t akd_fault_dma_element(AkdState *s)
{
	uint32_t kind = s->link.fault_dma_err;

	if (!s->link.fault_dma_abort)
		return 0;
	s->link.fault_dma_abort--;
	if (kind < AKIDA_EMU_ERR_READ || kind > AKIDA_EMU_ERR_LL_FETCH)
		kind = AKIDA_EMU_ERR_READ;
	return kind;
}

/* The error code the next NPU run fails with, 0 for none (consumed). */
uint32_t akd_fault_npu_error(AkdState *s)
{
	uint32_t code = s->link.fault_npu_error;

	s->link.fault_npu_error = 0;
	return code;
}

/* The error a channel aborts with for an injected fault (FAULT_DMA_ERRSTATUS). */
uint32_t akd_fault_dma_kind(AkdState *s)
{
	switch (s->link.fault_dma_err) {
	case AKIDA_EMU_ERR_WRITE:	return AKD_EDMA_ERR_WRITE;
	case AKIDA_EMU_ERR_LL_FETCH:	return AKD_EDMA_ERR_FETCH;
	default:			return AKD_EDMA_ERR_READ;
	}
}

static bool akd_fault_ch_is(uint32_t sel, int dir, int ch)
{
	return (sel & ~AKIDA_EMU_CH_READ & 0xffff) == (uint32_t)ch &&
	       !!(sel & AKIDA_EMU_CH_READ) == (dir == AKD_RD);
}

/* The stall of the element now starting on @dir/@ch, in ns (consumed). */
int64_t akd_fault_stall_ns(AkdState *s, int dir, int ch)
{
	int64_t ns = (int64_t)s->link.fault_stall_us * SCALE_US;

	if (!ns || !akd_fault_ch_is(s->link.fault_stall_ch, dir, ch))
		return 0;
	s->link.fault_stall_us = 0;
	return ns;
}

/* Whether this doorbell of @dir/@ch is to abort at once (consumed). */
bool akd_fault_doorbell(AkdState *s, int dir, int ch)
{
	uint32_t sel = s->link.fault_doorbell_ch;

	if (!(sel & (1u << 31)) ||
	    !akd_fault_ch_is(sel & ~(1u << 31), dir, ch))
		return false;
	s->link.fault_doorbell_ch = 0;
	return true;
}

/* The extra time of the next NPU command, in ns (consumed). */
int64_t akd_fault_npu_delay_ns(AkdState *s)
{
	int64_t ns = (int64_t)s->link.fault_npu_delay_us * SCALE_US;

	s->link.fault_npu_delay_us = 0;
	return ns;
}

static void akd_dead_expire(void *opaque)
{
	AkdState *s = opaque;

	s->link.dead = false;
	s->link.dead_forever = false;
	/* Work that came due while the device was silent completes now. */
	akd_edma_resume(s);
	akd_npu_resume(s);
}

static void akd_clear_faults(AkdState *s)
{
	AkdLink *l = &s->link;

	l->fault_dma_abort = 0;
	l->fault_dma_err = 0;
	l->fault_delay_us = 0;
	l->fault_drop = 0;
	l->fault_npu_error = 0;
	l->fault_stall_ch = 0;
	l->fault_stall_us = 0;
	l->fault_doorbell_ch = 0;
	l->fault_npu_delay_us = 0;
}

/* ---- The window ----------------------------------------------------------- */

static bool akd_counter_reg(uint32_t off, unsigned int *idx, bool *hi)
{
	if (off < AKIDA_EMU_CNT_MMIO_READS ||
	    off >= AKIDA_EMU_CNT_MMIO_READS + AKD_CNT_NUM * 8)
		return false;
	*idx = (off - AKIDA_EMU_CNT_MMIO_READS) / 8;
	*hi = off & 4;
	return true;
}

uint32_t akd_test_read(AkdState *s, uint32_t off)
{
	AkdLink *l = &s->link;
	unsigned int idx;
	bool hi;

	if (akd_counter_reg(off, &idx, &hi)) {
		if (hi)
			return l->latch_hi[idx];
		l->latch_hi[idx] = l->cnt[idx] >> 32;
		return (uint32_t)l->cnt[idx];
	}
	switch (off) {
	case AKIDA_EMU_MAGIC:
		return AKIDA_EMU_MAGIC_VALUE;
	case AKIDA_EMU_IFVERSION:
		return 1;
	case AKIDA_EMU_CTRL:
		return 0;
	case AKIDA_EMU_TIMING:
		return s->timing_modeled;
	case AKIDA_EMU_LPDDR_SIZE:
		return s->lpddr_size;
	case AKIDA_EMU_FAULT_DMA_ABORT:
		return l->fault_dma_abort;
	case AKIDA_EMU_FAULT_DMA_ERRSTATUS:
		return l->fault_dma_err;
	case AKIDA_EMU_FAULT_DELAY_US:
		return l->fault_delay_us;
	case AKIDA_EMU_FAULT_DROP:
		return l->fault_drop;
	case AKIDA_EMU_FAULT_NPU_ERROR:
		return l->fault_npu_error;
	case AKIDA_EMU_FAULT_DEAD_MS:
		return 0;	/* only readable while alive */
	case AKIDA_EMU_FAULT_STALL_CH:
		return l->fault_stall_ch;
	case AKIDA_EMU_FAULT_STALL_US:
		return l->fault_stall_us;
	case AKIDA_EMU_FAULT_DOORBELL_CH:
		return l->fault_doorbell_ch;
	case AKIDA_EMU_FAULT_NPU_DELAY_US:
		return l->fault_npu_delay_us;
	case AKIDA_EMU_FAULT_NPU_STALE:
	case AKIDA_EMU_FAULT_SPURIOUS_MSI:
		return 0;
	case AKIDA_EMU_IATU_DELAY_US:
		return l->iatu_delay_us;
	case AKIDA_EMU_LINK_DELAY_US:
		return l->link_delay_us;
	case AKIDA_EMU_MODEL_IFACE:
		return s->model_iface;
	}
	qemu_log_mask(LOG_GUEST_ERROR,
		      "akd1000: test window read of unknown register 0x%x\n", off);
	return 0;
}

void akd_test_write(AkdState *s, uint32_t off, uint32_t val)
{
	AkdLink *l = &s->link;
	unsigned int idx;
	bool hi;

	if (akd_counter_reg(off, &idx, &hi)) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: test window counter 0x%x is read-only\n",
			      off);
		return;
	}
	switch (off) {
	case AKIDA_EMU_CTRL:
		if (val & AKIDA_EMU_CTRL_RESET_COUNTERS) {
			memset(l->cnt, 0, sizeof(l->cnt));
			memset(l->latch_hi, 0, sizeof(l->latch_hi));
		}
		if (val & AKIDA_EMU_CTRL_CLEAR_FAULTS)
			akd_clear_faults(s);
		return;
	case AKIDA_EMU_TIMING:
		if (val > 1) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "akd1000: timing mode %u ignored\n", val);
			return;
		}
		s->timing_modeled = val;
		return;
	case AKIDA_EMU_FAULT_DMA_ABORT:
		l->fault_dma_abort = val;
		return;
	case AKIDA_EMU_FAULT_DMA_ERRSTATUS:
		if (val < AKIDA_EMU_ERR_READ || val > AKIDA_EMU_ERR_LL_FETCH) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "akd1000: DMA fault kind %u ignored\n", val);
			return;
		}
		l->fault_dma_err = val;
		return;
	case AKIDA_EMU_FAULT_DELAY_US:
		l->fault_delay_us = val;
		return;
	case AKIDA_EMU_FAULT_DROP:
		l->fault_drop = val;
		return;
	case AKIDA_EMU_FAULT_NPU_ERROR:
		l->fault_npu_error = val;
		return;
	case AKIDA_EMU_FAULT_DEAD_MS:
		if (!val)
			return;
		l->dead = true;
		if (val == 0xffffffffu) {
			l->dead_forever = true;
			timer_del(l->dead_timer);
		} else {
			l->dead_forever = false;
			timer_mod(l->dead_timer,
				  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
				  (int64_t)val * SCALE_MS);
		}
		return;
	case AKIDA_EMU_FAULT_STALL_CH:
		l->fault_stall_ch = val & (AKIDA_EMU_CH_READ | 3u);
		return;
	case AKIDA_EMU_FAULT_STALL_US:
		l->fault_stall_us = val;
		return;
	case AKIDA_EMU_FAULT_DOORBELL_CH:
		l->fault_doorbell_ch = val & ((1u << 31) | AKIDA_EMU_CH_READ | 3u);
		return;
	case AKIDA_EMU_FAULT_SPURIOUS_MSI:
		akd_edma_spurious(s, MIN(val, 64u));
		return;
	case AKIDA_EMU_FAULT_NPU_DELAY_US:
		l->fault_npu_delay_us = val;
		return;
	case AKIDA_EMU_FAULT_NPU_STALE:
		akd_npu_stale_irq(s, val);
		return;
	case AKIDA_EMU_IATU_DELAY_US:
	case AKIDA_EMU_LINK_DELAY_US:
		if (val > AKD_READY_DELAY_MAX_US) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "akd1000: readiness delay %u us ignored "
				      "(at most %u)\n", val,
				      AKD_READY_DELAY_MAX_US);
			return;
		}
		if (off == AKIDA_EMU_IATU_DELAY_US)
			l->iatu_delay_us = val;
		else
			l->link_delay_us = val;
		return;
	case AKIDA_EMU_MAGIC:
	case AKIDA_EMU_IFVERSION:
	case AKIDA_EMU_LPDDR_SIZE:
	case AKIDA_EMU_MODEL_IFACE:
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: test window register 0x%x is read-only\n",
			      off);
		return;
	}
	qemu_log_mask(LOG_GUEST_ERROR,
		      "akd1000: test window write of unknown register 0x%x\n",
		      off);
}

/* ---- Life cycle ----------------------------------------------------------- */

void akd_link_realize(AkdState *s)
{
	s->link.dead_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, akd_dead_expire, s);
}

void akd_link_unrealize(AkdState *s)
{
	timer_free(s->link.dead_timer);
	s->link.dead_timer = NULL;
}

/*
 * Device reset: faults and the dead state end; the counters, the timing
 * mode and the readiness delays are test instrumentation and survive (CTRL
 * resets the counters). The link trains for link-delay-us: until then no BAR
 * answers.
 */
void akd_link_reset(AkdState *s)
{
	akd_clear_faults(s);
	s->link.link_ready_at = s->link.link_delay_us ?
		qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
		(int64_t)s->link.link_delay_us * SCALE_US : 0;
	timer_del(s->link.dead_timer);
	s->link.dead = false;
	s->link.dead_forever = false;
}

const VMStateDescription vmstate_akd_link = {
	.name = "akd1000-link",
	.version_id = 3,
	.minimum_version_id = 3,	/* more counters than version 2 */
	.fields = (VMStateField[]) {
		VMSTATE_UINT64_ARRAY(cnt, AkdLink, AKD_CNT_NUM),
		VMSTATE_UINT32_ARRAY(latch_hi, AkdLink, AKD_CNT_NUM),
		VMSTATE_UINT32(fault_dma_abort, AkdLink),
		VMSTATE_UINT32(fault_dma_err, AkdLink),
		VMSTATE_UINT32(fault_delay_us, AkdLink),
		VMSTATE_UINT32(fault_drop, AkdLink),
		VMSTATE_UINT32(fault_npu_error, AkdLink),
		VMSTATE_BOOL(dead, AkdLink),
		VMSTATE_BOOL(dead_forever, AkdLink),
		VMSTATE_TIMER_PTR(dead_timer, AkdLink),
		VMSTATE_UINT32_V(fault_stall_ch, AkdLink, 2),
		VMSTATE_UINT32_V(fault_stall_us, AkdLink, 2),
		VMSTATE_UINT32_V(fault_doorbell_ch, AkdLink, 2),
		VMSTATE_UINT32_V(fault_npu_delay_us, AkdLink, 2),
		VMSTATE_UINT32_V(iatu_delay_us, AkdLink, 2),
		VMSTATE_UINT32_V(link_delay_us, AkdLink, 2),
		VMSTATE_INT64_V(link_ready_at, AkdLink, 2),
		VMSTATE_END_OF_LIST()
	}
};
