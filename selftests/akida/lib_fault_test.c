// SPDX-License-Identifier: MIT
/*
 * libakida's error taxonomy against faults injected by the emulator's
 * test-control window (akida_emu_regs.h): an aborted DMA is "transfer
 * failed", an NPU error is "hardware error" with the NPU's code, a device
 * that stops answering is "hardware error", and a lost completion interrupt
 * costs time, not data. Kernel backend always; VFIO backend too when the
 * IOMMU is on (the test binds vfio-pci and gives the device back).
 */
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "akida_emu_regs.h"
#include "lib_util.h"

/*
 * The window through sysfs resource0 (kernel backend), or through the VFIO
 * backend's own BAR0 mapping: once vfio-pci claims the BARs, the kernel
 * revokes sysfs resource mappings (IO_STRICT_DEVMEM) and they SIGBUS.
 */
struct emu {
	volatile uint32_t *win;
	void *map;
	size_t len;
	struct akida_d0_hold d0;	/* resource0 holds no runtime-PM reference */
	struct akida_device *dev;
};

static int emu_open(const char *bdf, struct emu *e)
{
	char path[256];
	int fd;

	if (akida_d0_hold(NULL, bdf, &e->d0))
		return -akida_last_error()->err;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0) {
		int err = errno;

		akida_d0_release(&e->d0);
		return -err;
	}
	e->len = AKIDA_EMU_WINDOW + AKIDA_EMU_WINDOW_SIZE;
	e->map = mmap(NULL, e->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (e->map == MAP_FAILED) {
		int err = errno;

		e->map = NULL;
		akida_d0_release(&e->d0);
		return -err;
	}
	e->win = (volatile uint32_t *)((char *)e->map + AKIDA_EMU_WINDOW);
	if (e->win[AKIDA_EMU_MAGIC / 4] != AKIDA_EMU_MAGIC_VALUE) {
		munmap(e->map, e->len);
		e->map = NULL;
		akida_d0_release(&e->d0);
		return -ENODEV;
	}
	return 0;
}

static void emu_set(struct emu *e, uint32_t reg, uint32_t v)
{
	if (e->dev)
		akida_reg_write(e->dev, AKIDA_EMU_WINDOW + reg, v);
	else
		e->win[reg / 4] = v;
}

static void emu_close(struct emu *e)
{
	if (e->map) {
		munmap(e->map, e->len);
		e->map = NULL;
		akida_d0_release(&e->d0);
	}
}

static uint64_t ms_now(void)
{
	return akida_time_ns() / 1000000ull;
}

/* The checks, for an open handle of any backend with DMA and inference. */
static void fault_checks(struct __test_metadata *_metadata, struct akida_device *dev,
			 struct emu *e, int own_irq)
{
	static const uint32_t s[] = { 16, 8 };
	static const uint8_t w[] = { 8 }, a[] = { 4 };
	struct akida_random_spec spec = { 1, s, w, a };
	struct akida_program *p;
	uint8_t buf[256] = { 1 }, in[16] = { 3 }, out[8];
	uint64_t addr, t0;

	ASSERT_EQ(0, akida_mem_alloc(dev, sizeof(buf), &addr));

	/* an aborted DMA element: transfer failed, then all is well again */
	emu_set(e, AKIDA_EMU_FAULT_DMA_ERRSTATUS, AKIDA_EMU_ERR_WRITE);
	emu_set(e, AKIDA_EMU_FAULT_DMA_ABORT, 1);
	EXPECT_NE(0, akida_mem_write(dev, addr, buf, sizeof(buf)));
	EXPECT_EQ((int)AKIDA_ERR_TRANSFER, (int)akida_last_error()->kind)
		TH_LOG("%s", akida_error_message());
	emu_set(e, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	EXPECT_EQ(0, lib_dma_loopback(dev, 4096, 9)) TH_LOG("%s", akida_error_message());

	/* the NPU reports an error: hardware error naming the code */
	ASSERT_EQ(0, akida_program_random(3, &spec, &p));
	ASSERT_EQ(0, akida_load(dev, p));
	emu_set(e, AKIDA_EMU_FAULT_NPU_ERROR, AKIDA_NPU_INPUT_SIZE);
	EXPECT_NE(0, akida_infer(dev, in, 1, out, NULL));
	EXPECT_EQ((int)AKIDA_ERR_HARDWARE, (int)akida_last_error()->kind)
		TH_LOG("%s", akida_error_message());
	EXPECT_NE(NULL, strstr(akida_error_message(), "NPU error 7"))
		TH_LOG("%s", akida_error_message());
	emu_set(e, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	EXPECT_EQ(0, akida_infer(dev, in, 1, out, NULL)) TH_LOG("%s", akida_error_message());

	/*
	 * A lost completion interrupt. The library's own interrupt handling
	 * (VFIO) recovers it: slower, still correct. Through the kernel the
	 * driver decides; the library must classify what it reports.
	 */
	emu_set(e, AKIDA_EMU_FAULT_DROP, 1);
	t0 = ms_now();
	if (own_irq) {
		EXPECT_EQ(0, lib_dma_loopback(dev, 1024, 10)) TH_LOG("%s", akida_error_message());
	} else if (lib_dma_loopback(dev, 1024, 10)) {
		EXPECT_EQ((int)AKIDA_ERR_TRANSFER, (int)akida_last_error()->kind)
			TH_LOG("%s", akida_error_message());
	}
	TH_LOG("DMA loopback with one dropped completion IRQ: %llu ms",
	       (unsigned long long)(ms_now() - t0));
	emu_set(e, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	EXPECT_EQ(0, lib_dma_loopback(dev, 1024, 11)) TH_LOG("%s", akida_error_message());

	akida_mem_free(dev, addr);
	akida_program_free(p);
}

FIXTURE(fault) {
	struct akida_device_info info;
	struct emu emu;
	int have_emu;
	int bound;
};

FIXTURE_SETUP(fault)
{
	const char *why;

	self->have_emu = 0;
	self->bound = 0;
	memset(&self->emu, 0, sizeof(self->emu));
	if (lib_first_device(&self->info, &why))
		ABSENT(return, "%s", why);
	if (geteuid() != 0)
		SKIP(return, "needs root for the emulator's test-control window");
	if (emu_open(self->info.bdf, &self->emu))
		ABSENT(return, "no emulator test-control window (real hardware?)");
	self->have_emu = 1;
	emu_set(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
}

FIXTURE_TEARDOWN(fault)
{
	int i;

	if (self->have_emu && self->emu.map && !self->bound)
		emu_set(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	emu_close(&self->emu);
	if (self->bound) {
		lib_rebind(self->info.bdf, "");
		for (i = 0; i < 50 && lib_driver_is(self->info.bdf, "vfio-pci"); i++)
			usleep(100000);
	}
}

TEST_F(fault, kernel_backend)
{
	struct akida_device *dev;

	if (strcmp(self->info.driver, "akida_pcie"))
		ABSENT(return, "akida_pcie is not bound");
	ASSERT_EQ(0, akida_open(self->info.bdf, AKIDA_BACKEND_KERNEL, &dev))
		TH_LOG("%s", akida_error_message());
	fault_checks(_metadata, dev, &self->emu, 0);
	akida_close(dev);
}

TEST_F(fault, vfio_backend)
{
	struct akida_device *dev = NULL;
	int i;

	if (self->info.iommu_group < 0)
		SKIP(return, "no IOMMU group (vmrun.py --iommu)");
	if (system("modprobe vfio-pci 2>/dev/null; modprobe vfio_iommu_type1 2>/dev/null"))
		SKIP(return, "vfio-pci not available");
	emu_close(&self->emu);	/* see struct emu */
	self->bound = 1;
	ASSERT_EQ(0, lib_rebind(self->info.bdf, "vfio-pci"));
	for (i = 0; i < 50 && !lib_driver_is(self->info.bdf, "vfio-pci"); i++)
		usleep(100000);
	ASSERT_EQ(0, akida_open(self->info.bdf, AKIDA_BACKEND_VFIO, &dev))
		TH_LOG("%s", akida_error_message());
	self->emu.dev = dev;
	fault_checks(_metadata, dev, &self->emu,
		     !!(akida_device_caps(dev)->features & AKIDA_FEAT_IRQ));

	/* the device stops answering: hardware error, no hang; then it is back */
	{
		uint8_t b[64] = { 0 };
		uint64_t addr;

		uint64_t until;
		int ret;

		ASSERT_EQ(0, akida_mem_alloc(dev, sizeof(b), &addr));
		/* long enough that a loaded host cannot let it pass unnoticed */
		emu_set(&self->emu, AKIDA_EMU_FAULT_DEAD_MS, 3000);
		EXPECT_NE(0, akida_mem_write(dev, addr, b, sizeof(b)));
		EXPECT_EQ((int)AKIDA_ERR_HARDWARE, (int)akida_last_error()->kind)
			TH_LOG("%s", akida_error_message());
		/* and back once the device answers again */
		until = ms_now() + 15000;
		do {
			usleep(200000);
			ret = akida_mem_write(dev, addr, b, sizeof(b));
		} while (ret && ms_now() < until);
		EXPECT_EQ(0, ret) TH_LOG("%s", akida_error_message());
	}
	emu_set(&self->emu, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_CLEAR_FAULTS);
	self->emu.dev = NULL;
	akida_close(dev);
}

TEST_HARNESS_MAIN
