/* SPDX-License-Identifier: MIT */
/*
 * akida CLI: what the command files share. main.c parses the global options
 * and dispatches to the cmd_*() functions; each returns an exit code.
 */
#ifndef AKIDA_CLI_H
#define AKIDA_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "akida.h"

struct json;

/* Exit codes (documented in akida.1). */
enum {
	EX_OK = 0,
	EX_FAIL = 1,		/* other failure */
	EX_USAGE = 2,
	EX_NODEV = 3,		/* no Akida device */
	EX_NOTFOUND = 4,	/* the named device does not exist */
	EX_BACKEND = 5,		/* backend unavailable: driver, permission, IOMMU */
	EX_TRANSFER = 6,
	EX_HARDWARE = 7,
	EX_CAPABILITY = 8,
	EX_INVALID = 9,		/* invalid input (arguments, files) */
	EX_MISMATCH = 10,	/* verify/infer --check: results differ */
};

/* Global options (main.c). */
extern int opt_json;
extern enum akida_backend_kind opt_backend;
extern int opt_verbose;
extern const char *prog_name;

/* Errors and output (main.c). */
int exit_for(enum akida_error_kind k);
void json_doc_begin(struct json *j);
void json_doc_end(struct json *j);
void json_error(struct json *j, const char *key, const struct akida_error *e);
int lib_error(void);
int lib_error_in(const char *path);
/* An error with exit @code: "akida: message" on stderr, under --json the
 * error document (see main.c). Returns @code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int file_error(const char *path);
/* Numbers on the command line: the whole string, decimal or 0x hex, in range. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v);
int opt_number(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *v);
const char *sysfs_root(void);

/* Programs (cmd_model.c) and batches checked against the golden model (cmd_infer.c). */
int load_program(const char *path, struct akida_program **p);
int alloc_batch(const struct akida_program *p, unsigned int batch, uint8_t **in,
		uint8_t **out, uint8_t **gold);
size_t golden_diff(const struct akida_program *p, const uint8_t *in, unsigned int batch,
		   const uint8_t *out, uint8_t *gold);

/* Commands: (argc, argv) from the command name on. */
int cmd_enumerate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_clock(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_iommu_group(int argc, char **argv);
int cmd_bind_vfio(int argc, char **argv);
int cmd_unbind_vfio(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_infer(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_top(int argc, char **argv);

#endif /* AKIDA_CLI_H */
