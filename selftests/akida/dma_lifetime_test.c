// SPDX-License-Identifier: GPL-2.0
/*
 * DMA lifetime and completion races (issue 15), forced with the emulator's
 * fault knobs (tools/qemu/akida_emu_regs.h):
 *
 *  - stale_*: NPU IRQ_STATUS bits with no command behind them must not
 *    complete a later program load or batch: the job still succeeds and its
 *    output matches the golden model (defect 2);
 *  - late_completion_*: a channel that cannot be stopped after its timeout
 *    (the device stops answering, then comes back and finishes the list)
 *    keeps its host pages pinned until AKIDA_IOCTL_RESET proves the engine
 *    quiet; then every pin is released and the next transfers move correct
 *    data (defect 1);
 *  - poll_hup_on_unbind: a poll() waiter on an idle file wakes with POLLHUP
 *    when the device is unbound (defect 7);
 *  - order.program_write_lands_after_load: a job loads the program while
 *    an AKIDA_IOCTL_DMA write of a new image to it is in flight (the write's
 *    channel stalled, its data landing at completion); the next job must
 *    run the new program (defect 8: invalidate after the write too);
 *  - order.spurious_msi_unhandled: MSIs with nothing pending are left to
 *    the core's spurious-interrupt accounting (defect 11: IRQ_NONE);
 *  - order.unbind_quiesces_npu: unbind while the NPU holds a job: the NPU
 *    is stopped, not left to finish and signal (defect 6).
 *
 * Needs the emulator (SKIP elsewhere) and root.
 */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define IRQ_INFER	(1u << 0)
#define IRQ_MODEL	(1u << 1)
#define DMA_TMO_MS	1000
/* Pages of a buffer, and the pins of others tolerated in a count. */
#define PINS(len)	((long long)((len) / 4096))
#define SLACK		8

/*
 * nr_foll_pin_acquired - nr_foll_pin_released from /proc/vmstat (summed
 * from per-CPU counters: may be slightly off, even negative); LLONG_MIN if
 * unreadable.
 */
static long long pins_held(void)
{
	long long acq = -1, rel = -1, v;
	char name[64];
	FILE *f;

	f = fopen("/proc/vmstat", "r");
	if (!f)
		return LLONG_MIN;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	return acq < 0 || rel < 0 ? LLONG_MIN : acq - rel;
}

FIXTURE(life) {
	struct akt_dev d;
	struct akt_emu emu;
	int have_emu;
	int fd;
	struct aj_model m;
};

FIXTURE_SETUP(life)
{
	self->fd = -1;
	self->have_emu = 0;
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test-control window (real hardware?)");
	self->have_emu = 1;
	akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(life)
{
	if (self->have_emu) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
}

/*
 * Stale MODEL_DONE and INFER_DONE, then a job that reloads the program,
 * which the NPU finishes late: the load must not be taken as done early.
 */
TEST_F_TIMEOUT(life, stale_done_before_load, 120)
{
	struct akida_job_wait w;

	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 11, NULL, 4));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	ASSERT_EQ(0, aj_model_check(&self->m));

	ASSERT_EQ(0, aj_model_inputs(&self->m, 12));
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_STALE, IRQ_MODEL | IRQ_INFER);
	usleep(20000);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 300000);
	EXPECT_EQ(0, aj_run(self->fd, &self->m,
			    AKIDA_JOB_PROGRAM | AKIDA_JOB_FORCE_LOAD, &w));
	EXPECT_EQ(4u, w.inputs_done);
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/*
 * A stale INFER_DONE, then a batch the NPU finishes late: the outputs must
 * not be read back before the batch is really done.
 */
TEST_F_TIMEOUT(life, stale_done_before_batch, 120)
{
	struct akida_job_wait w;

	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 21, NULL, 4));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	ASSERT_EQ(0, aj_model_check(&self->m));

	/* New inputs: the old outputs in device memory are now wrong. */
	ASSERT_EQ(0, aj_model_inputs(&self->m, 22));
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_STALE, IRQ_INFER);
	usleep(20000);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 300000);
	EXPECT_EQ(0, aj_run(self->fd, &self->m, 0, &w));
	EXPECT_EQ(4u, w.inputs_done);
	EXPECT_EQ(0, aj_model_check(&self->m));
}

FIXTURE_VARIANT(life) {
	int to_dev;
};
FIXTURE_VARIANT_ADD(life, d2h) { .to_dev = 0 };
FIXTURE_VARIANT_ADD(life, h2d) { .to_dev = 1 };

/*
 * The device stops answering in the middle of a pinned transfer and comes
 * back after the timeout, finishing the list then. Until a reset proves the
 * engine quiet, the driver must keep the pages it gave the engine.
 */
TEST_F_TIMEOUT(life, late_completion_keeps_pages, 120)
{
	long long tmo = akt_param("dma_timeout_ms");
	long long pinned = akt_param("dma_pinned");
	struct akida_reset rst = { 0 };
	size_t len = 256 << 10;
	long long base, held;
	uint8_t *buf;
	double t0;
	ssize_t n;

	ASSERT_LT(0, tmo);
	ASSERT_LE(0, pinned);
	ASSERT_EQ(0, akt_set_param("dma_timeout_ms", DMA_TMO_MS));
	ASSERT_EQ(0, akt_set_param("dma_pinned", 1));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	akt_fill(buf, len, 7);
	base = pins_held();
	ASSERT_NE(LLONG_MIN, base);

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DEAD_MS, DMA_TMO_MS + 1500);
	t0 = akt_now();
	errno = 0;
	n = variant->to_dev ? pwrite(self->fd, buf, len, AKT_USER_LPDDR + 0x10000)
			    : pread(self->fd, buf, len, AKT_USER_LPDDR + 0x10000);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EIO, errno);
	EXPECT_GT(DMA_TMO_MS / 1000.0 + 2.0, akt_now() - t0);
	/*
	 * The engine may still write them: they stay pinned (the counters are
	 * system-wide: allow a few pins of others either way).
	 */
	held = pins_held();
	EXPECT_LE(base + PINS(len) - SLACK, held);

	/* Back again; the list completes late. The reset proves it quiet. */
	while (akt_now() - t0 < 15.0 &&
	       akt_emu_rd(&self->emu, AKIDA_EMU_MAGIC) != AKIDA_EMU_MAGIC_VALUE)
		usleep(50000);
	usleep(200000);
	EXPECT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &rst));
	EXPECT_GT(base + SLACK, pins_held());

	/* And the next transfers move the right bytes. */
	EXPECT_EQ(0, akt_roundtrip(self->fd, AKT_USER_LPDDR + 0x20000, len, 9));
	EXPECT_EQ(0, akt_set_param("dma_pinned", 0));
	EXPECT_EQ(0, akt_roundtrip(self->fd, AKT_USER_LPDDR + 0x20000, len, 10));
	EXPECT_GT(base + SLACK, pins_held());

	munmap(buf, len);
	akt_set_param("dma_pinned", pinned);
	akt_set_param("dma_timeout_ms", tmo);
}

struct poller {
	int fd;
	short revents;
	int ret;
	double t;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	p->ret = poll(&pfd, 1, 20000);
	p->revents = pfd.revents;
	p->t = akt_now();
	return NULL;
}

static int drv_write(const char *file, const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/akida_pcie/%s", file);
	return akt_write_file(path, bdf);
}

/* Three poll() waiters on an idle file: all see POLLHUP on unbind. */
TEST_F_TIMEOUT(life, poll_hup_on_unbind, 120)
{
	struct poller p[3];
	pthread_t th[3];
	double t0;
	int i;

	for (i = 0; i < 3; i++) {
		p[i].fd = self->fd;
		p[i].ret = -2;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, poll_thread, &p[i]));
	}
	usleep(300000);
	t0 = akt_now();
	ASSERT_EQ(0, drv_write("unbind", self->d.bdf));
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(1, p[i].ret);
		EXPECT_TRUE(p[i].revents & POLLHUP);
		EXPECT_GT(5.0, p[i].t - t0);
	}
	EXPECT_EQ(0, drv_write("bind", self->d.bdf));
	/* The file belongs to the old device: close it before the teardown. */
	memset(&self->m, 0, sizeof(self->m));
	close(self->fd);
	self->fd = -1;
	usleep(200000);
}

/* ---- Ordering: invalidation after a write, IRQ_NONE, the remove order ---- */

FIXTURE(order) {
	struct akt_dev d;
	struct akt_emu emu;
	int have_emu;
	int fd;
	struct aj_model m;
};

FIXTURE_SETUP(order)
{
	self->fd = -1;
	self->have_emu = 0;
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test-control window (real hardware?)");
	self->have_emu = 1;
	akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(order)
{
	if (self->have_emu) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
}

struct dma_writer {
	int fd;
	const void *img;
	uint64_t addr;
	size_t len;
	int ret;
	volatile int done;
};

static void *dma_writer_fn(void *arg)
{
	struct dma_writer *w = arg;

	w->ret = aj_dma1(w->fd, AKIDA_DIR_TO_DEVICE, (void *)w->img, w->addr,
			 w->len);
	w->done = 1;
	return NULL;
}

/*
 * Program A is loaded. A DMA write of program B over it stalls on its
 * channel (read channel 0: the first free one) for 800 ms; its bytes land
 * only when it completes. A job submitted meanwhile reloads the program
 * (the write invalidated it when it began) and gets A, still in memory.
 * Once the write is over, the next job must reload and run B.
 */
TEST_F_TIMEOUT(order, program_write_lands_after_load, 120)
{
	size_t out_len, len_b;
	struct akida_program *pb;
	struct dma_writer wr = { 0 };
	struct akida_job_wait w;
	uint8_t *gold_b;
	const void *img_b;
	pthread_t th;
	double t0;

	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 31, NULL, 4));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	ASSERT_EQ(0, aj_model_check(&self->m));
	out_len = (size_t)self->m.batch * self->m.out_bytes;

	/* B: same shape, other weights, other outputs for the same inputs. */
	ASSERT_EQ(0, akida_program_random(32, NULL, &pb));
	img_b = akida_program_image(pb, &len_b);
	ASSERT_EQ(self->m.image_len, len_b);
	gold_b = malloc(out_len);
	ASSERT_NE(NULL, gold_b);
	ASSERT_EQ(0, akida_program_run(pb, self->m.in, self->m.batch, gold_b));
	ASSERT_NE(0, memcmp(gold_b, self->m.golden, out_len));

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_STALL_CH, AKIDA_EMU_CH_READ | 0);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_STALL_US, 800000);
	wr.fd = self->fd;
	wr.img = img_b;
	wr.addr = self->m.prog_addr;
	wr.len = len_b;
	ASSERT_EQ(0, pthread_create(&th, NULL, dma_writer_fn, &wr));
	/* The stall is taken when the write's element starts. */
	t0 = akt_now();
	while (akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_STALL_US) &&
	       akt_now() - t0 < 5.0)
		usleep(1000);
	ASSERT_EQ(0u, akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_STALL_US));

	/* In the window: the old image is what the NPU can load. */
	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
	EXPECT_EQ(0, wr.done);	/* else the window was missed */

	pthread_join(th, NULL);
	ASSERT_EQ(0, wr.ret);
	/* The write is over: the NPU holds a stale image, the job reloads. */
	memcpy(self->m.golden, gold_b, out_len);
	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
	free(gold_b);
	akida_program_free(pb);
}

#define MAX_VEC	16

/* /proc/irq/<n>/spurious of one MSI vector. */
struct irq_spur {
	int irq;
	long long count;	/* interrupts since the last 100000 */
	long long unhandled;	/* IRQ_NONE run, see below */
	long long last_ms;	/* jiffies of the last IRQ_NONE, in ms */
};

/* Every MSI vector of the device; the number read, -1 if none. */
static int irq_spurious(const char *pci, struct irq_spur *v)
{
	char path[PATH_MAX + 64];
	struct dirent *de;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/msi_irqs", pci);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir)) && n < MAX_VEC) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%s/spurious", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		v[n].irq = atoi(de->d_name);
		if (fscanf(f, "count %lld unhandled %lld last_unhandled %lld",
			   &v[n].count, &v[n].unhandled, &v[n].last_ms) == 3)
			n++;
		fclose(f);
	}
	closedir(dir);
	return n ? n : -1;
}

/*
 * Spurious MSIs (the eDMA's done IMWr with nothing completed) are not
 * claimed: the core counts each interrupt they raise as unhandled. The
 * device stays usable.
 *
 * The core's "unhandled" is not a plain counter: an IRQ_NONE more than
 * HZ/10 after the previous one restarts it at 1, and "count" wraps at
 * 100000. So each MSI is judged on its own, against the vector it raised:
 * its IRQ_NONE moves last_unhandled (20 ms apart, at least one jiffy) and
 * adds one to unhandled or restarts it. A claimed MSI moves neither.
 */
TEST_F_TIMEOUT(order, spurious_msi_unhandled, 120)
{
	struct irq_spur v0[MAX_VEC], v1[MAX_VEC];
	int n0, n1, i, k, arrived = 0, none = 0;
	struct akida_job_wait w;
	uint64_t msi;

	/* A job first: the driver has programmed its IMWr addresses. */
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 41, NULL, 4));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	ASSERT_EQ(0, aj_model_check(&self->m));
	usleep(100000);

	msi = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_MSI);
	n0 = irq_spurious(self->d.pci, v0);
	ASSERT_LT(0, n0);
	/* One at a time: MSIs posted together merge in the APIC. */
	for (i = 0; i < 10; i++) {
		akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_SPURIOUS_MSI, 1);
		usleep(20000);
		n1 = irq_spurious(self->d.pci, v1);
		ASSERT_EQ(n0, n1);
		for (k = 0; k < n1; k++) {
			long long dc = v1[k].count - v0[k].count;

			ASSERT_EQ(v0[k].irq, v1[k].irq);
			if (dc < 0)	/* the 100000 wrap */
				dc = v1[k].count ? 1 : 0;
			if (!dc)
				continue;
			arrived++;
			if (v1[k].last_ms != v0[k].last_ms &&
			    (v1[k].unhandled == v0[k].unhandled + dc ||
			     (v1[k].unhandled >= 1 && v1[k].unhandled <= dc)))
				none++;
			else
				ksft_print_msg("msi %d: irq %d count +%lld, unhandled %lld -> %lld, last_unhandled %lld -> %lld ms\n",
					       i, v1[k].irq, dc, v0[k].unhandled,
					       v1[k].unhandled, v0[k].last_ms,
					       v1[k].last_ms);
		}
		memcpy(v0, v1, sizeof(v0));
	}
	EXPECT_EQ(10u, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_MSI) - msi);
	ksft_print_msg("%d of 10 spurious MSIs seen as interrupts, %d unhandled\n",
		       arrived, none);
	/*
	 * A vCPU that runs late can take two of them as one interrupt (an
	 * edge MSI is not queued twice): every interrupt that arrived must
	 * be unhandled, and at least one must have arrived.
	 */
	EXPECT_LE(1, arrived);
	EXPECT_EQ(arrived, none);

	ASSERT_EQ(0, aj_model_inputs(&self->m, 42));
	EXPECT_EQ(0, aj_run(self->fd, &self->m, 0, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/*
 * Unbind while the NPU holds a job for 1.5 s (FAULT_NPU_DELAY_US): remove
 * stops the NPU. After the delay has passed the command has not completed
 * (no inference counted, no busy time charged, no NPU MSI, no MSI at all)
 * and the NPU reads idle.
 */
TEST_F_TIMEOUT(order, unbind_quiesces_npu, 120)
{
	uint64_t inf, busy, npu_imwr, msi;
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct akida_job_wait w;
	volatile uint32_t *bar0;
	double t0;

	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 51, NULL, 4));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	ASSERT_EQ(0, aj_model_check(&self->m));
	bar0 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->emu.fd, 0);
	ASSERT_NE(MAP_FAILED, bar0);

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 1500000);
	aj_job(&self->m, &s, ent, 0);
	ASSERT_EQ(0, aj_submit(self->fd, &s, NULL));
	/* The delay is taken when the NPU starts the batch. */
	t0 = akt_now();
	while (akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US) &&
	       akt_now() - t0 < 5.0)
		usleep(1000);
	ASSERT_EQ(0u, akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US));
	EXPECT_EQ(2u, bar0[0x8 / 4] & 2);	/* STATUS.BUSY */

	inf = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_INFERENCES);
	busy = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_NPU_BUSY_NS);
	npu_imwr = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_NPU_IMWR);
	msi = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_MSI);
	t0 = akt_now();
	ASSERT_EQ(0, drv_write("unbind", self->d.bdf));
	EXPECT_GT(1.4, akt_now() - t0);	/* not by waiting for the batch */
	EXPECT_EQ(0u, bar0[0x8 / 4] & 2);
	while (akt_now() - t0 < 2.5)
		usleep(50000);
	EXPECT_EQ(inf, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_INFERENCES));
	EXPECT_EQ(busy, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_NPU_BUSY_NS));
	EXPECT_EQ(npu_imwr, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_NPU_IMWR));
	EXPECT_EQ(msi, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_MSI));
	EXPECT_EQ(0u, bar0[0x8 / 4] & 2);
	munmap((void *)bar0, 4096);

	EXPECT_EQ(0, drv_write("bind", self->d.bdf));
	/* The file belongs to the old device: its memory went with it. */
	aj_model_fini(self->fd, &self->m);
	close(self->fd);
	self->fd = -1;
	usleep(200000);
}

TEST_HARNESS_MAIN
