# SPDX-License-Identifier: GPL-2.0
#
# akida_pcie: top-level build.
#
#   make                 module (against the running kernel) + library, CLI, selftests
#   make module KDIR=... module against another kernel tree
#   make check           the whole test suite (installs its dependencies; see README.md)
#   make demo            boot the emulated AKD1000 and run the main job in the guest
#   make vm              interactive shell in the test guest
#   make install         install module, library, CLI, udev rule (as root)

KVER		?= $(shell uname -r)
KDIR		?= /lib/modules/$(KVER)/build
O		?= $(CURDIR)/build
PREFIX		?= /usr/local
DESTDIR		?=
AKIDA_CACHE	?= $(HOME)/.cache/akida
export O PREFIX DESTDIR AKIDA_CACHE

USERDIRS := lib tools/akida tools/bench selftests/akida

.PHONY: all module userspace $(USERDIRS) check check-debug check-debug-iommu demo vm bench matrix inventory mutate \
	install install-module install-userspace dkms-install clean

all: module userspace

module:
	@test -d "$(KDIR)" || { echo "error: no kernel build tree at $(KDIR);" \
		"install linux-headers-$(KVER) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace: $(USERDIRS)

$(USERDIRS):
	@if [ -f $@/Makefile ]; then $(MAKE) -C $@; fi

tools/akida tools/bench selftests/akida: lib

check:
	@scripts/check.sh

# The whole suite on the debug kernel (KASAN, lockdep, kmemleak, DMA-API,
# fault injection): about 13 minutes, so not in make check, which runs the
# debug kernel's IOMMU subset (stage 71; alone: make check-debug-iommu).
check-debug:
	@AKIDA_STAGE_DIR=scripts/check-debug.d scripts/check.sh

check-debug-iommu:
	@AKIDA_STAGES=71 scripts/check.sh

demo:
	@scripts/demo.sh

vm:
	@scripts/vm.sh

bench:
	@scripts/bench.sh

matrix:
	@scripts/matrix.sh

install: install-module install-userspace

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	install -D -m 0644 udev/60-akida.rules $(DESTDIR)/etc/udev/rules.d/60-akida.rules
	$(if $(DESTDIR),,getent group akida >/dev/null || groupadd --system akida)

install-userspace: userspace
	@for d in $(USERDIRS); do \
		if grep -qs '^install:' $$d/Makefile; then $(MAKE) -C $$d install || exit 1; fi; \
	done

dkms-install:
	scripts/dkms-install.sh

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf $(O)

# The selftest inventory (selftests/akida/manifest/*.cases) from each binary's
# -l listing: run after adding, renaming or removing a test, and commit.
inventory: userspace
	@scripts/inventory.py

# Mutation testing of the driver (not part of make check: about an hour).
mutate:
	@scripts/mutate.py $(MUTANTS)
