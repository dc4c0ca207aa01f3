// SPDX-License-Identifier: MIT
/*
 * akida: command-line tool for BrainChip Akida devices, a thin layer over
 * libakida. See akida(1) (tools/akida/akida.1) for commands and exit codes.
 *
 * This file: global options, the command table, and the error and output
 * helpers every command shares (cli.h).
 */
#include <errno.h>
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

/* Report the library's last error and return the matching exit code. */
int lib_error(void)
{
	const struct akida_error *e = akida_last_error();

	if (opt_json) {
		struct json j;

		json_doc_begin(&j);
		json_error(&j, "error", e);
		json_doc_end(&j);
	}
	fprintf(stderr, "%s: %s: %s\n", prog_name, akida_error_kind_name(e->kind), e->message);
	return exit_for(e->kind);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help'.\n", prog_name);
	return EX_USAGE;
}

/* Report that reading or writing the file @path failed, with errno's reason. */
void file_error(const char *path)
{
	fprintf(stderr, "%s: %s: %s\n", prog_name, path, strerror(errno));
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
		"See akida(1).\n");
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
	char *args[64];
	int n = 0, i;
	unsigned int k;

	/* Global options anywhere on the line (before or after the command). */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			opt_json = 1;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			opt_verbose = 1;
		} else if (!strcmp(argv[i], "--backend") || !strncmp(argv[i], "--backend=", 10)) {
			const char *v = argv[i][9] == '=' ? argv[i] + 10 : argv[++i];

			if (!v)
				return usage_error("--backend needs a value");
			if (akida_backend_parse(v, &opt_backend))
				return lib_error();
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EX_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("akida %s\n", akida_version());
			return EX_OK;
		} else if (n < 63) {
			args[n++] = argv[i];
		}
	}
	args[n] = NULL;
	if (n == 0) {
		usage(stderr);
		return EX_USAGE;
	}
	if (!strcmp(args[0], "help")) {
		usage(stdout);
		return EX_OK;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(args[0], cmds[k].name))
			return cmds[k].fn(n, args);
	return usage_error("unknown command \"%s\"", args[0]);
}
