// SPDX-License-Identifier: GPL-2.0
/*
 * One test per validation check of the ioctls, each with otherwise valid
 * input: the call fails with the documented errno and changes nothing.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

/* The *_EXPECT() macros below override fields of a valid request. */
#pragma GCC diagnostic ignored "-Woverride-init"

FIXTURE(neg) {
	struct akt_dev d;
	struct akida_info info;
	struct aj_model m;
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	uint8_t buf[4096];
	uint64_t mem;		/* a 64 KiB allocation of the file */
	int fd;
	int fd2;		/* another file of the same device */
	uint64_t mem2;		/* a 64 KiB allocation of fd2 */
};

FIXTURE_SETUP(neg)
{
	self->fd = aj_open(&self->d, O_RDWR);
	self->fd2 = -1;
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	ASSERT_EQ(0, aj_info(self->fd, &self->info));
	ASSERT_EQ(0, aj_alloc(self->fd, 65536, 0, &self->mem));
	self->fd2 = open(self->d.node, O_RDWR);
	ASSERT_GE(self->fd2, 0);
	ASSERT_EQ(0, aj_alloc(self->fd2, 65536, 0, &self->mem2));
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 11, NULL, 2));
	/* A valid job: each test breaks one thing. */
	aj_job(&self->m, &self->s, self->ent, AKIDA_JOB_PROGRAM);
}

FIXTURE_TEARDOWN(neg)
{
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
	if (self->fd2 >= 0)
		close(self->fd2);
}

/* The fixture's job is valid: it runs and matches the golden model. */
TEST_F(neg, baseline_job_is_valid)
{
	uint64_t id;
	struct akida_job_wait w;

	ASSERT_EQ(0, aj_submit(self->fd, &self->s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(0, w.status);
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* ---- GET_INFO ---- */

TEST_F(neg, info_bad_pointer)
{
	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_GET_INFO, (void *)8));
}

/* ---- MEM_ALLOC ---- */

#define ALLOC_EXPECT(err, ...) do {						\
	struct akida_mem_alloc a = { .size = 4096, __VA_ARGS__ };		\
	EXPECT_EQ(err, AJ_IOCTL(self->fd, AKIDA_IOCTL_MEM_ALLOC, &a));		\
	EXPECT_EQ(0, a.addr);							\
} while (0)

TEST_F(neg, alloc_flags)		{ ALLOC_EXPECT(-EINVAL, .flags = 1); }
TEST_F(neg, alloc_pad)			{ ALLOC_EXPECT(-EINVAL, .pad = 1); }
TEST_F(neg, alloc_size_zero)		{ ALLOC_EXPECT(-EINVAL, .size = 0); }
TEST_F(neg, alloc_size_huge)		{ ALLOC_EXPECT(-EINVAL, .size = self->info.mem_size + 1); }
TEST_F(neg, alloc_size_u64_max)		{ ALLOC_EXPECT(-EINVAL, .size = UINT64_MAX); }
TEST_F(neg, alloc_align_not_pow2)	{ ALLOC_EXPECT(-EINVAL, .align = 768); }
TEST_F(neg, alloc_align_too_small)	{ ALLOC_EXPECT(-EINVAL, .align = 128); }
TEST_F(neg, alloc_align_too_large)	{ ALLOC_EXPECT(-EINVAL, .align = 1ull << 31); }
TEST_F(neg, alloc_no_space)		{ ALLOC_EXPECT(-ENOSPC, .size = self->info.mem_size); }

/* A file holds at most 4096 allocations (Documentation/accel/akida.rst). */
TEST_F(neg, alloc_too_many)
{
	int fd3 = open(self->d.node, O_RDWR);
	uint64_t addr;
	int i, ret = 0;

	ASSERT_LE(0, fd3);
	for (i = 0; i < 4097; i++) {
		ret = aj_alloc(fd3, 256, 0, &addr);
		if (ret)
			break;
	}
	EXPECT_EQ(4096, i);
	EXPECT_EQ(-ENOSPC, ret);
	close(fd3);	/* frees them all */
}

TEST_F(neg, alloc_bad_pointer)
{
	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_MEM_ALLOC, (void *)8));
}

/* ---- MEM_FREE ---- */

TEST_F(neg, free_flags)
{
	struct akida_mem_free f = { .addr = self->mem, .flags = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_MEM_FREE, &f));
}

TEST_F(neg, free_pad)
{
	struct akida_mem_free f = { .addr = self->mem, .pad = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_MEM_FREE, &f));
}

TEST_F(neg, free_unknown)
{
	EXPECT_EQ(-ENOENT, aj_free(self->fd, 0x12345600));
}

TEST_F(neg, free_inside_allocation)
{
	EXPECT_EQ(-ENOENT, aj_free(self->fd, self->mem + 256));
}

TEST_F(neg, free_foreign)
{
	/* fd2's memory cannot be freed through fd, and stays fd2's. */
	EXPECT_EQ(-ENOENT, aj_free(self->fd, self->mem2));
	EXPECT_EQ(0, aj_dma1(self->fd2, AKIDA_DIR_TO_DEVICE, self->buf, self->mem2, 16));
}

TEST_F(neg, free_busy)
{
	struct akida_job_wait w;
	struct akt_emu emu;
	uint64_t id;
	int ret;

	/*
	 * The emulator holds the job's next NPU command for 2 s: the job is
	 * certainly in flight when MEM_FREE comes, on any host speed.
	 */
	if (akt_emu_open(&self->d, &emu))
		ABSENT(return, "no emulator test window");
	akt_emu_wr(&emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 2000000);
	ASSERT_EQ(0, aj_submit(self->fd, &self->s, &id));
	ret = aj_free(self->fd, self->m.base);
	ASSERT_EQ(0, aj_wait(self->fd, id, 60000, &w));
	akt_emu_wr(&emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 0);
	akt_emu_close(&emu);
	EXPECT_EQ(0, w.status);
	EXPECT_EQ(-EBUSY, ret);
}

TEST_F(neg, free_bad_pointer)
{
	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_MEM_FREE, (void *)8));
}

/* ---- DMA ---- */

#define DMA_EXPECT(err, ...) do {						\
	struct akida_dma_entry e = {						\
		.user_ptr = (uintptr_t)self->buf, .dev_addr = self->mem,	\
		.size = 256, .dir = AKIDA_DIR_TO_DEVICE, __VA_ARGS__ };		\
	struct akida_dma d = { .entries = (uintptr_t)&e, .count = 1 };		\
	EXPECT_EQ(err, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, &d));		\
} while (0)

TEST_F(neg, dma_valid)			{ DMA_EXPECT(0); }
TEST_F(neg, dma_entry_flags)		{ DMA_EXPECT(-EINVAL, .flags = 1); }
TEST_F(neg, dma_entry_dir_zero)		{ DMA_EXPECT(-EINVAL, .dir = 0); }
TEST_F(neg, dma_entry_dir_three)	{ DMA_EXPECT(-EINVAL, .dir = 3); }
TEST_F(neg, dma_entry_size_zero)	{ DMA_EXPECT(-EINVAL, .size = 0); }
TEST_F(neg, dma_entry_size_huge)	{ DMA_EXPECT(-EINVAL, .size = 1ull << 40,
						     .user_ptr = 0x10000); }
TEST_F(neg, dma_past_allocation_end)	{ DMA_EXPECT(-EINVAL, .dev_addr = self->mem + 65536 - 128); }
/* The exact end of an allocation (a multiple of the 256-byte granule). */
TEST_F(neg, dma_last_bytes_of_allocation) { DMA_EXPECT(0, .dev_addr = self->mem + 65536 - 16,
						      .size = 16); }
TEST_F(neg, dma_one_byte_past_allocation) { DMA_EXPECT(-EINVAL, .dev_addr = self->mem + 65536 - 16,
						       .size = 17); }
TEST_F(neg, dma_before_allocation)	{ DMA_EXPECT(-EINVAL, .dev_addr = self->mem - 16); }
TEST_F(neg, dma_foreign_range)		{ DMA_EXPECT(-EINVAL, .dev_addr = self->mem2); }
TEST_F(neg, dma_reserved_area)		{ DMA_EXPECT(-EINVAL, .dev_addr = AKT_LPDDR); }
TEST_F(neg, dma_npu_registers)		{ DMA_EXPECT(-EINVAL, .dev_addr = AKT_NPU); }
TEST_F(neg, dma_dev_addr_wraps)		{ DMA_EXPECT(-EINVAL, .dev_addr = UINT64_MAX - 8); }
TEST_F(neg, dma_user_null)		{ DMA_EXPECT(-EFAULT, .user_ptr = 0); }
TEST_F(neg, dma_user_kernel_address)	{ DMA_EXPECT(-EFAULT, .user_ptr = 0xffff888000000000ull); }

TEST_F(neg, dma_user_unmapped)
{
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 8192);
	DMA_EXPECT(-EFAULT, .user_ptr = (uintptr_t)p);
}

TEST_F(neg, dma_from_device_into_readonly)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	DMA_EXPECT(-EFAULT, .user_ptr = (uintptr_t)p, .dir = AKIDA_DIR_FROM_DEVICE);
	munmap(p, 4096);
}

TEST_F(neg, dma_flags)
{
	struct akida_dma_entry e = { .user_ptr = (uintptr_t)self->buf,
				     .dev_addr = self->mem, .size = 16,
				     .dir = AKIDA_DIR_TO_DEVICE };
	struct akida_dma d = { .entries = (uintptr_t)&e, .count = 1, .flags = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, &d));
}

TEST_F(neg, dma_count_zero)
{
	struct akida_dma_entry e = { 0 };
	struct akida_dma d = { .entries = (uintptr_t)&e, .count = 0 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, &d));
}

TEST_F(neg, dma_count_too_many)
{
	struct akida_dma d = { .entries = (uintptr_t)self->buf,
			       .count = self->info.max_dma_entries + 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, &d));
}

TEST_F(neg, dma_entries_bad_pointer)
{
	struct akida_dma d = { .entries = 8, .count = 1 };

	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, &d));
}

/* A bad entry anywhere stops the whole vector before anything moves. */
TEST_F(neg, dma_vector_checked_first)
{
	uint8_t src[64], dst[64];
	struct akida_dma_entry e[2] = {
		{ .user_ptr = (uintptr_t)src, .dev_addr = self->mem, .size = 64,
		  .dir = AKIDA_DIR_TO_DEVICE },
		{ .user_ptr = (uintptr_t)src, .dev_addr = self->mem2, .size = 64,
		  .dir = AKIDA_DIR_TO_DEVICE },
	};
	struct akida_dma d = { .entries = (uintptr_t)e, .count = 2 };

	memset(src, 0, sizeof(src));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, src, self->mem, 64));
	memset(src, 0x77, sizeof(src));
	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, &d));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_FROM_DEVICE, dst, self->mem, 64));
	EXPECT_EQ(0, dst[0]);
	EXPECT_EQ(0, dst[63]);
}

TEST_F(neg, dma_bad_pointer)
{
	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_DMA, (void *)8));
}

/* ---- JOB_SUBMIT ---- */

#define SUBMIT_EXPECT(err) do {							\
	self->s.job_id = 0;							\
	EXPECT_EQ(err, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_SUBMIT, &self->s));	\
	EXPECT_EQ(0, self->s.job_id);						\
} while (0)

TEST_F(neg, submit_flags)		{ self->s.flags |= 1u << 7; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_pad)			{ self->s.pad = 1; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_batch_zero)		{ self->s.batch = 0; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_batch_huge)		{ self->s.batch = 65536; SUBMIT_EXPECT(-EINVAL); }
/* One more input than the NPU runs, with buffers large enough for all of them. */
TEST_F(neg, submit_batch_over_max)
{
	static const uint32_t sizes[] = { 1, 1 };
	struct akida_random_spec spec = { .layers = 1, .sizes = sizes };
	unsigned int max = self->info.max_batch;
	struct aj_model m;

	ASSERT_EQ(0, aj_model_init(self->fd, &m, 13, &spec, max + 1));
	aj_job(&m, &self->s, self->ent, AKIDA_JOB_PROGRAM);
	SUBMIT_EXPECT(-EINVAL);
	aj_model_fini(self->fd, &m);
}
TEST_F(neg, submit_input_size_zero)	{ self->s.input_size = 0; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_output_size_zero)	{ self->s.output_size = 0; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_force_without_program) {
	/* With a program already loaded: only the flag check can refuse it. */
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	self->s.flags = AKIDA_JOB_FORCE_LOAD;
	self->s.program_addr = 0;
	self->s.program_size = 0;
	SUBMIT_EXPECT(-EINVAL);
}
TEST_F(neg, submit_program_size_zero)	{ self->s.program_size = 0; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_program_size_huge)	{ self->s.program_size = self->info.sram_size + 1;
					  SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_no_program_yet)	{
	self->s.flags = 0;
	self->s.program_addr = 0;
	self->s.program_size = 0;
	SUBMIT_EXPECT(-EINVAL);
}
TEST_F(neg, submit_program_fields_without_flag) {
	self->s.flags = 0;
	SUBMIT_EXPECT(-EINVAL);
}
TEST_F(neg, submit_weight_fields_without_flag) {
	self->s.weight_layer = 1;
	SUBMIT_EXPECT(-EINVAL);
}
TEST_F(neg, submit_weights_size_zero)	{
	self->s.flags |= AKIDA_JOB_WEIGHTS;
	self->s.weight_addr = self->m.prog_addr;
	SUBMIT_EXPECT(-EINVAL);
}
TEST_F(neg, submit_program_foreign)	{ self->s.program_addr = self->mem2; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_program_past_end)	{ self->s.program_addr = self->m.base + self->m.size - 16;
					  SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_weights_foreign)	{
	self->s.flags |= AKIDA_JOB_WEIGHTS;
	self->s.weight_addr = self->mem2;
	self->s.weight_size = 64;
	SUBMIT_EXPECT(-EINVAL);
}
TEST_F(neg, submit_input_past_end)	{ self->s.batch = 1000; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_input_foreign)	{ self->s.input_addr = self->mem2; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_output_foreign)	{ self->s.output_addr = self->mem2; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_output_wraps)	{ self->s.output_addr = UINT64_MAX - 4; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_in_count_too_many)	{ self->s.in_count = self->info.max_dma_entries + 1;
					  SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_out_count_too_many)	{ self->s.out_count = self->info.max_dma_entries + 1;
					  SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_in_dma_bad_pointer)	{ self->s.in_dma = 8; SUBMIT_EXPECT(-EFAULT); }
TEST_F(neg, submit_out_dma_bad_pointer)	{ self->s.out_dma = 8; SUBMIT_EXPECT(-EFAULT); }
TEST_F(neg, submit_in_entry_wrong_dir)	{ self->ent[0].dir = AKIDA_DIR_FROM_DEVICE;
					  SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_out_entry_wrong_dir)	{ self->ent[1].dir = AKIDA_DIR_TO_DEVICE;
					  SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_entry_flags)		{ self->ent[0].flags = 1; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_entry_size_zero)	{ self->ent[1].size = 0; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_entry_foreign)	{ self->ent[0].dev_addr = self->mem2; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_entry_past_end)	{ self->ent[1].size = self->m.size; SUBMIT_EXPECT(-EINVAL); }
TEST_F(neg, submit_entry_user_null)	{ self->ent[0].user_ptr = 0; SUBMIT_EXPECT(-EFAULT); }

TEST_F(neg, submit_entry_user_unmapped)
{
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	munmap(p, 8192);
	self->ent[1].user_ptr = (uintptr_t)p;
	SUBMIT_EXPECT(-EFAULT);
}

TEST_F(neg, submit_bad_pointer)
{
	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_SUBMIT, (void *)8));
}

TEST_F(neg, submit_too_many_jobs)
{
	long long old = akt_param("max_file_jobs");
	struct akida_job_wait w;
	uint64_t id[3] = { 0 };

	if (old < 0 || akt_set_param("max_file_jobs", 2))
		SKIP(return, "cannot set max_file_jobs (needs root)");
	/* Jobs count until collected, complete or not. */
	EXPECT_EQ(0, aj_submit(self->fd, &self->s, &id[0]));
	EXPECT_EQ(0, aj_submit(self->fd, &self->s, &id[1]));
	EXPECT_EQ(-EAGAIN, aj_submit(self->fd, &self->s, &id[2]));
	EXPECT_EQ(0, aj_wait(self->fd, id[0], 30000, &w));
	EXPECT_EQ(0, aj_submit(self->fd, &self->s, &id[2]));
	EXPECT_EQ(0, aj_wait(self->fd, id[1], 30000, &w));
	EXPECT_EQ(0, aj_wait(self->fd, id[2], 30000, &w));
	akt_set_param("max_file_jobs", old);
}

TEST_F(neg, submit_pins_more_than_allowed)
{
	long long old = akt_param("max_pinned_mb");

	if (old < 0 || akt_set_param("max_pinned_mb", 0))
		SKIP(return, "cannot set max_pinned_mb (needs root)");
	/* More than the file may pin, alone: can never run. */
	SUBMIT_EXPECT(-E2BIG);
	akt_set_param("max_pinned_mb", old);
}

TEST_F(neg, submit_pinned_limit_reached)
{
	long long old = akt_param("max_pinned_mb");
	struct aj_model big;
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint64_t id;

	if (old < 0 || akt_set_param("max_pinned_mb", 1))
		SKIP(return, "cannot set max_pinned_mb (needs root)");
	/* 64-byte inputs: a batch of 10000 pins about 740 KB. */
	ASSERT_EQ(0, aj_model_init(self->fd, &big, 14, NULL, 10000));
	aj_job(&big, &s, ent, AKIDA_JOB_PROGRAM);
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	/* A second one would exceed 1 MiB while the first is pending. */
	s.job_id = 0;
	EXPECT_EQ(-EAGAIN, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_SUBMIT, &s));
	EXPECT_EQ(0, aj_wait(self->fd, id, 60000, &w));
	EXPECT_EQ(0, w.status);
	akt_set_param("max_pinned_mb", old);
	aj_model_fini(self->fd, &big);
}

/* ---- JOB_WAIT ---- */

#define WAIT_EXPECT(err, id_, flags_, pad_) do {				\
	struct akida_job_wait w = { .job_id = (id_), .flags = (flags_),		\
				    .pad = (pad_),				\
				    .timeout_ns = aj_now_ns() + 1000000000ull };\
	EXPECT_EQ(err, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_WAIT, &w));		\
} while (0)

TEST_F(neg, wait_flags)			{ WAIT_EXPECT(-EINVAL, 1, 2, 0); }
TEST_F(neg, wait_pad)			{ WAIT_EXPECT(-EINVAL, 1, 0, 1); }
TEST_F(neg, wait_id_zero)		{ WAIT_EXPECT(-EINVAL, 0, 0, 0); }
TEST_F(neg, wait_any_with_id)		{ WAIT_EXPECT(-EINVAL, 1, AKIDA_WAIT_ANY, 0); }
TEST_F(neg, wait_unknown_id)		{ WAIT_EXPECT(-ENOENT, 0x7fffffffffull, 0, 0); }
TEST_F(neg, wait_any_nothing_pending)	{ WAIT_EXPECT(-ENOENT, 0, AKIDA_WAIT_ANY, 0); }

TEST_F(neg, wait_foreign_id)
{
	struct akida_job_wait w;
	uint64_t id;

	/* fd2 does not see fd's job, before or after it completes. */
	ASSERT_EQ(0, aj_submit(self->fd, &self->s, &id));
	EXPECT_EQ(-ENOENT, aj_wait(self->fd2, id, 100, &w));
	EXPECT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	/* Collected once: the id is unknown afterwards. */
	EXPECT_EQ(-ENOENT, aj_wait(self->fd, id, 100, &w));
}

TEST_F(neg, wait_expired_timeout)
{
	struct akida_job_wait w = { 0 };
	uint64_t id;

	/* A long batch: it cannot be complete right after submission. */
	aj_model_fini(self->fd, &self->m);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 13, NULL, 8192));
	aj_job(&self->m, &self->s, self->ent, AKIDA_JOB_PROGRAM);
	ASSERT_EQ(0, aj_submit(self->fd, &self->s, &id));
	w.job_id = id;
	w.timeout_ns = aj_now_ns() - 1000000;	/* in the past */
	EXPECT_EQ(-ETIMEDOUT, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_WAIT, &w));
	w.timeout_ns = 0;
	EXPECT_EQ(-ETIMEDOUT, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_WAIT, &w));
	/* Not collected by the timeouts. */
	EXPECT_EQ(0, aj_wait(self->fd, id, 60000, &w));
	EXPECT_EQ(0, w.status);
	EXPECT_EQ(0, aj_model_check(&self->m));
}

TEST_F(neg, wait_bad_pointer)
{
	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_WAIT, (void *)8));
}

/* ---- JOB_RUN ---- */

/*
 * The fixture's job through JOB_RUN with one thing broken: refused as
 * JOB_SUBMIT refuses it (nothing submitted, no id), or as documented for
 * the wait half.
 */
#define RUN_EXPECT(err, ...) do {						\
	struct akida_job_run r = { .submit = self->s,				\
		.wait = { .timeout_ns = aj_now_ns() + 30000000000ull, __VA_ARGS__ } }; \
	EXPECT_EQ(err, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_RUN, &r));		\
	EXPECT_EQ(0, r.submit.job_id);						\
} while (0)

TEST_F(neg, run_wait_job_id)		{ RUN_EXPECT(-EINVAL, .job_id = 1); }
TEST_F(neg, run_wait_flags)		{ RUN_EXPECT(-EINVAL, .flags = AKIDA_WAIT_ANY); }
TEST_F(neg, run_wait_pad)		{ RUN_EXPECT(-EINVAL, .pad = 1); }
TEST_F(neg, run_submit_flags)		{ self->s.flags |= 1u << 7; RUN_EXPECT(-EINVAL); }
TEST_F(neg, run_submit_batch_zero)	{ self->s.batch = 0; RUN_EXPECT(-EINVAL); }
TEST_F(neg, run_submit_entry_user_null)	{ self->ent[0].user_ptr = 0; RUN_EXPECT(-EFAULT); }

TEST_F(neg, run_bad_pointer)
{
	EXPECT_EQ(-EFAULT, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_RUN, (void *)8));
}

TEST_F(neg, run_read_only_file)
{
	struct akida_job_run r = { .submit = self->s };
	int ro = open(self->d.node, O_RDONLY);

	ASSERT_GE(ro, 0);
	r.wait.timeout_ns = aj_now_ns() + 30000000000ull;
	EXPECT_EQ(-EBADF, AJ_IOCTL(ro, AKIDA_IOCTL_JOB_RUN, &r));
	EXPECT_EQ(0, r.submit.job_id);
	close(ro);
}

/*
 * A timeout already past: the job is submitted and not collected; its id
 * comes back, and JOB_WAIT collects it.
 */
TEST_F(neg, run_expired_timeout_leaves_job_to_collect)
{
	struct akida_job_run r = { 0 };
	struct akida_job_wait w;

	aj_model_fini(self->fd, &self->m);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 13, NULL, 8192));
	aj_job(&self->m, &self->s, self->ent, AKIDA_JOB_PROGRAM);
	r.submit = self->s;
	r.wait.timeout_ns = aj_now_ns() - 1000000;
	EXPECT_EQ(-ETIMEDOUT, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_RUN, &r));
	ASSERT_NE(0, r.submit.job_id);
	EXPECT_EQ(r.submit.job_id, r.wait.job_id);
	EXPECT_EQ(0, aj_wait(self->fd, r.submit.job_id, 60000, &w));
	EXPECT_EQ(0, w.status);
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* ---- GET_STATS, RESET, SET_CLOCK ---- */

TEST_F(neg, stats_flags)
{
	struct akida_stats st = { .flags = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_GET_STATS, &st));
}

TEST_F(neg, stats_pad)
{
	struct akida_stats st = { .pad = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_GET_STATS, &st));
}

TEST_F(neg, reset_flags)
{
	struct akida_reset r = { .flags = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &r));
}

TEST_F(neg, reset_pad)
{
	struct akida_reset r = { .pad = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &r));
}

TEST_F(neg, reset_needs_cap_sys_admin)
{
	struct akida_stats s0, s1;
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct akida_reset r = { 0 };

		/* The open file stays; the capability goes. */
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &r) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.resets, s1.device.resets);
}

TEST_F(neg, clock_mode_unknown)
{
	struct akida_clock c = { .mode = 3 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &c));
}

TEST_F(neg, clock_flags)
{
	struct akida_clock c = { .mode = 0, .flags = 1 };

	EXPECT_EQ(-EINVAL, AJ_IOCTL(self->fd, AKIDA_IOCTL_SET_CLOCK, &c));
}

TEST_F(neg, clock_read_only_file)
{
	struct akida_clock c = { .mode = AKIDA_CLOCK_PERFORMANCE };
	int ro = open(self->d.node, O_RDONLY);

	ASSERT_GE(ro, 0);
	EXPECT_EQ(-EBADF, AJ_IOCTL(ro, AKIDA_IOCTL_SET_CLOCK, &c));
	close(ro);
}

TEST_HARNESS_MAIN
