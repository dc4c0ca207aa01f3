// SPDX-License-Identifier: GPL-2.0
/*
 * eDMA aborts that must end exactly the transfer they hit (issue 15, "Never
 * free what the engine may still touch", defect 1: a buffer goes back only
 * once its own channel reported DONE or ABORT), forced with the emulator's
 * FAULT_DOORBELL_CH (the next doorbell of one channel aborts at once) and
 * FAULT_STALL_CH/FAULT_STALL_US (tools/qemu/akida_emu_regs.h):
 *
 *  - output.step_abort_reported: the output DMA of a job (device-to-host,
 *    write channel 0: the only transfer running) aborts. The job fails with
 *    -EIO at AKIDA_STEP_OUTPUT, every page it pinned is released (the
 *    file's pinned_bytes and /proc/vmstat), the abort is counted once, and
 *    the next job's output equals the golden model.
 *  - ch1.abort_ends_only_its_transfer (h2d, d2h): channel 0 of a direction
 *    is held by a stalled transfer when one on channel 1 aborts. The
 *    aborted one fails with EIO before the stalled one ends; the stalled
 *    one then completes with the right bytes; channel 1 serves the next
 *    transfer (again while channel 0 is stalled) with the right bytes.
 *    An abort taken for channel 0's, or a channel 1 abort seen as done,
 *    hands back a buffer the engine still owns.
 *
 * Needs the emulator (SKIP elsewhere) and root.
 */
#include <limits.h>
#include <pthread.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define DB_ARM		(1u << 31)
#define LEN		(64 << 10)
#define STALL_US	1500000
#define SLACK		8

/* As in dma_lifetime_test.c: pages pinned system-wide (FOLL_PIN). */
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

static int knob_taken(struct akt_emu *e, uint32_t reg, uint32_t mask, double secs)
{
	double t0 = akt_now();

	while ((akt_emu_rd(e, reg) & mask) && akt_now() - t0 < secs)
		usleep(1000);
	return akt_emu_rd(e, reg) & mask ? -1 : 0;
}

/* ---- A job whose output step aborts ---- */

FIXTURE(output) {
	struct akt_dev d;
	struct akt_emu emu;
	int have_emu;
	int fd;
	struct aj_model m;
};

FIXTURE_SETUP(output)
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

FIXTURE_TEARDOWN(output)
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

TEST_F_TIMEOUT(output, step_abort_reported, 120)
{
	struct akida_job_wait w;
	struct akida_stats st;
	long long base;
	uint64_t aborts;
	size_t out_len;

	/* 64 inputs: outputs over several pages, pinned at submission. */
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 81, NULL, 64));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	ASSERT_EQ(0, aj_model_check(&self->m));
	out_len = (size_t)self->m.batch * self->m.out_bytes;
	usleep(100000);
	base = pins_held();
	ASSERT_NE(LLONG_MIN, base);

	/* New inputs, and the next doorbell of write channel 0 aborts. */
	ASSERT_EQ(0, aj_model_inputs(&self->m, 82));
	aborts = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_DMA_ABORTS);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DOORBELL_CH, DB_ARM | 0);
	EXPECT_EQ(-EIO, aj_run(self->fd, &self->m, 0, &w));
	EXPECT_EQ(AKIDA_STEP_OUTPUT, w.failed_step);
	EXPECT_EQ(0u, w.npu_error);
	EXPECT_EQ(self->m.batch, w.inputs_done);	/* the run itself was fine */
	EXPECT_EQ(0u, akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_DOORBELL_CH))
		TH_LOG("the output never rang write channel 0");
	EXPECT_EQ(aborts + 1, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_DMA_ABORTS));
	/* Nothing of the new outputs reached the buffer. */
	EXPECT_NE(0, aj_model_check(&self->m));
	ksft_print_msg("job status %d, step %u, %u inputs, %zu output bytes\n",
		       w.status, w.failed_step, w.inputs_done, out_len);

	/* Its pins are gone with it. */
	ASSERT_EQ(0, aj_stats(self->fd, &st));
	EXPECT_EQ(0u, st.file.pinned_bytes);
	EXPECT_EQ(0u, st.file.jobs_pending);
	EXPECT_EQ(1u, st.file.jobs_failed);
	EXPECT_GT(base + SLACK, pins_held());

	/* The next job runs, on the same channel, and is right. */
	EXPECT_EQ(0, aj_run(self->fd, &self->m, 0, &w));
	EXPECT_EQ(AKIDA_STEP_NONE, w.failed_step);
	EXPECT_EQ(0, aj_model_check(&self->m));
	EXPECT_GT(base + SLACK, pins_held());
}

/* ---- An abort on channel 1 while channel 0 is busy ---- */

FIXTURE(ch1) {
	struct akt_dev d;
	struct akt_emu emu;
	int have_emu;
	int fd;
	uint64_t axi;
};

FIXTURE_VARIANT(ch1) {
	int to_dev;
};
FIXTURE_VARIANT_ADD(ch1, h2d) { .to_dev = 1 };
FIXTURE_VARIANT_ADD(ch1, d2h) { .to_dev = 0 };

FIXTURE_SETUP(ch1)
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
	self->axi = AKT_USER_LPDDR + 0x200000;
}

FIXTURE_TEARDOWN(ch1)
{
	if (self->have_emu) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->fd >= 0)
		close(self->fd);
}

struct xfer {
	int fd;
	int to_dev;
	uint8_t *buf;
	uint64_t axi;
	ssize_t ret;
	int err;
	double t_end;
	volatile int done;
};

static void *xfer_fn(void *arg)
{
	struct xfer *x = arg;

	errno = 0;
	x->ret = x->to_dev ? pwrite(x->fd, x->buf, LEN, x->axi)
			   : pread(x->fd, x->buf, LEN, x->axi);
	x->err = x->ret < 0 ? errno : 0;
	x->t_end = akt_now();
	x->done = 1;
	return NULL;
}

/*
 * Start @x on channel 0 of its direction, stalled: the stall is armed for
 * that channel and taken when its element starts.
 */
static int start_stalled(struct akt_emu *e, struct xfer *x, pthread_t *th)
{
	uint32_t sel = x->to_dev ? AKIDA_EMU_CH_READ : 0;

	akt_emu_wr(e, AKIDA_EMU_FAULT_STALL_CH, sel | 0);
	akt_emu_wr(e, AKIDA_EMU_FAULT_STALL_US, STALL_US);
	if (pthread_create(th, NULL, xfer_fn, x))
		return -1;
	return knob_taken(e, AKIDA_EMU_FAULT_STALL_US, ~0u, 5.0);
}

/* What is at @axi, read with the transfer in the other direction. */
static int check_dev(int fd, uint64_t axi, const uint8_t *want)
{
	uint8_t *got = malloc(LEN);
	int ret = -1;

	if (got && pread(fd, got, LEN, axi) == LEN)
		ret = akt_diff(got, want, LEN) < 0 ? 0 : -2;
	free(got);
	return ret;
}

TEST_F_TIMEOUT(ch1, abort_ends_only_its_transfer, 120)
{
	uint32_t sel = variant->to_dev ? AKIDA_EMU_CH_READ : 0;
	uint8_t *pat0 = malloc(LEN), *pat1 = malloc(LEN), *pat2 = malloc(LEN);
	struct xfer a = { 0 }, b = { 0 };
	uint64_t aborts;
	pthread_t th;
	double t0;
	ssize_t n;

	ASSERT_NE(NULL, pat0);
	ASSERT_NE(NULL, pat1);
	ASSERT_NE(NULL, pat2);
	akt_fill(pat0, LEN, 91);
	akt_fill(pat1, LEN, 92);
	akt_fill(pat2, LEN, 93);
	/* For reads, the device holds the patterns first. */
	ASSERT_EQ(LEN, pwrite(self->fd, pat0, LEN, self->axi));
	ASSERT_EQ(LEN, pwrite(self->fd, pat1, LEN, self->axi + LEN));
	ASSERT_EQ(LEN, pwrite(self->fd, pat2, LEN, self->axi + 2 * LEN));

	/* A holds channel 0 (stalled); B's doorbell on channel 1 aborts. */
	a.fd = self->fd;
	a.to_dev = variant->to_dev;
	a.axi = self->axi + 3 * LEN;
	a.buf = malloc(LEN);
	ASSERT_NE(NULL, a.buf);
	if (a.to_dev)
		memcpy(a.buf, pat0, LEN);
	else
		a.axi = self->axi;
	if (a.to_dev) {
		/* What A overwrites: known, so that a lost write shows. */
		ASSERT_EQ(LEN, pwrite(self->fd, pat2, LEN, a.axi));
	}
	aborts = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_DMA_ABORTS);
	t0 = akt_now();
	ASSERT_EQ(0, start_stalled(&self->emu, &a, &th));
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DOORBELL_CH, DB_ARM | sel | 1);
	b.buf = malloc(LEN);
	ASSERT_NE(NULL, b.buf);
	memcpy(b.buf, pat1, LEN);
	errno = 0;
	n = variant->to_dev ? pwrite(self->fd, b.buf, LEN, self->axi + 4 * LEN)
			    : pread(self->fd, b.buf, LEN, self->axi + LEN);
	b.err = errno;
	b.t_end = akt_now();
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EIO, b.err);
	EXPECT_EQ(0u, akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_DOORBELL_CH))
		TH_LOG("the transfer never rang channel 1");
	EXPECT_EQ(0, a.done) TH_LOG("channel 0's transfer ended with channel 1's");
	EXPECT_GT(STALL_US / 1e6, b.t_end - t0);

	pthread_join(th, NULL);
	EXPECT_EQ(LEN, a.ret) TH_LOG("channel 0's transfer: errno %d", a.err);
	EXPECT_LE(STALL_US / 1e6, a.t_end - t0);
	EXPECT_EQ(aborts + 1, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_DMA_ABORTS));
	if (variant->to_dev) {
		EXPECT_EQ(0, check_dev(self->fd, a.axi, pat0));
	} else {
		EXPECT_EQ(-1, akt_diff(a.buf, pat0, LEN));
	}

	/* Channel 1 again, with channel 0 held: it moves the right bytes. */
	free(a.buf);
	memset(&a, 0, sizeof(a));
	a.fd = self->fd;
	a.to_dev = variant->to_dev;
	a.buf = malloc(LEN);
	ASSERT_NE(NULL, a.buf);
	a.axi = variant->to_dev ? self->axi + 3 * LEN : self->axi;
	if (a.to_dev)
		memcpy(a.buf, pat0, LEN);
	t0 = akt_now();
	ASSERT_EQ(0, start_stalled(&self->emu, &a, &th));
	memset(b.buf, 0, LEN);
	if (variant->to_dev) {
		memcpy(b.buf, pat1, LEN);
		n = pwrite(self->fd, b.buf, LEN, self->axi + 4 * LEN);
	} else {
		n = pread(self->fd, b.buf, LEN, self->axi + LEN);
	}
	b.t_end = akt_now();
	EXPECT_EQ(LEN, n);
	EXPECT_EQ(0, a.done) TH_LOG("not on channel 1: channel 0 was held");
	EXPECT_GT(STALL_US / 1e6, b.t_end - t0);
	pthread_join(th, NULL);
	EXPECT_EQ(LEN, a.ret);
	if (variant->to_dev) {
		EXPECT_EQ(0, check_dev(self->fd, self->axi + 4 * LEN, pat1));
	} else {
		EXPECT_EQ(-1, akt_diff(b.buf, pat1, LEN));
	}
	EXPECT_EQ(aborts + 1, akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_DMA_ABORTS));

	/* And both channels, unstalled. */
	EXPECT_EQ(0, akt_roundtrip(self->fd, self->axi + 5 * LEN, LEN, 94));
	free(a.buf);
	free(b.buf);
	free(pat0);
	free(pat1);
	free(pat2);
}

TEST_HARNESS_MAIN
