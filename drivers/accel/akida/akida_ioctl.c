// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: the ioctl interface (include/uapi/linux/akida.h).
 */
#include <linux/fs.h>

#include "akida_drv.h"
#include "akida_job.h"

long akida_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return -ENOTTY;
}
