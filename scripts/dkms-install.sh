#!/bin/bash
# SPDX-License-Identifier: MIT
# dkms-install.sh [options]: install akida_pcie as a DKMS module.
#
# Copies the module's sources and dkms.conf to SRCROOT/akida_pcie-VERSION,
# then runs `dkms add`, `dkms build` and (unless --no-install) `dkms install`
# for each kernel. As root for the default locations.
#
#   --srcroot DIR    where the source directory goes (default /usr/src)
#   --dkmstree DIR   DKMS tree to use (default: DKMS's own, /var/lib/dkms)
#   -k VER           a kernel to build for (repeatable; default: the running
#                    kernel); its headers are taken from /usr/src/linux-headers-VER
#                    when that exists, else /lib/modules/VER/build
#   --no-install     add and build only (what `make check` does)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
srcroot=/usr/src
dkmstree=
install=1
kernels=()
while [ $# -gt 0 ]; do
	case $1 in
	--srcroot) srcroot=$2; shift 2 ;;
	--dkmstree) dkmstree=$2; shift 2 ;;
	-k) kernels+=("$2"); shift 2 ;;
	--no-install) install=0; shift ;;
	-h|--help) sed -n '3,16p' "$0"; exit 0 ;;
	*) echo "dkms-install.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=("$(uname -r)")
command -v dkms >/dev/null || { echo "dkms-install.sh: dkms is not installed" >&2; exit 1; }

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$top/dkms.conf")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
src=$srcroot/$name-$ver

rm -rf "$src"
mkdir -p "$src/drivers/accel/akida" "$src/include/uapi/linux"
cp "$top/dkms.conf" "$top/Kbuild" "$top/COPYING" "$src/"
cp "$top"/drivers/accel/akida/Kbuild "$top"/drivers/accel/akida/*.[ch] "$src/drivers/accel/akida/"
cp "$top/include/uapi/linux/akida.h" "$src/include/uapi/linux/"

[ -z "$dkmstree" ] || mkdir -p "$dkmstree"
opts=(-m "$name" -v "$ver" --sourcetree "$srcroot")
[ -z "$dkmstree" ] || opts+=(--dkmstree "$dkmstree")

# Start from a clean slate if this version was added before.
if [ -n "$(dkms status "${opts[@]}" 2>/dev/null)" ]; then
	dkms remove "${opts[@]}" --all >/dev/null 2>&1 || true
fi
dkms add "${opts[@]}"
for k in "${kernels[@]}"; do
	kdir=/usr/src/linux-headers-$k
	[ -d "$kdir" ] || kdir=/lib/modules/$k/build
	dkms build "${opts[@]}" -k "$k" --kernelsourcedir "$kdir"
	if [ $install = 1 ]; then
		dkms install "${opts[@]}" -k "$k" --kernelsourcedir "$kdir"
	fi
done
dkms status "${opts[@]}"
