#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build Debian's QEMU 7.2 with the emulated AKD1000 (tools/qemu/) added, and
# print the path of qemu-system-x86_64 as the last line of stdout. Everything
# else goes to stderr.
#
# Idempotent and cached: the build lives in $AKIDA_CACHE/qemu/<hash>/, where
# <hash> covers tools/qemu/* and this script, so a rebuild happens only when
# one of them changed. The pristine Debian source is fetched once into
# $AKIDA_CACHE/qemu/src and hard-linked into each build tree; ccache
# ($AKIDA_CACHE/ccache) makes a rebuild after a device change cheap.
#
# Environment: AKIDA_CACHE (default ~/.cache/akida), AKIDA_QEMU_JOBS (ninja
# -j, default 2), AKIDA_QEMU_KEEP (build trees kept, default 3).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AKIDA_CACHE=${AKIDA_CACHE:-$HOME/.cache/akida}
jobs=${AKIDA_QEMU_JOBS:-2}
keep=${AKIDA_QEMU_KEEP:-3}
qroot=$AKIDA_CACHE/qemu
pristine_parent=$qroot/src

log() { echo "build-qemu: $*" >&2; }
die() { echo "build-qemu: error: $*" >&2; exit 1; }

mkdir -p "$qroot"

# The hash of everything that goes into the build: the device model's files
# (names and contents) and this script.
src_hash() {
	(
		cd "$top"
		for f in tools/qemu/* scripts/build-qemu.sh; do
			[ -f "$f" ] || continue
			printf '%s\n' "$f"
			sha256sum < "$f"
		done
	) | sha256sum | cut -c1-16
}

hash=$(src_hash)
dir=$qroot/$hash
bin=$dir/build/qemu-system-x86_64

if [ -x "$bin" ] && [ -e "$dir/.done" ]; then
	log "up to date ($dir)"
	echo "$bin"
	exit 0
fi

# One build at a time: the VM runner and the check stages may call us at once.
exec 9> "$qroot/.lock"
flock 9
if [ -x "$bin" ] && [ -e "$dir/.done" ]; then
	log "built by a concurrent run ($dir)"
	echo "$bin"
	exit 0
fi

need_deps=0
for cmd in ninja meson ccache dpkg-source cc make pkg-config; do
	command -v "$cmd" > /dev/null || need_deps=1
done
for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
	 /usr/include/libfdt.h /usr/include/pixman-1/pixman.h; do
	[ -e "$f" ] || need_deps=1
done
pkg-config --exists glib-2.0 zlib 2> /dev/null || need_deps=1

# Pristine source, fetched once.
pristine=$(ls -d "$pristine_parent"/qemu-7.2* 2> /dev/null | head -n 1 || true)
if [ -z "$pristine" ] || [ ! -e "$pristine_parent/.done" ]; then
	need_deps=1
fi
if [ $need_deps = 1 ]; then
	[ "$(id -u)" = 0 ] || die "build dependencies missing; run scripts/deps.sh as root"
	log "installing build dependencies (scripts/deps.sh)"
	"$top/scripts/deps.sh" >&2
fi
if [ -z "$pristine" ] || [ ! -e "$pristine_parent/.done" ]; then
	log "fetching the Debian QEMU source (apt-get source qemu)"
	rm -rf "$pristine_parent"
	tmp=$qroot/src.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	(cd "$tmp" && apt-get source -q qemu >&2) || die "apt-get source qemu failed"
	pristine=$(ls -d "$tmp"/qemu-7.2* 2> /dev/null | head -n 1 || true)
	[ -n "$pristine" ] || die "apt-get source did not give QEMU 7.2 (got: $(ls "$tmp"))"
	touch "$tmp/.done"
	mv "$tmp" "$pristine_parent"
	pristine=$pristine_parent/$(basename "$pristine")
fi

# A private tree: hard links to the pristine files, with the files we change
# replaced (never edited in place, which would change the pristine copy).
log "preparing $dir"
rm -rf "$dir"
mkdir -p "$dir"
cp -al "$pristine" "$dir/src"
src=$dir/src

replace_append() {	# FILE LINE: append LINE to FILE without touching its other links
	local f=$1 line=$2
	{ cat "$f"; printf '%s\n' "$line"; } > "$f.akida"
	mv "$f.akida" "$f"
}

mkdir -p "$src/hw/misc/akida"
for f in "$top"/tools/qemu/*; do
	[ -f "$f" ] && cp "$f" "$src/hw/misc/akida/"
done
[ -e "$src/hw/misc/akida/meson.build" ] || die "tools/qemu/meson.build missing"
[ -e "$src/hw/misc/akida/Kconfig" ] || die "tools/qemu/Kconfig missing"
replace_append "$src/hw/misc/meson.build" "subdir('akida')"
replace_append "$src/hw/misc/Kconfig" "source akida/Kconfig"

# The machine and devices the project's guests need, nothing else.
cat > "$src/configs/devices/x86_64-softmmu/akida.mak" <<'EOF'
# q35 guests for the akida_pcie test suite.
CONFIG_Q35=y
CONFIG_AKD1000=y
# intel-iommu for the VFIO and vIOMMU tests
CONFIG_VTD=y
# pcie-root-port, for hot-plug
CONFIG_PCIE_PORT=y
# isa-debug-exit, pvpanic: guest exit status
CONFIG_ISA_DEBUG=y
CONFIG_PVPANIC_ISA=y
# virtio-serial and virtio-rng for the runner's host channel
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_VIRTIO_RNG=y
EOF

export PATH=/usr/lib/ccache:$PATH
export CCACHE_DIR=$AKIDA_CACHE/ccache
export CCACHE_SLOPPINESS=include_file_mtime,include_file_ctime,time_macros
export CCACHE_BASEDIR=$dir
export CCACHE_NOHASHDIR=1
mkdir -p "$CCACHE_DIR"

start=$(date +%s)
mkdir -p "$dir/build"
cd "$dir/build"
log "configuring"
../src/configure \
	--target-list=x86_64-softmmu \
	--without-default-features --without-default-devices \
	--with-devices-x86_64=akida \
	--disable-docs --disable-tools --disable-guest-agent --disable-user \
	--disable-install-blobs --disable-werror --enable-tcg --enable-fdt=system \
	--with-git-submodules=ignore >&2 || die "configure failed"
log "building qemu-system-x86_64 (ninja -j$jobs)"
ninja -j"$jobs" qemu-system-x86_64 >&2 || die "build failed"
[ -x "$bin" ] || die "no $bin after the build"
touch "$dir/.done"
log "built in $(($(date +%s) - start)) s"

# Keep the newest few build trees.
ls -dt "$qroot"/[0-9a-f]*/ 2> /dev/null | tail -n +$((keep + 1)) | while read -r old; do
	[ "${old%/}" = "$dir" ] && continue
	log "removing old build tree $old"
	rm -rf "$old"
done

echo "$bin"
