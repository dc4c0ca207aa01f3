// SPDX-License-Identifier: GPL-2.0
/*
 * The sleeper matrix (issue 15: "Never free what the engine may still
 * touch"; defect 7, every waiter woken, extended from poll() to every kind
 * of sleeper; defect 1 for the dead device, where a channel that cannot be
 * confirmed stopped must end its waiters with EIO instead of handing the
 * buffer back; defect 3 for removal with work in flight).
 *
 * Tasks, each a fork()ed child reporting through shared memory:
 *  - per direction (pwrite() host-to-device, pread() device-to-host, 64 KiB
 *    at distinct LPDDR offsets of one raw file): two "holders", each on a
 *    channel stalled by the emulator (FAULT_STALL_CH/FAULT_STALL_US), and
 *    three "waiters" blocked for a free channel behind them;
 *  - two in AKIDA_IOCTL_JOB_WAIT, each on its own file: job A held in the
 *    NPU (FAULT_NPU_DELAY_US), job B queued behind it;
 *  - one in poll() and one in epoll_wait() on a third file whose job C is
 *    queued behind those (nobody collects C, so its completion stays
 *    visible); with a removal, also one poll() and one epoll_wait() on an
 *    idle file.
 * The jobs carry no DMA (inputs written beforehand), so they do not queue
 * behind the stalled channels.
 *
 * Then one event (the variants), and the documented outcome
 * (Documentation/accel/akida.rst):
 *  - reset: AKIDA_IOCTL_RESET fails every job not complete with -EIO and
 *    quiesces the eDMA, waiting for running lists: holders and waiters
 *    complete (the full count), JOB_WAIT reports -EIO, poll sees POLLIN;
 *  - unbind: running lists finish (holders get the full count), channel
 *    waiters wake with ENODEV, jobs fail with -ENODEV, poll/epoll see
 *    POLLHUP, idle files included;
 *  - dead: the device stops answering (FAULT_DEAD_MS) and stays bound: a
 *    list that times out on a dead device fails with EIO (its buffer is
 *    quarantined), a waiter then finds its channel unconfirmed and fails
 *    with EIO, NPU commands time out (-ETIMEDOUT), poll sees POLLIN once
 *    C failed; the device comes back, AKIDA_IOCTL_RESET recovers it and a
 *    job matches the golden model;
 *  - dead_unplug: the device stops answering for good, then device_del:
 *    nothing ends by timeout before the removal (the timeouts are set
 *    long), and the removal wakes everyone with ENODEV / -ENODEV / POLLHUP.
 *
 * The bound (guest time, CLOCK_MONOTONIC): every sleeper returns within
 * 5 s of the event (of the RESET call, of the unbind write); for the dead
 * device, where the driver can only learn of it from its own timeouts,
 * within 7 s: three lists (two holders', then one settle per waiter in
 * line) of dma_timeout_ms = 1500, or three NPU commands (A, B, C) of
 * npu_timeout_ms = 1700 and the failed NPU recoveries between them, after
 * work that began before the event, plus 1 s;
 * for device_del, within 10 s: pciehp removes the device 5 s after the
 * request, then 5 s. On unbind, channel waiters must wake within 1 s, well
 * before the stalled lists ahead of them end (3 s after they began).
 * Each sleeper must also still be blocked when the
 * event comes, or the test proves nothing: it fails.
 *
 * A sleeper that does not return in its bound is killed after it and the
 * test fails; the suite goes on.
 */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define HOSTCTL		"/usr/bin/akida-hostctl"
#define XFER_LEN	(64 << 10)
#define NR_DMA		5	/* per direction: 2 holders, 3 waiters */
#define NR_HOLD		2

enum ev { EV_RESET, EV_UNBIND, EV_DEAD, EV_DEAD_UNPLUG };
enum kind { K_WRITE, K_READ, K_JOB, K_POLL, K_EPOLL };

struct sleeper {
	char name[24];
	int kind;
	int holder;		/* a transfer on a stalled channel */
	int fd;
	uint64_t arg;		/* AXI address, or job id */
	pid_t pid;
	/* Written by the child. */
	volatile int done;
	long ret;
	int err;
	int status;		/* JOB_WAIT: the job's status */
	uint32_t step;
	uint32_t revents;
	double t_end;
};

#define MAX_SL	(2 * NR_DMA + 6)

static void sleeper_run(struct sleeper *s)
{
	struct akida_job_wait w;
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	void *buf = NULL;
	int ep;

	errno = 0;
	switch (s->kind) {
	case K_WRITE:
	case K_READ:
		buf = malloc(XFER_LEN);
		if (!buf)
			break;
		akt_fill(buf, XFER_LEN, (uint32_t)s->arg);
		s->ret = s->kind == K_WRITE ? pwrite(s->fd, buf, XFER_LEN, s->arg)
					    : pread(s->fd, buf, XFER_LEN, s->arg);
		s->err = s->ret < 0 ? errno : 0;
		break;
	case K_JOB:
		s->ret = aj_wait(s->fd, s->arg, 60000, &w);
		s->status = w.status;
		s->step = w.failed_step;
		break;
	case K_POLL:
		s->ret = poll(&pfd, 1, 60000);
		s->err = s->ret < 0 ? errno : 0;
		s->revents = pfd.revents;
		break;
	case K_EPOLL:
		ep = epoll_create1(0);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev)) {
			s->ret = -2;
			break;
		}
		memset(&ev, 0, sizeof(ev));
		s->ret = epoll_wait(ep, &ev, 1, 60000);
		s->err = s->ret < 0 ? errno : 0;
		s->revents = ev.events;
		break;
	}
	s->t_end = akt_now();
	__sync_synchronize();
	s->done = 1;
	_exit(0);
}

static int sleeper_start(struct sleeper *s)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid)
		sleeper_run(s);
	s->pid = pid;
	return 0;
}

/* Reap what has ended; SIGKILL (and reap, bounded) the rest at @deadline. */
static void sleepers_reap(struct sleeper *sl, int n, double deadline)
{
	int left, i;

	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (sl[i].pid > 0 && waitpid(sl[i].pid, NULL, WNOHANG) == sl[i].pid)
				sl[i].pid = 0;
			left += sl[i].pid > 0;
		}
		if (!left || akt_now() > deadline)
			break;
		usleep(20000);
	}
	for (i = 0; i < n; i++)
		if (sl[i].pid > 0)
			kill(sl[i].pid, SIGKILL);
	deadline = akt_now() + 10.0;
	for (i = 0; i < n; i++) {
		while (sl[i].pid > 0 && akt_now() < deadline) {
			if (waitpid(sl[i].pid, NULL, WNOHANG) == sl[i].pid)
				sl[i].pid = 0;
			else
				usleep(20000);
		}
	}
}

/* Wait until a one-shot fault knob of the test window was consumed. */
static int knob_taken(struct akt_emu *e, uint32_t reg, double secs)
{
	double t0 = akt_now();

	while (akt_emu_rd(e, reg) && akt_now() - t0 < secs)
		usleep(1000);
	return akt_emu_rd(e, reg) ? -1 : 0;
}

static int drv_write(const char *file, const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/akida_pcie/%s", file);
	return akt_write_file(path, bdf);
}

FIXTURE(sleep) {
	struct akt_dev d;
	struct akt_emu emu;
	int have_emu;
	int fd_raw, fd_a, fd_b, fd_p, fd_idle;
	struct aj_model ma, mb, mc;
	struct sleeper *sl;
	long long tmo, npu_tmo;
};

FIXTURE_VARIANT(sleep) {
	int ev;
	unsigned int dma_tmo_ms;	/* while the sleepers run */
	unsigned int npu_tmo_ms;
	unsigned int stall_us;		/* of each holder's channel */
	double bound;			/* s after the event */
	double wait_bound;		/* for channel waiters, if tighter */
	int hold_err;			/* expected: 0 = full count, else errno */
	int wait_err;
	int job_status;
	uint32_t poll_ev;		/* expected in poll()'s revents */
};

FIXTURE_VARIANT_ADD(sleep, reset) {
	.ev = EV_RESET, .dma_tmo_ms = 3000, .npu_tmo_ms = 30000,
	.stall_us = 3000000, .bound = 5.0,
	.hold_err = 0, .wait_err = 0, .job_status = -EIO, .poll_ev = POLLIN,
};

FIXTURE_VARIANT_ADD(sleep, unbind) {
	.ev = EV_UNBIND, .dma_tmo_ms = 3000, .npu_tmo_ms = 30000,
	.stall_us = 3000000, .bound = 5.0, .wait_bound = 1.0,
	.hold_err = 0, .wait_err = ENODEV, .job_status = -ENODEV,
	.poll_ev = POLLHUP,
};

FIXTURE_VARIANT_ADD(sleep, dead) {
	.ev = EV_DEAD, .dma_tmo_ms = 1500, .npu_tmo_ms = 1700,
	.stall_us = 3000000, .bound = 7.0,
	.hold_err = EIO, .wait_err = EIO, .job_status = -ETIMEDOUT,
	.poll_ev = POLLIN,
};

FIXTURE_VARIANT_ADD(sleep, dead_unplug) {
	.ev = EV_DEAD_UNPLUG, .dma_tmo_ms = 30000, .npu_tmo_ms = 30000,
	.stall_us = 20000000, .bound = 10.0, .wait_bound = 10.0,
	.hold_err = ENODEV, .wait_err = ENODEV, .job_status = -ENODEV,
	.poll_ev = POLLHUP,
};

FIXTURE_SETUP(sleep)
{
	self->fd_raw = self->fd_a = self->fd_b = self->fd_p = self->fd_idle = -1;
	self->have_emu = 0;
	self->tmo = akt_param("dma_timeout_ms");
	self->npu_tmo = akt_param("npu_timeout_ms");
	self->sl = mmap(NULL, MAX_SL * sizeof(*self->sl), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sl);
	if (variant->ev == EV_DEAD_UNPLUG && access(HOSTCTL, X_OK))
		SKIP(return, "not in the test guest (no akida-hostctl)");
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test-control window (real hardware?)");
	self->have_emu = 1;
	akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	ASSERT_LT(0, self->tmo);
	ASSERT_LT(0, self->npu_tmo);
	self->fd_raw = open(self->d.node, O_RDWR);
	self->fd_a = open(self->d.node, O_RDWR);
	self->fd_b = open(self->d.node, O_RDWR);
	self->fd_p = open(self->d.node, O_RDWR);
	self->fd_idle = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd_raw);
	ASSERT_LE(0, self->fd_a);
	ASSERT_LE(0, self->fd_b);
	ASSERT_LE(0, self->fd_p);
	ASSERT_LE(0, self->fd_idle);
}

FIXTURE_TEARDOWN(sleep)
{
	/* Whatever happened, no child outlives the test. */
	if (self->sl != MAP_FAILED)
		sleepers_reap(self->sl, MAX_SL, 0);
	if (self->have_emu) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->fd_a >= 0)
		aj_model_fini(self->fd_a, &self->ma);
	if (self->fd_b >= 0)
		aj_model_fini(self->fd_b, &self->mb);
	if (self->fd_p >= 0)
		aj_model_fini(self->fd_p, &self->mc);
	if (self->fd_raw >= 0)
		close(self->fd_raw);
	if (self->fd_a >= 0)
		close(self->fd_a);
	if (self->fd_b >= 0)
		close(self->fd_b);
	if (self->fd_p >= 0)
		close(self->fd_p);
	if (self->fd_idle >= 0)
		close(self->fd_idle);
	if (self->tmo > 0)
		akt_set_param("dma_timeout_ms", self->tmo);
	if (self->npu_tmo > 0)
		akt_set_param("npu_timeout_ms", self->npu_tmo);
	if (self->sl != MAP_FAILED)
		munmap(self->sl, MAX_SL * sizeof(*self->sl));
}

/* A job of @m that runs the file's program on inputs already in place. */
static int submit_nodma(int fd, struct aj_model *m, uint32_t flags, uint64_t *id)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];

	aj_job(m, &s, ent, flags);
	s.in_count = 0;
	s.in_dma = 0;
	s.out_count = 0;
	s.out_dma = 0;
	return aj_submit(fd, &s, id);
}

static struct sleeper *add(struct sleeper *sl, int *n, const char *name,
			   int kind, int fd, uint64_t arg)
{
	struct sleeper *s = &sl[(*n)++];

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->kind = kind;
	s->fd = fd;
	s->arg = arg;
	return s;
}

TEST_F_TIMEOUT(sleep, every_sleeper_returns, 240)
{
	uint64_t base = AKT_LPDDR + (akt_attr(&self->d, "akida_lpddr_size") / 2);
	struct sleeper *sl = self->sl;
	uint64_t id_a, id_b, id_c;
	double t_ev, t0, late;
	int n = 0, dir, i, removal;
	char name[24];
	pid_t ev_pid = -1;
	int ev_status = -1;

	removal = variant->ev == EV_UNBIND || variant->ev == EV_DEAD_UNPLUG;
	ASSERT_LT(AKT_LPDDR, base);

	/* Three files, three programs; A's is loaded, B and C load theirs. */
	ASSERT_EQ(0, aj_model_init(self->fd_b, &self->mb, 72, NULL, 4));
	ASSERT_EQ(0, aj_model_init(self->fd_p, &self->mc, 73, NULL, 4));
	ASSERT_EQ(0, aj_model_init(self->fd_a, &self->ma, 71, NULL, 4));
	ASSERT_EQ(0, aj_dma1(self->fd_b, AKIDA_DIR_TO_DEVICE, self->mb.in,
			     self->mb.in_addr, 4 * self->mb.in_bytes));
	ASSERT_EQ(0, aj_dma1(self->fd_p, AKIDA_DIR_TO_DEVICE, self->mc.in,
			     self->mc.in_addr, 4 * self->mc.in_bytes));
	ASSERT_EQ(0, aj_run(self->fd_a, &self->ma, AKIDA_JOB_PROGRAM, NULL));
	ASSERT_EQ(0, aj_model_check(&self->ma));

	ASSERT_EQ(0, akt_set_param("dma_timeout_ms", variant->dma_tmo_ms));
	ASSERT_EQ(0, akt_set_param("npu_timeout_ms", variant->npu_tmo_ms));

	/* A in the NPU for 20 s (beyond every bound), B and C behind it. */
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 20000000);
	ASSERT_EQ(0, submit_nodma(self->fd_a, &self->ma, 0, &id_a));
	ASSERT_EQ(0, knob_taken(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 5.0));
	ASSERT_EQ(0, submit_nodma(self->fd_b, &self->mb, AKIDA_JOB_PROGRAM, &id_b));
	ASSERT_EQ(0, submit_nodma(self->fd_p, &self->mc, AKIDA_JOB_PROGRAM, &id_c));

	/* Holders: each on its own stalled channel; then waiters. */
	for (dir = 0; dir < 2; dir++) {
		int kind = dir ? K_READ : K_WRITE;
		uint32_t sel = dir ? 0 : AKIDA_EMU_CH_READ;

		for (i = 0; i < NR_DMA; i++) {
			struct sleeper *s;

			snprintf(name, sizeof(name), "%s %s %d", dir ? "d2h" : "h2d",
				 i < NR_HOLD ? "holder" : "waiter", i);
			s = add(sl, &n, name, kind, self->fd_raw,
				base + (uint64_t)(dir * NR_DMA + i) * 0x20000);
			s->holder = i < NR_HOLD;
			if (i < NR_HOLD) {
				akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_STALL_CH, sel | i);
				akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_STALL_US,
					   variant->stall_us);
			}
			ASSERT_EQ(0, sleeper_start(s));
			if (i < NR_HOLD)
				ASSERT_EQ(0, knob_taken(&self->emu,
							AKIDA_EMU_FAULT_STALL_US, 5.0))
					TH_LOG("%s never started on channel %d", name, i);
		}
	}
	ASSERT_EQ(0, sleeper_start(add(sl, &n, "job_wait A", K_JOB, self->fd_a, id_a)));
	ASSERT_EQ(0, sleeper_start(add(sl, &n, "job_wait B", K_JOB, self->fd_b, id_b)));
	ASSERT_EQ(0, sleeper_start(add(sl, &n, "poll", K_POLL, self->fd_p, 0)));
	ASSERT_EQ(0, sleeper_start(add(sl, &n, "epoll_wait", K_EPOLL, self->fd_p, 0)));
	if (removal) {
		ASSERT_EQ(0, sleeper_start(add(sl, &n, "poll idle", K_POLL,
					       self->fd_idle, 0)));
		ASSERT_EQ(0, sleeper_start(add(sl, &n, "epoll_wait idle", K_EPOLL,
					       self->fd_idle, 0)));
	}
	/* Let every child reach its wait. */
	usleep(300000);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, sl[i].done) TH_LOG("%s returned before the event", sl[i].name);

	/* The event. */
	t_ev = akt_now();
	switch (variant->ev) {
	case EV_RESET:
	case EV_UNBIND:
		/* In a child too: a hung RESET or remove must not hang us. */
		ev_pid = fork();
		ASSERT_LE(0, ev_pid);
		if (!ev_pid) {
			struct akida_reset rst = { 0 };

			if (variant->ev == EV_RESET)
				_exit(AJ_IOCTL(self->fd_raw, AKIDA_IOCTL_RESET, &rst) ? 1 : 0);
			_exit(drv_write("unbind", self->d.bdf) ? 1 : 0);
		}
		break;
	case EV_DEAD:
		akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DEAD_MS, 10000);
		break;
	case EV_DEAD_UNPLUG:
		akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DEAD_MS, 0xffffffffu);
		usleep(500000);
		for (i = 0; i < n; i++)
			EXPECT_EQ(0, sl[i].done)
				TH_LOG("%s returned before the removal", sl[i].name);
		/* The old window goes with the device: never touch it again. */
		akt_emu_close(&self->emu);
		self->have_emu = 0;
		t_ev = akt_now();
		ASSERT_EQ(0, system(HOSTCTL " device_del akida0 >/dev/null"));
		break;
	}

	/* Bounded: whoever is still asleep after the bound is killed. */
	sleepers_reap(sl, n, t_ev + variant->bound + 0.5);
	if (ev_pid > 0) {
		t0 = akt_now();
		while (waitpid(ev_pid, &ev_status, WNOHANG) != ev_pid) {
			if (akt_now() - t0 > 10.0) {
				kill(ev_pid, SIGKILL);
				ev_status = -1;
				break;
			}
			usleep(20000);
		}
		EXPECT_TRUE(WIFEXITED(ev_status) && !WEXITSTATUS(ev_status))
			TH_LOG("the event (RESET/unbind) failed or hung");
	}

	late = 0;
	for (i = 0; i < n; i++) {
		struct sleeper *s = &sl[i];
		double dt = s->t_end - t_ev;

		if (!s->done) {
			ksft_print_msg("%s: still asleep %.1f s after the event (killed)\n",
				       s->name, variant->bound + 0.5);
			EXPECT_TRUE(s->done) TH_LOG("%s hung", s->name);
			continue;
		}
		ksft_print_msg("%s: ret %ld errno %d status %d step %u revents %#x after %.3f s\n",
			       s->name, s->ret, s->err, s->status, s->step, s->revents, dt);
		if (dt > late)
			late = dt;
		EXPECT_LE(0.0, dt) TH_LOG("%s returned before the event", s->name);
		EXPECT_GE(variant->bound, dt) TH_LOG("%s took %.3f s", s->name, dt);
		switch (s->kind) {
		case K_WRITE:
		case K_READ: {
			int want = s->holder ? variant->hold_err : variant->wait_err;

			/*
			 * Removal wakes channel waiters at once: not only when
			 * the lists ahead of them end.
			 */
			if (!s->holder && variant->wait_bound) {
				EXPECT_GE(variant->wait_bound, dt)
					TH_LOG("%s: woken only after %.3f s", s->name, dt);
			}
			if (!want) {
				EXPECT_EQ(XFER_LEN, s->ret) TH_LOG("%s: errno %d", s->name, s->err);
			} else {
				EXPECT_EQ(-1, s->ret) TH_LOG("%s", s->name);
				EXPECT_EQ(want, s->err) TH_LOG("%s", s->name);
			}
			break;
		}
		case K_JOB:
			EXPECT_EQ(0, s->ret) TH_LOG("%s", s->name);
			EXPECT_EQ(variant->job_status, s->status) TH_LOG("%s", s->name);
			if (s->arg == id_a) {
				EXPECT_EQ(AKIDA_STEP_RUN, s->step);
			} else {
				EXPECT_NE(AKIDA_STEP_NONE, s->step);
			}
			break;
		case K_POLL:
		case K_EPOLL:
			EXPECT_EQ(1, s->ret) TH_LOG("%s: errno %d", s->name, s->err);
			/* EPOLLIN/EPOLLHUP have poll()'s values. */
			EXPECT_TRUE(s->revents & variant->poll_ev)
				TH_LOG("%s: revents %#x", s->name, s->revents);
			break;
		}
	}
	ksft_print_msg("last sleeper returned %.3f s after the event (bound %.1f s)\n",
		       late, variant->bound);

	/* Put the device back, and show it works. */
	switch (variant->ev) {
	case EV_UNBIND:
		/* Old files hold the old minor: the new device gets another. */
		EXPECT_EQ(0, drv_write("bind", self->d.bdf));
		t0 = akt_now();
		while (akt_find(&self->d) && akt_now() - t0 < 10.0)
			usleep(100000);
		ASSERT_EQ(0, akt_find(&self->d));
		break;
	case EV_DEAD:
		/* Back after FAULT_DEAD_MS; then a reset proves the engine quiet. */
		t0 = akt_now();
		while (akt_now() - t0 < 20.0 &&
		       akt_emu_rd(&self->emu, AKIDA_EMU_MAGIC) != AKIDA_EMU_MAGIC_VALUE)
			usleep(50000);
		ASSERT_EQ(AKIDA_EMU_MAGIC_VALUE, akt_emu_rd(&self->emu, AKIDA_EMU_MAGIC));
		usleep(200000);
		{
			struct akida_reset rst = { 0 };

			EXPECT_EQ(0, AJ_IOCTL(self->fd_raw, AKIDA_IOCTL_RESET, &rst));
		}
		break;
	case EV_DEAD_UNPLUG: {
		struct akt_dev d2;

		/* pciehp removes the device 5 s after the request. */
		t0 = akt_now();
		while (!access(self->d.pci, F_OK) && akt_now() - t0 < 30.0)
			usleep(100000);
		EXPECT_NE(0, access(self->d.pci, F_OK));
		ASSERT_EQ(0, system(HOSTCTL " device_add akd1000,id=akida0,bus=rp0 >/dev/null"));
		t0 = akt_now();
		while (akt_find(&d2) && akt_now() - t0 < 30.0)
			usleep(100000);
		ASSERT_EQ(0, akt_find(&d2)) TH_LOG("no device 30 s after device_add");
		self->d = d2;
		break;
	}
	default:
		break;
	}
	akt_set_param("dma_timeout_ms", self->tmo);
	akt_set_param("npu_timeout_ms", self->npu_tmo);

	/* The device (old or new) moves data and runs jobs. */
	{
		struct aj_model m;
		int fd = open(self->d.node, O_RDWR);

		ASSERT_LE(0, fd);
		EXPECT_EQ(0, akt_roundtrip(fd, base, XFER_LEN, 99));
		ASSERT_EQ(0, aj_model_init(fd, &m, 74, NULL, 4));
		EXPECT_EQ(0, aj_run(fd, &m, AKIDA_JOB_PROGRAM, NULL));
		EXPECT_EQ(0, aj_model_check(&m));
		aj_model_fini(fd, &m);
		close(fd);
	}
}

TEST_HARNESS_MAIN
