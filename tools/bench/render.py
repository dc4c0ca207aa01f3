#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render akida-bench's JSON: console table, targets, gnuplot PNG.

    render.py RESULTS.json [--table OUT.txt] [--plot OUT.png] [--check]

--check only validates the document (exit 0 when complete and well formed,
1 otherwise, with the reason on stderr); it never looks at the figures.
The renderer reports where the figures stand against the project's targets;
it does not pass or fail anything on them.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

PATHS = [("rw", "pread/pwrite"), ("dma_ioctl", "DMA ioctl"), ("vfio", "VFIO (lib)"),
         ("vendor_1k", "vendor 1K sync")]
CNT = ["mmio_reads", "mmio_writes", "dma_elements", "dma_bytes", "msi", "modeled_ns",
       "dma_ns", "npu_ns", "inferences", "dma_aborts", "h2d_bytes", "d2h_bytes",
       "npu_busy_ns"]
KIB = 1024
BIG = 256 * KIB


def human(size):
    if size >= 1 << 20:
        return "%d MiB" % (size >> 20)
    return "%d KiB" % (size >> 10)


def check(doc, expect_vfio):
    """Raise ValueError unless @doc is a complete akida-bench document."""
    def need(obj, keys, where):
        for k in keys:
            if k not in obj:
                raise ValueError("%s: missing %r" % (where, k))

    need(doc, ["version", "meta", "transfers", "inference", "weights"], "document")
    need(doc["meta"], ["kernel", "iommu", "emu_timing", "link_mbps", "element_ns",
                       "vfio_run", "quick"], "meta")
    want_paths = {"rw", "dma_ioctl", "vendor_1k"} | ({"vfio"} if expect_vfio else set())
    seen = {}
    for i, x in enumerate(doc["transfers"]):
        need(x, ["path", "dir", "size", "reps", "bytes", "error", "wall_ns",
                 "modeled_mbps", "wall_mbps", "counters"], "transfers[%d]" % i)
        need(x["counters"], CNT, "transfers[%d].counters" % i)
        if x["error"] != 0 or x["modeled_mbps"] is None:
            raise ValueError("transfers[%d] (%s %s %d): error %d" %
                             (i, x["path"], x["dir"], x["size"], x["error"]))
        seen.setdefault(x["path"], set()).add((x["dir"], x["size"]))
    for p in want_paths:
        if p not in seen:
            raise ValueError("no transfers through %s (%s)" %
                             (p, doc["meta"].get("vfio_note", "")))
    sizes = seen["rw"]
    for p in want_paths:
        if seen[p] != sizes:
            raise ValueError("%s measured other sizes than rw" % p)
    if not any(d == "h2d" for d, _ in sizes) or not any(d == "d2h" for d, _ in sizes):
        raise ValueError("transfers lack a direction")
    inf = doc["inference"]
    need(inf, ["model", "runs", "outputs_match_golden"], "inference")
    kinds = set()
    for i, r in enumerate(inf["runs"]):
        need(r, ["kind", "batch", "queue_depth", "jobs", "inferences", "syscalls", "irqs",
                 "error", "wall_ns", "counters"], "inference.runs[%d]" % i)
        if r["error"] != 0 or r["jobs"] == 0 or r["inferences"] == 0:
            raise ValueError("inference run %d (batch %d qd %d) failed: error %d" %
                             (i, r["batch"], r["queue_depth"], r["error"]))
        kinds.add((r["kind"], r["batch"], r["queue_depth"]))
    for qd in (1, 2, 4):
        if ("throughput", 1, qd) not in kinds:
            raise ValueError("no throughput run at batch 1 queue depth %d" % qd)
    if not any(k[0].startswith("latency") for k in kinds):
        raise ValueError("no latency run")
    if not doc["weights"]:
        raise ValueError("no weight-update measurement")
    for w in doc["weights"]:
        need(w, ["model", "image_bytes", "error", "plain", "updates", "reload"], "weights")
        if not w["updates"]:
            raise ValueError("weights %s: no layer updated" % w["model"])
        if w["error"] != 0:
            raise ValueError("weights %s: error %d" % (w["model"], w["error"]))


def pct(a, b):
    return 100.0 * a / b if b else float("nan")


def per(v, n):
    return v / n if n else float("nan")


def transfers(doc, out):
    link = doc["meta"]["link_mbps"]
    xs = {(x["path"], x["dir"], x["size"]): x for x in doc["transfers"]}
    sizes = sorted({x["size"] for x in doc["transfers"]})
    paths = [p for p in PATHS if any(k[0] == p[0] for k in xs)]
    out.append("Transfers: modeled MB/s (%% of the %.0f MB/s link) [guest wall MB/s]" % link)
    head = "%-7s %-3s" % ("size", "dir")
    for _, name in paths:
        head += " | %-24s" % name
    head += " | best/vendor"
    out.append(head)
    out.append("-" * len(head))
    for d in ("h2d", "d2h"):
        for s in sizes:
            row = "%-7s %-3s" % (human(s), d)
            best = 0
            for p, _ in paths:
                x = xs.get((p, d, s))
                if not x or x["modeled_mbps"] is None:
                    row += " | %-24s" % "-"
                    continue
                m = x["modeled_mbps"]
                if p != "vendor_1k":
                    best = max(best, m)
                row += " | %6.1f (%3.0f%%) [%7.1f]" % (m, pct(m, link), x["wall_mbps"] or 0)
            v = xs.get(("vendor_1k", d, s))
            row += " | %5.1fx" % (best / v["modeled_mbps"]) if v and v["modeled_mbps"] else " | -"
            out.append(row)
    out.append("")
    def cell(x):
        if not x or not x["calls"]:
            return "-"
        c, n = x["counters"], x["calls"]
        return "%g/%g/%g/%g %.1f" % (
            round(c["dma_elements"] / n, 1), round(c["mmio_reads"] / n, 1),
            round(c["mmio_writes"] / n, 1), round(c["msi"] / n, 1),
            c["modeled_ns"] / n / 1000.0)

    same = all(cell(xs.get((p, "h2d", s))) == cell(xs.get((p, "d2h", s)))
               for p, _ in paths for s in sizes)
    out.append("Per call (one transfer; vendor: one 1 KiB call): DMA elements / MMIO reads / "
               "MMIO writes / MSIs, then modeled us")
    for d in (("h2d",) if same else ("h2d", "d2h")):
        head = "%-7s %-3s" % ("size", "h2d=d2h"[:3] if same else d)
        if same:
            head = "%-11s" % "size"
        for _, name in paths:
            head += " | %-24s" % name
        out.append(head + ("    (h2d and d2h identical)" if same else ""))
        out.append("-" * len(head))
        for s in sizes:
            row = "%-11s" % human(s)
            for p, _ in paths:
                row += " | %-24s" % cell(xs.get((p, d, s)))
            out.append(row)


def inference(doc, out):
    inf = doc["inference"]
    out.append("Inference through AKIDA_IOCTL_JOB_SUBMIT/WAIT, model %s (output vs CPU golden "
               "model: %s)" % (inf["model"], {True: "identical", False: "DIFFERENT",
                                                 None: "not checked"}[inf["outputs_match_golden"]]))
    head = ("%-10s %5s %2s %9s %10s %11s %8s %7s %7s %7s %9s %9s" %
            ("run", "batch", "qd", "inf/s", "lat med", "modeled", "sysc/inf", "irq/inf",
             "rd/inf", "wr/inf", "busy wall", "busy mod"))
    out.append(head)
    out.append("%-10s %5s %2s %9s %10s %11s %8s %7s %7s %7s %9s %9s" %
               ("", "", "", "(wall)", "(wall us)", "us/inf", "", "", "MMIO", "MMIO", "%", "%"))
    out.append("-" * len(head))
    for r in inf["runs"]:
        c, n = r["counters"], r["inferences"]
        busy_wall = pct(c["npu_busy_ns"], r["wall_ns"])
        busy_mod = pct(c["npu_ns"], c["modeled_ns"])
        out.append("%-10s %5d %2d %9.0f %10s %11.1f %8.2f %7s %7.2f %7.2f %9.1f %9.1f" % (
            r["kind"], r["batch"], r["queue_depth"], n * 1e9 / r["wall_ns"],
            "%.0f" % (r["lat_med_ns"] / 1000.0) if r["kind"].startswith("latency") else "-",
            per(c["modeled_ns"], n) / 1000.0, per(r["syscalls"], n),
            "%.2f" % per(r["irqs"], n) if r["irqs"] >= 0 else "n/a",
            per(c["mmio_reads"], n), per(c["mmio_writes"], n), busy_wall, busy_mod))
    out.append("busy wall % = NPU_BUSY_NS / wall time of the run. NPU_BUSY_NS is the emulator's "
               "QEMU virtual-clock time")
    out.append("  from each NPU command's start to its completion (with timing=modeled the "
               "completion waits for the modeled")
    out.append("  compute time); the guest's CLOCK_MONOTONIC runs on the same virtual clock, so "
               "this is the measured duty")
    out.append("  cycle of the NPU, including TCG's slowness of the host side.")
    out.append("busy mod % = NPU_NS / MODELED_NS: the NPU's share of all modeled device time "
               "(NPU + DMA + MMIO), i.e. the")
    out.append("  duty cycle if nothing overlapped. MODELED_NS is a sum of charges, not a clock: "
               "it does not advance with wall time.")
    out.append("sysc/inf = ioctls the benchmark issued on the critical path per inference (latency: "
               "JOB_RUN; latency-2call and throughput: JOB_SUBMIT + JOB_WAIT);")
    out.append("  irq/inf = delta of the %s line in /proc/interrupts; MMIO = emulator counters "
               "(test-window accesses not counted)." % doc["meta"].get("irq_name", "akida0"))


def weights(doc, out):
    out.append("Weight update (AKIDA_JOB_WEIGHTS, one layer) against a full program reload "
               "(AKIDA_JOB_PROGRAM|FORCE_LOAD)")
    out.append("  each = DMA ioctl of the new data (layer weights / whole image) + one batch-1 "
               "job. NPU us and modeled us: cost")
    out.append("  above a plain batch-1 job (emulator NPU_NS and MODELED_NS, average of the "
               "repetitions); wall ms: the whole")
    out.append("  operation (DMA + job), guest clock, indicative")
    head = ("%-24s %-18s %9s | %9s %10s %9s | %s" %
            ("model", "operation", "bytes", "NPU us", "modeled us", "wall ms",
             "reload/update (modeled)"))
    out.append(head)
    out.append("-" * len(head))
    for w in doc["weights"]:
        pl = w["plain"]

        def extra(p):
            c, b = p["counters_per_rep"], pl["counters_per_rep"]
            return ((c["npu_ns"] - b["npu_ns"]) / 1000.0,
                    (c["modeled_ns"] - b["modeled_ns"]) / 1000.0, p["wall_ns"] / 1e6)
        rl = extra(w["reload"])
        out.append("%-24s %-18s %9s | %9.1f %10.1f %9.2f |" % (
            w["model"], "plain batch-1 job", "-", pl["counters_per_rep"]["npu_ns"] / 1000.0,
            pl["counters_per_rep"]["modeled_ns"] / 1000.0, pl["wall_ns"] / 1e6))
        for u in w["updates"]:
            e = extra(u["update"])
            out.append("%-24s %-18s %9d | %9.1f %10.1f %9.2f | %s" % (
                "", "update layer %d" % u["layer"], u["weight_bytes"], e[0], e[1], e[2],
                "%.1fx" % (rl[1] / e[1]) if e[1] > 0 else "-"))
        out.append("%-24s %-18s %9d | %9.1f %10.1f %9.2f |" % (
            "", "full reload", w["image_bytes"], rl[0], rl[1], rl[2]))
    out.append("  (plain job row: its own NPU and modeled time, not an extra)")


def targets(doc, out):
    link = doc["meta"]["link_mbps"]
    xs = doc["transfers"]
    out.append("Where we stand against the targets (reported, not asserted)")
    # 1. >= 90 % of the link for >= 256 KiB, both directions
    big = [x for x in xs if x["size"] >= BIG and x["modeled_mbps"] is not None]
    if not big:
        out.append("  [n/a ] >= 90% of the modeled link for >= 256 KiB: no transfer that large "
                   "in this run")
    else:
        for p, name in PATHS[:3]:
            pts = [x for x in big if x["path"] == p]
            if not pts:
                continue
            worst = {d: min((pct(x["modeled_mbps"], link) for x in pts if x["dir"] == d),
                            default=float("nan")) for d in ("h2d", "d2h")}
            ok = all(v >= 90.0 for v in worst.values())
            out.append("  [%s] >= 90%% of the link for >= 256 KiB, %-13s worst h2d %.1f%%, "
                       "d2h %.1f%%" % ("met " if ok else "MISS", name + ":", worst["h2d"],
                                       worst["d2h"]))
    # 2. >= 10x the vendor method
    vend = {(x["dir"], x["size"]): x for x in xs if x["path"] == "vendor_1k"}
    rat_m = []
    agg = {}
    for x in xs:
        v = vend.get((x["dir"], x["size"]))
        if x["path"] in ("rw", "dma_ioctl") and v and x["size"] >= BIG:
            rat_m.append(x["modeled_mbps"] / v["modeled_mbps"])
            a = agg.setdefault(x["path"], [0, 0])
            a[0] += x["bytes"]
            a[1] += x["wall_ns"]
    vb = sum(v["bytes"] for k, v in vend.items() if k[1] >= BIG)
    vw = sum(v["wall_ns"] for k, v in vend.items() if k[1] >= BIG)
    if rat_m:
        lo_m = min(rat_m)
        out.append("  [%s] >= 10x the vendor method (>= 256 KiB, pread/pwrite and DMA ioctl): "
                   "modeled %.1fx-%.1fx" % ("met " if lo_m >= 10 else "MISS", lo_m, max(rat_m)))
        v1k = [v for v in vend.values() if v["calls"]]
        if v1k:
            v = v1k[0]
            c, n = v["counters"], v["calls"]
            out.append("         ceiling in the link model: %.0f MB/s / %.1f MB/s = %.2fx (the "
                       "vendor method costs %.1f us per 1 KiB call:" % (
                           link, v["modeled_mbps"], link / v["modeled_mbps"],
                           c["modeled_ns"] / n / 1000.0))
            out.append("         %g element, %g MMIO reads, %g MMIO writes)" % (
                round(c["dma_elements"] / n, 1), round(c["mmio_reads"] / n, 1),
                round(c["mmio_writes"] / n, 1)))
        if vw and vb:
            vr = vb / vw
            out.append("         guest wall clock (TCG, indicative; all sizes >= 256 KiB "
                       "together): %s" % ", ".join(
                           "%s %.1fx" % (dict(PATHS)[p], (a[0] / a[1]) / vr)
                           for p, a in sorted(agg.items()) if a[1]))
    # 3. per inference: one syscall, <= 1 interrupt, <= 2 MMIO reads
    runs = doc["inference"]["runs"]
    lat = next((r for r in runs if r["kind"] == "latency"), None) or \
        next((r for r in runs if r["kind"] == "latency-2call"), None)
    if lat:
        n = lat["inferences"]
        sc, irq, rd = per(lat["syscalls"], n), per(lat["irqs"], n), \
            per(lat["counters"]["mmio_reads"], n)
        ok = sc <= 1.0 and 0 <= irq <= 1.0 and rd <= 2.0
        out.append("  [%s] one syscall, <= 1 interrupt, <= 2 MMIO reads per inference (one "
                   "input, batch 1):" % ("met " if ok else "MISS"))
        two = next((r for r in runs if r["kind"] == "latency-2call"), None)
        out.append("         %.2f syscalls (%s), %.2f interrupts, %.2f MMIO "
                   "reads, %.2f MMIO writes" % (sc, "JOB_RUN" if sc < 1.5 else
                                               "JOB_SUBMIT + JOB_WAIT", irq, rd,
                                               per(lat["counters"]["mmio_writes"], n)))
        if two and two is not lat:
            m = two["inferences"]
            out.append("         beside it, submit then wait: %.2f syscalls, median latency "
                       "%.0f us against %.0f us" % (per(two["syscalls"], m),
                                                    two["lat_med_ns"] / 1000.0,
                                                    lat["lat_med_ns"] / 1000.0))
        b8 = [r for r in runs if r["kind"] == "throughput" and r["batch"] > 1]
        if b8:
            r = max(b8, key=lambda r: r["queue_depth"])
            n = r["inferences"]
            out.append("         at batch %d qd %d: %.2f syscalls, %.2f interrupts, %.2f MMIO "
                       "reads per inference" % (r["batch"], r["queue_depth"],
                                                per(r["syscalls"], n), per(r["irqs"], n),
                                                per(r["counters"]["mmio_reads"], n)))
    # 4. NPU >= 95 % busy at queue depth 2
    for r in runs:
        if r["kind"] == "throughput" and r["queue_depth"] == 2:
            c = r["counters"]
            bw = pct(c["npu_busy_ns"], r["wall_ns"])
            bm = pct(c["npu_ns"], c["modeled_ns"])
            out.append("  [%s] NPU >= 95%% busy at queue depth 2, batch %d: %.1f%% of wall time "
                       "(modeled share %.1f%%)" % ("met " if bw >= 95 else "MISS", r["batch"],
                                                   bw, bm))


def render(doc):
    m = doc["meta"]
    out = []
    out.append("akida_pcie benchmark (akida-bench%s), kernel %s, %s at %s" %
               (" --quick" if m["quick"] else "", m["kernel"], m.get("device", "?"),
                m.get("bdf", "?")))
    out.append("Emulated AKD1000, timing=%s, %d NPs; IOMMU: %s" % (
        m["emu_timing"], m.get("np_count", 0),
        "on (intel-iommu): the driver's DMA and the VFIO backend go through it" if m["iommu"]
        else "off (the driver's DMA does not go through an IOMMU)"))
    out.append("Modeled link (HARDWARE.md 6): %.0f MB/s payload + %.1f us per DMA element, MMIO "
               "read 1 us, write 0.1 us." % (m["link_mbps"], m["element_ns"] / 1000.0))
    out.append("Wall-clock figures are the guest's CLOCK_MONOTONIC under QEMU TCG: indicative "
               "only.")
    if not m["vfio_run"]:
        out.append("VFIO part not run: %s" % m.get("vfio_note", "?"))
    else:
        out.append("VFIO backend: device moved to vfio-pci for its part (DMA through the IOMMU: "
                   "%s), then back to %s." % ("yes" if m.get("vfio_iommu") else "no",
                                              m.get("driver_after") or "no driver"))
    out.append("")
    transfers(doc, out)
    out.append("")
    inference(doc, out)
    out.append("")
    weights(doc, out)
    out.append("")
    targets(doc, out)
    return "\n".join(line.rstrip() for line in out) + "\n"


def plot(doc, png):
    link = doc["meta"]["link_mbps"]
    xs = doc["transfers"]
    sizes = sorted({x["size"] for x in xs})
    with tempfile.TemporaryDirectory() as tmp:
        series = []
        for p, name in PATHS:
            for d in ("h2d", "d2h"):
                pts = sorted((x["size"], x["modeled_mbps"]) for x in xs
                             if x["path"] == p and x["dir"] == d and x["modeled_mbps"])
                if not pts:
                    continue
                f = os.path.join(tmp, "%s-%s.dat" % (p, d))
                with open(f, "w") as fh:
                    for s, v in pts:
                        fh.write("%d %f\n" % (s / 1024, v))
                series.append((f, "%s %s" % (name, d), p, d))
        styles = {"rw": 1, "dma_ioctl": 2, "vfio": 3, "vendor_1k": 4}
        # filled (h2d) and open (d2h) point types per path, so equal curves stay visible
        points = {"rw": (7, 6), "dma_ioctl": (5, 4), "vfio": (9, 8), "vendor_1k": (13, 12)}
        cmds = [
            "set terminal pngcairo size 1100,620 font 'sans,10'",
            "set output '%s'" % png,
            "set title 'akida\\_pcie on the emulated AKD1000: modeled throughput (%s)'" %
            doc["meta"]["kernel"],
            "set logscale x 2",
            "set xlabel 'transfer size (KiB)'",
            "set ylabel 'modeled MB/s'",
            "set xrange [%f:%f]" % (sizes[0] / 1024 / 1.3, sizes[-1] / 1024 * 1.3),
            "set yrange [0:%f]" % (link * 1.12),
            "set grid",
            "set key outside right top vertical Left reverse",
        ]
        plots = []
        for f, title, p, d in series:
            plots.append("'%s' using 1:2 with linespoints lc %d dt %d pt %d ps %.1f title '%s'" % (
                f, styles[p], 1 if d == "h2d" else 2, points[p][0 if d == "h2d" else 1],
                1.6 if d == "h2d" else 2.2, title))
        plots.append("%f with lines lc rgb 'black' lw 2 title 'link limit %.0f MB/s'" %
                     (link, link))
        plots.append("%f with lines lc rgb 'dark-gray' dt 2 lw 1.5 title '90%% of the link'" % (0.9 * link))
        cmds.append("plot " + ", ".join(plots))
        script = os.path.join(tmp, "plot.gp")
        with open(script, "w") as fh:
            fh.write("\n".join(cmds) + "\n")
        subprocess.run(["gnuplot", script], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--table")
    ap.add_argument("--plot")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-vfio", action="store_true", help="with --check: VFIO not expected")
    args = ap.parse_args()
    doc = None
    try:
        with open(args.json) as fh:
            doc = json.load(fh)
        check(doc, not args.no_vfio)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("render.py: %s: %s" % (args.json, e), file=sys.stderr)
        if args.check:
            return 1
        if not isinstance(doc, dict):
            return 1
        print("render.py: rendering what there is", file=sys.stderr)
    if args.check:
        return 0
    text = render(doc)
    sys.stdout.write(text)
    if args.table:
        with open(args.table, "w") as fh:
            fh.write(text)
    if args.plot:
        plot(doc, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
