// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent users of /dev/akidaN: threads sharing one file and processes
 * with their own, readers and writers at once, every byte checked. Both
 * channels of each direction run at once; the driver must keep the data of
 * each transfer apart.
 */
#include <pthread.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "rw_util.h"

#define NWORKERS	4
#define REGION		(4u << 20)	/* LPDDR bytes per worker */

struct worker {
	int fd;
	unsigned int id;
	unsigned int iters;
	int pinned_mix;
	int err;		/* 0, or what went wrong */
	char msg[160];
};

static void *worker_fn(void *arg)
{
	struct worker *wk = arg;
	static const size_t sizes[] = { 7, 4096, 65536 + 3, 1 << 20, 3 << 20 };
	uint64_t base = AKT_USER_LPDDR + 0x100000ULL + (uint64_t)wk->id * REGION;
	uint8_t *w = malloc(REGION), *r = malloc(REGION);
	unsigned int i;

	if (!w || !r) {
		wk->err = ENOMEM;
		goto out;
	}
	for (i = 0; i < wk->iters; i++) {
		size_t len = sizes[(i + wk->id) % 5];
		uint32_t seed = wk->id * 1000 + i;
		long bad;

		akt_fill(w, len, seed);
		memset(r, 0xa5, len);
		if (pwrite(wk->fd, w, len, base) != (ssize_t)len) {
			wk->err = errno ? errno : EIO;
			snprintf(wk->msg, sizeof(wk->msg), "worker %u pwrite %zu: %s",
				 wk->id, len, strerror(wk->err));
			break;
		}
		if (pread(wk->fd, r, len, base) != (ssize_t)len) {
			wk->err = errno ? errno : EIO;
			snprintf(wk->msg, sizeof(wk->msg), "worker %u pread %zu: %s",
				 wk->id, len, strerror(wk->err));
			break;
		}
		bad = akt_diff(w, r, len);
		if (bad >= 0) {
			wk->err = EBADMSG;
			snprintf(wk->msg, sizeof(wk->msg),
				 "worker %u iter %u: %zu bytes differ at %ld", wk->id, i, len, bad);
			break;
		}
	}
out:
	free(w);
	free(r);
	return NULL;
}

FIXTURE(conc) {
	struct akt_dev d;
	long long pinned;
};

FIXTURE_VARIANT(conc) {
	int pinned;
};

FIXTURE_VARIANT_ADD(conc, bounce) { .pinned = 0 };
FIXTURE_VARIANT_ADD(conc, pinned) { .pinned = 1 };

FIXTURE_SETUP(conc)
{
	self->pinned = -1;
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	self->pinned = akt_param("dma_pinned");
	ASSERT_EQ(0, akt_set_param("dma_pinned", variant->pinned));
}

FIXTURE_TEARDOWN(conc)
{
	if (self->pinned >= 0)
		akt_set_param("dma_pinned", self->pinned);
}

TEST_F_TIMEOUT(conc, threads_share_a_file, 240)
{
	struct worker wk[NWORKERS];
	pthread_t th[NWORKERS];
	int fd = open(self->d.node, O_RDWR), i;

	ASSERT_LE(0, fd);
	for (i = 0; i < NWORKERS; i++) {
		memset(&wk[i], 0, sizeof(wk[i]));
		wk[i].fd = fd;
		wk[i].id = i;
		wk[i].iters = 12;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker_fn, &wk[i]));
	}
	for (i = 0; i < NWORKERS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NWORKERS; i++)
		EXPECT_EQ(0, wk[i].err) TH_LOG("%s", wk[i].msg);
	close(fd);
}

TEST_F_TIMEOUT(conc, processes, 240)
{
	pid_t pid[NWORKERS];
	int i, status;

	for (i = 0; i < NWORKERS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i]) {
			struct worker wk = { .id = i, .iters = 10 };

			wk.fd = open(self->d.node, O_RDWR);
			if (wk.fd < 0)
				_exit(100);
			worker_fn(&wk);
			if (wk.err)
				fprintf(stderr, "# %s\n", wk.msg);
			_exit(wk.err ? 1 : 0);
		}
	}
	for (i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("process %d failed", i);
	}
}

/* Readers of registers by DMA while writers stream to LPDDR. */
static void *id_reader(void *arg)
{
	struct worker *wk = arg;
	unsigned int i;
	uint32_t v;

	for (i = 0; i < wk->iters; i++) {
		v = 0;
		if (pread(wk->fd, &v, 4, AKT_NPU) != 4 || v != AKT_DEVICE_ID) {
			wk->err = EBADMSG;
			snprintf(wk->msg, sizeof(wk->msg), "DEVICE_ID read %#x (%s)", v,
				 strerror(errno));
			break;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, register_reads_during_streams, 240)
{
	struct worker wk[3];
	pthread_t th[3];
	int fd = open(self->d.node, O_RDWR), i;

	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++) {
		memset(&wk[i], 0, sizeof(wk[i]));
		wk[i].fd = fd;
		wk[i].id = i;
		wk[i].iters = i == 2 ? 400 : 8;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, i == 2 ? id_reader : worker_fn,
					    &wk[i]));
	}
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, wk[i].err) TH_LOG("%s", wk[i].msg);
	close(fd);
}

TEST_HARNESS_MAIN
