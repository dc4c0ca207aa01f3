// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-unplug of the AKD1000 from its PCIe root port (QEMU monitor
 * `device_del`, through akida-hostctl in the test guest) with files open and
 * transfers in flight: the transfers end with -ENODEV, nothing hangs or
 * oopses; `device_add` brings a working device back.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "rw_util.h"

#define HOSTCTL	"/usr/bin/akida-hostctl"

struct streamer {
	int fd;
	int last_err;
	volatile unsigned long ok;
};

static void *stream_fn(void *arg)
{
	struct streamer *s = arg;
	size_t len = 2 << 20;
	uint8_t *buf = malloc(len);
	double t0 = akt_now();
	int i = 0;

	if (!buf)
		return NULL;
	akt_fill(buf, len, 5);
	while (akt_now() - t0 < 60.0) {
		ssize_t n = (i++ & 1) ? pread(s->fd, buf, len, AKT_USER_LPDDR + 0x100000)
				      : pwrite(s->fd, buf, len, AKT_USER_LPDDR + 0x100000);

		if (n < 0) {
			s->last_err = errno;
			if (errno == ENODEV)
				break;
		} else {
			s->ok++;
		}
	}
	free(buf);
	return NULL;
}

static int pci_present(const char *pci)
{
	return !access(pci, F_OK);
}

FIXTURE(hp) {
	int unused;
};

FIXTURE_SETUP(hp)
{
}

FIXTURE_TEARDOWN(hp)
{
}

TEST_F_TIMEOUT(hp, unplug_with_transfers_in_flight, 120)
{
	struct streamer s = { 0 };
	struct akt_dev d, d2;
	pthread_t th;
	double t0;
	uint32_t v;
	int fd;

	if (access(HOSTCTL, X_OK))
		SKIP(return, "not in the test guest (no akida-hostctl)");
	if (akt_find(&d))
		ABSENT(return, "no /dev/akidaN");

	fd = open(d.node, O_RDWR);
	ASSERT_LE(0, fd);
	s.fd = fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, stream_fn, &s));
	/* Unplug once transfers are flowing (slow kernels take a while). */
	t0 = akt_now();
	while (s.ok < 2 && akt_now() - t0 < 30.0)
		usleep(20000);
	ASSERT_EQ(0, system(HOSTCTL " device_del akida0 >/dev/null"));
	/* pciehp removes the device after its 5 s attention-button delay. */
	t0 = akt_now();
	while (pci_present(d.pci) && akt_now() - t0 < 30.0)
		usleep(100000);
	ASSERT_FALSE(pci_present(d.pci)) TH_LOG("device still present after 30 s");
	pthread_join(th, NULL);
	EXPECT_EQ(ENODEV, s.last_err) TH_LOG("%lu transfers before, last error %d",
					     s.ok, s.last_err);
	EXPECT_LT(0UL, s.ok);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, &v, 4, AKT_NPU));
	EXPECT_EQ(ENODEV, errno);
	close(fd);

	ASSERT_EQ(0, system(HOSTCTL " device_add akd1000,id=akida0,bus=rp0 >/dev/null"));
	t0 = akt_now();
	while (akt_find(&d2) && akt_now() - t0 < 30.0)
		usleep(100000);
	ASSERT_EQ(0, akt_find(&d2)) TH_LOG("no device 30 s after device_add");
	fd = open(d2.node, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, akt_roundtrip(fd, AKT_USER_LPDDR, 1 << 20, 8));
	ASSERT_EQ(4, pread(fd, &v, 4, AKT_NPU));
	EXPECT_EQ(AKT_DEVICE_ID, v);
	close(fd);
}

TEST_HARNESS_MAIN
