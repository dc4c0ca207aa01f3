/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated BrainChip AKD1000: the DesignWare PCIe embedded DMA (eDMA) in the
 * legacy ("viewport") register format, 2 write and 2 read channels.
 *
 * The register block sits at DBI + 0x970. Global registers come first, then
 * a viewport select (bit 31: read direction, bits 2:0: channel) and one
 * channel window that shows the selected channel's context. A write channel
 * moves data from chip AXI memory to the host, a read channel from the host
 * into chip AXI memory.
 *
 * Only the linked-list mode is the hardware contract; a doorbell on a
 * channel without LLE runs the channel registers as one single block, as the
 * DesignWare engine does. A list is a sequence of 24-byte data elements
 * {control, size, SAR, DAR} and 16-byte link elements {control, reserved,
 * LLP}, read from chip memory (LPDDR or SRAM). The channel consumes elements
 * whose cycle bit (CB) equals its consumer cycle state (CCS) and stops at
 * the first one that does not; a link element jumps to its LLP and, with
 * TCB, toggles CCS.
 *
 * A doorbell only starts the channel. Each direction has one link, driven
 * by a QEMU_CLOCK_VIRTUAL timer: it carries one chunk (at most 64 KiB of one
 * channel's current element) at a time, which lands when its modeled time
 * has passed (timing=modeled) or at once (timing=immediate); the two
 * channels of a direction take turns chunk by chunk and so share its
 * bandwidth. An element with LIE or RIE raises DONE (and with RIE posts the
 * done IMWr) when its last chunk lands, and the channel goes on with the
 * next element (HARDWARE.md section 3a); when the element after it ends the
 * list, the channel stops at the same time.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "migration/vmstate.h"
#include "akd1000.h"
#include "akida_emu_regs.h"

/* Global registers, offsets from the eDMA base (DBI + 0x970) [dw]. */
#define EDMA_ARB_PRIOR		0x000
#define EDMA_CTRL		0x008
#define EDMA_WR_ENGINE_EN	0x00c
#define EDMA_WR_DOORBELL	0x010
#define EDMA_WR_ARB_WEIGHT_LO	0x018
#define EDMA_WR_ARB_WEIGHT_HI	0x01c
#define EDMA_RD_ENGINE_EN	0x02c
#define EDMA_RD_DOORBELL	0x030
#define EDMA_RD_ARB_WEIGHT_LO	0x038
#define EDMA_RD_ARB_WEIGHT_HI	0x03c
#define EDMA_WR_INT_STATUS	0x04c
#define EDMA_WR_INT_MASK	0x054
#define EDMA_WR_INT_CLEAR	0x058
#define EDMA_WR_ERR_STATUS	0x05c
#define EDMA_WR_DONE_IMWR_LO	0x060
#define EDMA_WR_DONE_IMWR_HI	0x064
#define EDMA_WR_ABORT_IMWR_LO	0x068
#define EDMA_WR_ABORT_IMWR_HI	0x06c
#define EDMA_WR_IMWR_DATA	0x070	/* 4 registers, one per channel pair */
#define EDMA_WR_LL_ERR_EN	0x090
#define EDMA_RD_INT_STATUS	0x0a0
#define EDMA_RD_INT_MASK	0x0a8
#define EDMA_RD_INT_CLEAR	0x0ac
#define EDMA_RD_ERR_STATUS_LO	0x0b4
#define EDMA_RD_ERR_STATUS_HI	0x0b8
#define EDMA_RD_LL_ERR_EN	0x0c4
#define EDMA_RD_DONE_IMWR_LO	0x0cc
#define EDMA_RD_DONE_IMWR_HI	0x0d0
#define EDMA_RD_ABORT_IMWR_LO	0x0d4
#define EDMA_RD_ABORT_IMWR_HI	0x0d8
#define EDMA_RD_IMWR_DATA	0x0dc	/* 4 registers */
#define EDMA_VIEWPORT_SEL	0x0fc
#define  EDMA_VIEWPORT_READ	(1u << 31)
#define  EDMA_VIEWPORT_CH	0x7u
/* The channel window. */
#define EDMA_CH_CONTROL1	0x100
#define EDMA_CH_CONTROL2	0x104
#define EDMA_CH_SIZE		0x108
#define EDMA_CH_SAR_LO		0x10c
#define EDMA_CH_SAR_HI		0x110
#define EDMA_CH_DAR_LO		0x114
#define EDMA_CH_DAR_HI		0x118
#define EDMA_CH_LLP_LO		0x11c
#define EDMA_CH_LLP_HI		0x120

/* Control bits of ch_control1 and of list elements. */
#define EDMA_CB			(1u << 0)
#define EDMA_TCB		(1u << 1)
#define EDMA_LLP		(1u << 2)
#define EDMA_LIE		(1u << 3)
#define EDMA_RIE		(1u << 4)
#define EDMA_CS_SHIFT		5
#define EDMA_CS_MASK		(3u << 5)
#define  EDMA_CS_RUNNING	1
#define  EDMA_CS_HALTED		2
#define  EDMA_CS_STOPPED	3
#define EDMA_CCS		(1u << 8)
#define EDMA_LLE		(1u << 9)

#define EDMA_DOORBELL_STOP	(1u << 31)
#define EDMA_DOORBELL_CH	0x7u
#define EDMA_DONE(ch)		(1u << (ch))
#define EDMA_ABORT(ch)		(1u << (16 + (ch)))
#define EDMA_INT_BITS		0x00ff00ffu

#define EDMA_DATA_ELEM_SIZE	24
#define EDMA_LINK_ELEM_SIZE	16

/* Channel results. */
#define EDMA_RES_DONE		0
#define EDMA_RES_ABORT(err)	(1 + (err))

static const char *const akd_dir_name[2] = { "write", "read" };

static AkdEdmaChan *akd_ch(AkdState *s, int dir, int ch)
{
	return &s->edma.ch[dir * AKD_EDMA_CHANNELS + ch];
}

static void akd_ch_set_cs(AkdEdmaChan *c, uint32_t cs)
{
	c->ctrl1 = (c->ctrl1 & ~EDMA_CS_MASK) | (cs << EDMA_CS_SHIFT);
}

static uint32_t akd_imwr_data(AkdState *s, int dir, int ch)
{
	uint32_t v = s->edma.imwr_data[dir * 4 + ch / 2];

	return ch & 1 ? v >> 16 : v & 0xffff;
}

/* ---- Completion ------------------------------------------------------------ */

static void akd_edma_set_error(AkdState *s, int dir, int ch, uint32_t err)
{
	AkdEdma *e = &s->edma;

	switch (err) {
	case AKD_EDMA_ERR_READ:
		if (dir == AKD_WR)
			e->err_status[AKD_WR] |= 1u << ch;	/* app read error */
		else
			e->err_status_hi |= 1u << ch;	/* unsupported request */
		break;
	case AKD_EDMA_ERR_WRITE:
		/*
		 * Read channels report AXI write errors; the write channel has
		 * no field for a failed posted write to the host, so the model
		 * reports it as its only data error (app read error).
		 */
		e->err_status[dir] |= 1u << ch;
		break;
	case AKD_EDMA_ERR_FETCH:
		e->err_status[dir] |= 1u << (16 + ch);
		break;
	default:
		break;
	}
}

static void akd_edma_complete(AkdState *s, int dir, int ch)
{
	AkdEdma *e = &s->edma;
	AkdEdmaChan *c = akd_ch(s, dir, ch);
	uint32_t data = akd_imwr_data(s, dir, ch);

	if (!c->running || c->walking)
		return;
	if (akd_dead(s))
		return;		/* akd_edma_resume() completes it */
	c->running = false;
	c->ctrl1 = (c->ctrl1 & ~EDMA_CCS) | (c->ccs ? EDMA_CCS : 0);

	if (c->result == EDMA_RES_DONE) {
		akd_ch_set_cs(c, EDMA_CS_STOPPED);
		if (!c->irq_local && !c->irq_remote)
			return;
		e->int_status[dir] |= EDMA_DONE(ch);
		if (!c->irq_remote || (e->int_mask[dir] & EDMA_DONE(ch)))
			return;
		if (akd_fault_drop_irq(s))
			return;
		akd_post_imwr(s, e->done_imwr[dir], data, "eDMA done");
		return;
	}

	akd_ch_set_cs(c, EDMA_CS_HALTED);
	e->int_status[dir] |= EDMA_ABORT(ch);
	akd_edma_set_error(s, dir, ch, c->result - 1);
	akd_link_charge(s, AKD_CNT_DMA_ABORTS, 1);
	if (e->int_mask[dir] & EDMA_ABORT(ch))
		return;
	/* In linked-list mode the remote abort IMWr needs LLRAIE. */
	if ((c->ctrl1 & EDMA_LLE) && !(e->ll_err_en[dir] & (1u << ch)))
		return;
	if (akd_fault_drop_irq(s))
		return;
	akd_post_imwr(s, e->abort_imwr[dir], data, "eDMA abort");
}

/*
 * FAULT_SPURIOUS_MSI: @n done IMWr writes of the write direction (channel
 * 0's data) that no completion caused: INT_STATUS stays as it is.
 */
void akd_edma_spurious(AkdState *s, uint32_t n)
{
	AkdEdma *e = &s->edma;

	if (akd_dead(s))
		return;
	while (n--)
		akd_post_imwr(s, e->done_imwr[AKD_WR], akd_imwr_data(s, AKD_WR, 0),
			      "spurious eDMA done");
}

static void akd_edma_link_kick(AkdState *s, int dir)
{
	timer_mod(s->edma.link_timer[dir], qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
}

static void akd_edma_timer(void *opaque)
{
	AkdEdmaChan *c = opaque;
	AkdState *s = c->owner;

	if (c->paused) {
		/* An injected stall is over: back on the link. */
		if (akd_dead(s))
			return;		/* akd_edma_resume() */
		c->paused = false;
		akd_edma_link_kick(s, c->dir);
		return;
	}
	akd_edma_complete(s, c->dir, c->id);
}

/*
 * The walk ended (end of list, abort, stop): the channel completes now, or
 * later by an injected completion delay. Its modeled time has already
 * passed on the link.
 */
static void akd_edma_finish(AkdState *s, int dir, int ch, uint32_t result)
{
	AkdEdmaChan *c = akd_ch(s, dir, ch);
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

	c->walking = false;
	c->elem_active = false;
	c->paused = false;
	c->result = result;
	c->deadline = now + akd_completion_delay_ns(s);
	if (c->deadline <= now)
		akd_edma_complete(s, dir, ch);
	else
		timer_mod(c->timer, c->deadline);
}

static void akd_edma_abort(AkdState *s, int dir, int ch, uint32_t err,
			   const char *why)
{
	AkdEdmaChan *c = akd_ch(s, dir, ch);

	qemu_log_mask(LOG_GUEST_ERROR,
		      "akd1000: eDMA %s channel %d aborts: %s (element at AXI "
		      "0x%" PRIx64 ")\n", akd_dir_name[dir], ch, why, c->llp);
	akd_edma_finish(s, dir, ch, EDMA_RES_ABORT(err));
}

/* ---- The walk ---------------------------------------------------------------- */

/*
 * akd_edma_fetch() - fetch and check the next element; returns false when
 * the channel finished (stopped or aborted).
 */
static bool akd_edma_fetch(AkdState *s, int dir, int ch)
{
	AkdEdmaChan *c = akd_ch(s, dir, ch);
	uint64_t axi, host, end;
	uint32_t ctrl, size, off, fault;
	int64_t stall;
	uint8_t *el;
	int t;

	if (c->fault_db) {
		c->fault_db = false;
		akd_edma_abort(s, dir, ch, akd_fault_dma_kind(s),
			       "injected doorbell fault");
		return false;
	}
	if (!(c->ctrl1 & EDMA_LLE)) {
		/* Single block: the channel registers are the one element. */
		if (c->elements) {
			akd_edma_finish(s, dir, ch, EDMA_RES_DONE);
			return false;
		}
		ctrl = c->ctrl1 & (EDMA_LIE | EDMA_RIE);
		size = c->size;
		c->cur_src = c->sar;
		c->cur_dst = c->dar;
		c->elements = 1;
		goto data;
	}

	if (c->llp & 7) {
		akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_FETCH,
			       "list element not 8-byte aligned");
		return false;
	}
	if (c->elements >= AKD_EDMA_MAX_ELEMENTS) {
		akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_FETCH,
			       "more than 65536 elements for one doorbell "
			       "(cyclic list?)");
		return false;
	}
	el = akd_axi_mem(s, c->llp, EDMA_LINK_ELEM_SIZE);
	if (!el) {
		akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_FETCH,
			       "element not in chip memory");
		return false;
	}
	akd_link_charge(s, AKD_CNT_LL_FETCHES, 1);
	ctrl = ldl_le_p(el);
	if (!!(ctrl & EDMA_CB) != c->ccs) {
		/* The producer has not filled this element: end of the list. */
		akd_edma_finish(s, dir, ch, EDMA_RES_DONE);
		return false;
	}
	c->elements++;
	if (ctrl & EDMA_LLP) {
		c->llp = ldq_le_p(el + 8);
		if (ctrl & EDMA_TCB)
			c->ccs = !c->ccs;
		return true;
	}
	el = akd_axi_mem(s, c->llp, EDMA_DATA_ELEM_SIZE);
	if (!el) {
		akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_FETCH,
			       "data element not in chip memory");
		return false;
	}
	size = ldl_le_p(el + 4);
	c->cur_src = ldq_le_p(el + 8);
	c->cur_dst = ldq_le_p(el + 16);

data:
	fault = akd_fault_dma_element(s);
	if (fault) {
		static const uint32_t kind[] = {
			[AKIDA_EMU_ERR_READ] = AKD_EDMA_ERR_READ,
			[AKIDA_EMU_ERR_WRITE] = AKD_EDMA_ERR_WRITE,
			[AKIDA_EMU_ERR_LL_FETCH] = AKD_EDMA_ERR_FETCH,
		};

		akd_edma_abort(s, dir, ch, kind[fault], "injected fault");
		return false;
	}
	c->cur_ctrl = ctrl;
	c->cur_left = size;
	/* The context registers show the element being moved. */
	c->size = size;
	c->sar = c->cur_src;
	c->dar = c->cur_dst;

	if (!size) {
		akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_FETCH,
			       "element of 0 bytes");
		return false;
	}
	if (c->bytes + size > AKD_EDMA_MAX_BYTES) {
		akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_FETCH,
			       "more than 4 GiB for one doorbell");
		return false;
	}
	axi = dir == AKD_WR ? c->cur_src : c->cur_dst;
	host = dir == AKD_WR ? c->cur_dst : c->cur_src;
	t = akd_axi_decode(s, axi, size, &off);
	if (t == AKD_AXI_NONE ||
	    ((t == AKD_AXI_NPU || t == AKD_AXI_DBI) && ((axi | size) & 3)) ||
	    (t == AKD_AXI_DBI && dir == AKD_RD)) {
		akd_edma_abort(s, dir, ch, dir == AKD_WR ? AKD_EDMA_ERR_READ :
			       AKD_EDMA_ERR_WRITE, "invalid AXI address range");
		return false;
	}
	if (uadd64_overflow(host, size, &end)) {
		akd_edma_abort(s, dir, ch, dir == AKD_WR ? AKD_EDMA_ERR_WRITE :
			       AKD_EDMA_ERR_READ, "host address range wraps");
		return false;
	}
	c->elem_active = true;
	stall = akd_fault_stall_ns(s, dir, ch);
	if (stall) {
		/* The channel waits, the link serves the other one meanwhile. */
		c->paused = true;
		c->resume_at = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + stall;
		timer_mod(c->timer, c->resume_at);
	}
	return true;
}

/*
 * akd_edma_elem_end() - the last chunk of the current data element has
 * landed: the element completes now. With LIE or RIE it raises DONE (and
 * the done IMWr for RIE) and the channel goes on; when the element after
 * it ends the list, the channel stops at the same time, with that
 * interrupt (HARDWARE.md section 3a).
 */
static void akd_edma_elem_end(AkdState *s, int dir, int ch)
{
	AkdEdma *e = &s->edma;
	AkdEdmaChan *c = akd_ch(s, dir, ch);
	uint64_t ns = akd_dma_element_ns(c->size);
	uint8_t *el;

	c->elem_active = false;
	akd_link_charge(s, AKD_CNT_DMA_ELEMENTS, 1);
	akd_link_charge(s, AKD_CNT_DMA_NS, ns);
	c->irq_local = !!(c->cur_ctrl & EDMA_LIE);
	c->irq_remote = !!(c->cur_ctrl & EDMA_RIE);
	c->sar = c->cur_src;
	c->dar = c->cur_dst;
	c->size = 0;
	if (!(c->ctrl1 & EDMA_LLE))
		return;		/* single block: the next fetch finishes */
	c->llp += EDMA_DATA_ELEM_SIZE;
	if (!c->irq_local && !c->irq_remote)
		return;
	el = c->llp & 7 ? NULL : akd_axi_mem(s, c->llp, 4);
	if (el)
		akd_link_charge(s, AKD_CNT_LL_FETCHES, 1);	/* the look-ahead */
	if (el && !!(ldl_le_p(el) & EDMA_CB) != c->ccs) {
		akd_edma_finish(s, dir, ch, EDMA_RES_DONE);
		return;
	}
	e->int_status[dir] |= EDMA_DONE(ch);
	if (c->irq_remote && !(e->int_mask[dir] & EDMA_DONE(ch)) &&
	    !akd_fault_drop_irq(s))
		akd_post_imwr(s, e->done_imwr[dir], akd_imwr_data(s, dir, ch),
			      "eDMA done");
	c->irq_local = false;
	c->irq_remote = false;
}

/*
 * akd_edma_commit() - the chunk in flight on @dir's link has reached its
 * end time: move its bytes now (none of them moved before). Returns false
 * if the channel aborted.
 */
static bool akd_edma_commit(AkdState *s, int dir, int ch, uint32_t n)
{
	AkdEdmaChan *c = akd_ch(s, dir, ch);
	uint8_t *buf = s->edma.bounce;

	if (dir == AKD_WR) {
		if (!akd_axi_read(s, c->cur_src, buf, n)) {
			akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_READ,
				       "AXI read error");
			return false;
		}
		if (akd_host_dma(s, c->cur_dst, buf, n, true)) {
			akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_WRITE,
				       "host write error");
			return false;
		}
		akd_link_charge(s, AKD_CNT_D2H_BYTES, n);
	} else {
		if (akd_host_dma(s, c->cur_src, buf, n, false)) {
			akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_READ,
				       "host read error (unsupported request)");
			return false;
		}
		if (!akd_axi_write(s, c->cur_dst, buf, n)) {
			akd_edma_abort(s, dir, ch, AKD_EDMA_ERR_WRITE,
				       "AXI write error");
			return false;
		}
		akd_link_charge(s, AKD_CNT_H2D_BYTES, n);
	}
	c->cur_src += n;
	c->cur_dst += n;
	c->cur_left -= n;
	c->bytes += n;
	akd_link_charge(s, AKD_CNT_DMA_BYTES, n);
	if (!c->cur_left)
		akd_edma_elem_end(s, dir, ch);
	return true;
}

/*
 * The modeled time of bytes [@from, @to) of an element of @size bytes:
 * its share of 0.5 us + size / 450 MB/s, the 0.5 us with the first chunk,
 * computed from the element's start so that chunks add up exactly.
 */
static uint64_t akd_chunk_ns(uint64_t from, uint64_t to)
{
	return (from ? 0 : 500) + to * 20 / 9 - from * 20 / 9;
}

/*
 * The stop bit (or disabling the engine) halts a running channel at once,
 * whether it is still walking its list or waiting for its modeled
 * completion: the channel aborts without an error status, and a chunk of
 * it in flight on the link never lands.
 */
static void akd_edma_halt(AkdState *s, int dir, int ch)
{
	AkdEdma *e = &s->edma;
	AkdEdmaChan *c = akd_ch(s, dir, ch);

	c->stop_req = false;
	if (!c->running)
		return;
	if (e->fly_ch[dir] == ch) {
		e->fly_ch[dir] = -1;
		e->link_free[dir] = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	}
	timer_del(c->timer);
	c->walking = false;
	c->elem_active = false;
	c->paused = false;
	c->result = EDMA_RES_ABORT(AKD_EDMA_ERR_NONE);
	c->deadline = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	akd_edma_complete(s, dir, ch);
}

/* The channel of @dir that the link serves next (round robin), or -1. */
static int akd_edma_next_ch(AkdState *s, int dir)
{
	int i;

	for (i = 1; i <= AKD_EDMA_CHANNELS; i++) {
		int ch = (s->edma.rr[dir] + i) % AKD_EDMA_CHANNELS;
		AkdEdmaChan *c = akd_ch(s, dir, ch);

		if (c->running && c->walking && !c->paused)
			return ch;
	}
	return -1;
}

/*
 * akd_edma_link_run() - one direction's link, on QEMU_CLOCK_VIRTUAL: land
 * the chunk in flight when its time has come, then give the link to the
 * next channel with work (round robin by chunk, so two channels of one
 * direction share its bandwidth), fetching elements as they start. With
 * timing=immediate chunks take no time; the work is then bounded per call
 * and continues on the next nanosecond of the clock.
 */
static void akd_edma_link_run(AkdState *s, int dir)
{
	AkdEdma *e = &s->edma;
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	uint64_t moved = 0;
	int steps, ch;

	if (akd_dead(s))
		return;		/* akd_edma_resume() restarts us */
	for (ch = 0; ch < AKD_EDMA_CHANNELS; ch++)
		if (akd_ch(s, dir, ch)->stop_req)
			akd_edma_halt(s, dir, ch);

	for (steps = 0; steps < 4096 && moved < AKD_EDMA_BUDGET; steps++) {
		AkdEdmaChan *c;
		uint32_t n;
		int64_t start;

		if (e->fly_ch[dir] >= 0) {
			if (e->fly_end[dir] > now) {
				timer_mod(e->link_timer[dir], e->fly_end[dir]);
				return;
			}
			ch = e->fly_ch[dir];
			e->fly_ch[dir] = -1;
			e->link_free[dir] = e->fly_end[dir];
			akd_link_charge(s, AKD_CNT_NPU_DMA_OVERLAP_NS,
					akd_npu_busy_within(s, e->fly_start[dir],
							    e->fly_end[dir]));
			moved += e->fly_n[dir];
			akd_edma_commit(s, dir, ch, e->fly_n[dir]);
			continue;
		}
		ch = akd_edma_next_ch(s, dir);
		if (ch < 0)
			return;		/* idle */
		c = akd_ch(s, dir, ch);
		if (!c->elem_active) {
			akd_edma_fetch(s, dir, ch);
			continue;	/* finished, a link element, or paused */
		}
		/* The next chunk: whole words for register targets. */
		n = MIN(c->cur_left, AKD_EDMA_CHUNK);
		e->rr[dir] = ch;
		start = MAX(e->link_free[dir], now);
		e->fly_ch[dir] = ch;
		e->fly_n[dir] = n;
		e->fly_start[dir] = start;
		e->fly_end[dir] = start;
		if (s->timing_modeled)
			e->fly_end[dir] += akd_chunk_ns(c->size - c->cur_left,
							c->size - c->cur_left + n);
	}
	timer_mod(e->link_timer[dir], now + 1);
}

static void akd_edma_link_timer_wr(void *opaque)
{
	akd_edma_link_run(opaque, AKD_WR);
}

static void akd_edma_link_timer_rd(void *opaque)
{
	akd_edma_link_run(opaque, AKD_RD);
}

/* ---- Registers ------------------------------------------------------------- */

static void akd_edma_doorbell(AkdState *s, int dir, uint32_t val)
{
	AkdEdma *e = &s->edma;
	int ch = val & EDMA_DOORBELL_CH;
	AkdEdmaChan *c;

	if (ch >= AKD_EDMA_CHANNELS) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA %s doorbell for channel %d, which "
			      "does not exist\n", akd_dir_name[dir], ch);
		return;
	}
	c = akd_ch(s, dir, ch);
	if (val & EDMA_DOORBELL_STOP) {
		if (!c->running) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "akd1000: eDMA %s channel %d: stop while "
				      "idle\n", akd_dir_name[dir], ch);
			return;
		}
		c->stop_req = true;
		akd_edma_link_kick(s, dir);
		return;
	}
	if (!(e->engine_en[dir] & 1)) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA %s doorbell with the engine "
			      "disabled, ignored\n", akd_dir_name[dir]);
		return;
	}
	if (c->running) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA %s channel %d: doorbell while "
			      "running, ignored\n", akd_dir_name[dir], ch);
		return;
	}
	c->running = true;
	c->walking = true;
	c->elem_active = false;
	c->paused = false;
	c->stop_req = false;
	c->ccs = !!(c->ctrl1 & EDMA_CCS);
	c->irq_local = false;
	c->irq_remote = false;
	c->elements = 0;
	c->bytes = 0;
	c->modeled_ns = 0;
	c->fault_db = akd_fault_doorbell(s, dir, ch);
	c->result = EDMA_RES_DONE;
	c->deadline = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	akd_ch_set_cs(c, EDMA_CS_RUNNING);
	akd_edma_link_kick(s, dir);
}

static void akd_edma_engine_en(AkdState *s, int dir, uint32_t val)
{
	int ch;

	s->edma.engine_en[dir] = val & 1;
	if (val & 1)
		return;
	/* Disabling the engine halts its running channels. */
	for (ch = 0; ch < AKD_EDMA_CHANNELS; ch++) {
		AkdEdmaChan *c = akd_ch(s, dir, ch);

		if (c->running) {
			c->stop_req = true;
			akd_edma_link_kick(s, dir);
		}
	}
}

static void akd_edma_int_clear(AkdState *s, int dir, uint32_t val)
{
	AkdEdma *e = &s->edma;
	int ch;

	e->int_status[dir] &= ~(val & EDMA_INT_BITS);
	/* Clearing an abort clears that channel's error status. */
	for (ch = 0; ch < AKD_EDMA_CHANNELS; ch++) {
		uint32_t bits = (1u << ch) | (1u << (16 + ch));

		if (!(val & EDMA_ABORT(ch)))
			continue;
		e->err_status[dir] &= ~bits;
		if (dir == AKD_RD)
			e->err_status_hi &= ~(0x01010101u << ch);
	}
}

static AkdEdmaChan *akd_edma_view(AkdState *s)
{
	uint32_t vp = s->edma.viewport;
	int ch = vp & EDMA_VIEWPORT_CH;

	if (ch >= AKD_EDMA_CHANNELS)
		return NULL;
	return akd_ch(s, vp & EDMA_VIEWPORT_READ ? AKD_RD : AKD_WR, ch);
}

uint32_t akd_edma_read(AkdState *s, uint32_t off)
{
	AkdEdma *e = &s->edma;
	AkdEdmaChan *c;

	switch (off) {
	case EDMA_ARB_PRIOR:		return e->arb_prior;
	case EDMA_CTRL:
		return AKD_EDMA_CHANNELS | (AKD_EDMA_CHANNELS << 16);
	case EDMA_WR_ENGINE_EN:		return e->engine_en[AKD_WR];
	case EDMA_RD_ENGINE_EN:		return e->engine_en[AKD_RD];
	case EDMA_WR_DOORBELL:
	case EDMA_RD_DOORBELL:
	case EDMA_WR_INT_CLEAR:
	case EDMA_RD_INT_CLEAR:
		return 0;
	case EDMA_WR_ARB_WEIGHT_LO:	return e->arb_weight[AKD_WR];
	case EDMA_WR_ARB_WEIGHT_HI:	return e->arb_weight[AKD_WR] >> 32;
	case EDMA_RD_ARB_WEIGHT_LO:	return e->arb_weight[AKD_RD];
	case EDMA_RD_ARB_WEIGHT_HI:	return e->arb_weight[AKD_RD] >> 32;
	case EDMA_WR_INT_STATUS:	return e->int_status[AKD_WR];
	case EDMA_RD_INT_STATUS:	return e->int_status[AKD_RD];
	case EDMA_WR_INT_MASK:		return e->int_mask[AKD_WR];
	case EDMA_RD_INT_MASK:		return e->int_mask[AKD_RD];
	case EDMA_WR_ERR_STATUS:	return e->err_status[AKD_WR];
	case EDMA_RD_ERR_STATUS_LO:	return e->err_status[AKD_RD];
	case EDMA_RD_ERR_STATUS_HI:	return e->err_status_hi;
	case EDMA_WR_DONE_IMWR_LO:	return e->done_imwr[AKD_WR];
	case EDMA_WR_DONE_IMWR_HI:	return e->done_imwr[AKD_WR] >> 32;
	case EDMA_WR_ABORT_IMWR_LO:	return e->abort_imwr[AKD_WR];
	case EDMA_WR_ABORT_IMWR_HI:	return e->abort_imwr[AKD_WR] >> 32;
	case EDMA_RD_DONE_IMWR_LO:	return e->done_imwr[AKD_RD];
	case EDMA_RD_DONE_IMWR_HI:	return e->done_imwr[AKD_RD] >> 32;
	case EDMA_RD_ABORT_IMWR_LO:	return e->abort_imwr[AKD_RD];
	case EDMA_RD_ABORT_IMWR_HI:	return e->abort_imwr[AKD_RD] >> 32;
	case EDMA_WR_LL_ERR_EN:		return e->ll_err_en[AKD_WR];
	case EDMA_RD_LL_ERR_EN:		return e->ll_err_en[AKD_RD];
	case EDMA_VIEWPORT_SEL:		return e->viewport;
	}
	if (off >= EDMA_WR_IMWR_DATA && off < EDMA_WR_IMWR_DATA + 16)
		return e->imwr_data[(off - EDMA_WR_IMWR_DATA) / 4];
	if (off >= EDMA_RD_IMWR_DATA && off < EDMA_RD_IMWR_DATA + 16)
		return e->imwr_data[4 + (off - EDMA_RD_IMWR_DATA) / 4];

	if (off >= EDMA_CH_CONTROL1 && off <= EDMA_CH_LLP_HI) {
		c = akd_edma_view(s);
		if (!c)
			return 0;
		switch (off) {
		case EDMA_CH_CONTROL1:	return c->ctrl1;
		case EDMA_CH_CONTROL2:	return c->ctrl2;
		case EDMA_CH_SIZE:	return c->size;
		case EDMA_CH_SAR_LO:	return c->sar;
		case EDMA_CH_SAR_HI:	return c->sar >> 32;
		case EDMA_CH_DAR_LO:	return c->dar;
		case EDMA_CH_DAR_HI:	return c->dar >> 32;
		case EDMA_CH_LLP_LO:	return c->llp;
		case EDMA_CH_LLP_HI:	return c->llp >> 32;
		}
	}
	return 0;
}

static void akd_set_lo(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffff00000000ull) | v;
}

static void akd_set_hi(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | ((uint64_t)v << 32);
}

static void akd_edma_ch_write(AkdState *s, uint32_t off, uint32_t val)
{
	AkdEdmaChan *c = akd_edma_view(s);

	if (!c) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA viewport selects channel %u, which "
			      "does not exist\n",
			      s->edma.viewport & EDMA_VIEWPORT_CH);
		return;
	}
	if (c->running) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA channel register 0x%x written while "
			      "the channel runs, ignored\n", off);
		return;
	}
	switch (off) {
	case EDMA_CH_CONTROL1:
		/* CS is read-only. */
		c->ctrl1 = (val & ~EDMA_CS_MASK) | (c->ctrl1 & EDMA_CS_MASK);
		break;
	case EDMA_CH_CONTROL2:	c->ctrl2 = val; break;
	case EDMA_CH_SIZE:	c->size = val; break;
	case EDMA_CH_SAR_LO:	akd_set_lo(&c->sar, val); break;
	case EDMA_CH_SAR_HI:	akd_set_hi(&c->sar, val); break;
	case EDMA_CH_DAR_LO:	akd_set_lo(&c->dar, val); break;
	case EDMA_CH_DAR_HI:	akd_set_hi(&c->dar, val); break;
	case EDMA_CH_LLP_LO:	akd_set_lo(&c->llp, val); break;
	case EDMA_CH_LLP_HI:	akd_set_hi(&c->llp, val); break;
	}
}

void akd_edma_write(AkdState *s, uint32_t off, uint32_t val)
{
	AkdEdma *e = &s->edma;

	akd_link_charge(s, AKD_CNT_WR_EDMA, 1);
	switch (off) {
	case EDMA_ARB_PRIOR:		e->arb_prior = val; return;
	case EDMA_WR_ENGINE_EN:		akd_edma_engine_en(s, AKD_WR, val); return;
	case EDMA_RD_ENGINE_EN:		akd_edma_engine_en(s, AKD_RD, val); return;
	case EDMA_WR_DOORBELL:		akd_edma_doorbell(s, AKD_WR, val); return;
	case EDMA_RD_DOORBELL:		akd_edma_doorbell(s, AKD_RD, val); return;
	case EDMA_WR_ARB_WEIGHT_LO:	akd_set_lo(&e->arb_weight[AKD_WR], val); return;
	case EDMA_WR_ARB_WEIGHT_HI:	akd_set_hi(&e->arb_weight[AKD_WR], val); return;
	case EDMA_RD_ARB_WEIGHT_LO:	akd_set_lo(&e->arb_weight[AKD_RD], val); return;
	case EDMA_RD_ARB_WEIGHT_HI:	akd_set_hi(&e->arb_weight[AKD_RD], val); return;
	case EDMA_WR_INT_MASK:	e->int_mask[AKD_WR] = val & EDMA_INT_BITS; return;
	case EDMA_RD_INT_MASK:	e->int_mask[AKD_RD] = val & EDMA_INT_BITS; return;
	case EDMA_WR_INT_CLEAR:		akd_edma_int_clear(s, AKD_WR, val); return;
	case EDMA_RD_INT_CLEAR:		akd_edma_int_clear(s, AKD_RD, val); return;
	case EDMA_WR_DONE_IMWR_LO:	akd_set_lo(&e->done_imwr[AKD_WR], val); return;
	case EDMA_WR_DONE_IMWR_HI:	akd_set_hi(&e->done_imwr[AKD_WR], val); return;
	case EDMA_WR_ABORT_IMWR_LO:	akd_set_lo(&e->abort_imwr[AKD_WR], val); return;
	case EDMA_WR_ABORT_IMWR_HI:	akd_set_hi(&e->abort_imwr[AKD_WR], val); return;
	case EDMA_RD_DONE_IMWR_LO:	akd_set_lo(&e->done_imwr[AKD_RD], val); return;
	case EDMA_RD_DONE_IMWR_HI:	akd_set_hi(&e->done_imwr[AKD_RD], val); return;
	case EDMA_RD_ABORT_IMWR_LO:	akd_set_lo(&e->abort_imwr[AKD_RD], val); return;
	case EDMA_RD_ABORT_IMWR_HI:	akd_set_hi(&e->abort_imwr[AKD_RD], val); return;
	case EDMA_WR_LL_ERR_EN:	e->ll_err_en[AKD_WR] = val & EDMA_INT_BITS; return;
	case EDMA_RD_LL_ERR_EN:	e->ll_err_en[AKD_RD] = val & EDMA_INT_BITS; return;
	case EDMA_VIEWPORT_SEL:
		e->viewport = val & (EDMA_VIEWPORT_READ | EDMA_VIEWPORT_CH);
		return;
	case EDMA_CTRL:
	case EDMA_WR_INT_STATUS:
	case EDMA_RD_INT_STATUS:
	case EDMA_WR_ERR_STATUS:
	case EDMA_RD_ERR_STATUS_LO:
	case EDMA_RD_ERR_STATUS_HI:
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA register 0x%x is read-only\n", off);
		return;
	}
	if (off >= EDMA_WR_IMWR_DATA && off < EDMA_WR_IMWR_DATA + 16) {
		e->imwr_data[(off - EDMA_WR_IMWR_DATA) / 4] = val;
		return;
	}
	if (off >= EDMA_RD_IMWR_DATA && off < EDMA_RD_IMWR_DATA + 16) {
		e->imwr_data[4 + (off - EDMA_RD_IMWR_DATA) / 4] = val;
		return;
	}
	if (off >= EDMA_CH_CONTROL1 && off <= EDMA_CH_LLP_HI) {
		akd_edma_ch_write(s, off, val);
		return;
	}
	if (off == EDMA_VIEWPORT_SEL - 4)
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA write of reserved offset 0x0f8 "
			      "ignored (the viewport select is at 0x0fc, "
			      "DMA_VIEWPORT_SEL_OFF 0xa6c)\n");
	else
		qemu_log_mask(LOG_GUEST_ERROR,
			      "akd1000: eDMA write of reserved offset 0x%x "
			      "ignored\n", off);
}

/* ---- Life cycle ------------------------------------------------------------ */

void akd_edma_realize(AkdState *s)
{
	int i;

	s->edma.bounce = g_malloc(AKD_EDMA_CHUNK);
	s->edma.link_timer[AKD_WR] = timer_new_ns(QEMU_CLOCK_VIRTUAL,
						  akd_edma_link_timer_wr, s);
	s->edma.link_timer[AKD_RD] = timer_new_ns(QEMU_CLOCK_VIRTUAL,
						  akd_edma_link_timer_rd, s);
	s->edma.fly_ch[AKD_WR] = -1;
	s->edma.fly_ch[AKD_RD] = -1;
	for (i = 0; i < 2 * AKD_EDMA_CHANNELS; i++) {
		AkdEdmaChan *c = &s->edma.ch[i];

		c->owner = s;
		c->dir = i / AKD_EDMA_CHANNELS;
		c->id = i % AKD_EDMA_CHANNELS;
		c->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, akd_edma_timer, c);
	}
}

void akd_edma_unrealize(AkdState *s)
{
	int i;

	for (i = 0; i < 2 * AKD_EDMA_CHANNELS; i++) {
		timer_free(s->edma.ch[i].timer);
		s->edma.ch[i].timer = NULL;
	}
	for (i = 0; i < 2; i++) {
		timer_free(s->edma.link_timer[i]);
		s->edma.link_timer[i] = NULL;
	}
	g_free(s->edma.bounce);
	s->edma.bounce = NULL;
}

void akd_edma_reset(AkdState *s)
{
	AkdEdma *e = &s->edma;
	int i;

	for (i = 0; i < 2; i++) {
		timer_del(e->link_timer[i]);
		e->fly_ch[i] = -1;
		e->fly_n[i] = 0;
		e->fly_end[i] = 0;
		e->link_free[i] = 0;
		e->rr[i] = 0;
	}
	e->arb_prior = 0;
	memset(e->engine_en, 0, sizeof(e->engine_en));
	memset(e->arb_weight, 0, sizeof(e->arb_weight));
	memset(e->int_status, 0, sizeof(e->int_status));
	memset(e->int_mask, 0, sizeof(e->int_mask));
	memset(e->err_status, 0, sizeof(e->err_status));
	e->err_status_hi = 0;
	memset(e->done_imwr, 0, sizeof(e->done_imwr));
	memset(e->abort_imwr, 0, sizeof(e->abort_imwr));
	memset(e->imwr_data, 0, sizeof(e->imwr_data));
	memset(e->ll_err_en, 0, sizeof(e->ll_err_en));
	e->viewport = 0;
	for (i = 0; i < 2 * AKD_EDMA_CHANNELS; i++) {
		AkdEdmaChan *c = &e->ch[i];

		timer_del(c->timer);
		c->ctrl1 = 0;
		c->ctrl2 = 0;
		c->size = 0;
		c->sar = 0;
		c->dar = 0;
		c->llp = 0;
		c->running = false;
		c->walking = false;
		c->elem_active = false;
		c->paused = false;
		c->stop_req = false;
	}
}

/* Check what a migration stream says about the links (they index arrays). */
int akd_edma_post_load(AkdState *s)
{
	AkdEdma *e = &s->edma;
	int i;

	for (i = 0; i < 2; i++) {
		if (e->fly_ch[i] < -1 || e->fly_ch[i] >= AKD_EDMA_CHANNELS ||
		    e->rr[i] < 0 || e->rr[i] >= AKD_EDMA_CHANNELS ||
		    e->fly_n[i] > AKD_EDMA_CHUNK)
			return -EINVAL;
		if (e->fly_ch[i] >= 0 &&
		    e->fly_n[i] > e->ch[i * AKD_EDMA_CHANNELS + e->fly_ch[i]].cur_left)
			return -EINVAL;
	}
	return 0;
}

/* After the device was silent, or after migration: pick up the work. */
void akd_edma_resume(AkdState *s)
{
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	int i;

	for (i = 0; i < 2 * AKD_EDMA_CHANNELS; i++) {
		AkdEdmaChan *c = &s->edma.ch[i];

		if (c->paused)
			timer_mod(c->timer, MAX(c->resume_at, now));
		else if (c->walking)
			akd_edma_link_kick(s, c->dir);
		else if (c->running && c->deadline <= now)
			akd_edma_complete(s, c->dir, c->id);
		else if (c->running)
			timer_mod(c->timer, c->deadline);
	}
	for (i = 0; i < 2; i++)
		if (s->edma.fly_ch[i] >= 0)
			timer_mod(s->edma.link_timer[i],
				  MAX(s->edma.fly_end[i], now));
}

static const VMStateDescription vmstate_akd_edma_chan = {
	.name = "akd1000-edma-chan",
	.version_id = 2,
	.minimum_version_id = 1,
	.fields = (VMStateField[]) {
		VMSTATE_UINT32(ctrl1, AkdEdmaChan),
		VMSTATE_UINT32(ctrl2, AkdEdmaChan),
		VMSTATE_UINT32(size, AkdEdmaChan),
		VMSTATE_UINT64(sar, AkdEdmaChan),
		VMSTATE_UINT64(dar, AkdEdmaChan),
		VMSTATE_UINT64(llp, AkdEdmaChan),
		VMSTATE_BOOL(running, AkdEdmaChan),
		VMSTATE_BOOL(walking, AkdEdmaChan),
		VMSTATE_BOOL(elem_active, AkdEdmaChan),
		VMSTATE_BOOL(ccs, AkdEdmaChan),
		VMSTATE_BOOL(irq_local, AkdEdmaChan),
		VMSTATE_BOOL(irq_remote, AkdEdmaChan),
		VMSTATE_BOOL(stop_req, AkdEdmaChan),
		VMSTATE_UINT32(elements, AkdEdmaChan),
		VMSTATE_UINT64(bytes, AkdEdmaChan),
		VMSTATE_UINT64(modeled_ns, AkdEdmaChan),
		VMSTATE_UINT64(cur_src, AkdEdmaChan),
		VMSTATE_UINT64(cur_dst, AkdEdmaChan),
		VMSTATE_UINT32(cur_left, AkdEdmaChan),
		VMSTATE_UINT32(cur_ctrl, AkdEdmaChan),
		VMSTATE_UINT32(result, AkdEdmaChan),
		VMSTATE_INT64(deadline, AkdEdmaChan),
		VMSTATE_BOOL_V(fault_db, AkdEdmaChan, 2),
		VMSTATE_BOOL_V(paused, AkdEdmaChan, 2),
		VMSTATE_INT64_V(resume_at, AkdEdmaChan, 2),
		VMSTATE_END_OF_LIST()
	}
};

const VMStateDescription vmstate_akd_edma = {
	.name = "akd1000-edma",
	.version_id = 2,
	.minimum_version_id = 1,
	.fields = (VMStateField[]) {
		VMSTATE_UINT32(arb_prior, AkdEdma),
		VMSTATE_UINT32_ARRAY(engine_en, AkdEdma, 2),
		VMSTATE_UINT64_ARRAY(arb_weight, AkdEdma, 2),
		VMSTATE_UINT32_ARRAY(int_status, AkdEdma, 2),
		VMSTATE_UINT32_ARRAY(int_mask, AkdEdma, 2),
		VMSTATE_UINT32_ARRAY(err_status, AkdEdma, 2),
		VMSTATE_UINT32(err_status_hi, AkdEdma),
		VMSTATE_UINT64_ARRAY(done_imwr, AkdEdma, 2),
		VMSTATE_UINT64_ARRAY(abort_imwr, AkdEdma, 2),
		VMSTATE_UINT32_ARRAY(imwr_data, AkdEdma, 8),
		VMSTATE_UINT32_ARRAY(ll_err_en, AkdEdma, 2),
		VMSTATE_UINT32(viewport, AkdEdma),
		VMSTATE_STRUCT_ARRAY(ch, AkdEdma, 2 * AKD_EDMA_CHANNELS, 1,
				     vmstate_akd_edma_chan, AkdEdmaChan),
		VMSTATE_INT32_ARRAY_V(fly_ch, AkdEdma, 2, 2),
		VMSTATE_UINT32_ARRAY_V(fly_n, AkdEdma, 2, 2),
		VMSTATE_INT64_ARRAY_V(fly_end, AkdEdma, 2, 2),
		VMSTATE_INT64_ARRAY_V(link_free, AkdEdma, 2, 2),
		VMSTATE_INT32_ARRAY_V(rr, AkdEdma, 2, 2),
		VMSTATE_END_OF_LIST()
	}
};
