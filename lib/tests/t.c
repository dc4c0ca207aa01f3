// SPDX-License-Identifier: MIT
/*
 * The runner behind tests/t.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"

static struct t_test *tests, **tail = &tests;
static char tmpdir[256];
static int result_fd = -1;

void t_register(struct t_test *t)
{
	*tail = t;
	tail = &t->next;
}

static void t_report(const char *kind, const char *msg)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s %s", kind, msg);

	if (write(result_fd, buf, (size_t)n) < 0)
		_exit(3);
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[768], where[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(where, sizeof(where), "%s:%d: %s", file, line, msg);
	t_report("F", where);
	_exit(1);
}

void t_skip(const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t_report("S", msg);
	_exit(2);
}

const char *t_fbz_dir(void)
{
	static const char *const cands[] = {
		"AKIDA_FBZ_DIR", "../shared/testdata/fbz",
		"/work/shared/testdata/fbz",
	};
	static char found[512];
	struct stat st;
	unsigned int i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		const char *d = cands[i];

		if (i == 0 && !(d = getenv(cands[0])))
			continue;
		if (!stat(d, &st) && S_ISDIR(st.st_mode)) {
			snprintf(found, sizeof(found), "%s", d);
			return found;
		}
	}
	return NULL;
}

const char *t_tmpdir(void)
{
	return tmpdir;
}

int main(int argc, char **argv)
{
	int pass = 0, fail = 0, skip = 0;
	struct t_test *t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = tests; t; t = t->next) {
		char msg[1024] = "";
		int pfd[2], status, i, sel = argc < 2;
		ssize_t n, got = 0;
		pid_t pid;

		for (i = 1; i < argc; i++)
			if (strstr(t->name, argv[i]))
				sel = 1;
		if (!sel)
			continue;
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/akida-t-%d-XXXXXX", (int)getpid());
		if (!mkdtemp(tmpdir) || pipe(pfd)) {
			perror("setup");
			return 1;
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			result_fd = pfd[1];
			alarm(120);
			t->fn();
			exit(0);	/* not _exit: lets LeakSanitizer check the test */
		}
		close(pfd[1]);
		while ((n = read(pfd[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
			got += n;
		msg[got > 0 ? got : 0] = 0;
		close(pfd[0]);
		waitpid(pid, &status, 0);
		{
			char cmd[300];

			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
			if (system(cmd))
				fprintf(stderr, "warning: could not remove %s\n", tmpdir);
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("PASS %s\n", t->name);
			pass++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
			printf("SKIP %s: %s\n", t->name, got > 2 ? msg + 2 : "");
			skip++;
		} else if (got > 2) {
			printf("FAIL %s: %s\n", t->name, msg + 2);
			fail++;
		} else {
			printf("FAIL %s: %s %d\n", t->name,
			       WIFSIGNALED(status) ? "killed by signal" : "exit status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			fail++;
		}
	}
	printf("# %d passed, %d failed, %d skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}
