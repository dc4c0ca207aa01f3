// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime of akida_pcie: module unload/reload loops; unbinding the device
 * with files open, BAR0 mapped and transfers in flight (they end with
 * -ENODEV, the mapping goes away, nothing hangs); the module cannot go while
 * a file is open. The device is bound again at the end of every test.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "rw_util.h"

#define DRV	"/sys/bus/pci/drivers/akida_pcie"

static int wait_node(struct akt_dev *d, double secs)
{
	double t0 = akt_now();

	while (akt_now() - t0 < secs) {
		if (!akt_find(d))
			return 0;
		usleep(20000);
	}
	return -1;
}

static int delete_module(void)
{
	return syscall(SYS_delete_module, "akida_pcie", O_NONBLOCK);
}

static void rebind(const char *bdf)
{
	/* Room for the driver directory and any bdf string rw_util.h holds. */
	char path[sizeof(DRV "/") + PATH_MAX];

	snprintf(path, sizeof(path), DRV "/%s", bdf);
	if (access(path, F_OK))
		akt_write_file(DRV "/bind", bdf);
}

FIXTURE(life) {
	struct akt_dev d;
};

FIXTURE_SETUP(life)
{
	if (geteuid())
		SKIP(return, "needs root");
	if (access("/sys/module/akida_pcie", F_OK))
		ABSENT(return, "akida_pcie not loaded");
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
}

FIXTURE_TEARDOWN(life)
{
	if (access("/sys/module/akida_pcie", F_OK))
		system("modprobe akida_pcie ${akida_params:-}");
	rebind(self->d.bdf);
}

TEST_F_TIMEOUT(life, unload_reload_loop, 200)
{
	int i, fd;

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, delete_module()) TH_LOG("unload %d: %s", i, strerror(errno));
		ASSERT_NE(0, access(self->d.node, F_OK));
		ASSERT_EQ(0, system("modprobe akida_pcie ${akida_params:-}"));
		ASSERT_EQ(0, wait_node(&self->d, 10.0)) TH_LOG("no device after reload %d", i);
		fd = open(self->d.node, O_RDWR);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR, 65536 + i, i));
		close(fd);
	}
}

TEST_F(life, busy_while_open)
{
	int fd = open(self->d.node, O_RDWR);

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, delete_module());
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR, 4096, 9));
	close(fd);
}

struct streamer {
	int fd;
	volatile int stop;
	int last_err;
	int other_err;	/* first errno that was not ENODEV */
	unsigned long ok;
};

static void *stream_fn(void *arg)
{
	struct streamer *s = arg;
	size_t len = 4 << 20;
	uint8_t *buf = malloc(len);
	int i = 0;

	if (!buf) {
		s->other_err = ENOMEM;
		return NULL;
	}
	akt_fill(buf, len, 3);
	while (!s->stop) {
		ssize_t n = (i++ & 1) ? pread(s->fd, buf, len, AKT_USER_LPDDR)
				      : pwrite(s->fd, buf, len, AKT_USER_LPDDR);

		if (n < 0) {
			s->last_err = errno;
			if (errno == ENODEV)
				break;
			if (!s->other_err)
				s->other_err = errno;
		} else {
			s->ok++;
		}
	}
	free(buf);
	return NULL;
}

/*
 * Wait until the streamers have completed a transfer (bounded by 20 s), then
 * a little longer so that more are in flight: not a fixed time, which the
 * debug kernel under single-threaded TCG outlasted.
 */
static void streams_flowing(struct streamer *s)
{
	int i;

	for (i = 0; i < 2000 && !__atomic_load_n(&s[0].ok, __ATOMIC_RELAXED) &&
	     !__atomic_load_n(&s[1].ok, __ATOMIC_RELAXED); i++)
		usleep(10000);
	usleep(50000);
}

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

TEST_F_TIMEOUT(life, unbind_with_open_files_and_transfers, 120)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct streamer s[2] = { 0 };
	pthread_t th[2];
	volatile uint32_t *bar;
	int fd, i, status;
	pid_t pid;
	uint32_t v;

	fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd);
	bar = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, bar);
	ASSERT_EQ(AKT_DEVICE_ID, bar[0]);
	for (i = 0; i < 2; i++) {
		s[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stream_fn, &s[i]));
	}
	streams_flowing(s);
	ASSERT_EQ(0, akt_write_file(DRV "/unbind", self->d.bdf));
	/* Every transfer ends: the streamers see -ENODEV and stop. */
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(ENODEV, s[i].last_err);
		/* Until the unbind, every transfer succeeded. */
		EXPECT_EQ(0, s[i].other_err) TH_LOG("streamer %d: %s", i,
						    strerror(s[i].other_err));
	}
	EXPECT_LT(0UL, s[0].ok + s[1].ok) TH_LOG("no transfer completed before the unbind");
	errno = 0;
	EXPECT_EQ(-1, pread(fd, &v, 4, AKT_NPU));
	EXPECT_EQ(ENODEV, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0));
	EXPECT_EQ(ENODEV, errno);
	/* The old mapping is gone: touching it raises SIGBUS. */
	fault_sig = 0;
	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	if (!sigsetjmp(fault_jmp, 1))
		v = bar[0];
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	EXPECT_EQ(SIGBUS, fault_sig);
	/* A child never had it (VM_DONTCOPY): SIGSEGV there. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		v = bar[0];
		_exit(v == AKT_DEVICE_ID ? 1 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	if (WIFSIGNALED(status))
		EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	EXPECT_NE(0, access(self->d.node, F_OK));
	munmap((void *)bar, pg);
	close(fd);

	ASSERT_EQ(0, akt_write_file(DRV "/bind", self->d.bdf));
	ASSERT_EQ(0, wait_node(&self->d, 10.0));
	fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR, 1 << 20, 11));
	close(fd);
}

/*
 * Surprise removal: the device stops answering (as after a link down) with
 * transfers in flight, then is unbound. Remove must not wait for the lists
 * the dead device will never complete: the streamers end at once.
 */
TEST_F_TIMEOUT(life, unbind_dead_device, 120)
{
	struct streamer s[2] = { 0 };
	struct akt_emu emu;
	pthread_t th[2];
	double t0;
	int fd, i;

	if (akt_emu_open(&self->d, &emu))
		ABSENT(return, "no emulator test-control window");
	ASSERT_EQ(0, akt_set_param("dma_timeout_ms", 20000));
	fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		s[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stream_fn, &s[i]));
	}
	streams_flowing(s);
	akt_emu_wr(&emu, AKIDA_EMU_FAULT_DEAD_MS, 8000);
	usleep(200000);
	t0 = akt_now();
	ASSERT_EQ(0, akt_write_file(DRV "/unbind", self->d.bdf));
	for (i = 0; i < 2; i++) {
		s[i].stop = 1;
		pthread_join(th[i], NULL);
		/* A dead device fails transfers with EIO, then ENODEV: nothing else. */
		EXPECT_TRUE(!s[i].other_err || s[i].other_err == EIO)
			TH_LOG("streamer %d: %s", i, strerror(s[i].other_err));
	}
	EXPECT_LT(0UL, s[0].ok + s[1].ok) TH_LOG("no transfer completed before the fault");
	/* Far less than the 20 s list timeout: nobody waited for the dead. */
	EXPECT_GT(5.0, akt_now() - t0);
	close(fd);
	akt_set_param("dma_timeout_ms", 3000);

	t0 = akt_now();
	while (akt_emu_rd(&emu, AKIDA_EMU_MAGIC) != AKIDA_EMU_MAGIC_VALUE &&
	       akt_now() - t0 < 30.0)
		usleep(100000);
	akt_emu_close(&emu);
	ASSERT_EQ(0, akt_write_file(DRV "/bind", self->d.bdf));
	ASSERT_EQ(0, wait_node(&self->d, 10.0));
	fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR, 1 << 20, 13));
	close(fd);
}

static int reload(const char *params)
{
	char cmd[256];

	if (delete_module())
		return -1;
	snprintf(cmd, sizeof(cmd), "modprobe akida_pcie %s", params);
	return system(cmd);
}

/* A larger reserved DMA RAM: longer lists, a larger refused range. */
TEST_F_TIMEOUT(life, dma_ram_size_parameter, 120)
{
	uint8_t b[16];
	int fd, i;

	ASSERT_EQ(0, reload("dma_ram_size=0x4000 dma_pinned=1"));
	ASSERT_EQ(0, wait_node(&self->d, 10.0));
	EXPECT_EQ(0x4000, akt_attr(&self->d, "akida_dma_ram_size"));
	fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, b, 16, AKT_USER_LPDDR));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, b, 16, AKT_LPDDR + 0x3ff8));
	EXPECT_EQ(EINVAL, errno);
	/* Pinned pages: many elements per list now. */
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, akt_roundtrip(fd, AKT_LPDDR + 0x4000 + i, (4 << 20) - i, 20 + i));
	close(fd);

	/* Invalid sizes: the module loads, probe refuses the device. */
	ASSERT_EQ(0, reload("dma_ram_size=0x180"));
	usleep(200000);
	EXPECT_NE(0, akt_find(&self->d));
	ASSERT_EQ(0, reload("dma_ram_size=0x80"));
	usleep(200000);
	EXPECT_NE(0, akt_find(&self->d));

	ASSERT_EQ(0, reload(""));
	ASSERT_EQ(0, wait_node(&self->d, 10.0));
	EXPECT_EQ(0x100, akt_attr(&self->d, "akida_dma_ram_size"));
	fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR, 4096, 30));
	close(fd);
}

TEST_F_TIMEOUT(life, unload_after_unbind_with_file_open, 60)
{
	int fd = open(self->d.node, O_RDWR);
	uint32_t v;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, akt_write_file(DRV "/unbind", self->d.bdf));
	errno = 0;
	EXPECT_EQ(-1, pread(fd, &v, 4, AKT_NPU));
	EXPECT_EQ(ENODEV, errno);
	/* The open file still pins the module. */
	EXPECT_EQ(-1, delete_module());
	close(fd);
	ASSERT_EQ(0, delete_module());
	ASSERT_EQ(0, system("modprobe akida_pcie ${akida_params:-}"));
	ASSERT_EQ(0, wait_node(&self->d, 10.0));
	fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR, 4096, 12));
	close(fd);
}

TEST_HARNESS_MAIN
