#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make mutate: how many plausible driver bugs does the suite catch?

    mutate.py                 every mutant of scripts/mutants.py
    mutate.py ID...           only those
    mutate.py --list          the mutants, their anchors' state and tests

For each mutant: copy the module's sources (Kbuild, drivers/, include/) to
out/mutate/src, apply the one edit, build the module for 6.12 (W=1: a mutant
that does not build cleanly is reported `unbuilt`, not counted), boot it with
scripts/vmrun.py and run the mutant's tests as tier vm-6.12 (its inventory
and skip allowlist apply). Any failure, a hang or a kernel splat kills the
mutant; a clean run means it survived. A mutant whose anchor is gone or
ambiguous is `stale`. A mutant marked `equivalent` (with the reason no test
can tell it from the driver) was shown to survive once and is not run again
nor scored. The score is killed / (killed + survived).
Results go to out/mutate/results.txt, one line per mutant.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts"))
from mutants import MUTANTS  # noqa: E402

OUT = os.environ.get("AKIDA_OUT", os.path.join(TOP, "out"))
WORK = os.path.join(OUT, "mutate")
KERNEL = os.environ.get("AKIDA_MUTATE_KERNEL", "6.12")


def anchor_state(m):
    try:
        with open(os.path.join(TOP, m["file"])) as f:
            n = f.read().count(m["old"])
    except OSError:
        return "stale (file gone)"
    return "ok" if n == 1 else f"stale (anchor found {n} times)"


def make_tree(m):
    src = os.path.join(WORK, "src")
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    for part in ("Kbuild", "drivers", "include"):
        p = os.path.join(TOP, part)
        if os.path.isdir(p):
            shutil.copytree(p, os.path.join(src, part))
        elif os.path.exists(p):
            shutil.copy(p, os.path.join(src, part))
    path = os.path.join(src, m["file"])
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace(m["old"], m["new"], 1))
    return src


def run(m, timeout):
    src = make_tree(m)
    env = dict(os.environ, AKIDA_TOP=src, AKIDA_OUT=os.path.join(WORK, "out"))
    b = subprocess.run([os.path.join(TOP, "scripts/build-module.sh"), KERNEL], env=env,
                       text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if b.returncode:
        with open(os.path.join(WORK, f"{m['id']}.build.log"), "w") as f:
            f.write(b.stdout)
        return "unbuilt", "build failed or warned (W=1)"
    ko = b.stdout.strip().splitlines()[-1]
    res = os.path.join(WORK, f"{m['id']}.results")
    if os.path.exists(res):
        os.remove(res)
    log = os.path.join(WORK, f"{m['id']}.log")
    with open(log, "w") as f:
        r = subprocess.run([os.path.join(TOP, "scripts/vmrun.py"), "--kernel", KERNEL,
                            "--module", ko, "--suite", "--tier", "vm-6.12", "--quiet",
                            "--prefix", f"mutant-{m['id']}", "--results", res,
                            "--suite-args", " ".join(m["tests"]),
                            "--timeout", str(timeout)],
                           stdout=f, stderr=subprocess.STDOUT)
    fails = []
    if os.path.exists(res):
        with open(res) as f:
            fails = [ln.rstrip("\n").split(" #")[0][5:] for ln in f if ln.startswith("FAIL")]
    if r.returncode == 0 and not fails:
        return "survived", ""
    why = fails[0] if fails else f"vmrun exit {r.returncode}"
    return "killed", f"{why}{' (+%d more)' % (len(fails) - 1) if len(fails) > 1 else ''}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("ids", nargs="*", help="mutant ids (default: all)")
    ap.add_argument("--list", action="store_true", help="list the mutants and their anchors")
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds per guest run (a mutant that hangs longer is killed)")
    a = ap.parse_args()
    ids = {m["id"] for m in MUTANTS}
    if len(ids) != len(MUTANTS):
        sys.exit("mutate: duplicate mutant ids in scripts/mutants.py")
    for i in a.ids:
        if i not in ids:
            sys.exit(f"mutate: no mutant {i}")
    todo = [m for m in MUTANTS if not a.ids or m["id"] in a.ids]
    if a.list:
        for m in todo:
            print(f"{m['id']:24} {anchor_state(m):28} {' '.join(m['tests']):40} {m['why']}")
        return 0
    os.makedirs(WORK, exist_ok=True)
    out = open(os.path.join(WORK, "results.txt"), "w")
    count = {}
    for m in todo:
        t0 = time.time()
        st = anchor_state(m)
        if st != "ok":
            verdict, detail = "stale", st
        elif m.get("equivalent"):
            # Shown to survive, and why no test can kill it: not run, not scored.
            verdict, detail = "equiv", m["equivalent"]
        else:
            verdict, detail = run(m, a.timeout)
        count[verdict] = count.get(verdict, 0) + 1
        line = f"{verdict:8} {m['id']:24} {int(time.time() - t0):4d}s  {detail}  # {m['why']}"
        print(line, flush=True)
        out.write(line + "\n")
        out.flush()
    killed, survived = count.get("killed", 0), count.get("survived", 0)
    score = f"{100.0 * killed / (killed + survived):.0f}%" if killed + survived else "n/a"
    summary = (f"mutation score {score}: {killed} killed, {survived} survived, "
               f"{count.get('stale', 0)} stale, {count.get('unbuilt', 0)} unbuilt, "
               f"{count.get('equiv', 0)} equivalent (not scored) "
               f"of {len(todo)} mutants")
    print(summary)
    out.write(summary + "\n")
    return 0 if survived == 0 and not count.get("stale") else 1


if __name__ == "__main__":
    sys.exit(main())
