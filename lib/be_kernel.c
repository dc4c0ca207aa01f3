// SPDX-License-Identifier: MIT
/*
 * libakida: the kernel backend, over akida_pcie's /dev/akidaN.
 *
 * Registers: BAR0 mapped through the device file (mmap), or, if that is
 * refused, 4-byte pread() at the register's AXI address (an eDMA transfer).
 * Memory: AKIDA_IOCTL_MEM_ALLOC / MEM_FREE / DMA. Inference: one job per
 * batch chunk (AKIDA_IOCTL_JOB_RUN: the job with its input and output DMA
 * submitted and waited for in one call, with an absolute timeout; on an
 * older driver AKIDA_IOCTL_JOB_SUBMIT then AKIDA_IOCTL_JOB_WAIT).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/akida.h>

#include "akida_regs.h"
#include "device.h"

#define JOB_TIMEOUT_S	60
#define BAR0_MAP	0x20000u	/* NPU registers, NP windows included */

struct kpriv {
	int fd;
	volatile uint32_t *bar0;
	size_t bar0_len;
	int bar0_rw;		/* the mapping is writable */
	struct akida_info ki;
	uint64_t prog_addr, prog_cap, prog_len;
	uint64_t io_addr, io_cap;
	uint64_t w_addr, w_cap;
	/*
	 * akida_pcie keeps one layer's replacement weights "on top" of the
	 * loaded program only while every job names them: once a layer was
	 * updated, every job carries AKIDA_JOB_WEIGHTS for it (the driver then
	 * neither reloads nor reapplies). -1: none.
	 */
	int w_layer;
	uint64_t w_len;
};

static struct kpriv *kp(struct akida_device *dev)
{
	return dev->priv;
}

static int kfail(struct akida_device *dev, int err, const char *what)
{
	enum akida_error_kind kind = akida_kind_from_errno(err);

	if (err == EIO)
		kind = AKIDA_ERR_TRANSFER;
	return akida_fail(kind, err, "%s: %s: %s", dev->info.devnode, what, strerror(err));
}

static int k_open(struct akida_device *dev)
{
	struct kpriv *p;
	void *m;

	if (strcmp(dev->info.driver, "akida_pcie") || !dev->info.devnode[0])
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENXIO,
				  "kernel backend unavailable: %s is %s%s, not bound to akida_pcie "
				  "(modprobe akida_pcie, or `akida unbind-vfio %s`)",
				  dev->info.bdf, dev->info.driver[0] ? "bound to " : "not bound",
				  dev->info.driver, dev->info.bdf);
	p = calloc(1, sizeof(*p));
	if (!p)
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	p->fd = open(dev->info.devnode, O_RDWR | O_CLOEXEC);
	if (p->fd < 0) {
		int err = errno;

		free(p);
		if (err == EACCES || err == EPERM)
			return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err,
					  "permission denied opening %s: add your user to the "
					  "'akida' group (udev rule 60-akida.rules) or run as root",
					  dev->info.devnode);
		if (err == ENOENT)
			return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err,
					  "%s does not exist although akida_pcie is bound "
					  "(is udev/devtmpfs running?)", dev->info.devnode);
		return akida_fail(akida_kind_from_errno(err), err, "opening %s: %s",
				  dev->info.devnode, strerror(err));
	}
	memset(&p->ki, 0, sizeof(p->ki));
	if (ioctl(p->fd, AKIDA_IOCTL_GET_INFO, &p->ki)) {
		int err = errno;

		close(p->fd);
		free(p);
		return akida_fail(AKIDA_ERR_CAPABILITY, err,
				  "%s: AKIDA_IOCTL_GET_INFO failed: %s", dev->info.devnode,
				  strerror(err));
	}
	p->w_layer = -1;
	p->bar0_len = dev->info.bar_size[0] && dev->info.bar_size[0] < BAR0_MAP ?
		      dev->info.bar_size[0] : BAR0_MAP;
	/*
	 * The driver maps the NPU command registers read-only when the job
	 * engine owns them: then writes go through pwrite(), which refuses them.
	 */
	p->bar0_rw = 1;
	m = mmap(NULL, p->bar0_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (m == MAP_FAILED && errno == EPERM) {
		p->bar0_rw = 0;
		m = mmap(NULL, p->bar0_len, PROT_READ, MAP_SHARED, p->fd, 0);
	}
	p->bar0 = m == MAP_FAILED ? NULL : m;
	dev->priv = p;

	dev->caps.features = AKIDA_FEAT_REGS | AKIDA_FEAT_DMA;
	/* The driver runs jobs only on an NPU with the [model] interface. */
	dev->npu.iface = !!(p->ki.caps & AKIDA_CAP_JOBS);
	if (p->ki.caps & AKIDA_CAP_JOBS)
		dev->caps.features |= AKIDA_FEAT_INFER;
	if (p->ki.caps & AKIDA_CAP_WEIGHT_UPDATE)
		dev->caps.features |= AKIDA_FEAT_WEIGHTS;
	if (p->ki.caps & AKIDA_CAP_NPU_IRQ)
		dev->caps.features |= AKIDA_FEAT_IRQ;
	if (p->ki.caps & AKIDA_CAP_IOMMU)
		dev->caps.features |= AKIDA_FEAT_IOMMU;
	dev->caps.kernel_caps = p->ki.caps;
	dev->caps.device_id = p->ki.device_id;
	dev->caps.np_count = p->ki.np_count;
	dev->caps.sram_size = p->ki.sram_size;
	dev->caps.lpddr_base = p->ki.lpddr_base;
	dev->caps.lpddr_size = p->ki.lpddr_size;
	dev->caps.mem_base = p->ki.mem_base;
	dev->caps.mem_size = p->ki.mem_size;
	dev->caps.max_batch = p->ki.max_batch ? p->ki.max_batch : 1;
	dev->caps.clock_mode = p->ki.clock_mode;
	if (p->bar0) {
		uint32_t v = p->bar0[NPU_VERSION / 4];

		dev->caps.version = v == 0xffffffffu ? 0 : v;
	}
	return 0;
}

static void k_close(struct akida_device *dev)
{
	struct kpriv *p = kp(dev);

	if (p->bar0)
		munmap((void *)p->bar0, p->bar0_len);
	close(p->fd);	/* the driver frees this file's allocations */
	free(p);
}

static int k_reg_read(struct akida_device *dev, uint32_t off, uint32_t *val)
{
	struct kpriv *p = kp(dev);

	if (p->bar0 && off + 4 <= p->bar0_len) {
		*val = p->bar0[off / 4];
		return 0;
	}
	if (pread(p->fd, val, 4, (off_t)AXI_NPU_BASE + off) != 4)
		return kfail(dev, errno ? errno : EIO, "register read");
	return 0;
}

static int k_reg_write(struct akida_device *dev, uint32_t off, uint32_t val)
{
	struct kpriv *p = kp(dev);

	if (p->bar0 && p->bar0_rw && off + 4 <= p->bar0_len) {
		p->bar0[off / 4] = val;
		return 0;
	}
	if (pwrite(p->fd, &val, 4, (off_t)AXI_NPU_BASE + off) != 4)
		return kfail(dev, errno ? errno : EIO, "register write");
	return 0;
}

static int k_mem_alloc(struct akida_device *dev, uint64_t size, uint64_t *addr)
{
	struct akida_mem_alloc a = { .size = size };

	if (ioctl(kp(dev)->fd, AKIDA_IOCTL_MEM_ALLOC, &a))
		return kfail(dev, errno, "device memory allocation");
	*addr = a.addr;
	return 0;
}

static int k_mem_free(struct akida_device *dev, uint64_t addr)
{
	struct akida_mem_free f = { .addr = addr };

	if (ioctl(kp(dev)->fd, AKIDA_IOCTL_MEM_FREE, &f))
		return kfail(dev, errno, "freeing device memory");
	return 0;
}

static int k_dma(struct akida_device *dev, uint64_t addr, void *buf, size_t len,
		 unsigned int dir)
{
	struct akida_dma_entry e = {
		.user_ptr = (uintptr_t)buf, .dev_addr = addr, .size = len, .dir = dir,
	};
	struct akida_dma d = { .entries = (uintptr_t)&e, .count = 1 };

	if (ioctl(kp(dev)->fd, AKIDA_IOCTL_DMA, &d)) {
		int err = errno;

		return akida_fail(err == EINVAL ? AKIDA_ERR_INVALID : AKIDA_ERR_TRANSFER, err,
				  "%s: DMA of %zu bytes %s 0x%llx failed: %s",
				  dev->info.devnode, len, dir == AKIDA_DIR_TO_DEVICE ? "to" : "from",
				  (unsigned long long)addr, strerror(err));
	}
	return 0;
}

static int k_mem_write(struct akida_device *dev, uint64_t addr, const void *buf, size_t len)
{
	return k_dma(dev, addr, (void *)buf, len, AKIDA_DIR_TO_DEVICE);
}

static int k_mem_read(struct akida_device *dev, uint64_t addr, void *buf, size_t len)
{
	return k_dma(dev, addr, buf, len, AKIDA_DIR_FROM_DEVICE);
}

static int k_load(struct akida_device *dev, const struct akida_program *prog)
{
	struct kpriv *p = kp(dev);
	const void *img;
	size_t len;
	int ret;

	img = akida_program_image(prog, &len);
	p->prog_len = 0;
	p->w_layer = -1;
	dev->npu.loaded = 0;
	ret = akida_buf_upload(dev, &p->prog_addr, &p->prog_cap, img, len);
	if (ret)
		return ret;
	p->prog_len = len;
	return 0;	/* the first job loads it (AKIDA_JOB_PROGRAM|FORCE_LOAD) */
}

static const char *const step_names[] = {
	"none", "program load", "weight update", "input DMA", "NPU run", "output DMA",
	"queue",
};

/* Submit one job and wait for it. */
static int k_job(struct akida_device *dev, struct akida_job_submit *js,
		 struct akida_run_stats *st)
{
	struct kpriv *p = kp(dev);
	struct akida_job_wait jw;
	struct timespec now;
	const char *step;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &now);
	memset(&jw, 0, sizeof(jw));
	jw.timeout_ns = (uint64_t)(now.tv_sec + JOB_TIMEOUT_S) * 1000000000ull +
			(uint64_t)now.tv_nsec;
	if (p->ki.caps & AKIDA_CAP_JOB_RUN) {
		/* One system call; a signal leaves the job to collect below. */
		struct akida_job_run r = { .submit = *js, .wait = jw };

		err = ioctl(p->fd, AKIDA_IOCTL_JOB_RUN, &r) ? errno : 0;
		if (err && !r.submit.job_id)
			return kfail(dev, err, "job submission");
		js->job_id = r.submit.job_id;
		jw = r.wait;
	} else {
		if (ioctl(p->fd, AKIDA_IOCTL_JOB_SUBMIT, js))
			return kfail(dev, errno, "job submission");
		err = EINTR;
	}
	jw.job_id = js->job_id;
	while (err == EINTR)
		err = ioctl(p->fd, AKIDA_IOCTL_JOB_WAIT, &jw) ? errno : 0;
	if (err)
		return akida_fail(err == ETIMEDOUT ? AKIDA_ERR_HARDWARE : akida_kind_from_errno(err),
				  err, "%s: waiting for job %llu: %s", dev->info.devnode,
				  (unsigned long long)jw.job_id, strerror(err));
	if (st) {
		st->npu_ns += jw.npu_ns;
		st->inputs_done += jw.inputs_done;
		st->jobs++;
	}
	if (jw.status == 0)
		return 0;
	step = jw.failed_step < ARRAY_SIZE(step_names) ? step_names[jw.failed_step] : "?";
	err = -jw.status;
	if (jw.npu_error)
		return akida_fail(AKIDA_ERR_HARDWARE, err,
				  "%s: job failed at %s: NPU error %u (%s)", dev->info.devnode,
				  step, jw.npu_error, akida_npu_error_name(jw.npu_error));
	return akida_fail(jw.failed_step == AKIDA_STEP_INPUT ||
			  jw.failed_step == AKIDA_STEP_OUTPUT ? AKIDA_ERR_TRANSFER :
			  akida_kind_from_errno(err), err, "%s: job failed at %s: %s",
			  dev->info.devnode, step, strerror(err));
}

static int k_run(struct akida_device *dev, const uint8_t *in, unsigned int batch,
		 uint8_t *out, struct akida_run_stats *st)
{
	struct kpriv *p = kp(dev);
	uint32_t ib = akida_program_input_bytes(dev->prog);
	uint32_t ob = akida_program_output_bytes(dev->prog);
	unsigned int chunk = dev->caps.max_batch, done = 0;
	int ret;

	if (chunk > batch)
		chunk = batch;
	ret = akida_buf_grow(dev, &p->io_addr, &p->io_cap, ((uint64_t)ib + ob) * chunk);
	if (ret)
		return ret;
	while (done < batch) {
		unsigned int k = batch - done < chunk ? batch - done : chunk;
		struct akida_dma_entry ie = {
			.user_ptr = (uintptr_t)(in + (size_t)done * ib), .dev_addr = p->io_addr,
			.size = (uint64_t)k * ib, .dir = AKIDA_DIR_TO_DEVICE,
		};
		struct akida_dma_entry oe = {
			.user_ptr = (uintptr_t)(out + (size_t)done * ob),
			.dev_addr = p->io_addr + (uint64_t)ib * chunk,
			.size = (uint64_t)k * ob, .dir = AKIDA_DIR_FROM_DEVICE,
		};
		struct akida_job_submit js = {
			.flags = AKIDA_JOB_PROGRAM, .batch = k,
			.program_addr = p->prog_addr, .program_size = p->prog_len,
			.input_size = ib, .input_addr = ie.dev_addr,
			.output_addr = oe.dev_addr, .output_size = ob,
			.in_count = 1, .in_dma = (uintptr_t)&ie,
			.out_count = 1, .out_dma = (uintptr_t)&oe,
		};

		if (!dev->npu.loaded)
			js.flags |= AKIDA_JOB_FORCE_LOAD;
		if (p->w_layer >= 0) {
			js.flags |= AKIDA_JOB_WEIGHTS;
			js.weight_addr = p->w_addr;
			js.weight_size = p->w_len;
			js.weight_layer = (uint32_t)p->w_layer;
		}
		ret = k_job(dev, &js, st);
		if (ret)
			return ret;
		dev->npu.loaded = 1;
		done += k;
	}
	return 0;
}

static int k_infer(struct akida_device *dev, const uint8_t *in, unsigned int batch,
		   uint8_t *out, struct akida_run_stats *st)
{
	return k_run(dev, in, batch, out, st);
}

/*
 * A weight update travels in a job, and a job always runs at least one
 * input: run one all-zero input (output discarded) so that the update has
 * happened, or failed, when this returns. The driver keeps one layer's
 * weights on top of the program; when another layer was updated before,
 * the device copy of the program is first rewritten with those weights
 * baked in (dev->prog holds every earlier update), so that the reload the
 * driver then does keeps them.
 */
static int k_update_weights(struct akida_device *dev, const struct akida_program *prog,
			    unsigned int layer)
{
	struct kpriv *p = kp(dev);
	uint8_t *zin, *zout;
	const void *w;
	size_t len;
	int ret;

	if (p->w_layer >= 0 && p->w_layer != (int)layer) {
		const void *img = akida_program_image(dev->prog, &len);

		ret = k_mem_write(dev, p->prog_addr, img, len);
		if (ret)
			return ret;
		p->w_layer = -1;
	}
	w = akida_program_layer_weights(prog, layer, &len);
	ret = akida_buf_upload(dev, &p->w_addr, &p->w_cap, w, len);
	if (ret)
		return ret;
	zin = calloc(1, akida_program_input_bytes(dev->prog));
	zout = malloc(akida_program_output_bytes(dev->prog));
	if (!zin || !zout) {
		free(zin);
		free(zout);
		return akida_fail(AKIDA_ERR_NO_MEMORY, ENOMEM, "out of memory");
	}
	p->w_layer = (int)layer;
	p->w_len = len;
	ret = k_run(dev, zin, 1, zout, NULL);
	if (ret)
		p->w_layer = -1;
	free(zin);
	free(zout);
	return ret;
}

static int k_reset(struct akida_device *dev)
{
	struct akida_reset r = { 0 };

	dev->npu.loaded = 0;
	kp(dev)->w_layer = -1;
	if (ioctl(kp(dev)->fd, AKIDA_IOCTL_RESET, &r)) {
		if (errno == EPERM || errno == EACCES)
			return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, errno,
					  "%s: resetting needs CAP_SYS_ADMIN (run as root)",
					  dev->info.devnode);
		return kfail(dev, errno, "reset");
	}
	return 0;
}

static int k_set_clock(struct akida_device *dev, unsigned int mode)
{
	struct akida_clock c = { .mode = mode };

	if (ioctl(kp(dev)->fd, AKIDA_IOCTL_SET_CLOCK, &c))
		return kfail(dev, errno, "setting the clock mode");
	return 0;
}

const struct akida_backend_ops akida_kernel_ops = {
	.kind = AKIDA_BACKEND_KERNEL,
	.open = k_open,
	.close = k_close,
	.reg_read = k_reg_read,
	.reg_write = k_reg_write,
	.mem_alloc = k_mem_alloc,
	.mem_free = k_mem_free,
	.mem_write = k_mem_write,
	.mem_read = k_mem_read,
	.load = k_load,
	.infer = k_infer,
	.update_weights = k_update_weights,
	.reset = k_reset,
	.set_clock = k_set_clock,
};
