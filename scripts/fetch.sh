#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetch into $AKIDA_CACHE (outside the clone) what the VM runner and the
# checkers need, without touching the system:
#   kernels/<ver>/{vmlinuz,lib/modules/<ver>}  Debian kernel images (apt-get download)
#   busybox/busybox                            busybox-static
#   ksrc/                                      kselftest headers and checkpatch from linux-source-6.12
# Idempotent: each piece is skipped when present.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dl() {	# dl PACKAGE DIR: download and unpack a .deb into DIR
	local pkg=$1 dir=$2 tmp
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
	mkdir -p "$dir"
	dpkg-deb -x "$tmp"/*.deb "$dir"
	rm -rf "$tmp"
}

for ver in $(akida_kernels); do
	k=$AKIDA_CACHE/kernels/$ver
	[ -f "$k/.done" ] && continue
	echo "fetch: kernel image $ver"
	rm -rf "$k"
	dl "linux-image-$ver-unsigned" "$k/pkg" 2>/dev/null || dl "linux-image-$ver" "$k/pkg"
	cp "$k/pkg/boot/vmlinuz-$ver" "$k/vmlinuz"
	mkdir -p "$k/lib/modules"
	mv "$k/pkg/lib/modules/$ver" "$k/lib/modules/$ver"
	rm -rf "$k/pkg"
	touch "$k/.done"
done

bb=$AKIDA_CACHE/busybox
if [ ! -x "$bb/busybox" ]; then
	echo "fetch: busybox-static"
	rm -rf "$bb.tmp"
	dl busybox-static "$bb.tmp"
	mkdir -p "$bb"
	cp "$bb.tmp/bin/busybox" "$bb/busybox"
	rm -rf "$bb.tmp"
fi

ks=$AKIDA_CACHE/ksrc
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -1)
[ -n "$tarball" ] || die "linux-source-6.12 is not installed (scripts/deps.sh installs it)"
if [ ! -f "$ks/.done" ] || [ "$tarball" -nt "$ks/.done" ]; then
	echo "fetch: kselftest harness and checkpatch from $(basename "$tarball")"
	rm -rf "$ks"
	mkdir -p "$ks"
	tar -xf "$tarball" -C "$ks" --strip-components=1 --wildcards \
		'*/tools/testing/selftests/kselftest*.h' \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch "$ks/.done"
fi
