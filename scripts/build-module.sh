#!/bin/bash
# SPDX-License-Identifier: MIT
# build-module.sh VER [make args...]
#
# Build akida_pcie.ko for kernel VER (a full version, or a prefix such as 6.1
# or 6.12) with W=1 in out/kbuild/VER/, a copy of the kernel sources, so that
# builds for several kernels never share objects. Any compiler or sparse
# warning fails the build. Prints the path of the module on success.
#
# The kernel tree is $AKIDA_CACHE/kernels/VER/build when that exists (debug and
# chroot kernels), else /usr/src/linux-headers-VER. KDIR=... overrides both.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: build-module.sh VER [make args...]"
want=$1
shift
ver=$(akida_resolve_kernel "$want") || die "no kernel matches '$want'"
kdir=${KDIR:-}
if [ -z "$kdir" ]; then
	if [ -e "$AKIDA_CACHE/kernels/$ver/build" ]; then
		kdir=$AKIDA_CACHE/kernels/$ver/build
	else
		kdir=/usr/src/linux-headers-$ver
	fi
fi
[ -d "$kdir" ] || die "no kernel build tree for $ver at $kdir"

dst=$AKIDA_OUT/kbuild/$ver
mkdir -p "$dst"
# Mirror only what the module is built from, comparing contents (not
# modification times, which checkouts and archives do not keep in order);
# unchanged files keep their copies' times, so objects are reused.
srcs=$(cd "$AKIDA_TOP" && find Kbuild drivers include -type f \
	\( -name '*.c' -o -name '*.h' -o -name Kbuild -o -name Makefile \) 2>/dev/null)
for f in $srcs; do
	if ! cmp -s "$AKIDA_TOP/$f" "$dst/$f"; then
		mkdir -p "$dst/$(dirname "$f")"
		cp "$AKIDA_TOP/$f" "$dst/$f"
	fi
done
# Drop sources deleted from the tree since the last mirror.
(cd "$dst" && find Kbuild drivers include -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \) ! -name '*.mod.c' 2>/dev/null |
	while read -r f; do [ -e "$AKIDA_TOP/$f" ] || rm -f "$f"; done)

log=$dst/build.log
if ! make -C "$kdir" M="$dst" W=1 -j2 "$@" modules > "$log" 2>&1; then
	cat "$log" >&2
	die "module build for $ver failed"
fi
if grep -E '(warning|error):' "$log" >&2; then
	die "module build for $ver has warnings (W=1 must be clean)"
fi
ko=$(find "$dst" -name akida_pcie.ko | head -1)
[ -n "$ko" ] || die "no akida_pcie.ko produced for $ver"
echo "$ko"
