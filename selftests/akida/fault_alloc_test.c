// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure injection over akida_pcie's probe, open and transfers.
 *
 * Runs on the debug kernel (scripts/debug-kernel.sh: FAILSLAB, FAIL_PAGE_ALLOC,
 * FAULT_INJECTION_DEBUG_FS, FAULT_INJECTION_STACKTRACE_FILTER); skips
 * elsewhere. Both fault attributes are limited by their stack-trace filter to
 * call chains that pass through akida_pcie's .text, and armed only for this
 * thread with /proc/thread-self/fail-nth: writing N makes the Nth such
 * allocation (slab or page) made by this thread fail. For each operation the
 * test walks N = 1, 2, ... until the operation completes without using up
 * its N, so every allocation the driver makes on that path fails once.
 *
 * After each injected failure the operation must either have succeeded
 * (the driver tolerated the failure) or have failed with a clean errno, and
 * the device must still work. Splats (KASAN, lockdep, WARN, DMA-API debug)
 * and leaks are caught from the kernel log by the stage that boots the debug
 * kernel (scripts/check.d/70-vm-debug).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define DEBUGFS		"/sys/kernel/debug"
#define DRV_DIR		"/sys/bus/pci/drivers/akida_pcie"
#define FAIL_NTH	"/proc/thread-self/fail-nth"

/* Enough for every allocation one operation makes; more means a loop. */
#define MAX_STEPS	400

/* AXI targets for transfers (shared/HARDWARE.md section 2). */
#define AXI_SRAM	0x10000000UL
#define AXI_LPDDR	0x20100000UL	/* 1 MiB in: clear of the reserved area */

static const char *const fault_attrs[] = { "failslab", "fail_page_alloc" };

/* Settings of one fault attribute saved at setup, restored at teardown. */
struct saved_attr {
	char require_start[32];
	char require_end[32];
	char ignore_wait[8];
	char verbose[8];
	char min_order[8];
	char ignore_highmem[8];
};

static int read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return -errno;
	return 0;
}

static int attr_path(char *buf, size_t len, const char *attr, const char *file)
{
	return snprintf(buf, len, DEBUGFS "/%s/%s", attr, file);
}

static int attr_write(const char *attr, const char *file, const char *val)
{
	char path[PATH_MAX];

	attr_path(path, sizeof(path), attr, file);
	return write_str(path, val);
}

static void attr_read(const char *attr, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];

	attr_path(path, sizeof(path), attr, file);
	if (read_str(path, buf, len))
		buf[0] = '\0';
}

/*
 * The address range of akida_pcie's code, from /proc/kallsyms: from its
 * lowest text symbol to one page past its highest (a call site sits inside a
 * function, which starts at or below the highest symbol).
 */
static int module_text_range(unsigned long *start, unsigned long *end)
{
	unsigned long lo = ULONG_MAX, hi = 0, addr;
	char line[512], type, name[256], mod[128];
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %255s [%127[^]]]", &addr, &type, name, mod) != 4)
			continue;
		if (strcmp(mod, "akida_pcie") || (type != 't' && type != 'T'))
			continue;
		if (addr < lo)
			lo = addr;
		if (addr > hi)
			hi = addr;
	}
	fclose(f);
	if (lo == ULONG_MAX || lo == 0)
		return -ENOENT;	/* not loaded, or addresses hidden */
	*start = lo;
	*end = hi + 4096;
	return 0;
}

/* The first device bound to akida_pcie: its PCI address. */
static int bound_device(char *bdf, size_t len)
{
	glob_t g;
	int ret = -ENODEV;

	if (glob(DRV_DIR "/0000:*", 0, NULL, &g))
		return -ENODEV;
	if (g.gl_pathc) {
		snprintf(bdf, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
		ret = 0;
	}
	globfree(&g);
	return ret;
}

static bool is_bound(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), DRV_DIR "/%s", bdf);
	return access(path, F_OK) == 0;
}

/* The character device of the (single) bound device. */
static int dev_path(char *buf, size_t len)
{
	glob_t g;
	int ret = -ENOENT;

	if (glob("/dev/akida[0-9]*", 0, NULL, &g))
		return -ENOENT;
	if (g.gl_pathc) {
		snprintf(buf, len, "%s", g.gl_pathv[0]);
		ret = 0;
	}
	globfree(&g);
	return ret;
}

/* Arm: the nth filtered allocation of this thread fails. */
static int arm(int nth)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", nth);
	return write_str(FAIL_NTH, val);
}

/*
 * Disarm and tell whether the failure was injected: fail-nth reads 0 once
 * it fired, the remaining count otherwise.
 */
static bool disarm(void)
{
	char val[16] = "";

	read_str(FAIL_NTH, val, sizeof(val));
	write_str(FAIL_NTH, "0");
	return atoi(val) == 0;
}

/* Errors an allocation failure may honestly surface as. */
static bool clean_errno(int err)
{
	return err == ENOMEM || err == EIO || err == EAGAIN || err == ENOBUFS ||
	       err == EINTR;
}

/* What every test here needs: the device, and the fault attributes armed. */
struct fault_ctx {
	struct saved_attr saved[2];
	char bdf[32];
	char dev[64];
	unsigned long start;
	unsigned long end;
	bool configured;
};

/*
 * Returns 0 when ready, 1 when the test must skip, -1 when it must fail;
 * @why says which.
 */
static int fault_ctx_setup(struct fault_ctx *c, char *why, size_t len)
{
	char path[PATH_MAX], val[32];
	unsigned int i;

	if (getuid())
		return snprintf(why, len, "needs root"), 1;
	/* fail-nth exists only with CONFIG_FAULT_INJECTION: check it first. */
	if (access(FAIL_NTH, W_OK))
		return snprintf(why, len, "no %s (not the debug kernel)", FAIL_NTH), 1;
	if (access(DEBUGFS "/failslab", F_OK))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	for (i = 0; i < 2; i++) {
		attr_path(path, sizeof(path), fault_attrs[i], "require-start");
		if (access(path, W_OK))
			return snprintf(why, len, "no %s with a stack-trace filter (not the debug kernel)",
					fault_attrs[i]), 1;
	}
	if (bound_device(c->bdf, sizeof(c->bdf)))
		return snprintf(why, len, "no device bound to akida_pcie"), 1;
	if (dev_path(c->dev, sizeof(c->dev)))
		return snprintf(why, len, "no /dev/akida* node"), 1;
	if (module_text_range(&c->start, &c->end))
		return snprintf(why, len, "cannot find akida_pcie's code in /proc/kallsyms"), -1;

	for (i = 0; i < 2; i++) {
		const char *a = fault_attrs[i];
		struct saved_attr *s = &c->saved[i];

		attr_read(a, "require-start", s->require_start, sizeof(s->require_start));
		attr_read(a, "require-end", s->require_end, sizeof(s->require_end));
		attr_read(a, "ignore-gfp-wait", s->ignore_wait, sizeof(s->ignore_wait));
		attr_read(a, "verbose", s->verbose, sizeof(s->verbose));
		attr_read(a, "min-order", s->min_order, sizeof(s->min_order));
		attr_read(a, "ignore-gfp-highmem", s->ignore_highmem,
			  sizeof(s->ignore_highmem));
	}
	c->configured = true;
	for (i = 0; i < 2; i++) {
		const char *a = fault_attrs[i];

		/* Only call chains through akida_pcie's code. */
		snprintf(val, sizeof(val), "%lu", c->start);
		if (attr_write(a, "require-start", val))
			goto err;
		snprintf(val, sizeof(val), "%lu", c->end);
		if (attr_write(a, "require-end", val))
			goto err;
		/* GFP_KERNEL allocations are ignored by default. */
		if (attr_write(a, "ignore-gfp-wait", "N"))
			goto err;
		/* One line per injected failure, no stack dump. */
		if (attr_write(a, "verbose", "1"))
			goto err;
	}
	/* Order-0 and highmem pages are ignored by default too. */
	if (attr_write("fail_page_alloc", "min-order", "0") ||
	    attr_write("fail_page_alloc", "ignore-gfp-highmem", "N"))
		goto err;
	return 0;
err:
	return snprintf(why, len, "cannot configure the fault attributes: %s",
			strerror(errno)), -1;
}

static void fault_ctx_teardown(struct fault_ctx *c)
{
	unsigned int i;

	write_str(FAIL_NTH, "0");
	if (c->bdf[0] && !is_bound(c->bdf))
		write_str(DRV_DIR "/bind", c->bdf);
	if (!c->configured)
		return;
	for (i = 0; i < 2; i++) {
		const char *a = fault_attrs[i];
		struct saved_attr *s = &c->saved[i];

		if (s->require_start[0])
			attr_write(a, "require-start", s->require_start);
		if (s->require_end[0])
			attr_write(a, "require-end", s->require_end);
		if (s->ignore_wait[0])
			attr_write(a, "ignore-gfp-wait", s->ignore_wait);
		if (s->verbose[0])
			attr_write(a, "verbose", s->verbose);
		if (s->min_order[0])
			attr_write(a, "min-order", s->min_order);
		if (s->ignore_highmem[0])
			attr_write(a, "ignore-gfp-highmem", s->ignore_highmem);
	}
}

#define FAULT_SETUP(c)							\
	do {								\
		char why[160] = "";					\
		int r = fault_ctx_setup(c, why, sizeof(why));		\
									\
		if (r > 0)						\
			SKIP(return, "%s", why);			\
		ASSERT_EQ(0, r) TH_LOG("%s", why);			\
		TH_LOG("device %s (%s), akida_pcie text %#lx-%#lx",	\
		       (c)->bdf, (c)->dev, (c)->start, (c)->end);	\
	} while (0)

FIXTURE(fault)
{
	struct fault_ctx c;
};

FIXTURE_SETUP(fault)
{
	FAULT_SETUP(&self->c);
}

FIXTURE_TEARDOWN(fault)
{
	fault_ctx_teardown(&self->c);
}

/* A small write/read round trip through the driver, with the data checked. */
static int round_trip(const char *dev, unsigned long axi, size_t len)
{
	unsigned char *out, *in;
	int fd, ret = -EIO;
	size_t i;

	fd = open(dev, O_RDWR);
	if (fd < 0)
		return -errno;
	out = malloc(len);
	in = malloc(len);
	if (!out || !in) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 7 + len + axi);
	if (pwrite(fd, out, len, axi) != (ssize_t)len)
		goto out;
	memset(in, 0, len);
	if (pread(fd, in, len, axi) != (ssize_t)len)
		goto out;
	ret = memcmp(in, out, len) ? -EILSEQ : 0;
out:
	free(out);
	free(in);
	close(fd);
	return ret;
}

/* Probe: unbind, then bind through sysfs with the nth allocation failing. */
TEST_F_TIMEOUT(fault, probe, 280)
{
	int step, injected = 0, tolerated = 0;
	ssize_t ret;
	int err, fd;
	bool hit;

	for (step = 1; step <= MAX_STEPS; step++) {
		if (is_bound(self->c.bdf))
			ASSERT_EQ(0, write_str(DRV_DIR "/unbind", self->c.bdf));
		fd = open(DRV_DIR "/bind", O_WRONLY);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, arm(step));
		ret = write(fd, self->c.bdf, strlen(self->c.bdf));
		err = errno;
		hit = disarm();
		close(fd);
		if (!hit) {
			ASSERT_EQ((ssize_t)strlen(self->c.bdf), ret)
				TH_LOG("bind without an injected failure: %s", strerror(err));
			break;
		}
		injected++;
		if (ret < 0) {
			EXPECT_TRUE(clean_errno(err))
				TH_LOG("probe, allocation %d failed: bind gave %s", step,
				       strerror(err));
			EXPECT_FALSE(is_bound(self->c.bdf))
				TH_LOG("probe, allocation %d failed: bind failed but bound", step);
		} else {
			tolerated++;
		}
	}
	ASSERT_GE(MAX_STEPS, step) TH_LOG("probe never completed");
	TH_LOG("probe: %d allocations failed in turn (%d tolerated)", injected, tolerated);
	ASSERT_TRUE(is_bound(self->c.bdf));
	/* devtmpfs recreates the node; the device must work again. */
	ASSERT_EQ(0, dev_path(self->c.dev, sizeof(self->c.dev)));
	ASSERT_EQ(0, round_trip(self->c.dev, AXI_SRAM, 256));
}

TEST_F_TIMEOUT(fault, open, 120)
{
	int step, injected = 0, fd, err;
	bool hit;

	for (step = 1; step <= MAX_STEPS; step++) {
		ASSERT_EQ(0, arm(step));
		fd = open(self->c.dev, O_RDWR);
		err = errno;
		hit = disarm();
		if (fd >= 0)
			close(fd);
		if (!hit) {
			ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(err));
			break;
		}
		injected++;
		if (fd < 0) {
			EXPECT_TRUE(clean_errno(err))
				TH_LOG("open, allocation %d failed: %s", step, strerror(err));
		}
	}
	ASSERT_GE(MAX_STEPS, step) TH_LOG("open never completed");
	TH_LOG("open: %d allocations failed in turn", injected);
	ASSERT_EQ(0, round_trip(self->c.dev, AXI_SRAM, 64));
}

/* Transfers: each size and direction with the nth allocation failing. */
FIXTURE(xfer)
{
	struct fault_ctx c;
};

FIXTURE_SETUP(xfer)
{
	FAULT_SETUP(&self->c);
}

FIXTURE_TEARDOWN(xfer)
{
	fault_ctx_teardown(&self->c);
}

FIXTURE_VARIANT(xfer)
{
	unsigned long axi;
	size_t len;
};

FIXTURE_VARIANT_ADD(xfer, sram_4b)
{
	.axi = AXI_SRAM + 0x100,
	.len = 4,
};

FIXTURE_VARIANT_ADD(xfer, sram_unaligned)
{
	.axi = AXI_SRAM + 0x1003,
	.len = 3001,
};

FIXTURE_VARIANT_ADD(xfer, lpddr_256k)
{
	.axi = AXI_LPDDR,
	.len = 256 * 1024,
};

FIXTURE_VARIANT_ADD(xfer, lpddr_1m_unaligned)
{
	.axi = AXI_LPDDR + 0x40001,
	.len = 1024 * 1024 - 5,
};

static void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 131 + seed);
}

TEST_F_TIMEOUT(xfer, transfers, 280)
{
	unsigned char *out, *in;
	int step, dir, fd, err, injected[2] = { 0, 0 };
	ssize_t ret;
	bool hit;

	out = malloc(variant->len);
	in = malloc(variant->len);
	ASSERT_TRUE(out && in);
	fill(out, variant->len, 0x5a);
	/* Touch the buffers so that no page fault allocates inside a step. */
	memset(in, 0, variant->len);
	fd = open(self->c.dev, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", self->c.dev, strerror(errno));

	for (dir = 0; dir < 2; dir++) {
		for (step = 1; step <= MAX_STEPS; step++) {
			/* Reads need known data in place first. */
			if (dir == 1)
				ASSERT_EQ((ssize_t)variant->len,
					  pwrite(fd, out, variant->len, variant->axi));
			ASSERT_EQ(0, arm(step));
			if (dir == 0)
				ret = pwrite(fd, out, variant->len, variant->axi);
			else
				ret = pread(fd, in, variant->len, variant->axi);
			err = errno;
			hit = disarm();
			if (!hit) {
				ASSERT_EQ((ssize_t)variant->len, ret)
					TH_LOG("%s: %s", dir ? "pread" : "pwrite",
					       ret < 0 ? strerror(err) : "short");
				break;
			}
			injected[dir]++;
			if (ret < 0) {
				EXPECT_TRUE(clean_errno(err))
					TH_LOG("%s, allocation %d failed: %s",
					       dir ? "pread" : "pwrite", step, strerror(err));
			} else {
				EXPECT_GE((ssize_t)variant->len, ret);
			}
			/* The device must still work after every failure. */
			ASSERT_EQ(0, round_trip(self->c.dev, AXI_SRAM + 0x80000, 64))
				TH_LOG("device unusable after %s allocation %d failed",
				       dir ? "pread" : "pwrite", step);
		}
		ASSERT_GE(MAX_STEPS, step) TH_LOG("transfer never completed");
	}
	/* The last, uninjected round must have moved the right bytes. */
	memset(in, 0, variant->len);
	ASSERT_EQ((ssize_t)variant->len, pread(fd, in, variant->len, variant->axi));
	ASSERT_EQ(0, memcmp(in, out, variant->len));
	TH_LOG("%zu bytes at %#lx: %d pwrite and %d pread allocations failed in turn",
	       variant->len, variant->axi, injected[0], injected[1]);
	close(fd);
	free(out);
	free(in);
}

TEST_HARNESS_MAIN
