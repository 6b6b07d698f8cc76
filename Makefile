# SPDX-License-Identifier: GPL-2.0-only
#
# pci-tsm top-level Makefile.
#
#   make                 modules for every kernel with headers under
#                        /lib/modules/*/build (or KVER=<release>) + userspace
#   make modules         only the modules (into build/kmod/<kver>/)
#   make userspace       daemon/, tests/tools/, tests/tools/nlclient/
#   make check           everything: deps, unit tests, build matrix, VM tests
#                        on both kernels; ends with "N passed, N failed, N skipped"
#                        (LIBSPDM_CAPTURES=DIR adds the libspdm capture test)
#   make demo            boot a 6.12 VM with the devsec sample and narrate it
#   make matrix          only the module build matrix (W=1, sparse, checkpatch,
#                        export/module-name collisions)
#   make vm-test TEST=smoke-modules [KVER=6.12]
#                        one VM test on one kernel (or all tests: TEST=all)
#   make bench           benchmark suite, bench/results.json; docs/performance.md
#                        (see mk/bench.mk)
#   make install / uninstall   see mk/install.mk
#   make deb             Debian packages pci-tsm-dkms and tsm-verifierd in
#                        build/deb/, checked by lintian (debian/build-debs.sh)
#   make clean
#
# Modules are built out of tree: modules/ and include/ are mirrored into
# build/kmod/<kver>/ and kbuild runs there, so the source tree stays clean.

KVER ?=
ifeq ($(KVER),)
KVERS := $(patsubst /lib/modules/%/build,%,$(wildcard /lib/modules/*/build))
else
KVERS := $(shell scripts/kernels.sh $(KVER) 2>/dev/null || echo $(KVER))
endif
TEST ?= all
LIBSPDM_CAPTURES ?=

.PHONY: all modules userspace check demo matrix vm-test deps deb clean

all: modules userspace

modules: $(addprefix modules-,$(KVERS))
	@for k in $(KVERS); do \
		echo "modules for $$k:"; \
		ls build/kmod/$$k/modules/*.ko 2>/dev/null | sed 's/^/  /'; \
	done

modules-%:
	+scripts/build-kmod.sh $*

userspace:
	+scripts/build-userspace.sh

deps:
	scripts/install-deps.sh

check: deps
	tests/check.sh $(if $(LIBSPDM_CAPTURES),--captures $(LIBSPDM_CAPTURES))

demo: deps
	tests/vm/demo/run

matrix:
	scripts/build-matrix.sh $(KVER)

vm-test:
	tests/vm/run $(if $(KVER),-k $(KVER)) $(TEST)

deb:
	debian/build-debs.sh

clean:
	rm -rf build
	@for d in daemon tests/tools tests/tools/nlclient bench; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d clean || exit 1; fi; \
	done

-include mk/install.mk
-include mk/bench.mk
