#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot a Debian kernel under QEMU with the emulated AKD1000 and run something.

    vmrun.py --kernel 6.12 --suite --prefix vm-6.12 --results out/results.txt
    vmrun.py --kernel 6.1 --run 'akida enumerate'
    vmrun.py --kernel 6.12 --interactive

The guest sees three serial ports: ttyS0 is the kernel console (kept in
console.log and scanned for oopses), ttyS1 carries the output of what runs
(clean of kernel messages, so TAP survives), ttyS2 is the host-control
channel behind the guest's `akida-hostctl` (QEMU monitor commands, e.g. for
hot-unplug tests).

Exit status: that of the guest command (--run), 0/1 for --suite, 124 when the
guest never reported back, 125 when the kernel console shows a splat.
"""

import argparse
import fnmatch
import gzip
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("AKIDA_CACHE", os.path.expanduser("~/.cache/akida"))
OUT = os.environ.get("AKIDA_OUT", os.path.join(TOP, "out"))
BUILD = os.environ.get("O", os.path.join(TOP, "build"))

# --icount: 2^3 ns = 8 ns per guest instruction, a 125 MIPS guest CPU. Slow
# next to a desktop core (a few thousand MIPS) but in the range of the
# embedded hosts an AKD1000 board goes into, and cheap enough under TCG
# that a benchmark boots and runs in minutes (Documentation/testing.rst).
ICOUNT_SHIFT = 3

# Kernel modules the guest may need besides ours (VFIO tests), with deps.
EXTRA_MODULES = ["vfio-pci", "vfio_iommu_type1", "vfio", "vfio_pci_core", "irqbypass"]

# Lines on the kernel console that mean the kernel is unhappy.
SPLAT = re.compile(
    r"(Oops|BUG:|WARNING:|Kernel panic|general protection fault|KASAN|UBSAN|"
    r"kernel BUG|Call Trace:|possible circular locking|possible recursive locking|"
    r"DMA-API:|unreferenced object|soft lockup|hung_task|blocked for more than)")

# A guest that reports one of these is stuck: nothing after it can pass, so the
# run ends STUCK_GRACE seconds later (the time for a second report and a
# backtrace) instead of at --timeout.
STUCK = re.compile(r"(blocked for more than \d+ seconds|detected stalls on CPUs|"
                   r"soft lockup - CPU|Watchdog detected hard LOCKUP|Kernel panic)")
STUCK_GRACE = 45

# Informational lines that match SPLAT but report nothing wrong.
BENIGN = re.compile(r"DMA-API: (preallocated \d+ debug entries|debugging enabled by kernel config)")

DONE = "@@AKIDA-DONE"
TEST_BEGIN = "@@TEST-BEGIN "
TEST_END = "@@TEST-END "
SUITE_ERROR = "@@SUITE-ERROR "
# Taint flags a test guest may gain: O (out-of-tree module) and E (unsigned).
TAINT_ALLOWED = (1 << 12) | (1 << 13)
MANIFESTS = os.path.join(TOP, "selftests", "akida", "manifest")
TAP = re.compile(r"^(not ok|ok) (\d+) ?-? ?(.*?)(?: # (SKIP|TODO|XFAIL|XPASS)\b ?(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)")


def log(msg):
    print(f"vmrun: {msg}", file=sys.stderr, flush=True)


def die(msg, code=2):
    log(f"error: {msg}")
    sys.exit(code)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def resolve_kernel(name):
    out = subprocess.run(["bash", "-c", f'. "{TOP}/scripts/lib.sh"; akida_resolve_kernel "$1"',
                          "x", name], text=True, stdout=subprocess.PIPE)
    ver = out.stdout.strip()
    if out.returncode or not ver:
        die(f"no kernel matches '{name}' (have: {os.listdir(os.path.join(CACHE, 'kernels'))})")
    kdir = os.path.join(CACHE, "kernels", ver)
    if not os.path.exists(os.path.join(kdir, "vmlinuz")):
        die(f"no kernel image for {ver} in {kdir} (run scripts/fetch.sh)")
    return ver, kdir


def last_line(cmd):
    res = subprocess.run(cmd, text=True, stdout=subprocess.PIPE)
    if res.returncode:
        die(f"{' '.join(cmd)} failed ({res.returncode})")
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    if not lines:
        die(f"{' '.join(cmd)} printed nothing")
    return lines[-1].strip()


def firmware_dir():
    d = os.path.join(CACHE, "firmware")
    os.makedirs(d, exist_ok=True)
    for src in ("/usr/share/seabios/bios-256k.bin", "/usr/share/qemu/linuxboot_dma.bin"):
        if not os.path.exists(src):
            die(f"{src} missing (packages seabios, qemu-system-data; run scripts/deps.sh)")
        dst = os.path.join(d, os.path.basename(src))
        if not os.path.exists(dst):
            os.symlink(src, dst)
    return d


# ---------------------------------------------------------------- initramfs

def elf_deps(paths):
    """Shared libraries (and the loader) that the ELF files need."""
    libs = set()
    for p in paths:
        res = subprocess.run(["ldd", p], text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        if res.returncode:
            continue  # static, or not an ELF executable
        for ln in res.stdout.splitlines():
            m = re.search(r"(/\S+)", ln)
            if m and os.path.exists(m.group(1)):
                libs.add(m.group(1))
    return libs


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def module_closure(modroot, ver, names):
    """Paths (relative to lib/modules/ver) of the named modules and their deps."""
    dep = {}
    if not os.path.exists(os.path.join(modroot, "lib/modules", ver, "modules.dep")):
        subprocess.run(["depmod", "-b", modroot, ver], check=True)
    with open(os.path.join(modroot, "lib/modules", ver, "modules.dep")) as f:
        for ln in f:
            mod, _, rest = ln.partition(":")
            dep[mod] = rest.split()
    byname = {}
    for mod in dep:
        base = os.path.basename(mod).split(".ko")[0]
        byname[base] = mod
        byname[base.replace("-", "_")] = mod
    want = set()
    todo = [byname[n.replace("-", "_")] for n in names if n.replace("-", "_") in byname]
    while todo:
        m = todo.pop()
        if m in want:
            continue
        want.add(m)
        todo.extend(dep.get(m, []))
    return sorted(want)


INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/akida/bin:/akida/selftests:/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm /run /root
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
hostname akida-vm
ln -sf /proc/self/fd /dev/fd 2>/dev/null
for t in /dev/ttyS1 /dev/ttyS2; do stty -F $t raw -echo 115200 2>/dev/null; done
echo 1 > /proc/sys/kernel/panic_on_oops 2>/dev/null
# Backstops: a short hung-task timeout (the detector's report fails the run),
# and the taint flags from before our module, compared after the suite.
echo 30 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
echo 1 > /proc/sys/kernel/softlockup_all_cpu_backtrace 2>/dev/null
cat /proc/sys/kernel/tainted > /run/akida-taint-boot
export AKIDA_TEST_GUEST=1
# The kernel command line carries the module parameters comma-separated.
akida_params=$(echo "${akida_params:-}" | tr , ' ')
export akida_params
if [ "${akida_load:-1}" = 1 ]; then
	modprobe akida_pcie ${akida_params:-}
	rc=$?
	echo $rc > /run/akida-modprobe.rc
	dmesg > /run/akida-boot.dmesg
	[ $rc = 0 ] || echo "@@MODPROBE-FAILED rc=$rc" > /dev/ttyS1
	n=$(ls /sys/bus/pci/drivers/akida_pcie 2>/dev/null | grep -c ':')
	echo "@@AKIDA-BOUND $n" > /dev/ttyS1
fi
if [ "${akida_interactive:-0}" = 1 ]; then
	echo "akida test guest: /akida/bin, /akida/selftests; 'poweroff -f' to leave"
	setsid cttyhack sh -l
	poweroff -f
fi
cd /akida
sh /akida/run.sh > /dev/ttyS1 2>&1 < /dev/null
rc=$?
echo "@@AKIDA-DONE rc=$rc" > /dev/ttyS1
sync
poweroff -f
"""

HOSTCTL = r"""#!/bin/sh
# akida-hostctl CMD...: run a QEMU monitor (HMP) command on the host and print
# its reply. One caller at a time.
exec 3<>/dev/ttyS2
echo "$*" >&3
while IFS= read -r line <&3; do
	[ "$line" = "@@END" ] && exit 0
	[ "$line" = "@@ERR" ] && exit 1
	printf '%s\n' "$line"
done
exit 1
"""


def build_initramfs(ver, kdir, module, run_script, workdir):
    root = os.path.join(workdir, "root")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp",
              "akida/bin", "akida/selftests", f"lib/modules/{ver}/extra"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    bb = os.path.join(CACHE, "busybox", "busybox")
    if not os.path.exists(bb):
        die("busybox missing (run scripts/fetch.sh)")
    shutil.copy(bb, os.path.join(root, "bin/busybox"))
    with open(os.path.join(root, "init"), "w") as f:
        f.write(INIT)
    os.chmod(os.path.join(root, "init"), 0o755)
    with open(os.path.join(root, "usr/bin/akida-hostctl"), "w") as f:
        f.write(HOSTCTL)
    os.chmod(os.path.join(root, "usr/bin/akida-hostctl"), 0o755)
    with open(os.path.join(root, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    with open(os.path.join(root, "etc/group"), "w") as f:
        f.write("root:x:0:\nakida:x:900:\nnogroup:x:65534:\n")
    with open(os.path.join(root, "akida/run.sh"), "w") as f:
        f.write(run_script)

    # Kernel modules: ours, the VFIO stack, their dependencies.
    mroot = os.path.join(kdir, "lib/modules", ver)
    for m in module_closure(kdir, ver, EXTRA_MODULES):
        src = os.path.join(mroot, m)
        dst = os.path.join(root, "lib/modules", ver, m)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if m.endswith(".xz"):
            with open(dst[:-3], "wb") as out:
                subprocess.run(["xz", "-dc", src], check=True, stdout=out)
        elif m.endswith(".zst"):
            with open(dst[:-4], "wb") as out:
                subprocess.run(["zstd", "-qdc", src], check=True, stdout=out)
        else:
            shutil.copy(src, dst)
    for f in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
        if os.path.exists(os.path.join(mroot, f)):
            shutil.copy(os.path.join(mroot, f), os.path.join(root, "lib/modules", ver, f))
    if module:
        shutil.copy(module, os.path.join(root, "lib/modules", ver, "extra/akida_pcie.ko"))
    subprocess.run(["depmod", "-b", root, ver], check=True)

    # Userspace: the CLI, tools and the selftests, with their shared libraries.
    elves = []
    for sub, dst in (("bin", "akida/bin"), ("selftests/akida", "akida/selftests")):
        src = os.path.join(BUILD, sub)
        if not os.path.isdir(src):
            continue
        for name in sorted(os.listdir(src)):
            p = os.path.join(src, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                shutil.copy(p, os.path.join(root, dst, name))
                if is_elf(p):
                    elves.append(p)
    gst = os.path.join(TOP, "selftests/akida/run_suite.sh")
    if os.path.exists(gst):
        shutil.copy(gst, os.path.join(root, "akida/bin/run_suite.sh"))
    for lib in elf_deps(elves):
        dst = os.path.join(root, lib.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(lib, dst)
        # Keep /lib64 -> the loader resolvable (ld-linux-x86-64.so.2).
    # The same inputs give the same bytes: sorted names, one fixed time,
    # renumbered inodes, no gzip time stamp. The kernel unpacks the image at
    # boot, so under --icount a different image is a different boot.
    names = []
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            os.utime(p, (0, 0), follow_symlinks=False)
            names.append(os.path.relpath(p, root))
    os.utime(root, (0, 0))
    listing = b"".join(n.encode() + b"\0" for n in ["."] + sorted(names))
    img = os.path.join(workdir, "initramfs.cpio.gz")
    with open(img, "wb") as out:
        cpio = subprocess.Popen(["cpio", "--null", "-o", "-H", "newc", "--quiet", "--reproducible",
                                 "--owner=0:0"], cwd=root, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        gz = subprocess.Popen(["gzip", "-1", "-n"], stdin=cpio.stdout, stdout=out)
        cpio.stdout.close()
        cpio.stdin.write(listing)
        cpio.stdin.close()
        if gz.wait() or cpio.wait():
            die("building the initramfs failed")
    return img


# ---------------------------------------------------------------- host control

class HostControl(threading.Thread):
    """Relay `akida-hostctl` lines from the guest (ttyS2) to QMP."""

    def __init__(self, ctl_path, qmp_path):
        super().__init__(daemon=True)
        self.ctl_path, self.qmp_path = ctl_path, qmp_path
        self.stop = False

    @staticmethod
    def connect(path):
        for _ in range(300):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                return s
            except OSError:
                time.sleep(0.1)
        return None

    def qmp(self, f, cmd):
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            ln = f.readline()
            if not ln:
                return None
            msg = json.loads(ln)
            if "event" in msg:
                continue
            return msg

    def run(self):
        ctl = self.connect(self.ctl_path)
        qs = self.connect(self.qmp_path)
        if not ctl or not qs:
            return
        qf = qs.makefile("rw")
        qf.readline()  # greeting
        self.qmp(qf, {"execute": "qmp_capabilities"})
        buf = b""
        while not self.stop:
            try:
                data = ctl.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                cmd = line.decode(errors="replace").strip("\r ")
                if not cmd:
                    continue
                log(f"hostctl: {cmd}")
                rep = self.qmp(qf, {"execute": "human-monitor-command",
                                    "arguments": {"command-line": cmd}})
                if rep is None or "error" in rep:
                    text = (rep or {}).get("error", {}).get("desc", "no reply") + "\n@@ERR\n"
                else:
                    text = rep.get("return", "")
                    if text and not text.endswith("\n"):
                        text += "\n"
                    text += "@@END\n"
                ctl.sendall(text.replace("\r", "").encode())


# ---------------------------------------------------------------- results

def parse_suite(lines, prefix):
    """Turn the guest's suite output into (status, name, detail, output) tuples.

    A binary must print TAP with a plan and exactly as many results as its
    plan; a binary that prints no result at all passes only as a whole-binary
    skip (exit 4), which the tier's allowlist then judges."""
    results = []
    cur, out, plan, seen, failed = None, [], None, 0, False
    for ln in lines:
        if ln.startswith(SUITE_ERROR):
            results.append(("FAIL", f"{prefix}/run_suite", ln[len(SUITE_ERROR):].strip(), []))
            continue
        if ln.startswith(TEST_BEGIN):
            cur, out, plan, seen, failed = ln[len(TEST_BEGIN):].strip(), [], None, 0, False
            continue
        if cur is None:
            continue
        if ln.startswith(TEST_END):
            m = re.search(r"rc=(\d+)", ln)
            rc = int(m.group(1)) if m else -1
            name = f"{prefix}/{cur}"
            if seen == 0:
                if rc == 4:
                    results.append(("SKIP", name, "skipped as a whole", out))
                else:
                    results.append(("FAIL", name, f"exit {rc}, no TAP results", out))
            elif plan is None:
                results.append(("FAIL", f"{name}/plan", f"{seen} results, no TAP plan", out))
            elif seen != plan:
                results.append(("FAIL", f"{name}/incomplete",
                                f"{seen} of {plan} results, exit {rc}", out))
            elif rc not in (0, 4) and not failed:
                results.append(("FAIL", f"{name}/exit", f"exit {rc} with no failed test", out))
            cur = None
            continue
        out.append(ln)
        if (m := PLAN.match(ln)) and plan is None:
            plan = int(m.group(1))
            continue
        m = TAP.match(ln)
        if not m:
            continue
        seen += 1
        ok, _, desc, directive, reason = m.groups()
        tname = f"{prefix}/{cur}/{desc.strip()}"
        if directive == "SKIP":
            results.append(("SKIP", tname, (reason or "").strip(), out))
        elif ok == "ok" or directive in ("TODO", "XFAIL"):
            results.append(("PASS", tname, "", out))
        else:
            failed = True
            results.append(("FAIL", tname, (reason or "").strip(), list(out)))
    if cur is not None:
        results.append(("FAIL", f"{prefix}/{cur}", "guest stopped in the middle of it", out))
    return results


def load_manifest(tier):
    """[(binary, case)] from selftests/akida/manifest/TIER.cases (make inventory)."""
    path = os.path.join(MANIFESTS, f"{tier}.cases")
    try:
        with open(path) as f:
            rows = [ln.rstrip("\n").split("\t") for ln in f
                    if ln.strip() and not ln.startswith("#")]
    except OSError:
        die(f"no manifest {path} (tiers are listed in scripts/inventory.py)")
    for r in rows:
        if len(r) != 2:
            die(f"{path}: bad line {r!r}")
    return [tuple(r) for r in rows]


def load_skips(tier):
    """[(pattern, reason)] from manifest/TIER.skips: "binary/case  reason"."""
    path = os.path.join(MANIFESTS, f"{tier}.skips")
    allow = []
    try:
        with open(path) as f:
            for ln in f:
                ln = ln.strip()
                if not ln or ln.startswith("#"):
                    continue
                pat, _, reason = ln.partition(" ")
                if not reason.strip():
                    die(f"{path}: every allowed skip needs a reason: {ln!r}")
                allow.append((pat, reason.strip()))
    except FileNotFoundError:
        pass
    return allow


def judge_inventory(results, prefix, expected, ran):
    """Fail every case of the manifest that did not report, and every case
    that reported without being in it."""
    want = {f"{prefix}/{b}/{c}" for b, c in expected if b in ran}
    whole = {f"{prefix}/{b}" for b in ran}
    got = {r[1] for r in results if r[0] in ("PASS", "FAIL", "SKIP")}
    reported_whole = {r[1] for r in results if r[1] in whole}
    out = []
    for name in sorted(want - got):
        if name.rsplit("/", 1)[0] in reported_whole:
            continue  # judged as a whole: a skip (allowlist) or a failure
        out.append(("FAIL", name, "in the manifest but never reported (missing or renamed)", []))
    for name in sorted(got - want - whole):
        tail = name[len(prefix) + 1:]
        if "/" in tail and tail.split("/")[1] not in ("incomplete", "exit", "plan") and \
                tail.split("/")[0] in ran:
            out.append(("FAIL", name, "reported but not in the manifest (make inventory)", []))
    return out


def judge_skips(results, prefix, allow, tier):
    """Keep a SKIP only when the tier's allowlist names it; any other skip
    fails. Returns the new results and the allowlist lines that matched nothing."""
    used, new = set(), []
    for st, name, detail, out in results:
        if st == "SKIP":
            short = name[len(prefix) + 1:]
            hit = next((p for p, _ in allow if fnmatch.fnmatchcase(short, p)), None)
            if hit is None:
                st, detail = "FAIL", f"skipped, not on the {tier} allowlist: {detail}"
            else:
                used.add(hit)
        new.append((st, name, detail, out))
    return new, [p for p, _ in allow if p not in used]


def splats(console):
    bad = []
    for ln in console:
        body = re.sub(r"^\[\s*\d+\.\d+\]\s*", "", ln)
        if SPLAT.search(body) and not BENIGN.search(body):
            bad.append(ln)
    return bad


def judge_guest(lines, prefix, a):
    """The backstops the guest reports: module load, binding, taint."""
    res = []
    for ln in lines:
        if ln.startswith("@@MODPROBE-FAILED"):
            res.append(("FAIL", f"{prefix}/modprobe", f"modprobe akida_pcie: {ln.split()[-1]}", []))
    bound = [ln.split()[1] for ln in lines if ln.startswith("@@AKIDA-BOUND ")]
    if not a.no_module and not a.no_device:
        if not bound or bound[0] != "1":
            res.append(("FAIL", f"{prefix}/probe",
                        f"{bound[0] if bound else 'no'} device(s) bound to akida_pcie after "
                        "modprobe", []))
        else:
            res.append(("PASS", f"{prefix}/probe", "", []))
    taint = [ln for ln in lines if ln.startswith("@@TAINT ")]
    m = re.match(r"@@TAINT boot=(\d+) now=(\d+)", taint[-1]) if taint else None
    if not m:
        res.append(("FAIL", f"{prefix}/taint", "the guest did not report its taint flags", []))
    else:
        boot, now = int(m.group(1)), int(m.group(2))
        new = now & ~boot & ~TAINT_ALLOWED
        if new:
            res.append(("FAIL", f"{prefix}/taint",
                        f"kernel tainted during the run: {boot:#x} -> {now:#x} "
                        f"(new bits {new:#x})", []))
        else:
            res.append(("PASS", f"{prefix}/taint", f"{boot:#x} -> {now:#x}", []))
    return res


def judge_shutdown(console, prefix, a):
    """The driver's .shutdown ran when the guest powered off (`poweroff -f`
    goes through device_shutdown(), as reboot and kexec do): the device was
    quiesced (jobs, eDMA, NPU, interrupt, bus mastering) for the next kernel."""
    if a.no_module or a.no_device:
        return []
    bound = shut = False
    for ln in console:
        if re.search(r"akida_pcie \S+: akida\d+: AKD\d+, ", ln):
            bound = True
        elif re.search(r"akida_pcie \S+: akida\d+ removed", ln):
            bound = False
        elif re.search(r"akida_pcie \S+: akida\d+: shut down", ln):
            shut = True
        elif "reboot: Power down" in ln:
            if shut:
                return [("PASS", f"{prefix}/shutdown", "", [])]
            if bound:
                return [("FAIL", f"{prefix}/shutdown",
                         "akida_pcie's .shutdown did not run at power-off", [])]
            return []   # unbound at power-off (the debug tier's kmemleak scan)
    return []   # no clean power-off: the guest checks say why


def archive_logs(prefix, work, paths):
    """Keep every run's console and output, compressed, under out/logs/vm/."""
    dst = os.path.join(OUT, "logs", "vm", f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}")
    os.makedirs(dst, exist_ok=True)
    for p in paths:
        if os.path.exists(p):
            with open(p, "rb") as src, gzip.open(os.path.join(dst, os.path.basename(p) + ".gz"),
                                                 "wb") as out:
                shutil.copyfileobj(src, out)
    log(f"logs kept in {dst}")


# ---------------------------------------------------------------- main

# TCG runs every vCPU in one host thread. QEMU 7.2's multi-threaded TCG has
# three failures seen here, all races between vCPU threads that upstream fixed
# after 7.2: tcg_commit() flushes every vCPU's TLB from the thread that changed
# the memory map (a BAR enabled or disabled: each FLR and command-register
# write in the suite), so a vCPU in the middle of an access can use a stale
# entry (QEMU segfaulted, no core caught, in the second of 40 rounds of
# emu_npu_test; a vCPU stopped taking timer interrupts after an FLR once);
# the IOMMU unmap notifier does the same (memory_region_dispatch_write
# segfault, one VT-d run in four); and a vCPU can execute a stale translation
# of kernel text patched back by another ("Oops: int3", one boot in ten).
# Single-threaded TCG costs little on a 2-core host (the 6.12 tier: within a
# few seconds of the multi-threaded run); AKIDA_ACCEL overrides it.
TCG = "tcg,thread=single"


def probe_accel(qemu, kernel):
    """KVM where a guest really boots with it, else TCG. The answer is cached
    per host kernel and QEMU binary: a kvm that opens but cannot run guests
    (nested or paravirtual setups) must not be chosen."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return TCG
    key = re.sub(r"[^A-Za-z0-9.]+", "_", f"{os.uname().release}-{qemu}")
    path = os.path.join(CACHE, "accel", key)
    try:
        with open(path) as f:
            accel = f.read().strip()
        return TCG if accel in ("", "tcg") else accel
    except OSError:
        pass
    env = dict(os.environ, AKIDA_ACCEL="kvm", AKIDA_QEMU=qemu)
    try:
        res = subprocess.run([sys.executable, os.path.abspath(__file__), "--kernel", kernel,
                              "--module", "none", "--no-module", "--no-device", "--quiet",
                              "--run", "true", "--timeout", "25"], env=env, timeout=45,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        accel = "kvm" if res.returncode == 0 else "tcg"
    except subprocess.TimeoutExpired:
        accel = "tcg"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(accel + "\n")
    log(f"accelerator: {accel} (probed once, cached in {path})")
    return TCG if accel == "tcg" else accel


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kernel", default="6.12", help="kernel version or prefix (6.1, 6.12, ...)")
    ap.add_argument("--module", help="use this akida_pcie.ko instead of building one ('none': no module)")
    ap.add_argument("--no-module", action="store_true", help="do not load the module at boot")
    ap.add_argument("--module-params", default="", help="parameters for modprobe akida_pcie")
    ap.add_argument("--iommu", action="store_true", help="add intel-iommu, boot intel_iommu=on")
    ap.add_argument("--no-device", action="store_true", help="boot without the AKD1000")
    ap.add_argument("--device-props", default="", help="extra akd1000 properties (a=b,c=d)")
    ap.add_argument("--run", help="shell command to run in the guest")
    ap.add_argument("--suite", action="store_true", help="run the selftest suite, parse TAP")
    ap.add_argument("--suite-args", default="", help="arguments to run_suite.sh (test names)")
    ap.add_argument("--tier", help="judge --suite against selftests/akida/manifest/TIER.cases\n"
                    "and TIER.skips: missing/extra cases and unlisted skips fail;\n"
                    "without --suite-args, runs the tier's binaries (smoke_test first)")
    ap.add_argument("--before", default="", help="shell command run in the guest before --suite")
    ap.add_argument("--after", default="", help="shell command run in the guest after --suite")
    ap.add_argument("--prefix", help="name prefix for --suite results (default vm-<kernel>)")
    ap.add_argument("--results", help="append PASS/FAIL/SKIP lines here (scripts/lib.sh format)")
    ap.add_argument("--interactive", action="store_true", help="a shell on the console")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds before giving up")
    ap.add_argument("--mem", default="2G")
    ap.add_argument("--smp", default="2")
    ap.add_argument("--append", default="", help="extra kernel command line")
    ap.add_argument("--qemu-args", default="", help="extra QEMU arguments")
    ap.add_argument("--icount", nargs="?", type=int, const=ICOUNT_SHIFT, default=None,
                    metavar="SHIFT",
                    help="deterministic clock: single-threaded TCG, one vCPU, "
                         f"-icount shift=SHIFT,sleep=off (default shift {ICOUNT_SHIFT}: "
                         "8 ns per guest instruction, a 125 MIPS CPU)")
    ap.add_argument("--quiet", action="store_true", help="do not echo the guest output")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()

    if a.icount is not None:
        # A reproducible module build: with KBUILD_BUILD_TIMESTAMP set the
        # kernel's Makefile.btf runs pahole without -j, whose BTF otherwise
        # comes out in a different order from build to build under load, and
        # the kernel parses the module's BTF at load time.
        os.environ.setdefault("KBUILD_BUILD_TIMESTAMP", "2026-01-01T00:00:00Z")
    ver, kdir = resolve_kernel(a.kernel)
    prefix = a.prefix or f"vm-{ver}"

    qemu = os.environ.get("AKIDA_QEMU") or last_line([os.path.join(TOP, "scripts/build-qemu.sh")])
    module = None
    if a.module == "none":
        module = None
    elif a.module:
        module = os.path.abspath(a.module)
    else:
        module = last_line([os.path.join(TOP, "scripts/build-module.sh"), ver])
    res = subprocess.run(["make", "-s", "-C", TOP, "userspace", f"O={BUILD}"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if res.returncode:
        print(res.stdout[-4000:], file=sys.stderr)
        die("make userspace failed")

    expected, allow, ran = None, [], []
    if a.suite:
        expected = load_manifest(a.tier) if a.tier else None
        allow = load_skips(a.tier) if a.tier else []
        ran = a.suite_args.split()
        if not ran:
            if expected is not None:
                ran = sorted({b for b, _ in expected}, key=lambda b: (b != "smoke_test", b))
            else:
                ran = sorted(n for n in os.listdir(os.path.join(BUILD, "selftests/akida"))
                             if n.endswith("_test"))
        script = f"sh /akida/bin/run_suite.sh {' '.join(ran)}\n"
        if a.before:
            script = a.before + "\n" + script
        if a.after:
            script += a.after + "\n"
        script += 'echo "@@TAINT boot=$(cat /run/akida-taint-boot) now=$(cat /proc/sys/kernel/tainted)"\n'
    elif a.run:
        script = a.run + "\n"
    else:
        script = "true\n"

    os.makedirs(os.path.join(OUT, "vm"), exist_ok=True)
    work = tempfile.mkdtemp(prefix=f"{ver}-", dir=os.path.join(OUT, "vm"))
    img = build_initramfs(ver, kdir, module, script, work)

    cmdline = ["console=ttyS0,115200", "panic=-1",
               "akida_load=" + ("0" if a.no_module else "1"),
               "akida_interactive=" + ("1" if a.interactive else "0"),
               "rdinit=/init", "tsc=reliable", "no_timer_check"]
    if a.module_params:
        cmdline.append("akida_params=" + a.module_params.replace(" ", ","))
    if a.iommu:
        cmdline.append("intel_iommu=on")
    if a.icount is not None:
        # A fixed kernel layout: KASLR seeds from a hash of boot_params (the
        # command line and initramfs size), so each --run would place it anew.
        cmdline.append("nokaslr")
    if a.append:
        cmdline.append(a.append)
    console_log = os.path.join(work, "console.log")
    out_log = os.path.join(work, "out.log")
    ctl = os.path.join(work, "ctl.sock")
    qmp = os.path.join(work, "qmp.sock")
    accel = os.environ.get("AKIDA_ACCEL") or probe_accel(qemu, a.kernel)
    smp = a.smp
    icount = []
    if a.icount is not None:
        # One clock for everything: the guest CPU's instructions, guest time
        # and the device's QEMU_CLOCK_VIRTUAL timers, independent of the host.
        if not 0 <= a.icount <= 10:
            sys.exit("vmrun: --icount SHIFT must be 0..10")
        accel, smp = TCG, "1"
        icount = ["-icount", f"shift={a.icount},sleep=off",
                  "-rtc", "base=2026-01-01T00:00:00,clock=vm"]
    q = [qemu, "-M", "q35", "-accel", accel, "-m", a.mem, "-smp", smp,
         "-nodefaults", "-no-reboot", "-display", "none", "-L", firmware_dir(),
         "-kernel", os.path.join(kdir, "vmlinuz"), "-initrd", img,
         "-append", " ".join(c for c in cmdline if c)]
    if a.iommu:
        q += ["-device", "intel-iommu"]
    if a.interactive:
        q += ["-serial", "mon:stdio"]
    else:
        q += ["-chardev", f"file,id=con,path={console_log}", "-serial", "chardev:con"]
    q += ["-chardev", f"file,id=out,path={out_log}", "-serial", "chardev:out",
          "-chardev", f"socket,id=ctl,path={ctl},server=on,wait=off", "-serial", "chardev:ctl",
          "-qmp", f"unix:{qmp},server=on,wait=off",
          # A Gen2 x1 slot, like the chip's link. Linux then does not wait
          # for Data Link Layer Link Active after a secondary bus reset (AER
          # fatal-error recovery), which QEMU 7.2 never sets on a root port
          # whose slot is hot-plugged through ACPI (q35's default).
          "-device", "pcie-root-port,id=rp0,chassis=1,slot=1,x-speed=5,x-width=1"]
    if not a.no_device:
        props = ",".join(p for p in ("akd1000,id=akida0,bus=rp0", a.device_props) if p)
        q += ["-device", props]
    q += icount
    q += shlex.split(a.qemu_args)

    log(f"kernel {ver}, module {module or '-'}, workdir {work}")
    if a.interactive:
        hc = HostControl(ctl, qmp)
        hc.start()
        return subprocess.call(q)

    open(out_log, "w").close()
    proc = subprocess.Popen(q, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    hc = HostControl(ctl, qmp)
    hc.start()
    qemu_out = []
    threading.Thread(target=lambda: qemu_out.extend(proc.stdout), daemon=True).start()

    start = time.time()
    lines, partial, rc, timed_out = [], "", None, False
    stuck_at, stuck_line, con_pos, con_partial = None, "", 0, ""
    with open(out_log, errors="replace") as f:
        while True:
            # The console, read as it grows: a stuck guest ends the run early.
            if stuck_at is None and os.path.exists(console_log):
                with open(console_log, "rb") as cf:
                    cf.seek(con_pos)
                    chunk = cf.read()
                    con_pos = cf.tell()
                con_partial += chunk.decode(errors="replace")
                *full, con_partial = con_partial.split("\n")
                for ln in full:
                    if STUCK.search(ln):
                        stuck_at, stuck_line = time.time(), ln.strip()
                        log(f"the guest is stuck ({stuck_line}); ending the run in "
                            f"{STUCK_GRACE} s")
                        break
            if stuck_at is not None and time.time() - stuck_at > STUCK_GRACE:
                timed_out = True
                break
            chunk = f.read()
            if chunk:
                partial += chunk.replace("\r", "")
                *full, partial = partial.split("\n")
                for ln in full:
                    lines.append(ln)
                    if not a.quiet and not ln.startswith(DONE):
                        print(ln, flush=True)
                    if ln.startswith(DONE):
                        m = re.search(r"rc=(\d+)", ln)
                        rc = int(m.group(1)) if m else 1
            if rc is not None or proc.poll() is not None:
                break
            if time.time() - start > a.timeout:
                timed_out = True
                break
            time.sleep(0.05)
    # Let the guest power off by itself; then make sure QEMU is gone.
    try:
        proc.wait(timeout=20 if rc is not None else 1)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    hc.stop = True
    with open(out_log, errors="replace") as f:
        tail = f.read().replace("\r", "").split("\n")
    for ln in tail[len(lines):]:
        if ln:
            lines.append(ln)
            if not a.quiet:
                print(ln, flush=True)
    try:
        with open(console_log, errors="replace") as f:
            console = f.read().replace("\r", "").splitlines()
    except OSError:
        console = []

    results = []
    if a.suite:
        results = parse_suite(lines, prefix)
        if expected is not None:
            results += judge_inventory(results, prefix, expected, set(ran))
            results, unused = judge_skips(results, prefix, allow, a.tier)
            for pat in unused:
                log(f"note: {a.tier} allows a skip of {pat} that did not happen")
        results += judge_guest(lines, prefix, a)
    bad = splats(console)
    if timed_out or rc is None:
        if stuck_at is not None:
            why = f"the guest got stuck: {stuck_line}"
        elif timed_out:
            why = f"no report within {a.timeout} s"
        else:
            why = f"QEMU exited ({proc.returncode}) before the guest reported"
        results.append(("FAIL", f"{prefix}/guest", why, []))
    if bad:
        results.append(("FAIL", f"{prefix}/kernel-console", bad[0].strip(), []))
    elif a.suite and rc is not None:
        results.append(("PASS", f"{prefix}/kernel-console", "", []))
    if a.suite and rc is not None:
        results += judge_shutdown(console, prefix, a)

    failed = [r for r in results if r[0] == "FAIL"]
    for st, name, detail, out in failed:
        print(f"---- FAIL {name}: {detail}", flush=True)
        if out:
            print("\n".join("  | " + ln for ln in out[-40:]))
    if failed or (rc not in (0, None) and not a.suite):
        if qemu_out:
            print("---- QEMU said:\n" + "".join(qemu_out[-20:]), end="")
        print(f"---- last lines of the guest console ({console_log}):")
        print("\n".join("  | " + ln for ln in console[-60:]), flush=True)
    if a.results:
        with open(a.results, "a") as f:
            for st, name, detail, _ in results:
                f.write(f"{st} {name}{' # ' + detail if detail else ''}\n")
    if a.suite:
        np = sum(1 for r in results if r[0] == "PASS")
        ns = sum(1 for r in results if r[0] == "SKIP")
        print(f"{prefix}: {np} passed, {len(failed)} failed, {ns} skipped", flush=True)
    archive_logs(prefix, work, (console_log, out_log))
    if not a.keep and not failed and rc == 0:
        shutil.rmtree(work, ignore_errors=True)
    if timed_out or rc is None:
        return 124
    if bad:
        return 125
    if a.suite:
        return 1 if failed else 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
