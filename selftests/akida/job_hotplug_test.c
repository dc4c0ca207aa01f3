// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-unplug of the AKD1000 (QEMU monitor `device_del` through akida-hostctl
 * in the test guest) with jobs queued and running: every job completes, with
 * status 0 or -ENODEV; commands that need the device fail with ENODEV, those
 * that let a client wind down (JOB_WAIT, GET_STATS, MEM_FREE) still work;
 * `device_add` brings back a device that runs jobs.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define HOSTCTL	"/usr/bin/akida-hostctl"

struct feeder {
	int fd;
	struct aj_model *m;
	volatile int stop;
	unsigned long ok, enodev, other, submit_err;
	int wait_err;		/* first JOB_WAIT that failed, -errno */
	int inflight_left;	/* jobs never reported when the feeder ended */
};

/* Keep jobs in flight until the device goes. */
static void *feed_fn(void *arg)
{
	struct feeder *f = arg;
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	uint64_t id;
	int inflight = 0, ret;

	aj_job(f->m, &s, ent, AKIDA_JOB_PROGRAM);
	while (!f->stop) {
		while (inflight < 4) {
			ret = aj_submit(f->fd, &s, &id);
			if (ret) {
				f->submit_err = -ret;
				goto drain;
			}
			inflight++;
		}
		ret = aj_wait(f->fd, 0, 60000, &w);
		if (ret) {
			f->wait_err = ret;
			goto drain;
		}
		inflight--;
		if (!w.status)
			f->ok++;
		else if (w.status == -ENODEV)
			f->enodev++;
		else
			f->other++;
	}
drain:
	while (inflight > 0) {
		ret = aj_wait(f->fd, 0, 60000, &w);
		if (ret) {
			if (!f->wait_err)
				f->wait_err = ret;
			break;
		}
		inflight--;
		if (!w.status)
			f->ok++;
		else if (w.status == -ENODEV)
			f->enodev++;
		else
			f->other++;
	}
	f->inflight_left = inflight;
	return NULL;
}

TEST(unplug_with_jobs_in_flight)
{
	struct akt_dev d, d2;
	struct aj_model m, m2;
	struct feeder f = { 0 };
	struct akida_stats st;
	struct akida_info info;
	struct pollfd pfd;
	pthread_t th;
	uint64_t t0;
	int fd;

	if (access(HOSTCTL, X_OK))
		SKIP(return, "not in the test guest (no akida-hostctl)");
	fd = aj_open(&d, O_RDWR);
	if (fd < 0)
		ABSENT(return, "no /dev/akidaN bound to akida_pcie");
	ASSERT_EQ(0, aj_model_init(fd, &m, 61, NULL, 512));
	f.fd = fd;
	f.m = &m;
	ASSERT_EQ(0, pthread_create(&th, NULL, feed_fn, &f));
	usleep(300000);
	ASSERT_EQ(0, system(HOSTCTL " device_del akida0 >/dev/null"));
	/* pciehp removes the device after its 5 s attention-button delay. */
	t0 = aj_now_ns();
	while (!access(d.pci, F_OK) && aj_now_ns() - t0 < 30000000000ull)
		usleep(100000);
	ASSERT_NE(0, access(d.pci, F_OK)) TH_LOG("device still present after 30 s");
	f.stop = 1;
	pthread_join(th, NULL);
	ksft_print_msg("%lu jobs completed, %lu failed with ENODEV, %lu otherwise; submit then failed with %lu\n",
		       f.ok, f.enodev, f.other, f.submit_err);
	EXPECT_LT(0UL, f.ok);
	EXPECT_EQ(0UL, f.other);
	EXPECT_EQ(ENODEV, f.submit_err);
	/* Every job the feeder queued was reported, none by a failed wait. */
	EXPECT_EQ(0, f.wait_err) TH_LOG("JOB_WAIT failed: %s", strerror(-f.wait_err));
	EXPECT_EQ(0, f.inflight_left);

	/* Winding down works; using the device does not. */
	EXPECT_EQ(0, aj_stats(fd, &st));
	EXPECT_EQ(0, st.file.jobs_pending);
	EXPECT_EQ(0, st.file.pinned_bytes);
	EXPECT_EQ(-ENODEV, aj_info(fd, &info));
	EXPECT_EQ(-ENODEV, aj_dma1(fd, AKIDA_DIR_TO_DEVICE, m.in, m.in_addr, 16));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_NE(0, pfd.revents & POLLHUP);
	aj_model_fini(fd, &m);	/* MEM_FREE still works */
	EXPECT_EQ(0, aj_stats(fd, &st));
	EXPECT_EQ(0, st.file.mem_allocs);
	close(fd);

	ASSERT_EQ(0, system(HOSTCTL " device_add akd1000,id=akida0,bus=rp0 >/dev/null"));
	t0 = aj_now_ns();
	while (akt_find(&d2) && aj_now_ns() - t0 < 30000000000ull)
		usleep(100000);
	ASSERT_EQ(0, akt_find(&d2)) TH_LOG("no device 30 s after device_add");
	fd = open(d2.node, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, aj_model_init(fd, &m2, 62, NULL, 4));
	EXPECT_EQ(0, aj_run(fd, &m2, AKIDA_JOB_PROGRAM, NULL));
	EXPECT_EQ(0, aj_model_check(&m2));
	aj_model_fini(fd, &m2);
	close(fd);
}

TEST_HARNESS_MAIN
