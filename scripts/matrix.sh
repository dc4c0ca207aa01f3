#!/bin/bash
# SPDX-License-Identifier: MIT
# matrix.sh [TARGET...]: build akida_pcie.ko with W=1, any warning an error,
# for every kernel we support, each with its distribution's compiler:
#
#   bullseye  Debian 11: Linux 5.10 headers, gcc 10, in a chroot
#   host      the host's Debian kernels (6.1, 6.12) through build-module.sh
#   sid       the newest Debian kernel (sid) with sid's gcc, in a chroot; its
#             image is also unpacked for the VM stage (see below)
#   arm64     cross-build (gcc-aarch64-linux-gnu) against an arm64 defconfig
#             of linux-source-6.12
#
# Default: all of them. Everything reusable lives in $AKIDA_CACHE/matrix/
# (chroots, the arm64 tree) and is created once: each step leaves a stamp
# when it completed, so an interrupted run resumes, and a chroot that fails
# its health check is repaired or rebuilt. The sid chroot is refreshed when
# it is a week old or its kernel has left the mirror (FORCE_REFRESH=1: now).
# Objects live in out/matrix/<target>/ and are kept between runs, so a warm
# run only recompiles what changed. First run: about 7 minutes (two
# debootstraps, two apt installs, 125 MB of kernel image, the arm64 tree);
# then about 20 s, most of it waiting, when nothing changed.
#
# For the sid kernel, $AKIDA_CACHE/kernels/<ver>/ receives vmlinuz,
# lib/modules/<ver>/, build -> the chroot's headers (usable only inside the
# chroot: give the VM runner --module) and akida_pcie.ko (the module built
# here); out/matrix/sid.kver names <ver> for the VM stage.
#
# Output: one "[PASS|FAIL] matrix/<name> (detail)" line per build, the same
# lines (without brackets) in out/matrix/results, and the time each step took
# in out/matrix/times. Exit status: 0 when every build passed.
#
# Environment: AKIDA_MATRIX_SRC=DIR builds the module sources (Kbuild,
# drivers/, include/) found in DIR instead of this tree's, in
# out/matrix-<basename of DIR>/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MIRROR=${AKIDA_MIRROR:-http://deb.debian.org/debian}
MX=$AKIDA_CACHE/matrix
SRC=${AKIDA_MATRIX_SRC:-$AKIDA_TOP}
OUT=$AKIDA_OUT/matrix
# Foreign sources get their own objects and never publish a module.
[ "$SRC" = "$AKIDA_TOP" ] || OUT=$AKIDA_OUT/matrix-$(basename "$SRC")
KO_REL=drivers/accel/akida/akida_pcie.ko
ARM64_SRC=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -1 || true)
CHROOT_PKGS="linux-headers-amd64 make gcc"

mkdir -p "$MX" "$OUT"
exec 3>&2	# timed() reports here even when a step's output goes to a log
: > "$OUT/results"
: > "$OUT/times"
failed=0

report() {	# report PASS|FAIL NAME [DETAIL...]
	local st=$1 name=$2
	shift 2
	printf '%s matrix/%s%s\n' "$st" "$name" "${*:+ # $*}" >> "$OUT/results"
	printf '[%s] matrix/%s%s\n' "$st" "$name" "${*:+ ($*)}"
	[ "$st" = PASS ] || failed=1
}

timed() {	# timed LABEL CMD...: run CMD, note how long it took
	local label=$1 t0=$SECONDS rc=0
	shift
	"$@" || rc=$?
	printf '%-28s %4d s%s\n' "$label" $((SECONDS - t0)) "$([ $rc = 0 ] || echo " (failed $rc)")" |
		tee -a "$OUT/times" >&3
	return $rc
}

# mirror DIR: copy the module sources of $SRC into DIR. Only files whose
# content changed are copied, without their timestamps, so make rebuilds
# exactly what changed (also when a file went back to an older version).
mirror() {
	local dst=$1 f
	mkdir -p "$dst"
	(cd "$SRC" && find Kbuild drivers include -type f 2>/dev/null) | while read -r f; do
		cmp -s "$SRC/$f" "$dst/$f" && continue
		mkdir -p "$dst/$(dirname "$f")"
		cp "$SRC/$f" "$dst/$f"
	done
	(cd "$dst" && find Kbuild drivers include -type f \
		\( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) 2>/dev/null) |
	while read -r f; do
		[ -e "$SRC/$f" ] || rm -f "$dst/$f"
	done
}

cc_text() {	# cc_text KDIR: the compiler KDIR's kernel was built with
	sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' \
		"$1/include/config/auto.conf" 2>/dev/null
}

# The build itself, shared by the host and the chroots (it is sent into a
# chroot with declare -f). mx_kbuild KDIR DIR LOG [make args...]: build the
# module in DIR against KDIR with W=1, with the compiler the kernel was built
# with when that is installed; any warning or error in the log fails it.
# MX_ALLOW is an extended regex of log lines that are expected (arm64 only).
mx_kbuild() {
	local kdir=$1 dir=$2 log=$3 cc
	shift 3
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^ ]*\) .*/\1/p' \
		"$kdir/include/config/auto.conf" 2>/dev/null)
	if [ -n "$cc" ] && [ -z "${MX_NOCC:-}" ] && command -v "$cc" > /dev/null; then
		set -- CC="$cc" "$@"
	fi
	# -k: on failure, report every file that does not build, not the first.
	if ! make -k -C "$kdir" M="$dir" W=1 -j2 "$@" modules > "$log" 2>&1; then
		cat "$log"
		echo "error: build failed"
		return 1
	fi
	if grep -v -E "${MX_ALLOW:-^$}" "$log" | grep -i -E '(warning|error)[: ]'; then
		echo "error: the build has warnings (W=1 must be clean)"
		return 1
	fi
	[ -f "$dir/drivers/accel/akida/akida_pcie.ko" ] || { echo "error: no module"; return 1; }
}

# chroot_run ROOT BUILDDIR CMD: run the bash script CMD in the chroot ROOT, in
# a private mount namespace with /dev, /proc and BUILDDIR (if not empty) on
# /akida mounted; the mounts are undone on exit by a trap and, whatever
# happens, die with the namespace.
chroot_run() {
	unshare --mount --propagation private /bin/bash -ec '
		root=$1 dir=$2 cmd=$3
		trap "umount -l \"$root/akida\" \"$root/proc\" \"$root/dev\" 2>/dev/null || true" EXIT
		mount --bind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		if [ -n "$dir" ]; then
			mkdir -p "$root/akida"
			mount --bind "$dir" "$root/akida"
		fi
		chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive \
			/bin/bash -ec "$cmd"
	' chroot_run "$@"
}

chroot_kver() {	# chroot_kver ROOT: the kernel version whose headers ROOT holds
	local d
	d=$(ls -d "$1"/usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$d" ] && basename "$d" | sed 's/^linux-headers-//'
}

chroot_healthy() {	# chroot_healthy ROOT: usable for building modules?
	local root=$1 kver
	kver=$(chroot_kver "$root") || return 1
	[ -f "$root/usr/src/linux-headers-$kver/include/config/auto.conf" ] || return 1
	chroot_run "$root" "" "gcc --version >/dev/null && make --version >/dev/null &&
		test -x /usr/src/linux-headers-$kver/scripts/mod/modpost &&
		! dpkg --audit 2>&1 | grep -q ." > /dev/null 2>&1
}

# chroot_ensure NAME SUITE [DAYS]: the chroot $MX/NAME of Debian SUITE with
# $CHROOT_PKGS installed, created or repaired as needed; with DAYS, refreshed
# (apt-get update, newer packages installed) once its packages are older than
# that, or when FORCE_REFRESH is set. Steps and stamps:
#   NAME.partial/ -> NAME/   debootstrap, renamed only once it succeeded
#   NAME/.akida-pkgs         apt-get update + install done (content: the list)
# A chroot that fails its health check is repaired (dpkg --configure -a, the
# packages installed, then reinstalled), then rebuilt from scratch.
chroot_ensure() {
	local name=$1 suite=$2 days=${3:-} root=$MX/$1 attempt reinstall
	exec 8> "$MX/$name.lock"
	flock 8
	if [ -f "$root/.akida-pkgs" ] && { [ -n "${FORCE_REFRESH:-}" ] ||
	   { [ -n "$days" ] && [ -n "$(find "$root/.akida-pkgs" -mtime +"$days")" ]; }; }; then
		echo "matrix: $name: refreshing the chroot's packages" >&2
		rm -f "$root/.akida-pkgs"
	fi
	for attempt in 1 2 3 4; do
		if [ -f "$root/.akida-pkgs" ] && [ "$(cat "$root/.akida-pkgs")" = "$CHROOT_PKGS" ] &&
		   chroot_healthy "$root"; then
			flock -u 8
			return 0
		fi
		[ $attempt = 4 ] && break
		if [ $attempt = 3 ] || { [ -d "$root" ] && [ ! -x "$root/bin/bash" ]; }; then
			echo "matrix: $name: chroot is broken, rebuilding it" >&2
			rm -rf "$root"
		fi
		if [ ! -d "$root" ]; then
			echo "matrix: $name: debootstrap --variant=minbase $suite" >&2
			rm -rf "$root.partial"
			timed "$name: debootstrap" debootstrap --variant=minbase "$suite" \
				"$root.partial" "$MIRROR" > "$MX/$name.debootstrap.log" 2>&1 ||
				{ tail -n 20 "$MX/$name.debootstrap.log" >&2; flock -u 8; return 1; }
			mv "$root.partial" "$root"
		fi
		# A repair (second attempt) reinstalls the packages: their files may be gone.
		reinstall=
		[ $attempt = 2 ] && reinstall=--reinstall
		echo "matrix: $name: installing $CHROOT_PKGS${reinstall:+ ($reinstall)}" >&2
		rm -f "$root/.akida-pkgs"
		cp /etc/resolv.conf "$root/etc/resolv.conf"
		if timed "$name: apt-get install" chroot_run "$root" "" "
			dpkg --configure -a
			apt-get -q -o Acquire::Check-Valid-Until=false update
			apt-get install -y -q --no-install-recommends $reinstall $CHROOT_PKGS
			apt-get clean" > "$MX/$name.apt.log" 2>&1; then
			echo "$CHROOT_PKGS" > "$root/.akida-pkgs"
		else
			tail -n 20 "$MX/$name.apt.log" >&2
		fi
	done
	flock -u 8
	return 1
}

# chroot_build NAME LABEL: build the module in the (ready) chroot NAME for
# the newest kernel it has headers for; sets KVER.
chroot_build() {
	local name=$1 label=$2 root=$MX/$1 dir=$OUT/$1 gcc
	KVER=$(chroot_kver "$root")
	gcc=$(cc_text "$root/usr/src/linux-headers-$KVER")
	mirror "$dir"
	if timed "$name: build $KVER" chroot_run "$root" "$dir" "
		$(declare -f mx_kbuild)
		mx_kbuild /usr/src/linux-headers-$KVER /akida /akida/build.log" \
		> "$OUT/$name.log" 2>&1; then
		report PASS "$label-$KVER" "$gcc"
	else
		report FAIL "$label-$KVER" "$gcc; see $dir/build.log"
		tail -n 40 "$OUT/$name.log"
		return 1
	fi
}

target_bullseye() {
	if ! chroot_ensure bullseye bullseye; then
		report FAIL bullseye "cannot set up the chroot (see $MX/bullseye.*.log)"
		return 0
	fi
	chroot_build bullseye bullseye || true
}

target_host() {
	local ver ko log out=$AKIDA_OUT
	# build-module.sh builds in out/kbuild/<ver>/, shared with the VM runner;
	# a foreign source tree gets its own objects.
	[ "$SRC" = "$AKIDA_TOP" ] || out=$OUT
	for ver in $(akida_kernels); do
		log=$out/kbuild/$ver/build.log
		if ko=$(timed "host: build $ver" env AKIDA_TOP="$SRC" AKIDA_OUT="$out" \
			"$AKIDA_TOP/scripts/build-module.sh" "$ver" 2> "$OUT/host-$ver.log"); then
			# build-module.sh only looks for compiler warnings: modpost's count too.
			if grep -i -E '(warning|error)[: ]' "$log"; then
				report FAIL "$ver" "modpost warnings; see $log"
			else
				report PASS "$ver" "$(cc_text "/usr/src/linux-headers-$ver")"
			fi
		else
			report FAIL "$ver" "see $OUT/host-$ver.log"
			tail -n 40 "$OUT/host-$ver.log"
		fi
	done
	[ -n "$(akida_kernels)" ] || report FAIL host "no kernel headers installed (scripts/deps.sh)"
}

# sid_kernel VER: unpack sid's kernel VER into $AKIDA_CACHE/kernels/VER for
# the VM runner (stamp: .done, as scripts/fetch.sh does). linux-image-VER is
# either the kernel itself (with an -unsigned twin up to Debian 13) or, as in
# sid, a metapackage over linux-binary-VER and linux-modules-VER; vmlinuz is
# /boot/vmlinuz-VER or /usr/lib/modules/VER/vmlinuz, the modules in
# /lib/modules or /usr/lib/modules.
sid_kernel() {
	local rc=0
	exec 8> "$MX/sid-image.lock"
	flock 8
	sid_kernel_locked "$@" || rc=$?
	flock -u 8
	return $rc
}

sid_kernel_locked() {
	local ver=$1 root=$MX/sid k=$AKIDA_CACHE/kernels/$1 dl=$MX/sid/tmp/akida-image d
	if [ ! -f "$k/.done" ]; then
		echo "matrix: sid: fetching the kernel image $ver" >&2
		rm -rf "$k" "$dl"
		mkdir -p "$dl" "$k/pkg" "$k/lib/modules"
		chmod 0777 "$dl"	# apt-get download runs as _apt
		chroot_run "$root" "" "cd /tmp/akida-image
			have() { apt-cache show --no-all-versions \"\$1\" > /dev/null 2>&1; }
			if have linux-binary-$ver; then
				apt-get download -q linux-binary-$ver linux-modules-$ver
			elif have linux-image-$ver-unsigned; then
				apt-get download -q linux-image-$ver-unsigned
			else
				apt-get download -q linux-image-$ver
			fi" > "$OUT/sid-image.log" 2>&1 || { cat "$OUT/sid-image.log" >&2; return 1; }
		for d in "$dl"/*.deb; do
			dpkg-deb -x "$d" "$k/pkg" || return 1
		done
		for d in "$k/pkg/boot/vmlinuz-$ver" "$k/pkg/usr/lib/modules/$ver/vmlinuz" \
			"$k/pkg/lib/modules/$ver/vmlinuz" ""; do
			[ -z "$d" ] && { echo "error: no vmlinuz for $ver in the packages" >&2; return 1; }
			[ -f "$d" ] && break
		done
		mv "$d" "$k/vmlinuz" || return 1
		for d in "$k/pkg/lib/modules/$ver" "$k/pkg/usr/lib/modules/$ver" ""; do
			[ -z "$d" ] && { echo "error: no modules for $ver in the packages" >&2; return 1; }
			[ -d "$d/kernel" ] && break
		done
		mv "$d" "$k/lib/modules/$ver" || return 1
		rm -rf "$k/pkg" "$dl"
		touch "$k/.done"
	fi
	ln -sfn "$root/usr/src/linux-headers-$ver" "$k/build"
}

# sid moves on: the chroot is refreshed weekly so that it keeps following
# the newest kernel, and at once when its kernel has left the mirror (the
# image cannot be fetched any more).
target_sid() {
	local ver
	if ! chroot_ensure sid sid 7; then
		report FAIL sid "cannot set up the chroot (see $MX/sid.*.log)"
		return 0
	fi
	ver=$(chroot_kver "$MX/sid")
	if ! timed "sid: kernel image" sid_kernel "$ver"; then
		if ! FORCE_REFRESH=1 chroot_ensure sid sid ||
		   ! ver=$(chroot_kver "$MX/sid") ||
		   ! timed "sid: kernel image" sid_kernel "$ver"; then
			report FAIL "sid-image-$ver" "cannot fetch sid's kernel $ver (see $OUT/sid-image.log)"
			return 0
		fi
	fi
	chroot_build sid sid || return 0
	echo "$KVER" > "$OUT/sid.kver"
	[ "$SRC" != "$AKIDA_TOP" ] ||
		cp "$OUT/sid/$KO_REL" "$AKIDA_CACHE/kernels/$KVER/akida_pcie.ko"
}

# arm64_tree: $MX/linux-<ver>-arm64, linux-source-6.12 with an arm64 defconfig
# and modules_prepare. Stamps: .akida-extracted (the tarball's name and
# mtime), .akida-prepared. modules_prepare is make: rerunning it resumes.
arm64_tree() {
	local t=$1 tag
	tag="$(basename "$ARM64_SRC") $(stat -c %Y "$ARM64_SRC")"
	exec 8> "$MX/arm64.lock"
	flock 8
	if [ "$(cat "$t/.akida-extracted" 2>/dev/null)" != "$tag" ]; then
		echo "matrix: arm64: extracting $(basename "$ARM64_SRC")" >&2
		rm -rf "$t"
		mkdir -p "$t"
		timed "arm64: extract" tar -xf "$ARM64_SRC" -C "$t" --strip-components=1 ||
			{ flock -u 8; return 1; }
		echo "$tag" > "$t/.akida-extracted"
	fi
	if [ ! -f "$t/.akida-prepared" ]; then
		echo "matrix: arm64: defconfig modules_prepare" >&2
		if ! timed "arm64: modules_prepare" make -C "$t" ARCH=arm64 \
			CROSS_COMPILE=aarch64-linux-gnu- -j2 defconfig modules_prepare \
			> "$MX/arm64-prepare.log" 2>&1; then
			tail -n 20 "$MX/arm64-prepare.log" >&2
			flock -u 8
			return 1
		fi
		touch "$t/.akida-prepared"
	fi
	flock -u 8
}

# arm64_unexported TREE KO: modpost cannot check the arm64 module's symbols
# (no Module.symvers), so check them here: each must be a generic export (in
# the host's 6.12 Module.symvers) or one of arch/arm64's own. Prints the
# others and fails if there are any.
arm64_unexported() {
	local t=$1 ko=$2 symvers missing
	symvers=$(ls /usr/src/linux-headers-6.12*-amd64/Module.symvers 2>/dev/null | tail -1)
	[ -n "$symvers" ] || return 0
	if [ ! -s "$t/.akida-arm64-exports" ]; then
		grep -rhoE --include='*.[chS]' 'EXPORT_SYMBOL(_GPL)?(_NS|_NS_GPL)?\([A-Za-z0-9_]+' \
			"$t/arch/arm64" | sed 's/.*(//' > "$t/.akida-arm64-exports.tmp" &&
			mv "$t/.akida-arm64-exports.tmp" "$t/.akida-arm64-exports"
	fi
	missing=$(comm -23 <(aarch64-linux-gnu-nm -u "$ko" | awk '{print $2}' | sort -u) \
		<({ awk '{print $2}' "$symvers"; cat "$t/.akida-arm64-exports"; } | sort -u))
	echo $missing
	[ -z "$missing" ]
}

target_arm64() {
	local t=$MX/linux-6.12-arm64 dir=$OUT/arm64 ver
	if [ -z "$ARM64_SRC" ] || ! command -v aarch64-linux-gnu-gcc > /dev/null; then
		report FAIL arm64 "needs linux-source-6.12 and gcc-aarch64-linux-gnu (scripts/deps.sh)"
		return 0
	fi
	if ! arm64_tree "$t"; then
		report FAIL arm64 "cannot prepare the arm64 tree (see $MX/arm64-prepare.log)"
		return 0
	fi
	ver=$(make -s -C "$t" kernelversion)
	mirror "$dir"
	# A prepared tree has no Module.symvers (only a full vmlinux build makes
	# one), so modpost cannot know the kernel's exports: these lines, and only
	# these, are expected. Compiler warnings still fail the build.
	if timed "arm64: build $ver" env MX_NOCC=1 \
		MX_ALLOW='^WARNING: modpost: (Symbol info of vmlinux is missing|"[A-Za-z0-9_.]+" \[.*\] undefined!|suppressed [0-9]+ unresolved symbol warnings)|^WARNING: .*Module\.symvers is missing|^ +(Modules may not|You may get|You can set|if you want to)' \
		bash -c "$(declare -f mx_kbuild); mx_kbuild '$t' '$dir' '$dir/build.log' \
			ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- KBUILD_MODPOST_WARN=1" \
		> "$OUT/arm64.log" 2>&1; then
		if missing=$(arm64_unexported "$t" "$dir/$KO_REL"); then
			report PASS "arm64-$ver" "aarch64-linux-gnu-gcc $(aarch64-linux-gnu-gcc -dumpfullversion)"
		else
			report FAIL "arm64-$ver" "uses symbols no kernel exports: $missing"
		fi
	else
		report FAIL "arm64-$ver" "see $dir/build.log"
		tail -n 40 "$OUT/arm64.log"
	fi
}

[ -f "$SRC/drivers/accel/akida/Kbuild" ] || [ -f "$SRC/drivers/accel/akida/Makefile" ] ||
	die "no module sources in $SRC/drivers/accel/akida"
[ "$(id -u)" = 0 ] || die "matrix.sh needs root (debootstrap, chroot, mount)"

targets=${*:-bullseye host sid arm64}
t0=$SECONDS
for t in $targets; do
	case $t in
	bullseye|host|sid|arm64) "target_$t" ;;
	*) die "unknown target '$t' (bullseye, host, sid, arm64)" ;;
	esac
done
printf '%-28s %4d s\n' "total" $((SECONDS - t0)) | tee -a "$OUT/times" >&3
exit $failed
