// SPDX-License-Identifier: GPL-2.0
/*
 * akida-bench: throughput and latency of the akida_pcie stack on the
 * emulated AKD1000, measured against the emulator's link model
 * (shared/HARDWARE.md section 6) and against the vendor's method.
 *
 * Runs as root in the test guest (scripts/bench.sh boots it). Sections:
 *  - transfers: host-to-device and device-to-host, 4 KiB .. 16 MiB, through
 *    pread/pwrite on /dev/akidaN (BrainChip's ABI), the DMA ioctl on memory
 *    from AKIDA_IOCTL_MEM_ALLOC, and libakida's VFIO backend (the device is
 *    moved to vfio-pci for that part and back to akida_pcie afterwards);
 *    plus the vendor's method (1 KiB synchronous pread/pwrite one after the
 *    other) for the same bytes;
 *  - inference through AKIDA_IOCTL_JOB_RUN (one call) and JOB_SUBMIT/WAIT
 *    (two): latency of one input,
 *    throughput at batch 1 and 8 and queue depth 1, 2 and 4;
 *  - weight update against a full program reload.
 * Every figure comes with the emulator's counters (test-control window at
 * BAR0 + AKIDA_EMU_WINDOW, read through sysfs resource0). Progress goes to
 * stderr; the results are printed as one JSON document on stdout between
 * the lines AKIDA_BENCH_JSON_BEGIN and AKIDA_BENCH_JSON_END. The program
 * reports, it does not judge: tools/bench/render.py compares with targets.
 *
 *   akida-bench [--quick] [--no-vfio] [--device akidaN]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/akida.h>
#include <akida.h>
#include "akida_emu_regs.h"
#include "bench_emu.h"

#define KIB			1024ull
#define MIB			(1024ull * 1024)
#define MAX_SIZES		8
#define LINK_MBPS		450.0	/* HARDWARE.md 6: payload rate */
#define ELEMENT_NS		500	/* HARDWARE.md 6: per DMA element */
#define VENDOR_CHUNK		1024	/* BrainChip's driver: 1 KiB per transfer */
#define JOB_TIMEOUT_MS		10000
#define MAX_QD			4
#define MAX_RUNS		8
#define MIN_JOBS		8	/* jobs a run does before the budget applies */

static bool quick;
static const char *prog_name = "akida-bench";

static void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- sysfs -------------------------------------------------------------- */

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Name of the driver bound to @bdf, "" when none. */
static void pci_driver(const char *bdf, char *out, size_t len)
{
	char path[256], link[256];
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	out[0] = 0;
	if (n <= 0)
		return;
	link[n] = 0;
	p = strrchr(link, '/');
	snprintf(out, len, "%s", p ? p + 1 : link);
}

/* Move @bdf to driver @drv ("" = the one that matches it by id). */
static int pci_rebind(const char *bdf, const char *drv)
{
	char path[256], cur[64];
	int ret, i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = sysfs_write(path, drv[0] ? drv : "\n");
	if (ret)
		return ret;
	pci_driver(bdf, cur, sizeof(cur));
	if (cur[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		ret = sysfs_write(path, bdf);
		if (ret)
			return ret;
	}
	ret = sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;
	for (i = 0; i < 100; i++) {
		pci_driver(bdf, cur, sizeof(cur));
		if (drv[0] ? !strcmp(cur, drv) : cur[0] != 0)
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

/* Sum over CPUs of the interrupt line named @name in /proc/interrupts. */
static long long irq_count(const char *name)
{
	FILE *f = fopen("/proc/interrupts", "r");
	long long total = -1;
	char line[4096];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line), nl = strlen(name);
		char *p, *end;
		long long sum = 0;

		while (l && (line[l - 1] == '\n' || line[l - 1] == ' '))
			line[--l] = 0;
		if (l <= nl || strcmp(line + l - nl, name) || line[l - nl - 1] != ' ')
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		p++;
		for (;;) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
		total = total < 0 ? sum : total + sum;
	}
	fclose(f);
	return total;
}

/* ---- JSON output ---------------------------------------------------------- */

static char *json;
static size_t json_len, json_cap;

static void jp(const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(json + json_len, json_cap - json_len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < json_cap - json_len)
			break;
		json_cap = json_cap * 2 + 4096 + n;
		json = realloc(json, json_cap);
		if (!json) {
			msg("out of memory");
			exit(1);
		}
	}
	json_len += n;
}

/* Drop a trailing comma before a closing bracket. */
static void jclose(char c)
{
	if (json_len && json[json_len - 1] == ',')
		json_len--;
	jp("%c,", c);
}

static void jcounters(const char *key, const uint64_t *c)
{
	jp("\"%s\":{", key);
	for (int i = 0; i < C_NUM; i++)
		jp("\"%s\":%llu,", cnt_name[i], (unsigned long long)c[i]);
	jclose('}');
}

/* ---- the device ------------------------------------------------------------ */

struct bench {
	char node[64];
	char name[32];
	char bdf[64];
	int fd;
	struct akida_info info;
	struct emu emu;
	uint64_t xfer_addr;	/* 16 MiB (or less) of device memory */
	uint64_t xfer_size;
	uint8_t *buf;		/* host buffer, xfer_size */
	bool vfio_done;
	bool vfio_iommu;
};

static int find_device(struct bench *b, const char *want)
{
	struct dirent *de;
	DIR *dir = opendir("/sys/class/akida");
	int ret = -ENODEV;

	if (!dir)
		return -ENODEV;
	while ((de = readdir(dir))) {
		char link[512], real[512], *p;

		if (strncmp(de->d_name, "akida", 5) || (want && strcmp(want, de->d_name)))
			continue;
		snprintf(link, sizeof(link), "/sys/class/akida/%s/device", de->d_name);
		if (!realpath(link, real))
			continue;
		p = strrchr(real, '/');
		snprintf(b->bdf, sizeof(b->bdf), "%s", p ? p + 1 : real);
		snprintf(b->name, sizeof(b->name), "%s", de->d_name);
		snprintf(b->node, sizeof(b->node), "/dev/%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

static int dev_open(struct bench *b)
{
	struct akida_mem_alloc a = { 0 };
	int err;

	b->fd = open(b->node, O_RDWR);
	if (b->fd < 0) {
		err = errno;
		msg("open %s: %s", b->node, strerror(err));
		return -err;
	}
	memset(&b->info, 0, sizeof(b->info));
	if (ioctl(b->fd, AKIDA_IOCTL_GET_INFO, &b->info)) {
		err = errno;
		msg("AKIDA_IOCTL_GET_INFO: %s", strerror(err));
		return -err;
	}
	b->xfer_size = 16 * MIB;
	while (b->xfer_size > b->info.mem_size / 2)
		b->xfer_size /= 2;
	a.size = b->xfer_size;
	if (ioctl(b->fd, AKIDA_IOCTL_MEM_ALLOC, &a)) {
		err = errno;
		msg("AKIDA_IOCTL_MEM_ALLOC %llu bytes: %s",
		    (unsigned long long)a.size, strerror(err));
		return -err;
	}
	b->xfer_addr = a.addr;
	return 0;
}

/* ---- transfers --------------------------------------------------------------- */

enum path { P_RW, P_DMA, P_VFIO, P_VENDOR, P_NUM };
static const char *const path_name[P_NUM] = { "rw", "dma_ioctl", "vfio", "vendor_1k" };
static const char *const path_desc[P_NUM] = {
	"pread/pwrite on /dev/akidaN, one call per transfer",
	"AKIDA_IOCTL_DMA, one entry per transfer, on AKIDA_IOCTL_MEM_ALLOC memory",
	"libakida VFIO backend (vfio-pci), akida_mem_write/akida_mem_read",
	"vendor method: 1 KiB synchronous pread/pwrite one after another",
};

struct xfer {
	enum path path;
	int to_dev;
	uint64_t size;		/* transfer size (vendor: bytes moved in 1 KiB calls) */
	unsigned int reps;	/* planned transfers of @size */
	uint64_t bytes;		/* bytes moved while measuring */
	bool truncated;		/* stopped by the time budget before @reps */
	uint64_t calls;		/* syscalls / library calls issued */
	uint64_t wall_ns;
	uint64_t c[C_NUM];
	int err;
};

static struct xfer xfers[P_NUM * 2 * MAX_SIZES];
static unsigned int nxfers;
static uint64_t sizes[MAX_SIZES];
static unsigned int nsizes;

/* Repetitions of a @size transfer so that a measurement moves enough bytes. */
static unsigned int reps_for(uint64_t size)
{
	uint64_t total = quick ? 256 * KIB : 4 * MIB;

	if (size >= total)
		return quick ? 1 : 2;
	return total / size;
}

/* One transfer of @len bytes at device offset @off by @path. */
static int xfer_once(struct bench *b, struct akida_device *vdev, enum path path,
		     int to_dev, uint64_t off, uint64_t len, uint64_t *calls)
{
	uint8_t *buf = b->buf + off;
	uint64_t addr = b->xfer_addr + off;
	ssize_t n;

	(*calls)++;
	switch (path) {
	case P_RW:
	case P_VENDOR:
		n = to_dev ? pwrite(b->fd, buf, len, addr) : pread(b->fd, buf, len, addr);
		if (n != (ssize_t)len)
			return n < 0 ? -errno : -EIO;
		return 0;
	case P_DMA: {
		struct akida_dma_entry e = {
			.user_ptr = (uintptr_t)buf, .dev_addr = addr, .size = len,
			.dir = to_dev ? AKIDA_DIR_TO_DEVICE : AKIDA_DIR_FROM_DEVICE,
		};
		struct akida_dma d = { .entries = (uintptr_t)&e, .count = 1 };

		return ioctl(b->fd, AKIDA_IOCTL_DMA, &d) ? -errno : 0;
	}
	case P_VFIO:
		return to_dev ? akida_mem_write(vdev, addr, buf, len)
			      : akida_mem_read(vdev, addr, buf, len);
	default:
		return -EINVAL;
	}
}

/*
 * Move reps_for(@size) x @size bytes by @path: whole @size transfers, or for
 * the vendor method 1 KiB calls one after the other over the same bytes. A
 * wall-clock budget bounds the time on a loaded host (TCG): past it, the
 * measurement stops after at least one transfer (vendor: 64 calls) and says
 * so; the modeled rate is per byte actually moved, so it stays valid.
 */
static void xfer_measure(struct bench *b, struct akida_device *vdev, enum path path,
			 int to_dev, uint64_t size)
{
	struct xfer *x = &xfers[nxfers++];
	uint64_t unit = path == P_VENDOR ? VENDOR_CHUNK : size;
	uint64_t units, min_units, i, warm = 0, t0, deadline;
	uint64_t per = size / unit;	/* units per @size */

	memset(x, 0, sizeof(*x));
	x->path = path;
	x->to_dev = to_dev;
	x->size = size;
	x->reps = reps_for(size);
	units = (uint64_t)x->reps * per;
	min_units = path == P_VENDOR ? 64 : 1;
	/* Warm up: page faults and first-touch costs are not the driver's. */
	x->err = xfer_once(b, vdev, path == P_VENDOR ? P_RW : path, to_dev, 0, size, &warm);
	if (x->err)
		goto fail;
	emu_reset(&b->emu);
	t0 = now_ns();
	deadline = t0 + (quick ? 2 : 6) * 1000000000ull;
	for (i = 0; i < units; i++) {
		if (i >= min_units && now_ns() > deadline) {
			x->truncated = true;
			break;
		}
		x->err = xfer_once(b, vdev, path, to_dev, (i % per) * unit, unit, &x->calls);
		if (x->err)
			goto fail;
		x->bytes += unit;
	}
	x->wall_ns = now_ns() - t0;
	emu_read(&b->emu, x->c);
	return;
fail:
	msg("%s %s %llu bytes: %s", path_name[path], to_dev ? "h2d" : "d2h",
	    (unsigned long long)size, strerror(-x->err));
}

static void xfer_run(struct bench *b, struct akida_device *vdev, enum path path)
{
	for (unsigned int s = 0; s < nsizes; s++) {
		if (sizes[s] > b->xfer_size)
			continue;
		for (int to_dev = 1; to_dev >= 0; to_dev--) {
			xfer_measure(b, vdev, path, to_dev, sizes[s]);
			msg("  %-9s %s %8llu B: %llu bytes%s", path_name[path],
			    to_dev ? "h2d" : "d2h", (unsigned long long)sizes[s],
			    (unsigned long long)xfers[nxfers - 1].bytes,
			    xfers[nxfers - 1].truncated ? " (time budget reached)" : "");
		}
	}
}

static void xfer_json(void)
{
	jp("\"transfers\":[");
	for (unsigned int i = 0; i < nxfers; i++) {
		struct xfer *x = &xfers[i];
		double bytes = (double)x->bytes;

		jp("{\"path\":\"%s\",\"dir\":\"%s\",\"size\":%llu,\"reps\":%u,"
		   "\"bytes\":%.0f,\"truncated\":%s,\"calls\":%llu,\"error\":%d,"
		   "\"wall_ns\":%llu,",
		   path_name[x->path], x->to_dev ? "h2d" : "d2h",
		   (unsigned long long)x->size, x->reps, bytes,
		   x->truncated ? "true" : "false",
		   (unsigned long long)x->calls, x->err,
		   (unsigned long long)x->wall_ns);
		if (!x->err && x->c[C_MODELED_NS])
			jp("\"modeled_mbps\":%.2f,", bytes * 1000.0 / x->c[C_MODELED_NS]);
		else
			jp("\"modeled_mbps\":null,");
		if (!x->err && x->wall_ns)
			jp("\"wall_mbps\":%.2f,", bytes * 1000.0 / x->wall_ns);
		else
			jp("\"wall_mbps\":null,");
		jcounters("counters", x->c);
		jclose('}');
	}
	jclose(']');
}

/* ---- jobs ---------------------------------------------------------------- */

/* A program in device memory with MAX_QD slots of batch inputs/outputs. */
struct model {
	const char *name;
	struct akida_program *prog;
	const void *image;
	size_t image_len;
	uint32_t in_bytes, out_bytes;
	unsigned int batch;
	uint64_t base, size;
	uint64_t prog_addr;
	uint64_t in_addr[MAX_QD], out_addr[MAX_QD];
	uint8_t *in[MAX_QD], *out[MAX_QD];
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int dev_alloc(struct bench *b, uint64_t size, uint64_t *addr)
{
	struct akida_mem_alloc a = { .size = size };

	if (ioctl(b->fd, AKIDA_IOCTL_MEM_ALLOC, &a))
		return -errno;
	*addr = a.addr;
	return 0;
}

static void dev_free(struct bench *b, uint64_t addr)
{
	struct akida_mem_free f = { .addr = addr };

	if (addr)
		ioctl(b->fd, AKIDA_IOCTL_MEM_FREE, &f);
}

static int dma1(struct bench *b, int to_dev, const void *buf, uint64_t addr, uint64_t len)
{
	struct akida_dma_entry e = {
		.user_ptr = (uintptr_t)buf, .dev_addr = addr, .size = len,
		.dir = to_dev ? AKIDA_DIR_TO_DEVICE : AKIDA_DIR_FROM_DEVICE,
	};
	struct akida_dma d = { .entries = (uintptr_t)&e, .count = 1 };

	return ioctl(b->fd, AKIDA_IOCTL_DMA, &d) ? -errno : 0;
}

static int model_init(struct bench *b, struct model *m, const char *name,
		      const uint32_t *shape, unsigned int layers,
		      const uint8_t *wbits, unsigned int batch)
{
	struct akida_random_spec spec = {
		.layers = layers, .sizes = shape, .weight_bits = wbits,
	};
	uint64_t off;
	int ret, i;

	memset(m, 0, sizeof(*m));
	m->name = name;
	ret = akida_program_random(0xbe7c + layers, &spec, &m->prog);
	if (ret) {
		msg("building %s: %s", name, akida_error_message());
		return ret;
	}
	m->image = akida_program_image(m->prog, &m->image_len);
	m->in_bytes = akida_program_input_bytes(m->prog);
	m->out_bytes = akida_program_output_bytes(m->prog);
	m->batch = batch;
	off = align_up(m->image_len, 4096);
	for (i = 0; i < MAX_QD; i++) {
		m->in_addr[i] = off;
		off = align_up(off + (uint64_t)batch * m->in_bytes, 4096);
		m->out_addr[i] = off;
		off = align_up(off + (uint64_t)batch * m->out_bytes, 4096);
		m->in[i] = aligned_alloc(4096, align_up((uint64_t)batch * m->in_bytes, 4096));
		m->out[i] = aligned_alloc(4096, align_up((uint64_t)batch * m->out_bytes, 4096));
		if (!m->in[i] || !m->out[i])
			return -ENOMEM;
		akida_random_bytes(0x1000 + i, m->in[i], (size_t)batch * m->in_bytes);
		memset(m->out[i], 0, (size_t)batch * m->out_bytes);
	}
	m->size = off;
	ret = dev_alloc(b, m->size, &m->base);
	if (ret) {
		msg("AKIDA_IOCTL_MEM_ALLOC %llu bytes for %s: %s",
		    (unsigned long long)m->size, name, strerror(-ret));
		return ret;
	}
	m->prog_addr = m->base;
	for (i = 0; i < MAX_QD; i++) {
		m->in_addr[i] += m->base;
		m->out_addr[i] += m->base;
	}
	ret = dma1(b, 1, m->image, m->prog_addr, m->image_len);
	if (ret)
		msg("writing the image of %s: %s", name, strerror(-ret));
	return ret;
}

static void model_fini(struct bench *b, struct model *m)
{
	dev_free(b, m->base);
	akida_program_free(m->prog);
	for (int i = 0; i < MAX_QD; i++) {
		free(m->in[i]);
		free(m->out[i]);
	}
	memset(m, 0, sizeof(*m));
}

/* Job of slot @slot over @batch inputs, with entries @ent[2]. */
static void job_fill(struct model *m, unsigned int slot, unsigned int batch,
		     uint32_t flags, struct akida_job_submit *s,
		     struct akida_dma_entry *ent)
{
	memset(s, 0, sizeof(*s));
	memset(ent, 0, 2 * sizeof(*ent));
	ent[0].user_ptr = (uintptr_t)m->in[slot];
	ent[0].dev_addr = m->in_addr[slot];
	ent[0].size = (uint64_t)batch * m->in_bytes;
	ent[0].dir = AKIDA_DIR_TO_DEVICE;
	ent[1].user_ptr = (uintptr_t)m->out[slot];
	ent[1].dev_addr = m->out_addr[slot];
	ent[1].size = (uint64_t)batch * m->out_bytes;
	ent[1].dir = AKIDA_DIR_FROM_DEVICE;
	s->flags = flags;
	if (flags & AKIDA_JOB_PROGRAM) {
		s->program_addr = m->prog_addr;
		s->program_size = m->image_len;
	}
	s->batch = batch;
	s->input_size = m->in_bytes;
	s->input_addr = m->in_addr[slot];
	s->output_addr = m->out_addr[slot];
	s->output_size = m->out_bytes;
	s->in_count = 1;
	s->in_dma = (uintptr_t)&ent[0];
	s->out_count = 1;
	s->out_dma = (uintptr_t)&ent[1];
	s->user_data = slot;
}

/* A collected job's status, said when it failed. */
static int job_status(const struct akida_job_wait *w)
{
	if (w->status)
		msg("job %llu failed at step %u: %s (NPU error %u)",
		    (unsigned long long)w->job_id, w->failed_step,
		    strerror(-w->status), w->npu_error);
	return w->status;
}

static int job_wait(struct bench *b, uint64_t id, struct akida_job_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->job_id = id;
	w->flags = id ? 0 : AKIDA_WAIT_ANY;
	w->timeout_ns = now_ns() + JOB_TIMEOUT_MS * 1000000ull;
	if (ioctl(b->fd, AKIDA_IOCTL_JOB_WAIT, w))
		return -errno;
	return job_status(w);
}

/* Submit and wait for one job; its wait record in @w. */
static int job_run(struct bench *b, struct akida_job_submit *s, struct akida_job_wait *w)
{
	if (ioctl(b->fd, AKIDA_IOCTL_JOB_SUBMIT, s))
		return -errno;
	return job_wait(b, s->job_id, w);
}

/* The same in one system call (AKIDA_IOCTL_JOB_RUN). */
static int job_run1(struct bench *b, struct akida_job_submit *s, struct akida_job_wait *w)
{
	struct akida_job_run r = { .submit = *s };

	r.wait.timeout_ns = now_ns() + JOB_TIMEOUT_MS * 1000000ull;
	if (ioctl(b->fd, AKIDA_IOCTL_JOB_RUN, &r))
		return -errno;
	*w = r.wait;
	return job_status(w);
}

struct infer_run {
	const char *kind;	/* "latency", "latency-2call" or "throughput" */
	unsigned int batch, qd, jobs;
	uint64_t inferences;
	uint64_t syscalls;	/* submits + waits on the critical path */
	long long irqs;		/* -1: no interrupt line found */
	uint64_t wall_ns;
	uint64_t lat_min_ns, lat_med_ns, lat_max_ns;	/* submit to wait return */
	uint64_t job_npu_ns;	/* sum of akida_job_wait.npu_ns */
	uint64_t c[C_NUM];
	int err;
};

static struct infer_run runs[MAX_RUNS];
static unsigned int nruns;
static int outputs_ok = -1;
static char infer_model[64];

/* Wall-clock budget of one inference run (a loaded host slows TCG down). */
static uint64_t run_deadline(void)
{
	return now_ns() + (quick ? 3 : 10) * 1000000000ull;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Latency of one input: @n jobs of batch 1, one at a time, each in one
 * system call (@one_call: AKIDA_IOCTL_JOB_RUN) or two (JOB_SUBMIT, then
 * JOB_WAIT).
 */
static void infer_latency(struct bench *b, struct model *m, unsigned int n, bool one_call)
{
	struct infer_run *r = &runs[nruns++];
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct akida_job_wait w;
	uint64_t *lat = calloc(n, sizeof(*lat));
	uint64_t t0, deadline;
	long long i0;

	memset(r, 0, sizeof(*r));
	r->kind = one_call ? "latency" : "latency-2call";
	r->batch = 1;
	r->qd = 1;
	if (!lat) {
		r->err = -ENOMEM;
		return;
	}
	emu_reset(&b->emu);
	i0 = irq_count(b->name);
	t0 = now_ns();
	deadline = run_deadline();
	for (unsigned int j = 0; j < n; j++) {
		uint64_t t = now_ns();

		if (j >= MIN_JOBS && t > deadline)
			break;

		job_fill(m, 0, 1, 0, &s, ent);
		r->err = one_call ? job_run1(b, &s, &w) : job_run(b, &s, &w);
		r->syscalls += one_call ? 1 : 2;
		if (r->err)
			break;
		lat[j] = now_ns() - t;
		r->job_npu_ns += w.npu_ns;
		r->jobs++;
		r->inferences += w.inputs_done;
	}
	r->wall_ns = now_ns() - t0;
	emu_read(&b->emu, r->c);
	r->irqs = i0 < 0 ? -1 : irq_count(b->name) - i0;
	if (r->jobs) {
		qsort(lat, r->jobs, sizeof(*lat), cmp_u64);
		r->lat_min_ns = lat[0];
		r->lat_med_ns = lat[r->jobs / 2];
		r->lat_max_ns = lat[r->jobs - 1];
	}
	free(lat);
}

/* Throughput: @n jobs of @batch inputs, @qd of them submitted at any time. */
static void infer_throughput(struct bench *b, struct model *m, unsigned int batch,
			     unsigned int qd, unsigned int n)
{
	struct infer_run *r = &runs[nruns++];
	struct akida_dma_entry ent[MAX_QD][2];
	struct akida_job_submit s[MAX_QD];
	unsigned int submitted = 0, done = 0, inflight = 0, slot;
	struct akida_job_wait w;
	uint64_t t0, deadline;
	long long i0;

	memset(r, 0, sizeof(*r));
	r->kind = "throughput";
	r->batch = batch;
	if (qd > b->info.max_file_jobs)
		qd = b->info.max_file_jobs;
	r->qd = qd;
	emu_reset(&b->emu);
	i0 = irq_count(b->name);
	t0 = now_ns();
	deadline = run_deadline();
	for (slot = 0; slot < qd && submitted < n; slot++, submitted++, inflight++) {
		job_fill(m, slot, batch, 0, &s[slot], ent[slot]);
		r->syscalls++;
		if (ioctl(b->fd, AKIDA_IOCTL_JOB_SUBMIT, &s[slot])) {
			r->err = -errno;
			goto out;
		}
	}
	while (done < n && inflight) {
		r->syscalls++;
		r->err = job_wait(b, 0, &w);
		if (r->err)
			goto out;
		inflight--;
		done++;
		r->jobs++;
		r->inferences += w.inputs_done;
		r->job_npu_ns += w.npu_ns;
		slot = (unsigned int)w.user_data;
		if (submitted >= MIN_JOBS && now_ns() > deadline)
			n = submitted;	/* the budget is spent: drain */
		if (submitted < n) {
			job_fill(m, slot, batch, 0, &s[slot], ent[slot]);
			r->syscalls++;
			if (ioctl(b->fd, AKIDA_IOCTL_JOB_SUBMIT, &s[slot])) {
				r->err = -errno;
				goto out;
			}
			submitted++;
			inflight++;
		}
	}
out:
	r->wall_ns = now_ns() - t0;
	emu_read(&b->emu, r->c);
	r->irqs = i0 < 0 ? -1 : irq_count(b->name) - i0;
	/* Collect what an error left behind. */
	while (inflight--)
		job_wait(b, 0, &w);
	if (r->err)
		msg("throughput batch %u qd %u: %s", batch, qd, strerror(-r->err));
}

static int infer_section(struct bench *b)
{
	static const uint32_t shape[] = { 784, 128, 64, 10 };
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct akida_job_wait w;
	unsigned int n = quick ? 8 : 100;
	unsigned int batch = 8;
	uint8_t *gold;
	struct model m;
	int ret;

	if (!(b->info.caps & AKIDA_CAP_JOBS)) {
		msg("the driver does not offer jobs (caps %#llx)",
		    (unsigned long long)b->info.caps);
		return -ENOTSUP;
	}
	if (batch > b->info.max_batch)
		batch = b->info.max_batch;
	snprintf(infer_model, sizeof(infer_model), "784-128-64-10 (8-bit weights)");
	ret = model_init(b, &m, infer_model, shape, 3, NULL, batch);
	if (ret)
		goto out;
	/* Load the program with a first job, and check its output. */
	job_fill(&m, 0, 1, AKIDA_JOB_PROGRAM, &s, ent);
	ret = job_run(b, &s, &w);
	if (ret) {
		msg("first job: %s", strerror(-ret));
		goto out;
	}
	gold = malloc(m.out_bytes);
	if (gold && !akida_program_run(m.prog, m.in[0], 1, gold))
		outputs_ok = !memcmp(gold, m.out[0], m.out_bytes);
	free(gold);
	if (b->info.caps & AKIDA_CAP_JOB_RUN) {
		msg("  inference latency, %u jobs, one system call each", n);
		infer_latency(b, &m, n, true);
	}
	msg("  inference latency, %u jobs, submit then wait", n);
	infer_latency(b, &m, n, false);
	for (unsigned int k = 0; k < 2; k++) {
		unsigned int bt = k ? batch : 1;

		if (k && batch == 1)
			break;
		for (unsigned int qd = 1; qd <= MAX_QD; qd *= 2) {
			msg("  inference throughput batch %u qd %u, %u jobs", bt, qd, n);
			infer_throughput(b, &m, bt, qd, n);
		}
	}
out:
	model_fini(b, &m);
	return ret;
}

static void infer_json(void)
{
	jp("\"inference\":{\"model\":\"%s\",\"outputs_match_golden\":%s,\"runs\":[",
	   infer_model, outputs_ok < 0 ? "null" : outputs_ok ? "true" : "false");
	for (unsigned int i = 0; i < nruns; i++) {
		struct infer_run *r = &runs[i];

		jp("{\"kind\":\"%s\",\"batch\":%u,\"queue_depth\":%u,\"jobs\":%u,"
		   "\"inferences\":%llu,\"syscalls\":%llu,\"irqs\":%lld,\"error\":%d,"
		   "\"wall_ns\":%llu,\"lat_min_ns\":%llu,\"lat_med_ns\":%llu,"
		   "\"lat_max_ns\":%llu,\"job_npu_ns\":%llu,",
		   r->kind, r->batch, r->qd, r->jobs,
		   (unsigned long long)r->inferences, (unsigned long long)r->syscalls,
		   r->irqs, r->err, (unsigned long long)r->wall_ns,
		   (unsigned long long)r->lat_min_ns, (unsigned long long)r->lat_med_ns,
		   (unsigned long long)r->lat_max_ns, (unsigned long long)r->job_npu_ns);
		jcounters("counters", r->c);
		jclose('}');
	}
	jclose(']');
	jclose('}');
}

/* ---- weight update against program reload ------------------------------------ */

struct wu_phase {
	uint64_t wall_ns;	/* per repetition: DMA of the data + the job */
	uint64_t dma_wall_ns;
	uint64_t dma_modeled_ns;
	uint64_t job_wall_ns;
	uint64_t job_npu_ns;	/* akida_job_wait.npu_ns */
	uint64_t c[C_NUM];	/* of the whole phase */
};

#define WU_LAYERS	4

struct wu {
	char name[64];
	size_t image_bytes;
	unsigned int layers;
	size_t weight_bytes[WU_LAYERS];
	uint64_t macs;
	unsigned int reps;
	struct wu_phase plain, update[WU_LAYERS], reload;
	int err;
};

static struct wu wus[4];
static unsigned int nwus;

/*
 * @reps times: DMA @len bytes of @data to @addr (if @len), then run @flags
 * job on one input. Averages in @p.
 */
static int wu_phase(struct bench *b, struct model *m, struct wu *u, uint32_t flags,
		    unsigned int layer, const void *data, uint64_t addr, size_t len,
		    struct wu_phase *p)
{
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct akida_job_wait w;
	uint64_t t0, t1, dma_modeled = 0;
	uint64_t c[C_NUM];
	int ret = 0;

	/*
	 * Repetition 0 is a warm-up, not counted: the driver reloads the
	 * program before the first job whose weights differ from those applied
	 * by the previous job (a job's weight update applies to that job's
	 * program only), which is a cost of switching, not of the operation.
	 */
	for (unsigned int i = 0; i <= u->reps; i++) {
		if (i == 1) {
			memset(p, 0, sizeof(*p));
			dma_modeled = 0;
			emu_reset(&b->emu);
		}
		t0 = now_ns();
		if (len) {
			emu_read(&b->emu, c);
			dma_modeled -= c[C_MODELED_NS];
			ret = dma1(b, 1, data, addr, len);
			emu_read(&b->emu, c);
			dma_modeled += c[C_MODELED_NS];
			if (ret)
				return ret;
		}
		t1 = now_ns();
		job_fill(m, 0, 1, flags, &s, ent);
		if (flags & AKIDA_JOB_WEIGHTS) {
			s.weight_addr = addr;
			s.weight_size = len;
			s.weight_layer = layer;
		}
		ret = job_run(b, &s, &w);
		if (ret)
			return ret;
		p->dma_wall_ns += t1 - t0;
		p->job_wall_ns += now_ns() - t1;
		p->wall_ns += now_ns() - t0;
		p->job_npu_ns += w.npu_ns;
	}
	emu_read(&b->emu, p->c);
	p->dma_modeled_ns = dma_modeled / u->reps;
	p->dma_wall_ns /= u->reps;
	p->job_wall_ns /= u->reps;
	p->wall_ns /= u->reps;
	p->job_npu_ns /= u->reps;
	for (int i = 0; i < C_NUM; i++)
		p->c[i] /= u->reps;
	return 0;
}

static void wu_one(struct bench *b, const char *name, const uint32_t *shape,
		   unsigned int layers, const uint8_t *wbits)
{
	struct wu *u = &wus[nwus++];
	struct akida_dma_entry ent[2];
	struct akida_job_submit s;
	struct akida_job_wait w;
	struct akida_layer_info li;
	const void *wdata;
	uint64_t waddr = 0;
	struct model m;
	size_t wlen = 0, wmax = 0;
	unsigned int l;
	int ret;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->reps = quick ? 2 : 10;
	u->layers = layers < WU_LAYERS ? layers : WU_LAYERS;
	ret = model_init(b, &m, name, shape, layers, wbits, 1);
	if (ret)
		goto out;
	u->image_bytes = m.image_len;
	u->macs = akida_program_macs(m.prog);
	for (l = 0; l < u->layers; l++) {
		ret = akida_program_layer(m.prog, l, &li);
		if (ret)
			goto out;
		u->weight_bytes[l] = li.weight_bytes;
		if (li.weight_bytes > wmax)
			wmax = li.weight_bytes;
	}
	ret = dev_alloc(b, wmax, &waddr);
	if (ret)
		goto out;
	/* Load the program once (and fail early if it does not fit). */
	job_fill(&m, 0, 1, AKIDA_JOB_PROGRAM, &s, ent);
	ret = job_run(b, &s, &w);
	if (ret) {
		msg("%s: loading the program (%zu bytes): %s", name, m.image_len,
		    strerror(-ret));
		goto out;
	}
	ret = wu_phase(b, &m, u, 0, 0, NULL, 0, 0, &u->plain);
	for (l = 0; !ret && l < u->layers; l++) {
		wdata = akida_program_layer_weights(m.prog, l, &wlen);
		if (!wdata || wlen != u->weight_bytes[l]) {
			msg("%s: no weights for layer %u", name, l);
			ret = -EINVAL;
			break;
		}
		ret = wu_phase(b, &m, u, AKIDA_JOB_WEIGHTS, l, wdata, waddr, wlen,
			       &u->update[l]);
	}
	if (!ret)
		ret = wu_phase(b, &m, u, AKIDA_JOB_PROGRAM | AKIDA_JOB_FORCE_LOAD, 0,
			       m.image, m.prog_addr, m.image_len, &u->reload);
	if (ret)
		msg("%s: %s", name, strerror(-ret));
out:
	u->err = ret;
	dev_free(b, waddr);
	model_fini(b, &m);
}

static void wu_section(struct bench *b)
{
	static const uint32_t mnist[] = { 784, 128, 64, 10 };
	static const uint32_t big[] = { 1024, 512, 256, 10 };

	if (!(b->info.caps & AKIDA_CAP_WEIGHT_UPDATE)) {
		msg("the driver does not offer weight updates (caps %#llx)",
		    (unsigned long long)b->info.caps);
		return;
	}
	msg("  weight update / reload: 784-128-64-10");
	wu_one(b, "784-128-64-10 (8-bit)", mnist, 3, NULL);
	msg("  weight update / reload: 1024-512-256-10");
	wu_one(b, "1024-512-256-10 (8-bit)", big, 3, NULL);
}

static void wu_phase_json(const char *key, const struct wu_phase *p)
{
	jp("\"%s\":{\"wall_ns\":%llu,\"dma_wall_ns\":%llu,\"dma_modeled_ns\":%llu,"
	   "\"job_wall_ns\":%llu,\"job_npu_ns\":%llu,",
	   key, (unsigned long long)p->wall_ns, (unsigned long long)p->dma_wall_ns,
	   (unsigned long long)p->dma_modeled_ns, (unsigned long long)p->job_wall_ns,
	   (unsigned long long)p->job_npu_ns);
	jcounters("counters_per_rep", p->c);
	jclose('}');
}

static void wu_json(void)
{
	jp("\"weights\":[");
	for (unsigned int i = 0; i < nwus; i++) {
		struct wu *u = &wus[i];

		jp("{\"model\":\"%s\",\"image_bytes\":%zu,\"macs\":%llu,\"reps\":%u,"
		   "\"error\":%d,", u->name, u->image_bytes, (unsigned long long)u->macs,
		   u->reps, u->err);
		wu_phase_json("plain", &u->plain);
		jp("\"updates\":[");
		for (unsigned int l = 0; l < u->layers; l++) {
			jp("{\"layer\":%u,\"weight_bytes\":%zu,", l, u->weight_bytes[l]);
			wu_phase_json("update", &u->update[l]);
			jclose('}');
		}
		jclose(']');
		wu_phase_json("reload", &u->reload);
		jclose('}');
	}
	jclose(']');
}

/* ---- VFIO ---------------------------------------------------------------------- */

static int vfio_section(struct bench *b, char *why, size_t whylen)
{
	struct akida_device *vdev = NULL;
	const struct akida_caps *caps;
	int ret, ret2, i;
	uint64_t addr;

	if (system("modprobe vfio-pci >/dev/null 2>&1; "
		   "modprobe vfio_iommu_type1 >/dev/null 2>&1") < 0 ||
	    access("/sys/bus/pci/drivers/vfio-pci", F_OK)) {
		snprintf(why, whylen, "vfio-pci is not available");
		return -ENOENT;
	}
	emu_close(&b->emu);
	ret = pci_rebind(b->bdf, "vfio-pci");
	if (ret) {
		snprintf(why, whylen, "binding %s to vfio-pci: %s", b->bdf, strerror(-ret));
		goto rebind;
	}
	for (i = 0; i < 50 && access("/dev/vfio/vfio", F_OK); i++)
		usleep(100000);
	ret = akida_open(b->bdf, AKIDA_BACKEND_VFIO, &vdev);
	if (ret) {
		snprintf(why, whylen, "akida_open(vfio): %s", akida_error_message());
		goto rebind;
	}
	b->emu.vdev = vdev;
	ret = emu_check(&b->emu);
	if (ret) {
		snprintf(why, whylen, "no test window through the VFIO backend");
		goto rebind;
	}
	caps = akida_device_caps(vdev);
	ret = akida_mem_alloc(vdev, b->xfer_size, &addr);
	if (ret) {
		snprintf(why, whylen, "akida_mem_alloc(vfio): %s", akida_error_message());
		goto rebind;
	}
	b->vfio_iommu = caps->features & AKIDA_FEAT_IOMMU;
	/* xfer_once() adds offsets to b->xfer_addr: point it at this allocation. */
	b->xfer_addr = addr;
	xfer_run(b, vdev, P_VFIO);
	akida_mem_free(vdev, addr);
	b->vfio_done = true;
rebind:
	if (vdev)
		akida_close(vdev);
	emu_close(&b->emu);
	ret2 = pci_rebind(b->bdf, "");
	if (ret2) {
		msg("rebinding %s: %s", b->bdf, strerror(-ret2));
		return ret2;
	}
	for (i = 0; i < 50 && access(b->node, F_OK); i++)
		usleep(100000);
	return ret;
}

/* ---- main ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--quick] [--no-vfio] [--device akidaN]\n"
		"Benchmark akida_pcie on the emulated AKD1000 (as root in the test guest);\n"
		"prints JSON between AKIDA_BENCH_JSON_BEGIN and AKIDA_BENCH_JSON_END.\n",
		prog_name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "no-vfio", no_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .fd = -1, .emu = { .fd = -1 } };
	char vfio_why[256] = "", drv[64];
	const char *want = NULL;
	bool do_vfio = true;
	uint64_t t_start = now_ns();
	struct utsname uts;
	int c, ret, timing;
	long long irq0;

	while ((c = getopt_long(argc, argv, "qnd:h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			break;
		case 'n':
			do_vfio = false;
			break;
		case 'd':
			want = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (geteuid()) {
		msg("needs root (the emulator's window is reached through sysfs)");
		return 1;
	}
	if (find_device(&b, want)) {
		msg("no %s bound to akida_pcie", want ? want : "/dev/akidaN");
		return 1;
	}
	ret = emu_open(&b.emu, b.bdf);
	if (ret) {
		msg("the emulator's test window at %s resource0 + %#x: %s "
		    "(this benchmark needs the emulated AKD1000)", b.bdf,
		    AKIDA_EMU_WINDOW, strerror(-ret));
		return 1;
	}
	if (dev_open(&b))
		return 1;
	b.buf = aligned_alloc(4096, b.xfer_size);
	if (!b.buf) {
		msg("out of memory");
		return 1;
	}
	akida_random_bytes(1, b.buf, b.xfer_size);
	timing = (int)emu_rd(&b.emu, AKIDA_EMU_TIMING);
	irq0 = irq_count(b.name);
	uname(&uts);
	msg("%s at %s, %s, driver DMA %s the IOMMU, emulator timing %s",
	    b.node, b.bdf, uts.release,
	    b.info.caps & AKIDA_CAP_IOMMU ? "through" : "NOT through",
	    timing ? "modeled" : "immediate");

	for (uint64_t s = 4 * KIB; s <= (quick ? 256 * KIB : 16 * MIB) && nsizes < MAX_SIZES;
	     s *= 4)
		sizes[nsizes++] = s;

	msg("transfers");
	xfer_run(&b, NULL, P_RW);
	xfer_run(&b, NULL, P_DMA);
	xfer_run(&b, NULL, P_VENDOR);
	msg("inference");
	infer_section(&b);
	msg("weights");
	wu_section(&b);

	close(b.fd);
	b.fd = -1;
	if (do_vfio) {
		msg("VFIO (device moved to vfio-pci, then back)");
		vfio_section(&b, vfio_why, sizeof(vfio_why));
		if (vfio_why[0])
			msg("VFIO part not run completely: %s", vfio_why);
	} else {
		snprintf(vfio_why, sizeof(vfio_why), "--no-vfio");
	}
	pci_driver(b.bdf, drv, sizeof(drv));
	for (char *q = vfio_why; *q; q++)
		if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20)
			*q = '\'';

	jp("{\"version\":1,\"meta\":{");
	jp("\"kernel\":\"%s\",\"device\":\"%s\",\"bdf\":\"%s\",\"quick\":%s,",
	   uts.release, b.node, b.bdf, quick ? "true" : "false");
	jp("\"iommu\":%s,\"emu_timing\":\"%s\",\"caps\":%llu,\"np_count\":%u,"
	   "\"sram_size\":%llu,\"mem_size\":%llu,\"queue_depth\":%u,"
	   "\"max_file_jobs\":%u,\"max_batch\":%u,\"dma_h2d_channels\":%u,"
	   "\"dma_d2h_channels\":%u,",
	   b.info.caps & AKIDA_CAP_IOMMU ? "true" : "false",
	   timing ? "modeled" : "immediate", (unsigned long long)b.info.caps,
	   b.info.np_count, (unsigned long long)b.info.sram_size,
	   (unsigned long long)b.info.mem_size, b.info.queue_depth,
	   b.info.max_file_jobs, b.info.max_batch, b.info.dma_h2d_channels,
	   b.info.dma_d2h_channels);
	jp("\"link_mbps\":%.1f,\"element_ns\":%d,\"vendor_chunk\":%d,",
	   LINK_MBPS, ELEMENT_NS, VENDOR_CHUNK);
	jp("\"vfio_run\":%s,\"vfio_iommu\":%s,\"vfio_note\":\"%s\",\"driver_after\":\"%s\",",
	   b.vfio_done ? "true" : "false", b.vfio_iommu ? "true" : "false", vfio_why, drv);
	jp("\"irq_name\":\"%s\",\"irq_line_found\":%s,\"elapsed_ns\":%llu,",
	   b.name, irq0 < 0 ? "false" : "true",
	   (unsigned long long)(now_ns() - t_start));
	jp("\"paths\":{");
	for (int p = 0; p < P_NUM; p++)
		jp("\"%s\":\"%s\",", path_name[p], path_desc[p]);
	jclose('}');
	jclose('}');
	xfer_json();
	infer_json();
	wu_json();
	json_len--;	/* the last comma */
	jp("}");
	fflush(stderr);
	printf("AKIDA_BENCH_JSON_BEGIN\n%s\nAKIDA_BENCH_JSON_END\n", json);
	fflush(stdout);
	free(json);
	free(b.buf);
	return 0;
}
