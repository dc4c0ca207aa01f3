// SPDX-License-Identifier: GPL-2.0
/*
 * No user page fault under an engine lock (issue 15, defect 5).
 *
 * A process starts two pwrite()s and two pread()s whose buffers are
 * userfaultfd pages it never resolves, so that every channel of both
 * directions would be held if the driver touched user memory while holding
 * one. Meanwhile another client's transfers, AKIDA_IOCTL_RESET and unbind
 * must each finish within BOUND_S (each in its own test). Run with bounce
 * buffers and with dma_pinned=1.
 *
 * Needs root (userfaultfd for kernel faults, RESET, unbind).
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

/* dma_timeout_ms (3 s) plus margin. */
#define BOUND_S		8.0
#define NSTALL		4	/* two writers, two readers */
#define STALL_AXI	(AKT_USER_LPDDR + 0x100000)

static int drv_write(const char *file, const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/akida_pcie/%s", file);
	return akt_write_file(path, bdf);
}

struct stall {
	int fd;
	char *buf;
	int write;
	uint64_t axi;
};

static void *stall_thread(void *arg)
{
	struct stall *s = arg;
	long ps = sysconf(_SC_PAGESIZE);

	if (s->write)
		pwrite(s->fd, s->buf, ps, s->axi);
	else
		pread(s->fd, s->buf, ps, s->axi);
	return NULL;
}

/* The stalled process: report on @wfd once all NSTALL have faulted. */
static int stall_child(const char *node, int wfd)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct stall s[NSTALL];
	pthread_t th[NSTALL];
	struct uffd_msg msg;
	int uffd, fd, i, faults = 0;
	char *buf;

	/* Not UFFD_USER_MODE_ONLY: the kernel's own faults must wait too. */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return 1;
	buf = mmap(NULL, NSTALL * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 2;
	reg.range.start = (uintptr_t)buf;
	reg.range.len = NSTALL * ps;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return 3;
	fd = open(node, O_RDWR);
	if (fd < 0)
		return 4;
	for (i = 0; i < NSTALL; i++) {
		s[i].fd = fd;
		s[i].buf = buf + i * ps;
		s[i].write = i < NSTALL / 2;
		s[i].axi = STALL_AXI + i * ps;
		if (pthread_create(&th[i], NULL, stall_thread, &s[i]))
			return 5;
	}
	while (faults < NSTALL) {
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			return 6;
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			faults++;
	}
	if (write(wfd, "s", 1) != 1)
		return 7;
	/* Never resolve them. */
	for (;;)
		pause();
}

struct op {
	int (*fn)(struct op *o);
	const char *node;
	const char *bdf;
	int ret;
	volatile int done;
	pthread_t th;
};

static void *op_thread(void *arg)
{
	struct op *o = arg;

	o->ret = o->fn(o);
	__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Start @o; 0 if it finished within @sec (then joined), -1 if not. */
static int op_bounded(struct op *o, double sec)
{
	double t0 = akt_now();

	o->done = 0;
	if (pthread_create(&o->th, NULL, op_thread, o))
		return -2;
	while (!__atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
		if (akt_now() - t0 > sec)
			return -1;
		usleep(10000);
	}
	pthread_join(o->th, NULL);
	return 0;
}

static int op_transfers(struct op *o)
{
	int fd = open(o->node, O_RDWR), i, ret = 0;

	if (fd < 0)
		return -errno;
	for (i = 0; !ret && i < 4; i++)
		ret = akt_roundtrip(fd, AKT_USER_LPDDR + 0x200000, 256 << 10, 77 + i);
	close(fd);
	return ret;
}

static int op_reset(struct op *o)
{
	struct akida_reset r = { 0 };
	int fd = open(o->node, O_RDWR), ret;

	if (fd < 0)
		return -errno;
	ret = AJ_IOCTL(fd, AKIDA_IOCTL_RESET, &r);
	close(fd);
	return ret;
}

static int op_unbind(struct op *o)
{
	return drv_write("unbind", o->bdf);
}

/* Whether this kernel has the userfaultfd system call at all. */
static bool uffd_available(void)
{
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	return errno != ENOSYS;
}

FIXTURE(uffd) {
	struct akt_dev d;
	long long old_pinned;
	pid_t child;
	int unbound;
};

FIXTURE_VARIANT(uffd) {
	int pinned;
};

FIXTURE_VARIANT_ADD(uffd, bounce) { .pinned = 0 };
FIXTURE_VARIANT_ADD(uffd, pinned) { .pinned = 1 };

FIXTURE_SETUP(uffd)
{
	int p[2];
	char c;
	struct pollfd pfd;

	self->child = -1;
	self->unbound = 0;
	self->old_pinned = akt_param("dma_pinned");
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (geteuid())
		SKIP(return, "needs root");
	if (!uffd_available())
		SKIP(return, "the kernel has no userfaultfd (CONFIG_USERFAULTFD)");
	ASSERT_LE(0, self->old_pinned);
	ASSERT_EQ(0, akt_set_param("dma_pinned", variant->pinned));
	ASSERT_EQ(0, pipe(p));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		close(p[0]);
		_exit(stall_child(self->d.node, p[1]));
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) TH_LOG("the stalled transfers never faulted");
	ASSERT_EQ(1, read(p[0], &c, 1)) TH_LOG("the stalling child failed");
	close(p[0]);
	/* Let a driver that faults under its locks get there. */
	usleep(300000);
}

/* End the stalled process (its faults then fail); never kill(-1). */
static void kill_child(pid_t *child)
{
	if (*child > 0) {
		kill(*child, SIGKILL);
		waitpid(*child, NULL, 0);
	}
	*child = -1;
}

FIXTURE_TEARDOWN(uffd)
{
	kill_child(&self->child);
	if (self->unbound)
		drv_write("bind", self->d.bdf);
	if (self->old_pinned >= 0)
		akt_set_param("dma_pinned", self->old_pinned);
}

/*
 * @o did not finish in time: release the stall (kill its owner) so that
 * it can, and fail.
 */
#define EXPECT_BOUNDED(o, what)						\
	do {								\
		if (op_bounded((o), BOUND_S)) {				\
			kill_child(&self->child);			\
			pthread_join((o)->th, NULL);			\
			ADD_FAILURE() TH_LOG("%s blocked behind a stalled user fault", what); \
		}							\
	} while (0)

#ifndef ADD_FAILURE
#define ADD_FAILURE()	EXPECT_TRUE(0)
#endif

TEST_F_TIMEOUT(uffd, other_client_transfers, 60)
{
	struct op o = { .node = self->d.node, .bdf = self->d.bdf };

	o.fn = op_transfers;
	EXPECT_BOUNDED(&o, "another client's transfers");
	EXPECT_EQ(0, o.ret);
}

TEST_F_TIMEOUT(uffd, reset, 60)
{
	struct op o = { .node = self->d.node, .bdf = self->d.bdf };

	o.fn = op_reset;
	EXPECT_BOUNDED(&o, "AKIDA_IOCTL_RESET");
	EXPECT_EQ(0, o.ret);
	/* And the device still moves data. */
	o.fn = op_transfers;
	EXPECT_BOUNDED(&o, "transfers after the reset");
	EXPECT_EQ(0, o.ret);
}

TEST_F_TIMEOUT(uffd, unbind, 60)
{
	struct op o = { .node = self->d.node, .bdf = self->d.bdf };

	o.fn = op_unbind;
	EXPECT_BOUNDED(&o, "unbind");
	EXPECT_EQ(0, o.ret);
	self->unbound = 1;
	/* The stalled transfers end (-ENODEV or -EFAULT) once killed. */
	kill_child(&self->child);
	EXPECT_EQ(0, drv_write("bind", self->d.bdf));
	self->unbound = 0;
	usleep(200000);
}

TEST_HARNESS_MAIN
