/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation-failure injection for the akida selftests (fault_*_test.c).
 *
 * On the debug kernel (scripts/debug-kernel.sh: FAILSLAB, FAIL_PAGE_ALLOC,
 * FAULT_INJECTION_DEBUG_FS, FAULT_INJECTION_STACKTRACE_FILTER) both fault
 * attributes are limited by their stack-trace filter to call chains through
 * akida_pcie's code, and armed only for the calling thread with
 * /proc/thread-self/fail-nth: writing N makes the Nth such allocation (slab
 * or page) of this thread fail. A test walks N = 1, 2, ... over an operation
 * until it completes without using up its N, so every allocation the driver
 * makes on that path fails once. Elsewhere fault_ctx_setup() says to skip.
 */
#ifndef AKIDA_FAULT_INJECT_H
#define AKIDA_FAULT_INJECT_H

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "guest.h"

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
	char reject_start[32];
	char reject_end[32];
	char ignore_wait[8];
	char verbose[8];
	char min_order[8];
	char ignore_highmem[8];
};

static inline int read_str(const char *path, char *buf, size_t len)
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

static inline int write_str(const char *path, const char *val)
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

static inline int attr_path(char *buf, size_t len, const char *attr, const char *file)
{
	return snprintf(buf, len, DEBUGFS "/%s/%s", attr, file);
}

static inline int attr_write(const char *attr, const char *file, const char *val)
{
	char path[PATH_MAX];

	attr_path(path, sizeof(path), attr, file);
	return write_str(path, val);
}

static inline void attr_read(const char *attr, const char *file, char *buf, size_t len)
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
static inline int module_text_range(unsigned long *start, unsigned long *end)
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

/*
 * The address range of a kernel function: from its symbol to the next
 * symbol above it. 0 when not found.
 */
static inline int kernel_sym_range(const char *sym, unsigned long *start,
				   unsigned long *end)
{
	unsigned long addr, at = 0, next = ULONG_MAX;
	char line[512], type, name[256];
	FILE *f;

	*start = *end = 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %255s", &addr, &type, name) != 3 || strchr(line, '['))
			continue;
		if (!strcmp(name, sym) && (type == 't' || type == 'T'))
			at = addr;
	}
	if (at) {
		rewind(f);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%lx", &addr) == 1 && addr > at && addr < next)
				next = addr;
	}
	fclose(f);
	if (!at || next == ULONG_MAX)
		return -ENOENT;
	*start = at;
	*end = next;
	return 0;
}

/* The first device bound to akida_pcie: its PCI address. */
static inline int bound_device(char *bdf, size_t len)
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

static inline bool is_bound(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), DRV_DIR "/%s", bdf);
	return access(path, F_OK) == 0;
}

/* The character device of the (single) bound device. */
static inline int dev_path(char *buf, size_t len)
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
static inline int arm(int nth)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", nth);
	return write_str(FAIL_NTH, val);
}

/*
 * Disarm and tell whether the failure was injected: fail-nth reads 0 once
 * it fired, the remaining count otherwise.
 */
static inline bool disarm(void)
{
	char val[16] = "";

	read_str(FAIL_NTH, val, sizeof(val));
	write_str(FAIL_NTH, "0");
	return atoi(val) == 0;
}

/*
 * The error an allocation failure may honestly surface as: -ENOMEM. EIO,
 * EAGAIN or EINTR would tell a caller to blame the device or to retry
 * something that did not fail for those reasons.
 */
static inline bool clean_errno(int err)
{
	return err == ENOMEM;
}

/* What every test here needs: the device, and the fault attributes armed. */
struct fault_ctx {
	struct saved_attr saved[2];
	char bdf[32];
	char dev[64];
	unsigned long start;
	unsigned long end;
	unsigned long reject_start;
	unsigned long reject_end;
	/*
	 * The kernel function whose call chains are never failed (default
	 * register_irq_proc, see fault_ctx_setup()).
	 */
	const char *reject_sym;
	bool configured;
};

/*
 * Returns 0 when ready, 1 when the test must skip, -1 when it must fail;
 * @why says which.
 */
static inline int fault_ctx_setup(struct fault_ctx *c, char *why, size_t len)
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
			return snprintf(why, len,
					"no %s with a stack-trace filter (not the debug kernel)",
					fault_attrs[i]), 1;
	}
	if (bound_device(c->bdf, sizeof(c->bdf)))
		return snprintf(why, len, "no device bound to akida_pcie"), 1;
	if (dev_path(c->dev, sizeof(c->dev)))
		return snprintf(why, len, "no /dev/akida* node"), 1;
	if (module_text_range(&c->start, &c->end))
		return snprintf(why, len, "cannot find akida_pcie's code in /proc/kallsyms"), -1;
	kernel_sym_range(c->reject_sym ? c->reject_sym : "register_irq_proc",
			 &c->reject_start, &c->reject_end);

	for (i = 0; i < 2; i++) {
		const char *a = fault_attrs[i];
		struct saved_attr *s = &c->saved[i];

		attr_read(a, "require-start", s->require_start, sizeof(s->require_start));
		attr_read(a, "require-end", s->require_end, sizeof(s->require_end));
		attr_read(a, "reject-start", s->reject_start, sizeof(s->reject_start));
		attr_read(a, "reject-end", s->reject_end, sizeof(s->reject_end));
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
		/*
		 * Not where the kernel, not the driver, mishandles a failure:
		 * register_irq_proc() ignores failed allocations, and freeing
		 * the vector later WARNs about the missing /proc/irq entries;
		 * a failure in DMA-API debugging's own tracking
		 * (add_dma_entry(), for streaming mappings) switches that
		 * debugging off for the rest of the boot.
		 */
		if (c->reject_end) {
			snprintf(val, sizeof(val), "%lu", c->reject_start);
			if (attr_write(a, "reject-start", val))
				goto err;
			snprintf(val, sizeof(val), "%lu", c->reject_end);
			if (attr_write(a, "reject-end", val))
				goto err;
		}
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

static inline void fault_ctx_teardown(struct fault_ctx *c)
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
		if (s->reject_start[0])
			attr_write(a, "reject-start", s->reject_start);
		if (s->reject_end[0])
			attr_write(a, "reject-end", s->reject_end);
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

#endif /* AKIDA_FAULT_INJECT_H */
