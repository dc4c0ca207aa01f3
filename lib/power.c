// SPDX-License-Identifier: MIT
/*
 * libakida: keeping a device in D0 for users of its sysfs resource files.
 *
 * akida_pcie lets an idle device drop to D3hot (runtime PM). Its own users
 * (read(), write(), ioctls, mmap() of /dev/akidaN) wake it; an mmap of
 * sysfs resourceN does not, so the mmap backend, the benchmark and the
 * tests hold the device in D0 through power/control while they use one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "akida_internal.h"

static int write_str(const char *path, const char *s)
{
	ssize_t n, len = (ssize_t)strlen(s);
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	err = errno;
	close(fd);
	return n == len ? 0 : -(n < 0 ? err : EIO);
}

int akida_d0_hold(const char *sysfs_root, const char *bdf, struct akida_d0_hold *h)
{
	char path[sizeof(h->path)];
	int ret;

	h->path[0] = 0;
	h->saved[0] = 0;
	if (snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/power/control",
		     akida_sysfs_root(sysfs_root), bdf) >= (int)sizeof(path))
		return akida_fail(AKIDA_ERR_INVALID, ENAMETOOLONG,
				  "sysfs path too long for %s", bdf);
	ret = akida_read_sysfs(path, h->saved, sizeof(h->saved));
	if (ret == -ENOENT)
		return 0;	/* no runtime PM: always in D0 */
	if (ret)
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, -ret,
				  "cannot read %s: %s", path, strerror(-ret));
	if (!strcmp(h->saved, "on"))
		return 0;
	/* Writing "on" resumes the device before it returns. */
	ret = write_str(path, "on");
	if (ret)
		return akida_fail(AKIDA_ERR_BACKEND_UNAVAILABLE, -ret, "cannot keep %s in D0 through %s: %s%s", bdf,
				  path, strerror(-ret), ret == -EACCES ? " (needs root)" : "");
	memcpy(h->path, path, sizeof(path));
	return 0;
}

void akida_d0_release(struct akida_d0_hold *h)
{
	if (h->path[0])
		write_str(h->path, h->saved);
	h->path[0] = 0;
}
