// SPDX-License-Identifier: GPL-2.0
/*
 * Races with remove and killable transfers (issue 15):
 *
 *  - submit_vs_unbind (defect 3): one thread submits jobs in a loop while
 *    another unbinds the device, ROUNDS times or for about MAX_S seconds;
 *    every submission returns 0 or -ENODEV, every accepted job completes
 *    (status 0, -ENODEV or -ECANCELED), and the kernel logs no warning
 *    (scripts/vmrun.py fails the run on a splat; run_suite.sh on a pin
 *    left behind);
 *  - long_read_dies_promptly (defect 10): a 16 MiB pread() into a buffer
 *    made of one page mapped over and over (so with dma_pinned=1 the engine
 *    runs thousands of two-element lists), killed in the middle, stops
 *    within a few lists (the emulator's D2H byte counter says), not at the
 *    end of the read or of the batch the driver pinned.
 *
 * Needs root (unbind, module parameters).
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define ROUNDS		200
#define MAX_S		60.0
#define READ_LEN	(16ull << 20)

#ifndef ADD_FAILURE
#define ADD_FAILURE()	EXPECT_TRUE(0)
#endif

static int drv_write(const char *file, const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/akida_pcie/%s", file);
	return akt_write_file(path, bdf);
}

/* Wait up to 10 s for /dev/akidaN to come back after a bind. */
static int wait_node(struct akt_dev *d)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!akt_find(d) && !access(d->node, R_OK | W_OK))
			return 0;
		usleep(10000);
	}
	return -1;
}

struct submitter {
	int fd;
	struct aj_model *m;
	volatile int stop;
	unsigned long ok, enodev;
	int bad_submit, bad_status;
};

/* Submit (and collect) until the device is gone. */
static void *submit_fn(void *arg)
{
	struct submitter *s = arg;
	struct akida_job_submit js;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint64_t id;
	int ret;

	aj_job(s->m, &js, ent, AKIDA_JOB_PROGRAM);
	while (!s->stop) {
		js.job_id = 0;
		ret = aj_submit(s->fd, &js, &id);
		if (ret == -ENODEV) {
			s->enodev++;
			break;
		}
		if (ret) {
			s->bad_submit = ret;
			break;
		}
		s->ok++;
		ret = aj_wait(s->fd, id, 30000, &w);
		if (ret) {
			s->bad_status = ret;
			break;
		}
		if (w.status && w.status != -ENODEV && w.status != -ECANCELED) {
			s->bad_status = w.status;
			break;
		}
	}
	return NULL;
}

/* A fixture only for the time limit: a debug kernel binds slowly. */
FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

TEST_F_TIMEOUT(race, submit_vs_unbind, MAX_S + 60)
{
	unsigned long ok = 0, enodev = 0;
	struct akt_dev d;
	double t0 = akt_now();
	int round;

	if (akt_find(&d))
		ABSENT(return, "no /dev/akidaN");
	if (geteuid())
		SKIP(return, "needs root");
	for (round = 0; round < ROUNDS && akt_now() - t0 < MAX_S; round++) {
		struct submitter s = { 0 };
		struct aj_model m;
		pthread_t th;

		s.fd = open(d.node, O_RDWR);
		ASSERT_LE(0, s.fd) TH_LOG("round %d", round);
		ASSERT_EQ(0, aj_model_init(s.fd, &m, 3 + round, NULL, 64));
		s.m = &m;
		ASSERT_EQ(0, pthread_create(&th, NULL, submit_fn, &s));
		/* Land the unbind anywhere in a submission. */
		usleep(rand() % 20000);
		ASSERT_EQ(0, drv_write("unbind", d.bdf)) TH_LOG("round %d", round);
		s.stop = 1;
		pthread_join(th, NULL);
		EXPECT_EQ(0, s.bad_submit) TH_LOG("round %d: submit gave %d", round,
						  s.bad_submit);
		EXPECT_EQ(0, s.bad_status) TH_LOG("round %d: job gave %d", round,
						  s.bad_status);
		ok += s.ok;
		enodev += s.enodev;
		aj_model_fini(s.fd, &m);
		close(s.fd);
		ASSERT_EQ(0, drv_write("bind", d.bdf));
		ASSERT_EQ(0, wait_node(&d)) TH_LOG("round %d: no device after bind", round);
		if (s.bad_submit || s.bad_status)
			break;
	}
	TH_LOG("%d rounds in %.1f s: %lu jobs accepted, %lu submissions refused with ENODEV",
	       round, akt_now() - t0, ok, enodev);
	/* At least 20 rounds, however slow the kernel (200 take 9 s on 6.12). */
	EXPECT_LE(20, round);
}

/*
 * In a child: READ_LEN bytes made of every other page of a memfd twice that
 * size, so that no two neighbouring pages of the buffer are physically
 * contiguous (each becomes a list of its own) and none is mapped twice (the
 * device never writes one cacheline through two mappings, which DMA-API
 * debugging rightly reports). Tell @wfd, pread() into it from LPDDR. Exit 0
 * if the read completed.
 */
static int long_read_child(const char *node, int wfd)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t i, n = READ_LEN / ps;
	char *buf;
	int mfd, fd;

	fd = open(node, O_RDONLY);
	mfd = memfd_create("akida-every-other-page", 0);
	/* Every page of the file, in order, before any is mapped. */
	if (fd < 0 || mfd < 0 || fallocate(mfd, 0, 0, 2 * READ_LEN))
		return 1;
	buf = mmap(NULL, READ_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 2;
	for (i = 0; i < n; i++)
		if (mmap(buf + i * ps, ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 mfd, 2 * i * ps) == MAP_FAILED)
			return 3;
	if (write(wfd, "r", 1) != 1)
		return 4;
	return pread(fd, buf, READ_LEN, AKT_USER_LPDDR) == (ssize_t)READ_LEN ? 0 : 5;
}

FIXTURE(kill) {
	struct akt_dev d;
	struct akt_emu emu;
	int have_emu;
	long long old_pinned;
};

FIXTURE_SETUP(kill)
{
	self->have_emu = 0;
	self->old_pinned = akt_param("dma_pinned");
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (geteuid())
		SKIP(return, "needs root");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test-control window (real hardware?)");
	self->have_emu = 1;
	if (akt_iommu_on(&self->d))
		SKIP(return, "an IOMMU merges the pages into lists as long as a pinned batch: "
		     "stopping between lists cannot be told from finishing the batch");
	ASSERT_LE(0, self->old_pinned);
	/* Straight from the pages: one list per two of them. */
	ASSERT_EQ(0, akt_set_param("dma_pinned", 1));
}

FIXTURE_TEARDOWN(kill)
{
	if (self->old_pinned >= 0)
		akt_set_param("dma_pinned", self->old_pinned);
	if (self->have_emu)
		akt_emu_close(&self->emu);
}

/*
 * The driver pins 4 MiB at a time. SIGKILL the reader 1 MiB into its second
 * batch (watching the device's D2H byte counter): it must stop after the
 * list under way, not move the rest of the batch (3 MiB) first.
 */
TEST_F_TIMEOUT(kill, long_read_dies_promptly, 180)
{
	uint64_t start, at_kill, after;
	double t_kill, t_dead;
	struct pollfd pfd;
	int p[2], status;
	pid_t pid;
	char c;

	start = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_D2H_BYTES);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		_exit(long_read_child(self->d.node, p[1]));
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	ASSERT_EQ(1, read(p[0], &c, 1));
	close(p[0]);
	while (akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_D2H_BYTES) - start < (5 << 20)) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			ADD_FAILURE() TH_LOG("the read ended early (status %#x)", status);
			return;
		}
	}
	kill(pid, SIGKILL);
	t_kill = akt_now();
	at_kill = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_D2H_BYTES);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t_dead = akt_now();
	after = akt_emu_rd64(&self->emu, AKIDA_EMU_CNT_D2H_BYTES);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	TH_LOG("killed %llu KiB into the read; %llu KiB moved after the kill, gone %.3f s later",
	       (unsigned long long)(at_kill - start) >> 10,
	       (unsigned long long)(after - at_kill) >> 10, t_dead - t_kill);
	/* It was still reading... */
	EXPECT_GT(READ_LEN - (1 << 20), at_kill - start);
	/* ...and stopped within a few lists (two pages each). */
	EXPECT_GE(64 << 10, after - at_kill);
	/* Gone soon too (a debug kernel under TCG takes about 1 s). */
	EXPECT_GT(5.0, t_dead - t_kill);
}

TEST_HARNESS_MAIN
