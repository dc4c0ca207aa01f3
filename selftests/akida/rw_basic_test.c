// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/akidaN, BrainChip's ABI: pread()/pwrite() at offset = AXI address to
 * LPDDR, SRAM and NPU registers, llseek() without SEEK_END, mmap() of BAR0,
 * refusal of the reserved DMA RAM, short and unaligned sizes, and the sysfs
 * attributes of the PCI device.
 */
#include <signal.h>
#include <sys/types.h>

#include "kselftest_harness.h"
#include "rw_util.h"
#include "emu_util.h"

FIXTURE(dev) {
	struct akt_dev d;
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = -1;
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN (akida_pcie not loaded or no device)");
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", self->d.node, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, class_device_under_pci_device)
{
	char path[PATH_MAX + 320];
	struct stat st;

	snprintf(path, sizeof(path), "%s/akida/%s", self->d.pci, self->d.name);
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s missing", path);
	ASSERT_EQ(0, stat(self->d.node, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(dev, register_read_by_dma)
{
	uint32_t v = 0;

	ASSERT_EQ(4, pread(self->fd, &v, 4, AKT_NPU));
	EXPECT_EQ(AKT_DEVICE_ID, v);
	/* NP_COUNT through DMA agrees with sysfs. */
	ASSERT_EQ(4, pread(self->fd, &v, 4, AKT_NPU + 0x10c0));
	EXPECT_EQ(akt_attr(&self->d, "akida_np_count"), (long long)v);
}

TEST_F(dev, mmap_bar0)
{
	long pg = sysconf(_SC_PAGESIZE);
	volatile uint32_t *p;
	uint32_t magic = 0;
	long long len;
	void *m;

	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(AKT_DEVICE_ID, p[0]);
	munmap((void *)p, pg);

	/*
	 * With the [model] interface (IFACE_MAGIC at 0x0C) its command
	 * registers are the job engine's: a writable mapping over them is
	 * refused, even to root without unsafe_raw; elsewhere it is granted.
	 */
	ASSERT_EQ(4, pread(self->fd, &magic, 4, AKT_NPU + 0xc));
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	if (magic == 0x31504b41) {
		EXPECT_EQ(MAP_FAILED, m);
		EXPECT_EQ(EPERM, errno);
	} else {
		EXPECT_NE(MAP_FAILED, m);
	}
	if (m != MAP_FAILED)
		munmap(m, pg);
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0xe000);
	EXPECT_NE(MAP_FAILED, m);
	if (m != MAP_FAILED)
		munmap(m, pg);

	/* Offsets are relative to BAR0: the page holding NP_COUNT. */
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->fd, 0x1000);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(akt_attr(&self->d, "akida_np_count"), (long long)p[0xc0 / 4]);
	munmap((void *)p, pg);

	/* The whole BAR maps; one page past it does not. */
	{
		char path[PATH_MAX + 16], buf[256];
		unsigned long long s, e;

		snprintf(path, sizeof(path), "%s/resource", self->d.pci);
		ASSERT_EQ(0, akt_read_file(path, buf, sizeof(buf)));
		ASSERT_EQ(2, sscanf(buf, "%llx %llx", &s, &e));
		len = e - s + 1;
	}
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	munmap(m, len);
	m = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->fd, len);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, len + pg, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
}

struct range { uint64_t axi; size_t len; };

TEST_F(dev, reserved_area_refused)
{
	static const struct range bad[] = {
		{ AKT_LPDDR, 1 },
		{ AKT_LPDDR + 0xff, 1 },
		{ AKT_LPDDR + 0xf0, 0x20 },		/* straddles the end */
		{ AKT_LPDDR - 0x10, 0x20 },		/* straddles the start */
		{ AKT_LPDDR - 0x10, 0x1000 },		/* covers it */
		{ AKT_DBI, 4 },				/* PCIe controller */
		{ AKT_DBI + 0x970, 4 },			/* the eDMA registers */
	};
	uint8_t buf[0x1000] = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, pread(self->fd, buf, bad[i].len, bad[i].axi))
			TH_LOG("pread %#llx+%#zx", (unsigned long long)bad[i].axi, bad[i].len);
		EXPECT_EQ(EINVAL, errno);
		errno = 0;
		EXPECT_EQ(-1, pwrite(self->fd, buf, bad[i].len, bad[i].axi))
			TH_LOG("pwrite %#llx+%#zx", (unsigned long long)bad[i].axi, bad[i].len);
		EXPECT_EQ(EINVAL, errno);
	}
	/* Right after the reserved area is BrainChip's first user byte. */
	EXPECT_EQ(0, akt_roundtrip(self->fd, AKT_USER_LPDDR, 16, 1));
	/* Other targets are not refused: the last bytes of SRAM. */
	EXPECT_EQ(0, akt_roundtrip(self->fd, AKT_SRAM + AKT_SRAM_SIZE - 16, 16, 2));
}

TEST_F(dev, outside_axi_space)
{
	uint8_t buf[16];

	errno = 0;
	EXPECT_EQ(-1, pread(self->fd, buf, 2, 0xffffffffULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pread(self->fd, buf, 1, 0x100000000ULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pwrite(self->fd, buf, 1, -1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, llseek)
{
	uint8_t buf[16];

	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ((off_t)AKT_USER_LPDDR, lseek(self->fd, AKT_USER_LPDDR, SEEK_SET));
	akt_fill(buf, sizeof(buf), 7);
	ASSERT_EQ(16, write(self->fd, buf, 16));
	EXPECT_EQ((off_t)AKT_USER_LPDDR + 16, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ((off_t)AKT_USER_LPDDR, lseek(self->fd, -16, SEEK_CUR));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(16, read(self->fd, buf, 16));
	{
		uint8_t want[16];

		akt_fill(want, sizeof(want), 7);
		EXPECT_EQ(0, memcmp(want, buf, 16));
	}
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, 0x100000001LL, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, zero_length)
{
	uint8_t b;

	EXPECT_EQ(0, pread(self->fd, &b, 0, AKT_USER_LPDDR));
	EXPECT_EQ(0, pwrite(self->fd, &b, 0, AKT_USER_LPDDR));
}

TEST_F(dev, bad_user_buffer)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *volatile null = NULL;
	void *ro;

	errno = 0;
	EXPECT_EQ(-1, pwrite(self->fd, null, 64, AKT_USER_LPDDR));
	EXPECT_EQ(EFAULT, errno);
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	errno = 0;
	EXPECT_EQ(-1, pread(self->fd, ro, 64, AKT_USER_LPDDR));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, pg);
	/* The device is fine afterwards. */
	EXPECT_EQ(0, akt_roundtrip(self->fd, AKT_USER_LPDDR, 4096, 3));
}

TEST_F(dev, sysfs_attributes)
{
	char path[PATH_MAX + 64], buf[64];
	long long before, after;

	snprintf(path, sizeof(path), "%s/akida_chip", self->d.pci);
	ASSERT_EQ(0, akt_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("AKD1000", buf);
	EXPECT_EQ(80, akt_attr(&self->d, "akida_np_count"));
	EXPECT_EQ(10LL << 20, akt_attr(&self->d, "akida_sram_size"));
	EXPECT_LE(0, akt_attr(&self->d, "akida_clock_mode"));
	EXPECT_GE(2, akt_attr(&self->d, "akida_clock_mode"));
	EXPECT_EQ(65535, akt_attr(&self->d, "akida_batch_size"));
	EXPECT_LE(1LL << 20, akt_attr(&self->d, "akida_lpddr_size"));
	EXPECT_EQ((long long)AKT_LPDDR, akt_attr(&self->d, "akida_dma_ram_base"));
	EXPECT_EQ(0x100, akt_attr(&self->d, "akida_dma_ram_size"));

	before = akt_attr(&self->d, "akida_dma/h2d_bytes");
	ASSERT_LE(0, before);
	EXPECT_EQ(0, akt_roundtrip(self->fd, AKT_USER_LPDDR, 8192, 4));
	after = akt_attr(&self->d, "akida_dma/h2d_bytes");
	EXPECT_LE(before + 8192, after);
	EXPECT_LE(1, akt_attr(&self->d, "akida_dma/d2h_transfers"));
	EXPECT_LE(0, akt_attr(&self->d, "akida_dma/h2d_aborts"));
	EXPECT_LE(0, akt_attr(&self->d, "akida_dma/d2h_timeouts"));
}

/* Round trips of many sizes and alignments, per target and per DMA mode. */
FIXTURE(rt) {
	struct akt_dev d;
	int fd;
	long long pinned;
};

FIXTURE_VARIANT(rt) {
	uint64_t base;
	uint64_t span;
	int pinned;
};

FIXTURE_VARIANT_ADD(rt, lpddr_bounce) { .base = AKT_USER_LPDDR, .span = 32 << 20, .pinned = 0 };
FIXTURE_VARIANT_ADD(rt, lpddr_pinned) { .base = AKT_USER_LPDDR, .span = 32 << 20, .pinned = 1 };
FIXTURE_VARIANT_ADD(rt, sram_bounce) { .base = AKT_SRAM, .span = AKT_SRAM_SIZE, .pinned = 0 };
FIXTURE_VARIANT_ADD(rt, sram_pinned) { .base = AKT_SRAM, .span = AKT_SRAM_SIZE, .pinned = 1 };

FIXTURE_SETUP(rt)
{
	self->fd = -1;
	self->pinned = -1;
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->pinned = akt_param("dma_pinned");
	ASSERT_EQ(0, akt_set_param("dma_pinned", variant->pinned));
}

FIXTURE_TEARDOWN(rt)
{
	if (self->pinned >= 0)
		akt_set_param("dma_pinned", self->pinned);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F_TIMEOUT(rt, sizes_and_offsets, 240)
{
	static const size_t sizes[] = {
		1, 2, 3, 4, 5, 7, 8, 15, 63, 64, 100, 511, 4095, 4096, 4097,
		65535, 65536, 65537, 262144, 300001, 1 << 20, (1 << 20) + 13,
		3 << 20, 16 << 20,
	};
	static const unsigned int offs[] = { 0, 1, 3, 4, 0x7ff, 0x1000, 0x12345 };
	size_t maxlen = 16 << 20;
	uint8_t *w = malloc(maxlen + 8), *r = malloc(maxlen + 8);
	unsigned int i, j, seed = 1;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, r);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			size_t len = sizes[i];
			uint64_t axi = variant->base + offs[j];
			/* Unaligned user buffers too. */
			uint8_t *wb = w + (j & 3), *rb = r + ((j + 1) & 3);
			long bad;

			if (offs[j] + len > variant->span)
				continue;
			if (len > (1 << 20) && j > 1)
				continue;	/* keep the big ones few */
			akt_fill(wb, len, seed++);
			memset(rb, 0, len);
			ASSERT_EQ((ssize_t)len, pwrite(self->fd, wb, len, axi))
				TH_LOG("pwrite %zu at %#llx: %s", len, (unsigned long long)axi,
				       strerror(errno));
			ASSERT_EQ((ssize_t)len, pread(self->fd, rb, len, axi))
				TH_LOG("pread %zu at %#llx: %s", len, (unsigned long long)axi,
				       strerror(errno));
			bad = akt_diff(wb, rb, len);
			ASSERT_EQ(-1, bad)
				TH_LOG("%zu bytes at %#llx differ at byte %ld", len,
				       (unsigned long long)axi, bad);
		}
	}
	/* Neighbours of a short write are untouched. */
	akt_fill(w, 64, 99);
	ASSERT_EQ(64, pwrite(self->fd, w, 64, variant->base + 0x40));
	ASSERT_EQ(3, pwrite(self->fd, "xyz", 3, variant->base + 0x50));
	ASSERT_EQ(64, pread(self->fd, r, 64, variant->base + 0x40));
	memcpy(w + 0x10, "xyz", 3);
	EXPECT_EQ(-1, akt_diff(w, r, 64));
	free(w);
	free(r);
}

/*
 * A small transfer is one list that the engine walks once: its data
 * elements, then the element whose cycle bit ends it (HARDWARE.md section
 * 3a). (Larger SRAM transfers from pinned pages take several lists.)
 * A link element whose CB matched the cycle state would send the engine
 * back to the list's start for one more fetch, with the same data moved;
 * only the emulator's count of element fetches (LL_FETCHES) shows it.
 */
TEST_F(rt, one_walk_per_list)
{
	static const size_t sizes[] = { 1, 64, 4096 };
	uint8_t buf[4096];
	struct akt_emu emu;
	unsigned int i;

	if (akt_emu_open(&self->d, &emu))
		ABSENT(return, "no emulator test window (needs root and the emulated AKD1000)");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t f0, e0, fetches, elements;
		size_t len = sizes[i];

		akt_fill(buf, len, i + 1);
		f0 = akt_emu_rd64(&emu, AKIDA_EMU_CNT_LL_FETCHES);
		e0 = akt_emu_rd64(&emu, AKIDA_EMU_CNT_DMA_ELEMENTS);
		ASSERT_EQ((ssize_t)len, pwrite(self->fd, buf, len, variant->base));
		ASSERT_EQ((ssize_t)len, pread(self->fd, buf, len, variant->base));
		fetches = akt_emu_rd64(&emu, AKIDA_EMU_CNT_LL_FETCHES) - f0;
		elements = akt_emu_rd64(&emu, AKIDA_EMU_CNT_DMA_ELEMENTS) - e0;
		EXPECT_LT(0, elements);
		/* Two lists (pwrite, pread), each read once and ended once. */
		EXPECT_EQ(elements + 2, fetches)
			TH_LOG("%zu bytes: %llu data elements, %llu element fetches", len,
			       (unsigned long long)elements, (unsigned long long)fetches);
	}
	akt_emu_close(&emu);
}

/*
 * What pwrite put in device memory, seen without the driver: after the
 * writes, unbind akida_pcie (LPDDR survives the function reset that follows,
 * HARDWARE.md section 8), open the BARs as emu_util.h does and read LPDDR
 * through BAR4. For SRAM (not behind any BAR), a write to the same offset in
 * LPDDR must not show in SRAM, nor the SRAM pattern in LPDDR: no aliasing.
 */
TEST_F(rt, device_memory_seen_through_bar4)
{
	const size_t len = 8192;
	const uint64_t off = 0x10000;	/* past the reserved area */
	uint8_t w[8192], l[8192], r[8192];
	struct emu_dev e;
	double t0;

	if (emu_find(&e))
		ABSENT(return, "no emulated AKD1000");
	akt_fill(w, len, 77);
	akt_fill(l, len, 78);
	if (variant->base == AKT_SRAM)
		ASSERT_EQ((ssize_t)len, pwrite(self->fd, l, len, AKT_LPDDR + off));
	/* The same offset in SRAM or in LPDDR (the variant's base may skip the reserved area). */
	ASSERT_EQ((ssize_t)len, pwrite(self->fd, w, len,
				       (variant->base == AKT_SRAM ? AKT_SRAM : AKT_LPDDR) + off));
	if (variant->base == AKT_SRAM) {
		ASSERT_EQ((ssize_t)len, pread(self->fd, r, len, AKT_SRAM + off));
		EXPECT_EQ(-1, akt_diff(w, r, len)) TH_LOG("SRAM changed by an LPDDR write");
	}
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(0, emu_open(&e));
	emu_atu_default(&e);
	emu_lpddr_read(&e, AKT_LPDDR + off, r, len);
	emu_close(&e);
	EXPECT_EQ(-1, akt_diff(variant->base == AKT_SRAM ? l : w, r, len))
		TH_LOG("LPDDR through BAR4 is not what was written %s",
		       variant->base == AKT_SRAM ? "there (an SRAM write aliased it)" :
		       "through the driver");

	/* emu_close() rebound akida_pcie: wait for its node. */
	t0 = akt_now();
	while (akt_find(&self->d) && akt_now() - t0 < 10.0)
		usleep(100000);
	ASSERT_EQ(0, akt_find(&self->d));
}

TEST_HARNESS_MAIN
