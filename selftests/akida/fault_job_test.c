// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure injection over akida_pcie's ioctls: device memory
 * allocation, DMA vectors and job submission (see fault_inject.h for how
 * failures are injected). Jobs run a pseudo-random program from libakida and
 * their outputs are checked against its CPU golden model.
 *
 * After each injected failure the ioctl must either have succeeded or have
 * failed with a clean errno, nothing of the failed call may stay behind (a
 * failed submission leaves no job to wait for), and the device must still
 * run jobs. Splats and leaks are caught from the kernel log by
 * scripts/check.d/70-vm-debug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/akida.h>
#include <akida.h>

#include "kselftest_harness.h"
#include "fault_inject.h"

#define BATCH	4

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

FIXTURE(fault)
{
	struct fault_ctx c;
	struct akida_info info;
	struct akida_program *prog;
	const void *image;
	size_t image_len;
	uint32_t in_bytes;
	uint32_t out_bytes;
	uint8_t *inputs;
	uint8_t *outputs;
	uint8_t *expect;
	uint64_t prog_addr;
	uint64_t in_addr;
	uint64_t out_addr;
	int fd;
};

static int mem_alloc(int fd, uint64_t size, uint64_t *addr)
{
	struct akida_mem_alloc ma = { .size = size };
	int ret;

	ret = xioctl(fd, AKIDA_IOCTL_MEM_ALLOC, &ma);
	if (!ret)
		*addr = ma.addr;
	return ret;
}

static int mem_free(int fd, uint64_t addr)
{
	struct akida_mem_free mf = { .addr = addr };

	return xioctl(fd, AKIDA_IOCTL_MEM_FREE, &mf);
}

FIXTURE_SETUP(fault)
{
	self->fd = -1;
	/* Jobs map streaming DMA: keep out of DMA-API debugging's tracking. */
	self->c.reject_sym = "add_dma_entry";
	FAULT_SETUP(&self->c);
	self->fd = open(self->c.dev, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", self->c.dev, strerror(errno));
	ASSERT_EQ(0, xioctl(self->fd, AKIDA_IOCTL_GET_INFO, &self->info));
	if (!(self->info.caps & AKIDA_CAP_JOBS))
		ABSENT(return, "the device does not run jobs");

	ASSERT_EQ(0, akida_program_random(7, NULL, &self->prog))
		TH_LOG("akida_program_random: %s", akida_error_message());
	self->image = akida_program_image(self->prog, &self->image_len);
	self->in_bytes = akida_program_input_bytes(self->prog);
	self->out_bytes = akida_program_output_bytes(self->prog);
	self->inputs = malloc(BATCH * self->in_bytes);
	self->outputs = malloc(BATCH * self->out_bytes);
	self->expect = malloc(BATCH * self->out_bytes);
	ASSERT_TRUE(self->inputs && self->outputs && self->expect);
	akida_random_bytes(11, self->inputs, BATCH * self->in_bytes);
	ASSERT_EQ(0, akida_program_run(self->prog, self->inputs, BATCH, self->expect));

	ASSERT_EQ(0, mem_alloc(self->fd, self->image_len, &self->prog_addr));
	ASSERT_EQ(0, mem_alloc(self->fd, BATCH * self->in_bytes, &self->in_addr));
	ASSERT_EQ(0, mem_alloc(self->fd, BATCH * self->out_bytes, &self->out_addr));
	ASSERT_EQ((ssize_t)self->image_len,
		  pwrite(self->fd, self->image, self->image_len, self->prog_addr));
}

FIXTURE_TEARDOWN(fault)
{
	if (self->fd >= 0)
		close(self->fd);
	akida_program_free(self->prog);
	free(self->inputs);
	free(self->outputs);
	free(self->expect);
	fault_ctx_teardown(&self->c);
}

/* Submit one job that loads the program, moves the inputs in and out. */
static int submit(FIXTURE_DATA(fault) *self, struct akida_dma_entry dma[2],
		  uint64_t *job_id)
{
	struct akida_job_submit js = {
		.flags = AKIDA_JOB_PROGRAM,
		.batch = BATCH,
		.program_addr = self->prog_addr,
		.program_size = self->image_len,
		.input_size = self->in_bytes,
		.input_addr = self->in_addr,
		.output_addr = self->out_addr,
		.output_size = self->out_bytes,
		.in_count = 1,
		.in_dma = (uintptr_t)&dma[0],
		.out_count = 1,
		.out_dma = (uintptr_t)&dma[1],
		.user_data = 0x5eed,
	};
	int ret;

	dma[0] = (struct akida_dma_entry){
		.user_ptr = (uintptr_t)self->inputs,
		.dev_addr = self->in_addr,
		.size = BATCH * self->in_bytes,
		.dir = AKIDA_DMA_TO_DEVICE,
	};
	dma[1] = (struct akida_dma_entry){
		.user_ptr = (uintptr_t)self->outputs,
		.dev_addr = self->out_addr,
		.size = BATCH * self->out_bytes,
		.dir = AKIDA_DMA_FROM_DEVICE,
	};
	ret = xioctl(self->fd, AKIDA_IOCTL_JOB_SUBMIT, &js);
	if (!ret)
		*job_id = js.job_id;
	return ret;
}

/* Wait for a job; 0 when it completed successfully with the right outputs. */
static int collect(FIXTURE_DATA(fault) *self, uint64_t job_id, char *why, size_t len)
{
	struct akida_job_wait jw = {
		.job_id = job_id,
		.timeout_ns = now_ns() + 60ULL * 1000000000ULL,
	};
	int ret;

	ret = xioctl(self->fd, AKIDA_IOCTL_JOB_WAIT, &jw);
	if (ret)
		return snprintf(why, len, "JOB_WAIT: %s", strerror(-ret)), -1;
	if (jw.status)
		return snprintf(why, len, "job failed: %s at step %u", strerror(-jw.status),
				jw.failed_step), -1;
	if (jw.user_data != 0x5eed)
		return snprintf(why, len, "job returned user_data %#llx",
				(unsigned long long)jw.user_data), -1;
	if (memcmp(self->outputs, self->expect, BATCH * self->out_bytes))
		return snprintf(why, len, "outputs differ from the golden model"), -1;
	return 0;
}

/*
 * No job may be left behind by a failed submission: waiting for any job
 * without sleeping must find none (-ENOENT).
 */
static int pending_job(FIXTURE_DATA(fault) *self)
{
	struct akida_job_wait jw = { .flags = AKIDA_WAIT_ANY, .timeout_ns = 0 };

	return xioctl(self->fd, AKIDA_IOCTL_JOB_WAIT, &jw);
}

TEST_F_TIMEOUT(fault, job_submit, 280)
{
	struct akida_dma_entry dma[2];
	int step, ret, pend, injected = 0;
	char why[160];
	uint64_t id;
	bool hit;

	/* Touch the host buffers so that no page fault allocates inside a step. */
	memset(self->outputs, 0, BATCH * self->out_bytes);
	for (step = 1; step <= MAX_STEPS; step++) {
		memset(self->outputs, 0, BATCH * self->out_bytes);
		ASSERT_EQ(0, arm(step));
		ret = submit(self, dma, &id);
		hit = disarm();
		if (ret) {
			EXPECT_TRUE(hit) TH_LOG("JOB_SUBMIT without an injected failure: %s",
						strerror(-ret));
			EXPECT_TRUE(clean_errno(-ret))
				TH_LOG("JOB_SUBMIT, allocation %d failed: %s", step,
				       strerror(-ret));
			pend = pending_job(self);
			EXPECT_EQ(-ENOENT, pend)
				TH_LOG("after a failed JOB_SUBMIT, JOB_WAIT(ANY) gave %s",
				       pend ? strerror(-pend) : "a job");
		} else {
			ASSERT_EQ(0, collect(self, id, why, sizeof(why)))
				TH_LOG("%s (allocation %d %s)", why, step,
				       hit ? "failed" : "not reached");
		}
		if (!hit) {
			ASSERT_EQ(0, ret);
			break;
		}
		injected++;
		/* The device must run jobs after every failure. */
		memset(self->outputs, 0, BATCH * self->out_bytes);
		ASSERT_EQ(0, submit(self, dma, &id));
		ASSERT_EQ(0, collect(self, id, why, sizeof(why)))
			TH_LOG("after allocation %d failed: %s", step, why);
	}
	ASSERT_GE(MAX_STEPS, step) TH_LOG("JOB_SUBMIT never completed");
	TH_LOG("JOB_SUBMIT: %d allocations failed in turn", injected);
	/* A path that allocates nothing under the filter tests nothing here. */
	ASSERT_LT(0, injected) TH_LOG("JOB_SUBMIT: no allocation failure was injected");
}

TEST_F_TIMEOUT(fault, mem_alloc, 120)
{
	int step, ret, injected = 0;
	uint64_t addr = 0;
	bool hit;

	for (step = 1; step <= MAX_STEPS; step++) {
		ASSERT_EQ(0, arm(step));
		ret = mem_alloc(self->fd, 64 * 1024, &addr);
		hit = disarm();
		if (ret) {
			EXPECT_TRUE(clean_errno(-ret))
				TH_LOG("MEM_ALLOC, allocation %d failed: %s", step,
				       strerror(-ret));
		} else {
			ASSERT_EQ(0, mem_free(self->fd, addr));
		}
		if (!hit) {
			ASSERT_EQ(0, ret) TH_LOG("MEM_ALLOC: %s", strerror(-ret));
			break;
		}
		injected++;
	}
	ASSERT_GE(MAX_STEPS, step) TH_LOG("MEM_ALLOC never completed");
	TH_LOG("MEM_ALLOC: %d allocations failed in turn", injected);
	/* A path that allocates nothing under the filter tests nothing here. */
	ASSERT_LT(0, injected) TH_LOG("MEM_ALLOC: no allocation failure was injected");
}

TEST_F_TIMEOUT(fault, dma_vector, 200)
{
	struct akida_dma_entry e[2];
	struct akida_dma d = { .entries = (uintptr_t)e, .count = 2 };
	size_t len = BATCH * self->in_bytes;
	uint8_t *back;
	int step, ret, injected = 0;
	bool hit;

	back = malloc(len);
	ASSERT_TRUE(back);
	for (step = 1; step <= MAX_STEPS; step++) {
		memset(back, 0, len);
		e[0] = (struct akida_dma_entry){
			.user_ptr = (uintptr_t)self->inputs, .dev_addr = self->in_addr,
			.size = len, .dir = AKIDA_DMA_TO_DEVICE,
		};
		e[1] = (struct akida_dma_entry){
			.user_ptr = (uintptr_t)back, .dev_addr = self->in_addr,
			.size = len, .dir = AKIDA_DMA_FROM_DEVICE,
		};
		ASSERT_EQ(0, arm(step));
		ret = xioctl(self->fd, AKIDA_IOCTL_DMA, &d);
		hit = disarm();
		if (ret) {
			EXPECT_TRUE(clean_errno(-ret))
				TH_LOG("DMA, allocation %d failed: %s", step, strerror(-ret));
		} else {
			EXPECT_EQ(0, memcmp(back, self->inputs, len))
				TH_LOG("DMA succeeded with wrong data (allocation %d)", step);
		}
		if (!hit) {
			ASSERT_EQ(0, ret) TH_LOG("DMA: %s", strerror(-ret));
			break;
		}
		injected++;
	}
	free(back);
	ASSERT_GE(MAX_STEPS, step) TH_LOG("DMA never completed");
	TH_LOG("DMA: %d allocations failed in turn", injected);
	/* A path that allocates nothing under the filter tests nothing here. */
	ASSERT_LT(0, injected) TH_LOG("DMA: no allocation failure was injected");
}

TEST_HARNESS_MAIN
