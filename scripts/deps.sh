#!/bin/bash
# SPDX-License-Identifier: MIT
# Install everything `make check` and `make demo` need, idempotently.
# Runs as root (apt-get); does nothing when every package is already there.
set -euo pipefail

PKGS=(
	build-essential bc bison flex kmod cpio xz-utils zstd pkg-config python3
	dpkg-dev fakeroot
	linux-headers-amd64 linux-headers-6.12-amd64 linux-source-6.12
	sparse dkms dwarves
	libsnappy-dev
	ninja-build meson libglib2.0-dev zlib1g-dev libpixman-1-dev libfdt-dev
	ccache seabios qemu-system-data
	clang libclang-rt-14-dev
	gnuplot-nox debootstrap gcc-aarch64-linux-gnu libssl-dev libelf-dev
)

SRC=/etc/apt/sources.list.d/akida-deb-src.sources
need_update=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
	cat > "$SRC" <<'EOS'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	need_update=1
fi

missing=()
for p in "${PKGS[@]}"; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*"ok installed") ;;
	*) missing+=("$p") ;;
	esac
done

stamp=/var/lib/apt/periodic/akida-update-stamp
if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
	if [ $need_update = 1 ] || [ ! -e "$stamp" ] ||
	   [ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]; then
		apt-get update -q
		mkdir -p "$(dirname "$stamp")"
		touch "$stamp"
	fi
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
