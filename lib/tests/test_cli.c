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

/* Run the CLI with @args against sysfs root @root; stdout+stderr in out[]. */
static int run(const char *root, const char *args)
{
	char cmd[2048];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "AKIDA_SYSFS_ROOT='%s' AKIDA_ETC='%s/etc' %s %s 2>&1",
		 root, t_tmpdir(), cli(), args);
	p = popen(cmd, "r");
	CHECK(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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
	CHECK_EQ(run(r, "--backend nonsense probe 0"), 9);
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
	CHECK_OUT("Total params: 2950");
	CHECK_OUT("layout A");
	snprintf(args, sizeof(args), "--json model info %s/inventory-check.fbz", dir);
	CHECK_EQ(run(t_tmpdir(), args), 0);
	CHECK_OUT("\"version\": \"2.3.3\"");
	CHECK_OUT("\"input_width\": 224");
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
	CHECK_MSG(strstr(out, "fc_0 (FullyConnected)") && strstr(out, "Total params: 240"),
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
