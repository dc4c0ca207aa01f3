/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emulated BrainChip AKD1000 NPU (shared/HARDWARE.md): device state and the
 * interfaces between the parts of the model.
 *
 *   akd1000_pci.c   PCI front end: identity, BARs, iATU gate, AXI decode,
 *                   properties, reset, VMState
 *   akd1000_edma.c  the DesignWare eDMA (legacy register format)
 *   akd1000_npu.c   NPU core registers and the command interface
 *   akd1000_link.c  link model counters and the test-control window
 *
 * Everything runs under the BQL: MMIO handlers and timers. No work is ever
 * completed inside an MMIO handler: a doorbell or command only marks work
 * pending and arms a QEMU_CLOCK_VIRTUAL timer. All device progress is
 * driven by such timers (no bottom halves), so that under -icount the
 * device runs on the same clock as the guest and runs are reproducible.
 */
#ifndef HW_MISC_AKD1000_H
#define HW_MISC_AKD1000_H

#include "hw/pci/pci.h"
#include "migration/vmstate.h"
#include "qemu/timer.h"
#include "qom/object.h"

#define TYPE_AKD1000			"akd1000"
OBJECT_DECLARE_SIMPLE_TYPE(AkdState, AKD1000)

#define AKD_VENDOR_ID			0x1e7c
#define AKD_DEVICE_ID			0xbca1
#define AKD_CLASS_ACCELERATOR		0x1200	/* processing accelerator */

/* BARs and their sizes (HARDWARE.md section 2). */
#define AKD_BAR_NPU			0
#define AKD_BAR_DBI			2
#define AKD_BAR_LPDDR			4
#define AKD_BAR_NPU_SIZE		(4 * MiB)
#define AKD_BAR_DBI_SIZE		(4 * MiB)

/* The 32-bit AXI address map. */
#define AKD_AXI_SRAM_BASE		0x10000000u
#define AKD_AXI_SRAM_SIZE		(1 * MiB)
#define AKD_AXI_LPDDR_BASE		0x20000000u
#define AKD_AXI_DBI_BASE		0xF8C00000u
#define AKD_AXI_DBI_SIZE		(4 * MiB)
#define AKD_AXI_NPU_BASE		0xFCC00000u
#define AKD_AXI_NPU_SIZE		0x3F0000u	/* up to the test window */
#define AKD_AXI_TEST_BASE		0xFCFF0000u	/* = NPU base + AKIDA_EMU_WINDOW */

#define AKD_LPDDR_DEFAULT		(64 * MiB)
#define AKD_LPDDR_MIN			(1 * MiB)
#define AKD_LPDDR_MAX			(2 * GiB)	/* below the DBI window */

/* Readiness delays (HARDWARE.md section 2; emulator.rst). */
#define AKD_IATU_DELAY_DEFAULT_US	100
#define AKD_READY_DELAY_MAX_US		10000000u	/* 10 s */

/* iATU viewport in configuration space (and DBI) [dw]. */
#define AKD_ATU_BASE			0x900
#define AKD_ATU_VIEWPORT		0x900
#define  AKD_ATU_VIEWPORT_INBOUND	(1u << 31)
#define  AKD_ATU_VIEWPORT_INDEX		0xfu
#define AKD_ATU_CR1			0x904
#define  AKD_ATU_CR1_TYPE_MASK		0x1fu	/* 0: memory */
#define AKD_ATU_CR2			0x908
#define  AKD_ATU_CR2_ENABLE		(1u << 31)
#define  AKD_ATU_CR2_BAR_MODE		(1u << 30)
#define  AKD_ATU_CR2_BAR_SHIFT		8
#define  AKD_ATU_CR2_BAR_MASK		(7u << 8)
#define AKD_ATU_LOWER_BASE		0x90c
#define AKD_ATU_UPPER_BASE		0x910
#define AKD_ATU_LIMIT			0x914
#define AKD_ATU_LOWER_TARGET		0x918
#define AKD_ATU_UPPER_TARGET		0x91c
#define AKD_ATU_END			0x920
#define AKD_ATU_REGIONS			8	/* per direction */

/* The eDMA register block, at DBI + 0x970 [dw, legacy format]. */
#define AKD_EDMA_OFFSET			0x970
#define AKD_EDMA_SIZE			0x124
#define AKD_EDMA_CHANNELS		2	/* per direction */

/* Bounds on the work one doorbell can cause (robustness). */
#define AKD_EDMA_MAX_ELEMENTS		65536	/* data and link elements */
#define AKD_EDMA_MAX_BYTES		(4 * GiB)
#define AKD_EDMA_CHUNK			(64 * KiB)	/* link chunk, bounce buffer */
#define AKD_EDMA_BUDGET			(8 * MiB)	/* bytes per link run */

/* NPU facts (HARDWARE.md section 4, Documentation/npu-interface.rst). */
#define AKD_NP_COUNT			80
#define AKD_NP_SRAM_BYTES		131072u
#define AKD_NP_ENABLE_WORDS		6
#define AKD_NP_CONFIG_SIZE		0x100
#define AKD_NPU_BUDGET_MACS		(8 * 1000 * 1000)	/* per work call */

enum akd_dir {
	AKD_WR = 0,	/* write channels: chip to host */
	AKD_RD = 1,	/* read channels: host to chip */
};

/* Why a channel aborted: selects the error status bit. */
enum akd_edma_err {
	AKD_EDMA_ERR_NONE = 0,	/* stop bit or engine disable */
	AKD_EDMA_ERR_READ,	/* source read failed (AXI or PCIe UR) */
	AKD_EDMA_ERR_WRITE,	/* destination write failed */
	AKD_EDMA_ERR_FETCH,	/* linked-list element fetch */
};

typedef struct AkdAtuRegion {
	uint32_t cr1;
	uint32_t cr2;
	uint32_t lower_base;
	uint32_t upper_base;
	uint32_t limit;
	uint32_t lower_target;
	uint32_t upper_target;
} AkdAtuRegion;

typedef struct AkdEdmaChan {
	AkdState *owner;
	int dir;		/* enum akd_dir */
	int id;			/* channel number in its direction */

	/* Registers as the viewport shows them. */
	uint32_t ctrl1;
	uint32_t ctrl2;
	uint32_t size;
	uint64_t sar;
	uint64_t dar;
	uint64_t llp;

	/* The engine's walk of the list (valid while running). */
	bool running;		/* doorbell accepted, not yet completed */
	bool walking;		/* elements still to fetch or move */
	bool elem_active;	/* a data element is being moved */
	bool ccs;		/* consumer cycle state */
	bool irq_local;		/* the element that completes has LIE */
	bool irq_remote;	/* ... has RIE */
	bool paused;		/* stalled (FAULT_STALL_US) until resume_at */
	int64_t resume_at;	/* QEMU_CLOCK_VIRTUAL ns */
	bool stop_req;		/* doorbell stop bit seen */
	uint32_t elements;	/* walked in this run */
	uint64_t bytes;		/* moved in this run */
	uint64_t modeled_ns;	/* unused since version 2 */
	bool fault_db;		/* injected doorbell fault: abort at once */
	uint64_t cur_src;
	uint64_t cur_dst;
	uint32_t cur_left;
	uint32_t cur_ctrl;
	uint32_t result;	/* 0 done, else 1 + enum akd_edma_err */
	int64_t deadline;	/* QEMU_CLOCK_VIRTUAL ns of completion */
	QEMUTimer *timer;
} AkdEdmaChan;

typedef struct AkdEdma {
	uint32_t arb_prior;
	uint32_t engine_en[2];
	uint64_t arb_weight[2];
	uint32_t int_status[2];
	uint32_t int_mask[2];
	uint32_t err_status[2];		/* wr: 0x05c; rd: 0x0b4 */
	uint32_t err_status_hi;		/* rd: 0x0b8 */
	uint64_t done_imwr[2];
	uint64_t abort_imwr[2];
	uint32_t imwr_data[8];		/* [dir * 4 + channel pair] */
	uint32_t ll_err_en[2];
	uint32_t viewport;
	AkdEdmaChan ch[2 * AKD_EDMA_CHANNELS];	/* [dir * 2 + channel] */
	/*
	 * Each direction's link: one chunk at a time is in flight, from one
	 * channel, and lands at fly_end (QEMU_CLOCK_VIRTUAL ns).
	 */
	QEMUTimer *link_timer[2];
	int32_t fly_ch[2];		/* channel in flight, -1: none */
	uint32_t fly_n[2];		/* its bytes */
	int64_t fly_start[2];		/* when it went on the link */
	int64_t fly_end[2];
	int64_t link_free[2];		/* when the last chunk landed */
	int32_t rr[2];			/* channel served last */
	uint8_t *bounce;
} AkdEdma;

/* One layer of a loaded program image (offsets into the image copy). */
typedef struct AkdLayer {
	uint32_t inputs;
	uint32_t outputs;
	uint8_t wbits;
	uint8_t abits;
	uint32_t weights_off;	/* packed weights */
	uint32_t weights_len;
	uint32_t thresh_off;	/* int32 LE [outputs] */
	uint32_t shift_off;	/* u8 [outputs] */
} AkdLayer;

enum akd_npu_cmd {
	AKD_NPU_IDLE = 0,
	AKD_NPU_LOAD,
	AKD_NPU_WEIGHTS,
	AKD_NPU_INFER,
};

typedef struct AkdNpu {
	uint32_t np_enable[AKD_NP_ENABLE_WORDS];
	uint8_t np_config[AKD_NP_COUNT * AKD_NP_CONFIG_SIZE];
	uint32_t status;
	uint32_t control;
	uint32_t clock_mode;
	uint32_t irq_status;
	uint32_t irq_enable;
	uint64_t imwr_addr;
	uint32_t imwr_data;
	uint64_t model_addr;
	uint32_t model_size;
	uint32_t weight_layer;
	uint64_t weight_addr;
	uint64_t input_addr;
	uint32_t input_size;
	uint64_t output_addr;
	uint32_t output_size;
	uint32_t infer_status;
	uint32_t error_code;

	/* The loaded program (NP SRAM). */
	uint32_t image_len;
	uint8_t *image;
	uint32_t nlayers;
	AkdLayer *layers;
	uint32_t in_bytes;
	uint32_t out_bytes;
	uint64_t macs;		/* per inference */
	uint32_t max_width;	/* widest activation vector */

	/* The command in progress. */
	uint32_t cmd;		/* enum akd_npu_cmd */
	uint32_t batch;		/* inputs to run; the layer of a weight update */
	uint32_t done_inputs;	/* inputs computed */
	uint32_t cmd_error;	/* error code the command ends with */
	uint64_t in_addr;	/* snapshot of the addresses at start */
	uint64_t out_addr;
	uint32_t in_stride;
	int64_t started;
	int64_t prev_start;	/* the last command that ended: when it ran */
	int64_t prev_end;
	int64_t deadline;
	bool computed;		/* all work done, waiting for the deadline */
	int64_t unit_ns;	/* modeled time of one input of the batch */
	uint8_t *load_buf;	/* MODEL_LOAD: the image copied so far */
	uint32_t load_off;	/* bytes copied */
	uint32_t load_crc;	/* their CRC-32 (bytes 32 and up) */
	QEMUTimer *work;	/* akd_npu_work(): pieces as they are due */
	QEMUTimer *timer;	/* completion */
} AkdNpu;

/* Link model counters (akida_emu_regs.h), in register order. */
enum akd_counter {
	AKD_CNT_MMIO_READS,
	AKD_CNT_MMIO_WRITES,
	AKD_CNT_DMA_ELEMENTS,
	AKD_CNT_DMA_BYTES,
	AKD_CNT_MSI,
	AKD_CNT_MODELED_NS,
	AKD_CNT_DMA_NS,
	AKD_CNT_NPU_NS,
	AKD_CNT_INFERENCES,
	AKD_CNT_DMA_ABORTS,
	AKD_CNT_H2D_BYTES,
	AKD_CNT_D2H_BYTES,
	AKD_CNT_NPU_BUSY_NS,
	AKD_CNT_WR_NPU_MODEL,	/* register writes per range, any path */
	AKD_CNT_WR_NPU_IDENT,
	AKD_CNT_WR_EDMA,
	AKD_CNT_WR_IATU,
	AKD_CNT_IMWR_ZERO,	/* IMWr/MSI writes issued to address 0 */
	AKD_CNT_NPU_IMWR,	/* NPU MSI writes posted */
	AKD_CNT_NPU_DMA_OVERLAP_NS,	/* NPU running while a chunk flies */
	AKD_CNT_LL_FETCHES,	/* list elements read, the list's end included */
	AKD_CNT_NUM
};

typedef struct AkdLink {
	uint64_t cnt[AKD_CNT_NUM];
	uint32_t latch_hi[AKD_CNT_NUM];
	/* Fault injection (test-control window). */
	uint32_t fault_dma_abort;
	uint32_t fault_dma_err;
	uint32_t fault_delay_us;
	uint32_t fault_drop;
	uint32_t fault_npu_error;
	uint32_t fault_stall_ch;	/* AKIDA_EMU_CH_READ | channel */
	uint32_t fault_stall_us;
	uint32_t fault_doorbell_ch;	/* bit 31 armed */
	uint32_t fault_npu_delay_us;
	/* Readiness (properties iatu-delay-us, link-delay-us; RW registers). */
	uint32_t iatu_delay_us;
	uint32_t link_delay_us;
	int64_t link_ready_at;		/* QEMU_CLOCK_VIRTUAL ns */
	bool dead;
	bool dead_forever;
	QEMUTimer *dead_timer;
} AkdLink;

struct AkdState {
	PCIDevice parent_obj;

	/* Properties. */
	uint64_t lpddr_size;
	char *timing_prop;
	uint32_t msi_vectors;
	bool model_iface;		/* the [model] NPU interface exists */

	bool timing_modeled;

	MemoryRegion bar[3];		/* BAR0, BAR2, BAR4 */
	MemoryRegion lpddr;		/* RAM backing, not mapped */
	MemoryRegion sram;
	uint8_t *lpddr_ptr;
	uint8_t *sram_ptr;

	AkdAtuRegion atu_in[AKD_ATU_REGIONS];
	AkdAtuRegion atu_out[AKD_ATU_REGIONS];
	int64_t atu_ready[AKD_ATU_REGIONS];	/* inbound region decodes from */
	uint32_t atu_viewport;

	AkdEdma edma;
	AkdNpu npu;
	AkdLink link;
};

/* AXI bus (akd1000_pci.c): accesses by the chip's own masters. */
enum akd_axi_target {
	AKD_AXI_NONE = 0,
	AKD_AXI_SRAM,
	AKD_AXI_LPDDR,
	AKD_AXI_DBI,
	AKD_AXI_NPU,
};

int akd_axi_decode(AkdState *s, uint64_t addr, uint64_t len, uint32_t *off);
uint8_t *akd_axi_mem(AkdState *s, uint64_t addr, uint64_t len);
bool akd_axi_read(AkdState *s, uint64_t addr, void *buf, uint32_t len);
bool akd_axi_write(AkdState *s, uint64_t addr, const void *buf, uint32_t len);
bool akd_lpddr_range_ok(AkdState *s, uint64_t addr, uint64_t len);
MemTxResult akd_host_dma(AkdState *s, uint64_t addr, void *buf, uint32_t len,
			 bool to_host);
bool akd_post_imwr(AkdState *s, uint64_t addr, uint32_t data, const char *what);
uint64_t akd_config_mirror_read(AkdState *s, uint32_t off);

/* eDMA (akd1000_edma.c). */
void akd_edma_realize(AkdState *s);
void akd_edma_unrealize(AkdState *s);
void akd_edma_reset(AkdState *s);
uint32_t akd_edma_read(AkdState *s, uint32_t off);
void akd_edma_write(AkdState *s, uint32_t off, uint32_t val);
void akd_edma_resume(AkdState *s);
void akd_edma_spurious(AkdState *s, uint32_t n);
int akd_edma_post_load(AkdState *s);
extern const VMStateDescription vmstate_akd_edma;

/* NPU (akd1000_npu.c). */
void akd_npu_realize(AkdState *s);
void akd_npu_unrealize(AkdState *s);
void akd_npu_reset(AkdState *s);
uint32_t akd_npu_read(AkdState *s, uint32_t off);
void akd_npu_write(AkdState *s, uint32_t off, uint32_t val);
void akd_npu_resume(AkdState *s);
void akd_npu_stale_irq(AkdState *s, uint32_t bits);
uint64_t akd_npu_busy_within(AkdState *s, int64_t from, int64_t to);
int akd_npu_post_load(AkdState *s);
extern const VMStateDescription vmstate_akd_npu;

/* Link model and test controls (akd1000_link.c). */
void akd_link_realize(AkdState *s);
void akd_link_unrealize(AkdState *s);
void akd_link_reset(AkdState *s);
void akd_link_charge(AkdState *s, enum akd_counter kind, uint64_t n);
uint32_t akd_test_read(AkdState *s, uint32_t off);
void akd_test_write(AkdState *s, uint32_t off, uint32_t val);
int64_t akd_completion_delay_ns(AkdState *s);
bool akd_fault_drop_irq(AkdState *s);
uint32_t akd_fault_dma_element(AkdState *s);
uint32_t akd_fault_npu_error(AkdState *s);
int64_t akd_fault_stall_ns(AkdState *s, int dir, int ch);
bool akd_fault_doorbell(AkdState *s, int dir, int ch);
uint32_t akd_fault_dma_kind(AkdState *s);
int64_t akd_fault_npu_delay_ns(AkdState *s);
static inline bool akd_dead(AkdState *s)
{
	return s->link.dead;
}
/* The link is still training after a reset (link-delay-us). */
static inline bool akd_link_down(AkdState *s)
{
	return s->link.link_ready_at &&
	       qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) < s->link.link_ready_at;
}
extern const VMStateDescription vmstate_akd_link;

/* Modeled times (HARDWARE.md sections 5 and 6), in ns. */
#define AKD_NS_MMIO_READ		1000
#define AKD_NS_MMIO_WRITE		100
static inline uint64_t akd_dma_element_ns(uint64_t bytes)
{
	/* 0.5 us + bytes / 450 MB/s */
	return 500 + bytes * 20 / 9;
}

#endif /* HW_MISC_AKD1000_H */
