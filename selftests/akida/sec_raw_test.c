// SPDX-License-Identifier: GPL-2.0
/*
 * Break-out tests: a member of the device's group, without any capability,
 * tries every known route to make the chip write host memory it was never
 * given, or to reach another client's device memory. Each route must be
 * refused with an errno, and a canary page (its physical address read from
 * /proc/self/pagemap as root, before privileges are dropped) must be
 * unchanged afterwards. BrainChip's own access pattern must keep working
 * for the same member.
 *
 * Each attempt runs in a child that drops to uid/gid 65534 with only the
 * device's group (setgroups + setresgid + setresuid); the parent stays root
 * to own the canary and to restore the device node. Works with and without
 * an IOMMU, and on an NPU without the [model] interface (IFACE_MAGIC, read
 * here through the raw interface), where the NPU registers stay writable as
 * BrainChip's SDK needs.
 */
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define NOBODY		65534
#define MEMBER_GID	4242		/* "akida" when the group does not exist */

#define NPU_IFACE_MAGIC		0x000cu
#define  IFACE_MAGIC_VALUE	0x31504b41u
#define NPU_IRQ_ENABLE		0x0024u
#define NPU_IMWR_LO		0x0028u
#define NPU_IMWR_HI		0x002cu
#define NPU_IMWR_DATA		0x0030u
#define NPU_MODEL_ADDR		0x0100u
#define NPU_MODEL_SIZE		0x0108u
#define NPU_MODEL_LOAD		0x010cu
#define NPU_OUTPUT_ADDR		0x0300u
#define NPU_NP_ENABLE		0x1e0cu
#define EDMA			0x970u		/* in the DBI space */
#define EDMA_WR_DONE_IMWR	0x060u
#define EDMA_RD_ABORT_IMWR	0x0d4u
#define EDMA_WR_IMWR_DATA	0x070u
#define CANARY			0x5ac3a55au

struct ctx {
	struct akt_dev d;
	volatile uint32_t *canary;	/* one page, shared with the children */
	uint64_t canary_pa;
	gid_t gid;
	bool iface;			/* the NPU has the [model] interface */
	struct stat node_st;		/* the node's owner and mode before */
};

FIXTURE(sec) {
	struct ctx c;
};

static int page_pa(void *va, uint64_t *pa)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -errno;
	if (pread(fd, &ent, 8, (uintptr_t)va / psz * 8) != 8) {
		close(fd);
		return -EIO;
	}
	close(fd);
	if (!(ent & (1ULL << 63)) || !(ent & ((1ULL << 55) - 1)))
		return -EPERM;	/* not present, or no PFN without CAP_SYS_ADMIN */
	*pa = (ent & ((1ULL << 55) - 1)) * psz;
	return 0;
}

FIXTURE_SETUP(sec)
{
	struct ctx *c = &self->c;
	long psz = sysconf(_SC_PAGESIZE);
	struct group *gr = getgrnam("akida");
	uint32_t magic = 0;
	unsigned int i;
	void *m;
	int fd;

	ASSERT_EQ(0, geteuid()) TH_LOG("the test starts as root and drops privileges itself");
	ASSERT_EQ(0, akt_find(&c->d)) TH_LOG("no /dev/akidaN bound to akida_pcie");
	m = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, mlock(m, psz));
	c->canary = m;
	for (i = 0; i < psz / 4; i++)
		c->canary[i] = CANARY ^ i;
	ASSERT_EQ(0, page_pa(m, &c->canary_pa));
	ASSERT_NE(0, c->canary_pa);

	c->gid = gr ? gr->gr_gid : MEMBER_GID;
	ASSERT_EQ(0, stat(c->d.node, &c->node_st));
	/* What udev/60-akida.rules does. */
	ASSERT_EQ(0, chown(c->d.node, 0, c->gid));
	ASSERT_EQ(0, chmod(c->d.node, 0660));

	fd = open(c->d.node, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(4, pread(fd, &magic, 4, AKT_NPU + NPU_IFACE_MAGIC));
	close(fd);
	c->iface = magic == IFACE_MAGIC_VALUE;
}

FIXTURE_TEARDOWN(sec)
{
	struct ctx *c = &self->c;

	if (chown(c->d.node, c->node_st.st_uid, c->node_st.st_gid) ||
	    chmod(c->d.node, c->node_st.st_mode & 07777))
		TH_LOG("cannot restore %s: %s", c->d.node, strerror(errno));
	if (c->canary)
		munmap((void *)c->canary, sysconf(_SC_PAGESIZE));
}

/* Become uid/gid 65534 with only the device's group; no capabilities. */
static int drop_to_member(const struct ctx *c)
{
	gid_t g = c->gid;

	if (setgroups(1, &g) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return geteuid() == NOBODY && getegid() == NOBODY ? 0 : -1;
}

/*
 * Run @fn as a group member in a child. Its return value is 0 when every
 * attempt was refused as expected, else the line that failed (printed).
 */
static int as_member(const struct ctx *c, int (*fn)(const struct ctx *c))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (drop_to_member(c)) {
			fprintf(stderr, "# cannot drop privileges: %s\n", strerror(errno));
			_exit(255);
		}
		_exit(fn(c) ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The canary after a short wait for anything posted late. */
static long canary_changed(const struct ctx *c)
{
	long psz = sysconf(_SC_PAGESIZE);
	long i;

	usleep(100 * 1000);
	for (i = 0; i < psz / 4; i++)
		if (c->canary[i] != (CANARY ^ (uint32_t)i))
			return i;
	return -1;
}

#define FAIL_IF(cond) do {						\
	if (cond) {							\
		fprintf(stderr, "# %s:%d: %s (errno %d: %s)\n",		\
			__FILE__, __LINE__, #cond, errno, strerror(errno)); \
		return __LINE__;					\
	}								\
} while (0)

static int wr32(int fd, uint64_t axi, uint32_t v)
{
	errno = 0;
	return pwrite(fd, &v, 4, axi) == 4 ? 0 : -errno;
}

static int member_open(const struct ctx *c)
{
	return open(c->d.node, O_RDWR | O_CLOEXEC);
}

/* ---- routes into host memory ---- */

/*
 * NPU_IMWR_* + IRQ_ENABLE + a failing MODEL_LOAD by pwrite (an eDMA write).
 * Every step is tried even when one was wrongly accepted, so that a driver
 * that lets them through has the chip overwrite the canary.
 */
static int try_pwrite_npu_imwr(const struct ctx *c)
{
	static const uint32_t regs[] = { NPU_IMWR_LO, NPU_IMWR_HI, NPU_IMWR_DATA,
					 NPU_IRQ_ENABLE, NPU_MODEL_ADDR, NPU_MODEL_SIZE,
					 NPU_MODEL_LOAD };
	uint32_t vals[] = { (uint32_t)c->canary_pa, (uint32_t)(c->canary_pa >> 32), 0xdead,
			    7, 0x30000000, 64, 1 };
	int fd = member_open(c);
	int want = c->iface ? -EPERM : 0;
	unsigned int i;
	int bad = 0;

	FAIL_IF(fd < 0);
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		int ret = wr32(fd, AKT_NPU + regs[i], vals[i]);

		if (ret != want) {
			fprintf(stderr, "# pwrite of NPU register %#x: %d, expected %d\n",
				regs[i], ret, want);
			bad = __LINE__;
		}
	}
	/* One write across the block, as a larger pwrite. */
	if (c->iface) {
		uint32_t blk[4] = { 7, (uint32_t)c->canary_pa, (uint32_t)(c->canary_pa >> 32),
				    0xdead };

		if (pwrite(fd, blk, sizeof(blk), AKT_NPU + NPU_IRQ_ENABLE) != -1 ||
		    errno != EPERM) {
			fprintf(stderr, "# pwrite across NPU_IMWR_* not refused\n");
			bad = __LINE__;
		}
	}
	usleep(50 * 1000);
	close(fd);
	return bad;
}

TEST_F(sec, pwrite_npu_imwr)
{
	EXPECT_EQ(0, as_member(&self->c, try_pwrite_npu_imwr));
	EXPECT_EQ(-1, canary_changed(&self->c));
}

/* The same registers through a BAR0 mapping, the attack carried out if let through. */
static int try_mmap_npu_imwr(const struct ctx *c)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = member_open(c);
	volatile uint32_t *r;
	int bad = 0;
	void *m;

	FAIL_IF(fd < 0);
	FAIL_IF(mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) != MAP_FAILED ||
		errno != EINVAL);
	m = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->iface && m != MAP_FAILED) {
		fprintf(stderr, "# writable mapping over the NPU command registers granted\n");
		bad = __LINE__;
	} else if (c->iface) {
		FAIL_IF(errno != EPERM);
		m = mmap(NULL, psz, PROT_READ, MAP_SHARED, fd, 0);
		FAIL_IF(m == MAP_FAILED);
		if (!mprotect(m, psz, PROT_READ | PROT_WRITE)) {
			fprintf(stderr, "# mprotect() made the command registers writable\n");
			bad = __LINE__;
		} else {
			FAIL_IF(errno != EACCES);
		}
	}
	FAIL_IF(m == MAP_FAILED);
	r = m;
	FAIL_IF(r[0] != AKT_DEVICE_ID);
	if (bad || !c->iface) {
		/* Let through (or unknown silicon, where there is no IMWr): try. */
		r[NPU_IMWR_LO / 4] = (uint32_t)c->canary_pa;
		r[NPU_IMWR_HI / 4] = (uint32_t)(c->canary_pa >> 32);
		r[NPU_IMWR_DATA / 4] = 0xdead;
		r[NPU_IRQ_ENABLE / 4] = 7;
		r[NPU_MODEL_ADDR / 4] = 0x30000000;
		r[NPU_MODEL_SIZE / 4] = 64;
		r[NPU_MODEL_LOAD / 4] = 1;
		usleep(50 * 1000);
	} else {
		FAIL_IF(r[NPU_IFACE_MAGIC / 4] != IFACE_MAGIC_VALUE);
	}
	munmap(m, psz);
	/* Pages beyond the command registers (the NP windows) map writable. */
	m = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0xe000);
	FAIL_IF(m == MAP_FAILED);
	munmap(m, psz);
	close(fd);
	return bad;
}

TEST_F(sec, mmap_npu_imwr)
{
	EXPECT_EQ(0, as_member(&self->c, try_mmap_npu_imwr));
	EXPECT_EQ(-1, canary_changed(&self->c));
}

/* The eDMA's own IMWr registers (DBI space) through pwrite. */
static int try_edma_imwr(const struct ctx *c)
{
	int fd = member_open(c);

	FAIL_IF(fd < 0);
	FAIL_IF(wr32(fd, AKT_DBI + EDMA + EDMA_WR_DONE_IMWR, (uint32_t)c->canary_pa) != -EINVAL);
	FAIL_IF(wr32(fd, AKT_DBI + EDMA + EDMA_RD_ABORT_IMWR, (uint32_t)c->canary_pa) != -EINVAL);
	FAIL_IF(wr32(fd, AKT_DBI + EDMA + EDMA_WR_IMWR_DATA, 0xdead) != -EINVAL);
	/* And the eDMA lists in the reserved DMA RAM. */
	FAIL_IF(wr32(fd, AKT_LPDDR + 0x08, (uint32_t)c->canary_pa) != -EINVAL);
	FAIL_IF(wr32(fd, AKT_LPDDR + 0xfc, 0) != -EINVAL);
	close(fd);
	return 0;
}

TEST_F(sec, edma_imwr_and_lists)
{
	EXPECT_EQ(0, as_member(&self->c, try_edma_imwr));
	EXPECT_EQ(-1, canary_changed(&self->c));
}

/* NPU output aimed at the eDMA lists: by register and by a job. */
static int try_output_into_dma_ram(const struct ctx *c)
{
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct aj_model m;
	int fd = member_open(c);

	FAIL_IF(fd < 0);
	if (c->iface) {
		FAIL_IF(wr32(fd, AKT_NPU + NPU_OUTPUT_ADDR, (uint32_t)AKT_LPDDR) != -EPERM);
		FAIL_IF(aj_model_init(fd, &m, 3, NULL, 1));
		aj_job(&m, &s, ent, AKIDA_JOB_PROGRAM);
		s.output_addr = AKT_LPDDR;
		FAIL_IF(aj_submit(fd, &s, NULL) != -EINVAL);
		aj_job(&m, &s, ent, AKIDA_JOB_PROGRAM);
		ent[1].dev_addr = AKT_LPDDR;
		FAIL_IF(aj_submit(fd, &s, NULL) != -EINVAL);
		aj_model_fini(fd, &m);
	}
	close(fd);
	return 0;
}

TEST_F(sec, npu_output_into_dma_ram)
{
	EXPECT_EQ(0, as_member(&self->c, try_output_into_dma_ram));
	EXPECT_EQ(-1, canary_changed(&self->c));
}

/* ---- isolation between files ---- */

static int try_other_file(const struct ctx *c)
{
	uint8_t buf[256], back[256];
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct aj_model m;
	int a = member_open(c), b = member_open(c);
	uint64_t addr = 0, mine = 0;

	FAIL_IF(a < 0 || b < 0);
	FAIL_IF(aj_alloc(a, 4096, 0, &addr));
	FAIL_IF(aj_alloc(b, 4096, 0, &mine));
	akt_fill(buf, sizeof(buf), 7);
	/* The owner, raw and by ioctl. */
	FAIL_IF(pwrite(a, buf, sizeof(buf), addr) != sizeof(buf));
	FAIL_IF(pread(a, back, sizeof(back), addr) != sizeof(back));
	FAIL_IF(memcmp(buf, back, sizeof(buf)));
	/* Another file: refused, whole or in part. */
	FAIL_IF(pread(b, back, sizeof(back), addr) != -1 || errno != EACCES);
	FAIL_IF(pwrite(b, buf, sizeof(buf), addr) != -1 || errno != EACCES);
	FAIL_IF(pwrite(b, buf, sizeof(buf), addr + 4096 - 128) != -1 || errno != EACCES);
	FAIL_IF(pwrite(b, buf, sizeof(buf), addr + 4096 - 1) != -1 || errno != EACCES);
	FAIL_IF(aj_dma1(b, AKIDA_DIR_FROM_DEVICE, back, addr, sizeof(back)) != -EINVAL);
	FAIL_IF(aj_dma1(b, AKIDA_DIR_TO_DEVICE, buf, addr, sizeof(buf)) != -EINVAL);
	/* b's own allocation is b's. */
	FAIL_IF(pwrite(b, buf, sizeof(buf), mine) != sizeof(buf));
	FAIL_IF(pread(a, back, sizeof(back), mine) != -1 || errno != EACCES);
	/* The data of a is intact. */
	FAIL_IF(pread(a, back, sizeof(back), addr) != sizeof(back));
	FAIL_IF(memcmp(buf, back, sizeof(buf)));
	if (c->iface) {
		/* Job DMA entries naming a's memory, from b. */
		FAIL_IF(aj_model_init(b, &m, 4, NULL, 1));
		aj_job(&m, &s, ent, AKIDA_JOB_PROGRAM);
		ent[0].dev_addr = addr;
		FAIL_IF(aj_submit(b, &s, NULL) != -EINVAL);
		aj_job(&m, &s, ent, AKIDA_JOB_PROGRAM);
		ent[1].dev_addr = addr;
		FAIL_IF(aj_submit(b, &s, NULL) != -EINVAL);
		aj_job(&m, &s, ent, AKIDA_JOB_PROGRAM);
		s.input_addr = addr;
		FAIL_IF(aj_submit(b, &s, NULL) != -EINVAL);
		aj_model_fini(b, &m);
	}
	/* Once a frees it, the memory is nobody's again. */
	FAIL_IF(aj_free(a, addr));
	FAIL_IF(pwrite(b, buf, sizeof(buf), addr) != sizeof(buf));
	close(a);
	close(b);
	return 0;
}

TEST_F(sec, other_files_memory)
{
	EXPECT_EQ(0, as_member(&self->c, try_other_file));
	EXPECT_EQ(-1, canary_changed(&self->c));
}

/* ---- the emulator's test window ---- */

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

static int try_test_window(const struct ctx *c)
{
	size_t len = AKIDA_EMU_WINDOW + AKIDA_EMU_WINDOW_SIZE;
	volatile uint32_t *r;
	uint32_t v;
	int fd = member_open(c);
	void *m;

	FAIL_IF(fd < 0);
	FAIL_IF(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, AKIDA_EMU_WINDOW) != MAP_FAILED ||
		errno != EINVAL);
	FAIL_IF(pread(fd, &v, 4, AKT_NPU + AKIDA_EMU_WINDOW) != -1 || errno != EINVAL);
	FAIL_IF(wr32(fd, AKT_NPU + AKIDA_EMU_WINDOW + AKIDA_EMU_FAULT_DEAD_MS, 1) != -EINVAL);
	/* A mapping across it has a hole there. */
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	FAIL_IF(m == MAP_FAILED);
	r = m;
	FAIL_IF(r[0] != AKT_DEVICE_ID);
	signal(SIGBUS, on_sigbus);
	if (!sigsetjmp(bus_jmp, 1)) {
		v = r[AKIDA_EMU_WINDOW / 4];
		FAIL_IF("the test window is readable through the mapping");
	}
	signal(SIGBUS, SIG_DFL);
	munmap(m, len);
	close(fd);
	return 0;
}

TEST_F(sec, test_window_not_mapped)
{
	EXPECT_EQ(0, as_member(&self->c, try_test_window));
}

/* ---- permissions ---- */

static int try_permissions(const struct ctx *c)
{
	struct akida_mem_alloc a = { .size = 4096 };
	struct akida_reset rst = { 0 };
	struct akida_clock clk = { .mode = 0 };
	struct akida_job_submit s = { 0 };
	struct akida_info info;
	uint8_t buf[64];
	int ro = open(c->d.node, O_RDONLY), rw = member_open(c);

	FAIL_IF(ro < 0 || rw < 0);
	FAIL_IF(aj_info(ro, &info));
	FAIL_IF(AJ_IOCTL(ro, AKIDA_IOCTL_MEM_ALLOC, &a) != -EBADF);
	FAIL_IF(aj_dma1(ro, AKIDA_DIR_FROM_DEVICE, buf, info.mem_base, sizeof(buf)) != -EBADF);
	FAIL_IF(AJ_IOCTL(ro, AKIDA_IOCTL_JOB_SUBMIT, &s) != -EBADF);
	FAIL_IF(AJ_IOCTL(ro, AKIDA_IOCTL_SET_CLOCK, &clk) != -EBADF);
	FAIL_IF(AJ_IOCTL(ro, AKIDA_IOCTL_RESET, &rst) != -EBADF);
	FAIL_IF(AJ_IOCTL(rw, AKIDA_IOCTL_RESET, &rst) != -EPERM);
	FAIL_IF(pwrite(ro, buf, 4, AKT_USER_LPDDR) != -1 || errno != EBADF);
	FAIL_IF(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0xe000) != MAP_FAILED);
	close(ro);
	close(rw);
	return 0;
}

TEST_F(sec, permissions)
{
	EXPECT_EQ(0, as_member(&self->c, try_permissions));
}

/* The unsafe_raw parameter alone gives a member nothing. */
static int try_unsafe_without_rawio(const struct ctx *c)
{
	int fd = member_open(c);

	FAIL_IF(fd < 0);
	if (c->iface) {
		FAIL_IF(wr32(fd, AKT_NPU + NPU_IMWR_LO, (uint32_t)c->canary_pa) != -EPERM);
		FAIL_IF(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) != MAP_FAILED ||
			errno != EPERM);
	}
	close(fd);
	return 0;
}

TEST_F(sec, unsafe_raw_needs_cap_sys_rawio)
{
	long long old = akt_param("unsafe_raw");
	void *m;
	int fd;

	ASSERT_EQ(0, akt_set_param("unsafe_raw", 1));
	EXPECT_EQ(0, as_member(&self->c, try_unsafe_without_rawio));
	/* Root, with CAP_SYS_RAWIO, gets the vendor's writable mapping. */
	fd = open(self->c.d.node, O_RDWR);
	ASSERT_GE(fd, 0);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, m);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	close(fd);
	akt_set_param("unsafe_raw", old > 0 ? 1 : 0);
	EXPECT_EQ(-1, canary_changed(&self->c));
}

/* ---- BrainChip's access pattern, as a member ---- */

struct vendor_worker {
	const struct ctx *c;
	int fd;
	unsigned int id;
	int line;
};

static void *vendor_fn(void *arg)
{
	struct vendor_worker *w = arg;
	static uint8_t wbuf[3][65536], rbuf[3][65536];
	uint64_t base = AKT_USER_LPDDR + (uint64_t)w->id * sizeof(wbuf[0]);
	unsigned int i;
	uint32_t v;

	for (i = 0; i < 20; i++) {
		size_t len = (i % 4 + 1) * 16384 - i;

		akt_fill(wbuf[w->id], len, w->id * 100 + i);
		if (pwrite(w->fd, wbuf[w->id], len, base) != (ssize_t)len ||
		    pread(w->fd, rbuf[w->id], len, base) != (ssize_t)len ||
		    memcmp(wbuf[w->id], rbuf[w->id], len)) {
			w->line = __LINE__;
			return NULL;
		}
		/* The vendor's test reads NPU register 0xFCC00050 this way. */
		if (pread(w->fd, &v, 4, AKT_NPU) != 4 || v != AKT_DEVICE_ID ||
		    pread(w->fd, &v, 4, AKT_NPU + 0x50) != 4) {
			w->line = __LINE__;
			return NULL;
		}
	}
	return NULL;
}

static int try_vendor_pattern(const struct ctx *c)
{
	struct vendor_worker w[3];
	pthread_t t[3];
	volatile uint32_t *r;
	uint32_t en, back;
	unsigned int i;
	int fd = member_open(c);
	void *m;

	FAIL_IF(fd < 0);
	for (i = 0; i < 3; i++) {
		w[i] = (struct vendor_worker){ .c = c, .fd = fd, .id = i };
		FAIL_IF(pthread_create(&t[i], NULL, vendor_fn, &w[i]));
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		if (w[i].line)
			fprintf(stderr, "# worker %u failed at line %d\n", i, w[i].line);
		FAIL_IF(w[i].line);
	}
	/* NP registers by pwrite, read back by pread and through BAR0. */
	FAIL_IF(pread(fd, &en, 4, AKT_NPU + NPU_NP_ENABLE) != 4);
	FAIL_IF(wr32(fd, AKT_NPU + NPU_NP_ENABLE, en ^ 1));
	FAIL_IF(pread(fd, &back, 4, AKT_NPU + NPU_NP_ENABLE) != 4 || back != (en ^ 1));
	m = mmap(NULL, 0x10000, PROT_READ, MAP_SHARED, fd, 0);
	FAIL_IF(m == MAP_FAILED);
	r = m;
	FAIL_IF(r[0] != AKT_DEVICE_ID);
	FAIL_IF(r[NPU_NP_ENABLE / 4] != (en ^ 1));
	FAIL_IF(wr32(fd, AKT_NPU + NPU_NP_ENABLE, en));
	munmap(m, 0x10000);
	close(fd);
	return 0;
}

TEST_F(sec, vendor_access_pattern)
{
	EXPECT_EQ(0, as_member(&self->c, try_vendor_pattern));
	EXPECT_EQ(-1, canary_changed(&self->c));
}

TEST_HARNESS_MAIN
