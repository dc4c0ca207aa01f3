// SPDX-License-Identifier: GPL-2.0
/*
 * The job engine under load: several processes submitting thousands of jobs
 * at once with every output checked against the golden model; fairness
 * between files; a process killed with jobs in flight leaks nothing; a
 * reset with jobs in flight fails them with -EIO and leaves the device
 * usable; pipelining (queue_depth) measured.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

/*
 * A client: one program and SLOTS input/output areas in one allocation, so
 * that consecutive jobs use different memory and may overlap.
 */
#define SLOTS	8

struct client {
	int fd;
	struct akida_program *prog;
	const void *image;
	size_t image_len;
	uint32_t in_bytes, out_bytes;
	unsigned int batch;
	uint64_t base, prog_addr, in_addr[SLOTS], out_addr[SLOTS];
	uint8_t *in[SLOTS], *out[SLOTS], *golden[SLOTS];
	struct akida_dma_entry ent[SLOTS][2];
	uint64_t id[SLOTS];
	uint64_t seed[SLOTS];
};

static int client_init_spec(struct client *c, int fd, uint64_t seed,
			    const struct akida_random_spec *spec, unsigned int batch)
{
	uint64_t off, size;
	int i, ret;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->batch = batch;
	ret = akida_program_random(seed, spec, &c->prog);
	if (ret)
		return ret;
	c->image = akida_program_image(c->prog, &c->image_len);
	c->in_bytes = akida_program_input_bytes(c->prog);
	c->out_bytes = akida_program_output_bytes(c->prog);
	off = aj_align(c->image_len, 256);
	for (i = 0; i < SLOTS; i++) {
		c->in_addr[i] = off;
		off = aj_align(off + (uint64_t)batch * c->in_bytes, 256);
		c->out_addr[i] = off;
		off = aj_align(off + (uint64_t)batch * c->out_bytes, 256);
		c->in[i] = malloc((size_t)batch * c->in_bytes);
		c->out[i] = malloc((size_t)batch * c->out_bytes);
		c->golden[i] = malloc((size_t)batch * c->out_bytes);
		if (!c->in[i] || !c->out[i] || !c->golden[i])
			return -ENOMEM;
	}
	size = off;
	ret = aj_alloc(fd, size, 0, &c->base);
	if (ret)
		return ret;
	c->prog_addr = c->base;
	for (i = 0; i < SLOTS; i++) {
		c->in_addr[i] += c->base;
		c->out_addr[i] += c->base;
	}
	return aj_dma1(fd, AKIDA_DIR_TO_DEVICE, (void *)c->image, c->prog_addr,
		       c->image_len);
}

static int client_init(struct client *c, int fd, uint64_t seed, unsigned int batch)
{
	return client_init_spec(c, fd, seed, NULL, batch);
}

static void client_fini(struct client *c)
{
	int i;

	if (c->base)
		aj_free(c->fd, c->base);
	for (i = 0; i < SLOTS; i++) {
		free(c->in[i]);
		free(c->out[i]);
		free(c->golden[i]);
	}
	akida_program_free(c->prog);
}

/* Submit a job on @slot with inputs from @seed. */
static int client_submit(struct client *c, int slot, uint64_t seed)
{
	struct akida_job_submit s = { 0 };
	size_t ib = (size_t)c->batch * c->in_bytes, ob = (size_t)c->batch * c->out_bytes;

	c->seed[slot] = seed;
	akida_random_bytes(seed, c->in[slot], ib);
	memset(c->out[slot], 0xee, ob);
	c->ent[slot][0] = (struct akida_dma_entry){ .user_ptr = (uintptr_t)c->in[slot],
		.dev_addr = c->in_addr[slot], .size = ib, .dir = AKIDA_DIR_TO_DEVICE };
	c->ent[slot][1] = (struct akida_dma_entry){ .user_ptr = (uintptr_t)c->out[slot],
		.dev_addr = c->out_addr[slot], .size = ob, .dir = AKIDA_DIR_FROM_DEVICE };
	s.flags = AKIDA_JOB_PROGRAM;
	s.program_addr = c->prog_addr;
	s.program_size = c->image_len;
	s.batch = c->batch;
	s.input_size = c->in_bytes;
	s.input_addr = c->in_addr[slot];
	s.output_size = c->out_bytes;
	s.output_addr = c->out_addr[slot];
	s.in_count = 1;
	s.in_dma = (uintptr_t)&c->ent[slot][0];
	s.out_count = 1;
	s.out_dma = (uintptr_t)&c->ent[slot][1];
	s.user_data = slot;
	return aj_submit(c->fd, &s, &c->id[slot]);
}

/* Check @slot's output against the golden model. 0 if equal. */
static int client_check(struct client *c, int slot)
{
	if (akida_program_run(c->prog, c->in[slot], c->batch, c->golden[slot]))
		return -1;
	return memcmp(c->out[slot], c->golden[slot],
		      (size_t)c->batch * c->out_bytes) ? -1 : 0;
}

/*
 * Run @jobs jobs keeping @depth (<= SLOTS) in flight, collecting with
 * WAIT_ANY, checking every output. Return the number of failures.
 */
static int client_run(struct client *c, unsigned int jobs, unsigned int depth,
		      uint64_t seed)
{
	unsigned int submitted = 0, done = 0, bad = 0;
	struct akida_job_wait w;
	int slot;

	for (slot = 0; slot < (int)depth && submitted < jobs; slot++, submitted++)
		if (client_submit(c, slot, seed + submitted))
			return jobs;
	while (done < submitted) {
		if (aj_wait(c->fd, 0, 60000, &w))
			return jobs;
		slot = (int)w.user_data;
		done++;
		if (w.status || client_check(c, slot)) {
			if (bad < 5)
				fprintf(stderr, "# pid %d job %llu: status %d step %u code %u%s\n",
					getpid(), (unsigned long long)w.job_id, w.status,
					w.failed_step, w.npu_error,
					w.status ? "" : ", output differs");
			bad++;
		}
		if (submitted < jobs) {
			if (client_submit(c, slot, seed + submitted))
				return jobs;
			submitted++;
		}
	}
	return bad;
}

FIXTURE(stress) {
	struct akt_dev d;
	struct akida_info info;
	int fd;
};

FIXTURE_SETUP(stress)
{
	self->fd = aj_open(&self->d, O_RDWR);
	if (self->fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	ASSERT_EQ(0, aj_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(stress)
{
	if (self->fd >= 0)
		close(self->fd);
}

#define NPROC	4
#define NJOBS	500

TEST_F_TIMEOUT(stress, processes_thousands_of_jobs_checked, 240)
{
	struct akida_stats s0, s1;
	pid_t pid[NPROC];
	uint64_t t0, t1;
	int i, status, failed = 0;

	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	t0 = aj_now_ns();
	for (i = 0; i < NPROC; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (pid[i] == 0) {
			struct client c;
			int fd = open(self->d.node, O_RDWR), bad;

			if (fd < 0 || client_init(&c, fd, 1000 + i, 1 + i % 3))
				_exit(255);
			bad = client_run(&c, NJOBS, 4, (uint64_t)i << 32);
			client_fini(&c);
			close(fd);
			_exit(bad > 250 ? 250 : bad);
		}
	}
	for (i = 0; i < NPROC; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) {
			TH_LOG("process %d: %d jobs failed or differed", i,
			       WEXITSTATUS(status));
		}
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	t1 = aj_now_ns();
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.jobs_completed + NPROC * NJOBS, s1.device.jobs_completed);
	EXPECT_EQ(s0.device.jobs_failed, s1.device.jobs_failed);
	EXPECT_EQ(s0.device.mem_allocs, s1.device.mem_allocs);
	EXPECT_EQ(0, s1.device.pinned_bytes);
	ksft_print_msg("%d processes x %d jobs: %.0f jobs/s, %llu program loads\n",
		       NPROC, NJOBS, NPROC * NJOBS / ((t1 - t0) / 1e9),
		       (unsigned long long)(s1.device.program_loads - s0.device.program_loads));
	EXPECT_EQ(0, failed);
}

/* A file with one short job is served while another has a long queue. */
TEST_F_TIMEOUT(stress, files_interleave_fairly, 120)
{
	struct client a, b;
	struct akida_job_wait w;
	uint64_t a_last_end = 0, b_end;
	int fd2 = open(self->d.node, O_RDWR), i;

	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, client_init(&a, self->fd, 5, 256));
	ASSERT_EQ(0, client_init(&b, fd2, 6, 1));
	for (i = 0; i < SLOTS; i++)
		ASSERT_EQ(0, client_submit(&a, i, 100 + i));
	ASSERT_EQ(0, client_submit(&b, 0, 7));
	ASSERT_EQ(0, aj_wait(fd2, b.id[0], 60000, &w));
	EXPECT_EQ(0, w.status);
	EXPECT_EQ(0, client_check(&b, 0));
	b_end = w.end_ns;
	for (i = 0; i < SLOTS; i++) {
		ASSERT_EQ(0, aj_wait(self->fd, a.id[i], 60000, &w));
		EXPECT_EQ(0, w.status);
		EXPECT_EQ(0, client_check(&a, i));
		a_last_end = w.end_ns;
	}
	/* b's job did not wait for all of a's queue. */
	EXPECT_LT(b_end, a_last_end);
	client_fini(&a);
	client_fini(&b);
	close(fd2);
}

/* Wait until the device's counters are back to @s0's; 0 when they are. */
static int settle(int fd, const struct akida_stats *s0, struct akida_stats *s1)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (aj_stats(fd, s1))
			return -1;
		if (s1->device.mem_allocs == s0->device.mem_allocs &&
		    s1->device.mem_bytes == s0->device.mem_bytes &&
		    s1->device.pinned_bytes == s0->device.pinned_bytes &&
		    s1->device.jobs_pending == s0->device.jobs_pending &&
		    s1->device.open_files == s0->device.open_files)
			return 0;
		usleep(100000);
	}
	return -1;
}

TEST_F_TIMEOUT(stress, killed_mid_job_leaks_nothing, 120)
{
	struct akida_stats s0, s1;
	int p[2], status, round;
	char c;

	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	for (round = 0; round < 3; round++) {
		pid_t pid;

		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			struct client cl;
			int fd = open(self->d.node, O_RDWR), i;

			close(p[0]);
			if (fd < 0 || client_init(&cl, fd, 50 + round, 2048))
				_exit(1);
			for (i = 0; i < SLOTS; i++)
				if (client_submit(&cl, i, i))
					_exit(2);
			/* More memory that nothing uses. */
			for (i = 0; i < 5; i++)
				aj_alloc(fd, 4096, 0, &cl.base);
			if (write(p[1], "x", 1) != 1)
				_exit(3);
			pause();
			_exit(4);
		}
		close(p[1]);
		ASSERT_EQ(1, read(p[0], &c, 1));
		close(p[0]);
		ASSERT_EQ(0, aj_stats(self->fd, &s1));
		EXPECT_GT(s1.device.mem_allocs, s0.device.mem_allocs);
		/* Kill it with its jobs queued, running, or done and uncollected. */
		usleep(round * 20000);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
		EXPECT_EQ(0, settle(self->fd, &s0, &s1)) {
			TH_LOG("round %d: allocs %llu/%llu bytes %llu/%llu pinned %llu pending %llu files %llu",
			       round,
			       (unsigned long long)s1.device.mem_allocs,
			       (unsigned long long)s0.device.mem_allocs,
			       (unsigned long long)s1.device.mem_bytes,
			       (unsigned long long)s0.device.mem_bytes,
			       (unsigned long long)s1.device.pinned_bytes,
			       (unsigned long long)s1.device.jobs_pending,
			       (unsigned long long)s1.device.open_files);
		}
	}
	/* And the device still works. */
	{
		struct client cl;

		ASSERT_EQ(0, client_init(&cl, self->fd, 99, 3));
		EXPECT_EQ(0, client_run(&cl, 20, 4, 1));
		client_fini(&cl);
	}
}

TEST_F_TIMEOUT(stress, reset_with_jobs_in_flight, 120)
{
	struct akida_reset r = { 0 };
	struct akida_job_wait w;
	struct akida_stats s0, s1;
	struct client cl;
	int i, ok = 0, eio = 0;

	if (geteuid())
		SKIP(return, "needs root (CAP_SYS_ADMIN)");
	/* Long batches (about 0.35 s of NPU time each): the reset finds them running. */
	ASSERT_EQ(0, client_init(&cl, self->fd, 8, 16384));
	ASSERT_EQ(0, aj_stats(self->fd, &s0));
	for (i = 0; i < SLOTS; i++)
		ASSERT_EQ(0, client_submit(&cl, i, 10 + i));
	ASSERT_EQ(0, AJ_IOCTL(self->fd, AKIDA_IOCTL_RESET, &r));
	for (i = 0; i < SLOTS; i++) {
		ASSERT_EQ(0, aj_wait(self->fd, cl.id[i], 60000, &w));
		if (w.status == 0) {
			ok++;
			EXPECT_EQ(0, client_check(&cl, i));
		} else {
			EXPECT_EQ(-EIO, w.status);
			EXPECT_NE(AKIDA_STEP_NONE, w.failed_step);
			eio++;
		}
	}
	ksft_print_msg("reset: %d jobs completed before it, %d failed with -EIO\n", ok, eio);
	EXPECT_GT(eio, 0);
	ASSERT_EQ(0, aj_stats(self->fd, &s1));
	EXPECT_EQ(s0.device.resets + 1, s1.device.resets);
	EXPECT_EQ(0, s1.file.jobs_pending);
	/* Usable afterwards: programs are loaded again and results are right. */
	client_fini(&cl);
	ASSERT_EQ(0, client_init(&cl, self->fd, 9, 4));
	EXPECT_EQ(0, client_run(&cl, 16, 4, 77));
	client_fini(&cl);
}

/*
 * Count the jobs (of SLOTS submitted at once) that the engine took, i.e.
 * started their input DMA, before the previous one was complete. -1 on error.
 */
static int overlapped_jobs(struct client *c, uint64_t seed, struct akt_emu *e)
{
	struct akida_job_wait w;
	uint64_t prev_end = 0;
	int i, n = 0;

	/*
	 * On the emulator, hold the first job's first step back for a second
	 * so that every job is queued before the engine can run out of work:
	 * on a slow (debug) kernel each submission may otherwise take longer
	 * than a whole job, and no job would ever have a successor to overlap.
	 */
	if (e)
		akt_emu_wr(e, AKIDA_EMU_FAULT_DELAY_US, 1000000);
	for (i = 0; i < SLOTS; i++)
		if (client_submit(c, i, seed + i))
			return -1;
	for (i = 0; i < SLOTS; i++) {
		if (aj_wait(c->fd, c->id[i], 60000, &w) || w.status || client_check(c, i))
			return -1;
		if (i && w.start_ns < prev_end)
			n++;
		prev_end = w.end_ns;
	}
	return n;
}

/* With queue_depth 1 jobs never overlap; with 2 the next one's input DMA runs
 * while the NPU runs the current one. */
TEST_F_TIMEOUT(stress, pipelining_overlaps_jobs, 120)
{
	long long old = akt_param("queue_depth");
	static const uint32_t sizes[] = { 8192, 16, 10 };
	struct akida_random_spec spec = { .layers = 2, .sizes = sizes };
	struct client cl;
	struct akt_emu e;
	bool emu;
	int n1, n2;

	if (old < 0 || akt_set_param("queue_depth", 1))
		SKIP(return, "cannot set queue_depth (needs root)");
	ASSERT_EQ(0, client_init_spec(&cl, self->fd, 32, &spec, 64));
	emu = !akt_emu_open(&self->d, &e);
	n1 = overlapped_jobs(&cl, 1, emu ? &e : NULL);
	ASSERT_EQ(0, akt_set_param("queue_depth", 2));
	n2 = overlapped_jobs(&cl, 100, emu ? &e : NULL);
	akt_set_param("queue_depth", old);
	if (emu)
		akt_emu_close(&e);
	client_fini(&cl);
	ksft_print_msg("jobs started before the previous one completed: %d of %d at queue_depth 1, %d of %d at 2\n",
		       n1, SLOTS - 1, n2, SLOTS - 1);
	EXPECT_EQ(0, n1);
	/* Not all: the client may still be submitting when a job is done. */
	EXPECT_GT(n2, 0);
}

/*
 * Throughput with and without overlap of DMA and NPU (queue_depth), for a
 * program whose input DMA (8 KiB per inference) takes about as long on the
 * modeled link as its inference: reported, not asserted (the emulator's
 * clock is the host's, and a TCG guest on a loaded host may not start the
 * next job's DMA within the 0.5 ms a job's inference takes).
 *
 * Then the assertion, free of timing: two jobs, the first held on the NPU
 * for 200 ms by FAULT_NPU_DELAY_US. At queue_depth 2 the second job's input
 * DMA runs while the first computes (the emulator's NPU_DMA_OVERLAP_NS
 * grows); at queue_depth 1 it waits for the first to complete (no overlap).
 */
static uint64_t held_pair_overlap(struct client *cl, struct akt_emu *e, int depth)
{
	uint64_t o = akt_emu_rd64(e, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS);

	if (akt_set_param("queue_depth", depth))
		return UINT64_MAX;
	akt_emu_wr(e, AKIDA_EMU_FAULT_NPU_DELAY_US, 200000);
	if (client_run(cl, 2, 2, 5000 + depth))
		return UINT64_MAX;
	return akt_emu_rd64(e, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS) - o;
}

TEST_F_TIMEOUT(stress, pipelining_queue_depth, 180)
{
	long long old = akt_param("queue_depth");
	static const int depths[] = { 1, 2, 4 };
	static const uint32_t sizes[] = { 8192, 16, 10 };
	struct akida_random_spec spec = { .layers = 2, .sizes = sizes };
	uint64_t overlap[3], held1, held2;
	uint32_t timing;
	double rate[3];
	struct client cl;
	struct akt_emu e;
	uint64_t t0;
	int i;

	if (old < 0 || akt_set_param("queue_depth", 1))
		SKIP(return, "cannot set queue_depth (needs root)");
	/* The overlap is measured on the emulator's modeled clock. */
	ASSERT_EQ(0, akt_emu_open(&self->d, &e));
	timing = akt_emu_rd(&e, AKIDA_EMU_TIMING);
	akt_emu_wr(&e, AKIDA_EMU_TIMING, 1);
	ASSERT_EQ(0, client_init_spec(&cl, self->fd, 31, &spec, 16));
	for (i = 0; i < 3; i++) {
		uint64_t msi, inf, npu, model, dma;

		ASSERT_EQ(0, akt_set_param("queue_depth", depths[i]));
		msi = akt_emu_rd64(&e, AKIDA_EMU_CNT_MSI);
		inf = akt_emu_rd64(&e, AKIDA_EMU_CNT_INFERENCES);
		npu = akt_emu_rd64(&e, AKIDA_EMU_CNT_NPU_BUSY_NS);
		model = akt_emu_rd64(&e, AKIDA_EMU_CNT_MODELED_NS);
		dma = akt_emu_rd64(&e, AKIDA_EMU_CNT_DMA_NS);
		overlap[i] = akt_emu_rd64(&e, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS);
		t0 = aj_now_ns();
		EXPECT_EQ(0, client_run(&cl, 100, SLOTS, 1000 * i));
		rate[i] = 100 / ((aj_now_ns() - t0) / 1e9);
		overlap[i] = akt_emu_rd64(&e, AKIDA_EMU_CNT_NPU_DMA_OVERLAP_NS) -
			     overlap[i];
		ksft_print_msg("queue_depth %d: %.0f jobs/s (batch 16, %u+%u bytes per input/output)\n",
			       depths[i], rate[i], cl.in_bytes, cl.out_bytes);
		ksft_print_msg("  emulator: %llu MSIs, %llu inferences, NPU busy %.1f ms, DMA %.1f ms, overlap %.3f ms, modeled %.1f ms\n",
			       (unsigned long long)(akt_emu_rd64(&e, AKIDA_EMU_CNT_MSI) - msi),
			       (unsigned long long)(akt_emu_rd64(&e, AKIDA_EMU_CNT_INFERENCES) - inf),
			       (akt_emu_rd64(&e, AKIDA_EMU_CNT_NPU_BUSY_NS) - npu) / 1e6,
			       (akt_emu_rd64(&e, AKIDA_EMU_CNT_DMA_NS) - dma) / 1e6,
			       overlap[i] / 1e6,
			       (akt_emu_rd64(&e, AKIDA_EMU_CNT_MODELED_NS) - model) / 1e6);
	}
	/*
	 * queue_depth 1: one job in the pipeline, its transfers never run
	 * while the NPU computes. Deeper: the next job's input DMA runs while
	 * the NPU computes the previous one.
	 */
	EXPECT_EQ(0u, overlap[0]);
	held1 = held_pair_overlap(&cl, &e, 1);
	held2 = held_pair_overlap(&cl, &e, 2);
	ksft_print_msg("first of two jobs held 200 ms on the NPU: overlap %.3f ms at queue_depth 1, %.3f ms at 2\n",
		       held1 / 1e6, held2 / 1e6);
	EXPECT_EQ(0u, held1);
	EXPECT_NE(UINT64_MAX, held2);
	EXPECT_GT(held2, 0u);
	akt_emu_wr(&e, AKIDA_EMU_TIMING, timing);
	akt_emu_close(&e);
	akt_set_param("queue_depth", old);
	client_fini(&cl);
}

/* Raw pread/pwrite round trips in a buffer of their own, until told to stop. */
struct raw_rw {
	int fd;
	uint64_t axi;
	volatile int stop;
	unsigned long ok, bad;
};

static void *raw_rw_fn(void *arg)
{
	struct raw_rw *r = arg;
	uint32_t seed = 1;

	while (!r->stop) {
		if (akt_roundtrip(r->fd, r->axi, 64 * 1024 + (seed % 7), seed))
			r->bad++;
		else
			r->ok++;
		seed++;
	}
	return NULL;
}

/*
 * Raw transfers (the vendor's pread/pwrite interface, on another open file)
 * while jobs run: both share the eDMA channels and LPDDR; neither may
 * corrupt the other, and jobs still match the golden model.
 */
TEST_F_TIMEOUT(stress, raw_rw_alongside_jobs, 120)
{
	struct raw_rw r = { 0 };
	struct aj_model m;
	pthread_t th;
	int i, fd2;

	fd2 = open(self->d.node, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, aj_alloc(fd2, 128 * 1024, 0, &r.axi));
	r.fd = fd2;
	ASSERT_EQ(0, aj_model_init(self->fd, &m, 71, NULL, 8));
	ASSERT_EQ(0, pthread_create(&th, NULL, raw_rw_fn, &r));
	for (i = 0; i < 40; i++) {
		ASSERT_EQ(0, aj_run(self->fd, &m, AKIDA_JOB_PROGRAM, NULL));
		ASSERT_EQ(0, aj_model_check(&m)) TH_LOG("job %d differs from the golden model", i);
	}
	r.stop = 1;
	pthread_join(th, NULL);
	ksft_print_msg("40 jobs alongside %lu raw round trips\n", r.ok);
	EXPECT_EQ(0UL, r.bad);
	EXPECT_LT(0UL, r.ok);
	aj_model_fini(self->fd, &m);
	EXPECT_EQ(0, aj_free(fd2, r.axi));
	close(fd2);
}

TEST_HARNESS_MAIN
