#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare the figures of two or more akida-bench runs (bench.json files).

    tools/bench/compare.py results/bench-A/bench.json results/bench-B/bench.json ...

Walks every numeric field the runs have in common and prints, per kind of
figure (the field's name), the largest relative spread (max - min) / max over
the runs, then the overall worst. Under make bench's deterministic clock
(vmrun.py --icount) runs should agree within 1 %: exits 1 when a time or rate
figure (a name ending in _ns or _mbps) spreads more than --tolerance percent.
"""
import argparse
import json
import sys


def leaves(node, path=""):
    """(path, value) for every number under @node."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, f"{path}[{i}]")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, float(node)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--tolerance", type=float, default=1.0, help="percent (default 1)")
    a = ap.parse_args()
    if len(a.files) < 2:
        sys.exit("compare.py: give two or more bench.json files")
    runs = []
    for f in a.files:
        with open(f) as fh:
            runs.append(dict(leaves(json.load(fh))))
    common = set(runs[0])
    for r in runs[1:]:
        common &= set(r)
    by_kind = {}
    worst = (0.0, "")
    for path in sorted(common):
        vals = [r[path] for r in runs]
        hi, lo = max(vals), min(vals)
        spread = 0.0 if hi == lo else (hi - lo) / max(abs(hi), abs(lo)) * 100
        kind = path.rsplit(".", 1)[-1].split("[")[0]
        if spread >= by_kind.get(kind, (-1.0, ""))[0]:
            by_kind[kind] = (spread, path)
        if (kind.endswith("_ns") or kind.endswith("_mbps")) and spread > worst[0]:
            worst = (spread, path)
    print(f"{len(runs)} runs, {len(common)} figures in common")
    print(f"{'figure':24} {'max spread %':>12}  where")
    for kind in sorted(by_kind):
        spread, path = by_kind[kind]
        print(f"{kind:24} {spread:12.3f}  {path}")
    print(f"worst time/rate spread: {worst[0]:.3f} % ({worst[1] or '-'})")
    return 0 if worst[0] <= a.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
