// SPDX-License-Identifier: GPL-2.0
/*
 * Resets and error recovery of a bound AKD1000, with files open:
 *  - flr.idle: a function reset through sysfs "reset" (FLR); the file
 *    opened before it runs a job afterwards (outputs equal to the golden
 *    model; the program is loaded again), no rebinding; health "ok",
 *    akida_recovery/{resets,recoveries,last_cause,last_recovery*} updated.
 *  - flr.busy: the same with jobs and DMA transfers in flight from two
 *    threads: each ends with 0 or -EIO, none later than a bound, then the
 *    device runs jobs with golden outputs and transfers round-trip.
 *  - flr.pm: the reset through the PCI power-management capability (D3hot
 *    -> D0, reset_method "pm"): the same recovery.
 *  - aer.correctable / aer.nonfatal / aer.fatal: an error injected with
 *    QEMU's pcie_aer_inject_error (akida-hostctl) while jobs run; the
 *    driver counts it (correctable: only on kernels that report them to
 *    drivers, 6.3 and later), recovers from the uncorrectable ones, and the
 *    device runs jobs with golden outputs afterwards; health "ok".
 *  - health.dead: the emulator stops answering: health reads "dead", and
 *    "ok" again once it answers.
 *
 * Prints the time from the reset request to a usable device. Needs root.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "guest.h"
#include "job_util.h"

#define HOSTCTL		"/usr/bin/akida-hostctl"
/* Jobs and transfers in flight end no later than this after the reset. */
#define BOUND_MS	10000

struct rec {
	struct akt_dev d;
	int fd;
	struct aj_model m;
};

static int rec_attr_str(const struct akt_dev *d, const char *attr, char *buf,
			size_t len)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", d->pci, attr);
	return akt_read_file(path, buf, len);
}

static long long rec_cnt(const struct akt_dev *d, const char *name)
{
	char attr[48];

	snprintf(attr, sizeof(attr), "akida_recovery/%s", name);
	return akt_attr(d, attr);
}

/* Poll @name until it exceeds @old; return the new value or -1. */
static long long rec_wait_cnt(const struct akt_dev *d, const char *name,
			      long long old, unsigned int ms)
{
	uint64_t end = aj_now_ns() + ms * 1000000ull;
	long long v;

	do {
		v = rec_cnt(d, name);
		if (v > old)
			return v;
		usleep(10000);
	} while (aj_now_ns() < end);
	return -1;
}

/* The first job after a recovery: loads the program again. */
static int rec_job_ok(struct rec *r, uint64_t seed)
{
	struct akida_job_wait w;
	int ret;

	ret = aj_model_inputs(&r->m, seed);
	if (ret)
		return ret;
	ret = aj_run(r->fd, &r->m, AKIDA_JOB_PROGRAM, &w);
	if (ret)
		return ret;
	return aj_model_check(&r->m) ? -EBADMSG : 0;
}

/* Jobs and transfers in flight from two threads, until @stop. */
struct load {
	int fd;
	struct aj_model *m;
	volatile int stop;
	uint64_t stop_ns;	/* when stop was set */
	uint64_t last_ns;	/* when the last job or transfer ended */
	unsigned long ok, eio, other, xok, xeio, xother;
	int other_err, xother_err;
};

static void *job_fn(void *arg)
{
	struct load *l = arg;
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	int inflight = 0, ret;

	aj_job(l->m, &s, ent, AKIDA_JOB_PROGRAM);
	while (!l->stop || inflight) {
		while (!l->stop && inflight < 3) {
			ret = aj_submit(l->fd, &s, NULL);
			if (ret) {
				l->other++;
				l->other_err = ret;
				break;
			}
			inflight++;
		}
		if (!inflight)
			break;
		ret = aj_wait(l->fd, 0, BOUND_MS, &w);
		if (ret) {
			l->other++;
			l->other_err = ret;
			break;
		}
		inflight--;
		l->last_ns = aj_now_ns();
		if (!w.status)
			l->ok++;
		else if (w.status == -EIO)
			l->eio++;
		else {
			l->other++;
			l->other_err = w.status;
		}
	}
	return NULL;
}

static void *dma_fn(void *arg)
{
	struct load *l = arg;
	size_t len = 1 << 20;
	uint8_t *buf = malloc(len);
	uint64_t addr;
	int ret;

	if (!buf || aj_alloc(l->fd, len, 0, &addr)) {
		l->xother++;
		free(buf);
		return NULL;
	}
	memset(buf, 0x5a, len);
	while (!l->stop) {
		ret = aj_dma1(l->fd, AKIDA_DIR_TO_DEVICE, buf, addr, len);
		if (!ret)
			ret = aj_dma1(l->fd, AKIDA_DIR_FROM_DEVICE, buf, addr, len);
		l->last_ns = aj_now_ns();
		if (!ret)
			l->xok++;
		else if (ret == -EIO)
			l->xeio++;
		else {
			l->xother++;
			l->xother_err = ret;
		}
	}
	aj_free(l->fd, addr);
	free(buf);
	return NULL;
}

FIXTURE(rec) {
	struct rec r;
};

FIXTURE_SETUP(rec)
{
	self->r.fd = aj_open(&self->r.d, O_RDWR);
	if (self->r.fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	ASSERT_EQ(0, aj_model_init(self->r.fd, &self->r.m, 71, NULL, 64));
	ASSERT_EQ(0, rec_job_ok(&self->r, 1));
}

FIXTURE_TEARDOWN(rec)
{
	if (self->r.fd >= 0) {
		aj_model_fini(self->r.fd, &self->r.m);
		close(self->r.fd);
	}
}

/* Request a reset of @method ("flr", "pm"); return ms until a job ran. */
static long rec_reset(struct __test_metadata *_metadata, struct rec *r,
		      const char *method)
{
	char path[PATH_MAX + 32];
	uint64_t t0;
	int ret;

	snprintf(path, sizeof(path), "%s/reset_method", r->d.pci);
	ret = akt_write_file(path, method);
	if (ret) {
		TH_LOG("reset_method %s: %s", method, strerror(-ret));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/reset", r->d.pci);
	t0 = aj_now_ns();
	ret = akt_write_file(path, "1");
	snprintf(path, sizeof(path), "%s/reset_method", r->d.pci);
	akt_write_file(path, "default");
	if (ret) {
		TH_LOG("reset: %s", strerror(-ret));
		return -1;
	}
	ret = rec_job_ok(r, 2);
	if (ret) {
		TH_LOG("job after the reset: %d (%s)", ret, strerror(-ret));
		return -1;
	}
	return (long)((aj_now_ns() - t0) / 1000000);
}

static void rec_check_healthy(struct __test_metadata *_metadata, struct rec *r)
{
	char buf[256];

	ASSERT_EQ(0, rec_attr_str(&r->d, "akida_health", buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
	EXPECT_EQ(0, akt_roundtrip(r->fd, AKT_USER_LPDDR + (32 << 20), 256 << 10, 9));
}

static void rec_flr(struct __test_metadata *_metadata, struct rec *r,
		    const char *method)
{
	long long resets = rec_cnt(&r->d, "resets");
	long long recov = rec_cnt(&r->d, "recoveries");
	char buf[256];
	long ms;

	ms = rec_reset(_metadata, r, method);
	ASSERT_LE(0, ms);
	ksft_print_msg("%s reset to a job with golden outputs: %ld ms; driver: %lld us\n",
		       method, ms, rec_cnt(&r->d, "last_recovery_us"));
	rec_check_healthy(_metadata, r);
	EXPECT_EQ(resets + 1, rec_cnt(&r->d, "resets"));
	EXPECT_EQ(recov + 1, rec_cnt(&r->d, "recoveries"));
	ASSERT_EQ(0, rec_attr_str(&r->d, "akida_recovery/last_cause", buf, sizeof(buf)));
	EXPECT_STREQ("function reset", buf);
	ASSERT_EQ(0, rec_attr_str(&r->d, "akida_recovery/last_recovery", buf, sizeof(buf)));
	EXPECT_NE(0, strcmp(buf, "0.000000"));
	/* And once more: recovery is repeatable. */
	ASSERT_LE(0, rec_reset(_metadata, r, method));
	EXPECT_EQ(recov + 2, rec_cnt(&r->d, "recoveries"));
}

TEST_F_TIMEOUT(rec, flr_idle, 120)
{
	rec_flr(_metadata, &self->r, "flr");
}

TEST_F_TIMEOUT(rec, pm_idle, 120)
{
	rec_flr(_metadata, &self->r, "pm");
}

/*
 * Run load on @r while @inject() disturbs the device; stop the load, check
 * that everything in flight ended in time with 0 or -EIO, and that the
 * device then works.
 */
static void rec_busy(struct __test_metadata *_metadata, struct rec *r,
		     int (*inject)(struct rec *r, void *arg), void *arg,
		     bool expect_eio)
{
	struct load l = { .fd = r->fd, .m = &r->m };
	pthread_t tj, td;
	uint64_t t0;
	int ret;

	ASSERT_EQ(0, pthread_create(&tj, NULL, job_fn, &l));
	ASSERT_EQ(0, pthread_create(&td, NULL, dma_fn, &l));
	usleep(300000);
	t0 = aj_now_ns();
	ret = inject(r, arg);
	l.stop_ns = aj_now_ns();
	l.stop = 1;
	pthread_join(tj, NULL);
	pthread_join(td, NULL);
	ASSERT_EQ(0, ret);
	ksft_print_msg("jobs: %lu ok, %lu EIO, %lu other (%d); transfers: %lu ok, %lu EIO, %lu other (%d); last ended %lld ms after the recovery, which took %llu ms\n",
		       l.ok, l.eio, l.other, l.other_err, l.xok, l.xeio, l.xother,
		       l.xother_err, ((long long)l.last_ns - (long long)l.stop_ns) / 1000000,
		       (unsigned long long)(l.stop_ns - t0) / 1000000);
	EXPECT_EQ(0UL, l.other) TH_LOG("a job ended with %d", l.other_err);
	EXPECT_EQ(0UL, l.xother) TH_LOG("a transfer ended with %d", l.xother_err);
	EXPECT_LT(0UL, l.ok + l.eio);
	EXPECT_LT(0UL, l.xok + l.xeio);
	if (expect_eio) {
		EXPECT_LT(0UL, l.eio + l.xeio);
	}
	EXPECT_GT(BOUND_MS * 1000000ll, (long long)l.last_ns - (long long)l.stop_ns);
	ASSERT_EQ(0, rec_job_ok(r, 3));
	rec_check_healthy(_metadata, r);
}

static int inject_flr(struct rec *r, void *arg)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/reset", r->d.pci);
	return akt_write_file(path, "1");
}

TEST_F_TIMEOUT(rec, flr_busy, 180)
{
	long long recov = rec_cnt(&self->r.d, "recoveries");

	rec_busy(_metadata, &self->r, inject_flr, NULL, true);
	EXPECT_EQ(recov + 1, rec_cnt(&self->r.d, "recoveries"));
}

/* ---- AER ---- */

struct aer_case {
	const char *cmd;	/* pcie_aer_inject_error arguments */
	const char *counter;	/* akida_recovery/<counter> */
	bool recovers;		/* the driver goes through a recovery */
	const char *cause;
};

static void aer_dump(const struct akt_dev *d);

static int inject_aer(struct rec *r, void *arg)
{
	const struct aer_case *c = arg;
	long long n = rec_cnt(&r->d, c->counter);
	long long recov = rec_cnt(&r->d, "recoveries");
	char cmd[256];

	char out[256] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), HOSTCTL " pcie_aer_inject_error %s", c->cmd);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	if (!fgets(out, sizeof(out), f))
		out[0] = 0;
	if (pclose(f))
		return -EINVAL;
	if (strncmp(out, "OK", 2)) {
		ksft_print_msg("pcie_aer_inject_error: %s", out);
		return -EINVAL;
	}
	if (rec_wait_cnt(&r->d, c->counter, n, BOUND_MS) < 0) {
		aer_dump(&r->d);
		return -ETIMEDOUT;
	}
	if (c->recovers && rec_wait_cnt(&r->d, "recoveries", recov, BOUND_MS) < 0)
		return -ETIME;
	return 0;
}

/* Set @bits in the 16-bit register at @off of @pci's configuration space. */
static int cfg_set16(const char *pci, off_t off, uint16_t bits)
{
	char path[PATH_MAX + 16];
	uint16_t v;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/config", pci);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &v, 2, off) != 2)
		ret = -EIO;
	v |= bits;
	if (!ret && pwrite(fd, &v, 2, off) != 2)
		ret = -EIO;
	close(fd);
	return ret;
}

static int cfg_read32(const char *pci, off_t off, uint32_t *v)
{
	char path[PATH_MAX + 16];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/config", pci);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (pread(fd, v, 4, off) != 4)
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * QEMU 7.2 forwards an uncorrectable error message only through functions
 * whose SERR# Enable is set (Command register), and through a port only
 * with SERR# Enable in its Bridge Control; Linux sets neither on x86. Set
 * them on the device and its root port, as `setpci` would, so that the
 * injected error reaches the guest's AER driver. (Correctable messages are
 * never forwarded by QEMU 7.2: see aer_correctable.)
 */
static int aer_route(const struct akt_dev *d)
{
	char port[PATH_MAX], *p;
	int ret;

	snprintf(port, sizeof(port), "%s", d->pci);
	p = strrchr(port, '/');
	if (!p)
		return -EINVAL;
	*p = 0;
	ret = cfg_set16(d->pci, 0x04, 0x0100);		/* PCI_COMMAND_SERR */
	if (!ret)
		ret = cfg_set16(port, 0x04, 0x0100);
	if (!ret)
		ret = cfg_set16(port, 0x3e, 0x0002);	/* PCI_BRIDGE_CTL_SERR */
	return ret;
}

/* Error routing registers of the device and its port, for a failure. */
static void aer_dump(const struct akt_dev *d)
{
	char port[PATH_MAX], *p;
	uint32_t a = 0, b = 0, c = 0, e = 0;
	int i;

	snprintf(port, sizeof(port), "%s", d->pci);
	p = strrchr(port, '/');
	if (p)
		*p = 0;
	cfg_read32(d->pci, 0x04, &a);
	cfg_read32(d->pci, 0x88, &b);
	cfg_read32(d->pci, 0x104, &c);
	cfg_read32(d->pci, 0x110, &e);
	ksft_print_msg("device: cmd/sta %#x devctl/sta %#x uncor %#x cor %#x\n", a, b, c, e);
	cfg_read32(port, 0x04, &a);
	cfg_read32(port, 0x3c, &b);
	ksft_print_msg("port %s: cmd/sta %#x bridgectl %#x\n", port, a, b);
	for (i = 0x40; i < 0x180; i += 16) {
		cfg_read32(port, i, &a);
		cfg_read32(port, i + 4, &b);
		cfg_read32(port, i + 8, &c);
		cfg_read32(port, i + 12, &e);
		ksft_print_msg("port %#x: %08x %08x %08x %08x\n", i, a, b, c, e);
	}
}

/* Does the kernel run AER on the device's root port (CONFIG_PCIEAER)? */
static bool aer_available(const struct akt_dev *d)
{
	char path[PATH_MAX + 64], *p;

	snprintf(path, sizeof(path), "%s", d->pci);
	p = strrchr(path, '/');
	if (!p)
		return false;
	snprintf(p, sizeof(path) - (p - path), "/aer_rootport_total_err_fatal");
	return access(path, F_OK) == 0;
}

static bool kernel_reports_correctable(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &maj, &min);
	return maj > 6 || (maj == 6 && min >= 3);
}

static void rec_aer(struct __test_metadata *_metadata, struct rec *r,
		    const struct aer_case *c)
{
	long long recov = rec_cnt(&r->d, "recoveries");
	char buf[256];

	if (access(HOSTCTL, X_OK))
		ABSENT(return, "no akida-hostctl (not in the test guest)");
	if (!aer_available(&r->d))
		SKIP(return, "the kernel runs no AER on the root port (CONFIG_PCIEAER)");
	ASSERT_EQ(0, aer_route(&r->d));
	rec_busy(_metadata, r, inject_aer, (void *)c, false);
	EXPECT_EQ(recov + (c->recovers ? 1 : 0), rec_cnt(&r->d, "recoveries"));
	if (c->recovers) {
		ASSERT_EQ(0, rec_attr_str(&r->d, "akida_recovery/last_cause", buf,
					  sizeof(buf)));
		EXPECT_STREQ(c->cause, buf);
	}
}

TEST_F_TIMEOUT(rec, aer_nonfatal, 180)
{
	static const struct aer_case c = {
		"akida0 COMP_ABORT", "aer_nonfatal", true, "AER non-fatal error",
	};

	rec_aer(_metadata, &self->r, &c);
}

TEST_F_TIMEOUT(rec, aer_fatal, 180)
{
	static const struct aer_case c = {
		"akida0 MALF_TLP", "aer_fatal", true, "AER fatal error",
	};

	rec_aer(_metadata, &self->r, &c);
}

/*
 * A correctable error: the device records it in its AER capability (at
 * 0x100, Correctable Error Status at +0x10), nothing is recovered, the
 * device keeps working. QEMU 7.2 does not forward correctable messages to
 * the root port (pcie_aer_msg_alldev() passes only uncorrectable ones), so
 * the guest's AER driver never hears of it here; if it does (another
 * emulator, real hardware), a kernel that reports correctable errors to
 * drivers (6.3 and later) must count it in akida_recovery/aer_correctable.
 */
TEST_F_TIMEOUT(rec, aer_correctable, 120)
{
	long long n = rec_cnt(&self->r.d, "aer_correctable");
	long long recov = rec_cnt(&self->r.d, "recoveries");
	char path[PATH_MAX + 32], buf[1024];
	uint32_t hdr = 0, cor = 0;

	if (access(HOSTCTL, X_OK))
		ABSENT(return, "no akida-hostctl (not in the test guest)");
	if (!aer_available(&self->r.d))
		SKIP(return, "the kernel runs no AER on the root port (CONFIG_PCIEAER)");
	ASSERT_EQ(0, aer_route(&self->r.d));
	ASSERT_EQ(0, cfg_read32(self->r.d.pci, 0x100, &hdr));
	ASSERT_EQ(0x0001, hdr & 0xffff) TH_LOG("no AER capability at 0x100: %#x", hdr);
	ASSERT_EQ(0, system(HOSTCTL " pcie_aer_inject_error -c akida0 RCVR >/dev/null"));
	usleep(500000);
	ASSERT_EQ(0, cfg_read32(self->r.d.pci, 0x110, &cor));
	snprintf(path, sizeof(path), "%s/aer_dev_correctable", self->r.d.pci);
	ASSERT_EQ(0, akt_read_file(path, buf, sizeof(buf)));
	if (strstr(buf, "TOTAL_ERR_COR 0")) {
		/* Not seen by the kernel: still in the device's status. */
		EXPECT_NE(0, cor & 0x1) TH_LOG("Receiver Error not recorded: %#x", cor);
		EXPECT_EQ(n, rec_cnt(&self->r.d, "aer_correctable"));
		ksft_print_msg("the correctable error stayed in the device (QEMU does not forward it)\n");
	} else if (kernel_reports_correctable()) {
		EXPECT_EQ(n + 1, rec_wait_cnt(&self->r.d, "aer_correctable", n, BOUND_MS));
	}
	/* Nothing to recover from. */
	EXPECT_EQ(recov, rec_cnt(&self->r.d, "recoveries"));
	ASSERT_EQ(0, rec_job_ok(&self->r, 4));
	rec_check_healthy(_metadata, &self->r);
}

/* ---- health ---- */

TEST_F_TIMEOUT(rec, health_dead, 60)
{
	struct akt_emu e;
	char buf[256];
	uint64_t end;

	if (akt_emu_open(&self->r.d, &e))
		ABSENT(return, "no emulator test window");
	akt_emu_wr(&e, AKIDA_EMU_FAULT_DEAD_MS, 1000);
	ASSERT_EQ(0, rec_attr_str(&self->r.d, "akida_health", buf, sizeof(buf)));
	EXPECT_STREQ("dead: the device does not answer", buf);
	end = aj_now_ns() + 10000000000ull;
	do {
		usleep(50000);
		ASSERT_EQ(0, rec_attr_str(&self->r.d, "akida_health", buf, sizeof(buf)));
	} while (strcmp(buf, "ok") && aj_now_ns() < end);
	EXPECT_STREQ("ok", buf);
	akt_emu_close(&e);
	ASSERT_EQ(0, rec_job_ok(&self->r, 5));
}

/*
 * A device that stops answering with jobs queued: the first job finds out
 * (bounded by the DMA or NPU timeout); those behind it fail at once, not
 * one timeout each. Once it answers again, jobs work.
 */
TEST_F_TIMEOUT(rec, dead_device_fails_queued_jobs_fast, 120)
{
	struct akida_dma_entry ent[6][2];
	struct akida_job_submit s[6];
	struct akida_job_wait w;
	struct aj_model m[6];
	uint64_t id[6], t0, first = 0, last = 0;
	long long dma_ms = akt_param("dma_timeout_ms");
	struct akt_emu e;
	char buf[256];
	int i;

	if (akt_emu_open(&self->r.d, &e))
		ABSENT(return, "no emulator test window");
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, aj_model_init(self->r.fd, &m[i], 200 + i, NULL, 1));
	/* Dead for 20 s: longer than the six jobs may take, shorter than the test. */
	akt_emu_wr(&e, AKIDA_EMU_FAULT_DEAD_MS, 20000);
	t0 = aj_now_ns();
	for (i = 0; i < 6; i++) {
		aj_job(&m[i], &s[i], ent[i], AKIDA_JOB_PROGRAM);
		ASSERT_EQ(0, aj_submit(self->r.fd, &s[i], &id[i]));
	}
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, aj_wait(self->r.fd, id[i], 60000, &w));
		EXPECT_NE(0, w.status);
		if (!i)
			first = aj_now_ns() - t0;
		last = aj_now_ns() - t0;
	}
	ksft_print_msg("first job failed after %llu ms, all six after %llu ms (dma_timeout_ms %lld)\n",
		       (unsigned long long)(first / 1000000), (unsigned long long)(last / 1000000),
		       dma_ms);
	/* The five behind the first: well under one timeout for all of them. */
	EXPECT_LT(last - first, 1000000000ull);
	ASSERT_EQ(0, rec_attr_str(&self->r.d, "akida_health", buf, sizeof(buf)));
	EXPECT_STREQ("dead: the device does not answer", buf);

	/*
	 * Back: it answers again (a channel that timed out stays "degraded"
	 * until its next use confirms it stopped), jobs run, health is ok.
	 */
	t0 = aj_now_ns();
	do {
		usleep(100000);
		ASSERT_EQ(0, rec_attr_str(&self->r.d, "akida_health", buf, sizeof(buf)));
	} while (!strcmp(buf, "dead: the device does not answer") &&
		 aj_now_ns() - t0 < 40000000000ull);
	EXPECT_STRNE("dead: the device does not answer", buf);
	akt_emu_close(&e);
	EXPECT_EQ(0, rec_job_ok(&self->r, 6));
	ASSERT_EQ(0, rec_attr_str(&self->r.d, "akida_health", buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
	for (i = 0; i < 6; i++)
		aj_model_fini(self->r.fd, &m[i]);
}

TEST_HARNESS_MAIN
