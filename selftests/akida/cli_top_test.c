// SPDX-License-Identifier: MIT
/*
 * `akida top` (tools/akida/cmd_top.c) in the test guest: its JSON lines
 * parse and carry every field, an idle device shows zero rates, a job
 * stream and a DMA stream move them, the text form, a non-root user with
 * and without read access to /dev/akidaN, and each rejected option.
 */
#include <ctype.h>
#include <grp.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lib_util.h"

#define NOBODY		65534

/* ---- a small JSON reader: the document flattened to path -> value ---- */

struct jfield {
	char path[64];		/* "devices.0.busy_pct" */
	char kind;		/* o(bject) a(rray) s(tring) n(umber) b(ool) z(null) */
	char val[96];
};

struct jdoc {
	struct jfield f[96];
	int n;
};

static void jws(const char **s)
{
	while (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')
		(*s)++;
}

static struct jfield *jadd(struct jdoc *d, const char *path, char kind)
{
	struct jfield *f;

	if (d->n == (int)(sizeof(d->f) / sizeof(d->f[0])))
		return NULL;
	f = &d->f[d->n++];
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->kind = kind;
	f->val[0] = 0;
	return f;
}

static int jstring(const char **s, char *out, size_t len)
{
	size_t n = 0;

	if (*(*s)++ != '"')
		return -1;
	while (**s != '"') {
		char c = *(*s)++;

		if ((unsigned char)c < 0x20)
			return -1;
		if (c == '\\') {
			c = *(*s)++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)*(*s)++))
						return -1;
				c = '?';
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return -1;
			}
		}
		if (n + 1 < len)
			out[n++] = c;
	}
	(*s)++;
	out[n] = 0;
	return 0;
}

static int jnumber(const char **s, char *out, size_t len)
{
	const char *b = *s;

	if (**s == '-')
		(*s)++;
	if (!isdigit((unsigned char)**s))
		return -1;
	if (**s == '0')
		(*s)++;
	else
		while (isdigit((unsigned char)**s))
			(*s)++;
	if (**s == '.') {
		(*s)++;
		if (!isdigit((unsigned char)**s))
			return -1;
		while (isdigit((unsigned char)**s))
			(*s)++;
	}
	if (**s == 'e' || **s == 'E') {
		(*s)++;
		if (**s == '+' || **s == '-')
			(*s)++;
		if (!isdigit((unsigned char)**s))
			return -1;
		while (isdigit((unsigned char)**s))
			(*s)++;
	}
	snprintf(out, len, "%.*s", (int)(*s - b), b);
	return 0;
}

static int jvalue(const char **s, struct jdoc *d, const char *path, int depth)
{
	char sub[64], key[48];
	struct jfield *f;
	int i = 0;

	jws(s);
	if (depth > 8)
		return -1;
	if (**s == '{' || **s == '[') {
		char close = **s == '{' ? '}' : ']';

		if (!jadd(d, path, **s == '{' ? 'o' : 'a'))
			return -1;
		(*s)++;
		jws(s);
		if (**s == close) {
			(*s)++;
			return 0;
		}
		for (;; i++) {
			jws(s);
			if (close == '}') {
				if (jstring(s, key, sizeof(key)))
					return -1;
				jws(s);
				if (*(*s)++ != ':')
					return -1;
				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
			} else {
				snprintf(sub, sizeof(sub), "%s%s%d", path, *path ? "." : "", i);
			}
			if (jvalue(s, d, sub, depth + 1))
				return -1;
			jws(s);
			if (**s == ',') {
				(*s)++;
				continue;
			}
			if (*(*s)++ != close)
				return -1;
			return 0;
		}
	}
	if (**s == '"') {
		f = jadd(d, path, 's');
		return f ? jstring(s, f->val, sizeof(f->val)) : -1;
	}
	if (!strncmp(*s, "true", 4) || !strncmp(*s, "false", 5)) {
		f = jadd(d, path, 'b');
		if (!f)
			return -1;
		snprintf(f->val, sizeof(f->val), "%s", **s == 't' ? "true" : "false");
		*s += **s == 't' ? 4 : 5;
		return 0;
	}
	if (!strncmp(*s, "null", 4)) {
		*s += 4;
		return jadd(d, path, 'z') ? 0 : -1;
	}
	f = jadd(d, path, 'n');
	return f ? jnumber(s, f->val, sizeof(f->val)) : -1;
}

/* Parse one whole JSON text: 0, or -1 when it is not valid JSON. */
static int jparse(const char *text, struct jdoc *d)
{
	d->n = 0;
	if (jvalue(&text, d, "", 0))
		return -1;
	jws(&text);
	return *text ? -1 : 0;
}

static const struct jfield *jget(const struct jdoc *d, const char *path)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].path, path))
			return &d->f[i];
	return NULL;
}

/* The number at devices.0.@key; NAN when absent or not a number. */
static double jdev(const struct jdoc *d, const char *key)
{
	char path[64];
	const struct jfield *f;

	snprintf(path, sizeof(path), "devices.0.%s", key);
	f = jget(d, path);
	return f && f->kind == 'n' ? strtod(f->val, NULL) : NAN;
}

/* ---- running the CLI ---- */

struct run {
	int status;		/* exit code, or -1 when killed */
	char out[16384];
	char err[4096];
};

static void slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	while (read(fd, &(char){ 0 }, 1) > 0)	/* drain what did not fit */
		;
}

/* Run `akida ARGS` (a shell command line after "akida ") as @uid. */
static int run_cli(struct run *r, uid_t uid, const char *fmt, ...)
{
	char args[512], cmd[600];
	int po[2], pe[2], st;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "exec akida %s", args);
	if (pipe(po) || pipe(pe))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	slurp(po[0], r->out, sizeof(r->out));
	slurp(pe[0], r->err, sizeof(r->err));
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return 0;
}

/* Split r->out into lines, parse each; how many parsed (-1: one did not). */
static int parse_lines(struct run *r, struct jdoc *docs, int max)
{
	char *save, *ln;
	int n = 0;

	for (ln = strtok_r(r->out, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (n == max || jparse(ln, &docs[n]))
			return -1;
		n++;
	}
	return n;
}

/* ---- load generators ---- */

enum load { LOAD_JOBS, LOAD_DMA };

struct loader {
	const char *bdf;
	enum load kind;
	volatile int stop;
	volatile long rounds;
	int err;
	pthread_t thread;
};

static void *load_thread(void *arg)
{
	struct loader *l = arg;
	struct akida_program *p = NULL;
	struct akida_device *dev;
	struct akida_run_stats st;
	uint8_t *in = NULL, *out = NULL, *buf = NULL;
	const size_t dma = 256 << 10;
	uint64_t addr = 0;

	l->err = akida_open(l->bdf, AKIDA_BACKEND_KERNEL, &dev);
	if (l->err)
		return NULL;
	if (l->kind == LOAD_JOBS) {
		l->err = akida_program_random(1, NULL, &p);
		if (!l->err) {
			in = calloc(16, akida_program_input_bytes(p));
			out = calloc(16, akida_program_output_bytes(p));
			l->err = !in || !out ? -ENOMEM : akida_load(dev, p);
		}
		while (!l->err && !l->stop) {
			l->err = akida_infer(dev, in, 16, out, &st);
			l->rounds++;
		}
	} else {
		buf = calloc(1, dma);
		l->err = buf ? akida_mem_alloc(dev, dma, &addr) : -ENOMEM;
		while (!l->err && !l->stop) {
			l->err = akida_mem_write(dev, addr, buf, dma);
			if (!l->err)
				l->err = akida_mem_read(dev, addr, buf, dma);
			l->rounds++;
		}
		if (addr)
			akida_mem_free(dev, addr);
	}
	free(in);
	free(out);
	free(buf);
	akida_program_free(p);
	akida_close(dev);
	return NULL;
}

/* ---- the tests ---- */

FIXTURE(top) {
	struct akida_device_info info;
	struct loader load;
	int loading;
	mode_t mode;		/* of the device node, restored at the end */
	struct run r;
	struct jdoc docs[4];
};

FIXTURE_SETUP(top)
{
	const char *why;
	struct stat st;

	self->loading = 0;
	if (lib_first_device(&self->info, &why))
		ABSENT(return, "%s", why);
	if (strcmp(self->info.driver, "akida_pcie") || !self->info.devnode[0])
		ABSENT(return, "akida_pcie is not bound to %s", self->info.bdf);
	ASSERT_EQ(0, stat(self->info.devnode, &st));
	self->mode = st.st_mode & 07777;
}

FIXTURE_TEARDOWN(top)
{
	if (self->loading) {
		self->load.stop = 1;
		pthread_join(self->load.thread, NULL);
	}
	if (self->info.devnode[0])
		chmod(self->info.devnode, self->mode);
}

static void start_load(struct __test_metadata *_metadata, FIXTURE_DATA(top) *self,
		       enum load kind)
{
	memset(&self->load, 0, sizeof(self->load));
	self->load.bdf = self->info.bdf;
	self->load.kind = kind;
	ASSERT_EQ(0, pthread_create(&self->load.thread, NULL, load_thread, &self->load));
	self->loading = 1;
	/* running before the first sample */
	for (int i = 0; i < 2000 && !self->load.rounds && !self->load.err; i++)
		usleep(5000);
	ASSERT_EQ(0, self->load.err) TH_LOG("%s", akida_error_message());
	ASSERT_LT(0, self->load.rounds);
}

/* Every field of one refresh, of the right type; the device is ours. */
static void check_fields(struct __test_metadata *_metadata, const struct jdoc *d,
			 const char *bdf, unsigned int sample, unsigned int interval)
{
	static const char *const numbers[] = {
		"index", "busy_pct", "jobs_per_s", "inferences_per_s", "h2d_mb_per_s",
		"d2h_mb_per_s", "jobs_pending", "jobs_completed", "jobs_failed", "open_files",
	};
	const struct jfield *f;

	f = jget(d, "sample");
	ASSERT_NE(NULL, f);
	ASSERT_EQ('n', f->kind);
	EXPECT_EQ(sample, strtoul(f->val, NULL, 10));
	f = jget(d, "time_ms");
	ASSERT_NE(NULL, f);
	EXPECT_EQ('n', f->kind);
	f = jget(d, "interval_ms");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(interval, strtoul(f->val, NULL, 10));
	f = jget(d, "devices");
	ASSERT_NE(NULL, f);
	ASSERT_EQ('a', f->kind);
	for (unsigned int i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		double v = jdev(d, numbers[i]);

		EXPECT_FALSE(isnan(v)) TH_LOG("devices.0.%s missing or not a number", numbers[i]);
		EXPECT_LE(0, v) TH_LOG("devices.0.%s = %g", numbers[i], v);
	}
	EXPECT_LE(jdev(d, "busy_pct"), 100.0);
	f = jget(d, "devices.0.bdf");
	ASSERT_NE(NULL, f);
	EXPECT_STREQ(bdf, f->val);
	f = jget(d, "devices.0.devnode");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, strncmp(f->val, "/dev/akida", 10));
	f = jget(d, "devices.0.health");
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("ok", f->val);
	f = jget(d, "devices.0.runtime_status");
	ASSERT_NE(NULL, f);
	EXPECT_TRUE(f->kind == 's' || f->kind == 'z');
	EXPECT_EQ(NULL, jget(d, "devices.1"));
}

/* `akida --json top --count 2 --interval 200 -d BDF`: two valid lines. */
static void top_json(struct __test_metadata *_metadata, FIXTURE_DATA(top) *self,
		     uid_t uid)
{
	ASSERT_EQ(0, run_cli(&self->r, uid, "top --count 2 --interval 200 --json -d %s",
			     self->info.bdf));
	ASSERT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	ASSERT_EQ(2, parse_lines(&self->r, self->docs, 4)) TH_LOG("not 2 JSON lines");
	check_fields(_metadata, &self->docs[0], self->info.bdf, 1, 200);
	check_fields(_metadata, &self->docs[1], self->info.bdf, 2, 200);
}

TEST_F(top, json_idle_device_reads_zero)
{
	top_json(_metadata, self, 0);
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, jdev(&self->docs[i], "jobs_per_s"));
		EXPECT_EQ(0, jdev(&self->docs[i], "inferences_per_s"));
		EXPECT_EQ(0, jdev(&self->docs[i], "busy_pct"));
		EXPECT_EQ(0, jdev(&self->docs[i], "h2d_mb_per_s"));
		EXPECT_EQ(0, jdev(&self->docs[i], "d2h_mb_per_s"));
		EXPECT_EQ(0, jdev(&self->docs[i], "jobs_pending"));
		/* its own short-lived open is not counted */
		EXPECT_EQ(0, jdev(&self->docs[i], "open_files"));
	}
}

TEST_F(top, json_job_stream_moves_jobs_and_mb)
{
	start_load(_metadata, self, LOAD_JOBS);
	top_json(_metadata, self, 0);
	for (int i = 0; i < 2; i++) {
		EXPECT_LT(0, jdev(&self->docs[i], "jobs_per_s"));
		EXPECT_LT(0, jdev(&self->docs[i], "inferences_per_s"));
		EXPECT_LT(0, jdev(&self->docs[i], "busy_pct"));
		EXPECT_LT(0, jdev(&self->docs[i], "h2d_mb_per_s"));
		EXPECT_LT(0, jdev(&self->docs[i], "d2h_mb_per_s"));
		EXPECT_LE(1, jdev(&self->docs[i], "open_files"));
	}
	EXPECT_LT(jdev(&self->docs[0], "jobs_completed"),
		  jdev(&self->docs[1], "jobs_completed"));
}

TEST_F(top, json_transfer_moves_mb_not_jobs)
{
	start_load(_metadata, self, LOAD_DMA);
	top_json(_metadata, self, 0);
	for (int i = 0; i < 2; i++) {
		EXPECT_LT(0, jdev(&self->docs[i], "h2d_mb_per_s"));
		EXPECT_LT(0, jdev(&self->docs[i], "d2h_mb_per_s"));
		EXPECT_EQ(0, jdev(&self->docs[i], "jobs_per_s"));
	}
}

TEST_F(top, all_bound_devices_without_device_option)
{
	ASSERT_EQ(0, run_cli(&self->r, 0, "--json monitor --count 1 --interval 100"));
	ASSERT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	ASSERT_EQ(1, parse_lines(&self->r, self->docs, 4));
	check_fields(_metadata, &self->docs[0], self->info.bdf, 1, 100);
}

TEST_F(top, text_table_when_not_a_tty)
{
	ASSERT_EQ(0, run_cli(&self->r, 0, "top --count 2 --interval 100"));
	ASSERT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.out, "NPU%")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "(sample 2)")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, self->info.bdf)) TH_LOG("%s", self->r.out);
	EXPECT_EQ(NULL, strchr(self->r.out, '\033')) TH_LOG("screen redrawn on a pipe");
}

TEST_F(top, non_root_with_read_access)
{
	ASSERT_EQ(0, chmod(self->info.devnode, 0604));
	top_json(_metadata, self, NOBODY);
}

TEST_F(top, non_root_without_access_says_eacces)
{
	ASSERT_EQ(0, chmod(self->info.devnode, 0600));
	ASSERT_EQ(0, run_cli(&self->r, NOBODY, "top --count 1 --interval 100 -d %s",
			     self->info.bdf));
	EXPECT_EQ(5, self->r.status);	/* backend unavailable */
	EXPECT_NE(NULL, strstr(self->r.err, "Permission denied")) TH_LOG("%s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, self->info.devnode)) TH_LOG("%s", self->r.err);
	EXPECT_EQ(0, self->r.out[0]) TH_LOG("%s", self->r.out);
}

/* Each rejected option: a message naming it, a non-zero exit, no sample. */
FIXTURE(top_bad) {
	struct run r;
};

FIXTURE_VARIANT(top_bad) {
	const char *args;
	int status;
	const char *message;
};

FIXTURE_VARIANT_ADD(top_bad, interval_zero) { "top --interval 0", 2, "--interval" };
FIXTURE_VARIANT_ADD(top_bad, interval_not_a_number) { "top --interval 2s", 2, "Invalid argument" };
FIXTURE_VARIANT_ADD(top_bad, interval_too_long) { "top --interval 3600001", 2, "--interval" };
FIXTURE_VARIANT_ADD(top_bad, count_zero) { "top --count 0", 2, "--count" };
FIXTURE_VARIANT_ADD(top_bad, count_negative) { "top --count -1", 2, "--count" };
FIXTURE_VARIANT_ADD(top_bad, unknown_option) { "top --frob", 2, "unrecognized option" };
FIXTURE_VARIANT_ADD(top_bad, extra_argument) { "top 0", 2, "unexpected argument" };
FIXTURE_VARIANT_ADD(top_bad, no_such_device) { "top -d 7 --count 1", 4, "not found" };

FIXTURE_SETUP(top_bad)
{
}

FIXTURE_TEARDOWN(top_bad)
{
}

TEST_F(top_bad, rejected)
{
	ASSERT_EQ(0, run_cli(&self->r, 0, "%s", variant->args));
	EXPECT_EQ(variant->status, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, variant->message)) TH_LOG("%s", self->r.err);
	EXPECT_EQ(0, self->r.out[0]) TH_LOG("%s", self->r.out);
}

TEST_HARNESS_MAIN
