#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: throughput and latency of the akida_pcie stack on the emulated
# AKD1000 against the link model and the vendor's method (issue #7).
#
#   scripts/bench.sh [--quick] [--no-vfio] [--no-icount] [--out DIR]
#
# The guest runs on the deterministic clock (vmrun.py --icount: one vCPU,
# single-threaded TCG, -icount shift=3,sleep=off): the guest CPU, guest time
# and the device's modeled delays share one virtual clock, so the figures are
# durations on that clock whatever the host's load. The same sources give the
# same guest (a reproducible initramfs and module, nokaslr) and so the same
# figures, run after run (Documentation/testing.rst). --no-icount measures on
# the host's clock.
#
# Installs what it needs, builds QEMU with the device, the module for Debian's
# 6.12 kernel and the userspace (tools/bench/akida-bench), boots ONE guest
# with intel-iommu (so VFIO works; the driver's DMA then goes through the
# IOMMU too) and runs akida-bench in it. The guest prints JSON between
# markers; this script extracts it and renders, under results/bench-<date>/:
# bench.json, table.txt (also printed), throughput.png, guest.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=
vfio=
icount=--icount
out=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=--quick ;;
	--no-vfio) vfio=--no-vfio ;;
	--no-icount) icount= ;;
	--out) out=$2; shift ;;
	-h|--help) sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

t0=$(date +%s)
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
stamp=$(date -u +%Y%m%d-%H%M%S)
out=${out:-$AKIDA_TOP/results/bench-$stamp}
mkdir -p "$out"

step "installing dependencies (apt, kernel images, busybox)"
"$AKIDA_TOP/scripts/deps.sh" > "$AKIDA_OUT/deps.log" 2>&1 || { tail -20 "$AKIDA_OUT/deps.log"; exit 1; }
"$AKIDA_TOP/scripts/fetch.sh" > "$AKIDA_OUT/fetch.log" 2>&1 || { tail -20 "$AKIDA_OUT/fetch.log"; exit 1; }
step "building QEMU with the emulated AKD1000 (cached after the first run)"
qemu=$("$AKIDA_TOP/scripts/build-qemu.sh" 2> "$AKIDA_OUT/qemu-build.log" | tail -1) ||
	{ tail -20 "$AKIDA_OUT/qemu-build.log"; exit 1; }
kernel=${AKIDA_KERNEL:-6.12}
# The module vmrun.py --icount builds: BTF from pahole without -j.
if [ -n "$icount" ]; then
	export KBUILD_BUILD_TIMESTAMP=${KBUILD_BUILD_TIMESTAMP:-2026-01-01T00:00:00Z}
fi
step "building akida_pcie.ko for Debian $kernel and the userspace (akida-bench)"
"$AKIDA_TOP/scripts/build-module.sh" "$kernel" >&2
make -s -C "$AKIDA_TOP" userspace >&2
[ -x "$AKIDA_TOP/build/bin/akida-bench" ] || die "build/bin/akida-bench was not built"

step "booting Debian $kernel (TCG, intel-iommu) and running akida-bench $quick $vfio"
set +e
AKIDA_QEMU=$qemu "$AKIDA_TOP/scripts/vmrun.py" --kernel "$kernel" --iommu --timeout 1800 $icount \
	--run "akida-bench $quick $vfio" 2>&1 | tee "$out/guest.log" |
	grep --line-buffered '^akida-bench:' >&2
rc=${PIPESTATUS[0]}
set -e
awk '/^AKIDA_BENCH_JSON_END/ { on = 0 } on { print } /^AKIDA_BENCH_JSON_BEGIN/ { on = 1 }' \
	"$out/guest.log" | tr -d '\r' > "$out/bench.json"
if [ "$rc" -ne 0 ] || [ ! -s "$out/bench.json" ]; then
	tail -40 "$out/guest.log" >&2
	die "the guest run failed (exit $rc); its output is in $out/guest.log"
fi

step "results in ${out#"$AKIDA_TOP"/}"
python3 "$AKIDA_TOP/tools/bench/render.py" "$out/bench.json" \
	--table "$out/table.txt" --plot "$out/throughput.png"
elapsed=$(( $(date +%s) - t0 ))
printf '\nmake bench took %d min %02d s; files: %s\n' $((elapsed / 60)) $((elapsed % 60)) \
	"$(cd "$out" && echo *)"
ln -sfn "$(basename "$out")" "$AKIDA_TOP/results/latest" 2>/dev/null || true
