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
 *    when the device is unbound (defect 7).
 *
 * Needs the emulator (SKIP elsewhere) and root.
 */
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

TEST_HARNESS_MAIN
