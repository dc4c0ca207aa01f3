/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ioctl and job selftests (ioctl_*_test.c,
 * job_*_test.c): ioctl wrappers returning -errno, device memory, DMA, and
 * jobs built from libakida's program builder and checked against its golden
 * model.
 */
#ifndef AKIDA_JOB_UTIL_H
#define AKIDA_JOB_UTIL_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/akida.h>
#include <akida.h>

#include "rw_util.h"

/*
 * The harness's EXPECT_*() compare the operands' own types: comparing an
 * unsigned uapi field with an int literal is intended throughout.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"

/* ioctl() as 0 or -errno. */
#define AJ_IOCTL(fd, cmd, arg)	(ioctl((fd), (cmd), (arg)) ? -errno : 0)

static inline uint64_t aj_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline int aj_info(int fd, struct akida_info *info)
{
	memset(info, 0, sizeof(*info));
	return AJ_IOCTL(fd, AKIDA_IOCTL_GET_INFO, info);
}

static inline int aj_alloc(int fd, uint64_t size, uint64_t align, uint64_t *addr)
{
	struct akida_mem_alloc a = { .size = size, .align = align };
	int ret = AJ_IOCTL(fd, AKIDA_IOCTL_MEM_ALLOC, &a);

	if (!ret)
		*addr = a.addr;
	return ret;
}

static inline int aj_free(int fd, uint64_t addr)
{
	struct akida_mem_free f = { .addr = addr };

	return AJ_IOCTL(fd, AKIDA_IOCTL_MEM_FREE, &f);
}

static inline int aj_dma1(int fd, uint32_t dir, void *buf, uint64_t dev,
			  uint64_t size)
{
	struct akida_dma_entry e = {
		.user_ptr = (uintptr_t)buf, .dev_addr = dev, .size = size,
		.dir = dir,
	};
	struct akida_dma d = { .entries = (uintptr_t)&e, .count = 1 };

	return AJ_IOCTL(fd, AKIDA_IOCTL_DMA, &d);
}

static inline int aj_stats(int fd, struct akida_stats *st)
{
	memset(st, 0, sizeof(*st));
	return AJ_IOCTL(fd, AKIDA_IOCTL_GET_STATS, st);
}

static inline int aj_wait(int fd, uint64_t id, uint64_t timeout_ms,
			  struct akida_job_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->flags = id ? 0 : AKIDA_WAIT_ANY;
	w->timeout_ns = aj_now_ns() + timeout_ms * 1000000ull;
	return AJ_IOCTL(fd, AKIDA_IOCTL_JOB_WAIT, w);
}

/*
 * A program in device memory with room for a batch: one allocation holding
 * the image, the inputs and the outputs, and host buffers for them.
 */
struct aj_model {
	struct akida_program *prog;
	const void *image;
	size_t image_len;
	uint32_t in_bytes;
	uint32_t out_bytes;
	unsigned int batch;
	uint64_t base;		/* the allocation */
	uint64_t size;
	uint64_t prog_addr;
	uint64_t in_addr;
	uint64_t out_addr;
	uint8_t *in;		/* host inputs, batch * in_bytes */
	uint8_t *out;		/* host outputs, batch * out_bytes */
	uint8_t *golden;	/* expected outputs */
};

static inline uint64_t aj_align(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * Build a random program from @seed (NULL @spec: libakida's default),
 * allocate device memory for it and a batch of @batch, write the image with
 * the DMA ioctl, fill inputs from @seed and compute the golden outputs.
 * Return 0 or -errno.
 */
static inline int aj_model_init(int fd, struct aj_model *m, uint64_t seed,
				const struct akida_random_spec *spec,
				unsigned int batch)
{
	int ret;

	memset(m, 0, sizeof(*m));
	ret = akida_program_random(seed, spec, &m->prog);
	if (ret)
		return ret;
	m->image = akida_program_image(m->prog, &m->image_len);
	m->in_bytes = akida_program_input_bytes(m->prog);
	m->out_bytes = akida_program_output_bytes(m->prog);
	m->batch = batch;
	m->prog_addr = 0;
	m->in_addr = aj_align(m->image_len, 256);
	m->out_addr = aj_align(m->in_addr + (uint64_t)batch * m->in_bytes, 256);
	m->size = aj_align(m->out_addr + (uint64_t)batch * m->out_bytes, 256);
	m->in = malloc((size_t)batch * m->in_bytes);
	m->out = malloc((size_t)batch * m->out_bytes);
	m->golden = malloc((size_t)batch * m->out_bytes);
	if (!m->in || !m->out || !m->golden)
		return -ENOMEM;
	ret = aj_alloc(fd, m->size, 0, &m->base);
	if (ret)
		return ret;
	m->prog_addr += m->base;
	m->in_addr += m->base;
	m->out_addr += m->base;
	ret = aj_dma1(fd, AKIDA_DIR_TO_DEVICE, (void *)m->image, m->prog_addr,
		      m->image_len);
	if (ret)
		return ret;
	akida_random_bytes(seed ^ 0x5a5a, m->in, (size_t)batch * m->in_bytes);
	return akida_program_run(m->prog, m->in, batch, m->golden);
}

/* New inputs from @seed, and their golden outputs. */
static inline int aj_model_inputs(struct aj_model *m, uint64_t seed)
{
	akida_random_bytes(seed, m->in, (size_t)m->batch * m->in_bytes);
	return akida_program_run(m->prog, m->in, m->batch, m->golden);
}

static inline void aj_model_fini(int fd, struct aj_model *m)
{
	if (m->base)
		aj_free(fd, m->base);
	akida_program_free(m->prog);
	free(m->in);
	free(m->out);
	free(m->golden);
	memset(m, 0, sizeof(*m));
}

/*
 * A job running @m on its whole batch: input DMA from m->in, output DMA into
 * m->out. @ent must have room for 2 entries.
 */
static inline void aj_job(struct aj_model *m, struct akida_job_submit *s,
			  struct akida_dma_entry *ent, uint32_t flags)
{
	memset(s, 0, sizeof(*s));
	memset(ent, 0, 2 * sizeof(*ent));
	ent[0].user_ptr = (uintptr_t)m->in;
	ent[0].dev_addr = m->in_addr;
	ent[0].size = (uint64_t)m->batch * m->in_bytes;
	ent[0].dir = AKIDA_DIR_TO_DEVICE;
	ent[1].user_ptr = (uintptr_t)m->out;
	ent[1].dev_addr = m->out_addr;
	ent[1].size = (uint64_t)m->batch * m->out_bytes;
	ent[1].dir = AKIDA_DIR_FROM_DEVICE;
	s->flags = flags;
	if (flags & AKIDA_JOB_PROGRAM) {
		s->program_addr = m->prog_addr;
		s->program_size = m->image_len;
	}
	s->batch = m->batch;
	s->input_size = m->in_bytes;
	s->input_addr = m->in_addr;
	s->output_size = m->out_bytes;
	s->output_addr = m->out_addr;
	s->in_count = 1;
	s->in_dma = (uintptr_t)&ent[0];
	s->out_count = 1;
	s->out_dma = (uintptr_t)&ent[1];
}

static inline int aj_submit(int fd, struct akida_job_submit *s, uint64_t *id)
{
	int ret = AJ_IOCTL(fd, AKIDA_IOCTL_JOB_SUBMIT, s);

	if (!ret && id)
		*id = s->job_id;
	return ret;
}

/* Submit a full job of @m and wait for it; return the job's status. */
static inline int aj_run(int fd, struct aj_model *m, uint32_t flags,
			 struct akida_job_wait *w)
{
	struct akida_job_submit s;
	struct akida_dma_entry ent[2];
	struct akida_job_wait tmp;
	uint64_t id;
	int ret;

	if (!w)
		w = &tmp;
	memset(m->out, 0xee, (size_t)m->batch * m->out_bytes);
	aj_job(m, &s, ent, flags);
	ret = aj_submit(fd, &s, &id);
	if (ret)
		return ret;
	ret = aj_wait(fd, id, 60000, w);
	if (ret)
		return ret;
	return w->status;
}

static inline int aj_model_check(const struct aj_model *m)
{
	return memcmp(m->out, m->golden, (size_t)m->batch * m->out_bytes) ? -1 : 0;
}

/* Open the first /dev/akidaN; -1 (and @d unset) if there is none. */
static inline int aj_open(struct akt_dev *d, int flags)
{
	if (akt_find(d))
		return -1;
	return open(d->node, flags);
}

#endif /* AKIDA_JOB_UTIL_H */
