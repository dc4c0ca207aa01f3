#!/bin/bash
# SPDX-License-Identifier: MIT
# debug-kernel.sh: build the debug kernel (KASAN, lockdep, kmemleak, DMA-API
# debugging, fault injection) from linux-source-6.12 with config/debug.config
# on top of tinyconfig, and install it where the VM runner and
# build-module.sh look for kernels:
#
#   $AKIDA_CACHE/kernels/<ver>/vmlinuz            the bzImage
#   $AKIDA_CACHE/kernels/<ver>/lib/modules/<ver>/ modules_install (vfio, modules.dep)
#   $AKIDA_CACHE/kernels/<ver>/build              the built tree, for out-of-tree modules
#
# <ver> ends in -akidadbg. Prints <ver> as the last line of stdout.
#
# Idempotent and cached: the source is extracted once under
# $AKIDA_CACHE/debug-kernel/src (never into the clone), objects stay there,
# compiles go through ccache ($AKIDA_CACHE/ccache), and nothing is rebuilt
# while the hash of the fragment, this script and the source tarball matches
# the installed kernel's. AKIDA_DEBUG_KERNEL_FORCE=1 rebuilds anyway.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

frag=$AKIDA_TOP/config/debug.config
base=$AKIDA_CACHE/debug-kernel
src=$base/src
log=$base/build.log
kmake=(make -C "$src" ARCH=x86_64)

tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -1)
[ -n "$tarball" ] || die "linux-source-6.12 is not installed (scripts/deps.sh installs it)"
[ -f "$frag" ] || die "no $frag"

key=$( { cat "$frag" "$0"; stat -c '%n %s %Y' "$tarball"; } | sha256sum | cut -c1-16)

mkdir -p "$base"
exec 9> "$base/lock"
flock 9

# verify_config FRAGMENT CONFIG: every CONFIG_ line of FRAGMENT must be in
# CONFIG exactly as written ("# CONFIG_X is not set" included).
verify_config() {
	local frag=$1 cfg=$2 bad=0 line name got
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) name=${line%%=*} ;;
		"# CONFIG_"*" is not set") name=${line#\# }; name=${name%% *} ;;
		*) continue ;;
		esac
		got=$(grep -E "^(# )?$name[= ]" "$cfg" || true)
		if [ "$got" != "$line" ]; then
			echo "debug-kernel: config did not stick: want '$line', got '${got:-<absent>}'" >&2
			bad=1
		fi
	done < "$frag"
	return $bad
}

installed_ver() {
	[ -f "$base/installed" ] || return 1
	local k v
	read -r k v < "$base/installed" || return 1
	[ "$k" = "$key" ] && [ -f "$AKIDA_CACHE/kernels/$v/.done" ] || return 1
	echo "$v"
}

if [ "${AKIDA_DEBUG_KERNEL_FORCE:-0}" != 1 ] && ver=$(installed_ver); then
	echo "debug-kernel: $ver is up to date"
	echo "$ver"
	exit 0
fi

start=$(date +%s)
if [ ! -f "$src/.akida-extracted" ] || [ "$tarball" -nt "$src/.akida-extracted" ]; then
	echo "debug-kernel: extracting $(basename "$tarball")"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	touch "$src/.akida-extracted"
fi

export CCACHE_DIR=$AKIDA_CACHE/ccache
export CCACHE_SLOPPINESS=include_file_mtime,include_file_ctime,time_macros
export CCACHE_BASEDIR=$src
export PATH=/usr/lib/ccache:$PATH
# Stable build identity, so that a rebuild reuses ccache for init/version.c too.
export KBUILD_BUILD_USER=akida KBUILD_BUILD_HOST=akida
export KBUILD_BUILD_TIMESTAMP="akida-debug $key"
mkdir -p "$CCACHE_DIR"

echo "debug-kernel: configuring (tinyconfig + $(basename "$frag"))"
{
	"${kmake[@]}" tinyconfig
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$frag")
	"${kmake[@]}" olddefconfig
} > "$log" 2>&1 || { tail -n 40 "$log" >&2; die "configuring the debug kernel failed"; }
verify_config "$frag" "$src/.config" ||
	die "config/debug.config does not survive olddefconfig (see above)"

echo "debug-kernel: building bzImage and modules (log: $log)"
if ! "${kmake[@]}" -j2 bzImage modules >> "$log" 2>&1; then
	tail -n 60 "$log" >&2
	die "debug kernel build failed"
fi
ver=$("${kmake[@]}" -s kernelrelease)
case $ver in *-akidadbg) ;; *) die "unexpected kernel release '$ver'" ;; esac

dst=$AKIDA_CACHE/kernels/$ver
echo "debug-kernel: installing $ver into $dst"
rm -rf "$dst"
mkdir -p "$dst"
cp "$src/arch/x86/boot/bzImage" "$dst/vmlinuz"
"${kmake[@]}" -s INSTALL_MOD_PATH="$dst" modules_install >> "$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "modules_install failed"; }
[ -f "$dst/lib/modules/$ver/modules.dep" ] || die "no modules.dep for $ver"
rm -f "$dst/lib/modules/$ver/build" "$dst/lib/modules/$ver/source"
ln -s "$src" "$dst/build"
[ -f "$src/Module.symvers" ] || die "no Module.symvers in $src"
touch "$dst/.done"
echo "$key $ver" > "$base/installed"
echo "debug-kernel: $ver built in $(($(date +%s) - start)) s"
echo "$ver"
