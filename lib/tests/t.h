/* SPDX-License-Identifier: MIT */
/*
 * A minimal test runner for libakida's host unit tests.
 *
 * TEST(name) { ... } registers a test; CHECK(cond) / CHECK_EQ(a, b) fail it
 * with a message; SKIP_TEST("why") skips it. The runner prints one line per
 * test, "PASS name", "FAIL name: reason" or "SKIP name: reason", then a
 * summary, and exits 1 if anything failed. Each test runs in a forked child
 * so a crash fails that test only. Arguments select tests by substring.
 */
#ifndef AKIDA_T_H
#define AKIDA_T_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct t_test {
	const char *name;
	void (*fn)(void);
	struct t_test *next;
};

void t_register(struct t_test *t);
void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Directory of the real .fbz files, or NULL when absent. */
const char *t_fbz_dir(void);
/* A fresh temporary directory for this test (removed by the runner). */
const char *t_tmpdir(void);

#define TEST(name)							\
	static void t_fn_##name(void);					\
	static struct t_test t_st_##name = { #name, t_fn_##name, NULL };\
	__attribute__((constructor)) static void t_reg_##name(void)	\
	{ t_register(&t_st_##name); }					\
	static void t_fn_##name(void)

#define CHECK(c)							\
	do { if (!(c)) t_fail(__FILE__, __LINE__, "%s", #c); } while (0)
#define CHECK_MSG(c, ...)						\
	do { if (!(c)) t_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define CHECK_EQ(a, b)							\
	do {								\
		long long t_a = (long long)(a), t_b = (long long)(b);	\
		if (t_a != t_b)						\
			t_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
			       #a, t_a, #b, t_b);			\
	} while (0)
#define SKIP_TEST(...)	t_skip(__VA_ARGS__)

/* Fake sysfs trees (tests/fake_sysfs.c). */
void fake_write(const char *root, const char *rel, const char *content);
/* A PCI function; @driver "" = unbound, @minor < 0 = no /dev node,
 * @group < 0 = no IOMMU group. */
void fake_pci_dev(const char *root, const char *bdf, unsigned int vendor,
		  unsigned int device, const char *driver, int minor, int group);

/*
 * Hand-built .fbz files (tests/fbz_build.c): @nlayers layers named @name,
 * each with one variable "weights" of shape @dims[@ndims], @data_bytes
 * bytes and @dtype; layout B (a version string) when @version is set.
 */
struct t_fbz_spec {
	unsigned int nlayers;
	const char *name;
	const char *version;
	unsigned int ndims;
	int32_t dims[12];
	unsigned int data_bytes;
	unsigned int dtype;
};
size_t t_fbz_build(const struct t_fbz_spec *s, uint8_t *out, size_t outlen);
/* The same, written to a file @name in t_tmpdir(); returns its path. */
const char *t_fbz_file(const struct t_fbz_spec *s, const char *name);

#endif /* AKIDA_T_H */
