// SPDX-License-Identifier: MIT
/*
 * libakida's kernel backend against the emulated AKD1000: discovery,
 * capabilities, registers, DMA loopback, inference and weight updates
 * compared byte for byte with the CPU golden model.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "lib_util.h"

FIXTURE(kdev) {
	struct akida_device *dev;
	struct akida_device_info info;
};

FIXTURE_SETUP(kdev)
{
	const char *why;

	self->dev = NULL;
	if (lib_first_device(&self->info, &why))
		ABSENT(return, "%s", why);
	if (strcmp(self->info.driver, "akida_pcie") || !self->info.devnode[0])
		ABSENT(return, "akida_pcie is not bound to %s", self->info.bdf);
	ASSERT_EQ(0, akida_open(self->info.bdf, AKIDA_BACKEND_KERNEL, &self->dev))
		TH_LOG("%s", akida_error_message());
}

FIXTURE_TEARDOWN(kdev)
{
	akida_close(self->dev);
}

TEST_F(kdev, discovery_and_caps)
{
	const struct akida_caps *c = akida_device_caps(self->dev);

	EXPECT_EQ((int)AKIDA_BACKEND_KERNEL, (int)c->backend);
	EXPECT_STREQ("AKD1000", c->chip);
	EXPECT_EQ(0x194000a1u, c->device_id);
	EXPECT_EQ(80u, c->np_count);
	EXPECT_EQ(80ull * 131072, c->sram_size);
	EXPECT_NE(0u, c->features & AKIDA_FEAT_INFER);
	EXPECT_NE(0u, c->features & AKIDA_FEAT_DMA);
	EXPECT_GE(c->max_batch, 1u);
	EXPECT_STREQ("80", akida_device_attr(&self->info, "akida_np_count"));
	EXPECT_NE(NULL, akida_device_attr(&self->info, "akida_sram_size"));
	EXPECT_NE(NULL, akida_device_attr(&self->info, "akida_batch_size"));
	EXPECT_EQ(0, strncmp(self->info.devnode, "/dev/akida", 10));
}

TEST_F(kdev, registers)
{
	uint32_t v;

	ASSERT_EQ(0, akida_reg_read(self->dev, 0x0000, &v));
	EXPECT_EQ(0x194000a1u, v);
	ASSERT_EQ(0, akida_reg_read(self->dev, 0x10C0, &v));
	EXPECT_EQ(80u, v);
	ASSERT_EQ(0, akida_reg_read(self->dev, 0x4010, &v));
	EXPECT_EQ(0x04aa0001u, v);
	EXPECT_EQ(-EINVAL, akida_reg_read(self->dev, 0x3, &v));
}

TEST_F(kdev, dma_loopback)
{
	EXPECT_EQ(0, lib_dma_loopback(self->dev, 1, 1)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_dma_loopback(self->dev, 4097, 2)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_dma_loopback(self->dev, 1 << 20, 3)) TH_LOG("%s", akida_error_message());
}

TEST_F(kdev, inference_matches_golden)
{
	struct akida_random_spec s1 = { 3, lib_s1, lib_w1, lib_a1 };
	struct akida_random_spec s2 = { 2, lib_s2, lib_w2, lib_a2 };
	struct akida_random_spec s3 = { 1, lib_s3, lib_w3, lib_a3 };

	EXPECT_EQ(0, lib_golden_run(self->dev, 1, &s1, 1, 0)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 2, &s2, 9, 0)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 3, &s3, 3, 0)) TH_LOG("%s", akida_error_message());
}

TEST_F(kdev, batch_larger_than_device_batch)
{
	/*
	 * One byte in, one byte out: even twice the device's largest batch
	 * (65535 inputs on the emulator) is little data and little compute,
	 * so the library's split into device batches runs everywhere.
	 */
	static const uint32_t sizes[] = { 1, 1 };
	static const uint8_t wbits[] = { 8 }, abits[] = { 8 };
	struct akida_random_spec tiny = { 1, sizes, wbits, abits };
	unsigned int max = akida_device_caps(self->dev)->max_batch;
	unsigned int b = max * 2 + 3;

	ASSERT_LT(0U, max);
	EXPECT_EQ(0, lib_golden_run(self->dev, 4, &tiny, b, 0)) TH_LOG("%s", akida_error_message());
}

TEST_F(kdev, weight_update_without_reload)
{
	struct akida_random_spec s1 = { 3, lib_s1, lib_w1, lib_a1 };

	EXPECT_EQ(0, lib_golden_run(self->dev, 5, &s1, 4, 1u << 1)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 6, &s1, 4, 1u << 0)) TH_LOG("%s", akida_error_message());
	/* two layers, one after the other: both must stick */
	EXPECT_EQ(0, lib_golden_run(self->dev, 7, &s1, 4, (1u << 1) | (1u << 2)))
		TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 8, &s1, 4, 7)) TH_LOG("%s", akida_error_message());
}

TEST_F(kdev, errors_are_reported)
{
	uint8_t in[64] = { 0 }, out[16];
	struct akida_program *p;

	/* no program loaded yet on this handle */
	EXPECT_EQ(-EINVAL, akida_infer(self->dev, in, 1, out, NULL));
	EXPECT_EQ((int)AKIDA_ERR_INVALID, (int)akida_last_error()->kind);
	ASSERT_EQ(0, akida_program_random(9, NULL, &p));
	ASSERT_EQ(0, akida_load(self->dev, p));
	EXPECT_EQ(-EINVAL, akida_infer(self->dev, in, 0, out, NULL));
	EXPECT_EQ(-EINVAL, akida_update_weights(self->dev, p, 7));
	/* device memory outside this handle's allocations is refused */
	EXPECT_NE(0, akida_mem_write(self->dev, 0x20000000, in, 4));
	akida_program_free(p);
}

TEST(open_errors)
{
	struct akida_device *dev;

	EXPECT_EQ(-ENOENT, akida_open("0000:77:00.0", AKIDA_BACKEND_KERNEL, &dev));
	EXPECT_EQ((int)AKIDA_ERR_NOT_FOUND, (int)akida_last_error()->kind);
}

TEST_F(kdev, clock_mode_and_reset)
{
	struct akida_random_spec s3 = { 1, lib_s3, lib_w3, lib_a3 };
	unsigned int m;

	ASSERT_EQ(0, akida_set_clock_mode(self->dev, AKIDA_CLOCK_MODE_ECONOMY))
		TH_LOG("%s", akida_error_message());
	ASSERT_EQ(0, akida_get_clock_mode(self->dev, &m));
	EXPECT_EQ(1u, m);
	EXPECT_EQ(0, lib_golden_run(self->dev, 31, &s3, 2, 0)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(-EINVAL, akida_set_clock_mode(self->dev, 3));
	ASSERT_EQ(0, akida_set_clock_mode(self->dev, AKIDA_CLOCK_MODE_PERFORMANCE));
	/* after a reset the program is gone; a new load works */
	ASSERT_EQ(0, akida_reset(self->dev)) TH_LOG("%s", akida_error_message());
	EXPECT_EQ(0, lib_golden_run(self->dev, 32, &s3, 2, 0)) TH_LOG("%s", akida_error_message());
}

/* The thread-safety contract: one handle per thread, handles in parallel. */
struct worker {
	const char *bdf;
	uint64_t seed;
	long result;
	char msg[256];
};

static void *worker_fn(void *arg)
{
	static const uint32_t s[] = { 40, 24, 8 };
	static const uint8_t w[] = { 8, 4 }, a[] = { 4, 8 };
	struct akida_random_spec spec = { 2, s, w, a };
	struct worker *wk = arg;
	struct akida_device *dev;
	int i;

	wk->result = akida_open(wk->bdf, AKIDA_BACKEND_KERNEL, &dev);
	for (i = 0; !wk->result && i < 10; i++)
		wk->result = lib_golden_run(dev, wk->seed + i, &spec, 5, i & 1 ? 1u << 1 : 0);
	if (wk->result)
		snprintf(wk->msg, sizeof(wk->msg), "%s", akida_error_message());
	akida_close(dev);
	return NULL;
}

TEST_F(kdev, handles_in_parallel_threads)
{
	struct worker wk[3];
	pthread_t t[3];
	int i;

	for (i = 0; i < 3; i++) {
		wk[i].bdf = self->info.bdf;
		wk[i].seed = 100 * (i + 1);
		wk[i].msg[0] = 0;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &wk[i]));
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, wk[i].result) TH_LOG("thread %d: %s", i, wk[i].msg);
	}
}

TEST_HARNESS_MAIN
