// SPDX-License-Identifier: GPL-2.0
/*
 * Accounting of the pages a job pins (issue 15, defect 4):
 *
 *  - memlock_respected: a caller without CAP_IPC_LOCK cannot pin more than
 *    its RLIMIT_MEMLOCK (-ENOMEM, nothing pinned, VmPin unchanged); with a
 *    larger limit the same job runs; VmPin is back to its value afterwards;
 *  - device_cap: several files together cannot pin more than
 *    max_dev_pinned_mb (-EAGAIN while the others' jobs are pending, -E2BIG
 *    for a job larger than the cap);
 *  - every test ends with the system's long-term pins balanced
 *    (/proc/vmstat nr_foll_pin_acquired == nr_foll_pin_released).
 *
 * Needs root (module parameters, dropping to an unprivileged user).
 */
#include <limits.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "job_util.h"

/* 64-byte inputs: a batch of 10000 pins about 740 KB (inputs + outputs). */
#define BIG_SEED	14
#define BIG_BATCH	10000
#define NFILES		4
/* Pins of others tolerated by a balance (per-CPU counter drift). */
#define SLACK		8

/* Flush per-CPU vm counters, then acquired - released; LLONG_MIN if unknown. */
static long long pins_held(void)
{
	long long acq = -1, rel = -1, v;
	char name[64];
	FILE *f;

	akt_write_file("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return LLONG_MIN;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	return acq < 0 || rel < 0 ? LLONG_MIN : acq - rel;
}

/* This process's mm->pinned_vm in kB (VmPin); -1 if unknown. */
static long vm_pin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

FIXTURE(pin) {
	struct akt_dev d;
	int fd;
	struct aj_model m;
	long long pins0;
	long long old_file_mb;
	long long old_dev_mb;
};

FIXTURE_SETUP(pin)
{
	self->fd = -1;
	self->old_file_mb = akt_param("max_pinned_mb");
	self->old_dev_mb = akt_param("max_dev_pinned_mb");
	self->pins0 = pins_held();
	if (akt_find(&self->d))
		ABSENT(return, "no /dev/akidaN");
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_LE(0, self->old_file_mb);
	self->fd = open(self->d.node, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, aj_model_init(self->fd, &self->m, BIG_SEED, NULL, BIG_BATCH));
}

FIXTURE_TEARDOWN(pin)
{
	if (self->old_file_mb >= 0)
		akt_set_param("max_pinned_mb", self->old_file_mb);
	if (self->old_dev_mb >= 0)
		akt_set_param("max_dev_pinned_mb", self->old_dev_mb);
	if (self->fd >= 0) {
		aj_model_fini(self->fd, &self->m);
		close(self->fd);
	}
	if (self->pins0 != LLONG_MIN) {
		long long d = pins_held() - self->pins0;

		EXPECT_GE(SLACK, d) TH_LOG("%lld pins left behind", d);
	}
}

/*
 * In a child that drops root (and so CAP_IPC_LOCK): 0, or the number of the
 * check that failed.
 */
static int memlock_child(int fd, struct aj_model *m)
{
	struct rlimit rl = { .rlim_cur = 256 << 10, .rlim_max = RLIM_INFINITY };
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait w;
	long pin0;
	uint64_t id;
	int ret;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 1;
	pin0 = vm_pin_kb();
	if (pin0 < 0)
		return 2;
	/* About 740 KB over a 256 KiB limit. */
	aj_job(m, &s, ent, AKIDA_JOB_PROGRAM);
	ret = aj_submit(fd, &s, &id);
	if (ret != -ENOMEM) {
		fprintf(stderr, "submit over RLIMIT_MEMLOCK: %d, not -ENOMEM\n", ret);
		return 3;
	}
	if (vm_pin_kb() != pin0)
		return 4;
	/* Raise the soft limit (no privilege needed): the same job runs. */
	rl.rlim_cur = 64 << 20;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 5;
	memset(m->out, 0xee, (size_t)m->batch * m->out_bytes);
	s.job_id = 0;
	ret = aj_submit(fd, &s, &id);
	if (ret) {
		fprintf(stderr, "submit under RLIMIT_MEMLOCK: %d\n", ret);
		return 6;
	}
	if (aj_wait(fd, id, 60000, &w) || w.status)
		return 7;
	if (aj_model_check(m))
		return 8;
	/* The charge went back, once. */
	if (vm_pin_kb() != pin0) {
		fprintf(stderr, "VmPin %ld kB after the job, %ld before\n",
			vm_pin_kb(), pin0);
		return 9;
	}
	return 0;
}

TEST_F_TIMEOUT(pin, memlock_respected, 120)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(memlock_child(self->fd, &self->m));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Root (CAP_IPC_LOCK) is not bound by RLIMIT_MEMLOCK, and is charged all the same. */
TEST_F_TIMEOUT(pin, memlock_cap_ipc_lock, 120)
{
	struct rlimit rl, low = { .rlim_cur = 0, .rlim_max = RLIM_INFINITY };
	struct akida_job_wait w;
	long pin0 = vm_pin_kb();

	ASSERT_LE(0, pin0);
	ASSERT_EQ(0, getrlimit(RLIMIT_MEMLOCK, &rl));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &low));
	EXPECT_EQ(0, aj_run(self->fd, &self->m, AKIDA_JOB_PROGRAM, &w));
	EXPECT_EQ(0, aj_model_check(&self->m));
	EXPECT_EQ(pin0, vm_pin_kb());
	setrlimit(RLIMIT_MEMLOCK, &rl);
}

/* NFILES files with a job each: only what fits the device cap is accepted. */
TEST_F_TIMEOUT(pin, device_cap, 180)
{
	struct aj_model m[NFILES];
	struct akida_job_submit s[NFILES];
	struct akida_dma_entry ent[NFILES][2];
	struct akida_job_wait w;
	uint64_t id[NFILES];
	int fd[NFILES], ret[NFILES];
	int i, ok = 0, again = 0;

	ASSERT_LE(0, self->old_dev_mb) TH_LOG("no max_dev_pinned_mb parameter");
	/* Plenty per file; 2 MiB for the device: two jobs, not three. */
	ASSERT_EQ(0, akt_set_param("max_pinned_mb", 256));
	ASSERT_EQ(0, akt_set_param("max_dev_pinned_mb", 2));
	for (i = 0; i < NFILES; i++) {
		fd[i] = open(self->d.node, O_RDWR);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, aj_model_init(fd[i], &m[i], BIG_SEED, NULL, BIG_BATCH));
		aj_job(&m[i], &s[i], ent[i], AKIDA_JOB_PROGRAM);
	}
	for (i = 0; i < NFILES; i++)
		ret[i] = aj_submit(fd[i], &s[i], &id[i]);
	for (i = 0; i < NFILES; i++) {
		if (!ret[i])
			ok++;
		else if (ret[i] == -EAGAIN)
			again++;
		else
			EXPECT_EQ(0, ret[i]) TH_LOG("file %d", i);
	}
	/* The first two fit; while they are pending nothing else does. */
	EXPECT_EQ(0, ret[0]);
	EXPECT_EQ(0, ret[1]);
	EXPECT_GE(2, ok);
	EXPECT_LE(NFILES - 2, again);
	for (i = 0; i < NFILES; i++) {
		if (ret[i])
			continue;
		EXPECT_EQ(0, aj_wait(fd[i], id[i], 60000, &w));
		EXPECT_EQ(0, w.status);
		EXPECT_EQ(0, aj_model_check(&m[i]));
	}
	/* Room again: the refused ones now run. */
	for (i = 0; i < NFILES; i++) {
		if (!ret[i])
			continue;
		s[i].job_id = 0;
		EXPECT_EQ(0, aj_submit(fd[i], &s[i], &id[i]));
		EXPECT_EQ(0, aj_wait(fd[i], id[i], 60000, &w));
		EXPECT_EQ(0, w.status);
	}
	/* A job larger than the device cap can never run. */
	ASSERT_EQ(0, akt_set_param("max_dev_pinned_mb", 0));
	s[0].job_id = 0;
	EXPECT_EQ(-E2BIG, aj_submit(fd[0], &s[0], &id[0]));
	for (i = 0; i < NFILES; i++) {
		aj_model_fini(fd[i], &m[i]);
		close(fd[i]);
	}
}

TEST_HARNESS_MAIN
