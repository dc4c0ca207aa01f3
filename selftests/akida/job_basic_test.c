// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs: program load, weight update, input DMA, NPU batch, output DMA, with
 * every output compared byte for byte with libakida's golden model; program
 * reuse; waits, poll() and WAIT_ANY; failures reporting the failed step and
 * the NPU error code; fault injection through the emulator's window.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "job_util.h"

FIXTURE(job) {
	struct akt_dev d;
	struct akida_info info;
	struct aj_model m;
	int fd;
};

FIXTURE_SETUP(job)
{
	self->fd = aj_open(&self->d, O_RDWR);
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	ASSERT_EQ(0, aj_info(self->fd, &self->info));
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 1, NULL, 1));
}

FIXTURE_TEARDOWN(job)
{
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
}

TEST_F(job, single_inference_matches_golden)
{
	struct akida_job_wait w;
	uint64_t t0 = aj_now_ns();

	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(AKIDA_STEP_NONE, w.failed_step);
	EXPECT_EQ(0, w.npu_error);
	EXPECT_EQ(1, w.inputs_done);
	EXPECT_GE(w.submit_ns, t0);
	EXPECT_GE(w.start_ns, w.submit_ns);
	EXPECT_GE(w.end_ns, w.start_ns);
	EXPECT_LE(w.end_ns, aj_now_ns());
	EXPECT_GT(w.npu_ns, 0);
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* Submit and wait in one call: the same job, the same result. */
TEST_F(job, run_in_one_call_matches_golden)
{
	struct akida_dma_entry ent[2];
	struct akida_job_run r = { 0 };
	struct akida_job_wait w;
	uint64_t t0 = aj_now_ns();

	ASSERT_NE(0, self->info.caps & AKIDA_CAP_JOB_RUN);
	aj_job(&self->m, &r.submit, ent, AKIDA_JOB_PROGRAM);
	r.submit.user_data = 0x5eed;
	r.wait.timeout_ns = aj_now_ns() + 30000000000ull;
	memset(self->m.out, 0xee, (size_t)self->m.batch * self->m.out_bytes);
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_RUN, &r));
	EXPECT_NE(0, r.submit.job_id);
	EXPECT_EQ(r.submit.job_id, r.wait.job_id);
	EXPECT_EQ(0, r.wait.status);
	EXPECT_EQ(AKIDA_STEP_NONE, r.wait.failed_step);
	EXPECT_EQ(1, r.wait.inputs_done);
	EXPECT_EQ(0x5eed, r.wait.user_data);
	EXPECT_GE(r.wait.submit_ns, t0);
	EXPECT_GE(r.wait.end_ns, r.wait.start_ns);
	EXPECT_GT(r.wait.npu_ns, 0);
	EXPECT_EQ(0, aj_model_check(&self->m));
	/* Collected by the call. */
	EXPECT_EQ(-ENOENT, aj_wait(self->fd, r.submit.job_id, 100, &w));
}

TEST_F(job, batch_matches_golden)
{
	static const unsigned int batches[] = { 2, 7, 64, 1000 };
	struct akida_job_wait w;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		aj_model_fini(self->fd, &self->m);
		ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 20 + i, NULL, batches[i]));
		ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
		EXPECT_EQ(batches[i], w.inputs_done);
		EXPECT_EQ(0, aj_model_check(&self->m)) {
			TH_LOG("batch %u differs from the golden model", batches[i]);
		}
	}
}

TEST_F(job, shapes_and_bit_widths)
{
	static const uint32_t sizes[] = { 200, 97, 33, 5 };
	static const uint8_t wb[] = { 4, 8, 4 }, ab[] = { 1, 2, 8 };
	struct akida_random_spec spec = { .layers = 3, .sizes = sizes,
					  .weight_bits = wb, .act_bits = ab };
	struct akida_job_wait w;

	aj_model_fini(self->fd, &self->m);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 77, &spec, 33));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/*
 * Host buffers over many pages, larger than the staging buffer: inputs
 * 8 KiB and outputs 4 KiB per inference, 70 inferences.
 */
TEST_F(job, large_scattered_buffers)
{
	static const uint32_t sizes[] = { 8192, 64, 4096 };
	struct akida_random_spec spec = { .layers = 2, .sizes = sizes };
	struct akida_job_wait w;

	aj_model_fini(self->fd, &self->m);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 88, &spec, 70));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(70, w.inputs_done);
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* The file's program is reused, and loaded only once. */
TEST_F(job, program_reused_without_reload)
{
	struct akida_stats s0, s1;
	int i;

	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, aj_model_inputs(&self->m, 1000 + i));
		ASSERT_EQ(0, aj_run(self->fd, &self->m, i & 1 ? AKIDA_JOB_PROGRAM : 0, NULL));
		EXPECT_EQ(0, aj_model_check(&self->m));
	}
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.file.program_loads, s1.file.program_loads);
	EXPECT_EQ(s0.file.jobs_completed + 10, s1.file.jobs_completed);
	EXPECT_EQ(s0.file.inferences + 10, s1.file.inferences);

	/* FORCE_LOAD loads it again. */
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM | AKIDA_JOB_FORCE_LOAD, NULL));
	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	EXPECT_EQ(s1.file.program_loads + 1, s0.file.program_loads);
}

/* Rewriting the image through the ioctl path makes the next job reload it. */
TEST_F(job, rewritten_program_is_reloaded)
{
	struct akida_program *p2;
	const void *img2;
	size_t len2;

	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	ASSERT_EQ(0, aj_model_check(&self->m));
	/* Same shape, other weights, same place. */
	ASSERT_EQ(0, akida_program_random(2, NULL, &p2));
	img2 = akida_program_image(p2, &len2);
	ASSERT_EQ(self->m.image_len, len2);
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, (void *)img2,
			     self->m.prog_addr, len2));
	akida_program_free(self->m.prog);
	self->m.prog = p2;
	self->m.image = img2;
	ASSERT_EQ(0, aj_model_inputs(&self->m, 5));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* Data already in device memory: a job without DMA entries. */
TEST_F(job, no_dma_entries)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint64_t id;

	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, self->m.in,
			     self->m.in_addr, self->m.in_bytes));
	aj_job(&self->m, &s, ent, AKIDA_JOB_PROGRAM);
	s.in_count = 0;
	s.in_dma = 0;
	s.out_count = 0;
	s.out_dma = 0;
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	ASSERT_EQ(0, w.status);
	memset(self->m.out, 0, self->m.out_bytes);
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_FROM_DEVICE, self->m.out,
			     self->m.out_addr, self->m.out_bytes));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* Several DMA entries per job (scattered host buffers). */
TEST_F(job, scattered_dma_entries)
{
	struct akida_dma_entry in[4], out[2];
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint8_t *hin[4], *hout[2];
	uint32_t ib, ob;
	uint64_t id;
	int i;

	aj_model_fini(self->fd, &self->m);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 9, NULL, 8));
	ib = self->m.in_bytes * 2;
	ob = self->m.out_bytes * 4;
	for (i = 0; i < 4; i++) {
		hin[i] = malloc(ib);
		memcpy(hin[i], self->m.in + i * ib, ib);
		in[i] = (struct akida_dma_entry){ .user_ptr = (uintptr_t)hin[i],
			.dev_addr = self->m.in_addr + i * ib, .size = ib,
			.dir = AKIDA_DIR_TO_DEVICE };
	}
	for (i = 0; i < 2; i++) {
		hout[i] = calloc(1, ob);
		out[i] = (struct akida_dma_entry){ .user_ptr = (uintptr_t)hout[i],
			.dev_addr = self->m.out_addr + i * ob, .size = ob,
			.dir = AKIDA_DIR_FROM_DEVICE };
	}
	aj_job(&self->m, &s, ent, AKIDA_JOB_PROGRAM);
	s.in_count = 4;
	s.in_dma = (uintptr_t)in;
	s.out_count = 2;
	s.out_dma = (uintptr_t)out;
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	ASSERT_EQ(0, w.status);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, memcmp(hout[i], self->m.golden + i * ob, ob));
	for (i = 0; i < 4; i++)
		free(hin[i]);
	free(hout[0]);
	free(hout[1]);
}

/* Weight update of one layer, checked against the golden model. */
TEST_F(job, weight_update)
{
	struct akida_program *p2;
	struct akida_layer_info li;
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	struct akida_stats s0, s1;
	const void *wts;
	uint8_t *orig_golden;
	int8_t *neww;
	uint64_t waddr, id;
	size_t wlen, i;

	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	ASSERT_EQ(0, aj_model_check(&self->m));
	orig_golden = malloc(self->m.out_bytes);
	memcpy(orig_golden, self->m.golden, self->m.out_bytes);

	/* New weights for layer 1, in a copy of the program (the golden). */
	ASSERT_EQ(0, akida_program_layer(self->m.prog, 1, &li));
	ASSERT_EQ(0, akida_program_from_image(self->m.image, self->m.image_len, &p2));
	neww = malloc((size_t)li.inputs * li.outputs);
	for (i = 0; i < (size_t)li.inputs * li.outputs; i++)
		neww[i] = (int8_t)((i * 7 + 3) % 15) - 7;
	ASSERT_EQ(0, akida_program_set_weights(p2, 1, neww));
	wts = akida_program_layer_weights(p2, 1, &wlen);
	ASSERT_EQ(li.weight_bytes, wlen);
	ASSERT_EQ(0, aj_alloc(self->fd, wlen, 0, &waddr));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, (void *)wts, waddr, wlen));
	ASSERT_EQ(0, akida_program_run(p2, self->m.in, 1, self->m.golden));

	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	aj_job(&self->m, &s, ent, AKIDA_JOB_PROGRAM | AKIDA_JOB_WEIGHTS);
	s.weight_addr = waddr;
	s.weight_size = wlen;
	s.weight_layer = 1;
	memset(self->m.out, 0, self->m.out_bytes);
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	ASSERT_EQ(0, w.status);
	EXPECT_EQ(0, aj_model_check(&self->m));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.file.weight_updates + 1, s1.file.weight_updates);
	/* No reload: the update went on top of the loaded program. */
	EXPECT_EQ(s0.file.program_loads, s1.file.program_loads);

	/* The same update again: nothing to do. */
	memset(self->m.out, 0, self->m.out_bytes);
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	ASSERT_EQ(0, w.status);
	EXPECT_EQ(0, aj_model_check(&self->m));
	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	EXPECT_EQ(s1.file.weight_updates, s0.file.weight_updates);

	/* Without the update the original program runs again (reloaded). */
	memcpy(self->m.golden, orig_golden, self->m.out_bytes);
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	EXPECT_EQ(0, aj_model_check(&self->m));
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.file.program_loads + 1, s1.file.program_loads);

	/* A weight size that is not the layer's fails at the WEIGHTS step. */
	aj_job(&self->m, &s, ent, AKIDA_JOB_WEIGHTS);
	s.weight_addr = waddr;
	s.weight_size = wlen - 1;
	s.weight_layer = 1;
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(-EINVAL, w.status);
	EXPECT_EQ(AKIDA_STEP_WEIGHTS, w.failed_step);

	/* A layer that does not exist: the NPU says so (code 2). */
	s.weight_size = wlen;
	s.weight_layer = 9;
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(-EIO, w.status);
	EXPECT_EQ(AKIDA_STEP_WEIGHTS, w.failed_step);
	EXPECT_EQ(AKIDA_NPU_BAD_SIZE, w.npu_error);

	free(neww);
	free(orig_golden);
	akida_program_free(p2);
	aj_free(self->fd, waddr);
}

/*
 * Weights for the layer one past the last: the driver leaves a missing layer
 * to the NPU, which fails the job at the weight step with its own error code
 * (it must not be mistaken for a malformed image, -EINVAL).
 */
TEST_F(job, weight_update_of_missing_layer_fails)
{
	unsigned int n = akida_program_layer_count(self->m.prog);
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct akida_job_wait w;
	uint64_t id;

	ASSERT_LT(0U, n);
	aj_job(&self->m, &s, ent, AKIDA_JOB_PROGRAM | AKIDA_JOB_WEIGHTS);
	s.weight_addr = self->m.prog_addr;
	s.weight_size = 64;
	s.weight_layer = n;
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(-EIO, w.status);
	EXPECT_EQ(AKIDA_STEP_WEIGHTS, w.failed_step);
	EXPECT_NE(0U, w.npu_error);
	/* The device still runs the program. */
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

TEST_F(job, bad_program_fails_at_program_step)
{
	struct akida_job_wait w;
	uint8_t *img = malloc(self->m.image_len);

	/* Flip a payload byte: CRC mismatch (code 3). */
	memcpy(img, self->m.image, self->m.image_len);
	img[self->m.image_len - 5] ^= 0x40;
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, img, self->m.prog_addr,
			     self->m.image_len));
	EXPECT_EQ(-EIO, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(AKIDA_STEP_PROGRAM, w.failed_step);
	EXPECT_EQ(AKIDA_NPU_BAD_CRC, w.npu_error);
	EXPECT_EQ(0, w.inputs_done);

	/* Bad magic (code 1). */
	img[0] = 'X';
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, img, self->m.prog_addr, 4));
	EXPECT_EQ(-EIO, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(AKIDA_STEP_PROGRAM, w.failed_step);
	EXPECT_EQ(AKIDA_NPU_BAD_MAGIC, w.npu_error);

	/* Restored: works again. */
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, (void *)self->m.image,
			     self->m.prog_addr, self->m.image_len));
	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
	free(img);
}

TEST_F(job, size_mismatches_fail_at_run_step)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint64_t id;

	/* Output size other than the program's: refused before the run. */
	aj_job(&self->m, &s, ent, AKIDA_JOB_PROGRAM);
	s.output_size = self->m.out_bytes - 1;
	ent[1].size = s.output_size;
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(-EINVAL, w.status);
	EXPECT_EQ(AKIDA_STEP_RUN, w.failed_step);
	EXPECT_EQ(0, w.npu_error);

	/* Input size other than the program's: the NPU refuses (code 7). */
	aj_job(&self->m, &s, ent, AKIDA_JOB_PROGRAM);
	s.input_size = self->m.in_bytes - 1;
	ent[0].size = s.input_size;
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(-EIO, w.status);
	EXPECT_EQ(AKIDA_STEP_RUN, w.failed_step);
	EXPECT_EQ(AKIDA_NPU_INPUT_SIZE, w.npu_error);

	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* NPU IRQ_STATUS (HARDWARE.md section 4): bit0 INFER_DONE, bit1 MODEL_DONE, bit2 ERROR. */
#define NPU_IRQ_STATUS		0x0020

/*
 * With NPU interrupts on, the handler is IRQ_STATUS's only reader and must
 * acknowledge what it takes: a finished job leaves nothing pending (a bit
 * left set would be taken again at each interrupt of the shared vector).
 */
TEST_F(job, npu_interrupts_acknowledged)
{
	struct akida_job_wait w;

	if (akt_param("npu_irq") == 0)
		SKIP(return, "npu_irq=0: the worker, not the handler, acknowledges");
	if (akt_bar0_rd(&self->d, NPU_IRQ_STATUS) < 0)
		ABSENT(return, "cannot read BAR0 through resource0 (needs root)");
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(AKIDA_STEP_NONE, w.failed_step);
	EXPECT_EQ(0, akt_bar0_rd(&self->d, NPU_IRQ_STATUS));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, 0, &w));
	EXPECT_EQ(0, akt_bar0_rd(&self->d, NPU_IRQ_STATUS));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

TEST_F(job, poll_and_wait_any)
{
	struct akida_job_submit s[4];
	struct akida_dma_entry ent[4][2];
	struct aj_model m[4];
	struct akida_job_wait w;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	uint64_t id[4], seen = 0;
	int i, j;

	/* Nothing complete: not readable. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, aj_model_init(self->fd, &m[i], 40 + i, NULL, 3));
		aj_job(&m[i], &s[i], ent[i], AKIDA_JOB_PROGRAM);
		s[i].user_data = 0xabc0 + i;
		ASSERT_EQ(0, aj_submit(self->fd, &s[i], &id[i]));
		ASSERT_NE(0, id[i]);
		for (j = 0; j < i; j++)
			EXPECT_NE(id[j], id[i]);
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, poll(&pfd, 1, 30000));
		EXPECT_NE(0, pfd.revents & POLLIN);
		ASSERT_EQ(0, aj_wait(self->fd, 0, 0, &w));
		EXPECT_EQ(0, w.status);
		for (j = 0; j < 4; j++)
			if (id[j] == w.job_id)
				break;
		ASSERT_LT(j, 4);
		EXPECT_EQ(0xabc0 + j, w.user_data);
		EXPECT_EQ(0, seen & (1 << j));
		seen |= 1 << j;
		EXPECT_EQ(0, aj_model_check(&m[j]));
	}
	EXPECT_EQ(0xf, seen);
	/* All collected: not readable, and WAIT_ANY has nothing. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-ENOENT, aj_wait(self->fd, 0, 0, &w));
	for (i = 0; i < 4; i++)
		aj_model_fini(self->fd, &m[i]);
}

/* Jobs of one file run in submission order. */
TEST_F(job, jobs_of_a_file_run_in_order)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint64_t id[16], last_end = 0;
	int i;

	aj_job(&self->m, &s, ent, AKIDA_JOB_PROGRAM);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, aj_submit(self->fd, &s, &id[i]));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, aj_wait(self->fd, id[i], 30000, &w));
		EXPECT_EQ(0, w.status);
		EXPECT_GE(w.end_ns, last_end);
		last_end = w.end_ns;
	}
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* ---- with the emulator's fault injection (root) ---- */

FIXTURE(fault) {
	struct akt_dev d;
	struct akt_emu emu;
	struct aj_model m;
	int fd;
	bool emu_ok;
};

FIXTURE_SETUP(fault)
{
	self->emu_ok = false;
	self->fd = aj_open(&self->d, O_RDWR);
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test window (needs root and the emulator)");
	self->emu_ok = true;
	akt_emu_wr(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, 3, NULL, 4));
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, NULL));
}

FIXTURE_TEARDOWN(fault)
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

static void noop_handler(int sig)
{
}

/*
 * A signal while JOB_RUN waits: -EINTR, not a restart (which would submit
 * the job again); the job runs on and JOB_WAIT collects it.
 */
TEST_F(fault, run_interrupted_leaves_job_to_collect)
{
	/* SA_RESTART: a restarted call would submit the job a second time. */
	struct sigaction sa = { .sa_handler = noop_handler, .sa_flags = SA_RESTART };
	struct itimerval it = { .it_value = { .tv_usec = 50000 } };
	struct akida_dma_entry ent[2];
	struct akida_job_run r = { 0 };
	struct akida_stats s0, s1;
	struct akida_job_wait w;

	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	/* The NPU holds the job for 500 ms: the signal comes first. */
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_DELAY_US, 500000);
	ASSERT_EQ(0, aj_model_inputs(&self->m, 77));
	aj_job(&self->m, &r.submit, ent, 0);
	r.wait.timeout_ns = aj_now_ns() + 30000000000ull;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, AJ_IOCTL(self->fd, AKIDA_IOCTL_JOB_RUN, &r));
	signal(SIGALRM, SIG_DFL);
	ASSERT_NE(0, r.submit.job_id);
	EXPECT_EQ(0, aj_wait(self->fd, r.submit.job_id, 30000, &w));
	EXPECT_EQ(0, w.status);
	EXPECT_EQ(0, aj_model_check(&self->m));
	/* Submitted once. */
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.file.jobs_submitted + 1, s1.file.jobs_submitted);
}

TEST_F(fault, npu_error_reported_then_recovers)
{
	struct akida_job_wait w;

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_NPU_ERROR, 6);
	EXPECT_EQ(-EIO, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(AKIDA_STEP_RUN, w.failed_step);
	EXPECT_EQ(6, w.npu_error);
	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

TEST_F(fault, input_dma_abort_fails_input_step)
{
	struct akida_job_wait w;

	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ERRSTATUS, AKIDA_EMU_ERR_READ);
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DMA_ABORT, 1);
	EXPECT_EQ(-EIO, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(AKIDA_STEP_INPUT, w.failed_step);
	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/* A lost NPU interrupt: the bounded status poll completes the job. */
TEST_F(fault, lost_npu_interrupt_recovered_by_poll)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint64_t id;

	if (akt_param("npu_irq") == 0)
		SKIP(return, "npu_irq=0: the NPU posts no interrupt to lose");
	/* Inputs placed beforehand, program loaded: the NPU's is the only completion. */
	ASSERT_EQ(0, aj_model_inputs(&self->m, 300));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, self->m.in, self->m.in_addr,
			     (size_t)self->m.batch * self->m.in_bytes));
	aj_job(&self->m, &s, ent, 0);
	s.in_count = 0;
	s.out_count = 0;
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DROP, 1);
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(0, w.status);
	EXPECT_EQ(0, akt_emu_rd(&self->emu, AKIDA_EMU_FAULT_DROP));
	memset(self->m.out, 0, (size_t)self->m.batch * self->m.out_bytes);
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_FROM_DEVICE, self->m.out, self->m.out_addr,
			     (size_t)self->m.batch * self->m.out_bytes));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

/*
 * A completion whose MSI was lost leaves its bit latched in IRQ_STATUS (the
 * handler, its only reader, never ran). CONTROL.RESET may keep such bits
 * (HARDWARE.md does not say; the emulator keeps them): after
 * AKIDA_IOCTL_RESET the driver must have cleared them, or the next
 * interrupt would report a completion that never happened.
 */
TEST_F(fault, reset_clears_latched_npu_status)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_reset rst = { 0 };
	struct akida_job_wait w;
	uint64_t id;

	if (akt_param("npu_irq") == 0)
		SKIP(return, "npu_irq=0: the worker reads and clears IRQ_STATUS itself");
	if (geteuid())
		SKIP(return, "needs root (CAP_SYS_ADMIN)");
	ASSERT_EQ(0, aj_model_inputs(&self->m, 310));
	ASSERT_EQ(0, aj_dma1(self->fd, AKIDA_DIR_TO_DEVICE, self->m.in, self->m.in_addr,
			     (size_t)self->m.batch * self->m.in_bytes));
	aj_job(&self->m, &s, ent, 0);
	s.in_count = 0;
	s.out_count = 0;
	akt_emu_wr(&self->emu, AKIDA_EMU_FAULT_DROP, 1);
	ASSERT_EQ(0, aj_submit(self->fd, &s, &id));
	ASSERT_EQ(0, aj_wait(self->fd, id, 30000, &w));
	EXPECT_EQ(0, w.status);
	ASSERT_NE(0, akt_bar0_rd(&self->d, NPU_IRQ_STATUS))
		TH_LOG("no bit latched by the completion whose MSI was dropped");
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &rst));
	EXPECT_EQ(0, akt_bar0_rd(&self->d, NPU_IRQ_STATUS));
	/* The device works after it: program reloaded, output as the golden model's. */
	ASSERT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
}

TEST_HARNESS_MAIN
