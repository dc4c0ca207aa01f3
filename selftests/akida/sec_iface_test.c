// SPDX-License-Identifier: GPL-2.0
/*
 * Identification before any [model] write (HARDWARE.md section 4).
 *
 * On an emulator whose NPU lacks the [model] command interface (property
 * model-iface=off, reported by the test window's MODEL_IFACE register), the
 * driver must write no [model] register across remove, probe, open, raw
 * I/O, the DMA ioctl and reset (the emulator counts them in
 * CNT_WR_NPU_MODEL), report none of the job capabilities, fail the job
 * ioctls with -EOPNOTSUPP, keep the raw ABI, DMA and memory ioctls working,
 * and the CLI must say in plain words what is unavailable and why.
 * With the interface present, the capabilities must be there. Runs as root.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define DRV	"/sys/bus/pci/drivers/akida_pcie"

FIXTURE(iface) {
	struct akt_dev d;
	struct akt_emu e;
	bool iface;
};

FIXTURE_SETUP(iface)
{
	ASSERT_EQ(0, akt_find(&self->d)) TH_LOG("no /dev/akidaN bound to akida_pcie");
	ASSERT_EQ(0, akt_emu_open(&self->d, &self->e)) TH_LOG("no emulator test window");
	self->iface = akt_emu_rd(&self->e, AKIDA_EMU_MODEL_IFACE) == 1;
	TH_LOG("the emulated NPU %s the [model] interface", self->iface ? "has" : "lacks");
}

FIXTURE_TEARDOWN(iface)
{
	akt_emu_close(&self->e);
}

static uint64_t model_writes(struct akt_emu *e)
{
	return akt_emu_rd64(e, AKIDA_EMU_CNT_WR_NPU_MODEL);
}

/* Unbind and bind the driver again; wait for the node. */
static int rebind(struct akt_dev *d)
{
	char bdf[PATH_MAX];
	int i;

	snprintf(bdf, sizeof(bdf), "%s", d->bdf);
	if (akt_write_file(DRV "/unbind", bdf) || akt_write_file(DRV "/bind", bdf))
		return -1;
	for (i = 0; i < 200; i++) {
		if (!akt_find(d))
			return 0;
		usleep(10000);
	}
	return -1;
}

TEST_F(iface, caps_follow_the_interface)
{
	const uint64_t job_caps = AKIDA_CAP_JOBS | AKIDA_CAP_WEIGHT_UPDATE | AKIDA_CAP_BATCH |
				  AKIDA_CAP_NPU_IRQ | AKIDA_CAP_CLOCK_MODE;
	struct akida_info info;
	int fd = open(self->d.node, O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, aj_info(fd, &info));
	EXPECT_EQ(self->iface ? (uint64_t)AKIDA_CAP_JOBS : 0, info.caps & AKIDA_CAP_JOBS);
	if (!self->iface)
		EXPECT_EQ(0, info.caps & job_caps);
	EXPECT_NE(0, info.caps & AKIDA_CAP_RESET);
	EXPECT_EQ(AKT_DEVICE_ID, info.device_id);
	EXPECT_NE(0, info.np_count);
	close(fd);
}

/* Everything the driver does for a raw-interface client, counted. */
TEST_F(iface, no_model_write_without_the_interface)
{
	struct akida_job_submit s = { 0 };
	struct akida_clock clk = { .mode = 1 };
	struct akida_reset rst = { 0 };
	uint8_t w[8192], r[8192];
	uint64_t before, addr;
	uint32_t v;
	void *m;
	int fd;

	before = model_writes(&self->e);
	/* Remove and probe. */
	ASSERT_EQ(0, rebind(&self->d));
	fd = open(self->d.node, O_RDWR);
	ASSERT_GE(fd, 0);
	/* Raw I/O: LPDDR and NPU identity registers, by pread/pwrite and mmap. */
	akt_fill(w, sizeof(w), 11);
	ASSERT_EQ(sizeof(w), pwrite(fd, w, sizeof(w), AKT_USER_LPDDR));
	ASSERT_EQ(sizeof(r), pread(fd, r, sizeof(r), AKT_USER_LPDDR));
	EXPECT_EQ(0, memcmp(w, r, sizeof(w)));
	ASSERT_EQ(4, pread(fd, &v, 4, AKT_NPU));
	EXPECT_EQ(AKT_DEVICE_ID, v);
	m = mmap(NULL, 0x2000, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(AKT_DEVICE_ID, *(volatile uint32_t *)m);
	munmap(m, 0x2000);
	/* Memory and DMA ioctls. */
	ASSERT_EQ(0, aj_alloc(fd, sizeof(w), 0, &addr));
	ASSERT_EQ(0, aj_dma1(fd, AKIDA_DIR_TO_DEVICE, w, addr, sizeof(w)));
	memset(r, 0, sizeof(r));
	ASSERT_EQ(0, aj_dma1(fd, AKIDA_DIR_FROM_DEVICE, r, addr, sizeof(r)));
	EXPECT_EQ(0, memcmp(w, r, sizeof(w)));
	/* Job ioctls, and reset. */
	if (!self->iface) {
		EXPECT_EQ(-EOPNOTSUPP, AJ_IOCTL(fd, AKIDA_IOCTL_JOB_SUBMIT, &s));
		EXPECT_EQ(-EOPNOTSUPP, AJ_IOCTL(fd, AKIDA_IOCTL_SET_CLOCK, &clk));
	}
	EXPECT_EQ(0, AJ_IOCTL(fd, AKIDA_IOCTL_RESET, &rst));
	ASSERT_EQ(0, aj_free(fd, addr));
	close(fd);
	/* And remove and probe once more. */
	ASSERT_EQ(0, rebind(&self->d));
	if (self->iface) {
		/* The counter counts: the driver's own probe writes [model] registers. */
		EXPECT_LT(before, model_writes(&self->e));
	} else {
		EXPECT_EQ(before, model_writes(&self->e));
	}
}

/* The CLI says what is unavailable, and why. */
TEST_F(iface, cli_explains)
{
	char out[4096];
	size_t n;
	FILE *p = popen("akida verify 0 2>&1", "r");

	ASSERT_NE(NULL, p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	if (!self->iface) {
		EXPECT_NE(0, pclose(p));
		EXPECT_NE(NULL, strstr(out, "open stack does not support this board's NPU command interface"))
			TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "BrainChip's SDK still works")) TH_LOG("%s", out);
	} else {
		EXPECT_EQ(0, pclose(p)) TH_LOG("%s", out);
	}
}

TEST_HARNESS_MAIN
