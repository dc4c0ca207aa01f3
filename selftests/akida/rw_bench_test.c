// SPDX-License-Identifier: GPL-2.0
/*
 * Modeled throughput of pread()/pwrite() on the emulator, bounce buffers
 * versus pinned user pages, 4 KiB to 16 MiB. The emulator's link model
 * (HARDWARE.md section 6) charges each DMA element 0.5 us + bytes / 450 MB/s
 * and each MMIO read 1 us, write 0.1 us; its counters give the modeled time
 * of what the driver did. Transfers of 256 KiB and more in the default mode
 * must reach 90 % of the 450 MB/s link. Prints one line per size and mode.
 */
#include "kselftest_harness.h"
#include "rw_util.h"

#define LINK_MBPS	450.0

struct result {
	double mbps;
	double elements;
};

static int measure(int fd, struct akt_emu *e, int to_dev, size_t len, struct result *res)
{
	size_t total = len < (4u << 20) ? (4u << 20) : len;
	unsigned int reps = total / len, i;
	uint8_t *buf = malloc(len);
	uint64_t ns, bytes, elems;

	if (!buf)
		return -ENOMEM;
	akt_fill(buf, len, 1);
	/* Touch the buffer first: page faults are not the driver's. */
	if (pwrite(fd, buf, len, AKT_USER_LPDDR) != (ssize_t)len ||
	    pread(fd, buf, len, AKT_USER_LPDDR) != (ssize_t)len) {
		free(buf);
		return -errno;
	}
	akt_emu_wr(e, AKIDA_EMU_CTRL, AKIDA_EMU_CTRL_RESET_COUNTERS);
	for (i = 0; i < reps; i++) {
		ssize_t n = to_dev ? pwrite(fd, buf, len, AKT_USER_LPDDR)
				   : pread(fd, buf, len, AKT_USER_LPDDR);

		if (n != (ssize_t)len) {
			free(buf);
			return -errno;
		}
	}
	ns = akt_emu_rd64(e, AKIDA_EMU_CNT_MODELED_NS);
	bytes = akt_emu_rd64(e, AKIDA_EMU_CNT_DMA_BYTES);
	elems = akt_emu_rd64(e, AKIDA_EMU_CNT_DMA_ELEMENTS);
	free(buf);
	if (!ns || bytes < (uint64_t)len * reps)
		return -EIO;
	res->mbps = bytes * 1000.0 / ns;
	res->elements = (double)elems / reps;
	return 0;
}

FIXTURE(bench) {
	struct akt_dev d;
	struct akt_emu emu;
	int fd;
	int have_emu;
	long long pinned;
	uint32_t timing;
};

FIXTURE_SETUP(bench)
{
	self->fd = -1;
	self->have_emu = 0;
	self->pinned = -1;
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (akt_emu_open(&self->d, &self->emu))
		ABSENT(return, "no emulator test-control window");
	self->have_emu = 1;
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->pinned = akt_param("dma_pinned");
	/* The counters are the same in both timing modes; immediate is faster. */
	self->timing = akt_emu_rd(&self->emu, AKIDA_EMU_TIMING);
	akt_emu_wr(&self->emu, AKIDA_EMU_TIMING, 0);
}

FIXTURE_TEARDOWN(bench)
{
	if (self->pinned >= 0)
		akt_set_param("dma_pinned", self->pinned);
	if (self->have_emu) {
		akt_emu_wr(&self->emu, AKIDA_EMU_TIMING, self->timing);
		akt_emu_close(&self->emu);
	}
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F_TIMEOUT(bench, modeled_throughput, 280)
{
	static const size_t sizes[] = {
		4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20,
	};
	const char *modes[] = { "bounce", "pinned" };
	int def = (int)self->pinned, m, dir;
	unsigned int i;

	ASSERT_LE(0, def);
	printf("# %-7s %-3s %9s %10s %7s %9s\n", "mode", "dir", "size", "MB/s", "link%",
	       "elem/xfer");
	for (m = 0; m < 2; m++) {
		ASSERT_EQ(0, akt_set_param("dma_pinned", m));
		for (dir = 1; dir >= 0; dir--) {
			for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
				struct result r;
				int ret = measure(self->fd, &self->emu, dir, sizes[i], &r);

				ASSERT_EQ(0, ret) TH_LOG("%s %zu: %s", modes[m], sizes[i],
							 strerror(-ret));
				printf("# %-7s %-3s %9zu %10.1f %6.1f%% %9.1f\n", modes[m],
				       dir ? "h2d" : "d2h", sizes[i], r.mbps,
				       100.0 * r.mbps / LINK_MBPS, r.elements);
				if (m == def && sizes[i] >= (256 << 10))
					EXPECT_LE(0.9 * LINK_MBPS, r.mbps)
						TH_LOG("default mode (%s) %s %zu bytes: %.1f MB/s",
						       modes[m], dir ? "h2d" : "d2h", sizes[i],
						       r.mbps);
			}
		}
	}
}

TEST_HARNESS_MAIN
