#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: the main job on the emulated AKD1000. Installs what it needs,
# builds QEMU with the device, the module and the CLI, boots Debian's 6.12
# kernel with the module loaded and, in the guest, lists the devices, shows
# device 0, and runs an inference of a model built by the library whose
# output is checked byte for byte against the CPU golden model.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "installing dependencies (apt, kernel images, busybox)"
"$AKIDA_TOP/scripts/deps.sh" > "$AKIDA_OUT/deps.log" 2>&1 || { tail -20 "$AKIDA_OUT/deps.log"; exit 1; }
"$AKIDA_TOP/scripts/fetch.sh" > "$AKIDA_OUT/fetch.log" 2>&1 || { tail -20 "$AKIDA_OUT/fetch.log"; exit 1; }
step "building QEMU with the emulated AKD1000 (cached after the first run)"
qemu=$("$AKIDA_TOP/scripts/build-qemu.sh" 2> "$AKIDA_OUT/qemu-build.log" | tail -1) ||
	{ tail -20 "$AKIDA_OUT/qemu-build.log"; exit 1; }
echo "$qemu"
kernel=${AKIDA_KERNEL:-6.12}
step "building akida_pcie.ko for Debian $kernel, libakida and the akida CLI"
"$AKIDA_TOP/scripts/build-module.sh" "$kernel"
make -s -C "$AKIDA_TOP" userspace

guest='
set -e
say() { printf "\n\033[1m$ %s\033[0m\n" "$*"; }
say "dmesg | grep akida_pcie"; dmesg | grep akida_pcie | tail -3
say "ls -l /dev/akida*"; ls -l /dev/akida*
if [ ! -x /akida/bin/akida ]; then
	echo "the akida CLI is not built in this tree (lib/, tools/akida/): nothing more to show"
	exit 1
fi
say "akida enumerate"; akida enumerate
say "akida info 0"; akida info 0
say "akida verify 0"; akida verify 0
'
step "booting Debian $kernel under QEMU with the emulated AKD1000"
AKIDA_QEMU=$qemu exec "$AKIDA_TOP/scripts/vmrun.py" --kernel "$kernel" --timeout 600 --run "$guest"
