// SPDX-License-Identifier: MIT
/*
 * Host tests of the akida CLI: outputs and exit codes on fake sysfs trees
 * and model files. Runs $AKIDA_BUILD/bin/akida; skips when it is not built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "akida.h"
#include "t.h"

static char out[65536];

static const char *cli(void)
{
	static char path[512];
	const char *b = getenv("AKIDA_BUILD");

	snprintf(path, sizeof(path), "%s/bin/akida", b ? b : "../build");
	if (access(path, X_OK))
		SKIP_TEST("%s not built (make -C tools/akida)", path);
	return path;
}

/* Run the shell command @cmd; its output in out[], its exit code returned. */
static int run_sh(const char *cmd)
{
	FILE *p;
	size_t n;
	int st;

	p = popen(cmd, "r");
	CHECK(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_redir(const char *root, const char *args, const char *redir)
{
	static char cmd[16384];

	snprintf(cmd, sizeof(cmd), "AKIDA_SYSFS_ROOT='%s' AKIDA_ETC='%s/etc' %s %s %s",
		 root, t_tmpdir(), cli(), args, redir);
	return run_sh(cmd);
}

/* Run the CLI with @args against sysfs root @root; stdout+stderr in out[]. */
static int run(const char *root, const char *args)
{
	return run_redir(root, args, "2>&1");
}

/* The same, stdout only in out[] (stderr discarded). */
static int run_stdout(const char *root, const char *args)
{
	return run_redir(root, args, "2>/dev/null");
}

/* The last run's output has (or has not) @s; a failure shows the output. */
#define CHECK_OUT(s)		CHECK_MSG(strstr(out, s), "%s", out)
#define CHECK_NOT_OUT(s)	CHECK_MSG(!strstr(out, s), "%s", out)

static char *fake_tree(void)
{
	static char root[512];

	snprintf(root, sizeof(root), "%s/sys", t_tmpdir());
	mkdir(root, 0755);
	fake_pci_dev(root, "0000:00:1f.0", 0x8086, 0x2918, "lpc_ich", -1, 3);
	fake_pci_dev(root, "0000:01:00.0", 0x1e7c, 0xbca1, "akida_pcie", 0, 7);
	fake_pci_dev(root, "0000:02:00.0", 0x1e7c, 0xbca1, "", -1, 8);
	return root;
}

TEST(cli_enumerate_no_device)
{
	CHECK_EQ(run(t_tmpdir(), "enumerate"), 0);
	CHECK_OUT("No Akida device found");
	CHECK_EQ(run(t_tmpdir(), "--json enumerate"), 0);
	CHECK_OUT("\"devices\": []");
	CHECK_EQ(run(t_tmpdir(), "info 0"), 3);
	CHECK_OUT("no device: no Akida device found");
	CHECK_EQ(run(t_tmpdir(), "info 0 --json"), 3);
	CHECK_OUT("\"kind\": \"no device\"");
}

TEST(cli_enumerate_fake_tree)
{
	char *r = fake_tree();

	CHECK_EQ(run(r, "enumerate"), 0);
	CHECK_OUT("0   0000:01:00.0  AKD1000  akida_pcie  /dev/akida0  7 ");
	CHECK_OUT("1   0000:02:00.0  AKD1000  (none)");
	CHECK_NOT_OUT("0000:00:1f.0");
	CHECK_EQ(run(r, "enumerate --json"), 0);
	CHECK_OUT("\"akida_np_count\": \"80\"");
	CHECK_OUT("\"devnode\": \"/dev/akida0\"");
	CHECK_OUT("\"driver\": null");
}

TEST(cli_info_fake_tree)
{
	char *r = fake_tree();

	CHECK_EQ(run(r, "info 0"), 0);
	CHECK_OUT("Akida device 0: AKD1000 at 0000:01:00.0");
	CHECK_OUT("akida_pcie (/dev/akida0)");
	CHECK_OUT("5.0 GT/s PCIe x1");
	CHECK_OUT("BAR0 4 MiB BAR2 4 MiB");
	CHECK_OUT("dma_ram_base=0x20000000");
	CHECK_OUT("np_count=80");
	CHECK_OUT("host->device: ? transfers, 4096 bytes");
	/* no real /dev/akida0 here: the reason is shown, not a crash */
	CHECK_OUT("capabilities   unavailable");
	CHECK_EQ(run(r, "info 0000:02:00.0"), 0);
	CHECK_OUT("none bound");
	CHECK_EQ(run(r, "info 9"), 4);
	CHECK_OUT("device not found");
	CHECK_EQ(run(r, "iommu-group 0000:01:00.0"), 0);
	CHECK_MSG(!strcmp(out, "7\n"), "%s", out);
	CHECK_EQ(run(r, "--json iommu-group 01:00.0"), 0);
	CHECK_OUT("\"iommu_group\": 7");
}

TEST(cli_backend_unavailable_messages)
{
	char *r = fake_tree();

	CHECK_EQ(run(r, "--backend vfio probe 0"), 5);
	CHECK_MSG(strstr(out, "not bound to vfio-pci") && strstr(out, "bind-vfio"), "%s", out);
	CHECK_EQ(run(r, "--backend kernel probe 1"), 5);
	CHECK_MSG(strstr(out, "not bound") && strstr(out, "modprobe akida_pcie"), "%s", out);
	CHECK_EQ(run(r, "--backend mmap probe 1"), 5);
	CHECK_OUT("resource0");
	CHECK_EQ(run(r, "--backend nonsense probe 0"), 2);
}

TEST(cli_bind_vfio_persistence)
{
	char *r = fake_tree(), path[700], buf[64] = "";
	FILE *f;

	/* the fake tree cannot really rebind: expect the "did not bind" exit 5 */
	CHECK_MSG(run(r, "bind-vfio 0000:01:00.0") == 5, "%s", out);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:01:00.0/driver_override", r);
	f = fopen(path, "r");
	CHECK_MSG(f, "no driver_override written: %s", out);
	CHECK(fgets(buf, sizeof(buf), f));
	fclose(f);
	CHECK(!strcmp(buf, "vfio-pci"));
	snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", r);
	CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/etc/vfio/0000:01:00.0", t_tmpdir());
	CHECK_MSG(access(path, F_OK) == 0, "no persistence marker: %s", out);
	CHECK_EQ(run(r, "unbind-vfio 0000:01:00.0"), 0);
	CHECK(access(path, F_OK) != 0);
	CHECK_EQ(run(r, "bind-vfio"), 2);
}

TEST(cli_model_info)
{
	const char *dir = t_fbz_dir();
	char args[700], path[600];
	FILE *f;

	if (!dir)
		SKIP_TEST("no real .fbz files");
	snprintf(args, sizeof(args), "model info %s/gesture-control.fbz", dir);
	CHECK_EQ(run(t_tmpdir(), args), 0);
	CHECK_OUT("dense_1 (FullyConnected)");
	CHECK_OUT("Total weight params: 2950 (weights only)");
	/* the input shape, In and Out columns; y_pred has no activation */
	CHECK_OUT("Input: 51 channels; output: 4 units/filters (layer y_pred)");
	CHECK_OUT("1   dense (FullyConnected)                        51      35      8      4");
	CHECK_OUT("4   y_pred (FullyConnected)                       10       4      4      -");
	CHECK_OUT("layout A");
	snprintf(args, sizeof(args), "--json model info %s/inventory-check.fbz", dir);
	CHECK_EQ(run(t_tmpdir(), args), 0);
	CHECK_OUT("\"version\": \"2.3.3\"");
	CHECK_OUT("\"input_width\": 224");
	CHECK_OUT("\"activation\": 0");
	snprintf(args, sizeof(args), "model info %s/inventory-check.fbz", dir);
	CHECK_EQ(run(t_tmpdir(), args), 0);
	CHECK_OUT("Input: 224 x 224 x 3 (width x height x channels); output: 2 units/filters");
	CHECK_OUT("W params");
	/* the final layer: activation 0, so no "A bits 1" */
	CHECK_OUT("7   conv2d_1 (Convolutional)                      32       2      4      -");
	/* a corrupted copy: invalid input */
	snprintf(path, sizeof(path), "%s/bad.fbz", t_tmpdir());
	f = fopen(path, "wb");
	fwrite("\xb4\x26\x1c\x04\x00", 1, 5, f);
	fclose(f);
	snprintf(args, sizeof(args), "model info %s", path);
	CHECK_EQ(run(t_tmpdir(), args), 9);
	CHECK_MSG(strstr(out, "invalid input") && strstr(out, "past the end"), "%s", out);
	CHECK_EQ(run(t_tmpdir(), "model info /nonexistent.fbz"), 9);
}

TEST(cli_model_random_roundtrip)
{
	char args[700];

	snprintf(args, sizeof(args), "model random --seed 5 --layers 20,10,4 "
		 "--weight-bits 4,8 --act-bits 2,8 -o %s/r.fbz", t_tmpdir());
	CHECK_EQ(run(t_tmpdir(), args), 0);
	snprintf(args, sizeof(args), "model info %s/r.fbz", t_tmpdir());
	CHECK_EQ(run(t_tmpdir(), args), 0);
	CHECK_MSG(strstr(out, "fc_0 (FullyConnected)") && strstr(out, "Total weight params: 240"),
		  "%s", out);
	snprintf(args, sizeof(args), "model random -o %s/r.akp", t_tmpdir());
	CHECK_EQ(run(t_tmpdir(), args), 0);
	snprintf(args, sizeof(args), "--json model info %s/r.akp", t_tmpdir());
	CHECK_EQ(run(t_tmpdir(), args), 0);
	CHECK_OUT("\"format\": \"program image\"");
	CHECK_EQ(run(t_tmpdir(), "model random --layers 0 -o x.fbz"), 2);
}

TEST(cli_usage_and_help)
{
	CHECK_EQ(run(t_tmpdir(), ""), 2);
	CHECK_EQ(run(t_tmpdir(), "frobnicate"), 2);
	CHECK_OUT("unknown command");
	CHECK_EQ(run(t_tmpdir(), "help"), 0);
	CHECK_OUT("Exit codes");
	CHECK_EQ(run(t_tmpdir(), "info"), 2);
	CHECK_EQ(run(t_tmpdir(), "--version"), 0);
}

/* ---- issue #20 ---- */

/*
 * A strict JSON checker: out[] must be exactly @want top-level documents
 * (whitespace between them), every string valid UTF-8. Returns NULL or
 * what is wrong.
 */
static const char *jp;

static const char *j_value(int depth);

static void j_ws(void)
{
	while (*jp == ' ' || *jp == '\n' || *jp == '\t' || *jp == '\r')
		jp++;
}

static const char *j_string(void)
{
	if (*jp++ != '"')
		return "expected a string";
	for (;;) {
		unsigned char c = (unsigned char)*jp;
		int n, k;
		unsigned int cp;

		if (!c)
			return "unterminated string";
		if (c == '"') {
			jp++;
			return NULL;
		}
		if (c < 0x20)
			return "raw control character in a string";
		if (c == '\\') {
			jp++;
			if (strchr("\"\\/bfnrt", *jp) && *jp) {
				jp++;
				continue;
			}
			if (*jp != 'u')
				return "bad escape";
			for (k = 1; k <= 4; k++)
				if (!strchr("0123456789abcdefABCDEF", jp[k]) || !jp[k])
					return "bad \\u escape";
			jp += 5;
			continue;
		}
		if (c < 0x80) {
			jp++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return "invalid UTF-8 lead byte";
		}
		for (k = 1; k <= n; k++) {
			if (((unsigned char)jp[k] & 0xc0) != 0x80)
				return "truncated UTF-8 sequence";
			cp = cp << 6 | ((unsigned char)jp[k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return "overlong or out-of-range UTF-8";
		jp += n + 1;
	}
}

static const char *j_value(int depth)
{
	const char *e;

	j_ws();
	if (depth > 64)
		return "too deep";
	if (*jp == '{' || *jp == '[') {
		char close = *jp == '{' ? '}' : ']';
		int obj = *jp == '{';

		jp++;
		j_ws();
		if (*jp == close) {
			jp++;
			return NULL;
		}
		for (;;) {
			j_ws();
			if (obj) {
				if ((e = j_string()))
					return e;
				j_ws();
				if (*jp++ != ':')
					return "expected ':'";
			}
			if ((e = j_value(depth + 1)))
				return e;
			j_ws();
			if (*jp == ',') {
				jp++;
				continue;
			}
			if (*jp++ != close)
				return "expected ',' or a closing bracket";
			return NULL;
		}
	}
	if (*jp == '"')
		return j_string();
	if (!strncmp(jp, "true", 4) || !strncmp(jp, "null", 4)) {
		jp += 4;
		return NULL;
	}
	if (!strncmp(jp, "false", 5)) {
		jp += 5;
		return NULL;
	}
	if (*jp == '-' || (*jp >= '0' && *jp <= '9')) {
		char *end;

		strtod(jp, &end);
		jp = end;
		return NULL;
	}
	return "expected a value";
}

static const char *json_docs(int want)
{
	const char *e;
	int n = 0;

	jp = out;
	for (;;) {
		j_ws();
		if (!*jp)
			break;
		if (*jp != '{')
			return "a document that is not an object";
		if ((e = j_value(0)))
			return e;
		n++;
	}
	return n == want ? NULL : n ? "more than one document" : "no JSON document";
}

#define CHECK_ONE_JSON()						\
	do {								\
		const char *t_e = json_docs(1);				\
		CHECK_MSG(!t_e, "%s: %s", t_e, out);			\
	} while (0)

/* 1: a pipe is read whole (not ftell()'d), and every failure has a message. */
TEST(cli_model_info_from_a_pipe)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "yes AKP1 | tr -d '\\n' | head -c 200000 | %s model info "
		 "/dev/stdin 2>&1", cli());
	CHECK_EQ(run_sh(cmd), 9);
	CHECK_NOT_OUT("ok:");
	CHECK_OUT("invalid input");
	snprintf(cmd, sizeof(cmd), "%s model random --seed 3 -o %s/p.akp", cli(), t_tmpdir());
	CHECK_MSG(run_sh(cmd) == 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "cat %s/p.akp | %s model info /dev/stdin 2>&1", t_tmpdir(), cli());
	CHECK_EQ(run_sh(cmd), 0);
	CHECK_OUT("Program image: /dev/stdin");
	snprintf(cmd, sizeof(cmd), "%s model random --seed 3 -o %s/p.fbz", cli(), t_tmpdir());
	CHECK_MSG(run_sh(cmd) == 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "cat %s/p.fbz | %s model info /dev/stdin 2>&1", t_tmpdir(), cli());
	CHECK_EQ(run_sh(cmd), 0);
	CHECK_OUT("fc_0 (FullyConnected)");
	/* beyond the size cap: a clear error */
	snprintf(cmd, sizeof(cmd), "head -c 300000000 /dev/zero | %s --json model info /dev/stdin "
		 "2>/dev/null", cli());
	CHECK_EQ(run_sh(cmd), 9);
	CHECK_ONE_JSON();
	CHECK_OUT("larger than");
}

/* 2: file errors, reading or writing, are input errors with one exit code. */
TEST(cli_file_errors_consistent)
{
	char args[700], path[600];
	FILE *f;

	snprintf(args, sizeof(args), "--json model random -o %s/no/such/dir/x.fbz", t_tmpdir());
	CHECK_EQ(run_stdout(t_tmpdir(), args), 9);
	CHECK_ONE_JSON();
	CHECK_OUT("\"kind\": \"invalid input\"");
	snprintf(args, sizeof(args), "--json model random -o %s/no/such/dir/x.akp", t_tmpdir());
	CHECK_EQ(run_stdout(t_tmpdir(), args), 9);
	CHECK_ONE_JSON();
	CHECK_OUT("\"kind\": \"invalid input\"");
	CHECK_OUT("No such file or directory");
	/* an unreadable model */
	snprintf(path, sizeof(path), "%s/locked.fbz", t_tmpdir());
	f = fopen(path, "wb");
	CHECK(f);
	fputs("x", f);
	fclose(f);
	chmod(path, 0);
	chmod(t_tmpdir(), 0755);
	if (geteuid() == 0 && setuid(65534))
		SKIP_TEST("root, and cannot drop to uid 65534");
	snprintf(args, sizeof(args), "model info %s", path);
	CHECK_EQ(run(t_tmpdir(), args), 9);
	CHECK_OUT("Permission denied");
	CHECK_OUT("invalid input");
}

/* 3: under --json every command prints exactly one document. */
TEST(cli_json_always_one_document)
{
	char *r = fake_tree(), args[700];
	static const char *const cmds[] = {
		"--json", "--json info", "--json frobnicate", "--json model",
		"--json model info", "--json bind-vfio", "--json unbind-vfio 1 2",
		"--json reset 0", "--json reset", "--json verify 0", "--json verify",
		"--json clock 0 turbo", "--json model random", "--json infer 0",
		"--json bench", "--json --backend", "--json model info /nonexistent",
		"--json bind-vfio 0000:01:00.0", "--json bind-vfio 0000:00:1f.0",
	};

	for (unsigned int k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		int rc = run_stdout(r, cmds[k]);

		CHECK_MSG(rc != 0, "%s: exit 0", cmds[k]);
		CHECK_MSG(!json_docs(1), "%s: %s: [%s]", cmds[k], json_docs(1), out);
		CHECK_MSG(strstr(out, "\"error\""), "%s: [%s]", cmds[k], out);
	}
	snprintf(args, sizeof(args), "--json model random --seed 2 -o %s/j.akp", t_tmpdir());
	CHECK_EQ(run_stdout(r, args), 0);
	CHECK_ONE_JSON();
	CHECK_OUT("\"output\"");
	CHECK_EQ(run_stdout(r, "--json help"), 0);
	CHECK_ONE_JSON();
}

/* 4: numbers are parsed whole, checked for range, or refused as usage errors. */
TEST(cli_strict_numbers)
{
	static const char *const bad[] = {
		"model random --seed abc -o x.akp", "model random --seed 12abc -o x.akp",
		"model random --seed -1 -o x.akp", "model random --seed '' -o x.akp",
		"model random --seed 99999999999999999999999 -o x.akp",
		"model random --layers 64,,10 -o x.akp", "model random --layers 64,10x -o x.akp",
		"model random --weight-bits 4abc -o x.akp",
		"infer 0 m.akp --batch 12abc", "infer 0 m.akp --batch 0x", "infer 0 m.akp --random abc",
		"infer 0 m.akp --batch 4294967297",
		"bench 0 --batch 12abc", "bench 0 --iterations 3k", "bench 0 --dma-size 1M",
		"top --interval 5x", "top --count -1",
	};

	for (unsigned int k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		CHECK_MSG(run(t_tmpdir(), bad[k]) == 2, "%s: %s", bad[k], out);
	CHECK_EQ(run(t_tmpdir(), "model random --seed 0x10 -o /dev/null"), 0);
}

/* 5: a hostile layer name with invalid UTF-8 still gives valid JSON. */
TEST(cli_json_invalid_utf8_escaped)
{
	struct t_fbz_spec s = { 1, "bad\xff\xfe-\xc3\x28-\xe2\x82-caf\xc3\xa9-\xed\xa0\x80-\xf4\x90\x80\x80",
				"2.0.0", 2, { 2, 3 }, 6, AKIDA_FBZ_DTYPE_INT8 };
	const char *path = t_fbz_file(&s, "utf8.fbz");
	char args[700];

	snprintf(args, sizeof(args), "--json model info %s", path);
	CHECK_EQ(run_stdout(t_tmpdir(), args), 0);
	CHECK_ONE_JSON();
	/* valid UTF-8 passes through, each invalid byte becomes U+FFFD */
	CHECK_OUT("\"bad\\ufffd\\ufffd-\\ufffd(-\\ufffd\\ufffd-caf\xc3\xa9-"
		  "\\ufffd\\ufffd\\ufffd-\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

/* 7: pkg-config --static gives what a static link of a C program needs. */
TEST(cli_pkgconfig_static_link)
{
	const char *b = getenv("AKIDA_BUILD");
	char cmd[4096], src[600], inc[600];
	FILE *f;

	if (system("command -v pkg-config >/dev/null 2>&1 && command -v cc >/dev/null 2>&1"))
		SKIP_TEST("no pkg-config or cc");
	if (access("/usr/lib/x86_64-linux-gnu/libsnappy.a", F_OK) &&
	    access("/usr/lib/libsnappy.a", F_OK) && access("/usr/local/lib/libsnappy.a", F_OK))
		SKIP_TEST("no static libsnappy.a");
	snprintf(cmd, sizeof(cmd), "nm %s/lib/libakida.a 2>/dev/null | grep -q __asan_",
		 b ? b : "../build");
	if (!run_sh(cmd))
		SKIP_TEST("libakida.a built with ASan: no static link possible");
	/* this file is lib/tests/test_cli.c: the header is in lib/include */
	snprintf(inc, sizeof(inc), "%s", __FILE__);
	*strrchr(inc, '/') = 0;
	strcat(inc, "/../include");
	snprintf(src, sizeof(src), "%s/m.c", t_tmpdir());
	f = fopen(src, "w");
	CHECK(f);
	fputs("#include <akida.h>\n#include <stdio.h>\n"
	      "int main(void) { struct akida_program *p; uint8_t *b; size_t n;\n"
	      "  if (akida_program_random(1, NULL, &p) || akida_fbz_write_program(p, &b, &n))\n"
	      "    return 1;\n  printf(\"%zu\\n\", n); return 0; }\n", f);
	fclose(f);
	/* only the archive where libdir points: the link must take libakida.a */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p pc && cp %s/lib/libakida.a %s/lib/akida.pc pc/ && "
		 "PKG_CONFIG_PATH=pc pkg-config --define-variable=libdir=pc "
		 "--define-variable=includedir=%s --static --cflags --libs akida "
		 "> flags && cc -static -o m m.c $(cat flags) 2>&1 && ./m",
		 t_tmpdir(), b ? b : "../build", b ? b : "../build", inc);
	CHECK_MSG(run_sh(cmd) == 0, "%s", out);
}

/* 8: arguments past the 63rd, "--" ending options, --backend's usage error. */
TEST(cli_arguments)
{
	char cmd[8192];
	size_t n;

	n = snprintf(cmd, sizeof(cmd), "cd %s && %s model random", t_tmpdir(), cli());
	for (int k = 0; k < 40; k++)
		n += snprintf(cmd + n, sizeof(cmd) - n, " --seed %d", k);
	snprintf(cmd + n, sizeof(cmd) - n, " -o many.akp 2>&1");
	CHECK_EQ(run_sh(cmd), 0);
	CHECK_OUT("seed 39");
	snprintf(cmd, sizeof(cmd), "cd %s && %s model random -o ./-v >/dev/null && "
		 "%s model info -- -v 2>&1", t_tmpdir(), cli(), cli());
	CHECK_EQ(run_sh(cmd), 0);
	CHECK_OUT("Model: -v");
	CHECK_OUT("fc_0 (FullyConnected)");
	CHECK_EQ(run(t_tmpdir(), "--backend foo probe 0"), 2);
	CHECK_EQ(run(t_tmpdir(), "--backend=foo probe 0"), 2);
}

/* 9: one version, akida.h's: the library, akida.pc, the CLI and the man page agree. */
TEST(version_one_source)
{
	const char *b = getenv("AKIDA_BUILD");
	char path[700], want[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(want, sizeof(want), "%d.%d.%d", AKIDA_VERSION_MAJOR, AKIDA_VERSION_MINOR,
		 AKIDA_VERSION_PATCH);
	CHECK_MSG(!strcmp(akida_version(), want), "%s vs %s", akida_version(), want);
	snprintf(path, sizeof(path), "%s/lib/akida.pc", b ? b : "../build");
	f = fopen(path, "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Version: ", 9)) {
			CHECK_MSG(!strncmp(line + 9, want, strlen(want)), "%s", line);
			found++;
		}
	fclose(f);
	CHECK_EQ(found, 1);
	snprintf(path, sizeof(path), "%s", __FILE__);
	*strrchr(path, '/') = 0;
	strcat(path, "/../../tools/akida/akida.1");
	f = fopen(path, "r");
	CHECK(f);
	found = 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, ".TH ", 4)) {
			char v[80];

			snprintf(v, sizeof(v), "\"libakida %s\"", want);
			CHECK_MSG(strstr(line, v), "man page: %s", line);
			found++;
		}
	fclose(f);
	CHECK_EQ(found, 1);
	CHECK_EQ(run(t_tmpdir(), "--version"), 0);
	CHECK_MSG(strstr(out, want), "%s", out);
}
