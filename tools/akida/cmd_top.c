// SPDX-License-Identifier: MIT
/*
 * akida top (alias monitor): live utilisation of every device bound to
 * akida_pcie. Each refresh compares two samples of the counters
 * (akida_device_sample(): sysfs, and AKIDA_IOCTL_GET_STATS through a
 * read-only open for that call alone) taken --interval apart.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

#define TOP_INTERVAL_MIN	10u		/* ms */
#define TOP_INTERVAL_MAX	3600000u	/* ms: an hour */

struct top_dev {
	struct akida_device_info info;
	struct akida_device_sample prev;
	struct akida_device_sample cur;
};

/* What a refresh shows of one device: rates over the interval, then now. */
struct top_rates {
	double busy_pct;
	double jobs_per_s;
	double inferences_per_s;
	double h2d_mb_per_s;
	double d2h_mb_per_s;
};

static volatile sig_atomic_t top_stop;

static void top_on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

/* A counter's increase; one that went down was reset (a rebind): count from 0. */
static uint64_t delta(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

static void top_rates(const struct top_dev *d, struct top_rates *r)
{
	const struct akida_device_sample *a = &d->prev, *b = &d->cur;
	double ns = b->time_ns > a->time_ns ? (double)(b->time_ns - a->time_ns) : 1.0;

	r->busy_pct = 100.0 * delta(b->npu_busy_ns, a->npu_busy_ns) / ns;
	/* busy time is counted when a job ends: one that spans samples lands in one */
	if (r->busy_pct > 100.0)
		r->busy_pct = 100.0;
	r->jobs_per_s = delta(b->jobs_completed + b->jobs_failed,
			      a->jobs_completed + a->jobs_failed) * 1e9 / ns;
	r->inferences_per_s = delta(b->inferences, a->inferences) * 1e9 / ns;
	r->h2d_mb_per_s = delta(b->h2d_bytes, a->h2d_bytes) * 1e3 / ns;
	r->d2h_mb_per_s = delta(b->d2h_bytes, a->d2h_bytes) * 1e3 / ns;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       unsigned long *v)
{
	uint64_t x;

	if (parse_u64(s, min, max, &x))
		return -1;
	*v = (unsigned long)x;
	return 0;
}

/* The devices to watch: @spec alone, or every one bound to akida_pcie. */
static int top_select(const char *spec, struct top_dev **devs, unsigned int *count)
{
	struct akida_device_info *l;
	unsigned int n, i, k = 0;

	if (spec) {
		*devs = calloc(1, sizeof(**devs));
		if (!*devs)
			return cli_fail(EX_FAIL, "out of memory");
		if (akida_find_device(NULL, spec, &(*devs)->info))
			return lib_error();
		if (strcmp((*devs)->info.driver, "akida_pcie") || !(*devs)->info.devnode[0]) {
			return cli_fail(EX_BACKEND, "top: %s is %s%s, not bound to akida_pcie: it "
					"has no counters to show", (*devs)->info.bdf,
					(*devs)->info.driver[0] ? "bound to " : "not bound",
					(*devs)->info.driver);
		}
		*count = 1;
		return EX_OK;
	}
	if (akida_discover(NULL, &l, &n))
		return lib_error();
	*devs = calloc(n ? n : 1, sizeof(**devs));
	if (!*devs) {
		akida_discover_free(l);
		return cli_fail(EX_FAIL, "out of memory");
	}
	for (i = 0; i < n; i++)
		if (!strcmp(l[i].driver, "akida_pcie") && l[i].devnode[0])
			(*devs)[k++].info = l[i];
	akida_discover_free(l);
	if (!k) {
		return cli_fail(EX_NODEV, "top: no Akida device bound to akida_pcie (%u Akida "
				"device%s present; see `akida enumerate`)", n, n == 1 ? "" : "s");
	}
	*count = k;
	return EX_OK;
}

static void top_json(const struct top_dev *devs, unsigned int n, unsigned long sample,
		     unsigned long interval_ms)
{
	struct timespec now;
	struct top_rates r;
	struct json j;
	unsigned int i;

	clock_gettime(CLOCK_REALTIME, &now);
	json_begin_line(&j, stdout);
	json_obj(&j, NULL);
	json_uint(&j, "sample", sample);
	json_uint(&j, "time_ms", (uint64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	json_uint(&j, "interval_ms", interval_ms);
	json_arr(&j, "devices");
	for (i = 0; i < n; i++) {
		const struct top_dev *d = &devs[i];

		top_rates(d, &r);
		json_obj(&j, NULL);
		json_uint(&j, "index", d->info.index);
		json_str(&j, "bdf", d->info.bdf);
		json_str(&j, "devnode", d->info.devnode);
		json_double(&j, "busy_pct", r.busy_pct);
		json_double(&j, "jobs_per_s", r.jobs_per_s);
		json_double(&j, "inferences_per_s", r.inferences_per_s);
		json_double(&j, "h2d_mb_per_s", r.h2d_mb_per_s);
		json_double(&j, "d2h_mb_per_s", r.d2h_mb_per_s);
		json_uint(&j, "jobs_pending", d->cur.jobs_pending);
		json_uint(&j, "jobs_completed", d->cur.jobs_completed);
		json_uint(&j, "jobs_failed", d->cur.jobs_failed);
		json_uint(&j, "open_files", d->cur.open_files);
		json_str(&j, "health", d->cur.health);
		if (d->cur.runtime_status[0])
			json_str(&j, "runtime_status", d->cur.runtime_status);
		else
			json_null(&j, "runtime_status");
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_end_obj(&j);
	json_finish(&j);
}

static void top_text(const struct top_dev *devs, unsigned int n, unsigned long sample,
		     unsigned long interval_ms, int tty)
{
	struct top_rates r;
	unsigned int i;

	if (tty)
		fputs("\033[H\033[2J", stdout);		/* home, clear screen */
	else if (sample > 1)
		putchar('\n');
	printf("akida top: %u device%s, every %lu ms (sample %lu)\n", n, n == 1 ? "" : "s",
	       interval_ms, sample);
	printf("%-3s %-13s %6s %8s %9s %9s %9s %7s %5s %-11s %s\n", "#", "PCI", "NPU%",
	       "JOBS/s", "INFER/s", "H2D MB/s", "D2H MB/s", "PENDING", "FILES", "PM",
	       "HEALTH");
	for (i = 0; i < n; i++) {
		const struct top_dev *d = &devs[i];

		top_rates(d, &r);
		printf("%-3u %-13s %6.1f %8.1f %9.1f %9.2f %9.2f %7llu %5llu %-11s %s\n",
		       d->info.index, d->info.bdf, r.busy_pct, r.jobs_per_s, r.inferences_per_s,
		       r.h2d_mb_per_s, r.d2h_mb_per_s, (unsigned long long)d->cur.jobs_pending,
		       (unsigned long long)d->cur.open_files,
		       d->cur.runtime_status[0] ? d->cur.runtime_status : "-", d->cur.health);
	}
	fflush(stdout);
}

/* Sleep @ms unless a signal asks to stop; 0 when the sleep was whole. */
static int top_sleep(unsigned long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		if (errno != EINTR || top_stop)
			return -1;
	return top_stop ? -1 : 0;
}

static int top_sample(struct top_dev *devs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (akida_device_sample(&devs[i].info, &devs[i].cur))
			return lib_error();
	return EX_OK;
}

int cmd_top(int argc, char **argv)
{
	static const char usage_text[] = "usage: top [--interval MS] [--count N] "
					 "[-d|--device N|BDF]";
	static const struct option lo[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long interval = 1000, count = 0, k;
	const char *spec = NULL;
	struct top_dev *devs = NULL;
	struct sigaction sa;
	unsigned int n = 0, i;
	int c, tty, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_ulong(optarg, TOP_INTERVAL_MIN, TOP_INTERVAL_MAX, &interval))
				return usage_error("--interval: \"%s\": %s (%u to %u ms)", optarg,
						   strerror(EINVAL), TOP_INTERVAL_MIN,
						   TOP_INTERVAL_MAX);
			break;
		case 'c':
			if (parse_ulong(optarg, 1, 1000000000ul, &count))
				return usage_error("--count: \"%s\": %s (a number of refreshes, "
						   "1 or more)", optarg, strerror(EINVAL));
			break;
		case 'd':
			spec = optarg;
			break;
		default:
			return usage_error("%s", usage_text);
		}
	}
	if (optind != argc)
		return usage_error("top: unexpected argument \"%s\"; %s", argv[optind],
				   usage_text);

	ret = top_select(spec, &devs, &n);
	if (ret)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_on_signal;	/* no SA_RESTART: the sleep ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tty = !opt_json && isatty(STDOUT_FILENO);

	ret = top_sample(devs, n);
	for (k = 1; !ret && (!count || k <= count); k++) {
		for (i = 0; i < n; i++)
			devs[i].prev = devs[i].cur;
		if (top_sleep(interval))
			break;
		ret = top_sample(devs, n);
		if (ret)
			break;
		if (opt_json)
			top_json(devs, n, k, interval);
		else
			top_text(devs, n, k, interval, tty);
	}
out:
	free(devs);
	return ret;
}
