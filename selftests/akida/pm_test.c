// SPDX-License-Identifier: GPL-2.0
/*
 * Power management of akida_pcie (Documentation/accel/akida.rst, "Power
 * management"). Needs root.
 *
 *  - rpm: an idle device (open files with nothing to do) reaches D3hot, as
 *    the kernel (power/runtime_status) and the device itself (PMCSR in its
 *    configuration space) say; a job, a transfer and a DMA ioctl wake it and
 *    work (outputs equal the golden model; device memory kept its contents;
 *    the program is loaded again); a file that touched the NPU registers
 *    keeps it in D0 until closed; power/control "on" keeps it in D0; sysfs
 *    reads do not wake it; a function reset of a suspended device leaves it
 *    working.
 *  - sleep: system suspend cycles (/sys/power/pm_test "devices", "platform"
 *    and "core": the last two take the device to D3hot in the noirq phase)
 *    and a hibernation cycle ("devices": freeze, thaw)
 *    while a stream of jobs runs: no job is lost or failed, outputs equal
 *    the golden model, and the device works after each.
 *
 * A real S3 cycle is not run: under QEMU 7.2 (TCG, SeaBIOS) the machine
 * comes back from S3 without its PCIe extended configuration space (ECAM
 * reads 0 for every device, the root port too), so the iATU at 0x900 cannot
 * be programmed; the driver then reports the device dead, as it should.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define DELAY_MS	200	/* power/autosuspend_delay_ms during the tests */
#define PCI_CAP_PM	0x01

/* <pci>/<file> as a string (trailing newline removed); -errno. */
static int pm_read(const struct akt_dev *d, const char *file, char *buf, size_t len)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", d->pci, file);
	return akt_read_file(p, buf, len);
}

static int pm_write(const struct akt_dev *d, const char *file, const char *val)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", d->pci, file);
	return akt_write_file(p, val);
}

/* power/runtime_status is @want within @ms. */
static int pm_wait_status(const struct akt_dev *d, const char *want, int ms)
{
	char buf[32] = "";
	int i;

	for (i = 0; i <= ms / 10; i++) {
		if (!pm_read(d, "power/runtime_status", buf, sizeof(buf)) &&
		    !strcmp(buf, want))
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "# runtime_status is \"%s\", not \"%s\", after %d ms\n",
		buf, want, ms);
	return -1;
}

/*
 * The power state the device itself reports: PMCSR bits 1:0 of its PCI PM
 * capability, read from the configuration space (which a D3hot device
 * still answers, and whose reading wakes nothing). -1 if unreadable.
 */
static int pm_dstate(const struct akt_dev *d)
{
	char p[PATH_MAX + 16];
	uint8_t cfg[256];
	unsigned int pos, n = 0;
	int fd;

	snprintf(p, sizeof(p), "%s/config", d->pci);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	if (pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg)) {
		close(fd);
		return -1;
	}
	close(fd);
	for (pos = cfg[0x34] & ~3u; pos && n < 48; pos = cfg[pos + 1] & ~3u, n++)
		if (cfg[pos] == PCI_CAP_PM)
			return (cfg[pos + 4] | cfg[pos + 5] << 8) & 3;
	return -1;
}

static long long pm_count(const struct akt_dev *d, const char *name)
{
	char a[64];

	snprintf(a, sizeof(a), "akida_pm/%s", name);
	return akt_attr(d, a);
}

FIXTURE(rpm) {
	struct akt_dev d;
	char control[16];
	char delay[16];
	int fd;
	struct aj_model m;
};

FIXTURE_SETUP(rpm)
{
	self->fd = -1;
	self->control[0] = 0;
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, akt_find(&self->d));
	/* The driver must offer runtime PM: a missing file is a failure. */
	ASSERT_EQ(0, pm_read(&self->d, "power/control", self->control,
			     sizeof(self->control)));
	ASSERT_EQ(0, pm_read(&self->d, "power/autosuspend_delay_ms", self->delay,
			     sizeof(self->delay)));
	ASSERT_LE(0, pm_count(&self->d, "runtime_suspends"));
	ASSERT_EQ(0, pm_write(&self->d, "power/autosuspend_delay_ms", "200"));
	ASSERT_EQ(0, pm_write(&self->d, "power/control", "auto"));
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(rpm)
{
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
	if (self->control[0]) {
		pm_write(&self->d, "power/autosuspend_delay_ms", self->delay);
		pm_write(&self->d, "power/control", self->control);
	}
}

/* Suspended, as the kernel and the device say. */
static int pm_suspended(struct __test_metadata *_metadata, const struct akt_dev *d)
{
	if (pm_wait_status(d, "suspended", 20 * DELAY_MS + 2000))
		return -1;
	EXPECT_EQ(3, pm_dstate(d));
	return 0;
}

/*
 * An open file with a program, its inputs and outputs in device memory and
 * nothing to do does not keep the device up: it reaches D3hot.
 */
TEST_F_TIMEOUT(rpm, idle_device_reaches_d3hot, 60)
{
	char ps[16];
	long long s0 = pm_count(&self->d, "runtime_suspends");

	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 7, NULL, 2));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	EXPECT_LT(s0, pm_count(&self->d, "runtime_suspends"));
	/* The PCI core's view, where the kernel has it (5.18+). */
	if (!pm_read(&self->d, "power_state", ps, sizeof(ps)))
		EXPECT_STREQ("D3hot", ps);
	/* It stays there while nothing happens. */
	usleep(4 * DELAY_MS * 1000);
	EXPECT_EQ(3, pm_dstate(&self->d));
}

/*
 * A job wakes it: the NPU lost its program in D3hot and loads it again from
 * device memory, which kept it; the outputs equal the golden model.
 */
TEST_F_TIMEOUT(rpm, job_wakes_and_reloads_the_program, 60)
{
	struct akida_stats s0, s1;
	struct akida_job_wait w;
	long long r0;

	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 8, NULL, 4));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	ASSERT_EQ(0, aj_model_check(&self->m));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));

	r0 = pm_count(&self->d, "runtime_resumes");
	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	ASSERT_EQ(0, aj_model_inputs(&self->m, 81));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, 0, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.program_loads + 1, s1.device.program_loads);
	EXPECT_EQ(r0 + 1, pm_count(&self->d, "runtime_resumes"));
	EXPECT_LE(0, pm_count(&self->d, "last_runtime_resume_us"));
	ksft_print_msg("runtime resume took %lld us (driver's part)\n",
		       pm_count(&self->d, "last_runtime_resume_us"));
	/* And it goes back to sleep. */
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
}

/* Jobs submitted together to a suspended device all run, in order. */
TEST_F_TIMEOUT(rpm, queued_jobs_wake_it_once, 60)
{
	struct akida_dma_entry ent[8][2];
	struct akida_job_submit s[8];
	struct akida_job_wait w;
	struct aj_model m[8];
	uint64_t id[8];
	long long r0;
	int i;

	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, aj_model_init(self->fd, &m[i], 100 + i, NULL, 2));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	r0 = pm_count(&self->d, "runtime_resumes");
	for (i = 0; i < 8; i++) {
		aj_job(&m[i], &s[i], ent[i], AKIDA_JOB_PROGRAM);
		ASSERT_EQ(0, aj_submit(self->fd, &s[i], &id[i]));
	}
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, aj_wait(self->fd, id[i], 30000, &w));
		EXPECT_EQ(0, w.status);
		EXPECT_EQ(0, aj_model_check(&m[i]));
	}
	EXPECT_EQ(r0 + 1, pm_count(&self->d, "runtime_resumes"));
	for (i = 0; i < 8; i++)
		aj_model_fini(self->fd, &m[i]);
}

/* A transfer wakes it; LPDDR kept what was written before D3hot. */
TEST_F_TIMEOUT(rpm, transfer_wakes_and_memory_survives, 60)
{
	uint8_t in[8192], out[8192];
	uint64_t a;

	ASSERT_EQ(0, aj_alloc(self->fd, sizeof(in), 0, &a));
	akt_fill(in, sizeof(in), 5);
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, in, a, sizeof(in)));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	/* read() of the allocation, through the raw interface. */
	memset(out, 0, sizeof(out));
	ASSERT_EQ((ssize_t)sizeof(out), pread(self->fd, out, sizeof(out), a));
	EXPECT_EQ(-1, akt_diff(in, out, sizeof(in)));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	/* The DMA ioctl. */
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_FROM_DEVICE, out, a, sizeof(out)));
	EXPECT_EQ(-1, akt_diff(in, out, sizeof(in)));
	ASSERT_EQ(0, aj_free(self->fd, a));
}

/*
 * BrainChip's ABI keeps state in the NPU registers: a file that mapped BAR0
 * or read/wrote a register keeps the device in D0 until it is closed.
 */
TEST_F_TIMEOUT(rpm, register_users_keep_it_in_d0, 60)
{
	long pg = sysconf(_SC_PAGESIZE);
	volatile uint32_t *bar;
	uint32_t id = 0;
	int fd2;

	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	EXPECT_EQ(0, pm_count(&self->d, "pinned_files"));

	/* mmap() of BAR0 */
	fd2 = open(self->d.node, O_RDONLY);
	ASSERT_LE(0, fd2);
	bar = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd2, 0);
	ASSERT_NE(MAP_FAILED, bar);
	EXPECT_EQ(0, pm_wait_status(&self->d, "active", 1000));
	EXPECT_EQ(1, pm_count(&self->d, "pinned_files"));
	EXPECT_EQ(AKT_DEVICE_ID, bar[0]);
	usleep(5 * DELAY_MS * 1000);
	EXPECT_EQ(0, pm_dstate(&self->d));
	EXPECT_EQ(AKT_DEVICE_ID, bar[0]);
	munmap((void *)bar, pg);
	/* Still pinned: the file is open (it may map again). */
	usleep(3 * DELAY_MS * 1000);
	EXPECT_EQ(0, pm_dstate(&self->d));
	close(fd2);
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	EXPECT_EQ(0, pm_count(&self->d, "pinned_files"));

	/* pread() of an NPU register */
	fd2 = open(self->d.node, O_RDONLY);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(4, pread(fd2, &id, 4, AKT_NPU));
	EXPECT_EQ(AKT_DEVICE_ID, id);
	usleep(5 * DELAY_MS * 1000);
	EXPECT_EQ(0, pm_dstate(&self->d));
	close(fd2);
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
}

/* power/control "on" brings it to D0 and keeps it there; "auto" lets go. */
TEST_F_TIMEOUT(rpm, control_on_keeps_it_in_d0, 60)
{
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	ASSERT_EQ(0, pm_write(&self->d, "power/control", "on"));
	EXPECT_EQ(0, pm_wait_status(&self->d, "active", 100));
	EXPECT_EQ(0, pm_dstate(&self->d));
	usleep(5 * DELAY_MS * 1000);
	EXPECT_EQ(0, pm_dstate(&self->d));
	ASSERT_EQ(0, pm_write(&self->d, "power/control", "auto"));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
}

/* Health, clock mode and counters read from sysfs do not wake it. */
TEST_F_TIMEOUT(rpm, sysfs_reads_do_not_wake_it, 60)
{
	struct akida_clock c = { .mode = AKIDA_CLOCK_LOW_POWER };
	char buf[128];
	long long r0;

	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &c));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	r0 = pm_count(&self->d, "runtime_resumes");
	ASSERT_EQ(0, pm_read(&self->d, "akida_health", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "ok", 2));
	/* The mode the NPU gets back when it resumes. */
	EXPECT_EQ(AKIDA_CLOCK_LOW_POWER, akt_attr(&self->d, "akida_clock_mode"));
	EXPECT_LE(0, akt_attr(&self->d, "akida_dma/h2d_bytes"));
	EXPECT_EQ(r0, pm_count(&self->d, "runtime_resumes"));
	EXPECT_EQ(3, pm_dstate(&self->d));
	/* The NPU does get it back. */
	c.mode = AKIDA_CLOCK_PERFORMANCE;
	EXPECT_EQ(AKIDA_CLOCK_LOW_POWER, akt_bar0_rd(&self->d, 0x0014));
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &c));
}

/* A function reset while suspended: the device works afterwards. */
TEST_F_TIMEOUT(rpm, reset_while_suspended, 60)
{
	struct akida_job_wait w;

	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 9, NULL, 2));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
	ASSERT_EQ(0, pm_write(&self->d, "reset", "1"));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
	ASSERT_EQ(0, pm_suspended(_metadata, &self->d));
}

/* ---- system sleep ---- */

struct stream {
	int fd;
	volatile int stop;
	unsigned int done, failed, wrong;
	int err;
	struct aj_model m;
};

/* Jobs back to back, two in flight, until told to stop. */
static void *stream_fn(void *arg)
{
	struct stream *st = arg;
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct akida_job_wait w;
	uint64_t id;
	int ret;

	while (!st->stop) {
		aj_job(&st->m, &s, ent, AKIDA_JOB_PROGRAM);
		memset(st->m.out, 0xee, (size_t)st->m.batch * st->m.out_bytes);
		ret = aj_submit(st->fd, &s, &id);
		/* The freezer may interrupt the ioctl: it is restarted. */
		if (ret == -EINTR)
			continue;
		if (ret) {
			st->err = ret;
			break;
		}
		do
			ret = aj_wait(st->fd, id, 60000, &w);
		while (ret == -EINTR);
		if (ret) {
			st->err = ret;
			break;
		}
		if (w.status)
			st->failed++;
		else if (aj_model_check(&st->m))
			st->wrong++;
		st->done++;
	}
	return NULL;
}

#define PM_TEST_DELAY	"/sys/module/suspend/parameters/pm_test_delay"

FIXTURE(sleep) {
	struct akt_dev d;
	char delay[16];		/* pm_test_delay to restore, "" if none */
	struct stream st;
};

FIXTURE_SETUP(sleep)
{
	self->st.fd = -1;
	self->delay[0] = 0;
	if (geteuid())
		SKIP(return, "needs root");
	/* pm_test waits 5 s at its level by default: the jobs need none of it. */
	if (!akt_read_file(PM_TEST_DELAY, self->delay, sizeof(self->delay)))
		akt_write_file(PM_TEST_DELAY, "0");
	ASSERT_EQ(0, akt_find(&self->d));
	self->st.fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->st.fd);
	ASSERT_EQ(0, aj_model_init(self->st.fd, &self->st.m, 33, NULL, 4));
}

FIXTURE_TEARDOWN(sleep)
{
	akt_write_file("/sys/power/pm_test", "none");
	if (self->delay[0])
		akt_write_file(PM_TEST_DELAY, self->delay);
	if (self->st.fd >= 0) {
		aj_model_fini(self->st.fd, &self->st.m);
		close(self->st.fd);
	}
}

/*
 * One @state ("mem": suspend; "disk": hibernation) cycle at @level
 * (/sys/power/pm_test) with the job stream running. Return 0, or 1 if the
 * kernel does not offer that cycle here.
 */
static int sleep_cycle(struct __test_metadata *_metadata, FIXTURE_DATA(sleep) *self,
		       const char *state, const char *level)
{
	long long s0, r0;
	unsigned int before;
	pthread_t th;
	char buf[256];
	int ret;

	if (akt_read_file("/sys/power/state", buf, sizeof(buf)) || !strstr(buf, state))
		return 1;
	if (akt_write_file("/sys/power/pm_test", level))
		return 1;
	s0 = pm_count(&self->d, "suspends");
	r0 = pm_count(&self->d, "resumes");

	ASSERT_EQ(0, pthread_create(&th, NULL, stream_fn, &self->st));
	while (self->st.done < 3 && !self->st.err)
		usleep(1000);
	before = self->st.done;
	ret = akt_write_file("/sys/power/state", state);
	/* Jobs flow again after resume. */
	while (self->st.done < before + 5 && !self->st.err)
		usleep(1000);
	self->st.stop = 1;
	pthread_join(th, NULL);
	ksft_print_msg("pm_test=%s: write %s -> %d; %u jobs, %u failed, %u wrong; suspend %lld -> %lld, resume %lld -> %lld; resume took %lld us\n",
		       level, state, ret, self->st.done, self->st.failed, self->st.wrong,
		       s0, pm_count(&self->d, "suspends"), r0,
		       pm_count(&self->d, "resumes"),
		       pm_count(&self->d, "last_resume_us"));
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, self->st.err);
	EXPECT_EQ(0, self->st.failed);
	EXPECT_EQ(0, self->st.wrong);
	EXPECT_EQ(s0 + 1, pm_count(&self->d, "suspends"));
	EXPECT_EQ(r0 + 1, pm_count(&self->d, "resumes"));
	return 0;
}

TEST_F_TIMEOUT(sleep, devices_with_jobs_flowing, 120)
{
	ASSERT_EQ(0, sleep_cycle(_metadata, self, "mem", "devices"));
}

/* "platform" and "core" run the noirq phases: the device goes to D3hot. */
TEST_F_TIMEOUT(sleep, platform_with_jobs_flowing, 120)
{
	if (sleep_cycle(_metadata, self, "mem", "platform"))
		SKIP(return, "no pm_test=platform for \"mem\" here");
}

TEST_F_TIMEOUT(sleep, core_with_jobs_flowing, 120)
{
	if (sleep_cycle(_metadata, self, "mem", "core"))
		SKIP(return, "no pm_test=core for \"mem\" here");
}

/* Hibernation: freeze and thaw ("devices"). */
TEST_F_TIMEOUT(sleep, hibernate_devices_with_jobs_flowing, 120)
{
	if (sleep_cycle(_metadata, self, "disk", "devices"))
		SKIP(return, "no hibernation here");
}

TEST_HARNESS_MAIN
