// SPDX-License-Identifier: MIT
/*
 * libakida: live counters of a device bound to akida_pcie, for monitors
 * such as `akida top`.
 *
 * sysfs gives what it has without an open file (the eDMA statistics, the
 * health, runtime PM); the job counters exist only in AKIDA_IOCTL_GET_STATS,
 * which a read-only file may call. The file is opened for that one call and
 * closed again: a monitor that kept it open would hold the module (rmmod
 * fails "in use") and show up in every other user's open_files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/akida.h>

#include "akida_internal.h"

static int sample_fail(const struct akida_device_info *d, const char *what, int err)
{
	if (err == EACCES || err == EPERM)
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, err,
				  "%s: %s: %s (read access is enough: add your user to the "
				  "'akida' group, udev rule 60-akida.rules, or run as root)",
				  d->bdf, what, strerror(err));
	if (err == ENOENT || err == ENODEV || err == ENXIO)
		return akida_fail(AKIDA_ERR_NOT_FOUND, err,
				  "%s: %s: %s (was the device removed or unbound?)",
				  d->bdf, what, strerror(err));
	return akida_fail(akida_kind_from_errno(err), err, "%s: %s: %s", d->bdf, what,
			  strerror(err));
}

/* <root>/bus/pci/devices/<bdf>/@name into @buf; -errno on failure. */
static int read_attr(const struct akida_device_info *d, const char *name, char *buf,
		     size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", akida_sysfs_root(NULL),
		 d->bdf, name);
	return akida_read_sysfs(path, buf, len);
}

static int read_u64(const struct akida_device_info *d, const char *name, uint64_t *v)
{
	char buf[32], *end;
	int ret = read_attr(d, name, buf, sizeof(buf));

	if (ret)
		return sample_fail(d, name, -ret);
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (end == buf || *end || errno)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "%s: %s: not a number: \"%s\"",
				  d->bdf, name, buf);
	return 0;
}

static int read_stats(const struct akida_device_info *d, struct akida_stats *st)
{
	int fd, err = 0;

	fd = open(d->devnode, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sample_fail(d, d->devnode, errno);
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, AKIDA_IOCTL_GET_STATS, st))
		err = errno;
	close(fd);
	if (err)
		return sample_fail(d, "AKIDA_IOCTL_GET_STATS", err);
	return 0;
}

int akida_device_sample(const struct akida_device_info *d, struct akida_device_sample *s)
{
	struct akida_stats st;
	int ret;

	if (!d || !s)
		return akida_fail(AKIDA_ERR_INVALID, EINVAL, "no device or sample");
	if (strcmp(d->driver, "akida_pcie") || !d->devnode[0])
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, ENXIO,
				  "%s is %s%s, not bound to akida_pcie: no counters to read",
				  d->bdf, d->driver[0] ? "bound to " : "not bound", d->driver);
	memset(s, 0, sizeof(*s));
	s->time_ns = akida_time_ns();
	ret = read_stats(d, &st);
	if (!ret)
		ret = read_u64(d, "akida_dma/h2d_bytes", &s->h2d_bytes);
	if (!ret)
		ret = read_u64(d, "akida_dma/d2h_bytes", &s->d2h_bytes);
	if (!ret)
		ret = read_u64(d, "akida_dma/h2d_transfers", &s->h2d_transfers);
	if (!ret)
		ret = read_u64(d, "akida_dma/d2h_transfers", &s->d2h_transfers);
	if (ret)
		return ret;
	ret = read_attr(d, "akida_health", s->health, sizeof(s->health));
	if (ret)
		return sample_fail(d, "akida_health", -ret);
	/* Absent without CONFIG_PM: left "". */
	read_attr(d, "power/runtime_status", s->runtime_status, sizeof(s->runtime_status));

	s->jobs_submitted = st.device.jobs_submitted;
	s->jobs_completed = st.device.jobs_completed;
	s->jobs_failed = st.device.jobs_failed;
	s->jobs_pending = st.device.jobs_pending;
	s->inferences = st.device.inferences;
	s->npu_busy_ns = st.device.npu_busy_ns;
	/* ours is closed again */
	s->open_files = st.device.open_files ? st.device.open_files - 1 : 0;
	return 0;
}
