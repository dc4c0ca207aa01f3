// SPDX-License-Identifier: GPL-2.0
/*
 * akida_pcie: read-only attributes of the PCI device
 * (Documentation/ABI/testing/sysfs-driver-akida). The driver core adds them
 * after probe and removes them before remove, so the device is bound while
 * they are read.
 */
#include <linux/device.h>
#include <linux/math64.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "akida_drv.h"
#include "akida_regs.h"

/* INFER_START takes a batch of 1..65535 inputs. */
#define AKIDA_MAX_BATCH		65535

static struct akida_dev *to_akida(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static ssize_t akida_chip_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%s\n", to_akida(dev)->info->name);
}
static DEVICE_ATTR_RO(akida_chip);

static ssize_t akida_np_count_show(struct device *dev, struct device_attribute *attr,
				   char *buf)
{
	return sysfs_emit(buf, "%u\n", to_akida(dev)->np_count);
}
static DEVICE_ATTR_RO(akida_np_count);

static ssize_t akida_sram_size_show(struct device *dev, struct device_attribute *attr,
				    char *buf)
{
	return sysfs_emit(buf, "%u\n", to_akida(dev)->sram_size);
}
static DEVICE_ATTR_RO(akida_sram_size);

static ssize_t akida_clock_mode_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	struct akida_dev *adev = to_akida(dev);
	int idx, ret;
	u32 mode;

	/* In D3hot: the mode the NPU gets back when it resumes. */
	if (!akida_pm_get_if_active(adev)) {
		mutex_lock(&adev->job.clock_lock);
		mode = adev->job.clock_mode;
		mutex_unlock(&adev->job.clock_lock);
		return sysfs_emit(buf, "%u\n", mode);
	}
	ret = akida_dev_enter(adev, &idx);
	if (ret) {
		akida_pm_put_quiet(adev);
		return ret;
	}
	mode = readl(adev->bar0 + AKIDA_NPU_CLOCK_MODE);
	akida_dev_exit(adev, idx);
	akida_pm_put_quiet(adev);
	if (mode == U32_MAX)
		return -EIO;
	return sysfs_emit(buf, "%u\n", mode);
}
static DEVICE_ATTR_RO(akida_clock_mode);

static ssize_t akida_batch_size_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	return sysfs_emit(buf, "%u\n", AKIDA_MAX_BATCH);
}
static DEVICE_ATTR_RO(akida_batch_size);

static ssize_t akida_lpddr_size_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_akida(dev)->lpddr_size);
}
static DEVICE_ATTR_RO(akida_lpddr_size);

static ssize_t akida_dma_ram_base_show(struct device *dev, struct device_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "0x%08llx\n", to_akida(dev)->dma_ram_base);
}
static DEVICE_ATTR_RO(akida_dma_ram_base);

static ssize_t akida_dma_ram_size_show(struct device *dev, struct device_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_akida(dev)->dma_ram_size);
}
static DEVICE_ATTR_RO(akida_dma_ram_size);

static ssize_t akida_health_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	const char *reason, *state = akida_health(to_akida(dev), &reason);

	if (reason)
		return sysfs_emit(buf, "%s: %s\n", state, reason);
	return sysfs_emit(buf, "%s\n", state);
}
static DEVICE_ATTR_RO(akida_health);

static struct attribute *akida_attrs[] = {
	&dev_attr_akida_health.attr,
	&dev_attr_akida_chip.attr,
	&dev_attr_akida_np_count.attr,
	&dev_attr_akida_sram_size.attr,
	&dev_attr_akida_clock_mode.attr,
	&dev_attr_akida_batch_size.attr,
	&dev_attr_akida_lpddr_size.attr,
	&dev_attr_akida_dma_ram_base.attr,
	&dev_attr_akida_dma_ram_size.attr,
	NULL
};

static const struct attribute_group akida_group = {
	.attrs = akida_attrs,
};

/* DMA statistics: akida_dma/{h2d,d2h}_{transfers,bytes,aborts,timeouts}. */
struct akida_stat_attr {
	struct device_attribute attr;
	enum akida_dma_dir dir;
	size_t offset;		/* of the atomic64_t in struct akida_edma_stats */
};

static ssize_t akida_stat_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	struct akida_stat_attr *sa = container_of(attr, struct akida_stat_attr, attr);
	struct akida_edma_stats *st = &to_akida(dev)->edma.stats[sa->dir];
	atomic64_t *v = (atomic64_t *)((char *)st + sa->offset);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(v));
}

#define AKIDA_STAT(_name, _dir, _field) {					\
	.attr = __ATTR(_name, 0444, akida_stat_show, NULL),			\
	.dir = (_dir),								\
	.offset = offsetof(struct akida_edma_stats, _field),			\
}

static struct akida_stat_attr akida_stats[] = {
	AKIDA_STAT(h2d_transfers, AKIDA_DMA_TO_DEVICE, transfers),
	AKIDA_STAT(h2d_bytes, AKIDA_DMA_TO_DEVICE, bytes),
	AKIDA_STAT(h2d_aborts, AKIDA_DMA_TO_DEVICE, aborts),
	AKIDA_STAT(h2d_timeouts, AKIDA_DMA_TO_DEVICE, timeouts),
	AKIDA_STAT(d2h_transfers, AKIDA_DMA_FROM_DEVICE, transfers),
	AKIDA_STAT(d2h_bytes, AKIDA_DMA_FROM_DEVICE, bytes),
	AKIDA_STAT(d2h_aborts, AKIDA_DMA_FROM_DEVICE, aborts),
	AKIDA_STAT(d2h_timeouts, AKIDA_DMA_FROM_DEVICE, timeouts),
};

static struct attribute *akida_dma_attrs[] = {
	&akida_stats[0].attr.attr,
	&akida_stats[1].attr.attr,
	&akida_stats[2].attr.attr,
	&akida_stats[3].attr.attr,
	&akida_stats[4].attr.attr,
	&akida_stats[5].attr.attr,
	&akida_stats[6].attr.attr,
	&akida_stats[7].attr.attr,
	NULL
};

static const struct attribute_group akida_dma_group = {
	.name = "akida_dma",
	.attrs = akida_dma_attrs,
};

/* A counter of struct akida_dev (an atomic64_t), in decimal. */
struct akida_cnt_attr {
	struct device_attribute attr;
	size_t offset;		/* of the atomic64_t in struct akida_dev */
};

static ssize_t akida_cnt_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct akida_cnt_attr *ca = container_of(attr, struct akida_cnt_attr, attr);
	atomic64_t *v = (atomic64_t *)((char *)to_akida(dev) + ca->offset);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(v));
}

#define AKIDA_CNT(_name, _field) {						\
	.attr = __ATTR(_name, 0444, akida_cnt_show, NULL),			\
	.offset = offsetof(struct akida_dev, _field),				\
}

/* Recovery: akida_recovery/{resets,recoveries,failures,aer_*,last_*}. */
static struct akida_cnt_attr akida_rec_counters[] = {
	AKIDA_CNT(resets, rec.resets),
	AKIDA_CNT(recoveries, rec.recoveries),
	AKIDA_CNT(failures, rec.failures),
	AKIDA_CNT(aer_correctable, rec.aer_cor),
	AKIDA_CNT(aer_nonfatal, rec.aer_nonfatal),
	AKIDA_CNT(aer_fatal, rec.aer_fatal),
};

static ssize_t last_cause_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	struct akida_recovery *rec = &to_akida(dev)->rec;
	enum akida_cause cause;

	spin_lock(&rec->lock);
	cause = rec->cause;
	spin_unlock(&rec->lock);
	return sysfs_emit(buf, "%s\n", akida_cause_name(cause));
}
static DEVICE_ATTR_RO(last_cause);

/* CLOCK_BOOTTIME of the end of the last successful recovery, 0 if none. */
static ssize_t last_recovery_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct akida_recovery *rec = &to_akida(dev)->rec;
	u32 rem;
	u64 ns;

	spin_lock(&rec->lock);
	ns = rec->last_ns;
	spin_unlock(&rec->lock);
	ns = div_u64_rem(ns, NSEC_PER_SEC, &rem);
	return sysfs_emit(buf, "%llu.%06u\n", ns, rem / (u32)NSEC_PER_USEC);
}
static DEVICE_ATTR_RO(last_recovery);

static ssize_t last_recovery_us_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	struct akida_recovery *rec = &to_akida(dev)->rec;
	u64 us;

	spin_lock(&rec->lock);
	us = rec->last_us;
	spin_unlock(&rec->lock);
	return sysfs_emit(buf, "%llu\n", us);
}
static DEVICE_ATTR_RO(last_recovery_us);

static struct attribute *akida_rec_attrs[] = {
	&akida_rec_counters[0].attr.attr,
	&akida_rec_counters[1].attr.attr,
	&akida_rec_counters[2].attr.attr,
	&akida_rec_counters[3].attr.attr,
	&akida_rec_counters[4].attr.attr,
	&akida_rec_counters[5].attr.attr,
	&dev_attr_last_cause.attr,
	&dev_attr_last_recovery.attr,
	&dev_attr_last_recovery_us.attr,
	NULL
};

static const struct attribute_group akida_rec_group = {
	.name = "akida_recovery",
	.attrs = akida_rec_attrs,
};

/*
 * Power: akida_pm/{runtime_suspends,runtime_resumes,suspends,resumes,
 * last_*_us,resume_failures,pinned_files}. The D-state itself is the PCI
 * core's (power_state, power/runtime_status).
 */
static struct akida_cnt_attr akida_pm_counters[] = {
	AKIDA_CNT(runtime_suspends, pm.count[AKIDA_PM_RUNTIME_SUSPEND]),
	AKIDA_CNT(runtime_resumes, pm.count[AKIDA_PM_RUNTIME_RESUME]),
	AKIDA_CNT(suspends, pm.count[AKIDA_PM_SUSPEND]),
	AKIDA_CNT(resumes, pm.count[AKIDA_PM_RESUME]),
	AKIDA_CNT(last_runtime_resume_us, pm.last_us[AKIDA_PM_RUNTIME_RESUME]),
	AKIDA_CNT(last_resume_us, pm.last_us[AKIDA_PM_RESUME]),
	AKIDA_CNT(resume_failures, pm.failures),
};

/* Open files that keep the device in D0 (they touched the NPU registers). */
static ssize_t pinned_files_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	return sysfs_emit(buf, "%u\n", akida_pm_pinned_files(to_akida(dev)));
}
static DEVICE_ATTR_RO(pinned_files);

static struct attribute *akida_pm_attrs[] = {
	&akida_pm_counters[0].attr.attr,
	&akida_pm_counters[1].attr.attr,
	&akida_pm_counters[2].attr.attr,
	&akida_pm_counters[3].attr.attr,
	&akida_pm_counters[4].attr.attr,
	&akida_pm_counters[5].attr.attr,
	&akida_pm_counters[6].attr.attr,
	&dev_attr_pinned_files.attr,
	NULL
};

static const struct attribute_group akida_pm_group = {
	.name = "akida_pm",
	.attrs = akida_pm_attrs,
};

const struct attribute_group *akida_pci_groups[] = {
	&akida_group,
	&akida_dma_group,
	&akida_rec_group,
	&akida_pm_group,
	NULL
};
