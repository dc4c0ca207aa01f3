// SPDX-License-Identifier: GPL-2.0
/*
 * Observability of akida_pcie: its tracepoints (trace system "akida") and
 * its debugfs files (/sys/kernel/debug/akida/akidaN/), as
 * Documentation/accel/akida.rst describes them. Needs root, tracefs and
 * debugfs; the fault cases need the emulator's test window.
 *
 *  - trace: DMA, job, failure, abort, reset and power events fire with the
 *    documented fields, in order, and carry no kernel pointer;
 *  - dbg: every file reads, the iATU table is what the hardware holds,
 *    channels are idle at rest, the job queue and the fault ring show what
 *    happened, the files are root's only, and reading them while the device
 *    is unbound and bound again is safe;
 *  - lost: the lost-NPU-interrupt counter stays put when the interrupt wakes
 *    the worker and counts the completion when the emulator drops it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define TT_BUF		(4 << 20)
#define DBG_ROOT	"/sys/kernel/debug/akida"

static const char *const tt_tracefs[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

/* The tracefs mount with the akida events, or NULL. */
static const char *tt_find_tracefs(void)
{
	char p[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(tt_tracefs) / sizeof(tt_tracefs[0]); i++) {
		snprintf(p, sizeof(p), "%s/events/akida/enable", tt_tracefs[i]);
		if (!access(p, W_OK))
			return tt_tracefs[i];
	}
	return NULL;
}

static int tt_write(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Read a whole file into a malloc'ed, NUL-terminated buffer. */
static char *tt_slurp(const char *path, ssize_t *len)
{
	char *buf = malloc(TT_BUF + 1);
	ssize_t n, got = 0;
	int fd;

	*len = -1;
	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		*len = -errno;
		free(buf);
		return NULL;
	}
	while (got < TT_BUF && (n = read(fd, buf + got, TT_BUF - got)) > 0)
		got += n;
	if (n < 0)
		got = -errno;
	close(fd);
	if (got < 0) {
		*len = got;
		free(buf);
		return NULL;
	}
	buf[got] = 0;
	*len = got;
	return buf;
}

/*
 * Lines of @text whose event is @event ("akida_dma_start"), one after
 * another: returns the next such line after *@pos (a copy, NUL-terminated,
 * in @line) and advances *@pos past it; NULL when there is none.
 */
#define tt_next(text, event, pos, line, len) tt_next_at(text, event, pos, line, len, NULL)
static char *tt_next_at(const char *text, const char *event, size_t *pos,
			char *line, size_t len, size_t *at)
{
	char needle[64];
	const char *p, *eol;

	snprintf(needle, sizeof(needle), " %s: ", event);
	p = strstr(text + *pos, needle);
	if (!p)
		return NULL;
	eol = strchr(p, '\n');
	if (!eol)
		eol = p + strlen(p);
	while (p > text && p[-1] != '\n')
		p--;
	snprintf(line, len, "%.*s", (int)(eol - p), p);
	if (at)
		*at = p - text;
	*pos = eol - text;
	return line;
}

/* The value of " key=" in @line as a number (any base), or -1 if absent. */
static long long tt_num(const char *line, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(line, k);
	if (!p)
		return -1;
	return strtoll(p + strlen(k), NULL, 0);
}

/* Whether " key=value" (followed by a blank or the end) is in @line. */
static int tt_has(const char *line, const char *key, const char *value)
{
	char k[96];
	const char *p;
	size_t n;

	n = snprintf(k, sizeof(k), " %s=%s", key, value);
	p = strstr(line, k);
	return p && (p[n] == ' ' || p[n] == 0 || p[n] == '\n');
}

/* Position of the first line of @event with " key=value" after @from, or -1. */
static long tt_find(const char *text, const char *event, const char *key,
		    const char *value, size_t from)
{
	char line[1024];
	size_t pos = from, at;

	for (;;) {
		if (!tt_next_at(text, event, &pos, line, sizeof(line), &at))
			return -1;
		if (!key || tt_has(line, key, value))
			return (long)at + 1;
	}
}

/* debugfs: "name: value" from the device's counters file, or -1. */
static long long dbg_counter(const char *name, const char *key)
{
	char p[PATH_MAX], k[64];
	long long v = -1;
	ssize_t len;
	char *text, *s;

	snprintf(p, sizeof(p), DBG_ROOT "/%s/counters", name);
	text = tt_slurp(p, &len);
	if (!text)
		return -1;
	snprintf(k, sizeof(k), "%s: ", key);
	for (s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (!strncmp(s, k, strlen(k))) {
			v = strtoll(s + strlen(k), NULL, 0);
			break;
		}
	free(text);
	return v;
}

static char *dbg_read(const char *name, const char *file, ssize_t *len)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), DBG_ROOT "/%s/%s", name, file);
	return tt_slurp(p, len);
}

/* Show @text in the test's output, as TAP comments. */
static void tt_show(const char *title, const char *text)
{
	const char *s = text;

	printf("# --- %s ---\n", title);
	while (s && *s) {
		int n = strcspn(s, "\n");

		printf("#   %.*s\n", n, s);
		s += n + (s[n] == '\n');
	}
	fflush(stdout);
}

/* ---- tracepoints ---- */

FIXTURE(trace) {
	struct akt_dev d;
	struct akt_emu emu;
	struct aj_model m;
	const char *tfs;
	uint64_t scratch;	/* 64 KiB of device memory */
	int fd;
	bool emu_ok;
	char *text;
};

FIXTURE_SETUP(trace)
{
	self->emu_ok = false;
	self->text = NULL;
	self->tfs = NULL;
	memset(&self->m, 0, sizeof(self->m));
	self->fd = aj_open(&self->d, O_RDWR);
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	self->tfs = tt_find_tracefs();
	if (!self->tfs)
		ABSENT(return, "no tracefs with the akida events (root, CONFIG_EVENT_TRACING)");
	if (!akt_emu_open(&self->d, &self->emu)) {
		self->emu_ok = true;
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	}
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 11, NULL, 2));
	ASSERT_EQ(0, aj_alloc(self->fd, 65536, 0, &self->scratch));
	ASSERT_EQ(0, tt_write(self->tfs, "buffer_size_kb", "4096"));
	ASSERT_EQ(0, tt_write(self->tfs, "events/akida/enable", "1"));
	ASSERT_EQ(0, tt_write(self->tfs, "trace", ""));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->tfs)
		tt_write(self->tfs, "events/akida/enable", "0");
	free(self->text);
	if (self->emu_ok) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
}

/* Stop recording and read what was recorded. */
static char *tt_collect(const char *tfs, char **keep)
{
	char p[PATH_MAX];
	ssize_t len;

	tt_write(tfs, "events/akida/enable", "0");
	snprintf(p, sizeof(p), "%s/trace", tfs);
	free(*keep);
	*keep = tt_slurp(p, &len);
	return *keep;
}

/* No akida event shows a kernel address (0xffff...). */
static int tt_no_kernel_pointer(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, " akida_"))) {
		const char *eol = strchr(p, '\n');
		const char *k = strstr(p, "0xffff");

		if (k && (!eol || k < eol))
			return 0;
		p = eol ? eol : p + 1;
	}
	return 1;
}

TEST_F(trace, dma_start_done_irq_fields)
{
	uint8_t *buf = malloc(4096);
	char line[1024], axi[32];
	size_t pos = 0;
	long long ch;
	char *t;

	ASSERT_NE(NULL, buf);
	memset(buf, 0x5a, 4096);
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, buf, self->scratch, 4096));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_FROM_DEVICE, buf, self->scratch, 4096));
	free(buf);
	t = tt_collect(self->tfs, &self->text);
	ASSERT_NE(NULL, t);
	snprintf(axi, sizeof(axi), "%#llx", (unsigned long long)self->scratch);

	ASSERT_NE(NULL, tt_next(t, "akida_dma_start", &pos, line, sizeof(line)))
		TH_LOG("no akida_dma_start in:\n%.2000s", t);
	EXPECT_TRUE(tt_has(line, "dir", "h2d")) TH_LOG("%s", line);
	EXPECT_EQ(4096, tt_num(line, "bytes")) TH_LOG("%s", line);
	EXPECT_TRUE(tt_has(line, "axi", axi)) TH_LOG("%s (want axi=%s)", line, axi);
	EXPECT_LE(1, tt_num(line, "elems"));
	EXPECT_NE(NULL, strstr(line, "akida")) TH_LOG("%s", line);
	ch = tt_num(line, "ch");
	EXPECT_TRUE(ch == 0 || ch == 1) TH_LOG("%s", line);

	ASSERT_NE(NULL, tt_next(t, "akida_dma_done", &pos, line, sizeof(line)));
	EXPECT_TRUE(tt_has(line, "dir", "h2d")) TH_LOG("%s", line);
	EXPECT_EQ(ch, tt_num(line, "ch")) TH_LOG("%s", line);
	EXPECT_EQ(4096, tt_num(line, "bytes")) TH_LOG("%s", line);
	EXPECT_TRUE(tt_has(line, "axi", axi)) TH_LOG("%s", line);
	EXPECT_EQ(0, tt_num(line, "err")) TH_LOG("%s", line);

	/* The interrupt that ended it: the channel's DONE bit (bits 7:0). */
	pos = 0;
	ASSERT_NE(NULL, tt_next(t, "akida_irq_edma", &pos, line, sizeof(line)));
	EXPECT_TRUE(tt_has(line, "dir", "h2d")) TH_LOG("%s", line);
	EXPECT_TRUE(tt_num(line, "status") & (1 << ch)) TH_LOG("%s", line);

	EXPECT_LT(0, tt_find(t, "akida_dma_start", "dir", "d2h", 0));
	EXPECT_LT(0, tt_find(t, "akida_dma_done", "dir", "d2h", 0));
	EXPECT_LT(0, tt_find(t, "akida_irq_edma", "dir", "d2h", 0));
	EXPECT_TRUE(tt_no_kernel_pointer(t));
}

TEST_F(trace, job_steps_in_order)
{
	static const char *const steps[] = { "input", "program", "run", "output" };
	struct akida_job_wait w;
	char idv[32], line[1024];
	long at, prev;
	size_t pos = 0;
	unsigned int i;
	char *t;

	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM | AKIDA_JOB_FORCE_LOAD, &w));
	t = tt_collect(self->tfs, &self->text);
	ASSERT_NE(NULL, t);
	snprintf(idv, sizeof(idv), "%llu", (unsigned long long)w.job_id);

	prev = tt_find(t, "akida_job_submit", "job", idv, 0);
	ASSERT_LT(0, prev) TH_LOG("no submit of job %s in:\n%.3000s", idv, t);
	pos = prev - 1;
	ASSERT_NE(NULL, tt_next(t, "akida_job_submit", &pos, line, sizeof(line)));
	EXPECT_EQ(self->m.batch, tt_num(line, "batch")) TH_LOG("%s", line);
	EXPECT_EQ(self->m.in_bytes, tt_num(line, "in_size")) TH_LOG("%s", line);
	EXPECT_EQ(self->m.out_bytes, tt_num(line, "out_size")) TH_LOG("%s", line);
	EXPECT_EQ(1, tt_num(line, "in_dma"));
	EXPECT_EQ(1, tt_num(line, "out_dma"));

	at = tt_find(t, "akida_job_start", "job", idv, prev);
	EXPECT_LT(prev, at);
	prev = at;
	for (i = 0; i < 4; i++) {
		long b = -1, e = -1;

		/* The step's begin, then its end with err=0, in this order. */
		for (pos = prev; ; ) {
			size_t at;

			if (!tt_next_at(t, "akida_job_step_begin", &pos, line, sizeof(line), &at))
				break;
			if (tt_has(line, "job", idv) && tt_has(line, "step", steps[i])) {
				b = at + 1;
				break;
			}
		}
		EXPECT_LT(prev, b) TH_LOG("no step=%s begin for job %s", steps[i], idv);
		for (pos = b > 0 ? b : prev; ; ) {
			size_t at;

			if (!tt_next_at(t, "akida_job_step_end", &pos, line, sizeof(line), &at))
				break;
			if (tt_has(line, "job", idv) && tt_has(line, "step", steps[i])) {
				e = at + 1;
				EXPECT_EQ(0, tt_num(line, "err")) TH_LOG("%s", line);
				EXPECT_LE(0, tt_num(line, "ns")) TH_LOG("%s", line);
				break;
			}
		}
		EXPECT_LT(b, e) TH_LOG("no step=%s end for job %s", steps[i], idv);
		if (e > prev)
			prev = e;
	}
	at = tt_find(t, "akida_job_complete", "job", idv, 0);
	EXPECT_LT(prev, at);
	pos = at - 1;
	ASSERT_NE(NULL, tt_next(t, "akida_job_complete", &pos, line, sizeof(line)));
	EXPECT_EQ(0, tt_num(line, "status")) TH_LOG("%s", line);
	EXPECT_TRUE(tt_has(line, "failed_step", "none")) TH_LOG("%s", line);
	EXPECT_EQ(self->m.batch, tt_num(line, "inputs_done")) TH_LOG("%s", line);
	EXPECT_LE(0, tt_num(line, "total_ns"));
	/* With NPU interrupts on, the completion's interrupt: INFER_DONE. */
	if (akt_param("npu_irq") != 0) {
		int infer = 0, model = 0;

		pos = 0;
		while (tt_next(t, "akida_irq_npu", &pos, line, sizeof(line))) {
			infer |= tt_num(line, "status") & 1;
			model |= tt_num(line, "status") & 2;
		}
		EXPECT_TRUE(infer) TH_LOG("no akida_irq_npu with INFER_DONE");
		EXPECT_TRUE(model) TH_LOG("no akida_irq_npu with MODEL_DONE");
	}
	EXPECT_TRUE(tt_no_kernel_pointer(t));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

TEST_F(trace, failed_job_reports_errno_and_step)
{
	struct akida_job_wait w;
	char idv[32], line[1024];
	size_t pos;
	long at;
	char *t;

	if (!self->emu_ok)
		ABSENT(return, "no emulator test window");
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_ERROR, 6);
	ASSERT_EQ(-EIO, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	t = tt_collect(self->tfs, &self->text);
	ASSERT_NE(NULL, t);
	snprintf(idv, sizeof(idv), "%llu", (unsigned long long)w.job_id);
	at = tt_find(t, "akida_job_complete", "job", idv, 0);
	ASSERT_LT(0, at) TH_LOG("no completion of job %s in:\n%.3000s", idv, t);
	pos = at - 1;
	ASSERT_NE(NULL, tt_next(t, "akida_job_complete", &pos, line, sizeof(line)));
	EXPECT_EQ(-EIO, tt_num(line, "status")) TH_LOG("%s", line);
	EXPECT_TRUE(tt_has(line, "failed_step", "run")) TH_LOG("%s", line);
	EXPECT_EQ(6, tt_num(line, "npu_error")) TH_LOG("%s", line);
	at = tt_find(t, "akida_job_step_end", "step", "run", 0);
	ASSERT_LT(0, at);
	pos = at - 1;
	ASSERT_NE(NULL, tt_next(t, "akida_job_step_end", &pos, line, sizeof(line)));
	EXPECT_EQ(-EIO, tt_num(line, "err")) TH_LOG("%s", line);
}

TEST_F(trace, dma_abort_event)
{
	uint8_t buf[256];
	char line[1024];
	size_t pos = 0;
	char *t;

	if (!self->emu_ok)
		ABSENT(return, "no emulator test window");
	memset(buf, 1, sizeof(buf));
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ERRSTATUS, AKIDA_EMU_ERR_READ);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ABORT, 1);
	EXPECT_EQ(-EIO, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, buf, self->scratch, sizeof(buf)));
	t = tt_collect(self->tfs, &self->text);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, tt_next(t, "akida_dma_abort", &pos, line, sizeof(line)))
		TH_LOG("no akida_dma_abort in:\n%.2000s", t);
	EXPECT_TRUE(tt_has(line, "dir", "h2d")) TH_LOG("%s", line);
	EXPECT_EQ(sizeof(buf), tt_num(line, "bytes")) TH_LOG("%s", line);
	EXPECT_NE(0, tt_num(line, "err")) TH_LOG("%s", line);
	EXPECT_EQ(-1, tt_find(t, "akida_dma_done", "dir", "h2d", 0));
}

TEST_F(trace, reset_event)
{
	struct akida_reset r = { 0 };
	char line[1024];
	size_t pos = 0;
	char *t;

	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &r));
	t = tt_collect(self->tfs, &self->text);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, tt_next(t, "akida_reset", &pos, line, sizeof(line)))
		TH_LOG("no akida_reset in:\n%.2000s", t);
	EXPECT_TRUE(tt_has(line, "reason", "ioctl")) TH_LOG("%s", line);
	EXPECT_EQ(0, tt_num(line, "result")) TH_LOG("%s", line);
}

/*
 * Runtime PM transitions: the idle device suspends, a job resumes it; each
 * event says how it went and how long the driver's part took.
 */
TEST_F_TIMEOUT(trace, pm_events, 60)
{
	char p[PATH_MAX + 64], delay[16], control[16], st[32] = "";
	struct akida_job_wait w;
	char line[1024];
	size_t pos = 0;
	char *t;
	int i;

	/* The test window holds the device in D0: let it go. */
	if (self->emu_ok) {
		akt_emu_close(&self->emu);
		self->emu_ok = false;
	}
	snprintf(p, sizeof(p), "%s/power/autosuspend_delay_ms", self->d.pci);
	ASSERT_EQ(0, akt_read_file(p, delay, sizeof(delay)));
	ASSERT_EQ(0, akt_write_file(p, "100"));
	snprintf(p, sizeof(p), "%s/power/control", self->d.pci);
	ASSERT_EQ(0, akt_read_file(p, control, sizeof(control)));
	ASSERT_EQ(0, akt_write_file(p, "auto"));
	snprintf(p, sizeof(p), "%s/power/runtime_status", self->d.pci);
	for (i = 0; i < 500 && strcmp(st, "suspended"); i++) {
		usleep(10000);
		akt_read_file(p, st, sizeof(st));
	}
	EXPECT_STREQ("suspended", st);
	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));

	snprintf(p, sizeof(p), "%s/power/control", self->d.pci);
	akt_write_file(p, control);
	snprintf(p, sizeof(p), "%s/power/autosuspend_delay_ms", self->d.pci);
	akt_write_file(p, delay);

	t = tt_collect(self->tfs, &self->text);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, tt_next(t, "akida_pm", &pos, line, sizeof(line)))
		TH_LOG("no akida_pm in:\n%.2000s", t);
	EXPECT_TRUE(tt_has(line, "event", "runtime_suspend")) TH_LOG("%s", line);
	EXPECT_EQ(0, tt_num(line, "result")) TH_LOG("%s", line);
	EXPECT_LE(0, tt_num(line, "us")) TH_LOG("%s", line);
	ASSERT_NE(NULL, tt_next(t, "akida_pm", &pos, line, sizeof(line)))
		TH_LOG("one akida_pm only in:\n%.2000s", t);
	EXPECT_TRUE(tt_has(line, "event", "runtime_resume")) TH_LOG("%s", line);
	EXPECT_EQ(0, tt_num(line, "result")) TH_LOG("%s", line);
	EXPECT_LT(0, tt_num(line, "us")) TH_LOG("%s", line);
	/* The job came after the resume. */
	EXPECT_NE(NULL, tt_next(t, "akida_job_start", &pos, line, sizeof(line)));
}

/* ---- debugfs ---- */

static const char *const dbg_files[] = {
	"registers", "iatu", "channels", "jobs", "faults", "counters",
};

FIXTURE(dbg) {
	struct akt_dev d;
	struct akt_emu emu;
	struct aj_model m;
	uint64_t scratch;	/* 64 KiB of device memory */
	int fd;
	bool emu_ok;
};

FIXTURE_SETUP(dbg)
{
	char p[PATH_MAX];

	self->emu_ok = false;
	memset(&self->m, 0, sizeof(self->m));
	self->fd = aj_open(&self->d, O_RDWR);
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	snprintf(p, sizeof(p), DBG_ROOT "/%s", self->d.name);
	if (access(p, R_OK))
		ABSENT(return, "no " DBG_ROOT "/%s (debugfs mounted? root?)", self->d.name);
	if (!akt_emu_open(&self->d, &self->emu)) {
		self->emu_ok = true;
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	}
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 12, NULL, 2));
	ASSERT_EQ(0, aj_alloc(self->fd, 65536, 0, &self->scratch));
}

FIXTURE_TEARDOWN(dbg)
{
	if (self->emu_ok) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
}

TEST_F(dbg, files_read_without_error)
{
	unsigned int i;
	ssize_t len;
	char *t;

	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	for (i = 0; i < sizeof(dbg_files) / sizeof(dbg_files[0]); i++) {
		t = dbg_read(self->d.name, dbg_files[i], &len);
		EXPECT_NE(NULL, t) TH_LOG("%s: %zd", dbg_files[i], len);
		EXPECT_LT(0, len) TH_LOG("%s is empty", dbg_files[i]);
		if (t)
			tt_show(dbg_files[i], t);
		free(t);
	}
}

/* Only root reads them: files 0400/0444 under debugfs's 0700 mount. */
TEST_F(dbg, files_are_root_only)
{
	unsigned int i;
	struct stat st;
	char p[PATH_MAX];
	pid_t pid;
	int status;

	for (i = 0; i < sizeof(dbg_files) / sizeof(dbg_files[0]); i++) {
		snprintf(p, sizeof(p), DBG_ROOT "/%s/%s", self->d.name, dbg_files[i]);
		ASSERT_EQ(0, stat(p, &st));
		EXPECT_EQ(0, st.st_mode & 0333) TH_LOG("%s mode %o", p, st.st_mode);
		EXPECT_EQ(0u, st.st_uid);
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int bad = 0;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		for (i = 0; i < sizeof(dbg_files) / sizeof(dbg_files[0]); i++) {
			int fd;

			snprintf(p, sizeof(p), DBG_ROOT "/%s/%s", self->d.name, dbg_files[i]);
			fd = open(p, O_RDONLY);
			if (fd >= 0) {
				bad = 1;
				close(fd);
			}
		}
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("uid 65534 opened a debugfs file (status %#x)", status);
}

/* Viewport select, region control 2 and target, read through config space. */
static int dbg_iatu_hw(const struct akt_dev *d, unsigned int region,
		       uint32_t *ctrl2, uint32_t *target)
{
	char p[PATH_MAX + 16];
	uint32_t vp = (1u << 31) | region;
	int fd, ok;

	snprintf(p, sizeof(p), "%s/config", d->pci);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return -errno;
	ok = pwrite(fd, &vp, 4, 0x900) == 4 && pread(fd, ctrl2, 4, 0x908) == 4 &&
	     pread(fd, target, 4, 0x918) == 4;
	close(fd);
	return ok ? 0 : -EIO;
}

TEST_F(dbg, iatu_matches_programming)
{
	static const struct { unsigned int bar; uint32_t target; } want[] = {
		{ 0, 0xfcc00000u }, { 2, 0xf8c00000u }, { 4, 0x20000000u },
	};
	char line[256], *t, *s;
	unsigned int i, n = 0;
	ssize_t len;

	t = dbg_read(self->d.name, "iatu", &len);
	ASSERT_NE(NULL, t);
	for (s = t; *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s)) {
		uint32_t hw_ctrl2 = 0, hw_target = 0;
		long long region, ctrl2, target;

		snprintf(line, sizeof(line), " %.*s", (int)strcspn(s, "\n"), s);
		region = tt_num(line, "region");
		ASSERT_TRUE(region >= 0 && region < 3) TH_LOG("%s", line);
		i = region;
		n++;
		EXPECT_EQ(want[i].bar, tt_num(line, "bar")) TH_LOG("%s", line);
		target = tt_num(line, "target");
		ctrl2 = tt_num(line, "ctrl2");
		EXPECT_EQ(want[i].target, target) TH_LOG("%s", line);
		EXPECT_EQ(target, tt_num(line, "rb_target")) TH_LOG("%s", line);
		/* Enabled, BAR-match mode, matching its BAR. */
		EXPECT_EQ(0xc0000000u, ctrl2 & 0xc0000000u) TH_LOG("%s", line);
		EXPECT_EQ(want[i].bar, (ctrl2 >> 8) & 7) TH_LOG("%s", line);
		EXPECT_EQ(ctrl2 & 0xc0000700, tt_num(line, "rb_ctrl2") & 0xc0000700)
			TH_LOG("%s", line);
		/* What the controller holds now is what debugfs says. */
		ASSERT_EQ(0, dbg_iatu_hw(&self->d, i, &hw_ctrl2, &hw_target));
		EXPECT_EQ(target, hw_target) TH_LOG("region %u", i);
		EXPECT_EQ(ctrl2 & 0xc0000700, hw_ctrl2 & 0xc0000700) TH_LOG("region %u", i);
	}
	EXPECT_EQ(3u, n) TH_LOG("%s", t);
	free(t);
}

TEST_F(dbg, channels_idle_at_rest)
{
	static const char *const chans[] = { "h2d0", "h2d1", "d2h0", "d2h1" };
	uint8_t *buf = malloc(65536);
	unsigned int i;
	ssize_t len;
	char *t, *s;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, akt_roundtrip(self->fd, self->scratch, 65536, 7));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, buf, self->scratch, 65536));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	free(buf);
	t = dbg_read(self->d.name, "channels", &len);
	ASSERT_NE(NULL, t);
	for (i = 0; i < 4; i++) {
		char want[32];

		snprintf(want, sizeof(want), "%s idle state=idle held=0", chans[i]);
		s = strstr(t, want);
		EXPECT_NE(NULL, s) TH_LOG("no '%s' in:\n%s", want, t);
	}
	EXPECT_NE(NULL, strstr(t, "quarantined_buffers=0")) TH_LOG("%s", t);
	free(t);
}

/* "block NAME offset value": the value, or -1 if the line is missing. */
static long long dbg_reg(const char *text, const char *block, const char *name,
			 unsigned int off)
{
	const char *s;

	for (s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		char b[16], n[64];
		unsigned int o, v;

		if (sscanf(s, "%15s %63s %x %x", b, n, &o, &v) == 4 &&
		    !strcmp(b, block) && !strcmp(n, name) && o == off)
			return v;
	}
	return -1;
}

TEST_F(dbg, registers_documented_only)
{
	ssize_t len;
	char *t;

	t = dbg_read(self->d.name, "registers", &len);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0x194000a1, dbg_reg(t, "npu", "NPU_DEVICE_ID", 0x0000)) TH_LOG("%s", t);
	EXPECT_EQ(0x31504b41, dbg_reg(t, "npu", "NPU_IFACE_MAGIC", 0x000c)) TH_LOG("%s", t);
	EXPECT_EQ(80, dbg_reg(t, "npu", "NPU_NP_COUNT", 0x10c0)) TH_LOG("%s", t);
	EXPECT_EQ(0x00020002, dbg_reg(t, "edma", "EDMA_CTRL", 0x008) & 0x000f000f) TH_LOG("%s", t);
	EXPECT_EQ(1, dbg_reg(t, "edma", "EDMA_RD_ENGINE_EN", 0x02c)) TH_LOG("%s", t);
	EXPECT_EQ(1, dbg_reg(t, "edma", "EDMA_WR_ENGINE_EN", 0x00c)) TH_LOG("%s", t);
	/* Never a command trigger, a doorbell or a clear register. */
	EXPECT_EQ(NULL, strstr(t, "INFER_START"));
	EXPECT_EQ(NULL, strstr(t, "MODEL_LOAD"));
	EXPECT_EQ(NULL, strstr(t, "DOORBELL"));
	EXPECT_EQ(NULL, strstr(t, "CLEAR"));
	free(t);
}

/* A job held on the NPU (a delayed completion) shows as running. */
TEST_F(dbg, jobs_shows_running_job)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	char want[64];
	uint64_t id, t0;
	int seen = 0;
	ssize_t len;
	char *t;

	if (!self->emu_ok)
		ABSENT(return, "no emulator test window");
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 400000);
	aj_job(&self->m, &s, ent, 0);
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	snprintf(want, sizeof(want), "job=%llu file=0 state=running step=run",
		 (unsigned long long)id);
	for (t0 = aj_now_ns(); !seen && aj_now_ns() - t0 < 5000000000ull; ) {
		t = dbg_read(self->d.name, "jobs", &len);
		ASSERT_NE(NULL, t);
		seen = strstr(t, want) && strstr(t, "pipeline=1 queued=0");
		if (seen)
			tt_show("jobs", t);
		free(t);
		usleep(2000);
	}
	EXPECT_TRUE(seen) TH_LOG("never saw '%s'", want);
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(0, w.status);
	t = dbg_read(self->d.name, "jobs", &len);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, strncmp(t, "pipeline=0 queued=0", 19)) TH_LOG("%s", t);
	free(t);
}

TEST_F(dbg, faults_ring_records_errors)
{
	struct akida_job_wait w;
	uint8_t buf[256];
	char want[96];
	ssize_t len;
	char *t;

	if (!self->emu_ok)
		ABSENT(return, "no emulator test window");
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_ERROR, 6);
	ASSERT_EQ(-EIO, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	memset(buf, 1, sizeof(buf));
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ERRSTATUS, AKIDA_EMU_ERR_READ);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ABORT, 1);
	EXPECT_EQ(-EIO, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, buf, self->scratch, sizeof(buf)));
	t = dbg_read(self->d.name, "faults", &len);
	ASSERT_NE(NULL, t);
	snprintf(want, sizeof(want), "npu_error job=%llu step=run code=6",
		 (unsigned long long)w.job_id);
	EXPECT_NE(NULL, strstr(t, want)) TH_LOG("no '%s' in:\n%s", want, t);
	snprintf(want, sizeof(want), "dma_abort dir=h2d ch=");
	EXPECT_NE(NULL, strstr(t, want)) TH_LOG("no '%s' in:\n%s", want, t);
	snprintf(want, sizeof(want), "axi=0x%08llx bytes=256 err=0x",
		 (unsigned long long)self->scratch);
	EXPECT_NE(NULL, strstr(t, want)) TH_LOG("no '%s' in:\n%s", want, t);
	free(t);
}

static int dbg_bind(const char *what, const char *bdf)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/bus/pci/drivers/akida_pcie/%s", what);
	return akt_write_file(p, bdf);
}

/* Readers of every file while the device is unbound and bound again. */
TEST_F_TIMEOUT(dbg, read_during_unbind, 300)
{
	char bdf[PATH_MAX], p[PATH_MAX];
	pid_t pid;
	int i, status;

	snprintf(bdf, sizeof(bdf), "%s", self->d.bdf);
	aj_model_fini(self->fd, &self->m);
	close(self->fd);
	self->fd = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (;;) {
			unsigned int f;

			for (f = 0; f < sizeof(dbg_files) / sizeof(dbg_files[0]); f++) {
				ssize_t len;
				char *t = dbg_read("akida0", dbg_files[f], &len);

				free(t);
			}
		}
	}
	for (i = 0; i < 5; i++) {
		usleep(20000);
		ASSERT_EQ(0, dbg_bind("unbind", bdf));
		usleep(20000);
		ASSERT_EQ(0, dbg_bind("bind", bdf));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	snprintf(p, sizeof(p), DBG_ROOT "/akida0/counters");
	EXPECT_EQ(0, access(p, R_OK));
	self->fd = aj_open(&self->d, O_RDWR);
	ASSERT_LE(0, self->fd);
}

/* ---- the lost-interrupt counter ---- */

FIXTURE(lost) {
	struct akt_dev d;
	struct akt_emu emu;
	struct aj_model m;
	int fd;
	bool emu_ok;
};

FIXTURE_SETUP(lost)
{
	self->emu_ok = false;
	memset(&self->m, 0, sizeof(self->m));
	self->fd = aj_open(&self->d, O_RDWR);
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	if (akt_param("npu_irq") == 0)
		SKIP(return, "npu_irq=0: the NPU posts no interrupt to lose");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test window (needs root and the emulator)");
	self->emu_ok = true;
	akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 3, NULL, 4));
	/* The program loaded and the inputs in place: the NPU run is all that is left. */
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	ASSERT_LE(0, dbg_counter(self->d.name, "npu_lost_irqs"))
		TH_LOG("no npu_lost_irqs in " DBG_ROOT "/%s/counters", self->d.name);
}

FIXTURE_TEARDOWN(lost)
{
	if (self->emu_ok) {
		akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
		akt_emu_close(&self->emu);
	}
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
}

/* A run with no DMA: the NPU's completion is the only interrupt. */
static int lost_run_npu_only(struct aj_model *m, int fd, struct akida_job_wait *w)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	uint64_t id;
	int ret;

	aj_job(m, &s, ent, 0);
	s.in_count = 0;
	s.out_count = 0;
	ret = aj_submit(fd, &s, &id);
	if (ret)
		return ret;
	ret = aj_wait(fd, id, 30000, w);
	return ret ? ret : w->status;
}

TEST_F(lost, interrupt_wakes_worker_counter_unchanged)
{
	long long lost0, irqs0;
	struct akida_job_wait w;
	int i;

	lost0 = dbg_counter(self->d.name, "npu_lost_irqs");
	irqs0 = dbg_counter(self->d.name, "npu_irqs");
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, lost_run_npu_only(&self->m, self->fd, &w));
		ASSERT_EQ(0, aj_run(self->fd, &self->m, 0, &w));
	}
	EXPECT_EQ(lost0, dbg_counter(self->d.name, "npu_lost_irqs"));
	EXPECT_LE(irqs0 + 8, dbg_counter(self->d.name, "npu_irqs"));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

TEST_F(lost, dropped_interrupt_counted)
{
	long long lost0, naps0;
	struct akida_job_wait w;

	lost0 = dbg_counter(self->d.name, "npu_lost_irqs");
	naps0 = dbg_counter(self->d.name, "npu_poll_naps");
	/*
	 * The completion is also delayed well past several poll intervals, so
	 * the worker is napping, not checking, when it comes, however late
	 * the worker runs after INFER_START.
	 */
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 200000);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DROP, 1);
	ASSERT_EQ(0, lost_run_npu_only(&self->m, self->fd, &w));
	EXPECT_EQ(0, akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_DROP));
	EXPECT_EQ(lost0 + 1, dbg_counter(self->d.name, "npu_lost_irqs"));
	EXPECT_LT(naps0, dbg_counter(self->d.name, "npu_poll_naps"));
	/* The next one has its interrupt again. */
	ASSERT_EQ(0, lost_run_npu_only(&self->m, self->fd, &w));
	EXPECT_EQ(lost0 + 1, dbg_counter(self->d.name, "npu_lost_irqs"));
}

TEST_HARNESS_MAIN
