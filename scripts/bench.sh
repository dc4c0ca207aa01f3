#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: modeled DMA throughput of /dev/akidaN on the emulated AKD1000.
#
#   scripts/bench.sh [KERNEL] [vmrun.py options...]   (default kernel: 6.12)
#
# Boots the test guest and runs rw_bench_test, which prints, for bounce
# buffers and pinned user pages, host-to-device and device-to-host, 4 KiB to
# 16 MiB: the modeled MB/s from the emulator's link counters, its share of the
# 450 MB/s link, and the list elements per transfer. Add --iommu to measure
# behind an IOMMU.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:-6.12}
[ $# -gt 0 ] && shift
exec "$top/scripts/vmrun.py" --kernel "$kernel" "$@" --run 'rw_bench_test'
