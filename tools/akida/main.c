// SPDX-License-Identifier: MIT
/*
 * akida: command-line tool for BrainChip Akida devices, a thin layer over
 * libakida. See akida(1) (tools/akida/akida.1) for commands and exit codes.
 *
 * This file: global options, the command table, and the error and output
 * helpers every command shares (cli.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akida.h"
#include "cli.h"
#include "json.h"

int opt_json;
enum akida_backend_kind opt_backend = AKIDA_BACKEND_AUTO;
int opt_verbose;
const char *prog_name = "akida";

int exit_for(enum akida_error_kind k)
{
	switch (k) {
	case AKIDA_OK:			return EX_OK;
	case AKIDA_ERR_NO_DEVICE:	return EX_NODEV;
	case AKIDA_ERR_NOT_FOUND:	return EX_NOTFOUND;
	case AKIDA_ERR_BACKEND_UNAVAILABLE: return EX_BACKEND;
	case AKIDA_ERR_TRANSFER:	return EX_TRANSFER;
	case AKIDA_ERR_HARDWARE:	return EX_HARDWARE;
	case AKIDA_ERR_CAPABILITY:	return EX_CAPABILITY;
	case AKIDA_ERR_INVALID:		return EX_INVALID;
	case AKIDA_ERR_NO_MEMORY:	return EX_FAIL;
	}
	return EX_FAIL;
}

/*
 * --json output: each command writes one document, a single object, to
 * stdout.
 */
void json_doc_begin(struct json *j)
{
	json_begin(j, stdout);
	json_obj(j, NULL);
}

void json_doc_end(struct json *j)
{
	json_end_obj(j);
	json_finish(j);
}

/* A library error as the object @key: its kind, errno and message. */
void json_error(struct json *j, const char *key, const struct akida_error *e)
{
	json_obj(j, key);
	json_str(j, "kind", akida_error_kind_name(e->kind));
	json_int(j, "errno", e->err);
	json_str(j, "message", e->message);
	json_end_obj(j);
}

/* The "kind" of an error object for an exit code that has no library error. */
static const char *exit_kind(int code)
{
	switch (code) {
	case EX_USAGE:		return "usage";
	case EX_NODEV:		return akida_error_kind_name(AKIDA_ERR_NO_DEVICE);
	case EX_NOTFOUND:	return akida_error_kind_name(AKIDA_ERR_NOT_FOUND);
	case EX_BACKEND:	return akida_error_kind_name(AKIDA_ERR_BACKEND_UNAVAILABLE);
	case EX_TRANSFER:	return akida_error_kind_name(AKIDA_ERR_TRANSFER);
	case EX_HARDWARE:	return akida_error_kind_name(AKIDA_ERR_HARDWARE);
	case EX_CAPABILITY:	return akida_error_kind_name(AKIDA_ERR_CAPABILITY);
	case EX_INVALID:	return akida_error_kind_name(AKIDA_ERR_INVALID);
	case EX_MISMATCH:	return "mismatch";
	}
	return "failure";
}

/*
 * Under --json, the error document { "error": { kind, errno, message,
 * exit_code } }, unless this command already wrote its document (one per
 * command: the error is then on stderr only).
 */
static void json_error_doc(const char *kind, int err, const char *msg, int code)
{
	struct json j;

	if (!opt_json || json_documents)
		return;
	json_doc_begin(&j);
	json_obj(&j, "error");
	json_str(&j, "kind", kind);
	json_int(&j, "errno", err);
	json_str(&j, "message", msg);
	json_int(&j, "exit_code", code);
	json_end_obj(&j);
	json_doc_end(&j);
}

/* Report the library's last error and return the matching exit code. */
int lib_error(void)
{
	const struct akida_error *e = akida_last_error();
	int code = exit_for(e->kind);

	/* every library failure records an error; "ok" here is a CLI bug */
	if (e->kind == AKIDA_OK) {
		code = EX_FAIL;
		json_error_doc(exit_kind(code), 0, "unknown error", code);
		fprintf(stderr, "%s: failure: unknown error\n", prog_name);
		return code;
	}
	json_error_doc(akida_error_kind_name(e->kind), e->err, e->message, code);
	fprintf(stderr, "%s: %s: %s\n", prog_name, akida_error_kind_name(e->kind), e->message);
	return code;
}

/* The same, for a failure to do with the file @path: the message names it. */
int lib_error_in(const char *path)
{
	const struct akida_error *e = akida_last_error();
	char msg[sizeof(e->message) + 512];

	if (e->kind == AKIDA_OK)
		return lib_error();
	snprintf(msg, sizeof(msg), "%s: %s", path, e->message);
	json_error_doc(akida_error_kind_name(e->kind), e->err, msg, exit_for(e->kind));
	fprintf(stderr, "%s: %s: %s\n", prog_name, akida_error_kind_name(e->kind), msg);
	return exit_for(e->kind);
}

static int vfail(int code, int err, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	json_error_doc(exit_kind(code), err, msg, code);
	fprintf(stderr, "%s: %s\n", prog_name, msg);
	return code;
}

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(code, 0, fmt, ap);
	va_end(ap);
	return ret;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(EX_USAGE, EINVAL, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s help'.\n", prog_name);
	return EX_USAGE;
}

/*
 * Reading or writing the file @path failed (errno says why): an input
 * error, exit 9, whichever way it failed (as the library reports its own
 * file errors).
 */
int file_error(const char *path)
{
	int err = errno;
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s: %s", path, strerror(err));
	json_error_doc(akida_error_kind_name(AKIDA_ERR_INVALID), err, msg, EX_INVALID);
	fprintf(stderr, "%s: %s: %s\n", prog_name, akida_error_kind_name(AKIDA_ERR_INVALID), msg);
	return EX_INVALID;
}

/*
 * The one way numbers are read from the command line: the whole of @s, a
 * decimal or 0x-prefixed hexadecimal number, no sign, no spaces, within
 * [min, max]. -1 otherwise.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	unsigned long long x;
	char *end;

	if (!((*d >= '0' && *d <= '9') || (hex && strchr("abcdefABCDEF", *d) && *d)))
		return -1;
	errno = 0;
	x = strtoull(d, &end, hex ? 16 : 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/* An option's number (see parse_u64()); a usage error names the option. */
int opt_number(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	if (!parse_u64(s, min, max, v))
		return 0;
	return usage_error("%s: \"%s\" is not a number from %" PRIu64 " to %" PRIu64, opt, s,
			   min, max);
}

/* The sysfs to use: $AKIDA_SYSFS_ROOT (a fake tree, in tests) or /sys. */
const char *sysfs_root(void)
{
	const char *r = getenv("AKIDA_SYSFS_ROOT");

	return r ? r : "/sys";
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: akida [--json] [--backend auto|kernel|vfio|mmap] [-v] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  enumerate                  list Akida devices\n"
		"  info N|BDF                 device details and capabilities\n"
		"  iommu-group BDF            the device's IOMMU group\n"
		"  bind-vfio BDF              bind to vfio-pci (persists across reboots)\n"
		"  unbind-vfio BDF            give the device back to akida_pcie\n"
		"  probe N|BDF                dump the NPU registers\n"
		"  verify N|BDF               DMA loopback and golden-checked inference\n"
		"  model info FILE            layer table of an .fbz model or program image\n"
		"  model random [...] -o FILE write a pseudo-random test program\n"
		"  infer N MODEL [...]        run a program on inputs\n"
		"  bench N [...]              DMA throughput and inference rate\n"
		"  clock N [MODE]             show or set the clock mode (performance,\n"
		"                             economy, low-power)\n"
		"  reset N                    reset the NPU (root with the kernel backend)\n"
		"  top [--interval MS] [--count N] [-d N]\n"
		"                             live NPU busy %%, jobs/s, DMA MB/s, pending jobs,\n"
		"                             health and runtime PM of the devices bound to\n"
		"                             akida_pcie (alias: monitor); --json: one line\n"
		"                             per refresh\n"
		"  help                       this text\n"
		"\n"
		"N is a device index from `akida enumerate`, a PCI address or /dev/akidaN.\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 3 no device, 4 device not found,\n"
		"5 backend unavailable (driver, permission, IOMMU), 6 transfer failed,\n"
		"7 hardware error, 8 capability query failed, 9 invalid input, 10 mismatch.\n"
		"Options end at \"--\" (for file names that start with \"-\").\n"
		"--json: every command prints exactly one JSON document, its result or\n"
		"{\"error\": {\"kind\", \"errno\", \"message\", \"exit_code\"}} (top: one line\n"
		"per refresh).\n"
		"See akida(1).\n");
}

/* Commands whose arguments go through getopt (which itself ends at "--"). */
static int uses_getopt(char **args)
{
	return !strcmp(args[0], "infer") || !strcmp(args[0], "bench") ||
	       !strcmp(args[0], "top") || !strcmp(args[0], "monitor") ||
	       (!strcmp(args[0], "model") && args[1] && !strcmp(args[1], "random"));
}

static int help(int code)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!opt_json) {
		usage(code ? stderr : stdout);
		return code;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return cli_fail(EX_FAIL, "out of memory");
	usage(f);
	fclose(f);
	if (code) {
		usage_error("no command given");
	} else {
		struct json j;

		json_doc_begin(&j);
		json_str(&j, "usage", text);
		json_doc_end(&j);
	}
	free(text);
	return code;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "enumerate", cmd_enumerate }, { "list", cmd_enumerate },
		{ "info", cmd_info }, { "iommu-group", cmd_iommu_group },
		{ "bind-vfio", cmd_bind_vfio }, { "unbind-vfio", cmd_unbind_vfio },
		{ "probe", cmd_probe }, { "verify", cmd_verify }, { "model", cmd_model },
		{ "infer", cmd_infer }, { "bench", cmd_bench }, { "clock", cmd_clock },
		{ "reset", cmd_reset }, { "top", cmd_top }, { "monitor", cmd_top },
	};
	const char *backend = NULL;
	int n = 0, i, dashdash = -1, ret;
	char **args;
	unsigned int k;

	/* Global options anywhere on the line (before or after the command),
	 * up to "--"; every other argument is the command's, however many. */
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return cli_fail(EX_FAIL, "out of memory");
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			opt_json = 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			dashdash = n;
			args[n++] = argv[i];
			while (++i < argc)
				args[n++] = argv[i];
			break;
		} else if (!strcmp(argv[i], "--json")) {
			/* seen above: errors before it are JSON too */
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			opt_verbose = 1;
		} else if (!strcmp(argv[i], "--backend") || !strncmp(argv[i], "--backend=", 10)) {
			backend = argv[i][9] == '=' ? argv[i] + 10 : argv[++i];
			if (!backend) {
				ret = usage_error("--backend needs a value (auto, kernel, vfio or mmap)");
				goto out;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			ret = help(EX_OK);
			goto out;
		} else if (!strcmp(argv[i], "--version")) {
			if (opt_json) {
				struct json j;

				json_doc_begin(&j);
				json_str(&j, "version", akida_version());
				json_doc_end(&j);
			} else {
				printf("akida %s\n", akida_version());
			}
			ret = EX_OK;
			goto out;
		} else {
			args[n++] = argv[i];
		}
	}
	args[n] = NULL;
	if (backend && akida_backend_parse(backend, &opt_backend)) {
		ret = usage_error("--backend: \"%s\": not auto, kernel, vfio or mmap", backend);
		goto out;
	}
	/* "--" first: what follows starts with the command */
	if (dashdash == 0) {
		memmove(args, args + 1, (size_t)n * sizeof(*args));
		n--;
		dashdash = -1;
	}
	if (n == 0) {
		ret = help(EX_USAGE);
		goto out;
	}
	/* Commands that do not use getopt take "--" as the end of options only. */
	if (dashdash > 0 && !uses_getopt(args)) {
		memmove(args + dashdash, args + dashdash + 1,
			(size_t)(n - dashdash) * sizeof(*args));
		n--;
	}
	if (!strcmp(args[0], "help")) {
		ret = help(EX_OK);
		goto out;
	}
	ret = -1;
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(args[0], cmds[k].name)) {
			ret = cmds[k].fn(n, args);
			break;
		}
	if (ret < 0)
		ret = usage_error("unknown command \"%s\"", args[0]);
	/* --json: a command that wrote no document still gives one */
	if (opt_json && !json_documents) {
		if (ret == EX_OK) {
			struct json j;

			json_doc_begin(&j);
			json_bool(&j, "ok", 1);
			json_doc_end(&j);
		} else {
			json_error_doc(exit_kind(ret), 0, "failed (see stderr)", ret);
		}
	}
out:
	free(args);
	return ret;
}
