# SPDX-License-Identifier: GPL-2.0-only
# `make install` / `make uninstall`, included by the top-level Makefile, for
# distributions without our Debian packages (debian/ installs through here
# too, with DESTDIR and the bookworm directories). DESTDIR, PREFIX and each
# directory below are honoured. Configuration in $(SYSCONFDIR)/tsm is
# installed only where absent: an edited file is never overwritten (the new
# default lands beside it as FILE.dist).

PTSM_VERSION  := $(shell cat $(CURDIR)/VERSION)
PREFIX        ?= /usr
SBINDIR       ?= $(PREFIX)/sbin
BINDIR        ?= $(PREFIX)/bin
MANDIR        ?= $(PREFIX)/share/man
DOCDIR        ?= $(PREFIX)/share/doc/pci-tsm
LIBDIR_SYS    ?= $(PREFIX)/lib
SYSCONFDIR    ?= /etc
UNITDIR       ?= $(LIBDIR_SYS)/systemd/system
UDEVRULESDIR  ?= $(LIBDIR_SYS)/udev/rules.d
MODPROBEDIR   ?= $(LIBDIR_SYS)/modprobe.d
MODULESLOADDIR ?= $(LIBDIR_SYS)/modules-load.d
SYSUSERSDIR   ?= $(LIBDIR_SYS)/sysusers.d
DKMS_SRCDIR   ?= /usr/src/pci-tsm-$(PTSM_VERSION)

DAEMON_BIN    ?= daemon/tsm-verifierd
TSMCTL_BIN    ?= daemon/tsmctl/tsmctl
MAN_PAGES     ?= daemon/man/tsm-verifierd.8 daemon/man/tsmctl.8 daemon/man/tsm-policy.5

# What the DKMS tree holds: the module sources and the uapi headers they
# use. Found by name, not with git, so that a copy of the tree without
# .git (a tarball, the Debian build) installs the same files; build
# products of an in-tree `make -C modules` are left out.
DKMS_FILES = VERSION $(shell find modules include -type f \
		-not -name '*.o' -not -name '*.ko' -not -name '*.mod' -not -name '*.mod.c' \
		-not -name '*.a' -not -name '*.order' -not -name '*.symvers' -not -name '.*' | sort)

INSTALL ?= install

.PHONY: install install-dkms-src install-userspace install-config uninstall

install: install-dkms-src install-userspace install-config
	@echo "installed pci-tsm $(PTSM_VERSION) under '$(DESTDIR)'$(PREFIX)"
	@echo "next: dkms install pci-tsm/$(PTSM_VERSION)   (builds the modules for the running kernel)"

install-dkms-src:
	@for f in $(DKMS_FILES); do \
		$(INSTALL) -D -m 0644 "$$f" "$(DESTDIR)$(DKMS_SRCDIR)/$$f" || exit 1; \
	done
	sed 's/#MODULE_VERSION#/$(PTSM_VERSION)/' dkms.conf > "$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf"
	$(INSTALL) -D -m 0644 etc/modules-load.d/pci-tsm.conf "$(DESTDIR)$(MODULESLOADDIR)/pci-tsm.conf"
	$(INSTALL) -D -m 0644 etc/modprobe.d/pci-tsm.conf "$(DESTDIR)$(MODPROBEDIR)/pci-tsm.conf"

# The tsm group (sysusers.d) is created right away when installing into
# the running system.
install-userspace:
	@for f in $(DAEMON_BIN) $(TSMCTL_BIN) $(MAN_PAGES); do \
		[ -e "$$f" ] || { echo "install: $$f is missing: run 'make' first" >&2; exit 1; }; \
	done
	$(INSTALL) -D -m 0755 $(DAEMON_BIN) "$(DESTDIR)$(SBINDIR)/tsm-verifierd"
	$(INSTALL) -D -m 0755 $(TSMCTL_BIN) "$(DESTDIR)$(SBINDIR)/tsmctl"
	@for m in $(MAN_PAGES); do \
		sec=$${m##*.}; \
		$(INSTALL) -D -m 0644 "$$m" "$(DESTDIR)$(MANDIR)/man$$sec/$$(basename $$m)" || exit 1; \
	done
	sed 's|/usr/sbin/|$(SBINDIR)/|g' systemd/tsm-verifierd.service > tsm-verifierd.service.tmp
	$(INSTALL) -D -m 0644 tsm-verifierd.service.tmp "$(DESTDIR)$(UNITDIR)/tsm-verifierd.service"
	rm -f tsm-verifierd.service.tmp
	$(INSTALL) -D -m 0644 systemd/tsm-verifierd.socket "$(DESTDIR)$(UNITDIR)/tsm-verifierd.socket"
	$(INSTALL) -D -m 0644 systemd/tsm-verifierd.sysusers "$(DESTDIR)$(SYSUSERSDIR)/tsm-verifierd.conf"
	$(INSTALL) -D -m 0644 udev/60-pci-tsm.rules "$(DESTDIR)$(UDEVRULESDIR)/60-pci-tsm.rules"
	$(INSTALL) -D -m 0644 etc/examples/policy-example.conf "$(DESTDIR)$(DOCDIR)/examples/policy-example.conf"
	@if [ -z "$(DESTDIR)" ]; then \
		if command -v systemd-sysusers >/dev/null; then systemd-sysusers tsm-verifierd.conf; \
		elif ! getent group tsm >/dev/null; then groupadd --system tsm; fi; \
	fi

# Defaults go in only where the administrator has nothing; an existing file
# that differs is kept and the shipped one is written next to it as .dist.
install-config:
	@for f in $$(cd etc/tsm && find . -type f | sort); do \
		src="etc/tsm/$$f"; dst="$(DESTDIR)$(SYSCONFDIR)/tsm/$$f"; \
		case "$$f" in */.keep) $(INSTALL) -d -m 0755 "$$(dirname "$$dst")"; continue;; esac; \
		if [ ! -e "$$dst" ]; then \
			$(INSTALL) -D -m 0644 "$$src" "$$dst" || exit 1; \
		elif ! cmp -s "$$src" "$$dst"; then \
			$(INSTALL) -m 0644 "$$src" "$$dst.dist" || exit 1; \
			echo "install: kept your $$dst; the new default is $$dst.dist"; \
		fi; \
	done

# Files the administrator changed stay; everything else we installed goes.
# A DKMS registration is removed first (dkms remove), when not staging. The
# tsm group stays (files may still belong to it).
uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null && \
	    dkms status pci-tsm/$(PTSM_VERSION) 2>/dev/null | grep -q .; then \
		echo "dkms remove pci-tsm/$(PTSM_VERSION) --all"; \
		dkms remove pci-tsm/$(PTSM_VERSION) --all || exit 1; \
	fi
	rm -rf "$(DESTDIR)$(DKMS_SRCDIR)"
	rm -f "$(DESTDIR)$(SBINDIR)/tsm-verifierd" "$(DESTDIR)$(SBINDIR)/tsmctl"
	@for m in $(MAN_PAGES); do sec=$${m##*.}; rm -f "$(DESTDIR)$(MANDIR)/man$$sec/$$(basename $$m)"; done
	rm -f "$(DESTDIR)$(UNITDIR)/tsm-verifierd.service" "$(DESTDIR)$(UNITDIR)/tsm-verifierd.socket"
	rm -f "$(DESTDIR)$(UDEVRULESDIR)/60-pci-tsm.rules"
	rm -f "$(DESTDIR)$(MODULESLOADDIR)/pci-tsm.conf" "$(DESTDIR)$(MODPROBEDIR)/pci-tsm.conf"
	rm -f "$(DESTDIR)$(SYSUSERSDIR)/tsm-verifierd.conf"
	rm -f "$(DESTDIR)$(DOCDIR)/examples/policy-example.conf"
	-rmdir "$(DESTDIR)$(DOCDIR)/examples" "$(DESTDIR)$(DOCDIR)" 2>/dev/null
	@for f in $$(cd etc/tsm && find . -type f | sort); do \
		dst="$(DESTDIR)$(SYSCONFDIR)/tsm/$$f"; \
		case "$$f" in */.keep) continue;; esac; \
		if [ -e "$$dst" ] && cmp -s "etc/tsm/$$f" "$$dst"; then rm -f "$$dst"; \
		elif [ -e "$$dst" ]; then echo "uninstall: kept your edited $$dst"; fi; \
		rm -f "$$dst.dist"; \
	done
	-rmdir "$(DESTDIR)$(SYSCONFDIR)/tsm/trust" "$(DESTDIR)$(SYSCONFDIR)/tsm/policy.d" "$(DESTDIR)$(SYSCONFDIR)/tsm" 2>/dev/null
